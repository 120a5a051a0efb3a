/*
 * qrequant.h: the int8 kernels' requantization, private to them.
 *
 * One output of channel m, its int32 sum acc (bias[m] included), to uint8
 * as cnnrt_int8.h says:
 *     clamp(rhe(((float)acc + fbias[m]) * mult[m] + zp_y), lo, hi)
 * rhe rounding half to even (nearbyintf in the default rounding mode, the
 * same as the vector cvtps2dq). The sum is clamped to the integer bounds
 * before rounding, which changes nothing (they are integers) but keeps it
 * in int range. Every path, scalar and vector, computes exactly this, so
 * targets agree bit for bit.
 *
 * The targets compile with -ffp-contract=fast, which would fuse the
 * multiply and the add into one FMA (one rounding instead of two, as
 * PyTorch does not): Q_OPAQUE hides the product from the optimizer.
 */
#ifndef CNNRT_QREQUANT_H
#define CNNRT_QREQUANT_H

#include <math.h>
#include <stdint.h>

#include "cnnrt.h"

#if defined(__GNUC__)
#define Q_OPAQUE(v) __asm__("" : "+v"(v)) /* v now unknown: no contraction across */
#define Q_OPAQUE_MEM(v) __asm__("" : "+m"(v)) /* the same for a vector of any width */
#else
#define Q_OPAQUE(v) ((void)0) /* assumed not to contract (C's default) */
#define Q_OPAQUE_MEM(v) ((void)0)
#endif

/* The float sum of output channel m before scaling. */
static inline float q_sum(const rt_qepilogue *ep, int m, int32_t acc)
{
	float s = (float)acc;
	return ep->fbias ? s + ep->fbias[m] : s;
}

static inline uint8_t q_requant(const rt_qepilogue *ep, int m, int32_t acc)
{
	float v = q_sum(ep, m, acc) * ep->mult[m];
	Q_OPAQUE(v);
	v += (float)ep->zp_y;
	float lo = (float)ep->lo, hi = (float)ep->hi;
	v = v < lo ? lo : v > hi ? hi : v;
	return (uint8_t)(int)nearbyintf(v);
}

#if defined(__AVX2__)
#include <immintrin.h>

/* q_requant on 8 lanes: the float sums s (bias and float bias added) of
 * channels whose multipliers are mult, to int32s in lo..hi (cvtps2dq
 * rounds half to even, as nearbyintf does); the AVX2 kernels pack them
 * to bytes in their own lane order. */
static inline __m256i q_requant8_avx2(const rt_qepilogue *ep, __m256 s, __m256 mult)
{
	__m256 v = _mm256_mul_ps(s, mult);
	Q_OPAQUE(v);
	v = _mm256_add_ps(v, _mm256_set1_ps((float)ep->zp_y));
	v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps((float)ep->lo)), _mm256_set1_ps((float)ep->hi));
	return _mm256_cvtps_epi32(v);
}
#endif

#if defined(__AVX512F__)
#include <immintrin.h>

/* q_requant8_avx2 on 16 lanes. */
static inline __m512i q_requant16_avx512(const rt_qepilogue *ep, __m512 s, __m512 mult)
{
	__m512 v = _mm512_mul_ps(s, mult);
	Q_OPAQUE(v);
	v = _mm512_add_ps(v, _mm512_set1_ps((float)ep->zp_y));
	v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps((float)ep->lo)), _mm512_set1_ps((float)ep->hi));
	return _mm512_cvtps_epi32(v);
}
#endif

#endif
