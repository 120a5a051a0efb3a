#!/usr/bin/python3
"""Writes build.ninja from the source lists below.

build.ninja is committed, so a fresh clone builds with plain `ninja`;
ninja re-runs this script itself when it changes. Adding a compiler
source file means adding it to COMPILER below, nothing else.
"""
import os
import re
import subprocess

COMPILER = """
base/arena.c base/diag.c base/file.c
ir/graph.c ir/shape.c ir/params.c ir/verify.c ir/dump.c
frontend/lua_front.c frontend/dsl.c
io/safetensors.c io/st_write.c
onnx/onnx_read.c onnx/onnx_tensor.c onnx/onnx_graph.c onnx/onnx_fold.c onnx/onnx_map.c onnx/onnx_write.c
passes/dce.c passes/weights.c passes/constfold.c passes/channels_last.c passes/fold_pad.c passes/fold_bn.c passes/swap_resize.c passes/fuse.c passes/algo.c
passes/layout.c passes/pack.c passes/pack_cl.c passes/memplan.c
emit/output.c emit/emit_c.c emit/emit_conv.c emit/emit_pool.c emit/emit_eltwise.c emit/emit_binary.c emit/emit_reorder.c emit/emit_channel.c
emit/emit_weights.c emit/emit_driver.c emit/emit_observe.c emit/build.c
quant/observe.c quant/qparams.c quant/calibrate.c quant/qfile.c quant/qbind.c passes/qregions.c emit/emit_quant.c
emit/report.c emit/report_quant.c
audit/audit.c
""".split()

UNIT_TESTS = ["test_ir", "test_front", "test_safetensors", "test_layout", "test_algo"]

# The runtime: one static library per target of runtime/targets.def
# (build/lib/libcnnrt-TARGET.a), which `cnnc build` links; its unit tests
# (and cnnc's .npy reader) link the generic target's objects, the code a
# `--target generic` program gets: each runtime file is compiled once per
# target and sanitizer, not again for the tests (gemm.c under ASan+UBSan
# alone took 4 to 5 minutes of the build's CPU, twice).
RUNTIME = """
act.c conv_direct.c conv_gemm.c conv_stem.c conv_transpose.c depthwise.c depthwise_s1.c depthwise_s2.c depthwise_rows.c depthwise_cb.c
depthwise_phases.c rows.c gemm.c winograd.c pool.c pad.c resize.c eltwise.c broadcast.c linear.c permute.c npy.c time.c threads.c layout.c conv_cl.c pool_cl.c
channel.c qgemm.c qconv.c qops.c abi.c
""".split()

# Unit tests of the runtime, compiled and linked with it.
RUNTIME_TESTS = ["test_runtime", "test_threads", "test_parallel", "test_acts", "test_qgemm"]

# libFuzzer targets (tests/fuzz/README.md), built with clang under
# build/fuzz/: each harness, the sources it tests and its libraries. The
# compiler targets link tests/fuzz/fuzz_diag.c instead of base/diag.c.
FUZZ = {
    "fuzz_safetensors": ("compiler/io/safetensors.c compiler/base/arena.c compiler/base/file.c "
                         "tests/fuzz/fuzz_diag.c", "-lcjson -lm"),
    "fuzz_npy": ("runtime/npy.c", ""),
    "fuzz_onnx": ("compiler/onnx/onnx_read.c compiler/onnx/onnx_tensor.c compiler/onnx/onnx_graph.c "
                  "compiler/onnx/onnx_fold.c compiler/onnx/onnx_map.c compiler/onnx/onnx_write.c compiler/io/st_write.c "
                  "build/gen/onnx.pb-c.c compiler/ir/graph.c compiler/emit/output.c compiler/base/arena.c "
                  "compiler/base/file.c tests/fuzz/fuzz_diag.c "
                  "compiler/frontend/lua_front.c compiler/frontend/dsl.c compiler/ir/shape.c compiler/ir/params.c "
                  "compiler/ir/verify.c compiler/passes/weights.c compiler/io/safetensors.c tests/fuzz/fuzz_hooks.c",
                  "$protobuf_libs -llua5.4 -lcjson -lm"),
    "fuzz_lua": ("compiler/frontend/lua_front.c compiler/frontend/dsl.c compiler/ir/graph.c "
                 "compiler/ir/shape.c compiler/ir/params.c compiler/ir/verify.c compiler/ir/dump.c "
                 "compiler/base/arena.c compiler/base/file.c tests/fuzz/fuzz_diag.c tests/fuzz/fuzz_hooks.c",
                 "-llua5.4 -lm"),
}



