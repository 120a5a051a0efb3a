/*
 * test_qgemm.c: the int8 kernels (runtime/qgemm.c, qconv.c) against plain
 * reference loops written here from cnnrt_int8.h's formulas.
 *
 * The references use the weights unpacked, so they also check rt_qpack's
 * layout; their requantization is the header's formula written out
 * again. Cases: random data with odd sizes (K tails of 1, 2 and 3, M not
 * a multiple of 16, ldx > K, ldy > M), exact ties (rounded to even
 * after the zero point is added), the extremes that saturate an
 * int16 pair sum (X = 255 everywhere against W = -128 and W = 127
 * everywhere), with and without the float bias, clamps (lo/hi of a fused relu and relu6), convolutions
 * with stride, padding, dilation (im2col and the depthwise kernel, 3x3
 * and 5x5, stride 1 and 2), and 1, 2 and 3 threads, which must give the
 * same bytes; rt_qadd (its vector loop and tails) and rt_qmax_pool2d
 * against their formulas. X is allocated to exactly its last row's K bytes, so a
 * kernel that reads past it fails under ASan. The test is built for every
 * target's library as well as with $rtflags (configure.py), so every
 * vector path must give the generic C's bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cnnrt.h"

static unsigned seed = 1;

static int rnd(int lo, int hi) /* uniform in [lo, hi] */
{
	seed = seed * 1103515245u + 12345u;
	return lo + (int)((seed >> 8) % (unsigned)(hi - lo + 1));
}

/* cnnrt_int8.h's formula; volatile keeps the product and sum apart (the
 * targets' -ffp-contract=fast would fuse them). */
static uint8_t ref_requant(int32_t acc, float fbias, float mult, int zp, int lo, int hi)
{
	volatile float v = ((float)acc + fbias) * mult;
	float r = nearbyintf(v + (float)zp);
	return (uint8_t)(r < lo ? lo : r > hi ? hi : r);
}

/* One GEMM case: sizes, strides, data; xval/wval >= -128 fill X / W with
 * that value instead of random ones; wval -1000 draws W in -2..2 with
 * mult 1/16, whole float biases and an odd zero point, so that one sum
 * in 16 is a tie whose rounding depends on when the zero point is added. */
static void gemm_case(int P, int M, int K, int ldx, int ldy, int xval, int wval, int relu)
{
	int ties = wval == -1000;
	/* X exactly as long as its last row's K values */
	size_t xn = (size_t)(P - 1) * ldx + K;
	uint8_t *X = malloc(xn);
	int8_t *W = malloc((size_t)M * K), *Wp = malloc(rt_qpack_size(M, K));
	int32_t *bias = malloc(M * sizeof *bias);
	float *mult = malloc(M * sizeof *mult), *fbias = malloc(M * sizeof *fbias);
	uint8_t *Y = malloc((size_t)P * ldy), *R = malloc((size_t)P * ldy);
	assert_true(X && W && Wp && bias && mult && fbias && Y && R);
	for (size_t i = 0; i < xn; i++)
		X[i] = (uint8_t)(xval >= 0 ? xval : rnd(0, 255));
	for (size_t i = 0; i < (size_t)M * K; i++)
		W[i] = (int8_t)(wval >= -128 ? wval : ties ? rnd(-2, 2) : rnd(-128, 127));
	int zp = ties ? 2 * rnd(0, 127) + 1 : rnd(0, 255), lo = relu ? zp : 0, hi = relu == 2 ? (zp + 40 < 255 ? zp + 40 : 255) : 255;
	for (int m = 0; m < M; m++) {
		bias[m] = rnd(-100000, 100000);
		fbias[m] = (float)rnd(-100000, 100000) / 7.0f;
		/* scales that bring sums of K products into a few hundred */
		mult[m] = (float)rnd(1, 1000) / 1000.0f / (float)(40 * K + 1) * (m % 5 == 0 ? 100.0f : 1.0f);
		if (ties)
			bias[m] = rnd(-2000, 2000), fbias[m] = (float)rnd(-2000, 2000), mult[m] = 1.0f / 16;
	}
	rt_qpack(M, K, W, Wp);
	memset(R, 0xa5, (size_t)P * ldy);
	/* with and without the float bias (rt_qgemm_ep, rt_qgemm) */
	for (int fb = 0; fb < 2; fb++) {
		for (int p = 0; p < P; p++)
			for (int m = 0; m < M; m++) {
				int32_t acc = bias[m];
				for (int k = 0; k < K; k++)
					acc += (int32_t)X[(size_t)p * ldx + k] * W[(size_t)m * K + k];
				R[(size_t)p * ldy + m] = ref_requant(acc, fb ? fbias[m] : 0.0f, mult[m], zp, lo, hi);
			}
		rt_qepilogue ep = {bias, fbias, mult, zp, lo, hi};
		for (int t = 1; t <= 3; t++) {
			rt_threads(t);
			memset(Y, 0xa5, (size_t)P * ldy); /* bytes past M must stay */
			if (fb)
				rt_qgemm_ep(P, M, K, X, ldx, Wp, &ep, Y, ldy);
			else
				rt_qgemm(P, M, K, X, ldx, Wp, bias, mult, zp, lo, hi, Y, ldy);
			assert_memory_equal(Y, R, (size_t)P * ldy);
		}
	}
	rt_threads(1);
	free(X), free(W), free(Wp), free(bias), free(mult), free(fbias), free(Y), free(R);
}

