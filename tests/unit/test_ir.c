/*
 * test_ir.c: the IR's shape rules, parameter specs and costs.
 *
 * Each test builds a small graph with ir_new/ir_add, sets the options the
 * front end would, and checks ir_infer_node against PyTorch's formulas
 * (torch.nn.functional; pools: ATen's pooling_output_shape). Expected
 * numbers are literals worked out by hand next to each check:
 *
 *   conv/pool: out = floor((in + 2p - d(k-1) - 1 + (ceil ? s-1 : 0)) / s) + 1,
 *              and with ceil_mode, out -= 1 when (out-1)*s >= in + p
 *              (the last window must start inside the input or left pad).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "cnnc.h"

/* ---- helpers -------------------------------------------------------- */

static int setup(void **state)
{
	Arena *a = arena_new();
	*state = ir_new(a, "models/test.lua");
	return 0;
}

static int teardown(void **state)
{
	Graph *g = *state;
	arena_free(g->arena);
	return 0;
}

static int input(Graph *g, int rank, int d0, int d1, int d2, int d3)
{
	int id = ir_add(g, OP_INPUT, NULL, 0, 1);
	Node *n = ir_node(g, id);
	int d[4] = {d0, d1, d2, d3};
	n->rank = rank;
	for (int i = 0; i < rank; i++)
		n->shape[i] = d[i];
	g->input = id;
	char err[256];
	assert_true(ir_infer_node(g, id, err, sizeof err));
	return id;
}

/* Adds op over inputs with options a; returns its id after inference,
 * or -1 with the message in err when inference refuses. */
static int try_add(Graph *g, Op op, const int *in, int nin, Attrs a, char *err, size_t size)
{
	int id = ir_add(g, op, in, nin, g->n + 1);
	ir_node(g, id)->a = a;
	return ir_infer_node(g, id, err, size) ? id : -1;
}

static int add(Graph *g, Op op, const int *in, int nin, Attrs a)
{
	char err[256] = "";
	int id = try_add(g, op, in, nin, a, err, sizeof err);
	if (id < 0)
		fail_msg("%s refused: %s", op_name[op], err);
	return id;
}

static int add1(Graph *g, Op op, int x, Attrs a) { return add(g, op, &x, 1, a); }

/* flatten's options as the front end fills them: start_dim 1, end_dim -1. */
static const Attrs FLAT = {.start_dim = 1, .end_dim = -1};

/* conv2d options as the front end fills them (pairs are h, w). */
static Attrs conv(int oc, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups, bool bias)
{
	return (Attrs){.out_channels = oc, .kernel = {kh, kw}, .stride = {sh, sw}, .pad = {ph, pw},
	               .dilation = {dh, dw}, .groups = groups, .bias = bias};
}

static Attrs pool(int k, int s, int p, bool ceil_mode)
{
	return (Attrs){.kernel = {k, k}, .stride = {s, s}, .pad = {p, p}, .dilation = {1, 1},
	               .ceil_mode = ceil_mode, .count_include_pad = true};
}

static void shape_is(Graph *g, int id, int rank, int d0, int d1, int d2, int d3)
{
	const Node *n = ir_node(g, id);
	int d[4] = {d0, d1, d2, d3};
	char buf[64], want[64];
	if (rank == 4)
		snprintf(want, sizeof want, "%dx%dx%dx%d", d[0], d[1], d[2], d[3]);
	else
		snprintf(want, sizeof want, "%dx%d", d[0], d[1]);
	assert_string_equal(ir_shape_str(n, buf, sizeof buf), want);
	assert_int_equal(n->rank, rank);
}

/* H of a max_pool2d over an N x 1 x H x H input. */
static int pool_out(Graph *g, int h, int k, int s, int p, bool ceil_mode)
{
	int x = input(g, 4, 1, 1, h, h);
	int y = add1(g, OP_MAX_POOL2D, x, pool(k, s, p, ceil_mode));
	return ir_node(g, y)->shape[2];
}

/* ---- conv2d --------------------------------------------------------- */

