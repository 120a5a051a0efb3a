/*
 * depthwise_s2.c: the depthwise paths for 3x3 kernels at stride 2 with
 * padding 1. x: [n, c, h, w]  w: [c, 1, 3, 3] -> y: [n, c, oh, ow],
 * oh = ceil(h / 2), ow = ceil(w / 2): rt_dw_s2p for planes of even width
 * and at most S2P_MAX floats, rt_dw_s2 for others of at most S2_OW_MAX
 * output columns. depthwise.c says how they fit among the paths.
 */
#include "depthwise.h"

/* ---- 3x3, stride 2, padding 1: flat loops over bands of rows -------- */

/* At stride 2 with padding 1, output (oy, ox) reads input rows 2oy - 1,
 * 2oy, 2oy + 1 and the same columns. Split the input by row and column
 * parity into four planes of ow columns (ee: even rows, even columns;
 * eo: even rows, odd columns; oe, oo likewise on odd rows, starting at
 * row -1), and every tap is one of them read at j = oy*ow + ox, j - 1,
 * j + ow or j + ow - 1: the same flat loop as at stride 1, with keep_l
 * dropping the left padding (column 2ox - 1 of ox = 0) and zero rows and
 * columns standing in for the rest. Output rows go in bands of at most
 * FLAT_MAX floats. */
#define S2_OW_MAX 128 /* widest output row of the path */

/* The four parity planes of one band and its lane masks. */
typedef struct {
	float ee[1 + FLAT_MAX + VW];              /* [1 guard][rows 2(r0+i)][slack] */
	float eo[1 + FLAT_MAX + VW];              /* odd columns of the same rows */
	float oe[1 + FLAT_MAX + S2_OW_MAX + VW];  /* [1 guard][rows 2(r0+i)-1, i <= rows][slack] */
	float oo[1 + FLAT_MAX + S2_OW_MAX + VW];  /* odd columns of the same rows */
	vi keep_l[FLAT_MAX / VW + 1];             /* per output vector: lanes not in column 0 */
} Band2;

int rt_dw_s2_fits(const rt_conv2d_params *p)
{
	return p->kh == 3 && p->kw == 3 && p->sh == 2 && p->sw == 2 && p->ph == 1 && p->pw == 1 && p->dh == 1 &&
	       p->dw == 1 && p->ow <= S2_OW_MAX;
}

/* One band: output rows of ow floats, count = rows * ow; y, res at its
 * first row. */
static ALWAYS_INLINE void s2_band_(int act, int has_res, const Band2 *b, int count, int ow, const vf *k, float bias,
                                   float param, float param2, const float *res, float *y)
{
	const vf vbias = (vf){0} + bias;
	const float *ee = b->ee + 1, *eo = b->eo + 1, *oe = b->oe + 1, *oo = b->oo + 1;
	for (int j = 0, v = 0; j < count; j += VW, v++) {
		vf a0, a1, a2, b0, b1, b2, c0, c1, c2;
		LOADV(a0, oo + j - 1), LOADV(a1, oe + j), LOADV(a2, oo + j);
		LOADV(b0, eo + j - 1), LOADV(b1, ee + j), LOADV(b2, eo + j);
		LOADV(c0, oo + j + ow - 1), LOADV(c1, oe + j + ow), LOADV(c2, oo + j + ow);
		vf left = k[0] * a0 + k[3] * b0 + k[6] * c0;
		vf sum = k[1] * a1 + k[4] * b1 + k[7] * c1 + vbias;
		sum += k[2] * a2 + k[5] * b2 + k[8] * c2;
		sum += (vf)((vi)left & b->keep_l[v]);
		store_vec(act, has_res, sum, has_res ? res + j : NULL, y + j, count - j, param, param2);
	}
}

/* Input row xr (NULL: padding) split into even and odd columns, ow
 * each: rt_rows_split2 for rows of several vectors, else plain loops here
 * (the call and its checks cost more than a 14-float row). */
