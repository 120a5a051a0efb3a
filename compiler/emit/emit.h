/*
 * emit.h: the emitter's private header, included only by emit/emit_*.c.
 *
 * The rest of the compiler calls emit_c (cnnc.h); inside, emit_c.c writes
 * the file's skeleton and the pieces below write its parts. Exports are
 * listed under a heading naming their file.
 */
#ifndef EMIT_H
#define EMIT_H

#include "../cnnc.h"

/* State of one emission, shared by the emit_*.c files. */
typedef struct Emit {
	Graph *g;              /* the model, planned */
	const EmitOptions *o;  /* what to generate */
	FILE *c;               /* PREFIX.c being written */
	const char *SYM;       /* o->sym in upper case, for macros */
	const char *base;      /* file name of PREFIX without directories */
	char **var;            /* per node id: C name of its value */
	char **wbase;          /* per node id: layer name as a C identifier */
	char **wname;          /* per node id * MAX_PARAMS: C name of a parameter */
	bool blob;             /* weights go to PREFIX.weights, not C arrays */
	OutFile *blob_file;    /* PREFIX.weights while writing */
	uint64_t blob_bytes;   /* size of the blob, bytes */
	uint64_t lane[4];      /* checksum lanes: 8-byte word i of the blob goes to lane i % 4 */
	uint64_t word;         /* the blob's current 8-byte word, little-endian, so far */
} Emit;

/* ---- emit_c.c: pieces of a layer's call ----------------------------- */

/* A float option as a C float constant ("1e-05f", "0.0f"), rounded to
 * float first as the kernels will see it. */
const char *emit_float(Arena *a, double v);
/* C name of parameter k of node n. */
const char *emit_wname(const Emit *e, const Node *n, int k);
/* Opens a block declaring n's `static const rt_conv2d_params p`, with the
 * input's and output's spatial sizes as given (a 1x1 GEMM may pass its
 * pixels as one row) and note after the first line. */
void emit_conv_params(Emit *e, const Node *n, int h, int w, int oh, int ow, const char *note);
/* Declares `const rt_epilogue ep`: n's bias, residual and activation. */
void emit_epilogue(Emit *e, const Node *n);
/* Opens a block declaring pool n's `static const rt_pool2d_params p`. */
void emit_pool_params(Emit *e, const Node *n);
/* Emits n if it is an element-wise activation or add, over count floats
 * from X to Y; false otherwise. */
bool emit_flat(Emit *e, const Node *n, long long count, const char *X, const char *Y);

/* ---- emit_layout.c -------------------------------------------------- */

/* Emits n if it runs outside NCHW or is a reorder; false otherwise. */
bool emit_layout_node(Emit *e, const Node *n);

/* ---- emit_weights.c ------------------------------------------------- */

/* Declares every parameter as a C array or a view into the blob. */
void emit_weights(Emit *e);
/* Floats emit_weights writes for g's parameters: packed ones as packed
 * (Winograd's are 16/9 or 36/9 of the raw weights). */
long long emit_weight_floats(const Graph *g);

/* ---- emit_driver.c -------------------------------------------------- */

/* Appends main(): the .npy command-line driver (--main). */
void emit_driver(Emit *e);

#endif
