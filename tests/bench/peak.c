/*
 * peak.c: the FP32 multiply-add peak of one core, measured.
 *
 *     cc -O2 -march=native -ffp-contract=fast tests/bench/peak.c -o peak && ./peak
 *
 * prints e.g. "peak 123.4 GFLOP/s (fp32, 1 core, 256-bit vectors, 12 chains, fma)".
 *
 * CHAINS independent accumulators (more than FMA latency x FMA units on
 * current x86 and Arm cores), each updated a = a * b + c, so nothing waits
 * on a previous result. The vectors are GCC vector extensions as wide as
 * the target allows (AVX-512: 64 bytes, AVX: 32, else 16), the width
 * tests/bench/layers.py's programs get from the same flags. With
 * -ffp-contract=fast (ISO modes such as -std=c99 turn contraction off)
 * a * b + c becomes one FMA instruction where the target has FMA; "fma" or
 * "mul+add" in the output says which the flags allowed (from __FMA__).
 * One FMA counts as 2 flops, as do a separate multiply and add. The best of
 * 50 short timed repeats (a few ms each, so some escape preemption on a
 * busy machine) is the peak.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#define VBYTES 64
#elif defined(__AVX__)
#define VBYTES 32
#else
#define VBYTES 16
#endif
#define LANES (VBYTES / 4)
#define CHAINS 12

typedef float vf __attribute__((vector_size(VBYTES)));

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* iters x CHAINS vector multiply-adds; returns a value depending on all of them. */
static float __attribute__((noinline)) run(long iters, float seed)
{
	vf b, c;
	vf a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11;
	for (int l = 0; l < LANES; l++) {
		b[l] = 0.999999f; /* a -> c / (1 - b): stays finite, no denormals */
		c[l] = 1e-6f * seed;
	}
	/* Different starting points, so the compiler cannot merge chains. */
	a0 = c * 1; a1 = c * 2; a2 = c * 3; a3 = c * 4; a4 = c * 5; a5 = c * 6;
	a6 = c * 7; a7 = c * 8; a8 = c * 9; a9 = c * 10; a10 = c * 11; a11 = c * 12;
	for (long i = 0; i < iters; i++) {
		a0 = a0 * b + c; a1 = a1 * b + c; a2 = a2 * b + c; a3 = a3 * b + c;
		a4 = a4 * b + c; a5 = a5 * b + c; a6 = a6 * b + c; a7 = a7 * b + c;
		a8 = a8 * b + c; a9 = a9 * b + c; a10 = a10 * b + c; a11 = a11 * b + c;
	}
	vf s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
	float r = 0;
	for (int l = 0; l < LANES; l++)
		r += s[l];
	return r;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 1000000L;
	if (iters <= 0) {
		fprintf(stderr, "usage: peak [ITERATIONS]\n");
		return 2;
	}
	float sink = run(iters * 10, 1.0f); /* warm up: clocks, caches */
	double best = 1e30;
	for (int rep = 0; rep < 50; rep++) {
		double t0 = now_s();
		sink += run(iters, 1.0f + (float)rep);
		double t = now_s() - t0;
		if (t < best)
			best = t;
	}
	double flops = 2.0 * CHAINS * LANES * (double)iters;
#ifdef __FMA__
	const char *how = "fma";
#else
	const char *how = "mul+add";
#endif
	printf("peak %.1f GFLOP/s (fp32, 1 core, %d-bit vectors, %d chains, %s)\n", flops / best * 1e-9,
	       VBYTES * 8, CHAINS, how);
	return sink == 12345.0f; /* uses sink; practically always 0 */
}
