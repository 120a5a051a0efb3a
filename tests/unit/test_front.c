/*
 * test_front.c: the Lua front end on good model files.
 *
 * Each test writes a small model into a temporary directory, loads it
 * with lua_front_load and checks the graph: both call styles, option
 * defaults (as torch.nn.functional has them), {h, w} pairs, t.shape seen
 * by the model, the batch override, every concat form and print going to
 * stderr. Bad models exit the process, so they live in tests/diag instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cnnc.h"

static char dir[] = "/tmp/cnnc_test_front_XXXXXX"; /* holds the model files */

/* One test's arena and the graph it loaded. */
typedef struct {
	Arena *a;
	char path[4200];
} Ctx;

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int setup(void **state)
{
	Ctx *c = calloc(1, sizeof *c);
	c->a = arena_new();
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	Ctx *c = *state;
	arena_free(c->a);
	free(c);
	return 0;
}

/* Writes text to DIR/name and loads it. */
static Graph *load_limits(void **state, const char *name, const char *text, int batch, const SandboxLimits *lim)
{
	Ctx *c = *state;
	snprintf(c->path, sizeof c->path, "%s/%s", dir, name);
	FILE *f = fopen(c->path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	Graph *g = lua_front_load(c->a, c->path, batch, lim);
	assert_non_null(g);
	return g;
}

static Graph *load(void **state, const char *name, const char *text)
{
	return load_limits(state, name, text, 0, &lua_front_default_limits);
}

/* The node named name (fails the test if there is none). */
static const Node *named(Graph *g, const char *name)
{
	for (int i = 0; i < g->n; i++)
		if (!strcmp(g->nodes[i].name, name))
			return &g->nodes[i];
	fail_msg("no node named '%s'", name);
	return NULL;
}

static bool has_node(Graph *g, const char *name)
{
	for (int i = 0; i < g->n; i++)
		if (!strcmp(g->nodes[i].name, name))
			return true;
	return false;
}

static const char *shape(const Node *n)
{
	static char buf[4][64];
	static int k;
	k = (k + 1) % 4;
	return ir_shape_str(n, buf[k], sizeof buf[k]);
}

/* ---- call styles ---------------------------------------------------- */

static const char method_style[] =
	"local x = input { name = 'image', shape = { 1, 3, 32, 32 } }\n"
	"local y = x:conv2d { name = 'conv1', out_channels = 16, kernel_size = 3, padding = 1, bias = false }\n"
	"           :batch_norm { name = 'bn1' }\n"
	"           :relu()\n"
	"           :max_pool2d { kernel_size = 2 }\n"
	"local z = y:conv2d { name = 'conv2', out_channels = 16, kernel_size = 3, padding = 1 }\n"
	"return z:add(y):global_avg_pool():flatten():linear { name = 'fc', out_features = 10 }:softmax()\n";

static const char global_style[] =
	"local x = input { name = 'image', shape = { 1, 3, 32, 32 } }\n"
	"local y = conv2d(x, { name = 'conv1', out_channels = 16, kernel_size = 3, padding = 1, bias = false })\n"
	"y = batch_norm(y, { name = 'bn1' })\n"
	"y = relu(y)\n"
	"y = max_pool2d(y, { kernel_size = 2 })\n"
	"local z = conv2d(y, { name = 'conv2', out_channels = 16, kernel_size = 3, padding = 1 })\n"
	"return softmax(linear(flatten(global_avg_pool(add(z, y))), { name = 'fc', out_features = 10 }))\n";

static void test_call_styles(void **state)
{
	Graph *m = load(state, "method.lua", method_style);
	Ctx *c = *state;
	Arena *first = c->a;
	c->a = arena_new(); /* keep m alive while loading the second */
	Graph *g = load(state, "global.lua", global_style);

	assert_int_equal(m->n, 11);
	assert_int_equal(g->n, m->n);
	assert_int_equal(g->output, m->output);
	assert_int_equal(g->input, 0);
	for (int i = 0; i < m->n; i++) {
		const Node *a = &m->nodes[i], *b = &g->nodes[i];
		assert_int_equal(a->op, b->op);
		assert_int_equal(a->nin, b->nin);
		for (int j = 0; j < a->nin; j++)
			assert_int_equal(a->in[j], b->in[j]);
		assert_string_equal(shape(a), shape(b));
		assert_memory_equal(&a->a, &b->a, sizeof a->a);
		assert_int_equal(a->named, b->named);
		if (a->named)
			assert_string_equal(a->name, b->name);
	}
	assert_string_equal(m->model, "method");
	assert_string_equal(shape(&m->nodes[m->output]), "1x10");
	assert_int_equal(m->nodes[m->output].op, OP_SOFTMAX);
	/* nodes remember their model line. (Not checked: the links of a
	 * method chain spread over lines 2-5; Lua gives every call in one
	 * chain the chain's first line.) */
	assert_int_equal(named(m, "conv1")->line, 2);
	assert_int_equal(named(m, "conv2")->line, 6);
	assert_int_equal(named(m, "fc")->line, 7);
	assert_int_equal(named(g, "bn1")->line, 3);
	assert_int_equal(g->nodes[named(g, "bn1")->id + 1].line, 4);
	/* unnamed nodes get "<op>_<id>" */
	assert_string_equal(m->nodes[3].name, "relu_3");
	assert_false(m->nodes[3].named);
	arena_free(first);
}

/* ---- options -------------------------------------------------------- */

static void test_defaults(void **state)
{
	Graph *g = load(state, "defaults.lua",
	                "local x = input { name = 'image', shape = { 2, 4, 32, 32 } }\n"
	                "local c = x:conv2d { name = 'c', out_channels = 8, kernel_size = 3 }\n"
	                "local b = c:batch_norm { name = 'bn' }\n"
	                "local m = b:max_pool2d { name = 'mp', kernel_size = 3 }\n"
	                "local a = m:avg_pool2d { name = 'ap', kernel_size = 2 }\n"
	                "local l = a:leaky_relu { name = 'lr' }\n"
	                "local d = l:dropout { name = 'do' }\n"
	                "local p = d:adaptive_avg_pool2d { name = 'aap', output_size = 3 }\n"
	                "return p:flatten():linear { name = 'fc', out_features = 5 }\n");
	const Attrs *c = &named(g, "c")->a;
	assert_int_equal(c->stride[0], 1);
	assert_int_equal(c->stride[1], 1);
	assert_int_equal(c->pad[0], 0);
	assert_int_equal(c->pad[1], 0);
	assert_int_equal(c->dilation[0], 1);
	assert_int_equal(c->dilation[1], 1);
	assert_int_equal(c->groups, 1);
	assert_true(c->bias);
	assert_string_equal(shape(named(g, "c")), "2x8x30x30");
	assert_true(named(g, "bn")->a.eps == 1e-5);
	/* pools: stride defaults to kernel_size; 30 / 3 = 10, then 10 / 2 = 5 */
	const Attrs *m = &named(g, "mp")->a;
	assert_int_equal(m->stride[0], 3);
	assert_int_equal(m->stride[1], 3);
	assert_int_equal(m->pad[0], 0);
	assert_false(m->ceil_mode);
	assert_string_equal(shape(named(g, "mp")), "2x8x10x10");
	const Attrs *a = &named(g, "ap")->a;
	assert_int_equal(a->stride[0], 2);
	assert_int_equal(a->stride[1], 2);
	assert_true(a->count_include_pad);
	assert_false(a->ceil_mode);
	assert_string_equal(shape(named(g, "ap")), "2x8x5x5");
	assert_true(named(g, "lr")->a.param == 0.01);
	assert_true(named(g, "do")->a.p == 0.5);
	/* output_size = 3 is {3, 3} */
	assert_string_equal(shape(named(g, "aap")), "2x8x3x3");
	assert_true(named(g, "fc")->a.bias);
	assert_string_equal(shape(named(g, "fc")), "2x5");
}

static void test_explicit_options(void **state)
{
	Graph *g = load(state, "explicit.lua",
	                "local x = input { name = 'image', shape = { 1, 4, 9, 9 } }\n"
	                "local c = x:conv2d { name = 'c', out_channels = 8, kernel_size = 3, groups = 2,\n"
	                "                     bias = false, dilation = 2, padding = 2 }\n"
	                "local b = c:batch_norm { name = 'bn', eps = 1e-3 }\n"
	                "local m = b:max_pool2d { name = 'mp', kernel_size = 2, ceil_mode = true }\n"
	                "local a = m:avg_pool2d { name = 'ap', kernel_size = 3, stride = 1, padding = 1,\n"
	                "                         count_include_pad = false }\n"
	                "local l = a:leaky_relu { name = 'lr', negative_slope = 0.2 }\n"
	                "return l:dropout { name = 'do', p = 0 }\n");
	const Node *c = named(g, "c");
	assert_int_equal(c->a.groups, 2);
	assert_false(c->a.bias);
	assert_int_equal(c->a.dilation[0], 2);
	/* 9 + 4 - 4 - 1 + 1 = 9 */
	assert_string_equal(shape(c), "1x8x9x9");
	assert_true(named(g, "bn")->a.eps == 1e-3);
	/* ceil(7 / 2) + 1 = 5 */
	assert_true(named(g, "mp")->a.ceil_mode);
	assert_string_equal(shape(named(g, "mp")), "1x8x5x5");
	assert_false(named(g, "ap")->a.count_include_pad);
	assert_string_equal(shape(named(g, "ap")), "1x8x5x5");
	assert_true(named(g, "lr")->a.param == 0.2);
	assert_true(named(g, "do")->a.p == 0);
	/* the options reach the parameter specs: weight [8, 2, 3, 3], no bias */
	assert_int_equal(ir_param_count(g, c), 144);
}

/* Every activation of runtime/acts.def, from the table: its op as a
 * method and as a global, its parameters' options and defaults (a choice
 * of strings given its second, 1), and its fusion into the conv before
 * it (passes/fuse.c). */
static void test_every_activation(void **state)
{
	for (int act = 1; act < ACT_COUNT; act++) {
		const ActInfo *ai = &act_info[act];
		const char *name = op_name[ai->op];
		char text[1024], file[64], opts[128] = "";
		double p = ai->choices ? 1 : 0.25, q = 0.5;
		if (ai->option)
			snprintf(opts, sizeof opts, ", %s = %s%s%s%s", ai->option,
			         ai->choices ? "'" : "0.25", ai->choices ? ai->choices[1] : "", ai->choices ? "'" : "",
			         ai->option2 ? ", " : "");
		if (ai->option2)
			snprintf(opts + strlen(opts), sizeof opts - strlen(opts), "%s = 0.5", ai->option2);
		snprintf(text, sizeof text,
		         "local x = input { name = 'image', shape = { 1, 3, 8, 8 } }\n"
		         "local c = x:conv2d { name = 'c', out_channels = 4, kernel_size = 3 }\n"
		         "local a = c:%s { name = 'a'%s }\n"
		         "return %s(a, { name = 'b' })\n",
		         name, opts, name);
		snprintf(file, sizeof file, "act_%s.lua", name);
		Graph *g = load(state, file, text);
		const Node *a = named(g, "a"), *b = named(g, "b");
		assert_int_equal(a->op, ai->op);
		assert_int_equal(ir_act_of(a->op), act);
		assert_true(a->a.param == (ai->option ? p : 0));
		assert_true(a->a.param2 == (ai->option2 ? q : 0));
		assert_true(b->a.param == ai->dflt);
		assert_true(b->a.param2 == ai->dflt2);
		fuse(g);
		const Node *c = named(g, "c");
		assert_int_equal(c->a.act, act);
		assert_true(c->a.act_param == (ai->option ? p : 0));
		assert_true(c->a.act_param2 == (ai->option2 ? q : 0));
		assert_true(named(g, "a")->dead);
	}
}

/* prelu as a method and a global: num_parameters' default, its slopes a
 * learned tensor NAME.weight [num_parameters], fused into the conv before it. */
static void test_prelu(void **state)
{
	Graph *g = load(state, "prelu.lua",
	                "local x = input { name = 'image', shape = { 1, 3, 8, 8 } }\n"
	                "local c = x:conv2d { name = 'c', out_channels = 13, kernel_size = 3 }\n"
	                "local a = c:prelu { name = 'a', num_parameters = 13 }\n"
	                "return prelu(a, { name = 'b' })\n");
	const Node *a = named(g, "a"), *b = named(g, "b");
	assert_int_equal(a->op, OP_PRELU);
	assert_int_equal(a->a.num_parameters, 13);
	assert_int_equal(b->a.num_parameters, 1);
	ParamSpec ps[MAX_PARAMS];
	assert_int_equal(ir_params(g, a, ps), 1);
	assert_string_equal(ps[0].suffix, "weight");
	assert_int_equal(ps[0].rank, 1);
	assert_int_equal(ps[0].shape[0], 13);
	assert_int_equal(ir_param_count(g, a), 13);
	assert_int_equal(ir_param_count(g, b), 1);
	fuse(g); /* a into c's epilogue: leaky_relu with a's slopes per channel */
	assert_int_equal(named(g, "c")->a.act, ACT_LEAKY_RELU);
	assert_string_equal(named(g, "c")->slope_key, "a.weight");
	assert_non_null(strstr(named(g, "a")->note, "fused into c"));
	assert_null(named(g, "b")->note); /* b's input is c's, which has its activation now */
}

static void test_pairs(void **state)
{
	Graph *g = load(state, "pairs.lua",
	                "local x = input { name = 'image', shape = { 1, 3, 20, 11 } }\n"
	                "local c = x:conv2d { name = 'c', out_channels = 4, kernel_size = { 3, 5 },\n"
	                "                     stride = { 2, 1 }, padding = { 1, 2 }, dilation = { 1, 2 } }\n"
	                "local p = c:max_pool2d { name = 'p', kernel_size = { 2, 3 }, padding = { 0, 1 } }\n"
	                "return p:adaptive_avg_pool2d { name = 'a', output_size = { 2, 1 } }\n");
	const Attrs *c = &named(g, "c")->a;
	assert_int_equal(c->kernel[0], 3);
	assert_int_equal(c->kernel[1], 5);
	assert_int_equal(c->stride[0], 2);
	assert_int_equal(c->stride[1], 1);
	assert_int_equal(c->pad[0], 1);
	assert_int_equal(c->pad[1], 2);
	assert_int_equal(c->dilation[0], 1);
	assert_int_equal(c->dilation[1], 2);
	/* H: (20 + 2 - 2 - 1) / 2 + 1 = 10; W: (11 + 4 - 8 - 1) + 1 = 7 */
	assert_string_equal(shape(named(g, "c")), "1x4x10x7");
	const Attrs *p = &named(g, "p")->a;
	assert_int_equal(p->stride[0], 2); /* stride = kernel_size, per axis */
	assert_int_equal(p->stride[1], 3);
	/* H: (10 - 2) / 2 + 1 = 5; W: (7 + 2 - 3) / 3 + 1 = 3 */
	assert_string_equal(shape(named(g, "p")), "1x4x5x3");
	assert_int_equal(named(g, "a")->a.out_size[0], 2);
	assert_int_equal(named(g, "a")->a.out_size[1], 1);
	assert_string_equal(shape(named(g, "a")), "1x4x2x1");
}

/* ---- the model sees shapes ------------------------------------------ */

/* torchvision's BasicBlock: a downsample path only when the shape changes. */
static const char resnet_blocks[] =
	"local function block(x, name, planes, stride)\n"
	"  local out = x:conv2d { name = name .. '.conv1', out_channels = planes, kernel_size = 3,\n"
	"                         stride = stride, padding = 1, bias = false }\n"
	"              :batch_norm { name = name .. '.bn1' }:relu()\n"
	"              :conv2d { name = name .. '.conv2', out_channels = planes, kernel_size = 3,\n"
	"                        padding = 1, bias = false }\n"
	"              :batch_norm { name = name .. '.bn2' }\n"
	"  local identity = x\n"
	"  if x.shape[2] ~= planes or x.shape[3] ~= out.shape[3] then\n"
	"    identity = x:conv2d { name = name .. '.downsample.0', out_channels = planes,\n"
	"                          kernel_size = 1, stride = stride, bias = false }\n"
	"                :batch_norm { name = name .. '.downsample.1' }\n"
	"  end\n"
	"  return out:add(identity):relu()\n"
	"end\n"
	"local x = input { name = 'image', shape = { 1, 16, 16, 16 } }\n"
	"x = block(x, 'layer1.0', 16, 1)\n"
	"x = block(x, 'layer2.0', 32, 2)\n"
	"x = block(x, 'layer2.1', 32, 1)\n"
	"return x\n";

static void test_shape_branching(void **state)
{
	Graph *g = load(state, "blocks.lua", resnet_blocks);
	assert_false(has_node(g, "layer1.0.downsample.0"));
	assert_true(has_node(g, "layer2.0.downsample.0"));
	assert_true(has_node(g, "layer2.0.downsample.1"));
	assert_false(has_node(g, "layer2.1.downsample.0"));
	assert_string_equal(shape(named(g, "layer2.0.downsample.1")), "1x32x8x8");
	assert_string_equal(shape(&g->nodes[g->output]), "1x32x8x8");
	/* the downsample conv is created inside the function, at its line */
	assert_int_equal(named(g, "layer2.0.downsample.0")->line, 10);
}

static void test_shape_values(void **state)
{
	/* the model encodes what it sees into sizes the test can read */
	Graph *g = load(state, "shapes.lua",
	                "local x = input { name = 'image', shape = { 2, 3, 7, 5 } }\n"
	                "local s = x.shape\n"
	                "local f = x:flatten()\n"
	                "assert(type(s) == 'table' and math.type(s[1]) == 'integer')\n"
	                "s[1] = 99 -- a copy: changing it changes nothing\n"
	                "local y = f:linear { name = 'fc', out_features = #x.shape * 1000 + #f.shape * 100 + f.shape[2] }\n"
	                "local z = x:conv2d { name = 'probe', kernel_size = 1,\n"
	                "                     out_channels = x.shape[1] * 1000 + x.shape[2] * 100 + x.shape[3] * 10 + x.shape[4] }\n"
	                "assert(x.name == 'image' and z.name == 'probe')\n"
	                "return y\n");
	/* #x.shape = 4, #f.shape = 2, f.shape[2] = 3*7*5 = 105: 4000 + 200 + 105 */
	assert_int_equal(named(g, "fc")->a.out_features, 4305);
	/* 2, 3, 7, 5 */
	assert_int_equal(named(g, "probe")->a.out_channels, 2375);
	assert_string_equal(shape(&g->nodes[g->input]), "2x3x7x5");
}

static const char batch_model[] =
	"local x = input { name = 'image', shape = { 1, 3, 8, 8 } }\n"
	"local y = x:conv2d { name = 'c', out_channels = 10 + x.shape[1], kernel_size = 3, padding = 1 }\n"
	"return y:flatten()\n";

static void test_batch_override(void **state)
{
	Graph *g = load_limits(state, "batch.lua", batch_model, 16, &lua_front_default_limits);
	assert_string_equal(shape(&g->nodes[g->input]), "16x3x8x8");
	/* the model saw the overridden batch */
	assert_int_equal(named(g, "c")->a.out_channels, 26);
	assert_string_equal(shape(named(g, "c")), "16x26x8x8");
	assert_string_equal(shape(&g->nodes[g->output]), "16x1664");

	Ctx *c = *state;
	Arena *first = c->a;
	c->a = arena_new();
	Graph *h = load_limits(state, "batch.lua", batch_model, 0, &lua_front_default_limits);
	assert_string_equal(shape(&h->nodes[h->input]), "1x3x8x8");
	assert_int_equal(named(h, "c")->a.out_channels, 11);
	arena_free(first);
}

/* ---- concat --------------------------------------------------------- */

static void test_concat_forms(void **state)
{
	Graph *g = load(state, "concat.lua",
	                "local x = input { name = 'image', shape = { 1, 3, 8, 8 } }\n"
	                "local a = x:conv2d { name = 'a', out_channels = 4, kernel_size = 1 }\n"
	                "local b = x:conv2d { name = 'b', out_channels = 5, kernel_size = 1 }\n"
	                "local c1 = concat { a, b }\n"
	                "local c2 = a:concat(b)\n"
	                "local c3 = concat { a, b, name = 'cat3' }\n"
	                "local c4 = concat { x, a, b, name = 'cat4' }\n"
	                "local c5 = x:concat({ a, b })\n"
	                "local c6 = concat(a, b, x)\n"
	                "local c7 = concat { a }\n"
	                "return concat { c1, c2, c3, c4, c5, c6, c7, name = 'all' }\n");
	int a = named(g, "a")->id, b = named(g, "b")->id, x = g->input;
	/* node ids in creation order: input 0, a 1, b 2, then c1..c7 at 3..9 */
	static const int nin[] = {2, 2, 2, 3, 3, 3, 1};
	const int want[7][3] = {{a, b}, {a, b}, {a, b}, {x, a, b}, {x, a, b}, {a, b, x}, {a}};
	static const char *const shapes[] = {"1x9x8x8", "1x9x8x8", "1x9x8x8", "1x12x8x8",
	                                     "1x12x8x8", "1x12x8x8", "1x4x8x8"};
	for (int i = 0; i < 7; i++) {
		const Node *n = &g->nodes[3 + i];
		assert_int_equal(n->op, OP_CONCAT);
		assert_int_equal(n->nin, nin[i]);
		for (int j = 0; j < nin[i]; j++)
			assert_int_equal(n->in[j], want[i][j]);
		assert_string_equal(shape(n), shapes[i]);
	}
	assert_int_equal(named(g, "cat3")->id, 5);
	assert_int_equal(named(g, "cat4")->id, 6);
	assert_true(named(g, "cat4")->named);
	/* 9 + 9 + 9 + 12 + 12 + 12 + 4 = 67 */
	assert_string_equal(shape(named(g, "all")), "1x67x8x8");
	assert_int_equal(named(g, "all")->nin, 7);
	assert_int_equal(g->output, named(g, "all")->id);
}

/* chunk and split return one tensor per piece, sized as torch.chunk and
 * torch.split (5 channels in 4 chunks: 3 pieces), named s.0, s.1, ...
 * when named s; each piece's channel range is in Attrs.slice. */
static void test_pieces(void **state)
{
	Graph *g = load(state, "pieces.lua",
	                "local x = input { name = 'image', shape = { 2, 5, 4, 3 } }\n"
	                "local n = select('#', x:chunk { chunks = 4, name = 'c' })\n"
	                "assert(n == 3, 'pieces: ' .. n)\n"
	                "local a, b, c = chunk(x, { chunks = 2, dim = -3 })\n"
	                "assert(c == nil and a.shape[2] == 3 and b.shape[2] == 2)\n"
	                "local p = { x:split { split_size_or_sections = { 1, 3, 1 }, name = 's' } }\n"
	                "assert(#p == 3 and p[2].shape[2] == 3 and p[3].name == 's.2')\n"
	                "local q = { split(x, { split_size_or_sections = 2 }) }\n"
	                "assert(#q == 3 and q[3].shape[2] == 1)\n"
	                "return concat { a, b, p[1], p[2], p[3], q[1], q[2], q[3] }\n");
	static const char *const names[] = {"c.0", "c.1", "c.2", "s.0", "s.1", "s.2"};
	static const int first[] = {0, 2, 4, 0, 1, 4}, size[] = {2, 2, 1, 1, 3, 1};
	for (int i = 0; i < 6; i++) {
		const Node *n = named(g, names[i]);
		assert_int_equal(n->op, i < 3 ? OP_CHUNK : OP_SPLIT);
		assert_int_equal(n->in[0], g->input);
		assert_int_equal(n->a.slice[0], first[i]);
		assert_int_equal(n->a.slice[1], size[i]);
		assert_int_equal(n->shape[0], 2);
		assert_int_equal(n->shape[1], size[i]);
	}
	assert_string_equal(shape(&g->nodes[g->output]), "2x15x4x3");
}

/* concat({a, b}, {name = ...}): tensors in one table, options in another.
 * Loaded in a child first, because a front end that rejects the form
 * exits; a rejection is reported as a skip naming the known bug. */
static const char concat_opts_model[] =
	"local x = input { name = 'image', shape = { 1, 3, 8, 8 } }\n"
	"local a = x:conv2d { name = 'a', out_channels = 4, kernel_size = 1 }\n"
	"return concat({ a, x }, { name = 'cat' })\n";

static void test_concat_options_table(void **state)
{
	Graph *g = load(state, "concat_opts.lua", concat_opts_model);
	const Node *cat = named(g, "cat");
	assert_int_equal(cat->nin, 2);
	assert_int_equal(cat->in[0], named(g, "a")->id);
	assert_int_equal(cat->in[1], g->input);
	assert_string_equal(shape(cat), "1x7x8x8");
}

/* Options whose reading runs model code: an __index that calls ops (and
 * so moves the node array: 64 nodes fill its first allocation) and one
 * that raises an error a pcall catches. Both once broke the front end
 * (SIGFPE on lost options; an internal error on a half-built node). */
static const char reentrant_model[] =
	"local x = input { name = 'image', shape = { 1, 3, 8, 8 } }\n"
	"local y = x\n"
	"for i = 1, 62 do y = y:relu() end\n"
	"local opts = setmetatable({}, { __index = function(t, k)\n"
	"  if k == 'name' then for i = 1, 10 do x:relu() end return 'c1' end\n"
	"  if k == 'kernel_size' then return 2 end\n"
	"  if k == 'out_channels' then return 4 end\n"
	"end })\n"
	"pcall(x.conv2d, x, setmetatable({}, { __index = function() error('boom') end }))\n"
	"return y:conv2d(opts)\n";

static void test_reentrant_options(void **state)
{
	Graph *g = load(state, "reentrant.lua", reentrant_model);
	const Node *c = named(g, "c1");
	assert_int_equal(c->a.out_channels, 4);
	assert_int_equal(c->a.groups, 1);
	assert_string_equal(shape(c), "1x4x7x7");
	assert_int_equal(g->n, 1 + 62 + 10 + 1); /* no conv2d left by the caught error */
}

/* ---- print and limits ----------------------------------------------- */

/* Reads all of fd (rewound) into buf. */
static void slurp(int fd, char *buf, size_t size)
{
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	ssize_t n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = 0;
}

static void test_print_goes_to_stderr(void **state)
{
	char out_path[64], err_path[64];
	snprintf(out_path, sizeof out_path, "%s/stdout", dir);
	snprintf(err_path, sizeof err_path, "%s/stderr", dir);
	int out = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int err = open(err_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(out >= 0 && err >= 0);
	fflush(stdout);
	fflush(stderr);
	int saved_out = dup(1), saved_err = dup(2);
	dup2(out, 1);
	dup2(err, 2);
	Graph *g = load(state, "print.lua",
	                "local x = input { name = 'image', shape = { 1, 3, 8, 8 } }\n"
	                "local y = x:conv2d { name = 'c1', out_channels = 8, kernel_size = 3 }\n"
	                "print('hello', 42, nil, true)\n"
	                "print(y, #y.shape)\n"
	                "return y\n");
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	char buf[512];
	slurp(out, buf, sizeof buf);
	assert_string_equal(buf, "");
	slurp(err, buf, sizeof buf);
	assert_string_equal(buf, "hello\t42\tnil\ttrue\n"
	                         "tensor 1x8x6x6 (conv2d, c1)\t4\n");
	close(out);
	close(err);
	assert_string_equal(shape(&g->nodes[g->output]), "1x8x6x6");
}

static void test_tight_limits(void **state)
{
	/* a model doing modest work fits well inside small limits */
	SandboxLimits lim = {.max_bytes = 8u << 20, .max_instr = 2000000, .max_seconds = 2.0, .max_wall = 60.0};
	Graph *g = load_limits(state, "loop.lua",
	                       "local x = input { name = 'image', shape = { 1, 3, 8, 8 } }\n"
	                       "local t = {}\n"
	                       "for i = 1, 10000 do t[#t + 1] = tostring(i) end\n"
	                       "local s = table.concat(t, ',')\n"
	                       "assert(#s == 48893, #s)\n"
	                       "for i = 1, 20 do\n"
	                       "  x = x:conv2d { name = string.format('layer%d', i), out_channels = 3,\n"
	                       "                 kernel_size = 3, padding = 1 }:relu()\n"
	                       "end\n"
	                       "local ok, err = pcall(error, 'caught')\n"
	                       "assert(not ok and err == 'caught')\n"
	                       "assert(load('return 6 * 7')() == 42)\n"
	                       "return x\n",
	                       0, &lim);
	assert_int_equal(g->n, 41);
	assert_true(has_node(g, "layer20"));
	assert_string_equal(shape(&g->nodes[g->output]), "1x3x8x8");
}

static void sleep_us(long us)
{
	struct timespec t = {us / 1000000, us % 1000000 * 1000};
	while (nanosleep(&t, &t) != 0)
		;
}

/* Runs `text` in a forked child under `lim`, stopped with SIGSTOP for
 * stop_us from 50 ms in; returns its exit status, stderr in err. */
static int run_stopped(const char *name, const char *text, const SandboxLimits *lim, long stop_us,
                       char *err, size_t size)
{
	char path[4200], err_path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(err_path, sizeof err_path, "%s/%s.stderr", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	int fd = open(err_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd, 2);
		Arena *a = arena_new();
		lua_front_load(a, path, 0, lim);
		_exit(0);
	}
	sleep_us(50000);
	kill(pid, SIGSTOP);
	sleep_us(stop_us);
	kill(pid, SIGCONT);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	slurp(fd, err, size);
	close(fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A model busy for about 40 million VM instructions (0.2 s here). */
static const char busy_model[] = "local s = 0\n"
                                 "for i = 1, 20000000 do s = s + i end\n"
                                 "local x = input { name = 'x', shape = { 1, 3, 5, 5 } }\n"
                                 "return x:relu()\n";

static void test_time_limit_is_cpu_time(void **state)
{
	(void)state;
	/* stopped past its 0.5 s limit, the model still loads: the limit
	 * counts CPU, and a busy machine must not fail a model */
	SandboxLimits lim = {.max_bytes = 8u << 20, .max_instr = 100000000, .max_seconds = 0.5, .max_wall = 60.0};
	char err[512];
	assert_int_equal(run_stopped("stopped.lua", busy_model, &lim, 800000, err, sizeof err), 0);
	assert_string_equal(err, "");
}

static void test_wall_backstop(void **state)
{
	(void)state;
	/* a model that makes no progress for max_wall seconds of wall-clock
	 * time (here: stopped) is ended by the SIGALRM backstop */
	SandboxLimits lim = {.max_bytes = 8u << 20, .max_instr = 100000000, .max_seconds = 5.0, .max_wall = 0.3};
	char err[512];
	assert_int_equal(run_stopped("hung.lua", busy_model, &lim, 500000, err, sizeof err), 1);
	assert_non_null(strstr(err, "hung.lua: error: model ran 0.3 s of wall-clock time without finishing "
	                            "(its limit is 5 s of CPU time)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_call_styles, setup, teardown),
		cmocka_unit_test(test_time_limit_is_cpu_time),
		cmocka_unit_test(test_wall_backstop),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pairs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shape_branching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shape_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_activation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prelu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concat_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concat_options_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reentrant_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_goes_to_stderr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tight_limits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
