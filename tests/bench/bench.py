#!/usr/bin/python3
"""Benchmark: generated programs against PyTorch and ONNX Runtime, batch 1.

    /usr/bin/python3 tests/bench/bench.py [--models resnet18,mobilenet_v2,...]
        [--rounds R] [--runs K] [--slow-runs N] [--skip-O0 all|NAME,...]
        [--threads 1,2] [--no-ort] [--no-generic] [--seed S] [--out DIR] [--keep]
        [--int8 | --no-int8] [--calib N]

`ninja bench` runs it with the defaults: the ImageNet models (resnet18,
resnet50, vgg16, mobilenet_v2, mobilenet_v3_large, efficientnet_b0,
shufflenet_v2_x1_0, convnext_tiny, densenet121), the segmentation model
lraspp_mobilenet_v3_large at 520x520, and the small ones (lenet5, chapter_ex1, cifar10, rgb_conv, fashion_cnn), on
one thread and on two (--threads; one thread only on a 1-core machine).

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

PyTorch runs as issue 7 says: torch.set_num_threads(T), model.eval(),
torch.jit.optimize_for_inference(torch.jit.script(model)), batch 1, under
torch.no_grad(), after 3 warm-up calls; where that optimized module's
output does not match eager PyTorch (mobilenet_v3: see torch_model) it
runs again with hardswish, hardsigmoid and relu6 written as clamp (their
in-place oneDNN versions are what is wrong), and where that does not
match either the frozen scripted module runs; the notes say which.

ONNX Runtime (issue 19's second yardstick): the bench installs
onnxruntime-node ORT_VERSION into build/ort with npm when it is missing
(bench only: no test uses it; without node/npm or the registry the ORT
columns say why they are empty), exports each model with
torch.onnx.export (opset 13) from the same weights and runs it from
tests/bench/ort_run.js: intraOpNumThreads T, graph optimization level
"all", 3 warm-up runs. Its output is checked against eager PyTorch as
cnnc's is before it is timed.

Timing is interleaved so every side sees the same machine noise: R
rounds; in each, for each thread count T, `PROG --bench K` (the
program's own median of K runs, `--threads T`; its first, untimed run
over the input is its warm-up), then K timed PyTorch calls, then K ORT
runs (each their median). Never two at once. A model's figure is the
median of its round medians; a ratio is the median of the rounds'
ratios; cnnc/best, the larger of cnnc/PyTorch and cnnc/ORT, is cnnc
against the faster of the two (issue 19's yardstick). -O0 and generic (one thread) are slow: for models of 100M MACs
or more they run once, `--bench N` (N = --slow-runs, 3), after the
rounds; for smaller models they join the rounds.

Issue 16's targets (TARGETS: cnnc's one-thread latency at most 0.8x
PyTorch's, 0.9x for convnext_tiny) are printed beside those models'
cnnc/PyTorch ratio, with whether the ratio meets them.

The int8 rows (issue 18; tests/bench/bench_int8.py says how they are
made, checked and timed): cnnc int8 against cnnc FP32 and PyTorch's FX
post-training quantized model (onednn, one thread, frozen) in the same
rounds, for the models of bench_int8.INT8_MODELS that --models names,
after the FP32 table; --int8 runs only them (for --models, default
resnet18, resnet50, mobilenet_v2), --no-int8 skips them; --calib N
calibration samples (4).

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
import bench_int8  # noqa: E402

DEFAULT_MODELS = ["resnet18", "resnet50", "vgg16", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0",
                  "shufflenet_v2_x1_0", "convnext_tiny", "densenet121", "lraspp_mobilenet_v3_large",
                  "lenet5", "chapter_ex1", "cifar10", "rgb_conv", "fashion_cnn"]
# Issue 16's speed targets: cnnc's one-thread latency at most this times
# PyTorch's (lraspp_mobilenet_v3_large at its zoo size, 520x520), printed
# beside the ratio with whether the round median meets it.
TARGETS = {"mobilenet_v3_large": 0.8, "efficientnet_b0": 0.8, "shufflenet_v2_x1_0": 0.8, "convnext_tiny": 0.9,
           "densenet121": 0.8, "lraspp_mobilenet_v3_large": 0.8}
BIG_MACS = 100_000_000  # at or above: -O0 timed with --o0-runs in one round
ORT_VERSION = "1.30.0"  # onnxruntime-node, installed by npm into ORT_DIR
ORT_DIR = os.path.join(REPO, "build", "ort")
ONNX_OPSET = 13


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


def first_batch(name, data):
    """(input, expected) of one batch: the golden input may hold several
    (lenet5 holds 3), and every side times one."""
    _, shape = make_golden.build_module(name)
    n = shape[0]
    return (np.load(os.path.join(data, "input.npy"))[:n],
            np.load(os.path.join(data, "expected.npy"))[:n])


def clamped_activations(module):
    """A copy of MODULE whose nn.Hardswish, nn.Hardsigmoid and nn.ReLU6
    compute the same with aten::clamp, which optimize_for_inference leaves
    as it is (see torch_model)."""
    import copy
    import torch

    class Hardswish(torch.nn.Module):
        def forward(self, x):
            return x * torch.clamp(x + 3.0, 0.0, 6.0) / 6.0

    class Hardsigmoid(torch.nn.Module):
        def forward(self, x):
            return torch.clamp(x + 3.0, 0.0, 6.0) / 6.0

    class ReLU6(torch.nn.Module):
        def forward(self, x):
            return torch.clamp(x, 0.0, 6.0)

    swap = {torch.nn.Hardswish: Hardswish, torch.nn.Hardsigmoid: Hardsigmoid, torch.nn.ReLU6: ReLU6}
    twin = copy.deepcopy(module)
    for parent in list(twin.modules()):
        for child_name, child in parent.named_children():
            if type(child) in swap:
                setattr(parent, child_name, swap[type(child)]())
    return twin


def torch_model(name, data):
    """(module, optimized callable, input tensor, what runs, its check line, ok)."""
    import torch
    module, _ = make_golden.build_module(name)
    make_golden.load_weights(module, os.path.join(data, "weights.safetensors"))
    module.eval()
    xa, ref = first_batch(name, data)
    x = torch.from_numpy(xa)

    def outputs(fn):
        for _ in range(3):
            y = fn(x)
        if isinstance(y, tuple):  # scripted googlenet and inception_v3: (logits, aux, ...) even in eval
            y = y[0]
        if isinstance(y, dict):  # scripted segmentation models: torchvision's {"out": ...}
            y = y["out"]
        return check(y.numpy(), ref, 1e-4)

    def script(m):
        # tests/zoo/nets.py gives the segmentation models an instance
        # forward (a lambda taking the dict's "out"), which TorchScript
        # cannot compile: script the class's own forward, timed the same.
        own = vars(m).pop("forward", None)
        try:
            return torch.jit.script(m)
        finally:
            if own is not None:
                m.forward = own

    with torch.no_grad():
        fn = torch.jit.optimize_for_inference(script(module))
        what = "jit.script + optimize_for_inference"
        ok, err, tol, note = outputs(fn)
        if not ok:
            # PyTorch 1.13's optimize_for_inference keeps activations in
            # oneDNN's blocked layout between convs and swaps hardswish,
            # hardsigmoid and relu6 for its in-place oneDNN versions
            # (prim::MKLDNNHardSwish_ and the like), which are wrong when
            # the channel count is not a multiple of 16 (the block padding:
            # a conv to 72 channels and hardsigmoid after it differ from
            # eager by ~2; relu is right). mobilenet_v3's 72-, 120-, 200-
            # and 184-channel layers hit that. So the same model runs with
            # those three written as aten::clamp (still oneDNN's convs,
            # right); what that costs PyTorch is in README, Benchmark.
            bad = f"optimize_for_inference max_err {err:.2e} (tol {tol:.1e}), MISMATCH"
            fn = torch.jit.optimize_for_inference(script(clamped_activations(module)))
            what = f"jit.script + optimize_for_inference, hardswish/hardsigmoid/relu6 as clamp (as they are: {bad})"
            ok, err, tol, note = outputs(fn)
        if not ok:
            # The frozen scripted module (batch norm folded, plain ATen
            # ops) is right, but slow here: on one thread PyTorch 1.13
            # sends 1x1 stride-1 convs of batch 1 to its im2col + BLAS
            # path (thnn), not to oneDNN, and Debian's python3-torch links
            # the reference BLAS (measured on mobilenet_v3_large: 80% of
            # the time in _slow_conv2d_forward). Read ORT's column then.
            fn = torch.jit.freeze(script(module))
            what = f"jit.freeze(jit.script) ({bad}; slow: 1x1 convs through reference BLAS)"
            ok, err, tol, note = outputs(fn)
    return module, fn, x, what, f"max_err {err:.2e} vs eager PyTorch {'ok' if ok else 'MISMATCH ' + note}", ok


def ort_install():
    """The directory holding node_modules/onnxruntime-node, installed with
    npm when missing; (None, why) when it cannot be had."""
    mod = os.path.join(ORT_DIR, "node_modules", "onnxruntime-node", "package.json")
    try:
        with open(mod) as f:
            if json.load(f).get("version") == ORT_VERSION:
                return ORT_DIR, ""
    except (OSError, ValueError):
        pass
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            return None, f"no {tool} (Debian: apt-get install nodejs npm)"
    os.makedirs(ORT_DIR, exist_ok=True)
    print(f"ort: npm install --ignore-scripts onnxruntime-node@{ORT_VERSION} into {os.path.relpath(ORT_DIR)}",
          flush=True)
    rc, out, err = run(["npm", "install", "--prefix", ORT_DIR, "--ignore-scripts", "--no-audit", "--no-fund",
                        f"onnxruntime-node@{ORT_VERSION}"], timeout=600)
    if rc != 0:
        return None, f"npm install onnxruntime-node@{ORT_VERSION} exited {rc}: " + \
            ((err or out).strip().splitlines() or [""])[-1]
    return ORT_DIR, ""


class OrtSession:
    """One tests/bench/ort_run.js process: the model loaded once, timed on
    request (bench), so its rounds interleave with the others'."""

    def __init__(self, ort_dir, onnx, inp, dims, threads, out):
        self.proc = subprocess.Popen(
            ["node", os.path.join(HERE, "ort_run.js"), ort_dir, onnx, inp, ",".join(map(str, dims)),
             str(threads), out], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.proc.stdin.close()
            err = self.proc.stderr.read()
            self.proc.wait()
            raise RuntimeError(f"ort_run.js exited {self.proc.returncode}: {(line + err).strip()[-300:]}")

    def bench(self, k):
        self.proc.stdin.write(f"{k}\n")
        self.proc.stdin.flush()
        m = MEDIAN_RE.search(self.proc.stdout.readline())
        if not m:
            raise RuntimeError("ort_run.js: " + self.proc.stderr.read().strip()[-300:])
        return float(m.group(1))

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def ort_sessions(ort_dir, module, x, ref, workdir, threads):
    """({threads: OrtSession}, check line, ok): the model exported with
    torch.onnx.export (opset 13) and one session per thread count, whose
    first output is checked against eager PyTorch."""
    import torch
    onnx = os.path.join(workdir, "model.onnx")
    inp = os.path.join(workdir, "ort-input.bin")
    x.numpy().astype("<f4").tofile(inp)
    with torch.no_grad():
        torch.onnx.export(module, x, onnx, opset_version=ONNX_OPSET, input_names=["input"],
                          do_constant_folding=True)
    sessions, lines, ok = {}, [], True
    for t in threads:
        out = os.path.join(workdir, f"ort-out-{t}.bin")
        s = OrtSession(ort_dir, onnx, inp, list(x.shape), t, out)
        y = np.fromfile(out, dtype="<f4")
        good, err, tol, note = (False, float("inf"), 0.0, f"{y.size} values, expected {ref.size}") \
            if y.size != ref.size else check(y.reshape(ref.shape), ref, 1e-4)
        lines.append(f"{t} thread{'s' if t > 1 else ''} max_err {err:.2e} {'ok' if good else 'MISMATCH ' + note}")
        if good:
            sessions[t] = s
        else:
            s.close()
            ok = False
    return sessions, "; ".join(lines), ok


def bench_model(cnnc, name, args, root, ort_dir, ort_why):
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
    variants += [Variant(f"threads{t}", ["--threads", str(t)]) for t in args.threads[1:]]
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

    module, fn, x, what, line, tok = torch_model(name, data)
    print(f"  pytorch  {what}; {line}")
    pt = {t: Variant(f"pytorch{t}", []) for t in args.threads}
    ort = {t: Variant(f"ort{t}", []) for t in args.threads}
    sessions, ort_line = {}, ort_why
    if ort_dir:
        try:
            sessions, ort_line, good = ort_sessions(ort_dir, module, x, first_batch(name, data)[1], workdir,
                                                    args.threads)
            ok &= good
        except Exception as e:  # the exporter raises many kinds; the bench goes on without ORT
            ort_line = f"not run: {e}"
        print(f"  ort      onnxruntime-node {ORT_VERSION}, opset {ONNX_OPSET}; {ort_line}")
    slow = [v for v in variants if v.prog and not v.label.startswith(("default", "threads")) and big]
    timed = [v for v in variants if v.prog and v not in slow]
    cnnc_at = {1: variants[0]}
    cnnc_at.update({t: v for t, v in zip(args.threads[1:], variants[1:])})
    for r in range(args.rounds):
        for t in args.threads:
            torch.set_num_threads(t)
            with torch.no_grad():
                fn(x)  # the pool at its new size
            for v in timed:
                if v is cnnc_at[t] or (t == 1 and v not in cnnc_at.values()):
                    v.rounds.append(bench_program(v.prog, data, args.runs))
                    v.runs = args.runs
            if cnnc_at[t].prog:
                pt[t].rounds.append(bench_torch(fn, x, args.runs))
                if t in sessions:
                    ort[t].rounds.append(sessions[t].bench(args.runs))
        print(f"  round {r + 1}/{args.rounds}: " + ", ".join(
            f"{v.label} {v.rounds[-1]:.2f}" for v in list(pt.values()) + list(ort.values()) + timed
            if v.rounds) + " ms", flush=True)
    torch.set_num_threads(1)
    for s in sessions.values():
        s.close()
    for v in slow:
        v.runs = args.slow_runs
        v.rounds.append(bench_program(v.prog, data, v.runs))
        print(f"  {v.label:<8} --bench {v.runs}: {v.median():.2f} ms", flush=True)
    del fn, x, module
    return {"name": name, "macs": macs, "pytorch": pt, "ort": ort, "cnnc_at": cnnc_at, "torch_what": what,
            "torch_check": line, "torch_ok": tok, "ort_check": ort_line,
            "variants": {v.label: v for v in variants + ([o0] if skip_o0 else [])}}, ok and tok


def fmt(ms):
    return "-" if ms is None else f"{ms:.2f}"


def ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}"


