/*
 * graph.c: the IR container.
 *
 * A Graph is an array of Nodes in topological order; a node's id is its
 * index, and inputs are ids. The op table (ops.def) expands here into the
 * name and arity tables every other file uses, and the activation table
 * (runtime/acts.def) into act_info; the names of the algorithms and
 * layouts a node can carry are here too, so that the IR (its dump) needs
 * none of the passes that choose them.
 */
#include "../cnnc.h"

#include <float.h>
#include <math.h>
#include <string.h>

const char *const op_name[OP_COUNT] = {
#define OP(id, name, mn, mx, shape, cost, identity, view, elem, chunked, epilogue) #name,
#include "ops.def"
#undef OP
};

const int op_min_inputs[OP_COUNT] = {
#define OP(id, name, mn, mx, shape, cost, identity, view, elem, chunked, epilogue) mn,
#include "ops.def"
#undef OP
};

const int op_max_inputs[OP_COUNT] = {
#define OP(id, name, mn, mx, shape, cost, identity, view, elem, chunked, epilogue) mx,
#include "ops.def"
#undef OP
};

const unsigned op_flags[OP_COUNT] = {
#define OP(id, name, mn, mx, shape, cost, identity, view, elem, chunked, epilogue) \
	OPF_##view | OPF_##elem | OPF_##chunked | OPF_##epilogue,
#include "ops.def"
#undef OP
};

const char *const algo_name[ALGO_COUNT] = {"direct", "gemm", "im2col", "winograd2", "winograd4", "stem"};

const char *const layout_name[LAYOUT_COUNT] = {"nchw", "nhwc", "nchw8c"};

