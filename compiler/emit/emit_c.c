/*
 * emit_c.c: the C emitter.
 *
 * needs: shapes, weights bound, memory planned.
 *
 * Writes PREFIX.h (the API of SPEC: SYM_INPUT_COUNT, SYM_run, ...) and
 * PREFIX.c: each layer's scratch checked against the runtime's sizing
 * macros at compile time (emit_scratch_checks), the weights
 * (emit_weights.c), then SYM_run_ws, which names one
 * pointer per planned buffer and calls one runtime kernel per layer with
 * every size a constant, each under a comment giving the layer's model
 * line, shapes, algorithm and layout. Views (flatten, dropout) emit no
 * code: they read their source's buffer; a chunk or split piece read in
 * place (passes/memplan.c) is a pointer into it, declared with the
 * buffers. A model of more than
 * EMIT_BLOCK layers is cut into static functions of EMIT_BLOCK layers
 * each, which SYM_run_ws calls in order (emit_blocks). SYM_run is
 * SYM_run_ws on a static, 64-byte aligned workspace, when the program's
 * static data stays within EMIT_STATIC_MAX with it (plan_static); --main
 * appends emit_driver.c's main.
 *
 * This file writes the skeleton and each layer's comment; the layer's
 * call comes from its op's family, one file each as in the runtime, each
 * in NCHW and the chunked layouts: emit_conv.c (conv2d), emit_pool.c
 * (pools, mean), emit_channel.c (chunk, split, channel_shuffle), emit_eltwise.c (activations, add, batch_norm, concat, softmax,
 * linear, views) and emit_reorder.c (reorders between layouts).
 *
 * The output depends only on the model, weights and options: no dates,
 * no directories, so compiling twice gives the same bytes.
 */
#include "emit.h"

#include "../../runtime/cnnrt.h" /* RT_ABI */

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Layer name as a C identifier: "layer1.0.conv1" -> "layer1_0_conv1". */
static char *c_ident(Arena *a, const char *name)
{
	char *s = arena_printf(a, "%s%s", isdigit((unsigned char)name[0]) ? "t_" : "", name);
	for (char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p))
			*p = '_';
	return s;
}

const char *emit_cstring(Arena *a, const char *s)
{
	size_t len = strlen(s);
	char *out = arena_alloc(a, 4 * len + 1), *q = out;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '\\' || ch == '"' || ch == '?') /* \? : no trigraph can form */
			*q++ = '\\', *q++ = (char)ch;
		else if (ch < 0x20 || ch >= 0x7f)
			q += sprintf(q, "\\%03o", ch);
		else
			*q++ = (char)ch;
	}
	*q = 0;
	return out;
}

const char *emit_comment(Arena *a, const char *s)
{
	char *out = arena_alloc(a, 2 * strlen(s) + 1), *q = out;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		*q++ = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
		if (ch == '*' && s[1] == '/')
			*q++ = '\\'; /* "*\/" does not end the comment */
	}
	*q = 0;
	return out;
}

/* Whether name is among names[0..upto) or, with reserved, one of the
 * run function's own identifiers. */
static bool is_taken(char *const *names, int upto, bool reserved, const char *name)
{
	static const char *const words[] = {"input", "output", "ws", "ws_", "p", NULL};
	for (const char *const *r = words; reserved && *r; r++)
		if (!strcmp(*r, name))
			return true;
	for (int i = 0; i < upto; i++)
		if (names[i] && !strcmp(names[i], name))
			return true;
	return false;
}

/* Layer id's name as a C identifier free of names[0..upto) (and, with
 * reserved, of is_taken's words): "a.b" after "a_b" becomes "a_b_ID";
 * that too may be taken (a layer named "a_b_ID"), so then "a_b_ID_2",
 * and on until one is free. */
static char *free_name(Arena *a, const char *layer, int id, char *const *names, int upto, bool reserved)
{
	char *base = c_ident(a, layer), *v = base;
	for (int k = 1; is_taken(names, upto, reserved, v); k++)
		v = k == 1 ? arena_printf(a, "%s_%d", base, id) : arena_printf(a, "%s_%d_%d", base, id, k);
	return v;
}

