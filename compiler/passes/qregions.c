/*
 * qregions.c: the int8 regions of an int8 compile, and the quantize and
 * dequantize nodes at their borders.
 *
 * needs: a Q file bound (quant_bind: Node.qscale, qzp, qweight), every
 * value NCHW float32 (the layout pass forced NCHW). keeps: topological
 * order, names. breaks: node ids (nodes are inserted and the folded
 * relus dropped; the returned map takes old ids to new ones, -1 for a
 * relu folded away).
 *
 * The rules are those of the model PyTorch's convert_fx makes, which is
 * the oracle (tests/quant/test_int8.py):
 *
 * 1. A relu that FX fuses into the conv2d, linear or add before it
 *    (quant_fused_relu) folds into that op's clamp: the op's output
 *    takes the relu's scale and zero point, and its clamp starts at the
 *    zero point.
 *    A relu6 or hardtanh on the grid of the int8 conv2d or linear before
 *    it (FX shares that observer), its only reader, folds into its clamp
 *    too (fold_clamps).
 * 2. A value with a scale (one the Q file quantizes) is uint8, NHWC,
 *    computed by a uint8 kernel (runtime/qops.c), when its op has one
 *    and every input it reads has a scale too: conv2d and linear with
 *    int8 weights, add of two tensors of one shape, max_pool2d,
 *    avg_pool2d, adaptive_avg_pool2d, global_avg_pool, concat, and,
 *    on their input's grid (FX shares its observer), relu, relu6 and
 *    hardtanh (a clamp, as PyTorch's quantized relu6 and hardtanh),
 *    dropout, stochastic_depth and a flatten of 1x1 pixels.
 *    An int8 conv2d or linear that has none (a linear over the last dim
 *    of a rank-3 or rank-4 value) computes in float32 on its int8
 *    weights dequantized (dequantize_weights).
 * 3. Any other value with a scale is computed in float32 and quantized
 *    right after (a quantize node): the graph's input, an op with no
 *    uint8 kernel that FX quantizes (sigmoid, hardswish, mul, ...), and
 *    any value of rank 3 (no uint8 kernel reads one, but FX rounds it to
 *    its grid all the same: a reshape's, a layer norm's).
 *    FX rounds every observed value to its grid, so a float32 reader of
 *    a quantized value reads it dequantized (a dequantize node), as FX
 *    runs the ops it leaves in float32 (softmax, --fp32 layers, ...).
 * 4. Values without a scale stay float32 NCHW, as do their readers.
 * 5. A pool's and a dropout's output keep their input's scale and zero
 *    point (on_input_grid), as PyTorch's quantized pools and its
 *    quantized Dropout (the identity in eval) do.
 * 6. A sigmoid, hardsigmoid or tanh with a grid of its own for its input
 *    (Node.qin_scale: FX observes an FP32 value it reads twice, see
 *    quant/observe.c) reads that value quantized to that grid and
 *    dequantized (regrid), a pair of its own, while the value's other
 *    readers read it on its grid.
 *
 * A quantize node follows its float32 producer; a dequantize node its
 * uint8 one (or that quantize node); each is shared by every reader
 * that needs it, as the layout pass shares reorders. The output is
 * float32 NCHW: a uint8 output gets its dequantize.
 */
#include "../cnnc.h"

#include "../../runtime/cnnrt.h" /* RT_QCONV_SCRATCH */

#include <string.h>

/* Whether the values a and b are quantized on one grid. */
static bool same_grid(const Node *a, const Node *b) { return a->qscale == b->qscale && a->qzp == b->qzp; }

/* Rule 2: whether n has a uint8 kernel, given that its value and every
 * input have a scale. */
static bool has_kernel(const Graph *g, const Node *n)
{
	const Node *x = &g->nodes[n->in[0]];
	switch (n->op) {
	case OP_CONV2D:
		return n->qweight && n->nin == 1 && n->rank == 4;
	case OP_LINEAR:
		return n->qweight && n->rank == 2;
	case OP_ADD:
		return n->nin == 2 && ir_binary_form(g, n, NULL) == BIN_SAME && (n->rank == 4 || n->rank == 2);
	case OP_MAX_POOL2D:
		return n->rank == 4 && same_grid(n, x);
	case OP_AVG_POOL2D:
	case OP_ADAPTIVE_AVG_POOL2D:
	case OP_GLOBAL_AVG_POOL:
	case OP_CONCAT:
		return n->rank == 4;
	case OP_RELU:
	case OP_RELU6:
	case OP_HARDTANH:
	case OP_DROPOUT:
	case OP_STOCHASTIC_DEPTH:
		return (n->rank == 4 || n->rank == 2) && same_grid(n, x);
	case OP_FLATTEN: /* N x C x 1 x 1 in NHWC: the bytes of N x C */
		return n->rank == 2 && same_grid(n, x) && (x->rank == 2 || (x->rank == 4 && x->shape[2] * x->shape[3] == 1));
	default:
		return false;
	}
}

