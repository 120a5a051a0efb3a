/*
 * qgemm.c: the int8 GEMM, Y = requant(X W^T + bias) (cnnrt_int8.h).
 *
 * X's rows are pixels, each K uint8 values contiguous; W's rows are
 * output channels, packed by blocks of 16 channels and groups of 4 k
 * (rt_qpack), so that one group of 4 k of one pixel, broadcast, meets the
 * 16 channels' 4 weights in one 64-byte load. The portable C below is the
 * reference every vector path must equal bit for bit: integer sums are
 * exact, and the requantization (qrequant.h) is the same float multiply
 * and round-half-even everywhere.
 *
 * With AVX-512 VNNI (the native target here), a register tile of 12
 * rows x 32 channels is summed by vpdpbusd: per group of 4 k, each row's
 * 4 bytes broadcast against two 64-byte blocks of weights, 24
 * accumulators of 16 int32; the requantization then runs on 16 channels
 * at a time, the last block's missing channels masked off. A K that is
 * not a multiple of 4 ends with a group loaded under a byte mask (bytes
 * past K read as zeros, never touched), so that no row is read past its
 * K values.
 *
 * With AVX2 alone (the avx2 and avx512 targets), vpmaddubsw would sum
 * pairs of u8 x s8 products into int16, which saturates (255 * -128 * 2
 * < -32768): instead both sides are split into int16 lanes and vpmaddwd
 * sums pairs into int32, exact. A tile is 4 rows x 16 channels: the 64
 * bytes of a group of 4 k (two registers of 8 channels) give their even
 * and odd k by shifts, each row's 4 bytes, broadcast, theirs by a mask
 * and a shift (group_avx2), so each int32 lane sums one channel whole.
 * Rows of X are split once per block of rows (rows_split_avx2: into
 * a Q_SPLIT_BYTES stack buffer, the even and odd k of each group as two
 * words of int16 pairs), then broadcast straight from it for every
 * block of 16 channels; a K too long for the buffer splits each row's
 * bytes in the tile, by blocks of rows that stay in L2 (rows_blocked),
 * as with VNNI. A full block of 16 channels is requantized with one
 * 16-byte store (store16_avx2).
 *
 * Threads: rows of X (pixels) are split between them (rt_parallel); a row
 * is computed the same way whichever thread runs it.
 */
#include <string.h>

#include "cnnrt.h"
#include "cl.h"
#include "qrequant.h"

/* Loops over a register tile's rows and blocks, unrolled whole, so that
 * its accumulators (arrays in the source) live in registers. */
#define Q_UNROLL _Pragma("GCC unroll 16")

#if defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#include <immintrin.h>
#define Q_VNNI 1
#elif defined(__AVX2__)
#include <immintrin.h>
#define Q_AVX2 1
#endif

size_t rt_qpack_size(int M, int K) { return RT_QPACKED(M, K); }

void rt_qpack(int M, int K, const int8_t *W, int8_t *Wp)
{
	int mb_n = (M + RT_QGEMM_MR - 1) / RT_QGEMM_MR, k4_n = (K + RT_QGEMM_KR - 1) / RT_QGEMM_KR;
	for (int mb = 0; mb < mb_n; mb++)
		for (int k4 = 0; k4 < k4_n; k4++)
			for (int mi = 0; mi < RT_QGEMM_MR; mi++)
				for (int kj = 0; kj < RT_QGEMM_KR; kj++) {
					int m = mb * RT_QGEMM_MR + mi, k = k4 * RT_QGEMM_KR + kj;
					Wp[(((size_t)mb * k4_n + k4) * RT_QGEMM_MR + mi) * RT_QGEMM_KR + kj] =
					    m < M && k < K ? W[(size_t)m * K + k] : 0;
				}
}

