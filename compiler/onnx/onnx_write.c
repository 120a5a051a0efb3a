/*
 * onnx_write.c: what an import produces, and the entry points.
 *
 * onnx_import reads, validates and maps a model into Lua text and a
 * safetensors image, both in memory: `cnnc check|report|compile|build
 * MODEL.onnx` run that text through the usual sandboxed front end and
 * bind that image as --weights would, so they compile what `cnnc import`
 * writes. onnx_write_files writes the two as PREFIX.lua and
 * PREFIX.safetensors through emit/output.c (a temporary each, renamed
 * into place together), never over the .onnx itself.
 */
#include "onnx.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void ox_text(OxText *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char small[1];
	int n = vsnprintf(small, 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		BUG("vsnprintf failed");
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		char *s = arena_alloc(t->a, cap);
		if (t->len)
			memcpy(s, t->s, t->len);
		t->s = s;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

unsigned char *ox_safetensors(OxImport *x, size_t *len)
{
	StWriter w = {.a = x->a};
	for (int i = 0; i < x->n_w; i++)
		st_put(&w, x->w[i].key, "F32", x->w[i].rank, x->w[i].dims, x->w[i].f, 4);
	return st_image(&w, NULL, len);
}

OnnxModel onnx_import(Arena *a, const char *path, int batch, const long long *input_shape)
{
	OxImport *x = arena_alloc(a, sizeof *x);
	x->a = a;
	x->batch = batch;
	x->in_shape = input_shape;
	x->lua.a = a;
	ox_read(x, path);
	ox_graph(x);
	ox_map(x);
	OnnxModel m = {.lua = x->lua.s, .lua_len = x->lua.len};
	m.st = ox_safetensors(x, &m.st_len);
	return m;
}

/* Whether p and q name one existing file. */
static bool same_file(const char *p, const char *q)
{
	struct stat a, b;
	return stat(p, &a) == 0 && stat(q, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

void onnx_write_files(Arena *a, const char *onnx_path, const OnnxModel *m, const char *prefix)
{
	const char *lua = arena_printf(a, "%s.lua", prefix), *st = arena_printf(a, "%s.safetensors", prefix);
	if (same_file(lua, onnx_path) || same_file(st, onnx_path))
		diag_usage("import: -o '%s' would overwrite the model '%s' itself", prefix, onnx_path);
	OutFile *f[2] = {out_open(a, lua), out_open(a, st)};
	fwrite(m->lua, 1, m->lua_len, f[0]->f);
	fwrite(m->st, 1, m->st_len, f[1]->f);
	out_commit(f, 2);
}
