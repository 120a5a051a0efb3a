/*
 * emit_quant.c: the calls of an int8 region (passes/qregions.c): its
 * uint8 layers, NHWC, and the quantize and dequantize nodes at its
 * borders; and the int8 weights they read.
 *
 * needs: regions marked, memory planned.
 *
 * A uint8 conv2d or linear calls runtime/cnnrt_int8.h's kernels: groups
 * 1 rt_qconv2d (im2col blocks, or a 1x1 in place, times rt_qgemm),
 * depthwise rt_qconv2d_dw, linear rt_qgemm_ep, any other grouped conv
 * qops.c's rt_qconv2d_direct. Its int8 weights are packed at compile
 * time in the kernel's order (rt_qpack's layout, from cnnrt_int8.h's
 * constants), and its requantization (rt_qepilogue) is computed here:
 * int32 bias = -zp_x x the channel's weight sum (the kernels sum raw
 * uint8 x int8 products; padding is zp_x), the float bias in the sum's
 * unit added after conversion (the Q file's NAME.bias_float; a file
 * without it gets the int32 bias rounded into the int32 one), and the
 * multiplier (1/s_y) / ((1/s_x)(1/s_w)), each reciprocal in double
 * rounded to float as PyTorch's onednn path takes it. Weights and bias
 * are written as unsigned two's complement and read through signed
 * pointers: no negative integer constant, which `cnnc audit` flags. A
 * relu folded into the op starts the clamp at the output's zero point. The other layers pass
 * their inputs' and output's scales and zero points to runtime/qops.c.
 */
#include "emit.h"

#include "../../runtime/cnnrt.h" /* RT_QGEMM_MR, RT_QGEMM_KR: rt_qpack's layout */

#include <math.h>
#include <string.h>

/* Which kernel a uint8 conv2d or linear calls (passes/qregions.c chose). */
typedef enum { QK_LINEAR, QK_GEMM, QK_DW, QK_DIRECT } QKernel;

static QKernel kernel_of(const Graph *g, const Node *n)
{
	if (n->op == OP_LINEAR)
		return QK_LINEAR;
	if (n->a.groups == 1)
		return QK_GEMM;
	return n->a.groups == g->nodes[n->in[0]].shape[1] && n->a.groups == n->shape[1] ? QK_DW : QK_DIRECT;
}

/* rt_qpack's layout (cnnrt_int8.h), at compile time: W [m][k] ->
 * Wp[((mb * K4 + k4) * 16 + mi) * 4 + kj], zeros past M and K. */
static int8_t *qpack(Arena *a, int M, int K, const int8_t *W, long long *bytes)
{
	long long K4 = (K + RT_QGEMM_KR - 1) / RT_QGEMM_KR, MB = (M + RT_QGEMM_MR - 1) / RT_QGEMM_MR;
	*bytes = MB * RT_QGEMM_MR * K4 * RT_QGEMM_KR;
	int8_t *wp = arena_alloc(a, (size_t)*bytes);
	for (long long m = 0; m < M; m++)
		for (long long k = 0; k < K; k++)
			wp[(((m / RT_QGEMM_MR) * K4 + k / RT_QGEMM_KR) * RT_QGEMM_MR + m % RT_QGEMM_MR) * RT_QGEMM_KR +
			   k % RT_QGEMM_KR] = W[m * K + k];
	return wp;
}

/* n's int8 weights [OC, IC/g, KH, KW] (linear [OUT, IN]) in its kernel's
 * order: rt_qpack of [oc][kh][kw][ic] (groups 1, linear), [kh][kw][c]
 * (depthwise) or [oc][kh][kw][ic/groups] (direct). */
