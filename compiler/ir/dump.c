/*
 * dump.c: the IR as text (--dump-ir[=PASS]), one node a line:
 *
 *   %3 = conv2d %2 name=conv1 out_channels=64 kernel=7x7 stride=2x2 pad=3x3 : 1x64x112x112  # line 4
 *
 * Only options that differ from zero are printed, so a dump stays short.
 * After the passes, what they decided follows the options in the same
 * way: act=relu (act_negative_slope= and the like for an activation with an option; act=prelu act_slopes=KEY
 * for a fused prelu) and residual (fuse), prologue=BN or BN+relu (a
 * batch norm, and relu, applied to a conv's input: fuse_prologue), algo= (passes/algo.c;
 * absent: direct, or not chosen yet), scratch= (bytes), layout= (absent:
 * nchw), packed= (floats, pack), in an int8 compile dtype=u8 (absent:
 * float32), qscale= qzp= (the value's quantization, from the Q file) and
 * weights=int8 (quant_bind), and dead (absorbed; dce removes it) or
 * folded (a batch_norm folded into its input). Once memplan has run,
 * where the value lives: `@ws+OFFSET` (its own workspace buffer), `@input`,
 * `@output`, `@weights` (a param), or `@%H` (the buffer of node H: a view,
 * or an element-wise op in place; `@%H[A..B]` for a value in channels
 * A..B of concat H's buffer, written there by its producer).
 */
#include "../cnnc.h"

static void pair(FILE *out, const char *key, const int v[2])
{
	if (v[0] || v[1])
		fprintf(out, " %s=%dx%d", key, v[0], v[1]);
}

static void plan_str(const Graph *g, int i, FILE *out)
{
	const MemPlan *p = g->plan;
	int h = p->home[i];
	if (h != i && p->in_concat[i])
		fprintf(out, " @%%%d[%lld..%lld]", h, p->view_offset[i] / 4 / ir_inner(&g->nodes[i]),
		        p->view_offset[i] / 4 / ir_inner(&g->nodes[i]) + g->nodes[i].shape[1] - 1);
	else if (h != i)
		fprintf(out, " @%%%d", h);
	else if (p->offset[i] == MEM_INPUT)
		fprintf(out, " @input");
	else if (p->offset[i] == MEM_OUTPUT)
		fprintf(out, " @output");
	else if (p->offset[i] == MEM_CONST)
		fprintf(out, " @weights");
	else
		fprintf(out, " @ws+%lld", p->offset[i]);
}

