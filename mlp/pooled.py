"""The run-to-run spread of an experiment, pooled over several groups of runs.

Runs that differ only by their seed spread around their mean; a group of two or four runs
estimates that spread poorly on its own. When several configurations are each trained from a
few seeds and their spreads can be taken as equal, the pooled standard deviation

    sigma^2 = sum_g (n_g - 1) s_g^2 / sum_g (n_g - 1)

(s_g the sample standard deviation of group g, n_g its runs) uses every group's degrees of
freedom at once. It is the ``sigma`` that ``mlp.verdicts.compare_pooled`` takes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["PooledSpread", "pooled_std"]


@dataclass(frozen=True)
class PooledSpread:
    """``sigma``, the pooled standard deviation of one run, from ``groups`` groups of
    ``runs`` runs in all, with ``dof`` = runs - groups degrees of freedom."""

    sigma: float
    dof: int
    groups: int
    runs: int


def pooled_std(groups: Iterable[ArrayLike]) -> PooledSpread:
    """The pooled standard deviation of ``groups``, each a 1-d sequence of one
    configuration's runs (a group of one run adds no degree of freedom).

    Raises ``ValueError`` for an empty or non-finite group, or when no group has two runs.
    """
    sizes, squares = [], 0.0
    for i, values in enumerate(groups):
        array = np.asarray(values, dtype=float)
        if array.ndim != 1 or len(array) == 0:
            raise ValueError(f"group {i} must be a non-empty 1-d sequence, got {values!r}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"group {i} must hold finite values, got {values!r}")
        sizes.append(len(array))
        squares += float(np.sum((array - array.mean()) ** 2))
    dof = sum(sizes) - len(sizes)
    if dof < 1:
        raise ValueError(
            f"pooling needs a group of at least 2 runs, got group sizes {sizes or 'none'}"
        )
    return PooledSpread(math.sqrt(squares / dof), dof, len(sizes), sum(sizes))
