"""The fused SGD step (``mlp.fused``) computes what the chapters' step computes.

``MLP.sgd_step`` (checks, then the fused kernel) is compared with ``fprop_bprop_step``
(``fprop``, ``bprop``, ``theta -= lr * grad``, the code the chapters show), in float32 and
float64, with and without the elastic net; training (``mlp.train``) runs it.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import LAMBDAS, NO_LAMBDAS, TOLERANCE, make_data

import mlp.network
from mlp.data import Splits
from mlp.elastic_net import penalty
from mlp.network import MLP, LoopMLP, fprop_bprop_step
from mlp.train import TrainingDiverged, run_epoch, train


def readable_step(net: MLP, X: np.ndarray, y: np.ndarray, lr: float) -> tuple[float, int]:
    """fprop, bprop and theta -= lr * grad, written out here independently of the package."""
    net.fprop(X, y)
    loss_sum, errors = float(net.L.sum()), int(np.count_nonzero(net.os.argmax(axis=1) != y))
    grads = net.bprop()
    for name, theta in net.params().items():
        theta -= lr * grads[name]
    return loss_sum, errors


def assert_same_params(a: dict, b: dict, dtype: type) -> None:
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(a[name], b[name], **TOLERANCE[dtype], err_msg=name)


# --- the fused step equals fprop, bprop and the update ---------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lambdas", [NO_LAMBDAS, LAMBDAS], ids=["no-penalty", "elastic-net"])
def test_fused_step_matches_fprop_bprop_and_update(dtype, lambdas):
    X, y = make_data(230, 12, 4, seed=1)
    X = X.astype(dtype)
    reference = MLP(12, 9, 4, seed=3, dtype=dtype, **lambdas)
    fused = reference.copy()
    for start in range(0, 230, 64):  # the last minibatch has 38 rows, fewer than the buffers
        rows = slice(start, start + 64)
        expected = readable_step(reference, X[rows], y[rows], 0.3)
        loss_sum, errors = fused.sgd_step(X[rows], y[rows], 0.3)
        assert errors == expected[1]
        assert loss_sum == pytest.approx(expected[0], **{"rel": TOLERANCE[dtype]["rtol"]})
        assert_same_params(fused.params(), reference.params(), dtype)


def test_sgd_step_reports_loss_and_errors_of_the_parameters_before_the_step():
    X, y = make_data(50, 6, 3, seed=2)
    net = MLP(6, 5, 3, seed=0, **LAMBDAS)
    before = net.copy()
    risk = before.fprop(X, y)
    loss_sum, errors = net.sgd_step(X, y, 0.5)
    assert loss_sum / 50 == pytest.approx(
        risk - penalty(before.W1, before.W2, *before.lambdas), rel=1e-12
    )
    assert errors == np.count_nonzero(before.predict(X) != y)
    assert not np.array_equal(net.W1, before.W1)


def test_sgd_step_with_a_tiny_learning_rate_moves_along_minus_the_gradient():
    X, y = make_data(40, 5, 3, seed=4)
    net = MLP(5, 4, 3, seed=1, **LAMBDAS)
    before = net.copy()
    before.fprop(X, y)
    grads = before.bprop()
    net.sgd_step(X, y, 1e-3)
    for name, value in net.params().items():
        np.testing.assert_allclose(
            (before.params()[name] - value) / 1e-3, grads[name], rtol=1e-9, atol=1e-12
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_step_counts_ties_for_the_maximum_as_argmax_does(dtype):
    X, y = make_data(60, 5, 4, seed=5)
    X = X.astype(dtype)
    net = MLP(5, 3, 4, seed=0, dtype=dtype)
    net.W2[...] = 0  # every class gets the score b2 = 0: a four-way tie in every example
    expected = np.count_nonzero(y != 0)  # argmax picks class 0
    reference = net.copy()
    assert net.sgd_step(X, y, 0.1)[1] == expected == readable_step(reference, X, y, 0.1)[1]
    net.W2[...], net.b2[...] = 0, [0.0, 1.0, 1.0, -1.0]  # a tie between classes 1 and 2
    expected = np.count_nonzero(y != 1)
    assert net.sgd_step(X, y, 0.1)[1] == expected


def test_fused_step_keeps_float32_everywhere():
    X, y = make_data(70, 8, 3)
    net = MLP(8, 6, 3, seed=0, dtype=np.float32, **LAMBDAS)
    net.sgd_step(X.astype(np.float32), y, 0.1)
    assert all(p.dtype == np.float32 for p in net.params().values())
    buffers = net._buffers.get(70, net.W1, net.W2)  # the arrays the step wrote into
    floats = [array.dtype for array in buffers if array.dtype.kind == "f"]
    assert len(floats) == 8 and set(floats) == {np.dtype(np.float32)}, floats


def test_readable_path_keeps_float32_in_every_intermediate():
    X, y = make_data(30, 8, 3)
    net = MLP(8, 6, 3, seed=0, dtype=np.float32, **LAMBDAS)
    net.fprop(X.astype(np.float32), y)
    grads = net.bprop(grad_x=True)
    names = ("ha", "hs", "oa", "os", "L", "grad_oa", "grad_W2", "grad_b2", "grad_hs")
    names += ("grad_ha", "grad_W1", "grad_b1", "grad_x")
    for name in names:
        assert getattr(net, name).dtype == np.float32, name
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


def test_bprop_without_penalty_returns_the_data_gradients_themselves():
    X, y = make_data(20, 4, 3)
    net = MLP(4, 3, 3, seed=0)
    net.fprop(X, y)
    grads = net.bprop()
    assert grads["W1"] is net.grad_W1 and grads["W2"] is net.grad_W2
    penalized = MLP(4, 3, 3, seed=0, l12=0.1)
    penalized.fprop(X, y)
    np.testing.assert_allclose(penalized.bprop()["W1"], grads["W1"] + 0.2 * net.W1)


def test_loop_network_steps_with_its_own_fprop_and_bprop(monkeypatch):
    X, y = make_data(12, 4, 3)
    loop, matrix = LoopMLP(4, 3, 3, seed=0, **LAMBDAS), MLP(4, 3, 3, seed=0, **LAMBDAS)
    calls = []
    original = LoopMLP.bprop_example
    monkeypatch.setattr(
        LoopMLP, "bprop_example", lambda self, *a: calls.append(1) or original(self, *a)
    )
    loop_result = loop.sgd_step(X, y, 0.2)
    matrix_result = matrix.sgd_step(X, y, 0.2)
    assert len(calls) == 12  # one per example: the loop version really ran
    assert loop_result[1] == matrix_result[1]
    assert loop_result[0] == pytest.approx(matrix_result[0], rel=1e-12)
    assert_same_params(loop.params(), matrix.params(), np.float64)


def test_step_buffers_follow_new_parameter_shapes_and_are_not_shared_by_copies():
    X, y = make_data(20, 4, 3)
    net = MLP(4, 3, 3, seed=0)
    net.sgd_step(X, y, 0.1)
    clone = net.copy()
    clone.sgd_step(X, y, 0.1)
    assert (
        clone._buffers.get(20, clone.W1, clone.W2)[7] is not net._buffers.get(20, net.W1, net.W2)[7]
    )
    rng = np.random.default_rng(0)
    net.W1, net.b1, net.W2 = rng.normal(size=(7, 4)), np.zeros(7), rng.normal(size=(3, 7))
    reference = net.copy()
    net.sgd_step(X, y, 0.1)
    readable_step(reference, X, y, 0.1)
    assert_same_params(net.params(), reference.params(), np.float64)


@pytest.mark.parametrize(
    ("X", "y", "lr", "error", "message"),
    [
        (np.zeros((5, 3)), np.zeros(5, int), 0.1, ValueError, "columns"),
        (np.full((5, 4), np.nan), np.zeros(5, int), 0.1, ValueError, "NaN"),
        (np.zeros((5, 4)), np.full(5, 3), 0.1, ValueError, "labels"),
        (np.zeros((5, 4)), np.zeros(4, int), 0.1, ValueError, "shape"),
        (np.zeros((5, 4)), np.zeros(5, int), 0.0, ValueError, "lr"),
        (np.zeros((5, 4)), np.zeros(5, int), float("inf"), ValueError, "lr"),
        (np.zeros((5, 4)), np.zeros(5, int), "0.1", TypeError, "lr"),
    ],
)
def test_sgd_step_rejects_bad_input(X, y, lr, error, message):
    net = MLP(4, 3, 3, seed=0)
    W1 = net.W1.copy()
    with pytest.raises(error, match=message):
        net.sgd_step(X, y, lr)
    np.testing.assert_array_equal(net.W1, W1)


def test_fprop_bprop_step_is_the_readable_step_and_reports_its_totals():
    X, y = make_data(40, 5, 3, seed=6)
    net = MLP(5, 4, 3, seed=2, **LAMBDAS)
    reference = net.copy()
    assert fprop_bprop_step(net, X, y, 0.3) == readable_step(reference, X, y, 0.3)
    assert_same_params(net.params(), reference.params(), np.float64)


def test_a_subclass_can_step_with_its_own_broken_bprop():
    """Each class says how it steps: a network whose bprop freezes the hidden layer trains
    through that bprop, not through the fused kernel (chapter C7 relies on this)."""

    class FrozenHidden(MLP):
        def bprop(self, grad_x=False):
            grads = super().bprop(grad_x)
            return {**grads, "W1": np.zeros_like(self.W1), "b1": np.zeros_like(self.b1)}

        def sgd_step_unchecked(self, X, y, lr):
            return fprop_bprop_step(self, X, y, lr)

    X, y = make_data(40, 5, 3, seed=6)
    net = FrozenHidden(5, 4, 3, seed=2)
    W1 = net.W1.copy()
    net.sgd_step(X, y, 0.5)
    np.testing.assert_array_equal(net.W1, W1)
    assert not np.allclose(net.W2, MLP(5, 4, 3, seed=2).W2)


# --- training steps with the network's own step -----------------------------------------------


@pytest.mark.parametrize("cls", [MLP, LoopMLP])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_run_epoch_matches_an_epoch_of_readable_steps(cls, dtype):
    X, y = make_data(150, 7, 3, seed=8)
    X = X.astype(dtype)
    readable = MLP(7, 5, 3, seed=2, dtype=dtype, **LAMBDAS)
    net = cls(7, 5, 3, seed=2, dtype=dtype, **LAMBDAS)
    for _ in range(2):
        order = np.random.default_rng(4).permutation(150)
        errors, loss_sum = 0, 0.0
        for start in range(0, 150, 32):
            batch = order[start : start + 32]
            batch_loss, batch_errors = readable_step(readable, X[batch], y[batch], 0.2)
            errors, loss_sum = errors + batch_errors, loss_sum + batch_loss
        stats = run_epoch(net, X, y, batch_size=32, lr=0.2, rng=np.random.default_rng(4))
        assert (stats.errors, stats.n) == (errors, 150)
        assert stats.loss_sum == pytest.approx(loss_sum, rel=TOLERANCE[dtype]["rtol"])
    assert_same_params(net.params(), readable.params(), dtype)


def test_train_runs_the_fused_step(monkeypatch):
    X, y = make_data(120, 4, 3)
    calls = []
    original = mlp.network.fused_sgd_step
    monkeypatch.setattr(
        mlp.network,
        "fused_sgd_step",
        lambda net, X, *a: calls.append(len(X)) or original(net, X, *a),
    )
    splits = Splits(X[:100], y[:100], X[100:], y[100:])
    train(MLP(4, 3, 3, seed=0), splits, epochs=2, batch_size=40, lr=0.1, progress=False)
    assert calls == [40, 40, 20] * 2


def test_run_epoch_stops_with_training_diverged_when_the_loss_overflows():
    X, y = make_data(30, 4, 3)
    net = MLP(4, 3, 3, seed=0)
    net.W2[...] = 1e300  # scores overflow to inf: the loss is not finite
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match="lower the learning"):
        run_epoch(net, X, y, batch_size=10, lr=0.1, rng=np.random.default_rng(0))


@pytest.mark.parametrize(
    ("X", "y", "error", "message"),
    [
        (np.zeros((6, 5)), np.zeros(6, int), ValueError, "columns"),
        (np.zeros((6, 4), bool), np.zeros(6, int), TypeError, "real numbers"),
        (np.full((6, 4), np.nan), np.zeros(6, int), ValueError, "NaN"),
        (np.zeros((6, 4)), np.full(6, 7), ValueError, "must hold labels in"),
    ],
)
def test_run_epoch_checks_the_data_once(X, y, error, message):
    with pytest.raises(error, match=message):
        run_epoch(MLP(4, 3, 3), X, y, batch_size=3, lr=0.1, rng=np.random.default_rng(0))
