/*
 * npy.c: reading and writing .npy files of little-endian float32.
 *
 * The format (numpy's NEP 1): the magic "\x93NUMPY", a major and a minor
 * version byte, the header length (2 bytes little-endian in version 1.0,
 * 4 bytes in 2.0 and 3.0), then the header: a Python dict literal such as
 *     {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and ended by '\n'; then the raw elements in C order.
 *
 * The reader trusts nothing it reads. The header length is bounded, the
 * dict is parsed by a small recursive-descent scanner over a bounded
 * buffer (keys and strings of bounded length, at most 8 dims, no count
 * that overflows), it must hold exactly the keys descr, fortran_order and
 * shape, and each error names what was found and what was expected. When
 * the stream can seek, the data size is checked against the shape at open,
 * so a truncated file fails before any work is done; reads check again.
 *
 * The writer writes version 1.0 with the header padded so the data starts
 * on a 64-byte boundary (as numpy does), into PATH.tmp-XXXXXX (mkstemp: a
 * new file, created exclusively, so nothing planted at a guessable name
 * can redirect it); closing with commit gives it a new file's mode and
 * renames it onto PATH only if every element was written, so a failed run
 * never leaves a half-written output under the real name. A PATH that
 * exists and is not a regular file (/dev/null, a FIFO) is written
 * through, as cp does, and never replaced.
 *
 * Every message put into err is complete and ready to print:
 * "PATH: error: what, expected what". No memory is allocated.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnnrt.h"

#define MAX_HEADER 16384 /* bytes of header dict we accept (numpy caps at 10000) */
#define MAX_RANK 8       /* dims, as in rt_npy.shape */
#define MAX_COUNT (LLONG_MAX / 8) /* elements; keeps byte counts in range */

typedef char float_is_4_bytes[sizeof(float) == 4 ? 1 : -1];

static const char MAGIC[6] = { '\x93', 'N', 'U', 'M', 'P', 'Y' };

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int fail(const rt_npy *f, char *err, size_t errsize, const char *fmt, ...)
{
	if (err && errsize) {
		int k = snprintf(err, errsize, "%s: error: ", f->path);
		if (k >= 0 && (size_t)k < errsize) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(err + k, errsize - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return -1;
}

static int host_is_little_endian(void)
{
	const unsigned int one = 1;
	return *(const unsigned char *)&one == 1;
}

static void swap4(float *v, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		unsigned char *b = (unsigned char *)&v[i], t;
		t = b[0], b[0] = b[3], b[3] = t;
		t = b[1], b[1] = b[2], b[2] = t;
	}
}

static void set_path(rt_npy *f, const char *path)
{
	size_t n = strlen(path);
	if (n >= sizeof f->path) { /* keep the tail, it names the file */
		path += n - (sizeof f->path - 4);
		memcpy(f->path, "...", 3);
		memcpy(f->path + 3, path, sizeof f->path - 4);
		f->path[sizeof f->path - 1] = '\0';
	} else {
		memcpy(f->path, path, n + 1);
	}
}

/* ---- the header dict ------------------------------------------------ */

/* A cursor over the header text. */
typedef struct {
	const char *s; /* header bytes (not NUL-terminated) */
	size_t n;      /* their count */
	size_t i;      /* next byte to scan */
} Scan;

static void skip_ws(Scan *sc)
{
	while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' || sc->s[sc->i] == '\n' ||
	                         sc->s[sc->i] == '\r'))
		sc->i++;
}

/* Consumes c after blanks; 1 if it was there. */
static int eat(Scan *sc, char c)
{
	skip_ws(sc);
	if (sc->i < sc->n && sc->s[sc->i] == c) {
		sc->i++;
		return 1;
	}
	return 0;
}

/* Shows what sits at the cursor, for messages: up to 12 printable bytes. */
static const char *near(const Scan *sc, char *buf, size_t size)
{
	size_t k = 0;
	if (sc->i >= sc->n)
		return "the end of the header";
	buf[k++] = '\'';
	for (size_t j = sc->i; j < sc->n && j < sc->i + 12 && k + 3 < size; j++) {
		unsigned char c = (unsigned char)sc->s[j];
		buf[k++] = (c >= 32 && c < 127) ? (char)c : '?';
	}
	buf[k++] = '\'';
	buf[k] = '\0';
	return buf;
}

