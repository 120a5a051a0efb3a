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
 * and taken a block of tb tiles at a time (RT_WINOGRAD_BLOCK: as many as
 * keep the block's V and M near RT_WINOGRAD_BUDGET floats, so they stay
 * in cache between the steps):
 *
 *   1. input transform: B^T d B of every tile of the block and channel;
 *      tile position xi (one of a*a) of channel ci lands in V[xi] [c, tb],
 *      written directly in rt_gemm_packed's strips of 16 tiles. Taps past
 *      the input read zero (padding, and the bottom/right edge tiles when
 *      m does not divide oh or ow); the block's tile count is padded to a
 *      multiple of 16 with zero tiles, so no GEMM takes a partial strip.
 *   2. products: for each xi, one GEMM over channels,
 *      M[xi] [oc, tb] = U[xi] [oc, c] x V[xi] [c, tb] (rt_gemm_packed;
 *      the compiler packs each U[xi] as its A). M is laid out
 *      [oc][a*a][tb], so step 3 reads one output channel's a*a matrices
 *      from one contiguous run.
 *   3. output transform: A^T m A of every (output channel, tile), then the
 *      epilogue (bias, residual, activation); outputs past oh or ow of an
 *      edge tile are dropped.
 *
 * Steps 1 and 3 work on 8 tiles at once, one per lane of a vector: the
 * 8 tiles are gathered into d[a][a][8] (a transpose), transformed with
 * vector arithmetic and stored as 8 consecutive columns of V; M's 8
 * consecutive columns are transformed back and scattered to the output.
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
 * A first version (STYLE 12): one image at a time, one thread; the
 * gathers and scatters of steps 1 and 3 are scalar, and with few
 * channels they cost about as much as the GEMMs.
 */
#include "cnnrt.h"

#include <string.h>

#define LANES 8  /* tiles transformed at once */
#define STRIP 16 /* columns of an rt_gemm_packed strip */

typedef float v8 __attribute__((vector_size(32)));

#define INLINE static inline __attribute__((always_inline))

/* out[i * so] = (B^T in)[i], in[j * si], j < 4, 8 tiles a lane each: one
 * column or row of B^T d B for F(2x2). */
INLINE void bt2(const v8 *in, int si, v8 *out, int so)
{
	v8 d0 = in[0], d1 = in[si], d2 = in[2 * si], d3 = in[3 * si];
	out[0] = d0 - d2;
	out[so] = d1 + d2;
	out[2 * so] = d2 - d1;
	out[3 * so] = d3 - d1;
}

/* The same for F(4x4): 6 in, 6 out. */
INLINE void bt4(const v8 *in, int si, v8 *out, int so)
{
	v8 d0 = in[0], d1 = in[si], d2 = in[2 * si], d3 = in[3 * si], d4 = in[4 * si], d5 = in[5 * si];
	out[0] = 4 * d0 - 5 * d2 + d4;
	out[so] = d3 + d4 - 4 * (d1 + d2);
	out[2 * so] = d4 - d3 + 4 * (d1 - d2);
	out[3 * so] = d4 - d2 + 2 * (d3 - d1);
	out[4 * so] = d4 - d2 + 2 * (d1 - d3);
	out[5 * so] = 4 * d1 - 5 * d3 + d5;
}

/* out[i * so] = (A^T in)[i], in[j * si]: 4 in, 2 out (F(2x2)). */
INLINE void at2(const v8 *in, int si, v8 *out, int so)
{
	v8 m0 = in[0], m1 = in[si], m2 = in[2 * si], m3 = in[3 * si];
	out[0] = m0 + m1 + m2;
	out[so] = m1 - m2 + m3;
}

/* The same for F(4x4): 6 in, 4 out. */
INLINE void at4(const v8 *in, int si, v8 *out, int so)
{
	v8 m0 = in[0], m1 = in[si], m2 = in[2 * si], m3 = in[3 * si], m4 = in[4 * si], m5 = in[5 * si];
	v8 s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
	out[0] = m0 + s12 + s34;
	out[so] = d12 + 2 * d34;
	out[2 * so] = s12 + 4 * s34;
	out[3 * so] = d12 + 8 * d34 + m5;
}

