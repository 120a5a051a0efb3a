/*
 * fuzz_npy.c: runtime/npy.c's reader on arbitrary files.
 *
 * The input is a whole .npy file. rt_npy_open_read either fails with a
 * message ("PATH: error: ...") or opens a file whose shape we check
 * (rank 0..8, count the product of the dims); then every float is read
 * with rt_npy_read in chunks whose size comes from the input, into a
 * buffer of exactly that size, and one read past the end must fail.
 * Files that read back whole are written again with rt_npy_open_write and
 * must read back to the same shape and bytes: the writer's header for
 * any shape the reader accepts.
 *
 * The reader returns errors and allocates nothing, so there is nothing
 * to catch and leak detection stays on.
 *
 * Seeds: tests/fuzz/npy/; crashes once found: .../regressions/.
 */
#include "fuzz.h"

#include "cnnrt.h"

#define ROUND_TRIP_MAX (1 << 16) /* floats: larger files skip the rewrite */

static float buf[4096]; /* largest chunk read at once */

/* Opens path, checks its shape; reads all of it into all (when not NULL)
 * in chunks of chunk floats. Returns 0 when every float was read. */
static int read_all(rt_npy *r, const char *path, size_t chunk, float *all)
{
	char err[512];
	err[0] = 0;
	if (rt_npy_open_read(r, path, err, sizeof err) != 0) {
		FUZZ_CHECK(err[0] && !r->f);
		return -1;
	}
	FUZZ_CHECK(r->rank >= 0 && r->rank <= 8);
	long long count = 1;
	for (int i = 0; i < r->rank; i++) {
		FUZZ_CHECK(r->shape[i] >= 0);
		count *= r->shape[i]; /* the reader bounds the product */
	}
	FUZZ_CHECK(count == r->count && r->done == 0);
	while (r->done < r->count) {
		size_t want = (size_t)(r->count - r->done) < chunk ? (size_t)(r->count - r->done) : chunk;
		float *dst = all ? all + r->done : buf;
		if (rt_npy_read(r, dst, want, err, sizeof err) != 0) {
			/* open saw enough bytes, so a regular file cannot run short */
			fprintf(stderr, "fuzz: read failed after open succeeded: %s\n", err);
			abort();
		}
	}
	FUZZ_CHECK(rt_npy_read(r, buf, 1, err, sizeof err) != 0);
	FUZZ_CHECK(rt_npy_close(r, 0, err, sizeof err) == 0 && !r->f);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_temp_write(data, size, "input.npy");
	size_t chunk = size ? 1 + (size_t)data[size - 1] * 16 : 1; /* 1..4081 */
	rt_npy r;
	if (read_all(&r, path, chunk, NULL) != 0 || r.count > ROUND_TRIP_MAX)
		return 0;

	/* read again, whole, then write and read back */
	static float in[ROUND_TRIP_MAX], out[ROUND_TRIP_MAX];
	FUZZ_CHECK(read_all(&r, path, sizeof buf / sizeof buf[0], in) == 0);
	char err[512], copy[4300];
	snprintf(copy, sizeof copy, "%s/copy.npy", fuzz_temp_dir);
	rt_npy w;
	if (rt_npy_open_write(&w, copy, r.rank, r.shape, err, sizeof err) != 0 ||
	    rt_npy_write(&w, in, (size_t)r.count, err, sizeof err) != 0 || rt_npy_close(&w, 1, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz: cannot write back what was read: %s\n", err);
		abort();
	}
	rt_npy back;
	FUZZ_CHECK(read_all(&back, copy, sizeof buf / sizeof buf[0], out) == 0);
	unlink(copy);
	FUZZ_CHECK(back.rank == r.rank && back.count == r.count);
	FUZZ_CHECK(!memcmp(back.shape, r.shape, sizeof r.shape));
	FUZZ_CHECK(!memcmp(in, out, (size_t)r.count * sizeof *in));
	return 0;
}
