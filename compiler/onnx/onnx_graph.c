/*
 * onnx_graph.c: the graph's values and the order of its nodes.
 *
 * Every value is named once: a graph input, an initializer (which may
 * also be listed as an input, its default: it is taken as the constant),
 * or one node output. Every name a node or the graph's outputs read is
 * defined. Nodes are put in topological order (Kahn's algorithm, stable:
 * a graph already in order keeps it); a node left over is on a cycle.
 * Names are found through an open-addressing hash table.
 */
#include "onnx.h"

#include <string.h>

unsigned ox_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

OxValue *ox_value(OxImport *x, const char *name)
{
	if (!name || !*name)
		return NULL;
	for (unsigned h = ox_hash(name) & (unsigned)(x->hash_cap - 1);; h = (h + 1) & (unsigned)(x->hash_cap - 1)) {
		int k = x->hash[h];
		if (!k)
			return NULL;
		if (!strcmp(x->v[k - 1].name, name))
			return &x->v[k - 1];
	}
}

OxValue *ox_in_value(OxImport *x, const Onnx__NodeProto *n, size_t k)
{
	return k < n->n_input ? ox_value(x, n->input[k]) : NULL;
}

const OxTensor *ox_in_const(OxImport *x, const Onnx__NodeProto *n, size_t k)
{
	OxValue *v = ox_in_value(x, n, k);
	return v ? v->c : NULL;
}

/* Adds a value; a name already there is an error (what defines it). */
static OxValue *define(OxImport *x, const char *name, int def, const char *what)
{
	if (!name || !*name)
		ox_error(x, "%s has no name", what);
	if (ox_value(x, name))
		ox_error(x, "value '%s' is defined twice (again by %s); each value is named once", ox_name(x, name), what);
	OxValue *v = &x->v[x->n_val];
	v->name = name;
	v->def = def;
	unsigned h = ox_hash(name) & (unsigned)(x->hash_cap - 1);
	while (x->hash[h])
		h = (h + 1) & (unsigned)(x->hash_cap - 1);
	x->hash[h] = ++x->n_val;
	return v;
}

static const char *node_str(OxImport *x, const Onnx__NodeProto *n)
{
	return arena_printf(x->a, "node '%s' (%s)", ox_name(x, n->name), n->op_type ? ox_name(x, n->op_type) : "?");
}

