/*
 * emit_pool.c: the calls of pooling layers, NCHW or chunked, and of
 * interpolate (NCHW).
 *
 * needs: layouts chosen, memory planned.
 *
 * max_pool2d and avg_pool2d open a block declaring their sizes
 * (rt_pool2d_params) and call rt_max_pool2d / rt_avg_pool2d, or their
 * _cl twins with the chunk size in NHWC or NCHW8c; adaptive_avg_pool2d
 * and global_avg_pool and mean (adaptive pools to 1x1; mean without
 * keepdim gives N x C, in NCHW the same floats) pass their sizes as
 * arguments to rt_adaptive_avg_pool2d(_cl). Input and output share one
 * layout: pools keep channels where they are. interpolate declares its
 * sizes and PyTorch's scales (rt_resize_params; .stream when it is the
 * model's output, which the program never reads back) and calls rt_resize;
 * pad its sizes, pads before each axis and mode (rt_pad_params), rt_pad.
 */
#include "emit.h"

void emit_pool_params(Emit *e, const Node *n)
{
	const Attrs *a = &n->a;
	const Node *x = &e->g->nodes[n->in[0]];
	fprintf(e->c, "\t{\n\t\tstatic const rt_pool2d_params p = {\n");
	fprintf(e->c, "\t\t\t.n = %d, .c = %d, .h = %d, .w = %d, .oh = %d, .ow = %d,\n", x->shape[0], x->shape[1],
	        x->shape[2], x->shape[3], n->shape[2], n->shape[3]);
	fprintf(e->c, "\t\t\t.kh = %d, .kw = %d, .sh = %d, .sw = %d, .ph = %d, .pw = %d,\n", a->kernel[0],
	        a->kernel[1], a->stride[0], a->stride[1], a->pad[0], a->pad[1]);
	if (n->op == OP_AVG_POOL2D)
		fprintf(e->c, "\t\t\t.count_include_pad = %d,\n", a->count_include_pad);
	fprintf(e->c, "\t\t};\n");
}

/* interpolate's input pixels per output pixel along an axis, computed
 * as PyTorch 1.13 does (area_pixel_compute_scale), in float. */
static float resize_scale(int in, int out, double factor, const Attrs *a)
{
	if (a->mode == INTERP_BILINEAR && a->align_corners)
		return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
	return factor > 0 ? (float)(1.0 / factor) : (float)in / (float)out;
}

/* x: [n, c, h, w] -> y: [n, c, oh, ow], both NCHW. */
static void emit_resize(Emit *e, const Node *n)
{
	const Attrs *a = &n->a;
	const Node *x = &e->g->nodes[n->in[0]];
	Arena *A = e->g->arena;
	if (n->layout != LAYOUT_NCHW)
		BUG("interpolate in layout %s", layout_name[n->layout]);
	fprintf(e->c, "\t{\n\t\tstatic const rt_resize_params p = {\n");
	fprintf(e->c, "\t\t\t.n = %d, .c = %d, .h = %d, .w = %d, .oh = %d, .ow = %d,\n", x->shape[0], x->shape[1],
	        x->shape[2], x->shape[3], n->shape[2], n->shape[3]);
	fprintf(e->c, "\t\t\t.bilinear = %d, .align_corners = %d, .sh = %s, .sw = %s,\n", a->mode == INTERP_BILINEAR,
	        a->align_corners, emit_float(A, resize_scale(x->shape[2], n->shape[2], a->scale[0], a)),
	        emit_float(A, resize_scale(x->shape[3], n->shape[3], a->scale[1], a)));
	if (n->id == e->g->output) /* the caller's buffer: the program never reads it back */
		fprintf(e->c, "\t\t\t.stream = 1,\n");
	fprintf(e->c, "\t\t};\n\t\trt_resize(&p, %s, %s);\n\t}\n", e->var[x->id], e->var[n->id]);
}

/* pad: x: [n, c, h, w] -> y: [n, c, oh, ow], both NCHW. */
static void emit_pad(Emit *e, const Node *n)
{
	const Attrs *a = &n->a;
	const Node *x = &e->g->nodes[n->in[0]];
	static const char *const modes[] = {"RT_PAD_CONSTANT", "RT_PAD_REFLECT", "RT_PAD_REPLICATE"}; /* PAD_* */
	if (n->layout != LAYOUT_NCHW)
		BUG("pad in layout %s", layout_name[n->layout]);
	fprintf(e->c, "\t{\n\t\tstatic const rt_pad_params p = {\n");
	fprintf(e->c, "\t\t\t.n = %d, .c = %d, .h = %d, .w = %d, .oh = %d, .ow = %d,\n", x->shape[0], x->shape[1],
	        x->shape[2], x->shape[3], n->shape[2], n->shape[3]);
	int top = a->pads.n == 4 ? a->pads.v[2] : 0, left = a->pads.v[0]; /* negative: a crop */
	fprintf(e->c, "\t\t\t.top = %d, .left = %d, .crop_top = %d, .crop_left = %d, .mode = %s, .value = %s,\n",
	        top > 0 ? top : 0, left > 0 ? left : 0, top < 0 ? -top : 0, left < 0 ? -left : 0, modes[a->mode],
	        emit_float(e->g->arena, a->value));
	fprintf(e->c, "\t\t};\n\t\trt_pad(&p, %s, %s);\n\t}\n", e->var[x->id], e->var[n->id]);
}

/* x: [n, c, h, w] -> y: [n, c, oh, ow], both in n's layout. */
void emit_pool(Emit *e, const Node *n)
{
	FILE *c = e->c;
	const Node *x = &e->g->nodes[n->in[0]];
	const char *X = e->var[x->id], *Y = e->var[n->id];
	bool nchw = n->layout == LAYOUT_NCHW;
	int cl = layout_chunk(n);
	switch (n->op) {
	case OP_MAX_POOL2D:
	case OP_AVG_POOL2D:
		emit_pool_params(e, n);
		if (nchw)
			fprintf(c, "\t\trt_%s(&p, %s, %s);\n\t}\n", op_name[n->op], X, Y);
		else
			fprintf(c, "\t\trt_%s_cl(&p, %d, %s, %s);\n\t}\n", op_name[n->op], cl, X, Y);
		break;
	case OP_ADAPTIVE_AVG_POOL2D:
	case OP_GLOBAL_AVG_POOL:
	case OP_MEAN: /* over H, W: to N x C x 1 x 1, the memory of N x C in NCHW */
		if (nchw)
			fprintf(c, "\trt_adaptive_avg_pool2d(%d, %d, %d, %d, %d, %d, %s, %s);\n", x->shape[0], x->shape[1],
			        x->shape[2], x->shape[3], n->rank == 4 ? n->shape[2] : 1, n->rank == 4 ? n->shape[3] : 1, X,
			        Y);
		else
			fprintf(c, "\trt_adaptive_avg_pool2d_cl(%d, %d, %d, %d, %d, %d, %d, %s, %s);\n", x->shape[0],
			        x->shape[1], x->shape[2], x->shape[3], n->shape[2], n->shape[3], cl, X, Y);
		break;
	case OP_INTERPOLATE:
		emit_resize(e, n);
		break;
	case OP_PAD:
		emit_pad(e, n);
		break;
	default:
		BUG("%s is not a pool", op_name[n->op]);
	}
}
