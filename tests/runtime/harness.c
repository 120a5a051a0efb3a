/*
 * harness.c: runs one runtime kernel on .npy inputs, for check_kernels.py.
 *
 *     harness OP name=value ...
 *
 * Arguments ending in ".npy" name tensors (x, weight, b, gamma, ...; y is the
 * output); the others are integer or float parameters. The harness reads
 * every input through rt_npy (so the reader meets files numpy wrote), runs
 * the kernel with the sizes it was given, and writes y through rt_npy (so
 * numpy reads what the writer wrote). Output shapes come from the sizes
 * passed in (oh, ow from torch's own result): this tests the kernels, not
 * the compiler's shape rules. Unlike the runtime, the harness may malloc.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnnrt.h"

#define MAX_ARGS 64

static int nargs;
static const char *keys[MAX_ARGS], *vals[MAX_ARGS];
static void *owned[32]; /* every buffer, freed at the end (keeps LSan quiet) */
static int nowned;

static void die(const char *msg)
{
	fprintf(stderr, "harness: %s\n", msg);
	exit(2);
}

static const char *arg(const char *key)
{
	const char *found = NULL;
	for (int i = 0; i < nargs; i++)
		if (strcmp(keys[i], key) == 0) {
			if (found)
				die("an argument name is given twice");
			found = vals[i];
		}
	return found;
}

static int iarg(const char *key)
{
	const char *v = arg(key);
	if (!v) {
		fprintf(stderr, "harness: missing %s=\n", key);
		exit(2);
	}
	return atoi(v);
}

static float farg(const char *key)
{
	const char *v = arg(key);
	if (!v) {
		fprintf(stderr, "harness: missing %s=\n", key);
		exit(2);
	}
	return strtof(v, NULL);
}

static float *alloc(size_t count)
{
	float *p = calloc(count ? count : 1, sizeof *p);
	if (!p || nowned == (int)(sizeof owned / sizeof owned[0]))
		die("out of memory");
	owned[nowned++] = p;
	return p;
}

/* Reads tensor key (NULL if absent and optional); *count gets its size. */
static float *load(const char *key, int optional, size_t *count)
{
	char err[512];
	rt_npy f;
	const char *path = arg(key);
	if (!path) {
		if (optional)
			return NULL;
		fprintf(stderr, "harness: missing %s=FILE.npy\n", key);
		exit(2);
	}
	if (rt_npy_open_read(&f, path, err, sizeof err) != 0)
		die(err);
	float *d = alloc((size_t)f.count);
	/* read in two pieces to exercise partial reads */
	size_t half = (size_t)f.count / 2;
	if (rt_npy_read(&f, d, half, err, sizeof err) != 0 ||
	    rt_npy_read(&f, d + half, (size_t)f.count - half, err, sizeof err) != 0)
		die(err);
	rt_npy_close(&f, 0, err, sizeof err);
	if (count)
		*count = (size_t)f.count;
	return d;
}

static void save(int rank, const long long *shape, const float *y)
{
	char err[512];
	rt_npy f;
	size_t count = 1;
	for (int i = 0; i < rank; i++)
		count *= (size_t)shape[i];
	if (rt_npy_open_write(&f, arg("y"), rank, shape, err, sizeof err) != 0 ||
	    rt_npy_write(&f, y, count, err, sizeof err) != 0 || rt_npy_close(&f, 1, err, sizeof err) != 0)
		die(err);
}

/* Whether op names a row of acts.def (its elementwise kernel rt_<op>). */
static int eltwise_act(const char *op)
{
	static const char *const names[] = {
#define ACT(ID, name, kind) #name,
#include "acts.def"
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(op, names[i]) == 0)
			return 1;
	return 0;
}

/* The chunk size of the optional cl= argument for a tensor of c channels:
 * 0 when absent (NCHW kernels), c for cl=nhwc, else the number. */
