/*
 * broadcast.c: the binary ops whose operands differ in shape.
 *
 * rt_binary_channel is squeeze-and-excitation's scaling (and any op of a
 * tensor with a per-channel one) in every layout; rt_binary_broadcast is
 * PyTorch's broadcasting in general, in NCHW, by strides. Both run in
 * parallel over planes (a sample's chunk of channels, or an outer index)
 * and compute each element once, as one thread would.
 */
#include "cnnrt.h"

#include "binop.h"
#include "cl.h"
#include "simd.h"

/* rt_binary_channel's arguments. */
typedef struct {
	rt_binop op;            /* the operation */
	int n, nb, hw, cl;      /* batch, chunks of channels, pixels, chunk */
	const float *a, *s;     /* the tensor and the per-channel operand */
	int s_batch, s_first;   /* s has n rows (else one); s is the left operand */
	float *y;               /* output, like a */
} Channel;

/* Planes [begin, end): plane i is chunk i % nb of sample i / nb, hw * cl
 * floats of a and y against cl floats of s. */
static void channel_planes(void *ctx, int begin, int end)
{
	const Channel *k = ctx;
	for (int i = begin; i < end; i++) {
		size_t plane = (size_t)k->hw * (size_t)k->cl;
		const float *a = k->a + (size_t)i * plane;
		const float *s = k->s + ((size_t)(k->s_batch ? i / k->nb : 0) * k->nb + (size_t)(i % k->nb)) * k->cl;
		float *y = k->y + (size_t)i * plane;
		if (k->cl == 1) { /* NCHW: one number for the plane, in vectors (y may be a: GCC's
		                     -O2 would not vectorize the loop with that check) */
#define LOOP(OP) BINOP_NUMBER(OP, y, a, s[0], k->s_first, 0, plane)
			BINOP_LOOP(k->op, LOOP);
#undef LOOP
			continue;
		}
		if (k->cl == VW) { /* NCHW8c with AVX (NCHW4c without): one vector of s */
			vf sv;
			LOADV(sv, s);
#define LOOP(OP)                                                            \
	for (size_t p = 0; p < plane; p += VW) {                            \
		vf x;                                                       \
		LOADV(x, a + p);                                            \
		x = k->s_first ? sv OP x : x OP sv;                         \
		STOREV(y + p, x);                                           \
	}
			BINOP_LOOP(k->op, LOOP);
#undef LOOP
			continue;
		}
#define LOOP(OP)                                                            \
	for (size_t p = 0; p < plane; p += (size_t)k->cl)                   \
		if (k->s_first)                                             \
			for (int l = 0; l < k->cl; l++) y[p + l] = s[l] OP a[p + l]; \
		else                                                        \
			for (int l = 0; l < k->cl; l++) y[p + l] = a[p + l] OP s[l]
		BINOP_LOOP(k->op, LOOP);
#undef LOOP
	}
}

/* a, y: [n, c, hw] in chunks of cl; s: [n or 1, c] in chunks of cl */
void rt_binary_channel(rt_binop op, int n, int c, int hw, int cl, const float *a, const float *s, int s_batch,
                       int s_first, float *y)
{
	Channel k = {op, n, cl_chunks(c, cl), hw, cl, a, s, s_batch, s_first, y};
	int planes = n * k.nb;
	rt_parallel(planes, cl_grain(2.0 * hw * cl, CL_GRAIN_FLOATS), channel_planes, &k);
}

/* rt_binary_broadcast's arguments, for rt_parallel. */
typedef struct {
	const rt_broadcast_params *p; /* sizes, strides, op */
	const float *a, *b;           /* operands */
	float *y;                     /* output, dense */
} Broadcast;

/* Outer indices [begin, end) over dims 0 and 1: a [d2, d3] block of y
 * each. */
static void broadcast_blocks(void *ctx, int begin, int end)
{
	const Broadcast *k = ctx;
	const rt_broadcast_params *p = k->p;
	const int *d = p->dim;
	for (int o = begin; o < end; o++) {
		int i0 = o / d[1], i1 = o % d[1];
		const float *pa = k->a + i0 * p->sa[0] + i1 * p->sa[1];
		const float *pb = k->b + i0 * p->sb[0] + i1 * p->sb[1];
		float *py = k->y + (size_t)o * d[2] * d[3];
		long long xa = p->sa[3], xb = p->sb[3];
		for (int i2 = 0; i2 < d[2]; i2++) {
			const float *ra = pa + i2 * p->sa[2], *rb = pb + i2 * p->sb[2];
			float *ry = py + (size_t)i2 * d[3];
#define LOOP(OP) for (int j = 0; j < d[3]; j++) ry[j] = ra[j * xa] OP rb[j * xb]
			BINOP_LOOP(p->op, LOOP);
#undef LOOP
		}
	}
}

/* y: [d0, d1, d2, d3] dense; a, b at strides sa, sb */
void rt_binary_broadcast(const rt_broadcast_params *p, const float *a, const float *b, float *y)
{
	Broadcast k = {p, a, b, y};
	rt_parallel(p->dim[0] * p->dim[1], cl_grain(3.0 * p->dim[2] * p->dim[3], CL_GRAIN_FLOATS), broadcast_blocks, &k);
}
