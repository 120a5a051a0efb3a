/*
 * gemm.c: C = A B with a fused epilogue, the engine of the GEMM paths.
 *
 * A is packed at compile time in panels of RT_GEMM_MR (6) rows stored
 * k-major ([k][6]), so the inner loop reads it sequentially. B comes as
 * 16-column strips: either packed ([k][16] each, contiguous, the last one
 * zero-padded: what im2col writes) or read in place from a row-major
 * matrix (row stride ldb).
 *
 * The work is cut into register tiles of 6 rows x TV vectors (GCC vector
 * extensions, which the compiler maps to SSE, AVX or AVX-512 as the target
 * allows). With AVX-512, 2 vectors of 16 (two strips, one each: 12
 * accumulators, and per step of k 2 loads of B and 6 broadcasts of A for
 * 12 FMAs): 512-bit FMAs double a Zen 5 core's peak over 256-bit ones,
 * and resnet50's 1x1 layers alone went from 44-47% of that peak with 4
 * vectors of 8 (24 accumulators) to 74-90% (tests/bench/layers.py). With
 * AVX2's or SSE's 16 registers, 2 vectors of 8 or 4 (12 accumulators). A
 * tile at the right edge takes only the vectors that hold columns (with
 * vectors of 8, an N of 49, 7x7 pixels, costs 56 columns, not 64); one
 * that ends 1 to 4 columns past whole vectors computes those columns
 * alone (tile_edge: with vectors of 16, 49 columns as 3 vectors and one
 * column, 19 FMAs a step of k, not 24); and a whole tile on a last panel
 * of 1 to 4 rows
 * computes 2 or 4 of them, not 6 (mobilenet_v2's 32 -> 16 at 112x112: 14%
 * faster). Column tiles are the outer loop, so the strips of B
 * stay in cache while every panel of A streams past them, except when A
 * is too big for cache and B is packed and not too big: then panels are
 * the outer loop and each is read from memory once (rt_gemm_panels_outer).
 * B read in place against a deep or tall A (k over KC, or many panels)
 * goes in chunks of k: each column tile's chunk of B copied once to a
 * small buffer that stays in L1 while the panels pass, the panels' sums
 * kept between chunks (column_tile_chunked: lraspp's 960 -> 128 1x1 at
 * 33x33 1.3x faster alone).
 *
 * The epilogue is applied to the accumulators as they are stored, with
 * the activation chosen once per call (each VEC act of acts.def gets its
 * own copy of the loops, act.h's formulas inlined): + bias (per row),
 * + residual (shaped like C), activation. Only
 * the rows and columns that exist are stored; edge tiles go through a
 * small buffer.
 */
#define SIMD_WIDE /* vectors of 16 with AVX-512 (simd.h): nothing here leaves the file */
#include "cnnrt.h"

#include <string.h>

#include "act.h"
#include "cl.h"
#include "gemv.h"
#include "simd.h"

#define NR 16 /* columns of a strip */
#define MR RT_GEMM_MR
/* vectors across a register tile: two strips (AVX-512), one (AVX) or half
 * of one (SSE); 32 registers come only with AVX-512, whose vectors here
 * are 16 floats */
#define TV 2
#define INLINE static inline __attribute__((always_inline))

/* Where B's tile starts and how it is laid out: column j of row p is at
 * b + (j / 16) * sstride + j % 16 + p * ldb (j counted from the tile's
 * first column, which starts a strip or, with SSE, half of one). */
typedef struct {
	const float *b; /* the tile's first column, row 0 */
	size_t sstride; /* floats from one strip to the next */
	size_t ldb;     /* floats from one row of a strip to the next */
} Bview;

/* acc[i][v] = sum over p < k of a[p][i] * B[p][v*VW ..], for rows i <
 * nr and nv vectors of columns (both constants once inlined), plus acc's
 * own value if init (a partial sum over earlier rows of B), else from 0.
 * a: one panel, [k][MR].
 * pf: NULL, or where B's next tile starts (read in place, row stride
 * bv.ldb), whose TV*VW columns of each row are fetched into cache. */
INLINE void micro(int k, int nr, int nv, const float *a, Bview bv, vf acc[MR][TV], const float *pf, int init)
{
	const float *bp[TV] = {0}; /* (every one set below for v < nv; GCC cannot always tell) */
	vf r[MR][TV]; /* acc, in registers: acc may alias a or B as far as the compiler knows */
#pragma GCC unroll 8
	for (int v = 0; v < nv; v++)
		bp[v] = bv.b + (size_t)(v * VW / NR) * bv.sstride + (v * VW) % NR;
#pragma GCC unroll 8
	for (int i = 0; i < nr; i++)
#pragma GCC unroll 8
		for (int v = 0; v < nv; v++)
			r[i][v] = init ? acc[i][v] : (vf){0};
#pragma GCC unroll 4
	for (int p = 0; p < k; p++) {
		vf bb[TV];
#pragma GCC unroll 8
		for (int v = 0; v < nv; v++)
			LOADV(bb[v], bp[v] + (size_t)p * bv.ldb);
		const float *ap = a + (size_t)p * MR;
		PREFETCH_AT(ap, PREFETCH_AHEAD); /* A from memory (simd.h) */
		if (pf) {
#pragma GCC unroll 4
			for (int v = 0; v < TV * VW; v += 16)
				PREFETCH_AT(pf, (size_t)p * bv.ldb + v);
		}
#pragma GCC unroll 8
		for (int i = 0; i < nr; i++)
#pragma GCC unroll 8
			for (int v = 0; v < nv; v++)
				r[i][v] += ap[i] * bb[v];
	}
#pragma GCC unroll 8
	for (int i = 0; i < nr; i++)
#pragma GCC unroll 8
		for (int v = 0; v < nv; v++)
			acc[i][v] = r[i][v];
}

/* micro's copies, one function per shape (nr rows, nv vectors, with or
 * without fetching the next tile), the accumulators passing through
 * memory once per tile, k steps apart. Inlined into each activation's
 * copy of the loops instead, with 16 registers (AVX2, SSE) the loop lost
 * registers to the epilogue's constants (relu's zero, hardswish's 3 and
 * 6, hoisted out of all the loops), spilled B to memory and ran up to
 * 1.7x slower than without an activation (240 x 40 x 784: 0.32 ms
 * against 0.19). */
#define MICRO_COPY(nr, nv, fetch)                                                                             \
	static __attribute__((noinline)) void micro_##nr##_##nv##_##fetch(int k, const float *a, Bview bv,  \
	                                                                   vf acc[MR][TV], const float *pf, \
	                                                                   int init)                        \
	{                                                                                                     \
		micro(k, nr, nv, a, bv, acc, fetch ? pf : NULL, init);                                       \
	}
