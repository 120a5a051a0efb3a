/*
 * test_acts.c: every activation of runtime/acts.def, through every kernel
 * that applies one.
 *
 * The table is iterated, not listed: a new row is tested here without a
 * line of this file changing.
 *
 *   - test_formulas: each row's scalar and vector formulas (act.h) give
 *     the same bits on awkward inputs (signed zeros, 6, infinities, NaN,
 *     huge and tiny values, both sides of vexp.h's fast path), as do
 *     rt_act and the elementwise kernel rt_<name>: a kernel may store a
 *     row's whole vectors through one formula and its ragged end through
 *     the other.
 *   - test_eltwise_ends: rt_<name> in place on counts with ragged ends.
 *   - test_fused: each kernel with the activation in its epilogue gives
 *     the same bits as the kernel without it followed by rt_act on every
 *     output: GEMM (in place and packed), im2col, direct, stem, the five
 *     depthwise paths, Winograd F(2x2) and F(4x4), the channel-chunked
 *     conv and depthwise (NHWC and NCHW8c), and rt_epilogue_row. Weights
 *     are random floats of the right count: what they mean does not
 *     matter, only that both runs see the same ones.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "act.h"
#include "cnnrt.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* The parameters (p, q) each row is run with: p 0 and 1 pick gelu's two
 * choices; p <= q always, as hardtanh's range requires; a bound of -0
 * (hardtanh(-0, 0) of a negative x is -0, in every form). */
static const float params[][2] = {{0, 0.5f}, {1, 6}, {-0.1f, 0.1f}, {0.1f, 0.1f}, {-0.0f, 0}};

/* Every activation id: RT_ACT_NONE, then the rows of acts.def. */
static const int acts[] = {
	RT_ACT_NONE,
#define ACT(ID, name, kind) RT_ACT_##ID,
#include "acts.def"
};

/* Row names, for messages. */
static const char *const act_names[] = {
	"none",
#define ACT(ID, name, kind) #name,
#include "acts.def"
};

/* The elementwise kernel of act over count floats (RT_ACT_NONE: a copy),
 * with the parameters p and q of the rows that have them. */
static void eltwise(int act, float p, float q, size_t count, const float *x, float *y)
{
	switch ((rt_act_id)act) {
	case RT_ACT_NONE:
		rt_copy(count, x, y);
		break;
#define ACT(ID, name, kind)               \
	case RT_ACT_##ID:                 \
		rt_##name(count, x, y);   \
		break;
#define ACT_P(ID, name, kind, option, dflt) \
	case RT_ACT_##ID:                   \
		rt_##name(count, p, x, y); \
		break;
#define ACT_P2(ID, name, kind, option, dflt, option2, dflt2) \
	case RT_ACT_##ID:                                     \
		rt_##name(count, p, q, x, y);                 \
		break;
#include "acts.def"
	}
}

/* Same bits, or both NaN. */
static int same(float a, float b)
{
	return memcmp(&a, &b, sizeof a) == 0 || (a != a && b != b);
}

static uint32_t rng = 12345;

static float uniform(void) /* in [-1, 1) */
{
	rng = rng * 1664525u + 1013904223u;
	return (float)(rng >> 8) / (float)(1 << 23) - 1.0f;
}

static float *randoms(size_t n, float scale)
{
	float *p = malloc((n ? n : 1) * sizeof *p);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = scale * uniform();
	return p;
}

static void test_formulas(void **state)
{
	(void)state;
	float x[64] = {0.0f, -0.0f, 1, -1, 0.5f, -0.5f, 5.9f, 6, 6.1f, 7, -7, 20, -20, 88, -88, 100, -100,
	               1e-30f, -1e-30f, 1e30f, -1e30f, INFINITY, -INFINITY, NAN, -NAN, 1e-45f, -1e-45f};
	for (size_t i = 27; i < NELEM(x); i++)
		x[i] = 10 * uniform();
	/* vexp.h's fast path ends at |x| = 86.5: lanes 32 and 33 on it, in a
	 * vector that takes it; 40 and 48 just past it, each making its
	 * vector take the wide path, whose other lanes must still give the
	 * scalar form's (fast) bits */
	x[32] = 86.5f, x[33] = -86.5f, x[40] = nextafterf(86.5f, 100), x[48] = -nextafterf(86.5f, 100);
	for (size_t a = 0; a < NELEM(acts); a++)
		for (size_t k = 0; k < NELEM(params); k++) {
			float p = params[k][0], q = params[k][1];
			rt_epilogue ep = {NULL, NULL, acts[a], p, q, NULL};
			float v[NELEM(x)], e[NELEM(x)];
			for (size_t i = 0; i < NELEM(x); i += VW) {
				vf t;
				LOADV(t, x + i);
				t = act_vec(acts[a], p, q, t);
				STOREV(v + i, t);
			}
			eltwise(acts[a], p, q, NELEM(x), x, e);
			for (size_t i = 0; i < NELEM(x); i++) {
				float s = act_scalar(acts[a], p, q, x[i]);
				if (!same(s, v[i]) || !same(s, rt_act(&ep, x[i])) || !same(s, e[i])) {
					print_error("%s(%.9g), p %g, q %g: scalar %.9g, vector %.9g, rt_act %.9g, rt_%s %.9g\n",
					            act_names[a], (double)x[i], (double)p, (double)q, (double)s, (double)v[i],
					            (double)rt_act(&ep, x[i]), act_names[a], (double)e[i]);
					fail();
				}
			}
		}
}

