/*
 * report.c: the per-layer report (`cnnc report`), as a table or JSON.
 *
 * One row per layer of the model as written: name, op, output shape,
 * parameters, the bytes of weights the program holds for it (those of
 * the node it runs as, folded, transformed and packed: pack_program_bytes;
 * int8 ones as the int8 kernels read them: emit_quant_node_bytes; under
 * the first row that runs as that node; with a Q file the plan is the
 * int8 compile's, as compile and build make it), MACs (conv2d and linear
 * multiply-accumulates), activation bytes (the node's output in
 * float32), the note the passes left; then
 * the algorithm, layout, scratch and algorithm note of the node it runs
 * as in the graph compile emits ("-" when it was folded, fused or
 * removed: the note says which); then totals (the program's weight bytes
 * beside the parameters'), and the memory plan:
 * arena_bytes is the planned workspace, shown beside the naive sum of all
 * activations. --json adds each buffer's offset, size and lifetime, and
 * each chunk or split piece read in place ("buffer": "view", "of" the
 * buffer it lies in, at "offset" bytes); --svg draws the plan.
 * The layout column is the layout each layer's value is stored in; the
 * reorders the layout pass inserted get rows of their own, under the
 * layer whose value they reorder (JSON: "reorders").
 */
#include "../cnnc.h"

#include <cJSON.h>
#include <stdlib.h>

typedef struct {
	long long params;      /* learnable elements */
	long long macs;        /* multiply-accumulates */
	long long weight_bytes;/* stored weights (running statistics too), float32 */
	long long act_bytes;   /* sum of every activation, float32 */
} Totals;

/* Bytes of n's value as an activation: a param's is among the weights. */
static long long act_bytes(const Node *n) { return n->op == OP_PARAM ? 0 : 4 * ir_numel(n); }

static Totals totals(const Graph *g)
{
	Totals t = {0, 0, 0, 0};
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		t.params = ir_add_sat(t.params, ir_param_count(g, n));
		t.weight_bytes = ir_add_sat(t.weight_bytes, ir_mul(4, ir_weight_count(g, n)));
		t.macs = ir_add_sat(t.macs, ir_macs(g, n));
		t.act_bytes = ir_add_sat(t.act_bytes, act_bytes(n));
	}
	return t;
}

/* What layer i of the model as written runs as in opt, or NULL when it
 * does not run (absorbed or removed). */
static const Node *runs_as(const Graph *opt, const int *map, int i) { return map[i] >= 0 ? &opt->nodes[map[i]] : NULL; }

/* Whether row i is the first of the model as written that runs as its
 * node of opt (several rows may run as one node: the node's reorders,
 * and its weights, go under the first). */
static bool first_row(const int *map, int i)
{
	bool first = map[i] >= 0;
	for (int j = 0; j < i && first; j++)
		first = map[j] != map[i];
	return first;
}

/* Bytes of weights the program holds for node r: int8 ones as the int8
 * kernel reads them, float ones folded, transformed and packed. */
static long long node_program_bytes(const Graph *opt, const Node *r)
{
	return r->qweight ? emit_quant_node_bytes(opt, r) : pack_program_bytes(opt, r);
}

/* Bytes of weights the program holds for row i: those of the node it
 * runs as, under the first row that runs as it. */
static long long row_program_bytes(const Graph *opt, const int *map, int i)
{
	return first_row(map, i) ? node_program_bytes(opt, &opt->nodes[map[i]]) : 0;
}

/* Bytes of every weight the program holds. */
static long long program_bytes(const Graph *opt)
{
	long long total = 0;
	for (int i = 0; i < opt->n; i++)
		total = ir_add_sat(total, node_program_bytes(opt, &opt->nodes[i]));
	return total;
}

static const char *algo_of(const Node *r)
{
	return r && (r->op == OP_CONV2D || r->op == OP_CONV_TRANSPOSE2D) ? algo_name[r->algo] : "-";
}

/* g: the model as written (rows); opt: as it runs (plan); map: g's ids
 * to opt's (-1: absorbed by an optimization or removed). */
