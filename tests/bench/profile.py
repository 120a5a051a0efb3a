#!/usr/bin/python3
"""Where a whole model's time goes: each layer of the generated code, timed in place.

    /usr/bin/python3 tests/bench/profile.py [MODEL] [--runs N] [--cpu] [--int8 [--calib N]] [--out DIR] [-- CNNC_FLAGS...]

MODEL is a zoo model (default resnet50). Its weights and input come from
tests/golden/make_golden.py, as in bench.py. With --int8 the program is
the int8 one: `cnnc quantize` on N random calibration samples (default
4, bench_int8.py's seed), then the Q file as the weights. The model is compiled without
a driver (`cnnc compile`); then the statements of each layer in the
generated run function (the emitter heads them with a comment naming the
layer, its model line, shapes and algorithm) get a clock reading before
and after them, and a driver runs the instrumented model N times
(default 51) after a warm-up, and prints for every layer the median of
its N times, its share of the median total, and its heading. It is built
with the compiler command `cnnc build` prints (run_golden's Toolchain),
so the flags are the benchmark's.

Unlike tests/bench/layers.py, which times each conv alone with its input
and weights warm in cache, this sees the layers as they run in the model:
weights that stream from memory, activations left in cache (or not) by
the layer before. A clock reading costs tens of nanoseconds, so the
figures of layers under a few microseconds are mostly the clock.
With --cpu every reading is the thread's CPU time
(CLOCK_THREAD_CPUTIME_ID) instead of the wall clock, so that on a shared,
loaded machine the time the scheduler gives other jobs stays out (their
cache and memory traffic does not); for one-thread programs.
Nothing here is asserted; it is for finding the layers to work on.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
from bench import make_golden, run_golden  # noqa: E402

DRIVER = r"""
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

#include "cnnrt.h"
#include "timing.h"
#include "%(h)s"

#define LAYERS %(layers)d
#define RUNS %(runs)d

static const char *const heading[LAYERS] = {
%(headings)s
};
double prof_ms[LAYERS][RUNS]; /* written by the instrumented %(run)s_ws */
int prof_run;                 /* which run the readings belong to */

/* The clock of every reading: the wall clock, or with --cpu this
 * thread's CPU time (time the scheduler gave other jobs left out). */
double prof_now(void)
{
#if %(cpu)d
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
#else
	return rt_now_ms();
#endif
}

static float input[%(up)s_INPUT_COUNT];
static float output[%(up)s_OUTPUT_COUNT];

