#!/usr/bin/python3
"""How well a program built with --threads N keeps its threads busy, in CPU time.

    /usr/bin/python3 tests/bench/thread_split.py MODEL.lua [--threads N] [--runs R] [--out DIR]

Builds MODEL with `cnnc compile --random-weights 1 --threads N --main`
and links it with a copy of runtime/threads.c patched to time every chunk
of every parallel loop in its thread's CPU time (CLOCK_THREAD_CPUTIME_ID),
summed per thread (a "slice": the chunks one thread ran),
and the calling thread's CPU time outside the loops (the serial parts:
kernels that call no loop, loops too small to split). After R runs of
`--bench` it prints, per loop body (a kernel's rt_parallel function), its
calls, each slice's total and its serial calls, then one thread's total
CPU against the longest path (per loop the slowest slice, plus the serial
parts): "ideal speedup", what N idle cores would give if memory bandwidth
did not bind. CPU time does not count the time a thread waits for a core,
so this holds on a machine busy with other jobs, where wall-clock thread
scaling says little. Nothing here is asserted; it finds the loops that
leave a thread idle. It does not compare with one thread's CPU time: work
that costs more CPU on N threads than on one (two cores streaming memory,
cache lines moving between cores) looks ideal here; and a core slower than
the other (a shared host) shows as a slower slice. For wall-clock figures
on a machine shared with other jobs, run the programs at a real-time
priority (`chrt -r 1 PROG --bench R ...`), which keeps the others' jobs off
the cores while it runs. The patches anchor on threads.c's text and stop
with a message when it changes.
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROLOGUE = r'''
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#define PF_FNS 256 /* loop bodies told apart */
static double pf_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}
static void *pf_fn[PF_FNS];
static double pf_slice[PF_FNS][RT_MAX_THREADS], pf_serial_ms[PF_FNS], pf_outside, pf_last = -1;
static long pf_calls[PF_FNS], pf_serial[PF_FNS];
static pthread_t pf_main;
static pthread_mutex_t pf_mu = PTHREAD_MUTEX_INITIALIZER;
static int pf_index(void *f)
{
	pthread_mutex_lock(&pf_mu);
	int i = 0;
	while (i < PF_FNS - 1 && pf_fn[i] && pf_fn[i] != f)
		i++;
	pf_fn[i] = f;
	pthread_mutex_unlock(&pf_mu);
	return i;
}
static void pf_print(void)
{
	double total = pf_outside, path = pf_outside;
	fprintf(stderr, "serial, outside loops: %.2f ms\n", pf_outside);
	for (int i = 0; i < PF_FNS && pf_fn[i]; i++) {
		double sum = 0, most = 0;
		fprintf(stderr, "fn %p calls %ld slices", pf_fn[i], pf_calls[i]);
		for (int k = 0; k < RT_MAX_THREADS; k++) {
			sum += pf_slice[i][k];
			most = pf_slice[i][k] > most ? pf_slice[i][k] : most;
			if (pf_slice[i][k] > 0)
				fprintf(stderr, " %.2f", pf_slice[i][k]);
		}
		fprintf(stderr, " ms | serial calls %ld %.2f ms\n", pf_serial[i], pf_serial_ms[i]);
		total += sum + pf_serial_ms[i];
		path += most + pf_serial_ms[i];
	}
	fprintf(stderr, "one thread %.2f ms, longest path %.2f ms, ideal speedup %.2f\n", total, path, total / path);
}
'''

# (anchor in threads.c, replacement); each must occur exactly once
PATCHES = [
    ('#include <pthread.h>\n', '#include <pthread.h>\n' + PROLOGUE),
    ('\t\t\tif (b < e)\n\t\t\t\tj->fn(j->ctx, (int)b, (int)e);',
     '\t\t\tif (b < e) {\n\t\t\t\tdouble t0 = pf_now();\n\t\t\t\tj->fn(j->ctx, (int)b, (int)e);\n'
     '\t\t\t\tpf_slice[pf_index((void *)j->fn)][part] += pf_now() - t0;\n\t\t\t}'),
    ('\tif (parts <= 1 || busy) {\n\t\tpthread_mutex_unlock(&mu);\n\t\tserial(fn, ctx, n);\n\t\treturn;\n\t}',
     '\tif (busy) { /* nested: counted in its outer slice */\n\t\tpthread_mutex_unlock(&mu);\n'
     '\t\tserial(fn, ctx, n);\n\t\treturn;\n\t}\n'
     '\tdouble now = pf_now();\n'
     '\tif (pf_last < 0)\n\t\tatexit(pf_print), pf_main = pthread_self();\n'
     '\telse if (pthread_equal(pf_main, pthread_self()))\n\t\tpf_outside += now - pf_last;\n'
     '\tif (parts <= 1) {\n\t\tpthread_mutex_unlock(&mu);\n\t\tserial(fn, ctx, n);\n'
     '\t\tint i = pf_index((void *)fn);\n\t\tpf_serial[i]++;\n\t\tpf_serial_ms[i] += pf_now() - now;\n'
     '\t\tpf_last = pf_now();\n\t\treturn;\n\t}\n\tpf_calls[pf_index((void *)fn)]++;'),
    ('\tbusy = 0;\n\tpthread_mutex_unlock(&mu);\n}', '\tbusy = 0;\n\tpthread_mutex_unlock(&mu);\n\tpf_last = pf_now();\n}'),
]


def patched_threads():
    src = open(os.path.join(ROOT, "runtime", "threads.c")).read()
    for anchor, new in PATCHES:
        if src.count(anchor) != 1:
            sys.exit("thread_split.py: runtime/threads.c changed; update PATCHES (anchor not found once: %r)"
                     % anchor[:60])
        src = src.replace(anchor, new)
    return src


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "thread_split"))
    args = ap.parse_args(argv)
    build = os.environ.get("CNNC_BUILD", "build")
    cnnc = os.path.join(ROOT, build, "cnnc")
    lib = os.path.join(ROOT, build, "lib", "libcnnrt-native.a")
    os.makedirs(args.out, exist_ok=True)
    name = os.path.splitext(os.path.basename(args.model))[0]
    prefix = os.path.join(args.out, name)
    subprocess.run([cnnc, "compile", args.model, "--random-weights", "1", "--threads", str(args.threads),
                    "--main", "-o", prefix], check=True, stdout=subprocess.DEVNULL)
    with open(prefix + "_threads.c", "w") as f:
        f.write(patched_threads())
    prog = prefix + "_split"
    subprocess.run(["cc", "-O2", "-march=native", "-ffp-contract=fast", "-std=c99", "-no-pie",
                    "-I" + os.path.join(ROOT, "runtime"), "-Xassembler", "-I", "-Xassembler", args.out,
                    prefix + ".c", prefix + "_threads.c", lib, "-pthread", "-o", prog, "-lm"], check=True)
    import numpy as np
    h = open(prefix + ".h").read()
    dims = [int(v) for v in re.search(r"_INPUT_DIMS ([0-9, ]+)", h).group(1).split(",")]
    x = np.random.RandomState(0).rand(*dims).astype(np.float32)
    np.save(prefix + "_in.npy", x)
    r = subprocess.run([prog, "--bench", str(args.runs), prefix + "_in.npy", prefix + "_out.npy"],
                       capture_output=True, text=True)
    syms = {}
    for line in subprocess.run(["nm", prog], capture_output=True, text=True).stdout.splitlines():
        p = line.split()
        if len(p) == 3:
            syms[int(p[0], 16)] = p[2]
    text = r.stderr + r.stdout
    print(re.sub(r"0x[0-9a-f]+", lambda m: syms.get(int(m.group(0), 16), m.group(0)), text), end="")
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
