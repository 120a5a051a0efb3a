/*
 * safetensors.c: reads PyTorch weights saved as safetensors.
 *
 * The format is three parts:
 *
 *   u64 N (little-endian) | N bytes of JSON header | data section
 *
 * The header maps each tensor name to {"dtype", "shape", "data_offsets":
 * [begin, end]}, byte offsets relative to the data section; an optional
 * "__metadata__" entry maps strings to strings. The file comes from
 * elsewhere, so st_open trusts nothing and checks everything before any
 * of it is used, in the order a reader meets it:
 *
 *   1. the header length: at most ST_MAX_HEADER, and inside the file;
 *   2. the header bytes: no control characters, starts with '{', parses
 *      as JSON (libcjson) with nothing but spaces after it;
 *   3. every entry: an object with exactly dtype (a known name), shape
 *      (at most ST_MAX_RANK non-negative integers) and data_offsets (two
 *      integers, begin <= end), all integers at most 2^53; the byte size
 *      shape x dtype, computed with overflow checks, equals end - begin,
 *      and end lies inside the data section. "__metadata__" maps strings
 *      to strings. Then every number in the raw header text must be
 *      written as a plain integer: cJSON reads "1.0" and "-0" as doubles
 *      that pass the checks above;
 *   4. the keys: no key twice (cJSON keeps duplicates as separate items),
 *      among the tensors nor in "__metadata__";
 *   5. the ranges, sorted by begin: they tile the data section exactly,
 *      from 0 to its end, with no overlap, no hole and nothing after the
 *      last tensor, as the format requires.
 *
 * Any failure prints "FILE: error: what is wrong, and what was expected"
 * and exits 1; before exiting, the parser frees what it allocated outside
 * the arena (the header text, the cJSON tree) and closes the file.
 *
 * Tensor data is read only on request (st_read_f32), with fseeko + fread
 * in fixed-size chunks, converting F16, BF16 and F64 to float32 from their
 * little-endian bytes, so the result is the same on any host.
 */
#include "../cnnc.h"

#include <cJSON.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define ST_MAX_HEADER (100u << 20)     /* header bytes accepted (100 MB) */
#define ST_MAX_INT 9007199254740992.0 /* 2^53: larger integers lose precision in JSON */
#define ST_CHUNK 16384                 /* bytes read per fread in st_read_f32 */

/* One dtype the format knows. */
typedef struct {
	const char *name;      /* as written in the header */
	int bytes;             /* bytes per element */
} Dtype;

