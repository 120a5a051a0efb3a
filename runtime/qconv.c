/*
 * qconv.c: int8 convolutions in NHWC (cnnrt_int8.h): im2col, the
 * convolution as im2col blocks times rt_qgemm, and the depthwise one.
 *
 * rt_qconv2d cuts the output pixels of all images into blocks of
 * RT_QCONV_ROWS(K, oh * ow) rows, unrolls a block into the thread's scratch and
 * multiplies it (each block on one thread, so the bytes do not depend on
 * the thread count); a 1x1 convolution with stride 1 and no padding is
 * one rt_qgemm straight on x. Padding is zp_x, the real zero.
 */
#include <string.h>

#include "cnnrt.h"
#include "cl.h"
#include "qrequant.h"

/* dst[0, n) = src[0, n), in fixed-size copies the compiler inlines as
 * vector moves, two overlapping ones for the ragged end: a stem's rows of
 * taps are 21 bytes (7 pixels of 3 channels), and a call of memcpy per
 * row, seven per output pixel, took as long as resnet18's stem GEMM
 * itself. Reads and writes only [0, n). */
static inline void copy_run(uint8_t *dst, const uint8_t *src, size_t n)
{
	if (n >= 32) {
		size_t i = 0;
		for (; i + 32 <= n; i += 32)
			memcpy(dst + i, src + i, 32);
		if (i < n)
			memcpy(dst + n - 32, src + n - 32, 32);
	} else if (n >= 16) {
		memcpy(dst, src, 16);
		memcpy(dst + n - 16, src + n - 16, 16);
	} else if (n >= 8) {
		memcpy(dst, src, 8);
		memcpy(dst + n - 8, src + n - 8, 8);
	} else if (n >= 4) {
		memcpy(dst, src, 4);
		memcpy(dst + n - 4, src + n - 4, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			dst[i] = src[i];
	}
}

void rt_qim2col(const rt_conv2d_params *p, const uint8_t *x, int zp_x, int r0, int rows, uint8_t *col, int ldc)
{
	/* the sizes in locals: stores through uint8_t pointers may alias
	 * anything, and p's fields were read again after each */
	const size_t c = (size_t)p->c, run = (size_t)p->kw * c; /* a row of taps inside the image */
	const int h = p->h, w = p->w, ow = p->ow, kh = p->kh, kw = p->kw, sh = p->sh, sw = p->sw;
	const int ph = p->ph, pw = p->pw, dh = p->dh, dw = p->dw;
	for (int r = r0; r < r0 + rows; r++) {
		int oy = r / ow, ox = r % ow, iy0 = oy * sh - ph, ix0 = ox * sw - pw;
		uint8_t *dst = col + (size_t)(r - r0) * ldc;
		if (dw == 1 && ix0 >= 0 && ix0 + kw <= w && iy0 >= 0 && iy0 + (kh - 1) * dh < h) {
			/* the whole window inside the image: kh runs of kw pixels,
			 * contiguous in NHWC */
			const uint8_t *src = x + ((size_t)iy0 * w + ix0) * c;
			for (int ky = 0; ky < kh; ky++, dst += run)
				copy_run(dst, src + (size_t)ky * dh * w * c, run);
			continue;
		}
		for (int ky = 0; ky < kh; ky++) {
			int iy = iy0 + ky * dh;
			for (int kx = 0; kx < kw; kx++, dst += c) {
				int ix = ix0 + kx * dw;
				if (iy < 0 || iy >= h || ix < 0 || ix >= w)
					memset(dst, zp_x, c);
				else
					copy_run(dst, x + ((size_t)iy * w + ix) * c, c);
			}
		}
	}
}

/* rt_qconv2d's arguments, for rt_parallel. */
typedef struct {
	const rt_conv2d_params *p; /* sizes */
	const uint8_t *x;          /* uint8 NHWC input */
	int zp_x;                  /* its zero point, the padding */
	const int8_t *Wp;          /* packed weights */
	const rt_qepilogue *ep;    /* requantization, over oc */
	uint8_t *y;                /* uint8 NHWC output, ldy per pixel */
	int ldy;                   /* bytes between output pixels */
	uint8_t *scratch;          /* parts areas of rows * K bytes */
	int K;                     /* kh * kw * c */
	int rows;                  /* output pixels per block */
	int blocks;                /* blocks per image */
	int parts;                 /* threads' areas */
} Qconv;

/* Block it (image it / blocks, its block it % blocks), unrolled into col. */
static void conv_block(const Qconv *j, int it, uint8_t *col)
{
	const rt_conv2d_params *p = j->p;
	int n = it / j->blocks, r0 = it % j->blocks * j->rows, ohw = p->oh * p->ow;
	int rows = ohw - r0 < j->rows ? ohw - r0 : j->rows;
	rt_qim2col(p, j->x + (size_t)n * p->h * p->w * p->c, j->zp_x, r0, rows, col, j->K);
	rt_qgemm_ep(rows, p->oc, j->K, col, j->K, j->Wp, j->ep, j->y + ((size_t)n * ohw + r0) * j->ldy, j->ldy);
}

/* Parts [begin, end): part i runs the i-th equal run of blocks in area i
 * (the GEMMs inside run serially: a parallel loop in a parallel loop). */
static void conv_parts(void *ctx, int begin, int end)
{
	const Qconv *j = ctx;
	int items = j->p->n * j->blocks;
	for (int i = begin; i < end; i++)
		for (int it = (int)((long long)items * i / j->parts); it < (int)((long long)items * (i + 1) / j->parts); it++)
			conv_block(j, it, j->scratch + (size_t)i * j->rows * j->K);
}

void rt_qconv2d(const rt_conv2d_params *p, int threads, const uint8_t *x, int zp_x, const int8_t *Wp,
                const rt_qepilogue *ep, uint8_t *y, int ldy, uint8_t *scratch)
{
	int K = p->kh * p->kw * p->c, ohw = p->oh * p->ow;
	if (p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->ph == 0 && p->pw == 0) {
		rt_qgemm_ep(p->n * ohw, p->oc, K, x, K, Wp, ep, y, ldy);
		return;
	}
	Qconv j = {p, x, zp_x, Wp, ep, y, ldy, scratch, K, (int)RT_QCONV_ROWS(K, ohw), 0,
	           threads < 1 ? 1 : threads};
	j.blocks = (ohw + j.rows - 1) / j.rows;
	int items = p->n * j.blocks;
	if (j.parts > items)
		j.parts = items;
	if (j.parts > 1) {
		rt_parallel(j.parts, 1, conv_parts, &j);
		return;
	}
	for (int it = 0; it < items; it++)
		conv_block(&j, it, scratch);
}

/* ---- depthwise ------------------------------------------------------ */

/* rt_qconv2d_dw's arguments, for rt_parallel. */
typedef struct {
	const rt_conv2d_params *p; /* sizes */
	const uint8_t *x;          /* uint8 NHWC input */
	int zp_x;                  /* its zero point, the padding */
	const int8_t *w;           /* int8 [kh][kw][c] */
	const rt_qepilogue *ep;    /* requantization, over c */
	uint8_t *y;                /* uint8 NHWC output */
	int ldy;                   /* bytes between output pixels */
} Qdw;

/* Channels the depthwise kernel sums at a time, in GCC vectors (the
 * compiler picks each target's instructions; integer sums: exact,
 * whatever they are), then requantizes (dw_requant): 8, so that the int32
 * sums are one AVX2 register (16 lanes, two, spilled and split by GCC,
 * ran twice as slow). */
#define DW_CH 8
typedef int32_t dw_vi __attribute__((vector_size(DW_CH * 4)));
typedef uint8_t dw_vu8 __attribute__((vector_size(DW_CH)));
typedef float dw_vf __attribute__((vector_size(DW_CH * 4)));

/* q_requant on DW_CH channels from ch: the same operations lane by lane
 * (clamped first, then rounded half to even by adding and subtracting
 * 1.5 * 2^23, exact below 2^22, as nearbyintf rounds), stored to y. */
static inline void dw_requant(const rt_qepilogue *ep, int ch, const dw_vi *accp, uint8_t *y)
{
	dw_vf s = __builtin_convertvector(*accp, dw_vf), m, f;
	if (ep->fbias) {
		memcpy(&f, ep->fbias + ch, sizeof f);
		s += f;
	}
	memcpy(&m, ep->mult + ch, sizeof m);
	dw_vf v = s * m;
	Q_OPAQUE_MEM(v);
	v += (float)ep->zp_y;
	dw_vf lo = (dw_vf){0} + (float)ep->lo, hi = (dw_vf){0} + (float)ep->hi;
	dw_vi below = v < lo, above = v > hi;
	v = (dw_vf)(((dw_vi)v & ~below) | ((dw_vi)lo & below));
	v = (dw_vf)(((dw_vi)v & ~above) | ((dw_vi)hi & above));
	v = (v + 12582912.0f) - 12582912.0f;
	dw_vu8 out = __builtin_convertvector(__builtin_convertvector(v, dw_vi), dw_vu8);
	memcpy(y, &out, sizeof out);
}

/* The sum of output channel ch (bias included) at (oy, ox) of image xn. */
static int32_t dw_one(const Qdw *j, const uint8_t *xn, int oy, int ox, int ch)
{
	const rt_conv2d_params *p = j->p;
	int32_t acc = j->ep->bias[ch];
	for (int ky = 0; ky < p->kh; ky++) {
		int iy = oy * p->sh - p->ph + ky * p->dh;
		for (int kx = 0; kx < p->kw; kx++) {
			int ix = ox * p->sw - p->pw + kx * p->dw;
			int v = iy < 0 || iy >= p->h || ix < 0 || ix >= p->w ? j->zp_x
			                                                      : xn[((size_t)iy * p->w + ix) * p->c + ch];
			acc += v * j->w[((size_t)ky * p->kw + kx) * p->c + ch];
		}
	}
	return acc;
}

/* Taps whose weights dw_rows and dw_row16_avx2 widen once per channel block
 * (a 5x5 kernel's); larger kernels widen them at each use. */
#define DW_TAPS 25
typedef int8_t dw_vs8 __attribute__((vector_size(DW_CH)));
typedef int16_t dw_vs16 __attribute__((vector_size(DW_CH * 2)));

/* One tap: x's DW_CH bytes xp times the widened weights wk, added to acc.
 * A product of a uint8 and an int8 fits int16 (255 * -128 = -32640), so
 * it is one 16-bit multiply, then widened and summed exactly. */
static inline void dw_tap(dw_vi *acc, const uint8_t *xp, const dw_vs16 *wk)
{
	dw_vu8 xv;
	memcpy(&xv, xp, sizeof xv);
	dw_vs16 prod = __builtin_convertvector(xv, dw_vs16) * *wk;
	*acc += __builtin_convertvector(prod, dw_vi);
}

#if defined(__AVX2__)
#include <immintrin.h>

/* The requantization constants of 16 channels from ch in the order of
 * dw_row16_avx2's sums: channels 0-3 and 8-11 (.._lo), 4-7 and 12-15
 * (.._hi), loaded once per block of channels. */
typedef struct {
	__m256 mlo, mhi;     /* multipliers */
	__m256 flo, fhi;     /* float biases (zero without) */
	const rt_qepilogue *ep; /* zero point and clamp (q_requant8_avx2) */
} DwReq;

static inline DwReq dw_req_avx2(const rt_qepilogue *ep, int ch)
{
	DwReq r;
	__m256 m0 = _mm256_loadu_ps(ep->mult + ch), m1 = _mm256_loadu_ps(ep->mult + ch + 8);
	r.mlo = _mm256_permute2f128_ps(m0, m1, 0x20);
	r.mhi = _mm256_permute2f128_ps(m0, m1, 0x31);
	r.flo = r.fhi = _mm256_setzero_ps();
	if (ep->fbias) {
		__m256 f0 = _mm256_loadu_ps(ep->fbias + ch), f1 = _mm256_loadu_ps(ep->fbias + ch + 8);
		r.flo = _mm256_permute2f128_ps(f0, f1, 0x20);
		r.fhi = _mm256_permute2f128_ps(f0, f1, 0x31);
	}
	r.ep = ep;
	return r;
}

/* The 16 sums alo, ahi (bias included; dw_row16_avx2's order) to 16
 * bytes in channel order, as q_requant does each (cvtps2dq rounds half to
 * even); the float bias is added when there is one (fb), as q_sum adds
 * it. The in-lane packs undo the sums' order. */
static inline __m128i dw_requant16_avx2(const DwReq *r, int fb, __m256i alo, __m256i ahi)
{
	__m256 slo = _mm256_cvtepi32_ps(alo), shi = _mm256_cvtepi32_ps(ahi);
	if (fb) {
		slo = _mm256_add_ps(slo, r->flo);
		shi = _mm256_add_ps(shi, r->fhi);
	}
	__m256i w = _mm256_packus_epi32(q_requant8_avx2(r->ep, slo, r->mlo), q_requant8_avx2(r->ep, shi, r->mhi)); /* 0-7 | 8-15 */
	return _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

/* Tap (ky, kx)'s 16 input bytes for output pixel ox (channels ch..),
 * widened to int16; zp_x (zpx) outside the image. */
static inline __m256i dw_x16_avx2(const Qdw *j, const uint8_t *xn, int oy, int ox, int ch, int ky, int kx,
                                  __m256i zpx)
{
	const rt_conv2d_params *p = j->p;
	int iy = oy * p->sh - p->ph + ky * p->dh, ix = ox * p->sw - p->pw + kx * p->dw;
	if (iy < 0 || iy >= p->h || ix < 0 || ix >= p->w)
		return zpx;
	return _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(xn + ((size_t)iy * p->w + ix) * p->c + ch)));
}

