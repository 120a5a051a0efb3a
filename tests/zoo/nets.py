"""The PyTorch side of the model zoo in models/*.lua.

For every zoo model, build(name) returns the torch.nn.Module whose
state_dict keys are exactly the parameter names models/NAME.lua reads, and
the model's input shape (N, C, H, W). The ImageNet models are
torchvision 0.14's own constructors (weights=None, TORCHVISION below); the
small models from the chapter are written out here with the same layer
names as their .lua files.

Tests import this module (tests/zoo/test_report.py, the golden tests), so
it only defines things: importing it builds nothing.
"""

import torch.nn as nn

# Every model in the zoo; models/NAME.lua exists for each.
ZOO = [
    "lenet5",
    "chapter_ex1",
    "rgb_conv",
    "cifar10",
    "resnet18",
    "resnet50",
    "vgg16",
    "mobilenet_v2",
    "shufflenet_v2_x1_0",
    "squeezenet1_1",
    "alexnet",
    "resnext50_32x4d",
    "densenet121",
    "googlenet",
    "mnasnet1_0",
    "inception_v3",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
    "efficientnet_b0",
    "regnet_y_400mf",
    "convnext_tiny",
    "lraspp_mobilenet_v3_large",
    "deeplabv3_mobilenet_v3_large",
]

IMAGENET_SHAPE = (1, 3, 224, 224)

# Zoo models also tested at another input size (issue 16: the segmentation
# models at 224x224 as well as their 520x520): NAME_SIZE -> (NAME, SIZE).
# The PyTorch side is NAME's module on a SIZE x SIZE input; the Lua side
# models/NAME.lua with its `local SIZE = ...` line set to SIZE
# (tests/golden/make_golden.py's lua_path writes that copy).
RESIZED = {
    "lraspp_mobilenet_v3_large_224": ("lraspp_mobilenet_v3_large", 224),
    "deeplabv3_mobilenet_v3_large_224": ("deeplabv3_mobilenet_v3_large", 224),
}

# The torchvision models: constructor keywords beyond weights=None, and the
# input shape. googlenet and inception_v3 are built without their auxiliary
# heads (which run only in training, so eval mode never uses them) and with
# transform_input=False, torchvision's default without pretrained weights:
# with IMAGENET1K_V1 weights it turns transform_input on, a per-channel
# affine map of the input that the .lua files leave to the caller's
# preprocessing. init_weights=True is the default's behaviour without the
# warning that asks for it.
TORCHVISION = {
    "resnet18": ({}, IMAGENET_SHAPE),
    "resnet50": ({}, IMAGENET_SHAPE),
    "vgg16": ({}, IMAGENET_SHAPE),
    "mobilenet_v2": ({}, IMAGENET_SHAPE),
    "shufflenet_v2_x1_0": ({}, IMAGENET_SHAPE),
    "squeezenet1_1": ({}, IMAGENET_SHAPE),
    "alexnet": ({}, IMAGENET_SHAPE),
    "resnext50_32x4d": ({}, IMAGENET_SHAPE),
    "densenet121": ({}, IMAGENET_SHAPE),
    "googlenet": ({"aux_logits": False, "transform_input": False, "init_weights": True}, IMAGENET_SHAPE),
    "mnasnet1_0": ({}, IMAGENET_SHAPE),
    "inception_v3": ({"aux_logits": False, "transform_input": False, "init_weights": True}, (1, 3, 299, 299)),
    "mobilenet_v3_small": ({}, IMAGENET_SHAPE),
    "mobilenet_v3_large": ({}, IMAGENET_SHAPE),
    "efficientnet_b0": ({}, IMAGENET_SHAPE),
    "regnet_y_400mf": ({}, IMAGENET_SHAPE),
    "convnext_tiny": ({}, IMAGENET_SHAPE),
}


class LeNet5(nn.Module):
    """LeNet-5 with ReLU and max pooling, 1x32x32 -> 10 (models/lenet5.lua)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = x.flatten(1)
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.fc3(x)


class ChapterEx1(nn.Module):
    """Exercise 1: two conv/relu/pool stages on 3x32x32 (models/chapter_ex1.lua)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 5, padding=2)
        self.conv2 = nn.Conv2d(64, 128, 3, padding=1)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        return self.pool(self.relu(self.conv2(x)))


class RgbConv(nn.Module):
    """One 3->64 3x3 conv over an RGB image (models/rgb_conv.lua)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 64, 3, padding=1)

    def forward(self, x):
        return self.conv(x)


def _cifar_block(cin, cout):
    """Two conv + relu layers: .0 conv .1 relu .2 conv .3 relu."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(),
        nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(),
    )


class Cifar10(nn.Module):
    """Exercise 3: three conv blocks, global average pool, linear (models/cifar10.lua)."""

    def __init__(self):
        super().__init__()
        self.block1 = _cifar_block(3, 64)
        self.pool1 = nn.MaxPool2d(2)
        self.block2 = _cifar_block(64, 128)
        self.pool2 = nn.MaxPool2d(2)
        self.block3 = _cifar_block(128, 256)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(256, 10)

    def forward(self, x):
        x = self.pool1(self.block1(x))
        x = self.pool2(self.block2(x))
        x = self.pool(self.block3(x))
        return self.fc(x.flatten(1))


def build(name):
    """Returns (module in eval mode, input shape) for zoo model `name`."""
    if name == "lenet5":
        return LeNet5().eval(), (1, 1, 32, 32)
    if name == "chapter_ex1":
        return ChapterEx1().eval(), (1, 3, 32, 32)
    if name == "rgb_conv":
        return RgbConv().eval(), IMAGENET_SHAPE
    if name == "cifar10":
        return Cifar10().eval(), (1, 3, 32, 32)
    if name in TORCHVISION:
        import torchvision.models

        kwargs, shape = TORCHVISION[name]
        return getattr(torchvision.models, name)(weights=None, **kwargs).eval(), shape
    if name in RESIZED:
        base, size = RESIZED[name]
        m, shape = build(base)
        return m, tuple(shape[:2]) + (size, size)
    if name in ("lraspp_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large"):
        import torchvision.models.segmentation as seg

        kw = {"aux_loss": False} if name.startswith("deeplab") else {}
        m = getattr(seg, name)(weights=None, weights_backbone=None, **kw).eval()
        dict_forward = m.forward
        m.forward = lambda x: dict_forward(x)["out"]  # the tensor, not torchvision's {"out": ...}
        return m, (1, 3, 520, 520)
    raise ValueError("unknown zoo model %r (known: %s)" % (name, ", ".join(ZOO)))
