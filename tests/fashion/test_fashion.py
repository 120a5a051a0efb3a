#!/usr/bin/python3
"""The shipped Fashion-MNIST model: generated program vs PyTorch, all 10,000 test images.

Converts the test set with scripts/fashion/idx2npy.py, builds the program
with `cnnc build` (default level) from models/fashion_cnn.lua and the
shipped models/fashion_cnn.safetensors, runs it over every image, and runs
the same weights in PyTorch. Fails unless every image's predicted class is
the same, the logits agree within SPEC's tolerance, and the accuracy is at
least 0.91 (the figure the README promises).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "scripts", "fashion"))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import common  # noqa: E402
import eval_torch  # noqa: E402


def main():
    torch.set_num_threads(1)
    cnnc = os.path.join(REPO, os.environ.get("CNNC_BUILD", "build"), "cnnc")
    weights = os.path.join(REPO, "models", "fashion_cnn.safetensors")
    with tempfile.TemporaryDirectory(prefix="cnnc-fashion-") as tmp:
        images, labels = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
        subprocess.run([sys.executable, os.path.join(REPO, "scripts", "fashion", "idx2npy.py"),
                        "--out-images", images, "--out-labels", labels], check=True,
                       stdout=subprocess.DEVNULL)
        prog = os.path.join(tmp, "fashion_cnn")
        subprocess.run([cnnc, "build", os.path.join(REPO, "models", "fashion_cnn.lua"),
                        "--weights", weights, "-o", prog], check=True, stdout=subprocess.DEVNULL)
        out = os.path.join(tmp, "logits.npy")
        subprocess.run([prog, images, out], check=True)
        got = np.load(out)
        x, y = np.load(images), np.load(labels)

    net = eval_torch.load_net(weights)
    with torch.no_grad():
        ref = torch.cat([net(torch.from_numpy(x[i:i + 1000])) for i in range(0, len(x), 1000)]).numpy()
    problems = []
    if got.shape != ref.shape:
        problems.append(f"output shape {got.shape}, PyTorch {ref.shape}")
    else:
        err, tol = float(np.abs(got - ref).max()), 1e-4 * (1 + float(np.abs(ref).max()))
        differ = int((got.argmax(1) != ref.argmax(1)).sum())
        acc_c, acc_t = float((got.argmax(1) == y).mean()), float((ref.argmax(1) == y).mean())
        print(f"{len(y)} images: max |C - PyTorch| {err:.2e} (tolerance {tol:.2e}), "
              f"{differ} predictions differ, accuracy C {acc_c:.4f} PyTorch {acc_t:.4f}")
        if err > tol:
            problems.append(f"max error {err:.3e} > {tol:.3e}")
        if differ:
            problems.append(f"{differ} images are classified differently")
        if acc_c < 0.91:
            problems.append(f"accuracy {acc_c:.4f} < 0.91")
    for p in problems:
        print("FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
