/*
 * simd.h: the runtime's vector type, private to the kernels.
 *
 * GCC vector extensions, sized to the target: 8 floats with AVX (the
 * compiler also uses AVX-512 encodings when allowed), else 4 (SSE2, the
 * x86-64 baseline). Vector values never cross a function boundary: without
 * AVX that would change the ABI, so loads and stores go through memcpy.
 */
#ifndef CNNRT_SIMD_H
#define CNNRT_SIMD_H

#include <string.h>

#if defined(__AVX__)
#define VW 8
#else
#define VW 4
#endif
typedef float vf __attribute__((vector_size(VW * 4)));
typedef int vi __attribute__((vector_size(VW * 4)));

#define LOADV(v, p) memcpy(&(v), (p), sizeof(vf))
#define STOREV(p, v) memcpy((p), &(v), sizeof(vf))
/* Lanes of v where drop is set become r. (C has no vector ?:.) */
#define REPLACE(v, drop, r) ((vf)(((vi)(v) & ~(drop)) | ((vi)(r) & (drop))))

#endif
