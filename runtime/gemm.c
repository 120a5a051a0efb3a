/*
 * gemm.c: C = A B with a fused epilogue, the engine of the GEMM paths.
 *
 * A is packed at compile time in panels of RT_GEMM_MR (6) rows stored
 * k-major ([k][6]), so the inner loop reads it sequentially. B comes as
 * 16-column strips: either packed ([k][16] each, contiguous, the last one
 * zero-padded: what im2col writes) or read in place from a row-major
 * matrix (row stride ldb). A strip is the other operand of a 6x16 register
 * tile (12 vectors, written with GCC vector extensions, which the
 * compiler maps to SSE, AVX or AVX-512 as the target allows). Strips
 * are the outer loop, so a strip stays in cache while every panel of A
 * streams past it. Measured on resnet18's shapes, packed strips run at
 * 95% of this machine's FMA peak, strided ones at 70-85%.
 *
 * A finished tile goes through the epilogue, a vector at a time:
 * + bias (per row), + residual (shaped like C), activation, store. Only
 * the columns and rows that exist are stored.
 */
#include "cnnrt.h"

#include <math.h>
#include <string.h>

#include "simd.h"

#define NR 16 /* columns of a register tile */
#define MR RT_GEMM_MR

/* A register tile pass covers MR rows x 2 vectors; a 16-column strip takes
 * one pass with AVX, two without, so the accumulators (12) always fit in
 * the 16 registers of the smallest target. */

/* NaN passes through relu and relu6, as in PyTorch. */
float rt_act(const rt_epilogue *ep, float v)
{
	switch (ep->act) {
	case RT_ACT_RELU:
		return v < 0 ? 0 : v;
	case RT_ACT_RELU6:
		return v < 0 ? 0 : v > 6 ? 6 : v;
	case RT_ACT_LEAKY_RELU:
		return v >= 0 ? v : v * ep->slope;
	case RT_ACT_SIGMOID:
		return v >= 0 ? 1 / (1 + expf(-v)) : expf(v) / (1 + expf(v));
	case RT_ACT_TANH:
		return tanhf(v);
	default:
		return v;
	}
}

/* dst[0..VW) = act(src + bias + res) */
static void epilogue_vec(const rt_epilogue *ep, float *dst, const float *src, float bias, const float *res)
{
	vf v, r, zero = {0}, six = zero + 6;
	LOADV(v, src);
	v += bias;
	if (res) {
		LOADV(r, res);
		v += r;
	}
	switch (ep->act) {
	case RT_ACT_NONE:
		break;
	case RT_ACT_RELU:
		v = REPLACE(v, v < zero, zero);
		break;
	case RT_ACT_RELU6:
		v = REPLACE(v, v < zero, zero);
		v = REPLACE(v, v > six, six);
		break;
	case RT_ACT_LEAKY_RELU:
		v = REPLACE(v, v < zero, v * ep->slope);
		break;
	default:
		for (int i = 0; i < VW; i++)
			v[i] = rt_act(ep, v[i]);
		break;
	}
	STOREV(dst, v);
}

void rt_epilogue_row(const rt_epilogue *ep, float *y, const float *res, float bias, int n)
{
	int j = 0;
	for (; j + VW <= n; j += VW)
		epilogue_vec(ep, y + j, y + j, bias, res ? res + j : NULL);
	for (; j < n; j++)
		y[j] = rt_act(ep, y[j] + bias + (res ? res[j] : 0));
}

/* Stores tile t (rows x cols of MR x 16) at c with the epilogue. */
static void store_tile(const rt_epilogue *ep, float t[MR][NR], int rows, int cols, int i0, float *c, int ldc,
                       const float *res)
{
	static const rt_epilogue none = {NULL, NULL, RT_ACT_NONE, 0};
	if (!ep)
		ep = &none;
	for (int i = 0; i < rows; i++) {
		float bias = ep->bias ? ep->bias[i0 + i] : 0;
		float *ci = c + (size_t)i * ldc;
		const float *ri = res ? res + (size_t)i * ldc : NULL;
		if (cols == NR) {
			for (int j = 0; j < NR; j += VW)
				epilogue_vec(ep, ci + j, t[i] + j, bias, ri ? ri + j : NULL);
			continue;
		}
		for (int j = 0; j < cols; j++)
			ci[j] = rt_act(ep, t[i][j] + bias + (ri ? ri[j] : 0));
	}
}

