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
"""
import os
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
        if name == "ext_symlink":
            outside = tempfile.mkdtemp(prefix="cnnc-onnx-outside-")
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
    two = model([helper.make_node("Transpose", ["x"], ["t"], name="tr", perm=[0, 1, 3, 2]),
                 helper.make_node("LpNormalization", ["t"], ["u"], name="lp"),
                 helper.make_node("Conv", ["x", "w"], ["c"], name="asym", pads=[0, 0, 1, 1]),
                 helper.make_node("Add", ["u", "c"], ["y"], name="sum")], [weight((3, 3, 1, 1))])
    expect(tmp, "unsupported", two, ["node 'tr' (Transpose, opset 13): not supported:",
                                     "node 'asym' (Conv, opset 13): not supported: asymmetric pads",
                                     "2 nodes cannot be imported"])
    r = subprocess.run([CNNC, "import", os.path.join(tmp, "good.onnx"), "-o", os.path.join(tmp, "good")],
                       capture_output=True, text=True)
    subprocess.run(["rm", "-rf", tmp])
    print(f"onnx hostile: {len(failures)} failed" if failures else "onnx hostile: all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