#define MICRO_COPIES(nv) \
	MICRO_COPY(6, nv, 0) MICRO_COPY(6, nv, 1) MICRO_COPY(4, nv, 0) MICRO_COPY(2, nv, 0)
MICRO_COPIES(1)
MICRO_COPIES(2)

/* micro through its copy for nr, nv (constants once inlined) and pf. */
INLINE void micro_call(int k, int nr, int nv, const float *a, Bview bv, vf acc[MR][TV], const float *pf, int init)
{
#define MICRO_CASE(nv_)                                           \
	if (nv == nv_) {                                           \
		if (nr == 6 && pf)                                 \
			micro_6_##nv_##_1(k, a, bv, acc, pf, init);      \
		else if (nr == 6)                                  \
			micro_6_##nv_##_0(k, a, bv, acc, NULL, init);    \
		else if (nr == 4)                                  \
			micro_4_##nv_##_0(k, a, bv, acc, NULL, init);    \
		else                                               \
			micro_2_##nv_##_0(k, a, bv, acc, NULL, init);    \
		return;                                            \
	}
	MICRO_CASE(1)
	MICRO_CASE(2)
#undef MICRO_CASE
}

/* A whole tile's sums from 0, for tile_nr. With AVX-512's 32 registers
 * micro is inlined there, so the sums stay in registers from the last
 * FMA to the epilogue's store, one pass through memory less a tile:
 * silu's 16 -> 96 at 112x112 (k = 16) 0.90 -> 0.76 ms alone, relu6's
 * 96 x 16 x 12544 0.56 -> 0.46, 144 x 24 x 3136 0.265 -> 0.229, resnet's
 * 1x1 shapes the same to 7% faster. The chunked order (tile_chunk, sums
 * carried between chunks of k) keeps the copies: inlined there, k of
 * 1024 and 2048 ran 1-4% slower. Fewer registers: micro_call. */
INLINE void micro_tile(int k, int nr, int nv, const float *a, Bview bv, vf acc[MR][TV], const float *pf)
{
#if SIMD_REGS >= 32 && VW >= 16
	micro(k, nr, nv, a, bv, acc, pf, 0);
#else
	micro_call(k, nr, nv, a, bv, acc, pf, 0);
#endif
}

/* The edge tiles, for an N a few columns past a whole number of vectors:
 * an N of 49 (7x7 planes) in tiles of 2 vectors of 16 computes 64
 * columns, 12 FMAs a step of k for the last 17. Instead a tile of EV
 * (3) or 1 vectors takes the r columns after them (1 to RX) with the
 * panel's MR rows in the lanes of one vector: per step of k the step's
 * MR values of A are loaded as a vector too, and r more FMAs multiply
 * it by B's values broadcast. 49 columns then cost 19 FMAs a step in one
 * tile, as 17 do 7. Each sum is the same k FMAs in the same order as in
 * a whole tile, and stored by the same epilogue, so the output is the
 * same bytes as with whole tiles, for any split between threads. With
 * vectors of fewer than MR floats (SSE) there are no such tiles. */
#define RX 4 /* most columns after an edge tile's vectors */
#define EV 3 /* vectors of the wide edge tile */
/* Whether cols columns from the tile's first make an edge tile of nv vectors. */
#define EDGE_TILE(nv, cols) (VW >= MR && (cols) > (nv) * VW && (cols) - (nv) * VW <= RX)
/* ... of EV vectors: only with AVX-512's 32 registers (its 18 + 4 sums
 * and 3 vectors of B; with AVX2's 16, ten sums went through the stack at
 * every step of k). */
#define EDGE_WIDE(cols) (VW >= 16 && EDGE_TILE(EV, cols))

#if VW >= MR
/* One step p of micro_edge: av holds a[p][0 .. MR-1] in its first lanes;
 * bp[v] is vector v's column in B, bx column nv * VW. */
INLINE void edge_step(int p, int nv, int r, vf av, const float *ap, const float *const *bp, const float *bx,
                      size_t ldb, vf s[MR][EV], vf t[RX])
{
	vf bb[EV];
#pragma GCC unroll 8
	for (int v = 0; v < nv; v++)
		LOADV(bb[v], bp[v] + (size_t)p * ldb);
#pragma GCC unroll 8
	for (int i = 0; i < MR; i++)
#pragma GCC unroll 8
		for (int v = 0; v < nv; v++)
			s[i][v] += ap[i] * bb[v];
#pragma GCC unroll 8
	for (int e = 0; e < r; e++)
		t[e] += av * bx[(size_t)p * ldb + e];
}

/* The sums of the tile of nv vectors and r columns after them (both
 * constants once inlined), as micro's from 0: rows i of vector v to
 * out[i][v * VW ..], of column nv * VW + e to out[i][nv * VW + e]. a: one
 * panel, [k][MR], whose last steps' vector loads would read past it
 * (past A, for the last panel): those steps load MR floats alone. */
INLINE void micro_edge(int k, int nv, int r, const float *a, Bview bv, float out[MR][(EV + 1) * VW])
{
	const float *bp[EV + 1];
#pragma GCC unroll 8
	for (int v = 0; v <= nv; v++)
		bp[v] = bv.b + (size_t)(v * VW / NR) * bv.sstride + (v * VW) % NR;
	vf s[MR][EV], t[RX];
#pragma GCC unroll 8
	for (int i = 0; i < MR; i++)
#pragma GCC unroll 8
		for (int v = 0; v < nv; v++)
			s[i][v] = (vf){0};
#pragma GCC unroll 8
	for (int e = 0; e < r; e++)
		t[e] = (vf){0};
	int p = 0;
	for (; p * MR + VW <= k * MR; p++) {
		const float *ap = a + (size_t)p * MR;
		vf av;
		LOADV(av, ap);
		PREFETCH_AT(ap, PREFETCH_AHEAD);
		edge_step(p, nv, r, av, ap, bp, bp[nv], bv.ldb, s, t);
	}
	for (; p < k; p++) {
		const float *ap = a + (size_t)p * MR;
		vf av = {0};
		memcpy(&av, ap, MR * sizeof *ap);
		edge_step(p, nv, r, av, ap, bp, bp[nv], bv.ldb, s, t);
	}
	for (int i = 0; i < MR; i++) {
#pragma GCC unroll 8
		for (int v = 0; v < nv; v++)
			STOREV(out[i] + v * VW, s[i][v]);
		for (int e = 0; e < r; e++)
			out[i][nv * VW + e] = t[e][i];
	}
}