static void print_json(const Graph *g, const Graph *opt, const int *map, const QFile *q, FILE *out)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "model", g->model);
	cJSON *layers = cJSON_AddArrayToObject(root, "layers");
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i], *r = runs_as(opt, map, i);
		cJSON *l = cJSON_CreateObject();
		cJSON_AddNumberToObject(l, "id", i);
		cJSON_AddStringToObject(l, "name", n->name);
		cJSON_AddStringToObject(l, "op", op_name[n->op]);
		cJSON_AddNumberToObject(l, "line", n->line);
		cJSON *in = cJSON_AddArrayToObject(l, "inputs");
		for (int j = 0; j < n->nin; j++)
			cJSON_AddItemToArray(in, cJSON_CreateNumber(n->in[j]));
		cJSON *shape = cJSON_AddArrayToObject(l, "shape");
		for (int d = 0; d < n->rank; d++)
			cJSON_AddItemToArray(shape, cJSON_CreateNumber(n->shape[d]));
		cJSON_AddNumberToObject(l, "params", (double)ir_param_count(g, n));
		cJSON_AddNumberToObject(l, "program_weight_bytes", (double)row_program_bytes(opt, map, i));
		cJSON_AddNumberToObject(l, "macs", (double)ir_macs(g, n));
		cJSON_AddNumberToObject(l, "activation_bytes", (double)act_bytes(n));
		cJSON_AddStringToObject(l, "algorithm", algo_of(r));
		cJSON_AddStringToObject(l, "layout", r ? layout_name[r->layout] : "-");
		cJSON_AddNumberToObject(l, "workspace_bytes", r ? (double)r->scratch : 0.0);
		if (r && r->op != n->op) /* channels_last's linear as a 1x1 conv2d */
			cJSON_AddStringToObject(l, "runs_as_op", op_name[r->op]);
		if (r)
			cJSON_AddStringToObject(l, "runs_as", r->name);
		else
			cJSON_AddNullToObject(l, "runs_as");
		if (n->note)
			cJSON_AddStringToObject(l, "note", n->note);
		if (r && r->algo_note)
			cJSON_AddStringToObject(l, "algo_note", r->algo_note);
		cJSON_AddItemToArray(layers, l);
	}
	cJSON *reorders = cJSON_AddArrayToObject(root, "reorders");
	for (int i = 0; i < opt->n; i++) {
		const Node *r = &opt->nodes[i];
		if (r->op != OP_REORDER)
			continue;
		cJSON *l = cJSON_CreateObject();
		cJSON_AddStringToObject(l, "name", r->name);
		cJSON_AddStringToObject(l, "of", opt->nodes[r->in[0]].name);
		cJSON_AddStringToObject(l, "from", layout_name[opt->nodes[r->in[0]].layout]);
		cJSON_AddStringToObject(l, "to", layout_name[r->layout]);
		cJSON_AddNumberToObject(l, "bytes", (double)(4 * layout_numel(r)));
		cJSON_AddItemToArray(reorders, l);
	}
	if (opt->layout_note)
		cJSON_AddStringToObject(root, "layout_note", opt->layout_note);
	Totals t = totals(g);
	cJSON *tot = cJSON_AddObjectToObject(root, "total");
	cJSON_AddNumberToObject(tot, "params", (double)t.params);
	cJSON_AddNumberToObject(tot, "macs", (double)t.macs);
	cJSON_AddNumberToObject(tot, "flops", 2.0 * (double)t.macs);
	cJSON_AddNumberToObject(tot, "weight_bytes", (double)t.weight_bytes);
	cJSON_AddNumberToObject(tot, "program_weight_bytes", (double)program_bytes(opt));
	cJSON_AddNumberToObject(tot, "activation_bytes", (double)t.act_bytes);
	const MemPlan *p = opt->plan;
	cJSON_AddNumberToObject(tot, "arena_bytes", (double)p->workspace);
	cJSON_AddNumberToObject(tot, "naive_arena_bytes", (double)p->naive);
	cJSON *tensors = cJSON_AddArrayToObject(root, "tensors");
	for (int i = 0; i < opt->n; i++) {
		if (memplan_piece(opt, i) || memplan_in_concat(opt, i)) {
			/* a chunk or split piece read in place, or a value in a
			 * concat's channels: where in whose buffer */
			cJSON *v = cJSON_CreateObject();
			cJSON_AddNumberToObject(v, "id", i);
			cJSON_AddStringToObject(v, "name", opt->nodes[i].name);
			cJSON_AddStringToObject(v, "buffer", "view");
			cJSON_AddStringToObject(v, "of", opt->nodes[p->home[i]].name);
			cJSON_AddNumberToObject(v, "offset", (double)p->view_offset[i]);
			cJSON_AddNumberToObject(v, "bytes", (double)p->bytes[i]);
			cJSON_AddItemToArray(tensors, v);
		}
		if (p->home[i] != i)
			continue;
		cJSON *b = cJSON_CreateObject();
		cJSON_AddNumberToObject(b, "id", i);
		cJSON_AddStringToObject(b, "name", opt->nodes[i].name);
		cJSON_AddStringToObject(b, "buffer", p->offset[i] == MEM_INPUT    ? "input"
		                                     : p->offset[i] == MEM_OUTPUT ? "output"
		                                     : p->offset[i] == MEM_CONST  ? "weights"
		                                                                  : "workspace");
		cJSON_AddNumberToObject(b, "offset", (double)(p->offset[i] < 0 ? 0 : p->offset[i]));
		cJSON_AddNumberToObject(b, "bytes", (double)p->bytes[i]);
		cJSON_AddNumberToObject(b, "first", p->first[i]);
		cJSON_AddNumberToObject(b, "last", p->last[i]);
		cJSON_AddItemToArray(tensors, b);
		if (opt->nodes[i].scratch > 0) {
			cJSON *sc = cJSON_CreateObject();
			cJSON_AddNumberToObject(sc, "id", i);
			cJSON_AddStringToObject(sc, "name", arena_printf(opt->arena, "%s.scratch", opt->nodes[i].name));
			cJSON_AddStringToObject(sc, "buffer", "scratch");
			cJSON_AddNumberToObject(sc, "offset", (double)p->scratch_offset[i]);
			cJSON_AddNumberToObject(sc, "bytes", (double)opt->nodes[i].scratch);
			cJSON_AddNumberToObject(sc, "first", i);
			cJSON_AddNumberToObject(sc, "last", i);
			cJSON_AddItemToArray(tensors, sc);
		}
	}
	if (q)
		cJSON_AddItemToObject(root, "quantization", report_quant_json(g, q));
	char *s = cJSON_Print(root);
	if (!s)
		BUG("cJSON_Print failed");
	fprintf(out, "%s\n", s);
	free(s);
	cJSON_Delete(root);
}

