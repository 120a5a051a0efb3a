#!/usr/bin/python3
"""The include graph of cnnc's sources: no cycles, no .c file included.

    /usr/bin/python3 tests/include_graph.py [--list]

Reads every C source and header under compiler/, runtime/ and tests/ (and
the .def tables they include), follows each `#include "..."` as the C
compiler would (beside the including file, then the build's -I
directories: compiler/ and runtime/), and fails when
- the includes form a cycle (printed as the chain of files),
- a file includes a .c file (another file's internals),
- a file outside a module includes that module's private header
  (PRIVATE: compiler/emit/emit.h is the emitter's), or
- a quoted include names a file that is not there.
--list prints each file's includes first. Prints "include graph: N failed".
"""
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOTS = ("compiler", "runtime", "tests")
INCLUDE_DIRS = ("compiler", "runtime")  # build.ninja's -I, besides the file's own directory
EXTS = (".c", ".h", ".def")
# Headers generated, not in the tree: by cnnc when the test runs, and by
# protoc-c from Debian's onnx.proto at build time (build/gen/).
GENERATED = {("tests/cli/user_main.c", "lenet5.h"), ("compiler/onnx/onnx.h", "onnx.pb-c.h")}
# Private headers and the directory whose files alone may include them.
PRIVATE = {"compiler/emit/emit.h": "compiler/emit/"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    for root in ROOTS:
        for d, _, files in os.walk(os.path.join(REPO, root)):
            for f in sorted(files):
                if f.endswith(EXTS):
                    yield os.path.relpath(os.path.join(d, f), REPO)


def resolve(src, name):
    """The repository path an include of name in src means, or None."""
    for d in (os.path.dirname(src),) + INCLUDE_DIRS:
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(REPO, p)):
            return p
    return None


def main():
    listing = "--list" in sys.argv[1:]
    graph, problems = {}, []
    for src in sources():
        with open(os.path.join(REPO, src), errors="replace") as f:
            names = INCLUDE.findall(f.read())
        graph[src] = []
        for name in names:
            p = resolve(src, name)
            if p is None and (src, name) in GENERATED:
                continue
            if p is None:
                problems.append(f'{src}: #include "{name}": no such file here')
            elif p.endswith(".c"):
                problems.append(f'{src}: #include "{name}": includes another file\'s internals (a .c file)')
            elif p in PRIVATE and not src.startswith(PRIVATE[p]):
                problems.append(f'{src}: #include "{name}": private to {PRIVATE[p]}')
            else:
                graph[src].append(p)
        if listing:
            print(f"{src}: {' '.join(graph[src]) or '-'}")
    # Depth-first search; a node met again while on the stack closes a cycle.
    state, stack, cycles = {}, [], set()

    def visit(n):
        state[n] = "open"
        stack.append(n)
        for m in graph.get(n, []):
            if state.get(m) == "open":
                cyc = stack[stack.index(m):]
                i = cyc.index(min(cyc))  # one spelling per cycle
                cycles.add(tuple(cyc[i:] + cyc[:i]))
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = "done"

    for n in sorted(graph):
        if n not in state:
            visit(n)
    for c in sorted(cycles):
        problems.append("include cycle: " + " -> ".join(c + (c[0],)))
    for p in problems:
        print("FAIL " + p)
    print(f"{len(graph)} files, {sum(len(v) for v in graph.values())} includes")
    print(f"include graph: {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    sys.exit(main())