static void test_conv_resnet_stem(void **state)
{
	Graph *g = *state;
	int x = input(g, 4, 1, 3, 224, 224);
	/* torchvision resnet18 conv1: (224 + 6 - 6 - 1) / 2 + 1 = 112 */
	int y = add1(g, OP_CONV2D, x, conv(64, 7, 7, 2, 2, 3, 3, 1, 1, 1, false));
	shape_is(g, y, 4, 1, 64, 112, 112);
	/* weight 64*3*7*7 = 9408, no bias; MACs 64*112*112 * 3*7*7 =
	 * 118,013,952 (torchvision's 1.81 GMACs for resnet18 starts here) */
	assert_int_equal(ir_param_count(g, ir_node(g, y)), 9408);
	assert_int_equal(ir_weight_count(g, ir_node(g, y)), 9408);
	assert_int_equal(ir_macs(g, ir_node(g, y)), 118013952LL);
}

static void test_conv_stride_padding(void **state)
{
	Graph *g = *state;
	int x = input(g, 4, 2, 16, 15, 15);
	/* k3 s2 p1: (15 + 2 - 2 - 1) / 2 + 1 = 8 */
	int y = add1(g, OP_CONV2D, x, conv(32, 3, 3, 2, 2, 1, 1, 1, 1, 1, true));
	shape_is(g, y, 4, 2, 32, 8, 8);
	/* k1 s2 p0 (resnet downsample): (15 - 1) / 2 + 1 = 8 */
	int z = add1(g, OP_CONV2D, x, conv(32, 1, 1, 2, 2, 0, 0, 1, 1, 1, false));
	shape_is(g, z, 4, 2, 32, 8, 8);
	/* k3 s3 p0: (15 - 3) / 3 + 1 = 5 */
	int w = add1(g, OP_CONV2D, x, conv(4, 3, 3, 3, 3, 0, 0, 1, 1, 1, false));
	shape_is(g, w, 4, 2, 4, 5, 5);
}

static void test_conv_dilation(void **state)
{
	Graph *g = *state;
	int x = input(g, 4, 1, 8, 32, 32);
	/* k3 d2 p2 s1 keeps the size: 32 + 4 - 2*2 - 1 + 1 = 32 */
	int y = add1(g, OP_CONV2D, x, conv(8, 3, 3, 1, 1, 2, 2, 2, 2, 1, false));
	shape_is(g, y, 4, 1, 8, 32, 32);
	/* k3 d4 p0 s1: effective kernel 9, 32 - 9 + 1 = 24 */
	int z = add1(g, OP_CONV2D, x, conv(8, 3, 3, 1, 1, 0, 0, 4, 4, 1, false));
	shape_is(g, z, 4, 1, 8, 24, 24);
}

static void test_conv_non_square(void **state)
{
	Graph *g = *state;
	int x = input(g, 4, 1, 3, 10, 7);
	/* H: k3 s2 p1 d1: (10 + 2 - 2 - 1) / 2 + 1 = 5
	 * W: k5 s1 p2 d2: (7 + 4 - 8 - 1) / 1 + 1 = 3 */
	int y = add1(g, OP_CONV2D, x, conv(6, 3, 5, 2, 1, 1, 2, 1, 2, 1, true));
	shape_is(g, y, 4, 1, 6, 5, 3);
	/* weight 6*3*3*5 = 270 + bias 6 = 276; MACs 6*5*3 * 3*3*5 = 4050 */
	assert_int_equal(ir_param_count(g, ir_node(g, y)), 276);
	assert_int_equal(ir_macs(g, ir_node(g, y)), 4050);
}

static void test_conv_groups(void **state)
{
	Graph *g = *state;
	int x = input(g, 4, 1, 8, 6, 6);
	/* groups 4, 8 -> 12 channels: weight [12, 2, 3, 3] = 216, bias 12 */
	int y = add1(g, OP_CONV2D, x, conv(12, 3, 3, 1, 1, 1, 1, 1, 1, 4, true));
	shape_is(g, y, 4, 1, 12, 6, 6);
	ParamSpec p[MAX_PARAMS];
	assert_int_equal(ir_params(g, ir_node(g, y), p), 2);
	assert_string_equal(p[0].suffix, "weight");
	assert_int_equal(p[0].rank, 4);
	assert_int_equal(p[0].shape[0], 12);
	assert_int_equal(p[0].shape[1], 2);
	assert_int_equal(p[0].shape[2], 3);
	assert_int_equal(p[0].shape[3], 3);
	assert_int_equal(p[0].count, 216);
	assert_string_equal(p[1].suffix, "bias");
	assert_int_equal(p[1].rank, 1);
	assert_int_equal(p[1].shape[0], 12);
	assert_int_equal(ir_param_count(g, ir_node(g, y)), 228);
	/* MACs: 12*6*6 outputs, each 2*3*3 = 18 products: 7776 */
	assert_int_equal(ir_macs(g, ir_node(g, y)), 7776);

	/* depthwise (groups = C = 8), k3 s2 p1: (6 + 2 - 3) / 2 + 1 = 3;
	 * weight [8, 1, 3, 3] = 72; MACs 8*3*3 * 9 = 648 */
	int d = add1(g, OP_CONV2D, x, conv(8, 3, 3, 2, 2, 1, 1, 1, 1, 8, false));
	shape_is(g, d, 4, 1, 8, 3, 3);
	assert_int_equal(ir_param_count(g, ir_node(g, d)), 72);
	assert_int_equal(ir_macs(g, ir_node(g, d)), 648);
}

