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

from mlp import checks
from mlp.elastic_net import penalty, penalty_grad
from mlp.functions import logsumexp, onehot, rect, rect_prime, softmax
from mlp.fused import StepBuffers, fused_sgd_step
from mlp.optimizers import heavy_ball_step

__all__ = ["MLP", "LoopMLP", "fprop_bprop_step", "penalty", "penalty_grad"]

PARAM_NAMES = ("W1", "b1", "W2", "b2")


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
        d, d_h, m = (checks.positive_int(name, v) for name, v in (("d", d), ("d_h", d_h), ("m", m)))
        self.dtype = checks.float_dtype(dtype)
        self.l11, self.l12, self.l21, self.l22 = checks.lambdas(l11, l12, l21, l22)

        rng = np.random.default_rng(seed)
        bound1, bound2 = 1 / math.sqrt(d), 1 / math.sqrt(d_h)  # 1/sqrt(fan-in) of each layer
        self.W1 = rng.uniform(-bound1, bound1, size=(d_h, d)).astype(self.dtype)
        self.b1 = np.zeros(d_h, dtype=self.dtype)
        self.W2 = rng.uniform(-bound2, bound2, size=(m, d_h)).astype(self.dtype)
        self.b2 = np.zeros(m, dtype=self.dtype)
        self._buffers = StepBuffers()  # reused by the fused step, per network
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
        names = checks.LAMBDA_NAMES
        lambdas = ", ".join(f"{n}={v:g}" for n, v in zip(names, self.lambdas, strict=True))
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
        clone._buffers = StepBuffers()  # the step's buffers are per network
        for name, value in self.params().items():
            setattr(clone, name, value.copy())
        return clone

    def _clear_state(self) -> None:
        """Forget the intermediates of the last fprop/bprop."""
        self.X = self.y = self.ha = self.hs = self.oa = self.os = self.L = None
        self.grad_oa = self.grad_W2 = self.grad_b2 = self.grad_hs = None
        self.grad_ha = self.grad_W1 = self.grad_b1 = self.grad_x = None

    def check_params(self, *, finite: bool = False) -> None:
        """Raise if parameters assigned by a caller have other shapes or another dtype, or,
        with ``finite``, hold NaN or inf (a network that diverged cannot predict)."""
        d, d_h, m = self.d, self.d_h, self.m
        expected = {"W1": (d_h, d), "b1": (d_h,), "W2": (m, d_h), "b2": (m,)}
        for name, value in self.params().items():
            if not isinstance(value, np.ndarray):
                raise TypeError(f"{name} must be a numpy array, got {type(value).__name__}")
            if value.shape != expected[name]:
                raise ValueError(f"{name} must have shape {expected[name]}, got {value.shape}")
            if value.dtype != self.dtype:
                raise TypeError(
                    f"{name} must have the network's dtype {self.dtype}, got {value.dtype}"
                )
            if finite and not np.isfinite(value).all():
                raise ValueError(
                    f"{name} holds NaN or inf (training diverged?): the network cannot predict"
                )

    # --- input validation -----------------------------------------------------------------

    def check_batch(
        self, X: ArrayLike, y: ArrayLike, name: str = ""
    ) -> tuple[NDArray[np.floating], NDArray[np.intp]]:
        """A minibatch as the network computes it: ``X`` ``(n, d)`` of its dtype, finite, and
        ``y`` ``(n,)`` integer labels in [0, m); the parameters are checked too. ``name`` is
        appended to ``X_`` and ``y_`` in error messages (e.g. ``"valid"``)."""
        suffix = f"_{name}" if name else ""
        X = checks.real_matrix(f"X{suffix}", X, dtype=self.dtype, columns=self.d)
        y = checks.labels(f"y{suffix}", y, self.m, n=X.shape[0])
        self.check_params()
        return X, y

    # --- prediction -----------------------------------------------------------------------

    def predict_proba(self, X: ArrayLike) -> NDArray[np.floating]:
        """Class probabilities os for each row of ``X`` ``(n, d)``: shape ``(n, m)``.

        Does not touch the state stored by ``fprop``.
        """
        X = checks.real_matrix("X", X, dtype=self.dtype, columns=self.d)
        self.check_params(finite=True)
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
        X, y = self.check_batch(X, y)
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
        return float(np.mean(self.L)) + penalty(self.W1, self.W2, *self.lambdas)

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

    def batch_totals(self) -> tuple[float, int]:
        """``(sum of the losses L, number of misclassified rows)`` of the last ``fprop``.

        A row is misclassified when its most probable class (``argmax``, the first one in a
        tie) is not its label.
        """
        if self.L is None:
            raise RuntimeError("batch_totals needs the intermediates of a previous fprop call")
        errors = np.count_nonzero(self.os.argmax(axis=1) != self.y)
        return float(self.L.sum()), int(errors)

    # --- one step of minibatch SGD --------------------------------------------------------

    def new_velocity(self) -> dict[str, NDArray]:
        """Zero velocities for SGD with momentum, by name, shaped like ``params()``."""
        return {name: np.zeros_like(value) for name, value in self.params().items()}

    def check_velocity(self, velocity: Any) -> dict[str, NDArray]:
        """Raise unless ``velocity`` maps each parameter name to an array of its shape and the
        network's dtype (what ``new_velocity`` returns); return it."""
        if not isinstance(velocity, dict) or set(velocity) != set(PARAM_NAMES):
            raise TypeError(
                f"velocity must be a dict with the keys {', '.join(PARAM_NAMES)} "
                f"(MLP.new_velocity()), got {velocity!r:.60}"
            )
        for name, theta in self.params().items():
            v = velocity[name]
            if not isinstance(v, np.ndarray) or v.dtype != self.dtype:
                raise TypeError(f"velocity[{name!r}] must be a numpy array of dtype {self.dtype}")
            if v.shape != theta.shape:
                raise ValueError(
                    f"velocity[{name!r}] must have the shape of {name}, {theta.shape}, "
                    f"got {v.shape}"
                )
        return velocity

    def check_momentum(
        self, momentum: float, velocity: Any
    ) -> tuple[float, dict[str, NDArray] | None]:
        """``(momentum, velocity)`` checked: momentum in [0, 1); with momentum > 0, a velocity
        as ``check_velocity`` wants it (``velocity`` is ignored when ``momentum`` is 0)."""
        momentum = checks.unit_interval("momentum", momentum)
        if not momentum:
            return momentum, velocity
        if velocity is None:
            raise ValueError("momentum > 0 needs a velocity (MLP.new_velocity()), got None")
        return momentum, self.check_velocity(velocity)

    def sgd_step(
        self,
        X: ArrayLike,
        y: ArrayLike,
        lr: float,
        *,
        momentum: float = 0.0,
        velocity: dict[str, NDArray] | None = None,
    ) -> tuple[float, int]:
        """One step of minibatch SGD on ``X`` ``(n, d)``, ``y`` ``(n,)``: theta -= lr * gradient.

        With ``momentum`` mu in (0, 1), the heavy ball: v <- mu v - lr gradient, then
        theta <- theta + v, for each parameter, with ``velocity`` (``new_velocity()``, kept by
        the caller from one step to the next) updated in place; ``velocity`` is not used when
        ``momentum`` is 0. Checks its arguments, then calls ``sgd_step_unchecked``. Returns
        ``(sum of the losses L, number of misclassified rows)`` of the parameters before the
        step.
        """
        X, y = self.check_batch(X, y)
        lr = checks.learning_rate(lr)
        momentum, velocity = self.check_momentum(momentum, velocity)
        if not momentum:
            return self.sgd_step_unchecked(X, y, lr)
        return self.sgd_step_unchecked(X, y, lr, momentum=momentum, velocity=velocity)

    def sgd_step_unchecked(
        self,
        X: NDArray,
        y: NDArray[np.intp],
        lr: float,
        *,
        momentum: float = 0.0,
        velocity: dict[str, NDArray] | None = None,
    ) -> tuple[float, int]:
        """``sgd_step`` without any check: what training loops call once the data are checked.

        The caller guarantees what ``check_batch`` verifies (``X`` ``(n, d)`` of the network's
        dtype, ``y`` ``(n,)`` labels in [0, m), parameters of the right shapes and dtype),
        ``lr > 0``, ``0 <= momentum < 1`` and a valid ``velocity`` when ``momentum > 0``.
        ``MLP`` steps with the fused kernel of ``mlp.fused``: the formulas of ``fprop``,
        ``bprop`` and the update in one pass (tested equal to ``fprop_bprop_step``). The
        state of the last ``fprop``/``bprop`` is cleared.
        """
        self._clear_state()
        return fused_sgd_step(self, X, y, lr, self._buffers, momentum, velocity)


