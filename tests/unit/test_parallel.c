/*
 * test_parallel.c: the kernels that split their outer loop over threads
 * (conv_cl.c, pool_cl.c, pool.c, layout.c, eltwise.c, conv_direct.c,
 * depthwise.c, gemm.c, winograd.c, conv_stem.c, conv_gemm.c, linear.c) give the
 * same bytes with 1, 2 and 3 threads.
 *
 * Each case runs one kernel on pseudo-random data large enough that its
 * loop really splits (the grains keep small loops serial), once per
 * thread count, and compares the outputs with memcmp: a split that made
 * two threads share an output, a scratch buffer or a reduction would
 * show up here (and under ASan or helgrind, which run this test too).
 * That each kernel is right is tests/runtime's and the golden tests' job.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cnnrt.h"

#define THREAD_COUNTS 3 /* runs with 1, 2 and 3 threads */

/* Fills p[0..n) with values in [-1, 1) from a fixed seed. */
static float *randoms(size_t n, unsigned seed)
{
	float *p = malloc(n * sizeof *p);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
	}
	return p;
}

/* One kernel call writing y[0..ny) from the case's inputs. */
typedef void (*run_fn)(const void *c, float *y);

/* Runs fn with 1, 2 and 3 threads; checks the outputs are identical. */
static void same_for_any_threads(run_fn fn, const void *c, size_t ny)
{
	float *y[THREAD_COUNTS];
	for (int t = 0; t < THREAD_COUNTS; t++) {
		y[t] = malloc(ny * sizeof(float));
		assert_non_null(y[t]);
		memset(y[t], 0xff, ny * sizeof(float)); /* NaNs: an element not written shows */
		rt_threads(t + 1);
		fn(c, y[t]);
	}
	rt_threads(1);
	for (int t = 1; t < THREAD_COUNTS; t++)
		assert_memory_equal(y[0], y[t], ny * sizeof(float));
	for (int t = 0; t < THREAD_COUNTS; t++)
		free(y[t]);
}

/* For a kernel given the thread count it was compiled for (its scratch
 * holds an area per thread): with each of 1, 2 and 3 areas (*parts), on
 * 1, 2 and 3 threads, the same bytes as with one area on one thread. */
static void same_for_any_parts(run_fn fn, const void *c, int *parts, size_t ny)
{
	float *y0 = malloc(ny * sizeof(float)), *y = malloc(ny * sizeof(float));
	assert_non_null(y0);
	assert_non_null(y);
	for (int k = 1; k <= THREAD_COUNTS; k++)
		for (int t = 1; t <= THREAD_COUNTS; t++) {
			float *out = k == 1 && t == 1 ? y0 : y;
			memset(out, 0xff, ny * sizeof(float)); /* NaNs: an element not written shows */
			*parts = k;
			rt_threads(t);
			fn(c, out);
			if (out == y)
				assert_memory_equal(y0, y, ny * sizeof(float));
		}
	rt_threads(1);
	free(y0), free(y);
}

/* ---- convolutions ---------------------------------------------------- */

typedef struct {
	rt_conv2d_params p;
	int cl_in, cl_out;
	float *x, *w, *bias, *res;
	rt_epilogue ep;
} Conv;

static Conv conv_case(rt_conv2d_params p, int cl_in, int cl_out, int depthwise, int act)
{
	Conv c = {p, cl_in, cl_out, NULL, NULL, NULL, NULL, {0}};
	c.p.oh = (p.h + 2 * p.ph - p.dh * (p.kh - 1) - 1) / p.sh + 1;
	c.p.ow = (p.w + 2 * p.pw - p.dw * (p.kw - 1) - 1) / p.sw + 1;
	size_t nw = depthwise ? (size_t)RT_CL_FLOATS(1, p.c, p.kh, p.kw, cl_in)
	                      : (size_t)(p.oc + 2 * RT_CONV_CL_STRIP) * p.kh * p.kw * rt_conv_cl_span(p.c, p.oc, p.groups);
	c.x = randoms((size_t)RT_CL_FLOATS(p.n, p.c, p.h, p.w, cl_in), 1);
	c.w = randoms(nw, 2);
	c.bias = randoms((size_t)p.oc, 3);
	c.res = randoms((size_t)RT_CL_FLOATS(p.n, p.oc, c.p.oh, c.p.ow, cl_out), 4);
	c.ep = (rt_epilogue){c.bias, c.res, act, 0.1f, 0.5f, NULL};
	return c;
}

