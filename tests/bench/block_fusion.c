/*
 * block_fusion.c: does fusing an inverted-residual block pay on this
 * machine? Issue 19's suggestion, measured before building it.
 *
 *     ninja build/lib/libcnnrt-native.a
 *     cc -O2 -march=native -std=c99 -Iruntime tests/bench/block_fusion.c \
 *        build/lib/libcnnrt-native.a -lm -lpthread -o block_fusion
 *     ./block_fusion [ROWS | cKB ...] [-t THREADS]
 *
 * ROWS: fused in bands of ROWS output rows (default 8); cKB: fused in
 * blocks of KB expanded channels (a multiple of RT_GEMM_MR), e.g. c24.
 *
 * A mobilenet block is expand (1x1, c -> e, relu6), depthwise (3x3,
 * stride s, relu6), project (1x1, e -> o, + the residual when s = 1 and
 * o = c). Unfused, as the generated code runs it today: three calls of
 * the runtime, rt_gemm on the whole input, rt_conv2d_depthwise on the
 * whole expanded tensor (e x h x w, written to memory and read back),
 * rt_gemm on the whole depthwise output.
 *
 * Fused: the same three public kernels, in bands of ROWS output rows, so
 * the expanded band and the depthwise band stay in L2 and the expanded
 * and depthwise tensors are never written whole:
 *   - the expansion GEMM writes the input rows the band needs into a
 *     band buffer [e][rin][w] (rows outside the image zeroed: the
 *     depthwise's top and bottom padding), reusing the rows the previous
 *     band already expanded (its last rin - ROWS*s rows, moved to the
 *     top), so no expanded row is computed twice;
 *   - the depthwise runs on the band buffer as on a small image of rin
 *     rows with the layer's own padding, so it takes the same fast
 *     paths (depthwise_s1.c's flat loop, depthwise_s2.c's) as the whole
 *     layer; its first `skip` output rows, which read the zero padding
 *     above the buffer instead of the image row above the band, are
 *     computed and not used (and the flat path computes rin rows);
 *   - the projection GEMM reads the band's used rows in place (ldb: the
 *     band's plane) and writes output rows [oy0, oy0 + ROWS), the
 *     residual read at the same rows.
 * Buffer row b is image row top + b, top = (oy0 - skip) * s, skip =
 * ceil(p / s): depthwise output row j of the band reads buffer rows j*s
 * - p .. j*s - p + 2, image rows of output oy0 + j - skip.
 * Fused by channels instead (fused_channels below): KB expanded
 * channels at a time over the whole image, expanded, depthwise, and
 * projected into the output accumulated block by block.
 *
 * For each block, REPS rounds, each the unfused block then the fused
 * one (interleaved: both see the same machine); times are per-thread CPU
 * time (the machine is shared: a preempted round does not count its wait)
 * at one thread, wall time otherwise; printed are the minimum and the
 * median of the rounds, and the largest difference between the two
 * outputs (0 or a rounding: the fused GEMMs see other column counts).
 */
#define _POSIX_C_SOURCE 200809L
#define _ISOC11_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cnnrt.h"

#define REPS 41
#define MAX_ROWS 8 /* most band sizes on the command line */

/* One inverted-residual block of a zoo model. */
typedef struct {
	const char *name; /* model layer */
	int c, h, w;      /* input channels, height, width */
	int e;            /* expanded channels (= c: no expansion layer) */
	int s;            /* depthwise stride */
	int o;            /* output channels */
	int res;          /* the block adds its input */
	int expand;       /* has an expansion 1x1 */
	int act;          /* activation of expand and depthwise */
} Block;

static const Block blocks[] = {
	{"mobilenet_v2 features.1", 32, 112, 112, 32, 1, 16, 0, 0, RT_ACT_RELU6},
	{"mobilenet_v2 features.2", 16, 112, 112, 96, 2, 24, 0, 1, RT_ACT_RELU6},
	{"mobilenet_v2 features.3", 24, 56, 56, 144, 1, 24, 1, 1, RT_ACT_RELU6},
	{"mobilenet_v2 features.4", 24, 56, 56, 144, 2, 32, 0, 1, RT_ACT_RELU6},
	{"mobilenet_v2 features.5", 32, 28, 28, 192, 1, 32, 1, 1, RT_ACT_RELU6},
	{"mobilenet_v2 features.8", 64, 14, 14, 384, 1, 64, 1, 1, RT_ACT_RELU6},
	{"mobilenet_v2 features.15", 160, 7, 7, 960, 1, 160, 1, 1, RT_ACT_RELU6},
	{"mobilenet_v3_large features.2", 16, 112, 112, 64, 2, 24, 0, 1, RT_ACT_RELU},
	{"mobilenet_v3_large features.3", 24, 56, 56, 72, 1, 24, 1, 1, RT_ACT_RELU},
};

