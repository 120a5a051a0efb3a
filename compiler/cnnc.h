/*
 * cnnc.h: the compiler's one header. Types first, then every file's
 * exports under a heading naming the file, in pipeline order.
 *
 * Data flows one way: Lua model -> Graph (ir/) -> passes -> emitter -> C.
 * Nodes are addressed by integer id (their index in Graph.nodes); every
 * pointer into the graph is short-lived, because the node array grows.
 */
#ifndef CNNC_H
#define CNNC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__GNUC__)
#define NORETURN __attribute__((noreturn))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define NORETURN
#define PRINTF(f, a)
#endif

#define MAX_RANK 4   /* tensors are N x C x H x W or N x F; N x ... of
                        rank 3, and rank-4 values in another order, come
                        from permute, reshape and flatten */

/* The sizes a model may have (README, "Limits"); past one is an error at
 * the model line. Each keeps what the generated code and the runtime
 * compute in their index types (int counts, long long offsets). */
#define IR_MAX_DIM (1 << 24)        /* one dimension */
#define IR_MAX_ELEMS 2147483647LL  /* elements of one tensor, weights too,
                                       padding of a chunked layout included:
                                       INT_MAX, the kernels' int counts */
#define IR_MAX_MACS (1LL << 60)     /* multiply-accumulates of the model */
#define IR_MAX_WORKSPACE (1LL << 46)/* planned workspace, bytes */
#define IR_MAX_NAME 200              /* a layer's name, bytes */
#define MAX_PARAMS 4 /* batch_norm has the most: weight, bias, mean, var */

/* ---- types ---------------------------------------------------------- */

typedef enum {
#define OP(id, name, mn, mx, shape, cost, identity, view, elem, chunked, epilogue) OP_##id,
#include "ir/ops.def"
#undef OP
	OP_COUNT
} Op;

/* An op's flag columns in ops.def (op_flags[op]); _ there sets none. */
typedef enum {
	OPF__ = 0,
	OPF_VIEW = 1 << 0,     /* output is the input's memory (flatten, dropout) */
	OPF_ELEM = 1 << 1,     /* element-wise: each input of the output's shape
	                          or broadcast to it as PyTorch does */
	OPF_CHUNKED = 1 << 2,  /* has a kernel in NHWC and NCHW8c */
	OPF_EPILOGUE = 1 << 3, /* fusable into a conv2d's epilogue */
} OpFlag;

/* An activation fused into the op that produces its input: ACT_NONE,
 * then one per row of runtime/acts.def, the table the runtime's RT_ACT_*
 * ids come from (same names, same order). Each is also an op, OP_<ID>. */
typedef enum {
	ACT_NONE,
#define ACT(ID, name, kind) ACT_##ID,
#include "../runtime/acts.def"
	ACT_COUNT
} Act;

/* How a conv2d is computed (passes/algo.c). */
typedef enum {
	ALGO_DIRECT,   /* plain loops: the reference */
	ALGO_GEMM,     /* 1x1, stride 1, no padding: one GEMM on the input */
	ALGO_IM2COL,   /* patches unrolled into scratch, then one GEMM */
	ALGO_WINOGRAD2,/* 3x3 stride 1: Winograd F(2x2, 3x3), GEMMs over channels */
	ALGO_WINOGRAD4,/* 3x3 stride 1: Winograd F(4x4, 3x3) */
	ALGO_STEM,     /* few input channels (a first layer): direct, register-tiled */
	ALGO_COUNT
} Algo;

/* Output tile side of a Winograd algorithm (0: not Winograd). */
#define ALGO_WINOGRAD_TILE(algo) ((algo) == ALGO_WINOGRAD2 ? 2 : (algo) == ALGO_WINOGRAD4 ? 4 : 0)

/* How an activation is stored (passes/layout.c). Besides NCHW these are
 * channel-chunked: channels cut into chunks of cl, element (n, c, y, x)
 * at (((n * nb + c / cl) * H + y) * W + x) * cl + c % cl with
 * nb = ceil(C / cl); see runtime/cnnrt.h. */
typedef enum {
	LAYOUT_NCHW,   /* cl = 1: PyTorch's order, the API's */
	LAYOUT_NHWC,   /* cl = C: channels innermost */
	LAYOUT_NCHW8C, /* cl = 8: blocks of 8 channels, C zero-padded to 8s */
	LAYOUT_COUNT
} Layout;

#define LAYOUT_BLOCK 8 /* channels per block of LAYOUT_NCHW8C */

/* What a value's elements are (passes/qregions.c). */
typedef enum {
	DTYPE_F32, /* float32: every value of an FP32 compile */
	DTYPE_U8,  /* uint8, real = qscale * (q - qzp): an int8 region's
	              values, stored NHWC (rank 2: N x F) */
} DType;

/* interpolate's modes, Attrs.mode (frontend/dsl.c names them). */
enum { INTERP_NEAREST, INTERP_BILINEAR };
/* pad's modes, Attrs.mode (frontend/dsl.c names them). */
enum { PAD_CONSTANT, PAD_REFLECT, PAD_REPLICATE };

/* Block of memory owned by one compilation; freed all at once. */
typedef struct Arena Arena;

/* A list of up to MAX_RANK integers as a model gave them: dims (0-based;
 * negative: from the end), or sizes. */
typedef struct {
	int n;                 /* how many */
	int v[MAX_RANK];       /* the values */
} Dims;

/* Options of one node, as the model file gave them (defaults filled in).
 * Pairs are [h, w]. Fields an op does not use stay zero. */
