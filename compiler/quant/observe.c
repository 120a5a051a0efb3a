/*
 * observe.c: which values post-training quantization observes, and which
 * share one observer: PyTorch's FX quantization (torch 1.13,
 * prepare_fx with its native backend config, the one the onednn engine
 * runs) transcribed, so that the scales cnnc computes are PyTorch's.
 *
 * needs: the graph after fold_bn and dce, without constfold or fuse (so
 * every value FX observes is a node: a conv's output before its relu, a
 * dropout's). keeps: everything (it only reads).
 *
 * An observer is one of PyTorch's observer modules: it takes the min and
 * max over every value fed to it, and every value it observes gets the
 * scale and zero point computed from them. Walking the nodes in order,
 * as prepare_fx walks its graph:
 *   - conv2d and linear (batch norm folded in), batch_norm
 *     not folded, add and mul of two tensors, leaky_relu, hardswish, elu,
 *     prelu, dropout and layer_norm get an observer of their own;
 *   - a relu whose input is a conv2d, linear, batch_norm, add or mul read
 *     by nothing else is fused with it, as FX fuses conv-bn-relu and
 *     add-relu: the relu gets the observer, its input none;
 *   - relu (not fused), relu6, hardtanh, the pools, flatten, mean,
 *     interpolate, permute, reshape, and
 *     add and mul with a number share their input's observer (FX's OUTPUT_SHARE_OBSERVER_WITH_INPUT;
 *     cnnc's flatten is torch.flatten, which shares, not the method
 *     x.flatten, which FX leaves unquantized);
 *   - concat makes every input after the first, and its output, use the
 *     first input's observer (prepare.py's
 *     _maybe_make_input_output_share_observers: a reassignment, so an
 *     input's old observer keeps only its other values);
 *   - sigmoid and hardsigmoid have fixed qparams (1/256, 0), tanh
 *     (2/256, 128), as get_default_qconfig_mapping sets them; so has an
 *     FP32 value one of them reads (below): FX makes an op's input
 *     observers from that op's qconfig. An FP32 value that a quantized
 *     op of another kind reads too is observed twice: FX reuses a
 *     value's input observer only for a reader whose observer has the
 *     same type, so the ordinary reader gets a MinMaxObserver and the
 *     fixed ones share one FixedQParamsObserver, the first fixed
 *     reader's (a tanh after a sigmoid reads on the sigmoid's grid).
 *     cnnc gives the value the MinMaxObserver (in either order) and the
 *     fixed readers the fixed grid in QPlan.in_scale, as their input's
 *     (NAME.input_scale in the Q file); passes/qregions.c requantizes
 *     their input to it. One observer for both would put the ordinary
 *     reader's input on [0, 255/256] (or the sigmoid's on the data's
 *     range, where FX clips it);
 *   - every other op (softmax, silu, mish, gelu, sub, div, chunk, ...)
 *     stays in FP32, and so do the layers named by --fp32 (and a relu
 *     fused after one); one whose value a quantized op reads gets an
 *     observer of its own there (FX's input observer): the model's
 *     input, for one, and a param (FX's get_attr, as ConvNeXt's layer
 *     scale times x: FX observes it and quantizes it; its range is its
 *     values').
 */
#include "../cnnc.h"

#include <string.h>

