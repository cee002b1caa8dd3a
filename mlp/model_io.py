"""Save a trained network to a ``.npz`` file and load it back, checking what the file holds.

The file holds exactly five arrays: ``W1`` ``(d_h, d)``, ``b1`` ``(d_h,)``, ``W2`` ``(m, d_h)``,
``b2`` ``(m,)``, all of one dtype (float32 or float64), and ``meta``, a string holding JSON:
the format version, the network class, the four elastic-net strengths, the package version and
the caller's metadata. Nothing is pickled: loading runs no code from the file.

``load_model`` rebuilds the network and refuses, with a ``ValueError`` naming the file and the
problem, a file that is not such an archive, lacks an array or holds an unexpected one, has
inconsistent shapes, mixed or non-float dtypes, NaN or inf, or shapes other than those the
caller expects.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from mlp import __version__
from mlp.files import atomic_write
from mlp.network import MLP, LoopMLP

__all__ = ["FORMAT_VERSION", "load_model", "save_model"]

FORMAT_VERSION = 1
PARAM_NAMES = ("W1", "b1", "W2", "b2")
_CLASSES: dict[str, type[MLP]] = {"MLP": MLP, "LoopMLP": LoopMLP}


def save_model(
    path: str | os.PathLike[str], net: MLP, *, metadata: dict[str, Any] | None = None
) -> Path:
    """Write ``net``'s parameters and settings to ``path`` (``.npz`` is appended if missing).

    ``metadata`` must be JSON-serialisable (numpy scalars are stored as numbers); it is
    returned by ``load_model(..., with_metadata=True)``. The file is written to a temporary
    name and renamed (``mlp.files.atomic_write``), so a failed or interrupted save never
    leaves a partial file. Returns the path written.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"save_model expects an MLP or LoopMLP, got {type(net).__name__}")
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    meta = {
        "format_version": FORMAT_VERSION,
        "class": type(net).__name__,
        "lambdas": dict(zip(("l11", "l12", "l21", "l22"), net.lambdas, strict=True)),
        "mlp_version": __version__,
        "metadata": metadata or {},
    }
    try:
        meta_text = json.dumps(meta, default=_numpy_scalar)
    except TypeError as exc:
        raise TypeError(f"metadata must be JSON-serialisable: {exc}") from None
    params = net.params()
    _check_arrays(path, {**params, "meta": np.array(meta_text)})  # never write what load refuses
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(meta_text), **params)
    return atomic_write(path, buffer.getvalue(), mode=0o666 & ~_umask())


