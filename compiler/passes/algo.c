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
 *     direct; the runtime pads the tiles to whole vectors (8 with AVX),
 *     so small outputs gain less (a 7x7 output is 16 tiles of F(2x2) but
 *     4, padded to 8, of F(4x4)). Where compute bounds both ways (the
 *     weights' share: below), the model takes the tile size with fewer
 *     multiplies, padding counted, and Winograd when that is at least
 *     1.5x fewer than the direct MACs and there are at least
 *     MIN_WINOGRAD_C input channels. The transforms cost O(c + oc) per
 *     tile against the GEMMs' O(c * oc), but now that they run in vectors
 *     they stay cheap: measured alone (this 2-core Zen 4, AVX-512, each
 *     layer's median), Winograd beat im2col on every 3x3 shape tried,
 *     F(4x4) on 64x56x56 1.0 ms against 7.2, 128x28x28 1.0 against 6.6,
 *     256x14x14 1.1 against 6.6, F(2x2) on 512x7x7 1.8 against 8.8 (its
 *     16.8 MB of U, each float used for 16 tiles, bound it by memory),
 *     and with few channels too: 4->4 on 56x56 0.03 against 0.06 ms,
 *     16->3 0.07 against 0.22, 3->16 0.06 against 0.08 (3 input channels
 *     are left to im2col all the same: the stem is another algorithm's
 *     business, and on 3->64 at 224x224 the two were within noise).
 *     Scratch: RT_WINOGRAD_FLOATS, an area per thread (algo_threads);
 *   - one group of at most 4 input channels (a first layer): the stem
 *     kernel, direct convolution in register tiles over padded input rows
 *     (runtime/conv_stem.c), where im2col's k = c*kh*kw is short and its
 *     patches many times the input; scratch: c*kh padded rows, per thread;
 *   - everything else: im2col + GEMM; scratch holds one group's unrolled
 *     patches, (c/g * kh * kw) x (oh * ow rounded up to 16) floats, per
 *     thread (RT_IM2COL_SCRATCH).
 * conv_transpose2d is direct at -O0 and with --algo direct, else GEMM
 * + col2im (transpose_algo).
 * --algo direct makes every conv direct; --algo im2col sends depthwise
 * and stem convs through im2col too (1x1 ones stay plain GEMM: their im2col would
 * be a copy of the input); --algo winograd takes Winograd wherever it
 * applies, with the tile size of fewer multiplies, and the rest as auto
 * would.
 * -Os (prefer_size) takes no Winograd, whose transformed kernels are
 * (m + 2)^2 / 9 times the 3x3 ones (F(4x4): 4x), and the rest as auto
 * would: every other algorithm's weights are the kernel's, padded
 * (passes/pack.c). Its note says so.
 *
 * Every conv where Winograd applies gets the numbers behind the choice in
 * its algo_note, for the report: multiplies against the direct MACs, the
 * rule, and the scratch and weights of both ways.
 *
 * Weights are read once a run, from memory when the model's do not fit
 * in cache (resnet50's 160 MB at -O2 do not), and Winograd's are 4x the
 * kernel's at F(4x4), 1.8x at F(2x2). So each way's cost is a roofline,
 * the slower of its compute and its weights (they stream in while the
 * GEMMs run): compute is Winograd's multiplies counted 1.5 each (the
 * 1.5x rule above) or im2col's MACs; weights are their packed bytes
 * at MACS_PER_BYTE, the MACs rt_gemm does in the time one core reads a
 * byte from memory: WEIGHT_GBPS measured on this machine (2-core Xeon,
 * AVX-512, 105 MB of L3; best of 10 passes summing a 256 MB array,
 * tests/bench/bandwidth.c, 5.1 GB/s while it was shared), GEMM_GMACS from
 * resnet50's 1x1 convs timed in place (tests/bench/profile.py: 51.4M
 * MACs in 2.1-2.3 ms, 22-24 GMAC/s; peak 46.7, tests/bench/peak.c). The
 * tile is the one of lower cost; Winograd is taken when its cost is at
 * most im2col's. Every zoo model's choice is what multiplies alone gave
 * (resnet50's layer4 F(2x2) is the closest: 100.7M compute-bound, its
 * 16.9 MB of weights 84.5M); a few-channel conv of a tiny net whose F(4x4)
 * weights outweigh its compute goes to im2col. Charging the weights on
 * top of the compute instead (a sum, not the slower of the two) was
 * tried and made both resnets slower, by the median of interleaved
 * rounds of --bench on the shared machine: resnet50 272 -> 292 ms (10
 * rounds of 3 runs), resnet18 78 -> 101 ms (7 rounds of 5): it moved
 * layer4's 3x3 convs from F(2x2) to im2col (in place 9-13 ms against
 * 7.1) and layer3's from F(4x4) to F(2x2) (alone that made resnet18 67.7
 * -> 72.0 ms): Winograd's weights, each float used for many tiles while
 * the next stream in, cost less than their bytes added to the compute.
 */
