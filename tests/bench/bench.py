#!/usr/bin/python3
"""Benchmark: generated programs against PyTorch, one core, batch 1.

    /usr/bin/python3 tests/bench/bench.py [--models resnet18,mobilenet_v2,...]
        [--rounds R] [--runs K] [--slow-runs N] [--skip-O0 all|NAME,...]
        [--no-generic] [--seed S] [--out DIR] [--keep]

`ninja bench` runs it with the defaults: every model of the zoo, the four
ImageNet ones (resnet18, resnet50, vgg16, mobilenet_v2) and the small ones
(lenet5, chapter_ex1, cifar10, rgb_conv, fashion_cnn).

For each model it writes random weights and one input with
tests/golden/make_golden.py (PyTorch's output on them is the reference),
then builds programs with `cnnc build` and the host-optimized default C
flags ($CC/$CFLAGS as set, else cnnc's defaults):

    default   cnnc build MODEL --weights W -o PROG
    -O0       the same with -O0 (the plain reference path)
    generic   the same with --target generic (skipped, saying why, when
              the compiler refuses it)

Every program's output is first checked against PyTorch: max |out - ref|
<= 1e-4 * (1 + max|ref|) (1e-3 when `cnnc report` shows a Winograd layer)
and the same argmax, so a fast but wrong build cannot look good; a failing
variant is reported and not timed.

PyTorch runs as issue 7 says: torch.set_num_threads(1), model.eval(),
torch.jit.optimize_for_inference(torch.jit.script(model)), batch 1, under
torch.no_grad(), after 3 warm-up calls. Timing is interleaved so both sides
see the same machine noise: R rounds, each `PROG --bench K` (the program's
own median of K runs; its first, untimed run over the input is its
warm-up), then K timed PyTorch calls (their median). Never two at once.
A model's figure is the median of its round medians; the ratio is the
median of the rounds' cnnc/PyTorch ratios. -O0 and generic are slow: for
models of 100M MACs or more they run once, `--bench N` (N = --slow-runs,
3), after the rounds; for smaller models they join the rounds.

Prints a markdown table (also written to DIR/results.md, DIR defaults to
build/bench) with the date, CPU and flags. Exit status 1 when a program's
output was wrong or a build failed.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "golden"))
import make_golden  # noqa: E402
import run_golden  # noqa: E402

DEFAULT_MODELS = ["resnet18", "resnet50", "vgg16", "mobilenet_v2",
                  "lenet5", "chapter_ex1", "cifar10", "rgb_conv", "fashion_cnn"]
BIG_MACS = 100_000_000  # at or above: -O0 timed with --o0-runs in one round


def cnnc_path():
    return os.path.abspath(os.path.join(os.environ.get("CNNC_BUILD") or os.path.join(REPO, "build"), "cnnc"))


def run(cmd, timeout=3600, env=None):
    """(returncode, stdout, stderr)."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           errors="replace", timeout=timeout, env=env)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return -1, "", f"timed out after {timeout} s: {' '.join(cmd)}"


def model_args(ap, argv, workdir):
    """Arguments of a tool run on one zoo model: the words after "--" are
    cnnc's (args.flags), the rest go to ap, which has "model" and "--out";
    an unavailable model is a usage error; args.out is made absolute and
    defaults to build/bench/WORKDIR/MODEL, which is created."""
    argv = sys.argv[1:] if argv is None else argv
    cut = argv.index("--") if "--" in argv else len(argv)
    args = ap.parse_args(argv[:cut])
    args.flags = argv[cut + 1:]
    why = make_golden.available(args.model)
    if why:
        ap.error(f"{args.model}: {why}")
    args.out = os.path.abspath(args.out or os.path.join(REPO, "build", "bench", workdir, args.model))
    os.makedirs(args.out, exist_ok=True)
    return args


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cc_flags(build_stdout):
    """The C compiler and its flags from the command `cnnc build` printed."""
    for line in build_stdout.splitlines():
        words = line.split()
        if words and any(w.endswith(".c") for w in words):
            keep = [words[0]] + [w for w in words[1:] if w.startswith("-") and not w.startswith(("-I", "-Wa,"))
                                 and w not in ("-o", "-lm", "-Xassembler")]
            return " ".join(keep)
    return "?"


