"""Training the layer stack: ``fit`` runs minibatch epochs of an optimiser on a loss.

``fit`` records, per epoch, the mean training loss (over the epoch's minibatches, as they were
when visited), the validation loss after the epoch and the wall time (``FitHistory``);
``mean_loss`` evaluates a model on a dataset in chunks of rows; ``gaussian_noise`` is the
corruption of a denoising autoencoder's inputs. ``fit_to_plateau`` trains until the
validation loss stops improving, by the rule of a ``Plateau``: in stages at learning rates
that shrink each time the loss stalls, until lowering the learning rate no longer helps.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mlp import checks
from mlp.layers import Sequential
from mlp.losses import Loss
from mlp.minibatches import minibatches
from mlp.optimizers import Optimizer

__all__ = [
    "FitHistory",
    "Plateau",
    "PlateauFit",
    "fit",
    "fit_to_plateau",
    "gaussian_noise",
    "mean_loss",
]


def gaussian_noise(std: float) -> Callable[[NDArray, np.random.Generator], NDArray]:
    """A corruption for ``fit``: X -> X + std * N(0, 1) noise, drawn afresh at every call."""
    checks.finite_number("std", std)

    def corrupt(X: NDArray, rng: np.random.Generator) -> NDArray:
        return X + X.dtype.type(std) * rng.standard_normal(X.shape, dtype=X.dtype)

    return corrupt


def _targets(name: str, Y: ArrayLike, n: int) -> NDArray:
    Y = np.asarray(Y)
    if Y.ndim == 0 or len(Y) != n:
        raise ValueError(f"{name} must have one row per example ({n}), got shape {Y.shape}")
    return Y


def mean_loss(
    model: Sequential, loss: Loss, X: ArrayLike, Y: ArrayLike, batch_size: int = 4096
) -> float:
    """The mean loss of ``model`` on (X ``(n, n_in)``, Y), computed in chunks of rows."""
    X = checks.real_matrix("X", X, dtype=model.dtype, columns=model.n_in)
    Y = _targets("Y", Y, len(X))
    batch_size = checks.positive_int("batch_size", batch_size)
    total = 0.0
    for start in range(0, len(X), batch_size):
        rows = slice(start, start + batch_size)
        output = model.forward(X[rows], batch_size)
        total += loss.value(output, Y[rows]) * len(output)
    return total / len(X)


@dataclass
class FitHistory:
    """Per-epoch record of ``fit``: mean training loss (over the epoch's minibatches, as
    they were when visited), validation loss after the epoch (if given) and wall time."""

    train_loss: list[float] = field(default_factory=list)
    valid_loss: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """Number of completed epochs."""
        return len(self.train_loss)


def fit(
    model: Sequential,
    loss: Loss,
    optimizer: Optimizer,
    X: ArrayLike,
    Y: ArrayLike,
    *,
    epochs: int,
    batch_size: int = 128,
    validation: tuple[ArrayLike, ArrayLike] | None = None,
    corrupt: Callable[[NDArray, np.random.Generator], NDArray] | None = None,
    seed: int | np.random.Generator | None = 0,
    history: FitHistory | None = None,
) -> FitHistory:
    """Train ``model`` by minibatch steps of ``optimizer`` on ``loss``; return the History.

    ``X`` is ``(n, n_in)``; ``Y`` holds the targets (``(n, k)`` values or ``(n,)`` labels).
    Each epoch visits the n examples once in a fresh random order (``seed``), in minibatches
    of ``batch_size`` (the last may be smaller). ``corrupt(X_batch, rng)``, if given, is applied
    to every input minibatch (a denoising autoencoder's noise); targets are never corrupted.
    ``validation=(X_valid, Y_valid)`` is evaluated, uncorrupted, after every epoch.
    Passing a previous ``history`` appends to it. Raises FloatingPointError if the loss
    becomes NaN or infinite.
    """
    X = checks.real_matrix("X", X, dtype=model.dtype, columns=model.n_in)
    Y = _targets("Y", Y, len(X))
    epochs = checks.positive_int("epochs", epochs)
    batch_size = checks.positive_int("batch_size", batch_size)
    params = model.parameters()
    if len(optimizer.params) != len(params) or not all(
        p is q for p, q in zip(optimizer.params, params, strict=True)
    ):
        raise ValueError("the optimizer must be built on model.parameters()")
    if validation is not None:
        X_valid = checks.real_matrix(
            "X_valid", validation[0], dtype=model.dtype, columns=model.n_in
        )
        Y_valid = _targets("Y_valid", validation[1], len(X_valid))
    rng = np.random.default_rng(seed)
    history = FitHistory() if history is None else history
    n = len(X)
    for _ in range(epochs):
        start = time.perf_counter()
        total = 0.0
        for rows in minibatches(rng.permutation(n), batch_size):
            X_batch, Y_batch = X[rows], Y[rows]
            if corrupt is not None:
                X_batch = corrupt(X_batch, rng)
            output = model.fprop(X_batch)
            value = loss.value(output, Y_batch)
            if not math.isfinite(value):
                raise FloatingPointError(f"the training loss became {value} (lower the lr?)")
            total += value * len(rows)
            model.bprop(loss.grad(output, Y_batch), input_grad=False)
            optimizer.step(model.gradients())
        history.train_loss.append(total / n)
        if validation is not None:
            history.valid_loss.append(mean_loss(model, loss, X_valid, Y_valid))
        history.seconds.append(time.perf_counter() - start)
    return history


@dataclass(frozen=True)
class Plateau:
    """The rule by which ``fit_to_plateau`` trains until the validation loss stops improving.

    Training runs in stages. A stage ends when ``patience`` epochs in a row have not lowered
    the validation loss by a relative ``min_gain`` below its last such improvement (the loss
    has stalled at this learning rate). The learning rate is then multiplied by ``factor``
    and a new stage begins, unless the stage that just ended, after such a reduction,
    improved the best validation loss by less than a relative ``final_gain``: lowering the
    learning rate and training until the loss stalls again no longer helped. That is the
    plateau. ``max_epochs`` caps the training; a run it cuts off has not reached a plateau.
    """

    patience: int = 3
    min_gain: float = 0.005
    factor: float = 0.25
    final_gain: float = 0.01
    max_epochs: int = 100

    def __post_init__(self) -> None:
        checks.positive_int("patience", self.patience)
        checks.positive_int("max_epochs", self.max_epochs)
        for name in ("min_gain", "factor", "final_gain"):
            value = checks.finite_number(name, getattr(self, name))
            if not 0 < value < 1:
                raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}")


@dataclass
class PlateauFit:
    """What ``fit_to_plateau`` did: the ``history`` of every epoch, the learning rate of each
    epoch, the first epoch (0-based) of each stage, the best epoch (1-based) and its
    validation loss (whose weights the model holds), and whether the plateau was reached."""

    history: FitHistory
    learning_rates: list[float]
    stage_starts: list[int]
    best_epoch: int
    best_loss: float
    reached: bool

    @property
    def stage_gains(self) -> list[float]:
        """For each stage, the relative improvement of the best validation loss it brought:
        1 - (best at its end) / (best before it); 1.0 for the first stage."""
        valid = self.history.valid_loss
        ends = [*self.stage_starts[1:], len(valid)]
        gains, before = [], math.inf
        for start, end in zip(self.stage_starts, ends, strict=True):
            after = min(before, min(valid[start:end]))
            gains.append(1.0 if before == math.inf else 1 - after / before)
            before = after
        return gains


def fit_to_plateau(
    model: Sequential,
    loss: Loss,
    optimizer: Optimizer,
    X: ArrayLike,
    Y: ArrayLike,
    *,
    validation: tuple[ArrayLike, ArrayLike],
    plateau: Plateau | None = None,
    batch_size: int = 128,
    corrupt: Callable[[NDArray, np.random.Generator], NDArray] | None = None,
    seed: int | np.random.Generator | None = 0,
) -> PlateauFit:
    """Train ``model`` epoch by epoch (``fit``'s epochs) until the validation loss reaches a
    plateau by the rule ``plateau`` (default ``Plateau()``), lowering ``optimizer.lr`` between
    stages; then restore the weights of the epoch with the lowest validation loss.

    ``X``, ``Y``, ``batch_size`` and ``corrupt`` are ``fit``'s; ``validation`` is required
    (the rule reads its loss). One random stream (``seed``) orders the examples and draws the
    corruption of every epoch. The optimiser's learning rate is left at its last value.
    """
    rule = Plateau() if plateau is None else plateau
    if not isinstance(rule, Plateau):
        raise TypeError(f"plateau must be a Plateau, got {type(rule).__name__}")
    rng = np.random.default_rng(seed)
    history = FitHistory()
    learning_rates: list[float] = []
    stage_starts = [0]
    best, best_epoch, best_params = math.inf, 0, [p.copy() for p in model.parameters()]
    level, stalled, stage_before = math.inf, 0, math.inf
    reached = False
    for epoch in range(rule.max_epochs):
        learning_rates.append(optimizer.lr)
        fit(
            model,
            loss,
            optimizer,
            X,
            Y,
            epochs=1,
            batch_size=batch_size,
            validation=validation,
            corrupt=corrupt,
            seed=rng,
            history=history,
        )
        value = history.valid_loss[-1]
        if value < best:
            best, best_epoch = value, epoch + 1
            best_params = [p.copy() for p in model.parameters()]
        if value < level * (1 - rule.min_gain):
            level, stalled = value, 0
        else:
            stalled += 1
        if stalled < rule.patience:
            continue
        # the stage is over: did it help, after a reduction of the learning rate?
        if len(stage_starts) > 1 and 1 - best / stage_before < rule.final_gain:
            reached = True
            break
        stage_before, level, stalled = best, best, 0
        optimizer.lr *= rule.factor
        stage_starts.append(epoch + 1)
    for param, kept in zip(model.parameters(), best_params, strict=True):
        param[...] = kept
    return PlateauFit(history, learning_rates, stage_starts, best_epoch, best, reached)
