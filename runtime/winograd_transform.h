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

/* Vectors of tiles: a vector takes VW consecutive tiles of the block,
 * one a lane, whatever rows of tiles they lie in, so that every vector
 * but a block's last is full (winograd.c has the figures). The vector
 * from block column t0 holds tiles T0 = b0 + t0 .. T1 - 1 (T1: T0 + VW,
 * or the block's end), rows of tiles ty0 = T0 / tw .. (T1 - 1) / tw: its
 * row k < rows starts in lane k * tw - tx0 (tx0 = T0 - ty0 * tw; lane
 * 0 for row 0, at tile tx0). Each lane computes what it would alone, so
 * the outputs do not depend on how tiles share vectors.
 * In step 1 row of tiles ty's band (B^T down its columns, for all of the
 * block's tiles in the row, computed when a vector first needs it) stays
 * in slot ty % RT_WINOGRAD_BAND_ROWS(tw), off = RT_WINOGRAD_BAND_OFF
 * floats a slot, while the next vectors read it: a vector's rows are
 * consecutive, so they never share a slot. A slot has room for the row's
 * m * tw + 2 columns and a vector of zeros or of a row narrower than a
 * vector (vertical's), so no row writes into another's columns or zero
 * padding. A deinterleave from the slot of row k, (k * tw - tx0) * m
 * floats before it, puts the row's tile 0 in lane k * tw - tx0; the
 * lanes below it read whatever lies there (up to 60 floats before the
 * first slot: RT_WINOGRAD_BAND_LEAD) and are taken from the rows before
 * (the bands' room: RT_WINOGRAD_WP). In step 3 the interleaved outputs
 * of the vector's output row i are row k's from lane (k * tw - tx0) on,
 * stored row by row of tiles. */

/* Where the vector of tiles after this one starts: VW tiles on from
 * tile tx0 of row ty0 (tw a row); returns the rows it moved. Kept up by
 * additions, not divisions: a division per vector and slot cost wide
 * rows of few channels (16 channels of 224x224) 5-8%. */
INLINE int next_vector(int tw, int *ty0, int *tx0)
{
	int moved = 0;
	for (*tx0 += VW; *tx0 >= tw; *tx0 -= tw)
		++*ty0, moved++;
	return moved;
}

/* Rows of tiles that n consecutive tiles from tile tx0 of a row touch. */
INLINE int rows_of(int tw, int tx0, int n)
{
	int rows = 1;
	for (int rest = tx0 + n; rest > tw; rest -= tw)
		rows++;
	return rows;
}

/* Slot s (at most a few times `slots`) taken round the slots. */
INLINE int slot_of(int s, int slots)
{
	while (s >= slots)
		s -= slots;
	return s;
}

/* Whether a vector of tiles in one row of tiles takes code of its own,
 * without the loops over later rows (input_vector, output_vector). With
 * AVX2's vectors of 8, twice as many vectors for the same work, the
 * loops' bookkeeping showed: 16 channels of 224x224 at F(2x2) ran 8%
 * slower than when each row of tiles had vectors of its own, 1.5% with
 * this copy; 64 of 56x56 at F(4x4) and one tile a row 2% faster, whole
 * resnet18 0.993 (interleaved A/B); the generic target's vectors of 4
 * take it too (not timed). With AVX-512's 32 registers the layers alone
 * ran no faster and whole resnet18 1-2% slower. */
#define ONE_ROW_PATH (VW < 16)

/* The rows of step 1 for one vector of tiles: B^T (band's columns) B,
 * a tile a lane, to V's columns at vt (a*a rows xs apart). b0k: the
 * vector's first tile in its first row's slot (row stride wp); rows > 1
 * (multi, a constant once inlined): the lanes from k * tw - tx0 on come
 * from row k's slot (s0 + k round the slots, off floats a slot). The
 * loop over later rows apart from the vectors in one row, most of them,
 * as in step 3 (output_vector), where ONE_ROW_PATH. */
