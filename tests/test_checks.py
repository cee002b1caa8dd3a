"""The package's one validator (``mlp.checks``) and its one error policy.

TypeError for an argument of the wrong kind, ValueError for a wrong value; the message names
the argument, says what was expected and shows what came. The last tests check that the
public entry points of the package go through it (same messages, same error types).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp import checks
from mlp.checks import finite_number, positive_int


@pytest.mark.parametrize("value", [1, 7, np.int64(3)])
def test_positive_int_returns_a_python_int(value) -> None:
    result = positive_int("k", value)
    assert result == value and type(result) is int


@pytest.mark.parametrize("value", [0, -2])
def test_positive_int_refuses_a_wrong_value_with_value_error(value) -> None:
    with pytest.raises(ValueError, match=rf"k must be a positive integer, got {value}"):
        positive_int("k", value)


@pytest.mark.parametrize("value", [1.0, "3", True, None])
def test_positive_int_refuses_a_wrong_kind_with_type_error(value) -> None:
    with pytest.raises(TypeError, match=r"k must be a positive integer, got"):
        positive_int("k", value)


def test_nonnegative_int_accepts_zero_and_refuses_negatives_and_floats() -> None:
    assert checks.nonnegative_int("n", 0) == 0
    with pytest.raises(ValueError, match=r"n must be an integer >= 0, got -1"):
        checks.nonnegative_int("n", -1)
    with pytest.raises(TypeError, match=r"n must be an integer >= 0, got 2.0"):
        checks.nonnegative_int("n", 2.0)


@pytest.mark.parametrize("value", [0, 0.0, 2, 0.5, np.float32(0.25), np.int64(4)])
def test_finite_number_accepts_finite_numbers_at_least_zero(value) -> None:
    result = finite_number("lam", value)
    assert result == float(value) and type(result) is float


@pytest.mark.parametrize("value", [-1e-9, math.inf, math.nan])
def test_finite_number_refuses_negative_and_non_finite_values(value) -> None:
    with pytest.raises(ValueError, match=r"lam must be a finite number >= 0, got"):
        finite_number("lam", value)


@pytest.mark.parametrize("value", [True, "0.1", None, [0.1]])
def test_finite_number_refuses_non_numbers_with_type_error(value) -> None:
    with pytest.raises(TypeError, match=r"lam must be a finite number >= 0, got"):
        finite_number("lam", value)


def test_positive_finite_number_also_refuses_zero() -> None:
    assert finite_number("lr", 0.1, positive=True) == 0.1
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got 0"):
        finite_number("lr", 0, positive=True)
    assert checks.learning_rate(np.float32(0.5)) == 0.5
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got -0.1"):
        checks.learning_rate(-0.1)


def test_unit_interval_is_half_open() -> None:
    assert checks.unit_interval("momentum", 0) == 0.0
    with pytest.raises(ValueError, match=r"momentum must be a number in \[0, 1\), got 1"):
        checks.unit_interval("momentum", 1)


def test_lambdas_are_named_one_by_one() -> None:
    assert checks.lambdas(0, 0.1, np.float32(0.5), 2) == (0.0, 0.1, 0.5, 2.0)
    with pytest.raises(ValueError, match=r"l21 must be a finite number >= 0, got -1"):
        checks.lambdas(0, 0, -1, 0)
    with pytest.raises(TypeError, match=r"l22 must be a finite number >= 0, got '1'"):
        checks.lambdas(0, 0, 0, "1")


def test_float_dtype_accepts_float32_and_float64_only() -> None:
    assert checks.float_dtype("float32") == np.float32
    assert checks.float_dtype(np.float64) == np.float64
    for bad in (np.float16, "int64", "nonsense"):
        with pytest.raises(TypeError, match=r"dtype must be float32 or float64, got"):
            checks.float_dtype(bad)


def test_one_of_names_the_choices() -> None:
    assert checks.one_of("mode", "pixel", ("global", "pixel")) == "pixel"
    with pytest.raises(ValueError, match=r"mode must be one of 'global', 'pixel', got 'x'"):
        checks.one_of("mode", "x", ("global", "pixel"))


def test_real_matrix_casts_and_checks_shape_and_values() -> None:
    X = checks.real_matrix("X", [[1, 2], [3, 4]], dtype=np.float32, columns=2)
    assert X.dtype == np.float32 and X.shape == (2, 2)
    assert checks.real_matrix("X", np.ones((2, 3), int)).dtype == np.float64
    with pytest.raises(TypeError, match=r"X must hold real numbers, got an array of dtype bool"):
        checks.real_matrix("X", np.ones((2, 2), bool))
    with pytest.raises(ValueError, match=r"X must be 2-D of shape \(n, 3\), got shape \(3,\)"):
        checks.real_matrix("X", np.ones(3), columns=3)
    with pytest.raises(ValueError, match=r"X must have 3 columns, got shape \(2, 2\)"):
        checks.real_matrix("X", np.ones((2, 2)), columns=3)
    with pytest.raises(ValueError, match=r"X must contain at least one row"):
        checks.real_matrix("X", np.ones((0, 2)))
    with pytest.raises(ValueError, match=r"X contains NaN or inf \(as float32\)"):
        checks.real_matrix("X", [[1e300]], dtype=np.float32)  # beyond the float32 range
    assert np.isnan(checks.real_matrix("X", [[np.nan]], finite=False)).all()


def test_labels_checks_kind_shape_and_range() -> None:
    y = checks.labels("y", np.array([0, 2, 1], np.int8), 3, n=3)
    assert y.dtype == np.intp and y.tolist() == [0, 2, 1]
    with pytest.raises(TypeError, match=r"y must hold integer labels in \[0, 3\), got an array"):
        checks.labels("y", np.array([0.0, 1.0]), 3)
    with pytest.raises(ValueError, match=r"y must have shape \(2,\), one label per example"):
        checks.labels("y", np.array([0, 1, 2]), 3, n=2)
    with pytest.raises(ValueError, match=r"y must hold labels in \[0, 3\), found \[3, -1\]"):
        checks.labels("y", np.array([0, 3, -1]), 3)


# --- the package's entry points go through the validator -------------------------------------


def test_entry_points_share_the_policy() -> None:
    """The same kind of mistake gives the same kind of error wherever it is made."""
    from mlp.data import two_circles
    from mlp.fit import gaussian_noise
    from mlp.network import MLP
    from mlp.optimizers import SGD
    from mlp.train import run_epoch

    net = MLP(2, 3, 2, seed=0)
    X, y = two_circles(10, seed=0)
    rng = np.random.default_rng(0)
    wrong_kind = [
        lambda: MLP(2, "3", 2),
        lambda: MLP(2, 3, 2, l11="0.1"),
        lambda: net.sgd_step(X, y, "0.1"),
        lambda: run_epoch(net, X, y.astype(float), batch_size=2, lr=0.1, rng=rng),
        lambda: gaussian_noise("0.1"),
        lambda: SGD([np.zeros(2)], lr=None),
    ]
    for call in wrong_kind:
        with pytest.raises(TypeError):
            call()
    wrong_value = [
        lambda: MLP(2, 0, 2),
        lambda: MLP(2, 3, 2, l11=-0.1),
        lambda: net.sgd_step(X, y, -0.1),
        lambda: run_epoch(net, X, y + 5, batch_size=2, lr=0.1, rng=rng),
        lambda: gaussian_noise(-1.0),
        lambda: SGD([np.zeros(2)], lr=0.1, momentum=1.5),
    ]
    for call in wrong_value:
        with pytest.raises(ValueError):
            call()