/* A quoted string without escapes, at most size-1 bytes; 0 if none, with
 * the cursor left where the string began. */
static int scan_string(Scan *sc, char *out, size_t size)
{
	skip_ws(sc);
	size_t start = sc->i, k = 0;
	if (sc->i >= sc->n || (sc->s[sc->i] != '\'' && sc->s[sc->i] != '"'))
		return 0;
	char q = sc->s[sc->i++];
	while (sc->i < sc->n && sc->s[sc->i] != q) {
		unsigned char c = (unsigned char)sc->s[sc->i];
		if (c == '\\' || c < 32 || k + 1 >= size)
			break;
		out[k++] = (char)c;
		sc->i++;
	}
	if (sc->i >= sc->n || sc->s[sc->i] != q) {
		sc->i = start;
		return 0;
	}
	sc->i++;
	out[k] = '\0';
	return 1;
}

/* A bare word (True, False, ...), at most size-1 bytes; 0 if none. */
static int scan_word(Scan *sc, char *out, size_t size)
{
	size_t k = 0;
	skip_ws(sc);
	while (sc->i < sc->n && k + 1 < size &&
	       ((sc->s[sc->i] >= 'a' && sc->s[sc->i] <= 'z') || (sc->s[sc->i] >= 'A' && sc->s[sc->i] <= 'Z')))
		out[k++] = sc->s[sc->i++];
	out[k] = '\0';
	return k > 0;
}

/* shape: '(' [dim (',' dim)* [',']] ')', each dim a decimal integer with an
 * optional 'L' (Python 2 files). Fills r->rank, r->shape, r->count. */
static int scan_shape(rt_npy *r, Scan *sc, char *err, size_t errsize)
{
	char buf[20];
	r->rank = 0;
	r->count = 1;
	if (!eat(sc, '('))
		return fail(r, err, errsize, "header 'shape' must be a tuple like (2, 3), found %s",
		            near(sc, buf, sizeof buf));
	if (eat(sc, ')'))
		return 0;
	for (;;) {
		skip_ws(sc);
		if (sc->i >= sc->n || sc->s[sc->i] < '0' || sc->s[sc->i] > '9')
			return fail(r, err, errsize, "header 'shape' must hold non-negative integers, found %s",
			            near(sc, buf, sizeof buf));
		long long d = 0;
		while (sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9') {
			int digit = sc->s[sc->i++] - '0';
			if (d > (MAX_COUNT - digit) / 10)
				return fail(r, err, errsize, "header 'shape' has a dimension too large, at most %lld expected",
				            (long long)MAX_COUNT);
			d = d * 10 + digit;
		}
		if (sc->i < sc->n && sc->s[sc->i] == 'L')
			sc->i++;
		if (r->rank == MAX_RANK)
			return fail(r, err, errsize, "header 'shape' has more than %d dimensions", MAX_RANK);
		r->shape[r->rank++] = d;
		if (d != 0 && r->count > MAX_COUNT / d)
			return fail(r, err, errsize, "header 'shape' holds more than %lld elements", (long long)MAX_COUNT);
		r->count *= d;
		if (eat(sc, ')')) {
			if (r->rank == 1) /* "(5)" is the integer 5 in Python, not a tuple */
				return fail(r, err, errsize, "header 'shape' (%lld) is not a tuple, expected (%lld,)", d, d);
			break;
		}
		if (!eat(sc, ','))
			return fail(r, err, errsize, "header 'shape' expects ',' or ')' after a dimension, found %s",
			            near(sc, buf, sizeof buf));
		if (eat(sc, ')'))
			break;
	}
	return 0;
}

