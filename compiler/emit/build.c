/*
 * build.c: `cnnc build`, the one-step path from model to program.
 *
 * After emission it runs the system C compiler on PREFIX.c alone and
 * links the runtime library of the target (libcnnrt-TARGET.a, built once
 * by `ninja` from runtime/targets.def), exactly as a user would in their
 * own build, and prints that command so they can copy it. Without
 * $CFLAGS the flags follow --target, from the same table. No shell is
 * involved: $CC and $CFLAGS are split on blanks and run with execvp.
 *
 * Where the runtime is, relative to the cnnc binary (or from the
 * environment):
 *   header cnnrt.h   $CNNC_RUNTIME, else BIN/../runtime (build tree),
 *                    BIN/../../runtime (build/asan), BIN/../include/cnnrt
 *                    (installed)
 *   libraries        $CNNC_LIBDIR, else BIN/lib (build tree), BIN/../lib
 *                    (installed)
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "../cnnc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Each target's C compiler flags (runtime/targets.def, which also builds
 * the libraries). */
static const struct {
	const char *target; /* --target value */
	const char *cflags; /* the flags */
} target_flags[] = {
#define TARGET(name, cflags) {#name, cflags},
#include "../../runtime/targets.def"
#undef TARGET
};
#define MAX_ARGS 256

static bool exists(const char *dir, const char *file)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, file);
	return stat(path, &st) == 0;
}

/* The first of BIN + each of up (NULL-terminated) that holds file, as a
 * real path; NULL if none does. */
static const char *beside_binary(Arena *a, const char *const *up, const char *file)
{
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0)
		return NULL;
	exe[len] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	for (; *up; up++) {
		char *dir = arena_printf(a, "%s%s", exe, *up), real[4096];
		if (exists(dir, file))
			return realpath(dir, real) ? arena_strdup(a, real) : dir;
	}
	return NULL;
}

const char *build_runtime_dir(Arena *a)
{
	const char *env = getenv("CNNC_RUNTIME");
	if (env && *env) {
		if (!exists(env, "cnnrt.h"))
			diag_error(env, 0, "CNNC_RUNTIME has no cnnrt.h");
		return env;
	}
	static const char *const up[] = {"/../runtime", "/../../runtime", "/../include/cnnrt", NULL};
	const char *dir = beside_binary(a, up, "cnnrt.h");
	if (!dir)
		diag_error("cnnc", 0, "cannot find the runtime (cnnrt.h) beside the cnnc binary; set CNNC_RUNTIME");
	return dir;
}

/* The runtime library of target, as a path. */
static const char *runtime_library(Arena *a, const char *target)
{
	const char *file = arena_printf(a, "libcnnrt-%s.a", target);
	const char *env = getenv("CNNC_LIBDIR");
	if (env && *env) {
		if (!exists(env, file))
			diag_error(env, 0, "CNNC_LIBDIR has no %s", file);
		return arena_printf(a, "%s/%s", env, file);
	}
	static const char *const up[] = {"/lib", "/../lib", NULL};
	const char *dir = beside_binary(a, up, file);
	if (!dir)
		diag_error("cnnc", 0, "cannot find the runtime library %s beside the cnnc binary "
		           "(run ninja, or set CNNC_LIBDIR)", file);
	return arena_printf(a, "%s/%s", dir, file);
}

static void add(const char **argv, int *argc, const char *s)
{
	if (*argc >= MAX_ARGS - 1)
		diag_error("cnnc", 0, "C compiler command too long (more than %d arguments)", MAX_ARGS);
	argv[(*argc)++] = s;
}

/* path, made unable to pass for an option: "./-x" for "-x". */
static const char *not_option(Arena *a, const char *path)
{
	return path[0] == '-' ? arena_printf(a, "./%s", path) : path;
}

/* Prints s as one shell word, quoted only when it needs to be, so the
 * command printed can be pasted whatever the paths hold. */
static void print_word(const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+=./:,@%") == strlen(s)) {
		fputs(s, stdout);
		return;
	}
	putchar('\'');
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	putchar('\'');
}

/* True when an executable named name is on $PATH. */
static bool on_path(Arena *a, const char *name)
{
	const char *path = getenv("PATH");
	char *copy = arena_strdup(a, path ? path : "/usr/bin:/bin");
	for (char *dir = strtok(copy, ":"); dir; dir = strtok(NULL, ":"))
		if (access(arena_printf(a, "%s/%s", *dir ? dir : ".", name), X_OK) == 0)
			return true;
	return false;
}

static void add_words(Arena *a, const char **argv, int *argc, const char *s)
{
	char *copy = arena_strdup(a, s);
	for (char *w = strtok(copy, " \t\n"); w; w = strtok(NULL, " \t\n"))
		add(argv, argc, w);
}

