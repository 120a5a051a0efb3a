/*
 * resize.c: interpolate (upsampling and downsampling by nearest or
 * bilinear), PyTorch 1.13's CPU numerics.
 *
 * For each axis, output index d reads input indices i0, i1 with weights
 * l0, l1 (nearest: i0 alone), from the scale s the compiler computed as
 * PyTorch does (rt_resize_params):
 *   - an axis whose size does not change is copied (PyTorch's shortcut);
 *   - nearest: i0 = min(floor(d * s), in - 1) (d >> 1 when out = 2 in);
 *   - bilinear: r = s * d with align_corners, else max(s (d + 0.5) - 0.5,
 *     0); i0 = (int)r, i1 = i0 + 1 unless i0 is the last, l1 = r - i0
 *     clamped to [0, 1], l0 = 1 - l1; the output is
 *     (x[i0][j0] l0' + x[i0][j1] l1') l0 + (x[i1][j0] l0' + x[i1][j1] l1') l1
 *     in that order (rows i, columns j), all in float.
 * The sources of the output columns are computed once per slice of
 * planes; each input row is resized along W once into a row buffer, and
 * each output row is the blend of two such buffers, in vectors (before,
 * the sources and the four reads per output pixel: the 65x65 -> 520x520
 * upsampling of lraspp's 21 classes took 37 ms of its 184, loaded host).
 * Planes (a sample's channel) run in parallel, each computed as one
 * thread would, so the thread count does not change the result.
 */
#include <math.h>
#include <string.h>

#include "cnnrt.h"

#include "cl.h"
#include "simd.h"

/* Streaming (non-temporal) stores, with AVX: whole cache lines of the
 * output rows go to memory without first being read (the
 * read-for-ownership) and without evicting what the caches hold. Only
 * for an output the program never reads back (p->stream: the model's
 * output) of more than STREAM_BYTES, past the L2 cache (1 MB a core
 * here, 2 MB on the larger hosts): lraspp's last layer, 21 x 65 x 65 ->
 * 520 x 520, writes 22.7 MB. An output read next is better left in the
 * caches: streamed, lraspp's 128 x 33 x 33 -> 65 x 65 (2.2 MB, read by
 * the next conv) took 1.9 ms, not 0.38. Elsewhere, and without AVX,
 * plain stores. */
#if defined(__AVX__)
#include <immintrin.h>
#define STREAMS 1
#else
#define STREAMS 0
#endif
#define STREAM_BYTES (2u << 20)
#define LINE 16 /* floats of a cache line */

/* The source of output index d along an axis of in -> out at scale s. */
typedef struct {
	int i0, i1;   /* input indices read */
	float l0, l1; /* their weights (nearest: 1, 0) */
} Source;

static Source source(int d, int in, int out, float s, int bilinear, int align_corners)
{
	Source r = {d, d, 1.0f, 0.0f};
	if (out == in)
		return r;
	if (!bilinear) {
		if (out == 2 * in) {
			r.i0 = r.i1 = d >> 1;
		} else {
			long long i = (long long)floorf((float)d * s);
			r.i0 = r.i1 = (int)(i < in - 1 ? i : in - 1);
		}
		return r;
	}
	float real = align_corners ? s * (float)d : s * ((float)d + 0.5f) - 0.5f;
	if (!align_corners && real < 0.0f)
		real = 0.0f;
	r.i0 = (int)real;
	r.i1 = r.i0 + (r.i0 < in - 1 ? 1 : 0);
	float l1 = real - (float)r.i0;
	r.l1 = l1 < 0.0f ? 0.0f : l1 > 1.0f ? 1.0f : l1;
	r.l0 = 1.0f - r.l1;
	return r;
}

/* Output columns per tile: a slice of planes holds the sources of one
 * tile's columns and two input rows resized along W to them. */
#define TILE 1024

/* Input row iy of plane xp resized along W to output columns [ox0, ox0 +
 * n) of sources sx: t[j] = x[i0] l0 + x[i1] l1 (nearest: x[i0]). */
static void resize_row(const rt_resize_params *p, const float *xp, int iy, const Source *sx, int n, float *t)
{
	const float *r = xp + (size_t)iy * p->w;
	if (!p->bilinear) {
		for (int j = 0; j < n; j++)
			t[j] = r[sx[j].i0];
		return;
	}
	for (int j = 0; j < n; j++)
		t[j] = r[sx[j].i0] * sx[j].l0 + r[sx[j].i1] * sx[j].l1;
}

/* The two row buffers of a tile and the input rows they hold (-1: none). */
typedef struct {
	float t[2][TILE]; /* input rows resized along W, tile columns */
	int held[2];      /* input row each holds */
} Rows;

/* The buffer holding input row iy resized along W, computing it into the
 * buffer other than keep (NULL: either) unless one holds it already. */