/* The interior of output row oy: [*ox0, *ox1), the pixels all of whose
 * taps are inside the image (empty when a tap's row is not, or when the
 * kernel has more than DW_TAPS taps). */
static void dw_interior(const rt_conv2d_params *p, int oy, int *ox0, int *ox1)
{
	int iy0 = oy * p->sh - p->ph;
	*ox0 = *ox1 = p->ow;
	if (p->kh * p->kw <= DW_TAPS && iy0 >= 0 && iy0 + (p->kh - 1) * p->dh < p->h) {
		int a = p->pw > 0 ? (p->pw + p->sw - 1) / p->sw : 0;
		int last = p->w - 1 - (p->kw - 1) * p->dw + p->pw; /* ox * sw <= last */
		int b = last < 0 ? 0 : last / p->sw + 1;
		b = b < p->ow ? b : p->ow;
		*ox0 = a < b ? a : b;
		*ox1 = b;
	}
}

/* Where each tap's bytes are from its pixel's first tap's (bytes). */
static void dw_offsets(const rt_conv2d_params *p, ptrdiff_t *off)
{
	for (int t = 0; t < p->kh * p->kw; t++)
		off[t] = ((ptrdiff_t)(t / p->kw * p->dh) * p->w + t % p->kw * p->dw) * p->c;
}

