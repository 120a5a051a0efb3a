/*
 * qops.c: the uint8 ops of an int8 region, portable C, exact; with
 * AVX2, quantize, add and max pool also in vector loops that compute
 * the same operations lane by lane (the same bytes, test_qgemm).
 *
 * An int8 region's values are uint8, NHWC (rank 2: N x F), each with a
 * scale and zero point: real = scale * (q - zp). Requantizing a real r
 * to a value of scale s and zero point z is PyTorch's quantize_val:
 * z + nearbyint(r * (1 / s)), clamped to 0..255 (here to lo..hi, which
 * folds a relu or relu6 after the op into the clamp).
 *
 * quantize / dequantize cross the region's border: float32 NCHW to and
 * from uint8 NHWC. The conv here is direct, for the grouped convs that
 * are neither groups 1 (rt_qconv2d) nor depthwise (rt_qconv2d_dw), over
 * weights packed at compile time as [oc][kh][kw][ic/groups], with
 * cnnrt_int8.h's requantization (rt_qepilogue). The pools follow PyTorch 1.13's
 * quantized kernels: a sum of (q - zp_x) over the window, times
 * scale_x / scale_y / divisor, rounded, plus zp_y.
 */
#include "cnnrt.h"
#include "qrequant.h" /* Q_OPAQUE */

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

/* z + nearbyint(r), clamped to lo..hi (r already divided by the scale). */
static unsigned char requant(float r, int z, int lo, int hi)
{
	float v = nearbyintf(r) + (float)z;
	return (unsigned char)(v < (float)lo ? lo : v > (float)hi ? hi : (int)v);
}

/* x: [n, c, hw] float32 -> y: [n, hw, c] uint8. */
void rt_quantize(int n, int c, int hw, const float *x, float scale, int zp, unsigned char *y)
{
	float inv = 1.0f / scale;
	for (int b = 0; b < n; b++)
		for (int ch = 0; ch < c; ch++) {
			const float *xp = x + ((size_t)b * c + ch) * hw;
			unsigned char *yp = y + (size_t)b * hw * c + ch;
			int i = 0;
#if defined(__AVX2__)
			/* 8 at a time, requant's operations lane by lane (vroundps is
			 * nearbyintf), stored at the channel's stride */
			__m256 vinv = _mm256_set1_ps(inv), vz = _mm256_set1_ps((float)zp);
			__m256 vhi = _mm256_set1_ps(255.0f);
			for (; i + 8 <= hw; i += 8) {
				__m256 r = _mm256_mul_ps(_mm256_loadu_ps(xp + i), vinv);
				__m256 v = _mm256_add_ps(_mm256_round_ps(r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), vz);
				__m256i q = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), vhi));
				int32_t lanes[8];
				_mm256_storeu_si256((__m256i *)lanes, q);
				for (int l = 0; l < 8; l++)
					yp[(size_t)(i + l) * c] = (unsigned char)lanes[l];
			}
#endif
			for (; i < hw; i++)
				yp[(size_t)i * c] = requant(xp[i] * inv, zp, 0, 255);
		}
}

/* x: [n, hw, c] uint8 -> y: [n, c, hw] float32. */
void rt_dequantize(int n, int c, int hw, const unsigned char *x, float scale, int zp, float *y)
{
	for (int b = 0; b < n; b++)
		for (int ch = 0; ch < c; ch++) {
			const unsigned char *xp = x + (size_t)b * hw * c + ch;
			float *yp = y + ((size_t)b * c + ch) * hw;
			for (int i = 0; i < hw; i++)
				yp[i] = (float)((int)xp[(size_t)i * c] - zp) * scale;
		}
}

/* x: [n, h, w, c] uint8, w: [oc][kh][kw][c / groups] int8 -> y: [n, oh,
 * ow, oc] uint8, requantized by ep (cnnrt_int8.h's formula; taps outside
 * the image are zp_x, as ep's bias assumes). */
