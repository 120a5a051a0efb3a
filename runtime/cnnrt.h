/*
 * cnnrt.h: the one public header of the cnnc runtime.
 *
 * Generated code calls these kernels with every size fixed at compile
 * time. All tensors are float32, dense, in PyTorch's NCHW order (N x F for
 * 2-D tensors) unless a kernel says otherwise. No kernel allocates memory;
 * outputs go where the caller says. Kernels whose comment says "in place
 * ok" accept y == x.
 *
 * Kernels live in files by family: conv_direct.c, conv_gemm.c, gemm.c,
 * conv_stem.c, conv_transpose.c, depthwise.c (its paths in depthwise_cb.c,
 * depthwise_s1.c, depthwise_s2.c, depthwise_phases.c, depthwise_rows.c), winograd.c, pool.c, pad.c, eltwise.c, linear.c, npy.c,
 * time.c, threads.c; the channel-chunked layouts (NHWC, NCHW8c) in layout.c,
 * conv_cl.c and pool_cl.c; the epilogue every kernel applies as it stores
 * in act.c, over the activations of acts.def (which this header includes);
 * the int8 kernels in qgemm.c and qconv.c, declared in cnnrt_int8.h; the
 * version the generated C checks, RT_ABI, as a symbol in abi.c.
 */
#ifndef CNNRT_H
#define CNNRT_H

#include <stddef.h>
#include <stdio.h>

/* ---- the generated C's check of this header ------------------------ */

/* The version of what generated C and this runtime agree on beyond the
 * prototypes below: how the compiler lays out the weights the kernels
 * read (rt_gemm's panels and Winograd's U, compiler/passes/pack.c; the
 * NHWC and NCHW8c convolutions', pack_cl.c; rt_qpack's, emit_quant.c;
 * every other kernel's weights in PyTorch's order), and what a kernel's
 * arguments mean. Generated C stops at compile time against a runtime of
 * another version (an #error naming the one it was generated for): kept
 * from an older cnnc, its weights would be read in the wrong order, with
 * no other sign. Bump it with any such change; tests/cli/test_cli.py
 * fingerprints the packed weights of a layer of each packing and fails
 * when they change under the same number (a change to what arguments
 * mean it cannot see). */
#define RT_ABI 1
/* The same as a symbol, rt_abi_1 (abi.c), which generated C reads once a
 * run: an object compiled from it against one version links with a
 * runtime of that version only. */
#define RT_ABI_SYMBOL RT_ABI_NAME_(RT_ABI)
#define RT_ABI_NAME_(v) RT_ABI_PASTE_(v) /* (expands v first) */
#define RT_ABI_PASTE_(v) rt_abi_##v
extern const volatile char RT_ABI_SYMBOL;

/* Stops the build of generated C that plans `have` bytes of scratch for
 * layer `name` where this runtime's kernel takes `need` (its sizing
 * macro below, e.g. RT_WINOGRAD_FLOATS): C written by the cnnc of
 * another runtime, whose kernel would write past its scratch. Regenerate
 * the C with this runtime's cnnc. */
#define RT_SCRATCH_FITS(name, need, have) \
	typedef char rt_scratch_of_##name##_is_short_for_this_runtime[(need) <= (have) ? 1 : -1]

/* ---- conv_direct.c -------------------------------------------------- */

/* Sizes of one 2-D convolution; all in elements. */
typedef struct {
	int n;           /* batch */
	int c;           /* input channels */
	int h, w;        /* input height, width */
	int oc;          /* output channels */
	int oh, ow;      /* output height, width */
	int kh, kw;      /* kernel height, width */
	int sh, sw;      /* stride */
	int ph, pw;      /* zero padding, top/bottom and left/right */
	int dh, dw;      /* dilation */
	int groups;      /* channel groups: c and oc are multiples of it */
} rt_conv2d_params;

/* Direct convolution, the reference path.
 * x: [n, c, h, w]  w: [oc, c/groups, kh, kw]  b: [oc] or NULL
 * -> y: [n, oc, oh, ow]. y must not overlap x. */
void rt_conv2d_direct(const rt_conv2d_params *p, const float *x, const float *w, const float *b, float *y);

/* ---- epilogues (act.c; the activations in acts.def) ----------------- */

/* Activations an optimized kernel applies as it stores its output:
 * RT_ACT_NONE, then one id per row of acts.def, in its order. */
typedef enum {
	RT_ACT_NONE,
#define ACT(ID, name, kind) RT_ACT_##ID,
#include "acts.def"
} rt_act_id;

/* What a kernel does to each output value v of channel o before storing:
 * v = act(v + bias[o] + residual[same index]), with act's parameter p
 * slope[o] when slope is set (a fused prelu: act is RT_ACT_LEAKY_RELU,
 * whose formula is PReLU's, with one slope per channel). */
typedef struct {
	const float *bias;      /* [oc], or NULL */
	const float *residual;  /* shaped like the output, or NULL */
	int act;                /* an rt_act_id */
	float param;            /* the activation's parameter p, if its row in
	                           acts.def has one (leaky_relu's negative slope,
	                           elu's alpha, hardtanh's min_val; gelu's
	                           approximate: 0 "none", 1 "tanh") */
	float param2;           /* its second parameter q, if it has two
	                           (hardtanh's max_val) */
	const float *slope;     /* [oc]: p of channel o is slope[o] (a fused
	                           prelu's slopes), or NULL: p is param */
} rt_epilogue;

