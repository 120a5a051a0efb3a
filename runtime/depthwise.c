/*
 * depthwise.c: depthwise convolution (groups == c == oc) with a fused
 * epilogue: the choice of a path, the parallel loop, and the general
 * path. x: [n, c, h, w]  w: [c, 1, kh, kw] -> y: [n, c, oh, ow].
 *
 * Each output channel sees one input plane and kh*kw weights, so there is
 * nothing to share across channels and a GEMM would have k = kh*kw: the
 * work is a 2-D stencil per plane, and the art is in feeding it vectors.
 * Six paths, fastest first:
 *
 *   - no prelu slopes, the padded input rows of an output row (of two
 *     when dilated) of at most RT_DW_CB_PIXELS pixels, any kernel and
 *     dilation but the undilated 3x3 that the two paths below take (on
 *     7x7 outputs too they do better; at stride 1 not below 5 columns)
 *     or that has outputs of VW or more columns: RT_DW_CB_LANES planes
 *     (8, 16 with AVX-512F) at a time
 *     transposed into vectors across channels, in bands of output rows,
 *     one vector per output pixel of those planes (rt_dw_cb,
 *     depthwise_cb.c). mobilenet_v3_large's 5x5 layers alone, one
 *     thread: 960 planes of 7x7 0.42 -> 0.085 ms, 672 of 14x14 stride 2
 *     0.40 -> 0.076, 120 of 28x28 0.29 -> 0.105, 72 of 56x56 stride 2
 *     0.23 -> 0.088; lraspp's 5x5 at dilation 2, 960 planes of 33x33,
 *     2.1 ms in depthwise_phases.c, 1.3 here;
 *   - 3x3, stride 1, padding 1 (mobilenet's): flat loops over bands of
 *     rows, no per-row overhead, lane masks for the left and right
 *     padding (rt_dw_flat, depthwise_s1.c);
 *   - 3x3, stride 2, padding 1: row by row from the input in place,
 *     each input row's even and odd columns split in registers
 *     (rt_dw_s2, depthwise_s2.c);
 *   - dilated kernels (dilation > 1), and undilated ones of more than 9
 *     taps at stride 1, that rt_dw_cb does not take (rows too wide,
 *     prelu's slopes), of at most MAX_TAPS taps: bands of output rows
 *     computed flat over the band's input split into stride phases
 *     (rt_dw_phases, depthwise_phases.c);
 *   - any other kernel whose rows fit rows.h's ring: row by row over
 *     padded rows split into stride phases, so each tap of VW outputs is
 *     one vector load at any stride, padding and dilation; 3x3 as
 *     straight-line FMAs, others BLOCK vectors at a time (rt_dw_rows,
 *     depthwise_rows.c);
 *   - the rest (rows too wide for the ring, more than MAX_TAPS taps): per
 *     output row, one scaled input row per tap added over the tap's valid
 *     column range (depthwise_general, here).
 *
 * The first four and the ring apply the epilogue (bias, residual,
 * activation) in registers before the one store (depthwise_phases.c
 * stores its band's sums, then runs the epilogue over the band once), specialised per VEC activation of
 * acts.def (act_switch.h); the LANES ones (sigmoid, tanh) are applied
 * over the finished plane or band. Vectors at the end of
 * a row or band compute past it on padding and store only what exists.
 * Mobilenet_v2's depthwise layers, alone on this host: 9.4 ms in all
 * before (the general path), 1.2 ms now.
 *
 * Every path runs as the body of a parallel loop over planes (image,
 * channel) through rt_parallel (rt_dw_cb's over blocks of RT_DW_CB_LANES planes),
 * each slice with its own band buffers.
 * depthwise.h holds what the paths share: their signature, the store
 * of the epilogue, and the specialisation per activation.
 */
#include "depthwise.h"

#include "cl.h"

/* One depthwise call and its path, shared by the slices of its parallel
 * loop over planes. */
typedef struct {
	DwPath *path;
	const rt_conv2d_params *p;
	const float *x, *w;    /* input [n, c, h, w], weights [c, 1, kh, kw] */
	const rt_epilogue *ep; /* never NULL */
	float *y;              /* output [n, c, oh, ow] */
	int group;             /* planes per item of the loop: RT_DW_CB_LANES for rt_dw_cb, else 1 */
	int planes;            /* n * c */
} Dw;

/* ---- the general path ------------------------------------------------ */

/* First and last output column (inclusive) whose tap at input offset
 * off (= kx*dw - pw) lands inside a row of w: off + ox*sw in [0, w). */
static void tap_range(int off, int sw, int w, int ow, int *lo, int *hi)
{
	int l = off >= 0 ? 0 : (-off + sw - 1) / sw;
	int h = w - 1 - off < 0 ? -1 : (w - 1 - off) / sw;
	*lo = l;
	*hi = h < ow - 1 ? h : ow - 1;
}

