#!/usr/bin/python3
"""Write golden data for one network: weights, input and PyTorch's output.

    /usr/bin/python3 tests/golden/make_golden.py NAME... -o DIR [--seed S]
    /usr/bin/python3 tests/golden/make_golden.py --all      # refresh tests/golden/data/

For each NAME it writes DIR/NAME/:

    weights.safetensors  the module's state_dict (random from the seed; the
                         fashion model uses its shipped trained weights)
    input.npy            float32, C order, BATCHES.get(NAME, 1) batches of
                         the model's batch along dim 0
    expected.npy         the module's output in eval mode, float32

NAME is an odd-shape net of tests/golden/nets.py (Lua in
tests/golden/nets/NAME.lua), a zoo net of tests/zoo/nets.py (Lua in
models/NAME.lua), or fashion_cnn (models/fashion_cnn.lua with its shipped
models/fashion_cnn.safetensors; input: Fashion-MNIST test images when the
dataset is installed).

How the weights are made, so batch norm matters: conv and linear weights
come from PyTorch's own init, scaled by the module's `golden_gain` if it
has one (a number for every conv/linear, or {layer: gain}; for a batch norm
layer its weight and bias are scaled); batch norm running statistics are measured on random data (so
activations stay in range through deep nets), then perturbed, and
weight/bias are drawn away from 1/0. Everything comes from the seed: the
same seed gives the same bytes.
"""
import argparse
import collections
import importlib.util
import os
import re
import subprocess
import sys
import zlib

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, "data")
sys.path.insert(0, os.path.join(REPO, "scripts"))
import safetensors_io  # noqa: E402

DEFAULT_SEED = 1234
SMALL_ZOO = ["lenet5", "chapter_ex1", "cifar10", "rgb_conv"]
BIG_ZOO = ["resnet18", "resnet50", "vgg16", "mobilenet_v2", "shufflenet_v2_x1_0",
           "squeezenet1_1", "alexnet", "resnext50_32x4d", "densenet121", "googlenet", "mnasnet1_0",
           "inception_v3", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0", "regnet_y_400mf",
           "lraspp_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large", "convnext_tiny",
           "lraspp_mobilenet_v3_large_224", "deeplabv3_mobilenet_v3_large_224"]
# The levels of run_golden.py a big model runs at unless --levels says
# otherwise (default: all): the first five at every level, the others at
# the reference and the default level only (the other levels' code paths
# are the ones those and the odd nets cover), so that `ninja test` stays
# in its time budget.
BIG_LEVELS = {name: ("-O0", "default") for name in BIG_ZOO[5:]}
# resize_big's one conv is a 1x1 whose algorithm the levels --algo pick
# do not change: its resizes run at the reference and default levels, in
# the other layouts, and on two threads.
BIG_LEVELS["resize_big"] = ("-O0", "default", "nhwc", "blocked", "t2", "nhwc/t2")
# swap_resize's convs are all 1x1 (gemm, or direct): its moved convs and
# resizes run at these levels and layouts.
BIG_LEVELS["swap_resize"] = ("-O0", "default", "direct", "nhwc", "blocked")
FASHION = "fashion_cnn"
# golden_gain for zoo nets whose PyTorch default init (variance 1/(3 fan_in))
# would shrink activations layer by layer until the output is mostly bias;
# about sqrt(6) keeps a relu net's scale.
ZOO_GAIN = {"lenet5": 2.4, "chapter_ex1": 2.4, "cifar10": 2.4, "alexnet": 2.4}


def _residual_bn_gain(suffix, gain):
    """{name: gain} for the batch norms whose names end in suffix: the last
    of each residual branch. With unit-scale branches added to the input
    block after block, activations grow ~6x per stage and float32's own
    rounding (PyTorch's too) outgrows the tolerance; trained nets keep these
    gammas small, and so does this gain."""
    return lambda module: {n: gain for n, m in module.named_modules()
                           if isinstance(m, torch.nn.BatchNorm2d) and n.endswith(suffix)}


def _inverted_residual_bn_gain(gain):
    """The same for torchvision's MobileNetV3 and EfficientNet blocks: the
    batch norm of the projection (block[-1]) of each block with a
    residual."""
    def gains(module):
        names = {m: n for n, m in module.named_modules()}
        return {names[m.block[-1][1]]: gain for m in module.modules()
                if getattr(m, "use_res_connect", False) and hasattr(m, "block")}
    return gains


# Functions of the module, for the deep residual nets.
for _name in ("efficientnet_b0", "lraspp_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large"):
    ZOO_GAIN[_name] = _inverted_residual_bn_gain(0.2)