static const Dtype dtypes[] = {
	{"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"F8_E5M2", 1}, {"F8_E4M3", 1},
	{"U16", 2}, {"I16", 2}, {"F16", 2}, {"BF16", 2},
	{"U32", 4}, {"I32", 4}, {"F32", 4},
	{"U64", 8}, {"I64", 8}, {"F64", 8},
};

/* Everything st_open holds while it validates, so an error can let go of
 * it before exiting. */
typedef struct {
	Arena *arena;          /* where the error message is formatted */
	const char *path;      /* file name, for messages */
	FILE *f;               /* the open file (NULL once closed) */
	char *hdr;             /* header bytes, NUL-terminated (malloc) */
	cJSON *root;           /* parsed header (cJSON's allocator) */
} Parser;

static void release(Parser *p)
{
	cJSON_Delete(p->root);
	p->root = NULL;
	free(p->hdr);
	p->hdr = NULL;
	if (p->f)
		fclose(p->f);
	p->f = NULL;
}

/* The message is formatted before release: its arguments may point into
 * the cJSON tree. */
static NORETURN PRINTF(2, 3) void fail(Parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *msg = arena_alloc(p->arena, (size_t)(n > 0 ? n : 0) + 1);
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
	va_end(ap);
	release(p);
	diag_error(p->path, 0, "%s", msg);
}

/* "[10, 64]" into buf. */
static const char *shape_str(const long long *shape, int rank, char *buf, size_t size)
{
	size_t used = (size_t)snprintf(buf, size, "[");
	for (int i = 0; i < rank && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "", shape[i]);
	if (used < size)
		snprintf(buf + used, size - used, "]");
	return buf;
}

/* What a JSON value is, for "expected X, got Y" messages. */
static const char *json_kind(const cJSON *v)
{
	if (cJSON_IsObject(v)) return "an object";
	if (cJSON_IsArray(v)) return "an array";
	if (cJSON_IsString(v)) return "a string";
	if (cJSON_IsNumber(v)) return "a number";
	if (cJSON_IsBool(v)) return "a boolean";
	if (cJSON_IsNull(v)) return "null";
	return "not a JSON value";
}

/* ---- step 1: the header length ------------------------------------- */

static void read_exact(Parser *p, void *buf, size_t n, uint64_t at, const char *what)
{
	if (fseeko(p->f, (off_t)at, SEEK_SET) != 0)
		fail(p, "cannot seek to byte %llu to read the %s: %s", (unsigned long long)at, what, strerror(errno));
	size_t got = fread(buf, 1, n, p->f);
	if (got != n) {
		if (ferror(p->f))
			fail(p, "cannot read the %s: %s", what, strerror(errno));
		fail(p, "file ended after %zu of the %zu bytes of the %s (did it change while being read?)", got, n, what);
	}
}

static uint64_t le64(const unsigned char *b)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* ---- step 2: the header bytes ------------------------------------- */

/* Bytes JSON allows outside strings, and control characters nowhere:
 * checking the raw header for them also keeps NULs out of cJSON. */
static void check_bytes(Parser *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p->hdr[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			fail(p, "header byte %llu is the control character 0x%02x; expected JSON text",
			     (unsigned long long)i, c);
	}
}

/* Every number in a safetensors header is a shape entry or an offset,
 * so it must be written as a plain integer. cJSON turns "1.0", "1e3" and
 * "-0" into doubles that look like integers; the raw text does not lie. */
static void check_numbers(Parser *p, size_t n)
{
	const char *h = p->hdr;
	for (size_t i = 0; i < n; i++) {
		if (h[i] == '"') {
			for (i++; i < n && h[i] != '"'; i++)
				if (h[i] == '\\')
					i++;
			continue;
		}
		if (h[i] != '-' && (h[i] < '0' || h[i] > '9'))
			continue;
		size_t start = i;
		bool plain = true;
		for (; i < n && strchr("0123456789+-.eE", h[i]) && h[i]; i++)
			plain = plain && h[i] >= '0' && h[i] <= '9';
		if (!plain) {
			int len = (int)(i - start < 40 ? i - start : 40);
			fail(p, "header byte %zu: number '%.*s' is not a plain non-negative integer; "
			     "shapes and data_offsets must be written as digits only", start, len, h + start);
		}
		i--;
	}
}

/* ---- step 3: the entries ------------------------------------------ */

/* A JSON number that must be a non-negative integer up to 2^53. */
static uint64_t get_uint(Parser *p, const char *key, const cJSON *v, const char *what)
{
	if (!cJSON_IsNumber(v))
		fail(p, "tensor '%s': %s is %s, expected a non-negative integer", key, what, json_kind(v));
	double d = v->valuedouble;
	if (!(d >= 0) || d != floor(d))
		fail(p, "tensor '%s': %s is %g, expected a non-negative integer", key, what, d);
	if (d > ST_MAX_INT)
		fail(p, "tensor '%s': %s is %.17g, expected at most 2^53", key, what, d);
	return (uint64_t)d;
}

static const Dtype *find_dtype(const char *name)
{
	for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
		if (!strcmp(dtypes[i].name, name))
			return &dtypes[i];
	return NULL;
}

static void check_metadata(Parser *p, const cJSON *m)
{
	if (!cJSON_IsObject(m))
		fail(p, "__metadata__ is %s, expected an object of strings", json_kind(m));
	for (const cJSON *e = m->child; e; e = e->next)
		if (!cJSON_IsString(e))
			fail(p, "__metadata__ entry '%s' is %s, expected a string", e->string, json_kind(e));
}

/* Fills t from one header entry e, checking it as step 3 says. */
static void parse_entry(Parser *p, Arena *a, const cJSON *e, uint64_t data_size, StTensor *t)
{
	const char *key = e->string;
	if (!cJSON_IsObject(e))
		fail(p, "tensor '%s' is %s, expected an object with dtype, shape and data_offsets", key, json_kind(e));
	const cJSON *dtype = NULL, *shape = NULL, *offs = NULL;
	for (const cJSON *f = e->child; f; f = f->next) {
		const cJSON **slot = !strcmp(f->string, "dtype")          ? &dtype
		                   : !strcmp(f->string, "shape")          ? &shape
		                   : !strcmp(f->string, "data_offsets")   ? &offs
		                                                          : NULL;
		if (!slot)
			fail(p, "tensor '%s': unexpected field '%s'; expected only dtype, shape and data_offsets",
			     key, f->string);
		if (*slot)
			fail(p, "tensor '%s': field '%s' appears twice", key, f->string);
		*slot = f;
	}
	if (!dtype || !shape || !offs)
		fail(p, "tensor '%s': missing field '%s'; expected dtype, shape and data_offsets", key,
		     !dtype ? "dtype" : !shape ? "shape" : "data_offsets");

	if (!cJSON_IsString(dtype))
		fail(p, "tensor '%s': dtype is %s, expected a string such as \"F32\"", key, json_kind(dtype));
	const Dtype *dt = find_dtype(dtype->valuestring);
	if (!dt)
		fail(p, "tensor '%s': unknown dtype '%.40s'; expected one of BOOL, U8, I8, U16, I16, F16, BF16, "
		     "U32, I32, F32, U64, I64, F64, F8_E5M2, F8_E4M3", key, dtype->valuestring);

	if (!cJSON_IsArray(shape))
		fail(p, "tensor '%s': shape is %s, expected an array of dims", key, json_kind(shape));
	int rank = cJSON_GetArraySize(shape);
	if (rank > ST_MAX_RANK)
		fail(p, "tensor '%s': shape has %d dims, at most %d are supported", key, rank, ST_MAX_RANK);
	int i = 0;
	bool zero = false;
	for (const cJSON *d = shape->child; d; d = d->next, i++) {
		char what[32];
		snprintf(what, sizeof what, "shape[%d]", i);
		t->shape[i] = (long long)get_uint(p, key, d, what);
		zero = zero || t->shape[i] == 0;
	}
	char sbuf[256];
	uint64_t count = 1;
	for (i = 0; i < rank && !zero; i++) {
		uint64_t d = (uint64_t)t->shape[i];
		if (count > (uint64_t)ST_MAX_INT / d)
			fail(p, "tensor '%s': shape %s has more than 2^53 elements", key,
			     shape_str(t->shape, rank, sbuf, sizeof sbuf));
		count *= d;
	}
	if (zero)
		count = 0;
	uint64_t bytes = count * (uint64_t)dt->bytes; /* < 2^56: no overflow */

	if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2)
		fail(p, "tensor '%s': data_offsets is %s, expected an array [begin, end]", key,
		     cJSON_IsArray(offs) ? "an array of the wrong length" : json_kind(offs));
	uint64_t begin = get_uint(p, key, offs->child, "data_offsets[0]");
	uint64_t end = get_uint(p, key, offs->child->next, "data_offsets[1]");
	if (begin > end)
		fail(p, "tensor '%s': data_offsets [%llu, %llu] are reversed; expected begin <= end", key,
		     (unsigned long long)begin, (unsigned long long)end);
	if (bytes != end - begin)
		fail(p, "tensor '%s': shape %s of %s needs %llu bytes, but data_offsets give %llu", key,
		     shape_str(t->shape, rank, sbuf, sizeof sbuf), dt->name, (unsigned long long)bytes,
		     (unsigned long long)(end - begin));
	if (end > data_size)
		fail(p, "tensor '%s': data_offsets [%llu, %llu] run past the end of the data section (%llu bytes)",
		     key, (unsigned long long)begin, (unsigned long long)end, (unsigned long long)data_size);

	t->key = arena_strdup(a, key);
	t->dtype = dt->name;
	t->elem_bytes = dt->bytes;
	t->rank = rank;
	t->count = (long long)count;
	t->begin = begin;
	t->end = end;
}

