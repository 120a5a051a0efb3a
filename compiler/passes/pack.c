/*
 * pack.c: conv weights rearranged at compile time for their algorithm.
 *
 * needs: algorithms chosen, weights bound (folded). keeps: the graph.
 *
 * The GEMM paths read each group's weights W_g [oc/g, c/g*kh*kw] as
 * rt_gemm's packed A: panels of RT_GEMM_MR (6) output channels, each
 * stored k-major ([k][6]), rows past oc/g zero. The runtime never packs.
 */
#include "../cnnc.h"

#define MR 6 /* RT_GEMM_MR of runtime/cnnrt.h */

void pack_weights(Graph *g)
{
	for (int i = 0; i < g->n; i++) {
		Node *n = &g->nodes[i];
		if (n->op != OP_CONV2D || (n->algo != ALGO_GEMM && n->algo != ALGO_IM2COL) || !n->param[0])
			continue;
		int groups = n->a.groups, og = n->a.out_channels / groups;
		int k = g->nodes[n->in[0]].shape[1] / groups * n->a.kernel[0] * n->a.kernel[1];
		long long panels = (og + MR - 1) / MR, per_group = panels * MR * k;
		float *packed = arena_alloc(g->arena, (size_t)(per_group * groups) * sizeof *packed);
		for (int gi = 0; gi < groups; gi++)
			for (int o = 0; o < og; o++)
				for (int kk = 0; kk < k; kk++) {
					float v = n->param[0][((long long)gi * og + o) * k + kk];
					packed[gi * per_group + (o / MR) * MR * k + (long long)kk * MR + o % MR] = v;
				}
		n->param[0] = packed;
		n->packed = per_group * groups;
	}
}