def round_ratio(a, b):
    """The median over rounds of a's round median / b's, or "-"."""
    r = [x / y for x, y in zip(a.rounds, b.rounds)]
    return f"{statistics.median(r):.2f}" if r else "-"


def best_ratio(a, b):
    """The larger of two round_ratio strings: cnnc against the faster of
    the two sides (issue 19's yardstick); "-" unless both were timed."""
    return "-" if "-" in (a, b) else max(a, b, key=float)


def target_cell(name, t, r):
    """Issue 16's target for NAME's one-thread cnnc/PyTorch ratio r (a
    string, "-" when not timed), and whether r meets it; "" otherwise."""
    if t != 1 or name not in TARGETS:
        return ""
    want = TARGETS[name]
    return f"<= {want}x " + ("(not timed)" if r == "-" else "met" if float(r) <= want else "NOT met")


def markdown(results, args, cc_default, cc_generic):
    import torch
    nt = ", ".join(map(str, args.threads))
    lines = [
        "# cnnc benchmark",
        "",
        f"- date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        f"- CPU: {cpu_model()} ({os.cpu_count()} logical cores visible; threads: {nt})",
        f"- cnnc: {cnnc_version(cnnc_path())}",
        f"- cnnc default build: `{cc_default}`" + (f"; generic: `{cc_generic}`" if cc_generic else "")
        + "; on T threads `--threads T`",
        f"- PyTorch {torch.__version__}: set_num_threads(T), eval(), "
        "jit.optimize_for_inference(jit.script(model)) (unless a model's notes say otherwise), "
        "batch 1, no_grad()",
        f"- ONNX Runtime: onnxruntime-node {ORT_VERSION} (CPU), torch.onnx.export opset {ONNX_OPSET}, "
        "intraOpNumThreads T, graph optimization level all",
        f"- timing: {args.rounds} interleaved rounds of {args.runs} runs (for each T: program "
        f"`--bench {args.runs}`, then {args.runs} PyTorch calls, then {args.runs} ORT runs); figures are medians "
        f"of the round medians; ratios are medians over rounds of cnnc / the other in the same round (below 1: "
        f"cnnc faster); cnnc/best: the larger of cnnc/PyTorch and cnnc/ORT (cnnc against the faster of the two, "
        f"issue 19's yardstick); x1T: cnnc on one thread / cnnc on T; "
        f"-O0 and generic (one thread) of models of 100M MACs or more: one `--bench {args.slow_runs}` after the "
        f"rounds, marked \"({args.slow_runs} runs)\"",
        "",
        "| model | T | PyTorch ms | ORT ms | cnnc ms | cnnc/PyTorch | target | cnnc/ORT | cnnc/best | x1T "
        "| cnnc -O0 ms | -O0/default | cnnc generic ms |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for res in results:
        v = res["variants"]
        one = res["cnnc_at"][1]
        for t, c in res["cnnc_at"].items():
            d, p, o_ = c.median(), res["pytorch"][t].median(), res["ort"][t].median()
            r, r_ort = round_ratio(c, res["pytorch"][t]), round_ratio(c, res["ort"][t])
            cells = [res["name"], str(t), fmt(p), fmt(o_), fmt(d), r, target_cell(res["name"], t, r),
                     r_ort, best_ratio(r, r_ort), "" if t == 1 else round_ratio(one, c)]
            if t == 1:
                o = v["-O0"].median() if "-O0" in v else None
                g = v["generic"].median() if "generic" in v else None
                o0_cell, g_cell = fmt(o), fmt(g)
                if o is not None and len(v["-O0"].rounds) == 1 and args.rounds > 1:
                    o0_cell += f" ({v['-O0'].runs} runs)"
                if g is not None and len(v["generic"].rounds) == 1 and args.rounds > 1:
                    g_cell += f" ({v['generic'].runs} runs)"
                cells += [o0_cell, ratio(o, d), g_cell]
            else:
                cells += ["", "", ""]
            lines.append("| " + " | ".join(cells) + " |")
        sides = [(f"PyTorch {t}T", res["pytorch"][t]) for t in args.threads] + \
            [(f"ORT {t}T", res["ort"][t]) for t in args.threads] + list(v.items())
        spread = [f"{lab} {min(var.rounds):.2f}-{max(var.rounds):.2f}" for lab, var in sides if len(var.rounds) > 1]
        if spread:
            notes.append(f"- {res['name']} round medians, min-max ms: {', '.join(spread)}")
        for label, var in v.items():
            if var.why:
                notes.append(f"- {res['name']} {label}: {var.why}")
            elif var.err is not None:
                notes.append(f"- {res['name']} {label}: output max_err {var.err:.2e} "
                             f"(tol {var.tol:.1e}); conv algorithms: {var.algos}")
        notes.append(f"- {res['name']} PyTorch: {res['torch_what']}; {res['torch_check']}")
        notes.append(f"- {res['name']} ORT: {res['ort_check']}")
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
    ap.add_argument("--threads", metavar="T,...", default="1,2" if (os.cpu_count() or 1) > 1 else "1",
                    help="thread counts to time cnnc, PyTorch and ORT at (1,2; 1 on one core); 1 is always in")
    ap.add_argument("--no-ort", action="store_true", help="do not time ONNX Runtime (nor install it)")
    ap.add_argument("--keep", action="store_true", help="keep each model's programs and data in DIR/NAME")
    ap.add_argument("--seed", type=int, default=make_golden.DEFAULT_SEED)
    ap.add_argument("--out", default=os.path.join(REPO, "build", "bench"), help="work and results directory")
    ap.add_argument("--int8", action="store_true", help="only the int8 rows (default models: "
                    "resnet18, resnet50, mobilenet_v2)")
    ap.add_argument("--no-int8", action="store_true", help="skip the int8 rows")
    ap.add_argument("--calib", type=int, default=4, help="int8 rows: calibration samples (4)")
    args = ap.parse_args(argv)
    if args.int8 and args.no_int8:
        ap.error("--int8 and --no-int8 exclude each other")
    if args.int8 and not any(a == "--models" or a.startswith("--models=") for a in (argv or sys.argv[1:])):
        args.models = ",".join(bench_int8.INT8_MODELS)
    if min(args.calib, args.rounds, args.runs, args.slow_runs) < 1:
        ap.error("--rounds, --runs, --slow-runs and --calib must be at least 1")
    try:
        args.threads = sorted({1} | {int(t) for t in args.threads.split(",") if t})
    except ValueError:
        ap.error(f"--threads: not a list of counts: {args.threads}")
    if args.threads[0] < 1 or args.threads[-1] > 64:
        ap.error("--threads: counts from 1 to 64 (cnnc's limit)")
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
    ort_dir, ort_why = (None, "not run (--no-ort)") if args.no_ort else (None, "") if args.int8 else ort_install()
    if ort_why:
        print(f"ort: {ort_why}")
    int8_names = [] if args.no_int8 else [n for n in names if n in bench_int8.INT8_MODELS]
    if args.int8:
        md, ok = bench_int8.run_int8(cnnc, int8_names, args, sys.modules[__name__])
        return write_results(md, os.path.join(args.out, "results-int8.md"), ok)
    results, ok = [], True
    for name in names:
        res, good = bench_model(cnnc, name, args, args.out, ort_dir, ort_why)
        results.append(res)
        ok &= good
        if not args.keep:
            # The programs and data of a big model take hundreds of MB.
            shutil.rmtree(os.path.join(args.out, name), ignore_errors=True)
    cc_default = next((r["variants"]["default"].cc for r in results if r["variants"]["default"].cc), "?")
    cc_generic = next((r["variants"]["generic"].cc for r in results
                       if "generic" in r["variants"] and r["variants"]["generic"].cc), "")
    md = markdown(results, args, cc_default, cc_generic)
    if int8_names:
        md8, ok8 = bench_int8.run_int8(cnnc, int8_names, args, sys.modules[__name__])
        md, ok = md + "\n" + md8, ok and ok8
    return write_results(md, os.path.join(args.out, "results.md"), ok)


def write_results(md, path, ok):
    """Writes and prints the markdown; the exit status."""
    with open(path, "w") as f:
        f.write(md)
    print()
    print(md, end="")
    print(f"(written to {os.path.relpath(path, os.getcwd())})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