static void name_values(Emit *e)
{
	Graph *g = e->g;
	const MemPlan *p = g->plan;
	e->var = arena_alloc(g->arena, (size_t)g->n * sizeof *e->var);
	e->wbase = arena_alloc(g->arena, (size_t)g->n * sizeof *e->wbase);
	for (int i = 0; i < g->n; i++)
		e->wbase[i] = free_name(g->arena, g->nodes[i].name, i, e->wbase, i, false);
	for (int i = 0; i < g->n; i++) {
		if (p->home[i] != i && op_flags[g->nodes[i].op] & OPF_VIEW) {
			e->var[i] = e->var[g->nodes[i].in[0]];
			continue;
		}
		if (p->home[i] != i && !memplan_piece(g, i) && !memplan_in_concat(g, i)) { /* written in place over its home */
			e->var[i] = e->var[p->home[i]];
			continue;
		}
		if (p->home[i] == i && p->offset[i] == MEM_INPUT) {
			e->var[i] = "input";
			continue;
		}
		if (p->home[i] == i && p->offset[i] == MEM_OUTPUT) {
			e->var[i] = "output";
			continue;
		}
		if (p->offset[i] == MEM_CONST) { /* a param: its weights, as emit_weights names them */
			e->var[i] = arena_printf(g->arena, "w_%s", e->wbase[i]);
			continue;
		}
		e->var[i] = free_name(g->arena, g->nodes[i].name, i, e->var, i, true);
	}
}

/* ---- the header ----------------------------------------------------- */

static void dims(FILE *f, const Node *n)
{
	for (int i = 0; i < n->rank; i++)
		fprintf(f, "%s%d", i ? ", " : "", n->shape[i]);
}

static void emit_header(Emit *e, FILE *h)
{
	Graph *g = e->g;
	const Node *in = &g->nodes[g->input], *out = &g->nodes[g->output];
	char si[64], so[64];
	const char *S = e->SYM, *s = e->o->sym;
	fprintf(h, "/* %s.h: generated by cnnc from %s.lua; do not edit.\n", e->base_note, e->model_note);
	fprintf(h, " *\n * %s_run%s computes the model on one batch. Tensors are\n", s,
	        e->static_ws ? "(input, output)" : "_ws(input, output, ws)");
	fprintf(h, " * float32 in PyTorch's NCHW order. No function here allocates memory.\n */\n");
	fprintf(h, "#ifndef %s_H\n#define %s_H\n\n", S, S);
	fprintf(h, "#define %s_BATCH %d\n", S, in->shape[0]);
	fprintf(h, "#define %s_INPUT_RANK %d\n", S, in->rank);
	fprintf(h, "#define %s_INPUT_DIMS ", S);
	dims(h, in);
	fprintf(h, "\n#define %s_INPUT_COUNT %lld /* floats: %s */\n", S, ir_numel(in), ir_shape_str(in, si, sizeof si));
	fprintf(h, "#define %s_OUTPUT_RANK %d\n", S, out->rank);
	fprintf(h, "#define %s_OUTPUT_DIMS ", S);
	dims(h, out);
	fprintf(h, "\n#define %s_OUTPUT_COUNT %lld /* floats: %s */\n", S, ir_numel(out),
	        ir_shape_str(out, so, sizeof so));
	fprintf(h, "#define %s_WORKSPACE_BYTES %lld /* planned; one buffer per activation would need %lld */\n\n",
	        S, g->plan->workspace ? g->plan->workspace : MEM_ALIGN, g->plan->naive);
	if (e->static_ws) {
		fprintf(h, "/* Runs on a static workspace: not reentrant. */\n");
		fprintf(h, "void %s_run(const float *input, float *output);\n", s);
	} else {
		fprintf(h, "/* No %s_run: its static workspace would take the program's static data past\n", s);
		fprintf(h, " * %lld bytes, more than the default code model links; pass %s_run_ws one. */\n",
		        (long long)EMIT_STATIC_MAX, s);
	}
	fprintf(h, "/* Runs on the caller's workspace: %s_WORKSPACE_BYTES bytes, 64-byte aligned. */\n", S);
	fprintf(h, "void %s_run_ws(const float *input, float *output, void *ws);\n", s);
	if (e->blob) {
		fprintf(h, "/* 1 if the weights linked in (%s.weights) are the ones compiled for. */\n", e->base_note);
		fprintf(h, "int %s_check_weights(void);\n", s);
	}
	fprintf(h, "\n#endif\n");
}

