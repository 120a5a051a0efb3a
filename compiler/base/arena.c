/*
 * arena.c: one arena per compilation.
 *
 * Memory comes from a list of large chunks and is never freed piecemeal;
 * arena_free releases everything at once. An error exits the process, so
 * an error path cannot leak.
 */
#include "../cnnc.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES (1u << 20) /* default chunk size */
#define ALIGN 16               /* every allocation's alignment */

typedef struct Chunk Chunk;
struct Chunk {
	Chunk *next;  /* older chunk */
	size_t size;  /* usable bytes after the header */
	size_t used;  /* bytes handed out */
	_Alignas(16) unsigned char data[]; /* the memory */
};

struct Arena {
	Chunk *head;  /* newest chunk, the one allocated from */
};

Arena *arena_new(void)
{
	Arena *a = calloc(1, sizeof *a);
	if (!a)
		BUG("out of memory");
	return a;
}

void arena_free(Arena *a)
{
	if (!a)
		return;
	for (Chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *arena_alloc(Arena *a, size_t bytes)
{
	bytes = (bytes + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	Chunk *c = a->head;
	if (!c || c->size - c->used < bytes) {
		size_t size = bytes > CHUNK_BYTES ? bytes : CHUNK_BYTES;
		/* calloc: big blocks come zeroed from the system, untouched, so a
		 * large parameter array is not written twice */
		c = calloc(1, sizeof *c + size);
		if (!c)
			diag_error("cnnc", 0, "out of memory (asked for %zu bytes)", bytes);
		c->size = size;
		c->used = 0;
		/* a big block goes behind the head so the head keeps its room */
		if (a->head && bytes > CHUNK_BYTES) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
		c->used = bytes;
		return c->data; /* zeroed by calloc */
	}
	void *p = c->data + c->used;
	c->used += bytes;
	memset(p, 0, bytes);
	return p;
}

void *arena_grow(Arena *a, void *p, int n, int *cap, size_t elem)
{
	if (n < *cap)
		return p;
	int room = *cap ? 2 * *cap : 64;
	void *q = arena_alloc(a, (size_t)room * elem);
	if (n)
		memcpy(q, p, (size_t)n * elem);
	*cap = room;
	return q;
}

char *arena_strdup(Arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(arena_alloc(a, n), s, n);
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}
