"""Training to a plateau (``mlp.fit.fit_to_plateau``): stages end when the validation loss
stalls, the learning rate shrinks between them, training stops only when a whole stage at a
lower learning rate no longer helps, the best epoch's weights are kept, and a cap that cuts
training short says so. Also: the first layer's skipped input gradient changes nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from mlp.fit import Plateau, fit, fit_to_plateau, mean_loss
from mlp.layers import Dense, Sequential
from mlp.losses import MeanSquaredError
from mlp.optimizers import SGD, Adam


def regression(seed: int = 0) -> tuple[np.ndarray, ...]:
    """A noisy linear map from R^6 to R^3 (the noise sets a floor under the loss)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(6, 3))
    X = rng.normal(size=(400, 6)).astype(np.float32)
    Xv = rng.normal(size=(200, 6)).astype(np.float32)
    Y = X @ A + 0.3 * rng.normal(size=(400, 3))
    Yv = Xv @ A + 0.3 * rng.normal(size=(200, 3))
    return X, Y.astype(np.float32), Xv, Yv.astype(np.float32)


def small_model(seed: int = 0) -> Sequential:
    return Sequential([Dense(6, 16, "tanh", seed=seed), Dense(16, 3, seed=seed + 1)])


def test_training_stops_at_a_plateau_by_the_rule_and_keeps_the_best_weights() -> None:
    X, Y, Xv, Yv = regression()
    model, loss = small_model(), MeanSquaredError()
    optimizer = Adam(model.parameters(), lr=0.05)
    rule = Plateau(patience=3, min_gain=0.01, factor=0.25, final_gain=0.01, max_epochs=200)
    run = fit_to_plateau(
        model, loss, optimizer, X, Y, validation=(Xv, Yv), plateau=rule, batch_size=32, seed=1
    )
    valid = run.history.valid_loss
    assert run.reached and run.history.epochs < rule.max_epochs
    assert len(run.stage_starts) >= 2 and run.stage_starts[0] == 0
    # the learning rate is constant within a stage and shrinks by the factor between stages
    ends = [*run.stage_starts[1:], run.history.epochs]
    for j, (start, end) in enumerate(zip(run.stage_starts, ends, strict=True)):
        assert run.learning_rates[start:end] == [pytest.approx(0.05 * 0.25**j)] * (end - start)
    # the last stage, at a lower learning rate, improved the best loss by less than
    # final_gain; the stage before it by more (else training would have stopped there)
    gains = run.stage_gains
    assert gains[-1] < rule.final_gain
    assert len(gains) == 2 or gains[-2] >= rule.final_gain
    # a stage lasts at least `patience` epochs
    assert all(
        end - start >= rule.patience for start, end in zip(run.stage_starts, ends, strict=True)
    )
    # the model holds the best epoch's weights
    assert run.best_loss == min(valid) == valid[run.best_epoch - 1]
    assert mean_loss(model, loss, Xv, Yv) == pytest.approx(run.best_loss, rel=1e-6)


def test_a_run_cut_off_by_the_cap_has_not_reached_a_plateau() -> None:
    X, Y, Xv, Yv = regression()
    model = small_model()
    run = fit_to_plateau(
        model,
        MeanSquaredError(),
        SGD(model.parameters(), lr=1e-3),
        X,
        Y,
        validation=(Xv, Yv),
        plateau=Plateau(max_epochs=4),
        seed=0,
    )
    assert not run.reached and run.history.epochs == 4
    assert run.stage_gains == [1.0]


def test_the_first_stage_alone_never_counts_as_a_plateau() -> None:
    # a model that cannot learn stalls at once: the rule still lowers the learning rate and
    # tries again before calling it a plateau
    X, Y, Xv, Yv = regression()
    model = small_model()
    frozen = SGD(model.parameters(), lr=1e-12)
    run = fit_to_plateau(
        model,
        MeanSquaredError(),
        frozen,
        X,
        Y,
        validation=(Xv, Yv),
        plateau=Plateau(patience=2, max_epochs=50),
        seed=0,
    )
    # the first epoch sets the level, `patience` epochs stall; then `patience` more at the
    # lower learning rate
    assert run.reached and run.stage_starts == [0, 3] and run.history.epochs == 5
    assert run.learning_rates == [1e-12] * 3 + [0.25e-12] * 2


def test_one_random_stream_makes_the_run_reproducible() -> None:
    X, Y, Xv, Yv = regression()
    runs = []
    for _ in range(2):
        model = small_model()
        runs.append(
            fit_to_plateau(
                model,
                MeanSquaredError(),
                Adam(model.parameters(), 0.05),
                X,
                Y,
                validation=(Xv, Yv),
                plateau=Plateau(max_epochs=12),
                seed=3,
            ).history.valid_loss
        )
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"patience": 0}, "patience must be a positive integer"),
        ({"min_gain": 0.0}, "min_gain must lie strictly between 0 and 1"),
        ({"factor": 1.0}, "factor must lie strictly between 0 and 1"),
        ({"final_gain": 1.5}, "final_gain must lie strictly between 0 and 1"),
        ({"max_epochs": 0}, "max_epochs must be a positive integer"),
    ],
)
def test_a_bad_plateau_rule_names_its_setting(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Plateau(**kwargs)


def test_fit_to_plateau_wants_a_plateau_rule() -> None:
    X, Y, Xv, Yv = regression()
    model = small_model()
    with pytest.raises(TypeError, match="plateau must be a Plateau"):
        fit_to_plateau(
            model,
            MeanSquaredError(),
            SGD(model.parameters()),
            X,
            Y,
            validation=(Xv, Yv),
            plateau={"patience": 3},
        )


def test_skipping_the_first_layers_input_gradient_changes_no_parameter_gradient() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(9, 6))
    model = Sequential(
        [
            Dense(6, 5, "relu", seed=0, dtype=np.float64),
            Dense(5, 3, "sigmoid", seed=1, dtype=np.float64),
        ]
    )
    grad_out = rng.normal(size=(9, 3))
    model.fprop(X)
    grad_X = model.bprop(grad_out)
    full = [g.copy() for g in model.gradients()]
    model.fprop(X)
    assert model.bprop(grad_out, input_grad=False) is None
    for a, b in zip(full, model.gradients(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert grad_X is not None and grad_X.shape == X.shape


def test_fit_trains_the_first_layer_although_it_skips_its_input_gradient() -> None:
    X, Y, _, _ = regression()
    model = small_model()
    first = model.layers[0].W.copy()
    fit(model, MeanSquaredError(), Adam(model.parameters(), 0.05), X, Y, epochs=2)
    assert not np.allclose(model.layers[0].W, first)