/* ---- one layer ------------------------------------------------------ */

const char *emit_act_param(Arena *a, Act act, double p)
{
	const ActInfo *ai = &act_info[act];
	if (!ai->choices)
		return emit_float(a, p);
	return arena_printf(a, "%s /* \"%s\" */", emit_float(a, p), ai->choices[(int)p]);
}

/* A float option as a C float constant: "1e-05f", "0.2f", "0.0f". The
 * value is first rounded to float, as the kernels will see it. */
const char *emit_float(Arena *a, double v)
{
	char buf[64];
	if (!(fabs(v) <= FLT_MAX)) /* the front end takes floats only */
		BUG("float constant %g is not a float", v);
	snprintf(buf, sizeof buf, "%.9g", (double)(float)v); /* 9 digits: back to the same float */
	if (strtof(buf, NULL) != (float)v)
		BUG("float constant %s does not read back as %.9g", buf, (double)(float)v);
	bool has_point = strpbrk(buf, ".e") != NULL;
	return arena_printf(a, "%s%sf", buf, has_point ? "" : ".0");
}

static const char *shape_str(const Node *n, char *buf, size_t size) { return ir_shape_str(n, buf, size); }

static void layer_comment(Emit *e, const Node *n)
{
	Graph *g = e->g;
	const Attrs *a = &n->a;
	char si[64], so[64];
	fprintf(e->c, "\t/* %s", n->name);
	if (n->line)
		fprintf(e->c, " (%s.lua:%d)", e->model_note, n->line);
	fprintf(e->c, ": %s", op_name[n->op]);
	if (n->nin)
		fprintf(e->c, " %s ->", shape_str(&g->nodes[n->in[0]], si, sizeof si));
	fprintf(e->c, " %s", shape_str(n, so, sizeof so));
	switch (n->op) {
	case OP_CONV_TRANSPOSE2D: /* its output_padding, the rest as conv2d's */
		if (a->out_pad[0] || a->out_pad[1])
			fprintf(e->c, ", output_padding %dx%d", a->out_pad[0], a->out_pad[1]);
		/* fall through */
	case OP_CONV2D:
		fprintf(e->c, ", %dx%d stride %dx%d pad %dx%d", a->kernel[0], a->kernel[1], a->stride[0], a->stride[1],
		        a->pad[0], a->pad[1]);
		if (a->dilation[0] > 1 || a->dilation[1] > 1)
			fprintf(e->c, " dilation %dx%d", a->dilation[0], a->dilation[1]);
		if (a->groups > 1)
			fprintf(e->c, " groups %d", a->groups);
		fprintf(e->c, ", %s, %s", algo_name[n->algo], layout_name[n->layout]);
		if (a->bias || a->residual || a->act != ACT_NONE)
			fprintf(e->c, ", then%s%s%s%s", a->bias ? " +bias" : "", a->residual ? " +residual" : "",
			        a->act != ACT_NONE ? " " : "", a->act != ACT_NONE ? act_info[a->act].rt_id + 7 : "");
		if (n->scratch)
			fprintf(e->c, ", %lld bytes scratch", n->scratch);
		break;
	case OP_MAX_POOL2D:
	case OP_AVG_POOL2D:
		fprintf(e->c, ", %dx%d stride %dx%d pad %dx%d%s", a->kernel[0], a->kernel[1], a->stride[0], a->stride[1],
		        a->pad[0], a->pad[1], a->ceil_mode ? " ceil_mode" : "");
		break;
	case OP_REORDER:
		fprintf(e->c, ", %s -> %s", layout_name[g->nodes[n->in[0]].layout], layout_name[n->layout]);
		break;
	default:
		if (n->layout != LAYOUT_NCHW)
			fprintf(e->c, ", %s", layout_name[n->layout]);
		break;
	}
	if (n->dtype == DTYPE_U8)
		fprintf(e->c, ", uint8 scale %s zero point %d%s", emit_float(g->arena, n->qscale), n->qzp,
		        n->a.act == ACT_RELU ? ", relu in the clamp" : "");
	fprintf(e->c, " */\n");
}

const char *emit_wname(const Emit *e, const Node *n, int k) { return e->wname[n->id * MAX_PARAMS + k]; }

static void emit_layer(Emit *e, const Node *n);