static void test_conv_refusals(void **state)
{
	Graph *g = *state;
	char err[256];
	int x = input(g, 4, 1, 3, 8, 8);
	assert_int_equal(try_add(g, OP_CONV2D, &x, 1, conv(4, 3, 3, 1, 1, 0, 0, 1, 1, 2, false), err, sizeof err), -1);
	assert_string_equal(err, "conv2d: input channels (3) must be divisible by groups (2)");
	int y = add1(g, OP_CONV2D, x, conv(4, 1, 1, 1, 1, 0, 0, 1, 1, 1, false));
	assert_int_equal(try_add(g, OP_CONV2D, &y, 1, conv(6, 1, 1, 1, 1, 0, 0, 1, 1, 4, false), err, sizeof err), -1);
	assert_string_equal(err, "conv2d: out_channels (6) must be divisible by groups (4)");
	/* k3 d4: effective 9 > 8 */
	assert_int_equal(try_add(g, OP_CONV2D, &x, 1, conv(4, 3, 3, 1, 1, 0, 0, 4, 4, 1, false), err, sizeof err), -1);
	assert_string_equal(err, "conv2d: kernel height 9 (with dilation) is larger than the padded input 8 (8 + 2*0)");
	/* with padding 1 the same kernel fits: (8 + 2 - 8 - 1) + 1 = 2 */
	int z = add1(g, OP_CONV2D, x, conv(4, 3, 3, 1, 1, 1, 1, 4, 4, 1, false));
	shape_is(g, z, 4, 1, 4, 2, 2);
}

/* ---- pools ---------------------------------------------------------- */

static void test_pool_floor(void **state)
{
	Graph *g = *state;
	/* resnet stem pool: k3 s2 p1 on 112: (112 + 2 - 3) / 2 + 1 = 56 */
	assert_int_equal(pool_out(g, 112, 3, 2, 1, false), 56);
	/* k2 s2 on 7: 3 (floor); k3 s2 on 6: (6 - 3) / 2 + 1 = 2 */
	assert_int_equal(pool_out(g, 7, 2, 2, 0, false), 3);
	assert_int_equal(pool_out(g, 6, 3, 2, 0, false), 2);
}

static void test_pool_ceil(void **state)
{
	Graph *g = *state;
	/* H=6 k3 s2 p0: ceil((6-3)/2) + 1 = 3; last window starts at 4 < 6 */
	assert_int_equal(pool_out(g, 6, 3, 2, 0, true), 3);
	/* H=5 k2 s2 p1: ceil((5+2-2)/2) + 1 = 4, but window 4 would start at
	 * 6 >= 5 + 1, entirely in the right padding: PyTorch gives 3 */
	assert_int_equal(pool_out(g, 5, 2, 2, 1, true), 3);
	/* H=7 k2 s2: ceil(5/2) + 1 = 4, last start 6 < 7: 4 (floor gives 3) */
	assert_int_equal(pool_out(g, 7, 2, 2, 0, true), 4);
	/* googlenet: 112 k3 s2 ceil -> ceil(109/2) + 1 = 56; 56 -> 28; 14 -> 7 */
	assert_int_equal(pool_out(g, 112, 3, 2, 0, true), 56);
	assert_int_equal(pool_out(g, 14, 3, 2, 0, true), 7);
	/* H=8 k3 s2 p1: ceil(7/2) + 1 = 5, last start 8 >= 8 + 1? no: 5 */
	assert_int_equal(pool_out(g, 8, 3, 2, 1, true), 5);
	/* H=4 k3 s2 p1: ceil(3/2) + 1 = 3, last start 4 >= 4 + 1? no: 3 */
	assert_int_equal(pool_out(g, 4, 3, 2, 1, true), 3);
}