typedef struct {
	int out_channels;      /* conv2d: output channels */
	int out_features;      /* linear: output features */
	int kernel[2];         /* conv2d, pools: kernel size */
	int stride[2];         /* conv2d, pools: stride */
	int pad[2];            /* conv2d, pools: zero (or -inf) padding per side */
	int dilation[2];       /* conv2d: dilation (pools: always 1) */
	int groups;            /* conv2d, channel_shuffle: channel groups */
	bool bias;             /* conv2d, linear: has a bias vector */
	bool ceil_mode;        /* pools: round the output size up */
	bool count_include_pad;/* avg_pool2d: divide by the full window */
	int out_size[2];       /* adaptive_avg_pool2d, interpolate: output H, W
	                          (interpolate: 0 when scale_factor is given) */
	double scale[2];       /* interpolate: scale_factor per axis, 0: size
	                          given */
	bool align_corners;    /* interpolate (bilinear): align corner pixels */
	double eps;            /* batch_norm: added to the variance */
	double param;          /* an activation op whose row in acts.def has a
	                          parameter: its value (leaky_relu's
	                          negative_slope; gelu's approximate: the index
	                          of its string, 0 "none", 1 "tanh") */
	double param2;         /* its second parameter, if it has two
	                          (hardtanh's max_val) */
	double p;              /* dropout, stochastic_depth: drop probability
	                          (unused at inference) */
	int num_parameters;    /* prelu: its slopes, 1 (shared) or one per
	                          channel (dim 1) */
	double scalar;         /* add, sub, mul, div with one tensor input: the
	                          Lua number that is the other operand */
	bool scalar_first;     /* ... and it is the left one (sub(2, x)) */
	Dims pshape;           /* param: the tensor's dims in the weights file
	                          (the node's shape has 1s prepended up to
	                          rank 2 or 4) */
	int mode;              /* an option of fixed strings, its index:
	                          stochastic_depth's mode ("row", "batch"),
	                          interpolate's (INTERP_NEAREST, ...) */
	Act act;               /* conv2d, linear, add: fused activation, last */
	double act_param;      /* the fused activation's parameter, if any */
	double act_param2;     /* its second parameter, if any */
	bool residual;         /* conv2d: in[1] is added before the activation */
	int dim;               /* chunk, split: the dim cut, as given (negative:
	                          from the end; the shape rule normalizes) */
	int chunks;            /* chunk: pieces asked for (PyTorch may make fewer) */
	int slice[2];          /* chunk, split: this piece's first index and size
	                          along dim, elements (one node per piece) */
	Dims dims;             /* mean: the dims averaged over, as given;
	                          permute: the order of the input's dims */
	Dims sizes;            /* reshape: the shape asked for (one entry may
	                          be -1); layer_norm: normalized_shape */
	int start_dim;         /* flatten: first dim merged, as given */
	int end_dim;           /* flatten: last dim merged, as given */
	bool affine;           /* layer_norm: elementwise_affine (reads
	                          NAME.weight and NAME.bias) */
	bool channels;         /* layer_norm lowered by passes/channels_last.c:
	                          over dim 1 (C) of N x C x H x W, normalized_shape
	                          {C} */
	bool keepdim;          /* mean: keep them as size 1 */
	int out_pad[2];        /* conv_transpose2d (which keeps its other
	                          options in conv2d's fields): output_padding,
	                          added to the bottom and right of the output */
	Dims pads;             /* pad: {left, right} or {left, right, top,
	                          bottom}, as F.pad's list (negative: cropped) */
	double value;          /* pad, mode "constant": the fill value */
} Attrs;

/* One learnable tensor a node reads, e.g. "conv1" + ".weight". */
typedef struct {
	const char *suffix;    /* state_dict suffix: "weight", "running_mean", ...;
	                          "" for a param, whose key is its name */
	int rank;              /* number of dims */
	int shape[MAX_RANK];   /* dims, PyTorch order */
	long long count;       /* elements */
	bool buffer;           /* running statistic: stored, but not learnable */
} ParamSpec;

/* One operation and the tensor it produces. */
typedef struct {
	Op op;                 /* what it computes */
	int id;                /* index in Graph.nodes; also the value's name %id */
	const char *name;      /* layer name: state_dict prefix, or "<op>_<id>" */
	bool named;            /* name came from the model file */
	int line;              /* model file line that created it (0: compiler) */
	int *in;               /* input node ids, nin of them (arena) */
	int nin;               /* number of inputs */
	int rank;              /* 4 (N,C,H,W; or another order after a
	                          permute), 3 or 2 (N,F); dim 0 is the batch */
	int shape[MAX_RANK];   /* output dims in elements, PyTorch order */
	Attrs a;               /* options */
	float *param[MAX_PARAMS]; /* loaded parameters, ParamSpec order (arena) */
	Algo algo;             /* conv2d: chosen algorithm */
	long long packed;      /* > 0: param[0] holds this many floats packed
	                          for the algorithm (passes/pack.c) */
	const char *slope_key; /* conv2d, conv_transpose2d, linear: the key
	                          (NAME.weight) of a prelu fused into it (fuse.c;
	                          its act then ACT_LEAKY_RELU), or NULL */
	float *slope;          /* ... its slopes, one per output channel
	                          (arena; NULL until weights are bound) */
	const char *pro_name;  /* conv2d: the batch_norm (its layer name) applied
	                          to its input as the kernel reads it
	                          (fuse_prologue), or NULL */
	bool pro_relu;         /* ... followed by a relu */
	float *pro_scale;      /* ... per input channel: x * pro_scale[c] +
	                          pro_shift[c], gamma / sqrt(var + eps) and
	                          beta - mean * that (arena; NULL until weights
	                          are bound) */
	float *pro_shift;
	const char *note;      /* why an optimization did or did not happen */
	const char *algo_note; /* conv2d: the numbers behind algo (passes/algo.c) */
	bool dead;             /* absorbed by an optimization; dce removes it */
	bool folded;           /* batch_norm: folded into in[0] by fold_batchnorm
	                          (dead; its weights still to fold until dce) */
	long long scratch;     /* bytes of scratch the algorithm needs */
	const char *scratch_rt; /* scratch as a C expression in the runtime's
	                          sizing macros ("4 * RT_WINOGRAD_FLOATS(4,
	                          64, ...)"), which the generated C checks
	                          against the runtime it is compiled with
	                          (emit_c.c); NULL where scratch is 0 */
	Layout layout;         /* how this value is stored; rank-2 values and
	                          every value before the layout pass: NCHW */
	DType dtype;           /* its elements (DTYPE_U8 only in an int8 compile,
	                          after passes/qregions.c) */
	float qscale;          /* > 0: the value's quantization scale, from the
	                          Q file (its uint8 grid, DTYPE_U8 or not);
	                          0: not quantized */
	int qzp;               /* its zero point, 0..255 */
	float qin_scale;       /* > 0: a sigmoid, hardsigmoid or tanh that reads
	                          in[0] requantized to this fixed grid, not on
	                          in[0]'s own (FX's second observer of a value it
	                          leaves in FP32: quant/observe.c); 0: in[0]'s */
	int qin_zp;            /* its zero point, 0..255 */
	const int8_t *qweight; /* conv2d, linear with int8 weights: [OC, IC/groups,
	                          KH, KW] or [OUT, IN], PyTorch's order, from the
	                          Q file (NULL: FP32 weights in param[]) */
	const float *qwscale;  /* ... their per-output-channel scales [OC] */
	const int32_t *qbias;  /* ... the int32 bias [OC], scale qscale of the
	                          input x qwscale */
	const float *qfbias;   /* ... the float bias [OC] it rounds, or NULL */
} Node;

