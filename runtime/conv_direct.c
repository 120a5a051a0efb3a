/*
 * conv_direct.c: direct 2-D convolution, the reference path.
 *
 * The plain loops, written to be read and trusted rather than to be fast:
 * every other convolution algorithm the compiler may pick (im2col, Winograd,
 * other layouts) is checked against this one. For each output element, in
 * the order batch, output channel, output row, output column, one float
 * accumulator sums input * weight over the group's input channels, then the
 * kernel rows, then the kernel columns; the bias is added last. Taps that
 * fall into the zero padding are skipped, which is the same as adding 0.
 *
 * Groups: output channel oc belongs to group g = oc / (oc_total / groups)
 * and sees input channels [g * c/groups, (g + 1) * c/groups). Depthwise
 * convolution is the case groups == c. Dilation spaces the taps dh rows and
 * dw columns apart, as in torch.nn.functional.conv2d.
 *
 * The output planes (batch, output channel) are the items of a parallel
 * loop (rt_parallel); each element is still summed by one thread in the
 * order above.
 */
#include "cnnrt.h"

#include "cl.h"

/* The arguments of rt_conv2d_direct, for its parallel loop. */
typedef struct {
	const rt_conv2d_params *p;
	const float *x, *w, *b;
	float *y;
} Direct;

/* Items [begin, end) of the loop over (image, output channel). */
static void direct_planes(void *ctx, int begin, int end)
{
	const Direct *d = ctx;
	const rt_conv2d_params *p = d->p;
	int cg = p->c / p->groups;  /* input channels per group */
	int og = p->oc / p->groups; /* output channels per group */
	size_t in_plane = (size_t)p->h * p->w;
	size_t ksize = (size_t)p->kh * p->kw;

	for (int it = begin; it < end; it++) {
		int n = it / p->oc, oc = it % p->oc, g = oc / og;
		const float *xg = d->x + ((size_t)n * p->c + (size_t)g * cg) * in_plane;
		const float *wo = d->w + (size_t)oc * cg * ksize;
		float bias = d->b ? d->b[oc] : 0.0f;
		float *yo = d->y + ((size_t)n * p->oc + oc) * p->oh * p->ow;
		for (int oy = 0; oy < p->oh; oy++) {
			int iy0 = oy * p->sh - p->ph;
			for (int ox = 0; ox < p->ow; ox++) {
				int ix0 = ox * p->sw - p->pw;
				float acc = 0.0f;
				for (int ic = 0; ic < cg; ic++) {
					const float *xc = xg + (size_t)ic * in_plane;
					const float *wk = wo + (size_t)ic * ksize;
					for (int ky = 0; ky < p->kh; ky++) {
						int iy = iy0 + ky * p->dh;
						if (iy < 0 || iy >= p->h)
							continue;
						for (int kx = 0; kx < p->kw; kx++) {
							int ix = ix0 + kx * p->dw;
							if (ix < 0 || ix >= p->w)
								continue;
							acc += xc[(size_t)iy * p->w + ix] * wk[ky * p->kw + kx];
						}
					}
				}
				yo[(size_t)oy * p->ow + ox] = acc + bias;
			}
		}
	}
}

/* x: [n, c, h, w]  w: [oc, c/groups, kh, kw]  b: [oc] or NULL
 * -> y: [n, oc, oh, ow]. In parallel over output planes; each output
 * element is summed by one thread in the order above. */
void rt_conv2d_direct(const rt_conv2d_params *p, const float *x, const float *w, const float *b, float *y)
{
	Direct d = {p, x, w, b, y};
	double flops = 2.0 * p->oh * p->ow * (p->c / p->groups) * p->kh * p->kw; /* per plane */
	rt_parallel(p->n * p->oc, cl_grain(flops, CL_GRAIN_FLOPS), direct_planes, &d);
}
