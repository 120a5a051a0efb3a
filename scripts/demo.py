#!/usr/bin/python3
"""The main job, end to end: the shipped Fashion-MNIST model through cnnc.

    scripts/demo.py [--cnnc build/cnnc] [--out build/fashion]

1. converts Debian's Fashion-MNIST test set (IDX files) to one .npy holding
   all 10,000 images, with the project's own converter;
2. compiles models/fashion_cnn.lua + models/fashion_cnn.safetensors to C
   and builds the program (`cnnc build`, which prints its compiler command);
3. runs the program over every image, timing it, and prints the accuracy,
   images per second, the median single-image latency and a per-class
   summary;
4. quantizes the model to int8 on the first 1,000 training images (`cnnc
   quantize`), builds the int8 program from the Q file, and prints its
   accuracy, throughput and latency beside FP32's.
Nothing is downloaded. `ninja demo` runs this after building cnnc.
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "fashion"))
import common  # noqa: E402
import int8  # noqa: E402


def run(cmd, **kw):
    print("$ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, **kw)
    if r.returncode != 0:
        sys.exit(f"demo: command failed with exit status {r.returncode}")
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cnnc", default=os.path.join(REPO, "build", "cnnc"))
    ap.add_argument("--out", default=os.path.join(REPO, "build", "fashion"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    images = os.path.join(args.out, "test_images.npy")
    labels = os.path.join(args.out, "test_labels.npy")
    program = os.path.join(args.out, "fashion_cnn")
    outputs = os.path.join(args.out, "test_logits.npy")

    run([sys.executable, os.path.join(HERE, "fashion", "idx2npy.py"),
         "--out-images", images, "--out-labels", labels])
    run([args.cnnc, "build", os.path.join(REPO, "models", "fashion_cnn.lua"),
         "--weights", os.path.join(REPO, "models", "fashion_cnn.safetensors"), "-o", program])

    program8 = int8.build(args.cnnc, args.out, run)

    y = np.load(labels)
    one = os.path.join(args.out, "one_image.npy")
    np.save(one, np.load(images)[:1])
    rows = {}
    for name, prog, out in (("FP32", program, outputs), ("int8", program8, outputs[:-4] + "_int8.npy")):
        t0 = time.perf_counter()
        run([prog, images, out])
        wall = time.perf_counter() - t0
        bench = run([prog, "--bench", "1000", one, os.path.join(args.out, "one_logits.npy")],
                    stdout=subprocess.PIPE, text=True)
        rows[name] = (np.load(out).argmax(axis=1), wall, bench.stdout.strip().replace("median ", ""))

    pred = rows["FP32"][0]
    n = len(y)
    print()
    print(f"fashion_cnn on the Fashion-MNIST test set: {n} images (int8: quantized on "
          f"{int8.CALIBRATION} training images)")
    print(f"{'':<11} {'FP32':>22} {'int8':>22}")
    print(f"{'accuracy':<11} " + " ".join(f"{float((p == y).mean()):>10.4f} ({int((p == y).sum())}/{n})"
                                          for p, _, _ in rows.values()))
    print(f"{'throughput':<11} " + " ".join(f"{n / w:>15,.0f} img/s" for _, w, _ in rows.values()) +
          "  (whole run, batch 1, one thread, reading and writing .npy)")
    print(f"{'latency':<11} " + " ".join(f"{lat:>22}" for _, _, lat in rows.values()) +
          "  (one image, median of 1000 runs)")
    print()
    print("per class, FP32:")
    print(f"{'class':<12} {'images':>6} {'correct':>7} {'recall':>7} {'precision':>9}")
    for c, name in enumerate(common.CLASSES):
        truth, said = y == c, pred == c
        hit = int((truth & said).sum())
        recall = hit / max(1, int(truth.sum()))
        precision = hit / max(1, int(said.sum()))
        print(f"{name:<12} {int(truth.sum()):>6} {hit:>7} {recall:>7.3f} {precision:>9.3f}")


if __name__ == "__main__":
    main()