/* Output pixels [ox0, ox1) of dw_row16_avx2 whose taps are all inside
 * the image (x0: pixel ox0's first tap): each tap's bytes at a fixed
 * offset (off, bytes) from its pixel's first tap, no bounds to test; TAPS a constant where called (9
 * for 3x3), so that the loop over them unrolls. */
static inline __attribute__((always_inline)) void dw_inner16_avx2(const Qdw *j, const uint8_t *x0, int ox0, int ox1,
                                                                  const ptrdiff_t *off, int TAPS, const __m256i *wlo,
                                                                  const __m256i *whi, __m256i blo, __m256i bhi,
                                                                  const DwReq *rq, int fb, uint8_t *yrow, int ch)
{
	const rt_conv2d_params *p = j->p;
	size_t step = (size_t)p->sw * p->c;
	for (int ox = ox0; ox < ox1; ox++) {
		const uint8_t *xp = x0 + (size_t)(ox - ox0) * step;
		__m256i alo = blo, ahi = bhi;
		_Pragma("GCC unroll 16")
		for (int k = 0; k < (TAPS + 1) / 2; k++) {
			__m256i xa = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(xp + off[2 * k])));
			__m256i xb = 2 * k + 1 < TAPS ? _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(xp + off[2 * k + 1])))
			                              : _mm256_setzero_si256();
			alo = _mm256_add_epi32(alo, _mm256_madd_epi16(_mm256_unpacklo_epi16(xa, xb), wlo[k]));
			ahi = _mm256_add_epi32(ahi, _mm256_madd_epi16(_mm256_unpackhi_epi16(xa, xb), whi[k]));
		}
		_mm_storeu_si128((__m128i *)(yrow + (size_t)ox * j->ldy + ch), dw_requant16_avx2(rq, fb, alo, ahi));
	}
}