/* y_row[lo..hi] += wv * x_row[ox*sw + off]; in vectors at stride 1. */
static void axpy_row(float *y, const float *x, float wv, int lo, int hi, int sw, int off)
{
	int ox = lo;
	if (sw == 1)
		for (; ox + VW - 1 <= hi; ox += VW) {
			vf a, b;
			LOADV(a, y + ox);
			LOADV(b, x + ox + off);
			a += wv * b;
			STOREV(y + ox, a);
		}
	for (; ox <= hi; ox++)
		y[ox] += wv * x[ox * sw + off];
}

/* Any size: each output row starts at the bias and gathers, tap by tap,
 * one scaled input row; the taps that would read padding are simply not
 * in the column range, so the inner loop has no test. */
static void depthwise_general(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                              float *y, int begin, int end)
{
	const int h = p->h, wd = p->w, oh = p->oh, ow = p->ow, kh = p->kh, kw = p->kw;
	for (int it = begin; it < end; it++) {
		int c = it % p->c;
		const float *xc = x + (size_t)it * h * wd;
		const float *wc = w + (size_t)c * kh * kw;
		size_t yoff = (size_t)it * oh * ow;
		float bias = ep->bias ? ep->bias[c] : 0;
		for (int oy = 0; oy < oh; oy++) {
			float *yr = y + yoff + (size_t)oy * ow;
			for (int ox = 0; ox < ow; ox++)
				yr[ox] = bias;
			for (int ky = 0; ky < kh; ky++) {
				int iy = oy * p->sh - p->ph + ky * p->dh;
				if (iy < 0 || iy >= h)
					continue;
				for (int kx = 0; kx < kw; kx++) {
					int off = kx * p->dw - p->pw, lo, hi;
					tap_range(off, p->sw, wd, ow, &lo, &hi);
					axpy_row(yr, xc + (size_t)iy * wd, wc[ky * kw + kx], lo, hi, p->sw, off);
				}
			}
			const float *rr = ep->residual ? ep->residual + yoff + (size_t)oy * ow : NULL;
			rt_epilogue_row(ep, c, yr, rr, 0, ow);
		}
	}
}

static void dw_items(void *ctx, int begin, int end)
{
	const Dw *j = ctx;
	int last = end * j->group < j->planes ? end * j->group : j->planes;
	j->path(j->p, j->x, j->w, j->ep, j->y, begin * j->group, last);
}

/* x: [n, c, h, w]  w: [c, 1, kh, kw] -> y: [n, c, oh, ow]. In parallel
 * over planes (rt_parallel); each plane is computed by one thread as it
 * would be by one, so the thread count does not change the result. */
void rt_conv2d_depthwise(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                         float *y)
{
	static const rt_epilogue none = {NULL, NULL, RT_ACT_NONE, 0, 0, NULL};
	const int span = (p->kw - 1) * p->dw, nrows = (p->kh - 1) * p->dh + 1;
	DwPath *path = rt_dw_cb_fits(p, ep)                                                   ? rt_dw_cb
	               : rt_dw_flat_fits(p)                                                   ? rt_dw_flat
	               : rt_dw_s2_fits(p)                                                     ? rt_dw_s2
	               : rt_dw_phases_fits(p)                                                 ? rt_dw_phases
	               : p->kh * p->kw > MAX_TAPS || !rt_rows_fits(nrows, p->ow, span, p->sw) ? depthwise_general
	                                                                                      : rt_dw_rows;
	/* rt_dw_cb takes its planes RT_DW_CB_LANES at a time from a slice's first, and
	 * rt_parallel's chunks start anywhere: 36 planes cut into chunks of
	 * 3 and 11 ran as 7 blocks of 8 lanes, not 5. So its items are
	 * blocks of RT_DW_CB_LANES planes (the last one shorter). mobilenet_v3_large's 72
	 * planes of 56x56, 5x5 stride 2, alone (hardswish): one thread
	 * 0.118 ms, two 0.095 before, 0.070 in blocks; 120 of 28x28, 5x5:
	 * 0.122, 0.077 -> 0.071. */
	const int group = path == rt_dw_cb ? RT_DW_CB_LANES : 1;
	Dw j = {path, p, x, w, ep ? ep : &none, y, group, p->n * p->c};
	/* per plane: a 3x3 plane's few flops run far below the GEMM's rate
	 * (its time is the planes' traffic: mobilenet_v2's 7x7 x 960 layer
	 * takes ~45 us, its 0.85 MFLOP gave one grain), so a loop is split
	 * when either its arithmetic or its traffic is worth a thread */
	double flops = 2.0 * p->oh * p->ow * p->kh * p->kw, floats = (double)p->h * p->w + (double)p->oh * p->ow;
	int by_flops = cl_grain(flops, CL_GRAIN_FLOPS), by_floats = cl_grain(floats, CL_GRAIN_FLOATS);
	int grain = by_flops < by_floats ? by_flops : by_floats;
	rt_parallel((j.planes + group - 1) / group, (grain + group - 1) / group, dw_items, &j);
}
