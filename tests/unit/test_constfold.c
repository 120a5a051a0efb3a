/*
 * test_constfold.c: passes/constfold.c on small graphs.
 *
 * Each test builds a graph, runs constfold and dce, and checks which ops
 * are left and what they read. That the removed ops really were the
 * identity is the golden test's part (tests/golden/nets/identities.lua
 * against PyTorch); here it is which ops go and which must stay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
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

/* An N x C x H x W input (or N x C when h == 0). */
static int input(Graph *g, int n, int c, int h, int w)
{
	int id = ir_add(g, OP_INPUT, NULL, 0, 1);
	Node *x = ir_node(g, id);
	x->rank = h ? 4 : 2;
	int d[4] = {n, c, h, w};
	for (int i = 0; i < x->rank; i++)
		x->shape[i] = d[i];
	g->input = id;
	char err[256];
	assert_true(ir_infer_node(g, id, err, sizeof err));
	return id;
}

static int add(Graph *g, Op op, const int *in, int nin, Attrs a)
{
	int id = ir_add(g, op, in, nin, g->n + 1);
	ir_node(g, id)->a = a;
	char err[256] = "";
	if (!ir_infer_node(g, id, err, sizeof err))
		fail_msg("%s refused: %s", op_name[op], err);
	return id;
}

static int add1(Graph *g, Op op, int x, Attrs a) { return add(g, op, &x, 1, a); }

static Attrs conv3x3(int oc)
{
	return (Attrs){.out_channels = oc, .kernel = {3, 3}, .stride = {1, 1}, .pad = {1, 1}, .dilation = {1, 1},
	               .groups = 1};
}

static Attrs pool(int k, int s, int p)
{
	return (Attrs){.kernel = {k, k}, .stride = {s, s}, .pad = {p, p}, .dilation = {1, 1}, .count_include_pad = true};
}

/* Runs the pass, checks the graph, compacts it; map[old id] = new id or -1. */
static int *run(Graph *g)
{
	int *map = arena_alloc(g->arena, (size_t)g->n * sizeof *map);
	constfold(g);
	ir_verify(g, "constfold");
	dce(g, map);
	ir_verify(g, "dce");
	return map;
}

/* Live ops of g in order, as "conv2d relu ...". */
static const char *ops(const Graph *g)
{
	static char buf[256];
	buf[0] = 0;
	for (int i = 0; i < g->n; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " " : "", op_name[g->nodes[i].op]);
	return buf;
}

static void test_dropout_and_unit_pools_go(void **state)
{
	Graph *g = *state;
	int x = input(g, 1, 3, 9, 7);
	int c = add1(g, OP_CONV2D, x, conv3x3(5));
	int d = add1(g, OP_DROPOUT, c, (Attrs){.p = 0.5});
	int m = add1(g, OP_MAX_POOL2D, d, pool(1, 1, 0));
	int a = add1(g, OP_AVG_POOL2D, m, pool(1, 1, 0));
	g->output = add1(g, OP_RELU, a, (Attrs){0});
	int *map = run(g);
	assert_string_equal(ops(g), "input conv2d relu");
	assert_int_equal(g->nodes[g->output].in[0], map[c]);
	assert_int_equal(map[d], -1);
	assert_int_equal(map[m], -1);
	assert_int_equal(map[a], -1);
}

static void test_pools_that_compute_stay(void **state)
{
	Graph *g = *state;
	int x = input(g, 1, 3, 9, 7);
	int s2 = add1(g, OP_MAX_POOL2D, x, pool(1, 2, 0)); /* subsamples: 3x5x4 */
	int p1 = add1(g, OP_MAX_POOL2D, s2, pool(1, 1, 0));
	Attrs padded = pool(1, 1, 0);
	padded.pad[0] = 0, padded.pad[1] = 0, padded.kernel[1] = 2; /* 1x2 window */
	int w2 = add1(g, OP_AVG_POOL2D, p1, padded);
	int ad = add1(g, OP_ADAPTIVE_AVG_POOL2D, w2, (Attrs){.out_size = {2, 3}}); /* 5x3 -> 2x3 */
	g->output = ad;
	run(g);
	assert_string_equal(ops(g), "input max_pool2d avg_pool2d adaptive_avg_pool2d");
}

