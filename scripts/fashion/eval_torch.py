#!/usr/bin/python3
"""Evaluate models/fashion_cnn.safetensors in PyTorch on the .npy test set.

    eval_torch.py [--weights W.safetensors] [--images X.npy] [--labels Y.npy]
                  [--predictions P.txt|P.npy] [--logits L.npy] [--limit N]

Defaults: models/fashion_cnn.safetensors and the files idx2npy.py writes by
default (generated/fashion_test_images.npy, generated/fashion_test_labels.npy).
Loads the weights with scripts/safetensors_io.py into the module of
common.py (strictly: every key, every shape), prints the accuracy, and can
write the predicted classes (argmax, one per line for .txt, int64 for .npy)
and the logits, for comparison with a cnnc-generated program's output.
"""
import argparse
import os
import sys

import numpy as np
import torch

import common
import safetensors_io


def load_net(path):
    sd = safetensors_io.read_torch(path)
    net = common.make_net()
    want = net.state_dict()
    missing = sorted(set(want) - set(sd))
    extra = sorted(set(sd) - set(want))
    if missing or extra:
        raise ValueError(f"{path}: missing tensors {missing}, unexpected tensors {extra}")
    for k, v in want.items():
        if tuple(sd[k].shape) != tuple(v.shape):
            raise ValueError(f"{path}: {k}: shape {list(sd[k].shape)}, expected {list(v.shape)}")
    net.load_state_dict(sd, strict=True)
    return net.eval()


def load_labels(path):
    if path.endswith(".txt"):
        return np.loadtxt(path, dtype=np.int64, ndmin=1)
    return np.load(path).astype(np.int64)


def main(argv=None):
    gen = os.path.join(common.REPO, "generated")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", default=os.path.join(common.REPO, "models", "fashion_cnn.safetensors"))
    ap.add_argument("--images", default=os.path.join(gen, "fashion_test_images.npy"))
    ap.add_argument("--labels", default=os.path.join(gen, "fashion_test_labels.npy"),
                    help=".npy or .txt; 'none' to skip the accuracy")
    ap.add_argument("--predictions", help="write argmax classes here (.txt: one per line; .npy: int64)")
    ap.add_argument("--logits", help="write the float32 logits [N, 10] here (.npy)")
    ap.add_argument("--limit", type=int, help="evaluate only the first N samples")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)

    try:
        net = load_net(a.weights)
        x = np.load(a.images)
        if x.dtype != np.float32 or x.ndim != 4 or x.shape[1:] != (1, 28, 28):
            raise ValueError(f"{a.images}: expected float32 [N, 1, 28, 28], found {x.dtype} {list(x.shape)}")
        y = None if a.labels == "none" else load_labels(a.labels)
        if a.limit:
            x = x[:a.limit]
            y = None if y is None else y[:a.limit]
        if y is not None and y.shape != (x.shape[0],):
            raise ValueError(f"{a.labels}: {y.shape[0]} labels for {x.shape[0]} images")
    except (OSError, ValueError) as e:
        print(f"eval_torch: error: {e}", file=sys.stderr)
        return 1

    with torch.no_grad():
        logits = torch.cat([net(torch.from_numpy(x[i:i + 1000])) for i in range(0, x.shape[0], 1000)])
    pred = logits.argmax(1).numpy().astype(np.int64)
    if y is not None:
        correct = int((pred == y).sum())
        print(f"accuracy {100.0 * correct / len(y):.2f}% ({correct}/{len(y)})")
    if a.predictions:
        if a.predictions.endswith(".npy"):
            np.save(a.predictions, pred)
        else:
            np.savetxt(a.predictions, pred, fmt="%d")
        print(f"wrote {len(pred)} predictions to {a.predictions}")
    if a.logits:
        np.save(a.logits, logits.numpy().astype(np.float32))
        print(f"wrote logits {list(logits.shape)} to {a.logits}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
