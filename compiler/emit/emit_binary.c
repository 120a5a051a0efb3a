/*
 * emit_binary.c: the calls of add, sub, mul and div, by their operands'
 * shapes (ir_binary_form).
 *
 * needs: layouts chosen, memory planned.
 *
 * With a number operand, or two tensors of one shape, the op is
 * layout-blind: it runs over every float of the value, padding lanes
 * included (rt_binary_scalar, rt_add, rt_binary). A per-channel operand
 * (N x C x 1 x 1 or 1 x C x 1 x 1, squeeze-and-excitation's scale) runs
 * in any layout, its chunks those of the tensor (rt_binary_channel). Any
 * other broadcast runs in NCHW (the layout pass keeps it there) over
 * strides, 0 along a dim an operand broadcasts (rt_binary_broadcast).
 */
#include "emit.h"

/* The runtime's id of a binary op. */
static const char *binop_id(Op op)
{
	switch (op) {
	case OP_ADD: return "RT_BIN_ADD";
	case OP_SUB: return "RT_BIN_SUB";
	case OP_MUL: return "RT_BIN_MUL";
	case OP_DIV: return "RT_BIN_DIV";
	default: BUG("%s is not a binary op", op_name[op]);
	}
}

/* Strides of x, read as y's dims (x's dims aligned from the last): 0
 * where x has a 1 (or no dim) and y does not. y's rank is 2 or 4, its
 * dims written as 4 (rank 2: 1 x 1 x N x F). */
static void strides(const Node *x, const Node *y, long long s[4])
{
	long long step = 1;
	for (int d = 3; d >= 0; d--) {
		int k = d - (4 - x->rank); /* x's dim under y's dim d, read as 4-D */
		int ydim = d - (4 - y->rank) >= 0 ? y->shape[d - (4 - y->rank)] : 1;
		int xdim = k >= 0 ? x->shape[k] : 1;
		s[d] = xdim == ydim ? step : 0;
		step *= xdim;
	}
}

/* a op b, or x op number: y in n's layout. */
void emit_binary(Emit *e, const Node *n)
{
	Graph *g = e->g;
	FILE *c = e->c;
	int full;
	BinaryForm form = ir_binary_form(g, n, &full);
	const char *Y = e->var[n->id], *id = binop_id(n->op);
	const char *A = e->var[n->in[0]], *B = n->nin > 1 ? e->var[n->in[1]] : NULL;
	long long count = layout_numel(n); /* floats, padding lanes too */
	switch (form) {
	case BIN_SCALAR:
		fprintf(c, "\trt_binary_scalar(%s, %lld, %s, %s, %d, %s);\n", id, count, A,
		        emit_float(g->arena, n->a.scalar), n->a.scalar_first, Y);
		break;
	case BIN_SAME:
		if (n->op == OP_ADD)
			fprintf(c, "\trt_add(%lld, %s, %s, %s);\n", count, A, B, Y);
		else
			fprintf(c, "\trt_binary(%s, %lld, %s, %s, %s);\n", id, count, A, B, Y);
		break;
	case BIN_CHANNEL: {
		const Node *s = &g->nodes[n->in[1 - full]];
		fprintf(c, "\trt_binary_channel(%s, %d, %d, %d, %d, %s, %s, %d, %d, %s);\n", id, n->shape[0], n->shape[1],
		        n->shape[2] * n->shape[3], layout_chunk(n), e->var[n->in[full]], e->var[s->id], s->shape[0] != 1,
		        full == 1, Y);
		break;
	}
	case BIN_GENERAL: {
		if (n->layout != LAYOUT_NCHW)
			BUG("%s %s broadcasts in layout %s", op_name[n->op], n->name, layout_name[n->layout]);
		long long sa[4], sb[4];
		strides(&g->nodes[n->in[0]], n, sa);
		strides(&g->nodes[n->in[1]], n, sb);
		int d[4];
		for (int i = 0; i < 4; i++)
			d[i] = i - (4 - n->rank) >= 0 ? n->shape[i - (4 - n->rank)] : 1;
		fprintf(c, "\t{\n\t\tstatic const rt_broadcast_params p = {\n");
		fprintf(c, "\t\t\t%s, {%d, %d, %d, %d},\n", id, d[0], d[1], d[2], d[3]);
		fprintf(c, "\t\t\t{%lld, %lld, %lld, %lld}, {%lld, %lld, %lld, %lld},\n", sa[0], sa[1], sa[2], sa[3], sb[0],
		        sb[1], sb[2], sb[3]);
		fprintf(c, "\t\t};\n\t\trt_binary_broadcast(&p, %s, %s, %s);\n\t}\n", A, B, Y);
		break;
	}
	}
}
