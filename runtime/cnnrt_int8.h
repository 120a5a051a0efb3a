/*
 * cnnrt_int8.h: the runtime's int8 kernels (qgemm.c, qconv.c), included
 * by cnnrt.h.
 *
 * The scheme is PyTorch's x86 (onednn) one: activations uint8, asymmetric
 * per tensor (real = s * (q - zp)); weights int8, symmetric per output
 * channel (real = s_w[m] * q); products summed exactly in int32; each
 * output requantized once, as it is stored (rt_qepilogue):
 *     s = (float)(acc + bias[m]) + fbias[m]
 *     y = clamp(rhe(s * mult[m] + zp_y), lo, hi)
 * in float32, one rounding per operation (never fused into an FMA), rhe
 * rounding half to even, lo/hi 0/255 or a fused relu's or relu6's clamp.
 * This is what PyTorch 1.13's quantized conv and linear compute on the
 * onednn engine (found by experiment, tests/runtime/check_int8.py),
 * byte for byte when the compiler computes the per-channel constants as
 * it does, each reciprocal in double then rounded to float:
 *     ix = (float)(1 / s_x), iy = (float)(1 / s_y), iw = (float)(1 / s_w[m])
 *     mult[m]  = iy / (ix * iw)
 *     fbias[m] = (float)b[m] * (ix * iw)        (b the float bias)
 *     bias[m]  = -zp_x * sum_k W[m][k]          (int32, exact)
 * With fbias NULL and b rounded into bias instead, about one output in
 * a thousand differs from PyTorch's by one.
 * Activations are NHWC: a pixel's channels contiguous, since the dot
 * products run along them (AVX-512 VNNI's vpdpbusd sums 4 adjacent u8 x
 * s8 products). Padding is zp_x, the real zero, so that the compile-time
 * bias fold (zp_x times the sum of all taps) is right at the borders too.
 * Accumulators do not overflow while K <= 65536 (255 * 128 * K < 2^31).
 * Each kernel gives the same bytes on every target and any thread count.
 */
#ifndef CNNRT_INT8_H
#define CNNRT_INT8_H

#include <stddef.h>
#include <stdint.h>

/* What an int8 kernel does to the int32 sum acc of output channel m as it
 * stores it (the formula above). */
typedef struct {
	const int32_t *bias; /* int32 [M] added to acc: -zp_x * sum_k W[m][k]
	                        (plus the bias, when rounded to acc's unit) */
	const float *fbias;  /* float [M] added after conversion to float: the
	                        bias in acc's unit, or NULL (none) */
	const float *mult;   /* float [M]: s_x * s_w[m] / s_y as above; for a
	                        float output (rt_qgemm_f32), s_x * s_w[m] */
	int zp_y;            /* output zero point, 0..255 */
	int lo, hi;          /* output clamp, 0 <= lo <= hi <= 255 */
} rt_qepilogue;

/* ---- qgemm.c -------------------------------------------------------- */

/* The packed weight layout, the same on every target so that the
 * compiler packs at compile time from these constants alone: M rounded
 * up to RT_QGEMM_MR, K up to RT_QGEMM_KR, with K4 = ceil(K / 4),
 *     Wp[((mb * K4 + k4) * 16 + mi) * 4 + kj] = W[mb*16 + mi][k4*4 + kj],
 * zero where out of range: per block of 16 output channels, per group of
 * 4 k, the 16 channels' 4 weights (64 bytes, one AVX-512 register). */
#define RT_QGEMM_MR 16
#define RT_QGEMM_KR 4
/* Bytes of Wp for W [M][K]. */
#define RT_QPACKED(M, K) \
	((size_t)(((M) + RT_QGEMM_MR - 1) / RT_QGEMM_MR) * RT_QGEMM_MR * (size_t)(((K) + RT_QGEMM_KR - 1) / RT_QGEMM_KR) * RT_QGEMM_KR)
size_t rt_qpack_size(int M, int K);
/* W: int8 [M][K] row-major -> Wp: rt_qpack_size(M, K) bytes. */
void rt_qpack(int M, int K, const int8_t *W, int8_t *Wp);

/* Y = requant(X W^T), on the threads of rt_threads (P split between
 * them; the same bytes for any number):
 * X    uint8 [P][ldx]: row p = K contiguous values (an NHWC pixel's
 *      channels for a 1x1 conv, an im2col row otherwise), ldx >= K;
 *      nothing past a row's K values is read
 * Wp   W int8 [M][K] packed by rt_qpack
 * ep   the requantization of each output channel (M of each array)
 * -> Y uint8 [P][ldy], ldy >= M (a conv may write a concat's channel
 *      slice): Y[p][m] = ep's formula on acc = sum_k X[p][k] W[m][k].
 * Y must not overlap X. */
void rt_qgemm_ep(int P, int M, int K, const uint8_t *X, int ldx, const int8_t *Wp, const rt_qepilogue *ep,
                 uint8_t *Y, int ldy);
