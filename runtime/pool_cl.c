/*
 * pool_cl.c: pooling, batch norm and concat in the channel-chunked
 * layouts (NHWC, NCHW8c; see cl.h).
 *
 * The pools follow pool.c's rules exactly (window clipping, PyTorch's
 * divisors, NaN wins a max); they differ only in the order of the work:
 * for each output pixel, the window is walked once and each input pixel
 * contributes 8 channels at a time, which a chunked layout keeps next to
 * each other. Padding lanes are pooled like real ones (they hold zeros or
 * other finite values no real channel reads).
 */
#include <math.h>

#include "cnnrt.h"

#include "cl.h"

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

/* The pooling window of output (oy, ox) clipped to the input, and for
 * average pooling PyTorch's divisor (pool.c). */
typedef struct {
	int y0, y1, x0, x1; /* input rows [y0, y1), columns [x0, x1) */
	float div;          /* divisor of the sum */
} Window;

static Window window(const rt_pool2d_params *p, int oy, int ox)
{
	Window v;
	v.y0 = oy * p->sh - p->ph;
	v.x0 = ox * p->sw - p->pw;
	int y1 = imin(v.y0 + p->kh, p->h + p->ph), x1 = imin(v.x0 + p->kw, p->w + p->pw);
	int pool_size = (y1 - v.y0) * (x1 - v.x0);
	v.y0 = imax(v.y0, 0), v.x0 = imax(v.x0, 0);
	v.y1 = imin(y1, p->h), v.x1 = imin(x1, p->w);
	v.div = (float)(p->count_include_pad ? pool_size : (v.y1 - v.y0) * (v.x1 - v.x0));
	return v;
}

/* max (is_max) or sum of x over the window, lanes [l, l + lanes) of a
 * chunk; x points at the chunk's first pixel. */
static void pool_lanes(const float *x, int w, int cl, const Window *v, int l, int lanes, int is_max, float *out)
{
	if (lanes == 8) {
		v8 a = v8_set1(is_max ? -INFINITY : 0.0f);
		for (int iy = v->y0; iy < v->y1; iy++)
			for (int ix = v->x0; ix < v->x1; ix++) {
				v8 t = v8_load(x + ((size_t)iy * w + ix) * cl + l);
				a = is_max ? v8_max_nan(a, t) : v8_add(a, t);
			}
		v8_store(out, a);
		return;
	}
	for (int i = 0; i < lanes; i++) {
		float m = is_max ? -INFINITY : 0.0f;
		for (int iy = v->y0; iy < v->y1; iy++)
			for (int ix = v->x0; ix < v->x1; ix++) {
				float t = x[((size_t)iy * w + ix) * cl + l + i];
				m = is_max ? (t > m || t != t ? t : m) : m + t;
			}
		out[i] = m;
	}
}

static void pool_cl(const rt_pool2d_params *p, int cl, const float *x, float *y, int is_max)
{
	int nb = cl_chunks(p->c, cl), hw = p->h * p->w, ohw = p->oh * p->ow;
	for (int n = 0; n < p->n; n++)
		for (int b = 0; b < nb; b++) {
			const float *xb = x + cl_at(p->c, hw, cl, n, b * cl, 0);
			float *yb = y + cl_at(p->c, ohw, cl, n, b * cl, 0);
			for (int oy = 0; oy < p->oh; oy++)
				for (int ox = 0; ox < p->ow; ox++) {
					Window v = window(p, oy, ox);
					float *yp = yb + ((size_t)oy * p->ow + ox) * cl;
					for (int l = 0; l < cl; l += 8) {
						float t[8];
						int lanes = imin(8, cl - l);
						pool_lanes(xb, p->w, cl, &v, l, lanes, is_max, t);
						for (int i = 0; i < lanes; i++)
							yp[l + i] = is_max ? t[i] : t[i] / v.div;
					}
				}
		}
}

/* x: [n, c, h, w] -> y: [n, c, oh, ow], chunks of cl */
void rt_max_pool2d_cl(const rt_pool2d_params *p, int cl, const float *x, float *y) { pool_cl(p, cl, x, y, 1); }

/* x: [n, c, h, w] -> y: [n, c, oh, ow], chunks of cl */
void rt_avg_pool2d_cl(const rt_pool2d_params *p, int cl, const float *x, float *y) { pool_cl(p, cl, x, y, 0); }

