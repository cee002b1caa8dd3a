"""The one-hidden-layer ReLU/softmax MLP, written step by step as the derivation reads.

For one example ``x`` of shape ``(d,)`` with label ``y`` in ``[0, m)``::

    ha = W1 x + b1          (d_h,)   hidden pre-activations
    hs = rect(ha)           (d_h,)   hidden outputs
    oa = W2 hs + b2         (m,)     output pre-activations
    os = softmax(oa)        (m,)     class probabilities
    L  = -log os[y] = logsumexp(oa) - oa[y]

Parameters: ``W1`` ``(d_h, d)``, ``b1`` ``(d_h,)``, ``W2`` ``(m, d_h)``, ``b2`` ``(m,)``.
``fprop(X, y)`` returns the regularized empirical risk of a minibatch,
mean of L over the rows of ``X`` plus the elastic-net penalty
``l11 |W1|_1 + l12 |W1|_2^2 + l21 |W2|_1 + l22 |W2|_2^2`` (biases are not penalized),
and ``bprop()`` returns its exact gradient.

Two implementations share this contract: ``MLP`` works on the whole minibatch with matrix
products (rows are examples), ``LoopMLP`` loops over the examples one column vector at a
time, as the homework's first version does. Comments of the form ``# B10: ...`` name the
homework question (Part B) whose answer the following lines implement.
"""

from __future__ import annotations

import copy as _copy
import math
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from mlp.checks import positive_int
from mlp.functions import (
    check_labels,
    l1_grad,
    l1_norm,
    l2_squared,
    l2_squared_grad,
    logsumexp,
    onehot,
    rect,
    rect_prime,
    softmax,
)

__all__ = ["MLP", "LoopMLP", "penalty", "penalty_grad"]

PARAM_NAMES = ("W1", "b1", "W2", "b2")
_LAMBDA_NAMES = ("l11", "l12", "l21", "l22")
_SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# --- elastic-net penalty (B18) ----------------------------------------------------------------


def _check_lambdas(l11: float, l12: float, l21: float, l22: float) -> None:
    """Raise unless every regularization strength is a finite real number >= 0."""
    for name, value in zip(_LAMBDA_NAMES, (l11, l12, l21, l22), strict=True):
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise TypeError(f"{name} must be a real number, got {value!r}")
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def penalty(W1: NDArray, W2: NDArray, l11: float, l12: float, l21: float, l22: float) -> float:
    """Elastic-net penalty l11 ||W1||_1 + l12 ||W1||_2^2 + l21 ||W2||_1 + l22 ||W2||_2^2.

    ``W1`` is ``(d_h, d)``, ``W2`` is ``(m, d_h)``; terms whose lambda is 0 are not computed.
    """
    _check_lambdas(l11, l12, l21, l22)
    total = 0.0
    if l11:
        total += l11 * l1_norm(W1)
    if l12:
        total += l12 * l2_squared(W1)
    if l21:
        total += l21 * l1_norm(W2)
    if l22:
        total += l22 * l2_squared(W2)
    return total


def penalty_grad(
    W1: NDArray, W2: NDArray, l11: float, l12: float, l21: float, l22: float
) -> tuple[NDArray, NDArray]:
    """Gradient of the elastic-net penalty, ``(gW1, gW2)`` with the shapes of ``W1``, ``W2``.

    gW1 = l11 sign(W1) + 2 l12 W1 and gW2 = l21 sign(W2) + 2 l22 W2, where sign(0) = 0 is the
    subgradient chosen at 0. Terms whose lambda is 0 are not computed.
    """
    _check_lambdas(l11, l12, l21, l22)
    gW1 = np.zeros_like(W1)
    gW2 = np.zeros_like(W2)
    if l11:
        gW1 += l11 * l1_grad(W1)
    if l12:
        gW1 += l12 * l2_squared_grad(W1)
    if l21:
        gW2 += l21 * l1_grad(W2)
    if l22:
        gW2 += l22 * l2_squared_grad(W2)
    return gW1, gW2


