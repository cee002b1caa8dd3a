"""Tests for mlp.network: the MLP contract, bprop against finite differences, loop == matrix."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlp.elastic_net import penalty, penalty_grad
from mlp.functions import softmax
from mlp.network import MLP, PARAM_NAMES, LoopMLP

LAMBDAS = {"l11": 0.03, "l12": 0.02, "l21": 0.05, "l22": 0.01}
KINK_MARGIN = 1e-3  # keep |ha| and |W| at least this far from 0 when comparing with differences


def make_batch(n: int, d: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, m, size=n)


def central_differences(net: MLP, X: np.ndarray, y: np.ndarray, h: float = 1e-5) -> dict:
    """An independent central-difference gradient of net.fprop(X, y) (not mlp.gradcheck)."""
    grads = {}
    for name, param in net.params().items():
        grads[name] = np.empty_like(param)
        for index in np.ndindex(param.shape):
            original = param[index]
            param[index] = original + h
            up, step_up = net.fprop(X, y), param[index] - original
            param[index] = original - h
            down, step_down = net.fprop(X, y), original - param[index]
            param[index] = original
            grads[name][index] = (up - down) / (step_up + step_down)
    return grads


def kink_free_problem(d, d_h, m, n, lambdas, seed, cls=MLP):
    """A network and batch whose |W| and |ha| entries all stay >= KINK_MARGIN from 0."""
    rng = np.random.default_rng(seed)
    net = cls(d, d_h, m, **lambdas, seed=rng)
    net.b1[:] = rng.normal(scale=0.5, size=d_h)
    net.b2[:] = rng.normal(scale=0.5, size=m)
    for W in (net.W1, net.W2):
        small = np.abs(W) < KINK_MARGIN
        W[small] = np.where(W[small] < 0, -2 * KINK_MARGIN, 2 * KINK_MARGIN)
    X = rng.normal(size=(n, d))
    for _ in range(10_000):
        near_kink = (np.abs(X @ net.W1.T + net.b1) < KINK_MARGIN).any(axis=1)
        if not near_kink.any():
            break
        X[near_kink] = rng.normal(size=(near_kink.sum(), d))
    else:
        raise AssertionError("could not draw a batch away from the ReLU kinks")
    return net, X, rng.integers(0, m, size=n)


# --- construction and parameters -----------------------------------------------------------


def test_initialization_follows_the_homework():
    net = MLP(5, 4, 3, seed=0)
    assert net.W1.shape == (4, 5) and net.b1.shape == (4,)
    assert net.W2.shape == (3, 4) and net.b2.shape == (3,)
    assert np.all(np.abs(net.W1) <= 1 / math.sqrt(5))
    assert np.all(np.abs(net.W2) <= 1 / math.sqrt(4))
    assert np.abs(net.W1).max() > 0.5 / math.sqrt(5)  # spread over the interval, not tiny
    np.testing.assert_array_equal(net.b1, 0)
    np.testing.assert_array_equal(net.b2, 0)


def test_same_seed_gives_same_parameters_and_different_seeds_differ():
    a, b, c = MLP(3, 4, 2, seed=7), MLP(3, 4, 2, seed=7), MLP(3, 4, 2, seed=8)
    np.testing.assert_array_equal(a.W1, b.W1)
    np.testing.assert_array_equal(a.W2, b.W2)
    assert not np.array_equal(a.W1, c.W1)
    np.testing.assert_array_equal(LoopMLP(3, 4, 2, seed=7).W1, a.W1)


def test_n_params_counts_every_scalar_and_params_are_the_live_arrays():
    net = MLP(7, 5, 3, seed=0)
    assert net.n_params() == 5 * (7 + 1) + 3 * (5 + 1)
    assert net.n_params() == sum(p.size for p in net.params().values())
    assert list(net.params()) == list(PARAM_NAMES)
    net.params()["W1"][0, 0] = 42.0
    assert net.W1[0, 0] == 42.0


def test_copy_is_independent_and_keeps_settings():
    net = LoopMLP(3, 4, 2, **LAMBDAS, seed=0, dtype=np.float32)
    clone = net.copy()
    assert type(clone) is LoopMLP and clone.dtype == np.float32 and clone.lambdas == net.lambdas
    clone.W1 += 1
    assert not np.array_equal(clone.W1, net.W1)
    np.testing.assert_array_equal(clone.W2, net.W2)
    assert clone.W2 is not net.W2


def test_repr_names_the_sizes_and_hyperparameters():
    assert repr(MLP(2, 3, 4, l12=0.5)) == (
        "MLP(d=2, d_h=3, m=4, l11=0, l12=0.5, l21=0, l22=0, dtype=float64)"
    )


# --- fprop ---------------------------------------------------------------------------------


def test_fprop_returns_mean_negative_log_probability_plus_penalty():
    net = MLP(4, 6, 3, **LAMBDAS, seed=1)
    X, y = make_batch(8, 4, 3, seed=2)
    ha = X @ net.W1.T + net.b1
    os = softmax(np.maximum(ha, 0) @ net.W2.T + net.b2)
    expected_risk = -np.mean(np.log(os[np.arange(8), y]))
    expected_penalty = (
        0.03 * np.abs(net.W1).sum()
        + 0.02 * (net.W1**2).sum()
        + 0.05 * np.abs(net.W2).sum()
        + 0.01 * (net.W2**2).sum()
    )
    assert net.fprop(X, y) == pytest.approx(expected_risk + expected_penalty, rel=1e-14)
    np.testing.assert_allclose(net.os, os, rtol=1e-14)
    assert net.ha.shape == net.hs.shape == (8, 6)
    assert net.oa.shape == net.os.shape == (8, 3)
    assert net.L.shape == (8,)


def test_predict_proba_and_predict_agree_with_fprop_and_leave_its_state_alone():
    net = MLP(3, 5, 4, seed=3)
    X, y = make_batch(6, 3, 4, seed=4)
    net.fprop(X, y)
    os_after_fprop = net.os
    proba = net.predict_proba(X[:2])
    assert net.os is os_after_fprop
    np.testing.assert_allclose(proba, os_after_fprop[:2], rtol=1e-15)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(net.predict(X), np.argmax(os_after_fprop, axis=1))
    assert net.predict(X).dtype.kind == "i"


def test_loss_is_finite_and_exact_at_logits_of_magnitude_1e4():
    net = MLP(2, 3, 2, seed=0)
    net.W2[:] = 0.0
    net.b2[:] = [1e4, -1e4]
    X = np.zeros((2, 2))
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert net.fprop(X, np.array([0, 0])) == 0.0
        assert net.fprop(X, np.array([1, 1])) == 2e4
        grads = net.bprop()
    np.testing.assert_array_equal(grads["b2"], [1.0, -1.0])
    assert all(np.all(np.isfinite(g)) for g in grads.values())


# --- bprop ---------------------------------------------------------------------------------


def test_bprop_returns_parameter_shaped_gradients_and_grad_x_on_request():
    net = MLP(3, 4, 2, seed=0)
    X, y = make_batch(5, 3, 2, seed=1)
    net.fprop(X, y)
    grads = net.bprop()
    assert list(grads) == list(PARAM_NAMES)
    for name, param in net.params().items():
        assert grads[name].shape == param.shape
    assert net.grad_x is None
    grads = net.bprop(grad_x=True)
    assert grads["x"].shape == (5, 3)
    assert grads["x"] is net.grad_x
    for name in ("grad_oa", "grad_W2", "grad_b2", "grad_hs", "grad_ha", "grad_W1", "grad_b1"):
        assert getattr(net, name) is not None


def test_bprop_adds_the_elastic_net_gradient_to_the_data_gradient_only_for_weights():
    X, y = make_batch(5, 3, 2, seed=1)
    plain, regularized = MLP(3, 4, 2, seed=0), MLP(3, 4, 2, **LAMBDAS, seed=0)
    plain.fprop(X, y)
    regularized.fprop(X, y)
    g_plain, g_reg = plain.bprop(), regularized.bprop()
    W1, W2 = plain.W1, plain.W2
    np.testing.assert_allclose(g_reg["W1"] - g_plain["W1"], 0.03 * np.sign(W1) + 0.04 * W1)
    np.testing.assert_allclose(g_reg["W2"] - g_plain["W2"], 0.05 * np.sign(W2) + 0.02 * W2)
    np.testing.assert_array_equal(g_reg["b1"], g_plain["b1"])
    np.testing.assert_array_equal(g_reg["b2"], g_plain["b2"])
    np.testing.assert_array_equal(regularized.grad_W1, plain.grad_W1)  # attribute: data term


def test_bprop_grad_x_matches_central_differences_in_the_inputs():
    net, X, y = kink_free_problem(3, 4, 3, 5, LAMBDAS, seed=11)
    net.fprop(X, y)
    grad_x = net.bprop(grad_x=True)["x"]
    h = 1e-6
    numeric = np.empty_like(X)
    for index in np.ndindex(X.shape):
        X_up, X_down = X.copy(), X.copy()
        X_up[index] += h
        X_down[index] -= h
        numeric[index] = (net.fprop(X_up, y) - net.fprop(X_down, y)) / (2 * h)
    np.testing.assert_allclose(grad_x, numeric, rtol=1e-6, atol=1e-10)


WORST = {"normwise": 0.0, "entrywise": 0.0}


@settings(max_examples=300, deadline=None)
@given(
    d=st.integers(1, 5),
    d_h=st.integers(1, 6),
    m=st.integers(2, 4),
    n=st.integers(1, 8),
    lambdas=st.fixed_dictionaries(
        {name: st.one_of(st.just(0.0), st.floats(1e-3, 1.0)) for name in LAMBDAS}
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_bprop_matches_central_differences(d, d_h, m, n, lambdas, seed):
    """Relative error <= 1e-7 in float64, away from the ReLU and L1 kinks.

    The relative error is measured on the whole gradient vector,
    max_k |a_k - n_k| / max_k max(|a_k|, |n_k|). Entry by entry the bound is
    |a_k - n_k| <= 1e-7 max(|a_k|, |n_k|) + noise, where noise = 20 u max(1, R) / h is the
    rounding floor of a central difference of R (u = 2.2e-16): a tiny entry cannot be
    estimated more accurately than that, but a wrong one still fails.
    """
    net, X, y = kink_free_problem(d, d_h, m, n, lambdas, seed)
    value = net.fprop(X, y)
    analytic = net.bprop()
    numeric = central_differences(net, X, y, h=1e-5)
    a = np.concatenate([analytic[name].ravel() for name in PARAM_NAMES])
    b = np.concatenate([numeric[name].ravel() for name in PARAM_NAMES])
    scale = np.maximum(np.abs(a), np.abs(b))
    normwise = np.abs(a - b).max() / scale.max()
    noise = 20 * np.finfo(np.float64).eps * max(1.0, abs(value)) / 1e-5
    assert normwise <= 1e-7
    np.testing.assert_array_less(np.abs(a - b), 1e-7 * scale + noise)
    significant = scale > noise / 1e-7
    WORST["normwise"] = max(WORST["normwise"], normwise)
    if significant.any():
        entrywise = (np.abs(a - b)[significant] / scale[significant]).max()
        WORST["entrywise"] = max(WORST["entrywise"], entrywise)


@pytest.fixture(scope="module", autouse=True)
def _report_worst_relative_error():
    yield
    print(
        f"\nworst relative error over the hypothesis run: {WORST['normwise']:.2e} (whole "
        f"gradient), {WORST['entrywise']:.2e} (entries above the rounding floor)"
    )


@pytest.mark.parametrize("K", [1, 10])
@pytest.mark.parametrize("lambdas", [{}, LAMBDAS], ids=["plain", "elastic-net"])
def test_loop_and_matrix_versions_agree_to_1e12(K, lambdas):
    X, y = make_batch(K, 4, 3, seed=K)
    matrix, loop = MLP(4, 5, 3, **lambdas, seed=9), LoopMLP(4, 5, 3, **lambdas, seed=9)
    assert abs(matrix.fprop(X, y) - loop.fprop(X, y)) <= 1e-12
    g_matrix, g_loop = matrix.bprop(grad_x=True), loop.bprop(grad_x=True)
    assert list(g_loop) == [*PARAM_NAMES, "x"]
    for name, g in g_matrix.items():
        assert g_loop[name].shape == g.shape
        np.testing.assert_allclose(g_loop[name], g, rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    d=st.integers(1, 4),
    d_h=st.integers(1, 5),
    m=st.integers(2, 4),
    n=st.integers(1, 12),
    with_penalty=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_loop_and_matrix_versions_agree_on_random_configurations(d, d_h, m, n, with_penalty, seed):
    lambdas = LAMBDAS if with_penalty else {}
    X, y = make_batch(n, d, m, seed)
    matrix, loop = MLP(d, d_h, m, **lambdas, seed=seed), LoopMLP(d, d_h, m, **lambdas, seed=seed)
    assert abs(matrix.fprop(X, y) - loop.fprop(X, y)) <= 1e-12
    g_loop = loop.bprop(grad_x=True)
    for name, g in matrix.bprop(grad_x=True).items():
        np.testing.assert_allclose(g_loop[name], g, rtol=0, atol=1e-12)


def test_loop_version_per_example_step_is_the_homework_column_vector_math():
    net = LoopMLP(3, 4, 2, seed=5)
    x, y = np.array([0.5, -1.0, 2.0]), 1
    loss = net.fprop_example(x, y)
    assert net.ha.shape == (4,) and net.os.shape == (2,)
    assert loss == pytest.approx(-np.log(net.os[y]), rel=1e-14)
    grads = net.bprop_example(grad_x=True)
    np.testing.assert_allclose(grads["W2"], np.outer(net.os - [0, 1], net.hs), rtol=1e-15)
    assert grads["x"].shape == (3,)
    matrix = MLP(3, 4, 2, seed=5)
    matrix.fprop(x[None, :], [y])
    np.testing.assert_allclose(grads["W1"], matrix.bprop()["W1"], atol=1e-15)


def test_bprop_before_fprop_is_an_error():
    for cls in (MLP, LoopMLP):
        with pytest.raises(RuntimeError, match="fprop"):
            cls(2, 2, 2).bprop()


# --- elastic net ---------------------------------------------------------------------------


def test_penalty_and_its_gradient():
    W1 = np.array([[1.0, -2.0], [0.0, 0.5]])
    W2 = np.array([[-1.0, 3.0]])
    assert penalty(W1, W2, 0.1, 0.2, 0.3, 0.4) == pytest.approx(
        0.1 * 3.5 + 0.2 * 5.25 + 0.3 * 4 + 0.4 * 10
    )
    gW1, gW2 = penalty_grad(W1, W2, 0.1, 0.2, 0.3, 0.4)
    np.testing.assert_allclose(gW1, 0.1 * np.array([[1, -1], [0, 1]]) + 0.4 * W1)
    np.testing.assert_allclose(gW2, 0.3 * np.array([[-1, 1]]) + 0.8 * W2)
    assert gW1[1, 0] == 0.0  # sign(0) = 0 is the subgradient chosen at 0
    assert penalty(W1, W2, 0, 0, 0, 0) == 0.0
    for g in penalty_grad(W1, W2, 0, 0, 0, 0):
        np.testing.assert_array_equal(g, 0)


# --- float32 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [MLP, LoopMLP])
def test_float32_network_keeps_everything_in_float32(cls):
    net = cls(4, 5, 3, **LAMBDAS, seed=0, dtype=np.float32)
    X, y = make_batch(6, 4, 3, seed=1)  # float64 input: converted once to float32
    loss = net.fprop(X, y)
    assert isinstance(loss, float)
    grads = net.bprop(grad_x=True)
    arrays = {**grads, **net.params(), "ha": net.ha, "hs": net.hs, "oa": net.oa, "os": net.os}
    for name, value in arrays.items():
        assert value.dtype == np.float32, name
    assert net.predict_proba(X).dtype == np.float32
    reference = MLP(4, 5, 3, **LAMBDAS, seed=0)
    assert loss == pytest.approx(reference.fprop(X, y), rel=1e-5)
    np.testing.assert_allclose(grads["W1"], reference.bprop()["W1"], rtol=1e-4, atol=1e-6)


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "y", "error", "message"),
    [
        (np.ones(3), [0], ValueError, "2-D"),
        (np.ones((2, 3, 1)), [0, 1], ValueError, "2-D"),
        (np.ones((2, 4)), [0, 1], ValueError, "X must have 3 columns"),
        (np.ones((0, 3)), [], ValueError, "at least one"),
        (np.ones((2, 3)), [0], ValueError, r"y must have shape \(2,\)"),
        (np.ones((2, 3)), [[0, 1]], ValueError, r"y must have shape \(2,\)"),
        (np.ones((2, 3)), [0, 2], ValueError, r"y must hold labels in \[0, 2\)"),
        (np.ones((2, 3)), [-1, 0], ValueError, r"y must hold labels in \[0, 2\)"),
        (np.ones((2, 3)), [0.0, 1.0], TypeError, "y must hold integer labels"),
        (np.array([[1.0, np.nan, 0.0], [0, 0, 0]]), [0, 1], ValueError, "NaN or inf"),
        (np.array([[1.0, np.inf, 0.0], [0, 0, 0]]), [0, 1], ValueError, "NaN or inf"),
        (np.ones((2, 3), dtype=complex), [0, 1], TypeError, "real numbers"),
        (np.array([["a", "b", "c"]] * 2), [0, 1], TypeError, "real numbers"),
    ],
)
@pytest.mark.parametrize("cls", [MLP, LoopMLP])
def test_bad_batches_raise_clear_errors(cls, X, y, error, message):
    with pytest.raises(error, match=message):
        cls(3, 4, 2).fprop(X, y)


def test_values_that_overflow_float32_are_reported_as_inf():
    with pytest.raises(ValueError, match="NaN or inf"):
        MLP(1, 2, 2, dtype=np.float32).fprop(np.array([[1e300]]), [0])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"l11": -0.1}, ValueError, "l11 must be a finite number >= 0"),
        ({"l22": -1}, ValueError, "l22 must be a finite number >= 0"),
        ({"l12": float("nan")}, ValueError, "l12 must be a finite number >= 0"),
        ({"l21": "0.1"}, TypeError, "l21 must be a finite number >= 0, got '0.1'"),
        ({"dtype": np.float16}, TypeError, "float32 or float64"),
        ({"dtype": np.int64}, TypeError, "float32 or float64"),
        ({"dtype": "not a dtype"}, TypeError, "float32 or float64"),
    ],
)
def test_bad_hyperparameters_raise_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        MLP(3, 4, 2, **kwargs)


@pytest.mark.parametrize(
    ("sizes", "error"),
    [
        ((0, 2, 2), ValueError),
        ((2, 0, 2), ValueError),
        ((2, 2, 0), ValueError),
        ((2.5, 2, 2), TypeError),
        ((True, 2, 2), TypeError),
    ],
)
def test_sizes_must_be_positive_integers(sizes, error):
    with pytest.raises(error, match="must be a positive integer"):
        MLP(*sizes)


def test_lambda_made_negative_after_construction_is_caught_by_fprop():
    net = MLP(3, 4, 2)
    net.l12 = -0.5
    with pytest.raises(ValueError, match="l12 must be a finite number >= 0"):
        net.fprop(np.ones((1, 3)), [0])


def test_parameters_assigned_with_wrong_shape_or_dtype_are_rejected():
    net = MLP(3, 4, 2)
    X, y = np.ones((1, 3)), [0]
    net.b1 = np.zeros(5)
    with pytest.raises(ValueError, match=r"b1 must have shape \(4,\), got \(5,\)"):
        net.fprop(X, y)
    net.b1 = [0.0] * 4
    with pytest.raises(TypeError, match="b1 must be a numpy array, got list"):
        net.fprop(X, y)
    net.b1 = np.zeros(4, dtype=np.float32)
    with pytest.raises(TypeError, match="b1 must have the network's dtype float64, got float32"):
        net.fprop(X, y)
    net.b1 = np.zeros(4)
    net.W2 = np.zeros((2, 4))
    net.fprop(X, y)  # consistent assignments are fine
