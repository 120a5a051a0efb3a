/*
 * depthwise_cb.c: the depthwise path for small planes, vectorized across
 * channels. x: [n, c, h, w]  w: [c, 1, kh, kw] -> y: [n, c, oh, ow].
 *
 * On a plane of 7x7 or 14x14 a vector along a row is mostly waste (7 of
 * 8 lanes, and a row's ends in the padding), and each of a 5x5 kernel's
 * 25 taps is a separate load per output vector: mobilenet_v3_large's
 * 5x5 layers on 960 planes of 7x7 ran at ~3 GFLOP/s along rows. Here VW
 * planes at a time (consecutive planes of the slice: lanes never mix,
 * so which planes share a block does not change any result) are
 * transposed, VW pixels at a time in registers, into a padded buffer of
 * vectors, [rows][wp][VW] (the padding columns zeroed once per slice),
 * a band of output rows at a time (as many as the buffers hold: a 7x7
 * or 14x14 plane in one), and every output pixel of the VW planes is one
 * vector: kh*kw FMAs with the tap's weights of the VW channels, then
 * bias, residual and activation in registers, and the vectors
 * transposed back to the planes.
 * Dilation 1 only (dilated kernels go to depthwise_phases.c).
 * depthwise.c says how it fits among the paths.
 */
#include "depthwise.h"

#define OB 4 /* output pixels of a row accumulated at once */

/* Whether the path applies and a band of one output row fits the buffers. */
int rt_dw_cb_fits(const rt_conv2d_params *p, const rt_epilogue *ep)
{
	if ((ep && ep->slope) || (p->kh == 3 && p->kw == 3 && p->ow >= VW))
		return 0; /* prelu's slopes; a 3x3 on rows of a vector or more: the flat paths do better */
	return p->dh == 1 && p->dw == 1 && p->kh * p->kw <= MAX_TAPS && p->kh * (p->w + 2 * p->pw) <= RT_DW_CB_PIXELS &&
	       p->ow <= RT_DW_CB_PIXELS;
}

/* Output pixels [ox, ox + nb) of output row oy (nb <= OB, a constant
 * once inlined) of the block: the taps' sums with the bias, in ob. xb:
 * the padded input [hp][wp]; wt: each tap's weights of the lanes. */
static ALWAYS_INLINE void cb_pixels(int nb, const rt_conv2d_params *p, int wp, const vf *xb, const vf *wt, vf bias,
                                   int oy, int ox, vf *ob)
{
	vf acc[OB];
#pragma GCC unroll 8
	for (int j = 0; j < nb; j++)
		acc[j] = (vf){0};
	for (int ky = 0; ky < p->kh; ky++) {
		const vf *row = xb + (size_t)(oy * p->sh + ky) * wp + (size_t)ox * p->sw;
		const vf *wr = wt + ky * p->kw;
		for (int kx = 0; kx < p->kw; kx++) {
			vf wv = wr[kx];
#pragma GCC unroll 8
			for (int j = 0; j < nb; j++)
				acc[j] += wv * row[j * p->sw + kx];
		}
	}
#pragma GCC unroll 8
	for (int j = 0; j < nb; j++)
		ob[ox + j] = acc[j] + bias;
}