# --- the matrix (minibatch) implementation ----------------------------------------------------


class MLP:
    """One-hidden-layer ReLU/softmax network; ``fprop``/``bprop`` use minibatch matrices.

    Parameters
    ----------
    d, d_h, m
        Input width, number of hidden units, number of classes.
    l11, l12, l21, l22
        Elastic-net strengths (>= 0): L1 and squared L2 on ``W1``, then on ``W2``.
    seed
        Seed (or ``numpy.random.Generator``) for the initialization: weights uniform on
        ``[-1/sqrt(n_in), 1/sqrt(n_in)]`` with ``n_in`` the layer's fan-in, biases zero.
    dtype
        ``np.float32`` or ``np.float64``; parameters, inputs and intermediates use it.

    Attributes
    ----------
    W1, b1, W2, b2
        The parameters, ``(d_h, d)``, ``(d_h,)``, ``(m, d_h)``, ``(m,)``. Callers may assign
        new arrays (same shapes and dtype) or update them in place.
    X, y, ha, hs, oa, os, L
        Set by ``fprop``: the batch, ``(n, d_h)`` hidden and ``(n, m)`` output arrays, and the
        ``(n,)`` per-example losses.
    grad_oa, grad_W2, grad_b2, grad_hs, grad_ha, grad_W1, grad_b1, grad_x
        Set by ``bprop``: gradients of the mean loss (without the penalty) with respect to
        each quantity; ``grad_x`` only when requested.
    """

    def __init__(
        self,
        d: int,
        d_h: int,
        m: int,
        *,
        l11: float = 0.0,
        l12: float = 0.0,
        l21: float = 0.0,
        l22: float = 0.0,
        seed: int | np.random.Generator | None = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        d, d_h, m = positive_int("d", d), positive_int("d_h", d_h), positive_int("m", m)
        try:
            self.dtype = np.dtype(dtype)
        except TypeError as err:
            raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from err
        if self.dtype not in _SUPPORTED_DTYPES:
            raise TypeError(f"dtype must be float32 or float64, got {self.dtype}")
        _check_lambdas(l11, l12, l21, l22)
        self.l11, self.l12, self.l21, self.l22 = l11, l12, l21, l22

        rng = np.random.default_rng(seed)
        bound1, bound2 = 1 / math.sqrt(d), 1 / math.sqrt(d_h)  # 1/sqrt(fan-in) of each layer
        self.W1 = rng.uniform(-bound1, bound1, size=(d_h, d)).astype(self.dtype)
        self.b1 = np.zeros(d_h, dtype=self.dtype)
        self.W2 = rng.uniform(-bound2, bound2, size=(m, d_h)).astype(self.dtype)
        self.b2 = np.zeros(m, dtype=self.dtype)
        self._buffers: dict[tuple, tuple[NDArray, ...]] | None = None  # reused by sgd_step
        self._clear_state()

    # sizes follow the parameter arrays, so a caller who assigns new arrays stays consistent
    @property
    def d(self) -> int:
        """Input width (columns of ``W1``)."""
        return self.W1.shape[1]

    @property
    def d_h(self) -> int:
        """Number of hidden units (rows of ``W1``)."""
        return self.W1.shape[0]

    @property
    def m(self) -> int:
        """Number of classes (rows of ``W2``)."""
        return self.W2.shape[0]

    @property
    def lambdas(self) -> tuple[float, float, float, float]:
        """The elastic-net strengths ``(l11, l12, l21, l22)``."""
        return self.l11, self.l12, self.l21, self.l22

    def __repr__(self) -> str:
        lambdas = ", ".join(f"{n}={v:g}" for n, v in zip(_LAMBDA_NAMES, self.lambdas, strict=True))
        sizes = f"d={self.d}, d_h={self.d_h}, m={self.m}"
        return f"{type(self).__name__}({sizes}, {lambdas}, dtype={self.dtype.name})"

    # --- parameters -----------------------------------------------------------------------

    def params(self) -> dict[str, NDArray]:
        """The parameters by name, ``"W1", "b1", "W2", "b2"``: the live arrays, not copies."""
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}

    def n_params(self) -> int:
        """Number of scalar parameters, d_h (d + 1) + m (d_h + 1)."""
        return self.d_h * (self.d + 1) + self.m * (self.d_h + 1)

    def copy(self) -> Self:
        """An independent network with copies of the parameters and the same settings."""
        clone = _copy.copy(self)
        clone._clear_state()
        clone._buffers = None  # the step's buffers are per network
        for name, value in self.params().items():
            setattr(clone, name, value.copy())
        return clone

    def _clear_state(self) -> None:
        """Forget the intermediates of the last fprop/bprop."""
        self.X = self.y = self.ha = self.hs = self.oa = self.os = self.L = None
        self.grad_oa = self.grad_W2 = self.grad_b2 = self.grad_hs = None
        self.grad_ha = self.grad_W1 = self.grad_b1 = self.grad_x = None

    def _check_params(self) -> None:
        """Raise if parameters assigned by a caller have inconsistent shapes or another dtype."""
        d, d_h, m = self.d, self.d_h, self.m
        expected = {"W1": (d_h, d), "b1": (d_h,), "W2": (m, d_h), "b2": (m,)}
        for name, value in self.params().items():
            if not isinstance(value, np.ndarray) or value.shape != expected[name]:
                shape = getattr(value, "shape", type(value).__name__)
                raise ValueError(f"{name} must be an array of shape {expected[name]}, got {shape}")
            if value.dtype != self.dtype:
                raise TypeError(f"{name} has dtype {value.dtype}, the network uses {self.dtype}")

    # --- input validation -----------------------------------------------------------------

    def _check_X(self, X: ArrayLike) -> NDArray[np.floating]:
        """Return ``X`` as an ``(n, d)`` array of the network's dtype, or raise."""
        X = np.asarray(X)
        if X.dtype == np.bool_ or X.dtype.kind not in "iuf":
            raise TypeError(f"X must hold real numbers, got dtype {X.dtype}")
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D of shape (n, d) with d={self.d}, got shape {X.shape}")
        if X.shape[1] != self.d:
            raise ValueError(f"X must have d={self.d} columns, got shape {X.shape}")
        if X.shape[0] == 0:
            raise ValueError("X must contain at least one example (row)")
        with np.errstate(over="ignore"):  # values beyond the dtype's range become inf: caught below
            X = X.astype(self.dtype, copy=False)
        if not np.isfinite(X).all():
            raise ValueError(f"X contains NaN or inf (as {self.dtype})")
        return X

    def _check_batch(self, X: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray[np.intp]]:
        """Validate a minibatch: ``X`` ``(n, d)`` and integer labels ``y`` ``(n,)`` in [0, m)."""
        X = self._check_X(X)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(
                f"y must have shape ({X.shape[0]},) to match the rows of X, got {y.shape}"
            )
        y = check_labels(y, self.m)
        self._check_params()
        return X, y

    def _penalty(self) -> float:
        return penalty(self.W1, self.W2, *self.lambdas)

    # --- prediction -----------------------------------------------------------------------

    def predict_proba(self, X: ArrayLike) -> NDArray[np.floating]:
        """Class probabilities os for each row of ``X`` ``(n, d)``: shape ``(n, m)``.

        Does not touch the state stored by ``fprop``.
        """
        X = self._check_X(X)
        self._check_params()
        return softmax(rect(X @ self.W1.T + self.b1) @ self.W2.T + self.b2)

    def predict(self, X: ArrayLike) -> NDArray[np.intp]:
        """Most probable class for each row of ``X`` ``(n, d)``: integer array ``(n,)``."""
        return np.argmax(self.predict_proba(X), axis=1)

    # --- forward and backward propagation on a minibatch ----------------------------------

    def fprop(self, X: ArrayLike, y: ArrayLike) -> float:
        """Regularized empirical risk of the minibatch: mean of L over the rows + penalty.

        ``X`` is ``(n, d)`` (one example per row) and ``y`` holds ``n`` integer labels.
        Row i of ``ha``, ``hs``, ``oa``, ``os`` is the homework's column vector for example i.
        """
        X, y = self._check_batch(X, y)
        self.X, self.y = X, y
        # B1: hidden layer
        self.ha = X @ self.W1.T + self.b1  # (n, d_h)
        self.hs = rect(self.ha)  # (n, d_h)
        # B2: output layer
        self.oa = self.hs @ self.W2.T + self.b2  # (n, m)
        # B3: softmax
        self.os = softmax(self.oa)  # (n, m), rows sum to 1
        # B4: loss
        self.L = logsumexp(self.oa) - self.oa[np.arange(len(y)), y]  # (n,): -log os[i, y_i]
        return float(np.mean(self.L)) + self._penalty()

    def bprop(self, grad_x: bool = False) -> dict[str, NDArray]:
        """Gradient of the value returned by the last ``fprop``, as ``{"W1", "b1", "W2", "b2"}``.

        Each entry has the shape of its parameter. With ``grad_x=True`` the dict also holds
        ``"x"``, the ``(n, d)`` gradient with respect to the rows of ``X``.
        """
        if self.X is None:
            raise RuntimeError("bprop needs the intermediates of a previous fprop call")
        n = self.X.shape[0]
        # B8: grad_oa
        self.grad_oa = (self.os - onehot(self.y, self.m, dtype=self.dtype)) / n  # (n, m)
        # B10: grad_W2, grad_b2
        self.grad_W2 = self.grad_oa.T @ self.hs  # (m, d_h)
        self.grad_b2 = self.grad_oa.sum(axis=0)  # (m,)
        # B12: grad_hs
        self.grad_hs = self.grad_oa @ self.W2  # (n, d_h)
        # B14: grad_ha
        self.grad_ha = self.grad_hs * rect_prime(self.ha)  # (n, d_h)
        # B16: grad_W1, grad_b1
        self.grad_W1 = self.grad_ha.T @ self.X  # (d_h, d)
        self.grad_b1 = self.grad_ha.sum(axis=0)  # (d_h,)
        # B17: grad_x
        self.grad_x = self.grad_ha @ self.W1 if grad_x else None  # (n, d)
        # B18: elastic-net penalty gradient, added to the weights' gradients when a lambda is > 0
        grads = {"W1": self.grad_W1, "b1": self.grad_b1, "W2": self.grad_W2, "b2": self.grad_b2}
        if any(self.lambdas):
            penalty_W1, penalty_W2 = penalty_grad(self.W1, self.W2, *self.lambdas)
            grads["W1"] = self.grad_W1 + penalty_W1
            grads["W2"] = self.grad_W2 + penalty_W2
        if grad_x:
            grads["x"] = self.grad_x
        return grads

    # --- one step of minibatch SGD --------------------------------------------------------

    def sgd_step(self, X: ArrayLike, y: ArrayLike, lr: float) -> tuple[float, int]:
        """One step of minibatch SGD on ``X`` ``(n, d)``, ``y`` ``(n,)``: theta -= lr * gradient.

        The result is that of ``fprop(X, y)``, ``bprop()`` and ``theta -= lr * grads[theta]``
        for the four parameters, computed by a fused version of the same formulas that writes
        into buffers kept between calls. Returns ``(sum of the losses L, number of misclassified
        rows)`` of the parameters before the step. The state of the last ``fprop``/``bprop``
        is cleared.
        """
        X, y = self._check_batch(X, y)
        return self._sgd_step(X, y, _check_lr(lr))

    def _sgd_step(self, X: NDArray, y: NDArray[np.intp], lr: float) -> tuple[float, int]:
        """``sgd_step`` without any check: the entry point of training loops (``mlp.train``).

        The caller guarantees what ``sgd_step`` verifies: ``X`` is an ``(n, d)`` array of the
        network's dtype, ``y`` an ``(n,)`` integer array of labels in ``[0, m)``, ``lr > 0``,
        and the parameters have their shapes and the network's dtype. A subclass that redefines
        ``fprop`` or ``bprop`` (``LoopMLP``) gets the step written with them instead.
        """
        if type(self).fprop is not MLP.fprop or type(self).bprop is not MLP.bprop:
            return self._fprop_bprop_step(X, y, lr)
        return self._fused_sgd_step(X, y, lr)

    def _fprop_bprop_step(self, X: NDArray, y: NDArray[np.intp], lr: float) -> tuple[float, int]:
        """The step as the chapters write it: ``fprop``, ``bprop``, theta -= lr * grad."""
        n = len(y)
        risk = self.fprop(X, y)
        if isinstance(self.L, np.ndarray) and self.L.shape == (n,):
            loss_sum = float(self.L.sum())
            predictions = self.os.argmax(axis=1)
        else:  # LoopMLP keeps the last example's L and os only
            loss_sum = (risk - self._penalty()) * n
            predictions = self.predict(X)
        errors = int(np.count_nonzero(predictions != y))
        grads = self.bprop()
        for name, theta in self.params().items():
            theta -= lr * grads[name]
        return loss_sum, errors

    def _fused_sgd_step(self, X: NDArray, y: NDArray[np.intp], lr: float) -> tuple[float, int]:
        """``fprop``, ``bprop`` and the step in one pass, in buffers reused from call to call.

        Changes of form, not of formulas: the output layer is kept transposed, ``oa`` and
        ``os`` of shape ``(m, n)``, one column per example, so that the maximum and the sum
        over the m classes run along the first axis, across all n examples at once; ``lr``
        multiplies ``grad_oa`` once, so that every product of the backward pass gives ``lr``
        times a gradient, the step itself; the sums over the examples in the bias gradients
        are products with a vector of ones. An example is misclassified when another class
        scores higher than its own; ties for the maximum are rare and counted as ``argmax``
        (the first class with the maximum) counts them.
        """
        self._clear_state()
        W1, b1, W2, b2 = self.W1, self.b1, self.W2, self.b2
        n = X.shape[0]
        buffers = self._step_buffers(n)
        ha, active, hs, oa, os, lr_grad_hs, lr_grad_W2, lr_grad_W1, ones, columns = buffers
        picked = y * n + columns  # flat indices of the entries [y_i, i] of an (m, n) array
        # forward (B1-B4), as in fprop, with oa and os transposed
        np.matmul(X, W1.T, out=ha)
        ha += b1  # ha = X W1^T + b1           (n, d_h)
        np.greater(ha, 0, out=active)  # 1{ha > 0} = rect'(ha), kept for the backward pass
        np.multiply(ha, active, out=hs)  # hs = rect(ha) = ha 1{ha > 0}
        np.matmul(W2, hs.T, out=oa)
        oa += b2[:, None]  # oa = W2 hs^T + b2     (m, n): column i is example i
        c = oa.max(axis=0)  # (n,) maximum of each column, for a stable exp
        np.exp(np.subtract(oa, c, out=os), out=os)
        sum_exp = np.add.reduce(os, axis=0)  # (n,)
        L = np.log(sum_exp)
        L += c
        oa_y = oa.take(picked)  # (n,) the score of each example's class
        L -= oa_y  # (n,) L = logsumexp(oa) - oa[y]
        loss_sum = float(np.add.reduce(L))
        errors = int(np.count_nonzero(oa_y < c))  # another class scores higher
        if np.count_nonzero(oa == c) > n:  # a tie for the maximum: count as argmax does
            errors = int(np.count_nonzero(oa.argmax(axis=0) != y))
        # backward (B8-B16), as in bprop, every gradient multiplied by lr
        lr_n = lr / n  # a Python float: the arrays keep their dtype
        lr_grad_oa = np.multiply(os, lr_n / sum_exp, out=os)  # lr (os - onehot(y)) / n, the
        lr_grad_oa.reshape(-1)[picked] -= lr_n  # probabilities os = exp / sum_exp included
        np.matmul(lr_grad_oa, hs, out=lr_grad_W2)  # grad_W2 = grad_oa^T hs (m, d_h), times lr
        lr_grad_b2 = lr_grad_oa @ ones  # (m,) sum over the examples: grad_oa^T 1
        np.matmul(lr_grad_oa.T, W2, out=lr_grad_hs)  # grad_hs = grad_oa W2    (n, d_h)
        lr_grad_ha = np.multiply(lr_grad_hs, active, out=lr_grad_hs)  # grad_hs * rect'(ha)
        np.matmul(lr_grad_ha.T, X, out=lr_grad_W1)  # grad_W1 = grad_ha^T X    (d_h, d)
        lr_grad_b1 = ones @ lr_grad_ha  # (d_h,) sum over the examples: grad_ha^T 1
        # B18 only when a lambda is > 0, on the weights before the step
        if any(self.lambdas):
            penalty_W1, penalty_W2 = penalty_grad(W1, W2, *self.lambdas)
            lr_grad_W1 += lr * penalty_W1
            lr_grad_W2 += lr * penalty_W2
        # the step, in place: theta -= lr * grad_theta
        W1 -= lr_grad_W1
        b1 -= lr_grad_b1
        W2 -= lr_grad_W2
        b2 -= lr_grad_b2
        return loss_sum, errors

    def _step_buffers(self, n: int) -> tuple[NDArray, ...]:
        """The arrays ``_fused_sgd_step`` writes into, for a minibatch of ``n`` rows.

        ``ha, active, hs`` and ``grad_hs`` ``(n, d_h)``, ``oa`` and ``os`` ``(m, n)``,
        ``grad_W2``, ``grad_W1``, ``ones`` ``(n,)`` (sums over the examples as products) and
        ``columns = [0, 1, ..., n-1]``. They are allocated for the minibatch size and reused
        while it stays the same; a network keeps the buffers of its last two sizes (an epoch's
        last minibatch is often smaller than the others).
        """
        key = (n, self.W1.shape, self.W2.shape, self.dtype)
        buffers = getattr(self, "_buffers", None)
        if buffers is None:
            buffers = self._buffers = {}
        views = buffers.get(key)
        if views is None:
            (d_h, d), (m, _), dtype = key[1:]
            views = (
                np.empty((n, d_h), dtype),  # ha
                np.empty((n, d_h), np.bool_),  # active
                np.empty((n, d_h), dtype),  # hs
                np.empty((m, n), dtype),  # oa
                np.empty((m, n), dtype),  # os
                np.empty((n, d_h), dtype),  # grad_hs
                np.empty((m, d_h), dtype),  # grad_W2
                np.empty((d_h, d), dtype),  # grad_W1
                np.ones(n, dtype),  # ones
                np.arange(n),  # columns
            )
            if len(buffers) >= 2:
                buffers.pop(next(iter(buffers)))
            buffers[key] = views
        return views


