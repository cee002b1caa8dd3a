"""The IDX file format of the MNIST family: read and write (optionally gzipped) arrays.

An IDX file is two zero bytes, a data-type code, the number of dimensions, each dimension as a
big-endian uint32, then the values in row-major order (LeCun et al., 1998). A malformed file
raises ``IDXError`` naming the file and the problem.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["IDXError", "read_idx", "write_idx"]


class IDXError(ValueError):
    """A file is not a well-formed IDX file; the message names the file and the problem."""


_IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_IDX_CODES: dict[tuple[str, int], int] = {
    (dtype.kind, dtype.itemsize): code for code, dtype in _IDX_DTYPES.items()
}


def _idx_bytes(path: Path) -> bytes:
    """The IDX bytes of ``path``, decompressed when its name ends in ``.gz``."""
    raw = path.read_bytes()
    if path.suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    except gzip.BadGzipFile as exc:
        raise IDXError(f"{path}: not a valid gzip file ({exc})") from None
    except EOFError:
        raise IDXError(f"{path}: truncated gzip stream (the file ends early)") from None
    except zlib.error as exc:
        raise IDXError(f"{path}: corrupted gzip data ({exc})") from None


def _parse_idx(data: bytes, source: Path | str) -> NDArray:
    """Decode IDX bytes: 2 zero bytes, a dtype code, ndim, ndim big-endian uint32 sizes, body."""
    if len(data) < 4:
        raise IDXError(f"{source}: {len(data)} bytes is too short for an IDX header")
    if data[0] != 0 or data[1] != 0:
        hint = " (it looks gzip-compressed: name it *.gz)" if data[:2] == b"\x1f\x8b" else ""
        raise IDXError(
            f"{source}: bad magic number 0x{data[:4].hex()}: an IDX file starts with two zero "
            f"bytes{hint}"
        )
    code, ndim = data[2], data[3]
    if code not in _IDX_DTYPES:
        raise IDXError(f"{source}: unknown IDX data type code 0x{code:02x}")
    if ndim == 0:
        raise IDXError(f"{source}: the header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXError(
            f"{source}: truncated header: {ndim} dimensions need {header} bytes, "
            f"the file has {len(data)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    body = len(data) - header
    if body != expected:
        problem = "truncated body" if body < expected else "trailing bytes after the body"
        raise IDXError(
            f"{source}: {problem}: dimensions {shape} of {dtype.name} need {expected} bytes, "
            f"the file has {body}"
        )
    array = np.frombuffer(data, dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


def read_idx(path: str | os.PathLike[str]) -> NDArray:
    """Read an IDX file (gzipped when the name ends in ``.gz``) into an array.

    The array has the file's dimensions and dtype (uint8 for the MNIST family), native byte
    order, and is writable. A malformed file raises ``IDXError`` naming the file and the problem.
    """
    path = Path(path)
    return _parse_idx(_idx_bytes(path), path)


def write_idx(path: str | os.PathLike[str], array: ArrayLike) -> Path:
    """Write ``array`` as an IDX file, gzipped when the name ends in ``.gz``; return the path.

    Supported dtypes: uint8, int8, int16, int32, float32, float64; at least one dimension.
    """
    path = Path(path)
    array = np.asarray(array)
    code = _IDX_CODES.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        allowed = ", ".join(dtype.name for dtype in _IDX_DTYPES.values())
        raise TypeError(f"IDX cannot store dtype {array.dtype}; use one of: {allowed}")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX needs 1 to 255 dimensions, got an array of shape {array.shape}")
    if max(array.shape) >= 2**32:
        raise ValueError(f"IDX dimensions must be below 2**32, got shape {array.shape}")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    data = header + np.ascontiguousarray(array, _IDX_DTYPES[code]).tobytes()
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path
