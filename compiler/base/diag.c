/*
 * diag.c: diagnostics and exit codes.
 *
 * User errors print "FILE:LINE: error: ..." and exit 1; bad usage exits 2;
 * compiler bugs name the compiler's own file and line and exit 3 (SPEC).
 * Before exiting on an error, every temporary output file still registered
 * is removed, so a failed compile leaves earlier outputs untouched.
 */
#include "../cnnc.h"

#include <stdlib.h>
#include <string.h>

#define MAX_TEMPS 16 /* outputs of one compile */

static char temps[MAX_TEMPS][4096]; /* paths of uncommitted temporaries */

void diag_temp_add(const char *path)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (!temps[i][0]) {
			snprintf(temps[i], sizeof temps[i], "%s", path);
			return;
		}
	BUG("too many temporary files");
}

void diag_temp_forget(const char *path)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (!strcmp(temps[i], path))
			temps[i][0] = 0;
}

static void remove_temps(void)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (temps[i][0]) {
			remove(temps[i]);
			temps[i][0] = 0;
		}
}

static void vreport(const char *file, int line, const char *kind, const char *fmt, va_list ap)
{
	fflush(stdout);
	if (line > 0)
		fprintf(stderr, "%s:%d: %s: ", file, line, kind);
	else
		fprintf(stderr, "%s: %s: ", file, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void diag_verror(const char *file, int line, const char *fmt, va_list ap)
{
	vreport(file, line, "error", fmt, ap);
	remove_temps();
	exit(1);
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
	vreport(file, line, "note", fmt, ap);
	va_end(ap);
}

void diag_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	fputs("cnnc: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n(run 'cnnc --help' for usage)\n", stderr);
	va_end(ap);
	remove_temps();
	exit(2);
}

void diag_bug(const char *cfile, int cline, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	fprintf(stderr, "%s:%d: internal compiler error: ", cfile, cline);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	remove_temps();
	exit(3);
}
