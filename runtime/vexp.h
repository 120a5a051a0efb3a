/*
 * vexp.h: exp and expm1 in a few vector instructions, private to the
 * kernels (act.h's sigmoid, tanh, silu, mish and elu are built on them).
 *
 * Each function has two forms that give the same bits for the same input:
 * vexp_s / vexpm1_s on one float, vexp_v / vexpm1_v on a vector of VW
 * (simd.h). A kernel may store whole vectors through one and the ragged
 * end of a row through the other, so both forms run the same float
 * operations in the same order, and every a * b + c in them is spelled
 * out through vexp_fmas / vexp_fmav: one rounding (an FMA) where the
 * target has FMA (x86's intrinsic for the vector, fmaf for the scalar),
 * else two. The runtime is built with -ffp-contract=fast on some targets
 * (targets.def): with a product and a sum written apart the compiler
 * could fuse one form and not the other. Without FMA on x86 there is no
 * instruction to fuse them into; elsewhere both forms use fmaf.
 *
 * The method (Cody and Waite's reduction, a polynomial, a scaling):
 *   exp(x) = 2^n * exp(r), n = round(x / ln2), r = x - n * ln2,
 * |r| <= ln2 / 2. n comes from adding 1.5 * 2^23 to x / ln2: the sum's
 * low mantissa bits are n, rounded to nearest, with no conversion of a
 * float to an integer (undefined for NaN). r takes ln2 in two parts: hi,
 * 0.693359375, has 9 significant bits, so n * hi is exact for |n| <= 150
 * and x - n * hi exact too (Sterbenz); lo = ln2 - hi. Then
 *   exp(r) = 1 + r + r^2 * P(r),  expm1(r) = r + r^2 * P(r),
 * P of degree 4, fitted here (a Lawson iteration of weighted least
 * squares, numpy) to (exp(r) - 1 - r) / r^2 on |r| <= ln2 / 2: its own
 * relative error on exp(r) is 3e-9, 0.05 ulp. The scaling by 2^n: for
 * |x| <= 86.5 (|n| <= 125, 2^n exp(r) a normal float) n is added to the
 * exponent bits of exp(r), an integer addition; beyond, and for NaN
 * (vexp_wide), two multiplications, by 2^floor(n/2) then 2^ceil(n/2),
 * each an exact power of two in a normal float, so that overflow and
 * gradual underflow come out of the last multiplication with one
 * rounding, as from libm. Both give the same bits where both apply (a
 * product by a power of two with a normal result is exact), so a vector
 * with one lane beyond 86.5 takes the second for all its lanes. The
 * first path skips the clamps and the seven integer and float steps of
 * the second: on the 1.2M outputs of a 16 -> 96 1x1 conv at 112x112 with
 * silu (rt_gemm, one thread, busy machine, best of 8), silu's cost over
 * no activation went from 1.15 ms to 0.64.
 *
 * Range: vexp is exp over every float. Above 88.72 (ln FLT_MAX) it is
 * +inf, +inf included; below about -87.3 the results are denormals, as
 * libm's (x is clamped to [-104, 89] first: below -103.98 the result
 * rounds to 0, -inf included); NaN passes. Error, measured against
 * float64 exp over every 97th float (by bit pattern, all 2^32), scalar
 * and vector the same bits: at most 1.01 ulp with FMA (the native
 * target), 0.98 without (generic); glibc's expf, 0.50. vexpm1 on x <= 0:
 * 0.95 ulp and 0.92. The activations on them: tests/runtime/sweep_acts.py.
 *
 * vexpm1 is exp(x) - 1 for x <= 0 (the callers' domain, elu and tanh),
 * exact near 0 where exp(x) - 1 would lose every digit: 2^n * expm1(r) +
 * (2^n - 1), which for n = 0 is the polynomial alone. x is clamped to
 * [-32, ...] (below, the result is -1 in float either way); NaN passes.
 */
#ifndef CNNRT_VEXP_H
#define CNNRT_VEXP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "simd.h"

#if defined(__x86_64__) || defined(__i386__)
#if defined(__FMA__) || defined(__AVX2__)
#include <immintrin.h>
#endif
#if defined(__FMA__)
#define VEXP_FMA_X86 1 /* FMA instructions: both forms use them */
#else
#define VEXP_FMA_NONE 1 /* no FMA instruction: a * b + c cannot be fused */
#endif
#endif

#if defined(__GNUC__)
#define VEXP_INLINE static inline __attribute__((always_inline))
#else
#define VEXP_INLINE static inline
#endif

/* A vector of VW unsigned 32-bit integers, for the bits of a vf. */
typedef uint32_t vexp_vu __attribute__((vector_size(VW * 4)));

