"""Comparisons of two protocols run with the same seeds on the same examples
(``mlp.crossed``): the standard error counts both the seeds and the examples, and the verdict
is the one rule of ``mlp.verdicts``."""

from __future__ import annotations

import numpy as np
import pytest

from mlp.crossed import compare_crossed, crossed_standard_error


def simulated_difference(
    rng: np.random.Generator, runs: int, examples: int, seed_sd: float, example_sd: float
) -> np.ndarray:
    """D[r, i] = seed effect + example effect + interaction, true mean 0."""
    return (
        rng.normal(0, seed_sd, size=(runs, 1))
        + rng.normal(0, example_sd, size=(1, examples))
        + rng.normal(0, 0.5, size=(runs, examples))
    )


@pytest.mark.parametrize(("seed_sd", "example_sd"), [(1.0, 0.0), (0.0, 3.0), (1.0, 3.0)])
def test_the_standard_error_matches_the_spread_of_the_mean_whichever_source_dominates(
    seed_sd: float, example_sd: float
) -> None:
    """Over many simulated experiments, the mean standard error is the actual spread of the
    mean difference (within the slight over-count the module documents and the sampling of
    2,000 experiments). A standard error that forgot the examples (or the seeds) would fall
    far short in one of the cases."""
    rng = np.random.default_rng(0)
    runs, examples = 6, 200
    draws = [simulated_difference(rng, runs, examples, seed_sd, example_sd) for _ in range(2000)]
    actual = np.std([d.mean() for d in draws])
    estimated = np.sqrt(np.mean([crossed_standard_error(d) ** 2 for d in draws]))
    assert 0.95 * actual < estimated < 1.15 * actual


def test_a_protocol_right_on_more_examples_in_every_run_is_better() -> None:
    rng = np.random.default_rng(1)
    b = (rng.random((5, 400)) < 0.80).astype(float)
    a = np.maximum(b, (rng.random((5, 400)) < 0.5))  # b's right answers and more
    comparison = compare_crossed(a, b)
    assert comparison.verdict == "better" and comparison.difference > 0.05
    assert compare_crossed(b, a).verdict == "worse"
    assert compare_crossed(b, a, lower_is_better=True).verdict == "better"  # an error rate


def test_two_draws_of_the_same_protocol_are_within_noise() -> None:
    rng = np.random.default_rng(2)
    a, b = ((rng.random((8, 1500)) < 0.86).astype(float) for _ in range(2))
    assert compare_crossed(a, b).verdict == "within noise"


def test_tables_of_different_shapes_or_too_small_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="same examples"):
        compare_crossed(np.ones((3, 10)), np.ones((3, 11)))
    with pytest.raises(ValueError, match="at least 2 runs and 2 examples"):
        compare_crossed(np.ones((1, 10)), np.ones((1, 10)))
    with pytest.raises(ValueError, match="a must be a"):
        compare_crossed(np.ones(10), np.ones(10))
    with pytest.raises(ValueError, match="finite"):
        crossed_standard_error(np.full((2, 2), np.nan))
