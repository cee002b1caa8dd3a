"""Tests for mlp.gradcheck: finite differences, the report, kink detection, catching bugs."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mlp.network
from mlp.data import balanced_examples
from mlp.gradcheck import (
    GradCheckReport,
    GradCheckRow,
    central_difference,
    check_gradients,
    default_abs_tol,
    finite_difference_gradients,
    numeric_gradient,
)
from mlp.network import MLP, LoopMLP


def small_problem(n: int, seed: int = 0, cls=MLP, **lambdas):
    """The homework's check: d = 2, d_h = 2, two classes, n examples."""
    rng = np.random.default_rng(seed)
    return cls(2, 2, 2, seed=seed, **lambdas), rng.normal(size=(n, 2)), np.arange(n) % 2


def by_name(report) -> dict[str, GradCheckRow]:
    return {row.name: row for row in report.rows}


# --- the homework's display ----------------------------------------------------------------


@pytest.mark.parametrize("cls", [MLP, LoopMLP])
@pytest.mark.parametrize("n", [1, 10])
def test_report_on_a_d2_dh2_net_has_all_ratios_within_one_percent(cls, n):
    net, X, y = small_problem(n, seed=0, cls=cls)
    report = check_gradients(net, X, y, eps=1e-5, method="forward")
    assert [row.name for row in report.rows] == [
        "W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "b1[0]", "b1[1]",
        "W2[0,0]", "W2[0,1]", "W2[1,0]", "W2[1,1]", "b2[0]", "b2[1]",
    ]  # fmt: skip
    ratios = [row.ratio for row in report.rows]
    assert all(0.99 <= r <= 1.01 for r in ratios), ratios  # no NaN: every unit is active here
    assert report.passed()
    assert not any(row.skipped for row in report.rows)


def test_finite_differences_match_bprop_and_central_is_more_accurate_than_forward():
    net, X, y = small_problem(10, seed=1, l11=0.01, l12=0.02, l21=0.03, l22=0.04)
    net.fprop(X, y)
    analytic = net.bprop()
    forward = finite_difference_gradients(net, X, y, eps=1e-5, method="forward")
    central = finite_difference_gradients(net, X, y, eps=1e-5, method="central")
    for name, g in analytic.items():
        assert forward[name].shape == central[name].shape == g.shape
        assert forward[name].dtype == np.float64
        np.testing.assert_allclose(forward[name], g, rtol=1e-3, atol=1e-6)
        np.testing.assert_allclose(central[name], g, rtol=1e-8, atol=1e-11)
    forward_error = max(np.abs(forward[k] - analytic[k]).max() for k in analytic)
    central_error = max(np.abs(central[k] - analytic[k]).max() for k in analytic)
    assert central_error < forward_error / 100


def test_every_parameter_is_restored_exactly_and_the_state_is_the_base_point():
    net, X, y = small_problem(10, seed=2, l11=0.1)
    before = {name: p.copy() for name, p in net.params().items()}
    live = net.params()
    base_value = net.fprop(X, y)
    base_os = net.os.copy()
    check_gradients(net, X, y, method="central")
    for name, p in net.params().items():
        assert p is live[name]  # perturbed in place, not replaced
        np.testing.assert_array_equal(p, before[name])
    np.testing.assert_array_equal(net.os, base_os)
    assert net.fprop(X, y) == base_value


# --- kinks -----------------------------------------------------------------------------------


def test_kink_detector_flags_a_point_sitting_on_a_relu_kink():
    net, X, y = small_problem(3, seed=3)
    X[0] = [1.0, 0.0]
    net.W1[0, 0], net.b1[0] = 0.5, -0.5  # ha[0, 0] = 0.5 * 1 + W1[0, 1] * 0 - 0.5 = 0 exactly
    net.fprop(X, y)
    assert net.ha[0, 0] == 0.0
    for method in ("forward", "central"):
        report = check_gradients(net, X, y, method=method)
        rows = by_name(report)
        skipped = {row.name for row in report.rows if row.skipped}
        assert skipped == {"W1[0,0]", "b1[0]"}  # the perturbations that move ha[0, 0]
        assert "ReLU kink" in rows["b1[0]"].skip_reason
        assert report.passed()
        if method == "forward":
            # the one-sided slope differs from bprop's rect'(0) = 0: without the detector
            # these rows would be reported as false failures
            assert not rows["b1[0]"].ok(0.01, report.abs_tol)
            assert not rows["W1[0,0]"].ok(0.01, report.abs_tol)
        assert "skipped (ReLU kink" in str(report)