/* A uint8 conv's kernel (c: its input channels): rt_qconv2d (groups 1: im2col blocks times
 * rt_qgemm, or a 1x1 conv with stride 1 and no padding read in place, with
 * its scratch per thread), rt_qconv2d_dw (depthwise), else qops.c's
 * direct rt_qconv2d_direct. */
static void int8_algo(Arena *A, Node *n, int c, int threads)
{
	const Attrs *a = &n->a;
	n->scratch = 0;
	n->scratch_rt = NULL;
	if (a->groups == 1) {
		bool gemm = a->kernel[0] == 1 && a->kernel[1] == 1 && a->stride[0] == 1 && a->stride[1] == 1 &&
		            a->pad[0] == 0 && a->pad[1] == 0;
		n->algo = gemm ? ALGO_GEMM : ALGO_IM2COL;
		long long ohw = (long long)n->shape[2] * n->shape[3];
		n->scratch = gemm ? 0 : RT_QCONV_SCRATCH(c, a->kernel[0], a->kernel[1], ohw, threads);
		n->scratch_rt = gemm ? NULL
		                     : arena_printf(A, "RT_QCONV_SCRATCH(%d, %d, %d, %lld, %d)", c, a->kernel[0],
		                                    a->kernel[1], ohw, threads);
		n->algo_note = gemm ? "int8: rt_qconv2d, 1x1: rt_qgemm on the NHWC input in place"
		                    : "int8: rt_qconv2d, im2col blocks of uint8 NHWC times rt_qgemm";
	} else if (a->groups == c && a->groups == n->shape[1]) {
		n->algo = ALGO_DIRECT;
		n->algo_note = "int8: rt_qconv2d_dw, depthwise over uint8 NHWC";
	} else {
		n->algo = ALGO_DIRECT;
		n->algo_note = "int8: rt_qconv2d_direct, grouped, over uint8 NHWC";
	}
}

/* Rule 2b: an int8 conv2d or linear with no uint8 kernel (a linear over
 * the last dim of a rank-3 or rank-4 value, as ConvNeXt's pointwise
 * layers after their permute) runs in float32 between dequantize and
 * quantize (rule 3) on its int8 weights dequantized, w_q x s_w, and its
 * float bias: the weights PyTorch's quantized layer computes with. */
static void dequantize_weights(Graph *g)
{
	for (int i = 0; i < g->n; i++) {
		Node *n = &g->nodes[i];
		if (n->dead || !n->qweight)
			continue;
		bool u8 = has_kernel(g, n); /* its scale may still be a fused relu's (fold_relus) */
		for (int j = 0; j < n->nin; j++) {
			const Node *x = &g->nodes[n->in[j]];
			u8 &= x->qscale > 0 && (x->rank == 4 || x->rank == 2);
		}
		if (u8)
			continue;
		ParamSpec ps[MAX_PARAMS];
		int k = ir_params(g, n, ps), oc = ps[0].shape[0];
		long long per = ps[0].count / oc;
		float *w = arena_alloc(g->arena, (size_t)ps[0].count * sizeof *w);
		for (int o = 0; o < oc; o++)
			for (long long q = 0; q < per; q++)
				w[o * per + q] = (float)n->qweight[o * per + q] * n->qwscale[o];
		n->param[0] = w;
		if (k > 1) {
			float *b = arena_alloc(g->arena, (size_t)oc * sizeof *b), sx = g->nodes[n->in[0]].qscale;
			for (int o = 0; o < oc; o++)
				b[o] = n->qfbias ? n->qfbias[o] : (float)((double)n->qbias[o] * sx * n->qwscale[o]);
			n->param[1] = b;
		}
		n->qweight = NULL;
		n->qwscale = NULL;
		n->qbias = NULL;
		n->qfbias = NULL;
		n->note = "int8 weights dequantized to float32 (no uint8 kernel for this shape)";
	}
}

/* Rule 1: folds the relus FX fuses into a conv2d, linear or add. */
static void fold_relus(Graph *g)
{
	for (int i = 0; i < g->n; i++) {
		Node *r = &g->nodes[i];
		if (!quant_fused_relu(g, r) || r->qscale <= 0)
			continue;
		Node *x = &g->nodes[r->in[0]];
		bool int8 = ((x->op == OP_CONV2D || x->op == OP_LINEAR) && x->qweight) || x->op == OP_ADD;
		if (!int8 || x->a.act != ACT_NONE)
			continue;
		x->a.act = ACT_RELU;
		x->qscale = r->qscale;
		x->qzp = r->qzp;
		r->note = arena_printf(g->arena, "int8: folded into %s's clamp (from its zero point)", x->name);
		ir_replace_uses(g, i, x->id);
	}
}

