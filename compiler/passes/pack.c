/*
 * pack.c: conv weights rearranged at compile time for their algorithm.
 *
 * needs: algorithms chosen, weights bound (folded). keeps: the graph.
 *
 * The GEMM paths read each group's weights W_g [oc/g, c/g*kh*kw] as
 * rt_gemm's packed A: panels of RT_GEMM_MR (6) output channels, each
 * stored k-major ([k][6]), rows past oc/g zero. The runtime never packs.
 *
 * Winograd F(m x m, 3 x 3) (runtime/winograd.c) reads, for each of its
 * a*a tile positions xi (a = m + 2), U[xi] [oc, c] packed the same way,
 * where U[o][ci] is the a x a matrix G g G^T of kernel g = W[o][ci],
 * computed in double and rounded once to float. G below must match the
 * B and A of runtime/winograd.c (points 0, 1, -1 and 0, 1, -1, 2, -2,
 * plus infinity).
 */
#include "../cnnc.h"

#include "../../runtime/cnnrt.h" /* RT_GEMM_MR, RT_GEMM_PACKED */

#define MR RT_GEMM_MR

static const double G2[4][3] = {
	{1, 0, 0},
	{0.5, 0.5, 0.5},
	{0.5, -0.5, 0.5},
	{0, 0, 1},
};

static const double G4[6][3] = {
	{1.0 / 4, 0, 0},
	{-1.0 / 6, -1.0 / 6, -1.0 / 6},
	{-1.0 / 6, 1.0 / 6, -1.0 / 6},
	{1.0 / 24, 1.0 / 12, 1.0 / 6},
	{1.0 / 24, -1.0 / 12, 1.0 / 6},
	{0, 0, 1},
};

/* Index of A[o][kk] in a packed [m, k] matrix. */
static long long packed_at(int o, long long kk, int k) { return (long long)(o / MR) * MR * k + kk * MR + o % MR; }

/* w: [oc, c, 3, 3] -> [a*a] x U[xi] [oc, c] packed; returns its floats. */
static long long winograd_pack(Graph *g, Node *n, int m)
{
	int oc = n->a.out_channels, c = g->nodes[n->in[0]].shape[1], a = m + 2;
	long long per = RT_GEMM_PACKED(oc, (long long)c);
	float *packed = arena_alloc(g->arena, (size_t)(a * a * per) * sizeof *packed);
	const float *w = n->param[0];
	for (int o = 0; o < oc; o++)
		for (int ci = 0; ci < c; ci++) {
			const float *k3 = w + ((long long)o * c + ci) * 9;
			double t[6][3]; /* G g: a x 3 */
			for (int i = 0; i < a; i++)
				for (int j = 0; j < 3; j++) {
					double s = 0;
					for (int l = 0; l < 3; l++)
						s += (m == 2 ? G2[i][l] : G4[i][l]) * k3[l * 3 + j];
					t[i][j] = s;
				}
			for (int i = 0; i < a; i++) /* (G g) G^T: a x a */
				for (int j = 0; j < a; j++) {
					double s = 0;
					for (int l = 0; l < 3; l++)
						s += t[i][l] * (m == 2 ? G2[j][l] : G4[j][l]);
					packed[(i * a + j) * per + packed_at(o, ci, c)] = (float)s;
				}
		}
	n->param[0] = packed;
	return a * a * per;
}

/* Packs each group's [m, k] matrix of n's param[0] as rt_gemm's A:
 * the GEMM paths' W_g [og, cg*kh*kw], stored as it is; or, transposed,
 * conv_transpose2d's: its weight [c, og, kh, kw] is per group W_g [cg,
 * og*kh*kw], and rt_conv_transpose2d_gemm multiplies by its transpose
 * (m = og*kh*kw, k = cg). Returns the packed floats. */