static const float *row_of(Rows *b, const rt_resize_params *p, const float *xp, int iy, const Source *sx, int n,
                           const float *keep)
{
	for (int k = 0; k < 2; k++)
		if (b->held[k] == iy)
			return b->t[k];
	int k = keep == b->t[0] ? 1 : 0;
	resize_row(p, xp, iy, sx, n, b->t[k]);
	b->held[k] = iy;
	return b->t[k];
}

/* Output columns [j, n) of a row: y[j] = t0[j] l0 + t1[j] l1, in vectors
 * then one by one. */
static inline __attribute__((always_inline)) void blend(const float *t0, const float *t1, float l0, float l1,
                                                        int j, int n, float *y)
{
	for (; j + VW <= n; j += VW) {
		vf a, c;
		LOADV(a, t0 + j);
		LOADV(c, t1 + j);
		a = a * l0 + c * l1;
		STOREV(y + j, a);
	}
	for (; j < n; j++)
		y[j] = t0[j] * l0 + t1[j] * l1;
}

/* The same over the n columns of a row, the whole cache lines of y
 * streamed (the columns before the first and after the last by blend:
 * a line is never written both ways; the same sums, the same float
 * operations). */
static inline __attribute__((always_inline)) void blend_stream(const float *t0, const float *t1, float l0,
                                                               float l1, int n, float *y)
{
#if STREAMS
	int j = (int)((LINE * sizeof *y - (uintptr_t)y % (LINE * sizeof *y)) % (LINE * sizeof *y) / sizeof *y);
	if (j > n)
		j = n;
	blend(t0, t1, l0, l1, 0, j, y);
	for (; j + LINE <= n; j += LINE) {
		vf a, c, d, e;
		LOADV(a, t0 + j);
		LOADV(c, t1 + j);
		LOADV(d, t0 + j + 8);
		LOADV(e, t1 + j + 8);
		a = a * l0 + c * l1;
		d = d * l0 + e * l1;
		_mm256_stream_ps(y + j, (__m256)a);
		_mm256_stream_ps(y + j + 8, (__m256)d);
	}
	blend(t0, t1, l0, l1, j, n, y);
#else
	blend(t0, t1, l0, l1, 0, n, y);
#endif
}

/* Planes [begin, end) of x -> y, by tiles of output columns: each output
 * row blends the two input rows it reads, resized along W once for all
 * the output rows that read them (an upsampling by 8 resizes each input
 * row once, not eight times), in vectors. */
static void resize_planes(void *ctx, int begin, int end)
{
	const rt_resize_params *p = ((const void *const *)ctx)[0];
	const float *x = ((const void *const *)ctx)[1];
	float *y = (float *)((void *const *)ctx)[2];
	Source sx[TILE];
	Rows b;
	/* bilinear outputs never read back, past the L2 cache: streamed
	 * where the target can */
	const int stream = STREAMS && p->stream && p->bilinear &&
	                   (double)p->n * p->c * p->oh * p->ow * sizeof *y > (double)STREAM_BYTES;
	for (int ox0 = 0; ox0 < p->ow; ox0 += TILE) {
		int n = p->ow - ox0 < TILE ? p->ow - ox0 : TILE;
		for (int j = 0; j < n; j++)
			sx[j] = source(ox0 + j, p->w, p->ow, p->sw, p->bilinear, p->align_corners);
		for (int pl = begin; pl < end; pl++) {
			const float *xp = x + (size_t)pl * p->h * p->w;
			float *yp = y + (size_t)pl * p->oh * p->ow + ox0;
			b.held[0] = b.held[1] = -1;
			for (int oy = 0; oy < p->oh; oy++) {
				Source sy = source(oy, p->h, p->oh, p->sh, p->bilinear, p->align_corners);
				const float *t0 = row_of(&b, p, xp, sy.i0, sx, n, NULL);
				float *yr = yp + (size_t)oy * p->ow;
				if (!p->bilinear) {
					memcpy(yr, t0, (size_t)n * sizeof *yr);
					continue;
				}
				const float *t1 = row_of(&b, p, xp, sy.i1, sx, n, t0);
				if (stream)
					blend_stream(t0, t1, sy.l0, sy.l1, n, yr);
				else
					blend(t0, t1, sy.l0, sy.l1, 0, n, yr);
			}
		}
	}
#if STREAMS
	if (stream) /* the streamed stores ordered before whatever follows the loop */
		_mm_sfence();
#endif
}

/* x: [n, c, h, w] -> y: [n, c, oh, ow] */
void rt_resize(const rt_resize_params *p, const float *x, float *y)
{
	const void *ctx[3] = {p, x, y};
	int planes = p->n * p->c;
	rt_parallel(planes, cl_grain(8.0 * p->oh * p->ow, CL_GRAIN_FLOATS), resize_planes, (void *)ctx);
}
