/*
 * params.c: the learnable tensors each op reads, and its cost.
 *
 * Parameter names and shapes are PyTorch's state_dict entries, so a
 * torchvision state_dict loads as it is. MACs count the multiply-
 * accumulates of conv2d and linear only, the convention behind
 * torchvision's published figures; FLOPs are twice that.
 */
#include "../cnnc.h"

#include <string.h>

static void spec(ParamSpec *p, const char *suffix, int rank, int d0, int d1, int d2, int d3)
{
	int d[MAX_RANK] = {d0, d1, d2, d3};
	p->suffix = suffix;
	p->rank = rank;
	p->count = 1;
	p->buffer = false;
	for (int i = 0; i < MAX_RANK; i++) {
		p->shape[i] = i < rank ? d[i] : 0;
		if (i < rank)
			p->count *= d[i];
	}
}

int ir_params(const Graph *g, const Node *n, ParamSpec out[MAX_PARAMS])
{
	const Node *x = n->nin ? &g->nodes[n->in[0]] : NULL;
	const Attrs *a = &n->a;
	int k = 0;
	switch (n->op) {
	case OP_CONV2D:
		spec(&out[k++], "weight", 4, a->out_channels, x->shape[1] / a->groups, a->kernel[0], a->kernel[1]);
		if (a->bias)
			spec(&out[k++], "bias", 1, a->out_channels, 0, 0, 0);
		break;
	case OP_LINEAR:
		spec(&out[k++], "weight", 2, a->out_features, x->shape[1], 0, 0);
		if (a->bias)
			spec(&out[k++], "bias", 1, a->out_features, 0, 0, 0);
		break;
	case OP_BATCH_NORM:
		spec(&out[k++], "weight", 1, x->shape[1], 0, 0, 0);
		spec(&out[k++], "bias", 1, x->shape[1], 0, 0, 0);
		spec(&out[k++], "running_mean", 1, x->shape[1], 0, 0, 0);
		spec(&out[k++], "running_var", 1, x->shape[1], 0, 0, 0);
		out[k - 2].buffer = out[k - 1].buffer = true;
		break;
	default:
		break;
	}
	return k;
}

static long long count(const Graph *g, const Node *n, bool buffers)
{
	ParamSpec p[MAX_PARAMS];
	long long total = 0;
	int k = ir_params(g, n, p);
	for (int i = 0; i < k; i++)
		if (buffers || !p[i].buffer)
			total += p[i].count;
	return total;
}

long long ir_param_count(const Graph *g, const Node *n) { return count(g, n, false); }
long long ir_weight_count(const Graph *g, const Node *n) { return count(g, n, true); }

long long ir_macs(const Graph *g, const Node *n)
{
	const Node *x = n->nin ? &g->nodes[n->in[0]] : NULL;
	switch (n->op) {
	case OP_CONV2D:
		/* every output element: (C_in / groups) * KH * KW products */
		return ir_numel(n) * (x->shape[1] / n->a.groups) * n->a.kernel[0] * n->a.kernel[1];
	case OP_LINEAR:
		return ir_numel(n) * (long long)x->shape[1];
	default:
		return 0;
	}
}
