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
 *   - 3x3, stride 1, dilation 1, one group, at least 16 input and output
 *     channels and 64 outputs per channel: Winograd, F(4x4, 3x3) when the
 *     output is at least 8x8 and there are at least 32 channels in and
 *     out, F(2x2, 3x3) otherwise. Its a*a (a = m + 2) GEMMs over channels
 *     take a*a multiplies per m x m output tile against 9*m*m for the
 *     direct sum (2.25x fewer for F(2x2), 4x for F(4x4), less where the
 *     edge tiles hang past the output); below those sizes the GEMMs get
 *     too small and the transforms cost more than they save. Scratch:
 *     the transformed input and the products of one image,
 *     a*a * tiles * (c + oc) floats;
 *   - everything else: im2col + GEMM; scratch holds one group's unrolled
 *     patches, (c/g * kh * kw) x (oh * ow) floats.
 * --algo direct makes every conv direct; --algo im2col sends depthwise
 * convs through im2col too (1x1 ones stay plain GEMM: their im2col would
 * be a copy of the input); --algo winograd takes Winograd wherever it
 * applies, whatever the sizes, and the rest as auto would.
 *
 * Every conv where Winograd applies gets the numbers behind the choice in
 * its algo_note, for the report: multiplies against the direct MACs, and
 * the scratch of both ways.
 */
#include "../cnnc.h"

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

/* Scratch bytes of Winograd F(m x m) on n (RT_WINOGRAD_FLOATS). */
static long long winograd_scratch(const Node *n, int c, int m)
{
	long long tiles = (long long)((n->shape[2] + m - 1) / m) * ((n->shape[3] + m - 1) / m);
	return 4LL * (m + 2) * (m + 2) * tiles * (c + n->shape[1]);
}

/* Multiplies of Winograd F(m x m) on n: a*a per tile and channel pair. */
static long long winograd_mults(const Node *n, int c, int m)
{
	long long tiles = (long long)((n->shape[2] + m - 1) / m) * ((n->shape[3] + m - 1) / m);
	return (long long)n->shape[0] * (m + 2) * (m + 2) * tiles * c * n->shape[1];
}

/* The cost model's Winograd tile for n: 4, 2, or 0 where it does not pay. */
static int winograd_tile(const Node *n, int c, bool forced)
{
	int oc = n->shape[1], oh = n->shape[2], ow = n->shape[3];
	if (!forced && (c < 16 || oc < 16 || oh * ow < 64))
		return 0;
	return oh >= 8 && ow >= 8 && c >= 32 && oc >= 32 ? 4 : 2;
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
		bool winograd = opt_level > 0 && winograd_applies(&n->a) && (force == ALGO_COUNT || want_winograd);
		int tile = winograd ? winograd_tile(n, cg, want_winograd) : 0;
		Algo algo;
		if (opt_level == 0 || force == ALGO_DIRECT)
			algo = ALGO_DIRECT;
		else if (is_1x1(&n->a))
			algo = ALGO_GEMM;
		else if (tile)
			algo = tile == 4 ? ALGO_WINOGRAD4 : ALGO_WINOGRAD2;
		else if (depthwise && force != ALGO_IM2COL)
			algo = ALGO_DIRECT;
		else
			algo = ALGO_IM2COL;
		n->algo = algo;
		long long im2col = 4LL * cg * n->a.kernel[0] * n->a.kernel[1] * n->shape[2] * n->shape[3];
		n->scratch = algo == ALGO_IM2COL ? im2col : tile ? winograd_scratch(n, cg, tile) : 0;
		if (!winograd)
			continue;
		/* the numbers: the chosen tile, or the one --algo winograd would take */
		int m = tile ? tile : winograd_tile(n, cg, true);
		long long macs = ir_macs(g, n), mults = winograd_mults(n, cg, m);
		n->algo_note = arena_printf(g->arena,
		                            "winograd F(%dx%d): %lld multiplies vs %lld direct MACs (%.2fx fewer), "
		                            "scratch %lld B vs im2col %lld B%s",
		                            m, m, mults, macs, (double)macs / (double)mults, winograd_scratch(n, cg, m),
		                            im2col, tile ? "" : "; not taken: needs >= 16 channels in and out, >= 64 outputs");
	}
}