static void split_row(float *even, float *odd, const float *xr, int w, int ow)
{
	if (!xr) {
		memset(even, 0, (size_t)ow * sizeof *even);
		memset(odd, 0, (size_t)ow * sizeof *odd);
	} else if (ow >= 2 * VW) {
		rt_rows_split2(even, odd, xr, w, 0, ow, 0.0f);
	} else {
		int t = 0;
		for (; t < w / 2; t++)
			even[t] = xr[2 * t], odd[t] = xr[2 * t + 1];
		if (t < ow) /* w odd: the last even column has no odd one after it */
			even[t] = xr[2 * t], odd[t] = 0;
	}
}

void rt_dw_s2(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                         float *y, int begin, int end)
{
	const int h = p->h, wd = p->w, oh = p->oh, ow = p->ow;
	const int band = FLAT_MAX / ow < oh ? FLAT_MAX / ow : oh; /* output rows per band */
	Band2 b;
	memset(&b, 0, sizeof b);
	for (int i = 0, ox = 0; i < band * ow; i++, ox = ox + 1 < ow ? ox + 1 : 0)
		b.keep_l[i / VW][i % VW] = ox != 0 ? -1 : 0;
	for (int it = begin; it < end; it++) {
		int c = it % p->c;
		size_t plane = (size_t)it;
		const float *xc = x + plane * h * wd;
		vf k[9];
		for (int i = 0; i < 9; i++)
			k[i] = (vf){0} + w[(size_t)c * 9 + i];
		float bias = ep->bias ? ep->bias[c] : 0;
		for (int r0 = 0; r0 < oh; r0 += band) {
			int rows = oh - r0 < band ? oh - r0 : band, count = rows * ow;
			for (int i = 0; i <= rows; i++) {
				int iy = 2 * (r0 + i) - 1; /* odd rows, from the one above */
				const float *xr = iy >= 0 && iy < h ? xc + (size_t)iy * wd : NULL;
				split_row(b.oe + 1 + i * ow, b.oo + 1 + i * ow, xr, wd, ow);
				if (i == rows)
					break;
				xr = iy + 1 < h ? xc + (size_t)(iy + 1) * wd : NULL;
				split_row(b.ee + 1 + i * ow, b.eo + 1 + i * ow, xr, wd, ow);
			}
			size_t yoff = (plane * oh + r0) * ow;
			float *yb = y + yoff;
			const float *rb = ep->residual ? ep->residual + yoff : NULL;
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) DW_BY_RES(s2_band_, act, rb, &b, count, ow, k, bias, act_param(ep, c), ep->param2, rb, yb)
#define ACT_SWITCH_AFTER DW_AFTER(ep, yb, count)
#include "act_switch.h"
		}
	}
}

/* ---- 3x3, stride 2, padding 1, small planes of even width ---------- */

/* With an even w, a column's parity is its flat index's in the plane, so
 * one pass of vector loads and even/odd shuffles splits a whole plane
 * into e (even columns) and o (odd ones), rows of ow = w/2 floats. Output
 * row oy then reads input rows 2oy - 1, 2oy, 2oy + 1 of them, tap kx = 0
 * at o[ox - 1] (lane ox = 0 masked: the left padding), kx = 1 at e[ox],
 * kx = 2 at o[ox]; rows past the plane read zeros. For planes up to 4096
 * floats:
 * the banded path splits row by row, a scalar loop below 32 columns
 * (mobilenet_v2's layers alone: 576 x 14x14 0.054 -> 0.031 ms, 192 x
 * 28x28 0.060 -> 0.026, 144 x 56x56 0.107 -> 0.082). */
#define S2P_MAX 4096 /* floats of the largest plane */

/* A plane split by column parity, and a row of zeros. */
typedef struct {
	float e[1 + S2P_MAX / 2 + 2 * VW]; /* [guard][rows of even columns][slack] */
	float o[1 + S2P_MAX / 2 + 2 * VW]; /* odd columns, the same */
	float z[1 + S2P_MAX / 2 + 2 * VW]; /* zeros for rows -1 and h: [guard][ow + VW read] */
} Split2;

int rt_dw_s2p_fits(const rt_conv2d_params *p)
{
	return p->kh == 3 && p->kw == 3 && p->sh == 2 && p->sw == 2 && p->ph == 1 && p->pw == 1 && p->dh == 1 &&
	       p->dw == 1 && p->w % 2 == 0 && p->h * p->w <= S2P_MAX;
}