/* Parses the whole dict into r; checks dtype and order. */
static int parse_header(rt_npy *r, const char *text, size_t len, char *err, size_t errsize)
{
	Scan sc = { text, len, 0 };
	char key[32], val[32], buf[20];
	int seen_descr = 0, seen_order = 0, seen_shape = 0;

	if (!eat(&sc, '{'))
		return fail(r, err, errsize, "header is not a dict, expected '{' and found %s", near(&sc, buf, sizeof buf));
	while (!eat(&sc, '}')) {
		if (!scan_string(&sc, key, sizeof key))
			return fail(r, err, errsize, "header dict expects a quoted key, found %s", near(&sc, buf, sizeof buf));
		if (!eat(&sc, ':'))
			return fail(r, err, errsize, "header dict expects ':' after '%s', found %s", key,
			            near(&sc, buf, sizeof buf));
		if (strcmp(key, "descr") == 0 && !seen_descr++) {
			if (!scan_string(&sc, val, sizeof val))
				return fail(r, err, errsize,
				            "header 'descr' must be a dtype string, found %s; expected '<f4' (float32)",
				            near(&sc, buf, sizeof buf));
			int ok = strcmp(val, "<f4") == 0 || (strcmp(val, "=f4") == 0 && host_is_little_endian());
			if (!ok)
				return fail(r, err, errsize, "dtype '%s' is not supported, expected '<f4' (little-endian float32)",
				            val);
		} else if (strcmp(key, "fortran_order") == 0 && !seen_order++) {
			if (!scan_word(&sc, val, sizeof val) || (strcmp(val, "False") != 0 && strcmp(val, "True") != 0))
				return fail(r, err, errsize, "header 'fortran_order' must be True or False, found %s",
				            near(&sc, buf, sizeof buf));
			if (strcmp(val, "True") == 0)
				return fail(r, err, errsize,
				            "array is in Fortran order, expected C order (save with np.ascontiguousarray)");
		} else if (strcmp(key, "shape") == 0 && !seen_shape++) {
			if (scan_shape(r, &sc, err, errsize) != 0)
				return -1;
		} else if (!strcmp(key, "descr") || !strcmp(key, "fortran_order") || !strcmp(key, "shape")) {
			return fail(r, err, errsize, "header dict repeats the key '%s'", key);
		} else {
			return fail(r, err, errsize,
			            "header dict has the unexpected key '%s', expected only descr, fortran_order, shape", key);
		}
		if (!eat(&sc, ',')) {
			if (!eat(&sc, '}'))
				return fail(r, err, errsize, "header dict expects ',' or '}', found %s", near(&sc, buf, sizeof buf));
			break;
		}
	}
	skip_ws(&sc);
	if (sc.i != sc.n)
		return fail(r, err, errsize, "header has %s after its dict, expected only blanks",
		            near(&sc, buf, sizeof buf));
	if (!seen_descr || !seen_order || !seen_shape)
		return fail(r, err, errsize, "header dict lacks the key '%s'",
		            !seen_descr ? "descr" : !seen_order ? "fortran_order" : "shape");
	return 0;
}

/* ---- reading -------------------------------------------------------- */

/* Reads exactly n bytes; 0 on success. */
static int read_exact(FILE *f, void *buf, size_t n) { return fread(buf, 1, n, f) == n ? 0 : -1; }

