/*
 * test_safetensors.c: the safetensors reader and weight binding.
 *
 * Files are crafted byte by byte in a temporary directory: a good one
 * holding every float dtype (values checked after conversion, including
 * an F16 subnormal, infinity and NaN, and a negative BF16), then one file
 * per way a header can lie. st_open and weights_load exit on bad input,
 * so each hostile case runs in a forked child whose stderr goes into a
 * pipe; the parent checks exit status 1 and the expected phrase.
 *
 * weights_load is tested on a five-node graph built by hand (conv, batch
 * norm, relu, flatten, linear): good values, the unused-tensor note, a
 * missing key, a transposed weight, an integer dtype. weights_random is
 * checked for its ranges, for determinism, and against pinned values so a
 * change of generator cannot pass unnoticed.
 */
#include "cnnc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <math.h>

#include <cmocka.h>

static char dir[256]; /* temporary directory holding the crafted files */

/* ---- writers ------------------------------------------------------ */

static const char *path_of(const char *name)
{
	static char buf[8][512];
	static int next;
	char *p = buf[next++ % 8];
	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

static const char *write_raw(const char *name, const void *bytes, size_t n)
{
	const char *path = path_of(name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(bytes, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* A safetensors file: length, header as given, then data bytes. */
static const char *write_st(const char *name, const char *header, const void *data, size_t n)
{
	size_t hl = strlen(header);
	unsigned char *b = malloc(8 + hl + n + 1);
	assert_non_null(b);
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)hl >> (8 * i));
	memcpy(b + 8, header, hl);
	if (n)
		memcpy(b + 8 + hl, data, n);
	const char *path = write_raw(name, b, 8 + hl + n);
	free(b);
	return path;
}

/* A file with only a header length and some bytes after it. */
static const char *write_len(const char *name, uint64_t len, size_t extra)
{
	unsigned char b[64] = {0};
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(len >> (8 * i));
	memset(b + 8, '{', extra);
	return write_raw(name, b, 8 + extra);
}

/* Builds a header and data section tensor by tensor, contiguously. */
typedef struct {
	char hdr[16384];       /* JSON header so far */
	unsigned char data[65536]; /* data section so far */
	size_t len;            /* bytes of data */
} Writer;

static void w_init(Writer *w)
{
	snprintf(w->hdr, sizeof w->hdr, "{\"__metadata__\":{\"format\":\"pt\"}");
	w->len = 0;
}

static void w_add(Writer *w, const char *key, const char *dtype, int rank, const long long *shape,
                  const void *bytes, size_t n)
{
	size_t h = strlen(w->hdr);
	h += (size_t)snprintf(w->hdr + h, sizeof w->hdr - h, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", key, dtype);
	for (int i = 0; i < rank; i++)
		h += (size_t)snprintf(w->hdr + h, sizeof w->hdr - h, "%s%lld", i ? "," : "", shape[i]);
	snprintf(w->hdr + h, sizeof w->hdr - h, "],\"data_offsets\":[%zu,%zu]}", w->len, w->len + n);
	assert_true(w->len + n <= sizeof w->data);
	memcpy(w->data + w->len, bytes, n);
	w->len += n;
}

/* An F32 tensor whose element i is base + i / 1024 (exact in float). */
static void w_f32(Writer *w, const char *key, int rank, const long long *shape, float base)
{
	long long count = 1;
	for (int i = 0; i < rank; i++)
		count *= shape[i];
	unsigned char *b = malloc((size_t)count * 4 + 1);
	assert_non_null(b);
	for (long long i = 0; i < count; i++) {
		float v = base + (float)i / 1024.0f;
		uint32_t u;
		memcpy(&u, &v, 4);
		for (int k = 0; k < 4; k++)
			b[4 * i + k] = (unsigned char)(u >> (8 * k));
	}
	w_add(w, key, "F32", rank, shape, b, (size_t)count * 4);
	free(b);
}

static const char *w_write(Writer *w, const char *name)
{
	strcat(w->hdr, "}");
	return write_st(name, w->hdr, w->data, w->len);
}

static void put_le(unsigned char *b, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

/* ---- running code that exits --------------------------------------- */

typedef void Job(const char *arg);

/* Runs job(arg) in a child; returns its exit status (-1: killed) and
 * its stderr in out. */
static int run_child(Job *job, const char *arg, char *out, size_t size)
{
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], 2);
		close(fd[1]);
		job(arg);
		exit(0);
	}
	close(fd[1]);
	size_t used = 0;
	ssize_t r;
	char sink[256];
	while ((r = read(fd[0], used + 1 < size ? out + used : sink,
	                 used + 1 < size ? size - 1 - used : sizeof sink)) > 0)
		if (used + 1 < size)
			used += (size_t)r;
	out[used] = 0;
	close(fd[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void expect(Job *job, const char *arg, int code, const char *phrase)
{
	char err[4096];
	int got = run_child(job, arg, err, sizeof err);
	if (got != code || !strstr(err, phrase))
		fail_msg("%s: expected exit %d and '%s'; got exit %d and:\n%s", arg, code, phrase, got, err);
}

static void job_open(const char *path)
{
	Arena *a = arena_new();
	StFile *f = st_open(a, path);
	st_close(f);
	arena_free(a);
}

static void expect_open_fails(const char *path, const char *phrase)
{
	expect(job_open, path, 1, phrase);
}

/* ---- the good file ------------------------------------------------- */

static void test_good_file(void **state)
{
	(void)state;
	unsigned char d[128];
	size_t n = 0;
	/* a: F32 [2, 2] at 0..16 */
	const float f32[4] = {1.0f, -2.5f, 3.25f, 1e-3f};
	for (int i = 0; i < 4; i++) {
		uint32_t u;
		memcpy(&u, &f32[i], 4);
		put_le(d + n, u, 4), n += 4;
	}
	/* b: F16 [6] at 16..28: 1, smallest subnormal, largest subnormal, -2, inf, nan */
	const uint16_t f16[6] = {0x3c00, 0x0001, 0x03ff, 0xc000, 0x7c00, 0x7e00};
	for (int i = 0; i < 6; i++)
		put_le(d + n, f16[i], 2), n += 2;
	/* c: BF16 [3] at 28..34: -1, 3.140625, -123.5 */
	const uint16_t bf16[3] = {0xbf80, 0x4049, 0xc2f7};
	for (int i = 0; i < 3; i++)
		put_le(d + n, bf16[i], 2), n += 2;
	/* d: F64 [3] at 34..58: 0.1, -1e300 (-> -inf), 2.5 */
	const double f64[3] = {0.1, -1e300, 2.5};
	for (int i = 0; i < 3; i++) {
		uint64_t u;
		memcpy(&u, &f64[i], 8);
		put_le(d + n, u, 8), n += 8;
	}
	/* e: I64 [1] at 58..66; s: F32 scalar at 66..70; z: F32 [0, 3] at 70..70 */
	put_le(d + n, 7, 8), n += 8;
	put_le(d + n, 0x40490fdb, 4), n += 4; /* pi */
	const char *hdr =
		"{\"d\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[34,58]},"
		"\"__metadata__\":{\"format\":\"pt\"},"
		"\"c\":{\"data_offsets\":[28,34],\"dtype\":\"BF16\",\"shape\":[3]},"
		"\"b\":{\"dtype\":\"F16\",\"shape\":[6],\"data_offsets\":[16,28]},"
		"\"z\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[70,70]},"
		"\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
		"\"e\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[58,66]},"
		"\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[66,70]}}    ";
	const char *path = write_st("good.safetensors", hdr, d, n);

	Arena *ar = arena_new();
	StFile *f = st_open(ar, path);
	assert_int_equal(f->n, 7);
	for (int i = 1; i < f->n; i++)
		assert_true(f->t[i - 1].begin <= f->t[i].begin);
	assert_null(st_find(f, "nope"));
	assert_null(st_find(f, "__metadata__"));
	float v[8];

	const StTensor *t = st_find(f, "a");
	assert_non_null(t);
	assert_string_equal(t->dtype, "F32");
	assert_int_equal(t->rank, 2);
	assert_int_equal(t->shape[0], 2);
	assert_int_equal(t->count, 4);
	assert_true(st_is_float(t));
	st_read_f32(f, t, v);
	assert_memory_equal(v, f32, sizeof f32);

	t = st_find(f, "b");
	assert_int_equal(t->elem_bytes, 2);
	st_read_f32(f, t, v);
	assert_true(v[0] == 1.0f);
	assert_true(v[1] == ldexpf(1.0f, -24));
	assert_true(v[2] == ldexpf(1023.0f, -24));
	assert_true(v[3] == -2.0f);
	assert_true(isinf(v[4]) && v[4] > 0);
	assert_true(isnan(v[5]));

	t = st_find(f, "c");
	st_read_f32(f, t, v);
	assert_true(v[0] == -1.0f);
	assert_true(v[1] == 3.140625f);
	assert_true(v[2] == -123.5f);

	t = st_find(f, "d");
	st_read_f32(f, t, v);
	assert_true(v[0] == 0.1f);
	assert_true(isinf(v[1]) && v[1] < 0);
	assert_true(v[2] == 2.5f);

	t = st_find(f, "e");
	assert_string_equal(t->dtype, "I64");
	assert_false(st_is_float(t));

	t = st_find(f, "s");
	assert_int_equal(t->rank, 0);
	assert_int_equal(t->count, 1);
	st_read_f32(f, t, v);
	assert_true(fabsf(v[0] - 3.14159265f) < 1e-6f);

	t = st_find(f, "z");
	assert_int_equal(t->count, 0);
	st_read_f32(f, t, v);

	st_close(f);
	arena_free(ar);
}

static void test_empty_header_object(void **state)
{
	(void)state;
	const char *path = write_st("empty.safetensors", "{}", NULL, 0);
	Arena *a = arena_new();
	StFile *f = st_open(a, path);
	assert_int_equal(f->n, 0);
	assert_null(st_find(f, "x"));
	st_close(f);
	arena_free(a);
}

/* ---- hostile files ------------------------------------------------- */

static void test_bad_lengths(void **state)
{
	(void)state;
	expect_open_fails(write_raw("zero.st", "", 0), "too short for safetensors");
	expect_open_fails(write_raw("four.st", "\x10\0\0\0", 4), "file is 4 bytes, too short");
	expect_open_fails(write_len("huge.st", 1ull << 63, 4), "header length 9223372036854775808 is over the 100 MB limit");
	expect_open_fails(write_len("allones.st", ~0ull, 0), "over the 100 MB limit");
	expect_open_fails(write_len("past.st", 1000, 12), "header length 1000 runs past the end of the file (12 bytes");
	expect_open_fails(write_len("nohdr.st", 0, 0), "does not start with '{'");
	expect_open_fails(path_of("does-not-exist.st"), "cannot open weights");
	expect_open_fails(dir, "not a regular file");
}

/* A header and a data size; the data is zeros. */
typedef struct {
	const char *name;      /* what the case is */
	const char *header;    /* JSON header */
	size_t data;           /* bytes of data after it */
	const char *phrase;    /* expected in the message */
} Case;

#define T(k, dt, shape, b, e) "\"" k "\":{\"dtype\":\"" dt "\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"

static const Case cases[] = {
	{"non-json", "hello", 0, "does not start with '{'"},
	{"bad-json", "{not json}", 0, "header is not valid JSON"},
	{"truncated-json", "{\"a\":{\"dtype\":\"F32\"", 0, "header is not valid JSON"},
	{"not-object", "[1, 2]", 0, "expected a JSON object"},
	{"garbage-after", "{} x", 0, "garbage after the JSON object"},
	{"two-objects", "{}{}", 0, "garbage after the JSON object"},
	{"nul-in-header", "{\"a\0\":1}", 0, "control character 0x00"},
	{"entry-not-object", "{\"a\":5}", 0, "tensor 'a' is a number, expected an object"},
	{"missing-offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "tensor 'a': missing field 'data_offsets'"},
	{"missing-dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "missing field 'dtype'"},
	{"extra-field", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4,
	 "unexpected field 'x'"},
	{"field-twice", "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
	 "field 'dtype' appears twice"},
	{"dtype-number", "{\"a\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "dtype is a number"},
	{"unknown-dtype", "{" T("a", "F128", "[1]", 0, 16) "}", 16, "tensor 'a': unknown dtype 'F128'; expected one of"},
	{"lowercase-dtype", "{" T("a", "f32", "[1]", 0, 4) "}", 4, "unknown dtype 'f32'"},
	{"shape-not-array", "{" T("a", "F32", "4", 0, 4) "}", 4, "shape is a number, expected an array"},
	{"shape-negative", "{" T("a", "F32", "[-1]", 0, 4) "}", 4, "shape[0] is -1, expected a non-negative integer"},
	{"shape-float", "{" T("a", "F32", "[2, 1.5]", 0, 12) "}", 12, "shape[1] is 1.5, expected a non-negative integer"},
	{"shape-float-integral", "{" T("a", "F32", "[1.0]", 0, 4) "}", 4, "number '1.0' is not a plain non-negative integer"},
	{"shape-exponent", "{" T("a", "F32", "[1e0]", 0, 4) "}", 4, "number '1e0' is not a plain"},
	{"shape-minus-zero", "{" T("a", "F32", "[-0]", 0, 0) "}", 0, "number '-0' is not a plain"},
	{"shape-string", "{" T("a", "F32", "[\"4\"]", 0, 16) "}", 16, "shape[0] is a string"},
	{"shape-huge", "{" T("a", "F32", "[100000000000000000000]", 0, 4) "}", 4, "expected at most 2^53"},
	{"shape-overflow", "{" T("a", "F32", "[1099511627776, 1099511627776]", 0, 4) "}", 4,
	 "shape [1099511627776, 1099511627776] has more than 2^53 elements"},
	{"shape-overflow-3", "{" T("a", "F64", "[4194304, 4194304, 4194304]", 0, 8) "}", 8, "more than 2^53 elements"},
	{"rank-9", "{" T("a", "U8", "[1,1,1,1,1,1,1,1,1]", 0, 1) "}", 1, "shape has 9 dims, at most 8"},
	{"offsets-short", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, "wrong length"},
	{"offsets-object", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{}}}", 4,
	 "data_offsets is an object, expected an array [begin, end]"},
	{"offsets-string", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",4]}}", 4,
	 "data_offsets[0] is a string"},
	{"offsets-reversed", "{" T("a", "F32", "[1]", 8, 4) "}", 8, "data_offsets [8, 4] are reversed"},
	{"size-mismatch", "{" T("fc.weight", "F32", "[10, 64]", 0, 2556) "}", 2556,
	 "tensor 'fc.weight': shape [10, 64] of F32 needs 2560 bytes, but data_offsets give 2556"},
	{"past-end", "{" T("a", "F32", "[2]", 0, 8) "}", 4, "data_offsets [0, 8] run past the end of the data section (4 bytes)"},
	{"overlap", "{" T("a", "F32", "[2]", 0, 8) "," T("b", "F32", "[2]", 4, 12) "}", 12,
	 "tensors 'a' (bytes 0..8) and 'b' (bytes 4..12) overlap"},
	{"same-range", "{" T("a", "F32", "[2]", 0, 8) "," T("b", "F32", "[2]", 0, 8) "}", 8, "overlap"},
	{"empty-inside", "{" T("a", "F32", "[2]", 0, 8) "," T("b", "F32", "[0]", 4, 4) "}", 8, "overlap"},
	{"hole", "{" T("a", "F32", "[1]", 0, 4) "," T("b", "F32", "[1]", 8, 12) "}", 12,
	 "bytes 4..8 of the data section belong to no tensor (a hole before 'b')"},
	{"hole-at-start", "{" T("a", "F32", "[1]", 4, 8) "}", 8, "bytes 0..4 of the data section belong to no tensor"},
	{"trailing", "{" T("a", "F32", "[1]", 0, 4) "}", 6, "2 bytes of trailing data after the last tensor 'a'"},
	{"no-tensors-data", "{}", 3, "lists no tensors, but 3 bytes of data follow"},
	{"duplicate-key", "{" T("a", "F32", "[1]", 0, 4) "," T("a", "F32", "[1]", 4, 8) "}", 8, "duplicate key 'a'"},
	{"duplicate-metadata", "{\"__metadata__\":{},\"__metadata__\":{}}", 0, "duplicate key '__metadata__'"},
	{"metadata-number", "{\"__metadata__\":{\"v\":1}}", 0, "__metadata__ entry 'v' is a number, expected a string"},
	{"metadata-array", "{\"__metadata__\":[]}", 0, "__metadata__ is an array"},
	{"deep-nesting", "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 0,
	 "tensor 'a' is an array"},
};

static void test_bad_headers(void **state)
{
	(void)state;
	static unsigned char zeros[4096];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const Case *c = &cases[i];
		char name[128];
		snprintf(name, sizeof name, "%s.safetensors", c->name);
		/* the NUL case needs its length spelled out */
		if (!strcmp(c->name, "nul-in-header")) {
			unsigned char b[32] = {8};
			memcpy(b + 8, "{\"a\0\":1}", 8);
			expect_open_fails(write_raw(name, b, 16), c->phrase);
			continue;
		}
		assert_true(c->data <= sizeof zeros);
		expect_open_fails(write_st(name, c->header, zeros, c->data), c->phrase);
	}
}

/* The file shrinks between st_open and st_read_f32 (bigger than stdio's
 * buffer, so the read must go back to the file). */
static void job_truncated(const char *path)
{
	Arena *a = arena_new();
	StFile *f = st_open(a, path);
	assert_int_equal(truncate(path, (off_t)f->data_offset + 100), 0);
	float *v = arena_alloc(a, 16384 * sizeof *v);
	st_read_f32(f, st_find(f, "a"), v);
}

static void test_short_read(void **state)
{
	(void)state;
	static unsigned char zeros[65536];
	const char *hdr = "{" T("a", "F32", "[16384]", 0, 65536) "}";
	expect(job_truncated, write_st("shrinks.safetensors", hdr, zeros, sizeof zeros), 1,
	       "tensor 'a': file ended after");
}

/* ---- weights_load / weights_random --------------------------------- */

/* image [1, 3, 8, 8] -> conv1 (4, 3x3, pad 1, no bias) -> bn1 -> relu
 * -> flatten [1, 256] -> fc (10) */
static Graph *small_graph(Arena *a)
{
	Graph *g = ir_new(a, "m.lua");
	char err[256];
	int x = ir_add(g, OP_INPUT, NULL, 0, 1);
	Node *n = ir_node(g, x);
	n->name = "image", n->named = true, n->rank = 4;
	n->shape[0] = 1, n->shape[1] = 3, n->shape[2] = n->shape[3] = 8;
	g->input = x;
	int c = ir_add(g, OP_CONV2D, &x, 1, 2);
	n = ir_node(g, c);
	n->name = "conv1", n->named = true;
	n->a.out_channels = 4, n->a.groups = 1;
	n->a.kernel[0] = n->a.kernel[1] = 3;
	n->a.stride[0] = n->a.stride[1] = 1;
	n->a.pad[0] = n->a.pad[1] = 1;
	n->a.dilation[0] = n->a.dilation[1] = 1;
	int b = ir_add(g, OP_BATCH_NORM, &c, 1, 3);
	n = ir_node(g, b);
	n->name = "bn1", n->named = true, n->a.eps = 1e-5;
	int r = ir_add(g, OP_RELU, &b, 1, 4);
	int f = ir_add(g, OP_FLATTEN, &r, 1, 4);
	ir_node(g, f)->a.start_dim = 1, ir_node(g, f)->a.end_dim = -1;
	int l = ir_add(g, OP_LINEAR, &f, 1, 5);
	n = ir_node(g, l);
	n->name = "fc", n->named = true, n->a.out_features = 10, n->a.bias = true;
	g->output = l;
	for (int i = 0; i < g->n; i++)
		if (!ir_infer_node(g, i, err, sizeof err))
			fail_msg("%s", err);
	return g;
}

static const long long s_conv[] = {4, 3, 3, 3}, s_bn[] = {4}, s_fc[] = {10, 256}, s_fcb[] = {10};
static const long long s_fc_t[] = {256, 10};

/* What each test file varies. */
enum { GOOD, NO_FC_BIAS, FC_TRANSPOSED, CONV_I32 };

static const char *write_weights(int variant)
{
	static Writer w;
	w_init(&w);
	if (variant == CONV_I32) {
		static unsigned char zeros[108 * 4];
		w_add(&w, "conv1.weight", "I32", 4, s_conv, zeros, sizeof zeros);
	} else {
		w_f32(&w, "conv1.weight", 4, s_conv, 1.0f);
	}
	unsigned char nbt[8] = {100};
	w_add(&w, "bn1.num_batches_tracked", "I64", 0, NULL, nbt, 8);
	w_f32(&w, "bn1.weight", 1, s_bn, 2.0f);
	w_f32(&w, "bn1.bias", 1, s_bn, 3.0f);
	w_f32(&w, "bn1.running_mean", 1, s_bn, 4.0f);
	w_f32(&w, "bn1.running_var", 1, s_bn, 5.0f);
	w_f32(&w, "fc.weight", 2, variant == FC_TRANSPOSED ? s_fc_t : s_fc, 6.0f);
	if (variant != NO_FC_BIAS)
		w_f32(&w, "fc.bias", 1, s_fcb, 7.0f);
	char name[64];
	snprintf(name, sizeof name, "weights%d.safetensors", variant);
	return w_write(&w, name);
}

static void job_load(const char *path)
{
	Arena *a = arena_new();
	Graph *g = small_graph(a);
	weights_load(g, path, false);
	arena_free(a);
}

static void check_param(const float *p, long long count, float base)
{
	assert_non_null(p);
	for (long long i = 0; i < count; i++)
		assert_true(p[i] == base + (float)i / 1024.0f);
}

static void test_weights_load(void **state)
{
	(void)state;
	const char *path = write_weights(GOOD);
	Arena *a = arena_new();
	Graph *g = small_graph(a);
	weights_load(g, path, false);
	check_param(g->nodes[1].param[0], 108, 1.0f);
	assert_null(g->nodes[1].param[1]);
	for (int i = 0; i < 4; i++)
		check_param(g->nodes[2].param[i], 4, 2.0f + (float)i);
	check_param(g->nodes[5].param[0], 2560, 6.0f);
	check_param(g->nodes[5].param[1], 10, 7.0f);
	assert_null(g->nodes[0].param[0]);
	assert_null(g->nodes[3].param[0]);
	arena_free(a);
	/* the one unused tensor gets a note, and loading succeeds */
	expect(job_load, path, 0, "note: 1 tensor in the file is not used by the model: 'bn1.num_batches_tracked'");
}

static void test_weights_errors(void **state)
{
	(void)state;
	expect(job_load, write_weights(NO_FC_BIAS), 1,
	       "error: missing tensor 'fc.bias' (linear 'fc' at m.lua:5 needs shape [10])");
	expect(job_load, write_weights(FC_TRANSPOSED), 1,
	       "error: tensor 'fc.weight' has shape [256, 10], but linear 'fc' at m.lua:5 needs [10, 256] "
	       "(the dims are swapped");
	expect(job_load, write_weights(CONV_I32), 1,
	       "error: tensor 'conv1.weight' has dtype I32, expected a float type");
	/* the file's own errors still come first */
	expect(job_load, write_st("bad-for-load.safetensors", "{} x", NULL, 0), 1, "garbage after the JSON");
}

static void test_weights_random(void **state)
{
	(void)state;
	Arena *a = arena_new();
	Graph *g1 = small_graph(a), *g2 = small_graph(a), *g3 = small_graph(a);
	weights_random(g1, 42);
	weights_random(g2, 42);
	weights_random(g3, 43);
	const int counts[6][4] = {{0}, {108}, {4, 4, 4, 4}, {0}, {0}, {2560, 10}};
	bool differs = false;
	for (int id = 0; id < 6; id++)
		for (int i = 0; i < 4 && counts[id][i]; i++) {
			const float *p1 = g1->nodes[id].param[i], *p2 = g2->nodes[id].param[i];
			const float *p3 = g3->nodes[id].param[i];
			assert_non_null(p1);
			assert_memory_equal(p1, p2, (size_t)counts[id][i] * sizeof(float));
			differs = differs || memcmp(p1, p3, (size_t)counts[id][i] * sizeof(float)) != 0;
		}
	assert_true(differs);
	/* ranges: conv fan_in 27, fc fan_in 256; batch norm as documented */
	float conv_b = 1.0f / sqrtf(27.0f), fc_b = 1.0f / 16.0f;
	float lo = 1, hi = -1;
	for (int i = 0; i < 108; i++) {
		float v = g1->nodes[1].param[0][i];
		assert_true(fabsf(v) <= conv_b);
		lo = fminf(lo, v), hi = fmaxf(hi, v);
	}
	assert_true(lo < -conv_b / 2 && hi > conv_b / 2); /* spread, not constant */
	for (int i = 0; i < 2560; i++)
		assert_true(fabsf(g1->nodes[5].param[0][i]) <= fc_b);
	for (int i = 0; i < 10; i++)
		assert_true(fabsf(g1->nodes[5].param[1][i]) <= fc_b);
	for (int i = 0; i < 4; i++) {
		const float *const *bn = (const float *const *)g1->nodes[2].param;
		assert_true(bn[0][i] >= 0.5f && bn[0][i] <= 1.5f);
		assert_true(bn[1][i] >= -0.5f && bn[1][i] <= 0.5f);
		assert_true(bn[2][i] >= -0.5f && bn[2][i] <= 0.5f);
		assert_true(bn[3][i] >= 0.5f && bn[3][i] <= 1.5f);
	}
	/* pinned: the same seed gives these bits on every machine */
	uint32_t bits[3];
	memcpy(&bits[0], &g1->nodes[1].param[0][0], 4);
	memcpy(&bits[1], &g1->nodes[2].param[3][1], 4);
	memcpy(&bits[2], &g1->nodes[5].param[1][9], 4);
	assert_int_equal(bits[0], 0x3e2eb7b2); /* conv1.weight[0]:       0.1706 */
	assert_int_equal(bits[1], 0x3fb4e381); /* bn1.running_var[1]:    1.4132 */
	assert_int_equal(bits[2], 0xbc9aa576); /* fc.bias[9]:           -0.0189 */
	arena_free(a);
}

/* ---- setup --------------------------------------------------------- */

static int make_dir(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/cnnc-st-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_empty_header_object),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_short_read),
		cmocka_unit_test(test_weights_load),
		cmocka_unit_test(test_weights_errors),
		cmocka_unit_test(test_weights_random),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