/* One call's arguments, for the row kernels and rt_parallel. */
typedef struct {
	int M, K;              /* output channels, reduction length */
	const uint8_t *X;      /* uint8 [P][ldx] */
	int ldx;               /* bytes between rows of X */
	const int8_t *Wp;      /* packed weights */
	const rt_qepilogue *ep; /* requantization (or rt_qgemm_f32's scales) */
	uint8_t *Y;            /* uint8 [P][ldy], or NULL for Yf */
	float *Yf;             /* float [P][ldy] of rt_qgemm_f32, or NULL */
	int ldy;               /* elements between rows of Y or Yf */
} Qgemm;

#if !defined(Q_VNNI) && !defined(Q_AVX2) /* the portable C: the reference, and the path of targets without a vector one */

/* Sum of row p of X with channel m of W, plus its bias. */
static int32_t dot_generic(const Qgemm *q, int p, int m)
{
	int k4_n = (q->K + 3) / 4;
	const uint8_t *x = q->X + (size_t)p * q->ldx;
	const int8_t *w = q->Wp + (size_t)(m / 16) * k4_n * 64 + (m % 16) * 4;
	int32_t acc = q->ep->bias[m];
	for (int k = 0; k < q->K; k++)
		acc += (int32_t)x[k] * w[(k / 4) * 64 + k % 4];
	return acc;
}

/* Stores the sum of output (p, m). */
static inline void store(const Qgemm *q, int p, int m, int32_t acc)
{
	if (q->Y)
		q->Y[(size_t)p * q->ldy + m] = q_requant(q->ep, m, acc);
	else
		q->Yf[(size_t)p * q->ldy + m] = q_sum(q->ep, m, acc) * q->ep->mult[m];
}

/* Rows [p0, p1) of Y, in portable C. */
static void rows_generic(const Qgemm *q, int p0, int p1)
{
	for (int p = p0; p < p1; p++)
		for (int m = 0; m < q->M; m++)
			store(q, p, m, dot_generic(q, p, m));
}
#endif

#if defined(Q_VNNI)

#define Q_TILE_ROWS 12 /* rows of the VNNI register tile (x 2 blocks of 16 channels) */

/* Requantizes and stores the 16 sums acc of row p, channels m0.. (fewer
 * past M), as q_requant does one. */
static inline void store16_vnni(const Qgemm *q, int p, int m0, __m512i acc)
{
	const rt_qepilogue *ep = q->ep;
	int n = q->M - m0 < 16 ? q->M - m0 : 16;
	__mmask16 k = (__mmask16)((1u << n) - 1);
	__m512 s = _mm512_cvtepi32_ps(_mm512_add_epi32(acc, _mm512_maskz_loadu_epi32(k, ep->bias + m0)));
	if (ep->fbias)
		s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(k, ep->fbias + m0));
	__m512 v = _mm512_mul_ps(s, _mm512_maskz_loadu_ps(k, ep->mult + m0));
	if (!q->Y) {
		_mm512_mask_storeu_ps(q->Yf + (size_t)p * q->ldy + m0, k, v);
		return;
	}
	Q_OPAQUE(v);
	v = _mm512_add_ps(v, _mm512_set1_ps((float)ep->zp_y));
	v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps((float)ep->lo)), _mm512_set1_ps((float)ep->hi));
	_mm_mask_storeu_epi8(q->Y + (size_t)p * q->ldy + m0, k, _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(v)));
}

/* Rows p .. p+R-1, channel blocks mb and, if NB is 2, mb+1: the sums by
 * vpdpbusd, then the stores. R and NB are constants where it is called,
 * so that the accumulators live in registers. */
