/*
 * lua_front.c: runs a model file in a sandboxed Lua 5.4 state.
 *
 * A model file is code from elsewhere, so it runs with:
 *   - an allow-list of libraries (base, string, table, math, utf8), opened
 *     one by one (never luaL_openlibs), minus dofile, loadfile and
 *     string.dump; `load` takes text chunks only; print goes to stderr;
 *   - a counting allocator that refuses memory past max_bytes;
 *   - a count hook that stops the VM after max_instr instructions or
 *     max_seconds of the process's CPU time (CPU, not wall-clock: a model
 *     that fits on a quiet machine must not fail on a busy one);
 *   - two timers as the last guard, because a string pattern runs inside
 *     C where the hook never fires: a CPU-time one a second past the
 *     limit, and a wall-clock one at max_wall for a model that hangs
 *     without using CPU. Either prints and _exits(1). No
 *     output file exists yet while the model runs, so nothing is lost.
 * Once a limit is hit, or an op has reported an error, pcall and xpcall
 * re-raise, so a model cannot catch its way past either. xpcall calls its
 * message handler after unwinding, as an ordinary call, so the count hook
 * watches it too. setmetatable refuses __gc: finalizers run with hooks off
 * and at lua_close.
 */
#include "../cnnc.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

const SandboxLimits lua_front_default_limits = {
	.max_bytes = 256u << 20,
	.max_instr = 200000000,
	.max_seconds = 5.0,
	.max_wall = 100.0,
};

#define HOOK_EVERY 1000 /* instructions between hook calls */

/* The running sandbox: limits and what has been used. */
typedef struct {
	SandboxLimits lim;     /* limits in force */
	size_t bytes;          /* bytes allocated now */
	long long instr;       /* instructions run, in HOOK_EVERY steps */
	struct timespec start; /* process CPU time when the model started */
	const char *tripped;   /* which limit was hit (NULL: none) */
	int line;              /* model line last seen by the hook */
} Sandbox;

static Sandbox *sandbox_of(lua_State *L)
{
	void *ud;
	lua_getallocf(L, &ud);
	return ud;
}

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	Sandbox *s = ud;
	if (!ptr)
		osize = 0;
	if (nsize == 0) {
		free(ptr);
		s->bytes -= osize;
		return NULL;
	}
	if (nsize > osize && (nsize - osize > s->lim.max_bytes || s->bytes + (nsize - osize) > s->lim.max_bytes)) {
		s->tripped = "memory";
		return NULL;
	}
	void *p = realloc(ptr, nsize);
	if (p)
		s->bytes = s->bytes - osize + nsize;
	return p;
}

/* CPU seconds the model has used so far. */
static double elapsed(const Sandbox *s)
{
	struct timespec now;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
	return (double)(now.tv_sec - s->start.tv_sec) + 1e-9 * (double)(now.tv_nsec - s->start.tv_nsec);
}

/* Raises the error for the limit hit, located at stack level `level`
 * (0 inside the hook: the running Lua function). */
static int limit_error(lua_State *L, Sandbox *s, int level)
{
	luaL_where(L, level);
	if (!strcmp(s->tripped, "memory"))
		lua_pushfstring(L, "model exceeded the memory limit (%d MB)", (int)(s->lim.max_bytes >> 20));
	else if (!strcmp(s->tripped, "time"))
		lua_pushfstring(L, "model exceeded the time limit (%f s)", s->lim.max_seconds);
	else
		lua_pushfstring(L, "model exceeded the instruction limit (%d million instructions)",
		                (int)(s->lim.max_instr / 1000000));
	lua_concat(L, 2);
	return lua_error(L);
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
	Sandbox *s = sandbox_of(L);
	if (lua_getinfo(L, "l", ar) && ar->currentline > 0)
		s->line = ar->currentline;
	s->instr += HOOK_EVERY;
	if (!s->tripped && s->instr > s->lim.max_instr)
		s->tripped = "instructions";
	if (!s->tripped && elapsed(s) > s->lim.max_seconds)
		s->tripped = "time";
	if (s->tripped)
		limit_error(L, s, 0);
}

/* ---- the timer guards ------------------------------------------------ */

static char cpu_msg[4200];  /* written by the signal handler on SIGPROF */
static char wall_msg[4200]; /* written by the signal handler on SIGALRM */

static void on_timer(int sig)
{
	const char *m = sig == SIGPROF ? cpu_msg : wall_msg;
	ssize_t w = write(2, m, strlen(m));
	(void)w;
	_exit(1);
}

static struct itimerval after(double t)
{
	struct itimerval it = {{0, 0}, {(time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6)}};
	return it;
}