static void conv_free(Conv *c)
{
	free(c->x), free(c->w), free(c->bias), free(c->res);
}

static size_t conv_out(const Conv *c)
{
	return (size_t)RT_CL_FLOATS(c->p.n, c->p.oc, c->p.oh, c->p.ow, c->cl_out);
}

static void run_conv_cl(const void *v, float *y)
{
	const Conv *c = v;
	rt_conv2d_cl(&c->p, c->cl_in, c->cl_out, c->x, c->w, &c->ep, y);
}

static void run_dw_cl(const void *v, float *y)
{
	const Conv *c = v;
	rt_conv2d_dw_cl(&c->p, c->cl_in, c->x, c->w, &c->ep, y);
}

static void run_direct(const void *v, float *y)
{
	const Conv *c = v;
	rt_conv2d_direct(&c->p, c->x, c->w, c->bias, y);
}

/*                       n  c   h   w   oc oh ow kh kw sh sw ph pw dh dw groups */
#define CONV3(c, oc, hw) {2, c, hw, hw, oc, 0, 0, 3, 3, 1, 1, 1, 1, 1, 1, 1}

static void test_conv_cl(void **state)
{
	(void)state;
	const int cls[][2] = {{8, 8}, {40, 56}, {8, 56}}; /* NCHW8c, NHWC, NCHW8c -> NHWC */
	for (int i = 0; i < 3; i++) {
		rt_conv2d_params p = CONV3(40, 56, 30);
		Conv c = conv_case(p, cls[i][0], cls[i][1], 0, RT_ACT_RELU);
		same_for_any_threads(run_conv_cl, &c, conv_out(&c));
		conv_free(&c);
	}
	/* 1x1 as a GEMM over 3136 pixels in one row */
	rt_conv2d_params g = {1, 64, 1, 3136, 96, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1};
	Conv c = conv_case(g, 8, 8, 0, RT_ACT_RELU6);
	same_for_any_threads(run_conv_cl, &c, conv_out(&c));
	conv_free(&c);
	/* grouped, strided */
	rt_conv2d_params s = {1, 32, 57, 57, 64, 0, 0, 3, 3, 2, 2, 1, 1, 1, 1, 4};
	c = conv_case(s, 32, 64, 0, RT_ACT_NONE);
	same_for_any_threads(run_conv_cl, &c, conv_out(&c));
	conv_free(&c);
}

static void test_conv_dw_cl(void **state)
{
	(void)state;
	for (int cl = 8; cl <= 72; cl += 64) { /* NCHW8c, NHWC with a tail of 4 */
		for (int st = 1; st <= 2; st++) {
			rt_conv2d_params p = {2, 68, 56, 56, 68, 0, 0, 3, 3, st, st, 1, 1, 1, 1, 68};
			Conv c = conv_case(p, cl == 72 ? 68 : cl, cl == 72 ? 68 : cl, 1, RT_ACT_RELU6);
			same_for_any_threads(run_dw_cl, &c, conv_out(&c));
			conv_free(&c);
		}
	}
}

static void test_conv_direct(void **state)
{
	(void)state;
	rt_conv2d_params p = CONV3(16, 32, 32);
	Conv c = conv_case(p, 1, 1, 0, RT_ACT_NONE);
	same_for_any_threads(run_direct, &c, conv_out(&c));
	conv_free(&c);
}

static void run_depthwise(const void *v, float *y)
{
	const Conv *c = v;
	rt_conv2d_depthwise(&c->p, c->x, c->w, &c->ep, y);
}

/* NCHW depthwise, each of its paths: 3x3 stride 1 and stride 2 (the flat
 * loops), 5x5 (channel blocks, three bands of rows), dilated 3x3 (stride
 * phases), 9x9 (more taps than the ring's); small planes with many
 * channels (mobilenet's last stages), split for their traffic rather
 * than their arithmetic, and a 5x5 on small planes of two images (VW
 * planes at a time, a slice's blocks crossing images) */
