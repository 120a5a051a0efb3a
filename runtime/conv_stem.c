/*
 * conv_stem.c: direct convolution for few input channels (a network's
 * first layer), with a fused epilogue.
 *
 * A first layer has c = 1..4 input channels and a large kernel (resnet's
 * 7x7 stride 2 on 3 channels): as a GEMM its k = c*kh*kw is short (147)
 * and its patches matrix is kh*kw/(sh*sw) times the input, written and
 * read once more. Here the input is read in place instead, through the
 * padded, deinterleaved rows of rows.h: for each output row, the c*kh
 * input rows it needs are copied into scratch with the padding written
 * out and split into stride phases (a row the previous output row
 * already copied stays where it is), after which every tap of VW output
 * columns is one vector load. A register tile of MO output channels x NV
 * vectors of output columns accumulates over all c*kh*kw taps (per tap:
 * NV loads, MO weight broadcasts, MO*NV FMAs), then goes through the
 * epilogue and is stored once. Weights are read as they are, [oc, c, kh,
 * kw]: the broadcasts do not need them contiguous. The last tile of
 * channels reads the last channel's weights again for rows past oc and
 * drops them; the last tile of columns computes past ow on padding and
 * stores only what exists. Alone on this host: resnet's 7x7 stem 2.51 ->
 * 2.16 ms and mobilenet_v2's 3x3 one 0.40 -> 0.24 ms once whole tiles
 * were stored as straight-line code and rows kept.
 */
#define SIMD_WIDE /* vectors of 16 with AVX-512 (simd.h); rows.h's rings are sized by RT_STEM_LEN here */
#include "rows.h"

#include <limits.h>
#include <stdbool.h>

#include "act.h"
#include "cl.h"

/* A register tile: MO output channels x NV vectors of output columns.
 * Per tap it loads NV vectors of input and broadcasts MO weights for
 * MO*NV FMAs. With AVX-512's 32 registers, 8 x 2 (16 accumulators):
 * resnet's 7x7 stem 2.61 -> 2.53 ms against 6 x 2; 8 x 3, 10 x 2, 12 x 2
 * and 16 x 1 were slower as the only tile (edge waste at 64 channels and
 * 112 columns, or fewer FMAs per load; 16 x 1 is now the tail tile of a
 * last vector of columns, TAIL_MO below). The file is SIMD_WIDE: with
 * AVX-512F the vectors are 16 floats, 8 x 2 of them a tile, and on a Zen
 * 5 core (512-bit FMA units) resnet50's stem alone ran 2.14 -> 1.30 ms,
 * though 112 columns then cost 128 (the tail tiles since). With 16 registers, 6 x 2: 12 accumulators, 2
 * inputs and a broadcast. NV*VW stays within the 32 columns that
 * RT_STEM_LEN rounds ow up to. */
#if SIMD_REGS == 32
#define MO 8
#else
#define MO 6
#endif
#define NV 2
/* The output columns past the last whole NV vectors, when they are one
 * vector or less (resnet's 112 = 3 * 32 + 16), go by tail tiles of
 * TAIL_MO channels x 1 vector, which with 32 registers hold as many
 * accumulators: a tile of NV vectors there computed half empty columns
 * (resnet's 7x7 stem alone on Zen 4, AVX-512: 2.45 -> 2.21-2.33 ms, 90%
 * of the FMA peak). 0: no tail tiles. */
