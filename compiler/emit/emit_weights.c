/*
 * emit_weights.c: the model's parameters in the generated program.
 *
 * Small models get one `static const float` array per parameter, readable
 * and self-contained. Big ones (at least EmitOptions.blob_min bytes, an
 * int8 weight counted as 4: as a C constant it costs a float's time) would
 * make a giant initializer that takes a C compiler minutes and gigabytes,
 * so their floats go raw into PREFIX.weights (little-endian float32, each
 * tensor 64-byte aligned; an int8 layer's weights, int32 bias, float bias
 * and multipliers the same way, emit_quant.c), which the assembler links
 * in with .incbin; the
 * C file declares a pointer per parameter into it and a checksum function
 * that the driver runs before trusting it: FNV-1a's step (xor, multiply by
 * the 64-bit FNV prime) over the blob's 8-byte little-endian words, dealt
 * round-robin to four lanes so the check runs at memory speed, the lanes
 * then folded by the same step. Any one changed word changes the result.
 */
#include "emit.h"

#include <math.h>
#include <string.h>

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

/* A float that reads back exactly, as a C constant (double literal). */
static void put_float(FILE *f, float v)
{
	if (isnan(v))
		fputs("NAN", f);
	else if (isinf(v))
		fputs(v < 0 ? "-INFINITY" : "INFINITY", f);
	else
		fprintf(f, "%.9g", (double)v);
}

static void blob_write(Emit *e, const void *data, size_t bytes)
{
	const unsigned char *b = data;
	for (size_t i = 0; i < bytes; i++) {
		uint64_t at = e->blob_bytes + i;
		e->word |= (uint64_t)b[i] << (8 * (at % 8));
		if (at % 8 == 7) {
			uint64_t *h = &e->lane[at / 8 % 4];
			*h = (*h ^ e->word) * FNV_PRIME;
			e->word = 0;
		}
	}
	if (bytes && fwrite(data, 1, bytes, e->blob_file->f) != bytes)
		diag_error(e->blob_file->path, 0, "cannot write weights");
	e->blob_bytes += bytes;
}

static void blob_align(Emit *e)
{
	static const unsigned char zeros[MEM_ALIGN];
	size_t pad = (size_t)((MEM_ALIGN - e->blob_bytes % MEM_ALIGN) % MEM_ALIGN);
	blob_write(e, zeros, pad);
}

unsigned long long emit_blob_put(Emit *e, const void *data, size_t bytes)
{
	blob_align(e);
	unsigned long long at = e->blob_bytes;
	blob_write(e, data, bytes);
	return at;
}

static void shape_list(FILE *f, const ParamSpec *p)
{
	for (int d = 0; d < p->rank; d++)
		fprintf(f, "%s%d", d ? ", " : "", p->shape[d]);
}

/* The FP32 parameters' floats, packed ones as packed; *arrays counts the
 * arrays they are written as (the int8 layers' too: weights, bias,
 * multipliers and float bias, four at most). */
static long long fp32_floats(const Graph *g, long long *arrays)
{
	long long floats = 0;
	*arrays = 0;
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		ParamSpec ps[MAX_PARAMS];
		int k = n->qweight ? 0 : ir_params(g, n, ps); /* int8: emit_quant_weight_bytes */
		for (int j = 0; j < k; j++)
			floats += j == 0 && n->packed > 0 ? n->packed : ps[j].count;
		if (n->slope)
			floats += n->shape[1];
		if (n->pro_scale)
			floats += 2LL * g->nodes[n->in[0]].shape[1];
		*arrays += k + (n->slope != 0) + 2 * (n->pro_scale != 0) + (n->qweight ? 4 : 0);
	}
	return floats;
}

long long emit_weight_floats(const Graph *g)
{
	long long arrays, floats = fp32_floats(g, &arrays);
	return floats + (emit_quant_weight_bytes(g) + 3) / 4 + arrays * (MEM_ALIGN / 4);
}

long long emit_weight_constants(const Graph *g)
{
	long long arrays;
	return fp32_floats(g, &arrays) + emit_quant_weight_bytes(g);
}

