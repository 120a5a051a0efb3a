#!/usr/bin/python3
"""torch.onnx.export -> cnnc import / build MODEL.onnx -> the program's
output against PyTorch's.

Nets: two small odd-shaped ones that touch every mapped op (conv with
stride, groups, dilation and no padding on odd H/W; batch norm; Clip as
relu6 and hardtanh; leaky_relu, elu, hardswish, hardsigmoid, prelu,
sigmoid, tanh, Erf GELU; max and average pools with ceil_mode and
count_include_pad off; SE's global pool and broadcast mul; a constant
added; Split and Slice on channels; the shufflenet channel shuffle;
nearest and bilinear resize; concat; mean over H, W; flatten by Reshape
and by Flatten; Gemm and MatMul + Add; softmax) and torchvision's
resnet18, each at opsets 11, 13 and 17; a third (ConvTranspose, reflect
Pad, a ConvNeXt block of Transpose, LayerNormalization and MatMul on
N x H x W x C, a Conv with asymmetric pads) at opset 17. For each: `cnnc build X.onnx`
runs and matches PyTorch (max abs error within 1e-4 of the output's
scale); `cnnc import` writes X.lua and X.safetensors, and `cnnc compile`
of those gives the same C as `cnnc compile X.onnx` (resnet18 at opset
13 only, to keep the suite cheap); resnet18's imported
report totals (params, MACs) equal models/resnet18.lua's.

Only the comparison with PyTorch is an oracle (and tests/onnx/
conformance.py, against ONNX's own outputs). The same-C and equal-totals
checks compare cnnc with itself: they show that importing to files and
compiling the .onnx directly agree, and that the importer writes the
net the hand-written resnet18.lua describes, not that either is right.
"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CNNC = os.path.abspath(os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc"))
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(what)


def run(args):
    return subprocess.run(args, capture_output=True, text=True)


class OddA(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 13, 3, stride=2)
        self.bn1 = nn.BatchNorm2d(13)
        self.conv2 = nn.Conv2d(13, 26, 3, padding=2, dilation=2, groups=13)
        self.se1 = nn.Conv2d(26, 7, 1)
        self.se2 = nn.Conv2d(7, 26, 1)
        self.prelu = nn.PReLU(13)
        self.scale = nn.Parameter(torch.randn(26, 1, 1))
        self.fc = nn.Linear(26 * 4 * 5, 37)
        self.fc2 = nn.Linear(37, 11)

    def forward(self, x):
        x = F.relu6(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 3, 2, ceil_mode=True)
        y = self.conv2(x)
        s = torch.sigmoid(self.se2(F.relu(self.se1(F.adaptive_avg_pool2d(y, 1)))))
        y = y * s + self.scale
        a, b = torch.split(y, [13, 13], dim=1)
        a = F.leaky_relu(a, 0.2) + F.hardswish(b)
        a = self.prelu(a)
        c = y[:, 5:18]
        z = torch.cat([F.hardtanh(a, -0.5, 2.0), F.elu(c, 0.7)], 1)
        z = F.avg_pool2d(z, 3, 2, padding=1, count_include_pad=False)
        z = F.interpolate(z, scale_factor=2, mode="nearest")
        z = F.avg_pool2d(F.hardsigmoid(z), 2)
        z = z.reshape(z.shape[0], -1)
        return torch.softmax(self.fc2(F.gelu(self.fc(z))), 1)


class OddB(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(5, 12, 3, stride=1, padding=1, bias=False)
        self.w = nn.Parameter(torch.randn(12, 9))

    def forward(self, x):
        x = torch.tanh(self.conv(x))
        n, c, h, w = x.shape
        x = x.view(n, 3, c // 3, h, w).transpose(1, 2).contiguous().view(n, c, h, w)
        x = F.interpolate(x, size=(h + 4, w * 2), mode="bilinear", align_corners=False)
        x = F.max_pool2d(x, 2)
        return torch.flatten(x.mean([2, 3], keepdim=True), 1) @ self.w


class OddC(nn.Module):
    """ConvTranspose2d (stride 2, padding, output_padding, groups), F.pad
    reflect with four different pads, a ConvNeXt block (depthwise conv,
    permute, LayerNorm, Linear on N x H x W x C, GELU, permute back,
    residual, scaled by a learned layer_scale as ConvNeXt's), a second
    scale equal to the first (torch.onnx writes equal parameters once and
    the second as an Identity of the first: the import must still name it
    by its own key), a conv, a max pool and an average pool (count_include_pad
    1) whose ONNX pads are asymmetric: exported with padding 0, their pads
    attributes then set to PADS, MPADS and APADS (torch.onnx cannot
    export padding="same" with an even kernel), PyTorch's reference
    padding explicitly (asym True), with -inf before the max pool."""
    PADS = [1, 0, 2, 1]  # ONNX order: top, left, bottom, right
    MPADS = [1, 0, 2, 1]
    APADS = [0, 1, 1, 0]

    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(3, 12, 3, stride=2, padding=1, output_padding=1, groups=3)
        self.dw = nn.Conv2d(12, 12, 7, padding=3, groups=12)
        self.norm = nn.LayerNorm(12, eps=1e-6)
        self.fc1 = nn.Linear(12, 37)
        self.fc2 = nn.Linear(37, 12)
        self.layer_scale = nn.Parameter(torch.full((12, 1, 1), 0.5))
        self.scale2 = nn.Parameter(torch.full((12, 1, 1), 0.5))
        self.asym_conv = nn.Conv2d(12, 13, 4, stride=2)
        self.asym = False

    def forward(self, x):
        x = F.pad(self.up(x), (1, 2, 2, 1), mode="reflect")
        y = self.dw(x).permute(0, 2, 3, 1)
        y = self.fc2(F.gelu(self.fc1(self.norm(y))))
        x = self.scale2 * (x + self.layer_scale * y.permute(0, 3, 1, 2))
        if self.asym:
            t, l, b, r = self.PADS
            x = F.pad(x, (l, r, t, b))
        x = self.asym_conv(x)
        if self.asym:
            t, l, b, r = self.MPADS
            m = F.max_pool2d(F.pad(x, (l, r, t, b), value=float("-inf")), 3, 2)
            t, l, b, r = self.APADS
            a = F.avg_pool2d(F.pad(x, (l, r, t, b)), 2, 1)
        else:
            m, a = F.max_pool2d(x, 3, 2), F.avg_pool2d(x, 2, 1)
        return torch.cat([m.flatten(1), a.flatten(1)], 1)

    def patch(self, model):
        """Sets the last Conv's pads to PADS, the MaxPool's to MPADS, the
        AveragePool's to APADS (and its count_include_pad to 1)."""
        import onnx
        for op, pads in (("Conv", self.PADS), ("MaxPool", self.MPADS), ("AveragePool", self.APADS)):
            node = [n for n in model.graph.node if n.op_type == op][-1]
            keep = [a for a in node.attribute if a.name not in ("pads", "count_include_pad")]
            del node.attribute[:]
            node.attribute.extend(keep + [onnx.helper.make_attribute("pads", pads)])
            if op == "AveragePool":
                node.attribute.append(onnx.helper.make_attribute("count_include_pad", 1))
        self.asym = True


class Names(nn.Module):
    """Conv -> relu -> strided 1x1 conv -> * a parameter, exported with
    names as other exporters write them (patch): a graph input "in put:0",
    initializers "my conv[0]/w:0.weight" and "scale here", node names
    with spaces, brackets and slashes, one of 300 characters and one
    that is only "/". The model file cnnc writes must still compile."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 13, 3, padding=1)
        self.proj = nn.Conv2d(13, 37, 1, stride=2, bias=False)
        self.scale = nn.Parameter(torch.rand(37, 1, 1) + 0.5)

    def forward(self, x):
        return self.proj(F.relu(self.conv(x))) * self.scale

    def patch(self, model):
        g = model.graph
        rename = {"input": "in put:0", "conv.weight": "my conv[0]/w:0.weight", "scale": "scale here"}
        for v in list(g.input) + list(g.initializer):
            v.name = rename.get(v.name, v.name)
        for n in g.node:
            n.input[:] = [rename.get(i, i) for i in n.input]
        names = {"Conv": ["a b/c[1]", "L" * 300], "Mul": ["/"]}
        for n in g.node:
            if names.get(n.op_type):
                n.name = names[n.op_type].pop(0)


class Mish(nn.Module):
    """Mish, which torch.onnx writes as x * tanh(softplus(x)) (ONNX has a
    Mish op only from opset 18), after a conv, on a scaled value, and as
    the module."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 13, 3, stride=2)

    def forward(self, x):
        y = F.mish(self.conv(x))
        return F.mish(y * 3.0) + nn.Mish()(y)


class Pick(nn.Module):
    """Channels picked one at a time: torchvision's transform_input
    (x[:, i].unsqueeze(1) for each of the three, scaled and shifted,
    concatenated: Gather + Unsqueeze, one chunk), then from 13 channels
    one by a negative scalar index, one by a 1-D index (index_select) and
    one both by a slice and by an index."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 13, 3, padding=1)

    def forward(self, x):
        x = torch.cat([x[:, i].unsqueeze(1) * s + t for i, s, t in ((0, 0.458, -0.03), (1, 0.448, -0.088),
                                                                      (2, 0.45, -0.188))], 1)
        y = self.conv(x)
        a = y[:, -2].unsqueeze(1) * 2.0
        b = torch.index_select(y, 1, torch.tensor([3]))
        c = y[:, 5:6] + y[:, 5].unsqueeze(1)
        return y + torch.cat([a, b, c] * 4 + [a], 1)


def compare(name, model, shape, tmp, opset, tol=1e-4, same_c=True, keys=()):
    torch.manual_seed(1)
    x = torch.randn(*shape)
    path = os.path.join(tmp, f"{name}_{opset}.onnx")
    torch.onnx.export(model, x, path, opset_version=opset, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False, input_names=["input"], output_names=["out"])
    if hasattr(model, "patch"):
        import onnx
        m = onnx.load(path)
        model.patch(m)
        onnx.save(m, path)
    with torch.no_grad():
        want = model(x).numpy()
    prog = path[:-5]
    r = run([CNNC, "build", path, "-o", prog])
    if r.returncode:
        check(f"{name} opset {opset}: build", False, r.stderr.strip()[-800:])
        return path
    np.save(prog + "_in.npy", x.numpy())
    r = run([prog, prog + "_in.npy", prog + "_out.npy"])
    got = np.load(prog + "_out.npy") if r.returncode == 0 else None
    err = float(np.abs(got - want).max()) if got is not None and got.shape == want.shape else float("inf")
    scale = max(1.0, float(np.abs(want).max()))
    check(f"{name} opset {opset}: output matches PyTorch (max abs error {err:.2g})", err <= tol * scale,
          r.stderr)
    if not same_c:
        return path
    # import writes Lua + safetensors that compile to the same C
    imp = os.path.join(tmp, f"imp_{name}_{opset}")
    r1 = run([CNNC, "import", path, "-o", imp])
    r2 = run([CNNC, "compile", imp + ".lua", "--weights", imp + ".safetensors", "-o", imp + "_lua"])
    r3 = run([CNNC, "compile", path, "-o", imp + "_onnx"])
    same = False
    if not (r1.returncode or r2.returncode or r3.returncode):
        # up to names: the model file's and the output prefix's
        def norm(text, model, sym):
            text = text.replace(model, "M")
            return re.sub(re.escape(sym), "S", text, flags=re.I)
        a = norm(open(imp + "_lua.c").read(), os.path.basename(imp) + ".lua", f"imp_{name}_{opset}_lua")
        b = norm(open(imp + "_onnx.c").read(), os.path.basename(path) + ".lua", f"imp_{name}_{opset}_onnx")
        same = a == b
    check(f"{name} opset {opset}: import's .lua + .safetensors compile to compile X.onnx's C", same,
          (r1.stderr + r2.stderr + r3.stderr)[-600:])
    if keys and not r1.returncode:
        lua = open(imp + ".lua").read()
        missing = [k for k in keys if f'param {{ name = "{k}"' not in lua]
        check(f"{name} opset {opset}: the imported params are named by their state_dict keys {keys}",
              not missing, "missing: %s" % missing)
    return path


def name_clashes(tmp):
    """Hand-made graphs whose names clash with what the import gives: a
    constant named by a key a layer's weights have ("conv.bias" beside
    the conv "conv" whose bias is "b0", before and after it; "fc.bias"
    beside a Gemm's; "fc.weight", a MatMul's weight, also read by a Mul;
    "ln.bias" beside a LayerNormalization without B, whose zero bias the
    import writes), a node named "__metadata__" (safetensors' own key),
    and a node and an input named "relu_1", the name the model language
    gives an unnamed relu. Each must import to a model cnnc builds (each
    failed: a key written twice, a bad __metadata__, a name used twice)
    and run as PyTorch does."""
    import onnx
    from onnx import helper, numpy_helper, TensorProto
    rng = np.random.RandomState(5)

    def t(a):
        return torch.from_numpy(a)
    w = rng.randn(13, 3, 3, 3).astype(np.float32)
    b = rng.randn(13).astype(np.float32)
    s1 = rng.rand(1, 13, 1, 1).astype(np.float32) + 0.5
    s0 = rng.rand(1, 3, 1, 1).astype(np.float32) + 0.5
    fw = rng.randn(5, 7).astype(np.float32)
    fb = rng.randn(5).astype(np.float32)
    sq = rng.randn(7, 7).astype(np.float32)
    lw = rng.rand(7).astype(np.float32) + 0.5
    x4 = rng.randn(1, 3, 9, 7).astype(np.float32)
    x2 = rng.randn(2, 7).astype(np.float32)
    x7 = rng.randn(7, 7).astype(np.float32)  # a Mul by a [7, 7] constant keeps its shape
    conv = lambda v: F.conv2d(v, t(w), t(b), padding=1)
    node = helper.make_node
    cases = [
        ("conv.bias after the conv 'conv'", x4,
         [node("Conv", ["x", "conv.weight", "b0"], ["c"], name="c", pads=[1, 1, 1, 1]),
          node("Mul", ["c", "conv.bias"], ["y"], name="m")],
         [(w, "conv.weight"), (b, "b0"), (s1, "conv.bias")], lambda v: conv(v) * t(s1)),
        ("conv.bias before the conv 'conv'", x4,
         [node("Mul", ["x", "conv.bias"], ["m"], name="m"),
          node("Conv", ["m", "conv.weight", "b0"], ["y"], name="c", pads=[1, 1, 1, 1])],
         [(w, "conv.weight"), (b, "b0"), (s0, "conv.bias")], lambda v: conv(v * t(s0))),
        ("fc.bias beside the Gemm 'fc'", x2,
         [node("Gemm", ["x", "fc.weight", "b0"], ["g"], name="g", transB=1),
          node("Mul", ["g", "fc.bias"], ["y"], name="m")],
         [(fw, "fc.weight"), (fb, "b0"), (fb * 2, "fc.bias")], lambda v: F.linear(v, t(fw), t(fb)) * t(fb * 2)),
        ("fc.weight, a MatMul's, read by a Mul too", x7,
         [node("MatMul", ["x", "fc.weight"], ["g"], name="g"), node("Mul", ["g", "fc.weight"], ["y"], name="m")],
         [(sq, "fc.weight")], lambda v: (v @ t(sq)) * t(sq)),
        ("ln.bias beside a LayerNormalization 'ln' without B", x2,
         [node("LayerNormalization", ["x", "ln.weight"], ["l"], name="l", axis=-1),
          node("Mul", ["l", "ln.bias"], ["y"], name="m")],
         [(lw, "ln.weight"), (lw * 3, "ln.bias")], lambda v: F.layer_norm(v, (7,), t(lw)) * t(lw * 3)),
        ("a node named __metadata__", x4,
         [node("Mul", ["x", "onnx::Mul_1"], ["y"], name="__metadata__")],
         [(s0, "onnx::Mul_1")], lambda v: v * t(s0)),
        ("a conv named relu_1 after a relu", x4,
         [node("Relu", ["x"], ["r"], name="r"), node("Conv", ["r", "w", "b"], ["y"], name="relu_1", pads=[1, 1, 1, 1])],
         [(w, "w"), (b, "b")], lambda v: conv(F.relu(v))),
        ("an input named relu_1 before a relu", x4,
         [node("Relu", ["relu_1"], ["y"], name="r")], [], lambda v: F.relu(v)),
    ]
    for k, (what, x, nodes, inits, ref) in enumerate(cases):
        name = nodes[0].input[0]
        g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(name, TensorProto.FLOAT, list(x.shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(a, n) for a, n in inits])
        opset = 17 if nodes[0].op_type == "LayerNormalization" else 13
        path = os.path.join(tmp, f"clash_{k}.onnx")
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)]), path)
        prefix = path[:-5]
        r = run([CNNC, "import", path, "-o", prefix])
        if not r.returncode:
            r = run([CNNC, "build", prefix + ".lua", "--weights", prefix + ".safetensors", "-o", prefix])
        if not r.returncode:
            np.save(prefix + "_in.npy", x)
            r = run([prefix, prefix + "_in.npy", prefix + "_out.npy"])
        err = float("inf")
        if not r.returncode:
            with torch.no_grad():
                want = ref(t(x)).numpy()
            err = float(np.abs(np.load(prefix + "_out.npy") - want).max()) / max(1.0, float(np.abs(want).max()))
        check(f"names: {what}: import + build, output matches PyTorch", err <= 1e-4, r.stderr.strip()[-400:])


def totals(args):
    r = run([CNNC, "report"] + args)
    m = re.search(r"^total: .*", r.stdout, re.M)
    return m.group(0) if m else r.stderr


def main():
    tmp = tempfile.mkdtemp(prefix="cnnc-onnx-")
    torch.manual_seed(0)
    nets = [("odd_a", OddA().eval(), (2, 3, 33, 37)), ("odd_b", OddB().eval(), (1, 5, 11, 7))]
    for name, model, shape in nets:
        with torch.no_grad():  # batch norm statistics away from the identity
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 1.5)
        for opset in (11, 13, 17):
            compare(name, model, shape, tmp, opset)
    compare("names", Names().eval(), (1, 3, 11, 9), tmp, 13)
    name_clashes(tmp)
    for opset in (11, 13, 17):
        compare("mish", Mish().eval(), (2, 3, 11, 9), tmp, opset)
    for opset in (11, 13, 17):  # Unsqueeze's axes: an attribute before 13, an input from 13
        compare("pick", Pick().eval(), (2, 3, 9, 7), tmp, opset)
    compare("odd_c", OddC().eval(), (2, 3, 9, 7), tmp, 17, keys=("layer_scale", "scale2"))  # LayerNormalization is opset 17
    r18 = torchvision.models.resnet18().eval()
    want = totals([os.path.join(REPO, "models", "resnet18.lua")])
    for opset in (11, 13, 17):
        path = compare("resnet18", r18, (1, 3, 224, 224), tmp, opset, same_c=opset == 13)
        got = totals([path])
        check(f"resnet18 opset {opset}: imported report's totals equal models/resnet18.lua's", got == want,
              f"{got} vs {want}")
    subprocess.run(["rm", "-rf", tmp])
    print(f"onnx export: {len(failures)} failed" if failures else "onnx export: all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
