/*
 * conv_cl.c: convolutions in the channel-chunked layouts (NHWC, NCHW8c).
 *
 * rt_conv2d_cl is a direct convolution register-blocked like a GEMM
 * micro-kernel: a tile of 6 output pixels of one row by one strip of 16
 * output channels lives in 12 vectors of 8 (cl.h) while the kernel walks
 * the taps and, per tap, the input channels; each step broadcasts one
 * input value per pixel and multiplies it with the strip's 16 weights of
 * that channel and tap. In a chunked layout a pixel's channels sit next to
 * each other (all of them in NHWC, 8 at a time in NCHW8c), so those reads
 * are sequential, and the strip's weights, [kh][kw][span][16], are read in
 * order too. Taps that fall into the padding, and the pixels past the
 * row's end in the last tile, read a row of zeros instead, so the inner
 * loop has no test. A 1x1 convolution with stride 1 and no padding
 * (pointwise) is a GEMM with M = pixels, N = output channels, K = input
 * channels: pw_items runs it with the plane as one row of h*w pixels,
 * with plain pointers and the epilogue's activation a constant.
 *
 * Groups: a strip's 16 outputs may belong to several groups; it reads the
 * input channels of all of them (span channels from the first one's
 * first) and the compiler puts zeros in the weights where an input
 * channel is not in an output's group. With one group, span is c.
 *
 * rt_conv2d_dw_cl is the depthwise case, where each output channel reads
 * one input channel: vectorized over 8 channels of a pixel at a time.
 * Square 3x3 and 5x5 kernels at stride 1 or 2 without dilation (the
 * mobilenet/efficientnet ones) run register-blocked over several output
 * pixels of a row (dw_fast_items); the others pixel by pixel, 4 at a
 * time in the interior (dw_items).
 *
 * The epilogue (bias, residual in the output's layout, activation) is
 * applied as each tile is stored. Padding lanes of NCHW8c get zero
 * weights and zero bias; they are stored like the others.
 *
 * Threads (rt_parallel): rt_conv2d_cl splits the loop over (image,
 * strip, output row, block of 48 columns) (pointwise: (image, block of
 * 48 pixels, strip)), rt_conv2d_dw_cl the loop over
 * (image, chunk, output row). Each output element belongs to one item
 * and is summed in the same order whatever the split, so any thread
 * count gives the same bytes; neither kernel has scratch memory.
 */
#include "cnnrt.h"

#include <math.h>

#include "cl.h"

#define R 6                   /* output pixels per tile */
#define STRIP RT_CONV_CL_STRIP /* output channels per tile */
#define ZLEN 1024             /* floats in the row of zeros */

static const float zeros[ZLEN];

static int imin(int a, int b) { return a < b ? a : b; }

int rt_conv_cl_span(int c, int oc, int groups)
{
	int cg = c / groups, og = oc / groups, span = 0;
	for (int o0 = 0; o0 < oc; o0 += STRIP) {
		int o1 = imin(o0 + STRIP, oc) - 1;
		int s = (o1 / og - o0 / og + 1) * cg;
		span = s > span ? s : span;
	}
	return span;
}

/* v = act(v + bias + residual) for 8 lanes, n of them real; stores n.
 * act: ep's activation (a constant where the caller's loops were copied
 * per activation by act_switch.h). slope: the lanes' parameters (a fused
 * prelu's slopes), or NULL: ep's; with slopes, lane by lane. */
INLINE void store8(const rt_epilogue *ep, int act, const v8 *acc, const float *bias, const float *slope,
                   const float *res, float *dst, int n)
{
	v8 v = v8_add(*acc, v8_load(bias));
	if (n < 8 || slope) {
		float t[8];
		v8_store(t, v);
		for (int i = 0; i < n; i++)
			dst[i] = ep ? act_scalar(act, slope ? slope[i] : ep->param, ep->param2, t[i] + (res ? res[i] : 0))
			            : t[i];
		return;
	}
	if (res)
		v = v8_add(v, v8_load(res));
	if (ep)
		v = v8_act(act, ep->param, ep->param2, v);
	v8_store(dst, v);
}

/* The tile's accumulators: acc[j][h] holds pixel j, channels 8h..8h+7. */
typedef struct {
	v8 acc[R][2];
} Tile;

/* Sums the tile of output row oy, pixels ox0.., strip weights ws
 * ([kh][kw][span][16]) over input channels [c0, cend). */
