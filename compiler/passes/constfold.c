/*
 * constfold.c: what the compiler can decide from constants alone.
 *
 * needs: shapes. keeps: topological order. breaks: nothing (removed nodes
 * are left without readers; dce deletes them).
 *
 * A cnnc model has no constant tensors besides its weights, so what is
 * known at compile time is each op's options and its input's shape. They
 * make some ops the identity on their input, and those are removed:
 *   - dropout (inference);
 *   - max_pool2d / avg_pool2d with a 1x1 window, stride 1 and no padding
 *     (every window is one element; ceil_mode changes nothing then);
 *   - adaptive_avg_pool2d to the input's own H x W (PyTorch's windows are
 *     then [i, i+1): one element each);
 *   - concat of a single tensor;
 *   - flatten of an N x F tensor.
 * And chains of clamps collapse, since relu and relu6 are idempotent and
 * relu6(relu(x)) = relu6(x), relu(relu6(x)) = relu6(x):
 *   - relu or relu6 after the same op is the identity;
 *   - relu after relu6 is the identity;
 *   - relu6 after relu reads the relu's input instead (the relu goes too
 *     when nothing else reads it).
 * An identity that would make the graph's output its input is kept: the
 * caller's output buffer must still be written. Batch norm's constants
 * fold into the op before it in fold_bn.c.
 */
#include "../cnnc.h"

/* The input node n passes on unchanged, or -1 when n computes something. */
static int identity_input(const Graph *g, const Node *n)
{
	if (n->nin < 1)
		return -1;
	const Node *x = &g->nodes[n->in[0]];
	const Attrs *a = &n->a;
	switch (n->op) {
	case OP_DROPOUT:
		return x->id;
	case OP_MAX_POOL2D:
	case OP_AVG_POOL2D:
		if (a->kernel[0] == 1 && a->kernel[1] == 1 && a->stride[0] == 1 && a->stride[1] == 1 && a->pad[0] == 0 &&
		    a->pad[1] == 0)
			return x->id;
		return -1;
	case OP_ADAPTIVE_AVG_POOL2D:
		return a->out_size[0] == x->shape[2] && a->out_size[1] == x->shape[3] ? x->id : -1;
	case OP_CONCAT:
		return n->nin == 1 ? x->id : -1;
	case OP_FLATTEN:
		return x->rank == 2 ? x->id : -1;
	case OP_RELU:
		return x->op == OP_RELU || x->op == OP_RELU6 ? x->id : -1;
	case OP_RELU6:
		return x->op == OP_RELU6 ? x->id : -1;
	default:
		return -1;
	}
}

void constfold(Graph *g)
{
	for (int i = 0; i < g->n; i++) {
		Node *n = &g->nodes[i];
		if (n->dead)
			continue;
		if (n->op == OP_RELU6 && g->nodes[n->in[0]].op == OP_RELU) {
			const Node *r = &g->nodes[n->in[0]];
			int *in = arena_alloc(g->arena, sizeof *in);
			in[0] = r->in[0];
			n->in = in;
			n->note = arena_printf(g->arena, "reads %s's input: relu6(relu(x)) = relu6(x)", r->name);
		}
		int x = identity_input(g, n);
		if (x < 0 || (x == g->input && i == g->output))
			continue;
		n->note = arena_printf(g->arena, "removed: the identity on %s", g->nodes[x].name);
		ir_replace_uses(g, i, x);
	}
}
