/*
 * weights.c: gives every node its parameters, from a file or a seed.
 *
 * needs: shapes inferred (ir_params derives parameter shapes from them).
 * keeps: everything. fills: Node.param, in ir_params order.
 *
 * weights_load binds PyTorch state_dict keys to nodes: the node named
 * "layer1.0.conv1" reads "layer1.0.conv1.weight", and so on for each
 * ParamSpec suffix. Every key the model needs must be in the file with
 * exactly the shape ir_params gives and a float dtype (F32, F16, BF16,
 * F64, converted to float32 here, at compile time). Keys the model does
 * not read (num_batches_tracked, a classifier head left out, ...) are
 * not errors: one note says how many and names the first few, so a
 * typo in a layer name is visible even when no error fires.
 *
 * weights_random is for benchmarks and tests without a trained model.
 * Each tensor gets its own stream, seeded from the seed and a hash of its
 * key, so a tensor's values depend only on (seed, key): adding a layer
 * does not change the others. The generator is splitmix64; floats come
 * from 24-bit integers scaled by IEEE operations that round the same way
 * everywhere, so one seed gives the same weights on every machine.
 * Ranges follow PyTorch's default initialization (weights and biases
 * uniform in +-1/sqrt(fan_in)); batch norm gets scales and statistics
 * away from the identity so that a fold or layout bug shows in outputs.
 */
#include "../cnnc.h"

#include <math.h>
#include <string.h>

#define UNUSED_SHOWN 4 /* unused keys named in the note */

/* "[64, 3, 7, 7]" into buf. */
static const char *dims_str(const long long *d, int rank, char *buf, size_t size)
{
	size_t used = (size_t)snprintf(buf, size, "[");
	for (int i = 0; i < rank && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "", d[i]);
	if (used < size)
		snprintf(buf + used, size - used, "]");
	return buf;
}

static const char *spec_str(const ParamSpec *p, char *buf, size_t size)
{
	long long d[MAX_RANK];
	for (int i = 0; i < p->rank; i++)
		d[i] = p->shape[i];
	return dims_str(d, p->rank, buf, size);
}

static const char *tensor_str(const StTensor *t, char *buf, size_t size)
{
	return dims_str(t->shape, t->rank, buf, size);
}

/* "conv2d 'conv1' at model.lua:12", for messages. */
static const char *where(const Graph *g, const Node *n, char *buf, size_t size)
{
	if (n->line > 0)
		snprintf(buf, size, "%s '%s' at %s:%d", op_name[n->op], n->name, g->file, n->line);
	else
		snprintf(buf, size, "%s '%s' in %s", op_name[n->op], n->name, g->file);
	return buf;
}

static bool same_shape(const ParamSpec *p, const StTensor *t)
{
	if (p->rank != t->rank)
		return false;
	for (int i = 0; i < p->rank; i++)
		if (p->shape[i] != t->shape[i])
			return false;
	return true;
}

static void load_param(Graph *g, const char *path, const StFile *sf, Node *n, const ParamSpec *p,
                       int slot, bool *used, bool require_finite)
{
	char at[1024], want[128], got[256];
	const char *key = ir_param_key(g->arena, n, p);
	where(g, n, at, sizeof at);
	spec_str(p, want, sizeof want);
	const StTensor *t = st_find(sf, key);
	if (!t)
		diag_error(path, 0, "missing tensor '%s' (%s needs shape %s)%s", key, at, want,
		           n->named ? "" : "; the layer has no name: give it name = \"...\" matching the state_dict key");
	used[t - sf->t] = true;
	if (!same_shape(p, t)) {
		bool swapped = p->rank == 2 && t->rank == 2 && p->shape[0] == t->shape[1] && p->shape[1] == t->shape[0];
		diag_error(path, 0, "tensor '%s' has shape %s, but %s needs %s%s", key,
		           tensor_str(t, got, sizeof got), at, want,
		           swapped ? " (the dims are swapped: was the weight saved transposed?)" : "");
	}
	if (!st_is_float(t))
		diag_error(path, 0, "tensor '%s' has dtype %s, expected a float type (F32, F16, BF16 or F64)",
		           key, t->dtype);
	n->param[slot] = arena_alloc(g->arena, (size_t)(p->count ? p->count : 1) * sizeof(float));
	st_read_f32(sf, t, n->param[slot]);
	long long bad = 0;
	for (long long i = 0; i < p->count; i++)
		bad += !isfinite(n->param[slot][i]);
	if (bad && require_finite)
		diag_error(path, 0, "tensor '%s' has %lld NaN or infinite value%s of %lld; the weights must be finite "
		           "(--finite-weights; quantize always)", key, bad,
		           bad == 1 ? "" : "s", p->count);
	if (bad)
		diag_note(path, 0, "tensor '%s' has %lld NaN or infinite value%s of %lld: the model's output will "
		          "be NaN or infinite where they reach it (--finite-weights makes this an error)",
		          key, bad, bad == 1 ? "" : "s", p->count);
}

