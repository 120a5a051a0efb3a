#!/bin/sh
# tests/run.sh: every test suite, then "N passed, N failed" (suites).
#
# Suites: the cmocka unit tests, the pass tests (small models with the
# --dump-ir text one pass must leave), the diagnostics suite (bad model files and
# sandbox escapes with their expected messages), the report against
# PyTorch's own counts and against the C compile generates, the runtime
# kernels against torch.nn.functional, the golden outputs of generated programs against PyTorch at every level
# and algorithm (each generated file audited), the same programs under
# ASan+UBSan and under valgrind, the Fashion-MNIST agreement test, the
# fuzzers; then every suite that runs the compiler again with the ASan+UBSan
# build of cnnc (build/asan).
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
    start=$(date +%s)
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures="$failures [$name]"
        printf '!! %s FAILED\n' "$name"
    fi
    printf '   (%s s)\n' $(($(date +%s) - start))
}

# Suites that keep one core busy run two at a time on CI's 2 cores:
# suite_bg starts one in the background, its output in a file; bg_join
# waits for them, prints each one's output in the order started and counts
# them as suite does.
bgdir=$(mktemp -d) || exit 2
trap 'rm -rf "$bgdir"' EXIT
bg_n=0
suite_bg() { # suite_bg NAME COMMAND...
    bg_n=$((bg_n + 1))
    (
        failed=0
        suite "$@"
        exit "$failed"
    ) >"$bgdir/$bg_n.log" 2>&1 &
    eval "bg_pid_$bg_n=\$! bg_name_$bg_n=\$1"
}
bg_join() {
    i=1
    while [ "$i" -le "$bg_n" ]; do
        eval "pid=\$bg_pid_$i name=\$bg_name_$i"
        if wait "$pid"; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            failures="$failures [$name]"
        fi
        cat "$bgdir/$i.log"
        i=$((i + 1))
    done
    bg_n=0
}

# The suites that exercise the compiler itself; $1 labels the build.
compiler_suites() {
    for t in test_ir test_front test_safetensors test_layout test_algo test_runtime test_threads test_parallel test_qgemm \
        test_acts; do
        suite "unit $t$1" "$CNNC_BUILD/tests/$t"
    done
    # built with the default target's flags and library (FMA), plain build only
    [ -x "$CNNC_BUILD/tests/test_acts-native" ] && suite "unit test_acts-native$1" "$CNNC_BUILD/tests/test_acts-native"
    # the int8 kernels built with each target's flags and library: every vector path = the generic C
    # (a target this machine's CPU cannot run, avx512 on an AVX2 host, is skipped and said so)
    for t in "$CNNC_BUILD"/tests/test_qgemm-*; do
        [ -x "$t" ] || continue
        case ${t##*-} in
        avx512) need=avx512f ;;
        avx2) need=avx2 ;;
        *) need= ;;
        esac
        if [ -n "$need" ] && ! grep -qw "$need" /proc/cpuinfo; then
            printf '== unit %s%s: skipped, this CPU has no %s\n' "${t##*/}" "$1" "$need"
            continue
        fi
        suite "unit ${t##*/}$1" "$t"
    done
    suite "pass tests: the IR each pass leaves, as --dump-ir text$1" $PY tests/passes/run.py
    suite "diagnostics$1" tests/diag/run.sh
    suite "command line: exit codes, atomic outputs, determinism$1" $PY tests/cli/test_cli.py
    suite "reliability: outputs never destroyed, temporaries safe, signals, escapes$1" $PY tests/cli/test_reliability.py
    suite "quantize and Q files: hostile calibration data and Q files$1" $PY tests/quant/test_hostile.py
    suite "zoo report vs PyTorch$1" $PY tests/zoo/test_report.py
    suite "onnx import: hostile files$1" $PY tests/onnx/test_hostile.py
    suite "report vs the generated C: folding, fusion, algorithms, layouts, plan$1" \
        $PY tests/zoo/test_report_compile.py
    if [ -z "$1" ]; then
        suite "golden outputs vs PyTorch$1" $PY tests/golden/run_golden.py
    else # the programs are the plain build's, checked above: the same C, to the byte
        suite "golden nets at every level: the same C as build/cnnc$1" \
            $PY tests/golden/run_golden.py --same-c-as build/cnnc
    fi
    suite "fashion-mnist: program agrees with PyTorch$1" $PY tests/fashion/test_fashion.py
}

suite "include graph: no cycles, no .c included" $PY tests/include_graph.py
compiler_suites ""
# The generated programs and the readers, which do not depend on how
# cnnc itself was built; the torchvision models at every level once (random
# weights, PyTorch's output as reference: ~7 minutes on one core).
suite "quantize vs PyTorch's FX post-training quantization: observers, scales, int8 weights" \
    $PY tests/quant/test_oracle.py
