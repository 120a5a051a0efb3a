/*
 * calibrate.c: running the FP32 model over the calibration samples.
 *
 * Nothing is interpreted here: the graph (BN folded, NCHW, unfused; see
 * quantize in main.c) is emitted as C with a hook after each observed
 * layer (emit/emit_observe.c) and the usual --main driver, built with
 * the same C compiler and runtime as `cnnc build`, and run over
 * CALIB.npy: the values observed are the ones the compiled FP32 model
 * computes. minmax needs one run; percentile and entropy a second, with
 * the ranges of the first, for the histograms. Everything lives in a
 * temporary directory ($TMPDIR or /tmp) removed at the end or on any
 * error.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include "../cnnc.h"

#include "../../runtime/cnnrt.h" /* rt_npy */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* rt_npy's message without its "PATH: error: " (diag_error adds it). */
static const char *npy_reason(const char *err, const char *path)
{
	size_t len = strlen(path);
	if (!strncmp(err, path, len) && !strncmp(err + len, ": error: ", 9))
		return err + len + 9;
	return err;
}

long long quant_check_calibration(const Graph *g, const char *path)
{
	fclose(file_open_regular(path, "a calibration .npy file"));
	const Node *in = &g->nodes[g->input];
	static rt_npy r;
	char err[512];
	if (rt_npy_open_read(&r, path, err, sizeof err) != 0)
		diag_error(path, 0, "%s", npy_reason(err, path));
	char want[128] = "N", got[128] = "";
	for (int i = 1; i < in->rank; i++)
		snprintf(want + strlen(want), sizeof want - strlen(want), ", %d", in->shape[i]);
	for (int i = 0; i < r.rank; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", i ? ", " : "", r.shape[i]);
	bool ok = r.rank == in->rank && r.shape[0] % in->shape[0] == 0;
	for (int i = 1; ok && i < in->rank; i++)
		ok = r.shape[i] == in->shape[i];
	if (!ok) {
		rt_npy_close(&r, 0, err, sizeof err);
		diag_error(path, 0, "calibration data of shape (%s) does not fit the model's input '%s' (%s), "
		           "N samples along dim 0, N a multiple of the batch %d", got, in->name, want, in->shape[0]);
	}
	if (r.shape[0] == 0) {
		rt_npy_close(&r, 0, err, sizeof err);
		diag_error(path, 0, "calibration data of shape (%s) holds no sample; expected at least one (%s)", got,
		           want);
	}
	long long per = ir_numel(in) / in->shape[0];
	float buf[4096];
	for (long long done = 0; done < r.count;) {
		size_t want_n = (size_t)(r.count - done < 4096 ? r.count - done : 4096);
		if (rt_npy_read(&r, buf, want_n, err, sizeof err) != 0)
			diag_error(path, 0, "%s", npy_reason(err, path));
		for (size_t i = 0; i < want_n; i++)
			if (!isfinite(buf[i])) {
				long long at = done + (long long)i;
				rt_npy_close(&r, 0, err, sizeof err);
				diag_error(path, 0, "sample %lld holds %s at element %lld; calibration needs finite inputs",
				           at / per, isnan(buf[i]) ? "NaN" : "an infinity", at % per);
			}
		done += (long long)want_n;
	}
	rt_npy_close(&r, 0, err, sizeof err);
	return r.shape[0];
}

/* Temporary files, removed at the end (and by diag on an error exit). */
typedef struct {
	Arena *a;
	const char *dir;       /* the directory */
	const char *files[10]; /* paths in it */
	int n;                 /* how many */
} Temp;

static const char *temp_file(Temp *t, const char *name)
{
	const char *p = arena_printf(t->a, "%s/%s", t->dir, name);
	if (t->n == 10)
		BUG("too many temporary files");
	t->files[t->n++] = p;
	diag_temp_add(p);
	return p;
}

static void temp_remove(Temp *t)
{
	for (int i = 0; i < t->n; i++) {
		unlink(t->files[i]);
		diag_temp_forget(t->files[i]);
	}
	rmdir(t->dir);
	diag_temp_forget(t->dir);
}

/* Runs the calibration program over calib; var: NULL, or
 * CNNC_OBSERVE_RANGES or CNNC_OBSERVE_QPARAMS, naming file. */
static void run(const char *prog, const char *calib, const char *out, const char *stats, const char *var,
                const char *file)
{
	const char *argv[] = {prog, calib, out, NULL};
	const char *env[] = {"CNNC_OBSERVE_OUT", stats, var, file, NULL};
	fflush(stdout);
	int status = build_run(argv, env, "the calibration program");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		diag_error(calib, 0, "the calibration program failed (%s %d) running the model over this file",
		           WIFEXITED(status) ? "exit status" : "signal",
		           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* Reads the statistics file into st (nobs observers). */
static void read_stats(Arena *a, const char *path, QStats *st, int nobs, bool hist)
{
	FILE *f = fopen(path, "r");
	if (!f)
		diag_error(path, 0, "the calibration program wrote no statistics: %s", strerror(errno));
	for (int k = 0; k < nobs; k++) {
		int id;
		QStats *s = &st[k];
		if (fscanf(f, "%d %lld %lld %a %a %la %la", &id, &s->count, &s->bad, &s->min, &s->max, &s->signal,
		           &s->noise) != 7 || id != k)
			BUG("calibration statistics %s: bad line for observer %d", path, k);
		if (!hist)
			continue;
		s->hist = arena_alloc(a, 2 * QUANT_BINS * sizeof *s->hist);
		for (int b = 0; b < 2 * QUANT_BINS; b++)
			if (fscanf(f, "%llu", &s->hist[b]) != 1)
				BUG("calibration statistics %s: short histogram for observer %d", path, k);
	}
	fclose(f);
}

QStats *quant_calibrate(Graph *g, const QPlan *qp, const char *path, const char *target, const char *method,
                        QParams **qparams)
{
	bool hist = strcmp(method, "minmax") != 0;
	Arena *a = g->arena;
	const char *tmp = getenv("TMPDIR");
	Temp t = {.a = a};
	char *dir = arena_printf(a, "%s/cnnc-quantize-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	diag_block_signals(true);
	bool made = mkdtemp(dir) != NULL;
	if (made)
		diag_temp_add(dir);
	diag_block_signals(false);
	if (!made)
		diag_error(dir, 0, "cannot create a temporary directory: %s", strerror(errno));
	t.dir = dir;
	const char *prefix = arena_printf(a, "%s/calib", dir);
	temp_file(&t, "calib.c");
	temp_file(&t, "calib.h");
	temp_file(&t, "calib.weights");
	EmitOptions eo = {
		.prefix = prefix,
		.sym = "calib",
		.opt_level = 1,
		.main_driver = true,
		.threads = 1,
		.blob_min = 4 << 20,
		.observe = qp->obs,
		.observers = qp->nobs,
	};
	emit_c(g, &eo);
	const char *prog = temp_file(&t, "calib_program");
	/* the compiler command goes to stderr: stdout is quantize's summary */
	fprintf(stderr, "cnnc quantize: building the calibration program:\n");
	fflush(stdout);
	int saved = dup(1);
	dup2(2, 1);
	build_program(a, prefix, prog, target);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	const char *calib = path[0] == '-' ? arena_printf(a, "./%s", path) : path;
	const char *out = temp_file(&t, "out.npy"), *stats = temp_file(&t, "stats");
	QStats *st = arena_alloc(a, (size_t)(qp->nobs ? qp->nobs : 1) * sizeof *st);
	run(prog, calib, out, stats, NULL, NULL);
	read_stats(a, stats, st, qp->nobs, false);
	for (int k = 0; k < qp->nobs; k++) {
		if (!st[k].bad && st[k].count)
			continue;
		int at = 0;
		while (at < g->n && qp->obs[at] != k)
			at++;
		const Node *n = &g->nodes[at < g->n ? at : g->output];
		if (!st[k].count)
			BUG("observer %d of %s saw no value", k, n->name);
		diag_error(g->file, n->line, "%s: %lld of the %lld values it computed over the calibration data are "
		           "NaN or infinite; no scale can represent them (check the weights and the inputs)",
		           n->name, st[k].bad, st[k].count);
	}
	if (hist) {
		const char *ranges = temp_file(&t, "ranges");
		FILE *f = fopen(ranges, "w");
		if (!f)
			diag_error(ranges, 0, "cannot write: %s", strerror(errno));
		for (int k = 0; k < qp->nobs; k++)
			fprintf(f, "%d %a %a\n", k, (double)st[k].max, (double)-st[k].min);
		if (fclose(f) != 0)
			diag_error(ranges, 0, "cannot write: %s", strerror(errno));
		run(prog, calib, out, stats, "CNNC_OBSERVE_RANGES", ranges);
		read_stats(a, stats, st, qp->nobs, true);
	}
	QParams *q = *qparams = arena_alloc(a, (size_t)(qp->nobs ? qp->nobs : 1) * sizeof *q);
	const char *qfile = temp_file(&t, "qparams");
	FILE *f = fopen(qfile, "w");
	if (!f)
		diag_error(qfile, 0, "cannot write: %s", strerror(errno));
	for (int k = 0; k < qp->nobs; k++) {
		float lo, hi;
		quant_range(&st[k], method, &lo, &hi);
		q[k] = quant_affine_u8(lo, hi);
		if (qp->fixed_scale[k] > 0) {
			q[k].scale = qp->fixed_scale[k];
			q[k].zero_point = qp->fixed_zp[k];
			q[k].lo = -q[k].scale * (float)q[k].zero_point;
			q[k].hi = q[k].scale * (float)(255 - q[k].zero_point);
		}
		fprintf(f, "%d %a %a\n", k, (double)q[k].scale, (double)q[k].zero_point);
	}
	if (fclose(f) != 0)
		diag_error(qfile, 0, "cannot write: %s", strerror(errno));
	QStats *measured = arena_alloc(a, (size_t)(qp->nobs ? qp->nobs : 1) * sizeof *measured);
	run(prog, calib, out, stats, "CNNC_OBSERVE_QPARAMS", qfile);
	read_stats(a, stats, measured, qp->nobs, false);
	for (int k = 0; k < qp->nobs; k++) {
		st[k].signal = measured[k].signal;
		st[k].noise = measured[k].noise;
	}
	temp_remove(&t);
	return st;
}