static long long gemm_pack(Graph *g, Node *n, int m, int k, bool transposed)
{
	int groups = n->a.groups;
	long long per_group = RT_GEMM_PACKED(m, (long long)k), rs = transposed ? 1 : k, ks = transposed ? m : 1;
	float *packed = arena_alloc(g->arena, (size_t)(per_group * groups) * sizeof *packed);
	for (int gi = 0; gi < groups; gi++)
		for (int r = 0; r < m; r++)
			for (int kk = 0; kk < k; kk++)
				packed[gi * per_group + packed_at(r, kk, k)] =
					n->param[0][(long long)gi * m * k + r * rs + kk * ks];
	n->param[0] = packed;
	return per_group * groups;
}

long long pack_floats(const Graph *g, const Node *n)
{
	if ((n->op != OP_CONV2D && n->op != OP_CONV_TRANSPOSE2D) || !n->nin)
		return 0;
	int groups = n->a.groups, c = g->nodes[n->in[0]].shape[1], oc = n->a.out_channels;
	int cg = c / groups, og = oc / groups, kk = n->a.kernel[0] * n->a.kernel[1];
	if (n->op == OP_CONV_TRANSPOSE2D) /* transpose_pack: A [og*kh*kw, cg] per group */
		return n->algo == ALGO_GEMM ? groups * RT_GEMM_PACKED(og * kk, (long long)cg) : 0;
	if (n->layout != LAYOUT_NCHW)
		return pack_cl_floats(g, n);
	if (ALGO_WINOGRAD_TILE(n->algo))
		return RT_WINOGRAD_WEIGHTS(ALGO_WINOGRAD_TILE(n->algo), (long long)c, oc);
	if (n->algo == ALGO_GEMM || n->algo == ALGO_IM2COL) /* A [og, cg*kh*kw] per group */
		return groups * RT_GEMM_PACKED(og, (long long)cg * kk);
	return 0;
}

long long pack_program_bytes(const Graph *g, const Node *n)
{
	ParamSpec ps[MAX_PARAMS];
	int k = ir_params(g, n, ps);
	long long packed = pack_floats(g, n), floats = 0;
	for (int j = 0; j < k; j++)
		floats = ir_add_sat(floats, j == 0 && packed > 0 ? packed : ps[j].count);
	if (n->slope_key) /* a fused prelu's slopes, one per output channel */
		floats = ir_add_sat(floats, n->shape[1]);
	if (n->pro_name) /* a batch norm applied to its input: scale and shift per input channel */
		floats = ir_add_sat(floats, 2LL * g->nodes[n->in[0]].shape[1]);
	return ir_mul(4, floats);
}

/* Packs n's param[0] for its algorithm and layout; returns the packed
 * floats (0: left as it is). */
static long long pack_one(Graph *g, Node *n)
{
	if (n->op != OP_CONV2D && n->op != OP_CONV_TRANSPOSE2D)
		return 0;
	int groups = n->a.groups, cg = g->nodes[n->in[0]].shape[1] / groups, og = n->a.out_channels / groups;
	int kk = n->a.kernel[0] * n->a.kernel[1];
	if (n->op == OP_CONV_TRANSPOSE2D)
		return n->algo == ALGO_GEMM ? gemm_pack(g, n, og * kk, cg, true) : 0;
	if (n->layout != LAYOUT_NCHW) /* passes/pack_cl.c */
		return pack_cl(g, n);
	if (ALGO_WINOGRAD_TILE(n->algo))
		return winograd_pack(g, n, ALGO_WINOGRAD_TILE(n->algo));
	if (n->algo == ALGO_GEMM || n->algo == ALGO_IM2COL)
		return gemm_pack(g, n, og, cg * kk, false);
	return 0;
}

void pack_weights(Graph *g)
{
	for (int i = 0; i < g->n; i++) {
		Node *n = &g->nodes[i];
		if (!n->param[0])
			continue;
		long long want = pack_floats(g, n); /* before: it reads the shapes pack_one packs for */
		n->packed = pack_one(g, n);
		if (n->packed != want) /* the report's program weight bytes are pack_floats' */
			BUG("%s: packed %lld floats, pack_floats says %lld", n->name, n->packed, want);
	}
}
