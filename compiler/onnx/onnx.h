/*
 * onnx.h: the ONNX importer's internals, private to compiler/onnx/.
 *
 * MODEL.onnx -> (onnx_read.c) the protobuf, unpacked by protobuf-c's
 * generated code -> (onnx_graph.c) its values and nodes validated and
 * put in topological order -> (onnx_tensor.c) initializers as checked
 * tensors -> (onnx_fold.c) constant subgraphs evaluated -> (onnx_map.c)
 * each node written as a DSL statement by its row of the op table ->
 * (onnx_write.c) the Lua text and the safetensors image.
 */
#ifndef ONNX_H
#define ONNX_H

#include "../cnnc.h"

#include "onnx.pb-c.h"

#define OX_MAX_RANK 8            /* most dims a tensor may have here */
#define OX_MAX_FILE (1LL << 31)  /* an .onnx file: protobuf's 2 GB limit */
#define OX_MAX_CONST_FOLD 65536  /* elements a folded (shape) constant may have */

/* A tensor known at import time: an initializer, a Constant, or folded. */
typedef struct {
	int rank;                  /* dims */
	long long dims[OX_MAX_RANK]; /* each 0 .. IR_MAX_DIM */
	long long count;           /* elements: the product of dims */
	bool is_float;             /* float data in f; else integers in i */
	float *f;                  /* FLOAT, FLOAT16, DOUBLE data as float32 */
	int64_t *i;                /* INT8..INT64, UINT8..UINT32, BOOL data */
	const char *key;           /* safetensors key once written (NULL: not yet) */
} OxTensor;

/* One value of the graph (a graph input, an initializer, a node output). */
typedef struct {
	const char *name;          /* the ONNX name */
	OxTensor *c;               /* known at import time, else NULL */
	int var;                   /* an activation: its slot v[var] in the Lua text (0: none yet) */
	bool bad;                  /* produced by a node that is not supported: its
	                              readers are not reported again */
	int rank;                  /* an activation's rank */
	long long dims[OX_MAX_RANK]; /* its dims */
	int def;                   /* index of the node that defines it, -1: graph input
	                              or initializer */
	int users;                 /* nodes reading it (graph outputs count one) */
	int reader;                /* users == 1: the node (index in order) reading
	                              it, -1: a graph output */
	long long pad[2];          /* zeros a Pad put around H and W, each side, for
	                              the Conv or AveragePool that alone reads it to
	                              take as its padding (the slot holds the value
	                              before the Pad) */
} OxValue;

/* Growable text in the arena. */
typedef struct {
	Arena *a;                  /* where it grows */
	char *s;                   /* the text, NUL-terminated */
	size_t len, cap;           /* used and allocated bytes */
} OxText;

/* A weight to write: safetensors key and its float tensor. */
typedef struct {
	const char *key;           /* "layer1.0.conv1.weight", ... */
	int rank;                  /* dims */
	long long dims[OX_MAX_RANK]; /* shape */
	long long count;           /* floats */
	const float *f;            /* data */
} OxWeight;

/* The whole import. */
typedef struct {
	Arena *a;                  /* owns everything, the unpacked protobuf too */
	const char *path;          /* MODEL.onnx, for messages */
	const char *dir;           /* its directory, for external data */
	Onnx__ModelProto *m;       /* the unpacked model */
	Onnx__GraphProto *g;       /* m->graph */
	int opset;                 /* the default domain's opset */
	Onnx__NodeProto **order;   /* nodes in topological order, n_node of them */
	int n_node;                /* nodes */
	OxValue *v;                /* values, n_val of them */
	int n_val;                 /* values */
	int *hash;                 /* open-addressing table of value indices + 1 */
	int hash_cap;              /* its size, a power of two */
	bool *consumed;            /* per node of order: written already by a
	                              pattern that began at an earlier node */
	int *tried;                /* per node of order: at + 1 when a look-ahead
	                              last tried to fold it (tried once per step) */
	int at;                    /* the node of order being written */
	int batch;                 /* --batch, 0: the model's */
	const long long *in_shape; /* --input-shape N,C,H,W or NULL */
	OxText lua;                /* the Lua text */
	OxWeight *w;               /* weights to write, n_w of them */
	int n_w, cap_w;            /* used and allocated */
	int next_var;              /* the next free v[] slot */
	const char **names;        /* open-addressing table of the names given (the input's,
	                              layers', params') and the weights' keys */
	int *name_next;            /* per slot: the next suffix to try after that name */
	int n_names, cap_names;    /* used slots and the table's size (a power of two) */
	long long ext_bytes;       /* external data bytes read so far */
	long long ext_room;        /* the sizes of the distinct external files summed */
	long long (*ext_files)[2]; /* device and inode of each external file seen */
	int n_ext, cap_ext;        /* used and allocated */
	int unsupported;           /* nodes reported as not supported */
} OxImport;

