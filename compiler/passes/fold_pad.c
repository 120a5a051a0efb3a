/*
 * fold_pad.c: a zero pad folded into the padding of the conv2d it feeds.
 *
 * needs: shapes; constfold run (a pad of nothing is already gone).
 * keeps: topological order. breaks: nothing (the pad is left without
 * readers; dce removes it).
 *
 * conv2d(pad(x, {l, r, t, b}), padding = {ph, pw}) with mode "constant"
 * and value 0 is conv2d(x, padding = {ph + t, pw + l}) when l = r and
 * t = b: the conv's window then reads the same zeros from its own
 * padding, and the padded tensor is never written. Refused, and said so
 * in the pad's note, where
 *   - the pads differ between sides: rt_conv2d_params (and every conv
 *     kernel behind it) pads both sides of an axis alike;
 *   - the pad is not constant zero, or crops (a negative pad);
 *   - another op reads the padded tensor too, or the conv reads it as
 *     anything but its input (or it is the model's output).
 */
#include "../cnnc.h"

/* Why pad n cannot fold into conv c, or NULL when it can. */
static const char *refusal(const Graph *g, const Node *n, const Node *c)
{
	const Dims *p = &n->a.pads;
	int pads[4] = {0, 0, 0, 0};
	for (int i = 0; i < p->n; i++)
		pads[i] = p->v[i];
	if (n->a.mode != PAD_CONSTANT || n->a.value != 0)
		return "not a zero pad";
	if (pads[0] < 0 || pads[1] < 0 || pads[2] < 0 || pads[3] < 0)
		return "it crops (a negative pad)";
	if (ir_users(g, n->id) != 1 || n->id == g->output || c->in[0] != n->id)
		return "the padded tensor has other readers";
	if (pads[0] != pads[1] || pads[2] != pads[3])
		return arena_printf(g->arena,
		                    "asymmetric pads {%d, %d, %d, %d}: the conv kernels pad both sides of an axis alike",
		                    pads[0], pads[1], pads[2], pads[3]);
	return NULL;
}

void fold_pad(Graph *g)
{
	for (int i = 0; i < g->n; i++) {
		Node *c = &g->nodes[i];
		if (c->op != OP_CONV2D || g->nodes[c->in[0]].op != OP_PAD)
			continue;
		Node *n = &g->nodes[c->in[0]];
		const char *why = refusal(g, n, c);
		if (why) {
			n->note = arena_printf(g->arena, "not folded into %s: %s", c->name, why);
			continue;
		}
		int t = n->a.pads.n == 4 ? n->a.pads.v[2] : 0, l = n->a.pads.v[0];
		n->note = arena_printf(g->arena, "folded into %s's padding (%dx%d -> %dx%d)", c->name, c->a.pad[0],
		                       c->a.pad[1], c->a.pad[0] + t, c->a.pad[1] + l);
		c->a.pad[0] += t;
		c->a.pad[1] += l;
		int *in = arena_alloc(g->arena, sizeof *in);
		in[0] = n->in[0];
		c->in = in;
		n->dead = true;
	}
}
