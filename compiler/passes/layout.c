/*
 * layout.c: the layout of every activation, and the reorders between.
 *
 * needs: dead nodes removed, algorithms chosen. keeps: topological
 * order, names. breaks: node ids (reorders are inserted; the returned
 * map takes old ids to new ones).
 *
 * A value is stored NCHW, NHWC or NCHW8c (cnnc.h). Every op has an NCHW
 * kernel; these (CHUNKED in ops.def) also have kernels in the chunked
 * layouts (runtime/conv_cl.c, pool_cl.c, eltwise.c): conv2d (a direct,
 * register-blocked kernel; 1x1 with stride 1 and no padding as a GEMM over pixels;
 * depthwise vectorized over channels), batch_norm, the activations,
 * add, concat, dropout and the pools. The input and every rank-2 value
 * are NCHW; flatten, linear and softmax read NCHW.
 *
 * Each node gets one layout; where a reader needs another, a reorder
 * node is inserted right after the producer, one per layout needed, and
 * shared by every reader that needs it. A residual fused into a conv and
 * every input of add and concat are read in the reader's own layout. The
 * output must be NCHW: when the last node runs in another layout, a
 * reorder is appended and becomes the output.
 *
 * --layout nchw|nhwc|blocked puts every node that has a kernel in that
 * layout into it. A conv that goes to a chunked layout changes algorithm
 * to that layout's (direct, or gemm for 1x1), unless --algo named an
 * algorithm with no chunked kernel (im2col, winograd): then it stays
 * NCHW, with reorders around it.
 *
 * auto: a cost model (the numbers below, measured on this project's
 * machine) estimates each node's time in each layout and each
 * reorder's; the pass evaluates every uniform choice and a mixed one
 * found by local search from the best per-node layouts, and keeps the
 * cheapest, but leaves NCHW only for an estimate at least 3% lower (the
 * model's error is about that). The note in the report gives the
 * estimates. Where nothing is estimated faster, auto stays NCHW.
 */
#include "../cnnc.h"

#include <string.h>

int layout_chunk(const Node *n)
{
	switch (n->layout) {
	case LAYOUT_NHWC: return n->shape[1];
	case LAYOUT_NCHW8C: return LAYOUT_BLOCK;
	default: return 1;
	}
}

long long layout_numel(const Node *n)
{
	if (n->rank != 4 || n->layout == LAYOUT_NCHW)
		return ir_numel(n);
	int cl = layout_chunk(n);
	long long c = (n->shape[1] + cl - 1) / cl * (long long)cl;
	return ir_mul(ir_mul(ir_mul(n->shape[0], c), n->shape[2]), n->shape[3]);
}

static bool is_1x1(const Attrs *a)
{
	return a->kernel[0] == 1 && a->kernel[1] == 1 && a->stride[0] == 1 && a->stride[1] == 1 && a->pad[0] == 0 &&
	       a->pad[1] == 0;
}

/* Whether n has a kernel that runs in layout l. */
static bool supports(const Graph *g, const Node *n, Layout l, bool keep_algos)
{
	if (l == LAYOUT_NCHW)
		return true;
	if (n->rank != 4)
		return false;
	for (int j = 0; j < n->nin; j++)
		if (g->nodes[n->in[j]].rank != 4)
			return false;
	if (!(op_flags[n->op] & OPF_CHUNKED))
		return false;
	if (ir_is_binary(n->op) && ir_binary_form(g, n, NULL) == BIN_GENERAL)
		return false;
	/* channels padded to a chunk must still fit the kernels' int counts */
	Node padded = *n;
	padded.layout = l;
	if (layout_numel(&padded) > IR_MAX_ELEMS)
		return false;
	/* a conv's chunked kernels are direct and 1x1 GEMM */
	return n->op != OP_CONV2D || !keep_algos || n->algo == ALGO_DIRECT || n->algo == ALGO_GEMM;
}

/* ---- the cost model (auto) ------------------------------------------ */

/*
 * The numbers: nanoseconds, fitted to tests/bench/layout_kernels.c (best
 * of 15 runs per kernel on mobilenet_v2's and resnet18's shapes, one
 * core of the project's AVX-512 machine, 2026-11-25):
 *   - a 1x1 GEMM runs at 50 K/(K + 16) GMAC/s in NCHW (refitted after the
 *     GEMM's in-register epilogue and in-place 1x1 input: mobilenet_v2's
 *     1x1 layers at 79-94% of the 59 GMAC/s peak) and 46 K/(K + 30) in
 *     NHWC (K input channels);
 *   - depthwise: NCHW 0.04 ns per MAC (2.2 times that at stride 2) plus
 *     0.5 ns per (channel, output row, kernel row), refitted to
 *     `tests/bench/layers.py mobilenet_v2` after the vector depthwise
 *     kernel (runtime/depthwise.c: 0.16 ms at 32x112x112, 0.05 ms at
 *     192x28x28, 0.03 ms at 960x7x7, 0.24 ms stride 2 at 96x56x56);
 *     chunked 0.083 ns per MAC times (1 + 8 / ow), the border columns
 *     being slower;
 *   - any other conv: chunked direct at 44 cg/(cg + 7) GMAC/s (cg input
 *     channels per group, the inner loop); NCHW im2col at
 *     42 K/(K + 48) GMAC/s with K = cg kh kw;
 *     Winograd at 25 GMAC/s of its own multiplies (transforms included);
 *   - NCHW8c as NHWC, but depthwise 7% faster (one channel block's
 *     plane is contiguous); its padded channels cost memory traffic;
 *   - everything else streams memory at 8 bytes per ns in any layout;
 *   - a reorder costs 0.7 ns per float.
 */