/* y[0..n) = act(row + bias + res) (res may be NULL). */
INLINE void store_row(const rt_epilogue *ep, float *y, float *row, int n, float bias, const float *res)
{
	for (int q = 0; q < n; q++)
		row[q] += bias;
	if (res)
		for (int q = 0; q < n; q++)
			row[q] += res[q];
	switch (ep->act) {
	case RT_ACT_NONE:
		memcpy(y, row, (size_t)n * sizeof *y);
		break;
	case RT_ACT_RELU:
		for (int q = 0; q < n; q++)
			y[q] = row[q] < 0 ? 0 : row[q];
		break;
	default:
		for (int q = 0; q < n; q++)
			y[q] = rt_act(ep, row[q]);
		break;
	}
}

/* Step 1 for tiles b0 .. b0 + nbp - 1 of one image (nbp a multiple of
 * 16). x: [c, h, w] -> v: [a*a] x V[xi] [c, nbp] in rt_gemm_packed's
 * strips: V[xi] at v + xi * c * tb, strip s (16 tiles) at + s * 16 * c,
 * channel ci's 16 values at + ci * 16. Tile t covers outputs
 * [ty*m, ty*m + m) x [tx*m, tx*m + m) and reads the a x a inputs from row
 * ty*m - ph, column tx*m - pw; tiles t >= tiles (padding) are zero. */
INLINE void input_transform(const int m, const rt_conv2d_params *p, const float *x, int tw, int tiles, int b0,
                            int nbp, int tb, float *v)
{
	const int a = m + 2;
	for (int s0 = 0; s0 < nbp; s0 += STRIP) {
		int y0[STRIP], x0[STRIP], inside[STRIP]; /* each tile's input origin */
		for (int l = 0; l < STRIP; l++) {
			int t = b0 + s0 + l;
			y0[l] = t / tw * m - p->ph;
			x0[l] = t % tw * m - p->pw;
			inside[l] = t < tiles && y0[l] >= 0 && x0[l] >= 0 && y0[l] + a <= p->h && x0[l] + a <= p->w;
		}
		float *vs = v + (size_t)s0 * p->c;
		for (int ci = 0; ci < p->c; ci++) {
			const float *xc = x + (size_t)ci * p->h * p->w;
			for (int l0 = 0; l0 < STRIP; l0 += LANES) {
				float d[6][6][LANES]; /* [a][a] inputs of LANES tiles, a lane each */
				for (int l = 0; l < LANES; l++) {
					int q = l0 + l;
					if (inside[q]) {
						const float *src = xc + (size_t)y0[q] * p->w + x0[q];
						for (int i = 0; i < a; i++)
							for (int j = 0; j < a; j++)
								d[i][j][l] = src[(size_t)i * p->w + j];
						continue;
					}
					/* an edge tile: zeros, then the rows i0..i1 and columns
					 * j0..j1 (exclusive) that lie in the input */
					for (int i = 0; i < a; i++)
						for (int j = 0; j < a; j++)
							d[i][j][l] = 0.0f;
					if (b0 + s0 + q >= tiles)
						continue;
					int i0 = y0[q] < 0 ? -y0[q] : 0, i1 = p->h - y0[q] < a ? p->h - y0[q] : a;
					int j0 = x0[q] < 0 ? -x0[q] : 0, j1 = p->w - x0[q] < a ? p->w - x0[q] : a;
					for (int i = i0; i < i1; i++)
						for (int j = j0; j < j1; j++)
							d[i][j][l] = xc[(size_t)(y0[q] + i) * p->w + x0[q] + j];
				}
				v8 dv[6][6], t[6][6], r[6][6]; /* a x a used */
				memcpy(dv, d, sizeof dv);
				for (int j = 0; j < a; j++) /* t = B^T d: columns */
					m == 2 ? bt2(&dv[0][j], 6, &t[0][j], 6) : bt4(&dv[0][j], 6, &t[0][j], 6);
				for (int i = 0; i < a; i++) /* r = t B: rows */
					m == 2 ? bt2(t[i], 1, r[i], 1) : bt4(t[i], 1, r[i], 1);
				float *vc = vs + (size_t)ci * STRIP + l0;
				for (int i = 0; i < a; i++)
					for (int j = 0; j < a; j++)
						memcpy(vc + (size_t)(i * a + j) * p->c * tb, &r[i][j], sizeof(v8));
			}
		}
	}
}

