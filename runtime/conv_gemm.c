/*
 * conv_gemm.c: convolutions on the optimized paths, with fused epilogues.
 *
 * rt_conv2d_gemm lowers each (batch item, group) to one GEMM:
 *   Y_g [oc/g, oh*ow] = W_g [oc/g, c/g*kh*kw] x col(X_g) [c/g*kh*kw, oh*ow]
 * where col() is im2col: row (ci, ky, kx) holds, for every output pixel,
 * the input value under that kernel tap (zero in the padding), written in
 * rt_gemm_packed's strips. A 1x1 convolution with stride 1 and no padding
 * needs no unrolling, but is packed the same way: the copy costs k*n
 * floats against the GEMM's m*k*n multiply-adds, and packed strips run
 * faster than strided rows. (Depthwise convolutions, where GEMM would have
 * k = kh*kw, have their own kernel: depthwise.c.)
 */
#include "cnnrt.h"

#include <string.h>

/* A run of a strip's pixels that lie in one output row. */
typedef struct {
	int jj;   /* first column of the strip it fills */
	int len;  /* pixels */
	int oy;   /* output row */
	int ox;   /* output column of the first pixel */
} Segment;

/* col(X_g) packed for rt_gemm_packed: strips of 16 output pixels, each
 * [k][16] with row r = (ci, ky, kx) holding, for those pixels, the input
 * under that kernel tap (zero in the padding and past the last pixel).
 * x: [cg, h, w] -> col: ceil(oh*ow / 16) strips of k x 16 floats.
 * A strip is cut once into runs of pixels on one output row; each tap then
 * copies each run (a memcpy at stride 1), so the inner work is contiguous. */
static void im2col_packed(const rt_conv2d_params *p, int cg, const float *x, float *col)
{
	const int h = p->h, w = p->w, ow = p->ow, kh = p->kh, kw = p->kw;
	const int sh = p->sh, sw = p->sw, dh = p->dh, dw = p->dw, ph = p->ph, pw = p->pw;
	const int k = cg * kh * kw, n = p->oh * ow;
	for (int j0 = 0; j0 < n; j0 += 16) {
		Segment seg[17];
		int nseg = 0, left = n - j0 < 16 ? n - j0 : 16;
		for (int jj = 0; jj < left;) {
			int oy = (j0 + jj) / ow, ox = (j0 + jj) % ow;
			int len = ow - ox < left - jj ? ow - ox : left - jj;
			seg[nseg++] = (Segment){jj, len, oy, ox};
			jj += len;
		}
		float *d = col + (size_t)j0 * k;
		for (int ci = 0; ci < cg; ci++) {
			const float *xc = x + (size_t)ci * h * w;
			for (int ky = 0; ky < kh; ky++)
				for (int kx = 0; kx < kw; kx++, d += 16) {
					if (left < 16)
						memset(d + left, 0, (size_t)(16 - left) * sizeof *d);
					for (int s = 0; s < nseg; s++) {
						float *ds = d + seg[s].jj;
						int iy = seg[s].oy * sh - ph + ky * dh;
						int ix = seg[s].ox * sw - pw + kx * dw, len = seg[s].len;
						if (iy < 0 || iy >= h) {
							memset(ds, 0, (size_t)len * sizeof *ds);
							continue;
						}
						const float *xr = xc + (size_t)iy * w;
						if (sw == 1 && ix >= 0 && ix + len <= w) {
							memcpy(ds, xr + ix, (size_t)len * sizeof *ds);
							continue;
						}
						for (int q = 0; q < len; q++, ix += sw)
							ds[q] = ix >= 0 && ix < w ? xr[ix] : 0.0f;
					}
				}
		}
	}
}

void rt_conv2d_gemm(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep, float *y,
                    float *scratch)
{
	int cg = p->c / p->groups, og = p->oc / p->groups;
	int k = cg * p->kh * p->kw, ohw = p->oh * p->ow, hw = p->h * p->w;
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
			im2col_packed(p, cg, xg, scratch);
			rt_gemm_packed(og, ohw, k, w + g * wg, scratch, y + yoff, ohw, &e);
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
			rt_epilogue_row(ep, y + off, ep->residual ? ep->residual + off : NULL, 0, (int)plane);
		}
}
