/*
 * dsl.c: the op functions a model file calls.
 *
 * Each op of ops.def is a global `op(x, opts)` and a tensor method
 * `x:op(opts)`; both reach the same C function with the tensor first.
 * A tensor is a full userdata holding a node id, with a locked metatable
 * whose __index gives the methods and `shape`.
 *
 * Options are checked against one table (op_options below, a row per op
 * of ops.def, the activations' from runtime/acts.def): unknown keys,
 * wrong types, non-positive sizes and missing required options are errors
 * at the calling model line, saying what was expected. Every node then
 * gets its shape at once, so a shape that cannot work is reported at the
 * line that asked for it, and the model can branch on `t.shape`.
 */
#include "../cnnc.h"

#include <float.h>
#include <math.h>

#include <lauxlib.h>
#include <lua.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#define TENSOR "cnnc.tensor" /* registry name of the tensor metatable */
#define SHAPE "cnnc.shape"   /* and of a tensor's shape list's */
#define MAX_CONCAT 1024      /* most inputs of one concat */
#define MAX_PIECES 1024      /* most tensors one chunk or split returns */

/* What values an option takes. */
typedef enum {
	OPT_POS,      /* integer >= 1 */
	OPT_POS_PAIR, /* integer >= 1, or {h, w} of them */
	OPT_NN_PAIR,  /* integer >= 0, or {h, w} of them */
	OPT_BOOL,     /* true or false */
	OPT_NUM,      /* any finite number */
	OPT_POS_NUM,  /* number > 0 */
	OPT_POS_NUM_PAIR, /* number > 0, or {h, w} of them, into double[2] */
	OPT_PROB,     /* number in [0, 1] */
	OPT_SHAPE,    /* array of 2 or 4 integers >= 1 (input only) */
	OPT_SIZES,    /* array of 1 to 4 integers >= 1, into a Dims */
	OPT_CHOICE,   /* one of the strings OptSpec.choices; the value is
	                 its index (an int: Attrs.mode) */
	OPT_NAME,     /* layer name string */
	OPT_ENUM,     /* one of the strings OptSpec.choices; the value is
	                 its index (a double) */
	OPT_INT,      /* any integer in +-16777216 (a dim) */
	OPT_DIMS,     /* a dim or a list of up to MAX_RANK dims (Dims) */
	OPT_SECTIONS, /* integer >= 1, or a list of them (split; read by
	                 op_pieces, not stored) */
	OPT_INT_LIST, /* a list of 1 to MAX_RANK integers (Dims) */
	OPT_SIZE_LIST,/* integer >= 1, or a list of 1 to MAX_RANK of them (Dims) */
	OPT_PADS,     /* a list of 2 or 4 integers, any sign (pad), into a
	                 Dims */
} OptType;

/* One option an op accepts. */
typedef struct {
	const char *key;   /* option name, as in torch.nn.functional */
	OptType type;      /* accepted values */
	bool required;     /* must be given */
	size_t field;      /* offset of its value in Attrs (unused: name, shape) */
	double dflt;       /* default (pairs: both halves); -1: same as kernel;
	                      OPT_ENUM, OPT_CHOICE: the index of the default choice */
	const char *const *choices; /* OPT_ENUM, OPT_CHOICE: the strings it takes,
	                      NULL-terminated (else NULL) */
} OptSpec;

#define A(f) offsetof(Attrs, f)
#define NAME_OPT(req) {"name", OPT_NAME, req, 0, 0}
#define END {NULL, 0, false, 0, 0, NULL}

static const OptSpec input_opts[] = {NAME_OPT(false), {"shape", OPT_SHAPE, true, 0, 0}, END};
static const OptSpec conv2d_opts[] = {
	NAME_OPT(true),
	{"out_channels", OPT_POS, true, A(out_channels), 0},
	{"kernel_size", OPT_POS_PAIR, true, A(kernel), 0},
	{"stride", OPT_POS_PAIR, false, A(stride), 1},
	{"padding", OPT_NN_PAIR, false, A(pad), 0},
	{"dilation", OPT_POS_PAIR, false, A(dilation), 1},
	{"groups", OPT_POS, false, A(groups), 1},
	{"bias", OPT_BOOL, false, A(bias), 1},
	END,
};
static const OptSpec conv_transpose2d_opts[] = {
	NAME_OPT(true),
	{"out_channels", OPT_POS, true, A(out_channels), 0},
	{"kernel_size", OPT_POS_PAIR, true, A(kernel), 0},
	{"stride", OPT_POS_PAIR, false, A(stride), 1},
	{"padding", OPT_NN_PAIR, false, A(pad), 0},
	{"output_padding", OPT_NN_PAIR, false, A(out_pad), 0},
	{"groups", OPT_POS, false, A(groups), 1},
	{"bias", OPT_BOOL, false, A(bias), 1},
	{"dilation", OPT_POS_PAIR, false, A(dilation), 1},
	END,
};
static const OptSpec batch_norm_opts[] = {NAME_OPT(true), {"eps", OPT_POS_NUM, false, A(eps), 1e-5}, END};
static const OptSpec linear_opts[] = {
	NAME_OPT(true),
	{"out_features", OPT_POS, true, A(out_features), 0},
	{"bias", OPT_BOOL, false, A(bias), 1},
	END,
};
/* The activations: a name, and the options of their parameters if their
 * row of runtime/acts.def has them (an ACT_E row's a choice of strings,
 * <name>_choices). */
#define ACT(ID, name, kind) static const OptSpec name##_opts[] = {NAME_OPT(false), END};
#define ACT_P(ID, name, kind, option, dflt) \
	static const OptSpec name##_opts[] = {NAME_OPT(false), {#option, OPT_NUM, false, A(param), dflt}, END};
