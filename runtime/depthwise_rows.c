/*
 * depthwise_rows.c: the depthwise path for any kernel of at most MAX_TAPS
 * taps whose rows fit rows.h's ring, at any stride, padding and dilation.
 * x: [n, c, h, w]  w: [c, 1, kh, kw] -> y: [n, c, oh, ow].
 * Row by row over padded input rows split into stride phases (rt_rows),
 * so each tap of VW outputs is one vector load; 3x3 as straight-line
 * FMAs (dw3_plane), other kernels BLOCK vectors at a time (dw_row).
 * depthwise.c says how it fits among the paths.
 */
#include "depthwise.h"

#define BLOCK 4     /* vectors of output columns accumulated at once */

/* Output columns [o, o + VW) of row y clipped to ow: the epilogue (ep of
 * this plane's channel, without slopes), then the store. */
static ALWAYS_INLINE void store_at(const rt_epilogue *ep, float *y, vf v, float bias, const float *res, int o, int ow)
{
	act_store(ep, 0, y + o, v, bias, res ? res + o : NULL, ow - o < VW ? ow - o : VW);
}

/* Output columns [ox, ox + nv*VW) of one row, clipped to ow:
 * y[o] = ep(sum_t wt[t] * tap[t][o]), where tap[t] is tap t's phase
 * element for output column 0. res: the residual row or NULL. Inlined
 * with nv and ntaps constant, so the accumulators live in registers. */
static ALWAYS_INLINE void dw_block(int nv, int ntaps, const float *const *tap, const float *wt, int ox, int ow,
                                   float bias, const rt_epilogue *ep, const float *res, float *y)
{
	vf a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, v; /* BLOCK = 4 accumulators (GCC keeps no array in registers) */
	for (int t = 0; t < ntaps; t++) {
		const float *q = tap[t] + ox;
		float wv = wt[t];
		LOADV(v, q);
		a0 += wv * v;
		if (nv > 1)
			LOADV(v, q + VW), a1 += wv * v;
		if (nv > 2)
			LOADV(v, q + 2 * VW), a2 += wv * v;
		if (nv > 3)
			LOADV(v, q + 3 * VW), a3 += wv * v;
	}
	store_at(ep, y, a0, bias, res, ox, ow);
	if (nv > 1)
		store_at(ep, y, a1, bias, res, ox + VW, ow);
	if (nv > 2)
		store_at(ep, y, a2, bias, res, ox + 2 * VW, ow);
	if (nv > 3)
		store_at(ep, y, a3, bias, res, ox + 3 * VW, ow);
}

/* One output row of ow columns: whole blocks, then one block of the 1 to
 * BLOCK vectors left, the last of them partial. */
static ALWAYS_INLINE void dw_row(int ntaps, const float *const *tap, const float *wt, int ow, float bias,
                                 const rt_epilogue *ep, const float *res, float *y)
{
	int ox = 0;
	for (; ox + BLOCK * VW <= ow; ox += BLOCK * VW)
		dw_block(BLOCK, ntaps, tap, wt, ox, ow, bias, ep, res, y);
	switch ((ow - ox + VW - 1) / VW) {
	case 4:
		dw_block(4, ntaps, tap, wt, ox, ow, bias, ep, res, y);
		break;
	case 3:
		dw_block(3, ntaps, tap, wt, ox, ow, bias, ep, res, y);
		break;
	case 2:
		dw_block(2, ntaps, tap, wt, ox, ow, bias, ep, res, y);
		break;
	case 1:
		dw_block(1, ntaps, tap, wt, ox, ow, bias, ep, res, y);
		break;
	default:
		break;
	}
}

/* The 3x3 sum at output columns [ox, ox + VW): three independent chains,
 * one per kernel row, of straight-line FMAs. */
#define DW3_SUM(ox)                                                                   \
	do {                                                                          \
		vf a0, a1, a2, b0, b1, b2, c0, c1, c2;                                \
		LOADV(a0, r0 + (ox)), LOADV(a1, r0 + (ox) + o1), LOADV(a2, r0 + (ox) + o2); \
		LOADV(b0, r1 + (ox)), LOADV(b1, r1 + (ox) + o1), LOADV(b2, r1 + (ox) + o2); \
		LOADV(c0, r2 + (ox)), LOADV(c1, r2 + (ox) + o1), LOADV(c2, r2 + (ox) + o2); \
		sum = (w[0] * a0 + w[1] * a1 + w[2] * a2) + (w[3] * b0 + w[4] * b1 + w[5] * b2) + \
		      (w[6] * c0 + w[7] * c1 + w[8] * c2) + vbias;                     \
	} while (0)

