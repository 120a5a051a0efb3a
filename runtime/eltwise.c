/*
 * eltwise.c: batch norm, activations, add, copy, concat and softmax.
 *
 * Each kernel is one pass over memory computed in float, written so that
 * y == x works wherever the header says "in place ok": an element is read
 * before the element at the same index is written, and never read again.
 *
 * Numerics follow PyTorch 1.13 for inference:
 * - batch norm: (x - mean) * (1 / sqrt(var + eps)) * gamma + beta, with
 *   the inverse standard deviation computed once per channel.
 * - relu and relu6 let NaN through (PyTorch's clamp does too).
 * - sigmoid never evaluates exp of a large positive number: for x < 0 it
 *   uses e / (1 + e) with e = exp(x), so -100 gives a tiny number, not 0/inf.
 * - softmax subtracts the channel maximum before exp, so inputs like 1000
 *   do not overflow, then divides by the sum.
 */
#include <math.h>

#include "cnnrt.h"

/* x, y: [n, c, hw]; gamma, beta, mean, var: [c]. */
void rt_batch_norm(int n, int c, int hw, const float *x, const float *gamma, const float *beta, const float *mean,
                   const float *var, float eps, float *y)
{
	for (int i = 0; i < n; i++) {
		for (int ch = 0; ch < c; ch++) {
			float invstd = 1.0f / sqrtf(var[ch] + eps);
			float m = mean[ch], g = gamma[ch], bt = beta[ch];
			size_t base = ((size_t)i * c + ch) * hw;
			for (int s = 0; s < hw; s++)
				y[base + s] = (x[base + s] - m) * invstd * g + bt;
		}
	}
}

/* x, y: [count] */
void rt_relu(size_t count, const float *x, float *y)
{
	for (size_t i = 0; i < count; i++)
		y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

/* x, y: [count]; min(max(x, 0), 6) */
void rt_relu6(size_t count, const float *x, float *y)
{
	for (size_t i = 0; i < count; i++) {
		float v = x[i];
		y[i] = v < 0.0f ? 0.0f : v > 6.0f ? 6.0f : v;
	}
}

/* x, y: [count]; 1 / (1 + exp(-x)), stable for large |x| */
void rt_sigmoid(size_t count, const float *x, float *y)
{
	for (size_t i = 0; i < count; i++) {
		float v = x[i];
		if (v >= 0.0f) {
			y[i] = 1.0f / (1.0f + expf(-v));
		} else {
			float e = expf(v);
			y[i] = e / (1.0f + e);
		}
	}
}

/* x, y: [count] */
void rt_tanh(size_t count, const float *x, float *y)
{
	for (size_t i = 0; i < count; i++)
		y[i] = tanhf(x[i]);
}

/* x, y: [count]; x for x > 0, slope * x otherwise */
void rt_leaky_relu(size_t count, float slope, const float *x, float *y)
{
	for (size_t i = 0; i < count; i++)
		y[i] = x[i] > 0.0f ? x[i] : x[i] * slope;
}

/* a, b, y: [count] */
void rt_add(size_t count, const float *a, const float *b, float *y)
{
	for (size_t i = 0; i < count; i++)
		y[i] = a[i] + b[i];
}

/* x, y: [count] */
void rt_copy(size_t count, const float *x, float *y)
{
	for (size_t i = 0; i < count; i++)
		y[i] = x[i];
}

/* x: [n, c, hw] -> channels [c_off, c_off + c) of y: [n, c_total, hw] */
void rt_concat_part(int n, int c, int hw, int c_total, int c_off, const float *x, float *y)
{
	size_t block = (size_t)c * hw; /* one sample of x, contiguous in y too */
	for (int i = 0; i < n; i++)
		rt_copy(block, x + (size_t)i * block, y + ((size_t)i * c_total + c_off) * hw);
}

/* x, y: [n, c, hw]; softmax over c for each (n, hw) position */
void rt_softmax(int n, int c, int hw, const float *x, float *y)
{
	for (int i = 0; i < n; i++) {
		for (int s = 0; s < hw; s++) {
			size_t base = (size_t)i * c * hw + s; /* channel 0 of this position */
			float max = -INFINITY;
			for (int ch = 0; ch < c; ch++) {
				float v = x[base + (size_t)ch * hw];
				if (v > max || isnan(v))
					max = v;
			}
			float sum = 0.0f;
			for (int ch = 0; ch < c; ch++) {
				float e = expf(x[base + (size_t)ch * hw] - max);
				y[base + (size_t)ch * hw] = e;
				sum += e;
			}
			for (int ch = 0; ch < c; ch++)
				y[base + (size_t)ch * hw] /= sum;
		}
	}
}
