/*
 * gemv.h: the fold of a matrix-vector product over panels packed for
 * rt_gemm ([k][RT_GEMM_MR] each), shared by gemm.c's gemv and
 * winograd.c's narrow tiles. Both read a panel as plain vectors and
 * multiply it lane by lane by x with each value repeated RT_GEMM_MR
 * times, so that lane l of the vector at float f of the panel sums row
 * (f + l) % RT_GEMM_MR; every GEMV_PERIOD floats (the least multiple of
 * RT_GEMM_MR and VW: 48 with vectors of 16, 24 of 8) the lanes line up
 * with the same rows again, so three sums hold the panel's rows spread
 * over their lanes. Private to the runtime.
 */
#ifndef CNNRT_GEMV_H
#define CNNRT_GEMV_H

#include "cnnrt.h"
#include "simd.h"

#if RT_GEMM_MR != 6
#error "gemv.h: the folds below are written for panels of 6 rows"
#endif
#if VW == 8 || VW == 16 /* (with SSE's 4, fewer lanes than rows: no such product) */

#define GEMV_PERIOD (3 * VW) /* lcm(RT_GEMM_MR, VW) */
#define GEMV_VECS (GEMV_PERIOD / VW)

/* The row sums of a period's three sums s0, s1, s2 (floats f = v * VW +
 * l of the period, lane l of s_v, summing row f % RT_GEMM_MR), in lanes
 * 0 .. RT_GEMM_MR - 1 (the others hold partial sums): the period folded
 * in halves, then in quarters..., down to RT_GEMM_MR lanes. */
static inline __attribute__((always_inline)) vf gemv_fold(vf s0, vf s1, vf s2)
{
	vf h;
#if VW == 16 /* floats 0-15 + 24-39 and 16-23 + 40-47; 0-11 + 12-23; 0-5 + 6-11 */
#define GEMV_FOLD_1 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23
#define GEMV_FOLD_2 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7
#define GEMV_FOLD_3 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 0, 0, 0, 0
#define GEMV_FOLD_4 6, 7, 8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	h = s0 + SHUFFLE2(s1, s2, GEMV_FOLD_1);
	s1 += SHUFFLE2(s2, s2, GEMV_FOLD_2);
	h += SHUFFLE2(h, s1, GEMV_FOLD_3);
	h += SHUFFLE2(h, h, GEMV_FOLD_4);
#undef GEMV_FOLD_4
#else /* VW 8: floats 0-7 + 12-19 and 8-11 + 20-23; 0-5 + 6-11 */
#define GEMV_FOLD_1 4, 5, 6, 7, 8, 9, 10, 11
#define GEMV_FOLD_2 4, 5, 6, 7, 0, 1, 2, 3
#define GEMV_FOLD_3 6, 7, 8, 9, 10, 11, 0, 0
	h = s0 + SHUFFLE2(s1, s2, GEMV_FOLD_1);
	s1 += SHUFFLE2(s2, s2, GEMV_FOLD_2);
	h += SHUFFLE2(h, s1, GEMV_FOLD_3);
#endif
#undef GEMV_FOLD_1
#undef GEMV_FOLD_2
#undef GEMV_FOLD_3
	return h;
}

#endif
#endif
