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
 * conv_stem.c, depthwise.c, winograd.c, pool.c, eltwise.c, linear.c, npy.c, time.c.
 */
#ifndef CNNRT_H
#define CNNRT_H

#include <stddef.h>
#include <stdio.h>

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

/* ---- epilogues (gemm.c) --------------------------------------------- */

/* Activations an optimized kernel applies as it stores its output. */
enum { RT_ACT_NONE, RT_ACT_RELU, RT_ACT_RELU6, RT_ACT_LEAKY_RELU, RT_ACT_SIGMOID, RT_ACT_TANH };

/* What a kernel does to each output value v of channel o before storing:
 * v = act(v + bias[o] + residual[same index]). */
typedef struct {
	const float *bias;      /* [oc], or NULL */
	const float *residual;  /* shaped like the output, or NULL */
	int act;                /* RT_ACT_* */
	float slope;            /* negative slope of RT_ACT_LEAKY_RELU */
} rt_epilogue;

/* The activation of ep applied to v (the last step of an epilogue). */
float rt_act(const rt_epilogue *ep, float v);
/* y[i] = act(y[i] + bias + res[i]) for i < n (res may be NULL), in
 * vectors: the epilogue of kernels that accumulate in place. */
void rt_epilogue_row(const rt_epilogue *ep, float *y, const float *res, float bias, int n);

/* ---- gemm.c --------------------------------------------------------- */

#define RT_GEMM_MR 6  /* rows of A per packed panel */

/* Floats of A [m, k] once packed by panels of RT_GEMM_MR rows. */
#define RT_GEMM_PACKED(m, k) ((((m) + RT_GEMM_MR - 1) / RT_GEMM_MR) * RT_GEMM_MR * (k))

/* C = A B with an epilogue per row of C (bias[i], residual like C).
 * a: A [m, k] packed: panels of RT_GEMM_MR rows, each [k][RT_GEMM_MR],
 *    rows past m zero (the compiler packs weights this way)
 * b: B [k, n], row i at b + i * ldb;  c: C [m, n], row i at c + i * ldc;
 * the residual, if any, has C's layout. */
void rt_gemm(int m, int n, int k, const float *a, const float *b, int ldb, float *c, int ldc,
             const rt_epilogue *ep);

/* C = A B with B packed in strips of 16 columns, each [k][16] (the last
 * zero-padded), as im2col writes it: strip s at b + s * 16 * k. */
void rt_gemm_packed(int m, int n, int k, const float *a, const float *b, float *c, int ldc, const rt_epilogue *ep);

/* ---- conv_gemm.c ---------------------------------------------------- */

/* Floats of scratch rt_conv2d_gemm needs: one group's patches packed. */
#define RT_IM2COL_FLOATS(cg, kh, kw, oh, ow) \
	((long long)(cg) * (kh) * (kw) * ((((long long)(oh) * (ow)) + 15) / 16 * 16))

/* Convolution as GEMM per batch item and group: Y_g = W_g * col(X_g).
 * x: [n, c, h, w]  w: per group, W_g [oc/groups, c/groups*kh*kw] packed
 * for rt_gemm, groups one after another  -> y: [n, oc, oh, ow].
 * scratch: RT_IM2COL_FLOATS(c/groups, kh, kw, oh, ow) floats. */
void rt_conv2d_gemm(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep, float *y,
                    float *scratch);

/* Direct convolution of any shape, then the epilogue. */
void rt_conv2d_direct_ep(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                         float *y);

/* ---- conv_stem.c --------------------------------------------------- */

#define RT_STEM_TAPS 256 /* most taps (c*kh*kw) of rt_conv2d_stem */

/* Floats per phase of the padded input rows rt_conv2d_stem keeps: ow
 * rounded up to its register tile (at most 32 columns), plus the taps'
 * reach, plus one. */
#define RT_STEM_LEN(kw, sw, dw, ow) (((ow) + 31) / 32 * 32 + ((kw) - 1) * (dw) / (sw) + 1)

/* Floats of scratch rt_conv2d_stem needs: c*kh padded rows of sw phases. */
#define RT_STEM_FLOATS(c, kh, kw, sw, dw, ow) ((long long)(c) * (kh) * (sw) * RT_STEM_LEN(kw, sw, dw, ow))

/* Direct convolution for few input channels (groups 1, c*kh*kw <= 
 * RT_STEM_TAPS), then the epilogue: a network's first layer.
 * x: [n, c, h, w]  w: [oc, c, kh, kw] as is -> y: [n, oc, oh, ow].
 * scratch: RT_STEM_FLOATS(c, kh, kw, sw, dw, ow) floats. y must not
 * overlap x or scratch; it may be the residual. */
void rt_conv2d_stem(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep, float *y,
                    float *scratch);

/* ---- depthwise.c --------------------------------------------------- */

/* Depthwise convolution (groups == c == oc) with an epilogue; any kernel,
 * stride, padding and dilation. x: [n, c, h, w]  w: [c, 1, kh, kw]
 * -> y: [n, c, oh, ow]. y must not overlap x; it may be the residual. */