/* Channels [ch, ch + 16) of output row oy of image xn, to yrow: the taps
 * two at a time, each pair's int16 inputs and weights interleaved
 * (unpack within 128-bit lanes: channels 0-3 and 8-11 in one register,
 * 4-7 and 12-15 in the other) so that one vpmaddwd sums both taps'
 * products of 8 channels into int32, exact (|255 * -128 * 2| < 2^31); an
 * odd last tap pairs with zero weights. The requantization takes the
 * sums in that order (dw_requant16_avx2). */
static void dw_row16_avx2(const Qdw *j, const uint8_t *xn, int oy, uint8_t *yrow, int ch, int interior)
{
	const rt_conv2d_params *p = j->p;
	int c = p->c, taps = p->kh * p->kw, pairs = (taps + 1) / 2;
	__m256i wlo[(DW_TAPS + 1) / 2], whi[(DW_TAPS + 1) / 2];
	for (int k = 0; k < pairs && taps <= DW_TAPS; k++) {
		__m256i wa = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(j->w + (size_t)(2 * k) * c + ch)));
		__m256i wb = 2 * k + 1 < taps ? _mm256_cvtepi8_epi16(_mm_loadu_si128(
		                                    (const __m128i *)(j->w + (size_t)(2 * k + 1) * c + ch)))
		                              : _mm256_setzero_si256();
		wlo[k] = _mm256_unpacklo_epi16(wa, wb);
		whi[k] = _mm256_unpackhi_epi16(wa, wb);
	}
	__m256i zpx = _mm256_set1_epi16((short)j->zp_x);
	__m256i b0 = _mm256_loadu_si256((const __m256i *)(j->ep->bias + ch));
	__m256i b1 = _mm256_loadu_si256((const __m256i *)(j->ep->bias + ch + 8));
	__m256i blo = _mm256_permute2x128_si256(b0, b1, 0x20), bhi = _mm256_permute2x128_si256(b0, b1, 0x31);
	DwReq req = dw_req_avx2(j->ep, ch);
	const DwReq *rq = &req;
	int fb = j->ep->fbias != NULL;
	/* the row's interior (dw_interior), unless a wider kernel did it */
	int iy0 = oy * p->sh - p->ph, ox0, ox1;
	dw_interior(p, oy, &ox0, &ox1);
	if (ox0 < ox1 && interior) {
		ptrdiff_t off[DW_TAPS];
		dw_offsets(p, off);
		const uint8_t *x0 = xn + ((size_t)iy0 * p->w + (size_t)(ox0 * p->sw - p->pw)) * c + ch; /* pixel ox0's */
		if (taps == 9)
			dw_inner16_avx2(j, x0, ox0, ox1, off, 9, wlo, whi, blo, bhi, &req, fb, yrow, ch);
		else
			dw_inner16_avx2(j, x0, ox0, ox1, off, taps, wlo, whi, blo, bhi, &req, fb, yrow, ch);
	}
	for (int ox = 0; ox < p->ow; ox++) {
		if (ox == ox0 && ox0 < ox1) /* done above */
			ox = ox1;
		if (ox >= p->ow)
			break;
		__m256i alo = blo, ahi = bhi;
		int ky = 0, kx = 0; /* tap 2k, counted without a division */
		for (int k = 0; k < pairs; k++) {
			__m256i wl, wh;
			if (taps > DW_TAPS) { /* widened at each use */
				__m256i wa = _mm256_cvtepi8_epi16(
				    _mm_loadu_si128((const __m128i *)(j->w + (size_t)(2 * k) * c + ch)));
				__m256i wb = 2 * k + 1 < taps ? _mm256_cvtepi8_epi16(_mm_loadu_si128(
				                                    (const __m128i *)(j->w + (size_t)(2 * k + 1) * c + ch)))
				                              : _mm256_setzero_si256();
				wl = _mm256_unpacklo_epi16(wa, wb);
				wh = _mm256_unpackhi_epi16(wa, wb);
			} else {
				wl = wlo[k];
				wh = whi[k];
			}
			__m256i xa = dw_x16_avx2(j, xn, oy, ox, ch, ky, kx, zpx), xb = zpx;
			if (++kx == p->kw)
				kx = 0, ky++;
			if (2 * k + 1 < taps) {
				xb = dw_x16_avx2(j, xn, oy, ox, ch, ky, kx, zpx);
				if (++kx == p->kw)
					kx = 0, ky++;
			}
			alo = _mm256_add_epi32(alo, _mm256_madd_epi16(_mm256_unpacklo_epi16(xa, xb), wl));
			ahi = _mm256_add_epi32(ahi, _mm256_madd_epi16(_mm256_unpackhi_epi16(xa, xb), wh));
		}
		_mm_storeu_si128((__m128i *)(yrow + (size_t)ox * j->ldy + ch), dw_requant16_avx2(rq, fb, alo, ahi));
	}
}
#endif