int rt_npy_open_read(rt_npy *r, const char *path, char *err, size_t errsize)
{
	unsigned char pre[12];
	char text[MAX_HEADER];
	size_t hlen, lenbytes;

	memset(r, 0, sizeof *r);
	set_path(r, path);
	r->f = fopen(path, "rb");
	if (!r->f)
		return fail(r, err, errsize, "cannot open for reading: %s", strerror(errno));

	if (read_exact(r->f, pre, 8) != 0 || memcmp(pre, MAGIC, 6) != 0) {
		fail(r, err, errsize, "not a .npy file, expected it to start with \"\\x93NUMPY\"");
		goto bad;
	}
	if (pre[6] < 1 || pre[6] > 3 || pre[7] != 0) {
		fail(r, err, errsize, "unsupported .npy version %d.%d, expected 1.0, 2.0 or 3.0", pre[6], pre[7]);
		goto bad;
	}
	lenbytes = pre[6] == 1 ? 2 : 4;
	if (read_exact(r->f, pre + 8, lenbytes) != 0) {
		fail(r, err, errsize, "truncated .npy header, the file ends inside it");
		goto bad;
	}
	hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
	if (lenbytes == 4)
		hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
	if (hlen > MAX_HEADER) {
		fail(r, err, errsize, "header of %lu bytes is too long, at most %d expected", (unsigned long)hlen,
		     MAX_HEADER);
		goto bad;
	}
	if (read_exact(r->f, text, hlen) != 0) {
		fail(r, err, errsize, "truncated .npy header, the file ends inside it");
		goto bad;
	}
	if (parse_header(r, text, hlen, err, errsize) != 0)
		goto bad;

	/* Check the data size now if the stream can tell us. */
	long here = ftell(r->f);
	if (here >= 0 && fseek(r->f, 0, SEEK_END) == 0) {
		long end = ftell(r->f);
		if (end >= 0 && fseek(r->f, here, SEEK_SET) == 0) {
			long long have = (long long)end - here;
			if (have < r->count * 4) {
				fail(r, err, errsize, "truncated data: shape needs %lld floats (%lld bytes), file has %lld bytes",
				     r->count, r->count * 4, have);
				goto bad;
			}
		} else {
			clearerr(r->f);
			fseek(r->f, here, SEEK_SET);
		}
	} else {
		clearerr(r->f);
	}
	return 0;
bad:
	fclose(r->f);
	r->f = NULL;
	return -1;
}

int rt_npy_read(rt_npy *r, float *dst, size_t count, char *err, size_t errsize)
{
	if (!r->f)
		return fail(r, err, errsize, "read from a file that is not open");
	if ((unsigned long long)count > (unsigned long long)(r->count - r->done))
		return fail(r, err, errsize, "asked for %lu floats, only %lld of %lld remain", (unsigned long)count,
		            r->count - r->done, r->count);
	size_t got = fread(dst, sizeof *dst, count, r->f);
	if (got != count) {
		if (ferror(r->f))
			return fail(r, err, errsize, "read failed: %s", strerror(errno));
		return fail(r, err, errsize, "truncated data: the file ends after %lld of %lld floats",
		            r->done + (long long)got, r->count);
	}
	if (!host_is_little_endian())
		swap4(dst, count);
	r->done += (long long)count;
	return 0;
}

/* ---- writing -------------------------------------------------------- */

int rt_npy_open_write(rt_npy *w, const char *path, int rank, const long long *shape, char *err, size_t errsize)
{
	char head[512]; /* magic, version, length, dict: fits 8 dims of 19 digits */
	int k;

	memset(w, 0, sizeof *w);
	set_path(w, path);
	if (strlen(path) >= sizeof w->path)
		return fail(w, err, errsize, "path is too long, at most %d bytes expected", (int)sizeof w->path - 1);
	if (rank < 0 || rank > MAX_RANK)
		return fail(w, err, errsize, "cannot write %d dims, 0 to %d expected", rank, MAX_RANK);
	w->rank = rank;
	w->count = 1;
	for (int i = 0; i < rank; i++) {
		if (shape[i] < 0 || (shape[i] != 0 && w->count > MAX_COUNT / shape[i]))
			return fail(w, err, errsize, "cannot write shape[%d] = %lld", i, shape[i]);
		w->shape[i] = shape[i];
		w->count *= shape[i];
	}

	k = snprintf(head + 10, sizeof head - 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
	for (int i = 0; i < rank; i++)
		k += snprintf(head + 10 + k, sizeof head - 10 - (size_t)k, "%lld%s", shape[i],
		              (i + 1 < rank) ? ", " : (rank == 1 ? "," : ""));
	k += snprintf(head + 10 + k, sizeof head - 10 - (size_t)k, "), }");
	/* pad with spaces and a final '\n' so 10 + header is a multiple of 64 */
	size_t total = (10 + (size_t)k + 1 + 63) / 64 * 64;
	memset(head + 10 + k, ' ', total - 10 - (size_t)k - 1);
	head[total - 1] = '\n';
	memcpy(head, MAGIC, 6);
	head[6] = 1;
	head[7] = 0;
	head[8] = (char)((total - 10) & 0xff);
	head[9] = (char)((total - 10) >> 8);

	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) { /* a device or a FIFO: written through */
		w->through = 1;
		w->f = fopen(path, "wb");
		if (!w->f)
			return fail(w, err, errsize, "cannot open for writing: %s", strerror(errno));
	} else {
		int fd;
		if ((size_t)snprintf(w->tmp, sizeof w->tmp, "%s.tmp-XXXXXX", path) >= sizeof w->tmp)
			return fail(w, err, errsize, "path is too long for its temporary name");
		fd = mkstemp(w->tmp);
		if (fd < 0)
			return fail(w, err, errsize, "cannot create '%s': %s", w->tmp, strerror(errno));
		w->f = fdopen(fd, "wb");
		if (!w->f) {
			close(fd);
			remove(w->tmp);
			return fail(w, err, errsize, "cannot create '%s': %s", w->tmp, strerror(errno));
		}
	}
	if (fwrite(head, 1, total, w->f) != total) {
		fail(w, err, errsize, "write failed: %s", strerror(errno));
		fclose(w->f);
		w->f = NULL;
		if (!w->through)
			remove(w->tmp);
		return -1;
	}
	return 0;
}

