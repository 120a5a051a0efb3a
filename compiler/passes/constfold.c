/*
 * constfold.c: what the compiler can decide from constants alone.
 *
 * needs: shapes. keeps: topological order. breaks: nothing (removed nodes
 * are left without readers; dce deletes them).
 *
 * A cnnc model has no constant tensors besides its weights, so what is
 * known at compile time is each op's options and its input's shape. They
 * make some ops the identity on their input, and those are removed (each
 * op's rule is named in ops.def's identity column):
 *   - dropout (inference);
 *   - max_pool2d / avg_pool2d with a 1x1 window, stride 1 and no padding
 *     (every window is one element; ceil_mode changes nothing then);
 *   - adaptive_avg_pool2d to the input's own H x W (PyTorch's windows are
 *     then [i, i+1): one element each);
 *   - interpolate to the input's own H x W (either mode);
 *   - concat of a single tensor;
 *   - flatten of an N x F tensor;
 *   - x - 0, x * 1 and x / 1 with a number operand: x exactly, NaN and
 *     -0 included (x + 0 is kept: -0 + 0 is +0, which a later div tells).
 *   - a chunk or split piece that is its whole input (chunks = 1);
 *   - channel_shuffle with groups = 1.
 * And chains of clamps collapse, since relu and relu6 are idempotent and
 * relu6(relu(x)) = relu6(x), relu(relu6(x)) = relu6(x):
 *   - relu or relu6 after the same op is the identity;
 *   - relu after relu6 is the identity;
 *   - relu6 after relu reads the relu's input instead (the relu goes too
 *     when nothing else reads it).
 * hardtanh with min_val 0 and max_val 6 counts as relu6 here, which it
 * is (in PyTorch too: F.relu6 is hardtanh(x, 0, 6)); it stays hardtanh,
 * computing the same values.
 * An identity that would make the graph's output its input is kept: the
 * caller's output buffer must still be written. Batch norm's constants
 * fold into the op before it in fold_bn.c.
 */
#include "../cnnc.h"

/*
 * The identity rules, one per name in ops.def's identity column: each
 * returns the input node n (reading x, with options a) passes on
 * unchanged, or -1 when n computes something.
 */
typedef int IdentityRule(const Node *n, const Node *x, const Attrs *a);

static int identity_never(const Node *n, const Node *x, const Attrs *a)
{
	(void)n, (void)x, (void)a;
	return -1;
}

/* dropout: the identity at inference */
static int identity_always(const Node *n, const Node *x, const Attrs *a)
{
	(void)n, (void)a;
	return x->id;
}

/* pools: a 1x1 window, stride 1, no padding */
static int identity_unit_window(const Node *n, const Node *x, const Attrs *a)
{
	(void)n;
	if (a->kernel[0] == 1 && a->kernel[1] == 1 && a->stride[0] == 1 && a->stride[1] == 1 && a->pad[0] == 0 &&
	    a->pad[1] == 0)
		return x->id;
	return -1;
}

/* adaptive_avg_pool2d to the input's own H x W */
static int identity_same_size(const Node *n, const Node *x, const Attrs *a)
{
	(void)n;
	return a->out_size[0] == x->shape[2] && a->out_size[1] == x->shape[3] ? x->id : -1;
}

/* interpolate to the input's own H x W: PyTorch copies such an axis */
static int identity_same_hw(const Node *n, const Node *x, const Attrs *a)
{
	(void)a;
	return n->shape[2] == x->shape[2] && n->shape[3] == x->shape[3] ? x->id : -1;
}

/* concat of one tensor */
static int identity_single(const Node *n, const Node *x, const Attrs *a)
{
	(void)a;
	return n->nin == 1 ? x->id : -1;
}

/* flatten, reshape to the input's own shape (an N x F tensor flattened) */
static int identity_same_shape(const Node *n, const Node *x, const Attrs *a)
{
	(void)a;
	return ir_same_shape(n, x) ? x->id : -1;
}

/* permute that keeps every dim in its place */
static int identity_in_order(const Node *n, const Node *x, const Attrs *a)
{
	for (int d = 0; d < a->dims.n; d++)
		if (ir_norm_dim(a->dims.v[d], n->rank) != d)
			return -1;
	return x->id;
}

/* add, sub, mul, div: a number operand that changes nothing */
static int identity_binary(const Node *n, const Node *x, const Attrs *a)
{
	if (n->nin != 1 || a->scalar_first || n->op == OP_ADD)
		return -1;
	return a->scalar == (n->op == OP_SUB ? 0.0 : 1.0) ? x->id : -1;
}

/* relu6, or hardtanh(0, 6), which is relu6 */
static bool is_relu6(const Node *n)
{
	return n->op == OP_RELU6 || (n->op == OP_HARDTANH && n->a.param == 0 && n->a.param2 == 6);
}

/* chunk, split: a piece that is the whole input (chunks = 1) */
static int identity_whole(const Node *n, const Node *x, const Attrs *a)
{
	(void)n;
	return a->slice[0] == 0 && a->slice[1] == x->shape[1] ? x->id : -1;
}

/* channel_shuffle with one group */
static int identity_one_group(const Node *n, const Node *x, const Attrs *a)
{
	(void)n;
	return a->groups == 1 ? x->id : -1;
}

/* pad by nothing on every side (any mode) */
static int identity_zero_pad(const Node *n, const Node *x, const Attrs *a)
{
	(void)n;
	for (int i = 0; i < a->pads.n; i++)
		if (a->pads.v[i])
			return -1;
	return x->id;
}

/* an activation: relu or relu6 after a clamp it cannot change */
static int identity_act_chain(const Node *n, const Node *x, const Attrs *a)
{
	(void)a;
	if (n->op == OP_RELU)
		return x->op == OP_RELU || is_relu6(x) ? x->id : -1;
	if (is_relu6(n))
		return is_relu6(x) ? x->id : -1;
	return -1;
}

/* Each op's rule, named in ops.def: a rule without its function here is
 * an undeclared identifier, a build error. */
static IdentityRule *const identity_rule[] = {
#define OP(id, name, mn, mx, shape, cost, identity, view, elem, chunked, epilogue) identity_##identity,
#include "../ir/ops.def"
#undef OP
};
_Static_assert(sizeof identity_rule / sizeof *identity_rule == OP_COUNT, "identity_rule: one per op");

/* The input node n passes on unchanged, or -1 when n computes something. */
static int identity_input(const Graph *g, const Node *n)
{
	if (n->nin < 1)
		return -1;
	return identity_rule[n->op](n, &g->nodes[n->in[0]], &n->a);
}

void constfold(Graph *g)
{
	for (int i = 0; i < g->n; i++) {
		Node *n = &g->nodes[i];
		if (n->dead)
			continue;
		if (is_relu6(n) && g->nodes[n->in[0]].op == OP_RELU) {
			const Node *r = &g->nodes[n->in[0]];
			int *in = arena_alloc(g->arena, sizeof *in);
			in[0] = r->in[0];
			n->in = in;
			n->note = arena_printf(g->arena, "reads %s's input: %s(relu(x)) = %s(x)", r->name, op_name[n->op],
			                       op_name[n->op]);
		}
		int x = identity_input(g, n);
		if (x < 0 || (x == g->input && i == g->output))
			continue;
		n->note = arena_printf(g->arena, "removed: the identity on %s", g->nodes[x].name);
		ir_replace_uses(g, i, x);
	}
}
