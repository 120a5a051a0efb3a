/*
 * emit_eltwise.c: the calls of the layers that are not convs, pools,
 * binary ops or reorders: activations alone, batch_norm alone, concat,
 * softmax, linear, and the views (flatten, dropout, stochastic_depth),
 * which emit only a comment.
 *
 * needs: layouts chosen, memory planned.
 *
 * The activations (rt_<name>, from runtime/acts.def) are
 * layout-blind: in a chunked layout they run over every float of the
 * value, padding lanes included (layout_numel). batch_norm and concat
 * have _cl twins given the chunk sizes; softmax, linear and flatten run
 * in NCHW only (the layout pass keeps them there), dropout in any.
 */
#include "emit.h"

/* A kernel that exists in NCHW only: n must be there. */
static void need_nchw(const Node *n)
{
	if (n->layout != LAYOUT_NCHW)
		BUG("%s has no kernel in layout %s", op_name[n->op], layout_name[n->layout]);
}

/* x: [n, c, h, w] or [n, f] -> y: the same shape, in the same layout. */
void emit_eltwise(Emit *e, const Node *n)
{
	Graph *g = e->g;
	FILE *c = e->c;
	const Attrs *a = &n->a;
	const Node *x = &g->nodes[n->in[0]];
	const char *X = e->var[x->id], *Y = e->var[n->id];
	bool nchw = n->layout == LAYOUT_NCHW;
	long long count = nchw ? ir_numel(n) : layout_numel(n); /* floats, padding lanes too */
	int cl = layout_chunk(n), hw = (int)ir_inner(n);
	switch (n->op) {
#define ACT(ID, name, kind) case OP_##ID:
#include "../../runtime/acts.def"
		/* rt_<name>, its parameters if it has them */
		fprintf(c, "\trt_%s(%lld, ", op_name[n->op], count);
		if (act_info[ir_act_of(n->op)].option)
			fprintf(c, "%s, ", emit_act_param(g->arena, ir_act_of(n->op), a->param));
		if (act_info[ir_act_of(n->op)].option2)
			fprintf(c, "%s, ", emit_float(g->arena, a->param2));
		fprintf(c, "%s, %s);\n", X, Y);
		break;
	case OP_BATCH_NORM:
		if (nchw)
			fprintf(c, "\trt_batch_norm(%d, %d, %d, %s, %s, %s, %s, %s, %s, %s);\n", n->shape[0], n->shape[1], hw,
			        X, emit_wname(e, n, 0), emit_wname(e, n, 1), emit_wname(e, n, 2), emit_wname(e, n, 3),
			        emit_float(g->arena, a->eps), Y);
		else
			fprintf(c, "\trt_batch_norm_cl(%d, %d, %d, %d, %s, %s, %s, %s, %s, %s, %s);\n", n->shape[0],
			        n->shape[1], hw, cl, X, emit_wname(e, n, 0), emit_wname(e, n, 1), emit_wname(e, n, 2),
			        emit_wname(e, n, 3), emit_float(g->arena, a->eps), Y);
		break;
	case OP_CONCAT: { /* each input to its channels [off, off + c) of y */
		int off = 0;
		for (int i = 0; i < n->nin; i++) {
			const Node *xi = &g->nodes[n->in[i]];
			if (memplan_placed(g, n->id, i)) /* its producer wrote it there */
				fprintf(c, "\t/* (%s: in channels %d..%d already) */\n", xi->name, off, off + xi->shape[1] - 1);
			else if (nchw)
				fprintf(c, "\trt_concat_part(%d, %d, %d, %d, %d, %s, %s);\n", n->shape[0], xi->shape[1], hw,
				        n->shape[1], off, e->var[xi->id], Y);
			else
				fprintf(c, "\trt_concat_part_cl(%d, %d, %d, %d, %s, %d, %d, %d, %s);\n", n->shape[0],
				        xi->shape[1], hw, layout_chunk(xi), e->var[xi->id], n->shape[1], off, cl, Y);
			off += xi->shape[1];
		}
		break;
	}
	case OP_PRELU: /* its slopes: one, or one per channel */
		if (nchw)
			fprintf(c, "\trt_prelu(%d, %d, %d, %s, %s, %d, %s);\n", n->shape[0], n->shape[1], hw, X,
			        emit_wname(e, n, 0), a->num_parameters, Y);
		else
			fprintf(c, "\trt_prelu_cl(%d, %d, %d, %d, %s, %s, %d, %s);\n", n->shape[0], n->shape[1], hw, cl, X,
			        emit_wname(e, n, 0), a->num_parameters, Y);
		break;
	case OP_SOFTMAX:
		need_nchw(n);
		fprintf(c, "\trt_softmax(%d, %d, %d, %s, %s);\n", n->shape[0], n->shape[1], hw, X, Y);
		break;
	case OP_LINEAR: { /* x: [rows, in] -> y: [rows, out], over the last dim */
		int in = x->shape[x->rank - 1], out = n->shape[n->rank - 1];
		need_nchw(n);
		if (a->act == ACT_NONE) {
			fprintf(c, "\trt_linear(%lld, %d, %d, %s, %s, %s, %s);\n", ir_numel(n) / out, in, out, X,
			        emit_wname(e, n, 0), a->bias ? emit_wname(e, n, 1) : "NULL", Y);
			break;
		}
		fprintf(c, "\t{ /* with its fused activation */\n");
		emit_epilogue(e, n);
		fprintf(c, "\t\trt_linear_ep(%lld, %d, %d, %s, %s, &ep, %s);\n\t}\n", ir_numel(n) / out, in, out, X,
		        emit_wname(e, n, 0), Y);
		break;
	}
	case OP_LAYER_NORM: { /* over the last dims, or (channels) dim 1 */
		const char *W = a->affine ? emit_wname(e, n, 0) : "NULL", *B = a->affine ? emit_wname(e, n, 1) : "NULL";
		need_nchw(n);
		if (a->channels)
			fprintf(c, "\trt_layer_norm_channels(%d, %d, %lld, %s, %s, %s, %s, %s);\n", n->shape[0], n->shape[1],
			        ir_inner(n), X, W, B, emit_float(g->arena, a->eps), Y);
		else {
			long long inner = 1;
			for (int d = n->rank - a->sizes.n; d < n->rank; d++)
				inner *= n->shape[d];
			fprintf(c, "\trt_layer_norm(%lld, %lld, %s, %s, %s, %s, %s);\n", ir_numel(n) / inner, inner, X, W,
			        B, emit_float(g->arena, a->eps), Y);
		}
		break;
	}
	case OP_PERMUTE: { /* a copy, dims read as 4-D with leading 1s */
		int lead = 4 - x->rank, dims[4], perm[4];
		need_nchw(n);
		for (int d = 0; d < 4; d++) {
			dims[d] = d < lead ? 1 : x->shape[d - lead];
			perm[d] = d < lead ? d : lead + ir_norm_dim(a->dims.v[d - lead], x->rank);
		}
		fprintf(c, "\t{\n\t\tstatic const int dims[4] = {%d, %d, %d, %d}, perm[4] = {%d, %d, %d, %d};\n", dims[0],
		        dims[1], dims[2], dims[3], perm[0], perm[1], perm[2], perm[3]);
		fprintf(c, "\t\trt_permute(dims, perm, %s, %s);\n\t}\n", X, Y);
		break;
	}
	case OP_FLATTEN:
	case OP_RESHAPE:
		need_nchw(n);
		fprintf(c, "\t/* (a view of %s: no code) */\n", X);
		break;
	case OP_DROPOUT:
	case OP_STOCHASTIC_DEPTH:
		fprintf(c, "\t/* (a view of %s: no code) */\n", X);
		break;
	case OP_INPUT:
	case OP_CONV2D:
	case OP_CONV_TRANSPOSE2D:
	case OP_PAD:
	case OP_MAX_POOL2D:
	case OP_AVG_POOL2D:
	case OP_ADAPTIVE_AVG_POOL2D:
	case OP_GLOBAL_AVG_POOL:
	case OP_INTERPOLATE:
	case OP_CHUNK:
	case OP_SPLIT:
	case OP_CHANNEL_SHUFFLE:
	case OP_MEAN:
	case OP_REORDER:
	case OP_QUANTIZE:
	case OP_DEQUANTIZE:
	case OP_ADD:
	case OP_SUB:
	case OP_MUL:
	case OP_DIV:
	case OP_PARAM:
	case OP_COUNT:
		BUG("%s is not emitted by emit_eltwise", op_name[n->op]);
	}
}