/* micro_edge's copies, one per shape (as micro's, for their registers). */
#define MICRO_EDGE_COPY(nv, r)                                                                     \
	static __attribute__((noinline)) void micro_edge_##nv##_##r(int k, const float *a, Bview bv, \
	                                                             float out[MR][(EV + 1) * VW])   \
	{                                                                                          \
		micro_edge(k, nv, r, a, bv, out);                                                  \
	}
#define MICRO_EDGE_COPIES(nv) \
	MICRO_EDGE_COPY(nv, 1) MICRO_EDGE_COPY(nv, 2) MICRO_EDGE_COPY(nv, 3) MICRO_EDGE_COPY(nv, 4)
MICRO_EDGE_COPIES(1)
MICRO_EDGE_COPIES(3)
#endif

/* Stores a rows x cols tile (rows <= nr) with the epilogue; c, res: its
 * first element (res NULL when there is none), row stride ldc; i0: its
 * first row (the index of its bias and slope in ep). */
INLINE void store(const rt_epilogue *ep, int act, int nr, int nv, vf acc[MR][TV], int rows, int cols, int i0,
                  float *c, const float *res, int ldc)
{
	const float *bias = ep->bias ? ep->bias + i0 : NULL;
	if (rows == nr && cols == nv * VW) {
#pragma GCC unroll 8
		for (int i = 0; i < nr; i++) {
			float b = bias ? bias[i] : 0, p = act_param(ep, i0 + i);
#pragma GCC unroll 8
			for (int v = 0; v < nv; v++) {
				vf x = acc[i][v] + b, r;
				if (res) {
					LOADV(r, res + (size_t)i * ldc + v * VW);
					x += r;
				}
				x = act_vec(act, p, ep->param2, x);
				STOREV(c + (size_t)i * ldc + v * VW, x);
			}
		}
		return;
	}
	float t[MR][TV * VW];
#pragma GCC unroll 8
	for (int i = 0; i < nr; i++)
#pragma GCC unroll 8
		for (int v = 0; v < nv; v++)
			STOREV(t[i] + v * VW, acc[i][v]);
	for (int i = 0; i < rows; i++)
		act_row(act, act_param(ep, i0 + i), ep->param2, c + (size_t)i * ldc, t[i], res ? res + (size_t)i * ldc : NULL,
		        bias ? bias[i] : 0, cols);
}

/* The register tile of rows [i0, i0 + nr) and columns [j0, j0 + cols)
 * of C, cols <= nv * VW, with its epilogue; nr rows and nv vectors of
 * columns, constants once inlined (rows past m computed, not stored). */
INLINE void tile_nr(const rt_epilogue *ep, int act, int nr, int nv, int m, int k, int i0, int j0, int cols,
                    const float *a, Bview bv, float *c, const float *res, int ldc, const float *pf)
{
	vf acc[MR][TV];
	Bview t = {bv.b + (size_t)(j0 / NR) * bv.sstride + j0 % NR, bv.sstride, bv.ldb};
	size_t at = (size_t)i0 * ldc + j0;
	micro_tile(k, nr, nv, a + (size_t)i0 * k, t, acc, pf);
	store(ep, act, nr, nv, acc, m - i0 < nr ? m - i0 : nr, cols, i0, c + at, res ? res + at : NULL, ldc);
}

/* The edge tile (EDGE_TILE) of nv vectors (a constant once inlined) at
 * rows [i0, i0 + MR) and columns [j0, j0 + cols) of C, with its
 * epilogue, as store's path for partial tiles applies it. */
INLINE void tile_edge(const rt_epilogue *ep, int act, int nv, int m, int k, int i0, int j0, int cols,
                      const float *a, Bview bv, float *c, const float *res, int ldc)
{
#if VW >= MR
	float out[MR][(EV + 1) * VW];
	Bview t = {bv.b + (size_t)(j0 / NR) * bv.sstride + j0 % NR, bv.sstride, bv.ldb};
	const float *ap = a + (size_t)i0 * k;
#define EDGE_CASES(nv_)                                                    \
	switch (cols - nv_ * VW) {                                         \
	case 1: micro_edge_##nv_##_1(k, ap, t, out); break;               \
	case 2: micro_edge_##nv_##_2(k, ap, t, out); break;               \
	case 3: micro_edge_##nv_##_3(k, ap, t, out); break;               \
	default: micro_edge_##nv_##_4(k, ap, t, out); break;              \
	}
	if (nv == 1)
		EDGE_CASES(1)
	else
		EDGE_CASES(3)
#undef EDGE_CASES
	const float *bias = ep->bias ? ep->bias + i0 : NULL;
	size_t at = (size_t)i0 * ldc + j0;
	for (int i = 0; i < MR && i0 + i < m; i++)
		act_row(act, act_param(ep, i0 + i), ep->param2, c + at + (size_t)i * ldc, out[i],
		        res ? res + at + (size_t)i * ldc : NULL, bias ? bias[i] : 0, cols);
#else
	(void)ep, (void)act, (void)nv, (void)m, (void)k, (void)i0, (void)j0, (void)cols, (void)a, (void)bv, (void)c,
	    (void)res, (void)ldc;
#endif
}

/* The same with as many rows as A has from i0, up to MR: a last panel of
 * 1-2 or 3-4 rows is computed as 2 or 4, not 6 (m = 16: 16 rows, not
 * 18; m = 32: 32 rows, not 36). */
INLINE void tile(const rt_epilogue *ep, int act, int nv, int m, int k, int i0, int j0, int cols, const float *a,
                 Bview bv, float *c, const float *res, int ldc, const float *pf)
{
	int left = m - i0;
	if (nv == EV) /* (only edge tiles have EV vectors) */
		tile_edge(ep, act, EV, m, k, i0, j0, cols, a, bv, c, res, ldc);
	else if (nv == 1 && EDGE_TILE(1, cols))
		tile_edge(ep, act, 1, m, k, i0, j0, cols, a, bv, c, res, ldc);
	else if (left > 4 || nv < TV) /* (partial tiles on 1-4 rows: not worth the code) */
		tile_nr(ep, act, MR, nv, m, k, i0, j0, cols, a, bv, c, res, ldc, pf);
	else if (left > 2)
		tile_nr(ep, act, 4, nv, m, k, i0, j0, cols, a, bv, c, res, ldc, pf);
	else
		tile_nr(ep, act, 2, nv, m, k, i0, j0, cols, a, bv, c, res, ldc, pf);
}

