/*
 * fuzz_diag.c: compiler/base/diag.c for the fuzz targets, linked in its
 * place (build/fuzz/ only; cnnc itself keeps the real one).
 *
 * The compiler's readers report bad input with diag_error, which prints
 * and exits 1: right for cnnc, fatal for a fuzzer that runs millions of
 * inputs in one process. Here a user error formats its message (so bad
 * format arguments still trip the sanitizers), prints it only when
 * $FUZZ_VERBOSE is set, and longjmps to fuzz_diag_jmp, which the harness
 * sets around each call into the code under test. The harness then frees
 * what the call left behind (arena, open file, Lua state), so leak
 * detection stays on.
 *
 * Everything else is a crash on purpose, so libFuzzer keeps the input:
 * a compiler bug (BUG / diag_bug), a usage error (the readers never make
 * one), and a user error outside the harness's window.
 */
#include "fuzz.h"

#include "cnnc.h"

jmp_buf *fuzz_diag_jmp;

static char msg[8192]; /* the last message, for a debugger */

static void format(const char *file, int line, const char *kind, const char *fmt, va_list ap)
{
	int k = line > 0 ? snprintf(msg, sizeof msg, "%s:%d: %s: ", file, line, kind)
	                 : snprintf(msg, sizeof msg, "%s: %s: ", file, kind);
	if (k >= 0 && (size_t)k < sizeof msg)
		vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "%s\n", msg);
}

void diag_verror(const char *file, int line, const char *fmt, va_list ap)
{
	format(file, line, "error", fmt, ap);
	if (!fuzz_diag_jmp) {
		fprintf(stderr, "fuzz: user error outside the harness: %s\n", msg);
		abort();
	}
	longjmp(*fuzz_diag_jmp, 1);
}

void diag_error(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_verror(file, line, fmt, ap);
}

void diag_note(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	format(file, line, "note", fmt, ap);
	va_end(ap);
}

/* The notes under an error (a call chain): formatted, as the others, and
 * dropped. */
void diag_note_after_error(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	format(file, line, "note", fmt, ap);
	va_end(ap);
}

void diag_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nfuzz: usage error from the code under test\n", stderr);
	abort();
}

void diag_bug(const char *cfile, int cline, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s:%d: internal compiler error: ", cfile, cline);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* The readers write no output files. */
void diag_temp_add(const char *path) { (void)path; }
void diag_temp_forget(const char *path) { (void)path; }
void diag_child(long pid) { (void)pid; }

/* Messages are not printed while fuzzing; print() output is dropped. */
void diag_escape(FILE *out, const char *s, size_t len)
{
	(void)out;
	(void)s;
	(void)len;
}
void diag_block_signals(bool block) { (void)block; }