/* Where every tensor lives at run time (passes/memplan.c). Arrays are
 * indexed by node id. */
typedef struct {
	int *home;             /* node whose buffer holds this value: itself, or
	                          for a view (flatten, dropout, a chunk or split
	                          piece read in place) its source's home */
	long long *view_offset;/* per node: byte offset of its value in its
	                          home's buffer (0 but for piece views and
	                          values in a concat's channels) */
	bool *in_concat;       /* per node: its value is channels of a concat's
	                          buffer (its home), at view_offset: written
	                          there by its own producer, or a concat whose
	                          inputs all are there already (no copy) */
	long long *offset;     /* byte offset in the workspace of home nodes;
	                          MEM_INPUT / MEM_OUTPUT for the caller's buffers */
	long long *bytes;      /* buffer size of home nodes, bytes */
	int *first;            /* live range of home nodes: producer's id ... */
	int *last;             /* ... id of the last node that reads it */
	long long *scratch_offset; /* per node: workspace offset of its scratch
	                          (valid where Node.scratch > 0) */
	long long workspace;   /* planned workspace, bytes (64-byte multiple) */
	long long naive;       /* every activation in its own buffer, bytes */
} MemPlan;

#define MEM_INPUT (-1)     /* MemPlan.offset: the caller's input */
#define MEM_OUTPUT (-2)    /* MemPlan.offset: the caller's output */
#define MEM_CONST (-3)     /* MemPlan.offset: a param, stored with the weights */
#define MEM_ALIGN 64       /* workspace buffers' alignment, bytes */

/* A model: nodes in topological order (inputs before users). */
typedef struct {
	Arena *arena;          /* owns everything the graph points to */
	const char *file;      /* model file path, for diagnostics */
	const char *model;     /* model name: file base name without .lua */
	Node *nodes;           /* node array, n used of cap */
	int n;                 /* number of nodes */
	int cap;               /* allocated nodes */
	int input;             /* id of the one input node (-1: none yet) */
	int output;            /* id of the output node (-1: none yet) */
	MemPlan *plan;         /* memory plan, once memplan has run */
	const char *layout_note; /* what the layout pass chose and why (report) */
} Graph;

/* ---- base/arena.c --------------------------------------------------- */

Arena *arena_new(void);
void arena_free(Arena *a);
void *arena_alloc(Arena *a, size_t bytes);          /* zeroed, 16-aligned */
/* An array p of n elements of elem bytes, room for *cap, with room for one
 * more: p itself, or a copy of twice the room (64 at first) in a. */
void *arena_grow(Arena *a, void *p, int n, int *cap, size_t elem);
char *arena_strdup(Arena *a, const char *s);
char *arena_printf(Arena *a, const char *fmt, ...) PRINTF(2, 3);

/* ---- base/diag.c ---------------------------------------------------- */

/* User errors: "FILE:LINE: error: ..." (line 0: "FILE: error: ...") and
 * exit 1. Temporary output files registered below are removed first. */
NORETURN void diag_error(const char *file, int line, const char *fmt, ...) PRINTF(3, 4);
NORETURN void diag_verror(const char *file, int line, const char *fmt, va_list ap);
void diag_note(const char *file, int line, const char *fmt, ...) PRINTF(3, 4);
/* Queues a note ("FILE:LINE: note: ...") printed under the next error's
 * line, e.g. the call chain that led to it (at most 16 are kept). */
void diag_note_after_error(const char *file, int line, const char *fmt, ...) PRINTF(3, 4);
/* Bad command line: message and exit 2. */
NORETURN void diag_usage(const char *fmt, ...) PRINTF(1, 2);
/* Compiler bug: compiler file and line, exit 3. Use via BUG(). */
NORETURN void diag_bug(const char *cfile, int cline, const char *fmt, ...) PRINTF(3, 4);
#define BUG(...) diag_bug(__FILE__, __LINE__, __VA_ARGS__)
/* Files (or directories, removed once empty) to delete if the
 * compilation dies before they are committed: on an error exit, or on
 * SIGINT, SIGTERM, SIGHUP or SIGPIPE. */
void diag_temp_add(const char *path);
void diag_temp_forget(const char *path);
/* The child process, leader of its own process group, that a signal
 * should reach first (0: none). */
void diag_child(long pid);
/* Holds back (or lets through) the signals that remove temporaries,
 * around creating a file and registering it. */
void diag_block_signals(bool block);
/* Writes s[0, len) with control bytes escaped as \xNN. */
void diag_escape(FILE *out, const char *s, size_t len);

/* ---- base/file.c ---------------------------------------------------- */

/* Opens an input for reading; exits 1 naming path unless it is a regular
 * file (a FIFO or a device is refused at once, never waited on). what
 * names the expected content in messages: "a model file", ... */
FILE *file_open_regular(const char *path, const char *what);

/* ---- ir/graph.c ----------------------------------------------------- */

extern const char *const op_name[OP_COUNT];
extern const int op_min_inputs[OP_COUNT];
extern const int op_max_inputs[OP_COUNT];
extern const unsigned op_flags[OP_COUNT]; /* OpFlag bits, from ops.def */
extern const char *const algo_name[ALGO_COUNT];     /* "direct", "gemm", ... */
extern const char *const layout_name[LAYOUT_COUNT]; /* "nchw", "nhwc", "nchw8c" */

