/*
 * depthwise.c: depthwise convolution (groups == c == oc) with a fused
 * epilogue.
 *
 * Each output channel sees one input plane and kh*kw weights, so there is
 * nothing to share across channels and a GEMM would have k = kh*kw: the
 * work is a 2-D stencil per plane, and the art is in feeding it vectors.
 * Five paths, fastest first:
 *
 *   - 3x3, stride 1, padding 1 (mobilenet's): flat loops over bands of
 *     rows, no per-row overhead, lane masks for the left and right
 *     padding (depthwise_flat);
 *   - 3x3, stride 2, padding 1, planes of even width and at most 4096
 *     floats (mobilenet_v2's 56x56 and smaller): the
 *     plane split by column parity in one vector pass, then row by row
 *     (depthwise_s2p);
 *   - 3x3, stride 2, padding 1, other planes: a flat loop over the four
 *     row/column parity planes of each band (depthwise_s2);
 *   - any other kernel whose rows fit rows.h's ring: row by row over
 *     padded rows split into stride phases, so each tap of VW outputs is
 *     one vector load at any stride, padding and dilation; 3x3 as
 *     straight-line FMAs, others BLOCK vectors at a time;
 *   - the rest (rows too wide for the ring, more than MAX_TAPS taps): per
 *     output row, one scaled input row per tap added over the tap's valid
 *     column range (depthwise_general).
 *
 * The first four apply the epilogue (bias, residual, activation) in
 * registers before the one store, specialised per VEC activation of
 * acts.def (act_switch.h); the LANES ones (sigmoid, tanh) are applied
 * over the finished plane or band. Vectors at the end of
 * a row or band compute past it on padding and store only what exists.
 * Mobilenet_v2's depthwise layers, alone on this host: 9.4 ms in all
 * before (the general path), 1.2 ms now.
 *
 * Every path runs as the body of a parallel loop over planes (image,
 * channel) through rt_parallel, each slice with its own band buffers.
 */
#include "rows.h"

#include "act.h"
#include "cl.h"

#define BLOCK 4     /* vectors of output columns accumulated at once */
#define MAX_TAPS 64 /* kh*kw of the fast path */

/* One of the paths below: planes [begin, end) of a depthwise call, plane
 * i being image i / c, channel i % c; ep is never NULL. */
typedef void DwPath(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep, float *y,
                    int begin, int end);

/* One depthwise call and its path, shared by the slices of its parallel
 * loop over planes. */
typedef struct {
	DwPath *path;
	const rt_conv2d_params *p;
	const float *x, *w;    /* input [n, c, h, w], weights [c, 1, kh, kw] */
	const rt_epilogue *ep; /* never NULL */
	float *y;              /* output [n, c, oh, ow] */
} Dw;

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* Output columns [o, o + VW) of row y clipped to ow: the epilogue, then the store. */
static ALWAYS_INLINE void store_at(const rt_epilogue *ep, float *y, vf v, float bias, const float *res, int o, int ow)
{
	act_store(ep, y + o, v, bias, res ? res + o : NULL, ow - o < VW ? ow - o : VW);
}

/* Output columns [ox, ox + nv*VW) of one row, clipped to ow:
 * y[o] = ep(sum_t wt[t] * tap[t][o]), where tap[t] is tap t's phase
 * element for output column 0. res: the residual row or NULL. Inlined
 * with nv and ntaps constant, so the accumulators live in registers. */
static ALWAYS_INLINE void dw_block(int nv, int ntaps, const float *const *tap, const float *wt, int ox, int ow,
                                   float bias, const rt_epilogue *ep, const float *res, float *y)
{
	vf a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, v; /* BLOCK = 4 accumulators (GCC keeps no array in registers) */
	for (int t = 0; t < ntaps; t++) {
		const float *q = tap[t] + ox;
		float wv = wt[t];
		LOADV(v, q);
		a0 += wv * v;
		if (nv > 1)
			LOADV(v, q + VW), a1 += wv * v;
		if (nv > 2)
			LOADV(v, q + 2 * VW), a2 += wv * v;
		if (nv > 3)
			LOADV(v, q + 3 * VW), a3 += wv * v;
	}
	store_at(ep, y, a0, bias, res, ox, ow);
	if (nv > 1)
		store_at(ep, y, a1, bias, res, ox + VW, ow);
	if (nv > 2)
		store_at(ep, y, a2, bias, res, ox + 2 * VW, ow);
	if (nv > 3)
		store_at(ep, y, a3, bias, res, ox + 3 * VW, ow);
}

