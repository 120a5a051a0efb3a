#!/bin/sh
# tests/run.sh: runs every test suite and prints "N passed, N failed".
# CNNC_BUILD picks the build directory (build, or build/asan).
set -u
cd "$(dirname "$0")/.." || exit 2
B=${CNNC_BUILD:-build}
export CNNC_BUILD="$B"
PY=/usr/bin/python3
passed=0
failed=0
failures=""

suite() { # suite NAME COMMAND...
    name=$1
    shift
    printf '== %s\n' "$name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures="$failures $name"
        printf '!! %s FAILED\n' "$name"
    fi
}

for t in "$B"/tests/test_*; do
    case "$t" in *.o|*.d) continue ;; esac
    [ -x "$t" ] && suite "unit $(basename "$t")" "$t"
done
suite "diagnostics" tests/diag/run.sh
[ -f tests/zoo/test_report.py ] && suite "zoo report vs PyTorch" $PY tests/zoo/test_report.py

echo
[ -n "$failures" ] && echo "failed suites:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
