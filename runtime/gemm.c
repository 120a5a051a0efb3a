/*
 * gemm.c: C = A B with a fused epilogue, the engine of the GEMM paths.
 *
 * A is packed at compile time in panels of RT_GEMM_MR (6) rows stored
 * k-major ([k][6]), so the inner loop reads it sequentially. B is read in
 * place, row-major with stride ldb: a 16-column strip of it is the other
 * operand of a 6x16 register tile (12 vectors of 8 floats, written with GCC
 * vector extensions, which the compiler maps to SSE, AVX or AVX-512 as the
 * target allows). Column strips are the outer loop so a strip (k x 16
 * floats) stays in cache while every panel of A streams past it. Columns
 * left over (n % 16) take a scalar loop. Each finished tile passes through
 * the epilogue (bias, residual, activation) on its way to C.
 *
 * A plain first version (STYLE 12): no k blocking, one thread.
 */
#include "cnnrt.h"

#include <math.h>
#include <string.h>

#define NR 16 /* columns of a register tile */

typedef float v8 __attribute__((vector_size(32)));

float rt_act(const rt_epilogue *ep, float v)
{
	switch (ep->act) {
	case RT_ACT_RELU:
		return v > 0 ? v : 0;
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

/* Stores tile t (rows x cols of a 6 x NR block) at C[i0.., j0..]. */
static void store(const rt_epilogue *ep, float t[RT_GEMM_MR][NR], int rows, int cols, int i0, int j0, float *c,
                  int ldc)
{
	for (int i = 0; i < rows; i++) {
		float bias = ep && ep->bias ? ep->bias[i0 + i] : 0;
		float *ci = c + (size_t)(i0 + i) * ldc + j0;
		const float *ri = ep && ep->residual ? ep->residual + (size_t)(i0 + i) * ldc + j0 : NULL;
		for (int j = 0; j < cols; j++) {
			float v = t[i][j] + bias;
			if (ri)
				v += ri[j];
			ci[j] = ep ? rt_act(ep, v) : v;
		}
	}
}

/* t = A panel [k][6] x B strip [k][16] (row stride ldb). */
static void tile_6x16(int k, const float *a, const float *b, int ldb, float t[RT_GEMM_MR][NR])
{
	v8 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
	v8 c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
	for (int p = 0; p < k; p++) {
		v8 b0, b1;
		memcpy(&b0, b + (size_t)p * ldb, sizeof b0);
		memcpy(&b1, b + (size_t)p * ldb + 8, sizeof b1);
		const float *ap = a + (size_t)p * RT_GEMM_MR;
		c00 += ap[0] * b0, c01 += ap[0] * b1;
		c10 += ap[1] * b0, c11 += ap[1] * b1;
		c20 += ap[2] * b0, c21 += ap[2] * b1;
		c30 += ap[3] * b0, c31 += ap[3] * b1;
		c40 += ap[4] * b0, c41 += ap[4] * b1;
		c50 += ap[5] * b0, c51 += ap[5] * b1;
	}
	memcpy(t[0], &c00, 32), memcpy(t[0] + 8, &c01, 32);
	memcpy(t[1], &c10, 32), memcpy(t[1] + 8, &c11, 32);
	memcpy(t[2], &c20, 32), memcpy(t[2] + 8, &c21, 32);
	memcpy(t[3], &c30, 32), memcpy(t[3] + 8, &c31, 32);
	memcpy(t[4], &c40, 32), memcpy(t[4] + 8, &c41, 32);
	memcpy(t[5], &c50, 32), memcpy(t[5] + 8, &c51, 32);
}

/* The same for the last cols (< 16) columns, in scalar code. */
static void tile_tail(int k, int cols, const float *a, const float *b, int ldb, float t[RT_GEMM_MR][NR])
{
	memset(t, 0, sizeof(float) * RT_GEMM_MR * NR);
	for (int p = 0; p < k; p++) {
		const float *ap = a + (size_t)p * RT_GEMM_MR, *bp = b + (size_t)p * ldb;
		for (int i = 0; i < RT_GEMM_MR; i++)
			for (int j = 0; j < cols; j++)
				t[i][j] += ap[i] * bp[j];
	}
}

void rt_gemm(int m, int n, int k, const float *a, const float *b, int ldb, float *c, int ldc,
             const rt_epilogue *ep)
{
	float t[RT_GEMM_MR][NR];
	for (int j0 = 0; j0 < n; j0 += NR) {
		int cols = n - j0 < NR ? n - j0 : NR;
		for (int i0 = 0; i0 < m; i0 += RT_GEMM_MR) {
			const float *ap = a + (size_t)i0 * k;
			int rows = m - i0 < RT_GEMM_MR ? m - i0 : RT_GEMM_MR;
			if (cols == NR)
				tile_6x16(k, ap, b + j0, ldb, t);
			else
				tile_tail(k, cols, ap, b + j0, ldb, t);
			store(ep, t, rows, cols, i0, j0, c, ldc);
		}
	}
}
