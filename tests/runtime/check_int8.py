#!/usr/bin/python3
"""The int8 kernels (runtime/qgemm.c, qconv.c) against PyTorch's own
quantized conv and linear, byte for byte.

Run with Debian's /usr/bin/python3 (torch 1.13 on the onednn engine, as
issue 18's oracle). Builds tests/runtime/qharness.c against runtime/*.c
($CC, default cc; extra flags from $CFLAGS), then for each case quantizes
nothing itself: it draws uint8 inputs, int8 weights with per-channel
scales, a float bias and output parameters, runs torch.ao.nn.quantized's
Conv2d / ConvReLU2d / Linear / LinearReLU on them, computes the runtime's
per-channel constants with cnnrt_int8.h's formulas (mult, fbias, the
int32 zero-point fold) and requires the harness's output to equal
PyTorch's on every element. Cases: odd shapes (channels 3, 13, 37,
stride 2, padding 0, dilation 2, 1x1, 7x7), depthwise 3x3 and 5x5 at
stride 1 and 2, linear layers, fused relu, and edges: power-of-two scales
that put half of the values on exact ties (round half to even, zero point
added before rounding), inputs 255 against weights -128 and 127 (the
int16 saturation of a naive AVX2 kernel, which oneDNN's own is on a CPU
without VNNI: PyTorch's convs and linears run Unsaturated here, see
tests/quant/unsaturated.py), outputs clamped at 0 and 255.
Takes a few seconds. Exits 1 if any case differs.
"""
import os
import shlex
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.intrinsic.quantized as nniq
import torch.ao.nn.quantized as nnq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "quant"))
from unsaturated import Unsaturated  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RT = os.path.join(ROOT, "runtime")
F32 = np.float32


def build(tmp):
    exe = os.path.join(tmp, "qharness")
    srcs = [os.path.join(RT, f) for f in sorted(os.listdir(RT)) if f.startswith("q") and f.endswith(".c")]
    srcs.append(os.path.join(RT, "threads.c"))
    cmd = ([os.environ.get("CC", "cc"), "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-I" + RT]
           + shlex.split(os.environ.get("CFLAGS", ""))
           + [os.path.join(ROOT, "tests", "runtime", "qharness.c")] + srcs + ["-lm", "-pthread", "-o", exe])
    subprocess.run(cmd, check=True)
    return exe


def constants(sx, zx, sw, b, sy, wq):
    """cnnrt_int8.h's per-channel constants: mult, fbias, the int32 fold."""
    ix, iy = F32(1.0 / sx), F32(1.0 / sy)
    iw = (1.0 / sw).astype(F32)
    ixw = (ix * iw).astype(F32)
    mult = (iy / ixw).astype(F32)
    fbias = (b.astype(F32) * ixw).astype(F32)
    fold = (-zx * wq.reshape(wq.shape[0], -1).astype(np.int64).sum(1)).astype(np.int32)
    return fold, fbias, mult


