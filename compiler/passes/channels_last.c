/*
 * channels_last.c: ConvNeXt's permuted per-pixel ops lowered onto
 * N x C x H x W, with no copy for the permutes.
 *
 * needs: identities removed (constfold: dropout, stochastic_depth, and
 * permutes that keep their dims in place). keeps: topological order,
 * ids. breaks: nothing (the permutes are left without readers, marked
 * dead; dce removes them).
 *
 * A region starts at a permute(0, 2, 3, 1) of a 4-D value X, which makes
 * N x H x W x C, and takes, walking forward, every reader of its values.
 * Each must be one of:
 *   - layer_norm over the last dim (normalized_shape {C}): becomes a
 *     layer norm over dim 1 (Attrs.channels);
 *   - linear: becomes a 1x1 conv2d (its weight [out, in] is stored as
 *     [out, in, 1, 1] would be: the same floats);
 *   - an activation, prelu with one slope, dropout, stochastic_depth;
 *   - add, sub, mul or div whose other operand is a number, another value
 *     of the region, or a param of shape {C} (or {1}) that nothing else
 *     reads: the param's node becomes 1 x C x 1 x 1, a per-channel operand
 *     (ConvNeXt's layer scale in the NHWC form some ports write);
 *   - permute(0, 3, 1, 2): an exit, back to N x C x H x W.
 * Any other reader, a region value that is the model's output, or an
 * operand from outside leaves the region as written (the permutes run
 * as copies) and says why in the entry permute's note. Otherwise every
 * value of the region becomes N x C x H x W where it was N x H x W x C:
 * the same numbers, in PyTorch's NCHW order. The entry's readers read X,
 * each exit's readers read the exit's input, and nothing is copied.
 * torchvision's LayerNorm2d (permute, layer_norm, permute: ConvNeXt's
 * stem, downsampling and classifier) is the smallest such region.
 */
#include "../cnnc.h"

#include <string.h>

/* n is permute with dims {a, b, c, d} of a 4-D value. */
static bool is_permute(const Node *n, int a, int b, int c, int d)
{
	const int want[4] = {a, b, c, d};
	if (n->op != OP_PERMUTE || n->rank != 4 || n->dead)
		return false;
	for (int i = 0; i < 4; i++)
		if (ir_norm_dim(n->a.dims.v[i], 4) != want[i])
			return false;
	return true;
}

/* Why node u, which reads a value of the region, cannot join it (NULL:
 * it can); member[] marks the region's nodes. */
static const char *cannot_join(Graph *g, const Node *u, const bool *member)
{
	if (u->op == OP_LAYER_NORM)
		return u->a.sizes.n == 1 ? NULL : "a layer_norm over more than the last dim reads it";
	if (u->op == OP_LINEAR || u->op == OP_DROPOUT || u->op == OP_STOCHASTIC_DEPTH)
		return NULL;
	if (u->op == OP_PRELU)
		return u->a.num_parameters == 1 ? NULL : "a prelu with a slope per dim 1 reads it";
	if (ir_act_of(u->op) != ACT_NONE)
		return NULL;
	if (!ir_is_binary(u->op))
		return arena_printf(g->arena, "%s (%s) reads it, not a per-pixel op", u->name, op_name[u->op]);
	for (int j = 0; j < u->nin; j++) {
		const Node *x = &g->nodes[u->in[j]];
		if (member[x->id])
			continue;
		int c = u->shape[3];
		if (x->op != OP_PARAM || x->a.pshape.n != 1 || (x->a.pshape.v[0] != c && x->a.pshape.v[0] != 1) ||
		    ir_users(g, x->id) != 1)
			return arena_printf(g->arena, "%s (%s) also reads %s, neither of the region nor a {C} param of its own",
			                    u->name, op_name[u->op], x->name);
	}
	return NULL;
}

/* The region from entry permute p: marks member[] (p included) and
 * exit[]; returns why it cannot be lowered, or NULL. */
