"""The shared argument checks (``mlp.checks``): what they accept, and the error they name."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp.checks import finite_number, positive_int


@pytest.mark.parametrize("value", [1, 7, np.int64(3)])
def test_positive_int_returns_a_python_int(value) -> None:
    result = positive_int("k", value)
    assert result == value and type(result) is int


@pytest.mark.parametrize("value", [0, -2, 1.0, "3", True, None])
def test_positive_int_refuses_everything_else_naming_the_argument(value) -> None:
    with pytest.raises(ValueError, match=r"k must be a positive integer, got"):
        positive_int("k", value)


@pytest.mark.parametrize("value", [0, 0.0, 2, 0.5, np.float32(0.25), np.int64(4)])
def test_finite_number_accepts_finite_numbers_at_least_zero(value) -> None:
    result = finite_number("lam", value)
    assert result == float(value) and type(result) is float


@pytest.mark.parametrize("value", [-1e-9, math.inf, math.nan, True, "0.1", None])
def test_finite_number_refuses_negative_infinite_nan_and_non_numbers(value) -> None:
    with pytest.raises(ValueError, match=r"lam must be a finite number >= 0, got"):
        finite_number("lam", value)


def test_positive_finite_number_also_refuses_zero() -> None:
    assert finite_number("lr", 0.1, positive=True) == 0.1
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got 0"):
        finite_number("lr", 0, positive=True)