def protobuf_libs():
    """libprotobuf-c's link flags, from pkg-config (Debian's are -lprotobuf-c)."""
    try:
        return subprocess.run(["pkg-config", "--libs", "libprotobuf-c"], check=True,
                              capture_output=True, text=True).stdout.strip() or "-lprotobuf-c"
    except (OSError, subprocess.CalledProcessError):
        return "-lprotobuf-c"


# ONNX's schema as Debian's libonnx-dev ships it; protoc-c turns it into
# build/gen/onnx.pb-c.{c,h} at build time (never checked in).
ONNX_PROTO = "/usr/include/onnx/onnx.proto"
PROTO_GEN = "build/gen/onnx.pb-c.c build/gen/onnx.pb-c.h"


def targets():
    """(name, cflags) of every row of runtime/targets.def, in order."""
    with open("runtime/targets.def") as f:
        rows = re.findall(r'^TARGET\((\w+),\s*"([^"]*)"\)', f.read(), re.M)
    if not rows:
        raise SystemExit("configure.py: no TARGET rows in runtime/targets.def")
    return rows


HEAD = """\
# build.ninja: written by configure.py (edit that, not this).
# `ninja` builds build/cnnc and the runtime libraries (build/lib/);
# `ninja install` installs them (PREFIX, DESTDIR from the environment);
# `ninja test` runs every test; `ninja asan`
# builds everything with ASan+UBSan under build/asan/; `ninja test-asan`
# runs the suite with those binaries. `ninja fuzz` builds the libFuzzer
# targets under build/fuzz/ (clang).

ninja_required_version = 1.10
builddir = build

cc = cc
# -Werror=switch: a switch over an enum that lacks a case fails the build;
# the switches over activations (runtime/acts.def) have no default for it.
warn = -std=c11 -Wall -Wextra -Werror -Werror=switch -Wshadow -Wstrict-prototypes $
  -Wmissing-prototypes -Wno-missing-field-initializers
incs = -I/usr/include/lua5.4 -I/usr/include/cjson -I/usr/lib/llvm-14/include -Icompiler -Ibuild/gen
cflags = -O2 -g $warn $incs -D_POSIX_C_SOURCE=200809L
# The runtime's objects keep line tables only (-g1: backtraces, ASan and
# valgrind reports, perf name file and line): full -g made gemm.c's many
# inlined register tiles 3.3x the object bytes and 30% more compile time,
# and it is compiled five times (each target, and generic under
# ASan+UBSan); the level does not change the code (the same .text).
# Every build of runtime/*.c takes it.
rtdebug = -g1
rtflags = -O2 $rtdebug -std=c99 -pedantic -Wall -Wextra -Werror -Werror=switch -Iruntime
san = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
fuzz = -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
protobuf_libs = @PROTOBUF_LIBS@
libs = -llua5.4 -lcjson -lclang-14 $protobuf_libs -lm
# the code protoc-c generates, compiled without -Werror (it is not ours)
genflags = -O2 -g -std=c11 -Wall -Ibuild/gen

rule cc
  command = $cc -MMD -MF $out.d $cflags -c $in -o $out
  depfile = $out.d
  deps = gcc
  description = CC $out

rule link
  command = $cc $cflags $in -o $out $libs
  description = LINK $out

rule ar
  command = rm -f $out && ar crs $out $in
  description = AR $out

rule run
  command = $cmd
  description = $desc
  pool = console

rule protoc
  command = protoc-c --c_out=build/gen --proto_path=$$(dirname $in) $in
  description = PROTOC-C $in

rule configure
  command = /usr/bin/python3 configure.py
  generator = 1
  description = CONFIGURE

build build.ninja: configure | configure.py runtime/targets.def
"""

GEN = f"""
# ---- ONNX's protobuf schema, as C (protoc-c, at build time) ----
build {PROTO_GEN}: protoc {ONNX_PROTO}
"""