static void guard_start(const char *path, double seconds, double wall)
{
	snprintf(cpu_msg, sizeof cpu_msg,
	         "%s: error: model exceeded the time limit (%g s) inside a library call, "
	         "such as a string pattern that backtracks without end\n",
	         path, seconds);
	snprintf(wall_msg, sizeof wall_msg,
	         "%s: error: model ran %g s of wall-clock time without finishing (its limit is %g s of CPU time)\n",
	         path, wall, seconds);
	signal(SIGPROF, on_timer);
	signal(SIGALRM, on_timer);
	/* the hook enforces the limit in Lua code; the timers are the backstop */
	struct itimerval cpu_timer = after(seconds + 1.0), wall_timer = after(wall);
	setitimer(ITIMER_PROF, &cpu_timer, NULL);
	setitimer(ITIMER_REAL, &wall_timer, NULL);
}

static void guard_stop(void)
{
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_PROF, &off, NULL);
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGPROF, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
}

/* ---- the restricted library ----------------------------------------- */

/* print(...): to stderr, so stdout stays the compiler's (e.g. JSON);
 * control bytes escaped, so a model cannot drive the terminal. */
static int sb_print(lua_State *L)
{
	int n = lua_gettop(L);
	for (int i = 1; i <= n; i++) {
		size_t len;
		const char *s = luaL_tolstring(L, i, &len);
		if (i > 1)
			fputc('\t', stderr);
		diag_escape(stderr, s, len);
		lua_pop(L, 1);
	}
	fputc('\n', stderr);
	return 0;
}

/* load(chunk [, chunkname [, mode [, env]]]): text chunks from strings only. */
static int sb_load(lua_State *L)
{
	size_t len;
	const char *s = lua_tolstring(L, 1, &len);
	if (!s || lua_type(L, 1) != LUA_TSTRING)
		return luaL_error(L, "load: the sandbox loads only strings of Lua source");
	const char *name = luaL_optstring(L, 2, "=(load)");
	int env = !lua_isnone(L, 4) ? 4 : 0;
	if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	if (env) {
		lua_pushvalue(L, env);
		if (!lua_setupvalue(L, -2, 1))
			lua_pop(L, 1);
	}
	return 1;
}

/* True once a limit was hit or an op failed: nothing may catch that. */
static bool fatal(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, DSL_FATAL);
	bool f = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return f || sandbox_of(L)->tripped;
}

/* Re-raises the error value on top of the stack, as a limit error if a
 * limit was hit. */
static int reraise(lua_State *L)
{
	Sandbox *s = sandbox_of(L);
	if (s->tripped)
		return limit_error(L, s, 1);
	return lua_error(L);
}

/* pcall(f, ...) */
static int sb_pcall(lua_State *L)
{
	luaL_checkany(L, 1);
	int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
	if (status != LUA_OK && fatal(L))
		return reraise(L);
	lua_pushboolean(L, status == LUA_OK);
	lua_insert(L, 1);
	return lua_gettop(L);
}

/* xpcall(f, handler, ...): the handler runs after unwinding. */
static int sb_xpcall(lua_State *L)
{
	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_rotate(L, 1, 1);       /* handler, f, handler, args... */
	lua_remove(L, 3);          /* handler, f, args... */
	int status = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0);
	if (status != LUA_OK) {
		if (fatal(L))
			return reraise(L);
		lua_pushvalue(L, 1);
		lua_insert(L, -2);
		lua_call(L, 1, 1);
		if (fatal(L))
			return reraise(L);
		lua_pushboolean(L, 0);
		lua_insert(L, -2);
		return 2;
	}
	lua_pushboolean(L, 1);
	lua_replace(L, 1);         /* true, results... */
	return lua_gettop(L);
}

/* setmetatable(t, mt), refusing finalizers. mt's __gc is read raw, as
 * Lua reads it when it marks t for finalization: a metatable that has a
 * metatable of its own (a shape list's, whose __index refuses names) is
 * not asked for it. */
static int sb_setmetatable(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_argexpected(L, lua_isnoneornil(L, 2) || lua_istable(L, 2), 2, "nil or table");
	if (lua_istable(L, 2)) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "setmetatable: __gc metamethods are not allowed in model files");
	}
	lua_settop(L, 2);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 2, 1);
	return 1;
}