/* 1234567 -> "1,234,567" */
static const char *grouped(long long v, char *buf, size_t size)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof tmp, "%lld", v), o = 0;
	for (int i = 0; i < len && (size_t)o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0 && tmp[i - 1] != '-')
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = 0;
	return buf;
}

/* The notes column: the layer's note, then the numbers behind the
 * algorithm of what it runs as (r, NULL when it does not run). */
static const char *notes(const Node *n, const Node *r, Arena *a)
{
	const char *part[3] = {r && r->op != n->op ? arena_printf(a, "runs as %s", op_name[r->op]) : NULL, n->note,
	                       r ? r->algo_note : NULL}; /* the first: channels_last's linear as a 1x1 conv2d */
	const char *text = "";
	for (int i = 0; i < 3; i++)
		if (part[i])
			text = text[0] ? arena_printf(a, "%s; %s", text, part[i]) : part[i];
	return text;
}

static void print_table(const Graph *g, const Graph *opt, const int *map, const ReportOptions *o, FILE *out)
{
	char s[64], p[32], m[32], b[32], w[32], pw[32];
	const char *row = "%-28s %-20s %-16s %12s %13s %16s %14s %-9s %-6s %12s  %s\n";
	if (o->prefer_size)
		fprintf(out, "model %s (%s), -Os\n", g->model, g->file);
	else
		fprintf(out, "model %s (%s), -O%d\n", g->model, g->file, o->opt_level);
	fprintf(out, row, "layer", "op", "output", "params", "prog weights", "MACs", "act bytes", "algo", "layout",
	        "ws bytes", "notes");
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i], *r = runs_as(opt, map, i);
		fprintf(out, row, n->name, op_name[n->op], ir_shape_str(n, s, sizeof s),
		        grouped(ir_param_count(g, n), p, sizeof p), grouped(row_program_bytes(opt, map, i), pw, sizeof pw),
		        grouped(ir_macs(g, n), m, sizeof m), grouped(act_bytes(n), b, sizeof b), algo_of(r),
		        r ? layout_name[r->layout] : "-", grouped(r ? r->scratch : 0, w, sizeof w),
		        notes(n, r, opt->arena));
		for (int k = 0; first_row(map, i) && k < opt->n; k++) {
			const Node *ro = &opt->nodes[k];
			if (ro->op == OP_REORDER && ro->in[0] == map[i])
				fprintf(out, row, ro->name, "reorder", ir_shape_str(ro, s, sizeof s), "0", "0", "0",
				        grouped(4 * layout_numel(ro), b, sizeof b), "-", layout_name[ro->layout], "0", ro->note);
		}
	}
	if (opt->layout_note)
		fprintf(out, "%s\n", opt->layout_note);
	Totals t = totals(g);
	long long stored = program_bytes(opt);
	fprintf(out, "total: %s params (%s weight bytes), %s MACs (%.3f GFLOPs)\n", grouped(t.params, p, sizeof p),
	        grouped(t.weight_bytes, b, sizeof b), grouped(t.macs, m, sizeof m), 2e-9 * (double)t.macs);
	fprintf(out, "weights in the program: %s bytes (folded, transformed, packed; %.2fx the parameters' %s)\n",
	        grouped(stored, pw, sizeof pw), t.weight_bytes ? (double)stored / (double)t.weight_bytes : 0.0,
	        grouped(t.weight_bytes, b, sizeof b));
	fprintf(out, "workspace: %s bytes planned by liveness (one buffer per activation and scratch: %s bytes)\n",
	        grouped(opt->plan->workspace, s, sizeof s), grouped(opt->plan->naive, b, sizeof b));
}