static void emit_node(Emit *e, const Node *n)
{
	if (n->op != OP_INPUT && n->op != OP_PARAM) /* the caller's input; a tensor among the weights */
		emit_layer(e, n);
	emit_observe_call(e, n);
}

static void emit_layer(Emit *e, const Node *n)
{
	layer_comment(e, n);
	if (n->dtype == DTYPE_U8 || n->op == OP_DEQUANTIZE) { /* an int8 region's, or its border's */
		emit_quant(e, n);
		return;
	}
	switch (n->op) {
	case OP_CONV2D:
	case OP_CONV_TRANSPOSE2D:
		emit_conv(e, n);
		break;
	case OP_MAX_POOL2D:
	case OP_AVG_POOL2D:
	case OP_ADAPTIVE_AVG_POOL2D:
	case OP_GLOBAL_AVG_POOL:
	case OP_INTERPOLATE:
	case OP_PAD:
	case OP_MEAN:
		emit_pool(e, n);
		break;
	case OP_CHUNK:
	case OP_SPLIT:
	case OP_CHANNEL_SHUFFLE:
		emit_channel(e, n);
		break;
	case OP_REORDER:
		emit_reorder(e, n);
		break;
	case OP_QUANTIZE:
	case OP_DEQUANTIZE:
		emit_quant(e, n);
		break;
	case OP_ADD:
	case OP_SUB:
	case OP_MUL:
	case OP_DIV:
		emit_binary(e, n);
		break;
#define ACT(ID, name, kind) case OP_##ID:
#include "../../runtime/acts.def"
	case OP_BATCH_NORM:
	case OP_CONCAT:
	case OP_SOFTMAX:
	case OP_PRELU:
	case OP_LINEAR:
	case OP_LAYER_NORM:
	case OP_PERMUTE:
	case OP_RESHAPE:
	case OP_FLATTEN:
	case OP_DROPOUT:
	case OP_STOCHASTIC_DEPTH:
		emit_eltwise(e, n);
		break;
	case OP_INPUT:
	case OP_PARAM:
	case OP_COUNT:
		BUG("cannot emit %s", op_name[n->op]);
	}
}

/* ---- the run functions ---------------------------------------------- */

/* Declares home buffer i's pointer into the workspace. */
static void declare_buffer(Emit *e, int i)
{
	const MemPlan *p = e->g->plan;
	const Node *n = &e->g->nodes[i];
	char buf[64];
	const char *type = n->dtype == DTYPE_U8 ? "unsigned char" : "float";
	fprintf(e->c, "\t%s *%s = (%s *)(ws + %lld); /* %s%s%s, live %d..%d */\n", type, e->var[i], type, p->offset[i],
	        ir_shape_str(n, buf, sizeof buf), n->layout ? " " : "", n->layout ? layout_name[n->layout] : "",
	        p->first[i], p->last[i]);
}

/* Whether node k's call names input j (a concat does not name the inputs
 * already in its channels). */
static bool names_input(const Graph *g, int k, int j)
{
	return g->nodes[k].op != OP_CONCAT || !memplan_placed(g, k, j);
}

/* Whether node k emits a call that names its own value: not a piece read
 * in place, a view, or a concat whose inputs are all in its channels. */
static bool names_itself(const Graph *g, int k)
{
	const Node *n = &g->nodes[k];
	if (memplan_piece(g, k) || op_flags[n->op] & OPF_VIEW)
		return false;
	for (int j = 0; n->op == OP_CONCAT && j < n->nin; j++)
		if (names_input(g, k, j))
			return true;
	return n->op != OP_CONCAT;
}

/* Declares the values at an offset in another's buffer whose names the
 * calls of nodes [from, to) use, as pointers into their home buffer,
 * which the function has declared: chunk and split pieces read in
 * place, and values in a concat's channels. A call names the values it
 * reads, or one a view (flatten, dropout) of it stands for, since views
 * take their input's name, and the value it writes. */
