/*
 * fuzz_hooks.h: forced into compiler/frontend/lua_front.c in the fuzz
 * build only (clang -include), redirecting four calls to fuzz_hooks.c
 * (for fuzz_lua and fuzz_onnx).
 *
 *   signal, setitimer: the sandbox's timer backstops (a SIGPROF and a
 *     SIGALRM that print and _exit; SIGALRM would replace libFuzzer's own
 *     SIGALRM timer,
 *     which drives -timeout) would end the fuzzer on the first slow input.
 *     Here both do nothing: the count hook still enforces the instruction
 *     and time limits in Lua code, and libFuzzer's -timeout stays in
 *     force for the rest (see fuzz_lua.c on string patterns).
 *   lua_newstate, lua_close: a model error leaves lua_front_load by
 *     diag_error without closing its Lua state (cnnc exits anyway); the
 *     harness remembers the open state and closes it after the longjmp,
 *     so leak detection stays on.
 *
 * The system headers come first, so their declarations keep the real
 * names; the macros rename only the calls in lua_front.c.
 */
#ifndef FUZZ_HOOKS_H
#define FUZZ_HOOKS_H

#include <lua.h>
#include <signal.h>
#include <sys/time.h>

typedef void (*fuzz_handler)(int);
fuzz_handler fuzz_signal(int sig, fuzz_handler h);
int fuzz_setitimer(int which, const struct itimerval *it, struct itimerval *old);
lua_State *fuzz_lua_newstate(lua_Alloc f, void *ud);
void fuzz_lua_close(lua_State *L);
/* the state lua_front_load has open, if any (fuzz_hooks.c): a model error
 * leaves it open, and the harness closes it */
extern lua_State *fuzz_open_state;

#define signal fuzz_signal
#define setitimer fuzz_setitimer
#define lua_newstate fuzz_lua_newstate
#define lua_close fuzz_lua_close

#endif
