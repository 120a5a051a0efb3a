/*
 * diag.c: diagnostics and exit codes.
 *
 * User errors print "FILE:LINE: error: ..." and exit 1; bad usage exits 2;
 * compiler bugs name the compiler's own file and line and exit 3 (SPEC).
 * Before exiting on an error, every temporary output file still registered
 * is removed, so a failed compile leaves earlier outputs untouched; so it
 * is on SIGINT, SIGTERM, SIGHUP and SIGPIPE (stdout or stderr piped into
 * a reader that quit), after which the signal takes its
 * course (a child the compiler waits for, the C compiler, gets it first).
 *
 * Messages quote input (paths, tensor keys, model text): control bytes in
 * them are printed escaped (\xNN), so a weight file or a model cannot
 * drive the terminal.
 */
#define _POSIX_C_SOURCE 200809L /* sigaction, kill */
#include "../cnnc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TEMPS 16 /* outputs of one compile */

/* Paths of uncommitted temporaries, files or (empty once their files are
 * gone) directories: removed newest first. */
static char temps[MAX_TEMPS][4096];
static volatile sig_atomic_t child; /* pid of a running child, or 0 */

/* Async-signal-safe: unlink and rmdir only. */
static void remove_temps(void)
{
	for (int i = MAX_TEMPS - 1; i >= 0; i--)
		if (temps[i][0]) {
			if (unlink(temps[i]) != 0)
				rmdir(temps[i]);
			temps[i][0] = 0;
		}
}

static void on_signal(int sig)
{
	if (child > 0) { /* the child's whole process group: cc's own children too */
		kill(-(pid_t)child, sig);
		waitpid((pid_t)child, NULL, 0);
	}
	/* a killed grandchild (the linker) may still be leaving: retry a while */
	for (int tries = 0; tries < 100; tries++) {
		bool left = false;
		for (int i = MAX_TEMPS - 1; i >= 0; i--)
			if (temps[i][0] && unlink(temps[i]) != 0 && rmdir(temps[i]) != 0 && errno != ENOENT)
				left = true;
		if (!left)
			break;
		struct timespec ms = {0, 10 * 1000 * 1000};
		nanosleep(&ms, NULL);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE}; /* signals that end a compile */

void diag_block_signals(bool block)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof caught / sizeof *caught; i++)
		sigaddset(&set, caught[i]);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* Installs on_signal for the signals that end a compile from outside. */
static void catch_signals(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	for (size_t i = 0; i < sizeof caught / sizeof *caught; i++) {
		struct sigaction sa, old;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigfillset(&sa.sa_mask);
		/* a signal ignored when cnnc started (nohup) stays ignored */
		if (sigaction(caught[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(caught[i], &sa, NULL);
	}
}

void diag_temp_add(const char *path)
{
	catch_signals();
	for (int i = 0; i < MAX_TEMPS; i++)
		if (!temps[i][0]) {
			if (strlen(path) >= sizeof temps[i])
				diag_error(path, 0, "path too long for a temporary file");
			/* the path is whole before the slot counts as used */
			memcpy(temps[i] + 1, path + 1, strlen(path));
			temps[i][0] = path[0];
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

void diag_child(long pid) { child = (sig_atomic_t)pid; }

void diag_escape(FILE *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len; i++) {
		bool c1 = u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f; /* U+0080..U+009F */
		if (u[i] < 0x20 || u[i] == 0x7f || c1) {
			fprintf(out, "\\x%02x", u[i]);
			if (c1)
				fprintf(out, "\\x%02x", u[++i]);
		} else {
			fputc(u[i], out);
		}
	}
}

/* fmt with ap, escaped, to stderr. */
static void vprint_escaped(const char *fmt, va_list ap)
{
	char buf[8192];
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(buf, sizeof buf, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n < sizeof buf) {
		diag_escape(stderr, buf, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		diag_escape(stderr, buf, sizeof buf - 1);
		return;
	}
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	diag_escape(stderr, big, (size_t)n);
	free(big);
}

static void vreport(const char *file, int line, const char *kind, const char *fmt, va_list ap)
{
	fflush(stdout);
	diag_escape(stderr, file, strlen(file));
	if (line > 0)
		fprintf(stderr, ":%d", line);
	fprintf(stderr, ": %s: ", kind);
	vprint_escaped(fmt, ap);
	fputc('\n', stderr);
}

#define MAX_AFTER 16 /* notes queued for the next error */
static char after[MAX_AFTER][512]; /* each a whole line, escaped when printed */
static int nafter;                 /* queued */

void diag_note_after_error(const char *file, int line, const char *fmt, ...)
{
	if (nafter == MAX_AFTER)
		return;
	int k = line > 0 ? snprintf(after[nafter], sizeof after[nafter], "%s:%d: note: ", file, line)
	                 : snprintf(after[nafter], sizeof after[nafter], "%s: note: ", file);
	if (k < 0 || (size_t)k >= sizeof after[nafter])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(after[nafter] + k, sizeof after[nafter] - (size_t)k, fmt, ap);
	va_end(ap);
	nafter++;
}

void diag_verror(const char *file, int line, const char *fmt, va_list ap)
{
	vreport(file, line, "error", fmt, ap);
	for (int i = 0; i < nafter; i++) {
		diag_escape(stderr, after[i], strlen(after[i]));
		fputc('\n', stderr);
	}
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
	vprint_escaped(fmt, ap);
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
	vprint_escaped(fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	remove_temps();
	exit(3);
}
