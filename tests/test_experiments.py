"""mlp.experiments: the linear reference, the margin check, the grid-bracket check and the
comparisons C7 judges (configurations paired by seed, validation against test images)."""

from __future__ import annotations

import numpy as np
import pytest

from mlp.data import Splits
from mlp.experiments import (
    Check,
    beats,
    best_inside_grid,
    best_linear_softmax,
    compare_configs,
    compare_example_sets,
    paired_difference,
    train_linear_softmax,
)
from mlp.sweep.report import ConfigResult, SweepSummary
from mlp.verdicts import compare_samples


def separable(n: int = 600, seed: int = 0) -> Splits:
    """Three Gaussian blobs in 4 dimensions, 3 standard deviations apart: a linear classifier
    separates them but for a few per cent of overlap."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    X = (rng.normal(size=(n, 4)) + 3 * np.eye(3, 4)[y]).astype(np.float32)
    half = n // 2
    return Splits(X[:half], y[:half], X[half:], y[half:])


def test_the_linear_classifier_learns_a_separable_problem_and_keeps_its_best_epoch() -> None:
    run = train_linear_softmax(separable(), epochs=5, batch_size=20, lr=0.1)
    assert run.valid_error < 0.05
    assert run.valid_error == min(run.valid_errors)
    assert run.valid_errors[run.best_epoch - 1] == run.valid_error and run.lr == 0.1
    assert run.W.shape == (4, 3) and run.b.shape == (3,) and run.W.dtype == np.float32


def test_the_linear_classifier_is_reproducible_from_its_seed_and_differs_across_seeds() -> None:
    data = separable(n=2000)
    same = [train_linear_softmax(data, epochs=2, batch_size=50, lr=0.5, seed=3) for _ in (0, 1)]
    np.testing.assert_array_equal(same[0].W, same[1].W)
    other = train_linear_softmax(data, epochs=2, batch_size=50, lr=0.5, seed=4)
    assert not np.array_equal(other.W, same[0].W)


def test_early_stopping_of_the_linear_classifier_stops_after_patience_epochs() -> None:
    data = separable()
    run = train_linear_softmax(data, epochs=50, batch_size=300, lr=0.1, patience=2)
    assert len(run.valid_errors) == run.best_epoch + 2 < 50


def test_the_best_linear_classifier_is_the_lowest_validation_error_of_its_rates() -> None:
    data = separable()
    rates = (1e-3, 0.1, 1.0)
    runs = [train_linear_softmax(data, epochs=3, batch_size=20, lr=lr) for lr in rates]
    best = best_linear_softmax(data, rates, epochs=3, batch_size=20)
    lowest = min(run.valid_error for run in runs)
    assert best.valid_error == lowest
    assert best.lr == next(run.lr for run in runs if run.valid_error == lowest)  # first of ties
    with pytest.raises(TypeError, match="lrs"):
        best_linear_softmax(data, 0.1, epochs=2, batch_size=20)  # type: ignore[arg-type]


def test_beats_requires_the_margin_and_refuses_errors_outside_zero_one() -> None:
    assert beats(0.10, 0.13, 0.02, name="x").passed
    failed = beats(0.12, 0.13, 0.02, name="x")
    assert not failed.passed and "1.00 points lower, 2.00 required" in failed.detail
    assert isinstance(failed, Check) and str(failed).startswith("FAILED: x:")
    with pytest.raises(ValueError, match="error must be a fraction in"):
        beats(12.0, 0.13, 0.02, name="x")


def summary_of(means: dict[tuple[float, float], float]) -> SweepSummary:
    """A summary of a grid over lr and l12 with one seed whose error is ``means[lr, l12]``."""
    results = tuple(
        ConfigResult({"lr": lr, "l12": l12}, (0,), (error,), (0.5,), (float("nan"),), (5,), ())
        for (lr, l12), error in sorted(means.items(), key=lambda item: item[1])
    )
    return SweepSummary(results, ("lr", "l12"), 1, len(results), len(results))


GRID = [(lr, l12) for lr in (0.01, 0.1, 1.0) for l12 in (0.0, 1e-4, 1e-3)]


def test_a_best_configuration_inside_the_grid_passes_and_zero_decay_counts_as_inside() -> None:
    means = dict.fromkeys(GRID, 0.2) | {(0.1, 1e-4): 0.1}
    assert best_inside_grid(summary_of(means)).passed
    means = dict.fromkeys(GRID, 0.2) | {(0.1, 0.0): 0.1}  # no decay at all: nothing below
    check = best_inside_grid(summary_of(means))
    assert check.passed and check.values == {"lr": 1.0, "l12": 0.0}


@pytest.mark.parametrize(
    ("corner", "named"),
    [
        ((1.0, 1e-4), "lr = 1 is the largest"),
        ((0.01, 1e-4), "lr = 0.01 is the smallest"),
        ((0.1, 1e-3), "l12 = 0.001 is the largest"),
    ],
)
def test_a_best_configuration_at_an_end_of_the_grid_fails_naming_it(
    corner: tuple[float, float], named: str
) -> None:
    means = dict.fromkeys(GRID, 0.2) | {corner: 0.1}
    check = best_inside_grid(summary_of(means))
    assert not check.passed and named in check.detail


def test_paired_difference_counts_only_the_examples_the_two_disagree_on() -> None:
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    a = np.array([0, 1, 2, 0, 1, 2, 1, 2])  # wrong on the last two
    b = np.array([1, 1, 2, 0, 1, 2, 0, 2])  # wrong on the first and the last
    difference, error = paired_difference(a, b, y)
    assert difference == (1 - 1) / 8 and error == np.sqrt(2) / 8  # one example each way
    difference, error = paired_difference(a, y, y)
    assert difference == 2 / 8 and error == np.sqrt(2) / 8
    with pytest.raises(ValueError, match="one shape"):
        paired_difference(a, b[:3], y)


def result(
    lr: float, seeds: tuple[int, ...], errors: tuple[float, ...], diverged=()
) -> ConfigResult:
    n = len(seeds)
    return ConfigResult({"lr": lr}, seeds, errors, (0.3,) * n, (np.nan,) * n, (5,) * n, diverged)


def test_compare_configs_pairs_the_runs_by_seed_so_shared_noise_cancels() -> None:
    # each seed moves both configurations alike: b is 1 point better on every seed
    a = result(0.1, (0, 1, 2), (0.13, 0.15, 0.17))
    b = result(0.3, (2, 0, 1), (0.16, 0.12, 0.14))  # another order: pairing is by seed
    paired = compare_configs(a, b)
    assert np.isclose(paired.difference, 0.01) and paired.standard_error < 1e-12
    assert paired.verdict == "worse" and compare_configs(b, a).verdict == "better"
    unpaired = compare_samples(a.valid_errors, b.valid_errors)  # the same means, independent
    assert np.isclose(unpaired.difference, 0.01) and unpaired.verdict == "within noise"


def test_compare_configs_leaves_out_a_seed_that_diverged_and_needs_two_in_common() -> None:
    a = result(0.1, (0, 1, 2), (0.10, 0.12, 0.50))
    b = result(1.0, (0, 1), (0.12, 0.15), diverged=(2,))
    comparison = compare_configs(a, b)  # seed 2 left out: its 0.50 would weigh otherwise
    assert np.isclose(comparison.difference, ((0.10 - 0.12) + (0.12 - 0.15)) / 2)
    with pytest.raises(ValueError, match="at least 2 seeds finished by both"):
        compare_configs(a, result(1.0, (2, 3), (0.2, 0.2)))
    with pytest.raises(TypeError, match="b must be a ConfigResult"):
        compare_configs(a, {"lr": 1.0})  # type: ignore[arg-type]


def test_compare_example_sets_counts_the_sampling_noise_of_the_examples() -> None:
    valid = np.array([0.118, 0.121, 0.119, 0.122])
    test = valid + 0.007  # 0.7 points higher for every network: no spread between networks
    small = compare_example_sets(test, 10_000, valid, 10_000)
    p_t, p_v = test.mean(), valid.mean()
    expected = np.sqrt(p_t * (1 - p_t) / 10_000 + p_v * (1 - p_v) / 10_000)
    assert np.isclose(small.difference, 0.007) and np.isclose(small.standard_error, expected)
    assert small.verdict == "within noise"  # 0.7 points is 1.5 standard errors of 10,000 images
    large = compare_example_sets(test, 1_000_000, valid, 1_000_000)
    assert large.verdict == "worse"  # the same gap, on a hundred times more examples
    spread = compare_example_sets(
        test + np.array([0.0, 0.02, -0.02, 0.0]), 1_000_000, valid, 1_000_000
    )
    assert spread.standard_error > large.standard_error  # the networks' spread counts too


def test_compare_example_sets_refuses_rates_outside_zero_one_and_unpaired_networks() -> None:
    with pytest.raises(ValueError, match=r"errors_a must hold error rates in \[0, 1\]"):
        compare_example_sets([12.0, 13.0], 100, [0.1, 0.1], 100)
    with pytest.raises(ValueError, match="one entry per network"):
        compare_example_sets([0.1, 0.1, 0.1], 100, [0.1, 0.1], 100)
    with pytest.raises(ValueError, match="n_b"):
        compare_example_sets([0.1, 0.1], 100, [0.1, 0.1], 0)
