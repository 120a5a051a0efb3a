/*
 * conv_transpose.c: transposed convolution (nn.ConvTranspose2d), the
 * gradient of conv2d with respect to its input.
 *
 * Input pixel (iy, ix) of channel ci adds w[ci][o][ky][kx] times its value
 * to output pixel (iy * sh - ph + ky * dh, ix * sw - pw + kx * dw) of
 * channel o (of ci's group), where that lies inside the output; the
 * output height is (h - 1) * sh - 2 * ph + dh * (kh - 1) + output_padding
 * + 1 (the compiler's shape rule), output_padding only making oh larger.
 *
 * Two kernels:
 *   - rt_conv_transpose2d_direct, the reference: each output gathers the
 *     taps that reach it (the ky with oy + ph - ky * dh a multiple of sh),
 *     a plain loop nest, every output written once;
 *   - rt_conv_transpose2d_gemm: per group, the products of every tap with
 *     every input pixel as one GEMM, C [og * kh * kw, pixels] = W^T X
 *     (k = the group's input channels), a block of input pixels at a time
 *     into scratch, then col2im adds each row of C, a tap of an output
 *     channel, into the output at its offset and stride (a contiguous
 *     run when the stride is 1). The epilogue (bias, residual,
 *     activation) is one pass over each output plane at the end.
 */
#include "cnnrt.h"

#include <string.h>

/* The taps of one axis reaching output o: the first k (of kn) with
 * (o + pad - k * d) a non-negative multiple of s below n, in *i its
 * input index; returns 0 when none is left from k on. */
static int next_tap(int o, int pad, int s, int d, int n, int kn, int *k, int *i)
{
	for (; *k < kn; (*k)++) {
		int t = o + pad - *k * d;
		if (t < 0)
			return 0; /* larger k only go further left */
		if (t % s == 0 && t / s < n) {
			*i = t / s;
			return 1;
		}
	}
	return 0;
}

/* x: [n, c, h, w]  w: [c, oc/groups, kh, kw]  b: [oc] or NULL
 * -> y: [n, oc, oh, ow]. y must not overlap x. */
void rt_conv_transpose2d_direct(const rt_conv2d_params *p, const float *x, const float *w, const float *b, float *y)
{
	int cg = p->c / p->groups, og = p->oc / p->groups;
	for (int n = 0; n < p->n; n++)
		for (int o = 0; o < p->oc; o++) {
			int g = o / og, ol = o % og;
			for (int oy = 0; oy < p->oh; oy++)
				for (int ox = 0; ox < p->ow; ox++) {
					float acc = b ? b[o] : 0.0f;
					for (int ci = g * cg; ci < (g + 1) * cg; ci++) {
						const float *xc = x + ((size_t)n * p->c + ci) * p->h * p->w;
						const float *wc = w + ((size_t)ci * og + ol) * p->kh * p->kw;
						int iy, ix;
						for (int ky = 0; next_tap(oy, p->ph, p->sh, p->dh, p->h, p->kh, &ky, &iy); ky++)
							for (int kx = 0; next_tap(ox, p->pw, p->sw, p->dw, p->w, p->kw, &kx, &ix); kx++)
								acc += xc[(size_t)iy * p->w + ix] * wc[ky * p->kw + kx];
					}
					y[(((size_t)n * p->oc + o) * p->oh + oy) * p->ow + ox] = acc;
				}
		}
}

/* The input indices i in [0, n) whose output i * s + off lies in [0, on):
 * [*lo, *hi) (empty when *lo >= *hi). */
static void reach(int n, int s, int off, int on, int *lo, int *hi)
{
	/* i * s + off >= 0  <=>  i >= ceil(-off / s) */
	*lo = off >= 0 ? 0 : (-off + s - 1) / s;
	/* i * s + off < on  <=>  i < ceil((on - off) / s) */
	*hi = on - off <= 0 ? 0 : (on - off + s - 1) / s;
	if (*hi > n)
		*hi = n;
}