void ir_dump(const Graph *g, FILE *out)
{
	char buf[64];
	fprintf(out, "# model %s (%s): %d nodes, input %%%d, output %%%d\n", g->model, g->file, g->n,
	        g->input, g->output);
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		const Attrs *a = &n->a;
		fprintf(out, "%%%d = %s", i, op_name[n->op]);
		for (int j = 0; j < n->nin; j++)
			fprintf(out, "%s%%%d", j ? ", " : " ", n->in[j]);
		fprintf(out, " name=%s", n->name);
		if (a->out_channels)
			fprintf(out, " out_channels=%d", a->out_channels);
		if (a->out_features)
			fprintf(out, " out_features=%d", a->out_features);
		pair(out, "kernel", a->kernel);
		pair(out, "stride", a->stride);
		pair(out, "pad", a->pad);
		pair(out, "output_padding", a->out_pad);
		if (a->dilation[0] > 1 || a->dilation[1] > 1)
			pair(out, "dilation", a->dilation);
		if (a->groups > 1)
			fprintf(out, " groups=%d", a->groups);
		if (a->bias)
			fprintf(out, " bias");
		if (a->ceil_mode)
			fprintf(out, " ceil_mode");
		if (n->op == OP_AVG_POOL2D && !a->count_include_pad)
			fprintf(out, " exclude_pad");
		pair(out, "out_size", a->out_size);
		if (a->eps)
			fprintf(out, " eps=%g", a->eps);
		if (act_info[ir_act_of(n->op)].option)
			fprintf(out, " %s=%g", act_info[ir_act_of(n->op)].option, a->param);
		if (act_info[ir_act_of(n->op)].option2)
			fprintf(out, " %s=%g", act_info[ir_act_of(n->op)].option2, a->param2);
		if (n->op == OP_DROPOUT || n->op == OP_STOCHASTIC_DEPTH)
			fprintf(out, " p=%g", a->p);
		if (n->nin == 1 && ir_is_binary(n->op))
			fprintf(out, " %s=%g", a->scalar_first ? "left" : "right", a->scalar);
		if (n->op == OP_PARAM)
			for (int d = 0; d < a->pshape.n; d++)
				fprintf(out, "%s%d", d ? "x" : " weights=", a->pshape.v[d]);
		if (n->op == OP_CHUNK || n->op == OP_SPLIT) /* the piece: channels [first, first + size) */
			fprintf(out, " dim=%d slice=%d+%d", a->dim, a->slice[0], a->slice[1]);
		for (int d = 0; d < a->dims.n; d++)
			fprintf(out, "%s%d%s", d ? "," : " dim={", a->dims.v[d], d == a->dims.n - 1 ? "}" : "");
		if (a->keepdim)
			fprintf(out, " keepdim");
		for (int d = 0; d < a->sizes.n; d++)
			fprintf(out, "%s%d%s", d ? "," : n->op == OP_RESHAPE ? " shape={" : " normalized_shape={", a->sizes.v[d],
			        d == a->sizes.n - 1 ? "}" : "");
		if (a->affine)
			fprintf(out, " affine");
		if (a->channels)
			fprintf(out, " channels");
		if (n->op == OP_FLATTEN && (a->start_dim != 1 || a->end_dim != -1))
			fprintf(out, " start_dim=%d end_dim=%d", a->start_dim, a->end_dim);
		if (n->op == OP_PAD) {
			static const char *const modes[] = {"constant", "reflect", "replicate"}; /* PAD_* */
			for (int d = 0; d < a->pads.n; d++)
				fprintf(out, "%s%d%s", d ? "," : " pads={", a->pads.v[d], d == a->pads.n - 1 ? "}" : "");
			fprintf(out, " mode=%s", modes[a->mode]);
			if (a->mode == PAD_CONSTANT && a->value != 0)
				fprintf(out, " value=%g", a->value);
		}
		if (n->op == OP_INTERPOLATE) {
			fprintf(out, " mode=%s", a->mode == INTERP_BILINEAR ? "bilinear" : "nearest");
			if (a->scale[0] || a->scale[1])
				fprintf(out, " scale=%gx%g", a->scale[0], a->scale[1]);
			if (a->align_corners)
				fprintf(out, " align_corners");
		}
		if (n->slope_key) /* a fused prelu: leaky_relu's formula, a slope per channel */
			fprintf(out, " act=prelu act_slopes=%s", n->slope_key);
		else if (a->act != ACT_NONE) {
			fprintf(out, " act=%s", op_name[act_info[a->act].op]);
			if (act_info[a->act].option)
				fprintf(out, " act_%s=%g", act_info[a->act].option, a->act_param);
			if (act_info[a->act].option2)
				fprintf(out, " act_%s=%g", act_info[a->act].option2, a->act_param2);
		}
		if (a->residual)
			fprintf(out, " residual");
		if (n->pro_name) /* a batch norm (and relu) applied to its input: fuse_prologue */
			fprintf(out, " prologue=%s%s", n->pro_name, n->pro_relu ? "+relu" : "");
		if ((n->op == OP_CONV2D || n->op == OP_CONV_TRANSPOSE2D) && n->algo != ALGO_DIRECT)
			fprintf(out, " algo=%s", algo_name[n->algo]);
		if (n->scratch)
			fprintf(out, " scratch=%lld", n->scratch);
		if (n->layout != LAYOUT_NCHW)
			fprintf(out, " layout=%s", layout_name[n->layout]);
		if (n->packed)
			fprintf(out, " packed=%lld", n->packed);
		if (n->dtype == DTYPE_U8)
			fprintf(out, " dtype=u8");
		if (n->qscale > 0)
			fprintf(out, " qscale=%.9g qzp=%d", (double)n->qscale, n->qzp);
		if (n->qweight)
			fprintf(out, " weights=int8");
		if (n->folded)
			fprintf(out, " folded");
		else if (n->dead)
			fprintf(out, " dead");
		fprintf(out, " : %s", ir_shape_str(n, buf, sizeof buf));
		if (g->plan) /* where its value lives: its own buffer, or another's */
			plan_str(g, i, out);
		if (n->line)
			fprintf(out, "  # line %d", n->line);
		fputc('\n', out);
	}
}