/* Columns [j0, j0 + cols) of C, in tiles of nv vectors (a constant once
 * inlined), against every panel of A, n columns in all. B read in place
 * has its rows a whole image apart (1x1 convolutions: 12.5 KB at 56x56),
 * a stride the hardware prefetcher does not follow, so the first panel's
 * tile would wait on memory for each of its k rows; instead the first
 * panel fetches the next column tile's rows while the other panels reuse
 * this one's from cache. */
INLINE void column_tile(const rt_epilogue *ep, int act, int nv, int m, int n, int k, int j0, int cols,
                        const float *a, Bview bv, float *c, const float *res, int ldc)
{
	for (int i0 = 0; i0 < m; i0 += MR) {
		/* the next panel's rows of C and of the residual: a whole image
		 * apart too, and far away in a whole model (the residual was
		 * written a block earlier; resnet50: 2.5% faster in all) */
		for (int i = i0 + MR; i < i0 + 2 * MR && i < m; i++)
			for (int v = 0; v < nv * VW; v += 16) {
				PREFETCH_W_AT(c, (size_t)i * ldc + j0 + v);
				if (res)
					PREFETCH_AT(res, (size_t)i * ldc + j0 + v);
			}
		if (nv != EV && i0 == 0 && bv.ldb > NR && j0 + cols < n)
			tile_nr(ep, act, MR, nv, m, k, 0, j0, cols, a, bv, c, res, ldc, bv.b + j0 + cols);
		else
			tile(ep, act, nv, m, k, i0, j0, cols, a, bv, c, res, ldc, NULL);
	}
}

/* Panel i0 of A against columns [0, n) of C. */
INLINE void panel(const rt_epilogue *ep, int act, int m, int n, int k, int i0, const float *a, Bview bv, float *c,
                  const float *res, int ldc)
{
	for (int j0 = 0; j0 < n; j0 += TV * VW) {
		int cols = n - j0 < TV * VW ? n - j0 : TV * VW, nv = (cols + VW - 1) / VW;
		if (EDGE_WIDE(n - j0)) { /* the last columns, in one tile */
			tile_edge(ep, act, EV, m, k, i0, j0, n - j0, a, bv, c, res, ldc);
			return;
		}
		if (EDGE_TILE(1, cols))
			tile_edge(ep, act, 1, m, k, i0, j0, cols, a, bv, c, res, ldc);
		else if (nv == TV)
			tile_nr(ep, act, MR, TV, m, k, i0, j0, cols, a, bv, c, res, ldc, NULL);
		else
			tile_nr(ep, act, MR, 1, m, k, i0, j0, cols, a, bv, c, res, ldc, NULL);
	}
}


/* Two loop orders. By default column tiles are the outer loop: a tile's
 * strips of B stay in L1 while every panel of A streams past, from L2
 * when A fits there. A larger A against packed strips of B, when B is
 * not large too (im2col's: resnet50's stride-2 and 7x7 layers, 2 to
 * 9.4 MB of weights that come from memory once per image), takes the
 * panels as the outer loop instead, so each is fetched once and reused
 * from L1 for all the column tiles while B, whose contiguous strips the
 * prefetcher follows, streams from L2 or L3 (resnet50's layer4.0.conv2:
 * 3.5 -> 2.7 ms in the whole model). B read in place, rows of a whole
 * image apart, did worse that way (1024 channels of 14x14: 2.1 -> 2.6
 * ms), so rt_gemm keeps the first order. */
int rt_gemm_panels_outer(int m, int n, int k)
{
	return RT_GEMM_PANELS_OUTER(m, n, k);
}

/* A third order, for B read in place against many rows of A (1x1
 * convolutions with a few hundred output channels: lraspp's 960 -> 160 at
 * 33x33). A column tile's rows of B are a whole image apart, two cache
 * lines each where the image's rows are not a multiple of 16 floats; at
 * 960 of them (120 KB) they do not stay in L1 while the panels of A pass.
 * So each column tile is cut along k in chunks of at most KC rows; a
 * chunk's rows of the tile are copied once into a buffer of [kc][TV*VW]
 * (16 KB), where every panel of A reads them from L1 at unit stride, and
 * the next tile's rows are fetched as they are copied. A panel's sums
 * wait in part (registers' worth per panel) between chunks; its epilogue
 * runs after the last. The chunks depend on k alone, so each element is
 * summed in the same order whatever slice of rows or columns a thread
 * takes; the copy (only where enough panels share it: PACK_ROWS) does
 * not change the sums. */
#define KC 256            /* most rows of B in a chunk */
#define BLOCK_PANELS 64   /* panels of A whose partial sums are kept at once (48 KB with AVX2) */
#define PACK_ROWS 48      /* fewest rows of A for which a chunk of B is copied ... */
#define PACK_K 64         /* ... and fewest rows of B (fewer stay in L1 anyway: the copy only waits on memory) */

/* Rows of B per chunk for this k: as even as KC allows (960: 4 x 240). */
static int chunk_rows(int k)
{
	int chunks = (k + KC - 1) / KC;
	return (k + chunks - 1) / chunks;
}

/* Whether a block of m rows of A copies B's tile, B's rows ldb floats
 * apart: only where they are not whole cache lines apart (a tile's row
 * then spans two lines; lraspp's 33x33: 1089), the others already read
 * fast in place (resnet50's 64 -> 256 and 256 -> 64 at 56x56 alone ran
 * up to 7% slower copied, on a busy machine). */
static int packs(int m, int k, size_t ldb)
{
	return m >= PACK_ROWS && k >= PACK_K && ldb % NR != 0;
}

/* Whether B in place takes the chunked order: k needs chunks, or enough
 * panels share a copy of B's tile. */
static int chunked(int m, int k, size_t ldb)
{
	return k > KC || packs(m, k, ldb);
}

/* The tile of rows [i0, i0 + nr) over rows [p0, p0 + kc) of B (bv: the
 * chunk's first row, its columns from the tile's first): its partial sum
 * added to part (set, if p0 == 0), and stored with the epilogue if this
 * is the last chunk (last). */
INLINE void tile_chunk(const rt_epilogue *ep, int act, int nr, int nv, int m, int k, int p0, int kc, int last,
                       int i0, int j0, int cols, const float *a, Bview bv, vf part[MR][TV], float *c,
                       const float *res, int ldc, const float *pf)
{
	micro_call(kc, nr, nv, a + (size_t)i0 * k + (size_t)p0 * MR, bv, part, pf, p0 > 0);
	if (last) {
		size_t at = (size_t)i0 * ldc + j0;
		store(ep, act, nr, nv, part, m - i0 < nr ? m - i0 : nr, cols, i0, c + at, res ? res + at : NULL, ldc);
	}
}

