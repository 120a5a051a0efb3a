/*
 * depthwise_phases.c: the depthwise path for dilated kernels (dilation
 * > 1 along either axis: any stride and padding) and for undilated ones
 * of more than 9 taps at stride 1 (5x5, 7x7), at most MAX_TAPS taps,
 * that depthwise_cb.c does not take (rows too wide for it, prelu's
 * slopes: lraspp's layers go there now).
 * x: [n, c, h, w]  w: [c, 1, kh, kw] -> y: [n, c, oh, ow].
 *
 * A dilated window spans more input rows than rows.h's ring holds
 * (lraspp's and deeplabv3's 5x5 at dilation 2 spans 9), so these went to
 * the general path, one scaled row per tap. Here each band of output rows
 * (the whole plane when it fits, lraspp's 33x33 does) is computed flat:
 *
 *   - the band's input rows, padding written out, are split into the
 *     sh * sw stride phases (phase (qy, qx) holding padded rows qy, qy +
 *     sh, ... and columns qx, qx + sw, ...), each a plane of W2 = ow +
 *     span / sw columns (span = (kw - 1) * dw);
 *   - output (r, ox) of the band is flat index r * W2 + ox, and tap (ky,
 *     kx) reads phase ((ky dh) % sh, (kx dw) % sw) at that index plus
 *     ((ky dh) / sh) * W2 + (kx dw) / sw: every tap of BLOCK vectors of
 *     outputs is BLOCK plain loads, with no row ends to handle (the
 *     columns ox >= ow of each flat row are computed on padding or the
 *     next row and dropped);
 *   - the flat rows are packed to ow columns each, then the epilogue
 *     (bias, residual, activation) runs over the band as it is stored.
 *
 * The sums add the taps in order ky, kx, as the other paths do, with
 * one accumulator per output. Lraspp's three 5x5 dilation-2 layers at
 * 33x33 (672 and 2 x 960 channels), in place in the model on a loaded
 * host: 30 ms on the general path, 9.8 ms here with 4 accumulators.
 * Undilated at stride 1 it beats rows.h's ring too (alone, best of 30,
 * busy host: 5x5 on 120x65x65 1.33 -> 0.84 ms, on 960x33x33 3.7 -> 2.0,
 * on 240x28x28 0.58 -> 0.36; 7x7 on 96x56x56 1.15 -> 0.78); at stride 2
 * it does not always (5x5 on 72x130x130: 0.97 there, 1.25 here), so it
 * leaves those to the paths before it (depthwise_cb.c now, the ring when
 * rows are too wide for that). depthwise.c says how it fits among them.
 */
#include "depthwise.h"

#define BLOCK 8           /* vectors of flat outputs accumulated at once */
#define DIL_IN 8192       /* floats of a band's phase planes, with slack */
#define DIL_OUT 4096      /* floats of a band's flat sums, with slack */

/* The geometry of one call's bands. */
typedef struct {
	int w2;    /* columns of a phase plane: ow + span / sw */
	int extra; /* rows a phase plane holds beyond the band's: ((kh-1) dh) / sh */
	int band;  /* output rows per band */
} Geom;

/* Floats read past the last phase plane (by the dropped columns and the
 * last block's rounding): one row and a block. */
static int slack(int w2)
{
	return w2 + BLOCK * VW;
}

/* The band of the most output rows whose phase planes and flat sums fit
 * their buffers; band 0 when not even one row does. */
static Geom geom(const rt_conv2d_params *p)
{
	Geom g;
	g.w2 = p->ow + (p->kw - 1) * p->dw / p->sw;
	g.extra = (p->kh - 1) * p->dh / p->sh;
	int by_in = (DIL_IN - slack(g.w2)) / (p->sh * p->sw * g.w2) - g.extra;
	int by_out = (DIL_OUT - BLOCK * VW) / g.w2;
	g.band = by_in < by_out ? by_in : by_out;
	if (g.band > p->oh)
		g.band = p->oh;
	if (g.band < 0)
		g.band = 0;
	return g;
}

int rt_dw_phases_fits(const rt_conv2d_params *p)
{
	int dilated = p->dh > 1 || p->dw > 1, wide = p->kh * p->kw > 9 && p->sh == 1 && p->sw == 1;
	return (dilated || wide) && p->kh * p->kw <= MAX_TAPS && geom(p).band > 0;
}

/* Splits the padded input rows of the band starting at output row oy0
 * into its phase planes at buf (plane (qy, qx) at (qy sw + qx) rows
 * w2 each); xc: the input plane [h, w]. */
