/*
 * pool.c: max, average and adaptive average 2-D pooling.
 *
 * The plain way, which adaptive pooling takes: walk the output
 * in NCHW order and, for each output element, the window of input rows
 * and columns it covers, clipped to the input.
 *
 * Max: padding never wins; NaN wins, as in PyTorch. Max pooling is
 * separable: per output row, the max over the window's input rows, then
 * over its columns in vectors along the row, padded with -inf and
 * deinterleaved by rows.h's rt_rows_pad (the maximum of a window clipped
 * to the input, as long as the window holds an input element, which
 * PyTorch's shape rule ensures); the plain way remains for rows too wide
 * for its buffers and windows of more than MAX_TAPS columns. The one
 * difference from PyTorch's order (row-major, the first of equal values
 * kept): where a window's maximum is a zero, +0 and -0 both in it, the
 * sign may differ (the first column's, not the first element's).
 * Average pooling runs over a ring of padded, deinterleaved input rows
 * (rows.h), 0 as padding, dividing each window's sum by its divisor,
 * which is a row part times a column part.
 *
 * Average, with PyTorch 1.13's divisor: for output row oy,
 *     hstart = oy*sh - ph,  hend = min(hstart + kh, h + ph)
 * (likewise for columns), pool_size = (hend-hstart)*(wend-wstart) taken
 * BEFORE clipping; then hstart = max(hstart, 0), hend = min(hend, h). The
 * divisor is pool_size with count_include_pad, else the clipped window's
 * area. With ceil_mode the last window may hang past the right padding;
 * min(.., h + ph) is what keeps that overhang out of pool_size.
 *
 * Adaptive average: bin i of oh spans rows [floor(i*h/oh), ceil((i+1)*h/oh)),
 * so bins may overlap when h is not a multiple of oh (5 -> 3: [0,2) [1,4)
 * [3,5)); each bin divides by its own area. A bin of whole rows is one
 * run of floats, summed in vectors.
 *
 * Max, average and adaptive average pools run in parallel over planes (rt_parallel), each
 * plane computed as on one thread.
 */
#include <math.h>

#include "rows.h"

#include "cl.h"

#define BLOCK 8 /* most vectors of output columns reduced at once (16 registers hold them) */
#if BLOCK != 8
#error "pool.c: max_row has cases for 1 to 8 vectors"
#endif
#define MAX_TAPS 64 /* kh*kw of the vector path (average), kw (max) */
#define MAX_WIDTH 2048 /* floats of an input row, or of its phases, in the max's vector path */

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

/* The larger of m and v; NaN wins, as in PyTorch. */
static float max_nan(float m, float v) { return v > m || v != v ? v : m; }

/* Any size, scalar: the window's rows are clipped
 * once per output row; columns whose window lies inside the input (the
 * interior, nearly all of them) skip the column clipping. */
static void max_general(const rt_pool2d_params *p, const float *x, float *y)
{
	const int h = p->h, w = p->w, oh = p->oh, ow = p->ow, kw = p->kw, sw = p->sw, pw = p->pw;
	size_t planes = (size_t)p->n * p->c;
	for (size_t pl = 0; pl < planes; pl++) {
		const float *xp = x + pl * h * w;
		float *yp = y + pl * oh * ow;
		for (int oy = 0; oy < oh; oy++) {
			int y0 = oy * p->sh - p->ph;
			int y1 = imin(y0 + p->kh, h);
			y0 = imax(y0, 0);
			for (int ox = 0; ox < ow; ox++) {
				int x0 = ox * sw - pw;
				float max = -INFINITY;
				if (x0 >= 0 && x0 + kw <= w) {
					for (int iy = y0; iy < y1; iy++) {
						const float *r = xp + (size_t)iy * w + x0;
						for (int kx = 0; kx < kw; kx++)
							max = max_nan(max, r[kx]);
					}
				} else {
					int x1 = imin(x0 + kw, w);
					x0 = imax(x0, 0);
					for (int iy = y0; iy < y1; iy++)
						for (int ix = x0; ix < x1; ix++)
							max = max_nan(max, xp[(size_t)iy * w + ix]);
				}
				yp[(size_t)oy * ow + ox] = max;
			}
		}
	}
}

