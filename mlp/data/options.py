"""The data a command trains on, named by plain options: ``DataOptions`` and its ``load``.

``mlp train`` and ``mlp sweep`` describe their splits by the same few values (dataset, seed of
the split, dtype, validation size, standardisation; for the two circles, the number of points
and the noise) and load them with the same function, so that both see the same examples.
``DataOptions`` is frozen and made of plain values: it is hashable (a per-process cache can be
keyed on it), cheap to send to another process (the arrays are loaded where they are needed)
and written to JSON as ``asdict``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlp import checks
from mlp.data.preprocessing import train_valid_split
from mlp.data.splits import Splits, prepare
from mlp.data.subset import N_VALID as SUBSET_VALID
from mlp.data.subset import SUBSET_NAME
from mlp.data.synthetic import two_circles

__all__ = ["DATASET_CHOICES", "DataOptions", "first_test_examples", "load_splits"]

DATASET_CHOICES = ("circles", "fashion-mnist", "mnist", SUBSET_NAME)
"""Datasets a command can train on: the two circles, a pinned image dataset or the 10,000
MNIST digits of ``mlp.data.subset``."""

STANDARDIZE_CHOICES = ("global", "pixel", "none")


@dataclass(frozen=True)
class DataOptions:
    """Which splits to train on; ``load_splits(options)`` builds them.

    ``seed`` draws the validation split (and, for the circles, the points themselves);
    ``n_valid`` defaults to 10,000 images, or a quarter of ``n_points`` for the circles.
    Images: ``standardize`` (``"global"``, ``"pixel"`` or ``"none"``, fitted on the training
    split), ``data_dir`` (where to look first) and ``download``. Circles: ``n_points``
    training+validation points, as many test points, Gaussian ``noise``. Values are checked
    on construction (``mlp.checks``). ``n_test``: ``None`` keeps the whole test set, ``k``
    its first ``k`` examples, ``0`` none at all, for a search that must not look at it (its
    test metrics are then NaN).
    """

    dataset: str = "fashion-mnist"
    seed: int = 0
    dtype: str = "float32"
    n_valid: int | None = None
    standardize: str = "global"
    data_dir: str | None = None
    download: bool = True
    n_points: int = 1000
    noise: float = 0.1
    n_test: int | None = None

    def __post_init__(self) -> None:
        checks.one_of("dataset", self.dataset, DATASET_CHOICES)
        checks.one_of("standardize", self.standardize, STANDARDIZE_CHOICES)
        checks.nonnegative_int("seed", self.seed)
        object.__setattr__(self, "dtype", checks.float_dtype(self.dtype).name)
        if self.n_valid is not None:
            checks.positive_int("n_valid", self.n_valid)
        if self.n_test is not None:
            checks.nonnegative_int("n_test", self.n_test)
        checks.positive_int("n_points", self.n_points)
        object.__setattr__(self, "noise", checks.finite_number("noise", self.noise))
        if not isinstance(self.download, bool):
            raise TypeError(f"download must be True or False, got {self.download!r}")
        if self.data_dir is not None and not isinstance(self.data_dir, str):
            raise TypeError(f"data_dir must be a str or None, got {self.data_dir!r}")
        if self.dataset == "circles" and self.n_points < 2:
            raise ValueError(
                f"n_points must be at least 2 (training and validation points), got {self.n_points}"
            )
        if self.dataset == "circles" and not 0 < self.valid_size < self.n_points:
            raise ValueError(
                f"n_valid must lie in (0, {self.n_points}) for n_points={self.n_points}, "
                f"got {self.valid_size}"
            )

    @property
    def valid_size(self) -> int:
        """The number of validation examples, ``n_valid`` or its default."""
        if self.n_valid is not None:
            return self.n_valid
        if self.dataset == "circles":
            return max(1, self.n_points // 4)
        return SUBSET_VALID if self.dataset == SUBSET_NAME else 10_000

    def to_dict(self) -> dict[str, Any]:
        """The options as a JSON-ready dict (``DataOptions(**d)`` gives them back)."""
        return dataclasses.asdict(self)


def load_splits(options: DataOptions) -> tuple[Splits, dict[str, Any]]:
    """The splits ``options`` name, and a description of them for a run's ``config.json``.

    Circles: ``n_points`` points for training and validation (``n_valid`` of them, drawn with
    ``seed``) and ``n_points`` more for the test, 2 features, 2 classes. Images: ``prepare``
    (784 features, 10 classes; 50,000 / 10,000 / 10,000 examples by default). With ``n_test``
    set, only the first ``n_test`` test examples are kept (none for 0).
    """
    if not isinstance(options, DataOptions):
        raise TypeError(f"options must be a DataOptions, got {type(options).__name__}")
    dtype = np.dtype(options.dtype)
    if options.dataset == "circles":
        n, n_test = options.n_points, options.n_points
        X, y = two_circles(n + n_test, noise=options.noise, seed=options.seed)
        X = X.astype(dtype)
        X_train, y_train, X_valid, y_valid = train_valid_split(
            X[:n], y[:n], n_valid=options.valid_size, seed=options.seed
        )
        splits = Splits(
            X_train,
            y_train,
            X_valid,
            y_valid,
            X[n:],
            y[n:],
            name="circles",
            classes=("outer", "inner"),
            source="mlp.data.two_circles",
            seed=options.seed,
        )
        description = {
            "name": "circles",
            "noise": options.noise,
            "n_points": n,
            "n_test": n_test,
            "source": splits.source,
        }
        return _keep_test(splits, description, options.n_test)
    splits = prepare(
        options.dataset,
        n_valid=options.valid_size,
        seed=options.seed,
        dtype=dtype,
        standardize=None if options.standardize == "none" else options.standardize,  # type: ignore[arg-type]
        data_dir=options.data_dir,
        download=options.download,
    )
    description = {
        "name": splits.name,
        "standardize": options.standardize,
        "source": splits.source,
        "files": {role: str(path) for role, path in splits.files.items()},
    }
    return _keep_test(splits, description, options.n_test)


def _keep_test(
    splits: Splits, description: dict[str, Any], n_test: int | None
) -> tuple[Splits, dict[str, Any]]:
    if n_test is None:
        return splits, description
    return first_test_examples(splits, n_test), {**description, "n_test": n_test}


def first_test_examples(splits: Splits, n_test: int | None) -> Splits:
    """``splits`` with only the first ``n_test`` test examples (none for 0, all for None)."""
    if n_test is None:
        return splits
    n_test = checks.nonnegative_int("n_test", n_test)
    available = len(splits.y_test) if splits.has("test") else 0
    if n_test > available:
        raise ValueError(f"n_test must be at most {available} (the test set's size), got {n_test}")
    if n_test == 0:
        return dataclasses.replace(splits, X_test=None, y_test=None)
    return dataclasses.replace(splits, X_test=splits.X_test[:n_test], y_test=splits.y_test[:n_test])