/* Columns [j0, j0 + cols) of C (nv whole vectors, a constant once
 * inlined), B in place (bv: row stride bv.ldb), chunk by chunk of k for
 * blocks of up to BLOCK_PANELS panels of A. */
INLINE void column_tile_chunked(const rt_epilogue *ep, int act, int nv, int m, int n, int k, int j0, int cols,
                                const float *a, Bview bv, float *c, const float *res, int ldc)
{
	vf part[BLOCK_PANELS][MR][TV];
	float pack[KC * TV * VW] __attribute__((aligned(64)));
	int kc0 = chunk_rows(k), next = j0 + cols < n;
	for (int b0 = 0; b0 < m; b0 += BLOCK_PANELS * MR) {
		int b1 = m - b0 < BLOCK_PANELS * MR ? m : b0 + BLOCK_PANELS * MR, packed = packs(b1 - b0, k, bv.ldb);
		for (int p0 = 0; p0 < k; p0 += kc0) {
			int kc = k - p0 < kc0 ? k - p0 : kc0, last = p0 + kc == k;
			const float *src = bv.b + j0 + (size_t)p0 * bv.ldb;
			Bview cb = {src, NR, bv.ldb};
			if (packed) {
				for (int p = 0; p < kc; p++) {
					const float *row = src + (size_t)p * bv.ldb;
					if (next)
						PREFETCH_AT(row, TV * VW);
					for (int v = 0; v < nv; v++) {
						vf x;
						LOADV(x, row + v * VW);
						STOREV(pack + p * TV * VW + v * VW, x);
					}
				}
				cb = (Bview){pack, NR, TV * VW};
			}
			for (int i0 = b0; i0 < b1; i0 += MR) {
				vf(*pt)[TV] = part[(i0 - b0) / MR];
				if (last) /* the next panel's rows of C and of the residual (column_tile) */
					for (int i = i0 + MR; i < i0 + 2 * MR && i < m; i++)
						for (int v = 0; v < nv * VW; v += 16) {
							PREFETCH_W_AT(c, (size_t)i * ldc + j0 + v);
							if (res)
								PREFETCH_AT(res, (size_t)i * ldc + j0 + v);
						}
				int left = m - i0;
				if (i0 == b0 && !packed && next)
					tile_chunk(ep, act, MR, nv, m, k, p0, kc, last, i0, j0, cols, a, cb, pt, c, res, ldc,
					           src + cols);
				else if (left > 4 || nv < TV)
					tile_chunk(ep, act, MR, nv, m, k, p0, kc, last, i0, j0, cols, a, cb, pt, c, res, ldc,
					           NULL);
				else if (left > 2)
					tile_chunk(ep, act, 4, nv, m, k, p0, kc, last, i0, j0, cols, a, cb, pt, c, res, ldc,
					           NULL);
				else
					tile_chunk(ep, act, 2, nv, m, k, p0, kc, last, i0, j0, cols, a, cb, pt, c, res, ldc,
					           NULL);
			}
		}
	}
}

/* Columns [0, n) of C, B as bv says, act a constant once inlined, column
 * tiles outer. B must hold whole vectors: past column n up to the next
 * multiple of VW, it is read (zero padding, for packed strips) and the
 * results dropped; except in the edge tiles (EDGE_TILE), which read only
 * the columns they store. */
INLINE void gemm_act(const rt_epilogue *ep, int act, int chunks, int m, int n, int k, const float *a, Bview bv,
                     float *c, int ldc)
{
	const float *res = ep->residual;
	for (int j0 = 0; j0 < n; j0 += TV * VW) {
		int cols = n - j0 < TV * VW ? n - j0 : TV * VW, nv = (cols + VW - 1) / VW;
		if (!chunks && EDGE_WIDE(n - j0)) { /* the last columns, in one tile (packed B) */
			column_tile(ep, act, EV, m, n, k, j0, n - j0, a, bv, c, res, ldc);
			return;
		}
		if (!chunks && EDGE_TILE(1, cols))
			column_tile(ep, act, 1, m, n, k, j0, cols, a, bv, c, res, ldc);
		else if (chunks && nv == TV)
			column_tile_chunked(ep, act, TV, m, n, k, j0, cols, a, bv, c, res, ldc);
		else if (chunks) /* (the last tile) */
			column_tile_chunked(ep, act, nv, m, n, k, j0, cols, a, bv, c, res, ldc);
		else if (nv == TV)
			column_tile(ep, act, TV, m, n, k, j0, cols, a, bv, c, res, ldc);
		else
			column_tile(ep, act, 1, m, n, k, j0, cols, a, bv, c, res, ldc);
	}
}

/* The same, panels outer (see rt_gemm_panels_outer). */
INLINE void gemm_panels_act(const rt_epilogue *ep, int act, int m, int n, int k, const float *a, Bview bv, float *c,
                            int ldc)
{
	for (int i0 = 0; i0 < m; i0 += MR)
		panel(ep, act, m, n, k, i0, a, bv, c, ep->residual, ldc);
}

/* The order (a constant once inlined): ORDER_COLUMNS, ORDER_PANELS or
 * ORDER_CHUNKS (B in place; column tiles, chunked where chunked() says). */
enum { ORDER_COLUMNS, ORDER_PANELS, ORDER_CHUNKS };
INLINE void gemm_order(const rt_epilogue *ep, int act, int order, int m, int n, int k, const float *a, Bview bv,
                       float *c, int ldc)
{
	if (order == ORDER_PANELS)
		gemm_panels_act(ep, act, m, n, k, a, bv, c, ldc);
	else
		gemm_act(ep, act, order == ORDER_CHUNKS && chunked(m, k, bv.ldb), m, n, k, a, bv, c, ldc);
}

/* The activation made a constant: one copy of the loops per VEC act of
 * acts.def and order (each its own function: sharing one, the
 * column-tile order ran 3-5% slower); the LANES ones (sigmoid, tanh:
 * rare) share the copy without an activation, then a second pass over C. */