suite "int8 programs vs PyTorch's FX-quantized models (onednn): odd-shape nets, resnet18, mobilenet_v2, resnet50 at 48x48, ~25 s" \
    $PY tests/quant/test_int8.py
suite "fashion-mnist in int8: accuracy within 0.3 points of FP32, ~25 s" $PY tests/fashion/test_fashion_int8.py
# side by side (check_kernels compiles on every core first, then runs on one)
suite_bg "runtime kernels vs PyTorch" $PY tests/runtime/check_kernels.py
suite "fuzz: safetensors, npy, model and ONNX readers under libFuzzer" tests/fuzz/run.sh
bg_join
suite "int8 kernels vs PyTorch's quantized conv and linear (onednn), byte for byte" $PY tests/runtime/check_int8.py
suite "exp-based activations vs float64, a dense sweep of the floats" $PY tests/runtime/sweep_acts.py
suite "install: DESTDIR staging, a user program via pkg-config vs PyTorch" $PY tests/cli/test_install.py
suite "golden outputs vs PyTorch: resnet18, resnet50, vgg16, mobilenet_v2, shufflenet_v2_x1_0" \
    $PY tests/golden/run_golden.py --big --only resnet18,resnet50,vgg16,mobilenet_v2,shufflenet_v2_x1_0
# The rest of the torchvision zoo at -O0 and the default level only
# (make_golden.BIG_LEVELS; the other levels' code paths are the ones the
# models above and the odd nets cover at every level).
suite "golden outputs vs PyTorch, -O0 and default: the rest of the torchvision zoo (segmentation also at 224x224)" \
    $PY tests/golden/run_golden.py --big --levels=-O0,default \
    --only squeezenet1_1,alexnet,resnext50_32x4d,densenet121,googlenet,mnasnet1_0,inception_v3,\
mobilenet_v3_small,mobilenet_v3_large,efficientnet_b0,regnet_y_400mf,lraspp_mobilenet_v3_large,\
deeplabv3_mobilenet_v3_large,convnext_tiny,lraspp_mobilenet_v3_large_224,deeplabv3_mobilenet_v3_large_224
suite "golden programs under ASan+UBSan" $PY tests/golden/run_golden.py --asan
# valgrind (uninitialized reads, which ASan does not see) on the levels
# that reach each kernel family once: every level is ASan's above.
suite "golden programs under valgrind" $PY tests/golden/run_golden.py --valgrind \
    --levels=-O0,default,direct,im2col,winograd,blocked
suite "random nets vs PyTorch: 40 drawn nets at -O0, -O2, two threads and one option more each, ~25 s" \
    $PY tests/golden/random_nets.py
suite "onnx import: torch.onnx.export of odd nets and resnet18 (opsets 11, 13, 17) vs PyTorch" \
    $PY tests/onnx/test_export.py
suite "onnx conformance: libonnx-testdata's backend tests in scope, import + build vs ONNX's outputs" \
    $PY tests/onnx/conformance.py
# one core (the exports, mostly): beside the sanitized kernels at the end
suite_bg "onnx zoo round-trip: models/ exported at opsets 11, 13, 17: report equals the .lua's, output vs PyTorch" \
    $PY tests/onnx/test_zoo.py
# Then the whole suite again under ASan+UBSan: the compiler's suites with
# cnnc and the unit tests built with them (any report aborts:
# -fno-sanitize-recover), so every model file, weight file and option
# combination the tests use also runs sanitized, and the runtime kernels
# built with them (the golden programs ran sanitized above; the sanitized
# cnnc must write the same C as the plain one for every golden case).
if [ "$B" = build ] && [ -x build/asan/cnnc ]; then
    # with this host's vector width (the plain run above is the baseline's,
    # SSE2, 4 lanes; -march=native is what `cnnc build` compiles for by
    # default: the AVX2 paths differ, e.g. which depthwise path a shape
    # takes); beside the suites below (its compiles on every core, then
    # its cases on one)
    suite_bg "runtime kernels vs PyTorch (ASan+UBSan, -march=native)" \
        env CFLAGS="-O1 -g1 -march=native -fsanitize=address,undefined -fno-sanitize-recover=all" \
        $PY tests/runtime/check_kernels.py
    CNNC_BUILD=build/asan
    export CNNC_BUILD
    compiler_suites " (asan cnnc)"
fi
bg_join

echo
[ -n "$failures" ] && echo "failed suites:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