void rt_qconv2d_direct(const rt_conv2d_params *p, const uint8_t *x, int zp_x, const int8_t *w, const rt_qepilogue *ep,
                       uint8_t *y)
{
	int cg = p->c / p->groups, og = p->oc / p->groups;
	for (int b = 0; b < p->n; b++)
		for (int oy = 0; oy < p->oh; oy++)
			for (int ox = 0; ox < p->ow; ox++) {
				uint8_t *yp = y + (((size_t)b * p->oh + oy) * p->ow + ox) * p->oc;
				for (int o = 0; o < p->oc; o++) {
					int g = o / og;
					int32_t acc = 0;
					for (int ky = 0; ky < p->kh; ky++)
						for (int kx = 0; kx < p->kw; kx++) {
							int iy = oy * p->sh - p->ph + ky * p->dh, ix = ox * p->sw - p->pw + kx * p->dw;
							int in = iy >= 0 && iy < p->h && ix >= 0 && ix < p->w;
							const uint8_t *xp = x + (((size_t)b * p->h + iy) * p->w + ix) * p->c + g * cg;
							const int8_t *wp = w + (((size_t)o * p->kh + ky) * p->kw + kx) * cg;
							for (int i = 0; i < cg; i++)
								acc += (in ? xp[i] : zp_x) * wp[i];
						}
					float s = (float)(acc + ep->bias[o]) + (ep->fbias ? ep->fbias[o] : 0.0f);
					float v = nearbyintf(s * ep->mult[o] + (float)ep->zp_y);
					yp[o] = (uint8_t)(v < (float)ep->lo ? ep->lo : v > (float)ep->hi ? ep->hi : (int)v);
				}
			}
}

/* a, b, y: count uint8 each (y may be a or b). PyTorch 1.13's quantized
 * add (qadd_kernel, one thread, contiguous) in its two loops: the AVX2
 * vector loop, 64 elements a step, dequantizes q as fma(s, q, s * -zp)
 * (one rounding, the zero point's product rounded apart), and its scalar
 * loop takes the last count % 64 as (q - zp) * s. Either way the real sum
 * da + db is requantized as z + nearbyint(r * (1 / sy)). The two round
 * differently near a half step, and over a deep net such a step grows
 * (resnet50's 3 of 100 outputs a step off with one formula for all). */
void rt_qadd(size_t count, const unsigned char *a, float sa, int za, const unsigned char *b, float sb, int zb,
             float sy, int zy, int lo, unsigned char *y)
{
	float inv = 1.0f / sy, pa = sa * -(float)za, pb = sb * -(float)zb;
	size_t vec = count - count % 64, i = 0;
#if defined(__AVX2__) && defined(__FMA__)
	/* the body 32 at a time, lane by lane the scalar body's operations:
	 * vfmadd is fmaf, vroundps(nearest) nearbyintf, then the same float
	 * add and clamp; the clamped value is an integer, converted exactly */
	__m256 vsa = _mm256_set1_ps(sa), vpa = _mm256_set1_ps(pa), vsb = _mm256_set1_ps(sb), vpb = _mm256_set1_ps(pb);
	__m256 vinv = _mm256_set1_ps(inv), vz = _mm256_set1_ps((float)zy), vlo = _mm256_set1_ps((float)lo);
	__m256 vhi = _mm256_set1_ps(255.0f);
	for (; i < vec; i += 32) {
		__m256i q[4];
		for (int j = 0; j < 4; j++) {
			__m128i a8 = _mm_loadl_epi64((const __m128i *)(a + i + 8 * j));
			__m128i b8 = _mm_loadl_epi64((const __m128i *)(b + i + 8 * j));
			__m256 da = _mm256_fmadd_ps(vsa, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(a8)), vpa);
			__m256 db = _mm256_fmadd_ps(vsb, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b8)), vpb);
			__m256 r = _mm256_mul_ps(_mm256_add_ps(da, db), vinv);
			__m256 v = _mm256_add_ps(_mm256_round_ps(r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), vz);
			q[j] = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, vlo), vhi));
		}
		/* packs work within 128-bit lanes: 0..7 | 8..15 | 16..23 | 24..31 back in order */
		__m256i w = _mm256_packus_epi16(_mm256_packus_epi32(q[0], q[1]), _mm256_packus_epi32(q[2], q[3]));
		w = _mm256_permutevar8x32_epi32(w, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
		_mm256_storeu_si256((__m256i *)(y + i), w);
	}
