/*
 * time.c: a monotonic clock for the generated programs' --bench option.
 *
 * CLOCK_MONOTONIC never jumps with the wall clock, so differences of two
 * readings are true elapsed times. POSIX, hence the feature macro.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <time.h>

#include "cnnrt.h"

double rt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
