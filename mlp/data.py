"""Datasets for the book: IDX files, Fashion-MNIST and MNIST, two circles, preprocessing.

Image datasets
--------------
``load_fashion_mnist`` and ``load_mnist`` return ``(images, labels)``: images are uint8 of
shape ``(n, 28, 28)`` (or ``(n, 784)`` with ``flatten=True``), labels are int64 of shape
``(n,)`` with values in [0, 10). The training split has n = 60,000, the test split 10,000.

Each of the four files of a dataset is looked for, in this order:

1. the ``data_dir`` argument, else the directory named by the ``MLP_DATA`` environment
   variable; in either, first ``<dir>/<name>/`` (``<name>`` is ``fashion-mnist`` or
   ``mnist``), then ``<dir>/`` itself;
2. the user cache, ``pooch.os_cache("mlp-backprop-book")/<name>/``;
3. the system copy, ``/usr/share/datasets/fashion-mnist/`` (Debian package
   ``dataset-fashion-mnist``; no package ships MNIST);
4. a download with pooch from the official location into the ``data_dir``/``MLP_DATA``
   folder if one is given, else into the user cache.

A file may be gzipped (``train-images-idx3-ubyte.gz``) or not (``train-images-idx3-ubyte``).
Every file is checked against a pinned digest of its *decompressed* IDX content, so a
re-compressed copy (Debian's files are) is accepted and a corrupted one never is. Downloads
are checked by pooch against the pinned SHA-256 of the official ``.gz`` file; pooch writes
to a temporary file and deletes it on a mismatch, so no partial or wrong file is left behind.
A verified file is not hashed again in the same process unless its size or time stamp change.

When a file cannot be found or downloaded, ``DatasetUnavailable`` says how to get it.

Preprocessing
-------------
``train_valid_split`` (seeded), ``scale01``, ``Standardizer`` (statistics from the training
split only), ``onehot`` (re-exported from ``mlp.functions``), and ``prepare``, which chains them
into the arrays the training chapters use.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from mlp.checks import finite_number
from mlp.functions import onehot

__all__ = [
    "CACHE_NAME",
    "DATASETS",
    "DATA_ENV",
    "FASHION_MNIST",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_URL",
    "MNIST",
    "MNIST_CLASSES",
    "MNIST_URL",
    "ROLES",
    "ChecksumError",
    "DatasetSpec",
    "DatasetStatus",
    "DatasetUnavailable",
    "FileStatus",
    "IDXError",
    "IDXFile",
    "Prepared",
    "Standardizer",
    "cache_dir",
    "dataset_status",
    "how_to_get",
    "load_dataset",
    "load_fashion_mnist",
    "load_mnist",
    "locate_dataset",
    "onehot",
    "prepare",
    "read_idx",
    "scale01",
    "train_valid_split",
    "two_circles",
    "write_idx",
]

DATA_ENV = "MLP_DATA"
"""Environment variable naming a folder with the data (see the module docstring)."""

CACHE_NAME = "mlp-backprop-book"
"""Application name given to ``pooch.os_cache``."""

Split = Literal["train", "test"]
ROLES = ("train-images", "train-labels", "test-images", "test-labels")
"""The four files of a dataset release, by role."""


# --- errors ------------------------------------------------------------------------------------


class DatasetUnavailable(RuntimeError):
    """A dataset is neither on disk nor downloadable; the message says how to get it."""


class ChecksumError(ValueError):
    """A data file does not have its pinned checksum (corrupted, truncated or another file)."""


class IDXError(ValueError):
    """A file is not a well-formed IDX file; the message names the file and the problem."""


# --- pinned datasets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IDXFile:
    """One file of a dataset release.

    ``filename`` is the official ``.gz`` name; ``archive_sha256`` the SHA-256 of that official
    ``.gz`` (checked on download); ``content_hash`` is ``"sha256:..."`` or ``"md5:..."`` of the
    decompressed IDX bytes (checked on every local file); ``shape`` the array it holds.
    """

    filename: str
    archive_sha256: str
    content_hash: str
    shape: tuple[int, ...]

    @property
    def stem(self) -> str:
        """The uncompressed file name, e.g. ``train-images-idx3-ubyte``."""
        return self.filename.removesuffix(".gz")


@dataclass(frozen=True)
class DatasetSpec:
    """Where a dataset lives and how to recognise it.

    ``files`` maps each role of ``ROLES`` to its ``IDXFile``; ``system_dir`` is a folder that a
    system package fills (``apt_package``), or None.
    """

    name: str
    title: str
    base_url: str
    files: dict[str, IDXFile]
    classes: tuple[str, ...]
    system_dir: Path | None = None
    apt_package: str | None = None

    def url(self, role: str) -> str:
        """Official download URL of the file playing ``role``."""
        return self.base_url + self.files[role].filename


FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
"""Fashion-MNIST class names; label k is ``FASHION_MNIST_CLASSES[k]``."""

MNIST_CLASSES: tuple[str, ...] = tuple(str(digit) for digit in range(10))
"""MNIST class names: the digits "0" to "9"."""

FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
"""Official Fashion-MNIST location (Zalando Research's bucket, as linked from its README)."""

MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
"""MNIST mirror used by torchvision (the original yann.lecun.com pages no longer serve files)."""

# Provenance of the pinned digests.
# - archive_sha256: SHA-256 of the official .gz files, as published by torchvision, TensorFlow
#   Datasets and many other loaders. The published MD5s of the same archives are, for
#   Fashion-MNIST, 8d4fb7e6c68d591d4c3dfef9ec88bf0d 25c81989df183df01b3e8a0aad5dffbe
#   bef4ecab320f06d8554ea6380940ec79 bb300cfdad3c16e7a12a480ee83cd310 and, for MNIST,
#   f68b3c2dcbeaaa9fbdd348bbdeb94873 d53e105ee54ea40749a09fcbcd1e9432
#   9fb629c4189551a2d022fa330f9573f3 ec29112dd5afa0611ce80d1b7f02629c (train images,
#   train labels, test images, test labels).
# - content_hash for Fashion-MNIST: SHA-256 of the decompressed files, computed from the Debian
#   package dataset-fashion-mnist, whose decompressed files have the MD5s that torchvision
#   publishes for the raw Fashion-MNIST files (f4a8712d7a061bf5bd6d2ca38dc4d50a
#   9018921c3c673c538a1fc5bad174d6f9 8181f5470baa50b63fa0f6fddb340f0a
#   15d484375f8d13e6eb1aabb0c3f46965). Debian re-compressed the .gz files, so their archive
#   digests differ from the official ones while their content is identical.
# - content_hash for MNIST: the widely published MD5s of the decompressed MNIST files.
FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    title="Fashion-MNIST",
    base_url=FASHION_MNIST_URL,
    files={
        "train-images": IDXFile(
            "train-images-idx3-ubyte.gz",
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "sha256:c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            (60_000, 28, 28),
        ),
        "train-labels": IDXFile(
            "train-labels-idx1-ubyte.gz",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "sha256:bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            (60_000,),
        ),
        "test-images": IDXFile(
            "t10k-images-idx3-ubyte.gz",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "sha256:5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            (10_000, 28, 28),
        ),
        "test-labels": IDXFile(
            "t10k-labels-idx1-ubyte.gz",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            "sha256:0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            (10_000,),
        ),
    },
    classes=FASHION_MNIST_CLASSES,
    system_dir=Path("/usr/share/datasets/fashion-mnist"),
    apt_package="dataset-fashion-mnist",
)

