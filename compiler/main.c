/*
 * main.c: the command line and the pipeline.
 *
 *   cnnc check   MODEL.lua [--batch N] [--dump-ir]
 *   cnnc report  MODEL.lua [--batch N] [--json] [compile options]
 *   cnnc compile MODEL.lua (--weights F | --random-weights SEED) [-o PREFIX] ...
 *   cnnc build   MODEL.lua (--weights F | --random-weights SEED) -o PROGRAM ...
 *   cnnc audit   GENERATED.c
 *
 * Exit status: 0 success, 1 bad input (model, weights, data), 2 bad usage,
 * 3 internal error.
 */
#include "cnnc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Everything the command line says. */
typedef struct {
	const char *cmd;       /* check, report, compile, build, audit */
	const char *model;     /* MODEL.lua (or GENERATED.c for audit) */
	int batch;             /* --batch: 0 keeps the model's */
	bool json;             /* --json */
	bool dump_ir;          /* --dump-ir: print the IR to stderr */
	const char *svg;       /* --svg FILE: draw the memory plan */
	const char *weights;   /* --weights FILE */
	long long seed;        /* --random-weights SEED (-1: not given) */
	const char *out;       /* -o PREFIX or PROGRAM */
	int opt_level;         /* -O0, -O1, -O2 */
	const char *algo;      /* --algo */
	const char *layout;    /* --layout */
	const char *target;    /* --target */
	int threads;           /* --threads */
	bool main_driver;      /* --main */
} Options;

static const char usage_text[] =
	"usage:\n"
	"  cnnc check   MODEL.lua [--batch N] [--dump-ir]\n"
	"  cnnc report  MODEL.lua [--batch N] [--json] [--svg FILE] [--dump-ir] [compile options]\n"
	"  cnnc compile MODEL.lua (--weights FILE.safetensors | --random-weights SEED)\n"
	"               [-o PREFIX] [--batch N] [-O0|-O1|-O2] [--algo auto|direct|im2col|winograd]\n"
	"               [--layout auto|nchw|nhwc|blocked] [--target native|generic|avx2|avx512]\n"
	"               [--threads N] [--main]\n"
	"  cnnc build   MODEL.lua (--weights ... | --random-weights SEED) -o PROGRAM [compile options]\n"
	"  cnnc audit   GENERATED.c\n"
	"\n"
	"exit status: 0 ok, 1 bad model/weights/data, 2 bad usage, 3 internal error\n";

static long long parse_int(const char *flag, const char *s, long long lo, long long hi)
{
	char *end;
	errno = 0;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || errno || *end || end == s || v < lo || v > hi)
		diag_usage("%s expects an integer from %lld to %lld, got '%s'", flag, lo, hi, s ? s : "nothing");
	return v;
}

