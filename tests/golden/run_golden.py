#!/usr/bin/python3
"""Golden-output tests: compiled programs against PyTorch.

    /usr/bin/python3 tests/golden/run_golden.py [--big] [--valgrind] [--asan]
                     [--check-fresh] [--only NAME,...] [--levels=L,...] [-j N] [--keep]
                     [--same-c-as CNNC]

For every net (the odd-shape nets of tests/golden/nets.py, the small zoo
models lenet5, chapter_ex1, cifar10, rgb_conv, and fashion_cnn when its
trained weights are shipped; with --big also the torchvision models:
resnet18, resnet50, vgg16, mobilenet_v2, shufflenet_v2_x1_0, squeezenet1_1, alexnet,
resnext50_32x4d, densenet121, googlenet, mnasnet1_0 and inception_v3) and
every level (-O0, the default, and the default with --algo
direct, --algo im2col and --algo winograd, --layout nhwc and --layout blocked
alone and with each --algo, and some of these with --threads 2; --levels
picks some, as --levels=-O0,default: with "=", since -O0 starts with a
dash), it builds PROGRAM
as `cnnc build MODEL.lua --weights weights.safetensors -o PROGRAM` would,
audits PROGRAM.c (`cnnc audit`), runs `PROGRAM input.npy output.npy` and
checks, as SPEC.md's "What counts as correct" says:

    max |out - ref| <= 1e-4 * (1 + max |ref|)   (1e-3 when `cnnc report`
                                                  shows a Winograd layer)
    argmax over each sample's flattened output is the same
    with --threads 2: the output is byte-identical to the one without

Building: each case is `cnnc build`, as a user runs it: the runtime is a
library `ninja` built once per target, so a case compiles only its own
generated file. --asan links the runtime's sanitized build
(build/asan/sanlib, --target generic); --valgrind the --target avx2 one.

One line per case with the max error; the exit status is non-zero when any
case fails, and the failures are listed at the end.

Golden data: tests/golden/data/NAME/{weights.safetensors, input.npy,
expected.npy} is committed for the odd nets and lenet5 and used as is;
the other nets are generated into a temporary directory on each run by
make_golden.py (never committed). To regenerate the committed data after
changing a net or the generator:

    /usr/bin/python3 tests/golden/make_golden.py --all

--check-fresh additionally regenerates the committed data and checks that
the generator still makes the same weights and input, and that PyTorch
still computes the committed expected output from them (within 1e-5).

--valgrind runs the small nets' programs under `valgrind --error-exitcode=1
-q`, built with CFLAGS="-O2 -g -std=c99 -mavx2 -mfma" (no AVX-512, which
valgrind cannot run) unless $CFLAGS is set; --asan builds them with CFLAGS="-O1 -g -fsanitize=address,undefined
-fno-sanitize-recover=all" against the sanitized runtime. The compiler is $CNNC_BUILD/cnnc (default
build/cnnc).

--same-c-as CNNC builds and runs nothing: for every case it compiles with
$CNNC_BUILD/cnnc and with CNNC and checks that both write the same files
to the byte (tests/run.sh runs the sanitized cnnc so, against the plain
one whose programs the plain run checked against PyTorch).
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import make_golden  # noqa: E402

# Every level and every algorithm the compiler can be made to use.
# Every layout too, alone and with the algorithms that combine with it:
# --algo direct runs every conv in the layout (1x1 ones too, by the
# general kernel); im2col and winograd keep their convs NCHW, with
# reorders around them.
LEVELS = [("-O0", ["-O0"]), ("default", []), ("direct", ["--algo", "direct"]),
          ("im2col", ["--algo", "im2col"]), ("winograd", ["--algo", "winograd"]),
          ("nhwc", ["--layout", "nhwc"]), ("blocked", ["--layout", "blocked"]),
          ("nhwc+dir", ["--layout", "nhwc", "--algo", "direct"]),
          ("blk+dir", ["--layout", "blocked", "--algo", "direct"]),
          ("nhwc+i2c", ["--layout", "nhwc", "--algo", "im2col"]),
          ("blk+i2c", ["--layout", "blocked", "--algo", "im2col"]),
          ("nhwc+wino", ["--layout", "nhwc", "--algo", "winograd"]),
          ("blk+wino", ["--layout", "blocked", "--algo", "winograd"]),
          ("t2", ["--threads", "2"]), ("nhwc/t2", ["--layout", "nhwc", "--threads", "2"]),
          ("blk/t2", ["--layout", "blocked", "--threads", "2"]),
          ("dir/t2", ["--algo", "direct", "--threads", "2"])]
THREADS = "--threads"  # a level with it must also equal, byte for byte, its output without
ASAN_CFLAGS = "-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all"
FILES = ("weights.safetensors", "input.npy", "expected.npy")
RUN_TIMEOUT = 600  # seconds, per program run (valgrind is slow)


def valgrind_cflags():
    """Host-optimized flags minus AVX-512, which valgrind cannot run."""
    flags = "-O2 -g -std=c99"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = f.read().split()
    except OSError:
        cpu = []
    if "avx2" in cpu and "fma" in cpu:
        flags += " -mavx2 -mfma"
    return flags


def committed_dir(name):
    d = os.path.join(make_golden.DATA, name)
    return d if all(os.path.exists(os.path.join(d, f)) for f in FILES) else None


def run(cmd, env=None, timeout=RUN_TIMEOUT):
    """(returncode, stdout+stderr) of cmd; a timeout counts as a failure."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=env, timeout=timeout, text=True, errors="replace")
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {timeout} s: {' '.join(cmd)}"


