/*
 * memplan.c: the static memory plan.
 *
 * needs: dead nodes removed, shapes inferred. keeps: the graph as it is
 * (a piece read in place gets a note saying so).
 *
 * Every activation gets a byte offset in one workspace. A buffer is live
 * from the node that writes it to the last node that reads it (both
 * inclusive, so a kernel's output never overlaps its inputs); buffers whose
 * live ranges are disjoint may share bytes. Views (VIEW in ops.def:
 * flatten, dropout) write nothing: they are their source's buffer, and their readers extend the
 * source's range. Above -O0 (views) a chunk or split piece is a view
 * too, at an offset into its source, where its channels are one
 * contiguous run of it: batch 1, NCHW or NCHW8c with the piece starting
 * on a block and ending on one or at the source's end (whose padding
 * lanes are zero); in NHWC, with batch > 1, or when the piece (or a
 * view of it) is the model's output, it is copied. The input and the output are the caller's buffers.
 * A node's scratch (im2col patches) is one more buffer, live only while
 * that node runs. An element-wise node (ELEM) whose input of its own
 * shape is read last by it writes over that input's buffer (in place:
 * squeeze-and-excitation's scaling needs no second full-size buffer);
 * never over a piece read in place, whose source may be read later. A
 * param's value is its weights: no buffer.
 *
 * Above -O0 a concat's inputs are written in place too, where they can
 * be: the producer of an input writes straight into its channels of the
 * concat's buffer (batch 1, NCHW: a contiguous run), so the concat copies
 * nothing for it. Concats are taken from the last: each gives its
 * channels to the inputs that no later concat has taken (a value lives in
 * one place); a concat whose inputs all already lie in order in one
 * buffer is a view of it and computes nothing. DenseNet's blocks, where
 * each layer reads the concat of every map before it, become one buffer
 * per block, each layer's output written once into its channels, and
 * every concat a view of its first channels. Not the model's input, a
 * param, a view or a piece (their memory is another's), the output, or
 * an element-wise value written over its input; and no element-wise node
 * writes over a buffer that holds such values.
 *
 * Placement is the greedy "largest first, lowest free offset" heuristic:
 * sort buffers by size (ties by id, so the plan is deterministic), then put
 * each at the lowest 64-byte-aligned offset that overlaps no placed buffer
 * with an intersecting live range. Simple, and within a few percent of the
 * best known for CNN chains; replace it when a model says so.
 */
#include "../cnnc.h"

#include <stdlib.h>

/* v rounded up to MEM_ALIGN; v is at most IR_SATURATED - MEM_ALIGN */
static long long align_up(long long v) { return (v + MEM_ALIGN - 1) / MEM_ALIGN * MEM_ALIGN; }

/* Refuses a plan past IR_MAX_WORKSPACE at the line of buffer b's node
 * (b >= n: node b - n's scratch). */
static void check_size(const Graph *g, int b, long long bytes, const char *what)
{
	if (bytes <= IR_MAX_WORKSPACE)
		return;
	const Node *node = &g->nodes[b % g->n];
	diag_error(g->file, node->line, "%s: %s needs %lld bytes, more than the workspace may have (2^46 = %lld)",
	           op_name[node->op], what, bytes, IR_MAX_WORKSPACE);
}

static const MemPlan *sort_plan; /* qsort has no context argument */

static int by_size_desc(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;
	long long sa = sort_plan->bytes[a], sb = sort_plan->bytes[b];
	if (sa != sb)
		return sa > sb ? -1 : 1;
	return a - b;
}

/* Byte offset at which piece n (chunk or split) can be read in place in
 * its input, or -1 when it must be copied. */
static long long piece_view(const Graph *g, const Node *n)
{
	if (n->op != OP_CHUNK && n->op != OP_SPLIT)
		return -1;
	const Node *x = &g->nodes[n->in[0]];
	int first = n->a.slice[0], count = n->a.slice[1];
	long long hw = ir_inner(n);
	if (x->shape[0] != 1 || n->layout != x->layout)
		return -1;
	if (n->layout == LAYOUT_NCHW8C &&
	    (first % LAYOUT_BLOCK || (count % LAYOUT_BLOCK && first + count != x->shape[1])))
		return -1;
	if (n->layout == LAYOUT_NHWC)
		return -1;
	return 4 * first * hw; /* NCHW8c: first / 8 blocks of 8 * hw floats */
}

/* Per node: the last node that reads its value, directly or through
 * views of it, or through chunk and split pieces of it, which may be
 * views (g->n: the output, read after the last node). */
static int *last_reads(const Graph *g)
{
	int *read = arena_alloc(g->arena, (size_t)g->n * sizeof *read);
	read[g->output] = g->n;
	for (int i = g->n - 1; i >= 0; i--) {
		const Node *node = &g->nodes[i];
		for (int j = 0; j < node->nin; j++)
			if (read[node->in[j]] < i)
				read[node->in[j]] = i;
		bool through = op_flags[node->op] & OPF_VIEW || node->op == OP_CHUNK || node->op == OP_SPLIT;
		if (through && read[node->in[0]] < read[i])
			read[node->in[0]] = read[i];
	}
	return read;
}