#define ACT_P2(ID, name, kind, option, dflt, option2, dflt2)                                               \
	static const OptSpec name##_opts[] = {NAME_OPT(false), {#option, OPT_NUM, false, A(param), dflt},   \
	                                      {#option2, OPT_NUM, false, A(param2), dflt2}, END};
#define ACT_E(ID, name, kind, option, ...)                                                         \
	static const char *const name##_choices[] = {__VA_ARGS__, NULL};                            \
	static const OptSpec name##_opts[] = {NAME_OPT(false),                                      \
	                                      {#option, OPT_ENUM, false, A(param), 0, name##_choices}, END};
#include "../../runtime/acts.def"
static const OptSpec max_pool2d_opts[] = {
	NAME_OPT(false),
	{"kernel_size", OPT_POS_PAIR, true, A(kernel), 0},
	{"stride", OPT_POS_PAIR, false, A(stride), -1},
	{"padding", OPT_NN_PAIR, false, A(pad), 0},
	{"ceil_mode", OPT_BOOL, false, A(ceil_mode), 0},
	END,
};
static const OptSpec avg_pool2d_opts[] = {
	NAME_OPT(false),
	{"kernel_size", OPT_POS_PAIR, true, A(kernel), 0},
	{"stride", OPT_POS_PAIR, false, A(stride), -1},
	{"padding", OPT_NN_PAIR, false, A(pad), 0},
	{"ceil_mode", OPT_BOOL, false, A(ceil_mode), 0},
	{"count_include_pad", OPT_BOOL, false, A(count_include_pad), 1},
	END,
};
static const OptSpec adaptive_avg_pool2d_opts[] = {
	NAME_OPT(false),
	{"output_size", OPT_POS_PAIR, true, A(out_size), 0},
	END,
};
static const char *const interp_modes[] = {"nearest", "bilinear", NULL}; /* INTERP_* order */
static const OptSpec interpolate_opts[] = {
	NAME_OPT(false),
	{"size", OPT_POS_PAIR, false, A(out_size), 0},
	{"scale_factor", OPT_POS_NUM_PAIR, false, A(scale), 0},
	{"mode", OPT_CHOICE, false, A(mode), INTERP_NEAREST, interp_modes},
	{"align_corners", OPT_BOOL, false, A(align_corners), 0},
	END,
};
static const char *const pad_modes[] = {"constant", "reflect", "replicate", NULL}; /* PAD_* order */
static const OptSpec pad_opts[] = {
	NAME_OPT(false),
	{"pad", OPT_PADS, true, A(pads), 0},
	{"mode", OPT_CHOICE, false, A(mode), PAD_CONSTANT, pad_modes},
	{"value", OPT_NUM, false, A(value), 0},
	END,
};
static const OptSpec global_avg_pool_opts[] = {NAME_OPT(false), END};
static const OptSpec flatten_opts[] = {
	NAME_OPT(false),
	{"start_dim", OPT_INT, false, A(start_dim), 1},
	{"end_dim", OPT_INT, false, A(end_dim), -1},
	END,
};
/* add, sub, mul, div: name only; their operands are arguments */
static const OptSpec add_opts[] = {NAME_OPT(false), END};
static const OptSpec sub_opts[] = {NAME_OPT(false), END};
static const OptSpec mul_opts[] = {NAME_OPT(false), END};
static const OptSpec div_opts[] = {NAME_OPT(false), END};
static const OptSpec param_opts[] = {NAME_OPT(true), {"shape", OPT_SIZES, true, A(pshape), 0}, END};
static const OptSpec concat_opts[] = {NAME_OPT(false), END};
static const OptSpec dropout_opts[] = {NAME_OPT(false), {"p", OPT_PROB, false, A(p), 0.5}, END};
static const char *const sd_modes[] = {"row", "batch", NULL};
static const OptSpec stochastic_depth_opts[] = {
	NAME_OPT(false),
	{"p", OPT_PROB, true, A(p), 0},
	{"mode", OPT_CHOICE, false, A(mode), 0, sd_modes},
	END,
};
static const OptSpec softmax_opts[] = {NAME_OPT(false), END};
static const OptSpec chunk_opts[] = {
	NAME_OPT(false),
	{"chunks", OPT_POS, true, A(chunks), 0},
	{"dim", OPT_INT, false, A(dim), 1},
	END,
};
static const OptSpec split_opts[] = {
	NAME_OPT(false),
	{"split_size_or_sections", OPT_SECTIONS, true, 0, 0},
	{"dim", OPT_INT, false, A(dim), 1},
	END,
};
static const OptSpec channel_shuffle_opts[] = {NAME_OPT(false), {"groups", OPT_POS, true, A(groups), 0}, END};
static const OptSpec mean_opts[] = {
	NAME_OPT(false),
	{"dim", OPT_DIMS, true, A(dims), 0},
	{"keepdim", OPT_BOOL, false, A(keepdim), 0},
	END,
};
static const OptSpec prelu_opts[] = {
	NAME_OPT(true),
	{"num_parameters", OPT_POS, false, A(num_parameters), 1},
	END,
};
static const OptSpec permute_opts[] = {NAME_OPT(false), {"dims", OPT_INT_LIST, true, A(dims), 0}, END};
static const OptSpec reshape_opts[] = {NAME_OPT(false), {"shape", OPT_INT_LIST, true, A(sizes), 0}, END};
static const OptSpec layer_norm_opts[] = {
	NAME_OPT(true),
	{"normalized_shape", OPT_SIZE_LIST, true, A(sizes), 0},
	{"eps", OPT_POS_NUM, false, A(eps), 1e-5},
	{"elementwise_affine", OPT_BOOL, false, A(affine), 1},
	END,
};
static const OptSpec reorder_opts[] = {END}; /* internal: the DSL does not offer it */
static const OptSpec quantize_opts[] = {END};   /* internal: passes/qregions.c */
static const OptSpec dequantize_opts[] = {END}; /* internal: passes/qregions.c */

/* Each op's options, <name>_opts above: an op of ops.def without its
 * table is an undeclared identifier here, a build error. */
static const OptSpec *const op_options[] = {
#define OP(id, name, mn, mx, shape, cost, identity, view, elem, chunked, epilogue) [OP_##id] = name##_opts,
#include "../ir/ops.def"
#undef OP
};
_Static_assert(sizeof op_options / sizeof *op_options == OP_COUNT, "op_options: one row per op");

/* State shared by all op functions of one model (an upvalue). */
typedef struct {
	Graph *g;    /* graph being built */
	int batch;   /* > 0: overrides the input's first dimension */
} Dsl;

typedef struct {
	int id; /* node id of the tensor */
} Tensor;

/* Pushes "FILE:LINE: " of the nearest Lua function up the stack (an op
 * may be called through pcall, a C function), or "". */
static void push_where(lua_State *L)
{
	lua_Debug ar;
	for (int level = 1; lua_getstack(L, level, &ar); level++)
		if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
			lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
			return;
		}
	lua_pushliteral(L, "");
}

/* Raises a model error at the calling line ("FILE:LINE: msg") and marks it
 * fatal, so the sandbox's pcall re-raises it: a model cannot go on with a
 * half-built node. */
static int dsl_error(lua_State *L, const char *fmt, ...)
{
	va_list ap;
	push_where(L);
	va_start(ap, fmt);
	lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	lua_concat(L, 2);
	lua_pushboolean(L, 1);
	lua_setfield(L, LUA_REGISTRYINDEX, DSL_FATAL);
	return lua_error(L);
}

static Dsl *dsl_of(lua_State *L) { return lua_touserdata(L, lua_upvalueindex(1)); }

/* The line of the nearest Lua function up the stack (an op may be called
 * through pcall, a C function). */
static int model_line(lua_State *L)
{
	lua_Debug ar;
	for (int level = 1; lua_getstack(L, level, &ar); level++)
		if (lua_getinfo(L, "l", &ar) && ar.currentline > 0)
			return ar.currentline;
	return 0;
}

static Tensor *to_tensor(lua_State *L, int idx)
{
	return lua_type(L, idx) == LUA_TUSERDATA ? luaL_testudata(L, idx, TENSOR) : NULL;
}

static const char *type_of(lua_State *L, int idx)
{
	return to_tensor(L, idx) ? "tensor" : luaL_typename(L, idx);
}

static int push_tensor(lua_State *L, int id)
{
	Tensor *t = lua_newuserdatauv(L, sizeof *t, 0);
	t->id = id;
	luaL_setmetatable(L, TENSOR);
	return 1;
}

/* ---- option parsing ------------------------------------------------- */

static const char *expected(OptType t)
{
	switch (t) {
	case OPT_POS: return "an integer from 1 to 16777216";
	case OPT_POS_PAIR: return "an integer from 1 to 16777216, or a {h, w} pair of them";
	case OPT_NN_PAIR: return "an integer from 0 to 16777216, or a {h, w} pair of them";
	case OPT_BOOL: return "true or false";
	case OPT_NUM: return "a number a float can hold (|x| <= 3.4e38)";
	case OPT_POS_NUM: return "a number > 0 a float can hold (<= 3.4e38)";
	case OPT_POS_NUM_PAIR: return "a number > 0 a float can hold (<= 3.4e38), or a {h, w} pair of them";
	case OPT_PROB: return "a number from 0 to 1";
	case OPT_SHAPE: return "an array of 4 (N, C, H, W) or 2 (N, F) integers from 1 to 16777216";
	case OPT_SIZES: return "an array of 1 to 4 integers from 1 to 16777216";
	case OPT_CHOICE:
	case OPT_NAME: return "a non-empty string of letters, digits, '_', '.' and '-'";
	case OPT_ENUM: return "one of the strings listed";
	case OPT_INT: return "an integer from -16777216 to 16777216";
	case OPT_DIMS: return "a dim or a list of 1 to 4 dims (integers, 0-based)";
	case OPT_SECTIONS:
		return "an integer from 1 to 16777216 (the size of each piece), or a list of 1 to 1024 of them (the "
		       "size of every piece)";
	case OPT_INT_LIST: return "a list of 1 to 4 integers from -16777216 to 16777216";
	case OPT_SIZE_LIST: return "an integer from 1 to 16777216, or a list of 1 to 4 of them";
	case OPT_PADS: return "a list of 2 ({left, right}) or 4 ({left, right, top, bottom}) integers from -16777216 to 16777216";
	}
	return "?";
}

/* What option o takes, for messages: expected(o->type), or its strings,
 * quoted ("\"none\" or \"tanh\""), pushed on L's stack. */
static const char *expected_of(lua_State *L, const OptSpec *o)
{
	if (o->type != OPT_ENUM && o->type != OPT_CHOICE)
		return expected(o->type);
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (int i = 0; o->choices[i]; i++) {
		if (i > 0)
			luaL_addstring(&b, o->choices[i + 1] ? ", " : " or ");
		luaL_addchar(&b, '"');
		luaL_addstring(&b, o->choices[i]);
		luaL_addchar(&b, '"');
	}
	luaL_pushresult(&b);
	return lua_tostring(L, -1);
}

static bool get_int(lua_State *L, int idx, int lo, int *out)
{
	int isint;
	lua_Integer v = lua_tointegerx(L, idx, &isint);
	if (!isint || v < lo || v > (1 << 24))
		return false;
	*out = (int)v;
	return true;
}

static bool get_pair(lua_State *L, int idx, int lo, int out[2])
{
	if (lua_type(L, idx) == LUA_TNUMBER) {
		if (!get_int(L, idx, lo, &out[0]))
			return false;
		out[1] = out[0];
		return true;
	}
	if (!lua_istable(L, idx) || luaL_len(L, idx) != 2)
		return false;
	bool ok = true;
	for (int i = 0; i < 2; i++) {
		lua_geti(L, idx, i + 1);
		ok = ok && lua_type(L, -1) == LUA_TNUMBER && get_int(L, -1, lo, &out[i]);
		lua_pop(L, 1);
	}
	return ok;
}

/* A list at idx of 1..max integers >= lo (each written to out[i] when
 * out is not NULL): returns how many, or 0 when it is not one. The
 * length is read once (__len may answer differently each time). */
static int get_list(lua_State *L, int idx, int lo, int max, int *out)
{
	if (!lua_istable(L, idx) || to_tensor(L, idx))
		return 0;
	lua_Integer len = luaL_len(L, idx);
	bool ok = len >= 1 && len <= max;
	for (int i = 0; ok && i < len; i++) {
		int v;
		lua_geti(L, idx, i + 1);
		ok = lua_type(L, -1) == LUA_TNUMBER && get_int(L, -1, lo, &v);
		lua_pop(L, 1);
		if (ok && out)
			out[i] = v;
	}
	return ok ? (int)len : 0;
}

/* A number > 0 that a float can hold at idx, into *out. */
static bool pos_num(lua_State *L, int idx, double *out)
{
	double d = lua_tonumber(L, idx);
	if (lua_type(L, idx) != LUA_TNUMBER || !(d > 0 && ir_valid_number(d)))
		return false;
	*out = d;
	return true;
}

/* Parses the value at idx for option o of op into node n. */
static void parse_value(lua_State *L, int idx, Op op, const OptSpec *o, Node *n)
{
	Graph *g = dsl_of(L)->g;
	char *field = (char *)&n->a + o->field;
	bool ok = false;
	double d;
	size_t len;
	switch (o->type) {
	case OPT_POS:
		ok = lua_type(L, idx) == LUA_TNUMBER && get_int(L, idx, 1, (int *)field);
		break;
	case OPT_POS_PAIR:
	case OPT_NN_PAIR:
		ok = get_pair(L, idx, o->type == OPT_POS_PAIR, (int *)field);
		break;
	case OPT_BOOL:
		ok = lua_isboolean(L, idx);
		if (ok)
			*(bool *)field = lua_toboolean(L, idx);
		break;
	case OPT_NUM:
	case OPT_POS_NUM:
	case OPT_PROB:
		ok = lua_type(L, idx) == LUA_TNUMBER;
		d = lua_tonumber(L, idx);
		ok = ok && ir_valid_number(d); /* finite as the kernels' float */
		ok = ok && (o->type != OPT_POS_NUM || d > 0);
		ok = ok && (o->type != OPT_PROB || (d >= 0 && d <= 1));
		if (ok)
			*(double *)field = d;
		break;
	case OPT_POS_NUM_PAIR: /* a number for both, or {h, w} */
		if (lua_type(L, idx) == LUA_TNUMBER) {
			ok = pos_num(L, idx, (double *)field);
			((double *)field)[1] = ((double *)field)[0];
		} else if (lua_istable(L, idx) && luaL_len(L, idx) == 2) {
			ok = true;
			for (int i = 0; i < 2; i++) {
				lua_geti(L, idx, i + 1);
				ok = ok && pos_num(L, -1, (double *)field + i);
				lua_pop(L, 1);
			}
		}
		break;
	case OPT_SHAPE:
		if (lua_istable(L, idx)) {
			lua_Integer r = luaL_len(L, idx);
			ok = r == 2 || r == 4;
			for (int i = 0; ok && i < r; i++) {
				lua_geti(L, idx, i + 1);
				ok = lua_type(L, -1) == LUA_TNUMBER && get_int(L, -1, 1, &n->shape[i]);
				lua_pop(L, 1);
			}
			n->rank = (int)r;
		}
		break;
	case OPT_SIZES: {
		Dims *sizes = (Dims *)field;
		ok = (sizes->n = get_list(L, idx, 1, MAX_RANK, sizes->v)) > 0;
		break;
	}
	case OPT_CHOICE:
	case OPT_ENUM:
		if (lua_type(L, idx) == LUA_TSTRING) {
			const char *s = lua_tostring(L, idx);
			for (int i = 0; !ok && o->choices[i]; i++)
				if (!strcmp(s, o->choices[i])) {
					if (o->type == OPT_ENUM)
						*(double *)field = i;
					else
						*(int *)field = i;
					ok = true;
				}
		}
		break;
	case OPT_INT:
		ok = lua_type(L, idx) == LUA_TNUMBER && get_int(L, idx, -(1 << 24), (int *)field);
		break;
	case OPT_DIMS: {
		Dims *dims = (Dims *)field;
		if (lua_type(L, idx) == LUA_TNUMBER) {
			ok = get_int(L, idx, -(1 << 24), &dims->v[0]);
			dims->n = 1;
		} else
			ok = (dims->n = get_list(L, idx, -(1 << 24), MAX_RANK, dims->v)) > 0;
		break;
	}
	case OPT_INT_LIST:
		ok = (((Dims *)field)->n = get_list(L, idx, -(1 << 24), MAX_RANK, ((Dims *)field)->v)) > 0;
		break;
	case OPT_SIZE_LIST: {
		Dims *sizes = (Dims *)field;
		if (lua_type(L, idx) == LUA_TNUMBER) {
			ok = get_int(L, idx, 1, &sizes->v[0]);
			sizes->n = 1;
		} else
			ok = (sizes->n = get_list(L, idx, 1, MAX_RANK, sizes->v)) > 0;
		break;
	}
	case OPT_PADS: {
		Dims *pads = (Dims *)field;
		pads->n = get_list(L, idx, -(1 << 24), MAX_RANK, pads->v);
		ok = pads->n == 2 || pads->n == 4;
		break;
	}
	case OPT_SECTIONS:
		ok = lua_type(L, idx) == LUA_TNUMBER ? get_int(L, idx, 1, &(int){0}) : get_list(L, idx, 1, MAX_PIECES, NULL) > 0;
		break;
	case OPT_NAME:
		if (lua_type(L, idx) == LUA_TSTRING) {
			const char *s = lua_tolstring(L, idx, &len);
			ok = ir_valid_name(s, len);
			if (ok) {
				n->name = arena_strdup(g->arena, s);
				n->named = true;
			}
		}
		break;
	}
	if (!ok) {
		const char *got = lua_type(L, idx) == LUA_TNUMBER || lua_type(L, idx) == LUA_TSTRING
		                          ? lua_pushfstring(L, "%s %s", luaL_typename(L, idx), luaL_tolstring(L, idx, NULL))
		                          : type_of(L, idx);
		dsl_error(L, "%s: option '%s' must be %s, got %s", op_name[op], o->key, expected_of(L, o), got);
	}
}

static void set_default(const OptSpec *o, Node *n)
{
	char *field = (char *)&n->a + o->field;
	switch (o->type) {
	case OPT_POS:
		*(int *)field = (int)o->dflt;
		break;
	case OPT_POS_PAIR:
	case OPT_NN_PAIR:
		((int *)field)[0] = ((int *)field)[1] = (int)o->dflt;
		if (o->dflt < 0) /* pools: stride defaults to kernel_size */
			memcpy(field, n->a.kernel, sizeof n->a.kernel);
		break;
	case OPT_BOOL:
		*(bool *)field = o->dflt != 0;
		break;
	case OPT_NUM:
	case OPT_POS_NUM:
	case OPT_PROB:
	case OPT_ENUM:
		*(double *)field = o->dflt;
		break;
	case OPT_POS_NUM_PAIR:
		((double *)field)[0] = ((double *)field)[1] = o->dflt;
		break;
	case OPT_CHOICE:
	case OPT_INT:
		*(int *)field = (int)o->dflt;
		break;
	case OPT_SHAPE:
	case OPT_SIZES:
	case OPT_NAME:
	case OPT_DIMS:     /* required */
	case OPT_INT_LIST: /* required */
	case OPT_SIZE_LIST:
	case OPT_PADS:
	case OPT_SECTIONS: /* required, not stored */
		break;
	}
}

static void unknown_option(lua_State *L, Op op, const char *key)
{
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (const OptSpec *o = op_options[op]; o->key; o++) {
		if (o != op_options[op])
			luaL_addstring(&b, ", ");
		luaL_addstring(&b, o->key);
	}
	luaL_pushresult(&b);
	dsl_error(L, "%s: unknown option '%s' (expected one of: %s)", op_name[op], key, lua_tostring(L, -1));
}

/* Reads the options table at idx (0: none) into n. Integer keys are
 * allowed only when allow_array (concat's tensor list). */
static void parse_options(lua_State *L, int idx, Op op, Node *n, bool allow_array)
{
	if (idx) {
		lua_pushnil(L);
		while (lua_next(L, idx)) {
			lua_pop(L, 1);
			if (lua_type(L, -1) != LUA_TSTRING) {
				if (allow_array && lua_isinteger(L, -1))
					continue;
				dsl_error(L, "%s: options must be given by name (key = value), got a %s key", op_name[op],
				           luaL_typename(L, -1));
			}
			const char *key = lua_tostring(L, -1);
			const OptSpec *o = op_options[op];
			while (o->key && strcmp(o->key, key))
				o++;
			if (!o->key)
				unknown_option(L, op, key);
		}
	}
	/* kernel_size comes before stride in each table, so "stride =
	 * kernel_size" defaults see the kernel */
	for (const OptSpec *o = op_options[op]; o->key; o++) {
		if (idx)
			lua_getfield(L, idx, o->key);
		if (!idx || lua_isnil(L, -1)) {
			if (o->required)
				dsl_error(L, "%s: missing required option '%s' (%s)", op_name[op], o->key, expected_of(L, o));
			set_default(o, n);
		} else {
			parse_value(L, lua_gettop(L), op, o, n);
		}
		if (idx)
			lua_pop(L, 1);
	}
}

/* ---- building nodes ------------------------------------------------- */

static void check_unique_name(lua_State *L, Graph *g, Node *n)
{
	for (int i = 0; i < g->n; i++)
		if (&g->nodes[i] != n && !strcmp(g->nodes[i].name, n->name))
			dsl_error(L, "%s: layer name '%s' is already used by the %s at line %d", op_name[n->op], n->name,
			           op_name[g->nodes[i].op], g->nodes[i].line);
}

/* Adds node op over inputs with the options already read into optn,
 * infers its shape and pushes the resulting tensor. */
static int add_node(lua_State *L, Op op, const int *in, int nin, const Node *optn)
{
	Dsl *d = dsl_of(L);
	Graph *g = d->g;
	Node opt = *optn;
	if (opt.named) { /* the layer an error from here on is in */
		lua_pushstring(L, opt.name);
		lua_setfield(L, LUA_REGISTRYINDEX, DSL_LAYER);
	}
	const ActInfo *ai = &act_info[ir_act_of(op)];
	if (ai->option2 && opt.a.param > opt.a.param2) /* a range (acts.def's ACT_P2) */
		dsl_error(L, "%s: %s = %f is above %s = %f (expected %s <= %s)", op_name[op], ai->option, opt.a.param,
		          ai->option2, opt.a.param2, ai->option, ai->option2);
	int id = ir_add(g, op, in, nin, model_line(L));
	Node *n = ir_node(g, id);
	n->a = opt.a;
	n->rank = opt.rank; /* input: its shape option */
	memcpy(n->shape, opt.shape, sizeof n->shape);
	if (opt.named) {
		n->name = opt.name;
		n->named = true;
	}
	check_unique_name(L, g, n);
	if (op == OP_INPUT) {
		if (g->input >= 0)
			dsl_error(L, "input: a model has one input; another was declared at line %d",
			           g->nodes[g->input].line);
		if (d->batch > 0)
			n->shape[0] = d->batch;
		g->input = id;
	}
	char err[512];
	if (!ir_infer_node(g, id, err, sizeof err))
		dsl_error(L, "%s", err);
	lua_pushnil(L); /* built: no error can name it any more */
	lua_setfield(L, LUA_REGISTRYINDEX, DSL_LAYER);
	return push_tensor(L, id);
}

/* Adds node op over inputs, reads options at opts (0: none), infers its
 * shape and pushes the resulting tensor. */
static int build(lua_State *L, Op op, const int *in, int nin, int opts, bool allow_array)
{
	/* Options are read before the node exists: reading them can run model
	 * code (metamethods) that calls ops, moving the node array, or raises
	 * an error that a pcall catches, which must not leave a half-built
	 * node in the graph. */
	Node opt = {.op = op};
	parse_options(L, opts, op, &opt, allow_array);
	return add_node(L, op, in, nin, &opt);
}

/* Argument idx as an options table: absent/nil gives 0. */
static int opts_arg(lua_State *L, Op op, int idx)
{
	if (lua_isnoneornil(L, idx))
		return 0;
	if (!lua_istable(L, idx) || to_tensor(L, idx))
		dsl_error(L, "%s: argument %d must be an options table, got %s", op_name[op], idx, type_of(L, idx));
	if (lua_gettop(L) > idx)
		dsl_error(L, "%s: too many arguments (%d; expected at most %d)", op_name[op], lua_gettop(L), idx);
	return idx;
}

static int tensor_arg(lua_State *L, Op op, int idx)
{
	Tensor *t = to_tensor(L, idx);
	if (!t)
		dsl_error(L, "%s: argument %d must be a tensor, got %s", op_name[op], idx, type_of(L, idx));
	return t->id;
}

/* op(x, opts) and x:op(opts): one tensor, then options. */
static int op_unary(lua_State *L)
{
	Op op = (Op)lua_tointeger(L, lua_upvalueindex(2));
	int x = tensor_arg(L, op, 1);
	return build(L, op, &x, 1, opts_arg(L, op, 2), false);
}

/* input { name = ..., shape = {...} } */
static int op_input(lua_State *L)
{
	if (!lua_istable(L, 1) || to_tensor(L, 1))
		dsl_error(L, "input: expected an options table { name = ..., shape = {N, C, H, W} }, got %s",
		           type_of(L, 1));
	return build(L, OP_INPUT, NULL, 0, opts_arg(L, OP_INPUT, 1), false);
}

/* param { name = ..., shape = {...} }: a learned tensor */
static int op_param(lua_State *L)
{
	if (!lua_istable(L, 1) || to_tensor(L, 1))
		dsl_error(L, "param: expected an options table { name = ..., shape = {...} }, got %s", type_of(L, 1));
	return build(L, OP_PARAM, NULL, 0, opts_arg(L, OP_PARAM, 1), false);
}

/* Operands a, b of binary op (stack 1 and 2): tensors, or one of them a
 * number, which becomes the node's scalar. */
static int binary(lua_State *L, Op op, int opts)
{
	bool na = lua_type(L, 1) == LUA_TNUMBER, nb = lua_type(L, 2) == LUA_TNUMBER;
	if (na && nb)
		dsl_error(L, "%s: at least one operand must be a tensor, got two numbers", op_name[op]);
	for (int i = 1; i <= 2; i++)
		if (lua_type(L, i) != LUA_TNUMBER && !to_tensor(L, i))
			dsl_error(L, "%s: argument %d must be a tensor or a number, got %s", op_name[op], i, type_of(L, i));
	if (!na && !nb) {
		int in[2] = {to_tensor(L, 1)->id, to_tensor(L, 2)->id};
		return build(L, op, in, 2, opts, false);
	}
	double v = lua_tonumber(L, na ? 1 : 2);
	if (!ir_valid_number(v))
		dsl_error(L, "%s: a number operand must be one a float can hold (|x| <= 3.4e38), got %s", op_name[op],
		          lua_tostring(L, na ? 1 : 2));
	int x = to_tensor(L, na ? 2 : 1)->id;
	build(L, op, &x, 1, opts, false);
	Node *n = ir_node(dsl_of(L)->g, to_tensor(L, -1)->id);
	n->a.scalar = v;
	n->a.scalar_first = na;
	return 1;
}

/* add(a, b, opts) and a:add(b, opts); sub, mul, div the same */
static int op_binary(lua_State *L)
{
	Op op = (Op)lua_tointeger(L, lua_upvalueindex(2));
	return binary(L, op, opts_arg(L, op, 3));
}

/* a + b, a - b, a * b, a / b and -a on tensors: the binary ops without
 * options (upvalue 2: the op) */
static int tensor_arith(lua_State *L)
{
	Op op = (Op)lua_tointeger(L, lua_upvalueindex(2));
	lua_settop(L, 2);
	return binary(L, op, 0);
}

static int tensor_unm(lua_State *L)
{
	lua_settop(L, 1);
	lua_pushinteger(L, -1); /* -x: x * -1, which keeps the sign of zeros and NaNs as torch.neg */
	return binary(L, OP_MUL, 0);
}

/* concat({a, b, ...}), concat {a, b, name = ...}, a:concat(b, ...),
 * a:concat({b, c}): tensors are gathered in order from the arguments and
 * the array parts of table arguments; string keys are options. */
static int op_concat(lua_State *L)
{
	int in[MAX_CONCAT], nin = 0, opts = 0, top = lua_gettop(L);
	for (int i = 1; i <= top; i++) {
		if (to_tensor(L, i)) {
			if (nin == MAX_CONCAT)
				dsl_error(L, "concat: more than %d inputs", MAX_CONCAT);
			in[nin++] = to_tensor(L, i)->id;
			continue;
		}
		if (!lua_istable(L, i))
			dsl_error(L, "concat: argument %d must be a tensor or a table of tensors, got %s", i, type_of(L, i));
		lua_Integer len = luaL_len(L, i);
		for (lua_Integer k = 1; k <= len; k++) {
			lua_geti(L, i, k);
			Tensor *t = to_tensor(L, -1);
			if (!t)
				dsl_error(L, "concat: element %d of argument %d must be a tensor, got %s", (int)k, i,
				          type_of(L, -1));
			if (nin == MAX_CONCAT)
				dsl_error(L, "concat: more than %d inputs", MAX_CONCAT);
			in[nin++] = t->id;
			lua_pop(L, 1);
		}
		/* string keys make this table the options */
		bool named = false;
		lua_pushnil(L);
		while (lua_next(L, i)) {
			lua_pop(L, 1);
			named |= lua_type(L, -1) == LUA_TSTRING;
		}
		if (!named)
			continue;
		if (opts)
			dsl_error(L, "concat: options given twice (arguments %d and %d)", opts, i);
		opts = i;
	}
	if (nin == 0)
		dsl_error(L, "concat: expected tensors, as concat({a, b, ...}), got none");
	return build(L, OP_CONCAT, in, nin, opts, true);
}

/* chunk(x, opts), x:chunk(opts), split(x, opts), x:split(opts): one
 * node per piece, each returned, as torch.chunk and torch.split cut dim
 * 1. chunk: pieces of ceil(C / chunks), the last smaller, so there may
 * be fewer than chunks (5 channels in 4 chunks: 2, 2, 1). split: pieces
 * of split_size_or_sections, the last smaller, or a list of sizes that
 * must add up to C. A name "s" names the pieces "s.0", "s.1", ... */
static int op_pieces(lua_State *L)
{
	Op op = (Op)lua_tointeger(L, lua_upvalueindex(2));
	Graph *g = dsl_of(L)->g;
	int x = tensor_arg(L, op, 1), opts = opts_arg(L, op, 2);
	Node opt = {.op = op};
	parse_options(L, opts, op, &opt, false);
	const Node *xn = ir_node(g, x);
	int d = ir_norm_dim(opt.a.dim, xn->rank), c = xn->shape[1];
	if (d < 0)
		dsl_error(L, "%s: dim %d is out of range for a %d-D tensor (expected %d..%d)", op_name[op], opt.a.dim,
		          xn->rank, -xn->rank, xn->rank - 1);
	if (d != 1)
		dsl_error(L, "%s: only dim = 1 (channels) is supported, got dim = %d of a %d-D tensor", op_name[op],
		          opt.a.dim, xn->rank);
	int size[MAX_PIECES], count = 0, each = 0;
	if (op == OP_SPLIT) {
		/* read again (parse_options checked it): a metamethod may answer
		 * otherwise this time */
		lua_getfield(L, opts, "split_size_or_sections");
		bool ok = lua_type(L, -1) == LUA_TNUMBER ? get_int(L, -1, 1, &each)
		                                          : (count = get_list(L, lua_gettop(L), 1, MAX_PIECES, size)) > 0;
		if (!ok)
			dsl_error(L, "split: option 'split_size_or_sections' changed while it was read (expected %s)",
			          expected(OPT_SECTIONS));
	}
	if (count) {
		long long sum = 0;
		for (int i = 0; i < count; i++)
			sum += size[i];
		if (sum != c)
			dsl_error(L, "split: the sizes in split_size_or_sections add up to %I, but dim 1 has %d; they "
			             "must add up to it exactly", (lua_Integer)sum, c);
	} else {
		/* chunk: ceil(C / chunks) each, as torch.chunk */
		if (op == OP_CHUNK)
			each = (c + opt.a.chunks - 1) / opt.a.chunks;
		if ((c + each - 1) / each > MAX_PIECES)
			dsl_error(L, "%s: %d pieces is too many (at most %d)", op_name[op], (c + each - 1) / each,
			          MAX_PIECES);
		for (int first = 0; first < c; first += each)
			size[count++] = c - first < each ? c - first : each;
	}
	if (op == OP_SPLIT)
		lua_pop(L, 1);
	luaL_checkstack(L, count, "too many pieces");
	for (int i = 0, first = 0; i < count; first += size[i++]) {
		Node piece = opt;
		piece.a.slice[0] = first;
		piece.a.slice[1] = size[i];
		if (opt.named)
			piece.name = arena_printf(g->arena, "%s.%d", opt.name, i);
		add_node(L, op, &x, 1, &piece);
	}
	return count;
}

/* ---- names the model got wrong --------------------------------------- */

/* Edit distance (Levenshtein) between a and b, capped at 99. */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	int row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			best = up + 1 < best ? up + 1 : best;
			best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Ops the passes insert, which a model cannot write. */
static bool dsl_internal(Op op) { return op == OP_REORDER || op == OP_QUANTIZE || op == OP_DEQUANTIZE; }

/* The names a model may write: every op of the DSL, and with fields a
 * tensor's fields too ("shape", "name"); NULL past the last (i counts
 * from 0). */
static const char *known_name(int i, bool fields)
{
	static const char *const field_names[] = {"shape", "name"};
	for (int op = 0; op < OP_COUNT; op++)
		if (!dsl_internal((Op)op) && i-- == 0)
			return op_name[op];
	return fields && i < 2 ? field_names[i] : NULL;
}

/* Pushes " (did you mean 'a' or 'b'?)", the known names nearest key (at
 * most a third of its length away, and 2 at least), or "" when none is
 * that near. Returns the nearest name, or NULL. */
static const char *push_suggestion(lua_State *L, const char *key, bool fields)
{
	int best = 99, cap = (int)strlen(key) / 3 > 2 ? (int)strlen(key) / 3 : 2;
	const char *first = NULL;
	for (int i = 0; known_name(i, fields); i++) {
		int d = edit_distance(key, known_name(i, fields));
		if (d < best)
			best = d, first = known_name(i, fields);
	}
	if (best > cap) {
		lua_pushliteral(L, "");
		return NULL;
	}
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	luaL_addstring(&b, " (did you mean ");
	int n = 0;
	for (int i = 0; known_name(i, fields); i++)
		if (edit_distance(key, known_name(i, fields)) == best) {
			if (n++)
				luaL_addstring(&b, " or ");
			luaL_addchar(&b, '\'');
			luaL_addstring(&b, known_name(i, fields));
			luaL_addchar(&b, '\'');
		}
	luaL_addstring(&b, "?)");
	luaL_pushresult(&b);
	return first;
}

void dsl_push_unknown_op(lua_State *L, const char *name)
{
	if (push_suggestion(L, name, false))
		lua_pushfstring(L, "unknown op '%s'%s", name, lua_tostring(L, -1));
	else
		lua_pushfstring(L, "unknown op or function '%s' (a model sees the ops and Lua's base, string, table, "
		                   "math and utf8 libraries only)",
		                name);
	lua_remove(L, -2);
}

/* ---- tensor metatable ----------------------------------------------- */

/* A tensor indexed with a key it does not have (x.shap, x[1],
 * x:hardswishh()): an error at that line naming the key, and the nearest
 * of the ops and fields. Not fatal: nothing is half-built, so a model's
 * pcall may probe. */
static int no_such_key(lua_State *L, int key)
{
	push_where(L);
	if (lua_type(L, key) != LUA_TSTRING) {
		lua_pushfstring(L, "a tensor has no element [%s] (a %s key): it has the fields shape and name, and the ops as "
		                   "methods (x:relu())",
		                luaL_tolstring(L, key, NULL), luaL_typename(L, key));
		lua_remove(L, -2);
	} else {
		const char *name = lua_tostring(L, key);
		const char *near = push_suggestion(L, name, true);
		if (near && (!strcmp(near, "shape") || !strcmp(near, "name")))
			lua_pushfstring(L, "a tensor has no field '%s'%s", name, lua_tostring(L, -1));
		else if (near)
			dsl_push_unknown_op(L, name);
		else
			lua_pushfstring(L, "unknown op or tensor field '%s' (a tensor has the fields shape and name, and "
			                   "the ops as methods)",
			                name);
		lua_remove(L, -2);
	}
	lua_concat(L, 2);
	return lua_error(L);
}

/* __index of a tensor's shape list (x.shape), for the keys it does not
 * have: nil past its last dim (so ipairs stops), an error for a dim
 * below 1 (a 0-based x.shape[0] would be nil, surfacing lines later) and
 * for any other key. */
static int shape_index(lua_State *L)
{
	lua_Unsigned rank = lua_rawlen(L, 1);
	int whole = 0; /* a number of integral value (3 or 3.0) */
	lua_Integer i = lua_type(L, 2) == LUA_TNUMBER ? lua_tointegerx(L, 2, &whole) : 0;
	if (whole && i >= 1)
		return 0;
	push_where(L);
	if (whole)
		lua_pushfstring(L, "a shape has no dim [%I]: its dims are [1] to [%I] (Lua lists start at 1)", i,
		                (lua_Integer)rank);
	else {
		lua_pushfstring(L, "a shape has no element [%s] (a %s key): it is the list of the tensor's %I dims, [1] to [%I]",
		                luaL_tolstring(L, 2, NULL), luaL_typename(L, 2), (lua_Integer)rank, (lua_Integer)rank);
		lua_remove(L, -2); /* luaL_tolstring's string */
	}
	lua_concat(L, 2);
	return lua_error(L);
}

static int tensor_index(lua_State *L)
{
	Dsl *d = dsl_of(L);
	Tensor *t = luaL_checkudata(L, 1, TENSOR);
	const char *key = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL; /* not a number turned string */
	if (key && !strcmp(key, "shape")) {
		Node *n = ir_node(d->g, t->id);
		lua_createtable(L, n->rank, 0);
		for (int i = 0; i < n->rank; i++) {
			lua_pushinteger(L, n->shape[i]);
			lua_rawseti(L, -2, i + 1);
		}
		luaL_setmetatable(L, SHAPE);
		return 1;
	}
	if (key && !strcmp(key, "name")) {
		lua_pushstring(L, ir_node(d->g, t->id)->name);
		return 1;
	}
	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(2)) == LUA_TNIL) /* the methods table */
		return no_such_key(L, 2);
	return 1;
}