static inline __attribute__((always_inline)) void tile_vnni(const Qgemm *q, int p, int mb, int R, int NB)
{
	int k4_n = (q->K + 3) / 4, full = q->K / 4, tail = q->K % 4;
	size_t ldx = (size_t)q->ldx;
	const uint8_t *x = q->X + (size_t)p * ldx;
	const int8_t *w0 = q->Wp + (size_t)mb * k4_n * 64, *w1 = w0 + (size_t)k4_n * 64;
	__m512i acc[Q_TILE_ROWS][2];
	Q_UNROLL
	for (int r = 0; r < R; r++) {
		Q_UNROLL
		for (int b = 0; b < NB; b++)
			acc[r][b] = _mm512_setzero_si512();
	}
	for (int k4 = 0; k4 < full; k4++) {
		__m512i b0 = _mm512_loadu_si512(w0 + (size_t)k4 * 64);
		__m512i b1 = NB > 1 ? _mm512_loadu_si512(w1 + (size_t)k4 * 64) : b0;
		Q_UNROLL
		for (int r = 0; r < R; r++) {
			int32_t xv;
			memcpy(&xv, x + r * ldx + 4 * (size_t)k4, 4);
			__m512i xb = _mm512_set1_epi32(xv);
			acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], xb, b0);
			if (NB > 1)
				acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], xb, b1);
		}
	}
	if (tail) { /* the last 1-3 k, zero-extended */
		__m512i b0 = _mm512_loadu_si512(w0 + (size_t)full * 64);
		__m512i b1 = NB > 1 ? _mm512_loadu_si512(w1 + (size_t)full * 64) : b0;
		__mmask16 kt = (__mmask16)((1u << tail) - 1);
		Q_UNROLL
		for (int r = 0; r < R; r++) {
			__m128i xt = _mm_maskz_loadu_epi8(kt, x + r * ldx + 4 * (size_t)full);
			__m512i xb = _mm512_broadcastd_epi32(xt);
			acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], xb, b0);
			if (NB > 1)
				acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], xb, b1);
		}
	}
	Q_UNROLL
	for (int r = 0; r < R; r++) {
		Q_UNROLL
		for (int b = 0; b < NB; b++)
			store16_vnni(q, p + r, (mb + b) * 16, acc[r][b]);
	}
}

/* Rows [p0, p1) of Y, per pair of channel blocks: tiles of 12 rows,
 * then of 4 and 1. */
static void rows_vnni_block(const Qgemm *q, int p0, int p1)
{
	int mb_n = (q->M + 15) / 16;
	for (int mb = 0; mb < mb_n; mb += 2) {
		int p = p0;
		if (mb + 1 < mb_n) {
			for (; p + Q_TILE_ROWS <= p1; p += Q_TILE_ROWS)
				tile_vnni(q, p, mb, Q_TILE_ROWS, 2);
			for (; p + 4 <= p1; p += 4)
				tile_vnni(q, p, mb, 4, 2);
			for (; p < p1; p++)
				tile_vnni(q, p, mb, 1, 2);
		} else {
			for (; p + Q_TILE_ROWS <= p1; p += Q_TILE_ROWS)
				tile_vnni(q, p, mb, Q_TILE_ROWS, 1);
			for (; p + 4 <= p1; p += 4)
				tile_vnni(q, p, mb, 4, 1);
			for (; p < p1; p++)
				tile_vnni(q, p, mb, 1, 1);
		}
	}
}

#endif

#if defined(Q_AVX2)

/* Requantizes and stores the 8 sums acc of row p, channels m0.. (fewer
 * past M), as q_requant does one. */
static inline void store8_avx2(const Qgemm *q, int p, int m0, __m256i acc)
{
	const rt_qepilogue *ep = q->ep;
	int n = q->M - m0 < 8 ? q->M - m0 : 8;
	if (n <= 0)
		return;
	__m256i k = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
	__m256 s = _mm256_cvtepi32_ps(_mm256_add_epi32(acc, _mm256_maskload_epi32(ep->bias + m0, k)));
	if (ep->fbias)
		s = _mm256_add_ps(s, _mm256_maskload_ps(ep->fbias + m0, k));
	__m256 mult = _mm256_maskload_ps(ep->mult + m0, k);
	if (!q->Y) {
		_mm256_maskstore_ps(q->Yf + (size_t)p * q->ldy + m0, k, _mm256_mul_ps(s, mult));
		return;
	}
	__m256i i = q_requant8_avx2(ep, s, mult);
	__m128i w = _mm_packus_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256(i, 1));
	uint8_t bytes[16];
	_mm_storeu_si128((__m128i *)bytes, _mm_packus_epi16(w, w));
	memcpy(q->Y + (size_t)p * q->ldy + m0, bytes, (size_t)n);
}