INLINE void tile_sum(const rt_conv2d_params *p, int cl_in, const float *x, int n, int oy, int ox0, const float *ws,
                     int span, int c0, int cend, Tile *t)
{
	const int h = p->h, w = p->w, hw = h * w;
	const float *xn = x + cl_at(p->c, hw, cl_in, n, 0, 0); /* image n */
	v8 a00 = v8_set1(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
	v8 a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
	for (int ky = 0; ky < p->kh; ky++) {
		int iy = oy * p->sh - p->ph + ky * p->dh;
		if (iy < 0 || iy >= h)
			continue;
		for (int kx = 0; kx < p->kw; kx++) {
			const float *base[R];
			for (int j = 0; j < R; j++) {
				int ix = (ox0 + j) * p->sw - p->pw + kx * p->dw;
				base[j] = ox0 + j < p->ow && ix >= 0 && ix < w ? xn + ((size_t)iy * w + ix) * cl_in : NULL;
			}
			const float *wt = ws + (size_t)(ky * p->kw + kx) * span * STRIP;
			const size_t chunk = (size_t)hw * cl_in; /* floats from one chunk to the next */
			for (int ci = c0, cb = c0 / cl_in, l0 = c0 % cl_in; ci < cend; cb++, l0 = 0) {
				int len = imin(cl_in - l0, cend - ci);
				for (int lw = 0; lw < len; lw += ZLEN) {
					int m = imin(ZLEN, len - lw);
					size_t off = (size_t)cb * chunk + (size_t)(l0 + lw);
					const float *q0 = base[0] ? base[0] + off : zeros, *q1 = base[1] ? base[1] + off : zeros;
					const float *q2 = base[2] ? base[2] + off : zeros, *q3 = base[3] ? base[3] + off : zeros;
					const float *q4 = base[4] ? base[4] + off : zeros, *q5 = base[5] ? base[5] + off : zeros;
					const float *wr = wt + (size_t)(ci - c0 + lw) * STRIP;
					for (int l = 0; l < m; l++, wr += STRIP) {
						v8 w0 = v8_load(wr), w1 = v8_load(wr + 8);
						float x0 = q0[l], x1 = q1[l], x2 = q2[l], x3 = q3[l], x4 = q4[l], x5 = q5[l];
						a00 = v8_fmas(a00, x0, w0), a01 = v8_fmas(a01, x0, w1);
						a10 = v8_fmas(a10, x1, w0), a11 = v8_fmas(a11, x1, w1);
						a20 = v8_fmas(a20, x2, w0), a21 = v8_fmas(a21, x2, w1);
						a30 = v8_fmas(a30, x3, w0), a31 = v8_fmas(a31, x3, w1);
						a40 = v8_fmas(a40, x4, w0), a41 = v8_fmas(a41, x4, w1);
						a50 = v8_fmas(a50, x5, w0), a51 = v8_fmas(a51, x5, w1);
					}
				}
				ci += len;
			}
		}
	}
	t->acc[0][0] = a00, t->acc[0][1] = a01, t->acc[1][0] = a10, t->acc[1][1] = a11;
	t->acc[2][0] = a20, t->acc[2][1] = a21, t->acc[3][0] = a30, t->acc[3][1] = a31;
	t->acc[4][0] = a40, t->acc[4][1] = a41, t->acc[5][0] = a50, t->acc[5][1] = a51;
}

/* The arguments of rt_conv2d_cl, for its parallel loop. */
typedef struct {
	const rt_conv2d_params *p;
	int cl_in, cl_out;     /* chunk sizes of x and y */
	const float *x, *w;    /* input, weight strips */
	const rt_epilogue *ep; /* bias, residual, activation or NULL */
	float *y;              /* output */
	int span, strips, cbs; /* input channels per strip, strips, column blocks per row */
} ConvJob;

#define CB (8 * R) /* output columns per item of the parallel loop */

/* Items [begin, end) of the loop over (image, strip, output row, block of
 * CB columns), in that order: each output element is one item's. */
static void conv_items(void *ctx, int begin, int end)
{
	const ConvJob *j = ctx;
	const rt_conv2d_params *p = j->p;
	const int cl_out = j->cl_out, oc = p->oc, cg = p->c / p->groups, og = oc / p->groups, ohw = p->oh * p->ow;
	const int ocp = cl_chunks(oc, cl_out) * cl_out; /* output channels with padding */
	const size_t wstrip = (size_t)p->kh * p->kw * j->span * STRIP;
	const rt_epilogue *ep = j->ep;
	for (int it = begin; it < end; it++) {
		int cb = it % j->cbs, oy = it / j->cbs % p->oh, s = it / j->cbs / p->oh % j->strips;
		int n = it / j->cbs / p->oh / j->strips, o0 = s * STRIP;
		int c0 = imin(o0, oc - 1) / og * cg, cend = imin(c0 + j->span, p->c);
		float bias[STRIP], slope[STRIP]; /* slope: a fused prelu's, when ep has them */
		for (int k = 0; k < STRIP; k++) {
			bias[k] = ep && ep->bias && o0 + k < oc ? ep->bias[o0 + k] : 0.0f;
			slope[k] = ep && ep->slope && o0 + k < oc ? ep->slope[o0 + k] : 0.0f;
		}
		const float *sl = ep && ep->slope ? slope : NULL;
		size_t yo[2]; /* offsets of the strip's two halves at pixel 0 */
		for (int hh = 0; hh < 2; hh++)
			yo[hh] = o0 + 8 * hh < ocp ? cl_at(oc, ohw, cl_out, n, o0 + 8 * hh, 0) : 0;
		for (int ox0 = cb * CB; ox0 < imin((cb + 1) * CB, p->ow); ox0 += R) {
			Tile t;
			tile_sum(p, j->cl_in, j->x, n, oy, ox0, j->w + s * wstrip, j->span, c0, cend, &t);
			for (int q = 0; q < R && ox0 + q < p->ow; q++)
				for (int hh = 0; hh < 2 && o0 + 8 * hh < ocp; hh++) {
					int o = o0 + 8 * hh, lanes = cl_out == oc ? imin(8, oc - o) : 8;
					size_t at = yo[hh] + (size_t)(oy * p->ow + ox0 + q) * cl_out;
					const float *res = ep && ep->residual ? ep->residual + at : NULL;
					store8(ep, ep ? ep->act : RT_ACT_NONE, &t.acc[q][hh], bias + 8 * hh, sl ? sl + 8 * hh : NULL, res,
				       j->y + at, lanes);
				}
		}
	}
}

/* ---- 1x1, stride 1, no padding ------------------------------------------
 * Output pixel q reads input pixel q alone, so each chunk's plane is one
 * row of h*w pixels and a tile of R pixels reads R*cl_in consecutive
 * floats per chunk: pw_items walks them with plain pointers (no taps, no
 * per-pixel tests) and applies the epilogue with the activation a
 * constant (act_switch.h), which on mobilenet-class shapes with few
 * input channels costs as much as the sums. The tile's sums run in the
 * same order as tile_sum's; the last tile of a plane, short of R pixels,
 * goes through tile_sum (pw_tail). */

static int pointwise(const rt_conv2d_params *p)
{
	return p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->ph == 0 && p->pw == 0;
}

/* tile_sum for the last tile of a pointwise plane, short of R pixels,
 * in one copy out of line: called from pw_items_act too, tile_sum was
 * no longer inlined into conv_items, and mobilenet_v2's stem in NCHW8c
 * (3 input channels, where the call is no small part) took 1.9 ms
 * instead of 1.1. */
static __attribute__((noinline)) void pw_tail(const rt_conv2d_params *flat, const ConvJob *j, int n, int q0,
                                              const float *ws, int c0, int cend, Tile *t)
{
	tile_sum(flat, j->cl_in, j->x, n, 0, q0, ws, j->span, c0, cend, t);
}

/* Sums R whole pixels from q0 of image n over input channels [c0, cend)
 * with the strip's weights ws ([span][16]). */
static void pw_sum(const ConvJob *j, int n, int q0, const float *ws, int c0, int cend, Tile *t)
{
	const int cl_in = j->cl_in, hw = j->p->h * j->p->w;
	const size_t chunk = (size_t)hw * cl_in; /* floats from one chunk to the next */
	const float *xq = j->x + cl_at(j->p->c, hw, cl_in, n, 0, q0);
	v8 a00 = v8_set1(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
	v8 a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
	const float *wr = ws;
#define PW_STEP(xp, l)                                                                                        \
	do {                                                                                                  \
		v8 w0 = v8_load(wr), w1 = v8_load(wr + 8);                                                    \
		float x0 = (xp)[l], x1 = (xp)[cl_in + (l)], x2 = (xp)[2 * cl_in + (l)];                       \
		float x3 = (xp)[3 * cl_in + (l)], x4 = (xp)[4 * cl_in + (l)], x5 = (xp)[5 * cl_in + (l)];     \
		a00 = v8_fmas(a00, x0, w0), a01 = v8_fmas(a01, x0, w1);                                       \
		a10 = v8_fmas(a10, x1, w0), a11 = v8_fmas(a11, x1, w1);                                       \
		a20 = v8_fmas(a20, x2, w0), a21 = v8_fmas(a21, x2, w1);                                       \
		a30 = v8_fmas(a30, x3, w0), a31 = v8_fmas(a31, x3, w1);                                       \
		a40 = v8_fmas(a40, x4, w0), a41 = v8_fmas(a41, x4, w1);                                       \
		a50 = v8_fmas(a50, x5, w0), a51 = v8_fmas(a51, x5, w1);                                       \
		wr += STRIP;                                                                                  \
	} while (0)
	for (int ci = c0, cb = c0 / cl_in, l0 = c0 % cl_in; ci < cend; cb++, l0 = 0) {
		int len = imin(cl_in - l0, cend - ci);
		const float *xp = xq + (size_t)cb * chunk + l0;
		if (len == 8) /* a whole NCHW8c block: unrolled */
			for (int l = 0; l < 8; l++)
				PW_STEP(xp, l);
		else
			for (int l = 0; l < len; l++)
				PW_STEP(xp, l);
		ci += len;
	}
#undef PW_STEP
	t->acc[0][0] = a00, t->acc[0][1] = a01, t->acc[1][0] = a10, t->acc[1][1] = a11;
	t->acc[2][0] = a20, t->acc[2][1] = a21, t->acc[3][0] = a30, t->acc[3][1] = a31;
	t->acc[4][0] = a40, t->acc[4][1] = a41, t->acc[5][0] = a50, t->acc[5][1] = a51;
}

/* conv_items for a pointwise p (the plane one row of hw pixels, items
 * (image, block of CB pixels, strip): a block's inputs stay in L1 from
 * one strip to the next), with act the epilogue's
 * activation: a constant where inlined from pw_items. */
INLINE void pw_items_act(const ConvJob *j, int begin, int end, int act)
{
	const rt_conv2d_params *p = j->p;
	const int cl_out = j->cl_out, oc = p->oc, hw = p->h * p->w;
	const int ocp = cl_chunks(oc, cl_out) * cl_out; /* output channels with padding */
	const size_t wstrip = (size_t)j->span * STRIP;
	const rt_epilogue *ep = j->ep;
	rt_conv2d_params flat = *p; /* the plane as one row, for tile_sum */
	flat.h = flat.oh = 1, flat.w = flat.ow = hw;
	for (int it = begin; it < end; it++) {
		int s = it % j->strips, cb = it / j->strips % j->cbs, n = it / j->strips / j->cbs, o0 = s * STRIP;
		int c0 = 0, cend = p->c;
		if (p->groups > 1) {
			int cg = p->c / p->groups, og = oc / p->groups;
			c0 = imin(o0, oc - 1) / og * cg, cend = imin(c0 + j->span, p->c);
		}
		float bias[STRIP], slope[STRIP]; /* slope: a fused prelu's, when ep has them */
		for (int k = 0; k < STRIP; k++) {
			bias[k] = ep && ep->bias && o0 + k < oc ? ep->bias[o0 + k] : 0.0f;
			slope[k] = ep && ep->slope && o0 + k < oc ? ep->slope[o0 + k] : 0.0f;
		}
		const float *sl = ep && ep->slope ? slope : NULL;
		int halves = 0;        /* halves of the strip that exist */
		size_t yo[2];          /* offsets of the strip's two halves at pixel 0 */
		for (int hh = 0; hh < 2 && o0 + 8 * hh < ocp; hh++) {
			yo[hh] = cl_at(oc, hw, cl_out, n, o0 + 8 * hh, 0), halves++;
		}
		const float *ws = j->w + s * wstrip;
		for (int q0 = cb * CB; q0 < imin((cb + 1) * CB, hw); q0 += R) {
			Tile t;
			if (q0 + R <= hw)
				pw_sum(j, n, q0, ws, c0, cend, &t);
			else
				pw_tail(&flat, j, n, q0, ws, c0, cend, &t);
			for (int q = 0; q < R && q0 + q < hw; q++)
				for (int hh = 0; hh < halves; hh++) {
					size_t at = yo[hh] + (size_t)(q0 + q) * cl_out;
					const float *res = ep && ep->residual ? ep->residual + at : NULL;
					int lanes = cl_out == oc ? imin(8, oc - o0 - 8 * hh) : 8;
					store8(ep, act, &t.acc[q][hh], bias + 8 * hh, sl ? sl + 8 * hh : NULL, res, j->y + at,
					       lanes);
				}
		}
	}
}

/* rt_parallel's body for a pointwise conv: pw_items_act with the
 * activation a constant. */
static void pw_items(void *ctx, int begin, int end)
{
	const ConvJob *j = ctx;
#define ACT_SWITCH_ON (j->ep ? j->ep->act : RT_ACT_NONE)
#define ACT_SWITCH_VEC(act) pw_items_act(j, begin, end, act)
#define ACT_SWITCH_LANES pw_items_act(j, begin, end, j->ep->act)
#include "act_switch.h"
}

/* x: [n, c, h, w] in chunks of cl_in  w: strips [kh][kw][span][16]
 * -> y: [n, oc, oh, ow] in chunks of cl_out. In parallel over blocks of
 * output columns, at least ~CL_GRAIN_FLOPS per thread. */
void rt_conv2d_cl(const rt_conv2d_params *p, int cl_in, int cl_out, const float *x, const float *w,
                  const rt_epilogue *ep, float *y)
{
	ConvJob j = {p, cl_in, cl_out, x, w, ep, y, rt_conv_cl_span(p->c, p->oc, p->groups), 0, 0};
	j.strips = (cl_chunks(p->oc, cl_out) * cl_out + STRIP - 1) / STRIP;
	if (pointwise(p)) {
		int hw = p->h * p->w;
		j.cbs = (hw + CB - 1) / CB;
		double flops = 2.0 * imin(CB, hw) * STRIP * j.span; /* per item, at most */
		rt_parallel(p->n * j.strips * j.cbs, cl_grain(flops, CL_GRAIN_FLOPS), pw_items, &j);
		return;
	}
	j.cbs = (p->ow + CB - 1) / CB;
	double flops = 2.0 * imin(CB, p->ow) * STRIP * p->kh * p->kw * j.span; /* per item, at most */
	rt_parallel(p->n * j.strips * p->oh * j.cbs, cl_grain(flops, CL_GRAIN_FLOPS), conv_items, &j);
}

/* Output columns [lo, hi) whose every tap lies inside the input row. */
static void interior(const rt_conv2d_params *p, int *lo, int *hi)
{
	int span = (p->kw - 1) * p->dw; /* from the first tap to the last */
	*lo = p->pw > 0 ? (p->pw + p->sw - 1) / p->sw : 0;
	*hi = p->w - 1 - span + p->pw < 0 ? 0 : (p->w - 1 - span + p->pw) / p->sw + 1;
	*hi = imin(*hi, p->ow);
	if (*lo > *hi)
		*lo = *hi;
}

/* One output pixel of 8 (or lanes < 8) channels, every tap checked:
 * the border columns and the NHWC channel tail. */
static void dw_pixel(const rt_conv2d_params *p, int cl, const float *xb, const float *wb, int oy, int ox, int l,
                     int lanes, const float *bias, const float *slope, const rt_epilogue *ep, const float *res,
                     float *dst)
{
	v8 a = v8_set1(0);
	float t[8] = {0}; /* the accumulators of a tail of lanes < 8 */
	for (int ky = 0; ky < p->kh; ky++) {
		int iy = oy * p->sh - p->ph + ky * p->dh;
		if (iy < 0 || iy >= p->h)
			continue;
		for (int kx = 0; kx < p->kw; kx++) {
			int ix = ox * p->sw - p->pw + kx * p->dw;
			if (ix < 0 || ix >= p->w)
				continue;
			const float *xp = xb + ((size_t)iy * p->w + ix) * cl + l;
			const float *wp = wb + (size_t)(ky * p->kw + kx) * cl + l;
			if (lanes == 8)
				a = v8_fma(a, v8_load(xp), v8_load(wp));
			else
				for (int i = 0; i < lanes; i++)
					t[i] += xp[i] * wp[i];
		}
	}
	if (lanes < 8)
		a = v8_load(t);
	store8(ep, ep ? ep->act : RT_ACT_NONE, &a, bias, slope, res, dst, lanes);
}

/* bias and slope of the lanes lanes of channels ch0.. (zero past them
 * and past c); returns slope, or NULL when ep has no slopes. */
static const float *dw_lane_params(const rt_epilogue *ep, int c, int ch0, int lanes, float *bias, float *slope)
{
	for (int i = 0; i < 8; i++) {
		int ch = ch0 + i;
		bias[i] = ep && ep->bias && i < lanes && ch < c ? ep->bias[ch] : 0.0f;
		slope[i] = ep && ep->slope && i < lanes && ch < c ? ep->slope[ch] : 0.0f;
	}
	return ep && ep->slope ? slope : NULL;
}

/* The arguments of rt_conv2d_dw_cl, for its parallel loop. */
typedef struct {
	const rt_conv2d_params *p;
	int cl;                /* chunk size of x and y */
	const float *x, *w;    /* input, weights [nb][kh][kw][cl] */
	const rt_epilogue *ep; /* bias, residual, activation or NULL */
	float *y;              /* output */
	int lo, hi;            /* interior output columns */
} DwJob;

/* Items [begin, end) of the loop over (image, chunk, output row). Per
 * item and 8 channels: the interior columns 4 at a time (each weight
 * vector loaded once for 4 pixels, no tests) and then one at a time; the
 * border columns and a channel tail one pixel at a time with every tap
 * tested. */
INLINE void dw_items_act(const DwJob *j, int begin, int end, int act)
{
	const rt_conv2d_params *p = j->p;
	const rt_epilogue *ep = j->ep;
	const int cl = j->cl, c = p->c, hw = p->h * p->w, ohw = p->oh * p->ow, nb = cl_chunks(c, cl), ow = p->ow;
	const int lo = j->lo, hi = j->hi;
	const size_t xs = (size_t)p->sw * cl; /* floats between the inputs of neighbouring outputs */
	const float *x = j->x;
	float *y = j->y;
	for (int it = begin; it < end; it++) {
		int oy = it % p->oh, b = it / p->oh % nb, n = it / p->oh / nb;
		const float *wb = j->w + (size_t)b * p->kh * p->kw * cl;
		const float *xb = x + cl_at(c, hw, cl, n, b * cl, 0);
		float *yb = y + cl_at(c, ohw, cl, n, b * cl, 0);
		const float *rb = ep && ep->residual ? ep->residual + cl_at(c, ohw, cl, n, b * cl, 0) : NULL;
		for (int l = 0; l < cl; l += 8) {
			int lanes = imin(8, cl - l);
			float bias[8], slope[8]; /* slope: a fused prelu's, when ep has them */
			const float *sl = dw_lane_params(ep, c, b * cl + l, lanes, bias, slope);
			size_t row = (size_t)oy * ow * cl + l;
#define PIXEL(ox) dw_pixel(p, cl, xb, wb, oy, ox, l, lanes, bias, sl, ep, rb ? rb + row + (size_t)(ox) * cl : NULL, \
                           yb + row + (size_t)(ox) * cl)
			if (lanes < 8) {
				for (int ox = 0; ox < ow; ox++)
					PIXEL(ox);
				continue;
			}
			int ox = 0;
			for (; ox < lo; ox++)
				PIXEL(ox);
			for (; ox + 4 <= hi; ox += 4) {
				v8 a0 = v8_set1(0), a1 = a0, a2 = a0, a3 = a0;
				for (int ky = 0; ky < p->kh; ky++) {
					int iy = oy * p->sh - p->ph + ky * p->dh;
					if (iy < 0 || iy >= p->h)
						continue;
					const float *xr = xb + ((size_t)iy * p->w + (size_t)(ox * p->sw - p->pw)) * cl + l;
					const float *wr = wb + (size_t)ky * p->kw * cl + l;
					for (int kx = 0; kx < p->kw; kx++, xr += (size_t)p->dw * cl, wr += cl) {
						v8 wv = v8_load(wr);
						a0 = v8_fma(a0, v8_load(xr), wv);
						a1 = v8_fma(a1, v8_load(xr + xs), wv);
						a2 = v8_fma(a2, v8_load(xr + 2 * xs), wv);
						a3 = v8_fma(a3, v8_load(xr + 3 * xs), wv);
					}
				}
				const float *r = rb ? rb + row + (size_t)ox * cl : NULL;
				float *d = yb + row + (size_t)ox * cl;
				store8(ep, act, &a0, bias, sl, r, d, 8);
				store8(ep, act, &a1, bias, sl, r ? r + cl : NULL, d + cl, 8);
				store8(ep, act, &a2, bias, sl, r ? r + 2 * cl : NULL, d + 2 * cl, 8);
				store8(ep, act, &a3, bias, sl, r ? r + 3 * cl : NULL, d + 3 * cl, 8);
			}
			for (; ox < hi; ox++) { /* the interior's last few, no tests */
				v8 a0 = v8_set1(0);
				for (int ky = 0; ky < p->kh; ky++) {
					int iy = oy * p->sh - p->ph + ky * p->dh;
					if (iy < 0 || iy >= p->h)
						continue;
					const float *xr = xb + ((size_t)iy * p->w + (size_t)(ox * p->sw - p->pw)) * cl + l;
					const float *wr = wb + (size_t)ky * p->kw * cl + l;
					for (int kx = 0; kx < p->kw; kx++, xr += (size_t)p->dw * cl, wr += cl) {
						a0 = v8_fma(a0, v8_load(xr), v8_load(wr));
					}
				}
				store8(ep, act, &a0, bias, sl, rb ? rb + row + (size_t)ox * cl : NULL, yb + row + (size_t)ox * cl, 8);
			}
			for (; ox < ow; ox++)
				PIXEL(ox);
#undef PIXEL
		}
	}
}

/* rt_parallel's body for rt_conv2d_dw_cl: dw_items_act with the
 * activation a constant. */
static void dw_items(void *ctx, int begin, int end)
{
	const DwJob *j = ctx;
#define ACT_SWITCH_ON (j->ep ? j->ep->act : RT_ACT_NONE)
#define ACT_SWITCH_VEC(act) dw_items_act(j, begin, end, act)
#define ACT_SWITCH_LANES dw_items_act(j, begin, end, j->ep->act)
#include "act_switch.h"
}

/* ---- square 3x3 and 5x5, stride 1 or 2, no dilation -------------------
 * mobilenet's and efficientnet's depthwise layers. A row's interior
 * outputs (every tap inside the input) go in blocks of D pixels (8 for
 * 3x3 stride 1, else 4; then 4, 2, 1 for the rest of the interior): per
 * kernel row the block's S*(D-1)+K input vectors are loaded once, with
 * no test, and each feeds the FMAs of every output it is a tap of (no
 * shuffles: a vector is a pixel's 8 channels), with K, S and D constants
 * so the loops unroll into registers. The border pixels go one at a
 * time, loading zeros for columns outside the input (a block that
 * tested every load, tried first, spilled its inputs to the stack and
 * was up to 2x slower on 14x14 planes). A row's sums are stored, then its
 * epilogue is applied over the row while it is in L1 (dw_ep_row, the
 * activation a constant), so the sums are not copied per activation
 * (folded into the block's store with the activation looked up per
 * vector it measured ~10% slower; copied per activation it would add
 * ~150 KB of code). One thread, this host, thread CPU time against
 * runtime/depthwise.c on mobilenet_v2/v3 and efficientnet shapes
 * (median of 3 rounds at load 12, so +-20%): stride 2 0.67-0.93x NCHW's
 * time (was 0.76-1.17x), 5x5 stride 1 1.04-1.08x (was 1.6-2.3x: on
 * 7x7 and 14x14 planes every pixel went one by one), 3x3 stride 1
 * 0.75x at 7x7 and 1.4-1.7x elsewhere (was 1.2-2.2x). */

#define DR 8 /* most output pixels per block: 3x3 stride 1's (the
                      * other kernels' blocks of 4 have as many FMAs and
                      * spill no registers) */

