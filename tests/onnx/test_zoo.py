#!/usr/bin/python3
"""The zoo round-trip: every model of models/ exported by torch.onnx.export
at opsets 11, 13 and 17, imported by cnnc, against its hand-written .lua
and against PyTorch.

    /usr/bin/python3 tests/onnx/test_zoo.py [--only NAME,...] [--keep]

For every model (tests/zoo/nets.py's zoo and fashion_cnn), the PyTorch
module of tests/golden/make_golden.py with the golden tests' weights
(random, scaled, batch norm statistics measured; fashion_cnn's shipped
ones) is exported, in eval mode with training=PRESERVE (torch.onnx's
default EVAL folds batch norm into the conv before cnnc sees it, so the
parameters could never equal the .lua's, which has batch norm layers).

Report: `cnnc report X.onnx --json` equals `cnnc report models/NAME.lua
--json`, every field of every layer and of the totals, except
  - the layer names and source lines (and ids, inputs and the names in
    runs_as and notes are compared as the layers they point at);
  - layers the report shows as "removed: the identity on ..." (dropout,
    stochastic depth, an adaptive pool to the size it already has): the
    exporter drops them, and they run no code; the totals' activation_bytes
    is the kept layers' sum for the same reason;
  - adaptive_avg_pool2d to 1 x 1 is global_avg_pool (ONNX has one op for
    both);
  - a concat whose input is a concat read by nothing else counts as one
    concat of both inputs (torch.onnx flattens nested torch.cat, as in
    inception_v3's last blocks), and a concat's note that all k of its
    inputs are written in place counts whatever k;
  - when the exporter orders independent branches differently from the
    .lua (regnet_y_400mf's shortcut), the layers are matched by the graph
    they form, not by position; the arena sizes, which depend on the
    order, are then printed but not compared.

Output: `cnnc build X.onnx` and the program's output on the golden
tests' input, against PyTorch's, with run_golden.py's tolerance (1e-4,
1e-3 with a Winograd layer, times 1 + max |ref|) and the same argmax: every
model at opset 13, and the small ones (BUILD_ALL_OPSETS) at all three.
vgg16 and alexnet, the biggest exports, run at opset 13 only
(RUN_OPSET_ONLY).

One line per check and one per model with its seconds; exits 1 on any
failure. The whole run took 367 s on the quiet 2-core machine (785 s at
a load of 8; 2026-12-02); the slowest models: vgg16 (49 s), convnext_tiny,
resnext50_32x4d, deeplabv3_mobilenet_v3_large, densenet121, inception_v3,
resnet50, alexnet (21 to 38 s each). --only picks models.
"""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
import zlib

import numpy as np
import torch

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "golden"))
sys.path.insert(0, os.path.join(REPO, "tests", "zoo"))
import make_golden  # noqa: E402
import nets  # noqa: E402
import run_golden  # noqa: E402

CNNC = os.path.abspath(os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc"))
OPSETS = (11, 13, 17)
RUN_OPSET = 13
BUILD_ALL_OPSETS = ("lenet5", "chapter_ex1", "rgb_conv", "cifar10", "fashion_cnn",
                    "shufflenet_v2_x1_0", "mobilenet_v3_small")
# Built and run against PyTorch even when their C is the .lua's, so that
# `cnnc build X.onnx` itself runs end to end at every opset.
BUILD_ALWAYS = ("lenet5", "fashion_cnn")
# The two biggest exports (49 s and 21 s of the run's 367) at opset 13
# only: their ops (conv, relu, max and adaptive pools, flatten, dropout,
# linear) are lenet5's and resnet18's, which round-trip at all three.
RUN_OPSET_ONLY = ("vgg16", "alexnet")
MODELS = nets.ZOO + ["fashion_cnn"]
ORDER_FREE = ("arena_bytes", "naive_arena_bytes")  # totals that depend on the layer order
COMMUTATIVE = ("add", "mul")  # their operands may come in either order
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else ": " + detail))
    sys.stdout.flush()
    if not ok:
        failures.append(what)