static void open_sandbox_libs(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string}, {LUA_TABLIBNAME, luaopen_table},
		{LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8},  {NULL, NULL},
	};
	for (const luaL_Reg *l = libs; l->name; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	static const char *const removed[] = {"dofile", "loadfile", "collectgarbage", NULL};
	for (const char *const *r = removed; *r; r++) {
		lua_pushnil(L);
		lua_setglobal(L, *r);
	}
	lua_getglobal(L, LUA_STRLIBNAME);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);
	lua_pushcfunction(L, sb_print);
	lua_setglobal(L, "print");
	lua_pushcfunction(L, sb_load);
	lua_setglobal(L, "load");
	lua_pushcfunction(L, sb_pcall);
	lua_setglobal(L, "pcall");
	lua_pushcfunction(L, sb_xpcall);
	lua_setglobal(L, "xpcall");
	lua_getglobal(L, "setmetatable");
	lua_pushcclosure(L, sb_setmetatable, 1);
	lua_setglobal(L, "setmetatable");
	/* math.random would make compiles irreproducible */
	lua_getglobal(L, LUA_MATHLIBNAME);
	lua_pushnil(L);
	lua_setfield(L, -2, "randomseed");
	lua_pushnil(L);
	lua_setfield(L, -2, "random");
	lua_pop(L, 1);
}

/* ---- running a model ------------------------------------------------ */

#define MAX_CHAIN 12 /* calls of the model's functions a message shows */

/* The message handler of the model's run, called where the error was
 * raised, with the stack whole. A call of an undefined global
 * (`gelux(x)`) becomes "unknown op 'gelux'" with the nearest op names.
 * When the error is inside a function of the model (a helper called
 * many times), the chain of calls that led there is queued as notes
 * under the error, innermost first: "FILE:15: note: in 'dense_layer'
 * (building layer 'NAME'), called from FILE:40". Upvalue 1: the model
 * file's path. */
static int on_error(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg)
		return 1; /* not a string: model_error says what it is */
	static const char call_nil[] = "attempt to call a nil value (global '";
	const char *at = strstr(msg, call_nil);
	if (at) {
		const char *name = at + sizeof call_nil - 1, *end = strchr(name, '\'');
		lua_pushlstring(L, msg, (size_t)(at - msg)); /* "FILE:LINE: " */
		lua_pushlstring(L, name, end ? (size_t)(end - name) : strlen(name));
		dsl_push_unknown_op(L, lua_tostring(L, -1));
		lua_remove(L, -2);
		lua_concat(L, 2);
		lua_replace(L, 1);
	}
	const char *path = lua_tostring(L, lua_upvalueindex(1));
	lua_getfield(L, LUA_REGISTRYINDEX, DSL_LAYER);
	const char *layer = lua_tostring(L, -1); /* the op the error is in, if named */
	/* the model's Lua functions on the stack, innermost first; C ones
	 * (ops, pcall) are passed over */
	lua_Debug ar, caller;
	int level = 1, top = lua_gettop(L);
	while (lua_getstack(L, level, &ar) && (!lua_getinfo(L, "Sln", &ar) || ar.currentline <= 0))
		level++;
	/* at most MAX_CHAIN calls (a deep recursion ends in a stack overflow:
	 * the handler then has a few slots of stack, and little time) */
	for (int k = 0; k < MAX_CHAIN && lua_checkstack(L, 4) && lua_getstack(L, level, &ar) &&
	                lua_getinfo(L, "Slnt", &ar) && strcmp(ar.what, "main");
	     k++) {
		lua_settop(L, top);
		int up = level + 1;
		while (lua_getstack(L, up, &caller) && (!lua_getinfo(L, "Sl", &caller) || caller.currentline <= 0))
			up++;
		bool outer = !lua_getstack(L, up, &caller);
		if (outer && !ar.istailcall)
			break;
		const char *file = ar.source[0] == '@' && !strcmp(ar.source + 1, path) ? path : ar.short_src;
		const char *fn = ar.name ? lua_pushfstring(L, "'%s'", ar.name)
		                         : lua_pushfstring(L, "the function at line %d", ar.linedefined);
		const char *from = ar.istailcall /* `return f(x)` reuses its caller's frame, line and all */
		                           ? "by a tail call (return f(...)), whose line Lua does not keep"
		                   : caller.source[0] == '@' && !strcmp(caller.source + 1, path)
		                           ? lua_pushfstring(L, "from %s:%d", path, caller.currentline)
		                           : lua_pushfstring(L, "from %s:%d", caller.short_src, caller.currentline);
		diag_note_after_error(file, ar.currentline, "in %s%s%s%s, called %s", fn, layer ? " (building layer '" : "",
		                      layer ? layer : "", layer ? "')" : "", from);
		layer = NULL; /* the innermost function builds it */
		if (outer)
			break;
		level = up;
	}
	lua_settop(L, 1);
	return 1;
}

/* Prints a Lua error ("file:line: msg") as a cnnc error and exits 1;
 * loading: the error is the parser's, not the model's run. */