/* Rule 1b: a relu6 or hardtanh on the grid of the int8 conv2d or linear
 * before it, its only reader, folds into that op's clamp (its bounds in
 * a.param, a.param2; the emitter quantizes them as the clamp does):
 * clamping to 0..255 and then to the bounds is clamping to the bounds. */
static void fold_clamps(Graph *g)
{
	for (int i = 0; i < g->n; i++) {
		Node *r = &g->nodes[i];
		if (r->dead || (r->op != OP_RELU6 && r->op != OP_HARDTANH) || !(r->qscale > 0))
			continue;
		Node *x = &g->nodes[r->in[0]];
		bool int8 = (x->op == OP_CONV2D || x->op == OP_LINEAR) && x->qweight;
		if (!int8 || x->a.act != ACT_NONE || !same_grid(r, x) || ir_users(g, x->id) != 1)
			continue;
		x->a.act = ACT_HARDTANH;
		x->a.param = r->op == OP_RELU6 ? 0 : r->a.param;
		x->a.param2 = r->op == OP_RELU6 ? 6 : r->a.param2;
		r->note = arena_printf(g->arena, "int8: folded into %s's clamp (its bounds quantized)", x->name);
		ir_replace_uses(g, i, x->id);
	}
}

/* A quantize or dequantize node reading new id from, into nodes[m]. */
static int border(Graph *g, Node *nodes, int m, Op op, const Node *src, int from)
{
	Node *d = &nodes[m];
	memset(d, 0, sizeof *d);
	d->op = op;
	d->id = m;
	d->name = arena_printf(g->arena, "%s.%s", src->name, op == OP_QUANTIZE ? "q" : "dq");
	d->line = src->line;
	d->in = arena_alloc(g->arena, sizeof *d->in);
	d->in[0] = from;
	d->nin = 1;
	d->rank = src->rank;
	memcpy(d->shape, src->shape, sizeof d->shape);
	d->qscale = src->qscale;
	d->qzp = src->qzp;
	d->dtype = op == OP_QUANTIZE ? DTYPE_U8 : DTYPE_F32;
	d->layout = op == OP_QUANTIZE && d->rank == 4 ? LAYOUT_NHWC : LAYOUT_NCHW;
	d->note = op == OP_QUANTIZE ? "int8: quantized (float32 NCHW -> uint8 NHWC)"
	                            : "int8: dequantized (uint8 NHWC -> float32 NCHW)";
	return m;
}

/* Rule 6: whether r (not uint8) reads its input requantized to a fixed
 * grid of its own. */
static bool regrids(const Node *nodes, const Node *r)
{
	const Node *x = r->nin == 1 ? &nodes[r->in[0]] : NULL;
	return x && r->qin_scale > 0 && !(x->qscale == r->qin_scale && x->qzp == r->qin_zp);
}

/* Rule 6: reader r's input x (new id from, float32) quantized to r's
 * fixed input grid and dequantized, into nodes[m] and nodes[m + 1];
 * returns the dequantized value's id. */
static int regrid(Graph *g, Node *nodes, int m, const Node *r, const Node *x, int from)
{
	int q = border(g, nodes, m, OP_QUANTIZE, x, from), dq = border(g, nodes, m + 1, OP_DEQUANTIZE, x, q);
	for (int k = q; k <= dq; k++) {
		nodes[k].qscale = r->qin_scale;
		nodes[k].qzp = r->qin_zp;
		nodes[k].name = arena_printf(g->arena, "%s.in.%s", r->name, k == q ? "q" : "dq");
	}
	nodes[q].note = arena_printf(g->arena, "int8: %s's input on its fixed grid (FX's second observer of %s)",
	                             r->name, x->name);
	return dq;
}

/* PyTorch's quantized pools give their input's scale and zero point,
 * whatever the observer after them says: a pool that concat's shared
 * observer puts on another grid (quant/observe.c) is computed on its
 * input's, and the concat requantizes it, rounding twice as PyTorch's
 * model does. So does its quantized Dropout, which returns its input:
 * FX observes a dropout on its own (mobilenet_v2's classifier.0, [0, 6]
 * after relu6 and the pool), but its reader reads the input's grid
 * (there [-16.6, 15.5], the conv's before relu6). */