MNIST = DatasetSpec(
    name="mnist",
    title="MNIST",
    base_url=MNIST_URL,
    files={
        "train-images": IDXFile(
            "train-images-idx3-ubyte.gz",
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "md5:6bbc9ace898e44ae57da46a324031adb",
            (60_000, 28, 28),
        ),
        "train-labels": IDXFile(
            "train-labels-idx1-ubyte.gz",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "md5:a25bea736e30d166cdddb491f175f624",
            (60_000,),
        ),
        "test-images": IDXFile(
            "t10k-images-idx3-ubyte.gz",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "md5:2646ac647ad5339dbf082846283269ea",
            (10_000, 28, 28),
        ),
        "test-labels": IDXFile(
            "t10k-labels-idx1-ubyte.gz",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            "md5:27ae3e4e09519cfbb04c329615203637",
            (10_000,),
        ),
    },
    classes=MNIST_CLASSES,
)

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (FASHION_MNIST, MNIST)}
"""The image datasets by name; ``load_dataset`` and ``dataset_status`` read this registry."""


def _spec(name: str) -> DatasetSpec:
    """The registered dataset called ``name`` ("fashion-mnist", "Fashion_MNIST", "mnist"...)."""
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string, got {type(name).__name__}")
    key = name.strip().lower().replace("_", "-")
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}")
    return DATASETS[key]