static void test_conv_depthwise(void **state)
{
	(void)state;
	/*                          n  c   h   w   oc oh ow kh kw sh sw ph pw dh dw groups */
	const rt_conv2d_params ps[] = {{2, 68, 56, 56, 68, 0, 0, 3, 3, 1, 1, 1, 1, 1, 1, 68},
	                               {2, 68, 57, 55, 68, 0, 0, 3, 3, 2, 2, 1, 1, 1, 1, 68},
	                               {1, 37, 45, 43, 37, 0, 0, 5, 5, 1, 1, 2, 2, 1, 1, 37},
	                               {1, 37, 45, 43, 37, 0, 0, 3, 3, 2, 1, 2, 2, 2, 2, 37},
	                               {1, 13, 40, 40, 13, 0, 0, 9, 9, 1, 1, 4, 4, 1, 1, 13},
	                               {1, 963, 7, 7, 963, 0, 0, 3, 3, 1, 1, 1, 1, 1, 1, 963},
	                               {1, 579, 15, 13, 579, 0, 0, 3, 3, 2, 2, 1, 1, 1, 1, 579},
	                               {2, 45, 9, 7, 45, 0, 0, 5, 5, 2, 2, 2, 2, 1, 1, 45}};
	for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
		Conv c = conv_case(ps[i], 1, 1, 1, i % 2 ? RT_ACT_RELU6 : RT_ACT_SIGMOID);
		same_for_any_threads(run_depthwise, &c, conv_out(&c));
		conv_free(&c);
	}
}

/* Winograd, its scratch an area per part (thread compiled for). */
typedef struct {
	Conv c;
	int m;         /* tile: F(m x m, 3 x 3) */
	int parts;     /* areas of scratch the call is given */
	float *scratch; /* THREAD_COUNTS areas */
} Wino;

/* same_for_any_parts on the case w with `floats` of scratch; frees it. */
static void same_for_any_parts_case(run_fn fn, Wino *w, size_t floats)
{
	w->scratch = malloc(floats * sizeof(float));
	assert_non_null(w->scratch);
	same_for_any_parts(fn, w, &w->parts, conv_out(&w->c));
	free(w->scratch);
	conv_free(&w->c);
}

static void run_winograd(const void *v, float *y)
{
	const Wino *w = v;
	rt_conv2d_winograd(&w->c.p, w->m, w->parts, w->c.x, w->c.w, &w->c.ep, y, w->scratch);
}

/* Whole blocks per thread (many tiles, 2 images), and one block whose
 * three steps are each split (few tiles, many channels), with F(2x2) and
 * F(4x4), odd sizes, residual and activation. */
static void test_winograd(void **state)
{
	(void)state;
	/*                          n  c    h   w   oc  oh ow kh kw sh sw ph pw dh dw groups */
	const rt_conv2d_params ps[] = {{2, 37, 30, 29, 64, 0, 0, 3, 3, 1, 1, 1, 1, 1, 1, 1},
	                               {1, 128, 14, 14, 128, 0, 0, 3, 3, 1, 1, 1, 1, 1, 1, 1},
	                               {1, 37, 17, 15, 13, 0, 0, 3, 3, 1, 1, 0, 0, 1, 1, 1},
	                               {1, 96, 9, 11, 77, 0, 0, 3, 3, 1, 1, 1, 1, 1, 1, 1}};
	for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
		for (int m = 2; m <= 4; m += 2) {
			rt_conv2d_params p = ps[i];
			Wino w = {conv_case(p, 1, 1, 0, m == 2 ? RT_ACT_RELU : RT_ACT_HARDSWISH), m, 1, NULL};
			free(w.c.w); /* the transformed kernels: a*a packed U[xi], any values */
			w.c.w = randoms((size_t)RT_WINOGRAD_WEIGHTS(m, p.c, p.oc), 2);
			same_for_any_parts_case(run_winograd, &w,
			                        THREAD_COUNTS * (size_t)RT_WINOGRAD_FLOATS(m, p.c, p.oc, w.c.p.oh, w.c.p.ow));
		}
	}
}

/* The stem, its scratch an area per part, as Winograd's. */
static void run_stem(const void *v, float *y)
{
	const Wino *w = v;
	rt_conv2d_stem(&w->c.p, w->parts, w->c.x, w->c.w, &w->c.ep, y, w->scratch);
}

/* resnet's 7x7 stride 2 on 3 channels (2 images, odd size), a 3x3
 * stride 2 and a dilated 5x5 on 1 and 4 channels */
