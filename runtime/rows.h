/*
 * rows.h: padded, deinterleaved input rows, private to the direct vector
 * kernels (depthwise_*.c, conv_stem.c, pool.c).
 *
 * A sliding-window kernel (a convolution or a pooling, stride s, output
 * width ow) reads, for output column ox and kernel tap kx, input column
 * ox*s + kx*d - pad. Near the borders that column may lie in the padding,
 * and with s > 1 consecutive outputs read every s-th column. Both stop
 * plain vector loads. rt_rows fixes both once per input row: it copies
 * the row into a slot with the padding written out (0 for a convolution,
 * -inf for a max) and splits it into s phases, phase q holding padded
 * columns q, q + s, q + 2s, ... Then tap kx of output columns
 * [ox, ox + VW) is one contiguous vector load:
 *
 *     phase (kx*d) % s, elements ox + (kx*d) / s ... + VW
 *
 * with no test anywhere in the inner loop. Each phase holds ow rounded up
 * to VW, plus the taps' reach, so the last vector of a row reads padding
 * rather than past the slot; its extra lanes are computed and dropped.
 *
 * The slots form a ring indexed by input row: a kernel walking output rows
 * downwards asks for rows in increasing order, and each input row is
 * copied once per plane however many kernel rows read it (rows above or
 * below the input are all padding). The stem kernel, depthwise's
 * stride-2 path and the max pool (a row of column maxima) use the row
 * fill alone (rt_rows_pad, rt_rows_split2), with storage of their own.
 */
#ifndef CNNRT_ROWS_H
#define CNNRT_ROWS_H

#include "cnnrt.h"
#include "simd.h"

#define RT_ROWS_SLOTS 8     /* rows a ring holds (a power of 2): the most a window spans */
#define RT_ROWS_FLOATS 4096 /* storage of a ring, all slots */

/* A ring of padded input rows of one plane: input row iy sits in slot
 * iy mod RT_ROWS_SLOTS. */
typedef struct {
	const float *plane;         /* input plane [h, w] whose rows the slots hold */
	int h, w;                   /* its height and width */
	int s;                      /* column stride: phases per row */
	int pad;                    /* padding columns left of input column 0 */
	int len;                    /* floats per phase; a slot is s * len */
	float fill;                 /* value of the padding: 0, or -inf for a max */
	int held[RT_ROWS_SLOTS];    /* input row each slot holds; INT_MIN: none */
	float buf[RT_ROWS_FLOATS];  /* slot i at buf + i * s * len */
} rt_rows;

/* Floats per phase that a kernel of output width ow, computed in vectors
 * of VW, reads at stride s when its taps reach span = (kw-1)*dw columns
 * right of the first. */
#define RT_ROWS_LEN(ow, span, s) (((ow) + VW - 1) / VW * VW + (span) / (s) + 1)

/* Whether a ring fits a window of height (kh-1)*dh + 1 = rows at these
 * sizes. */
int rt_rows_fits(int rows, int ow, int span, int s);

/* Starts a ring over plane [h, w] read at column stride s with pad columns
 * of padding on the left, phases of len floats (RT_ROWS_LEN); the padding
 * reads fill. Needs rt_rows_fits. */
void rt_rows_start(rt_rows *r, const float *plane, int h, int w, int s, int pad, int len, float fill);

/* Copies input row iy (any row: outside the input, all padding) into
 * slot d. */
void rt_rows_fill(rt_rows *r, float *d, int iy);

/* One slot: row xr of w floats (NULL: none, all padding) with pad columns
 * of padding on the left, split into s phases of len floats at d. */
void rt_rows_pad(float *d, const float *xr, int w, int s, int pad, int len, float fill);

/* Row xr of w floats split at stride 2 with pad columns of padding on
 * the left: even[t] = xr[2t - pad], odd[t] = xr[2t + 1 - pad] for t < len,
 * fill where the column lies outside [0, w); xr NULL: all fill. */
void rt_rows_split2(float *even, float *odd, const float *xr, int w, int pad, int len, float fill);

/* Phase 0 of input row iy; phase q follows at + q * r->len. Copies the row
 * in unless the ring holds it, replacing the row RT_ROWS_SLOTS above. */
static inline const float *rt_rows_get(rt_rows *r, int iy)
{
	unsigned slot = (unsigned)iy % RT_ROWS_SLOTS; /* two's complement: right for iy < 0 too */
	float *d = r->buf + (size_t)slot * r->s * r->len;
	if (r->held[slot] != iy)
		rt_rows_fill(r, d, iy);
	return d;
}

#endif