void build_check_output(const char *program, const char *const *inputs, int n)
{
	struct stat out, in;
	if (stat(program, &out) != 0)
		return; /* a new file */
	if (!S_ISREG(out.st_mode))
		diag_error(program, 0, "cannot write the program there: it exists and is not a regular file");
	for (int i = 0; i < n; i++)
		if (inputs[i] && stat(inputs[i], &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
			diag_error(program, 0, "the program would overwrite the input '%s'; give -o another path", inputs[i]);
}

int build_run(const char *const *argv, const char *const *env, const char *what)
{
	diag_block_signals(true); /* the child is known before a signal can look for it */
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0); /* its own group, so a signal reaches the linker too */
		diag_block_signals(false);
		for (const char *const *e = env; e && *e; e += 2)
			setenv(e[0], e[1], 1);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cnnc: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid > 0) {
		setpgid(pid, pid); /* either side may run first */
		diag_child(pid);
	}
	diag_block_signals(false);
	if (pid < 0)
		diag_error("cnnc", 0, "cannot start %s: %s", what, strerror(errno));
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			diag_error("cnnc", 0, "waiting for %s: %s", what, strerror(errno));
	diag_child(0);
	return status;
}

void build_program(Arena *a, const char *prefix, const char *program, const char *target)
{
	const char *dflt = NULL;
	for (size_t i = 0; i < sizeof target_flags / sizeof *target_flags; i++)
		if (!strcmp(target, target_flags[i].target))
			dflt = target_flags[i].cflags;
	if (!dflt)
		BUG("no flags for target '%s' in runtime/targets.def", target);
	const char *rt = build_runtime_dir(a);
	const char *cc = getenv("CC"), *cflags = getenv("CFLAGS");
	const char *argv[MAX_ARGS];
	int argc = 0;
	add_words(a, argv, &argc, cc && *cc ? cc : "cc");
	add_words(a, argv, &argc, cflags && *cflags ? cflags : dflt);
	add(argv, &argc, arena_printf(a, "-I%s", rt));
	const char *slash = strrchr(prefix, '/');
	const char *dir = slash ? not_option(a, arena_printf(a, "%.*s", (int)(slash - prefix), prefix)) : ".";
	/* finds PREFIX.weights; not -Wa,-IDIR, which splits DIR at commas */
	add(argv, &argc, "-Xassembler");
	add(argv, &argc, "-I");
	add(argv, &argc, "-Xassembler");
	add(argv, &argc, *dir ? dir : "/");
	add(argv, &argc, arena_printf(a, "%s.c", not_option(a, prefix)));

	add(argv, &argc, runtime_library(a, target));

	/* The C compiler writes into a directory of our own beside program
	 * (mkdtemp: new, mode 0700), so nothing planted at a guessable name
	 * can redirect its output. */
	char *tmpdir = arena_printf(a, "%s.tmp-XXXXXX", program);
	diag_block_signals(true); /* no signal between creating and registering */
	bool made = mkdtemp(tmpdir) != NULL;
	if (made)
		diag_temp_add(tmpdir);
	diag_block_signals(false);
	if (!made)
		diag_error(program, 0, "cannot create a temporary directory beside it: %s", strerror(errno));
	const char *tmp = arena_printf(a, "%s/program", tmpdir);
	diag_temp_add(tmp);
	add(argv, &argc, "-pthread"); /* runtime/threads.c */
	/* gold copies a big weight blob into the program twice as fast as
	 * GNU ld (resnet18: 0.5 s against 1.2 s); only with the default cc */
	if (!(cc && *cc) && on_path(a, "ld.gold"))
		add(argv, &argc, "-fuse-ld=gold");
	add(argv, &argc, "-o");
	add(argv, &argc, tmp);
	add(argv, &argc, "-lm");
	argv[argc] = NULL;

	for (int i = 0; i < argc; i++) {
		if (i)
			putchar(' ');
		print_word(i == argc - 2 ? not_option(a, program) : argv[i]);
	}
	printf("\n");
	fflush(stdout);

	int status = build_run(argv, NULL, "the C compiler");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		diag_error(program, 0, "the C compiler failed (%s %d); the command is above",
		           WIFEXITED(status) ? "exit status" : "signal",
		           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	build_check_output(program, NULL, 0);
	if (rename(tmp, program) != 0)
		diag_error(program, 0, "cannot rename %s into place: %s", tmp, strerror(errno));
	diag_temp_forget(tmp);
	rmdir(tmpdir);
	diag_temp_forget(tmpdir);
}
