"""Tests of the layer stack (mlp.layers, losses, optimizers, fit), mlp.linear_softmax, mlp.lab.

Every analytic gradient is compared entry by entry with central finite differences in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import require
from numpy.typing import NDArray

from mlp import data, fit, lab, linear_softmax
from mlp.layers import Dense, Sequential
from mlp.losses import BinaryCrossEntropyWithLogits, MeanSquaredError, SoftmaxCrossEntropy
from mlp.network import MLP
from mlp.optimizers import SGD, Adam

EPS = 1e-6


def central_differences(f: Callable[[], float], array: NDArray, eps: float = EPS) -> NDArray:
    """d f / d array by central differences, moving each entry of ``array`` in place."""
    grad = np.zeros(array.shape)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + eps
        up = f()
        array[index] = original - eps
        down = f()
        array[index] = original
        grad[index] = (up - down) / (2 * eps)
    return grad


def assert_close(analytic: NDArray, numeric: NDArray, what: str) -> None:
    scale = max(1.0, float(np.max(np.abs(numeric))))
    error = float(np.max(np.abs(analytic - numeric)))
    assert error <= 1e-6 * scale, f"{what}: max |analytic - numeric| = {error:.2e}"


# --- Dense and Sequential: gradients ----------------------------------------------------------


@pytest.mark.parametrize("activation", ["linear", "relu", "sigmoid", "tanh"])
def test_dense_bprop_matches_central_differences(activation: str) -> None:
    rng = np.random.default_rng(1)
    layer = Dense(5, 4, activation, seed=2, dtype=np.float64)
    layer.b[:] = rng.normal(size=4)
    X = rng.normal(size=(6, 5))
    # a step of 1e-6 moves Z by less than 1e-5: no ReLU kink can be crossed
    assert np.abs(X @ layer.W + layer.b).min() > 1e-3
    R = rng.normal(size=(6, 4))

    def loss() -> float:
        return float(np.sum(layer.forward(X) * R))  # dL/dA = R

    layer.fprop(X)
    grad_X = layer.bprop(R)
    assert_close(layer.grad_W, central_differences(loss, layer.W), f"{activation} grad_W")
    assert_close(layer.grad_b, central_differences(loss, layer.b), f"{activation} grad_b")
    assert_close(grad_X, central_differences(loss, X), f"{activation} grad_X")


LOSSES = {
    "mse": (MeanSquaredError(), lambda rng, n, k: rng.normal(size=(n, k))),
    "bce": (BinaryCrossEntropyWithLogits(), lambda rng, n, k: rng.uniform(size=(n, k))),
    "softmax-ce": (SoftmaxCrossEntropy(), lambda rng, n, k: rng.integers(0, k, size=n)),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_sequential_bprop_matches_central_differences_for_each_loss(name: str) -> None:
    loss, make_target = LOSSES[name]
    rng = np.random.default_rng(3)
    model = Sequential(
        [
            Dense(4, 5, "tanh", seed=1, dtype=np.float64),
            Dense(5, 6, "sigmoid", seed=2, dtype=np.float64),
            Dense(6, 3, "linear", init=0.5, seed=3, dtype=np.float64),
        ]
    )
    X = rng.normal(size=(7, 4))
    Y = make_target(rng, 7, 3)

    def value() -> float:
        return loss.value(model.forward(X), Y)

    output = model.fprop(X)
    grad_X = model.bprop(loss.grad(output, Y))
    for k, (param, grad) in enumerate(zip(model.parameters(), model.gradients(), strict=True)):
        assert_close(grad, central_differences(value, param), f"{name} parameter {k}")
    assert_close(grad_X, central_differences(value, X), f"{name} grad_X")


def test_relu_stack_bprop_matches_central_differences() -> None:
    rng = np.random.default_rng(4)
    model = Sequential(
        [
            Dense(6, 8, "relu", init="he", seed=5, dtype=np.float64),
            Dense(8, 6, seed=6, dtype=np.float64),
        ]
    )
    X = rng.normal(size=(5, 6))
    Y = rng.normal(size=(5, 6))
    loss = MeanSquaredError()
    Z = X @ model.layers[0].W
    assert np.abs(Z).min() > 10 * EPS * np.abs(X).sum(axis=1).max()  # no kink within the step

    def value() -> float:
        return loss.value(model.forward(X), Y)

    model.bprop(loss.grad(model.fprop(X), Y))
    for k, (param, grad) in enumerate(zip(model.parameters(), model.gradients(), strict=True)):
        assert_close(grad, central_differences(value, param), f"relu stack parameter {k}")


def test_softmax_cross_entropy_stack_agrees_with_the_mlp_of_part_b() -> None:
    rng = np.random.default_rng(5)
    net = MLP(7, 5, 4, seed=0)
    model = Sequential(
        [Dense(7, 5, "relu", dtype=np.float64), Dense(5, 4, "linear", dtype=np.float64)]
    )
    model.layers[0].W[:] = net.W1.T
    model.layers[1].W[:] = net.W2.T
    model.layers[0].b[:] = net.b1 = rng.normal(size=5)
    model.layers[1].b[:] = net.b2 = rng.normal(size=4)
    X, y = rng.normal(size=(9, 7)), rng.integers(0, 4, size=9)
    loss = SoftmaxCrossEntropy()
    output = model.fprop(X)
    assert loss.value(output, y) == pytest.approx(net.fprop(X, y), rel=1e-12)
    model.bprop(loss.grad(output, y))
    grads = net.bprop()
    np.testing.assert_allclose(model.layers[0].grad_W, grads["W1"].T, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(model.layers[1].grad_W, grads["W2"].T, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(model.layers[0].grad_b, grads["b1"], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(model.layers[1].grad_b, grads["b2"], rtol=1e-10, atol=1e-14)


def test_forward_equals_fprop_and_float32_stays_float32() -> None:
    rng = np.random.default_rng(6)
    model = Sequential([Dense(3, 4, "relu", seed=0), Dense(4, 2, "sigmoid", seed=1)])
    X = rng.normal(size=(10, 3))
    out = model.fprop(X)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(model.forward(X, batch_size=3), out)
    assert model.bprop(np.ones_like(out)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in model.gradients())
    assert model.n_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_glorot_and_he_initialisations_have_their_documented_scale() -> None:
    glorot = Dense(300, 200, seed=0, dtype=np.float64).W
    assert np.abs(glorot).max() <= np.sqrt(6 / 500)
    assert glorot.std() == pytest.approx(np.sqrt(6 / 500) / np.sqrt(3), rel=0.02)
    he = Dense(300, 200, "relu", init="he", seed=0, dtype=np.float64).W
    assert he.std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)
    assert not Dense(3, 2, init=0.0).W.any()


# --- losses -----------------------------------------------------------------------------------


def test_mse_is_the_mean_over_all_entries_with_gradient_2_diff_over_size() -> None:
    out = np.array([[1.0, 2.0], [3.0, 5.0]])
    target = np.array([[0.0, 2.0], [1.0, 1.0]])
    assert MeanSquaredError().value(out, target) == pytest.approx((1 + 0 + 4 + 16) / 4)
    np.testing.assert_allclose(MeanSquaredError().grad(out, target), 2 * (out - target) / 4)


def test_bce_from_logits_is_exact_and_finite_at_plus_minus_1e4() -> None:
    bce = BinaryCrossEntropyWithLogits()
    z = np.array([[1e4, 1e4, -1e4, -1e4]])
    y = np.array([[1.0, 0.0, 1.0, 0.0]])
    # per entry softplus(z) - y z: 0, 1e4, 1e4, 0
    assert bce.value(z, y) == pytest.approx((0 + 1e4 + 1e4 + 0) / 4, rel=1e-15)
    grad = bce.grad(z, y)
    assert np.all(np.isfinite(grad))
    np.testing.assert_array_equal(grad, np.array([[0.0, 1.0, -1.0, 0.0]]) / 4)
    z32 = z.astype(np.float32)
    assert np.isfinite(bce.value(z32, y)) and bce.grad(z32, y).dtype == np.float32
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        p = 1 / (1 + np.exp(-z))
        naive = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert not np.all(np.isfinite(naive))  # the textbook formula breaks down here


def test_bce_from_logits_matches_the_probability_formula_for_moderate_logits() -> None:
    rng = np.random.default_rng(7)
    z, y = rng.normal(scale=3, size=(6, 5)), rng.uniform(size=(6, 5))
    p = 1 / (1 + np.exp(-z))
    expected = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert BinaryCrossEntropyWithLogits().value(z, y) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(BinaryCrossEntropyWithLogits().grad(z, y), (p - y) / z.size)


def test_softmax_cross_entropy_is_stable_for_huge_logits() -> None:
    z = np.array([[1e4, 0.0, -1e4], [0.0, 0.0, 0.0]])
    y = np.array([1, 2])
    value = SoftmaxCrossEntropy().value(z, y)
    assert value == pytest.approx((1e4 + np.log(3)) / 2)
    assert np.all(np.isfinite(SoftmaxCrossEntropy().grad(z, y)))


def test_losses_reject_bad_targets() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        BinaryCrossEntropyWithLogits().value(np.zeros((2, 2)), np.full((2, 2), 1.5))
    with pytest.raises(ValueError, match="same shape"):
        MeanSquaredError().value(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"y must hold labels in \[0, 3\)"):
        SoftmaxCrossEntropy().value(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(TypeError, match="integer labels"):
        SoftmaxCrossEntropy().value(np.zeros((2, 3)), np.array([0.0, 1.0]))


# --- optimisers -------------------------------------------------------------------------------


def test_sgd_steps_against_the_gradient() -> None:
    p = np.array([1.0, -2.0])
    SGD([p], lr=0.5).step([np.array([2.0, -4.0])])
    np.testing.assert_array_equal(p, [0.0, 0.0])


def test_sgd_momentum_accumulates_velocity() -> None:
    p = np.array([0.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step([np.array([1.0])])  # v = -0.1, p = -0.1
    opt.step([np.array([1.0])])  # v = 0.9 (-0.1) - 0.1 = -0.19, p = -0.29
    np.testing.assert_allclose(p, [-0.29])


def test_adam_first_steps_match_the_formulas() -> None:
    p = np.array([1.0, 1.0])
    opt = Adam([p], lr=0.1, eps=1e-8)
    g1 = np.array([4.0, -0.001])
    opt.step([g1])
    # after bias correction m_hat = g and v_hat = g^2: the first step is lr g / (|g| + eps),
    # about lr sign(g) whatever the size of g
    first = 1 - 0.1 * g1 / (np.abs(g1) + 1e-8)
    np.testing.assert_allclose(p, first, rtol=1e-14)
    np.testing.assert_allclose(p, 1 - 0.1 * np.sign(g1), rtol=1e-5)
    g2 = np.array([2.0, 1.0])
    opt.step([g2])
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.999 * 0.001 * g1**2 + 0.001 * g2**2
    expected = first - 0.1 * (m / (1 - 0.9**2)) / (np.sqrt(v / (1 - 0.999**2)) + 1e-8)
    np.testing.assert_allclose(p, expected, rtol=1e-12)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.5), lambda p: Adam(p, 0.05)])
def test_optimisers_minimise_a_quadratic(make: Callable) -> None:
    target = np.array([3.0, -1.0, 0.5])
    p = np.zeros(3)
    opt = make([p])
    for _ in range(2000):
        opt.step([2 * (p - target)])
    np.testing.assert_allclose(p, target, atol=1e-3)


def test_optimisers_reject_mismatched_gradients_and_bad_settings() -> None:
    p = np.zeros(3)
    with pytest.raises(ValueError, match="shape"):
        SGD([p]).step([np.zeros(2)])
    with pytest.raises(ValueError, match="expected 1 gradients"):
        Adam([p]).step([np.zeros(3), np.zeros(3)])
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        SGD([p], lr=-1.0)
    with pytest.raises(ValueError, match="momentum"):
        SGD([p], momentum=1.0)


# --- fit --------------------------------------------------------------------------------------


def test_fit_learns_a_linear_map_and_records_one_validation_loss_per_epoch() -> None:
    rng = np.random.default_rng(8)
    A = rng.normal(size=(4, 3))
    X = rng.normal(size=(512, 4)).astype(np.float32)
    Y = X @ A
    Xv = rng.normal(size=(64, 4)).astype(np.float32)
    model = Sequential([Dense(4, 3, seed=0)])
    history = fit.fit(
        model,
        MeanSquaredError(),
        Adam(model.parameters(), 0.05),
        X,
        Y,
        epochs=30,
        batch_size=32,
        validation=(Xv, Xv @ A),
    )
    assert history.epochs == 30 and len(history.valid_loss) == 30 and len(history.seconds) == 30
    assert history.valid_loss[-1] < 1e-3 * history.valid_loss[0]
    np.testing.assert_allclose(model.layers[0].W, A, atol=0.02)


def test_fit_corrupts_inputs_only_and_is_reproducible() -> None:
    rng = np.random.default_rng(9)
    X = (rng.normal(size=(100, 5)) + 3.0).astype(np.float32)
    sizes: list[int] = []

    def erase(batch: NDArray, gen: np.random.Generator) -> NDArray:
        sizes.append(len(batch))
        return np.zeros_like(batch)  # the model sees nothing of its inputs

    def run() -> Sequential:
        model = Sequential([Dense(5, 5, seed=1)])
        fit.fit(
            model,
            MeanSquaredError(),
            SGD(model.parameters(), 0.5),
            X,
            X,
            epochs=40,
            batch_size=30,
            corrupt=erase,
            seed=3,
        )
        return model

    first, second = run(), run()
    np.testing.assert_array_equal(first.layers[0].b, second.layers[0].b)
    assert sum(sizes) == 2 * 40 * 100  # every example of every epoch went through corrupt
    # with erased inputs the best output is the mean target: the targets were not erased
    np.testing.assert_allclose(first.layers[0].b, X.mean(axis=0), atol=0.1)
    noise = fit.gaussian_noise(0.4)(np.zeros((20000, 1), np.float32), np.random.default_rng(0))
    assert noise.std() == pytest.approx(0.4, rel=0.03) and noise.dtype == np.float32


def test_fit_refuses_an_optimizer_built_on_other_arrays() -> None:
    model = Sequential([Dense(2, 2)])
    other = SGD([np.zeros((2, 2), np.float32), np.zeros(2, np.float32)])
    with pytest.raises(ValueError, match=r"model\.parameters"):
        fit.fit(model, MeanSquaredError(), other, np.zeros((4, 2)), np.zeros((4, 2)), epochs=1)


def test_fit_stops_when_the_loss_diverges() -> None:
    X = np.random.default_rng(0).normal(size=(64, 3)) * 100
    model = Sequential([Dense(3, 3, seed=0, dtype=np.float64)])
    with pytest.raises(FloatingPointError, match="lower the lr"), np.errstate(all="ignore"):
        fit.fit(model, MeanSquaredError(), SGD(model.parameters(), 10.0), X, X, epochs=50)


def test_layers_reject_bad_shapes_values_and_settings() -> None:
    with pytest.raises(ValueError, match="activation"):
        Dense(2, 2, "softmax")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expects 4"):
        Sequential([Dense(2, 3), Dense(4, 1)])
    with pytest.raises(TypeError, match="dtype"):
        Sequential([Dense(2, 3), Dense(3, 1, dtype=np.float64)])
    with pytest.raises(ValueError, match="3 columns"):
        Dense(3, 1).fprop(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        Dense(2, 1).fprop(np.array([[np.nan, 0.0]]))
    with pytest.raises(RuntimeError, match="fprop"):
        Dense(2, 1).bprop(np.zeros((1, 1)))
    with pytest.raises(ValueError, match="init"):
        Dense(2, 1, init="xavier")  # type: ignore[arg-type]


# --- the lab's linear softmax classifier ------------------------------------------------------


def test_linear_softmax_has_7850_parameters() -> None:
    W, b = linear_softmax.init_params(784, 10, seed=0)
    assert W.shape == (784, 10) and b.shape == (10,)
    assert linear_softmax.n_params(W, b) == 7850


def test_linear_softmax_gradients_match_central_differences() -> None:
    rng = np.random.default_rng(10)
    W, b = linear_softmax.init_params(6, 4, std=0.7, seed=1, dtype=np.float64)
    b[:] = rng.normal(size=4)
    X, y = rng.normal(size=(9, 6)), rng.integers(0, 4, size=9)

    def value() -> float:
        return linear_softmax.risk(W, b, X, y, weight_decay=0.3)

    grad_W, grad_b = linear_softmax.gradients(W, b, X, y, weight_decay=0.3)
    assert_close(grad_W, central_differences(value, W), "linear softmax grad_W")
    assert_close(grad_b, central_differences(value, b), "linear softmax grad_b")


def test_per_example_training_is_sgd_on_one_example_at_a_time() -> None:
    rng = np.random.default_rng(11)
    X, y = rng.normal(size=(40, 6)), rng.integers(0, 3, size=40)
    W, b = linear_softmax.init_params(6, 3, seed=2, dtype=np.float64)
    W_ref, b_ref = W.copy(), b.copy()
    log = linear_softmax.train_per_example(
        W, b, X, y, lr=0.05, weight_decay=0.01, log_every=15, evaluate_on={"train": (X, y)}
    )
    for i in range(len(X)):
        grad_W, grad_b = linear_softmax.gradients(W_ref, b_ref, X[i : i + 1], y[i : i + 1], 0.01)
        W_ref -= 0.05 * grad_W
        b_ref -= 0.05 * grad_b
    np.testing.assert_allclose(W, W_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b, b_ref, rtol=1e-12, atol=1e-14)
    assert log.steps == [0, 15, 30, 40]
    assert log.accuracy["train"][-1] == linear_softmax.accuracy(W, b, X, y)


def test_per_example_training_with_more_steps_than_examples_cycles_in_order() -> None:
    rng = np.random.default_rng(15)
    X, y = rng.normal(size=(10, 4)), rng.integers(0, 3, size=10)
    W, b = linear_softmax.init_params(4, 3, seed=1, dtype=np.float64)
    W_ref, b_ref = W.copy(), b.copy()
    log = linear_softmax.train_per_example(W, b, X, y, lr=0.1, steps=25, log_every=10)
    rows = np.resize(np.arange(10), 25)  # 0..9, 0..9, 0..4
    for i in rows:
        grad_W, grad_b = linear_softmax.gradients(W_ref, b_ref, X[i : i + 1], y[i : i + 1], 1e-4)
        W_ref -= 0.1 * grad_W
        b_ref -= 0.1 * grad_b
    np.testing.assert_allclose(W, W_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b, b_ref, rtol=1e-12, atol=1e-14)
    assert log.steps == [0, 10, 20, 25]
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        linear_softmax.train_per_example(W, b, X, y, steps=0)


def test_a_descent_step_lowers_the_risk_and_the_opposite_sign_raises_it() -> None:
    rng = np.random.default_rng(12)
    X, y = rng.normal(size=(200, 8)), rng.integers(0, 5, size=200)
    W, b = linear_softmax.init_params(8, 5, std=1.0, seed=3, dtype=np.float64)
    before = linear_softmax.risk(W, b, X, y, 1e-4)
    gW, gb = linear_softmax.gradients(W, b, X, y, 1e-4)
    assert linear_softmax.risk(W - 0.01 * gW, b - 0.01 * gb, X, y, 1e-4) < before
    assert linear_softmax.risk(W + 0.01 * gW, b + 0.01 * gb, X, y, 1e-4) > before


def test_vectorised_accuracy_counts_correct_predictions() -> None:
    rng = np.random.default_rng(13)
    X, y = rng.normal(size=(50, 4)), rng.integers(0, 3, size=50)
    W, b = linear_softmax.init_params(4, 3, seed=4, dtype=np.float64)
    correct = sum(int(np.argmax(X[i] @ W + b) == y[i]) for i in range(50))
    assert linear_softmax.accuracy(W, b, X, y) == correct / 50


def test_minibatch_training_improves_accuracy_on_separable_data() -> None:
    rng = np.random.default_rng(14)
    centres = rng.normal(scale=4, size=(3, 5))
    y = rng.integers(0, 3, size=600)
    X = centres[y] + rng.normal(size=(600, 5))
    W, b = linear_softmax.init_params(5, 3, std=0.01, seed=5, dtype=np.float64)
    log = linear_softmax.train_minibatch(
        W, b, X, y, lr=0.1, batch_size=20, epochs=5, evaluate_on={"train": (X, y)}
    )
    assert log.steps == [0, 30, 60, 90, 120, 150]
    assert log.accuracy["train"][-1] > 0.95 > log.accuracy["train"][0]


def test_linear_softmax_rejects_bad_input() -> None:
    W, b = linear_softmax.init_params(4, 3, seed=0)
    with pytest.raises(ValueError, match="X must have 4 columns"):
        linear_softmax.scores(W, b, np.zeros((2, 5)))
    with pytest.raises(ValueError, match="must hold labels in"):
        linear_softmax.accuracy(W, b, np.zeros((2, 4)), np.array([0, 7]))
    with pytest.raises(ValueError, match="weight_decay"):
        linear_softmax.risk(W, b, np.zeros((2, 4)), np.array([0, 1]), weight_decay=-1.0)
    with pytest.raises(TypeError, match="in place"):
        linear_softmax.train_per_example(W.tolist(), b, np.zeros((2, 4)), np.array([0, 1]))


# --- choosing the lab's dataset ---------------------------------------------------------------


def fake_prepare(available: set[str], calls: list[str] | None = None) -> Callable[..., data.Splits]:
    """A stand-in for mlp.data.prepare that loads only the datasets in ``available``."""

    def prepare(name: str, **kwargs: object) -> data.Splits:
        if calls is not None:
            calls.append(name)
        if name not in available:
            raise data.DatasetUnavailable(
                f"{data.DATASET_TITLES[name]} is not available: no network (looked in "
                f"{Path.home() / '.cache' / name})"
            )
        X = np.zeros((3, 784), np.float32)
        y = np.zeros(3, np.int64)
        return data.Splits(
            X,
            y,
            X,
            y,
            X,
            y,
            name=name,
            title=data.DATASET_TITLES[name],
            classes=tuple("0123456789"),
            source=f"files in {Path.home() / 'data'}",
        )

    return prepare


def test_lab_data_tries_full_mnist_then_the_subset_then_fashion_mnist(monkeypatch) -> None:
    for available, chosen_name in (
        ({"mnist", "mnist-subset", "fashion-mnist"}, "mnist"),
        ({"mnist-subset", "fashion-mnist"}, "mnist-subset"),
        ({"fashion-mnist"}, "fashion-mnist"),
    ):
        calls: list[str] = []
        monkeypatch.setattr(lab, "prepare", fake_prepare(available, calls))
        chosen = lab.load_lab_data()
        order = ["mnist", "mnist-subset", "fashion-mnist"]
        assert chosen.name == chosen_name
        assert calls == order[: order.index(chosen_name) + 1]  # stops at the first that loads
        assert list(chosen.unavailable) == order[: order.index(chosen_name)]


def test_lab_data_falls_back_to_fashion_mnist_and_says_why(monkeypatch) -> None:
    monkeypatch.setattr(lab, "prepare", fake_prepare({"fashion-mnist"}))
    chosen = lab.load_lab_data()
    notice = lab.notice(chosen)
    assert notice.startswith(":::{warning}") and "Fashion-MNIST, not MNIST" in notice
    assert "MNIST is not available: no network" in notice
    assert "MNIST (10,000-digit subset) is not available: no network" in notice
    assert "not checked" in notice and notice.isascii()


def test_lab_data_on_the_subset_says_real_digits_how_many_and_why_not_full_mnist(
    monkeypatch,
) -> None:
    monkeypatch.setattr(lab, "prepare", fake_prepare({"mnist-subset", "fashion-mnist"}))
    chosen = lab.load_lab_data()
    notice = lab.notice(chosen)
    assert notice.startswith(":::{note}") and "MNIST (10,000-digit subset)" in notice
    assert "real MNIST digits, 9 of them" in notice
    assert "3 training, 3 validation and 3 test images" in notice
    assert "Why not the full MNIST: MNIST is not available: no network" in notice


def test_notice_never_shows_the_home_folder(monkeypatch) -> None:
    home = str(Path.home())
    for available in ({"mnist"}, {"mnist-subset"}, {"fashion-mnist"}):
        monkeypatch.setattr(lab, "prepare", fake_prepare(available))
        notice = lab.notice(lab.load_lab_data())
        assert home + "/" not in notice and "~/data" in notice
        if available != {"mnist"}:
            assert "~/.cache/mnist" in notice


def test_lab_data_uses_mnist_when_available_and_notes_it(monkeypatch) -> None:
    monkeypatch.setattr(lab, "prepare", fake_prepare({"mnist", "fashion-mnist"}))
    chosen = lab.load_lab_data()
    assert chosen.name == "mnist" and not chosen.unavailable
    assert lab.notice(chosen).startswith(":::{note}") and "MNIST" in lab.notice(chosen)
    assert lab.is_mnist(chosen)


def test_lab_data_raises_with_every_reason_when_nothing_loads(monkeypatch) -> None:
    monkeypatch.setattr(lab, "prepare", fake_prepare(set()))
    with pytest.raises(
        data.DatasetUnavailable, match=r"MNIST.*MNIST \(10,000-digit subset\).*Fashion-MNIST"
    ):
        lab.load_lab_data()
    with pytest.raises(ValueError, match="scaling"):
        lab.load_lab_data(scaling="minmax")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="datasets"):
        lab.load_lab_data(datasets=("cifar",))


@pytest.mark.realdata
def test_lab_data_on_the_real_fashion_mnist_uses_training_statistics_only() -> None:
    status = data.dataset_status(["fashion-mnist"])[0]
    require(status.available, "Fashion-MNIST files are not installed")
    chosen = lab.load_lab_data(datasets=("fashion-mnist",), download=False)
    assert chosen.X_train.shape == (50_000, 784) and chosen.X_test.shape == (10_000, 784)
    assert chosen.X_train.dtype == np.float32
    assert abs(float(chosen.X_train.mean())) < 1e-4  # standardised with its own statistics
    assert float(chosen.X_train.std()) == pytest.approx(1.0, abs=1e-4)
    assert abs(float(chosen.X_test.mean())) > 1e-4  # the test set's statistics were not used
    unit = lab.load_lab_data(datasets=("fashion-mnist",), scaling="unit", download=False)
    assert unit.X_train.min() == 0.0 and unit.X_train.max() == 1.0


@pytest.mark.realdata
def test_lab_data_on_the_real_subset_is_7000_1500_1500_real_digits() -> None:
    try:
        chosen = lab.load_lab_data(datasets=("mnist-subset", "fashion-mnist"))
    except data.DatasetUnavailable as exc:  # not even Fashion-MNIST
        require(False, str(exc))
        raise
    require(chosen.name == "mnist-subset", f"the subset could not be had: {chosen.unavailable}")
    assert chosen.sizes() == {"train": 7000, "valid": 1500, "test": 1500}
    assert lab.is_mnist(chosen) and chosen.classes == data.MNIST_CLASSES
    assert abs(float(chosen.X_train.mean())) < 1e-4
    notice = lab.notice(chosen)
    assert notice.startswith(":::{note}") and "real MNIST digits, 10,000 of them" in notice
    assert str(Path.home()) + "/" not in notice


def test_linear_autoencoder_has_the_lab_shapes_and_a_zero_encoder() -> None:
    model = lab.linear_autoencoder(784, 2)
    encoder, decoder = model.layers
    assert (encoder.W.shape, decoder.W.shape) == ((784, 2), (2, 784))
    assert encoder.activation == decoder.activation == "linear"
    assert not encoder.W.any() and decoder.W.any()
    assert model.n_params() == 784 * 2 + 2 + 2 * 784 + 784  # the lab's 1,570 + 2,352
    assert lab.linear_autoencoder(784, 2, encoder_init="glorot").layers[0].W.any()
