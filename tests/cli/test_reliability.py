#!/usr/bin/python3
"""Outputs that never destroy what is there (issue 20), as an attacker or a
careless user meets cnnc and its programs.

- a generated program writes through to an output that is not a regular
  file (a device node made here, a FIFO) and never replaces it;
- `cnnc build` refuses an output that is a device node, or one of its own
  inputs (`-o net.lua`), and writes nothing;
- temporary files cannot be hijacked: symlinks planted at every name the
  old PID-based scheme could pick (the next few hundred PIDs) for cnnc
  compile, cnnc build and a program's output are left alone, and their
  target is never written;
- SIGTERM, SIGINT, SIGHUP and SIGPIPE during a compile or a build leave no
  temporary file and no output behind;
- two compiles to one prefix at once leave one model's .c and .h, never a
  mixed pair;
- a model or weights path that is a FIFO with no writer is refused at
  once, not waited on; NaN or Inf in weights gets a note naming the
  tensor, and is an error with --finite-weights;
- control bytes from a weight file's keys and a model's print() or names
  reach the terminal escaped (\\xNN), never raw;
- `report --svg` of a model whose file name holds & < > " ' writes
  well-formed XML (parsed by xml.etree) that carries the name;
- `cnnc build -o` into directories and file names holding a double
  quote, a backslash, a comma, a leading dash, `??`, `$`, a space or a
  single quote builds (weights in a linked blob), runs and matches
  PyTorch; a file name with a double quote, a newline or a trigraph is
  refused with exit 2, nothing written;
- a 4.3 GB workspace: `compile` declares only SYM_run_ws, which a user's
  program links; `build`, and a driver whose buffers pass the static
  limit, are refused at compile, never in the linker;
- a 5,000-layer chain builds with `cnnc build` in under 60 s of CPU
  time (the wall clock printed) and matches PyTorch;
- `cnnc audit` fails a generated file holding a negative count.

Device nodes are made only in a temporary directory (never /dev), as root;
that case is skipped for other users. Prints one line per check and
"reliability: N failed". Arguments name checks of CHECKS to run alone
(e.g. `test_reliability.py svg_escaped`).
"""
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import safetensors_io  # noqa: E402

CNNC = os.path.abspath(os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc"))
LENET = os.path.join(REPO, "models", "lenet5.lua")
RESNET = os.path.join(REPO, "models", "resnet18.lua")
GOLD = os.path.join(REPO, "tests", "golden", "data", "lenet5")
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600, **kw)


def temps_in(d):
    return sorted(f for f in os.listdir(d) if ".tmp" in f)


def plant_symlinks(prefixes, victim, count=400):
    """Symlinks to victim at PREFIX + PID for the next count PIDs: every
    name a PID-based temporary could take in that window."""
    try:
        with open("/proc/sys/kernel/ns_last_pid") as f:
            last = int(f.read())
    except OSError:
        return []
    links = []
    for pid in range(last + 1, last + 1 + count):
        for p in prefixes:
            link = f"{p}{pid}"
            os.symlink(victim, link)
            links.append(link)
    return links


def unplant(links):
    for link in links:
        if os.path.islink(link):
            os.remove(link)


