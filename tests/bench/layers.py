#!/usr/bin/python3
"""Per-layer GFLOP/s: each distinct conv layer of a model, timed alone.

    /usr/bin/python3 tests/bench/layers.py [MODEL] [--samples N] [--rounds R] [--out DIR] [--md FILE]
        [--torch] [-- CNNC_FLAGS...]

MODEL is a zoo model of tests/zoo/nets.py (default resnet18). Its PyTorch
twin is run once with forward hooks to find every Conv2d's input shape and
options; each distinct (input shape, options) becomes a one-layer model

    local x = input { name = "x", shape = {...} }
    return x:conv2d { name = "conv", <the layer's options> }

written to DIR (default build/bench/layers/MODEL), with PyTorch-initialized
weights. It is built as `cnnc build` builds it (default host-optimized
flags, plus CNNC_FLAGS, e.g. -- --algo direct), against the runtime library
`ninja` built (tests/golden/run_golden.py's Toolchain), and its
output checked against torch.nn.functional.conv2d (1e-4 * (1 + max|ref|),
1e-3 for Winograd). For timing, the same model is compiled without a
driver and linked to tests/bench/layer_timer.c, which times batches of
runs of about a millisecond each to the microsecond (a program's --bench
prints 0.01 ms, 7% of a small layer).
Every layer is timed in each of --rounds rounds, one after another, and
a layer's time is the least of its rounds' medians, so that a burst of
load from another tenant of the machine spoils one round, not the table.
Printed per shape: how many layers share it, the algorithm cnnc chose,
MACs, ms, GFLOP/s (2 x MACs per second) and the % of one core's FP32
peak, which tests/bench/peak.c measures, compiled with the same -march as
the programs and -ffp-contract=fast.

With --torch, a yardstick timed in the same rounds right after each
layer: the same convolution in PyTorch, oneDNN (torch.utils.mkldnn's
Conv2d, weights reordered once) on a tensor already in oneDNN's layout,
one thread, in samples of about a millisecond like ours. Its time
includes what a call costs from Python (and oneDNN's per-call setup),
which the header gives as the time of the same module on a 1x8x1x1
input: tens of microseconds, so the column means something only for
layers many times that long, and its sum not at all. (The whole-model
benchmark, bench.py, has no such overhead per layer.)

Caveats, so the figures are read right: a lone layer has no batch norm
folded into it and no fused activation or residual, its input and weights
stay in cache from the previous run when they fit (in a whole model the
previous layer's output does too, but not its weights), and the per-layer
sum need not equal the whole model's time. GFLOP/s counts the direct
convolution's FLOPs, so a Winograd layer's effective figure can pass 100%
of peak.
"""
import argparse
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
from bench import make_golden, run_golden  # noqa: E402
import safetensors_io  # noqa: E402  (on the path through make_golden)


def conv_layers(name):
    """[(input shape, options dict, [layer names])], one per distinct conv, in order."""
    import torch
    module, shape = make_golden.build_module(name)
    module.eval()
    seen = {}
    hooks = []
    for lname, m in module.named_modules():
        if isinstance(m, torch.nn.Conv2d):
            def hook(mod, inp, _out, lname=lname):
                opts = dict(out_channels=mod.out_channels, kernel_size=tuple(mod.kernel_size),
                            stride=tuple(mod.stride), padding=tuple(mod.padding),
                            dilation=tuple(mod.dilation), groups=mod.groups, bias=mod.bias is not None)
                key = (tuple(inp[0].shape), tuple(sorted(opts.items())))
                seen.setdefault(key, (tuple(inp[0].shape), opts, []))[2].append(lname)
            hooks.append(m.register_forward_hook(hook))
    with torch.no_grad():
        module(torch.zeros(shape))
    for h in hooks:
        h.remove()
    return list(seen.values())


def lua_pair(v):
    return str(v[0]) if v[0] == v[1] else f"{{ {v[0]}, {v[1]} }}"


def lua_model(shape, o):
    return (f"local x = input {{ name = \"x\", shape = {{ {', '.join(map(str, shape))} }} }}\n"
            f"return x:conv2d {{ name = \"conv\", out_channels = {o['out_channels']}, "
            f"kernel_size = {lua_pair(o['kernel_size'])}, stride = {lua_pair(o['stride'])}, "
            f"padding = {lua_pair(o['padding'])}, dilation = {lua_pair(o['dilation'])}, "
            f"groups = {o['groups']}, bias = {'true' if o['bias'] else 'false'} }}\n")