/* The activation of ep applied to v (the last step of an epilogue), with
 * parameter ep->param (not a channel's slope: see rt_epilogue_row). */
float rt_act(const rt_epilogue *ep, float v);
/* y[i] = act(y[i] + bias + res[i]) for i < n (res may be NULL), in
 * vectors, y a row of output channel o (its slope, if ep has them): the
 * epilogue of kernels that accumulate in place. */
void rt_epilogue_row(const rt_epilogue *ep, int o, float *y, const float *res, float bias, int n);
/* y[i] = act(y[i]) for i < n, ep's activation alone, with the parameter
 * of output channel o (its slope, if ep has them). */
void rt_act_inplace(const rt_epilogue *ep, int o, float *y, int n);

/* ---- gemm.c --------------------------------------------------------- */

#define RT_GEMM_MR 6  /* rows of A per packed panel */
#define RT_GEMM_TILE_COLS 32 /* columns of C in a whole register tile (or two, or four, without AVX-512) */

/* Floats of A [m, k] once packed by panels of RT_GEMM_MR rows. */
#define RT_GEMM_PACKED(m, k) ((((m) + RT_GEMM_MR - 1) / RT_GEMM_MR) * RT_GEMM_MR * (k))

/* C = A B with an epilogue per row of C (bias[i], residual like C).
 * a: A [m, k] packed: panels of RT_GEMM_MR rows, each [k][RT_GEMM_MR],
 *    rows past m zero (the compiler packs weights this way)
 * b: B [k, n], row i at b + i * ldb;  c: C [m, n], row i at c + i * ldc;
 * the residual, if any, has C's layout. */
void rt_gemm(int m, int n, int k, const float *a, const float *b, int ldb, float *c, int ldc,
             const rt_epilogue *ep);

/* Whether rt_gemm_packed on these sizes reads A panel by panel, each once
 * for all n columns (A too big for cache, B small enough to stream from
 * L2 or L3; gemm.c says why), rather than a register tile of columns at
 * a time against all of A: callers then give it all the columns at once. */
int rt_gemm_panels_outer(int m, int n, int k);
/* Its rule, as a constant expression (RT_IM2COL_FLOATS needs it): A of
 * more than RT_GEMM_A_CACHED bytes (it comes from memory) against B of at
 * most RT_GEMM_B_STREAMED bytes (streamed again for each panel). */
#define RT_GEMM_A_CACHED (512 * 1024)
#define RT_GEMM_B_STREAMED (2 * 1024 * 1024)
#define RT_GEMM_PANELS_OUTER(m, n, k) \
	((long long)(m) * (k) * 4 > RT_GEMM_A_CACHED && (long long)(k) * (n) * 4 <= RT_GEMM_B_STREAMED)

/* C = A B with B packed in strips of 16 columns, each [k][16] (the last
 * zero-padded), as im2col writes it: strip s at b + s * 16 * k. */
void rt_gemm_packed(int m, int n, int k, const float *a, const float *b, float *c, int ldc, const rt_epilogue *ep);

/* ---- conv_gemm.c ---------------------------------------------------- */

/* Patches rt_conv2d_gemm unrolls and multiplies at a time: 128 KB, so
 * they are still in L2 when the GEMM reads them. */
#define RT_IM2COL_BLOCK_FLOATS (32 * 1024)
/* Output columns unrolled at a time for k = c/groups*kh*kw patch rows:
 * RT_IM2COL_BLOCK_FLOATS of patches in whole pairs of 16-column strips,
 * at least one pair. */
#define RT_IM2COL_COLS(k) (RT_IM2COL_COLS_(k) > 32 ? RT_IM2COL_COLS_(k) : 32)
#define RT_IM2COL_COLS_(k) (RT_IM2COL_BLOCK_FLOATS / (16 * (long long)(k)) / 2 * 32)
/* Floats of scratch rt_conv2d_gemm needs for og = oc/groups output and
 * cg = c/groups input channels: one block of one group's patches, packed
 * in strips of 16 columns; all the columns when the weights stream from
 * memory (RT_GEMM_PANELS_OUTER), so that they are read once. */
#define RT_IM2COL_FLOATS(og, cg, kh, kw, oh, ow) \
	((long long)(cg) * (kh) * (kw) * \
	 (RT_GEMM_PANELS_OUTER(og, (long long)(oh) * (ow), (cg) * (kh) * (kw)) \
	      ? ((long long)(oh) * (ow) + 15) / 16 * 16 \
	      : RT_IM2COL_SPAN_((long long)(oh) * (ow), RT_IM2COL_COLS((cg) * (kh) * (kw)))))
/* Columns of scratch for a block of cols: all the pixels if fewer, in whole strips. */
#define RT_IM2COL_SPAN_(pixels, cols) ((pixels) < (cols) ? ((pixels) + 15) / 16 * 16 : (cols))

/* Convolution as GEMM per batch item and group: Y_g = W_g * col(X_g),
 * on up to `threads` threads (the same result for any number).
 * x: [n, c, h, w]  w: per group, W_g [oc/groups, c/groups*kh*kw] packed
 * for rt_gemm, groups one after another  -> y: [n, oc, oh, ow].
 * scratch: RT_IM2COL_SCRATCH(oc/groups, c/groups, kh, kw, oh, ow,
 * threads) floats: an area of RT_IM2COL_FLOATS per thread, or one when
 * the weights stream (RT_GEMM_PANELS_OUTER: the area holds every column). */