def lib_objs(d, name):
    """The objects of libcnnrt-NAME.a in directory d (runtime_libs)."""
    return [f"{d}/obj/{name}/{src[:-2]}.o" for src in RUNTIME]


def variant(out, d, extra, rt):
    """Compiler and unit tests built into directory d; rt: the runtime
    objects (lib_objs) the runtime's tests and cnnc link."""
    flags = f"  cflags = $cflags {extra}\n" if extra else ""
    objs = []
    for src in COMPILER:
        obj = f"{d}/{src[:-2]}.o"
        gen = " || build/gen/onnx.pb-c.h" if src.startswith("onnx/") else ""
        out.append(f"build {obj}: cc compiler/{src}{gen}\n{flags}")
        objs.append(obj)
    out.append(f"build {d}/gen/onnx.pb-c.o: cc build/gen/onnx.pb-c.c\n  cflags = $genflags {extra}\n")
    objs.append(f"{d}/gen/onnx.pb-c.o")
    out.append(f"build {d}/main.o: cc compiler/main.c\n{flags}")
    objs += [o for o in rt if o.endswith("/npy.o")]  # quantize reads CALIB.npy with the runtime's reader
    lib = " ".join(objs)
    out.append(f"build {d}/cnnc: link {d}/main.o {lib}\n{flags}")
    tests = []
    for t in UNIT_TESTS:
        out.append(f"build {d}/tests/{t}.o: cc tests/unit/{t}.c\n{flags}")
        out.append(f"build {d}/tests/{t}: link {d}/tests/{t}.o {lib}\n{flags}"
                   "  libs = $libs -lcmocka\n")
        tests.append(f"{d}/tests/{t}")
    for t in RUNTIME_TESTS:
        out.append(f"build {d}/tests/{t}.o: cc tests/unit/{t}.c\n"
                   f"  cflags = $rtflags {extra}\n")
        out.append(f"build {d}/tests/{t}: link {d}/tests/{t}.o {' '.join(rt)}\n"
                   f"  cflags = $rtflags {extra}\n  libs = -lcmocka -lm -pthread\n")
        tests.append(f"{d}/tests/{t}")
    return [f"{d}/cnnc"] + tests


def runtime_libs(out, d, rows, extra):
    """libcnnrt-TARGET.a in directory d for each (target, cflags) of rows."""
    libs = []
    for name, flags in rows:
        objs = lib_objs(d, name)
        for src, obj in zip(RUNTIME, objs):
            out.append(f"build {obj}: cc runtime/{src}\n"
                       f"  cflags = {flags} $rtdebug -pedantic -Wall -Wextra -Werror -Werror=switch -Iruntime {extra}\n")
        lib = f"{d}/libcnnrt-{name}.a"
        out.append(f"build {lib}: ar {' '.join(objs)}\n")
        libs.append(lib)
    return libs


def acts_native(out, row):
    """test_acts again, built with the default target's flags against its
    library: the generic target's objects the plain test_acts links and
    its $rtflags have no FMA (x86-64's baseline), so only
    this build sees the formulas' FMA forms (runtime/vexp.h) give the same
    bits scalar and vector."""
    name, flags = row
    t = f"build/tests/test_acts-{name}"
    out.append(f"build {t}.o: cc tests/unit/test_acts.c\n"
               f"  cflags = {flags} -g -pedantic -Wall -Wextra -Werror -Iruntime\n")
    out.append(f"build {t}: link {t}.o build/lib/libcnnrt-{name}.a\n"
               f"  cflags = {flags}\n  libs = -lcmocka -lm -pthread\n")
    return [t]


def qgemm_targets(out, rows):
    """test_qgemm again for every target, built with its flags against its
    library: each target's vector paths of the int8 kernels must give the
    generic C's bytes (the test's references are plain loops)."""
    tests = []
    for name, flags in rows:
        t = f"build/tests/test_qgemm-{name}"
        out.append(f"build {t}.o: cc tests/unit/test_qgemm.c\n"
                   f"  cflags = {flags} -g -pedantic -Wall -Wextra -Werror -Iruntime\n")
        out.append(f"build {t}: link {t}.o build/lib/libcnnrt-{name}.a\n"
                   f"  cflags = {flags}\n  libs = -lcmocka -lm -pthread\n")
        tests.append(t)
    return tests