static const char *one_of(const char *flag, const char *v, const char *const *allowed)
{
	for (const char *const *a = allowed; *a; a++)
		if (v && !strcmp(v, *a))
			return v;
	char list[256] = "";
	for (const char *const *a = allowed; *a; a++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", a == allowed ? "" : ", ", *a);
	diag_usage("%s expects one of %s; got '%s'", flag, list, v ? v : "nothing");
}

static Options parse_args(int argc, char **argv)
{
	static const char *const algos[] = {"auto", "direct", "im2col", "winograd", NULL};
	static const char *const layouts[] = {"auto", "nchw", "nhwc", "blocked", "nchw8c", NULL};
	static const char *const targets[] = {"generic", "avx2", "avx512", "native", NULL};
	Options o = {.seed = -1, .opt_level = 2, .algo = "auto", .layout = "auto", .target = "native", .threads = 1};
	if (argc < 2)
		diag_usage("no command given");
	o.cmd = argv[1];
	if (!strcmp(o.cmd, "--help") || !strcmp(o.cmd, "-h") || !strcmp(o.cmd, "help")) {
		fputs(usage_text, stdout);
		exit(0);
	}
	static const char *const cmds[] = {"check", "report", "compile", "build", "audit", NULL};
	bool known = false;
	for (const char *const *c = cmds; *c; c++)
		known |= !strcmp(o.cmd, *c);
	if (!known)
		diag_usage("unknown command '%s'", o.cmd);
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKES(flag) (!strcmp(a, flag) && (i++, 1))
		if (TAKES("--batch"))
			o.batch = (int)parse_int("--batch", next, 1, 1 << 16);
		else if (!strcmp(a, "--json"))
			o.json = true;
		else if (TAKES("--svg"))
			o.svg = next ? next : (diag_usage("--svg needs a file"), NULL);
		else if (!strcmp(a, "--dump-ir"))
			o.dump_ir = true;
		else if (TAKES("--weights"))
			o.weights = next ? next : (diag_usage("--weights needs a file"), NULL);
		else if (TAKES("--random-weights"))
			o.seed = parse_int("--random-weights", next, 0, LLONG_MAX);
		else if (TAKES("-o"))
			o.out = next ? next : (diag_usage("-o needs a path"), NULL);
		else if (!strcmp(a, "-O0") || !strcmp(a, "-O1") || !strcmp(a, "-O2"))
			o.opt_level = a[2] - '0';
		else if (TAKES("--algo"))
			o.algo = one_of("--algo", next, algos);
		else if (TAKES("--layout"))
			o.layout = one_of("--layout", next, layouts);
		else if (TAKES("--target"))
			o.target = one_of("--target", next, targets);
		else if (TAKES("--threads"))
			o.threads = (int)parse_int("--threads", next, 1, 64); /* RT_MAX_THREADS of runtime/cnnrt.h */
		else if (!strcmp(a, "--main"))
			o.main_driver = true;
		else if (a[0] == '-' && a[1])
			diag_usage("unknown option '%s'", a);
		else if (o.model)
			diag_usage("more than one input file ('%s' and '%s')", o.model, a);
		else
			o.model = a;
#undef TAKES
	}
	if (!o.model)
		diag_usage("%s: no %s file given", o.cmd, strcmp(o.cmd, "audit") ? "model" : "generated C");
	return o;
}

/* The front end and the passes: model file to checked IR. */
static Graph *front(Arena *a, const Options *o)
{
	Graph *g = lua_front_load(a, o->model, o->batch, &lua_front_default_limits);
	ir_infer_shapes(g);
	ir_verify(g, "shapes");
	if (o->dump_ir)
		ir_dump(g, stderr);
	return g;
}

/* The optimizer, in order. Node ids stay as they are until dce.
 * weights: they are bound (compile), not only the structure (report). */
static void optimize(Graph *g, const Options *o, bool weights)
{
	if (o->opt_level >= 1) {
		constfold(g);
		ir_verify(g, "constfold");
		fold_batchnorm(g);
		if (weights)
			fold_batchnorm_weights(g);
		ir_verify(g, "fold_batchnorm");
		fuse(g);
		ir_verify(g, "fuse");
	}
	Algo force = ALGO_COUNT;
	if (!strcmp(o->algo, "direct"))
		force = ALGO_DIRECT;
	else if (!strcmp(o->algo, "im2col"))
		force = ALGO_IM2COL;
	else if (!strcmp(o->algo, "winograd"))
		force = ALGO_WINOGRAD4; /* Winograd wherever it applies; the tile is the cost model's */
	choose_algos(g, o->opt_level, force);
}

/* The layout pass (above -O0; -O0 stays NCHW): old id -> new id, or
 * NULL when it did not run. */
static int *layouts(Graph *g, const Options *o)
{
	if (o->opt_level == 0) {
		g->layout_note = "layout: every layer NCHW at -O0 (the reference path; --layout applies above it)";
		return NULL;
	}
	Layout force = !strcmp(o->layout, "nchw")   ? LAYOUT_NCHW
	               : !strcmp(o->layout, "nhwc") ? LAYOUT_NHWC
	               : !strcmp(o->layout, "auto") ? LAYOUT_COUNT
	                                            : LAYOUT_NCHW8C; /* blocked, nchw8c */
	int *map = choose_layouts(g, force, strcmp(o->algo, "auto") != 0);
	ir_verify(g, "layout");
	return map;
}

static int cmd_check(const Options *o, Arena *a)
{
	Graph *g = front(a, o);
	char buf[64];
	printf("%s: ok, input %s, output %s\n", o->model, ir_shape_str(&g->nodes[g->input], buf, sizeof buf),
	       ir_shape_str(&g->nodes[g->output], buf + 32, 32));
	return 0;
}