#if defined(__AVX512BW__)
/* Channels [ch, ch + 32) of dw_row16_avx2's work in 512-bit registers,
 * for the row's interior only (its edges: dw_row16_avx2, twice): the
 * same pairs of taps through vpmaddwd, so the sums' lanes hold channels
 * 0-3, 8-11, 16-19, 24-27 (.._lo) and 4-7, 12-15, 20-23, 28-31 (.._hi),
 * and the same requantization (q_requant16_avx512), lane by lane. With
 * 512-bit integer units (Zen 5) this halves the instructions of
 * mobilenet_v2's int8 depthwise layers. */
typedef struct {
	__m512 mlo, mhi; /* multipliers in the sums' order */
	__m512 flo, fhi; /* float biases (zero without) */
} DwReq32;

/* 32 values from v (int32 or float bits) in the order of the sums' lo or hi lanes. */
static inline __m512i dw_order32(const void *v, int hi)
{
	__m512i a = _mm512_loadu_si512(v), b = _mm512_loadu_si512((const char *)v + 64);
	__m512i idx = hi ? _mm512_set_epi32(31, 30, 29, 28, 23, 22, 21, 20, 15, 14, 13, 12, 7, 6, 5, 4)
	                 : _mm512_set_epi32(27, 26, 25, 24, 19, 18, 17, 16, 11, 10, 9, 8, 3, 2, 1, 0);
	return _mm512_permutex2var_epi32(a, idx, b);
}

