#!/usr/bin/python3
"""Train the Fashion-MNIST CNN of models/fashion_cnn.lua and save its weights.

    train.py [--epochs N] [--seed S] [--threads T] [--flip] [--out models/fashion_cnn.safetensors]

Trains on the 60k training images of Debian's dataset-fashion-mnist with
Adam + a one-cycle learning-rate schedule (optionally random horizontal
flips), evaluates
on the 10k test images, writes the state_dict as safetensors (with
scripts/safetensors_io.py, no safetensors package needed) and a note with
the test accuracy next to it (models/fashion_cnn.txt). Fixed seeds: reruns
with the same --seed and --threads give the same weights.
"""
import argparse
import datetime
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import common
import idx2npy
import safetensors_io


def evaluate(net, x, y, batch=1000):
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            correct += (net(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / x.shape[0]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--flip", action="store_true", help="augment with random horizontal flips")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(common.REPO, "models", "fashion_cnn.safetensors"))
    ap.add_argument("--note", default=None, help="accuracy note (default: OUT with .txt)")
    a = ap.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.use_deterministic_algorithms(True)

    try:
        xtr, ytr = idx2npy.load_split("train")
        xte, yte = idx2npy.load_split("t10k")
    except (idx2npy.IdxError, FileNotFoundError) as e:
        print(f"train: error: {e}", file=sys.stderr)
        return 1
    xtr, ytr = torch.from_numpy(common.normalize(xtr)), torch.from_numpy(ytr)
    xte, yte = torch.from_numpy(common.normalize(xte)), torch.from_numpy(yte)

    net = common.make_net()
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    steps = a.epochs * ((xtr.shape[0] + a.batch - 1) // a.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=steps)
    gen = torch.Generator().manual_seed(a.seed)

    t0 = time.time()
    for epoch in range(a.epochs):
        net.train()
        perm = torch.randperm(xtr.shape[0], generator=gen)
        total, seen = 0.0, 0
        for i in range(0, xtr.shape[0], a.batch):
            idx = perm[i:i + a.batch]
            xb, yb = xtr[idx], ytr[idx]
            if a.flip:
                flip = torch.rand(xb.shape[0], generator=gen) < 0.5
                xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            loss = F.cross_entropy(net(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * xb.shape[0]
            seen += xb.shape[0]
        acc = evaluate(net, xte, yte)
        print(f"epoch {epoch + 1}/{a.epochs}: loss {total / seen:.4f}  test acc {acc * 100:.2f}%  "
              f"({time.time() - t0:.0f} s)", flush=True)
    train_s = time.time() - t0

    acc = evaluate(net, xte, yte)
    sd = net.state_dict()
    safetensors_io.write(a.out, sd, metadata={"format": "pt", "seed": a.seed,
                                              "test_accuracy": f"{acc:.4f}"})
    # Round-trip check: the file reloads into an identical model.
    back = safetensors_io.read_torch(a.out)
    bad = [k for k in sd if k not in back or back[k].dtype != sd[k].dtype
           or back[k].shape != sd[k].shape or not torch.equal(back[k], sd[k])]
    if bad or back.keys() != sd.keys():
        print(f"train: error: {a.out} does not read back as written: {bad}", file=sys.stderr)
        return 3
    nparams = sum(p.numel() for p in net.parameters())
    note = a.note or os.path.splitext(a.out)[0] + ".txt"
    with open(note, "w") as f:
        f.write(f"""\
{os.path.basename(a.out)}: Fashion-MNIST classifier for models/fashion_cnn.lua

architecture: conv1 (1->16 3x3 pad 1, no bias) + bn1 + relu + max_pool 2,
              conv2 (16->32 3x3 pad 1, no bias) + bn2 + relu + max_pool 2,
              flatten, fc1 (1568->64) + relu, dropout 0.3, fc2 (64->10)
parameters:   {nparams} trainable (+ batch-norm running statistics)
input:        [N, 1, 28, 28], x = (pixel/255 - {common.MEAN}) / {common.STD}
training:     scripts/fashion/train.py --epochs {a.epochs} --seed {a.seed} --threads {a.threads}
              Adam, one-cycle lr max {a.lr}, batch {a.batch}, {'random horizontal flips' if a.flip else 'no augmentation'},
              60000 training images; torch {torch.__version__}, {train_s:.0f} s on {a.threads} CPU threads
test accuracy: {acc * 100:.2f}% ({round(acc * xte.shape[0])}/{xte.shape[0]}, t10k set)
date:         {datetime.date.today().isoformat()}
""")
    print(f"test accuracy {acc * 100:.2f}%  seed {a.seed}  training {train_s:.0f} s")
    print(f"wrote {a.out} ({os.path.getsize(a.out)} bytes) and {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
