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
 * Threads: rows of X (pixels) are split between them (rt_parallel); a row
 * is computed the same way whichever thread runs it.
 */
#include "cnnrt.h"
#include "cl.h"
#include "qrequant.h"

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

static void rows_task(void *ctx, int begin, int end)
{
	rows_generic(ctx, begin, end);
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