/* ---- onnx_read.c ---- */
/* Reads and unpacks path into x (exits 1 on any problem). */
void ox_read(OxImport *x, const char *path);
/* An error about the file: "MODEL.onnx: error: ..." and exit 1. */
NORETURN void ox_error(const OxImport *x, const char *fmt, ...) PRINTF(2, 3);
/* An ONNX name for a message between quotes: its quotes and backslashes
 * as \xNN ('' for NULL; diag escapes control bytes when printing). */
const char *ox_name(const OxImport *x, const char *s);
/* The attribute called name of node, or NULL. */
const Onnx__AttributeProto *ox_attr(const Onnx__NodeProto *n, const char *name);
/* Its int, or dflt when absent. */
long long ox_attr_int(const Onnx__NodeProto *n, const char *name, long long dflt);
/* Up to max ints of attribute name into out; how many (0: absent, -1: over max). */
int ox_attr_ints(const Onnx__NodeProto *n, const char *name, long long *out, int max);

/* ---- onnx_graph.c ---- */
/* Values named once, every input defined, nodes in topological order. */
void ox_graph(OxImport *x);
/* The value called name, or NULL; "" (an omitted optional input): NULL. */
OxValue *ox_value(OxImport *x, const char *name);
/* Input k of n (NULL: absent or omitted). */
OxValue *ox_in_value(OxImport *x, const Onnx__NodeProto *n, size_t k);
/* Input k of n as a constant (NULL: absent, omitted or not known). */
const OxTensor *ox_in_const(OxImport *x, const Onnx__NodeProto *n, size_t k);
/* FNV-1a of a name. */
unsigned ox_hash(const char *s);

/* ---- onnx_tensor.c ---- */
/* A TensorProto as a checked tensor (dims, data size, external data);
 * what names it in messages. */
OxTensor *ox_tensor(OxImport *x, const Onnx__TensorProto *t, const char *what);
/* dims[0..rank) checked (0 .. IR_MAX_DIM each, product within
 * IR_MAX_ELEMS); returns the product. */
long long ox_dims(const OxImport *x, const int64_t *dims, size_t rank, const char *what);

/* ---- onnx_fold.c ---- */
/* A fold function of ops[]: node n's output as a constant when its
 * inputs are known, else NULL (n has the row's input and output counts). */
typedef OxTensor *(*OxFoldFn)(OxImport *x, const Onnx__NodeProto *n);
/* A Transpose's perm attribute (absent: the dims reversed) for an input
 * of rank dims into perm[rank]; NULL, or why it is not a permutation. */
const char *ox_perm(const Onnx__NodeProto *n, int rank, long long *perm);
OxTensor *ox_fold_constant(OxImport *x, const Onnx__NodeProto *n);
OxTensor *ox_fold_identity(OxImport *x, const Onnx__NodeProto *n);
OxTensor *ox_fold_shape(OxImport *x, const Onnx__NodeProto *n);
OxTensor *ox_fold_cast(OxImport *x, const Onnx__NodeProto *n);
OxTensor *ox_fold_squeeze(OxImport *x, const Onnx__NodeProto *n);
OxTensor *ox_fold_gather(OxImport *x, const Onnx__NodeProto *n);
OxTensor *ox_fold_concat(OxImport *x, const Onnx__NodeProto *n);
OxTensor *ox_fold_reshape(OxImport *x, const Onnx__NodeProto *n);
OxTensor *ox_fold_binary(OxImport *x, const Onnx__NodeProto *n);
OxTensor *ox_fold_slice(OxImport *x, const Onnx__NodeProto *n);
OxTensor *ox_fold_sqrt(OxImport *x, const Onnx__NodeProto *n);
OxTensor *ox_fold_transpose(OxImport *x, const Onnx__NodeProto *n);
OxTensor *ox_fold_constant_of_shape(OxImport *x, const Onnx__NodeProto *n);
/* Broadcast dims of a and b (from the right) into out; false if they do not. */
bool ox_broadcast(int ra, const long long *a, int rb, const long long *b, int *rank, long long *out);
/* The dims d a Reshape to constant shape s makes of dims in[0..rank):
 * 0 copies the input's dim (unless allowzero), one -1 takes the rest.
 * NULL, or why not. */
const char *ox_reshape_dims(const OxTensor *s, bool allowzero, int rank, const long long *in, long long *d);

/* ---- onnx_map.c ---- */
/* Writes every node as a DSL statement; lists every node not supported
 * and exits 1 if there was one. */
void ox_map(OxImport *x);

/* ---- onnx_write.c ---- */
void ox_text(OxText *t, const char *fmt, ...) PRINTF(2, 3);
/* The safetensors image of x's weights. */
unsigned char *ox_safetensors(OxImport *x, size_t *len);

#endif