# --- IDX files ---------------------------------------------------------------------------------

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


# --- checksums ---------------------------------------------------------------------------------

_VERIFIED: dict[tuple[str, int, int], str] = {}
"""(path, size, mtime_ns) -> content hash already checked in this process."""


def _stat_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def _digest(data: bytes, algorithm: str) -> str:
    return hashlib.new(algorithm, data).hexdigest()


def _identify(data: bytes) -> str | None:
    """Name the registered dataset file whose content is ``data``, if any."""
    digests: dict[str, str] = {}
    for spec in DATASETS.values():
        for idx_file in spec.files.values():
            algorithm, expected = idx_file.content_hash.split(":")
            if algorithm not in digests:
                digests[algorithm] = _digest(data, algorithm)
            if digests[algorithm] == expected:
                return f"{spec.title} {idx_file.filename}"
    return None


def _verified_bytes(path: Path, spec: DatasetSpec, role: str) -> bytes:
    """The decompressed content of ``path`` after checking it is ``spec``'s ``role`` file."""
    idx_file = spec.files[role]
    key = _stat_key(path)
    data = _idx_bytes(path)
    if _VERIFIED.get(key) == idx_file.content_hash:
        return data
    algorithm, expected = idx_file.content_hash.split(":")
    actual = _digest(data, algorithm)
    if actual != expected:
        other = _identify(data)
        what = f"it is the {other} file" if other else "the file is corrupted or not the release"
        raise ChecksumError(
            f"{path}: wrong checksum for {spec.title} {idx_file.filename}: {algorithm} of the "
            f"decompressed data is {actual}, expected {expected}; {what}. Delete or replace it."
        )
    _VERIFIED[key] = idx_file.content_hash
    return data


# --- finding and downloading -------------------------------------------------------------------


def cache_dir() -> Path:
    """The user cache folder for the datasets, ``pooch.os_cache("mlp-backprop-book")``.

    Computed with platformdirs, exactly as pooch does, so that merely looking for a
    dataset does not import pooch: pooch imports ``tqdm.auto`` at import time, which
    prints a warning in notebooks without ipywidgets. pooch is imported only to download.
    """
    import platformdirs

    return Path(platformdirs.user_cache_dir(CACHE_NAME))


@dataclass(frozen=True)
class _Place:
    """A folder to search, and how to describe it to the user."""

    path: Path
    label: str


def _places(spec: DatasetSpec, data_dir: str | os.PathLike[str] | None) -> list[_Place]:
    """The folders searched for ``spec``'s files, in order (see the module docstring)."""
    places: list[_Place] = []
    if data_dir is not None:
        root, origin = Path(data_dir), "data_dir"
    elif os.environ.get(DATA_ENV):
        root, origin = Path(os.environ[DATA_ENV]), DATA_ENV
    else:
        root = None
    if root is not None:
        places += [_Place(root / spec.name, origin), _Place(root, origin)]
    places.append(_Place(cache_dir() / spec.name, "user cache"))
    if spec.system_dir is not None:
        package = f"Debian package {spec.apt_package}" if spec.apt_package else "system copy"
        places.append(_Place(spec.system_dir, package))
    return places


def _download_dir(spec: DatasetSpec, data_dir: str | os.PathLike[str] | None) -> Path:
    """Where a download goes: the data_dir / MLP_DATA folder if set, else the user cache."""
    if data_dir is not None:
        return Path(data_dir) / spec.name
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]) / spec.name
    return cache_dir() / spec.name


def _find(spec: DatasetSpec, role: str, places: Sequence[_Place]) -> tuple[Path, str] | None:
    """The first existing copy of ``role`` (gzipped or not) and the label of its place."""
    idx_file = spec.files[role]
    for place in places:
        for name in (idx_file.filename, idx_file.stem):
            candidate = place.path / name
            if candidate.is_file():
                return candidate, place.label
    return None