/* r[i][l] <-> r[l][i]: the VW x VW floats transposed in registers. */
/* The shuffles' lanes (simd.h's SHUFFLE2: of a then b): */
#if VW == 8
#define CB_LO2 0, 8, 1, 9, 4, 12, 5, 13        /* pairs interleaved: unpacklo */
#define CB_HI2 2, 10, 3, 11, 6, 14, 7, 15      /* unpackhi */
#define CB_LO4 0, 1, 8, 9, 4, 5, 12, 13        /* pairs of pairs */
#define CB_HI4 2, 3, 10, 11, 6, 7, 14, 15
#define CB_LO8 0, 1, 2, 3, 8, 9, 10, 11        /* halves */
#define CB_HI8 4, 5, 6, 7, 12, 13, 14, 15
#elif VW == 4
#define CB_LO2 0, 4, 1, 5
#define CB_HI2 2, 6, 3, 7
#define CB_LO4 0, 1, 4, 5
#define CB_HI4 2, 3, 6, 7
#else
#error "depthwise_cb.c: no transpose for this VW"
#endif
static ALWAYS_INLINE void transpose(vf r[VW])
{
	vf t[VW], u[VW];
#pragma GCC unroll 8
	for (int i = 0; i < VW; i += 2) {
		t[i] = SHUFFLE2(r[i], r[i + 1], CB_LO2);
		t[i + 1] = SHUFFLE2(r[i], r[i + 1], CB_HI2);
	}
#pragma GCC unroll 8
	for (int i = 0; i < VW; i += 4)
#pragma GCC unroll 2
		for (int j = 0; j < 2; j++) {
			u[i + 2 * j] = SHUFFLE2(t[i + j], t[i + j + 2], CB_LO4);
			u[i + 2 * j + 1] = SHUFFLE2(t[i + j], t[i + j + 2], CB_HI4);
		}
#if VW == 8
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		r[i] = SHUFFLE2(u[i], u[i + 4], CB_LO8);
		r[i + 4] = SHUFFLE2(u[i], u[i + 4], CB_HI8);
	}
#else
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++)
		r[i] = u[i];
#endif
}

/* r[i] = pixel q + i of the VW planes src[l] (lane l), for i < VW. */
static ALWAYS_INLINE void load_pixels(vf r[VW], const float *const *src, int q)
{
#pragma GCC unroll 16
	for (int l = 0; l < VW; l++)
		LOADV(r[l], src[l] + q);
	transpose(r);
}

/* The epilogue of the block's output vectors ob [count] (sums with the
 * bias) and their store into the nl planes ys[l] (residual planes rs[l]
 * when has_res; both VW pointers, the lanes past nl pointing at lane 0's
 * planes, read and not written); act and has_res constants once
 * inlined. */
static ALWAYS_INLINE void cb_store_(int act, int has_res, int count, vf *ob, int nl, float *const *ys,
                                    const float *const *rs, float param, float param2)
{
	int q = 0;
	for (; q + VW <= count; q += VW) {
		vf r[VW];
		if (has_res) {
			load_pixels(r, rs, q);
#pragma GCC unroll 16
			for (int i = 0; i < VW; i++)
				ob[q + i] += r[i];
		}
#pragma GCC unroll 16
		for (int i = 0; i < VW; i++)
			r[i] = act_vec(act, param, param2, ob[q + i]);
		transpose(r);
		for (int l = 0; l < nl; l++)
			STOREV(ys[l] + q, r[l]);
	}
	for (; q < count; q++) {
		vf v = ob[q];
		if (has_res) {
			vf r = {0};
			for (int l = 0; l < VW; l++)
				r[l] = rs[l][q];
			v += r;
		}
		v = act_vec(act, param, param2, v);
		for (int l = 0; l < nl; l++)
			ys[l][q] = v[l];
	}
}

/* The same for any epilogue (without slopes: rt_dw_cb_fits sends a
 * prelu elsewhere). */
static void cb_store(const rt_epilogue *ep, int count, vf *ob, int nl, float *const *ys, const float *const *rs)
{
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) DW_BY_RES(cb_store_, act, rs[0], count, ob, nl, ys, rs, ep->param, ep->param2)
#define ACT_SWITCH_AFTER             \
	for (int l = 0; l < nl; l++) \
	DW_AFTER(ep, ys[l], count)
#include "act_switch.h"
}

/* Output rows of a band: as many as the buffers hold (the band's input
 * rows, padding included, in xb; its outputs in ob). */
static int cb_band(const rt_conv2d_params *p)
{
	int wp = p->w + 2 * p->pw, by_in = (RT_DW_CB_PIXELS / wp - p->kh) / p->sh + 1, by_out = RT_DW_CB_PIXELS / p->ow;
	int band = by_in < by_out ? by_in : by_out;
	return band < p->oh ? band : p->oh;
}

