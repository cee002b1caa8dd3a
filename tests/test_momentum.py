"""SGD with momentum (heavy ball): the step is its documented combination of gradients.

    v <- mu v - lr grad,    theta <- theta + v

The gradient comes from ``fprop``/``bprop`` (checked against finite differences elsewhere);
here the fused kernel (``MLP``), the per-example loop (``LoopMLP``) and the chapters' step
(``fprop_bprop_step``) are compared with that formula, then training with momentum is
compared with plain SGD, resumed, and refused bad arguments.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import LAMBDAS, TOLERANCE, make_data

from mlp.data import Splits, two_circles
from mlp.network import MLP, LoopMLP, fprop_bprop_step
from mlp.records import METRIC_NAMES
from mlp.train import TrainingState, run_epoch, train


def circles(n_train: int = 120, seed: int = 0) -> Splits:
    X, y = two_circles(n_train + 120, noise=0.1, seed=seed)
    a, b = n_train, n_train + 60
    return Splits(X[:a], y[:a], X[a:b], y[a:b], X[b:], y[b:])


def random_velocity(net: MLP, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        k: rng.normal(scale=0.01, size=v.shape).astype(net.dtype) for k, v in net.params().items()
    }


def gradient(net: MLP, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """The gradient of the regularized risk at the network's parameters (a copy is used)."""
    probe = net.copy()
    probe.fprop(X, y)
    return probe.bprop()


def assert_same(a: dict, b: dict, dtype: type) -> None:
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(a[name], b[name], **TOLERANCE[dtype], err_msg=name)


# --- one step -----------------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["MLP.sgd_step", "LoopMLP.sgd_step", "fprop_bprop_step"])
def test_a_momentum_step_is_mu_v_minus_lr_grad_added_to_the_parameters(step):
    X, y = make_data(40, 6, 3, seed=1)
    cls = LoopMLP if step.startswith("Loop") else MLP
    net = cls(6, 5, 3, seed=2, **LAMBDAS)  # float64
    velocity = random_velocity(net, seed=3)
    theta0 = {k: v.copy() for k, v in net.params().items()}
    v0 = {k: v.copy() for k, v in velocity.items()}
    grads = gradient(net, X, y)
    mu, lr = 0.9, 0.3
    if step == "fprop_bprop_step":
        fprop_bprop_step(net, X, y, lr, mu, velocity)
    else:
        net.sgd_step(X, y, lr, momentum=mu, velocity=velocity)
    expected_v = {k: mu * v0[k] - lr * grads[k] for k in v0}
    assert_same(velocity, expected_v, np.float64)
    assert_same(net.params(), {k: theta0[k] + expected_v[k] for k in theta0}, np.float64)