const char *emit_slope_name(const Emit *e, const Node *n)
{
	return arena_printf(e->g->arena, "w_%s_prelu_slopes", e->wbase[n->id]);
}

const char *emit_pro_name(const Emit *e, const Node *n, const char *which)
{
	return arena_printf(e->g->arena, "w_%s_input_%s", e->wbase[n->id], which);
}

/* The array name of count floats v: in the blob (a pointer into it), or
 * a C array. */
static void put_array(Emit *e, const char *name, const float *v, long long count)
{
	FILE *c = e->c;
	if (e->blob) {
		blob_align(e);
		fprintf(c, "static const float *const %s = %s_blob + %llu;\n", name, e->o->sym,
		        (unsigned long long)(e->blob_bytes / 4));
		blob_write(e, v, (size_t)count * sizeof(float));
		return;
	}
	fprintf(c, "static const float %s[%lld] = {", name, count);
	for (long long q = 0; q < count; q++) {
		fputs(q == 0 ? "\n\t" : q % 8 ? ", " : ",\n\t", c);
		put_float(c, v[q]);
	}
	fprintf(c, "\n};\n");
}

void emit_weights(Emit *e)
{
	Graph *g = e->g;
	FILE *c = e->c;
	const char *s = e->o->sym;
	e->wname = arena_alloc(g->arena, (size_t)g->n * MAX_PARAMS * sizeof *e->wname);
	for (int l = 0; l < 4; l++)
		e->lane[l] = FNV_OFFSET;
	e->word = 0;
	if (e->blob) {
		/* the assembler's string escapes \\ and \", inside a C string */
		const char *file = arena_printf(g->arena, "%s.weights", e->base);
		char *as = arena_alloc(g->arena, 2 * strlen(file) + 1), *q = as;
		for (const char *p = file; *p; p++) {
			if (*p == '\\' || *p == '"')
				*q++ = '\\';
			*q++ = *p;
		}
		*q = 0;
		fprintf(c, "/* The weights are in %s.weights, linked in by the assembler. Build from\n", e->base_note);
		fprintf(c, " * its directory or pass -Wa,-I<that directory> to the C compiler. */\n");
		fprintf(c, "__asm__(\".section .rodata\\n\"\n");
		fprintf(c, "        \".balign 64\\n\"\n");
		fprintf(c, "        \".globl %s_blob\\n.hidden %s_blob\\n%s_blob:\\n\"\n", s, s, s);
		fprintf(c, "        \".incbin \\\"%s\\\"\\n\"\n", emit_cstring(g->arena, as));
		fprintf(c, "        \".globl %s_blob_end\\n.hidden %s_blob_end\\n%s_blob_end:\\n\"\n", s, s, s);
		fprintf(c, "        \".previous\\n\");\n");
		fprintf(c, "extern const float %s_blob[];\nextern const unsigned char %s_blob_end[];\n\n", s, s);
	}
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		if (n->qweight) {
			emit_quant_weights(e, n);
			continue;
		}
		ParamSpec ps[MAX_PARAMS];
		int k = ir_params(g, n, ps);
		for (int j = 0; j < k; j++) {
			const ParamSpec *p = &ps[j];
			const float *v = n->param[j];
			if (!v)
				BUG("%s has no values", ir_param_key(g->arena, n, p));
			bool packed = j == 0 && n->packed > 0;
			long long count = packed ? n->packed : p->count;
			char *name = arena_printf(g->arena, "w_%s%s%s%s", e->wbase[i], p->suffix[0] ? "_" : "", p->suffix,
			                          packed ? "_packed" : "");
			e->wname[i * MAX_PARAMS + j] = name;
			if (n->op == OP_PARAM && strcmp(name, e->var[i]))
				BUG("param %s is %s, but its readers use %s", n->name, name, e->var[i]);
			fprintf(c, "/* %s: [", ir_param_key(g->arena, n, p));
			shape_list(c, p);
			fprintf(c, "]%s%s */\n",
			        !packed                      ? ""
			        : n->layout != LAYOUT_NCHW    ? ", packed for rt_conv2d_cl / rt_conv2d_dw_cl"
			        : ALGO_WINOGRAD_TILE(n->algo) ? ", Winograd-transformed (G g G^T), packed for rt_gemm"
			                                      : ", packed for rt_gemm",
			        /* fold_bn's note on the conv, transposed conv or linear it folded into */
			        n->note && j < 2 && (n->op == OP_CONV2D || n->op == OP_CONV_TRANSPOSE2D || n->op == OP_LINEAR)
			                ? ", batch norm folded in"
			                : "");
			put_array(e, name, v, count);
		}
		if (n->slope) { /* a prelu fused into it (passes/fuse.c) */
			fprintf(c, "/* %s: [%d] as one slope per output channel, the prelu fused into %s */\n",
			        emit_comment(g->arena, n->slope_key), n->shape[1], emit_comment(g->arena, n->name));
			put_array(e, emit_slope_name(e, n), n->slope, n->shape[1]);
		}
		if (n->pro_name) { /* a batch norm it applies to its input (passes/fuse.c) */
			int ch = g->nodes[n->in[0]].shape[1];
			if (!n->pro_scale)
				BUG("%s: batch norm %s applied to its input without its weights", n->name, n->pro_name);
			for (int h = 0; h < 2; h++) {
				fprintf(c, "/* %s: [%d] its %s per input channel, the batch norm applied by %s */\n",
				        emit_comment(g->arena, n->pro_name), ch, h ? "shift" : "scale",
				        emit_comment(g->arena, n->name));
				put_array(e, emit_pro_name(e, n, h ? "shift" : "scale"), h ? n->pro_shift : n->pro_scale, ch);
			}
		}
	}
	if (e->blob) {
		blob_align(e); /* whole 32-byte rounds of four words */
		uint64_t sum = e->lane[0];
		for (int l = 1; l < 4; l++)
			sum = (sum ^ e->lane[l]) * FNV_PRIME;
		fprintf(c, "\n#define %s_BLOB_BYTES %lluu\n", e->SYM, (unsigned long long)e->blob_bytes);
		fprintf(c, "#define %s_BLOB_SUM 0x%016llxull\n\n", e->SYM, (unsigned long long)sum);
		fprintf(c, "/* 1 if the blob is the one this file was made with: FNV-1a's step over its\n");
		fprintf(c, " * 8-byte words in four lanes (word i to lane i %% 4), lanes folded at the end. */\n");
		fprintf(c, "int %s_check_weights(void)\n{\n", s);
		fprintf(c, "\tconst unsigned char *b = (const unsigned char *)%s_blob;\n", s);
		fprintf(c, "\tconst unsigned long long prime = %lluull;\n", FNV_PRIME);
		fprintf(c, "\tunsigned long long h[4], w;\n");
		fprintf(c, "\tsize_t i;\n\tint l;\n\n");
		fprintf(c, "\tif ((size_t)(%s_blob_end - b) != %s_BLOB_BYTES)\n\t\treturn 0;\n", s, e->SYM);
		fprintf(c, "\tfor (l = 0; l < 4; l++)\n\t\th[l] = %lluull;\n", FNV_OFFSET);
		fprintf(c, "\tfor (i = 0; i < %s_BLOB_BYTES; i += 32)\n", e->SYM);
		fprintf(c, "\t\tfor (l = 0; l < 4; l++) {\n");
		fprintf(c, "\t\t\tmemcpy(&w, b + i + 8 * l, 8); /* in host order: little-endian, as the floats */\n");
		fprintf(c, "\t\t\th[l] = (h[l] ^ w) * prime;\n\t\t}\n");
		fprintf(c, "\tfor (l = 1; l < 4; l++)\n\t\th[0] = (h[0] ^ h[l]) * prime;\n");
		fprintf(c, "\treturn h[0] == %s_BLOB_SUM;\n}\n", e->SYM);
	}
	fprintf(c, "\n");
}
