"""mlp.paired_errors: two classifiers on the same points over paired seeds, both noises."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp.experiments import paired_difference
from mlp.paired_errors import compare_errors, wrong


def test_the_difference_is_the_mean_error_difference_over_seeds_and_points() -> None:
    y = np.array([0, 1, 0, 1])
    a = np.array([[1, 1, 0, 1], [1, 0, 0, 1]])  # 1 then 2 wrong
    b = np.array([[0, 1, 0, 1], [0, 1, 0, 1]])  # never wrong
    assert compare_errors(a, b, y).difference == pytest.approx((1 / 4 + 2 / 4) / 2)
    assert compare_errors(b, a, y).difference == pytest.approx(-3 / 8)


def test_the_standard_error_adds_the_seeds_part_and_the_points_part() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    a, b = rng.integers(0, 2, (5, 500)), rng.integers(0, 2, (5, 500))
    change = (a != y).astype(float) - (b != y)
    seeds_part = change.mean(axis=1).var(ddof=1) / 5
    points_part = change.mean(axis=0).var(ddof=1) / 500
    se = compare_errors(a, b, y).standard_error
    assert se == pytest.approx(math.sqrt(seeds_part + points_part))
    assert se > math.sqrt(points_part) and se > math.sqrt(seeds_part)


def test_seeds_that_disagree_widen_the_standard_error_a_single_pair_cannot_see() -> None:
    y = np.zeros(1000, dtype=int)
    b = np.zeros((4, 1000), dtype=int)
    a = b.copy()
    a[0, :200] = 1  # one seed of a is much worse, the others equal b: a noisy seed effect
    one_seed = compare_errors(a[0], b[0], y)
    four = compare_errors(a, b, y)
    assert one_seed.verdict == "worse"  # one seed alone looks decisive
    assert four.verdict == "within noise"  # across seeds it is not


def test_one_seed_gives_the_standard_error_of_the_paired_points() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 2000)
    a, b = rng.integers(0, 3, 2000), rng.integers(0, 3, 2000)
    difference, se = paired_difference(a, b, y)
    comparison = compare_errors(a, b, y)
    assert comparison.difference == pytest.approx(difference)
    assert comparison.standard_error == pytest.approx(se, rel=0.01)


def test_identical_predictions_are_within_noise_with_no_spread() -> None:
    y = np.array([0, 1, 1])
    c = compare_errors(np.array([[0, 1, 0], [1, 1, 1]]), np.array([[0, 1, 0], [1, 1, 1]]), y)
    assert (c.difference, c.standard_error, c.verdict) == (0.0, 0.0, "within noise")


def test_shapes_that_do_not_match_are_refused_with_the_shapes_named() -> None:
    y = np.array([0, 1, 1])
    with pytest.raises(ValueError, match=r"shape \(seeds, 3\) or \(3,\)"):
        wrong(np.zeros((2, 4)), y)
    with pytest.raises(ValueError, match="same seeds"):
        compare_errors(np.zeros((2, 3)), np.zeros((3, 3)), y)
    with pytest.raises(ValueError, match="non-empty 1-d"):
        wrong(np.zeros(0), np.zeros(0))