ZOO_GAIN["regnet_y_400mf"] = _residual_bn_gain(".f.c.1", 0.3)
# ConvNeXt's init (std 0.02 weights, layer_scale 1e-6) leaves every block
# all but the identity, which would test nothing: weights 3x, layer_scale
# (a parameter, not a layer) to 0.3.
ZOO_GAIN["convnext_tiny"] = lambda module: {
    n: 3e5 if n.endswith("layer_scale") else 3.0 for n, _ in module.named_parameters()
    if n.endswith("layer_scale") or (n.endswith(".weight") and isinstance(
        module.get_submodule(n.rsplit(".", 1)[0]), (torch.nn.Conv2d, torch.nn.Linear)))}
# How many batches of the model's batch the golden input holds (default 1).
BATCHES = {"groups_bn": 2, "concat_res": 2, "shuffle_split": 2, "mlp_bn": 2, "lenet5": 3}
FASHION_SAMPLES = 100  # images in the fashion golden input (rounded up to batches)


def _load(path, modname):
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def odd_nets():
    return _load(os.path.join(HERE, "nets.py"), "golden_nets")


def zoo_nets():
    path = os.path.join(REPO, "tests", "zoo", "nets.py")
    return _load(path, "zoo_nets") if os.path.exists(path) else None


# The goldens committed in tests/golden/data (small: well under 1 MB).
COMMITTED = odd_nets().NETS + ["lenet5"]


def lua_input_shape(lua_path):
    """The shape of the model's input, as `cnnc check` prints it (the file
    may compute it, e.g. from a local SIZE)."""
    cnnc = os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc")
    p = subprocess.run([cnnc, "check", lua_path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    m = re.search(r"input ([0-9x]+), output", p.stdout)
    if p.returncode != 0 or not m:
        raise ValueError(f"{lua_path}: cnnc check: {p.stdout.strip()}")
    return tuple(int(v) for v in m.group(1).split("x"))


def lua_path(name):
    """The Lua model file for NAME; for a zoo model at another size
    (tests/zoo/nets.py RESIZED), a copy of its file with that SIZE,
    written under build/zoo_sizes."""
    p = os.path.join(HERE, "nets", name + ".lua")
    if os.path.exists(p):
        return p
    resized = getattr(zoo_nets(), "RESIZED", {})
    if name not in resized:
        return os.path.join(REPO, "models", name + ".lua")
    base, size = resized[name]
    with open(os.path.join(REPO, "models", base + ".lua")) as f:
        text, count = re.subn(r"(?m)^local SIZE = \d+$", f"local SIZE = {size}", f.read())
    if count != 1:
        raise ValueError(f"models/{base}.lua: no single `local SIZE = N` line to set to {size}")
    out = os.path.join(REPO, "build", "zoo_sizes", name + ".lua")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(text)
    return out


def available(name):
    """Why NAME cannot be generated now, or None when it can."""
    if not os.path.exists(lua_path(name)):
        return f"no {os.path.relpath(lua_path(name), REPO)}"
    if name in odd_nets().NETS:
        return None
    if name == FASHION:
        w = os.path.join(REPO, "models", FASHION + ".safetensors")
        return None if os.path.exists(w) else "no models/fashion_cnn.safetensors"
    zoo = zoo_nets()
    if zoo is None:
        return "no tests/zoo/nets.py"
    if name not in getattr(zoo, "ZOO", []) + list(getattr(zoo, "RESIZED", {})):
        return f"{name} not in tests/zoo/nets.py ZOO"
    return None


def build_module(name):
    """(module, input shape with batch) for NAME."""
    odd = odd_nets()
    if name in odd.NETS:
        return odd.build(name)
    zoo = zoo_nets()
    if zoo is not None and name in getattr(zoo, "ZOO", []) + list(getattr(zoo, "RESIZED", {})):
        return zoo.build(name)
    if name == FASHION:
        sys.path.insert(0, os.path.join(REPO, "scripts", "fashion"))
        import common
        return common.make_net(), lua_input_shape(lua_path(name))
    raise KeyError(f"unknown net {name!r}")


def load_weights(module, path):
    """Loads the safetensors file at path into module, strictly. safetensors
    keeps no state_dict metadata (each module's _version), which some
    modules' loaders require (torchvision's MNASNet refuses a state_dict
    without its version): the module's own metadata is given back, as its
    own state_dict() would carry it."""
    sd = collections.OrderedDict(safetensors_io.read_torch(path))
    sd._metadata = module.state_dict()._metadata
    module.load_state_dict(sd)


def _bn_layers(module):
    return [m for m in module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]


@torch.no_grad()
def randomize(name, module, shape, gen):
    """Scale weights by golden_gain; give batch norm real stats."""
    gain = getattr(module, "golden_gain", ZOO_GAIN.get(name, 1.0))
    if callable(gain):
        gain = gain(module)
    gains = gain if isinstance(gain, dict) else {
        n: gain for n, m in module.named_modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))}
    layers = dict(module.named_modules())
    for n, g in gains.items():
        if n not in layers:  # a parameter's own name (ConvNeXt's layer_scale)
            module.get_parameter(n).mul_(g)
        elif not isinstance(layers[n], torch.nn.modules.batchnorm._BatchNorm):
            layers[n].weight.mul_(g)
    bns = _bn_layers(module)
    if not bns:
        return
    # Measure running statistics on random data (cumulative average), so
    # each layer normalizes to roughly unit scale, as a trained net would.
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    module.train()
    per_sample = int(np.prod(shape[1:]))
    calib = (8 if per_sample <= 100_000 else 2,) + tuple(shape[1:])
    for _ in range(2):
        module(torch.randn(calib, generator=gen))
    module.eval()
    for bn in bns:
        c = bn.num_features
        bn.momentum = 0.1
        std = bn.running_var.sqrt()
        bn.running_mean.add_(0.2 * std * torch.randn(c, generator=gen))
        bn.running_var.mul_(torch.empty(c).uniform_(0.6, 1.5, generator=gen))
        bn.weight.copy_(torch.empty(c).uniform_(0.6, 1.4, generator=gen))
        bn.bias.copy_(0.3 * torch.randn(c, generator=gen))
    # Batch norm normalizes away a gain on the layer before it: scale its
    # affine part instead.
    for n, g in gains.items():
        if isinstance(layers.get(n), torch.nn.modules.batchnorm._BatchNorm):
            layers[n].weight.mul_(g)
            layers[n].bias.mul_(g)