INLINE void gemm_acts(const rt_epilogue *ep, int order, int m, int n, int k, const float *a, Bview bv, float *c,
                      int ldc)
{
	static const rt_epilogue none = {NULL, NULL, RT_ACT_NONE, 0, 0, NULL};
	if (!ep)
		ep = &none;
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) gemm_order(ep, act, order, m, n, k, a, bv, c, ldc)
#define ACT_SWITCH_AFTER                                                                  \
	for (int i = 0; i < m; i++)                                                       \
		for (int j = 0; j < n; j++)                                               \
			c[(size_t)i * ldc + j] = act_scalar(ep->act, act_param(ep, i), ep->param2, c[(size_t)i * ldc + j])
#include "act_switch.h"
}

static void gemm_by_columns(const rt_epilogue *ep, int m, int n, int k, const float *a, Bview bv, float *c,
                            int ldc)
{
	gemm_acts(ep, ORDER_COLUMNS, m, n, k, a, bv, c, ldc);
}

static void gemm_by_panels(const rt_epilogue *ep, int m, int n, int k, const float *a, Bview bv, float *c, int ldc)
{
	gemm_acts(ep, ORDER_PANELS, m, n, k, a, bv, c, ldc);
}

static void gemm_by_chunks(const rt_epilogue *ep, int m, int n, int k, const float *a, Bview bv, float *c, int ldc)
{
	gemm_acts(ep, ORDER_CHUNKS, m, n, k, a, bv, c, ldc);
}

/* C = A B over B packed in strips, on one thread, in the order
 * rt_gemm_panels_outer picks for these sizes. */
static void gemm_packed(const rt_epilogue *ep, int m, int n, int k, const float *a, const float *b, float *c,
                        int ldc)
{
	Bview bv = {b, (size_t)NR * k, NR};
	if (rt_gemm_panels_outer(m, n, k))
		gemm_by_panels(ep, m, n, k, a, bv, c, ldc);
	else
		gemm_by_columns(ep, m, n, k, a, bv, c, ldc);
}

/* Columns [j0, j0 + r) of C (r <= RX, a constant once inlined: some of
 * the last n % VW, or of a GEMM of fewer than VW columns; one column alone
 * goes to gemv, below, where vectors hold MR rows) over B read in
 * place: each panel's MR rows in the lanes of one vector, per step of k
 * one load of it and r FMAs with B's values broadcast, into r sums, each
 * cut into u partial sums over the steps (u = 4 / r rounded down, at
 * least 1; constants once inlined), added up at the end. Its callers in
 * a model: 1x1 convs on planes of 2 to 15 pixels (conv_gemm.c hands
 * rt_gemm only whole tiles of columns, or all of fewer than a vector)
 * and conv_transpose2d's GEMM. One column a pass, one sum, was a chain
 * of k dependent FMAs per panel, waiting on each FMA's latency: 240 ->
 * 960 on one pixel 0.047 ms alone, now 0.027; rt_gemm called on 196
 * columns, 1.3x its 192, now 1.14x. Each panel's last steps, whose
 * vector would read past the panel (past A, for the last), load MR
 * floats alone. With vectors of fewer than MR lanes (SSE), one dot
 * product per row. */
INLINE void gemm_columns(int r, int m, int k, const float *a, const float *b, int ldb, float *c, int ldc,
                         const rt_epilogue *ep, int j0)
{
#if VW >= MR
	const int u = r >= 4 ? 1 : 4 / r;
	const float *bj = b + j0;
	for (int i0 = 0; i0 < m; i0 += MR) {
		const float *ap = a + (size_t)i0 * k;
		vf s[RX][4], av, t = {0};
#pragma GCC unroll 4
		for (int e = 0; e < r; e++)
#pragma GCC unroll 4
			for (int q = 0; q < u; q++)
				s[e][q] = (vf){0};
		int p = 0, kv = (k * MR - VW) / MR + 1; /* steps whose vector lies in A: p * MR + VW <= k * MR */
		kv = k * MR < VW ? 0 : kv;
		for (; p + u <= kv; p += u)
#pragma GCC unroll 4
			for (int q = 0; q < u; q++) {
				LOADV(av, ap + (size_t)(p + q) * MR);
#pragma GCC unroll 4
				for (int e = 0; e < r; e++)
					s[e][q] += av * bj[(size_t)(p + q) * ldb + e];
			}
		for (; p < k; p++) { /* (t's lanes past MR stay 0) */
			if (p < kv)
				LOADV(av, ap + (size_t)p * MR);
			else
				memcpy(&t, ap + (size_t)p * MR, MR * sizeof(float)), av = t;
#pragma GCC unroll 4
			for (int e = 0; e < r; e++)
				s[e][0] += av * bj[(size_t)p * ldb + e];
		}
#pragma GCC unroll 4
		for (int e = 0; e < r; e++) {
			vf sum = u == 4 ? (s[e][0] + s[e][1]) + (s[e][2] + s[e][3]) : u == 2 ? s[e][0] + s[e][1] : s[e][0];
			for (int i = 0; i < MR && i0 + i < m; i++) {
				size_t at = (size_t)(i0 + i) * ldc + j0 + e;
				float res = ep->residual ? ep->residual[at] : 0;
				c[at] = act_scalar(ep->act, act_param(ep, i0 + i), ep->param2,
				                   sum[i] + (ep->bias ? ep->bias[i0 + i] : 0) + res);
			}
		}
	}
#else /* a panel's rows do not fit a vector: one dot product each */
	for (int e = 0; e < r; e++)
		for (int i = 0; i < m; i++) {
			float sum = 0;
			for (int p = 0; p < k; p++)
				sum += a[(size_t)(i / MR) * MR * k + (size_t)p * MR + i % MR] * b[(size_t)p * ldb + j0 + e];
			size_t at = (size_t)i * ldc + j0 + e;
			float res = ep->residual ? ep->residual[at] : 0;
			c[at] = act_scalar(ep->act, act_param(ep, i), ep->param2, sum + (ep->bias ? ep->bias[i] : 0) + res);
		}
#endif
}

