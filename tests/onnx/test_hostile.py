#!/usr/bin/python3
"""Hostile .onnx files: each gets exit 1, a clear message and no output.

Built with onnx.helper (python3-onnx) or by cutting bytes: a truncated
file, a wrong wire type, subgraphs nested 3,000 deep, negative and overflowing dims, raw_data of the
wrong size, data in two places, a cycle, a value defined twice, a value
nobody defines, external data through '..', at an absolute path and
through a symlink out of the model's directory, and a graph with two
unsupported nodes (both listed, at once). `cnnc import` must exit 1,
print the expected words and leave no PREFIX.lua or .safetensors (nor
a temporary) behind.

Then the cases a review found crashing, hanging or injecting (each ran
into a SIGSEGV, SIGFPE, heap overflow, minutes of CPU or Lua code run
by `cnnc check` before the fix): nodes with no inputs or no outputs, a
Constant whose attribute holds the other type, Squeeze of a dim that is
not 1 and Unsqueeze with a repeated axis on a big constant, INT64_MIN /
-1, a chain of Add(d, d) a pattern looks ahead through, thousands of
Convs sharing one weight, a producer name with a newline and Lua after
it, two initializers reading one external range, and an int64 tensor
of 2^31 - 2^24 elements with no data. Each of these costs well under a second.

Last, where the importer disagreed with the ONNX spec: a PRelu slope [C]
on a 4-D input (it broadcasts along W), a Gemm or MatMul + Add bias of
[M, 1], Squeeze axes that are not constant, Shape-15's start and end, a
folded [1, 3] + [3, 1] (broadcast to [3, 3]), Cast to BOOL and FLOAT16,
sqrt(2) / x taken for GELU's x / sqrt(2),
Concat of inputs differing in H, Upsample-9 by 0.5 and an initializer
called __metadata__. The whole file takes about 2 s (3 s under ASan).
"""
import os
import resource
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CNNC = os.path.abspath(os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc"))
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(what)


def model(nodes, inits=(), inputs=None, outputs=None, opset=13):
    inputs = inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 5, 5])]
    outputs = outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def tensor(dims, floats=()):
    """A float TensorProto built field by field (helper.make_tensor checks
    what this test must not)."""
    t = TensorProto()
    t.name, t.data_type = "w", TensorProto.FLOAT
    t.dims.extend(dims)
    t.float_data.extend(floats)
    return t


def conv_model(w):
    return model([helper.make_node("Conv", ["x", "w"], ["y"], name="c")], [w])


def weight(dims=(4, 3, 1, 1), raw=None, **kw):
    t = helper.make_tensor("w", TensorProto.FLOAT, list(dims), raw or b"\0" * 0, raw=raw is not None) \
        if raw is not None else helper.make_tensor("w", TensorProto.FLOAT, list(dims),
                                                     np.zeros(int(np.prod(dims)), np.float32).tolist())
    for k, v in kw.items():
        setattr(t, k, v)
    return t


def deep(levels=3000):
    """Subgraphs inside subgraphs (GraphProto.node -> NodeProto.attribute
    -> AttributeProto.g), written as raw protobuf: protobuf-c unpacks by
    recursion, so this must be refused before."""
    def varint(n):
        out = b""
        while True:
            b, n = n & 0x7F, n >> 7
            if not n:
                return out + bytes([b])
            out += bytes([b | 0x80])

    def field(num, payload):
        return varint(num << 3 | 2) + varint(len(payload)) + payload
    g = b""
    for _ in range(levels):
        g = field(1, field(5, field(6, g) if g else b""))
    return varint(1 << 3) + varint(8) + field(7, g)


def expect(tmp, name, data, words, code=1):
    path = os.path.join(tmp, name + ".onnx")
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.SerializeToString())
    prefix = os.path.join(tmp, "out_" + name)
    r = subprocess.run([CNNC, "import", path, "-o", prefix], capture_output=True, text=True)
    left = [f for f in os.listdir(tmp) if f.startswith("out_" + name)]
    ok = r.returncode == code and all(w in r.stderr for w in words) and not left and "Sanitizer" not in r.stderr
    check(f"{name}: exit {code}, says {words}, writes nothing", ok,
          f"exit {r.returncode}, left {left}, stderr: {r.stderr.strip()[-400:]}")