#define RT_IM2COL_SCRATCH(og, cg, kh, kw, oh, ow, threads) \
	(RT_IM2COL_FLOATS(og, cg, kh, kw, oh, ow) * \
	 (RT_GEMM_PANELS_OUTER(og, (long long)(oh) * (ow), (cg) * (kh) * (kw)) ? 1 : (threads)))
void rt_conv2d_gemm(const rt_conv2d_params *p, int threads, const float *x, const float *w, const rt_epilogue *ep,
                    float *y, float *scratch);
/* The same for a 1x1 kernel without padding, groups 1, reading each
 * input value v of channel ci as v * scale[ci] + shift[ci], then relu
 * when relu is set (a batch norm, and the relu after it, applied as the
 * input is packed: DenseNet's norm1 after a concat). scale, shift: [c].
 * Every column is packed (none read in place). Only for kh = kw = 1,
 * ph = pw = 0, groups 1 (any stride): other shapes ignore the prologue. */
void rt_conv2d_gemm_pro(const rt_conv2d_params *p, int threads, const float *x, const float *scale,
                        const float *shift, int relu, const float *w, const rt_epilogue *ep, float *y, float *scratch);

/* Direct convolution of any shape, then the epilogue. */
void rt_conv2d_direct_ep(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                         float *y);

/* ---- conv_stem.c --------------------------------------------------- */

#define RT_STEM_TAPS 256 /* most taps (c*kh*kw) of rt_conv2d_stem */

/* Floats per phase of the padded input rows rt_conv2d_stem keeps: ow
 * rounded up to 32 (a multiple of its register tile's columns), plus the
 * taps' reach, plus one. */
#define RT_STEM_LEN(kw, sw, dw, ow) (((ow) + 31) / 32 * 32 + ((kw) - 1) * (dw) / (sw) + 1)

/* Floats of scratch rt_conv2d_stem needs: c*kh padded rows of sw phases. */
#define RT_STEM_FLOATS(c, kh, kw, sw, dw, ow) ((long long)(c) * (kh) * (sw) * RT_STEM_LEN(kw, sw, dw, ow))

/* Direct convolution for few input channels (groups 1, c*kh*kw <= 
 * RT_STEM_TAPS), then the epilogue: a network's first layer, on up to
 * `threads` threads (the same result for any number).
 * x: [n, c, h, w]  w: [oc, c, kh, kw] as is -> y: [n, oc, oh, ow].
 * scratch: threads x RT_STEM_FLOATS(c, kh, kw, sw, dw, ow) floats. y
 * must not overlap x or scratch; it may be the residual. */
void rt_conv2d_stem(const rt_conv2d_params *p, int threads, const float *x, const float *w, const rt_epilogue *ep,
                    float *y, float *scratch);

/* ---- depthwise.c --------------------------------------------------- */

/* Depthwise convolution (groups == c == oc) with an epilogue; any kernel,
 * stride, padding and dilation. x: [n, c, h, w]  w: [c, 1, kh, kw]
 * -> y: [n, c, oh, ow]. y must not overlap x; it may be the residual. */
void rt_conv2d_depthwise(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                         float *y);

/* ---- conv_transpose.c --------------------------------------------- */

/* Transposed convolution (nn.ConvTranspose2d) with rt_conv2d_params's
 * sizes: c, h, w the input's, oc, oh, ow the output's, ph, pw its
 * padding (output_padding is in oh, ow). Input pixel (iy, ix) reaches
 * output (iy * sh - ph + ky * dh, ix * sw - pw + kx * dw) through tap
 * (ky, kx). The reference:
 * x: [n, c, h, w]  w: [c, oc/groups, kh, kw]  b: [oc] or NULL
 * -> y: [n, oc, oh, ow]. y must not overlap x. */
void rt_conv_transpose2d_direct(const rt_conv2d_params *p, const float *x, const float *w, const float *b, float *y);

/* Input pixels rt_conv_transpose2d_gemm multiplies at a time for m =
 * oc/groups * kh * kw rows of products: RT_CONVT_BUDGET floats of them
 * (2 MB, so that each block of the weights is read for hundreds of
 * columns: with 64K, a 512 -> 256 3x3 layer at 14x14 took 28 columns at
 * a time and ran 3x slower), at least 32 pixels, at most all hw. */
#define RT_CONVT_BUDGET (512 * 1024)
#define RT_CONVT_COLS(m, hw) ((long long)(hw) < RT_CONVT_COLS_(m) ? (long long)(hw) : RT_CONVT_COLS_(m))
#define RT_CONVT_COLS_(m) (RT_CONVT_BUDGET / (long long)(m) > 32 ? RT_CONVT_BUDGET / (long long)(m) : 32)
/* Floats of scratch it needs: m rows of that many pixels. */
#define RT_CONVT_FLOATS(og, kh, kw, h, w) \
	((long long)(og) * (kh) * (kw) * RT_CONVT_COLS((long long)(og) * (kh) * (kw), (long long)(h) * (w)))

/* The same as one GEMM per group and block of input pixels (products of
 * every tap and pixel) added into place (col2im), then the epilogue:
 * x: [n, c, h, w]  a: per group, W_g^T [oc/groups * kh * kw, c/groups]
 * packed for rt_gemm, groups one after another -> y: [n, oc, oh, ow].
 * scratch: RT_CONVT_FLOATS(oc/groups, kh, kw, h, w) floats. y must not
 * overlap x, scratch or the residual. */
void rt_conv_transpose2d_gemm(const rt_conv2d_params *p, const float *x, const float *a, const rt_epilogue *ep,
                              float *y, float *scratch);

