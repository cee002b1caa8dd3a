"""Losses of a minibatch for the layer stack: their mean value and its gradient.

``output`` is the network's ``(n, k)`` output. ``MeanSquaredError`` and
``BinaryCrossEntropyWithLogits`` (the lab's reconstruction losses, computed from logits with
the overflow-free softplus) average over all n k entries; ``SoftmaxCrossEntropy`` averages
-log softmax(z_i)_{y_i} over the n rows. ``grad`` returns d value / d output with the shape
and dtype of ``output``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mlp import checks
from mlp.functions import logsumexp, onehot, sigmoid, softmax, softplus

__all__ = ["BinaryCrossEntropyWithLogits", "Loss", "MeanSquaredError", "SoftmaxCrossEntropy"]


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
        return z, checks.labels("y", y, z.shape[1], n=z.shape[0])

    def value(self, output: ArrayLike, target: ArrayLike) -> float:
        z, y = self._checked(output, target)
        return float(np.mean(logsumexp(z) - z[np.arange(len(y)), y]))

    def grad(self, output: ArrayLike, target: ArrayLike) -> NDArray[np.floating]:
        z, y = self._checked(output, target)
        return (softmax(z) - onehot(y, z.shape[1], dtype=z.dtype)) / len(y)
