"""The fast SGD step: Part B's forward pass, backward pass and update fused into one pass.

``fused_sgd_step(net, X, y, lr, buffers)`` computes exactly what ``fprop``, ``bprop`` and
``theta -= lr * grad`` compute (``mlp.network.fprop_bprop_step``; the tests compare them), with
the same formulas and names, but writes every intermediate into arrays reused from one
minibatch to the next (``StepBuffers``) and changes the *form* of three computations:

- the output layer is kept transposed, ``oa`` and ``os`` of shape ``(m, n)``, one column per
  example, so that the maximum and the sum over the m classes run along the first axis,
  across all n examples at once;
- ``lr`` multiplies ``grad_oa`` once, so every product of the backward pass gives ``lr``
  times a gradient, the step itself (no separate pass multiplying ``grad_W1`` by ``lr``);
- the sums over the examples in the bias gradients are products with a vector of ones.

With ``momentum`` mu > 0 the update is the heavy ball's (Polyak 1964), in place, with the
``velocity`` arrays the caller keeps from one step to the next (``MLP.new_velocity``)::

    v <- mu v - lr grad_theta;    theta <- theta + v

An example is misclassified when another class scores higher than its own; ties for the
maximum are rare and counted as ``argmax`` (the first class with the maximum) counts them.
Chapter C6 times this step against the chapters' version, its matrix products alone and
PyTorch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from mlp.elastic_net import penalty_grad
from mlp.optimizers import heavy_ball_step

if TYPE_CHECKING:
    from mlp.network import MLP

__all__ = ["StepBuffers", "fused_sgd_step"]


class StepBuffers:
    """The arrays the fused step writes into, allocated per minibatch size and reused.

    For a minibatch of ``n`` rows: ``ha``, ``active`` (bool) and ``hs`` ``(n, d_h)``, ``oa``
    and ``os`` ``(m, n)``, ``grad_hs`` ``(n, d_h)``, ``grad_W2`` ``(m, d_h)``, ``grad_W1``
    ``(d_h, d)``, ``ones`` ``(n,)`` (sums over the examples as products) and ``columns`` =
    ``[0, 1, ..., n - 1]``. The buffers of the last two sizes are kept (an epoch's last
    minibatch is often smaller than the others); new parameter shapes or a new dtype get new
    buffers.
    """

    def __init__(self) -> None:
        self._by_key: dict[tuple, tuple[NDArray, ...]] = {}

    def get(self, n: int, W1: NDArray, W2: NDArray) -> tuple[NDArray, ...]:
        """The buffers for ``n`` rows and parameters shaped like ``W1`` ``(d_h, d)``, ``W2``."""
        key = (n, W1.shape, W2.shape, W1.dtype)
        views = self._by_key.get(key)
        if views is None:
            (d_h, d), (m, _), dtype = W1.shape, W2.shape, W1.dtype
            views = (
                np.empty((n, d_h), dtype),  # ha
                np.empty((n, d_h), np.bool_),  # active = 1{ha > 0}
                np.empty((n, d_h), dtype),  # hs
                np.empty((m, n), dtype),  # oa
                np.empty((m, n), dtype),  # os, then lr grad_oa
                np.empty((n, d_h), dtype),  # lr grad_hs, then lr grad_ha
                np.empty((m, d_h), dtype),  # lr grad_W2
                np.empty((d_h, d), dtype),  # lr grad_W1
                np.ones(n, dtype),  # ones
                np.arange(n),  # columns
            )
            if len(self._by_key) >= 2:
                self._by_key.pop(next(iter(self._by_key)))
            self._by_key[key] = views
        return views


def fused_sgd_step(
    net: MLP,
    X: NDArray,
    y: NDArray[np.intp],
    lr: float,
    buffers: StepBuffers,
    momentum: float = 0.0,
    velocity: dict[str, NDArray] | None = None,
) -> tuple[float, int]:
    """One SGD step of ``net`` on ``X`` ``(n, d)``, ``y`` ``(n,)``, parameters updated in place.

    Returns ``(sum of the losses L, number of misclassified rows)`` of the parameters before
    the step. Nothing is checked: ``X`` has the network's dtype, ``y`` holds labels in
    ``[0, m)``, ``lr > 0``, ``0 <= momentum < 1`` and, when ``momentum > 0``, ``velocity``
    holds arrays shaped like the parameters, updated in place (``MLP.sgd_step`` checks, then
    calls this).
    """
    W1, b1, W2, b2 = net.W1, net.b1, net.W2, net.b2
    n = X.shape[0]
    ha, active, hs, oa, os, lr_grad_hs, lr_grad_W2, lr_grad_W1, ones, columns = buffers.get(
        n, W1, W2
    )
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
    if any(net.lambdas):
        penalty_W1, penalty_W2 = penalty_grad(W1, W2, *net.lambdas)
        lr_grad_W1 += lr * penalty_W1
        lr_grad_W2 += lr * penalty_W2
    # the step, in place: theta -= lr * grad_theta
    if not momentum:
        W1 -= lr_grad_W1
        b1 -= lr_grad_b1
        W2 -= lr_grad_W2
        b2 -= lr_grad_b2
        return loss_sum, errors
    # with momentum (heavy ball): v <- momentum v - lr grad_theta, then theta += v
    steps = (("W1", W1, lr_grad_W1), ("b1", b1, lr_grad_b1), ("W2", W2, lr_grad_W2))
    for name, theta, lr_grad in (*steps, ("b2", b2, lr_grad_b2)):
        heavy_ball_step(theta, velocity[name], lr_grad, momentum)  # type: ignore[index]
    return loss_sum, errors
