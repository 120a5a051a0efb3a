/*
 * conv_gemm.c: convolutions on the optimized paths, with fused epilogues.
 *
 * rt_conv2d_gemm lowers each (batch item, group) to one GEMM:
 *   Y_g [oc/g, oh*ow] = W_g [oc/g, c/g*kh*kw] x col(X_g) [c/g*kh*kw, oh*ow]
 * where col() is im2col: row (ci, ky, kx) holds, for every output pixel,
 * the input value under that kernel tap (zero in the padding), written in
 * rt_gemm_packed's strips. The columns are unrolled a block at a time
 * (RT_IM2COL_BLOCK_FLOATS of patches, whole strips) and multiplied at
 * once, while the block is still in cache: unrolling all of a large layer
 * first (1.8 MB for resnet18's layer2.0.conv1) would send it out to L3 and
 * back; but weights too big for cache, each block would read again from
 * memory, so then (rt_gemm_panels_outer) one block takes every column
 * and rt_gemm_packed reads the weights once. A 1x1 convolution with
 * stride 1 and no padding needs no unrolling: its B is the input,
 * [c/g, h*w], read in place by rt_gemm for whole register tiles of
 * RT_GEMM_TILE_COLS pixels (a copy would cost k*n floats against m*k*n
 * multiply-adds: for mobilenet_v2's projections, with m as low as 16, it
 * doubled the time), and only the columns after them are packed, so they
 * make one tile (at 7x7, 32 + 17: 56 columns computed, not 48 + a tile
 * of 8 for the 49th: 10% faster), or all of them at 7x7 when m is large
 * (see rt_conv2d_gemm), except 1 to 4 columns, which with AVX-512
 * rt_gemm reads in place too, one at a time (14x14: 192 + 4, not a
 * packed tile of 16 for the 4: 96 -> 576 at 14x14 226 -> 218 us, 6x6
 * 57 -> 49; 5 to 15 such columns ran up to 1.6x slower that way, and
 * with AVX2's vectors of 8 the 4 did too); other 1x1 convolutions are packed by
 * im2col_1x1, without im2col_packed's table. rt_conv2d_gemm_pro packs
 * every column of a 1x1 convolution, applying a batch norm (a scale and
 * shift per input channel) and a relu to each value as it copies it, so
 * the batch norm's output is never written (DenseNet's norm1 and relu1
 * after a concat of up to 1024 channels: two passes over it per layer,
 * against a packing that its 128 output channels then share).
 * (Depthwise convolutions, where GEMM would have k = kh*kw, have their
 * own kernel: depthwise.c.)
 */
#include "cnnrt.h"

#include <string.h>

#include "act.h"
#include "cl.h"
#include "simd.h"

#define TAPS 64 /* kernel taps whose read table is built at once */

/* Where a strip's pixels read under a run of kernel taps: for tap t and
 * pixel q, the offset in an input channel plane and a mask of all ones,
 * or offset 0 and mask 0 where the tap falls in the padding or the
 * pixel is past the last one. */
typedef struct {
	int at[TAPS][16];           /* offset from the plane's start (elements) */
	int mask[TAPS][16];         /* ~0 inside the input, 0 outside */
	int run[TAPS];              /* all 16 inside, each segment a run at stride 1 or 2 (below) */
	int seg[17];                /* where the strip's output rows start: seg[0] = 0 .. seg[nseg] = 16 */
	int nseg;                   /* segments (pieces of one output row), 0: strips of fewer pixels */
} Taps;

/* d[0..16) = s[0], s[sw], ..., s[15*sw] for sw = 1 or 2 (a constant
 * once inlined): vector loads of the 16*sw floats from s, at stride 2
 * their even lanes. */
static inline __attribute__((always_inline)) void copy_run16(float *d, const float *s, int sw)
{
	for (int v = 0; v < 16 / VW; v++) {
		vf a, b;
		if (sw == 1) {
			LOADV(a, s + v * VW);
		} else {
			LOADV(a, s + 2 * v * VW);
			LOADV(b, s + 2 * v * VW + VW);
			a = SHUFFLE2(a, b, EVEN_LANES);
		}
		STOREV(d + v * VW, a);
	}
}

