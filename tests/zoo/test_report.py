"""Checks `cnnc report --json` on every zoo model against PyTorch itself.

Run from anywhere with Debian's Python:  /usr/bin/python3 tests/zoo/test_report.py
It uses build/cnnc, or $CNNC_BUILD/cnnc when CNNC_BUILD is set.

For each model in nets.ZOO, with the PyTorch module from nets.build:
  - total params == sum of p.numel() over module.parameters();
  - total MACs == conv2d + linear MACs measured by forward hooks on a zeros
    input (conv: output.numel() * in_channels/groups * kh * kw;
    conv_transpose2d: input.numel() * out_channels/groups * kh * kw;
    linear: output.numel() * in_features), and the same per layer;
  - the weight/bias/running_mean/running_var keys of the state_dict are
    exactly the keys the cnnc model reads (conv2d/linear: NAME.weight, plus
    NAME.bias when `cnnc check --dump-ir` shows `bias`; batch_norm: its four);
  - every report layer named like a PyTorch module that runs once has that
    module's output shape;
  - the figures published for the zoo (PUBLISHED below).
Prints one line per model; exits 1 on any mismatch, saying what differed.
"""

import json
import os
import re
import subprocess
import sys

import torch
import torch.nn as nn

sys.dont_write_bytecode = True  # keep tests/zoo free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nets  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CNNC = os.path.join(os.environ.get("CNNC_BUILD", os.path.join(ROOT, "build")), "cnnc")

# Published figures: total params and MACs (None: not published).
PUBLISHED = {
    "lenet5": (61_706, None),
    "chapter_ex1": (78_720, None),
    "rgb_conv": (1_792, 86_704_128),
    "resnet50": (25_557_032, 4_089_184_256),
    "vgg16": (138_357_544, None),
    "cifar10": (1_147_978, None),
    "shufflenet_v2_x1_0": (2_278_604, None),
    # torchvision 0.14's num_params of each model's IMAGENET1K_V1 weights
    # (inception_v3's 27,161,264 counts its auxiliary head, which the .lua
    # leaves out: not listed).
    "squeezenet1_1": (1_235_496, None),
    "alexnet": (61_100_840, None),
    "resnext50_32x4d": (25_028_904, None),
    "densenet121": (7_978_856, None),
    "googlenet": (6_624_904, None),
    "mnasnet1_0": (4_383_312, None),
    "convnext_tiny": (28_589_128, None),
}

STATE_SUFFIXES = ("weight", "bias", "running_mean", "running_var")


