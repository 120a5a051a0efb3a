#!/usr/bin/python3
"""The exp-based activations (runtime/act.h on runtime/vexp.h) against
float64, over a dense sweep of the floats.

    /usr/bin/python3 tests/runtime/sweep_acts.py [--step N] [--limit ULP]

Inputs: every N-th float by bit pattern (default 509, odd, so the low bits
vary: 8.4 million floats from -inf to +inf, NaN left out), then every
multiple of 2^-12 in [-30, 30], where the formulas change regime. A small
C program (built here with the default target's flags from
runtime/targets.def, as a model's runtime is) runs each activation's vector
formula (act.h's actv_<name>, the kernels' path; tests/unit/test_acts.c
checks the scalar one gives the same bits), and, for comparison, the same
formula through libm (expf, expm1f, tanhf, log1pf: the runtime's formulas
before vexp.h). The reference is torch's in float64, rounded to float;
PyTorch's own float32 result is measured too. The error is in ulps of the
reference, over the results in the normal range (below it, a denormal
has too few bits for ulps to mean much; the results there are measured
against libm's, which they equal or beat: see README). Fails (exit 1) if any of ours
exceeds --limit (default 5) or a special value (inf, NaN, signed zero
limits) comes out wrong.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RT = os.path.join(REPO, "runtime")

# name, act.h's row (its parameter), libm's formula in C, torch's form
ACTS = [
    ("sigmoid", "0", "x < 0 ? expf(x) / (1 + expf(x)) : 1 / (1 + expf(-x))", torch.sigmoid),
    ("tanh", "0", "tanhf(x)", torch.tanh),
    ("silu", "0", "x / (1 + expf(-x))", F.silu),
    ("mish", "0", "x * tanhf(x > 20 ? x : log1pf(expf(x)))", F.mish),
    # torch's elu computes exp(x) - 1 (thousands of ulps off near 0): the
    # reference is expm1, what elu means
    ("elu", "1.0f", "x > 0 ? x : expm1f(x)", lambda t: torch.where(t > 0, t, torch.expm1(t))),
]
# Left out of the error: x < -88.72, where silu's x / (1 + exp(-x))
# overflows in float and gives -0, in PyTorch as here, for a value of
# -2.7e-37 or less.
SKIP = {"silu": lambda x: x < -88.72,
        # and below -87.33, where exp(x) is a denormal (fewer than 24 bits),
        # mish (x * exp(x) there) loses bits, as through libm (46 ulps at
        # -91.8, both) and in PyTorch (135)
        "mish": lambda x: x < -87.33}

HELPER = r"""
#include <stdio.h>
#include <stdlib.h>
#include "act.h"
/* argv[1]: a file of n floats; writes, per activation, n floats of
 * actv_<name> then n of the libm formula, to argv[2]. */
int main(int argc, char **argv)
{
	FILE *f = fopen(argv[1], "rb"), *g = fopen(argv[2], "wb");
	long n;
	float *x, *y;
	if (argc != 3 || !f || !g) return 2;
	fseek(f, 0, SEEK_END);
	n = ftell(f) / 4;
	rewind(f);
	x = malloc(n * 4 + VW * 4);
	y = malloc(n * 4 + VW * 4);
	if (!x || !y || fread(x, 4, n, f) != (size_t)n) return 2;
%s
	fclose(g);
	return 0;
}
"""
ONE = r"""
	for (long i = 0; i < n; i += VW) {
		vf v = {0};
		for (int q = 0; q < VW && i + q < n; q++) v[q] = x[i + q];
		v = actv_%(name)s(v, %(p)s, 0.0f);
		for (int q = 0; q < VW && i + q < n; q++) y[i + q] = v[q];
	}
	fwrite(y, 4, n, g);
	for (long i = 0; i < n; i++) { float x_ = x[i]; { float x = x_; y[i] = %(libm)s; } }
	fwrite(y, 4, n, g);
"""


def native_cflags():
    with open(os.path.join(RT, "targets.def")) as f:
        for line in f:
            m = re.match(r'TARGET\((\w+),\s*"([^"]*)"\)', line)
            if m:
                return m.group(2).split()
    sys.exit("sweep_acts: no TARGET row in runtime/targets.def")


def ulp_err(got, ref):
    """|got - ref| in ulps of ref (float64 arrays; ref finite)."""
    a = np.abs(ref)
    e = np.floor(np.log2(np.where(a > 0, a, 1.0)))
    ulp = np.exp2(np.maximum(e, -126) - 23)
    d = np.abs(got - ref)
    d = np.where(got == ref, 0.0, d)
    return d / ulp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--step", type=int, default=509)
    ap.add_argument("--limit", type=float, default=5.0)
    args = ap.parse_args()

    bits = np.arange(0, 1 << 32, args.step, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    x = np.concatenate([x[~np.isnan(x)], (np.arange(-30 * 4096, 30 * 4096 + 1) / 4096.0).astype(np.float32),
                        np.array([0.0, -0.0, np.inf, -np.inf, 88.72, -88.72, 20.0, -20.0, 1e-30, -1e-30, 1e-45],
                                 dtype=np.float32)])
    n = len(x)
    body = "".join(ONE % {"name": a, "p": p, "libm": c} for a, p, c, _ in ACTS)
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "h.c"), os.path.join(d, "h")
        with open(src, "w") as f:
            f.write(HELPER % body)
        subprocess.run(["cc"] + native_cflags() + ["-I" + RT, src, "-o", exe, "-lm"], check=True)
        x.tofile(os.path.join(d, "x"))
        subprocess.run([exe, os.path.join(d, "x"), os.path.join(d, "y")], check=True)
        out = np.fromfile(os.path.join(d, "y"), dtype=np.float32).reshape(len(ACTS), 2, n)

    t64 = torch.from_numpy(x.astype(np.float64))
    t32 = torch.from_numpy(x)
    bad = 0
    print(f"{n} inputs; max error in ulps (float64 reference), and where")
    print(f"{'act':8} {'ours':>16} {'libm':>8} {'torch f32':>10}")
    for i, (name, _, _, fn) in enumerate(ACTS):
        ref = fn(t64).numpy()
        ref_f = ref.astype(np.float32)
        fin = np.isfinite(ref_f)
        use = fin & (np.abs(ref) >= 2.0 ** -126)
        if name in SKIP:
            use &= ~SKIP[name](x)
        ours, libm = out[i, 0].astype(np.float64), out[i, 1].astype(np.float64)
        torch32 = fn(t32).numpy().astype(np.float64)
        # special values: where the reference rounds to inf, or is NaN,
        # or a signed zero, ours is exactly that
        wrong = ~fin & ~((out[i, 0] == ref_f) | (np.isnan(out[i, 0]) & np.isnan(ref_f)))
        errs = []
        for got in (ours, libm, torch32):
            e = ulp_err(got[use], ref[use])
            errs.append(e)
        k = int(np.argmax(errs[0]))
        print(f"{name:8} {errs[0].max():7.2f} @{x[use][k]:<8.4g} {errs[1].max():8.2f} {errs[2].max():10.2f}")
        if errs[0].max() > args.limit or wrong.any():
            bad += 1
            if wrong.any():
                j = np.nonzero(wrong)[0][0]
                print(f"  {name}({x[j]!r}) = {out[i, 0][j]!r}, expected {ref_f[j]!r}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
