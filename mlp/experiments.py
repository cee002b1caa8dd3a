"""Checks that a training experiment shows what a chapter says it shows (C7's claims).

Each check measures one thing and returns a ``Check`` (the figures measured, the threshold,
whether it passed); a chapter asserts ``check.passed``, and the tests train broken engines
(a frozen hidden layer, dropped bias gradients) and expect the same checks to fail.

- ``step_follows_gradient``: the training step of the network's own class moves every
  parameter array by ``-lr`` times the gradient of the risk ``fprop`` computes, the gradient
  estimated by central differences along random directions of that array. A step that
  freezes a layer, drops the bias gradients or flips a sign fails it, however well the
  network classifies.
- ``train_linear_softmax``: the linear softmax classifier (no hidden layer) trained the same
  way as ``mlp.train.train`` trains a network: minibatch SGD from zero weights, the same
  minibatch size, epochs, learning-rate schedule, order of the examples (the same seed) and
  early stopping on the validation error. It is the reference a hidden layer has to beat.
  ``best_linear_softmax`` keeps the best of a few learning rates, on validation.
- ``beats``: one error below another by a stated margin (a hidden layer that never learned
  is a fixed random feature map, which does no better than the pixels themselves).
- ``network_checks``: the two checks of a trained network that any configuration allows,
  the step's and the margin over the linear classifier, as C7 asserts them.
- ``best_inside_grid``: a search's best configuration is at no end of its grid, for every
  hyper-parameter that varies (a penalty or decay of 0 excepted: nothing lies below it);
  otherwise the best value may lie outside the values tried.
- ``compare_configs``: two configurations of a search, paired by seed, as a
  ``mlp.verdicts.Comparison`` (worse / better / within noise); ``compare_example_sets``: the
  same networks on two sets of examples (validation and test), with the sampling noise of the
  examples counted; ``paired_difference``: two classifiers' errors on the same examples.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mlp import checks
from mlp.data.splits import Splits
from mlp.linear_softmax import gradients, init_params, predict, risk
from mlp.minibatches import minibatches
from mlp.network import MLP, PARAM_NAMES
from mlp.sweep.report import ConfigResult, SweepSummary, describe
from mlp.train import evaluate, learning_rate
from mlp.verdicts import Comparison, compare, compare_paired_runs

__all__ = [
    "FLOORED_AT_ZERO",
    "STEP_TOLERANCE",
    "Check",
    "LinearRun",
    "beats",
    "best_inside_grid",
    "best_linear_softmax",
    "compare_configs",
    "compare_example_sets",
    "network_checks",
    "paired_difference",
    "step_follows_gradient",
    "train_linear_softmax",
]


@dataclass(frozen=True)
class Check:
    """One claim checked: its ``name``, whether it ``passed``, a sentence saying what was
    measured against what (``detail``), and the figures by name (``values``)."""

    name: str
    passed: bool
    detail: str
    values: Mapping[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{'passed' if self.passed else 'FAILED'}: {self.name}: {self.detail}"


# --- the engine's step against finite differences ---------------------------------------------


def _float64_twin(net: MLP) -> MLP:
    """A float64 network of the same class, sizes and penalty, holding ``net``'s parameters."""
    twin = type(net)(
        net.d,
        net.d_h,
        net.m,
        **dict(zip(checks.LAMBDA_NAMES, net.lambdas, strict=True)),
        dtype=np.float64,
    )
    for name, value in net.params().items():
        setattr(twin, name, value.astype(np.float64))
    return twin


STEP_TOLERANCE = 1e-4
"""The largest relative difference ``step_follows_gradient`` accepts by default: a working
step agrees to rounding (about 1e-7 measured in float64), a broken one differs by about 1."""