static void declare_views(Emit *e, int from, int to)
{
	const Graph *g = e->g;
	const MemPlan *p = g->plan;
	char buf[64];
	bool *named = arena_alloc(g->arena, (size_t)g->n * sizeof *named);
	for (int k = g->n - 1; k >= 0; k--) {
		const Node *n = &g->nodes[k];
		bool calls = k >= from && k < to && names_itself(g, k);
		named[k] |= calls;
		if (calls || (named[k] && op_flags[n->op] & OPF_VIEW))
			for (int j = 0; j < n->nin; j++)
				named[n->in[j]] |= !calls || names_input(g, k, j);
	}
	if (g->output >= from && g->output < to)
		named[g->output] = true; /* the copy to the caller's output */
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		if (!named[i])
			continue;
		if (memplan_piece(g, i))
			fprintf(e->c, "\tconst float *%s = %s + %lld; /* %s%s%s, a view: channels %d..%d of %s */\n", e->var[i],
			        e->var[p->home[i]], p->view_offset[i] / 4, ir_shape_str(n, buf, sizeof buf),
			        n->layout ? " " : "", n->layout ? layout_name[n->layout] : "", n->a.slice[0],
			        n->a.slice[0] + n->a.slice[1] - 1, g->nodes[n->in[0]].name);
		else if (memplan_in_concat(g, i))
			fprintf(e->c, "\tfloat *%s = %s + %lld; /* %s, channels %lld..%lld of %s */\n", e->var[i],
			        e->var[p->home[i]], p->view_offset[i] / 4, ir_shape_str(n, buf, sizeof buf),
			        p->view_offset[i] / 4 / ir_inner(n), p->view_offset[i] / 4 / ir_inner(n) + n->shape[1] - 1,
			        g->nodes[p->home[i]].name);
	}
}

/* Marks in used[] (per node id) the home buffers the calls of nodes
 * [from, to) name; returns whether they touch the workspace. */
static bool buffers_used(const Emit *e, int from, int to, bool *used)
{
	const Graph *g = e->g;
	const MemPlan *p = g->plan;
	bool ws = false;
	for (int i = from; i < to; i++) {
		const Node *n = &g->nodes[i];
		if (n->op == OP_INPUT)
			continue;
		used[p->home[i]] = true;
		for (int j = 0; j < n->nin; j++)
			used[p->home[n->in[j]]] = true;
		ws |= n->scratch > 0;
	}
	for (int i = 0; i < g->n; i++)
		ws |= used[i] && p->home[i] == i && p->offset[i] >= 0;
	return ws;
}

/* One function per EMIT_BLOCK layers of a model bigger than that, each
 * declaring the buffers it names, so that the C compiler's time grows
 * with the layers, not faster (one function of 3,000 layers took gcc -O2
 * minutes); SYM_run_ws calls them in order. Returns their count (0:
 * the model is one function). */
static int emit_blocks(Emit *e)
{
	Graph *g = e->g;
	const MemPlan *p = g->plan;
	FILE *c = e->c;
	if (g->n <= EMIT_BLOCK)
		return 0;
	bool *used = arena_alloc(g->arena, (size_t)g->n * sizeof *used);
	int k = 0;
	for (int from = 0; from < g->n; from += EMIT_BLOCK, k++) {
		int to = from + EMIT_BLOCK < g->n ? from + EMIT_BLOCK : g->n;
		memset(used, 0, (size_t)g->n * sizeof *used);
		bool ws = buffers_used(e, from, to, used);
		bool in = false, out = false;
		for (int i = 0; i < g->n; i++) {
			in |= used[i] && p->home[i] == i && p->offset[i] == MEM_INPUT;
			out |= used[i] && p->home[i] == i && p->offset[i] == MEM_OUTPUT;
		}
		fprintf(c, "/* Layers %d..%d of %s_run_ws. */\n", from, to - 1, e->o->sym);
		fprintf(c, "static void %s_layers_%d(const float *input, float *output, unsigned char *ws)\n{\n",
		        e->o->sym, k);
		if (!in)
			fprintf(c, "\t(void)input;\n");
		if (!out)
			fprintf(c, "\t(void)output;\n");
		if (!ws)
			fprintf(c, "\t(void)ws;\n");
		for (int i = 0; i < g->n; i++)
			if (used[i] && p->home[i] == i && p->offset[i] >= 0)
				declare_buffer(e, i);
		declare_views(e, from, to);
		fprintf(c, "\n");
		for (int i = from; i < to; i++)
			emit_node(e, &g->nodes[i]);
		fprintf(c, "}\n\n");
	}
	return k;
}