void rt_conv2d_depthwise(const rt_conv2d_params *p, const float *x, const float *w, const rt_epilogue *ep,
                         float *y);

/* ---- winograd.c ----------------------------------------------------- */

/* Winograd F(m x m, 3 x 3), m = 2 or 4: a = m + 2 points per tile side;
 * the output is cut into ceil(oh/m) x ceil(ow/m) tiles of m x m. */
#define RT_WINOGRAD_TILES(m, oh, ow) ((long long)(((oh) + (m) - 1) / (m)) * (((ow) + (m) - 1) / (m)))

/* Floats of the transformed weights: for each of the a*a tile positions,
 * U[xi] [oc, c] packed for rt_gemm. */
#define RT_WINOGRAD_WEIGHTS(m, c, oc) ((long long)((m) + 2) * ((m) + 2) * RT_GEMM_PACKED(oc, c))

/* Tiles rt_conv2d_winograd transforms, multiplies and transforms back
 * at once: a multiple of 16 (rt_gemm_packed's strips), as many as keep
 * the block's V and M within RT_WINOGRAD_BUDGET floats (at least 16), but
 * no more than the image's tiles rounded up to 16. */
#define RT_WINOGRAD_BUDGET (256 * 1024)
#define RT_WINOGRAD_BLOCK(m, c, oc, oh, ow) \
	RT_WINOGRAD_MIN_((RT_WINOGRAD_TILES(m, oh, ow) + 15) / 16 * 16, \
	                 RT_WINOGRAD_MAX_(16, RT_WINOGRAD_BUDGET / ((long long)((m) + 2) * ((m) + 2) * ((c) + (oc))) / 16 * 16))
#define RT_WINOGRAD_MIN_(a, b) ((a) < (b) ? (a) : (b))
#define RT_WINOGRAD_MAX_(a, b) ((a) > (b) ? (a) : (b))

/* Floats of scratch rt_conv2d_winograd needs: one block's transformed
 * input V [a*a][c][block] and products M [oc][a*a][block]. */
#define RT_WINOGRAD_FLOATS(m, c, oc, oh, ow) \
	((long long)((m) + 2) * ((m) + 2) * ((c) + (oc)) * RT_WINOGRAD_BLOCK(m, c, oc, oh, ow))

/* 3x3 convolution, stride 1, dilation 1, groups 1, any padding, by
 * Winograd F(m x m, 3 x 3), then the epilogue.
 * x: [n, c, h, w]  u: [a*a] x U[xi] [oc, c] packed for rt_gemm, U = G g G^T
 * of each kernel g (the compiler transforms; see winograd.c for G)
 * -> y: [n, oc, oh, ow]. scratch: RT_WINOGRAD_FLOATS(m, c, oc, oh, ow)
 * floats. y must not overlap x or scratch; it may be the residual. */
void rt_conv2d_winograd(const rt_conv2d_params *p, int m, const float *x, const float *u, const rt_epilogue *ep,
                        float *y, float *scratch);

/* ---- linear.c ------------------------------------------------------- */

/* y = x W^T + b.  x: [n, in]  w: [out, in]  b: [out] or NULL -> y: [n, out].
 * y must not overlap x. */
void rt_linear(int n, int in, int out, const float *x, const float *w, const float *b, float *y);

/* ---- eltwise.c ------------------------------------------------------ */

/* Inference batch norm over dim 1, as PyTorch computes it:
 * y = (x - mean) / sqrt(var + eps) * gamma + beta.
 * x, y: [n, c, hw] (hw = 1 for 2-D tensors); gamma, beta, mean, var: [c].
 * In place ok. */
void rt_batch_norm(int n, int c, int hw, const float *x, const float *gamma, const float *beta, const float *mean,
                   const float *var, float eps, float *y);

/* Activations over count elements; in place ok. */
void rt_relu(size_t count, const float *x, float *y);
void rt_relu6(size_t count, const float *x, float *y);
void rt_sigmoid(size_t count, const float *x, float *y);
void rt_tanh(size_t count, const float *x, float *y);
void rt_leaky_relu(size_t count, float slope, const float *x, float *y);

/* y = a + b over count elements; y may be a or b. */
void rt_add(size_t count, const float *a, const float *b, float *y);

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
/* Creates path.tmp.PID (version 1.0 header, data 64-byte aligned) for an
 * array of the given shape (rank 0..8); rt_npy_close renames it. */
int rt_npy_open_write(rt_npy *w, const char *path, int rank, const long long *shape, char *err, size_t errsize);
/* Appends the next count floats; fails past the shape's element count. */
int rt_npy_write(rt_npy *w, const float *src, size_t count, char *err, size_t errsize);
/* Closes. A writer with commit != 0 renames its temporary onto path, and
 * fails (removing it) unless every element was written; with commit == 0
 * it removes the temporary. A reader ignores commit. Closing a closed
 * file does nothing. */
int rt_npy_close(rt_npy *f, int commit, char *err, size_t errsize);

/* ---- time.c --------------------------------------------------------- */

/* Monotonic time in milliseconds. */
double rt_now_ms(void);

#endif
