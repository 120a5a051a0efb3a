/*
 * winograd_transform.h: steps 1 and 3 of the Winograd convolution, the
 * input transform B^T d B (x: [c, h, w] -> V: [a*a] x [c, tiles]) and the
 * output transform A^T m A with the epilogue (M: [oc][a*a][tiles] -> y:
 * [oc, oh, ow]), a = m + 2, for F(2x2, 3x3) and F(4x4, 3x3). Private to
 * winograd.c, whose driver inlines them with m a constant (each is
 * always inlined, as act.h's formulas are); winograd.c says how they
 * work.
 */
#ifndef CNNRT_WINOGRAD_TRANSFORM_H
#define CNNRT_WINOGRAD_TRANSFORM_H

#include <stdbool.h>
#include <string.h>

#include "act.h"
#include "simd.h"

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
#error "winograd_transform.h: no lane permutations for this VW"
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

/* Rows of tiles in groups: when a row holds at most VW/2 tiles (resnet's
 * 14x14 F(4x4) and 7x7 F(2x2) layers: 4 tiles, 28x28 F(4x4): 7), a
 * vector of tiles a row would be mostly wasted lanes in both transforms;
 * instead up to g = VW / tw rows share one vector (step 1: as many as
 * its band has room for, group_max), row ty + k's tiles in lanes
 * [k * tw, (k + 1) * tw), so that their V and M columns are the block's
 * consecutive ones as before. Taken for the rows that lie whole in the
 * block, two or more of them (group_rows). Each lane computes what it
 * would alone, so the outputs do not change. On Zen 4 with AVX-512 (VW
 * 16), layers alone: 256 channels 14x14 F(4x4) 1.21 -> 0.98 ms, 512
 * channels 7x7 F(2x2) 1.75 -> 1.44 (4 rows a vector), 128 channels 28x28
 * 0.87 -> 0.79 (2 rows), gemm_tile_half's read-ahead of its second panel
 * included; resnet18 as a whole 22.3 -> 20.0 ms.
 * In step 1 row k's band starts k * GROUP_OFF floats into the band rows,
 * past the rows before it and their zero padding (RT_WINOGRAD_WP leaves
 * room, group_max checks); a deinterleave from k * (GROUP_OFF - tw * m)
 * reads its tile 0 into lane k * tw, and the lanes below are taken from
 * the rows before. In step 3 the interleaved outputs of the vector's
 * output row i are row k's from k * tw * m on, stored by the part. */
#define GROUP_OFF(m, p, tw) (((tw) * (m) + 2 + (p)->pw + VW + 15) / 16 * 16)

/* Rows of tiles a vector may take in step 1 (1: no groups): VW / tw,
 * fewer where the band rows have no room for that many rows' bands and
 * the reads of the last one. */
INLINE int group_max(const int m, const rt_conv2d_params *p, int tw, int wp)
{
	const int off = GROUP_OFF(m, p, tw);
	int g = VW / tw;
	while (g > 1 && ((g - 1) * off + p->pw + (p->w > VW ? p->w : VW) > wp ||
	                 (g - 1) * (off - tw * m) + (m + 1) * VW > wp))
		g--;
	return g;
}

/* Rows ty0 + r, ... of the block's tiles b0 .. b0 + nb - 1 (rows of them
 * from ty0) that one vector takes: up to g rows that lie whole in the
 * block, or 1 (then the row goes a vector of tiles at a time). */
INLINE int group_rows(int tw, int b0, int nb, int ty0, int rows, int r, int g)
{
	int k = 0;
	while (k < g && r + k < rows && (ty0 + r + k) * tw >= b0 && (ty0 + r + k + 1) * tw <= b0 + nb)
		k++;
	return k < 2 ? 1 : k;
}

/* Step 1 for tiles b0 .. b0 + nb - 1 of one image, channels [c0, c1). x: [c, h, w] ->
 * v: [a*a] x V[xi] [c, nbp], row stride ld, block-relative tile t in
 * column t, V[xi] at v + xi * (c * ld + 16): the 16 floats keep the a*a
 * rows a channel writes off one cache set when c * ld is a multiple of
 * 1024. Per channel and row of tiles, first the columns: B^T d along
 * the row in vectors, into band (a x wp floats, zero where no input
 * column lands); then the rows, VW tiles at a time (or a group of whole
 * rows of tiles), a tile a lane, taken from the band by lane
 * permutations. A vector of tiles that runs past its tiles is stored
 * whole (ld has room): its extra lanes hold whatever the band held
 * there and are overwritten by the next vector's or, past the block's
 * last tile, only ever mix into columns of M that are thrown away; on
 * the block's last row the vectors go on to nbp (a group's is stored
 * again there), so every column the GEMM reads has been written. */