#if SIMD_REGS == 32
#define TAIL_MO (2 * MO)
#define MO_MAX TAIL_MO
#else
#define TAIL_MO 0
#define MO_MAX MO
#endif
/* a tile's columns divide the 32 RT_STEM_LEN rounds ow up to */
typedef char stem_tile_fits[32 % (NV * VW) == 0 ? 1 : -1];

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* The tile at output channels o0.. (weights wr[i] of channel o0 + i, each
 * k floats in tap order) and output columns ox..: y, res at channel o0,
 * row oy, column 0; plane = oh*ow floats between channels. Inlined with
 * act constant (RT_ACT_NONE or a VEC act of acts.def; or -1: ep's, looked
 * up per store), so a whole
 * tile's epilogue and stores are straight-line code on registers: with a
 * loop over its rows they went through memory, a third of the time of a
 * 3x3 stem (k = 27 taps); and while an edge tile's loop still indexed
 * acc, every tile spilled it (mobilenet_v2's stem 0.262 -> 0.239 ms). */
static ALWAYS_INLINE void tile(int act, const int mo, const int nv, int k, const float *const *tap,
                               const float *const *wr, int ox, int rows, int ow, size_t plane, int o0,
                               const rt_epilogue *ep, const float *res, float *y)
{
	const float *bias = ep->bias ? ep->bias + o0 : NULL;
	vf acc[MO_MAX][NV];
#pragma GCC unroll 16
	for (int i = 0; i < mo; i++)
#pragma GCC unroll 4
		for (int v = 0; v < nv; v++)
			acc[i][v] = (vf){0};
	for (int t = 0; t < k; t++) {
		vf x[NV];
		const float *tp = tap[t] + ox;
#pragma GCC unroll 4
		for (int v = 0; v < nv; v++)
			LOADV(x[v], tp + v * VW);
#pragma GCC unroll 16
		for (int i = 0; i < mo; i++) {
			float wt = wr[i][t];
#pragma GCC unroll 4
			for (int v = 0; v < nv; v++)
				acc[i][v] += wt * x[v];
		}
	}
	if (act >= 0 && rows == mo && ox + nv * VW <= ow) { /* a whole tile */
#pragma GCC unroll 16
		for (int i = 0; i < mo; i++)
#pragma GCC unroll 4
			for (int v = 0; v < nv; v++) {
				size_t at = i * plane + ox + v * VW;
				vf s = acc[i][v] + (bias ? bias[i] : 0), r;
				if (res) {
					LOADV(r, res + at);
					s += r;
				}
				s = act_vec(act, act_param(ep, o0 + i), ep->param2, s);
				STOREV(y + at, s);
			}
		return;
	}
	/* an edge tile: through memory, written with constant indices so
	 * that acc itself stays in registers */
	float t[MO_MAX][NV * VW];
#pragma GCC unroll 16
	for (int i = 0; i < mo; i++)
#pragma GCC unroll 4
		for (int v = 0; v < nv; v++)
			STOREV(t[i] + v * VW, acc[i][v]);
	for (int i = 0; i < rows; i++)
		for (int v = 0; v < nv; v++) {
			int o = ox + v * VW;
			if (o >= ow)
				break;
			size_t at = i * plane + o;
			vf a;
			LOADV(a, t[i] + v * VW);
			act_store(ep, o0 + i, y + at, a, bias ? bias[i] : 0, res ? res + at : NULL, ow - o < VW ? ow - o : VW);
		}
}

/* Tiles of mo channels x nv vectors over output columns [ox0, ox1) of
 * one output row, every channel: as row_tiles' arguments. */
static ALWAYS_INLINE void channel_tiles(int act, const int mo, const int nv, const rt_conv2d_params *p,
                                        const float *const *tap, const float *w, int ox0, int ox1,
                                        const rt_epilogue *ep, const float *res, float *y)
{
	const int k = p->c * p->kh * p->kw;
	const size_t plane = (size_t)p->oh * p->ow;
	for (int o0 = 0; o0 < p->oc; o0 += mo) {
		int rows = p->oc - o0 < mo ? p->oc - o0 : mo;
		const float *wr[MO_MAX];
		for (int i = 0; i < mo; i++)
			wr[i] = w + (size_t)(o0 + (i < rows ? i : rows - 1)) * k;
		size_t off = (size_t)o0 * plane;
		for (int ox = ox0; ox < ox1; ox += nv * VW)
			tile(act, mo, nv, k, tap, wr, ox, rows, p->ow, plane, o0, ep, res ? res + off : NULL, y + off);
	}
}

/* One output row's tiles: the c*kh input rows are in tap[]; y, res at
 * image n, channel 0, row oy, column 0. act as for tile(). */
static ALWAYS_INLINE void row_tiles(int act, const rt_conv2d_params *p, const float *const *tap, const float *w,
                                    const rt_epilogue *ep, const float *res, float *y)
{
	const int ow = p->ow;
	/* the columns of whole-width tiles; a last vector or less after them
	 * goes by tail tiles */
	const int wide = TAIL_MO ? (ow - 1) / (NV * VW) * (NV * VW) : ow;
	const bool tail = TAIL_MO && ow - wide <= VW;
	channel_tiles(act, MO, NV, p, tap, w, 0, tail ? wide : ow, ep, res, y);
#if TAIL_MO
	if (tail)
		channel_tiles(act, TAIL_MO, 1, p, tap, w, wide, ow, ep, res, y);
#endif
}

/* One call, shared by the chunks of its parallel loop. */
typedef struct {
	const rt_conv2d_params *p;
	const float *x, *w;    /* input, weights as in rt_conv2d_stem */
	const rt_epilogue *ep; /* never NULL */
	float *y;              /* output */
	float *scratch;        /* parts areas of RT_STEM_FLOATS, one per thread */
	int parts;             /* areas: the most threads its loop takes */
} Stem;

/* Output rows [begin, end) of all images (row it: image it / oh, row
 * it % oh), their input rows padded in the area at scratch. */
static void stem_rows(const Stem *j, int begin, int end, float *scratch)
{
	const rt_conv2d_params *p = j->p;
	const rt_epilogue *ep = j->ep;
	const float *x = j->x, *w = j->w;
	float *y = j->y;
	const int c = p->c, kh = p->kh, kw = p->kw, sw = p->sw, ow = p->ow;
	const int len = RT_STEM_LEN(kw, sw, p->dw, ow); /* floats per phase */
	const size_t plane = (size_t)p->oh * ow, slot = (size_t)sw * len;
	const float *tap[RT_STEM_TAPS];
	int held[RT_STEM_TAPS]; /* the input row in each slot of scratch, of image held_n */
	int held_n = -1;
	for (int it = begin; it < end; it++) {
		int n = it / p->oh, oy = it % p->oh;
		if (n != held_n)
			for (int i = 0; i < c * kh; i++)
				held[i] = INT_MIN;
		held_n = n;
		/* the c*kh input rows of this output row, padded and split;
		 * without dilation they are kh consecutive rows, so row iy
		 * keeps slot iy mod kh while the next output rows read it
		 * too (kh - sh of every kh rows) */
		for (int ci = 0; ci < c; ci++)
			for (int ky = 0; ky < kh; ky++) {
				int iy = oy * p->sh - p->ph + ky * p->dh;
				int s = ci * kh + (p->dh == 1 ? (iy % kh + kh) % kh : ky);
				const float *xr = x + (((size_t)n * c + ci) * p->h + iy) * p->w;
				float *d = scratch + (size_t)s * slot;
				if (held[s] != iy)
					rt_rows_pad(d, iy >= 0 && iy < p->h ? xr : NULL, p->w, sw, p->pw, len, 0.0f);
				held[s] = iy;
				for (int kx = 0; kx < kw; kx++)
					tap[(ci * kh + ky) * kw + kx] = d + (kx * p->dw) % sw * len + kx * p->dw / sw;
			}
		size_t yoff = (size_t)n * p->oc * plane + (size_t)oy * ow;
		const float *res = ep->residual ? ep->residual + yoff : NULL;
		/* the VEC acts as constants */
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) row_tiles(act, p, tap, w, ep, res, y + yoff)
#define ACT_SWITCH_LANES row_tiles(-1, p, tap, w, ep, res, y + yoff)
#include "act_switch.h"
	}
}