static int cmd_report(const Options *o, Arena *a)
{
	Graph *g = front(a, o);
	Graph *model = ir_clone(g); /* the layers as written, for the rows */
	int *map = arena_alloc(a, (size_t)g->n * sizeof *map);
	optimize(g, o, false);
	for (int i = 0; i < g->n; i++) {
		model->nodes[i].note = g->nodes[i].note;
		model->nodes[i].algo_note = g->nodes[i].algo_note;
		model->nodes[i].algo = g->nodes[i].algo;
		model->nodes[i].scratch = g->nodes[i].scratch;
	}
	dce(g, map);
	ir_verify(g, "dce");
	int *relaid = layouts(g, o);
	for (int i = 0; i < model->n; i++) {
		map[i] = map[i] >= 0 && relaid ? relaid[map[i]] : map[i];
		if (map[i] >= 0 && model->nodes[i].op == OP_CONV2D) { /* the layout may change the algorithm */
			model->nodes[i].algo = g->nodes[map[i]].algo;
			model->nodes[i].scratch = g->nodes[map[i]].scratch;
			model->nodes[i].algo_note = g->nodes[map[i]].algo_note;
		}
	}
	memplan(g);
	ReportOptions ro = {.json = o->json, .opt_level = o->opt_level};
	report_print(model, g, map, &ro, stdout);
	if (o->svg)
		report_svg(g, o->svg);
	return 0;
}

/* The C symbol prefix: PREFIX's file name as an identifier. */
static const char *symbol_of(Arena *a, const char *prefix)
{
	const char *base = strrchr(prefix, '/');
	base = base ? base + 1 : prefix;
	if (!*base)
		diag_usage("-o '%s' names a directory, not a file prefix", prefix);
	char *sym = arena_printf(a, "%s%s", base[0] >= '0' && base[0] <= '9' ? "m_" : "", base);
	for (char *p = sym; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '_';
	return sym;
}

/* compile and build: model to C files at prefix. */
static void generate(const Options *o, Arena *a, const char *prefix, bool main_driver)
{
	if (!o->weights && o->seed < 0)
		diag_usage("%s: give --weights FILE.safetensors or --random-weights SEED", o->cmd);
	if (o->weights && o->seed >= 0)
		diag_usage("%s: --weights and --random-weights exclude each other", o->cmd);
	Graph *g = front(a, o);
	dce(g, NULL);
	ir_verify(g, "dce");
	if (o->weights)
		weights_load(g, o->weights);
	else
		weights_random(g, (uint64_t)o->seed);
	optimize(g, o, true);
	dce(g, NULL);
	ir_verify(g, "dce");
	layouts(g, o);
	pack_weights(g);
	memplan(g);
	EmitOptions eo = {
		.prefix = prefix,
		.sym = symbol_of(a, prefix),
		.opt_level = o->opt_level,
		.main_driver = main_driver,
		.threads = o->threads,
		.blob_min = 4 << 20,
	};
	emit_c(g, &eo);
}

static int cmd_compile(const Options *o, Arena *a)
{
	const char *prefix = o->out;
	if (!prefix) {
		const char *base = strrchr(o->model, '/');
		base = base ? base + 1 : o->model;
		size_t len = strlen(base);
		if (len > 4 && !strcmp(base + len - 4, ".lua"))
			len -= 4;
		prefix = arena_printf(a, "generated/%.*s", (int)len, base);
	}
	generate(o, a, prefix, o->main_driver);
	return 0;
}

static int cmd_build(const Options *o, Arena *a)
{
	if (!o->out)
		diag_usage("build: -o PROGRAM is required");
	generate(o, a, o->out, true);
	build_program(a, o->out, o->out, o->target);
	return 0;
}

int main(int argc, char **argv)
{
	Options o = parse_args(argc, argv);
	Arena *a = arena_new();
	int rc;
	if (!strcmp(o.cmd, "check"))
		rc = cmd_check(&o, a);
	else if (!strcmp(o.cmd, "report"))
		rc = cmd_report(&o, a);
	else if (!strcmp(o.cmd, "compile"))
		rc = cmd_compile(&o, a);
	else if (!strcmp(o.cmd, "build"))
		rc = cmd_build(&o, a);
	else
		rc = audit_file(o.model, build_runtime_dir(a)) ? 1 : 0;
	arena_free(a);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "cnnc: error writing standard output\n");
		return 1;
	}
	return rc;
}
