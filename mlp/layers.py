"""A small stack of dense layers for deeper networks: layers, losses, optimisers, a fit loop.

Rows are examples. A ``Dense`` layer maps a minibatch ``X`` of shape ``(n, n_in)`` to::

    Z = X W + b      (n, n_out)     W (n_in, n_out), b (n_out,)
    A = f(Z)         (n, n_out)     f: linear, relu, sigmoid or tanh, elementwise

(``W`` has the lab's orientation, ``W in R^{784 x 10}``; :mod:`mlp.network` stores its
``W1`` as ``(d_h, d)`` instead). Given ``dL/dA`` of shape ``(n, n_out)``, ``bprop`` applies the
chain rule backwards::

    dL/dZ = dL/dA * f'(Z)                        (n, n_out)  elementwise product
    dL/dW = X^T dL/dZ,   dL/db = 1^T dL/dZ      (n_in, n_out) and (n_out,)
    dL/dX = dL/dZ W^T                            (n, n_in)   passed to the layer below

``Sequential`` chains layers; a loss (``MeanSquaredError``, ``BinaryCrossEntropyWithLogits``,
``SoftmaxCrossEntropy``) gives the value of the mean loss of a minibatch and its gradient with
respect to the network's output; an optimiser (``SGD``, ``Adam``) updates the parameters in
place; ``fit`` runs minibatch epochs and records the training and validation losses.
The activations and the stable loss formulas come from :mod:`mlp.functions`.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from mlp.checks import finite_number, positive_int
from mlp.functions import (
    check_labels,
    logsumexp,
    onehot,
    rect,
    rect_prime,
    sigmoid,
    sigmoid_prime,
    softmax,
    softplus,
    tanh,
    tanh_prime,
)

__all__ = [
    "ACTIVATIONS",
    "SGD",
    "Adam",
    "BinaryCrossEntropyWithLogits",
    "Dense",
    "History",
    "Loss",
    "MeanSquaredError",
    "Optimizer",
    "Sequential",
    "SoftmaxCrossEntropy",
    "evaluate",
    "fit",
    "gaussian_noise",
]

Activation = Literal["linear", "relu", "sigmoid", "tanh"]
Init = Literal["glorot", "he"] | float

_SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _identity(z: NDArray[np.floating]) -> NDArray[np.floating]:
    """The linear activation, f(z) = z."""
    return z


def _ones(z: NDArray[np.floating]) -> NDArray[np.floating]:
    """Derivative of the linear activation, f'(z) = 1."""
    return np.ones_like(z)


ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "linear": (_identity, _ones),
    "relu": (rect, rect_prime),
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
}
"""Activation name -> (f, f'), elementwise; the non-linear ones are those of mlp.functions."""


def _float_dtype(dtype: DTypeLike) -> np.dtype:
    try:
        dtype = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from err
    if dtype not in _SUPPORTED_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def _real_matrix(name: str, X: ArrayLike, dtype: np.dtype, width: int | None = None) -> NDArray:
    """``X`` as a finite ``(n, width)`` array of ``dtype`` with n >= 1, or a clear error."""
    X = np.asarray(X)
    if X.dtype == np.bool_ or X.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
    if X.ndim != 2:
        expected = f"(n, {width})" if width is not None else "(n, d)"
        raise ValueError(f"{name} must be 2-D of shape {expected}, got shape {X.shape}")
    if width is not None and X.shape[1] != width:
        raise ValueError(f"{name} must have {width} columns, got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} must contain at least one example (row)")
    X = X.astype(dtype, copy=False)
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or inf")
    return X


# --- layers -----------------------------------------------------------------------------------


