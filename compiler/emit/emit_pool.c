/*
 * emit_pool.c: the calls of pooling layers, NCHW or chunked.
 *
 * needs: layouts chosen, memory planned.
 *
 * max_pool2d and avg_pool2d open a block declaring their sizes
 * (rt_pool2d_params) and call rt_max_pool2d / rt_avg_pool2d, or their
 * _cl twins with the chunk size in NHWC or NCHW8c; adaptive_avg_pool2d
 * and global_avg_pool and mean (adaptive pools to 1x1; mean without
 * keepdim gives N x C, in NCHW the same floats) pass their sizes as
 * arguments to rt_adaptive_avg_pool2d(_cl). Input and output share one
 * layout: pools keep channels where they are.
 */
#include "emit.h"

/* Opens a block declaring pool n's `static const rt_pool2d_params p`. */
static void pool_params(Emit *e, const Node *n)
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
		pool_params(e, n);
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
	default:
		BUG("%s is not a pool", op_name[n->op]);
	}
}
