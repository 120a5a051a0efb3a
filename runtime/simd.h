/*
 * simd.h: the runtime's vector type, private to the kernels.
 *
 * GCC vector extensions, sized to the target: 8 floats with AVX (the
 * compiler also uses AVX-512 encodings when allowed), else 4 (SSE2, the
 * x86-64 baseline). A kernel file whose vectors are its own business (no
 * layout or register plan shared with other files) may ask for the widest
 * vectors by defining SIMD_WIDE before its first include: 16 floats with
 * AVX-512F. (A core with 512-bit FMA units doubles its peak with them:
 * 237 against 119 GFLOP/s on one AMD EPYC core, tests/bench/peak.c.)
 * Vector values never cross a function boundary: without AVX that would
 * change the ABI, so loads and stores go through memcpy.
 */
#ifndef CNNRT_SIMD_H
#define CNNRT_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__AVX__)
#define VW_STD 8 /* the vectors of a file that does not ask for SIMD_WIDE */
#else
#define VW_STD 4
#endif
#if defined(__AVX512F__)
#define VW_WIDE 16 /* the vectors of a file that does */
#else
#define VW_WIDE VW_STD
#endif
#if defined(SIMD_WIDE)
#define VW VW_WIDE
#else
#define VW VW_STD
#endif
typedef float vf __attribute__((vector_size(VW * 4)));
/* x in every lane. -0 + x is x for every float x, while 0 + x turns a
 * -0 into +0 (a bound, a weight or a bias of -0 would lose its sign). */
#define SPLAT(x) (-(vf){0} + (x))

/* Vector registers the kernels may plan on: AVX-512's 32 reach 256-bit
 * vectors only with its VL extension (EVEX encodings of ymm16-31). */
#if defined(__AVX512VL__)
#define SIMD_REGS 32
#else
#define SIMD_REGS 16
#endif
typedef int vi __attribute__((vector_size(VW * 4)));

#define LOADV(v, p) memcpy(&(v), (p), sizeof(vf))
#define STOREV(p, v) memcpy((p), &(v), sizeof(vf))
/* Part of a vector: lanes [l, l + n) of v (0 < n, l + n <= VW) stored
 * to p[0..n), or loaded from q[0..n) into lanes [l, l + n) of v, its
 * other lanes zero: an edge vector's outputs, a row whose width is not a
 * multiple of VW. With AVX-512F (and VL, for vectors of 8) one masked
 * instruction (the lanes outside touch no memory; the address it is
 * given may lie before p, so it is formed as an integer), else a lane at
 * a time. */
#define AT_LANE0_(p, l) ((void *)((uintptr_t)(p) - (uintptr_t)(l) * sizeof(float)))
#if VW == 16 && defined(__AVX512F__)
#include <immintrin.h>
#define LANES_(l, n) ((__mmask16)(((1u << (n)) - 1) << (l)))
#define STOREV_PART(p, v, l, n) _mm512_mask_storeu_ps(AT_LANE0_(p, l), LANES_(l, n), (__m512)(v))
#define LOADV_PART(v, q, l, n) ((v) = (vf)_mm512_maskz_loadu_ps(LANES_(l, n), AT_LANE0_(q, l)))
#elif VW == 8 && defined(__AVX512VL__)
#include <immintrin.h>
#define LANES_(l, n) ((__mmask8)(((1u << (n)) - 1) << (l)))
#define STOREV_PART(p, v, l, n) _mm256_mask_storeu_ps(AT_LANE0_(p, l), LANES_(l, n), (__m256)(v))
#define LOADV_PART(v, q, l, n) ((v) = (vf)_mm256_maskz_loadu_ps(LANES_(l, n), AT_LANE0_(q, l)))
#else
#define STOREV_PART(p, v, l, n)               \
	do {                                  \
		for (int i_ = 0; i_ < (n); i_++) \
			(p)[i_] = (v)[(l) + i_]; \
	} while (0)
#define LOADV_PART(v, q, l, n)                \
	do {                                  \
		(v) = (vf){0};                \
		for (int i_ = 0; i_ < (n); i_++) \
			(v)[(l) + i_] = (q)[i_]; \
	} while (0)
#endif
/* Lanes of v where drop is set become r. (C has no vector ?:.) */
#define REPLACE(v, drop, r) ((vf)(((vi)(v) & ~(drop)) | ((vi)(r) & (drop))))

