/*
 * test_layout.c: the layout pass (passes/layout.c) on small IR.
 *
 * Each test builds a graph by hand (shapes inferred, algorithms chosen
 * as the pipeline would), runs choose_layouts and checks, node by node,
 * the layouts and where reorders were inserted:
 *   - everything agrees: no reorder at all;
 *   - a forced layout: reorders only at region borders (after the NCHW
 *     input, before flatten/linear, before the output), one per value and
 *     layout, shared by every reader;
 *   - the input and the output are NCHW whatever is forced;
 *   - --algo winograd keeps its convs NCHW, with reorders around them;
 *   - the map from old ids to new ones, and the padded sizes of NCHW8c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "cnnc.h"

static int setup(void **state)
{
	*state = ir_new(arena_new(), "models/test.lua");
	return 0;
}

static int teardown(void **state)
{
	Graph *g = *state;
	arena_free(g->arena);
	return 0;
}

static int input(Graph *g, int c, int h, int w)
{
	int id = ir_add(g, OP_INPUT, NULL, 0, 1);
	Node *n = ir_node(g, id);
	n->rank = 4;
	n->shape[0] = 1, n->shape[1] = c, n->shape[2] = h, n->shape[3] = w;
	g->input = id;
	return id;
}

static int add(Graph *g, Op op, const int *in, int nin, Attrs a)
{
	int id = ir_add(g, op, in, nin, g->n + 1);
	ir_node(g, id)->a = a;
	char err[256];
	if (!ir_infer_node(g, id, err, sizeof err))
		fail_msg("%s refused: %s", op_name[op], err);
	return id;
}

static int add1(Graph *g, Op op, int x, Attrs a) { return add(g, op, &x, 1, a); }

static Attrs conv(int oc, int k, int s, int p, int groups)
{
	return (Attrs){.out_channels = oc, .kernel = {k, k}, .stride = {s, s}, .pad = {p, p}, .dilation = {1, 1},
	               .groups = groups};
}

/* Number of reorder nodes. */
static int reorders(const Graph *g)
{
	int r = 0;
	for (int i = 0; i < g->n; i++)
		r += g->nodes[i].op == OP_REORDER;
	return r;
}

/* conv -> relu -> conv, output: with NCHW forced nothing changes. */
static void test_all_agree(void **state)
{
	Graph *g = *state;
	int x = input(g, 3, 9, 7);
	int c1 = add1(g, OP_CONV2D, x, conv(8, 3, 1, 1, 1));
	int r = add1(g, OP_RELU, c1, (Attrs){0});
	g->output = add1(g, OP_CONV2D, r, conv(4, 1, 1, 0, 1));
	choose_algos(g, 2, ALGO_COUNT);
	int *map = choose_layouts(g, LAYOUT_NCHW, false);
	ir_verify(g, "layout");
	assert_int_equal(g->n, 4);
	assert_int_equal(reorders(g), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(map[i], i);
		assert_int_equal(g->nodes[i].layout, LAYOUT_NCHW);
	}
}

/* input -> conv -> relu -> maxpool -> flatten -> linear, NHWC forced:
 * one reorder after the input, one before flatten, none inside. */
static void test_region_borders(void **state)
{
	Graph *g = *state;
	int x = input(g, 3, 9, 7);
	int c = add1(g, OP_CONV2D, x, conv(13, 3, 2, 1, 1));
	int r = add1(g, OP_RELU, c, (Attrs){0});
	int p = add1(g, OP_MAX_POOL2D, r, (Attrs){.kernel = {2, 2}, .stride = {2, 2}, .dilation = {1, 1}});
	int f = add1(g, OP_FLATTEN, p, (Attrs){0});
	g->output = add1(g, OP_LINEAR, f, (Attrs){.out_features = 5});
	choose_algos(g, 2, ALGO_COUNT);
	int *map = choose_layouts(g, LAYOUT_NHWC, false);
	ir_verify(g, "layout");
	assert_int_equal(reorders(g), 2);
	/* x, x.to_nhwc, conv, relu, pool, pool.to_nchw, flatten, linear */
	assert_int_equal(g->n, 8);
	assert_int_equal(g->nodes[1].op, OP_REORDER);
	assert_int_equal(g->nodes[1].layout, LAYOUT_NHWC);
	assert_int_equal(g->nodes[1].in[0], 0);
	assert_string_equal(g->nodes[1].name, "input_0.to_nhwc");
	assert_int_equal(map[c], 2);
	assert_int_equal(g->nodes[2].layout, LAYOUT_NHWC);
	assert_int_equal(g->nodes[2].in[0], 1);
	assert_int_equal(g->nodes[2].algo, ALGO_DIRECT); /* the chunked direct kernel */
	assert_int_equal(g->nodes[2].scratch, 0);
	assert_int_equal(g->nodes[map[r]].layout, LAYOUT_NHWC);
	assert_int_equal(g->nodes[map[p]].layout, LAYOUT_NHWC);
	assert_int_equal(g->nodes[5].op, OP_REORDER);
	assert_int_equal(g->nodes[5].layout, LAYOUT_NCHW);
	assert_int_equal(g->nodes[map[f]].in[0], 5);
	assert_int_equal(g->nodes[map[f]].layout, LAYOUT_NCHW);
	assert_int_equal(g->output, 7);
	assert_int_equal(g->input, 0);
}

