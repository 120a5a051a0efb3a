/*
 * file.c: opening input files without hanging on them.
 *
 * A model or weights path may name a FIFO with no writer, or a device:
 * fopen would block forever on the first, before any time limit runs.
 * Inputs are opened non-blocking, must be regular files, and only then
 * become ordinary blocking streams.
 */
#include "../cnnc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *file_open_regular(const char *path, const char *what)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		diag_error(path, 0, "cannot open %s: %s", what, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		diag_error(path, 0, "not a regular file; expected %s", what);
	}
	int flags = fcntl(fd, F_GETFL);
	FILE *f = flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0 ? fdopen(fd, "rb") : NULL;
	if (!f) {
		close(fd);
		diag_error(path, 0, "cannot open %s: %s", what, strerror(errno));
	}
	return f;
}
