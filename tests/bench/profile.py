#!/usr/bin/python3
"""Where a whole model's time goes: each layer of the generated code, timed in place.

    /usr/bin/python3 tests/bench/profile.py [MODEL] [--runs N] [--out DIR] [-- CNNC_FLAGS...]

MODEL is a zoo model (default resnet50). Its weights and input come from
tests/golden/make_golden.py, as in bench.py. The model is compiled without
a driver (`cnnc compile`); then the statements of each layer in
MODEL_run_ws (the emitter heads them with a comment naming the layer,
its model line, shapes and algorithm) get a clock reading before and
after them, and a driver runs the instrumented model N times (default 51)
after a warm-up, and prints for every layer the median of its N times,
its share of the median total, and its heading. The build uses the
compiler command `cnnc build` printed, so the flags are the benchmark's.

Unlike tests/bench/layers.py, which times each conv alone with its input
and weights warm in cache, this sees the layers as they run in the model:
weights that stream from memory, activations left in cache (or not) by
the layer before. A clock reading costs tens of nanoseconds, so the
figures of layers under a few microseconds are mostly the clock.
Nothing here is asserted; it is for finding the layers to work on.
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import bench  # noqa: E402
from bench import make_golden  # noqa: E402

DRIVER = r"""
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "%(h)s"

#define LAYERS %(layers)d
#define RUNS %(runs)d

static const char *const heading[LAYERS] = {
%(headings)s
};
double prof_ms[LAYERS][RUNS]; /* written by the instrumented %(run)s_ws */
int prof_run;                 /* which run the readings belong to */

static float input[%(up)s_INPUT_COUNT];
static float output[%(up)s_OUTPUT_COUNT];

double prof_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof *v, cmp_double);
	return RUNS %% 2 ? v[RUNS / 2] : (v[RUNS / 2 - 1] + v[RUNS / 2]) / 2;
}

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
	double all = median(total), sum = 0;
	printf("| # | layer (model line): what, algorithm, layout | ms | %% of all |\n|---:|---|---:|---:|\n");
	for (int i = 0; i < LAYERS; i++) {
		double m = median(prof_ms[i]);
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
    statements under each layer heading of RUN_ws (up to the next heading
    or the function's end) get a clock reading on each side, without new
    braces (a declaration among them stays in scope)."""
    lines = src.split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith(f"void {run}_ws("))
    end = lines.index("}", start)
    out = lines[:start] + [f"extern double prof_ms[][{runs}];", "extern int prof_run;",
                           "double prof_now(void);", ""]
    headings = []
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
    return "\n".join(out + lines[end:]), headings


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", nargs="?", default="resnet50")
    ap.add_argument("--runs", type=int, default=51, help="timed runs (51)")
    ap.add_argument("--seed", type=int, default=make_golden.DEFAULT_SEED)
    ap.add_argument("--out", help="work directory (build/bench/profile/MODEL)")
    argv = sys.argv[1:] if argv is None else argv
    cut = argv.index("--") if "--" in argv else len(argv)  # cnnc's flags follow "--"
    args = ap.parse_args(argv[:cut])
    args.flags = argv[cut + 1:]
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    why = make_golden.available(args.model)
    if why:
        ap.error(f"{args.model}: {why}")
    cnnc = bench.cnnc_path()
    outdir = os.path.abspath(args.out or os.path.join(REPO, "build", "bench", "profile", args.model))
    data = os.path.join(outdir, "data")
    os.makedirs(outdir, exist_ok=True)
    make_golden.generate(args.model, data, args.seed)
    lua = make_golden.lua_path(args.model)
    weights = os.path.join(data, "weights.safetensors")
    rc, out, err = bench.run([cnnc, "build", lua, "--weights", weights, "-o", os.path.join(outdir, "prog")]
                             + args.flags)
    if rc != 0:
        print(f"cnnc build exited {rc}: {err.strip()}", file=sys.stderr)
        return 1
    words = next((line.split() for line in out.splitlines() if any(w.endswith(".c") for w in line.split())), None)
    if not words:
        print(f"cnnc build printed no compiler command:\n{out}", file=sys.stderr)
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
                              runs=args.runs, input=os.path.join(data, "input.npy"),
                              headings=",\n".join('\t"' + h.replace("\\", "\\\\").replace('"', '\\"') + '"'
                                                  for h in headings)))
    gen = next(w for w in words if w.endswith(".c"))
    cmd, skip = [], False
    for w in words:
        if skip:
            skip = False
        elif w == "-o":
            skip = True
        elif w == gen:
            cmd += [os.path.join(outdir, "driver.c"), prefix + "_prof.c"]
        elif w.startswith("-Wa,-I"):
            cmd.append("-Wa,-I" + outdir)
        else:
            cmd.append(w)
    cmd += [f"-I{outdir}", "-o", prefix + "-prof"]
    rc, _, err = bench.run(cmd)
    if rc != 0:
        print(f"{' '.join(cmd)} failed: {err.strip()}", file=sys.stderr)
        return 1
    rc, out, err = bench.run([prefix + "-prof"])
    print(f"# {args.model}: each layer timed in place, `{bench.cc_flags(' '.join(words))}`, "
          f"{bench.cnnc_version(cnnc)}")
    print(out, end="")
    if rc != 0:
        print(err, file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