#include "../cnnc.h"

#include "../../runtime/cnnrt.h" /* the kernels' scratch formulas, shared */

/* A conv's scratch by an algorithm: its bytes, and the same figure as a
 * C expression in cnnrt.h's macros, which the generated C checks against
 * the runtime it is compiled with (Node.scratch_rt). */
typedef struct {
	long long bytes; /* what the kernel takes, by this cnnc's cnnrt.h */
	const char *rt;  /* the same, as "4 * RT_..._FLOATS(args)"; NULL: none */
} Scratch;

#define MIN_WINOGRAD_C 4             /* fewest input channels Winograd is taken for */
#define WEIGHT_GBPS 5                /* bytes per ns one core reads from memory (see above) */
#define GEMM_GMACS 25                /* multiply-accumulates per ns of rt_gemm, one core */
#define MACS_PER_BYTE (GEMM_GMACS / WEIGHT_GBPS) /* a weight byte's time, in MACs */

static bool is_1x1(const Attrs *a)
{
	return a->kernel[0] == 1 && a->kernel[1] == 1 && a->stride[0] == 1 && a->stride[1] == 1 && a->pad[0] == 0 &&
	       a->pad[1] == 0;
}

/* Scratch bytes of rt_conv2d_gemm on `threads` threads
 * (RT_IM2COL_SCRATCH): one group's patches, k = cg*kh*kw rows in
 * 16-column strips, of all the output pixels when the weights stream
 * from memory and the patches can stream beside them
 * (rt_gemm_panels_outer: read the weights once; one area), else of one
 * block of columns per thread. The runtime's rule decides, in the
 * generated C's check too. */
static Scratch im2col_scratch(Arena *A, const Node *n, int cg, int threads)
{
	const Attrs *a = &n->a;
	int og = n->shape[1] / a->groups;
	return (Scratch){
		4 * RT_IM2COL_SCRATCH(og, cg, a->kernel[0], a->kernel[1], n->shape[2], n->shape[3], threads),
		arena_printf(A, "4 * RT_IM2COL_SCRATCH(%d, %d, %d, %d, %d, %d, %d)", og, cg, a->kernel[0], a->kernel[1],
		             n->shape[2], n->shape[3], threads)};
}

#define STEM_C 4      /* most input channels the stem kernel is picked for */

/* Whether the stem kernel (runtime/conv_stem.c) takes n: one group of at
 * most STEM_C input channels. Measured against im2col + GEMM (tests/bench
 * shapes, this host): resnet18's 7x7/2 conv1 2.7 vs 4.0+ ms, 3x3 and 5x5
 * first layers of the small models 1.1-2x faster, never slower. */
static bool stem_applies(const Attrs *a, int c)
{
	return a->groups == 1 && c <= STEM_C && c * a->kernel[0] * a->kernel[1] <= RT_STEM_TAPS;
}

/* Scratch bytes of the stem kernel: RT_STEM_FLOATS, c*kh padded input
 * rows of sw phases. */
static Scratch stem_scratch(Arena *A, const Node *n, int c)
{
	const Attrs *a = &n->a;
	return (Scratch){4 * RT_STEM_FLOATS(c, a->kernel[0], a->kernel[1], a->stride[1], a->dilation[1], n->shape[3]),
	                 arena_printf(A, "4 * RT_STEM_FLOATS(%d, %d, %d, %d, %d, %d)", c, a->kernel[0], a->kernel[1],
	                              a->stride[1], a->dilation[1], n->shape[3])};
}

/* rt_conv2d_winograd's domain: 3x3, stride 1, dilation 1, groups 1. */
static bool winograd_applies(const Attrs *a)
{
	return a->kernel[0] == 3 && a->kernel[1] == 3 && a->stride[0] == 1 && a->stride[1] == 1 &&
	       a->dilation[0] == 1 && a->dilation[1] == 1 && a->groups == 1;
}