#if VW >= MR
/* ---- one column: a matrix-vector product ---------------------------------
 * A column of C that is not part of a whole vector of columns: a
 * squeeze-excite's 1x1 conv on one pixel, the last one after whole
 * vectors, and with vectors of 16 up to GEMV_COLS of them (14x14: 192 +
 * 4; planes smaller than a vector). All lanes work: a panel, [k][MR]
 * contiguous, is read as plain vectors and multiplied lane by lane by x
 * with each value repeated MR times
 * (xr[p * MR + i] = x[p]), so that lane l of the vector at float f of
 * the panel sums row (f + l) % MR. Every GEMV_PERIOD floats (the least
 * multiple of MR and VW: 48 with vectors of 16, 24 of 8; 3 vectors) the
 * lanes line up with the same rows again, so three sums (six, two
 * periods unrolled, for the FMA's latency) hold the panel's MR sums
 * spread over their lanes, folded to MR lanes at the end. xr is built a
 * chunk of GEMV_KC steps of k at a time (12 KB on the stack), shared by
 * a group of GEMV_GROUP panels, whose sums carry from chunk to chunk; the
 * bias and residual are added a float at a time, and the activation over
 * the column in vectors when it is contiguous (ldc 1) with one
 * parameter.
 * Against gemm_columns (above: a panel's MR rows in the lanes of one
 * vector, 6 of 16 at work, x broadcast, the activation a float at a
 * time), one thread, alone: efficientnet_b0's 48 -> 1152 on one pixel
 * with its sigmoid 15.0 -> 3.6 us (50.6 before as a packed 16-column
 * tile), 1024 -> 256 on 1x3 81 -> 42, no slower for one column at any k
 * from 4 up; whole models, interleaved rounds: efficientnet_b0 0.977,
 * mobilenet_v3_large 0.961. With vectors of 8, where gemm_columns has 6
 * of 8 lanes at work, 2 or more columns one pass each ran up to 1.8x
 * slower (48 x 1152 A, 7 columns), so there gemv takes one column.
 * (With its weights from DRAM rather than L3, a few panels against a
 * long k, 1152 -> 48, ran ~20% slower than the
 * broadcast; a hint to fetch the next panel's chunk, or A ahead as
 * PREFETCH_STREAM does, changed nothing.) A row's sum is the same k
 * products in the same order whatever the thread split (threads take
 * whole panels or groups of 32 columns). */
#define GEMV_KC 512    /* steps of k per chunk of xr: a multiple of 2 * GEMV_PERIOD / MR */
#define GEMV_GROUP 64  /* panels sharing a chunk of xr */
/* most columns after whole vectors that go one at a time, with vectors of
 * 16: more, each a pass over A, ran slower than 4 a pass (256 x 1024 A,
 * 15 columns: 1.1x) */
#define GEMV_COLS 7

/* xr[p * MR + i] = x[p * ldb] for p < kc, i < MR: a period's MR-fold
 * copies of GEMV_PERIOD / MR values at a time, as GEMV_VECS shuffles of
 * a vector holding them (a store per value, overlapping, ran at a
 * quarter of the speed of the FMAs it fed when m was small). */
INLINE void gemv_repeat(const float *x, int ldb, int kc, float *xr)
{
#if VW == 16
#define GEMV_LANES_0 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2
#define GEMV_LANES_1 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 5, 5
#define GEMV_LANES_2 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7
#else /* VW 8 */
#define GEMV_LANES_0 0, 0, 0, 0, 0, 0, 1, 1
#define GEMV_LANES_1 1, 1, 1, 1, 2, 2, 2, 2
#define GEMV_LANES_2 2, 2, 3, 3, 3, 3, 3, 3
#endif
	const int step = GEMV_PERIOD / MR; /* values per period */
	for (int p = 0; p < kc; p += step, xr += GEMV_PERIOD) {
		vf v = {0}, r;
		if (ldb == 1) /* (a load: lanes written one by one would wait on their stores) */
			LOADV_PART(v, x + p, 0, kc - p < step ? kc - p : step);
		else
			for (int q = 0; q < step && p + q < kc; q++)
				v[q] = x[(size_t)(p + q) * ldb];
		r = SHUFFLE2(v, v, GEMV_LANES_0);
		STOREV(xr, r);
		r = SHUFFLE2(v, v, GEMV_LANES_1);
		STOREV(xr + VW, r);
		r = SHUFFLE2(v, v, GEMV_LANES_2);
		STOREV(xr + 2 * VW, r);
	}
#undef GEMV_LANES_0
#undef GEMV_LANES_1
#undef GEMV_LANES_2
}

/* s[i] += sum over the panel's n floats (n a multiple of MR) at a of
 * a[f] * xr[f], for the MR rows i = f % MR. */
INLINE void gemv_panel(const float *a, const float *xr, int n, float *s)
{
	vf acc[2 * GEMV_VECS];
#pragma GCC unroll 8
	for (int v = 0; v < 2 * GEMV_VECS; v++)
		acc[v] = (vf){0};
	int f = 0;
	for (; f + 2 * GEMV_PERIOD <= n; f += 2 * GEMV_PERIOD)
#pragma GCC unroll 8
		for (int v = 0; v < 2 * GEMV_VECS; v++) {
			vf av, xv;
			LOADV(av, a + f + v * VW);
			LOADV(xv, xr + f + v * VW);
			acc[v] += av * xv;
		}
#pragma GCC unroll 8
	for (int v = 0; v < 2 * GEMV_VECS; v++) { /* the last steps, less than two periods */
		int at = f + v * VW;
		if (at >= n)
			break;
		vf av, xv;
		if (at + VW <= n)
			LOADV(av, a + at);
		else
			LOADV_PART(av, a + at, 0, n - at);
		LOADV(xv, xr + at); /* (xr is zero past n) */
		acc[v] += av * xv;
	}
	/* lane l of sum v holds row (v * VW + l) % MR */
	vf h = gemv_fold(acc[0] + acc[GEMV_VECS], acc[1] + acc[GEMV_VECS + 1], acc[2] + acc[GEMV_VECS + 2]);
	vf sv;
	LOADV_PART(sv, s, 0, MR);
	sv += h;
	STOREV_PART(s, sv, 0, MR);
}

/* Column j0 of C = A B over B read in place (row stride ldb), with the
 * epilogue: bias, residual, then the activation, in vectors when the
 * column is contiguous (ldc 1) and the activation's parameter is one
 * for all rows. */