class Dense:
    """Fully connected layer A = f(X W + b), with W ``(n_in, n_out)`` and b ``(n_out,)``.

    Parameters
    ----------
    n_in, n_out
        Input and output widths.
    activation
        ``"linear"``, ``"relu"``, ``"sigmoid"`` or ``"tanh"``.
    init
        ``"glorot"``: W uniform on [-r, r] with r = sqrt(6 / (n_in + n_out)) (Glorot and
        Bengio); ``"he"``: W normal with standard deviation sqrt(2 / n_in), suited to ReLU; a
        number s: W normal with standard deviation s. Biases start at zero.
    seed
        Seed or ``numpy.random.Generator`` for the initial weights.
    dtype
        ``np.float32`` (default) or ``np.float64``, used by parameters and computations.

    ``fprop`` keeps X and Z for ``bprop``, which stores ``grad_W`` and ``grad_b``.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: Activation = "linear",
        *,
        init: Init = "glorot",
        seed: int | np.random.Generator | None = None,
        dtype: DTypeLike = np.float32,
    ) -> None:
        n_in, n_out = positive_int("n_in", n_in), positive_int("n_out", n_out)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.activation = activation
        self.f, self.f_prime = ACTIVATIONS[activation]
        self.dtype = _float_dtype(dtype)
        rng = np.random.default_rng(seed)
        if init == "glorot":
            limit = math.sqrt(6.0 / (n_in + n_out))
            W = rng.uniform(-limit, limit, size=(n_in, n_out))
        elif init == "he":
            W = rng.normal(0.0, math.sqrt(2.0 / n_in), size=(n_in, n_out))
        elif isinstance(init, int | float) and not isinstance(init, bool) and init >= 0:
            W = rng.normal(0.0, float(init), size=(n_in, n_out))
        else:
            raise ValueError(
                f"init must be 'glorot', 'he' or a standard deviation >= 0, got {init!r}"
            )
        self.W: NDArray[np.floating] = W.astype(self.dtype)
        self.b: NDArray[np.floating] = np.zeros(n_out, dtype=self.dtype)
        self.grad_W: NDArray[np.floating] = np.zeros_like(self.W)
        self.grad_b: NDArray[np.floating] = np.zeros_like(self.b)
        self.X: NDArray[np.floating] | None = None
        self.Z: NDArray[np.floating] | None = None

    @property
    def n_in(self) -> int:
        """Input width (rows of W)."""
        return self.W.shape[0]

    @property
    def n_out(self) -> int:
        """Output width (columns of W)."""
        return self.W.shape[1]

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out}, {self.activation!r}, dtype={self.dtype.name})"

    def params(self) -> dict[str, NDArray[np.floating]]:
        """``{"W", "b"}``: the live parameter arrays (an optimiser updates them in place)."""
        return {"W": self.W, "b": self.b}

    def grads(self) -> dict[str, NDArray[np.floating]]:
        """``{"W", "b"}``: the gradients stored by the last ``bprop``, same shapes as params."""
        return {"W": self.grad_W, "b": self.grad_b}

    def forward(self, X: ArrayLike) -> NDArray[np.floating]:
        """A = f(X W + b) for X ``(n, n_in)``: shape ``(n, n_out)``; stores nothing."""
        X = _real_matrix("X", X, self.dtype, self.n_in)
        return self.f(X @ self.W + self.b)

    def fprop(self, X: ArrayLike) -> NDArray[np.floating]:
        """A = f(X W + b) for X ``(n, n_in)``: shape ``(n, n_out)``; keeps X and Z for bprop."""
        self.X = _real_matrix("X", X, self.dtype, self.n_in)
        self.Z = self.X @ self.W + self.b  # (n, n_out)
        return self.f(self.Z)

    def bprop(self, grad_A: ArrayLike) -> NDArray[np.floating]:
        """Given dL/dA ``(n, n_out)``, store dL/dW, dL/db and return dL/dX ``(n, n_in)``."""
        if self.X is None or self.Z is None:
            raise RuntimeError("bprop needs the intermediates of a previous fprop call")
        grad_A = np.asarray(grad_A, dtype=self.dtype)
        if grad_A.shape != self.Z.shape:
            raise ValueError(f"grad_A must have shape {self.Z.shape}, got {grad_A.shape}")
        # dL/dZ = dL/dA * f'(Z); for the linear activation f' = 1
        grad_Z = grad_A if self.activation == "linear" else grad_A * self.f_prime(self.Z)
        self.grad_W = self.X.T @ grad_Z  # (n_in, n_out)
        self.grad_b = grad_Z.sum(axis=0)  # (n_out,)
        return grad_Z @ self.W.T  # (n, n_in)


class Sequential:
    """Layers applied in order: ``fprop`` feeds each output to the next layer.

    Consecutive widths must match and all layers must share one dtype.
    """

    def __init__(self, layers: Sequence[Dense]) -> None:
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for layer in layers:
            if not isinstance(layer, Dense):
                raise TypeError(f"layers must be Dense layers, got {type(layer).__name__}")
        for k, (below, above) in enumerate(pairwise(layers)):
            if below.n_out != above.n_in:
                raise ValueError(
                    f"layer {k} outputs {below.n_out} values but layer {k + 1} expects {above.n_in}"
                )
        dtypes = {layer.dtype for layer in layers}
        if len(dtypes) > 1:
            raise TypeError(f"all layers must share one dtype, got {sorted(map(str, dtypes))}")
        self.layers = layers
        self.dtype = layers[0].dtype

    @property
    def n_in(self) -> int:
        """Input width of the first layer."""
        return self.layers[0].n_in

    @property
    def n_out(self) -> int:
        """Output width of the last layer."""
        return self.layers[-1].n_out

    def __repr__(self) -> str:
        return "Sequential([" + ", ".join(map(repr, self.layers)) + "])"

    def parameters(self) -> list[NDArray[np.floating]]:
        """The live parameter arrays, ``[W_0, b_0, W_1, b_1, ...]``."""
        return [p for layer in self.layers for p in layer.params().values()]

    def gradients(self) -> list[NDArray[np.floating]]:
        """The gradients of the last ``bprop``, in the order of ``parameters()``."""
        return [g for layer in self.layers for g in layer.grads().values()]

    def n_params(self) -> int:
        """Number of scalar parameters, sum over layers of n_in n_out + n_out."""
        return sum(p.size for p in self.parameters())

    def forward(self, X: ArrayLike, batch_size: int = 4096) -> NDArray[np.floating]:
        """The output for X ``(n, n_in)``: ``(n, n_out)``, computed in chunks; stores nothing."""
        X = _real_matrix("X", X, self.dtype, self.n_in)
        batch_size = positive_int("batch_size", batch_size)
        chunks = []
        for start in range(0, len(X), batch_size):
            A = X[start : start + batch_size]
            for layer in self.layers:
                A = layer.forward(A)
            chunks.append(A)
        return np.concatenate(chunks)

    def fprop(self, X: ArrayLike) -> NDArray[np.floating]:
        """The output for X ``(n, n_in)``: ``(n, n_out)``; every layer keeps what bprop needs."""
        A = X
        for layer in self.layers:
            A = layer.fprop(A)
        return A

    def bprop(self, grad_output: ArrayLike) -> NDArray[np.floating]:
        """Given dL/d(output) ``(n, n_out)``, fill every layer's gradients; return dL/dX."""
        grad = grad_output
        for layer in reversed(self.layers):
            grad = layer.bprop(grad)
        return grad


