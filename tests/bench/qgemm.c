/*
 * qgemm.c: the int8 GEMM (rt_qgemm) beside the FP32 one on resnet18-like
 * shapes, one thread: rt_gemm_packed, the GEMM of rt_conv2d_gemm, with
 * its B (the im2col columns) already packed in strips, as there.
 *
 *   cc -O2 -march=native -ffp-contract=fast -std=c99 -Iruntime tests/bench/qgemm.c \
 *      build/lib/libcnnrt-native.a -lm -pthread -o qb && ./qb [ROUNDS]
 *
 * Each shape is P pixels x M output channels x K reduction (the im2col
 * GEMM of a conv: K = c * kh * kw). Rounds interleave the two kernels
 * (each round times a few calls of each), so that a busy machine slows
 * both alike; prints the median over ROUNDS (default 15) of each, as
 * GOP/s (int8: 2 * P * M * K operations, a multiply and an add) and
 * GFLOP/s (fp32, the same count), and their ratio. Data are random:
 * only the time matters here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnnrt.h"
#include "timing.h"

typedef struct {
	const char *name; /* layer it stands for */
	int P, M, K;      /* pixels, output channels, reduction */
} Shape;

static const Shape shapes[] = {
	{"3x3 64 -> 64 @ 56x56", 56 * 56, 64, 576},
	{"3x3 512 -> 512 @ 7x7", 7 * 7, 512, 4608},
	{"1x1 1024 -> 256 @ 14x14", 196, 256, 1024},
	{"3x3 128 -> 128 @ 28x28", 28 * 28, 128, 1152},
};

static void *alloc(size_t bytes)
{
	void *p = malloc(bytes);
	if (!p) {
		fprintf(stderr, "qgemm bench: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < bytes; i++) /* small values: no denormals, no overflow */
		((unsigned char *)p)[i] = (unsigned char)(rand() % 61);
	return p;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 15;
	if (rounds < 1)
		rounds = 1;
	printf("%-26s %10s %12s %7s\n", "shape (P x M x K)", "int8 GOP/s", "fp32 GFLOP/s", "ratio");
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		int P = shapes[s].P, M = shapes[s].M, K = shapes[s].K;
		uint8_t *X = alloc((size_t)P * K), *Y = alloc((size_t)P * M);
		int8_t *W = alloc((size_t)M * K), *Wp = alloc(rt_qpack_size(M, K));
		int32_t *bias = alloc(M * sizeof *bias);
		float *mult = alloc(M * sizeof *mult), *a = alloc(RT_GEMM_PACKED(M, K) * sizeof(float));
		size_t strips = ((size_t)P + 15) / 16;
		float *b = alloc(strips * 16 * K * sizeof *b), *c = alloc((size_t)M * P * sizeof *c);
		for (int m = 0; m < M; m++)
			mult[m] = 1e-4f;
		for (size_t i = 0; i < (size_t)RT_GEMM_PACKED(M, K); i++)
			a[i] = (float)(i % 7) * 0.01f;
		for (size_t i = 0; i < strips * 16 * K; i++)
			b[i] = (float)(i % 5) * 0.01f;
		rt_qpack(M, K, W, Wp);
		rt_epilogue ep = {0};
		double ops = 2.0 * P * M * K;
		int reps = (int)(2e8 / ops) + 1; /* ~ a few ms of work per timing */
		double *tq = malloc(rounds * sizeof *tq), *tf = malloc(rounds * sizeof *tf);
		for (int r = 0; r < rounds; r++) {
			double t0 = rt_now_ms();
			for (int i = 0; i < reps; i++)
				rt_qgemm(P, M, K, X, K, Wp, bias, mult, 128, 0, 255, Y, M);
			double t1 = rt_now_ms();
			for (int i = 0; i < reps; i++)
				rt_gemm_packed(M, P, K, a, b, c, P, &ep);
			double t2 = rt_now_ms();
			tq[r] = (t1 - t0) / reps, tf[r] = (t2 - t1) / reps;
		}
		double gq = ops / timing_median(tq, rounds) * 1e-6, gf = ops / timing_median(tf, rounds) * 1e-6;
		char label[64];
		snprintf(label, sizeof label, "%d x %d x %d", P, M, K);
		printf("%-26s %10.1f %12.1f %6.2fx   %s\n", label, gq, gf, gq / gf, shapes[s].name);
		free(X), free(Y), free(W), free(Wp), free(bias), free(mult), free(a), free(b), free(c), free(tq), free(tf);
	}
	return 0;
}
