/*
 * onnx_fold.c: constant subgraphs evaluated at import time.
 *
 * Exporters compute shapes in the graph: torch.onnx.export's flatten is
 * Shape -> Gather -> Unsqueeze -> Concat -> Reshape, and weights may pass
 * through Constant, Identity, Cast or Reshape. A node whose inputs are
 * all known (a Shape needs only its input's dims) is evaluated here, by
 * the fold function of its row of ops[] (onnx_map.c), and its output
 * becomes a constant; the Reshape that reads the result then sees a
 * constant shape. A fold function returns NULL for what it does not
 * evaluate (an input not known, an overflow, a case it does not cover),
 * and the node is left to the row's map function.
 */
#include "onnx.h"

#include <math.h>
#include <string.h>

static OxTensor *new_tensor(OxImport *x, int rank, const long long *dims, bool is_float)
{
	OxTensor *t = arena_alloc(x->a, sizeof *t);
	if (rank > OX_MAX_RANK)
		ox_error(x, "a folded constant would have %d dims; at most %d are supported", rank, OX_MAX_RANK);
	t->rank = rank;
	t->count = 1;
	for (int i = 0; i < rank; i++) {
		if (dims[i] < 0 || dims[i] > IR_MAX_DIM)
			ox_error(x, "a folded constant would have dim %lld; a dim is 0 to %d", dims[i], IR_MAX_DIM);
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

/* Copies c's elements into r (of as many elements and the same type). */
static OxTensor *copy_data(OxTensor *r, const OxTensor *c)
{
	if (r->count != c->count || r->is_float != c->is_float)
		return NULL;
	memcpy(r->is_float ? (void *)r->f : (void *)r->i, c->is_float ? (void *)c->f : (void *)c->i,
	       (size_t)c->count * (c->is_float ? sizeof *c->f : sizeof *c->i));
	return r;
}

static double get(const OxTensor *t, long long k)
{
	return t->is_float ? (double)t->f[k] : (double)t->i[k];
}

bool ox_broadcast(int ra, const long long *a, int rb, const long long *b, int *rank, long long *out)
{
	*rank = ra > rb ? ra : rb;
	for (int i = 0; i < *rank; i++) {
		long long p = i < *rank - ra ? 1 : a[i - (*rank - ra)], q = i < *rank - rb ? 1 : b[i - (*rank - rb)];
		if (p != q && p != 1 && q != 1)
			return false;
		out[i] = p == 1 ? q : p;
	}
	return true;
}

const char *ox_reshape_dims(const OxTensor *s, bool allowzero, int rank, const long long *in, long long *d)
{
	if (!s || s->is_float || s->count > OX_MAX_RANK)
		return "a shape that is not a constant (or folds to none)";
	long long known = 1, total = 1;
	int minus = -1;
	for (int i = 0; i < rank; i++)
		total = ir_mul(total, in[i]);
	for (int i = 0; i < s->count; i++) {
		d[i] = s->i[i] == 0 && !allowzero && i < rank ? in[i] : s->i[i];
		if (d[i] == -1 && minus < 0)
			minus = i;
		else if (d[i] < 0 || d[i] > IR_MAX_DIM)
			return "a shape with a negative or huge dim";
		else
			known = ir_mul(known, d[i]);
	}
	if (minus >= 0)
		d[minus] = known ? total / known : 0;
	if (ir_mul(known, minus >= 0 ? d[minus] : 1) != total)
		return "a shape whose element count differs from the input's";
	return NULL;
}

OxTensor *ox_fold_constant(OxImport *x, const Onnx__NodeProto *n)
{
	const Onnx__AttributeProto *a = n->n_attribute == 1 ? n->attribute[0] : NULL;
	if (!a || !a->name)
		return NULL;
	const char *what = arena_printf(x->a, "Constant '%s'", ox_name(x, n->name));
	if (!strcmp(a->name, "value"))
		return a->t ? ox_tensor(x, a->t, what) : NULL;
	bool fl = !strcmp(a->name, "value_float") || !strcmp(a->name, "value_floats");
	bool many = !strcmp(a->name, "value_floats") || !strcmp(a->name, "value_ints");
	if (!fl && strcmp(a->name, "value_int") && strcmp(a->name, "value_ints"))
		return NULL;
	/* the attribute's type and its other fields must agree with its name */
	int want = many ? (fl ? ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS : ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS)
	                : (fl ? ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT : ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
	if ((a->has_type && (int)a->type != want) || (fl ? a->n_ints : a->n_floats) || (!many && (a->n_ints || a->n_floats)))
		ox_error(x, "%s: attribute '%s' has type %d or holds %s; expected %s", what, ox_name(x, a->name), (int)a->type,
		         fl ? "ints" : "floats", fl ? "floats" : "ints");
	long long one = 1, cnt = many ? (long long)(fl ? a->n_floats : a->n_ints) : 1;
	if (cnt > OX_MAX_CONST_FOLD)
		return NULL;
	OxTensor *t = new_tensor(x, many ? 1 : 0, many ? &cnt : &one, fl);
	for (long long i = 0; i < cnt; i++)
		if (fl)
			t->f[i] = many ? a->floats[i] : a->f;
		else
			t->i[i] = many ? a->ints[i] : a->i;
	return t;
}

OxTensor *ox_fold_identity(OxImport *x, const Onnx__NodeProto *n)
{
	return (OxTensor *)ox_in_const(x, n, 0);
}

OxTensor *ox_fold_shape(OxImport *x, const Onnx__NodeProto *n)
{
	OxValue *v = ox_in_value(x, n, 0);
	if (!v || v->bad || (!v->c && !v->var))
		return NULL;
	long long rank = v->c ? v->c->rank : v->rank;
	/* opset 15: dims start .. end, negative from the end, clamped */
	long long b = x->opset >= 15 ? ox_attr_int(n, "start", 0) : 0, e = x->opset >= 15 ? ox_attr_int(n, "end", rank) : rank;
	b = b < 0 ? b + rank : b;
	e = e < 0 ? e + rank : e;
	b = b < 0 ? 0 : b > rank ? rank : b;
	e = e < b ? b : e > rank ? rank : e;
	long long len = e - b;
	OxTensor *r = new_tensor(x, 1, &len, false);
	for (long long i = 0; i < len; i++)
		r->i[i] = v->c ? v->c->dims[b + i] : v->dims[b + i];
	return r;
}

OxTensor *ox_fold_cast(OxImport *x, const Onnx__NodeProto *n)
{
	const OxTensor *c0 = ox_in_const(x, n, 0);
	const Onnx__AttributeProto *to = ox_attr(n, "to");
	if (!c0 || !to)
		return NULL;
	bool fl = false, boolean = to->i == ONNX__TENSOR_PROTO__DATA_TYPE__BOOL;
	switch (to->i) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16: /* held as float32 (not rounded to half) */
		fl = true;
		break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32: case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL:
		break;
	default:
		return NULL;
	}
	OxTensor *r = new_tensor(x, c0->rank, c0->dims, fl);
	for (long long k = 0; k < r->count; k++) {
		double v = get(c0, k);
		if (fl)
			r->f[k] = (float)v;
		else if (boolean)
			r->i[k] = v != 0;
		else if (!c0->is_float)
			r->i[k] = c0->i[k];
		else if (!(v > -9223372036854775808.0 && v < 9223372036854775808.0))
			return NULL; /* NaN or out of int64's range */
		else
			r->i[k] = (int64_t)v;
	}
	return r;
}

/* Squeeze and Unsqueeze. */
OxTensor *ox_fold_squeeze(OxImport *x, const Onnx__NodeProto *n)
{
	const OxTensor *c0 = ox_in_const(x, n, 0);
	if (!c0)
		return NULL;
	long long axes[OX_MAX_RANK];
	int na = 0;
	bool un = n->op_type[0] == 'U';
	if (x->opset >= 13) {
		if (n->n_input > 1 && *n->input[1]) {
			const OxTensor *t = ox_in_const(x, n, 1);
			if (!t || t->is_float || t->count > OX_MAX_RANK)
				return NULL;
			for (long long i = 0; i < t->count; i++)
				axes[i] = t->i[i];
			na = (int)t->count;
		}
	} else if ((na = ox_attr_ints(n, "axes", axes, OX_MAX_RANK)) < 0) {
		return NULL;
	}
	int rank = un ? c0->rank + na : c0->rank, k = 0, out = 0;
	if (rank > OX_MAX_RANK || (un && !na))
		return NULL;
	bool mark[OX_MAX_RANK] = {false};
	for (int i = 0; i < na; i++) {
		long long ax = axes[i] < 0 ? axes[i] + rank : axes[i];
		if (ax < 0 || ax >= rank || mark[ax] || (!un && c0->dims[ax] != 1))
			return NULL; /* out of range, twice, or squeezing a dim that is not 1 */
		mark[ax] = true;
	}
	long long dims[OX_MAX_RANK];
	for (int i = 0; i < rank; i++) {
		if (un)
			dims[out++] = mark[i] ? 1 : c0->dims[k++];
		else if (!(na ? mark[i] : c0->dims[i] == 1))
			dims[out++] = c0->dims[i];
	}
	return copy_data(new_tensor(x, out, dims, c0->is_float), c0);
}

OxTensor *ox_fold_gather(OxImport *x, const Onnx__NodeProto *n)
{
	const OxTensor *c0 = ox_in_const(x, n, 0), *idx = ox_in_const(x, n, 1);
	if (!c0 || !idx || idx->is_float || c0->rank != 1 || ox_attr_int(n, "axis", 0) != 0 ||
	    idx->count > OX_MAX_CONST_FOLD)
		return NULL;
	OxTensor *r = new_tensor(x, idx->rank, idx->dims, c0->is_float);
	for (long long k = 0; k < idx->count; k++) {
		long long j = idx->i[k] < 0 ? idx->i[k] + c0->count : idx->i[k];
		if (j < 0 || j >= c0->count)
			ox_error(x, "node '%s' (Gather): index %lld is out of range for %lld elements",
			         ox_name(x, n->name), (long long)idx->i[k], c0->count);
		if (c0->is_float)
			r->f[k] = c0->f[j];
		else
			r->i[k] = c0->i[j];
	}
	return r;
}

OxTensor *ox_fold_concat(OxImport *x, const Onnx__NodeProto *n)
{
	const OxTensor *c0 = ox_in_const(x, n, 0);
	long long total = 0;
	for (size_t k = 0; c0 && k < n->n_input; k++) {
		const OxTensor *t = ox_in_const(x, n, k);
		if (!t || t->rank != 1 || t->is_float != c0->is_float)
			return NULL;
		total += t->count;
	}
	if (!c0 || total > OX_MAX_CONST_FOLD)
		return NULL;
	OxTensor *r = new_tensor(x, 1, &total, c0->is_float);
	long long at = 0;
	for (size_t k = 0; k < n->n_input; k++) {
		const OxTensor *t = ox_in_const(x, n, k);
		for (long long j = 0; j < t->count; j++, at++)
			if (t->is_float)
				r->f[at] = t->f[j];
			else
				r->i[at] = t->i[j];
	}
	return r;
}

OxTensor *ox_fold_reshape(OxImport *x, const Onnx__NodeProto *n)
{
	const OxTensor *c0 = ox_in_const(x, n, 0), *s = ox_in_const(x, n, 1);
	long long dims[OX_MAX_RANK];
	if (!c0 || ox_reshape_dims(s, ox_attr_int(n, "allowzero", 0) != 0, c0->rank, c0->dims, dims))
		return NULL;
	return copy_data(new_tensor(x, (int)s->count, dims, c0->is_float), c0);
}

/* One integer operation of Add, Sub, Mul, Div; false on overflow or / 0. */
static bool int_op(char op, int64_t u, int64_t w, int64_t *r)
{
	switch (op) {
	case 'A': return !__builtin_add_overflow(u, w, r);
	case 'S': return !__builtin_sub_overflow(u, w, r);
	case 'M': return !__builtin_mul_overflow(u, w, r);
	default:
		if (w == 0 || (u == INT64_MIN && w == -1))
			return false;
		*r = u / w;
		return true;
	}
}

/* Add, Sub, Mul, Div of two constants, broadcast as ONNX does (from the right). */
OxTensor *ox_fold_binary(OxImport *x, const Onnx__NodeProto *n)
{
	const OxTensor *p = ox_in_const(x, n, 0), *q = ox_in_const(x, n, 1);
	int rank;
	long long dims[OX_MAX_RANK];
	if (!p || !q || !ox_broadcast(p->rank, p->dims, q->rank, q->dims, &rank, dims))
		return NULL;
	bool fl = p->is_float || q->is_float;
	if (fl && p->is_float != q->is_float)
		return NULL; /* ONNX wants one type; mixing is no exporter's */
	OxTensor *t = new_tensor(x, rank, dims, fl);
	long long idx[OX_MAX_RANK] = {0};
	char op = n->op_type[0];
	for (long long k = 0; k < t->count; k++) {
		/* element k's offsets into p and q, their dims right-aligned */
		long long ip_at = 0, iq_at = 0;
		for (int i = 0; i < rank; i++) {
			int ip = i - (rank - p->rank), iq = i - (rank - q->rank);
			if (ip >= 0)
				ip_at = ip_at * p->dims[ip] + (p->dims[ip] == 1 ? 0 : idx[i]);
			if (iq >= 0)
				iq_at = iq_at * q->dims[iq] + (q->dims[iq] == 1 ? 0 : idx[i]);
		}
		if (fl) {
			double u = p->f[ip_at], w = q->f[iq_at];
			if (op == 'D' && w == 0)
				return NULL;
			t->f[k] = (float)(op == 'A' ? u + w : op == 'S' ? u - w : op == 'M' ? u * w : u / w);
		} else if (!int_op(op, p->i[ip_at], q->i[iq_at], &t->i[k])) {
			return NULL;
		}
		for (int i = rank - 1; i >= 0 && ++idx[i] == dims[i]; i--)
			idx[i] = 0;
	}
	return t;
}

OxTensor *ox_fold_slice(OxImport *x, const Onnx__NodeProto *n)
{
	const OxTensor *c0 = ox_in_const(x, n, 0);
	if (!c0 || c0->rank < 1 || x->opset < 10)
		return NULL;
	const OxTensor *st = ox_in_const(x, n, 1), *en = ox_in_const(x, n, 2);
	const OxTensor *ax = n->n_input > 3 && *n->input[3] ? ox_in_const(x, n, 3) : NULL;
	const OxTensor *sp = n->n_input > 4 && *n->input[4] ? ox_in_const(x, n, 4) : NULL;
	if (!st || !en || st->is_float || en->is_float || st->count != 1 || en->count != 1 ||
	    (n->n_input > 3 && *n->input[3] && (!ax || ax->is_float || ax->count != 1)) ||
	    (n->n_input > 4 && *n->input[4] && (!sp || sp->is_float || sp->count != 1 || sp->i[0] == 0)))
		return NULL;
	/* one axis (0 unless given), any nonzero step; the clamping of ONNX's Slice */
	long long axis = ax ? ax->i[0] : 0, step = sp ? sp->i[0] : 1;
	axis = axis < 0 ? axis + c0->rank : axis;
	if (axis < 0 || axis >= c0->rank || step < -IR_MAX_DIM || step > IR_MAX_DIM)
		return NULL;
	long long c = c0->dims[axis], b = st->i[0], e = en->i[0];
	b = b < 0 ? (b < -c ? -c : b) + c : b;
	e = e < 0 ? (e < -c ? -c - 1 : e) + c : e;
	long long lo = step > 0 ? 0 : -1, hi = step > 0 ? c : c - 1;
	b = b > hi ? hi : b;
	e = e < lo ? lo : e > hi ? hi : e;
	long long len = step > 0 ? (e > b ? (e - b + step - 1) / step : 0) : (b > e ? (b - e - step - 1) / -step : 0);
	long long dims[OX_MAX_RANK] = {0}, outer = 1, inner = 1;
	for (int i = 0; i < c0->rank; i++) {
		dims[i] = i == axis ? len : c0->dims[i];
		outer = ir_mul(outer, i < axis ? c0->dims[i] : 1);
		inner = ir_mul(inner, i > axis ? c0->dims[i] : 1);
	}
	OxTensor *r = new_tensor(x, c0->rank, dims, c0->is_float);
	for (long long o = 0, k = 0; o < outer; o++)
		for (long long j = 0; j < len; j++)
			for (long long i = 0; i < inner; i++, k++) {
				long long src = (o * c + b + j * step) * inner + i;
				if (c0->is_float)
					r->f[k] = c0->f[src];
				else
					r->i[k] = c0->i[src];
			}
	return r;
}

OxTensor *ox_fold_sqrt(OxImport *x, const Onnx__NodeProto *n)
{
	const OxTensor *c0 = ox_in_const(x, n, 0);
	if (!c0 || !c0->is_float)
		return NULL;
	OxTensor *r = new_tensor(x, c0->rank, c0->dims, true);
	for (long long k = 0; k < r->count; k++)
		r->f[k] = c0->f[k] >= 0 ? sqrtf(c0->f[k]) : NAN;
	return r;
}

const char *ox_perm(const Onnx__NodeProto *n, int rank, long long *perm)
{
	int r = ox_attr_ints(n, "perm", perm, OX_MAX_RANK);
	if (r == 0) { /* the default reverses the dims */
		r = rank;
		for (int i = 0; i < r; i++)
			perm[i] = r - 1 - i;
	}
	if (r != rank)
		return "a perm whose length differs from the input's rank";
	bool seen[OX_MAX_RANK] = {false};
	for (int i = 0; i < r; i++) {
		if (perm[i] < 0 || perm[i] >= r || seen[perm[i]])
			return "a perm that is not a permutation of the dims";
		seen[perm[i]] = true;
	}
	return NULL;
}

/* Transpose of a constant (exporters transpose a linear's weight in the
 * graph when constant folding is off): out[i] = in[perm-placed i]. */
OxTensor *ox_fold_transpose(OxImport *x, const Onnx__NodeProto *n)
{
	const OxTensor *c = ox_in_const(x, n, 0);
	if (!c)
		return NULL;
	long long perm[OX_MAX_RANK], dims[OX_MAX_RANK], stride[OX_MAX_RANK], idx[OX_MAX_RANK] = {0};
	int r = c->rank;
	if (ox_perm(n, r, perm))
		return NULL;
	for (int i = 0; i < r; i++)
		dims[i] = c->dims[perm[i]];
	long long s = 1;
	for (int i = r - 1; i >= 0; i--) { /* the input's strides */
		stride[i] = s;
		s *= c->dims[i];
	}
	OxTensor *t = new_tensor(x, r, dims, c->is_float);
	for (long long k = 0; k < t->count; k++) {
		long long src = 0;
		for (int i = 0; i < r; i++)
			src += idx[i] * stride[perm[i]];
		if (t->is_float)
			t->f[k] = c->f[src];
		else
			t->i[k] = c->i[src];
		for (int i = r - 1; i >= 0 && ++idx[i] == dims[i]; i--) /* the next output index */
			idx[i] = 0;
	}
	return t;
}

/* ConstantOfShape: a constant shape filled with value (one element;
 * float 0 by default), as torch.onnx.export builds F.pad's pads. */
OxTensor *ox_fold_constant_of_shape(OxImport *x, const Onnx__NodeProto *n)
{
	const OxTensor *s = ox_in_const(x, n, 0);
	if (!s || s->is_float || s->rank != 1 || s->count > OX_MAX_RANK)
		return NULL;
	const Onnx__AttributeProto *a = ox_attr(n, "value");
	const char *what = arena_printf(x->a, "ConstantOfShape '%s'", ox_name(x, n->name));
	const OxTensor *v = a && a->t ? ox_tensor(x, a->t, what) : NULL;
	if (a && (!v || v->count != 1))
		return NULL;
	long long dims[OX_MAX_RANK], count = 1;
	for (int i = 0; i < s->count; i++) {
		dims[i] = s->i[i];
		count = ir_mul(count, dims[i] < 0 ? 0 : dims[i]);
	}
	if (count > OX_MAX_CONST_FOLD)
		return NULL;
	OxTensor *t = new_tensor(x, (int)s->count, dims, v ? v->is_float : true);
	for (long long k = 0; k < t->count; k++)
		if (t->is_float)
			t->f[k] = v ? v->f[0] : 0;
		else
			t->i[k] = v->i[0];
	return t;
}