/* ---- winograd.c ----------------------------------------------------- */

/* Winograd F(m x m, 3 x 3), m = 2 or 4: a = m + 2 points per tile side;
 * the output is cut into ceil(oh/m) x ceil(ow/m) tiles of m x m. */
#define RT_WINOGRAD_TILES(m, oh, ow) ((long long)(((oh) + (m) - 1) / (m)) * (((ow) + (m) - 1) / (m)))

/* Floats of the transformed weights: for each of the a*a tile positions,
 * U[xi] [oc, c] packed for rt_gemm. */
#define RT_WINOGRAD_WEIGHTS(m, c, oc) ((long long)((m) + 2) * ((m) + 2) * RT_GEMM_PACKED(oc, c))

/* Most tiles rt_conv2d_winograd transforms, multiplies and transforms
 * back at once, which its scratch is sized for: a multiple of 32 (so of
 * every target's GEMM strip, 2 vectors of tiles), as many as keep the
 * block's V and M within RT_WINOGRAD_BUDGET floats (at least 32), but no
 * more than the image's tiles rounded up to 32. The kernel takes as many
 * as fit the budget in whole strips of its target, at least one strip.
 * Where the transformed weights outweigh the image's V and M (c * oc >=
 * tiles * (c + oc): 512 channels on 28x28, where U is 38 MB) and the
 * image has at most 64 tiles (two strips of 32: V and M stay a few MB) a
 * block is the whole image, so that U, read once a block, streams once. */
#define RT_WINOGRAD_BUDGET (64 * 1024)
#define RT_WINOGRAD_WHOLE(m, c, oc, oh, ow) \
	(RT_WINOGRAD_TILES(m, oh, ow) <= 64 && (long long)(c) * (oc) >= RT_WINOGRAD_TILES(m, oh, ow) * ((c) + (oc)))
#define RT_WINOGRAD_BLOCK(m, c, oc, oh, ow) \
	RT_WINOGRAD_MIN_((RT_WINOGRAD_TILES(m, oh, ow) + 31) / 32 * 32, \
	                 RT_WINOGRAD_WHOLE(m, c, oc, oh, ow) ? 64 : \
	                 RT_WINOGRAD_MAX_(32, RT_WINOGRAD_BUDGET / ((long long)((m) + 2) * ((m) + 2) * ((c) + (oc))) / 32 * 32))
#define RT_WINOGRAD_MIN_(a, b) ((a) < (b) ? (a) : (b))
#define RT_WINOGRAD_MAX_(a, b) ((a) > (b) ? (a) : (b))

/* Floats of one row of the band, the input transform's first pass over
 * the rows of tiles: a slot of RT_WINOGRAD_BAND_OFF floats (its m *
 * tiles + 2 input columns and a vector of 16) for each row of tiles that
 * a vector of up to 16 consecutive tiles touches (RT_WINOGRAD_BAND_ROWS),
 * RT_WINOGRAD_BAND_LEAD floats before them and room after them for the
 * m + 1 vectors of up to 16 floats read from the last
 * (winograd_transform.h). tw: tiles per row of tiles. */
#define RT_WINOGRAD_TW_(m, ow) (((ow) + (m) - 1) / (m))
#define RT_WINOGRAD_BAND_ROWS(tw) ((2 * (tw) + 14) / (tw))
#define RT_WINOGRAD_BAND_OFF(m, tw) (((tw) * (m) + 2 + 16 + 15) / 16 * 16)
#define RT_WINOGRAD_BAND_LEAD 64
#define RT_WINOGRAD_WP(m, ow)                                                                          \
	(RT_WINOGRAD_BAND_LEAD + RT_WINOGRAD_BAND_ROWS(RT_WINOGRAD_TW_(m, ow)) *                         \
	                             RT_WINOGRAD_BAND_OFF(m, RT_WINOGRAD_TW_(m, ow)) + ((m) + 1) * 16)

/* Tiles a block's last strip may have for the kernel to multiply them
 * one by one (a column of V spread over the panel's rows, see
 * winograd.c) rather than as a vector of tiles that is mostly empty. */
#define RT_WINOGRAD_NARROW 4

/* Floats of scratch rt_conv2d_winograd needs: one block's transformed
 * input V [a*a][c][block + 16] (each V[xi] 16 floats apart) and
 * products M [oc][a*a][block + 16] (16 columns of slack: the row strides
 * measured), then the band of the rows of tiles a vector of tiles reads,
 * [a][RT_WINOGRAD_WP], a row of RT_WINOGRAD_WP zeros, and the narrow
 * tiles' columns of V, each spread to [c][6] (RT_GEMM_MR), rounded up
 * to 16 floats. */
#define RT_WINOGRAD_FLOATS(m, c, oc, oh, ow) \
	((long long)((m) + 2) * ((m) + 2) * (((c) + (oc)) * (RT_WINOGRAD_BLOCK(m, c, oc, oh, ow) + 16) + 16) + \
	 (long long)((m) + 3) * RT_WINOGRAD_WP(m, ow) + ((long long)RT_WINOGRAD_NARROW * RT_GEMM_MR * (c) + 15) / 16 * 16)