def cnnc_version(cnnc):
    """Which compiler was measured: the commit when it is this checkout's build."""
    if os.path.dirname(cnnc) != os.path.join(REPO, "build"):
        return cnnc
    rc, rev, _ = run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], timeout=30)
    if rc != 0:
        return cnnc
    rc, dirty, _ = run(["git", "-C", REPO, "status", "--porcelain", "--", "compiler", "runtime"], timeout=30)
    return f"commit {rev.strip()}" + (" + uncommitted changes in compiler/ or runtime/" if dirty.strip() else "")


def report_json(cnnc, lua, flags):
    rc, out, err = run([cnnc, "report", lua, "--json"] + flags, timeout=300)
    if rc != 0:
        return None
    try:
        return json.loads(out[out.index("{"):])
    except ValueError:
        return None


def conv_algos(rep):
    """'im2col 20, direct 1' for the conv layers of a report."""
    if not rep:
        return "?"
    count = {}
    for l in rep.get("layers", []):
        if l.get("op") == "conv2d":
            a = str(l.get("algorithm", "?"))
            count[a] = count.get(a, 0) + 1
    return ", ".join(f"{a} {n}" for a, n in sorted(count.items(), key=lambda kv: -kv[1])) or "no conv"


def check(out, ref, scale):
    """(ok, max error, tolerance, note), as SPEC.md's "What counts as correct"."""
    return run_golden.compare(out, ref, scale)


MEDIAN_RE = re.compile(r"median\s+([0-9.]+)\s*ms")


def bench_program(prog, data, k):
    """The program's median of k runs, in ms (raises on failure)."""
    rc, out, err = run([prog, "--bench", str(k), os.path.join(data, "input.npy"),
                        os.path.join(os.path.dirname(prog), "bench_out.npy")])
    m = MEDIAN_RE.search(out)
    if rc != 0 or not m:
        raise RuntimeError(f"{prog} --bench {k} exited {rc}: {(out + err).strip()[-300:]}")
    return float(m.group(1))


def bench_torch(fn, x, k):
    """Median of k timed calls, in ms."""
    import torch
    ts = []
    with torch.no_grad():
        for _ in range(k):
            t0 = time.perf_counter()
            fn(x)
            ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


class Variant:
    def __init__(self, label, flags):
        self.label, self.flags = label, flags
        self.prog = None     # path when built and correct
        self.why = ""        # why not timed
        self.cc = ""
        self.err = None
        self.tol = None
        self.algos = ""
        self.rounds = []     # per-round medians (ms)
        self.runs = 0        # runs per round

    def median(self):
        return statistics.median(self.rounds) if self.rounds else None


def build_variant(cnnc, name, lua, data, workdir, v):
    """Builds and checks one variant; sets v.prog or v.why. False on a real failure."""
    prog = os.path.join(workdir, f"{name}-{v.label}")
    cmd = [cnnc, "build", lua, "--weights", os.path.join(data, "weights.safetensors"), "-o", prog] + v.flags
    t0 = time.time()
    rc, out, err = run(cmd)
    if rc == 2 and v.label == "generic":
        v.why = "cnnc refused --target generic: " + (err.strip().splitlines() or ["usage"])[0]
        print(f"  {v.label:<8} skipped ({v.why})")
        return True
    if rc != 0:
        v.why = f"cnnc build exited {rc}: " + (err.strip().splitlines() or [""])[0]
        print(f"  {v.label:<8} FAIL {v.why}")
        return False
    v.cc = cc_flags(out)
    rep = report_json(cnnc, lua, v.flags)
    v.algos = conv_algos(rep)
    scale = 1e-3 if "winograd" in v.algos else 1e-4
    out_npy = os.path.join(workdir, f"{v.label}-out.npy")
    rc, o, e = run([prog, os.path.join(data, "input.npy"), out_npy])
    if rc != 0:
        v.why = f"program exited {rc}: {(o + e).strip()[-200:]}"
        print(f"  {v.label:<8} FAIL {v.why}")
        return False
    ok, v.err, v.tol, note = check(np.load(out_npy), np.load(os.path.join(data, "expected.npy")), scale)
    print(f"  {v.label:<8} built in {time.time() - t0:.0f} s ({v.cc}; conv: {v.algos}); "
          f"max_err {v.err:.2e} tol {v.tol:.1e} {'ok' if ok else 'FAIL ' + note}")
    if not ok:
        v.why = f"wrong output ({note}: max_err {v.err:.2e}, tol {v.tol:.1e})"
        return False
    v.prog = prog
    return True


