/*
 * qfile.c: the quantized model file (Q.safetensors) that `cnnc quantize`
 * writes and that report (and the int8 compile to come) reads.
 *
 * One safetensors file, little-endian, keys sorted, holding for a layer
 * NAME (the model's layer names; an unnamed layer's name is "<op>_<id>"
 * as --dump-ir shows it):
 *   conv2d and linear, batch norm folded in:
 *     NAME.weight             I8  [OC, IC/groups, KH, KW] or [OUT, IN]
 *     NAME.weight_scale       F32 [OC]   per output channel, > 0 (all equal
 *                                        with --per-tensor-weights)
 *     NAME.weight_zero_point  I32 [OC]   0 (symmetric)
 *     NAME.bias               I32 [OC]   scale: input scale x weight scale
 *     NAME.bias_float         F32 [OC]   the float bias it rounds (PyTorch's
 *                                        onednn conv adds it unrounded; a
 *                                        file without it is read too)
 *   every value an observer watches (the input, conv and linear outputs,
 *   the values after a fused relu, add, concat, pools, ...):
 *     NAME.output_scale       F32 [1]    > 0
 *     NAME.output_zero_point  I32 [1]    0..255 (uint8)
 *     NAME.output_range       F32 [2]    the range they come from
 *     NAME.output_sqnr        F32 [1]    dB: its own quantization's SQNR on
 *                                        the calibration data
 *   (and NAME.weight_sqnr F32 [1], the int8 weights' SQNR, dB)
 *   every other parameter the model reads (a batch norm not folded, prelu,
 *   param, a conv2d or linear kept in FP32 by --fp32, batch norm folded):
 *   F32 under its state_dict key, as in the FP32 file.
 * __metadata__: format "cnnc-int8", version "1", model, model_signature
 * (16 hex digits, quant_signature), method, samples, and the scheme in
 * words. real = scale * (q - zero_point) throughout. compile and build
 * read it through quant_bind (quant/qbind.c).
 */
#include "../cnnc.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define QFILE_FORMAT "cnnc-int8"
#define QFILE_VERSION "1"

/* ---- signature ------------------------------------------------------ */

/* h with the string s hashed in (FNV-1a), then a separator. */
static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull;
}

/* h with the integer v hashed in. */
static uint64_t fnv_int(uint64_t h, long long v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	return fnv(h, buf);
}

/* h with the real v hashed in, exactly. */
static uint64_t fnv_real(uint64_t h, double v)
{
	char buf[40];
	snprintf(buf, sizeof buf, "%.17g", v);
	return fnv(h, buf);
}

/* Every field the model gives is hashed on its own, however long the
 * names or the input lists: nothing is cut off. (The fields passes set,
 * act, residual, channels, are left out.) */
uint64_t quant_signature(const Graph *g)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		const Attrs *t = &n->a;
		h = fnv(h, op_name[n->op]);
		h = fnv(h, n->name);
		h = fnv_int(h, n->rank);
		for (int d = 1; d < n->rank; d++) /* not the batch */
			h = fnv_int(h, n->shape[d]);
		h = fnv_int(h, n->nin);
		for (int j = 0; j < n->nin; j++)
			h = fnv_int(h, n->in[j]);
		const long long ints[] = {t->out_channels, t->out_features, t->kernel[0], t->kernel[1], t->stride[0],
		                          t->stride[1], t->pad[0], t->pad[1], t->dilation[0], t->dilation[1], t->groups,
		                          t->bias, t->ceil_mode, t->count_include_pad, t->out_size[0], t->out_size[1],
		                          t->mode, t->dim, t->chunks, t->align_corners, t->num_parameters,
		                          t->scalar_first, t->slice[0], t->slice[1], t->start_dim, t->end_dim,
		                          t->affine, t->keepdim};
		for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
			h = fnv_int(h, ints[k]);
		const double reals[] = {t->eps, t->param, t->param2, t->scalar, t->p, t->scale[0], t->scale[1]};
		for (size_t k = 0; k < sizeof reals / sizeof reals[0]; k++)
			h = fnv_real(h, reals[k]);
		const Dims *lists[] = {&t->pshape, &t->dims, &t->sizes};
		for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
			h = fnv_int(h, lists[k]->n);
			for (int d = 0; d < lists[k]->n; d++)
				h = fnv_int(h, lists[k]->v[d]);
		}
	}
	return h;
}

/* ---- writing -------------------------------------------------------- */


