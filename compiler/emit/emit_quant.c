/*
 * emit_quant.c: the calls of an int8 region (passes/qregions.c): its
 * uint8 layers, NHWC, and the quantize and dequantize nodes at its
 * borders; and the int8 weights they read.
 *
 * needs: regions marked, memory planned.
 *
 * A uint8 conv2d or linear reads its int8 weights packed at compile
 * time as [oc][kh][kw][ic/groups] (rt_qconv2d's order: the channels of
 * one pixel contiguous, as NHWC has them), PyTorch's int32 bias (both
 * written as unsigned two's complement, read through signed pointers:
 * no negative integer constant, which `cnnc audit` flags), and
 * per output channel the multiplier input scale x weight scale / output
 * scale, each computed here in float32; a relu folded into it sets the
 * clamp's low end to the output's zero point. The other layers pass
 * their inputs' and output's scales and zero points to runtime/qops.c.
 */
#include "emit.h"

#include <string.h>

/* Packs n's int8 weights [OC, IC/g, KH, KW] as [OC][KH][KW][IC/g]. */
static const int8_t *packed(const Graph *g, const Node *n, long long *count)
{
	int oc = n->shape[1], kh = 1, kw = 1, cg;
	if (n->op == OP_CONV2D) {
		kh = n->a.kernel[0];
		kw = n->a.kernel[1];
	}
	ParamSpec ps[MAX_PARAMS];
	ir_params(g, n, ps);
	cg = (int)(ps[0].count / ((long long)oc * kh * kw));
	*count = ps[0].count;
	int8_t *w = arena_alloc(g->arena, (size_t)ps[0].count);
	for (int o = 0; o < oc; o++)
		for (int i = 0; i < cg; i++)
			for (int y = 0; y < kh; y++)
				for (int x = 0; x < kw; x++)
					w[(((long long)o * kh + y) * kw + x) * cg + i] = n->qweight[(((long long)o * cg + i) * kh + y) * kw + x];
	return w;
}

long long emit_quant_weight_bytes(const Graph *g)
{
	long long bytes = 0;
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		if (!n->qweight)
			continue;
		ParamSpec ps[MAX_PARAMS];
		ir_params(g, n, ps);
		bytes += ps[0].count + 8LL * n->shape[1]; /* int8 weights, int32 bias, float multipliers */
	}
	return bytes;
}

void emit_quant_weights(Emit *e, const Node *n)
{
	Graph *g = e->g;
	FILE *c = e->c;
	const Node *x = &g->nodes[n->in[0]];
	long long count;
	const int8_t *w = packed(g, n, &count);
	int oc = n->shape[1];
	const char *base = e->wbase[n->id];
	e->wname[n->id * MAX_PARAMS + 0] = arena_printf(g->arena, "w_%s_weight_q", base);
	e->wname[n->id * MAX_PARAMS + 1] = arena_printf(g->arena, "w_%s_bias_q", base);
	e->wname[n->id * MAX_PARAMS + 2] = arena_printf(g->arena, "w_%s_mult", base);
	fprintf(c, "/* %s.weight: int8, %lld bytes, packed [oc][kh][kw][ic/groups] for rt_qconv2d%s */\n", n->name,
	        count, n->note ? ", batch norm folded in" : "");
	fprintf(c, "static const unsigned char %s[%lld] = { /* two's complement: read as signed char */", emit_wname(e, n, 0), count);
	for (long long q = 0; q < count; q++)
		fprintf(c, "%s%u", q == 0 ? "\n\t" : q % 16 ? ", " : ",\n\t", (unsigned)(uint8_t)w[q]);
	fprintf(c, "\n};\n/* %s.bias: int32, scale input scale x weight scale */\n", n->name);
	fprintf(c, "static const unsigned int %s[%d] = { /* two's complement: read as int */", emit_wname(e, n, 1), oc);
	for (int o = 0; o < oc; o++)
		fprintf(c, "%s%luu", o == 0 ? "\n\t" : o % 8 ? ", " : ",\n\t", (unsigned long)(uint32_t)n->qbias[o]);
	fprintf(c, "\n};\n/* %s: requantization, input scale x weight scale / output scale */\n", n->name);
	fprintf(c, "static const float %s[%d] = {", emit_wname(e, n, 2), oc);
	for (int o = 0; o < oc; o++)
		fprintf(c, "%s%s", o == 0 ? "\n\t" : o % 4 ? ", " : ",\n\t",
		        emit_float(g->arena, x->qscale * n->qwscale[o] / n->qscale));
	fprintf(c, "\n};\n");
}