class Checker:
    def __init__(self, exe, tmp):
        self.exe, self.tmp = exe, tmp
        self.rng = np.random.default_rng(18)
        self.failed = 0
        self.cases = 0

    def case(self, label, n, c, h, w, oc, k, stride=1, pad=0, dil=1, groups=1, relu=False, linear=False,
             xq=None, wq=None, scales=None, bias=True):
        """One layer: torch's output vs the harness's; xq/wq fix the data,
        scales (sx, sw, sy) the quantization parameters."""
        self.cases += 1
        rng = self.rng
        kh = kw = k
        cg = c // groups
        if xq is None:
            xq = rng.integers(0, 256, (n, c, h, w))
        if wq is None:
            wq = rng.integers(-128, 128, (oc, cg, kh, kw))
        zx, zy = int(rng.integers(0, 256)), int(rng.integers(0, 256))
        if scales is None:
            sx = float(F32(rng.uniform(0.002, 0.1)))
            sw = rng.uniform(0.001, 0.05, oc).astype(F32).astype(np.float64)
            # outputs over most of 0..255 (some clamped): |acc| ~ 128 * 74 * sqrt(taps)
            sy = float(sx * np.median(sw) * 128 * 74 * np.sqrt(cg * kh * kw) / 60)
        else:
            sx, sw, sy = scales
            sw = np.full(oc, sw)
        b = (rng.standard_normal(oc) * sy * 20 * bias).astype(F32)
        qx = torch._make_per_tensor_quantized_tensor(torch.tensor(xq, dtype=torch.uint8), sx, zx)
        qw = torch._make_per_channel_quantized_tensor(torch.tensor(wq, dtype=torch.int8), torch.tensor(sw),
                                                       torch.zeros(oc, dtype=torch.long), 0)
        if linear:
            mod = (nniq.LinearReLU if relu else nnq.Linear)(c, oc)
            qw = torch._make_per_channel_quantized_tensor(torch.tensor(wq.reshape(oc, c), dtype=torch.int8),
                                                           torch.tensor(sw), torch.zeros(oc, dtype=torch.long), 0)
            qx = torch._make_per_tensor_quantized_tensor(torch.tensor(xq.reshape(n, c), dtype=torch.uint8), sx, zx)
        else:
            mod = (nniq.ConvReLU2d if relu else nnq.Conv2d)(c, oc, k, stride=stride, padding=pad, dilation=dil,
                                                            groups=groups)
        mod.set_weight_bias(qw, torch.tensor(b))
        mod.scale, mod.zero_point = sy, zy
        # PyTorch's kernel, its int16 pair sums kept from clipping (on a
        # CPU without VNNI oneDNN clips them: tests/quant/unsaturated.py)
        ref = (mod if groups > 1 and groups == c else Unsaturated(mod))(qx).int_repr().numpy()
        if linear:  # n rows of c: one 1 x n image of c channels
            ref = ref.reshape(1, 1, n, oc)
            x = np.asarray(xq).reshape(1, 1, n, c)
            dims = [1, c, 1, n, oc, 1, n, 1, 1, 1, 1, 0, 0, 1, 1, 1]
        else:
            ref = ref.transpose(0, 2, 3, 1)
            x = np.asarray(xq).transpose(0, 2, 3, 1)
            dims = [n, c, h, w, oc, ref.shape[1], ref.shape[2], kh, kw, stride, stride, pad, pad, dil, dil, groups]
        fold, fbias, mult = constants(sx, zx, sw, b, sy, wq)
        wt = wq.transpose(0, 2, 3, 1)  # [oc][kh][kw][c/groups]
        if groups > 1:
            wt = wt.reshape(oc, kh, kw).transpose(1, 2, 0)  # [kh][kw][c]
        lo = zy if relu else 0
        path_in, path_out = os.path.join(self.tmp, "in.bin"), os.path.join(self.tmp, "out.bin")
        with open(path_in, "wb") as f:
            f.write(struct.pack("<20i", *dims, zx, zy, lo, 255))
            f.write(np.ascontiguousarray(x, dtype=np.uint8).tobytes())
            f.write(np.ascontiguousarray(wt, dtype=np.int8).tobytes())
            f.write(fold.astype("<i4").tobytes() + fbias.astype("<f4").tobytes() + mult.astype("<f4").tobytes())
        r = subprocess.run([self.exe, path_in, path_out], capture_output=True, text=True)
        if r.returncode != 0:
            self.failed += 1
            print(f"FAIL {label}: qharness exited {r.returncode}: {r.stderr.strip()}")
            return
        out = np.fromfile(path_out, dtype=np.uint8).reshape(ref.shape)
        diff = int(np.count_nonzero(out != ref))
        ok = diff == 0
        self.failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {label}: output {tuple(ref.shape)} NHWC, "
              f"{diff} of {ref.size} bytes differ from PyTorch's (max |d| "
              f"{int(np.max(np.abs(out.astype(int) - ref))) if ref.size else 0})")


def extreme(taps, wv):
    """(sx, sw, sy) that map taps products of 255 x 128 to about 120.

    PyTorch 1.13's onednn path caches a layer's primitive by shapes and
    scales, not zero points: a second layer of the same shapes and scales
    but other zero points runs with the first one's (wrong bytes; found
    here). So every case of one shape gets its own output scale (wv in it).
    """
    return 0.01, 0.01, 0.01 * 0.01 * 255 * 128 * taps / (120 + wv / 64)


