/*
 * qbind.c: a Q file bound to the int8 compile's graph.
 *
 * needs: the graph batch-norm-folded as quantize's calibration graph
 * was (fold_batchnorm's decisions, dce), so that its layers are the
 * ones the Q file names; the file checked by quant_load. keeps:
 * everything. fills: Node.qscale, qzp of every quantized value;
 * Node.qin_scale, qin_zp of a layer reading its input on a fixed grid;
 * Node.qweight, qwscale, qbias of every int8 conv2d and linear; and
 * Node.param of every other layer, read as FP32 weights (a conv kept
 * in FP32 by --fp32 has its batch norm already folded in the file, as
 * PyTorch folds it).
 */
#include "../cnnc.h"

#include <string.h>

/* The live node of g named name, or -1. */
static int find(const Graph *g, const char *name)
{
	for (int i = 0; i < g->n; i++)
		if (!g->nodes[i].dead && !strcmp(g->nodes[i].name, name))
			return i;
	return -1;
}

void quant_bind(Graph *g, const QFile *q)
{
	for (int k = 0; k < q->nvalues; k++) {
		int i = find(g, q->values[k].name);
		if (i < 0)
			continue; /* removed: the output does not depend on it */
		g->nodes[i].qscale = q->values[k].q.scale;
		g->nodes[i].qzp = q->values[k].q.zero_point;
	}
	for (int k = 0; k < q->ninputs; k++) {
		int i = find(g, q->inputs[k].name);
		if (i < 0)
			continue;
		g->nodes[i].qin_scale = q->inputs[k].q.scale;
		g->nodes[i].qin_zp = q->inputs[k].q.zero_point;
	}
	for (int k = 0; k < q->nweights; k++) {
		int i = find(g, q->weight_layer[k]);
		if (i < 0)
			continue;
		Node *n = &g->nodes[i];
		n->qweight = q->weight[k];
		n->qwscale = q->weight_scale[k];
		n->qbias = q->bias[k];
		n->qfbias = q->bias_float[k];
	}
	weights_bind(g, st_open(g->arena, q->path), true);
}
