/*
 * qparams.c: scales and zero points from what calibration saw.
 *
 * The arithmetic is PyTorch's (torch 1.13, ao/quantization/observer.py,
 * _calculate_qparams), step by step in float32, so a range gives the
 * same bits here as there:
 *   activations (MinMaxObserver, quint8 0..255, reduce_range off as the
 *   onednn qconfig has it):
 *     lo' = min(lo, 0), hi' = max(hi, 0)
 *     scale = max((hi' - lo') / 255, FLT_EPSILON)
 *     zero_point = clamp(0 - round(lo' / scale), 0, 255)
 *   weights (PerChannelMinMaxObserver, qint8 -128..127,
 *   per_channel_symmetric), per output channel:
 *     scale = max(max(-lo', hi') / 127.5, FLT_EPSILON), zero_point 0
 * round is round-half-even (torch.round, nearbyint). Values are
 * quantized as torch.quantize_per_channel does without fbgemm:
 * zero_point + round(x * (1 / scale)), clamped.
 *
 * The range itself comes from the method: minmax takes all of it (what
 * PyTorch's observers do); percentile and entropy clip it, from the
 * histograms (QStats.hist), and are cnnc's own (no PyTorch observer
 * to match): percentile keeps the 0.01% .. 99.99% quantiles, entropy
 * picks on each side of zero the clip whose quantized histogram is
 * nearest the full one in KL divergence (TensorRT's method; zeros
 * counted as the bin after them), with 127 levels a side when the values
 * have both signs, 255 when one.
 */
#include "../cnnc.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define PERCENTILE_TAIL 1e-4 /* share of the values percentile clips off each end */

QParams quant_affine_u8(float lo, float hi)
{
	float lo_neg = lo < 0.0f ? lo : 0.0f, hi_pos = hi > 0.0f ? hi : 0.0f;
	float scale = (hi_pos - lo_neg) / 255.0f;
	if (!(scale > FLT_EPSILON))
		scale = FLT_EPSILON;
	float zp = 0.0f - nearbyintf(lo_neg / scale);
	QParams q = {.scale = scale, .zero_point = zp < 0.0f ? 0 : zp > 255.0f ? 255 : (int)zp, .lo = lo, .hi = hi};
	return q;
}

float quant_symmetric_s8(float lo, float hi)
{
	float lo_neg = lo < 0.0f ? lo : 0.0f, hi_pos = hi > 0.0f ? hi : 0.0f;
	float m = -lo_neg > hi_pos ? -lo_neg : hi_pos;
	float scale = m / 127.5f;
	return scale > FLT_EPSILON ? scale : FLT_EPSILON;
}

long long quant_value(float x, float scale, int zero_point, long long qmin, long long qmax)
{
	float inv = 1.0f / scale;
	double q = (double)zero_point + (double)nearbyintf(x * inv);
	return q < (double)qmin ? qmin : q > (double)qmax ? qmax : (long long)q;
}

/* Bins of h (n of them) to keep so that at most tail of total lies past
 * them. */
static int percentile_bins(const unsigned long long *h, int n, double total, double tail)
{
	double past = 0;
	for (int b = n - 1; b >= 0; b--) {
		past += (double)h[b];
		if (past > tail * total)
			return b + 1;
	}
	return 0;
}

/* Bins of h (n of them) to keep, levels or more, whose histogram clipped
 * there (the values past it counted in its last bin) and merged into
 * levels steps loses the least information (KL divergence). */
static int entropy_bins(const unsigned long long *hist, int n, int levels)
{
	if (n <= levels)
		return n;
	/* the zeros (half of a relu's output) would outweigh everything else:
	 * the first bin counts as the second, as NVIDIA's pytorch-quantization
	 * does */
	static unsigned long long h[QUANT_BINS];
	memcpy(h, hist, (size_t)n * sizeof *h);
	h[0] = h[1];
	double *p = NULL, best_kl = INFINITY;
	int best = n;
	double tail = 0;
	for (int b = levels; b < n; b++)
		tail += (double)h[b];
	static double pbuf[QUANT_BINS], qbuf[QUANT_BINS];
	p = pbuf;
	for (int i = levels; i <= n; i++) {
		if (i > levels)
			tail -= (double)h[i - 1];
		double psum = 0, qsum = 0;
		for (int b = 0; b < i; b++)
			psum += p[b] = (double)h[b];
		p[i - 1] += tail;
		psum += tail;
		if (psum <= 0)
			return n;
		for (int j = 0; j < levels; j++) {
			int from = (int)((long long)j * i / levels), to = (int)((long long)(j + 1) * i / levels);
			double sum = 0;
			int nonzero = 0;
			for (int b = from; b < to; b++) {
				sum += (double)h[b];
				nonzero += p[b] > 0;
			}
			for (int b = from; b < to; b++)
				qsum += qbuf[b] = p[b] > 0 && nonzero ? sum / nonzero : 0.0;
		}
		double kl = 0;
		for (int b = 0; b < i; b++) {
			if (p[b] <= 0)
				continue;
			double pp = p[b] / psum, qq = qsum > 0 ? qbuf[b] / qsum : 0;
			kl += pp * log(pp / (qq > 1e-12 ? qq : 1e-12));
		}
		if (kl < best_kl) {
			best_kl = kl;
			best = i;
		}
	}
	return best;
}

void quant_range(const QStats *s, const char *method, float *lo, float *hi)
{
	*lo = s->min;
	*hi = s->max;
	if (!strcmp(method, "minmax") || !s->hist)
		return;
	const unsigned long long *pos = s->hist, *neg = s->hist + QUANT_BINS;
	double npos = 0, nneg = 0;
	for (int b = 0; b < QUANT_BINS; b++) {
		npos += (double)pos[b];
		nneg += (double)neg[b];
	}
	double total = npos + nneg;
	int keep_pos, keep_neg;
	if (!strcmp(method, "percentile")) {
		keep_pos = percentile_bins(pos, QUANT_BINS, total, PERCENTILE_TAIL);
		keep_neg = percentile_bins(neg, QUANT_BINS, total, PERCENTILE_TAIL);
	} else {
		int levels = npos > 0 && nneg > 0 ? 127 : 255;
		keep_pos = npos > 0 ? entropy_bins(pos, QUANT_BINS, levels) : 0;
		keep_neg = nneg > 0 ? entropy_bins(neg, QUANT_BINS, levels) : 0;
	}
	if (s->max > 0)
		*hi = s->max * (float)keep_pos / QUANT_BINS;
	if (s->min < 0)
		*lo = s->min * (float)keep_neg / QUANT_BINS;
}