/* 3x3 convolution, stride 1, dilation 1, groups 1, any padding, by
 * Winograd F(m x m, 3 x 3), then the epilogue, on up to `threads` threads
 * (the pool's, rt_threads; the result is the same for any number).
 * x: [n, c, h, w]  u: [a*a] x U[xi] [oc, c] packed for rt_gemm, U = G g G^T
 * of each kernel g (the compiler transforms; see winograd.c for G)
 * -> y: [n, oc, oh, ow]. scratch: threads x RT_WINOGRAD_FLOATS(m, c, oc,
 * oh, ow) floats, one area per thread. y must not overlap x or scratch;
 * it may be the residual. */
void rt_conv2d_winograd(const rt_conv2d_params *p, int m, int threads, const float *x, const float *u,
                        const rt_epilogue *ep, float *y, float *scratch);

/* ---- linear.c ------------------------------------------------------- */

/* y = x W^T + b.  x: [n, in]  w: [out, in]  b: [out] or NULL -> y: [n, out].
 * y must not overlap x. */
void rt_linear(int n, int in, int out, const float *x, const float *w, const float *b, float *y);
/* The same with an epilogue: y = act(x W^T + bias) (ep's bias and
 * activation, feature o as channel o; no residual). */
void rt_linear_ep(int n, int in, int out, const float *x, const float *w, const rt_epilogue *ep, float *y);

/* ---- permute.c ------------------------------------------------------ */

/* y = x permuted: x: dims[0] x ... x dims[3] (fewer dims: leading 1s),
 * y: dims[perm[0]] x ... x dims[perm[3]], contiguous. y must not
 * overlap x. */
void rt_permute(const int dims[4], const int perm[4], const float *x, float *y);
/* Layer norm over the last inner elements of each of rows rows:
 * x, y: [rows, inner]; w, b: [inner], or both NULL (no affine). In
 * place ok. */
void rt_layer_norm(long long rows, int inner, const float *x, const float *w, const float *b, float eps, float *y);
/* Layer norm over dim 1 at every pixel: x, y: [n, c, hw]; w, b: [c] or
 * both NULL. In place ok. */
void rt_layer_norm_channels(int n, int c, long long hw, const float *x, const float *w, const float *b, float eps,
                            float *y);

/* ---- eltwise.c ------------------------------------------------------ */

/* Inference batch norm over dim 1, as PyTorch computes it:
 * y = (x - mean) / sqrt(var + eps) * gamma + beta.
 * x, y: [n, c, hw] (hw = 1 for 2-D tensors); gamma, beta, mean, var: [c].
 * In place ok. */
void rt_batch_norm(int n, int c, int hw, const float *x, const float *gamma, const float *beta, const float *mean,
                   const float *var, float eps, float *y);

/* PReLU in NCHW: rt_prelu_cl with cl = 1. x, y: [n, c, hw]; slope:
 * [nslope], 1 or c. In place ok. */
void rt_prelu(int n, int c, int hw, const float *x, const float *slope, int nslope, float *y);

/* Each activation of acts.def over count elements, y = act(x), with its
 * parameter when it has one: rt_relu(count, x, y), rt_leaky_relu(count,
 * negative_slope, x, y), rt_hardtanh(count, min_val, max_val, x, y),
 * rt_gelu(count, approximate, x, y) (0 "none", 1 "tanh"), ... In place
 * ok. */
#define ACT(ID, name, kind) void rt_##name(size_t count, const float *x, float *y);
#define ACT_P(ID, name, kind, option, dflt) void rt_##name(size_t count, float option, const float *x, float *y);
#define ACT_P2(ID, name, kind, option, dflt, option2, dflt2) \
	void rt_##name(size_t count, float option, float option2, const float *x, float *y);
#include "acts.def"

/* y = a + b over count elements; y may be a or b. */
void rt_add(size_t count, const float *a, const float *b, float *y);

/* The binary ops of the DSL besides add's same-shape case (rt_add). */
typedef enum { RT_BIN_ADD, RT_BIN_SUB, RT_BIN_MUL, RT_BIN_DIV } rt_binop;

/* y = a op b over count elements (one shape, any layout); y may be a or
 * b. */
void rt_binary(rt_binop op, size_t count, const float *a, const float *b, float *y);
/* y = a op s over count elements, or s op a when s_first; in place ok. */
void rt_binary_scalar(rt_binop op, size_t count, const float *a, float s, int s_first, float *y);

/* ---- broadcast.c ---------------------------------------------------- */

/* Per-channel operands, in any layout of chunks of cl (1: NCHW):
 * a, y: [n, c, hw]; s: [n, c] (s_batch 1) or [1, c] (s_batch 0), in the
 * same chunks of cl (its hw is 1); y = a op s, or s op a when s_first.
 * y may be a. Squeeze-and-excitation's scaling. */
void rt_binary_channel(rt_binop op, int n, int c, int hw, int cl, const float *a, const float *s, int s_batch,
                       int s_first, float *y);

/* Any broadcast in NCHW: y [d0, d1, d2, d3] = a op b, where a and b are
 * read at strides (elements) sa and sb, 0 along a dim they broadcast. */
typedef struct {
	rt_binop op;            /* the operation */
	int dim[4];             /* y's dims (rank 2 as 1 x 1 x N x F) */
	long long sa[4], sb[4]; /* a's and b's strides per dim, 0: broadcast */
} rt_broadcast_params;
/* y must not overlap a or b unless it is one of them with the same
 * strides as y. */
void rt_binary_broadcast(const rt_broadcast_params *p, const float *a, const float *b, float *y);

/* Copies count floats; x and y must not overlap. */
void rt_copy(size_t count, const float *x, float *y);

