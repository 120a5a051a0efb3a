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
 * and leaves most of L2 to U and the activations):
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
 *      RT_GEMM_MR rows). Columns go up to the block's tiles rounded up to
 *      NR, or to VW when no more are left (a half-width tile). M is laid
 *      out [oc][a*a][tb], so step 3 reads one output channel's a*a
 *      matrices from one run.
 *   3. output transform: A^T m A of every (output channel, tile), then the
 *      epilogue (bias, residual, activation); outputs past oh or ow of an
 *      edge tile are dropped.
 *
 * Steps 1 and 3 work on VW tiles of one tile row at a time, one per lane
 * of a vector, and never gather or scatter single floats. Step 1 first
 * runs B^T down the columns of a whole row of tiles, in vectors along the
 * input row (the "band", a x (tiles * m + 2) floats); the tiles of the
 * row are then m floats apart in each band row, and lane permutations
 * (deinterleave) turn m + 1 consecutive vectors of it into the a vectors
 * of column j of VW tiles, for the row pass. Step 3 does the inverse: the
 * m output vectors of a row of VW tiles are interleaved into m * VW
 * consecutive outputs, which take the epilogue and are stored whole. A
 * vector of tiles that runs past its tile row is computed whole and its
 * extra lanes thrown away (V and M rows have room for it).
 *
 * Measured on resnet18's layers alone (Zen 4, AVX-512 encodings, VW 8):
 * 64x56x56 F(4x4) 1.0 ms, 128x28x28 1.0, 256x14x14 0.9, 512x7x7 F(2x2)
 * 1.5 (memory-bound on its 16.8 MB of U); the GEMM tiles run at about
 * 90% of the FMA peak on the first three, the transforms take a third
 * of the 64-channel layer and a fifth of the 256-channel one.
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
 * Still simple (STYLE 12): one image at a time, one thread.
 */
#include "cnnrt.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "act.h"
#include "simd.h"

#define NR (2 * VW)    /* tiles of a GEMM strip: columns of the register tile */
#define MR RT_GEMM_MR  /* output channels of a packed U panel: rows of the register tile */
#if RT_GEMM_MR != 6
#error "winograd.c: the GEMM tiles below are written for U panels of 6 rows"
#endif

#define INLINE static inline __attribute__((always_inline))

/* Lane permutations of two vectors a, b (lanes 0..VW-1 of a, then of b):
 * EVENS_ and ODDS_ take every other lane, NEXT0_ and NEXT1_ shift a down
 * one lane and append b's lane 0 or 1, LO_ and HI_ interleave the low or
 * high halves of a and b. */
#if VW == 4
#define EVENS_ 0, 2, 4, 6
#define ODDS_ 1, 3, 5, 7
#define NEXT0_ 1, 2, 3, 4
#define NEXT1_ 1, 2, 3, 5
#define LO_ 0, 4, 1, 5
#define HI_ 2, 6, 3, 7
#elif VW == 8
#define EVENS_ 0, 2, 4, 6, 8, 10, 12, 14
#define ODDS_ 1, 3, 5, 7, 9, 11, 13, 15
#define NEXT0_ 1, 2, 3, 4, 5, 6, 7, 8
#define NEXT1_ 1, 2, 3, 4, 5, 6, 7, 9
#define LO_ 0, 8, 1, 9, 2, 10, 3, 11
#define HI_ 4, 12, 5, 13, 6, 14, 7, 15
#elif VW == 16
#define EVENS_ 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define ODDS_ 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#define NEXT0_ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
#define NEXT1_ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17
#define LO_ 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23
#define HI_ 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31
#else
#error "winograd.c: no lane permutations for this VW"
#endif
#if defined(__clang__)
#define SHUF(a, b, lanes) __builtin_shufflevector(a, b, lanes)
#else
#define SHUF(a, b, lanes) __builtin_shuffle(a, b, (vi){lanes})
#endif

/* out[i * so] = (B^T in)[i], in[j * si], j < 4, a tile a lane: one column
 * or row of B^T d B for F(2x2). */
INLINE void bt2(const vf *in, int si, vf *out, int so)
{
	vf d0 = in[0], d1 = in[si], d2 = in[2 * si], d3 = in[3 * si];
	out[0] = d0 - d2;
	out[so] = d1 + d2;
	out[2 * so] = d2 - d1;
	out[3 * so] = d3 - d1;
}