/* How FX treats op; QOBS_NONE for an op it leaves in FP32. */
static QObsKind kind_of(const Node *n)
{
	switch (n->op) {
	case OP_ADD:
	case OP_MUL: /* with a number: FX's add_scalar and mul_scalar share */
		return n->nin == 1 ? QOBS_SHARE : QOBS_OWN;
	case OP_CONV2D:
	case OP_LINEAR:
	case OP_BATCH_NORM:
	case OP_LEAKY_RELU:
	case OP_HARDSWISH:
	case OP_ELU:
	case OP_PRELU:
	case OP_DROPOUT:
	case OP_LAYER_NORM:
		return QOBS_OWN;
	case OP_RELU:
	case OP_RELU6:
	case OP_HARDTANH:
	case OP_MAX_POOL2D:
	case OP_AVG_POOL2D:
	case OP_ADAPTIVE_AVG_POOL2D:
	case OP_GLOBAL_AVG_POOL:
	case OP_FLATTEN:
	case OP_MEAN:
	case OP_INTERPOLATE:
	case OP_PERMUTE:
	case OP_RESHAPE:
		return QOBS_SHARE;
	case OP_CONCAT:
		return QOBS_CONCAT;
	case OP_SIGMOID:
	case OP_HARDSIGMOID:
	case OP_TANH:
		return QOBS_FIXED;
	default:
		return QOBS_NONE;
	}
}

bool quant_fused_relu(const Graph *g, const Node *n)
{
	if (n->op != OP_RELU || n->dead)
		return false;
	const Node *x = &g->nodes[n->in[0]];
	bool producer = x->op == OP_CONV2D || x->op == OP_LINEAR || x->op == OP_BATCH_NORM ||
	                ((x->op == OP_ADD || x->op == OP_MUL) && x->nin == 2);
	return producer && ir_users(g, x->id) == 1 && g->output != x->id;
}

/* Marks the layers named in list (comma-separated) in fp32. */
static void mark_fp32(const Graph *g, const char *list, bool *fp32)
{
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");
		bool found = false;
		for (int i = 0; i < g->n; i++)
			if (!g->nodes[i].dead && strlen(g->nodes[i].name) == len && !strncmp(g->nodes[i].name, p, len)) {
				fp32[i] = found = true;
				/* FX fuses the relu (and batch norm) into the module: it
				 * follows the module's qconfig */
				for (int j = i + 1; j < g->n; j++)
					if (quant_fused_relu(g, &g->nodes[j]) && g->nodes[j].in[0] == i)
						fp32[j] = true;
			}
		if (!found)
			diag_error(g->file, 0, "--fp32 names '%.*s', which is no layer of the model (after batch norm "
			           "folding; cnnc report lists the layers)", (int)len, p);
		p += len + (p[len] == ',');
	}
}

/* The fixed qparams of n's op (sigmoid, hardsigmoid, tanh). */
static void fixed_grid(const Node *n, float *scale, int *zp)
{
	bool tanh = n->op == OP_TANH;
	*scale = tanh ? 2.0f / 256.0f : 1.0f / 256.0f;
	*zp = tanh ? 128 : 0;
}

/* Observer k has the fixed qparams of n's op. */
static void set_fixed(QPlan *qp, int k, const Node *n) { fixed_grid(n, &qp->fixed_scale[k], &qp->fixed_zp[k]); }