/* One input of a channel concat: x: [n, c, hw] goes to channels
 * [c_off, c_off + c) of y: [n, c_total, hw]. */
void rt_concat_part(int n, int c, int hw, int c_total, int c_off, const float *x, float *y);

/* Softmax over dim 1: x, y: [n, c, hw]; in place ok. Subtracts the max
 * first, so large inputs do not overflow. */
void rt_softmax(int n, int c, int hw, const float *x, float *y);

/* ---- pool.c --------------------------------------------------------- */

/* Sizes of one 2-D pooling; all in elements. oh, ow come from the
 * compiler's shape rule (ceil_mode already applied). */
typedef struct {
	int n, c;               /* batch, channels */
	int h, w;               /* input height, width */
	int oh, ow;             /* output height, width */
	int kh, kw;             /* window */
	int sh, sw;             /* stride */
	int ph, pw;             /* padding (at most half the window) */
	int count_include_pad;  /* avg: divide by the window clipped to the
	                           padded input (1) or to the input (0) */
} rt_pool2d_params;

/* x: [n, c, h, w] -> y: [n, c, oh, ow]; padding never wins a max. */
void rt_max_pool2d(const rt_pool2d_params *p, const float *x, float *y);
/* x: [n, c, h, w] -> y: [n, c, oh, ow]; PyTorch's divisor rules. */
void rt_avg_pool2d(const rt_pool2d_params *p, const float *x, float *y);
/* x: [n, c, h, w] -> y: [n, c, oh, ow]; bin i spans
 * [floor(i*h/oh), ceil((i+1)*h/oh)). */
void rt_adaptive_avg_pool2d(int n, int c, int h, int w, int oh, int ow, const float *x, float *y);

/* ---- resize.c ------------------------------------------------------- */

/* Sizes of one interpolate (torch.nn.functional.interpolate, 2-D). */
typedef struct {
	int n, c;          /* batch, channels */
	int h, w;          /* input height, width */
	int oh, ow;        /* output height, width */
	int bilinear;      /* 1: bilinear, 0: nearest */
	int align_corners; /* bilinear: corners' centers aligned */
	float sh, sw;      /* input pixels per output pixel, as PyTorch computes
	                      them: (in - 1) / (out - 1) with align_corners (0
	                      for out 1), 1 / scale_factor when one was given,
	                      else in / out */
	int stream;        /* 1: y is never read back by the program (its
	                      output): a large one goes to memory past the
	                      caches (resize.c) */
} rt_resize_params;

/* x: [n, c, h, w] -> y: [n, c, oh, ow]; see resize.c for the indices and
 * weights. y must not overlap x. */
void rt_resize(const rt_resize_params *p, const float *x, float *y);

/* ---- pad.c --------------------------------------------------------- */

/* pad's modes, as torch.nn.functional.pad names them. */
typedef enum { RT_PAD_CONSTANT, RT_PAD_REFLECT, RT_PAD_REPLICATE } rt_pad_mode;

/* Sizes of one pad (F.pad over H and W); all in elements. */
typedef struct {
	int n, c;          /* batch, channels */
	int h, w;          /* input height, width */
	int oh, ow;        /* output: h + top + bottom, w + left + right */
	int top, left;     /* pads before each axis, >= 0 */
	int crop_top, crop_left; /* rows, columns cropped before each axis (a
	                      negative pad's size), >= 0: pixel (oy, ox) reads
	                      (oy - top + crop_top, ox - left + crop_left) */
	int mode;          /* an rt_pad_mode; reflect needs every pad < its dim */
	float value;       /* constant: the fill */
} rt_pad_params;

/* x: [n, c, h, w] -> y: [n, c, oh, ow]. y must not overlap x. */
void rt_pad(const rt_pad_params *p, const float *x, float *y);

/* ---- layout.c, conv_cl.c, pool_cl.c: channel-chunked layouts -------- */

/* Besides NCHW, activations may live in a channel-chunked layout: the
 * channels cut into nb = ceil(c / cl) chunks of cl, element (n, ch, y, x)
 * of a [n, c, h, w] tensor at
 *     (((n * nb + ch / cl) * h + y) * w + x) * cl + ch % cl.
 * cl = 1 is NCHW, cl = c is NHWC, cl = 8 is the blocked NCHW8c (the last
 * chunk zero-padded when c is not a multiple of 8). The lanes past c in
 * the last chunk are padding: every kernel writes them (so memory is
 * defined) but none ever reads them into a real channel. The kernels
 * below take cl = c or a multiple of 8. */

/* Floats of a [n, c, h, w] tensor in chunks of cl, padding included. */
#define RT_CL_FLOATS(n, c, h, w, cl) ((long long)(n) * (((c) + (cl) - 1) / (cl)) * (cl) * (h) * (w))

/* The same tensor from chunks of cl_in to chunks of cl_out (any two of
 * 1, c or a multiple of 8): x: [n, c, hw] in cl_in -> y in cl_out, its
 * padding lanes zero. y must not overlap x. */
void rt_reorder(int n, int c, int hw, int cl_in, const float *x, int cl_out, float *y);

/* Output channels per strip of rt_conv2d_cl and the input channels one
 * strip reads (the groups its 16 outputs belong to): the weights hold
 * RT_CONV_CL_SPAN of them per strip, zero where a channel is not in an
 * output's group. */
#define RT_CONV_CL_STRIP 16
int rt_conv_cl_span(int c, int oc, int groups);

