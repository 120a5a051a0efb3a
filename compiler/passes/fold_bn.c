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
 * another reader: that reader must still see the unnormalized values,
 * and after a linear over the last dim of a 3-D or 4-D tensor, whose
 * features are not the channels (dim 1) the norm scales.
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
		if (x->op == OP_LINEAR && x->rank != 2) { /* its features are the last dim, the norm's channels dim 1 */
			bn->note = arena_printf(g->arena, "not folded: %s runs over the last dim of a %d-D tensor, the norm "
			                        "over dim 1", x->name, x->rank);
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

/* The fold's arithmetic for one batch norm bn folded into x: in double
 * (what compile emits), or in float32 step by step as PyTorch's
 * fuse_conv_bn_weights and fuse_linear_bn_weights compute it (torch 1.13:
 * r = rsqrt(var + eps); conv: w * (gamma * r), ((b - mean) * r) * gamma
 * + beta; linear: s = gamma * r, w * s, (b - mean) * s + beta), so that
 * `cnnc quantize` sees PyTorch's folded weights bit for bit (the compiler
 * builds with -std=c11: no contraction into FMA). */
static void fold_one(Graph *g, const Node *bn, Node *x, bool torch_f32)
{
	ParamSpec ps[MAX_PARAMS];
	int oc = x->op == OP_LINEAR ? x->a.out_features : x->a.out_channels;
	long long count = ir_params(g, x, ps) ? ps[0].count : 0, per = count / oc;
	const float *gamma = bn->param[0], *beta = bn->param[1], *mean = bn->param[2], *var = bn->param[3];
	bool had_bias = x->param[1] != NULL, conv = x->op != OP_LINEAR;
	float *w = arena_alloc(g->arena, (size_t)count * sizeof *w);
	float *b = arena_alloc(g->arena, (size_t)oc * sizeof *b);
	float *sf = arena_alloc(g->arena, (size_t)oc * sizeof *sf);  /* torch_f32: gamma * r */
	double *sd = arena_alloc(g->arena, (size_t)oc * sizeof *sd); /* otherwise: in double */
	for (int o = 0; o < oc; o++) {
		if (torch_f32) {
			float r = 1.0f / sqrtf(var[o] + (float)bn->a.eps);
			sf[o] = gamma[o] * r;
			float d = (had_bias ? x->param[1][o] : 0.0f) - mean[o];
			float t = conv ? d * r : d * sf[o];
			float u = conv ? t * gamma[o] : t;
			b[o] = u + beta[o];
			continue;
		}
		sd[o] = (double)gamma[o] / sqrt((double)var[o] + bn->a.eps);
		double b0 = had_bias ? (double)x->param[1][o] : 0.0;
		b[o] = (float)(b0 * sd[o] + (double)beta[o] - (double)mean[o] * sd[o]);
	}
	for (long long k = 0; k < count; k++) {
		int o = out_channel(g, x, k, per);
		w[k] = torch_f32 ? x->param[0][k] * sf[o] : (float)((double)x->param[0][k] * sd[o]);
	}
	x->param[0] = w;
	x->param[1] = b;
}

void fold_batchnorm_weights(Graph *g, bool torch_f32)
{
	for (int i = 0; i < g->n; i++) {
		const Node *bn = &g->nodes[i];
		if (bn->op != OP_BATCH_NORM || !bn->folded)
			continue;
		Node *x = &g->nodes[bn->in[0]];
		if (!bn->dead || (x->op != OP_CONV2D && x->op != OP_LINEAR && x->op != OP_CONV_TRANSPOSE2D) || !x->a.bias)
			BUG("batch_norm %d marked folded, but not folded into a conv2d, conv_transpose2d or linear", i);
		if (!x->param[0] || !bn->param[0])
			BUG("fold_batchnorm_weights on %s without weights bound", x->name);
		fold_one(g, bn, x, torch_f32);
	}
}
