/*
 * depthwise.h: what the depthwise paths share, private to depthwise*.c.
 *
 * Each path computes planes [begin, end) of one call (DwPath); the
 * dispatch in depthwise.c picks one by the rt_dw_*_fits tests and runs it
 * over planes in parallel. The paths' inner loops are inlined functions
 * of their own file, specialised per activation with DW_BY_RES and
 * act_switch.h, storing through store_vec below (always inlined too).
 */
#ifndef CNNRT_DEPTHWISE_H
#define CNNRT_DEPTHWISE_H

#include <string.h>

#include "act.h"
#include "rows.h"
#include "simd.h"

#define MAX_TAPS 64 /* kh*kw of the fast path */

/* One of the paths below: planes [begin, end) of a depthwise call, plane
 * i being image i / c, channel i % c; ep is never NULL. */
typedef void DwPath(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep, float *y,
                    int begin, int end);

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* Stores v (sums with the bias) at y, vector or the count < VW floats
 * of a row's or band's end, adding the residual res and applying act
 * (RT_ACT_NONE or a VEC act of acts.def, parameters p, q) on the way.
 * The end's part goes by simd.h's STOREV_PART and LOADV_PART (one
 * masked instruction with AVX-512; a memcpy of a runtime count kept v in
 * memory, a store to the stack every vector). */
static ALWAYS_INLINE void store_vec(int act, int has_res, vf v, const float *res, float *y, int count, float p,
                                      float q)
{
	vf r;
	if (has_res) {
		if (count >= VW)
			LOADV(r, res);
		else
			LOADV_PART(r, res, 0, count);
		v += r;
	}
	v = act_vec(act, p, q, v);
	if (count >= VW)
		STOREV(y, v);
	else
		STOREV_PART(y, v, 0, count);
}

/* Runs fn(act, has_res, ...) with the epilogue's activation and whether
 * it has a residual as constants, for RT_ACT_NONE and the VEC acts of
 * acts.def; the LANES acts run as RT_ACT_NONE and get their activation
 * afterwards, over the plane y of count floats. */
#define DW_BY_RES(fn, act, res, ...)            \
	do {                                    \
		if (res)                        \
			fn(act, 1, __VA_ARGS__); \
		else                            \
			fn(act, 0, __VA_ARGS__); \
	} while (0)
#define DW_AFTER(ep, y, count)                                                      \
	for (int i_ = 0; i_ < (count); i_++)                                        \
	(y)[i_] = act_scalar((ep)->act, (ep)->param, (ep)->param2, (y)[i_])

/* 3x3, stride 1, padding 1, rows of at most 256 (depthwise_s1.c) */
int rt_dw_flat_fits(const rt_conv2d_params *p);
DwPath rt_dw_flat;
/* 3x3, stride 2, padding 1, any plane (depthwise_s2.c) */
int rt_dw_s2_fits(const rt_conv2d_params *p);
DwPath rt_dw_s2;
/* no per-channel slopes in ep, not a 3x3 that rt_dw_s2 takes, or
 * rt_dw_flat on rows of 5 or more, nor another undilated 3x3 on output
 * rows of VW_STD or more: RT_DW_CB_LANES planes at a time, vectors across
 * channels, in bands of output rows (depthwise_cb.c, SIMD_WIDE: its
 * vectors are VW_WIDE); the padded input rows of one output row (of two
 * when dilated), and an output row, of at most RT_DW_CB_PIXELS pixels */
#define RT_DW_CB_PIXELS 1024
#define RT_DW_CB_LANES VW_WIDE
int rt_dw_cb_fits(const rt_conv2d_params *p, const rt_epilogue *ep);
DwPath rt_dw_cb;
/* dilation > 1 at any stride and padding, or more than 9 taps at
 * stride 1 (those depthwise_cb.c does not take: rows too wide, prelu's
 * slopes); at most MAX_TAPS taps, a band of one output row fitting
 * (depthwise_phases.c) */
int rt_dw_phases_fits(const rt_conv2d_params *p);
DwPath rt_dw_phases;
/* any kernel of at most MAX_TAPS taps whose rows fit rows.h's ring
 * (depthwise_rows.c) */
DwPath rt_dw_rows;

#endif