/* Fills tb for taps [t0, t0 + nt) (t = ky*kw + kx) of the pixels
 * j0 .. j0 + left - 1 (row-major over the output), in vectors of VW
 * pixels (a comparison yields ~0 where true). */
static void strip_taps(const rt_conv2d_params *p, int j0, int left, int t0, int nt, Taps *tb)
{
	const int plane = p->h * p->w, sw = p->sw;
	tb->nseg = 0;
	if (left == 16 && (sw == 1 || sw == 2))
		for (int q = 0; q < 16; q += p->ow - (j0 + q) % p->ow)
			tb->seg[tb->nseg++] = q;
	tb->seg[tb->nseg] = 16;
	vi y0[16 / VW], x0[16 / VW], live[16 / VW]; /* input row, column under tap (0, 0); pixel exists */
	for (int q = 0; q < 16; q++) {
		int j = q < left ? j0 + q : j0;
		y0[q / VW][q % VW] = j / p->ow * p->sh - p->ph;
		x0[q / VW][q % VW] = j % p->ow * p->sw - p->pw;
		live[q / VW][q % VW] = q < left ? -1 : 0;
	}
	for (int t = 0; t < nt; t++) {
		int dy = (t0 + t) / p->kw * p->dh, dx = (t0 + t) % p->kw * p->dw;
		for (int v = 0; v < 16 / VW; v++) {
			vi iy = y0[v] + dy, ix = x0[v] + dx, zero = {0};
			vi in = live[v] & (iy >= zero) & (iy < p->h) & (ix >= zero) & (ix < p->w);
			vi at = (iy * p->w + ix) & in;
			memcpy(tb->at[t] + v * VW, &at, sizeof at);
			memcpy(tb->mask[t] + v * VW, &in, sizeof in);
		}
		/* the first segment is read by vector loads of 16 pixels' span */
		int run = tb->nseg > 0 && tb->at[t][0] + 16 * sw <= plane;
		for (int s = 0; s < tb->nseg && run; s++)
			for (int q = tb->seg[s], a = tb->at[t][q]; q < tb->seg[s + 1] && run; q++)
				run = tb->mask[t][q] && tb->at[t][q] == a + (q - tb->seg[s]) * sw;
		tb->run[t] = run;
	}
}

/* col(X_g) packed for rt_gemm_packed, pixels [jb, je) (jb a multiple of
 * 16): strips of 16 output pixels, each [k][16] with row r = (ci, ky, kx)
 * holding, for those pixels, the input under that kernel tap (zero in the
 * padding and past the last pixel).
 * x: [cg, h, w] -> col: ceil((je - jb) / 16) strips of k x 16 floats.
 * Per strip, a table says where each (tap, pixel) reads; every channel
 * then reuses it, so the copy of a row is 16 loads, masks and stores with
 * no test, whatever the stride or padding. A tap clear of the padding
 * for all 16 pixels reads, in each output row the strip touches, one run
 * of the input at the stride (1 or 2): the first row's run is copied by
 * vector loads of the strip's whole span (at stride 2 the even lanes),
 * the others' pieces float by float over its lanes past their end.
 * resnet's 3x3 stride-2 layers alone: 5-6% faster at 28 output columns
 * (mostly strips in one row), 2-4% at 14 and 7. */