def run_import(tmp, name, m, timeout=60):
    """Writes m as NAME.onnx, imports it; (returncode, stderr, CPU seconds,
    lua text or None). CPU, not wall-clock: the suite runs beside others."""
    path = os.path.join(tmp, name + ".onnx")
    with open(path, "wb") as f:
        f.write(m if isinstance(m, bytes) else m.SerializeToString())
    prefix = os.path.join(tmp, "out_" + name)
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        r = subprocess.run([CNNC, "import", path, "-o", prefix], capture_output=True, text=True, timeout=timeout)
        code, err = r.returncode, r.stderr
    except subprocess.TimeoutExpired:
        code, err = -999, "timed out"
    lua = open(prefix + ".lua").read() if os.path.exists(prefix + ".lua") else None
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return code, err, c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime, lua


def review_cases(tmp):
    """The review's section 1 and 2 cases."""
    x2 = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])]
    w33 = helper.make_tensor("w", TensorProto.FLOAT, [3, 3], [0.5] * 9)
    # 1.1 a node with no outputs: MatMul, Pad, Erf (the gelu pattern looks at it)
    expect(tmp, "no_outputs_matmul", model([helper.make_node("MatMul", ["x", "w"], [], name="mm"),
                                            helper.make_node("Relu", ["x"], ["y"], name="r")], [w33], x2),
           ["node 'mm' (MatMul, opset 13): not supported: 0 outputs"])
    sq2 = helper.make_tensor("s", TensorProto.FLOAT, [], [1.41421356])
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    expect(tmp, "no_outputs_erf", model([helper.make_node("Div", ["x", "s"], ["d"], name="div"),
                                         helper.make_node("Erf", ["d"], [], name="erf"),
                                         helper.make_node("Add", ["x", "one"], ["y"], name="a")], [sq2, one], x2),
           ["node 'erf' (Erf, opset 13): not supported: 0 outputs"])
    # 1.2 nodes with no inputs
    expect(tmp, "no_inputs_shape", model([helper.make_node("Shape", [], ["s"], name="sh"),
                                          helper.make_node("Relu", ["x"], ["y"], name="r")]),
           ["node 'sh' (Shape, opset 13): not supported: 0 inputs"])
    expect(tmp, "one_input_gemm", model([helper.make_node("Gemm", ["x"], ["y"], name="g")], [], x2),
           ["node 'g' (Gemm, opset 13): not supported: 1 input"])
    # 1.3 a Constant whose value_floats holds ints
    c = helper.make_node("Constant", [], ["c"], name="k")
    a = c.attribute.add()
    a.name, a.type = "value_floats", onnx.AttributeProto.FLOATS
    a.ints.extend([1, 2, 3])
    expect(tmp, "constant_mixed", model([c, helper.make_node("Add", ["x", "c"], ["y"], name="a")], [], x2),
           ["Constant 'k'", "value_floats"])
    # 1.4 Squeeze of a dim that is not 1; Unsqueeze with axis 0 twice
    big = helper.make_tensor("big", TensorProto.FLOAT, [4096, 64], np.zeros(4096 * 64, np.float32).tolist())
    ax0 = helper.make_tensor("ax", TensorProto.INT64, [1], [0])
    expect(tmp, "squeeze_not_one", model([helper.make_node("Squeeze", ["big", "ax"], ["s"], name="sq"),
                                          helper.make_node("Add", ["x", "s"], ["y"], name="a")], [big, ax0], x2),
           ["node 'sq' (Squeeze, opset 13): not supported"])
    b5 = helper.make_tensor("big", TensorProto.FLOAT, [5000], np.zeros(5000, np.float32).tolist())
    ax00 = helper.make_tensor("ax", TensorProto.INT64, [2], [0, 0])
    expect(tmp, "unsqueeze_twice", model([helper.make_node("Unsqueeze", ["big", "ax"], ["s"], name="un"),
                                          helper.make_node("Add", ["x", "s"], ["y"], name="a")], [b5, ax00], x2),
           ["node 'un' (Unsqueeze, opset 13): not supported"])
    # 1.5 INT64_MIN / -1 folded
    lo = helper.make_tensor("lo", TensorProto.INT64, [1], [-(1 << 63)])
    m1 = helper.make_tensor("m1", TensorProto.INT64, [1], [-1])
    expect(tmp, "int_div_overflow", model([helper.make_node("Div", ["lo", "m1"], ["q"], name="div"),
                                           helper.make_node("Reshape", ["x", "q"], ["y"], name="rs")], [lo, m1], x2),
           ["node 'div' (Div, opset 13): not supported"])
    # 1.6 a chain of Add(d, d) the MatMul + Add pattern looks ahead through
    depth = 30
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"], name="mm"), helper.make_node("Relu", ["x"], ["d0"], name="r")]
    nodes += [helper.make_node("Add", [f"d{k}", f"d{k}"], [f"d{k + 1}"], name=f"a{k}") for k in range(depth)]
    nodes.append(helper.make_node("Add", ["m", f"d{depth}"], ["y"], name="last"))
    code, err, secs, _ = run_import(tmp, "add_chain", model(nodes, [w33], x2), timeout=30)
    check(f"Add(d, d) chain {depth} deep imports in under 3 s of CPU", code == 0 and secs < 3, f"exit {code}, {secs:.1f} s, {err[-300:]}")
    # 1.7 3000 Convs sharing one weight, chained
    n = 3000
    nodes = [helper.make_node("Conv", ["x" if k == 0 else f"c{k}", "conv.weight"], [f"c{k + 1}" if k < n - 1 else "y"])
             for k in range(n)]
    w = helper.make_tensor("conv.weight", TensorProto.FLOAT, [3, 3, 1, 1], [0.1] * 9)
    code, err, secs, _ = run_import(tmp, "shared_weight", model(nodes, [w]), timeout=60)
    check(f"{n} Convs sharing one weight import in under 3 s of CPU", code == 0 and secs < 3, f"exit {code}, {secs:.1f} s, {err[-300:]}")
    # 1.8 Lua injection through the producer and node names
    m = conv_model(weight())
    m.producer_name, m.producer_version = "evil\nerror('injected')\n--", "1\r\nerror('v')"
    m.graph.node[0].name = "c\nerror('n')"
    code, err, _, lua = run_import(tmp, "inject", m)
    lines = (lua or "").splitlines()
    check("producer strings with newlines stay in the comment", code == 0 and lua is not None and
          not any(l.startswith("error(") for l in lines) and "\r" not in lua, f"exit {code}, {err[-300:]}, {lua}")
    # 1.9 two initializers reading one external range
    open(os.path.join(tmp, "shared.bin"), "wb").write(b"\0" * 48)
    ts = []
    for nm in ["w", "w2"]:
        t = tensor([4, 3, 1, 1])
        t.name = nm
        t.data_location = TensorProto.EXTERNAL
        e = t.external_data.add()
        e.key, e.value = "location", "shared.bin"
        ts.append(t)
    expect(tmp, "ext_reread", model([helper.make_node("Conv", ["x", "w"], ["y"], name="c")], ts),
           ["more external data than"])
    # 1.10 2^31 - 2^24 int64 elements with no data: says so, asks no 16 GB
    t = TensorProto()
    t.name, t.data_type = "s", TensorProto.INT64
    t.dims.extend([1 << 24, 127])
    expect(tmp, "no_data_huge", model([helper.make_node("Reshape", ["x", "s"], ["y"], name="rs")], [t]),
           ["holds 0 elements"])