def fuzz_targets(out):
    """The FUZZ harnesses, with clang; the runtime's target gets its flags."""
    targets = []
    for name, (srcs, libs) in FUZZ.items():
        objs = []
        for src in [f"tests/fuzz/{name}.c"] + srcs.split():
            flags = "$rtflags" if name == "fuzz_npy" else "$genflags" if src.startswith("build/") else "$cflags"
            if src.startswith("compiler/onnx/") or src == "tests/fuzz/fuzz_onnx.c":
                src += " || build/gen/onnx.pb-c.h"
            if src == "compiler/frontend/lua_front.c":
                flags += " -include tests/fuzz/fuzz_hooks.h"
            obj = f"build/fuzz/obj/{name}/{src.split()[0][:-2].replace('build/gen/', 'gen/')}.o"
            out.append(f"build {obj}: cc {src}\n  cc = clang\n  cflags = {flags} $fuzz\n")
            objs.append(obj)
        out.append(f"build build/fuzz/{name}: link {' '.join(objs)}\n"
                   f"  cc = clang\n  cflags = $fuzz\n  libs = {libs}\n")
        targets.append(f"build/fuzz/{name}")
    return targets


def main():
    out = [HEAD.replace("@PROTOBUF_LIBS@", protobuf_libs()), GEN]
    out.append("\n# ---- the compiler and its unit tests ----\n")
    plain = variant(out, "build", "", lib_objs("build/lib", "generic"))
    out.append("\n# ---- the runtime, one library per target ----\n")
    rows = targets()
    plain += runtime_libs(out, "build/lib", rows, "")
    plain += acts_native(out, rows[0])
    plain += qgemm_targets(out, rows)
    out.append("\n# ---- the same under ASan+UBSan; the runtime for --target generic, in a\n"
               "# directory cnnc never looks in by itself (CNNC_LIBDIR=build/asan/sanlib) ----\n")
    asan = variant(out, "build/asan", "$san", lib_objs("build/asan/sanlib", "generic"))
    asan += runtime_libs(out, "build/asan/sanlib", [r for r in rows if r[0] == "generic"], "$san")
    out.append("\n# ---- libFuzzer targets ----\n")
    fuzz = fuzz_targets(out)
    out.append(f"""
# ---- entry points ----
build all: phony {' '.join(plain)}
build asan: phony {' '.join(asan)}
build fuzz: phony {' '.join(fuzz)}
build test: run | all asan fuzz
  cmd = tests/run.sh
  desc = TEST
build test-asan: run | asan fuzz
  cmd = CNNC_BUILD=build/asan tests/run.sh
  desc = TEST (asan)
build install: run | all
  cmd = scripts/install.sh
  desc = INSTALL (scripts/install.sh: PREFIX, default /usr/local, under DESTDIR)
build demo: run | all
  cmd = /usr/bin/python3 scripts/demo.py
  desc = DEMO: Fashion-MNIST through cnnc
build bench: run | all
  cmd = /usr/bin/python3 tests/bench/bench.py && $
        /usr/bin/python3 tests/bench/layers.py resnet18 --md build/bench/layers-resnet18.md && $
        /usr/bin/python3 tests/bench/layers.py resnet50 --md build/bench/layers-resnet50.md && $
        /usr/bin/python3 tests/bench/layers.py mobilenet_v2 --torch --md build/bench/layers-mobilenet_v2.md
  desc = BENCH (tests/bench/bench.py, then layers.py; results in build/bench/*.md)
build bench-layers: run | all
  cmd = mkdir -p build/bench && $
        /usr/bin/python3 tests/bench/layers.py resnet18 --md build/bench/layers-resnet18.md && $
        /usr/bin/python3 tests/bench/layers.py resnet50 --md build/bench/layers-resnet50.md && $
        /usr/bin/python3 tests/bench/layers.py mobilenet_v2 --torch --md build/bench/layers-mobilenet_v2.md
  desc = BENCH per conv layer (tests/bench/layers.py; results in build/bench/layers-*.md)

default all
""")
    text = "".join(out)
    tmp = "build.ninja.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, "build.ninja")


if __name__ == "__main__":
    main()
