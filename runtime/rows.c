/*
 * rows.c: the ring of padded, deinterleaved input rows of rows.h.
 *
 * Filling a slot: padded column j (input column j - pad) goes to phase
 * j % s, element j / s. At stride 1 that is a copy between two runs of
 * padding; at stride 2 the inside of the row is split into even and odd
 * columns by two vector shuffles per 2*VW floats; other strides (rare)
 * go one float at a time.
 */
#include "rows.h"

#include <limits.h>

int rt_rows_fits(int rows, int ow, int span, int s)
{
	return rows >= 1 && rows <= RT_ROWS_SLOTS && s >= 1 &&
	       (long long)RT_ROWS_SLOTS * s * RT_ROWS_LEN(ow, span, s) <= RT_ROWS_FLOATS;
}

void rt_rows_start(rt_rows *r, const float *plane, int h, int w, int s, int pad, int len, float fill)
{
	r->plane = plane;
	r->h = h, r->w = w, r->s = s, r->pad = pad, r->len = len;
	r->fill = fill;
	for (int i = 0; i < RT_ROWS_SLOTS; i++)
		r->held[i] = INT_MIN;
}

/* Row xr into the phases at d, one float at a time, phase by phase. */
static void fill_scalar(float *d, const float *xr, int w, int s, int pad, int len, float fill)
{
	for (int q = 0; q < s; q++)
		for (int t = 0; t < len; t++) {
			int ix = t * s + q - pad;
			*d++ = ix >= 0 && ix < w ? xr[ix] : fill;
		}
}

/* Element t of even and odd is input column 2t - pad and the one after;
 * checked where either may lie outside, else plain copies, in vectors. */
void rt_rows_split2(float *even, float *odd, const float *xr, int w, int pad, int len, float fill)
{
	int t = 0, x0 = -pad;
	if (!xr)
		w = 0; /* every column outside */
	for (; t < len && x0 + 2 * t < 0; t++) {
		int ix = x0 + 2 * t;
		even[t] = fill;
		odd[t] = ix + 1 >= 0 && ix + 1 < w ? xr[ix + 1] : fill;
	}
	for (; t + VW <= len && x0 + 2 * (t + VW) <= w; t += VW) {
		vf a, b, e, o;
		LOADV(a, xr + x0 + 2 * t);
		LOADV(b, xr + x0 + 2 * t + VW);
		e = SHUFFLE2(a, b, EVEN_LANES);
		o = SHUFFLE2(a, b, ODD_LANES);
		STOREV(even + t, e);
		STOREV(odd + t, o);
	}
	for (; t < len && x0 + 2 * t + 1 < w; t++)
		even[t] = xr[x0 + 2 * t], odd[t] = xr[x0 + 2 * t + 1];
	for (; t < len; t++) {
		int ix = x0 + 2 * t;
		even[t] = ix < w ? xr[ix] : fill;
		odd[t] = fill;
	}
}

void rt_rows_pad(float *d, const float *xr, int w, int s, int pad, int len, float fill)
{
	int end = s * len; /* padded columns the slot holds */
	if (!xr) {
		for (int i = 0; i < end; i++) /* phases are contiguous: the slot is end floats */
			d[i] = fill;
		return;
	}
	if (s > 2) {
		fill_scalar(d, xr, w, s, pad, len, fill);
		return;
	}
	if (s == 2) {
		rt_rows_split2(d, d + len, xr, w, pad, len, fill);
		return;
	}
	/* inside: padded columns [pad, pad + w) clipped to the slot */
	int in0 = pad < end ? pad : end;
	int in1 = pad + w < end ? pad + w : end;
	for (int j = 0; j < in0; j++)
		d[j] = fill;
	memcpy(d + in0, xr + (in0 - pad), (size_t)(in1 - in0) * sizeof *d);
	for (int j = in1; j < end; j++)
		d[j] = fill;
}

void rt_rows_fill(rt_rows *r, float *d, int iy)
{
	r->held[(unsigned)iy % RT_ROWS_SLOTS] = iy;
	rt_rows_pad(d, iy >= 0 && iy < r->h ? r->plane + (size_t)iy * r->w : NULL, r->w, r->s, r->pad, r->len, r->fill);
}
