/*
 * depthwise_s1.c: the depthwise path for 3x3 kernels at stride 1 with
 * padding 1 (mobilenet's), rows of at most FLAT_W floats.
 * x: [n, c, h, w]  w: [c, 1, 3, 3] -> y: [n, c, h, w].
 * depthwise.c says how it fits among the paths.
 */
#include "depthwise.h"

/* A 3x3 convolution at stride 1 with padding 1 keeps the plane's size, so
 * output j = oy*w + ox reads input (oy - 1 + ky, ox - 1 + kx): in a copy
 * of the rows with a zero row above and below (and one zero float
 * before), that is buf[j + ky*w + kx] for every output, a band of rows
 * one flat loop of vectors with no row overhead; a band whose rows above
 * and below are in the plane is read there in place, from the float
 * before its row above. The taps that should
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

int rt_dw_flat_fits(const rt_conv2d_params *p)
{
	return p->kh == 3 && p->kw == 3 && p->sh == 1 && p->sw == 1 && p->ph == 1 && p->pw == 1 && p->dh == 1 &&
	       p->dw == 1 && p->w <= FLAT_W;
}

/* The flat loop over one band: hw = rows*w outputs; in[j + 1] is input
 * row r0 - 1's column j (in: f->buf, or the plane itself when the rows
 * above and below the band are in it); y, res at its first row. */
static ALWAYS_INLINE void flat_plane_(int act, int has_res, const Flat *f, const float *in, int hw, int w,
                                      const vf *k, float bias, float param, float param2, const float *res, float *y)
{
	const vf vbias = SPLAT(bias);
	const float *r0 = in, *r1 = in + w, *r2 = in + 2 * w;
	for (int j = 0, v = 0; j < hw; j += VW, v++) {
		vf a0, a1, a2, b0, b1, b2, c0, c1, c2;
		LOADV(a0, r0 + j), LOADV(a1, r0 + j + 1), LOADV(a2, r0 + j + 2);
		LOADV(b0, r1 + j), LOADV(b1, r1 + j + 1), LOADV(b2, r1 + j + 2);
		LOADV(c0, r2 + j), LOADV(c1, r2 + j + 1), LOADV(c2, r2 + j + 2);
		vf left = k[0] * a0 + k[3] * b0 + k[6] * c0;
		vf mid = k[1] * a1 + k[4] * b1 + k[7] * c1;
		vf right = k[2] * a2 + k[5] * b2 + k[8] * c2;
		vf sum = (vf)((vi)left & f->keep_l[v]) + mid + (vf)((vi)right & f->keep_r[v]) + vbias;
		store_vec(act, has_res, sum, has_res ? res + j : NULL, y + j, hw - j, param, param2);
	}
}

void rt_dw_flat(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                           float *y, int begin, int end)
{
	const int h = p->h, wd = p->w, band = FLAT_MAX / wd < h ? FLAT_MAX / wd : h; /* output rows per band */
	/* an exp-based activation in a pass of wide vectors after each band
	 * of 256 outputs or more (act.h; alone, silu: 144 planes of 56x56
	 * 0.31 -> 0.26 ms, 32 of 112x112 0.27 -> 0.22; at 14x14 5% slower, at
	 * 7x7 25%) */
	const int act = act_wants_wide(ep->act) && band * wd >= 256 ? RT_ACT_NONE : ep->act;
	Flat f;
	memset(f.buf, 0, sizeof f.buf);
	/* all lanes kept but each row's first (keep_l) and last (keep_r): set
	 * whole, then a lane a row (set lane by lane, the 2 x 1024 stores
	 * stalled the first vector loads of the masks) */
	memset(f.keep_l, 0xff, sizeof f.keep_l);
	memset(f.keep_r, 0xff, sizeof f.keep_r);
	for (int r = 0; r < band; r++) {
		int first = r * wd, last = first + wd - 1;
		f.keep_l[first / VW][first % VW] = 0;
		f.keep_r[last / VW][last % VW] = 0;
	}
	for (int it = begin; it < end; it++) {
		int c = it % p->c;
		size_t plane = (size_t)it * h * wd;
		vf k[9];
		for (int i = 0; i < 9; i++)
			k[i] = SPLAT(w[(size_t)c * 9 + i]);
		float bias = ep->bias ? ep->bias[c] : 0;
		for (int r0 = 0; r0 < h; r0 += band) {
			int rows = h - r0 < band ? h - r0 : band, count = rows * wd;
			/* input rows r0-1 .. r0+rows, contiguous in x: read in place
			 * where every float the loop reads lies in the plane (a band
			 * not the first, whose reads past the row below, up to a
			 * vector, still do; alone on Zen 4, 32 planes of 112x112
			 * 0.144 -> 0.117 ms, 144 of 56x56 0.17 -> 0.145), else
			 * copied with 0 above and below */
			long long first = (long long)(r0 - 1) * wd - 1; /* in[0] and the last float read */
			long long last = first + (count - 1) / VW * VW + 2 * wd + 1 + VW;
			const float *in = f.buf;
			if (first >= 0 && last < (long long)h * wd) {
				in = x + plane + first;
			} else {
				int top = r0 > 0 ? r0 - 1 : 0, stop = r0 + rows < h ? r0 + rows + 1 : h;
				float *d = f.buf + 1 + (size_t)(top - (r0 - 1)) * wd;
				memcpy(d, x + plane + (size_t)top * wd, (size_t)(stop - top) * wd * sizeof *d);
				if (band < h && r0 == 0) /* one band: its zero rows stay from the memset */
					memset(f.buf + 1, 0, (size_t)wd * sizeof *d);
				if (band < h && r0 + rows == h) /* the row below the last */
					memset(d + (size_t)(stop - top) * wd, 0, (size_t)wd * sizeof *d);
			}
			float *yb = y + plane + (size_t)r0 * wd;
			const float *rb = ep->residual ? ep->residual + plane + (size_t)r0 * wd : NULL;
#define ACT_SWITCH_ON act
#define ACT_SWITCH_VEC(a) \
	DW_BY_RES(flat_plane_, a, rb, &f, in, count, wd, k, bias, act_param(ep, c), ep->param2, rb, yb)
#define ACT_SWITCH_AFTER DW_AFTER(ep, yb, count)
#include "act_switch.h"
			if (act != ep->act)
				rt_act_inplace(ep, c, yb, count);
		}
	}
}
