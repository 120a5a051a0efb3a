/*
 * winograd.c: 3x3, stride 1 convolution by Winograd's minimal filtering
 * (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks").
 *
 * F(m x m, 3 x 3) computes an m x m block of output from an a x a block of
 * input (a = m + 2) with a*a multiplies per (input, output) channel pair
 * instead of 9*m*m:
 *
 *     Y = A^T [ sum over input channels of (G g G^T) .* (B^T d B) ] A
 *
 * g is a 3x3 kernel, d an a x a input tile (tiles overlap by 2), .* the
 * elementwise product. The kernel transform U = G g G^T is done by the
 * compiler (compiler/passes/pack.c, in double). Here, per image, the
 * output is cut into tiles of m x m, numbered row-major (t = ty * tw + tx),
 * and taken a block of tb tiles at a time (a multiple of the GEMM tile's
 * NR = 2 vectors, as many as keep the block's V and M within
 * RT_WINOGRAD_BUDGET floats, at most RT_WINOGRAD_BLOCK, for which scratch
 * is sized; 64K floats did as well as 32K to 256K on resnet18's layers
 * and leaves most of L2 to U and the activations; the whole image where
 * U outweighs the image's V and M, RT_WINOGRAD_WHOLE: vgg16's 512
 * channels on 28x28, 14.0 -> 11.3 ms alone on Zen 4 with the narrow
 * tiles below, as U's 38 MB stream once, not once per block):
 *
 *   1. input transform: B^T d B of every tile of the block and channel;
 *      tile position xi (one of a*a) of channel ci lands in row ci of
 *      V[xi] [c, tb], block-relative tile t in column t. Taps past the
 *      input read zero (padding, and the bottom/right edge tiles when m
 *      does not divide oh or ow).
 *   2. products: for each xi, one GEMM over channels,
 *      M[xi] [oc, tb] = U[xi] [oc, c] x V[xi] [c, tb], by a register tile
 *      of this file (6 or, with 32 vector registers, 12 output channels
 *      by NR tiles; the compiler packs each U[xi] in rt_gemm's panels of
 *      RT_GEMM_MR rows), two panels at a time across all the block's
 *      strips of NR tiles. Columns go up to the block's tiles rounded up to
 *      NR, or to VW when no more are left (a half-width tile); a few
 *      left over (up to 4, with AVX-512) are done a column at a time
 *      (gemm_narrow) where that pays. M is laid
 *      out [oc][a*a][tb], so step 3 reads one output channel's a*a
 *      matrices from one run.
 *   3. output transform: A^T m A of every (output channel, tile), then the
 *      epilogue (bias, residual, activation); outputs past oh or ow of an
 *      edge tile are dropped.
 *
 * Steps 1 and 3 work on VW consecutive tiles of the block at a time,
 * one per lane of a vector, whatever rows of tiles they lie in (see
 * winograd_transform.h), and never gather or scatter single floats.
 * Step 1 first runs B^T down the columns of each row of tiles the
 * vector touches, in vectors along the input row (the "band", a x
 * (tiles * m + 2) floats a row of tiles); the tiles of a row are then m
 * floats apart in each band row, and lane permutations (deinterleave)
 * turn m + 1 consecutive vectors of it into the a vectors of column j
 * of VW tiles, for the row pass, each row's tiles in their lanes. Step
 * 3 does the inverse: the m output vectors of a row of VW tiles are
 * interleaved into m * VW consecutive outputs, which take the epilogue
 * and are stored by rows of tiles. A vector that runs past the block's
 * last tile is computed whole and its extra lanes thrown away (V and M
 * rows have room for it). On Zen 4 with AVX-512, by rows of tiles (each
 * part of a row in a block a vector of its own) before: 64 channels of
 * 56x56 F(4x4), blocks of 32 tiles in rows of 14, 0.88 -> 0.83 ms
 * alone, 0.89 -> 0.85 in resnet18; 256 of 14x14 0.80 -> 0.78.
 *
 * Measured on resnet18's layers alone (Zen 4, AVX-512 encodings, VW 8):
 * 64x56x56 F(4x4) 1.0 ms, 128x28x28 1.0, 256x14x14 0.9, 512x7x7 F(2x2)
 * 1.5 (memory-bound on its 16.8 MB of U); the GEMM tiles run at about
 * 90% of the FMA peak on the first three, the transforms take a third
 * of the 64-channel layer and a fifth of the 256-channel one. The file is
 * SIMD_WIDE (simd.h): with AVX-512F, VW is 16, NR 32, and on a Zen 5 core
 * (512-bit FMA units) resnet50's layers alone ran 0.77-0.82 -> 0.54-0.61
 * ms (F(4x4)) and 1.30 -> 0.92 (F(2x2), 512x7x7).
 *
 * The matrices, interpolation points 0, 1, -1 (F(2x2)) and 0, 1, -1, 2, -2
 * (F(4x4)), plus the point at infinity. For F(4x4) the points +-1/2
 * instead of +-2 measured no better in FP32 (max error relative to the
 * output's max, simulated over 16..256 channels: 3.2e-6..1.1e-5 for both
 * on normal inputs; on post-ReLU inputs 2.5e-6..8.9e-6 for +-2 against
 * 2.7e-6..9.6e-6 for +-1/2), and +-2 keeps B and A integer, so steps 1
 * and 3 round only in their additions.
 *
 *   F(2x2):  B^T = [ 1  0 -1  0 ]   G = [ 1    0    0  ]   A^T = [ 1 1  1 0 ]
 *                  [ 0  1  1  0 ]       [ 1/2  1/2  1/2]         [ 0 1 -1 1 ]
 *                  [ 0 -1  1  0 ]       [ 1/2 -1/2  1/2]
 *                  [ 0 -1  0  1 ]       [ 0    0    1  ]
 *
 *   F(4x4):  B^T = [ 4  0 -5  0  1  0 ]   G = [ 1/4    0     0  ]
 *                  [ 0 -4 -4  1  1  0 ]       [-1/6  -1/6  -1/6 ]
 *                  [ 0  4 -4 -1  1  0 ]       [-1/6   1/6  -1/6 ]
 *                  [ 0 -2 -1  2  1  0 ]       [ 1/24  1/12  1/6 ]
 *                  [ 0  2 -1 -2  1  0 ]       [ 1/24 -1/12  1/6 ]
 *                  [ 0  4  0 -5  0  1 ]       [ 0     0     1   ]
 *
 *            A^T = [ 1  1  1  1  1  0 ]
 *                  [ 0  1 -1  2 -2  0 ]
 *                  [ 0  1  1  4  4  0 ]
 *                  [ 0  1 -1  8 -8  1 ]
 *
 * Still simple (STYLE 12): one image at a time.
 *
 * The files: this one, the driver (blocks of tiles, the three steps) and
 * step 2's register tiles; winograd_transform.h, steps 1 and 3 (B^T d B,
 * A^T m A and their lane permutations), always inlined into the driver
 * with m a constant, as they were when they lived here.
 */
