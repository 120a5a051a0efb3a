/*
 * emit.h: the emitter's private header, included only by emit/emit_*.c.
 *
 * The rest of the compiler calls emit_c (cnnc.h); inside, emit_c.c writes
 * the file's skeleton and hands each layer to its op's family (one file
 * each, as in the runtime), emit_weights.c the parameters and
 * emit_driver.c the --main driver. Exports are listed under a heading
 * naming their file.
 */
#ifndef EMIT_H
#define EMIT_H

#include "../cnnc.h"

/* Most bytes of static data (weights, workspace, the driver's buffers)
 * a generated program may hold: x86-64's default code model reaches 2
 * GiB of code and data, and code and the runtime need some of it. */
#define EMIT_STATIC_MAX (3LL << 29)

/* Layers per function in a model with more (emit_c.c's emit_blocks);
 * smaller models are one function. */
#define EMIT_BLOCK 256

/* State of one emission, shared by the emit_*.c files. */
typedef struct Emit {
	Graph *g;              /* the model, planned */
	const EmitOptions *o;  /* what to generate */
	FILE *c;               /* PREFIX.c being written */
	const char *SYM;       /* o->sym in upper case, for macros */
	const char *base;      /* file name of PREFIX without directories (main.c
	                          refused what #include "BASE.h" cannot name) */
	const char *base_note; /* base, fit for a comment (emit_comment) */
	const char *model_note;/* the model's name, fit for a comment */
	char **var;            /* per node id: C name of its value */
	char **wbase;          /* per node id: layer name as a C identifier */
	char **wname;          /* per node id * MAX_PARAMS: C name of a parameter */
	bool blob;             /* weights go to PREFIX.weights, not C arrays */
	bool static_ws;        /* SYM_run and its static workspace exist: the
	                          program's static data stays within
	                          EMIT_STATIC_MAX with it */
	OutFile *blob_file;    /* PREFIX.weights while writing */
	uint64_t blob_bytes;   /* size of the blob, bytes */
	uint64_t lane[4];      /* checksum lanes: 8-byte word i of the blob goes to lane i % 4 */
	uint64_t word;         /* the blob's current 8-byte word, little-endian, so far */
} Emit;

/* ---- emit_c.c: shared by the families ------------------------------- */

/* A float option as a C float constant ("1e-05f", "0.0f"), rounded to
 * float first as the kernels will see it. */
const char *emit_float(Arena *a, double v);
/* Activation act's first parameter p as a C float constant; for a choice
 * of strings (acts.def's ACT_E) followed by the string chosen, as a
 * comment: "1.0f /\* "tanh" *\/". */
const char *emit_act_param(Arena *a, Act act, double p);
/* s as the inside of a C string literal: \\ " and ? escaped (no
 * trigraph can form), other bytes outside printable ASCII in octal. */
const char *emit_cstring(Arena *a, const char *s);
/* s fit for the inside of a C comment: control bytes as '?', and no
 * star-slash to end it early. */
const char *emit_comment(Arena *a, const char *s);
/* C name of parameter k of node n. */
const char *emit_wname(const Emit *e, const Node *n, int k);
/* emit_conv.c: declares `const rt_epilogue ep` of conv or linear n (its
 * bias, residual, activation and fused prelu's slopes), in a block. */
void emit_epilogue(Emit *e, const Node *n);
/* emit_weights.c: C name of the slopes of the prelu fused into n (n->slope). */
const char *emit_slope_name(const Emit *e, const Node *n);
/* The arrays of a batch norm a conv applies to its input (Node.pro_*):
 * "scale" or "shift". */
const char *emit_pro_name(const Emit *e, const Node *n, const char *which);

/* ---- the families: each emits node n's call in n's layout ----------- */

/* emit_conv.c: conv2d, by its algorithm (NCHW) or chunked;
 * conv_transpose2d (NCHW). */
void emit_conv(Emit *e, const Node *n);
/* emit_pool.c: max_pool2d, avg_pool2d, adaptive_avg_pool2d,
 * global_avg_pool, interpolate, pad, mean. */
void emit_pool(Emit *e, const Node *n);
/* Opens a block declaring pool n's `static const rt_pool2d_params p`
 * (its sizes; the caller closes it). */
void emit_pool_params(Emit *e, const Node *n);
/* emit_eltwise.c: the activations, batch_norm, concat, softmax,
 * linear, and the views flatten, dropout and stochastic_depth. */
void emit_eltwise(Emit *e, const Node *n);
/* emit_binary.c: add, sub, mul, div, by their operands' shapes. */
void emit_binary(Emit *e, const Node *n);
/* emit_channel.c: chunk and split pieces, channel_shuffle. */
void emit_channel(Emit *e, const Node *n);
/* emit_reorder.c: reorder, from its input's layout to its own. */
void emit_reorder(Emit *e, const Node *n);

/* emit_quant.c: a uint8 layer (Node.dtype), quantize, dequantize. */
void emit_quant(Emit *e, const Node *n);
/* Declares n's int8 weights, int32 bias and requantization multipliers
 * (n: a conv2d or linear with Node.qweight). */
void emit_quant_weights(Emit *e, const Node *n);
/* Bytes of every layer's int8 weights (packed as the kernels read them),
 * int32 bias, multipliers and float bias: emit_quant_node_bytes summed. */
long long emit_quant_weight_bytes(const Graph *g);

/* ---- emit_weights.c ------------------------------------------------- */

/* Appends data to the blob, 64-byte aligned; returns its byte offset. */
unsigned long long emit_blob_put(Emit *e, const void *data, size_t bytes);
/* Declares every parameter as a C array or a view into the blob. */
void emit_weights(Emit *e);
/* Floats emit_weights and emit_quant_weights write for g's parameters:
 * packed ones as packed (Winograd's are 16/9 or 36/9 of the raw
 * weights), int8 bytes as a quarter float each, and the blob's alignment
 * padding before every array at its most: a bound of the static data,
 * never below it (plan_static). */
long long emit_weight_floats(const Graph *g);
/* C constants the parameters would be as arrays: the floats, and each
 * int8 byte one constant as a float is (the blob rule counts these). */
long long emit_weight_constants(const Graph *g);

/* ---- emit_driver.c -------------------------------------------------- */

/* Appends main(): the .npy command-line driver (--main). */
void emit_driver(Emit *e);

/* ---- emit_observe.c ------------------------------------------------- */

/* After node n's statements: feeds its value to its observer, if any. */
void emit_observe_call(Emit *e, const Node *n);
/* Appends cnnc_observe, the calibration statistics (EmitOptions.observe). */
void emit_observer(Emit *e);

#endif