static void im2col_packed(const rt_conv2d_params *p, int cg, const float *x, int jb, int je, float *col)
{
	const int taps = p->kh * p->kw, k = cg * taps;
	const size_t plane = (size_t)p->h * p->w;
	Taps tb;
	for (int j0 = jb; j0 < je; j0 += 16) {
		int left = je - j0 < 16 ? je - j0 : 16;
		float *d = col + (size_t)(j0 - jb) * k;
		for (int t0 = 0; t0 < taps; t0 += TAPS) {
			int nt = taps - t0 < TAPS ? taps - t0 : TAPS;
			strip_taps(p, j0, left, t0, nt, &tb);
			for (int ci = 0; ci < cg; ci++) {
				const float *xc = x + (size_t)ci * plane;
				for (int t = 0; t < nt; t++) {
					float *dr = d + ((size_t)ci * taps + t0 + t) * 16;
					if (tb.run[t]) { /* runs of the input: the first by vector loads */
						if (p->sw == 1)
							copy_run16(dr, xc + tb.at[t][0], 1);
						else
							copy_run16(dr, xc + tb.at[t][0], 2);
						/* the next rows' pieces over the first's lanes past its end */
						for (int sg = 1; sg < tb.nseg; sg++) {
							const float *xr = xc + tb.at[t][tb.seg[sg]];
							for (int q = tb.seg[sg]; q < tb.seg[sg + 1]; q++)
								dr[q] = xr[(q - tb.seg[sg]) * p->sw];
						}
						continue;
					}
#pragma GCC unroll 16
					for (int q = 0; q < 16; q++) {
						int u;
						memcpy(&u, xc + tb.at[t][q], sizeof u);
						u &= tb.mask[t][q];
						memcpy(dr + q, &u, sizeof u);
					}
				}
			}
		}
	}
}

/* What a conv applies to each input value as it packs it (a batch norm,
 * and a relu): v * scale[ci] + shift[ci], then max(., 0) when relu. */
typedef struct {
	const float *scale, *shift; /* [cg], or NULL: nothing */
	int relu;
} Pro;

/* n floats at d: the prologue of channel ci, in vectors (n a multiple of VW). */
static inline __attribute__((always_inline)) void pro_apply(const Pro *pro, int ci, float *d, int n)
{
	float s = pro->scale[ci], t = pro->shift[ci];
	for (int q = 0; q < n; q += VW) {
		vf v;
		LOADV(v, d + q);
		v = v * s + t;
		if (pro->relu)
			v = actv_relu(v, 0, 0);
		STOREV(d + q, v);
	}
}

/* One value of channel ci through the prologue (none without scale). */
static inline float pro_one(const Pro *pro, int ci, float v)
{
	if (!pro->scale)
		return v;
	v = v * pro->scale[ci] + pro->shift[ci];
	return pro->relu ? act_relu(v, 0, 0) : v;
}

/* col(X_g) as im2col_packed writes it, for a 1x1 kernel without padding
 * (any stride): row ci of a strip holds input channel ci at the strip's
 * 16 pixels, (oy*sh, ox*sw). The table of im2col_packed costs three
 * scalar operations per float, a fifth of resnet's 1x1 stride-2
 * downsampling layers. Here, at stride 2, a strip whose 16 pixels lie in
 * one output row is 32/VW vector loads and 16/VW shuffles per channel
 * (the even lanes); at stride 1 a strip's row is one run of the input
 * (rt_conv2d_gemm packs only the columns past its last whole register
 * tile, or all of them at 7x7, and reads the rest in place); other strips
 * and strides go a float at a time through the strip's 16 offsets,
 * computed once for all channels. Strips are written whole, in order: filling
 * them channel by channel puts consecutive stores 16*cg floats apart,
 * which cost more than the copy. */