static void test_adaptive_to_own_size_and_single_concat_go(void **state)
{
	Graph *g = *state;
	int x = input(g, 2, 4, 5, 6);
	int c = add1(g, OP_CONV2D, x, conv3x3(4));
	int ad = add1(g, OP_ADAPTIVE_AVG_POOL2D, c, (Attrs){.out_size = {5, 6}});
	int cat = add1(g, OP_CONCAT, ad, (Attrs){0});
	int f = add1(g, OP_FLATTEN, cat, (Attrs){0});
	int f2 = add1(g, OP_FLATTEN, f, (Attrs){0}); /* N x F already */
	g->output = add1(g, OP_LINEAR, f2, (Attrs){.out_features = 3, .bias = true});
	int *map = run(g);
	assert_string_equal(ops(g), "input conv2d flatten linear");
	assert_int_equal(map[ad], -1);
	assert_int_equal(map[cat], -1);
	assert_int_equal(g->nodes[map[f]].in[0], map[c]);
	assert_int_equal(map[f2], -1);
}

static void test_clamp_chains(void **state)
{
	Graph *g = *state;
	int x = input(g, 1, 3, 5, 5);
	int c = add1(g, OP_CONV2D, x, conv3x3(3));
	int r1 = add1(g, OP_RELU, c, (Attrs){0});
	int r2 = add1(g, OP_RELU, r1, (Attrs){0});   /* relu(relu) */
	int s1 = add1(g, OP_RELU6, r2, (Attrs){0});  /* relu6(relu): reads c */
	int s2 = add1(g, OP_RELU6, s1, (Attrs){0});  /* relu6(relu6) */
	int r3 = add1(g, OP_RELU, s2, (Attrs){0});   /* relu(relu6) */
	g->output = add1(g, OP_CONV2D, r3, conv3x3(2));
	int *map = run(g);
	assert_string_equal(ops(g), "input conv2d relu6 conv2d");
	assert_int_equal(map[r1], -1);
	assert_int_equal(map[r2], -1);
	assert_int_equal(g->nodes[map[s1]].in[0], map[c]);
	assert_int_equal(map[s2], -1);
	assert_int_equal(map[r3], -1);
	assert_int_equal(g->nodes[g->output].in[0], map[s1]);
}

static void test_relu_read_elsewhere_stays(void **state)
{
	Graph *g = *state;
	int x = input(g, 1, 3, 5, 5);
	int c = add1(g, OP_CONV2D, x, conv3x3(3));
	int r = add1(g, OP_RELU, c, (Attrs){0});
	int s = add1(g, OP_RELU6, r, (Attrs){0}); /* reads c now; r still feeds the add */
	g->output = add(g, OP_ADD, (int[]){s, r}, 2, (Attrs){0});
	int *map = run(g);
	assert_string_equal(ops(g), "input conv2d relu relu6 add");
	assert_int_equal(g->nodes[map[s]].in[0], map[c]);
	assert_int_equal(g->nodes[g->output].in[1], map[r]);
}

static void test_output_identity_of_input_stays(void **state)
{
	Graph *g = *state;
	int x = input(g, 1, 3, 5, 5);
	g->output = add1(g, OP_DROPOUT, x, (Attrs){.p = 0.1});
	run(g);
	/* the caller's output buffer must still be written */
	assert_string_equal(ops(g), "input dropout");
}

static void test_removed_output_moves_to_source(void **state)
{
	Graph *g = *state;
	int x = input(g, 1, 3, 5, 5);
	int c = add1(g, OP_CONV2D, x, conv3x3(4));
	g->output = add1(g, OP_DROPOUT, c, (Attrs){.p = 0.1});
	int *map = run(g);
	assert_string_equal(ops(g), "input conv2d");
	assert_int_equal(g->output, map[c]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dropout_and_unit_pools_go, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pools_that_compute_stay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adaptive_to_own_size_and_single_concat_go, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clamp_chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relu_read_elsewhere_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_identity_of_input_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_output_moves_to_source, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