void weights_load(Graph *g, const char *path, bool require_finite)
{
	weights_bind(g, st_open(g->arena, path), require_finite);
}

void weights_bind(Graph *g, StFile *sf, bool require_finite)
{
	const char *path = sf->path;
	bool *used = arena_alloc(g->arena, (size_t)(sf->n ? sf->n : 1) * sizeof *used);
	for (int id = 0; id < g->n; id++) {
		Node *n = &g->nodes[id];
		ParamSpec p[MAX_PARAMS];
		int k = n->qweight ? 0 : ir_params(g, n, p); /* int8 weights: bound by quant_bind */
		for (int i = 0; i < k; i++)
			load_param(g, path, sf, n, &p[i], i, used, require_finite);
	}
	/* one note for the unused keys, in key order */
	int unused = 0;
	char names[512] = "";
	size_t len = 0;
	for (int i = 0; i < sf->n; i++) {
		const StTensor *t = sf->by_key[i];
		if (used[t - sf->t])
			continue;
		if (unused < UNUSED_SHOWN && len < sizeof names)
			len += (size_t)snprintf(names + len, sizeof names - len, "%s'%s'", unused ? ", " : "", t->key);
		unused++;
	}
	const char *fmt = st_meta(sf, "format");
	if (fmt && !strcmp(fmt, "cnnc-int8"))
		unused = 0; /* a Q file: its other keys are the quantization (quant_load checked them) */
	if (unused)
		diag_note(path, 0, "%d tensor%s in the file %s not used by the model: %s%s", unused,
		          unused == 1 ? "" : "s", unused == 1 ? "is" : "are", names,
		          unused > UNUSED_SHOWN ? ", ..." : "");
	st_close(sf);
}

/* ---- weights_random ------------------------------------------------ */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* FNV-1a: a stable hash of a tensor key. */
static uint64_t hash_str(const char *s, uint64_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* Uniform in [center - half, center + half]: a symmetric odd integer in
 * +-(2^24 - 1), scaled; every step is an exactly rounded IEEE operation. */
static float uniform(uint64_t *s, double center, double half)
{
	int64_t u = (int64_t)(splitmix64(s) >> 40);   /* 0 .. 2^24 - 1 */
	int64_t sym = 2 * u - ((1 << 24) - 1);        /* odd, -(2^24-1) .. 2^24-1 */
	return (float)(center + half * ((double)sym / (double)(1 << 24)));
}

/* PyTorch's fan_in for conv2d and linear weights: every dim but the first. */
static long long fan_in(const ParamSpec *w)
{
	long long f = 1;
	for (int i = 1; i < w->rank; i++)
		f *= w->shape[i];
	return f > 0 ? f : 1;
}

void weights_random(Graph *g, uint64_t seed)
{
	for (int id = 0; id < g->n; id++) {
		Node *n = &g->nodes[id];
		ParamSpec p[MAX_PARAMS];
		int k = n->qweight ? 0 : ir_params(g, n, p); /* int8 weights: bound by quant_bind */
		for (int i = 0; i < k; i++) {
			/* the tensor's stream: seed and key, mixed */
			uint64_t h = hash_str(p[i].suffix, hash_str(".", hash_str(n->name, 0xcbf29ce484222325ull)));
			uint64_t s = seed;
			s = splitmix64(&s) ^ splitmix64(&h);
			double center = 0, half;
			if (n->op == OP_BATCH_NORM) {
				/* weight and running_var in [0.5, 1.5]; bias and mean in [-0.5, 0.5] */
				bool around_one = !strcmp(p[i].suffix, "weight") || !strcmp(p[i].suffix, "running_var");
				center = around_one ? 1.0 : 0.0;
				half = 0.5;
			} else {
				half = 1.0 / sqrt((double)fan_in(&p[0])); /* p[0] is the weight */
			}
			float *v = arena_alloc(g->arena, (size_t)(p[i].count ? p[i].count : 1) * sizeof *v);
			for (long long j = 0; j < p[i].count; j++)
				v[j] = uniform(&s, center, half);
			n->param[i] = v;
		}
	}
}
