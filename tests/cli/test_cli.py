#!/usr/bin/python3
"""The command line as a user meets it: exit codes, atomic outputs, determinism.

- compiling the same inputs twice, from different working directories,
  gives byte-identical files (C, header, weight blob);
- a compile that fails (bad weights) leaves the earlier outputs untouched
  and no temporary files behind; so does a build whose C compiler fails;
- usage errors exit 2, input errors exit 1;
- --dump-ir=PASS prints the IR after that pass (every run of it), and
  says so when the pass did not run; --help lists the passes;
- `cnnc build` prints the compiler command it ran;
- chunk and split pieces whose channels are contiguous in their input
  (batch 1, NCHW or NCHW8c on block borders, above -O0), and values
  written into a concat's channels, are views in the report's memory
  plan, the others buffers of their own;
- a generated program rejects a .npy of the wrong shape or dtype with exit
  1 and a message, and leaves no output file;
- a big model's program refuses a weight blob other than its own (one
  flipped bit) with exit 1;
- weights go to the blob by their packed size (Winograd's are 4x raw), so
  no model makes a C array of many megabytes;
- layer names that make the same C identifier build;
- generated C compiled against a runtime whose kernel takes more scratch
  than its cnnc planned (C kept from an older cnnc) stops at compile time;
  so does C compiled against a runtime of another version (RT_ABI), and
  its object compiled against its own does not link with the other;
- the packed weights of a layer of each packing (rt_gemm's panels for
  im2col and conv_transpose2d, Winograd's U at F(2x2) and F(4x4), NHWC
  and NCHW8c convs dense, grouped and depthwise, a linear, int8's conv,
  grouped, depthwise and linear) are those fingerprinted for this
  RT_ABI: a change to how the compiler lays them out fails here until
  RT_ABI is bumped;
- -Os and --prefer size are one option: resnet18's weights in the program
  stay within 1% of its parameters' bytes (twice that at -O2).
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import safetensors_io  # noqa: E402

CNNC = os.path.abspath(os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc"))
LENET = os.path.join(REPO, "models", "lenet5.lua")
RESNET = os.path.join(REPO, "models", "resnet18.lua")
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(what)


def run(args, cwd=None, env=None):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)


def digest(paths):
    return {os.path.basename(p): hashlib.sha256(open(p, "rb").read()).hexdigest() for p in paths}


# The fingerprint of abi_fingerprint's packed weights under each RT_ABI.
# When it fails: if a change lays weights out differently for a kernel,
# bump RT_ABI in runtime/cnnrt.h and add the new fingerprint here; if the
# layout is the same and only the values moved (another algorithm chosen
# for these layers, int8 weights rounded otherwise), replace this ABI's.
FINGERPRINTS = {1: "5651a3997ab58add"}


def packed_weights(c_file):
    """The values of the weight arrays of generated C (w_*weight*, not
    biases, scales or epilogues), each as its declared type's bits, in
    order; and its blob, if it has one."""
    with open(c_file) as f:
        text = f.read()
    h = hashlib.sha256()
    for ctype, body in re.findall(r"^static const ([\w ]+) w_\w*weight\w*\[\d+\] = \{(.*?)\};$", text,
                                  re.S | re.M):
        body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)  # int8's "two's complement" note
        vals = [float(v.strip().rstrip("uU")) for v in body.split(",") if v.strip()]
        h.update(np.array(vals, np.float32 if ctype == "float" else np.int64).tobytes() + b";")
    blob = os.path.splitext(c_file)[0] + ".weights"
    if os.path.exists(blob):
        with open(blob, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def runtime_abi(header):
    """RT_ABI as the text of a cnnrt.h defines it."""
    return int(re.search(r"^#define RT_ABI (\d+)$", header, re.M).group(1))


def abi_fingerprint(tmp):
    """A layer of each packing, weights random with seed 1, fingerprinted
    together: rt_gemm's panels (im2col; conv_transpose2d's, transposed),
    Winograd's U at F(4x4) and F(2x2), the NHWC and NCHW8c convs (dense,
    grouped, depthwise), a linear; then int8 (dense, grouped, depthwise
    and linear) of a net with weights and calibration data from numpy's
    RandomState (a stream numpy keeps fixed), its weights only: the
    scales come out of calibration's float sums."""
    d = os.path.join(tmp, "abi")
    os.makedirs(d)
    head = 'local x = input {{ name = "x", shape = {{ 1, 12, {h}, {w} }} }}\n'
    net = head + ('x = x:conv2d {{ name = "conv", out_channels = 36, kernel_size = 3, stride = {s}, padding = 1 }}\n'
                  'x = x:conv2d {{ name = "dw", out_channels = 36, kernel_size = 3, padding = 1, groups = 36 }}\n'
                  'return x:conv2d {{ name = "grp", out_channels = 24, kernel_size = 3, padding = 1, groups = 4 }}\n')
    misc = head + ('x = x:conv_transpose2d {{ name = "up", out_channels = 13, kernel_size = 3, stride = 2, '
                   'padding = 1 }}\n'
                   'return x:flatten():linear {{ name = "fc", out_features = 7 }}\n')
    cases = (("gemm", net.format(h=9, w=11, s=2), ["--algo", "im2col"], ("im2col", "nchw")),
             ("winograd4", net.format(h=30, w=30, s=1), ["--algo", "winograd"], ("winograd4", "nchw")),
             ("winograd2", net.format(h=7, w=7, s=1), ["--algo", "winograd"], ("winograd2", "nchw")),
             ("nhwc", net.format(h=9, w=11, s=1), ["--layout", "nhwc"], ("direct", "nhwc")),
             ("blocked", net.format(h=9, w=11, s=1), ["--layout", "blocked"], ("direct", "nchw8c")),
             ("misc", misc.format(h=5, w=6), [], None))
    prints = []
    for name, text, flags, want in cases:
        model = os.path.join(d, name + ".lua")
        with open(model, "w") as f:
            f.write(text)
        r = run([CNNC, "compile", model, "--random-weights", "1", "-o", name] + flags, cwd=d)
        c_file = os.path.join(d, name + ".c")
        note = ""  # the conv's comment in the C: "conv (...): conv2d ..., im2col, nchw, then ..."
        if r.returncode == 0:
            with open(c_file) as f:
                note = next((line for line in f if line.startswith("\t/* conv (")), "")
        check(f"ABI fingerprint, {name}: compiles" + (f", the conv by {want[0]} in {want[1]}" if want else ""),
              r.returncode == 0 and (not want or f", {want[0]}, {want[1]}," in note), r.stderr + note)
        if r.returncode == 0:
            prints.append(packed_weights(c_file))
    rs = np.random.RandomState(7)
    shapes = {"conv": (8, 3, 3, 3), "grp": (8, 4, 3, 3), "dw": (8, 1, 3, 3), "fc": (5, 8 * 6 * 7)}
    tensors = {}
    for layer, shape in shapes.items():
        tensors[layer + ".weight"] = (rs.standard_normal(shape) / np.sqrt(np.prod(shape[1:]))).astype(np.float32)
        tensors[layer + ".bias"] = (rs.standard_normal(shape[0]) * 0.1).astype(np.float32)
    safetensors_io.write(os.path.join(d, "q8.safetensors"), tensors)
    calib = os.path.join(d, "calib.npy")
    np.save(calib, rs.standard_normal((3, 3, 11, 13)).astype(np.float32))
    with open(os.path.join(d, "q8.lua"), "w") as f:
        f.write('local x = input { name = "x", shape = { 1, 3, 11, 13 } }\n'
                'x = x:conv2d { name = "conv", out_channels = 8, kernel_size = 3, stride = 2, padding = 1 }:relu()\n'
                'x = x:conv2d { name = "grp", out_channels = 8, kernel_size = 3, padding = 1, groups = 2 }:relu()\n'
                'x = x:conv2d { name = "dw", out_channels = 8, kernel_size = 3, padding = 1, groups = 8 }\n'
                'return x:flatten():linear { name = "fc", out_features = 5 }\n')
    r = run([CNNC, "quantize", "q8.lua", "--weights", "q8.safetensors", "--calibrate", calib, "-o", "q.safetensors"],
            cwd=d)
    if r.returncode == 0:
        r = run([CNNC, "compile", "q8.lua", "--weights", "q.safetensors", "-o", "int8"], cwd=d)
    check("ABI fingerprint, int8: quantizes and compiles", r.returncode == 0, r.stderr)
    if r.returncode == 0:
        prints.append(packed_weights(os.path.join(d, "int8.c")))
    with open(os.path.join(REPO, "runtime", "cnnrt.h")) as f:
        abi = runtime_abi(f.read())
    got = hashlib.sha256(" ".join(prints).encode()).hexdigest()[:16]
    check(f"the packed weights are RT_ABI {abi}'s (bump RT_ABI in runtime/cnnrt.h when the compiler lays "
          f"weights out otherwise: tests/cli/test_cli.py, FINGERPRINTS)", FINGERPRINTS.get(abi) == got,
          f"fingerprint {got}, recorded {FINGERPRINTS.get(abi)}")


