"""The shipped Fashion-MNIST model in int8: quantized on the first 1,000
training images, built into a program (scripts/demo.py and
tests/fashion/test_fashion_int8.py share this).
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import common  # noqa: E402

CALIBRATION = 1000  # training images quantize sees


def build(cnnc, out, run=subprocess.run):
    """Quantizes models/fashion_cnn on the first CALIBRATION training images
    and builds the int8 program; returns its path. run: how to run a
    command (check=True semantics)."""
    calib = os.path.join(out, "calib_images.npy")
    q = os.path.join(out, "fashion_cnn.q.safetensors")
    program = os.path.join(out, "fashion_cnn_int8")
    model = os.path.join(REPO, "models", "fashion_cnn.lua")
    run([sys.executable, os.path.join(HERE, "idx2npy.py"), "--images", common.find_data("train-images-idx3-ubyte"),
         "--labels", common.find_data("train-labels-idx1-ubyte"), "--limit", str(CALIBRATION),
         "--out-images", calib, "--out-labels", os.path.join(out, "calib_labels.npy")])
    for f in (q, program):  # quantize and build refuse to overwrite nothing but their own outputs
        if os.path.exists(f):
            os.remove(f)
    run([cnnc, "quantize", model, "--weights", os.path.join(REPO, "models", "fashion_cnn.safetensors"),
         "--calibrate", calib, "-o", q])
    run([cnnc, "build", model, "--weights", q, "-o", program])
    return program
