/*
 * onnx_map.c: ONNX nodes as DSL statements, one row of ops[] per op.
 *
 * Nodes are visited in topological order. A node whose inputs are all
 * known is folded (onnx_fold.c); any other is written by its row's
 * function, which checks what the DSL can express and returns NULL, or
 * returns what it cannot ("asymmetric pads ..."). Every node that
 * cannot be written is listed, each once, as
 *   MODEL.onnx: node 'NAME' (OpType, opset N): not supported: WHAT
 * (the nodes downstream of one are not listed again) and the import
 * exits 1 with nothing written.
 *
 * The Lua text keeps every activation in a slot of one table, v[k] (a
 * Lua function has at most 200 locals), one statement per node, the
 * value's shape in a comment. Layers with weights are named after their
 * weight initializer ("layer1.0.conv1.weight" -> "layer1.0.conv1", as
 * torch.onnx.export names them with the state_dict's keys), else after
 * the node, else after the op; every name is used once.
 */
#include "onnx.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef const char *(*MapFn)(OxImport *x, int at, const Onnx__NodeProto *n);

/* ---- attributes ---- */

static double attr_float(const Onnx__NodeProto *n, const char *name, double dflt)
{
	const Onnx__AttributeProto *a = ox_attr(n, name);
	return a && a->has_f ? a->f : dflt;
}

static bool attr_str_is(const Onnx__NodeProto *n, const char *name, const char *dflt, const char *want)
{
	const Onnx__AttributeProto *a = ox_attr(n, name);
	if (!a || !a->has_s)
		return !strcmp(dflt, want);
	return a->s.len == strlen(want) && !memcmp(a->s.data, want, a->s.len);
}

/* ---- values ---- */

/* Input k as an activation (NULL: absent or a constant). */
static OxValue *in_act(OxImport *x, const Onnx__NodeProto *n, size_t k)
{
	OxValue *v = ox_in_value(x, n, k);
	return v && !v->c && v->var ? v : NULL;
}

static int op_row(const Onnx__NodeProto *n);
static const char *counts(OxImport *x, int r, const Onnx__NodeProto *n);
static bool fold(OxImport *x, int r, const Onnx__NodeProto *n);

/* Folds what value name is computed from, if it can be (a pattern
 * looking ahead reads constants the exporter computes later in the
 * graph, such as the second Reshape's shape of a channel shuffle).
 * Each node is tried once per step of ox_map. */
static void resolve(OxImport *x, const char *name, int depth)
{
	OxValue *v = ox_value(x, name);
	if (!v || v->c || v->var || v->def < 0 || depth > 64 || x->consumed[v->def] || x->tried[v->def] == x->at + 1)
		return;
	x->tried[v->def] = x->at + 1;
	const Onnx__NodeProto *n = x->order[v->def];
	int r = op_row(n);
	if (r < 0 || counts(x, r, n))
		return;
	for (size_t k = 0; k < n->n_input; k++)
		resolve(x, n->input[k], depth + 1);
	if (fold(x, r, n))
		x->consumed[v->def] = true;
}

/* Input k of a node after the one being written, as a constant. */
static const OxTensor *later_const(OxImport *x, const Onnx__NodeProto *n, size_t k)
{
	if (k < n->n_input)
		resolve(x, n->input[k], 0);
	return ox_in_const(x, n, k);
}

static OxValue *out_value(OxImport *x, const Onnx__NodeProto *n, size_t k)
{
	return k < n->n_output ? ox_value(x, n->output[k]) : NULL;
}

/* "1x64x56x56". */
static const char *dims_str(OxImport *x, int rank, const long long *d)
{
	OxText t = {.a = x->a};
	ox_text(&t, "%s", "");
	for (int i = 0; i < rank; i++)
		ox_text(&t, "%s%lld", i ? "x" : "", d[i]);
	return t.s;
}

/* Gives output k of n a slot and its shape; returns the slot. */
static int new_act(OxImport *x, const Onnx__NodeProto *n, size_t k, int rank, const long long *dims)
{
	OxValue *v = out_value(x, n, k);
	int slot = ++x->next_var;
	if (!v)
		return slot; /* an output nobody reads: a slot all the same */
	v->var = slot;
	v->rank = rank;
	for (int i = 0; i < rank; i++)
		v->dims[i] = dims[i];
	return slot;
}

