/*
 * onnx_tensor.c: TensorProtos as checked tensors.
 *
 * Every dim is 0 .. IR_MAX_DIM and the element count, computed with
 * ir_mul, at most IR_MAX_ELEMS. The data is in exactly one place, and
 * holds exactly count elements: raw_data (little-endian, fixed width),
 * the typed field of the data type (float_data, int32_data, int64_data,
 * double_data), or external data. External data is a file named by a
 * path relative to the model's directory: never absolute, never through
 * "..", and, once symlinks are resolved, still inside that directory; a
 * regular file whose [offset, offset + length) holds the tensor. The
 * resolved path is what is opened (with O_NOFOLLOW: a symlink swapped in
 * after the check is refused), and all tensors together read no more
 * bytes than their distinct files hold (many tensors naming one big
 * range would read it over and over).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "onnx.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

long long ox_dims(const OxImport *x, const int64_t *dims, size_t rank, const char *what)
{
	if (rank > OX_MAX_RANK)
		ox_error(x, "%s has %zu dims; at most %d are supported", what, rank, OX_MAX_RANK);
	long long count = 1;
	for (size_t i = 0; i < rank; i++) {
		if (dims[i] < 0 || dims[i] > IR_MAX_DIM)
			ox_error(x, "%s: dim %zu is %lld; a dim is 0 to %d", what, i, (long long)dims[i], IR_MAX_DIM);
		count = ir_mul(count, dims[i]);
	}
	if (count > IR_MAX_ELEMS)
		ox_error(x, "%s has %s elements; a tensor has at most %lld", what,
		         count == IR_SATURATED ? "over 2^63" : arena_printf(x->a, "%lld", count), IR_MAX_ELEMS);
	return count;
}

/* Bytes per element of a data type, with whether it is a float (0: not
 * supported). */
static int elem_bytes(int type, bool *is_float)
{
	*is_float = false;
	switch (type) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: *is_float = true; return 4;
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: *is_float = true; return 8;
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16: *is_float = true; return 2;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: return 8;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: return 4;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32: return 4;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: return 2;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16: return 2;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: return 1;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: return 1;
	case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: return 1;
	default: return 0;
	}
}

static float half_to_float(uint16_t h)
{
	int e = (h >> 10) & 31, m = h & 1023;
	float v = e == 0 ? ldexpf((float)m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexpf((float)(1024 + m), e - 25);
	return (h & 0x8000) ? -v : v;
}

/* Element i of little-endian raw bytes b into t. */
static void from_raw(OxTensor *t, int type, const unsigned char *b, long long i)
{
	uint64_t u = 0;
	bool fl;
	int w = elem_bytes(type, &fl);
	for (int k = w - 1; k >= 0; k--)
		u = u << 8 | b[(size_t)i * (size_t)w + (size_t)k];
	switch (type) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: { uint32_t v = (uint32_t)u; float f; memcpy(&f, &v, 4); t->f[i] = f; break; }
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: { double d; memcpy(&d, &u, 8); t->f[i] = (float)d; break; }
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16: t->f[i] = half_to_float((uint16_t)u); break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: t->i[i] = (int64_t)u; break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: t->i[i] = (int32_t)(uint32_t)u; break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: t->i[i] = (int16_t)(uint16_t)u; break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: t->i[i] = (int8_t)(uint8_t)u; break;
	default: t->i[i] = (int64_t)u; break; /* unsigned, bool */
	}
}

/* The value of key in t's external_data, or NULL. */
static const char *ext_field(const Onnx__TensorProto *t, const char *key)
{
	for (size_t i = 0; i < t->n_external_data; i++)
		if (t->external_data[i]->key && !strcmp(t->external_data[i]->key, key))
			return t->external_data[i]->value;
	return NULL;
}

static long long ext_number(const OxImport *x, const Onnx__TensorProto *t, const char *key, const char *what)
{
	const char *s = ext_field(t, key);
	if (!s)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		ox_error(x, "%s: external data %s '%s' is not a non-negative integer", what, key, ox_name(x, s));
	return v;
}

/* Counts bytes read from the file of st; exits 1 once the tensors read
 * more than their distinct files hold. */
static void ext_account(OxImport *x, const struct stat *st, long long bytes, const char *what)
{
	int i = 0;
	while (i < x->n_ext && (x->ext_files[i][0] != (long long)st->st_dev || x->ext_files[i][1] != (long long)st->st_ino))
		i++;
	if (i == x->n_ext) {
		x->ext_files = arena_grow(x->a, x->ext_files, x->n_ext, &x->cap_ext, sizeof *x->ext_files);
		x->ext_files[x->n_ext][0] = (long long)st->st_dev;
		x->ext_files[x->n_ext++][1] = (long long)st->st_ino;
		x->ext_room = ir_add_sat(x->ext_room, (long long)st->st_size);
	}
	x->ext_bytes = ir_add_sat(x->ext_bytes, bytes);
	if (x->ext_bytes > x->ext_room)
		ox_error(x, "%s: the tensors read more external data than their files hold (%lld bytes); "
		         "tensors sharing one range are not supported", what, x->ext_room);
}

/* The external data of t: bytes bytes, read from its file within the
 * model's directory. */