/* One activation, from its row of runtime/acts.def. */
typedef struct {
	Op op;                 /* the op that computes it alone (OP_COUNT: none) */
	const char *rt_id;     /* its id in generated C: "RT_ACT_RELU", ... */
	const char *option;    /* the DSL option of its parameter (the runtime's
	                          rt_epilogue.param and rt_<name>'s argument), or
	                          NULL when it has none */
	double dflt;           /* that option's default */
	const char *option2;   /* the option of its second parameter
	                          (rt_epilogue.param2), or NULL */
	double dflt2;          /* that option's default */
	const char *const *choices; /* an ACT_E row: the strings its option
	                          takes, NULL-terminated (param is the index of
	                          one); else NULL */
} ActInfo;
extern const ActInfo act_info[ACT_COUNT];
/* The activation op computes alone, or ACT_NONE. */
Act ir_act_of(Op op);

Graph *ir_new(Arena *a, const char *file);
/* A copy whose nodes and input lists are its own (parameters shared). */
Graph *ir_clone(const Graph *g);
/* Appends a node with the given inputs; shape is left to ir_infer_node. */
int ir_add(Graph *g, Op op, const int *in, int nin, int line);
Node *ir_node(Graph *g, int id);
/* Elements of n's value (every dim is at most IR_MAX_DIM, the product
 * at most IR_MAX_ELEMS once shapes are inferred). */
long long ir_numel(const Node *n);
/* Checked arithmetic for every size, offset and count in the compiler,
 * on non-negative operands: a result that does not fit saturates at
 * IR_SATURATED, so it stays past every limit and is refused there. */
#define IR_SATURATED INT64_MAX
long long ir_mul(long long a, long long b);
long long ir_add_sat(long long a, long long b);
/* Product of dims 2.. (H * W of N x C x H x W; 1 for N x F). */
long long ir_inner(const Node *n);
/* Same rank and dims. */
bool ir_same_shape(const Node *a, const Node *b);

/* Whether s[0..len) may name a layer (and its weights' keys): 1 to
 * IR_MAX_NAME letters, digits, '_', '.' and '-'. */
bool ir_valid_name(const char *s, size_t len);
/* Whether s has the form ir_add names a layer without a name: an op's
 * name, '_' and a number ("relu_1"). */
bool ir_auto_name(const char *s);
/* Whether v may be a number of a model (an option, an operand): one a
 * float holds, |v| <= FLT_MAX; not NaN or an infinity. */
bool ir_valid_number(double v);

/* add, sub, mul or div. */
bool ir_is_binary(Op op);
/* Which kernel a binary op (add, sub, mul, div) needs. */
typedef enum {
	BIN_SCALAR,  /* one tensor and a number: any layout */
	BIN_SAME,    /* two tensors of the output's shape: any layout */
	BIN_CHANNEL, /* one of the output's shape N x C x H x W, the other
	                N x C x 1 x 1 or 1 x C x 1 x 1 (squeeze-and-
	                excitation's scale): any layout */
	BIN_GENERAL, /* any other broadcast: NCHW */
} BinaryForm;
/* n's form; *full (may be NULL) gets the input of the output's shape
 * (BIN_CHANNEL: 0 or 1; else 0). */
BinaryForm ir_binary_form(const Graph *g, const Node *n, int *full);
/* Makes every reader of node from (and the output) read node to, and
 * marks from dead. */
void ir_replace_uses(Graph *g, int from, int to);
/* Number of live nodes that read node id (output counts as one reader). */
int ir_users(const Graph *g, int id);
/* "1x64x112x112" into buf. */
const char *ir_shape_str(const Node *n, char *buf, size_t size);

/* ---- ir/shape.c ----------------------------------------------------- */

/* Computes n's output shape from its inputs. On a shape that cannot work
 * writes why into err (without file:line) and returns false. */
bool ir_infer_node(Graph *g, int id, char *err, size_t size);
/* Re-infers every node in order; user errors exit at the model line. */
void ir_infer_shapes(Graph *g);
/* dim (negative: from the end) as 0..rank-1, or -1 when out of range. */
int ir_norm_dim(int dim, int rank);

/* ---- ir/params.c ---------------------------------------------------- */

/* Learnable tensors node n reads, in a fixed order; returns their count. */
int ir_params(const Graph *g, const Node *n, ParamSpec out[MAX_PARAMS]);
/* Learnable elements (PyTorch's parameters(), no running statistics). */
long long ir_param_count(const Graph *g, const Node *n);
/* Every stored element, running statistics included. */
long long ir_weight_count(const Graph *g, const Node *n);
/* The state_dict key of p, one of n's tensors: "NAME.SUFFIX", or NAME. */
const char *ir_param_key(Arena *a, const Node *n, const ParamSpec *p);
/* Multiply-accumulates of conv2d and linear; 0 for every other op. */
long long ir_macs(const Graph *g, const Node *n);

/* ---- ir/verify.c ---------------------------------------------------- */

/* Checks the graph's invariants; a broken one is a compiler bug. */
void ir_verify(const Graph *g, const char *after_pass);

/* ---- ir/dump.c ------------------------------------------------------ */

void ir_dump(const Graph *g, FILE *out);

/* ---- frontend/lua_front.c ------------------------------------------- */

/* Limits a model file runs under. */
typedef struct {
	size_t max_bytes;      /* Lua heap cap, bytes */
	long long max_instr;   /* VM instruction cap */
	double max_seconds;    /* CPU-time cap, covers C library calls too */
	double max_wall;       /* wall-clock backstop, seconds, for a model hung without using CPU */
} SandboxLimits;

extern const SandboxLimits lua_front_default_limits;
/* Runs the model file in the sandbox and returns its graph, shapes
 * inferred. batch > 0 replaces the input's first dimension. Model errors
 * exit 1 with "FILE:LINE: error: ...". */
Graph *lua_front_load(Arena *a, const char *path, int batch, const SandboxLimits *lim);
/* The same on model text in memory (an imported model's); path names
 * it in messages. */
Graph *lua_front_load_text(Arena *a, const char *path, const char *text, size_t len, int batch,
                           const SandboxLimits *lim);

/* ---- frontend/dsl.c ------------------------------------------------- */