def how_to_get(spec: DatasetSpec) -> str:
    """One paragraph telling the user how to obtain ``spec``'s files."""
    names = ", ".join(f.filename for f in spec.files.values())
    ways = []
    if spec.apt_package:
        ways.append(f"install the Debian package (apt-get install {spec.apt_package})")
    ways.append(
        f"download {names} from {spec.base_url} into a folder DIR/{spec.name}/ and set "
        f"{DATA_ENV}=DIR"
    )
    ways.append(
        f"run `python -m mlp data --download {spec.name}` with network access "
        f"(files go to {_download_dir(spec, None)})"
    )
    no_package = "" if spec.apt_package else " (no Debian package provides it)"
    return f"To get it{no_package}: " + "; or ".join(ways) + "."


def _http_downloader() -> Callable | None:
    """The pooch downloader for the official URLs (None: pooch picks its HTTP downloader)."""
    return None


def _short_reason(exc: BaseException) -> str:
    """A short description of a failed download."""
    text = " ".join(str(exc).split())
    if "resolve" in text.lower():
        return "the host name could not be resolved: no network?"
    if "timed out" in text.lower():
        return "the connection timed out"
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _remove_empty(folders: Sequence[Path]) -> None:
    """Remove the folders (deepest first) that a failed download created, if left empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _fetch(spec: DatasetSpec, role: str, directory: Path) -> Path:
    """Download ``spec``'s ``role`` file into ``directory`` with pooch, checking its SHA-256.

    Raises ``ChecksumError`` on a mismatch (pooch has deleted the temporary file) and
    ``DatasetUnavailable`` when the file cannot be fetched.
    """
    import pooch
    import requests

    idx_file = spec.files[role]
    url = spec.url(role)
    created = [d for d in (directory, *directory.parents) if not d.exists()]
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # pooch announces every download at INFO level on stderr
    try:
        fetched = pooch.retrieve(
            url,
            known_hash=f"sha256:{idx_file.archive_sha256}",
            fname=idx_file.filename,
            path=directory,
            downloader=_http_downloader(),
            progressbar=sys.stderr.isatty(),
        )
    except (requests.RequestException, OSError) as exc:
        _remove_empty(created)
        raise DatasetUnavailable(
            f"{spec.title} is not available: {idx_file.filename} is not on this machine and "
            f"the download from {url} failed ({_short_reason(exc)}). " + how_to_get(spec)
        ) from exc
    except ValueError as exc:
        _remove_empty(created)
        raise ChecksumError(
            f"{spec.title}: the download of {url} does not have the pinned SHA-256 "
            f"{idx_file.archive_sha256}; it was deleted and nothing was saved in {directory}"
        ) from exc
    finally:
        logger.setLevel(level)
    return Path(fetched)


def locate_dataset(
    name: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    roles: Sequence[str] = ROLES,
) -> dict[str, tuple[Path, str]]:
    """Find (or download) the files of dataset ``name``: role -> (path, where it came from).

    Checksums are not checked here; the loaders check every file they read.
    """
    spec = _spec(name)
    places = _places(spec, data_dir)
    found: dict[str, tuple[Path, str]] = {}
    for role in roles:
        hit = _find(spec, role, places)
        if hit is None and download:
            hit = (_fetch(spec, role, _download_dir(spec, data_dir)), "downloaded")
        if hit is None:
            searched = ", ".join(str(place.path) for place in places)
            raise DatasetUnavailable(
                f"{spec.title} is not available: {spec.files[role].filename} was not found in "
                f"{searched} (downloads disabled). " + how_to_get(spec)
            )
        found[role] = hit
    return found


# --- loaders -----------------------------------------------------------------------------------


def _check_split(split: str) -> Split:
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return split  # type: ignore[return-value]


def _load(
    spec: DatasetSpec, split: Split, data_dir: str | os.PathLike[str] | None, download: bool
) -> tuple[NDArray[np.uint8], NDArray[np.int64], dict[str, tuple[Path, str]]]:
    """Images (n, h, w) uint8, labels (n,) int64, and the files they came from."""
    roles = (f"{split}-images", f"{split}-labels")
    files = locate_dataset(spec.name, data_dir=data_dir, download=download, roles=roles)
    arrays = []
    for role in roles:
        path = files[role][0]
        array = _parse_idx(_verified_bytes(path, spec, role), path)
        if array.shape != spec.files[role].shape or array.dtype != np.uint8:
            raise IDXError(
                f"{path}: expected uint8 data of shape {spec.files[role].shape}, "
                f"got {array.dtype} {array.shape}"
            )
        arrays.append(array)
    images, labels = arrays
    if labels.size and labels.max() >= len(spec.classes):
        raise IDXError(f"{files[roles[1]][0]}: labels must lie in [0, {len(spec.classes)})")
    return images, labels.astype(np.int64), files


def load_dataset(
    name: str,
    split: Split = "train",
    *,
    flatten: bool = False,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Load a split of the image dataset ``name`` ("fashion-mnist" or "mnist").

    Returns images, uint8 of shape (n, 28, 28) or (n, 784) if ``flatten``, and labels, int64 of
    shape (n,) in [0, 10); n = 60,000 for "train" and 10,000 for "test". ``download=False``
    only reads local copies. Raises ``DatasetUnavailable`` (with instructions) when the data
    cannot be had and ``ChecksumError`` when a file is not the pinned one.
    """
    images, labels, _ = _load(_spec(name), _check_split(split), data_dir, download)
    if flatten:
        images = images.reshape(len(images), -1)
    return images, labels


