/*
 * pool_cl.c: pooling, batch norm, prelu and concat in the channel-chunked
 * layouts (NHWC, NCHW8c; see cl.h).
 *
 * The pools follow pool.c's rules exactly (window clipping, PyTorch's
 * divisors, NaN wins a max); they differ only in the order of the work:
 * for each output pixel, the window is walked once and each input pixel
 * contributes 8 channels at a time, which a chunked layout keeps next to
 * each other. Padding lanes are pooled like real ones (they hold zeros or
 * other finite values no real channel reads).
 *
 * Each kernel runs its outer loop through rt_parallel: the pools over
 * output rows of a chunk, batch norm and prelu over channels, concat over pixels
 * (NHWC) or chunks of the output; every output element is one item's.
 */
#include <math.h>

#include "cnnrt.h"

#include "cl.h"

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

/* The pooling window of output (oy, ox) clipped to the input, and for
 * average pooling PyTorch's divisor (pool.c). */
typedef struct {
	int y0, y1, x0, x1; /* input rows [y0, y1), columns [x0, x1) */
	float div;          /* divisor of the sum */
} Window;

static Window window(const rt_pool2d_params *p, int oy, int ox)
{
	Window v;
	v.y0 = oy * p->sh - p->ph;
	v.x0 = ox * p->sw - p->pw;
	int y1 = imin(v.y0 + p->kh, p->h + p->ph), x1 = imin(v.x0 + p->kw, p->w + p->pw);
	int pool_size = (y1 - v.y0) * (x1 - v.x0);
	v.y0 = imax(v.y0, 0), v.x0 = imax(v.x0, 0);
	v.y1 = imin(y1, p->h), v.x1 = imin(x1, p->w);
	v.div = (float)(p->count_include_pad ? pool_size : (v.y1 - v.y0) * (v.x1 - v.x0));
	return v;
}

/* max (is_max) or sum of x over the window, lanes [l, l + lanes) of a
 * chunk; x points at the chunk's first pixel. */
static void pool_lanes(const float *x, int w, int cl, const Window *v, int l, int lanes, int is_max, float *out)
{
	if (lanes == 8) {
		v8 a = v8_set1(is_max ? -INFINITY : 0.0f);
		for (int iy = v->y0; iy < v->y1; iy++)
			for (int ix = v->x0; ix < v->x1; ix++) {
				v8 t = v8_load(x + ((size_t)iy * w + ix) * cl + l);
				a = is_max ? v8_max_nan(a, t) : v8_add(a, t);
			}
		v8_store(out, a);
		return;
	}
	for (int i = 0; i < lanes; i++) {
		float m = is_max ? -INFINITY : 0.0f;
		for (int iy = v->y0; iy < v->y1; iy++)
			for (int ix = v->x0; ix < v->x1; ix++) {
				float t = x[((size_t)iy * w + ix) * cl + l + i];
				m = is_max ? (t > m || t != t ? t : m) : m + t;
			}
		out[i] = m;
	}
}

/* The arguments of a pool, for its parallel loop. */
typedef struct {
	const rt_pool2d_params *p; /* NULL for the adaptive average pool */
	int n, c, h, w, oh, ow;    /* shapes (the adaptive pool's; p's otherwise) */
	int cl;                    /* chunk size of x and y */
	const float *x;
	float *y;
	int is_max; /* max, else average */
} PoolJob;

/* Items [begin, end) of the loop over (image, chunk, output row). */
static void pool_items(void *ctx, int begin, int end)
{
	const PoolJob *j = ctx;
	const int cl = j->cl, nb = cl_chunks(j->c, cl), hw = j->h * j->w, oh = j->oh, ow = j->ow;
	for (int it = begin; it < end; it++) {
		int oy = it % oh, b = it / oh % nb, n = it / oh / nb;
		const float *xb = j->x + cl_at(j->c, hw, cl, n, b * cl, 0);
		float *yb = j->y + cl_at(j->c, oh * ow, cl, n, b * cl, 0);
		for (int ox = 0; ox < ow; ox++) {
			Window v;
			if (j->p) {
				v = window(j->p, oy, ox);
			} else { /* adaptive: bin i spans [floor(i*h/oh), ceil((i+1)*h/oh)) */
				v.y0 = (int)((long long)oy * j->h / oh);
				v.y1 = (int)(((long long)(oy + 1) * j->h + oh - 1) / oh);
				v.x0 = (int)((long long)ox * j->w / ow);
				v.x1 = (int)(((long long)(ox + 1) * j->w + ow - 1) / ow);
				v.div = (float)((v.y1 - v.y0) * (v.x1 - v.x0));
			}
			float *yp = yb + ((size_t)oy * ow + ox) * cl;
			for (int l = 0; l < cl; l += 8) {
				float t[8];
				int lanes = imin(8, cl - l);
				pool_lanes(xb, j->w, cl, &v, l, lanes, j->is_max, t);
				for (int i = 0; i < lanes; i++)
					yp[l + i] = j->is_max ? t[i] : t[i] / v.div;
			}
		}
	}
}