static int threads = 1;

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* n floats, uniform in [-scale/2, scale/2), 64-byte aligned. */
static float *random_floats(size_t n, float scale)
{
	float *p = aligned_alloc(64, (n * sizeof *p + 63) / 64 * 64);
	for (size_t i = 0; i < n; i++)
		p[i] = scale * ((float)rand() / RAND_MAX - 0.5f);
	return p;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The block's tensors and weights (weights packed for rt_gemm: any
 * floats do for timing, and both ways read the same). */
typedef struct {
	Block b;
	int oh, ow;             /* output height, width */
	float *x;               /* input [c, h, w] */
	float *we, *wd, *wp;    /* expand [e, c] packed, depthwise [e, 3, 3], project [o, e] packed */
	rt_epilogue epe, epd;   /* expand's and depthwise's: bias, act */
	rt_epilogue epp;        /* project's: bias, residual */
	float *ex, *dw;         /* unfused: expanded [e, h, w], depthwise output [e, oh, ow] */
	float *band, *dband;    /* fused: band buffers [e][rin][w], [e][rout][ow] */
	float *y;               /* output [o, oh, ow] */
} Case;

static void unfused(const Case *k)
{
	const Block *b = &k->b;
	const float *xin = k->x;
	if (b->expand) {
		rt_gemm(b->e, b->h * b->w, b->c, k->we, k->x, b->h * b->w, k->ex, b->h * b->w, &k->epe);
		xin = k->ex;
	}
	rt_conv2d_params p = {1, b->e, b->h, b->w, b->e, k->oh, k->ow, 3, 3, b->s, b->s, 1, 1, 1, 1, b->e};
	rt_conv2d_depthwise(&p, xin, k->wd, &k->epd, k->dw);
	rt_gemm(b->o, k->oh * k->ow, b->e, k->wp, k->dw, k->oh * k->ow, k->y, k->oh * k->ow, &k->epp);
}

/* Band buffer rows for bands of `rows` output rows (3x3, padding 1). */
static int band_rows_in(int rows, int s)
{
	int skip = (1 + s - 1) / s;
	return (skip + rows - 1) * s - 1 + 3;
}

static void fused(const Case *k, int rows)
{
	const Block *b = &k->b;
	const int h = b->h, w = b->w, e = b->e, s = b->s, skip = (1 + s - 1) / s;
	const int rin = band_rows_in(rows, s), rout = (rin + 2 - 3) / s + 1;
	int held_top = 0, held = 0; /* image rows [held_top, held_top + held) in the buffer */
	for (int oy0 = 0; oy0 < k->oh; oy0 += rows) {
		int r = k->oh - oy0 < rows ? k->oh - oy0 : rows, top = (oy0 - skip) * s;
		/* the previous band's rows this one needs, moved to the top */
		int keep = held > 0 ? held_top + held - top : 0;
		if (keep > 0 && held_top != top)
			for (int ch = 0; ch < e; ch++) {
				float *plane = k->band + (size_t)ch * rin * w;
				memmove(plane, plane + (size_t)(top - held_top) * w, (size_t)keep * w * sizeof *plane);
			}
		if (keep < 0)
			keep = 0;
		/* the rest: zero outside the image, expanded (or copied) inside */
		int lo = top + keep < 0 ? 0 : top + keep, hi = top + rin < h ? top + rin : h;
		for (int ch = 0; ch < e; ch++)
			for (int iy = top + keep; iy < top + rin; iy++)
				if (iy < 0 || iy >= h)
					memset(k->band + ((size_t)ch * rin + (iy - top)) * w, 0, (size_t)w * sizeof(float));
		if (hi > lo) {
			float *d = k->band + (size_t)(lo - top) * w;
			if (b->expand)
				rt_gemm(e, (hi - lo) * w, b->c, k->we, k->x + (size_t)lo * w, h * w, d, rin * w, &k->epe);
			else
				for (int ch = 0; ch < e; ch++)
					memcpy(d + (size_t)ch * rin * w, k->x + ((size_t)ch * h + lo) * w,
					       (size_t)(hi - lo) * w * sizeof *d);
		}
		held_top = top, held = rin;
		rt_conv2d_params p = {1, e, rin, w, e, rout, k->ow, 3, 3, s, s, 1, 1, 1, 1, e};
		rt_conv2d_depthwise(&p, k->band, k->wd, &k->epd, k->dband);
		rt_epilogue ep = k->epp;
		if (ep.residual)
			ep.residual += (size_t)oy0 * k->ow;
		rt_gemm(b->o, r * k->ow, e, k->wp, k->dband + (size_t)skip * k->ow, rout * k->ow,
		        k->y + (size_t)oy0 * k->ow, k->oh * k->ow, &ep);
	}
}