/* Input rows [iy0, iy0 + rows) of the VW planes xs into xb (row r at xb
 * + r * wp, its first pw and last pw vectors the padding, zero since the
 * slice began): rows above and below the planes zeroed, the others VW
 * pixels at a time (ix, r: the next pixel's place). */
static void cb_pack(const rt_conv2d_params *p, const float *const *xs, int iy0, int rows, vf *xb)
{
	const int h = p->h, wd = p->w, wp = wd + 2 * p->pw;
	int lo = iy0 < 0 ? 0 : iy0, hi = iy0 + rows < h ? iy0 + rows : h;
	for (int r = 0; r < rows; r++)
		if (iy0 + r < lo || iy0 + r >= hi)
			memset(xb + (size_t)r * wp + p->pw, 0, (size_t)wd * sizeof *xb);
	if (lo >= hi)
		return;
	int q = lo * wd, end = hi * wd, r = lo - iy0, ix = 0;
	vf *at = xb + p->pw;
	for (; q + VW <= end; q += VW) {
		vf v[VW];
		load_pixels(v, xs, q);
		for (int i = 0; i < VW; i++) {
			at[(size_t)r * wp + ix] = v[i];
			if (++ix == wd)
				ix = 0, r++;
		}
	}
	for (; q < end; q++) {
		for (int l = 0; l < VW; l++)
			at[(size_t)r * wp + ix][l] = xs[l][q];
		if (++ix == wd)
			ix = 0, r++;
	}
}

/* Planes [begin, end), VW at a time, in bands of output rows. */
void rt_dw_cb(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep, float *y, int begin,
              int end)
{
	const int h = p->h, wd = p->w, oh = p->oh, ow = p->ow, ntaps = p->kh * p->kw;
	const int wp = wd + 2 * p->pw, band = cb_band(p), rows_max = (band - 1) * p->sh + p->kh;
	vf xb[RT_DW_CB_PIXELS], ob[RT_DW_CB_PIXELS], wt[MAX_TAPS];
	memset(xb, 0, (size_t)rows_max * wp * sizeof *xb); /* the padding columns stay zero */
	for (int b0 = begin; b0 < end; b0 += VW) {
		int nl = end - b0 < VW ? end - b0 : VW;
		float *ys[VW];
		const float *xs[VW], *rs[VW] = {NULL};
		vf bias = {0};
		for (int l = 0; l < VW; l++) {
			int plane = b0 + (l < nl ? l : 0), c = plane % p->c;
			xs[l] = x + (size_t)plane * h * wd;
			ys[l] = y + (size_t)plane * oh * ow;
			if (ep->residual)
				rs[l] = ep->residual + (size_t)plane * oh * ow;
			for (int t = 0; t < ntaps; t++)
				wt[t][l] = w[(size_t)c * ntaps + t];
			bias[l] = ep->bias ? ep->bias[c] : 0;
		}
		for (int oy0 = 0; oy0 < oh; oy0 += band) {
			int oy1 = oy0 + band < oh ? oy0 + band : oh;
			cb_pack(p, xs, oy0 * p->sh - p->ph, (oy1 - 1 - oy0) * p->sh + p->kh, xb);
			for (int oy = 0; oy < oy1 - oy0; oy++) {
				vf *orow = ob + (size_t)oy * ow;
				int ox = 0;
				for (; ox + OB <= ow; ox += OB)
					cb_pixels(OB, p, wp, xb, wt, bias, oy, ox, orow);
				for (; ox < ow; ox++)
					cb_pixels(1, p, wp, xb, wt, bias, oy, ox, orow);
			}
			float *yb[VW];
			const float *rb[VW] = {NULL};
			for (int l = 0; l < VW; l++) {
				yb[l] = ys[l] + (size_t)oy0 * ow;
				rb[l] = rs[l] ? rs[l] + (size_t)oy0 * ow : NULL;
			}
			cb_store(ep, (oy1 - oy0) * ow, ob, nl, yb, rb);
		}
	}
}
