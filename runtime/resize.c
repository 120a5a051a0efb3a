/*
 * resize.c: interpolate (upsampling and downsampling by nearest or
 * bilinear), PyTorch 1.13's CPU numerics.
 *
 * For each axis, output index d reads input indices i0, i1 with weights
 * l0, l1 (nearest: i0 alone), from the scale s the compiler computed as
 * PyTorch does (rt_resize_params):
 *   - an axis whose size does not change is copied (PyTorch's shortcut);
 *   - nearest: i0 = min(floor(d * s), in - 1) (d >> 1 when out = 2 in);
 *   - bilinear: r = s * d with align_corners, else max(s (d + 0.5) - 0.5,
 *     0); i0 = (int)r, i1 = i0 + 1 unless i0 is the last, l1 = r - i0
 *     clamped to [0, 1], l0 = 1 - l1; the output is
 *     (x[i0][j0] l0' + x[i0][j1] l1') l0 + (x[i1][j0] l0' + x[i1][j1] l1') l1
 *     in that order (rows i, columns j), all in float.
 * Planes (a sample's channel) run in parallel.
 */
#include <math.h>

#include "cnnrt.h"

#include "cl.h"

/* The source of output index d along an axis of in -> out at scale s. */
typedef struct {
	int i0, i1;   /* input indices read */
	float l0, l1; /* their weights (nearest: 1, 0) */
} Source;

static Source source(int d, int in, int out, float s, int bilinear, int align_corners)
{
	Source r = {d, d, 1.0f, 0.0f};
	if (out == in)
		return r;
	if (!bilinear) {
		if (out == 2 * in) {
			r.i0 = r.i1 = d >> 1;
		} else {
			long long i = (long long)floorf((float)d * s);
			r.i0 = r.i1 = (int)(i < in - 1 ? i : in - 1);
		}
		return r;
	}
	float real = align_corners ? s * (float)d : s * ((float)d + 0.5f) - 0.5f;
	if (!align_corners && real < 0.0f)
		real = 0.0f;
	r.i0 = (int)real;
	r.i1 = r.i0 + (r.i0 < in - 1 ? 1 : 0);
	float l1 = real - (float)r.i0;
	r.l1 = l1 < 0.0f ? 0.0f : l1 > 1.0f ? 1.0f : l1;
	r.l0 = 1.0f - r.l1;
	return r;
}

/* Planes [begin, end) of x -> y. */
static void resize_planes(void *ctx, int begin, int end)
{
	const rt_resize_params *p = ((const void *const *)ctx)[0];
	const float *x = ((const void *const *)ctx)[1];
	float *y = (float *)((void *const *)ctx)[2];
	for (int pl = begin; pl < end; pl++) {
		const float *xp = x + (size_t)pl * p->h * p->w;
		float *yp = y + (size_t)pl * p->oh * p->ow;
		for (int oy = 0; oy < p->oh; oy++) {
			Source sy = source(oy, p->h, p->oh, p->sh, p->bilinear, p->align_corners);
			const float *r0 = xp + (size_t)sy.i0 * p->w, *r1 = xp + (size_t)sy.i1 * p->w;
			float *yr = yp + (size_t)oy * p->ow;
			for (int ox = 0; ox < p->ow; ox++) {
				Source sx = source(ox, p->w, p->ow, p->sw, p->bilinear, p->align_corners);
				if (!p->bilinear) {
					yr[ox] = r0[sx.i0];
					continue;
				}
				float t0 = r0[sx.i0] * sx.l0 + r0[sx.i1] * sx.l1;
				float t1 = r1[sx.i0] * sx.l0 + r1[sx.i1] * sx.l1;
				yr[ox] = t0 * sy.l0 + t1 * sy.l1;
			}
		}
	}
}

/* x: [n, c, h, w] -> y: [n, c, oh, ow] */
void rt_resize(const rt_resize_params *p, const float *x, float *y)
{
	const void *ctx[3] = {p, x, y};
	int planes = p->n * p->c;
	rt_parallel(planes, cl_grain(8.0 * p->oh * p->ow, CL_GRAIN_FLOATS), resize_planes, (void *)ctx);
}
