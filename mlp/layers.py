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

``Sequential`` chains layers. The losses are in :mod:`mlp.losses`, the optimisers in
:mod:`mlp.optimizers` and the training loop in :mod:`mlp.fit`; the activations come from
:mod:`mlp.functions`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from mlp import checks
from mlp.functions import rect, rect_prime, sigmoid, sigmoid_prime, tanh, tanh_prime

__all__ = ["ACTIVATIONS", "Dense", "Sequential"]

Activation = Literal["linear", "relu", "sigmoid", "tanh"]
Init = Literal["glorot", "he"] | float


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
        n_in, n_out = checks.positive_int("n_in", n_in), checks.positive_int("n_out", n_out)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.activation = activation
        self.f, self.f_prime = ACTIVATIONS[activation]
        self.dtype = checks.float_dtype(dtype)
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
        X = checks.real_matrix("X", X, dtype=self.dtype, columns=self.n_in)
        return self.f(X @ self.W + self.b)

    def fprop(self, X: ArrayLike) -> NDArray[np.floating]:
        """A = f(X W + b) for X ``(n, n_in)``: shape ``(n, n_out)``; keeps X and Z for bprop."""
        self.X = checks.real_matrix("X", X, dtype=self.dtype, columns=self.n_in)
        self.Z = self.X @ self.W + self.b  # (n, n_out)
        return self.f(self.Z)

    def bprop(self, grad_A: ArrayLike, input_grad: bool = True) -> NDArray[np.floating] | None:
        """Given dL/dA ``(n, n_out)``, store dL/dW, dL/db and return dL/dX ``(n, n_in)``
        (None with ``input_grad=False``: a first layer's inputs need no gradient)."""
        if self.X is None or self.Z is None:
            raise RuntimeError("bprop needs the intermediates of a previous fprop call")
        grad_A = np.asarray(grad_A, dtype=self.dtype)
        if grad_A.shape != self.Z.shape:
            raise ValueError(f"grad_A must have shape {self.Z.shape}, got {grad_A.shape}")
        # dL/dZ = dL/dA * f'(Z); for the linear activation f' = 1
        grad_Z = grad_A if self.activation == "linear" else grad_A * self.f_prime(self.Z)
        self.grad_W = self.X.T @ grad_Z  # (n_in, n_out)
        self.grad_b = grad_Z.sum(axis=0)  # (n_out,)
        return grad_Z @ self.W.T if input_grad else None  # (n, n_in)


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
        X = checks.real_matrix("X", X, dtype=self.dtype, columns=self.n_in)
        batch_size = checks.positive_int("batch_size", batch_size)
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

    def bprop(self, grad_output: ArrayLike, input_grad: bool = True) -> NDArray[np.floating] | None:
        """Given dL/d(output) ``(n, n_out)``, fill every layer's gradients; return dL/dX
        ``(n, n_in)``, or None with ``input_grad=False`` (training needs only the parameters'
        gradients, and the first layer then skips the product that gives dL/dX)."""
        grad = grad_output
        for k in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[k].bprop(grad, input_grad=input_grad or k > 0)
        return grad
