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

#include "cl.h"

/*
 * The kernels over a flat range run in parallel over blocks of BLOCK
 * elements: the element-wise ones through `range`, which hands each slice
 * of blocks to a body over [i0, i1); batch norm over channels. Softmax
 * and concat's loop over samples stay serial (concat's copies are
 * parallel). Every element is computed by one thread as it would be
 * by one, so the thread count does not change the result.
 */
#define BLOCK 4096 /* elements per item of a flat loop */

/* A flat kernel's arguments: y[i] = f(a[i], b[i]). */
typedef struct {
	size_t count;
	const float *a, *b; /* inputs (b for rt_add only) */
	float *y;
	float slope;                                          /* rt_leaky_relu's */
	void (*body)(const void *job, size_t i0, size_t i1); /* the loop over [i0, i1) */
} Flat;

static void flat_items(void *ctx, int begin, int end)
{
	const Flat *f = ctx;
	size_t i1 = (size_t)end * BLOCK;
	f->body(f, (size_t)begin * BLOCK, i1 < f->count ? i1 : f->count);
}

/* Runs f over [0, count) in parallel; cost: floats moved per element,
 * more for the transcendental ones. */
static void range(Flat *f, double cost)
{
	size_t items = (f->count + BLOCK - 1) / BLOCK;
	if (items > (size_t)1 << 30) { /* beyond an int of items: serially */
		f->body(f, 0, f->count);
		return;
	}
	rt_parallel((int)items, cl_grain(cost * BLOCK, CL_GRAIN_FLOATS), flat_items, f);
}

/* The arguments of rt_batch_norm, for its parallel loop. */
typedef struct {
	int c, hw;
	const float *x, *gamma, *beta, *mean, *var;
	float eps;
	float *y;
} Bn;

/* Items [begin, end) of the loop over (image, channel). */
static void bn_planes(void *ctx, int begin, int end)
{
	const Bn *j = ctx;
	for (int it = begin; it < end; it++) {
		int ch = it % j->c;
		float invstd = 1.0f / sqrtf(j->var[ch] + j->eps);
		float m = j->mean[ch], g = j->gamma[ch], bt = j->beta[ch];
		size_t base = (size_t)it * j->hw;
		for (int s = 0; s < j->hw; s++)
			j->y[base + s] = (j->x[base + s] - m) * invstd * g + bt;
	}
}

/* x, y: [n, c, hw]; gamma, beta, mean, var: [c]. */
void rt_batch_norm(int n, int c, int hw, const float *x, const float *gamma, const float *beta, const float *mean,
                   const float *var, float eps, float *y)
{
	Bn j = {c, hw, x, gamma, beta, mean, var, eps, y};
	rt_parallel(n * c, cl_grain(2.0 * hw, CL_GRAIN_FLOATS), bn_planes, &j);
}

/* rt_relu over [i0, i1) */
static void relu_body(const void *job, size_t i0, size_t i1)
{
	const Flat *f = job;
	const float *x = f->a;
	float *y = f->y;
	for (size_t i = i0; i < i1; i++)
		y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

/* x, y: [count] */
void rt_relu(size_t count, const float *x, float *y)
{
	Flat f = {count, x, NULL, y, 0, relu_body};
	range(&f, 2);
}

/* rt_relu6 over [i0, i1) */
static void relu6_body(const void *job, size_t i0, size_t i1)
{
	const Flat *f = job;
	const float *x = f->a;
	float *y = f->y;
	for (size_t i = i0; i < i1; i++) {
		float v = x[i];
		y[i] = v < 0.0f ? 0.0f : v > 6.0f ? 6.0f : v;
	}
}

/* x, y: [count]; min(max(x, 0), 6) */
void rt_relu6(size_t count, const float *x, float *y)
{
	Flat f = {count, x, NULL, y, 0, relu6_body};
	range(&f, 2);
}

/* rt_sigmoid over [i0, i1) */
static void sigmoid_body(const void *job, size_t i0, size_t i1)
{
	const Flat *f = job;
	const float *x = f->a;
	float *y = f->y;
	for (size_t i = i0; i < i1; i++) {
		float v = x[i];
		if (v >= 0.0f) {
			y[i] = 1.0f / (1.0f + expf(-v));
		} else {
			float e = expf(v);
			y[i] = e / (1.0f + e);
		}
	}
}

/* x, y: [count]; 1 / (1 + exp(-x)), stable for large |x| */
void rt_sigmoid(size_t count, const float *x, float *y)
{
	Flat f = {count, x, NULL, y, 0, sigmoid_body};
	range(&f, 20);
}

/* rt_tanh over [i0, i1) */
static void tanh_body(const void *job, size_t i0, size_t i1)
{
	const Flat *f = job;
	const float *x = f->a;
	float *y = f->y;
	for (size_t i = i0; i < i1; i++)
		y[i] = tanhf(x[i]);
}

/* x, y: [count] */
void rt_tanh(size_t count, const float *x, float *y)
{
	Flat f = {count, x, NULL, y, 0, tanh_body};
	range(&f, 20);
}

/* rt_leaky_relu over [i0, i1) */
static void leaky_relu_body(const void *job, size_t i0, size_t i1)
{
	const Flat *f = job;
	const float *x = f->a;
	float *y = f->y;
	float slope = f->slope;
	for (size_t i = i0; i < i1; i++)
		y[i] = x[i] > 0.0f ? x[i] : x[i] * slope;
}

/* x, y: [count]; x for x > 0, slope * x otherwise */
void rt_leaky_relu(size_t count, float slope, const float *x, float *y)
{
	Flat f = {count, x, NULL, y, slope, leaky_relu_body};
	range(&f, 2);
}

/* rt_add over [i0, i1) */
static void add_body(const void *job, size_t i0, size_t i1)
{
	const Flat *f = job;
	const float *a = f->a, *b = f->b;
	float *y = f->y;
	for (size_t i = i0; i < i1; i++)
		y[i] = a[i] + b[i];
}

/* a, b, y: [count] */
void rt_add(size_t count, const float *a, const float *b, float *y)
{
	Flat f = {count, a, b, y, 0, add_body};
	range(&f, 3);
}

/* rt_copy over [i0, i1) */
static void copy_body(const void *job, size_t i0, size_t i1)
{
	const Flat *f = job;
	const float *x = f->a;
	float *y = f->y;
	for (size_t i = i0; i < i1; i++)
		y[i] = x[i];
}

/* x, y: [count] */
void rt_copy(size_t count, const float *x, float *y)
{
	Flat f = {count, x, NULL, y, 0, copy_body};
	range(&f, 2);
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
