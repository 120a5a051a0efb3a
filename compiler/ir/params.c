/*
 * params.c: the learnable tensors each op reads, and its cost: one pair
 * of rules per name in ops.def's cost column.
 *
 * Parameter names and shapes are PyTorch's state_dict entries, so a
 * torchvision state_dict loads as it is. MACs count the multiply-
 * accumulates of conv2d, conv_transpose2d and linear only, the convention behind
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
			p->count = ir_mul(p->count, d[i]);
	}
}

/*
 * The cost rules, one pair per name in ops.def's cost column: params_<rule>
 * writes the learnable tensors of n (input x, options a) into out and
 * returns their count; macs_<rule> returns its multiply-accumulates.
 */
typedef int ParamsRule(const Node *n, const Node *x, const Attrs *a, ParamSpec *out);
typedef long long MacsRule(const Node *n, const Node *x, const Attrs *a);

/* no parameters, no MACs counted */
static int params_none(const Node *n, const Node *x, const Attrs *a, ParamSpec *out)
{
	(void)n, (void)x, (void)a, (void)out;
	return 0;
}

static long long macs_none(const Node *n, const Node *x, const Attrs *a)
{
	(void)n, (void)x, (void)a;
	return 0;
}

static int params_conv2d(const Node *n, const Node *x, const Attrs *a, ParamSpec *out)
{
	(void)n;
	int k = 0;
	spec(&out[k++], "weight", 4, a->out_channels, x->shape[1] / a->groups, a->kernel[0], a->kernel[1]);
	if (a->bias)
		spec(&out[k++], "bias", 1, a->out_channels, 0, 0, 0);
	return k;
}

static long long macs_conv2d(const Node *n, const Node *x, const Attrs *a)
{
	/* every output element: (C_in / groups) * KH * KW products */
	return ir_mul(ir_mul(ir_mul(ir_numel(n), x->shape[1] / a->groups), a->kernel[0]), a->kernel[1]);
}

/* conv_transpose2d: NAME.weight [in, out/groups, kh, kw], as
 * nn.ConvTranspose2d stores it */
static int params_conv_transpose2d(const Node *n, const Node *x, const Attrs *a, ParamSpec *out)
{
	(void)n;
	int k = 0;
	spec(&out[k++], "weight", 4, x->shape[1], a->out_channels / a->groups, a->kernel[0], a->kernel[1]);
	if (a->bias)
		spec(&out[k++], "bias", 1, a->out_channels, 0, 0, 0);
	return k;
}

static long long macs_conv_transpose2d(const Node *n, const Node *x, const Attrs *a)
{
	(void)n;
	/* every input element: (out / groups) * KH * KW products, the count
	 * of tests/zoo's hook (and of fvcore, thop); output_padding's
	 * rows and any output cropped by padding do not change it */
	return ir_mul(ir_mul(ir_mul(ir_numel(x), a->out_channels / a->groups), a->kernel[0]), a->kernel[1]);
}

static int params_linear(const Node *n, const Node *x, const Attrs *a, ParamSpec *out)
{
	(void)n;
	int k = 0;
	spec(&out[k++], "weight", 2, a->out_features, x->shape[x->rank - 1], 0, 0);
	if (a->bias)
		spec(&out[k++], "bias", 1, a->out_features, 0, 0, 0);
	return k;
}

static long long macs_linear(const Node *n, const Node *x, const Attrs *a)
{
	(void)a; /* every output element: one dot product over the last dim */
	return ir_mul(ir_numel(n), x->shape[x->rank - 1]);
}

/* layer_norm: NAME.weight and NAME.bias of normalized_shape, when
 * elementwise_affine */
static int params_layer_norm(const Node *n, const Node *x, const Attrs *a, ParamSpec *out)
{
	(void)n, (void)x;
	const int *d = a->sizes.v;
	if (!a->affine)
		return 0;
	spec(&out[0], "weight", a->sizes.n, d[0], d[1], d[2], d[3]);
	spec(&out[1], "bias", a->sizes.n, d[0], d[1], d[2], d[3]);
	return 2;
}

