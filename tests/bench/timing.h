/*
 * timing.h: the median of a set of timings, for the C drivers of
 * tests/bench (layer_timer.c, profile.py's driver). Their clock is the
 * runtime's rt_now_ms (cnnrt.h), which the programs link anyway.
 */
#ifndef CNNC_BENCH_TIMING_H
#define CNNC_BENCH_TIMING_H

#include <stdlib.h>

static int timing_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of v[0..n), n >= 1; sorts v, so v[0] is then the least. */
static double timing_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, timing_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