static void test_pool_avg_and_pairs(void **state)
{
	Graph *g = *state;
	int x = input(g, 4, 2, 5, 9, 6);
	Attrs a = pool(0, 0, 0, false);
	a.kernel[0] = 3, a.kernel[1] = 2;
	a.stride[0] = 2, a.stride[1] = 2;
	a.pad[0] = 1, a.pad[1] = 0;
	/* H: (9 + 2 - 3) / 2 + 1 = 5; W: (6 - 2) / 2 + 1 = 3 */
	int y = add1(g, OP_AVG_POOL2D, x, a);
	shape_is(g, y, 4, 2, 5, 5, 3);
	assert_int_equal(ir_param_count(g, ir_node(g, y)), 0);
	assert_int_equal(ir_macs(g, ir_node(g, y)), 0);
}

static void test_pool_refusals(void **state)
{
	Graph *g = *state;
	char err[256];
	int x = input(g, 4, 1, 3, 8, 8);
	/* padding 2 > 3 / 2 */
	assert_int_equal(try_add(g, OP_MAX_POOL2D, &x, 1, pool(3, 1, 2, false), err, sizeof err), -1);
	assert_string_equal(err, "max_pool2d: padding (2) must be at most half the kernel size (3)");
	assert_int_equal(try_add(g, OP_AVG_POOL2D, &x, 1, pool(9, 9, 0, false), err, sizeof err), -1);
	assert_string_equal(err, "avg_pool2d: kernel height 9 is larger than the padded input 8 (8 + 2*0)");
	/* k9 p1 fits the padded 10: (8 + 2 - 9) / 1 + 1 = 2 */
	int y = add1(g, OP_MAX_POOL2D, x, pool(9, 1, 1, false));
	shape_is(g, y, 4, 1, 3, 2, 2);
	int f = add1(g, OP_FLATTEN, x, FLAT);
	assert_int_equal(try_add(g, OP_MAX_POOL2D, &f, 1, pool(2, 2, 0, false), err, sizeof err), -1);
	assert_string_equal(err, "max_pool2d: input must be 4-D (N x C x H x W), got 1x192");
}

static void test_adaptive_and_global_pool(void **state)
{
	Graph *g = *state;
	int x = input(g, 4, 2, 512, 7, 7);
	int y = add1(g, OP_ADAPTIVE_AVG_POOL2D, x, (Attrs){.out_size = {1, 1}});
	shape_is(g, y, 4, 2, 512, 1, 1);
	/* output larger than the input is fine for adaptive pooling */
	int z = add1(g, OP_ADAPTIVE_AVG_POOL2D, x, (Attrs){.out_size = {6, 9}});
	shape_is(g, z, 4, 2, 512, 6, 9);
	int w = add1(g, OP_GLOBAL_AVG_POOL, x, (Attrs){0});
	shape_is(g, w, 4, 2, 512, 1, 1);
}

/* ---- flatten, linear, batch_norm, elementwise ----------------------- */

static void test_flatten_linear(void **state)
{
	Graph *g = *state;
	char err[256];
	int x = input(g, 4, 3, 16, 5, 5);
	/* 16*5*5 = 400 (LeNet-5) */
	int f = add1(g, OP_FLATTEN, x, FLAT);
	shape_is(g, f, 2, 3, 400, 0, 0);
	int fc = add1(g, OP_LINEAR, f, (Attrs){.out_features = 120, .bias = true});
	shape_is(g, fc, 2, 3, 120, 0, 0);
	/* weight [120, 400] = 48000 + bias 120; MACs 3 * 120 * 400 = 144000 */
	ParamSpec p[MAX_PARAMS];
	assert_int_equal(ir_params(g, ir_node(g, fc), p), 2);
	assert_int_equal(p[0].rank, 2);
	assert_int_equal(p[0].shape[0], 120);
	assert_int_equal(p[0].shape[1], 400);
	assert_int_equal(ir_param_count(g, ir_node(g, fc)), 48120);
	assert_int_equal(ir_macs(g, ir_node(g, fc)), 144000);
	int nb = add1(g, OP_LINEAR, fc, (Attrs){.out_features = 10, .bias = false});
	assert_int_equal(ir_params(g, ir_node(g, nb), p), 1);
	assert_int_equal(ir_param_count(g, ir_node(g, nb)), 1200);
	/* flatten of an N x F tensor keeps it */
	int ff = add1(g, OP_FLATTEN, nb, FLAT);
	shape_is(g, ff, 2, 3, 10, 0, 0);
	/* linear over the last dim of a 4-D tensor: W (5) -> 10, 3 * 16 * 5 rows */
	int l4 = add1(g, OP_LINEAR, x, (Attrs){.out_features = 10, .bias = true});
	shape_is(g, l4, 4, 3, 16, 5, 10);
	assert_int_equal(ir_param_count(g, ir_node(g, l4)), 60);
	assert_int_equal(ir_macs(g, ir_node(g, l4)), 3 * 16 * 5 * 10 * 5);
	/* flatten(1, 2): 3 x 80 x 5; start after end is refused */
	int f12 = add1(g, OP_FLATTEN, x, (Attrs){.start_dim = 1, .end_dim = 2});
	assert_int_equal(ir_node(g, f12)->rank, 3);
	assert_int_equal(ir_node(g, f12)->shape[1], 80);
	assert_int_equal(try_add(g, OP_FLATTEN, &x, 1, (Attrs){.start_dim = -1, .end_dim = 1}, err, sizeof err), -1);
	assert_string_equal(err, "flatten: start_dim -1 comes after end_dim 1 (dims 3 and 1 of a 4-D tensor)");
}