/* Lane by lane a > b ? a : b and a < b ? a : b (b where either is
 * NaN): x86's max and min, one instruction each (as a compare and a
 * blend, GCC's vector code ran max pooling at a third of the speed, and
 * relu6 took four instructions for two); REPLACE elsewhere. */
#if defined(__SSE__)
#include <immintrin.h>
#if VW == 16
#define MAXV(a, b) ((vf)_mm512_max_ps((__m512)(a), (__m512)(b)))
#define MINV(a, b) ((vf)_mm512_min_ps((__m512)(a), (__m512)(b)))
#elif VW == 8
#define MAXV(a, b) ((vf)_mm256_max_ps((__m256)(a), (__m256)(b)))
#define MINV(a, b) ((vf)_mm256_min_ps((__m256)(a), (__m256)(b)))
#else
#define MAXV(a, b) ((vf)_mm_max_ps((__m128)(a), (__m128)(b)))
#define MINV(a, b) ((vf)_mm_min_ps((__m128)(a), (__m128)(b)))
#endif
#else
#define MAXV(a, b) REPLACE(b, (a) > (b), a)
#define MINV(a, b) REPLACE(b, (a) < (b), a)
#endif

/* even(a, b) and odd(a, b): lanes 0, 2, 4, ... and 1, 3, 5, ... of the
 * 2*VW floats a then b. */
#if VW == 4
#define EVEN_LANES 0, 2, 4, 6
#define ODD_LANES 1, 3, 5, 7
#elif VW == 8
#define EVEN_LANES 0, 2, 4, 6, 8, 10, 12, 14
#define ODD_LANES 1, 3, 5, 7, 9, 11, 13, 15
#elif VW == 16
#define EVEN_LANES 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define ODD_LANES 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#else
#error "simd.h: no deinterleave masks for this VW"
#endif
#if defined(__clang__)
#define SHUFFLE2(a, b, lanes) __builtin_shufflevector(a, b, lanes)
#else
#define SHUFFLE2(a, b, lanes) __builtin_shuffle(a, b, (vi){lanes})
#endif

/* A hint to fetch the cache line n floats past p, which may lie past the
 * end of its array (the address is formed as an integer, not a pointer). */
#define PREFETCH_AT(p, n) __builtin_prefetch((const void *)((uintptr_t)(p) + (n) * sizeof(float)))
/* The same, for a line about to be written. */
#define PREFETCH_W_AT(p, n) __builtin_prefetch((const void *)((uintptr_t)(p) + (n) * sizeof(float)), 1)

/* How far ahead (floats) the GEMM kernels fetch weights that stream from
 * memory (gemm.c's A, the U of winograd.c's gemm_narrow): 16 KB, four 4 KB pages, which the
 * hardware prefetcher does not cross on its own. In resnet50 as a whole
 * (one core, 14 GB/s from DRAM, 160 MB of weights per image), going from
 * no hint in gemm.c and 384 floats in winograd.c to 4096 took the conv
 * layers' sum from 79 to 71 ms (layer3's Winograd layers 1.45 -> 1.05
 * ms, layer4's 1x1 layers 1.35 -> 1.1); 2048 left most of that, 8192 and
 * 16384 did no better. */
#define PREFETCH_AHEAD 4096

/* For weights streamed once a pass by a kernel that reads a few floats of
 * them a multiply-add (winograd.c's U, at 4 bytes a 16-lane multiply-add
 * on 16 tiles): the line 32 KB ahead into L2 (prefetcht1: the L2 keeps
 * more misses in flight than L1, where PREFETCH_AHEAD's hints held the
 * stream to ~10 GB/s of this Zen 4 guest's 25) and the line 1 KB ahead
 * from there into L1. Against one hint at PREFETCH_AHEAD, whole models
 * on one thread, interleaved rounds (new/old): resnet18 0.977-0.983,
 * vgg16 0.971, resnet50 0.996; gemm.c's A with the same, resnet50 0.989
 * and mobilenet_v2 1.005: not taken there. */
#define PREFETCH_STREAM(p) \
	(__builtin_prefetch((const void *)((uintptr_t)(p) + 8192 * sizeof(float)), 0, 2), \
	 __builtin_prefetch((const void *)((uintptr_t)(p) + 256 * sizeof(float)), 0, 3))

#endif
