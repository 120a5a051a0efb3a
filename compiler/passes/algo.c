/*
 * algo.c: the algorithm of each conv2d, and the scratch it needs.
 *
 * needs: shapes. keeps: the graph. breaks: nothing.
 *
 * -O0 is the reference: every conv direct. Above it, a first cost model
 * (STYLE 12: simple until a benchmark says otherwise):
 *   - 1x1, stride 1, no padding: GEMM on the input as it lies (no scratch);
 *   - depthwise (one channel per group): direct, where GEMM's k would be
 *     kh*kw and its tiles mostly empty;
 *   - everything else: im2col + GEMM; scratch holds one group's unrolled
 *     patches, (c/g * kh * kw) x (oh * ow) floats.
 * --algo direct makes every conv direct; --algo im2col sends depthwise
 * convs through im2col too (1x1 ones stay plain GEMM: their im2col would
 * be a copy of the input).
 */
#include "../cnnc.h"

const char *const algo_name[ALGO_COUNT] = {"direct", "gemm", "im2col"};

static bool is_1x1(const Attrs *a)
{
	return a->kernel[0] == 1 && a->kernel[1] == 1 && a->stride[0] == 1 && a->stride[1] == 1 && a->pad[0] == 0 &&
	       a->pad[1] == 0;
}

void choose_algos(Graph *g, int opt_level, Algo force)
{
	for (int i = 0; i < g->n; i++) {
		Node *n = &g->nodes[i];
		if (n->op != OP_CONV2D)
			continue;
		const Node *x = &g->nodes[n->in[0]];
		int cg = x->shape[1] / n->a.groups;
		bool depthwise = cg == 1 && n->a.groups > 1;
		Algo algo;
		if (opt_level == 0 || force == ALGO_DIRECT)
			algo = ALGO_DIRECT;
		else if (is_1x1(&n->a))
			algo = ALGO_GEMM;
		else if (depthwise && force != ALGO_IM2COL)
			algo = ALGO_DIRECT;
		else
			algo = ALGO_IM2COL;
		n->algo = algo;
		n->scratch = algo == ALGO_IM2COL ? 4LL * cg * n->a.kernel[0] * n->a.kernel[1] * n->shape[2] * n->shape[3] : 0;
	}
}
