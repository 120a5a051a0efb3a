#!/usr/bin/python3
"""ONNX's own backend tests (Debian's libonnx-testdata) through cnnc.

Every test directory of node/, pytorch-converted/, pytorch-operator/ and
simple/ under /usr/share/libonnx-testdata/data holds model.onnx and
test_data_set_*/{input,output}_N.pb. A test is in scope when every op of
its model has a row in cnnc's import table (compiler/onnx/onnx_map.c,
printed by the hidden `cnnc --onnx-ops`)
and `cnnc check` imports it; the others are listed with their reason
(an op without a row, or the importer's own "not supported: WHAT").

A test of LayerNormalization alone is run without its optional Mean
and InvStdDev outputs and compared on output 0.

cnnc models take one input: a test's further inputs (a Conv's weight,
an Add's second operand) are bound as initializers from the test's own
data, as a backend that compiles for fixed weights does. Each in-scope
test is built (`cnnc build`, two at a time) and run on every data set;
its output must equal ONNX's within ONNX's tolerance, |got - want| <=
atol + rtol |want| with rtol 1e-3, atol 1e-7. A failing in-scope test
fails the suite, and so does a pass count below MIN_PASSED (so that a
change cannot pass by pushing tests out of scope).

`conformance.py SUBSTRING` runs only the tests whose name holds it.
Prints the pass count per op, every out-of-scope test with its reason,
and the seconds it took.
"""
import collections
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CNNC = os.path.abspath(os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc"))
DATA = "/usr/share/libonnx-testdata/data"
SUITES = ["node", "pytorch-converted", "pytorch-operator", "simple"]
RTOL, ATOL = 1e-3, 1e-7
MIN_PASSED = 83  # in-scope tests that passed when this suite was last measured (2026-12-02)


def table_rows():
    """cnnc's import table as it prints it (`cnnc --onnx-ops`): op -> (folds, maps)."""
    out = subprocess.run([CNNC, "--onnx-ops"], capture_output=True, text=True, check=True).stdout
    return {op: (fold == "fold", m == "map") for op, fold, m in (line.split() for line in out.splitlines())}


def table_ops():
    """The ops with a row in the import table that maps them."""
    return {op for op, (_, maps) in table_rows().items() if maps}


# ops only folded (evaluated on constants at import)
FOLDED = {op for op, (folds, maps) in table_rows().items() if folds and not maps}
# Ops whose result at each element depends on that element alone: a test
# of one of these alone, on an input of another rank, runs on the same
# numbers as N x C x H x W (the dims folded or padded with 1s).
ELEMENTWISE = {"Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "HardSwish", "HardSigmoid", "Clip", "Identity",
               "Dropout"}


def as_4d(shape):
    """shape of any rank as 4 dims with the same element count."""
    dims = list(shape) + [1] * (4 - len(shape)) if len(shape) < 4 else \
        list(shape[:3]) + [int(np.prod(shape[3:]))]
    return [max(1, d) for d in dims]


def load_pb(path):
    t = onnx.TensorProto()
    t.ParseFromString(open(path, "rb").read())
    return numpy_helper.to_array(t)


def prepare(test, work):
    """Rewrites test's model with inputs 1.. as initializers; returns
    (model path, [(input array, output array)], reason or None)."""
    m = onnx.load(os.path.join(test, "model.onnx"))
    sets = sorted(d for d in os.listdir(test) if d.startswith("test_data_set_"))
    if not sets:
        return None, [], "no test data"
    data = []
    for s in sets:
        d = os.path.join(test, s)
        ins = [load_pb(os.path.join(d, f"input_{k}.pb")) for k in range(len(m.graph.input))
               if os.path.exists(os.path.join(d, f"input_{k}.pb"))]
        outs = [load_pb(os.path.join(d, f)) for f in sorted(os.listdir(d)) if f.startswith("output_")]
        data.append((ins, outs))
    inits = {i.name for i in m.graph.initializer}
    real = [i for i in m.graph.input if i.name not in inits]
    if not real:
        return None, [], "no graph input"
    if len(data[0][1]) != 1 and [n.op_type for n in m.graph.node] == ["LayerNormalization"]:
        # its Mean and InvStdDev are optional outputs: the test without them, on output 0
        del m.graph.output[1:]
        del m.graph.node[0].output[1:]
        data = [(ins, outs[:1]) for ins, outs in data]
    if len(data[0][1]) != 1:
        return None, [], f"{len(data[0][1])} outputs"
    # bind inputs 1.. from data set 0; other data sets must agree on them
    for k in range(1, len(real)):
        for ins, _ in data[1:]:
            if not np.array_equal(ins[k], data[0][0][k]):
                return None, [], "data sets differ in a bound input"
        arr = data[0][0][k]
        t = numpy_helper.from_array(arr, real[k].name)
        m.graph.initializer.append(t)
    keep = real[0].name
    del_names = {r.name for r in real[1:]}
    kept = [i for i in m.graph.input if i.name not in del_names]
    del m.graph.input[:]
    m.graph.input.extend(kept)
    x = data[0][0][0]
    if x.dtype != np.float32:
        return None, [], f"{x.dtype} input"
    path = os.path.join(work, "model.onnx")
    onnx.save(m, path)
    return path, [(ins[0], outs[0]) for ins, outs in data], None


def run_test(test, tmp, ops):
    """(status, ops of the model, detail): status pass, fail or out."""
    name = os.path.relpath(test, DATA)
    work = os.path.join(tmp, name.replace("/", "_"))
    os.makedirs(work, exist_ok=True)
    try:
        m = onnx.load(os.path.join(test, "model.onnx"), load_external_data=False)
    except Exception as e:  # noqa: BLE001 - a model onnx itself cannot load
        return "out", set(), f"onnx cannot load it ({e})"
    used = {n.op_type for n in m.graph.node}
    missing = sorted(used - ops - FOLDED)
    if missing:
        return "out", used, "no import row for " + ", ".join(missing)
    try:
        path, data, why = prepare(test, work)
    except Exception as e:  # noqa: BLE001 - data numpy_helper cannot read (sequences, optionals)
        return "out", used, f"test data that is not a plain tensor ({type(e).__name__})"
    if why:
        return "out", used, why
    x0 = data[0][0]
    if x0.ndim in (2, 4):
        args = ["--input-shape", ",".join(str(d) for d in x0.shape)] if x0.ndim == 4 else []
    elif used <= ELEMENTWISE | FOLDED and x0.size:
        four = as_4d(x0.shape)
        args = ["--input-shape", ",".join(str(d) for d in four)]
        data = [(x.reshape(four), y) for x, y in data]
    else:
        return "out", used, f"a {x0.ndim}-D input (cnnc models take N x C x H x W or N x F)"
    r = subprocess.run([CNNC, "check", path] + args, capture_output=True, text=True)
    if r.returncode:
        msg = r.stderr.strip().splitlines()
        ns = [ln.split("not supported: ", 1)[1] for ln in msg if "not supported: " in ln]
        reason = ns[0] if ns else (msg[0].split("error: ", 1)[-1] if msg else f"exit {r.returncode}")
        return "out", used, reason
    prog = os.path.join(work, "prog")
    r = subprocess.run([CNNC, "build", path, "-o", prog] + args, capture_output=True, text=True)
    if r.returncode:
        return "fail", used, "build: " + r.stderr.strip()[-300:]
    for k, (x, want) in enumerate(data):
        np.save(os.path.join(work, "in.npy"), x)
        r = subprocess.run([prog, os.path.join(work, "in.npy"), os.path.join(work, "out.npy")],
                           capture_output=True, text=True)
        if r.returncode:
            return "fail", used, f"data set {k}: program exit {r.returncode}: {r.stderr.strip()[-200:]}"
        got = np.load(os.path.join(work, "out.npy")).reshape(want.shape) \
            if np.load(os.path.join(work, "out.npy")).size == want.size else None
        if got is None:
            return "fail", used, f"data set {k}: output of {np.load(os.path.join(work, 'out.npy')).shape}, want {want.shape}"
        bad = np.abs(got - want) > ATOL + RTOL * np.abs(want)
        if bad.any() or np.isnan(got).any() != np.isnan(want).any():
            return "fail", used, f"data set {k}: {int(bad.sum())} of {want.size} values off, max error " \
                                 f"{float(np.nanmax(np.abs(got - want))):.3g}"
    shutil.rmtree(work, ignore_errors=True)
    return "pass", used, ""


def main():
    start = time.time()
    ops = table_ops()
    only = sys.argv[1] if len(sys.argv) > 1 else None  # a substring: those tests alone, no MIN_PASSED
    tests = [os.path.join(DATA, s, t) for s in SUITES if os.path.isdir(os.path.join(DATA, s))
             for t in sorted(os.listdir(os.path.join(DATA, s))) if not only or only in t]
    if not tests:
        print(f"FAIL no tests under {DATA} (apt-get install libonnx-testdata)")
        return 1
    tmp = tempfile.mkdtemp(prefix="cnnc-onnx-conf-")
    per_op = collections.defaultdict(lambda: [0, 0])
    out, fails = [], []
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda t: (t, run_test(t, tmp, ops)), tests))
    for t, (status, used, detail) in results:
        name = os.path.relpath(t, DATA)
        if status == "out":
            out.append((name, detail))
            continue
        for op in used - FOLDED or used:
            per_op[op][0 if status == "pass" else 1] += 1
        if status == "fail":
            fails.append((name, detail))
    shutil.rmtree(tmp, ignore_errors=True)
    for name, why in out:
        print(f"out  {name}: {why}")
    for name, why in fails:
        print(f"FAIL {name}: {why}")
    print("per op (in-scope tests that use it: passed / failed):")
    for op in sorted(per_op):
        print(f"  {op:20s} {per_op[op][0]:4d} passed {per_op[op][1]:3d} failed")
    passed = sum(1 for _, (s, _, _) in results if s == "pass")
    print(f"{len(tests)} tests: {passed} in scope passed, {len(fails)} in scope failed, {len(out)} out of scope "
          f"({time.time() - start:.0f} s)")
    if passed < MIN_PASSED and not only:
        print(f"FAIL only {passed} tests passed; {MIN_PASSED} did when this suite was last measured")
        return 1
    print(f"{passed} passed, {len(fails)} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