/* The larger of m and v, lane by lane; NaN wins. */
static vf vmax_nan(vf m, vf v) { return REPLACE(m, (v > m) | (v != v), v); }

/* Whether any of x[0..n) is NaN. */
static int any_nan(const float *x, size_t n)
{
	vi any = {0};
	size_t i = 0;
	for (; i + VW <= n; i += VW) {
		vf v;
		LOADV(v, x + i);
		any |= v != v;
	}
	int found = 0;
	for (int l = 0; l < VW; l++)
		found |= any[l];
	for (; i < n; i++)
		found |= x[i] != x[i];
	return found;
}

/* The larger of m and v lane by lane, NaN winning where nan (a
 * constant once inlined; else one max instruction, which keeps m where
 * the two are equal, as vmax_nan does, so -0 and 0 come out alike). */
static inline __attribute__((always_inline)) vf vmax_if(int nan, vf m, vf v) { return nan ? vmax_nan(m, v) : MAXV(v, m); }

/* Vectors [ox, ox + nv * VW) of output row y (ow floats; nv and nan
 * constants once inlined): the max over the window's taps, tap[t]
 * pointing at tap t's phase element for output column 0. The nv
 * vectors' chains of ntaps - 1 dependent steps run side by side. */
static inline __attribute__((always_inline)) void max_vectors(int nv, int nan, int ntaps, const float *const *tap,
                                                              int ox, int ow, float *y)
{
	vf m[BLOCK], v;
#pragma GCC unroll 8
	for (int i = 0; i < nv; i++)
		LOADV(m[i], tap[0] + ox + i * VW);
	for (int t = 1; t < ntaps; t++)
#pragma GCC unroll 8
		for (int i = 0; i < nv; i++)
			LOADV(v, tap[t] + ox + i * VW), m[i] = vmax_if(nan, m[i], v);
#pragma GCC unroll 8
	for (int i = 0; i < nv - 1; i++)
		STOREV(y + ox + i * VW, m[i]);
	int at = ox + (nv - 1) * VW, left = ow - at < VW ? ow - at : VW; /* the last vector's columns */
	if (left == VW)
		STOREV(y + at, m[nv - 1]);
	else
		STOREV_PART(y + at, m[nv - 1], 0, left);
}

/* The max over rows [y0, y1) of a plane of w columns, column by
 * column, into col (nan a constant once inlined). */
static inline __attribute__((always_inline)) void max_rows(int nan, const float *x, int w, int y0, int y1,
                                                           float *col)
{
	int j = 0;
	for (; j + VW <= w; j += VW) {
		vf m, v;
		LOADV(m, x + (size_t)y0 * w + j);
		for (int r = y0 + 1; r < y1; r++)
			LOADV(v, x + (size_t)r * w + j), m = vmax_if(nan, m, v);
		STOREV(col + j, m);
	}
	for (; j < w; j++) {
		float m = x[(size_t)y0 * w + j];
		for (int r = y0 + 1; r < y1; r++)
			m = max_nan(m, x[(size_t)r * w + j]);
		col[j] = m;
	}
}

/* Output row y of ow floats from the window's taps: BLOCK vectors at a
 * time, then the rest (the last partial) together. */
static inline __attribute__((always_inline)) void max_row(int nan, int ntaps, const float *const *tap, int ow,
                                                          float *y)
{
	int ox = 0;
	for (; ow - ox > BLOCK * VW; ox += BLOCK * VW)
		max_vectors(BLOCK, nan, ntaps, tap, ox, ow, y);
	switch ((ow - ox + VW - 1) / VW) { /* 1 to BLOCK vectors left */
#define MAX_REST(nv) \
	case nv: max_vectors(nv, nan, ntaps, tap, ox, ow, y); break;
	MAX_REST(1) MAX_REST(2) MAX_REST(3) MAX_REST(4) MAX_REST(5) MAX_REST(6) MAX_REST(7) MAX_REST(BLOCK)
#undef MAX_REST
	default: break; /* (none: ow is never 0) */
	}
}