/* The elementwise kernels' ragged ends: rt_<name> in place over counts
 * that leave 1 to VW - 1 values past the last whole vector, from an
 * unaligned start, gives each value the scalar formula's bits. */
static void test_eltwise_ends(void **state)
{
	(void)state;
	static const size_t counts[] = {1, VW - 1, VW + 3, 3 * VW + 5};
	enum { LEN = 3 * VW + 6 }; /* the largest count, after one float */
	float *src = randoms(LEN, 12);
	src[3] = 90, src[3 * VW + 2] = -95; /* vexp's wide path in a vector and in the end */
	for (size_t a = 0; a < NELEM(acts); a++)
		for (size_t k = 0; k < NELEM(params); k++)
			for (size_t c = 0; c < NELEM(counts); c++) {
				float p = params[k][0], q = params[k][1], y[LEN];
				memcpy(y, src, sizeof y);
				eltwise(acts[a], p, q, counts[c], y + 1, y + 1);
				for (size_t i = 0; i < counts[c]; i++) {
					float want = act_scalar(acts[a], p, q, src[i + 1]);
					if (!same(y[i + 1], want)) {
						print_error("rt_%s over %zu floats, [%zu] = %.9g: %.9g, want %.9g\n",
						            act_names[a], counts[c], i, (double)src[i + 1],
						            (double)y[i + 1], (double)want);
						fail();
					}
				}
			}
	free(src);
}

/* One kernel call: y = kernel(inputs of ctx) with the epilogue ep. */
typedef void Kernel(const void *ctx, const rt_epilogue *ep, float *y);

/* Kernel k on ctx with each activation fused (bias and residual given)
 * against the same without it, then rt_act on each of the ny outputs. */
static void check_fused(const char *what, Kernel *k, const void *ctx, const float *bias, size_t ny)
{
	float *res = randoms(ny, 4), *want = malloc(ny * sizeof *want), *got = malloc(ny * sizeof *got);
	assert_true(want && got);
	for (size_t a = 0; a < NELEM(acts); a++) {
		for (size_t j = 0; j < 2; j++) { /* gelu's two choices, hardtanh's range around 0 and not */
			const float *pq = params[j ? 2 : 0];
			rt_epilogue plain = {bias, res, RT_ACT_NONE, 0, 0, NULL},
			            ep = {bias, res, acts[a], pq[0], pq[1], NULL};
			k(ctx, &plain, want);
			for (size_t i = 0; i < ny; i++)
				want[i] = rt_act(&ep, want[i]);
			memset(got, 0xff, ny * sizeof *got);
			k(ctx, &ep, got);
			for (size_t i = 0; i < ny; i++)
				if (!same(got[i], want[i])) {
					print_error("%s, %s (p %g, q %g): output %zu of %zu: fused %.9g, then %.9g\n", what,
					            act_names[a], (double)pq[0], (double)pq[1], i, ny, (double)got[i], (double)want[i]);
					fail();
				}
		}
	}
	free(res), free(want), free(got);
}

/* ---- the kernels ---------------------------------------------------- */

/* A GEMM: A [m, k] packed, B [k, n] in place (ldb = n) or packed in strips. */
typedef struct {
	int m, n, k;        /* C [m, n] = A [m, k] B [k, n] */
	const float *a, *b; /* A packed in panels; B as packed says */
	int packed;         /* 1: B in strips of 16 (rt_gemm_packed); 0: rows of n */
} Gemm;

