/*
 * cl.h: helpers of the channel-chunked kernels (layout.c, conv_cl.c,
 * pool_cl.c), private to the runtime.
 *
 * The chunked kernels work on 8 channels at a time, the block of NCHW8c,
 * whatever the target's vector width VW (simd.h): v8 is a GCC vector of 8
 * floats, which the compiler maps to one AVX register, or two SSE ones on
 * the generic target. As in simd.h, vectors never cross a function
 * boundary (the ABI would depend on the target), so the helpers are
 * static inline and loads and stores go through memcpy.
 */
#ifndef CNNRT_CL_H
#define CNNRT_CL_H

#include <string.h>

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

#define LOAD8(v, p) memcpy(&(v), (p), sizeof(v8))
#define STORE8(p, v) memcpy((p), &(v), sizeof(v8))
/* Lanes of v where drop is set become r. */
#define REPLACE8(v, drop, r) ((v8)(((v8i)(v) & ~(drop)) | ((v8i)(r) & (drop))))

/* Chunks of cl channels that hold c channels. */
static inline int cl_chunks(int c, int cl) { return (c + cl - 1) / cl; }

/* Offset of element (n, ch, pixel) of a [n, c, hw] tensor in chunks of cl. */
static inline size_t cl_at(int c, int hw, int cl, int n, int ch, long long pix)
{
	return (((size_t)n * cl_chunks(c, cl) + (size_t)(ch / cl)) * (size_t)hw + (size_t)pix) * (size_t)cl +
	       (size_t)(ch % cl);
}

#endif
