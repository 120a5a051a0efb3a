/*
 * fuzz_hooks.c: what fuzz_hooks.h redirects lua_front.c's four calls to,
 * for the harnesses that run the Lua front end (fuzz_lua.c, fuzz_onnx.c).
 */
#include "fuzz.h"
#include "fuzz_hooks.h"

#include <string.h>

#undef signal
#undef setitimer
#undef lua_newstate
#undef lua_close

lua_State *fuzz_open_state;

fuzz_handler fuzz_signal(int sig, fuzz_handler h)
{
	(void)sig;
	(void)h;
	return SIG_DFL;
}

int fuzz_setitimer(int which, const struct itimerval *it, struct itimerval *old)
{
	(void)which;
	(void)it;
	if (old)
		memset(old, 0, sizeof *old);
	return 0;
}

lua_State *fuzz_lua_newstate(lua_Alloc f, void *ud)
{
	FUZZ_CHECK(!fuzz_open_state);
	fuzz_open_state = lua_newstate(f, ud);
	return fuzz_open_state;
}

void fuzz_lua_close(lua_State *L)
{
	FUZZ_CHECK(L == fuzz_open_state);
	fuzz_open_state = NULL;
	lua_close(L);
}
