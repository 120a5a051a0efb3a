/*
 * bandwidth.c: the memory read bandwidth of one core, measured.
 *
 *     cc -O2 -march=native tests/bench/bandwidth.c -o bandwidth && ./bandwidth
 *
 * prints e.g. "read 5.1 GB/s, memcpy 10.4 GB/s (...)". It sums a 256 MB
 * float array (beyond this machine's 105 MB of L3) in 4 vector
 * accumulators of a cache line each, as a conv streams weights it uses
 * once a run; the best of 10 passes is the figure (the machine is
 * shared: the best pass is the one the neighbours disturbed least).
 * memcpy's rate (bytes read + written) is printed for comparison. The
 * sum is printed too, so the compiler keeps the reads.
 */
#define _POSIX_C_SOURCE 200809L
#define _ISOC11_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BYTES (256L << 20)
#define PASSES 10

typedef float vf __attribute__((vector_size(64))); /* 16 floats: one cache line */

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
	long n = BYTES / 4;
	float *a = aligned_alloc(64, BYTES), *b = aligned_alloc(64, BYTES);
	if (!a || !b)
		return 1;
	for (long i = 0; i < n; i++)
		a[i] = (float)(i & 255), b[i] = 0;
	double best = 1e9, best_copy = 1e9, sink = 0;
	for (int p = 0; p < PASSES; p++) {
		vf acc[4] = {{0}};
		const vf *v = (const vf *)a;
		double t = now_s();
		for (long i = 0; i < n / 16; i += 4)
			for (int l = 0; l < 4; l++)
				acc[l] += v[i + l];
		t = now_s() - t;
		for (int l = 0; l < 4; l++)
			for (int j = 0; j < 16; j++)
				sink += acc[l][j];
		best = t < best ? t : best;
		t = now_s();
		memcpy(b, a, BYTES);
		t = now_s() - t;
		sink += b[p];
		best_copy = t < best_copy ? t : best_copy;
	}
	printf("read %.1f GB/s, memcpy %.1f GB/s (read + write; 1 core, best of %d passes over %ld MB; sum %g)\n",
	       1e-9 * BYTES / best, 2e-9 * BYTES / best_copy, PASSES, BYTES >> 20, sink);
	return 0;
}
