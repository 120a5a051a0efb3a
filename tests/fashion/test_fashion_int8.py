#!/usr/bin/python3
"""The shipped Fashion-MNIST model in int8: accuracy within 0.3 points of FP32.

Quantizes models/fashion_cnn on the first 1,000 training images
(scripts/fashion/int8.py: `cnnc quantize`, then `cnnc build` with the Q
file), runs the int8 program and the FP32 one over all 10,000 test
images, and fails unless the int8 accuracy is within 0.3 points of the
FP32 accuracy (issue 18). Cost: about 25 s of CPU (two builds, a calibration run).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "scripts", "fashion"))
import int8  # noqa: E402

BOUND = 0.003  # 0.3 points


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def main():
    cnnc = os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc")
    with tempfile.TemporaryDirectory(prefix="cnnc-fashion8-") as tmp:
        images, labels = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
        run([sys.executable, os.path.join(REPO, "scripts", "fashion", "idx2npy.py"),
             "--out-images", images, "--out-labels", labels])
        fp32 = os.path.join(tmp, "fashion_cnn")
        run([cnnc, "build", os.path.join(REPO, "models", "fashion_cnn.lua"),
             "--weights", os.path.join(REPO, "models", "fashion_cnn.safetensors"), "-o", fp32])
        prog8 = int8.build(cnnc, tmp, run)
        y = np.load(labels)
        acc = {}
        for name, prog in (("fp32", fp32), ("int8", prog8)):
            out = os.path.join(tmp, name + ".npy")
            run([prog, images, out])
            acc[name] = float((np.load(out).argmax(1) == y).mean())
    gap = acc["fp32"] - acc["int8"]
    ok = abs(gap) <= BOUND
    print(f"{'ok  ' if ok else 'FAIL'} fashion_cnn on {len(y)} test images: FP32 {acc['fp32']:.4f}, int8 "
          f"{acc['int8']:.4f} (quantized on {int8.CALIBRATION} training images): {100 * gap:+.2f} points, "
          f"bound {100 * BOUND:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
