#!/usr/bin/python3
"""cnnc quantize and the Q-file reader against hostile input.

    /usr/bin/python3 tests/quant/test_hostile.py

Each case must exit 1 (2 for bad usage) with a clear FILE: error: message,
write nothing under -o, and leave no temporary directory behind ($TMPDIR
is a fresh directory checked empty after each run):

- calibration data: wrong shape, wrong dtype (float64), NaN, +Inf, no
  sample, a sample count that is not a multiple of the batch, not a .npy
  file, a FIFO; weights that make a layer overflow to Inf on it;
- usage: no --calibrate, no -o, an unknown --method, -o naming an input,
  --fp32 naming no layer;
- a Q file (read by report, compile and build): a scale of 0, negative,
  NaN; an activation zero point of 256 and -1; a weight zero point not 0;
  a range with NaN, one with min > max; a NaN float bias; qparams for a layer the model
  lacks; a __metadata__ key twice; a Q file of another model, also one
  differing only past the 512th byte of a node's description (a concat
  of 150 inputs with a 200-byte name: the signature hashes every field)
  or in x - 2 against 2 - x; an add kept in FP32 by --fp32 shown as
  fp32 in report, not fused;
  an FP32 weights file edited to claim it is one;
- and the good path: quantize writes a file that report reads, with every
  value's dtype, scale and zero point, for each method, and that compile
  turns into int8 code.
Cost: about 6 s (ASan build: 17 s).
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CNNC = os.path.abspath(os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc"))
NET = os.path.join(REPO, "tests", "golden", "nets", "odd_conv.lua")
WEIGHTS = os.path.join(REPO, "tests", "golden", "data", "odd_conv", "weights.safetensors")
OTHER = os.path.join(REPO, "tests", "golden", "nets", "concat_res.lua")
SHAPE = (3, 17, 23)
failures = []
passed = 0


def check(what, ok, detail=""):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(what)
        print(f"FAIL {what}" + (f"\n  {detail}" if detail else ""))


def run(args, tmpdir):
    env = dict(os.environ, TMPDIR=tmpdir)
    return subprocess.run([CNNC] + args, capture_output=True, text=True, env=env)


def expect(what, args, rc, msg, out, scratch):
    if out and os.path.exists(out):
        os.remove(out)
    r = run(args, scratch)
    check(f"{what}: exit {rc}", r.returncode == rc, f"exit {r.returncode}: {r.stderr.strip()[-600:]}")
    check(f"{what}: message has '{msg}'", msg in r.stderr, r.stderr.strip()[-600:])
    if out:
        check(f"{what}: nothing written", not os.path.exists(out), out)
    check(f"{what}: no temporary left", os.listdir(scratch) == [], str(os.listdir(scratch)))


def read_keys(path):
    """The tensor keys of the safetensors file at path."""
    b = open(path, "rb").read()
    return [k for k in json.loads(b[8:8 + struct.unpack("<Q", b[:8])[0]]) if k != "__metadata__"]


def edit(src, dst, key, values):
    """Copies the safetensors src to dst with tensor key's elements replaced."""
    b = bytearray(open(src, "rb").read())
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    s, e = h[key]["data_offsets"]
    dt = {"F32": "<f4", "I32": "<i4", "I8": "i1"}[h[key]["dtype"]]
    b[8 + n + s:8 + n + e] = np.asarray(values, dtype=dt).tobytes()
    open(dst, "wb").write(bytes(b))


