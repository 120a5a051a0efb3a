/*
 * slow_rename.c: an LD_PRELOAD shim for tests/cli/test_reliability.py.
 *
 * rename() as the C library does it, then, when the new name ends in
 * ".h" and $SLOW_RENAME_MS is set, a pause of that many milliseconds: a
 * compile that commits its header first holds the rest of its commit
 * open long enough for another compile to the same prefix to run into it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "rename");
	int rc = real(from, to);
	const char *ms = getenv("SLOW_RENAME_MS");
	size_t n = strlen(to);
	if (ms && n > 2 && !strcmp(to + n - 2, ".h")) {
		long v = atol(ms);
		struct timespec t = {v / 1000, v % 1000 * 1000000L};
		nanosleep(&t, NULL);
	}
	return rc;
}