def cnnc(*args):
    """Runs cnnc; returns (stdout, stderr). Raises on a non-zero exit."""
    r = subprocess.run([CNNC, *args], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("cnnc %s exited %d:\n%s" % (" ".join(args), r.returncode, r.stderr.strip()))
    return r.stdout, r.stderr


def biased_layers(model_path):
    """Names of the conv2d/linear layers that have a bias, from the IR dump."""
    out, err = cnnc("check", model_path, "--dump-ir")
    names = set()
    for line in (out + "\n" + err).splitlines():
        m = re.match(r"%\d+ = (conv2d|linear) .*?\bname=(\S+)(.*?) : ", line)
        if m and "bias" in m.group(3).split():
            names.add(m.group(2))
    return names


def keys_read(layers, biased):
    """The state_dict keys the cnnc model reads, from its report rows."""
    keys = set()
    for l in layers:
        if l["op"] in ("conv2d", "linear"):
            keys.add(l["name"] + ".weight")
            if l["name"] in biased:
                keys.add(l["name"] + ".bias")
        elif l["op"] == "batch_norm":
            keys.update(l["name"] + "." + s for s in STATE_SUFFIXES)
        elif l["op"] == "layer_norm" and l["params"]:
            keys.update((l["name"] + ".weight", l["name"] + ".bias"))
        elif l["op"] == "param":
            keys.add(l["name"])
    return keys


def torch_profile(module, input_shape):
    """Runs module on zeros; returns {name: [output shapes]}, {name: MACs} for
    every conv/linear, and the total MACs."""
    shapes, macs = {}, {}

    def hook(name):
        def fn(mod, inputs, output):
            if not isinstance(output, torch.Tensor):  # a segmentation backbone's {"low": ..., "high": ...}
                return
            shapes.setdefault(name, []).append(list(output.shape))
            if isinstance(mod, nn.Conv2d):
                kh, kw = mod.kernel_size
                n = output.numel() * (mod.in_channels // mod.groups) * kh * kw
            elif isinstance(mod, nn.ConvTranspose2d):  # per input element, as fvcore and thop count it
                kh, kw = mod.kernel_size
                n = inputs[0].numel() * (mod.out_channels // mod.groups) * kh * kw
            elif isinstance(mod, nn.Linear):
                n = output.numel() * mod.in_features
            else:
                return
            macs[name] = macs.get(name, 0) + n
        return fn

    handles = [m.register_forward_hook(hook(n)) for n, m in module.named_modules() if n]
    with torch.no_grad():
        module(torch.zeros(input_shape))
    for h in handles:
        h.remove()
    return shapes, macs, sum(macs.values())


def check_model(name):
    """Returns (list of problems, summary line) for one zoo model."""
    model_path = os.path.join("models", name + ".lua")
    report = json.loads(cnnc("report", model_path, "--json")[0])
    layers = report["layers"]
    total = report["total"]
    module, input_shape = nets.build(name)
    problems = []

    def expect(what, got, want):
        if got != want:
            problems.append("%s: cnnc has %s, PyTorch %s" % (what, got, want))

    # Input.
    inputs = [l for l in layers if l["op"] == "input"]
    expect("input shape", inputs[0]["shape"] if inputs else None, list(input_shape))

    # Parameters, total and per layer.
    torch_params = sum(p.numel() for p in module.parameters())
    expect("total params", total["params"], torch_params)
    modules = dict(module.named_modules())
    for l in layers:
        if l["op"] in ("conv2d", "linear", "batch_norm", "layer_norm") and l["name"] in modules:
            own = sum(p.numel() for p in modules[l["name"]].parameters(recurse=False))
            expect("params of %s" % l["name"], l["params"], own)

    # State dict keys.
    biased = biased_layers(model_path)
    want_keys = {k for k in module.state_dict() if k.rsplit(".", 1)[-1] in STATE_SUFFIXES
                 or k.endswith(".layer_scale")}
    got_keys = keys_read(layers, biased)
    for k in sorted(got_keys - want_keys):
        problems.append("cnnc reads %s, which is not in the PyTorch state_dict" % k)
    for k in sorted(want_keys - got_keys):
        problems.append("PyTorch state_dict has %s, which the cnnc model does not read" % k)

    # MACs and output shapes, from hooks.
    shapes, macs, torch_macs = torch_profile(module, input_shape)
    expect("total MACs", total["macs"], torch_macs)
    checked = 0
    for l in layers:
        if l["name"] in macs:
            expect("MACs of %s" % l["name"], l["macs"], macs[l["name"]])
        outs = shapes.get(l["name"], [])
        if len(outs) == 1:
            got = l["shape"]
            if type(modules.get(l["name"])).__name__ == "LayerNorm2d":  # the permutes around it are its own
                got = [got[0], got[3], got[1], got[2]]
            expect("output shape of %s" % l["name"], got, outs[0])
            checked += 1
        elif l["op"] in ("conv2d", "linear", "batch_norm"):
            problems.append("%s %s: PyTorch module ran %d times, expected once"
                            % (l["op"], l["name"], len(outs)))

    # Published figures.
    params_pub, macs_pub = PUBLISHED.get(name, (None, None))
    if params_pub is not None:
        expect("published params", total["params"], params_pub)
    if macs_pub is not None:
        expect("published MACs", total["macs"], macs_pub)

    summary = "%s: params %s macs %s (%d layers, %d shapes checked, %d keys)" % (
        name, f"{total['params']:,}", f"{total['macs']:,}", len(layers), checked, len(got_keys))
    return problems, summary


def main():
    torch.manual_seed(0)
    if not os.access(CNNC, os.X_OK):
        sys.exit("test_report: %s not found; build it with ninja (or set CNNC_BUILD)" % CNNC)
    failed = []
    for name in (sys.argv[1:] or nets.ZOO):
        try:
            problems, summary = check_model(name)
        except Exception as e:  # a crash of cnnc or of the check is a failure of this model
            problems, summary = ["%s: %s" % (type(e).__name__, e)], name
        if problems:
            failed.append(name)
            print("FAIL " + summary)
            for p in problems:
                print("    " + p)
        else:
            print("ok " + summary)
        sys.stdout.flush()
    if failed:
        sys.exit("test_report: %d of the zoo models differ from PyTorch: %s" % (len(failed), ", ".join(failed)))


if __name__ == "__main__":
    main()