static void test_stem(void **state)
{
	(void)state;
	/*                          n  c  h    w    oc oh ow kh kw sh sw ph pw dh dw groups */
	const rt_conv2d_params ps[] = {{2, 3, 61, 59, 64, 0, 0, 7, 7, 2, 2, 3, 3, 1, 1, 1},
	                               {1, 4, 113, 111, 37, 0, 0, 3, 3, 2, 2, 1, 1, 1, 1, 1},
	                               {1, 1, 64, 67, 13, 0, 0, 5, 5, 1, 1, 4, 4, 2, 2, 1}};
	for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
		Wino w = {conv_case(ps[i], 1, 1, 0, i == 1 ? RT_ACT_SILU : RT_ACT_RELU), 0, 1, NULL};
		const rt_conv2d_params *p = &w.c.p;
		same_for_any_parts_case(run_stem, &w,
		                        THREAD_COUNTS * (size_t)RT_STEM_FLOATS(p->c, p->kh, p->kw, p->sw, p->dw, p->ow));
	}
}

/* im2col + GEMM, its scratch an area per part unless the weights stream. */
static void run_im2col(const void *v, float *y)
{
	const Wino *w = v;
	rt_conv2d_gemm(&w->c.p, w->parts, w->c.x, w->c.w, &w->c.ep, y, w->scratch);
}

/* Blocks per part (3x3 stride 2 on 2 images; 4 groups), one block whose
 * unrolling is split (weights that stream: 64 -> 256 channels), 1x1
 * stride 2, and 1x1 read in place with a packed last column. */
static void test_im2col(void **state)
{
	(void)state;
	/*                          n  c   h   w   oc   oh ow kh kw sh sw ph pw dh dw groups */
	const rt_conv2d_params ps[] = {{2, 37, 29, 31, 64, 0, 0, 3, 3, 2, 2, 1, 1, 1, 1, 1},
	                               {1, 32, 30, 30, 48, 0, 0, 3, 3, 1, 1, 1, 1, 1, 1, 4},
	                               {1, 64, 28, 28, 256, 0, 0, 3, 3, 2, 2, 1, 1, 1, 1, 1},
	                               {1, 64, 56, 56, 128, 0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 1},
	                               {1, 64, 15, 15, 40, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1}};
	for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
		Wino w = {conv_case(ps[i], 1, 1, 0, i % 2 ? RT_ACT_RELU6 : RT_ACT_NONE), 0, 1, NULL};
		const rt_conv2d_params *p = &w.c.p;
		int cg = p->c / p->groups, og = p->oc / p->groups;
		free(w.c.w);
		w.c.w = randoms((size_t)RT_GEMM_PACKED(og, cg * p->kh * p->kw) * p->groups, 2);
		same_for_any_parts_case(run_im2col, &w,
		                        (size_t)RT_IM2COL_SCRATCH(og, cg, p->kh, p->kw, p->oh, p->ow, THREAD_COUNTS));
	}
}

/* ---- GEMM ------------------------------------------------------------ */

typedef struct {
	int m, n, k, ldb, ldc; /* ldb 0: B packed in strips */
	float *a, *b, *bias, *res;
	rt_epilogue ep;
} Gemm;

static Gemm gemm_case(int m, int n, int k, int in_place, int act)
{
	Gemm g = {m, n, k, in_place ? n + 3 : 0, n + 5, NULL, NULL, NULL, NULL, {0}};
	g.a = randoms((size_t)RT_GEMM_PACKED(m, k), 5);
	g.b = randoms(in_place ? (size_t)k * g.ldb : (size_t)(n + 15) / 16 * 16 * k, 6);
	g.bias = randoms((size_t)m, 7);
	g.res = randoms((size_t)m * g.ldc, 8);
	g.ep = (rt_epilogue){g.bias, g.res, act, 0.1f, 0.5f, NULL};
	return g;
}

static void run_gemm(const void *v, float *y)
{
	const Gemm *g = v;
	if (g->ldb)
		rt_gemm(g->m, g->n, g->k, g->a, g->b, g->ldb, y, g->ldc, &g->ep);
	else
		rt_gemm_packed(g->m, g->n, g->k, g->a, g->b, y, g->ldc, &g->ep);
}

/* Split by panels of rows (m large) and by groups of columns (m small),
 * B in place with a column tail and packed, each activation kind; one
 * column (a squeeze-excite's 1x1 on 1x1, split for the A it streams). */