static void im2col_1x1(const rt_conv2d_params *p, int cg, const float *x, int jb, int je, float *col,
                       const Pro *pro)
{
	const size_t plane = (size_t)p->h * p->w;
	const int sw = p->sw;
	for (int j0 = jb; j0 < je; j0 += 16) {
		int left = je - j0 < 16 ? je - j0 : 16;
		int oy = j0 / p->ow, ox = j0 % p->ow;
		const float *x0 = x + (size_t)oy * p->sh * p->w + (size_t)ox * sw; /* pixel j0 in channel 0 */
		float *d = col + (size_t)(j0 - jb) * cg;
		/* stride 2, all 16 in one row, the last float read inside it */
		if (sw == 2 && left == 16 && ox + 16 <= p->ow && 2 * ox + 32 <= p->w) {
			for (int ci = 0; ci < cg; ci++, d += 16) {
				copy_run16(d, x0 + ci * plane, 2);
				if (pro->scale)
					pro_apply(pro, ci, d, 16);
			}
		} else if (p->sh == 1 && sw == 1) { /* same pixels in and out: one run per channel */
			/* a partial strip's run is read whole, lanes past it then
			 * zeroed, where the 16 floats lie inside the group's
			 * input; else (the last channels of small planes) float by
			 * float (a call per run cost 8% of a 7x7 layer) */
			const float *xs = x + j0;
			vi keep[16 / VW];
			for (int q = 0; q < 16; q++)
				keep[q / VW][q % VW] = q < left ? -1 : 0;
			for (int ci = 0; ci < cg; ci++, d += 16) {
				if (left < 16 && (size_t)j0 + ci * plane + 16 > (size_t)cg * plane) {
					for (int q = 0; q < 16; q++)
						d[q] = q < left ? pro_one(pro, ci, xs[ci * plane + q]) : 0;
					continue;
				}
				vf v[16 / VW];
				for (int q = 0; q < 16 / VW; q++)
					LOADV(v[q], xs + ci * plane + q * VW);
				if (pro->scale) { /* before the mask: the lanes past left stay 0 */
					float sc = pro->scale[ci], sh = pro->shift[ci];
					for (int q = 0; q < 16 / VW; q++) {
						v[q] = v[q] * sc + sh;
						if (pro->relu)
							v[q] = actv_relu(v[q], 0, 0);
					}
				}
				for (int q = 0; q < 16 / VW; q++)
					v[q] = (vf)((vi)v[q] & keep[q]);
				for (int q = 0; q < 16 / VW; q++)
					STOREV(d + q * VW, v[q]);
			}
		} else {
			int at[16]; /* offset of each pixel in a channel plane */
			for (int q = 0; q < 16; q++) {
				int j = j0 + (q < left ? q : 0);
				at[q] = (j / p->ow) * p->sh * p->w + (j % p->ow) * sw;
			}
			for (int ci = 0; ci < cg; ci++, d += 16) {
				const float *xc = x + ci * plane;
				for (int q = 0; q < left; q++)
					d[q] = pro_one(pro, ci, xc[at[q]]);
				for (int q = left; q < 16; q++)
					d[q] = 0;
			}
		}
	}
}

/* One call, shared by its parallel loops. */
typedef struct {
	const rt_conv2d_params *p;
	const float *x, *w;    /* input; packed weights, per group */
	const rt_epilogue *ep; /* NULL: none */
	Pro pro;               /* applied to the input as it is packed (1x1 only) */
	float *y;              /* output */
	float *scratch;        /* parts areas of area floats */
	size_t area;           /* RT_IM2COL_FLOATS */
	int parts;             /* areas: the most threads its loops of blocks take */
	int cg, og, k, ohw;    /* channels per group in and out, patch rows, output pixels */
	int first, block;      /* first column unrolled (after those read in place), columns per block */
	int blocks;            /* blocks per (image, group) */
	size_t wg;             /* floats of one group's packed weights */
	/* unrolling one block in parallel: */
	const float *xg;       /* the (image, group)'s input */
	int j0, cols;          /* the block's first column, columns */
} Conv;

/* The epilogue of (image n, group g) from column j0 on. */
static rt_epilogue group_epilogue(const Conv *j, int n, int g, int j0)
{
	rt_epilogue e = {NULL, NULL, RT_ACT_NONE, 0, 0, NULL};
	if (j->ep) {
		size_t yoff = ((size_t)n * j->p->oc + (size_t)g * j->og) * j->ohw;
		e = *j->ep;
		e.bias = j->ep->bias ? j->ep->bias + g * j->og : NULL;
		e.slope = j->ep->slope ? j->ep->slope + g * j->og : NULL;
		e.residual = j->ep->residual ? j->ep->residual + yoff + j0 : NULL;
	}
	return e;
}

