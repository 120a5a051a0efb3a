/*
 * emit_channel.c: the calls of the ops that move whole channels: a
 * piece of chunk or split (a channel range of its input) and
 * channel_shuffle, NCHW or chunked (runtime/channel.c).
 *
 * needs: layouts chosen, memory planned.
 *
 * A piece reads its input in its own layout, so in NHWC the input's
 * chunk is its channel count and the piece's its own. A piece that
 * memplan made a view (its channels contiguous in its input) emits no
 * code: its pointer into the input is declared with the buffers.
 */
#include "emit.h"

/* chunk, split: x: [n, c, h, w] or [n, c] -> y: [n, count, ...], channels
 * [first, first + count); channel_shuffle: x, y: [n, c, h, w]. */
void emit_channel(Emit *e, const Node *n)
{
	FILE *c = e->c;
	const Node *x = &e->g->nodes[n->in[0]];
	const char *X = e->var[x->id], *Y = e->var[n->id];
	bool nchw = n->layout == LAYOUT_NCHW;
	int hw = (int)ir_inner(n);
	switch (n->op) {
	case OP_CHUNK:
	case OP_SPLIT:
		if (e->g->plan->home[n->id] != n->id)
			fprintf(c, "\t/* (a view into %s: no code) */\n", X);
		else if (nchw)
			fprintf(c, "\trt_slice_channels(%d, %d, %d, %d, %d, %s, %s);\n", n->shape[0], x->shape[1], hw,
			        n->a.slice[0], n->a.slice[1], X, Y);
		else
			fprintf(c, "\trt_slice_channels_cl(%d, %d, %d, %d, %s, %d, %d, %d, %s);\n", n->shape[0], x->shape[1],
			        hw, layout_chunk(x), X, n->a.slice[0], n->a.slice[1], layout_chunk(n), Y);
		break;
	case OP_CHANNEL_SHUFFLE:
		if (nchw)
			fprintf(c, "\trt_channel_shuffle(%d, %d, %d, %d, %s, %s);\n", n->shape[0], n->shape[1], hw,
			        n->a.groups, X, Y);
		else
			fprintf(c, "\trt_channel_shuffle_cl(%d, %d, %d, %d, %d, %s, %s);\n", n->shape[0], n->shape[1], hw,
			        n->a.groups, layout_chunk(n), X, Y);
		break;
	default:
		BUG("%s is not a channel op", op_name[n->op]);
	}
}