/* One plane, x: [h, w] -> y: [oh, ow] (nan a constant once inlined;
 * col, row: MAX_WIDTH floats of scratch; len, off: as max_planes sets
 * them). For each output row, the max over the window's input rows
 * (clipped to the input; every window holds one at least, PyTorch's
 * shape rule, else the row is all padding) column by column, read in
 * place; that one row padded with -inf and split into phases
 * (rt_rows_pad), so each of the kw taps of VW output columns is one
 * vector load; then the max over the taps. resnet's pool (64 x 112 x
 * 112, 3x3, stride 2) took 0.33 ms as 9 taps over a ring of padded input
 * rows, each tap a compare, a compare, an or and a blend; 0.21 ms this
 * way, with one max instruction a step where the plane holds no NaN. */
static inline __attribute__((always_inline)) void max_plane(int nan, const rt_pool2d_params *p, const float *x,
                                                            float *y, float *col, float *row, int len,
                                                            const int *off)
{
	const float *tap[MAX_TAPS];
	for (int kx = 0; kx < p->kw; kx++)
		tap[kx] = row + off[kx];
	for (int oy = 0; oy < p->oh; oy++) {
		int y0 = imax(oy * p->sh - p->ph, 0), y1 = imin(oy * p->sh - p->ph + p->kh, p->h);
		if (y0 < y1)
			max_rows(nan, x, p->w, y0, y1, col);
		rt_rows_pad(row, y0 < y1 ? col : NULL, p->w, p->sw, p->pw, len, -INFINITY);
		max_row(nan, p->kw, tap, p->ow, y + (size_t)oy * p->ow);
	}
}

/* max_plane for a plane without NaN, and for one with. */
static void max_plane_finite(const rt_pool2d_params *p, const float *x, float *y, float *col, float *row, int len,
                             const int *off)
{
	max_plane(0, p, x, y, col, row, len, off);
}

static void max_plane_nans(const rt_pool2d_params *p, const float *x, float *y, float *col, float *row, int len,
                           const int *off)
{
	max_plane(1, p, x, y, col, row, len, off);
}

/* x: [n, c, h, w] -> y: [n, c, oh, ow], plane by plane, each checked for
 * NaN first (the check brings the plane into cache for the max); widths
 * past the buffers and windows of more taps go the scalar way. */
static void max_planes(const rt_pool2d_params *p, const float *x, float *y)
{
	const int kw = p->kw, ow = p->ow, sw = p->sw, len = RT_ROWS_LEN(ow, kw - 1, sw);
	if (kw > MAX_TAPS || p->w > MAX_WIDTH || (long long)sw * len > MAX_WIDTH) {
		max_general(p, x, y);
		return;
	}
	float col[MAX_WIDTH], row[MAX_WIDTH];
	int off[MAX_TAPS]; /* tap kx's phase element for output column 0 */
	for (int kx = 0; kx < kw; kx++)
		off[kx] = kx % sw * len + kx / sw;
	size_t planes = (size_t)p->n * p->c, area = (size_t)p->h * p->w, oarea = (size_t)p->oh * ow;
	for (size_t pl = 0; pl < planes; pl++) {
		const float *xp = x + pl * area;
		(any_nan(xp, area) ? max_plane_nans : max_plane_finite)(p, xp, y + pl * oarea, col, row, len, off);
	}
}

/* Any size, scalar. */
static void avg_general(const rt_pool2d_params *p, const float *x, float *y)
{
	size_t planes = (size_t)p->n * p->c;
	for (size_t pl = 0; pl < planes; pl++) {
		const float *xp = x + pl * p->h * p->w;
		float *yp = y + pl * p->oh * p->ow;
		for (int oy = 0; oy < p->oh; oy++) {
			int y0 = oy * p->sh - p->ph;
			int y1 = imin(y0 + p->kh, p->h + p->ph);
			int ph_size = y1 - y0; /* rows of the window inside the padded input */
			y0 = imax(y0, 0);
			y1 = imin(y1, p->h);
			for (int ox = 0; ox < p->ow; ox++) {
				int x0 = ox * p->sw - p->pw;
				int x1 = imin(x0 + p->kw, p->w + p->pw);
				int pool_size = ph_size * (x1 - x0);
				x0 = imax(x0, 0);
				x1 = imin(x1, p->w);
				int divisor = p->count_include_pad ? pool_size : (y1 - y0) * (x1 - x0);
				float sum = 0.0f;
				for (int iy = y0; iy < y1; iy++)
					for (int ix = x0; ix < x1; ix++)
						sum += xp[(size_t)iy * p->w + ix];
				yp[(size_t)oy * p->ow + ox] = sum / (float)divisor;
			}
		}
	}
}

