/*
 * emit_conv.c: the calls of conv2d layers, in every algorithm and layout.
 *
 * needs: algorithms and layouts chosen, weights packed, memory planned.
 *
 * Each call opens a block declaring the conv's sizes (rt_conv2d_params)
 * and, but for the reference path, its epilogue (bias, residual,
 * activation: rt_epilogue), then calls one kernel. In NCHW that is the
 * kernel of the conv's algorithm: rt_conv2d_direct_ep (rt_conv2d_direct
 * at -O0 with nothing to fuse), rt_conv2d_depthwise, rt_conv2d_stem,
 * rt_conv2d_winograd or rt_conv2d_gemm (GEMM and im2col), the last three
 * with their scratch in the workspace. In a chunked layout (NHWC,
 * NCHW8c) it is rt_conv2d_cl, or rt_conv2d_dw_cl for a depthwise conv,
 * given each tensor's chunk size (layout_chunk). conv_transpose2d, NCHW
 * only, calls rt_conv_transpose2d_direct (then rt_<act> over its output
 * for an activation fused into it) or, by GEMM, rt_conv_transpose2d_gemm
 * with its epilogue (bias, activation) and scratch.
 */
#include "emit.h"

/* Opens a block declaring n's `static const rt_conv2d_params p`, with the
 * input's and output's spatial sizes as given (a 1x1 GEMM in a chunked
 * layout passes its pixels as one row) and note after the first line. */
static void conv_params(Emit *e, const Node *n, int h, int w, int oh, int ow, const char *note)
{
	const Attrs *a = &n->a;
	const Node *x = &e->g->nodes[n->in[0]];
	fprintf(e->c, "\t{\n\t\tstatic const rt_conv2d_params p = {\n");
	fprintf(e->c, "\t\t\t.n = %d, .c = %d, .h = %d, .w = %d, .oc = %d, .oh = %d, .ow = %d,%s\n", x->shape[0],
	        x->shape[1], h, w, n->shape[1], oh, ow, note);
	fprintf(e->c, "\t\t\t.kh = %d, .kw = %d, .sh = %d, .sw = %d, .ph = %d, .pw = %d,\n", a->kernel[0],
	        a->kernel[1], a->stride[0], a->stride[1], a->pad[0], a->pad[1]);
	fprintf(e->c, "\t\t\t.dh = %d, .dw = %d, .groups = %d,\n\t\t};\n", a->dilation[0], a->dilation[1],
	        a->groups);
}

/* Declares `const rt_epilogue ep`: n's bias, residual and activation
 * with its parameters (0 where it has none), and a fused prelu's slopes.
 * (emit_eltwise.c's linear too.) */
void emit_epilogue(Emit *e, const Node *n)
{
	const Attrs *a = &n->a;
	const ActInfo *ai = &act_info[a->act];
	if (n->slope_key && !n->slope)
		BUG("%s: prelu %s fused without its slopes", n->name, n->slope_key);
	fprintf(e->c, "\t\tconst rt_epilogue ep = {%s, %s, %s, %s, %s, %s};\n", a->bias ? emit_wname(e, n, 1) : "NULL",
	        a->residual ? e->var[n->in[1]] : "NULL", ai->rt_id,
	        ai->option ? emit_act_param(e->g->arena, a->act, a->act_param) : emit_float(e->g->arena, 0.0),
	        emit_float(e->g->arena, ai->option2 ? a->act_param2 : 0.0), n->slope ? emit_slope_name(e, n) : "NULL");
}

/* x: [n, c, h, w] -> y: [n, oc, oh, ow], both NCHW, by n's algorithm. */
static void conv_nchw(Emit *e, const Node *n, const char *X, const char *Y)
{
	Graph *g = e->g;
	FILE *c = e->c;
	const Attrs *a = &n->a;
	const Node *x = &g->nodes[n->in[0]];
	conv_params(e, n, x->shape[2], x->shape[3], n->shape[2], n->shape[3],
	            n->pro_name ? arena_printf(g->arena, " /* input read through %s%s */", emit_comment(g->arena, n->pro_name),
	                                       n->pro_relu ? " and a relu" : "")
	                        : "");
	if (e->o->opt_level == 0 && n->algo == ALGO_DIRECT && a->act == ACT_NONE && !a->residual) {
		fprintf(c, "\t\trt_conv2d_direct(&p, %s, %s, %s, %s);\n\t}\n", X, emit_wname(e, n, 0),
		        a->bias ? emit_wname(e, n, 1) : "NULL", Y);
		return;
	}
	emit_epilogue(e, n);
	bool depthwise = x->shape[1] == a->groups && n->shape[1] == a->groups;
	if (n->algo == ALGO_DIRECT)
		fprintf(c, "\t\trt_conv2d_%s(&p, %s, %s, &ep, %s);\n\t}\n", depthwise ? "depthwise" : "direct_ep", X,
		        emit_wname(e, n, 0), Y);
	else if (n->algo == ALGO_STEM)
		fprintf(c, "\t\trt_conv2d_stem(&p, %d, %s, %s, &ep, %s, (float *)(ws + %lld));\n\t}\n", e->o->threads, X,
		        emit_wname(e, n, 0), Y, g->plan->scratch_offset[n->id]);
	else if (ALGO_WINOGRAD_TILE(n->algo))
		fprintf(c, "\t\trt_conv2d_winograd(&p, %d, %d, %s, %s, &ep, %s, (float *)(ws + %lld));\n\t}\n",
		        ALGO_WINOGRAD_TILE(n->algo), e->o->threads, X, emit_wname(e, n, 0), Y, g->plan->scratch_offset[n->id]);
	else if (n->pro_name)
		fprintf(c, "\t\trt_conv2d_gemm_pro(&p, %d, %s, %s, %s, %d, %s, &ep, %s, (float *)(ws + %lld));\n\t}\n",
		        e->o->threads, X, emit_pro_name(e, n, "scale"), emit_pro_name(e, n, "shift"), n->pro_relu,
		        emit_wname(e, n, 0), Y, g->plan->scratch_offset[n->id]);
	else
		fprintf(c, "\t\trt_conv2d_gemm(&p, %d, %s, %s, &ep, %s, (float *)(ws + %lld));\n\t}\n", e->o->threads, X,
		        emit_wname(e, n, 0), Y, g->plan->scratch_offset[n->id]);
}