/* rt_qconv_params of n, in a block the caller closes. */
static void conv_params(Emit *e, const Node *n)
{
	const Node *x = &e->g->nodes[n->in[0]];
	const Attrs *a = &n->a;
	bool conv = n->op == OP_CONV2D;
	int h = conv ? x->shape[2] : 1, w = conv ? x->shape[3] : 1;
	fprintf(e->c, "\t{\n\t\tstatic const rt_qconv_params p = {\n");
	fprintf(e->c, "\t\t\t.n = %d, .c = %d, .h = %d, .w = %d, .oc = %d, .oh = %d, .ow = %d,\n", x->shape[0],
	        x->shape[1], h, w, n->shape[1], conv ? n->shape[2] : 1, conv ? n->shape[3] : 1);
	if (conv)
		fprintf(e->c, "\t\t\t.kh = %d, .kw = %d, .sh = %d, .sw = %d, .ph = %d, .pw = %d, .dh = %d, .dw = %d,\n",
		        a->kernel[0], a->kernel[1], a->stride[0], a->stride[1], a->pad[0], a->pad[1], a->dilation[0],
		        a->dilation[1]);
	else
		fprintf(e->c, "\t\t\t.kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1, .dw = 1,\n");
	fprintf(e->c, "\t\t\t.groups = %d, .zp_x = %d, .zp_y = %d, .lo = %d, .hi = 255,\n", conv ? a->groups : 1,
	        x->qzp, n->qzp, a->act == ACT_RELU ? n->qzp : 0);
	fprintf(e->c, "\t\t};\n");
}

/* n's dims as (n, c, hw) of the border kernels: rank 2 is N x F x 1. */
static void nchw(const Node *n, int *b, int *c, long long *hw)
{
	*b = n->shape[0];
	*c = n->shape[1];
	*hw = n->rank == 4 ? (long long)n->shape[2] * n->shape[3] : 1;
}

void emit_quant(Emit *e, const Node *n)
{
	Graph *g = e->g;
	FILE *c = e->c;
	Arena *A = g->arena;
	const Node *x = &g->nodes[n->in[0]];
	const char *X = e->var[x->id], *Y = e->var[n->id];
	int b, ch;
	long long hw;
	nchw(n, &b, &ch, &hw);
	switch (n->op) {
	case OP_QUANTIZE:
		fprintf(c, "\trt_quantize(%d, %d, %lld, %s, %s, %d, %s);\n", b, ch, hw, X, emit_float(A, n->qscale), n->qzp,
		        Y);
		return;
	case OP_DEQUANTIZE:
		fprintf(c, "\trt_dequantize(%d, %d, %lld, %s, %s, %d, %s);\n", b, ch, hw, X, emit_float(A, x->qscale),
		        x->qzp, Y);
		return;
	case OP_CONV2D:
	case OP_LINEAR:
		conv_params(e, n);
		fprintf(c, "\t\trt_qconv2d(&p, %s, (const signed char *)%s, (const int *)%s, %s, %s);\n\t}\n", X,
		        emit_wname(e, n, 0), emit_wname(e, n, 1),
		        emit_wname(e, n, 2), Y);
		return;
	case OP_ADD: {
		const Node *y2 = &g->nodes[n->in[1]];
		fprintf(c, "\trt_qadd(%lld, %s, %s, %d, %s, %s, %d, %s, %d, %d, %s);\n", ir_numel(n), X,
		        emit_float(A, x->qscale), x->qzp, e->var[y2->id], emit_float(A, y2->qscale), y2->qzp,
		        emit_float(A, n->qscale), n->qzp, n->a.act == ACT_RELU ? n->qzp : 0, Y);
		return;
	}
	case OP_RELU:
		fprintf(c, "\trt_qrelu(%lld, %s, %d, %s);\n", ir_numel(n), X, n->qzp, Y);
		return;
	case OP_MAX_POOL2D:
		emit_pool_params(e, n);
		fprintf(c, "\t\trt_qmax_pool2d(&p, %s, %s);\n\t}\n", X, Y);
		return;
	case OP_AVG_POOL2D:
		emit_pool_params(e, n);
		fprintf(c, "\t\trt_qavg_pool2d(&p, %s, %d, %s, %d, %s);\n\t}\n", X, x->qzp,
		        emit_float(A, x->qscale / n->qscale), n->qzp, Y);
		return;
	case OP_ADAPTIVE_AVG_POOL2D:
	case OP_GLOBAL_AVG_POOL:
		fprintf(c, "\trt_qadaptive_avg_pool2d(%d, %d, %d, %d, %d, %d, %s, %d, %s, %d, %s);\n", x->shape[0],
		        x->shape[1], x->shape[2], x->shape[3], n->shape[2], n->shape[3], X, x->qzp,
		        emit_float(A, x->qscale / n->qscale), n->qzp, Y);
		return;
	case OP_CONCAT: { /* each input to its channels [off, off + c) of each pixel */
		int off = 0;
		for (int i = 0; i < n->nin; i++) {
			const Node *xi = &g->nodes[n->in[i]];
			fprintf(c, "\trt_qcopy(%lld, %d, %s, %s, %d, %s, %d, %d, %s + %d);\n", ir_numel(n) / n->shape[1],
			        xi->shape[1], e->var[xi->id], emit_float(A, xi->qscale), xi->qzp, emit_float(A, n->qscale),
			        n->qzp, n->shape[1], Y, off);
			off += xi->shape[1];
		}
		return;
	}
	case OP_FLATTEN:
	case OP_DROPOUT:
	case OP_STOCHASTIC_DEPTH:
		fprintf(c, "\t/* (a view of %s: no code) */\n", X);
		return;
	default:
		BUG("no uint8 kernel for %s", op_name[n->op]);
	}
}