/* Blocks of kb expanded channels (a multiple of RT_GEMM_MR, so that
 * expand's rows are whole panels of its packed weights): each block
 * expanded over the whole image into xb [kb][h*w], its depthwise into
 * db [kb][oh*ow], and projected into y, accumulated: the first block's
 * GEMM adds the bias and the residual, the later ones y itself (y is
 * their residual, read at the index each writes). wpb: project's
 * weights repacked per block, block i a packed [o, kb] at i *
 * RT_GEMM_PACKED(o, kb). The sums run in another order than unfused:
 * not bit-identical. */
static void fused_channels(const Case *k, int kb, const float *wpb, float *xb, float *db)
{
	const Block *b = &k->b;
	const int hw = b->h * b->w, ohw = k->oh * k->ow;
	for (int k0 = 0; k0 < b->e; k0 += kb) {
		int n = b->e - k0 < kb ? b->e - k0 : kb;
		const float *xin = k->x + (size_t)k0 * hw;
		if (b->expand) {
			rt_epilogue ep = k->epe;
			ep.bias += k0;
			rt_gemm(n, hw, b->c, k->we + (size_t)k0 * b->c, k->x, hw, xb, hw, &ep);
			xin = xb;
		}
		rt_conv2d_params p = {1, n, b->h, b->w, n, k->oh, k->ow, 3, 3, b->s, b->s, 1, 1, 1, 1, n};
		rt_epilogue ed = k->epd;
		ed.bias += k0;
		rt_conv2d_depthwise(&p, xin, k->wd + (size_t)k0 * 9, &ed, db);
		rt_epilogue ep = k0 ? (rt_epilogue){NULL, k->y, RT_ACT_NONE, 0, 0, NULL} : k->epp;
		rt_gemm(b->o, ohw, n, wpb + (size_t)(k0 / kb) * RT_GEMM_PACKED(b->o, kb), db, ohw, k->y, ohw, &ep);
	}
}

/* Packs w [o, e] (row-major) per block of kb columns (the last block
 * its own e % kb, if any), each for rt_gemm: what fused_channels
 * reads. */
static float *pack_blocks(const float *w, int o, int e, int kb)
{
	int nb = (e + kb - 1) / kb;
	size_t per = RT_GEMM_PACKED(o, kb);
	float *p = calloc((size_t)nb * per, sizeof *p);
	for (int bl = 0; bl < nb; bl++) {
		int nk = e - bl * kb < kb ? e - bl * kb : kb; /* the last block's k: its columns */
		for (int i = 0; i < o; i++)
			for (int kk = 0; kk < nk; kk++)
				p[bl * per + (size_t)(i / RT_GEMM_MR) * RT_GEMM_MR * nk + (size_t)kk * RT_GEMM_MR + i % RT_GEMM_MR] =
				    w[(size_t)i * e + bl * kb + kk];
	}
	return p;
}

/* The same, all e columns: the unfused layout. */
static float *pack_all(const float *w, int o, int e)
{
	return pack_blocks(w, o, e, e);
}