def rewrite_header(src, dst, fix):
    """Copies the safetensors src to dst with its header JSON text passed
    through fix (str -> str), padded to 8 bytes."""
    b = open(src, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    hj = fix(b[8:8 + n].decode().rstrip()).encode()
    hj += b" " * (-len(hj) % 8)
    open(dst, "wb").write(struct.pack("<Q", len(hj)) + hj + b[8 + n:])


def concat_net(path, last):
    """A net whose one concat has 152 inputs and a 200-byte name; its
    last input is last ("a" or "b")."""
    open(path, "w").write(
        'local x = input { name = "x", shape = { 1, 2, 3, 5 } }\n'
        'local a, b = x:relu(), x:sigmoid()\n'
        'local t = { b }\nfor i = 1, 150 do t[#t + 1] = a end\n'
        f't[#t + 1] = {last}\nt.name = string.rep("n", 200)\nreturn concat(t)\n')


def main():
    with tempfile.TemporaryDirectory() as d:
        scratch = os.path.join(d, "tmp")
        os.mkdir(scratch)
        rng = np.random.default_rng(5)
        good = os.path.join(d, "calib.npy")
        np.save(good, rng.standard_normal((3,) + SHAPE).astype(np.float32))
        out = os.path.join(d, "q.safetensors")
        q = ["quantize", NET, "--weights", WEIGHTS, "-o", out, "--calibrate"]

        def bad_calib(what, arr, msg):
            p = os.path.join(d, "bad.npy")
            np.save(p, arr)
            expect(f"calibration {what}", q + [p], 1, msg, out, scratch)

        x = rng.standard_normal((3,) + SHAPE).astype(np.float32)
        bad_calib("of the wrong shape", x[:, :, :, :22], "does not fit the model's input")
        bad_calib("of rank 3", x[0], "does not fit the model's input")
        bad_calib("of dtype float64", x.astype(np.float64), "error")
        y = x.copy()
        y[2, 1, 5, 7] = np.nan
        bad_calib("holding NaN", y, "sample 2 holds NaN")
        y = x.copy()
        y[0, 0, 0, 3] = np.inf
        bad_calib("holding Inf", y, "sample 0 holds an infinity at element 3")
        bad_calib("with no sample", x[:0], "holds no sample")
        p = os.path.join(d, "garbage.npy")
        open(p, "wb").write(b"not a numpy file at all")
        expect("calibration not a .npy", q + [p], 1, "error", out, scratch)
        fifo = os.path.join(d, "fifo.npy")
        os.mkfifo(fifo)
        expect("calibration a FIFO", q + [fifo], 1, "not a regular file", out, scratch)
        # batch 2 model, 3 samples
        cr = os.path.join(d, "cr.npy")
        np.save(cr, rng.standard_normal((3, 3, 16, 13)).astype(np.float32))
        expect("calibration not a multiple of the batch",
               ["quantize", OTHER, "--weights", os.path.join(REPO, "tests/golden/data/concat_res/weights.safetensors"),
                "-o", out, "--calibrate", cr], 1, "a multiple of the batch 2", out, scratch)
        # weights that overflow: conv2's largest weight 1e38
        huge = os.path.join(d, "huge.safetensors")
        b = open(WEIGHTS, "rb").read()
        n = struct.unpack("<Q", b[:8])[0]
        h = json.loads(b[8:8 + n])
        s, e = h["conv2.weight"]["data_offsets"]
        w = np.frombuffer(b[8 + n + s:8 + n + e], dtype="<f4")
        w = (w.astype(np.float64) * (1e38 / np.abs(w).max())).astype(np.float32)
        edit(WEIGHTS, huge, "conv2.weight", w)
        expect("weights that overflow on the calibration data",
               ["quantize", NET, "--weights", huge, "-o", out, "--calibrate", good], 1, "NaN or infinite", out,
               scratch)
        # a NaN weight: refused by name when the weights are read, not left
        # to calibration (which may not see it) or to the int8 rounding
        nanw = os.path.join(d, "nanw.safetensors")
        b = open(WEIGHTS, "rb").read()
        n = struct.unpack("<Q", b[:8])[0]
        s, e = json.loads(b[8:8 + n])["conv1.weight"]["data_offsets"]
        w = np.frombuffer(b[8 + n + s:8 + n + e], dtype="<f4").copy()
        w[5] = np.nan
        edit(WEIGHTS, nanw, "conv1.weight", w)
        expect("a NaN weight", ["quantize", NET, "--weights", nanw, "-o", out, "--calibrate", good], 1,
               "error: tensor 'conv1.weight' has 1 NaN or infinite value", out, scratch)
        # usage
        expect("no --calibrate", ["quantize", NET, "--weights", WEIGHTS, "-o", out], 2, "--calibrate", out, scratch)
        expect("no -o", ["quantize", NET, "--weights", WEIGHTS, "--calibrate", good], 2, "-o", None, scratch)
        expect("bad --method", q + [good, "--method", "kl"], 2, "--method expects one of", out, scratch)
        expect("--fp32 naming no layer", q + [good, "--fp32", "conv1,conv9"], 1, "--fp32 names 'conv9'", out, scratch)
        expect("-o naming the weights", ["quantize", NET, "--weights", WEIGHTS, "--calibrate", good, "-o", WEIGHTS],
               1, "overwrite the input", None, scratch)

        # the good path, each method
        for method in ("minmax", "percentile", "entropy"):
            r = run(q + [good, "--method", method], scratch)
            check(f"quantize --method {method}: exit 0", r.returncode == 0, r.stderr[-600:])
            check(f"quantize --method {method}: no temporary left", os.listdir(scratch) == [])
            r = run(["report", NET, "--weights", out], scratch)
            check(f"report of the {method} Q file: exit 0", r.returncode == 0, r.stderr[-600:])
            check(f"report of the {method} Q file: per-layer quantization",
                  f"{method} over 3 samples" in r.stdout and "uint8" in r.stdout and "int8, scales" in r.stdout,
                  r.stdout[-1500:])
        # quantize refuses a Q file as its FP32 weights
        expect("quantize --weights Q", ["quantize", NET, "--weights", out, "--calibrate", good, "-o",
                                        os.path.join(d, "q2.safetensors")], 1, "quantize takes the FP32 weights",
               os.path.join(d, "q2.safetensors"), scratch)
        # compile and build take a good Q file: int8 code (tests/quant/test_int8.py checks its output)
        gen, prog = os.path.join(d, "gen"), os.path.join(d, "prog")
        r = run(["compile", NET, "--weights", out, "-o", gen], scratch)
        check("compile --weights Q: exit 0, int8 code", r.returncode == 0 and "rt_qconv2d(" in
              open(gen + ".c").read(), r.stderr[-600:])
        for f in (gen + ".c", gen + ".h"):
            os.remove(f)
        int8_cmds = (("compile", ["compile", NET, "-o", gen], gen + ".c"), ("build", ["build", NET, "-o", prog], prog))

        # broken Q files, read by report
        bad = os.path.join(d, "badq.safetensors")
        for what, key, vals, msg in [
                ("a zero activation scale", "conv2.output_scale", [0.0], "a scale must be finite and > 0"),
                ("a negative activation scale", "image.output_scale", [-0.5], "a scale must be finite and > 0"),
                ("a NaN weight scale", "conv3.weight_scale", [np.nan] * 37, "a scale must be finite and > 0"),
                ("a zero point of 256", "conv4.output_zero_point", [256], "must lie in 0..255"),
                ("a zero point of -1", "image.output_zero_point", [-1], "must lie in 0..255"),
                ("a weight zero point of 3", "conv1.weight_zero_point", [3] * 13, "must lie in 0..0"),
                ("a NaN float bias", "conv1.bias_float", [np.nan] * 13, "a bias must be finite"),
                ("a NaN range", "conv2.output_range", [np.nan, 1.0], "a range must be finite with min <= max"),
                ("a range with min > max", "conv4.output_range", [2.0, 1.0],
                 "a range must be finite with min <= max")]:
            edit(out, bad, key, vals)
            expect(f"Q file with {what}", ["report", NET, "--weights", bad], 1, f"'{key}'", None, scratch)
            for cmd, args, made in int8_cmds:
                expect(f"{cmd} with a Q file with {what}", args + ["--weights", bad], 1, f"'{key}'", made, scratch)
            r = run(["report", NET, "--weights", bad], scratch)
            check(f"Q file with {what}: says why", msg in r.stderr, r.stderr)
        expect("Q file of another model", ["report", OTHER, "--weights", out], 1, "quantized for another model",
               None, scratch)
        for cmd, args, made in int8_cmds:
            args = [a if a != NET else OTHER for a in args]
            expect(f"{cmd} with a Q file of another model", args + ["--weights", out], 1,
                   "quantized for another model", made, scratch)
        # qparams for a layer the model lacks (conv2's renamed)
        rewrite_header(out, bad, lambda h: h.replace('"conv2.output_', '"ghost.output_'))
        expect("Q file with qparams for no layer", ["report", NET, "--weights", bad], 1,
               "tensor 'ghost.output_scale' is for layer 'ghost', which is no layer", None, scratch)
        # a __metadata__ key twice: the second must not be ignored
        rewrite_header(out, bad, lambda h: h.replace('"__metadata__":{', '"__metadata__":{"method":"minmax",', 1)
                       .replace('"__metadata__": {', '"__metadata__": {"method": "minmax", ', 1))
        expect("Q file with a __metadata__ key twice", ["report", NET, "--weights", bad], 1,
               "__metadata__ has key 'method' twice", None, scratch)
        # two models whose one difference is the concat's last input, past
        # the 512th byte of its description
        na, nb = os.path.join(d, "cat_a.lua"), os.path.join(d, "cat_b.lua")
        concat_net(na, "a")
        concat_net(nb, "b")
        empty = os.path.join(d, "empty.safetensors")
        open(empty, "wb").write(struct.pack("<Q", 8) + b"{}      ")
        xc = os.path.join(d, "xc.npy")
        np.save(xc, rng.standard_normal((2, 2, 3, 5)).astype(np.float32))
        qa = os.path.join(d, "qa.safetensors")
        r = run(["quantize", na, "--weights", empty, "--calibrate", xc, "-o", qa], scratch)
        check("quantize the 152-input concat: exit 0", r.returncode == 0, r.stderr[-600:])
        expect("Q file of a model differing past 512 bytes of a node", ["report", nb, "--weights", qa], 1,
               "quantized for another model", None, scratch)
        # an add kept in FP32 (--fp32 s) whose relu a max pool reads: report
        # says fp32 for it, not "fused" (the relu has its own observer)
        ar = os.path.join(d, "add_relu.lua")
        open(ar, "w").write('local x = input { name = "x", shape = { 1, 2, 3, 5 } }\n'
                            'local s = add(x, x:sigmoid(), { name = "s" })\n'
                            'return s:relu():max_pool2d { kernel_size = 2 }\n')
        r = run(["quantize", ar, "--weights", empty, "--calibrate", xc, "-o", qa, "--fp32", "s"], scratch)
        check("quantize --fp32 s: exit 0", r.returncode == 0, r.stderr[-600:])
        r = run(["report", ar, "--weights", qa, "--json"], scratch)
        layers = {l["name"]: l["dtype"] for l in json.loads(r.stdout)["quantization"]["layers"]} \
            if r.returncode == 0 else {}
        check("report of an add kept in FP32: fp32", layers.get("s") == "fp32", f"{r.stderr[-600:]} {layers}")
        # quantized whole, x is read by the add and by the sigmoid on its
        # fixed grid (NAME.input_scale): that grid is checked as any scale
        r = run(["quantize", ar, "--weights", empty, "--calibrate", xc, "-o", qa], scratch)
        check("quantize add(x, sigmoid(x)): exit 0", r.returncode == 0, r.stderr[-600:])
        sig = [k for k in read_keys(qa) if k.endswith(".input_scale")] if r.returncode == 0 else []
        check("quantize add(x, sigmoid(x)): the sigmoid's input grid", len(sig) == 1, str(sig))
        for key, vals, msg in [(sig[0] if sig else "?", [0.0], "a scale must be finite and > 0"),
                               (sig[0][:-5] + "zero_point" if sig else "?", [256], "must lie in 0..255")]:
            if sig:
                edit(qa, bad, key, vals)
            expect(f"Q file with {key} {vals[0]}", ["report", ar, "--weights", bad], 1, f"'{key}'", None, scratch)
            r = run(["report", ar, "--weights", bad], scratch)
            check(f"Q file with {key} {vals[0]}: says why", msg in r.stderr, r.stderr)
        # x - 2 and 2 - x: the signature hashes which operand the number is
        for nm, expr in (("sub_a", "x:sub(2)"), ("sub_b", "sub(2, x)")):
            open(os.path.join(d, nm + ".lua"), "w").write(
                f'local x = input {{ name = "x", shape = {{ 1, 2, 3, 5 }} }}\nreturn {expr}:relu()\n')
        r = run(["quantize", os.path.join(d, "sub_a.lua"), "--weights", empty, "--calibrate", xc, "-o", qa], scratch)
        check("quantize x - 2: exit 0", r.returncode == 0, r.stderr[-600:])
        expect("Q file of x - 2 for 2 - x", ["report", os.path.join(d, "sub_b.lua"), "--weights", qa], 1,
               "quantized for another model", None, scratch)
        # an FP32 file claiming to be a Q file
        b = open(WEIGHTS, "rb").read()
        n = struct.unpack("<Q", b[:8])[0]
        h = json.loads(b[8:8 + n])
        h["__metadata__"] = {"format": "cnnc-int8", "version": "1"}
        hj = json.dumps(h).encode()
        hj += b" " * (-len(hj) % 8)
        open(bad, "wb").write(struct.pack("<Q", len(hj)) + hj + b[8 + n:])
        expect("FP32 file claiming to be a Q file", ["report", NET, "--weights", bad], 1, "quantized for another model",
               None, scratch)
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
