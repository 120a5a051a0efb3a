"""bench.py's int8 rows (issue 18): cnnc int8 against cnnc FP32 and
PyTorch's own quantized model, one thread, batch 1, the same rounds.

For each model (INT8_MODELS: resnet18, resnet50, mobilenet_v2): random
weights and input from tests/golden/make_golden.py (as bench.py's FP32
rows), CALIB random normal calibration samples (fixed seed), then

    cnnc quantize MODEL --weights W --calibrate C.npy -o Q.safetensors
    cnnc build MODEL --weights Q.safetensors      (int8)
    cnnc build MODEL --weights W                  (FP32)

and PyTorch 1.13's post-training quantization of the same module: FX
prepare_fx with tests/quant/test_oracle.py's qconfig mapping (MinMax
activations, per-channel symmetric weights, as cnnc's), the same
calibration samples, convert_fx, on the onednn engine (Debian's torch has
no fbgemm), torch.jit.trace'd and torch.jit.freeze'd, one thread.

Checked before timing: cnnc FP32 against eager PyTorch FP32 (bench.py's
tolerance; a wrong FP32 program is not timed); cnnc int8 against
PyTorch's quantized model on the same input: the argmax and the max abs
difference in quantization steps of the output (test_int8.one_step) are
printed, never failed on (the two calibrate ranges that differ in their
last bits, and the kernels PyTorch's onednn picks differ by CPU).

Timing: R rounds of, in turn, `INT8 --bench K`, `FP32 --bench K` and K
timed calls of the quantized module; each side's figure is the median of
its round medians, each ratio the median of the rounds' ratios.

Size: the bytes of weights each program holds, `cnnc report --json`'s
total program_weight_bytes with each weights file (FP32: folded,
packed, Winograd-transformed; int8: the packed int8 weights and each
channel's int32 bias and float multipliers), and their ratio; also
against the model's plain FP32 parameters (4 bytes each).
"""
import os
import statistics
import subprocess
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "quant"))
sys.path.insert(0, os.path.join(REPO, "tests", "golden"))
import make_golden  # noqa: E402

INT8_MODELS = ["resnet18", "resnet50", "mobilenet_v2"]
# Issue 18's targets: int8 latency / cnnc FP32, int8 / PyTorch quantized, weight bytes int8 / FP32
TARGETS = {"fp32": 0.5, "torch": 0.8, "bytes": 0.27}
CALIB_SEED = 18


def _run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    return p.returncode, p.stdout, p.stderr


def torch_quantized(name, weights, calib):
    """PyTorch's FX post-training quantized twin of NAME, frozen; and the float module."""
    import torch
    import test_oracle as oracle
    from torch.ao.quantization.quantize_fx import prepare_fx, convert_fx
    warnings.filterwarnings("ignore")
    torch.backends.quantized.engine = "onednn"
    module, _ = make_golden.build_module(name)
    make_golden.load_weights(module, weights)
    module.eval()
    prepared = prepare_fx(oracle.traced(module), oracle.qconfig_mapping(False),
                          (torch.from_numpy(calib[:1]),))
    with torch.no_grad():
        for i in range(len(calib)):
            prepared(torch.from_numpy(calib[i:i + 1]))
        converted = convert_fx(prepared)
        frozen = torch.jit.freeze(torch.jit.trace(converted, torch.from_numpy(calib[:1])).eval())
    return frozen, module


class Row:
    """One model's int8 row."""

    def __init__(self, name):
        self.name = name
        self.why = ""          # why not timed, when it is not
        self.q8, self.f32, self.torch = [], [], []  # round medians, ms
        self.r_fp32, self.r_torch = [], []          # round ratios
        self.bytes_q8 = self.bytes_f32 = self.params = 0
        self.check = ""        # int8 vs PyTorch quantized, in words


def _median(v):
    return statistics.median(v) if v else None