static const float *group_input(const Conv *j, int n, int g)
{
	return j->x + ((size_t)n * j->p->c + (size_t)g * j->cg) * j->p->h * j->p->w;
}

/* Columns [jb, je) of one group's patches into col, strip by strip. */
static void unroll(const Conv *j, const float *xg, int jb, int je, float *col)
{
	const rt_conv2d_params *p = j->p;
	if (p->kh == 1 && p->kw == 1 && p->ph == 0 && p->pw == 0)
		im2col_1x1(p, j->cg, xg, jb, je, col, &j->pro);
	else
		im2col_packed(p, j->cg, xg, jb, je, col);
}

/* Block item `it` ((image, group, block), in that order): unrolled into
 * col, then multiplied. */
static void gemm_block(const Conv *j, int it, float *col)
{
	int b = it % j->blocks, g = it / j->blocks % j->p->groups, n = it / j->blocks / j->p->groups;
	int j0 = j->first + b * j->block, cols = j->ohw - j0 < j->block ? j->ohw - j0 : j->block;
	const float *xg = group_input(j, n, g);
	size_t yoff = ((size_t)n * j->p->oc + (size_t)g * j->og) * j->ohw;
	rt_epilogue e = group_epilogue(j, n, g, j0);
	unroll(j, xg, j0, j0 + cols, col);
	rt_gemm_packed(j->og, cols, j->k, j->w + g * j->wg, col, j->y + yoff + j0, j->ohw, &e);
}

/* rt_parallel bodies: block items [begin, end), in the area of the
 * thread running them (rt_thread_slot), each multiplied on this thread
 * (a GEMM started inside a parallel loop runs serially)... */
static void block_items(void *ctx, int begin, int end)
{
	const Conv *j = ctx;
	float *col = j->scratch + (size_t)rt_thread_slot() * j->area;
	for (int it = begin; it < end; it++)
		gemm_block(j, it, col);
}

/* ...and strips [begin, end) of one block's unrolling. */
static void unroll_strips(void *ctx, int begin, int end)
{
	const Conv *j = ctx;
	int jb = j->j0 + 16 * begin, je = j->j0 + 16 * end < j->j0 + j->cols ? j->j0 + 16 * end : j->j0 + j->cols;
	unroll(j, j->xg, jb, je, j->scratch + (size_t)16 * begin * j->k);
}

/* Threads: with several blocks of columns per part and the weights in
 * cache, each thread (up to `threads`) unrolls and multiplies whole
 * blocks, chunks of them at a time, in its own area of scratch; else the blocks go one by one, each
 * unrolled by strips in parallel and multiplied by the parallel GEMM. A
 * column is computed the same either way (the blocks are the same, and
 * rt_gemm_packed gives the same bytes on any number of threads). */