static void gemm(const void *ctx, const rt_epilogue *ep, float *y)
{
	const Gemm *g = ctx;
	if (g->packed)
		rt_gemm_packed(g->m, g->n, g->k, g->a, g->b, y, g->n, ep);
	else
		rt_gemm(g->m, g->n, g->k, g->a, g->b, g->n, y, g->n, ep);
}

/* A convolution by one of the NCHW kernels, or a chunked one. */
typedef struct {
	rt_conv2d_params p; /* the sizes */
	enum { IM2COL, DIRECT, STEM, DEPTHWISE, WINO2, WINO4, CONV_CL, DW_CL } kernel; /* which kernel */
	int cl_in, cl_out;  /* chunked kernels: chunk sizes of input and output */
	const float *x, *w; /* input, weights (as many floats as the kernel reads) */
	float *scratch;     /* the kernel's scratch, if it needs one */
} Conv;

static void conv(const void *ctx, const rt_epilogue *ep, float *y)
{
	const Conv *c = ctx;
	switch (c->kernel) {
	case IM2COL:
		rt_conv2d_gemm(&c->p, 1, c->x, c->w, ep, y, c->scratch);
		break;
	case DIRECT:
		rt_conv2d_direct_ep(&c->p, c->x, c->w, ep, y);
		break;
	case STEM:
		rt_conv2d_stem(&c->p, 1, c->x, c->w, ep, y, c->scratch);
		break;
	case DEPTHWISE:
		rt_conv2d_depthwise(&c->p, c->x, c->w, ep, y);
		break;
	case WINO2:
	case WINO4:
		rt_conv2d_winograd(&c->p, c->kernel == WINO2 ? 2 : 4, 1, c->x, c->w, ep, y, c->scratch);
		break;
	case CONV_CL:
		rt_conv2d_cl(&c->p, c->cl_in, c->cl_out, c->x, c->w, ep, y);
		break;
	case DW_CL:
		rt_conv2d_dw_cl(&c->p, c->cl_in, c->x, c->w, ep, y);
		break;
	}
}

/* One row of the epilogue applied in place: y starts as src. */
typedef struct {
	const float *src; /* the row before the epilogue */
	int n;            /* its length */
} Row;

static void row(const void *ctx, const rt_epilogue *ep, float *y)
{
	const Row *r = ctx;
	memcpy(y, r->src, (size_t)r->n * sizeof *y);
	rt_epilogue_row(ep, 0, y, ep->residual, ep->bias ? ep->bias[0] : 0, r->n);
}

static void test_fused_gemm(void **state)
{
	(void)state;
	for (int packed = 0; packed <= 1; packed++) {
		int m = 13, n = 37, k = 20;
		float *a = randoms((size_t)RT_GEMM_PACKED(m, k), 1);
		float *b = randoms((size_t)(n + 15) / 16 * 16 * k, 1), *bias = randoms((size_t)m, 1);
		Gemm g = {m, n, k, a, b, packed};
		check_fused(packed ? "rt_gemm_packed" : "rt_gemm", gemm, &g, bias, (size_t)m * n);
		free(a), free(b), free(bias);
	}
}

/* A convolution on [n, c, h, w] to oc channels, kernel k x k, stride s,
 * padding pad, dilation d, groups, by kernel (chunks of cl channels;
 * 0: NHWC). */