NORETURN static void model_error(lua_State *L, const char *path, const Sandbox *s, bool loading)
{
	guard_stop();
	if (s->tripped && !strcmp(s->tripped, "memory"))
		diag_error(path, s->line, "model exceeded the memory limit (%d MB)", (int)(s->lim.max_bytes >> 20));
	const char *msg = lua_tostring(L, -1);
	if (!msg)
		diag_error(path, 0, "model raised an error value of type %s", luaL_typename(L, -1));
	/* Lua prefixes "chunk:line: "; split it off so the message reads
	 * FILE:LINE: error: ... The chunk name Lua shows may be shortened,
	 * so the file named is always the model's. */
	const char *p = msg;
	int line = 0;
	for (const char *colon = strstr(msg, ": "); colon; colon = strstr(colon + 1, ": ")) {
		const char *q = colon;
		while (q > msg && q[-1] >= '0' && q[-1] <= '9')
			q--;
		if (q < colon && q > msg && q[-1] == ':') {
			line = atoi(q);
			p = colon + 2;
			break;
		}
	}
	if (loading && !line && !strcmp(p, "C stack overflow")) /* the parser's own limit: no line to give */
		diag_error(path, 0, "C stack overflow: the model nests deeper than Lua's parser allows, as more than "
		                    "about 190 names on the left of one assignment do; take many pieces as a table "
		                    "(local p = { x:split { ... } })");
	diag_error(path, line, "%s", p);
}

#define MAX_MODEL_BYTES (16 << 20) /* a model file is Lua source: a few KB */

/* The model file's text, read whole (a regular file only, so a FIFO
 * cannot hang the compile before the time guard starts). As luaL_loadfile
 * does, a UTF-8 byte-order mark is skipped, and a first line starting
 * with '#' (#!) is dropped but its newline kept, so line numbers hold. */
static const char *read_model(Arena *a, const char *path, size_t *len)
{
	FILE *f = file_open_regular(path, "a model file (Lua)");
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || st.st_size > MAX_MODEL_BYTES) {
		fclose(f);
		diag_error(path, 0, "model file is over %d MB; a model file is Lua source", MAX_MODEL_BYTES >> 20);
	}
	char *buf = arena_alloc(a, (size_t)st.st_size + 1);
	size_t n = fread(buf, 1, (size_t)st.st_size, f); /* what it held when opened */
	bool bad = ferror(f);
	fclose(f);
	if (bad)
		diag_error(path, 0, "cannot read the model file");
	char *p = buf;
	if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3, n -= 3;
	if (n > 0 && p[0] == '#') {
		char *nl = memchr(p, '\n', n);
		n -= nl ? (size_t)(nl - p) : n;
		p = nl ? nl : p;
	}
	*len = n;
	return p;
}

Graph *lua_front_load(Arena *a, const char *path, int batch, const SandboxLimits *lim)
{
	size_t len;
	const char *text = read_model(a, path, &len);
	return lua_front_load_text(a, path, text, len, batch, lim);
}

Graph *lua_front_load_text(Arena *a, const char *path, const char *text, size_t len, int batch,
                           const SandboxLimits *lim)
{
	Graph *g = ir_new(a, path);
	Sandbox *s = arena_alloc(a, sizeof *s);
	s->lim = *lim;
	lua_State *L = lua_newstate(counting_alloc, s);
	if (!L)
		BUG("cannot create a Lua state");
	open_sandbox_libs(L);
	dsl_open(L, g, batch);

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &s->start);
	guard_start(path, s->lim.max_seconds, s->lim.max_wall);
	lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
	const char *chunk = arena_printf(a, "@%s", path); /* messages say "path:LINE:", as loadfile's do */
	lua_pushstring(L, path);
	lua_pushcclosure(L, on_error, 1);
	if (luaL_loadbufferx(L, text, len, chunk, "t") != LUA_OK)
		model_error(L, path, s, true);
	if (lua_pcall(L, 0, 1, lua_gettop(L) - 1) != LUA_OK)
		model_error(L, path, s, false);

	void *t = luaL_testudata(L, -1, "cnnc.tensor");
	if (!t)
		diag_error(path, 0, "the model must return its output tensor, but returned %s",
		           lua_isnil(L, -1) ? "nothing" : luaL_typename(L, -1));
	g->output = *(int *)t;
	lua_close(L);
	guard_stop(); /* only now: lua_close runs library code too */
	if (g->input < 0)
		diag_error(path, 0, "the model declares no input; start with input { name = ..., shape = {...} }");
	ir_verify(g, "front end");
	return g;
}
