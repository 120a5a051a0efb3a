/*
 * fuse.c: activations and residual adds fused into a conv2d's epilogue.
 *
 * needs: batch norms folded (so a conv is directly followed by what it
 * feeds). keeps: topological order. breaks: nothing (fused nodes are left
 * without readers; dce removes them).
 *
 * Walking in order, over the ops ops.def marks EPILOGUE:
 *   - add(a, b) of two tensors of one shape (no broadcast) where one operand is a conv2d read by nothing else and
 *     not yet fused: the conv takes the other operand as in[1] and adds it
 *     before its activation. When both operands qualify the later conv
 *     takes it, since only then is the other operand already computed.
 *   - an activation whose input is a conv2d or conv_transpose2d read by
 *     nothing else and without an activation: the conv applies it as it
 *     stores (conv_transpose2d takes no residual: its GEMM kernel adds
 *     into its output, which must not be the residual's buffer).
 * A linear of rank 2 (features in dim 1) takes an activation the same way.
 * The epilogue order, act(conv + bias + residual), is PyTorch's
 * relu(bn(conv(x)) + identity). A conv whose output is read elsewhere is
 * left alone: the other readers need the value before the add or act.
 *   - prelu fuses as the others: its formula is leaky_relu's with the
 *     slope of the output channel as the parameter, so the conv (or
 *     linear, whose dim 1 is then prelu's channels) takes ACT_LEAKY_RELU
 *     and the slopes, one per output channel (one shared slope repeated:
 *     rt_epilogue.slope).
 *
 * fuse_prologue, after layout, fuses the other way: a batch norm that
 * cannot fold into the conv before it (DenseNet's norm1 and its
 * transitions' norm, after a concat) and the relu after it, read only by
 * a 1x1 conv2d without padding on the GEMM path (gemm or im2col, NCHW,
 * groups 1), are applied by that conv as it packs its input
 * (rt_conv2d_gemm_pro: relu(x * scale[c] + shift[c]) per input channel),
 * so the normalized tensor is never written: one pass over the concat
 * per layer instead of three.
 */
#include "../cnnc.h"

#include <math.h>

static bool fusable(Graph *g, int id)
{
	const Node *n = &g->nodes[id];
	return n->op == OP_CONV2D && n->nin == 1 && n->a.act == ACT_NONE && ir_users(g, id) == 1 && id != g->output;
}

/* Whether x can take an activation in its epilogue: a conv, or a linear
 * of rank 2 (--algo direct's conv_transpose2d applies it after). */
static bool takes_act(Graph *g, int x)
{
	const Node *c = &g->nodes[x];
	bool op = c->op == OP_CONV2D || c->op == OP_CONV_TRANSPOSE2D || (c->op == OP_LINEAR && c->rank == 2);
	return op && c->a.act == ACT_NONE && ir_users(g, x) == 1 && x != g->output;
}

/* prelu i into the conv or linear before it, when it can take it. */
static void fuse_prelu(Graph *g, int i)
{
	Node *n = &g->nodes[i];
	int x = n->in[0];
	if (!takes_act(g, x))
		return;
	Node *c = &g->nodes[x];
	int oc = c->shape[1];
	c->a.act = ACT_LEAKY_RELU;
	c->a.act_param = 0;
	c->slope_key = arena_printf(g->arena, "%s.weight", n->name);
	if (n->param[0]) {
		c->slope = arena_alloc(g->arena, (size_t)oc * sizeof *c->slope);
		for (int o = 0; o < oc; o++)
			c->slope[o] = n->param[0][n->a.num_parameters == 1 ? 0 : o];
	}
	n->note = arena_printf(g->arena, "fused into %s (its slopes per output channel)", c->name);
	ir_replace_uses(g, i, x);
}