static double conv_cost(const Graph *g, const Node *n, Layout l)
{
	const Node *x = &g->nodes[n->in[0]];
	double macs = (double)ir_macs(g, n), cg = x->shape[1] / n->a.groups;
	double kk = n->a.kernel[0] * n->a.kernel[1];
	if (pack_cl_depthwise(g, n)) {
		if (l != LAYOUT_NCHW)
			return (l == LAYOUT_NCHW8C ? 0.93 : 1.0) * 0.083 * macs * (1 + 8.0 / n->shape[3]);
		double per_mac = n->a.stride[0] * n->a.stride[1] > 1 ? 0.04 * 2.2 : 0.04;
		return per_mac * macs + 0.5 * n->shape[0] * n->shape[1] * n->shape[2] * n->a.kernel[0];
	}
	double t;
	if (is_1x1(&n->a))
		t = l == LAYOUT_NCHW ? macs / (50 * cg / (cg + 16)) : macs / (46 * cg / (cg + 30));
	else if (l != LAYOUT_NCHW)
		t = macs / (44 * cg / (cg + 7));
	else if (ALGO_WINOGRAD_TILE(n->algo)) {
		int m = ALGO_WINOGRAD_TILE(n->algo);
		double tiles = (double)((n->shape[2] + m - 1) / m) * ((n->shape[3] + m - 1) / m);
		tiles = (double)(((long long)tiles + 15) / 16 * 16);
		t = n->shape[0] * (m + 2) * (m + 2) * tiles * cg * n->shape[1] / 25.0;
	} else
		t = macs / (42 * cg * kk / (cg * kk + 48));
	return t;
}

/* Estimated nanoseconds of node n in layout l. */
static double node_cost(const Graph *g, const Node *n, Layout l)
{
	double bytes = 0, pad = 1; /* NCHW8c: padded floats per real one */
	if (l == LAYOUT_NCHW8C && n->rank == 4)
		pad = (double)((n->shape[1] + LAYOUT_BLOCK - 1) / LAYOUT_BLOCK * LAYOUT_BLOCK) / n->shape[1];
	for (int j = 0; j < n->nin; j++)
		bytes += 4.0 * (double)ir_numel(&g->nodes[n->in[j]]);
	bytes += 4.0 * (double)ir_numel(n) * pad;
	double mem = bytes / 8.0;
	return n->op == OP_CONV2D ? conv_cost(g, n, l) + mem : mem;
}

/* Estimated nanoseconds of reordering n's value. */
static double reorder_cost(const Node *n) { return 0.7 * (double)ir_numel(n); }

/* Total estimated nanoseconds of the assignment lay[]: every node, plus
 * one reorder per (value, other layout some reader needs). */
static double total_cost(const Graph *g, const Layout *lay)
{
	double t = 0;
	unsigned *need = arena_alloc(g->arena, (size_t)g->n * sizeof *need);
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		t += node_cost(g, n, lay[i]);
		for (int j = 0; j < n->nin; j++)
			need[n->in[j]] |= 1u << lay[i];
	}
	need[g->output] |= 1u << LAYOUT_NCHW;
	for (int i = 0; i < g->n; i++)
		for (int l = 0; l < LAYOUT_COUNT; l++)
			if (l != (int)lay[i] && (need[i] >> l & 1))
				t += reorder_cost(&g->nodes[i]);
	return t;
}

/* Every node in l where it can be, else NCHW. */
static void uniform(const Graph *g, Layout l, bool keep_algos, Layout *lay)
{
	for (int i = 0; i < g->n; i++)
		lay[i] = supports(g, &g->nodes[i], l, keep_algos) && g->nodes[i].op != OP_INPUT ? l : LAYOUT_NCHW;
}

/* From each node's cheapest layout, moves single nodes while the total
 * falls (a few sweeps). */
static void local_search(const Graph *g, bool keep_algos, Layout *lay)
{
	for (int i = 0; i < g->n; i++) {
		double best = -1;
		for (int l = 0; l < LAYOUT_COUNT; l++)
			if (g->nodes[i].op != OP_INPUT && supports(g, &g->nodes[i], (Layout)l, keep_algos)) {
				double c = node_cost(g, &g->nodes[i], (Layout)l);
				if (best < 0 || c < best)
					best = c, lay[i] = (Layout)l;
			}
	}
	double cur = total_cost(g, lay);
	for (int sweep = 0; sweep < 8; sweep++) {
		bool moved = false;
		for (int i = 0; i < g->n; i++) {
			Layout was = lay[i];
			for (int l = 0; l < LAYOUT_COUNT; l++) {
				if (l == (int)was || g->nodes[i].op == OP_INPUT ||
				    !supports(g, &g->nodes[i], (Layout)l, keep_algos))
					continue;
				lay[i] = (Layout)l;
				double c = total_cost(g, lay);
				if (c < cur) {
					cur = c, was = (Layout)l, moved = true;
				}
			}
			lay[i] = was;
		}
		if (!moved)
			break;
	}
}

