"""Shared definitions for the Fashion-MNIST example (scripts/fashion/*.py).

The normalization constants live only here; idx2npy.py, train.py and
eval_torch.py all import them, so the .npy test input and the training input
are normalized identically: x = (pixel / 255 - MEAN) / STD.
"""
import os
import sys

# Mean and std of the Fashion-MNIST training pixels after /255.
MEAN = 0.2860
STD = 0.3530

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))  # scripts/, for safetensors_io

# Where Debian's dataset-fashion-mnist installs the IDX files.
DATA_DIRS = [os.environ.get("FASHION_MNIST_DIR", ""),
             "/usr/share/datasets/fashion-mnist"]


def find_data(basename):
    """Path of an IDX file such as 't10k-images-idx3-ubyte' (.gz or not)."""
    for d in DATA_DIRS:
        if not d:
            continue
        for suffix in ("", ".gz"):
            p = os.path.join(d, basename + suffix)
            if os.path.exists(p):
                return p
    raise FileNotFoundError(
        f"cannot find {basename}[.gz] in {[d for d in DATA_DIRS if d]}; "
        "install dataset-fashion-mnist or set FASHION_MNIST_DIR")


def normalize(pixels_u8):
    """uint8 images [N, 28, 28] -> float32 [N, 1, 28, 28], normalized."""
    import numpy as np
    x = pixels_u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return x.reshape(x.shape[0], 1, x.shape[1], x.shape[2]).astype(np.float32)


def make_net():
    """The PyTorch network; must match models/fashion_cnn.lua layer for layer."""
    import torch.nn as nn
    import torch.nn.functional as F

    class FashionCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            self.conv2 = nn.Conv2d(16, 32, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(32)
            self.fc1 = nn.Linear(32 * 7 * 7, 64)
            self.dropout = nn.Dropout(0.3)
            self.fc2 = nn.Linear(64, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
            x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
            x = x.flatten(1)
            x = self.dropout(F.relu(self.fc1(x)))
            return self.fc2(x)

    return FashionCNN()
