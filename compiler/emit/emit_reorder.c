/*
 * emit_reorder.c: the calls of the reorders between layouts.
 *
 * needs: layouts chosen (passes/layout.c inserts the reorders), memory
 * planned.
 *
 * A reorder copies a value from its producer's layout into the one its
 * readers need: rt_reorder from chunks of cl_in to chunks of cl_out, each
 * 1 (NCHW), C (NHWC) or LAYOUT_BLOCK (NCHW8c), as layout_chunk says.
 */
#include "emit.h"

/* x: [n, c, h, w] in x's layout -> y: the same in n's layout. */
void emit_reorder(Emit *e, const Node *n)
{
	const Node *x = &e->g->nodes[n->in[0]];
	fprintf(e->c, "\trt_reorder(%d, %d, %d, %d, %s, %d, %s);\n", n->shape[0], n->shape[1], n->shape[2] * n->shape[3],
	        layout_chunk(x), e->var[x->id], layout_chunk(n), e->var[n->id]);
}