/* The output in a chunked layout gets a reorder back to NCHW, which
 * becomes the output; a value read twice is reordered once. */
static void test_output_nchw_shared_reorder(void **state)
{
	Graph *g = *state;
	int x = input(g, 13, 5, 5);
	int a = add(g, OP_ADD, (int[]){x, x}, 2, (Attrs){0});
	int b = add1(g, OP_CONV2D, x, conv(13, 1, 1, 0, 1));
	g->output = add(g, OP_CONCAT, (int[]){a, b, x}, 3, (Attrs){0});
	choose_algos(g, 2, ALGO_COUNT);
	int *map = choose_layouts(g, LAYOUT_NCHW8C, false);
	ir_verify(g, "layout");
	assert_int_equal(reorders(g), 2); /* x -> nchw8c (read 4 times), concat -> nchw */
	const Node *xa = &g->nodes[map[a]];
	assert_int_equal(xa->in[0], 1);
	assert_int_equal(xa->in[1], 1);
	assert_int_equal(g->nodes[map[b]].in[0], 1);
	assert_int_equal(g->nodes[map[b]].algo, ALGO_GEMM); /* 1x1 as a GEMM over pixels */
	assert_int_equal(g->nodes[map[a]].layout, LAYOUT_NCHW8C);
	const Node *out = &g->nodes[g->output];
	assert_int_equal(out->op, OP_REORDER);
	assert_int_equal(out->layout, LAYOUT_NCHW);
	assert_int_equal(g->nodes[out->in[0]].op, OP_CONCAT);
	/* 39 channels padded to 40 in NCHW8c */
	assert_int_equal(layout_numel(&g->nodes[out->in[0]]), 40 * 25);
	assert_int_equal(layout_numel(out), 39 * 25);
	assert_int_equal(layout_chunk(&g->nodes[out->in[0]]), 8);
}

/* --algo winograd: the Winograd conv stays NCHW between chunked
 * neighbours; the depthwise conv after it goes chunked. */
static void test_kept_algorithm(void **state)
{
	Graph *g = *state;
	int x = input(g, 16, 12, 12);
	int c1 = add1(g, OP_CONV2D, x, conv(16, 1, 1, 0, 1));
	int w = add1(g, OP_CONV2D, c1, conv(16, 3, 1, 1, 1));
	int d = add1(g, OP_CONV2D, w, conv(16, 3, 1, 1, 16));
	g->output = add1(g, OP_RELU, d, (Attrs){0});
	choose_algos(g, 2, ALGO_WINOGRAD4);
	assert_true(ALGO_WINOGRAD_TILE(g->nodes[w].algo) > 0);
	int *map = choose_layouts(g, LAYOUT_NHWC, true);
	ir_verify(g, "layout");
	assert_int_equal(g->nodes[map[c1]].layout, LAYOUT_NHWC);
	assert_int_equal(g->nodes[map[w]].layout, LAYOUT_NCHW);
	assert_true(ALGO_WINOGRAD_TILE(g->nodes[map[w]].algo) > 0);
	assert_int_equal(g->nodes[map[d]].layout, LAYOUT_NHWC);
	/* x->nhwc, c1->nchw, w->nhwc, relu->nchw */
	assert_int_equal(reorders(g), 4);
	assert_int_equal(g->nodes[g->output].layout, LAYOUT_NCHW);
}

/* auto on a net of one small conv: NCHW, no reorders, and a note. */
static void test_auto_small(void **state)
{
	Graph *g = *state;
	int x = input(g, 3, 8, 8);
	g->output = add1(g, OP_CONV2D, x, conv(4, 3, 1, 1, 1));
	choose_algos(g, 2, ALGO_COUNT);
	choose_layouts(g, LAYOUT_COUNT, false);
	ir_verify(g, "layout");
	assert_int_equal(reorders(g), 0);
	assert_non_null(g->layout_note);
	assert_non_null(strstr(g->layout_note, "auto: nchw"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_borders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_nchw_shared_reorder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_algorithm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_small, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
