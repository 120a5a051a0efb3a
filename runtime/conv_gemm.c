/*
 * conv_gemm.c: convolutions on the optimized paths, with fused epilogues.
 *
 * rt_conv2d_gemm lowers each (batch item, group) to one GEMM:
 *   Y_g [oc/g, oh*ow] = W_g [oc/g, c/g*kh*kw] x col(X_g) [c/g*kh*kw, oh*ow]
 * where col() is im2col: row (ci, ky, kx) holds, for every output pixel,
 * the input value under that kernel tap (zero in the padding). A 1x1
 * convolution with stride 1 and no padding needs no im2col: X_g is
 * already that matrix. rt_conv2d_depthwise is the direct loop specialised
 * to one input channel per output channel, where GEMM would have k = kh*kw.
 */
#include "cnnrt.h"

#include <string.h>

/* col [cg*kh*kw, oh*ow] from x [cg, h, w]. */
static void im2col(const rt_conv2d_params *p, int cg, const float *x, float *col)
{
	int ohw = p->oh * p->ow;
	for (int ci = 0; ci < cg; ci++)
		for (int ky = 0; ky < p->kh; ky++)
			for (int kx = 0; kx < p->kw; kx++) {
				float *row = col + ((size_t)(ci * p->kh + ky) * p->kw + kx) * ohw;
				const float *xc = x + (size_t)ci * p->h * p->w;
				for (int oy = 0; oy < p->oh; oy++) {
					int iy = oy * p->sh - p->ph + ky * p->dh;
					float *r = row + (size_t)oy * p->ow;
					if (iy < 0 || iy >= p->h) {
						memset(r, 0, sizeof(float) * (size_t)p->ow);
						continue;
					}
					const float *xr = xc + (size_t)iy * p->w;
					for (int ox = 0; ox < p->ow; ox++) {
						int ix = ox * p->sw - p->pw + kx * p->dw;
						r[ox] = ix >= 0 && ix < p->w ? xr[ix] : 0.0f;
					}
				}
			}
}

void rt_conv2d_gemm(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep, float *y,
                    float *scratch)
{
	int cg = p->c / p->groups, og = p->oc / p->groups;
	int k = cg * p->kh * p->kw, ohw = p->oh * p->ow, hw = p->h * p->w;
	int direct = p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->ph == 0 && p->pw == 0;
	size_t wg = (size_t)RT_GEMM_PACKED(og, k);
	for (int n = 0; n < p->n; n++)
		for (int g = 0; g < p->groups; g++) {
			const float *xg = x + ((size_t)n * p->c + (size_t)g * cg) * hw;
			size_t yoff = ((size_t)n * p->oc + (size_t)g * og) * ohw;
			rt_epilogue e = {NULL, NULL, RT_ACT_NONE, 0};
			if (ep) {
				e = *ep;
				e.bias = ep->bias ? ep->bias + g * og : NULL;
				e.residual = ep->residual ? ep->residual + yoff : NULL;
			}
			if (!direct)
				im2col(p, cg, xg, scratch);
			rt_gemm(og, ohw, k, w + g * wg, direct ? xg : scratch, direct ? hw : ohw, y + yoff, ohw, &e);
		}
}

void rt_conv2d_depthwise(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                         float *y)
{
	for (int n = 0; n < p->n; n++)
		for (int c = 0; c < p->c; c++) {
			const float *xc = x + ((size_t)n * p->c + c) * p->h * p->w;
			const float *wc = w + (size_t)c * p->kh * p->kw;
			size_t yoff = ((size_t)n * p->c + c) * p->oh * p->ow;
			float bias = ep && ep->bias ? ep->bias[c] : 0;
			for (int oy = 0; oy < p->oh; oy++)
				for (int ox = 0; ox < p->ow; ox++) {
					float s = 0;
					for (int ky = 0; ky < p->kh; ky++) {
						int iy = oy * p->sh - p->ph + ky * p->dh;
						if (iy < 0 || iy >= p->h)
							continue;
						for (int kx = 0; kx < p->kw; kx++) {
							int ix = ox * p->sw - p->pw + kx * p->dw;
							if (ix >= 0 && ix < p->w)
								s += xc[iy * p->w + ix] * wc[ky * p->kw + kx];
						}
					}
					size_t o = yoff + (size_t)oy * p->ow + ox;
					s += bias;
					if (ep && ep->residual)
						s += ep->residual[o];
					y[o] = ep ? rt_act(ep, s) : s;
				}
		}
}

void rt_conv2d_direct_ep(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep, float *y)
{
	rt_conv2d_direct(p, x, w, ep ? ep->bias : NULL, y);
	if (!ep)
		return;
	size_t plane = (size_t)p->oh * p->ow;
	for (int n = 0; n < p->n; n++)
		for (int o = 0; o < p->oc; o++) {
			size_t off = ((size_t)n * p->oc + o) * plane;
			for (size_t i = 0; i < plane; i++) {
				float v = y[off + i];
				if (ep->residual)
					v += ep->residual[off + i];
				y[off + i] = rt_act(ep, v);
			}
		}
}