void ox_graph(OxImport *x)
{
	Onnx__GraphProto *g = x->g;
	long long total = (long long)g->n_input + (long long)g->n_initializer;
	for (size_t i = 0; i < g->n_node; i++)
		total += (long long)g->node[i]->n_output;
	if (total > (1 << 24) || g->n_node > (1 << 24))
		ox_error(x, "the graph has %lld values; at most 2^24 are supported", total);
	x->v = arena_alloc(x->a, (size_t)(total + 1) * sizeof *x->v);
	x->hash_cap = 16;
	while (x->hash_cap < 2 * total + 2)
		x->hash_cap *= 2;
	x->hash = arena_alloc(x->a, (size_t)x->hash_cap * sizeof *x->hash);
	if (g->n_sparse_initializer)
		ox_error(x, "the graph has sparse initializers; cnnc reads dense ones only");
	for (size_t i = 0; i < g->n_initializer; i++) {
		const char *name = g->initializer[i]->name;
		const char *what = arena_printf(x->a, "initializer '%s'", ox_name(x, name));
		OxValue *v = define(x, name, -1, what);
		v->c = ox_tensor(x, g->initializer[i], what);
	}
	for (size_t i = 0; i < g->n_input; i++) {
		const char *name = g->input[i]->name;
		OxValue *v = ox_value(x, name);
		if (v && v->c)
			continue; /* an initializer listed as an input too */
		define(x, name, -1, arena_printf(x->a, "graph input %zu", i));
	}
	/* node outputs; each node's index in g->node for now */
	for (size_t i = 0; i < g->n_node; i++) {
		Onnx__NodeProto *n = g->node[i];
		if (!n->op_type || !*n->op_type)
			ox_error(x, "node %zu ('%s') has no op_type", i, ox_name(x, n->name));
		for (size_t k = 0; k < n->n_output; k++)
			if (n->output[k] && *n->output[k]) /* "" : an optional output left out */
				define(x, n->output[k], (int)i, node_str(x, n));
	}
	/* every input defined; Kahn's algorithm over the dependencies */
	int nn = (int)g->n_node;
	int *pending = arena_alloc(x->a, (size_t)(nn + 1) * sizeof *pending);
	int *nusers = arena_alloc(x->a, (size_t)(nn + 1) * sizeof *nusers);
	for (int i = 0; i < nn; i++) {
		Onnx__NodeProto *n = g->node[i];
		for (size_t k = 0; k < n->n_input; k++) {
			if (!n->input[k] || !*n->input[k])
				continue;
			OxValue *v = ox_value(x, n->input[k]);
			if (!v)
				ox_error(x, "%s reads '%s', which nothing defines", node_str(x, n), ox_name(x, n->input[k]));
			v->users++;
			v->reader = i;
			if (v->def >= 0) {
				pending[i]++;
				nusers[v->def]++;
			}
		}
	}
	for (size_t i = 0; i < g->n_output; i++) {
		OxValue *v = ox_value(x, g->output[i]->name);
		if (!v)
			ox_error(x, "graph output '%s' is defined by nothing", ox_name(x, g->output[i]->name));
		v->users++;
		v->reader = -1;
	}
	/* users lists, as offsets into one array */
	int *start = arena_alloc(x->a, (size_t)(nn + 2) * sizeof *start);
	for (int i = 0; i < nn; i++)
		start[i + 1] = start[i] + nusers[i];
	int *fill = arena_alloc(x->a, (size_t)(nn + 1) * sizeof *fill);
	int *users = arena_alloc(x->a, (size_t)(start[nn] + 1) * sizeof *users);
	for (int i = 0; i < nn; i++) {
		Onnx__NodeProto *n = g->node[i];
		for (size_t k = 0; k < n->n_input; k++) {
			OxValue *v = ox_value(x, n->input[k]);
			if (v && v->def >= 0)
				users[start[v->def] + fill[v->def]++] = i;
		}
	}
	/* a graph already in order (what exporters write) keeps its order;
	 * any other is sorted */
	int *queue = arena_alloc(x->a, (size_t)(nn + 1) * sizeof *queue);
	int head = 0, tail = 0;
	bool in_order = true;
	for (int i = 0; i < nn && in_order; i++)
		for (size_t k = 0; k < g->node[i]->n_input; k++) {
			OxValue *v = ox_value(x, g->node[i]->input[k]);
			in_order &= !v || v->def < i;
		}
	for (int i = 0; i < nn; i++)
		if (in_order || !pending[i])
			queue[tail++] = i;
	while (!in_order && head < tail) {
		int i = queue[head++];
		for (int k = start[i]; k < start[i + 1]; k++)
			if (--pending[users[k]] == 0)
				queue[tail++] = users[k];
	}
	if (tail < nn) {
		for (int i = 0; i < nn; i++)
			if (pending[i])
				ox_error(x, "the graph has a cycle: %s is on it or reads from it", node_str(x, g->node[i]));
	}
	x->n_node = nn;
	x->order = arena_alloc(x->a, (size_t)(nn + 1) * sizeof *x->order);
	int *pos = arena_alloc(x->a, (size_t)(nn + 1) * sizeof *pos);
	for (int i = 0; i < nn; i++) {
		x->order[i] = g->node[queue[i]];
		pos[queue[i]] = i;
	}
	for (int i = 0; i < x->n_val; i++) {
		OxValue *v = &x->v[i];
		v->def = v->def >= 0 ? pos[v->def] : v->def;
		v->reader = v->users == 1 && v->reader >= 0 ? pos[v->reader] : -1;
	}
	x->consumed = arena_alloc(x->a, (size_t)(nn + 1) * sizeof *x->consumed);
	x->tried = arena_alloc(x->a, (size_t)(nn + 1) * sizeof *x->tried);
}
