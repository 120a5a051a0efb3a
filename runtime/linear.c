/*
 * linear.c: fully connected layer, y = x W^T + b.
 *
 * One dot product per output. W keeps PyTorch's [out, in] layout, so
 * each dot product walks one contiguous row of W and one row of x. At
 * batch 1 the layer is a matrix-vector product, bound by reading W once
 * (mobilenet_v2's 1280 x 1000 is 5 MB), so the loop is built to stream W:
 * four rows at a time against the same vectors of x, each row with its own
 * vector accumulator, summed across lanes at the end; the rows stay in
 * cache while every batch item passes. The sum's order differs from a
 * plain loop's by rounding only.
 */
#include "act.h"

#define ROWS 4 /* rows of W per pass */

/* Sum of the lanes of v. */
static float hsum(vf v)
{
	float s = 0;
	for (int i = 0; i < VW; i++)
		s += v[i];
	return s;
}

/* y[r] = x . w[r] for r < rows (rows <= ROWS, rows of W ldw apart; a
 * constant once inlined, so the accumulators live in registers). */
static inline __attribute__((always_inline)) void dots(int in, const float *x, const float *w, size_t ldw, int rows, float *y)
{
	vf acc[ROWS] = {{0}};
	int k = 0;
	for (; k + VW <= in; k += VW) {
		vf xv, wv;
		LOADV(xv, x + k);
#pragma GCC unroll 4
		for (int r = 0; r < rows; r++) {
			LOADV(wv, w + r * ldw + k);
			acc[r] += xv * wv;
		}
	}
	for (int r = 0; r < rows; r++) {
		float s = hsum(acc[r]);
		for (int kk = k; kk < in; kk++)
			s += x[kk] * w[r * ldw + kk];
		y[r] = s;
	}
}

/* x: [n, in]  w: [out, in]  b: [out] or NULL -> y: [n, out]. */
void rt_linear(int n, int in, int out, const float *x, const float *w, const float *b, float *y)
{
	const rt_epilogue ep = {b, NULL, RT_ACT_NONE, 0, 0, NULL};
	rt_linear_ep(n, in, out, x, w, &ep, y);
}

/* The same with ep's bias and activation, feature o its channel. */
void rt_linear_ep(int n, int in, int out, const float *x, const float *w, const rt_epilogue *ep, float *y)
{
	const float *b = ep->bias;
	for (int o = 0; o < out; o += ROWS) {
		int rows = out - o < ROWS ? out - o : ROWS;
		for (int i = 0; i < n; i++) {
			float *yi = y + (size_t)i * out + o;
			if (rows == ROWS)
				dots(in, x + (size_t)i * in, w + (size_t)o * in, (size_t)in, ROWS, yi);
			else
				dots(in, x + (size_t)i * in, w + (size_t)o * in, (size_t)in, rows, yi);
			for (int r = 0; r < rows; r++)
				yi[r] = act_scalar(ep->act, act_param(ep, o + r), ep->param2, yi[r] + (b ? b[o + r] : 0.0f));
		}
	}
}