# --- losses -----------------------------------------------------------------------------------


class Loss(ABC):
    """A minibatch loss: ``value(output, target)`` is a mean, ``grad`` its derivative.

    ``output`` is the network's ``(n, k)`` output; ``grad`` returns d value / d output with the
    shape and dtype of ``output``.
    """

    name: str = "loss"

    @abstractmethod
    def value(self, output: ArrayLike, target: ArrayLike) -> float:
        """The mean loss of the minibatch."""

    @abstractmethod
    def grad(self, output: ArrayLike, target: ArrayLike) -> NDArray[np.floating]:
        """Gradient of ``value`` with respect to ``output``."""

    def __call__(self, output: ArrayLike, target: ArrayLike) -> float:
        return self.value(output, target)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @staticmethod
    def _pair(output: ArrayLike, target: ArrayLike) -> tuple[NDArray, NDArray]:
        """Output and real target of one shape; the target takes the output's float dtype."""
        output = np.asarray(output)
        if output.dtype.kind != "f":
            output = output.astype(np.float64)
        target = np.asarray(target)
        if target.dtype == np.bool_ or target.dtype.kind not in "iuf":
            raise TypeError(f"target must hold real numbers, got dtype {target.dtype}")
        if output.shape != target.shape or output.ndim != 2:
            raise ValueError(
                f"output and target must have the same shape (n, k), got {output.shape} and "
                f"{target.shape}"
            )
        return output, target.astype(output.dtype, copy=False)


class MeanSquaredError(Loss):
    """MSE = mean over all n k entries of (output - target)^2; gradient 2 (output - target) / (n k).

    This is Keras's ``mean_squared_error``: the mean over the k outputs, then over the batch.
    """

    name = "MSE"

    def value(self, output: ArrayLike, target: ArrayLike) -> float:
        output, target = self._pair(output, target)
        diff = output - target
        return float(np.mean(diff * diff))

    def grad(self, output: ArrayLike, target: ArrayLike) -> NDArray[np.floating]:
        output, target = self._pair(output, target)
        return (2 / output.size) * (output - target)