def tolerance_scale(cnnc, lua, flags):
    """1e-3 when the compiled model has a Winograd layer, else 1e-4."""
    rc, out = run([cnnc, "report", lua, "--json"] + flags, timeout=120)
    if rc != 0:
        return 1e-4
    try:
        layers = json.loads(out[out.index("{"):])["layers"]
    except (ValueError, KeyError):
        return 1e-4
    algos = " ".join(str(l.get("algorithm", "")) for l in layers).lower()
    return 1e-3 if "winograd" in algos else 1e-4


def compare(out, ref, scale, argmax=True):
    """(ok, max error, tolerance, note) of a program output against PyTorch's;
    argmax: also each sample's argmax the same (a classifier's answer)."""
    if out.shape != ref.shape:
        return False, float("nan"), float("nan"), f"output shape {out.shape}, expected {ref.shape}"
    ref64, out64 = ref.astype(np.float64), out.astype(np.float64)
    err = float(np.max(np.abs(out64 - ref64))) if ref.size else 0.0
    tol = scale * (1.0 + float(np.max(np.abs(ref64))))
    if not np.all(np.isfinite(out64)):
        return False, err, tol, "output has NaN or Inf"
    notes = []
    ok = err <= tol
    if not ok:
        flat = np.abs(out64 - ref64).reshape(-1)
        at = np.unravel_index(int(np.argmax(flat)), ref.shape)
        notes.append(f"worst at {tuple(int(i) for i in at)}: got {out[at]:.7g}, want {ref[at]:.7g}")
    n = ref.shape[0]
    if not argmax or not ref.size:
        return ok, err, tol, "; ".join(notes)
    a_out = out64.reshape(n, -1).argmax(1)
    a_ref = ref64.reshape(n, -1).argmax(1)
    bad = np.nonzero(a_out != a_ref)[0]
    if len(bad):
        ok = False
        s = int(bad[0])
        r = ref64.reshape(n, -1)[s]
        gap = r[a_ref[s]] - r[a_out[s]]
        notes.append(f"argmax differs on {len(bad)} of {n} samples (sample {s}: "
                     f"{a_out[s]} vs {a_ref[s]}, reference gap {gap:.3g})")
    return ok, err, tol, "; ".join(notes)


class Case:
    def __init__(self, name, level, flags, data, workdir):
        self.name, self.level, self.flags = name, level, flags
        self.data, self.workdir = data, workdir