static void gemv(int m, int k, const float *a, const float *b, int ldb, float *c, int ldc, const rt_epilogue *ep,
                 int j0)
{
	/* x repeated (whole periods: zeros past k), then zeros up to two periods */
	float xr[GEMV_KC * MR + 2 * GEMV_PERIOD] __attribute__((aligned(64)));
	float s[GEMV_GROUP * MR];                 /* the group's sums */
	for (int i0 = 0; i0 < m; i0 += GEMV_GROUP * MR) {
		int rows = m - i0 < GEMV_GROUP * MR ? m - i0 : GEMV_GROUP * MR, panels = (rows + MR - 1) / MR;
		memset(s, 0, sizeof s);
		for (int p0 = 0; p0 < k; p0 += GEMV_KC) {
			int kc = k - p0 < GEMV_KC ? k - p0 : GEMV_KC;
			gemv_repeat(b + (size_t)p0 * ldb + j0, ldb, kc, xr);
			memset(xr + kc * MR, 0, 2 * GEMV_PERIOD * sizeof *xr);
			for (int q = 0; q < panels; q++)
				gemv_panel(a + (size_t)(i0 + q * MR) * k + (size_t)p0 * MR, xr, kc * MR, s + q * MR);
		}
		for (int i = 0; i < rows; i++) {
			size_t at = (size_t)(i0 + i) * ldc + j0;
			c[at] = s[i] + (ep->bias ? ep->bias[i0 + i] : 0) + (ep->residual ? ep->residual[at] : 0);
		}
		if (ldc == 1 && !ep->slope)
			rt_act_inplace(ep, i0, c + i0 + j0, rows);
		else
			for (int i = 0; i < rows; i++) {
				size_t at = (size_t)(i0 + i) * ldc + j0;
				c[at] = act_scalar(ep->act, act_param(ep, i0 + i), ep->param2, c[at]);
			}
	}
}
#endif

/* C = A B over B read in place (row stride ldb), on one thread: whole
 * vectors of columns by the tiles, then the last n % VW columns: one at
 * a time by gemv when it pays (one column; with vectors of 16, up to
 * GEMV_COLS), else up to RX at a time by gemm_columns. */
static void gemm_in_place(int m, int n, int k, const float *a, const float *b, int ldb, float *c, int ldc,
                          const rt_epilogue *ep)
{
	static const rt_epilogue none = {NULL, NULL, RT_ACT_NONE, 0, 0, NULL};
	int nv = n / VW * VW; /* columns in whole vectors */
	gemm_by_chunks(ep, m, nv, k, a, (Bview){b, NR, (size_t)ldb}, c, ldc);
	if (!ep)
		ep = &none;
#if VW >= MR
	if (n - nv == 1 || (VW >= 16 && n - nv <= GEMV_COLS)) {
		for (int j = nv; j < n; j++)
			gemv(m, k, a, b, ldb, c, ldc, ep, j);
		return;
	}
#endif
	for (int j = nv; j < n; j += RX) {
		switch (n - j < RX ? n - j : RX) {
		case 1: gemm_columns(1, m, k, a, b, ldb, c, ldc, ep, j); break;
		case 2: gemm_columns(2, m, k, a, b, ldb, c, ldc, ep, j); break;
		case 3: gemm_columns(3, m, k, a, b, ldb, c, ldc, ep, j); break;
		default: gemm_columns(RX, m, k, a, b, ldb, c, ldc, ep, j); break;
		}
	}
}

/* ---- threads ----------------------------------------------------------- */

/*
 * rt_gemm and rt_gemm_packed split C over threads (rt_parallel): by
 * panels of MR rows when A has at least as many panels as C has groups of
 * COLS columns, else by groups of COLS columns (mobilenet's projections:
 * 16 to 24 rows, thousands of columns). A slice is the same GEMM on a
 * sub-matrix, cut at tile boundaries (COLS is a whole number of register
 * tiles and strips), so each element is summed in the same order as on one
 * thread and the output does not depend on the thread count.
 */
#define COLS 32 /* columns per item of a split by columns: 2 strips, one AVX-512 tile */

/* One GEMM call, for the slices of its parallel loop. */
typedef struct {
	int m, n, k;
	const float *a, *b;   /* A packed; B packed in strips or read in place */
	int ldb;              /* B's row stride in place; 0: packed */
	float *c;
	int ldc;
	const rt_epilogue *ep; /* or NULL */
	int by_rows;          /* items are panels of A, else groups of COLS columns */
} Job;

/* Rows [r0, r1) x columns [j0, j1) of the job's C. */
static void job_part(const Job *g, int r0, int r1, int j0, int j1)
{
	rt_epilogue e = {NULL, NULL, RT_ACT_NONE, 0, 0, NULL};
	if (g->ep) {
		e = *g->ep;
		e.bias = e.bias ? e.bias + r0 : NULL;
		e.slope = e.slope ? e.slope + r0 : NULL;
		e.residual = e.residual ? e.residual + (size_t)r0 * g->ldc + j0 : NULL;
	}
	const float *a = g->a + (size_t)r0 * g->k; /* r0 is a multiple of MR: panel r0 / MR */
	float *c = g->c + (size_t)r0 * g->ldc + j0;
	if (g->ldb)
		gemm_in_place(r1 - r0, j1 - j0, g->k, a, g->b + j0, g->ldb, c, g->ldc, &e);
	else /* strip j0 / NR at b + j0 * k */
		gemm_packed(&e, r1 - r0, j1 - j0, g->k, a, g->b + (size_t)j0 * g->k, c, g->ldc);
}

static void job_items(void *ctx, int begin, int end)
{
	const Job *g = ctx;
	if (g->by_rows) {
		int r1 = end * MR;
		job_part(g, begin * MR, r1 < g->m ? r1 : g->m, 0, g->n);
	} else {
		int j1 = end * COLS;
		job_part(g, 0, g->m, begin * COLS, j1 < g->n ? j1 : g->n);
	}
}

static void gemm_parallel(Job g)
{
	int panels = (g.m + MR - 1) / MR, groups = (g.n + COLS - 1) / COLS;
	g.by_rows = panels >= groups;
	double item = g.by_rows ? 2.0 * MR * g.n * g.k : 2.0 * g.m * COLS * g.k; /* flops */
	/* and the floats only it reads and writes (its panel of A or strip of
	 * B, its part of C): a GEMM of one column (a squeeze-excite's 1x1 on
	 * 1x1, 240 -> 960) has few flops but streams all of A, ~0.1 ms */
	double floats = g.by_rows ? (double)MR * (g.k + g.n) : (double)COLS * (g.k + g.m);
	int by_flops = cl_grain(item, CL_GRAIN_FLOPS), by_floats = cl_grain(floats, CL_GRAIN_FLOATS);
	rt_parallel(g.by_rows ? panels : groups, by_flops < by_floats ? by_flops : by_floats, job_items, &g);
}

void rt_gemm(int m, int n, int k, const float *a, const float *b, int ldb, float *c, int ldc,
             const rt_epilogue *ep)
{
	gemm_parallel((Job){m, n, k, a, b, ldb, c, ldc, ep, 0});
}

void rt_gemm_packed(int m, int n, int k, const float *a, const float *b, float *c, int ldc, const rt_epilogue *ep)
{
	gemm_parallel((Job){m, n, k, a, b, 0, c, ldc, ep, 0});
}