def test_the_velocity_sums_past_gradients_each_damped_by_mu_per_step():
    """From v = 0, v_t = -lr sum_s mu^(t-s) g_s: the step after two steps is
    -lr g_3 + mu (theta_2 - theta_1)."""
    X, y = make_data(60, 5, 3, seed=4)
    net = MLP(5, 4, 3, seed=0, **LAMBDAS)
    velocity = net.new_velocity()
    mu, lr = 0.8, 0.2
    thetas, grads = [], []
    for _ in range(3):
        thetas.append({k: v.copy() for k, v in net.params().items()})
        grads.append(gradient(net, X, y))
        net.sgd_step(X, y, lr, momentum=mu, velocity=velocity)
    for k in ("W1", "b1", "W2", "b2"):
        expected_v = -lr * (mu**2 * grads[0][k] + mu * grads[1][k] + grads[2][k])
        np.testing.assert_allclose(velocity[k], expected_v, rtol=1e-12, atol=1e-15)
        step_3 = net.params()[k] - thetas[2][k]
        step_2 = thetas[2][k] - thetas[1][k]
        np.testing.assert_allclose(step_3, -lr * grads[2][k] + mu * step_2, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_loop_and_readable_momentum_steps_give_the_same_numbers(dtype):
    X, y = make_data(230, 12, 4, seed=1)
    X = X.astype(dtype)
    fused = MLP(12, 9, 4, seed=3, dtype=dtype, **LAMBDAS)
    loop, readable = LoopMLP(12, 9, 4, seed=3, dtype=dtype, **LAMBDAS), fused.copy()
    velocities = [fused.new_velocity(), loop.new_velocity(), readable.new_velocity()]
    for start in range(0, 230, 64):
        rows = slice(start, start + 64)
        results = [
            fused.sgd_step(X[rows], y[rows], 0.1, momentum=0.9, velocity=velocities[0]),
            loop.sgd_step(X[rows], y[rows], 0.1, momentum=0.9, velocity=velocities[1]),
            fprop_bprop_step(readable, X[rows], y[rows], 0.1, 0.9, velocities[2]),
        ]
        assert results[0][1] == results[1][1] == results[2][1]
        assert results[0][0] == pytest.approx(results[2][0], rel=TOLERANCE[dtype]["rtol"])
        assert results[1][0] == pytest.approx(results[2][0], rel=TOLERANCE[dtype]["rtol"])
    for net, velocity in zip((fused, loop), velocities, strict=False):
        assert_same(net.params(), readable.params(), dtype)
        assert_same(velocity, velocities[2], dtype)
    assert {v.dtype for v in velocities[0].values()} == {np.dtype(dtype)}


def test_momentum_zero_is_plain_sgd_bit_for_bit_and_leaves_the_velocity_alone():
    X, y = make_data(50, 6, 3, seed=2)
    plain, zero = MLP(6, 5, 3, seed=1, **LAMBDAS), MLP(6, 5, 3, seed=1, **LAMBDAS)
    velocity = random_velocity(zero, seed=0)
    before = {k: v.copy() for k, v in velocity.items()}
    assert plain.sgd_step(X, y, 0.3) == zero.sgd_step(X, y, 0.3, momentum=0.0, velocity=velocity)
    for name, value in plain.params().items():
        np.testing.assert_array_equal(zero.params()[name], value)
        np.testing.assert_array_equal(velocity[name], before[name])


# --- training -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [MLP, LoopMLP])
def test_an_epoch_with_momentum_is_a_loop_of_readable_heavy_ball_steps(cls):
    X, y = make_data(150, 7, 3, seed=8)
    readable = MLP(7, 5, 3, seed=2, **LAMBDAS)
    net = cls(7, 5, 3, seed=2, **LAMBDAS)
    v_readable, v_net = readable.new_velocity(), net.new_velocity()
    for epoch in range(2):
        order = np.random.default_rng(epoch).permutation(150)
        for start in range(0, 150, 32):
            batch = order[start : start + 32]
            fprop_bprop_step(readable, X[batch], y[batch], 0.05, 0.9, v_readable)
        rng = np.random.default_rng(epoch)
        run_epoch(net, X, y, batch_size=32, lr=0.05, rng=rng, momentum=0.9, velocity=v_net)
    assert_same(net.params(), readable.params(), np.float64)
    assert_same(v_net, v_readable, np.float64)


def test_train_with_momentum_zero_is_train_without_momentum_bit_for_bit():
    data = circles()
    options = {"epochs": 4, "batch_size": 16, "lr": 0.3, "lr_decay": 0.1, "seed": 3}
    plain_net, zero_net = MLP(2, 8, 2, seed=1), MLP(2, 8, 2, seed=1)
    plain = train(plain_net, data, progress=False, **options)
    zero = train(zero_net, data, momentum=0.0, progress=False, **options)
    for name in METRIC_NAMES:
        assert zero.column(name).tolist() == plain.column(name).tolist(), name
    for name, value in plain_net.params().items():
        np.testing.assert_array_equal(zero_net.params()[name], value)
    assert (plain.config["momentum"], zero.config["momentum"]) == (0.0, 0.0)


def test_train_with_momentum_takes_other_steps_and_records_it():
    data = circles()
    options = {"epochs": 3, "batch_size": 16, "lr": 0.05, "seed": 3, "progress": False}
    plain = train(MLP(2, 8, 2, seed=1), data, **options)
    heavy = train(MLP(2, 8, 2, seed=1), data, momentum=0.9, **options)
    assert heavy.column("train_loss").tolist() != plain.column("train_loss").tolist()
    assert heavy.config["momentum"] == 0.9


def test_a_run_with_momentum_resumes_with_its_velocity_exactly():
    data = circles()
    options = {"epochs": 6, "batch_size": 16, "lr": 0.05, "momentum": 0.9, "seed": 5}
    reference = MLP(2, 8, 2, seed=1)
    whole = train(reference, data, progress=False, **options)
    saved: dict[str, object] = {}

    class Interrupt(KeyboardInterrupt):
        pass

    def stop_after_two(state: TrainingState, net: MLP) -> None:
        saved["state"], saved["net"] = state, net.copy()
        if state.epoch == 2:
            raise Interrupt

    with pytest.raises(Interrupt):
        train(MLP(2, 8, 2, seed=1), data, on_checkpoint=stop_after_two, progress=False, **options)
    state = saved["state"]
    assert isinstance(state, TrainingState) and state.velocity is not None
    assert np.any(state.velocity["W1"] != 0)
    resumed_net = saved["net"]
    resumed = train(resumed_net, data, resume=state, progress=False, **options)
    for name in METRIC_NAMES:
        assert resumed.column(name).tolist() == whole.column(name).tolist(), name
    for name, value in reference.params().items():
        np.testing.assert_array_equal(resumed_net.params()[name], value)
    without_velocity = TrainingState(state.epoch, state.rng_state, state.history)
    with pytest.raises(ValueError, match="resume must hold the velocity"):
        train(MLP(2, 8, 2, seed=1), data, resume=without_velocity, **options)


# --- arguments ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("momentum", "velocity", "error", "fragment"),
    [
        (1.0, "new", ValueError, "momentum must be a number in \\[0, 1\\), got 1.0"),
        (-0.1, "new", ValueError, "momentum must be a number in \\[0, 1\\)"),
        ("0.9", "new", TypeError, "momentum must be a number in \\[0, 1\\), got '0.9'"),
        (0.9, None, ValueError, "momentum > 0 needs a velocity"),
        (0.9, {"W1": 0}, TypeError, "velocity must be a dict with the keys W1, b1, W2, b2"),
        (0.9, "wrong shape", ValueError, "velocity\\['W1'\\] must have the shape of W1"),
        (0.9, "float32", TypeError, "velocity\\['W1'\\] must be a numpy array of dtype float64"),
    ],
)
def test_bad_momentum_arguments_are_named_and_change_nothing(momentum, velocity, error, fragment):
    X, y = make_data(10, 4, 3)
    net = MLP(4, 3, 3, seed=0)
    if velocity == "new":
        velocity = net.new_velocity()
    elif velocity == "wrong shape":
        velocity = {**net.new_velocity(), "W1": np.zeros((4, 3))}
    elif velocity == "float32":
        velocity = {k: v.astype(np.float32) for k, v in net.new_velocity().items()}
    W1 = net.W1.copy()
    with pytest.raises(error, match=fragment):
        net.sgd_step(X, y, 0.1, momentum=momentum, velocity=velocity)
    np.testing.assert_array_equal(net.W1, W1)
    if momentum != 0.9:
        with pytest.raises(error, match=fragment):
            train(net, circles(), epochs=1, batch_size=10, lr=0.1, momentum=momentum)
