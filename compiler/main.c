/*
 * main.c: the command line and the pipeline.
 *
 *   cnnc check   MODEL.lua [--batch N] [--dump-ir[=PASS]]
 *   cnnc report  MODEL.lua [--batch N] [--json] [compile options]
 *   cnnc compile MODEL.lua (--weights F | --random-weights SEED) [-o PREFIX] ...
 *   cnnc build   MODEL.lua (--weights F | --random-weights SEED) -o PROGRAM ...
 *   cnnc import  MODEL.onnx [-o PREFIX] [--batch N] [--input-shape N,C,H,W]
 *   cnnc audit   GENERATED.c
 *   cnnc quantize MODEL.lua --weights F --calibrate CALIB.npy -o Q.safetensors [--method M]
 *
 * check, report, compile and build take MODEL.onnx too: imported in
 * memory into the Lua text and weights `import` writes.
 *
 * Exit status: 0 success, 1 bad input (model, weights, data), 2 bad usage,
 * 3 internal error.
 */
#include "cnnc.h"

#include "../runtime/cnnrt.h" /* RT_MAX_THREADS */

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
	const char *dump_after;/* --dump-ir[=PASS]: print the IR to stderr after
	                          each run of PASS (one of pass_names; NULL: never) */
	const char *svg;       /* --svg FILE: draw the memory plan */
	const char *weights;   /* --weights FILE */
	long long seed;        /* --random-weights SEED (-1: not given) */
	const char *out;       /* -o PREFIX or PROGRAM */
	int opt_level;         /* -O0, -O1, -O2 (-Os: 2) */
	bool prefer_size;      /* -Os, --prefer size: -O2 without the transforms
	                          that grow weights (Winograd) */
	const char *algo;      /* --algo */
	const char *layout;    /* --layout */
	const char *target;    /* --target */
	int threads;           /* --threads */
	bool main_driver;      /* --main */
	bool finite_weights;   /* --finite-weights: NaN or Inf in weights is an error */
	const char *calibrate; /* quantize: --calibrate CALIB.npy */
	const char *method;    /* quantize: --method minmax|percentile|entropy */
	bool per_tensor;       /* quantize: --per-tensor-weights, one weight scale a layer */
	const char *fp32;      /* quantize: --fp32 NAME[,NAME...], layers kept in FP32 */
	bool calibrating;      /* quantize's pipeline: fold_bn (in PyTorch's float32
	                          arithmetic) without constfold or fuse, so every
	                          value PyTorch's FX quantization observes exists */
	long long input_shape[4]; /* --input-shape N,C,H,W (0s: not given) */
	const OnnxModel *onnx; /* model is MODEL.onnx: its import, in memory */
} Options;

/* The passes, by the names --dump-ir=PASS takes, in pipeline order. */
static const char *const pass_names[] = {"shapes",  "dce",         "weights", "constfold", "channels_last",
                                         "fold_pad", "fold_bn",    "swap_resize", "fuse",  "algo",
                                         "layout",  "prologue",    "qregions",    "pack",  "memplan", NULL};

static const char usage_text[] =
	"usage:\n"
	"  cnnc check   MODEL.lua [--batch N] [--dump-ir[=PASS]]\n"
	"  cnnc report  MODEL.lua [--batch N] [--json] [--svg FILE] [compile options]\n"
	"  cnnc compile MODEL.lua (--weights FILE.safetensors | --random-weights SEED)\n"
	"               [-o PREFIX] [--batch N] [-O0|-O1|-O2|-Os] [--algo auto|direct|im2col|winograd]\n"
	"               [--layout auto|nchw|nhwc|blocked] [--target native|generic|avx2|avx512]\n"
	"               [--threads N] [--main] [--finite-weights] [--dump-ir[=PASS]]\n"
	"  cnnc build   MODEL.lua (--weights ... | --random-weights SEED) -o PROGRAM [compile options]\n"
	"  cnnc import  MODEL.onnx [-o PREFIX] [--batch N] [--input-shape N,C,H,W]\n"
	"  cnnc audit   GENERATED.c\n"
	"  cnnc quantize MODEL.lua --weights FILE.safetensors --calibrate CALIB.npy -o Q.safetensors\n"
	"               [--method minmax|percentile|entropy] [--per-tensor-weights] [--fp32 NAME,...]\n"
	"               [--target T]\n"
	"\n"
	"check, report, compile and build take MODEL.onnx too (imported in memory).\n"
	"-Os (or --prefer size) is -O2 without the transforms that grow weights (no\n"
	"Winograd); --prefer speed is -O2. report shows the weight bytes either holds.\n"
	"--dump-ir prints the IR to stderr after shape inference; --dump-ir=PASS after\n"
	"each run of PASS instead (check stops after shapes). The passes, in order:\n";

