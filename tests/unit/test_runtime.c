/*
 * test_runtime.c: hand-computed cases for every runtime kernel and for the
 * .npy reader and writer.
 *
 * Each kernel test carries its input and the expected output worked out by
 * hand next to it (the comments show the arithmetic), on shapes small
 * enough to check on paper: a 3x3 image, a 2x2 kernel, a 5x5 ramp. The
 * torch comparison on odd shapes lives in tests/runtime/check_kernels.py;
 * these tests pin down the edge rules (padding never wins a max, PyTorch's
 * avg-pool divisor, overlapping adaptive bins, stable sigmoid and softmax).
 *
 * test_winograd is the exception: Winograd's transforms cannot be checked
 * on paper, so it compares rt_conv2d_winograd with rt_conv2d_direct_ep on
 * random data over odd shapes (edge tiles), both tile sizes.
 *
 * The .npy tests write a round trip and then one malformed file per error
 * the reader must name, into a fresh temporary directory.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cnnrt.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void expect_floats(const float *got, const float *want, size_t n, float tol)
{
	for (size_t i = 0; i < n; i++) {
		if (!(fabsf(got[i] - want[i]) <= tol)) {
			print_error("element %zu: got %.9g, expected %.9g\n", i, (double)got[i], (double)want[i]);
			fail();
		}
	}
}

/* 1..9 as a 3x3 image */
static const float RAMP9[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

/* ---- conv_direct.c -------------------------------------------------- */

static rt_conv2d_params conv(int n, int c, int h, int w, int oc, int oh, int ow, int k, int s, int p, int d, int g)
{
	rt_conv2d_params q = { n, c, h, w, oc, oh, ow, k, k, s, s, p, p, d, d, g };
	return q;
}

static void test_conv_basic(void **state)
{
	(void)state;
	/* 2x2 kernel [[1,0],[0,1]] on 1..9: each output is top-left + bottom-right,
	 * plus bias 0.5: 1+5, 2+6, 4+8, 5+9 */
	rt_conv2d_params p = conv(1, 1, 3, 3, 1, 2, 2, 2, 1, 0, 1, 1);
	float w[4] = { 1, 0, 0, 1 }, b[1] = { 0.5f }, y[4];
	float want[4] = { 6.5f, 8.5f, 12.5f, 14.5f };
	rt_conv2d_direct(&p, RAMP9, w, b, y);
	expect_floats(y, want, 4, 0);
}

static void test_conv_padding(void **state)
{
	(void)state;
	/* 3x3 ones, padding 1: each output is the sum of its 3x3 neighbourhood */
	rt_conv2d_params p = conv(1, 1, 3, 3, 1, 3, 3, 3, 1, 1, 1, 1);
	float w[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 }, y[9];
	float want[9] = { 12, 21, 16, 27, 45, 33, 24, 39, 28 };
	rt_conv2d_direct(&p, RAMP9, w, NULL, y);
	expect_floats(y, want, 9, 0);
}

static void test_conv_stride(void **state)
{
	(void)state;
	/* same, stride 2: the four corners of the padded result */
	rt_conv2d_params p = conv(1, 1, 3, 3, 1, 2, 2, 3, 2, 1, 1, 1);
	float w[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 }, y[4];
	float want[4] = { 12, 16, 24, 28 };
	rt_conv2d_direct(&p, RAMP9, w, NULL, y);
	expect_floats(y, want, 4, 0);
}

static void test_conv_dilation(void **state)
{
	(void)state;
	/* x[i][j] = 5i + j on 5x5; 2x2 ones at dilation 2 sum x at offsets
	 * (0,0) (0,2) (2,0) (2,2): 4 * (5oy + ox) + 0 + 2 + 10 + 12 */
	float x[25], y[9], want[9], w[4] = { 1, 1, 1, 1 };
	for (int i = 0; i < 25; i++)
		x[i] = (float)i;
	for (int oy = 0; oy < 3; oy++)
		for (int ox = 0; ox < 3; ox++)
			want[oy * 3 + ox] = (float)(4 * (5 * oy + ox) + 24);
	rt_conv2d_params p = conv(1, 1, 5, 5, 1, 3, 3, 2, 1, 0, 2, 1);
	rt_conv2d_direct(&p, x, w, NULL, y);
	expect_floats(y, want, 9, 0);
}

static void test_conv_groups(void **state)
{
	(void)state;
	/* 4 channels in 2 groups of 2, 1x1 kernels, batch 2.
	 * oc 0 sees c0, c1: 1*x0 + 10*x1;  oc 1 sees c2, c3: 100*x2 + 1000*x3 */
	rt_conv2d_params p = conv(2, 4, 1, 1, 2, 1, 1, 1, 1, 0, 1, 2);
	float x[8] = { 1, 2, 3, 4, -1, 0, 0, 1 }, w[4] = { 1, 10, 100, 1000 }, y[4];
	float want[4] = { 21, 4300, -1, 1000 };
	rt_conv2d_direct(&p, x, w, NULL, y);
	expect_floats(y, want, 4, 0);
}

static void test_conv_depthwise(void **state)
{
	(void)state;
	/* groups == c == 2, channel multiplier 2: oc 0, 1 see c0; oc 2, 3 see c1 */
	rt_conv2d_params p = conv(1, 2, 1, 1, 4, 1, 1, 1, 1, 0, 1, 2);
	float x[2] = { 3, 5 }, w[4] = { 1, 2, 3, 4 }, b[4] = { 0, 0, 0, 1 }, y[4];
	float want[4] = { 3, 6, 15, 21 };
	rt_conv2d_direct(&p, x, w, b, y);
	expect_floats(y, want, 4, 0);
}

/* ---- linear.c ------------------------------------------------------- */

static void test_linear(void **state)
{
	(void)state;
	float x[6] = { 1, 2, 3, 4, 5, 6 };
	float w[6] = { 1, 0, -1, 0.5f, 0.5f, 0.5f }, b[2] = { 1, -1 }, y[4];
	/* row 0: 1-3+1, 3-1; row 1: 4-6+1, 7.5-1 */
	float want[4] = { -1, 2, -1, 6.5f };
	rt_linear(2, 3, 2, x, w, b, y);
	expect_floats(y, want, 4, 0);
	float want_nob[4] = { -2, 3, -2, 7.5f };
	rt_linear(2, 3, 2, x, w, NULL, y);
	expect_floats(y, want_nob, 4, 0);
}

/* ---- eltwise.c ------------------------------------------------------ */

static void test_batch_norm(void **state)
{
	(void)state;
	/* ch 0: (x-2)/2*2+1, ch 1: (x-15)/5; eps 0 keeps it exact; in place */
	float x[4] = { 1, 3, 10, 20 };
	float gamma[2] = { 2, 1 }, beta[2] = { 1, 0 }, mean[2] = { 2, 15 }, var[2] = { 4, 25 };
	float want[4] = { 0, 2, -1, 1 };
	rt_batch_norm(1, 2, 2, x, gamma, beta, mean, var, 0.0f, x);
	expect_floats(x, want, 4, 0);
}

static void test_activations(void **state)
{
	(void)state;
	float x[5] = { -1, 0, 2, 7, -2 }, y[5];
	float relu[5] = { 0, 0, 2, 7, 0 }, relu6[5] = { 0, 0, 2, 6, 0 };
	float leaky[5] = { -0.1f, 0, 2, 7, -0.2f };
	rt_relu(5, x, y);
	expect_floats(y, relu, 5, 0);
	rt_relu6(5, x, y);
	expect_floats(y, relu6, 5, 0);
	rt_leaky_relu(5, 0.1f, x, y);
	expect_floats(y, leaky, 5, 1e-7f);

	float t[3] = { 0, 1, -20 }, tw[3] = { 0, 0.7615941559557649f, -1 };
	rt_tanh(3, t, t);
	expect_floats(t, tw, 3, 1e-7f);
}

static void test_sigmoid(void **state)
{
	(void)state;
	float x[6] = { 0, 100, -100, 1000, -1000, 2 }, y[6];
	rt_sigmoid(6, x, y);
	float want[6] = { 0.5f, 1, 0, 1, 0, 0.8807970779778823f };
	expect_floats(y, want, 6, 1e-7f);
	/* sigmoid(-100) = e^-100 / (1 + e^-100) ~ 3.72e-44: tiny, not NaN */
	assert_true(y[2] >= 0 && y[2] < 1e-40f);
	for (int i = 0; i < 6; i++)
		assert_false(isnan(y[i]));
}

static void test_add_copy_concat(void **state)
{
	(void)state;
	float a[4] = { 1, 2, 3, 4 }, b[4] = { 10, 20, 30, 40 }, y[4];
	float sum[4] = { 11, 22, 33, 44 };
	rt_add(4, a, b, y);
	expect_floats(y, sum, 4, 0);
	rt_copy(4, b, y);
	expect_floats(y, b, 4, 0);

	/* n 2, hw 2: a has 1 channel at offset 0, b has 2 at offset 1 of 3 */
	float c[12];
	float cb[8] = { 5, 6, 7, 8, 50, 60, 70, 80 };
	rt_concat_part(2, 1, 2, 3, 0, a, c);
	rt_concat_part(2, 2, 2, 3, 1, cb, c);
	float want[12] = { 1, 2, 5, 6, 7, 8, 3, 4, 50, 60, 70, 80 };
	expect_floats(c, want, 12, 0);
}

/* op of x and y, as the kernels compute it (IEEE float). */
static float binop(rt_binop op, float x, float y)
{
	switch (op) {
	case RT_BIN_ADD: return x + y;
	case RT_BIN_SUB: return x - y;
	case RT_BIN_MUL: return x * y;
	case RT_BIN_DIV: return x / y;
	}
	return 0;
}

/* The binary kernels in vectors with ragged ends: every op, in place, on
 * counts and planes that are not multiples of a vector (13 values: one or
 * three vectors and a rest), from an unaligned start; the per-channel op
 * in NCHW (cl 1) and in chunks of 4 and 8 (a vector of AVX or of SSE),
 * of 3 (no vector), with s on either side and per sample. */
static void test_binary_ends(void **state)
{
	(void)state;
	enum { N = 2, C = 8, HW = 13, ALL = N * C * HW, BIG = N * 3 * HW * 3 /* cl 3: 3 chunks of 3 */ };
	float a[BIG + 1], b[BIG + 1], y[BIG + 1], want[BIG];
	for (int i = 0; i <= BIG; i++)
		a[i] = (float)((i * 37) % 23) - 11.5f, b[i] = (float)((i * 11) % 7) + 0.25f;
	for (int op = RT_BIN_ADD; op <= RT_BIN_DIV; op++) {
		memcpy(y, a, sizeof y);
		rt_binary((rt_binop)op, ALL, y + 1, b + 1, y + 1);
		for (int i = 0; i < ALL; i++)
			want[i] = binop((rt_binop)op, a[i + 1], b[i + 1]);
		expect_floats(y + 1, want, ALL, 0);
		for (int first = 0; first < 2; first++) {
			memcpy(y, a, sizeof y);
			rt_binary_scalar((rt_binop)op, HW, y + 1, 2.5f, first, y + 1);
			for (int i = 0; i < HW; i++)
				want[i] = first ? binop((rt_binop)op, 2.5f, a[i + 1]) : binop((rt_binop)op, a[i + 1], 2.5f);
			expect_floats(y + 1, want, HW, 0);
			static const int cls[] = {1, 3, 4, 8};
			for (size_t k = 0; k < NELEM(cls); k++)
				for (int batch = 0; batch < 2; batch++) {
					int cl = cls[k], nb = (C + cl - 1) / cl; /* a's size: N * nb * HW * cl */
					memcpy(y, a, sizeof y);
					rt_binary_channel((rt_binop)op, N, C, HW, cl, y + 1, b, batch, first, y + 1);
					for (int i = 0; i < N * nb * HW * cl; i++) {
						int plane = i / (HW * cl), l = i % cl;
						float sv = b[((batch ? plane / nb : 0) * nb + plane % nb) * cl + l];
						want[i] = first ? binop((rt_binop)op, sv, a[i + 1]) : binop((rt_binop)op, a[i + 1], sv);
					}
					expect_floats(y + 1, want, (size_t)(N * nb * HW * cl), 0);
				}
		}
	}
}

/* A number of -0 with a tensor, in vectors and in the ragged end: the
 * same bits as the scalar op in every place (x / -0 is -inf for x > 0,
 * x * -0 is -0; a broadcast that made the number +0 gave +inf and +0 in
 * the vectors and -inf and -0 in the end). */
static void test_binary_negative_zero(void **state)
{
	(void)state;
	enum { HW = 13 };
	float a[HW], y[HW];
	for (int i = 0; i < HW; i++)
		a[i] = (float)(i + 1) * 0.75f;
	for (int op = RT_BIN_ADD; op <= RT_BIN_DIV; op++)
		for (int first = 0; first < 2; first++) {
			rt_binary_scalar((rt_binop)op, HW, a, -0.0f, first, y);
			for (int i = 0; i < HW; i++) {
				float want = first ? binop((rt_binop)op, -0.0f, a[i]) : binop((rt_binop)op, a[i], -0.0f);
				if (memcmp(&want, &y[i], sizeof want) != 0) {
					print_error("op %d, -0 %s, element %d: got %.9g, expected %.9g\n", op,
					            first ? "first" : "second", i, (double)y[i], (double)want);
					fail();
				}
			}
		}
}

static void test_softmax(void **state)
{
	(void)state;
	/* equal large inputs: max subtraction keeps them finite, 1/3 each */
	float big[3] = { 1000, 1000, 1000 }, y[3];
	rt_softmax(1, 3, 1, big, y);
	float third[3] = { 1 / 3.0f, 1 / 3.0f, 1 / 3.0f };
	expect_floats(y, third, 3, 1e-7f);

	/* 1, 2, 3: e^k / (e + e^2 + e^3); sums to 1 */
	float x[3] = { 1, 2, 3 };
	rt_softmax(1, 3, 1, x, y);
	float want[3] = { 0.09003057317038046f, 0.24472847105479764f, 0.6652409557748219f };
	expect_floats(y, want, 3, 1e-7f);
	assert_true(fabsf(y[0] + y[1] + y[2] - 1) < 1e-6f);

	/* over dim 1 with hw 2, in place: position 0 has (0, ln 3) -> (1/4, 3/4),
	 * position 1 has (0, 1000) -> (0, 1) */
	float s[4] = { 0, 0, logf(3), 1000 };
	rt_softmax(1, 2, 2, s, s);
	float ws[4] = { 0.25f, 0, 0.75f, 1 };
	expect_floats(s, ws, 4, 1e-6f);
}

/* ---- pool.c --------------------------------------------------------- */

static rt_pool2d_params pool(int h, int w, int oh, int ow, int k, int s, int p, int cip)
{
	rt_pool2d_params q = { 1, 1, h, w, oh, ow, k, k, s, s, p, p, cip };
	return q;
}

static void test_max_pool_padding(void **state)
{
	(void)state;
	/* all inputs negative, so a zero pad would win if it were counted.
	 * k 2, s 2, p 1 on -1..-9: windows {x00} {x01,x02} {x10,x20} {x11,x12,x21,x22} */
	float x[9], y[4];
	for (int i = 0; i < 9; i++)
		x[i] = -RAMP9[i];
	rt_pool2d_params p = pool(3, 3, 2, 2, 2, 2, 1, 0);
	float want[4] = { -1, -2, -4, -5 };
	rt_max_pool2d(&p, x, y);
	expect_floats(y, want, 4, 0);
}

static void test_max_pool_ceil(void **state)
{
	(void)state;
	/* 4x4 ramp 0..15, k 3, s 2, ceil_mode: 2x2 output, the last window
	 * rows/cols 2..4 is clipped to 2..3 */
	float x[16], y[4];
	for (int i = 0; i < 16; i++)
		x[i] = (float)i;
	rt_pool2d_params p = pool(4, 4, 2, 2, 3, 2, 0, 0);
	float want[4] = { 10, 11, 14, 15 };
	rt_max_pool2d(&p, x, y);
	expect_floats(y, want, 4, 0);
}

static void test_avg_pool_pad(void **state)
{
	(void)state;
	/* k 2, s 2, p 1 on 1..9. Sums: {1} {2,3} {4,7} {5,6,8,9} = 1 5 11 28.
	 * count_include_pad: every window is 2x2 in the padded input -> /4.
	 * without: divide by the in-image cells 1 2 2 4. */
	float y[4];
	rt_pool2d_params p = pool(3, 3, 2, 2, 2, 2, 1, 1);
	float with[4] = { 0.25f, 1.25f, 2.75f, 7 };
	rt_avg_pool2d(&p, RAMP9, y);
	expect_floats(y, with, 4, 0);
	p.count_include_pad = 0;
	float without[4] = { 1, 2.5f, 5.5f, 7 };
	rt_avg_pool2d(&p, RAMP9, y);
	expect_floats(y, without, 4, 0);
}

static void test_avg_pool_ceil_edge(void **state)
{
	(void)state;
	/* 4x4 ones, k 3, s 2, p 1, ceil_mode: 3x3 output. Along one axis the
	 * windows are [-1,2) [1,4) [3,5): the last hangs past the right pad
	 * (3+3 = 6 > 4+1), so hend = min(6, 5) = 5 and its pool size is 2, of
	 * which 1 cell is real. Cells in the image per axis: 2 3 1; pool size
	 * per axis: 3 3 2. With ones, the output is real / divisor. */
	float x[16], y[9];
	for (int i = 0; i < 16; i++)
		x[i] = 1;
	const int real[3] = { 2, 3, 1 }, size[3] = { 3, 3, 2 };
	float with[9], without[9];
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++) {
			with[a * 3 + b] = (float)(real[a] * real[b]) / (float)(size[a] * size[b]);
			without[a * 3 + b] = 1;
		}
	rt_pool2d_params p = pool(4, 4, 3, 3, 3, 2, 1, 1);
	rt_avg_pool2d(&p, x, y);
	expect_floats(y, with, 9, 1e-7f);
	assert_true(fabsf(y[8] - 0.25f) < 1e-7f); /* 1 real cell of a 2x2 pool */
	p.count_include_pad = 0;
	rt_avg_pool2d(&p, x, y);
	expect_floats(y, without, 9, 1e-7f);
}

