/*
 * shape.c: shape inference, one rule per op (named in ops.def).
 *
 * needs: inputs before users. keeps: everything but shapes. breaks: nothing.
 *
 * The formulas are PyTorch's (torch.nn.functional, 1.13), including
 * dilation, ceil_mode's "last window must start inside the input" rule and
 * the "padding at most half the kernel" limit of the pools. A rule that
 * finds a shape that cannot work writes what was expected into err; the
 * front end turns that into an error at the model line.
 */
#include "../cnnc.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#define MAX_DIM IR_MAX_DIM
#define MAX_ELEMS IR_MAX_ELEMS

typedef bool ShapeRule(Graph *g, Node *n, char *err, size_t size);

#define FAIL(...) return snprintf(err, size, __VA_ARGS__), false

static Node *input_of(Graph *g, Node *n, int i) { return ir_node(g, n->in[i]); }

static bool shape_input(Graph *g, Node *n, char *err, size_t size)
{
	(void)g;
	if (n->rank != 2 && n->rank != 4)
		FAIL("input: shape must have 4 dims (N, C, H, W) or 2 (N, F), got %d", n->rank);
	for (int i = 0; i < n->rank; i++)
		if (n->shape[i] <= 0 || n->shape[i] > MAX_DIM)
			FAIL("input: shape[%d] must be in 1..%d, got %d", i + 1, MAX_DIM, n->shape[i]);
	return true;
}

static bool shape_same(Graph *g, Node *n, char *err, size_t size);

static bool need_4d(const char *op, const Node *x, char *err, size_t size)
{
	char buf[64];
	if (x->rank != 4)
		FAIL("%s: input must be 4-D (N x C x H x W), got %s", op, ir_shape_str(x, buf, sizeof buf));
	return true;
}

/* Output size of a strided window along one axis (conv or pool). */
static long long window_out(long long in, int k, int s, int p, int d, bool ceil_mode)
{
	long long span = in + 2LL * p - (long long)d * (k - 1) - 1;
	if (span < 0)
		return 0;
	long long out = (span + (ceil_mode ? s - 1 : 0)) / s + 1;
	/* PyTorch: the last window must start inside the input or left pad */
	if (ceil_mode && (out - 1) * s >= in + p)
		out--;
	return out;
}

/* conv2d, conv_transpose2d: a 4-D input whose channels, and the output
 * channels, split into the groups */
static bool conv_input(const char *op, const Node *x, const Attrs *a, char *err, size_t size)
{
	if (!need_4d(op, x, err, size))
		return false;
	if (x->shape[1] % a->groups)
		FAIL("%s: input channels (%d) must be divisible by groups (%d)", op, x->shape[1], a->groups);
	if (a->out_channels % a->groups)
		FAIL("%s: out_channels (%d) must be divisible by groups (%d)", op, a->out_channels, a->groups);
	return true;
}

static bool shape_conv2d(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	const Attrs *a = &n->a;
	if (!conv_input("conv2d", x, a, err, size))
		return false;
	int cin = x->shape[1];
	long long weights = ir_mul(ir_mul(ir_mul(a->out_channels, cin / a->groups), a->kernel[0]), a->kernel[1]);
	if (weights > MAX_ELEMS)
		FAIL("conv2d: weight [%d, %d, %d, %d] is too large (at most %lld elements)", a->out_channels,
		     cin / a->groups, a->kernel[0], a->kernel[1], MAX_ELEMS);
	n->rank = 4;
	n->shape[0] = x->shape[0];
	n->shape[1] = a->out_channels;
	for (int i = 0; i < 2; i++) {
		long long in = x->shape[2 + i];
		long long eff = (long long)a->dilation[i] * (a->kernel[i] - 1) + 1;
		if (eff > in + 2LL * a->pad[i])
			FAIL("conv2d: kernel %s %lld (with dilation) is larger than the padded input %lld (%lld + 2*%d)",
			     i ? "width" : "height", eff, in + 2LL * a->pad[i], in, a->pad[i]);
		long long out = window_out(in, a->kernel[i], a->stride[i], a->pad[i], a->dilation[i], false);
		if (out > MAX_DIM)
			FAIL("conv2d: output %s %lld is too large (limit %d)", i ? "width" : "height", out, MAX_DIM);
		n->shape[2 + i] = (int)out;
	}
	return true;
}

