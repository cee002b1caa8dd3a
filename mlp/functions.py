"""Elementwise functions, their derivatives, norms and the softmax family.

Every function accepts an array-like and works elementwise unless stated otherwise.
Floating inputs keep their dtype (float32 stays float32); other inputs are converted to
float64. The softmax family works on the last axis, so a vector ``(m,)`` and a minibatch
``(n, m)`` (one row per example) are handled by the same code.

Conventions at the points where a derivative does not exist (all equal to 0 at 0):
``sign(0) = 0``, ``abs_prime(0) = 0``, ``rect_prime(0) = 0``, ``l1_grad`` is 0 at 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from mlp.checks import labels, positive_int

__all__ = [
    "abs_prime",
    "l1_grad",
    "l1_norm",
    "l2_squared",
    "l2_squared_grad",
    "log_softmax",
    "logsumexp",
    "onehot",
    "rect",
    "rect_prime",
    "sigmoid",
    "sigmoid_prime",
    "sign",
    "softmax",
    "softplus",
    "softplus_prime",
    "tanh",
    "tanh_prime",
]


def _float_array(z: ArrayLike) -> NDArray[np.floating]:
    """Return ``z`` as an array, keeping a floating dtype and turning anything else into float64."""
    z = np.asarray(z)
    if np.issubdtype(z.dtype, np.floating):
        return z
    if z.dtype.kind not in "biu":
        raise TypeError(f"expected real numbers, got an array of dtype {z.dtype}")
    return z.astype(np.float64)


# --- activations and their derivatives --------------------------------------------------------


def sigmoid(z: ArrayLike) -> NDArray[np.floating]:
    """Logistic sigmoid, sigmoid(z) = 1 / (1 + exp(-z)), same shape as ``z``.

    Written with e = exp(-|z|) <= 1 so that nothing overflows:
    sigmoid(z) = 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0.
    """
    z = _float_array(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_prime(z: ArrayLike) -> NDArray[np.floating]:
    """Derivative of the sigmoid, sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z: ArrayLike) -> NDArray[np.floating]:
    """Hyperbolic tangent, tanh(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z))."""
    return np.tanh(_float_array(z))


def tanh_prime(z: ArrayLike) -> NDArray[np.floating]:
    """Derivative of tanh, tanh'(z) = 1 - tanh(z)^2."""
    t = tanh(z)
    return 1 - t * t


def softplus(z: ArrayLike) -> NDArray[np.floating]:
    """Softplus, softplus(z) = log(1 + exp(z)).

    Computed as max(z, 0) + log1p(exp(-|z|)), which equals the formula above and never
    overflows (the naive form overflows for z around 710 in float64, 89 in float32).
    """
    z = _float_array(z)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def softplus_prime(z: ArrayLike) -> NDArray[np.floating]:
    """Derivative of softplus, softplus'(z) = exp(z) / (1 + exp(z)) = sigmoid(z)."""
    return sigmoid(z)


def rect(z: ArrayLike) -> NDArray[np.floating]:
    """Rectifier (ReLU), rect(z) = max(0, z) = z * 1{z > 0}."""
    z = _float_array(z)
    return np.maximum(z, 0)


def rect_prime(z: ArrayLike) -> NDArray[np.floating]:
    """Derivative of the rectifier, rect'(z) = 1{z > 0}: 1 where z > 0, else 0 (0 at z = 0)."""
    z = _float_array(z)
    return (z > 0).astype(z.dtype)


def sign(z: ArrayLike) -> NDArray[np.floating]:
    """Sign function, sign(z) = 1{z > 0} - 1{z < 0}: +1, -1, or 0 at z = 0."""
    return np.sign(_float_array(z))


def abs_prime(z: ArrayLike) -> NDArray[np.floating]:
    """Derivative of |z|, abs'(z) = sign(z) for z != 0; we return 0 at z = 0."""
    return sign(z)


# --- norms used by the elastic-net penalty ----------------------------------------------------


def l2_squared(x: ArrayLike) -> float:
    """Squared L2 (Frobenius) norm, ||x||_2^2 = sum_i x_i^2, summed over all entries of ``x``."""
    x = _float_array(x)
    return float(np.sum(x * x))


def l2_squared_grad(x: ArrayLike) -> NDArray[np.floating]:
    """Gradient of the squared L2 norm, d||x||_2^2 / dx = 2 x, same shape as ``x``."""
    return 2 * _float_array(x)


def l1_norm(x: ArrayLike) -> float:
    """L1 norm, ||x||_1 = sum_i |x_i|, summed over all entries of ``x``."""
    return float(np.sum(np.abs(_float_array(x))))


def l1_grad(x: ArrayLike) -> NDArray[np.floating]:
    """Gradient of the L1 norm, d||x||_1 / dx = sign(x), same shape as ``x``.

    At x_i = 0 the norm has no derivative; 0 is the subgradient we choose there.
    """
    return sign(x)


# --- softmax family (last axis: a vector (m,) or a minibatch (n, m)) ---------------------------


def logsumexp(z: ArrayLike) -> NDArray[np.floating]:
    """Log-sum-exp over the last axis, logsumexp(z) = log sum_k exp(z_k).

    Stable form: with c = max_k z_k, logsumexp(z) = c + log sum_k exp(z_k - c), where every
    exponent is <= 0. Shape: ``(m,) -> ()`` and ``(n, m) -> (n,)``.
    """
    z = _float_array(z)
    c = np.max(z, axis=-1, keepdims=True)
    return np.squeeze(c + np.log(np.sum(np.exp(z - c), axis=-1, keepdims=True)), axis=-1)


def softmax(z: ArrayLike) -> NDArray[np.floating]:
    """Softmax over the last axis, softmax(z)_k = exp(z_k) / sum_j exp(z_j).

    Stable form: subtracting c = max_j z_j from every entry leaves the ratio unchanged and
    keeps every exponent <= 0. Shape: same as ``z``, ``(m,)`` or ``(n, m)`` (row-wise).
    """
    z = _float_array(z)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(z: ArrayLike) -> NDArray[np.floating]:
    """Log of the softmax over the last axis, log softmax(z)_k = z_k - logsumexp(z).

    Stable form: (z_k - c) - log sum_j exp(z_j - c) with c = max_j z_j. Shape: same as ``z``.
    """
    z = _float_array(z)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


# --- labels ---------------------------------------------------------------------------------


def onehot(y: ArrayLike, m: int, dtype: DTypeLike = np.float64) -> NDArray[np.floating]:
    """One-hot encoding, onehot_m(y)_k = 1{k = y}.

    ``y`` holds integer labels in [0, m): a scalar gives shape ``(m,)``, labels of shape
    ``(n,)`` give ``(n, m)`` with one row per example.
    """
    m = positive_int("the number of classes m", m)
    y = labels("y", y, m)
    return (y[..., np.newaxis] == np.arange(m)).astype(dtype)