/* The node of g named name, or NULL. */
static const Node *named(const Graph *g, const char *name)
{
	for (int i = 0; i < g->n; i++)
		if (!g->nodes[i].dead && !strcmp(g->nodes[i].name, name))
			return &g->nodes[i];
	return NULL;
}

/* Signal to quantization noise, dB (+inf without noise). */
static double sqnr_db(double signal, double noise)
{
	return noise > 0 ? 10 * log10(signal / noise) : INFINITY;
}

/* A conv2d's or linear's int8 weights, scales and int32 bias (x: its
 * folded, unpacked twin; in: the qparams of its input). */
static void put_weights(StWriter *o, const Graph *folded, const Node *x, QParams in, bool per_tensor)
{
	Arena *a = o->a;
	ParamSpec ps[MAX_PARAMS];
	ir_params(folded, x, ps);
	long long oc = x->op == OP_CONV2D ? x->a.out_channels : x->a.out_features, per = ps[0].count / oc;
	int8_t *w = arena_alloc(a, (size_t)ps[0].count);
	float *scale = arena_alloc(a, (size_t)oc * sizeof *scale);
	int32_t *zp = arena_alloc(a, (size_t)oc * sizeof *zp), *bias = arena_alloc(a, (size_t)oc * sizeof *bias);
	const float *fw = x->param[0], *fb = x->a.bias ? x->param[1] : NULL;
	double signal = 0, noise = 0;
	for (long long c = 0; c < oc; c++) {
		float lo = fw[c * per], hi = fw[c * per];
		for (long long k = 0; k < per; k++) {
			lo = fw[c * per + k] < lo ? fw[c * per + k] : lo;
			hi = fw[c * per + k] > hi ? fw[c * per + k] : hi;
		}
		scale[c] = quant_symmetric_s8(lo, hi);
		if (per_tensor && c == 0) { /* every channel the layer's scale */
			for (long long k = 0; k < oc * per; k++) {
				lo = fw[k] < lo ? fw[k] : lo;
				hi = fw[k] > hi ? fw[k] : hi;
			}
			scale[c] = quant_symmetric_s8(lo, hi);
		} else if (per_tensor)
			scale[c] = scale[0];
		for (long long k = 0; k < per; k++) {
			w[c * per + k] = (int8_t)quant_value(fw[c * per + k], scale[c], 0, -128, 127);
			double d = (double)fw[c * per + k] - (double)w[c * per + k] * scale[c];
			signal += (double)fw[c * per + k] * fw[c * per + k];
			noise += d * d;
		}
		float bscale = in.scale * scale[c];
		bias[c] = (int32_t)quant_value(fb ? fb[c] : 0.0f, bscale, 0, INT32_MIN, INT32_MAX);
	}
	long long shape[MAX_RANK];
	for (int i = 0; i < ps[0].rank; i++)
		shape[i] = ps[0].shape[i];
	st_put(o, arena_printf(a, "%s.weight", x->name), "I8", ps[0].rank, shape, w, 1);
	st_put(o, arena_printf(a, "%s.weight_scale", x->name), "F32", 1, &oc, scale, 4);
	st_put(o, arena_printf(a, "%s.weight_zero_point", x->name), "I32", 1, &oc, zp, 4);
	st_put(o, arena_printf(a, "%s.bias", x->name), "I32", 1, &oc, bias, 4);
	float *fbias = arena_alloc(a, (size_t)oc * sizeof *fbias);
	for (long long c = 0; c < oc; c++)
		fbias[c] = fb ? fb[c] : 0.0f;
	st_put(o, arena_printf(a, "%s.bias_float", x->name), "F32", 1, &oc, fbias, 4);
	static const long long one = 1;
	float *sqnr = arena_alloc(a, sizeof *sqnr);
	*sqnr = (float)sqnr_db(signal, noise);
	st_put(o, arena_printf(a, "%s.weight_sqnr", x->name), "F32", 1, &one, sqnr, 4);
}

static void write_file(Arena *a, const char *path, StWriter *o, cJSON *meta)
{
	size_t len;
	unsigned char *image = st_image(o, meta, &len);
	OutFile *f = out_open(a, path);
	fwrite(image, 1, len, f->f);
	out_commit(&f, 1);
}