class Toolchain:
    """Builds programs with `cnnc build`, as a user does (the runtime is a
    library `ninja` built once, so each case compiles only its own file).

    For drivers of their own (the bench tools), setup() runs one `cnnc
    build` and keeps the command it printed (SPEC.md: "prints the compiler
    command it ran"); link() reuses it with other sources.
    """

    def __init__(self, cnnc, env, tmp):
        self.cnnc, self.env, self.dir = cnnc, env, os.path.join(tmp, "toolchain")
        self.template = None  # the printed command, as words
        self.probe = None     # the probe's PROGRAM path in that command

    def setup(self, lua, weights, flags=()):
        """None, or why the probe could not be built. flags: cnnc's (a
        --target changes the C compiler's flags and the library)."""
        os.makedirs(self.dir, exist_ok=True)
        self.probe = os.path.join(self.dir, "probe")
        rc, log = run([self.cnnc, "build", lua, "--weights", weights, "-o", self.probe] + list(flags),
                      env=self.env, timeout=900)
        if rc != 0:
            return f"cnnc build exited {rc}\n{log}"
        lines = [l for l in log.splitlines() if f" -o {self.probe} " in l + " "]
        if not lines:
            return f"cnnc build printed no compiler command:\n{log}"
        self.template = lines[-1].split()
        return None

    def build(self, lua, weights, prog, flags, main=True, extra=()):
        """(returncode, log) of `cnnc build`; with main False, `cnnc
        compile` without --main, for a driver of the caller's among extra
        (words such as sources, -D, -I, put before the generated file),
        then link()."""
        if main and not extra:
            rc, log = run([self.cnnc, "build", lua, "--weights", weights, "-o", prog] + flags,
                          env=self.env, timeout=900)
            return rc, "" if rc == 0 else f"cnnc build exited {rc}\n{log}"
        rc, log = run([self.cnnc, "compile", lua] + (["--main"] if main else []) +
                      ["--weights", weights, "-o", prog] + flags, env=self.env, timeout=900)
        if rc != 0:
            return rc, f"cnnc compile exited {rc}\n{log}"
        return self.link(prog, list(extra) + [prog + ".c"])

    def link(self, prog, sources):
        """(returncode, log) of the printed command with sources in place of
        the probe's generated file and prog as the program (a weight blob
        is looked for next to prog)."""
        pdir, probe_dir = os.path.dirname(prog), os.path.dirname(self.probe)
        swap = {self.probe: [prog], self.probe + ".c": list(sources), probe_dir: [pdir]}
        rc, log = run([x for w in self.template for x in swap.get(w, [w])], env=self.env, timeout=900)
        return rc, "" if rc == 0 else f"the C compiler exited {rc}\n{log}"


def run_case(case, cnnc, env, wrapper, toolchain):
    """Build and run one (net, level); returns (ok, line, details)."""
    lua = make_golden.lua_path(case.name)
    os.makedirs(case.workdir, exist_ok=True)
    prog = os.path.join(case.workdir, case.name)
    out_npy = os.path.join(case.workdir, "output.npy")
    head = f"{case.name:<14} {case.level:<9}"
    rc, log = toolchain.build(lua, os.path.join(case.data, "weights.safetensors"), prog, case.flags)
    if rc != 0:
        return False, f"{head} FAIL  {log.splitlines()[0] if log else 'build failed'}", log
    rc, alog = run([cnnc, "audit", prog + ".c"], timeout=300)
    if rc != 0:
        return False, f"{head} FAIL  cnnc audit exited {rc}", alog
    cmd = wrapper + [prog, os.path.join(case.data, "input.npy"), out_npy]
    rc, log = run(cmd, env=env)
    if rc != 0:
        return False, f"{head} FAIL  program exited {rc}", log
    try:
        out = np.load(out_npy)
    except (OSError, ValueError) as e:
        return False, f"{head} FAIL  cannot read its output: {e}", log
    ref = np.load(os.path.join(case.data, "expected.npy"))
    scale = tolerance_scale(cnnc, lua, case.flags)
    ok, err, tol, note = compare(out, ref, scale)
    if THREADS in case.flags:  # the same output as with one thread, to the bit
        at = case.flags.index(THREADS)
        one = case.flags[:at] + case.flags[at + 2:]
        rc, log1 = toolchain.build(lua, os.path.join(case.data, "weights.safetensors"),
                                   prog + "_t1", one)
        out1 = os.path.join(case.workdir, "output_t1.npy")
        if rc == 0:
            rc, log1 = run([prog + "_t1", os.path.join(case.data, "input.npy"), out1], env=env)
        if rc != 0:
            return False, f"{head} FAIL  the one-thread build or run exited {rc}", log1
        if np.load(out1).tobytes() != out.tobytes():
            ok = False
            note = (note + "; " if note else "") + "output differs from the one-thread output"
    line = f"{head} max_err {err:.3e}  tol {tol:.2e}  {'ok' if ok else 'FAIL'}"
    return ok, line + (f"  ({note})" if note else ""), "" if ok else log


