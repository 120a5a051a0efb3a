/*
 * depthwise_s2.c: the depthwise path for 3x3 kernels at stride 2 with
 * padding 1, any plane. x: [n, c, h, w]  w: [c, 1, 3, 3] -> y: [n, c, oh,
 * ow], oh = ceil(h / 2), ow = ceil(w / 2). depthwise.c says how it fits
 * among the paths.
 *
 * Output (oy, ox) reads input rows 2oy - 1, 2oy, 2oy + 1 at columns
 * 2ox - 1, 2ox, 2ox + 1. For the VW outputs of a row from ox, each input
 * row gives two vector loads (columns 2ox .. 2ox + 2VW - 1), split in
 * registers into its even columns (tap kx = 1) and odd ones (kx = 2).
 * The kx = 0 taps (column 2ox - 1) are the odd columns one output to the
 * left: their three products are summed on the odd columns as loaded and
 * that sum shifted one lane, lane 0 the previous vector's last (zero at ox
 * = 0: the left padding), so a vector of outputs costs 6 loads and 7 lane
 * permutations. Rows -1 and h (the top and bottom padding) are zero, as
 * are the columns from w on (a row's last vectors load only what the row
 * has: the right padding of an odd w). Nothing is copied. The lane
 * permutations bound it (about one a cycle on Zen 4; the 9 of a first
 * version, which shifted each row's odd columns, ran 1.1x slower). Against
 * the two paths it replaced (a plane split by column parity into a
 * buffer, whole or a row at a time, then flat loops over the four parity
 * planes), alone on Zen 4 with relu6: 96 planes of 112x112 0.227 ->
 * 0.132 ms (0.113 since relu6 is a max and a min, act.h), 144 of 56x56
 * 0.082 -> 0.061, 192 of 28x28 0.030 -> 0.026, 32 of 225x225 0.30 ->
 * 0.22.
 */
#include "depthwise.h"

/* Lanes VW - 1 .. 2VW - 2 of two vectors: the second shifted up one
 * lane, the first's last lane in lane 0. */
#if VW == 4
#define SHIFT_IN 3, 4, 5, 6
#elif VW == 8
#define SHIFT_IN 7, 8, 9, 10, 11, 12, 13, 14
#elif VW == 16
#define SHIFT_IN 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30
#else
#error "depthwise_s2.c: no shift for this VW"
#endif

int rt_dw_s2_fits(const rt_conv2d_params *p)
{
	return p->kh == 3 && p->kw == 3 && p->sh == 2 && p->sw == 2 && p->ph == 1 && p->pw == 1 && p->dh == 1 &&
	       p->dw == 1;
}

/* Input columns x .. x + 2VW - 1 of row (NULL: a padding row) of w,
 * zero from w on, as e (the even ones) and o (the odd ones). */
static ALWAYS_INLINE void row_taps(const float *row, int x, int w, vf *e, vf *o)
{
	vf a = {0}, b = {0};
	if (row) {
		if (x + 2 * VW <= w) {
			LOADV(a, row + x);
			LOADV(b, row + x + VW);
		} else {
			int n = w - x; /* 1 .. 2VW - 1: x is 2ox, ox < ow */
			LOADV_PART(a, row + x, 0, n < VW ? n : VW);
			if (n > VW)
				LOADV_PART(b, row + x + VW, 0, n - VW);
		}
	}
	*e = SHUFFLE2(a, b, EVEN_LANES);
	*o = SHUFFLE2(a, b, ODD_LANES);
}

/* One plane xc [h, w] -> y, res [oh, ow] (res NULL unless has_res). */
static ALWAYS_INLINE void s2_plane_(int act, int has_res, const float *xc, int h, int w, int oh, int ow,
                                    const vf *k, float bias, float param, float param2, const float *res, float *y)
{
	const vf vbias = SPLAT(bias);
	for (int oy = 0; oy < oh; oy++, y += ow, res += has_res ? ow : 0) {
		const float *r0 = oy > 0 ? xc + (size_t)(2 * oy - 1) * w : NULL, *r1 = xc + (size_t)2 * oy * w;
		const float *r2 = 2 * oy + 1 < h ? xc + (size_t)(2 * oy + 1) * w : NULL;
		vf qp = {0}; /* the previous vector's kx = 0 sums */
		for (int ox = 0; ox < ow; ox += VW) {
			vf e0, o0, e1, o1, e2, o2;
			row_taps(r0, 2 * ox, w, &e0, &o0);
			row_taps(r1, 2 * ox, w, &e1, &o1);
			row_taps(r2, 2 * ox, w, &e2, &o2);
			vf q = k[0] * o0 + k[3] * o1 + k[6] * o2;
			vf sum = k[1] * e0 + k[2] * o0 + vbias;
			sum += k[4] * e1 + k[5] * o1;
			sum += k[7] * e2 + k[8] * o2;
			sum += SHUFFLE2(qp, q, SHIFT_IN);
			qp = q;
			store_vec(act, has_res, sum, has_res ? res + ox : NULL, y + ox, ow - ox, param, param2);
		}
	}
}

void rt_dw_s2(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep, float *y, int begin,
              int end)
{
	const int h = p->h, wd = p->w, oh = p->oh, ow = p->ow;
	/* an exp-based activation in a pass of wide vectors after each plane
	 * of 128 outputs or more (act.h; alone, silu: 96 planes of 112x112
	 * 0.29 -> 0.19 ms, 240 of 28x28 0.066 -> 0.048; 7x7 outputs lost) */
	const int act = act_wants_wide(ep->act) && oh * ow >= 128 ? RT_ACT_NONE : ep->act;
	for (int it = begin; it < end; it++) {
		int c = it % p->c;
		const float *xc = x + (size_t)it * h * wd;
		vf k[9];
		for (int i = 0; i < 9; i++)
			k[i] = SPLAT(w[(size_t)c * 9 + i]);
		float bias = ep->bias ? ep->bias[c] : 0;
		size_t yoff = (size_t)it * oh * ow;
		float *yb = y + yoff;
		const float *rb = ep->residual ? ep->residual + yoff : NULL;
#define ACT_SWITCH_ON act
#define ACT_SWITCH_VEC(a) \
	DW_BY_RES(s2_plane_, a, rb, xc, h, wd, oh, ow, k, bias, act_param(ep, c), ep->param2, rb, yb)
#define ACT_SWITCH_AFTER DW_AFTER(ep, yb, oh * ow)
#include "act_switch.h"
		if (act != ep->act)
			rt_act_inplace(ep, c, yb, oh * ow);
	}
}