#endif
	for (; i < vec; i++) {
		float da = fmaf(sa, (float)a[i], pa), db = fmaf(sb, (float)b[i], pb);
		y[i] = requant((da + db) * inv, zy, lo, 255);
	}
	for (; i < count; i++) {
		float da = (float)((int)a[i] - za) * sa, db = (float)((int)b[i] - zb) * sb;
		Q_OPAQUE(da); /* two products, each rounded: no FMA */
		Q_OPAQUE(db);
		y[i] = requant((da + db) * inv, zy, lo, 255);
	}
}

/* x: count uint8 -> y: max(x, zp) (relu; in place ok). */
void rt_qrelu(size_t count, const unsigned char *x, int zp, unsigned char *y)
{
	for (size_t i = 0; i < count; i++)
		y[i] = x[i] > zp ? x[i] : (unsigned char)zp;
}

/* x: count uint8 -> y: x clamped to lo..hi (relu6 and hardtanh on their
 * input's grid, the bounds quantized by the compiler; in place ok). */
void rt_qclamp(size_t count, const unsigned char *x, int lo, int hi, unsigned char *y)
{
	for (size_t i = 0; i < count; i++)
		y[i] = x[i] < lo ? (unsigned char)lo : x[i] > hi ? (unsigned char)hi : x[i];
}

/* x: [rows, c] of scale sx, zero point zx -> columns off..off+c of y:
 * [rows, ldy] of scale sy, zero point zy (concat's piece). */
void rt_qcopy(size_t rows, int c, const unsigned char *x, float sx, int zx, float sy, int zy, int ldy,
              unsigned char *y)
{
	float inv = 1.0f / sy; /* PyTorch's quantized cat: dequantized, then quantized */
	int same = sx == sy && zx == zy;
	for (size_t r = 0; r < rows; r++)
		for (int i = 0; i < c; i++) {
			unsigned char q = x[r * c + i];
			y[r * ldy + i] = same ? q : requant((float)((int)q - zx) * sx * inv, zy, 0, 255);
		}
}

/* x: [n, h, w, c] -> y: [n, oh, ow, c]; padding never wins. Per output
 * pixel, with AVX2 32 channels at a time over the window's pixels, then
 * (the rest, or all without AVX2) the window's pixels in turn, each max
 * taken over the channels left (integer, exact). */
void rt_qmax_pool2d(const rt_pool2d_params *p, const unsigned char *x, unsigned char *y)
{
	size_t c = (size_t)p->c;
	for (int b = 0; b < p->n; b++)
		for (int oy = 0; oy < p->oh; oy++)
			for (int ox = 0; ox < p->ow; ox++) {
				unsigned char *yp = y + (((size_t)b * p->oh + oy) * p->ow + ox) * c;
				size_t ch0 = 0;
#if defined(__AVX2__)
				/* 32 channels at a time, the window's max kept in a register */
				for (; ch0 + 32 <= c; ch0 += 32) {
					__m256i m = _mm256_setzero_si256();
					for (int ky = 0; ky < p->kh; ky++) {
						int iy = oy * p->sh - p->ph + ky;
						for (int kx = 0; iy >= 0 && iy < p->h && kx < p->kw; kx++) {
							int ix = ox * p->sw - p->pw + kx;
							if (ix >= 0 && ix < p->w)
								m = _mm256_max_epu8(m, _mm256_loadu_si256((const __m256i *)(
								                           x + (((size_t)b * p->h + iy) * p->w + ix) * c + ch0)));
						}
					}
					_mm256_storeu_si256((__m256i *)(yp + ch0), m);
				}
#endif
				memset(yp + ch0, 0, c - ch0);
				for (int ky = 0; ky < p->kh; ky++) {
					int iy = oy * p->sh - p->ph + ky;
					for (int kx = 0; iy >= 0 && iy < p->h && kx < p->kw; kx++) {
						int ix = ox * p->sw - p->pw + kx;
						if (ix < 0 || ix >= p->w)
							continue;
						const unsigned char *xp = x + (((size_t)b * p->h + iy) * p->w + ix) * c;
						for (size_t ch = ch0; ch < c; ch++)
							yp[ch] = xp[ch] > yp[ch] ? xp[ch] : yp[ch];
					}
				}
			}
}