/* One output row of ow columns: whole blocks, then one block of the 1 to
 * BLOCK vectors left, the last of them partial. */
static ALWAYS_INLINE void dw_row(int ntaps, const float *const *tap, const float *wt, int ow, float bias,
                                 const rt_epilogue *ep, const float *res, float *y)
{
	int ox = 0;
	for (; ox + BLOCK * VW <= ow; ox += BLOCK * VW)
		dw_block(BLOCK, ntaps, tap, wt, ox, ow, bias, ep, res, y);
	switch ((ow - ox + VW - 1) / VW) {
	case 4:
		dw_block(4, ntaps, tap, wt, ox, ow, bias, ep, res, y);
		break;
	case 3:
		dw_block(3, ntaps, tap, wt, ox, ow, bias, ep, res, y);
		break;
	case 2:
		dw_block(2, ntaps, tap, wt, ox, ow, bias, ep, res, y);
		break;
	case 1:
		dw_block(1, ntaps, tap, wt, ox, ow, bias, ep, res, y);
		break;
	default:
		break;
	}
}

/* Stores v (sums with the bias) at y, vector or the count < VW floats
 * of a row's or band's end, adding the residual res and applying act
 * (RT_ACT_NONE or a VEC act of acts.def, parameter p) on the way. */
static ALWAYS_INLINE void store_vec(int act, int has_res, vf v, const float *res, float *y, int count, float p)
{
	vf r = {0};
	if (has_res) {
		if (count >= VW)
			LOADV(r, res);
		else
			memcpy(&r, res, (size_t)count * sizeof *res);
		v += r;
	}
	v = act_vec(act, p, v);
	if (count >= VW)
		STOREV(y, v);
	else
		memcpy(y, &v, (size_t)count * sizeof *y);
}

/* The 3x3 sum at output columns [ox, ox + VW): three independent chains,
 * one per kernel row, of straight-line FMAs. */
#define DW3_SUM(ox)                                                                   \
	do {                                                                          \
		vf a0, a1, a2, b0, b1, b2, c0, c1, c2;                                \
		LOADV(a0, r0 + (ox)), LOADV(a1, r0 + (ox) + o1), LOADV(a2, r0 + (ox) + o2); \
		LOADV(b0, r1 + (ox)), LOADV(b1, r1 + (ox) + o1), LOADV(b2, r1 + (ox) + o2); \
		LOADV(c0, r2 + (ox)), LOADV(c1, r2 + (ox) + o1), LOADV(c2, r2 + (ox) + o2); \
		sum = (w[0] * a0 + w[1] * a1 + w[2] * a2) + (w[3] * b0 + w[4] * b1 + w[5] * b2) + \
		      (w[6] * c0 + w[7] * c1 + w[8] * c2) + vbias;                     \
	} while (0)

/* One plane of a 3x3 kernel, its input rows from the ring r: o1, o2 are
 * the phase element offsets of taps kx = 1, 2; y, res: [oh, ow] (res may
 * be NULL). Inlined with act (NONE or VEC) and whether there is a
 * residual constant, so the loop over whole vectors has no branch. No
 * accumulator is carried from one vector to the next: out-of-order
 * execution overlaps them. */
static ALWAYS_INLINE void dw3_plane_(int act, int has_res, const rt_conv2d_params *p, rt_rows *r, int o1, int o2,
                                     const vf *w, float bias, float param, const float *res, float *y)
{
	const int ow = p->ow;
	const vf vbias = (vf){0} + bias;
	for (int oy = 0; oy < p->oh; oy++, y += ow, res += has_res ? ow : 0) {
		int iy = oy * p->sh - p->ph, ox = 0;
		const float *r0 = rt_rows_get(r, iy), *r1 = rt_rows_get(r, iy + p->dh);
		const float *r2 = rt_rows_get(r, iy + 2 * p->dh);
		vf sum;
		for (; ox < ow; ox += VW) {
			DW3_SUM(ox);
			store_vec(act, has_res, sum, has_res ? res + ox : NULL, y + ox, ow - ox, param);
		}
	}
}