class BinaryCrossEntropyWithLogits(Loss):
    """Binary cross-entropy of targets y in [0, 1] against probabilities sigmoid(z), from logits z.

    Per entry, -y log sigmoid(z) - (1 - y) log(1 - sigmoid(z)) = softplus(z) - y z, which is
    evaluated with the overflow-free softplus, so it stays finite for any finite z (the naive
    form gives log(0) once sigmoid(z) rounds to 0 or 1). ``value`` is the mean over all n k
    entries and ``grad`` is (sigmoid(z) - y) / (n k).
    """

    name = "BCE"

    def _checked(self, z: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray]:
        z, y = self._pair(z, y)
        if y.size and (y.min() < 0 or y.max() > 1 or not np.isfinite(y).all()):
            raise ValueError("BCE targets must lie in [0, 1] (scale images with x / 255)")
        return z, y

    def value(self, output: ArrayLike, target: ArrayLike) -> float:
        z, y = self._checked(output, target)
        return float(np.mean(softplus(z) - y * z))

    def grad(self, output: ArrayLike, target: ArrayLike) -> NDArray[np.floating]:
        z, y = self._checked(output, target)
        return (sigmoid(z) - y) / z.size


class SoftmaxCrossEntropy(Loss):
    """Cross-entropy of integer labels y ``(n,)`` against softmax(z) of logits z ``(n, m)``.

    value = mean over rows of logsumexp(z_i) - z_{i, y_i} (= -log softmax(z_i)_{y_i}),
    grad = (softmax(z) - onehot(y)) / n.
    """

    name = "cross-entropy"

    @staticmethod
    def _checked(z: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray[np.intp]]:
        z = np.asarray(z)
        if z.dtype.kind != "f":
            z = z.astype(np.float64)
        if z.ndim != 2:
            raise ValueError(f"logits must have shape (n, m), got {z.shape}")
        y = np.asarray(y)
        if y.shape != (z.shape[0],):
            raise ValueError(f"labels must have shape ({z.shape[0]},), got {y.shape}")
        return z, check_labels(y, z.shape[1])

    def value(self, output: ArrayLike, target: ArrayLike) -> float:
        z, y = self._checked(output, target)
        return float(np.mean(logsumexp(z) - z[np.arange(len(y)), y]))

    def grad(self, output: ArrayLike, target: ArrayLike) -> NDArray[np.floating]:
        z, y = self._checked(output, target)
        return (softmax(z) - onehot(y, z.shape[1], dtype=z.dtype)) / len(y)


# --- optimisers -------------------------------------------------------------------------------


