"""Two protocols run with the same seeds and scored on the same examples: a crossed design.

A chapter that compares two ways of training (an ablation) runs each of them with seeds
s_1 ... s_R and scores every run on the same n held-out examples. Its measurement is then a
table per protocol, ``scores[r, i]`` ``(R, n)``: whether run r got example i right (1 or 0),
or any per-example score. The difference of two protocols, D[r, i] = a[r, i] - b[r, i], has
two sources of noise: the seeds (another initial draw, another order of the examples) and
the examples (another sample of images from the same distribution). Its mean over runs and
examples has the standard error

    SE^2 = var_r(mean_i D[r, i]) / R + var_i(mean_r D[r, i]) / n,

the spread of the per-run differences over the runs plus the spread of the per-example
differences over the examples (sample variances). For D = seed effect + example effect +
interaction, the first term counts the seed effect and the second the example effect, each
with a share of the interaction, so the sum slightly over-counts (by var(interaction) / (R n)):
it errs on the side of "within noise". ``compare_crossed`` gives the verdict of
``mlp.verdicts`` (two standard errors) on it. Pairing runs by seed removes the noise that two
protocols share (the same order of the examples, initial weights drawn from the same
numbers); scoring on the same examples removes the luck of the sample of examples that both
protocols see, and the second term puts back what remains of it.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from mlp.verdicts import Comparison, compare

__all__ = ["compare_crossed", "crossed_standard_error"]


def _table(name: str, values: ArrayLike) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 2 or array.shape[0] < 2 or array.shape[1] < 2:
        raise ValueError(
            f"{name} must be a (runs, examples) table with at least 2 runs and 2 examples, "
            f"got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite values")
    return array


def crossed_standard_error(differences: ArrayLike) -> float:
    """The standard error of the mean of ``differences`` ``(R, n)`` (runs by examples):
    sqrt(var_r(row means) / R + var_i(column means) / n)."""
    d = _table("differences", differences)
    runs, examples = d.shape
    return math.sqrt(d.mean(axis=1).var(ddof=1) / runs + d.mean(axis=0).var(ddof=1) / examples)


def compare_crossed(a: ArrayLike, b: ArrayLike, *, lower_is_better: bool = False) -> Comparison:
    """Protocol ``a`` against ``b``: ``a`` and ``b`` ``(R, n)`` hold the score of run r (seed
    s_r, the same seed in both) on example i (the same examples in both). The comparison is
    mean(a) - mean(b) with ``crossed_standard_error``. By default a higher score is better
    (an accuracy: 1 for a right answer, 0 for a wrong one)."""
    a, b = _table("a", a), _table("b", b)
    if a.shape != b.shape:
        raise ValueError(
            f"a and b must be scored by as many runs on the same examples, got shapes "
            f"{a.shape} and {b.shape}"
        )
    d = a - b
    return compare(d.mean(), crossed_standard_error(d), lower_is_better=lower_is_better)