def main():
    tmp = tempfile.mkdtemp(prefix="cnnc-cli-")
    try:
        abi_fingerprint(tmp)
        a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b", "deeper")
        os.makedirs(a)
        os.makedirs(b)
        # determinism: same model and seed, different cwd and relative paths
        for model, blob in ((LENET, False), (RESNET, True)):
            r1 = run([CNNC, "compile", model, "--random-weights", "3", "-o", "net"], cwd=a)
            r2 = run([CNNC, "compile", os.path.relpath(model, b), "--random-weights", "3", "-o", "net"], cwd=b)
            check(f"compile {os.path.basename(model)} succeeds", r1.returncode == 0 and r2.returncode == 0,
                  r1.stderr + r2.stderr)
            files = ["net.c", "net.h"] + (["net.weights"] if blob else [])
            same = digest([os.path.join(a, f) for f in files]) == digest([os.path.join(b, f) for f in files])
            check(f"{os.path.basename(model)}: byte-identical output from two working directories", same)

        # the blob rule counts the floats emitted: 256 -> 256 3x3 is 2.4 MB of
        # weights but 9.4 MB Winograd-transformed, which as a C array would be
        # a 38 MB file that gcc takes minutes over
        wide = os.path.join(tmp, "wide.lua")
        with open(wide, "w") as f:
            f.write('local x = input { name = "x", shape = { 1, 256, 14, 14 } }\n'
                    'return x:conv2d { name = "conv", out_channels = 256, kernel_size = 3, padding = 1 }\n')
        w = os.path.join(tmp, "w")
        os.makedirs(w)
        r = run([CNNC, "compile", wide, "--random-weights", "1", "-o", "net"], cwd=w)
        rep = run([CNNC, "report", wide])
        check("2.4 MB of weights, 9.4 MB packed: compiles", r.returncode == 0 and "winograd4" in rep.stdout,
              r.stderr + rep.stdout)
        if r.returncode == 0:
            blob = os.path.join(w, "net.weights")
            check("2.4 MB of weights, 9.4 MB packed: the packed weights go to net.weights",
                  os.path.exists(blob) and os.path.getsize(blob) >= 9 << 20, str(os.listdir(w)))
            size = os.path.getsize(os.path.join(w, "net.c"))
            check("2.4 MB of weights, 9.4 MB packed: net.c under 1 MB", size < 1 << 20, f"{size} bytes")
            # generated C kept from an older cnnc, compiled against a runtime
            # whose kernel takes more scratch than that cnnc planned, stops at
            # compile time naming the layer (it would overflow the
            # workspace); against its own runtime it compiles. Winograd's
            # band grown; then im2col's areas: one when the weights stream
            # (4.7 MB here), one a thread otherwise, by the runtime's rule,
            # so a runtime that caches more weights needs 4, not the one
            # planned
            s2 = os.path.join(tmp, "s2.lua")
            with open(s2, "w") as f:
                f.write('local x = input { name = "x", shape = { 1, 256, 14, 14 } }\n'
                        'return x:conv2d { name = "down", out_channels = 512, kernel_size = 3, stride = 2, '
                        'padding = 1 }\n')
            r = run([CNNC, "compile", s2, "--random-weights", "1", "--threads", "4", "-o", "s2"], cwd=w)
            check("im2col layer on 4 threads: compiles", r.returncode == 0, r.stderr)
            alt = os.path.join(tmp, "alt_runtime")
            shutil.copytree(os.path.join(REPO, "runtime"), alt)
            hdr = os.path.join(alt, "cnnrt.h")
            for what, c_file, layer, old, new in (
                    ("Winograd's band", "net.c", "conv", "#define RT_WINOGRAD_BAND_LEAD 64",
                     "#define RT_WINOGRAD_BAND_LEAD 4096"),
                    ("im2col on 4 threads, an area a thread", "s2.c", "down", "#define RT_GEMM_A_CACHED (512 * 1024)",
                     "#define RT_GEMM_A_CACHED (64 * 1024 * 1024)")):
                text = open(hdr).read()
                check(f"cnnrt.h has '{old}'", old in text)
                with open(hdr, "w") as f:
                    f.write(text.replace(old, new))
                cc = ["cc", "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", "-fsyntax-only", c_file]
                r = run(cc + ["-I", os.path.join(REPO, "runtime")], cwd=w)
                check(f"{c_file} compiles against its own runtime", r.returncode == 0, r.stderr)
                r = run(cc + ["-I", alt], cwd=w)
                check(f"{c_file} against a runtime needing more scratch ({what}): the build stops naming the layer",
                      r.returncode != 0 and f"rt_scratch_of_{layer}_is_short_for_this_runtime" in r.stderr,
                      r.stderr[-1500:])
            # ... and against a runtime of another version, whose kernels
            # may read the weights in another order, it stops saying so;
            # compiled against its own, it does not link with the other
            other = os.path.join(tmp, "other_runtime")
            shutil.copytree(os.path.join(REPO, "runtime"), other)
            with open(os.path.join(other, "cnnrt.h")) as f:
                text = f.read()
            abi = runtime_abi(text)
            with open(os.path.join(other, "cnnrt.h"), "w") as f:
                f.write(text.replace(f"#define RT_ABI {abi}\n", f"#define RT_ABI {abi + 1}\n"))
            r = run(["cc", "-std=c99", "-fsyntax-only", "-I", other, "net.c"], cwd=w)
            check("net.c against a runtime of another RT_ABI: the build stops saying to regenerate it",
                  r.returncode != 0 and f"generated for runtime version (RT_ABI) {abi}" in r.stderr, r.stderr[-1500:])
            lib = os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "lib", "libcnnrt-generic.a")
            if "/asan" in lib:  # the ASan build's cnnc writes the same C; the plain runtime links it
                lib = os.path.join(REPO, "build", "lib", "libcnnrt-generic.a")
            other_lib = os.path.join(tmp, "libother.a")
            shutil.copy(lib, other_lib)
            with open(os.path.join(w, "main.c"), "w") as f:
                f.write("int main(void) { return 0; }\n")
            steps = [["cc", "-std=c99", "-I", os.path.join(REPO, "runtime"), "-c", "net.c", "-o", "net.o"],
                     ["cc", "-std=c99", "-I", other, "-c", os.path.join(other, "abi.c"), "-o", "abi.o"],
                     ["ar", "d", other_lib, "abi.o"], ["ar", "r", other_lib, "abi.o"]]
            r = None
            for cmd in steps:
                r = run(cmd, cwd=w)
                if r.returncode:
                    break
            check("a runtime of another RT_ABI built", r.returncode == 0, " ".join(cmd) + ": " + r.stderr)
            for what, with_lib, ok in (("its own runtime: links", lib, True),
                                       ("a runtime of another RT_ABI: does not link, naming the version",
                                        other_lib, False)):
                r = run(["cc", "main.c", "net.o", with_lib, "-lm", "-pthread", "-o", "prog"], cwd=w)
                check(f"net.o compiled against its runtime, linked with {what}",
                      r.returncode == 0 if ok else r.returncode != 0 and f"rt_abi_{abi}" in r.stderr,
                      r.stderr[-1500:])

        # layer names that make the same C identifier ("a.b", "a_b", "a-b")
        # and one named as the first rename ("a_b_4") get names of their
        # own: the program builds
        nm = os.path.join(tmp, "names.lua")
        with open(nm, "w") as f:
            f.write('local x = input { name = "x", shape = { 1, 3, 9, 9 } }\n')
            prev = "x"
            for i, name in enumerate(("a_b_4", "a.b", "a_b", "a-b")):
                f.write(f'local v{i} = {prev}:conv2d {{ name = "{name}", out_channels = 4, kernel_size = 3, '
                        'padding = 1 }\n')
                prev = f"v{i}"
            f.write(f"return {prev}\n")
        r = run([CNNC, "build", nm, "--random-weights", "1", "-o", os.path.join(tmp, "names")])
        check("layers named a_b_4, a.b, a_b, a-b: the program builds", r.returncode == 0, r.stderr[-1500:])

        # a prelu's slopes are a learned tensor, NAME.weight: missing, or of
        # the wrong length, the error names the key and the shape needed
        pm = os.path.join(tmp, "prelu.lua")
        with open(pm, "w") as f:
            f.write('local x = input { name = "x", shape = { 1, 3, 4, 4 } }\n'
                    'return x:prelu { name = "act", num_parameters = 3 }\n')
        for key, n, want in (("other", 3, "missing tensor 'act.weight' (prelu 'act' at prelu.lua:2 needs shape [3])"),
                             ("act.weight", 1, "tensor 'act.weight' has shape [1], but prelu 'act' at prelu.lua:2 "
                                               "needs [3]")):
            st = os.path.join(tmp, "prelu.safetensors")
            head = json.dumps({key: {"dtype": "F32", "shape": [n], "data_offsets": [0, 4 * n]}}).encode()
            with open(st, "wb") as f:
                f.write(len(head).to_bytes(8, "little") + head + np.full(n, 0.25, np.float32).tobytes())
            r = run([CNNC, "compile", "prelu.lua", "--weights", st, "-o", "pnet"], cwd=tmp)
            check(f"prelu weight '{key}' [{n}]: exit 1 naming it", r.returncode == 1 and want in r.stderr, r.stderr)

        # atomic outputs: a failing compile leaves the previous files as they were
        before = digest([os.path.join(a, f) for f in ("net.c", "net.h", "net.weights")])
        bad = os.path.join(tmp, "bad.safetensors")
        with open(bad, "wb") as f:
            f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
        r = run([CNNC, "compile", RESNET, "--weights", bad, "-o", "net"], cwd=a)
        check("bad weights: exit 1", r.returncode == 1, f"exit {r.returncode}: {r.stderr}")
        check("bad weights: message names the file", "bad.safetensors" in r.stderr, r.stderr)
        after = digest([os.path.join(a, f) for f in ("net.c", "net.h", "net.weights")])
        check("bad weights: earlier outputs untouched", before == after)
        check("bad weights: no temporary files left", sorted(os.listdir(a)) == ["net.c", "net.h", "net.weights"],
              str(os.listdir(a)))

        # failing half-way: net.h and net.c are being written when the blob
        # cannot be created (a directory is in its way)
        c = os.path.join(tmp, "c")
        os.makedirs(os.path.join(c, "net.weights"))
        with open(os.path.join(c, "net.c"), "w") as f:
            f.write("/* the user's earlier file */\n")
        r = run([CNNC, "compile", RESNET, "--random-weights", "3", "-o", "net"], cwd=c)
        check("blob cannot be written: exit 1", r.returncode == 1, f"exit {r.returncode}: {r.stderr}")
        check("blob cannot be written: earlier net.c untouched, no net.h, no temporaries",
              open(os.path.join(c, "net.c")).read() == "/* the user's earlier file */\n"
              and sorted(os.listdir(c)) == ["net.c", "net.weights"], str(os.listdir(c)))

        # a build whose C compiler fails leaves no program
        env = dict(os.environ, CC="false")
        r = run([CNNC, "build", LENET, "--random-weights", "1", "-o", os.path.join(tmp, "prog")], env=env)
        check("failing C compiler: exit 1 and no program", r.returncode == 1 and not os.path.exists(
            os.path.join(tmp, "prog")), f"exit {r.returncode}")

        # usage errors
        for args in (["frobnicate"], ["compile", LENET], ["check"], ["check", LENET, "--batch", "0"],
                     ["compile", LENET, "--random-weights", "1", "--algo", "fastest"]):
            r = run([CNNC] + args)
            check("usage error exits 2: cnnc " + " ".join(os.path.basename(x) for x in args), r.returncode == 2,
                  f"exit {r.returncode}: {r.stderr}")
        r = run([CNNC, "compile", LENET, "--random-weights", "1", "--layout", "nhwc16"])
        check("unknown --layout: exit 2 naming the accepted layouts",
              r.returncode == 2 and "auto, nchw, nhwc, blocked" in r.stderr and "'nhwc16'" in r.stderr,
              f"exit {r.returncode}: {r.stderr}")
        # a forced layout shows in the report: every conv's layout, and the reorders
        r = run([CNNC, "report", LENET, "--layout", "nhwc", "--json"])
        rep = json.loads(r.stdout) if r.returncode == 0 else {}
        convs = [l for l in rep.get("layers", []) if l["op"] == "conv2d"]
        check("report --layout nhwc: convs nhwc, a reorder in and one out",
              convs and all(l["layout"] == "nhwc" for l in convs)
              and [(x["from"], x["to"]) for x in rep.get("reorders", [])] == [("nchw", "nhwc"), ("nhwc", "nchw")],
              r.stdout[-2000:] + r.stderr)
        # chunk and split pieces whose channels are contiguous in their
        # input are read in place: "view" tensors in the plan, no buffer;
        # so is a value written into a concat's channels (NCHW, batch 1)
        views_net = os.path.join(REPO, "tests", "golden", "nets", "chunk_views.lua")
        for flags, want in (([], {"split_1": ("x", 0), "split_2": ("x", 1120), "chunk_5": ("c1", 0),
                                  "chunk_6": ("c1", 1120), "chunk_7": ("c1", 2240), "split_8": ("c1", 1120),
                                  "split_9": ("c1", 1540), "c2": ("concat_11", 0), "split_15": ("mean_14", 0),
                                  "split_16": ("mean_14", 24)}),
                            (["--layout", "blocked"], {"split_1": ("x.to_nchw8c", 0), "split_2": ("x.to_nchw8c", 1120),
                                                       "chunk_5": ("c1", 0), "chunk_6": ("c1", 1120),
                                                       "chunk_7": ("c1", 2240), "split_15": ("mean_14", 0),
                                                       "split_16": ("mean_14", 24)}),
                            (["--layout", "nhwc"], {"split_15": ("mean_14", 0), "split_16": ("mean_14", 24)}),
                            (["-O0"], {}), (["--batch", "2"], {})):
            r = run([CNNC, "report", views_net, "--json"] + flags)
            rep = json.loads(r.stdout) if r.returncode == 0 else {}
            got = {t["name"]: (t["of"], t["offset"]) for t in rep.get("tensors", []) if t["buffer"] == "view"}
            own = {t["name"] for t in rep.get("tensors", []) if t["buffer"] != "view"}
            check("report --json %s: pieces read in place are views, the rest buffers" % " ".join(flags),
                  r.returncode == 0 and got == want and not own & set(want),
                  "got %s, want %s\n%s" % (got, want, r.stderr))
        r = run([CNNC, "check", os.path.join(tmp, "missing.lua")])
        check("missing model file exits 1", r.returncode == 1, r.stderr)

        # --dump-ir=PASS: the IR after that pass, on stderr; the pass names in --help
        r = run([CNNC, "report", LENET, "--dump-ir=fuse"])
        conv1 = [l for l in r.stderr.splitlines() if " name=conv1 " in l]
        check("--dump-ir=fuse: '# after fuse', conv1 with the relu fused",
              r.returncode == 0 and r.stderr.startswith("# after fuse\n") and conv1 and " act=relu" in conv1[0],
              r.stderr[-2000:])
        r = run([CNNC, "compile", LENET, "--random-weights", "1", "-o", os.path.join(tmp, "d"), "--dump-ir=dce"])
        check("--dump-ir=dce: one dump per run of dce (two)", r.returncode == 0 and r.stderr.count("# after dce\n") == 2,
              r.stderr[-2000:])
        r = run([CNNC, "check", LENET, "--dump-ir"])
        check("--dump-ir alone: after shapes", r.returncode == 0 and r.stderr.startswith("# after shapes\n"), r.stderr)
        r = run([CNNC, "report", LENET, "--dump-ir=frobnicate"])
        check("--dump-ir=unknown: exit 2 naming the passes", r.returncode == 2 and "shapes, dce, weights" in r.stderr,
              f"exit {r.returncode}: {r.stderr}")
        r = run([CNNC, "report", LENET, "-O0", "--dump-ir=fuse"])
        check("--dump-ir of a pass that did not run says so", r.returncode == 0 and "did not run" in r.stderr,
              r.stderr)
        r = run([CNNC, "--help"])
        check("--help lists the passes in order",
              r.returncode == 0 and "shapes dce weights constfold channels_last fold_pad fold_bn swap_resize fuse algo layout prologue qregions pack memplan" in r.stdout,
              r.stdout)
        check("--help names -Os and --prefer size", "-Os" in r.stdout and "--prefer size" in r.stdout, r.stdout)

        # -Os is --prefer size; --prefer speed is the default level; a
        # conflicting or unknown choice is a usage error
        rs = {flags: run([CNNC, "report", RESNET, "--json"] + list(flags)) for flags in
              ((), ("-O2",), ("-Os",), ("--prefer", "size"), ("--prefer", "speed"))}
        tot = {f: json.loads(r.stdout)["total"] if r.returncode == 0 else None for f, r in rs.items()}
        check("-Os and --prefer size report the same", rs[("-Os",)].stdout == rs[("--prefer", "size")].stdout)
        check("--prefer speed and -O2 report the default level",
              rs[()].stdout == rs[("-O2",)].stdout == rs[("--prefer", "speed")].stdout)
        check("-Os: resnet18's weights within 1% of its parameters (no Winograd), -O2's twice",
              tot[("-Os",)] and tot[("-Os",)]["program_weight_bytes"] < 1.01 * tot[("-Os",)]["weight_bytes"]
              and tot[()]["program_weight_bytes"] > 2 * tot[()]["weight_bytes"], str(tot))
        for flags, what in ((["--prefer", "small"], "--prefer small: exit 2 naming speed, size"),
                            (["-Os", "--algo", "winograd"], "-Os with --algo winograd: exit 2")):
            r = run([CNNC, "report", LENET] + flags)
            check(what, r.returncode == 2 and ("speed, size" in r.stderr or "rules out" in r.stderr),
                  f"exit {r.returncode}: {r.stderr}")

        # build prints its command, and the program checks its input
        prog = os.path.join(tmp, "lenet5")
        r = run([CNNC, "build", LENET, "--random-weights", "1", "-o", prog])
        check("build: prints the compiler command", r.returncode == 0 and " -o " + prog in r.stdout, r.stdout)
        x = os.path.join(tmp, "x.npy")
        out = os.path.join(tmp, "out.npy")
        np.save(x, np.zeros((3, 1, 32, 32), np.float32))
        r = run([prog, x, out])
        check("program: runs 3 batches", r.returncode == 0 and np.load(out).shape == (3, 10), r.stderr)
        os.remove(out)
        for arr, what in ((np.zeros((1, 1, 28, 28), np.float32), "wrong shape"),
                          (np.zeros((1, 1, 32, 32), np.float64), "wrong dtype"),
                          (np.zeros((1, 1, 32, 32), np.float32).T.copy().T, "Fortran order")):
            np.save(x, np.asfortranarray(arr) if what == "Fortran order" else arr)
            r = run([prog, x, out])
            check(f"program: {what} input exits 1 with a message, no output",
                  r.returncode == 1 and r.stderr.strip() != "" and not os.path.exists(out),
                  f"exit {r.returncode}: {r.stderr}")

        # a big model's program checks its linked weight blob: rebuilt (the
        # command build printed) with one bit of one float flipped, it
        # refuses to run; intact, it runs
        d, e = os.path.join(tmp, "blob"), os.path.join(tmp, "blob2")
        os.makedirs(d)
        os.makedirs(e)
        prog = os.path.join(d, "net")
        r = run([CNNC, "build", RESNET, "--random-weights", "3", "-o", prog])
        line = [l for l in r.stdout.splitlines() if f" -o {prog} " in l + " "]
        check("blob build: prints its command", r.returncode == 0 and line, r.stdout + r.stderr)
        if line:
            np.save(x, np.zeros((1, 3, 224, 224), np.float32))
            r = run([prog, x, out])
            check("blob program: intact weights run", r.returncode == 0 and os.path.exists(out), r.stderr)
            shutil.copy(prog + ".c", os.path.join(e, "net.c"))
            shutil.copy(prog + ".h", os.path.join(e, "net.h"))
            blob = bytearray(open(prog + ".weights", "rb").read())
            blob[len(blob) // 2 + 3] ^= 0x40  # the sign-adjacent exponent bit of one float
            with open(os.path.join(e, "net.weights"), "wb") as f:
                f.write(blob)
            cmd = [w.replace(d, e) for w in line[0].split()]
            r = run(cmd)
            check("blob: the corrupted blob still links", r.returncode == 0, r.stdout + r.stderr)
            if os.path.exists(out):
                os.remove(out)
            r = run([os.path.join(e, "net"), x, out])
            check("blob program: a changed blob exits 1 with a message, no output",
                  r.returncode == 1 and "weights" in r.stderr and not os.path.exists(out),
                  f"exit {r.returncode}: {r.stderr}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"cli: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