typedef struct lua_State lua_State;
/* Registry key set when an op raised an error: such errors are fatal,
 * even inside pcall (a model cannot go on with a half-built node). */
#define DSL_FATAL "cnnc.fatal"
/* Registry key holding the name of the layer an op is building, while
 * its options named one (for the message of an error inside it). */
#define DSL_LAYER "cnnc.layer"
/* Registers the op globals and the tensor metatable in L. */
void dsl_open(lua_State *L, Graph *g, int batch);
/* Pushes "unknown op 'NAME'" and the nearest op names, as "(did you mean
 * 'a' or 'b'?)"; when none is near, what a model may call. */
void dsl_push_unknown_op(lua_State *L, const char *name);

/* ---- passes/dce.c ------------------------------------------------- */

/* Removes nodes the output does not depend on; renumbers ids. If map is
 * not NULL, map[old id] becomes the new id or -1 (g->n entries). */
void dce(Graph *g, int *map);

/* ---- passes/constfold.c -------------------------------------------- */

/* Removes ops that are the identity given their options and input shape
 * (dropout, 1x1 stride-1 pools, ...) and collapses relu/relu6 chains. */
void constfold(Graph *g);

/* ---- passes/fold_pad.c --------------------------------------------- */

/* Folds a constant-zero pad, symmetric per axis, into the padding of the
 * conv2d that alone reads it. */
void fold_pad(Graph *g);

/* ---- passes/fold_bn.c ---------------------------------------------- */

/* Folds batch_norm into the conv2d or linear before it: the decision
 * and the rewiring, no weights read. */
void fold_batchnorm(Graph *g);
/* The folds' arithmetic on the bound weights: run after fold_batchnorm,
 * before dce. torch_f32: in float32 as PyTorch's fusion computes it
 * (quantize), else in double. */
void fold_batchnorm_weights(Graph *g, bool torch_f32);

/* ---- passes/channels_last.c ---------------------------------------- */

/* Lowers permute(0, 2, 3, 1) -> per-pixel ops (layer_norm over the last
 * dim, linear, activations, binary ops with a (C) param or a number) ->
 * permute(0, 3, 1, 2) onto N x C x H x W: linear becomes a 1x1 conv2d,
 * layer_norm a layer norm over channels, the permutes disappear. */
void channels_last(Graph *g);

/* ---- passes/swap_resize.c ------------------------------------------ */

/* Moves a 1x1 conv2d (groups 1, no padding) that alone reads an
 * interpolate and has fewer output channels than input ones before it:
 * conv1x1(interpolate(x)) == interpolate(conv1x1(x)). Returns the map of
 * old node ids to new (g->n entries). */
int *swap_resize(Graph *g);

/* ---- passes/fuse.c -------------------------------------------------- */

/* Fuses activations and residual adds into the producing op's epilogue. */
void fuse(Graph *g);
/* After layout: a batch_norm (and the relu after it) that only a 1x1
 * conv2d on the GEMM path reads is applied by that conv as it packs its
 * input (Node.pro_*); both are left without readers. */
void fuse_prologue(Graph *g);

/* ---- passes/algo.c -------------------------------------------------- */

/* Picks each conv2d's algorithm and its scratch; force: ALGO_COUNT for
 * the cost model's choice, else that algorithm wherever it applies
 * (ALGO_WINOGRAD2 or 4: Winograd, the tile size the cost model's);
 * prefer_size (-Os): no algorithm whose weights outgrow the parameters'
 * beyond padding (Winograd). */
void choose_algos(Graph *g, int opt_level, Algo force, bool prefer_size);
/* Gives the convs whose kernel keeps an area of scratch per thread
 * (Winograd, stem, im2col's blocks) one for each of `threads` (--threads):
 * after choose_algos. */
void algo_threads(Graph *g, int threads);

/* ---- passes/layout.c ----------------------------------------------- */

/* Channels per chunk of n's layout (1, C or LAYOUT_BLOCK). */
int layout_chunk(const Node *n);
/* Floats of n's value in its layout, padding included. */
long long layout_numel(const Node *n);
/* Gives every value a layout and inserts reorders where a reader needs
 * another; renumbers ids and returns old id -> new id (arena). force:
 * LAYOUT_COUNT for the cost model's choice, else that layout wherever
 * an op has a kernel in it; keep_algos: --algo named an algorithm, so
 * convs whose algorithm has no kernel outside NCHW stay there. */
int *choose_layouts(Graph *g, Layout force, bool keep_algos);

/* ---- passes/pack.c -------------------------------------------------- */

/* Packs GEMM-path conv weights into rt_gemm's panel layout; Winograd
 * convs' weights are transformed (G g G^T) first. */
void pack_weights(Graph *g);
/* The floats pack_weights leaves in n's param[0] (0: it leaves them as
 * they are), from shapes, algorithm and layout alone: no weights needed. */
long long pack_floats(const Graph *g, const Node *n);
/* Bytes of all n's parameters as the generated program stores them:
 * folded, transformed and packed (pack_floats), padding included. */
long long pack_program_bytes(const Graph *g, const Node *n);

/* ---- passes/pack_cl.c ---------------------------------------------- */

/* A depthwise conv: one input channel per output channel. */
bool pack_cl_depthwise(const Graph *g, const Node *n);
/* Packs a conv in a chunked layout for runtime/conv_cl.c; returns the
 * packed floats. */
long long pack_cl(Graph *g, Node *n);
/* The floats pack_cl packs n into, from shapes alone. */
long long pack_cl_floats(const Graph *g, const Node *n);

/* ---- passes/memplan.c ----------------------------------------------- */

/* Assigns every activation an offset in one workspace by liveness;
 * with views, chunk and split pieces whose channels are contiguous in
 * their input are read in place instead of copied. */
void memplan(Graph *g, bool views);
/* Whether node i is a chunk or split piece read in place: a pointer at
 * MemPlan.view_offset into its home, under a name of its own (a view op
 * and an element-wise op written in place over its input share their
 * home's name). */
bool memplan_piece(const Graph *g, int i);
/* Whether node i's value is channels of a concat's buffer
 * (MemPlan.in_concat): a pointer at view_offset into its home, under a
 * name of its own, written by its producer's call (none for a concat
 * that is a view). */