/* x: [n, c, h, w] -> y: [n, c, oh, ow], chunks of cl; bin i spans
 * [floor(i*h/oh), ceil((i+1)*h/oh)) */
void rt_adaptive_avg_pool2d_cl(int n, int c, int h, int w, int oh, int ow, int cl, const float *x, float *y)
{
	int nb = cl_chunks(c, cl);
	for (int i = 0; i < n; i++)
		for (int b = 0; b < nb; b++) {
			const float *xb = x + cl_at(c, h * w, cl, i, b * cl, 0);
			float *yb = y + cl_at(c, oh * ow, cl, i, b * cl, 0);
			for (int oy = 0; oy < oh; oy++)
				for (int ox = 0; ox < ow; ox++) {
					Window v;
					v.y0 = (int)((long long)oy * h / oh);
					v.y1 = (int)(((long long)(oy + 1) * h + oh - 1) / oh);
					v.x0 = (int)((long long)ox * w / ow);
					v.x1 = (int)(((long long)(ox + 1) * w + ow - 1) / ow);
					float div = (float)((v.y1 - v.y0) * (v.x1 - v.x0));
					float *yp = yb + ((size_t)oy * ow + ox) * cl;
					for (int l = 0; l < cl; l += 8) {
						float t[8];
						int lanes = imin(8, cl - l);
						pool_lanes(xb, w, cl, &v, l, lanes, 0, t);
						for (int k = 0; k < lanes; k++)
							yp[l + k] = t[k] / div;
					}
				}
		}
}

/* x, y: [n, c, hw] in chunks of cl; padding lanes become 0 */
void rt_batch_norm_cl(int n, int c, int hw, int cl, const float *x, const float *gamma, const float *beta,
                      const float *mean, const float *var, float eps, float *y)
{
	int nb = cl_chunks(c, cl);
	for (int i = 0; i < n; i++)
		for (int b = 0; b < nb; b++)
			for (int l = 0; l < cl; l++) {
				int ch = b * cl + l;
				size_t at = cl_at(c, hw, cl, i, ch, 0);
				if (ch >= c) {
					for (int s = 0; s < hw; s++)
						y[at + (size_t)s * cl] = 0.0f;
					continue;
				}
				float invstd = 1.0f / sqrtf(var[ch] + eps), m = mean[ch], g = gamma[ch], bt = beta[ch];
				for (int s = 0; s < hw; s++)
					y[at + (size_t)s * cl] = (x[at + (size_t)s * cl] - m) * invstd * g + bt;
			}
}

/* x: [n, c, hw] in chunks of cl_in -> channels [c_off, c_off + c) of
 * y: [n, c_total, hw] in chunks of cl_out. The input that ends at
 * c_total also zeroes y's padding lanes. Whole chunks are copied as rows
 * when they line up (NCHW8c with c_off a multiple of 8); otherwise one
 * channel at a time (NHWC: a pixel's c channels at once). */
void rt_concat_part_cl(int n, int c, int hw, int cl_in, const float *x, int c_total, int c_off, int cl_out,
                       float *y)
{
	int pad_end = c_off + c == c_total ? cl_chunks(c_total, cl_out) * cl_out : c_off + c;
	for (int i = 0; i < n; i++) {
		if (cl_in == c && cl_out == c_total) { /* NHWC */
			for (int s = 0; s < hw; s++)
				memcpy(y + cl_at(c_total, hw, cl_out, i, c_off, s), x + cl_at(c, hw, cl_in, i, 0, s),
				       (size_t)c * sizeof *y);
			continue;
		}
		for (int ch = 0; ch < pad_end - c_off;) {
			int o = c_off + ch;
			float *yc = y + cl_at(c_total, hw, cl_out, i, o, 0);
			if (ch >= c) { /* padding lanes past c_total */
				for (int s = 0; s < hw; s++)
					yc[(size_t)s * cl_out] = 0.0f;
				ch++;
				continue;
			}
			const float *xc = x + cl_at(c, hw, cl_in, i, ch, 0);
			if (cl_in == cl_out && ch % cl_in == 0 && o % cl_out == 0 && ch + cl_in <= c) {
				memcpy(yc, xc, (size_t)hw * cl_in * sizeof *y);
				ch += cl_in;
				continue;
			}
			for (int s = 0; s < hw; s++)
				yc[(size_t)s * cl_out] = xc[(size_t)s * cl_in];
			ch++;
		}
	}
}
