/*
 * memplan.c: the static memory plan.
 *
 * needs: dead nodes removed, shapes inferred. keeps: the graph as it is.
 *
 * Every activation gets a byte offset in one workspace. A buffer is live
 * from the node that writes it to the last node that reads it (both
 * inclusive, so a kernel's output never overlaps its inputs); buffers whose
 * live ranges are disjoint may share bytes. Views (VIEW in ops.def:
 * flatten, dropout) write nothing: they are their source's buffer, and their readers extend the
 * source's range. The input and the output are the caller's buffers.
 * A node's scratch (im2col patches) is one more buffer, live only while
 * that node runs. An element-wise node (ELEM) whose input of its own
 * shape is read last by it writes over that input's buffer (in place:
 * squeeze-and-excitation's scaling needs no second full-size buffer).
 * A param's value is its weights: no buffer.
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

/* Per node: the last node that reads its value, directly or through
 * views of it (g->n: the output, read after the last node). */
static int *last_reads(const Graph *g)
{
	int *read = arena_alloc(g->arena, (size_t)g->n * sizeof *read);
	read[g->output] = g->n;
	for (int i = g->n - 1; i >= 0; i--) {
		const Node *node = &g->nodes[i];
		for (int j = 0; j < node->nin; j++)
			if (read[node->in[j]] < i)
				read[node->in[j]] = i;
		if (op_flags[node->op] & OPF_VIEW && read[node->in[0]] < read[i])
			read[node->in[0]] = read[i];
	}
	return read;
}

/* The input whose buffer element-wise node i may write over, or -1: one
 * of its shape and layout that nothing reads after i (nor a view of its
 * buffer), in the workspace (not the caller's input, not a weight). The
 * element-wise kernels read element k of every input before writing
 * element k of the output, so in place is safe. */
static int in_place(const Graph *g, const MemPlan *p, const int *read, int i)
{
	const Node *node = &g->nodes[i];
	if (!(op_flags[node->op] & OPF_ELEM) || op_flags[node->op] & OPF_VIEW)
		return -1;
	for (int j = 0; j < node->nin; j++) {
		int x = node->in[j], h = p->home[x];
		const Node *xn = &g->nodes[x];
		bool same = ir_same_shape(xn, node) && xn->layout == node->layout;
		/* x and what it is a view of: read last here */
		for (int v = x; same; v = g->nodes[v].in[0]) {
			same = read[v] == i;
			if (!(op_flags[g->nodes[v].op] & OPF_VIEW))
				break;
		}
		if (same && h != g->input && g->nodes[h].op != OP_PARAM)
			return x;
	}
	return -1;
}

void memplan(Graph *g)
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

	int *read = last_reads(g);
	for (int i = 0; i < n; i++) {
		const Node *node = &g->nodes[i];
		int over = in_place(g, p, read, i);
		p->home[i] = op_flags[node->op] & OPF_VIEW ? p->home[node->in[0]] : over >= 0 ? p->home[over] : i;
		p->bytes[i] = ir_mul(4, layout_numel(node)); /* padded in NCHW8c */
		p->first[i] = p->last[i] = i;
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