INLINE void input_transform(const int m, const rt_conv2d_params *p, const float *x, int tw, int b0, int nb, int nbp,
                            int ld, int wp, int c0, int c1, const float *zero, float *band, float *v)
{
	const int a = m + 2;
	int ty0 = b0 / tw, rows = (b0 + nb - 1) / tw - ty0 + 1;
	size_t xs = (size_t)p->c * ld + 16; /* floats from V[xi] to V[xi + 1] */
	const int off = GROUP_OFF(m, p, tw), g = group_max(m, p, tw, wp);
	vi lane; /* each lane's number */
	for (int l = 0; l < VW; l++)
		lane[l] = l;
	for (int ci = c0; ci < c1; ci++) {
		const float *xc = x + (size_t)ci * p->h * p->w;
		float *vc = v + (size_t)ci * ld;
		for (int r = 0; r < rows; r++) {
			int ty = ty0 + r, first = r == 0 ? b0 - ty * tw : 0; /* the row's tiles [first, last) */
			int last = r == rows - 1 ? b0 + nb - ty * tw : tw;
			int t1 = r == rows - 1 ? nbp : last + ty * tw - b0;   /* block column to reach */
			int gk = group_rows(tw, b0, nb, ty0, rows, r, g);
			if (gk > 1) {
				int t0 = ty * tw - b0;
				t1 = r + gk == rows ? nbp : t0 + VW;
				for (int k = 0; k < gk; k++)
					vertical(m, p, xc, (ty + k) * m - p->ph, -p->pw, tw * m + 2 - p->pw, wp, zero,
					         band + k * off);
				#pragma GCC unroll 6
				for (int i = 0; i < a; i++) {
					vf d[6], e[6], q[6];
					deinterleave(m, band + (size_t)i * wp, d);
					for (int k = 1; k < gk; k++) {
						vi later = lane >= k * tw; /* row k's lanes, and those after */
						deinterleave(m, band + (size_t)i * wp + k * (off - tw * m), e);
						#pragma GCC unroll 6
						for (int j = 0; j < a; j++)
							d[j] = REPLACE(d[j], later, e[j]);
					}
					m == 2 ? bt2(d, 1, q, 1) : bt4(d, 1, q, 1);
					for (int t = t0; t < t1; t += VW)
						#pragma GCC unroll 6
						for (int j = 0; j < a; j++)
							STOREV(vc + (size_t)(i * a + j) * xs + t, q[j]);
				}
				r += gk - 1;
				continue;
			}
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

/* Step 3 for tiles b0 .. b0 + nb - 1 of one image, output channels [o0, o1). mm: [oc][a*a][ld],
 * M[xi] of output channel o at mm + (o * a*a + xi) * ld, block-relative
 * tile t in column t -> y: [oc, oh, ow], with ep's bias [oc], residual
 * [oc, oh, ow] (this image's) and activation. VW tiles of one tile row
 * at a time (or a group of whole rows, group_rows), a tile a lane: A^T m
 * A in vectors, then a lane permutation turns the m vectors of each
 * output row into m * VW consecutive outputs, from lane k * tw * m on
 * those of the group's row k; they take the epilogue and are stored a
 * vector, or the part of one, at a time; where the tiles run past the
 * row or the output (edge tiles, the vector's end), only the outputs
 * that exist are stored. */
INLINE void output_transform(const int m, const rt_conv2d_params *p, const float *mm, int tw, int b0, int nb,
                             int ld, const rt_epilogue *ep, float *y, int o0, int o1)
{
	const int a = m + 2, g = VW / tw;
	int ty0 = b0 / tw, rows = (b0 + nb - 1) / tw - ty0 + 1;
	for (int o = o0; o < o1; o++) {
		const float *mo = mm + (size_t)o * a * a * ld;
		float bias = ep->bias ? ep->bias[o] : 0.0f;
		float *yo = y + (size_t)o * p->oh * p->ow;
		const float *ro = ep->residual ? ep->residual + (size_t)o * p->oh * p->ow : NULL;
		for (int r = 0; r < rows; r++) {
			int ty = ty0 + r, first = r == 0 ? b0 - ty * tw : 0;
			int last = r == rows - 1 ? b0 + nb - ty * tw : tw; /* tiles [first, last) of the row */
			int gk = group_rows(tw, b0, nb, ty0, rows, r, g);
			for (int tx = first; tx < last; tx += VW) {
				int t0 = ty * tw + tx - b0;
				/* outputs of this vector's tiles that exist, per output
				 * row of each of its gk rows of tiles, from x0 */
				int n = (gk > 1 ? tw : last - tx < VW ? last - tx : VW) * m, x0 = tx * m;
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
					if (ty * m + i >= p->oh)
						break;
					m == 2 ? at2(t[i], 1, q[i], 1) : at4(t[i], 1, q[i], 1); /* q = t A: rows */
					interleave(m, q[i], row);
					for (int k = 0; k < gk && (ty + k) * m + i < p->oh; k++) {
						size_t at = (size_t)((ty + k) * m + i) * p->ow + x0;
						for (int j = 0, cnt; j < n; j += cnt) { /* a vector, or its part, at a time */
							int pos = k * tw * m + j, l = pos % VW;
							cnt = n - j < VW - l ? n - j : VW - l;
							act_store_lanes(ep, o, yo + at + j, row[pos / VW], bias,
							                ro ? ro + at + j : NULL, l, cnt);
						}
					}
				}
				if (gk > 1)
					break;
			}
			r += gk - 1;
		}
	}
}

#endif