/* col2im of one block: rows of cols [m = og * kh * kw, count] (input
 * pixels [j0, j0 + count) of an h x w plane) added into the group's
 * output planes yg [og, oh, ow]. */
static void col2im(const rt_conv2d_params *p, const float *cols, int j0, int count, float *yg)
{
	int og = p->oc / p->groups;
	for (int r = 0; r < og * p->kh * p->kw; r++) {
		int ol = r / (p->kh * p->kw), ky = r / p->kw % p->kh, kx = r % p->kw;
		float *yo = yg + (size_t)ol * p->oh * p->ow;
		const float *cr = cols + (size_t)r * count;
		int xlo, xhi;
		reach(p->w, p->sw, kx * p->dw - p->pw, p->ow, &xlo, &xhi);
		/* the block, one input row at a time */
		for (int j = j0; j < j0 + count;) {
			int iy = j / p->w, ix0 = j % p->w, ix1 = p->w;
			if (ix1 - ix0 > j0 + count - j)
				ix1 = ix0 + (j0 + count - j);
			int oy = iy * p->sh - p->ph + ky * p->dh;
			if (oy >= 0 && oy < p->oh) {
				int a = ix0 > xlo ? ix0 : xlo, e = ix1 < xhi ? ix1 : xhi;
				int off = kx * p->dw - p->pw; /* ox = ix * sw + off */
				float *yr = yo + (size_t)oy * p->ow;
				const float *c = cr + (j - j0); /* input pixel ix at c[ix - ix0] */
				if (p->sw == 1)
					for (int ix = a; ix < e; ix++)
						yr[ix + off] += c[ix - ix0];
				else
					for (int ix = a; ix < e; ix++)
						yr[ix * p->sw + off] += c[ix - ix0];
			}
			j += ix1 - ix0;
		}
	}
}

/* x: [n, c, h, w]  a: per group, W_g^T [og * kh * kw, c/groups] packed
 * for rt_gemm (row (o * kh + ky) * kw + kx, column the group's input
 * channel), groups one after another -> y: [n, oc, oh, ow], then ep.
 * scratch: RT_CONVT_FLOATS(oc/groups, kh, kw, h, w) floats. y must not
 * overlap x or scratch; it may be the residual only when ep adds none. */
void rt_conv_transpose2d_gemm(const rt_conv2d_params *p, const float *x, const float *a, const rt_epilogue *ep,
                              float *y, float *scratch)
{
	int cg = p->c / p->groups, og = p->oc / p->groups, m = og * p->kh * p->kw;
	int hw = p->h * p->w, cols = (int)RT_CONVT_COLS(m, hw);
	size_t plane = (size_t)p->oh * p->ow;
	for (int n = 0; n < p->n; n++) {
		float *yn = y + (size_t)n * p->oc * plane;
		memset(yn, 0, (size_t)p->oc * plane * sizeof *yn);
		for (int g = 0; g < p->groups; g++) {
			const float *xg = x + ((size_t)n * p->c + (size_t)g * cg) * hw;
			const float *ag = a + (size_t)g * RT_GEMM_PACKED(m, cg);
			for (int j0 = 0; j0 < hw; j0 += cols) {
				int count = hw - j0 < cols ? hw - j0 : cols;
				rt_gemm(m, count, cg, ag, xg + j0, hw, scratch, count, NULL);
				col2im(p, scratch, j0, count, yn + (size_t)g * og * plane);
			}
		}
		if (!ep || (!ep->bias && !ep->residual && ep->act == RT_ACT_NONE))
			continue;
		for (int o = 0; o < p->oc; o++) {
			size_t off = ((size_t)n * p->oc + o) * plane;
			rt_epilogue_row(ep, o, y + off, ep->residual ? ep->residual + off : NULL, ep->bias ? ep->bias[o] : 0,
			                (int)plane);
		}
	}
}