def cnnc(*args):
    r = subprocess.run([CNNC, *args], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("cnnc %s: exit %d: %s" % (args[0], r.returncode, r.stderr.strip()[-800:]))
    return r.stdout


def canonical(report):
    """(rows in order, totals, names) of a --json report: each kept layer's fields
    without name, line and id, its inputs and the layers its runs_as and
    note name as indices of kept layers."""
    layers = report["layers"]
    by_name = {l["name"]: l["id"] for l in layers}
    by_id = {l["id"]: l for l in layers}
    alias, kept = {}, []
    for l in layers:
        m = re.match(r"removed: the identity on (.*)", l.get("note") or "")
        if m:
            alias[l["id"]] = alias[by_name[m.group(1)]]
        else:
            alias[l["id"]] = l["id"]
            kept.append(l)
    # concat { concat { a, b }, c } -> concat { a, b, c } when the inner one
    # has no other reader
    readers = {}
    for l in kept:
        for i in l["inputs"]:
            readers.setdefault(alias[i], []).append(l["id"])
    gone = set()

    def ins(l):
        out = []
        for i in l["inputs"]:
            i = alias[i]
            inner = by_id[i]
            if l["op"] == "concat" and inner["op"] == "concat" and len(readers.get(i, [])) == 1:
                gone.add(i)
                out += ins(inner)
            else:
                out.append(i)
        return out

    inputs = {l["id"]: ins(l) for l in kept}
    kept = [l for l in kept if l["id"] not in gone]
    index = {l["id"]: k for k, l in enumerate(kept)}
    rows = []
    for l in kept:
        d = {k: v for k, v in l.items() if k not in ("name", "line", "id", "inputs")}
        if d["op"] == "adaptive_avg_pool2d" and l["shape"][2:] == [1, 1]:
            d["op"] = "global_avg_pool"
        d["inputs"] = [index[i] for i in inputs[l["id"]]]
        if d.get("runs_as") is not None:
            d["runs_as"] = index.get(alias[by_name[d["runs_as"]]], "gone")
        if d.get("note"):
            d["note"] = " ".join("#%s" % index.get(alias[by_name[w]], "gone") if w in by_name else w
                                 for w in d["note"].split(" "))
        if d["op"] == "concat" and d.get("note"):  # "k of its k inputs", k as flattened or not
            d["note"] = re.sub(r"\b(\d+) of its \1 inputs", "all of its inputs", d["note"])
        rows.append(d)
    totals = dict(report["total"])
    totals["activation_bytes"] = sum(l["activation_bytes"] for l in kept)
    if gone:  # the inner concats' outputs count in it
        del totals["naive_arena_bytes"]
    return rows, totals, [l["name"] for l in kept]


def structure(rows):
    """The rows as a multiset of (row, its inputs' structure): equal for two
    reports whose layers form the same graph in any topological order."""
    def crc(obj):
        return "%08x" % zlib.crc32(json.dumps(obj, sort_keys=True, default=str).encode())

    sig = []  # by inputs, which come earlier
    for d in rows:
        plain = {k: v for k, v in d.items() if k not in ("inputs", "runs_as", "note")}
        ins = [sig[i] for i in d["inputs"]]
        sig.append(crc([plain, sorted(ins) if d["op"] in COMMUTATIVE else ins]))
    # runs_as and notes may name later layers
    full = [crc([s, sig[d["runs_as"]] if isinstance(d.get("runs_as"), int) else d.get("runs_as"),
                 re.sub(r"#(\d+)", lambda m: sig[int(m.group(1))], d.get("note") or "")])
            for s, d in zip(sig, rows)]
    return sorted(full)


def compare_reports(what, got, want):
    a_rows, a_tot, _ = canonical(got)
    b_rows, b_tot, _ = canonical(want)
    in_order = a_rows == b_rows
    same_graph = in_order or structure(a_rows) == structure(b_rows)
    skip = () if in_order else ORDER_FREE
    tot_diff = {k: (a_tot[k], b_tot[k]) for k in set(a_tot) & set(b_tot)
                if k not in skip and a_tot[k] != b_tot[k]}
    detail = ""
    if not same_graph:
        for k, (x, y) in enumerate(zip(a_rows, b_rows)):
            if x != y:
                detail = "first differing layer %d: onnx %s, lua %s" % (
                    k, {f: x.get(f) for f in x if x.get(f) != y.get(f)},
                    {f: y.get(f) for f in y if y.get(f) != x.get(f)})
                break
        else:
            detail = "%d layers vs %d" % (len(a_rows), len(b_rows))
    elif tot_diff:
        detail = "totals differ (onnx, lua): %s" % tot_diff
    note = "" if in_order or not same_graph else " (layers in another order; %s)" % ", ".join(
        "%s %s vs %s" % (k, a_tot.get(k), b_tot.get(k)) for k in ORDER_FREE)
    check("%s: imported report equals the .lua's%s" % (what, note), same_graph and not tot_diff, detail)


def export(module, x, path, opset, input_name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, x, path, opset_version=opset, do_constant_folding=False,
                          training=torch.onnx.TrainingMode.PRESERVE,
                          input_names=[input_name], output_names=["output"])


def build_and_run(what, onnx_path, x, want, tmp):
    prog = onnx_path[:-5]
    try:
        cnnc("build", onnx_path, "-o", prog)
    except RuntimeError as e:
        check(what + ": builds", False, str(e))
        return
    np.save(prog + "_in.npy", x)
    r = subprocess.run([prog, prog + "_in.npy", prog + "_out.npy"], capture_output=True, text=True)
    if r.returncode:
        check(what + ": runs", False, r.stderr.strip()[-400:])
        return
    scale = run_golden.tolerance_scale(CNNC, onnx_path, [])
    ok, err, tol, note = run_golden.compare(np.load(prog + "_out.npy"), want, scale)
    check("%s: output matches PyTorch (max error %.3g, tol %.2g)" % (what, err, tol), ok, note)
    for f in (prog, prog + ".c", prog + ".h", prog + ".weights", prog + "_in.npy", prog + "_out.npy"):
        if os.path.exists(f):
            os.remove(f)


def c_text(path, report):
    """The generated C at path with its first line (which names the model
    file) dropped, the source lines in comments blanked and each layer's C
    name replaced by its index among the report's kept layers."""
    text = open(path).read().split("\n", 1)[1]
    text = re.sub(r"\((\S+)\.lua:\d+\)", "(MODEL:LINE)", text)  # a layer's source line, in comments
    # as in the reports: ONNX has one op for both
    text = re.sub(r"adaptive_avg_pool2d( \S+ -> \S+x1x1)", r"global_avg_pool\1", text)
    _, _, names = canonical(report)
    idents = {re.sub(r"\W", "_", n): "layer%d" % k for k, n in enumerate(names)}
    idents.update({n: "layer%d" % k for k, n in enumerate(names)})  # as comments spell them
    if not idents:
        return text
    pattern = re.compile(r"(?<![\w.])(%s)(?![\w.])" % "|".join(sorted(map(re.escape, idents), key=len, reverse=True)))
    return pattern.sub(lambda m: idents[m.group(1)], text)


def blob(prefix):
    """The weight blob cnnc compile wrote beside PREFIX.c (b"" when the
    weights are small enough to be in the C itself)."""
    return open(prefix + ".weights", "rb").read() if os.path.exists(prefix + ".weights") else b""


def lua_code(name, module, lua_report, tmp):
    """(C up to names, weights blob) of cnnc compile models/NAME.lua with
    the state_dict the .onnx files are exported from."""
    weights = os.path.join(tmp, "state.safetensors")
    make_golden.safetensors_io.write(weights, module.state_dict())
    prefix = os.path.join(tmp, "lua", "model")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    if os.path.exists(prefix + ".weights"):  # the last model's: a small model's weights are in its C
        os.remove(prefix + ".weights")
    cnnc("compile", os.path.join(REPO, "models", name + ".lua"), "--weights", weights, "-o", prefix)
    return c_text(prefix + ".c", lua_report), blob(prefix)


def same_code(what, name, onnx_path, onnx_report, lua):
    """True when cnnc compile X.onnx gives lua's C up to names and its
    weights blob byte for byte: the same program as the .lua's, which the
    golden tests check against PyTorch, so the same output and speed.
    False, with the first difference printed, when it does not (an
    exporter artefact in the graph): the caller then builds and runs it."""
    prefix = os.path.join(os.path.dirname(onnx_path), "onnx", "model")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    try:
        cnnc("compile", onnx_path, "-o", prefix)
    except RuntimeError as e:
        check(what + ": compiles", False, str(e))
        return True  # failed already: building it again says nothing new
    c_onnx, w_onnx = c_text(prefix + ".c", onnx_report), blob(prefix)
    for f in os.listdir(os.path.dirname(prefix)):
        os.remove(os.path.join(os.path.dirname(prefix), f))
    (c_lua, w_lua) = lua
    if c_onnx == c_lua and w_onnx == w_lua:
        check("%s: the same C as models/%s.lua up to names and the same weights (%d bytes)"
              % (what, name, len(w_onnx)), True)
        return True
    a, b = c_onnx.splitlines(), c_lua.splitlines()
    k = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    print("     %s: not the .lua's C (%s): built and run instead" % (what, "C line %d: onnx %r, lua %r" % (
        k + 2, a[k] if k < len(a) else None, b[k] if k < len(b) else None) if c_onnx != c_lua
        else "the weights differ"))
    return False


def model(name, tmp):
    torch.set_num_threads(1)
    seed = make_golden.DEFAULT_SEED * 1000003 + zlib.crc32(name.encode())
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    module, shape = make_golden.build_module(name)
    shape = tuple(shape)
    if name == make_golden.FASHION:
        make_golden.load_weights(module, os.path.join(REPO, "models", name + ".safetensors"))
    else:
        make_golden.randomize(name, module, shape, gen)
    module.eval()
    x = torch.randn(shape, generator=gen)
    with torch.no_grad():
        want = module(x).numpy()
    lua_report = json.loads(cnnc("report", os.path.join(REPO, "models", name + ".lua"), "--json"))
    lua = lua_code(name, module, lua_report, tmp)
    for opset in (RUN_OPSET,) if name in RUN_OPSET_ONLY else OPSETS:
        what = "%s opset %d" % (name, opset)
        path = os.path.join(tmp, "%s_%d.onnx" % (name, opset))
        t = time.time()
        export(module, x, path, opset, lua_report["layers"][0]["name"])  # the .lua's input name
        t = time.time() - t
        try:
            got = json.loads(cnnc("report", path, "--json"))
        except RuntimeError as e:
            check(what + ": imports", False, str(e))
            continue
        compare_reports(what + " (export %.1f s)" % t, got, lua_report)
        same = same_code(what, name, path, got, lua)
        if name in BUILD_ALWAYS or (not same and (opset == RUN_OPSET or name in BUILD_ALL_OPSETS)):
            build_and_run(what, path, x.numpy(), want, tmp)
        os.remove(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", help="comma-separated model names")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    names = args.only.split(",") if args.only else MODELS
    tmp = tempfile.mkdtemp(prefix="cnnc-onnx-zoo-")
    start = time.time()
    for name in names:
        t = time.time()
        try:
            model(name, tmp)
        except Exception as e:  # a crash of the exporter or the check fails this model
            check(name, False, "%s: %s" % (type(e).__name__, e))
        print("     %s: %.1f s" % (name, time.time() - t))
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for f in ("ru_utime", "ru_stime"))
    print("onnx zoo: %d models in %.0f s (%.0f s of CPU): %s" % (len(names), time.time() - start, cpu,
          "%d failed" % len(failures) if failures else "all passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
