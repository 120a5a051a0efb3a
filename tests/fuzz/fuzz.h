/*
 * fuzz.h: what the libFuzzer harnesses share.
 *
 * The readers under test take a path, not a buffer, so each harness
 * writes its input to one temporary file per process (fuzz_temp_write)
 * and hands that path on. Include this header first: it asks for POSIX
 * 2008 (mkdtemp) before any system header. The compiler's readers report bad input through
 * diag_error, which exits; the fuzz build links fuzz_diag.c instead of
 * compiler/base/diag.c, whose diag_error longjmps to fuzz_diag_jmp (see
 * there), so one bad input ends one iteration, not the fuzzer.
 */
#ifndef FUZZ_H
#define FUZZ_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* fuzz_diag.c: while not NULL, a user error (diag_error) longjmps here
 * with value 1 instead of exiting. Outside such a window a user error is
 * a harness bug and aborts. */
extern jmp_buf *fuzz_diag_jmp;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message: a broken promise of the code under test. */
#define FUZZ_CHECK(cond)                                                                 \
	do {                                                                                 \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                     \
		}                                                                                \
	} while (0)

static char fuzz_temp_dir[4096];  /* this process's directory (mkdtemp) */
static char fuzz_temp_path[4200]; /* the input file in it */

static void fuzz_temp_remove(void)
{
	unlink(fuzz_temp_path);
	rmdir(fuzz_temp_dir);
}

/* Writes data to this process's input file, fuzz_temp_dir/NAME (the
 * directory is made on first use in $TMPDIR, else /dev/shm, else /tmp,
 * and removed at exit with the file); returns its path. */
static inline const char *fuzz_temp_write(const uint8_t *data, size_t size, const char *name)
{
	if (!fuzz_temp_dir[0]) {
		const char *dir = getenv("TMPDIR");
		if (!dir || !*dir) /* memory, when there is some: a file system costs 10x */
			dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(fuzz_temp_dir, sizeof fuzz_temp_dir, "%s/cnnc-fuzz-XXXXXX", dir);
		if (!mkdtemp(fuzz_temp_dir)) {
			perror("fuzz: mkdtemp");
			abort();
		}
		snprintf(fuzz_temp_path, sizeof fuzz_temp_path, "%s/%s", fuzz_temp_dir, name);
		atexit(fuzz_temp_remove);
	}
	FILE *f = fopen(fuzz_temp_path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		perror("fuzz: writing the input file");
		abort();
	}
	return fuzz_temp_path;
}

#endif