#define SIMD_WIDE /* vectors of 16 with AVX-512 (simd.h): nothing here leaves the file */
#include "cnnrt.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "act.h"
#include "cl.h"
#include "gemv.h"
#include "simd.h"

#define NR (2 * VW)    /* tiles of a GEMM strip: columns of the register tile */
#define MR RT_GEMM_MR  /* output channels of a packed U panel: rows of the register tile */
#if RT_GEMM_MR != 6
#error "winograd.c: the GEMM tiles below are written for U panels of 6 rows"
#endif

#include "winograd_transform.h"

/* U is read ahead in step 2: with many channels U[xi] streams from
 * memory or L3, used for just NR tiles, and the hardware prefetcher
 * alone left resnet18's 512-channel 7x7 layer 25% slower. The register
 * tiles use PREFETCH_STREAM (simd.h says how far ahead), gemm_narrow,
 * which reads U 6 vectors a step, PREFETCH floats ahead. */
#define PREFETCH PREFETCH_AHEAD

/* One MR x NR register tile of step 2: c[i * ldc + 0..NR) = sum over
 * q < k of a[q * MR + i] * b[q * ldb + 0..NR), for rows i < rows.
 * a: a packed panel of U[xi], [k][MR]; b: NR columns of V[xi]. */
static void gemm_tile(int k, const float *a, const float *b, size_t ldb, float *c, size_t ldc, int rows)
{
	vf c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
	vf c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
	for (int q = 0; q < k; q++) {
		vf b0, b1;
		LOADV(b0, b + q * ldb);
		LOADV(b1, b + q * ldb + VW);
		const float *aq = a + (size_t)q * MR;
		PREFETCH_STREAM(aq);
		c00 += aq[0] * b0, c01 += aq[0] * b1;
		c10 += aq[1] * b0, c11 += aq[1] * b1;
		c20 += aq[2] * b0, c21 += aq[2] * b1;
		c30 += aq[3] * b0, c31 += aq[3] * b1;
		c40 += aq[4] * b0, c41 += aq[4] * b1;
		c50 += aq[5] * b0, c51 += aq[5] * b1;
	}
	vf t[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
	for (int i = 0; i < rows; i++) {
		STOREV(c + i * ldc, t[i][0]);
		STOREV(c + i * ldc + VW, t[i][1]);
	}
}

#if SIMD_REGS == 32
/* Two panels at once, 2 * MR rows (all of them exist): 24 accumulators,
 * for targets with 32 vector registers, so each load of V feeds twice the
 * multiplies. a1 = a + MR * k is the next panel. */
static void gemm_tile2(int k, const float *a, const float *b, size_t ldb, float *c, size_t ldc)
{
	const float *a1 = a + (size_t)MR * k;
	vf c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
	vf c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
	vf d00 = {0}, d01 = {0}, d10 = {0}, d11 = {0}, d20 = {0}, d21 = {0};
	vf d30 = {0}, d31 = {0}, d40 = {0}, d41 = {0}, d50 = {0}, d51 = {0};
	for (int q = 0; q < k; q++) {
		vf b0, b1;
		LOADV(b0, b + q * ldb);
		LOADV(b1, b + q * ldb + VW);
		const float *aq = a + (size_t)q * MR, *eq = a1 + (size_t)q * MR;
		PREFETCH_STREAM(aq);
		PREFETCH_STREAM(eq);
		c00 += aq[0] * b0, c01 += aq[0] * b1;
		c10 += aq[1] * b0, c11 += aq[1] * b1;
		c20 += aq[2] * b0, c21 += aq[2] * b1;
		c30 += aq[3] * b0, c31 += aq[3] * b1;
		c40 += aq[4] * b0, c41 += aq[4] * b1;
		c50 += aq[5] * b0, c51 += aq[5] * b1;
		d00 += eq[0] * b0, d01 += eq[0] * b1;
		d10 += eq[1] * b0, d11 += eq[1] * b1;
		d20 += eq[2] * b0, d21 += eq[2] * b1;
		d30 += eq[3] * b0, d31 += eq[3] * b1;
		d40 += eq[4] * b0, d41 += eq[4] * b1;
		d50 += eq[5] * b0, d51 += eq[5] * b1;
	}
	vf t[2 * MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51},
	                   {d00, d01}, {d10, d11}, {d20, d21}, {d30, d31}, {d40, d41}, {d50, d51}};
	for (int i = 0; i < 2 * MR; i++) {
		STOREV(c + i * ldc, t[i][0]);
		STOREV(c + i * ldc + VW, t[i][1]);
	}
}
#endif

