"""Two classifiers' errors on the same points, over paired seeds: one verdict, both noises.

A chapter that compares two configurations trains each from the same ``S`` seeds (the same
initial weights and order of the examples for both: the runs are *paired*) and evaluates all
of them on the same ``N`` points. The difference of their error rates then has two sources
of noise:

- the **seeds**: another draw of the initial weights and orders gives other networks. The
  difference ``d_s`` of seed ``s`` varies around its mean; its part of the variance of the
  mean difference is ``var(d_s) / S``;
- the **points**: another sample of ``N`` points from the same distribution gives other
  error rates. Averaged over the seeds, point ``j`` adds ``D_j`` (the mean over the seeds of
  "a wrong, b right" minus "b wrong, a right", in {-1, ..., 1}) to the difference; its part
  of the variance is ``var(D_j) / N``. Points both get right or both get wrong add 0
  (McNemar's counts).

``compare_errors`` adds the two parts (each also holds a share of the seed-point interaction,
so the sum errs on the side of a larger standard error) and returns the
``mlp.verdicts.Comparison`` of error(a) - error(b). With one seed it reduces to the points'
part, which is ``mlp.experiments.paired_difference``'s standard error up to the square of the
mean difference.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mlp.verdicts import Comparison, compare

__all__ = ["compare_errors", "wrong"]


def wrong(predicted: ArrayLike, y: ArrayLike) -> NDArray[np.bool_]:
    """Which predictions are wrong: ``predicted`` ``(S, N)`` (or ``(N,)``, one seed) against
    the labels ``y`` ``(N,)``; a boolean ``(S, N)`` array."""
    predicted, labels = np.asarray(predicted), np.asarray(y)
    if predicted.ndim == 1:
        predicted = predicted[None, :]
    if labels.ndim != 1 or len(labels) == 0:
        raise ValueError(f"y must be a non-empty 1-d array of labels, got shape {labels.shape}")
    if predicted.ndim != 2 or predicted.shape[1] != len(labels) or predicted.shape[0] == 0:
        raise ValueError(
            f"predictions must have shape (seeds, {len(labels)}) or ({len(labels)},) to match "
            f"the labels, got {predicted.shape}"
        )
    return predicted != labels


def compare_errors(predicted_a: ArrayLike, predicted_b: ArrayLike, y: ArrayLike) -> Comparison:
    """error(a) - error(b), averaged over paired seeds, with the standard error of the seeds
    and of the points added (see the module docstring).

    ``predicted_a``, ``predicted_b``: class predictions ``(S, N)``, row ``s`` of both from
    seed ``s`` (or ``(N,)`` for one seed); ``y``: the ``N`` labels. A lower error is better.
    """
    wrong_a, wrong_b = wrong(predicted_a, y), wrong(predicted_b, y)
    if wrong_a.shape != wrong_b.shape:
        raise ValueError(
            f"paired runs need the same seeds for a and b, got predictions of shapes "
            f"{wrong_a.shape} and {wrong_b.shape}"
        )
    change = wrong_a.astype(float) - wrong_b.astype(float)  # (S, N), in {-1, 0, 1}
    seeds, points = change.shape
    per_seed, per_point = change.mean(axis=1), change.mean(axis=0)
    variance = per_point.var(ddof=1) / points if points > 1 else 0.0
    if seeds > 1:
        variance += per_seed.var(ddof=1) / seeds
    return compare(float(change.mean()), math.sqrt(variance))