void quant_write(const Graph *g, const Graph *folded, const QPlan *qp, const QStats *st, const QParams *q,
                 const QWrite *w)
{
	Arena *a = g->arena;
	StWriter o = {.a = a};
	static const long long one = 1, two = 2;
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		if (n->dead)
			continue;
		if (qp->obs[i] >= 0) {
			const QParams *p = &q[qp->obs[i]];
			const QStats *s = &st[qp->obs[i]];
			float *sqnr = arena_alloc(a, sizeof *sqnr);
			*sqnr = (float)sqnr_db(s->signal, s->noise);
			int32_t *zp = arena_alloc(a, sizeof *zp);
			float *range = arena_alloc(a, 2 * sizeof *range);
			*zp = p->zero_point;
			range[0] = p->lo;
			range[1] = p->hi;
			st_put(&o, arena_printf(a, "%s.output_scale", n->name), "F32", 1, &one, &p->scale, 4);
			st_put(&o, arena_printf(a, "%s.output_zero_point", n->name), "I32", 1, &one, zp, 4);
			st_put(&o, arena_printf(a, "%s.output_range", n->name), "F32", 1, &two, range, 4);
			st_put(&o, arena_printf(a, "%s.output_sqnr", n->name), "F32", 1, &one, sqnr, 4);
		}
		if (qp->in_scale[i] > 0) { /* reads its input on a fixed grid of its own */
			int32_t *zp = arena_alloc(a, sizeof *zp);
			*zp = qp->in_zp[i];
			st_put(&o, arena_printf(a, "%s.input_scale", n->name), "F32", 1, &one, &qp->in_scale[i], 4);
			st_put(&o, arena_printf(a, "%s.input_zero_point", n->name), "I32", 1, &one, zp, 4);
		}
		const Node *f = named(folded, n->name);
		if (!f)
			continue;
		if ((n->op == OP_CONV2D || n->op == OP_LINEAR) && !qp->fp32[i]) {
			int x = n->in[0];
			if (qp->obs[x] < 0)
				BUG("%s's input is not observed", n->name);
			put_weights(&o, folded, f, q[qp->obs[x]], w->per_tensor);
			continue;
		}
		ParamSpec ps[MAX_PARAMS];
		int np = ir_params(folded, f, ps);
		for (int k = 0; k < np; k++) {
			long long shape[MAX_RANK];
			for (int d = 0; d < ps[k].rank; d++)
				shape[d] = ps[k].shape[d];
			st_put(&o, ir_param_key(a, f, &ps[k]), "F32", ps[k].rank, shape, f->param[k], 4);
		}
	}
	cJSON *meta = cJSON_CreateObject();
	cJSON_AddStringToObject(meta, "format", QFILE_FORMAT);
	cJSON_AddStringToObject(meta, "version", QFILE_VERSION);
	cJSON_AddStringToObject(meta, "model", g->model);
	cJSON_AddStringToObject(meta, "model_signature", arena_printf(a, "%016llx", (unsigned long long)w->signature));
	cJSON_AddStringToObject(meta, "method", w->method);
	cJSON_AddStringToObject(meta, "samples", arena_printf(a, "%lld", w->samples));
	cJSON_AddStringToObject(meta, "weights", w->per_tensor ? "int8 symmetric per tensor, -128..127, batch norm folded"
	                                                       : "int8 symmetric per output channel, -128..127, batch "
	                                                         "norm folded");
	cJSON_AddStringToObject(meta, "activations", "uint8 asymmetric per tensor, 0..255");
	cJSON_AddStringToObject(meta, "bias", "int32, scale = input scale x weight scale");
	cJSON_AddStringToObject(meta, "observers", "PyTorch 1.13 FX post-training quantization, native backend");
	if (w->fp32 && *w->fp32)
		cJSON_AddStringToObject(meta, "fp32", w->fp32);
	write_file(a, w->path, &o, meta);
}

/* ---- reading -------------------------------------------------------- */

bool quant_is_qfile(Arena *a, const char *path)
{
	StFile *f = st_open(a, path);
	const char *fmt = st_meta(f, "format");
	st_close(f);
	return fmt && !strcmp(fmt, QFILE_FORMAT);
}

/* t, checked to be dtype with count elements, read raw. */
static void *read_as(Arena *a, const StFile *f, const StTensor *t, const char *dtype, long long count)
{
	if (strcmp(t->dtype, dtype) || t->count != count)
		diag_error(f->path, 0, "tensor '%s' is %s with %lld elements; expected %s with %lld", t->key, t->dtype,
		           t->count, dtype, count);
	void *p = arena_alloc(a, (size_t)(t->end - t->begin) + 1);
	st_read_raw(f, t, p);
	return p;
}