/* The same for one vector of columns (a block's last VW tiles, or the
 * VW before its narrow ones), rows i < rows of up to two panels (a1 = a
 * + MR * k, read only when rows > MR), 12 accumulators. Both panels are
 * read ahead: the second is not in the first's lines ahead (resnet18's
 * 256-channel 14x14 layer, 16 tiles a block, 1.15 -> 1.03 ms alone). */
static void gemm_tile_half(int k, const float *a, const float *b, size_t ldb, float *c, size_t ldc, int rows)
{
	const float *a1 = rows > MR ? a + (size_t)MR * k : a;
	vf c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0};
	vf d0 = {0}, d1 = {0}, d2 = {0}, d3 = {0}, d4 = {0}, d5 = {0};
	for (int q = 0; q < k; q++) {
		vf b0;
		LOADV(b0, b + q * ldb);
		const float *aq = a + (size_t)q * MR, *eq = a1 + (size_t)q * MR;
		PREFETCH_STREAM(aq);
		PREFETCH_STREAM(eq);
		c0 += aq[0] * b0, c1 += aq[1] * b0, c2 += aq[2] * b0;
		c3 += aq[3] * b0, c4 += aq[4] * b0, c5 += aq[5] * b0;
		d0 += eq[0] * b0, d1 += eq[1] * b0, d2 += eq[2] * b0;
		d3 += eq[3] * b0, d4 += eq[4] * b0, d5 += eq[5] * b0;
	}
	vf t[2 * MR] = {c0, c1, c2, c3, c4, c5, d0, d1, d2, d3, d4, d5};
	for (int i = 0; i < rows; i++)
		STOREV(c + i * ldc, t[i]);
}