/* x: [n, h, w, c] -> y: [n, oh, ow, c]; PyTorch's divisor rules (as
 * rt_avg_pool2d), k = scale_x / scale_y. */
void rt_qavg_pool2d(const rt_pool2d_params *p, const unsigned char *x, int zx, float k, int zy, unsigned char *y)
{
	for (int b = 0; b < p->n; b++)
		for (int oy = 0; oy < p->oh; oy++)
			for (int ox = 0; ox < p->ow; ox++) {
				int y0 = oy * p->sh - p->ph, x0 = ox * p->sw - p->pw;
				int y1 = y0 + p->kh < p->h + p->ph ? y0 + p->kh : p->h + p->ph;
				int x1 = x0 + p->kw < p->w + p->pw ? x0 + p->kw : p->w + p->pw;
				int pool = (y1 - y0) * (x1 - x0);
				y0 = y0 > 0 ? y0 : 0;
				x0 = x0 > 0 ? x0 : 0;
				y1 = y1 < p->h ? y1 : p->h;
				x1 = x1 < p->w ? x1 : p->w;
				int cnt = (y1 - y0) * (x1 - x0);
				float m = k / (float)(p->count_include_pad ? pool : cnt);
				for (int ch = 0; ch < p->c; ch++) {
					long long acc = -(long long)zx * cnt;
					for (int iy = y0; iy < y1; iy++)
						for (int ix = x0; ix < x1; ix++)
							acc += x[(((size_t)b * p->h + iy) * p->w + ix) * p->c + ch];
					y[(((size_t)b * p->oh + oy) * p->ow + ox) * p->c + ch] = requant((float)acc * m, zy, 0, 255);
				}
			}
}

/* x: [n, h, w, c] -> y: [n, oh, ow, c]; bin i spans [floor(i*h/oh),
 * ceil((i+1)*h/oh)), k = scale_x / scale_y. */
void rt_qadaptive_avg_pool2d(int n, int c, int h, int w, int oh, int ow, const unsigned char *x, int zx, float k,
                             int zy, unsigned char *y)
{
	for (int b = 0; b < n; b++)
		for (int oy = 0; oy < oh; oy++) {
			int y0 = (int)((long long)oy * h / oh), y1 = (int)(((long long)(oy + 1) * h + oh - 1) / oh);
			for (int ox = 0; ox < ow; ox++) {
				int x0 = (int)((long long)ox * w / ow), x1 = (int)(((long long)(ox + 1) * w + ow - 1) / ow);
				int cnt = (y1 - y0) * (x1 - x0);
				float m = k / (float)cnt;
				for (int ch = 0; ch < c; ch++) {
					long long acc = -(long long)zx * cnt;
					for (int iy = y0; iy < y1; iy++)
						for (int ix = x0; ix < x1; ix++)
							acc += x[(((size_t)b * h + iy) * w + ix) * c + ch];
					y[(((size_t)b * oh + oy) * ow + ox) * c + ch] = requant((float)acc * m, zy, 0, 255);
				}
			}
		}
}
