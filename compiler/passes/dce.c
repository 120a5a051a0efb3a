/*
 * dce.c: dead node removal.
 *
 * needs: output set. keeps: topological order, names, lines.
 * breaks: node ids (renumbered densely; the input keeps id 0 only if it
 * was first).
 *
 * A model may compute values it never returns; they would cost time and
 * workspace. The input node always stays: it is the program's interface.
 */
#include "../cnnc.h"

#include <string.h>

void dce(Graph *g, int *map)
{
	bool *live = arena_alloc(g->arena, (size_t)g->n * sizeof *live);
	int *newid = arena_alloc(g->arena, (size_t)g->n * sizeof *newid);
	live[g->output] = true;
	live[g->input] = true;
	for (int i = g->n - 1; i >= 0; i--)
		if (live[i] && !g->nodes[i].dead)
			for (int j = 0; j < g->nodes[i].nin; j++)
				live[g->nodes[i].in[j]] = true;
	int n = 0;
	for (int i = 0; i < g->n; i++) {
		newid[i] = -1;
		if (!live[i] || g->nodes[i].dead)
			continue;
		newid[i] = n;
		Node *node = &g->nodes[n];
		if (n != i)
			memcpy(node, &g->nodes[i], sizeof *node);
		node->id = n;
		for (int j = 0; j < node->nin; j++)
			node->in[j] = newid[node->in[j]];
		n++;
	}
	if (map)
		for (int i = 0; i < g->n; i++)
			map[i] = newid[i];
	g->n = n;
	g->input = newid[g->input];
	g->output = newid[g->output];
}
