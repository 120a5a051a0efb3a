"""Minimal safetensors reader/writer (no dependency on the safetensors package).

Format: 8-byte little-endian u64 header length N, then N bytes of UTF-8 JSON
    {"key": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
     "__metadata__": {"str": "str"}}   (metadata optional)
then the tensor data, offsets relative to the end of the header. Tensors are
stored little-endian, C order, contiguously from offset 0 with no gaps. The
header is padded with spaces to a multiple of 8 bytes.

    write(path, {name: tensor_or_ndarray}, metadata=None)
    read(path) -> {name: numpy.ndarray}          (read_torch -> torch tensors)
"""
import json
import struct

import numpy as np

# safetensors dtype name <-> numpy little-endian dtype
_DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"), "U8": np.dtype("u1"), "BOOL": np.dtype("?"),
}
_NAMES = {v.str.lstrip("<|="): k for k, v in _DTYPES.items()}


class SafetensorsError(ValueError):
    pass


def _to_numpy(t):
    if hasattr(t, "detach"):  # torch.Tensor, without importing torch here
        t = t.detach().cpu().contiguous().numpy()
    arr = np.asarray(t)  # (np.ascontiguousarray would turn a 0-d scalar into shape [1])
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


def _st_dtype(arr, key):
    name = _NAMES.get(arr.dtype.newbyteorder("<").str.lstrip("<|="))
    if name is None:
        raise SafetensorsError(f"{key}: unsupported dtype {arr.dtype}")
    return name


def write(path, tensors, metadata=None):
    """Write a dict {name: torch.Tensor | numpy.ndarray} as safetensors."""
    arrays = {}
    for key, t in tensors.items():
        if not isinstance(key, str) or key == "__metadata__":
            raise SafetensorsError(f"bad tensor name {key!r}")
        arr = _to_numpy(t)
        name = _st_dtype(arr, key)
        arrays[key] = (name, arr.astype(_DTYPES[name], copy=False))
    # Largest element size first, then by name (as the reference writer does),
    # so every tensor starts at an offset aligned to its element size.
    order = sorted(arrays, key=lambda k: (-arrays[k][1].dtype.itemsize, k))
    header, blobs, off = {}, [], 0
    for key in order:
        name, arr = arrays[key]
        data = arr.tobytes(order="C")
        header[key] = {"dtype": name, "shape": list(arr.shape),
                       "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * (-len(hjson) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for data in blobs:
            f.write(data)


def read_header(path):
    """Return (header dict, data start offset, file size)."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise SafetensorsError(f"{path}: file too short for a safetensors header")
        (n,) = struct.unpack("<Q", raw)
        f.seek(0, 2)
        size = f.tell()
        if n > 100_000_000 or 8 + n > size:
            raise SafetensorsError(f"{path}: header length {n} exceeds file size {size}")
        f.seek(8)
        try:
            header = json.loads(f.read(n).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise SafetensorsError(f"{path}: header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: header is not a JSON object")
    return header, 8 + n, size


def read(path):
    """Read a safetensors file into {name: numpy.ndarray} (validated)."""
    header, start, size = read_header(path)
    header.pop("__metadata__", None)
    data_len = size - start
    spans = []
    out = {}
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read()
    for key, info in header.items():
        try:
            dt = _DTYPES[info["dtype"]]
            shape = [int(d) for d in info["shape"]]
            b, e = (int(x) for x in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise SafetensorsError(f"{path}: {key}: bad or unsupported entry {info!r}") from None
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if any(d < 0 for d in shape) or not 0 <= b <= e <= data_len or e - b != count * dt.itemsize:
            raise SafetensorsError(f"{path}: {key}: data_offsets {[b, e]} do not match "
                                   f"dtype {info['dtype']} shape {shape} (data is {data_len} bytes)")
        spans.append((b, e, key))
        out[key] = np.frombuffer(data, dtype=dt, count=count, offset=b).reshape(tuple(shape)).copy()
    spans.sort()
    pos = 0
    for b, e, key in spans:
        if b != pos:
            raise SafetensorsError(f"{path}: {key}: data at {b} but expected {pos} (gap or overlap)")
        pos = e
    if pos != data_len:
        raise SafetensorsError(f"{path}: {data_len - pos} trailing bytes after the last tensor")
    return out


def read_torch(path):
    """Read into {name: torch.Tensor} (imports torch)."""
    import torch
    return {k: torch.from_numpy(v) for k, v in read(path).items()}