def bench_int8_model(cnnc, name, args, root, bench):
    """Builds, checks and times NAME's int8 row (bench: the bench module,
    for its helpers)."""
    import torch
    import test_int8
    import test_oracle as oracle
    row = Row(name)
    d = os.path.join(root, name + "-int8")
    os.makedirs(d, exist_ok=True)
    make_golden.generate(name, d, seed=args.seed)
    shape = make_golden.lua_input_shape(make_golden.lua_path(name))
    calib = np.random.default_rng(CALIB_SEED).standard_normal((args.calib,) + tuple(shape[1:])).astype(np.float32)
    cpath, qpath, wpath = (os.path.join(d, f) for f in ("calib.npy", "q.safetensors", "weights.safetensors"))
    np.save(cpath, calib)
    lua = make_golden.lua_path(name)
    rc, out, err = _run([cnnc, "quantize", lua, "--weights", wpath, "--calibrate", cpath, "-o", qpath])
    if rc:
        row.why = "cnnc quantize failed: " + err.strip()[-300:]
        return row, False
    progs = {}
    for label, w in (("q8", qpath), ("f32", wpath)):
        progs[label] = os.path.join(d, label)
        rc, out, err = _run([cnnc, "build", lua, "--weights", w, "-o", progs[label]])
        if rc:
            row.why = f"cnnc build ({label}) failed: " + err.strip()[-300:]
            return row, False
    reps = {label: bench.report_json(cnnc, lua, ["--weights", w]) for label, w in (("q8", qpath), ("f32", wpath))}
    if not all(reps.values()):
        row.why = "cnnc report --json failed"
        return row, False
    row.bytes_q8 = int(reps["q8"]["total"]["program_weight_bytes"])
    row.bytes_f32 = int(reps["f32"]["total"]["program_weight_bytes"])
    row.params = int(reps["f32"]["total"]["params"])
    x = np.load(os.path.join(d, "input.npy"))
    ref = np.load(os.path.join(d, "expected.npy"))
    outs = {}
    for label, prog in progs.items():
        opath = os.path.join(d, label + "_out.npy")
        rc, out, err = _run([prog, os.path.join(d, "input.npy"), opath])
        if rc:
            row.why = f"{label} program failed: " + err.strip()[-300:]
            return row, False
        outs[label] = np.load(opath)
    ok32, err32, tol, _ = bench.check(outs["f32"], ref, 1e-3)
    if not ok32:
        row.why = f"cnnc FP32 output wrong: max err {err32:.3g} > {tol:.3g}"
        return row, False
    tq, _ = torch_quantized(name, wpath, calib)
    xt = torch.from_numpy(x)
    with torch.no_grad():
        want = tq(xt).numpy()
    q, _ = oracle.read_q(qpath)
    step, how = test_int8.one_step(q, oracle.cnnc_graph(lua))
    diff = np.abs(outs["q8"].astype(np.float64) - want.astype(np.float64))
    same = int(outs["q8"].reshape(-1).argmax()) == int(want.reshape(-1).argmax())
    argmax_fp = int(outs["q8"].reshape(-1).argmax()) == int(ref.reshape(-1).argmax())
    row.check = (f"int8 vs PyTorch quantized: argmax {'same' if same else 'differs'}, max |d| {diff.max():.3g} = "
                 f"{diff.max() / step:.2f} steps ({how}), {(diff <= step * 1.001).mean():.1%} within one step; "
                 f"int8 argmax {'=' if argmax_fp else '!='} FP32's; cnnc FP32 max err {err32:.2e}")
    print(f"{name} int8: {row.check}", flush=True)
    with torch.no_grad():
        for _ in range(3):
            tq(xt)
    for r in range(args.rounds):
        a = bench.bench_program(progs["q8"], d, args.runs)
        b = bench.bench_program(progs["f32"], d, args.runs)
        t = bench.bench_torch(tq, xt, args.runs)
        row.q8.append(a)
        row.f32.append(b)
        row.torch.append(t)
        row.r_fp32.append(a / b)
        row.r_torch.append(a / t)
        print(f"  {name} round {r + 1}: int8 {a:.2f} ms, FP32 {b:.2f} ms, PyTorch int8 {t:.2f} ms", flush=True)
    return row, True


def _cell(r, target):
    return "-" if r is None else f"{r:.2f} ({'meets' if r <= target else 'misses'} {target})"


def markdown(rows, args, where):
    lines = [f"int8 rows (issue 18), one thread, batch 1: {args.rounds} interleaved rounds of {args.runs} runs each "
             f"side, medians; calibration {args.calib} random samples; {where}", "",
             "| model | cnnc int8 ms | cnnc FP32 ms | PyTorch int8 ms | int8/FP32 | int8/PyTorch int8 | "
             "weight bytes int8 | FP32 | int8/FP32 | int8/(4 x params) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.why:
            lines.append(f"| {r.name} | {r.why} | | | | | | | | |")
            continue
        fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
        br = r.bytes_q8 / r.bytes_f32
        lines.append(f"| {r.name} | {fmt(_median(r.q8))} | {fmt(_median(r.f32))} | {fmt(_median(r.torch))} | "
                     f"{_cell(_median(r.r_fp32), TARGETS['fp32'])} | {_cell(_median(r.r_torch), TARGETS['torch'])} | "
                     f"{r.bytes_q8:,} | {r.bytes_f32:,} | {_cell(br, TARGETS['bytes'])} | "
                     f"{r.bytes_q8 / (4 * r.params):.3f} |")
    lines += [""] + [f"- {r.name}: {r.check}; round medians int8 {min(r.q8):.2f}-{max(r.q8):.2f}, FP32 "
                     f"{min(r.f32):.2f}-{max(r.f32):.2f}, PyTorch int8 {min(r.torch):.2f}-{max(r.torch):.2f} ms"
                     for r in rows if r.check and r.q8]
    return "\n".join(lines) + "\n"


def run_int8(cnnc, names, args, bench):
    """All int8 rows; (markdown, ok)."""
    import torch
    torch.set_num_threads(1)
    rows, ok = [], True
    for name in names:
        row, good = bench_int8_model(cnnc, name, args, args.out, bench)
        rows.append(row)
        ok &= good
        if not args.keep:
            import shutil
            shutil.rmtree(os.path.join(args.out, name + "-int8"), ignore_errors=True)
    import datetime
    where = (f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {bench.cpu_model()}, "
             f"{bench.cnnc_version(cnnc)}")
    return markdown(rows, args, where), ok