/* conv_transpose2d, PyTorch's formula per axis: (in - 1) * stride -
 * 2 * padding + dilation * (kernel - 1) + output_padding + 1, with
 * output_padding below stride or below dilation, as PyTorch requires */
static bool shape_conv_transpose2d(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	const Attrs *a = &n->a;
	if (!conv_input("conv_transpose2d", x, a, err, size))
		return false;
	int cin = x->shape[1];
	long long weights = ir_mul(ir_mul(ir_mul(cin, a->out_channels / a->groups), a->kernel[0]), a->kernel[1]);
	if (weights > MAX_ELEMS)
		FAIL("conv_transpose2d: weight [%d, %d, %d, %d] is too large (at most %lld elements)", cin,
		     a->out_channels / a->groups, a->kernel[0], a->kernel[1], MAX_ELEMS);
	n->rank = 4;
	n->shape[0] = x->shape[0];
	n->shape[1] = a->out_channels;
	for (int i = 0; i < 2; i++) {
		const char *axis = i ? "width" : "height";
		if (a->out_pad[i] >= a->stride[i] && a->out_pad[i] >= a->dilation[i])
			FAIL("conv_transpose2d: output_padding %s (%d) must be smaller than the stride (%d) or the dilation "
			     "(%d)", axis, a->out_pad[i], a->stride[i], a->dilation[i]);
		long long out = (long long)(x->shape[2 + i] - 1) * a->stride[i] - 2LL * a->pad[i] +
		                (long long)a->dilation[i] * (a->kernel[i] - 1) + a->out_pad[i] + 1;
		if (out < 1)
			FAIL("conv_transpose2d: output %s %lld is not positive ((%d - 1) * %d - 2 * %d + %d * (%d - 1) + %d "
			     "+ 1): padding is too large", axis, out, x->shape[2 + i], a->stride[i], a->pad[i],
			     a->dilation[i], a->kernel[i], a->out_pad[i]);
		if (out > MAX_DIM)
			FAIL("conv_transpose2d: output %s %lld is too large (limit %d)", axis, out, MAX_DIM);
		n->shape[2 + i] = (int)out;
	}
	return true;
}

static bool shape_pool2d(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	const Attrs *a = &n->a;
	const char *op = op_name[n->op];
	if (!need_4d(op, x, err, size))
		return false;
	n->rank = 4;
	n->shape[0] = x->shape[0];
	n->shape[1] = x->shape[1];
	for (int i = 0; i < 2; i++) {
		if (a->pad[i] > a->kernel[i] / 2)
			FAIL("%s: padding (%d) must be at most half the kernel size (%d)", op, a->pad[i], a->kernel[i]);
		long long in = x->shape[2 + i];
		long long out = window_out(in, a->kernel[i], a->stride[i], a->pad[i], 1, a->ceil_mode);
		if (out < 1)
			FAIL("%s: kernel %s %d is larger than the padded input %lld (%lld + 2*%d)", op,
			     i ? "width" : "height", a->kernel[i], in + 2LL * a->pad[i], in, a->pad[i]);
		if (out > MAX_DIM)
			FAIL("%s: output %s %lld is too large (limit %d)", op, i ? "width" : "height", out, MAX_DIM);
		n->shape[2 + i] = (int)out;
	}
	return true;
}

static bool shape_adaptive_pool(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	if (!need_4d(op_name[n->op], x, err, size))
		return false;
	n->rank = 4;
	n->shape[0] = x->shape[0];
	n->shape[1] = x->shape[1];
	n->shape[2] = n->a.out_size[0];
	n->shape[3] = n->a.out_size[1];
	return true;
}