static const int8_t *packed(const Graph *g, const Node *n, long long *bytes)
{
	int oc = n->shape[1], kh = 1, kw = 1;
	if (n->op == OP_CONV2D) {
		kh = n->a.kernel[0];
		kw = n->a.kernel[1];
	}
	ParamSpec ps[MAX_PARAMS];
	ir_params(g, n, ps);
	int cg = (int)(ps[0].count / ((long long)oc * kh * kw));
	QKernel k = kernel_of(g, n);
	int8_t *w = arena_alloc(g->arena, (size_t)ps[0].count);
	for (int o = 0; o < oc; o++)
		for (int i = 0; i < cg; i++)
			for (int y = 0; y < kh; y++)
				for (int x = 0; x < kw; x++) {
					int8_t v = n->qweight[(((long long)o * cg + i) * kh + y) * kw + x];
					if (k == QK_DW)
						w[((long long)y * kw + x) * oc + o] = v;
					else
						w[(((long long)o * kh + y) * kw + x) * cg + i] = v;
				}
	*bytes = ps[0].count;
	if (k == QK_GEMM || k == QK_LINEAR)
		return qpack(g->arena, oc, (int)(ps[0].count / oc), w, bytes);
	return w;
}

long long emit_quant_node_bytes(const Graph *g, const Node *n)
{
	ParamSpec ps[MAX_PARAMS];
	ir_params(g, n, ps);
	int oc = n->shape[1];
	QKernel k = kernel_of(g, n);
	long long w = k == QK_GEMM || k == QK_LINEAR ? (long long)RT_QPACKED(oc, ps[0].count / oc) : ps[0].count;
	return w + 4LL * oc * (n->qfbias ? 3 : 2);
}

long long emit_quant_weight_bytes(const Graph *g)
{
	long long bytes = 0;
	for (int i = 0; i < g->n; i++)
		if (g->nodes[i].qweight)
			bytes += emit_quant_node_bytes(g, &g->nodes[i]);
	return bytes;
}

/* 1 / v in double, rounded to float: how PyTorch's onednn path takes a
 * scale's reciprocal (cnnrt_int8.h). */
static float recip(float v) { return (float)(1.0 / (double)v); }

/* v on n's uint8 grid as PyTorch's quantize_val puts it (how its quantized
 * relu6 and hardtanh quantize their bounds): zp + nearbyint(v * (1 / s)),
 * in float, clamped to 0..255. */
static int quantize_val(const Node *n, double v)
{
	float q = nearbyintf((float)v * (1.0f / n->qscale)) + (float)n->qzp;
	return q < 0 ? 0 : q > 255 ? 255 : (int)q;
}

/* The clamp of n's uint8 output: a relu folded in (qregions) from the
 * zero point, a relu6 or hardtanh folded in to its bounds quantized. */
static void clamp_of(const Node *n, int *lo, int *hi)
{
	*lo = n->a.act == ACT_RELU ? n->qzp : n->a.act == ACT_HARDTANH ? quantize_val(n, n->a.param) : 0;
	*hi = n->a.act == ACT_HARDTANH ? quantize_val(n, n->a.param2) : 255;
}

/* A C expression of type `const T *` for count 4-byte words v (T int32_t
 * or float): a pointer into the blob (64-byte aligned, so a whole number
 * of floats in: an address constant, as rt_qepilogue's static initializer
 * needs), or the C array name, declared here. */
static const char *put_words(Emit *e, const char *name, const char *t, const void *v, int count)
{
	Arena *A = e->g->arena;
	if (e->blob)
		return arena_printf(A, "(const %s *)(%s_blob + %llu)", t, e->o->sym,
		                    emit_blob_put(e, v, (size_t)count * 4) / 4);
	bool is_int = strcmp(t, "float") != 0;
	fprintf(e->c, "static const %s %s[%d] = {%s", is_int ? "uint32_t" : "float", name, count,
	        is_int ? " /* two's complement: read as int32_t */" : "");
	for (int o = 0; o < count; o++) {
		fputs(o == 0 ? "\n\t" : o % (is_int ? 8 : 4) ? ", " : ",\n\t", e->c);
		if (is_int)
			fprintf(e->c, "%luu", (unsigned long)((const uint32_t *)v)[o]);
		else
			fputs(emit_float(A, ((const float *)v)[o]), e->c);
	}
	fprintf(e->c, "\n};\n");
	return is_int ? arena_printf(A, "(const int32_t *)%s", name) : name;
}