/* The same for F(4x4): 6 in, 6 out. */
INLINE void bt4(const vf *in, int si, vf *out, int so)
{
	vf d0 = in[0], d1 = in[si], d2 = in[2 * si], d3 = in[3 * si], d4 = in[4 * si], d5 = in[5 * si];
	out[0] = 4 * d0 - 5 * d2 + d4;
	out[so] = d3 + d4 - 4 * (d1 + d2);
	out[2 * so] = d4 - d3 + 4 * (d1 - d2);
	out[3 * so] = d4 - d2 + 2 * (d3 - d1);
	out[4 * so] = d4 - d2 + 2 * (d1 - d3);
	out[5 * so] = 4 * d1 - 5 * d3 + d5;
}

/* out[i * so] = (A^T in)[i], in[j * si]: 4 in, 2 out (F(2x2)). */
INLINE void at2(const vf *in, int si, vf *out, int so)
{
	vf m0 = in[0], m1 = in[si], m2 = in[2 * si], m3 = in[3 * si];
	out[0] = m0 + m1 + m2;
	out[so] = m1 - m2 + m3;
}

/* The same for F(4x4): 6 in, 4 out. */
INLINE void at4(const vf *in, int si, vf *out, int so)
{
	vf m0 = in[0], m1 = in[si], m2 = in[2 * si], m3 = in[3 * si], m4 = in[4 * si], m5 = in[5 * si];
	vf s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
	out[0] = m0 + s12 + s34;
	out[so] = d12 + 2 * d34;
	out[2 * so] = s12 + 4 * s34;
	out[3 * so] = d12 + 8 * d34 + m5;
}

/* band[i * wp + pw + xx] = (B^T d)[i] for i < a and the input columns
 * xx in [x0, x1) (clipped to the input; a few more may be done): d the a
 * input rows from row y0 of channel xc (rows outside the input read
 * zero), in vectors along the row; a last vector overlaps the one before
 * (the same values again) rather than reading past the row. Band columns
 * left of pw and right of pw + w are not written: they stay zero. */
INLINE void vertical(const int m, const rt_conv2d_params *p, const float *xc, int y0, int x0, int x1, int wp,
                     const float *zero, float *band)
{
	const int a = m + 2;
	const float *rows[6]; /* the input rows, the zero row outside */
	#pragma GCC unroll 6
	for (int k = 0; k < a; k++)
		rows[k] = y0 + k >= 0 && y0 + k < p->h ? xc + (size_t)(y0 + k) * p->w : zero;
	band += p->pw;
	x0 = x0 < 0 ? 0 : x0;
	x1 = x1 > p->w ? p->w : x1;
	vf d[6], t[6];
	if (p->w < VW) { /* a row narrower than a vector: the rest stays zero */
		#pragma GCC unroll 6
		for (int k = 0; k < a; k++)
			for (int l = 0; l < VW; l++)
				d[k][l] = l < p->w ? rows[k][l] : 0.0f;
		m == 2 ? bt2(d, 1, t, 1) : bt4(d, 1, t, 1);
		#pragma GCC unroll 6
		for (int i = 0; i < a; i++)
			STOREV(band + (size_t)i * wp, t[i]);
		return;
	}
	for (int c = x0; c < x1; c += VW) {
		int c0 = c + VW <= p->w ? c : p->w - VW; /* columns c0 .. c0 + VW - 1 */
		#pragma GCC unroll 6
		for (int k = 0; k < a; k++) {
			LOADV(d[k], rows[k] + c0);
			PREFETCH_AT(rows[k] + c0, (size_t)p->h * p->w); /* the next channel's */
		}
		m == 2 ? bt2(d, 1, t, 1) : bt4(d, 1, t, 1);
		#pragma GCC unroll 6
		for (int i = 0; i < a; i++)
			STOREV(band + (size_t)i * wp + c0, t[i]);
	}
}

/* d[j][l] = src[m * l + j], j < a, l < VW: the a columns of VW tiles side
 * by side in a band row, one tile a lane. Reads (m + 1) * VW floats. */