def spec_cases(tmp):
    """The review's section 2 cases that must be refused (or folded right)."""
    x4 = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 5, 4])]
    # 2.1 PRelu slope [C] broadcasts along W on a 4-D input: not per channel
    s = helper.make_tensor("slope", TensorProto.FLOAT, [3], [0.1, 0.2, 0.3])
    x3 = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 5, 3])]
    expect(tmp, "prelu_right_aligned", model([helper.make_node("PRelu", ["x", "slope"], ["y"], name="p")], [s], x3),
           ["node 'p' (PRelu, opset 13): not supported"])
    # 2.5 Gemm C of [M, 1] with M == N: per row, not per feature
    x2 = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 3])]
    w = helper.make_tensor("w", TensorProto.FLOAT, [3, 3], [0.5] * 9)
    c = helper.make_tensor("c", TensorProto.FLOAT, [3, 1], [1, 2, 3])
    expect(tmp, "gemm_c_column", model([helper.make_node("Gemm", ["x", "w", "c"], ["y"], name="g")], [w, c], x2),
           ["node 'g' (Gemm, opset 13): not supported"])
    # MatMul + Add of that C: the bias stays an add of a [3, 1] param
    code, err, _, lua = run_import(tmp, "matmul_add_column", model([helper.make_node("MatMul", ["x", "w"], ["m"], name="mm"),
                                   helper.make_node("Add", ["m", "c"], ["y"], name="a")], [w, c], x2))
    check("MatMul + Add of a [M, 1] C is no linear bias", code == 0 and "bias = false" in (lua or ""), f"{err} {lua}")
    # 2.7 Squeeze with axes that are not a constant
    expect(tmp, "squeeze_axes_var", model([helper.make_node("Squeeze", ["one", "x"], ["s"], name="sq"),
                                           helper.make_node("Add", ["x", "s"], ["y"], name="a")],
                                          [helper.make_tensor("one", TensorProto.FLOAT, [1, 1], [1.0])], x4),
           ["node 'sq' (Squeeze, opset 13): not supported"])
    # 2.2 Shape with start 1, end 3 (opset 15) -> [3, 5]: Reshape x to 3 x 5 ... refused as a reshape
    # that is no flatten, naming the dims the folded shape gave
    x = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 5, 4])]
    expect(tmp, "shape_start_end", model([helper.make_node("Shape", ["x"], ["sh"], name="shape", start=1, end=3),
                                          helper.make_node("Reshape", ["x", "sh"], ["y"], name="rs")], [], x, opset=15),
           ["a shape whose element count differs"])
    # 2.8 Concat of inputs that differ in H; Upsample-9 by 0.5 (ORT rounds up, PyTorch down)
    expect(tmp, "concat_dims", model([helper.make_node("MaxPool", ["x"], ["p"], name="mp", kernel_shape=[2, 2]),
                                      helper.make_node("Concat", ["x", "p"], ["y"], name="cat", axis=1)], [], x),
           ["node 'cat' (Concat, opset 13): not supported: inputs that differ"])
    sc = helper.make_tensor("sc", TensorProto.FLOAT, [4], [1, 1, 0.5, 0.5])
    expect(tmp, "upsample_down", model([helper.make_node("Upsample", ["x", "sc"], ["y"], name="up")], [sc], x, opset=9),
           ["node 'up' (Upsample, opset 9): not supported: a scale below 1"])
    # an initializer called __metadata__ (safetensors' own key) is no param of that name
    md = helper.make_tensor("__metadata__", TensorProto.FLOAT, [1, 3, 1, 1], [1, 2, 3])
    code, err, _, lua = run_import(tmp, "metadata_key", model([helper.make_node("Add", ["x", "__metadata__"], ["y"],
                                                                                 name="a")], [md], x))
    check("an initializer called __metadata__ gets another key", code == 0 and '"__metadata__"' not in (lua or ""),
          f"{err} {lua}")
    # 2.6 Cast to BOOL is != 0 (0.5 -> 1), to FLOAT16 keeps the fraction
    half = helper.make_tensor("half", TensorProto.FLOAT, [1], [0.5])
    n60 = helper.make_tensor("n60", TensorProto.INT64, [2], [1, 60])
    code, err, _, lua = run_import(tmp, "cast_bool", model([
        helper.make_node("Cast", ["half"], ["b"], name="cb", to=TensorProto.BOOL),
        helper.make_node("Cast", ["b"], ["i"], name="ci", to=TensorProto.INT64),
        helper.make_node("Mul", ["n60", "i"], ["s"], name="m"),
        helper.make_node("Reshape", ["x", "s"], ["y"], name="rs")], [half, n60], x))
    check("Cast 0.5 to BOOL folds to 1", code == 0 and "flatten()" in (lua or ""), f"{err} {lua}")
    k = helper.make_tensor("k", TensorProto.FLOAT, [1], [2.5])
    code, err, _, lua = run_import(tmp, "cast_half", model([
        helper.make_node("Cast", ["k"], ["h"], name="ch", to=TensorProto.FLOAT16),
        helper.make_node("Mul", ["x", "h"], ["y"], name="m")], [k], x))
    check("Cast 2.5 to FLOAT16 folds to 2.5", code == 0 and "mul(v[1], 2.5)" in (lua or ""), f"{err} {lua}")
    # 2.8 sqrt(2) / x -> Erf -> ... is no gelu (the pattern is x / sqrt(2))
    x2 = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])]
    consts = [helper.make_tensor(nm, TensorProto.FLOAT, [], [v]) for nm, v in
              [("s2", 1.41421356), ("one", 1.0), ("half", 0.5)]]
    expect(tmp, "gelu_divisor", model([helper.make_node("Div", ["s2", "x"], ["d"], name="div"),
                                       helper.make_node("Erf", ["d"], ["e"], name="erf"),
                                       helper.make_node("Add", ["e", "one"], ["a"], name="add"),
                                       helper.make_node("Mul", ["a", "x"], ["m"], name="mul"),
                                       helper.make_node("Mul", ["m", "half"], ["y"], name="mul2")], consts, x2),
           ["node 'erf' (Erf, opset 13): not supported: Erf outside"])
    # 2.4 a folded [1, 3] + [3, 1] broadcasts to [3, 3]: the Reshape sees 9 dims
    p = helper.make_tensor("p", TensorProto.INT64, [1, 3], [0, 0, 0])
    q = helper.make_tensor("q", TensorProto.INT64, [3, 1], [1, 1, 1])
    expect(tmp, "fold_broadcast", model([helper.make_node("Add", ["p", "q"], ["s"], name="add"),
                                         helper.make_node("Reshape", ["x", "s"], ["y"], name="rs")], [p, q], x),
           ["node 'rs' (Reshape, opset 13): not supported: a shape that is not a constant"])
    # numbers the model language cannot hold (NaN, infinities) or options it
    # refuses (eps <= 0) are refused here, not written into a .lua that
    # cnnc then refuses, or that falls back to the option's default
    def f32(v, name):
        return helper.make_tensor(name, TensorProto.FLOAT, [], [v])
    bn = [helper.make_tensor(k, TensorProto.FLOAT, [3], v) for k, v in
          (("s", [1, 1, 1]), ("b", [0, 0, 0]), ("m", [0, 0, 0]), ("v", [1, 1, 1]))]
    for name, node, inits, opset, says in (
            ("add_inf", helper.make_node("Add", ["x", "c"], ["y"], name="n"), [f32(float("inf"), "c")], 13,
             "a constant operand that is not a finite float"),
            ("mul_nan", helper.make_node("Mul", ["x", "c"], ["y"], name="n"), [f32(float("nan"), "c")], 13,
             "a constant operand that is not a finite float"),
            ("leaky_nan", helper.make_node("LeakyRelu", ["x"], ["y"], name="n", alpha=float("nan")), [], 13,
             "an alpha that is not a finite float"),
            ("elu_inf", helper.make_node("Elu", ["x"], ["y"], name="n", alpha=float("-inf")), [], 13,
             "an alpha that is not a finite float"),
            ("hardsigmoid_nan", helper.make_node("HardSigmoid", ["x"], ["y"], name="n", alpha=float("nan")), [], 13,
             "alpha and beta other than 1/6 and 1/2"),
            ("clip_nan", helper.make_node("Clip", ["x", "lo", "hi"], ["y"], name="n"),
             [f32(float("nan"), "lo"), f32(1, "hi")], 13, "a min or max that is NaN"),
            ("bn_eps_negative", helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="n",
                                                 epsilon=-1.0), bn, 13, "an epsilon that is not a float above 0"),
            ("bn_eps_nan", helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="n",
                                            epsilon=float("nan")), bn, 13, "an epsilon that is not a float above 0"),
            ("ln_eps_zero", helper.make_node("LayerNormalization", ["x", "s5"], ["y"], name="n", axis=-1,
                                             epsilon=0.0), [helper.make_tensor("s5", TensorProto.FLOAT, [5], [1] * 5)],
             17, "an epsilon that is not a float above 0")):
        op = node.op_type
        expect(tmp, name, model([node], inits, opset=opset), [f"node 'n' ({op}, opset {opset}): not supported: {says}"])
    # a Split into 256: more names than Lua's parser takes on the left of
    # one assignment ("C stack overflow" when cnnc read the import's model)
    x256 = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 256, 2, 2])]
    outs = ["y"] + ["o%d" % i for i in range(255)]
    code, err, _, lua = run_import(tmp, "split_256", model([helper.make_node("Split", ["x"], outs, name="s", axis=1)],
                                                           inputs=x256))
    r = subprocess.run([CNNC, "check", os.path.join(tmp, "out_split_256.lua")], capture_output=True, text=True) \
        if lua else None
    check("split_256: imports, and cnnc check takes its model", code == 0 and r is not None and r.returncode == 0,
          err + (r.stderr if r else ""))
    # a Softplus is imported only as part of Mish
    expect(tmp, "softplus_alone", model([helper.make_node("Softplus", ["x"], ["y"], name="n")]),
           ["node 'n' (Softplus, opset 13): not supported: a Softplus outside Mish's x * tanh(softplus(x))"])
    # a Conv's kernel_shape is its weight's (ONNX; the weight was used and
    # the attribute ignored)
    expect(tmp, "conv_kernel_shape", model([helper.make_node("Conv", ["x", "w"], ["y"], name="n", kernel_shape=[2, 2])],
                                           [weight()]),
           ["node 'n' (Conv, opset 13): not supported: a kernel_shape that differs from the weight's"])
    # a Gather of one channel: its index in range, and put back on axis 1
    i7 = helper.make_tensor("i", TensorProto.INT64, [], [7])
    expect(tmp, "gather_out_of_range", model([helper.make_node("Gather", ["x", "i"], ["y"], name="g", axis=1)], [i7]),
           ["node 'g' (Gather, opset 13): not supported: a Gather index out of range of the channels"])
    i1 = helper.make_tensor("i", TensorProto.INT64, [], [1])
    expect(tmp, "gather_rank3", model([helper.make_node("Gather", ["x", "i"], ["g"], name="g", axis=1),
                                       helper.make_node("Relu", ["g"], ["y"], name="r")], [i1]),
           ["node 'g' (Gather, opset 13): not supported: a Gather of one channel that no Unsqueeze puts back"])
    a2 = helper.make_tensor("a", TensorProto.INT64, [1], [2])
    expect(tmp, "gather_unsqueeze_h", model([helper.make_node("Gather", ["x", "i"], ["g"], name="g", axis=1),
                                             helper.make_node("Unsqueeze", ["g", "a"], ["y"], name="u")], [i1, a2]),
           ["node 'g' (Gather, opset 13): not supported: a Gather of one channel that no Unsqueeze puts back"])
    i2 = helper.make_tensor("i", TensorProto.INT64, [2], [0, 2])
    expect(tmp, "gather_two", model([helper.make_node("Gather", ["x", "i"], ["y"], name="g", axis=1)], [i2]),
           ["node 'g' (Gather, opset 13): not supported: a Gather of an activation by indices that are not one constant"])
    expect(tmp, "gather_axis2", model([helper.make_node("Gather", ["x", "i"], ["y"], name="g", axis=2)], [i1]),
           ["node 'g' (Gather, opset 13): not supported: a Gather on an axis other than the channels (1)"])