INLINE void input_vector(const int m, const bool multi, const float *b0k, const float *band, int wp, int s0, int off,
                         int slots, int tw, int tx0, int rows, vi lane, float *vt, size_t xs)
{
	const int a = m + 2;
	#pragma GCC unroll 6
	for (int i = 0; i < a; i++) {
		vf d[6], e[6], q[6];
		deinterleave(m, b0k + (size_t)i * wp, d);
		for (int k = 1; multi && k < rows; k++) {
			int l0 = k * tw - tx0;
			vi later = lane >= l0; /* row k's lanes, and those after */
			deinterleave(m, band + (size_t)i * wp + slot_of(s0 + k, slots) * off - l0 * m, e);
			#pragma GCC unroll 6
			for (int j = 0; j < a; j++)
				d[j] = REPLACE(d[j], later, e[j]);
		}
		m == 2 ? bt2(d, 1, q, 1) : bt4(d, 1, q, 1);
		#pragma GCC unroll 6
		for (int j = 0; j < a; j++)
			STOREV(vt + (size_t)(i * a + j) * xs, q[j]);
	}
}

/* Step 1 for tiles b0 .. b0 + nb - 1 of one image, channels [c0, c1). x: [c, h, w] ->
 * v: [a*a] x V[xi] [c, reach], row stride ld, block-relative tile t in
 * column t, V[xi] at v + xi * (c * ld + 16): the 16 floats keep the a*a
 * rows a channel writes off one cache set when c * ld is a multiple of
 * 1024. Per channel and vector of tiles, first the columns: B^T d along
 * each of its rows of tiles not yet in a slot, in vectors along the
 * input row, into the row's slot of the band (a rows of wp floats, zero
 * where no input column lands); then the rows, a tile a lane, taken from
 * the slots by lane permutations. A
 * vector's lanes past the block's last tile hold whatever its band held
 * there and only ever mix into columns of M that are thrown away;
 * vectors wholly past it, up to reach (the columns step 2 reads), are
 * zero, so every column the GEMM reads has been written. */
INLINE void input_transform(const int m, const rt_conv2d_params *p, const float *x, int tw, int b0, int nb, int reach,
                            int ld, int wp, int c0, int c1, const float *zero, float *band, float *v)
{
	const int a = m + 2, off = RT_WINOGRAD_BAND_OFF(m, tw), slots = RT_WINOGRAD_BAND_ROWS(tw), end = b0 + nb;
	size_t xs = (size_t)p->c * ld + 16; /* floats from V[xi] to V[xi + 1] */
	vi lane; /* each lane's number */
	for (int l = 0; l < VW; l++)
		lane[l] = l;
	band += RT_WINOGRAD_BAND_LEAD;
	for (int ci = c0; ci < c1; ci++) {
		const float *xc = x + (size_t)ci * p->h * p->w;
		float *vc = v + (size_t)ci * ld;
		int held[16]; /* the row of tiles in each slot (RT_WINOGRAD_BAND_ROWS <= 16) */
		for (int k = 0; k < slots; k++)
			held[k] = -1;
		int ty0 = b0 / tw, tx0 = b0 - ty0 * tw, s0 = ty0 % slots; /* the vector's first tile, its slot */
		for (int t0 = 0; t0 < reach; t0 += VW, s0 = slot_of(s0 + next_vector(tw, &ty0, &tx0), slots)) {
			int T0 = b0 + t0;
			if (T0 >= end) {
				for (int xi = 0; xi < a * a; xi++)
					STOREV(vc + (size_t)xi * xs + t0, (vf){0});
				continue;
			}
			int rows = rows_of(tw, tx0, (T0 + VW < end ? VW : end - T0));
			for (int k = 0; k < rows; k++) { /* the block's tiles [first, last) of row ty */
				int ty = ty0 + k, sk = slot_of(s0 + k, slots), first = b0 - ty * tw > 0 ? b0 - ty * tw : 0;
				int last = end - ty * tw < tw ? end - ty * tw : tw;
				if (held[sk] != ty)
					vertical(m, p, xc, ty * m - p->ph, first * m - p->pw, last * m + 2 - p->pw, wp, zero,
					         band + sk * off);
				held[sk] = ty;
			}
			const float *b0k = band + s0 * off + tx0 * m;
			if (rows > 1 || !ONE_ROW_PATH)
				input_vector(m, true, b0k, band, wp, s0, off, slots, tw, tx0, rows, lane, vc + t0, xs);
			else
				input_vector(m, false, b0k, band, wp, s0, off, slots, tw, tx0, rows, lane, vc + t0, xs);
		}
	}
}

/* Stores n outputs of output row `at` of channel yo (its residual ro, or
 * NULL) with the epilogue, taken from the interleaved outputs row[] from
 * position pos on: a vector, or the part of one, at a time. */