static const StTensor *need(const StFile *f, const char *key, const char *what)
{
	const StTensor *t = st_find(f, key);
	if (!t)
		diag_error(f->path, 0, "tensor '%s' is missing; the model's %s needs it (was the file edited?)", key, what);
	return t;
}

/* The scales of t (count of them): each finite and > 0. */
static const float *scales(Arena *a, const StFile *f, const StTensor *t, long long count)
{
	const float *s = read_as(a, f, t, "F32", count);
	for (long long i = 0; i < count; i++)
		if (!(s[i] > 0.0f) || !isfinite(s[i]))
			diag_error(f->path, 0, "tensor '%s'[%lld] is %g; a scale must be finite and > 0", t->key, i,
			           (double)s[i]);
	return s;
}

/* The zero points of t (count of them), each in lo..hi. */
static const int32_t *zero_points(Arena *a, const StFile *f, const StTensor *t, long long count, int lo, int hi)
{
	const int32_t *z = read_as(a, f, t, "I32", count);
	for (long long i = 0; i < count; i++)
		if (z[i] < lo || z[i] > hi)
			diag_error(f->path, 0, "tensor '%s'[%lld] is %d; a zero point here must lie in %d..%d", t->key, i,
			           (int)z[i], lo, hi);
	return z;
}

