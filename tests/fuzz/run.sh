#!/bin/sh
# tests/fuzz/run.sh: the fuzz suite (see tests/fuzz/README.md).
#
# For each target (safetensors, npy, lua, onnx): first replays every file in
# tests/fuzz/TARGET/regressions/ (inputs that once crashed it), then
# fuzzes for a bounded time from a copy of the seeds in tests/fuzz/TARGET/
# (for lua also models/*.lua and tests/diag/*.lua; the committed corpus
# never grows here), with tests/fuzz/TARGET.dict. Fails if a target crashes,
# leaks, times out (5 s per input) or runs out of memory (2 GB), i.e. if
# libFuzzer exits non-zero or leaves an artifact; the artifacts and the
# log are then kept under build/fuzz/artifacts/. Prints each target's
# execution count.
#
# usage: tests/fuzz/run.sh [TARGET ...]       (default: all four)
# FUZZ_SECONDS: seconds per target (default 20; the whole suite stays
# under ~75 s). `ninja fuzz` builds the targets.
set -u
cd "$(dirname "$0")/../.." || exit 2
SECONDS_PER=${FUZZ_SECONDS:-20}
RUNS=5000000 # cap on executions per target, whatever the time
[ $# -eq 0 ] && set -- safetensors npy lua onnx
opts="-timeout=5 -rss_limit_mb=2048 -print_final_stats=1"
# ASan keeps freed memory in quarantine (256 MB by default) to catch uses
# after free; a model growing a string a few bytes a step frees a chunk
# of every size up to its end and held the fuzzer's RSS past 2 GB
# (regressions/string-growth-rss.lua: 2.0 GB; 0.56 GB with 32 MB of
# quarantine, which still catches a use of anything freed lately). cnnc
# itself (no ASan) ran that model in 60 MB until its 5 s limit.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=32"

tmp=$(mktemp -d) || exit 2
# the targets' input files: in memory if possible (10x faster), removed
# here even after a crash
shm=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d) || exit 2
export TMPDIR="$shm"
trap 'rm -rf "$tmp" "$shm"' EXIT
keep=build/fuzz/artifacts
failed=0
for t in "$@"; do
    bin=build/fuzz/fuzz_$t
    if [ ! -x "$bin" ]; then
        echo "FAIL $t: $bin not built (run 'ninja fuzz')"
        failed=$((failed + 1))
        continue
    fi
    mkdir -p "$tmp/$t/corpus" "$tmp/$t/art"
    find "tests/fuzz/$t" -maxdepth 1 -type f -exec cp {} "$tmp/$t/corpus/" \;
    if [ "$t" = lua ]; then
        # the model zoo and the diagnostics suite seed the Lua target
        for f in models/*.lua tests/diag/*.lua; do
            cp "$f" "$tmp/$t/corpus/$(echo "$f" | tr / _)"
        done
    fi
    why=""

    # 1. regressions: each file run once
    regs=$(find "tests/fuzz/$t/regressions" -type f 2>/dev/null | sort)
    nregs=0
    if [ -n "$regs" ]; then
        nregs=$(echo "$regs" | wc -l)
        # shellcheck disable=SC2086
        if ! $bin $opts -artifact_prefix="$tmp/$t/art/" $regs >"$tmp/$t/regressions.log" 2>&1; then
            why="a regression input fails again"
            log=$tmp/$t/regressions.log
        fi
    fi

    # 2. fuzzing from the seeds
    if [ -z "$why" ]; then
        log=$tmp/$t/fuzz.log
        # shellcheck disable=SC2086
        $bin $opts -dict="tests/fuzz/$t.dict" -max_total_time="$SECONDS_PER" -runs=$RUNS \
            -artifact_prefix="$tmp/$t/art/" "$tmp/$t/corpus" >"$log" 2>&1 ||
            why="libFuzzer exited with status $?"
    fi
    [ -z "$why" ] && [ -n "$(ls -A "$tmp/$t/art")" ] && why="artifacts left: $(ls "$tmp/$t/art")"

    if [ -z "$why" ]; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
        cov=$(sed -n 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*cov: \([0-9]*\) .*corp: \([0-9]*\).*/cov \1, corpus \2/p' "$log" | tail -1)
        echo "ok   $t: $runs executions in ${secs:-?} s ($cov, ${nregs} regression inputs replayed)"
    else
        mkdir -p "$keep"
        cp "$tmp/$t/art/"* "$keep/" 2>/dev/null
        cp "$log" "$keep/$t.log"
        echo "FAIL $t: $why"
        grep -E "ERROR|SUMMARY|fuzz check|internal compiler error|Test unit written|^ *#[0-9] " "$log" |
            head -20 | sed 's/^/     /'
        echo "     log and artifacts kept in $keep/"
        failed=$((failed + 1))
    fi
done
echo "fuzz: $(($# - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
