/*
 * emit_driver.c: the command-line driver that --main appends.
 *
 *   ./PROGRAM [--bench N] INPUT.npy OUTPUT.npy
 *
 * INPUT.npy holds any positive multiple of the compiled batch along dim 0
 * with the model's other dims; the driver checks the header before running,
 * streams one batch at a time through static buffers (no malloc), and
 * writes OUTPUT.npy through a temporary file renamed at the end, so a
 * failed run leaves no half-written output. --bench N then times N runs of
 * the first batch and prints "median N.NN ms". Exit: 0 ok, 1 bad data,
 * 2 bad usage.
 */
#include "emit.h"

static const char driver[] =
	"\n/* ---- command-line driver (cnnc --main) ---------------------------- */\n\n"
	"#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
	"#define MAX_BENCH 100000\n\n"
	"static float in_batch[@_INPUT_COUNT];\nstatic float out_batch[@_OUTPUT_COUNT];\n"
	"static double bench_ms[MAX_BENCH];\n\n"
	"static int cmp_double(const void *a, const void *b)\n{\n"
	"\tdouble x = *(const double *)a, y = *(const double *)b;\n\n"
	"\treturn (x > y) - (x < y);\n}\n\n"
	"static int usage(void)\n{\n"
	"\tfprintf(stderr, \"usage: PROGRAM [--bench N] INPUT.npy OUTPUT.npy\\n\");\n"
	"\treturn 2;\n}\n\n"
	"static void shape_text(char *buf, size_t size, int rank, const long long *d, int any_batch)\n{\n"
	"\tsize_t used = 0;\n\tint i;\n\n"
	"\tbuf[0] = 0;\n"
	"\tfor (i = 0; i < rank && used < size; i++) {\n"
	"\t\tif (i == 0 && any_batch)\n"
	"\t\t\tused += (size_t)snprintf(buf + used, size - used, \"N\");\n"
	"\t\telse\n"
	"\t\t\tused += (size_t)snprintf(buf + used, size - used, \"%s%lld\", i ? \", \" : \"\", d[i]);\n"
	"\t}\n}\n\n"
	"int main(int argc, char **argv)\n{\n"
	"\tstatic const long long in_dims[] = {@_INPUT_DIMS};\n"
	"\tstatic const long long out_dims[] = {@_OUTPUT_DIMS};\n"
	"\tstatic rt_npy in, out;\n"
	"\tlong long out_shape[@_OUTPUT_RANK], batches, b;\n"
	"\tchar err[512], want[128], got[128];\n"
	"\tconst char *in_path, *out_path;\n"
	"\tint bench = 0, argi = 1, i, ok;\n\n"
	"\tif (argc > 2 && !strcmp(argv[1], \"--bench\")) {\n"
	"\t\tchar *end;\n\t\tlong v = strtol(argv[2], &end, 10);\n\n"
	"\t\tif (*end || v < 1 || v > MAX_BENCH) {\n"
	"\t\t\tfprintf(stderr, \"--bench expects a count from 1 to %d, got '%s'\\n\", MAX_BENCH, argv[2]);\n"
	"\t\t\treturn 2;\n\t\t}\n"
	"\t\tbench = (int)v;\n\t\targi = 3;\n\t}\n"
	"\tif (argc - argi != 2)\n\t\treturn usage();\n"
	"\tin_path = argv[argi];\n\tout_path = argv[argi + 1];\n"
	"#ifdef @_HAS_BLOB\n"
	"\tif (!@_check_weights()) {\n"
	"\t\tfprintf(stderr, \"error: the linked weights are not the ones this program was compiled for\\n\");\n"
	"\t\treturn 1;\n\t}\n"
	"#endif\n"
	"\tif (rt_npy_open_read(&in, in_path, err, sizeof err) != 0) {\n"
	"\t\tfprintf(stderr, \"%s\\n\", err);\n\t\treturn 1;\n\t}\n"
	"\tok = in.rank == @_INPUT_RANK && in.shape[0] > 0 && in.shape[0] % @_BATCH == 0;\n"
	"\tfor (i = 1; ok && i < @_INPUT_RANK; i++)\n\t\tok = in.shape[i] == in_dims[i];\n"
	"\tif (!ok) {\n"
	"\t\tshape_text(want, sizeof want, @_INPUT_RANK, in_dims, 1);\n"
	"\t\tshape_text(got, sizeof got, in.rank, in.shape, 0);\n"
	"\t\tfprintf(stderr, \"%s: error: shape (%s) does not fit the model's input (%s), N a multiple of %d\\n\",\n"
	"\t\t        in_path, got, want, @_BATCH);\n"
	"\t\trt_npy_close(&in, 0, err, sizeof err);\n\t\treturn 1;\n\t}\n"
	"\tbatches = in.shape[0] / @_BATCH;\n"
	"\tfor (i = 0; i < @_OUTPUT_RANK; i++)\n\t\tout_shape[i] = out_dims[i];\n"
	"\tout_shape[0] = batches * out_dims[0];\n"
	"\tif (rt_npy_open_write(&out, out_path, @_OUTPUT_RANK, out_shape, err, sizeof err) != 0) {\n"
	"\t\tfprintf(stderr, \"%s\\n\", err);\n\t\treturn 1;\n\t}\n"
	"\tfor (b = 0; b < batches; b++) {\n"
	"\t\tok = rt_npy_read(&in, in_batch, @_INPUT_COUNT, err, sizeof err) == 0;\n"
	"\t\tif (ok) {\n"
	"\t\t\t@_run(in_batch, out_batch);\n"
	"\t\t\tok = rt_npy_write(&out, out_batch, @_OUTPUT_COUNT, err, sizeof err) == 0;\n"
	"\t\t}\n"
	"\t\tif (!ok) {\n"
	"\t\t\tfprintf(stderr, \"%s\\n\", err);\n"
	"\t\t\trt_npy_close(&out, 0, err, sizeof err);\n\t\t\treturn 1;\n\t\t}\n\t}\n"
	"\tif (rt_npy_close(&in, 0, err, sizeof err) != 0 || rt_npy_close(&out, 1, err, sizeof err) != 0) {\n"
	"\t\tfprintf(stderr, \"%s\\n\", err);\n\t\treturn 1;\n\t}\n"
	"\tif (bench) {\n"
	"\t\tfor (i = 0; i < bench; i++) {\n"
	"\t\t\tdouble t0 = rt_now_ms();\n\n"
	"\t\t\t@_run(in_batch, out_batch);\n"
	"\t\t\tbench_ms[i] = rt_now_ms() - t0;\n\t\t}\n"
	"\t\tqsort(bench_ms, (size_t)bench, sizeof bench_ms[0], cmp_double);\n"
	"\t\tprintf(\"median %.2f ms\\n\", bench % 2 ? bench_ms[bench / 2]\n"
	"\t\t                                     : (bench_ms[bench / 2 - 1] + bench_ms[bench / 2]) / 2);\n"
	"\t}\n"
	"\treturn 0;\n}\n";

void emit_driver(Emit *e)
{
	/* '@' stands for the symbol: upper case before '_' + upper letter, else
	 * as given */
	if (e->blob)
		fprintf(e->c, "\n#define %s_HAS_BLOB 1\n", e->SYM);
	for (const char *p = driver; *p; p++) {
		if (*p != '@') {
			fputc(*p, e->c);
			continue;
		}
		bool upper = p[1] == '_' && p[2] >= 'A' && p[2] <= 'Z';
		fputs(upper ? e->SYM : e->o->sym, e->c);
	}
}