void emit_quant_weights(Emit *e, const Node *n)
{
	Graph *g = e->g;
	FILE *c = e->c;
	const Node *x = &g->nodes[n->in[0]];
	long long bytes, per;
	const int8_t *w = packed(g, n, &bytes);
	int oc = n->shape[1];
	ParamSpec ps[MAX_PARAMS];
	ir_params(g, n, ps);
	per = ps[0].count / oc;
	const char *base = e->wbase[n->id];
	e->wname[n->id * MAX_PARAMS + 0] = arena_printf(g->arena, "w_%s_weight_q", base);
	e->wname[n->id * MAX_PARAMS + 3] = arena_printf(g->arena, "w_%s_ep", base);
	static const char *const order[] = {"rt_qpack of [out][in] for rt_qgemm_ep",
	                                    "rt_qpack of [oc][kh][kw][ic] for rt_qconv2d",
	                                    "[kh][kw][c] for rt_qconv2d_dw", "[oc][kh][kw][ic/groups] for rt_qconv2d_direct"};
	fprintf(c, "/* %s.weight: int8, %lld bytes, packed %s%s */\n", n->name, bytes, order[kernel_of(g, n)],
	        n->note ? ", batch norm folded in" : "");
	if (e->blob) /* in the linked blob, 64-byte aligned: a whole number of floats in */
		fprintf(c, "static const uint8_t *const %s = (const uint8_t *)(%s_blob + %llu);\n", emit_wname(e, n, 0),
		        e->o->sym, emit_blob_put(e, w, (size_t)bytes) / 4);
	else {
		fprintf(c, "static const uint8_t %s[%lld] = { /* two's complement: read as int8_t */", emit_wname(e, n, 0),
		        bytes);
		for (long long q = 0; q < bytes; q++)
			fprintf(c, "%s%u", q == 0 ? "\n\t" : q % 16 ? ", " : ",\n\t", (unsigned)(uint8_t)w[q]);
		fprintf(c, "\n};\n");
	}
	uint32_t *bias = arena_alloc(g->arena, (size_t)oc * sizeof *bias);
	float *mult = arena_alloc(g->arena, (size_t)oc * sizeof *mult);
	float ix = recip(x->qscale), iy = recip(n->qscale);
	for (int o = 0; o < oc; o++) {
		long long sum = 0;
		for (long long k = 0; k < per; k++)
			sum += n->qweight[o * per + k];
		long long b = (n->qfbias ? 0 : (long long)n->qbias[o]) - (long long)x->qzp * sum;
		if (b < INT32_MIN || b > INT32_MAX)
			diag_error(g->file, n->line, "%s: int8 bias of channel %d out of int32 range", n->name, o);
		bias[o] = (uint32_t)(int32_t)b; /* two's complement: read as int32_t */
		float iw = recip(n->qwscale[o]), d = ix * iw;
		mult[o] = iy / d;
	}
	fprintf(c, "/* %s: int32 bias (scale: input x weight scale) - zp_x * the channel's weight sum */\n",
	        n->name);
	const char *bias_c = put_words(e, arena_printf(g->arena, "w_%s_bias_q", base), "int32_t", bias, oc);
	fprintf(c, "/* %s: requantization, (1/s_y) / ((1/s_x)(1/s_w)), reciprocals as PyTorch takes them */\n",
	        n->name);
	const char *mult_c = put_words(e, arena_printf(g->arena, "w_%s_mult", base), "float", mult, oc);
	const char *fb = "NULL";
	if (n->qfbias) { /* added after the sum's conversion, unrounded, as PyTorch's onednn conv adds it */
		float *fbias = arena_alloc(g->arena, (size_t)oc * sizeof *fbias);
		for (int o = 0; o < oc; o++)
			fbias[o] = n->qfbias[o] * (ix * recip(n->qwscale[o]));
		fprintf(c, "/* %s: the float bias in the sum's unit, b (1/s_x)(1/s_w) */\n", n->name);
		fb = put_words(e, arena_printf(g->arena, "w_%s_fbias", base), "float", fbias, oc);
	}
	int lo, hi;
	clamp_of(n, &lo, &hi);
	fprintf(c, "static const rt_qepilogue %s = {%s, %s, %s, %d, %d, %d};\n", emit_wname(e, n, 3), bias_c, fb,
	        mult_c, n->qzp, lo, hi);
}

