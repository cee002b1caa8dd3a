"""Training the layer stack: ``fit`` runs minibatch epochs of an optimiser on a loss.

``fit`` records, per epoch, the mean training loss (over the epoch's minibatches, as they were
when visited), the validation loss after the epoch and the wall time (``FitHistory``);
``mean_loss`` evaluates a model on a dataset in chunks of rows; ``gaussian_noise`` is the
corruption of a denoising autoencoder's inputs.
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

__all__ = ["FitHistory", "fit", "gaussian_noise", "mean_loss"]


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
            model.bprop(loss.grad(output, Y_batch))
            optimizer.step(model.gradients())
        history.train_loss.append(total / n)
        if validation is not None:
            history.valid_loss.append(mean_loss(model, loss, X_valid, Y_valid))
        history.seconds.append(time.perf_counter() - start)
    return history