static void test_pack(void **state)
{
	(void)state;
	int M = 19, K = 7;
	int8_t W[19 * 7], Wp[32 * 8];
	assert_int_equal(rt_qpack_size(M, K), sizeof Wp);
	for (int i = 0; i < M * K; i++)
		W[i] = (int8_t)(i % 251 - 120);
	rt_qpack(M, K, W, Wp);
	for (int mb = 0; mb < 2; mb++)
		for (int k4 = 0; k4 < 2; k4++)
			for (int mi = 0; mi < 16; mi++)
				for (int kj = 0; kj < 4; kj++) {
					int m = mb * 16 + mi, k = k4 * 4 + kj;
					assert_int_equal(Wp[((mb * 2 + k4) * 16 + mi) * 4 + kj], m < M && k < K ? W[m * K + k] : 0);
				}
}

static void test_gemm_random(void **state)
{
	(void)state;
	static const int sizes[][3] = {{1, 1, 1}, {7, 19, 37}, {13, 16, 4}, {33, 37, 13}, {50, 64, 576},
	                               {49, 70, 102}, {6, 3, 5}, {100, 48, 66}, {17, 33, 1027},
	                               /* AVX2: X split in blocks of 60 rows (128 KB) with a block of 10
	                                * left; a K too long for even one tile (the unsplit kernel) */
	                               {130, 37, 1027}, {9, 21, 16411}};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		int P = sizes[i][0], M = sizes[i][1], K = sizes[i][2];
		gemm_case(P, M, K, K, M, -1, -999, 0);
		gemm_case(P, M, K, K + 3, M + 5, -1, -999, (int)(i % 3));
	}
}

static void test_gemm_ties(void **state)
{
	(void)state;
	gemm_case(37, 21, 19, 19, 21, -1, -1000, 0);
	gemm_case(64, 48, 64, 67, 50, -1, -1000, 0);
}

static void test_gemm_extremes(void **state)
{
	(void)state;
	static const int sizes[][3] = {{9, 21, 7}, {40, 32, 256}, {5, 16, 1}, {31, 17, 130}};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (int w = 0; w < 2; w++) {
			int P = sizes[i][0], M = sizes[i][1], K = sizes[i][2];
			gemm_case(P, M, K, K, M, 255, w ? 127 : -128, 0);
			gemm_case(P, M, K, K + 1, M, 255, w ? 127 : -128, 0);
		}
}

