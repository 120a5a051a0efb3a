/*
 * build.c: `cnnc build`, the one-step path from model to program.
 *
 * After emission it runs the system C compiler on PREFIX.c and every
 * runtime source, exactly as a user would in their own build, and prints
 * that command so they can copy it. The runtime is found beside the cnnc
 * binary (build/cnnc -> runtime/), or at $CNNC_RUNTIME. Without $CFLAGS
 * the flags follow --target: native (the default: this host's best),
 * generic (baseline x86-64), avx2 or avx512. No shell is
 * involved: $CC and $CFLAGS are split on blanks and run with execvp.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "../cnnc.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* $CFLAGS when the user gives none, by --target. -std=c99 alone turns
 * off the fusing of a * b + c into one FMA instruction (-ffp-contract=off):
 * the kernels are written for it, so it is turned back on. */
static const struct {
	const char *target; /* --target value */
	const char *cflags; /* the flags */
} target_flags[] = {
	{"native", "-O2 -march=native -ffp-contract=fast -std=c99"},
	{"generic", "-O2 -ffp-contract=fast -std=c99"},
	{"avx2", "-O2 -mavx2 -mfma -ffp-contract=fast -std=c99"},
	{"avx512", "-O2 -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma -ffp-contract=fast -std=c99"},
};
#define MAX_ARGS 256

static bool has_header(const char *dir)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof path, "%s/cnnrt.h", dir);
	return stat(path, &st) == 0;
}

const char *build_runtime_dir(Arena *a)
{
	const char *env = getenv("CNNC_RUNTIME");
	if (env && *env) {
		if (!has_header(env))
			diag_error(env, 0, "CNNC_RUNTIME has no cnnrt.h");
		return env;
	}
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = 0;
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
		static const char *const up[] = {"/../runtime", "/../../runtime", "/runtime", NULL};
		for (const char *const *u = up; *u; u++) {
			char *dir = arena_printf(a, "%s%s", exe, *u), real[4096];
			if (has_header(dir))
				return realpath(dir, real) ? arena_strdup(a, real) : dir;
		}
	}
	diag_error("cnnc", 0, "cannot find the runtime (cnnrt.h) beside the cnnc binary; set CNNC_RUNTIME");
}

static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

static void add(const char **argv, int *argc, const char *s)
{
	if (*argc >= MAX_ARGS - 1)
		diag_error("cnnc", 0, "C compiler command too long (more than %d arguments)", MAX_ARGS);
	argv[(*argc)++] = s;
}

static void add_words(Arena *a, const char **argv, int *argc, const char *s)
{
	char *copy = arena_strdup(a, s);
	for (char *w = strtok(copy, " \t\n"); w; w = strtok(NULL, " \t\n"))
		add(argv, argc, w);
}

void build_program(Arena *a, const char *prefix, const char *program, const char *target)
{
	const char *dflt = target_flags[0].cflags;
	for (size_t i = 0; i < sizeof target_flags / sizeof *target_flags; i++)
		if (!strcmp(target, target_flags[i].target))
			dflt = target_flags[i].cflags;
	const char *rt = build_runtime_dir(a);
	const char *cc = getenv("CC"), *cflags = getenv("CFLAGS");
	const char *argv[MAX_ARGS];
	int argc = 0;
	add_words(a, argv, &argc, cc && *cc ? cc : "cc");
	add_words(a, argv, &argc, cflags && *cflags ? cflags : dflt);
	add(argv, &argc, arena_printf(a, "-I%s", rt));
	const char *slash = strrchr(prefix, '/');
	const char *dir = slash ? arena_printf(a, "%.*s", (int)(slash - prefix), prefix) : ".";
	add(argv, &argc, arena_printf(a, "-Wa,-I%s", dir)); /* finds PREFIX.weights */
	add(argv, &argc, arena_printf(a, "%s.c", prefix));

	DIR *d = opendir(rt);
	if (!d)
		diag_error(rt, 0, "cannot read the runtime directory: %s", strerror(errno));
	char *srcs[64];
	int nsrc = 0;
	for (struct dirent *de; (de = readdir(d));) {
		size_t len = strlen(de->d_name);
		if (len > 2 && !strcmp(de->d_name + len - 2, ".c") && nsrc < 64)
			srcs[nsrc++] = arena_printf(a, "%s/%s", rt, de->d_name);
	}
	closedir(d);
	qsort(srcs, (size_t)nsrc, sizeof *srcs, cmp_str);
	for (int i = 0; i < nsrc; i++)
		add(argv, &argc, srcs[i]);

	const char *tmp = arena_printf(a, "%s.tmp-%ld", program, (long)getpid());
	add(argv, &argc, "-pthread"); /* runtime/threads.c */
	add(argv, &argc, "-o");
	add(argv, &argc, tmp);
	add(argv, &argc, "-lm");
	argv[argc] = NULL;

	for (int i = 0; i < argc; i++)
		printf("%s%s", i ? " " : "", i == argc - 2 ? program : argv[i]);
	printf("\n");
	fflush(stdout);

	diag_temp_add(tmp);
	pid_t pid = fork();
	if (pid < 0)
		diag_error("cnnc", 0, "cannot start the C compiler: %s", strerror(errno));
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cnnc: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			diag_error("cnnc", 0, "waiting for the C compiler: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		diag_error(program, 0, "the C compiler failed (%s %d); the command is above",
		           WIFEXITED(status) ? "exit status" : "signal",
		           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	if (rename(tmp, program) != 0)
		diag_error(program, 0, "cannot rename %s into place: %s", tmp, strerror(errno));
	diag_temp_forget(tmp);
}
