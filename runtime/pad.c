/*
 * pad.c: torch.nn.functional.pad of N x C x H x W along H and W.
 *
 * Output pixel (oy, ox) reads input pixel (oy - top, ox - left) mapped
 * into the input by the mode: constant fills outside it with the value,
 * reflect mirrors about the edge pixels (-1 reads 1), replicate clamps
 * to the edge. Negative pads crop: the same mapping, over a smaller
 * output. Each output row is the mapped left border, then a copy of the
 * input row's middle, then the right border.
 */
#include "cnnrt.h"

#include <string.h>

/* Input index of i (maybe outside [0, n)) under mode, or -1 for the
 * constant. */
static int map(int mode, int i, int n)
{
	if (i >= 0 && i < n)
		return i;
	switch (mode) {
	case RT_PAD_REFLECT: /* the compiler checked every pad < n */
		return i < 0 ? -i : 2 * (n - 1) - i;
	case RT_PAD_REPLICATE:
		return i < 0 ? 0 : n - 1;
	default:
		return -1;
	}
}

void rt_pad(const rt_pad_params *p, const float *x, float *y)
{
	int top = p->top - p->crop_top, left = p->left - p->crop_left; /* negative: cropped */
	/* the output columns whose source is inside the row: [a, e) */
	int a = left > 0 ? left : 0, e = p->w + left < p->ow ? p->w + left : p->ow;
	if (e < a)
		e = a;
	for (long long plane = 0; plane < (long long)p->n * p->c; plane++) {
		const float *xp = x + plane * p->h * p->w;
		float *yp = y + plane * p->oh * p->ow;
		for (int oy = 0; oy < p->oh; oy++) {
			float *yr = yp + (size_t)oy * p->ow;
			int iy = map(p->mode, oy - top, p->h);
			if (iy < 0) {
				for (int ox = 0; ox < p->ow; ox++)
					yr[ox] = p->value;
				continue;
			}
			const float *xr = xp + (size_t)iy * p->w;
			for (int ox = 0; ox < a; ox++) {
				int ix = map(p->mode, ox - left, p->w);
				yr[ox] = ix < 0 ? p->value : xr[ix];
			}
			if (e > a)
				memcpy(yr + a, xr + (a - left), (size_t)(e - a) * sizeof *yr);
			for (int ox = e; ox < p->ow; ox++) {
				int ix = map(p->mode, ox - left, p->w);
				yr[ox] = ix < 0 ? p->value : xr[ix];
			}
		}
	}
}