bool memplan_in_concat(const Graph *g, int i);
/* Whether input k of concat node i is already in its channels of i's
 * buffer (written there by its producer): the concat copies it not. */
bool memplan_placed(const Graph *g, int i, int k);

/* ---- io/safetensors.c ---------------------------------------------- */

#define ST_MAX_RANK 8 /* most dims a safetensors tensor may have here */

/* One tensor's entry in a safetensors header. */
typedef struct {
	const char *key;       /* tensor name, e.g. "layer1.0.conv1.weight" */
	const char *dtype;     /* as in the file: "F32", "F16", "BF16", "I64", ... */
	int elem_bytes;        /* bytes per element of dtype */
	int rank;              /* number of dims (0: scalar) */
	long long shape[ST_MAX_RANK]; /* dims */
	long long count;       /* elements (product of shape) */
	uint64_t begin, end;   /* byte range within the data section */
} StTensor;

/* An open, fully validated safetensors file. */
typedef struct {
	const char *path;      /* file name, for messages */
	FILE *f;               /* the open file */
	uint64_t data_offset;  /* file offset of the data section (8 + header) */
	uint64_t file_size;    /* bytes */
	int n;                 /* number of tensors */
	StTensor *t;           /* tensors, sorted by begin offset (arena) */
	const StTensor **by_key; /* the same n tensors sorted by key, for st_find (arena) */
	int nmeta;             /* entries of __metadata__ */
	const char **meta;     /* its key, value pairs: 2 * nmeta strings (arena) */
} StFile;

/* Opens and validates path; any problem exits 1 naming the file and what
 * is wrong (header length, JSON, dtype, shape vs byte range, ranges
 * outside the file, overlaps, holes, duplicate keys, overflow). */
StFile *st_open(Arena *a, const char *path);
/* The same on a safetensors image in memory (an imported model's);
 * name is used in messages. */
StFile *st_open_mem(Arena *a, const char *name, const void *data, size_t size);
const StTensor *st_find(const StFile *f, const char *key);
/* True for dtypes st_read_f32 converts: F32, F16, BF16, F64. */
bool st_is_float(const StTensor *t);
/* Reads t, converted to float32, into dst (t->count floats). */
void st_read_f32(const StFile *f, const StTensor *t, float *dst);
/* The __metadata__ value of key, or NULL. */
const char *st_meta(const StFile *f, const char *key);
/* Reads t's bytes as stored (little-endian) into dst (end - begin bytes). */
void st_read_raw(const StFile *f, const StTensor *t, void *dst);
void st_close(StFile *f);

/* ---- io/st_write.c: safetensors images ---------------------------- */

#define ST_WRITE_MAX_RANK 8    /* most dims a written tensor may have */

struct cJSON;                 /* libcjson's (st_image, report_quant_json) */

/* One tensor to write. */
typedef struct {
	const char *key;       /* its key */
	const char *dtype;     /* "F32", "I32", "I8", ... */
	int rank;              /* dims */
	long long shape[ST_WRITE_MAX_RANK]; /* dims */
	const void *data;      /* its elements, little-endian (the caller's) */
	long long bytes;       /* their size */
} StOut;

/* The tensors of one image, growing ({.a = arena} to start). */
typedef struct {
	Arena *a;              /* where the array and the image are allocated */
	StOut *t;              /* the tensors */
	int n, cap;            /* used, allocated */
} StWriter;

/* Adds key: rank dims of shape, elem bytes each, at data (not copied). */
void st_put(StWriter *w, const char *key, const char *dtype, int rank, const long long *shape, const void *data,
            int elem);
/* The safetensors image of w's tensors, keys sorted, with meta (a cJSON
 * object of strings, taken over; NULL: none) as __metadata__; its size
 * in *len, in w's arena. */
unsigned char *st_image(StWriter *w, struct cJSON *meta, size_t *len);

/* ---- onnx/ (the ONNX importer; onnx/onnx.h has its internals) ------ */

/* An imported model, in memory. */
typedef struct {
	const char *lua;       /* the model as DSL text (what PREFIX.lua holds) */
	size_t lua_len;        /* its bytes */
	const unsigned char *st; /* its weights as a safetensors image */
	size_t st_len;         /* its bytes */
} OnnxModel;

/* Whether path names an ONNX model (ends in .onnx). */
bool onnx_is_model(const char *path);
/* Reads, validates and maps the ONNX model at path; batch > 0 replaces
 * the input's N, input_shape (4 dims, or NULL) its whole shape. Any
 * problem exits 1; unsupported nodes are all listed first. */
OnnxModel onnx_import(Arena *a, const char *path, int batch, const long long *input_shape);
/* The import table, one op a line: "OP fold|- map|-" (`cnnc --onnx-ops`,
 * hidden, for tests/onnx/conformance.py). */
void onnx_print_ops(FILE *f);
/* Writes PREFIX.lua and PREFIX.safetensors atomically (never over the
 * model at onnx_path). */
void onnx_write_files(Arena *a, const char *onnx_path, const OnnxModel *m, const char *prefix);

/* ---- passes/weights.c ----------------------------------------------- */

/* Loads every parameter the graph needs (ir_params) from a safetensors
 * file into Node.param. A missing key or wrong shape exits 1 naming the
 * key, the expected and the found shape; tensors the model does not use
 * get one note; a tensor holding NaN or Inf gets a note naming it, or,
 * with require_finite, exits 1. */
void weights_load(Graph *g, const char *path, bool require_finite);
/* The same from an open file (weights_load's st_open, then this). */
void weights_bind(Graph *g, StFile *sf, bool require_finite);
/* Fills every parameter with deterministic pseudo-random values from
 * seed: weights uniform in +-1/sqrt(fan_in) as PyTorch initializes them,
 * batch norm statistics away from the identity, variances positive. */
void weights_random(Graph *g, uint64_t seed);

/* ---- emit/output.c -------------------------------------------------- */

/* An output file written atomically: to a temporary beside path, renamed
 * onto path only by out_commit. A compile that dies leaves path as it was. */
typedef struct {
	const char *path;      /* final name */
	const char *tmp;       /* temporary name while writing */
	FILE *f;               /* open on tmp */
} OutFile;