/* Runs fn(act, has_res, ...) with the epilogue's activation and whether
 * it has a residual as constants, for RT_ACT_NONE and the VEC acts of
 * acts.def; the LANES acts run as RT_ACT_NONE and get their activation
 * afterwards, over the plane y of count floats. */
#define DW_BY_RES(fn, act, res, ...)            \
	do {                                    \
		if (res)                        \
			fn(act, 1, __VA_ARGS__); \
		else                            \
			fn(act, 0, __VA_ARGS__); \
	} while (0)
#define DW_AFTER(ep, y, count)                                                      \
	for (int i_ = 0; i_ < (count); i_++)                                        \
	(y)[i_] = act_scalar((ep)->act, (ep)->param, (y)[i_])

/* ---- 3x3, stride 1, padding 1: flat loops over bands of rows -------- */

/* A 3x3 convolution at stride 1 with padding 1 keeps the plane's size, so
 * output j = oy*w + ox reads input (oy - 1 + ky, ox - 1 + kx): in a copy
 * of the rows with a zero row above and below (and one zero float
 * before), that is buf[j + ky*w + kx] for every output, a band of rows
 * one flat loop of vectors with no row overhead. The taps that should
 * read the left or right padding read the neighbouring row's last or
 * first column instead; keep_l / keep_r (lanes where ox != 0, ox != w-1)
 * zero those products bit for bit. Bands hold at most FLAT_MAX output
 * floats. Against row by row over the ring: 14x14 and 7x7 planes 2-3x
 * faster, 56x56 and 112x112 ones about 1.2x. */
#define FLAT_MAX 1024 /* output floats of a band */
#define FLAT_W 256    /* widest row of the flat paths */
#define FLAT_BUF (FLAT_MAX + 2 * FLAT_W + 2 * VW)

/* The rows of a band and the lane masks of the flat path. */
typedef struct {
	float buf[FLAT_BUF + VW];     /* zero float, input rows r0-1 .. r0+rows (0 outside), slack */
	vi keep_l[FLAT_MAX / VW + 1]; /* per output vector: lanes not in column 0 */
	vi keep_r[FLAT_MAX / VW + 1]; /* per output vector: lanes not in column w-1 */
} Flat;

static int flat_fits(const rt_conv2d_params *p)
{
	return p->kh == 3 && p->kw == 3 && p->sh == 1 && p->sw == 1 && p->ph == 1 && p->pw == 1 && p->dh == 1 &&
	       p->dw == 1 && p->w <= FLAT_W;
}

/* The flat loop over one band copied into f->buf: hw = rows*w outputs;
 * y, res at its first row. */
static ALWAYS_INLINE void flat_plane_(int act, int has_res, const Flat *f, int hw, int w, const vf *k, float bias,
                                      float param, const float *res, float *y)
{
	const vf vbias = (vf){0} + bias;
	const float *r0 = f->buf, *r1 = f->buf + w, *r2 = f->buf + 2 * w;
	for (int j = 0, v = 0; j < hw; j += VW, v++) {
		vf a0, a1, a2, b0, b1, b2, c0, c1, c2;
		LOADV(a0, r0 + j), LOADV(a1, r0 + j + 1), LOADV(a2, r0 + j + 2);
		LOADV(b0, r1 + j), LOADV(b1, r1 + j + 1), LOADV(b2, r1 + j + 2);
		LOADV(c0, r2 + j), LOADV(c1, r2 + j + 1), LOADV(c2, r2 + j + 2);
		vf left = k[0] * a0 + k[3] * b0 + k[6] * c0;
		vf mid = k[1] * a1 + k[4] * b1 + k[7] * c1;
		vf right = k[2] * a2 + k[5] * b2 + k[8] * c2;
		vf sum = (vf)((vi)left & f->keep_l[v]) + mid + (vf)((vi)right & f->keep_r[v]) + vbias;
		store_vec(act, has_res, sum, has_res ? res + j : NULL, y + j, hw - j, param);
	}
}

