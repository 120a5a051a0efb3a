/*
 * gemm.c: C = A B with a fused epilogue, the engine of the GEMM paths.
 *
 * A is packed at compile time in panels of RT_GEMM_MR (6) rows stored
 * k-major ([k][6]), so the inner loop reads it sequentially. B comes as
 * 16-column strips: either packed ([k][16] each, contiguous, the last one
 * zero-padded: what im2col writes) or read in place from a row-major
 * matrix (row stride ldb). A strip is the other operand of a 6x16 register
 * tile (12 vectors of 8 floats, written with GCC vector extensions, which
 * the compiler maps to SSE, AVX or AVX-512 as the target allows). Strips
 * are the outer loop, so a strip stays in cache while every panel of A
 * streams past it. Measured on resnet18's shapes, packed strips run at
 * 95% of this machine's FMA peak, strided ones at 70-85%.
 *
 * A finished tile goes through the epilogue straight from registers:
 * + bias (per row), + residual (shaped like C), activation, store. Only
 * the columns and rows that exist are stored.
 */
#include "cnnrt.h"

#include <math.h>
#include <string.h>

#define NR 16 /* columns of a register tile */
#define MR RT_GEMM_MR

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

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

/* Vector values never cross a function boundary here: without AVX that
 * would change the ABI (and gcc says so). */
#define LOAD8(v, p) memcpy(&(v), (p), sizeof(v8))
#define STORE8(p, v) memcpy((p), &(v), sizeof(v8))
/* Lanes of v where drop is set become r. (C has no vector ?:.) */
#define REPLACE(v, drop, r) ((v8)(((v8i)(v) & ~(drop)) | ((v8i)(r) & (drop))))

/* v = act(v + bias + residual) for 8 values of one row. The cheap
 * activations stay in vector registers; the rest go element by element. */
static void epilogue8(const rt_epilogue *ep, float *dst, const v8 *acc, float bias, const float *res)
{
	v8 v = *acc + bias, r, zero = {0}, six = zero + 6;
	if (res) {
		LOAD8(r, res);
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
		for (int i = 0; i < 8; i++)
			v[i] = rt_act(ep, v[i]);
		break;
	}
	STORE8(dst, v);
}

/* Stores acc (rows x 16, rows <= MR) at c with the epilogue; cols < 16 is
 * a partial strip. */
static void store_tile(const rt_epilogue *ep, v8 acc[MR][2], int rows, int cols, int i0, float *c, int ldc,
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
			epilogue8(ep, ci, &acc[i][0], bias, ri);
			epilogue8(ep, ci + 8, &acc[i][1], bias, ri ? ri + 8 : NULL);
			continue;
		}
		float t[NR];
		STORE8(t, acc[i][0]);
		STORE8(t + 8, acc[i][1]);
		for (int j = 0; j < cols; j++)
			ci[j] = rt_act(ep, t[j] + bias + (ri ? ri[j] : 0));
	}
}

/* acc = A panel [k][MR] x B strip (16 columns, row stride ldb). */
static void tile(int k, const float *a, const float *b, int ldb, v8 acc[MR][2])
{
	v8 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
	v8 c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
	for (int p = 0; p < k; p++) {
		v8 b0, b1;
		LOAD8(b0, b + (size_t)p * ldb);
		LOAD8(b1, b + (size_t)p * ldb + 8);
		const float *ap = a + (size_t)p * MR;
		c00 += ap[0] * b0, c01 += ap[0] * b1;
		c10 += ap[1] * b0, c11 += ap[1] * b1;
		c20 += ap[2] * b0, c21 += ap[2] * b1;
		c30 += ap[3] * b0, c31 += ap[3] * b1;
		c40 += ap[4] * b0, c41 += ap[4] * b1;
		c50 += ap[5] * b0, c51 += ap[5] * b1;
	}
	acc[0][0] = c00, acc[0][1] = c01, acc[1][0] = c10, acc[1][1] = c11;
	acc[2][0] = c20, acc[2][1] = c21, acc[3][0] = c30, acc[3][1] = c31;
	acc[4][0] = c40, acc[4][1] = c41, acc[5][0] = c50, acc[5][1] = c51;
}

/* The same for a strip of cols < 16 columns read in place: scalar. */
static void tile_tail(int k, int cols, const float *a, const float *b, int ldb, v8 acc[MR][2])
{
	float t[MR][NR];
	memset(t, 0, sizeof t);
	for (int p = 0; p < k; p++) {
		const float *ap = a + (size_t)p * MR, *bp = b + (size_t)p * ldb;
		for (int i = 0; i < MR; i++)
			for (int j = 0; j < cols; j++)
				t[i][j] += ap[i] * bp[j];
	}
	for (int i = 0; i < MR; i++) {
		LOAD8(acc[i][0], t[i]);
		LOAD8(acc[i][1], t[i] + 8);
	}
}

/* One strip of columns j0.. against every panel of A. */
static void strip(int m, int k, int cols, int j0, const float *a, const float *b, int ldb, float *c, int ldc,
                  const rt_epilogue *ep)
{
	v8 acc[MR][2];
	const float *res = ep && ep->residual ? ep->residual + j0 : NULL;
	for (int i0 = 0; i0 < m; i0 += MR) {
		int rows = m - i0 < MR ? m - i0 : MR;
		if (cols == NR || ldb == NR)
			tile(k, a + (size_t)i0 * k, b, ldb, acc);
		else
			tile_tail(k, cols, a + (size_t)i0 * k, b, ldb, acc);
		store_tile(ep, acc, rows, cols, i0, c + (size_t)i0 * ldc + j0, ldc,
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