/* a normalization: no multiply-accumulates in torchvision's count */
static long long macs_layer_norm(const Node *n, const Node *x, const Attrs *a)
{
	(void)n, (void)x, (void)a;
	return 0;
}

static int params_batch_norm(const Node *n, const Node *x, const Attrs *a, ParamSpec *out)
{
	(void)n, (void)a;
	int k = 0;
	spec(&out[k++], "weight", 1, x->shape[1], 0, 0, 0);
	spec(&out[k++], "bias", 1, x->shape[1], 0, 0, 0);
	spec(&out[k++], "running_mean", 1, x->shape[1], 0, 0, 0);
	spec(&out[k++], "running_var", 1, x->shape[1], 0, 0, 0);
	out[k - 2].buffer = out[k - 1].buffer = true;
	return k;
}

/* torchvision's convention counts conv2d and linear only */
static long long macs_batch_norm(const Node *n, const Node *x, const Attrs *a)
{
	(void)n, (void)x, (void)a;
	return 0;
}

/* param: the one tensor, under the layer's own name (suffix "") */
static int params_param(const Node *n, const Node *x, const Attrs *a, ParamSpec *out)
{
	(void)n, (void)x;
	const int *d = a->pshape.v;
	spec(&out[0], "", a->pshape.n, d[0], d[1], d[2], d[3]);
	return 1;
}

#define macs_param macs_none /* a tensor read: no multiply-accumulates */

/* prelu: its slopes, NAME.weight [num_parameters] */
static int params_prelu(const Node *n, const Node *x, const Attrs *a, ParamSpec *out)
{
	(void)n, (void)x;
	spec(&out[0], "weight", 1, a->num_parameters, 0, 0, 0);
	return 1;
}

#define macs_prelu macs_none /* an activation: no multiply-accumulates in torchvision's count */

/* Each op's rules, named in ops.def: a rule without its functions here
 * is an undeclared identifier, a build error. */
static ParamsRule *const params_rule[] = {
#define OP(id, name, mn, mx, shape, cost, identity, view, elem, chunked, epilogue) params_##cost,
#include "ops.def"
#undef OP
};
_Static_assert(sizeof params_rule / sizeof *params_rule == OP_COUNT, "params_rule: one per op");

static MacsRule *const macs_rule[] = {
#define OP(id, name, mn, mx, shape, cost, identity, view, elem, chunked, epilogue) macs_##cost,
#include "ops.def"
#undef OP
};
_Static_assert(sizeof macs_rule / sizeof *macs_rule == OP_COUNT, "macs_rule: one per op");

int ir_params(const Graph *g, const Node *n, ParamSpec out[MAX_PARAMS])
{
	const Node *x = n->nin ? &g->nodes[n->in[0]] : NULL;
	return params_rule[n->op](n, x, &n->a, out);
}

static long long count(const Graph *g, const Node *n, bool buffers)
{
	ParamSpec p[MAX_PARAMS];
	long long total = 0;
	int k = ir_params(g, n, p);
	for (int i = 0; i < k; i++)
		if (buffers || !p[i].buffer)
			total = ir_add_sat(total, p[i].count);
	return total;
}

long long ir_param_count(const Graph *g, const Node *n) { return count(g, n, false); }
long long ir_weight_count(const Graph *g, const Node *n) { return count(g, n, true); }

const char *ir_param_key(Arena *a, const Node *n, const ParamSpec *p)
{
	return p->suffix[0] ? arena_printf(a, "%s.%s", n->name, p->suffix) : n->name;
}

long long ir_macs(const Graph *g, const Node *n)
{
	const Node *x = n->nin ? &g->nodes[n->in[0]] : NULL;
	return macs_rule[n->op](n, x, &n->a);
}
