/*
 * onnx_fold.c: constant subgraphs evaluated at import time.
 *
 * Exporters compute shapes in the graph: torch.onnx.export's flatten is
 * Shape -> Gather -> Unsqueeze -> Concat -> Reshape, and weights may pass
 * through Constant, Identity, Cast or Reshape. A node whose inputs are
 * all known (a Shape needs only its input's dims) is evaluated here and
 * its output becomes a constant; the Reshape that reads the result then
 * sees a constant shape. Only what such subgraphs use is evaluated; any
 * other node is left to the op table (onnx_map.c).
 */
#include "onnx.h"

#include <math.h>
#include <string.h>

static OxTensor *new_tensor(OxImport *x, int rank, const long long *dims, bool is_float)
{
	OxTensor *t = arena_alloc(x->a, sizeof *t);
	t->rank = rank;
	t->count = 1;
	for (int i = 0; i < rank; i++) {
		t->dims[i] = dims[i];
		t->count = ir_mul(t->count, dims[i]);
	}
	if (t->count > IR_MAX_ELEMS)
		ox_error(x, "a folded constant would have over %lld elements", IR_MAX_ELEMS);
	t->is_float = is_float;
	if (is_float)
		t->f = arena_alloc(x->a, (size_t)(t->count + 1) * sizeof *t->f);
	else
		t->i = arena_alloc(x->a, (size_t)(t->count + 1) * sizeof *t->i);
	return t;
}

static double get(const OxTensor *t, long long k)
{
	return t->is_float ? (double)t->f[k] : (double)t->i[k];
}

static const OxTensor *in_const(OxImport *x, const Onnx__NodeProto *n, size_t k)
{
	OxValue *v = k < n->n_input ? ox_value(x, n->input[k]) : NULL;
	return v ? v->c : NULL;
}

/* The ints of attribute name (or of a constant input k >= 0 from opset
 * from_opset on); false if neither is there. */
static bool ints_of(OxImport *x, const Onnx__NodeProto *n, const char *name, int k, int from_opset,
                    long long *out, int *nout)
{
	if (x->opset >= from_opset && k >= 0) {
		const OxTensor *t = in_const(x, n, (size_t)k);
		if (!t || t->is_float || t->count > OX_MAX_RANK)
			return false;
		for (long long i = 0; i < t->count; i++)
			out[i] = t->i[i];
		*nout = (int)t->count;
		return true;
	}
	const Onnx__AttributeProto *a = ox_attr(n, name);
	if (!a || a->n_ints > OX_MAX_RANK)
		return false;
	for (size_t i = 0; i < a->n_ints; i++)
		out[i] = a->ints[i];
	*nout = (int)a->n_ints;
	return true;
}

static OxTensor *fold_constant(OxImport *x, const Onnx__NodeProto *n)
{
	const Onnx__AttributeProto *a = n->n_attribute == 1 ? n->attribute[0] : NULL;
	if (!a || !a->name)
		return NULL;
	if (!strcmp(a->name, "value") && a->t)
		return ox_tensor(x, a->t, arena_printf(x->a, "Constant '%s'", n->name ? n->name : ""));
	long long one = 1, cnt = (long long)(a->n_floats ? a->n_floats : a->n_ints);
	if (!strcmp(a->name, "value_float") || !strcmp(a->name, "value_int")) {
		bool fl = a->name[6] == 'f';
		OxTensor *t = new_tensor(x, 0, &one, fl);
		if (fl)
			t->f[0] = a->f;
		else
			t->i[0] = a->i;
		return t;
	}
	if ((!strcmp(a->name, "value_floats") || !strcmp(a->name, "value_ints")) && cnt <= OX_MAX_CONST_FOLD) {
		bool fl = a->name[6] == 'f';
		OxTensor *t = new_tensor(x, 1, &cnt, fl);
		for (long long i = 0; i < cnt; i++)
			if (fl)
				t->f[i] = a->floats[i];
			else
				t->i[i] = a->ints[i];
		return t;
	}
	return NULL;
}

