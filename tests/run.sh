#!/bin/sh
# tests/run.sh: every test suite, then "N passed, N failed" (suites).
#
# Suites: the cmocka unit tests, the diagnostics suite (bad model files and
# sandbox escapes with their expected messages), the report against
# PyTorch's own counts, the runtime kernels against torch.nn.functional,
# the golden outputs of generated programs against PyTorch at every level
# and algorithm (each generated file audited), the same programs under
# ASan+UBSan and under valgrind, the Fashion-MNIST agreement test, and the
# unit and diagnostics suites again with the ASan+UBSan build of cnnc.
# `ninja test` runs this; CNNC_BUILD picks the build directory.
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
        failures="$failures [$name]"
        printf '!! %s FAILED\n' "$name"
    fi
}

for t in test_ir test_front test_safetensors test_layout test_runtime; do
    suite "unit $t" "$B/tests/$t"
done
suite "diagnostics" tests/diag/run.sh
suite "command line: exit codes, atomic outputs, determinism" $PY tests/cli/test_cli.py
suite "zoo report vs PyTorch" $PY tests/zoo/test_report.py
suite "runtime kernels vs PyTorch" $PY tests/runtime/check_kernels.py
suite "golden outputs vs PyTorch" $PY tests/golden/run_golden.py
suite "golden programs under ASan+UBSan" $PY tests/golden/run_golden.py --asan
suite "golden programs under valgrind" $PY tests/golden/run_golden.py --valgrind
suite "fashion-mnist: program agrees with PyTorch" $PY tests/fashion/test_fashion.py
suite "fuzz: safetensors, npy and model readers under libFuzzer" tests/fuzz/run.sh
if [ "$B" = build ] && [ -x build/asan/cnnc ]; then
    for t in test_ir test_front test_safetensors test_layout test_runtime; do
        suite "unit $t (asan)" "build/asan/tests/$t"
    done
    suite "diagnostics (asan cnnc)" env CNNC_BUILD=build/asan tests/diag/run.sh
fi

echo
[ -n "$failures" ] && echo "failed suites:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