static void depthwise_flat(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                           float *y, int begin, int end)
{
	const int h = p->h, wd = p->w, band = FLAT_MAX / wd < h ? FLAT_MAX / wd : h; /* output rows per band */
	Flat f;
	memset(f.buf, 0, sizeof f.buf);
	for (int i = 0, ox = 0; i < band * wd; i++, ox = ox + 1 < wd ? ox + 1 : 0) {
		f.keep_l[i / VW][i % VW] = ox != 0 ? -1 : 0;
		f.keep_r[i / VW][i % VW] = ox != wd - 1 ? -1 : 0;
	}
	for (int it = begin; it < end; it++) {
		int c = it % p->c;
		size_t plane = (size_t)it * h * wd;
		vf k[9];
		for (int i = 0; i < 9; i++)
			k[i] = (vf){0} + w[(size_t)c * 9 + i];
		float bias = ep->bias ? ep->bias[c] : 0;
		for (int r0 = 0; r0 < h; r0 += band) {
			int rows = h - r0 < band ? h - r0 : band, count = rows * wd;
			/* input rows r0-1 .. r0+rows, contiguous in x; 0 above and below */
			int top = r0 > 0 ? r0 - 1 : 0, stop = r0 + rows < h ? r0 + rows + 1 : h;
			float *d = f.buf + 1 + (size_t)(top - (r0 - 1)) * wd;
			memcpy(d, x + plane + (size_t)top * wd, (size_t)(stop - top) * wd * sizeof *d);
			if (band < h && r0 == 0) /* one band: its zero rows stay from the memset */
				memset(f.buf + 1, 0, (size_t)wd * sizeof *d);
			if (band < h && r0 + rows == h) /* the row below the last */
				memset(d + (size_t)(stop - top) * wd, 0, (size_t)wd * sizeof *d);
			float *yb = y + plane + (size_t)r0 * wd;
			const float *rb = ep->residual ? ep->residual + plane + (size_t)r0 * wd : NULL;
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) DW_BY_RES(flat_plane_, act, rb, &f, count, wd, k, bias, ep->param, rb, yb)
#define ACT_SWITCH_AFTER DW_AFTER(ep, yb, count)
#include "act_switch.h"
		}
	}
}

/* ---- 3x3, stride 2, padding 1: flat loops over bands of rows -------- */

/* At stride 2 with padding 1, output (oy, ox) reads input rows 2oy - 1,
 * 2oy, 2oy + 1 and the same columns. Split the input by row and column
 * parity into four planes of ow columns (ee: even rows, even columns;
 * eo: even rows, odd columns; oe, oo likewise on odd rows, starting at
 * row -1), and every tap is one of them read at j = oy*ow + ox, j - 1,
 * j + ow or j + ow - 1: the same flat loop as at stride 1, with keep_l
 * dropping the left padding (column 2ox - 1 of ox = 0) and zero rows and
 * columns standing in for the rest. Output rows go in bands of at most
 * FLAT_MAX floats. */
#define S2_OW_MAX 128 /* widest output row of the path */

/* The four parity planes of one band and its lane masks. */
typedef struct {
	float ee[1 + FLAT_MAX + VW];              /* [1 guard][rows 2(r0+i)][slack] */
	float eo[1 + FLAT_MAX + VW];              /* odd columns of the same rows */
	float oe[1 + FLAT_MAX + S2_OW_MAX + VW];  /* [1 guard][rows 2(r0+i)-1, i <= rows][slack] */
	float oo[1 + FLAT_MAX + S2_OW_MAX + VW];  /* odd columns of the same rows */
	vi keep_l[FLAT_MAX / VW + 1];             /* per output vector: lanes not in column 0 */
} Band2;

static int s2_fits(const rt_conv2d_params *p)
{
	return p->kh == 3 && p->kw == 3 && p->sh == 2 && p->sw == 2 && p->ph == 1 && p->pw == 1 && p->dh == 1 &&
	       p->dw == 1 && p->ow <= S2_OW_MAX;
}