/* x: [n, c, h, w] -> y: [n, oc, oh, ow], both chunked (each in its own
 * chunk size). A 1x1 GEMM is passed as one row of h*w pixels. */
static void conv_cl(Emit *e, const Node *n, const char *X, const char *Y)
{
	Graph *g = e->g;
	FILE *c = e->c;
	const Node *x = &g->nodes[n->in[0]];
	bool gemm = n->algo == ALGO_GEMM;
	int h = gemm ? 1 : x->shape[2], w = gemm ? x->shape[2] * x->shape[3] : x->shape[3];
	int oh = gemm ? 1 : n->shape[2], ow = gemm ? n->shape[2] * n->shape[3] : n->shape[3];
	conv_params(e, n, h, w, oh, ow, gemm ? " /* pixels as one row: a GEMM */" : "");
	emit_epilogue(e, n);
	if (pack_cl_depthwise(g, n))
		fprintf(c, "\t\trt_conv2d_dw_cl(&p, %d, %s, %s, &ep, %s);\n\t}\n", layout_chunk(n), X,
		        emit_wname(e, n, 0), Y);
	else
		fprintf(c, "\t\trt_conv2d_cl(&p, %d, %d, %s, %s, &ep, %s);\n\t}\n", layout_chunk(x), layout_chunk(n), X,
		        emit_wname(e, n, 0), Y);
}

/* conv_transpose2d, NCHW: x: [n, c, h, w] -> y: [n, oc, oh, ow], the
 * reference gather (direct) or GEMM + col2im with its scratch. */
static void conv_transpose(Emit *e, const Node *n, const char *X, const char *Y)
{
	const Node *x = &e->g->nodes[n->in[0]];
	if (n->layout != LAYOUT_NCHW)
		BUG("conv_transpose2d in layout %s", layout_name[n->layout]);
	conv_params(e, n, x->shape[2], x->shape[3], n->shape[2], n->shape[3],
	            n->a.out_pad[0] || n->a.out_pad[1] ? " /* output_padding in oh, ow */" : "");
	if (n->algo == ALGO_DIRECT) { /* the reference; a fused activation (--algo direct) after it, in place */
		const Attrs *a = &n->a;
		fprintf(e->c, "\t\trt_conv_transpose2d_direct(&p, %s, %s, %s, %s);\n", X, emit_wname(e, n, 0),
		        a->bias ? emit_wname(e, n, 1) : "NULL", Y);
		if (n->slope) /* a fused prelu */
			fprintf(e->c, "\t\trt_prelu(%d, %d, %d, %s, %s, %d, %s);\n", n->shape[0], n->shape[1],
			        n->shape[2] * n->shape[3], Y, emit_slope_name(e, n), n->shape[1], Y);
		else if (a->act != ACT_NONE) {
			const ActInfo *ai = &act_info[a->act];
			fprintf(e->c, "\t\trt_%s(%lld, ", op_name[ai->op], ir_numel(n));
			if (ai->option)
				fprintf(e->c, "%s, ", emit_act_param(e->g->arena, a->act, a->act_param));
			if (ai->option2)
				fprintf(e->c, "%s, ", emit_float(e->g->arena, a->act_param2));
			fprintf(e->c, "%s, %s);\n", Y, Y);
		}
		fprintf(e->c, "\t}\n");
		return;
	}
	emit_epilogue(e, n);
	fprintf(e->c, "\t\trt_conv_transpose2d_gemm(&p, %s, %s, &ep, %s, (float *)(ws + %lld));\n\t}\n", X,
	        emit_wname(e, n, 0), Y, e->g->plan->scratch_offset[n->id]);
}

void emit_conv(Emit *e, const Node *n)
{
	const char *X = e->var[n->in[0]], *Y = e->var[n->id];
	if (n->op == OP_CONV_TRANSPOSE2D)
		conv_transpose(e, n, X, Y);
	else if (n->layout == LAYOUT_NCHW)
		conv_nchw(e, n, X, Y);
	else
		conv_cl(e, n, X, Y);
}