static void fill_phases(const rt_conv2d_params *p, const Geom *g, const float *xc, int oy0, float *buf)
{
	const int rows = g->band + g->extra, sh = p->sh, sw = p->sw, w2 = g->w2;
	for (int qy = 0; qy < sh; qy++)
		for (int rr = 0; rr < rows; rr++) {
			int iy = (oy0 + rr) * sh + qy - p->ph;
			const float *xr = iy >= 0 && iy < p->h ? xc + (size_t)iy * p->w : NULL;
			for (int qx = 0; qx < sw; qx++) {
				float *d = buf + ((size_t)(qy * sw + qx) * rows + rr) * w2;
				int ix = qx - p->pw; /* input column of d[0]; d[c] reads ix + c sw */
				if (!xr) {
					memset(d, 0, (size_t)w2 * sizeof *d);
					continue;
				}
				if (sw == 1) { /* zeros left of column 0, the row, zeros right of it */
					int lo = ix < 0 ? (-ix < w2 ? -ix : w2) : 0;
					int hi = p->w - ix < w2 ? p->w - ix : w2;
					hi = hi > lo ? hi : lo;
					memset(d, 0, (size_t)lo * sizeof *d);
					memcpy(d + lo, xr + ix + lo, (size_t)(hi - lo) * sizeof *d);
					memset(d + hi, 0, (size_t)(w2 - hi) * sizeof *d);
					continue;
				}
				for (int c = 0; c < w2; c++, ix += sw)
					d[c] = ix >= 0 && ix < p->w ? xr[ix] : 0.0f;
			}
		}
}

/* t[o] = sum over taps i of wt[i] * tap[i][o] for o in [0, n) rounded
 * up to BLOCK vectors: BLOCK accumulators, each tap one broadcast weight
 * and BLOCK loads. An FMA's result is ready ~5 cycles after it issues
 * and two issue per cycle, so it takes ~10 independent chains to keep
 * them busy: with 4, lraspp's 960-channel layer ran 3.1-3.6 ms alone. */
static void flat_sums(int ntaps, const float *const *tap, const float *wt, int n, float *t)
{
	for (int o = 0; o < n; o += BLOCK * VW) {
		/* BLOCK = 8 accumulators (GCC keeps no array in registers) */
		vf a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0}, v;
		for (int i = 0; i < ntaps; i++) {
			const float *q = tap[i] + o;
			float wv = wt[i];
			LOADV(v, q), a0 += wv * v;
			LOADV(v, q + VW), a1 += wv * v;
			LOADV(v, q + 2 * VW), a2 += wv * v;
			LOADV(v, q + 3 * VW), a3 += wv * v;
			LOADV(v, q + 4 * VW), a4 += wv * v;
			LOADV(v, q + 5 * VW), a5 += wv * v;
			LOADV(v, q + 6 * VW), a6 += wv * v;
			LOADV(v, q + 7 * VW), a7 += wv * v;
		}
		STOREV(t + o, a0);
		STOREV(t + o + VW, a1);
		STOREV(t + o + 2 * VW, a2);
		STOREV(t + o + 3 * VW, a3);
		STOREV(t + o + 4 * VW, a4);
		STOREV(t + o + 5 * VW, a5);
		STOREV(t + o + 6 * VW, a6);
		STOREV(t + o + 7 * VW, a7);
	}
}

/* y[0..n) = act(t[0..n) + bias + res[0..n)) with channel c's
 * activation parameter (res may be NULL). */
static void store_band(const rt_epilogue *ep, int c, const float *t, const float *res, float bias, int n, float *y)
{
	float a = act_param(ep, c);
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) act_row(act, a, ep->param2, y, t, res, bias, n)
#define ACT_SWITCH_LANES ACT_SWITCH_VEC(ep->act)
#include "act_switch.h"
}

/* Planes [begin, end), band by band (the bands depend on p alone, so the
 * thread count does not change the result). */
void rt_dw_phases(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep, float *y,
                   int begin, int end)
{
	float in[DIL_IN], out[DIL_OUT]; /* this slice's: 48 KB of stack */
	const Geom g = geom(p);
	const int kh = p->kh, kw = p->kw, sh = p->sh, sw = p->sw, ow = p->ow, ntaps = kh * kw;
	const size_t planes = (size_t)sh * sw * (g.band + g.extra) * g.w2;
	const float *tap[MAX_TAPS];
	memset(in + planes, 0, (size_t)slack(g.w2) * sizeof *in); /* read by dropped outputs: finite */
	for (int it = begin; it < end; it++) {
		int c = it % p->c;
		const float *xc = x + (size_t)it * p->h * p->w, *wc = w + (size_t)c * ntaps;
		float *yc = y + (size_t)it * p->oh * ow, bias = ep->bias ? ep->bias[c] : 0;
		const float *rc = ep->residual ? ep->residual + (size_t)it * p->oh * ow : NULL;
		for (int oy0 = 0; oy0 < p->oh; oy0 += g.band) {
			int rows = p->oh - oy0 < g.band ? p->oh - oy0 : g.band, prows = g.band + g.extra;
			fill_phases(p, &g, xc, oy0, in);
			for (int ky = 0; ky < kh; ky++)
				for (int kx = 0; kx < kw; kx++) {
					int qy = ky * p->dh % sh, qx = kx * p->dw % sw;
					tap[ky * kw + kx] = in + (size_t)(qy * sw + qx) * prows * g.w2 +
					                    (size_t)(ky * p->dh / sh) * g.w2 + kx * p->dw / sw;
				}
			flat_sums(ntaps, tap, wc, rows * g.w2, out);
			/* the band's rows made contiguous, as in y: one pass and one
			 * partial vector for the band, not one per row (ow = 33) */
			for (int r = 1; r < rows; r++)
				memmove(out + (size_t)r * ow, out + (size_t)r * g.w2, (size_t)ow * sizeof *out);
			store_band(ep, c, out, rc ? rc + (size_t)oy0 * ow : NULL, bias, rows * ow, yc + (size_t)oy0 * ow);
		}
	}
}