INLINE void store_outputs(const rt_epilogue *ep, int o, float bias, const vf *row, int pos, int n, float *yo,
                          const float *ro, size_t at)
{
	for (int j = 0, cnt; j < n; j += cnt) {
		int l = (pos + j) % VW;
		cnt = n - j < VW - l ? n - j : VW - l;
		act_store_lanes(ep, o, yo + at + j, row[(pos + j) / VW], bias, ro ? ro + at + j : NULL, l, cnt);
	}
}

/* One vector of step 3: the tiles of M at mo + t0 (columns t0 ..,
 * row stride ld) of output channel o, from tile tx0 of row of tiles ty0
 * to block tile T1, stored with the epilogue. multi (a constant once
 * inlined): whether they may run into later rows of tiles (rows_of);
 * false for a vector in one row (ONE_ROW_PATH), worked out in scalars. */
INLINE void output_vector(const int m, const bool multi, const rt_conv2d_params *p, const float *mo, int ld, int t0,
                          int tw, int ty0, int tx0, int T1, int T0, const rt_epilogue *ep, int o, float bias,
                          float *yo, const float *ro)
{
	const int a = m + 2;
	/* its first row of tiles: [tx0, last0), n0 outputs from column tx0 * m */
	int last0 = T1 - ty0 * tw < tw ? T1 - ty0 * tw : tw;
	int n0 = (last0 - tx0) * m < p->ow - tx0 * m ? (last0 - tx0) * m : p->ow - tx0 * m;
	int rows = multi ? rows_of(tw, tx0, T1 - T0) : 1;
	/* row k >= 1's tiles [0, last): outputs from lane l0[k] of the
	 * interleaved ones, n[k] of them, from column 0 */
	int l0[16], n[16];
	for (int k = 1; k < rows; k++) {
		int last = T1 - (ty0 + k) * tw < tw ? T1 - (ty0 + k) * tw : tw;
		l0[k] = k * tw - tx0;
		n[k] = last * m < p->ow ? last * m : p->ow;
	}
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
		if (ty0 * m + i >= p->oh)
			break;
		m == 2 ? at2(t[i], 1, q[i], 1) : at4(t[i], 1, q[i], 1); /* q = t A: rows */
		interleave(m, q[i], row);
		store_outputs(ep, o, bias, row, 0, n0, yo, ro, (size_t)(ty0 * m + i) * p->ow + tx0 * m);
		for (int k = 1; k < rows && (ty0 + k) * m + i < p->oh; k++)
			store_outputs(ep, o, bias, row, l0[k] * m, n[k], yo, ro, (size_t)((ty0 + k) * m + i) * p->ow);
	}
}

/* Step 3 for tiles b0 .. b0 + nb - 1 of one image, output channels [o0, o1). mm: [oc][a*a][ld],
 * M[xi] of output channel o at mm + (o * a*a + xi) * ld, block-relative
 * tile t in column t -> y: [oc, oh, ow], with ep's bias [oc], residual
 * [oc, oh, ow] (this image's) and activation. A vector of tiles at a
 * time (output_vector): A^T m A in vectors, then a lane permutation
 * turns the m vectors of each output row into m * VW consecutive
 * outputs, from m * (k * tw - tx0) on those of the vector's row of tiles
 * k; they take the epilogue and are stored a vector, or the part of one,
 * at a time; where the tiles run past the output (edge tiles, the
 * block's end), only the outputs that exist are stored. */
INLINE void output_transform(const int m, const rt_conv2d_params *p, const float *mm, int tw, int b0, int nb,
                             int ld, const rt_epilogue *ep, float *y, int o0, int o1)
{
	const int a = m + 2, end = b0 + nb;
	for (int o = o0; o < o1; o++) {
		const float *mo = mm + (size_t)o * a * a * ld;
		float bias = ep->bias ? ep->bias[o] : 0.0f;
		float *yo = y + (size_t)o * p->oh * p->ow;
		const float *ro = ep->residual ? ep->residual + (size_t)o * p->oh * p->ow : NULL;
		int ty0 = b0 / tw, tx0 = b0 - ty0 * tw; /* the vector's first tile */
		for (int t0 = 0; b0 + t0 < end; t0 += VW, next_vector(tw, &ty0, &tx0)) {
			int T0 = b0 + t0, T1 = T0 + VW < end ? T0 + VW : end;
			if (T1 - T0 > tw - tx0 || !ONE_ROW_PATH)
				output_vector(m, true, p, mo, ld, t0, tw, ty0, tx0, T1, T0, ep, o, bias, yo, ro);
			else
				output_vector(m, false, p, mo, ld, t0, tw, ty0, tx0, T1, T0, ep, o, bias, yo, ro);
		}
	}
}

#endif