/* The block's last few tiles, when a vector of them would be mostly
 * empty (28x28 outputs in tiles of 4x4: 49 tiles, a strip of 32, then 17
 * = 16 + 1; resnet18's 128-channel layer alone 0.92 -> 0.80 ms on Zen 4,
 * whole-image blocks included), are multiplied a column at a time: column t of V[xi],
 * v[q], q < k, spread to e[q * MR + i] = v[q] for the panel's rows i,
 * so that the panel's MR rows of the product are sums of a[j] * e[j]
 * over its flat positions j: vectors straight down the packed panel
 * ([k][MR] as stored), one load of it for up to NARROW columns. A run of
 * 3 vectors is whole groups of MR floats, so lane l of a run belongs to
 * row l % MR in every run; the rows are folded from the lanes at the
 * end (gemv.h, as gemm.c's gemv does). Per panel that is about k / VW
 * runs of 6 loads and 6 * r multiply-adds (and a fold per column) where a vector of
 * tiles takes k * MR multiply-adds: written for VW 16 (AVX-512, a
 * vector load a cycle), off for narrower vectors. */
#if VW == 16
#define NARROW RT_WINOGRAD_NARROW
#else
#define NARROW 0
#endif

/* Whether r narrow columns over k channels beat a vector of tiles: by
 * the counts above at a load a cycle, (6 + 6r) k / 16 + 60 r cycles
 * against 6 k, with a factor 2 in hand (k > 26, 64, 120, 213 for r = 1,
 * 2, 3, 4). The 60 r was a float-by-float sum of the lanes; gemv.h's
 * fold costs a few shuffles (128 channels of 28x28, whose 49th tile goes
 * alone: 0.771 -> 0.748 ms), but the rule made to take it for 4 tiles
 * over 64 channels (56x56's last block) gained nothing there: the
 * columns are still spread a float at a time. */
static bool narrow_pays(int r, int k)
{
	return r <= NARROW && (long long)(42 - 6 * r) * k > 960LL * r;
}

/* c[t + i * ldc] = sum over q < k of a[q * MR + i] * v_t[q], columns t < r,
 * rows i < rows. a: a packed panel [k][MR]; e: the r columns spread,
 * column t at e + t * es, [k][MR]. */
INLINE void gemm_narrow(const int r, int k, const float *a, const float *e, size_t es, float *c, size_t ldc,
                        int rows)
{
	enum { RUN = 3 * VW };      /* floats of a run: whole groups of MR (GEMV_PERIOD) */
	int n = k * MR, n2 = n / (2 * RUN) * (2 * RUN);
	vf s[RT_WINOGRAD_NARROW][6]; /* two runs' accumulators per column */
	memset(s, 0, sizeof s);
	for (int j = 0; j < n2; j += 2 * RUN) {
		vf av[6];
		#pragma GCC unroll 6
		for (int u = 0; u < 6; u++) { /* 6 vectors: 6 lines with VW 16 */
			PREFETCH_AT(a + j + u * VW, PREFETCH);
			LOADV(av[u], a + j + u * VW);
		}
		#pragma GCC unroll 4
		for (int t = 0; t < r; t++)
			#pragma GCC unroll 6
			for (int u = 0; u < 6; u++) {
				vf ev;
				LOADV(ev, e + t * es + j + u * VW);
				s[t][u] += av[u] * ev;
			}
	}
	for (int t = 0; t < r; t++) {
		float sum[MR] = {0};
#if NARROW /* (gemv.h folds vectors of 8 or 16; narrow tiles are only taken with 16) */
		vf h = gemv_fold(s[t][0] + s[t][3], s[t][1] + s[t][4], s[t][2] + s[t][5]);
		for (int i = 0; i < MR; i++)
			sum[i] = h[i];
#endif
		for (int j = n2; j < n; j++)
			sum[j % MR] += a[j] * e[t * es + j];
		for (int i = 0; i < rows; i++)
			c[t + i * ldc] = sum[i];
	}
}