/* One plane of a 3x3 kernel, its input rows from the ring r: o1, o2 are
 * the phase element offsets of taps kx = 1, 2; y, res: [oh, ow] (res may
 * be NULL). Inlined with act (NONE or VEC) and whether there is a
 * residual constant, so the loop over whole vectors has no branch. No
 * accumulator is carried from one vector to the next: out-of-order
 * execution overlaps them. */
static ALWAYS_INLINE void dw3_plane_(int act, int has_res, const rt_conv2d_params *p, rt_rows *r, int o1, int o2,
                                     const vf *w, float bias, float param, float param2, const float *res, float *y)
{
	const int ow = p->ow;
	const vf vbias = SPLAT(bias);
	for (int oy = 0; oy < p->oh; oy++, y += ow, res += has_res ? ow : 0) {
		int iy = oy * p->sh - p->ph, ox = 0;
		const float *r0 = rt_rows_get(r, iy), *r1 = rt_rows_get(r, iy + p->dh);
		const float *r2 = rt_rows_get(r, iy + 2 * p->dh);
		vf sum;
		for (; ox < ow; ox += VW) {
			DW3_SUM(ox);
			store_vec(act, has_res, sum, has_res ? res + ox : NULL, y + ox, ow - ox, param, param2);
		}
	}
}

/* The row-by-row 3x3 plane for any epilogue. */
static void dw3_plane(const rt_conv2d_params *p, rt_rows *r, int o1, int o2, const float *wt, float bias,
                      const rt_epilogue *ep, const float *res, float *y)
{
	vf w[9];
	for (int i = 0; i < 9; i++)
		w[i] = SPLAT(wt[i]);
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) DW_BY_RES(dw3_plane_, act, res, p, r, o1, o2, w, bias, ep->param, ep->param2, res, y)
#define ACT_SWITCH_AFTER DW_AFTER(ep, y, p->oh * p->ow)
#include "act_switch.h"
}

/* Any kernel whose rows fit rows.h's ring, plane by plane: each row of
 * taps is one phase of a padded input row (rt_rows). */
void rt_dw_rows(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                           float *y, int begin, int end)
{
	const int kh = p->kh, kw = p->kw, ow = p->ow, sw = p->sw, ntaps = kh * kw;
	const int span = (kw - 1) * p->dw, len = RT_ROWS_LEN(ow, span, sw);
	rt_rows r;
	const float *tap[MAX_TAPS];
	int off[MAX_TAPS]; /* tap kx's phase element for output column 0 */
	for (int kx = 0; kx < kw; kx++)
		off[kx] = (kx * p->dw) % sw * len + kx * p->dw / sw;
	for (int it = begin; it < end; it++) {
		int c = it % p->c;
		size_t plane = (size_t)it;
		const float *wc = w + (size_t)c * ntaps;
		float bias = ep->bias ? ep->bias[c] : 0, *yc = y + plane * p->oh * ow;
		const float *rc = ep->residual ? ep->residual + plane * p->oh * ow : NULL;
		rt_epilogue ec = *ep; /* channel c's: a fused prelu's slope of c its parameter */
		ec.param = act_param(ep, c), ec.slope = NULL;
		rt_rows_start(&r, x + plane * p->h * p->w, p->h, p->w, sw, p->pw, len, 0.0f);
		if (kh == 3 && kw == 3) {
			dw3_plane(p, &r, off[1], off[2], wc, bias, &ec, rc, yc);
			continue;
		}
		for (int oy = 0; oy < p->oh; oy++) {
			for (int ky = 0; ky < kh; ky++) {
				const float *row = rt_rows_get(&r, oy * p->sh - p->ph + ky * p->dh);
				for (int kx = 0; kx < kw; kx++)
					tap[ky * kw + kx] = row + off[kx];
			}
			dw_row(ntaps, tap, wc, ow, bias, &ec, rc ? rc + (size_t)oy * ow : NULL, yc + (size_t)oy * ow);
		}
	}
}
