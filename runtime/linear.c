/*
 * linear.c: fully connected layer, y = x W^T + b.
 *
 * One dot product per output. W keeps PyTorch's [out, in] layout, so
 * each dot product walks one contiguous row of W and one row of x. At
 * batch 1 the layer is a matrix-vector product, bound by reading W once
 * (mobilenet_v2's 1280 x 1000 is 5 MB), so the loop is built to stream W:
 * rows of at most ONE_ROW_MAX floats one at a time, so that W is one
 * stream from start to end, each row in four vector accumulators (x
 * stays in L1); longer rows four at a time against the same vectors of
 * x, each row with its own vector accumulator, so that x is read once for
 * four rows (x no longer fits L1). Either way the row sums are summed
 * across lanes at the end, and the rows stay in cache while every batch
 * item passes. The sum's order differs from a plain loop's by rounding
 * only. Threads take groups of ROWS rows of W.
 */
#include "act.h"
#include "cl.h"

#define ROWS 4 /* rows of W per pass, for rows longer than ONE_ROW_MAX */
/* Rows of W (floats) read one at a time. Four rows at a time are four
 * streams of a few KB each, which the hardware prefetcher took up anew
 * every group: cold from memory alone (Zen 4, one thread), 1280 -> 1000
 * ran at 18.5 GB/s that way, 26.6 one row at a time (0.276 -> 0.191 ms),
 * 512 -> 1000 at 13.7 and 27.0; from 4096 floats on, four rows did
 * better (4096 -> 1000 25.9 against 22.9 GB/s, 25088 -> 4096 25.9
 * against 17.8: x from L2 once per row). */
#define ONE_ROW_MAX 2048

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

/* x . w over in floats, in four accumulators of a vector each. */
static float dot1(int in, const float *x, const float *w)
{
	vf acc[4] = {{0}};
	int k = 0;
	for (; k + 4 * VW <= in; k += 4 * VW)
		for (int u = 0; u < 4; u++) {
			vf xv, wv;
			LOADV(xv, x + k + u * VW);
			LOADV(wv, w + k + u * VW);
			acc[u] += xv * wv;
		}
	for (; k + VW <= in; k += VW) {
		vf xv, wv;
		LOADV(xv, x + k);
		LOADV(wv, w + k);
		acc[0] += xv * wv;
	}
	float s = hsum((acc[0] + acc[1]) + (acc[2] + acc[3]));
	for (; k < in; k++)
		s += x[k] * w[k];
	return s;
}

/* x: [n, in]  w: [out, in]  b: [out] or NULL -> y: [n, out]. */
void rt_linear(int n, int in, int out, const float *x, const float *w, const float *b, float *y)
{
	const rt_epilogue ep = {b, NULL, RT_ACT_NONE, 0, 0, NULL};
	rt_linear_ep(n, in, out, x, w, &ep, y);
}

/* rt_linear_ep's arguments, for rt_parallel. */
typedef struct {
	int n, in, out;         /* batch, input and output features */
	const float *x, *w;     /* x: [n, in]  w: [out, in] */
	const rt_epilogue *ep;  /* bias and activation, feature o its channel */
	float *y;               /* [n, out] */
} Linear;

/* Groups [begin, end) of ROWS output features (the last may be short):
 * every output is the same dot product on any thread. */
static void row_groups(void *ctx, int begin, int end)
{
	const Linear *j = ctx;
	const float *b = j->ep->bias;
	int in = j->in, out = j->out;
	for (int o = begin * ROWS; o < end * ROWS && o < out; o += ROWS) {
		int rows = out - o < ROWS ? out - o : ROWS;
		for (int i = 0; i < j->n; i++) {
			float *yi = j->y + (size_t)i * out + o;
			if (in <= ONE_ROW_MAX)
				for (int r = 0; r < rows; r++)
					yi[r] = dot1(in, j->x + (size_t)i * in, j->w + (size_t)(o + r) * in);
			else if (rows == ROWS)
				dots(in, j->x + (size_t)i * in, j->w + (size_t)o * in, (size_t)in, ROWS, yi);
			else
				dots(in, j->x + (size_t)i * in, j->w + (size_t)o * in, (size_t)in, rows, yi);
			for (int r = 0; r < rows; r++)
				yi[r] = act_scalar(j->ep->act, act_param(j->ep, o + r), j->ep->param2,
				                   yi[r] + (b ? b[o + r] : 0.0f));
		}
	}
}

/* The same with ep's bias and activation, feature o its channel; in
 * parallel over groups of rows of W (the layer streams W once, and each
 * thread streams its share). */
void rt_linear_ep(int n, int in, int out, const float *x, const float *w, const rt_epilogue *ep, float *y)
{
	Linear j = {n, in, out, x, w, ep, y};
	double floats = (double)ROWS * in + (double)n * (in + ROWS); /* per group */
	rt_parallel((out + ROWS - 1) / ROWS, cl_grain(floats, CL_GRAIN_FLOATS), row_groups, &j);
}