QFile *quant_load(const Graph *written, const char *path)
{
	Arena *a = written->arena;
	StFile *f = st_open(a, path);
	const char *fmt = st_meta(f, "format"), *ver = st_meta(f, "version"), *sig = st_meta(f, "model_signature");
	if (!fmt || strcmp(fmt, QFILE_FORMAT))
		diag_error(path, 0, "not a quantized model: its __metadata__ has no format \"%s\" (cnnc quantize "
		           "writes one)", QFILE_FORMAT);
	if (!ver || strcmp(ver, QFILE_VERSION))
		diag_error(path, 0, "quantized model of version '%s'; this cnnc reads version %s", ver ? ver : "(none)",
		           QFILE_VERSION);
	const char *want = arena_printf(a, "%016llx", (unsigned long long)quant_signature(written));
	if (!sig || strcmp(sig, want)) {
		const char *for_model = st_meta(f, "model");
		diag_error(path, 0, "quantized for another model ('%s', signature %s); %s has signature %s: run "
		           "cnnc quantize on this model", for_model ? for_model : "?", sig ? sig : "(none)",
		           written->file, want);
	}
	QFile *q = arena_alloc(a, sizeof *q);
	q->path = path;
	q->method = st_meta(f, "method");
	q->samples = atoll(st_meta(f, "samples") ? st_meta(f, "samples") : "0");
	q->fp32 = st_meta(f, "fp32");
	q->values = arena_alloc(a, (size_t)(f->n ? f->n : 1) * sizeof *q->values);
	q->weight_layer = arena_alloc(a, (size_t)(f->n ? f->n : 1) * sizeof *q->weight_layer);
	q->weight_scale_min = arena_alloc(a, (size_t)(f->n ? f->n : 1) * sizeof(float));
	q->weight_scale_max = arena_alloc(a, (size_t)(f->n ? f->n : 1) * sizeof(float));
	q->weight_sqnr = arena_alloc(a, (size_t)(f->n ? f->n : 1) * sizeof(float));
	q->weight = arena_alloc(a, (size_t)(f->n ? f->n : 1) * sizeof *q->weight);
	q->weight_scale = arena_alloc(a, (size_t)(f->n ? f->n : 1) * sizeof *q->weight_scale);
	q->bias = arena_alloc(a, (size_t)(f->n ? f->n : 1) * sizeof *q->bias);
	q->bias_float = arena_alloc(a, (size_t)(f->n ? f->n : 1) * sizeof *q->bias_float);
	q->inputs = arena_alloc(a, (size_t)(f->n ? f->n : 1) * sizeof *q->inputs);
	/* the activations, and the fixed grids some layers read their input on */
	for (int i = 0; i < f->n; i++) {
		const StTensor *t = f->by_key[i];
		size_t len = strlen(t->key), sl = strlen(".output_scale"), il = strlen(".input_scale");
		bool input = len > il && !strcmp(t->key + len - il, ".input_scale");
		if (!input && (len <= sl || strcmp(t->key + len - sl, ".output_scale")))
			continue;
		const char *name = arena_printf(a, "%.*s", (int)(len - (input ? il : sl)), t->key);
		if (!named(written, name))
			diag_error(path, 0, "tensor '%s' is for layer '%s', which is no layer of %s (was the file edited?)",
			           t->key, name, written->file);
		if (input) {
			QValue *v = &q->inputs[q->ninputs++];
			v->name = name;
			v->q.scale = scales(a, f, t, 1)[0];
			v->q.zero_point = zero_points(a, f, need(f, arena_printf(a, "%s.input_zero_point", name), name), 1, 0,
			                              255)[0];
			v->sqnr = NAN;
			continue;
		}
		QValue *v = &q->values[q->nvalues++];
		v->name = name;
		v->q.scale = scales(a, f, t, 1)[0];
		v->q.zero_point = zero_points(a, f, need(f, arena_printf(a, "%s.output_zero_point", name), name), 1, 0,
		                              255)[0];
		const float *r = read_as(a, f, need(f, arena_printf(a, "%s.output_range", name), name), "F32", 2);
		if (!isfinite(r[0]) || !isfinite(r[1]) || r[0] > r[1])
			diag_error(path, 0, "tensor '%s.output_range' is [%g, %g]; a range must be finite with min <= max",
			           name, (double)r[0], (double)r[1]);
		v->q.lo = r[0];
		v->q.hi = r[1];
		const StTensor *sq = st_find(f, arena_printf(a, "%s.output_sqnr", name));
		v->sqnr = sq ? ((const float *)read_as(a, f, sq, "F32", 1))[0] : NAN;
	}
	if (!q->nvalues)
		diag_error(path, 0, "no activation is quantized (no '*.output_scale' tensor)");
	/* the int8 layers, against the model's shapes */
	for (int i = 0; i < written->n; i++) {
		const Node *n = &written->nodes[i];
		if (n->op != OP_CONV2D && n->op != OP_LINEAR)
			continue;
		ParamSpec ps[MAX_PARAMS];
		ir_params(written, n, ps);
		long long oc = ps[0].shape[0];
		const StTensor *w = need(f, arena_printf(a, "%s.weight", n->name), n->name);
		if (!strcmp(w->dtype, "F32") && w->rank == ps[0].rank && w->count == ps[0].count)
			continue; /* kept in FP32 (--fp32) */
		if (strcmp(w->dtype, "I8") || w->rank != ps[0].rank)
			diag_error(path, 0, "tensor '%s' is %s of rank %d; expected I8 of rank %d", w->key, w->dtype, w->rank,
			           ps[0].rank);
		for (int d = 0; d < w->rank; d++)
			if (w->shape[d] != ps[0].shape[d])
				diag_error(path, 0, "tensor '%s' has dim %d of %lld; the model's %s needs %d", w->key, d,
				           w->shape[d], n->name, ps[0].shape[d]);
		const float *s = scales(a, f, need(f, arena_printf(a, "%s.weight_scale", n->name), n->name), oc);
		zero_points(a, f, need(f, arena_printf(a, "%s.weight_zero_point", n->name), n->name), oc, 0, 0);
		int k = q->nweights++;
		q->bias[k] = read_as(a, f, need(f, arena_printf(a, "%s.bias", n->name), n->name), "I32", oc);
		q->weight[k] = read_as(a, f, w, "I8", ps[0].count);
		q->weight_scale[k] = s;
		const StTensor *bf = st_find(f, arena_printf(a, "%s.bias_float", n->name));
		q->bias_float[k] = bf ? read_as(a, f, bf, "F32", oc) : NULL;
		for (long long c = 0; bf && c < oc; c++)
			if (!isfinite(q->bias_float[k][c]))
				diag_error(path, 0, "tensor '%s'[%lld] is %g; a bias must be finite", bf->key, c,
				           (double)q->bias_float[k][c]);
		q->weight_layer[k] = n->name;
		const StTensor *sq = st_find(f, arena_printf(a, "%s.weight_sqnr", n->name));
		q->weight_sqnr[k] = sq ? ((const float *)read_as(a, f, sq, "F32", 1))[0] : NAN;
		q->weight_scale_min[k] = q->weight_scale_max[k] = s[0];
		for (long long c = 1; c < oc; c++) {
			q->weight_scale_min[k] = s[c] < q->weight_scale_min[k] ? s[c] : q->weight_scale_min[k];
			q->weight_scale_max[k] = s[c] > q->weight_scale_max[k] ? s[c] : q->weight_scale_max[k];
		}
	}
	st_close(f);
	return q;
}