/* rt_qgemm_f32: the dequantized sums. */
static void test_gemm_f32(void **state)
{
	(void)state;
	int P = 11, M = 21, K = 43;
	uint8_t *X = malloc((size_t)P * K);
	int8_t W[21 * 43], Wp[32 * 44];
	int32_t bias[21];
	float scale[21], fbias[21], *Y = malloc((size_t)P * M * sizeof *Y);
	assert_true(X && Y);
	for (int i = 0; i < P * K; i++)
		X[i] = (uint8_t)rnd(0, 255);
	for (int i = 0; i < M * K; i++)
		W[i] = (int8_t)rnd(-128, 127);
	for (int m = 0; m < M; m++)
		bias[m] = rnd(-5000, 5000), scale[m] = (float)rnd(1, 999) * 1e-6f, fbias[m] = (float)rnd(-999, 999) / 3.0f;
	rt_qpack(M, K, W, Wp);
	rt_qepilogue ep = {bias, fbias, scale, 0, 0, 255};
	rt_qgemm_f32(P, M, K, X, K, Wp, &ep, Y, M);
	for (int p = 0; p < P; p++)
		for (int m = 0; m < M; m++) {
			int32_t acc = bias[m];
			for (int k = 0; k < K; k++)
				acc += X[p * K + k] * W[m * K + k];
			float r = ((float)acc + fbias[m]) * scale[m];
			assert_memory_equal(&Y[p * M + m], &r, sizeof r);
		}
	free(X), free(Y);
}

/* A convolution case: NHWC x, weights [oc][kh][kw][c]; checks rt_qconv2d
 * (groups 1) or rt_qconv2d_dw (depthwise) against direct loops. */
static void conv_case(rt_conv2d_params p, int depthwise)
{
	p.oh = (p.h + 2 * p.ph - p.dh * (p.kh - 1) - 1) / p.sh + 1;
	p.ow = (p.w + 2 * p.pw - p.dw * (p.kw - 1) - 1) / p.sw + 1;
	int taps = p.kh * p.kw * (depthwise ? 1 : p.c), K = p.kh * p.kw * p.c, ldy = p.oc + 3;
	size_t xn = (size_t)p.n * p.h * p.w * p.c, yn = (size_t)p.n * p.oh * p.ow * ldy;
	size_t wn = depthwise ? (size_t)K : (size_t)p.oc * K;
	uint8_t *x = malloc(xn), *y = malloc(yn), *r = malloc(yn);
	int8_t *w = malloc(wn), *wp = depthwise ? NULL : malloc(rt_qpack_size(p.oc, K));
	int32_t *bias = malloc(p.oc * sizeof *bias);
	float *mult = malloc(p.oc * sizeof *mult), *fbias = malloc(p.oc * sizeof *fbias);
	uint8_t *scratch = malloc((size_t)RT_QCONV_SCRATCH(p.c, p.kh, p.kw, p.oh * p.ow, 3));
	assert_true(x && y && r && w && bias && mult && fbias && scratch);
	for (size_t i = 0; i < xn; i++)
		x[i] = (uint8_t)rnd(0, 255);
	for (size_t i = 0; i < wn; i++)
		w[i] = (int8_t)rnd(-128, 127);
	int zx = rnd(0, 255), zy = rnd(0, 255);
	for (int o = 0; o < p.oc; o++)
		bias[o] = rnd(-50000, 50000), mult[o] = (float)rnd(1, 1000) / 1000.0f / (float)(20 * taps + 1),
		fbias[o] = (float)rnd(-50000, 50000) / 3.0f;
	rt_qepilogue ep = {bias, fbias, mult, zy, depthwise ? zy : 0, 255}; /* a fused relu on depthwise */
	if (wp)
		rt_qpack(p.oc, K, w, wp);
	memset(r, 0x5a, yn);
	for (int n = 0; n < p.n; n++)
		for (int oy = 0; oy < p.oh; oy++)
			for (int ox = 0; ox < p.ow; ox++)
				for (int o = 0; o < p.oc; o++) {
					int32_t acc = bias[o];
					for (int ky = 0; ky < p.kh; ky++)
						for (int kx = 0; kx < p.kw; kx++) {
							int iy = oy * p.sh - p.ph + ky * p.dh, ix = ox * p.sw - p.pw + kx * p.dw;
							int in = iy >= 0 && iy < p.h && ix >= 0 && ix < p.w;
							for (int ci = depthwise ? o : 0; ci < (depthwise ? o + 1 : p.c); ci++) {
								int v = in ? x[(((size_t)n * p.h + iy) * p.w + ix) * p.c + ci] : zx;
								int wv = depthwise ? w[(ky * p.kw + kx) * p.c + o]
								                   : w[(((size_t)o * p.kh + ky) * p.kw + kx) * p.c + ci];
								acc += v * wv;
							}
						}
					r[(((size_t)n * p.oh + oy) * p.ow + ox) * ldy + o] = ref_requant(acc, fbias[o], mult[o], zy, ep.lo, 255);
				}
	for (int t = 1; t <= 3; t++) {
		rt_threads(t);
		memset(y, 0x5a, yn);
		if (depthwise)
			rt_qconv2d_dw(&p, x, zx, w, &ep, y, ldy);
		else
			rt_qconv2d(&p, t, x, zx, wp, &ep, y, ldy, scratch);
		assert_memory_equal(y, r, yn);
	}
	rt_threads(1);
	free(x), free(y), free(r), free(w), free(wp), free(bias), free(mult), free(fbias), free(scratch);
}