static void test_batch_norm(void **state)
{
	Graph *g = *state;
	int x = input(g, 4, 1, 64, 56, 56);
	int bn = add1(g, OP_BATCH_NORM, x, (Attrs){.eps = 1e-5});
	shape_is(g, bn, 4, 1, 64, 56, 56);
	ParamSpec p[MAX_PARAMS];
	assert_int_equal(ir_params(g, ir_node(g, bn), p), 4);
	static const char *const suffix[] = {"weight", "bias", "running_mean", "running_var"};
	for (int i = 0; i < 4; i++) {
		assert_string_equal(p[i].suffix, suffix[i]);
		assert_int_equal(p[i].rank, 1);
		assert_int_equal(p[i].shape[0], 64);
		assert_int_equal(p[i].buffer, i >= 2);
	}
	/* PyTorch's parameters(): weight + bias = 128; state_dict floats 256 */
	assert_int_equal(ir_param_count(g, ir_node(g, bn)), 128);
	assert_int_equal(ir_weight_count(g, ir_node(g, bn)), 256);
	assert_int_equal(ir_macs(g, ir_node(g, bn)), 0);
	/* batch_norm over N x C (BatchNorm1d) */
	int f = add1(g, OP_FLATTEN, bn, FLAT);
	int bn1 = add1(g, OP_BATCH_NORM, f, (Attrs){.eps = 1e-5});
	shape_is(g, bn1, 2, 1, 200704, 0, 0);
	assert_int_equal(ir_weight_count(g, ir_node(g, bn1)), 4 * 200704);
}

static void test_add_concat(void **state)
{
	Graph *g = *state;
	char err[256];
	int x = input(g, 4, 1, 3, 8, 8);
	int a = add1(g, OP_CONV2D, x, conv(4, 3, 3, 1, 1, 1, 1, 1, 1, 1, false));
	int b = add1(g, OP_CONV2D, x, conv(4, 1, 1, 1, 1, 0, 0, 1, 1, 1, false));
	int s = add(g, OP_ADD, (int[]){a, b}, 2, (Attrs){0});
	shape_is(g, s, 4, 1, 4, 8, 8);
	assert_int_equal(try_add(g, OP_ADD, (int[]){x, a}, 2, (Attrs){0}, err, sizeof err), -1);
	assert_string_equal(err, "add: shapes 1x3x8x8 and 1x4x8x8 do not broadcast (dims aligned from the last must be equal or 1; dim 1 of the result: 3 against 4)");

	/* broadcasting as PyTorch: 1x4x1x1 against 1x4x8x8, 1x1x8x8 against
	 * 1x4x1x1, and a number */
	int pool1 = add1(g, OP_GLOBAL_AVG_POOL, a, (Attrs){0});
	shape_is(g, add(g, OP_MUL, (int[]){pool1, a}, 2, (Attrs){0}), 4, 1, 4, 8, 8);
	int one = add1(g, OP_CONV2D, x, conv(1, 1, 1, 1, 1, 0, 0, 1, 1, 1, false));
	shape_is(g, add(g, OP_DIV, (int[]){one, pool1}, 2, (Attrs){0}), 4, 1, 4, 8, 8);
	shape_is(g, add1(g, OP_SUB, a, (Attrs){.scalar = 2, .scalar_first = true}), 4, 1, 4, 8, 8);

	/* concat along channels: 3 + 4 + 4 = 11 */
	int c = add(g, OP_CONCAT, (int[]){x, a, s}, 3, (Attrs){0});
	shape_is(g, c, 4, 1, 11, 8, 8);
	int p = add1(g, OP_MAX_POOL2D, x, pool(2, 2, 0, false));
	assert_int_equal(try_add(g, OP_CONCAT, (int[]){x, a, p}, 3, (Attrs){0}, err, sizeof err), -1);
	assert_string_equal(err, "concat: input 3 has shape 1x3x4x4, but input 1 has 1x3x8x8; all must match except in channels");
	int f = add1(g, OP_FLATTEN, x, FLAT);
	assert_int_equal(try_add(g, OP_CONCAT, (int[]){x, f}, 2, (Attrs){0}, err, sizeof err), -1);
	assert_string_equal(err, "concat: input 2 has shape 1x192, but input 1 has 1x3x8x8; all must match except in channels");
	/* concat of N x F tensors adds features: 192 + 192 */
	int cf = add(g, OP_CONCAT, (int[]){f, f}, 2, (Attrs){0});
	shape_is(g, cf, 2, 1, 384, 0, 0);
}