/* The cheapest of the uniform assignments and the local search's; the
 * estimates go into the graph's layout note. */
static void choose_auto(Graph *g, bool keep_algos, Layout *lay)
{
	Layout *cand = arena_alloc(g->arena, (size_t)g->n * sizeof *cand);
	double best = -1, est[LAYOUT_COUNT + 1];
	const char *pick = "";
	for (int c = 0; c <= LAYOUT_COUNT; c++) {
		if (c < LAYOUT_COUNT)
			uniform(g, (Layout)c, keep_algos, cand);
		else
			local_search(g, keep_algos, cand);
		est[c] = total_cost(g, cand);
		/* leaving NCHW must win 3% (the model's error); then the cheapest */
		if (best < 0 || (est[c] < est[0] * 0.97 && est[c] < best)) {
			best = est[c];
			memcpy(lay, cand, (size_t)g->n * sizeof *lay);
			pick = c < LAYOUT_COUNT ? layout_name[c] : "mixed";
		}
	}
	g->layout_note = arena_printf(g->arena,
	                              "layout auto: %s; estimated ms: nchw %.3f, nhwc %.3f, nchw8c %.3f, mixed %.3f",
	                              pick, est[0] * 1e-6, est[1] * 1e-6, est[2] * 1e-6, est[3] * 1e-6);
}

/* ---- the rewrite ---------------------------------------------------- */

/* A conv moved to a chunked layout takes that layout's algorithm. */
static void set_conv_algo(Node *n, bool keep_algos)
{
	if (n->op != OP_CONV2D || n->layout == LAYOUT_NCHW)
		return;
	bool forced_direct = keep_algos && n->algo == ALGO_DIRECT;
	n->algo = is_1x1(&n->a) && !forced_direct ? ALGO_GEMM : ALGO_DIRECT;
	n->scratch = 0;
	n->scratch_rt = NULL;
	n->algo_note = NULL;
}

int *choose_layouts(Graph *g, Layout force, bool keep_algos)
{
	Arena *A = g->arena;
	int n = g->n;
	Layout *lay = arena_alloc(A, (size_t)n * sizeof *lay);
	if (force == LAYOUT_COUNT)
		choose_auto(g, keep_algos, lay);
	else {
		uniform(g, force, keep_algos, lay);
		g->layout_note = arena_printf(A, "layout %s forced (--layout): every op with a kernel in it", layout_name[force]);
	}

	/* need[i]: the layouts i's readers want */
	unsigned *need = arena_alloc(A, (size_t)n * sizeof *need);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < g->nodes[i].nin; j++)
			need[g->nodes[i].in[j]] |= 1u << lay[i];
	need[g->output] |= 1u << LAYOUT_NCHW;

	Node *old = g->nodes;
	int cap = n * (LAYOUT_COUNT + 1);
	Node *nodes = arena_alloc(A, (size_t)cap * sizeof *nodes);
	int *newid = arena_alloc(A, (size_t)n * sizeof *newid);
	int(*reo)[LAYOUT_COUNT] = arena_alloc(A, (size_t)n * sizeof *reo); /* new id of i in layout l */
	int m = 0;
	for (int i = 0; i < n; i++) {
		Node *d = &nodes[m];
		*d = old[i];
		d->id = newid[i] = m++;
		d->layout = lay[i];
		d->in = arena_alloc(A, (size_t)(d->nin ? d->nin : 1) * sizeof *d->in);
		for (int j = 0; j < d->nin; j++)
			d->in[j] = reo[old[i].in[j]][lay[i]];
		set_conv_algo(d, keep_algos);
		for (int l = 0; l < LAYOUT_COUNT; l++) {
			reo[i][l] = newid[i];
			if (l == (int)lay[i] || !(need[i] >> l & 1))
				continue;
			Node *r = &nodes[m];
			memset(r, 0, sizeof *r);
			r->op = OP_REORDER;
			r->id = reo[i][l] = m++;
			r->name = arena_printf(A, "%s.to_%s", old[i].name, layout_name[l]);
			r->line = old[i].line;
			r->in = arena_alloc(A, sizeof *r->in);
			r->in[0] = newid[i];
			r->nin = 1;
			r->rank = old[i].rank;
			memcpy(r->shape, old[i].shape, sizeof r->shape);
			r->layout = (Layout)l;
			r->note = arena_printf(A, "reorder %s -> %s", layout_name[lay[i]], layout_name[l]);
		}
	}
	g->nodes = nodes;
	g->cap = cap;
	g->n = m;
	g->input = newid[g->input];
	g->output = reo[g->output][LAYOUT_NCHW];
	return newid;
}
