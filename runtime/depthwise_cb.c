/*
 * depthwise_cb.c: the depthwise path for small planes and dilated
 * kernels, vectorized across channels.
 * x: [n, c, h, w]  w: [c, 1, kh, kw] -> y: [n, c, oh, ow].
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
 * or 14x14 plane in one, lraspp's 33x33 at dilation 2 in three, the
 * rows two bands share moved, not packed again), and every output pixel
 * of the VW planes is one vector: kh*kw FMAs with the tap's weights of
 * the VW channels. The band's pixels go OB at a time in row-major order,
 * a group spanning rows where ow is not a multiple of OB (a table gives
 * each pixel's window, the taps are byte offsets from it), so no row
 * ends in a short group; each group's vectors then get bias, residual
 * and activation in registers and are transposed back into the planes,
 * where the group's pixels are contiguous too. On planes of VW columns
 * or more, the input rows are packed as the groups come to them, so
 * they are still in L1 when first read.
 *
 * The file is SIMD_WIDE: with AVX-512F a block is 16 planes and OB 16
 * pixels, the transpose four stages of 16 two-vector shuffles. Against
 * blocks of 8, alone, one thread (2026-12-04, Zen 5): 960 planes of 7x7,
 * 5x5 1.25x faster, 7x7 (convnext's 768 planes) 1.47x, lraspp's 5x5 at
 * dilation 2 on 33x33 1.14-1.17x, 120 of 28x28 or 65x65 1.19-1.23x, 3x3
 * on 7x7 1.1x (with padding 1 depthwise_s1.c now takes it); 5x5 stride
 * 2 on 56x56 or 130x130 0.92-0.96x (the packing
 * of four input pixels an output, in a buffer that no longer fits L1;
 * smaller bands did worse: 0.82-0.86x). Whole models 1-2% (outputs the
 * same bytes: lanes never mix).
 *
 * Dilation costs nothing here (the taps' offsets), where along rows it
 * wastes the columns a dilated window spans past the row
 * (depthwise_phases.c: 41 computed for 33 in lraspp). Lraspp's 5x5
 * dilation-2 layer on 960 planes of 33x33, alone, one thread, per-thread
 * CPU time (medians, the two interleaved): 2.1 ms in depthwise_phases.c,
 * 1.3 ms here; mobilenet_v3_large's undilated 5x5 layers went from 0.11
 * to 0.085 ms (960 of 7x7), 0.10 to 0.076 (672 of 14x14, stride 2),
 * 0.73 to 0.57 (120 of 65x65) with the groups, the fused store and the
 * packing as needed.
 * depthwise.c says how it fits among the paths.
 */
#define SIMD_WIDE /* vectors of 16 with AVX-512 (simd.h): its blocks are RT_DW_CB_LANES planes */
#include "depthwise.h"

/* output pixels accumulated at once (a multiple of VW) */
#if VW > 8
#define OB VW
#else
#define OB 8
#endif

/* Whether the path applies and a band of one output row fits the buffers
 * (of two, for a dilated kernel: with one, the rows moved from band to
 * band cost more than computing along rows wastes, 5x5 at dilation 2 on
 * 64 planes of 100x100 1.05 ms here, 0.94 in depthwise_phases.c; with
 * two, on 90x90, 0.70 and 0.80). */
int rt_dw_cb_fits(const rt_conv2d_params *p, const rt_epilogue *ep)
{
	int dilated = p->dh > 1 || p->dw > 1, span = (p->kh - 1) * p->dh + 1, wp = p->w + 2 * p->pw;
	if ((ep && ep->slope) || (rt_dw_flat_fits(p) && p->ow >= 5) || rt_dw_s2_fits(p) ||
	    (p->kh == 3 && p->kw == 3 && p->ow >= VW_STD && !dilated))
		return 0; /* prelu's slopes; mobilenet's 3x3 (padding 1) at stride 2 at any width, at stride 1
		             on rows of 5 or more, other 3x3 on rows of a vector or more: the paths along rows do
		             better (alone: 960 planes of 7x7 0.039 -> 0.032 ms, 576 of 14x14 at stride 2 0.036
		             -> 0.027; but 576 of 4x4 at stride 1 0.008 -> 0.016) */
	return p->kh * p->kw <= MAX_TAPS && (span + (dilated ? p->sh : 0)) * wp <= RT_DW_CB_PIXELS &&
	       p->ow <= RT_DW_CB_PIXELS;
}

/* The sums, with the bias, of OB output pixels of the block into ob
 * [OB] (kh*kw taps of OB FMAs, each with its load: with 8, the FMA
 * units, not the loads, set the pace, ~80% of peak in L1, alone): pixel
 * j's window starts at px[j] in the padded input, tap t at
 * byte offset off[t] from there; wt: each tap's weights of the lanes.
 * The taps are added in order (ky, kx), one accumulator per pixel. */