/* Runs j in parallel over output rows; win: input pixels per window. */
static void pool_run(const PoolJob *j, int win)
{
	double floats = (double)j->ow * cl_chunks(j->c, j->cl) * j->cl * (win + 1); /* per item */
	rt_parallel(j->n * cl_chunks(j->c, j->cl) * j->oh, cl_grain(floats, CL_GRAIN_FLOATS), pool_items, (void *)j);
}

static void pool_cl(const rt_pool2d_params *p, int cl, const float *x, float *y, int is_max)
{
	PoolJob j = {p, p->n, p->c, p->h, p->w, p->oh, p->ow, cl, x, y, is_max};
	pool_run(&j, p->kh * p->kw);
}

/* x: [n, c, h, w] -> y: [n, c, oh, ow], chunks of cl */
void rt_max_pool2d_cl(const rt_pool2d_params *p, int cl, const float *x, float *y) { pool_cl(p, cl, x, y, 1); }

/* x: [n, c, h, w] -> y: [n, c, oh, ow], chunks of cl */
void rt_avg_pool2d_cl(const rt_pool2d_params *p, int cl, const float *x, float *y) { pool_cl(p, cl, x, y, 0); }

/* x: [n, c, h, w] -> y: [n, c, oh, ow], chunks of cl; bin i spans
 * [floor(i*h/oh), ceil((i+1)*h/oh)) */
void rt_adaptive_avg_pool2d_cl(int n, int c, int h, int w, int oh, int ow, int cl, const float *x, float *y)
{
	PoolJob j = {NULL, n, c, h, w, oh, ow, cl, x, y, 0};
	pool_run(&j, (h + oh - 1) / oh * ((w + ow - 1) / ow) + 1);
}

/* The arguments of rt_batch_norm_cl, for its parallel loop. */
typedef struct {
	int c, hw, cl;
	const float *x, *gamma, *beta, *mean, *var;
	float eps;
	float *y;
} BnJob;

/* Zeroes channel ch's hw values at y + at (stride cl) when it is a
 * padding lane (ch >= c); whether it was. */
static int zero_padding_lane(float *y, size_t at, int ch, int c, int hw, int cl)
{
	if (ch < c)
		return 0;
	for (int s = 0; s < hw; s++)
		y[at + (size_t)s * cl] = 0.0f;
	return 1;
}

/* Items [begin, end) of the loop over (image, channel). */
static void bn_items(void *ctx, int begin, int end)
{
	const BnJob *j = ctx;
	const int c = j->c, hw = j->hw, cl = j->cl, cp = cl_chunks(c, cl) * cl;
	for (int it = begin; it < end; it++) {
		int ch = it % cp, i = it / cp;
		size_t at = cl_at(c, hw, cl, i, ch, 0);
		float *y = j->y;
		if (zero_padding_lane(y, at, ch, c, hw, cl))
			continue;
		float invstd = 1.0f / sqrtf(j->var[ch] + j->eps), m = j->mean[ch], g = j->gamma[ch], bt = j->beta[ch];
		for (int s = 0; s < hw; s++)
			y[at + (size_t)s * cl] = (j->x[at + (size_t)s * cl] - m) * invstd * g + bt;
	}
}

/* x, y: [n, c, hw] in chunks of cl; padding lanes become 0 */
void rt_batch_norm_cl(int n, int c, int hw, int cl, const float *x, const float *gamma, const float *beta,
                      const float *mean, const float *var, float eps, float *y)
{
	BnJob j = {c, hw, cl, x, gamma, beta, mean, var, eps, y};
	rt_parallel(n * cl_chunks(c, cl) * cl, cl_grain(2.0 * hw, CL_GRAIN_FLOATS), bn_items, &j);
}

/* The arguments of rt_prelu_cl, for its parallel loop. */
typedef struct {
	int c, hw, cl;      /* x, y: [n, c, hw] in chunks of cl */
	const float *x;     /* input */
	const float *slope; /* [nslope] */
	int nslope;         /* 1 or c */
	float *y;           /* output */
} PreluJob;

