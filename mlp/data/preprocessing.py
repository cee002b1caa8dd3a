"""Preprocessing: a seeded train/validation split, pixels to [0, 1], standardisation.

``Standardizer`` computes its statistics on the training data only and applies them to every
split, so that nothing of the validation or test sets leaks into the preprocessing.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from mlp import checks

__all__ = ["Standardizer", "scale01", "train_valid_split"]


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
    n_valid = checks.positive_int("n_valid", n_valid)
    if not 0 < n_valid < len(X):
        raise ValueError(f"n_valid must lie in (0, {len(X)}) for {len(X)} examples, got {n_valid}")
    order = np.random.default_rng(seed).permutation(len(X))
    valid, train = np.sort(order[:n_valid]), np.sort(order[n_valid:])
    return X[train], y[train], X[valid], y[valid]


def scale01(images: ArrayLike, dtype: DTypeLike = np.float32) -> NDArray[np.floating]:
    """Map uint8 pixels to [0, 1]: x / 255, as float32 (default) or float64; shape unchanged."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"scale01 expects uint8 pixels, got dtype {images.dtype}")
    dtype = checks.float_dtype(dtype)
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
        self.dtype = checks.float_dtype(dtype)
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