static void usage(void)
{
	fputs(usage_text, stdout);
	for (const char *const *p = pass_names; *p; p++)
		printf("%s%s", p == pass_names ? "  " : " ", *p);
	printf("\n\nexit status: 0 ok, 1 bad model/weights/data, 2 bad usage, 3 internal error\n");
}

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

/* --input-shape N,C,H,W: four dims, 1 to 2^24 each. */
static void parse_shape(const char *s, long long *d)
{
	const char *p = s;
	for (int i = 0; i < 4; i++) {
		char *end;
		errno = 0;
		long long v = p ? strtoll(p, &end, 10) : 0;
		if (!p || errno || end == p || v < 1 || v > (1 << 24) || *end != (i < 3 ? ',' : 0))
			diag_usage("--input-shape expects N,C,H,W (four dims, 1 to 16777216), got '%s'", s ? s : "nothing");
		d[i] = v;
		p = end + 1;
	}
}

static Options parse_args(int argc, char **argv)
{
	static const char *const algos[] = {"auto", "direct", "im2col", "winograd", NULL};
	static const char *const layouts[] = {"auto", "nchw", "nhwc", "blocked", "nchw8c", NULL};
	static const char *const targets[] = {"generic", "avx2", "avx512", "native", NULL};
	static const char *const methods[] = {"minmax", "percentile", "entropy", NULL};
	static const char *const prefers[] = {"speed", "size", NULL};
	Options o = {.seed = -1, .opt_level = 2, .algo = "auto", .layout = "auto", .target = "native", .threads = 1,
	             .method = "minmax"};
	if (argc < 2)
		diag_usage("no command given");
	o.cmd = argv[1];
	if (!strcmp(o.cmd, "--help") || !strcmp(o.cmd, "-h") || !strcmp(o.cmd, "help")) {
		usage();
		exit(0);
	}
	static const char *const cmds[] = {"check", "report", "compile", "build", "import", "audit", "quantize", NULL};
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
			o.dump_after = "shapes";
		else if (!strncmp(a, "--dump-ir=", 10))
			o.dump_after = one_of("--dump-ir", a + 10, pass_names);
		else if (TAKES("--weights"))
			o.weights = next ? next : (diag_usage("--weights needs a file"), NULL);
		else if (TAKES("--random-weights"))
			o.seed = parse_int("--random-weights", next, 0, LLONG_MAX);
		else if (TAKES("-o"))
			o.out = next ? next : (diag_usage("-o needs a path"), NULL);
		else if (!strcmp(a, "-O0") || !strcmp(a, "-O1") || !strcmp(a, "-O2") || !strcmp(a, "-Os"))
			o.opt_level = a[2] == 's' ? 2 : a[2] - '0', o.prefer_size = a[2] == 's';
		else if (TAKES("--prefer"))
			o.opt_level = 2, o.prefer_size = !strcmp(one_of("--prefer", next, prefers), "size");
		else if (TAKES("--algo"))
			o.algo = one_of("--algo", next, algos);
		else if (TAKES("--layout"))
			o.layout = one_of("--layout", next, layouts);
		else if (TAKES("--target"))
			o.target = one_of("--target", next, targets);
		else if (TAKES("--threads"))
			o.threads = (int)parse_int("--threads", next, 1, RT_MAX_THREADS);
		else if (!strcmp(a, "--main"))
			o.main_driver = true;
		else if (!strcmp(a, "--finite-weights"))
			o.finite_weights = true;
		else if (TAKES("--calibrate"))
			o.calibrate = next ? next : (diag_usage("--calibrate needs a .npy file"), NULL);
		else if (TAKES("--method"))
			o.method = one_of("--method", next, methods);
		else if (!strcmp(a, "--per-tensor-weights"))
			o.per_tensor = true;
		else if (TAKES("--fp32"))
			o.fp32 = next ? next : (diag_usage("--fp32 needs layer names, comma-separated"), NULL);
		else if (TAKES("--input-shape"))
			parse_shape(next, o.input_shape);
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
	if (o.prefer_size && !strcmp(o.algo, "winograd"))
		diag_usage("--algo winograd grows the weights, which -Os (--prefer size) rules out; give one or the other");
	return o;
}

