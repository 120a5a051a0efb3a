/*
 * onnx_read.c: MODEL.onnx from disk into protobuf-c's structures.
 *
 * The file is read whole (a regular file of at most 2 GB, protobuf's own
 * limit; bigger models keep their tensors in external data files) and
 * unpacked by the code protoc-c generates from Debian's onnx.proto, with
 * an allocator on the import's arena, so an error anywhere later frees
 * everything at once. protobuf-c checks the wire format (truncation,
 * wire types, lengths); what it cannot know (the opset, dims, names,
 * order) the later steps check.
 */
#include "onnx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void ox_error(const OxImport *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_verror(x->path, 0, fmt, ap);
}

const char *ox_name(const OxImport *x, const char *s)
{
	OxText t = {.a = x->a};
	ox_text(&t, "%s", "");
	for (; s && *s; s++) {
		if (*s == '\'' || *s == '"' || *s == '\\')
			ox_text(&t, "\\x%02x", (unsigned char)*s);
		else
			ox_text(&t, "%c", *s);
	}
	return t.s;
}

static void *arena_pb_alloc(void *data, size_t size)
{
	return arena_alloc(data, size ? size : 1);
}

static void arena_pb_free(void *data, void *p)
{
	(void)data;
	(void)p; /* the arena frees everything at the end */
}

const Onnx__AttributeProto *ox_attr(const Onnx__NodeProto *n, const char *name)
{
	for (size_t i = 0; i < n->n_attribute; i++)
		if (n->attribute[i]->name && !strcmp(n->attribute[i]->name, name))
			return n->attribute[i];
	return NULL;
}

long long ox_attr_int(const Onnx__NodeProto *n, const char *name, long long dflt)
{
	const Onnx__AttributeProto *a = ox_attr(n, name);
	return a && a->has_i ? a->i : dflt;
}

int ox_attr_ints(const Onnx__NodeProto *n, const char *name, long long *out, int max)
{
	const Onnx__AttributeProto *a = ox_attr(n, name);
	if (!a || a->n_ints > (size_t)max)
		return a ? -1 : 0;
	for (size_t i = 0; i < a->n_ints; i++)
		out[i] = a->ints[i];
	return (int)a->n_ints;
}

#define OX_MAX_NESTING 64 /* messages inside messages (a subgraph costs 3) */

/* A varint at *p (below end); false if there is none. */
static bool varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* How deep messages nest in [p, end) read as a message of type d (the
 * schema protoc-c generated tells which fields are messages): protobuf-c
 * unpacks by recursion, so a file nesting subgraphs thousands deep
 * would overflow the stack there. Bytes that are not valid protobuf stop
 * the scan; protobuf-c rejects them itself. */
static int nesting(const ProtobufCMessageDescriptor *d, const unsigned char *p, const unsigned char *end, int depth)
{
	int deepest = depth;
	while (p < end && deepest <= OX_MAX_NESTING) {
		uint64_t key, len;
		if (!varint(&p, end, &key))
			break;
		unsigned wire = (unsigned)(key & 7);
		if (wire == 0) {
			if (!varint(&p, end, &len))
				break;
		} else if (wire == 1 || wire == 5) {
			if ((size_t)(end - p) < (wire == 1 ? 8u : 4u))
				break;
			p += wire == 1 ? 8 : 4;
		} else if (wire == 2) {
			if (!varint(&p, end, &len) || len > (uint64_t)(end - p))
				break;
			const ProtobufCFieldDescriptor *f =
				key >> 3 <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3)) : NULL;
			if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
				int k = nesting(f->descriptor, p, p + len, depth + 1);
				deepest = k > deepest ? k : deepest;
			}
			p += len;
		} else {
			break;
		}
	}
	return deepest;
}

void ox_read(OxImport *x, const char *path)
{
	x->path = path;
	const char *slash = strrchr(path, '/');
	x->dir = slash ? arena_printf(x->a, "%.*s", (int)(slash - path + (slash == path)), path) : ".";
	FILE *f = file_open_regular(path, "an ONNX model (.onnx)");
	struct stat st;
	if (fstat(fileno(f), &st) != 0) {
		fclose(f);
		ox_error(x, "cannot stat: %s", strerror(errno));
	}
	if (st.st_size >= OX_MAX_FILE || st.st_size == 0) {
		fclose(f);
		ox_error(x, "the file is %lld bytes; an ONNX model is 1 byte to 2 GB (bigger models keep "
		         "their tensors in external data files)", (long long)st.st_size);
	}
	unsigned char *buf = malloc((size_t)st.st_size);
	if (!buf) {
		fclose(f);
		ox_error(x, "out of memory reading %lld bytes", (long long)st.st_size);
	}
	size_t n = fread(buf, 1, (size_t)st.st_size, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		ox_error(x, "cannot read the file");
	}
	if (nesting(&onnx__model_proto__descriptor, buf, buf + n, 0) > OX_MAX_NESTING) {
		free(buf);
		ox_error(x, "messages nest over %d deep (subgraphs inside subgraphs); refused before unpacking",
		         OX_MAX_NESTING);
	}
	ProtobufCAllocator alloc = {arena_pb_alloc, arena_pb_free, x->a};
	x->m = onnx__model_proto__unpack(&alloc, n, buf);
	free(buf);
	if (!x->m)
		ox_error(x, "not a valid ONNX protobuf (truncated, a wrong wire type or a bad length: "
		         "protobuf-c could not unpack it as onnx.ModelProto)");
	x->g = x->m->graph;
	if (!x->g)
		ox_error(x, "the model has no graph");
	x->opset = -1;
	for (size_t i = 0; i < x->m->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = x->m->opset_import[i];
		if ((!o->domain || !*o->domain || !strcmp(o->domain, "ai.onnx")) && o->has_version)
			x->opset = o->version > 1000 ? 1000 : (int)o->version;
	}
	if (x->opset < 0)
		x->opset = x->m->n_opset_import ? -1 : 1; /* IR version 1-2 models had none */
	if (x->opset < 0)
		ox_error(x, "the model imports no opset of the default ONNX domain");
	if (x->opset < 7 || x->opset > 17)
		ox_error(x, "opset %d: cnnc imports opsets 7 to 17", x->opset);
}

bool onnx_is_model(const char *path)
{
	size_t n = strlen(path);
	return n > 5 && !strcmp(path + n - 5, ".onnx");
}