/* Output tiles of Winograd F(m x m) on n, padded as the runtime's GEMM
 * pads them with AVX: to strips of 16, the last one to 8 when no more
 * than 8 are left, so to a multiple of 8 in all. */
static long long winograd_tiles(const Node *n, int m)
{
	long long tiles = (long long)((n->shape[2] + m - 1) / m) * ((n->shape[3] + m - 1) / m);
	return (tiles + 7) / 8 * 8;
}

/* Scratch bytes of Winograd F(m x m) on n: RT_WINOGRAD_FLOATS, one block
 * of tiles transformed and multiplied, the band of the rows of tiles a
 * vector of tiles reads and the narrow tiles' spread columns. */
static Scratch winograd_scratch(Arena *A, const Node *n, int c, int m)
{
	return (Scratch){4 * RT_WINOGRAD_FLOATS(m, c, n->shape[1], n->shape[2], n->shape[3]),
	                 arena_printf(A, "4 * RT_WINOGRAD_FLOATS(%d, %d, %d, %d, %d)", m, c, n->shape[1], n->shape[2],
	                              n->shape[3])};
}

/* Multiplies of Winograd F(m x m) on n: a*a per (padded) tile and
 * channel pair. */
static long long winograd_mults(const Node *n, int c, int m)
{
	return (long long)n->shape[0] * (m + 2) * (m + 2) * winograd_tiles(n, m) * c * n->shape[1];
}

/* The cost, in MACs, of a way that does macs multiply-accumulates and
 * reads bytes of weights once a run: the slower of the two, the weights
 * streaming in while the GEMMs run (a roofline), a byte costing
 * MACS_PER_BYTE. */
static long long roofline(long long macs, long long bytes)
{
	long long memory = ir_mul(bytes, MACS_PER_BYTE);
	return macs > memory ? macs : memory;
}

/* Bytes of n's weights transformed for Winograd F(m x m) and packed. */
static long long winograd_bytes(const Node *n, int c, int m)
{
	return 4 * RT_WINOGRAD_WEIGHTS(m, (long long)c, n->shape[1]);
}

/* Bytes of n's 3x3 weights packed for im2col + GEMM. */
static long long plain_bytes(const Node *n, int c)
{
	return 4 * RT_GEMM_PACKED(n->shape[1], 9LL * c);
}

/* Winograd F(m x m)'s cost: its multiplies, each counted 1.5 (the
 * transforms' share, the rule above), or its weights. */
static long long winograd_cost(const Node *n, int c, int m)
{
	return roofline(ir_mul(3, winograd_mults(n, c, m)) / 2, winograd_bytes(n, c, m));
}

/* The tile size of lower cost (4 on a tie: fewer tiles). */
static int winograd_tile(const Node *n, int c)
{
	return winograd_cost(n, c, 4) <= winograd_cost(n, c, 2) ? 4 : 2;
}

/* Whether Winograd pays on n, by the cost model above. */
static bool winograd_pays(const Graph *g, const Node *n, int c)
{
	return c >= MIN_WINOGRAD_C &&
	       roofline(ir_macs(g, n), plain_bytes(n, c)) >= winograd_cost(n, c, winograd_tile(n, c));
}

/* conv_transpose2d: direct (gathering each output's taps) at -O0 and
 * with --algo direct; else GEMM + col2im (runtime/conv_transpose.c),
 * its scratch one block of products. */
static void transpose_algo(Graph *g, Node *n, const Node *x, int opt_level, Algo force)
{
	bool direct = opt_level == 0 || force == ALGO_DIRECT;
	int og = n->a.out_channels / n->a.groups;
	n->algo = direct ? ALGO_DIRECT : ALGO_GEMM;
	n->scratch = direct ? 0 : 4 * RT_CONVT_FLOATS(og, n->a.kernel[0], n->a.kernel[1], x->shape[2], x->shape[3]);
	n->scratch_rt = direct ? NULL
	                       : arena_printf(g->arena, "4 * RT_CONVT_FLOATS(%d, %d, %d, %d, %d)", og, n->a.kernel[0],
	                                      n->a.kernel[1], x->shape[2], x->shape[3]);
}