OutFile *out_open(Arena *a, const char *path);
/* Closes every file and renames them in order; any error exits 1. */
void out_commit(OutFile **files, int n);

/* ---- emit/emit_c.c -------------------------------------------------- */

/* What to generate. */
typedef struct {
	const char *prefix;    /* output path without .c/.h */
	const char *sym;       /* C symbol prefix, e.g. "resnet18" */
	int opt_level;         /* 0: reference path */
	bool prefer_size;      /* -Os: opt_level 2 without weight-growing transforms */
	bool main_driver;      /* append the .npy command-line driver */
	int threads;           /* threads the kernels' loops use (--threads) */
	long long blob_min;    /* weights of at least this many bytes go to a
	                          linked blob instead of C arrays */
	const int *observe;    /* quantize's calibration program: per node id,
	                          the observer its value feeds (-1: none); NULL
	                          in every other program */
	int observers;         /* how many observers */
} EmitOptions;

/* Writes PREFIX.c, PREFIX.h and, for big weights, PREFIX.weights. The
 * emitter's internals are in emit/emit.h, private to emit/. */
void emit_c(Graph *g, const EmitOptions *o);
/* Bytes the program holds for int8 node n (n->qweight set; emit/emit_quant.c):
 * its weights as its kernel reads them (rt_qpack's padding included), an
 * int32 bias and a float multiplier per output channel, and a float bias
 * per channel when it has one. */
long long emit_quant_node_bytes(const Graph *g, const Node *n);

/* ---- emit/build.c --------------------------------------------------- */

/* Compiles PREFIX.c into program with $CC (default cc) and $CFLAGS
 * (default: flags for target, "native" optimizing for this host), linked
 * with the target's runtime library, printing the command it runs. The
 * program appears only if the compiler succeeds. */
void build_program(Arena *a, const char *prefix, const char *program, const char *target);
/* Runs argv (argv[0] looked up on $PATH) with env's NAME, VALUE pairs
 * (NULL-terminated; env may be NULL) added to the environment, in its
 * own process group, reachable by diag's signal handling; returns its
 * wait status. what names it in messages ("the C compiler"). */
int build_run(const char *const *argv, const char *const *env, const char *what);
/* Exits 1 unless program may be written: absent, or a regular file that
 * is none of the n inputs (NULL entries skipped). */
void build_check_output(const char *program, const char *const *inputs, int n);
/* The directory of cnnrt.h: $CNNC_RUNTIME, or found beside the binary
 * (the source tree's runtime/, or an installed include/). */
const char *build_runtime_dir(Arena *a);

/* ---- quant/observe.c ------------------------------------------------ */

/* How post-training quantization observes a value (PyTorch's FX rules). */
typedef enum {
	QOBS_NONE,   /* not observed: stays FP32, or fused into its reader
	                (a conv's output before the relu FX fuses with it) */
	QOBS_OWN,    /* an observer of its own */
	QOBS_SHARE,  /* its input's observer (pools, relu, flatten, ...) */
	QOBS_CONCAT, /* concat: its inputs and output use its first input's */
	QOBS_FIXED,  /* fixed qparams (sigmoid, hardsigmoid, tanh) */
} QObsKind;

/* Which observer every value feeds, and whose qparams it takes. */
typedef struct {
	int nobs;              /* observers */
	int *obs;              /* per node id: its observer, -1: none (FP32) */
	bool *fp32;            /* per node id: kept in FP32 by name (--fp32) */
	QObsKind *kind;        /* per node id: how it is observed */
	float *fixed_scale;    /* per observer: its fixed scale, 0: from the data */
	int *fixed_zp;         /* per observer: its fixed zero point */
	float *in_scale;       /* per node id: > 0, the fixed grid a sigmoid,
	                          hardsigmoid or tanh reads its input on, that
	                          input having an observer from the data too
	                          (FX observes it twice); 0: its input's grid */
	int *in_zp;            /* per node id: that grid's zero point */
} QPlan;

/* The observers of g (after fold_bn and dce, not fused), as prepare_fx
 * places them; the layers named in fp32 (comma-separated, NULL: none)
 * stay FP32, as under a QConfigMapping that sets their qconfig to None.
 * A name that is no layer of g exits 1. */
QPlan *quant_plan(const Graph *g, const char *fp32);

/* Whether n is a live relu fused into its input's observer: FX's (relu,
 * conv2d / linear / batch_norm / add / mul of two tensors) patterns,
 * which match only when the relu is the input's one reader (and the input
 * is not the model's output). */
bool quant_fused_relu(const Graph *g, const Node *n);

/* ---- quant/qparams.c ------------------------------------------------ */

#define QUANT_BINS 2048    /* histogram bins per side of zero (percentile, entropy) */

/* What calibration saw at one observer. */
typedef struct {
	long long count;       /* values observed */
	long long bad;         /* of them NaN or infinite */
	float min, max;        /* their range (finite values) */
	unsigned long long *hist; /* percentile, entropy: 2 x QUANT_BINS counts:
	                          side 0 the values >= 0 over [0, max], side 1
	                          the negated values < 0 over [0, -min]; NULL
	                          for minmax */
	double signal, noise;  /* sums over the values of x^2 and of (x -
	                          dequantize(quantize(x)))^2 with the qparams
	                          chosen: its SQNR */
} QStats;

/* A scale and zero point: real = scale * (q - zero_point). */
typedef struct {
	float scale;           /* > 0 */
	int zero_point;        /* activations 0..255, weights 0 */
	float lo, hi;          /* the range they were computed from */
} QParams;

/* The range a method keeps of s: "minmax" all of it, "percentile" the
 * 0.01% .. 99.99% quantiles, "entropy" the clip of least KL divergence. */
void quant_range(const QStats *s, const char *method, float *lo, float *hi);
/* MinMaxObserver's qparams (quint8, 0..255, torch 1.13's arithmetic in
 * float32) for the range lo..hi. */
QParams quant_affine_u8(float lo, float hi);
/* PerChannelMinMaxObserver's scale (qint8 -128..127, per_channel_symmetric)
 * for a channel whose values span lo..hi. */
float quant_symmetric_s8(float lo, float hi);
/* x quantized as torch.quantize_per_channel / per_tensor do:
 * round-half-even(x * (1 / scale)) + zero_point, clamped to qmin..qmax. */