def same_c_case(case, cnnc, reference, env):
    """Compile one (net, level) with cnnc and with the reference compiler
    (the same arguments, the same output path, one after the other);
    returns (ok, line, details): ok when the generated C and weight blob
    are the same bytes. For the sanitized twin of cnnc: it runs every
    pass, algorithm and layout the goldens reach, and its output is
    the plain build's, which the goldens check against PyTorch, without
    compiling any C again."""
    lua = make_golden.lua_path(case.name)
    os.makedirs(case.workdir, exist_ok=True)
    prog = os.path.join(case.workdir, case.name)
    head = f"{case.name:<14} {case.level:<9}"
    outputs = {}
    for who in (reference, cnnc):
        rc, log = run([who, "compile", lua, "--main", "--weights",
                       os.path.join(case.data, "weights.safetensors"), "-o", prog] + case.flags,
                      env=env, timeout=900)
        if rc != 0:
            return False, f"{head} FAIL  {who} compile exited {rc}", log
        got = {}
        for f in sorted(os.listdir(case.workdir)):
            with open(os.path.join(case.workdir, f), "rb") as fh:
                got[f] = fh.read()
            os.unlink(os.path.join(case.workdir, f))
        outputs[who] = got
    want, got = outputs[reference], outputs[cnnc]
    if want != got:
        differ = sorted(f for f in set(want) | set(got) if want.get(f) != got.get(f))
        return False, f"{head} FAIL  output differs from {reference}'s: {', '.join(differ)}", ""
    return True, f"{head} same C as the reference ({', '.join(sorted(got))})", ""