static void conv_case(const char *what, int kernel, int cl, int n, int c, int h, int w, int oc, int k, int s,
                      int pad, int d, int groups)
{
	int oh = (h + 2 * pad - d * (k - 1) - 1) / s + 1, ow = (w + 2 * pad - d * (k - 1) - 1) / s + 1;
	int cl_in = cl ? cl : c, cl_out = cl ? cl : oc;
	Conv cv = {{n, c, h, w, oc, oh, ow, k, k, s, s, pad, pad, d, d, groups}, kernel, cl_in, cl_out, NULL, NULL, NULL};
	size_t nw = (size_t)oc * (c / groups) * k * k, nx = (size_t)n * c * h * w, ny = (size_t)n * oc * oh * ow;
	long long ns = 0;
	switch (kernel) {
	case IM2COL:
		nw = (size_t)groups * RT_GEMM_PACKED(oc / groups, c / groups * k * k);
		ns = RT_IM2COL_FLOATS(oc / groups, c / groups, k, k, oh, ow);
		break;
	case STEM:
		ns = RT_STEM_FLOATS(c, k, k, s, d, ow);
		break;
	case WINO2:
	case WINO4:
		nw = (size_t)RT_WINOGRAD_WEIGHTS(kernel == WINO2 ? 2 : 4, c, oc);
		ns = RT_WINOGRAD_FLOATS(kernel == WINO2 ? 2 : 4, c, oc, oh, ow);
		break;
	case CONV_CL:
		nw = (size_t)(oc + RT_CONV_CL_STRIP - 1) / RT_CONV_CL_STRIP * k * k * rt_conv_cl_span(c, oc, groups) *
		     RT_CONV_CL_STRIP;
		nx = (size_t)RT_CL_FLOATS(n, c, h, w, cl_in);
		ny = (size_t)RT_CL_FLOATS(n, oc, oh, ow, cl_out);
		break;
	case DW_CL:
		nw = (size_t)(c + cl_in - 1) / cl_in * k * k * cl_in;
		nx = (size_t)RT_CL_FLOATS(n, c, h, w, cl_in);
		ny = (size_t)RT_CL_FLOATS(n, oc, oh, ow, cl_out);
		break;
	default:
		break;
	}
	float *x = randoms(nx, 1), *wt = randoms(nw, 1), *bias = randoms((size_t)oc, 1);
	cv.x = x, cv.w = wt, cv.scratch = randoms((size_t)ns, 0);
	check_fused(what, conv, &cv, bias, ny);
	free(x), free(wt), free(bias), free(cv.scratch);
}

static void test_fused_conv(void **state)
{
	(void)state;
	conv_case("im2col 3x3 s2", IM2COL, 1, 1, 5, 11, 13, 13, 3, 2, 1, 1, 1);
	conv_case("im2col grouped", IM2COL, 1, 2, 6, 7, 9, 9, 3, 1, 1, 1, 3);
	conv_case("direct", DIRECT, 1, 1, 3, 7, 9, 5, 3, 1, 1, 1, 1);
	conv_case("stem 7x7 s2", STEM, 1, 1, 3, 23, 29, 13, 7, 2, 3, 1, 1);
	conv_case("stem 3x3 s2", STEM, 1, 2, 3, 17, 70, 8, 3, 2, 1, 1, 1);
	conv_case("depthwise flat", DEPTHWISE, 1, 1, 5, 9, 13, 5, 3, 1, 1, 1, 5);
	conv_case("depthwise s2 even width", DEPTHWISE, 1, 1, 5, 10, 18, 5, 3, 2, 1, 1, 5); /* ow 9: a whole vector and a part */
	conv_case("depthwise s2", DEPTHWISE, 1, 1, 3, 9, 300, 3, 3, 2, 1, 1, 3);
	conv_case("depthwise rows 3x3 d2", DEPTHWISE, 1, 2, 3, 11, 15, 3, 3, 1, 2, 2, 3);
	conv_case("depthwise rows 5x5", DEPTHWISE, 1, 1, 3, 11, 15, 3, 5, 1, 2, 1, 3);
	conv_case("depthwise general 9x9", DEPTHWISE, 1, 1, 3, 12, 14, 3, 9, 1, 4, 1, 3);
	conv_case("winograd F(2x2)", WINO2, 1, 1, 13, 11, 9, 14, 3, 1, 1, 1, 1);
	conv_case("winograd F(4x4)", WINO4, 1, 1, 13, 11, 9, 14, 3, 1, 1, 1, 1);
	conv_case("conv_cl NHWC", CONV_CL, 0, 1, 13, 7, 9, 19, 3, 1, 1, 1, 1);
	conv_case("conv_cl NCHW8c", CONV_CL, 8, 1, 13, 7, 9, 19, 3, 2, 1, 1, 1);
	conv_case("dw_cl NHWC", DW_CL, 0, 1, 13, 7, 9, 13, 3, 1, 1, 1, 13);
	conv_case("dw_cl NCHW8c", DW_CL, 8, 1, 13, 7, 9, 13, 3, 2, 1, 1, 13);
}

static void test_fused_row(void **state)
{
	(void)state;
	for (int n = 1; n <= 2 * VW + 3; n += VW + 1) {
		float *src = randoms((size_t)n, 8), bias[1] = {0.5f};
		Row r = {src, n};
		check_fused("rt_epilogue_row", row, &r, bias, (size_t)n);
		free(src);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formulas),
		cmocka_unit_test(test_eltwise_ends),
		cmocka_unit_test(test_fused_gemm),
		cmocka_unit_test(test_fused_conv),
		cmocka_unit_test(test_fused_row),
	};
	return cmocka_run_group_tests_name("activations", tests, NULL, NULL) ? 1 : 0;
}
