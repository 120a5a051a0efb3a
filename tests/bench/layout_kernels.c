/*
 * layout_kernels.c: times each conv shape of mobilenet_v2 and resnet18
 * in NCHW (the kernel the default algorithm choice runs) and in the
 * chunked layouts (NHWC, NCHW8c), plus the reorders, to calibrate the
 * layout pass's cost model (compiler/passes/layout.c).
 *
 *   cc -O2 -march=native -std=gnu11 -Iruntime tests/bench/layout_kernels.c runtime/[a-z]*.c -lm -o lk && ./lk [REPS]
 *
 * Prints, per shape, the best of REPS runs (default 20) of each, in
 * microseconds: the minimum is the figure least disturbed by other jobs
 * on the machine. Weights are random: only the time matters here.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnnrt.h"

typedef struct {
	const char *name; /* model and layer kind */
	int c, h, oc, k, s, groups;
} Shape;

static const Shape shapes[] = {
	{"mb dw 32@112", 32, 112, 32, 3, 1, 32},     {"mb dw 96@112/2", 96, 112, 96, 3, 2, 96},
	{"mb dw 144@56", 144, 56, 144, 3, 1, 144},   {"mb dw 144@56/2", 144, 56, 144, 3, 2, 144},
	{"mb dw 192@28", 192, 28, 192, 3, 1, 192},   {"mb dw 384@14", 384, 14, 384, 3, 1, 384},
	{"mb dw 576@14", 576, 14, 576, 3, 1, 576},   {"mb dw 960@7", 960, 7, 960, 3, 1, 960},
	{"mb 1x1 32>16@112", 32, 112, 16, 1, 1, 1},  {"mb 1x1 16>96@112", 16, 112, 96, 1, 1, 1},
	{"mb 1x1 96>24@56", 96, 56, 24, 1, 1, 1},    {"mb 1x1 24>144@56", 24, 56, 144, 1, 1, 1},
	{"mb 1x1 144>24@56", 144, 56, 24, 1, 1, 1},  {"mb 1x1 32>192@28", 32, 28, 192, 1, 1, 1},
	{"mb 1x1 192>32@28", 192, 28, 32, 1, 1, 1},  {"mb 1x1 64>384@14", 64, 14, 384, 1, 1, 1},
	{"mb 1x1 384>64@14", 384, 14, 64, 1, 1, 1},  {"mb 1x1 576>96@14", 576, 14, 96, 1, 1, 1},
	{"mb 1x1 160>960@7", 160, 7, 960, 1, 1, 1},  {"mb 1x1 960>160@7", 960, 7, 160, 1, 1, 1},
	{"mb 1x1 320>1280@7", 320, 7, 1280, 1, 1, 1}, {"mb stem 3>32@224/2", 3, 224, 32, 3, 2, 1},
	{"r18 stem 3>64@224/2 7x7", 3, 224, 64, 7, 2, 1}, {"r18 3x3 64@56", 64, 56, 64, 3, 1, 1},
	{"r18 3x3 64>128@56/2", 64, 56, 128, 3, 2, 1}, {"r18 3x3 128@28", 128, 28, 128, 3, 1, 1},
	{"r18 3x3 256@14", 256, 14, 256, 3, 1, 1},   {"r18 3x3 512@7", 512, 7, 512, 3, 1, 1},
	{"r18 1x1 64>128@56/2", 64, 56, 128, 1, 2, 1},
};

static float *buf(long long n)
{
	float *p = aligned_alloc(64, (size_t)((n * 4 + 63) / 64 * 64));
	for (long long i = 0; i < n; i++)
		p[i] = (float)((i * 7919) % 201 - 100) / 100.0f;
	return p;
}

#define TIME(reps, stmt)                                                   \
	({                                                                     \
		double best_ = 1e30;                                               \
		for (int r_ = 0; r_ < (reps); r_++) {                              \
			double t0_ = rt_now_ms();                                      \
			stmt;                                                          \
			double t_ = rt_now_ms() - t0_;                                 \
			best_ = t_ < best_ ? t_ : best_;                               \
		}                                                                  \
		best_ * 1000;                                                      \
	})

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 20;
	printf("%-26s %10s %10s %10s %10s | %9s %9s\n", "shape (us, best of reps)", "nchw", "nhwc", "nchw8c", "algo",
	       "reo->nhwc", "reo->8c");
	for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
		const Shape *s = &shapes[i];
		int pad = s->k / 2, oh = (s->h + 2 * pad - s->k) / s->s + 1;
		rt_conv2d_params p = {1, s->c, s->h, s->h, s->oc, oh, oh, s->k, s->k, s->s, s->s, pad, pad, 1, 1, s->groups};
		long long xn = RT_CL_FLOATS(1, s->c, s->h, s->h, 8), yn = RT_CL_FLOATS(1, s->oc, oh, oh, 8);
		float *x = buf(xn), *y = buf((xn > yn ? xn : yn) + 1024), *bias = buf(s->oc);
		long long wn = (long long)(s->oc + 16) * (s->c + 16) * s->k * s->k * 4;
		float *w = buf(wn > RT_WINOGRAD_WEIGHTS(4, s->c, s->oc) ? wn : RT_WINOGRAD_WEIGHTS(4, s->c, s->oc));
		long long sn = RT_IM2COL_FLOATS(s->oc, s->c, s->k, s->k, oh, oh);
		if (s->k == 3 && s->s == 1 && RT_WINOGRAD_FLOATS(4, s->c, s->oc, oh, oh) > sn)
			sn = RT_WINOGRAD_FLOATS(4, s->c, s->oc, oh, oh);
		float *scratch = buf(sn);
		rt_epilogue ep = {bias, NULL, RT_ACT_RELU, 0, 0, NULL};
		bool dw = s->groups > 1;
		const char *algo;
		double t_nchw, t_nhwc, t_8c;
		if (dw) {
			algo = "depthwise";
			t_nchw = TIME(reps, rt_conv2d_depthwise(&p, x, w, &ep, y));
			t_nhwc = TIME(reps, rt_conv2d_dw_cl(&p, s->c, x, w, &ep, y));
			t_8c = TIME(reps, rt_conv2d_dw_cl(&p, 8, x, w, &ep, y));
		} else {
			bool gemm = s->k == 1 && s->s == 1, wino = s->k == 3 && s->s == 1 && s->c >= 16;
			algo = gemm ? "gemm" : wino ? "winograd4" : "im2col";
			if (wino)
				t_nchw = TIME(reps, rt_conv2d_winograd(&p, 4, 1, x, w, &ep, y, scratch));
			else
				t_nchw = TIME(reps, rt_conv2d_gemm(&p, 1, x, w, &ep, y, scratch));
			rt_conv2d_params q = p;
			if (gemm)
				q.h = q.oh = 1, q.w = q.ow = s->h * s->h;
			t_nhwc = TIME(reps, rt_conv2d_cl(&q, s->c, s->oc, x, w, &ep, y));
			t_8c = TIME(reps, rt_conv2d_cl(&q, 8, 8, x, w, &ep, y));
		}
		double r1 = TIME(reps, rt_reorder(1, s->c, s->h * s->h, 1, x, s->c, y));
		double r2 = TIME(reps, rt_reorder(1, s->c, s->h * s->h, 1, x, 8, y));
		printf("%-26s %10.1f %10.1f %10.1f %10s | %9.1f %9.1f\n", s->name, t_nchw, t_nhwc, t_8c, algo, r1, r2);
		free(x), free(y), free(bias), free(w), free(scratch);
	}
	return 0;
}
