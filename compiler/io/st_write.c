/*
 * st_write.c: writes safetensors images, the one writer of the format.
 *
 * A writer collects tensors (key, dtype, shape, bytes that stay the
 * caller's) and st_image lays them out as io/safetensors.c reads them:
 * u64 header length (little-endian), the JSON header (libcjson: keys
 * sorted, data_offsets tiling the data section in that order, an
 * optional __metadata__ object), spaces to a multiple of 8 bytes, then
 * every tensor's bytes. The import's weights (onnx/onnx_write.c) and the
 * quantized weights file (quant/qfile.c) are written through it.
 *
 * Element bytes are copied as they are in memory: this host is
 * little-endian, as the generated weights files assume too.
 */
#include "../cnnc.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

void st_put(StWriter *w, const char *key, const char *dtype, int rank, const long long *shape, const void *data,
            int elem)
{
	if (rank > ST_WRITE_MAX_RANK)
		BUG("st_put: %s has %d dims", key, rank);
	w->t = arena_grow(w->a, w->t, w->n, &w->cap, sizeof *w->t);
	StOut *t = &w->t[w->n++];
	t->key = key;
	t->dtype = dtype;
	t->rank = rank;
	t->bytes = elem;
	for (int i = 0; i < rank; i++) {
		t->shape[i] = shape[i];
		t->bytes *= shape[i];
	}
	t->data = data;
}

static int by_key(const void *a, const void *b) { return strcmp(((const StOut *)a)->key, ((const StOut *)b)->key); }

unsigned char *st_image(StWriter *w, cJSON *meta, size_t *len)
{
	if (w->n > 1) /* qsort may not be given NULL, which w->t is with no tensors */
		qsort(w->t, (size_t)w->n, sizeof *w->t, by_key);
	cJSON *root = cJSON_CreateObject();
	if (meta)
		cJSON_AddItemToObject(root, "__metadata__", meta);
	long long at = 0;
	for (int i = 0; i < w->n; i++) {
		const StOut *t = &w->t[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "dtype", t->dtype);
		cJSON *shape = cJSON_AddArrayToObject(e, "shape");
		for (int d = 0; d < t->rank; d++)
			cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->shape[d]));
		cJSON *offs = cJSON_AddArrayToObject(e, "data_offsets");
		cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)at));
		cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(at + t->bytes)));
		at += t->bytes;
		cJSON_AddItemToObject(root, t->key, e);
	}
	char *json = cJSON_PrintUnformatted(root);
	if (!json)
		BUG("cJSON could not print a safetensors header");
	size_t hlen = strlen(json), padded = (hlen + 7) / 8 * 8;
	*len = 8 + padded + (size_t)at;
	unsigned char *b = arena_alloc(w->a, *len), *p = b;
	for (int i = 0; i < 8; i++)
		*p++ = (unsigned char)((uint64_t)padded >> (8 * i));
	memcpy(p, json, hlen);
	memset(p + hlen, ' ', padded - hlen);
	p += padded;
	for (int i = 0; i < w->n; i++) {
		if (w->t[i].bytes)
			memcpy(p, w->t[i].data, (size_t)w->t[i].bytes);
		p += w->t[i].bytes;
	}
	free(json);
	cJSON_Delete(root);
	return b;
}