int main(void)
{
	static double total[RUNS];
	FILE *f = fopen("%(input)s", "rb");
	/* the .npy's data is its last INPUT_COUNT floats */
	if (!f || fseek(f, -(long)sizeof input, SEEK_END) || fread(input, sizeof input, 1, f) != 1) {
		fprintf(stderr, "cannot read %(input)s\n");
		return 1;
	}
	fclose(f);
	%(run)s(input, output); /* warm-up */
	for (prof_run = 0; prof_run < RUNS; prof_run++) {
		double t0 = prof_now();
		%(run)s(input, output);
		total[prof_run] = prof_now() - t0;
	}
	double all = timing_median(total, RUNS), sum = 0;
	printf("| # | layer (model line): what, algorithm, layout | ms | %%%% of all |\n|---:|---|---:|---:|\n");
	for (int i = 0; i < LAYERS; i++) {
		double m = timing_median(prof_ms[i], RUNS);
		sum += m;
		printf("| %%d | %%s | %%.3f | %%.1f |\n", i + 1, heading[i], m, 100 * m / all);
	}
	printf("\nmedian of %%d runs: %%.2f ms in all, %%.2f ms the layers' medians summed\n", RUNS, all, sum);
	return 0;
}
"""

HEAD_RE = re.compile(r"^\t/\* (\S+ \([^)]*:\d+\): .*) \*/$")  # a layer's heading in RUN_ws


def instrument(src, run, runs):
    """(instrumented source, [heading]) for generated source src: the
    statements under each layer heading of RUN_ws, or of the functions
    RUN_ws calls when the emitter split it (`static void NET_layers_K`),
    up to the next heading or the function's end, get a clock reading on
    each side, without new braces (a declaration among them stays in
    scope)."""
    lines = src.split("\n")
    sym = run[:-len("_run")]
    bodies = [i for i, l in enumerate(lines)
              if l.startswith(f"void {run}_ws(") or l.startswith(f"static void {sym}_layers_")]
    out = lines[:bodies[0]] + [f"extern double prof_ms[][{runs}];", "extern int prof_run;",
                               "double prof_now(void);", ""]
    headings = []
    done = bodies[0]  # lines before it are copied
    for start in bodies:
        end = lines.index("}", start)
        out += lines[done:start]
        open_k = None  # the heading whose statements are being copied

        def close():
            if open_k is not None:
                out.append(f"\tprof_ms[{open_k}][prof_run] = prof_now() - prof_t{open_k};")

        for l in lines[start:end]:
            m = HEAD_RE.match(l)
            if m:
                close()
                open_k = len(headings)
                headings.append(m.group(1))
                out += [l, f"\tdouble prof_t{open_k} = prof_now();"]
            else:
                out.append(l)
        close()
        done = end
    return "\n".join(out + lines[done:]), headings


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", nargs="?", default="resnet50")
    ap.add_argument("--runs", type=int, default=51, help="timed runs (51)")
    ap.add_argument("--seed", type=int, default=make_golden.DEFAULT_SEED)
    ap.add_argument("--out", help="work directory (build/bench/profile/MODEL)")
    ap.add_argument("--cpu", action="store_true",
                    help="time in this thread's CPU time, not the wall clock (a loaded machine; one thread)")
    ap.add_argument("--int8", action="store_true", help="the int8 program (cnnc quantize, then the Q file)")
    ap.add_argument("--calib", type=int, default=4, help="--int8: calibration samples (4)")
    args = bench.model_args(ap, argv, "profile")
    if args.runs < 1 or args.calib < 1:
        ap.error("--runs and --calib must be at least 1")
    cnnc, outdir = bench.cnnc_path(), args.out
    data = os.path.join(outdir, "data")
    make_golden.generate(args.model, data, args.seed)
    lua = make_golden.lua_path(args.model)
    weights = os.path.join(data, "weights.safetensors")
    if args.int8:
        import numpy as np
        import bench_int8
        shape = make_golden.lua_input_shape(lua)
        calib = np.random.default_rng(bench_int8.CALIB_SEED).standard_normal(
            (args.calib,) + tuple(shape[1:])).astype(np.float32)
        np.save(os.path.join(data, "calib.npy"), calib)
        q = os.path.join(data, "q.safetensors")
        rc, _, err = bench.run([cnnc, "quantize", lua, "--weights", weights, "--calibrate",
                                os.path.join(data, "calib.npy"), "-o", q])
        if rc != 0:
            print(f"cnnc quantize exited {rc}: {err.strip()}", file=sys.stderr)
            return 1
        weights = q
    tools = run_golden.Toolchain(cnnc, None, outdir)
    why = tools.setup(lua, weights, args.flags)
    if why:
        print(why, file=sys.stderr)
        return 1
    tag = "net"  # the generated symbols: net_run, NET_INPUT_COUNT
    prefix = os.path.join(outdir, tag)
    rc, _, err = bench.run([cnnc, "compile", lua, "--weights", weights, "-o", prefix] + args.flags)
    if rc != 0:
        print(f"cnnc compile exited {rc}: {err.strip()}", file=sys.stderr)
        return 1
    with open(prefix + ".c") as f:
        src, headings = instrument(f.read(), f"{tag}_run", args.runs)
    with open(prefix + "_prof.c", "w") as f:
        f.write(src)
    with open(os.path.join(outdir, "driver.c"), "w") as f:
        f.write(DRIVER % dict(h=tag + ".h", run=f"{tag}_run", up=tag.upper(), layers=len(headings),
                              runs=args.runs, cpu=int(args.cpu), input=os.path.join(data, "input.npy"),
                              headings=",\n".join('\t"' + h.replace("\\", "\\\\").replace('"', '\\"') + '"'
                                                  for h in headings)))
    rc, log = tools.link(prefix + "-prof", [os.path.join(outdir, "driver.c"), prefix + "_prof.c", f"-I{HERE}",
                                            f"-I{outdir}"])
    if rc != 0:
        print(log, file=sys.stderr)
        return 1
    rc, out, err = bench.run([prefix + "-prof"])
    print(f"# {args.model}{' int8' if args.int8 else ''}: each layer timed in place, `{bench.cc_flags(' '.join(tools.template))}`, "
          f"{bench.cnnc_version(cnnc)}")
    print(out, end="")
    if rc != 0:
        print(err, file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