int main(int argc, char **argv)
{
	int rows[MAX_ROWS], nrows = 0;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-t") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (nrows < MAX_ROWS)
			rows[nrows++] = argv[i][0] == 'c' ? -atoi(argv[i] + 1) : atoi(argv[i]);
	if (!nrows)
		rows[nrows++] = 8;
	rt_threads(threads);
	printf("threads %d, %s time, %d interleaved rounds: min (median) ms\n", threads,
	       threads == 1 ? "thread CPU" : "wall", REPS);
	for (size_t bi = 0; bi < sizeof blocks / sizeof *blocks; bi++) {
		Case k = {blocks[bi], 0, 0, NULL, NULL, NULL, NULL, {0}, {0}, {0}, NULL, NULL, NULL, NULL, NULL};
		const Block *b = &k.b;
		k.oh = (b->h + 2 - 3) / b->s + 1, k.ow = (b->w + 2 - 3) / b->s + 1;
		size_t in = (size_t)b->c * b->h * b->w, ex = (size_t)b->e * b->h * b->w, out = (size_t)b->o * k.oh * k.ow;
		k.x = random_floats(in, 2);
		k.we = random_floats(RT_GEMM_PACKED(b->e, b->c), 0.5f);
		k.wd = random_floats((size_t)b->e * 9, 0.5f);
		float *wraw = random_floats((size_t)b->o * b->e, 0.3f);
		k.wp = pack_all(wraw, b->o, b->e);
		k.epe = (rt_epilogue){random_floats(b->e, 0.2f), NULL, b->act, 0, 0, NULL};
		k.epd = (rt_epilogue){random_floats(b->e, 0.2f), NULL, b->act, 0, 0, NULL};
		k.epp = (rt_epilogue){random_floats(b->o, 0.2f), b->res ? random_floats(out, 2) : NULL, RT_ACT_NONE, 0, 0,
		                      NULL};
		k.ex = random_floats(ex, 0), k.dw = random_floats((size_t)b->e * k.oh * k.ow, 0);
		float *ref = random_floats(out, 0);
		k.y = ref;
		unfused(&k);
		printf("%-30s %3d x %3dx%-3d -> %3d -> %3d, s%d%s: e x h x w %.1f MB\n", b->name, b->c, b->h, b->w, b->e, b->o,
		       b->s, b->res ? ", residual" : "", ex * 4.0 / (1 << 20));
		for (int ri = 0; ri < nrows; ri++) {
			int kb = rows[ri] < 0 ? -rows[ri] : 0, rin = 0, rout = 0;
			float *wpb = NULL;
			if (kb) {
				k.band = random_floats((size_t)kb * b->h * b->w, 0);
				k.dband = random_floats((size_t)kb * k.oh * k.ow, 0);
				wpb = pack_blocks(wraw, b->o, b->e, kb);
			} else {
				rin = band_rows_in(rows[ri], b->s), rout = (rin + 2 - 3) / b->s + 1;
				k.band = random_floats((size_t)b->e * rin * b->w, 0);
				k.dband = random_floats((size_t)b->e * rout * k.ow, 0);
			}
			float *y = random_floats(out, 0);
			double tu[REPS], tf[REPS];
			for (int rep = 0; rep < REPS; rep++) {
				double t0 = now_ms();
				k.y = ref;
				unfused(&k);
				double t1 = now_ms();
				k.y = y;
				if (kb)
					fused_channels(&k, kb, wpb, k.band, k.dband);
				else
					fused(&k, rows[ri]);
				tu[rep] = t1 - t0, tf[rep] = now_ms() - t1;
			}
			double diff = 0;
			for (size_t i = 0; i < out; i++)
				diff = fmax(diff, fabs(ref[i] - y[i]));
			qsort(tu, REPS, sizeof *tu, compare), qsort(tf, REPS, sizeof *tf, compare);
			printf("    %s %2d (band %4.0f KB): unfused %.3f (%.3f)  fused %.3f (%.3f)  fused/unfused %.2f (%.2f)"
			       "  max diff %.1g\n",
			       kb ? "chans" : "rows ", kb ? kb : rows[ri],
			       kb ? (double)kb * b->h * b->w * 4 / 1024 : (double)b->e * rin * b->w * 4 / 1024, tu[0], tu[REPS / 2], tf[0], tf[REPS / 2],
			       tf[0] / tu[0], tf[REPS / 2] / tu[REPS / 2], diff);
			free(k.band), free(k.dband), free(y), free(wpb);
		}
		free(wraw);
	}
	return 0;
}