def macs(shape, o, out_shape):
    kh, kw = o["kernel_size"]
    return int(np.prod(out_shape)) * (shape[1] // o["groups"]) * kh * kw


def measure_peak(outdir, cflags):
    """(GFLOP/s, description) from tests/bench/peak.c built with cflags."""
    exe = os.path.join(outdir, "peak")
    cmd = ["cc"] + cflags + ["-ffp-contract=fast", os.path.join(HERE, "peak.c"), "-o", exe]
    rc, out, err = bench.run(cmd, timeout=120)
    if rc != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {err.strip()}")
    rc, out, err = bench.run([exe], timeout=300)
    m = re.match(r"peak ([0-9.]+) GFLOP/s (.*)", out.strip())
    if rc != 0 or not m:
        raise RuntimeError(f"{exe} exited {rc}: {out}{err}")
    return float(m.group(1)), f"{' '.join(cmd[:-3])}: {out.strip()}"


TIMER_RE = re.compile(r"median ([0-9.]+) ms")


def torch_layer(conv, x):
    """A no-argument callable that runs conv as PyTorch's optimized model would: oneDNN, its layout."""
    import torch
    import torch.utils.mkldnn as mk
    m = mk.to_mkldnn(conv.eval())
    xm = x.to_mkldnn()

    def run():
        with torch.no_grad():
            return m(xm)
    return run


def time_torch(run, samples):
    """Median ms per call of run over samples of about 1 ms each."""
    import statistics
    import time
    for _ in range(3):
        run()
    t = time.perf_counter()
    run()
    reps = max(1, int(1e-3 / max(time.perf_counter() - t, 1e-7)))
    times = []
    for _ in range(samples):
        t = time.perf_counter()
        for _ in range(reps):
            run()
        times.append((time.perf_counter() - t) / reps)
    return statistics.median(times) * 1e3


def timer_extra(tdir, tag):
    """The words that turn `tag` compiled without --main into a timer."""
    up = tag.upper()
    return [os.path.join(HERE, "layer_timer.c"), f"-I{tdir}", f'-DLAYER_H="{tag}.h"', f"-DLAYER_RUN={tag}_run",
            f"-DLAYER_IN={up}_INPUT_COUNT", f"-DLAYER_OUT={up}_OUTPUT_COUNT"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", nargs="?", default="resnet18")
    ap.add_argument("--samples", type=int, default=51, help="timed samples per layer and round (51)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds over all layers; the least median counts (5)")
    ap.add_argument("--out", help="work directory (build/bench/layers/MODEL)")
    ap.add_argument("--md", help="also write the table to this file")
    ap.add_argument("--torch", action="store_true", help="time each layer in PyTorch (oneDNN) too")
    args = bench.model_args(ap, argv, "layers")
    if args.rounds < 1 or not 1 <= args.samples <= 1001:
        ap.error("--rounds must be at least 1 and --samples from 1 to 1001")
    cnnc, outdir = bench.cnnc_path(), args.out

    import torch
    import torch.nn.functional as F
    torch.set_num_threads(1)
    torch.manual_seed(0)
    layers = conv_layers(args.model)
    tools = None
    tdir = os.path.join(outdir, "timer")
    os.makedirs(tdir, exist_ok=True)
    rows = []
    for i, (shape, o, names) in enumerate(layers):
        tag = f"conv{i:02d}"
        lua = os.path.join(outdir, tag + ".lua")
        with open(lua, "w") as f:
            f.write(lua_model(shape, o))
        conv = torch.nn.Conv2d(shape[1], o["out_channels"], o["kernel_size"], o["stride"], o["padding"],
                               o["dilation"], o["groups"], o["bias"])
        wpath = os.path.join(outdir, tag + ".safetensors")
        safetensors_io.write(wpath, {"conv." + k: v for k, v in conv.state_dict().items()})
        x = torch.randn(shape)
        with torch.no_grad():
            ref = F.conv2d(x, conv.weight, conv.bias, o["stride"], o["padding"], o["dilation"], o["groups"])
        inp, outp = os.path.join(outdir, tag + "-in.npy"), os.path.join(outdir, tag + "-out.npy")
        np.save(inp, x.numpy())
        prog = os.path.join(outdir, tag)
        if tools is None:  # the runtime, compiled once as `cnnc build` does
            tools = run_golden.Toolchain(cnnc, None, outdir)
            why = tools.setup(lua, wpath, args.flags)
            if why:
                print(f"{tag}: {why}", file=sys.stderr)
                return 1
        rc, log = tools.build(lua, wpath, prog, args.flags)
        if rc == 0:
            rc, log = tools.build(lua, wpath, os.path.join(tdir, tag), args.flags, False, timer_extra(tdir, tag))
        if rc != 0:
            print(f"{tag}: {log.strip()}", file=sys.stderr)
            return 1
        rep = bench.report_json(cnnc, lua, args.flags)
        algo = next((str(l.get("algorithm")) for l in (rep or {}).get("layers", []) if l.get("op") == "conv2d"), "?")
        rc, o_, e_ = bench.run([prog, inp, outp])
        if rc != 0:
            print(f"{tag}: program exited {rc}: {o_}{e_}", file=sys.stderr)
            return 1
        ok, err_, tol, note = bench.check(np.load(outp), ref.numpy(), 1e-3 if "winograd" in algo else 1e-4)
        timer = os.path.join(tdir, tag)
        rows.append(dict(tag=tag, shape=shape, o=o, names=names, algo=algo, timer=timer, ms=float("inf"),
                         torch=torch_layer(conv, x) if args.torch else None, torch_ms=float("inf"),
                         macs=macs(shape, o, ref.shape), ok=ok, err=err_, note=note))
        print(f"{tag} built and checked ({names[0]}{' ...' if len(names) > 1 else ''})", file=sys.stderr, flush=True)

    for rnd in range(args.rounds):
        for r in rows:
            rc, o_, e_ = bench.run([r["timer"], str(args.samples)])
            m = TIMER_RE.search(o_)
            if rc != 0 or not m:
                print(f"{r['timer']} exited {rc}: {o_}{e_}", file=sys.stderr)
                return 1
            r["ms"] = min(r["ms"], float(m.group(1)))
            if args.torch:
                r["torch_ms"] = min(r["torch_ms"], time_torch(r["torch"], args.samples))
        print(f"round {rnd + 1} of {args.rounds} timed", file=sys.stderr, flush=True)
    if args.torch:
        call = min(time_torch(torch_layer(torch.nn.Conv2d(8, 8, 1), torch.randn(1, 8, 1, 1)), args.samples)
                   for _ in range(args.rounds))

    if not rows:
        print(f"{args.model} has no conv layer", file=sys.stderr)
        return 1
    table = []

    def say(line=""):
        print(line)
        table.append(line)

    cc = bench.cc_flags(" ".join(tools.template))
    march = [w for w in cc.split()[1:] if w.startswith(("-m", "-O"))]
    peak, peak_desc = measure_peak(outdir, march or ["-O2"])
    say(f"# {args.model}: conv layers timed alone, `cnnc build{' ' + ' '.join(args.flags) if args.flags else ''}` "
        f"(`{cc}`), least of {args.rounds} rounds' medians of {args.samples} samples")
    say(f"# peak: {peak_desc}")
    if args.torch:
        say(f"# PyTorch {torch.__version__}: oneDNN on its own layout, 1 thread; a call (1x8x1x1) costs "
            f"{call:.3f} ms, included in its times")
    say()
    extra = (" PyTorch ms | x PyTorch |", "---:|---:|") if args.torch else ("", "")
    say(f"| layer (first of n) | n | input | out, k, s, p, g | algo | MMACs | ms | GFLOP/s | % peak |{extra[0]} check |")
    say(f"|---|---:|---|---|---|---:|---:|---:|---:|{extra[1]}---|")
    tot_ms = tot_macs = 0
    bad = 0
    for r in rows:
        o = r["o"]
        gf = 2 * r["macs"] / (r["ms"] * 1e6) if r["ms"] > 0 else float("inf")
        n = len(r["names"])
        tot_ms += n * r["ms"]
        tot_macs += n * r["macs"]
        bad += not r["ok"]
        kss = (f"{o['out_channels']}, {lua_pair(o['kernel_size'])}, {lua_pair(o['stride'])}, "
               f"{lua_pair(o['padding'])}, {o['groups']}")
        say(f"| {r['names'][0]} | {n} | {'x'.join(map(str, r['shape'][1:]))} | {kss} | {r['algo']} | "
            f"{r['macs'] / 1e6:.1f} | {r['ms']:.3f} | {gf:.1f} | {100 * gf / peak:.0f}% | "
            f"{(format(r['torch_ms'], '.3f') + ' | ' + format(r['ms'] / r['torch_ms'], '.2f') + ' | ') if args.torch else ''}"
            f"{'ok' if r['ok'] else 'WRONG ' + r['note']} {r['err']:.1e} |")
    gf = 2 * tot_macs / (tot_ms * 1e6) if tot_ms else 0
    say(f"| all {sum(len(r['names']) for r in rows)} convs | | | | | {tot_macs / 1e6:.1f} | {tot_ms:.3f} | "
        f"{gf:.1f} | {100 * gf / peak:.0f}% |{' | |' if args.torch else ''} |")
    say()
    say("GFLOP/s = 2 x MACs of the direct convolution / time; a sample times back-to-back runs of about "
        "1 ms in all (one run for a layer of 1 ms or more), so a small layer runs with its weights and "
        "input in cache.")
    if any("winograd" in r["algo"] for r in rows):
        say("Winograd layers do fewer multiplications than the direct convolution they replace, "
            "so their effective GFLOP/s can exceed the peak.")
    if args.md:
        with open(args.md, "w") as f:
            f.write("\n".join(table) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
