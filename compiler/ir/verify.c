/*
 * verify.c: the IR's invariants, checked between passes.
 *
 * Inputs come before their users; arity matches ops.def; there is one
 * input node and an output; every shape is positive; an element-wise op
 * (ELEM in ops.def) reads inputs of its own shape or that broadcast to
 * it; every node reads its
 * inputs in its own layout (a reorder, quantize or dequantize excepted;
 * a flatten of 1x1 pixels reads NHWC as NCHW) and the output is NCHW; a
 * uint8 node reads uint8 (a quantize float32) and has a scale and zero
 * point.
 * A failure is a compiler bug, reported with the pass that broke it.
 */
#include "../cnnc.h"

/* Whether x is read by n in n's layout: the same layout, or a value of
 * 1x1 pixels, whose NHWC and NCHW bytes are the same (a uint8 flatten's
 * input). */
static bool same_bytes(const Node *x, const Node *n)
{
	if (x->layout == n->layout)
		return true;
	bool one = x->rank == 4 && x->shape[2] * x->shape[3] == 1 && n->op == OP_FLATTEN;
	return one && x->layout != LAYOUT_NCHW8C && n->layout != LAYOUT_NCHW8C;
}

void ir_verify(const Graph *g, const char *after)
{
	int inputs = 0;
	if (g->output < 0 || g->output >= g->n)
		BUG("after %s: output %d out of range", after, g->output);
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		if (n->id != i)
			BUG("after %s: node %d has id %d", after, i, n->id);
		if ((unsigned)n->op >= OP_COUNT)
			BUG("after %s: node %d has op %d", after, i, (int)n->op);
		if (n->nin < op_min_inputs[n->op] || (op_max_inputs[n->op] >= 0 && n->nin > op_max_inputs[n->op]))
			BUG("after %s: %s node %d has %d inputs", after, op_name[n->op], i, n->nin);
		for (int j = 0; j < n->nin; j++)
			if (n->in[j] < 0 || n->in[j] >= i)
				BUG("after %s: node %d reads %d, not an earlier node", after, i, n->in[j]);
		bool border = n->op == OP_QUANTIZE || n->op == OP_DEQUANTIZE;
		for (int j = 0; j < n->nin && n->op != OP_REORDER && !border; j++)
			if (!same_bytes(&g->nodes[n->in[j]], n))
				BUG("after %s: node %d (layout %d) reads %d in another layout", after, i, (int)n->layout, n->in[j]);
		for (int j = 0; j < n->nin; j++)
			if ((g->nodes[n->in[j]].dtype == DTYPE_U8) != (n->op == OP_DEQUANTIZE ? true
			                                               : n->op == OP_QUANTIZE ? false
			                                                                      : n->dtype == DTYPE_U8))
				BUG("after %s: %s node %d (%s) reads %d of the other dtype", after, op_name[n->op], i,
				    n->dtype == DTYPE_U8 ? "uint8" : "float32", n->in[j]);
		if (n->dtype == DTYPE_U8 && (!(n->qscale > 0) || n->qzp < 0 || n->qzp > 255))
			BUG("after %s: uint8 node %d has scale %g, zero point %d", after, i, (double)n->qscale, n->qzp);
		if (n->op == OP_CONV2D && n->nin == 2) {
			const Node *r = &g->nodes[n->in[1]];
			if (!n->a.residual || r->rank != n->rank || r->shape[1] != n->shape[1] ||
			    r->shape[2] != n->shape[2] || r->shape[3] != n->shape[3] || r->shape[0] != n->shape[0])
				BUG("after %s: conv2d %d has a second input that is not a residual of its shape", after, i);
		}
		if (n->rank < 2 || n->rank > MAX_RANK)
			BUG("after %s: node %d has rank %d", after, i, n->rank);
		for (int j = 0; j < n->nin && op_flags[n->op] & OPF_ELEM; j++) {
			const Node *x = &g->nodes[n->in[j]];
			bool fits = x->rank <= n->rank; /* broadcast: dims from the last, equal or 1 */
			for (int d = 1; fits && d <= x->rank; d++)
				fits = x->shape[x->rank - d] == n->shape[n->rank - d] || x->shape[x->rank - d] == 1;
			if (!fits)
				BUG("after %s: element-wise %s node %d reads %d, which does not broadcast to it", after,
				    op_name[n->op], i, n->in[j]);
		}
		for (int d = 0; d < n->rank; d++)
			if (n->shape[d] < 1)
				BUG("after %s: node %d dim %d is %d", after, i, d, n->shape[d]);
		if (n->op == OP_INPUT) {
			inputs++;
			if (i != g->input)
				BUG("after %s: input node %d is not the graph's input %d", after, i, g->input);
		}
		if (!n->name || !n->name[0])
			BUG("after %s: node %d has no name", after, i);
	}
	if (g->nodes[g->output].layout != LAYOUT_NCHW || g->nodes[g->input].layout != LAYOUT_NCHW)
		BUG("after %s: the input or the output is not NCHW", after);
	if (inputs != 1)
		BUG("after %s: %d input nodes", after, inputs);
}
