/*
 * layer_timer.c: times one generated model to the microsecond, for
 * tests/bench/layers.py.
 *
 *     cc ... -DLAYER_H='"conv04.h"' -DLAYER_RUN=conv04_run \
 *            -DLAYER_IN=CONV04_INPUT_COUNT -DLAYER_OUT=CONV04_OUTPUT_COUNT \
 *            tests/bench/layer_timer.c conv04.c RUNTIME... -o conv04_timer
 *     ./conv04_timer SAMPLES
 *
 * prints "median M ms min N ms per run, R runs per sample".
 *
 * A generated program's --bench prints its median to 0.01 ms (the format
 * SPEC.md fixes), which is 7% of a 0.15 ms layer. Here each of SAMPLES
 * samples times R back-to-back runs, R chosen so that a sample takes about
 * a millisecond, and the per-run time is the sample's time / R. The runs
 * repeat on the same input, as with --bench: weights and activations
 * that fit in cache stay there, as they would between one image's layers
 * only for the small ones; layers.py says so. The input is a fixed
 * pseudo-random pattern in [-1, 1): the kernels' speed does not depend on
 * the values (denormals aside, which it avoids).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cnnrt.h"
#include "timing.h"
#include LAYER_H

#define MAX_SAMPLES 1001

static float input[LAYER_IN];
static float output[LAYER_OUT];
static double sample_ms[MAX_SAMPLES];

int main(int argc, char **argv)
{
	int samples = argc > 1 ? atoi(argv[1]) : 0;
	if (samples < 1 || samples > MAX_SAMPLES) {
		fprintf(stderr, "usage: %s SAMPLES (1 to %d)\n", argv[0], MAX_SAMPLES);
		return 2;
	}
	unsigned s = 12345;
	for (long i = 0; i < LAYER_IN; i++) {
		s = s * 1103515245u + 12345u;
		input[i] = (float)(s >> 8) / (float)(1u << 23) - 1.0f;
	}
	/* warm up, and find how many runs make a millisecond */
	LAYER_RUN(input, output);
	double t0 = rt_now_ms();
	LAYER_RUN(input, output);
	double once = rt_now_ms() - t0;
	int reps = once >= 1.0 ? 1 : once <= 0.001 ? 1000 : (int)(1.0 / once) + 1;
	for (int i = 0; i < samples; i++) {
		t0 = rt_now_ms();
		for (int r = 0; r < reps; r++)
			LAYER_RUN(input, output);
		sample_ms[i] = (rt_now_ms() - t0) / reps;
	}
	double med = timing_median(sample_ms, samples);
	printf("median %.4f ms min %.4f ms per run, %d runs per sample\n", med, sample_ms[0], reps);
	/* the output depends on every run: keep the compiler from dropping them */
	return output[0] != output[0] ? 3 : 0;
}