/* The interior pixels [ox0, ox1) of dw_row32_avx512 (as dw_inner16_avx2). */
static inline __attribute__((always_inline)) void dw_inner32_avx512(const Qdw *j, const uint8_t *x0, int ox0,
                                                                    int ox1, const ptrdiff_t *off, int TAPS,
                                                                    const __m512i *wlo, const __m512i *whi,
                                                                    __m512i blo, __m512i bhi, const DwReq32 *r,
                                                                    int fb, uint8_t *yrow, int ch)
{
	const rt_conv2d_params *p = j->p;
	size_t step = (size_t)p->sw * p->c;
	for (int ox = ox0; ox < ox1; ox++) {
		const uint8_t *xp = x0 + (size_t)(ox - ox0) * step;
		__m512i alo = blo, ahi = bhi;
		_Pragma("GCC unroll 16")
		for (int k = 0; k < (TAPS + 1) / 2; k++) {
			__m512i xa = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(xp + off[2 * k])));
			__m512i xb = 2 * k + 1 < TAPS
			                 ? _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(xp + off[2 * k + 1])))
			                 : _mm512_setzero_si512();
			alo = _mm512_add_epi32(alo, _mm512_madd_epi16(_mm512_unpacklo_epi16(xa, xb), wlo[k]));
			ahi = _mm512_add_epi32(ahi, _mm512_madd_epi16(_mm512_unpackhi_epi16(xa, xb), whi[k]));
		}
		__m512 slo = _mm512_cvtepi32_ps(alo), shi = _mm512_cvtepi32_ps(ahi);
		if (fb) {
			slo = _mm512_add_ps(slo, r->flo);
			shi = _mm512_add_ps(shi, r->fhi);
		}
		/* in-lane packs: lane L of lo and hi, channels 8L .. 8L + 7 */
		__m512i w = _mm512_packus_epi32(q_requant16_avx512(j->ep, slo, r->mlo), q_requant16_avx512(j->ep, shi, r->mhi));
		_mm256_storeu_si256((__m256i *)(yrow + (size_t)ox * j->ldy + ch), _mm512_cvtepi16_epi8(w));
	}
}