INLINE void deinterleave(const int m, const float *src, vf *d)
{
	vf l0, l1, l2, l3, l4;
	LOADV(l0, src), LOADV(l1, src + VW), LOADV(l2, src + 2 * VW);
	if (m == 2) {
		d[0] = SHUF(l0, l1, EVENS_), d[1] = SHUF(l0, l1, ODDS_);
		d[2] = SHUF(d[0], l2, NEXT0_), d[3] = SHUF(d[1], l2, NEXT1_);
		return;
	}
	LOADV(l3, src + 3 * VW), LOADV(l4, src + 4 * VW);
	vf e01 = SHUF(l0, l1, EVENS_), o01 = SHUF(l0, l1, ODDS_), e23 = SHUF(l2, l3, EVENS_), o23 = SHUF(l2, l3, ODDS_);
	d[0] = SHUF(e01, e23, EVENS_), d[1] = SHUF(o01, o23, EVENS_);
	d[2] = SHUF(e01, e23, ODDS_), d[3] = SHUF(o01, o23, ODDS_);
	d[4] = SHUF(d[0], l4, NEXT0_), d[5] = SHUF(d[1], l4, NEXT1_);
}

/* The inverse for m outputs of VW tiles: out[m * l + j] = r[j][l]. */
INLINE void interleave(const int m, const vf *r, vf *out)
{
	if (m == 2) {
		out[0] = SHUF(r[0], r[1], LO_), out[1] = SHUF(r[0], r[1], HI_);
		return;
	}
	vf x0 = SHUF(r[0], r[2], LO_), x1 = SHUF(r[0], r[2], HI_), y0 = SHUF(r[1], r[3], LO_), y1 = SHUF(r[1], r[3], HI_);
	out[0] = SHUF(x0, y0, LO_), out[1] = SHUF(x0, y0, HI_);
	out[2] = SHUF(x1, y1, LO_), out[3] = SHUF(x1, y1, HI_);
}

/* Step 1 for tiles b0 .. b0 + nb - 1 of one image. x: [c, h, w] ->
 * v: [a*a] x V[xi] [c, nbp], row stride ld, block-relative tile t in
 * column t, V[xi] at v + xi * (c * ld + 16): the 16 floats keep the a*a
 * rows a channel writes off one cache set when c * ld is a multiple of
 * 1024. Per channel and row of tiles, first the columns: B^T d along
 * the row in vectors, into band (a x wp floats, zero where no input
 * column lands); then the rows, VW tiles at a time, a tile a lane, taken
 * from the band by lane permutations. A vector of tiles that runs past
 * the row's last tile is stored whole (ld has room): its extra lanes
 * hold whatever the band held there and are overwritten by the next
 * row's or, past the block's last tile, only ever mix into columns of M
 * that are thrown away; on the block's last row the vectors go on to
 * nbp, so every column the GEMM reads has been written. */
INLINE void input_transform(const int m, const rt_conv2d_params *p, const float *x, int tw, int b0, int nb, int nbp,
                            int ld, int wp, const float *zero, float *band, float *v)
{
	const int a = m + 2;
	int ty0 = b0 / tw, rows = (b0 + nb - 1) / tw - ty0 + 1;
	size_t xs = (size_t)p->c * ld + 16; /* floats from V[xi] to V[xi + 1] */
	for (int ci = 0; ci < p->c; ci++) {
		const float *xc = x + (size_t)ci * p->h * p->w;
		float *vc = v + (size_t)ci * ld;
		for (int r = 0; r < rows; r++) {
			int ty = ty0 + r, first = r == 0 ? b0 - ty * tw : 0; /* the row's tiles [first, last) */
			int last = r == rows - 1 ? b0 + nb - ty * tw : tw;
			int t1 = r == rows - 1 ? nbp : last + ty * tw - b0;   /* block column to reach */
			vertical(m, p, xc, ty * m - p->ph, first * m - p->pw, last * m + 2 - p->pw, wp, zero, band);
			for (int t0 = ty * tw + first - b0, tx = first; t0 < t1; t0 += VW, tx += VW)
				#pragma GCC unroll 6
				for (int i = 0; i < a; i++) {
					vf d[6], q[6];
					deinterleave(m, band + (size_t)i * wp + tx * m, d);
					m == 2 ? bt2(d, 1, q, 1) : bt4(d, 1, q, 1);
					#pragma GCC unroll 6
					for (int j = 0; j < a; j++)
						STOREV(vc + (size_t)(i * a + j) * xs + t0, q[j]);
				}
		}
	}
}

/* Floats of U read ahead in step 2: with many channels U[xi] streams
 * from memory or L3, used for just NR tiles, and the hardware prefetcher
 * alone left resnet18's 512-channel 7x7 layer 25% slower (simd.h says
 * how far ahead). */
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
		PREFETCH_AT(aq, PREFETCH);
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
		PREFETCH_AT(aq, PREFETCH);
		PREFETCH_AT(eq, PREFETCH);
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

/* The same for the block's last VW tiles when no more are left: one
 * vector of columns, rows i < rows of up to two panels (a1 = a + MR * k,
 * read only when rows > MR), 12 accumulators. */