/* interpolate: size, or floor(in * scale_factor) as PyTorch (in double) */
static bool shape_interpolate(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	const Attrs *a = &n->a;
	if (!need_4d("interpolate", x, err, size))
		return false;
	bool sized = a->out_size[0] > 0, scaled = a->scale[0] > 0;
	if (sized == scaled)
		FAIL("interpolate: give exactly one of size and scale_factor");
	if (a->align_corners && a->mode != INTERP_BILINEAR)
		FAIL("interpolate: align_corners applies to mode = \"bilinear\" only");
	n->rank = 4;
	n->shape[0] = x->shape[0];
	n->shape[1] = x->shape[1];
	for (int i = 0; i < 2; i++) {
		double out = sized ? a->out_size[i] : floor((double)x->shape[2 + i] * a->scale[i]);
		if (out < 1 || out > MAX_DIM)
			FAIL("interpolate: output %s %.0f from input %d and scale_factor %g is out of range (1..%d)",
			     i ? "width" : "height", out, x->shape[2 + i], a->scale[i], MAX_DIM);
		n->shape[2 + i] = (int)out;
	}
	return true;
}

/* pad, as F.pad on N x C x H x W: pads {left, right} or {left, right,
 * top, bottom} (negative: cropped); reflect needs each pad below its
 * dim, and reflect and replicate all four, as PyTorch 1.13 does */
static bool shape_pad(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	const Attrs *a = &n->a;
	static const char *const side[] = {"left", "right", "top", "bottom"};
	if (!need_4d("pad", x, err, size))
		return false;
	if (a->pads.n != 2 && a->pads.n != 4)
		FAIL("pad: pad must have 2 elements {left, right} or 4 {left, right, top, bottom}, got %d", a->pads.n);
	if (a->mode != PAD_CONSTANT && a->pads.n != 4)
		FAIL("pad: mode \"%s\" of a 4-D input needs all 4 pads {left, right, top, bottom}, as PyTorch does",
		     a->mode == PAD_REFLECT ? "reflect" : "replicate");
	int pads[4] = {0, 0, 0, 0};
	for (int i = 0; i < a->pads.n; i++)
		pads[i] = a->pads.v[i];
	n->rank = 4;
	n->shape[0] = x->shape[0];
	n->shape[1] = x->shape[1];
	for (int i = 0; i < 4; i++) {
		int dim = x->shape[3 - i / 2];
		if (a->mode == PAD_REFLECT && pads[i] >= dim)
			FAIL("pad: reflect padding must be smaller than the padded dim, got %s = %d for %s %d", side[i],
			     pads[i], i < 2 ? "width" : "height", dim);
	}
	for (int i = 0; i < 2; i++) {
		long long out = (long long)x->shape[2 + i] + pads[2 - 2 * i] + pads[3 - 2 * i];
		if (out < 1 || out > MAX_DIM)
			FAIL("pad: output %s %lld (%d %+d %+d) is out of range (1..%d)", i ? "width" : "height", out,
			     x->shape[2 + i], pads[2 - 2 * i], pads[3 - 2 * i], MAX_DIM);
		n->shape[2 + i] = (int)out;
	}
	return true;
}

static bool shape_global_pool(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	if (!need_4d("global_avg_pool", x, err, size))
		return false;
	n->rank = 4;
	n->shape[0] = x->shape[0];
	n->shape[1] = x->shape[1];
	n->shape[2] = n->shape[3] = 1;
	return true;
}

static bool shape_batch_norm(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	char buf[64];
	if (x->rank != 4 && x->rank != 2)
		FAIL("batch_norm: input must be N x C x H x W or N x C, got %s", ir_shape_str(x, buf, sizeof buf));
	n->rank = x->rank;
	for (int i = 0; i < x->rank; i++)
		n->shape[i] = x->shape[i];
	return true;
}