/* One call's sizes and buffers, shared by its parallel loops. */
typedef struct {
	const rt_conv2d_params *p;
	const float *x;       /* input [n, c, h, w] */
	const float *u;       /* a*a packed U[xi] */
	const rt_epilogue *ep; /* NULL: none */
	float *y;             /* output [n, oc, oh, ow] */
	float *scratch;       /* parts areas of part_floats each */
	size_t part_floats;   /* RT_WINOGRAD_FLOATS: one area */
	int parts;            /* areas in scratch: the threads compiled for */
	int tw, tiles, tb;    /* tiles per tile row, per image, per block (most) */
	int blocks;           /* blocks per image */
	int ld, wp;           /* row stride of V and M; floats of a band row */
	size_t upos, xs;      /* floats of one packed U[xi]; from V[xi] to V[xi + 1] */
	/* one block at a time (steps split over threads): which block */
	int n, b0, nb, nbp;   /* image; first tile, tiles, tiles rounded up to NR */
	int in_parts;         /* parts step 1 is cut into (<= parts) */
	rt_epilogue e;        /* ep with the residual at image n */
} Wino;

/* One area of scratch: a block's V and M, a band, a row of zeros and
 * the narrow tiles' spread columns. */
typedef struct {
	float *v;      /* V: [a*a] x [c][ld], V[xi] xs floats apart */
	float *mm;     /* M: [oc][a*a][ld] */
	float *band;   /* a row of tiles after B^T: [a][wp] */
	float *zero;   /* the input rows above and below: wp zeros */
	float *spread; /* up to NARROW columns of one V[xi], each [c][MR] */
} Area;

static Area area(const int m, const Wino *w, int part)
{
	const int a = m + 2;
	Area r;
	r.v = w->scratch + (size_t)part * w->part_floats;
	r.mm = r.v + a * a * w->xs;
	r.band = r.mm + (size_t)a * a * w->p->oc * w->ld;
	r.zero = r.band + (size_t)a * w->wp;
	r.spread = r.zero + w->wp;
	return r;
}

/* Column t < r of V[xi] from column s0 spread for gemm_narrow: at
 * spread + t * c * MR, [c][MR]. */
static void spread_columns(const Wino *w, const float *v, int xi, int s0, int r, float *spread)
{
	const rt_conv2d_params *p = w->p;
	const float *vb = v + xi * w->xs + s0;
	for (int t = 0; t < r; t++)
		for (int q = 0; q < p->c; q++)
			for (int i = 0; i < MR; i++)
				spread[((size_t)t * p->c + q) * MR + i] = vb[(size_t)q * w->ld + t];
}

/* Step 2 for r narrow tiles (narrow_pays) spread by spread_columns, on
 * the panels of output channels [o0, o1) of U[xi] (their product columns
 * at mc, row stride ldc). */
static void products_narrow(const Wino *w, const float *ua, const float *spread, int r, float *mc, size_t ldc,
                            int o0, int o1)
{
	const rt_conv2d_params *p = w->p;
	size_t es = (size_t)p->c * MR;
	for (int o = o0; o < o1; o += MR, ua += (size_t)MR * p->c, mc += MR * ldc) {
		int rows = o1 - o < MR ? o1 - o : MR;
		switch (r) { /* the column count a constant, so the accumulators stay in registers */
		case 1: gemm_narrow(1, p->c, ua, spread, es, mc, ldc, rows); break;
		case 2: gemm_narrow(2, p->c, ua, spread, es, mc, ldc, rows); break;
		case 3: gemm_narrow(3, p->c, ua, spread, es, mc, ldc, rows); break;
		default: gemm_narrow(4, p->c, ua, spread, es, mc, ldc, rows); break;
		}
	}
}