/* Convolution of any shape (groups, stride, padding, dilation) in
 * chunked layouts, register-blocked over 6 output pixels of a row and
 * 16 output channels, then the epilogue (residual in y's layout).
 * x: [n, c, h, w] in chunks of cl_in
 * w: per strip s of 16 output channels, [kh][kw][span][16] with
 *    span = rt_conv_cl_span(c, oc, groups) input channels from
 *    (first group of the strip) * c/groups, output channels past oc zero
 * -> y: [n, oc, oh, ow] in chunks of cl_out. y must not overlap x.
 * A 1x1 convolution with stride 1 and no padding is a GEMM with
 * M = pixels: call it with h = oh = 1 and w = ow = h*w. */
void rt_conv2d_cl(const rt_conv2d_params *p, int cl_in, int cl_out, const float *x, const float *w,
                  const rt_epilogue *ep, float *y);

/* Depthwise convolution (groups == c == oc) in chunks of cl, vectorized
 * over channels. x: [n, c, h, w]  w: [nb][kh][kw][cl] (channels past c
 * zero)  -> y: [n, c, oh, ow], both in chunks of cl. */
void rt_conv2d_dw_cl(const rt_conv2d_params *p, int cl, const float *x, const float *w, const rt_epilogue *ep,
                     float *y);

/* Pools in chunks of cl, the rules of pool.c, vectorized over channels.
 * x: [n, c, h, w] -> y: [n, c, oh, ow], both in chunks of cl. */
void rt_max_pool2d_cl(const rt_pool2d_params *p, int cl, const float *x, float *y);
void rt_avg_pool2d_cl(const rt_pool2d_params *p, int cl, const float *x, float *y);
void rt_adaptive_avg_pool2d_cl(int n, int c, int h, int w, int oh, int ow, int cl, const float *x, float *y);

/* Inference batch norm in chunks of cl: x, y: [n, c, hw]; in place ok. */
void rt_batch_norm_cl(int n, int c, int hw, int cl, const float *x, const float *gamma, const float *beta,
                      const float *mean, const float *var, float eps, float *y);

/* PReLU in chunks of cl, as PyTorch: y = x > 0 ? x : slope[ch] * x, with
 * ch the element's channel (nslope 1: slope[0] for all). x, y: [n, c, hw];
 * slope: [nslope], nslope 1 or c; padding lanes become 0; in place ok. */
void rt_prelu_cl(int n, int c, int hw, int cl, const float *x, const float *slope, int nslope, float *y);

/* One input of a channel concat in chunked layouts: x: [n, c, hw] in
 * chunks of cl_in goes to channels [c_off, c_off + c) of
 * y: [n, c_total, hw] in chunks of cl_out. */
void rt_concat_part_cl(int n, int c, int hw, int cl_in, const float *x, int c_total, int c_off, int cl_out,
                       float *y);

/* ---- channel.c: chunk and split pieces, channel shuffle ------------ */

/* One piece of a chunk or split along channels: x: [n, c, hw] ->
 * y: [n, count, hw], channels [first, first + count) of x. */
void rt_slice_channels(int n, int c, int hw, int first, int count, const float *x, float *y);
/* The same with x in chunks of cl_in and y in chunks of cl_out (cnnrt.h's
 * chunked layouts; y's padding lanes zero). y must not overlap x. */
void rt_slice_channels_cl(int n, int c, int hw, int cl_in, const float *x, int first, int count, int cl_out,
                          float *y);
/* ShuffleNet's channel shuffle, x: [n, c, hw] -> y: [n, c, hw] (groups
 * divides c): x viewed as [n, groups, c / groups, hw], dims 1 and 2
 * swapped, so y channel j * groups + g is x channel g * (c / groups) + j.
 * y must not overlap x. */
void rt_channel_shuffle(int n, int c, int hw, int groups, const float *x, float *y);
/* The same with x and y in chunks of cl. */
void rt_channel_shuffle_cl(int n, int c, int hw, int groups, int cl, const float *x, float *y);

/* ---- qops.c: an int8 region's uint8 ops (NHWC), portable ----------- */

/* x: [n, c, hw] float32 -> y: [n, hw, c] uint8: zp + nearbyint(x / scale). */
void rt_quantize(int n, int c, int hw, const float *x, float scale, int zp, unsigned char *y);
/* x: [n, hw, c] uint8 -> y: [n, c, hw] float32: scale * (x - zp). */
void rt_dequantize(int n, int c, int hw, const unsigned char *x, float scale, int zp, float *y);
/* y = requantized a + b (count each; in place ok), clamped to lo..255. */
void rt_qadd(size_t count, const unsigned char *a, float sa, int za, const unsigned char *b, float sb, int zb,
             float sy, int zy, int lo, unsigned char *y);
/* y = max(x, zp): relu on its input's grid (in place ok). */
void rt_qrelu(size_t count, const unsigned char *x, int zp, unsigned char *y);
/* y = x clamped to lo..hi: relu6, hardtanh on their input's grid (in place ok). */
void rt_qclamp(size_t count, const unsigned char *x, int lo, int hi, unsigned char *y);
/* x: [rows, c] -> columns of y: [rows, ldy] (pointer at the first), requantized. */
void rt_qcopy(size_t rows, int c, const unsigned char *x, float sx, int zx, float sy, int zy, int ldy,
              unsigned char *y);