/* The input whose buffer element-wise node i may write over, or -1: one
 * of its shape and layout that nothing reads after i (nor a view of its
 * buffer), in the workspace (not the caller's input, not a weight, not a
 * piece read in place). The element-wise kernels read element k of every
 * input before writing element k of the output, so in place is safe. */
static int in_place(const Graph *g, const MemPlan *p, const int *read, const bool *holds, int i)
{
	const Node *node = &g->nodes[i];
	if (!(op_flags[node->op] & OPF_ELEM) || op_flags[node->op] & OPF_VIEW)
		return -1;
	for (int j = 0; j < node->nin; j++) {
		int x = node->in[j], h = p->home[x];
		const Node *xn = &g->nodes[x];
		bool ok = ir_same_shape(xn, node) && xn->layout == node->layout && xn->dtype == node->dtype;
		/* x and what it is a view of: read last here, none a piece in place */
		for (int v = x; ok; v = g->nodes[v].in[0]) {
			const Node *vn = &g->nodes[v];
			bool view = op_flags[vn->op] & OPF_VIEW;
			bool piece = p->home[v] != v && (vn->op == OP_CHUNK || vn->op == OP_SPLIT);
			ok = read[v] == i && !piece;
			if (!view)
				break;
		}
		if (ok && h != g->input && g->nodes[h].op != OP_PARAM && !holds[h])
			return x;
	}
	return -1;
}

/* Whether node x's value can be written into a concat's channels (or
 * be such a concat): batch 1, NCHW float32, its own memory, not the
 * model's input or output. */
static bool slot_fits(const Graph *g, int x, const bool *to_output)
{
	const Node *n = &g->nodes[x];
	return x != g->input && n->op != OP_PARAM && !(op_flags[n->op] & OPF_VIEW) && n->op != OP_CHUNK &&
	       n->op != OP_SPLIT && n->layout == LAYOUT_NCHW && n->dtype == DTYPE_F32 && n->shape[0] == 1 &&
	       !to_output[x];
}

/* The concats' slots (see the top): root[i] the concat whose buffer holds
 * node i's value, at byte at[i], or -1 (then at[i] is 0). */
static void concat_slots(Graph *g, const bool *to_output, int *root, long long *at)
{
	for (int i = 0; i < g->n; i++)
		root[i] = -1;
	for (int i = g->n - 1; i >= 0; i--) {
		const Node *c = &g->nodes[i];
		if (c->op != OP_CONCAT || !slot_fits(g, i, to_output))
			continue;
		long long hw4 = 4 * ir_inner(c), off = at[c->in[0]];
		int r = root[i];
		if (r < 0) { /* a view when its inputs lie in order in one buffer */
			bool view = root[c->in[0]] >= 0;
			for (int k = 0; k < c->nin && view; k++) {
				int x = c->in[k];
				view = root[x] == root[c->in[0]] && at[x] == off;
				off += hw4 * g->nodes[x].shape[1];
			}
			if (view) {
				root[i] = root[c->in[0]];
				at[i] = at[c->in[0]];
				g->nodes[i].note = arena_printf(g->arena, "a view: channels %lld..%lld of %s, where its inputs are written: no copy",
				                                at[i] / hw4, at[i] / hw4 + c->shape[1] - 1, g->nodes[root[i]].name);
				continue;
			}
			r = i;
		}
		off = r == i ? 0 : at[i];
		int placed = 0;
		for (int k = 0; k < c->nin; k++) {
			int x = c->in[k];
			if (root[x] < 0 && slot_fits(g, x, to_output)) {
				root[x] = r;
				at[x] = off;
				placed++;
			}
			off += hw4 * g->nodes[x].shape[1];
		}
		if (placed)
			g->nodes[i].note = arena_printf(g->arena, "%d of its %d inputs written into its channels by their producers: no copy",
			                                placed, c->nin);
	}
}

bool memplan_in_concat(const Graph *g, int i)
{
	return g->plan->in_concat[i];
}

bool memplan_placed(const Graph *g, int i, int k)
{
	const MemPlan *p = g->plan;
	const Node *c = &g->nodes[i];
	long long off = p->view_offset[i];
	for (int j = 0; j < k; j++)
		off += 4 * ir_inner(c) * g->nodes[c->in[j]].shape[1];
	int x = c->in[k];
	return p->home[x] == p->home[i] && p->view_offset[x] == off;
}

bool memplan_piece(const Graph *g, int i)
{
	const Node *n = &g->nodes[i];
	return g->plan->home[i] != i && (n->op == OP_CHUNK || n->op == OP_SPLIT);
}