void choose_algos(Graph *g, int opt_level, Algo force, bool prefer_size)
{
	bool want_winograd = force == ALGO_WINOGRAD2 || force == ALGO_WINOGRAD4;
	for (int i = 0; i < g->n; i++) {
		Node *n = &g->nodes[i];
		if (n->op == OP_CONV_TRANSPOSE2D)
			transpose_algo(g, n, &g->nodes[n->in[0]], opt_level, force);
		if (n->op != OP_CONV2D)
			continue;
		const Node *x = &g->nodes[n->in[0]];
		int cg = x->shape[1] / n->a.groups;
		bool depthwise = cg == 1 && n->a.groups > 1;
		/* Winograd considered (and its numbers noted) under auto and --algo winograd */
		bool winograd = opt_level > 0 && winograd_applies(&n->a) && (force == ALGO_COUNT || want_winograd);
		int tile = winograd ? winograd_tile(n, cg) : 0;
		bool take = winograd && !prefer_size && (want_winograd || winograd_pays(g, n, cg));
		Algo algo;
		if (opt_level == 0 || force == ALGO_DIRECT)
			algo = ALGO_DIRECT;
		else if (is_1x1(&n->a))
			algo = ALGO_GEMM;
		else if (take)
			algo = tile == 4 ? ALGO_WINOGRAD4 : ALGO_WINOGRAD2;
		else if (depthwise && force != ALGO_IM2COL)
			algo = ALGO_DIRECT;
		else if (stem_applies(&n->a, cg) && force != ALGO_IM2COL)
			algo = ALGO_STEM;
		else
			algo = ALGO_IM2COL;
		n->algo = algo;
		Scratch im2col = im2col_scratch(g->arena, n, cg, 1), none = {0, NULL};
		Scratch s = algo == ALGO_IM2COL || algo == ALGO_GEMM ? im2col
		            : take                                 ? winograd_scratch(g->arena, n, cg, tile)
		            : algo == ALGO_STEM                    ? stem_scratch(g->arena, n, cg)
		                                                   : none;
		n->scratch = s.bytes;
		n->scratch_rt = s.rt;
		if (!winograd)
			continue;
		long long macs = ir_macs(g, n), mults = winograd_mults(n, cg, tile);
		long long wb = winograd_bytes(n, cg, tile), pb = plain_bytes(n, cg);
		long long wc = winograd_cost(n, cg, tile), pc = roofline(macs, pb);
		n->algo_note = arena_printf(g->arena,
		                            "winograd F(%dx%d) %s%s: %lld multiplies (%lld tiles per image, padded to 8s) "
		                            "vs %lld direct MACs (%.2fx fewer); weights %lld B vs %lld B; cost, the slower of "
		                            "compute (multiplies x 1.5; MACs) and weights (%d MACs a byte, %d GB/s): %lld "
		                            "(%s-bound) vs %lld (%s-bound); auto takes the lower with >= %d input channels, "
		                            "here %d; scratch %lld B vs im2col %lld B",
		                            tile, tile, take ? "taken" : "not taken",
		                            prefer_size ? " (-Os: it grows the weights)" : "", mults, winograd_tiles(n, tile),
		                            macs, (double)macs / (double)mults, wb, pb, MACS_PER_BYTE, WEIGHT_GBPS, wc,
		                            wc == 3 * mults / 2 ? "compute" : "weight", pc, pc == macs ? "compute" : "weight",
		                            MIN_WINOGRAD_C, cg, winograd_scratch(g->arena, n, cg, tile).bytes, im2col.bytes);
	}
}

void algo_threads(Graph *g, int threads)
{
	for (int i = 0; i < g->n && threads > 1; i++) {
		Node *n = &g->nodes[i];
		if (n->op != OP_CONV2D || !n->scratch)
			continue;
		if (n->algo == ALGO_IM2COL || n->algo == ALGO_GEMM) {
			/* im2col's blocks, unless one block takes every column */
			Scratch s = im2col_scratch(g->arena, n, g->nodes[n->in[0]].shape[1] / n->a.groups, threads);
			n->scratch = s.bytes;
			n->scratch_rt = s.rt;
		} else if (ALGO_WINOGRAD_TILE(n->algo) || n->algo == ALGO_STEM) {
			n->scratch = ir_mul(n->scratch, threads);
			n->scratch_rt = arena_printf(g->arena, "%d * %s", threads, n->scratch_rt);
		}
	}
}
