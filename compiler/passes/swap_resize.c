/*
 * swap_resize.c: a 1x1 conv2d after an interpolate moved before it.
 *
 * needs: shapes; batch norms folded (a conv's bias is final), nothing
 * fused yet. keeps: topological order, names, weights. breaks: node ids
 * (the conv takes the interpolate's place, the interpolate follows it
 * and the nodes between move down one; the returned map takes old ids
 * to new ones).
 *
 * conv1x1(interpolate(x)) is interpolate(conv1x1(x)) for modes nearest
 * and bilinear, either align_corners, any size or scale: a 1x1 conv with
 * groups 1 is the same affine map of the channels at every pixel, and
 * each output pixel of the interpolate is, per channel, a weighted sum of
 * input pixels whose weights sum to 1 (nearest: one pixel; bilinear: the
 * four around it, edges clamped as PyTorch clamps them), which commutes
 * with the map, bias included. Resizing the conv's out_channels instead
 * of its in_channels saves (in - out) x H x W elements of interpolation
 * and runs the conv on the smaller image: torchvision's LRASPP head
 * resizes 128 channels to classify them into 21. The results differ from
 * the model as written by float rounding only.
 *
 * The conv is moved (its name, weights and state_dict keys with it); the
 * interpolate follows it at once, so an add that reads it can still fuse
 * into a conv computed after it (LRASPP: low_classifier takes the
 * resized high_classifier as its residual). Refused, said in the
 * interpolate's note, where
 *   - the conv is not 1x1 with stride 1, no padding, groups 1 (another
 *     conv mixes pixels, which the interpolate would then resize first);
 *   - it does not reduce the channels (out_channels >= in_channels: no
 *     fewer elements to resize);
 *   - the interpolate shrinks the image (the conv would run on more
 *     pixels than it does now);
 *   - another op reads the resized tensor too, or it is the output;
 *   - an activation alone reads the conv: fuse applies it as the conv
 *     stores, while moved it would be a pass of its own over the resized
 *     tensor.
 */
#include "../cnnc.h"

#include <string.h>

/* The one live reader of id, or -1 (none, or more than one). */
static int only_reader(const Graph *g, int id)
{
	int r = -1;
	for (int i = id + 1; i < g->n; i++)
		for (int j = 0; j < g->nodes[i].nin && !g->nodes[i].dead; j++)
			if (g->nodes[i].in[j] == id) {
				if (r >= 0 && r != i)
					return -1;
				r = i;
			}
	return r;
}

/* Why conv c (1x1, reading interpolate n) cannot move before n, or NULL. */
static const char *refusal(const Graph *g, const Node *n, const Node *c)
{
	const Attrs *a = &c->a;
	if (a->stride[0] != 1 || a->stride[1] != 1 || a->pad[0] || a->pad[1] || a->groups != 1)
		return "the conv is not stride 1, padding 0, groups 1";
	if (c->nin != 1 || a->act != ACT_NONE || a->residual || c->pro_name || c->qweight)
		return "the conv has something fused into it";
	if (a->out_channels >= n->shape[1])
		return arena_printf(g->arena, "out_channels %d >= in_channels %d: nothing fewer to resize",
		                    a->out_channels, n->shape[1]);
	const Node *x = &g->nodes[n->in[0]];
	if ((long long)n->shape[2] * n->shape[3] < (long long)x->shape[2] * x->shape[3])
		return "the interpolate shrinks the image: the conv would run on more pixels";
	if (ir_users(g, n->id) != 1 || n->id == g->output)
		return "the resized tensor has other readers";
	int r = only_reader(g, c->id);
	if (r >= 0 && c->id != g->output) {
		const Node *u = &g->nodes[r];
		bool act = u->op == OP_PRELU || ((op_flags[u->op] & OPF_EPILOGUE) && ir_act_of(u->op) != ACT_NONE);
		if (act)
			return arena_printf(g->arena, "%s after the conv fuses into it", op_name[u->op]);
	}
	return NULL;
}

/* Moves conv c to interpolate i's place, i right after it reading it,
 * the nodes between down one; readers of c read the interpolate. */
static void swap(Graph *g, int i, int c)
{
	Node conv = g->nodes[c], rs = g->nodes[i];
	const Node *x = &g->nodes[rs.in[0]];
	memmove(&g->nodes[i + 2], &g->nodes[i + 1], (size_t)(c - i - 1) * sizeof *g->nodes);
	for (int k = i + 2; k < g->n; k++) {
		Node *u = &g->nodes[k];
		u->id = k;
		for (int j = 0; j < u->nin; j++)
			if (u->in[j] == c || u->in[j] == i)
				u->in[j] = i + 1;
			else if (u->in[j] > i && u->in[j] < c)
				u->in[j]++;
	}
	if (g->output == c)
		g->output = i + 1;
	else if (g->output > i && g->output < c)
		g->output++;
	conv.id = i;
	conv.in = arena_alloc(g->arena, sizeof *conv.in);
	conv.in[0] = rs.in[0];
	conv.shape[2] = x->shape[2];
	conv.shape[3] = x->shape[3];
	rs.id = i + 1;
	rs.in = arena_alloc(g->arena, sizeof *rs.in);
	rs.in[0] = i;
	rs.shape[1] = conv.shape[1];
	g->nodes[i] = conv;
	g->nodes[i + 1] = rs;
}

int *swap_resize(Graph *g)
{
	int *map = arena_alloc(g->arena, (size_t)g->n * sizeof *map);
	for (int k = 0; k < g->n; k++)
		map[k] = k;
	for (int c = 0; c < g->n; c++) {
		Node *cv = &g->nodes[c];
		if (cv->op != OP_CONV2D || cv->dead || g->nodes[cv->in[0]].op != OP_INTERPOLATE || cv->rank != 4 ||
		    cv->a.kernel[0] != 1 || cv->a.kernel[1] != 1)
			continue;
		int i = cv->in[0];
		Node *n = &g->nodes[i];
		const char *why = refusal(g, n, cv);
		if (why) {
			n->note = arena_printf(g->arena, "not moved after %s: %s", cv->name, why);
			continue;
		}
		bool again = n->note && !strncmp(n->note, "moved after ", 12); /* past a conv already */
		const Node *x = &g->nodes[n->in[0]];
		n->note = arena_printf(g->arena, "%s%s%s (1x1, %d -> %d channels, now run at %dx%d: resizes %d, not %d)",
		                       again ? n->note : "", again ? ", then after " : "moved after ", cv->name,
		                       n->shape[1], cv->a.out_channels, x->shape[2], x->shape[3], cv->a.out_channels,
		                       n->shape[1]);
		/* no note on the conv: a conv's note is fold_bn's "folded in" (emit_weights reads it) */
		for (int k = 0; k < g->n; k++) /* old ids: the conv to i, the interpolate and those between down one */
			if (map[k] == c)
				map[k] = i;
			else if (map[k] >= i && map[k] < c)
				map[k]++;
		swap(g, i, c);
	}
	return map;
}