def check_fresh(tmp):
    """Regenerate the committed goldens; list of failure messages."""
    import torch
    failures = []
    for name in make_golden.COMMITTED:
        have = committed_dir(name)
        if have is None:
            failures.append(f"{name}: no committed data in {os.path.relpath(make_golden.DATA, REPO)}")
            print(f"{name:<14} fresh    FAIL  not committed")
            continue
        fresh = make_golden.generate(name, os.path.join(tmp, "fresh", name))
        msgs = []
        for f in ("weights.safetensors", "input.npy"):
            with open(os.path.join(have, f), "rb") as a, open(os.path.join(fresh, f), "rb") as b:
                if a.read() != b.read():
                    msgs.append(f"regenerated {f} differs from the committed one")
        # PyTorch on the committed weights and input, against committed expected.
        module, _ = make_golden.build_module(name)
        make_golden.load_weights(module, os.path.join(have, "weights.safetensors"))
        module.eval()
        with torch.no_grad():
            y = module(torch.from_numpy(np.load(os.path.join(have, "input.npy")))).numpy()
        want = np.load(os.path.join(have, "expected.npy"))
        err = float(np.max(np.abs(y.astype(np.float64) - want))) if y.shape == want.shape else float("inf")
        if err > 1e-5:
            msgs.append(f"PyTorch now gives max difference {err:.3e} from the committed expected.npy")
        print(f"{name:<14} fresh    max_err {err:.3e}  tol 1.00e-05  {'FAIL' if msgs else 'ok'}"
              + (f"  ({'; '.join(msgs)})" if msgs else ""))
        failures += [f"{name} fresh: {m}" for m in msgs]
    return failures


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--big", action="store_true", help="also the torchvision models (slow)")
    ap.add_argument("--valgrind", action="store_true", help="run small nets under valgrind")
    ap.add_argument("--asan", action="store_true", help="build with ASan and UBSan")
    ap.add_argument("--check-fresh", action="store_true",
                    help="also check that regenerating the committed goldens gives the same data")
    ap.add_argument("--only", help="comma-separated net names")
    ap.add_argument("--levels", help="comma-separated level names (default: all)")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="cases built and run at once (2)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--same-c-as", metavar="CNNC",
                    help="build nothing: check that $CNNC_BUILD/cnnc writes the same files as CNNC")
    args = ap.parse_args(argv)

    import torch
    torch.set_num_threads(1)
    cnnc = os.path.abspath(os.path.join(os.environ.get("CNNC_BUILD") or os.path.join(REPO, "build"), "cnnc"))
    if not os.access(cnnc, os.X_OK):
        print(f"run_golden: no compiler at {cnnc} (run ninja, or set CNNC_BUILD)", file=sys.stderr)
        return 2
    small = make_golden.odd_nets().NETS + make_golden.SMALL_ZOO + [make_golden.FASHION]
    names = small + (make_golden.BIG_ZOO if args.big else [])
    if args.only:
        wanted = args.only.split(",")
        unknown = [n for n in wanted if n not in small + make_golden.BIG_ZOO]
        if unknown:
            ap.error(f"unknown nets: {', '.join(unknown)}")
        names = [n for n in small + make_golden.BIG_ZOO if n in wanted]

    env = dict(os.environ)
    target = []  # --target for every case: the library the sanitizer or valgrind needs
    if args.asan:
        # The generated file and the runtime both sanitized: the runtime's
        # ASan build is for --target generic (ninja asan).
        env["CFLAGS"] = ASAN_CFLAGS
        env.setdefault("CNNC_LIBDIR", os.path.join(REPO, "build", "asan", "sanlib"))
        if not os.path.exists(os.path.join(env["CNNC_LIBDIR"], "libcnnrt-generic.a")):
            print(f"run_golden: no sanitized runtime in {env['CNNC_LIBDIR']} (run ninja asan)", file=sys.stderr)
            return 2
        target = ["--target", "generic"]
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    elif args.valgrind and not env.get("CFLAGS"):
        env["CFLAGS"] = valgrind_cflags()
        target = ["--target", "avx2" if "-mavx2" in env["CFLAGS"] else "generic"]
    unknown = set(args.levels.split(",")) - {level for level, _ in LEVELS} if args.levels else set()
    if unknown:
        sys.exit(f"run_golden: no level {', '.join(sorted(unknown))}; the levels: "
                 + ", ".join(level for level, _ in LEVELS))
    tmp = tempfile.mkdtemp(prefix="cnnc-golden-")
    failures = []
    try:
        cases = []
        for name in names:
            why = make_golden.available(name)
            if why:
                print(f"{name:<14} skip     ({why})")
                continue
            data = committed_dir(name)
            if data is None:
                data = make_golden.generate(name, os.path.join(tmp, name, "data"))
            for level, flags in LEVELS:
                if args.levels and level not in args.levels.split(","):
                    continue
                if not args.levels and level not in make_golden.BIG_LEVELS.get(name, (level,)):
                    continue
                cases.append(Case(name, level, flags + target, data, os.path.join(tmp, name, level)))
        toolchain = Toolchain(cnnc, env, tmp)

        def one(case):
            wrapper = []
            if args.valgrind and case.name not in make_golden.BIG_ZOO:
                wrapper = ["valgrind", "--error-exitcode=1", "-q"]
            if args.same_c_as:
                result = same_c_case(case, cnnc, os.path.abspath(args.same_c_as), env)
            else:
                result = run_case(case, cnnc, env, wrapper, toolchain)
            if not args.keep:
                shutil.rmtree(case.workdir, ignore_errors=True)
            return result

        # Cases run in parallel; lines come out in order.
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
            for ok, line, log in pool.map(one, cases):
                print(line, flush=True)
                if not ok:
                    failures.append(line.split("  (")[0].strip())
                    if log.strip():
                        print("    " + log.strip()[-3000:].replace("\n", "\n    "), flush=True)
        if args.check_fresh:
            failures += check_fresh(tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print()
    if failures:
        print(f"{len(failures)} golden case(s) failed:")
        for f in failures:
            print(f"  {f}")
        return 1
    print("all golden cases passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