static int dw_fast(const rt_conv2d_params *p)
{
	return p->kh == p->kw && (p->kh == 3 || p->kh == 5) && p->sh == p->sw && (p->sh == 1 || p->sh == 2) &&
	       p->dh == 1 && p->dw == 1;
}

/* The raw sums of output pixels [ox, ox+D) of one row (D <= DR), pixels
 * cl floats apart from y, 8 lanes; xr[ky]: input row iy(ky) at the
 * lanes, or NULL in the padding; wt [K][K][cl] at the lanes; check: some
 * taps fall outside [0, w) (they read zeros). */
INLINE void dw_block(const float *const *xr, const float *wt, int cl, int w, int ox, int pw, int K, int S, int D,
                     int check, float *y)
{
	const int ix0 = ox * S - pw, nin = S * (D - 1) + K;
	v8 a[DR];
	for (int q = 0; q < D; q++)
		a[q] = v8_set1(0);
	for (int ky = 0; ky < K; ky++) {
		const float *r = xr[ky];
		if (!r)
			continue;
		v8 in[2 * (DR - 1) + 5]; /* the row's input pixels, ix0.. */
#pragma GCC unroll 20
		for (int t = 0; t < nin; t++) {
			int ix = ix0 + t;
			in[t] = !check || (ix >= 0 && ix < w) ? v8_load(r + (ptrdiff_t)ix * cl) : v8_set1(0);
		}
#pragma GCC unroll 5
		for (int kx = 0; kx < K; kx++) {
			v8 wv = v8_load(wt + (size_t)(ky * K + kx) * cl);
#pragma GCC unroll 8
			for (int q = 0; q < D; q++)
				a[q] = v8_fma(a[q], in[S * q + kx], wv);
		}
	}
	for (int q = 0; q < D; q++)
		v8_store(y + (size_t)(ox + q) * cl, a[q]);
}