def test_kink_detector_flags_a_zero_weight_only_when_l1_is_active():
    with_l1, X, y = small_problem(4, seed=4, l21=0.1)
    with_l1.W2[1, 0] = 0.0
    row = by_name(check_gradients(with_l1, X, y))["W2[1,0]"]
    assert row.skipped and "L1 kink" in row.skip_reason
    assert row.abs_error == pytest.approx(0.1, rel=1e-3)  # the slope of 0.1 |w| to the right

    without_l1, X, y = small_problem(4, seed=4, l22=0.1)
    without_l1.W2[1, 0] = 0.0
    report = check_gradients(without_l1, X, y)
    assert not by_name(report)["W2[1,0]"].skipped
    assert report.passed()


@settings(max_examples=100, deadline=None)
@given(
    d=st.integers(1, 4),
    d_h=st.integers(1, 4),
    m=st.integers(2, 3),
    n=st.integers(1, 6),
    l11=st.floats(1e-3, 0.5),
    l21=st.floats(1e-3, 0.5),
    method=st.sampled_from(["forward", "central"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_no_false_failures_when_kinks_are_planted(d, d_h, m, n, l11, l21, method, seed):
    rng = np.random.default_rng(seed)
    net = MLP(d, d_h, m, l11=l11, l21=l21, seed=rng)
    X, y = rng.normal(size=(n, d)), rng.integers(0, m, size=n)
    net.W1[-1, -1] = 0.0  # a zero weight under L1 in each layer
    net.W2[0, -1] = 0.0
    j = int(rng.integers(d_h))
    X[0] = 0.0
    X[0, 0] = 1.0
    net.W1[j, 0], net.b1[j] = 0.5, -0.5  # example 0 sits on the kink of unit j
    planted = {f"b1[{j}]", f"W1[{j},0]", f"W2[0,{d_h - 1}]"}
    if net.W1[-1, -1] == 0.0:  # not overwritten by the kink (d = d_h = 1)
        planted.add(f"W1[{d_h - 1},{d - 1}]")
    report = check_gradients(net, X, y, method=method)
    assert planted <= {row.name for row in report.rows if row.skipped}
    assert report.passed(), str(report)


# --- catching wrong gradients ----------------------------------------------------------------


def test_a_wrong_gradient_makes_the_check_fail(monkeypatch):
    net, X, y = small_problem(10, seed=5)
    correct_bprop = net.bprop

    def bprop_with_a_bug(grad_x: bool = False):
        grads = correct_bprop(grad_x)
        grads["W1"] = grads["W1"] * 1.05
        return grads

    monkeypatch.setattr(net, "bprop", bprop_with_a_bug)
    report = check_gradients(net, X, y)
    assert not report.passed()
    assert {row.name for row in report.failures()} == {"W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]"}
    assert str(report).splitlines()[-1].startswith("FAILED")
    assert "FAIL" in report._repr_html_()


def test_forgetting_the_relu_derivative_is_caught(monkeypatch):
    net, X, y = small_problem(10, seed=5)
    net.fprop(X, y)
    assert (net.ha < 0).any()  # some unit is off for some example: the bug matters
    monkeypatch.setattr(mlp.network, "rect_prime", lambda z: np.ones_like(z))
    assert not check_gradients(net, X, y).passed()


def test_forgetting_the_penalty_gradient_is_caught(monkeypatch):
    net, X, y = small_problem(10, seed=5, l12=0.1)
    assert check_gradients(net, X, y).passed()
    monkeypatch.setattr(mlp.network, "penalty_grad", lambda W1, W2, *lambdas: (0 * W1, 0 * W2))
    failures = {row.name[:2] for row in check_gradients(net, X, y).failures()}
    assert failures == {"W1"}


# --- rows and the report ---------------------------------------------------------------------


def test_rows_where_both_derivatives_vanish_have_no_ratio_and_are_judged_by_abs_error():
    both_zero = GradCheckRow("W1[0,0]", 0.0, 3e-12)
    assert both_zero.both_zero and math.isnan(both_zero.ratio)
    assert both_zero.ok(0.01, 1e-8) and both_zero.status(0.01, 1e-8) == "ok (both ~0)"
    assert not both_zero.ok(0.01, 1e-12)  # only the absolute error decides

    only_numeric_zero = GradCheckRow("b1[0]", 0.2, 0.0)
    assert only_numeric_zero.ratio == math.inf and not only_numeric_zero.ok(0.01, 1e-8)
    assert GradCheckRow("b1[0]", 1e-3, 0.0).status(0.01, 1e-8) == "FAIL"

    row = GradCheckRow("b2[1]", 1.0, 0.995)
    assert row.ratio == pytest.approx(1 / 0.995)
    assert row.relative_error == pytest.approx(0.005)
    assert row.ok(0.01, 0.0) and not row.ok(0.001, 0.0)


def test_a_dead_hidden_unit_gives_both_zero_rows_in_a_passing_report():
    net, X, y = small_problem(5, seed=6)
    net.b1[0] = -100.0  # unit 0 never fires
    report = check_gradients(net, X, y)
    rows = by_name(report)
    for name in ("W1[0,0]", "W1[0,1]", "b1[0]", "W2[0,0]", "W2[1,0]"):
        assert rows[name].analytic == rows[name].numeric == 0.0
        assert math.isnan(rows[name].ratio)
    assert report.passed()
    assert "5 both ~0" in report.summary()
    assert "undefined" in str(report)


def test_str_is_an_aligned_table_with_a_summary_line():
    net, X, y = small_problem(10, seed=0)
    report = check_gradients(net, X, y)
    lines = str(report).splitlines()
    header = ["parameter", "analytic", "numeric", "ratio", "rel.", "error", "status"]
    assert lines[0].split() == header
    assert set(lines[1]) == {"-"}
    table = lines[2:-1]
    assert len(table) == net.n_params()
    status_column = lines[0].index("status")
    assert all(line[status_column:].startswith("ok") for line in table)
    ratio_end = lines[0].index("ratio") + len("ratio")
    assert all(re.fullmatch(r"\d\.\d{6}", line[ratio_end - 8 : ratio_end]) for line in table)
    assert lines[-1].startswith("PASSED: 12 parameters, 12 ok, 0 both ~0, 0 skipped")
    assert f"worst relative error {report.worst_relative_error:.2e}" in lines[-1]


def test_html_and_records_hold_one_entry_per_parameter():
    net, X, y = small_problem(10, seed=0)
    report = check_gradients(net, X, y)
    page = report._repr_html_()
    assert page.startswith("<style>table.gradcheck")
    assert page.count("<tr>") == 1 + net.n_params()
    assert "<td>W1[0,1]</td>" in page
    records = report.to_records()
    assert len(records) == net.n_params()
    assert set(records[0]) == {
        "name", "analytic", "numeric", "ratio", "relative_error", "abs_error", "status", "reason",
    }  # fmt: skip
    assert records[0]["name"] == "W1[0,0]" and records[0]["status"] == "ok"
    worst = max(r["relative_error"] for r in records)
    assert report.worst_relative_error == worst
    low, high = report.ratio_range
    assert low == min(r["ratio"] for r in records) and high == max(r["ratio"] for r in records)


def test_default_absolute_tolerance_scales_with_the_gradient_not_with_eps():
    root_eps = math.sqrt(np.finfo(np.float64).eps)
    assert default_abs_tol([0.5, -2.0, 1e-3]) == pytest.approx(2e-4 + root_eps)
    assert default_abs_tol([0.0]) == root_eps
    assert default_abs_tol([1.0], np.float32) == pytest.approx(
        1e-4 + np.finfo(np.float32).eps ** 0.5
    )
    net, X, y = small_problem(2)
    small, large = check_gradients(net, X, y, eps=1e-6), check_gradients(net, X, y, eps=0.5)
    assert large.abs_tol == pytest.approx(small.abs_tol, rel=0.5)  # eps does not widen it
    assert check_gradients(net, X, y, abs_tol=0.0).abs_tol == 0.0


BROKEN_BPROPS = {
    "scaled by 3": lambda grads, net: {k: 3 * v for k, v in grads.items()},
    "sign flipped": lambda grads, net: {k: -v for k, v in grads.items()},
    "-3 times": lambda grads, net: {k: -3 * v for k, v in grads.items()},
    "bias gradients dropped": lambda grads, net: {
        **grads,
        "b1": np.zeros_like(grads["b1"]),
        "b2": np.zeros_like(grads["b2"]),
    },
    "penalty term dropped": lambda grads, net: {**grads, "W1": grads["W1"] - 2 * net.l12 * net.W1},
}


def gradient_regime(regime: str) -> tuple[MLP, np.ndarray, np.ndarray]:
    """An ordinary check (gradients ~0.1), or a confident network whose gradients are ~1e-6."""
    rng = np.random.default_rng(3)
    if regime == "ordinary":
        net = MLP(3, 4, 3, seed=3, l12=0.05)
        return net, rng.normal(size=(5, 3)), np.array([0, 1, 2, 0, 1])
    net = MLP(3, 4, 3, seed=3, l12=1e-6)
    net.b2[...] = [13.0, 0.0, 0.0]  # os_0 = 1 - 5e-6 on the one example, whose label is 0
    return net, rng.normal(size=(1, 3)), np.array([0])


@pytest.mark.parametrize("method", ["forward", "central"])
@pytest.mark.parametrize("regime", ["ordinary", "tiny"])
@pytest.mark.parametrize("broken", list(BROKEN_BPROPS))
def test_a_wrong_bprop_fails_the_check_at_the_default_settings(method, regime, broken, monkeypatch):
    """Wrong gradients fail even where the true ones are about 1e-6, for both methods."""
    net, X, y = gradient_regime(regime)
    net.fprop(X, y)
    largest = max(float(np.abs(g).max()) for g in net.bprop().values())
    assert (largest < 1e-5) == (regime == "tiny")
    assert check_gradients(net, X, y, method=method).passed()  # the true bprop passes
    original = MLP.bprop
    monkeypatch.setattr(
        MLP, "bprop", lambda self, grad_x=False: BROKEN_BPROPS[broken](original(self), self)
    )
    report = check_gradients(net, X, y, method=method)
    assert not report.passed(), report.summary()


@pytest.mark.parametrize("eps", [0.5, 100.0])
def test_a_step_far_too_large_fails_instead_of_passing(eps):
    net, (X, y) = MLP(2, 3, 2, seed=0), balanced_examples(4)
    report = check_gradients(net, X, y, eps=eps)
    assert not report.passed() and report.failures()


def test_a_report_built_from_selected_rows_keeps_the_settings():
    net, X, y = small_problem(10, seed=0)
    report = check_gradients(net, X, y, eps=1e-6, method="central")
    output_layer = report.select("W2", "b2")
    assert [row.name for row in output_layer.rows] == [
        "W2[0,0]", "W2[0,1]", "W2[1,0]", "W2[1,1]", "b2[0]", "b2[1]",
    ]  # fmt: skip
    assert (output_layer.eps, output_layer.method) == (1e-6, "central")
    assert output_layer.abs_tol == report.abs_tol
    rebuilt = GradCheckReport(rows=output_layer.rows, eps=1e-6, method="central")
    assert rebuilt.abs_tol == default_abs_tol(row.numeric for row in output_layer.rows)
    assert rebuilt.passed() and output_layer.passed()
    with pytest.raises(ValueError, match="method must be"):
        GradCheckReport(rows=[], eps=1e-6, method="left")


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"eps": 0.0}, "eps must be a finite number > 0"),
        ({"eps": -1e-5}, "eps must be a finite number > 0"),
        ({"eps": float("nan")}, "eps must be a finite number > 0"),
        ({"method": "backward"}, "method must be 'forward' or 'central'"),
    ],
)
def test_bad_options_raise_clear_errors(kwargs, message):
    net, X, y = small_problem(2)
    with pytest.raises(ValueError, match=message):
        check_gradients(net, X, y, **kwargs)
    with pytest.raises(ValueError, match=message):
        finite_difference_gradients(net, X, y, **kwargs)