def through(tmp, prog):
    """Outputs that are not regular files are written through."""
    x = os.path.join(GOLD, "input.npy")
    if os.geteuid() == 0:
        dev = os.path.join(tmp, "null")
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a null device, here, not in /dev
        r = run([prog, x, dev])
        st = os.lstat(dev)
        check("program output to a device node: exit 0, the node is still a device",
              r.returncode == 0 and stat.S_ISCHR(st.st_mode) and temps_in(tmp) == [],
              f"exit {r.returncode}, mode {oct(st.st_mode)}, temps {temps_in(tmp)}: {r.stderr.decode(errors='replace')}")
        r = run([CNNC, "build", LENET, "--random-weights", "1", "-o", dev])
        st = os.lstat(dev)
        check("cnnc build -o a device node: exit 1, the node untouched, nothing written",
              r.returncode == 1 and stat.S_ISCHR(st.st_mode) and not os.path.exists(dev + ".c"),
              f"exit {r.returncode}, mode {oct(st.st_mode)}")
    else:
        print("skip device node cases (not root)")
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    got = {}

    def reader():
        with open(fifo, "rb") as f:
            got["data"] = f.read()
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    r = run([prog, x, fifo])
    t.join(60)
    if t.is_alive():  # nothing was written through: let the reader's open return
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        t.join(10)
    out = os.path.join(tmp, "fifo_out.npy")
    with open(out, "wb") as f:
        f.write(got.get("data", b""))
    ok = r.returncode == 0 and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    try:
        ok = ok and np.load(out).shape == np.load(os.path.join(GOLD, "expected.npy")).shape
    except (OSError, ValueError):
        ok = False
    check("program output to a FIFO: the reader gets the .npy, the FIFO stays", ok, f"exit {r.returncode}")


def inputs_kept(tmp):
    lua = os.path.join(tmp, "net.lua")
    with open(LENET) as f, open(lua, "w") as g:
        g.write(f.read())
    before = open(lua).read()
    r = run([CNNC, "build", lua, "--random-weights", "1", "-o", lua])
    check("cnnc build net.lua -o net.lua: exit 1, the model untouched, no .c written",
          r.returncode == 1 and open(lua).read() == before and not os.path.exists(lua + ".c"),
          f"exit {r.returncode}: {r.stderr.decode(errors='replace')}")
    w = os.path.join(GOLD, "weights.safetensors")
    wcopy = os.path.join(tmp, "w.safetensors")
    with open(w, "rb") as f, open(wcopy, "wb") as g:
        g.write(f.read())
    r = run([CNNC, "build", LENET, "--weights", wcopy, "-o", wcopy])
    check("cnnc build -o its weights file: exit 1, the weights untouched",
          r.returncode == 1 and open(wcopy, "rb").read() == open(w, "rb").read(), f"exit {r.returncode}")