static void test_adaptive_pool(void **state)
{
	(void)state;
	/* 5 -> 3: bins [0,2) [1,4) [3,5), overlapping. x[i][j] = 5i + j, so a
	 * bin's mean is 5 * (mean row) + (mean col), with means 0.5 2 3.5. */
	float x[25], y[9], want[9];
	const float m[3] = { 0.5f, 2, 3.5f };
	for (int i = 0; i < 25; i++)
		x[i] = (float)i;
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
			want[a * 3 + b] = 5 * m[a] + m[b];
	rt_adaptive_avg_pool2d(1, 1, 5, 5, 3, 3, x, y);
	expect_floats(y, want, 9, 1e-6f);

	/* global: 3x3 -> 1x1 is the mean, 5 */
	rt_adaptive_avg_pool2d(1, 1, 3, 3, 1, 1, RAMP9, y);
	assert_true(fabsf(y[0] - 5) < 1e-6f);
}

/* ---- npy.c ---------------------------------------------------------- */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_runtime.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *tpath(const char *name)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
	return buf;
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void test_npy_round_trip(void **state)
{
	(void)state;
	char err[512];
	const char *path = tpath("a.npy");
	long long shape[3] = { 2, 3, 1 };
	float data[6] = { 1.5f, -2, 3, 1e-30f, 1e30f, -0.0f }, back[6];
	rt_npy f;

	assert_int_equal(rt_npy_open_write(&f, path, 3, shape, err, sizeof err), 0);
	assert_int_equal(rt_npy_write(&f, data, 4, err, sizeof err), 0);
	assert_false(exists(path)); /* nothing under the real name yet */
	assert_int_equal(rt_npy_write(&f, data + 4, 2, err, sizeof err), 0);
	assert_int_not_equal(rt_npy_write(&f, data, 1, err, sizeof err), 0); /* one too many */
	assert_non_null(strstr(err, "only 0 of 6 remain"));
	assert_int_equal(rt_npy_close(&f, 1, err, sizeof err), 0);
	assert_true(exists(path));
	/* header padded so the data starts on a 64-byte boundary */
	assert_int_equal((file_size(path) - 24) % 64, 0);

	assert_int_equal(rt_npy_open_read(&f, path, err, sizeof err), 0);
	assert_int_equal(f.rank, 3);
	assert_int_equal(f.shape[0], 2);
	assert_int_equal(f.shape[1], 3);
	assert_int_equal(f.shape[2], 1);
	assert_int_equal(f.count, 6);
	assert_int_equal(rt_npy_read(&f, back, 2, err, sizeof err), 0);
	assert_int_equal(rt_npy_read(&f, back + 2, 4, err, sizeof err), 0);
	assert_memory_equal(back, data, sizeof data);
	assert_int_not_equal(rt_npy_read(&f, back, 1, err, sizeof err), 0);
	assert_int_equal(rt_npy_close(&f, 0, err, sizeof err), 0);

	/* rank 1 is written "(5,)", rank 0 "()" */
	long long five = 5;
	float z[5] = { 0, 1, 2, 3, 4 };
	assert_int_equal(rt_npy_open_write(&f, path, 1, &five, err, sizeof err), 0);
	assert_int_equal(rt_npy_write(&f, z, 5, err, sizeof err), 0);
	assert_int_equal(rt_npy_close(&f, 1, err, sizeof err), 0);
	assert_int_equal(rt_npy_open_read(&f, path, err, sizeof err), 0);
	assert_int_equal(f.rank, 1);
	assert_int_equal(f.count, 5);
	rt_npy_close(&f, 0, err, sizeof err);
	assert_int_equal(rt_npy_open_write(&f, path, 0, NULL, err, sizeof err), 0);
	assert_int_equal(rt_npy_write(&f, z + 3, 1, err, sizeof err), 0);
	assert_int_equal(rt_npy_close(&f, 1, err, sizeof err), 0);
	assert_int_equal(rt_npy_open_read(&f, path, err, sizeof err), 0);
	assert_int_equal(f.rank, 0);
	assert_int_equal(f.count, 1);
	assert_int_equal(rt_npy_read(&f, back, 1, err, sizeof err), 0);
	assert_true(back[0] == 3);
	rt_npy_close(&f, 0, err, sizeof err);
}