static void test_activations_keep_shape(void **state)
{
	Graph *g = *state;
	int x = input(g, 4, 2, 3, 5, 7);
	static const Op ops[] = {OP_RELU, OP_RELU6, OP_SIGMOID, OP_TANH, OP_LEAKY_RELU, OP_DROPOUT, OP_SOFTMAX};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		int y = add1(g, ops[i], x, (Attrs){.param = 0.01, .p = 0.5});
		shape_is(g, y, 4, 2, 3, 5, 7);
		assert_int_equal(ir_weight_count(g, ir_node(g, y)), 0);
	}
}

static void test_input_refusals(void **state)
{
	Graph *g = *state;
	char err[256];
	int id = ir_add(g, OP_INPUT, NULL, 0, 1);
	Node *n = ir_node(g, id);
	n->rank = 3;
	n->shape[0] = 3, n->shape[1] = 8, n->shape[2] = 8;
	assert_false(ir_infer_node(g, id, err, sizeof err));
	assert_string_equal(err, "input: shape must have 4 dims (N, C, H, W) or 2 (N, F), got 3");
	n->rank = 4;
	n->shape[0] = 1, n->shape[1] = 3, n->shape[2] = 8, n->shape[3] = 0;
	assert_false(ir_infer_node(g, id, err, sizeof err));
	assert_string_equal(err, "input: shape[4] must be in 1..16777216, got 0");
	/* 2^16 * 2^16 * 1 * 1 = 2^32 elements > 2^31 */
	n->shape[0] = 65536, n->shape[1] = 65536, n->shape[2] = 1, n->shape[3] = 1;
	assert_false(ir_infer_node(g, id, err, sizeof err));
	assert_non_null(strstr(err, "is out of range"));
}

/* Sizes whose products pass 64 bits saturate (issue 20): they stay past
 * every limit and are refused, never wrapped into a small number. */
static void test_checked_arithmetic(void **state)
{
	Graph *g = *state;
	char err[256];
	assert_true(ir_mul(3, 5) == 15);
	assert_true(ir_mul(0, IR_SATURATED) == 0);
	assert_true(ir_mul(1LL << 40, 1LL << 30) == IR_SATURATED);
	assert_true(ir_mul(IR_SATURATED, 2) == IR_SATURATED);
	assert_true(ir_add_sat(1LL << 62, 1LL << 62) == IR_SATURATED);
	assert_true(ir_add_sat(IR_SATURATED - 1, 1) == IR_SATURATED);
	assert_true(ir_add_sat(2, 3) == 5);
	/* 2^24 * 2^24 * 2^24 * 4 = 2^74: wrapped to 0 before, and passed */
	int id = ir_add(g, OP_INPUT, NULL, 0, 1);
	Node *n = ir_node(g, id);
	n->rank = 4;
	n->shape[0] = n->shape[1] = n->shape[2] = 1 << 24, n->shape[3] = 4;
	assert_true(ir_numel(n) == IR_SATURATED);
	assert_false(ir_infer_node(g, id, err, sizeof err));
	assert_non_null(strstr(err, "is out of range"));
	/* 2^31 elements: one past the kernels' int counts */
	n->shape[0] = 1 << 16, n->shape[1] = 1 << 15, n->shape[2] = n->shape[3] = 1;
	assert_false(ir_infer_node(g, id, err, sizeof err));
	/* flatten to 2^25 features: more than a dimension holds */
	int x = input(g, 4, 1, 4096, 4096, 2);
	assert_int_equal(try_add(g, OP_FLATTEN, &x, 1, FLAT, err, sizeof err), -1);
	assert_string_equal(err, "flatten: 1x4096x4096x2 makes a dim of 33554432, more than a dimension may hold (16777216)");
}