def step_follows_gradient(
    net: MLP,
    X: ArrayLike,
    y: ArrayLike,
    *,
    directions: int = 2,
    eps: float = 1e-6,
    tol: float = STEP_TOLERANCE,
    seed: int = 0,
) -> Check:
    """Whether one training step of ``net``'s class, at ``net``'s parameters, is -lr times
    the gradient of the risk on the minibatch ``X`` ``(n, d)``, ``y`` ``(n,)``.

    On a float64 copy of the network (same class), one ``sgd_step_unchecked`` with lr = 1
    gives the step's gradient g = theta_before - theta_after. For each parameter array and
    ``directions`` random unit directions v of that array, g . v is compared with the central
    difference (R(theta + eps v) - R(theta - eps v)) / (2 eps) of the risk R that ``fprop``
    returns. Passes when every relative difference is below ``tol``; ``values`` holds the
    worst one of each array (``"W1"``, ``"b1"``, ``"W2"``, ``"b2"``).
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an mlp.network.MLP, got {type(net).__name__}")
    directions = checks.positive_int("directions", directions)
    eps = checks.finite_number("eps", eps, positive=True)
    tol = checks.finite_number("tol", tol, positive=True)
    twin = _float64_twin(net)
    X, y = twin.check_batch(X, y)
    before = {name: theta.copy() for name, theta in twin.params().items()}

    def put(shifted: Mapping[str, NDArray]) -> None:
        for name, theta in twin.params().items():
            theta[...] = shifted.get(name, before[name])

    twin.sgd_step_unchecked(X, y, 1.0)
    step_gradient = {name: before[name] - theta for name, theta in twin.params().items()}
    rng = np.random.default_rng(seed)
    worst: dict[str, float] = {}
    for name in PARAM_NAMES:
        worst[name] = 0.0
        for _ in range(directions):
            v = rng.standard_normal(before[name].shape)
            v /= np.linalg.norm(v)
            put({name: before[name] + eps * v})
            up = twin.fprop(X, y)
            put({name: before[name] - eps * v})
            down = twin.fprop(X, y)
            numeric = (up - down) / (2 * eps)
            engine = float(np.sum(step_gradient[name] * v))
            scale = max(abs(numeric), abs(engine), 1e-12)
            worst[name] = max(worst[name], abs(engine - numeric) / scale)
    put({})
    passed = all(error < tol for error in worst.values())
    detail = (
        f"{type(net).__name__}'s step against central differences of its risk, "
        f"{directions} random directions per array: worst relative difference "
        + ", ".join(f"{name} {error:.1e}" for name, error in worst.items())
        + f" (tolerance {tol:g})"
    )
    return Check("the training step follows the gradient", passed, detail, worst)


# --- the linear reference ---------------------------------------------------------------------


@dataclass(frozen=True)
class LinearRun:
    """A linear softmax classifier trained by ``train_linear_softmax``: its parameters
    (those of the best validation epoch), the validation error after each epoch, the best
    epoch (1-based) and the learning rate it was trained with."""

    W: NDArray[np.floating]
    b: NDArray[np.floating]
    valid_errors: tuple[float, ...]
    best_epoch: int
    lr: float

    @property
    def valid_error(self) -> float:
        """The validation error of the best epoch."""
        return self.valid_errors[self.best_epoch - 1]

    def error(self, X: ArrayLike, y: ArrayLike) -> float:
        """The fraction of the rows of ``X`` ``(n, d)`` misclassified (labels ``y`` ``(n,)``)."""
        return float(np.mean(predict(self.W, self.b, X) != np.asarray(y)))


def train_linear_softmax(
    data: Splits,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    lr_decay: float = 0.0,
    patience: int | None = None,
    seed: int = 0,
) -> LinearRun:
    """The linear softmax classifier trained on ``data`` as ``mlp.train.train`` trains a
    network with the same arguments (see the module docstring); the test set is not read.

    Weights start at zero; epoch t visits the training set in the order
    ``default_rng(seed)``'s t-th permutation, with learning rate
    ``lr / (1 + lr_decay (t - 1))``; the parameters of the epoch with the lowest validation
    error (then loss) are kept, and training stops once ``patience`` epochs have passed
    without a better one.
    """
    epochs = checks.positive_int("epochs", epochs)
    batch_size = checks.positive_int("batch_size", batch_size)
    lr = checks.learning_rate(lr)
    lr_decay = checks.finite_number("lr_decay", lr_decay)
    if patience is not None:
        patience = checks.positive_int("patience", patience)
    if not isinstance(data, Splits) or not data.has("valid"):
        raise TypeError("data must be an mlp.data.Splits with a validation set")
    X = np.asarray(data.X_train)
    W, b = init_params(data.n_features, data.n_classes, std=0.0, dtype=X.dtype)
    X = checks.real_matrix("X_train", X, dtype=W.dtype, columns=data.n_features)
    y = checks.labels("y_train", data.y_train, data.n_classes, n=len(X))
    rng = np.random.default_rng(seed)
    errors: list[float] = []
    best_key, best_epoch, best = (math.inf, math.inf), 0, (W.copy(), b.copy())
    for epoch in range(1, epochs + 1):
        if patience is not None and epoch - 1 - best_epoch >= patience:
            break
        epoch_lr = learning_rate(lr, lr_decay, epoch)
        for rows in minibatches(rng.permutation(len(y)), batch_size):
            grad_W, grad_b = gradients(W, b, X[rows], y[rows])
            W -= epoch_lr * grad_W
            b -= epoch_lr * grad_b
        error = float(np.mean(predict(W, b, data.X_valid) != np.asarray(data.y_valid)))
        errors.append(error)
        key = (error, risk(W, b, data.X_valid, data.y_valid))
        if key < best_key:
            best_key, best_epoch, best = key, epoch, (W.copy(), b.copy())
    return LinearRun(best[0], best[1], tuple(errors), best_epoch, lr)


def best_linear_softmax(data: Splits, lrs: Sequence[float], **same: Any) -> LinearRun:
    """``train_linear_softmax(data, lr=lr, **same)`` for each of ``lrs``; the run with the
    lowest validation error (the first one in a tie)."""
    if isinstance(lrs, str) or not isinstance(lrs, Sequence) or not lrs:
        raise TypeError(f"lrs must be a non-empty sequence of learning rates, got {lrs!r}")
    runs = [train_linear_softmax(data, lr=lr, **same) for lr in lrs]
    return min(runs, key=lambda run: run.valid_error)


# --- comparisons ------------------------------------------------------------------------------


def _fraction(name: str, value: Any) -> float:
    value = checks.finite_number(name, value)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a fraction in [0, 1], got {value!r}")
    return value


def beats(error: float, reference: float, margin: float, *, name: str) -> Check:
    """Whether ``error`` is below ``reference`` by at least ``margin`` (fractions in [0, 1])."""
    error, reference, margin = (
        _fraction(name, value)
        for name, value in (("error", error), ("reference", reference), ("margin", margin))
    )
    passed = error <= reference - margin
    detail = (
        f"error {100 * error:.2f}% against {100 * reference:.2f}%: "
        f"{100 * (reference - error):.2f} points lower, {100 * margin:.2f} required"
    )
    return Check(name, passed, detail, {"error": error, "reference": reference, "margin": margin})


def network_checks(
    net: MLP, data: Splits, linear: LinearRun, *, margin: float, batch_size: int = 100
) -> list[Check]:
    """The checks of a trained network ``net`` that hold in any configuration where a hidden
    layer helps: its validation error beats the linear classifier ``linear`` (trained on the
    same ``data`` the same way) by ``margin``, and its class's training step, at its trained
    parameters, follows the gradient on the first ``batch_size`` training examples."""
    valid_error, _ = evaluate(net, data.X_valid, data.y_valid)
    batch_size = checks.positive_int("batch_size", batch_size)
    X, y = data.X_train[:batch_size], data.y_train[:batch_size]
    return [
        beats(valid_error, linear.valid_error, margin, name="beats the linear classifier"),
        step_follows_gradient(net, X, y),
    ]


FLOORED_AT_ZERO = ("l11", "l12", "l21", "l22", "lr_decay")
"""Hyper-parameters whose grid may end at a best value of 0: nothing lies below it."""


def best_inside_grid(summary: SweepSummary) -> Check:
    """Whether the best configuration of a search lies inside its grid: for every
    hyper-parameter that varies, its best value is neither the largest value tried nor the
    smallest (unless that is 0 for a hyper-parameter of ``FLOORED_AT_ZERO``).

    ``values`` maps each varying hyper-parameter to the position of the best value among
    the sorted values tried (0 for the smallest).
    """
    if not isinstance(summary, SweepSummary):
        raise TypeError(f"summary must be a SweepSummary, got {type(summary).__name__}")
    best = summary.best.config
    positions: dict[str, float] = {}
    edges = []
    for name in summary.varying:
        values = sorted({r.config[name] for r in summary.results})
        position = values.index(best[name])
        positions[name] = float(position)
        floor = position == 0 and best[name] == 0 and name in FLOORED_AT_ZERO
        if position == len(values) - 1 or (position == 0 and not floor):
            edges.append(f"{name} = {best[name]:g} is the {'largest' if position else 'smallest'}")
    described = ", ".join(f"{name} = {best[name]:g}" for name in summary.varying)
    detail = f"best {described}" + (f": {'; '.join(edges)} value tried" if edges else "")
    return Check("the best configuration is inside the grid", not edges, detail, positions)


def compare_configs(a: ConfigResult, b: ConfigResult) -> Comparison:
    """``a`` against ``b``, two configurations of one search, paired by seed: the mean over
    the seeds both finished of a's validation error minus b's, with the standard error of
    that mean (``mlp.verdicts.compare_paired_runs``). A seed draws the initial weights and the
    order of the examples, the same in both configurations, so the part of the noise the two
    runs of a seed share cancels. A seed that diverged in either is left out."""
    for name, result in (("a", a), ("b", b)):
        if not isinstance(result, ConfigResult):
            raise TypeError(f"{name} must be a ConfigResult, got {type(result).__name__}")
    error_of = [dict(zip(r.seeds, r.valid_errors, strict=True)) for r in (a, b)]
    common = [seed for seed in a.seeds if seed in error_of[1]]
    if len(common) < 2:
        raise ValueError(
            f"a paired comparison needs at least 2 seeds finished by both configurations, "
            f"got {len(common)} ({describe(a.config, sorted(a.config))} against "
            f"{describe(b.config, sorted(b.config))})"
        )
    return compare_paired_runs(
        [error_of[0][seed] for seed in common], [error_of[1][seed] for seed in common]
    )


def compare_example_sets(
    errors_a: ArrayLike, n_a: int, errors_b: ArrayLike, n_b: int
) -> Comparison:
    """The same networks' error rates on two sets of examples: ``errors_a`` ``(S,)`` on a set
    of ``n_a`` examples, ``errors_b`` ``(S,)`` on one of ``n_b`` (one entry per network, e.g.
    one per seed). The difference is the mean of a - b; its standard error adds two noises:
    the sampling of the examples, p_a (1 - p_a) / n_a + p_b (1 - p_b) / n_b with p the mean
    error rate of each set (it does not shrink with more networks, which all see the same
    examples), and the spread of the networks, var(a - b) / S (sample variance).

    This asks whether the population the set a was drawn from is harder for these networks
    than that of b, beyond what drawing n_a and n_b examples gives by chance.
    """
    n_a, n_b = checks.positive_int("n_a", n_a), checks.positive_int("n_b", n_b)
    rates = []
    for name, errors in (("errors_a", errors_a), ("errors_b", errors_b)):
        array = np.asarray(errors, dtype=float)
        if array.ndim != 1 or len(array) < 2:
            raise ValueError(f"{name} must be a 1-d sequence of at least 2 error rates")
        if not np.all((array >= 0) & (array <= 1)):
            raise ValueError(f"{name} must hold error rates in [0, 1], got {errors!r}")
        rates.append(array)
    a, b = rates
    if len(a) != len(b):
        raise ValueError(
            f"errors_a and errors_b need one entry per network, got {len(a)} and {len(b)}"
        )
    sampling = sum(p * (1 - p) / n for p, n in ((a.mean(), n_a), (b.mean(), n_b)))
    networks = (a - b).var(ddof=1) / len(a)
    return compare((a - b).mean(), math.sqrt(sampling + networks))


def paired_difference(
    predicted_a: ArrayLike, predicted_b: ArrayLike, y: ArrayLike
) -> tuple[float, float]:
    """The error of predictions ``a`` minus that of ``b`` on the same ``n`` examples (labels
    ``y`` ``(n,)``), and its standard error sqrt(n_ab + n_ba) / n, where n_ab counts the
    examples only ``a`` gets wrong and n_ba those only ``b`` gets wrong (the examples both get
    right or both wrong do not move the difference; McNemar's test uses the same counts).
    """
    a, b, labels = (np.asarray(v) for v in (predicted_a, predicted_b, y))
    if not (a.shape == b.shape == labels.shape) or labels.ndim != 1 or len(labels) == 0:
        raise ValueError(
            f"predictions and labels must have one shape (n,), got {a.shape}, {b.shape} "
            f"and {labels.shape}"
        )
    wrong_a, wrong_b = a != labels, b != labels
    only_a = int(np.count_nonzero(wrong_a & ~wrong_b))
    only_b = int(np.count_nonzero(wrong_b & ~wrong_a))
    n = len(labels)
    return (only_a - only_b) / n, math.sqrt(only_a + only_b) / n
