/*
 * test_layout.c: what the layout pass (passes/layout.c) leaves that an IR
 * dump does not show.
 *
 * Where reorders go and which layout each node gets is checked as text by
 * the pass tests (tests/passes/layout_*.lua: forced layouts, region
 * borders, shared reorders, NCHW input and output, kept algorithms, auto).
 * Here, through the API:
 *   - the padded sizes of NCHW8c (layout_numel, layout_chunk), which the
 *     memory plan sizes buffers by;
 *   - auto's note for the report on a net of one small conv.
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

/*
 * The padded sizes of NCHW8c: a concat of 13 + 13 + 13 channels, forced
 * into blocks of 8, takes 40 channels of storage and its NCHW reorder 39.
 * (Where the reorders go is the dump's part: tests/passes/layout_*.lua.)
 */
static void test_blocked_padded_sizes(void **state)
{
	Graph *g = *state;
	int x = input(g, 13, 5, 5);
	int a = add(g, OP_ADD, (int[]){x, x}, 2, (Attrs){0});
	int b = add1(g, OP_CONV2D, x, conv(13, 1, 1, 0, 1));
	g->output = add(g, OP_CONCAT, (int[]){a, b, x}, 3, (Attrs){0});
	choose_algos(g, 2, ALGO_COUNT, false);
	choose_layouts(g, LAYOUT_NCHW8C, false);
	ir_verify(g, "layout");
	const Node *out = &g->nodes[g->output];
	assert_int_equal(out->op, OP_REORDER);
	const Node *cat = &g->nodes[out->in[0]];
	assert_int_equal(cat->op, OP_CONCAT);
	assert_int_equal(cat->layout, LAYOUT_NCHW8C);
	assert_int_equal(layout_chunk(cat), 8);
	assert_int_equal(layout_numel(cat), 40 * 25);
	assert_int_equal(layout_chunk(out), 1);
	assert_int_equal(layout_numel(out), 39 * 25);
}

/* auto on a net of one small conv: NCHW, no reorders, and a note. */
static void test_auto_small(void **state)
{
	Graph *g = *state;
	int x = input(g, 3, 8, 8);
	g->output = add1(g, OP_CONV2D, x, conv(4, 3, 1, 1, 1));
	choose_algos(g, 2, ALGO_COUNT, false);
	choose_layouts(g, LAYOUT_COUNT, false);
	ir_verify(g, "layout");
	assert_int_equal(g->n, 2); /* no reorder */
	assert_non_null(g->layout_note);
	assert_non_null(strstr(g->layout_note, "auto: nchw"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blocked_padded_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_small, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
