/*
 * test_algo.c: the algorithm pass (passes/algo.c) reserves, for each
 * conv, exactly the scratch its runtime kernel is documented to use.
 *
 * passes/algo.c takes the formulas from runtime/cnnrt.h itself; this
 * test checks that it hands them the right dimensions, on awkward
 * shapes, for every
 * algorithm that takes scratch: im2col (3x3 stride 2, 5x5 dilated,
 * grouped, few and many pixels, weights big enough that all columns are
 * unrolled at once), 1x1 as GEMM, Winograd F(2x2) and F(4x4), and the
 * stem. A kernel whose block grows without the compiler knowing
 * would overrun the next buffer of the static workspace, which no
 * sanitizer sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../runtime/cnnrt.h"
#include "cnnc.h"

/* One conv shape and the algorithm to force (ALGO_COUNT: auto). */
typedef struct {
	int c, h, w, oc, k, stride, pad, dilation, groups;
	Algo force;
} Case;

/* input [1, c, h, w] -> conv; the conv after choose_algos at -O2. */
static const Node *conv_after_algos(Graph *g, const Case *t)
{
	int x = ir_add(g, OP_INPUT, NULL, 0, 1);
	Node *in = ir_node(g, x);
	in->rank = 4;
	in->shape[0] = 1, in->shape[1] = t->c, in->shape[2] = t->h, in->shape[3] = t->w;
	g->input = x;
	int id = ir_add(g, OP_CONV2D, &x, 1, 2);
	ir_node(g, id)->a = (Attrs){.out_channels = t->oc, .kernel = {t->k, t->k}, .stride = {t->stride, t->stride},
	                            .pad = {t->pad, t->pad}, .dilation = {t->dilation, t->dilation},
	                            .groups = t->groups};
	char err[256];
	if (!ir_infer_node(g, id, err, sizeof err))
		fail_msg("conv refused: %s", err);
	g->output = id;
	choose_algos(g, 2, t->force, false);
	return &g->nodes[id];
}

/* 4 * the runtime's RT_*_FLOATS for node n's algorithm. */
static long long runtime_scratch(const Node *n, const Case *t)
{
	int cg = t->c / t->groups, oh = n->shape[2], ow = n->shape[3];
	switch (n->algo) {
	case ALGO_IM2COL:
	case ALGO_GEMM:
		return 4 * RT_IM2COL_FLOATS(t->oc / t->groups, cg, t->k, t->k, oh, ow);
	case ALGO_WINOGRAD2:
		return 4 * RT_WINOGRAD_FLOATS(2, t->c, t->oc, oh, ow);
	case ALGO_WINOGRAD4:
		return 4 * RT_WINOGRAD_FLOATS(4, t->c, t->oc, oh, ow);
	case ALGO_STEM:
		return 4 * RT_STEM_FLOATS(t->c, t->k, t->k, t->stride, t->dilation, ow);
	case ALGO_DIRECT:
	case ALGO_COUNT:
		break;
	}
	return 0;
}

static void test_scratch_matches_runtime(void **state)
{
	(void)state;
	const Case cases[] = {
		/* c    h    w   oc  k  s  p  d  g  force */
		{64, 56, 56, 128, 3, 2, 1, 1, 1, ALGO_IM2COL},  /* k = 576: one pair of strips */
		{3, 224, 224, 64, 3, 1, 1, 1, 1, ALGO_IM2COL},  /* k = 27: many strips */
		{13, 9, 7, 37, 5, 1, 4, 2, 1, ALGO_IM2COL},     /* 5x5 dilated, fewer pixels than a block */
		{36, 31, 29, 24, 3, 2, 0, 1, 4, ALGO_IM2COL},   /* grouped, odd sizes */
		{512, 14, 14, 512, 3, 2, 1, 1, 1, ALGO_COUNT},  /* 9.4 MB of weights: every column at once */
		{256, 28, 28, 256, 3, 2, 1, 1, 1, ALGO_COUNT},  /* 2.4 MB of weights, 1.8 MB of patches */
		{37, 19, 23, 397, 3, 2, 0, 1, 1, ALGO_IM2COL},  /* the big_weights golden net's conv */
		{512, 7, 7, 2048, 1, 1, 0, 1, 1, ALGO_COUNT},   /* 1x1 at 7x7: GEMM */
		{64, 56, 56, 256, 1, 1, 0, 1, 1, ALGO_COUNT},   /* 1x1 at 56x56 */
		{256, 14, 14, 256, 3, 1, 1, 1, 1, ALGO_WINOGRAD4},
		{37, 13, 11, 13, 3, 1, 1, 1, 1, ALGO_WINOGRAD2},
		{64, 56, 56, 64, 3, 1, 1, 1, 1, ALGO_COUNT},    /* auto: Winograd */
		{3, 224, 224, 64, 7, 2, 3, 1, 1, ALGO_COUNT},   /* resnet's stem */
		{3, 33, 35, 13, 3, 2, 0, 2, 1, ALGO_COUNT},     /* a dilated stem, padding 0 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		Graph *g = ir_new(arena_new(), "models/test.lua");
		const Node *n = conv_after_algos(g, &cases[i]);
		long long want = runtime_scratch(n, &cases[i]);
		if (n->scratch != want)
			fail_msg("case %zu (%s): compiler reserves %lld bytes, the runtime uses %lld", i,
			         algo_name[n->algo], n->scratch, want);
		if (cases[i].force == ALGO_IM2COL)
			assert_int_equal(n->algo, ALGO_IM2COL);
		arena_free(g->arena);
	}
}

/* The im2col scratch is one block, not the whole layer: resnet18's
 * layer2.0.conv1 (64 -> 128, 3x3 stride 2 at 56x56) needs 576 rows of 32
 * columns, 72 KB, where unrolling all 784 pixels would take 1.8 MB. */
static void test_im2col_is_one_block(void **state)
{
	(void)state;
	Graph *g = ir_new(arena_new(), "models/test.lua");
	const Case t = {64, 56, 56, 128, 3, 2, 1, 1, 1, ALGO_IM2COL};
	assert_int_equal(conv_after_algos(g, &t)->scratch, 4LL * 576 * 32);
	arena_free(g->arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scratch_matches_runtime),
		cmocka_unit_test(test_im2col_is_one_block),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