/* Where a command stops in the pipeline. */
typedef enum {
	STOP_SHAPES,  /* check: the model's graph, shapes inferred */
	STOP_PLANNED, /* report: every decision taken, memory planned */
	STOP_EMITTED, /* compile, build: the C written */
} Stop;

/* One compilation: the graph every command reads, and what report needs
 * to show the model as written beside it. */
typedef struct {
	Graph *g;              /* the graph, as far as the passes took it */
	Graph *written;        /* the model as written, shapes inferred: report's
	                          rows (NULL before the first dce) */
	Graph *folded;         /* calibrating: the graph right after fold_bn, its
	                          weights folded and not yet packed */
	const QFile *qfile;    /* --weights named a quantized model (report) */
	int *at;               /* per node id of written: its id in g, -1 once
	                          an optimization absorbed it or dce removed it */
	bool dumped;           /* --dump-ir=PASS has printed at least once */
} Compilation;

/* After each pass: the IR checked, and dumped if --dump-ir names it. */
static void after(Compilation *c, const Options *o, const char *pass)
{
	ir_verify(c->g, pass);
	if (o->dump_after && !strcmp(o->dump_after, pass)) {
		fprintf(stderr, "# after %s\n", pass);
		ir_dump(c->g, stderr);
		c->dumped = true;
	}
}

/* Each layer of written keeps the note the passes left on what it runs
 * as, before dce drops the nodes that carry the notes of what was
 * folded, fused or removed. */
static void keep_notes(Compilation *c)
{
	for (int i = 0; i < c->written->n; i++)
		if (c->at[i] >= 0 && c->g->nodes[c->at[i]].note)
			c->written->nodes[i].note = c->g->nodes[c->at[i]].note;
}

/* Follows a renumbering (dce, layout): map takes g's old ids to new. */
static void follow(Compilation *c, const int *map)
{
	for (int i = 0; i < c->written->n; i++) {
		if (c->at[i] < 0)
			continue;
		c->at[i] = map[c->at[i]];
		if (c->at[i] < 0 && !c->written->nodes[i].note)
			c->written->nodes[i].note = "removed: the output does not depend on it";
	}
}

/* dce, with the layers as written followed through it. */
static void prune(Compilation *c)
{
	int *map = arena_alloc(c->g->arena, (size_t)c->g->n * sizeof *map);
	keep_notes(c);
	dce(c->g, map);
	follow(c, map);
}

/* Binds the weights --weights or --random-weights gives; false when
 * neither is given (report: every decision is taken all the same, only
 * the arithmetic on weights is left out), or when --weights is a
 * quantized model (c->qfile), which the int8 pipeline binds itself. */
static bool bind_weights(Compilation *c, const Options *o)
{
	Graph *g = c->g;
	if (o->weights && quant_is_qfile(g->arena, o->weights)) {
		if (!strcmp(o->cmd, "quantize"))
			diag_error(o->weights, 0, "holds an int8 model already (from cnnc quantize); quantize takes the FP32 "
			           "weights: give --weights the FP32 file it was quantized from");
		c->qfile = quant_load(c->written, o->weights);
		return false; /* report: every decision is the FP32 model's; compile, build: int8 (pipeline) */
	}
	if (o->weights)
		weights_load(g, o->weights, o->finite_weights);
	else if (o->seed >= 0)
		weights_random(g, (uint64_t)o->seed);
	else if (o->onnx)
		weights_bind(g, st_open_mem(g->arena, o->model, o->onnx->st, o->onnx->st_len), o->finite_weights);
	return o->weights || o->seed >= 0 || o->onnx;
}

static Algo forced_algo(const Options *o)
{
	if (!strcmp(o->algo, "direct"))
		return ALGO_DIRECT;
	if (!strcmp(o->algo, "im2col"))
		return ALGO_IM2COL;
	if (!strcmp(o->algo, "winograd"))
		return ALGO_WINOGRAD4; /* Winograd wherever it applies; the tile is the cost model's */
	return ALGO_COUNT;
}