static void gemm_tile_half(int k, const float *a, const float *b, size_t ldb, float *c, size_t ldc, int rows)
{
	const float *a1 = rows > MR ? a + (size_t)MR * k : a;
	vf c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0};
	vf d0 = {0}, d1 = {0}, d2 = {0}, d3 = {0}, d4 = {0}, d5 = {0};
	for (int q = 0; q < k; q++) {
		vf b0;
		LOADV(b0, b + q * ldb);
		const float *aq = a + (size_t)q * MR, *eq = a1 + (size_t)q * MR;
		PREFETCH_AT(aq, PREFETCH);
		c0 += aq[0] * b0, c1 += aq[1] * b0, c2 += aq[2] * b0;
		c3 += aq[3] * b0, c4 += aq[4] * b0, c5 += aq[5] * b0;
		d0 += eq[0] * b0, d1 += eq[1] * b0, d2 += eq[2] * b0;
		d3 += eq[3] * b0, d4 += eq[4] * b0, d5 += eq[5] * b0;
	}
	vf t[2 * MR] = {c0, c1, c2, c3, c4, c5, d0, d1, d2, d3, d4, d5};
	for (int i = 0; i < rows; i++)
		STOREV(c + i * ldc, t[i]);
}

/* Step 3 for tiles b0 .. b0 + nb - 1 of one image. mm: [oc][a*a][ld],
 * M[xi] of output channel o at mm + (o * a*a + xi) * ld, block-relative
 * tile t in column t -> y: [oc, oh, ow], with ep's bias [oc], residual
 * [oc, oh, ow] (this image's) and activation. VW tiles of one tile row
 * at a time, a tile a lane: A^T m A in vectors, then a lane
 * permutation turns the m vectors of each output row into m * VW
 * consecutive outputs, which take the epilogue and are stored whole;
 * where the tiles run past the row or the output (edge tiles, the
 * vector's end), only the outputs that exist are stored. */
INLINE void output_transform(const int m, const rt_conv2d_params *p, const float *mm, int tw, int b0, int nb,
                             int ld, const rt_epilogue *ep, float *y)
{
	const int a = m + 2;
	int ty0 = b0 / tw, rows = (b0 + nb - 1) / tw - ty0 + 1;
	for (int o = 0; o < p->oc; o++) {
		const float *mo = mm + (size_t)o * a * a * ld;
		float bias = ep->bias ? ep->bias[o] : 0.0f;
		float *yo = y + (size_t)o * p->oh * p->ow;
		const float *ro = ep->residual ? ep->residual + (size_t)o * p->oh * p->ow : NULL;
		for (int r = 0; r < rows; r++) {
			int ty = ty0 + r, first = r == 0 ? b0 - ty * tw : 0;
			int last = r == rows - 1 ? b0 + nb - ty * tw : tw; /* tiles [first, last) of the row */
			int orows = p->oh - ty * m < m ? p->oh - ty * m : m;
			for (int tx = first; tx < last; tx += VW) {
				int t0 = ty * tw + tx - b0;
				/* outputs of this vector's tiles that exist, per output row */
				int n = ((last - tx < VW ? last - tx : VW) * m), x0 = tx * m;
				n = p->ow - x0 < n ? p->ow - x0 : n;
				vf s[6][6], t[4][6], q[4][4], row[4]; /* a x a, m x a, m x m used */
				#pragma GCC unroll 6
				for (int i = 0; i < a; i++)
					#pragma GCC unroll 6
					for (int j = 0; j < a; j++)
						LOADV(s[i][j], mo + (size_t)(i * a + j) * ld + t0);
				#pragma GCC unroll 6
				for (int j = 0; j < a; j++) /* t = A^T s: columns */
					m == 2 ? at2(&s[0][j], 6, &t[0][j], 6) : at4(&s[0][j], 6, &t[0][j], 6);
				#pragma GCC unroll 4
				for (int i = 0; i < m; i++) {
					if (i == orows)
						break;
					m == 2 ? at2(t[i], 1, q[i], 1) : at4(t[i], 1, q[i], 1); /* q = t A: rows */
					interleave(m, q[i], row);
					float *yr = yo + (size_t)(ty * m + i) * p->ow + x0;
					const float *rr = ro ? ro + (size_t)(ty * m + i) * p->ow + x0 : NULL;
					#pragma GCC unroll 6
					for (int k = 0; k < m; k++) {
						int at = k * VW, cnt = n - at < VW ? n - at : VW;
						if (cnt <= 0)
							break;
						vf v = row[k] + bias;
						if (cnt == VW) {
							if (rr) {
								vf rv;
								LOADV(rv, rr + at);
								v += rv;
							}
							v = act_vec(ep->act, ep->param, v);
							STOREV(yr + at, v);
							continue;
						}
						for (int l = 0; l < cnt; l++)
							yr[at + l] = act_scalar(ep->act, ep->param, v[l] + (rr ? rr[at + l] : 0.0f));
					}
				}
			}
		}
	}
}