/* Items [begin, end) of the loop over (image, channel). */
static void prelu_items(void *ctx, int begin, int end)
{
	const PreluJob *j = ctx;
	const int c = j->c, hw = j->hw, cl = j->cl, cp = cl_chunks(c, cl) * cl;
	for (int it = begin; it < end; it++) {
		int ch = it % cp, i = it / cp;
		size_t at = cl_at(c, hw, cl, i, ch, 0);
		float *y = j->y;
		const float *x = j->x;
		if (zero_padding_lane(y, at, ch, c, hw, cl))
			continue;
		float w = j->slope[j->nslope == 1 ? 0 : ch];
		for (int s = 0; s < hw; s++) {
			float v = x[at + (size_t)s * cl];
			y[at + (size_t)s * cl] = v > 0 ? v : w * v; /* PyTorch's test: NaN and -0 take the product */
		}
	}
}

/* x, y: [n, c, hw] in chunks of cl; slope: [nslope]; padding lanes become 0 */
void rt_prelu_cl(int n, int c, int hw, int cl, const float *x, const float *slope, int nslope, float *y)
{
	PreluJob j = {c, hw, cl, x, slope, nslope, y};
	rt_parallel(n * cl_chunks(c, cl) * cl, cl_grain(2.0 * hw, CL_GRAIN_FLOATS), prelu_items, &j);
}

/* The arguments of rt_concat_part_cl, for its parallel loop. */
typedef struct {
	int c, hw, cl_in;        /* x */
	const float *x;
	int c_total, c_off, cl_out; /* y and where x goes in it */
	float *y;
	int pad_end; /* the last channel written plus one, padding lanes included */
	int first;   /* y's chunk of channel c_off */
	int chunks;  /* y's chunks written per image */
} CatJob;

/* Items [begin, end) of the loop over (image, chunk of y) in NCHW8c (or
 * any layout whose chunks are not whole pixels): per chunk, whole chunks
 * are copied as rows when they line up (c_off a multiple of 8), otherwise
 * one channel at a time. */
static void cat_chunks(void *ctx, int begin, int end)
{
	const CatJob *j = ctx;
	const int c = j->c, hw = j->hw, cl_in = j->cl_in, cl_out = j->cl_out;
	for (int it = begin; it < end; it++) {
		int i = it / j->chunks, b = j->first + it % j->chunks;
		int ch = imax(b * cl_out, j->c_off) - j->c_off, stop = imin((b + 1) * cl_out, j->pad_end) - j->c_off;
		while (ch < stop) {
			int o = j->c_off + ch;
			float *yc = j->y + cl_at(j->c_total, hw, cl_out, i, o, 0);
			if (ch >= c) { /* padding lanes past c_total */
				for (int s = 0; s < hw; s++)
					yc[(size_t)s * cl_out] = 0.0f;
				ch++;
				continue;
			}
			const float *xc = j->x + cl_at(c, hw, cl_in, i, ch, 0);
			if (cl_in == cl_out && ch % cl_in == 0 && o % cl_out == 0 && ch + cl_in <= c) {
				memcpy(yc, xc, (size_t)hw * cl_in * sizeof *yc);
				ch += cl_in;
				continue;
			}
			for (int s = 0; s < hw; s++)
				yc[(size_t)s * cl_out] = xc[(size_t)s * cl_in];
			ch++;
		}
	}
}

/* Items [begin, end) of the loop over (image, pixel) in NHWC: a pixel's
 * c channels at once. */
static void cat_pixels(void *ctx, int begin, int end)
{
	const CatJob *j = ctx;
	for (int it = begin; it < end; it++) {
		int s = it % j->hw, i = it / j->hw;
		memcpy(j->y + cl_at(j->c_total, j->hw, j->cl_out, i, j->c_off, s), j->x + cl_at(j->c, j->hw, j->cl_in, i, 0, s),
		       (size_t)j->c * sizeof *j->y);
	}
}

/* x: [n, c, hw] in chunks of cl_in -> channels [c_off, c_off + c) of
 * y: [n, c_total, hw] in chunks of cl_out. The input that ends at
 * c_total also zeroes y's padding lanes. In parallel over pixels (NHWC)
 * or chunks of y. */
void rt_concat_part_cl(int n, int c, int hw, int cl_in, const float *x, int c_total, int c_off, int cl_out,
                       float *y)
{
	CatJob j = {c, hw, cl_in, x, c_total, c_off, cl_out, y, 0, c_off / cl_out, 0};
	j.pad_end = c_off + c == c_total ? cl_chunks(c_total, cl_out) * cl_out : c_off + c;
	if (cl_in == c && cl_out == c_total) { /* NHWC */
		rt_parallel(n * hw, cl_grain(2.0 * c, CL_GRAIN_FLOATS), cat_pixels, &j);
		return;
	}
	j.chunks = (j.pad_end + cl_out - 1) / cl_out - j.first;
	rt_parallel(n * j.chunks, cl_grain(2.0 * hw * cl_out, CL_GRAIN_FLOATS), cat_chunks, &j);
}