/* rt_conv2d_params of conv n, in a block the caller closes. */
static void conv_params(Emit *e, const Node *n)
{
	const Node *x = &e->g->nodes[n->in[0]];
	const Attrs *a = &n->a;
	fprintf(e->c, "\t{\n\t\tstatic const rt_conv2d_params p = {\n");
	fprintf(e->c, "\t\t\t.n = %d, .c = %d, .h = %d, .w = %d, .oc = %d, .oh = %d, .ow = %d,\n", x->shape[0],
	        x->shape[1], x->shape[2], x->shape[3], n->shape[1], n->shape[2], n->shape[3]);
	fprintf(e->c, "\t\t\t.kh = %d, .kw = %d, .sh = %d, .sw = %d, .ph = %d, .pw = %d, .dh = %d, .dw = %d, .groups = %d,\n",
	        a->kernel[0], a->kernel[1], a->stride[0], a->stride[1], a->pad[0], a->pad[1], a->dilation[0],
	        a->dilation[1], a->groups);
	fprintf(e->c, "\t\t};\n");
}

/* n's dims as (n, c, hw) of the border kernels: rank 2 is N x F x 1, rank 3 N x C x L. */
static void nchw(const Node *n, int *b, int *c, long long *hw)
{
	*b = n->shape[0];
	*c = n->shape[1];
	*hw = 1; /* rank 3: only quantized and dequantized (no uint8 kernel reads it), any order will do */
	for (int d = 2; d < n->rank; d++)
		*hw *= n->shape[d];
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
	case OP_LINEAR: /* x: [n, in] -> y: [n, out] */
		fprintf(c, "\trt_qgemm_ep(%d, %d, %d, %s, %d, (const int8_t *)%s, &%s, %s, %d);\n", x->shape[0],
		        n->shape[1], x->shape[1], X, x->shape[1], emit_wname(e, n, 0), emit_wname(e, n, 3), Y, n->shape[1]);
		return;
	case OP_CONV2D:
		conv_params(e, n);
		switch (kernel_of(g, n)) {
		case QK_GEMM:
			if (n->scratch)
				fprintf(c, "\t\trt_qconv2d(&p, %d, %s, %d, (const int8_t *)%s, &%s, %s, %d, ws + %lld);\n",
				        e->o->threads, X, x->qzp, emit_wname(e, n, 0), emit_wname(e, n, 3), Y, n->shape[1],
				        g->plan->scratch_offset[n->id]);
			else
				fprintf(c, "\t\trt_qconv2d(&p, %d, %s, %d, (const int8_t *)%s, &%s, %s, %d, NULL);\n",
				        e->o->threads, X, x->qzp, emit_wname(e, n, 0), emit_wname(e, n, 3), Y, n->shape[1]);
			break;
		case QK_DW:
			fprintf(c, "\t\trt_qconv2d_dw(&p, %s, %d, (const int8_t *)%s, &%s, %s, %d);\n", X, x->qzp,
			        emit_wname(e, n, 0), emit_wname(e, n, 3), Y, n->shape[1]);
			break;
		default:
			fprintf(c, "\t\trt_qconv2d_direct(&p, %s, %d, (const int8_t *)%s, &%s, %s);\n", X, x->qzp,
			        emit_wname(e, n, 0), emit_wname(e, n, 3), Y);
			break;
		}
		fprintf(c, "\t}\n");
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
	case OP_RELU6:
	case OP_HARDTANH: { /* PyTorch's quantized relu6 and hardtanh: a clamp to the bounds quantized */
		double lo = n->op == OP_RELU6 ? 0 : n->a.param, hi = n->op == OP_RELU6 ? 6 : n->a.param2;
		fprintf(c, "\trt_qclamp(%lld, %s, %d, %d, %s);\n", ir_numel(n), X, quantize_val(n, lo),
		        quantize_val(n, hi), Y);
		return;
	}
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