def test_bad_batches_are_rejected_before_any_parameter_moves():
    net, X, _ = small_problem(2)
    before = net.W1.copy()
    with pytest.raises(ValueError, match="must hold labels in"):
        check_gradients(net, X, np.array([0, 5]))
    np.testing.assert_array_equal(net.W1, before)


def test_float32_networks_get_a_warning():
    net = MLP(2, 2, 2, seed=0, dtype=np.float32)
    with pytest.warns(UserWarning, match="float32"):
        finite_difference_gradients(net, np.ones((1, 2)), [0], eps=1e-2)


def test_central_difference_of_an_elementwise_function_is_its_derivative() -> None:
    x = np.linspace(-3, 3, 60).reshape(3, 20)
    assert central_difference(np.sin, x, eps=1e-5).shape == x.shape
    np.testing.assert_allclose(central_difference(np.sin, x, eps=1e-5), np.cos(x), atol=1e-9)


def test_numeric_gradient_of_a_scalar_function_matches_its_gradient_and_keeps_x() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    before = x.copy()
    A = rng.normal(size=(4, 4))
    grad = numeric_gradient(lambda v: float(np.sum(v @ A * v)), x, eps=1e-6)
    np.testing.assert_allclose(grad, x @ (A + A.T), atol=1e-8)
    assert np.array_equal(x, before)


@pytest.mark.parametrize("helper", [central_difference, numeric_gradient])
def test_finite_difference_helpers_refuse_a_step_that_is_not_positive(helper) -> None:
    with pytest.raises(ValueError, match="eps"):
        helper(np.sin, np.zeros(2), eps=0.0)