def torch_model(name, data):
    """(optimized callable, input tensor, its check line, ok)."""
    import torch
    module, _ = make_golden.build_module(name)
    make_golden.load_weights(module, os.path.join(data, "weights.safetensors"))
    module.eval()
    x = torch.from_numpy(np.load(os.path.join(data, "input.npy")))
    with torch.no_grad():
        fn = torch.jit.optimize_for_inference(torch.jit.script(module))
        for _ in range(3):
            y = fn(x)
    if isinstance(y, tuple):  # scripted googlenet and inception_v3: (logits, aux, ...) even in eval
        y = y[0]
    ok, err, tol, note = check(y.numpy(), np.load(os.path.join(data, "expected.npy")), 1e-4)
    return fn, x, f"max_err {err:.2e} vs eager PyTorch {'ok' if ok else 'MISMATCH ' + note}", ok


def bench_model(cnnc, name, args, root):
    import torch
    lua = make_golden.lua_path(name)
    workdir = os.path.join(root, name)
    data = os.path.join(workdir, "data")
    os.makedirs(workdir, exist_ok=True)
    print(f"== {name}")
    t0 = time.time()
    make_golden.generate(name, data, args.seed)
    rep = report_json(cnnc, lua, [])
    macs = rep["total"]["macs"] if rep else None
    print(f"  data     written in {time.time() - t0:.0f} s ({macs:,} MACs)" if macs else "  data     written")
    big = macs is None or macs >= BIG_MACS

    variants = [Variant("default", [])]
    if not args.no_generic:
        variants.append(Variant("generic", ["--target", "generic"]))
    o0 = Variant("-O0", ["-O0"])
    skip_o0 = args.skip_O0 == "all" or name in (args.skip_O0 or "").split(",")
    if skip_o0:
        o0.why = "skipped (--skip-O0)"
    else:
        variants.append(o0)
    ok = True
    for v in variants:
        ok &= build_variant(cnnc, name, lua, data, workdir, v)

    fn, x, line, tok = torch_model(name, data)
    print(f"  pytorch  jit.script + optimize_for_inference, 1 thread; {line}")
    pt = Variant("pytorch", [])
    slow = [v for v in variants if v.prog and v.label != "default" and big]
    timed = [v for v in variants if v.prog and v not in slow]
    for r in range(args.rounds):
        for v in timed:
            v.rounds.append(bench_program(v.prog, data, args.runs))
            v.runs = args.runs
            if v.label == "default":
                pt.rounds.append(bench_torch(fn, x, args.runs))
                pt.runs = args.runs
        print(f"  round {r + 1}/{args.rounds}: " + ", ".join(
            f"{v.label} {v.rounds[-1]:.2f}" for v in [pt] + timed if v.rounds) + " ms", flush=True)
    for v in slow:
        v.runs = args.slow_runs
        v.rounds.append(bench_program(v.prog, data, v.runs))
        print(f"  {v.label:<8} --bench {v.runs}: {v.median():.2f} ms", flush=True)
    del fn, x
    return {"name": name, "macs": macs, "pytorch": pt, "torch_check": line, "torch_ok": tok,
            "variants": {v.label: v for v in variants + ([o0] if skip_o0 else [])}}, ok and tok


def fmt(ms):
    return "-" if ms is None else f"{ms:.2f}"


def ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}"


