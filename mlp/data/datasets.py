"""Finding, checking, downloading and loading the image datasets of ``mlp.data.registry``.

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

"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from mlp.data.idx import IDXError, _idx_bytes, _parse_idx
from mlp.data.registry import DATASETS, ROLES, DatasetSpec, dataset_spec

__all__ = [
    "CACHE_NAME",
    "DATA_ENV",
    "ChecksumError",
    "DatasetStatus",
    "DatasetUnavailable",
    "FileStatus",
    "cache_dir",
    "dataset_status",
    "how_to_get",
    "load_dataset",
    "load_fashion_mnist",
    "load_mnist",
    "locate_dataset",
    "read_split",
]

DATA_ENV = "MLP_DATA"
"""Environment variable naming a folder with the data (see the module docstring)."""

CACHE_NAME = "mlp-backprop-book"
"""Application name given to ``pooch.os_cache``."""
Split = Literal["train", "test"]


# --- errors ------------------------------------------------------------------------------------


class DatasetUnavailable(RuntimeError):
    """A dataset is neither on disk nor downloadable; the message says how to get it."""


class ChecksumError(ValueError):
    """A data file does not have its pinned checksum (corrupted, truncated or another file)."""


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
    if path.suffix != ".gz" and data[:2] == b"\x1f\x8b":
        raise IDXError(
            f"{path}: the file is gzip-compressed but its name does not end in .gz: "
            f"rename it to {path.name}.gz (it is not corrupted)"
        )
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


def short_reason(exc: BaseException) -> str:
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
            f"the download from {url} failed ({short_reason(exc)}). " + how_to_get(spec)
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
    spec = dataset_spec(name)
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


def read_split(
    spec: DatasetSpec, split: Split, data_dir: str | os.PathLike[str] | None, download: bool
) -> tuple[NDArray[np.uint8], NDArray[np.int64], dict[str, tuple[Path, str]]]:
    """Images (n, h, w) uint8, labels (n,) int64 of one split of ``spec``, checksums verified,
    and the files they came from (role -> (path, where it was found))."""
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
    images, labels, _ = read_split(dataset_spec(name), _check_split(split), data_dir, download)
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
    specs = [dataset_spec(name) for name in names] if names is not None else list(DATASETS.values())
    report = []
    for spec in specs:
        places = _places(spec, data_dir)
        files = tuple(_file_status(spec, role, places) for role in ROLES)
        searched = tuple(f"{place.path} ({place.label})" for place in places)
        if data_dir is None and not os.environ.get(DATA_ENV):
            searched = (f"${DATA_ENV} (not set)", *searched)
        report.append(DatasetStatus(spec.name, spec.title, files, searched, how_to_get(spec)))
    return report
