#!/usr/bin/python3
"""Fingerprints the generated C of every model at every level.

    /usr/bin/python3 scripts/snapshot_c.py OUT.txt [--cnnc build/cnnc] [--small] [-j N]
    /usr/bin/python3 scripts/snapshot_c.py --diff A.txt B.txt

A refactor of the compiler must leave the generated code byte-identical
(issue 15's discipline). This compiles every zoo model (models/*.lua) and
every odd-shape golden net (tests/golden/nets/*.lua) with random weights
(seed 1) at every level the golden tests use (run_golden.LEVELS), and
writes one line per generated file: its SHA-256, its size and which model,
level and file it is. Run it before and after a change and --diff the two
files; the first differing cases are listed, and their files kept under
build/snapshot/ for a look with diff.

--small leaves out resnet50 and vgg16 (the two slowest to compile).
"""
import argparse
import concurrent.futures
import glob
import hashlib
import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "golden"))
from run_golden import LEVELS  # noqa: E402

BIG = {"resnet50", "vgg16"}
WORK = os.path.join(REPO, "build", "snapshot")


def models(small):
    paths = sorted(glob.glob(os.path.join(REPO, "models", "*.lua")))
    paths += sorted(glob.glob(os.path.join(REPO, "tests", "golden", "nets", "*.lua")))
    return [p for p in paths if not (small and os.path.basename(p)[:-4] in BIG)]


def one(cnnc, lua, level, flags):
    """Lines for one (model, level), or an error line."""
    name = os.path.basename(lua)[:-4]
    tag = level.replace("/", "_").replace("+", "_")
    d = os.path.join(WORK, name, tag)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    prefix = os.path.join(d, "net")
    p = subprocess.run([cnnc, "compile", lua, "--random-weights", "1", "--main", "-o", prefix] + flags,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    if p.returncode != 0:
        return [f"exit{p.returncode} - {name} {level} compile"]
    lines = []
    for ext in ("c", "h", "weights"):
        path = f"{prefix}.{ext}"
        if not os.path.exists(path):
            continue
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        lines.append(f"{h.hexdigest()} {os.path.getsize(path)} {name} {level} {ext}")
        if ext == "weights":
            os.remove(path)  # big; its hash is kept
    return lines


def snapshot(args):
    cnnc = os.path.abspath(args.cnnc)
    jobs = [(lua, lvl, flags) for lua in models(args.small) for lvl, flags in LEVELS]
    with concurrent.futures.ThreadPoolExecutor(args.j) as pool:
        results = list(pool.map(lambda j: one(cnnc, *j), jobs))
    lines = [l for r in results for l in r]
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{len(lines)} files from {len(jobs)} compiles -> {args.out}")
    return 0


def diff(a, b):
    def load(p):
        with open(p) as f:
            return {tuple(l.split()[2:]): l.split()[0] for l in f if l.strip()}
    x, y = load(a), load(b)
    bad = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
    for k in bad[:40]:
        print("only in one:" if k not in x or k not in y else "differs:", " ".join(k))
    if len(bad) > 40:
        print(f"... and {len(bad) - 40} more")
    print(f"{len(set(x) | set(y)) - len(bad)} same, {len(bad)} differ")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?")
    ap.add_argument("--cnnc", default=os.path.join(REPO, "build", "cnnc"))
    ap.add_argument("--small", action="store_true")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--diff", nargs=2, metavar=("A", "B"))
    args = ap.parse_args()
    if args.diff:
        return diff(*args.diff)
    if not args.out:
        ap.error("give OUT.txt or --diff A B")
    return snapshot(args)


if __name__ == "__main__":
    sys.exit(main())