static void test_gemm(void **state)
{
	(void)state;
	const int shapes[][3] = {{512, 49, 256}, {16, 3136, 96}, {37, 1001, 40}, {6, 75, 1}, {961, 1, 241}};
	for (int i = 0; i < 5; i++)
		for (int in_place = 0; in_place <= 1; in_place++) {
			Gemm g = gemm_case(shapes[i][0], shapes[i][1], shapes[i][2], in_place,
			                   in_place ? RT_ACT_RELU6 : RT_ACT_SIGMOID);
			same_for_any_threads(run_gemm, &g, (size_t)g.m * g.ldc);
			free(g.a), free(g.b), free(g.bias), free(g.res);
		}
}

/* ---- pools, batch norm, concat, reorders ----------------------------- */

typedef struct {
	rt_pool2d_params p;
	int cl, kind; /* chunk size; 0 max, 1 avg, 2 adaptive, 3 batch norm;
	                 NCHW: 4 max, 5 avg, 6 adaptive */
	float *x, *stats;
} Pool;

static void run_pool(const void *v, float *y)
{
	const Pool *c = v;
	const rt_pool2d_params *p = &c->p;
	if (c->kind == 0)
		rt_max_pool2d_cl(p, c->cl, c->x, y);
	else if (c->kind == 1)
		rt_avg_pool2d_cl(p, c->cl, c->x, y);
	else if (c->kind == 2)
		rt_adaptive_avg_pool2d_cl(p->n, p->c, p->h, p->w, p->oh, p->ow, c->cl, c->x, y);
	else if (c->kind == 4)
		rt_max_pool2d(p, c->x, y);
	else if (c->kind == 5)
		rt_avg_pool2d(p, c->x, y);
	else if (c->kind == 6)
		rt_adaptive_avg_pool2d(p->n, p->c, p->h, p->w, p->oh, p->ow, c->x, y);
	else if (c->kind == 3)
		rt_batch_norm_cl(p->n, p->c, p->h * p->w, c->cl, c->x, c->stats, c->stats + p->c, c->stats + 2 * p->c,
		                 c->stats + 3 * p->c, 1e-5f, y);
}

static void test_pools_and_batch_norm(void **state)
{
	(void)state;
	for (int kind = 0; kind < 7; kind++) /* 4-6: NCHW (one "chunk" of 1) */
		for (int cl = kind >= 4 ? 1 : 8; cl <= 68; cl += kind >= 4 ? 68 : 60) {
			/*                  n  c   h    w   oh  ow  kh kw sh sw ph pw inc */
			Pool c = {{2, 68, 112, 112, 56, 56, 3, 3, 2, 2, 1, 1, 0}, cl, kind, NULL, NULL};
			if (kind == 2 || kind == 6)
				c.p.oh = 7, c.p.ow = 5;
			if (kind == 3)
				c.p.oh = c.p.h, c.p.ow = c.p.w;
			c.x = randoms((size_t)RT_CL_FLOATS(2, 68, 112, 112, cl), 5);
			c.stats = randoms(4 * 68, 6);
			for (int i = 0; i < 68; i++)
				c.stats[3 * 68 + i] += 1.0f; /* variances > 0 */
			same_for_any_threads(run_pool, &c, (size_t)RT_CL_FLOATS(2, 68, c.p.oh, c.p.ow, cl));
			if (kind == 6) { /* a global pool of 13 odd planes, 75 x 75 */
				c.p.c = 13, c.p.h = c.p.w = 75, c.p.oh = c.p.ow = 1;
				same_for_any_threads(run_pool, &c, 2 * 13);
			}
			free(c.x), free(c.stats);
		}
}

typedef struct {
	int n, c, hw, cl_in, cl_out, c_total, c_off; /* c_total 0: a reorder */
	float *x;
} Move;

static void run_move(const void *v, float *y)
{
	const Move *m = v;
	if (m->c_total)
		rt_concat_part_cl(m->n, m->c, m->hw, m->cl_in, m->x, m->c_total, m->c_off, m->cl_out, y);
	else
		rt_reorder(m->n, m->c, m->hw, m->cl_in, m->x, m->cl_out, y);
}