static int tensor_tostring(lua_State *L)
{
	Dsl *d = dsl_of(L);
	Tensor *t = luaL_checkudata(L, 1, TENSOR);
	Node *n = ir_node(d->g, t->id);
	char buf[64];
	lua_pushfstring(L, "tensor %s (%s, %s)", ir_shape_str(n, buf, sizeof buf), op_name[n->op], n->name);
	return 1;
}

static int tensor_newindex(lua_State *L)
{
	return dsl_error(L, "tensors are read-only (tried to set '%s')", luaL_tolstring(L, 2, NULL));
}

static void push_op(lua_State *L, Dsl *d, Op op)
{
	lua_CFunction f;
	switch (op) {
	case OP_INPUT: f = op_input; break;
	case OP_PARAM: f = op_param; break;
	case OP_CONCAT: f = op_concat; break;
	case OP_CHUNK: case OP_SPLIT: f = op_pieces; break;
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: f = op_binary; break;
	default: f = op_unary; break;
	}
	lua_pushlightuserdata(L, d);
	lua_pushinteger(L, op);
	lua_pushcclosure(L, f, 2);
}

void dsl_open(lua_State *L, Graph *g, int batch)
{
	Dsl *d = lua_newuserdatauv(L, sizeof *d, 0);
	d->g = g;
	d->batch = batch;
	lua_setfield(L, LUA_REGISTRYINDEX, "cnnc.dsl"); /* keeps d alive */

	lua_newtable(L); /* methods */
	for (int op = 0; op < OP_COUNT; op++) {
		if (dsl_internal((Op)op))
			continue; /* internal: inserted by the layout or region pass */
		push_op(L, d, (Op)op);
		lua_pushvalue(L, -1);
		lua_setglobal(L, op_name[op]);
		if (op != OP_INPUT && op != OP_PARAM)
			lua_setfield(L, -2, op_name[op]);
		else
			lua_pop(L, 1);
	}
	int methods = lua_gettop(L);

	luaL_newmetatable(L, SHAPE);
	lua_pushcfunction(L, shape_index);
	lua_setfield(L, -2, "__index");
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);

	luaL_newmetatable(L, TENSOR);
	lua_pushlightuserdata(L, d);
	lua_pushvalue(L, methods);
	lua_pushcclosure(L, tensor_index, 2);
	lua_setfield(L, -2, "__index");
	lua_pushlightuserdata(L, d);
	lua_pushcclosure(L, tensor_tostring, 1);
	lua_setfield(L, -2, "__tostring");
	lua_pushcfunction(L, tensor_newindex);
	lua_setfield(L, -2, "__newindex");
	static const struct { const char *event; Op op; } arith[] = {
		{"__add", OP_ADD}, {"__sub", OP_SUB}, {"__mul", OP_MUL}, {"__div", OP_DIV},
	};
	for (size_t i = 0; i < sizeof arith / sizeof *arith; i++) {
		lua_pushlightuserdata(L, d);
		lua_pushinteger(L, arith[i].op);
		lua_pushcclosure(L, tensor_arith, 2);
		lua_setfield(L, -2, arith[i].event);
	}
	lua_pushlightuserdata(L, d);
	lua_pushcclosure(L, tensor_unm, 1);
	lua_setfield(L, -2, "__unm");
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 2);
}