def fprop_bprop_step(
    net: MLP,
    X: NDArray,
    y: NDArray[np.intp],
    lr: float,
    momentum: float = 0.0,
    velocity: dict[str, NDArray] | None = None,
) -> tuple[float, int]:
    """One SGD step as the chapters write it: ``fprop``, ``bprop``, then theta -= lr * grad.

    With ``momentum`` > 0, the heavy ball: v <- momentum v - lr grad, then theta += v, with
    the arrays of ``velocity`` updated in place. Returns ``(sum of the losses L, number of
    misclassified rows)`` of the parameters before the step, like
    ``MLP.sgd_step_unchecked``; ``X`` and ``y`` are checked by ``fprop``.
    """
    net.fprop(X, y)
    totals = net.batch_totals()
    grads = net.bprop()
    for name, theta in net.params().items():
        if not momentum:
            theta -= lr * grads[name]
        else:  # heavy ball: v <- momentum v - lr grad, theta += v (v remembers earlier steps)
            heavy_ball_step(theta, velocity[name], lr * grads[name], momentum)  # type: ignore[index]
    return totals


# --- the per-example loop implementation ------------------------------------------------------


class LoopMLP(MLP):
    """Same network and contract as ``MLP``, but ``fprop``/``bprop`` loop over the examples.

    ``fprop_example``/``bprop_example`` handle one example with column-vector math exactly as
    the homework derives it; ``fprop``/``bprop`` average them over a minibatch. After a call,
    the attributes ``x, y, ha, hs, oa, os, L`` and ``grad_*`` hold the last example's vectors.
    """

    _EXAMPLE_STATE = ("x", "y", "ha", "hs", "oa", "os", "L")

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
        X, y = self.check_batch(X, y)
        self.X = X
        self._examples = []
        total_loss = 0.0
        for x_i, y_i in zip(X, y, strict=True):
            total_loss += self.fprop_example(x_i, y_i)
            self._examples.append({name: getattr(self, name) for name in self._EXAMPLE_STATE})
        return total_loss / len(y) + penalty(self.W1, self.W2, *self.lambdas)

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

    def batch_totals(self) -> tuple[float, int]:
        """``(sum of the losses L, number of misclassified examples)`` of the last ``fprop``."""
        if not self._examples:
            raise RuntimeError("batch_totals needs the intermediates of a previous fprop call")
        loss_sum = sum(float(e["L"]) for e in self._examples)
        errors = sum(int(np.argmax(e["os"]) != e["y"]) for e in self._examples)
        return loss_sum, errors

    def sgd_step_unchecked(
        self,
        X: NDArray,
        y: NDArray[np.intp],
        lr: float,
        *,
        momentum: float = 0.0,
        velocity: dict[str, NDArray] | None = None,
    ) -> tuple[float, int]:
        """One SGD step with this class's per-example ``fprop`` and ``bprop`` (no fused kernel)."""
        return fprop_bprop_step(self, X, y, lr, momentum, velocity)