/* ---- whole graphs: users, totals, verify ---------------------------- */

/* LeNet-5 on 1x1x32x32: the textbook 61,706 parameters. */
static void test_lenet_totals_and_verify(void **state)
{
	Graph *g = *state;
	int x = input(g, 4, 1, 1, 32, 32);
	int c1 = add1(g, OP_CONV2D, x, conv(6, 5, 5, 1, 1, 0, 0, 1, 1, 1, true));   /* 6x28x28 */
	int r1 = add1(g, OP_RELU, c1, (Attrs){0});
	int p1 = add1(g, OP_MAX_POOL2D, r1, pool(2, 2, 0, false));                  /* 6x14x14 */
	int c2 = add1(g, OP_CONV2D, p1, conv(16, 5, 5, 1, 1, 0, 0, 1, 1, 1, true)); /* 16x10x10 */
	int r2 = add1(g, OP_RELU, c2, (Attrs){0});
	int p2 = add1(g, OP_MAX_POOL2D, r2, pool(2, 2, 0, false));                  /* 16x5x5 */
	int f = add1(g, OP_FLATTEN, p2, FLAT);
	int f1 = add1(g, OP_LINEAR, f, (Attrs){.out_features = 120, .bias = true});
	int f2 = add1(g, OP_LINEAR, f1, (Attrs){.out_features = 84, .bias = true});
	int f3 = add1(g, OP_LINEAR, f2, (Attrs){.out_features = 10, .bias = true});
	g->output = f3;
	shape_is(g, p2, 4, 1, 16, 5, 5);
	shape_is(g, f3, 2, 1, 10, 0, 0);

	long long params = 0, macs = 0;
	for (int i = 0; i < g->n; i++) {
		params += ir_param_count(g, &g->nodes[i]);
		macs += ir_macs(g, &g->nodes[i]);
	}
	/* conv1 156, conv2 2416, fc1 48120, fc2 10164, fc3 850 */
	assert_int_equal(params, 61706);
	/* conv1 6*28*28*25 = 117600, conv2 16*10*10*150 = 240000,
	 * fc 48000 + 10080 + 840 = 58920 */
	assert_int_equal(macs, 416520);

	assert_int_equal(ir_users(g, x), 1);
	assert_int_equal(ir_users(g, f3), 1); /* the output counts as a reader */
	assert_int_equal(ir_users(g, f2), 1);
	ir_verify(g, "test"); /* returns only when the graph is sound */
}

static void test_users_residual(void **state)
{
	Graph *g = *state;
	int x = input(g, 4, 1, 8, 8, 8);
	int c = add1(g, OP_CONV2D, x, conv(8, 3, 3, 1, 1, 1, 1, 1, 1, 1, false));
	int s = add(g, OP_ADD, (int[]){c, x}, 2, (Attrs){0});
	int t = add(g, OP_ADD, (int[]){s, s}, 2, (Attrs){0});
	int u = add(g, OP_CONCAT, (int[]){x, t}, 2, (Attrs){0});
	g->output = u;
	assert_int_equal(ir_users(g, x), 3); /* conv, add, concat */
	assert_int_equal(ir_users(g, c), 1);
	assert_int_equal(ir_users(g, s), 2); /* read twice by one add */
	assert_int_equal(ir_users(g, t), 1);
	assert_int_equal(ir_users(g, u), 1);
	shape_is(g, u, 4, 1, 16, 8, 8);
	ir_verify(g, "test");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conv_resnet_stem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conv_stride_padding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conv_dilation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conv_non_square, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conv_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conv_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_floor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_ceil, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_avg_and_pairs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adaptive_and_global_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flatten_linear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checked_arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_norm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_concat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activations_keep_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lenet_totals_and_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users_residual, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