static const char *grow(Graph *g, int p, bool *member, bool *exit)
{
	member[p] = true;
	for (int r = p; r < g->n; r++) {
		if (!member[r])
			continue;
		if (r == g->output)
			return arena_printf(g->arena, "%s, in N x H x W x C order, is the model's output", g->nodes[r].name);
		for (int i = r + 1; i < g->n; i++) {
			const Node *u = &g->nodes[i];
			bool reads = false;
			for (int j = 0; j < u->nin; j++)
				reads |= u->in[j] == r;
			if (u->dead || !reads || member[i] || exit[i])
				continue;
			if (is_permute(u, 0, 3, 1, 2)) {
				if (i == g->output && g->nodes[p].in[0] == g->input)
					return "the region would make the model's output its input";
				exit[i] = true;
				continue;
			}
			const char *why = cannot_join(g, u, member);
			if (why)
				return why;
			member[i] = true;
		}
	}
	return NULL;
}

/* Rewrites region node n from N x H x W x C onto N x C x H x W. */
static void lower(Graph *g, Node *n)
{
	Attrs *a = &n->a;
	if (n->op == OP_LINEAR) {
		n->op = OP_CONV2D;
		a->out_channels = a->out_features;
		a->out_features = 0;
		a->kernel[0] = a->kernel[1] = a->stride[0] = a->stride[1] = a->dilation[0] = a->dilation[1] = 1;
		a->groups = 1; /* no note: fold_bn's "folded in" is the conv's note (emit_weights reads it) */
	} else if (n->op == OP_LAYER_NORM) {
		a->channels = true;
		n->note = "over the channels of N x C x H x W (permutes removed)";
	}
	for (int j = 0; j < n->nin; j++) {
		Node *x = &g->nodes[n->in[j]];
		if (x->op == OP_PARAM && x->rank != 4) { /* {C}: 1 x C x 1 x 1 */
			int c = x->shape[x->rank - 1];
			x->rank = 4;
			x->shape[0] = x->shape[2] = x->shape[3] = 1;
			x->shape[1] = c;
		}
	}
}

void channels_last(Graph *g)
{
	bool *member = arena_alloc(g->arena, (size_t)g->n * sizeof *member);
	bool *exit = arena_alloc(g->arena, (size_t)g->n * sizeof *exit);
	for (int p = 0; p < g->n; p++) {
		if (!is_permute(&g->nodes[p], 0, 2, 3, 1))
			continue;
		memset(member, 0, (size_t)g->n * sizeof *member);
		memset(exit, 0, (size_t)g->n * sizeof *exit);
		const char *why = grow(g, p, member, exit);
		if (why) {
			g->nodes[p].note = arena_printf(g->arena, "kept (a copy): %s", why);
			continue;
		}
		int ops = 0, exits = 0;
		for (int i = p + 1; i < g->n; i++)
			if (member[i]) {
				lower(g, &g->nodes[i]);
				ops++;
			}
		int x = g->nodes[p].in[0];
		ir_replace_uses(g, p, x);
		char err[512];
		for (int i = p + 1; i < g->n; i++)
			if (member[i] && !ir_infer_node(g, i, err, sizeof err))
				BUG("channels_last: %s", err);
		for (int i = p + 1; i < g->n; i++)
			if (exit[i]) {
				Node *e = &g->nodes[i];
				if (!ir_same_shape(e, &g->nodes[e->in[0]]))
					BUG("channels_last: exit %s does not read N x C x H x W", e->name);
				e->note = "removed: the region before it is N x C x H x W already";
				ir_replace_uses(g, i, e->in[0]);
				exits++;
			}
		g->nodes[p].note = arena_printf(g->arena, "removed: the %d op%s after it, up to %d permute(0, 3, 1, 2), run on "
		                                "N x C x H x W (no copy)", ops, ops == 1 ? "" : "s", exits);
	}
}