const ActInfo act_info[ACT_COUNT] = {
	[ACT_NONE] = {OP_COUNT, "RT_ACT_NONE", NULL, 0, NULL, 0, NULL},
#define ACT(ID, name, kind) [ACT_##ID] = {OP_##ID, "RT_ACT_" #ID, NULL, 0, NULL, 0, NULL},
#define ACT_P(ID, name, kind, option, dflt) [ACT_##ID] = {OP_##ID, "RT_ACT_" #ID, #option, dflt, NULL, 0, NULL},
#define ACT_P2(ID, name, kind, option, dflt, option2, dflt2) \
	[ACT_##ID] = {OP_##ID, "RT_ACT_" #ID, #option, dflt, #option2, dflt2, NULL},
#define ACT_E(ID, name, kind, option, ...) \
	[ACT_##ID] = {OP_##ID, "RT_ACT_" #ID, #option, 0, NULL, 0, (const char *const[]){__VA_ARGS__, NULL}},
#include "../../runtime/acts.def"
};
_Static_assert(sizeof act_info / sizeof *act_info == ACT_COUNT, "act_info: one row per activation");

Act ir_act_of(Op op)
{
	switch (op) {
#define ACT(ID, name, kind) \
	case OP_##ID:       \
		return ACT_##ID;
#include "../../runtime/acts.def"
	default:
		return ACT_NONE;
	}
}

Graph *ir_new(Arena *a, const char *file)
{
	Graph *g = arena_alloc(a, sizeof *g);
	g->arena = a;
	g->file = arena_strdup(a, file);
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	size_t len = strlen(base);
	if (len > 4 && !strcmp(base + len - 4, ".lua"))
		len -= 4;
	char *model = arena_alloc(a, len + 1);
	memcpy(model, base, len);
	g->model = model;
	g->input = g->output = -1;
	return g;
}

Graph *ir_clone(const Graph *g)
{
	Graph *c = arena_alloc(g->arena, sizeof *c);
	*c = *g;
	c->nodes = arena_alloc(g->arena, (size_t)g->cap * sizeof *c->nodes);
	memcpy(c->nodes, g->nodes, (size_t)g->n * sizeof *c->nodes);
	for (int i = 0; i < g->n; i++) {
		Node *n = &c->nodes[i];
		n->in = arena_alloc(g->arena, (size_t)(n->nin ? n->nin : 1) * sizeof *n->in);
		memcpy(n->in, g->nodes[i].in, (size_t)n->nin * sizeof *n->in);
	}
	c->plan = NULL;
	return c;
}

int ir_add(Graph *g, Op op, const int *in, int nin, int line)
{
	g->nodes = arena_grow(g->arena, g->nodes, g->n, &g->cap, sizeof *g->nodes);
	int id = g->n++;
	Node *n = &g->nodes[id];
	memset(n, 0, sizeof *n);
	n->op = op;
	n->id = id;
	n->line = line;
	n->nin = nin;
	n->in = arena_alloc(g->arena, (size_t)(nin ? nin : 1) * sizeof(int));
	for (int i = 0; i < nin; i++) {
		if (in[i] < 0 || in[i] >= id)
			BUG("node %d: input %d out of order", id, in[i]);
		n->in[i] = in[i];
	}
	n->name = arena_printf(g->arena, "%s_%d", op_name[op], id); /* the form ir_auto_name knows */
	return id;
}

Node *ir_node(Graph *g, int id)
{
	if (id < 0 || id >= g->n)
		BUG("node id %d out of range (%d nodes)", id, g->n);
	return &g->nodes[id];
}

long long ir_mul(long long a, long long b)
{
	if (a < 0 || b < 0)
		BUG("ir_mul(%lld, %lld): a negative size", a, b);
	return a && b > IR_SATURATED / a ? IR_SATURATED : a * b;
}

long long ir_add_sat(long long a, long long b)
{
	if (a < 0 || b < 0)
		BUG("ir_add_sat(%lld, %lld): a negative size", a, b);
	return b > IR_SATURATED - a ? IR_SATURATED : a + b;
}

long long ir_inner(const Node *n)
{
	long long e = 1;
	for (int i = 2; i < n->rank; i++)
		e = ir_mul(e, n->shape[i]);
	return e;
}

bool ir_same_shape(const Node *a, const Node *b)
{
	bool same = a->rank == b->rank;
	for (int d = 0; same && d < a->rank; d++)
		same = a->shape[d] == b->shape[d];
	return same;
}

bool ir_valid_name(const char *s, size_t len)
{
	if (len == 0 || len > IR_MAX_NAME)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

bool ir_auto_name(const char *s)
{
	const char *u = strrchr(s, '_');
	if (!u || !u[1] || strspn(u + 1, "0123456789") != strlen(u + 1))
		return false;
	for (int op = 0; op < OP_COUNT; op++)
		if (strlen(op_name[op]) == (size_t)(u - s) && !strncmp(s, op_name[op], (size_t)(u - s)))
			return true;
	return false;
}

bool ir_valid_number(double v) { return fabs(v) <= FLT_MAX; }

bool ir_is_binary(Op op) { return op == OP_ADD || op == OP_SUB || op == OP_MUL || op == OP_DIV; }

BinaryForm ir_binary_form(const Graph *g, const Node *n, int *full)
{
	if (full)
		*full = 0;
	if (n->nin == 1)
		return BIN_SCALAR;
	const Node *x = &g->nodes[n->in[0]], *y = &g->nodes[n->in[1]];
	if (ir_same_shape(x, n) && ir_same_shape(y, n))
		return BIN_SAME;
	for (int f = 0; f < 2 && n->rank == 4; f++) {
		const Node *big = f ? y : x, *small = f ? x : y;
		if (ir_same_shape(big, n) && small->rank == 4 && (small->shape[0] == 1 || small->shape[0] == n->shape[0]) &&
		    small->shape[1] == n->shape[1] && small->shape[2] == 1 && small->shape[3] == 1) {
			if (full)
				*full = f;
			return BIN_CHANNEL;
		}
	}
	return BIN_GENERAL;
}

long long ir_numel(const Node *n)
{
	long long e = 1;
	for (int i = 0; i < n->rank; i++)
		e = ir_mul(e, n->shape[i] > 0 ? n->shape[i] : 0);
	return e;
}

void ir_replace_uses(Graph *g, int from, int to)
{
	for (int i = from + 1; i < g->n; i++)
		for (int j = 0; j < g->nodes[i].nin; j++)
			if (g->nodes[i].in[j] == from)
				g->nodes[i].in[j] = to;
	if (g->output == from)
		g->output = to;
	g->nodes[from].dead = true;
}

int ir_users(const Graph *g, int id)
{
	int users = id == g->output;
	for (int i = id + 1; i < g->n; i++)
		for (int j = 0; j < g->nodes[i].nin && !g->nodes[i].dead; j++)
			users += g->nodes[i].in[j] == id;
	return users;
}

const char *ir_shape_str(const Node *n, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < n->rank && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%d", i ? "x" : "", n->shape[i]);
	return buf;
}