/* One plane from the split in sp: y, res [oh, ow] (res may be NULL).
 * A vector is stored whole when it ends inside the plane, the lanes past
 * its row landing on rows stored after it; else (the last row, or rows
 * narrower than a vector near the end) only the row's own floats. */
static ALWAYS_INLINE void s2p_plane_(int act, int has_res, const Split2 *sp, int h, int oh, int ow, const vf *k,
                                     float bias, float param, float param2, const float *res, float *y)
{
	const vf vbias = (vf){0} + bias;
	vi keep0 = {0}; /* lanes of the first vector that are not column 0 */
	for (int l = 1; l < VW; l++)
		keep0[l] = -1;
	const float *e = sp->e + 1, *o = sp->o + 1, *z = sp->z + 1;
	for (int oy = 0; oy < oh; oy++, y += ow, res += has_res ? ow : 0) {
		int r0 = 2 * oy - 1, r2 = 2 * oy + 1;
		const float *e0 = r0 >= 0 ? e + r0 * ow : z, *o0 = r0 >= 0 ? o + r0 * ow : z;
		const float *e1 = e + 2 * oy * ow, *o1 = o + 2 * oy * ow;
		const float *e2 = r2 < h ? e + r2 * ow : z, *o2 = r2 < h ? o + r2 * ow : z;
		for (int ox = 0; ox < ow; ox += VW) {
			vf a0, a1, a2, b0, b1, b2, c0, c1, c2;
			LOADV(a0, o0 + ox - 1), LOADV(a1, e0 + ox), LOADV(a2, o0 + ox);
			LOADV(b0, o1 + ox - 1), LOADV(b1, e1 + ox), LOADV(b2, o1 + ox);
			LOADV(c0, o2 + ox - 1), LOADV(c1, e2 + ox), LOADV(c2, o2 + ox);
			vf left = k[0] * a0 + k[3] * b0 + k[6] * c0;
			vf sum = k[1] * a1 + k[4] * b1 + k[7] * c1 + vbias;
			sum += k[2] * a2 + k[5] * b2 + k[8] * c2;
			sum += ox == 0 ? (vf)((vi)left & keep0) : left;
			int count = (oy * ow + ox + VW <= oh * ow) ? VW : ow - ox;
			store_vec(act, has_res, sum, has_res ? res + ox : NULL, y + ox, count, param, param2);
		}
	}
}

void rt_dw_s2p(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                          float *y, int begin, int end)
{
	const int h = p->h, n = h * p->w, oh = p->oh, ow = p->ow;
	Split2 sp;
	memset(&sp, 0, sizeof sp);
	for (int it = begin; it < end; it++) {
		int c = it % p->c;
		const float *xc = x + (size_t)it * n;
		int i = 0;
		for (; i + 2 * VW <= n; i += 2 * VW) {
			vf a, b, ev, od;
			LOADV(a, xc + i);
			LOADV(b, xc + i + VW);
			ev = SHUFFLE2(a, b, EVEN_LANES);
			od = SHUFFLE2(a, b, ODD_LANES);
			STOREV(sp.e + 1 + i / 2, ev);
			STOREV(sp.o + 1 + i / 2, od);
		}
		for (; i < n; i += 2)
			sp.e[1 + i / 2] = xc[i], sp.o[1 + i / 2] = xc[i + 1];
		vf k[9];
		for (int t = 0; t < 9; t++)
			k[t] = (vf){0} + w[(size_t)c * 9 + t];
		float bias = ep->bias ? ep->bias[c] : 0;
		size_t yoff = (size_t)it * oh * ow;
		const float *rb = ep->residual ? ep->residual + yoff : NULL;
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) DW_BY_RES(s2p_plane_, act, rb, &sp, h, oh, ow, k, bias, act_param(ep, c), ep->param2, rb, y + yoff)
#define ACT_SWITCH_AFTER DW_AFTER(ep, y + yoff, oh * ow)
#include "act_switch.h"
	}
}
