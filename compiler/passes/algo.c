/*
 * algo.c: the algorithm of each conv2d, and the scratch it needs.
 *
 * needs: shapes. keeps: the graph. breaks: nothing.
 *
 * -O0 is the reference: every conv direct. Above it, a first cost model
 * (STYLE 12: simple until a benchmark says otherwise):
 *   - 1x1, stride 1, no padding: GEMM on the input, read in place (the
 *     runtime packs only a partial last strip, or at 7x7 with many output
 *     channels all of it, into scratch as im2col writes it);
 *   - depthwise (one channel per group): direct, where GEMM's k would be
 *     kh*kw and its tiles mostly empty;
 *   - 3x3, stride 1, dilation 1, one group: Winograd F(m x m, 3 x 3) when
 *     it pays. Its a*a GEMMs over channels (a = m + 2) take a*a
 *     multiplies per m x m output tile and channel pair, against 9*m*m
 *     direct; the runtime pads the tiles to whole GEMM strips of 16, so
 *     small outputs gain less (a 7x7 output is 16 tiles of F(2x2) but 4,
 *     padded to 16, of F(4x4)). The model takes the tile size with fewer
 *     multiplies, padding counted, and Winograd when that is at least
 *     1.5x fewer than the direct MACs and there are at least 16 channels
 *     in and out (the transforms cost O(c + oc) per tile, the GEMMs
 *     O(c * oc): with few channels the transforms dominate). Measured on
 *     resnet18's 3x3 layers, F(4x4) runs 1.8-2.5x faster than im2col,
 *     F(2x2) on 7x7 1.5x. Scratch: RT_WINOGRAD_FLOATS;
 *   - everything else: im2col + GEMM; scratch holds one group's unrolled
 *     patches, (c/g * kh * kw) x (oh * ow rounded up to 16) floats.
 * --algo direct makes every conv direct; --algo im2col sends depthwise
 * convs through im2col too (1x1 ones stay plain GEMM: their im2col would
 * be a copy of the input); --algo winograd takes Winograd wherever it
 * applies, with the tile size of fewer multiplies, and the rest as auto
 * would.
 *
 * Every conv where Winograd applies gets the numbers behind the choice in
 * its algo_note, for the report: multiplies against the direct MACs, and
 * the scratch of both ways.
 */
#include "../cnnc.h"

#define WINOGRAD_BUDGET (256 * 1024) /* RT_WINOGRAD_BUDGET of runtime/cnnrt.h */

const char *const algo_name[ALGO_COUNT] = {"direct", "gemm", "im2col", "winograd2", "winograd4"};

static bool is_1x1(const Attrs *a)
{
	return a->kernel[0] == 1 && a->kernel[1] == 1 && a->stride[0] == 1 && a->stride[1] == 1 && a->pad[0] == 0 &&
	       a->pad[1] == 0;
}

/* rt_conv2d_winograd's domain: 3x3, stride 1, dilation 1, groups 1. */
static bool winograd_applies(const Attrs *a)
{
	return a->kernel[0] == 3 && a->kernel[1] == 3 && a->stride[0] == 1 && a->stride[1] == 1 &&
	       a->dilation[0] == 1 && a->dilation[1] == 1 && a->groups == 1;
}

/* Output tiles of Winograd F(m x m) on n, padded to the GEMM's strips
 * of 16 (RT_WINOGRAD_TILES rounded up). */
static long long winograd_tiles(const Node *n, int m)
{
	long long tiles = (long long)((n->shape[2] + m - 1) / m) * ((n->shape[3] + m - 1) / m);
	return (tiles + 15) / 16 * 16;
}

/* Scratch bytes of Winograd F(m x m) on n: RT_WINOGRAD_FLOATS, whose
 * block of tiles keeps V and M within RT_WINOGRAD_BUDGET floats. */
static long long winograd_scratch(const Node *n, int c, int m)
{
	long long per_tile = (long long)(m + 2) * (m + 2) * (c + n->shape[1]);
	long long block = WINOGRAD_BUDGET / per_tile / 16 * 16, all = winograd_tiles(n, m);
	block = block < 16 ? 16 : block;
	return 4 * per_tile * (block < all ? block : all);
}

/* Multiplies of Winograd F(m x m) on n: a*a per (padded) tile and
 * channel pair. */
static long long winograd_mults(const Node *n, int c, int m)
{
	return (long long)n->shape[0] * (m + 2) * (m + 2) * winograd_tiles(n, m) * c * n->shape[1];
}

/* The tile size with fewer multiplies (4 on a tie: fewer tiles). */
static int winograd_tile(const Node *n, int c)
{
	return winograd_mults(n, c, 4) <= winograd_mults(n, c, 2) ? 4 : 2;
}

/* Whether Winograd pays on n, by the cost model above. */
static bool winograd_pays(const Graph *g, const Node *n, int c)
{
	long long mults = winograd_mults(n, c, winograd_tile(n, c));
	return c >= 16 && n->shape[1] >= 16 && 2 * ir_macs(g, n) >= 3 * mults;
}

void choose_algos(Graph *g, int opt_level, Algo force)
{
	bool want_winograd = force == ALGO_WINOGRAD2 || force == ALGO_WINOGRAD4;
	for (int i = 0; i < g->n; i++) {
		Node *n = &g->nodes[i];
		if (n->op != OP_CONV2D)
			continue;
		const Node *x = &g->nodes[n->in[0]];
		int cg = x->shape[1] / n->a.groups;
		bool depthwise = cg == 1 && n->a.groups > 1;
		/* Winograd considered (and its numbers noted) under auto and --algo winograd */
		bool winograd = opt_level > 0 && winograd_applies(&n->a) && (force == ALGO_COUNT || want_winograd);
		int tile = winograd ? winograd_tile(n, cg) : 0;
		bool take = winograd && (want_winograd || winograd_pays(g, n, cg));
		Algo algo;
		if (opt_level == 0 || force == ALGO_DIRECT)
			algo = ALGO_DIRECT;
		else if (is_1x1(&n->a))
			algo = ALGO_GEMM;
		else if (take)
			algo = tile == 4 ? ALGO_WINOGRAD4 : ALGO_WINOGRAD2;
		else if (depthwise && force != ALGO_IM2COL)
			algo = ALGO_DIRECT;
		else
			algo = ALGO_IM2COL;
		n->algo = algo;
		/* RT_IM2COL_FLOATS: the patches in strips of 16 output pixels */
		long long im2col = 4LL * cg * n->a.kernel[0] * n->a.kernel[1] * ((n->shape[2] * n->shape[3] + 15) / 16 * 16);
		n->scratch = algo == ALGO_IM2COL || algo == ALGO_GEMM ? im2col : take ? winograd_scratch(n, cg, tile) : 0;
		if (!winograd)
			continue;
		long long macs = ir_macs(g, n), mults = winograd_mults(n, cg, tile);
		long long pairs = (long long)cg * n->shape[1]; /* kernels: weights 9 floats each, transformed a*a */
		n->algo_note = arena_printf(g->arena,
		                            "winograd F(%dx%d) %s: %lld multiplies (%lld tiles per image, padded to 16s) "
		                            "vs %lld direct MACs (%.2fx fewer); scratch %lld B vs im2col %lld B; "
		                            "weights %lld B vs %lld B",
		                            tile, tile, take ? "taken" : "not taken", mults, winograd_tiles(n, tile), macs,
		                            (double)macs / (double)mults, winograd_scratch(n, cg, tile), im2col,
		                            4 * pairs * (tile + 2) * (tile + 2), 4 * pairs * 9);
	}
}