/* Of the block's nb tiles (nbp: rounded up to NR), the ones step 2
 * multiplies a column at a time: only the last strip (from nbp - NR)
 * may be short of NR tiles, r of them; all r, or those after a vector
 * of tiles, where that pays. */
static int narrow_tiles(int nb, int nbp, int c)
{
	int r = nb - (nbp - NR);
	return narrow_pays(r, c) ? r : r > VW && narrow_pays(r - VW, c) ? r - VW : 0;
}

/* The columns of V step 2 reads, from 0: up to nb where the last strip
 * ends in narrow tiles, to the end of its first vector where that is
 * all it has (a vector of tiles), else up to nbp (a whole register
 * tile). Step 1 writes whole vectors up to it. */
static int v_reach(int nb, int nbp, int c)
{
	int sl = nbp - NR, r = nb - sl;
	return narrow_tiles(nb, nbp, c) ? nb : r <= VW ? sl + VW : nbp;
}

/* Step 2 for tile positions [xi0, xi1) of the block of nb tiles (nbp
 * rounded up to NR): M[xi] [oc, nb] = U[xi] V[xi] (the register tiles
 * also fill the columns after nb up to their width, the narrow path
 * does not: step 3 reads them only into lanes it drops); spread: the
 * running thread's room for products_narrow. */
static void products(const Wino *w, int a, const float *v, float *mm, int nb, int nbp, int xi0, int xi1,
                     float *spread)
{
	const rt_conv2d_params *p = w->p;
	int ld = w->ld;
	size_t ldc = (size_t)a * a * ld;
	int sl = nbp - NR, r = nb - sl, nr = narrow_tiles(nb, nbp, p->c);
	for (int xi = xi0; xi < xi1; xi++) {
		if (nr)
			spread_columns(w, v, xi, nb - nr, nr, spread);
		/* two panels of U[xi] at a time over every strip, so that a U
		 * streaming from memory is read once a block however many
		 * strips it has */
		for (int o0 = 0; o0 < p->oc; o0 += 2 * MR) {
			const float *ua = w->u + xi * w->upos + (size_t)o0 * p->c;
			int rows = p->oc - o0 < 2 * MR ? p->oc - o0 : 2 * MR;
			for (int s0 = 0; s0 < nbp; s0 += NR) {
				const float *vb = v + xi * w->xs + s0;
				float *mc = mm + ((size_t)o0 * a * a + xi) * ld + s0;
				if (s0 == sl && nr == r) { /* all narrow */
					products_narrow(w, ua, spread, nr, mc, ldc, o0, o0 + rows);
					continue;
				}
				if (s0 == sl && (r <= VW || nr)) { /* a vector of tiles: half a tile, then the
				                                    * narrow ones on the same panels */
					gemm_tile_half(p->c, ua, vb, ld, mc, ldc, rows);
					if (nr)
						products_narrow(w, ua, spread, nr, mc + VW, ldc, o0, o0 + rows);
					continue;
				}
#if SIMD_REGS == 32
				if (rows == 2 * MR) {
					gemm_tile2(p->c, ua, vb, ld, mc, ldc);
					continue;
				}
#endif
				gemm_tile(p->c, ua, vb, ld, mc, ldc, rows < MR ? rows : MR);
				if (rows > MR)
					gemm_tile(p->c, ua + (size_t)MR * p->c, vb, ld, mc + MR * ldc, ldc, rows - MR);
			}
		}
	}
}

/* The epilogue of image n: ep with its residual there. */
static rt_epilogue image_epilogue(const Wino *w, int n)
{
	rt_epilogue e = {NULL, NULL, RT_ACT_NONE, 0, 0, NULL};
	if (w->ep) {
		e = *w->ep;
		e.residual = w->ep->residual ? w->ep->residual + (size_t)n * w->p->oc * w->p->oh * w->p->ow : NULL;
	}
	return e;
}