static void on_input_grid(Graph *g)
{
	for (int i = 0; i < g->n; i++) {
		Node *n = &g->nodes[i];
		const Node *x = n->nin ? &g->nodes[n->in[0]] : NULL;
		bool pool = n->op == OP_MAX_POOL2D || n->op == OP_AVG_POOL2D || n->op == OP_ADAPTIVE_AVG_POOL2D ||
		            n->op == OP_GLOBAL_AVG_POOL;
		if (!(pool || n->op == OP_DROPOUT) || n->dead || !(n->qscale > 0) || !(x->qscale > 0) || same_grid(n, x))
			continue;
		n->qscale = x->qscale;
		n->qzp = x->qzp;
		n->note = pool ? "int8: on its input's grid, as PyTorch's quantized pool (its reader requantizes)"
		               : "int8: on its input's grid, as PyTorch's quantized Dropout (the identity)";
	}
}

int *quant_regions(Graph *g, int threads)
{
	Arena *A = g->arena;
	dequantize_weights(g);
	fold_relus(g);
	fold_clamps(g);
	on_input_grid(g);
	int n = g->n;
	bool *quant = arena_alloc(A, (size_t)n * sizeof *quant); /* a value with a scale */
	bool *u8 = arena_alloc(A, (size_t)n * sizeof *u8);       /* computed by a uint8 kernel */
	for (int i = 0; i < n; i++) {
		const Node *x = &g->nodes[i];
		quant[i] = !x->dead && x->qscale > 0 && x->rank >= 2;
		bool ins = x->nin > 0;
		for (int j = 0; j < x->nin; j++)
			ins &= quant[x->in[j]];
		u8[i] = quant[i] && ins && has_kernel(g, x);
	}
	/* what each quantized value's readers need: uint8, float32 */
	bool *need_u8 = arena_alloc(A, (size_t)n * sizeof *need_u8);
	bool *need_f32 = arena_alloc(A, (size_t)n * sizeof *need_f32);
	for (int i = 0; i < n; i++) {
		const Node *r = &g->nodes[i];
		for (int j = 0; j < r->nin && !r->dead; j++) /* a regridding reader of a float32 value reads it as it is */
			if (u8[i] || !regrids(g->nodes, r) || u8[r->in[j]])
				(u8[i] ? need_u8 : need_f32)[r->in[j]] = true;
	}
	need_f32[g->output] = true;

	Node *old = g->nodes;
	Node *nodes = arena_alloc(A, (size_t)(5 * n) * sizeof *nodes); /* a node, 2 borders after, 2 before (rule 6) */
	int *newid = arena_alloc(A, (size_t)n * sizeof *newid);
	int *as_u8 = arena_alloc(A, (size_t)n * sizeof *as_u8);   /* new id of i's uint8 value */
	int *as_f32 = arena_alloc(A, (size_t)n * sizeof *as_f32); /* new id of i's float32 value */
	int m = 0;
	for (int i = 0; i < n; i++) {
		newid[i] = as_u8[i] = as_f32[i] = -1;
		if (old[i].dead)
			continue;
		int in0 = -1;
		if (!u8[i] && regrids(old, &old[i])) { /* rule 6 */
			int x = old[i].in[0];
			in0 = regrid(g, nodes, m, &old[i], &old[x], u8[x] ? as_f32[x] : newid[x]);
			m += 2;
		}
		Node *d = &nodes[m];
		*d = old[i];
		d->id = newid[i] = m++;
		d->in = arena_alloc(A, (size_t)(d->nin ? d->nin : 1) * sizeof *d->in);
		for (int j = 0; j < d->nin; j++)
			d->in[j] = j == 0 && in0 >= 0 ? in0 : (u8[i] ? as_u8 : as_f32)[old[i].in[j]];
		if (u8[i]) {
			d->dtype = DTYPE_U8;
			d->layout = d->rank == 4 ? LAYOUT_NHWC : LAYOUT_NCHW;
			if (d->op == OP_CONV2D)
				int8_algo(A, d, old[old[i].in[0]].shape[1], threads);
			as_u8[i] = d->id;
		} else
			as_f32[i] = d->id;
		if (quant[i] && !u8[i] && (need_u8[i] || need_f32[i])) /* rule 3 */
			as_u8[i] = border(g, nodes, m++, OP_QUANTIZE, &old[i], d->id);
		if (quant[i] && need_f32[i])
			as_f32[i] = border(g, nodes, m++, OP_DEQUANTIZE, &old[i], as_u8[i]);
	}
	g->nodes = nodes;
	g->cap = 5 * n;
	g->n = m;
	g->input = newid[g->input];
	g->output = as_f32[g->output];
	int q = 0;
	for (int i = 0; i < m; i++)
		q += nodes[i].dtype == DTYPE_U8 && nodes[i].op != OP_QUANTIZE;
	g->layout_note = arena_printf(A, "%s; int8: %d layers in uint8 NHWC, %d in float32 NCHW (--fp32, or no int8 "
	                              "kernel), quantize and dequantize nodes at the borders", g->layout_note ? g->layout_note : "layout nchw", q,
	                              m - q);
	return newid;
}