/* One band: output rows of ow floats, count = rows * ow; y, res at its
 * first row. */
static ALWAYS_INLINE void s2_band_(int act, int has_res, const Band2 *b, int count, int ow, const vf *k, float bias,
                                   float param, const float *res, float *y)
{
	const vf vbias = (vf){0} + bias;
	const float *ee = b->ee + 1, *eo = b->eo + 1, *oe = b->oe + 1, *oo = b->oo + 1;
	for (int j = 0, v = 0; j < count; j += VW, v++) {
		vf a0, a1, a2, b0, b1, b2, c0, c1, c2;
		LOADV(a0, oo + j - 1), LOADV(a1, oe + j), LOADV(a2, oo + j);
		LOADV(b0, eo + j - 1), LOADV(b1, ee + j), LOADV(b2, eo + j);
		LOADV(c0, oo + j + ow - 1), LOADV(c1, oe + j + ow), LOADV(c2, oo + j + ow);
		vf left = k[0] * a0 + k[3] * b0 + k[6] * c0;
		vf sum = k[1] * a1 + k[4] * b1 + k[7] * c1 + vbias;
		sum += k[2] * a2 + k[5] * b2 + k[8] * c2;
		sum += (vf)((vi)left & b->keep_l[v]);
		store_vec(act, has_res, sum, has_res ? res + j : NULL, y + j, count - j, param);
	}
}

/* Input row xr (NULL: padding) split into even and odd columns, ow
 * each: rt_rows_split2 for rows of several vectors, else plain loops here
 * (the call and its checks cost more than a 14-float row). */
static void split_row(float *even, float *odd, const float *xr, int w, int ow)
{
	if (!xr) {
		memset(even, 0, (size_t)ow * sizeof *even);
		memset(odd, 0, (size_t)ow * sizeof *odd);
	} else if (ow >= 2 * VW) {
		rt_rows_split2(even, odd, xr, w, 0, ow, 0.0f);
	} else {
		int t = 0;
		for (; t < w / 2; t++)
			even[t] = xr[2 * t], odd[t] = xr[2 * t + 1];
		if (t < ow) /* w odd: the last even column has no odd one after it */
			even[t] = xr[2 * t], odd[t] = 0;
	}
}

static void depthwise_s2(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                         float *y, int begin, int end)
{
	const int h = p->h, wd = p->w, oh = p->oh, ow = p->ow;
	const int band = FLAT_MAX / ow < oh ? FLAT_MAX / ow : oh; /* output rows per band */
	Band2 b;
	memset(&b, 0, sizeof b);
	for (int i = 0, ox = 0; i < band * ow; i++, ox = ox + 1 < ow ? ox + 1 : 0)
		b.keep_l[i / VW][i % VW] = ox != 0 ? -1 : 0;
	for (int it = begin; it < end; it++) {
		int c = it % p->c;
		size_t plane = (size_t)it;
		const float *xc = x + plane * h * wd;
		vf k[9];
		for (int i = 0; i < 9; i++)
			k[i] = (vf){0} + w[(size_t)c * 9 + i];
		float bias = ep->bias ? ep->bias[c] : 0;
		for (int r0 = 0; r0 < oh; r0 += band) {
			int rows = oh - r0 < band ? oh - r0 : band, count = rows * ow;
			for (int i = 0; i <= rows; i++) {
				int iy = 2 * (r0 + i) - 1; /* odd rows, from the one above */
				const float *xr = iy >= 0 && iy < h ? xc + (size_t)iy * wd : NULL;
				split_row(b.oe + 1 + i * ow, b.oo + 1 + i * ow, xr, wd, ow);
				if (i == rows)
					break;
				xr = iy + 1 < h ? xc + (size_t)(iy + 1) * wd : NULL;
				split_row(b.ee + 1 + i * ow, b.eo + 1 + i * ow, xr, wd, ow);
			}
			size_t yoff = (plane * oh + r0) * ow;
			float *yb = y + yoff;
			const float *rb = ep->residual ? ep->residual + yoff : NULL;
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) DW_BY_RES(s2_band_, act, rb, &b, count, ow, k, bias, ep->param, rb, yb)
#define ACT_SWITCH_AFTER DW_AFTER(ep, yb, count)
#include "act_switch.h"
		}
	}
}