/* The 16 sums acc0 (channels m0..m0+7) and acc1 (m0+8..) of row p,
 * requantized as store8_avx2 does, when all 16 are below M: unmasked
 * loads and one 16-byte store. */
static inline void store16_avx2(const Qgemm *q, int p, int m0, __m256i acc0, __m256i acc1)
{
	const rt_qepilogue *ep = q->ep;
	if (q->M - m0 < 16 || !q->Y) {
		store8_avx2(q, p, m0, acc0);
		store8_avx2(q, p, m0 + 8, acc1);
		return;
	}
	__m256 s0 = _mm256_cvtepi32_ps(_mm256_add_epi32(acc0, _mm256_loadu_si256((const __m256i *)(ep->bias + m0))));
	__m256 s1 = _mm256_cvtepi32_ps(_mm256_add_epi32(acc1, _mm256_loadu_si256((const __m256i *)(ep->bias + m0 + 8))));
	if (ep->fbias) {
		s0 = _mm256_add_ps(s0, _mm256_loadu_ps(ep->fbias + m0));
		s1 = _mm256_add_ps(s1, _mm256_loadu_ps(ep->fbias + m0 + 8));
	}
	__m256i i0 = q_requant8_avx2(ep, s0, _mm256_loadu_ps(ep->mult + m0));
	__m256i i1 = q_requant8_avx2(ep, s1, _mm256_loadu_ps(ep->mult + m0 + 8));
	/* in-lane pack: 64-bit quarters hold channels 0-3, 8-11, 4-7, 12-15 */
	__m256i w = _mm256_packus_epi32(i0, i1);
	w = _mm256_permute4x64_epi64(w, 0xd8); /* 0-3, 4-7, 8-11, 12-15 */
	__m128i b = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
	_mm_storeu_si128((__m128i *)(q->Y + (size_t)p * q->ldy + m0), b);
}

/* Rows a tile of the AVX2 kernel holds: 4 rows x 16 channels, 8
 * accumulators, 4 weight registers, 3 for the row's bytes (of 16). */
#define Q_AVX2_ROWS 4

/* Row x's 4 bytes at a group of 4 k (n of them, the rest 0), as one int32. */
static inline int32_t xword_avx2(const uint8_t *x, int n)
{
	int32_t xv = 0;
	if (n == 4)
		memcpy(&xv, x, 4);
	else
		for (int i = 0; i < n; i++)
			xv |= (int32_t)x[i] << (8 * i);
	return xv;
}

/* One group of 4 k for R rows: the 32-bit words xv[r] (4 bytes of row r)
 * against 16 channels' 4 weights w (64 bytes, channel-major). In 16-bit
 * lanes, a word is (k0 | k1 << 8, k2 | k3 << 8): masking gives the even
 * k (k0, k2) zero-extended, a logical shift the odd ones (k1, k3); a
 * weight word gives its odd k sign-extended by an arithmetic shift, its
 * even k by a left shift first. vpmaddwd then sums each channel's
 * even and odd products exactly (|255 * -128 * 2| < 2^31), and the two
 * add into the channel's int32 lane: no shuffles, no horizontal sums. */