static ALWAYS_INLINE void cb_group(int ntaps, const vf *const *px, const ptrdiff_t *off, const vf *wt, vf bias,
                                   vf *ob)
{
	vf acc[OB];
	const char *at[OB];
#pragma GCC unroll 16
	for (int j = 0; j < OB; j++)
		acc[j] = (vf){0}, at[j] = (const char *)px[j];
	for (int t = 0; t < ntaps; t++) {
		vf wv = wt[t], v;
		ptrdiff_t o = off[t];
#pragma GCC unroll 16
		for (int j = 0; j < OB; j++)
			LOADV(v, at[j] + o), acc[j] += wv * v;
	}
#pragma GCC unroll 16
	for (int j = 0; j < OB; j++)
		ob[j] = acc[j] + bias;
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
#elif VW != 16
#error "depthwise_cb.c: no transpose for this VW"
#endif
#if VW == 16
/* One of four stages: the off-diagonal s x s blocks of each 2s x 2s
 * block swapped (rows i and i + s, bit s of i clear, become lo and hi of
 * the two, lanes CB_lo and CB_hi); in any order, the four transpose. */
#define CB_STAGE(name, s, lo, hi)                                               \
	static ALWAYS_INLINE void name(vf r[VW])                                \
	{                                                                       \
		_Pragma("GCC unroll 16") for (int i = 0; i < VW; i++) if (!(i & (s))) \
		{                                                               \
			vf a = r[i], b = r[i + (s)];                            \
			r[i] = SHUFFLE2(a, b, CB_##lo);                         \
			r[i + (s)] = SHUFFLE2(a, b, CB_##hi);                   \
		}                                                               \
	}
#define CB_LO1 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30
#define CB_HI1 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
#define CB_LO2 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define CB_HI2 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define CB_LO4 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define CB_HI4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define CB_LO8 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define CB_HI8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
CB_STAGE(swap1, 1, LO1, HI1)
CB_STAGE(swap2, 2, LO2, HI2)
CB_STAGE(swap4, 4, LO4, HI4)
CB_STAGE(swap8, 8, LO8, HI8)
static ALWAYS_INLINE void transpose(vf r[VW])
{
	swap8(r);
	swap4(r);
	swap2(r);
	swap1(r);
}
#else
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
#endif

/* r[i] = pixel q + i of the VW planes src[l] (lane l), for i < VW. */
static ALWAYS_INLINE void load_pixels(vf r[VW], const float *const *src, int q)
{
#pragma GCC unroll 16
	for (int l = 0; l < VW; l++)
		LOADV(r[l], src[l] + q);
	transpose(r);
}

/* wt[t][l] = tap t of lane l's kernel (ntaps floats at ws[l]), t < ntaps:
 * VW taps at a time transposed in registers (the last VW overlapping
 * the ones before) where every ws[l] has VW floats to read (wide), else
 * lane by lane. (Written lane by lane, the vectors read back right after
 * wait on the stores: 37% of rt_dw_cb's own time, 960 planes of 7x7,
 * 5x5, 16 lanes.) */
static void cb_weights(vf *wt, const float *const *ws, int ntaps, int wide)
{
	if (!wide) {
		for (int l = 0; l < VW; l++)
			for (int t = 0; t < ntaps; t++)
				wt[t][l] = ws[l][t];
		return;
	}
	const int n = ntaps < VW ? ntaps : VW;
	for (int t = 0; t < ntaps; t += VW) {
		int t0 = t + VW <= ntaps ? t : ntaps < VW ? 0 : ntaps - VW;
		vf v[VW];
		load_pixels(v, ws, t0);
		for (int i = 0; i < n; i++)
			wt[t0 + i] = v[i];
	}
}

/* Output rows of a band: as many as the buffers hold (the band's input
 * rows, padding included, in xb; its pixels' windows in pix). */
static int cb_band(const rt_conv2d_params *p)
{
	int wp = p->w + 2 * p->pw, span = (p->kh - 1) * p->dh + 1;
	int by_in = (RT_DW_CB_PIXELS / wp - span) / p->sh + 1, by_out = RT_DW_CB_PIXELS / p->ow;
	int band = by_in < by_out ? by_in : by_out;
	return band < p->oh ? band : p->oh;
}

/* Input row iy of the VW planes xs (zeros above and below them) into
 * the padded row at (its first and last pw vectors the padding, zero
 * since the slice began), for planes at least VW wide: VW pixels at a
 * time, the last vector of the row overlapping the one before. */
static void cb_pack_row(const rt_conv2d_params *p, const float *const *xs, int iy, vf *at)
{
	const int wd = p->w;
	at += p->pw;
	if (iy < 0 || iy >= p->h) {
		memset(at, 0, (size_t)wd * sizeof *at);
		return;
	}
	for (int ix = 0; ix < wd; ix += VW) {
		int i0 = ix + VW <= wd ? ix : wd - VW;
		vf v[VW];
		load_pixels(v, xs, iy * wd + i0);
#pragma GCC unroll 16
		for (int i = 0; i < VW; i++)
			at[i0 + i] = v[i];
	}
}

/* The same for rows [iy0, iy0 + rows) of planes narrower than VW into xb
 * (row r at xb + r * wp): the rows' pixels VW at a time (ix, r: the next
 * pixel's place). */
static void cb_pack_narrow(const rt_conv2d_params *p, const float *const *xs, int iy0, int rows, vf *xb)
{
	const int h = p->h, wd = p->w, wp = wd + 2 * p->pw;
	int lo = iy0 < 0 ? 0 : iy0, hi = iy0 + rows < h ? iy0 + rows : h;
	for (int r = 0; r < rows; r++)
		if (iy0 + r < lo || iy0 + r >= hi)
			memset(xb + (size_t)r * wp + p->pw, 0, (size_t)wd * sizeof *xb);
	if (lo >= hi)
		return;
	vf *at = xb + p->pw;
	int q = lo * wd, end = hi * wd, r = lo - iy0, ix = 0;
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

/* One block of VW planes, as its bands are computed. */
typedef struct {
	const rt_conv2d_params *p;
	vf *xb;               /* the band's padded input rows, [rows][wp] */
	const float *xs[VW];  /* the lanes' input planes [h][w] */
	int iy0;              /* the input row of xb's row 0 */
	int packed;           /* rows of xb packed so far */
	const int *need;      /* need[g]: rows of xb the band's pixel group g reads, or NULL: all are packed */
	const int *pix;       /* pix[q]: where the window of the band's pixel q starts in xb */
	const ptrdiff_t *off; /* off[t]: tap t's byte offset from a window's start */
	int ntaps;            /* kh * kw */
	int nl;               /* lanes that hold planes (the others repeat lane 0's, read, not written) */
	vf wt[MAX_TAPS];      /* each tap's weights of the lanes */
	vf bias;              /* the lanes' biases */
	float *ys[VW];        /* the lanes' output planes [oh][ow] */
	const float *rs[VW];  /* their residual planes, or NULL */
} Block;

/* The epilogue of the output vectors r [OB] (the sums with the bias,
 * vector j pixel q + j of the lanes) and their store into the planes, n
 * (<= OB) of them, the rest dropped; act and has_res constants once
 * inlined. */
static ALWAYS_INLINE void cb_put(int act, int has_res, const Block *b, vf *r, int q, int n, float param,
                                 float param2)
{
#pragma GCC unroll 2
	for (int i = 0; i < OB && i < n; i += VW) {
		vf *v = r + i;
		int m = n - i; /* pixels of these VW vectors to store */
		if (has_res) {
			vf t[VW] = {{0}};
			if (m >= VW)
				load_pixels(t, b->rs, q + i);
			else
				for (int k = 0; k < m; k++)
					for (int l = 0; l < VW; l++)
						t[k][l] = b->rs[l][q + i + k];
#pragma GCC unroll 16
			for (int k = 0; k < VW; k++)
				v[k] += t[k];
		}
#pragma GCC unroll 16
		for (int k = 0; k < VW; k++)
			v[k] = act_vec(act, param, param2, v[k]);
		transpose(v);
		if (m >= VW && b->nl == VW) {
#pragma GCC unroll 16
			for (int l = 0; l < VW; l++)
				STOREV(b->ys[l] + q + i, v[l]);
		} else {
			float part[VW][VW]; /* a copy, so that v stays in registers */
			memcpy(part, v, sizeof part);
			for (int l = 0; l < b->nl; l++)
				memcpy(b->ys[l] + q + i, part[l], (size_t)(m < VW ? m : VW) * sizeof **part);
		}
	}
}

/* Pixels [q0, q0 + count) of the block's planes (a band), OB at a time in
 * row-major order (a group may span rows; the last repeats the band's
 * last pixel), each group's sums then its epilogue and store. */
static ALWAYS_INLINE void cb_band_(int act, int has_res, Block *b, int q0, int count, float param,
                                   float param2)
{
	for (int q = 0; q < count; q += OB) {
		const vf *px[OB];
		vf r[OB];
		/* the group's rows packed as it comes to them, so they are still in
		 * L1 when read and their shuffles overlap the FMAs of the last group */
		if (b->need)
			for (const int wp = b->p->w + 2 * b->p->pw; b->packed < b->need[q / OB]; b->packed++)
				cb_pack_row(b->p, b->xs, b->iy0 + b->packed, b->xb + (size_t)b->packed * wp);
#pragma GCC unroll 16
		for (int j = 0; j < OB; j++)
			px[j] = b->xb + b->pix[q + j < count ? q + j : count - 1];
		cb_group(b->ntaps, px, b->off, b->wt, b->bias, r);
		cb_put(act, has_res, b, r, q0 + q, count - q < OB ? count - q : OB, param, param2);
	}
}

/* The same for any epilogue (without slopes: rt_dw_cb_fits sends a
 * prelu elsewhere). */
static void cb_band_out(const rt_epilogue *ep, Block *b, int q0, int count)
{
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) DW_BY_RES(cb_band_, act, b->rs[0], b, q0, count, ep->param, ep->param2)
#define ACT_SWITCH_AFTER                \
	for (int l = 0; l < b->nl; l++) \
	DW_AFTER(ep, b->ys[l] + q0, count)
#include "act_switch.h"
}

/* Planes [begin, end), VW at a time, in bands of output rows. */
void rt_dw_cb(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep, float *y, int begin,
              int end)
{
	const int h = p->h, wd = p->w, oh = p->oh, ow = p->ow, ntaps = p->kh * p->kw, sh = p->sh, sw = p->sw;
	const int wp = wd + 2 * p->pw, band = cb_band(p), span = (p->kh - 1) * p->dh + 1;
	const int rows_max = (band - 1) * sh + span;
	vf xb[RT_DW_CB_PIXELS];
	ptrdiff_t off[MAX_TAPS];
	int pix[RT_DW_CB_PIXELS], need[RT_DW_CB_PIXELS / OB + 1];
	for (int t = 0; t < ntaps; t++)
		off[t] = ((ptrdiff_t)(t / p->kw) * p->dh * wp + (t % p->kw) * p->dw) * (ptrdiff_t)sizeof(vf);
	for (int q = 0; q < band * ow; q++)
		pix[q] = q / ow * sh * wp + q % ow * sw;
	for (int g = 0; g * OB < band * ow; g++) {
		int last = g * OB + OB - 1 < band * ow ? g * OB + OB - 1 : band * ow - 1;
		need[g] = last / ow * sh + span;
	}
	memset(xb, 0, (size_t)rows_max * wp * sizeof *xb); /* the padding columns stay zero */
	Block b = {p, xb, {NULL}, 0, 0, wd >= VW ? need : NULL, pix, off, ntaps, 0, {{0}}, {0}, {NULL}, {NULL}};
	for (int b0 = begin; b0 < end; b0 += VW) {
		const float *ws[VW]; /* the lanes' kernels */
		int wide = 1;        /* whether each has VW floats of w to read */
		vf bias;
		b.nl = end - b0 < VW ? end - b0 : VW;
		for (int l = 0; l < VW; l++) {
			int plane = b0 + (l < b.nl ? l : 0), c = plane % p->c;
			b.xs[l] = x + (size_t)plane * h * wd;
			b.ys[l] = y + (size_t)plane * oh * ow;
			b.rs[l] = ep->residual ? ep->residual + (size_t)plane * oh * ow : NULL;
			ws[l] = w + (size_t)c * ntaps;
			wide &= (size_t)c * ntaps + VW <= (size_t)p->c * ntaps;
			bias[l] = ep->bias ? ep->bias[c] : 0;
		}
		cb_weights(b.wt, ws, ntaps, wide);
		b.bias = bias;
		int have = 0; /* rows of xb that hold input rows [b.iy0, b.iy0 + have) */
		for (int oy0 = 0; oy0 < oh; oy0 += band) {
			int oy1 = oy0 + band < oh ? oy0 + band : oh;
			int iy0 = oy0 * sh - p->ph, rows = (oy1 - 1 - oy0) * sh + span, keep = b.iy0 + have - iy0;
			/* the rows this band shares with the last are moved, not packed again */
			keep = have && iy0 >= b.iy0 && keep > 0 ? keep : 0;
			if (keep)
				memmove(xb, xb + (size_t)(iy0 - b.iy0) * wp, (size_t)keep * wp * sizeof *xb);
			b.iy0 = iy0, b.packed = keep, have = rows;
			if (!b.need)
				cb_pack_narrow(p, b.xs, iy0 + keep, rows - keep, xb + (size_t)keep * wp);
			cb_band_out(ep, &b, oy0 * ow, (oy1 - oy0) * ow);
		}
	}
}