static void conv_gemm(const rt_conv2d_params *p, int threads, const float *x, Pro pro, const float *w,
                      const rt_epilogue *ep, float *y, float *scratch)
{
	Conv j = {.p = p, .x = x, .w = w, .ep = ep, .pro = pro, .y = y, .scratch = scratch,
	          .parts = threads < 1 ? 1 : threads};
	j.cg = p->c / p->groups, j.og = p->oc / p->groups;
	j.k = j.cg * p->kh * p->kw, j.ohw = p->oh * p->ow;
	j.area = (size_t)RT_IM2COL_FLOATS(j.og, j.cg, p->kh, p->kw, p->oh, p->ow);
	j.wg = (size_t)RT_GEMM_PACKED(j.og, j.k);
	/* columns unrolled, then multiplied, at a time: a block in L2, or
	 * every column when the weights stream from memory, so that they are
	 * read once (rt_gemm_panels_outer); RT_IM2COL_FLOATS holds either */
	j.block = (int)RT_IM2COL_COLS(j.k);
	int outer = rt_gemm_panels_outer(j.og, j.ohw, j.k);
	if (outer)
		j.block = j.ohw;
	/* 1x1, stride 1, no padding: B is the input itself, [cg, h*w], read
	 * in place; but rows of an odd length (7x7) put most vector loads
	 * across cache lines, which cost more than the copy once many rows of
	 * A share it (resnet50's 512 -> 2048 at 7x7: 8% slower in place);
	 * with gemm.c's vectors of 16 (GEMV_WIDE), fewer columns than a
	 * vector are read in place whatever m (a squeeze-excite's 48 -> 1152
	 * on one pixel went as a 16-column tile for its one column, 3.4x
	 * slower than in place); with vectors of 8 or 4 the packed tile is
	 * the faster (SSE 1.27x, AVX2 1.8x for 64 -> 1152 on 2x3) */
	enum { GEMV_WIDE = VW_WIDE >= 16 }; /* gemm.c's gemv takes up to 7 columns, all lanes at work */
	int plain = p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->ph == 0 && p->pw == 0 &&
	            (j.ohw % 4 == 0 || j.og < 192 || (GEMV_WIDE && j.ohw < VW)) && !pro.scale;
	if (plain) { /* whole register tiles read in place, the rest packed unless few */
		int rest = j.ohw % RT_GEMM_TILE_COLS;
		j.first = j.ohw < VW || (GEMV_WIDE && rest <= 4) ? j.ohw : j.ohw - rest;
		for (int n = 0; n < p->n; n++)
			for (int g = 0; g < p->groups; g++) {
				rt_epilogue e = group_epilogue(&j, n, g, 0);
				rt_gemm(j.og, j.first, j.k, w + g * j.wg, group_input(&j, n, g), j.ohw,
				        y + ((size_t)n * p->oc + (size_t)g * j.og) * j.ohw, j.ohw, &e);
			}
	}
	j.blocks = (j.ohw - j.first + j.block - 1) / j.block;
	int items = p->n * p->groups * j.blocks;
	if (j.parts > 1 && !outer && items >= 2 * j.parts) {
		rt_parallel_slots(items, 1, j.parts, block_items, &j);
		return;
	}
	for (int it = 0; it < items; it++) {
		int b = it % j.blocks, g = it / j.blocks % p->groups, n = it / j.blocks / p->groups;
		j.j0 = j.first + b * j.block, j.cols = j.ohw - j.j0 < j.block ? j.ohw - j.j0 : j.block;
		j.xg = group_input(&j, n, g);
		int strips = (j.cols + 15) / 16;
		rt_parallel(strips, cl_grain(16.0 * j.k, CL_GRAIN_FLOATS), unroll_strips, &j);
		size_t yoff = ((size_t)n * p->oc + (size_t)g * j.og) * j.ohw;
		rt_epilogue e = group_epilogue(&j, n, g, j.j0);
		rt_gemm_packed(j.og, j.cols, j.k, w + g * j.wg, scratch, y + yoff + j.j0, j.ohw, &e);
	}
}

void rt_conv2d_gemm(const rt_conv2d_params *p, int threads, const float *x, const float *w, const rt_epilogue *ep,
                    float *y, float *scratch)
{
	conv_gemm(p, threads, x, (Pro){NULL, NULL, 0}, w, ep, y, scratch);
}

void rt_conv2d_gemm_pro(const rt_conv2d_params *p, int threads, const float *x, const float *scale,
                        const float *shift, int relu, const float *w, const rt_epilogue *ep, float *y, float *scratch)
{
	conv_gemm(p, threads, x, (Pro){scale, shift, relu}, w, ep, y, scratch);
}

void rt_conv2d_direct_ep(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep, float *y)
{
	rt_conv2d_direct(p, x, w, ep ? ep->bias : NULL, y);
	if (!ep)
		return;
	size_t plane = (size_t)p->oh * p->ow;
	for (int n = 0; n < p->n; n++)
		for (int o = 0; o < p->oc; o++) {
			size_t off = ((size_t)n * p->oc + o) * plane;
			rt_epilogue_row(ep, o, y + off, ep->residual ? ep->residual + off : NULL, 0, (int)plane);
		}
}
