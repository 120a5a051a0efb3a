/*
 * fuzz_lua.c: the Lua front end (compiler/frontend/) on arbitrary model
 * files.
 *
 * The input is a model file. lua_front_load runs it in the sandbox with
 * small limits (16 MB, 2 million instructions, 1 s) and either returns a
 * graph, which ir_verify has checked and ir_dump must print, or reports a
 * model error through diag_error, caught by fuzz_diag.c's longjmp. After
 * an error the harness closes the Lua state lua_front_load left open
 * (fuzz_hooks.h) and frees the arena, so leaks count.
 *
 * The sandbox's timer backstops are off in this build (fuzz_hooks.h), so
 * only the count hook limits a model, and the hook never runs inside a C
 * library call. The one such call that can run for minutes on a small
 * input is a backtracking string pattern (string.find, match, gmatch,
 * gsub); in cnnc the CPU-time timer ends it, here it would be a libFuzzer timeout
 * that is no bug. So inputs that name a pattern function as a word are
 * skipped (returned as -1: not added to the corpus). A name built at run
 * time (string["fi" .. "nd"]) gets past this; should the fuzzer ever
 * find one, its timeout is this known limit, not a bug. The timer itself is covered
 * by tests/diag/limit_pattern.lua.
 *
 * Seeds: tests/fuzz/lua/; crashes once found: .../regressions/.
 */
#include "fuzz.h"

#include "cnnc.h"

#include "fuzz_hooks.h" /* fuzz_open_state, fuzz_lua_close (fuzz_hooks.c) */

static const SandboxLimits limits = {
	.max_bytes = 16u << 20,
	.max_instr = 2000000,
	.max_seconds = 1.0,
	.max_wall = 20.0,
};

/* ---- the target ----------------------------------------------------- */

static bool ident_char(uint8_t c)
{
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* True if the input has one of the pattern functions' names as a word. */
static bool names_pattern(const uint8_t *data, size_t size)
{
	static const char *const words[] = {"find", "match", "gmatch", "gsub"};
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
		size_t n = strlen(words[w]);
		for (size_t i = 0; i + n <= size; i++)
			if (!memcmp(data + i, words[w], n) && (i == 0 || !ident_char(data[i - 1])) &&
			    (i + n == size || !ident_char(data[i + n])))
				return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	if (!devnull)
		FUZZ_CHECK(devnull = fopen("/dev/null", "w"));
	if (names_pattern(data, size))
		return -1;
	const char *path = fuzz_temp_write(data, size, "model.lua");
	Arena *volatile a = arena_new();
	jmp_buf jb;
	if (setjmp(jb) == 0) {
		fuzz_diag_jmp = &jb;
		Graph *g = lua_front_load(a, path, 0, &limits);
		FUZZ_CHECK(!fuzz_open_state);
		ir_dump(g, devnull);
	}
	fuzz_diag_jmp = NULL;
	if (fuzz_open_state)
		fuzz_lua_close(fuzz_open_state);
	arena_free(a);
	return 0;
}