static void test_conv(void **state)
{
	(void)state;
	/*                        n  c  h   w  oc oh ow kh kw sh sw ph pw dh dw g */
	conv_case((rt_conv2d_params){2, 3, 11, 9, 13, 0, 0, 3, 3, 1, 1, 1, 1, 1, 1, 1}, 0);
	conv_case((rt_conv2d_params){1, 13, 12, 13, 37, 0, 0, 3, 3, 2, 2, 1, 1, 1, 1, 1}, 0);
	conv_case((rt_conv2d_params){1, 5, 9, 10, 7, 0, 0, 3, 2, 1, 2, 2, 0, 2, 1, 1}, 0);
	conv_case((rt_conv2d_params){2, 37, 7, 5, 19, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1}, 0);
	conv_case((rt_conv2d_params){1, 17, 9, 9, 33, 0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 1}, 0);
	conv_case((rt_conv2d_params){1, 3, 23, 21, 16, 0, 0, 7, 7, 2, 2, 3, 3, 1, 1, 1}, 0);
}

static void test_depthwise(void **state)
{
	(void)state;
	/*                        n  c  h   w  oc oh ow kh kw sh sw ph pw dh dw g */
	conv_case((rt_conv2d_params){2, 13, 11, 9, 13, 0, 0, 3, 3, 1, 1, 1, 1, 1, 1, 13}, 1);
	conv_case((rt_conv2d_params){1, 37, 12, 13, 37, 0, 0, 3, 3, 2, 2, 1, 1, 1, 1, 37}, 1);
	conv_case((rt_conv2d_params){1, 70, 10, 9, 70, 0, 0, 5, 5, 1, 1, 2, 2, 1, 1, 70}, 1);
	conv_case((rt_conv2d_params){1, 33, 13, 12, 33, 0, 0, 5, 5, 2, 2, 2, 2, 1, 1, 33}, 1);
	conv_case((rt_conv2d_params){1, 3, 9, 9, 3, 0, 0, 3, 3, 1, 1, 0, 0, 1, 1, 3}, 1);
	/* even tap counts (2x4, 4x4), stride 3, padding on one axis */
	conv_case((rt_conv2d_params){1, 19, 11, 14, 19, 0, 0, 2, 4, 3, 3, 1, 0, 1, 1, 19}, 1);
	conv_case((rt_conv2d_params){2, 16, 10, 10, 16, 0, 0, 4, 4, 1, 3, 2, 1, 1, 1, 16}, 1);
	conv_case((rt_conv2d_params){1, 16, 9, 11, 16, 0, 0, 3, 3, 1, 2, 2, 1, 2, 2, 16}, 1);
	conv_case((rt_conv2d_params){2, 64, 8, 8, 64, 0, 0, 3, 3, 1, 1, 1, 1, 1, 1, 64}, 1);
	conv_case((rt_conv2d_params){1, 20, 12, 11, 20, 0, 0, 7, 7, 1, 2, 3, 3, 1, 1, 20}, 1); /* > 25 taps */
	conv_case((rt_conv2d_params){1, 45, 9, 10, 45, 0, 0, 3, 3, 2, 2, 1, 1, 1, 1, 45}, 1); /* 16s, an 8, 5 */
	/* AVX-512's 32 channels at a time: two 32s and a 16, dilated, 2x4
	 * taps; 7x7 (> 25 taps: 16s only) */
	conv_case((rt_conv2d_params){1, 80, 11, 12, 80, 0, 0, 3, 3, 1, 1, 2, 2, 2, 2, 80}, 1);
	conv_case((rt_conv2d_params){2, 40, 9, 13, 40, 0, 0, 2, 4, 2, 1, 0, 1, 1, 1, 40}, 1);
	conv_case((rt_conv2d_params){1, 48, 12, 11, 48, 0, 0, 7, 7, 1, 1, 3, 3, 1, 1, 48}, 1);
}