/* The divisor of each window is a product of a row part and a column
 * part (the extents, inside the padded input with count_include_pad,
 * else inside the input): per output row, rows; per column, cols[ox]. */
static void divisor_parts(int o, int s, int pad, int k, int n, int include_pad, int *part)
{
	int i0 = o * s - pad, i1 = imin(i0 + k, n + pad);
	*part = include_pad ? i1 - i0 : imin(i1, n) - imax(i0, 0);
}

/* Output row y of ow floats: the sum over the window's taps (tap[t] at
 * tap t's phase element for output column 0) over rows * cols[ox]. */
static void avg_row(int ntaps, const float *const *tap, int ow, float rows, const float *cols, float *y)
{
	for (int ox = 0; ox < ow; ox += VW) {
		vf sum = {0}, v, c;
		for (int t = 0; t < ntaps; t++)
			LOADV(v, tap[t] + ox), sum += v;
		LOADV(c, cols + ox);
		sum /= rows * c;
		if (ox + VW <= ow) {
			STOREV(y + ox, sum);
			continue;
		}
		for (int i = 0; ox + i < ow; i++)
			y[ox + i] = sum[i];
	}
}

/* x: [n, c, h, w] -> y: [n, c, oh, ow]: taps in vectors from the ring of
 * rows.h, padding 0; windows too big for it the scalar way. */
static void avg_planes(const rt_pool2d_params *p, const float *x, float *y)
{
	const int kh = p->kh, kw = p->kw, ow = p->ow, sw = p->sw, span = kw - 1;
	if (kh * kw > MAX_TAPS || !rt_rows_fits(kh, ow, span, sw)) {
		avg_general(p, x, y);
		return;
	}
	const int len = RT_ROWS_LEN(ow, span, sw);
	const float *tap[MAX_TAPS];
	int off[MAX_TAPS]; /* tap kx's phase element for output column 0 */
	float cols[RT_ROWS_FLOATS / RT_ROWS_SLOTS + VW] = {0}; /* ow (< len) column parts, then 0s */
	rt_rows r;
	for (int kx = 0; kx < kw; kx++)
		off[kx] = kx % sw * len + kx / sw;
	for (int ox = 0; ox < ow; ox++) {
		int part;
		divisor_parts(ox, sw, p->pw, kw, p->w, p->count_include_pad, &part);
		cols[ox] = (float)part;
	}
	for (int ox = ow; ox < len; ox++)
		cols[ox] = 1; /* lanes past ow: computed, not stored */
	size_t planes = (size_t)p->n * p->c;
	for (size_t pl = 0; pl < planes; pl++) {
		rt_rows_start(&r, x + pl * p->h * p->w, p->h, p->w, sw, p->pw, len, 0.0f);
		for (int oy = 0; oy < p->oh; oy++) {
			int rows;
			divisor_parts(oy, p->sh, p->ph, kh, p->h, p->count_include_pad, &rows);
			for (int ky = 0; ky < kh; ky++) {
				const float *row = rt_rows_get(&r, oy * p->sh - p->ph + ky);
				for (int kx = 0; kx < kw; kx++)
					tap[ky * kw + kx] = row + off[kx];
			}
			avg_row(kh * kw, tap, ow, (float)rows, cols, y + (pl * p->oh + oy) * ow);
		}
	}
}

/* A pooling over planes [begin, end) of its n*c, for rt_parallel. */
typedef struct {
	const rt_pool2d_params *p;
	const float *x;
	float *y;
	void (*planes)(const rt_pool2d_params *p, const float *x, float *y); /* max_planes or avg_planes */
} Pool;