class Optimizer(ABC):
    """Updates a list of parameter arrays in place from gradients given in the same order."""

    def __init__(self, params: Sequence[NDArray[np.floating]], lr: float) -> None:
        self.params = list(params)
        for p in self.params:
            if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
                raise TypeError("parameters must be floating numpy arrays (updated in place)")
        self.lr = finite_number("the learning rate", lr, positive=True)
        self.t = 0

    def _check(self, grads: Sequence[ArrayLike]) -> list[NDArray]:
        grads = [np.asarray(g) for g in grads]
        if len(grads) != len(self.params):
            raise ValueError(f"expected {len(self.params)} gradients, got {len(grads)}")
        for k, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            if g.shape != p.shape:
                raise ValueError(f"gradient {k} has shape {g.shape}, parameter {k} has {p.shape}")
        return grads

    def step(self, grads: Sequence[ArrayLike]) -> None:
        """Apply one update to every parameter, in place."""
        grads = self._check(grads)
        self.t += 1
        for k, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            self._update(k, p, g.astype(p.dtype, copy=False))

    @abstractmethod
    def _update(self, k: int, p: NDArray, g: NDArray) -> None:
        """Update parameter number k in place from its gradient g."""


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (heavy-ball) momentum mu in [0, 1).

    Without momentum: p <- p - lr g. With momentum: v <- mu v - lr g, then p <- p + v.
    """

    def __init__(
        self, params: Sequence[NDArray[np.floating]], lr: float = 0.01, momentum: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        if not (isinstance(momentum, int | float) and 0 <= momentum < 1):
            raise ValueError(f"momentum must lie in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.velocity = [np.zeros_like(p) for p in self.params]

    def _update(self, k: int, p: NDArray, g: NDArray) -> None:
        if self.momentum == 0:
            p -= self.lr * g
            return
        v = self.velocity[k]
        v *= self.momentum
        v -= self.lr * g
        p += v


class Adam(Optimizer):
    """Adam (Kingma and Ba): per-parameter steps from running moments of the gradient.

    m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;  m_hat = m / (1 - b1^t);
    v_hat = v / (1 - b2^t);  p <- p - lr m_hat / (sqrt(v_hat) + eps).
    """

    def __init__(
        self,
        params: Sequence[NDArray[np.floating]],
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not (isinstance(beta, int | float) and 0 <= beta < 1):
                raise ValueError(f"{name} must lie in [0, 1), got {beta!r}")
        if not (isinstance(eps, int | float) and eps > 0):
            raise ValueError(f"eps must be > 0, got {eps!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]

    def _update(self, k: int, p: NDArray, g: NDArray) -> None:
        m, v = self.m[k], self.v[k]
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * (g * g)
        m_hat_scale = 1 / (1 - self.beta1**self.t)
        v_hat_scale = 1 / (1 - self.beta2**self.t)
        p -= (self.lr * m_hat_scale) * m / (np.sqrt(v_hat_scale * v) + self.eps)


# --- training ---------------------------------------------------------------------------------


def gaussian_noise(std: float) -> Callable[[NDArray, np.random.Generator], NDArray]:
    """A corruption for ``fit``: X -> X + std * N(0, 1) noise, drawn afresh at every call."""
    finite_number("std", std)

    def corrupt(X: NDArray, rng: np.random.Generator) -> NDArray:
        return X + X.dtype.type(std) * rng.standard_normal(X.shape, dtype=X.dtype)

    return corrupt


def _targets(name: str, Y: ArrayLike, n: int) -> NDArray:
    Y = np.asarray(Y)
    if Y.ndim == 0 or len(Y) != n:
        raise ValueError(f"{name} must have one row per example ({n}), got shape {Y.shape}")
    return Y


def evaluate(
    model: Sequential, loss: Loss, X: ArrayLike, Y: ArrayLike, batch_size: int = 4096
) -> float:
    """The mean loss of ``model`` on (X ``(n, n_in)``, Y), computed in chunks of rows."""
    X = _real_matrix("X", X, model.dtype, model.n_in)
    Y = _targets("Y", Y, len(X))
    batch_size = positive_int("batch_size", batch_size)
    total = 0.0
    for start in range(0, len(X), batch_size):
        rows = slice(start, start + batch_size)
        output = model.forward(X[rows], batch_size)
        total += loss.value(output, Y[rows]) * len(output)
    return total / len(X)


@dataclass
class History:
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
    history: History | None = None,
) -> History:
    """Train ``model`` by minibatch steps of ``optimizer`` on ``loss``; return the History.

    ``X`` is ``(n, n_in)``; ``Y`` holds the targets (``(n, k)`` values or ``(n,)`` labels).
    Each epoch visits the n examples once in a fresh random order (``seed``), in minibatches
    of ``batch_size`` (the last may be smaller). ``corrupt(X_batch, rng)``, if given, is applied
    to every input minibatch (a denoising autoencoder's noise); targets are never corrupted.
    ``validation=(X_valid, Y_valid)`` is evaluated, uncorrupted, after every epoch.
    Passing a previous ``history`` appends to it. Raises FloatingPointError if the loss
    becomes NaN or infinite.
    """
    X = _real_matrix("X", X, model.dtype, model.n_in)
    Y = _targets("Y", Y, len(X))
    epochs = positive_int("epochs", epochs)
    batch_size = positive_int("batch_size", batch_size)
    params = model.parameters()
    if len(optimizer.params) != len(params) or not all(
        p is q for p, q in zip(optimizer.params, params, strict=True)
    ):
        raise ValueError("the optimizer must be built on model.parameters()")
    if validation is not None:
        X_valid = _real_matrix("X_valid", validation[0], model.dtype, model.n_in)
        Y_valid = _targets("Y_valid", validation[1], len(X_valid))
    rng = np.random.default_rng(seed)
    history = History() if history is None else history
    n = len(X)
    for _ in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(n)
        total = 0.0
        for first in range(0, n, batch_size):
            rows = order[first : first + batch_size]
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
            history.valid_loss.append(evaluate(model, loss, X_valid, Y_valid))
        history.seconds.append(time.perf_counter() - start)
    return history