def load_fashion_mnist(
    split: Split = "train",
    *,
    flatten: bool = False,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Fashion-MNIST images (n, 28, 28) or (n, 784) uint8 and labels (n,) int64; see load_dataset.

    Label k names the class ``FASHION_MNIST_CLASSES[k]``.
    """
    return load_dataset(
        "fashion-mnist", split, flatten=flatten, data_dir=data_dir, download=download
    )


def load_mnist(
    split: Split = "train",
    *,
    flatten: bool = False,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """MNIST images (n, 28, 28) or (n, 784) uint8 and labels (n,) int64; see load_dataset."""
    return load_dataset("mnist", split, flatten=flatten, data_dir=data_dir, download=download)


# --- status report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileStatus:
    """One file of a dataset: where it was found and whether its checksum holds.

    ``checksum`` is "ok", "mismatch", "unreadable" or "missing"; ``detail`` explains it.
    """

    role: str
    filename: str
    path: Path | None
    place: str | None
    checksum: str
    detail: str = ""


@dataclass(frozen=True)
class DatasetStatus:
    """Where the files of one dataset are and whether they can be used.

    ``searched`` describes the folders looked in, in order; ``how_to`` says how to get the data.
    """

    name: str
    title: str
    files: tuple[FileStatus, ...]
    searched: tuple[str, ...]
    how_to: str

    @property
    def available(self) -> bool:
        """True when all four files were found with their pinned checksums."""
        return all(f.checksum == "ok" for f in self.files)


def _file_status(spec: DatasetSpec, role: str, places: Sequence[_Place]) -> FileStatus:
    idx_file = spec.files[role]
    hit = _find(spec, role, places)
    if hit is None:
        return FileStatus(role, idx_file.filename, None, None, "missing", "not found")
    path, place = hit
    algorithm = idx_file.content_hash.split(":")[0]
    try:
        _verified_bytes(path, spec, role)
    except ChecksumError as exc:
        return FileStatus(role, idx_file.filename, path, place, "mismatch", str(exc))
    except (IDXError, OSError) as exc:
        return FileStatus(role, idx_file.filename, path, place, "unreadable", str(exc))
    return FileStatus(role, idx_file.filename, path, place, "ok", f"{algorithm} of content ok")


def dataset_status(
    names: Sequence[str] | None = None, *, data_dir: str | os.PathLike[str] | None = None
) -> list[DatasetStatus]:
    """Report, for each dataset (all by default), where its files are and their checksums.

    Nothing is downloaded; found files are decompressed and hashed (once per process).
    """
    specs = [_spec(name) for name in names] if names is not None else list(DATASETS.values())
    report = []
    for spec in specs:
        places = _places(spec, data_dir)
        files = tuple(_file_status(spec, role, places) for role in ROLES)
        searched = tuple(f"{place.path} ({place.label})" for place in places)
        if data_dir is None and not os.environ.get(DATA_ENV):
            searched = (f"${DATA_ENV} (not set)", *searched)
        report.append(DatasetStatus(spec.name, spec.title, files, searched, how_to_get(spec)))
    return report


# --- two circles -------------------------------------------------------------------------------


def two_circles(
    n: int, *, noise: float = 0.1, factor: float = 0.5, seed: int | None = None
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Points on two concentric circles: X float64 (n, 2), y int64 (n,).

    Class 0 lies on the outer circle of radius 1, class 1 on the inner circle of radius
    ``factor``; angles are uniform, each point gets isotropic Gaussian noise of standard
    deviation ``noise``. The classes have n // 2 and n - n // 2 points (balanced), in shuffled
    order. The same ``seed`` gives the same points.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    noise = finite_number("noise", noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor (inner/outer radius ratio) must lie in (0, 1), got {factor!r}")
    rng = np.random.default_rng(seed)
    y = np.zeros(n, dtype=np.int64)
    y[n // 2 :] = 1
    y = rng.permutation(y)
    radius = np.where(y == 0, 1.0, factor)
    angle = rng.uniform(0.0, 2.0 * np.pi, size=n)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X += rng.normal(0.0, noise, size=(n, 2))
    return X, y


# --- splits and preprocessing ------------------------------------------------------------------


def train_valid_split(
    X: ArrayLike, y: ArrayLike, n_valid: int = 10_000, seed: int = 0
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Split (X, y) at random into (X_train, y_train, X_valid, y_valid).

    ``X`` has shape (n, ...) and ``y`` (n,); ``n_valid`` examples chosen with ``seed`` go to
    validation, the other n - n_valid to training. Each part keeps the original order.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(
            f"X must have shape (n, ...) and y shape (n,), got {X.shape} and {y.shape}"
        )
    if isinstance(n_valid, bool) or not isinstance(n_valid, int | np.integer):
        raise TypeError(f"n_valid must be an integer, got {n_valid!r}")
    if not 0 < n_valid < len(X):
        raise ValueError(f"n_valid must lie in (0, {len(X)}) for {len(X)} examples, got {n_valid}")
    order = np.random.default_rng(seed).permutation(len(X))
    valid, train = np.sort(order[:n_valid]), np.sort(order[n_valid:])
    return X[train], y[train], X[valid], y[valid]


def _float_dtype(dtype: DTypeLike) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def scale01(images: ArrayLike, dtype: DTypeLike = np.float32) -> NDArray[np.floating]:
    """Map uint8 pixels to [0, 1]: x / 255, as float32 (default) or float64; shape unchanged."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"scale01 expects uint8 pixels, got dtype {images.dtype}")
    dtype = _float_dtype(dtype)
    return images.astype(dtype) / dtype.type(255)


def _column_moments(
    X: NDArray, block: int = 8192
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean and (biased) variance of each column of X (n, d), in float64, by blocks of rows."""
    mean = X.mean(axis=0, dtype=np.float64)
    var = np.zeros_like(mean)
    for start in range(0, len(X), block):
        deviation = X[start : start + block].astype(np.float64) - mean
        var += np.einsum("ij,ij->j", deviation, deviation)
    return mean, var / len(X)


class Standardizer:
    """Standardise features with statistics of the training data only: (x - mean) / std.

    ``mode="global"`` uses one mean and one standard deviation over all pixels of the training
    images, so every pixel keeps its relative brightness; ``mode="pixel"`` uses a mean and a
    standard deviation per feature (column), so each pixel has mean 0 and variance 1 on the
    training set. A feature with standard deviation below ``min_std`` (a border pixel that is
    always 0, say) is only centred: its scale is set to 1 instead of dividing by ~0.

    ``fit(X_train)`` takes X of shape (n, d); statistics are computed in float64.
    ``transform(X)`` returns an array of shape (n, d) and dtype ``dtype``.
    """

    def __init__(
        self,
        mode: Literal["global", "pixel"] = "global",
        *,
        dtype: DTypeLike = np.float32,
        min_std: float = 1e-8,
    ) -> None:
        if mode not in ("global", "pixel"):
            raise ValueError(f"mode must be 'global' or 'pixel', got {mode!r}")
        if not min_std > 0:
            raise ValueError(f"min_std must be positive, got {min_std!r}")
        self.mode = mode
        self.dtype = _float_dtype(dtype)
        self.min_std = float(min_std)
        self.mean_: NDArray[np.float64] | None = None
        self.scale_: NDArray[np.float64] | None = None
        self.n_fit_: int | None = None

    @staticmethod
    def _check(X: ArrayLike) -> NDArray:
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"expected X of shape (n, d), got shape {X.shape}")
        if X.dtype.kind not in "biuf":
            raise TypeError(f"expected real numbers, got dtype {X.dtype}")
        return X

    def fit(self, X_train: ArrayLike) -> Standardizer:
        """Compute mean and scale from the training data X_train (n, d); return self."""
        X = self._check(X_train)
        if len(X) < 1:
            raise ValueError("cannot fit on an empty training set")
        mean, var = _column_moments(X)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(var))):
            raise ValueError("training data contain NaN or infinite values")
        if self.mode == "global":
            # one mean over all n*d values; total variance = mean within + between columns
            overall = mean.mean()
            mean, var = np.array(overall), np.array((var + (mean - overall) ** 2).mean())
        std = np.sqrt(var)
        self.mean_ = mean
        self.scale_ = np.where(std < self.min_std, 1.0, std)
        self.n_fit_ = len(X)
        return self

    def transform(self, X: ArrayLike) -> NDArray[np.floating]:
        """(X - mean) / scale for X (n, d), as an (n, d) array of ``self.dtype``."""
        if self.mean_ is None or self.scale_ is None:
            raise ValueError("Standardizer.transform called before fit")
        X = self._check(X)
        if self.mode == "pixel" and X.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"fitted on {self.mean_.shape[0]} features, got X of shape {X.shape}")
        mean = self.mean_.astype(self.dtype)
        scale = self.scale_.astype(self.dtype)
        return (X.astype(self.dtype, copy=False) - mean) / scale

    def fit_transform(self, X_train: ArrayLike) -> NDArray[np.floating]:
        """fit(X_train) then transform(X_train)."""
        return self.fit(X_train).transform(X_train)


@dataclass(frozen=True)
class Prepared:
    """A dataset ready for training: flattened, scaled (and standardised) float arrays.

    X_* have shape (n_*, 784) and dtype ``X_train.dtype``; y_* are int64 of shape (n_*,).
    ``standardizer`` is fitted on X_train only (None when ``standardize`` is None).
    ``files`` maps each role to the file read; ``source`` says where they came from.
    """

    name: str
    X_train: NDArray[np.floating]
    y_train: NDArray[np.int64]
    X_valid: NDArray[np.floating]
    y_valid: NDArray[np.int64]
    X_test: NDArray[np.floating]
    y_test: NDArray[np.int64]
    classes: tuple[str, ...]
    standardizer: Standardizer | None
    source: str
    files: dict[str, Path] = field(default_factory=dict)
    seed: int = 0

    @property
    def n_features(self) -> int:
        """Input dimension d (784 for the MNIST family)."""
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        """Number of classes m (10)."""
        return len(self.classes)


def prepare(
    name: str,
    *,
    n_valid: int = 10_000,
    seed: int = 0,
    dtype: DTypeLike = np.float32,
    standardize: Literal["global", "pixel"] | None = "global",
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> Prepared:
    """Load ``name``, split off ``n_valid`` validation images with ``seed``, scale and standardise.

    Pixels are scaled to [0, 1] in ``dtype``; with ``standardize`` set, a ``Standardizer`` in
    that mode is fitted on the training part only and applied to train, validation and test.
    With the defaults: 50,000 / 10,000 / 10,000 examples of 784 float32 features.
    """
    spec = _spec(name)
    if standardize not in ("global", "pixel", None):
        raise ValueError(f"standardize must be 'global', 'pixel' or None, got {standardize!r}")
    dtype = _float_dtype(dtype)
    train_images, train_labels, train_files = _load(spec, "train", data_dir, download)
    test_images, y_test, test_files = _load(spec, "test", data_dir, download)
    files = train_files | test_files
    X_train, y_train, X_valid, y_valid = train_valid_split(
        train_images.reshape(len(train_images), -1), train_labels, n_valid=n_valid, seed=seed
    )
    X_train, X_valid = scale01(X_train, dtype), scale01(X_valid, dtype)
    X_test = scale01(test_images.reshape(len(test_images), -1), dtype)
    standardizer = None
    if standardize is not None:
        standardizer = Standardizer(standardize, dtype=dtype).fit(X_train)
        X_train, X_valid, X_test = (standardizer.transform(X) for X in (X_train, X_valid, X_test))
    folders = sorted({f"{path.parent} ({place})" for path, place in files.values()})
    return Prepared(
        name=spec.name,
        X_train=X_train,
        y_train=y_train,
        X_valid=X_valid,
        y_valid=y_valid,
        X_test=X_test,
        y_test=y_test,
        classes=spec.classes,
        standardizer=standardizer,
        source=f"{spec.title} from {', '.join(folders)}, checksums verified",
        files={role: path for role, (path, _) in files.items()},
        seed=seed,
    )