/* rt_qadd against qops.c's formula written out: the first count - count
 * % 64 elements dequantized as fmaf(s, q, s * -zp) (PyTorch's vector
 * body), the rest each product rounded on its own (its scalar tail), the
 * sum times 1/sy rounded half to even, zy added, clamped to lo..255.
 * Counts below, at and past 64 and the vector loop's 32 lanes, random
 * bytes, scales whose FMA and separate roundings differ, and sa = sb = sy
 * with za + zb - zy even, where half of the sums are exact ties; in place
 * too (y == a). */
static void qadd_case(int count, float sa, int za, float sb, int zb, float sy, int zy, int lo)
{
	uint8_t *a = malloc((size_t)count), *b = malloc((size_t)count), *y = malloc((size_t)count);
	uint8_t *want = malloc((size_t)count);
	for (int i = 0; i < count; i++) {
		a[i] = (uint8_t)(count == 256 * 256 ? i >> 8 : rnd(0, 255)); /* 65536: every pair once */
		b[i] = (uint8_t)(count == 256 * 256 ? i : rnd(0, 255));
	}
	float inv = 1.0f / sy;
	for (int i = 0; i < count; i++) {
		volatile float pa = (float)(a[i] - za) * sa, pb = (float)(b[i] - zb) * sb;
		if (i < count - count % 64) {
			pa = fmaf(sa, (float)a[i], sa * -(float)za);
			pb = fmaf(sb, (float)b[i], sb * -(float)zb);
		}
		volatile float r = (pa + pb) * inv;
		float v = nearbyintf(r) + (float)zy;
		want[i] = (uint8_t)(v < lo ? lo : v > 255 ? 255 : v);
	}
	rt_qadd((size_t)count, a, sa, za, b, sb, zb, sy, zy, lo, y);
	assert_memory_equal(y, want, (size_t)count);
	rt_qadd((size_t)count, a, sa, za, b, sb, zb, sy, zy, lo, a);
	assert_memory_equal(a, want, (size_t)count);
	free(a), free(b), free(y), free(want);
}

static void test_qadd(void **state)
{
	(void)state;
	for (int count = 1; count <= 41; count += 2) {
		qadd_case(count, 0.0371f, 128, 0.0219f, 97, 0.0483f, 120, 0);
		qadd_case(count, 0.0371f, 3, 0.0219f, 250, 0.0483f, 17, 40); /* a fused relu's clamp */
		qadd_case(count, 0.125f, 100, 0.125f, 30, 0.25f, 5, 0);      /* ties */
	}
	qadd_case(1000, 0.5f, 0, 0.5f, 255, 0.01f, 128, 0); /* saturating both ways */
	static const int body[] = {63, 64, 65, 100, 127, 128, 200}; /* the FMA body and its tails */
	for (size_t k = 0; k < sizeof body / sizeof body[0]; k++) {
		int count = body[k];
		qadd_case(count, 0.0371f, 128, 0.0219f, 97, 0.0483f, 120, 0);
		qadd_case(count, 0.0371f, 3, 0.0219f, 250, 0.0483f, 17, 40);
		qadd_case(count, 0.0123457f, 77, 0.0987654f, 201, 0.0333333f, 61, 0);
	}
	qadd_case(64 * 20, 0.0123457f, 77, 0.0987654f, 201, 0.0333333f, 61, 61);
	/* every pair of bytes, with scales (found by search) where the FMA
	 * body's outputs differ from the separately rounded formula's (2 of
	 * the 65536) and from a product rounded before its add (5) */
	qadd_case(256 * 256, 0.0478509739f, 214, 0.0855366662f, 51, 0.0419188812f, 105, 0);
}

/* rt_quantize against quantize_val written out: zp + nearbyint(x * (1 /
 * scale)), clamped to 0..255, NCHW float to NHWC uint8: hw below, at and
 * past the vector loop's 8 (tails 1..7), exact ties (rounded to even),
 * values past both ends, infinities. */
