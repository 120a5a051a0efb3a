/*
 * fold_bn.c: batch_norm folded into the conv2d, conv_transpose2d or linear before it.
 *
 * fold_batchnorm decides and rewires; it reads no weights, so `cnnc
 * report` without weights takes the very decisions `compile` takes.
 * needs: shapes. keeps: topological order. breaks: nothing (the batch_norm
 * is left without readers, marked folded; dce removes it).
 *
 * fold_batchnorm_weights then does the arithmetic, for the pipelines that
 * have weights. needs: weights bound, fold_batchnorm run and dce not yet
 * (the folded batch_norms still in the graph). keeps: the graph.
 *
 * At inference a batch norm is a per-channel affine map,
 *   y = x * s + t,  s = gamma / sqrt(var + eps),  t = beta - mean * s,
 * so after a conv, a conv_transpose2d (its output channel is the
 * weight's dim 1) or a linear it folds into the weights: W'[o] = W[o] * s[o]
 * and b'[o] = b[o] * s[o] + t[o] (b = 0 when there was no bias). The
 * arithmetic is done in double and rounded once. Folds are applied in
 * node order, so a batch_norm after a batch_norm folds into the weights
 * the first one left.
 *
 * Refuses (and says so in the node's note) where the conv's output has
 * another reader: that reader must still see the unnormalized values.
 * A batch_norm after anything else stays as it is.
 */
#include "../cnnc.h"

#include <math.h>

void fold_batchnorm(Graph *g)
{
	for (int i = 0; i < g->n; i++) {
		Node *bn = &g->nodes[i];
		if (bn->op != OP_BATCH_NORM)
			continue;
		Node *x = &g->nodes[bn->in[0]];
		if (x->op != OP_CONV2D && x->op != OP_LINEAR && x->op != OP_CONV_TRANSPOSE2D) {
			bn->note = arena_printf(g->arena, "not folded: follows %s, not conv2d, conv_transpose2d or linear",
			                        op_name[x->op]);
			continue;
		}
		if (ir_users(g, x->id) != 1) {
			bn->note = arena_printf(g->arena, "not folded: %s's output has other readers", x->name);
			continue;
		}
		if (x->nin != 1 || x->a.act != ACT_NONE)
			BUG("fold_batchnorm must run before fuse");
		bn->note = arena_printf(g->arena, "folded into %s", x->name);
		x->note = arena_printf(g->arena, "%s folded in", bn->name);
		ir_replace_uses(g, bn->id, x->id);
		bn->folded = true;
		x->a.bias = true;
	}
}

/* The output channel weight element k of x feeds (per: elements per
 * output channel): conv2d and linear store them by output channel;
 * conv_transpose2d's [in, out/groups, kh, kw] has them in dim 1, within
 * the group of input channel k / (out/groups * kh * kw). */
static int out_channel(const Graph *g, const Node *x, long long k, long long per)
{
	if (x->op != OP_CONV_TRANSPOSE2D)
		return (int)(k / per);
	int og = x->a.out_channels / x->a.groups, cg = g->nodes[x->in[0]].shape[1] / x->a.groups;
	long long taps = (long long)x->a.kernel[0] * x->a.kernel[1];
	long long ci = k / (og * taps);
	return (int)(ci / cg * og + k / taps % og);
}

void fold_batchnorm_weights(Graph *g)
{
	ParamSpec ps[MAX_PARAMS];
	for (int i = 0; i < g->n; i++) {
		const Node *bn = &g->nodes[i];
		if (bn->op != OP_BATCH_NORM || !bn->folded)
			continue;
		Node *x = &g->nodes[bn->in[0]];
		if (!bn->dead || (x->op != OP_CONV2D && x->op != OP_LINEAR && x->op != OP_CONV_TRANSPOSE2D) || !x->a.bias)
			BUG("batch_norm %d marked folded, but not folded into a conv2d, conv_transpose2d or linear", i);
		if (!x->param[0] || !bn->param[0])
			BUG("fold_batchnorm_weights on %s without weights bound", x->name);
		int oc = x->op == OP_LINEAR ? x->a.out_features : x->a.out_channels;
		long long count = ir_params(g, x, ps) ? ps[0].count : 0;
		const float *gamma = bn->param[0], *beta = bn->param[1], *mean = bn->param[2], *var = bn->param[3];
		bool had_bias = x->param[1] != NULL;
		float *w = arena_alloc(g->arena, (size_t)count * sizeof *w);
		float *b = arena_alloc(g->arena, (size_t)oc * sizeof *b);
		double *s = arena_alloc(g->arena, (size_t)oc * sizeof *s);
		for (int o = 0; o < oc; o++) {
			s[o] = (double)gamma[o] / sqrt((double)var[o] + bn->a.eps);
			double b0 = had_bias ? (double)x->param[1][o] : 0.0;
			b[o] = (float)(b0 * s[o] + (double)beta[o] - (double)mean[o] * s[o]);
		}
		for (long long k = 0; k < count; k++)
			w[k] = (float)((double)x->param[0][k] * s[out_channel(g, x, k, count / oc)]);
		x->param[0] = w;
		x->param[1] = b;
	}
}
