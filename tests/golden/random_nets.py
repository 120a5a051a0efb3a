#!/usr/bin/python3
"""Random nets against PyTorch: a differential test of the compiler's
passes on shapes and op orders nobody wrote by hand.

    /usr/bin/python3 tests/golden/random_nets.py [--seeds A:B] [--keep]

For each seed, a net of 4 to 11 ops is drawn from the DSL's 4-D ops
(conv2d with odd kernels, strides, paddings, dilations, groups and
depthwise, 1 to 64 channels; batch_norm; the activations; max and average pools with
ceil_mode and count_include_pad; residual add, sub and mul, a
squeeze-excite gate, concat, channel_shuffle, nearest and bilinear
interpolate, pad in three modes, adaptive_avg_pool2d), on an input of
1 or 2 x 1 to 64 channels x 1 to 23 (a quarter of them up to 60) each
side, sometimes ending in
flatten + linear. The same net is written as a model file and as
torch.nn.functional calls on the same weights (safetensors, batch norm
statistics away from the identity). The model is built with `cnnc
build` at -O0, at -O2, at -O2 with --threads 2, and once more with
one of EXTRA by seed (an algorithm forced, a layout, -O1, -Os, the
generic target), run, and each output compared with
PyTorch's with the golden tests' tolerance (1e-4 of the output's scale,
1e-3 with a Winograd layer).

The oracle is PyTorch; a failure prints the seed, the level and the
model file (kept with --keep or on a failure, else removed). `ninja
test` runs seeds 1-40 (RANDOM_SEEDS; about 25 s). Exits 1 on any
failure.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "scripts"))
import run_golden  # noqa: E402
import safetensors_io  # noqa: E402

CNNC = os.path.abspath(os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc"))
RANDOM_SEEDS = "1:41"
# one more build per seed, by seed: each algorithm forced where it applies,
# each layout, the other levels, the portable target
EXTRA = [["--algo", "winograd"], ["--algo", "im2col"], ["--algo", "direct"], ["--layout", "nhwc"],
         ["--layout", "blocked"], ["-O1"], ["-Os"], ["--target", "generic"]]
ACTS = [("relu", "", F.relu), ("relu6", "", F.relu6), ("sigmoid", "", torch.sigmoid), ("tanh", "", torch.tanh),
        ("hardswish", "", F.hardswish), ("hardsigmoid", "", F.hardsigmoid), ("silu", "", F.silu),
        ("mish", "", F.mish), ("gelu", "", F.gelu),
        ("leaky_relu", " { negative_slope = 0.2 }", lambda t: F.leaky_relu(t, 0.2)),
        ("elu", " { alpha = 0.7 }", lambda t: F.elu(t, 0.7)),
        ("hardtanh", " { min_val = -0.5, max_val = 2 }", lambda t: F.hardtanh(t, -0.5, 2.0))]


def pair(a, b):
    return str(a) if a == b else "{ %d, %d }" % (a, b)


class Net:
    """A net being drawn: the model file's lines, the PyTorch steps and
    the weights, over values v[k] of known shapes (C, H, W)."""

    def __init__(self, rng, n, c, h, w):
        self.rng, self.n = rng, n
        self.lines = ["local v = {}", "v[1] = input { name = \"x\", shape = { %d, %d, %d, %d } }" % (n, c, h, w)]
        self.steps = []          # (k, fn of the list of values)
        self.shapes = [None, (c, h, w)]
        self.weights = {}
        self.layers = 0

    def add(self, text, fn, shape):
        k = len(self.shapes)
        self.lines.append("v[%d] = %s" % (k, text))
        self.steps.append(fn)
        self.shapes.append(shape)
        return k

    def tensor(self, shape, scale=1.0, positive=False):
        t = torch.from_numpy(np.asarray(self.rng.standard_normal(shape), np.float32)) * scale
        return t.abs() + 0.5 if positive else t

    def name(self):
        self.layers += 1
        return "l%d" % self.layers


def out_size(h, k, s, p, d, ceil=False):
    span = d * (k - 1) + 1
    if h + 2 * p < span:
        return 0
    o = (h + 2 * p - span + ((s - 1) if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= h + p:
        o -= 1
    return o


def draw_op(net, r, k):
    """Appends one op reading v[k] (or v[k] and an earlier value)."""
    c, h, w = net.shapes[k]
    kind = r.choice(["conv", "conv", "conv", "dw", "bn", "act", "act", "pool", "res", "se", "concat", "shuffle",
                     "up", "pad", "adaptive"])
    if kind in ("conv", "dw"):
        ks = r.choice([1, 1, 2, 3, 3, 5])
        s = r.choice([1, 1, 2])
        d = r.choice([1, 1, 2]) if ks > 1 else 1
        p = r.randint(0, (ks // 2) * d)
        if kind == "dw":
            oc, g = c * r.choice([1, 1, 2]), c
        else:
            oc = r.choice([3, 8, 13, 16, 37, 64, c])
            gs = [x for x in range(1, min(c, oc) + 1) if c % x == 0 and oc % x == 0]
            g = r.choice(gs) if r.random() < 0.3 else 1
        oh, ow = out_size(h, ks, s, p, d), out_size(w, ks, s, p, d)
        if oh < 1 or ow < 1:
            return k
        name, bias = net.name(), r.random() < 0.7
        fan = c // g * ks * ks
        net.weights[name + ".weight"] = net.tensor((oc, c // g, ks, ks), (1.0 / fan) ** 0.5)
        if bias:
            net.weights[name + ".bias"] = net.tensor((oc,), 0.1)
        opts = "name = \"%s\", out_channels = %d, kernel_size = %d" % (name, oc, ks)
        opts += ", stride = %d" % s if s != 1 else ""
        opts += ", padding = %d" % p if p else ""
        opts += ", dilation = %d" % d if d != 1 else ""
        opts += ", groups = %d" % g if g != 1 else ""
        opts += ", bias = false" if not bias else ""
        W, B = net.weights[name + ".weight"], net.weights.get(name + ".bias")
        return net.add("v[%d]:conv2d { %s }" % (k, opts),
                       lambda v, k=k: F.conv2d(v[k], W, B, s, p, d, g), (oc, oh, ow))
    if kind == "bn":
        name = net.name()
        ws = {x: net.tensor((c,), 0.3) for x in ("bias", "running_mean")}
        ws["weight"] = net.tensor((c,), 0.5, positive=True)
        ws["running_var"] = net.tensor((c,), 0.5, positive=True)
        for x, t in ws.items():
            net.weights["%s.%s" % (name, x)] = t
        return net.add("v[%d]:batch_norm { name = \"%s\" }" % (k, name),
                       lambda v, k=k: F.batch_norm(v[k], ws["running_mean"], ws["running_var"], ws["weight"],
                                                   ws["bias"], False, 0.0, 1e-5), (c, h, w))
    if kind == "act":
        op, opts, fn = r.choice(ACTS)
        return net.add("v[%d]:%s%s" % (k, op, opts if opts else "()"), lambda v, k=k: fn(v[k]), (c, h, w))
    if kind == "pool":
        ks, s = r.choice([2, 3]), r.choice([1, 2])
        p, ceil = r.randint(0, ks // 2), r.random() < 0.4
        oh, ow = out_size(h, ks, s, p, 1, ceil), out_size(w, ks, s, p, 1, ceil)
        if oh < 1 or ow < 1:
            return k
        opts = "kernel_size = %d, stride = %d, padding = %d%s" % (ks, s, p, ", ceil_mode = true" if ceil else "")
        if r.random() < 0.5:
            return net.add("v[%d]:max_pool2d { %s }" % (k, opts),
                           lambda v, k=k: F.max_pool2d(v[k], ks, s, p, ceil_mode=ceil), (c, oh, ow))
        cip = r.random() < 0.5
        opts += ", count_include_pad = false" if not cip else ""
        return net.add("v[%d]:avg_pool2d { %s }" % (k, opts),
                       lambda v, k=k: F.avg_pool2d(v[k], ks, s, p, ceil, cip), (c, oh, ow))
    if kind == "res":
        same = [j for j in range(1, k) if net.shapes[j] == (c, h, w)]
        if not same:
            return k
        j = r.choice(same)
        op = r.choice(["add", "add", "sub", "mul"])
        fn = {"add": torch.add, "sub": torch.sub, "mul": torch.mul}[op]
        return net.add("%s(v[%d], v[%d])" % (op, k, j), lambda v, k=k, j=j: fn(v[k], v[j]), (c, h, w))
    if kind == "se":
        gp = net.add("v[%d]:global_avg_pool()" % k, lambda v, k=k: v[k].mean((2, 3), keepdim=True), (c, 1, 1))
        gate = net.add("v[%d]:sigmoid()" % gp, lambda v, gp=gp: torch.sigmoid(v[gp]), (c, 1, 1))
        return net.add("mul(v[%d], v[%d])" % (k, gate), lambda v, k=k, g=gate: v[k] * v[g], (c, h, w))
    if kind == "concat":
        same = [j for j in range(1, k + 1) if net.shapes[j][1:] == (h, w)]
        js = [k] + [r.choice(same) for _ in range(r.randint(1, 2))]
        r.shuffle(js)
        oc = sum(net.shapes[j][0] for j in js)
        return net.add("concat { %s }" % ", ".join("v[%d]" % j for j in js),
                       lambda v, js=js: torch.cat([v[j] for j in js], 1), (oc, h, w))
    if kind == "shuffle":
        gs = [x for x in range(2, c + 1) if c % x == 0]
        if not gs:
            return k
        g = r.choice(gs)
        return net.add("v[%d]:channel_shuffle { groups = %d }" % (k, g),
                       lambda v, k=k: F.channel_shuffle(v[k], g), (c, h, w))
    if kind == "up":
        if h * w > 800:
            return k
        if r.random() < 0.5:
            return net.add("v[%d]:interpolate { scale_factor = 2 }" % k,
                           lambda v, k=k: F.interpolate(v[k], scale_factor=2.0), (c, 2 * h, 2 * w))
        oh, ow = r.randint(1, 2 * h + 1), r.randint(1, 2 * w + 1)
        ac = r.random() < 0.5
        return net.add("v[%d]:interpolate { size = %s, mode = \"bilinear\"%s }" % (
            k, pair(oh, ow), ", align_corners = true" if ac else ""),
            lambda v, k=k: F.interpolate(v[k], size=(oh, ow), mode="bilinear", align_corners=ac), (c, oh, ow))
    if kind == "pad":
        mode = r.choice(["constant", "reflect", "replicate"])
        lim = (lambda d: d - 1) if mode == "reflect" else (lambda d: 2)
        pl, pr = r.randint(0, min(2, lim(w))), r.randint(0, min(2, lim(w)))
        pt, pb = r.randint(0, min(2, lim(h))), r.randint(0, min(2, lim(h)))
        opts = "pad = { %d, %d, %d, %d }" % (pl, pr, pt, pb)
        opts += ", mode = \"%s\"" % mode if mode != "constant" else ", value = 0.5"
        return net.add("v[%d]:pad { %s }" % (k, opts),
                       lambda v, k=k: F.pad(v[k], (pl, pr, pt, pb), mode=mode,
                                            **({"value": 0.5} if mode == "constant" else {})),
                       (c, h + pt + pb, w + pl + pr))
    if kind == "adaptive":
        oh, ow = r.randint(1, h), r.randint(1, w)
        return net.add("v[%d]:adaptive_avg_pool2d { output_size = %s }" % (k, pair(oh, ow)),
                       lambda v, k=k: F.adaptive_avg_pool2d(v[k], (oh, ow)), (c, oh, ow))
    return k


def draw(seed):
    r = random.Random(seed)
    big = r.random() < 0.25  # sizes where Winograd's blocks and the GEMM's tiles have several
    net = Net(np.random.default_rng(seed), r.choice([1, 1, 2]), r.choice([1, 3, 3, 4, 13, 16, 37, 40, 64]),
              r.randint(1, 60 if big else 23), r.randint(1, 60 if big else 23))
    k = 1
    for _ in range(r.randint(4, 11)):
        k = draw_op(net, r, k)
    if r.random() < 0.3:
        c, h, w = net.shapes[k]
        f = c * h * w
        k = net.add("v[%d]:flatten()" % k, lambda v, k=k: torch.flatten(v[k], 1), (f,))
        name = net.name()
        W, B = net.tensor((10, f), (1.0 / f) ** 0.5), net.tensor((10,), 0.1)
        net.weights[name + ".weight"], net.weights[name + ".bias"] = W, B
        k = net.add("v[%d]:linear { name = \"%s\", out_features = 10 }" % (k, name),
                    lambda v, k=k: F.linear(v[k], W, B), (10,))
    net.lines.append("return v[%d]" % k)
    return net


def forward(net, x):
    v = [None, x]
    with torch.no_grad():
        for fn in net.steps:
            v.append(fn(v))
    return v[-1].numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default=RANDOM_SEEDS, help="A:B, seeds A to B-1")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    lo, hi = (int(x) for x in args.seeds.split(":"))
    tmp = tempfile.mkdtemp(prefix="cnnc-random-")
    failures = 0
    for seed in range(lo, hi):
        net = draw(seed)
        base = os.path.join(tmp, "net%d" % seed)
        with open(base + ".lua", "w") as f:
            f.write("-- random_nets.py seed %d\n%s\n" % (seed, "\n".join(net.lines)))
        weights = base + ".safetensors"
        safetensors_io.write(weights, {k: t.numpy() for k, t in net.weights.items()} or
                             {"unused": np.zeros(1, np.float32)})
        c, h, w = net.shapes[1]
        x = np.asarray(np.random.default_rng(seed + 1000).standard_normal((net.n, c, h, w)), np.float32)
        np.save(base + "_in.npy", x)
        want = forward(net, torch.from_numpy(x))
        levels = [["-O0"], ["-O2"], ["-O2", "--threads", "2"], EXTRA[seed % len(EXTRA)]]
        scale = run_golden.tolerance_scale(CNNC, base + ".lua", ["--weights", weights])
        for flags in levels:
            prog = base + "_prog"
            r = subprocess.run([CNNC, "build", base + ".lua", "--weights", weights, "-o", prog] + flags,
                               capture_output=True, text=True)
            if r.returncode == 0:
                r = subprocess.run([prog, base + "_in.npy", base + "_out.npy"], capture_output=True, text=True)
            if r.returncode:
                ok, note = False, r.stderr.strip()[-600:]
            else:  # no argmax test: a random net's output is no classifier, a value concatenated twice ties
                ok, err, tol, note = run_golden.compare(np.load(base + "_out.npy"), want, scale, argmax=False)
                note = "%s (max error %.3g, tol %.3g)" % (note, err, tol)
            print(("ok   " if ok else "FAIL ") + "seed %d %s: %d ops, output %s%s" % (
                seed, " ".join(flags), len(net.steps), "x".join(map(str, want.shape)), "" if ok else ": " + note))
            failures += not ok
        if failures and not args.keep:
            args.keep = True  # keep what failed
    if not args.keep:
        subprocess.run(["rm", "-rf", tmp])
    else:
        print("models kept in", tmp)
    print("random nets: %d failed" % failures if failures else "random nets: all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