/* Channels [ch, ch + 32) of output row oy of image xn (a kernel of at
 * most DW_TAPS taps): the interior here, the edges by dw_row16_avx2. */
static void dw_row32_avx512(const Qdw *j, const uint8_t *xn, int oy, uint8_t *yrow, int ch)
{
	const rt_conv2d_params *p = j->p;
	int c = p->c, taps = p->kh * p->kw, ox0, ox1;
	dw_interior(p, oy, &ox0, &ox1);
	if (ox0 < ox1) {
		__m512i wlo[(DW_TAPS + 1) / 2], whi[(DW_TAPS + 1) / 2];
		for (int k = 0; k < (taps + 1) / 2; k++) {
			__m512i wa = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(j->w + (size_t)(2 * k) * c + ch)));
			__m512i wb = 2 * k + 1 < taps ? _mm512_cvtepi8_epi16(_mm256_loadu_si256(
			                                    (const __m256i *)(j->w + (size_t)(2 * k + 1) * c + ch)))
			                              : _mm512_setzero_si512();
			wlo[k] = _mm512_unpacklo_epi16(wa, wb);
			whi[k] = _mm512_unpackhi_epi16(wa, wb);
		}
		__m512i blo = dw_order32(j->ep->bias + ch, 0), bhi = dw_order32(j->ep->bias + ch, 1);
		DwReq32 r = {_mm512_castsi512_ps(dw_order32(j->ep->mult + ch, 0)),
		             _mm512_castsi512_ps(dw_order32(j->ep->mult + ch, 1)), _mm512_setzero_ps(), _mm512_setzero_ps()};
		int fb = j->ep->fbias != NULL;
		if (fb) {
			r.flo = _mm512_castsi512_ps(dw_order32(j->ep->fbias + ch, 0));
			r.fhi = _mm512_castsi512_ps(dw_order32(j->ep->fbias + ch, 1));
		}
		ptrdiff_t off[DW_TAPS + 1]; /* (+1: an odd last tap's pair, never read) */
		dw_offsets(p, off);
		int iy0 = oy * p->sh - p->ph;
		const uint8_t *x0 = xn + ((size_t)iy0 * p->w + (size_t)(ox0 * p->sw - p->pw)) * c + ch; /* pixel ox0's */
		if (taps == 9)
			dw_inner32_avx512(j, x0, ox0, ox1, off, 9, wlo, whi, blo, bhi, &r, fb, yrow, ch);
		else
			dw_inner32_avx512(j, x0, ox0, ox1, off, taps, wlo, whi, blo, bhi, &r, fb, yrow, ch);
	}
	dw_row16_avx2(j, xn, oy, yrow, ch, 0);
	dw_row16_avx2(j, xn, oy, yrow, ch + 16, 0);
}
#endif

