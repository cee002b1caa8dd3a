"""The lab's linear softmax classifier, vectorised: scores z = x W + b with W ``(d, m)``.

For a minibatch X ``(n, d)`` with integer labels y ``(n,)`` in [0, m) and Y = onehot(y)::

    Z = X W + b                     (n, m)     W (d, m) = (784, 10), b (m,)
    O = softmax(Z)                  (n, m)     row-wise
    R = mean_i [logsumexp(Z_i) - Z_{i, y_i}] + (lam / 2) ||W||_2^2
    dR/dW = X^T (O - Y) / n + lam W            (d, m)
    dR/db = mean_i (O_i - Y_i)                 (m,)

The learning rate is ``lr`` (the lab's eta). A step of gradient *descent* subtracts the
gradient: W <- W - lr dR/dW. The weight decay lam acts on W only (the biases are not
penalised), so each step also shrinks W by a factor (1 - lr lam). The classifier has
d m + m parameters: 7,850 for d = 784, m = 10.

``train_per_example`` follows the lab's protocol (one example per step, in order, cycling
through the data when asked for more steps than examples) with the per-example gradient
computed as one outer product instead of Python loops;
``train_minibatch`` is the usual minibatch SGD over several shuffled epochs. A ``Protocol``
names one way of training (initial scale, step, per example or minibatch) and runs it with a
seed, so that the protocols of an ablation run with the same seed are paired: weights drawn
from the same numbers, the examples in the same order.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from mlp import checks
from mlp.functions import l2_squared, l2_squared_grad, logsumexp, onehot, softmax
from mlp.minibatches import minibatches

__all__ = [
    "Protocol",
    "TrainLog",
    "accuracy",
    "gradients",
    "init_params",
    "n_params",
    "predict",
    "risk",
    "scores",
    "train_minibatch",
    "train_per_example",
]

Params = tuple[NDArray[np.floating], NDArray[np.floating]]


def init_params(
    d: int = 784,
    m: int = 10,
    *,
    std: float = 1.0,
    seed: int | np.random.Generator | None = None,
    dtype: DTypeLike = np.float32,
) -> Params:
    """W ``(d, m)`` with entries N(0, std^2) (the lab: std = 1) and b = 0 ``(m,)``."""
    d, m = checks.positive_int("d", d), checks.positive_int("m", m)
    std = checks.finite_number("std", std)
    rng = np.random.default_rng(seed)
    W = rng.normal(0.0, std, size=(d, m)).astype(dtype)
    return W, np.zeros(m, dtype=W.dtype)


def n_params(W: NDArray, b: NDArray) -> int:
    """Number of scalar parameters, d m + m (7,850 for the lab's 784 x 10 weights)."""
    return int(W.size + b.size)


def _check(W: ArrayLike, b: ArrayLike, X: ArrayLike) -> tuple[NDArray, NDArray, NDArray]:
    W, b = np.asarray(W), np.asarray(b)
    if W.ndim != 2 or b.shape != (W.shape[1],):
        raise ValueError(f"W must be (d, m) and b (m,), got {W.shape} and {b.shape}")
    X = checks.real_matrix("X", X, dtype=W.dtype, columns=W.shape[0], finite=False)
    return W, b, X


def scores(W: ArrayLike, b: ArrayLike, X: ArrayLike) -> NDArray[np.floating]:
    """Z = X W + b: one row of m class scores per example, ``(n, m)``."""
    W, b, X = _check(W, b, X)
    return X @ W + b


def predict(W: ArrayLike, b: ArrayLike, X: ArrayLike) -> NDArray[np.intp]:
    """The class of largest score for each row of X: ``(n,)``."""
    return np.argmax(scores(W, b, X), axis=1)


def accuracy(W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike) -> float:
    """Fraction of rows of X ``(n, d)`` whose predicted class equals the label in y ``(n,)``."""
    pred = predict(W, b, X)
    return float(np.mean(pred == checks.labels("y", y, np.shape(W)[1], n=len(pred))))


def risk(
    W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike, weight_decay: float = 0.0
) -> float:
    """Mean cross-entropy of softmax(X W + b) against y, plus (weight_decay / 2) ||W||_2^2."""
    lam = checks.finite_number("weight_decay", weight_decay)
    Z = scores(W, b, X)
    y = checks.labels("y", y, Z.shape[1], n=len(Z))
    cross_entropy = float(np.mean(logsumexp(Z) - Z[np.arange(len(y)), y]))
    return cross_entropy + 0.5 * lam * l2_squared(W)


def gradients(
    W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike, weight_decay: float = 0.0
) -> Params:
    """(dR/dW ``(d, m)``, dR/db ``(m,)``) of ``risk``: X^T (O - Y) / n + lam W and mean(O - Y)."""
    lam = checks.finite_number("weight_decay", weight_decay)
    W, b, X = _check(W, b, X)
    Z = X @ W + b
    y = checks.labels("y", y, Z.shape[1], n=len(Z))
    delta = (softmax(Z) - onehot(y, Z.shape[1], dtype=Z.dtype)) / len(y)  # (n, m) = (O - Y) / n
    return X.T @ delta + 0.5 * lam * l2_squared_grad(W), delta.sum(axis=0)


@dataclass
class TrainLog:
    """Accuracies recorded during training and the time it took.

    ``steps[k]`` is the number of updates made when ``accuracy[name][k]`` was measured on the
    evaluation set ``name``; ``seconds`` is the total wall time including the evaluations,
    ``eval_seconds`` the part spent evaluating.
    """

    steps: list[int] = field(default_factory=list)
    accuracy: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    eval_seconds: float = 0.0

    def record(self, step: int, W: NDArray, b: NDArray, sets: Mapping[str, tuple]) -> None:
        """Append the accuracy on every evaluation set after ``step`` updates."""
        start = time.perf_counter()
        self.steps.append(step)
        for name, (X, y) in sets.items():
            self.accuracy.setdefault(name, []).append(accuracy(W, b, X, y))
        self.eval_seconds += time.perf_counter() - start

    def fluctuation(self, name: str, last: int) -> float:
        """The standard deviation of the ``last`` accuracies recorded on ``name``: how much
        the accuracy still moves at the end of training."""
        if name not in self.accuracy:
            raise KeyError(f"no accuracy recorded on {name!r}; recorded: {sorted(self.accuracy)}")
        last = checks.positive_int("last", last)
        values = self.accuracy[name]
        if last < 2 or last > len(values):
            raise ValueError(f"last must be between 2 and {len(values)}, got {last}")
        return float(np.std(values[-last:]))


def _training_set(W: NDArray, b: NDArray, X: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray]:
    for name, param in (("W", W), ("b", b)):
        if not isinstance(param, np.ndarray) or param.dtype.kind != "f":
            raise TypeError(f"{name} must be a floating numpy array (it is updated in place)")
    if W.ndim != 2 or b.shape != (W.shape[1],):
        raise ValueError(f"W must be (d, m) and b (m,), got {W.shape} and {b.shape}")
    X = checks.real_matrix("X", X, dtype=W.dtype, columns=W.shape[0])
    return X, checks.labels("y", y, W.shape[1], n=len(X))


def train_per_example(
    W: NDArray,
    b: NDArray,
    X: ArrayLike,
    y: ArrayLike,
    *,
    lr: float = 0.01,
    weight_decay: float = 1e-4,
    steps: int | None = None,
    log_every: int = 5000,
    evaluate_on: Mapping[str, tuple[ArrayLike, ArrayLike]] | None = None,
) -> TrainLog:
    """Per-example SGD over the rows of X in order, updating W and b in place.

    Step i uses example i mod n alone: o = softmax(x W + b), g = o - onehot(y), then
    W <- (1 - lr lam) W - lr x^T g and b <- b - lr g: exact gradient descent on the
    example's cross-entropy plus (lam / 2) ||W||^2. ``steps`` updates are made (default n:
    one epoch; more cycle through X again in the same order). The accuracy on each set of
    ``evaluate_on`` is recorded before the first step, every ``log_every`` steps and at the end.
    """
    X, y = _training_set(W, b, X, y)
    lr, lam = checks.learning_rate(lr), checks.finite_number("weight_decay", weight_decay)
    n = len(X)
    steps = n if steps is None else checks.positive_int("steps", steps)
    log_every = checks.positive_int("log_every", log_every)
    sets = dict(evaluate_on or {})
    log = TrainLog()
    shrink = W.dtype.type(1 - lr * lam)
    start = time.perf_counter()
    log.record(0, W, b, sets)
    for i in range(steps):
        x = X[i % n]
        g = softmax(x @ W + b)  # o, (m,)
        g[y[i % n]] -= 1  # o - onehot(y)
        W *= shrink
        W -= np.outer(lr * x, g)  # the (d, m) outer product x^T g, no Python loop
        b -= lr * g
        if (i + 1) % log_every == 0 or i + 1 == steps:
            log.record(i + 1, W, b, sets)
    log.seconds = time.perf_counter() - start
    return log


def train_minibatch(
    W: NDArray,
    b: NDArray,
    X: ArrayLike,
    y: ArrayLike,
    *,
    lr: float = 0.1,
    weight_decay: float = 1e-4,
    batch_size: int = 100,
    epochs: int = 10,
    seed: int | np.random.Generator | None = 0,
    evaluate_on: Mapping[str, tuple[ArrayLike, ArrayLike]] | None = None,
) -> TrainLog:
    """Minibatch SGD on ``risk``, updating W and b in place; accuracy logged every epoch.

    Each epoch visits the rows of X in a fresh random order, ``batch_size`` at a time, and
    steps W <- W - lr dR/dW, b <- b - lr dR/db with the minibatch gradient.
    """
    X, y = _training_set(W, b, X, y)
    lr, lam = checks.learning_rate(lr), checks.finite_number("weight_decay", weight_decay)
    batch_size = checks.positive_int("batch_size", batch_size)
    epochs = checks.positive_int("epochs", epochs)
    rng = np.random.default_rng(seed)
    sets = dict(evaluate_on or {})
    log = TrainLog()
    start = time.perf_counter()
    log.record(0, W, b, sets)
    steps = 0
    for _ in range(epochs):
        for rows in minibatches(rng.permutation(len(X)), batch_size):
            grad_W, grad_b = gradients(W, b, X[rows], y[rows], lam)
            W -= lr * grad_W
            b -= lr * grad_b
            steps += 1
        log.record(steps, W, b, sets)
    log.seconds = time.perf_counter() - start
    return log


@dataclass(frozen=True)
class Protocol:
    """One way of training the classifier, run with a seed.

    With ``steps``, the lab's per-example SGD (``train_per_example``): ``steps`` updates over
    the training set in an order drawn from the seed. Without, minibatch SGD
    (``train_minibatch``): ``epochs`` epochs of ``batch_size`` examples, each epoch in a fresh
    order drawn from the seed. The initial weights are N(0, init_std^2) drawn from the seed:
    two protocols run with the same seed start from weights proportional to each other and,
    per example, see the examples in the same order.
    """

    init_std: float
    lr: float
    steps: int | None = None
    batch_size: int = 100
    epochs: int = 10
    weight_decay: float = 1e-4

    def __post_init__(self) -> None:
        checks.finite_number("init_std", self.init_std, positive=True)
        checks.learning_rate(self.lr)
        checks.finite_number("weight_decay", self.weight_decay)
        if self.steps is not None:
            checks.positive_int("steps", self.steps)
        checks.positive_int("batch_size", self.batch_size)
        checks.positive_int("epochs", self.epochs)

    @property
    def per_example(self) -> bool:
        """Whether this is the lab's per-example protocol."""
        return self.steps is not None

    def run(
        self,
        X: ArrayLike,
        y: ArrayLike,
        seed: int,
        *,
        m: int = 10,
        evaluate_on: Mapping[str, tuple[ArrayLike, ArrayLike]] | None = None,
        log_every: int = 1000,
    ) -> tuple[NDArray[np.floating], NDArray[np.floating], TrainLog]:
        """Train a new classifier on X ``(n, d)``, y ``(n,)`` with ``seed``: (W ``(d, m)``,
        b ``(m,)``, the log). ``evaluate_on`` and ``log_every`` (per example only) as in the
        training functions."""
        seed = checks.nonnegative_int("seed", seed)
        X = checks.real_matrix("X", X)
        W, b = init_params(X.shape[1], m, std=self.init_std, seed=seed, dtype=X.dtype)
        if self.per_example:
            order = np.random.default_rng(seed).permutation(len(X))
            y = checks.labels("y", y, m, n=len(X))
            log = train_per_example(
                W,
                b,
                X[order],
                y[order],
                lr=self.lr,
                weight_decay=self.weight_decay,
                steps=self.steps,
                log_every=log_every,
                evaluate_on=evaluate_on,
            )
        else:
            log = train_minibatch(
                W,
                b,
                X,
                y,
                lr=self.lr,
                weight_decay=self.weight_decay,
                batch_size=self.batch_size,
                epochs=self.epochs,
                seed=seed,
                evaluate_on=evaluate_on,
            )
        return W, b, log