static inline __attribute__((always_inline)) void group_avx2(__m256i acc[][2], const int32_t *xv, const int8_t *w,
                                                             int R)
{
	__m256i w0 = _mm256_loadu_si256((const __m256i *)w), w1 = _mm256_loadu_si256((const __m256i *)(w + 32));
	__m256i w0o = _mm256_srai_epi16(w0, 8), w0e = _mm256_srai_epi16(_mm256_slli_epi16(w0, 8), 8);
	__m256i w1o = _mm256_srai_epi16(w1, 8), w1e = _mm256_srai_epi16(_mm256_slli_epi16(w1, 8), 8);
	__m256i lo8 = _mm256_set1_epi16(0x00ff);
	Q_UNROLL
	for (int r = 0; r < R; r++) {
		__m256i xb = _mm256_set1_epi32(xv[r]);
		__m256i xe = _mm256_and_si256(xb, lo8), xo = _mm256_srli_epi16(xb, 8);
		acc[r][0] = _mm256_add_epi32(acc[r][0],
		                             _mm256_add_epi32(_mm256_madd_epi16(xe, w0e), _mm256_madd_epi16(xo, w0o)));
		acc[r][1] = _mm256_add_epi32(acc[r][1],
		                             _mm256_add_epi32(_mm256_madd_epi16(xe, w1e), _mm256_madd_epi16(xo, w1o)));
	}
}

/* Rows p .. p+R-1 (R 1..Q_AVX2_ROWS, a constant where called), channel
 * block mb. */
static inline __attribute__((always_inline)) void tile_avx2(const Qgemm *q, int p, int mb, int R)
{
	int k4_n = (q->K + 3) / 4, full = q->K / 4, tail = q->K % 4;
	size_t ldx = (size_t)q->ldx;
	const uint8_t *x = q->X + (size_t)p * ldx;
	const int8_t *w = q->Wp + (size_t)mb * k4_n * 64;
	__m256i acc[Q_AVX2_ROWS][2];
	int32_t xv[Q_AVX2_ROWS];
	Q_UNROLL
	for (int r = 0; r < R; r++)
		acc[r][0] = acc[r][1] = _mm256_setzero_si256();
	for (int k4 = 0; k4 < full; k4++) {
		Q_UNROLL
		for (int r = 0; r < R; r++)
			memcpy(&xv[r], x + r * ldx + 4 * (size_t)k4, 4);
		group_avx2(acc, xv, w + (size_t)k4 * 64, R);
	}
	if (tail) {
		Q_UNROLL
		for (int r = 0; r < R; r++)
			xv[r] = xword_avx2(x + r * ldx + 4 * (size_t)full, tail);
		group_avx2(acc, xv, w + (size_t)full * 64, R);
	}
	Q_UNROLL
	for (int r = 0; r < R; r++)
		store16_avx2(q, p + r, mb * 16, acc[r][0], acc[r][1]);
}

/* Bytes of the stack buffer that holds rows of X split into int16 lanes
 * (rows_split_avx2): 128 KB, 13 rows of resnet's largest K (4608). */
#define Q_SPLIT_BYTES (128 * 1024)

/* Rows [p0, p0 + n) of X to xs, lds uint16 a row: per group of 4 k the
 * words (x0 | x2 << 16) and (x1 | x3 << 16), zero-extended (the even and
 * odd k that group_avx2 makes from a broadcast row word), zeros past K. */
static void split_rows_avx2(const Qgemm *q, int p0, int n, uint16_t *xs, size_t lds)
{
	const __m128i perm = _mm_setr_epi8(0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11, 12, 14, 13, 15);
	for (int r = 0; r < n; r++) {
		const uint8_t *x = q->X + (size_t)(p0 + r) * q->ldx;
		uint16_t *d = xs + (size_t)r * lds;
		size_t k = 0;
		for (; k + 16 <= (size_t)q->K; k += 16)
			_mm256_storeu_si256((__m256i *)(d + k),
			                    _mm256_cvtepu8_epi16(_mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(x + k)), perm)));
		for (; k < lds; k++) {
			size_t j = k % 4, src = k - j + (j == 1 ? 2 : j == 2 ? 1 : j);
			d[k] = src < (size_t)q->K ? x[src] : 0;
		}
	}
}

/* group_avx2 on rows already split: row r's even and odd words at xs + r
 * * lds, broadcast straight from memory. */