/* Output rows [begin, end) of all images (row = n * oh + oy): with
 * AVX-512BW, channels by 32 in dw_row32_avx512, with AVX2 by 16 in
 * dw_row16_avx2; then per block
 * of DW_CH channels, its weights widened once (up to DW_TAPS taps), then
 * every output pixel of the row: the taps inside the image by dw_tap,
 * those outside adding zp_x times their weights; the last c % DW_CH
 * channels one by one. */
static void dw_rows(const Qdw *j, int begin, int end)
{
	const rt_conv2d_params *p = j->p;
	int c = p->c, cv = c / DW_CH * DW_CH, taps = p->kh * p->kw;
	dw_vs16 wk[DW_TAPS];
	for (int row = begin; row < end; row++) {
		int n = row / p->oh, oy = row % p->oh;
		const uint8_t *xn = j->x + (size_t)n * p->h * p->w * c;
		uint8_t *yrow = j->y + (size_t)row * p->ow * j->ldy;
		int ch = 0;
#if defined(__AVX512BW__)
		if (p->kh * p->kw <= DW_TAPS)
			for (; ch + 32 <= c; ch += 32)
				dw_row32_avx512(j, xn, oy, yrow, ch);
#endif
#if defined(__AVX2__)
		for (; ch + 16 <= c; ch += 16)
			dw_row16_avx2(j, xn, oy, yrow, ch, 1);
#endif
		for (; ch < cv; ch += DW_CH) {
			for (int t = 0; t < taps && taps <= DW_TAPS; t++) {
				dw_vs8 wv;
				memcpy(&wv, j->w + (size_t)t * c + ch, sizeof wv);
				wk[t] = __builtin_convertvector(wv, dw_vs16);
			}
			dw_vi bias;
			memcpy(&bias, j->ep->bias + ch, sizeof bias);
			for (int ox = 0; ox < p->ow; ox++) {
				dw_vi acc = bias;
				for (int ky = 0; ky < p->kh; ky++) {
					int iy = oy * p->sh - p->ph + ky * p->dh;
					for (int kx = 0; kx < p->kw; kx++) {
						int ix = ox * p->sw - p->pw + kx * p->dw, t = ky * p->kw + kx;
						dw_vs16 wt;
						if (taps > DW_TAPS) {
							dw_vs8 wv;
							memcpy(&wv, j->w + (size_t)t * c + ch, sizeof wv);
							wt = __builtin_convertvector(wv, dw_vs16);
						} else
							wt = wk[t];
						if (iy < 0 || iy >= p->h || ix < 0 || ix >= p->w) {
							uint8_t zp[DW_CH];
							memset(zp, j->zp_x, sizeof zp);
							dw_tap(&acc, zp, &wt);
						} else
							dw_tap(&acc, xn + ((size_t)iy * p->w + ix) * c + ch, &wt);
					}
				}
				dw_requant(j->ep, ch, &acc, yrow + (size_t)ox * j->ldy + ch);
			}
		}
		for (int ox = 0; ox < p->ow; ox++)
			for (int ch = cv; ch < c; ch++)
				yrow[(size_t)ox * j->ldy + ch] = q_requant(j->ep, ch, dw_one(j, xn, oy, ox, ch));
	}
}

static void dw_task(void *ctx, int begin, int end) { dw_rows(ctx, begin, end); }

void rt_qconv2d_dw(const rt_conv2d_params *p, const uint8_t *x, int zp_x, const int8_t *w, const rt_qepilogue *ep,
                   uint8_t *y, int ldy)
{
	Qdw j = {p, x, zp_x, w, ep, y, ldy};
	rt_parallel(p->n * p->oh, cl_grain(2.0 * p->ow * p->c * p->kh * p->kw, CL_GRAIN_FLOPS), dw_task, &j);
}