void memplan(Graph *g, bool views)
{
	Arena *A = g->arena;
	int n = g->n, nb = 2 * n; /* buffer b < n: node b's value; n + i: node i's scratch */
	MemPlan *p = arena_alloc(A, sizeof *p);
	p->home = arena_alloc(A, (size_t)n * sizeof *p->home);
	p->offset = arena_alloc(A, (size_t)nb * sizeof *p->offset);
	p->bytes = arena_alloc(A, (size_t)nb * sizeof *p->bytes);
	p->first = arena_alloc(A, (size_t)nb * sizeof *p->first);
	p->last = arena_alloc(A, (size_t)nb * sizeof *p->last);
	p->scratch_offset = p->offset + n;
	p->view_offset = arena_alloc(A, (size_t)n * sizeof *p->view_offset);
	p->in_concat = arena_alloc(A, (size_t)n * sizeof *p->in_concat);

	/* the output and the nodes it is a view of are written, never views
	 * at an offset: the caller's buffer holds only the output */
	bool *to_output = arena_alloc(A, (size_t)n * sizeof *to_output);
	for (int i = g->output;; i = g->nodes[i].in[0]) {
		to_output[i] = true;
		if (!(op_flags[g->nodes[i].op] & OPF_VIEW))
			break;
	}
	int *read = last_reads(g);
	int *root = arena_alloc(A, (size_t)n * sizeof *root);
	long long *at = arena_alloc(A, (size_t)n * sizeof *at);
	bool *holds = arena_alloc(A, (size_t)n * sizeof *holds); /* a concat's buffer with values in its channels */
	for (int i = 0; i < n; i++)
		root[i] = -1;
	if (views)
		concat_slots(g, to_output, root, at);
	for (int i = 0; i < n; i++) {
		if (root[i] >= 0)
			holds[root[i]] = true;
		/* (a concat's buffer is read by its values' readers before it) */
		p->first[i] = p->last[i] = i;
	}
	for (int i = 0; i < n; i++) {
		const Node *node = &g->nodes[i];
		long long off = views && !to_output[i] ? piece_view(g, node) : -1;
		bool view = op_flags[node->op] & OPF_VIEW || off >= 0;
		bool placed = root[i] >= 0;
		int over = view || placed ? -1 : in_place(g, p, read, holds, i);
		p->home[i] = placed ? root[i] : view ? p->home[node->in[0]] : over >= 0 ? p->home[over] : i;
		p->view_offset[i] = placed ? at[i] : view ? p->view_offset[node->in[0]] + (off > 0 ? off : 0) : 0;
		p->in_concat[i] = placed;
		if (off >= 0)
			g->nodes[i].note = arena_printf(A, "read in place: channels %d..%d of %s, no copy", node->a.slice[0],
			                                node->a.slice[0] + node->a.slice[1] - 1, g->nodes[node->in[0]].name);
		p->bytes[i] = ir_mul(node->dtype == DTYPE_U8 ? 1 : 4, layout_numel(node)); /* padded in NCHW8c */
		p->bytes[n + i] = node->scratch;
		p->first[n + i] = p->last[n + i] = i;
		check_size(g, i, p->bytes[i], "its value");
		check_size(g, n + i, node->scratch, "its scratch");
		p->naive = ir_add_sat(p->naive, ir_add_sat(p->bytes[i], node->scratch));
		for (int j = 0; j < node->nin; j++) {
			int h = p->home[node->in[j]];
			if (p->last[h] < i)
				p->last[h] = i;
		}
	}

	/* a concat's buffer is live from its first value's producer on */
	for (int i = 0; i < n; i++)
		if (root[i] >= 0 && p->first[root[i]] > i)
			p->first[root[i]] = i;

	/* the output's home is the caller's output buffer, unless it is the
	 * input itself (then the emitter copies) */
	int out = p->home[g->output];
	int *order = arena_alloc(A, (size_t)nb * sizeof *order);
	int count = 0;
	for (int b = 0; b < nb; b++) {
		if (b < n && p->home[b] != b)
			continue;
		if (b < n && g->nodes[b].op == OP_PARAM)
			p->offset[b] = MEM_CONST;
		else if (b == g->input)
			p->offset[b] = MEM_INPUT;
		else if (b == out)
			p->offset[b] = MEM_OUTPUT;
		else if (p->bytes[b] > 0)
			order[count++] = b;
	}
	sort_plan = p;
	qsort(order, (size_t)count, sizeof *order, by_size_desc);

	for (int k = 0; k < count; k++) {
		int t = order[k];
		long long off = 0;
		/* first fit: move past every conflicting buffer until none */
		for (bool moved = true; moved;) {
			moved = false;
			for (int j = 0; j < k; j++) {
				int u = order[j];
				bool live = p->first[u] <= p->last[t] && p->first[t] <= p->last[u];
				bool overlap = p->offset[u] < off + p->bytes[t] && off < p->offset[u] + p->bytes[u];
				if (live && overlap) {
					off = align_up(p->offset[u] + p->bytes[u]);
					moved = true;
				}
			}
		}
		/* every offset and size so far is within IR_MAX_WORKSPACE, so
		 * these sums cannot overflow */
		check_size(g, t, off + p->bytes[t], t < n ? "the plan with its value" : "the plan with its scratch");
		p->offset[t] = off;
		if (align_up(off + p->bytes[t]) > p->workspace)
			p->workspace = align_up(off + p->bytes[t]);
	}
	g->plan = p;
}