static inline __attribute__((always_inline)) void group_split_avx2(__m256i acc[][2], const uint16_t *xs,
                                                                   size_t lds, const int8_t *w, int R)
{
	__m256i w0 = _mm256_loadu_si256((const __m256i *)w), w1 = _mm256_loadu_si256((const __m256i *)(w + 32));
	__m256i w0o = _mm256_srai_epi16(w0, 8), w0e = _mm256_srai_epi16(_mm256_slli_epi16(w0, 8), 8);
	__m256i w1o = _mm256_srai_epi16(w1, 8), w1e = _mm256_srai_epi16(_mm256_slli_epi16(w1, 8), 8);
	Q_UNROLL
	for (int r = 0; r < R; r++) {
		int32_t e, o;
		memcpy(&e, xs + r * lds, 4);
		memcpy(&o, xs + r * lds + 2, 4);
		__m256i xe = _mm256_set1_epi32(e), xo = _mm256_set1_epi32(o);
		acc[r][0] = _mm256_add_epi32(acc[r][0],
		                             _mm256_add_epi32(_mm256_madd_epi16(xe, w0e), _mm256_madd_epi16(xo, w0o)));
		acc[r][1] = _mm256_add_epi32(acc[r][1],
		                             _mm256_add_epi32(_mm256_madd_epi16(xe, w1e), _mm256_madd_epi16(xo, w1o)));
	}
}

/* tile_avx2 on split rows: rows p .. p+R-1 of Y, their split X at xs. */
static inline __attribute__((always_inline)) void tile_split_avx2(const Qgemm *q, const uint16_t *xs, size_t lds,
                                                                  int p, int mb, int R)
{
	int k4_n = (q->K + 3) / 4;
	const int8_t *w = q->Wp + (size_t)mb * k4_n * 64;
	__m256i acc[Q_AVX2_ROWS][2];
	Q_UNROLL
	for (int r = 0; r < R; r++)
		acc[r][0] = acc[r][1] = _mm256_setzero_si256();
	for (int k4 = 0; k4 < k4_n; k4++)
		group_split_avx2(acc, xs + 4 * (size_t)k4, lds, w + (size_t)k4 * 64, R);
	Q_UNROLL
	for (int r = 0; r < R; r++)
		store16_avx2(q, p + r, mb * 16, acc[r][0], acc[r][1]);
}

/* Rows of X a block of rows_split_avx2 splits at once: as many whole
 * tiles as the Q_SPLIT_BYTES buffer holds (0 for a K too long for one). */
static int split_rows_n(const Qgemm *q)
{
	size_t row_bytes = 2 * ((size_t)(q->K + 3) / 4 * 4);
	return (int)(Q_SPLIT_BYTES / row_bytes) / Q_AVX2_ROWS * Q_AVX2_ROWS;
}

/* Rows [p0, p1) of Y, X split first (no per-channel-block unpacking of
 * its bytes): by blocks of split_rows_n rows, each split once, then per
 * channel block tiles of 4 rows and the 1-3 left. */
static void rows_split_avx2(const Qgemm *q, int p0, int p1)
{
	size_t lds = (size_t)(q->K + 3) / 4 * 4;
	int rb = split_rows_n(q);
	uint16_t xs[Q_SPLIT_BYTES / 2];
	int mb_n = (q->M + 15) / 16;
	for (int b0 = p0; b0 < p1; b0 += rb) {
		int b1 = p1 - b0 < rb ? p1 : b0 + rb;
		split_rows_avx2(q, b0, b1 - b0, xs, lds);
		for (int mb = 0; mb < mb_n; mb++) {
			int p = b0;
			for (; p + Q_AVX2_ROWS <= b1; p += Q_AVX2_ROWS)
				tile_split_avx2(q, xs + (size_t)(p - b0) * lds, lds, p, mb, Q_AVX2_ROWS);
			if (b1 - p == 3)
				tile_split_avx2(q, xs + (size_t)(p - b0) * lds, lds, p, mb, 3);
			else if (b1 - p == 2)
				tile_split_avx2(q, xs + (size_t)(p - b0) * lds, lds, p, mb, 2);
			else if (b1 - p == 1)
				tile_split_avx2(q, xs + (size_t)(p - b0) * lds, lds, p, mb, 1);
		}
	}
}