/* Items [begin, end) of (image, block) pairs, each all three steps in the
 * area of the thread running them (rt_thread_slot; its band's zero rows
 * set by the caller): a block's columns are its tiles', whichever thread
 * and chunk it falls in. */
INLINE void blocks(const int m, const Wino *w, int begin, int end)
{
	const int a = m + 2;
	const rt_conv2d_params *p = w->p;
	Area ar = area(m, w, rt_thread_slot());
	for (int it = begin; it < end; it++) {
		int n = it / w->blocks, b0 = it % w->blocks * w->tb;
		int nb = w->tiles - b0 < w->tb ? w->tiles - b0 : w->tb, nbp = (nb + NR - 1) / NR * NR;
		rt_epilogue e = image_epilogue(w, n);
		input_transform(m, p, w->x + (size_t)n * p->c * p->h * p->w, w->tw, b0, nb, v_reach(nb, nbp, p->c), w->ld,
		                w->wp, 0, p->c, ar.zero, ar.band, ar.v);
		products(w, a, ar.v, ar.mm, nb, nbp, 0, a * a, ar.spread);
		output_transform(m, p, ar.mm, w->tw, b0, nb, w->ld, &e, w->y + (size_t)n * p->oc * p->oh * p->ow, 0,
		                 p->oc);
	}
}

/* rt_parallel bodies. Over (image, block) items: */
static void blocks2(void *ctx, int begin, int end) { blocks(2, ctx, begin, end); }
static void blocks4(void *ctx, int begin, int end) { blocks(4, ctx, begin, end); }

/* Items i of a loop over parts: [lo, hi) the i-th equal run of total. */
#define PART_RANGE(parts, i, total, lo, hi) \
	int lo = (int)((long long)(total) * (i) / (parts)), hi = (int)((long long)(total) * ((i) + 1) / (parts))

/* One block's step 1 over parts (the channels of part i, in its band): */
INLINE void inputs(const int m, const Wino *w, int begin, int end)
{
	const rt_conv2d_params *p = w->p;
	Area a0 = area(m, w, 0);
	for (int i = begin; i < end; i++) {
		PART_RANGE(w->in_parts, i, p->c, lo, hi);
		Area ar = area(m, w, i);
		input_transform(m, p, w->x + (size_t)w->n * p->c * p->h * p->w, w->tw, w->b0, w->nb,
		                v_reach(w->nb, w->nbp, p->c), w->ld, w->wp,
		                lo, hi, a0.zero, ar.band, a0.v);
	}
}
static void inputs2(void *ctx, int begin, int end) { inputs(2, ctx, begin, end); }
static void inputs4(void *ctx, int begin, int end) { inputs(4, ctx, begin, end); }

/* its step 2 over tile positions xi (narrow tiles spread in the running
 * thread's area): */
static void products2(void *ctx, int begin, int end)
{
	const Wino *w = ctx;
	Area a0 = area(2, w, 0);
	products(w, 4, a0.v, a0.mm, w->nb, w->nbp, begin, end, area(2, w, rt_thread_slot()).spread);
}
static void products4(void *ctx, int begin, int end)
{
	const Wino *w = ctx;
	Area a0 = area(4, w, 0);
	products(w, 6, a0.v, a0.mm, w->nb, w->nbp, begin, end, area(4, w, rt_thread_slot()).spread);
}

/* and its step 3 over output channels. */
INLINE void outputs(const int m, const Wino *w, int begin, int end)
{
	const rt_conv2d_params *p = w->p;
	output_transform(m, p, area(m, w, 0).mm, w->tw, w->b0, w->nb, w->ld, &w->e,
	                 w->y + (size_t)w->n * p->oc * p->oh * p->ow, begin, end);
}
static void outputs2(void *ctx, int begin, int end) { outputs(2, ctx, begin, end); }
static void outputs4(void *ctx, int begin, int end) { outputs(4, ctx, begin, end); }

