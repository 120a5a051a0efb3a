/*
 * fuzz_onnx.c: compiler/onnx/ (the ONNX importer) on arbitrary files.
 *
 * The input is a whole .onnx file. onnx_import either rejects it with a
 * user error (diag_error, caught by fuzz_diag.c's longjmp) or returns
 * Lua text and a safetensors image, whose promises we check: the text
 * is NUL-terminated at its length and ends in a return statement; the
 * image's 8-byte header length lies within it. Everything the importer
 * allocates, protobuf-c's unpacked message included, is on the arena,
 * so a rejected input leaks nothing once the harness frees it.
 *
 * Seeds: tests/fuzz/onnx/ (small models torch.onnx.export wrote).
 */
#include "fuzz.h"

#include "cnnc.h"
#include "fuzz_hooks.h" /* fuzz_open_state (fuzz_hooks.c) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_temp_write(data, size, "input.onnx");
	Arena *volatile a = arena_new();
	volatile bool imported = false;
	jmp_buf jb;
	if (setjmp(jb) == 0) {
		fuzz_diag_jmp = &jb;
		OnnxModel m = onnx_import(a, path, 0, NULL);
		FUZZ_CHECK(m.lua && m.lua[m.lua_len] == 0 && m.lua_len > 8);
		FUZZ_CHECK(strstr(m.lua, "\nreturn v[") != NULL);
		FUZZ_CHECK(m.st_len >= 8);
		uint64_t h = 0;
		for (int k = 7; k >= 0; k--)
			h = h << 8 | m.st[k];
		FUZZ_CHECK(h <= m.st_len - 8);
		imported = true;
		Graph *g = lua_front_load_text(a, path, m.lua, m.lua_len, 0, &lua_front_default_limits);
		FUZZ_CHECK(!fuzz_open_state);
		weights_bind(g, st_open_mem(a, path, m.st, m.st_len), false);
	} else if (imported) {
		fprintf(stderr, "fuzz_onnx: the import's model failed in the front end or the weights\n");
		abort();
	}
	fuzz_diag_jmp = NULL;
	arena_free(a);
	return 0;
}