def _check_lr(lr: Any) -> float:
    """Return the learning rate as a float, or raise unless it is a finite number > 0."""
    if isinstance(lr, bool) or not isinstance(lr, int | float | np.integer | np.floating):
        raise TypeError(f"lr must be a real number, got {lr!r}")
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    return float(lr)


# --- the per-example loop implementation ------------------------------------------------------


class LoopMLP(MLP):
    """Same network and contract as ``MLP``, but ``fprop``/``bprop`` loop over the examples.

    ``fprop_example``/``bprop_example`` handle one example with column-vector math exactly as
    the homework derives it; ``fprop``/``bprop`` average them over a minibatch. After a call,
    the attributes ``x, y, ha, hs, oa, os, L`` and ``grad_*`` hold the last example's vectors.
    """

    _EXAMPLE_STATE = ("x", "y", "ha", "hs", "oa", "os")

    def _clear_state(self) -> None:
        super()._clear_state()
        self.x = None
        self._examples: list[dict[str, Any]] = []

    def fprop_example(self, x: NDArray, y: int) -> float:
        """Loss L = -log os[y] of one example ``x`` ``(d,)`` with integer label ``y``.

        The inner-loop step: ``x`` is used as given (``fprop`` validates the whole batch).
        """
        self.x, self.y = x, y
        # B1: hidden layer
        self.ha = self.W1 @ x + self.b1  # (d_h,)
        self.hs = rect(self.ha)  # (d_h,)
        # B2: output layer
        self.oa = self.W2 @ self.hs + self.b2  # (m,)
        # B3: softmax
        self.os = softmax(self.oa)  # (m,)
        # B4: loss
        self.L = logsumexp(self.oa) - self.oa[y]  # = -log os[y]
        return float(self.L)

    def bprop_example(self, grad_x: bool = False) -> dict[str, NDArray]:
        """Gradient of the last ``fprop_example`` loss L (no penalty), keys ``W1 b1 W2 b2``.

        With ``grad_x=True`` the dict also holds ``"x"``, the ``(d,)`` gradient dL/dx.
        """
        # B8: grad_oa
        self.grad_oa = self.os - onehot(self.y, self.m, dtype=self.dtype)  # (m,)
        # B10: grad_W2, grad_b2
        self.grad_W2 = np.outer(self.grad_oa, self.hs)  # (m, d_h)
        self.grad_b2 = self.grad_oa  # (m,)
        # B12: grad_hs
        self.grad_hs = self.W2.T @ self.grad_oa  # (d_h,)
        # B14: grad_ha
        self.grad_ha = self.grad_hs * rect_prime(self.ha)  # (d_h,)
        # B16: grad_W1, grad_b1
        self.grad_W1 = np.outer(self.grad_ha, self.x)  # (d_h, d)
        self.grad_b1 = self.grad_ha  # (d_h,)
        # B17: grad_x
        self.grad_x = self.W1.T @ self.grad_ha if grad_x else None  # (d,)

        grads = {"W1": self.grad_W1, "b1": self.grad_b1, "W2": self.grad_W2, "b2": self.grad_b2}
        if grad_x:
            grads["x"] = self.grad_x
        return grads

    def fprop(self, X: ArrayLike, y: ArrayLike) -> float:
        """Regularized empirical risk of the minibatch, one ``fprop_example`` per row of ``X``."""
        X, y = self._check_batch(X, y)
        self.X = X
        self._examples = []
        total_loss = 0.0
        for x_i, y_i in zip(X, y, strict=True):
            total_loss += self.fprop_example(x_i, y_i)
            self._examples.append({name: getattr(self, name) for name in self._EXAMPLE_STATE})
        return total_loss / len(y) + self._penalty()

    def bprop(self, grad_x: bool = False) -> dict[str, NDArray]:
        """Gradient of the last ``fprop`` value: the mean of the per-example gradients + penalty.

        Same keys and shapes as ``MLP.bprop``; ``"x"`` (with ``grad_x=True``) is ``(n, d)``.
        """
        if not self._examples:
            raise RuntimeError("bprop needs the intermediates of a previous fprop call")
        n = len(self._examples)
        totals = {name: np.zeros_like(value) for name, value in self.params().items()}
        rows_grad_x = []
        for example in self._examples:
            vars(self).update(example)  # this example's x, y, ha, hs, oa, os
            grads = self.bprop_example(grad_x)
            for name in PARAM_NAMES:
                totals[name] += grads[name]
            if grad_x:
                rows_grad_x.append(grads["x"] / n)
        mean_grads = {name: total / n for name, total in totals.items()}
        # B18: elastic-net penalty gradient
        penalty_W1, penalty_W2 = penalty_grad(self.W1, self.W2, *self.lambdas)
        mean_grads["W1"] += penalty_W1
        mean_grads["W2"] += penalty_W2
        if grad_x:
            mean_grads["x"] = np.stack(rows_grad_x)
        return mean_grads
