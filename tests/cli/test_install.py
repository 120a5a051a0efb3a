#!/usr/bin/python3
"""`ninja install` as a user meets it: install into a staging root, then
build a program of one's own against the installed files.

    /usr/bin/python3 tests/cli/test_install.py

Runs scripts/install.sh (what `ninja install` runs) with DESTDIR set to a
temporary directory, then, with nothing of the source tree on any path:
- the installed cnnc compiles lenet5 (the golden weights), a small C
  program of the user's own (tests/cli/user_main.c) calls the generated
  lenet5_run, and it is built with `cc ... $(pkg-config --cflags --libs
  cnnrt)` against the staged files; its output matches PyTorch's
  (tests/golden/data/lenet5/expected.npy);
- the installed `cnnc build` links the installed library (the command it
  prints names it) and that program matches PyTorch too;
- the installed `cnnc audit` finds the installed header.
Prints one line per check and "install: N failed".
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GOLD = os.path.join(REPO, "tests", "golden", "data", "lenet5")
PREFIX = "/usr/local"
failed = 0


def check(ok, what, detail=""):
    global failed
    print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f"\n     {detail}" if detail and not ok else ""))
    failed += not ok
    return ok


def run(cmd, env, cwd=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                       text=True, errors="replace", timeout=600)
    return p.returncode, p.stdout


def matches_torch(out):
    ref = np.load(os.path.join(GOLD, "expected.npy")).astype(np.float64)
    if out.size != ref.size:
        return False, float("inf")
    err = float(np.max(np.abs(out.astype(np.float64).reshape(ref.shape) - ref)))
    return err <= 1e-4 * (1 + float(np.max(np.abs(ref)))), err


def main():
    tmp = tempfile.mkdtemp(prefix="cnnc-install-")
    try:
        stage = os.path.join(tmp, "stage")
        env = {k: v for k, v in os.environ.items() if k not in ("CNNC_RUNTIME", "CNNC_LIBDIR", "CFLAGS", "CC")}
        rc, log = run([os.path.join(REPO, "scripts", "install.sh")], dict(env, DESTDIR=stage, PREFIX=PREFIX))
        root = stage + PREFIX
        if not check(rc == 0, "install.sh with DESTDIR", log):
            return 1
        want = ["bin/cnnc", "include/cnnrt/cnnrt.h", "lib/pkgconfig/cnnrt.pc"]
        want += [f"lib/libcnnrt-{t}.a" for t in ("native", "generic", "avx2", "avx512")]
        missing = [w for w in want if not os.path.exists(os.path.join(root, w))]
        check(not missing, "installs cnnc, cnnrt.h, the four libraries and cnnrt.pc", f"missing: {missing}")
        with open(os.path.join(root, "lib", "pkgconfig", "cnnrt.pc")) as f:
            pc = f.read()
        check(f"prefix={PREFIX}\n" in pc and stage not in pc, "cnnrt.pc names PREFIX, not the staging root", pc)

        # Work in a directory of the user's, away from the source tree.
        work = os.path.join(tmp, "user")
        os.makedirs(work)
        cnnc = os.path.join(root, "bin", "cnnc")
        lua = os.path.join(work, "lenet5.lua")
        shutil.copy(os.path.join(REPO, "models", "lenet5.lua"), lua)
        weights = os.path.join(GOLD, "weights.safetensors")
        batch = str(np.load(os.path.join(GOLD, "input.npy")).shape[0])
        rc, log = run([cnnc, "compile", lua, "--weights", weights, "--batch", batch, "-o", "lenet5"], env, cwd=work)
        check(rc == 0, "installed cnnc compiles lenet5", log)

        pcenv = dict(env, PKG_CONFIG_PATH=os.path.join(root, "lib", "pkgconfig"), PKG_CONFIG_SYSROOT_DIR=stage)
        rc, flags = run(["pkg-config", "--cflags", "--libs", "cnnrt"], pcenv)
        check(rc == 0 and "-lcnnrt-native" in flags, "pkg-config --cflags --libs cnnrt", flags)
        shutil.copy(os.path.join(HERE, "user_main.c"), work)
        cmd = ["cc", "-O2", "-std=c99", "user_main.c", "lenet5.c"] + flags.split() + ["-o", "user_prog"]
        rc, log = run(cmd, env, cwd=work)
        if check(rc == 0, "a user's program builds with pkg-config's flags", " ".join(cmd) + "\n" + log):
            x = np.load(os.path.join(GOLD, "input.npy"))
            x.astype("<f4").tofile(os.path.join(work, "in.f32"))
            rc, log = run(["./user_prog", "in.f32", "out.f32"], env, cwd=work)
            if check(rc == 0, "the user's program runs", log):
                ok, err = matches_torch(np.fromfile(os.path.join(work, "out.f32"), dtype="<f4"))
                check(ok, f"the user's program matches PyTorch (max error {err:.2e})")


        rc, log = run([cnnc, "build", lua, "--weights", weights, "--batch", batch, "-o", "prog"], env, cwd=work)
        lib = os.path.join(root, "lib", "libcnnrt-native.a")
        check(rc == 0 and lib in log and REPO + "/" not in log,
              "installed cnnc build links the installed library, nothing of the source tree", log)
        if rc == 0:
            rc, log = run(["./prog", os.path.join(GOLD, "input.npy"), "out.npy"], env, cwd=work)
            ok = rc == 0 and matches_torch(np.load(os.path.join(work, "out.npy")))[0]
            check(ok, "the program cnnc build made matches PyTorch", log)
        rc, log = run([cnnc, "audit", "lenet5.c"], env, cwd=work)
        check(rc == 0, "installed cnnc audit finds the installed header", log)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"install: {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