/* Step 3 for tiles b0 .. b0 + nb - 1 of one image. mm: [oc][a*a][tb],
 * M[xi] of output channel o at mm + (o * a*a + xi) * tb -> y: [oc, oh, ow],
 * with ep's bias [oc] and residual [oc, oh, ow] (this image's) and
 * activation. */
INLINE void output_transform(const int m, const rt_conv2d_params *p, const float *mm, int tw, int b0, int nb,
                             int tb, const rt_epilogue *ep, float *y)
{
	const int a = m + 2;
	for (int o = 0; o < p->oc; o++) {
		const float *mo = mm + (size_t)o * a * a * tb;
		float bias = ep->bias ? ep->bias[o] : 0.0f;
		float *yo = y + (size_t)o * p->oh * p->ow;
		const float *ro = ep->residual ? ep->residual + (size_t)o * p->oh * p->ow : NULL;
		for (int t0 = 0; t0 < nb; t0 += LANES) {
			v8 s[6][6], t[4][6], r[4][4]; /* a x a, m x a, m x m used */
			for (int i = 0; i < a; i++)
				for (int j = 0; j < a; j++)
					memcpy(&s[i][j], mo + (size_t)(i * a + j) * tb + t0, sizeof(v8));
			for (int j = 0; j < a; j++) /* t = A^T s: columns */
				m == 2 ? at2(&s[0][j], 6, &t[0][j], 6) : at4(&s[0][j], 6, &t[0][j], 6);
			for (int i = 0; i < m; i++) /* r = t A: rows */
				m == 2 ? at2(t[i], 1, r[i], 1) : at4(t[i], 1, r[i], 1);
			float out[4][4][LANES]; /* m x m outputs, a tile a lane */
			memcpy(out, r, sizeof out);
			/* the lanes in runs of tiles on one tile row: each output row
			 * of a run is one contiguous stretch of y */
			int lanes = nb - t0 < LANES ? nb - t0 : LANES;
			for (int l = 0, len; l < lanes; l += len) {
				int t = b0 + t0 + l, oy0 = t / tw * m, ox0 = t % tw * m;
				len = tw - t % tw < lanes - l ? tw - t % tw : lanes - l;
				int rows = p->oh - oy0 < m ? p->oh - oy0 : m;
				int width = p->ow - ox0 < len * m ? p->ow - ox0 : len * m;
				for (int i = 0; i < rows; i++) {
					float row[LANES * 4]; /* the run's outputs of row i */
					for (int q = 0; q < len; q++)
						for (int j = 0; j < m; j++)
							row[q * m + j] = out[i][j][l + q];
					size_t at = (size_t)(oy0 + i) * p->ow + ox0;
					store_row(ep, yo + at, row, width, bias, ro ? ro + at : NULL);
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
	int tb = (int)RT_WINOGRAD_BLOCK(m, p->c, p->oc, p->oh, p->ow); /* tiles per block */
	size_t upos = (size_t)RT_GEMM_PACKED(p->oc, p->c);   /* floats of one packed U[xi] */
	float *v = scratch;                                  /* V: [a*a] x [c, tb] in strips */
	float *mm = scratch + (size_t)a * a * p->c * tb;     /* M: [oc][a*a][tb] */
	const rt_epilogue none = {NULL, NULL, RT_ACT_NONE, 0};
	for (int n = 0; n < p->n; n++) {
		size_t yoff = (size_t)n * p->oc * p->oh * p->ow;
		rt_epilogue e = none;
		if (ep) {
			e = *ep;
			e.residual = ep->residual ? ep->residual + yoff : NULL;
		}
		for (int b0 = 0; b0 < tiles; b0 += tb) {
			int nb = tiles - b0 < tb ? tiles - b0 : tb, nbp = (nb + STRIP - 1) / STRIP * STRIP;
			input_transform(m, p, x + (size_t)n * p->c * p->h * p->w, tw, tiles, b0, nbp, tb, v);
			for (int xi = 0; xi < a * a; xi++) /* M[xi] [oc, nbp], row o at mm + (o*a*a + xi)*tb */
				rt_gemm_packed(p->oc, nbp, p->c, u + xi * upos, v + (size_t)xi * p->c * tb, mm + (size_t)xi * tb,
				               a * a * tb, &none);
			output_transform(m, p, mm, tw, b0, nb, tb, &e, y + yoff);
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