/* Elementwise arithmetic on two constants of one shape, or one a scalar. */
static OxTensor *fold_binary(OxImport *x, const char *op, const OxTensor *p, const OxTensor *q)
{
	const OxTensor *big = p->count >= q->count ? p : q;
	if ((p->count != 1 && q->count != 1 && p->count != q->count) || (p->count != q->count && p->rank < q->rank && p->count != 1))
		return NULL;
	bool fl = p->is_float || q->is_float;
	OxTensor *t = new_tensor(x, big->rank, big->dims, fl);
	for (long long k = 0; k < t->count; k++) {
		double u = get(p, p->count == 1 ? 0 : k), w = get(q, q->count == 1 ? 0 : k), r;
		switch (op[0]) {
		case 'A': r = u + w; break;
		case 'S': r = u - w; break;
		case 'M': r = u * w; break;
		default:
			if (w == 0)
				return NULL;
			r = fl ? u / w : (double)((long long)u / (long long)w);
		}
		if (fl)
			t->f[k] = (float)r;
		else
			t->i[k] = (int64_t)r;
	}
	return t;
}

bool ox_fold(OxImport *x, const Onnx__NodeProto *n)
{
	const char *op = n->op_type;
	if (n->domain && *n->domain && strcmp(n->domain, "ai.onnx"))
		return false;
	OxTensor *r = NULL;
	const OxTensor *c0 = in_const(x, n, 0);
	if (!strcmp(op, "Constant")) {
		r = fold_constant(x, n);
	} else if (!strcmp(op, "Identity") || !strcmp(op, "Dropout")) {
		r = (OxTensor *)c0;
	} else if (!strcmp(op, "Shape")) {
		OxValue *v = ox_value(x, n->input[0]);
		if (!v || v->bad || (!v->c && !v->var))
			return false;
		long long rank = v->c ? v->c->rank : v->rank;
		r = new_tensor(x, 1, &rank, false);
		for (int i = 0; i < rank; i++)
			r->i[i] = v->c ? v->c->dims[i] : v->dims[i];
	} else if (!c0) {
		return false;
	} else if (!strcmp(op, "Cast")) {
		const Onnx__AttributeProto *to = ox_attr(n, "to");
		if (!to)
			return false;
		bool fl = to->i == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT || to->i == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE;
		r = new_tensor(x, c0->rank, c0->dims, fl);
		for (long long k = 0; k < r->count; k++)
			if (fl)
				r->f[k] = (float)get(c0, k);
			else
				r->i[k] = (int64_t)get(c0, k);
	} else if (!strcmp(op, "Unsqueeze") || !strcmp(op, "Squeeze")) {
		long long axes[OX_MAX_RANK];
		int na = 0;
		bool un = op[0] == 'U';
		if (!ints_of(x, n, "axes", 1, 13, axes, &na))
			na = 0;
		long long dims[OX_MAX_RANK];
		int rank = un ? c0->rank + na : c0->rank, k = 0;
		if (rank > OX_MAX_RANK)
			return false;
		bool mark[OX_MAX_RANK] = {false};
		for (int i = 0; i < na; i++) {
			long long ax = axes[i] < 0 ? axes[i] + rank : axes[i];
			if (ax < 0 || ax >= rank)
				return false;
			mark[ax] = true;
		}
		int out = 0;
		for (int i = 0; i < rank; i++) {
			if (un)
				dims[out++] = mark[i] ? 1 : c0->dims[k++];
			else if (!(na ? mark[i] : c0->dims[i] == 1))
				dims[out++] = c0->dims[i];
		}
		r = new_tensor(x, out, dims, c0->is_float);
		memcpy(r->is_float ? (void *)r->f : (void *)r->i, c0->is_float ? (void *)c0->f : (void *)c0->i,
		       (size_t)c0->count * (c0->is_float ? sizeof *c0->f : sizeof *c0->i));
	} else if (!strcmp(op, "Gather")) {
		const OxTensor *idx = in_const(x, n, 1);
		const Onnx__AttributeProto *ax = ox_attr(n, "axis");
		if (!idx || idx->is_float || c0->rank != 1 || (ax && ax->i != 0) || idx->count > OX_MAX_CONST_FOLD)
			return false;
		r = new_tensor(x, idx->rank, idx->dims, c0->is_float);
		for (long long k = 0; k < idx->count; k++) {
			long long j = idx->i[k] < 0 ? idx->i[k] + c0->count : idx->i[k];
			if (j < 0 || j >= c0->count)
				ox_error(x, "node '%s' (Gather): index %lld is out of range for %lld elements",
				         n->name ? n->name : "", (long long)idx->i[k], c0->count);
			if (c0->is_float)
				r->f[k] = c0->f[j];
			else
				r->i[k] = c0->i[j];
		}
	} else if (!strcmp(op, "Concat")) {
		long long total = 0;
		for (size_t k = 0; k < n->n_input; k++) {
			const OxTensor *t = in_const(x, n, k);
			if (!t || t->rank != 1 || t->is_float != c0->is_float)
				return false;
			total += t->count;
		}
		if (total > OX_MAX_CONST_FOLD)
			return false;
		r = new_tensor(x, 1, &total, c0->is_float);
		long long at = 0;
		for (size_t k = 0; k < n->n_input; k++) {
			const OxTensor *t = in_const(x, n, k);
			for (long long j = 0; j < t->count; j++, at++)
				if (t->is_float)
					r->f[at] = t->f[j];
				else
					r->i[at] = t->i[j];
		}
	} else if (!strcmp(op, "Reshape")) {
		const OxTensor *s = in_const(x, n, 1);
		if (!s || s->is_float || s->count > OX_MAX_RANK)
			return false;
		long long dims[OX_MAX_RANK], known = 1;
		int minus = -1;
		for (int i = 0; i < s->count; i++) {
			dims[i] = s->i[i] == 0 && i < c0->rank ? c0->dims[i] : s->i[i];
			if (dims[i] == -1 && minus < 0)
				minus = i;
			else if (dims[i] < 0)
				return false;
			else
				known = ir_mul(known, dims[i]);
		}
		if (minus >= 0)
			dims[minus] = known ? c0->count / known : 0;
		r = new_tensor(x, (int)s->count, dims, c0->is_float);
		if (r->count != c0->count)
			return false;
		memcpy(r->is_float ? (void *)r->f : (void *)r->i, c0->is_float ? (void *)c0->f : (void *)c0->i,
		       (size_t)c0->count * (c0->is_float ? sizeof *c0->f : sizeof *c0->i));
	} else if (!strcmp(op, "Add") || !strcmp(op, "Sub") || !strcmp(op, "Mul") || !strcmp(op, "Div")) {
		const OxTensor *c1 = in_const(x, n, 1);
		r = c1 ? fold_binary(x, op, c0, c1) : NULL;
	} else if (!strcmp(op, "Slice") && c0->rank == 1 && x->opset >= 10) {
		const OxTensor *st = in_const(x, n, 1), *en = in_const(x, n, 2);
		const OxTensor *sp = n->n_input > 4 && *n->input[4] ? in_const(x, n, 4) : NULL;
		if (!st || !en || st->is_float || en->is_float || st->count != 1 || en->count != 1 ||
		    (n->n_input > 4 && *n->input[4] && (!sp || sp->is_float || sp->count != 1 || sp->i[0] != 1)))
			return false;
		long long c = c0->count, b = st->i[0] < 0 ? st->i[0] + c : st->i[0], e = en->i[0] < 0 ? en->i[0] + c : en->i[0];
		b = b < 0 ? 0 : b > c ? c : b;
		e = e < b ? b : e > c ? c : e;
		long long len = e - b;
		r = new_tensor(x, 1, &len, c0->is_float);
		for (long long k = 0; k < len; k++)
			if (c0->is_float)
				r->f[k] = c0->f[b + k];
			else
				r->i[k] = c0->i[b + k];
	} else if (!strcmp(op, "Sqrt") && c0->is_float) {
		r = new_tensor(x, c0->rank, c0->dims, true);
		for (long long k = 0; k < r->count; k++)
			r->f[k] = c0->f[k] >= 0 ? sqrtf(c0->f[k]) : NAN;
	}
	if (!r || n->n_output < 1)
		return false;
	OxValue *out = ox_value(x, n->output[0]);
	if (out)
		out->c = r;
	return true;
}
