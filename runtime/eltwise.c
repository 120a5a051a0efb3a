/*
 * eltwise.c: batch norm, activations, add and the other binary ops of
 * one shape or with a number, copy, concat and softmax.
 *
 * Each kernel is one pass over memory computed in float, written so that
 * y == x works wherever the header says "in place ok": an element is read
 * before the element at the same index is written, and never read again.
 *
 * Numerics follow PyTorch 1.13 for inference:
 * - batch norm: (x - mean) * (1 / sqrt(var + eps)) * gamma + beta, with
 *   the inverse standard deviation computed once per channel.
 * - the activations are the formulas of act.h, one kernel per row of
 *   acts.def, in vectors (the scalar formula, the same bits, on a ragged
 *   end): relu and relu6 let NaN through (PyTorch's clamp does too);
 *   sigmoid never evaluates exp of a large positive number.
 * - softmax subtracts the channel maximum before exp, so inputs like 1000
 *   do not overflow, then divides by the sum.
 */
#include <math.h>
#include <string.h>

#include "cnnrt.h"

#include "act.h"
#include "binop.h"
#include "cl.h"
#include "simd.h"

/*
 * The kernels over a flat range run in parallel over blocks of BLOCK
 * elements: the element-wise ones through `range`, which hands each slice
 * of blocks to a body over [i0, i1); batch norm over channels. Softmax
 * and concat's loop over samples stay serial (concat's copies are
 * parallel). Every element is computed by one thread as it would be
 * by one, so the thread count does not change the result.
 */
#define BLOCK 4096 /* elements per item of a flat loop */

/* The element-wise kernels, one loop each in flat_loop. */
typedef enum { FLAT_ACT, FLAT_BINARY, FLAT_SCALAR, FLAT_COPY } FlatOp;

/* A flat kernel's arguments: y[i] = op(a[i], b[i]) for i in [0, count). */
typedef struct {
	FlatOp op;          /* which kernel */
	int act;            /* FLAT_ACT's activation, an rt_act_id; FLAT_BINARY's
	                       and FLAT_SCALAR's rt_binop */
	float param;        /* its parameter (acts.def); FLAT_SCALAR's number */
	float param2;       /* its second parameter, if it has two */
	int s_first;        /* FLAT_SCALAR: the number is the left operand */
	size_t count;       /* elements */
	const float *a, *b; /* inputs (b for FLAT_BINARY only) */
	float *y;           /* output; may be a (or b) */
} Flat;

/* The kernel f->op over elements [i0, i1), in vectors of VW (simd.h),
 * the last i1 - i0 mod VW elements one by one: each activation its own
 * loop around its vector formula, its scalar formula (the same bits) on
 * that end; each binary op its own loop, the operator a constant. The
 * vector loops load before they store, so y may be x (or b). */
static void flat_loop(const Flat *f, size_t i0, size_t i1)
{
	const float *x = f->a, *b = f->b;
	float *y = f->y;
	float p = f->param, q = f->param2;
	size_t i = i0;
	switch (f->op) {
	case FLAT_ACT:
		switch ((rt_act_id)f->act) {
		case RT_ACT_NONE:
			break; /* the copy below */
#define ACT(ID, name, kind)                                \
	case RT_ACT_##ID:                                  \
		for (; i + VW <= i1; i += VW) {            \
			vf v;                              \
			LOADV(v, x + i);                   \
			v = actv_##name(v, p, q);          \
			STOREV(y + i, v);                  \
		}                                          \
		for (; i < i1; i++)                        \
			y[i] = act_##name(x[i], p, q);     \
		return;
#include "acts.def"
		}
		break;
	case FLAT_BINARY:
#define LOOP(OP)                                           \
	for (; i + VW <= i1; i += VW) {                    \
		vf u, v;                                   \
		LOADV(u, x + i);                           \
		LOADV(v, b + i);                           \
		u = u OP v;                                \
		STOREV(y + i, u);                          \
	}                                                  \
	for (; i < i1; i++)                                \
		y[i] = x[i] OP b[i]
		BINOP_LOOP(f->act, LOOP);
#undef LOOP
		return;
	case FLAT_SCALAR:
#define LOOP(OP) BINOP_NUMBER(OP, y, x, p, f->s_first, i0, i1)
		BINOP_LOOP(f->act, LOOP);
#undef LOOP
		return;
	case FLAT_COPY:
		break;
	}
	memmove(y + i0, x + i0, (i1 - i0) * sizeof *y); /* a copy (y may be x) */
}

