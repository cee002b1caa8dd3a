"""The protocols of chapter M2's ablation (``mlp.linear_softmax.Protocol``) and how much a
run's accuracy still moves at the end (``TrainLog.fluctuation``)."""

from __future__ import annotations

import numpy as np
import pytest

from mlp import linear_softmax as ls


def blobs(n: int = 120, d: int = 5, m: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """m well separated Gaussian classes in d dimensions, float64."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, m, size=n)
    centres = 3 * rng.normal(size=(m, d))
    return centres[y] + rng.normal(size=(n, d)), y


def test_a_per_example_protocol_is_the_lab_loop_on_an_order_drawn_from_the_seed() -> None:
    X, y = blobs()
    protocol = ls.Protocol(init_std=0.5, lr=0.05, steps=300, weight_decay=0.01)
    W, b, log = protocol.run(X, y, seed=7, m=3, log_every=100, evaluate_on={"train": (X, y)})
    order = np.random.default_rng(7).permutation(len(X))
    W_ref, b_ref = ls.init_params(5, 3, std=0.5, seed=7, dtype=np.float64)
    ls.train_per_example(W_ref, b_ref, X[order], y[order], lr=0.05, weight_decay=0.01, steps=300)
    np.testing.assert_array_equal(W, W_ref)
    np.testing.assert_array_equal(b, b_ref)
    assert log.steps == [0, 100, 200, 300] and log.accuracy["train"][-1] > 0.9


def test_a_minibatch_protocol_is_train_minibatch_with_the_seed() -> None:
    X, y = blobs()
    protocol = ls.Protocol(init_std=0.01, lr=0.3, batch_size=20, epochs=3)
    W, b, log = protocol.run(X, y, seed=4, m=3)
    W_ref, b_ref = ls.init_params(5, 3, std=0.01, seed=4, dtype=np.float64)
    ls.train_minibatch(W_ref, b_ref, X, y, lr=0.3, batch_size=20, epochs=3, seed=4)
    np.testing.assert_array_equal(W, W_ref)
    np.testing.assert_array_equal(b, b_ref)
    assert log.steps[-1] == 3 * 6 and not protocol.per_example


def test_protocols_run_with_one_seed_are_paired_and_other_seeds_are_not() -> None:
    """Same seed: initial weights proportional (the same draw, scaled) and the same order;
    the step alone then decides. Another seed: another draw."""
    X, y = blobs()
    small, large = ls.Protocol(0.01, 0.1, steps=1), ls.Protocol(1.0, 0.1, steps=1)
    # one step with lr -> 0 is the initial draw itself (decay included: 1 - lr lam ~ 1)
    frozen_small, frozen_large = ls.Protocol(0.01, 1e-12, steps=1), ls.Protocol(1.0, 1e-12, steps=1)
    W_small, _, _ = frozen_small.run(X, y, seed=3, m=3)
    W_large, _, _ = frozen_large.run(X, y, seed=3, m=3)
    np.testing.assert_allclose(W_large, 100 * W_small, rtol=1e-6)
    W_other, _, _ = frozen_large.run(X, y, seed=4, m=3)
    assert abs(np.corrcoef(W_other.ravel(), W_large.ravel())[0, 1]) < 0.5
    # the first example seen is the same for both scales: the first update has the same x
    W1_small, _, _ = small.run(X, y, seed=3, m=3)
    W1_large, _, _ = large.run(X, y, seed=3, m=3)
    first = X[np.random.default_rng(3).permutation(len(X))[0]]
    for W1, W0 in ((W1_small, W_small), (W1_large, W_large)):
        update = W0 * (1 - 0.1 * 1e-4) - W1  # lr x g^T: rank one, along x
        assert np.linalg.matrix_rank(update, tol=1e-9 * np.abs(update).max()) == 1
        np.testing.assert_allclose(np.abs(update[:, 0] / first), np.abs(update[0, 0] / first[0]))


def test_a_bad_protocol_or_seed_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="init_std"):
        ls.Protocol(init_std=0.0, lr=0.1)
    with pytest.raises(ValueError, match="steps"):
        ls.Protocol(init_std=1.0, lr=0.1, steps=0)
    with pytest.raises(ValueError, match="lr"):
        ls.Protocol(init_std=1.0, lr=-0.1)
    X, y = blobs()
    with pytest.raises(ValueError, match="seed"):
        ls.Protocol(1.0, 0.1).run(X, y, seed=-1, m=3)


def test_fluctuation_is_the_spread_of_the_last_recorded_accuracies() -> None:
    log = ls.TrainLog(steps=[0, 1, 2, 3], accuracy={"valid": [0.1, 0.8, 0.9, 0.7]})
    assert log.fluctuation("valid", 3) == pytest.approx(np.std([0.8, 0.9, 0.7]))
    assert log.fluctuation("valid", 2) == pytest.approx(0.1)
    with pytest.raises(KeyError, match="no accuracy recorded on 'test'"):
        log.fluctuation("test", 2)
    with pytest.raises(ValueError, match="last must be between 2 and 4"):
        log.fluctuation("valid", 5)


def test_a_smaller_constant_step_fluctuates_less_at_the_end() -> None:
    """The noise floor of per-example SGD: with the step ten times smaller, the training
    accuracy moves less over the last steps (overlapping classes, so it never settles)."""
    X, y = blobs(n=400, d=4, seed=5)
    X = X / 3 + np.random.default_rng(6).normal(size=X.shape)  # overlapping classes
    spread = {}
    for lr in (0.3, 0.03):
        _, _, log = ls.Protocol(0.01, lr, steps=4000).run(
            X, y, seed=1, m=3, log_every=100, evaluate_on={"train": (X, y)}
        )
        spread[lr] = log.fluctuation("train", 20)
    assert spread[0.3] > 2 * spread[0.03], spread