static void test_concat_and_reorder(void **state)
{
	(void)state;
	/* concat of channels [12, 12 + 36) of 52, the last part: NCHW8c, NHWC */
	const int cls[][2] = {{8, 8}, {36, 52}};
	for (int i = 0; i < 2; i++) {
		Move m = {2, 36, 3000, cls[i][0], cls[i][1], 52, 16, NULL};
		m.x = randoms((size_t)RT_CL_FLOATS(2, 36, 1, 3000, m.cl_in), 7);
		size_t ny = (size_t)RT_CL_FLOATS(2, 52, 1, 3000, m.cl_out);
		/* the other channels are not written: same_for_any_threads' fill
		 * is the same on every run, so they compare equal too */
		same_for_any_threads(run_move, &m, ny);
		m.c_off = 12;
		same_for_any_threads(run_move, &m, ny);
		free(m.x);
	}
	const int ro[][2] = {{1, 8}, {8, 44}, {44, 1}, {1, 44}, {8, 1}};
	for (int i = 0; i < 5; i++) {
		Move m = {2, 44, 3100, ro[i][0], ro[i][1], 0, 0, NULL};
		m.x = randoms((size_t)RT_CL_FLOATS(2, 44, 1, 3100, m.cl_in), 8);
		same_for_any_threads(run_move, &m, (size_t)RT_CL_FLOATS(2, 44, 1, 3100, m.cl_out));
		free(m.x);
	}
}

/* ---- linear.c --------------------------------------------------------- */

typedef struct {
	int n, in, out;
	float *x, *w, *bias;
	rt_epilogue ep;
} Linear;

static void run_linear(const void *v, float *y)
{
	const Linear *l = v;
	rt_linear_ep(l->n, l->in, l->out, l->x, l->w, &l->ep, y);
}

static void test_linear(void **state)
{
	(void)state;
	/* batch 1 and 3; features not multiples of 4 rows or of a vector */
	const int shapes[][3] = {{1, 1280, 1000}, {3, 517, 1001}, {1, 37, 13}};
	for (int i = 0; i < 3; i++) {
		Linear l = {shapes[i][0], shapes[i][1], shapes[i][2], NULL, NULL, NULL, {0}};
		l.x = randoms((size_t)l.n * l.in, 11);
		l.w = randoms((size_t)l.out * l.in, 12);
		l.bias = randoms((size_t)l.out, 13);
		l.ep = (rt_epilogue){l.bias, NULL, i == 1 ? RT_ACT_RELU : RT_ACT_NONE, 0, 0, NULL};
		same_for_any_threads(run_linear, &l, (size_t)l.n * l.out);
		free(l.x), free(l.w), free(l.bias);
	}
}

/* ---- eltwise.c -------------------------------------------------------- */

typedef struct {
	int op;
	size_t count;
	float *a, *b;
} Elt;

static void run_elt(const void *v, float *y)
{
	const Elt *e = v;
	switch (e->op) {
	case 0: rt_relu(e->count, e->a, y); break;
	case 1: rt_relu6(e->count, e->a, y); break;
	case 2: rt_sigmoid(e->count, e->a, y); break;
	case 3: rt_tanh(e->count, e->a, y); break;
	case 4: rt_leaky_relu(e->count, 0.1f, e->a, y); break;
	case 5: rt_add(e->count, e->a, e->b, y); break;
	case 6: rt_copy(e->count, e->a, y); break;
	case 7: rt_batch_norm(2, 64, (int)(e->count / 128), e->a, e->b, e->b + 64, e->b + 128, e->b + 192, 1e-5f, y); break;
	default: rt_concat_part(2, 32, (int)(e->count / 128), 96, 32, e->a, y); break;
	}
}

static void test_eltwise(void **state)
{
	(void)state;
	Elt e = {0, 1000003, randoms(1000003, 9), randoms(1000003, 10)};
	for (int i = 0; i < 64; i++)
		e.b[192 + i] = 1.0f + e.b[192 + i] * e.b[192 + i]; /* batch norm's variances */
	for (e.op = 0; e.op <= 8; e.op++)
		same_for_any_threads(run_elt, &e, e.op == 8 ? 3 * e.count : e.count);
	free(e.a), free(e.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_cl),
		cmocka_unit_test(test_conv_dw_cl),
		cmocka_unit_test(test_conv_direct),
		cmocka_unit_test(test_conv_depthwise),
		cmocka_unit_test(test_winograd),
		cmocka_unit_test(test_stem),
		cmocka_unit_test(test_im2col),
		cmocka_unit_test(test_gemm),
		cmocka_unit_test(test_pools_and_batch_norm),
		cmocka_unit_test(test_concat_and_reorder),
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_eltwise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
