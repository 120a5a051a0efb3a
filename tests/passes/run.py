#!/usr/bin/python3
"""The pass tests: small models, each with the IR one pass must leave.

Every tests/passes/*.lua is a model file that also carries, in Lua
comments, how to run it and what the compiler must print:

    -- what the case checks, in words
    -- run: report --layout nhwc --dump-ir=layout
    local x = input { ... }
    ...
    return y
    -- expect:
    -- # after layout
    -- # model ...
    -- %0 = input name=x : 1x3x9x7  # line 4

The runner runs `cnnc COMMAND tests/passes/NAME.lua FLAGS` (the `run:`
line) from the top of the tree, so the dump's file name is the same
everywhere, and compares everything cnnc printed on stderr, the whole
`--dump-ir=PASS` text of that pass, with the lines after `-- expect:`
(each without its `-- `). cnnc must exit 0. The expectation is at the end
of the file, so the model's `# line N` stay put when it changes.

usage: tests/passes/run.py [--update] [CASE ...]   (default: every case)
    --update   rewrites each case's expectation with what cnnc prints now;
               read the diff (git diff tests/passes) before committing it:
               an expectation is what the pass must do, not what it does.
CNNC_BUILD picks the build directory (build, or build/asan).
"""
import difflib
import glob
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CNNC = os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc")
MARK = "-- expect:"


def parse(text):
    """(argv after cnnc, expected lines or None, the file before MARK)."""
    run = None
    lines = text.split("\n")
    head = lines
    expect = None
    for i, line in enumerate(lines):
        if line.startswith("-- run:") and run is None:
            run = shlex.split(line[len("-- run:"):])
        if line == MARK:
            head = lines[:i]
            expect = []
            for e in lines[i + 1:]:
                if e == "":
                    continue  # the file's final newline
                if e != "--" and not e.startswith("-- "):
                    raise ValueError(f"line after '{MARK}' is not a '-- ' comment: {e!r}")
                expect.append(e[3:])
            break
    return run, expect, "\n".join(head)


def run_case(path, update):
    """True when the case passes (or was updated)."""
    rel = os.path.relpath(path, REPO)
    with open(path) as f:
        text = f.read()
    try:
        run, expect, head = parse(text)
    except ValueError as e:
        print(f"FAIL {rel}: {e}")
        return False
    if not run or not any(a.startswith("--dump-ir=") for a in run):
        print(f"FAIL {rel}: no '-- run: COMMAND ... --dump-ir=PASS' line")
        return False
    argv = [CNNC, run[0], rel] + run[1:]
    p = subprocess.run(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    got = p.stderr.splitlines()
    if p.returncode != 0:
        print(f"FAIL {rel}: cnnc exited {p.returncode}")
        print("\n".join("     " + line for line in got))
        return False
    if update:
        with open(path, "w") as f:
            f.write(head.rstrip("\n") + "\n" + MARK + "\n")
            f.write("".join(("-- " + line).rstrip(" ") + "\n" for line in got))
        print(f"upd  {rel}")
        return True
    if expect is None or not expect:
        print(f"FAIL {rel}: no '{MARK}' lines (tests/passes/run.py --update writes them)")
        return False
    if got == expect:
        print(f"ok   {rel}")
        return True
    print(f"FAIL {rel}: the dump differs from the expectation")
    cmd = "cnnc " + " ".join(shlex.quote(a) for a in [run[0], rel] + run[1:])
    for line in difflib.unified_diff(expect, got, f"{rel} (expected)", cmd, lineterm=""):
        print("     " + line)
    return False


def main(args):
    update = "--update" in args
    names = [a for a in args if a != "--update"]
    if any(a.startswith("-") for a in names):
        print("usage: tests/passes/run.py [--update] [CASE ...]", file=sys.stderr)
        return 2
    if not os.access(CNNC, os.X_OK):
        print(f"passes: {CNNC} not built", file=sys.stderr)
        return 2
    if names:
        cases = [n if n.endswith(".lua") else os.path.join(HERE, n + ".lua") for n in names]
    else:
        cases = sorted(glob.glob(os.path.join(HERE, "*.lua")))
    if not cases:
        print(f"passes: no cases in {HERE}", file=sys.stderr)
        return 1
    passed = failed = 0
    for path in cases:
        if run_case(os.path.abspath(path), update):
            passed += 1
        else:
            failed += 1
    print(f"passes: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