/* s as XML character data or an attribute value: the five markup
 * characters as entities, and control bytes (which XML 1.0 cannot carry
 * at all) as '?'. Model and layer names come from the user. */
static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default: fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, out); break;
		}
	}
}

/* The plan as a picture: one rectangle per workspace buffer, its lifetime
 * across (node ids) and its bytes down. */
static void print_svg(const Graph *g, FILE *out)
{
	const MemPlan *p = g->plan;
	const double W = 960, H = 640, left = 60, top = 40;
	double xs = (W - left - 20) / g->n;
	double ys = p->workspace ? (H - top - 40) / (double)p->workspace : 1;
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
	             "font-family=\"sans-serif\" font-size=\"10\">\n", W, H);
	fputs("<title>", out);
	xml_text(out, g->model);
	fputs(": memory plan</title>\n", out);
	fprintf(out, "<text x=\"%g\" y=\"20\" font-size=\"14\">", left);
	xml_text(out, g->model);
	fprintf(out, ": workspace %lld bytes (naive %lld); across: layer, down: offset</text>\n", p->workspace,
	        p->naive);
	fprintf(out, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"#888\"/>\n",
	        left, top, xs * g->n, ys * (double)p->workspace);
	for (int i = 0; i < g->n; i++) {
		if (p->home[i] != i || p->offset[i] < 0)
			continue;
		double x = left + xs * p->first[i], y = top + ys * (double)p->offset[i];
		double w = xs * (p->last[i] - p->first[i] + 1), h = ys * (double)p->bytes[i];
		unsigned hue = (unsigned)(i * 47) % 360;
		fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		             "fill=\"hsl(%u,60%%,70%%)\" stroke=\"#333\" stroke-width=\"0.5\"><title>",
		        x, y, w, h > 0.5 ? h : 0.5, hue);
		xml_text(out, g->nodes[i].name);
		fprintf(out, ": %lld bytes at %lld, layers %d..%d</title></rect>\n", p->bytes[i], p->offset[i],
		        p->first[i], p->last[i]);
		if (h > 12 && w > 40) {
			fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 2, y + 11);
			xml_text(out, g->nodes[i].name);
			fputs("</text>\n", out);
		}
	}
	fprintf(out, "<text x=\"%g\" y=\"%g\">0</text><text x=\"%g\" y=\"%g\" text-anchor=\"end\">%d</text>\n",
	        left, H - 20, left + xs * g->n, H - 20, g->n - 1);
	fprintf(out, "</svg>\n");
}

void report_svg(const Graph *g, const char *path)
{
	OutFile *f = out_open(g->arena, path);
	print_svg(g, f->f);
	out_commit(&f, 1);
}

void report_print(const Graph *g, const Graph *opt, const int *map, const ReportOptions *o, FILE *out)
{
	if (o->json)
		print_json(g, opt, map, o->qfile, out);
	else
		print_table(g, opt, map, o, out);
	if (!o->json && o->qfile)
		report_quant_table(g, o->qfile, out);
}