#define VEXP_MIN (-104.0f)           /* exp's input clamp: exp(-104) rounds to 0 */
#define VEXP_MAX 89.0f               /* and exp(89) to +inf */
#define VEXP_FAST_MAX 86.5f        /* vexp's fast path: |x| <= this gives |n| <= 125 */
#define VEXP_FAST_MAX_BITS 0x42ad0000u /* its bits */
#define VEXPM1_MIN (-32.0f)          /* expm1's: expm1(-32) is -1 in float */
#define VEXP_LOG2E 1.44269502f       /* 1 / ln2 */
#define VEXP_SHIFTER 12582912.0f     /* 1.5 * 2^23: adding it rounds to an integer */
#define VEXP_SHIFTER_BITS 0x4b400000u /* its bits */
#define VEXP_LN2_HI 0.693359375f     /* ln2's first 9 bits */
#define VEXP_LN2_LO (-2.12194442e-4f) /* ln2 - VEXP_LN2_HI */
/* P(r) = C2 + C3 r + C4 r^2 + C5 r^3 + C6 r^4 ~ (exp(r) - 1 - r) / r^2 */
#define VEXP_C2 4.99999940e-1f
#define VEXP_C3 1.66665211e-1f
#define VEXP_C4 4.16683890e-2f
#define VEXP_C5 8.36872589e-3f
#define VEXP_C6 1.38145837e-3f

/* a * b + c, for one float and for a vector: see the top of the file. */
VEXP_INLINE float vexp_fmas(float a, float b, float c)
{
#if defined(VEXP_FMA_NONE)
	return a * b + c;
#else
	return fmaf(a, b, c);
#endif
}
VEXP_INLINE vf vexp_fmav(vf a, vf b, vf c)
{
#if defined(VEXP_FMA_NONE)
	return a * b + c;
#elif defined(VEXP_FMA_X86) && VW == 16
	return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(VEXP_FMA_X86) && VW == 8
	return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#elif defined(VEXP_FMA_X86) && VW == 4
	return (vf)_mm_fmadd_ps((__m128)a, (__m128)b, (__m128)c);
#else
	for (int i = 0; i < VW; i++)
		a[i] = fmaf(a[i], b[i], c[i]);
	return a;
#endif
}

/* The steps both forms share, written once: FMA is a * b + c and K(c) a
 * constant, of the form's type. */
#define VEXP_POLY(r, FMA, K) \
	FMA(FMA(FMA(FMA(K(VEXP_C6), r, K(VEXP_C5)), r, K(VEXP_C4)), r, K(VEXP_C3)), r, K(VEXP_C2))
#define VEXP_K_S(c) (c)
#define VEXP_K_V(c) SPLAT(c)
/* The float whose bits are e << 23: 2^(e - 127) for e in [1, 254]. */
#define VEXP_POW2_S(e) vexp_float_of((uint32_t)(e) << 23)
#define VEXP_POW2_V(e) ((vf)((e) << 23))

