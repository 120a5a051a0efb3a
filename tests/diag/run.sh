#!/bin/sh
# tests/diag/run.sh: the diagnostics suite.
#
# Every tests/diag/*.lua is a bad model whose first line is
#   -- expect: FILE:LINE: error: message
# the exact first line cnnc must print on stderr; lines right after it of
#   -- expect-next: FILE:LINE: note: ...
# are the lines that must follow it, in order (the call chain of an
# error inside a function of the model). Each case must exit 1
# with that line, within 15 s of CPU time (the sandbox's limits are 5 s
# of CPU time plus a 1 s timer backstop; `timeout 30` catches a hang).
# CPU time, not the wall clock: under ASan, beside the suites that
# tests/run.sh runs in the background and anything else on 2 cores, the
# 5 s of limit_pattern.lua once took 24 s of wall clock. A case without
# the expectation line fails.
#
# tests/diag/pending/ holds cases that expose known weaknesses of the
# compiler (a hang, an exit 3, a wrong line), each with the line it should
# print and a comment saying what happens now; they are not run by
# default. Once fixed, a case moves up into tests/diag/.
#
# usage: tests/diag/run.sh [CASE.lua ...]   (default: tests/diag/*.lua)
# CNNC_BUILD picks the build directory (build, or build/asan).
set -u
cd "$(dirname "$0")/../.." || exit 2
CNNC=${CNNC_BUILD:-build}/cnnc
LIMIT=15 # seconds of CPU time a case may take
if [ ! -x "$CNNC" ]; then
    echo "diag: $CNNC not built" >&2
    exit 2
fi
[ $# -eq 0 ] && set -- tests/diag/*.lua

# Whole seconds of CPU time (user + system) the shell's children used
# between two outputs of `times` (its second line: the children's, as
# 0m1.230000s 0m0.040000s), rounded up.
children_cpu() { # children_cpu AFTER BEFORE
    awk 'FNR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); t[++n] = u[1] * 60 + u[2] + s[1] * 60 + s[2] }
        END { d = t[1] - t[2]; printf "%d\n", d == int(d) ? d : int(d) + 1 }' "$1" "$2"
}

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
for f in "$@"; do
    expect=$(sed -n '1s/^-- expect: //p' "$f")
    if [ -z "$expect" ]; then
        echo "FAIL $f: first line is not '-- expect: FILE:LINE: error: ...'"
        failed=$((failed + 1))
        continue
    fi
    next=$(grep -c '^-- expect-next: ' "$f")
    times >"$tmp/t0"
    timeout 30 "$CNNC" check "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    times >"$tmp/t1"
    secs=$(children_cpu "$tmp/t1" "$tmp/t0")
    got=$(sed -n 1p "$tmp/err")
    why=""
    if [ "$rc" -eq 124 ]; then
        why="hung (killed after 30 s)"
    elif [ "$rc" -ne 1 ]; then
        why="exit status $rc, expected 1"
    elif [ "$got" != "$expect" ]; then
        why="wrong message"
    elif [ "$next" -gt 0 ] && [ "$(sed -n "2,$((next + 1))p" "$tmp/err")" != "$(sed -n 's/^-- expect-next: //p' "$f")" ]; then
        why="wrong lines after the first"
        expect=$(sed -n 's/^-- expect-next: //p' "$f")
        got=$(sed -n "2,$((next + 1))p" "$tmp/err")
    elif [ "$secs" -gt "$LIMIT" ]; then
        why="took ${secs} s, limit ${LIMIT} s"
    fi
    if [ -z "$why" ]; then
        echo "ok   $f (${secs} s)"
        passed=$((passed + 1))
    else
        echo "FAIL $f: $why"
        echo "     expected: $expect"
        echo "     got:      $got"
        failed=$((failed + 1))
    fi
done
echo "diag: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