QPlan *quant_plan(const Graph *g, const char *fp32)
{
	Arena *a = g->arena;
	QPlan *qp = arena_alloc(a, sizeof *qp);
	qp->fp32 = arena_alloc(a, (size_t)g->n * sizeof *qp->fp32);
	mark_fp32(g, fp32, qp->fp32);
	qp->obs = arena_alloc(a, (size_t)g->n * sizeof *qp->obs);
	qp->kind = arena_alloc(a, (size_t)g->n * sizeof *qp->kind);
	/* at most one new observer per node */
	qp->fixed_scale = arena_alloc(a, (size_t)g->n * sizeof *qp->fixed_scale);
	qp->fixed_zp = arena_alloc(a, (size_t)g->n * sizeof *qp->fixed_zp);
	qp->in_scale = arena_alloc(a, (size_t)g->n * sizeof *qp->in_scale);
	qp->in_zp = arena_alloc(a, (size_t)g->n * sizeof *qp->in_zp);
	bool *absorbed = arena_alloc(a, (size_t)g->n * sizeof *absorbed);
	bool *input_obs = arena_alloc(a, (size_t)g->n * sizeof *input_obs); /* observed by a reader: FP32 in FX */
	int *first_fixed = arena_alloc(a, (size_t)g->n * sizeof *first_fixed); /* its first fixed reader, -1 */
	for (int i = 0; i < g->n; i++) {
		qp->obs[i] = first_fixed[i] = -1;
		if (quant_fused_relu(g, &g->nodes[i]))
			absorbed[g->nodes[i].in[0]] = true;
	}
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		QObsKind k = n->dead || absorbed[i] ? QOBS_NONE : kind_of(n);
		if (quant_fused_relu(g, n))
			k = QOBS_OWN;
		if (qp->fp32[i])
			k = QOBS_NONE;
		qp->kind[i] = k;
		/* a quantized op's inputs are observed (a conv fused with the
		 * relu after it is one): an FP32 value gets its own observer
		 * where one reads it */
		for (int j = 0; (k != QOBS_NONE || (absorbed[i] && !qp->fp32[i])) && j < n->nin; j++) {
			int x = n->in[j];
			if (qp->obs[x] < 0 && !absorbed[x]) {
				qp->obs[x] = qp->nobs++;
				qp->kind[x] = k == QOBS_FIXED ? QOBS_FIXED : QOBS_OWN;
				input_obs[x] = true;
				if (k == QOBS_FIXED) /* FX makes the input observer from the reader's qconfig */
					set_fixed(qp, qp->obs[x], n);
			} else if (input_obs[x] && k != QOBS_FIXED && qp->kind[x] == QOBS_FIXED) {
				/* a second, data-driven observer: the value's */
				qp->obs[x] = qp->nobs++;
				qp->kind[x] = QOBS_OWN;
			}
			if (input_obs[x] && k == QOBS_FIXED && first_fixed[x] < 0)
				first_fixed[x] = i;
		}
		if (k == QOBS_NONE)
			continue;
		switch (k) {
		case QOBS_OWN:
		case QOBS_FIXED:
			qp->obs[i] = qp->nobs++;
			if (k == QOBS_FIXED)
				set_fixed(qp, qp->obs[i], n);
			break;
		case QOBS_SHARE:
			qp->obs[i] = qp->obs[n->in[0]];
			break;
		case QOBS_CONCAT:
			qp->obs[i] = qp->obs[n->in[0]];
			for (int j = 1; j < n->nin; j++)
				qp->obs[n->in[j]] = qp->obs[i];
			break;
		case QOBS_NONE:
			break;
		}
	}
	/* the fixed readers of a value observed from the data too read it on
	 * the first fixed reader's grid */
	for (int i = 0; i < g->n; i++) {
		const Node *n = &g->nodes[i];
		int x = n->nin ? n->in[0] : -1;
		if (n->dead || qp->kind[i] != QOBS_FIXED || x < 0 || first_fixed[x] < 0 || qp->kind[x] == QOBS_FIXED)
			continue;
		fixed_grid(&g->nodes[first_fixed[x]], &qp->in_scale[i], &qp->in_zp[i]);
	}
	/* concat may leave an observer nothing to observe: number the rest
	 * from 0 */
	int *renum = arena_alloc(a, (size_t)(qp->nobs ? qp->nobs : 1) * sizeof *renum), used = 0;
	for (int k = 0; k < qp->nobs; k++)
		renum[k] = -1;
	for (int i = 0; i < g->n; i++)
		if (qp->obs[i] >= 0 && renum[qp->obs[i]] < 0) {
			int k = qp->obs[i];
			qp->fixed_scale[used] = qp->fixed_scale[k];
			qp->fixed_zp[used] = qp->fixed_zp[k];
			renum[k] = used++;
		}
	for (int i = 0; i < g->n; i++)
		if (qp->obs[i] >= 0)
			qp->obs[i] = renum[qp->obs[i]];
	qp->nobs = used;
	return qp;
}