static int chunk(int c)
{
	const char *v = arg("cl");
	return !v ? 0 : strcmp(v, "nhwc") == 0 ? c : atoi(v);
}

/* x: [n, c, hw] NCHW -> a new buffer in chunks of cl (and back with
 * to_nchw). */
static float *to_cl(int n, int c, int hw, int cl, const float *x)
{
	float *y = alloc((size_t)RT_CL_FLOATS(n, c, 1, hw, cl));
	rt_reorder(n, c, hw, 1, x, cl, y);
	return y;
}

static float *to_nchw(int n, int c, int hw, int cl, const float *x)
{
	float *y = alloc((size_t)n * c * hw);
	rt_reorder(n, c, hw, cl, x, 1, y);
	return y;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: harness OP name=value ...");
	const char *op = argv[1];
	for (int i = 2; i < argc && nargs < MAX_ARGS; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq)
			die("arguments are name=value");
		*eq = '\0';
		keys[nargs] = argv[i];
		vals[nargs++] = eq + 1;
	}

	size_t count;
	if (strcmp(op, "conv2d") == 0) {
		rt_conv2d_params p = { iarg("n"),  iarg("c"),  iarg("h"),  iarg("w"),  iarg("oc"), iarg("oh"),
		                       iarg("ow"), iarg("kh"), iarg("kw"), iarg("sh"), iarg("sw"), iarg("ph"),
		                       iarg("pw"), iarg("dh"), iarg("dw"), iarg("groups") };
		/* an epilogue when act= is given: act(conv(x) + b + res), act an
		 * RT_ACT_* number, p and q its parameters (slope=: p per channel) */
		float *x = load("x", 0, NULL), *w = load("weight", 0, NULL), *b = load("b", 1, NULL);
		float *res = load("res", 1, NULL);
		long long shape[4] = { p.n, p.oc, p.oh, p.ow };
		float *y = alloc((size_t)p.n * p.oc * p.oh * p.ow);
		int cl = chunk(p.c), clo = chunk(p.oc), act = arg("act") ? iarg("act") : -1;
		rt_epilogue ep = { b, res, act < 0 ? RT_ACT_NONE : act, act < 0 ? 0 : farg("p"), act < 0 ? 0 : farg("q"),
		                   load("slope", 1, NULL) };
		if (cl) { /* weight: packed for conv_cl.c; a depthwise conv when groups == c == oc */
			float *xc = to_cl(p.n, p.c, p.h * p.w, cl, x);
			float *yc = alloc((size_t)RT_CL_FLOATS(p.n, p.oc, p.oh, p.ow, clo));
			if (res) /* the residual in y's layout */
				ep.residual = to_cl(p.n, p.oc, p.oh * p.ow, clo, res);
			if (p.groups > 1 && p.groups == p.c && p.groups == p.oc)
				rt_conv2d_dw_cl(&p, cl, xc, w, &ep, yc);
			else
				rt_conv2d_cl(&p, cl, clo, xc, w, &ep, yc);
			y = to_nchw(p.n, p.oc, p.oh * p.ow, clo, yc);
		} else if (act >= 0)
			rt_conv2d_direct_ep(&p, x, w, &ep, y);
		else
			rt_conv2d_direct(&p, x, w, b, y);
		save(4, shape, y);
	} else if (strcmp(op, "depthwise") == 0 || strcmp(op, "stem") == 0 || strcmp(op, "gemm") == 0) {
		/* y = act(conv(x) + b + res); act: an RT_ACT_* number (slope=: its
		 * p per channel, a fused prelu) */
		rt_conv2d_params p = { iarg("n"),  iarg("c"),  iarg("h"),  iarg("w"),  iarg("oc"), iarg("oh"),
		                       iarg("ow"), iarg("kh"), iarg("kw"), iarg("sh"), iarg("sw"), iarg("ph"),
		                       iarg("pw"), iarg("dh"), iarg("dw"), iarg("groups") };
		float *x = load("x", 0, NULL), *w = load("weight", 0, NULL);
		rt_epilogue ep = { load("b", 1, NULL), load("res", 1, NULL), iarg("act"), farg("p"), farg("q"),
		                   load("slope", 1, NULL) };
		long long shape[4] = { p.n, p.oc, p.oh, p.ow };
		float *y = alloc((size_t)p.n * p.oc * p.oh * p.ow);
		if (op[0] == 'd')
			rt_conv2d_depthwise(&p, x, w, &ep, y);
		else if (op[0] == 'g' && arg("relu")) /* rt_conv2d_gemm_pro: x read as relu?(x * scale + shift) */
			rt_conv2d_gemm_pro(&p, 1, x, load("scale", 0, NULL), load("shift", 0, NULL), iarg("relu"), w, &ep, y,
			                   alloc((size_t)RT_IM2COL_FLOATS(p.oc, p.c, p.kh, p.kw, p.oh, p.ow)));
		else if (op[0] == 'g') /* weight: packed for rt_gemm, group by group */
			rt_conv2d_gemm(&p, 1, x, w, &ep, y,
			               alloc((size_t)RT_IM2COL_FLOATS(p.oc / p.groups, p.c / p.groups, p.kh, p.kw, p.oh,
			                                              p.ow)));
		else
			rt_conv2d_stem(&p, 1, x, w, &ep, y, alloc((size_t)RT_STEM_FLOATS(p.c, p.kh, p.kw, p.sw, p.dw, p.ow)));
		save(4, shape, y);
	} else if (strcmp(op, "winograd") == 0) {
		/* y = act(conv(x) + b + res) by F(m x m, 3 x 3) on `threads` threads;
		 * weight: U = G g G^T, [a*a] x [oc, c] packed as rt_gemm's A */
		rt_conv2d_params p = { iarg("n"),  iarg("c"),  iarg("h"),  iarg("w"),  iarg("oc"), iarg("oh"),
		                       iarg("ow"), 3,          3,          1,          1,          iarg("ph"),
		                       iarg("pw"), 1,          1,          1 };
		int m = iarg("m"), threads = iarg("threads");
		float *x = load("x", 0, NULL), *u = load("weight", 0, NULL);
		rt_epilogue ep = { load("b", 1, NULL), load("res", 1, NULL), iarg("act"), farg("p"), farg("q"),
		                   load("slope", 1, NULL) };
		long long shape[4] = { p.n, p.oc, p.oh, p.ow };
		float *y = alloc((size_t)p.n * p.oc * p.oh * p.ow);
		rt_threads(threads);
		rt_conv2d_winograd(&p, m, threads, x, u, &ep, y,
		                   alloc((size_t)threads * RT_WINOGRAD_FLOATS(m, p.c, p.oc, p.oh, p.ow)));
		save(4, shape, y);
	} else if (strcmp(op, "conv_transpose2d") == 0) {
		/* gemm=1: rt_conv_transpose2d_gemm with weight packed for rt_gemm
		 * and act= its epilogue; else the direct reference */
		rt_conv2d_params p = { iarg("n"),  iarg("c"),  iarg("h"),  iarg("w"),  iarg("oc"), iarg("oh"),
		                       iarg("ow"), iarg("kh"), iarg("kw"), iarg("sh"), iarg("sw"), iarg("ph"),
		                       iarg("pw"), iarg("dh"), iarg("dw"), iarg("groups") };
		float *x = load("x", 0, NULL), *w = load("weight", 0, NULL), *b = load("b", 1, NULL);
		long long shape[4] = { p.n, p.oc, p.oh, p.ow };
		float *y = alloc((size_t)p.n * p.oc * p.oh * p.ow);
		if (arg("gemm")) {
			rt_epilogue ep = { b, load("res", 1, NULL), iarg("act"), farg("p"), farg("q"), NULL };
			rt_conv_transpose2d_gemm(&p, x, w, &ep, y,
			                         alloc((size_t)RT_CONVT_FLOATS(p.oc / p.groups, p.kh, p.kw, p.h, p.w)));
		} else
			rt_conv_transpose2d_direct(&p, x, w, b, y);
		save(4, shape, y);
	} else if (strcmp(op, "pad") == 0) {
		/* top=, left=: the pads before each axis, negative to crop */
		int top = iarg("top"), left = iarg("left");
		rt_pad_params p = { iarg("n"), iarg("c"), iarg("h"), iarg("w"), iarg("oh"), iarg("ow"),
		                    top > 0 ? top : 0, left > 0 ? left : 0, top < 0 ? -top : 0, left < 0 ? -left : 0,
		                    iarg("mode"), farg("value") };
		float *x = load("x", 0, NULL);
		long long shape[4] = { p.n, p.c, p.oh, p.ow };
		float *y = alloc((size_t)p.n * p.c * p.oh * p.ow);
		rt_pad(&p, x, y);
		save(4, shape, y);
	} else if (strcmp(op, "resize") == 0) {
		/* interpolate; sh=, sw=: the scales as the compiler computes them;
		 * stream=: y is never read back (cnnrt.h) */
		rt_resize_params p = { iarg("n"), iarg("c"), iarg("h"), iarg("w"), iarg("oh"), iarg("ow"),
		                       iarg("bilinear"), iarg("align_corners"), farg("sh"), farg("sw"),
		                       iarg("stream") };
		float *x = load("x", 0, NULL);
		long long shape[4] = { p.n, p.c, p.oh, p.ow };
		float *y = alloc((size_t)p.n * p.c * p.oh * p.ow);
		rt_resize(&p, x, y);
		save(4, shape, y);
	} else if (strcmp(op, "linear") == 0) {
		int n = iarg("n"), in = iarg("in"), out = iarg("out");
		float *x = load("x", 0, NULL), *w = load("weight", 0, NULL), *b = load("b", 1, NULL);
		long long shape[2] = { n, out };
		float *y = alloc((size_t)n * out);
		rt_linear(n, in, out, x, w, b, y);
		save(2, shape, y);
	} else if (strcmp(op, "permute") == 0) {
		/* x: [d0, d1, d2, d3] -> y: its dims in the order p0..p3 */
		int dims[4] = { iarg("d0"), iarg("d1"), iarg("d2"), iarg("d3") };
		int perm[4] = { iarg("p0"), iarg("p1"), iarg("p2"), iarg("p3") };
		float *x = load("x", 0, &count), *y = alloc(count);
		long long shape[4];
		for (int i = 0; i < 4; i++)
			shape[i] = dims[perm[i]];
		rt_permute(dims, perm, x, y);
		save(4, shape, y);
	} else if (strcmp(op, "layer_norm") == 0 || strcmp(op, "layer_norm_channels") == 0) {
		/* x: [rows, inner] over the last dims, or [n, c, hw] over c (in place) */
		float *x = load("x", 0, &count), *w = load("weight", 1, NULL), *b = load("b", 1, NULL);
		if (strcmp(op, "layer_norm") == 0)
			rt_layer_norm(iarg("rows"), iarg("inner"), x, w, b, farg("eps"), x);
		else
			rt_layer_norm_channels(iarg("n"), iarg("c"), iarg("hw"), x, w, b, farg("eps"), x);
		long long shape[1] = { (long long)count };
		save(1, shape, x);
	} else if (strcmp(op, "batch_norm") == 0) {
		int n = iarg("n"), c = iarg("c"), hw = iarg("hw");
		float *x = load("x", 0, &count);
		int cl = chunk(c);
		float *xc = cl ? to_cl(n, c, hw, cl, x) : x;
		if (cl)
			rt_batch_norm_cl(n, c, hw, cl, xc, load("gamma", 0, NULL), load("beta", 0, NULL), load("mean", 0, NULL),
			                 load("var", 0, NULL), farg("eps"), xc); /* in place */
		else
			rt_batch_norm(n, c, hw, x, load("gamma", 0, NULL), load("beta", 0, NULL), load("mean", 0, NULL),
			              load("var", 0, NULL), farg("eps"), x); /* in place */
		x = cl ? to_nchw(n, c, hw, cl, xc) : x;
		long long shape[3] = { n, c, hw };
		save(3, shape, x);
	} else if (strcmp(op, "prelu") == 0) {
		/* x: [n, c, hw], slope: [nslope]; NCHW out of place, chunked in place */
		int n = iarg("n"), c = iarg("c"), hw = iarg("hw");
		size_t nslope;
		float *x = load("x", 0, &count), *slope = load("slope", 0, &nslope), *y = alloc(count);
		int cl = chunk(c);
		if (cl) {
			float *xc = to_cl(n, c, hw, cl, x);
			rt_prelu_cl(n, c, hw, cl, xc, slope, (int)nslope, xc);
			y = to_nchw(n, c, hw, cl, xc);
		} else {
			rt_prelu(n, c, hw, x, slope, (int)nslope, y);
		}
		long long shape[3] = { n, c, hw };
		save(3, shape, y);
	} else if (eltwise_act(op) || strcmp(op, "copy") == 0) {
		/* rt_<op> of a row of acts.def, its parameters p= (and q=) */
		float *x = load("x", 0, &count), *y = alloc(count);
		if (!eltwise_act(op))
			rt_copy(count, x, y);
#define ACT(ID, name, kind)               \
		else if (strcmp(op, #name) == 0) \
			rt_##name(count, x, y);
#define ACT_P(ID, name, kind, option, dflt) \
		else if (strcmp(op, #name) == 0)   \
			rt_##name(count, farg("p"), x, y);
#define ACT_P2(ID, name, kind, option, dflt, option2, dflt2) \
		else if (strcmp(op, #name) == 0)                  \
			rt_##name(count, farg("p"), farg("q"), x, y);
#include "acts.def"
		long long shape[1] = { (long long)count };
		save(1, shape, y);
	} else if (strcmp(op, "add") == 0) {
		float *a = load("a", 0, &count), *b = load("b", 0, NULL);
		rt_add(count, a, b, b); /* y aliases b */
		long long shape[1] = { (long long)count };
		save(1, shape, b);
	} else if (strcmp(op, "concat") == 0) {
		/* a: [n, ca, hw], b: [n, cb, hw] -> [n, ca + cb, hw] */
		int n = iarg("n"), ca = iarg("ca"), cb = iarg("cb"), hw = iarg("hw");
		float *a = load("a", 0, NULL), *b = load("b", 0, NULL), *y = alloc((size_t)n * (ca + cb) * hw);
		int cla = chunk(ca), clb = chunk(cb), cly = chunk(ca + cb);
		if (cly) {
			float *yc = alloc((size_t)RT_CL_FLOATS(n, ca + cb, 1, hw, cly));
			rt_concat_part_cl(n, ca, hw, cla, to_cl(n, ca, hw, cla, a), ca + cb, 0, cly, yc);
			rt_concat_part_cl(n, cb, hw, clb, to_cl(n, cb, hw, clb, b), ca + cb, ca, cly, yc);
			y = to_nchw(n, ca + cb, hw, cly, yc);
		} else {
			rt_concat_part(n, ca, hw, ca + cb, 0, a, y);
			rt_concat_part(n, cb, hw, ca + cb, ca, b, y);
		}
		long long shape[3] = { n, ca + cb, hw };
		save(3, shape, y);
	} else if (strcmp(op, "softmax") == 0) {
		int n = iarg("n"), c = iarg("c"), hw = iarg("hw");
		float *x = load("x", 0, NULL);
		rt_softmax(n, c, hw, x, x); /* in place */
		long long shape[3] = { n, c, hw };
		save(3, shape, x);
	} else if (strcmp(op, "max_pool2d") == 0 || strcmp(op, "avg_pool2d") == 0) {
		rt_pool2d_params p = { iarg("n"),  iarg("c"),  iarg("h"),  iarg("w"),  iarg("oh"), iarg("ow"), iarg("kh"),
		                       iarg("kw"), iarg("sh"), iarg("sw"), iarg("ph"), iarg("pw"), iarg("cip") };
		float *x = load("x", 0, NULL), *y = alloc((size_t)p.n * p.c * p.oh * p.ow);
		int cl = chunk(p.c);
		if (cl) {
			float *xc = to_cl(p.n, p.c, p.h * p.w, cl, x);
			float *yc = alloc((size_t)RT_CL_FLOATS(p.n, p.c, p.oh, p.ow, cl));
			if (op[0] == 'm')
				rt_max_pool2d_cl(&p, cl, xc, yc);
			else
				rt_avg_pool2d_cl(&p, cl, xc, yc);
			y = to_nchw(p.n, p.c, p.oh * p.ow, cl, yc);
		} else if (op[0] == 'm')
			rt_max_pool2d(&p, x, y);
		else
			rt_avg_pool2d(&p, x, y);
		long long shape[4] = { p.n, p.c, p.oh, p.ow };
		save(4, shape, y);
	} else if (strcmp(op, "adaptive_avg_pool2d") == 0) {
		int n = iarg("n"), c = iarg("c"), h = iarg("h"), w = iarg("w"), oh = iarg("oh"), ow = iarg("ow");
		float *x = load("x", 0, NULL), *y = alloc((size_t)n * c * oh * ow);
		int cl = chunk(c);
		if (cl) {
			float *yc = alloc((size_t)RT_CL_FLOATS(n, c, oh, ow, cl));
			rt_adaptive_avg_pool2d_cl(n, c, h, w, oh, ow, cl, to_cl(n, c, h * w, cl, x), yc);
			y = to_nchw(n, c, oh * ow, cl, yc);
		} else
			rt_adaptive_avg_pool2d(n, c, h, w, oh, ow, x, y);
		long long shape[4] = { n, c, oh, ow };
		save(4, shape, y);
	} else if (strcmp(op, "slice") == 0 || strcmp(op, "channel_shuffle") == 0) {
		/* slice: x: [n, c, hw] -> channels [first, first + count);
		 * channel_shuffle: x, y: [n, c, hw] in groups */
		int n = iarg("n"), c = iarg("c"), hw = iarg("hw"), slice = op[0] == 's';
		int first = slice ? iarg("first") : 0, count = slice ? iarg("count") : c;
		float *x = load("x", 0, NULL), *y = alloc((size_t)n * count * hw);
		int clx = chunk(c), cly = chunk(count);
		if (cly) {
			size_t ny = (size_t)RT_CL_FLOATS(n, count, 1, hw, cly);
			float *yc = alloc(ny);
			for (size_t i = 0; i < ny; i++)
				yc[i] = NAN; /* the kernel must write every float, padding lanes 0 */
			if (slice)
				rt_slice_channels_cl(n, c, hw, clx, to_cl(n, c, hw, clx, x), first, count, cly, yc);
			else
				rt_channel_shuffle_cl(n, c, hw, iarg("groups"), clx, to_cl(n, c, hw, clx, x), yc);
			for (size_t i = 0; i < ny; i++)
				if ((int)(i % (size_t)cly) + (int)(i / ((size_t)cly * hw) % (size_t)((count + cly - 1) / cly)) * cly >=
				        count && yc[i] != 0.0f)
					die("a padding lane is not zero");
			y = to_nchw(n, count, hw, cly, yc);
		} else if (slice)
			rt_slice_channels(n, c, hw, first, count, x, y);
		else
			rt_channel_shuffle(n, c, hw, iarg("groups"), x, y);
		long long shape[3] = { n, count, hw };
		save(3, shape, y);
	} else {
		die("unknown op");
	}
	for (int i = 0; i < nowned; i++)
		free(owned[i]);
	return 0;
}