static unsigned char *read_external(OxImport *x, const Onnx__TensorProto *t, long long bytes, const char *what)
{
	const char *loc = ext_field(t, "location");
	if (!loc || !*loc)
		ox_error(x, "%s: external data without a location", what);
	const char *qloc = ox_name(x, loc); /* for messages */
	if (loc[0] == '/')
		ox_error(x, "%s: external data location '%s' is an absolute path; it must be relative to "
		         "the model's directory", what, qloc);
	for (const char *p = loc; *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : p + strlen(p))
		if (!strncmp(p, "..", 2) && (p[2] == '/' || p[2] == 0))
			ox_error(x, "%s: external data location '%s' goes through '..'; it must stay in the "
			         "model's directory", what, qloc);
	char *full = arena_printf(x->a, "%s/%s", x->dir, loc);
	char dir_real[PATH_MAX], file_real[PATH_MAX];
	if (!realpath(x->dir, dir_real) || !realpath(full, file_real))
		ox_error(x, "%s: external data file '%s': %s", what, qloc, strerror(errno));
	size_t dl = strlen(dir_real);
	if (strncmp(file_real, dir_real, dl) || (file_real[dl] != '/' && strcmp(dir_real, "/")))
		ox_error(x, "%s: external data file '%s' resolves to '%s', outside the model's directory "
		         "(a symlink out of it)", what, qloc, ox_name(x, file_real));
	long long off = ext_number(x, t, "offset", what), len = ext_number(x, t, "length", what);
	off = off < 0 ? 0 : off;
	if (len >= 0 && len != bytes)
		ox_error(x, "%s: external data length %lld, but its dims and type need %lld bytes", what, len, bytes);
	int fd = open(file_real, O_RDONLY | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		ox_error(x, "%s: external data file '%s' is not a regular file (or changed while read)", what, qloc);
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		close(fd);
		ox_error(x, "%s: external data file '%s': %s", what, qloc, strerror(errno));
	}
	if (off > (long long)st.st_size || bytes > (long long)st.st_size - off) {
		fclose(f);
		ox_error(x, "%s: external data file '%s' holds no %lld bytes at offset %lld", what, qloc, bytes, off);
	}
	ext_account(x, &st, bytes, what);
	unsigned char *b = arena_alloc(x->a, (size_t)bytes + 1);
	bool ok = fseeko(f, (off_t)off, SEEK_SET) == 0 && fread(b, 1, (size_t)bytes, f) == (size_t)bytes;
	fclose(f);
	if (!ok)
		ox_error(x, "%s: cannot read external data file '%s'", what, qloc);
	return b;
}

/* t's element array, of count elements (at least one). */
static void alloc_data(OxImport *x, OxTensor *t)
{
	size_t n = t->count ? (size_t)t->count : 1;
	if (t->is_float)
		t->f = arena_alloc(x->a, n * sizeof *t->f);
	else
		t->i = arena_alloc(x->a, n * sizeof *t->i);
}

OxTensor *ox_tensor(OxImport *x, const Onnx__TensorProto *p, const char *what)
{
	OxTensor *t = arena_alloc(x->a, sizeof *t);
	t->count = ox_dims(x, p->dims, p->n_dims, what);
	t->rank = (int)p->n_dims;
	for (int i = 0; i < t->rank; i++)
		t->dims[i] = p->dims[i];
	int type = p->has_data_type ? p->data_type : 0;
	int w = elem_bytes(type, &t->is_float);
	if (!w)
		ox_error(x, "%s has data type %d; cnnc reads float, float16, double and integer tensors", what, type);
	size_t n = (size_t)t->count;
	long long bytes = t->count * w;
	bool external = p->has_data_location && p->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	size_t typed = p->n_float_data + p->n_int32_data + p->n_int64_data + p->n_double_data + p->n_uint64_data;
	int places = (p->has_raw_data && !external) + external + (typed > 0);
	if (places > 1)
		ox_error(x, "%s holds its data in %d places (raw_data, a typed field, external data); "
		         "expected one", what, places);
	if (external || p->has_raw_data) {
		if (!external && (long long)p->raw_data.len != bytes)
			ox_error(x, "%s: raw_data is %zu bytes, but its dims and type need %lld", what,
			         p->raw_data.len, bytes);
		const unsigned char *b = external ? read_external(x, p, bytes, what) : p->raw_data.data;
		alloc_data(x, t);
		for (long long i = 0; i < t->count; i++)
			from_raw(t, type, b, i);
		return t;
	}
	/* the typed field of the data type, exactly count elements */
	size_t have;
	switch (type) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: have = p->n_float_data; break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: have = p->n_double_data; break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: have = p->n_int64_data; break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32: have = p->n_uint64_data; break;
	default: have = p->n_int32_data; break;
	}
	if (have != n || typed != have)
		ox_error(x, "%s holds %zu elements, but its dims %s", what, typed,
		         arena_printf(x->a, "make %lld", t->count));
	alloc_data(x, t); /* after the data is known to be there: no 16 GB for a tensor without it */
	for (size_t i = 0; i < n; i++) {
		switch (type) {
		case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: t->f[i] = p->float_data[i]; break;
		case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: t->f[i] = (float)p->double_data[i]; break;
		case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16: t->f[i] = half_to_float((uint16_t)p->int32_data[i]); break;
		case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: t->i[i] = p->int64_data[i]; break;
		case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32: t->i[i] = (int64_t)p->uint64_data[i]; break;
		default: t->i[i] = p->int32_data[i]; break;
		}
	}
	return t;
}