/* x: [n, h, w, c] -> y: [n, oh, ow, c] uint8 (NHWC); padding never wins. */
void rt_qmax_pool2d(const rt_pool2d_params *p, const unsigned char *x, unsigned char *y);
/* x: [n, h, w, c] -> y: [n, oh, ow, c] uint8; k = scale_x / scale_y. */
void rt_qavg_pool2d(const rt_pool2d_params *p, const unsigned char *x, int zx, float k, int zy, unsigned char *y);
/* x: [n, h, w, c] -> y: [n, oh, ow, c] uint8; k = scale_x / scale_y. */
void rt_qadaptive_avg_pool2d(int n, int c, int h, int w, int oh, int ow, const unsigned char *x, int zx, float k,
                             int zy, unsigned char *y);

/* ---- npy.c ---------------------------------------------------------- */

/* An open .npy file of little-endian float32 in C order. */
typedef struct {
	FILE *f;                /* the stream, positioned at the next element */
	int rank;               /* number of dims */
	long long shape[8];     /* dims */
	long long count;        /* elements in the file */
	long long done;         /* elements read or written so far */
	char path[4096];        /* file name, for messages */
	char tmp[4096];         /* writer: temporary name renamed on close */
	int through;            /* writer into a path that is not a regular
	                           file (a device, a FIFO): no temporary */
} rt_npy;

/* Every function below returns 0, or -1 with a complete message in err,
 * ready to print as is: "PATH: error: what is wrong, expected what". */

/* Opens path for reading and checks its header: magic, version 1.0, 2.0
 * or 3.0, dtype '<f4', C order, shape (at most 8 dims). When the file can
 * seek, also checks that it holds all the data the shape promises. */
int rt_npy_open_read(rt_npy *r, const char *path, char *err, size_t errsize);
/* Reads the next count floats; fails if the file is truncated or fewer
 * than count remain. */
int rt_npy_read(rt_npy *r, float *dst, size_t count, char *err, size_t errsize);
/* Creates path.tmp-XXXXXX (mkstemp; version 1.0 header, data 64-byte
 * aligned) for an array of the given shape (rank 0..8); rt_npy_close
 * renames it. A path that exists and is not a regular file (a device, a
 * FIFO) is written directly and never replaced. */
int rt_npy_open_write(rt_npy *w, const char *path, int rank, const long long *shape, char *err, size_t errsize);
/* Appends the next count floats; fails past the shape's element count. */
int rt_npy_write(rt_npy *w, const float *src, size_t count, char *err, size_t errsize);
/* Closes. A writer with commit != 0 renames its temporary onto path, and
 * fails (removing it) unless every element was written; with commit == 0
 * it removes the temporary. A reader ignores commit. Closing a closed
 * file does nothing. */
int rt_npy_close(rt_npy *f, int commit, char *err, size_t errsize);

/* ---- threads.c ----------------------------------------------------- */

#define RT_MAX_THREADS 64 /* most threads rt_threads starts */
/* Stack each worker gets at least: the kernels keep their per-call
 * scratch on the stack (the AVX2 int8 GEMM's split rows 128 KB, the
 * channel-blocked depthwise's planes ~80 KB with AVX-512, ...), about 200 KB at most;
 * a thread that runs a model itself needs that much too (glibc's default
 * is 8 MB; musl's 128 KB is not enough). */
#define RT_WORKER_STACK (1 << 20)

/* Body of a parallel loop: items [begin, end) of it. */
typedef void (*rt_task_fn)(void *ctx, int begin, int end);
/* Makes the following parallel loops use n threads: the caller and n-1
 * persistent workers, started on first need. Generated code compiled with
 * --threads N calls it at the start of each run. */
void rt_threads(int n);
/* Runs fn over items [0, n) cut into one contiguous range per thread, of
 * n/threads items each (rounded to whole items), on at most
 * ceil(n/grain) threads: grain is the fewest items worth a thread. A
 * range of two grains or more ends in a few small chunks (1/16 of it, at
 * least a grain each), which a thread done
 * with its own range may run instead of the range's owner: fn is called
 * once per chunk, on any thread, so an item must give the same result
 * whichever thread runs it and wherever its chunk starts. The chunks
 * depend only on n, grain and the thread count. Returns when every chunk
 * is done. */
void rt_parallel(int n, int grain, rt_task_fn fn, void *ctx);
/* rt_parallel on at most `slots` threads, for a body with scratch in
 * `slots` areas: it takes area rt_thread_slot(), the index of the thread
 * running it (0 for the caller, and for a loop run serially; 1 .. slots-1
 * for the workers). A thread runs its chunks one after another, so its
 * area is free for each; chunks of any size balance such a loop. */
void rt_parallel_slots(int n, int grain, int slots, rt_task_fn fn, void *ctx);
int rt_thread_slot(void);

/* ---- time.c --------------------------------------------------------- */

/* Monotonic time in milliseconds. */
double rt_now_ms(void);

/* ---- qgemm.c, qconv.c: the int8 kernels (NHWC uint8 activations) --- */

#include "cnnrt_int8.h"

/* qops.c (below rt_qepilogue): a grouped conv that is neither groups 1
 * (rt_qconv2d) nor depthwise (rt_qconv2d_dw), direct:
 * x uint8 NHWC [n][h][w][c], w int8 [oc][kh][kw][c / groups]
 * -> y uint8 NHWC [n][oh][ow][oc], requantized by ep (taps outside the
 * image are zp_x, as ep's bias assumes). y must not overlap x. */
void rt_qconv2d_direct(const rt_conv2d_params *p, const uint8_t *x, int zp_x, const int8_t *w, const rt_qepilogue *ep,
                       uint8_t *y);

#endif
