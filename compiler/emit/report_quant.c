/*
 * report_quant.c: what `cnnc report --weights Q.safetensors` adds, the
 * quantization `cnnc quantize` chose, per layer of the model as written:
 *
 *   conv2d, linear  int8 weights (their scales' range over the output
 *                   channels and their SQNR), int32 bias
 *   every value an observer watched: uint8, its scale and zero point, the
 *                   range they cover and the SQNR of its own quantization
 *                   on the calibration data (the error of rounding and
 *                   clipping that value alone, not accumulated through
 *                   the layers: that needs the int8 kernels)
 *   the others      fp32, or "fused" (a conv's output that FX's fusion
 *                   takes straight into the relu after it; a batch norm
 *                   folded into its conv)
 *
 * These are the hooks the int8 code generation will read: a value's
 * dtype, scale and zero point.
 */
#include "../cnnc.h"

#include <cJSON.h>
#include <math.h>
#include <string.h>

/* The qparams q gives the value of layer name, or NULL. */
static const QValue *value_of(const QFile *q, const char *name)
{
	for (int i = 0; i < q->nvalues; i++)
		if (!strcmp(q->values[i].name, name))
			return &q->values[i];
	return NULL;
}

/* Index of name among q's int8 layers, or -1. */
static int weights_of(const QFile *q, const char *name)
{
	for (int i = 0; i < q->nweights; i++)
		if (!strcmp(q->weight_layer[i], name))
			return i;
	return -1;
}

/* Whether name is in list (comma-separated, NULL: empty). */
static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; p && *p;) {
		size_t k = strcspn(p, ",");
		if (k == len && !strncmp(p, name, len))
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

/* What layer n's value is, when q gives it no qparams. */
static const char *unquantized(const Graph *g, const Node *n, const QFile *q)
{
	if (listed(q->fp32, n->name)) /* kept in FP32 by --fp32 */
		return "fp32";
	if (n->op == OP_BATCH_NORM && (g->nodes[n->in[0]].op == OP_CONV2D || g->nodes[n->in[0]].op == OP_LINEAR))
		return "fused";
	if (n->op == OP_CONV2D || n->op == OP_LINEAR) /* int8: fused into the relu after it */
		return weights_of(q, n->name) >= 0 ? "fused" : "fp32";
	for (int j = n->id + 1; j < g->n; j++) /* observed after the relu FX fuses with it */
		if (quant_fused_relu(g, &g->nodes[j]) && g->nodes[j].in[0] == n->id && value_of(q, g->nodes[j].name))
			return "fused";
	return "fp32";
}

void report_quant_table(const Graph *g, const QFile *q, FILE *out)
{
	fprintf(out, "\nquantization (%s: %s over %lld samples; real = scale x (q - zero point)):\n", q->path,
	        q->method ? q->method : "?", q->samples);
	fprintf(out, "%-28s %-20s %-6s %14s %5s %25s %9s  %s\n", "layer", "op", "dtype", "scale", "zp", "range",
	        "SQNR dB", "weights");
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		const QValue *v = value_of(q, n->name);
		int w = weights_of(q, n->name);
		char wtext[96] = "";
		if (w >= 0)
			snprintf(wtext, sizeof wtext, "int8, scales %.3g..%.3g, SQNR %.1f dB; bias int32",
			         (double)q->weight_scale_min[w], (double)q->weight_scale_max[w], (double)q->weight_sqnr[w]);
		if (v)
			fprintf(out, "%-28s %-20s %-6s %14.8g %5d %12.6g..%-12.6g %9.1f  %s\n", n->name, op_name[n->op],
			        "uint8", (double)v->q.scale, v->q.zero_point, (double)v->q.lo, (double)v->q.hi,
			        (double)v->sqnr, wtext);
		else
			fprintf(out, "%-28s %-20s %-6s %14s %5s %25s %9s  %s\n", n->name, op_name[n->op],
			        unquantized(g, n, q), "-", "-", "-", "-", wtext);
	}
}

cJSON *report_quant_json(const Graph *g, const QFile *q)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "file", q->path);
	cJSON_AddStringToObject(root, "method", q->method ? q->method : "");
	cJSON_AddNumberToObject(root, "samples", (double)q->samples);
	cJSON *layers = cJSON_AddArrayToObject(root, "layers");
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		const QValue *v = value_of(q, n->name);
		int w = weights_of(q, n->name);
		cJSON *l = cJSON_CreateObject();
		cJSON_AddStringToObject(l, "name", n->name);
		cJSON_AddStringToObject(l, "dtype", v ? "uint8" : unquantized(g, n, q));
		if (v) {
			cJSON_AddNumberToObject(l, "scale", (double)v->q.scale);
			cJSON_AddNumberToObject(l, "zero_point", v->q.zero_point);
			cJSON_AddNumberToObject(l, "min", (double)v->q.lo);
			cJSON_AddNumberToObject(l, "max", (double)v->q.hi);
			if (isfinite(v->sqnr))
				cJSON_AddNumberToObject(l, "sqnr_db", (double)v->sqnr);
		}
		if (w >= 0) {
			cJSON *wj = cJSON_AddObjectToObject(l, "weights");
			cJSON_AddStringToObject(wj, "dtype", "int8");
			cJSON_AddNumberToObject(wj, "scale_min", (double)q->weight_scale_min[w]);
			cJSON_AddNumberToObject(wj, "scale_max", (double)q->weight_scale_max[w]);
			if (isfinite(q->weight_sqnr[w]))
				cJSON_AddNumberToObject(wj, "sqnr_db", (double)q->weight_sqnr[w]);
		}
		cJSON_AddItemToArray(layers, l);
	}
	return root;
}