/* The same with bias int32 [M] the whole bias (no fbias) and mult float
 * [M]. */
void rt_qgemm(int P, int M, int K, const uint8_t *X, int ldx, const int8_t *Wp, const int32_t *bias,
              const float *mult, int zp_y, int lo, int hi, uint8_t *Y, int ldy);

/* The same product dequantized, for a last layer whose output is float:
 * Y float [P][ldy]: Y[p][m] = ((float)(acc + bias[m]) + fbias[m]) *
 * mult[m] (ep's zp_y, lo, hi unused). */
void rt_qgemm_f32(int P, int M, int K, const uint8_t *X, int ldx, const int8_t *Wp, const rt_qepilogue *ep,
                  float *Y, int ldy);

/* ---- qconv.c -------------------------------------------------------- */

/* Rows [r0, r0 + rows) of the im2col matrix of one NHWC image (p's
 * sizes; groups 1): x uint8 [h][w][c] -> col uint8 [rows][ldc], row r
 * (output pixel r = oy * ow + ox) holding K = kh * kw * c values in the
 * order (ky, kx, ci), taps outside the image zp_x; ldc >= K. */
void rt_qim2col(const rt_conv2d_params *p, const uint8_t *x, int zp_x, int r0, int rows, uint8_t *col, int ldc);

/* Output pixels rt_qconv2d unrolls and multiplies at a time, for K =
 * kh * kw * c and ohw output pixels an image: at most
 * RT_QCONV_BLOCK_BYTES of im2col rows (but at least 16 rows: more bytes
 * when K is over 16 KB), the image's
 * pixels cut into as few blocks as that allows, all of one size but the
 * last. Each block multiplies all the weights (M x K bytes): blocks of
 * 32 KB (16 rows at K = 4608) read resnet18's 2.4 MB of layer4 weights 4
 * times for 49 pixels, the last time for one, and its layer2 and 3 convs
 * ran 15-20% slower than the same GEMM in one call; and an uneven cut
 * (48 + 1) makes a block of a few rows that reads them all again. */
#define RT_QCONV_BLOCK_BYTES (256 * 1024)
#define RT_QCONV_MAX_ROWS(K) (RT_QCONV_BLOCK_BYTES / (long long)(K) > 16 ? RT_QCONV_BLOCK_BYTES / (long long)(K) : 16)
#define RT_QCONV_BLOCKS(K, ohw) \
	((long long)(ohw) > RT_QCONV_MAX_ROWS(K) ? ((long long)(ohw) + RT_QCONV_MAX_ROWS(K) - 1) / RT_QCONV_MAX_ROWS(K) : 1)
#define RT_QCONV_ROWS(K, ohw) (((long long)(ohw) + RT_QCONV_BLOCKS(K, ohw) - 1) / RT_QCONV_BLOCKS(K, ohw))
/* Bytes of scratch rt_qconv2d needs for ohw output pixels an image: one
 * block of rows per thread (0 for a 1x1 conv with stride 1 and no
 * padding, which reads x in place). */
#define RT_QCONV_SCRATCH(c, kh, kw, ohw, threads) \
	((long long)(threads) * RT_QCONV_ROWS((long long)(c) * (kh) * (kw), ohw) * ((long long)(c) * (kh) * (kw)))

/* Convolution (groups 1, any kernel, stride, padding, dilation) as
 * im2col blocks times rt_qgemm, on up to `threads` threads (the same
 * bytes for any number):
 * x    uint8 NHWC [n][h][w][c], zero point zp_x
 * Wp   the weights [oc][kh][kw][c] (K = kh*kw*c in that order) packed
 *      by rt_qpack(oc, K)
 * ep   the requantization of rt_qgemm_ep, over oc
 * -> y uint8 NHWC [n][oh][ow][ldy], channels [0, oc) of each pixel
 *      written, ldy >= oc. scratch: RT_QCONV_SCRATCH(c, kh, kw, oh * ow, threads)
 *      bytes. y must not overlap x or scratch. */
void rt_qconv2d(const rt_conv2d_params *p, int threads, const uint8_t *x, int zp_x, const int8_t *Wp,
                const rt_qepilogue *ep, uint8_t *y, int ldy, uint8_t *scratch);

/* Depthwise convolution (groups == c == oc; any kernel, stride, padding,
 * dilation), requantized as rt_qgemm, on the threads of rt_threads:
 * x    uint8 NHWC [n][h][w][c], zero point zp_x (the padding)
 * w    int8 [kh][kw][c] (channels contiguous)
 * ep   the requantization of rt_qgemm_ep over c, bias[c] holding
 *      -zp_x * the sum of channel c's taps
 * -> y uint8 NHWC [n][oh][ow][ldy], ldy >= c. y must not overlap x. */
void rt_qconv2d_dw(const rt_conv2d_params *p, const uint8_t *x, int zp_x, const int8_t *w, const rt_qepilogue *ep,
                   uint8_t *y, int ldy);

#endif