/* The raw sums of output row oy of lanes l.. of chunk xb (weights wb):
 * the border columns one at a time, tested; the interior [lo, hi) in
 * blocks of B (DR or 4), then 4, 2, 1, untested. */
INLINE void dw_row_k(const DwJob *j, const float *xb, const float *wb, int oy, int l, float *yr, int K, int S, int B)
{
	const rt_conv2d_params *p = j->p;
	const int cl = j->cl, w = p->w, ow = p->ow, pw = p->pw, lo = j->lo, hi = j->hi;
	const float *xr[5];
	for (int ky = 0; ky < K; ky++) {
		int iy = oy * S - p->ph + ky;
		xr[ky] = iy >= 0 && iy < p->h ? xb + (size_t)iy * w * cl + l : NULL;
	}
	const float *wt = wb + l;
	int ox = 0;
	for (; ox < lo; ox++)
		dw_block(xr, wt, cl, w, ox, pw, K, S, 1, 1, yr);
	for (; ox + B <= hi; ox += B)
		dw_block(xr, wt, cl, w, ox, pw, K, S, B, 0, yr);
	if (ox + 4 <= hi)
		dw_block(xr, wt, cl, w, ox, pw, K, S, 4, 0, yr), ox += 4;
	if (ox + 2 <= hi)
		dw_block(xr, wt, cl, w, ox, pw, K, S, 2, 0, yr), ox += 2;
	if (ox < hi)
		dw_block(xr, wt, cl, w, ox, pw, K, S, 1, 0, yr), ox++;
	for (; ox < ow; ox++)
		dw_block(xr, wt, cl, w, ox, pw, K, S, 1, 1, yr);
}