/* The three steps for every image, block by block of tiles, with the tile
 * size a constant. Threads: with at least as many (image, block) pairs
 * as parts, one parallel loop over them on at most `parts` threads, each
 * thread in its own area of scratch, chunks of whole blocks balancing
 * the threads (resnet50's 56x56 layers: 13 blocks); with fewer (a small output: one block)
 * the blocks go one by one and each step is a parallel loop: step 1 over
 * channels (a band per part), step 2 over the a*a tile positions, step 3
 * over output channels, each where it has the work (cl_grain). Every
 * output is computed by the same operations in the same order either
 * way (a column of V and M is one tile's; the blocks, and so which
 * kernel of step 2 takes a tile, depend on the sizes alone), so the
 * thread count does not change a bit of it. */
INLINE void winograd(const int m, const rt_conv2d_params *p, int parts, const float *x, const float *u,
                     const rt_epilogue *ep, float *y, float *scratch)
{
	const int a = m + 2;
	Wino w = {.p = p, .x = x, .u = u, .ep = ep, .y = y, .scratch = scratch, .parts = parts < 1 ? 1 : parts};
	w.part_floats = (size_t)RT_WINOGRAD_FLOATS(m, p->c, p->oc, p->oh, p->ow);
	w.tw = (p->ow + m - 1) / m;
	w.tiles = (int)RT_WINOGRAD_TILES(m, p->oh, p->ow);
	int tb = (int)RT_WINOGRAD_BLOCK(m, p->c, p->oc, p->oh, p->ow); /* most tiles a block may take */
	int tbr = RT_WINOGRAD_BUDGET / (a * a * (p->c + p->oc)) / NR * NR;  /* tiles a block takes, a multiple of NR */
	w.tb = RT_WINOGRAD_WHOLE(m, p->c, p->oc, p->oh, p->ow) ? tb : tbr < NR ? NR : tbr < tb ? tbr : tb;
	w.blocks = (w.tiles + w.tb - 1) / w.tb;
	w.ld = w.tb + 16;
	w.wp = (int)RT_WINOGRAD_WP(m, p->ow);
	w.upos = (size_t)RT_GEMM_PACKED(p->oc, p->c);
	w.xs = (size_t)p->c * w.ld + 16;
	int items = p->n * w.blocks;
	for (int i = 0; i < w.parts; i++) { /* the bands' zero rows */
		Area ar = area(m, &w, i);
		memset(ar.band, 0, (size_t)(a + 1) * w.wp * sizeof *ar.band);
	}
	/* whole blocks, a chunk of them at a time, when they split evenly
	 * enough: 7 blocks make 3 and 4, 3 would make 1 and 2 */
	if (w.parts == 1 || (items >= w.parts && (items % w.parts == 0 || items >= 3 * w.parts))) {
		rt_parallel_slots(items, 1, w.parts, m == 2 ? blocks2 : blocks4, &w);
		return;
	}
	double tile_flops = 2.0 * a * a * a; /* a transform's, per tile and channel */
	for (int it = 0; it < items; it++) {
		w.n = it / w.blocks, w.b0 = it % w.blocks * w.tb;
		w.nb = w.tiles - w.b0 < w.tb ? w.tiles - w.b0 : w.tb, w.nbp = (w.nb + NR - 1) / NR * NR;
		w.e = image_epilogue(&w, w.n);
		w.in_parts = (int)(tile_flops * w.nbp * p->c / CL_GRAIN_FLOPS) + 1;
		w.in_parts = w.in_parts < w.parts ? w.in_parts : w.parts;
		rt_parallel(w.in_parts, 1, m == 2 ? inputs2 : inputs4, &w);
		rt_parallel_slots(a * a, cl_grain(2.0 * p->c * p->oc * w.nbp, CL_GRAIN_FLOPS), w.parts,
		                  m == 2 ? products2 : products4, &w);
		rt_parallel(p->oc, cl_grain(tile_flops * w.nbp, CL_GRAIN_FLOPS), m == 2 ? outputs2 : outputs4, &w);
	}
}

void rt_conv2d_winograd(const rt_conv2d_params *p, int m, int threads, const float *x, const float *u,
                        const rt_epilogue *ep, float *y, float *scratch)
{
	if (m == 2)
		winograd(2, p, threads, x, u, ep, y, scratch);
	else
		winograd(4, p, threads, x, u, ep, y, scratch);
}
