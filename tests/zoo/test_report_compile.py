#!/usr/bin/python3
"""Checks that `cnnc report` says what `cnnc compile` does (issue 15).

    /usr/bin/python3 tests/zoo/test_report_compile.py [-j N] [--only a,b]

report and compile run one pipeline (compiler/main.c) and stop at
different points; this test holds them to it from the outside. For every
zoo model (models/*.lua), every odd-shape net (tests/golden/nets/*.lua)
and tests/zoo/unused_reader.lua it runs `cnnc report --json` and
`cnnc compile --random-weights 1` with the same options and reads the
generated C back: its per-layer comments

    /* NAME (MODEL.lua:LINE): OP IN -> OUT, ..., ALGO, LAYOUT, then +bias +residual RELU, N bytes scratch */

the kernel call under each, the weight comments ("batch norm folded in"),
the workspace declarations (`float *v = (float *)(ws + OFF); /* SHAPE
LAYOUT, live A..B */`) and the header's WORKSPACE_BYTES. Then, layer by
layer:

  - a layer the report says runs (runs_as) has a layer in the C, one the
    report says was absorbed or removed has none and carries a note why;
  - "folded into X": X's weights say "batch norm folded in" (a conv: +bias);
    "not folded": the batch_norm runs as a layer of its own;
  - "fused into X": X's epilogue applies that activation; "... as its
    residual": X adds a residual; and every epilogue activation, residual
    and folded batch norm in the C is claimed by a report row;
  - a conv's algorithm and scratch bytes equal the C's, and its call is
    that algorithm's kernel;
  - every layer's layout equals the C's (for pools, the chunk its _cl
    kernel gets), the reorders are the same (name, from, to);
  - the memory plan: arena_bytes is WORKSPACE_BYTES (64 when nothing is
    planned: C has no empty arrays), every workspace
    buffer has the C's offset and live range, every scratch the offset
    its conv's call passes;
  - the weights the program holds (issue 19): each layer's
    program_weight_bytes is the bytes of the weight arrays the C declares
    for it (`static const float w_...[COUNT]`), and the total theirs; in a
    program whose weights are in PREFIX.weights, where the C gives only
    each tensor's offset in the blob (64-byte aligned), each layer's bytes
    fill its tensors' slots short of 64 bytes a tensor, and the total
    fills the blob (its _BLOB_BYTES) the same way; at -Os no conv of the
    C runs Winograd.

Every model runs at the default level; all but the slowest to compile
(resnet50, vgg16: ~3 and ~8 s each) also at -O0, -Os, --layout nhwc,
--layout blocked, --algo im2col and --algo winograd. unused_reader.lua (a
conv read by a batch_norm and by a sigmoid nothing uses) must also show
bn1 folded into c1, as compile does. Exit status 1 on any mismatch.
CNNC_BUILD picks the build directory (build/asan for the sanitized cnnc).
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CNNC = os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc")
UNUSED_READER = os.path.join(REPO, "tests", "zoo", "unused_reader.lua")
SLOW = {"resnet50", "vgg16"}
OPTIONS = [[], ["-O0"], ["-Os"], ["--layout", "nhwc"], ["--layout", "blocked"], ["--algo", "im2col"], ["--algo", "winograd"]]
def _acts():
    """DSL name -> RT_ACT_ suffix, from runtime/acts.def (every row)."""
    import re
    with open(os.path.join(REPO, "runtime", "acts.def")) as f:
        rows = re.findall(r"^ACT(?:_P2?|_E)?\((\w+),\s*(\w+)", f.read(), re.M)
    return {name: ident for ident, name in rows}


ACTS = _acts()

LAYER = re.compile(r"^\t/\* ([^(\s][^\s]*?)(?: \([^)]*\.lua:\d+\))?: (\w+) (.*) \*/$")
DECL = re.compile(r"^\tfloat \*(\w+) = \(float \*\)\(ws \+ (\d+)\); /\* (\S+?)(?: (\w+))?, live (\d+)\.\.(\d+) \*/$")
CL_CALL = re.compile(r"\brt_\w+_cl\(&p, (\d+),")
WEIGHT_NOTE = re.compile(r"^/\* (.+): \[[\d, ]*\].* \*/$")
WEIGHT_ARRAY = re.compile(r"^static const float \w+\[(\d+)\] = \{$")
WEIGHT_IN_BLOB = re.compile(r"^static const float \*const \w+ = \w+_blob \+ (\d+);$")
PARAM_SUFFIXES = {"weight", "bias", "running_mean", "running_var"}  # compiler/ir/params.c's


def weights_of(lines, c_text):
    """Layer name -> [bytes, tensors, exact] of the weights the C declares
    for it: exact when they are arrays; else the bytes of the tensors'
    slots in the blob (each up to 63 bytes of alignment more)."""
    found = []  # (layer, "array" or "blob", count or float offset)
    for prev, line in zip(lines, lines[1:]):
        note = WEIGHT_NOTE.match(prev)
        m = WEIGHT_ARRAY.match(line) or WEIGHT_IN_BLOB.match(line)
        if not note or not m:
            continue
        key = note.group(1)
        head, _, suffix = key.rpartition(".")
        layer = head if head and suffix in PARAM_SUFFIXES else key  # a param's key is its name
        # a fused prelu's slopes, a batch norm's scale and shift applied to a
        # conv's input: the conv's or linear's
        into = re.search(r"the (?:prelu fused into|batch norm applied by) (\S+) \*/$", prev)
        layer = into.group(1) if into else layer
        found.append((layer, "array" if line.endswith("{") else "blob", int(m.group(1))))
    blob = re.search(r"#define \w+_BLOB_BYTES (\d+)u", c_text)
    offsets = sorted(v for _, kind, v in found if kind == "blob")
    ends = {o: 4 * n for o, n in zip(offsets, offsets[1:] + [int(blob.group(1)) // 4 if blob else 0])}
    out = {}
    for layer, kind, v in found:
        w = out.setdefault(layer, [0, 0, True])
        w[0] += 4 * v if kind == "array" else ends[v] - 4 * v
        w[1] += 1
        w[2] = w[2] and kind == "array"
    return out


def parse_c(c_text, h_text):
    """The generated C as data: layers (name -> dict), folded weights, declarations, workspace bytes."""
    layers, order, decls, folded = {}, [], [], set()
    declared = {}  # C name -> its declaration
    cur = None
    for line in c_text.splitlines():
        m = re.match(r"^/\* (\S+)\.weight: .*, batch norm folded in \*/$", line)
        if m:
            folded.add(m.group(1))
        m = DECL.match(line)
        if m:
            # A model of many layers has its run split into functions; a
            # buffer live across a split is declared again in each, the same.
            d = {"offset": int(m.group(2)), "shape": m.group(3), "layout": m.group(4) or "nchw",
                 "first": int(m.group(5)), "last": int(m.group(6))}
            if m.group(1) in declared and declared[m.group(1)] != d:
                raise ValueError("%s declared twice, differently: %s and %s" % (m.group(1), declared[m.group(1)], d))
            if m.group(1) not in declared:
                declared[m.group(1)] = d
                decls.append(d)
            continue
        m = LAYER.match(line)
        if m:
            name, op, rest = m.groups()
            cur = {"op": op, "rest": rest, "body": []}
            layers[name] = cur
            order.append(name)
            continue
        if line.startswith("}"):
            cur = None
        elif cur is not None:
            cur["body"].append(line)
    for name, l in layers.items():
        rest, body = l["rest"], "\n".join(l["body"])
        l["call"] = body
        l["out_channels"] = int(re.search(r"-> (\d+)x(\d+)", rest).group(2)) if "->" in rest else 0
        l["act"], l["residual"], l["bias"], l["scratch"], l["algo"] = None, False, False, 0, "-"
        if l["op"] == "linear":  # a fused activation: in the epilogue it passes rt_linear_ep
            m = re.search(r"const rt_epilogue ep = \{[^,]*, [^,]*, RT_ACT_(\w+),", body)
            l["act"] = m.group(1) if m else None
        if l["op"] in ("conv2d", "conv_transpose2d"):
            m = re.search(r", (\w+), (nchw|nhwc|nchw8c)(?:, then([^,]*))?(?:, (\d+) bytes scratch)?$", rest)
            if not m:
                raise ValueError("unparsed conv2d comment: " + rest)
            l["algo"], l["layout"] = m.group(1), m.group(2)
            then = (m.group(3) or "").split()
            l["bias"] = "+bias" in then
            l["residual"] = "+residual" in then
            acts = [t for t in then if not t.startswith("+")]
            l["act"] = acts[0] if acts else None
            l["scratch"] = int(m.group(4) or 0)
        elif l["op"] == "reorder":
            m = re.search(r", (\w+) -> (\w+)$", rest)
            l["from"], l["layout"] = m.group(1), m.group(2)
        else:
            m = re.search(r", (nhwc|nchw8c)$", rest)
            cl = CL_CALL.search(body)
            if m:
                l["layout"] = m.group(1)
            elif cl:  # pools: the comment gives the window; the call, the chunk
                l["layout"] = "nchw8c" if int(cl.group(1)) == 8 else "nhwc"
                l["chunk"] = int(cl.group(1))
            else:
                l["layout"] = "nchw"
    ws = re.search(r"#define \w+_WORKSPACE_BYTES (\d+)", h_text)
    return {"layers": layers, "order": order, "decls": decls, "folded": folded,
            "workspace": int(ws.group(1)) if ws else None, "weights": weights_of(c_text.splitlines(), c_text)}


def weight_bytes_differ(want, got):
    """Why report's want bytes are not the C's got = [bytes, tensors,
    exact], or None."""
    size, tensors, exact = got
    if exact and want != size:
        return "%d bytes in the report, %d in the C's arrays" % (want, size)
    if not exact and not want <= size < want + 64 * tensors:
        return "%d bytes in the report, %d in the C's %d slots of the blob" % (want, size, tensors)
    return None


def conv_call_ok(algo, layout, call, op="conv2d"):
    """Whether a conv2d's (or conv_transpose2d's) call is the kernel of its
    algorithm and layout."""
    if op == "conv_transpose2d":
        return layout == "nchw" and re.search(r"\brt_conv_transpose2d_%s\(" % algo, call) is not None
    if layout != "nchw":
        return re.search(r"\brt_conv2d_(dw_)?cl\(", call) is not None and algo in ("direct", "gemm")
    kernels = {
        "direct": r"\brt_conv2d_(direct|direct_ep|depthwise)\(",
        "gemm": r"\brt_conv2d_gemm(_pro)?\(",
        "im2col": r"\brt_conv2d_gemm(_pro)?\(",
        "stem": r"\brt_conv2d_stem\(",
        "winograd2": r"\brt_conv2d_winograd\(&p, 2,",
        "winograd4": r"\brt_conv2d_winograd\(&p, 4,",
    }
    return algo in kernels and re.search(kernels[algo], call) is not None


def compare(rep, c):
    """Every way report and the generated C disagree, as messages."""
    errs = []
    layers = c["layers"]
    rows = [l for l in rep["layers"] if l["op"] not in ("input", "param")]  # no code: the caller's, the weights
    reorders = {r["name"]: r for r in rep.get("reorders", [])}
    running = {l["runs_as"] for l in rows if l["runs_as"]} | set(reorders)
    if running != set(layers):
        errs.append("layers that run: report %s, C %s" % (sorted(running - set(layers)), sorted(set(layers) - running)))
    claimed_act, claimed_res, claimed_bn, claimed_pro = {}, {}, set(), {}
    for l in rows:
        name, op, note, r = l["name"], l.get("runs_as_op", l["op"]), l.get("note") or "", l["runs_as"]
        where = "%s (%s, line %d)" % (name, op, l["line"])
        if r is None:
            if not note:
                errs.append("%s: does not run, and the report does not say why" % where)
            if name in layers:
                errs.append("%s: report says it does not run, the C runs it" % where)
            if l["layout"] != "-" or l["algorithm"] != "-" or l["workspace_bytes"]:
                errs.append("%s: does not run, yet has layout %s, algorithm %s, workspace %d"
                            % (where, l["layout"], l["algorithm"], l["workspace_bytes"]))
        elif r != name:
            errs.append("%s: runs as %s, another name" % (where, r))
        m = re.match(r"folded into (\S+)$", note)
        if op == "batch_norm" and m:
            x = m.group(1)
            claimed_bn.add(x)
            if x not in c["folded"]:
                errs.append("%s: report says folded into %s; the C's %s.weight is not" % (where, x, x))
            if x in layers and layers[x]["op"] == "conv2d" and not layers[x]["bias"]:
                errs.append("%s: folded into %s, whose epilogue adds no bias" % (where, x))
        elif op == "batch_norm" and note.startswith("not folded") and name not in layers:
            errs.append("%s: report says %r; the C has no such layer" % (where, note))
        m = re.match(r"applied by (\S+) as it reads its input( \(with the relu after it\))?$", note)
        if m:  # a batch norm (fuse_prologue), and its relu: the conv's rt_conv2d_gemm_pro reads through them
            x = m.group(1)
            claimed_pro[x] = claimed_pro.get(x, 0) + (1 if op == "batch_norm" else 0)
            call = layers[x]["call"] if x in layers else ""
            relu = re.search(r"\brt_conv2d_gemm_pro\(&p, \d+, \w+, \w+, \w+, (\d),", call)
            if not relu:
                errs.append("%s: applied by %s; the C's %s does not read through a batch norm" % (where, x, x))
            elif op == "relu" and relu.group(1) != "1":
                errs.append("%s: applied by %s; the C's %s applies no relu to its input" % (where, x, x))
        m = re.match(r"fused into (\S+)( as its residual)?( \(its slopes per output channel\))?$", note)
        if m:
            x, residual = m.group(1), bool(m.group(2))
            cx = layers.get(x)
            if cx is None:
                errs.append("%s: fused into %s, which the C does not run" % (where, x))
            elif residual:
                claimed_res[x] = claimed_res.get(x, 0) + 1
                if not cx["residual"]:
                    errs.append("%s: fused into %s as its residual; the C's %s adds none" % (where, x, x))
            else:
                claimed_act[x] = claimed_act.get(x, 0) + 1
                if cx["act"] != ("LEAKY_RELU" if op == "prelu" else ACTS.get(op)):  # prelu: per-channel slopes
                    errs.append("%s: fused into %s; the C's %s applies %s" % (where, x, x, cx["act"]))
        if r is None or r not in layers:
            continue
        cl = layers[r]
        if cl["op"] != op:
            errs.append("%s: the C runs it as %s" % (where, cl["op"]))
        if l["layout"] != cl["layout"]:
            if not (cl.get("chunk") == 8 and cl["out_channels"] == 8 and l["layout"] in ("nhwc", "nchw8c")):
                errs.append("%s: layout %s, the C's %s" % (where, l["layout"], cl["layout"]))
        if op in ("conv2d", "conv_transpose2d"):
            if l["algorithm"] != cl["algo"]:
                errs.append("%s: algorithm %s, the C's %s" % (where, l["algorithm"], cl["algo"]))
            if l["workspace_bytes"] != cl["scratch"]:
                errs.append("%s: workspace %d bytes, the C's scratch %d" % (where, l["workspace_bytes"], cl["scratch"]))
            if not conv_call_ok(cl["algo"], cl["layout"], cl["call"], op):
                errs.append("%s: the C's call is not the %s kernel (%s)" % (where, cl["algo"], cl["layout"]))
    for x, cx in layers.items():
        if cx["act"] and claimed_act.get(x) != 1:
            errs.append("%s: the C applies %s; %d report rows say they fused into it" % (x, cx["act"], claimed_act.get(x, 0)))
        if cx["residual"] and claimed_res.get(x) != 1:
            errs.append("%s: the C adds a residual; %d report rows say they fused into it" % (x, claimed_res.get(x, 0)))
    for x, cx in layers.items():
        if re.search(r"\brt_conv2d_gemm_pro\(", cx["call"] or "") and claimed_pro.get(x) != 1:
            errs.append("%s: the C reads its input through a batch norm; %d report rows say so" % (x, claimed_pro.get(x, 0)))
    for x in c["folded"] - claimed_bn:
        errs.append("%s: the C folded a batch norm in; no report row says so" % x)
    for name, ro in reorders.items():
        cr = layers.get(name)
        if not cr or cr["op"] != "reorder" or (cr["from"], cr["layout"]) != (ro["from"], ro["to"]):
            errs.append("reorder %s: report %s -> %s, the C %s" % (name, ro["from"], ro["to"],
                                                                  "%s -> %s" % (cr["from"], cr["layout"]) if cr else "none"))
    stored = {}
    for l in rep["layers"]:
        if l["runs_as"] is not None:
            stored[l["runs_as"]] = stored.get(l["runs_as"], 0) + l["program_weight_bytes"]
        elif l["program_weight_bytes"]:
            errs.append("%s: does not run, yet holds %d bytes of weights" % (l["name"], l["program_weight_bytes"]))
    for x in sorted(set(stored) | set(c["weights"])):
        why = weight_bytes_differ(stored.get(x, 0), c["weights"].get(x, [0, 0, True]))
        if why:
            errs.append("%s: program weights: %s" % (x, why))
    total = [sum(w[i] for w in c["weights"].values()) for i in (0, 1)]
    why = weight_bytes_differ(rep["total"]["program_weight_bytes"], total + [all(w[2] for w in c["weights"].values())])
    if why:
        errs.append("total program weights: " + why)
    arena = rep["total"]["arena_bytes"]
    if (arena or 64) != c["workspace"]:  # the emitter declares no empty array: 64 bytes at least
        errs.append("arena_bytes %s, the C's WORKSPACE_BYTES %s" % (arena, c["workspace"]))
    bufs = [t for t in rep["tensors"] if t["buffer"] == "workspace"]
    # a model over 256 layers runs as several functions, each declaring
    # the buffers it uses: a buffer may be declared more than once
    got = sorted({(d["offset"], d["first"], d["last"]) for d in c["decls"]})
    want = sorted((t["offset"], t["first"], t["last"]) for t in bufs)
    if got != want:
        errs.append("workspace buffers (offset, first, last): report %s, the C %s" % (want[:6], got[:6]))
    for t in rep["tensors"]:
        if t["buffer"] != "scratch":
            continue
        x = t["name"][: -len(".scratch")]
        if x not in layers or "(ws + %d)" % t["offset"] not in layers[x]["call"]:
            errs.append("%s: scratch at %d in the report, not in the C's call" % (t["name"], t["offset"]))
    return errs


def run(args):
    r = subprocess.run([CNNC, *args], cwd=REPO, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError("cnnc %s exited %d: %s" % (" ".join(args), r.returncode, r.stderr.strip()[-500:]))
    return r.stdout


def check(model, opts, tmp, index):
    """(case name, errors, report) of one model at one set of options."""
    case = " ".join([os.path.relpath(model, REPO)] + opts)
    prefix = os.path.join(tmp, "case%d" % index)
    try:
        rep = json.loads(run(["report", model, "--json", *opts]))
        run(["compile", model, "--random-weights", "1", "-o", prefix, *opts])
        with open(prefix + ".c") as f, open(prefix + ".h") as h:
            c = parse_c(f.read(), h.read())
        for ext in (".c", ".h", ".weights"):
            if os.path.exists(prefix + ext):
                os.remove(prefix + ext)
        errs = compare(rep, c)
        if "-Os" in opts:  # no transform that grows the weights: no Winograd
            errs += ["%s: %s at -Os" % (n, l["algo"]) for n, l in c["layers"].items() if l["algo"].startswith("winograd")]
        return case, errs, rep
    except (RuntimeError, ValueError, KeyError, AttributeError, subprocess.TimeoutExpired) as e:
        return case, ["%s: %s" % (type(e).__name__, e)], None


def unused_reader_folds(rep):
    """The issue's case: the unused sigmoid must not keep bn1 from folding."""
    rows = {l["name"]: l for l in rep["layers"]}
    errs = []
    if rows["bn1"].get("note") != "folded into c1" or rows["bn1"]["runs_as"] is not None:
        errs.append("bn1: %r, expected 'folded into c1'" % rows["bn1"].get("note"))
    relu = [l for l in rep["layers"] if l["op"] == "relu"]
    if len(relu) != 1 or relu[0].get("note") != "fused into c1":
        errs.append("relu: %r, expected 'fused into c1'" % [l.get("note") for l in relu])
    sig = [l for l in rep["layers"] if l["op"] == "sigmoid"]
    if len(sig) != 1 or sig[0]["runs_as"] is not None:
        errs.append("sigmoid: expected removed, got %r" % sig)
    return errs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-j", type=int, default=2, help="cases run at once (default 2)")
    ap.add_argument("--only", help="comma-separated model names")
    args = ap.parse_args()
    models = sorted(glob.glob(os.path.join(REPO, "models", "*.lua")))
    models += sorted(glob.glob(os.path.join(REPO, "tests", "golden", "nets", "*.lua")))
    models.append(UNUSED_READER)
    if args.only:
        only = set(args.only.split(","))
        models = [m for m in models if os.path.basename(m)[:-4] in only]
    cases = [(m, o) for m in models for o in OPTIONS if not o or os.path.basename(m)[:-4] not in SLOW]
    cases.sort(key=lambda c: os.path.basename(c[0])[:-4] not in SLOW)  # the slow ones first
    start = time.time()
    failed = []
    with tempfile.TemporaryDirectory() as tmp, concurrent.futures.ThreadPoolExecutor(args.j) as pool:
        for (model, opts), (case, errs, rep) in zip(cases, pool.map(lambda i: check(*cases[i], tmp, i), range(len(cases)))):
            if model == UNUSED_READER and rep is not None and opts != ["-O0"]:
                errs = errs + unused_reader_folds(rep)
            print("%-4s %s" % ("ok" if not errs else "FAIL", case))
            for e in errs[:12]:
                print("     " + e)
            if errs:
                failed.append(case)
    print("%d cases, %d failed (%.0f s)" % (len(cases), len(failed), time.time() - start))
    for f in failed:
        print("failed: " + f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