/* t = A panel [k][MR] x B strip (16 columns, row stride ldb), in passes of
 * 2 vectors of columns. */
static void tile(int k, const float *a, const float *b, int ldb, float t[MR][NR])
{
	for (int j = 0; j < NR; j += 2 * VW) {
		vf c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
		vf c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
		const float *bj = b + j;
		for (int p = 0; p < k; p++) {
			vf b0, b1;
			LOADV(b0, bj + (size_t)p * ldb);
			LOADV(b1, bj + (size_t)p * ldb + VW);
			const float *ap = a + (size_t)p * MR;
			c00 += ap[0] * b0, c01 += ap[0] * b1;
			c10 += ap[1] * b0, c11 += ap[1] * b1;
			c20 += ap[2] * b0, c21 += ap[2] * b1;
			c30 += ap[3] * b0, c31 += ap[3] * b1;
			c40 += ap[4] * b0, c41 += ap[4] * b1;
			c50 += ap[5] * b0, c51 += ap[5] * b1;
		}
		STOREV(t[0] + j, c00), STOREV(t[0] + j + VW, c01);
		STOREV(t[1] + j, c10), STOREV(t[1] + j + VW, c11);
		STOREV(t[2] + j, c20), STOREV(t[2] + j + VW, c21);
		STOREV(t[3] + j, c30), STOREV(t[3] + j + VW, c31);
		STOREV(t[4] + j, c40), STOREV(t[4] + j + VW, c41);
		STOREV(t[5] + j, c50), STOREV(t[5] + j + VW, c51);
	}
}

/* The same for a strip of cols < 16 columns read in place: scalar. */
static void tile_tail(int k, int cols, const float *a, const float *b, int ldb, float t[MR][NR])
{
	memset(t, 0, sizeof(float) * MR * NR);
	for (int p = 0; p < k; p++) {
		const float *ap = a + (size_t)p * MR, *bp = b + (size_t)p * ldb;
		for (int i = 0; i < MR; i++)
			for (int j = 0; j < cols; j++)
				t[i][j] += ap[i] * bp[j];
	}
}

/* One strip of columns j0.. against every panel of A. */
static void strip(int m, int k, int cols, int j0, const float *a, const float *b, int ldb, float *c, int ldc,
                  const rt_epilogue *ep)
{
	float t[MR][NR];
	const float *res = ep && ep->residual ? ep->residual + j0 : NULL;
	for (int i0 = 0; i0 < m; i0 += MR) {
		int rows = m - i0 < MR ? m - i0 : MR;
		if (cols == NR || ldb == NR)
			tile(k, a + (size_t)i0 * k, b, ldb, t);
		else
			tile_tail(k, cols, a + (size_t)i0 * k, b, ldb, t);
		store_tile(ep, t, rows, cols, i0, c + (size_t)i0 * ldc + j0, ldc,
		           res ? res + (size_t)i0 * ldc : NULL);
	}
}

void rt_gemm(int m, int n, int k, const float *a, const float *b, int ldb, float *c, int ldc,
             const rt_epilogue *ep)
{
	for (int j0 = 0; j0 < n; j0 += NR)
		strip(m, k, n - j0 < NR ? n - j0 : NR, j0, a, b + j0, ldb, c, ldc, ep);
}

void rt_gemm_packed(int m, int n, int k, const float *a, const float *b, float *c, int ldc, const rt_epilogue *ep)
{
	for (int j0 = 0; j0 < n; j0 += NR)
		strip(m, k, n - j0 < NR ? n - j0 : NR, j0, a, b + (size_t)j0 * k, NR, c, ldc, ep);
}
