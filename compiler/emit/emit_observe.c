/*
 * emit_observe.c: the statistics of `cnnc quantize`'s calibration
 * program (and no other program's).
 *
 * The program is the model compiled with a hook after each layer whose
 * value an observer watches (quant/observe.c), plus the --main driver,
 * which runs every sample of CALIB.npy. cnnc_observe keeps per observer
 * the count, the NaN/Inf count and the min and max of the values; given
 * CNNC_OBSERVE_RANGES (a file of "k max -min" lines, from a first run)
 * it also counts them into two histograms of QUANT_BINS bins, one per
 * side of zero; given CNNC_OBSERVE_QPARAMS (a file of "k scale
 * zero_point" lines) it sums the squares of the values and of their
 * quantization errors (quantized to uint8 and back), for the SQNR. At
 * exit it writes every observer's line to the file CNNC_OBSERVE_OUT
 * names, floats in C99 hex ("%a"), exact:
 *     k count bad min max signal noise [pos bins... neg bins...]
 */
#include "emit.h"

static const char observer[] =
	"\n/* ---- calibration statistics (cnnc quantize) ----------------------- */\n\n"
	"#include <stdio.h>\n#include <stdlib.h>\n\n"
	"static long long q_count[Q_OBSERVERS], q_bad[Q_OBSERVERS];\n"
	"static float q_min[Q_OBSERVERS], q_max[Q_OBSERVERS];\n"
	"static float q_top[Q_OBSERVERS][2]; /* histogram ranges: max, -min (0: none) */\n"
	"static float q_scale[Q_OBSERVERS], q_zp[Q_OBSERVERS]; /* the SQNR run's qparams */\n"
	"static double q_signal[Q_OBSERVERS], q_noise[Q_OBSERVERS]; /* sums of x^2, (x - q(x))^2 */\n"
	"static unsigned long long q_hist[Q_OBSERVERS][2][Q_BINS];\n"
	"static int q_started, q_hist_on, q_sqnr_on;\n"
	"static const char *q_out;\n\n"
	"static void q_write(void)\n{\n"
	"\tFILE *f = fopen(q_out, \"w\");\n\tint k, s, b;\n\n"
	"\tif (!f)\n\t\treturn; /* cnnc finds no statistics and says so */\n"
	"\tfor (k = 0; k < Q_OBSERVERS; k++) {\n"
	"\t\tfprintf(f, \"%d %lld %lld %a %a %a %a\", k, q_count[k], q_bad[k], q_min[k], q_max[k], q_signal[k],\n"
	"\t\t        q_noise[k]);\n"
	"\t\tfor (s = 0; q_hist_on && s < 2; s++)\n"
	"\t\t\tfor (b = 0; b < Q_BINS; b++)\n"
	"\t\t\t\tfprintf(f, \" %llu\", q_hist[k][s][b]);\n"
	"\t\tfprintf(f, \"\\n\");\n\t}\n"
	"\tfclose(f);\n}\n\n"
	"static void q_start(void)\n{\n"
	"\tconst char *ranges = getenv(\"CNNC_OBSERVE_RANGES\"), *qparams = getenv(\"CNNC_OBSERVE_QPARAMS\");\n"
	"\tint k;\n\n"
	"\tq_started = 1;\n"
	"\tq_out = getenv(\"CNNC_OBSERVE_OUT\");\n"
	"\tfor (k = 0; k < Q_OBSERVERS; k++) {\n"
	"\t\tq_min[k] = HUGE_VALF;\n\t\tq_max[k] = -HUGE_VALF;\n\t}\n"
	"\tif (ranges) {\n"
	"\t\tFILE *f = fopen(ranges, \"r\");\n\t\tfloat a, b;\n\n"
	"\t\twhile (f && fscanf(f, \"%d %a %a\", &k, &a, &b) == 3)\n"
	"\t\t\tif (k >= 0 && k < Q_OBSERVERS) {\n"
	"\t\t\t\tq_top[k][0] = a;\n\t\t\t\tq_top[k][1] = b;\n\t\t\t}\n"
	"\t\tif (f)\n\t\t\tfclose(f);\n"
	"\t\tq_hist_on = 1;\n\t}\n"
	"\tif (qparams) {\n"
	"\t\tFILE *f = fopen(qparams, \"r\");\n\t\tfloat a, b;\n\n"
	"\t\twhile (f && fscanf(f, \"%d %a %a\", &k, &a, &b) == 3)\n"
	"\t\t\tif (k >= 0 && k < Q_OBSERVERS) {\n"
	"\t\t\t\tq_scale[k] = a;\n\t\t\t\tq_zp[k] = b;\n\t\t\t}\n"
	"\t\tif (f)\n\t\t\tfclose(f);\n"
	"\t\tq_sqnr_on = 1;\n\t}\n"
	"\tif (q_out)\n\t\tatexit(q_write);\n}\n\n"
	"/* x: n floats, one layer's value (NCHW), fed to observer k */\n"
	"void cnnc_observe(int k, const float *x, long long n)\n{\n"
	"\tfloat lo, hi;\n\tlong long i, bad = 0;\n\n"
	"\tif (!q_started)\n\t\tq_start();\n"
	"\tlo = q_min[k];\n\thi = q_max[k];\n"
	"\tfor (i = 0; i < n; i++) {\n"
	"\t\tfloat v = x[i];\n\n"
	"\t\tif (!(v - v == 0.0f)) {\n\t\t\tbad++;\n\t\t\tcontinue;\n\t\t}\n"
	"\t\tlo = v < lo ? v : lo;\n\t\thi = v > hi ? v : hi;\n"
	"\t\tif (q_sqnr_on && q_scale[k] > 0.0f) {\n"
	"\t\t\tfloat q = nearbyintf(v * (1.0f / q_scale[k])) + q_zp[k]; /* as quant_value */\n"
	"\t\t\tdouble d;\n\n"
	"\t\t\tq = q < 0.0f ? 0.0f : q > 255.0f ? 255.0f : q;\n"
	"\t\t\td = (double)v - (double)(q - q_zp[k]) * q_scale[k];\n"
	"\t\t\tq_signal[k] += (double)v * v;\n"
	"\t\t\tq_noise[k] += d * d;\n"
	"\t\t}\n"
	"\t\tif (q_hist_on) {\n"
	"\t\t\tint s = v < 0.0f;\n"
	"\t\t\tfloat top = q_top[k][s], a = s ? -v : v;\n"
	"\t\t\tlong long b = top > 0.0f ? (long long)((double)a / top * Q_BINS) : 0;\n\n"
	"\t\t\tq_hist[k][s][b < 0 ? 0 : b >= Q_BINS ? Q_BINS - 1 : b]++;\n"
	"\t\t}\n\t}\n"
	"\tq_min[k] = lo;\n\tq_max[k] = hi;\n"
	"\tq_count[k] += n;\n\tq_bad[k] += bad;\n}\n";

void emit_observe_call(Emit *e, const Node *n)
{
	if (!e->o->observe || e->o->observe[n->id] < 0)
		return;
	fprintf(e->c, "\tcnnc_observe(%d, %s, %lld);\n", e->o->observe[n->id], e->var[n->id], ir_numel(n));
}

void emit_observer(Emit *e)
{
	fprintf(e->c, "\n#define Q_OBSERVERS %d\n#define Q_BINS %d\n", e->o->observers > 0 ? e->o->observers : 1,
	        QUANT_BINS);
	fputs(observer, e->c);
}