/* ---- 3x3, stride 2, padding 1, small planes of even width ---------- */

/* With an even w, a column's parity is its flat index's in the plane, so
 * one pass of vector loads and even/odd shuffles splits a whole plane
 * into e (even columns) and o (odd ones), rows of ow = w/2 floats. Output
 * row oy then reads input rows 2oy - 1, 2oy, 2oy + 1 of them, tap kx = 0
 * at o[ox - 1] (lane ox = 0 masked: the left padding), kx = 1 at e[ox],
 * kx = 2 at o[ox]; rows past the plane read zeros. For planes up to 4096
 * floats:
 * the banded path splits row by row, a scalar loop below 32 columns
 * (mobilenet_v2's layers alone: 576 x 14x14 0.054 -> 0.031 ms, 192 x
 * 28x28 0.060 -> 0.026, 144 x 56x56 0.107 -> 0.082). */
#define S2P_MAX 4096 /* floats of the largest plane */

/* A plane split by column parity, and a row of zeros. */
typedef struct {
	float e[1 + S2P_MAX / 2 + 2 * VW]; /* [guard][rows of even columns][slack] */
	float o[1 + S2P_MAX / 2 + 2 * VW]; /* odd columns, the same */
	float z[1 + S2P_MAX / 2 + 2 * VW]; /* zeros for rows -1 and h: [guard][ow + VW read] */
} Split2;

static int s2p_fits(const rt_conv2d_params *p)
{
	return p->kh == 3 && p->kw == 3 && p->sh == 2 && p->sw == 2 && p->ph == 1 && p->pw == 1 && p->dh == 1 &&
	       p->dw == 1 && p->w % 2 == 0 && p->h * p->w <= S2P_MAX;
}

/* One plane from the split in sp: y, res [oh, ow] (res may be NULL).
 * A vector is stored whole when it ends inside the plane, the lanes past
 * its row landing on rows stored after it; else (the last row, or rows
 * narrower than a vector near the end) only the row's own floats. */
static ALWAYS_INLINE void s2p_plane_(int act, int has_res, const Split2 *sp, int h, int oh, int ow, const vf *k,
                                     float bias, float param, const float *res, float *y)
{
	const vf vbias = (vf){0} + bias;
	vi keep0 = {0}; /* lanes of the first vector that are not column 0 */
	for (int l = 1; l < VW; l++)
		keep0[l] = -1;
	const float *e = sp->e + 1, *o = sp->o + 1, *z = sp->z + 1;
	for (int oy = 0; oy < oh; oy++, y += ow, res += has_res ? ow : 0) {
		int r0 = 2 * oy - 1, r2 = 2 * oy + 1;
		const float *e0 = r0 >= 0 ? e + r0 * ow : z, *o0 = r0 >= 0 ? o + r0 * ow : z;
		const float *e1 = e + 2 * oy * ow, *o1 = o + 2 * oy * ow;
		const float *e2 = r2 < h ? e + r2 * ow : z, *o2 = r2 < h ? o + r2 * ow : z;
		for (int ox = 0; ox < ow; ox += VW) {
			vf a0, a1, a2, b0, b1, b2, c0, c1, c2;
			LOADV(a0, o0 + ox - 1), LOADV(a1, e0 + ox), LOADV(a2, o0 + ox);
			LOADV(b0, o1 + ox - 1), LOADV(b1, e1 + ox), LOADV(b2, o1 + ox);
			LOADV(c0, o2 + ox - 1), LOADV(c1, e2 + ox), LOADV(c2, o2 + ox);
			vf left = k[0] * a0 + k[3] * b0 + k[6] * c0;
			vf sum = k[1] * a1 + k[4] * b1 + k[7] * c1 + vbias;
			sum += k[2] * a2 + k[5] * b2 + k[8] * c2;
			sum += ox == 0 ? (vf)((vi)left & keep0) : left;
			int count = (oy * ow + ox + VW <= oh * ow) ? VW : ow - ox;
			store_vec(act, has_res, sum, has_res ? res + ox : NULL, y + ox, count, param);
		}
	}
}

