#!/usr/bin/python3
"""Convert Fashion-MNIST IDX files to .npy for cnnc-generated programs.

    idx2npy.py [--images FILE] [--labels FILE] [--out-images X.npy] [--out-labels Y.npy] [--limit N]

Defaults: the test set (t10k-*) of Debian's dataset-fashion-mnist
(/usr/share/datasets/fashion-mnist, override with $FASHION_MNIST_DIR),
written to generated/fashion_test_images.npy and generated/fashion_test_labels.npy.

Images become one float32 array [N, 1, 28, 28], normalized exactly as
train.py normalizes (common.MEAN / common.STD). Labels become int64 [N]
(.npy), or one label per line if the output name ends in .txt.

IDX format: bytes 0-1 zero, byte 2 dtype code, byte 3 number of dims, then
each dim as a big-endian uint32, then the data, big-endian, C order.
Files may be gzipped (detected by content, not by name).
"""
import argparse
import gzip
import os
import struct
import sys

import numpy as np

import common

IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class IdxError(Exception):
    pass


def read_idx(path):
    """Parse an IDX file (optionally gzipped) into a numpy array."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise IdxError(f"{path}: cannot read: {e.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            raise IdxError(f"{path}: corrupt gzip data: {e}") from None
    if len(raw) < 4:
        raise IdxError(f"{path}: {len(raw)} bytes, too short for an IDX header (4 bytes)")
    zero, code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or code not in IDX_DTYPES:
        raise IdxError(f"{path}: bad IDX magic {raw[:4].hex()}, expected 0000 + a dtype code "
                       f"({', '.join(hex(c) for c in IDX_DTYPES)}) + number of dims")
    if ndim == 0:
        raise IdxError(f"{path}: IDX file declares 0 dimensions")
    hdr = 4 + 4 * ndim
    if len(raw) < hdr:
        raise IdxError(f"{path}: truncated header: {ndim} dims need {hdr} bytes, file has {len(raw)}")
    dims = struct.unpack(">%dI" % ndim, raw[4:hdr])
    dt = np.dtype(IDX_DTYPES[code])
    count = 1
    for d in dims:
        count *= d
    want = hdr + count * dt.itemsize
    if len(raw) != want:
        raise IdxError(f"{path}: dims {list(dims)} of {dt.name} need {want} bytes, file has {len(raw)}")
    return np.frombuffer(raw, dtype=dt, offset=hdr, count=count).reshape(dims).astype(dt.newbyteorder("="))


def load_images(path):
    x = read_idx(path)
    if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype != np.uint8:
        raise IdxError(f"{path}: expected uint8 images N x 28 x 28, found {x.dtype} {list(x.shape)}")
    return x


def load_labels(path, n=None):
    y = read_idx(path)
    if y.ndim != 1 or y.dtype != np.uint8:
        raise IdxError(f"{path}: expected uint8 labels [N], found {y.dtype} {list(y.shape)}")
    if y.size and y.max() >= len(common.CLASSES):
        raise IdxError(f"{path}: label {int(y.max())} out of range 0..{len(common.CLASSES) - 1}")
    if n is not None and y.shape[0] != n:
        raise IdxError(f"{path}: {y.shape[0]} labels but {n} images")
    return y.astype(np.int64)


def load_split(split):
    """('train'|'t10k') -> (uint8 images [N,28,28], int64 labels [N])."""
    x = load_images(common.find_data(f"{split}-images-idx3-ubyte"))
    y = load_labels(common.find_data(f"{split}-labels-idx1-ubyte"), x.shape[0])
    return x, y


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", help="IDX images file (default: Debian's t10k-images-idx3-ubyte.gz)")
    ap.add_argument("--labels", help="IDX labels file (default: Debian's t10k-labels-idx1-ubyte.gz)")
    ap.add_argument("--out-images", default=os.path.join(common.REPO, "generated", "fashion_test_images.npy"))
    ap.add_argument("--out-labels", default=os.path.join(common.REPO, "generated", "fashion_test_labels.npy"),
                    help=".npy (int64) or .txt (one label per line)")
    ap.add_argument("--limit", type=int, help="keep only the first N samples")
    a = ap.parse_args(argv)
    try:
        images = a.images or common.find_data("t10k-images-idx3-ubyte")
        labels = a.labels or common.find_data("t10k-labels-idx1-ubyte")
        x = load_images(images)
        y = load_labels(labels, x.shape[0])
    except (IdxError, FileNotFoundError) as e:
        print(f"idx2npy: error: {e}", file=sys.stderr)
        return 1
    if a.limit is not None:
        if a.limit <= 0:
            print("idx2npy: error: --limit must be positive", file=sys.stderr)
            return 2
        x, y = x[:a.limit], y[:a.limit]
    xn = common.normalize(x)
    try:
        for p in (a.out_images, a.out_labels):
            if os.path.dirname(p):
                os.makedirs(os.path.dirname(p), exist_ok=True)
        np.save(a.out_images, xn)
        if a.out_labels.endswith(".txt"):
            np.savetxt(a.out_labels, y, fmt="%d")
        else:
            np.save(a.out_labels, y)
    except OSError as e:
        print(f"idx2npy: error: cannot write output: {e}", file=sys.stderr)
        return 1
    print(f"{a.out_images}: float32 {list(xn.shape)}; {a.out_labels}: {y.shape[0]} labels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