long long quant_value(float x, float scale, int zero_point, long long qmin, long long qmax);

/* ---- quant/calibrate.c ---------------------------------------------- */

/* Checks CALIB.npy for g's input (float32, N x the input's other dims, N
 * > 0 a multiple of the batch, every value finite) and returns N; exits 1
 * with what is wrong otherwise. */
long long quant_check_calibration(const Graph *g, const char *path);
/* Builds g (planned, NCHW, not fused) into a program whose run feeds
 * every observed value to its observer, runs it over path, and returns
 * per observer what it saw and, in *q, the qparams method gives it;
 * then runs it once more to measure each one's SQNR (QStats.signal,
 * noise). target: the program's --target. Exits 1 on a calibration that
 * yields NaN or Inf. */
QStats *quant_calibrate(Graph *g, const QPlan *qp, const char *path, const char *target, const char *method,
                        QParams **q);

/* ---- quant/qfile.c -------------------------------------------------- */

/* A stable hash of the model as written: ops, names, options and shapes
 * but the batch, so a Q file fits the model at any --batch. */
uint64_t quant_signature(const Graph *written);

/* What quantize writes. */
typedef struct {
	const char *path;      /* Q.safetensors */
	const char *method;    /* minmax, percentile, entropy */
	long long samples;     /* calibration samples */
	uint64_t signature;    /* quant_signature of the model */
	bool per_tensor;       /* one weight scale per layer (PyTorch's
	                          default_weight_observer), not per channel */
	const char *fp32;      /* --fp32: layers kept in FP32, comma-separated */
} QWrite;

/* Writes the quantized model: g the calibration graph (its observers in
 * qp, what they saw in st, their qparams in q), folded the same graph's
 * weights right after fold_bn. Atomic: nothing is left under path on an
 * error. */
void quant_write(const Graph *g, const Graph *folded, const QPlan *qp, const QStats *st, const QParams *q,
                 const QWrite *w);

/* One value's quantization, as a Q file gives it. */
typedef struct {
	const char *name;      /* the layer whose output it is */
	QParams q;             /* its scale and zero point */
	float sqnr;            /* dB, measured on the calibration data */
} QValue;

/* A Q file, read and checked. */
typedef struct QFile QFile;
struct QFile {
	const char *path;      /* for messages */
	const char *method;    /* calibration method */
	long long samples;     /* calibration samples */
	const char *fp32;      /* the layers quantize's --fp32 kept in FP32,
	                          comma-separated; NULL: none */
	int nvalues;           /* activations quantized */
	QValue *values;        /* their qparams, in the file's key order */
	int ninputs;           /* layers reading their input on a grid of their own */
	QValue *inputs;        /* those grids (NAME.input_scale), name: the reader */
	int nweights;          /* conv2d and linear layers in int8 */
	const char **weight_layer; /* their names */
	float *weight_scale_min, *weight_scale_max; /* per such layer: its
	                          channels' scale range */
	float *weight_sqnr;    /* per such layer: its weights' SQNR, dB */
	const int8_t **weight; /* per such layer: its int8 weights, PyTorch's order */
	const float **weight_scale; /* ... their per-channel scales */
	const int32_t **bias;  /* ... its int32 bias */
	const float **bias_float; /* ... the float bias that rounds to it (NULL:
	                          the file has none) */
	StFile *st;            /* the file, open: FP32 parameters are read from
	                          it as from a weights file (quant_bind) */
};

/* True when path is a safetensors file that quantize wrote. */
bool quant_is_qfile(Arena *a, const char *path);
/* Reads and checks the Q file at path against the model (signature of
 * written): every scale finite and > 0, zero points in range, int8
 * weights of the model's shapes. Any problem exits 1. */
QFile *quant_load(const Graph *written, const char *path);
/* Binds a Q file to g (the int8 compile's graph, batch norm folded as
 * quantize folded it, dce run): every quantized value's scale and zero
 * point (Node.qscale, qzp), every int8 conv2d's and linear's weights
 * (Node.qweight, qwscale, qbias), and every other parameter as FP32
 * (weights_bind on the file). */
void quant_bind(Graph *g, const QFile *q);

/* ---- passes/qregions.c ---------------------------------------------- */

/* Marks the int8 regions of a graph quant_bind bound: ops with a uint8
 * kernel whose inputs and output are quantized become DTYPE_U8 (NHWC);
 * relu after a conv2d, linear or add folds into its clamp; quantize and
 * dequantize nodes go in at the regions' borders; a uint8 conv gets its
 * kernel and the scratch of `threads` (--threads). Renumbers ids and
 * returns old id -> new id (arena). */
int *quant_regions(Graph *g, int threads);

/* ---- audit/audit.c -------------------------------------------------- */

/* Audits a generated C file (see audit.c); returns the number of
 * findings, each printed as FILE:LINE: error: ... */
int audit_file(const char *path, const char *runtime_dir);

/* ---- emit/report.c -------------------------------------------------- */

typedef struct {
	bool json;             /* JSON instead of a table */
	int opt_level;         /* the -O level the plan is for */
	bool prefer_size;      /* -Os (--prefer size): that level without
	                          weight-growing transforms */
	const QFile *qfile;    /* --weights Q.safetensors: its quantization, shown
	                          per layer (emit/report_quant.c); else NULL */
} ReportOptions;

/* Rows come from g, the model as written (shapes, params, MACs, and the
 * notes the passes left on its nodes); algorithms, layouts, scratch and
 * the memory plan from opt, the graph as it will run; map takes g's ids
 * to opt's (-1: absorbed by an optimization or removed). */
void report_print(const Graph *g, const Graph *opt, const int *map, const ReportOptions *o, FILE *out);
/* Draws the memory plan as SVG into path (atomically). */
void report_svg(const Graph *g, const char *path);

/* ---- emit/report_quant.c -------------------------------------------- */

/* The quantization of each layer of g (as written) that q gives: dtype,
 * scale, zero point, SQNR; as a table, or as a JSON object. */
void report_quant_table(const Graph *g, const QFile *q, FILE *out);
struct cJSON *report_quant_json(const Graph *g, const QFile *q);

#endif