static void test_quantize(void **state)
{
	(void)state;
	static const int hws[] = {1, 7, 8, 9, 37, 64};
	for (size_t h = 0; h < sizeof hws / sizeof hws[0]; h++) {
		int n = 2, c = 3, hw = hws[h], count = n * c * hw, zp = 97;
		float scale = 0.25f, *x = malloc((size_t)count * sizeof *x);
		uint8_t *y = malloc((size_t)count), *want = malloc((size_t)count);
		for (int i = 0; i < count; i++)
			x[i] = i % 11 == 0   ? (float)rnd(-600, 600) * 0.125f /* ties at a multiple of 0.125 */
			       : i % 13 == 0 ? (i % 2 ? INFINITY : -INFINITY)
			                     : (float)rnd(-40000, 40000) * 0.00123f;
		for (int b = 0; b < n; b++)
			for (int ch = 0; ch < c; ch++)
				for (int i = 0; i < hw; i++) {
					volatile float r = x[((size_t)b * c + ch) * hw + i] * (1.0f / scale);
					float v = nearbyintf(r) + (float)zp;
					want[((size_t)b * hw + i) * c + ch] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
				}
		rt_quantize(n, c, hw, x, scale, zp, y);
		assert_memory_equal(y, want, (size_t)count);
		free(x), free(y), free(want);
	}
}

/* rt_qmax_pool2d against the max over each window's pixels inside the
 * image, channel by channel (odd channel counts, padding, stride). */
static void maxpool_case(rt_pool2d_params p)
{
	p.oh = (p.h + 2 * p.ph - p.kh) / p.sh + 1;
	p.ow = (p.w + 2 * p.pw - p.kw) / p.sw + 1;
	size_t xn = (size_t)p.n * p.h * p.w * p.c, yn = (size_t)p.n * p.oh * p.ow * p.c;
	uint8_t *x = malloc(xn), *y = malloc(yn), *want = malloc(yn);
	for (size_t i = 0; i < xn; i++)
		x[i] = (uint8_t)rnd(0, 255);
	for (int b = 0; b < p.n; b++)
		for (int oy = 0; oy < p.oh; oy++)
			for (int ox = 0; ox < p.ow; ox++)
				for (int ch = 0; ch < p.c; ch++) {
					int m = 0;
					for (int iy = oy * p.sh - p.ph; iy < oy * p.sh - p.ph + p.kh; iy++)
						for (int ix = ox * p.sw - p.pw; ix < ox * p.sw - p.pw + p.kw; ix++)
							if (iy >= 0 && iy < p.h && ix >= 0 && ix < p.w) {
								int v = x[(((size_t)b * p.h + iy) * p.w + ix) * p.c + ch];
								m = v > m ? v : m;
							}
					want[(((size_t)b * p.oh + oy) * p.ow + ox) * p.c + ch] = (uint8_t)m;
				}
	rt_qmax_pool2d(&p, x, y);
	assert_memory_equal(y, want, yn);
	free(x), free(y), free(want);
}

static void test_qmax_pool(void **state)
{
	(void)state;
	/*                          n  c   h   w  oh ow kh kw sh sw ph pw cip */
	maxpool_case((rt_pool2d_params){2, 13, 11, 9, 0, 0, 3, 3, 2, 2, 1, 1, 0});
	maxpool_case((rt_pool2d_params){1, 64, 12, 12, 0, 0, 3, 3, 2, 2, 1, 1, 0});
	maxpool_case((rt_pool2d_params){1, 37, 7, 8, 0, 0, 2, 2, 2, 2, 0, 0, 0});
	maxpool_case((rt_pool2d_params){1, 1, 5, 5, 0, 0, 3, 2, 1, 1, 1, 1, 0});
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack),          cmocka_unit_test(test_gemm_random), cmocka_unit_test(test_gemm_ties),
		cmocka_unit_test(test_gemm_extremes), cmocka_unit_test(test_gemm_f32),    cmocka_unit_test(test_conv),
		cmocka_unit_test(test_depthwise),     cmocka_unit_test(test_qadd),        cmocka_unit_test(test_qmax_pool),
		cmocka_unit_test(test_quantize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