def _numpy_scalar(value: Any) -> Any:
    """numpy scalars (a strength given as ``np.float32(0.1)``, an ``np.int64`` epoch) as
    Python numbers; anything else stays refused."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _read_arrays(path: Path) -> dict[str, NDArray]:
    if not path.is_file():
        raise ValueError(f"{path}: no such model file")
    with path.open("rb") as stream:
        if stream.read(4) != b"PK\x03\x04":
            raise ValueError(f"{path}: not a readable .npz archive (not a zip file)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ValueError(f"{path}: not a readable .npz archive ({exc})") from None
    except ValueError as exc:  # e.g. an object array, which needs pickle
        raise ValueError(f"{path}: {exc}") from None


def _check_arrays(path: Path, arrays: dict[str, NDArray]) -> np.dtype:
    """Check names, ranks, consistent shapes, one float dtype, finite values; return the dtype."""
    expected = {*PARAM_NAMES, "meta"}
    missing, unexpected = expected - arrays.keys(), arrays.keys() - expected
    if missing or unexpected:
        problems = []
        if missing:
            problems.append(f"missing {', '.join(sorted(missing))}")
        if unexpected:
            problems.append(f"unexpected {', '.join(sorted(unexpected))}")
        raise ValueError(f"{path}: expected arrays W1, b1, W2, b2, meta; {'; '.join(problems)}")
    for name, ndim in zip(PARAM_NAMES, (2, 1, 2, 1), strict=True):
        if arrays[name].ndim != ndim:
            raise ValueError(f"{path}: {name} must be {ndim}-D, got shape {arrays[name].shape}")
    (d_h, d), (m, d_h2) = arrays["W1"].shape, arrays["W2"].shape
    shapes = {"W1": (d_h, d), "b1": (d_h,), "W2": (m, d_h), "b2": (m,)}
    if (
        d_h2 != d_h
        or arrays["b1"].shape != (d_h,)
        or arrays["b2"].shape != (m,)
        or 0 in (d, d_h, m)
    ):
        got = ", ".join(f"{name} {arrays[name].shape}" for name in PARAM_NAMES)
        raise ValueError(
            f"{path}: inconsistent shapes {got}; expected {shapes} with d, d_h, m >= 1"
        )
    dtypes = {arrays[name].dtype for name in PARAM_NAMES}
    if len(dtypes) != 1 or next(iter(dtypes)) not in (np.float32, np.float64):
        got = ", ".join(f"{name} {arrays[name].dtype}" for name in PARAM_NAMES)
        raise ValueError(f"{path}: parameters must all be float32 or all float64, got {got}")
    for name in PARAM_NAMES:
        if not np.isfinite(arrays[name]).all():
            raise ValueError(f"{path}: {name} contains NaN or inf")
    return next(iter(dtypes))


def _read_meta(path: Path, meta: NDArray) -> dict[str, Any]:
    if meta.shape != () or meta.dtype.kind != "U":
        raise ValueError(f"{path}: meta must be a JSON string")
    try:
        info = json.loads(str(meta))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: meta is not valid JSON ({exc})") from None
    if not isinstance(info, dict) or info.get("format_version") != FORMAT_VERSION:
        version = info.get("format_version") if isinstance(info, dict) else None
        raise ValueError(f"{path}: unknown model format {version!r}, expected {FORMAT_VERSION}")
    if info.get("class") not in _CLASSES:
        raise ValueError(f"{path}: unknown network class {info.get('class')!r}")
    lambdas = info.get("lambdas")
    if not isinstance(lambdas, dict) or set(lambdas) != {"l11", "l12", "l21", "l22"}:
        raise ValueError(f"{path}: meta must give the four strengths l11, l12, l21, l22")
    return info


def load_model(
    path: str | os.PathLike[str],
    *,
    d: int | None = None,
    m: int | None = None,
    dtype: DTypeLike | None = None,
    with_metadata: bool = False,
) -> MLP | tuple[MLP, dict[str, Any]]:
    """Rebuild the network saved by ``save_model`` in ``path``.

    ``d``, ``m`` and ``dtype``, when given, are the input width, number of classes and dtype
    the caller needs; a file that differs raises ``ValueError``. Returns the network (an
    ``MLP`` or ``LoopMLP``, as saved), or ``(network, metadata)`` with ``with_metadata``.
    """
    path = Path(path)
    arrays = _read_arrays(path)
    file_dtype = _check_arrays(path, arrays)
    info = _read_meta(path, arrays["meta"])
    d_h, file_d = arrays["W1"].shape
    file_m = arrays["W2"].shape[0]
    if d is not None and file_d != d:
        raise ValueError(f"{path}: the model takes d={file_d} inputs, expected d={d}")
    if m is not None and file_m != m:
        raise ValueError(f"{path}: the model has m={file_m} classes, expected m={m}")
    if dtype is not None and np.dtype(dtype) != file_dtype:
        raise ValueError(f"{path}: the model is {file_dtype}, expected {np.dtype(dtype)}")
    try:
        net = _CLASSES[info["class"]](file_d, d_h, file_m, **info["lambdas"], dtype=file_dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    for name in PARAM_NAMES:
        setattr(net, name, np.array(arrays[name]))
    return (net, info["metadata"]) if with_metadata else net
