"""Synthetic data: the two concentric circles of the practical part, and small balanced batches."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from mlp import checks

__all__ = ["balanced_examples", "two_circles"]


def two_circles(
    n: int, *, noise: float = 0.1, factor: float = 0.5, seed: int | None = None
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Points on two concentric circles: X float64 (n, 2), y int64 (n,).

    Class 0 lies on the outer circle of radius 1, class 1 on the inner circle of radius
    ``factor``; angles are uniform, each point gets isotropic Gaussian noise of standard
    deviation ``noise``. The classes have n // 2 and n - n // 2 points (balanced), in shuffled
    order. The same ``seed`` gives the same points.
    """
    if checks.positive_int("n", n) < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    noise = checks.finite_number("noise", noise)
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


def balanced_examples(n: int, seed: int = 0) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """``n`` two-circles examples ``(n, 2)`` with labels alternating 0, 1, 0, ... (both classes).

    The small batches of the gradient checks (C1, C2, C5 and ``mlp gradcheck``).
    """
    n = checks.positive_int("n", n)
    X, y = two_circles(max(4 * n, 8), seed=seed)
    by_class = [np.flatnonzero(y == label) for label in (0, 1)]
    order = np.array([by_class[i % 2][i // 2] for i in range(n)])
    return X[order], y[order]