/* Items [begin, end) of BLOCK elements each. */
static void flat_items(void *ctx, int begin, int end)
{
	const Flat *f = ctx;
	size_t i1 = (size_t)end * BLOCK;
	flat_loop(f, (size_t)begin * BLOCK, i1 < f->count ? i1 : f->count);
}

/* Runs f over [0, count) in parallel; cost: floats moved per element,
 * more for the transcendental ones. */
static void range(Flat f, double cost)
{
	size_t items = (f.count + BLOCK - 1) / BLOCK;
	if (items > (size_t)1 << 30) { /* beyond an int of items: serially */
		flat_loop(&f, 0, f.count);
		return;
	}
	rt_parallel((int)items, cl_grain(cost * BLOCK, CL_GRAIN_FLOATS), flat_items, &f);
}

/* x, y: [n, c, hw]; gamma, beta, mean, var: [c]. NCHW is the chunked
 * layouts' cl = 1, so this is pool_cl.c's kernel (parallel over planes). */
void rt_batch_norm(int n, int c, int hw, const float *x, const float *gamma, const float *beta, const float *mean,
                   const float *var, float eps, float *y)
{
	rt_batch_norm_cl(n, c, hw, 1, x, gamma, beta, mean, var, eps, y);
}

/* x, y: [n, c, hw]; slope: [nslope]. As batch norm: pool_cl.c's kernel
 * with cl = 1. */
void rt_prelu(int n, int c, int hw, const float *x, const float *slope, int nslope, float *y)
{
	rt_prelu_cl(n, c, hw, 1, x, slope, nslope, y);
}

/* Floats moved per element of an activation, for range: more for the
 * LANES ones (a libm call each). */
#define COST_VEC 2
#define COST_LANES 20

/* x, y: [count]; rt_<name> of each row of acts.def, its parameter after
 * count. */
#define ACT(ID, name, kind)                                                     \
	void rt_##name(size_t count, const float *x, float *y)                  \
	{                                                                       \
		range((Flat){FLAT_ACT, RT_ACT_##ID, 0, 0, 0, count, x, NULL, y}, COST_##kind); \
	}
#define ACT_P(ID, name, kind, option, dflt)                                     \
	void rt_##name(size_t count, float option, const float *x, float *y)    \
	{                                                                       \
		range((Flat){FLAT_ACT, RT_ACT_##ID, option, 0, 0, count, x, NULL, y}, COST_##kind); \
	}
#define ACT_P2(ID, name, kind, option, dflt, option2, dflt2)                    \
	void rt_##name(size_t count, float option, float option2, const float *x, float *y) \
	{                                                                       \
		range((Flat){FLAT_ACT, RT_ACT_##ID, option, option2, 0, count, x, NULL, y}, COST_##kind); \
	}
#include "acts.def"

/* a, b, y: [count] */
void rt_add(size_t count, const float *a, const float *b, float *y)
{
	rt_binary(RT_BIN_ADD, count, a, b, y);
}

/* a, b, y: [count] */
void rt_binary(rt_binop op, size_t count, const float *a, const float *b, float *y)
{
	range((Flat){FLAT_BINARY, (int)op, 0, 0, 0, count, a, b, y}, 3);
}

/* a, y: [count] */
void rt_binary_scalar(rt_binop op, size_t count, const float *a, float s, int s_first, float *y)
{
	range((Flat){FLAT_SCALAR, (int)op, s, 0, s_first, count, a, NULL, y}, 2);
}

/* x, y: [count] */
void rt_copy(size_t count, const float *x, float *y)
{
	range((Flat){FLAT_COPY, RT_ACT_NONE, 0, 0, 0, count, x, NULL, y}, 2);
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