VEXP_INLINE float vexp_float_of(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

/* x = n * ln2 + r with n = round(x / ln2): r, and *b = n + 300 (n in
 * [-150, 129] for x in [VEXP_MIN, VEXP_MAX], so *b in [150, 429]). */
VEXP_INLINE float vexp_reduce_s(float x, uint32_t *b)
{
	float k = vexp_fmas(x, VEXP_LOG2E, VEXP_SHIFTER); /* 1.5 * 2^23 + n */
	float n = k - VEXP_SHIFTER;
	uint32_t kb;
	memcpy(&kb, &k, sizeof kb);
	*b = kb - (VEXP_SHIFTER_BITS - 300);
	return vexp_fmas(n, -VEXP_LN2_LO, vexp_fmas(n, -VEXP_LN2_HI, x));
}
VEXP_INLINE vf vexp_reduce_v(vf x, vexp_vu *b)
{
	vf k = vexp_fmav(x, VEXP_K_V(VEXP_LOG2E), VEXP_K_V(VEXP_SHIFTER));
	vf n = k - VEXP_SHIFTER;
	*b = (vexp_vu)k - (VEXP_SHIFTER_BITS - 300);
	return vexp_fmav(n, VEXP_K_V(-VEXP_LN2_LO), vexp_fmav(n, VEXP_K_V(-VEXP_LN2_HI), x));
}

/* exp(x), every float x, scaling by 2^n in two steps (see the top of
 * the file): the path of the inputs beyond VEXP_FAST_MAX and NaN. */
VEXP_INLINE float vexp_wide_s(float x)
{
	uint32_t b;
	x = x < VEXP_MIN ? VEXP_MIN : x; /* NaN passes */
	x = x > VEXP_MAX ? VEXP_MAX : x;
	float r = vexp_reduce_s(x, &b);
	float e = vexp_fmas(r * r, VEXP_POLY(r, vexp_fmas, VEXP_K_S), r) + 1;
	/* 2^n = 2^(n1 + 127 - 127) * 2^(n2 + 127 - 127), n1 = floor(n/2) */
	return e * VEXP_POW2_S((b >> 1) - 23) * VEXP_POW2_S(b - (b >> 1) - 23);
}
VEXP_INLINE vf vexp_wide_v(vf x)
{
	vexp_vu b;
	vf lo = VEXP_K_V(VEXP_MIN), hi = VEXP_K_V(VEXP_MAX);
	x = REPLACE(x, x < lo, lo);
	x = REPLACE(x, x > hi, hi);
	vf r = vexp_reduce_v(x, &b);
	vf e = vexp_fmav(r * r, VEXP_POLY(r, vexp_fmav, VEXP_K_V), r) + 1;
	return e * VEXP_POW2_V((b >> 1) - 23) * VEXP_POW2_V(b - (b >> 1) - 23);
}

/* Whether some lane of ax (the bits of |x|) lies beyond VEXP_FAST_MAX's
 * bits, or is NaN: integer order is float order for non-negative floats
 * (signed: the sign bit is clear), and NaN's bits are above every finite
 * float's. */
VEXP_INLINE int vexp_any_wide(vexp_vu ax)
{
	vi wide = (vi)ax > (int)VEXP_FAST_MAX_BITS;
#if VW == 16
	return _mm512_test_epi32_mask((__m512i)wide, (__m512i)wide) != 0;
#elif defined(__AVX2__) && VW == 8
	return !_mm256_testz_si256((__m256i)wide, (__m256i)wide);
#else
	uint32_t any = 0;
	for (int i = 0; i < VW; i++)
		any |= wide[i];
	return any != 0;
#endif
}

/* exp(x), every float x. For |x| <= VEXP_FAST_MAX (the inputs of a
 * network, but for outliers) 2^n * exp(r) is a normal float and n is
 * added to the exponent of exp(r) as an integer: no clamp and one
 * integer addition for the two products. A multiplication by a power of
 * two whose result is normal is exact, so that gives the same bits as
 * vexp_wide, which the other inputs take: a vector takes it whole when
 * any lane needs it, and each lane still gets the bits the scalar form
 * gives it. The shifter's bits kb are 1.5 * 2^23 + n, so kb << 23 is n
 * << 23 (mod 2^32). */
VEXP_INLINE float vexp_s(float x)
{
	uint32_t b, eb;
	if (!(fabsf(x) <= VEXP_FAST_MAX)) /* NaN too */
		return vexp_wide_s(x);
	float r = vexp_reduce_s(x, &b);
	float e = vexp_fmas(r * r, VEXP_POLY(r, vexp_fmas, VEXP_K_S), r) + 1;
	memcpy(&eb, &e, sizeof eb);
	return vexp_float_of(eb + ((b + (VEXP_SHIFTER_BITS - 300)) << 23));
}
VEXP_INLINE vf vexp_v(vf x)
{
	vexp_vu b;
	if (vexp_any_wide((vexp_vu)x & 0x7fffffffu))
		return vexp_wide_v(x);
	vf r = vexp_reduce_v(x, &b);
	vf e = vexp_fmav(r * r, VEXP_POLY(r, vexp_fmav, VEXP_K_V), r) + 1;
	return (vf)((vexp_vu)e + ((b + (VEXP_SHIFTER_BITS - 300)) << 23));
}

/* exp(x) - 1, x <= 0 (or NaN). */
VEXP_INLINE float vexpm1_s(float x)
{
	uint32_t b;
	x = x < VEXPM1_MIN ? VEXPM1_MIN : x;
	float r = vexp_reduce_s(x, &b);
	float q = vexp_fmas(r * r, VEXP_POLY(r, vexp_fmas, VEXP_K_S), r); /* expm1(r) */
	float t = VEXP_POW2_S(b - 173);                                   /* 2^n */
	return vexp_fmas(t, q, t - 1);
}
VEXP_INLINE vf vexpm1_v(vf x)
{
	vexp_vu b;
	vf lo = VEXP_K_V(VEXPM1_MIN);
	x = REPLACE(x, x < lo, lo);
	vf r = vexp_reduce_v(x, &b);
	vf q = vexp_fmav(r * r, VEXP_POLY(r, vexp_fmav, VEXP_K_V), r);
	vf t = VEXP_POW2_V(b - 173);
	return vexp_fmav(t, q, t - 1);
}

#endif