static void depthwise_s2p(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                          float *y, int begin, int end)
{
	const int h = p->h, n = h * p->w, oh = p->oh, ow = p->ow;
	Split2 sp;
	memset(&sp, 0, sizeof sp);
	for (int it = begin; it < end; it++) {
		int c = it % p->c;
		const float *xc = x + (size_t)it * n;
		int i = 0;
		for (; i + 2 * VW <= n; i += 2 * VW) {
			vf a, b, ev, od;
			LOADV(a, xc + i);
			LOADV(b, xc + i + VW);
			ev = SHUFFLE2(a, b, EVEN_LANES);
			od = SHUFFLE2(a, b, ODD_LANES);
			STOREV(sp.e + 1 + i / 2, ev);
			STOREV(sp.o + 1 + i / 2, od);
		}
		for (; i < n; i += 2)
			sp.e[1 + i / 2] = xc[i], sp.o[1 + i / 2] = xc[i + 1];
		vf k[9];
		for (int t = 0; t < 9; t++)
			k[t] = (vf){0} + w[(size_t)c * 9 + t];
		float bias = ep->bias ? ep->bias[c] : 0;
		size_t yoff = (size_t)it * oh * ow;
		const float *rb = ep->residual ? ep->residual + yoff : NULL;
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) DW_BY_RES(s2p_plane_, act, rb, &sp, h, oh, ow, k, bias, ep->param, rb, y + yoff)
#define ACT_SWITCH_AFTER DW_AFTER(ep, y + yoff, oh * ow)
#include "act_switch.h"
	}
}

/* The row-by-row 3x3 plane for any epilogue. */
static void dw3_plane(const rt_conv2d_params *p, rt_rows *r, int o1, int o2, const float *wt, float bias,
                      const rt_epilogue *ep, const float *res, float *y)
{
	vf w[9];
	for (int i = 0; i < 9; i++)
		w[i] = (vf){0} + wt[i];
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) DW_BY_RES(dw3_plane_, act, res, p, r, o1, o2, w, bias, ep->param, res, y)
#define ACT_SWITCH_AFTER DW_AFTER(ep, y, p->oh * p->ow)
#include "act_switch.h"
}

/* ---- the general path ------------------------------------------------ */

/* First and last output column (inclusive) whose tap at input offset
 * off (= kx*dw - pw) lands inside a row of w: off + ox*sw in [0, w). */
static void tap_range(int off, int sw, int w, int ow, int *lo, int *hi)
{
	int l = off >= 0 ? 0 : (-off + sw - 1) / sw;
	int h = w - 1 - off < 0 ? -1 : (w - 1 - off) / sw;
	*lo = l;
	*hi = h < ow - 1 ? h : ow - 1;
}

/* y_row[lo..hi] += wv * x_row[ox*sw + off]; in vectors at stride 1. */
static void axpy_row(float *y, const float *x, float wv, int lo, int hi, int sw, int off)
{
	int ox = lo;
	if (sw == 1)
		for (; ox + VW - 1 <= hi; ox += VW) {
			vf a, b;
			LOADV(a, y + ox);
			LOADV(b, x + ox + off);
			a += wv * b;
			STOREV(y + ox, a);
		}
	for (; ox <= hi; ox++)
		y[ox] += wv * x[ox * sw + off];
}

/* Any size: each output row starts at the bias and gathers, tap by tap,
 * one scaled input row; the taps that would read padding are simply not
 * in the column range, so the inner loop has no test. */
