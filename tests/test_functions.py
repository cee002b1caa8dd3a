"""Tests for mlp.functions: values, derivatives (against SymPy), conventions, stability, dtypes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp

from mlp import functions as F

# Points at least 0.05 away from 0, where every function here is differentiable.
AWAY_FROM_ZERO = np.concatenate([np.linspace(-12, -0.05, 120), np.linspace(0.05, 12, 120)])

_x = sp.Symbol("x", real=True)
SYMPY_DERIVATIVE_CASES = [
    ("sigmoid_prime", 1 / (1 + sp.exp(-_x))),
    ("tanh_prime", sp.tanh(_x)),
    ("softplus_prime", sp.log(1 + sp.exp(_x))),
    ("rect_prime", sp.Max(0, _x)),
    ("abs_prime", sp.Abs(_x)),
]


@pytest.fixture
def strict_floats():
    """Turn overflow, invalid operations, division by zero and any warning into errors.

    Underflow (exp(-1e4) rounding to 0) is the correct result and stays allowed.
    """
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --- values --------------------------------------------------------------------------------


def test_functions_match_their_textbook_formulas_at_moderate_inputs():
    z = np.linspace(-20, 20, 401)
    np.testing.assert_allclose(F.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)
    np.testing.assert_allclose(F.tanh(z), (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)))
    np.testing.assert_allclose(F.softplus(z), np.log(1 + np.exp(z)), rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(F.rect(z), np.where(z > 0, z, 0.0))


def test_part_a_identities_hold_numerically():
    z = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(F.sigmoid(z), (F.tanh(z / 2) + 1) / 2, rtol=1e-12, atol=1e-15)
    # log(sigmoid(z)) rounds sigmoid(z) ~ 1 first, hence the absolute tolerance
    np.testing.assert_allclose(np.log(F.sigmoid(z)), -F.softplus(-z), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(F.sigmoid_prime(z), F.sigmoid(z) * (1 - F.sigmoid(z)))
    np.testing.assert_allclose(F.tanh_prime(z), 1 - F.tanh(z) ** 2)


def test_sign_rect_and_their_derivatives_use_zero_at_zero():
    z = np.array([-2.0, -0.0, 0.0, 3.0])
    np.testing.assert_array_equal(F.sign(z), [-1, 0, 0, 1])
    np.testing.assert_array_equal(F.abs_prime(z), [-1, 0, 0, 1])
    np.testing.assert_array_equal(F.rect_prime(z), [0, 0, 0, 1])
    np.testing.assert_array_equal(F.l1_grad(z), [-1, 0, 0, 1])
    np.testing.assert_array_equal(F.rect(z), [0, 0, 0, 3])


def test_norms_and_their_gradients():
    W = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert F.l2_squared(W) == 14.0
    assert F.l1_norm(W) == 6.0
    np.testing.assert_array_equal(F.l2_squared_grad(W), 2 * W)
    np.testing.assert_array_equal(F.l1_grad(W), [[1, -1], [0, 1]])


@pytest.mark.parametrize(("name", "expr"), SYMPY_DERIVATIVE_CASES, ids=lambda c: str(c))
def test_numeric_derivatives_equal_lambdified_sympy_derivatives(name, expr):
    derivative = sp.lambdify(_x, sp.diff(expr, _x), modules="numpy")
    expected = np.array([float(derivative(float(z))) for z in AWAY_FROM_ZERO])
    np.testing.assert_allclose(getattr(F, name)(AWAY_FROM_ZERO), expected, rtol=1e-12, atol=1e-15)


def test_vector_norm_gradients_equal_sympy_gradients():
    xs = sp.symbols("x0:4", real=True)
    point = np.array([0.7, -1.3, 2.1, -0.4])
    subs = dict(zip(xs, point, strict=True))
    cases = [(sum(x**2 for x in xs), F.l2_squared_grad), (sum(map(sp.Abs, xs)), F.l1_grad)]
    for norm, grad in cases:
        expected = [float(sp.diff(norm, x).subs(subs)) for x in xs]
        np.testing.assert_allclose(grad(point), expected, rtol=1e-14)


def test_derivatives_match_central_differences():
    h = 1e-6
    z = AWAY_FROM_ZERO
    pairs = [
        (F.sigmoid, F.sigmoid_prime),
        (F.tanh, F.tanh_prime),
        (F.softplus, F.softplus_prime),
        (F.rect, F.rect_prime),
        (np.abs, F.abs_prime),
    ]
    for f, f_prime in pairs:
        numeric = (f(z + h) - f(z - h)) / (2 * h)
        np.testing.assert_allclose(f_prime(z), numeric, rtol=1e-6, atol=1e-9)


# --- softmax family ------------------------------------------------------------------------


def test_softmax_of_a_vector_is_positive_and_sums_to_one():
    z = np.array([1.0, -2.0, 0.5, 3.0])
    s = F.softmax(z)
    assert s.shape == (4,)
    assert np.all(s > 0)
    assert s.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(s, np.exp(z) / np.exp(z).sum(), rtol=1e-15)


def test_softmax_of_a_minibatch_is_the_softmax_of_each_row():
    Z = np.random.default_rng(0).normal(scale=3, size=(5, 4))
    S = F.softmax(Z)
    assert S.shape == (5, 4)
    for z, s in zip(Z, S, strict=True):
        np.testing.assert_allclose(s, F.softmax(z), rtol=1e-15)
    np.testing.assert_allclose(S.sum(axis=1), 1.0, rtol=1e-15)


def test_softmax_is_invariant_to_adding_a_constant_per_row():
    Z = np.random.default_rng(1).normal(size=(3, 5))
    shifts = np.array([[100.0], [-50.0], [7.0]])
    np.testing.assert_allclose(F.softmax(Z + shifts), F.softmax(Z), rtol=1e-12)


def test_logsumexp_and_log_softmax_shapes_and_values():
    Z = np.random.default_rng(2).normal(size=(6, 3))
    assert F.logsumexp(Z[0]).shape == ()
    assert F.logsumexp(Z).shape == (6,)
    np.testing.assert_allclose(F.logsumexp(Z), np.log(np.exp(Z).sum(axis=1)), rtol=1e-14)
    assert F.log_softmax(Z).shape == (6, 3)
    np.testing.assert_allclose(F.log_softmax(Z), np.log(F.softmax(Z)), rtol=1e-13)
    np.testing.assert_allclose(F.log_softmax(Z[2]), np.log(F.softmax(Z[2])), rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_family_is_stable_at_logits_of_magnitude_1e4(strict_floats, dtype):
    z = np.array([1e4, -1e4, 0.0, 1e4 - 1], dtype=dtype)
    Z = np.stack([z, -z, np.full(4, 1e4, dtype=dtype)])
    S = F.softmax(Z)
    assert np.all(np.isfinite(S))
    np.testing.assert_allclose(S.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(S[0], [1 / (1 + np.exp(-1)), 0, 0, 1 / (1 + np.e)], rtol=1e-6)
    np.testing.assert_allclose(S[2], 0.25, rtol=1e-6)
    np.testing.assert_allclose(F.logsumexp(Z), [1e4 + np.log1p(np.exp(-1)), 1e4, 1e4 + np.log(4)])
    log_s = F.log_softmax(Z)
    assert np.all(np.isfinite(log_s))
    assert log_s[0, 1] == pytest.approx(-2e4 - np.log1p(np.exp(-1)), rel=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_softplus_are_stable_at_inputs_of_magnitude_1e4(strict_floats, dtype):
    z = np.array([-1e4, -800.0, 0.0, 800.0, 1e4], dtype=dtype)
    np.testing.assert_array_equal(F.sigmoid(z), [0, 0, 0.5, 1, 1])
    np.testing.assert_array_equal(F.sigmoid_prime(z), [0, 0, 0.25, 0, 0])
    np.testing.assert_allclose(F.softplus(z), [0, 0, np.log(2), 800, 1e4], rtol=1e-7)
    np.testing.assert_array_equal(F.tanh(z), [-1, -1, 0, 1, 1])


# --- dtypes and labels ---------------------------------------------------------------------

FLOAT_FUNCTIONS = [
    "sigmoid",
    "sigmoid_prime",
    "tanh",
    "tanh_prime",
    "softplus",
    "softplus_prime",
    "rect",
    "rect_prime",
    "sign",
    "abs_prime",
    "l2_squared_grad",
    "l1_grad",
    "logsumexp",
    "softmax",
    "log_softmax",
]


@pytest.mark.parametrize("name", FLOAT_FUNCTIONS)
def test_float32_inputs_give_float32_outputs(name):
    Z = np.random.default_rng(3).normal(size=(4, 3)).astype(np.float32)
    assert getattr(F, name)(Z).dtype == np.float32
    assert getattr(F, name)(Z.astype(np.float64)).dtype == np.float64


def test_integer_inputs_are_computed_in_float64_and_complex_inputs_are_rejected():
    assert F.rect(np.array([-1, 2])).dtype == np.float64
    assert F.softmax([1, 2, 3]).dtype == np.float64
    with pytest.raises(TypeError, match="real numbers"):
        F.sigmoid(np.array([1j]))


def test_onehot_encodes_a_label_vector_and_a_single_label():
    np.testing.assert_array_equal(F.onehot(np.array([2, 0, 1]), 3), np.eye(3)[[2, 0, 1]])
    np.testing.assert_array_equal(F.onehot(1, 3), [0, 1, 0])
    assert F.onehot([0, 1], 2).dtype == np.float64
    assert F.onehot([0, 1], 2, dtype=np.float32).dtype == np.float32
    assert F.onehot(np.array([], dtype=int), 4).shape == (0, 4)


@pytest.mark.parametrize(
    ("labels", "m", "error", "message"),
    [
        (np.array([0.0, 1.0]), 3, TypeError, "integer labels"),
        (np.array([True, False]), 3, TypeError, "integer labels"),
        (np.array([0, 3]), 3, ValueError, r"\[0, 3\)"),
        (np.array([-1, 0]), 3, ValueError, r"found \[-1\]"),
        (np.array([0, 1]), 0, ValueError, "positive integer"),
        (np.array([0, 1]), 2.0, TypeError, "positive integer"),
    ],
)
def test_onehot_rejects_bad_labels_or_class_count(labels, m, error, message):
    with pytest.raises(error, match=message):
        F.onehot(labels, m)
