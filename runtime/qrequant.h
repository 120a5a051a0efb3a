/*
 * qrequant.h: the int8 kernels' requantization, private to them.
 *
 * One output of channel m, its int32 sum acc, to uint8 (cnnrt_int8.h):
 *     clamp(zp_y + rhe((float)acc * mult[m]), lo, hi)
 * rhe rounding half to even (nearbyintf in the default rounding mode, the
 * same as the vector cvtps2dq). The float product is clamped to the
 * integer bounds first, which changes nothing (they are integers) but
 * keeps it in int range. Every path, scalar and vector, computes exactly
 * this, so targets agree bit for bit.
 */
#ifndef CNNRT_QREQUANT_H
#define CNNRT_QREQUANT_H

#include <math.h>
#include <stdint.h>

static inline uint8_t q_requant(int32_t acc, float mult, int zp_y, int lo, int hi)
{
	float v = (float)acc * mult;
	float vlo = (float)(lo - zp_y), vhi = (float)(hi - zp_y);
	v = v < vlo ? vlo : v > vhi ? vhi : v;
	return (uint8_t)((int)nearbyintf(v) + zp_y);
}

#endif