/* A Lua string literal for s. */
static const char *lua_str(OxImport *x, const char *s)
{
	OxText t = {.a = x->a};
	ox_text(&t, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			ox_text(&t, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			ox_text(&t, "\\%03u", c);
		else
			ox_text(&t, "%c", c);
	}
	ox_text(&t, "\"");
	return t.s;
}

/* s for a Lua comment: control bytes (a newline would end the comment
 * and start code) and DEL as '?'. */
static const char *comment_str(OxImport *x, const char *s)
{
	char *t = arena_strdup(x->a, s);
	for (char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return t;
}

/* ---- names and weights ---- */

/* The slot of name in the table of layer names (empty: not in use). */
static int name_slot(const OxImport *x, const char *s)
{
	unsigned h = ox_hash(s) & (unsigned)(x->cap_names - 1);
	while (x->names[h] && strcmp(x->names[h], s))
		h = (h + 1) & (unsigned)(x->cap_names - 1);
	return (int)h;
}

static bool name_used(const OxImport *x, const char *s)
{
	return x->cap_names && x->names[name_slot(x, s)];
}

/* Marks name as used (it is not yet); returns its slot. */
static int layer_name_add(OxImport *x, const char *name)
{
	if (2 * (x->n_names + 1) > x->cap_names) {
		const char **old = x->names;
		int *old_next = x->name_next, old_cap = x->cap_names;
		x->cap_names = old_cap ? 2 * old_cap : 64;
		x->names = arena_alloc(x->a, (size_t)x->cap_names * sizeof *x->names);
		x->name_next = arena_alloc(x->a, (size_t)x->cap_names * sizeof *x->name_next);
		for (int i = 0; i < old_cap; i++)
			if (old[i]) {
				int h = name_slot(x, old[i]);
				x->names[h] = old[i];
				x->name_next[h] = old_next[i];
			}
	}
	int h = name_slot(x, name);
	x->names[h] = name;
	x->name_next[h] = 2;
	x->n_names++;
	return h;
}

#define NAME_SUFFIX 12 /* bytes unique_name's "_K" may add: '_' and an int */

/* s as a name the model language takes (ir_valid_name): '/' and ':'
 * become '.' (torch.onnx's "/layer1/conv1/Conv", "onnx::Conv_3"), any
 * other character it does not take '_', and a long name is cut to leave
 * room for unique_name's "_K". NULL for an empty s. */
static const char *dsl_name(OxImport *x, const char *s)
{
	size_t len = strlen(s), most = IR_MAX_NAME - NAME_SUFFIX;
	if (!len)
		return NULL;
	char *t = arena_strdup(x->a, s);
	if (len > most)
		t[len = most] = 0;
	for (size_t i = 0; i < len; i++)
		if (t[i] == '/' || t[i] == ':')
			t[i] = '.';
		else if (!ir_valid_name(t + i, 1))
			t[i] = '_';
	return t;
}

/* What a layer's weights' keys add to its name (batch_norm has all four). */
static const char *const key_suffix[4] = {"weight", "bias", "running_mean", "running_var"};

/* Whether name may not be given: it is in use, or one of the keys its
 * weights would have is (a param's own name, "conv.bias"); it has the
 * form the model language gives a layer without a name ("relu_1",
 * ir_auto_name), which it would then refuse as used; or it is
 * safetensors' own "__metadata__". The table holds the names given and
 * the weights' keys (add_weight), so the file holds each key once. */
static bool name_taken(OxImport *x, const char *name)
{
	if (name_used(x, name) || ir_auto_name(name) || !strcmp(name, "__metadata__"))
		return true;
	for (size_t i = 0; i < sizeof key_suffix / sizeof *key_suffix; i++)
		if (name_used(x, arena_printf(x->a, "%s.%s", name, key_suffix[i])))
			return true;
	return false;
}

/* base, or base_K for the first K that makes it free, marked as used. */
static const char *unique_name(OxImport *x, const char *base)
{
	if (!name_taken(x, base)) {
		layer_name_add(x, base);
		return base;
	}
	/* base_K from the next K not tried for base (names are used once) */
	if (!name_used(x, base))
		layer_name_add(x, base); /* taken otherwise: its slot counts the K */
	int k = x->name_next[name_slot(x, base)];
	const char *name;
	while (name_taken(x, name = arena_printf(x->a, "%s_%d", base, k)))
		k++;
	x->name_next[name_slot(x, base)] = k + 1;
	layer_name_add(x, name);
	return name;
}

/* A layer name used once: from the initializer wname when it ends in
 * ".weight", else from the node's name, else op_K; made a name the
 * model language takes (dsl_name). */
static const char *layer_name(OxImport *x, const Onnx__NodeProto *n, const char *wname)
{
	const char *base = NULL;
	size_t wl = wname ? strlen(wname) : 0;
	if (wl > 7 && !strcmp(wname + wl - 7, ".weight"))
		base = dsl_name(x, arena_printf(x->a, "%.*s", (int)(wl - 7), wname));
	else if (n->name && *n->name)
		base = dsl_name(x, n->name[0] == '/' ? n->name + 1 : n->name);
	if (!base)
		base = dsl_name(x, arena_printf(x->a, "%s_%d", n->op_type, x->next_var + 1));
	return unique_name(x, base);
}

/* Adds weight key with dims (rank of them) and data f. */
static void add_weight(OxImport *x, const char *name, const char *suffix, int rank, const long long *dims,
                       const float *f)
{
	const char *key = *suffix ? arena_printf(x->a, "%s.%s", name, suffix) : name;
	if (*suffix) { /* a param's key is its name, in the table already */
		if (name_used(x, key))
			BUG("weight key '%s' written twice", key);
		layer_name_add(x, key);
	}
	x->w = arena_grow(x->a, x->w, x->n_w, &x->cap_w, sizeof *x->w);
	OxWeight *w = &x->w[x->n_w++];
	w->key = key;
	w->rank = rank;
	w->count = 1;
	for (int i = 0; i < rank; i++) {
		w->dims[i] = dims[i];
		w->count = ir_mul(w->count, dims[i]);
	}
	w->f = f;
}

/* A constant's floats as weight NAME.suffix, of the given dims. */
static void weight(OxImport *x, const char *name, const char *suffix, const OxTensor *t, int rank,
                   const long long *dims)
{
	const float *f = t->f;
	if (!t->is_float) {
		float *g = arena_alloc(x->a, (size_t)(t->count + 1) * sizeof *g);
		for (long long i = 0; i < t->count; i++)
			g[i] = (float)t->i[i];
		f = g;
	}
	add_weight(x, name, suffix, rank, dims, f);
}

/* Whether v may be a norm's epsilon in the model language: a number
 * above 0 a float holds. */
static bool positive_number(double v) { return v > 0 && ir_valid_number(v); }

/* A norm node's epsilon attribute (default 1e-5) into *eps; NULL, or why
 * it cannot be one. */
static const char *epsilon(const Onnx__NodeProto *n, double *eps)
{
	*eps = attr_float(n, "epsilon", 1e-5);
	return positive_number(*eps) ? NULL : "an epsilon that is not a float above 0";
}

/* ---- statements ---- */

static void stmt(OxImport *x, int slot, const Onnx__NodeProto *n, const char *fmt, ...) PRINTF(4, 5);
static void stmt(OxImport *x, int slot, const Onnx__NodeProto *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		BUG("vsnprintf failed");
	char *buf = arena_alloc(x->a, (size_t)len + 1); /* names may be long: never cut */
	va_start(ap, fmt);
	vsnprintf(buf, (size_t)len + 1, fmt, ap);
	va_end(ap);
	OxValue *v = out_value(x, n, 0);
	ox_text(&x->lua, "v[%d] = %s -- %s", slot, buf, v ? dims_str(x, v->rank, v->dims) : "");
	ox_text(&x->lua, "\n");
}

/* v as the shortest decimal that reads back as the same float. */
static const char *num(OxImport *x, double v)
{
	for (int prec = 6; prec < 9; prec++) {
		char *s = arena_printf(x->a, "%.*g", prec, v);
		if ((float)strtod(s, NULL) == (float)v)
			return s;
	}
	return arena_printf(x->a, "%.9g", v);
}

/* "{a, b}" of a pair, or "a" when both are equal. */
static const char *pair(OxImport *x, long long a, long long b)
{
	return a == b ? arena_printf(x->a, "%lld", a) : arena_printf(x->a, "{ %lld, %lld }", a, b);
}

/* The DSL's list "{ a, b, ... }" of d[0..n). */
static const char *int_list(OxImport *x, int n, const long long *d)
{
	OxText t = {.a = x->a};
	ox_text(&t, "{ ");
	for (int i = 0; i < n; i++)
		ox_text(&t, "%s%lld", i ? ", " : "", d[i]);
	ox_text(&t, " }");
	return t.s;
}

/* The output's value takes the input's slot: nothing to write. */
static void alias(OxImport *x, const Onnx__NodeProto *n, const OxValue *in)
{
	OxValue *o = out_value(x, n, 0);
	if (!o)
		return;
	o->var = in->var;
	o->rank = in->rank;
	memcpy(o->dims, in->dims, sizeof o->dims);
	memcpy(o->pad, in->pad, sizeof o->pad);
}

/* ---- spatial options (conv, pools) ---- */

/* A window's kernel, stride, dilation and symmetric padding over H, W. */
typedef struct {
	long long k[2], s[2], d[2], p[2]; /* kernel, stride, dilation, padding per side */
	long long extra[2][2];             /* asym: padding beyond p on H and W, before and
	                                      after (for a pad op ahead of the window) */
	long long out[2];                  /* output H, W */
} Window;

/* Reads strides, dilations, pads and auto_pad of n for input dims
 * (N, C, H, W) and kernel k; ceil: pools' ceil_mode; asym: asymmetric
 * pads allowed (their excess over the smaller side in w->extra). */
static const char *window(OxImport *x, const Onnx__NodeProto *n, const OxValue *iv, Window *w, bool ceil, bool asym)
{
	const long long *in = iv->dims;
	long long v[4];
	int c;
	w->s[0] = w->s[1] = w->d[0] = w->d[1] = 1;
	if ((c = ox_attr_ints(n, "strides", v, 2)) != 0) {
		if (c != 2)
			return "strides for 2 spatial dims only (3-D and 1-D are not supported)";
		w->s[0] = v[0], w->s[1] = v[1];
	}
	if ((c = ox_attr_ints(n, "dilations", v, 2)) != 0) {
		if (c != 2)
			return "dilations for 2 spatial dims only";
		w->d[0] = v[0], w->d[1] = v[1];
	}
	long long pads[4] = {0, 0, 0, 0};
	if ((c = ox_attr_ints(n, "pads", pads, 4)) != 0 && c != 4)
		return "pads for 2 spatial dims only";
	for (int i = 0; i < 2; i++)
		if (w->s[i] < 1 || w->d[i] < 1 || w->k[i] < 1 || w->s[i] > IR_MAX_DIM || w->d[i] > IR_MAX_DIM)
			return "a stride, dilation or kernel size below 1 or over 2^24";
	bool upper = attr_str_is(n, "auto_pad", "NOTSET", "SAME_UPPER");
	bool lower = attr_str_is(n, "auto_pad", "NOTSET", "SAME_LOWER");
	bool valid = attr_str_is(n, "auto_pad", "NOTSET", "VALID");
	if (!upper && !lower && !valid && !attr_str_is(n, "auto_pad", "NOTSET", "NOTSET"))
		return "an auto_pad other than NOTSET, SAME_UPPER, SAME_LOWER or VALID";
	if ((iv->pad[0] || iv->pad[1]) && (upper || lower || valid))
		return "a Pad before a window with auto_pad";
	for (int i = 0; i < 2; i++) {
		pads[i] += iv->pad[i];
		pads[i + 2] += iv->pad[i];
	}
	for (int i = 0; i < 2; i++) {
		long long span = w->d[i] * (w->k[i] - 1) + 1;
		if (valid)
			pads[i] = pads[i + 2] = 0;
		if (upper || lower) {
			long long o = (in[2 + i] + w->s[i] - 1) / w->s[i];
			long long total = (o - 1) * w->s[i] + span - in[2 + i];
			total = total < 0 ? 0 : total;
			pads[i] = upper ? total / 2 : total - total / 2;
			pads[i + 2] = total - pads[i];
		}
		if (pads[i] != pads[i + 2] && !asym)
			return arena_printf(x->a, "asymmetric pads (%lld before, %lld after on %s); a pool takes one "
			                    "padding per side", pads[i], pads[i + 2], i ? "W" : "H");
		if (pads[i] < 0 || pads[i] > IR_MAX_DIM || pads[i + 2] < 0 || pads[i + 2] > IR_MAX_DIM)
			return "a negative padding";
		w->p[i] = pads[i] < pads[i + 2] ? pads[i] : pads[i + 2];
		w->extra[i][0] = pads[i] - w->p[i];
		w->extra[i][1] = pads[i + 2] - w->p[i];
		long long room = in[2 + i] + pads[i] + pads[i + 2] - span;
		if (room < 0)
			return "a window larger than its padded input";
		w->out[i] = (ceil ? (room + w->s[i] - 1) : room) / w->s[i] + 1;
		if (ceil && (w->out[i] - 1) * w->s[i] >= in[2 + i] + w->p[i])
			w->out[i]--;
	}
	return NULL;
}

/* The slot a window reads: in's, or when w's pads are asymmetric, a pad
 * op's of their excess over the window's own padding on the larger sides
 * (value: the pad's option, "" for zeros; whose: for the comment). */
static int pad_extra(OxImport *x, const OxValue *in, const Window *w, const char *value, const char *whose)
{
	if (!w->extra[0][0] && !w->extra[0][1] && !w->extra[1][0] && !w->extra[1][1])
		return in->var;
	int src = ++x->next_var;
	ox_text(&x->lua, "v[%d] = v[%d]:pad { pad = { %lld, %lld, %lld, %lld }%s } -- %s asymmetric pads\n", src,
	        in->var, w->extra[1][0], w->extra[1][1], w->extra[0][0], w->extra[0][1], value, whose);
	return src;
}

/* ---- the rows ---- */

static const char *map_conv(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	const OxTensor *wt = ox_in_const(x, n, 1), *b = ox_in_const(x, n, 2);
	if (!in || in->rank != 4)
		return "an input that is not a 4-D activation (N x C x H x W)";
	if (!wt || wt->rank != 4)
		return "a weight that is not a 4-D initializer";
	if (n->n_input > 2 && *n->input[2] && (!b || b->count != wt->dims[0]))
		return "a bias that is not an initializer of out_channels elements";
	long long g = ox_attr_int(n, "group", 1);
	if (g < 1 || in->dims[1] != ir_mul(wt->dims[1], g) || wt->dims[0] % g)
		return "a group count that does not divide the channels";
	long long ks[2];
	int nk = ox_attr_ints(n, "kernel_shape", ks, 2);
	if (nk != 0 && (nk != 2 || ks[0] != wt->dims[2] || ks[1] != wt->dims[3]))
		return "a kernel_shape that differs from the weight's";
	Window w = {.k = {wt->dims[2], wt->dims[3]}};
	const char *why = window(x, n, in, &w, false, true);
	if (why)
		return why;
	const char *name = layer_name(x, n, n->input[1]);
	long long od[4] = {in->dims[0], wt->dims[0], w.out[0], w.out[1]};
	int src = pad_extra(x, in, &w, "", arena_printf(x->a, "%s's", comment_str(x, name))); /* zeros */
	int slot = new_act(x, n, 0, 4, od);
	OxText o = {.a = x->a};
	ox_text(&o, "name = %s, out_channels = %lld, kernel_size = %s", lua_str(x, name), wt->dims[0],
	        pair(x, w.k[0], w.k[1]));
	if (w.s[0] != 1 || w.s[1] != 1)
		ox_text(&o, ", stride = %s", pair(x, w.s[0], w.s[1]));
	if (w.p[0] || w.p[1])
		ox_text(&o, ", padding = %s", pair(x, w.p[0], w.p[1]));
	if (w.d[0] != 1 || w.d[1] != 1)
		ox_text(&o, ", dilation = %s", pair(x, w.d[0], w.d[1]));
	if (g != 1)
		ox_text(&o, ", groups = %lld", g);
	if (!b)
		ox_text(&o, ", bias = false");
	stmt(x, slot, n, "v[%d]:conv2d { %s }", src, o.s);
	weight(x, name, "weight", wt, 4, wt->dims);
	if (b)
		weight(x, name, "bias", b, 1, wt->dims);
	return NULL;
}

/* ConvTranspose as conv_transpose2d: ONNX's pads (b before, e after) and
 * output_padding q crop the full output [b, full + q - e); PyTorch's
 * padding p and output_padding q' crop [p, full + q' - p): p = b,
 * q' = q + b - e, which must be below max(stride, dilation); a q'
 * below 0 is q' 0 and a pad op cropping -q' after. */
static const char *map_conv_transpose(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	const OxTensor *wt = ox_in_const(x, n, 1), *b = ox_in_const(x, n, 2);
	if (!in || in->rank != 4 || in->pad[0] || in->pad[1])
		return "an input that is not a 4-D activation (N x C x H x W; 1-D and 3-D are not supported)";
	if (!wt || wt->rank != 4)
		return "a weight that is not a 4-D initializer";
	long long g = ox_attr_int(n, "group", 1);
	if (g < 1 || g > IR_MAX_DIM || wt->dims[0] != in->dims[1] || in->dims[1] % g)
		return "a group count that does not divide the channels, or a weight not of C input channels";
	long long oc = ir_mul(wt->dims[1], g);
	if (n->n_input > 2 && *n->input[2] && (!b || b->count != oc))
		return "a bias that is not an initializer of out_channels elements";
	long long s[2] = {1, 1}, d[2] = {1, 1}, pads[4] = {0, 0, 0, 0}, q[2] = {0, 0}, shape[4], k[2];
	int c;
	if ((c = ox_attr_ints(n, "kernel_shape", k, 2)) != 0 && (c != 2 || k[0] != wt->dims[2] || k[1] != wt->dims[3]))
		return "a kernel_shape that differs from the weight's";
	k[0] = wt->dims[2], k[1] = wt->dims[3];
	if ((c = ox_attr_ints(n, "strides", s, 2)) != 0 && c != 2)
		return "strides for 2 spatial dims only";
	if ((c = ox_attr_ints(n, "dilations", d, 2)) != 0 && c != 2)
		return "dilations for 2 spatial dims only";
	if ((c = ox_attr_ints(n, "pads", pads, 4)) != 0 && c != 4)
		return "pads for 2 spatial dims only";
	if ((c = ox_attr_ints(n, "output_padding", q, 2)) != 0 && c != 2)
		return "output_padding for 2 spatial dims only";
	int ns = ox_attr_ints(n, "output_shape", shape, 4);
	if (ns < 0 || ns == 1 || ns == 3)
		return "an output_shape that is not of H and W (or N, C, H, W)";
	bool upper = attr_str_is(n, "auto_pad", "NOTSET", "SAME_UPPER");
	bool lower = attr_str_is(n, "auto_pad", "NOTSET", "SAME_LOWER");
	bool valid = attr_str_is(n, "auto_pad", "NOTSET", "VALID");
	if (!upper && !lower && !valid && !attr_str_is(n, "auto_pad", "NOTSET", "NOTSET"))
		return "an auto_pad other than NOTSET, SAME_UPPER, SAME_LOWER or VALID";
	long long p[2], qq[2], crop[2], od[4] = {in->dims[0], oc, 0, 0};
	for (int i = 0; i < 2; i++) {
		if (s[i] < 1 || d[i] < 1 || s[i] > IR_MAX_DIM || d[i] > IR_MAX_DIM || q[i] < 0 || q[i] > IR_MAX_DIM ||
		    pads[i] < 0 || pads[i + 2] < 0 || pads[i] > IR_MAX_DIM || pads[i + 2] > IR_MAX_DIM)
			return "a stride or dilation below 1, or a negative padding or output_padding (or one over 2^24)";
		long long full = (in->dims[2 + i] - 1) * s[i] + d[i] * (k[i] - 1) + 1;
		long long want = ns ? shape[ns - 2 + i] : (upper || lower) ? in->dims[2 + i] * s[i] : -1;
		if (want >= 0) { /* the pads come from the output size */
			long long total = full + q[i] - want;
			if (total < 0) { /* beyond the full output: more output_padding */
				q[i] -= total;
				total = 0;
			}
			pads[i] = upper ? total / 2 : total - total / 2;
			pads[i + 2] = total - pads[i];
		} else if (valid) {
			pads[i] = pads[i + 2] = 0;
		}
		p[i] = pads[i];
		qq[i] = q[i] + pads[i] - pads[i + 2];
		crop[i] = qq[i] < 0 ? -qq[i] : 0; /* more after than before: cropped by a pad op */
		qq[i] += crop[i];
		if (qq[i] >= (s[i] > d[i] ? s[i] : d[i]) || crop[i] > IR_MAX_DIM)
			return arena_printf(x->a, "pads %lld before, %lld after with output_padding %lld on %s: "
			                    "conv_transpose2d takes one padding per side and an output_padding below the "
			                    "stride or the dilation", pads[i], pads[i + 2], q[i], i ? "W" : "H");
		od[2 + i] = full + q[i] - pads[i] - pads[i + 2];
		if (od[2 + i] < 1)
			return "an output dim below 1";
	}
	const char *name = layer_name(x, n, n->input[1]);
	int slot = crop[0] || crop[1] ? ++x->next_var : new_act(x, n, 0, 4, od);
	OxText o = {.a = x->a};
	ox_text(&o, "name = %s, out_channels = %lld, kernel_size = %s", lua_str(x, name), oc, pair(x, k[0], k[1]));
	if (s[0] != 1 || s[1] != 1)
		ox_text(&o, ", stride = %s", pair(x, s[0], s[1]));
	if (p[0] || p[1])
		ox_text(&o, ", padding = %s", pair(x, p[0], p[1]));
	if (qq[0] || qq[1])
		ox_text(&o, ", output_padding = %s", pair(x, qq[0], qq[1]));
	if (d[0] != 1 || d[1] != 1)
		ox_text(&o, ", dilation = %s", pair(x, d[0], d[1]));
	if (g != 1)
		ox_text(&o, ", groups = %lld", g);
	if (!b)
		ox_text(&o, ", bias = false");
	if (crop[0] || crop[1]) {
		ox_text(&x->lua, "v[%d] = v[%d]:conv_transpose2d { %s }\n", slot, in->var, o.s);
		int cropped = new_act(x, n, 0, 4, od);
		stmt(x, cropped, n, "v[%d]:pad { pad = { 0, %lld, 0, %lld } }", slot, -crop[1], -crop[0]);
	} else {
		stmt(x, slot, n, "v[%d]:conv_transpose2d { %s }", in->var, o.s);
	}
	weight(x, name, "weight", wt, 4, wt->dims);
	if (b)
		weight(x, name, "bias", b, 1, &oc);
	return NULL;
}

static const char *map_batch_norm(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	if (!in || in->rank != 4)
		return "an input that is not a 4-D activation";
	if (ox_attr_int(n, "training_mode", 0) || (n->n_output > 1 && *n->output[1]))
		return "training mode (running statistics as outputs)";
	const OxTensor *t[4];
	for (int k = 0; k < 4; k++) {
		t[k] = ox_in_const(x, n, (size_t)k + 1);
		if (!t[k] || t[k]->count != in->dims[1])
			return "scale, bias, mean and variance that are not initializers of C elements";
	}
	double eps;
	const char *why = epsilon(n, &eps);
	if (why)
		return why;
	const char *name = layer_name(x, n, n->input[1]);
	int slot = new_act(x, n, 0, 4, in->dims);
	stmt(x, slot, n, "v[%d]:batch_norm { name = %s, eps = %s }", in->var, lua_str(x, name), num(x, eps));
	for (int k = 0; k < 4; k++)
		weight(x, name, key_suffix[k], t[k], 1, &in->dims[1]);
	return NULL;
}

/* linear { out_features = N } on a (B x ... x K) input from weight [N, K]
 * (transposed from [K, N] when trans) and bias c (NULL: none). */
static const char *linear(OxImport *x, const Onnx__NodeProto *n, const Onnx__NodeProto *last, OxValue *in,
                          const OxTensor *w, bool trans, const OxTensor *c, const char *wname, float alpha, float beta)
{
	if (!in || in->rank < 2)
		return "an input that is not 2-D to 4-D (N x ... x features)";
	if (!w || w->rank != 2 || !w->is_float)
		return "a weight that is not a 2-D float initializer";
	long long nout = trans ? w->dims[1] : w->dims[0], k = trans ? w->dims[0] : w->dims[1];
	if (k != in->dims[in->rank - 1])
		return "a weight whose inner dim differs from the input's features";
	if (c && ((c->count != nout && c->count != 1) || (c->rank == 2 && c->dims[0] != 1) || c->rank > 2))
		return "a bias that is not of out_features elements (or one) along the features (C of [N] or [1, N])";
	const char *name = layer_name(x, n, wname);
	long long od[OX_MAX_RANK];
	memcpy(od, in->dims, sizeof od);
	od[in->rank - 1] = nout;
	int slot = new_act(x, last, 0, in->rank, od);
	stmt(x, slot, last, "v[%d]:linear { name = %s, out_features = %lld%s }", in->var, lua_str(x, name), nout,
	     c ? "" : ", bias = false");
	long long wd[2] = {nout, k};
	if (trans || alpha != 1) { /* Gemm's alpha and beta are folded into the weight and bias */
		float *f = arena_alloc(x->a, (size_t)(nout * k + 1) * sizeof *f);
		for (long long i = 0; i < nout; i++)
			for (long long j = 0; j < k; j++)
				f[i * k + j] = alpha * w->f[trans ? j * nout + i : i * k + j];
		add_weight(x, name, "weight", 2, wd, f);
	} else {
		weight(x, name, "weight", w, 2, wd);
	}
	if (c) {
		float *f = arena_alloc(x->a, (size_t)(nout + 1) * sizeof *f);
		for (long long i = 0; i < nout; i++)
			f[i] = beta * (c->is_float ? c->f[c->count == 1 ? 0 : i] : (float)c->i[c->count == 1 ? 0 : i]);
		add_weight(x, name, "bias", 1, &nout, f);
	}
	return NULL;
}

static const char *map_gemm(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	if (ox_attr_int(n, "transA", 0))
		return "transA (the input transposed)";
	OxValue *in = in_act(x, n, 0);
	if (in && in->rank != 2)
		return "an input that is not 2-D";
	const OxTensor *c = ox_in_const(x, n, 2);
	if (n->n_input > 2 && *n->input[2] && !c)
		return "a C that is not an initializer";
	return linear(x, n, n, in_act(x, n, 0), ox_in_const(x, n, 1), !ox_attr_int(n, "transB", 0), c, n->input[1],
	              (float)attr_float(n, "alpha", 1), (float)attr_float(n, "beta", 1));
}

/* The one node that reads value name, if it alone reads it. */
static int only_user(OxImport *x, int at, const char *name)
{
	OxValue *v = ox_value(x, name);
	if (!v || v->users != 1 || v->reader <= at)
		return -1;
	const Onnx__NodeProto *n = x->order[v->reader];
	int r = op_row(n);
	return r >= 0 && !counts(x, r, n) ? v->reader : -1; /* patterns read its inputs and outputs */
}

static bool is_op(const Onnx__NodeProto *n, const char *op)
{
	return !strcmp(n->op_type, op) && (!n->domain || !*n->domain);
}

/* The initializer a MatMul's weight comes from: through a folded
 * Transpose (torch.onnx's N-d Linear without constant folding), its input. */
static const char *matmul_weight_name(OxImport *x, const Onnx__NodeProto *n)
{
	OxValue *v = ox_value(x, n->input[1]);
	if (v && v->def >= 0 && is_op(x->order[v->def], "Transpose") && x->order[v->def]->n_input == 1)
		return x->order[v->def]->input[0];
	return n->input[1];
}

static const char *map_matmul(OxImport *x, int at, const Onnx__NodeProto *n)
{
	/* MatMul + Add of a bias: one linear */
	int u = only_user(x, at, n->output[0]);
	if (u >= 0 && is_op(x->order[u], "Add") && x->order[u]->n_input == 2) {
		const Onnx__NodeProto *add = x->order[u];
		int other = strcmp(add->input[0], n->output[0]) ? 0 : 1;
		const OxTensor *c = later_const(x, add, (size_t)other);
		const OxTensor *w = ox_in_const(x, n, 1);
		if (c && w && w->rank == 2 && c->count == w->dims[1] && (c->rank == 1 || (c->rank == 2 && c->dims[0] == 1))) {
			const char *why = linear(x, n, add, in_act(x, n, 0), w, true, c, matmul_weight_name(x, n), 1, 1);
			if (!why)
				x->consumed[u] = true;
			return why;
		}
	}
	return linear(x, n, n, in_act(x, n, 0), ox_in_const(x, n, 1), true, NULL, matmul_weight_name(x, n), 1, 1);
}

/* A gate g(x) read only by Mul(x, g(x)): silu for Sigmoid (torch.onnx's
 * SiLU), hardswish for PyTorch's HardSigmoid (its HardSwish before opset
 * 14), as call. */
static bool self_gated(OxImport *x, int at, const Onnx__NodeProto *n, const OxValue *in, const char *call)
{
	int m = only_user(x, at, n->output[0]);
	if (m < 0 || !is_op(x->order[m], "Mul") || x->order[m]->n_input != 2)
		return false;
	const Onnx__NodeProto *mul = x->order[m];
	const char *other = strcmp(mul->input[0], n->output[0]) ? mul->input[0] : mul->input[1];
	if (strcmp(other, in->name))
		return false;
	x->consumed[m] = true;
	int slot = new_act(x, mul, 0, in->rank, in->dims);
	stmt(x, slot, mul, "v[%d]:%s", in->var, call);
	return true;
}

/* Activations without weights: ONNX op, DSL method. */
static const char *map_act(OxImport *x, int at, const Onnx__NodeProto *n)
{
	OxValue *in = in_act(x, n, 0);
	if (!in)
		return "an input that is not an activation";
	const char *op = n->op_type, *call;
	if (!strcmp(op, "Sigmoid") && self_gated(x, at, n, in, "silu()"))
		return NULL;
	if (!strcmp(op, "Relu"))
		call = "relu()";
	else if (!strcmp(op, "Sigmoid"))
		call = "sigmoid()";
	else if (!strcmp(op, "Tanh"))
		call = "tanh()";
	else if (!strcmp(op, "HardSwish"))
		call = "hardswish()";
	else if (!strcmp(op, "LeakyRelu") || !strcmp(op, "Elu")) {
		bool leaky = op[0] == 'L';
		double alpha = attr_float(n, "alpha", leaky ? 0.01 : 1.0);
		if (!ir_valid_number(alpha))
			return "an alpha that is not a finite float";
		call = arena_printf(x->a, leaky ? "leaky_relu { negative_slope = %s }" : "elu { alpha = %s }", num(x, alpha));
	} else { /* HardSigmoid */
		if (!(fabs(attr_float(n, "alpha", 0.2) - 1.0 / 6) <= 1e-6) || attr_float(n, "beta", 0.5) != 0.5)
			return "alpha and beta other than 1/6 and 1/2 (PyTorch's hardsigmoid)";
		if (self_gated(x, at, n, in, "hardswish()"))
			return NULL;
		call = "hardsigmoid()";
	}
	int slot = new_act(x, n, 0, in->rank, in->dims);
	stmt(x, slot, n, "v[%d]:%s", in->var, call);
	return NULL;
}

static const char *map_clip(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	if (!in)
		return "an input that is not an activation";
	double lo = -FLT_MAX, hi = FLT_MAX;
	if (x->opset < 11) {
		lo = attr_float(n, "min", lo);
		hi = attr_float(n, "max", hi);
	} else {
		for (size_t k = 1; k < 3; k++) {
			if (n->n_input <= k || !*n->input[k])
				continue;
			const OxTensor *t = ox_in_const(x, n, k);
			if (!t || t->count != 1)
				return "min or max that is not a constant scalar";
			*(k == 1 ? &lo : &hi) = t->is_float ? t->f[0] : (double)t->i[0];
		}
	}
	/* the DSL's number options are floats of |x| <= 3.4e38: FLT_MAX, the
	 * exporters' "no bound", is held just inside */
	if (isnan(lo) || isnan(hi))
		return "a min or max that is NaN";
	lo = lo < -3.4e38 ? -3.4e38 : lo;
	hi = hi > 3.4e38 ? 3.4e38 : hi;
	if (lo > hi)
		return "min above max";
	int slot = new_act(x, n, 0, in->rank, in->dims);
	if (lo == 0 && hi == 6)
		stmt(x, slot, n, "v[%d]:relu6()", in->var);
	else if (lo == 0 && hi >= 3.4e38)
		stmt(x, slot, n, "v[%d]:relu()", in->var);
	else
		stmt(x, slot, n, "v[%d]:hardtanh { min_val = %s, max_val = %s }", in->var, num(x, lo), num(x, hi));
	return NULL;
}

static const char *map_prelu(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	const OxTensor *s = ox_in_const(x, n, 1);
	if (!in || in->rank < 2)
		return "an input that is not an activation of rank 2 or 4";
	if (!s || (s->count != 1 && s->count != in->dims[1]) || s->rank > in->rank)
		return "a slope that is not one value or one per channel";
	/* it broadcasts from the right: only its dim on axis 1 may be C */
	for (int i = 0; i < s->rank; i++)
		if (s->dims[i] != 1 && i + in->rank - s->rank != 1)
			return "a slope that varies along an axis other than the channels (it broadcasts from the right)";
	const char *name = layer_name(x, n, n->input[1]);
	int slot = new_act(x, n, 0, in->rank, in->dims);
	stmt(x, slot, n, "v[%d]:prelu { name = %s, num_parameters = %lld }", in->var, lua_str(x, name), s->count);
	weight(x, name, "weight", s, 1, &s->count);
	return NULL;
}

static const char *map_pool(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	bool max = !strcmp(n->op_type, "MaxPool");
	OxValue *in = in_act(x, n, 0);
	if (!in || in->rank != 4)
		return "an input that is not a 4-D activation (3-D and 1-D pools are not supported)";
	if (n->n_output > 1 && *n->output[1])
		return "the Indices output";
	long long k[2];
	if (ox_attr_ints(n, "kernel_shape", k, 2) != 2)
		return "a kernel_shape that is not 2-D";
	if (ox_attr_int(n, "storage_order", 0))
		return "storage_order 1";
	if (in->pad[0] || in->pad[1]) {
		long long own[4];
		if (max)
			return "a zero Pad before a max pool";
		if (ox_attr_ints(n, "pads", own, 4) == 4 && (own[0] || own[1] || own[2] || own[3]) &&
		    !ox_attr_int(n, "count_include_pad", 0))
			return "a Pad before an average pool with pads of its own and count_include_pad 0";
	}
	Window w = {.k = {k[0], k[1]}};
	bool ceil = ox_attr_int(n, "ceil_mode", 0) != 0;
	const char *why = window(x, n, in, &w, ceil, true);
	if (why)
		return why;
	if (w.d[0] != 1 || w.d[1] != 1)
		return "dilations in a pool";
	if (2 * w.p[0] > w.k[0] || 2 * w.p[1] > w.k[1])
		return "padding over half the kernel";
	bool asym = w.extra[0][0] || w.extra[0][1] || w.extra[1][0] || w.extra[1][1];
	bool exclude = !max && !ox_attr_int(n, "count_include_pad", 0);
	if (asym && (ceil || exclude))
		return ceil ? "asymmetric pads with ceil_mode" /* where the last window starts differs */
		            : "asymmetric pads with count_include_pad 0 (the average counts the pad op's zeros)";
	for (int i = 0; i < 2 && asym; i++)
		if (w.p[i] + w.extra[i][0] >= w.k[i] || w.p[i] + w.extra[i][1] >= w.k[i])
			return "asymmetric pads as wide as the kernel (a window of padding alone)";
	/* the excess of asymmetric pads: -FLT_MAX (the most negative value a
	 * pad takes) for a max pool, zeros counted in the average */
	int src = pad_extra(x, in, &w, max ? ", value = -3.4028234663852886e+38" : "", "the pool's");
	long long od[4] = {in->dims[0], in->dims[1], w.out[0], w.out[1]};
	int slot = new_act(x, n, 0, 4, od);
	OxText o = {.a = x->a};
	ox_text(&o, "kernel_size = %s, stride = %s", pair(x, w.k[0], w.k[1]), pair(x, w.s[0], w.s[1]));
	if (w.p[0] || w.p[1])
		ox_text(&o, ", padding = %s", pair(x, w.p[0], w.p[1]));
	if (ceil)
		ox_text(&o, ", ceil_mode = true");
	if (!max && !ox_attr_int(n, "count_include_pad", 0) && !in->pad[0] && !in->pad[1] && (w.p[0] || w.p[1]))
		ox_text(&o, ", count_include_pad = false");
	stmt(x, slot, n, "v[%d]:%s { %s }", src, max ? "max_pool2d" : "avg_pool2d", o.s);
	return NULL;
}

static const char *map_global_pool(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	if (!in || in->rank != 4)
		return "an input that is not a 4-D activation";
	long long od[4] = {in->dims[0], in->dims[1], 1, 1};
	int slot = new_act(x, n, 0, 4, od);
	if (!strcmp(n->op_type, "GlobalAveragePool"))
		stmt(x, slot, n, "v[%d]:global_avg_pool()", in->var);
	else
		stmt(x, slot, n, "v[%d]:max_pool2d { kernel_size = %s }", in->var, pair(x, in->dims[2], in->dims[3]));
	return NULL;
}

/* The node after at that reads name and is an op, or -1. */
static int reader_op(OxImport *x, int at, const char *name, const char *op)
{
	for (int j = at + 1; j < x->n_node; j++) {
		const Onnx__NodeProto *m = x->order[j];
		if (!x->consumed[j] && is_op(m, op))
			for (size_t k = 0; k < m->n_input; k++)
				if (!strcmp(m->input[k], name))
					return j;
	}
	return -1;
}

/* The one node that reads node j's output, if it is op with two inputs. */
static int next_op(OxImport *x, int j, const char *op)
{
	int u = only_user(x, j, x->order[j]->output[0]);
	return u >= 0 && is_op(x->order[u], op) && x->order[u]->n_input == 2 ? u : -1;
}

/* Its input other than value name. */
static const char *other_input(const Onnx__NodeProto *n, const char *name)
{
	return strcmp(n->input[0], name) ? n->input[0] : n->input[1];
}

/* A ReduceMean over the last axis opening torch.onnx's LayerNorm before
 * opset 17: d = x - mean(x); d / sqrt(mean(d ^ 2) + eps) * weight + bias
 * (ReduceMean, Sub, Pow 2, ReduceMean, Add, Sqrt, Div, Mul, Add). */
static bool layer_norm_parts(OxImport *x, int at, const OxValue *in)
{
	int last = in->rank - 1;
	int sub = next_op(x, at, "Sub");
	if (sub < 0 || strcmp(x->order[sub]->input[0], in->name))
		return false;
	const char *d = x->order[sub]->output[0];
	OxValue *dv = ox_value(x, d);
	int pw = reader_op(x, sub, d, "Pow"), div = reader_op(x, sub, d, "Div");
	if (!dv || dv->users != 2 || pw < 0 || div < 0 || x->order[pw]->n_input != 2 || x->order[div]->n_input != 2 ||
	    strcmp(x->order[pw]->input[0], d) || strcmp(x->order[div]->input[0], d))
		return false;
	const OxTensor *two = later_const(x, x->order[pw], 1);
	int r2 = only_user(x, pw, x->order[pw]->output[0]);
	if (!two || two->count != 1 || (two->is_float ? two->f[0] != 2 : two->i[0] != 2) || r2 < 0 ||
	    !is_op(x->order[r2], "ReduceMean"))
		return false;
	long long ax[2];
	if (ox_attr_ints(x->order[r2], "axes", ax, 2) != 1 || (ax[0] != -1 && ax[0] != last) ||
	    !ox_attr_int(x->order[r2], "keepdims", 1))
		return false;
	int add = next_op(x, r2, "Add"), sq = add >= 0 ? only_user(x, add, x->order[add]->output[0]) : -1;
	const OxTensor *eps = add >= 0 ? later_const(x, x->order[add], strcmp(x->order[add]->input[0],
	                                             x->order[r2]->output[0]) ? 0 : 1) : NULL;
	if (!eps || eps->count != 1 || !eps->is_float || !positive_number(eps->f[0]) || sq < 0 ||
	    !is_op(x->order[sq], "Sqrt") ||
	    only_user(x, sq, x->order[sq]->output[0]) != div || strcmp(x->order[div]->input[1], x->order[sq]->output[0]))
		return false;
	int mul = next_op(x, div, "Mul"), bias = mul >= 0 ? next_op(x, mul, "Add") : -1;
	if (bias < 0)
		return false;
	const char *wname = other_input(x->order[mul], x->order[div]->output[0]);
	const OxTensor *w = later_const(x, x->order[mul], strcmp(x->order[mul]->input[0], wname) ? 1 : 0);
	const OxTensor *b = later_const(x, x->order[bias],
	                                strcmp(x->order[bias]->input[0], x->order[mul]->output[0]) ? 0 : 1);
	long long c = in->dims[last];
	if (!w || !b || !w->is_float || !b->is_float || w->count != c || b->count != c ||
	    w->rank < 1 || b->rank < 1 || w->dims[w->rank - 1] != c || b->dims[b->rank - 1] != c) /* the last dim */
		return false;
	int parts[] = {sub, pw, r2, add, sq, div, mul, bias};
	for (size_t k = 0; k < sizeof parts / sizeof *parts; k++)
		x->consumed[parts[k]] = true;
	const Onnx__NodeProto *end = x->order[bias];
	const char *name = layer_name(x, x->order[mul], wname);
	int slot = new_act(x, end, 0, in->rank, in->dims);
	stmt(x, slot, end, "v[%d]:layer_norm { name = %s, normalized_shape = %lld, eps = %s }", in->var,
	     lua_str(x, name), c, num(x, eps->f[0]));
	weight(x, name, "weight", w, 1, &c);
	weight(x, name, "bias", b, 1, &c);
	return true;
}

static const char *map_reduce_mean(OxImport *x, int at, const Onnx__NodeProto *n)
{
	OxValue *in = in_act(x, n, 0);
	long long ax[4];
	int na = ox_attr_ints(n, "axes", ax, 4);
	if (in && in->rank >= 2 && na == 1 && (ax[0] == -1 || ax[0] == in->rank - 1) && ox_attr_int(n, "keepdims", 1) &&
	    layer_norm_parts(x, at, in))
		return NULL;
	if (!in || in->rank != 4 || na != 2)
		return "axes other than H and W of a 4-D activation";
	for (int i = 0; i < 2; i++)
		ax[i] = ax[i] < 0 ? ax[i] + 4 : ax[i];
	if (!((ax[0] == 2 && ax[1] == 3) || (ax[0] == 3 && ax[1] == 2)))
		return "axes other than H and W (2, 3)";
	bool keep = ox_attr_int(n, "keepdims", 1) != 0;
	long long od[4] = {in->dims[0], in->dims[1], 1, 1};
	int slot = new_act(x, n, 0, keep ? 4 : 2, od);
	stmt(x, slot, n, "v[%d]:mean { dim = { 2, 3 }%s }", in->var, keep ? ", keepdim = true" : "");
	return NULL;
}

/* flatten of a 4-D activation into N x CHW. */
static void flatten(OxImport *x, const Onnx__NodeProto *n, const OxValue *in)
{
	long long od[2] = {in->dims[0], ir_mul(ir_mul(in->dims[1], in->dims[2]), in->dims[3])};
	int slot = new_act(x, n, 0, 2, od);
	stmt(x, slot, n, "v[%d]:flatten()", in->var);
}

static const char *map_flatten(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	long long axis = ox_attr_int(n, "axis", 1);
	if (!in || (in->rank != 4 && in->rank != 2) || (axis != 1 && axis != 1 - in->rank))
		return "axis other than 1, or an input not 2-D or 4-D";
	if (in->rank == 2)
		alias(x, n, in);
	else
		flatten(x, n, in);
	return NULL;
}

/* Reshape [N, g, C/g, H, W] -> Transpose [0, 2, 1, 3, 4] -> Reshape
 * [N, C, H, W]: channel_shuffle with g groups. */
static bool channel_shuffle(OxImport *x, int at, const Onnx__NodeProto *n, const OxValue *in, const long long *d, int rank)
{
	if (rank != 5 || in->rank != 4 || d[0] != in->dims[0] || ir_mul(d[1], d[2]) != in->dims[1] ||
	    d[3] != in->dims[2] || d[4] != in->dims[3])
		return false;
	int t = only_user(x, at, n->output[0]);
	if (t < 0 || !is_op(x->order[t], "Transpose"))
		return false;
	long long perm[5];
	static const long long want[5] = {0, 2, 1, 3, 4};
	if (ox_attr_ints(x->order[t], "perm", perm, 5) != 5 || memcmp(perm, want, sizeof want))
		return false;
	int r = only_user(x, t, x->order[t]->output[0]);
	if (r < 0 || !is_op(x->order[r], "Reshape"))
		return false;
	const OxTensor *s = later_const(x, x->order[r], 1);
	if (!s || s->is_float || s->count != 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (s->i[i] != in->dims[i] && !(s->i[i] == -1 && i > 0) && !(s->i[i] == 0 && i == 0))
			return false;
	x->consumed[t] = x->consumed[r] = true;
	int slot = new_act(x, x->order[r], 0, 4, in->dims);
	stmt(x, slot, x->order[r], "v[%d]:channel_shuffle { groups = %lld }", in->var, d[1]);
	return true;
}

static const char *map_reshape(OxImport *x, int at, const Onnx__NodeProto *n)
{
	OxValue *in = in_act(x, n, 0);
	const OxTensor *s = ox_in_const(x, n, 1);
	if (!in)
		return "an input that is not an activation";
	long long d[OX_MAX_RANK];
	const char *why = ox_reshape_dims(s, ox_attr_int(n, "allowzero", 0) != 0, in->rank, in->dims, d);
	if (why)
		return why;
	if (channel_shuffle(x, at, n, in, d, (int)s->count))
		return NULL;
	bool same = s->count == in->rank;
	for (int i = 0; same && i < in->rank; i++)
		same = d[i] == in->dims[i];
	if (same) {
		alias(x, n, in);
		return NULL;
	}
	if (in->rank == 4 && s->count == 2 && d[0] == in->dims[0]) {
		flatten(x, n, in);
		return NULL;
	}
	if (s->count < 2 || s->count > 4 || d[0] != in->dims[0])
		return arena_printf(x->a, "reshape from %s to %s (reshape keeps the batch, dim 0, and makes 2 to 4 dims)",
		                    dims_str(x, in->rank, in->dims), dims_str(x, (int)s->count, d));
	int slot = new_act(x, n, 0, (int)s->count, d);
	stmt(x, slot, n, "v[%d]:reshape { shape = %s }", in->var, int_list(x, (int)s->count, d));
	return NULL;
}

static const char *map_transpose(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	if (!in || in->pad[0] || in->pad[1])
		return "an input that is not an activation";
	long long perm[OX_MAX_RANK];
	int c = in->rank;
	const char *why = ox_perm(n, c, perm);
	if (why)
		return why;
	if (perm[0] != 0)
		return "a perm that moves the batch (dim 0); permute keeps it first";
	long long od[OX_MAX_RANK];
	bool same = true;
	for (int i = 0; i < c; i++) {
		od[i] = in->dims[perm[i]];
		same &= perm[i] == i;
	}
	if (same) {
		alias(x, n, in);
		return NULL;
	}
	int slot = new_act(x, n, 0, c, od);
	stmt(x, slot, n, "v[%d]:permute { dims = %s }", in->var, int_list(x, c, perm));
	return NULL;
}

/* LayerNormalization (opset 17) over dims axis.. as layer_norm. */
static const char *map_layer_norm(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	if (!in || in->pad[0] || in->pad[1])
		return "an input that is not an activation";
	for (size_t k = 1; k < n->n_output; k++)
		if (*n->output[k] && ox_value(x, n->output[k])->users)
			return "its Mean or InvStdDev output";
	long long axis = ox_attr_int(n, "axis", -1);
	axis = axis < 0 ? axis + in->rank : axis;
	if (axis < 1 || axis >= in->rank)
		return "an axis that is the batch (dim 0) or out of range; layer_norm normalizes trailing dims after it";
	int nd = in->rank - (int)axis;
	long long count = 1;
	for (int i = 0; i < nd; i++)
		count = ir_mul(count, in->dims[axis + i]);
	const OxTensor *sc = ox_in_const(x, n, 1), *b = n->n_input > 2 && *n->input[2] ? ox_in_const(x, n, 2) : NULL;
	if (!sc || sc->count != count)
		return "a Scale that is not an initializer of the normalized shape";
	if (n->n_input > 2 && *n->input[2] && (!b || b->count != count))
		return "a B that is not an initializer of the normalized shape";
	double eps;
	const char *why = epsilon(n, &eps);
	if (why)
		return why;
	const char *name = layer_name(x, n, n->input[1]);
	int slot = new_act(x, n, 0, in->rank, in->dims);
	const char *shape = nd == 1 ? arena_printf(x->a, "%lld", count) : int_list(x, nd, &in->dims[axis]);
	stmt(x, slot, n, "v[%d]:layer_norm { name = %s, normalized_shape = %s, eps = %s }", in->var, lua_str(x, name),
	     shape, num(x, eps));
	weight(x, name, "weight", sc, nd, &in->dims[axis]);
	if (b) {
		weight(x, name, "bias", b, nd, &in->dims[axis]);
	} else { /* no B: zeros */
		float *f = arena_alloc(x->a, (size_t)(count + 1) * sizeof *f);
		memset(f, 0, (size_t)(count + 1) * sizeof *f);
		add_weight(x, name, "bias", nd, &in->dims[axis], f);
	}
	return NULL;
}

/* Softplus -> Tanh -> Mul by the Softplus's input: mish (torch.onnx's
 * Mish before opset 18, where ONNX has no Mish). */
static const char *map_softplus(OxImport *x, int at, const Onnx__NodeProto *n)
{
	OxValue *in = in_act(x, n, 0);
	int t = in ? only_user(x, at, n->output[0]) : -1;
	if (t < 0 || !is_op(x->order[t], "Tanh") || !self_gated(x, t, x->order[t], in, "mish()"))
		return "a Softplus outside Mish's x * tanh(softplus(x))";
	x->consumed[t] = true;
	return NULL;
}

/* Div(x, sqrt 2) -> Erf -> Add 1 -> Mul x -> Mul 0.5: gelu. */
static bool gelu(OxImport *x, int at, const Onnx__NodeProto *n, const OxValue *in, const OxTensor *c)
{
	if (strcmp(n->op_type, "Div") || strcmp(n->input[0], in->name) || !c || c->count != 1 || !c->is_float ||
	    fabs(c->f[0] - 1.41421356) > 1e-5)
		return false; /* x / sqrt(2), not sqrt(2) / x */
	int e = only_user(x, at, n->output[0]);
	if (e < 0 || !is_op(x->order[e], "Erf"))
		return false;
	int a = only_user(x, e, x->order[e]->output[0]);
	if (a < 0 || !is_op(x->order[a], "Add") || x->order[a]->n_input != 2)
		return false;
	const OxTensor *one = later_const(x, x->order[a], strcmp(x->order[a]->input[0], x->order[e]->output[0]) ? 0 : 1);
	if (!one || one->count != 1 || !one->is_float || one->f[0] != 1)
		return false;
	int m = only_user(x, a, x->order[a]->output[0]);
	if (m < 0 || !is_op(x->order[m], "Mul") || x->order[m]->n_input != 2)
		return false;
	const Onnx__NodeProto *mul = x->order[m];
	const char *other = strcmp(mul->input[0], x->order[a]->output[0]) ? mul->input[0] : mul->input[1];
	if (strcmp(other, in->name))
		return false;
	int h = only_user(x, m, mul->output[0]);
	if (h < 0 || !is_op(x->order[h], "Mul") || x->order[h]->n_input != 2)
		return false;
	const OxTensor *half = later_const(x, x->order[h], strcmp(x->order[h]->input[0], mul->output[0]) ? 0 : 1);
	if (!half || half->count != 1 || !half->is_float || half->f[0] != 0.5f)
		return false;
	x->consumed[e] = x->consumed[a] = x->consumed[m] = x->consumed[h] = true;
	int slot = new_act(x, x->order[h], 0, in->rank, in->dims);
	stmt(x, slot, x->order[h], "v[%d]:gelu()", in->var);
	return true;
}

static const char *map_binary(OxImport *x, int at, const Onnx__NodeProto *n)
{
	OxValue *a = ox_in_value(x, n, 0), *b = ox_in_value(x, n, 1);
	const char *fn = !strcmp(n->op_type, "Add") ? "add" : !strcmp(n->op_type, "Sub") ? "sub"
	                 : !strcmp(n->op_type, "Mul") ? "mul" : "div";
	if (!a || !b)
		return "a missing operand";
	OxValue *act = a->c ? b : a;
	const OxTensor *c = a->c ? a->c : b->c;
	if (act->c || !act->var)
		return "no activation operand";
	if (gelu(x, at, n, act, c))
		return NULL;
	int rank;
	long long od[OX_MAX_RANK];
	if (!c) {
		if (!ox_broadcast(a->rank, a->dims, b->rank, b->dims, &rank, od))
			return "operands that do not broadcast";
		int slot = new_act(x, n, 0, rank, od);
		stmt(x, slot, n, "%s(v[%d], v[%d])", fn, a->var, b->var);
		return NULL;
	}
	if (!ox_broadcast(act->rank, act->dims, c->rank, c->dims, &rank, od) || rank != act->rank)
		return "a constant operand that broadcasts the activation to another shape";
	const char *operand;
	if (c->count == 1) {
		double v = c->is_float ? (double)c->f[0] : (double)c->i[0];
		if (!ir_valid_number(v))
			return "a constant operand that is not a finite float";
		operand = num(x, v);
	} else {
		/* a param: its dims with leading 1s dropped (at most 4 left) */
		int skip = 0;
		while (skip < c->rank - 1 && c->dims[skip] == 1)
			skip++;
		if (c->rank - skip > 4)
			return "a constant operand of more than 4 dims";
		/* a param's key is its name: the initializer's own (a module's
		 * parameter, "scale"), unless the exporter made it up; an
		 * Identity of another initializer keeps its own name (torch.onnx
		 * writes equal parameters once: convnext's layer_scales start
		 * equal, "features.1.1.layer_scale" = Identity(features.1.0's)) */
		const char *cname = b->c ? n->input[1] : n->input[0];
		OxValue *cv = ox_value(x, cname);
		bool own = (cv->def < 0 || is_op(x->order[cv->def], "Identity")) && strncmp(cname, "onnx::", 6) &&
		           ir_valid_name(cname, strlen(cname)) && !name_taken(x, cname);
		const char *name = own ? cname : layer_name(x, n, cname);
		if (own)
			layer_name_add(x, name);
		int slot = ++x->next_var;
		OxText sh = {.a = x->a};
		for (int i = skip; i < c->rank; i++)
			ox_text(&sh, "%s%lld", i > skip ? ", " : "", c->dims[i]);
		ox_text(&x->lua, "v[%d] = param { name = %s, shape = { %s } }\n", slot, lua_str(x, name), sh.s);
		weight(x, name, "", c, c->rank - skip, c->dims + skip);
		operand = arena_printf(x->a, "v[%d]", slot);
	}
	int slot = new_act(x, n, 0, rank, od);
	const char *self = arena_printf(x->a, "v[%d]", act->var);
	bool first = a->c != NULL;
	stmt(x, slot, n, "%s(%s, %s)", fn, first ? operand : self, first ? self : operand);
	return NULL;
}

static const char *map_concat(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *first = in_act(x, n, 0);
	if (!first || (first->rank != 4 && first->rank != 2))
		return "inputs that are not activations of rank 2 or 4";
	long long axis = ox_attr_int(n, "axis", 1);
	if (axis != 1 && axis != 1 - first->rank)
		return "an axis other than the channels (1)";
	long long od[4];
	memcpy(od, first->dims, sizeof od);
	od[1] = 0;
	OxText l = {.a = x->a};
	for (size_t k = 0; k < n->n_input; k++) {
		OxValue *v = in_act(x, n, k);
		if (!v || v->rank != first->rank)
			return "an input that is a constant, or of another rank";
		for (int i = 0; i < v->rank; i++)
			if (i != 1 && v->dims[i] != first->dims[i])
				return "inputs that differ in a dim other than the channels";
		od[1] = ir_add_sat(od[1], v->dims[1]);
		ox_text(&l, "%sv[%d]", k ? ", " : "", v->var);
	}
	int slot = new_act(x, n, 0, first->rank, od);
	stmt(x, slot, n, "concat { %s }", l.s);
	return NULL;
}

static const char *map_softmax(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	long long axis = ox_attr_int(n, "axis", x->opset >= 13 ? -1 : 1);
	if (!in || !((in->rank == 2 && (axis == 1 || axis == -1)) || (in->rank == 4 && x->opset >= 13 && (axis == 1 || axis == -3))))
		return "an axis other than the channels (dim 1) of a 2-D or 4-D input";
	int slot = new_act(x, n, 0, in->rank, in->dims);
	stmt(x, slot, n, "v[%d]:softmax()", in->var);
	return NULL;
}

#define SPLIT_NAMES 64 /* most pieces a split assigns by name */

/* Pieces of the channels of in, of sizes sz[0..np): piece k is output
 * out[k] of node[k] (node[k] NULL: a piece nobody reads). Equal pieces
 * are a chunk, as the DSL's models write torch.chunk. */
static void split(OxImport *x, const OxValue *in, const long long *sz, const Onnx__NodeProto *const *node,
                  const int *out, int np)
{
	OxText l = {.a = x->a}, s = {.a = x->a}, each = {.a = x->a};
	bool equal = true;
	ox_text(&each, "%s", "");
	for (int k = 0; k < np; k++) {
		long long od[OX_MAX_RANK];
		memcpy(od, in->dims, sizeof od);
		od[1] = sz[k];
		int slot = node[k] ? new_act(x, node[k], (size_t)out[k], in->rank, od) : ++x->next_var;
		ox_text(&l, "%sv[%d]", k ? ", " : "", slot);
		ox_text(&s, "%s%lld", k ? ", " : "", sz[k]);
		if (np > SPLIT_NAMES)
			ox_text(&each, " v[%d] = p[%d]", slot, k + 1);
		equal = equal && sz[k] == sz[0];
	}
	const char *call = equal && np > 1 ? arena_printf(x->a, "v[%d]:chunk { chunks = %d }", in->var, np)
	                                   : arena_printf(x->a, "v[%d]:split { split_size_or_sections = { %s } }",
	                                                  in->var, s.s);
	/* Lua's parser recurses once per name on an assignment's left (its
	 * C stack ends at about 190 names): many pieces go through a table */
	if (np <= SPLIT_NAMES)
		ox_text(&x->lua, "%s = %s -- %s\n", l.s, call, dims_str(x, in->rank, in->dims));
	else
		ox_text(&x->lua, "do local p = { %s }%s end -- %s\n", call, each.s, dims_str(x, in->rank, in->dims));
}

static const char *map_split(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	if (!in || (in->rank != 4 && in->rank != 2))
		return "an input that is not an activation of rank 2 or 4";
	long long axis = ox_attr_int(n, "axis", 0);
	if (axis != 1 && axis != 1 - in->rank)
		return "an axis other than the channels (1)";
	int np = (int)n->n_output;
	if (np < 1 || np > 256)
		return "more than 256 pieces";
	long long sz[256];
	int have = 0;
	if (x->opset >= 13 && n->n_input > 1 && *n->input[1]) {
		const OxTensor *t = ox_in_const(x, n, 1);
		if (!t || t->is_float || t->count != np)
			return "a split that is not a constant of one size per output";
		for (int k = 0; k < np; k++)
			sz[k] = t->i[k];
		have = np;
	} else if (x->opset < 13) {
		have = ox_attr_ints(n, "split", sz, 256);
		if (have && have != np)
			return "a split attribute of another length than the outputs";
	}
	long long sum = 0;
	if (!have) {
		if (in->dims[1] % np)
			return "channels that do not split evenly";
		for (int k = 0; k < np; k++)
			sz[k] = in->dims[1] / np;
	}
	for (int k = 0; k < np; k++) {
		if (sz[k] <= 0)
			return "an empty or negative piece";
		sum = ir_add_sat(sum, sz[k]);
	}
	if (sum != in->dims[1])
		return "sizes that do not add up to the channels";
	int out[256];
	const Onnx__NodeProto *node[256];
	for (int k = 0; k < np; k++)
		out[k] = k, node[k] = n;
	split(x, in, sz, node, out, np);
	return NULL;
}

/* The channels [*s, *e) a Slice of in takes (NULL), or why it is not
 * supported. */
static const char *slice_range(OxImport *x, const Onnx__NodeProto *n, const OxValue *in, long long *s, long long *e)
{
	long long st[OX_MAX_RANK], en[OX_MAX_RANK], ax[OX_MAX_RANK], sp[OX_MAX_RANK];
	int ns, ne, na, nsp = 0;
	if (x->opset < 10) {
		ns = ox_attr_ints(n, "starts", st, OX_MAX_RANK);
		ne = ox_attr_ints(n, "ends", en, OX_MAX_RANK);
		na = ox_attr_ints(n, "axes", ax, OX_MAX_RANK);
	} else {
		int *cnt[4] = {&ns, &ne, &na, &nsp};
		long long *dst[4] = {st, en, ax, sp};
		for (int k = 0; k < 4; k++) {
			*cnt[k] = 0;
			if (n->n_input <= (size_t)k + 1 || !*n->input[k + 1])
				continue;
			const OxTensor *t = later_const(x, n, (size_t)k + 1);
			if (!t || t->is_float || t->count > OX_MAX_RANK)
				return "starts, ends, axes or steps that are not constants";
			*cnt[k] = (int)t->count;
			for (int i = 0; i < *cnt[k]; i++)
				dst[k][i] = t->i[i];
		}
	}
	if (ns != 1 || ne != 1 || na > 1 || nsp > 1 || (nsp == 1 && sp[0] != 1))
		return "a slice of more than one axis, or with a step";
	long long axis = na ? ax[0] : 0;
	axis = axis < 0 ? axis + in->rank : axis;
	if (axis != 1)
		return "a slice of an axis other than the channels (1)";
	long long c = in->dims[1];
	*s = st[0] < 0 ? st[0] + c : st[0];
	*e = en[0] < 0 ? en[0] + c : en[0];
	*s = *s < 0 ? 0 : *s > c ? c : *s;
	*e = *e < 0 ? 0 : *e > c ? c : *e;
	return *e <= *s ? "an empty slice" : NULL;
}

/* Whether Unsqueeze u puts back axis 1 alone (of a rank-r result). */
static bool unsqueezes_axis1(OxImport *x, const Onnx__NodeProto *u, int r)
{
	long long axes[OX_MAX_RANK];
	int na = 0;
	if (x->opset >= 13) {
		const OxTensor *t = u->n_input == 2 ? later_const(x, u, 1) : NULL;
		if (!t || t->is_float || t->count != 1)
			return false;
		axes[0] = t->i[0], na = 1;
	} else {
		na = ox_attr_ints(u, "axes", axes, OX_MAX_RANK);
	}
	return na == 1 && (axes[0] == 1 || axes[0] == 1 - r);
}

/* The channels [*s, *e) of in that node j takes as a piece of its own,
 * and in *to the node whose output that piece is: a Slice on the
 * channels (j itself); a Gather of one constant index on axis 1, given
 * as [i] (j) or as a scalar whose only reader is an Unsqueeze putting
 * the axis back (that Unsqueeze: torch.onnx's x[:, i].unsqueeze(1), as
 * torchvision's transform_input writes it). NULL, or why not. */
static const char *channel_piece(OxImport *x, int j, const OxValue *in, long long *s, long long *e, int *to)
{
	const Onnx__NodeProto *n = x->order[j];
	*to = j;
	if (is_op(n, "Slice"))
		return slice_range(x, n, in, s, e);
	long long axis = ox_attr_int(n, "axis", 0);
	if (axis != 1 && axis != 1 - in->rank)
		return "a Gather on an axis other than the channels (1)";
	const OxTensor *idx = later_const(x, n, 1);
	if (!idx || idx->is_float || idx->count != 1 || idx->rank > 1)
		return "a Gather of an activation by indices that are not one constant";
	long long c = in->dims[1], i = idx->i[0] < 0 ? idx->i[0] + c : idx->i[0];
	if (i < 0 || i >= c)
		return "a Gather index out of range of the channels";
	if (idx->rank == 0) {
		int u = only_user(x, j, n->output[0]);
		if (u < 0 || !is_op(x->order[u], "Unsqueeze") || !unsqueezes_axis1(x, x->order[u], in->rank))
			return "a Gather of one channel that no Unsqueeze puts back on axis 1 (a value of rank 1 or 3)";
		*to = u;
	}
	*s = i, *e = i + 1;
	return NULL;
}

/* Pieces of the channels of one activation (channel_piece) that
 * together cover them (torch.onnx's chunk at opset 13 and later, the
 * three channels of transform_input) are one chunk or split; any other
 * piece is a split whose other pieces nobody reads. */
static const char *map_piece(OxImport *x, int at, const Onnx__NodeProto *n)
{
	OxValue *in = in_act(x, n, 0);
	if (!in || (in->rank != 4 && in->rank != 2))
		return "an input that is not an activation of rank 2 or 4";
	long long s, e, c = in->dims[1];
	int to;
	const char *why = channel_piece(x, at, in, &s, &e, &to);
	if (why)
		return why;
	if (to != at)
		x->consumed[to] = true;
	if (s == 0 && e == c) {
		alias(x, x->order[to], in);
		return NULL;
	}
	/* the later pieces of in, by their first channel */
	enum { MAX_PIECES = 64 };
	int by_start[MAX_PIECES], np = 0, dst[MAX_PIECES];
	long long lo[MAX_PIECES], hi[MAX_PIECES];
	by_start[0] = at, dst[0] = to, lo[0] = s, hi[0] = e, np = 1;
	for (int j = at + 1; j < x->n_node && np < MAX_PIECES; j++) {
		const Onnx__NodeProto *m = x->order[j];
		long long s2, e2;
		int to2;
		if (x->consumed[j] || !(is_op(m, "Slice") || is_op(m, "Gather")) || counts(x, op_row(m), m) ||
		    strcmp(m->input[0], n->input[0]) || channel_piece(x, j, in, &s2, &e2, &to2))
			continue;
		by_start[np] = j, dst[np] = to2, lo[np] = s2, hi[np] = e2, np++;
	}
	for (int i = 1; i < np; i++) /* insertion sort by lo */
		for (int k = i; k > 0 && lo[k] < lo[k - 1]; k--) {
			long long t = lo[k];
			lo[k] = lo[k - 1], lo[k - 1] = t;
			t = hi[k], hi[k] = hi[k - 1], hi[k - 1] = t;
			int u = by_start[k];
			by_start[k] = by_start[k - 1], by_start[k - 1] = u;
			u = dst[k], dst[k] = dst[k - 1], dst[k - 1] = u;
		}
	bool tiles = np > 1 && lo[0] == 0 && hi[np - 1] == c;
	for (int i = 1; i < np && tiles; i++)
		tiles = lo[i] == hi[i - 1];
	long long sz[MAX_PIECES];
	int out[MAX_PIECES];
	const Onnx__NodeProto *node[MAX_PIECES];
	if (tiles) {
		for (int i = 0; i < np; i++) {
			sz[i] = hi[i] - lo[i], out[i] = 0, node[i] = x->order[dst[i]];
			if (by_start[i] != at)
				x->consumed[by_start[i]] = true;
			if (dst[i] != at)
				x->consumed[dst[i]] = true;
		}
		split(x, in, sz, node, out, np);
		return NULL;
	}
	np = 0;
	if (s > 0)
		sz[np] = s, node[np] = NULL, out[np++] = 0;
	sz[np] = e - s, node[np] = x->order[to], out[np++] = 0;
	if (e < c)
		sz[np] = c - e, node[np] = NULL, out[np++] = 0;
	split(x, in, sz, node, out, np);
	return NULL;
}

static const char *map_resize(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	if (!in || in->rank != 4)
		return "an input that is not a 4-D activation";
	bool up = !strcmp(n->op_type, "Upsample");
	bool nearest = attr_str_is(n, "mode", "nearest", "nearest");
	bool linear = attr_str_is(n, "mode", "nearest", "linear") || attr_str_is(n, "mode", "nearest", "bilinear");
	if (!nearest && !linear)
		return "a mode other than nearest and linear";
	bool align = false;
	if (!up && x->opset >= 11) {
		bool asym = attr_str_is(n, "coordinate_transformation_mode", "half_pixel", "asymmetric");
		bool half = attr_str_is(n, "coordinate_transformation_mode", "half_pixel", "half_pixel") ||
		            attr_str_is(n, "coordinate_transformation_mode", "half_pixel", "pytorch_half_pixel");
		align = attr_str_is(n, "coordinate_transformation_mode", "half_pixel", "align_corners");
		if (nearest && !(asym && attr_str_is(n, "nearest_mode", "round_prefer_floor", "floor")))
			return "nearest other than asymmetric with floor (PyTorch's nearest)";
		if (linear && !half && !align)
			return "linear with a coordinate_transformation_mode other than half_pixel, pytorch_half_pixel "
			       "or align_corners";
		if (linear && ox_attr_int(n, "exclude_outside", 0))
			return "exclude_outside";
	} else if (linear) {
		return "linear before opset 11 (asymmetric coordinates; PyTorch has no such bilinear)";
	}
	double sc[2] = {0, 0};
	long long size[2] = {0, 0};
	const OxTensor *scales = NULL, *sizes = NULL;
	if (up && x->opset < 9) {
		const Onnx__AttributeProto *a = ox_attr(n, "scales");
		if (!a || a->n_floats != 4 || a->floats[0] != 1 || a->floats[1] != 1)
			return "scales other than 1 on N and C";
		sc[0] = a->floats[2], sc[1] = a->floats[3];
	} else {
		scales = ox_in_const(x, n, up || x->opset < 11 ? 1 : 2);
		sizes = up || x->opset < 11 ? NULL : ox_in_const(x, n, 3);
		if (scales && scales->count == 0)
			scales = NULL;
		if (sizes && sizes->count == 4 && !sizes->is_float) {
			if (sizes->i[0] != in->dims[0] || sizes->i[1] != in->dims[1])
				return "sizes that change N or C";
			size[0] = sizes->i[2], size[1] = sizes->i[3];
		} else if (scales && scales->count == 4 && scales->is_float) {
			if (scales->f[0] != 1 || scales->f[1] != 1)
				return "scales other than 1 on N and C";
			sc[0] = scales->f[2], sc[1] = scales->f[3];
		} else {
			return "scales or sizes that are not constants of 4 elements";
		}
	}
	if ((up || x->opset < 11) && !size[0] && (sc[0] < 1 || sc[1] < 1))
		return "a scale below 1 before Resize-11 (ONNX Runtime rounds that output size up, PyTorch down)";
	long long od[4] = {in->dims[0], in->dims[1], size[0], size[1]};
	if (!size[0]) {
		if (sc[0] <= 0 || sc[1] <= 0 || sc[0] > IR_MAX_DIM || sc[1] > IR_MAX_DIM)
			return "scales that are not positive";
		od[2] = (long long)floor((double)in->dims[2] * sc[0]);
		od[3] = (long long)floor((double)in->dims[3] * sc[1]);
	}
	if (od[2] < 1 || od[3] < 1 || od[2] > IR_MAX_DIM || od[3] > IR_MAX_DIM)
		return "an output size below 1 or over 2^24";
	if (linear && !align && attr_str_is(n, "coordinate_transformation_mode", "half_pixel", "pytorch_half_pixel") &&
	    (od[2] == 1 || od[3] == 1))
		return "pytorch_half_pixel to an output dim of 1 (ONNX samples 0 there, PyTorch's bilinear the middle)";
	if (align && !size[0] && ((double)in->dims[2] * sc[0] != (double)od[2] || (double)in->dims[3] * sc[1] != (double)od[3]))
		return "align_corners with scales that make a fractional size (ONNX divides by that fraction, "
		       "PyTorch by the whole output size)";
	if (align && !size[0])
		size[0] = od[2], size[1] = od[3]; /* align_corners: the sizes alone place the samples */
	int slot = new_act(x, n, 0, 4, od);
	const char *opt = size[0] ? arena_printf(x->a, "size = %s", pair(x, size[0], size[1]))
	                          : arena_printf(x->a, "scale_factor = { %s, %s }", num(x, sc[0]), num(x, sc[1]));
	stmt(x, slot, n, "v[%d]:interpolate { %s%s%s }", in->var, opt, linear ? ", mode = \"bilinear\"" : "",
	     align ? ", align_corners = true" : "");
	return NULL;
}

/* Pad on H and W: zeros symmetric per axis read by one Conv or
 * AveragePool become its padding; any other a pad op (constant, reflect,
 * edge as PyTorch's constant, reflect, replicate). */
static const char *map_pad(OxImport *x, int at, const Onnx__NodeProto *n)
{
	OxValue *in = in_act(x, n, 0);
	if (!in || in->rank != 4 || in->pad[0] || in->pad[1])
		return "an input that is not a 4-D activation";
	const char *mode = "constant";
	if (attr_str_is(n, "mode", "constant", "reflect"))
		mode = "reflect";
	else if (attr_str_is(n, "mode", "constant", "edge"))
		mode = "replicate";
	else if (!attr_str_is(n, "mode", "constant", "constant"))
		return "a mode other than constant, reflect or edge";
	long long p[8];
	double value = 0;
	if (x->opset < 11) {
		if (ox_attr_ints(n, "pads", p, 8) != 8)
			return "pads that are not 8 values";
		value = attr_float(n, "value", 0);
	} else {
		const OxTensor *t = ox_in_const(x, n, 1), *v = n->n_input > 2 && *n->input[2] ? ox_in_const(x, n, 2) : NULL;
		if (!t || t->is_float || t->count != 8 || (n->n_input > 3 && *n->input[3]))
			return "pads that are not a constant of 8 values (or axes)";
		for (int i = 0; i < 8; i++)
			p[i] = t->i[i];
		if (n->n_input > 2 && *n->input[2] && (!v || v->count != 1))
			return "a constant_value that is not a constant scalar";
		value = v ? (v->is_float ? v->f[0] : (double)v->i[0]) : 0;
	}
	if (!ir_valid_number(value))
		return "a constant_value that is not a finite float";
	if (p[0] || p[1] || p[4] || p[5])
		return "padding of N or C";
	for (int i = 0; i < 8; i++)
		if (p[i] < -IR_MAX_DIM || p[i] > IR_MAX_DIM)
			return "a pad beyond 2^24";
	long long od[4] = {in->dims[0], in->dims[1], in->dims[2] + p[2] + p[6], in->dims[3] + p[3] + p[7]};
	if (od[2] < 1 || od[3] < 1 || od[2] > IR_MAX_DIM || od[3] > IR_MAX_DIM)
		return "pads that make a dim below 1 or over 2^24";
	if (strcmp(mode, "constant") && (p[2] < 0 || p[3] < 0 || p[6] < 0 || p[7] < 0))
		return "negative pads in reflect or edge mode";
	if (!strcmp(mode, "reflect") && (p[2] >= in->dims[2] || p[6] >= in->dims[2] || p[3] >= in->dims[3] ||
	                                 p[7] >= in->dims[3]))
		return "reflect pads not below their dim (as PyTorch's reflect)";
	int u = only_user(x, at, n->output[0]);
	if (!strcmp(mode, "constant") && value == 0 && p[2] == p[6] && p[3] == p[7] && p[2] >= 0 && p[3] >= 0 && u >= 0 &&
	    (is_op(x->order[u], "Conv") || is_op(x->order[u], "AveragePool"))) {
		alias(x, n, in);
		OxValue *o = out_value(x, n, 0);
		if (o)
			o->pad[0] = p[2], o->pad[1] = p[3];
		return NULL;
	}
	int slot = new_act(x, n, 0, 4, od);
	stmt(x, slot, n, "v[%d]:pad { pad = { %lld, %lld, %lld, %lld }%s%s%s%s }", in->var, p[3], p[7], p[2], p[6],
	     strcmp(mode, "constant") ? ", mode = \"" : "", strcmp(mode, "constant") ? mode : "",
	     strcmp(mode, "constant") ? "\"" : "", value != 0 ? arena_printf(x->a, ", value = %s", num(x, value)) : "");
	return NULL;
}

static const char *map_identity(OxImport *x, int at, const Onnx__NodeProto *n)
{
	(void)at;
	OxValue *in = in_act(x, n, 0);
	if (!in)
		return "an input that is not an activation";
	if (!strcmp(n->op_type, "Dropout")) {
		if (n->n_output > 1 && *n->output[1] && ox_value(x, n->output[1])->users)
			return "its mask output";
		if (n->n_input > 2 && *n->input[2]) {
			const OxTensor *t = ox_in_const(x, n, 2);
			if (!t || t->count != 1 || (t->is_float ? t->f[0] != 0 : t->i[0] != 0))
				return "training_mode";
		}
	}
	alias(x, n, in);
	return NULL;
}

#define OX_ANY 0x7fffffff /* no upper bound on a count */

/* One row per ONNX op: how many inputs and outputs it has (checked
 * before any function reads them), its fold function (its output as a
 * constant when its inputs are known, onnx_fold.c), its map function
 * (its DSL statement), or why it cannot be written. */
static const struct {
	const char *op;            /* ONNX op_type (default domain) */
	int min_in, max_in;        /* inputs it takes, "" (omitted) ones counted */
	int min_out, max_out;      /* outputs it has */
	OxFoldFn fold;             /* evaluates it on constants, or NULL */
	MapFn map;                 /* writes it, or NULL */
	const char *missing;       /* map NULL: what the message says */
} ops[] = {
	{"Constant", 0, 0, 1, 1, ox_fold_constant, NULL,
	  "a Constant whose attribute is not value, value_float(s) or value_int(s)"},
	{"ConstantOfShape", 1, 1, 1, 1, ox_fold_constant_of_shape, NULL,
	  "a ConstantOfShape of a shape not known, or of over 65536 elements (only constants, folded at import)"},
	{"Identity", 1, 1, 1, 1, ox_fold_identity, map_identity, NULL},
	{"Dropout", 1, 3, 1, 2, ox_fold_identity, map_identity, NULL},
	{"Shape", 1, 1, 1, 1, ox_fold_shape, NULL, "a Shape of a value whose dims are not known"},
	{"Cast", 1, 1, 1, 1, ox_fold_cast, NULL,
	  "a Cast of an activation, or to a type not folded (only constants are cast, at import)"},
	{"Squeeze", 1, 2, 1, 1, ox_fold_squeeze, NULL,
	  "a Squeeze of an activation, or axes that are not constant, repeated, out of range or on a dim not 1"},
	{"Unsqueeze", 1, 2, 1, 1, ox_fold_squeeze, NULL,
	  "an Unsqueeze of an activation, or axes that are not constant, repeated or out of range"},
	{"Gather", 2, 2, 1, 1, ox_fold_gather, map_piece, NULL},
	{"Sqrt", 1, 1, 1, 1, ox_fold_sqrt, NULL, "a Sqrt of an activation (only constants, folded at import)"},
	{"Conv", 2, 3, 1, 1, NULL, map_conv, NULL},
	{"BatchNormalization", 5, 5, 1, 5, NULL, map_batch_norm, NULL},
	{"Gemm", 2, 3, 1, 1, NULL, map_gemm, NULL},
	{"MatMul", 2, 2, 1, 1, NULL, map_matmul, NULL},
	{"Relu", 1, 1, 1, 1, NULL, map_act, NULL},
	{"Sigmoid", 1, 1, 1, 1, NULL, map_act, NULL},
	{"Tanh", 1, 1, 1, 1, NULL, map_act, NULL},
	{"LeakyRelu", 1, 1, 1, 1, NULL, map_act, NULL},
	{"Elu", 1, 1, 1, 1, NULL, map_act, NULL},
	{"HardSwish", 1, 1, 1, 1, NULL, map_act, NULL},
	{"HardSigmoid", 1, 1, 1, 1, NULL, map_act, NULL},
	{"Clip", 1, 3, 1, 1, NULL, map_clip, NULL},
	{"PRelu", 2, 2, 1, 1, NULL, map_prelu, NULL},
	{"MaxPool", 1, 1, 1, 2, NULL, map_pool, NULL},
	{"AveragePool", 1, 1, 1, 1, NULL, map_pool, NULL},
	{"GlobalAveragePool", 1, 1, 1, 1, NULL, map_global_pool, NULL},
	{"GlobalMaxPool", 1, 1, 1, 1, NULL, map_global_pool, NULL},
	{"ReduceMean", 1, 2, 1, 1, NULL, map_reduce_mean, NULL},
	{"Flatten", 1, 1, 1, 1, NULL, map_flatten, NULL},
	{"Reshape", 1, 2, 1, 1, ox_fold_reshape, map_reshape, NULL},
	{"Add", 2, 2, 1, 1, ox_fold_binary, map_binary, NULL},
	{"Sub", 2, 2, 1, 1, ox_fold_binary, map_binary, NULL},
	{"Mul", 2, 2, 1, 1, ox_fold_binary, map_binary, NULL},
	{"Div", 2, 2, 1, 1, ox_fold_binary, map_binary, NULL},
	{"Concat", 1, OX_ANY, 1, 1, ox_fold_concat, map_concat, NULL},
	{"Softmax", 1, 1, 1, 1, NULL, map_softmax, NULL},
	{"Split", 1, 2, 1, OX_ANY, NULL, map_split, NULL},
	{"Slice", 1, 5, 1, 1, ox_fold_slice, map_piece, NULL},
	{"Resize", 1, 4, 1, 1, NULL, map_resize, NULL},
	{"Upsample", 1, 2, 1, 1, NULL, map_resize, NULL},
	{"Pad", 1, 4, 1, 1, NULL, map_pad, NULL},
	{"Erf", 1, 1, 1, 1, NULL, NULL, "Erf outside the GELU pattern (x/sqrt(2) -> Erf -> +1 -> *x -> *0.5)"},
	{"Softplus", 1, 1, 1, 1, NULL, map_softplus, NULL},
	{"ConvTranspose", 2, 3, 1, 1, NULL, map_conv_transpose, NULL},
	{"Transpose", 1, 1, 1, 1, ox_fold_transpose, map_transpose, NULL},
	{"LayerNormalization", 2, 3, 1, 3, NULL, map_layer_norm, NULL},
};

void onnx_print_ops(FILE *f)
{
	for (size_t r = 0; r < sizeof ops / sizeof *ops; r++)
		fprintf(f, "%s %s %s\n", ops[r].op, ops[r].fold ? "fold" : "-", ops[r].map ? "map" : "-");
}

/* n's row of ops[], -1: none (or another domain). */
static int op_row(const Onnx__NodeProto *n)
{
	if (n->domain && *n->domain && strcmp(n->domain, "ai.onnx"))
		return -1;
	for (size_t r = 0; r < sizeof ops / sizeof *ops; r++)
		if (!strcmp(ops[r].op, n->op_type))
			return (int)r;
	return -1;
}

/* NULL if n has as many inputs and outputs as row r allows, else what it has. */
static const char *counts(OxImport *x, int r, const Onnx__NodeProto *n)
{
	if (n->n_input < (size_t)ops[r].min_in || n->n_input > (size_t)ops[r].max_in)
		return arena_printf(x->a, "%zu input%s; %s takes %d to %d", n->n_input, n->n_input == 1 ? "" : "s",
		                    ops[r].op, ops[r].min_in, ops[r].max_in);
	if (n->n_output < (size_t)ops[r].min_out || n->n_output > (size_t)ops[r].max_out)
		return arena_printf(x->a, "%zu output%s; %s has %d to %d", n->n_output, n->n_output == 1 ? "" : "s",
		                    ops[r].op, ops[r].min_out, ops[r].max_out);
	return NULL;
}

/* Folds n (of row r, its counts checked); true if its output is now a constant. */
static bool fold(OxImport *x, int r, const Onnx__NodeProto *n)
{
	OxTensor *t = ops[r].fold ? ops[r].fold(x, n) : NULL;
	if (!t)
		return false;
	OxValue *out = out_value(x, n, 0);
	if (out)
		out->c = t;
	return true;
}

/* The model's one input as input { ... }. */
static void write_input(OxImport *x)
{
	const Onnx__ValueInfoProto *in = NULL;
	int count = 0;
	for (size_t i = 0; i < x->g->n_input; i++) {
		OxValue *v = ox_value(x, x->g->input[i]->name);
		if (v && !v->c)
			in = x->g->input[i], count++;
	}
	if (count != 1)
		ox_error(x, "the graph has %d inputs that are not initializers; cnnc models have one", count);
	const Onnx__TypeProto *t = in->type;
	if (!t || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !t->tensor_type)
		ox_error(x, "input '%s' is not a tensor", ox_name(x, in->name));
	if (t->tensor_type->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
		ox_error(x, "input '%s' has element type %d; cnnc models take float input", ox_name(x, in->name),
		         t->tensor_type->elem_type);
	const Onnx__TensorShapeProto *s = t->tensor_type->shape;
	int rank = s ? (int)s->n_dim : -1;
	long long d[4];
	if (x->in_shape) {
		rank = 4;
		memcpy(d, x->in_shape, sizeof d);
	} else {
		if (rank != 4 && rank != 2)
			ox_error(x, "input '%s' has %d dims; cnnc takes N x C x H x W or N x F (give --input-shape)",
			         ox_name(x, in->name), rank);
		for (int i = 0; i < rank; i++) {
			const Onnx__TensorShapeProto__Dimension *dim = s->dim[i];
			bool known = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
			if (!known && i > 0)
				ox_error(x, "input '%s': dim %d is symbolic; give --input-shape N,C,H,W", ox_name(x, in->name), i);
			d[i] = known ? dim->dim_value : 1;
			if (d[i] < 1 || d[i] > IR_MAX_DIM)
				ox_error(x, "input '%s': dim %d is %lld; a dim is 1 to 2^24", ox_name(x, in->name), i, d[i]);
		}
	}
	if (x->batch > 0)
		d[0] = x->batch;
	OxValue *v = ox_value(x, ox_name(x, in->name));
	const char *name = dsl_name(x, in->name);
	name = unique_name(x, name ? name : "input"); /* "" is a name in ONNX */
	v->var = ++x->next_var;
	v->rank = rank;
	memcpy(v->dims, d, sizeof d);
	OxText sh = {.a = x->a};
	for (int i = 0; i < rank; i++)
		ox_text(&sh, "%s%lld", i ? ", " : "", d[i]);
	ox_text(&x->lua, "v[%d] = input { name = %s, shape = { %s } }\n", v->var, lua_str(x, name), sh.s);
}

void ox_map(OxImport *x)
{
	const char *base = strrchr(x->path, '/');
	const char *who = x->m->producer_name ? x->m->producer_name : "";
	const char *ver = x->m->producer_version ? x->m->producer_version : "";
	ox_text(&x->lua, "-- Imported from %s by cnnc import (ONNX opset %d%s%s%s%s).\n",
	        comment_str(x, base ? base + 1 : x->path), x->opset, *who ? ", made by " : "", comment_str(x, who),
	        *ver ? " " : "", comment_str(x, ver));
	ox_text(&x->lua, "-- One statement per layer; v[k] holds the k-th value; shapes in comments.\nlocal v = {}\n");
	write_input(x);
	for (int i = 0; i < x->n_node; i++) {
		const Onnx__NodeProto *n = x->order[i];
		if (x->consumed[i])
			continue;
		bool bad_in = false;
		for (size_t k = 0; k < n->n_input; k++) {
			OxValue *v = ox_value(x, n->input[k]);
			bad_in |= v && v->bad;
		}
		const char *why = NULL;
		bool other_domain = n->domain && *n->domain && strcmp(n->domain, "ai.onnx");
		int r = op_row(n);
		x->at = i;
		if (bad_in)
			why = "";
		else if (other_domain)
			why = arena_printf(x->a, "domain '%s'", ox_name(x, n->domain));
		else if (r < 0)
			why = "no row for this op in cnnc's import table";
		else if ((why = counts(x, r, n)) == NULL && !fold(x, r, n))
			why = ops[r].map ? ops[r].map(x, i, n) : ops[r].missing;
		if (!why)
			continue;
		for (size_t k = 0; k < n->n_output; k++) {
			OxValue *v = ox_value(x, n->output[k]);
			if (v)
				v->bad = true;
		}
		if (!*why)
			continue;
		x->unsupported++;
		fprintf(stderr, "%s: node '", x->path);
		const char *name = ox_name(x, n->name), *op = ox_name(x, n->op_type);
		diag_escape(stderr, name, strlen(name));
		fprintf(stderr, "' (");
		diag_escape(stderr, op, strlen(op));
		fprintf(stderr, ", opset %d): not supported: %s\n", x->opset, why);
	}
	if (x->unsupported)
		diag_error(x->path, 0, "%d node%s cannot be imported (listed above); nothing written", x->unsupported,
		           x->unsupported == 1 ? "" : "s");
	if (x->g->n_output != 1)
		ox_error(x, "the graph has %zu outputs; cnnc models have one", x->g->n_output);
	OxValue *out = ox_value(x, x->g->output[0]->name);
	if (!out->var)
		ox_error(x, "the graph's output '%s' is a constant, not computed from the input", ox_name(x, out->name));
	ox_text(&x->lua, "return v[%d]\n", out->var);
}