def main():
    tmp = tempfile.mkdtemp(prefix="cnnc-onnx-hostile-")
    good = conv_model(weight()).SerializeToString()
    # sanity: the good one imports
    r = subprocess.run([CNNC, "import", os.path.join(tmp, "good.onnx"), "-o", os.path.join(tmp, "good")],
                       capture_output=True)
    open(os.path.join(tmp, "good.onnx"), "wb").write(good)
    r = subprocess.run([CNNC, "import", os.path.join(tmp, "good.onnx"), "-o", os.path.join(tmp, "good")],
                       capture_output=True, text=True)
    check("a valid conv model imports", r.returncode == 0, r.stderr)
    expect(tmp, "truncated", good[: len(good) // 2], ["not a valid ONNX protobuf"])
    bad = bytearray(good)
    bad[0] = (bad[0] & ~7) | 5  # ir_version (a varint) with wire type fixed32
    expect(tmp, "wire_type", bytes(bad), ["not a valid ONNX protobuf"])
    expect(tmp, "deep_nesting", deep(), ["nest over"])
    expect(tmp, "negative_dim", conv_model(tensor([4, -3, 1, 1])),
           ["dim 1 is -3"])
    expect(tmp, "overflow_dims", conv_model(tensor([1 << 40, 1 << 40])),
           ["a dim is 0 to"])
    huge = tensor([1 << 24, 1 << 24, 1 << 24])
    expect(tmp, "huge_count", conv_model(huge), ["elements"])
    t = tensor([4, 3, 1, 1])
    t.raw_data = b"\0" * 44
    expect(tmp, "raw_size", conv_model(t), ["raw_data is 44 bytes", "need 48"])
    t = helper.make_tensor("w", TensorProto.FLOAT, [4, 3, 1, 1], [0.0] * 12)
    t.raw_data = b"\0" * 48
    expect(tmp, "two_places", conv_model(t), ["2 places"])
    expect(tmp, "float_count", conv_model(tensor([4, 3, 1, 1], [0.0] * 11)),
           ["holds 11 elements"])
    cyc = model([helper.make_node("Relu", ["b"], ["a"], name="r1"), helper.make_node("Relu", ["a"], ["b"], name="r2"),
                 helper.make_node("Relu", ["x"], ["y"], name="r3")])
    expect(tmp, "cycle", cyc, ["cycle"])
    dup = model([helper.make_node("Relu", ["x"], ["y"], name="r1"), helper.make_node("Relu", ["x"], ["y"], name="r2")])
    expect(tmp, "duplicate", dup, ["'y' is defined twice"])
    miss = model([helper.make_node("Add", ["x", "nowhere"], ["y"], name="a")])
    expect(tmp, "missing", miss, ["reads 'nowhere', which nothing defines"])
    for name, loc, words in [("ext_dotdot", "../w.bin", ["goes through '..'"]),
                             ("ext_absolute", "/etc/passwd", ["absolute path"]),
                             ("ext_symlink", "link.bin", ["outside the model's directory"])]:
        t = tensor([4, 3, 1, 1])
        t.data_location = TensorProto.EXTERNAL
        e = t.external_data.add()
        e.key, e.value = "location", loc
        if name != "ext_symlink":
            expect(tmp, name, conv_model(t), words)
            continue
        with tempfile.TemporaryDirectory(prefix="cnnc-onnx-outside-") as outside:
            open(os.path.join(outside, "w.bin"), "wb").write(b"\0" * 48)
            os.symlink(os.path.join(outside, "w.bin"), os.path.join(tmp, "link.bin"))
            expect(tmp, name, conv_model(t), words)
    # external data inside the directory works
    t = tensor([4, 3, 1, 1])
    t.data_location = TensorProto.EXTERNAL
    for k, v in [("location", "w_ok.bin"), ("offset", "4"), ("length", "48")]:
        e = t.external_data.add()
        e.key, e.value = k, v
    open(os.path.join(tmp, "w_ok.bin"), "wb").write(b"\0" * 4 + np.arange(12, dtype=np.float32).tobytes())
    open(os.path.join(tmp, "ext_ok.onnx"), "wb").write(conv_model(t).SerializeToString())
    r = subprocess.run([CNNC, "import", os.path.join(tmp, "ext_ok.onnx"), "-o", os.path.join(tmp, "ext_ok")],
                       capture_output=True, text=True)
    check("external data in the model's directory imports", r.returncode == 0, r.stderr)
    two = model([helper.make_node("Transpose", ["x"], ["t"], name="tr", perm=[1, 0, 2, 3]),
                 helper.make_node("LpNormalization", ["t"], ["u"], name="lp"),
                 helper.make_node("AveragePool", ["x"], ["c"], name="asym", kernel_shape=[2, 2], pads=[0, 0, 1, 1]),
                 helper.make_node("Add", ["u", "c"], ["y"], name="sum")], [])
    expect(tmp, "unsupported", two, ["node 'tr' (Transpose, opset 13): not supported: a perm that moves the batch",
                                     "node 'asym' (AveragePool, opset 13): not supported: asymmetric pads with "
                                     "count_include_pad 0",
                                     "2 nodes cannot be imported"])
    # what the DSL's conv_transpose2d, layer_norm, reshape and pad cannot say, refused with its reason
    ln_s = helper.make_tensor("s", TensorProto.FLOAT, [1, 3, 5, 5], [1.0] * 75)
    sh = helper.make_tensor("sh", TensorProto.INT64, [2], [3, 25])
    pc = helper.make_tensor("pc", TensorProto.INT64, [8], [0, 1, 0, 0, 0, 0, 0, 0])
    four = model([helper.make_node("ConvTranspose", ["x", "w"], ["ct"], name="ct", pads=[2, 0, 0, 0]),
                  helper.make_node("LayerNormalization", ["x", "s"], ["ln"], name="ln", axis=0),
                  helper.make_node("Reshape", ["x", "sh"], ["rs"], name="rs"),
                  helper.make_node("Pad", ["x", "pc"], ["y"], name="pad")], [weight((3, 2, 3, 3)), ln_s, sh, pc],
                 opset=17)
    expect(tmp, "unsupported_new_ops", four,
           ["node 'ct' (ConvTranspose, opset 17): not supported: pads 2 before, 0 after",
            "node 'ln' (LayerNormalization, opset 17): not supported: an axis that is the batch",
            "node 'rs' (Reshape, opset 17): not supported: reshape from 1x3x5x5 to 3x25",
            "node 'pad' (Pad, opset 17): not supported: padding of N or C", "4 nodes cannot be imported"])
    # names are printed escaped: a quote, a backslash or a newline cannot
    # fake the end of the name or another line
    odd = model([helper.make_node("LpNormalization", ["x"], ["y"], name="it's\\\nx.onnx: error: fake")])
    expect(tmp, "odd_name", odd, ["node 'it\\x27s\\x5c\\x0ax.onnx: error: fake' (LpNormalization, opset 13): "
                                  "not supported"])
    dup = model([helper.make_node("Relu", ["x"], ["a'b"], name="r1"),
                 helper.make_node("Relu", ["x"], ["a'b"], name="r2"),
                 helper.make_node("Relu", ["a'b"], ["y"], name="r3")])
    expect(tmp, "odd_value_name", dup, ["value 'a\\x27b' is defined twice"])
    review_cases(tmp)
    spec_cases(tmp)
    subprocess.run(["rm", "-rf", tmp])
    print(f"onnx hostile: {len(failures)} failed" if failures else "onnx hostile: all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