static void test_npy_no_commit(void **state)
{
	(void)state;
	char err[512];
	const char *path = tpath("b.npy");
	long long shape[2] = { 2, 2 };
	float data[4] = { 0 };
	rt_npy f;

	/* commit = 0 removes the temporary and leaves no file */
	assert_int_equal(rt_npy_open_write(&f, path, 2, shape, err, sizeof err), 0);
	assert_int_equal(rt_npy_write(&f, data, 4, err, sizeof err), 0);
	assert_int_equal(rt_npy_close(&f, 0, err, sizeof err), 0);
	assert_false(exists(path));

	/* commit with elements missing fails and leaves no file */
	assert_int_equal(rt_npy_open_write(&f, path, 2, shape, err, sizeof err), 0);
	assert_int_equal(rt_npy_write(&f, data, 3, err, sizeof err), 0);
	assert_int_not_equal(rt_npy_close(&f, 1, err, sizeof err), 0);
	assert_non_null(strstr(err, "only 3 of 4 floats were written"));
	assert_false(exists(path));

	/* and the directory holds no leftover temporaries */
	char tmp[300];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	assert_false(exists(tmp));
}

/* Writes a .npy with the given version and header dict (padded and ended
 * with '\n' as numpy does), then data_bytes bytes of zeros. */
