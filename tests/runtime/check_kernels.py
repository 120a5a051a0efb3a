#!/usr/bin/python3
"""Compares every runtime kernel with torch.nn.functional on odd shapes.

Run with Debian's /usr/bin/python3 (torch 1.13, numpy). Builds
tests/runtime/harness.c against runtime/*.c ($CC, default cc; extra flags
from $CFLAGS, e.g. -fsanitize=address,undefined), then for each case writes
the inputs as .npy, runs the harness on them and compares its .npy output
with torch's: max|out - ref| <= 1e-4 * (1 + max|ref|), the tolerance of
SPEC.md. Shapes are chosen to be awkward: odd and non-square H/W, channel
counts 3, 13 and 37, batch 2, stride 2, padding 0 and 2, dilation 2,
grouped and depthwise convolutions, ceil_mode pools with windows hanging
past the padding, avg pools with and without count_include_pad, adaptive
pools whose bins overlap, interpolate (nearest and bilinear, both ways
of align_corners, outputs large enough to be streamed to memory). The
kernels of the channel-chunked layouts (NHWC and NCHW8c: conv, depthwise, pools, batch norm, concat, the pieces
of chunk and split, channel shuffle, and the reorders around them) run on
the same cases with cl=nhwc and cl=8, their conv weights packed here from
cnnrt.h's description. PReLU (one slope or one per channel) runs in every
layout. permute and layer_norm (over the last dims, and over the channels
of N x C x H x W, the form ConvNeXt's blocks are lowered to) run in NCHW. Every activation of
runtime/acts.def (its rows read from the file) is checked as an
elementwise kernel, on its kinks and tails (infinities and NaN too), and
fused into the epilogue of the direct, stem, GEMM, depthwise and
NHWC / NCHW8c kernels. Winograd F(2x2) and F(4x4) run with weights
transformed here, on one and two threads. rt_conv2d_gemm_pro (a 1x1 conv that applies a
batch norm, and a relu, to its input as it packs it) runs against
F.conv2d of F.relu(F.batch_norm(x)). The .npy files go through the runtime's own
reader and writer, so this also checks that numpy and rt_npy agree.

Prints one line per case; exits 1 if any case fails.
"""
import concurrent.futures
import os
import re
import shlex
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RT = os.path.join(ROOT, "runtime")


# torch's form of every activation of runtime/acts.def (fn(t, p, q)), with
# the parameters the cases give the rows that have them (not their
# defaults, so a kernel that drops one fails; gelu's p is approximate's
# index, 0 "none", 1 "tanh"); the harness's act= numbers are the rows'
# order in acts.def (RT_ACT_*), read from the file itself
TORCH_ACTS = {"none": lambda t, p, q: t, "relu": lambda t, p, q: F.relu(t), "relu6": lambda t, p, q: F.relu6(t),
              "leaky_relu": lambda t, p, q: F.leaky_relu(t, p), "sigmoid": lambda t, p, q: torch.sigmoid(t),
              "tanh": lambda t, p, q: torch.tanh(t), "hardswish": lambda t, p, q: F.hardswish(t),
              "hardsigmoid": lambda t, p, q: F.hardsigmoid(t), "silu": lambda t, p, q: F.silu(t),
              "mish": lambda t, p, q: F.mish(t), "elu": lambda t, p, q: F.elu(t, p),
              "gelu": lambda t, p, q: F.gelu(t, approximate=("none", "tanh")[int(p)]),
              "hardtanh": lambda t, p, q: F.hardtanh(t, p, q)}
ACT_PARAM = {"leaky_relu": (0.2, 0), "elu": (0.7, 0), "gelu": (0, 0), "hardtanh": (-0.5, 2.5)}
# rows fused a second time with other parameters: gelu's other choice,
# hardtanh as relu6
ACT_AGAIN = [("gelu", (1, 0)), ("hardtanh", (0, 6))]
with open(os.path.join(RT, "acts.def")) as f:
    ACT_ROWS = ["none"] + re.findall(r"^ACT(?:_P2?|_E)?\(\s*\w+\s*,\s*(\w+)", f.read(), re.M)


def build(tmp):
    """The harness and runtime/*.c, one compiler per file on every core
    (gemm.c alone takes ~100 s under ASan+UBSan), then linked."""
    exe = os.path.join(tmp, "harness")
    srcs = ([os.path.join(ROOT, "tests", "runtime", "harness.c")]
            + [os.path.join(RT, f) for f in sorted(os.listdir(RT)) if f.endswith(".c")])
    cc = ([os.environ.get("CC", "cc"), "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-I" + RT]
          + shlex.split(os.environ.get("CFLAGS", "")))
    srcs.sort(key=os.path.getsize, reverse=True)  # the longest compiles first
    objs = [os.path.join(tmp, os.path.basename(src) + ".o") for src in srcs]
    with concurrent.futures.ThreadPoolExecutor(len(os.sched_getaffinity(0))) as pool:
        try:
            for f in [pool.submit(subprocess.run, cc + ["-c", src, "-o", obj], check=True)
                      for src, obj in zip(srcs, objs)]:
                f.result()
        except BaseException:  # a compile failed: the queued ones are not started
            pool.shutdown(cancel_futures=True)
            raise
    subprocess.run(cc + objs + ["-lm", "-o", exe], check=True)
    return exe