def main():
    torch.backends.quantized.engine = "onednn"
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        c = Checker(build(tmp), tmp)
        c.case("conv 3x3 3->13 pad 1", 1, 3, 17, 15, 13, 3, pad=1)
        c.case("conv 3x3 13->37 stride 2 pad 1", 1, 13, 16, 13, 37, 3, stride=2, pad=1)
        c.case("conv 3x3 37->19 pad 0 dilation 2", 1, 37, 13, 11, 19, 3, dil=2)
        c.case("conv 1x1 37->70", 1, 37, 9, 7, 70, 1)
        c.case("conv 1x1 64->33 stride 2", 1, 64, 13, 13, 33, 1, stride=2)
        c.case("conv 7x7 3->16 stride 2 pad 3", 1, 3, 23, 21, 16, 7, stride=2, pad=3)
        # im2col's copies of every length class: rows of taps of 6 and 5
        # bytes, single taps of 2
        c.case("conv 3x3 2->7 stride 2 pad 1", 1, 2, 11, 9, 7, 3, stride=2, pad=1)
        c.case("conv 1x1 5->9 stride 2", 1, 5, 9, 11, 9, 1, stride=2)
        c.case("conv 3x3 64->64 relu", 1, 64, 14, 14, 64, 3, pad=1, relu=True)
        c.case("conv 3x3 256->40 (K 2304)", 1, 256, 7, 7, 40, 3, pad=1)
        # more output pixels than one block of 256 KB of im2col rows: 930
        # rows of K 576 in three blocks of 310
        c.case("conv 3x3 64->24 in 3 blocks", 1, 64, 30, 31, 24, 3, pad=1)
        c.case("depthwise 3x3 37 stride 1", 1, 37, 13, 11, 37, 3, pad=1, groups=37)
        c.case("depthwise 3x3 32 stride 2 relu", 1, 32, 14, 15, 32, 3, stride=2, pad=1, groups=32, relu=True)
        c.case("depthwise 5x5 13 stride 1", 1, 13, 11, 12, 13, 5, pad=2, groups=13)
        c.case("depthwise 5x5 70 stride 2", 1, 70, 15, 14, 70, 5, stride=2, pad=2, groups=70)
        c.case("linear 37 -> 19, 5 rows", 5, 37, 1, 1, 19, 1, linear=True)
        c.case("linear 512 -> 1000, 1 row", 1, 512, 1, 1, 1000, 1, linear=True)
        c.case("linear 130 -> 45 relu, 33 rows", 33, 130, 1, 1, 45, 1, linear=True, relu=True)
        # exact ties: with power-of-two scales, no bias and weights in
        # -2..2, mult is 1/16 (1/8) and one sum in 16 (8) is a tie, rounded
        # to even after the zero point is added
        rng = np.random.default_rng(5)
        c.case("ties: conv 3x3 16->16, mult 1/16", 1, 16, 9, 9, 16, 3, pad=1, scales=(0.5, 0.25, 2.0), bias=False,
               wq=rng.integers(-2, 3, (16, 16, 3, 3)))
        c.case("ties: linear 24 -> 17, mult 1/8", 40, 24, 1, 1, 17, 1, linear=True, scales=(0.5, 0.25, 1.0),
               bias=False, wq=rng.integers(-2, 3, (17, 24, 1, 1)))
        # the largest sums, scaled to land inside 0..255 (|v| <= ~120)
        for wv in (-128, 127):
            c.case(f"x 255, w {wv}: conv 3x3 8->16", 1, 8, 6, 7, 16, 3, pad=1,
                   xq=np.full((1, 8, 6, 7), 255), wq=np.full((16, 8, 3, 3), wv), scales=extreme(72, wv))
            c.case(f"x 255, w {wv}: linear 64 -> 20", 3, 64, 1, 1, 20, 1, linear=True,
                   xq=np.full((3, 64, 1, 1), 255), wq=np.full((20, 64, 1, 1), wv), scales=extreme(64, wv))
            c.case(f"x 255, w {wv}: depthwise 3x3 24", 1, 24, 7, 6, 24, 3, pad=1, groups=24,
                   xq=np.full((1, 24, 7, 6), 255), wq=np.full((24, 1, 3, 3), wv), scales=extreme(9, wv))
    print(f"{c.cases - c.failed} of {c.cases} int8 cases equal PyTorch's bytes")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