void fuse(Graph *g)
{
	for (int i = 0; i < g->n; i++) {
		Node *n = &g->nodes[i];
		if (n->op == OP_PRELU)
			fuse_prelu(g, i);
		if (!(op_flags[n->op] & OPF_EPILOGUE))
			continue;
		Act act = ir_act_of(n->op); /* any row of runtime/acts.def */
		if (act == ACT_NONE) { /* add of two tensors of its shape: a residual */
			if (n->nin != 2 || !ir_same_shape(&g->nodes[n->in[0]], n) || !ir_same_shape(&g->nodes[n->in[1]], n))
				continue;
			int a = n->in[0], b = n->in[1];
			int conv = -1, other = -1;
			if (fusable(g, a) && fusable(g, b) && a != b)
				conv = a > b ? a : b, other = a > b ? b : a;
			else if (fusable(g, a) && b < a)
				conv = a, other = b;
			else if (fusable(g, b) && a < b)
				conv = b, other = a;
			if (conv < 0)
				continue;
			Node *c = &g->nodes[conv];
			int *in = arena_alloc(g->arena, 2 * sizeof *in);
			in[0] = c->in[0];
			in[1] = other;
			c->in = in;
			c->nin = 2;
			c->a.residual = true;
			n->note = arena_printf(g->arena, "fused into %s as its residual", c->name);
			ir_replace_uses(g, i, conv);
			continue;
		}
		int x = n->in[0];
		if (!takes_act(g, x))
			continue;
		g->nodes[x].a.act = act;
		g->nodes[x].a.act_param = n->a.param;
		g->nodes[x].a.act_param2 = n->a.param2;
		n->note = arena_printf(g->arena, "fused into %s", g->nodes[x].name);
		ir_replace_uses(g, i, x);
	}
}

/* Whether node id is read only by one node, is not the output, and is
 * float32 NCHW of rank 4. */
static bool only_read(Graph *g, int id)
{
	const Node *n = &g->nodes[id];
	return ir_users(g, id) == 1 && id != g->output && n->layout == LAYOUT_NCHW && n->dtype == DTYPE_F32 &&
	       n->rank == 4;
}

void fuse_prologue(Graph *g)
{
	for (int i = 0; i < g->n; i++) {
		Node *c = &g->nodes[i];
		const Attrs *a = &c->a;
		bool conv = c->op == OP_CONV2D && !c->dead && (c->algo == ALGO_GEMM || c->algo == ALGO_IM2COL) &&
		            c->layout == LAYOUT_NCHW && !c->qweight && a->kernel[0] == 1 && a->kernel[1] == 1 &&
		            a->pad[0] == 0 && a->pad[1] == 0 && a->groups == 1 && !c->pro_name;
		if (!conv)
			continue;
		int r = c->in[0], bn = r;
		bool relu = g->nodes[r].op == OP_RELU;
		if (relu)
			bn = g->nodes[r].in[0];
		Node *b = &g->nodes[bn];
		if (b->op != OP_BATCH_NORM || b->folded || !only_read(g, r) || !only_read(g, bn))
			continue;
		int ch = b->shape[1];
		c->pro_name = b->name;
		c->pro_relu = relu;
		if (b->param[0]) { /* as rt_batch_norm: (x - mean) / sqrt(var + eps) * gamma + beta */
			c->pro_scale = arena_alloc(g->arena, (size_t)ch * sizeof *c->pro_scale);
			c->pro_shift = arena_alloc(g->arena, (size_t)ch * sizeof *c->pro_shift);
			for (int k = 0; k < ch; k++) {
				float invstd = 1.0f / sqrtf(b->param[3][k] + (float)b->a.eps);
				c->pro_scale[k] = invstd * b->param[0][k];
				c->pro_shift[k] = b->param[1][k] - b->param[2][k] * c->pro_scale[k];
			}
		}
		b->note = arena_printf(g->arena, "applied by %s as it reads its input%s", c->name,
		                       relu ? " (with the relu after it)" : "");
		if (relu)
			g->nodes[r].note = arena_printf(g->arena, "applied by %s as it reads its input", c->name);
		int *in = arena_alloc(g->arena, (size_t)c->nin * sizeof *in);
		for (int k = 0; k < c->nin; k++)
			in[k] = k ? c->in[k] : b->in[0];
		c->in = in;
		g->nodes[r].dead = true;
		b->dead = true;
	}
}