def markdown(results, args, cc_default, cc_generic):
    import torch
    lines = [
        "# cnnc benchmark",
        "",
        f"- date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        f"- CPU: {cpu_model()} ({os.cpu_count()} logical cores visible; everything on one thread)",
        f"- cnnc: {cnnc_version(cnnc_path())}",
        f"- cnnc default build: `{cc_default}`" + (f"; generic: `{cc_generic}`" if cc_generic else ""),
        f"- PyTorch {torch.__version__}: set_num_threads(1), eval(), "
        "jit.optimize_for_inference(jit.script(model)), batch 1, no_grad()",
        f"- timing: {args.rounds} interleaved rounds of {args.runs} runs (program `--bench {args.runs}`, "
        f"then {args.runs} PyTorch calls); figures are medians of the round medians; "
        f"ratio = median over rounds of cnnc default / PyTorch in the same round (below 1: cnnc faster); "
        f"-O0 and generic of models of 100M MACs or more: one `--bench {args.slow_runs}` after the rounds, "
        f"marked \"({args.slow_runs} runs)\"",
        "",
        "| model | PyTorch ms | cnnc default ms | ratio | cnnc -O0 ms | -O0/default | cnnc generic ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for res in results:
        v = res["variants"]
        d = v["default"].median()
        p = res["pytorch"].median()
        o = v["-O0"].median() if "-O0" in v else None
        g = v["generic"].median() if "generic" in v else None
        o0_cell, g_cell = fmt(o), fmt(g)
        if o is not None and len(v["-O0"].rounds) == 1 and args.rounds > 1:
            o0_cell += f" ({v['-O0'].runs} runs)"
        if g is not None and len(v["generic"].rounds) == 1 and args.rounds > 1:
            g_cell += f" ({v['generic'].runs} runs)"
        pr = [a / b for a, b in zip(v["default"].rounds, res["pytorch"].rounds)]
        r_cell = f"{statistics.median(pr):.2f}" if pr else "-"
        lines.append(f"| {res['name']} | {fmt(p)} | {fmt(d)} | {r_cell} | {o0_cell} | {ratio(o, d)} | {g_cell} |")
        spread = [f"{lab} {min(var.rounds):.2f}-{max(var.rounds):.2f}"
                  for lab, var in [("PyTorch", res["pytorch"])] + list(v.items()) if len(var.rounds) > 1]
        if spread:
            notes.append(f"- {res['name']} round medians, min-max ms: {', '.join(spread)}")
        for label, var in v.items():
            if var.why:
                notes.append(f"- {res['name']} {label}: {var.why}")
            elif var.err is not None:
                notes.append(f"- {res['name']} {label}: output max_err {var.err:.2e} "
                             f"(tol {var.tol:.1e}); conv algorithms: {var.algos}")
        notes.append(f"- {res['name']} PyTorch optimized: {res['torch_check']}")
    return "\n".join(lines + ["", "Outputs checked against eager PyTorch on the same weights and input:", ""]
                     + notes) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS),
                    help=f"comma-separated; from {', '.join(DEFAULT_MODELS)}")
    ap.add_argument("--rounds", type=int, default=10, help="interleaved rounds (10)")
    ap.add_argument("--runs", type=int, default=10, help="runs per round, each side (10)")
    ap.add_argument("--slow-runs", type=int, default=3,
                    help="-O0 and generic runs of models >= 100M MACs, in one go (3)")
    ap.add_argument("--skip-O0", metavar="all|NAME,...", help="do not build or time -O0 for these")
    ap.add_argument("--no-generic", action="store_true", help="do not try --target generic")
    ap.add_argument("--keep", action="store_true", help="keep each model's programs and data in DIR/NAME")
    ap.add_argument("--seed", type=int, default=make_golden.DEFAULT_SEED)
    ap.add_argument("--out", default=os.path.join(REPO, "build", "bench"), help="work and results directory")
    args = ap.parse_args(argv)
    if min(args.rounds, args.runs, args.slow_runs) < 1:
        ap.error("--rounds, --runs and --slow-runs must be at least 1")
    names = [n for n in args.models.split(",") if n]
    bad = [n for n in names if make_golden.available(n)]
    if bad:
        ap.error("; ".join(f"{n}: {make_golden.available(n)}" for n in bad))
    cnnc = cnnc_path()
    if not os.access(cnnc, os.X_OK):
        print(f"bench: no compiler at {cnnc} (run ninja, or set CNNC_BUILD)", file=sys.stderr)
        return 2

    import torch
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    results, ok = [], True
    for name in names:
        res, good = bench_model(cnnc, name, args, args.out)
        results.append(res)
        ok &= good
        if not args.keep:
            # The programs and data of a big model take hundreds of MB.
            shutil.rmtree(os.path.join(args.out, name), ignore_errors=True)
    cc_default = next((r["variants"]["default"].cc for r in results if r["variants"]["default"].cc), "?")
    cc_generic = next((r["variants"]["generic"].cc for r in results
                       if "generic" in r["variants"] and r["variants"]["generic"].cc), "")
    md = markdown(results, args, cc_default, cc_generic)
    path = os.path.join(args.out, "results.md")
    with open(path, "w") as f:
        f.write(md)
    print()
    print(md, end="")
    print(f"(written to {os.path.relpath(path, os.getcwd())})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
