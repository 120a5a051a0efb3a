/*
 * cnnrt_int8.h: the runtime's int8 kernels (qgemm.c, qconv.c), included
 * by cnnrt.h.
 *
 * The scheme is PyTorch's x86 (onednn) one: activations uint8, asymmetric
 * per tensor (real = s * (q - zp)); weights int8, symmetric per output
 * channel (real = s_w[m] * q); products summed in int32 with an int32
 * bias; each output requantized once, as it is stored:
 *     y = clamp(zp_y + round_half_even((float)acc * mult[m]), lo, hi)
 * with mult[m] = s_x * s_w[m] / s_y (float), lo/hi 0/255, or a fused
 * relu's or relu6's clamp (qgemm.c says how this matches PyTorch).
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

/* Y = requant(X W^T + bias), on the threads of rt_threads (P split
 * between them; the same bytes for any number):
 * X    uint8 [P][ldx]: row p = K contiguous values (an NHWC pixel's
 *      channels for a 1x1 conv, an im2col row otherwise), ldx >= K;
 *      nothing past a row's K values is read
 * Wp   W int8 [M][K] packed by rt_qpack
 * bias int32 [M]: the quantized bias minus zp_x * sum_k W[m][k]
 * mult float [M]: s_x * s_w[m] / s_y
 * -> Y uint8 [P][ldy], ldy >= M (a conv may write a concat's channel
 *      slice): Y[p][m] = clamp(zp_y + rhe(acc * mult[m]), lo, hi), with
 *      0 <= lo <= hi <= 255. Y must not overlap X. */
void rt_qgemm(int P, int M, int K, const uint8_t *X, int ldx, const int8_t *Wp, const int32_t *bias,
              const float *mult, int zp_y, int lo, int hi, uint8_t *Y, int ldy);

/* The same product dequantized, for a last layer whose output is float:
 * Y float [P][ldy]: Y[p][m] = acc * scale[m] (scale[m] = s_x * s_w[m]). */
void rt_qgemm_f32(int P, int M, int K, const uint8_t *X, int ldx, const int8_t *Wp, const int32_t *bias,
                  const float *scale, float *Y, int ldy);

/* ---- qconv.c -------------------------------------------------------- */

/* Rows [r0, r0 + rows) of the im2col matrix of one NHWC image (p's
 * sizes; groups 1): x uint8 [h][w][c] -> col uint8 [rows][ldc], row r
 * (output pixel r = oy * ow + ox) holding K = kh * kw * c values in the
 * order (ky, kx, ci), taps outside the image zp_x; ldc >= K. */
void rt_qim2col(const rt_conv2d_params *p, const uint8_t *x, int zp_x, int r0, int rows, uint8_t *col, int ldc);

/* Output pixels rt_qconv2d unrolls and multiplies at a time, for K =
 * kh * kw * c: RT_QCONV_BLOCK_BYTES of im2col rows (32 KB, in L2 when
 * the GEMM reads them), in whole 16s, at least 16. */
#define RT_QCONV_BLOCK_BYTES (32 * 1024)
#define RT_QCONV_ROWS(K) \
	((RT_QCONV_BLOCK_BYTES / (long long)(K)) / 16 * 16 > 16 ? (RT_QCONV_BLOCK_BYTES / (long long)(K)) / 16 * 16 : 16)
/* Bytes of scratch rt_qconv2d needs: one block of rows per thread (0
 * for a 1x1 conv with stride 1 and no padding, which reads x in place). */
#define RT_QCONV_SCRATCH(c, kh, kw, threads) \
	((long long)(threads) * RT_QCONV_ROWS((long long)(c) * (kh) * (kw)) * ((long long)(c) * (kh) * (kw)))

/* Convolution (groups 1, any kernel, stride, padding, dilation) as
 * im2col blocks times rt_qgemm, on up to `threads` threads (the same
 * bytes for any number):
 * x    uint8 NHWC [n][h][w][c], zero point zp_x
 * Wp   the weights [oc][kh][kw][c] (K = kh*kw*c in that order) packed
 *      by rt_qpack(oc, K)
 * bias, mult, zp_y, lo, hi as rt_qgemm's, over oc
 * -> y uint8 NHWC [n][oh][ow][ldy], channels [0, oc) of each pixel
 *      written, ldy >= oc. scratch: RT_QCONV_SCRATCH(c, kh, kw, threads)
 *      bytes. y must not overlap x or scratch. */
void rt_qconv2d(const rt_conv2d_params *p, int threads, const uint8_t *x, int zp_x, const int8_t *Wp,
                const int32_t *bias, const float *mult, int zp_y, int lo, int hi, uint8_t *y, int ldy,
                uint8_t *scratch);

/* Depthwise convolution (groups == c == oc; any kernel, stride, padding,
 * dilation), requantized as rt_qgemm, on the threads of rt_threads:
 * x    uint8 NHWC [n][h][w][c], zero point zp_x (the padding)
 * w    int8 [kh][kw][c] (channels contiguous)
 * bias int32 [c]: the quantized bias minus zp_x * sum of channel c's taps
 * mult float [c]: s_x * s_w[c] / s_y
 * -> y uint8 NHWC [n][oh][ow][ldy], ldy >= c. y must not overlap x. */
void rt_qconv2d_dw(const rt_conv2d_params *p, const uint8_t *x, int zp_x, const int8_t *w, const int32_t *bias,
                   const float *mult, int zp_y, int lo, int hi, uint8_t *y, int ldy);

#endif