/* Rows [p0, p1) of Y: per channel block, tiles of 4 rows, then the 1-3
 * left. */
static void rows_avx2_block(const Qgemm *q, int p0, int p1)
{
	int mb_n = (q->M + 15) / 16;
	for (int mb = 0; mb < mb_n; mb++) {
		int p = p0;
		for (; p + Q_AVX2_ROWS <= p1; p += Q_AVX2_ROWS)
			tile_avx2(q, p, mb, Q_AVX2_ROWS);
		if (p1 - p == 3)
			tile_avx2(q, p, mb, 3);
		else if (p1 - p == 2)
			tile_avx2(q, p, mb, 2);
		else if (p1 - p == 1)
			tile_avx2(q, p, mb, 1);
	}
}
#endif

#if defined(Q_VNNI) || defined(Q_AVX2)
/* Rows of X a block of rows keeps in cache while every channel block
 * passes over it: at most Q_ROW_BLOCK_BYTES of them (256 KB, in L2, and
 * as much as rt_qconv2d unrolls at once), at least a tile. */
#define Q_ROW_BLOCK_BYTES (256 * 1024)

/* Rows [p0, p1) of Y: by blocks of rows, each by `block` (a vector
 * kernel's rows_*_block), as few blocks as Q_ROW_BLOCK_BYTES allows and
 * of even sizes, since each reads all the weights (49 rows of K = 4608
 * cut as 48 + 1 read resnet18's 2.4 MB of layer4 weights twice). */
static void rows_blocked(const Qgemm *q, int p0, int p1, int tile, void (*block)(const Qgemm *, int, int))
{
	int most = Q_ROW_BLOCK_BYTES / (q->K > 0 ? q->K : 1), n = p1 - p0;
	if (most < tile)
		most = tile;
	int blocks = (n + most - 1) / most, rb = (n + blocks - 1) / blocks;
	for (int b0 = p0; b0 < p1; b0 += rb)
		block(q, b0, p1 - b0 < rb ? p1 : b0 + rb);
}
#endif

static void rows_task(void *ctx, int begin, int end)
{
#if defined(Q_VNNI)
	rows_blocked(ctx, begin, end, Q_TILE_ROWS, rows_vnni_block);
#elif defined(Q_AVX2)
	if (split_rows_n(ctx) > 0)
		rows_split_avx2(ctx, begin, end);
	else /* a K too long for the split buffer: each tile splits its bytes */
		rows_blocked(ctx, begin, end, Q_AVX2_ROWS, rows_avx2_block);
#else
	rows_generic(ctx, begin, end);
#endif
}

static void run(const Qgemm *q, int P)
{
	rt_parallel(P, cl_grain(2.0 * q->M * q->K, CL_GRAIN_FLOPS), rows_task, (void *)q);
}

void rt_qgemm_ep(int P, int M, int K, const uint8_t *X, int ldx, const int8_t *Wp, const rt_qepilogue *ep,
                 uint8_t *Y, int ldy)
{
	Qgemm q = {M, K, X, ldx, Wp, ep, Y, NULL, ldy};
	run(&q, P);
}

void rt_qgemm(int P, int M, int K, const uint8_t *X, int ldx, const int8_t *Wp, const int32_t *bias,
              const float *mult, int zp_y, int lo, int hi, uint8_t *Y, int ldy)
{
	rt_qepilogue ep = {bias, NULL, mult, zp_y, lo, hi};
	rt_qgemm_ep(P, M, K, X, ldx, Wp, &ep, Y, ldy);
}

void rt_qgemm_f32(int P, int M, int K, const uint8_t *X, int ldx, const int8_t *Wp, const rt_qepilogue *ep,
                  float *Y, int ldy)
{
	Qgemm q = {M, K, X, ldx, Wp, ep, NULL, Y, ldy};
	run(&q, P);
}
