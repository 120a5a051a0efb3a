/*
 * cl.h: helpers of the channel-chunked kernels (layout.c, conv_cl.c,
 * pool_cl.c), and the grains of the kernels' parallel loops (those and
 * eltwise.c, conv_direct.c, depthwise.c, gemm.c); private to the runtime.
 *
 * The chunked kernels work on 8 channels at a time, the block of NCHW8c,
 * whatever the target's vector width VW (simd.h). v8 holds those 8
 * floats: one GCC vector of 8 with AVX; without it, a pair of the
 * target's 4-float vectors (a GCC vector wider than the hardware would
 * live in memory and be computed piecewise, several times slower). The
 * kernels touch v8 only through the always-inlined functions below, so
 * no v8 value crosses a real call (simd.h's rule); v8_act applies an
 * activation through act.h's vector formulas.
 */
#ifndef CNNRT_CL_H
#define CNNRT_CL_H

#include <string.h>

#include "act.h"
#include "simd.h"

#define INLINE static inline __attribute__((always_inline))

#if VW >= 8
typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
#define V8_SEL(v, drop, r) ((v8)(((v8i)(v) & ~(drop)) | ((v8i)(r) & (drop))))
INLINE v8 v8_set1(float s) { return -(v8){0} + s; } /* -0 + s keeps a -0 (SPLAT) */
INLINE v8 v8_add(v8 a, v8 b) { return a + b; }
/* acc + x * w, x one float */
INLINE v8 v8_fmas(v8 acc, float x, v8 w) { return acc + x * w; }
/* acc + x * w, lane by lane */
INLINE v8 v8_fma(v8 acc, v8 x, v8 w) { return acc + x * w; }
/* the larger of a and t lane by lane; NaN in t wins (PyTorch's max) */
INLINE v8 v8_max_nan(v8 a, v8 t) { return V8_SEL(a, (t > a) | (t != t), t); }
#else
typedef struct {
	vf lo, hi; /* lanes 0..3, 4..7 */
} v8;
INLINE v8 v8_set1(float s) { v8 r = {SPLAT(s), SPLAT(s)}; return r; }
INLINE v8 v8_add(v8 a, v8 b) { a.lo += b.lo, a.hi += b.hi; return a; }
INLINE v8 v8_fmas(v8 acc, float x, v8 w) { acc.lo += x * w.lo, acc.hi += x * w.hi; return acc; }
INLINE v8 v8_fma(v8 acc, v8 x, v8 w) { acc.lo += x.lo * w.lo, acc.hi += x.hi * w.hi; return acc; }
INLINE vf vf_max_nan(vf a, vf t) { return REPLACE(a, (t > a) | (t != t), t); }
INLINE v8 v8_max_nan(v8 a, v8 t) { a.lo = vf_max_nan(a.lo, t.lo), a.hi = vf_max_nan(a.hi, t.hi); return a; }
#endif

#if VW <= 8 /* (SIMD_WIDE files, VW 16, take only the grains below) */
/* Activation act (an rt_act_id) of the 8 lanes, through act.h's vector
 * formulas: with AVX a v8 is a vf. */
INLINE v8 v8_act(int act, float p, float q, v8 v)
{
#if VW == 8
	return act_vec(act, p, q, v);
#else
	v.lo = act_vec(act, p, q, v.lo), v.hi = act_vec(act, p, q, v.hi);
	return v;
#endif
}
#endif

INLINE v8 v8_load(const float *p) { v8 v; memcpy(&v, p, sizeof v); return v; }
INLINE void v8_store(float *p, v8 v) { memcpy(p, &v, sizeof v); }

/* Chunks of cl channels that hold c channels. */
static inline int cl_chunks(int c, int cl) { return (c + cl - 1) / cl; }

/* Offset of element (n, ch, pixel) of a [n, c, hw] tensor in chunks of cl. */
static inline size_t cl_at(int c, int hw, int cl, int n, int ch, long long pix)
{
	return (((size_t)n * cl_chunks(c, cl) + (size_t)(ch / cl)) * (size_t)hw + (size_t)pix) * (size_t)cl +
	       (size_t)(ch % cl);
}

/* Work each thread of a parallel loop gets at least, so that a loop's
 * ~16 us cost of starting (threads.c) stays small next to it: about
 * 20 us of arithmetic at ~50 GFLOP/s, or of memory traffic. Smaller loops
 * run serially. */
#define CL_GRAIN_FLOPS 1e6   /* multiplies and adds */
#define CL_GRAIN_FLOATS 4e4  /* floats read and written */

/* The grain of rt_parallel for items of `item` work each and slices of
 * at least `slice`. */
static inline int cl_grain(double item, double slice)
{
	double g = item > 0 ? slice / item : slice;
	return g < 1 ? 1 : g > 1e9 ? 1000000000 : (int)g + 1;
}

#endif