/* The three steps for every image, block by block of tiles, with the tile
 * size a constant. */
INLINE void winograd(const int m, const rt_conv2d_params *p, const float *x, const float *u,
                     const rt_epilogue *ep, float *y, float *scratch)
{
	const int a = m + 2;
	int tw = (p->ow + m - 1) / m, tiles = (int)RT_WINOGRAD_TILES(m, p->oh, p->ow);
	int tb = (int)RT_WINOGRAD_BLOCK(m, p->c, p->oc, p->oh, p->ow); /* most tiles a block may take */
	int tbr = RT_WINOGRAD_BUDGET / (a * a * (p->c + p->oc)) / NR * NR;   /* tiles a block takes, a multiple of NR */
	tb = tbr < NR ? NR : tbr < tb ? tbr : tb;
	int ld = tb + 16;                                    /* row stride of V and M */
	int wp = (int)RT_WINOGRAD_WP(m, p->ow);              /* floats of a band row */
	size_t upos = (size_t)RT_GEMM_PACKED(p->oc, p->c);   /* floats of one packed U[xi] */
	float *v = scratch;                                  /* V: [a*a] x [c][ld], see xs */
	size_t xs = (size_t)p->c * ld + 16;                  /* floats from V[xi] to V[xi + 1] */
	float *mm = v + a * a * xs;                          /* M: [oc][a*a][ld] */
	float *band = mm + (size_t)a * a * p->oc * ld;       /* a row of tiles after B^T: [a][wp] */
	float *zero = band + (size_t)a * wp;                 /* the input rows above and below: wp zeros */
	memset(band, 0, (size_t)(a + 1) * wp * sizeof *band);
	const rt_epilogue none = {NULL, NULL, RT_ACT_NONE, 0};
	for (int n = 0; n < p->n; n++) {
		size_t yoff = (size_t)n * p->oc * p->oh * p->ow;
		rt_epilogue e = none;
		if (ep) {
			e = *ep;
			e.residual = ep->residual ? ep->residual + yoff : NULL;
		}
		for (int b0 = 0; b0 < tiles; b0 += tb) {
			int nb = tiles - b0 < tb ? tiles - b0 : tb, nbp = (nb + NR - 1) / NR * NR;
			input_transform(m, p, x + (size_t)n * p->c * p->h * p->w, tw, b0, nb, nbp, ld, wp, zero, band, v);
			for (int xi = 0; xi < a * a; xi++) /* M[xi] [oc, nbp] = U[xi] V[xi] */
				for (int s0 = 0; s0 < nbp; s0 += NR)
					for (int o0 = 0; o0 < p->oc; o0 += MR) {
						const float *ua = u + xi * upos + (size_t)o0 * p->c, *vb = v + xi * xs + s0;
						float *mc = mm + ((size_t)o0 * a * a + xi) * ld + s0;
						int rows = p->oc - o0;
						if (nb - s0 <= VW) { /* one vector of tiles left: half a tile, two panels */
							gemm_tile_half(p->c, ua, vb, ld, mc, (size_t)a * a * ld, rows < 2 * MR ? rows : 2 * MR);
							o0 += MR;
							continue;
						}
#if SIMD_REGS == 32
						if (rows >= 2 * MR) {
							gemm_tile2(p->c, ua, vb, ld, mc, (size_t)a * a * ld);
							o0 += MR;
							continue;
						}
#endif
						gemm_tile(p->c, ua, vb, ld, mc, (size_t)a * a * ld, rows < MR ? rows : MR);
					}
			output_transform(m, p, mm, tw, b0, nb, ld, &e, y + yoff);
		}
	}
}

void rt_conv2d_winograd(const rt_conv2d_params *p, int m, const float *x, const float *u, const rt_epilogue *ep,
                        float *y, float *scratch)
{
	if (m == 2)
		winograd(2, p, x, u, ep, y, scratch);
	else
		winograd(4, p, x, u, ep, y, scratch);
}