/* rt_parallel's body: output rows [begin, end) of all images, in the
 * area of the thread running them (rt_thread_slot). */
static void stem_items(void *ctx, int begin, int end)
{
	const Stem *j = ctx;
	stem_rows(j, begin, end,
	          j->scratch + (size_t)rt_thread_slot() *
	                           RT_STEM_FLOATS(j->p->c, j->p->kh, j->p->kw, j->p->sw, j->p->dw, j->p->ow));
}

/* x: [n, c, h, w]  w: [oc, c, kh, kw] -> y: [n, oc, oh, ow]. On up to
 * `threads` threads, in chunks of output rows, each thread in its own
 * area of scratch; a row is computed the same in any chunk. */
void rt_conv2d_stem(const rt_conv2d_params *p, int threads, const float *x, const float *w, const rt_epilogue *ep,
                    float *y, float *scratch)
{
	static const rt_epilogue none = {NULL, NULL, RT_ACT_NONE, 0, 0, NULL};
	if (p->c * p->kh * p->kw > RT_STEM_TAPS) { /* not a stem: the compiler does not pick it */
		rt_conv2d_direct_ep(p, x, w, ep, y);
		return;
	}
	Stem j = {p, x, w, ep ? ep : &none, y, scratch, threads < 1 ? 1 : threads};
	/* chunks of at least CL_GRAIN_FLOPS, and of at least 4 rows (each
	 * chunk pads its first kh input rows anew) */
	double row_flops = 2.0 * p->oc * p->ow * p->c * p->kh * p->kw;
	int grain = cl_grain(row_flops, CL_GRAIN_FLOPS);
	rt_parallel_slots(p->n * p->oh, grain > 4 ? grain : 4, j.parts, stem_items, &j);
}