static const char *write_raw(const char *name, const char *magic, int major, const char *dict, size_t data_bytes)
{
	const char *path = tpath(name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	size_t lenbytes = major == 1 ? 2 : 4, d = strlen(dict);
	size_t total = (6 + 2 + lenbytes + d + 1 + 63) / 64 * 64;
	size_t hlen = total - 6 - 2 - lenbytes;
	unsigned char pre[12] = { 0 };
	memcpy(pre, magic, 6);
	pre[6] = (unsigned char)major;
	pre[7] = 0;
	for (size_t i = 0; i < lenbytes; i++)
		pre[8 + i] = (unsigned char)(hlen >> (8 * i));
	fwrite(pre, 1, 8 + lenbytes, f);
	fputs(dict, f);
	for (size_t i = d; i + 1 < hlen; i++)
		fputc(' ', f);
	fputc('\n', f);
	for (size_t i = 0; i < data_bytes; i++)
		fputc(0, f);
	fclose(f);
	return path;
}

#define GOOD_MAGIC "\x93NUMPY"

/* Opens path and expects failure with a message containing want. */
static void expect_open_error(const char *path, const char *want)
{
	char err[512];
	rt_npy f;
	int rc = rt_npy_open_read(&f, path, err, sizeof err);
	if (rc == 0 || !strstr(err, want) || !strstr(err, ": error: ")) {
		print_error("%s: rc %d, message \"%s\", expected one containing \"%s\"\n", path, rc, rc ? err : "",
		            want);
		fail();
	}
	assert_null(f.f);
}

static void test_npy_versions(void **state)
{
	(void)state;
	char err[512];
	rt_npy f;
	const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
	/* 2.0 and 3.0 have a 4-byte header length; both read */
	assert_int_equal(rt_npy_open_read(&f, write_raw("v2.npy", GOOD_MAGIC, 2, dict, 8), err, sizeof err), 0);
	rt_npy_close(&f, 0, err, sizeof err);
	assert_int_equal(rt_npy_open_read(&f, write_raw("v3.npy", GOOD_MAGIC, 3, dict, 8), err, sizeof err), 0);
	rt_npy_close(&f, 0, err, sizeof err);
	/* double quotes, other key order, no trailing comma, '=f4', 'L' suffix */
	const char *odd = "{\"shape\": (1L, 2), \"descr\": \"=f4\", \"fortran_order\": False}";
	assert_int_equal(rt_npy_open_read(&f, write_raw("odd.npy", GOOD_MAGIC, 1, odd, 8), err, sizeof err), 0);
	assert_int_equal(f.rank, 2);
	rt_npy_close(&f, 0, err, sizeof err);
	expect_open_error(write_raw("v4.npy", GOOD_MAGIC, 4, dict, 8), "unsupported .npy version 4.0");
}

static void test_npy_errors(void **state)
{
	(void)state;
	const char *ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
	expect_open_error(tpath("missing.npy"), "cannot open");
	expect_open_error(write_raw("magic.npy", "\x93NUMPZ", 1, ok, 16), "not a .npy file");
	expect_open_error(write_raw("fortran.npy", GOOD_MAGIC, 1,
	                            "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16),
	                  "Fortran order");
	expect_open_error(write_raw("f8.npy", GOOD_MAGIC, 1,
	                            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 32),
	                  "dtype '<f8' is not supported, expected '<f4'");
	expect_open_error(write_raw("be.npy", GOOD_MAGIC, 1,
	                            "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", 16),
	                  "dtype '>f4'");
	expect_open_error(write_raw("short.npy", GOOD_MAGIC, 1, ok, 12), "truncated data");
	expect_open_error(write_raw("shape.npy", GOOD_MAGIC, 1,
	                            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", 16),
	                  "'shape' must hold non-negative integers");
	expect_open_error(write_raw("neg.npy", GOOD_MAGIC, 1,
	                            "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 16),
	                  "'shape' must hold non-negative integers");
	expect_open_error(write_raw("notuple.npy", GOOD_MAGIC, 1,
	                            "{'descr': '<f4', 'fortran_order': False, 'shape': (4), }", 16),
	                  "not a tuple");
	expect_open_error(write_raw("rank9.npy", GOOD_MAGIC, 1,
	                            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 4),
	                  "more than 8 dimensions");
	expect_open_error(write_raw("huge.npy", GOOD_MAGIC, 1,
	                            "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }",
	                            4),
	                  "holds more than");
	expect_open_error(write_raw("nokey.npy", GOOD_MAGIC, 1, "{'descr': '<f4', 'shape': (2, 2), }", 16),
	                  "lacks the key 'fortran_order'");
	expect_open_error(write_raw("extra.npy", GOOD_MAGIC, 1,
	                            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", 16),
	                  "unexpected key 'x'");
	expect_open_error(write_raw("dup.npy", GOOD_MAGIC, 1,
	                            "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8),
	                  "repeats the key 'descr'");
	expect_open_error(write_raw("garbage.npy", GOOD_MAGIC, 1, "\x01\x02garbage", 16), "not a dict");
	expect_open_error(write_raw("tail.npy", GOOD_MAGIC, 1,
	                            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), } junk", 16),
	                  "after its dict");
	expect_open_error(write_raw("unterm.npy", GOOD_MAGIC, 1, "{'descr': '<f4", 16),
	                  "'descr' must be a dtype string, found ''<f4");

	/* a file that ends inside the header */
	const char *path = tpath("cut.npy");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fwrite("\x93NUMPY\x01\x00\x40\x00{'descr'", 1, 17, f);
	fclose(f);
	expect_open_error(path, "ends inside");
}

/* A truncated file the reader cannot size up front (a pipe) fails on read. */
static void test_npy_truncated_read(void **state)
{
	(void)state;
	char err[512], cmd[600];
	char src[256], fifo[256];
	snprintf(src, sizeof src, "%s",
	         write_raw("pipe_src.npy", GOOD_MAGIC, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 8));
	snprintf(fifo, sizeof fifo, "%s", tpath("fifo.npy"));
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(cmd, sizeof cmd, "cat '%s' > '%s' &", src, fifo);
	assert_int_equal(system(cmd), 0);
	rt_npy f;
	float buf[4];
	assert_int_equal(rt_npy_open_read(&f, fifo, err, sizeof err), 0);
	assert_int_not_equal(rt_npy_read(&f, buf, 4, err, sizeof err), 0);
	assert_non_null(strstr(err, "truncated data: the file ends after 2 of 4 floats"));
	rt_npy_close(&f, 0, err, sizeof err);
}

/* Random bytes after a valid prefix: the parser must fail cleanly (ASan
 * and UBSan builds watch for anything worse). */
static void test_npy_garbage(void **state)
{
	(void)state;
	char err[512], dict[200];
	const char *base = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
	unsigned seed = 12345;
	for (int round = 0; round < 2000; round++) {
		size_t n = strlen(base);
		memcpy(dict, base, n + 1);
		for (int k = 0; k < 1 + round % 4; k++) { /* flip a few bytes */
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % n;
			seed = seed * 1103515245u + 12345u;
			dict[at] = (char)(1 + (seed >> 16) % 255);
		}
		rt_npy f;
		const char *path = write_raw("fuzz.npy", GOOD_MAGIC, 1, dict, 24);
		if (rt_npy_open_read(&f, path, err, sizeof err) == 0)
			rt_npy_close(&f, 0, err, sizeof err);
		else
			assert_non_null(strstr(err, ": error: "));
	}
}

/* ---- winograd.c: against the direct reference on random data -------- */

/* G of F(2x2, 3x3) and F(4x4, 3x3), as compiler/passes/pack.c uses them. */
static const double G2[4][3] = { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } };
static const double G4[6][3] = {
	{ 1.0 / 4, 0, 0 },
	{ -1.0 / 6, -1.0 / 6, -1.0 / 6 },
	{ -1.0 / 6, 1.0 / 6, -1.0 / 6 },
	{ 1.0 / 24, 1.0 / 12, 1.0 / 6 },
	{ 1.0 / 24, -1.0 / 12, 1.0 / 6 },
	{ 0, 0, 1 },
};

static float uniform(uint32_t *seed) /* in [-1, 1) */
{
	*seed = *seed * 1664525u + 1013904223u;
	return (float)(*seed >> 8) / (float)(1u << 23) - 1.0f;
}

/* w: [oc, c, 3, 3] -> u: [a*a] x U[xi] [oc, c] packed by RT_GEMM_MR rows. */
static float *winograd_weights(int m, int c, int oc, const float *w)
{
	int a = m + 2;
	long long per = RT_GEMM_PACKED(oc, c);
	float *u = calloc((size_t)(a * a * per), sizeof *u);
	assert_non_null(u);
	for (int o = 0; o < oc; o++)
		for (int ci = 0; ci < c; ci++) {
			const float *g = w + ((size_t)o * c + ci) * 9;
			for (int i = 0; i < a; i++)
				for (int j = 0; j < a; j++) {
					double s = 0;
					for (int k = 0; k < 3; k++)
						for (int l = 0; l < 3; l++)
							s += (m == 2 ? G2[i][k] * G2[j][l] : G4[i][k] * G4[j][l]) * g[k * 3 + l];
					u[(i * a + j) * per + (o / RT_GEMM_MR) * RT_GEMM_MR * c + ci * RT_GEMM_MR +
					  o % RT_GEMM_MR] = (float)s;
				}
		}
	return u;
}

/* Max |winograd - direct| / max |direct| over one shape, with bias,
 * residual and an activation in the epilogue. */
static double winograd_error(int m, int n, int c, int h, int w, int oc, int pad, int act)
{
	int oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
	rt_conv2d_params p = { n, c, h, w, oc, oh, ow, 3, 3, 1, 1, pad, pad, 1, 1, 1 };
	size_t nx = (size_t)n * c * h * w, nw = (size_t)oc * c * 9, ny = (size_t)n * oc * oh * ow;
	float *x = malloc(nx * sizeof *x), *wt = malloc(nw * sizeof *wt), *b = malloc((size_t)oc * sizeof *b);
	float *res = malloc(ny * sizeof *res), *want = malloc(ny * sizeof *want), *got = malloc(ny * sizeof *got);
	float *scratch = malloc((size_t)RT_WINOGRAD_FLOATS(m, c, oc, oh, ow) * sizeof *scratch);
	assert_true(x && wt && b && res && want && got && scratch);
	uint32_t seed = (uint32_t)(m * 7919 + c * 131 + h * 17 + w + oc * 3 + pad);
	for (size_t i = 0; i < nx; i++)
		x[i] = uniform(&seed);
	for (size_t i = 0; i < nw; i++)
		wt[i] = uniform(&seed) / sqrtf(9.0f * c);
	for (int i = 0; i < oc; i++)
		b[i] = 0.1f * uniform(&seed);
	for (size_t i = 0; i < ny; i++)
		res[i] = uniform(&seed);
	rt_epilogue ep = { b, res, act, 0.1f, 0.5f, NULL };
	float *u = winograd_weights(m, c, oc, wt);
	rt_conv2d_direct_ep(&p, x, wt, &ep, want);
	memset(got, 0xff, ny * sizeof *got); /* NaN: every output must be written */
	rt_conv2d_winograd(&p, m, 1, x, u, &ep, got, scratch);
	double err = 0, top = 0;
	for (size_t i = 0; i < ny; i++) {
		double d = fabs((double)got[i] - want[i]);
		err = d > err || d != d ? d : err;
		top = fabs(want[i]) > top ? fabs(want[i]) : top;
	}
	free(x), free(wt), free(b), free(res), free(want), free(got), free(scratch), free(u);
	return err / (top > 0 ? top : 1);
}

static void test_winograd(void **state)
{
	(void)state;
	/* odd output sizes (edge tiles), padding 0 and 1, channels 1, 3, 13, 37 */
	static const int shapes[][7] = {
		/* n, c, h, w, oc, pad, act */
		{ 1, 1, 3, 3, 1, 0, RT_ACT_NONE },     /* one output: a single edge tile */
		{ 1, 3, 13, 11, 13, 1, RT_ACT_RELU },  /* 13x11 */
		{ 2, 13, 11, 9, 37, 0, RT_ACT_NONE },  /* 9x7, batch 2 */
		{ 1, 37, 7, 9, 37, 1, RT_ACT_LEAKY_RELU }, /* 7x9 */
		{ 1, 37, 16, 16, 13, 1, RT_ACT_RELU6 },    /* 16x16: no edge tiles */
		{ 1, 16, 10, 6, 6, 2, RT_ACT_NONE },   /* padding 2: 12x8 */
		{ 1, 37, 41, 39, 37, 1, RT_ACT_RELU }, /* 41x39: more tiles than one block */
		{ 1, 37, 30, 61, 13, 1, RT_ACT_RELU }, /* rows of 16 or 31 tiles: vectors of tiles cross rows and blocks */
		{ 2, 13, 5, 40, 37, 0, RT_ACT_RELU6 }, /* 3x38: one row of tiles */
		{ 1, 64, 9, 9, 70, 1, RT_ACT_SIGMOID }, /* oc not a multiple of the GEMM's 6 rows; a scalar activation */
		/* rows of VW/2 tiles, two rows a vector (pair_rows): 4 tiles a
		 * row with AVX2 (ow 13..16 at F(4x4), 7..8 at F(2x2)), 2 with
		 * SSE (5..8, 3..4), 8 with AVX-512; odd counts of tile rows
		 * leave a last row alone, edge tiles clip both rows */
		{ 1, 13, 14, 14, 37, 1, RT_ACT_RELU },  /* 14x14: F(4x4) 4 rows of 4 tiles */
		{ 2, 37, 11, 15, 13, 1, RT_ACT_RELU },  /* 11x15: 3 rows of 4 (F(4x4)), 6 of 8 (F(2x2)) */
		{ 1, 37, 7, 7, 37, 1, RT_ACT_RELU },    /* 7x7: F(2x2) 4 rows of 4 tiles, F(4x4) 2 of 2 */
		{ 1, 13, 9, 9, 13, 0, RT_ACT_NONE },    /* 7x7, padding 0 */
		{ 1, 3, 5, 8, 13, 1, RT_ACT_LEAKY_RELU }, /* 5x8: 3 rows of 4 tiles (F(2x2)), 2 of 2 (F(4x4)) */
		{ 1, 13, 17, 7, 13, 1, RT_ACT_RELU },   /* 17x7: F(4x4) 5 rows of 2, F(2x2) 9 of 4 */
		{ 1, 13, 30, 30, 13, 1, RT_ACT_RELU },  /* 30x30 with AVX-512: 8 tiles a row at F(4x4) */
	};
	for (size_t i = 0; i < NELEM(shapes); i++) {
		const int *s = shapes[i];
		for (int m = 2; m <= 4; m += 2) {
			double err = winograd_error(m, s[0], s[1], s[2], s[3], s[4], s[5], s[6]);
			double tol = m == 2 ? 1e-4 : 1e-3;
			if (!(err < tol)) {
				print_error("F(%dx%d) shape %zu: relative error %.3g, limit %.0e\n", m, m, i, err, tol);
				fail();
			}
		}
	}
}

static void test_now_ms(void **state)
{
	(void)state;
	double a = rt_now_ms(), b = rt_now_ms();
	assert_true(a > 0 && b >= a);
}

int main(void)
{
	const struct CMUnitTest kernels[] = {
		cmocka_unit_test(test_conv_basic),     cmocka_unit_test(test_conv_padding),
		cmocka_unit_test(test_conv_stride),    cmocka_unit_test(test_conv_dilation),
		cmocka_unit_test(test_conv_groups),    cmocka_unit_test(test_conv_depthwise),
		cmocka_unit_test(test_linear),         cmocka_unit_test(test_batch_norm),
		cmocka_unit_test(test_activations),    cmocka_unit_test(test_sigmoid),
		cmocka_unit_test(test_add_copy_concat), cmocka_unit_test(test_binary_ends), cmocka_unit_test(test_binary_negative_zero),
		cmocka_unit_test(test_softmax),
		cmocka_unit_test(test_max_pool_padding), cmocka_unit_test(test_max_pool_ceil),
		cmocka_unit_test(test_avg_pool_pad),   cmocka_unit_test(test_avg_pool_ceil_edge),
		cmocka_unit_test(test_adaptive_pool),  cmocka_unit_test(test_now_ms),
		cmocka_unit_test(test_winograd),
	};
	const struct CMUnitTest npy[] = {
		cmocka_unit_test(test_npy_round_trip), cmocka_unit_test(test_npy_no_commit),
		cmocka_unit_test(test_npy_versions),   cmocka_unit_test(test_npy_errors),
		cmocka_unit_test(test_npy_truncated_read), cmocka_unit_test(test_npy_garbage),
	};
	int failed = cmocka_run_group_tests_name("runtime kernels", kernels, NULL, NULL);
	failed += cmocka_run_group_tests_name("runtime npy", npy, make_tmpdir, remove_tmpdir);
	return failed ? 1 : 0;
}