class Checker:
    def __init__(self, exe, tmp):
        self.exe, self.tmp = exe, tmp
        self.failed = 0
        self.cases = 0
        self.rng = np.random.default_rng(1234)

    def randn(self, *shape, scale=1.0):
        return (self.rng.standard_normal(shape) * scale).astype(np.float32)

    def run(self, label, op, ref, tensors, **params):
        """Runs the harness on tensors (name -> array) and params; compares
        with ref (a torch tensor)."""
        self.cases += 1
        args = [self.exe, op]
        for name, arr in tensors.items():
            if arr is None:
                continue
            path = os.path.join(self.tmp, f"{name}.npy")
            np.save(path, np.ascontiguousarray(arr, dtype=np.float32))
            args.append(f"{name}={path}")
        out_path = os.path.join(self.tmp, "y.npy")
        if os.path.exists(out_path):
            os.remove(out_path)
        args.append(f"y={out_path}")
        args += [f"{k}={v}" for k, v in params.items()]
        r = subprocess.run(args, capture_output=True, text=True)
        ref = ref.detach().numpy().astype(np.float32)
        if r.returncode != 0:
            self.failed += 1
            print(f"FAIL {op:20s} {label}: harness exited {r.returncode}: {r.stderr.strip()}")
            return
        out = np.load(out_path)
        if out.dtype != np.float32 or out.size != ref.size:
            self.failed += 1
            print(f"FAIL {op:20s} {label}: got {out.dtype} {out.shape}, expected float32 {ref.shape}")
            return
        out = out.reshape(ref.shape)
        # NaN where torch has NaN, the same infinities, the tolerance on the rest
        fin = np.isfinite(ref)
        err = float(np.max(np.abs(out[fin].astype(np.float64) - ref[fin]))) if fin.any() else 0.0
        tol = 1e-4 * (1 + float(np.max(np.abs(ref[fin]))) if fin.any() else 1.0)
        ok = (err <= tol and bool(np.array_equal(np.isnan(out), np.isnan(ref)))
              and bool(np.array_equal(out[np.isinf(ref)], ref[np.isinf(ref)])))
        if not ok:
            self.failed += 1
        print(f"{'ok  ' if ok else 'FAIL'} {op:20s} {label}: shape {tuple(ref.shape)} "
              f"max err {err:.2e} (tol {tol:.2e})")

    # ---- per-family cases --------------------------------------------

    LAYOUTS = ("nhwc", "8")  # the harness's cl= values: NHWC, NCHW8c

    @staticmethod
    def pack_cl(wt, g, cl):
        """wt [oc, c/g, kh, kw] packed for rt_conv2d_cl / rt_conv2d_dw_cl (cnnrt.h)."""
        oc, cg, kh, kw = wt.shape
        c = cg * g
        if g > 1 and g == c == oc:  # depthwise: [nb][kh][kw][cl]
            cl = c if cl == "nhwc" else int(cl)
            out = np.zeros((-(-c // cl), kh, kw, cl), np.float32)
            for ch in range(c):
                out[ch // cl, :, :, ch % cl] = wt[ch, 0]
            return out
        og, strip = oc // g, 16
        def first(o0):
            return min(o0, oc - 1) // og * cg
        span = max((min(o0 + strip, oc) - 1) // og * cg + cg - first(o0) for o0 in range(0, oc, strip))
        out = np.zeros((-(-oc // strip), kh, kw, span, strip), np.float32)
        for o in range(oc):
            s, j = divmod(o, strip)
            k0 = o // og * cg - first(s * strip)
            out[s, :, :, k0:k0 + cg, j] = wt[o].transpose(1, 2, 0)
        return out

    @staticmethod
    def pack_gemm(wt, g):
        """wt [oc, c/g, kh, kw] packed for rt_conv2d_gemm (cnnrt.h): per group,
        W_g [oc/g, k] in panels of RT_GEMM_MR = 6 rows, each [k][6], rows past
        oc/g zero."""
        oc = wt.shape[0]
        og, mr = oc // g, 6
        out = []
        for grp in range(g):
            a = wt[grp * og:(grp + 1) * og].reshape(og, -1)
            panels = np.zeros((-(-og // mr) * mr, a.shape[1]), np.float32)
            panels[:og] = a
            out.append(panels.reshape(-1, mr, a.shape[1]).transpose(0, 2, 1).ravel())
        return np.concatenate(out)

    # G of Winograd F(2x2, 3x3) and F(4x4, 3x3) (points 0, 1, -1 and 0, 1,
    # -1, 2, -2, with infinity), the kernel transform the compiler applies
    # (compiler/passes/pack.c)
    WINOGRAD_G = {
        2: np.array([[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]]),
        4: np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
                     [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]]),
    }

    def winograd(self, m, n, c, h, w, oc, p=1, act="none", res=False, threads=1):
        """rt_conv2d_winograd, F(m x m, 3 x 3), with its fused epilogue:
        weights transformed here, U = G g G^T for each position of the
        (m + 2)^2 and packed as rt_gemm's A. F(4x4)'s rounding, the
        largest, stays ~20x inside the tolerance on these shapes."""
        x = self.randn(n, c, h, w, scale=3)
        wt = self.randn(oc, c, 3, 3, scale=1 / np.sqrt(c * 9))
        b = self.randn(oc)
        t = torch.from_numpy
        ref = F.conv2d(t(x), t(wt), t(b), padding=p)
        r = self.randn(*ref.shape) if res else None
        if res:
            ref = ref + t(r)
        code, fn = self.ACTS[act]
        param = ACT_PARAM.get(act, (0, 0))
        ref = fn(ref, *param)
        g = self.WINOGRAD_G[m]
        u = np.einsum("ik,ockl,jl->ijoc", g, wt.astype(np.float64), g).astype(np.float32)
        packed = np.concatenate([self.pack_gemm(u[i, j][:, :, None, None], 1)
                                 for i in range(m + 2) for j in range(m + 2)])
        label = f"F({m}x{m}) n{n} c{c} {h}x{w} oc{oc} p{p} {act}{' +res' if res else ''} threads {threads}"
        self.run(label, "winograd", ref, {"x": x, "weight": packed, "b": b, "res": r}, n=n, c=c, h=h, w=w, oc=oc, oh=ref.shape[2], ow=ref.shape[3], ph=p, pw=p, m=m, threads=threads,
                 act=code, p=param[0], q=param[1])

    def conv(self, n, c, h, w, oc, k, s=1, p=0, d=1, g=1, bias=True):
        pair = lambda v: v if isinstance(v, tuple) else (v, v)
        k, s, p, d = pair(k), pair(s), pair(p), pair(d)
        x = self.randn(n, c, h, w)
        wt = self.randn(oc, c // g, *k, scale=1 / np.sqrt(c // g * k[0] * k[1]))
        b = self.randn(oc) if bias else None
        ref = F.conv2d(torch.from_numpy(x), torch.from_numpy(wt), None if b is None else torch.from_numpy(b),
                       stride=s, padding=p, dilation=d, groups=g)
        label = f"n{n} c{c} {h}x{w} oc{oc} k{k} s{s} p{p} d{d} g{g}{'' if bias else ' nobias'}"
        params = dict(n=n, c=c, h=h, w=w, oc=oc, oh=ref.shape[2], ow=ref.shape[3], kh=k[0], kw=k[1],
                      sh=s[0], sw=s[1], ph=p[0], pw=p[1], dh=d[0], dw=d[1], groups=g)
        self.run(label, "conv2d", ref, {"x": x, "weight": wt, "b": b}, **params)
        for cl in self.LAYOUTS:
            self.run(f"{label} cl={cl}", "conv2d", ref, {"x": x, "weight": self.pack_cl(wt, g, cl), "b": b},
                     cl=cl, **params)

    def convt(self, n, c, h, w, oc, k, s=1, p=0, op=0, d=1, g=1, bias=True, act="none", res=False):
        """conv_transpose2d, the direct kernel and GEMM + col2im (weights
        packed here: per group W_g^T [og*kh*kw, c/g] for rt_gemm) with its
        epilogue, against F.conv_transpose2d."""
        pair = lambda v: v if isinstance(v, tuple) else (v, v)
        k, s, p, op, d = pair(k), pair(s), pair(p), pair(op), pair(d)
        x = self.randn(n, c, h, w)
        wt = self.randn(c, oc // g, *k, scale=1 / np.sqrt(c // g * k[0] * k[1]))
        b = self.randn(oc) if bias else None
        t = torch.from_numpy
        ref = F.conv_transpose2d(t(x), t(wt), None if b is None else t(b), stride=s, padding=p,
                                 output_padding=op, groups=g, dilation=d)
        label = f"n{n} c{c} {h}x{w} oc{oc} k{k} s{s} p{p} op{op} d{d} g{g}{'' if bias else ' nobias'}"
        params = dict(n=n, c=c, h=h, w=w, oc=oc, oh=ref.shape[2], ow=ref.shape[3], kh=k[0], kw=k[1],
                      sh=s[0], sw=s[1], ph=p[0], pw=p[1], dh=d[0], dw=d[1], groups=g)
        self.run(label, "conv_transpose2d", ref, {"x": x, "weight": wt, "b": b}, **params)
        cg, m = c // g, oc // g * k[0] * k[1]
        packed = []
        for grp in range(g):  # A = W_g^T [m, cg] in panels of 6 rows, each [cg][6]
            a = np.zeros((-(-m // 6) * 6, cg), np.float32)
            a[:m] = wt[grp * cg:(grp + 1) * cg].reshape(cg, m).T
            packed.append(a.reshape(-1, 6, cg).transpose(0, 2, 1).ravel())
        r = self.randn(*ref.shape) if res else None
        if res:
            ref = ref + t(r)
        code, fn = self.ACTS[act]
        param = ACT_PARAM.get(act, (0, 0))
        self.run(f"{label} gemm {act}{' res' if res else ''}", "conv_transpose2d", fn(ref, *param),
                 {"x": x, "weight": np.concatenate(packed), "b": b, "res": r}, gemm=1, act=code, p=param[0],
                 q=param[1], **params)

    def pad(self, n, c, h, w, pads, mode="constant", value=0.0):
        """F.pad over H and W (pads {l, r} or {l, r, t, b}, negative crops)."""
        x = self.randn(n, c, h, w)
        ref = F.pad(torch.from_numpy(x), pads, mode=mode, value=value) if mode == "constant" else \
            F.pad(torch.from_numpy(x), pads, mode=mode)
        top = pads[2] if len(pads) == 4 else 0
        self.run(f"n{n} c{c} {h}x{w} {pads} {mode} {value}", "pad", ref, {"x": x}, n=n, c=c, h=h, w=w,
                 oh=ref.shape[2], ow=ref.shape[3], top=top, left=pads[0],
                 mode=("constant", "reflect", "replicate").index(mode), value=value)

    ACTS = {name: (code, TORCH_ACTS[name]) for code, name in enumerate(ACT_ROWS)}

    def conv_ep(self, kernel, n, c, h, w, oc, k, s=1, p=0, d=1, g=1, bias=True, act="none", res=False, cl=None,
                param=None, slopes=False):
        """An optimized conv kernel (harness op `kernel`; conv2d: the direct
        kernel, or with cl the NHWC / NCHW8c one) with its fused epilogue:
        act(conv(x) + bias + residual); param: act's (p, q), ACT_PARAM's
        when None; slopes: a fused prelu, one slope per output channel
        (act leaky_relu, whose p each channel's slope replaces)."""
        pair = lambda v: v if isinstance(v, tuple) else (v, v)
        k, s, p, d = pair(k), pair(s), pair(p), pair(d)
        x = self.randn(n, c, h, w, scale=3)
        wt = self.randn(oc, c // g, *k, scale=1 / np.sqrt(c // g * k[0] * k[1]))
        b = self.randn(oc) if bias else None
        t = torch.from_numpy
        ref = F.conv2d(t(x), t(wt), None if b is None else t(b), stride=s, padding=p, dilation=d, groups=g)
        r = self.randn(*ref.shape) if res else None
        if res:
            ref = ref + t(r)
        code, fn = self.ACTS[act]
        param = param or ACT_PARAM.get(act, (0, 0))
        slope = None
        if slopes:
            assert act == "leaky_relu"
            slope = self.randn(oc)
            ref = F.prelu(ref, t(slope))
        else:
            ref = fn(ref, *param)
        label = (f"n{n} c{c} {h}x{w} oc{oc} k{k} s{s} p{p} d{d} g{g}{'' if bias else ' nobias'} {act}"
                 f"{' per-channel slopes' if slopes else f' {param}' if act in ACT_PARAM else ''}"
                 f"{' +res' if res else ''}{f' cl={cl}' if cl else ''}")
        packed = self.pack_gemm(wt, g) if kernel == "gemm" else self.pack_cl(wt, g, cl) if cl else wt
        self.run(label, kernel, ref, {"x": x, "weight": packed, "b": b, "res": r, "slope": slope}, n=n, c=c, h=h,
                 w=w, oc=oc,
                 oh=ref.shape[2], ow=ref.shape[3], kh=k[0], kw=k[1], sh=s[0], sw=s[1],
                 ph=p[0], pw=p[1], dh=d[0], dw=d[1], groups=g, act=code, p=param[0], q=param[1],
                 **({"cl": cl} if cl else {}))

    def conv_pro(self, n, c, h, w, oc, s=1, relu=True, act="none", res=False):
        """rt_conv2d_gemm_pro (a 1x1 conv reading its input through a batch
        norm's scale and shift per channel, and a relu), with its epilogue,
        against F.conv2d of F.relu(F.batch_norm(x))."""
        pair = lambda v: v if isinstance(v, tuple) else (v, v)
        s = pair(s)
        x = self.randn(n, c, h, w, scale=3)
        gamma, beta, mean = self.randn(c), self.randn(c), self.randn(c)
        var = (self.rng.random(c) * 2 + 0.05).astype(np.float32)
        wt = self.randn(oc, c, 1, 1, scale=1 / np.sqrt(c))
        b = self.randn(oc)
        t = torch.from_numpy
        xn = F.batch_norm(t(x), t(mean), t(var), t(gamma), t(beta), eps=1e-5)
        ref = F.conv2d(F.relu(xn) if relu else xn, t(wt), t(b), stride=s)
        r = self.randn(*ref.shape) if res else None
        if res:
            ref = ref + t(r)
        code, fn = self.ACTS[act]
        ref = fn(ref, 0, 0)
        scale = (gamma / np.sqrt(var + np.float32(1e-5))).astype(np.float32)  # as fuse_prologue computes them
        shift = (beta - mean * scale).astype(np.float32)
        label = f"n{n} c{c} {h}x{w} oc{oc} s{s} bn{'+relu' if relu else ''} {act}{' +res' if res else ''}"
        self.run(label, "gemm", ref, {"x": x, "weight": self.pack_gemm(wt, 1), "b": b, "res": r, "scale": scale,
                                       "shift": shift}, n=n, c=c, h=h, w=w, oc=oc, oh=ref.shape[2],
                 ow=ref.shape[3], kh=1, kw=1, sh=s[0], sw=s[1], ph=0, pw=0, dh=1, dw=1, groups=1, act=code,
                 p=0, q=0, relu=int(relu))

    def linear(self, n, fin, fout, bias=True):
        x, w = self.randn(n, fin), self.randn(fout, fin, scale=1 / np.sqrt(fin))
        b = self.randn(fout) if bias else None
        ref = F.linear(torch.from_numpy(x), torch.from_numpy(w), None if b is None else torch.from_numpy(b))
        self.run(f"n{n} in{fin} out{fout}{'' if bias else ' nobias'}", "linear", ref,
                 {"x": x, "weight": w, "b": b}, n=n, **{"in": fin, "out": fout})

    def batch_norm(self, shape, eps=1e-5):
        c = shape[1]
        x = self.randn(*shape, scale=3)
        gamma, beta, mean = self.randn(c), self.randn(c), self.randn(c)
        var = (self.rng.random(c) * 2 + 0.05).astype(np.float32)
        t = torch.from_numpy
        ref = F.batch_norm(t(x), t(mean), t(var), t(gamma), t(beta), training=False, eps=eps)
        hw = int(np.prod(shape[2:])) if len(shape) > 2 else 1
        for cl in (None,) + (self.LAYOUTS if len(shape) == 4 else ()):
            self.run(f"{shape} eps {eps:g}" + (f" cl={cl}" if cl else ""), "batch_norm", ref,
                     {"x": x, "gamma": gamma, "beta": beta, "mean": mean, "var": var},
                     n=shape[0], c=c, hw=hw, eps=repr(eps), **({"cl": cl} if cl else {}))

    def pool(self, kind, n, c, h, w, k, s=None, p=0, ceil=False, cip=True, sign=1.0, nan=False):
        pair = lambda v: v if isinstance(v, tuple) else (v, v)
        k = pair(k)
        s = k if s is None else pair(s)
        p = pair(p)
        x = self.randn(n, c, h, w) * np.float32(sign)
        if sign < 0:  # all negative: a zero pad would win a max
            x = -np.abs(x) - np.float32(0.1)
        if nan == "one":  # one NaN in one plane: the pool checks each plane for NaN, and the others skip that care
            x[0, min(1, c - 1), h // 2, w // 3] = np.nan
        elif nan == "inf":  # infinities without NaN: the planes take the max instruction's path
            flat = x.reshape(-1)
            idx = self.rng.choice(flat.size, size=max(2, flat.size // 50), replace=False)
            flat[idx[0::2]] = np.inf
            flat[idx[1::2]] = -np.inf
        elif nan:  # NaN wins a max wherever it sits in the window; so does +inf over -inf
            flat = x.reshape(-1)
            idx = self.rng.choice(flat.size, size=max(1, flat.size // 50), replace=False)
            flat[idx[0::3]] = np.nan
            flat[idx[1::3]] = np.inf
            flat[idx[2::3]] = -np.inf
        if kind == "max_pool2d":
            ref = F.max_pool2d(torch.from_numpy(x), k, s, p, ceil_mode=ceil)
        else:
            ref = F.avg_pool2d(torch.from_numpy(x), k, s, p, ceil_mode=ceil, count_include_pad=cip)
        label = (f"n{n} c{c} {h}x{w} k{k} s{s} p{p}{' ceil' if ceil else ''}"
                 + ("" if kind == "max_pool2d" else (" cip" if cip else " nocip"))
                 + (" negative" if sign < 0 else "") + (" one nan" if nan == "one" else " inf" if nan == "inf" else " nan/inf" if nan else ""))
        for cl in (None,) + self.LAYOUTS:
            self.run(label + (f" cl={cl}" if cl else ""), kind, ref, {"x": x}, n=n, c=c, h=h, w=w,
                     oh=ref.shape[2], ow=ref.shape[3], kh=k[0], kw=k[1], sh=s[0], sw=s[1], ph=p[0], pw=p[1],
                     cip=int(cip), **({"cl": cl} if cl else {}))

    def resize(self, n, c, h, w, oh, ow, mode="bilinear", align_corners=False, stream=0):
        """F.interpolate to size (oh, ow), the scales given as
        compiler/emit/emit_pool.c computes them (in float); stream: y
        marked as never read back (rt_resize_params.stream)."""
        x = self.randn(n, c, h, w)
        ac = align_corners if mode == "bilinear" else None
        ref = F.interpolate(torch.from_numpy(x), size=(oh, ow), mode=mode, align_corners=ac)
        f = np.float32
        def scale(i, o):
            if ac:
                return f(i - 1) / f(o - 1) if o > 1 else f(0)
            return f(i) / f(o)
        self.run(f"n{n} c{c} {h}x{w} -> {oh}x{ow} {mode}{' align_corners' if ac else ''}"
                 f"{' stream' if stream else ''}", "resize", ref,
                 {"x": x}, n=n, c=c, h=h, w=w, oh=oh, ow=ow, bilinear=int(mode == "bilinear"),
                 align_corners=int(bool(ac)), sh=repr(float(scale(h, oh))), sw=repr(float(scale(w, ow))),
                 stream=stream)

    def adaptive(self, n, c, h, w, oh, ow):
        x = self.randn(n, c, h, w)
        ref = F.adaptive_avg_pool2d(torch.from_numpy(x), (oh, ow))
        for cl in (None,) + self.LAYOUTS:
            self.run(f"n{n} c{c} {h}x{w} -> {oh}x{ow}" + (f" cl={cl}" if cl else ""), "adaptive_avg_pool2d",
                     ref, {"x": x}, n=n, c=c, h=h, w=w, oh=oh, ow=ow, **({"cl": cl} if cl else {}))

    def unary(self, op, x, **params):
        t = torch.from_numpy(x)
        ref = t.clone() if op == "copy" else TORCH_ACTS[op](t, params.get("p", 0.0), params.get("q", 0.0))
        label = f"{x.shape} range [{np.nanmin(x):.3g}, {np.nanmax(x):.3g}]"
        if params:
            label += " " + " ".join(f"{k} {v}" for k, v in params.items())
        self.run(label, op, ref, {"x": x}, **params)

    def prelu(self, shape, nslope):
        """PReLU with nslope slopes (1 or C), signs both ways, in NCHW and
        the chunked layouts; NaN, infinities and -0 among the inputs."""
        c = shape[1]
        x = self.randn(*shape, scale=3)
        x.ravel()[:5] = [np.nan, np.inf, -np.inf, -0.0, 0.0]
        slope = self.randn(nslope)
        ref = F.prelu(torch.from_numpy(x), torch.from_numpy(slope))
        hw = int(np.prod(shape[2:])) if len(shape) > 2 else 1
        for cl in (None,) + (self.LAYOUTS if len(shape) == 4 else ()):
            self.run(f"{shape} {nslope} slopes" + (f" cl={cl}" if cl else ""), "prelu", ref,
                     {"x": x, "slope": slope}, n=shape[0], c=c, hw=hw, **({"cl": cl} if cl else {}))

    def permute(self, shape, dims):
        x = self.randn(*shape)
        ref = torch.from_numpy(x).permute(*dims)
        self.run(f"{shape} dims {dims}", "permute", ref, {"x": x},
                 **{f"d{i}": d for i, d in enumerate(shape)}, **{f"p{i}": p for i, p in enumerate(dims)})

    def layer_norm(self, shape, k, affine=True, eps=1e-5, channels=False):
        """Over the last k dims, or (channels) over dim 1 of N x C x H x W."""
        x = self.randn(*shape, scale=3.0) + 2.0
        norm = shape[1:2] if channels else shape[len(shape) - k:]
        w, b = (self.randn(*norm), self.randn(*norm)) if affine else (None, None)
        t = torch.from_numpy(x)
        if channels:
            t = t.permute(0, 2, 3, 1)
        ref = F.layer_norm(t, norm, None if w is None else torch.from_numpy(w),
                           None if b is None else torch.from_numpy(b), eps)
        if channels:
            ref = ref.permute(0, 3, 1, 2)
        inner = int(np.prod(norm))
        label = f"{shape} over {'channels' if channels else norm}{'' if affine else ' no affine'}"
        if channels:
            self.run(label, "layer_norm_channels", ref.flatten(), {"x": x, "weight": w, "b": b}, n=shape[0],
                     c=shape[1], hw=int(np.prod(shape[2:])), eps=eps)
        else:
            self.run(label, "layer_norm", ref.flatten(), {"x": x, "weight": w, "b": b},
                     rows=x.size // inner, inner=inner, eps=eps)

    def softmax(self, shape, scale=1.0):
        x = self.randn(*shape, scale=scale)
        ref = F.softmax(torch.from_numpy(x), dim=1)
        hw = int(np.prod(shape[2:])) if len(shape) > 2 else 1
        self.run(f"{shape} scale {scale:g}", "softmax", ref, {"x": x}, n=shape[0], c=shape[1], hw=hw)


def main():
    with tempfile.TemporaryDirectory(prefix="check_kernels.") as tmp:
        ck = Checker(build(tmp), tmp)

        # conv2d: plain, stride/padding, depthwise, groups, dilation, 1x1, stem
        ck.conv(1, 3, 11, 9, 13, 3)
        ck.conv(2, 3, 13, 7, 37, 3, s=2, p=2)
        ck.conv(2, 13, 9, 11, 13, 3, p=1, g=13)
        ck.conv(1, 4, 7, 9, 8, 3, s=2, p=1, g=4, bias=False)
        ck.conv(2, 6, 12, 9, 9, (3, 5), s=(2, 1), p=(2, 0), d=2, g=3)
        ck.conv(1, 3, 11, 10, 5, 3, p=2, d=2)
        ck.conv(2, 37, 5, 7, 13, 1)
        ck.conv(1, 3, 23, 19, 8, 7, s=2, p=3, bias=False)
        ck.conv(1, 13, 8, 8, 37, 3, s=2, p=0)
        ck.conv(2, 37, 6, 5, 37, 3, p=1, g=37)
        ck.conv(1, 40, 13, 11, 40, 3, s=2, p=1, g=40)          # depthwise: interior run, stride 2
        ck.conv(1, 16, 15, 17, 16, 3, p=2, d=2, g=16)          # depthwise, dilated
        # the chunked depthwise's 3x3/5x5 blocks (conv_cl.c dw_block):
        # interior and border blocks, planes narrower than a block
        ck.conv(1, 37, 15, 19, 37, 5, p=2, g=37)               # 5x5, stride 1
        ck.conv(2, 13, 11, 17, 13, 5, s=2, p=2, g=13)          # 5x5, stride 2
        ck.conv(1, 13, 7, 7, 13, 5, p=2, g=13)                 # 7x7: every block a border one
        ck.conv(1, 37, 9, 21, 37, 3, s=2, p=0, g=37)           # stride 2, padding 0
        ck.conv(1, 13, 5, 3, 13, 3, p=0, g=13)                 # padding 0, one output column
        ck.conv(1, 24, 9, 14, 40, 3, p=1)                      # two strips, rows longer than a tile
        ck.conv(1, 26, 6, 7, 26, 3, p=1, g=2)                  # a strip across two groups
        ck.conv(1, 1100, 3, 2, 5, 1)                           # NHWC: more channels than the zero row
        # the pointwise path (1x1, stride 1, no padding): a plane past one
        # block of 48 pixels ending in a short tile, channels across blocks
        # and a strip's last half; 1x1 with stride 2 or padding (not it)
        ck.conv(2, 37, 9, 11, 40, 1)
        ck.conv(1, 26, 5, 3, 26, 1, g=2)
        ck.conv(1, 13, 9, 11, 24, 1, s=2)
        ck.conv(1, 13, 5, 7, 13, 1, p=1)

        # conv_transpose2d, direct and GEMM + col2im: stride 2 and 3, odd
        # sizes, output_padding (below the stride, or below the dilation),
        # groups, dilation, padding 0 and cropping most of the output,
        # 1x1, more input pixels than one GEMM block (several blocks)
        ck.convt(1, 3, 7, 9, 13, 3, s=2, p=1, op=1, act="relu")
        ck.convt(2, 13, 5, 7, 26, (3, 4), s=3, op=(2, 1), d=(1, 2), g=13, bias=False, act="hardswish", res=True)
        ck.convt(1, 37, 6, 5, 13, 3, p=2, d=2, op=1, act="leaky_relu")
        ck.convt(2, 6, 9, 11, 9, (2, 5), s=(2, 3), p=(0, 2), g=3, res=True)
        ck.convt(1, 13, 5, 3, 5, 4, s=2, p=3)
        ck.convt(1, 13, 7, 9, 3, 1)
        ck.convt(1, 4, 67, 71, 21, 4, s=2, p=1, act="sigmoid")

        # interpolate: nearest (doubling, and any ratio), bilinear up and
        # down both ways of align_corners; two outputs past 2 MB never
        # read back, whose rows' whole cache lines are streamed to memory
        # (rows of odd widths: every alignment of a row's first line)
        ck.resize(1, 3, 5, 7, 10, 14, mode="nearest")
        ck.resize(2, 3, 7, 5, 9, 13, mode="nearest", stream=1)
        ck.resize(1, 13, 5, 7, 11, 17, stream=1)
        ck.resize(2, 3, 17, 13, 6, 5, align_corners=True)
        ck.resize(1, 3, 13, 11, 523, 397, stream=1)
        ck.resize(2, 2, 9, 7, 419, 333, align_corners=True, stream=1)

        # pad: each mode, odd pads on every side, negative (cropping) pads,
        # reflect up to the dim minus one, the 2-element form
        ck.pad(2, 3, 7, 9, (1, 2, 3, 0))
        ck.pad(1, 13, 5, 7, (-1, 2, 1, -2), value=0.5)
        ck.pad(1, 3, 5, 7, (1, 2), value=-1.5)
        ck.pad(2, 3, 7, 9, (8, 1, 3, 6), mode="reflect")
        ck.pad(1, 13, 5, 7, (2, -1, -1, 4), mode="reflect")
        ck.pad(2, 3, 7, 9, (3, 1, 12, 0), mode="replicate")
        ck.pad(1, 3, 5, 7, (-3, 4, 2, -1), mode="replicate")

        # depthwise with its epilogue: the flat paths (3x3 padding 1 at stride
        # 1 and 2, one band and several), strides 1, 2, 3, dilation, widths
        # under and over the vector width (runtime/depthwise.c picks the
        # path: those not 3x3 padding 1 at stride 1 or 2 now go to
        # depthwise_cb or depthwise_phases);
        # the general path for rows too wide for the ring and kernels of
        # more than 64 taps
        for act, res in (("relu6", True), ("none", False), ("relu", True), ("leaky_relu", False),
                         ("tanh", True)):
            ck.conv_ep("depthwise", 2, 13, 17, 23, 13, 3, s=2, p=1, g=13, act=act, res=res)
        ck.conv_ep("depthwise", 1, 37, 15, 13, 37, 3, s=1, p=1, g=37, act="relu6", res=True)
        ck.conv_ep("depthwise", 1, 3, 7, 5, 3, 3, s=1, p=0, g=3, bias=False)
        ck.conv_ep("depthwise", 1, 3, 9, 9, 3, 3, s=2, p=0, g=3, act="relu6")
        ck.conv_ep("depthwise", 2, 13, 5, 3, 13, 3, s=1, p=1, g=13, res=True)
        # (rows of 3: depthwise_cb.c; with slopes, the stride-1 flat path)
        ck.conv_ep("depthwise", 2, 13, 5, 3, 13, 3, s=1, p=1, g=13, act="leaky_relu", slopes=True, res=True)
        ck.conv_ep("depthwise", 1, 37, 7, 7, 37, 3, s=1, p=1, g=37, act="relu6", res=True)  # mobilenet's 7x7
        ck.conv_ep("depthwise", 1, 13, 12, 70, 13, 3, s=1, p=1, g=13, act="relu")
        ck.conv_ep("depthwise", 1, 13, 11, 69, 13, 3, s=2, p=1, g=13, act="relu6", res=True)
        ck.conv_ep("depthwise", 1, 13, 13, 19, 13, 5, s=(1, 2), p=2, g=13, res=True)
        ck.conv_ep("depthwise", 1, 3, 14, 17, 3, (3, 5), s=3, p=(1, 2), d=2, g=3, act="relu")
        ck.conv_ep("depthwise", 1, 13, 19, 21, 13, 3, s=2, p=2, d=(2, 3), g=13)
        ck.conv_ep("depthwise", 1, 3, 5, 3000, 3, 3, s=1, p=1, g=3, act="relu6", res=True)
        ck.conv_ep("depthwise", 1, 13, 37, 45, 13, 3, s=1, p=1, g=13, act="relu6", res=True)
        ck.conv_ep("depthwise", 2, 3, 9, 256, 3, 3, s=1, p=1, g=3, act="sigmoid", res=True)
        ck.conv_ep("depthwise", 1, 3, 5, 250, 3, 3, s=1, p=1, g=3)  # first band reads the last input row
        # bands of 10 rows: the 2nd and 3rd read the plane in place, the 4th
        # (its reads would pass the plane) and the 1st are copied
        ck.conv_ep("depthwise", 2, 3, 40, 100, 3, 3, s=1, p=1, g=3, act="relu6", res=True)
        ck.conv_ep("depthwise", 1, 3, 41, 255, 3, 3, s=2, p=1, g=3, act="relu")
        # 3x3 stride 2 padding 1 (depthwise_s2.c, input rows split in
        # registers, at any width): rows of 7 outputs, an odd height (the last row's tap
        # below is padding), rows of whole pairs of vectors, a big plane;
        # an odd width whose last vector holds its right padding column (31:
        # 16 outputs), a last vector of 2 input columns (18), one input row
        # (both neighbours padding), per-channel slopes on rows of 1 and 3
        # outputs
        ck.conv_ep("depthwise", 2, 13, 14, 14, 13, 3, s=2, p=1, g=13, act="relu6", res=True)
        ck.conv_ep("depthwise", 1, 5, 15, 28, 5, 3, s=2, p=1, g=5, act="leaky_relu")
        ck.conv_ep("depthwise", 1, 3, 34, 50, 3, 3, s=2, p=1, g=3, act="sigmoid", res=True)
        ck.conv_ep("depthwise", 1, 3, 70, 64, 3, 3, s=2, p=1, g=3, act="relu")
        ck.conv_ep("depthwise", 2, 5, 9, 31, 5, 3, s=2, p=1, g=5, act="relu6", res=True)
        ck.conv_ep("depthwise", 1, 3, 6, 18, 3, 3, s=2, p=1, g=3, act="hardswish")
        ck.conv_ep("depthwise", 1, 4, 1, 37, 4, 3, s=2, p=1, g=4, res=True)
        ck.conv_ep("depthwise", 1, 13, 3, 1, 13, 3, s=2, p=1, g=13, act="leaky_relu", slopes=True)
        ck.conv_ep("depthwise", 2, 7, 13, 5, 7, 3, s=2, p=1, g=7, act="leaky_relu", slopes=True, res=True)
        # rows narrower than half a vector, the stores at a plane's end (ASan;
        # with threads a store past it was once a race on the next plane)
        ck.conv_ep("depthwise", 1, 3, 5, 2, 3, 3, s=2, p=1, g=3)
        ck.conv_ep("depthwise", 1, 3, 9, 4, 3, 3, s=2, p=1, g=3, res=True)
        ck.conv_ep("depthwise", 1, 3, 7, 6, 3, 3, s=2, p=1, g=3, act="relu")
        ck.conv_ep("depthwise", 1, 3, 11, 13, 3, 9, s=1, p=4, g=3, res=True)
        # the ring's path (depthwise_rows.c), which the paths below leave
        # only: a 5x5 at stride 2 whose padded rows are too wide for
        # depthwise_cb, a 3x3 with padding 0 on rows of a vector or more, a
        # 3x3 at stride 3
        ck.conv_ep("depthwise", 1, 3, 9, 260, 3, 5, s=2, p=2, g=3, act="relu", res=True)
        ck.conv_ep("depthwise", 1, 5, 9, 20, 5, 3, s=1, p=0, g=5, act="sigmoid")
        ck.conv_ep("depthwise", 1, 4, 11, 40, 4, 3, s=3, p=1, g=4, act="relu6", res=True)
        # small planes, vectors across channels (depthwise_cb.c): channel
        # blocks with a tail (37, 13), blocks spanning two images, planes of
        # fewer pixels than a vector and not a multiple of it, stride 2,
        # padding 0, a non-square kernel, a 3x3 on 7-column outputs (padding
        # 0: with padding 1 it goes to depthwise_s2.c), LANES
        # and VEC activations with a residual; planes in several bands of
        # output rows (stride 1 and 2); then rows too wide for it (a 5x5 at
        # stride 1: depthwise_phases.c)
        ck.conv_ep("depthwise", 1, 37, 7, 7, 37, 5, s=1, p=2, g=37, act="hardswish", res=True)
        ck.conv_ep("depthwise", 2, 13, 15, 13, 13, 5, s=2, p=2, g=13, act="silu")
        ck.conv_ep("depthwise", 2, 13, 3, 2, 13, 5, s=1, p=2, g=13, act="sigmoid", res=True)
        ck.conv_ep("depthwise", 1, 21, 9, 11, 21, (3, 5), s=(2, 1), p=0, g=21, act="relu6")
        ck.conv_ep("depthwise", 1, 37, 15, 15, 37, 3, s=2, p=0, g=37, act="hardsigmoid", res=True)
        ck.conv_ep("depthwise", 1, 3, 29, 31, 3, 7, s=1, p=3, g=3, bias=False)
        ck.conv_ep("depthwise", 1, 5, 41, 43, 5, 5, s=1, p=2, g=5, act="hardswish", res=True)
        ck.conv_ep("depthwise", 1, 13, 57, 45, 13, 5, s=2, p=2, g=13, act="silu", res=True)
        ck.conv_ep("depthwise", 1, 3, 9, 250, 3, 5, s=1, p=2, g=3, act="relu")
        # dilated, vectors across channels (depthwise_cb.c): lraspp's 5x5 at
        # dilation 2 on two images (three bands, the last of one row), several
        # bands at stride 2 and dilation 3, 'same' padding at stride 2, padding
        # 0 (a 3x3 on rows of a vector or more, which undilated goes to the
        # flat paths), planes narrower than a vector, dilation (2, 3); then
        # (depthwise_phases.c) rows too wide for two output rows of a band,
        # and (the general path) too wide for one
        ck.conv_ep("depthwise", 2, 37, 33, 35, 37, 5, s=1, p=4, d=2, g=37, act="hardswish", res=True)
        ck.conv_ep("depthwise", 1, 13, 150, 61, 13, 3, s=2, p=3, d=3, g=13, act="sigmoid", res=True)
        ck.conv_ep("depthwise", 1, 13, 41, 39, 13, 5, s=2, p=4, d=2, g=13, act="relu6")
        ck.conv_ep("depthwise", 1, 37, 21, 19, 37, 3, s=1, p=0, d=2, g=37, act="silu", res=True)
        ck.conv_ep("depthwise", 2, 3, 9, 7, 3, 3, s=1, p=0, d=3, g=3, bias=False)
        ck.conv_ep("depthwise", 1, 13, 17, 15, 13, 3, s=1, p=(2, 3), d=(2, 3), g=13, act="hardswish", res=True)
        ck.conv_ep("depthwise", 1, 3, 11, 100, 3, 5, s=1, p=4, d=2, g=3, act="relu", res=True)
        ck.conv_ep("depthwise", 1, 3, 5, 3000, 3, 3, s=1, p=2, d=2, g=3, act="relu")
        # undilated kernels of more than 9 taps at stride 1 take it too when
        # depthwise_cb does not (rows of more than RT_DW_CB_PIXELS: the
        # 250-column case above); these small ones go to depthwise_cb: 5x5,
        # 7x7 over two images, a {3, 5} kernel with padding 0 on one side
        ck.conv_ep("depthwise", 1, 37, 15, 17, 37, 5, s=1, p=2, g=37, act="relu", res=True)
        ck.conv_ep("depthwise", 2, 13, 9, 23, 13, 7, s=1, p=3, g=13, act="hardswish")
        ck.conv_ep("depthwise", 1, 3, 11, 12, 3, (3, 5), s=1, p=(0, 1), g=3, bias=False)

        # a fused prelu (one slope per channel) on every depthwise path:
        # the ring, dilated and wide undilated phases, the general path for
        # very wide rows, the flat stride-2 path, and the small planes that
        # depthwise_cb would take without slopes
        for args, kw in (((1, 3, 9, 260, 3, 5), dict(s=2, p=2, g=3, res=True)),
                         ((2, 37, 33, 35, 37, 5), dict(s=1, p=4, d=2, g=37, res=True)),
                         ((1, 3, 9, 250, 3, 5), dict(s=1, p=2, g=3)),
                         ((1, 3, 5, 3000, 3, 3), dict(s=1, p=1, g=3, res=True)),
                         ((2, 13, 17, 23, 13, 3), dict(s=2, p=1, g=13)),
                         ((1, 37, 7, 7, 37, 5), dict(s=1, p=2, g=37, res=True))):
            ck.conv_ep("depthwise", *args, act="leaky_relu", slopes=True, **kw)
        # ... and on the GEMM's column paths (1x1 on one pixel, planes smaller
        # than a strip, packed columns, a last panel of 3 rows), the stem, the
        # direct conv and the channel-chunked ones
        ck.conv_ep("gemm", 1, 64, 1, 1, 16, 1, act="leaky_relu", slopes=True, res=True)
        ck.conv_ep("gemm", 2, 8, 1, 3, 200, 1, act="leaky_relu", slopes=True)
        ck.conv_ep("gemm", 1, 37, 7, 7, 13, 1, act="leaky_relu", slopes=True, res=True)
        ck.conv_ep("gemm", 1, 19, 13, 11, 16, 1, act="leaky_relu", slopes=True)
        # planes of fewer pixels than a vector (rt_gemm's columns past whole
        # vectors, up to 4 a pass, partial sums): k of 1 and 2 (steps loaded
        # alone), 3 columns with k past a chunk, 6 (4 + 2; with SSE a vector
        # and 2)
        ck.conv_ep("gemm", 1, 1, 1, 2, 13, 1, act="hardswish", res=True)
        ck.conv_ep("gemm", 1, 2, 1, 1, 37, 1, act="relu")
        ck.conv_ep("gemm", 1, 300, 1, 3, 37, 1, act="leaky_relu", slopes=True, res=True)
        ck.conv_ep("gemm", 1, 19, 2, 3, 13, 1, act="relu6", res=True)
        # one column as a matrix-vector product (gemm.c's gemv): a
        # squeeze-excite's fc2 (its sigmoid over the contiguous column),
        # k in chunks of 512 with a tail that ends inside a period, 400
        # rows in two groups of panels, the last panel short; k of 13 (less
        # than a period); 5 columns, the last one a column of a wider C
        # (its epilogue a float at a time)
        ck.conv_ep("gemm", 1, 1100, 1, 1, 400, 1, act="sigmoid", res=True)
        ck.conv_ep("gemm", 2, 48, 1, 1, 1152, 1, act="silu")
        ck.conv_ep("gemm", 1, 13, 1, 1, 37, 1, act="hardsigmoid")
        ck.conv_ep("gemm", 1, 19, 1, 5, 13, 1, act="sigmoid", res=True)
        # ... and the 1 to 4 columns after whole tiles of a plane (14x14:
        # 192 + 4; 6x6: 32 + 4), read in place, one at a time
        ck.conv_ep("gemm", 2, 96, 14, 14, 37, 1, act="silu", res=True)
        ck.conv_ep("gemm", 1, 40, 6, 6, 200, 1, act="leaky_relu", slopes=True)
        ck.conv_ep("stem", 2, 3, 23, 19, 13, 7, s=2, p=3, act="leaky_relu", slopes=True, res=True)
        ck.conv_ep("conv2d", 1, 13, 9, 11, 7, 3, s=2, p=1, act="leaky_relu", slopes=True)
        for cl in ck.LAYOUTS:
            ck.conv_ep("conv2d", 1, 24, 9, 14, 40, 3, p=1, act="leaky_relu", slopes=True, res=True, cl=cl)
            ck.conv_ep("conv2d", 2, 13, 17, 23, 13, 3, s=2, p=1, g=13, act="leaky_relu", slopes=True, cl=cl)
            ck.conv_ep("conv2d", 1, 37, 13, 15, 37, 5, s=1, p=2, g=37, act="hardswish", res=True, cl=cl)
            ck.conv_ep("conv2d", 1, 13, 9, 11, 13, 3, s=1, p=1, g=13, act="relu6", res=True, cl=cl)
            ck.conv_ep("conv2d", 1, 13, 5, 7, 37, 1, act="leaky_relu", slopes=True, res=True, cl=cl)

        # the stem kernel (few input channels, groups 1) with its epilogue:
        # resnet's 7x7/2 on an odd image, every channel tile size, strides
        # 1 to 3, dilation, widths past one register tile
        ck.conv_ep("stem", 1, 3, 37, 45, 64, 7, s=2, p=3, bias=False, act="relu")
        ck.conv_ep("stem", 2, 3, 23, 19, 13, 7, s=2, p=3, act="relu6", res=True)
        ck.conv_ep("stem", 1, 1, 28, 28, 5, 5, s=1, p=2, act="leaky_relu")
        ck.conv_ep("stem", 1, 4, 13, 71, 37, 3, s=1, p=1, res=True)
        ck.conv_ep("stem", 1, 2, 17, 21, 7, (3, 5), s=(2, 3), p=(1, 2), d=(2, 1), act="tanh")
        ck.conv_ep("stem", 1, 3, 9, 11, 8, 3, s=2, p=0, act="sigmoid", res=True)
        ck.conv_ep("stem", 1, 3, 30, 16, 1, 2, s=2, p=0)
        # whole 8-channel x 16-column tiles (their straight-line epilogue), two
        # images (rows kept between output rows restart per image)
        ck.conv_ep("stem", 2, 3, 33, 37, 16, 3, s=2, p=1, act="leaky_relu", res=True)
        ck.conv_ep("stem", 1, 3, 45, 47, 24, 3, s=2, p=1, act="relu6")
        ck.conv_ep("stem", 2, 1, 20, 35, 9, 3, s=1, p=1, d=2, act="relu", res=True)
        ck.conv_ep("stem", 2, 3, 2, 40, 8, 3, s=2, p=1, act="relu")  # one output row per image
        # with 32 registers a last vector of columns goes by tail tiles of
        # 16 channels: whole ones (48 = 32 + 16 columns, 32 channels, as
        # resnet's 112 = 96 + 16) and short ones (37 channels)
        ck.conv_ep("stem", 1, 3, 21, 95, 32, 7, s=2, p=3, act="relu", res=True)
        ck.conv_ep("stem", 2, 3, 15, 95, 37, 7, s=2, p=3, act="hardswish")

        # im2col + GEMM (rt_conv2d_gemm) with its epilogue: 1x1 at stride 2
        # (strips of 16 pixels in one row go through vector shuffles; at
        # w = 31, ow = 16, a strip's last vector would read one float past
        # the row, so it must not: ASan checks that in the sanitized pass),
        # uneven strides, groups, a partial last strip, 1x1 at stride 1
        # (7x7: every pixel packed), 3x3 through the tap table, weights big
        # enough to be read panel by panel
        ck.conv_ep("gemm", 1, 13, 9, 31, 37, 1, s=2, act="relu", res=True)
        ck.conv_ep("gemm", 2, 5, 8, 70, 13, 1, s=2)
        ck.conv_ep("gemm", 1, 12, 11, 17, 8, 1, s=(2, 3), g=2, act="relu6")
        ck.conv_ep("gemm", 1, 7, 10, 11, 9, 1, s=3, bias=False)
        ck.conv_ep("gemm", 1, 256, 7, 7, 200, 1, res=True)
        # 1x1 at stride 1: whole 32-column tiles in place, the other 17
        # columns packed (runs of the input, the last channel's partial run
        # copied float by float); 25 pixels: all packed
        ck.conv_ep("gemm", 1, 37, 7, 7, 13, 1, act="relu6", res=True)
        ck.conv_ep("gemm", 2, 26, 9, 9, 38, 1, g=2, act="relu")
        ck.conv_ep("gemm", 1, 3, 5, 5, 7, 1)
        # planes smaller than a strip: no channel's run may be read past the input
        ck.conv_ep("gemm", 1, 64, 1, 1, 16, 1)
        ck.conv_ep("gemm", 1, 8, 2, 2, 16, 1)
        ck.conv_ep("gemm", 2, 8, 1, 3, 200, 1)
        # a last panel of 4, 3 and 2 rows (computed as 4, 4, 2) under whole tiles
        ck.conv_ep("gemm", 1, 19, 13, 11, 16, 1, act="relu", res=True)
        ck.conv_ep("gemm", 1, 8, 9, 8, 33, 1, act="relu6", res=True)
        ck.conv_ep("gemm", 2, 5, 8, 9, 32, 1, act="leaky_relu")
        ck.conv_ep("gemm", 2, 13, 9, 11, 37, 3, s=2, p=1, act="leaky_relu")
        # im2col_packed's strips of 16 pixels over one output row and two
        # (ow 15), three (ow 7) and sixteen (ow 1: a segment a pixel),
        # stride 3 with dilation and a non-square kernel
        ck.conv_ep("gemm", 1, 13, 29, 30, 37, 3, s=2, p=1, act="relu", res=True)
        ck.conv_ep("gemm", 2, 3, 13, 14, 13, 3, s=2, p=1)
        ck.conv_ep("gemm", 1, 5, 37, 1, 13, 3, p=1, act="relu6")
        ck.conv_ep("gemm", 1, 4, 17, 23, 9, (3, 5), s=3, p=(2, 1), d=2)
        # 1x1 at stride 1 in gemm.c's chunked order: k cut in chunks (600: 3
        # x 200; 270: 2 x 135), B's tile copied (48 rows or more, k >= 64,
        # rows not a multiple of 16 floats apart) or not, a last panel of 4
        # or 1 rows, more rows than one block of partial sums (400 > 64
        # panels; 100 pixels, a multiple of 4, so read in place), one chunk
        # copied (100)
        ck.conv_ep("gemm", 1, 600, 13, 11, 52, 1, act="hardswish", res=True)
        ck.conv_ep("gemm", 1, 300, 7, 9, 13, 1, act="relu")
        ck.conv_ep("gemm", 1, 270, 10, 10, 400, 1, act="leaky_relu", res=True)
        ck.conv_ep("gemm", 1, 100, 10, 10, 50, 1, act="hardswish")
        # gemm.c's edge tiles (1 or 3 vectors of columns and 1-4 after them):
        # with AVX-512's vectors of 16, 49 and 52 pixels (48 + 1, 48 + 4) and
        # 50 and 51 (32 read in place, then 16 + 2, 16 + 3); with AVX2's of 8,
        # 25 (24 + 1) and 9 (8 + 1); packed 1x1s (197 rows: a last panel of
        # 5), im2col at stride 2, the panels-outer order (A over 512 KB)
        ck.conv_ep("gemm", 1, 40, 7, 7, 197, 1, act="hardswish", res=True)
        ck.conv_ep("gemm", 1, 37, 5, 10, 13, 1, act="relu6", res=True)
        ck.conv_ep("gemm", 2, 19, 3, 17, 37, 1, act="leaky_relu")
        ck.conv_ep("gemm", 1, 13, 8, 26, 37, 3, s=2, p=1, act="silu", res=True)
        ck.conv_ep("gemm", 1, 37, 9, 9, 397, 3, act="hardswish", res=True)
        ck.conv_ep("gemm", 1, 24, 5, 5, 37, 1, act="silu", res=True)
        ck.conv_ep("gemm", 1, 21, 3, 3, 37, 1, act="relu6", res=True)
        # rt_conv2d_gemm_pro: a batch norm (and relu) applied as the input is
        # packed, every column packed: odd planes with a partial last strip,
        # the last channel's run float by float, stride 2 float by float (w =
        # 31) and in one row (w = 40: vector shuffles), uneven strides,
        # planes smaller than a strip, weights read panel by panel
        ck.conv_pro(1, 37, 11, 9, 13, act="relu", res=True)
        ck.conv_pro(2, 13, 7, 7, 37, relu=False)
        ck.conv_pro(1, 13, 9, 31, 37, s=2)
        ck.conv_pro(1, 13, 5, 40, 37, s=2)
        ck.conv_pro(1, 12, 11, 17, 8, s=(2, 3), relu=False, res=True)
        ck.conv_pro(1, 64, 1, 1, 16)
        ck.conv_pro(1, 1024, 7, 7, 128, act="relu")
        ck.conv_ep("gemm", 1, 37, 19, 23, 397, 3, s=2, res=True)
        # im2col strips of 16 pixels in one output row copied as runs of the
        # input (stride 1, stride 2 with even lanes); taps in the padding and
        # strips across rows by the table; a run whose last load would pass
        # the plane's end (5x33, stride 2, last row, kx = 2) by the table
        ck.conv_ep("gemm", 1, 5, 21, 40, 13, 3, s=2, p=1, act="relu")
        ck.conv_ep("gemm", 2, 3, 9, 37, 7, 3, s=1, p=1, res=True)
        ck.conv_ep("gemm", 1, 3, 5, 33, 6, 3, s=2, p=0)
        # Winograd F(2x2) and F(4x4): edge tiles (odd sizes), padding 0 and
        # 2, a single tile, oc not a multiple of the GEMM's 6 rows, more
        # tiles than one block, vectors of tiles over several rows of tiles
        # (whole and parts) that cross blocks, and on two threads (one
        # scratch area each)
        for m in (2, 4):
            ck.winograd(m, 1, 1, 3, 3, 1, p=0)
            ck.winograd(m, 1, 3, 13, 11, 13, act="relu", res=True)
            ck.winograd(m, 2, 13, 11, 9, 37, p=0, act="leaky_relu")
            ck.winograd(m, 1, 16, 10, 6, 6, p=2)
            ck.winograd(m, 1, 37, 41, 39, 37, act="relu6", res=True)
            ck.winograd(m, 1, 13, 30, 61, 13, act="hardswish")
            ck.winograd(m, 2, 37, 11, 15, 13, act="relu")
            ck.winograd(m, 1, 13, 14, 14, 37, res=True)
            ck.winograd(m, 1, 37, 7, 7, 37, act="relu", res=True)
            ck.winograd(m, 1, 13, 32, 32, 13, act="relu")
            ck.winograd(m, 1, 64, 9, 9, 70, act="sigmoid")
            ck.winograd(m, 1, 64, 58, 58, 64, act="relu", res=True, threads=2)
            ck.winograd(m, 2, 37, 17, 7, 13, act="relu", threads=2)
            # vectors of consecutive tiles across rows of tiles: one tile
            # a row (16 rows a vector), 3 or 5, and rows of 33 or 66
            # tiles with padding 2
            ck.winograd(m, 1, 13, 70, 4, 13, p=0, act="relu", res=True)
            ck.winograd(m, 1, 5, 40, 9, 7)
            ck.winograd(m, 1, 3, 9, 130, 5, p=2, act="relu")
        # a block's last few tiles multiplied one column at a time (with
        # AVX-512, where they pay: runtime/winograd.c's narrow_pays): 49
        # tiles, 32 + 16 + 1 (oc not a multiple of 12), and as one block
        # (the transformed weights outweigh V and M) on two threads; 1, 2,
        # 3 and 4 of them alone, and 4 after a vector of 16
        ck.winograd(4, 1, 128, 28, 28, 37, act="relu", res=True)
        ck.winograd(4, 1, 96, 26, 27, 101, act="relu6", threads=2)
        ck.winograd(4, 1, 40, 4, 4, 7)
        ck.winograd(2, 2, 70, 2, 4, 13, act="leaky_relu")
        ck.winograd(4, 1, 130, 4, 12, 19, act="sigmoid", res=True)
        ck.winograd(2, 1, 220, 4, 4, 12, threads=2)
        ck.winograd(4, 1, 220, 16, 20, 14, res=True)

        # every activation of acts.def fused into every kernel with an
        # epilogue, on its odd shapes: direct, the stem (a partial channel
        # tile; whole 8 x 16 tiles), im2col + GEMM (1x1 stride 2; 3x3),
        # depthwise (the flat, wide-row, stride-2 and general paths),
        # and the NHWC / NCHW8c conv (two strips; a strip across two groups;
        # pointwise, 1x1 on 63 pixels into 40 channels) and depthwise; with
        # and without a residual
        for i, (act, pq) in enumerate([(a, None) for a in ACT_ROWS[1:]] + ACT_AGAIN):
            res = i % 2 == 0
            ck.conv_ep("conv2d", 1, 13, 9, 11, 7, 3, s=2, p=1, act=act, res=res, param=pq)
            ck.conv_ep("conv2d", 2, 3, 13, 7, 37, 3, s=2, p=2, d=2, act=act, res=not res, param=pq)
            ck.conv_ep("stem", 2, 3, 23, 19, 13, 7, s=2, p=3, act=act, res=res, param=pq)
            ck.conv_ep("stem", 2, 3, 33, 37, 16, 3, s=2, p=1, act=act, res=not res, param=pq)
            ck.conv_ep("gemm", 1, 13, 9, 31, 37, 1, s=2, act=act, res=res, param=pq)
            ck.conv_ep("gemm", 2, 13, 9, 11, 37, 3, s=2, p=1, act=act, res=not res, param=pq)
            ck.conv_ep("depthwise", 2, 13, 17, 23, 13, 3, s=2, p=1, g=13, act=act, res=res, param=pq)
            ck.conv_ep("depthwise", 1, 3, 9, 256, 3, 3, s=1, p=1, g=3, act=act, res=not res, param=pq)
            ck.conv_ep("depthwise", 1, 3, 34, 50, 3, 3, s=2, p=1, g=3, act=act, res=res, param=pq)
            ck.conv_ep("depthwise", 1, 13, 13, 19, 13, 5, s=(1, 2), p=2, g=13, act=act, res=not res, param=pq)
            for cl in ck.LAYOUTS:
                ck.conv_ep("conv2d", 1, 24, 9, 14, 40, 3, p=1, act=act, res=res, cl=cl, param=pq)
                ck.conv_ep("conv2d", 1, 26, 6, 7, 26, 3, p=1, g=2, act=act, res=not res, cl=cl, param=pq)
                ck.conv_ep("conv2d", 2, 13, 17, 23, 13, 3, s=2, p=1, g=13, act=act, res=res, cl=cl, param=pq)
                ck.conv_ep("conv2d", 1, 37, 7, 9, 40, 1, act=act, res=not res, cl=cl, param=pq)

        # linear
        ck.linear(2, 37, 13)
        ck.linear(1, 3, 10, bias=False)
        ck.linear(3, 400, 37)
        # rows of W at most 2048 long go one at a time (runtime/linear.c),
        # longer ones four at a time (a last group of 1 to 3 rows here)
        ck.linear(1, 2048, 9)
        ck.linear(2, 2049, 6)
        ck.linear(1, 2500, 7, bias=False)

        # permute (4-D, and 3-D as 4-D with a leading 1), layer_norm over
        # the last dims and over channels (tiles of 64 pixels and a tail)
        ck.permute((2, 13, 9, 7), (0, 2, 3, 1))
        ck.permute((2, 9, 7, 37), (0, 3, 1, 2))
        ck.permute((1, 2, 45, 11), (0, 1, 3, 2))
        ck.layer_norm((2, 9, 7, 13), 1, eps=1e-6)
        ck.layer_norm((2, 13, 9, 7), 2)
        ck.layer_norm((3, 45, 11), 2, affine=False)
        ck.layer_norm((2, 37, 9, 11), 1, eps=1e-6, channels=True)
        ck.layer_norm((1, 13, 5, 3), 1, affine=False, channels=True)

        # batch norm (4-D and 2-D)
        ck.batch_norm((2, 13, 7, 5))
        ck.batch_norm((2, 37))
        ck.batch_norm((1, 3, 9, 11), eps=1e-3)

        # activations, add, copy, concat
        x = ck.randn(2, 3, 7, 5, scale=5)
        for op in ("relu", "relu6", "sigmoid", "tanh", "hardswish", "hardsigmoid", "silu", "mish", "copy"):
            ck.unary(op, x)
        ck.unary("leaky_relu", x, p=0.01)
        ck.unary("leaky_relu", x, p=0.2)
        ck.unary("elu", x, p=1.0)
        ck.unary("elu", x, p=0.7)
        extreme = np.array([-1000, -100, -88.5, -20, -1e-8, 0, 1e-8, 20, 88.5, 100, 1000], np.float32)
        ck.unary("sigmoid", extreme)
        ck.unary("tanh", extreme)
        # the new activations' kinks and tails: hardswish/hardsigmoid's -3
        # and +3 (and either side), silu and mish far out on both sides
        # (exp overflowing, mish past softplus's threshold 20), elu's
        # negative side down to -1 * alpha
        kinks = np.array([-1000, -100, -88.5, -21, -20, -19.5, -3.01, -3, -2.99, -1e-8, 0, 1e-8, 2.99, 3, 3.01,
                          19.5, 20, 20.5, 88.5, 89, 100, 1000, -np.inf, np.inf, np.nan], np.float32)
        for op in ("hardswish", "hardsigmoid", "silu", "mish"):
            ck.unary(op, kinks)
        ck.unary("elu", kinks, p=1.0)
        # gelu both ways, where erf and tanh part (|x| 1 to 4) and far out;
        # hardtanh at its default, as relu6, and an off-center range, on its
        # bounds and either side, infinities and NaN
        gkinks = np.concatenate([kinks, np.linspace(-6, 6, 97, dtype=np.float32)])
        ck.unary("gelu", gkinks, p=0)
        ck.unary("gelu", gkinks, p=1)
        ck.unary("gelu", x, p=0)
        for lo, hi in ((-1, 1), (0, 6), (-0.5, 2.5), (2, 2)):
            hkinks = np.array([lo - 1, lo - 1e-6, lo, lo + 1e-6, (lo + hi) / 2, hi - 1e-6, hi, hi + 1e-6, hi + 1,
                               -np.inf, np.inf, np.nan, -0.0, 0.0], np.float32)
            ck.unary("hardtanh", np.concatenate([hkinks, x.ravel()]), p=lo, q=hi)
        a, b = ck.randn(2, 13, 7, 5), ck.randn(2, 13, 7, 5)
        ck.run("(2, 13, 7, 5)", "add", torch.from_numpy(a) + torch.from_numpy(b), {"a": a, "b": b})
        a, b = ck.randn(2, 3, 7, 5), ck.randn(2, 13, 7, 5)
        for cl in (None,) + ck.LAYOUTS:
            ck.run("(2, 3, 7, 5) + (2, 13, 7, 5)" + (f" cl={cl}" if cl else ""), "concat",
                   torch.cat([torch.from_numpy(a), torch.from_numpy(b)], 1),
                   {"a": a, "b": b}, n=2, ca=3, cb=13, hw=35, **({"cl": cl} if cl else {}))
        a, b = ck.randn(1, 16, 5, 3), ck.randn(1, 13, 5, 3)  # NCHW8c: whole blocks, then a tail
        ck.run("(1, 16, 5, 3) + (1, 13, 5, 3) cl=8", "concat", torch.cat([torch.from_numpy(a), torch.from_numpy(b)], 1),
               {"a": a, "b": b}, n=1, ca=16, cb=13, hw=15, cl="8")

        # prelu: one slope and one per channel, odd channel counts (NCHW8c's
        # padding lanes), 2-D
        for shape in ((2, 13, 7, 5), (1, 37, 3, 9), (1, 3, 11, 1)):
            ck.prelu(shape, 1)
            ck.prelu(shape, shape[1])
        ck.prelu((3, 37), 37)
        ck.prelu((2, 5), 1)

        # the pieces of chunk / split (a channel range) and channel
        # shuffle, in NCHW and both chunked layouts (in NCHW8c the ranges
        # start inside a block, end inside one, span several)
        for n, c, h, w, first, count in ((2, 13, 7, 5, 0, 7), (2, 13, 7, 5, 7, 6), (1, 37, 5, 3, 9, 13),
                                         (2, 5, 3, 7, 4, 1), (1, 37, 5, 3, 16, 21), (2, 16, 3, 3, 8, 8)):
            x = ck.randn(n, c, h, w)
            for cl in (None,) + ck.LAYOUTS:
                ck.run(f"({n}, {c}, {h}, {w})[:, {first}:{first + count}]" + (f" cl={cl}" if cl else ""), "slice",
                       torch.from_numpy(x)[:, first:first + count], {"x": x}, n=n, c=c, hw=h * w, first=first,
                       count=count, **({"cl": cl} if cl else {}))
        for n, c, h, w, groups in ((2, 12, 7, 5, 3), (2, 26, 5, 3, 2), (1, 35, 3, 5, 7), (2, 39, 7, 5, 13),
                                   (1, 116, 3, 3, 2)):
            x = ck.randn(n, c, h, w)
            for cl in (None,) + ck.LAYOUTS:
                ck.run(f"({n}, {c}, {h}, {w}) groups {groups}" + (f" cl={cl}" if cl else ""), "channel_shuffle",
                       F.channel_shuffle(torch.from_numpy(x), groups), {"x": x}, n=n, c=c, hw=h * w, groups=groups,
                       **({"cl": cl} if cl else {}))

        # softmax over dim 1
        ck.softmax((2, 13, 5, 3))
        ck.softmax((2, 37))
        ck.softmax((2, 10), scale=1000)
        ck.softmax((1, 3, 7, 5), scale=100)

        # max pool
        ck.pool("max_pool2d", 2, 3, 11, 9, 3, 2)
        ck.pool("max_pool2d", 2, 13, 11, 9, 3, 2, 1, ceil=True)
        ck.pool("max_pool2d", 1, 3, 7, 9, 2, 2, ceil=True)
        ck.pool("max_pool2d", 2, 3, 10, 7, (3, 2), (2, 1), (1, 0))
        ck.pool("max_pool2d", 1, 13, 9, 9, 3, 2, 1, ceil=True, sign=-1)
        ck.pool("max_pool2d", 1, 3, 8, 8, 2, 2, 1, ceil=True, sign=-1)
        ck.pool("max_pool2d", 2, 13, 113, 75, 3, 2, 1, nan=True)
        ck.pool("max_pool2d", 1, 37, 67, 81, 3, 2, 1, ceil=True, sign=-1)
        ck.pool("max_pool2d", 1, 3, 17, 23, 3, 1, 1, nan=True)
        ck.pool("max_pool2d", 1, 3, 19, 29, (2, 4), (3, 3), (1, 2), ceil=True)
        ck.pool("max_pool2d", 1, 3, 21, 25, (9, 5), (2, 4), (4, 2), ceil=True, nan=True)
        ck.pool("max_pool2d", 1, 3, 7, 3000, 3, 2, 1)
        ck.pool("max_pool2d", 1, 5, 37, 113, 3, 2, 1, nan="one")
        ck.pool("max_pool2d", 1, 3, 9, 301, 3, 2, 1, nan="inf")  # 151 columns: whole blocks of vectors, then the rest
        ck.pool("max_pool2d", 1, 3, 9, 300, (2, 5), (1, 3), (1, 2), ceil=True, sign=-1)

        # avg pool: divisor rules, ceil_mode windows hanging past the padding
        for cip in (True, False):
            ck.pool("avg_pool2d", 2, 3, 11, 9, 3, 2, 1, ceil=True, cip=cip)
            ck.pool("avg_pool2d", 2, 13, 7, 7, 2, 2, 1, cip=cip)
            ck.pool("avg_pool2d", 1, 3, 8, 8, 3, 2, 1, ceil=True, cip=cip)
            ck.pool("avg_pool2d", 1, 37, 10, 13, (3, 5), (2, 3), (1, 2), ceil=True, cip=cip)
            ck.pool("avg_pool2d", 1, 3, 11, 10, 3, 3, 0, ceil=True, cip=cip)
        ck.pool("avg_pool2d", 2, 3, 8, 6, 2)
        ck.pool("avg_pool2d", 2, 13, 57, 75, 3, 2, 1, ceil=True, cip=False)
        ck.pool("avg_pool2d", 1, 3, 29, 81, (5, 3), 1, (2, 1), cip=True)
        ck.pool("avg_pool2d", 1, 3, 23, 17, (9, 3), (3, 2), (4, 1), ceil=True, cip=False)
        ck.pool("avg_pool2d", 1, 3, 5, 2500, 3, 2, 1, cip=False)

        # adaptive avg pool: overlapping bins, global, upsampling
        ck.adaptive(2, 3, 7, 7, 3, 3)
        ck.adaptive(1, 13, 5, 5, 2, 2)
        ck.adaptive(2, 37, 11, 9, 3, 4)
        ck.adaptive(1, 3, 7, 5, 1, 1)
        ck.adaptive(1, 3, 3, 2, 5, 4)
        # bins of whole rows, summed as one run in vectors: global over 33x33
        # (whole blocks of vectors and a tail), 5 row bins of one column
        ck.adaptive(2, 13, 33, 33, 1, 1)
        ck.adaptive(1, 3, 11, 19, 5, 1)

        print(f"{ck.cases - ck.failed} of {ck.cases} kernel cases match torch")
        return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main())
