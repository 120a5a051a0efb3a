/*
 * output.c: atomic output files.
 *
 * Each output is written to "PATH.tmp-XXXXXX", created by mkstemp (a new
 * file, exclusively, mode 0600: nothing planted at a guessable name can
 * redirect the write), and registered with diag, so an error exit or a
 * signal removes it; it gets the mode a new file would (0666 less the
 * umask) when it is committed. out_commit flushes and closes all of a compile's
 * files and only then renames each onto its final name. Earlier outputs
 * stay untouched by a compile that fails. Renaming several files is not
 * one atomic step, so every destination is checked first (it must be a
 * regular file or absent): a rename can then fail only on an I/O error;
 * and two compiles into one directory commit one after the other (a lock
 * on the directory), so a prefix never holds the .c of one and the .h of
 * the other.
 */
#include "../cnnc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens path's directory and takes an exclusive flock on it (waiting for
 * another holder); returns the descriptor, or -1 where locks do not work
 * (the commit then goes ahead unserialized). */
static int lock_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	return fd;
}

OutFile *out_open(Arena *a, const char *path)
{
	OutFile *o = arena_alloc(a, sizeof *o);
	o->path = arena_strdup(a, path);
	char *tmp = arena_printf(a, "%s.tmp-XXXXXX", path);
	diag_block_signals(true); /* no signal between creating and registering */
	int fd = mkstemp(tmp);
	if (fd >= 0)
		diag_temp_add(tmp);
	diag_block_signals(false);
	if (fd < 0)
		diag_error(path, 0, "cannot create output file: %s", strerror(errno));
	o->tmp = tmp;
	o->f = fdopen(fd, "wb");
	if (!o->f)
		diag_error(path, 0, "cannot create output file: %s", strerror(errno));
	return o;
}

void out_commit(OutFile **files, int n)
{
	mode_t mask = umask(0);
	umask(mask);
	for (int i = 0; i < n; i++) {
		OutFile *o = files[i];
		int bad = ferror(o->f) || fchmod(fileno(o->f), 0666 & ~mask) != 0;
		if (fclose(o->f) != 0 || bad)
			diag_error(o->path, 0, "cannot write output file: %s", strerror(errno));
		o->f = NULL;
	}
	/* Another compile committing into the same directory at the same
	 * time must not interleave its renames with these (a .c of one and a
	 * .h of the other): commits into one directory take turns, under an
	 * exclusive lock on the directory itself. */
	int dirfd = n > 0 ? lock_dir(files[0]->path) : -1;
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (stat(files[i]->path, &st) == 0 && !S_ISREG(st.st_mode))
			diag_error(files[i]->path, 0, "cannot write output: it exists and is not a regular file");
	}
	for (int i = 0; i < n; i++) {
		if (rename(files[i]->tmp, files[i]->path) != 0)
			diag_error(files[i]->path, 0, "cannot rename %s into place: %s", files[i]->tmp, strerror(errno));
		diag_temp_forget(files[i]->tmp);
	}
	if (dirfd >= 0)
		close(dirfd); /* releases the lock */
}