static void pool_items(void *ctx, int begin, int end)
{
	const Pool *j = ctx;
	rt_pool2d_params q = *j->p; /* the planes as one image of end - begin channels */
	q.n = 1, q.c = end - begin;
	j->planes(&q, j->x + (size_t)begin * q.h * q.w, j->y + (size_t)begin * q.oh * q.ow);
}

/* In parallel over planes (each computed as on one thread). */
static void pool(const rt_pool2d_params *p, const float *x, float *y,
                 void (*planes)(const rt_pool2d_params *, const float *, float *))
{
	Pool j = {p, x, y, planes};
	double floats = (double)p->h * p->w + (double)p->oh * p->ow * p->kh * p->kw; /* per plane */
	rt_parallel(p->n * p->c, cl_grain(floats, CL_GRAIN_FLOATS), pool_items, &j);
}

void rt_max_pool2d(const rt_pool2d_params *p, const float *x, float *y) { pool(p, x, y, max_planes); }

void rt_avg_pool2d(const rt_pool2d_params *p, const float *x, float *y) { pool(p, x, y, avg_planes); }

/* rt_adaptive_avg_pool2d's arguments, for rt_parallel. */
typedef struct {
	int h, w, oh, ow; /* input and output plane */
	const float *x;   /* [planes, h, w] */
	float *y;         /* [planes, oh, ow] */
} Adaptive;

/* The sum of x[0..count), in four vectors of partial sums (a global
 * pool's plane: one chain of scalar adds waited on each add's latency;
 * mobilenet_v3's squeeze-excite pools 4x faster) added up lane by lane. */
static float run_sum(const float *x, size_t count)
{
	vf s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, v;
	size_t i = 0;
	for (; i + 4 * VW <= count; i += 4 * VW) {
		LOADV(v, x + i), s0 += v;
		LOADV(v, x + i + VW), s1 += v;
		LOADV(v, x + i + 2 * VW), s2 += v;
		LOADV(v, x + i + 3 * VW), s3 += v;
	}
	for (; i + VW <= count; i += VW)
		LOADV(v, x + i), s0 += v;
	s0 = (s0 + s1) + (s2 + s3);
	float sum = 0;
	for (int l = 0; l < VW; l++)
		sum += s0[l];
	for (; i < count; i++)
		sum += x[i];
	return sum;
}

/* Planes [begin, end) of an adaptive average pool. */
static void adaptive_planes(void *ctx, int begin, int end)
{
	const Adaptive *j = ctx;
	int h = j->h, w = j->w, oh = j->oh, ow = j->ow;
	for (size_t pl = (size_t)begin; pl < (size_t)end; pl++) {
		const float *xp = j->x + pl * h * w;
		float *yp = j->y + pl * oh * ow;
		for (int oy = 0; oy < oh; oy++) {
			int y0 = (int)((long long)oy * h / oh);
			int y1 = (int)(((long long)(oy + 1) * h + oh - 1) / oh);
			for (int ox = 0; ox < ow; ox++) {
				int x0 = (int)((long long)ox * w / ow);
				int x1 = (int)(((long long)(ox + 1) * w + ow - 1) / ow);
				float sum = 0.0f;
				if (x1 - x0 == w) /* whole rows: one run of floats */
					sum = run_sum(xp + (size_t)y0 * w, (size_t)(y1 - y0) * w);
				else
					for (int iy = y0; iy < y1; iy++)
						for (int ix = x0; ix < x1; ix++)
							sum += xp[(size_t)iy * w + ix];
				yp[(size_t)oy * ow + ox] = sum / (float)((y1 - y0) * (x1 - x0));
			}
		}
	}
}

/* x: [n, c, h, w] -> y: [n, c, oh, ow]; bin i spans
 * [floor(i*h/oh), ceil((i+1)*h/oh)); in parallel over planes. */
void rt_adaptive_avg_pool2d(int n, int c, int h, int w, int oh, int ow, const float *x, float *y)
{
	Adaptive j = {h, w, oh, ow, x, y};
	double floats = (double)h * w + (double)oh * ow; /* per plane, bins that overlap aside */
	rt_parallel(n * c, cl_grain(floats, CL_GRAIN_FLOATS), adaptive_planes, &j);
}
