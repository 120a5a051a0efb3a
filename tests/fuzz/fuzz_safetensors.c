/*
 * fuzz_safetensors.c: compiler/io/safetensors.c on arbitrary files.
 *
 * The input is a whole .safetensors file. st_open either rejects it with
 * a user error (diag_error, caught by fuzz_diag.c's longjmp) or returns a
 * file whose promises we then check: every tensor found by its key, its
 * element count the product of its shape, its byte range exactly that many
 * elements, and the ranges tiling the data section. Every float tensor is
 * read with st_read_f32 into a buffer of exactly t->count floats, so ASan
 * sees any write past it.
 *
 * Leaks count: after a user error the harness closes the file and frees
 * the arena, and st_open frees its own header and cJSON tree before
 * reporting.
 *
 * Seeds: tests/fuzz/safetensors/; crashes once found: .../regressions/.
 */
#include "fuzz.h"

#include "cnnc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_temp_write(data, size, "input.safetensors");
	Arena *volatile a = arena_new();
	StFile *volatile sf = NULL;
	float *volatile buf = NULL;
	jmp_buf jb;
	if (setjmp(jb) == 0) {
		fuzz_diag_jmp = &jb;
		sf = st_open(a, path);
		FUZZ_CHECK(sf->file_size == size && sf->data_offset >= 8 && sf->data_offset <= size);
		uint64_t pos = 0;
		for (int i = 0; i < sf->n; i++) {
			const StTensor *t = &sf->t[i];
			FUZZ_CHECK(st_find(sf, t->key) == t);
			FUZZ_CHECK(t->rank >= 0 && t->rank <= ST_MAX_RANK);
			unsigned __int128 count = 1; /* the product, held above 2^64 once past it */
			for (int d = 0; d < t->rank; d++) {
				FUZZ_CHECK(t->shape[d] >= 0);
				if (t->shape[d] == 0)
					count = 0;
				else if (count <= (unsigned __int128)1 << 64)
					count *= (uint64_t)t->shape[d];
			}
			FUZZ_CHECK(count == (unsigned __int128)t->count);
			FUZZ_CHECK(t->end - t->begin == (uint64_t)t->count * (uint64_t)t->elem_bytes);
			FUZZ_CHECK(t->begin == pos);
			pos = t->end;
			if (!st_is_float(t))
				continue;
			buf = malloc((size_t)t->count * sizeof(float) + 1);
			FUZZ_CHECK(buf);
			st_read_f32(sf, t, buf);
			free(buf);
			buf = NULL;
		}
		FUZZ_CHECK(sf->data_offset + pos == size);
	}
	fuzz_diag_jmp = NULL;
	free(buf);
	if (sf)
		st_close(sf);
	arena_free(a);
	return 0;
}