def _fashion_images(n):
    """n normalized Fashion-MNIST test images, or None without the dataset."""
    sys.path.insert(0, os.path.join(REPO, "scripts", "fashion"))
    import gzip
    import common
    try:
        path = common.find_data("t10k-images-idx3-ubyte")
    except FileNotFoundError:
        return None
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 28, 28)[:n]
    return common.normalize(pixels)


def generate(name, outdir, seed=DEFAULT_SEED):
    """Write NAME's golden files into outdir (created). Returns outdir."""
    torch.set_num_threads(1)
    os.makedirs(outdir, exist_ok=True)
    # One stream per net, so adding a net does not change the others.
    net_seed = seed * 1000003 + zlib.crc32(name.encode())
    torch.manual_seed(net_seed)
    gen = torch.Generator().manual_seed(net_seed)
    module, shape = build_module(name)
    shape = tuple(shape)
    lua_shape = lua_input_shape(lua_path(name))
    if lua_shape != shape:
        raise ValueError(f"{name}: PyTorch input shape {shape} != Lua input shape {lua_shape}")
    wpath = os.path.join(outdir, "weights.safetensors")
    x = None
    if name == FASHION:
        got = module.load_state_dict(safetensors_io.read_torch(
            os.path.join(REPO, "models", FASHION + ".safetensors")), strict=False)
        missing = [k for k in got.missing_keys if not k.endswith("num_batches_tracked")]
        if missing or got.unexpected_keys:
            raise ValueError(f"{FASHION}: shipped weights do not fit the PyTorch module: "
                             f"missing {missing}, unexpected {got.unexpected_keys}")
        batches = -(-FASHION_SAMPLES // shape[0])
        imgs = _fashion_images(batches * shape[0])
        if imgs is not None:
            x = torch.from_numpy(imgs)
    else:
        randomize(name, module, shape, gen)
        batches = BATCHES.get(name, 1)
    module.eval()
    safetensors_io.write(wpath, module.state_dict(),
                         metadata={"generator": "tests/golden/make_golden.py",
                                   "net": name, "seed": seed})
    if x is None:
        x = torch.randn((batches * shape[0],) + shape[1:], generator=gen)
    # Reference from a fresh module loaded from the file just written, so
    # the expected output is exactly what those bytes compute.
    torch.manual_seed(0)
    ref, _ = build_module(name)
    load_weights(ref, wpath)
    ref.eval()
    with torch.no_grad():
        y = ref(x.float().contiguous())
    np.save(os.path.join(outdir, "input.npy"), np.ascontiguousarray(x.numpy(), dtype=np.float32))
    np.save(os.path.join(outdir, "expected.npy"), np.ascontiguousarray(y.numpy(), dtype=np.float32))
    return outdir


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="nets to generate")
    ap.add_argument("-o", "--out", help="output directory (one subdirectory per net)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--all", action="store_true",
                    help=f"regenerate the committed goldens in {os.path.relpath(DATA, REPO)}")
    args = ap.parse_args(argv)
    names = list(args.names) + (COMMITTED if args.all else [])
    if not names:
        ap.error("give net names or --all")
    out = args.out or (DATA if args.all else None)
    if out is None:
        ap.error("give -o DIR")
    for name in names:
        why = available(name)
        if why:
            print(f"{name}: cannot generate: {why}", file=sys.stderr)
            return 1
        d = generate(name, os.path.join(out, name), args.seed)
        print(f"{name}: wrote {os.path.relpath(d)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