/* dw_row_k with K and S constants. */
static void dw_row(const DwJob *j, const float *xb, const float *wb, int oy, int l, float *yr)
{
	switch (j->p->kh * 4 + j->p->sh) {
	case 13: dw_row_k(j, xb, wb, oy, l, yr, 3, 1, DR); break;
	case 14: dw_row_k(j, xb, wb, oy, l, yr, 3, 2, 4); break;
	case 21: dw_row_k(j, xb, wb, oy, l, yr, 5, 1, 4); break;
	default: dw_row_k(j, xb, wb, oy, l, yr, 5, 2, 4); break;
	}
}

/* y[q] = act(y[q] + bias + res[q]) for the ow pixels of a row, cl
 * floats apart, 8 lanes each; act a constant where inlined. */
INLINE void dw_ep_row_act(const rt_epilogue *ep, int act, int cl, int ow, const float *bias, const float *slope,
                          const float *res, float *y)
{
	for (int q = 0; q < ow; q++) {
		v8 v = v8_load(y + (size_t)q * cl);
		store8(ep, act, &v, bias, slope, res ? res + (size_t)q * cl : NULL, y + (size_t)q * cl, 8);
	}
}

static void dw_ep_row(const rt_epilogue *ep, int cl, int ow, const float *bias, const float *slope,
                      const float *res, float *y)
{
#define ACT_SWITCH_ON (ep ? ep->act : RT_ACT_NONE)
#define ACT_SWITCH_VEC(act) dw_ep_row_act(ep, act, cl, ow, bias, slope, res, y)
#define ACT_SWITCH_LANES dw_ep_row_act(ep, ep->act, cl, ow, bias, slope, res, y)
#include "act_switch.h"
}