/* The layout pass (above -O0; -O0 stays NCHW, and keeps its ids). */
static void layouts(Compilation *c, const Options *o)
{
	if (o->opt_level == 0) {
		c->g->layout_note = "layout: every layer NCHW at -O0 (the reference path; --layout applies above it)";
		return;
	}
	Layout force = (c->qfile && strcmp(o->cmd, "report")) || !strcmp(o->layout, "nchw")
	                       ? LAYOUT_NCHW /* int8: qregions makes its regions NHWC */
	               : !strcmp(o->layout, "nhwc") ? LAYOUT_NHWC
	               : !strcmp(o->layout, "auto") ? LAYOUT_COUNT
	                                            : LAYOUT_NCHW8C; /* blocked, nchw8c */
	follow(c, choose_layouts(c->g, force, strcmp(o->algo, "auto") != 0));
}

/* The C symbol prefix: PREFIX's file name as an identifier. */
static const char *symbol_of(Arena *a, const char *prefix)
{
	const char *base = strrchr(prefix, '/');
	base = base ? base + 1 : prefix;
	if (!*base)
		diag_usage("-o '%s' names a directory, not a file prefix", prefix);
	/* PREFIX.c says #include "BASE.h", and a header name has no escapes:
	 * these alone cannot be written there (the directory may hold
	 * anything; it reaches the tools as a separate argument) */
	for (const char *p = base; *p; p++)
		if (*p == '"' || *p == '\n' || (p[0] == '?' && p[1] == '?' && p[2] && strchr("=/'()!<>-", p[2])))
			diag_usage("the output's file name cannot hold %s: the generated C includes its header "
			           "by that name, and #include \"...\" cannot escape it; choose another -o",
			           *p == '"' ? "a double quote" : *p == '\n' ? "a newline" : "a trigraph (??x)");
	char *sym = arena_printf(a, "%s%s", base[0] >= '0' && base[0] <= '9' ? "m_" : "", base);
	for (char *p = sym; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '_';
	return sym;
}

/*
 * The pipeline. Every command runs this one list of passes and stops at
 * its point, so check, report and compile read the same graph: what the
 * report says was folded, fused, chosen and planned is what compile
 * emits. Without weights (report) only the arithmetic on them is left
 * out (fold_batchnorm_weights, pack_weights); no decision reads them.
 * The names are those --dump-ir=PASS takes (pass_names).
 */
static Compilation pipeline(Arena *a, const Options *o, Stop stop)
{
	Compilation c = {.g = o->onnx ? lua_front_load_text(a, o->model, o->onnx->lua, o->onnx->lua_len, o->batch,
	                                                    &lua_front_default_limits)
	                              : lua_front_load(a, o->model, o->batch, &lua_front_default_limits)};
	Graph *g = c.g;
	ir_infer_shapes(g);
	after(&c, o, "shapes");
	if (stop == STOP_SHAPES)
		return c;
	c.written = ir_clone(g);
	c.at = arena_alloc(a, (size_t)g->n * sizeof *c.at);
	for (int i = 0; i < g->n; i++)
		c.at[i] = i;
	prune(&c);
	after(&c, o, "dce");
	bool weights = bind_weights(&c, o);
	if (weights)
		after(&c, o, "weights");
	bool int8 = c.qfile != NULL; /* compile, build, report with a Q file */
	if (int8) { /* batch norm folded as quantize folded it: the Q file's layers */
		fold_batchnorm(g);
		after(&c, o, "fold_bn");
		prune(&c);
		after(&c, o, "dce");
		quant_bind(g, c.qfile);
		weights = true;
		after(&c, o, "weights");
	} else if (o->calibrating) {
		fold_batchnorm(g);
		fold_batchnorm_weights(g, true);
		after(&c, o, "fold_bn");
		c.folded = ir_clone(g);
	} else if (o->opt_level >= 1) {
		constfold(g);
		after(&c, o, "constfold");
		channels_last(g);
		after(&c, o, "channels_last");
		fold_pad(g);
		after(&c, o, "fold_pad");
		fold_batchnorm(g);
		if (weights)
			fold_batchnorm_weights(g, false);
		after(&c, o, "fold_bn");
		follow(&c, swap_resize(g));
		after(&c, o, "swap_resize");
		fuse(g);
		after(&c, o, "fuse");
	}
	choose_algos(g, o->opt_level, forced_algo(o), o->prefer_size);
	algo_threads(g, o->threads);
	after(&c, o, "algo");
	prune(&c);
	after(&c, o, "dce");
	layouts(&c, o);
	after(&c, o, "layout");
	if (o->opt_level >= 1 && !int8 && !o->calibrating) {
		fuse_prologue(g);
		prune(&c);
		after(&c, o, "prologue");
	}
	if (int8) {
		follow(&c, quant_regions(g, o->threads));
		after(&c, o, "qregions");
	}
	if (weights) {
		pack_weights(g);
		after(&c, o, "pack");
	}
	memplan(g, o->opt_level >= 1);
	after(&c, o, "memplan");
	keep_notes(&c);
	if (stop == STOP_PLANNED)
		return c;
	EmitOptions eo = {
		.prefix = o->out,
		.sym = symbol_of(a, o->out),
		.opt_level = o->opt_level,
		.prefer_size = o->prefer_size,
		.main_driver = o->main_driver,
		.threads = o->threads,
		.blob_min = 4 << 20,
	};
	emit_c(g, &eo);
	return c;
}

/* A --dump-ir=PASS that never printed: the pass did not run. */
static void dump_missed(const Compilation *c, const Options *o)
{
	if (o->dump_after && !c->dumped)
		diag_note(o->model, 0, "--dump-ir=%s: the pass did not run (%s)", o->dump_after,
		          !strcmp(o->dump_after, "qregions") ? "qregions runs only in an int8 compile: compile or build "
		                                               "with --weights Q.safetensors from cnnc quantize"
		          : !strcmp(o->cmd, "check")    ? "check stops after shapes"
		          : !strcmp(o->cmd, "quantize")
		                  ? "quantize runs no constfold, channels_last, fold_pad, swap_resize or fuse"
		          : o->opt_level == 0           ? "-O0 runs no constfold, channels_last, fold_pad, fold_bn, swap_resize or fuse"
		                                        : "weights and pack run only with weights");
}

static int cmd_check(const Options *o, Arena *a)
{
	Compilation c = pipeline(a, o, STOP_SHAPES);
	dump_missed(&c, o);
	char buf[64];
	printf("%s: ok, input %s, output %s\n", o->model, ir_shape_str(&c.g->nodes[c.g->input], buf, sizeof buf),
	       ir_shape_str(&c.g->nodes[c.g->output], buf + 32, 32));
	return 0;
}

/* Rows: the model as written (params and MACs as PyTorch counts them);
 * everything else: the graph compile would emit. */
static int cmd_report(const Options *o, Arena *a)
{
	if (o->weights && o->seed >= 0)
		diag_usage("report: --weights and --random-weights exclude each other");
	Compilation c = pipeline(a, o, STOP_PLANNED);
	dump_missed(&c, o);
	ReportOptions ro = {.json = o->json, .opt_level = o->opt_level, .prefer_size = o->prefer_size, .qfile = c.qfile};
	report_print(c.written, c.g, c.at, &ro, stdout);
	if (o->svg)
		report_svg(c.g, o->svg);
	return 0;
}

/* compile and build: model to C files at o->out. */
static void generate(const Options *o, Arena *a)
{
	if (!o->weights && o->seed < 0 && !o->onnx)
		diag_usage("%s: give --weights FILE.safetensors or --random-weights SEED", o->cmd);
	if (o->weights && o->seed >= 0)
		diag_usage("%s: --weights and --random-weights exclude each other", o->cmd);
	Compilation c = pipeline(a, o, STOP_EMITTED);
	dump_missed(&c, o);
}

static int cmd_compile(const Options *o, Arena *a)
{
	Options co = *o;
	if (!co.out) {
		const char *base = strrchr(o->model, '/');
		base = base ? base + 1 : o->model;
		size_t len = strlen(base);
		if (len > 4 && !strcmp(base + len - 4, ".lua"))
			len -= 4;
		else if (len > 5 && !strcmp(base + len - 5, ".onnx"))
			len -= 5;
		co.out = arena_printf(a, "generated/%.*s", (int)len, base);
	}
	generate(&co, a);
	return 0;
}

static int cmd_build(const Options *o, Arena *a)
{
	if (!o->out)
		diag_usage("build: -o PROGRAM is required");
	const char *inputs[] = {o->model, o->weights};
	build_check_output(o->out, inputs, 2);
	Options bo = *o;
	bo.main_driver = true;
	generate(&bo, a);
	build_program(a, o->out, o->out, o->target);
	return 0;
}

/* quantize: the calibration graph (BN folded in PyTorch's arithmetic,
 * NCHW, nothing fused) compiled with observer hooks and run over
 * CALIB.npy, then the int8 weights and every observed value's scale and
 * zero point written to Q.safetensors (quant/). */
static int cmd_quantize(const Options *o, Arena *a)
{
	if (!o->weights)
		diag_usage("quantize: give --weights FILE.safetensors, the FP32 weights to quantize");
	if (o->seed >= 0)
		diag_usage("quantize: --random-weights does not apply; give --weights FILE.safetensors");
	if (!o->calibrate)
		diag_usage("quantize: give --calibrate CALIB.npy, the calibration inputs");
	if (!o->out)
		diag_usage("quantize: -o Q.safetensors is required");
	const char *inputs[] = {o->model, o->weights, o->calibrate};
	build_check_output(o->out, inputs, 3);
	Options qo = *o;
	qo.calibrating = true;
	qo.finite_weights = true; /* a NaN weight would reach quant_value's integer conversion */
	qo.opt_level = 1;
	qo.layout = "nchw";
	qo.algo = "im2col";
	Compilation c = pipeline(a, &qo, STOP_PLANNED);
	dump_missed(&c, o);
	long long samples = quant_check_calibration(c.g, o->calibrate);
	QPlan *qp = quant_plan(c.g, o->fp32);
	QParams *q;
	QStats *st = quant_calibrate(c.g, qp, o->calibrate, o->target, o->method, &q);
	QWrite w = {.path = o->out, .method = o->method, .samples = samples, .signature = quant_signature(c.written),
	            .per_tensor = o->per_tensor, .fp32 = o->fp32};
	quant_write(c.g, c.folded, qp, st, q, &w);
	printf("%s: %d observers over %lld samples (%s), written to %s\n", o->model, qp->nobs, samples, o->method,
	       o->out);
	return 0;
}

/* import: MODEL.onnx to PREFIX.lua and PREFIX.safetensors. */
static int cmd_import(const Options *o, Arena *a)
{
	const char *prefix = o->out;
	if (!prefix) {
		size_t len = strlen(o->model);
		prefix = arena_printf(a, "%.*s", (int)(len > 5 && !strcmp(o->model + len - 5, ".onnx") ? len - 5 : len),
		                      o->model);
	}
	onnx_write_files(a, o->model, o->onnx, prefix);
	printf("%s: wrote %s.lua and %s.safetensors\n", o->model, prefix, prefix);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--onnx-ops")) { /* hidden: the ONNX import table, for tests */
		onnx_print_ops(stdout);
		return 0;
	}
	Options o = parse_args(argc, argv);
	Arena *a = arena_new();
	int rc;
	if (!strcmp(o.cmd, "import") && !onnx_is_model(o.model))
		diag_usage("import: '%s' is not an .onnx file", o.model);
	if (o.input_shape[0] && !onnx_is_model(o.model))
		diag_usage("--input-shape is for .onnx models (a .lua model's input op gives its shape)");
	if (strcmp(o.cmd, "audit") && onnx_is_model(o.model)) {
		OnnxModel *m = arena_alloc(a, sizeof *m);
		*m = onnx_import(a, o.model, o.batch, o.input_shape[0] ? o.input_shape : NULL);
		o.onnx = m;
	}
	if (!strcmp(o.cmd, "import"))
		rc = cmd_import(&o, a);
	else if (!strcmp(o.cmd, "check"))
		rc = cmd_check(&o, a);
	else if (!strcmp(o.cmd, "report"))
		rc = cmd_report(&o, a);
	else if (!strcmp(o.cmd, "compile"))
		rc = cmd_compile(&o, a);
	else if (!strcmp(o.cmd, "build"))
		rc = cmd_build(&o, a);
	else if (!strcmp(o.cmd, "quantize"))
		rc = cmd_quantize(&o, a);
	else
		rc = audit_file(o.model, build_runtime_dir(a)) ? 1 : 0;
	arena_free(a);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "cnnc: error writing standard output\n");
		return 1;
	}
	return rc;
}