/* The runtime version (cnnrt.h's RT_ABI) this cnnc lays the weights out
 * for: C compiled against a runtime of another stops there (and emit_run
 * reads the version's symbol, so an object compiled from it links with a
 * runtime of this version only). */
static void emit_abi_check(Emit *e)
{
	fprintf(e->c, "/* The weights below are laid out for runtime version %d: compiled against a runtime\n"
	              " * of another, this C stops here rather than read them in the wrong order. */\n", RT_ABI);
	fprintf(e->c, "#if !defined(RT_ABI) || RT_ABI != %d\n", RT_ABI);
	fprintf(e->c, "#error \"generated for runtime version (RT_ABI) %d; this cnnrt.h is another: regenerate this C "
	              "with the cnnc of this runtime\"\n#endif\n\n", RT_ABI);
}

/* For each layer with scratch, the bytes the plan gives it against what
 * the runtime the C is compiled with takes, by its cnnrt.h's macros
 * (RT_SCRATCH_FITS): C kept from an older cnnc and built against a newer
 * runtime whose kernels need more stops at compile time rather than
 * overflowing its workspace. */
static void emit_scratch_checks(Emit *e)
{
	const Graph *g = e->g;
	bool any = false;
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		if (!n->scratch)
			continue;
		if (!n->scratch_rt)
			BUG("%s: %lld bytes of scratch without its expression in the runtime's macros", n->name, n->scratch);
		if (!any)
			fprintf(e->c, "/* Each layer's scratch as planned, against what this runtime's kernel takes: C\n"
			              " * generated for another runtime stops here. Regenerate it with its cnnc. */\n");
		any = true;
		fprintf(e->c, "RT_SCRATCH_FITS(%s, %s, %lld);\n", e->wbase[i], n->scratch_rt, n->scratch);
	}
	if (any)
		fprintf(e->c, "\n");
}

static void emit_run(Emit *e)
{
	Graph *g = e->g;
	const MemPlan *p = g->plan;
	FILE *c = e->c;
	const char *s = e->o->sym, *S = e->SYM;

	int blocks = emit_blocks(e);
	int home = p->home[g->output];
	bool copy = p->offset[home] != MEM_OUTPUT;
	bool *used = arena_alloc(g->arena, (size_t)g->n * sizeof *used);
	bool any = blocks ? true : buffers_used(e, 0, g->n, used);
	if (blocks && copy && p->offset[home] >= 0)
		used[home] = true;
	fprintf(c, "void %s_run_ws(const float *input, float *output, void *ws_)\n{\n", s);
	if (any)
		fprintf(c, "\tunsigned char *ws = ws_;\n");
	else
		fprintf(c, "\t(void)ws_;\n");
	for (int i = 0; i < g->n; i++)
		if (used[i] && p->home[i] == i && p->offset[i] >= 0)
			declare_buffer(e, i);
	if (!blocks)
		declare_views(e, 0, g->n);
	fprintf(c, "\n\t(void)rt_abi_%d; /* links with a runtime of version %d only (cnnrt.h's RT_ABI) */\n",
	        RT_ABI, RT_ABI);
	if (e->o->threads > 1)
		fprintf(c, "\trt_threads(%d); /* --threads %d: the pool starts on the first run */\n\n", e->o->threads,
		        e->o->threads);
	for (int k = 0; k < blocks; k++)
		fprintf(c, "\t%s_layers_%d(input, output, ws);\n", s, k);
	for (int i = 0; !blocks && i < g->n; i++)
		emit_node(e, &g->nodes[i]);
	if (copy)
		fprintf(c, "\trt_copy(%lld, %s, output); /* the output is a view of the input */\n",
		        ir_numel(&g->nodes[g->output]), e->var[home]);
	fprintf(c, "}\n\n");

	if (!e->static_ws)
		return; /* the header says why */
	fprintf(c, "#if defined(__GNUC__)\n__attribute__((aligned(64)))\n#endif\n");
	fprintf(c, "static unsigned char %s_workspace[%s_WORKSPACE_BYTES];\n\n", s, S);
	fprintf(c, "void %s_run(const float *input, float *output)\n{\n", s);
	fprintf(c, "\t%s_run_ws(input, output, %s_workspace);\n}\n", s, s);
}

