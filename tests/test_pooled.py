"""The pooled run-to-run spread (``mlp.pooled``): every group's degrees of freedom count,
weighted by their number, and a spread that cannot be estimated is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp.pooled import pooled_std


def test_one_group_gives_its_sample_standard_deviation() -> None:
    values = [0.089, 0.0896, 0.0911, 0.089]
    spread = pooled_std([values])
    assert spread.sigma == pytest.approx(np.std(values, ddof=1))
    assert (spread.dof, spread.groups, spread.runs) == (3, 1, 4)


def test_groups_are_weighted_by_their_degrees_of_freedom_not_averaged() -> None:
    a, b = [1.0, 3.0, 5.0, 7.0], [10.0, 10.5]  # variances 20/3 (3 dof) and 1/8 (1 dof)
    spread = pooled_std([a, b])
    assert spread.sigma == pytest.approx(math.sqrt((3 * 20 / 3 + 1 * 0.125) / 4))
    assert spread.sigma != pytest.approx(math.sqrt((20 / 3 + 0.125) / 2))
    assert spread.dof == 4


def test_a_shift_of_one_group_does_not_change_the_spread_within_groups() -> None:
    a, b = np.array([0.1, 0.2, 0.4]), np.array([0.3, 0.35])
    assert pooled_std([a, b + 5.0]).sigma == pytest.approx(pooled_std([a, b]).sigma)


def test_a_group_of_one_run_adds_no_degree_of_freedom() -> None:
    spread = pooled_std([[1.0, 2.0], [100.0]])
    assert spread.sigma == pytest.approx(np.std([1.0, 2.0], ddof=1))
    assert (spread.dof, spread.groups, spread.runs) == (1, 2, 3)


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ([], "at least 2 runs"),
        ([[1.0], [2.0]], "at least 2 runs"),
        ([[1.0, 2.0], []], "group 1 must be a non-empty"),
        ([[1.0, float("nan")]], "group 0 must hold finite"),
        ([[[1.0, 2.0]]], "group 0 must be a non-empty 1-d"),
    ],
)
def test_a_spread_that_cannot_be_estimated_is_refused_naming_the_problem(
    groups: list, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        pooled_std(groups)