def hijack(tmp, prog):
    victim = os.path.join(tmp, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    out = os.path.join(tmp, "h")
    links = plant_symlinks([out + ".c.tmp-", out + ".h.tmp-"], victim)
    r = run([CNNC, "compile", LENET, "--random-weights", "1", "-o", out])
    check("cnnc compile beside planted symlinks: exit 0, their target unwritten",
          r.returncode == 0 and open(victim, "rb").read() == b"precious\n", f"exit {r.returncode}")
    unplant(links)
    npy = os.path.join(tmp, "o.npy")
    links = plant_symlinks([npy + ".tmp."], victim)
    r = run([prog, os.path.join(GOLD, "input.npy"), npy])
    check("program output beside planted symlinks: exit 0, their target unwritten",
          r.returncode == 0 and open(victim, "rb").read() == b"precious\n" and os.path.exists(npy),
          f"exit {r.returncode}")
    unplant(links)
    p = os.path.join(tmp, "hp")
    links = plant_symlinks([p + ".tmp-"], victim)
    r = run([CNNC, "build", LENET, "--random-weights", "1", "-o", p])
    check("cnnc build beside planted symlinks: exit 0, their target unwritten",
          r.returncode == 0 and open(victim, "rb").read() == b"precious\n", f"exit {r.returncode}")
    unplant(links)


def signals(tmp):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
        for cmd in ("compile", "build"):
            d = os.path.join(tmp, f"sig_{cmd}_{sig.name}")
            os.makedirs(d)
            out = os.path.join(d, "r18")
            p = subprocess.Popen([CNNC, cmd, RESNET, "--random-weights", "1", "-o", out],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # Wait until the step under test has begun: a temporary exists
            # (for build: the C compiler's directory), then signal.
            want = ".c.tmp-" if cmd == "compile" else "r18.tmp-"
            t0 = time.time()
            while p.poll() is None and time.time() - t0 < 120:
                if any(want in f for f in os.listdir(d)):
                    break
                time.sleep(0.005)
            seen = [f for f in os.listdir(d) if ".tmp" in f]
            p.send_signal(sig)
            p.wait(120)
            p.stderr.close()
            time.sleep(0.2)  # a killed child's files would show by now
            left = temps_in(d)
            done = cmd == "build" and os.path.exists(out) or cmd == "compile" and os.path.exists(out + ".c")
            check(f"{sig.name} during cnnc {cmd}: killed by it, no temporary and no output left",
                  bool(seen) and p.returncode == -sig and not left and not done,
                  f"temporaries seen {seen}, exit {p.returncode}, left {left}, output {done}")


def broken_pipe(tmp):
    """A build whose stdout is a pipe nobody reads (`cnnc build ... | true`)
    dies of SIGPIPE when it prints the C compiler's command: it leaves no
    temporary (the C compiler's directory) and no program behind."""
    d = os.path.join(tmp, "pipe")
    os.makedirs(d)
    out = os.path.join(d, "l5")
    r, w = os.pipe()
    os.close(r)
    p = subprocess.run([CNNC, "build", LENET, "--random-weights", "1", "-o", out], stdout=w,
                       stderr=subprocess.PIPE)
    os.close(w)
    left = temps_in(d)
    check("cnnc build into a closed pipe: killed by SIGPIPE, no temporary and no program left",
          p.returncode == -signal.SIGPIPE and not left and not os.path.exists(out),
          f"exit {p.returncode}, left {left}, program {os.path.exists(out)}")


def concurrent(tmp):
    """Two compiles of different models to one prefix at once leave the
    .c and .h of one of them, never a mixed pair. The race is made
    certain: a shim (slow_rename.c, LD_PRELOAD) holds the first compile
    for a second between committing its .h and its .c, and the second
    compile starts meanwhile."""
    import hashlib
    d = os.path.join(tmp, "race")
    os.makedirs(d)
    shim = os.path.join(d, "slow_rename.so")
    r = run(["cc", "-shared", "-fPIC", "-O1", os.path.join(HERE, "slow_rename.c"), "-o", shim, "-ldl"])
    if r.returncode != 0:
        check("build the rename shim", False, r.stderr.decode(errors="replace"))
        return
    prefix = os.path.join(d, "net")
    models = [LENET, os.path.join(REPO, "models", "chapter_ex1.lua")]

    def pair():
        return tuple(hashlib.sha256(open(prefix + ext, "rb").read()).hexdigest() for ext in (".c", ".h"))
    whole = []
    for m in models:
        run([CNNC, "compile", m, "--random-weights", "1", "-o", prefix])
        whole.append(pair())
    env = dict(os.environ, LD_PRELOAD=shim, SLOW_RENAME_MS="1000",
               ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0")
    first = subprocess.Popen([CNNC, "compile", models[0], "--random-weights", "1", "-o", prefix], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.4)  # the first is inside its commit by now (it takes ~0.1 s to get there)
    r = run([CNNC, "compile", models[1], "--random-weights", "1", "-o", prefix])
    first.wait(120)
    check("two compiles to one prefix at once: a .c and .h of one model, never a mixed pair",
          r.returncode == 0 and first.returncode == 0 and pair() in whole,
          f"exits {first.returncode}, {r.returncode}; pair is {'mixed' if pair() not in whole else 'whole'}")


def inputs_checked(tmp):
    """Inputs that are not regular files are refused at once; NaN or Inf
    in weights is named (an error with --finite-weights)."""
    fifo = os.path.join(tmp, "model_fifo.lua")
    os.mkfifo(fifo)
    for args, what in (([CNNC, "check", fifo], "model"),
                       ([CNNC, "compile", LENET, "--weights", fifo, "-o", os.path.join(tmp, "f")], "weights")):
        try:
            r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
            ok = r.returncode == 1 and b"not a regular file" in r.stderr
            detail = f"exit {r.returncode}: {r.stderr.decode(errors='replace')}"
        except subprocess.TimeoutExpired:
            ok, detail = False, "hung for 20 s"
        check(f"a FIFO with no writer as the {what} file: exit 1 at once, saying why", ok, detail)
    w = safetensors_io.read(os.path.join(GOLD, "weights.safetensors"))
    w["conv1.bias"] = w["conv1.bias"].copy()
    w["conv1.bias"][:2] = [np.nan, np.inf]
    wf = os.path.join(tmp, "nan.safetensors")
    safetensors_io.write(wf, w)
    out = os.path.join(tmp, "nan")
    r = run([CNNC, "compile", LENET, "--weights", wf, "-o", out])
    check("NaN and Inf in weights: a note naming the tensor and the count",
          r.returncode == 0 and b"'conv1.bias' has 2 NaN or infinite values" in r.stderr, repr(r.stderr[-300:]))
    r = run([CNNC, "compile", LENET, "--weights", wf, "--finite-weights", "-o", out + "2"])
    check("NaN and Inf in weights with --finite-weights: exit 1, nothing written",
          r.returncode == 1 and b"conv1.bias" in r.stderr and not os.path.exists(out + "2.c"),
          f"exit {r.returncode}: {r.stderr.decode(errors='replace')}")


def escapes(tmp):
    w = safetensors_io.read(os.path.join(GOLD, "weights.safetensors"))
    w["\x1b]0;pwned\x07.x"] = np.zeros(1, np.float32)
    wf = os.path.join(tmp, "evil.safetensors")
    safetensors_io.write(wf, w)
    r = run([CNNC, "compile", LENET, "--weights", wf, "-o", os.path.join(tmp, "e")])
    err = r.stderr
    check("a weight key's control bytes reach stderr escaped",
          r.returncode == 0 and b"\x1b" not in err and b"\x07" not in err and b"\\x1b]0;pwned\\x07" in err,
          repr(err[-300:]))
    lua = os.path.join(tmp, "print.lua")
    with open(lua, "w") as f:
        f.write('print("\\27[31mred\\7")\n'
                'local x = input { name = "x", shape = { 1, 3, 8, 8 } }\n'
                'return x:conv2d { name = "\\27[2Jc", out_channels = 4, kernel_size = 9 }\n')
    r = run([CNNC, "check", lua])
    err = r.stderr
    check("a model's print() and a name in an error reach stderr escaped",
          r.returncode == 1 and b"\x1b" not in err and b"\x07" not in err and b"\\x1b[31mred" in err
          and b"\\x1b[2Jc" in err, repr(err[-300:]))


def svg_escaped(tmp):
    import xml.etree.ElementTree as ET
    d = os.path.join(tmp, "svg")
    os.mkdir(d)
    name = "a&b<c>d\"e'f"
    lua = os.path.join(d, name + ".lua")
    with open(LENET) as f, open(lua, "w") as g:
        g.write(f.read())
    svg = os.path.join(d, "plan.svg")
    r = run([CNNC, "report", lua, "--svg", svg])
    try:
        root = ET.parse(svg).getroot()
        texts = "".join(root.itertext())
        ok = r.returncode == 0 and name + ": memory plan" in texts and name + ": workspace" in texts
        detail = texts[:200]
    except (OSError, ET.ParseError) as e:
        ok, detail = False, f"exit {r.returncode}: {e}"
    check("report --svg of a model named with & < > \" ': valid XML carrying the name", ok, detail)


def big_linear(d):
    """A model whose weights (4.2 MB) go to a linked blob, its weights and
    input, and PyTorch's output on them."""
    import torch
    lua = os.path.join(d, "wide.lua")
    with open(lua, "w") as f:
        f.write('local x = input { name = "x", shape = { 2, 1024 } }\n'
                'return x:linear { name = "fc", out_features = 1030 }:relu()\n')
    g = torch.Generator().manual_seed(7)
    w = {"fc.weight": torch.randn(1030, 1024, generator=g) / 32, "fc.bias": torch.randn(1030, generator=g)}
    x = torch.randn(2, 1024, generator=g)
    wf = os.path.join(d, "wide.safetensors")
    safetensors_io.write(wf, {k: v.numpy() for k, v in w.items()})
    xf = os.path.join(d, "wide_in.npy")
    np.save(xf, x.numpy())
    ref = torch.relu(torch.nn.functional.linear(x, w["fc.weight"], w["fc.bias"])).numpy()
    return lua, wf, xf, ref


def names_escaped(tmp):
    """-o paths holding what C strings, the assembler's -I and the command
    line would misread: each builds (weights linked in a blob, so the
    .incbin path and the assembler's include directory matter), runs and
    matches PyTorch; what #include cannot name is refused with exit 2."""
    base = os.path.join(tmp, "names")
    os.mkdir(base)
    lua, wf, xf, ref = big_linear(base)
    cases = [('dir"quote', "net"), ("dir\\back", "net"), ("dir,comma", "net"), ("-dash", "net"),
             ("d", "net\\back"), ("d", "net,comma"), ("d", "-dash"), ("d", "net??x?"), ("d", "net$ 'q'"), ("", "-lead")]
    for sub, name in cases:
        d = os.path.join(base, sub)
        os.makedirs(d, exist_ok=True)
        prog = os.path.join(sub, name)  # relative: a leading dash stays leading
        r = run([CNNC, "build", lua, "--weights", wf, "-o", prog], cwd=base)
        ok = r.returncode == 0 and os.path.exists(os.path.join(d, name + ".weights"))
        detail = f"build exit {r.returncode}: {r.stderr.decode(errors='replace')[-400:]}"
        if ok:
            out = os.path.join(base, "out.npy")
            r = run([os.path.join(d, name), xf, out])
            ok = r.returncode == 0 and np.abs(np.load(out) - ref).max() <= 1e-4 * (1 + np.abs(ref).max())
            detail = f"program exit {r.returncode}: {r.stderr.decode(errors='replace')[-300:]}"
        check(f"cnnc build -o {prog!r}: builds, runs, matches PyTorch", ok, detail)
    for name, why in (('net"q', b"double quote"), ("net\nline", b"newline"), ("net??-x", b"trigraph")):
        d = os.path.join(base, "refused")
        os.makedirs(d, exist_ok=True)
        r = run([CNNC, "build", lua, "--weights", wf, "-o", os.path.join(d, name)])
        check(f"cnnc build -o {name!r}: exit 2 saying why, nothing written",
              r.returncode == 2 and why in r.stderr and os.listdir(d) == [], f"exit {r.returncode}: {r.stderr!r}")


def big_static(tmp):
    """A 4.3 GB workspace (a 1x1x1x1 input padded to 16x8191x8191, pooled
    back down) cannot be static: `compile` gives only SYM_run_ws, which a
    user's program links with its own memory; `build` (whose driver
    allocates nothing) and a driver whose own buffers are too big are
    refused at compile, never left to fail in the linker."""
    d = os.path.join(tmp, "static")
    os.mkdir(d)
    lua = os.path.join(d, "bigws.lua")
    with open(lua, "w") as f:
        f.write('local x = input { name = "x", shape = { 1, 1, 1, 1 } }\n'
                'return x:conv2d { name = "wide", out_channels = 16, kernel_size = 1, padding = 4095 }\n'
                '        :max_pool2d { kernel_size = 8191 }:flatten()\n')
    prog = os.path.join(d, "bigws")
    r = run([CNNC, "build", lua, "--random-weights", "1", "-o", prog])
    check("cnnc build, workspace 4.3 GB: exit 1 at compile saying why, nothing left",
          r.returncode == 1 and b"too big for static storage" in r.stderr and b"C compiler failed" not in r.stderr
          and sorted(os.listdir(d)) == ["bigws.lua"], f"exit {r.returncode}: {r.stderr[-300:]!r}")
    r = run([CNNC, "compile", lua, "--random-weights", "1", "-o", prog])
    with open(prog + ".h") as f:
        h = f.read()
    main_c = os.path.join(d, "user.c")
    with open(main_c, "w") as f:
        f.write('#include <stdlib.h>\n#include "bigws.h"\n'
                'int main(void)\n{\n\tstatic float in[BIGWS_INPUT_COUNT], out[BIGWS_OUTPUT_COUNT];\n'
                '\tvoid *ws = aligned_alloc(64, (size_t)BIGWS_WORKSPACE_BYTES);\n'
                '\tif (!ws)\n\t\treturn 1;\n\tbigws_run_ws(in, out, ws);\n\tfree(ws);\n\treturn 0;\n}\n')
    # the runtime libraries `ninja` builds once (build/lib), whichever cnnc runs the test
    libdir = os.environ.get("CNNC_LIBDIR") or os.path.join(REPO, "build", "lib")
    lib = os.path.join(libdir, "libcnnrt-generic.a")
    link = run(["cc", "-O1", "-std=c11", "-I" + os.path.join(REPO, "runtime"), "-I" + d, main_c, prog + ".c", lib,
                "-pthread", "-lm", "-o", os.path.join(d, "user")])
    check("cnnc compile, workspace 4.3 GB: no static SYM_run; SYM_run_ws links in a user's program",
          r.returncode == 0 and "void bigws_run(" not in h and "void bigws_run_ws(" in h and link.returncode == 0,
          f"compile exit {r.returncode}, link exit {link.returncode}: {link.stderr[-300:]!r}")
    lua = os.path.join(d, "bigio.lua")
    with open(lua, "w") as f:
        f.write('local x = input { name = "x", shape = { 1, 32, 4096, 4096 } }\nreturn x:global_avg_pool()\n')
    r = run([CNNC, "build", lua, "--random-weights", "1", "-o", os.path.join(d, "bigio")])
    check("cnnc build, a 2 GiB input buffer in the driver: exit 1 at compile saying why",
          r.returncode == 1 and b"bytes of static data" in r.stderr and not os.path.exists(os.path.join(d, "bigio")),
          f"exit {r.returncode}: {r.stderr[-300:]!r}")


def many_layers(tmp):
    """A 5,000-layer chain (3x3 conv, 4 channels, ReLU; weights in a blob)
    with a skip from layer 100 added at the end (a buffer that lives
    across the generated functions) builds with `cnnc build` in well
    under a minute (one run function took gcc -O2 over 400 s at 3,000
    layers) and matches PyTorch. Each
    conv is a channel permutation plus a small bias, so every layer, in
    order, shows in the output and nothing explodes or dies out."""
    import torch
    n = 5000
    d = os.path.join(tmp, "deep")
    os.mkdir(d)
    lua = os.path.join(d, "deep.lua")
    with open(lua, "w") as f:
        f.write('local x = input { name = "x", shape = { 1, 4, 8, 8 } }\n')
        for i in range(n):
            f.write(f'x = x:conv2d {{ name = "c{i}", out_channels = 4, kernel_size = 3, padding = 1 }}:relu()\n')
            if i == 100:
                f.write("local skip = x\n")
        f.write("return x:add(skip)\n")
    g = torch.Generator().manual_seed(5)
    w = {}
    for i in range(n):
        k = torch.zeros(4, 4, 3, 3)
        k[torch.arange(4), torch.randperm(4, generator=g), 1, 1] = 1
        w[f"c{i}.weight"] = k
        w[f"c{i}.bias"] = (torch.rand(4, generator=g) - 0.5) / 50
    x = torch.rand(1, 4, 8, 8, generator=g) + 1
    ref = x
    for i in range(n):
        ref = torch.relu(torch.nn.functional.conv2d(ref, w[f"c{i}.weight"], w[f"c{i}.bias"], padding=1))
        if i == 100:
            skip = ref
    ref = (ref + skip).numpy()
    wf = os.path.join(d, "deep.safetensors")
    safetensors_io.write(wf, {k: v.numpy() for k, v in w.items()})
    xf, out = os.path.join(d, "in.npy"), os.path.join(d, "out.npy")
    np.save(xf, x.numpy())
    prog = os.path.join(d, "deep")
    # CPU time of cnnc and the C compiler, which the machine's other jobs
    # do not stretch as they do the wall clock (printed too)
    import resource
    t0, c0 = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    r = run(["nice", CNNC, "build", lua, "--weights", wf, "-o", prog])
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    took = c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
    print(f"     cnnc build of {n} layers: {took:.1f} s CPU, {time.time() - t0:.1f} s wall")
    ok, detail = r.returncode == 0 and took < 60, f"exit {r.returncode} after {took:.0f} s: {r.stderr[-300:]!r}"
    if ok:
        r = run([prog, xf, out])
        ok = r.returncode == 0 and np.abs(np.load(out) - ref).max() <= 1e-4 * (1 + np.abs(ref).max())
        detail = f"program exit {r.returncode}: {r.stderr[-300:]!r}"
    check(f"cnnc build of a {n}-layer chain: under 60 s of CPU, output matches PyTorch", ok, detail)


def audit_negative(tmp):
    """`cnnc audit` fails a generated file with a negative count (the
    overflows of issue 20 item 3 produced such files and audit passed
    them) and passes the file as generated."""
    d = os.path.join(tmp, "audit")
    os.mkdir(d)
    prefix = os.path.join(d, "le")
    r = run([CNNC, "compile", LENET, "--random-weights", "1", "--main", "-o", prefix])
    good = run([CNNC, "audit", prefix + ".c"])
    with open(prefix + ".c") as f:
        text = f.read()
    bad = prefix + "_neg.c"
    with open(bad, "w") as f:
        f.write(text.replace(".n = 1,", ".n = -1,", 1))
    r2 = run([CNNC, "audit", bad])
    check("cnnc audit: a count made negative in a generated file is a finding; the file as generated passes",
          r.returncode == 0 and good.returncode == 0 and r2.returncode == 1 and b"negative integer constant" in r2.stderr,
          f"compile {r.returncode}, audit {good.returncode} / {r2.returncode}: {r2.stderr[-300:]!r}")


CHECKS = [broken_pipe, svg_escaped, names_escaped, big_static, many_layers, audit_negative]


def main():
    only = sys.argv[1:]
    if only:
        with tempfile.TemporaryDirectory(prefix="cnnc-reliability-") as tmp:
            for fn in CHECKS:
                if fn.__name__ in only:
                    fn(tmp)
        print(f"reliability: {len(failures)} failed")
        return 1 if failures else 0
    with tempfile.TemporaryDirectory(prefix="cnnc-reliability-") as tmp:
        prog = os.path.join(tmp, "lenet")
        x = np.load(os.path.join(GOLD, "input.npy"))
        r = run([CNNC, "build", LENET, "--weights", os.path.join(GOLD, "weights.safetensors"),
                 "--batch", str(x.shape[0]), "-o", prog])
        if r.returncode != 0:
            print(r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace"))
            check("cnnc build lenet5", False)
        else:
            through(tmp, prog)
            inputs_kept(tmp)
            hijack(tmp, prog)
        signals(tmp)
        concurrent(tmp)
        inputs_checked(tmp)
        escapes(tmp)
        for fn in CHECKS:
            fn(tmp)
    print(f"reliability: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