/* Decides whether the workspace is static: the program's static data
 * (weights, the driver's batch buffers, the workspace) must stay within
 * EMIT_STATIC_MAX, or the link fails ("relocation truncated"). A
 * workspace that does not fit goes to the caller (SYM_run_ws only); what
 * does not fit without it, and the --main driver (which allocates
 * nothing, so has no workspace but the static one), is refused here,
 * not left to the linker. */
static void plan_static(Emit *e)
{
	Graph *g = e->g;
	long long fixed = ir_mul(4, emit_weight_floats(g)), ws = g->plan->workspace;
	if (e->o->main_driver)
		fixed = ir_add_sat(fixed, ir_mul(4, ir_add_sat(ir_numel(&g->nodes[g->input]),
		                                              ir_numel(&g->nodes[g->output]))));
	if (fixed > EMIT_STATIC_MAX)
		diag_error(g->file, 0, "the program would hold %lld bytes of static data (weights%s), more than the "
		           "%lld a program links with in the default code model; use a smaller --batch or "
		           "a smaller model", fixed, e->o->main_driver ? " and the driver's input and output buffers" : "",
		           (long long)EMIT_STATIC_MAX);
	e->static_ws = ir_add_sat(fixed, ws) <= EMIT_STATIC_MAX;
	if (!e->static_ws && e->o->main_driver)
		diag_error(g->file, 0, "the workspace (%lld bytes) is too big for static storage (with the weights%s, "
		           "more than %lld bytes), and the --main driver has no other (it allocates nothing); "
		           "compile without --main and pass %s_run_ws your own memory, or use a smaller --batch",
		           ws, " and the driver's buffers", (long long)EMIT_STATIC_MAX, e->o->sym);
}

void emit_c(Graph *g, const EmitOptions *o)
{
	Emit e = {.g = g, .o = o};
	char *S = arena_strdup(g->arena, o->sym);
	for (char *q = S; *q; q++)
		*q = (char)toupper((unsigned char)*q);
	e.SYM = S;
	const char *slash = strrchr(o->prefix, '/');
	e.base = slash ? slash + 1 : o->prefix;
	e.base_note = emit_comment(g->arena, e.base);
	e.model_note = emit_comment(g->arena, g->model);
	/* by the constants written: a 256 -> 256 3x3 conv has 2.4 MB of weights
	 * but 9.4 MB once Winograd-transformed, 38 MB of C as an array; an
	 * int8 weight is a constant too (mobilenet_v2's 3.5 MB of int8 weights
	 * were 16 MB of C, 11 s of cc) */
	e.blob = 4 * emit_weight_constants(g) >= o->blob_min;
	name_values(&e);
	plan_static(&e);

	OutFile *files[3];
	int nfiles = 0;
	OutFile *hf = files[nfiles++] = out_open(g->arena, arena_printf(g->arena, "%s.h", o->prefix));
	OutFile *cf = files[nfiles++] = out_open(g->arena, arena_printf(g->arena, "%s.c", o->prefix));
	if (e.blob)
		e.blob_file = files[nfiles++] = out_open(g->arena, arena_printf(g->arena, "%s.weights", o->prefix));
	e.c = cf->f;

	fprintf(e.c, "/* %s.c: generated by cnnc from %s.lua; do not edit.\n", e.base_note, e.model_note);
	fprintf(e.c, " *\n * %d layers at -O%c. Every size is fixed; activations share one workspace\n", g->n,
	        o->prefer_size ? 's' : '0' + o->opt_level);
	fprintf(e.c, " * of %lld bytes, planned by liveness (one buffer each would need %lld).\n */\n",
	        g->plan->workspace, g->plan->naive);
	fprintf(e.c, "#include \"%s.h\"\n\n", e.base);
	fprintf(e.c, "#include <math.h>\n#include <stddef.h>\n#include <string.h>\n\n#include \"cnnrt.h\"\n\n");
	if (o->observe)
		fprintf(e.c, "void cnnc_observe(int k, const float *x, long long n); /* cnnc quantize's hook */\n\n");
	emit_abi_check(&e);
	emit_scratch_checks(&e);
	emit_weights(&e);
	emit_run(&e);
	if (o->observe)
		emit_observer(&e);
	if (o->main_driver)
		emit_driver(&e);
	emit_header(&e, hf->f); /* after emit_weights: it knows about the blob */
	out_commit(files, nfiles);
}
