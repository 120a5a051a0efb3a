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
 */
#include "../cnnc.h"

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