int rt_npy_write(rt_npy *w, const float *src, size_t count, char *err, size_t errsize)
{
	if (!w->f)
		return fail(w, err, errsize, "write to a file that is not open");
	if ((unsigned long long)count > (unsigned long long)(w->count - w->done))
		return fail(w, err, errsize, "asked to write %lu floats, only %lld of %lld remain", (unsigned long)count,
		            w->count - w->done, w->count);
	if (host_is_little_endian()) {
		if (fwrite(src, sizeof *src, count, w->f) != count)
			return fail(w, err, errsize, "write failed: %s", strerror(errno));
	} else {
		float chunk[256];
		for (size_t i = 0; i < count; i += 256) {
			size_t m = count - i < 256 ? count - i : 256;
			memcpy(chunk, src + i, m * sizeof *src);
			swap4(chunk, m);
			if (fwrite(chunk, sizeof *src, m, w->f) != m)
				return fail(w, err, errsize, "write failed: %s", strerror(errno));
		}
	}
	w->done += (long long)count;
	return 0;
}

int rt_npy_close(rt_npy *f, int commit, char *err, size_t errsize)
{
	int rc = 0;
	if (!f->f)
		return 0;
	if (!f->tmp[0] && !f->through) { /* a reader */
		fclose(f->f);
		f->f = NULL;
		return 0;
	}
	if (commit && f->done != f->count)
		rc = fail(f, err, errsize, "only %lld of %lld floats were written", f->done, f->count);
	if (fflush(f->f) != 0 || ferror(f->f)) {
		if (rc == 0 && commit)
			rc = fail(f, err, errsize, "write failed: %s", strerror(errno));
	}
	if (!f->through && commit && rc == 0) { /* the mode a new file gets: 0666 less the umask */
		mode_t mask = umask(0);
		umask(mask);
		if (fchmod(fileno(f->f), 0666 & ~mask) != 0)
			rc = fail(f, err, errsize, "cannot set the mode of '%s': %s", f->tmp, strerror(errno));
	}
	if (fclose(f->f) != 0 && rc == 0 && commit)
		rc = fail(f, err, errsize, "write failed: %s", strerror(errno));
	f->f = NULL;
	if (f->through) {
		f->through = 0;
		return rc;
	}
	if (commit && rc == 0 && rename(f->tmp, f->path) != 0)
		rc = fail(f, err, errsize, "cannot rename '%s' onto it: %s", f->tmp, strerror(errno));
	if (!commit || rc != 0)
		remove(f->tmp);
	f->tmp[0] = '\0';
	return rc;
}