static void depthwise_general(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                              float *y, int begin, int end)
{
	const int h = p->h, wd = p->w, oh = p->oh, ow = p->ow, kh = p->kh, kw = p->kw;
	for (int it = begin; it < end; it++) {
		int c = it % p->c;
		const float *xc = x + (size_t)it * h * wd;
		const float *wc = w + (size_t)c * kh * kw;
		size_t yoff = (size_t)it * oh * ow;
		float bias = ep->bias ? ep->bias[c] : 0;
		for (int oy = 0; oy < oh; oy++) {
			float *yr = y + yoff + (size_t)oy * ow;
			for (int ox = 0; ox < ow; ox++)
				yr[ox] = bias;
			for (int ky = 0; ky < kh; ky++) {
				int iy = oy * p->sh - p->ph + ky * p->dh;
				if (iy < 0 || iy >= h)
					continue;
				for (int kx = 0; kx < kw; kx++) {
					int off = kx * p->dw - p->pw, lo, hi;
					tap_range(off, p->sw, wd, ow, &lo, &hi);
					axpy_row(yr, xc + (size_t)iy * wd, wc[ky * kw + kx], lo, hi, p->sw, off);
				}
			}
			const float *rr = ep->residual ? ep->residual + yoff + (size_t)oy * ow : NULL;
			rt_epilogue_row(ep, yr, rr, 0, ow);
		}
	}
}

/* Any kernel whose rows fit rows.h's ring, plane by plane: each row of
 * taps is one phase of a padded input row (rt_rows). */
static void depthwise_rows(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                           float *y, int begin, int end)
{
	const int kh = p->kh, kw = p->kw, ow = p->ow, sw = p->sw, ntaps = kh * kw;
	const int span = (kw - 1) * p->dw, len = RT_ROWS_LEN(ow, span, sw);
	rt_rows r;
	const float *tap[MAX_TAPS];
	int off[MAX_TAPS]; /* tap kx's phase element for output column 0 */
	for (int kx = 0; kx < kw; kx++)
		off[kx] = (kx * p->dw) % sw * len + kx * p->dw / sw;
	for (int it = begin; it < end; it++) {
		int c = it % p->c;
		size_t plane = (size_t)it;
		const float *wc = w + (size_t)c * ntaps;
		float bias = ep->bias ? ep->bias[c] : 0, *yc = y + plane * p->oh * ow;
		const float *rc = ep->residual ? ep->residual + plane * p->oh * ow : NULL;
		rt_rows_start(&r, x + plane * p->h * p->w, p->h, p->w, sw, p->pw, len, 0.0f);
		if (kh == 3 && kw == 3) {
			dw3_plane(p, &r, off[1], off[2], wc, bias, ep, rc, yc);
			continue;
		}
		for (int oy = 0; oy < p->oh; oy++) {
			for (int ky = 0; ky < kh; ky++) {
				const float *row = rt_rows_get(&r, oy * p->sh - p->ph + ky * p->dh);
				for (int kx = 0; kx < kw; kx++)
					tap[ky * kw + kx] = row + off[kx];
			}
			dw_row(ntaps, tap, wc, ow, bias, ep, rc ? rc + (size_t)oy * ow : NULL, yc + (size_t)oy * ow);
		}
	}
}

static void dw_items(void *ctx, int begin, int end)
{
	const Dw *j = ctx;
	j->path(j->p, j->x, j->w, j->ep, j->y, begin, end);
}

/* x: [n, c, h, w]  w: [c, 1, kh, kw] -> y: [n, c, oh, ow]. In parallel
 * over planes (rt_parallel); each plane is computed by one thread as it
 * would be by one, so the thread count does not change the result. */
void rt_conv2d_depthwise(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                         float *y)
{
	static const rt_epilogue none = {NULL, NULL, RT_ACT_NONE, 0};
	const int span = (p->kw - 1) * p->dw, nrows = (p->kh - 1) * p->dh + 1;
	DwPath *path = flat_fits(p)                                                           ? depthwise_flat
	               : s2p_fits(p)                                                          ? depthwise_s2p
	               : s2_fits(p)                                                           ? depthwise_s2
	               : p->kh * p->kw > MAX_TAPS || !rt_rows_fits(nrows, p->ow, span, p->sw) ? depthwise_general
	                                                                                      : depthwise_rows;
	Dw j = {path, p, x, w, ep ? ep : &none, y};
	double flops = 2.0 * p->oh * p->ow * p->kh * p->kw; /* per plane */
	rt_parallel(p->n * p->c, cl_grain(flops, CL_GRAIN_FLOPS), dw_items, &j);
}