/* Items [begin, end) of the loop over (image, chunk, output row) for a
 * dw_fast p: per 8 lanes of the chunk, dw_row then dw_ep_row; a tail of
 * fewer lanes (NHWC, c not a multiple of 8) one pixel at a time. */
static void dw_fast_items(void *ctx, int begin, int end)
{
	const DwJob *j = ctx;
	const rt_conv2d_params *p = j->p;
	const rt_epilogue *ep = j->ep;
	const int cl = j->cl, c = p->c, hw = p->h * p->w, ohw = p->oh * p->ow, nb = cl_chunks(c, cl), ow = p->ow;
	for (int it = begin; it < end; it++) {
		int oy = it % p->oh, b = it / p->oh % nb, n = it / p->oh / nb;
		const float *wb = j->w + (size_t)b * p->kh * p->kw * cl;
		const float *xb = j->x + cl_at(c, hw, cl, n, b * cl, 0);
		size_t yb = cl_at(c, ohw, cl, n, b * cl, 0) + (size_t)oy * ow * cl;
		for (int l = 0; l < cl; l += 8) {
			int lanes = imin(8, cl - l);
			float bias[8], slope[8]; /* slope: a fused prelu's, when ep has them */
			const float *sl = dw_lane_params(ep, c, b * cl + l, lanes, bias, slope);
			const float *res = ep && ep->residual ? ep->residual + yb + l : NULL;
			if (lanes < 8) {
				for (int ox = 0; ox < ow; ox++)
					dw_pixel(p, cl, xb, wb, oy, ox, l, lanes, bias, sl, ep,
					         res ? res + (size_t)ox * cl : NULL, j->y + yb + l + (size_t)ox * cl);
				continue;
			}
			dw_row(j, xb, wb, oy, l, j->y + yb + l);
			dw_ep_row(ep, cl, ow, bias, sl, res, j->y + yb + l);
		}
	}
}

/* x: [n, c, h, w]  w: [nb][kh][kw][cl] -> y: [n, c, oh, ow], chunks of cl.
 * In parallel over output rows of a chunk. */
void rt_conv2d_dw_cl(const rt_conv2d_params *p, int cl, const float *x, const float *w, const rt_epilogue *ep,
                     float *y)
{
	DwJob j = {p, cl, x, w, ep, y, 0, 0};
	interior(p, &j.lo, &j.hi);
	double flops = 2.0 * p->ow * cl * p->kh * p->kw; /* per item */
	rt_parallel(p->n * cl_chunks(p->c, cl) * p->oh, cl_grain(flops, CL_GRAIN_FLOPS), dw_fast(p) ? dw_fast_items : dw_items,
	            &j);
}