/* linear: over the last dim, as PyTorch (N x F, or N x ... x F) */
static bool shape_linear(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	int f = x->shape[x->rank - 1];
	if (ir_mul(n->a.out_features, f) > MAX_ELEMS)
		FAIL("linear: weight [%d, %d] is too large (at most %lld elements)", n->a.out_features, f, MAX_ELEMS);
	shape_same(g, n, err, size);
	n->shape[n->rank - 1] = n->a.out_features;
	return true;
}

static bool shape_same(Graph *g, Node *n, char *err, size_t size)
{
	(void)err, (void)size;
	Node *x = input_of(g, n, 0);
	n->rank = x->rank;
	for (int i = 0; i < x->rank; i++)
		n->shape[i] = x->shape[i];
	return true;
}

/* prelu: same shape; one slope, or one per channel (dim 1), as
 * torch.nn.PReLU(num_parameters) requires */
static bool shape_prelu(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	if (n->a.num_parameters != 1 && n->a.num_parameters != x->shape[1]) {
		snprintf(err, size, "prelu: num_parameters (%d) must be 1 or the input's channels (%d)",
		         n->a.num_parameters, x->shape[1]);
		return false;
	}
	return shape_same(g, n, err, size);
}

/* "{a, b, c}" of a Dims, for messages. */
static const char *dims_str(const Dims *d, char *buf, size_t size)
{
	size_t used = (size_t)snprintf(buf, size, "{");
	for (int i = 0; i < d->n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%d", i ? ", " : "", d->v[i]);
	if (used < size)
		snprintf(buf + used, size - used, "}");
	return buf;
}

/* flatten: dims start_dim..end_dim merged into one, as torch.flatten;
 * the batch (dim 0) stays its own */
static bool shape_flatten(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	const Attrs *a = &n->a;
	int s = ir_norm_dim(a->start_dim, x->rank), e = ir_norm_dim(a->end_dim, x->rank);
	char buf[64];
	if (s < 0 || e < 0)
		FAIL("flatten: %s %d is out of range for a %d-D tensor (expected %d..%d)",
		     s < 0 ? "start_dim" : "end_dim", s < 0 ? a->start_dim : a->end_dim, x->rank, -x->rank, x->rank - 1);
	if (s > e)
		FAIL("flatten: start_dim %d comes after end_dim %d (dims %d and %d of a %d-D tensor)", a->start_dim,
		     a->end_dim, s, e, x->rank);
	if (s == 0 && e > 0)
		FAIL("flatten: start_dim 0 merges the batch (dim 0) into other dims; only start_dim >= 1 is supported");
	long long f = 1;
	for (int i = s; i <= e; i++)
		f = ir_mul(f, x->shape[i]);
	if (f > MAX_DIM)
		FAIL("flatten: %s makes a dim of %lld, more than a dimension may hold (%d)",
		     ir_shape_str(x, buf, sizeof buf), f, MAX_DIM);
	n->rank = x->rank - (e - s);
	for (int i = 0, o = 0; i < x->rank; i++)
		if (i <= s || i > e)
			n->shape[o++] = i == s ? (int)f : x->shape[i];
	return true;
}

/* permute: the input's dims reordered; dims must be a permutation, and
 * the batch stays first */
static bool shape_permute(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	const Dims *p = &n->a.dims;
	char buf[64], xb[64];
	unsigned seen = 0;
	if (p->n != x->rank)
		FAIL("permute: dims %s has %d entries, but the input %s has %d dims; dims must be a permutation of them",
		     dims_str(p, buf, sizeof buf), p->n, ir_shape_str(x, xb, sizeof xb), x->rank);
	for (int i = 0; i < p->n; i++) {
		int d = ir_norm_dim(p->v[i], x->rank);
		if (d < 0 || seen >> d & 1)
			FAIL("permute: dims %s is not a permutation of 0..%d (%d %s)", dims_str(p, buf, sizeof buf),
			     x->rank - 1, p->v[i], d < 0 ? "is out of range" : "appears twice");
		seen |= 1u << d;
		n->shape[i] = x->shape[d];
	}
	if (ir_norm_dim(p->v[0], x->rank) != 0)
		FAIL("permute: dims %s moves the batch (dim 0); it must stay first", dims_str(p, buf, sizeof buf));
	n->rank = x->rank;
	return true;
}

/* reshape: the same elements in another shape, one entry -1 inferred;
 * the batch (dim 0) stays as it is */
static bool shape_reshape(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	const Dims *s = &n->a.sizes;
	char buf[64], xb[64];
	int infer = -1;
	long long known = 1, total = ir_numel(x);
	if (s->n < 2)
		FAIL("reshape: shape %s must have 2 to %d dims, the batch first", dims_str(s, buf, sizeof buf), MAX_RANK);
	for (int i = 0; i < s->n; i++) {
		if (s->v[i] == -1) {
			if (infer >= 0)
				FAIL("reshape: shape %s has more than one -1; at most one dim may be inferred",
				     dims_str(s, buf, sizeof buf));
			infer = i;
		} else if (s->v[i] < 1)
			FAIL("reshape: shape %s has %d; each entry must be at least 1, or -1 (inferred)",
			     dims_str(s, buf, sizeof buf), s->v[i]);
		else
			known = ir_mul(known, s->v[i]);
	}
	if (infer < 0 && total != known)
		FAIL("reshape: shape %s has %lld elements, but the input %s has %lld", dims_str(s, buf, sizeof buf), known,
		     ir_shape_str(x, xb, sizeof xb), total);
	if (infer >= 0 && total % known != 0)
		FAIL("reshape: shape %s cannot hold the input %s: its %lld elements are not a multiple of %lld",
		     dims_str(s, buf, sizeof buf), ir_shape_str(x, xb, sizeof xb), total, known);
	n->rank = s->n;
	for (int i = 0; i < s->n; i++) {
		long long v = i == infer ? total / known : s->v[i];
		if (v > MAX_DIM)
			FAIL("reshape: dim %d would be %lld, more than a dimension may hold (%d)", i, v, MAX_DIM);
		n->shape[i] = (int)v;
	}
	if (n->shape[0] != x->shape[0])
		FAIL("reshape: shape %s makes dim 0 (the batch) %d, but the input's batch is %d; the batch must stay "
		     "as it is (write x.shape[1] for it)",
		     dims_str(s, buf, sizeof buf), n->shape[0], x->shape[0]);
	return true;
}

/* layer_norm: over the trailing dims, which normalized_shape gives
 * (Attrs.channels: over dim 1 of N x C x H x W, normalized_shape {C}) */
static bool shape_layer_norm(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	const Dims *s = &n->a.sizes;
	char buf[64], xb[64];
	int k = s->n;
	if (n->a.channels) {
		if (x->rank != 4 || k != 1 || s->v[0] != x->shape[1])
			BUG("layer_norm over channels of %s", ir_shape_str(x, xb, sizeof xb));
		return shape_same(g, n, err, size);
	}
	if (k >= x->rank)
		FAIL("layer_norm: normalized_shape %s has %d dims, but the input %s has %d after the batch; it normalizes "
		     "over trailing dims, never the batch",
		     dims_str(s, buf, sizeof buf), k, ir_shape_str(x, xb, sizeof xb), x->rank - 1);
	for (int i = 0; i < k; i++)
		if (s->v[i] != x->shape[x->rank - k + i]) {
			Dims last = {.n = k};
			memcpy(last.v, x->shape + x->rank - k, (size_t)k * sizeof *last.v);
			char lb[64];
			FAIL("layer_norm: normalized_shape %s must be the input's last %d dims (input %s: %s)",
			     dims_str(s, buf, sizeof buf), k, ir_shape_str(x, xb, sizeof xb), dims_str(&last, lb, sizeof lb));
		}
	return shape_same(g, n, err, size);
}

/* Two tensors broadcast as PyTorch does: dims aligned from the last,
 * each pair equal or one of them 1; the output has the larger rank. With
 * one tensor input (the other operand a number) the shape is its own. */
static bool shape_binary(Graph *g, Node *n, char *err, size_t size)
{
	if (n->nin == 1)
		return shape_same(g, n, err, size);
	Node *x = input_of(g, n, 0), *y = input_of(g, n, 1);
	char bx[64], by[64];
	int rank = x->rank > y->rank ? x->rank : y->rank;
	for (int i = 1; i <= rank; i++) {
		int dx = i <= x->rank ? x->shape[x->rank - i] : 1;
		int dy = i <= y->rank ? y->shape[y->rank - i] : 1;
		if (dx != dy && dx != 1 && dy != 1)
			FAIL("%s: shapes %s and %s do not broadcast (dims aligned from the last must be equal or 1; "
			     "dim %d of the result: %d against %d)",
			     op_name[n->op], ir_shape_str(x, bx, sizeof bx), ir_shape_str(y, by, sizeof by), rank - i,
			     dx, dy);
		n->shape[rank - i] = dx > dy ? dx : dy;
	}
	n->rank = rank;
	return true;
}

/* A learned tensor: its dims with 1s prepended up to rank 2 or 4, which
 * broadcasts the same (PyTorch aligns dims from the last). */
static bool shape_param(Graph *g, Node *n, char *err, size_t size)
{
	(void)g;
	const Attrs *a = &n->a;
	if (a->pshape.n < 1 || a->pshape.n > MAX_RANK)
		FAIL("param: shape must have 1 to %d dims, got %d", MAX_RANK, a->pshape.n);
	n->rank = a->pshape.n <= 2 ? 2 : 4;
	int lead = n->rank - a->pshape.n;
	for (int i = 0; i < n->rank; i++)
		n->shape[i] = i < lead ? 1 : a->pshape.v[i - lead];
	return true;
}

static bool shape_concat(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	char bx[64], by[64];
	long long c = 0;
	for (int i = 0; i < n->nin; i++) {
		Node *y = input_of(g, n, i);
		bool ok = y->rank == x->rank;
		for (int d = 0; ok && d < x->rank; d++)
			ok = d == 1 || y->shape[d] == x->shape[d];
		if (!ok)
			FAIL("concat: input %d has shape %s, but input 1 has %s; all must match except in channels",
			     i + 1, ir_shape_str(y, by, sizeof by), ir_shape_str(x, bx, sizeof bx));
		c += y->shape[1];
	}
	if (c > MAX_DIM)
		FAIL("concat: %lld channels is too many (limit %d)", c, MAX_DIM);
	shape_same(g, n, err, size);
	n->shape[1] = (int)c;
	return true;
}

int ir_norm_dim(int dim, int rank)
{
	if (dim < -rank || dim >= rank)
		return -1;
	return dim < 0 ? dim + rank : dim;
}

/* chunk, split: one piece, the range Attrs.slice along dim 1 (the DSL
 * checked the dim and cut the pieces) */
static bool shape_slice(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	const char *op = op_name[n->op];
	int d = ir_norm_dim(n->a.dim, x->rank);
	if (d != 1)
		FAIL("%s: only dim = 1 (channels) is supported, got dim = %d of a %d-D tensor", op, n->a.dim, x->rank);
	if (n->a.slice[0] < 0 || n->a.slice[1] < 1 || n->a.slice[0] + n->a.slice[1] > x->shape[1])
		BUG("%s: piece [%d, +%d) outside %d channels", op, n->a.slice[0], n->a.slice[1], x->shape[1]);
	shape_same(g, n, err, size);
	n->shape[1] = n->a.slice[1];
	return true;
}

/* channel_shuffle: view(N, g, C/g, H, W) -> transpose(1, 2) -> view(N, C, H, W) */
static bool shape_channel_shuffle(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	if (!need_4d("channel_shuffle", x, err, size))
		return false;
	if (x->shape[1] % n->a.groups)
		FAIL("channel_shuffle: input channels (%d) must be divisible by groups (%d)", x->shape[1], n->a.groups);
	return shape_same(g, n, err, size);
}

/* mean: over H and W of N x C x H x W (global average pooling), to
 * N x C, or N x C x 1 x 1 with keepdim */
static bool shape_mean(Graph *g, Node *n, char *err, size_t size)
{
	Node *x = input_of(g, n, 0);
	const Dims *dims = &n->a.dims;
	unsigned seen = 0;
	for (int i = 0; i < dims->n; i++) {
		int d = ir_norm_dim(dims->v[i], x->rank);
		if (d < 0)
			FAIL("mean: dim %d is out of range for a %d-D tensor (expected %d..%d)", dims->v[i], x->rank,
			     -x->rank, x->rank - 1);
		if (seen >> d & 1)
			FAIL("mean: dim %d appears twice in dim", d);
		seen |= 1u << d;
	}
	if (x->rank != 4 || seen != (1u << 2 | 1u << 3)) {
		char list[64] = "";
		for (int i = 0; i < dims->n; i++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d", i ? ", " : "", dims->v[i]);
		FAIL("mean: only dim = {2, 3} (H and W) of an N x C x H x W tensor is supported, got dim = {%s} of a "
		     "%d-D tensor", list, x->rank);
	}
	n->rank = n->a.keepdim ? 4 : 2;
	n->shape[0] = x->shape[0];
	n->shape[1] = x->shape[1];
	n->shape[2] = n->shape[3] = n->a.keepdim ? 1 : 0;
	return true;
}

/* Each op's shape rule, named in ops.def: a rule without its function
 * here is an undeclared identifier, a build error. */
static ShapeRule *const rules[] = {
#define OP(id, name, mn, mx, shape, cost, identity, view, elem, chunked, epilogue) shape_##shape,
#include "ops.def"
#undef OP
};
_Static_assert(sizeof rules / sizeof *rules == OP_COUNT, "rules: one per op");

bool ir_infer_node(Graph *g, int id, char *err, size_t size)
{
	Node *n = ir_node(g, id);
	if (n->nin < op_min_inputs[n->op] || (op_max_inputs[n->op] >= 0 && n->nin > op_max_inputs[n->op]))
		BUG("%s node %d has %d inputs", op_name[n->op], id, n->nin);
	if (!rules[n->op](g, n, err, size))
		return false;
	char buf[64];
	long long e = ir_numel(n);
	for (int i = 0; i < n->rank; i++)
		if (n->shape[i] < 1 || n->shape[i] > MAX_DIM || e > MAX_ELEMS) {
			snprintf(err, size, "%s: output shape %s is out of range (each dim 1..%d, at most %lld elements)",
			         op_name[n->op], ir_shape_str(n, buf, sizeof buf), MAX_DIM, MAX_ELEMS);
			return false;
		}
	return true;
}

void ir_infer_shapes(Graph *g)
{
	char err[512];
	long long macs = 0;
	for (int i = 0; i < g->n; i++) {
		if (!ir_infer_node(g, i, err, sizeof err))
			diag_error(g->file, g->nodes[i].line, "%s", err);
		/* bounds every product of a conv's sizes the passes form */
		macs = ir_add_sat(macs, ir_macs(g, &g->nodes[i]));
		if (macs > IR_MAX_MACS)
			diag_error(g->file, g->nodes[i].line,
			           "%s: the model passes %lld multiply-accumulates here (limit 2^60 = %lld)",
			           op_name[g->nodes[i].op], macs, IR_MAX_MACS);
	}
}