/* ---- steps 4 and 5: keys and ranges ------------------------------- */

static int by_begin(const void *x, const void *y)
{
	const StTensor *a = x, *b = y;
	if (a->begin != b->begin)
		return a->begin < b->begin ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int by_key(const void *x, const void *y)
{
	const StTensor *const *a = x, *const *b = y;
	return strcmp((*a)->key, (*b)->key);
}

/* Orders __metadata__'s (key, value) pairs by key. */
static int by_meta_key(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void check_ranges(Parser *p, const StTensor *t, int n, uint64_t data_size)
{
	uint64_t pos = 0;
	for (int i = 0; i < n; i++) {
		if (t[i].begin < pos)
			fail(p, "tensors '%s' (bytes %llu..%llu) and '%s' (bytes %llu..%llu) overlap; "
			     "expected each byte of the data section to belong to one tensor",
			     t[i - 1].key, (unsigned long long)t[i - 1].begin, (unsigned long long)t[i - 1].end,
			     t[i].key, (unsigned long long)t[i].begin, (unsigned long long)t[i].end);
		if (t[i].begin > pos)
			fail(p, "bytes %llu..%llu of the data section belong to no tensor (a hole before '%s'); "
			     "expected the tensors to cover the data section without gaps",
			     (unsigned long long)pos, (unsigned long long)t[i].begin, t[i].key);
		pos = t[i].end;
	}
	if (pos != data_size) {
		if (n == 0)
			fail(p, "the header lists no tensors, but %llu bytes of data follow it",
			     (unsigned long long)data_size);
		fail(p, "%llu bytes of trailing data after the last tensor '%s' (ends at %llu of %llu); "
		     "expected the file to end with the last tensor",
		     (unsigned long long)(data_size - pos), t[n - 1].key, (unsigned long long)pos,
		     (unsigned long long)data_size);
	}
}

/* ---- st_open ------------------------------------------------------ */

static StFile *open_stream(Parser p, Arena *a, const char *path, uint64_t size);

StFile *st_open(Arena *a, const char *path)
{
	Parser p = {a, path, NULL, NULL, NULL};
	p.f = file_open_regular(path, "weights (a .safetensors file)");
	struct stat sb;
	if (fstat(fileno(p.f), &sb) != 0)
		fail(&p, "cannot stat: %s", strerror(errno));
	return open_stream(p, a, path, (uint64_t)sb.st_size);
}

StFile *st_open_mem(Arena *a, const char *name, const void *data, size_t size)
{
	Parser p = {a, name, NULL, NULL, NULL};
	p.f = fmemopen((void *)data, size ? size : 1, "rb");
	if (!p.f)
		fail(&p, "cannot open the weights in memory: %s", strerror(errno));
	return open_stream(p, a, name, (uint64_t)size);
}

/* st_open's checks on p.f, of size bytes. */
static StFile *open_stream(Parser p, Arena *a, const char *path, uint64_t size)
{

	/* 1. header length */
	if (size < 8)
		fail(&p, "file is %llu bytes, too short for safetensors (expected an 8-byte header length, "
		     "a JSON header and data)", (unsigned long long)size);
	unsigned char lenb[8];
	read_exact(&p, lenb, 8, 0, "header length");
	uint64_t n = le64(lenb);
	if (n > ST_MAX_HEADER)
		fail(&p, "header length %llu is over the %u MB limit; is this a safetensors file?",
		     (unsigned long long)n, ST_MAX_HEADER >> 20);
	if (n > size - 8)
		fail(&p, "header length %llu runs past the end of the file (%llu bytes after the length); "
		     "is the file truncated?", (unsigned long long)n, (unsigned long long)(size - 8));
	uint64_t data_size = size - 8 - n;

	/* 2. header bytes */
	p.hdr = malloc((size_t)n + 1);
	if (!p.hdr)
		fail(&p, "out of memory reading a %llu-byte header", (unsigned long long)n);
	read_exact(&p, p.hdr, (size_t)n, 8, "header");
	p.hdr[n] = 0;
	if (n == 0 || p.hdr[0] != '{')
		fail(&p, "header does not start with '{'; expected a JSON object");
	check_bytes(&p, n);
	const char *end = NULL;
	p.root = cJSON_ParseWithLengthOpts(p.hdr, (size_t)n, &end, false);
	if (!p.root) {
		size_t at = end && end >= p.hdr && end <= p.hdr + n ? (size_t)(end - p.hdr) : 0;
		fail(&p, "header is not valid JSON (problem near byte %zu of %llu)", at, (unsigned long long)n);
	}
	for (size_t i = (size_t)(end - p.hdr); i < n; i++)
		if (!strchr(" \t\r\n", p.hdr[i]))
			fail(&p, "header has garbage after the JSON object at byte %zu; expected only spaces", i);
	if (!cJSON_IsObject(p.root))
		fail(&p, "header is %s, expected a JSON object", json_kind(p.root));

	/* 3. entries */
	int count = 0;
	const cJSON *meta = NULL;
	for (const cJSON *e = p.root->child; e; e = e->next) {
		if (strcmp(e->string, "__metadata__")) {
			count++;
			continue;
		}
		if (meta)
			fail(&p, "duplicate key '__metadata__'; expected each key once");
		meta = e;
		check_metadata(&p, e);
	}
	StFile *sf = arena_alloc(a, sizeof *sf);
	sf->path = arena_strdup(a, path);
	sf->data_offset = 8 + n;
	sf->file_size = size;
	sf->n = count;
	sf->t = arena_alloc(a, (size_t)(count ? count : 1) * sizeof *sf->t);
	sf->by_key = arena_alloc(a, (size_t)(count ? count : 1) * sizeof *sf->by_key);
	int k = 0;
	for (const cJSON *e = p.root->child; e; e = e->next)
		if (e != meta)
			parse_entry(&p, a, e, data_size, &sf->t[k++]);
	for (const cJSON *e = meta ? meta->child : NULL; e; e = e->next)
		sf->nmeta++;
	sf->meta = arena_alloc(a, (size_t)(sf->nmeta ? sf->nmeta : 1) * 2 * sizeof *sf->meta);
	k = 0;
	for (const cJSON *e = meta ? meta->child : NULL; e; e = e->next, k += 2) {
		sf->meta[k] = arena_strdup(a, e->string);
		sf->meta[k + 1] = arena_strdup(a, e->valuestring);
	}
	check_numbers(&p, (size_t)n); /* after the entries: their messages say more */

	/* 4. keys */
	for (int i = 0; i < count; i++)
		sf->by_key[i] = &sf->t[i];
	if (count > 1)
		qsort(sf->by_key, (size_t)count, sizeof *sf->by_key, by_key);
	for (int i = 1; i < count; i++)
		if (!strcmp(sf->by_key[i - 1]->key, sf->by_key[i]->key))
			fail(&p, "duplicate key '%s'; expected each tensor once", sf->by_key[i]->key);
	if (sf->nmeta > 1)
		qsort(sf->meta, (size_t)sf->nmeta, 2 * sizeof *sf->meta, by_meta_key);
	for (int i = 1; i < sf->nmeta; i++)
		if (!strcmp(sf->meta[2 * i - 2], sf->meta[2 * i]))
			fail(&p, "__metadata__ has key '%s' twice; expected each key once", sf->meta[2 * i]);

	/* 5. ranges (sorting moves the tensors, so index by key afterwards) */
	if (count > 1)
		qsort(sf->t, (size_t)count, sizeof *sf->t, by_begin);
	check_ranges(&p, sf->t, count, data_size);
	for (int i = 0; i < count; i++)
		sf->by_key[i] = &sf->t[i];
	if (count > 1)
		qsort(sf->by_key, (size_t)count, sizeof *sf->by_key, by_key);

	sf->f = p.f;
	p.f = NULL;
	release(&p);
	return sf;
}

const StTensor *st_find(const StFile *f, const char *key)
{
	size_t lo = 0, hi = (size_t)f->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, f->by_key[mid]->key);
		if (c == 0)
			return f->by_key[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

bool st_is_float(const StTensor *t)
{
	return !strcmp(t->dtype, "F32") || !strcmp(t->dtype, "F16") || !strcmp(t->dtype, "BF16") ||
	       !strcmp(t->dtype, "F64");
}

/* ---- conversions (from little-endian bytes) ------------------------ */

static float bits_f32(uint32_t u)
{
	float x;
	memcpy(&x, &u, sizeof x);
	return x;
}

/* IEEE half: 1 sign, 5 exponent (bias 15), 10 mantissa bits. */
static float from_f16(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31;
	uint32_t exp = (h >> 10) & 0x1f;
	uint32_t man = h & 0x3ff;
	if (exp == 0x1f) /* inf, nan (payload kept) */
		return bits_f32(sign | 0x7f800000u | man << 13);
	if (exp == 0) { /* zero, subnormal: man * 2^-24, exact in float */
		float v = (float)man * 5.9604644775390625e-8f;
		return sign ? -v : v;
	}
	return bits_f32(sign | (exp - 15 + 127) << 23 | man << 13);
}

/* double to float without the undefined behaviour of an out-of-range
 * cast: beyond FLT_MAX + half an ulp rounds to infinity. */
static float from_f64(double d)
{
	if (isnan(d))
		return (float)d;
	if (d >= 0x1.ffffffp127)
		return INFINITY;
	if (d <= -0x1.ffffffp127)
		return -INFINITY;
	if (d > FLT_MAX)
		return FLT_MAX;
	if (d < -FLT_MAX)
		return -FLT_MAX;
	return (float)d;
}

static void convert(const StTensor *t, const unsigned char *b, size_t n, float *dst)
{
	for (size_t i = 0; i < n; i++, b += t->elem_bytes) {
		switch (t->elem_bytes) {
		case 2: {
			uint16_t h = (uint16_t)(b[0] | b[1] << 8);
			dst[i] = t->dtype[0] == 'B' ? bits_f32((uint32_t)h << 16) : from_f16(h);
			break;
		}
		case 4:
			dst[i] = bits_f32((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			                  (uint32_t)b[3] << 24);
			break;
		default: {
			uint64_t u = le64(b);
			double d;
			memcpy(&d, &u, sizeof d);
			dst[i] = from_f64(d);
			break;
		}
		}
	}
}

void st_read_f32(const StFile *f, const StTensor *t, float *dst)
{
	if (!st_is_float(t))
		BUG("st_read_f32 on tensor '%s' of dtype %s", t->key, t->dtype);
	unsigned char buf[ST_CHUNK];
	size_t per = sizeof buf / (size_t)t->elem_bytes; /* elements per chunk */
	uint64_t at = f->data_offset + t->begin;
	if (fseeko(f->f, (off_t)at, SEEK_SET) != 0)
		diag_error(f->path, 0, "tensor '%s': cannot seek to byte %llu: %s", t->key,
		           (unsigned long long)at, strerror(errno));
	for (long long done = 0; done < t->count;) {
		size_t want = (size_t)(t->count - done) < per ? (size_t)(t->count - done) : per;
		size_t got = fread(buf, (size_t)t->elem_bytes, want, f->f);
		if (got != want) {
			if (ferror(f->f))
				diag_error(f->path, 0, "tensor '%s': read failed: %s", t->key, strerror(errno));
			diag_error(f->path, 0, "tensor '%s': file ended after %llu of its %llu bytes "
			           "(did it change while being read?)", t->key,
			           (unsigned long long)(done + (long long)got) * (unsigned long long)t->elem_bytes,
			           (unsigned long long)(t->end - t->begin));
		}
		convert(t, buf, want, dst + done);
		done += (long long)want;
	}
}

const char *st_meta(const StFile *f, const char *key)
{
	for (int i = 0; i < f->nmeta; i++)
		if (!strcmp(f->meta[2 * i], key))
			return f->meta[2 * i + 1];
	return NULL;
}

void st_read_raw(const StFile *f, const StTensor *t, void *dst)
{
	uint64_t at = f->data_offset + t->begin, bytes = t->end - t->begin;
	if (fseeko(f->f, (off_t)at, SEEK_SET) != 0)
		diag_error(f->path, 0, "tensor '%s': cannot seek to byte %llu: %s", t->key,
		           (unsigned long long)at, strerror(errno));
	size_t got = fread(dst, 1, (size_t)bytes, f->f);
	if (got != bytes)
		diag_error(f->path, 0, "tensor '%s': file ended after %zu of its %llu bytes%s", t->key, got,
		           (unsigned long long)bytes, ferror(f->f) ? " (read error)" : "");
}

void st_close(StFile *f)
{
	if (f && f->f) {
		fclose(f->f);
		f->f = NULL;
	}
}
