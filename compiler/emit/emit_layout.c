/*
 * emit_layout.c: the calls of layers that run in a channel-chunked
 * layout (NHWC, NCHW8c), and of the reorders between layouts.
 *
 * needs: layouts chosen (passes/layout.c), weights packed, memory planned.
 *
 * emit_c.c hands every node whose value is not NCHW, and every reorder,
 * here. Each runtime kernel gets the chunk size cl of its tensors
 * (layout_chunk): C for NHWC, 8 for NCHW8c. Elementwise ops (the
 * activations, add) are layout-blind and run over every float, padding
 * lanes included; dropout stays a view.
 */
#include "emit.h"

/* x: [n, c, h, w] -> y: [n, oc, oh, ow], both chunked. A 1x1 GEMM is
 * passed as one row of h*w pixels. */
static void emit_conv_cl(Emit *e, const Node *n, const char *X, const char *Y)
{
	Graph *g = e->g;
	FILE *c = e->c;
	const Node *x = &g->nodes[n->in[0]];
	bool gemm = n->algo == ALGO_GEMM;
	int h = gemm ? 1 : x->shape[2], w = gemm ? x->shape[2] * x->shape[3] : x->shape[3];
	int oh = gemm ? 1 : n->shape[2], ow = gemm ? n->shape[2] * n->shape[3] : n->shape[3];
	emit_conv_params(e, n, h, w, oh, ow, gemm ? " /* pixels as one row: a GEMM */" : "");
	emit_epilogue(e, n);
	if (pack_cl_depthwise(g, n))
		fprintf(c, "\t\trt_conv2d_dw_cl(&p, %d, %s, %s, &ep, %s);\n\t}\n", layout_chunk(n), X,
		        emit_wname(e, n, 0), Y);
	else
		fprintf(c, "\t\trt_conv2d_cl(&p, %d, %d, %s, %s, &ep, %s);\n\t}\n", layout_chunk(x), layout_chunk(n), X,
		        emit_wname(e, n, 0), Y);
}

bool emit_layout_node(Emit *e, const Node *n)
{
	Graph *g = e->g;
	if (n->op != OP_REORDER && n->layout == LAYOUT_NCHW)
		return false;
	FILE *c = e->c;
	const Attrs *a = &n->a;
	const Node *x = &g->nodes[n->in[0]];
	const char *X = e->var[x->id], *Y = e->var[n->id];
	int cl = layout_chunk(n), hw = n->shape[2] * n->shape[3];
	long long count = layout_numel(n);
	if (emit_flat(e, n, count, X, Y)) /* layout-blind: every float, padding lanes too */
		return true;
	switch (n->op) {
	case OP_REORDER:
		fprintf(c, "\trt_reorder(%d, %d, %d, %d, %s, %d, %s);\n", n->shape[0], n->shape[1], hw, layout_chunk(x), X,
		        cl, Y);
		break;
	case OP_CONV2D:
		emit_conv_cl(e, n, X, Y);
		break;
	case OP_BATCH_NORM:
		fprintf(c, "\trt_batch_norm_cl(%d, %d, %d, %d, %s, %s, %s, %s, %s, %s, %s);\n", n->shape[0], n->shape[1],
		        hw, cl, X, emit_wname(e, n, 0), emit_wname(e, n, 1), emit_wname(e, n, 2), emit_wname(e, n, 3),
		        emit_float(g->arena, a->eps), Y);
		break;
	case OP_MAX_POOL2D:
	case OP_AVG_POOL2D:
		emit_pool_params(e, n);
		fprintf(c, "\t\trt_%s_cl(&p, %d, %s, %s);\n\t}\n", op_name[n->op], cl, X, Y);
		break;
	case OP_ADAPTIVE_AVG_POOL2D:
	case OP_GLOBAL_AVG_POOL:
		fprintf(c, "\trt_adaptive_avg_pool2d_cl(%d, %d, %d, %d, %d, %d, %d, %s, %s);\n", x->shape[0], x->shape[1],
		        x->shape[2], x->shape[3], n->shape[2], n->shape[3], cl, X, Y);
		break;
	case OP_CONCAT: {
		int off = 0;
		for (int i = 0; i < n->nin; i++) {
			const Node *xi = &g->nodes[n->in[i]];
			fprintf(c, "\trt_concat_part_cl(%d, %d, %d, %d, %s, %d, %d, %d, %s);\n", n->shape[0], xi->shape[1], hw,
			        layout_chunk(xi), e->var[xi->id], n->shape[1], off, cl, Y);
			off += xi->shape[1];
		}
		break;
	}
	case OP_DROPOUT:
		fprintf(c, "\t/* (a view of %s: no code) */\n", X);
		break;
	default:
		BUG("%s has no kernel in layout %s", op_name[n->op], layout_name[n->layout]);
	}
	return true;
}
