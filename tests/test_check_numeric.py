"""``mlp.check`` on Python functions: a right numpy backward pass agrees with the package and
finite differences; wrong ones are caught at networks of several sizes, and what they show is
named (the mask, the 1/K, a transposed result, NaN at a zero weight, the kink's convention)."""

from __future__ import annotations

import numpy as np
import pytest

from mlp.check import check
from mlp.check.numeric import SIZES
from mlp.check.numeric_points import Point


def forward(X, y, W1, b1, W2, b2):
    """The forward pass and the output gradient G_oa, written as a reader would."""
    K = len(y)
    ha = X @ W1.T + b1
    hs = np.maximum(ha, 0)
    oa = hs @ W2.T + b2
    os = np.exp(oa - oa.max(axis=1, keepdims=True))
    os /= os.sum(axis=1, keepdims=True)
    g_oa = os.copy()
    g_oa[np.arange(K), y] -= 1
    return ha, hs, g_oa / K


def bprop(X, y, W1, b1, W2, b2, l11, l12, l21, l22):
    ha, hs, g_oa = forward(X, y, W1, b1, W2, b2)
    g_ha = (g_oa @ W2) * (ha > 0)
    return {
        "W1": g_ha.T @ X + l11 * np.sign(W1) + 2 * l12 * W1,
        "b1": g_ha.sum(axis=0),
        "W2": g_oa.T @ hs + l21 * np.sign(W2) + 2 * l22 * W2,
        "b2": g_oa.sum(axis=0),
    }


def test_a_right_backward_pass_agrees_and_says_it_is_not_a_proof() -> None:
    result = check("B18", bprop)
    assert result.verdict == "agrees" and result.status == 0, str(result)
    assert "not a proof" in str(result)
    assert (1, 2, 1) in {(d_h, m, K) for _, d_h, m, K in SIZES}  # d_h = 1, m = 2, K = 1


def test_one_example_functions_agree() -> None:
    assert check("B15.W1", lambda grad_ha, x: np.outer(grad_ha, x)).verdict == "agrees"
    assert check("B13", lambda grad_hs, ha: grad_hs * (ha > 0)).verdict == "agrees"
    assert check("B7", lambda os, onehot: os - onehot).verdict == "agrees"
    assert check("B17", lambda grad_ha, W1: W1.T @ grad_ha).verdict == "agrees"
    assert check("B16", lambda grad_ha, X: {"W1": grad_ha.T @ X, "b1": grad_ha.sum(0)}).verdict \
        == "agrees"  # fmt: skip


@pytest.mark.parametrize(
    ("qid", "function", "key"),
    [
        ("B15.W1", lambda grad_hs, x: np.outer(grad_hs, x), "rect' missing"),
        ("B8", lambda os, Y: os - Y, "factor K"),
        ("B10.W2", lambda grad_oa, hs, K: grad_oa.T @ hs / K, "factor 1/K"),
        ("B10.W2", lambda grad_oa, hs: hs.T @ grad_oa, "transposed"),
        ("B12", lambda grad_oa, W2: -(grad_oa @ W2), "sign flipped"),
        ("B14", lambda grad_hs, ha: grad_hs * (ha > 1e-6), "unknown"),
        (
            "B18.W1",
            lambda grad_ha, X, W1, l11, l12: grad_ha.T @ X + l11 * W1 / np.abs(W1) + 2 * l12 * W1,
            "undefined at a kink",
        ),
        (
            "B18.b1",
            lambda grad_ha, b1, l11, l12: grad_ha.sum(0) + l11 * np.sign(b1) + 2 * l12 * b1,
            "bias penalised",
        ),
        (
            "B18.W2",
            lambda grad_oa, hs, W2, l21, l22, K: (
                grad_oa.T @ hs + K * (l21 * np.sign(W2) + 2 * l22 * W2)
            ),
            "penalty per example",
        ),
    ],
)
def test_a_wrong_function_is_caught_and_its_mistake_named(qid, function, key) -> None:
    with np.errstate(invalid="ignore", divide="ignore"):
        result = check(qid, function)
    assert result.verdict == "wrong", str(result)
    assert result.mistake == key, str(result)


def test_a_mask_written_ha_ge_0_differs_only_at_the_kink_a_convention() -> None:
    def mask_ge(X, y, W1, b1, W2, b2, l11, l12, l21, l22):
        ha, _, g_oa = forward(X, y, W1, b1, W2, b2)
        g_ha = (g_oa @ W2) * (ha >= 0)
        grads = bprop(X, y, W1, b1, W2, b2, l11, l12, l21, l22)
        grads["W1"] = g_ha.T @ X + l11 * np.sign(W1) + 2 * l12 * W1
        grads["b1"] = g_ha.sum(axis=0)
        return grads

    result = check("B18", mask_ge)
    assert result.verdict == "convention" and result.mistake == "kink", str(result)
    assert "exactly at 0" in result.counterexample.where


def test_one_wrong_entry_out_of_many_is_enough_to_fail() -> None:
    def almost(grad_ha, X):
        g = grad_ha.T @ X
        g[-1, -1] += 1e-6
        return g

    result = check("B16.W1", almost)
    assert result.verdict == "wrong" and result.counterexample.differ == 1


def test_the_package_itself_is_compared_with_finite_differences() -> None:
    point = Point(3, 4, 3, 5, seed=0, penalty=True)
    for name, wrt in (("W1", "W1"), ("b2", "b2"), ("x", "x"), ("grad_ha", "ha")):
        fd, skip = point.finite_differences(wrt)
        assert not skip.all()
        gap = np.abs(fd - point.reference(name))[~skip]
        assert gap.max() < 1e-6, name
    kinked = Point(3, 4, 3, 3, seed=91, kink="at")
    assert (kinked.net.ha == 0).any()
    assert kinked.finite_differences("b1")[1][0]  # the unit at the kink is left out


def test_a_function_with_other_argument_names_is_refused_clearly() -> None:
    with pytest.raises(TypeError, match="takes 'grad_W1', which this question does not give"):
        check("B16.W1", lambda grad_W1: grad_W1)
    with pytest.raises(TypeError, match="must name its arguments"):
        check("B16.W1", lambda *arrays: arrays[0])
    with pytest.raises(TypeError, match="has no numeric form"):
        check("B4", lambda oa: oa)
    with pytest.raises(TypeError, match="wants a dict with the keys"):
        check("B18", lambda grad_ha, X: grad_ha.T @ X)
