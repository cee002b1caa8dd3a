"""The elastic-net penalty of Part B (B18): its value and its gradient, on the weights only.

    P(W1, W2) = l11 ||W1||_1 + l12 ||W1||_2^2 + l21 ||W2||_1 + l22 ||W2||_2^2

``W1`` is ``(d_h, d)`` and ``W2`` is ``(m, d_h)``; the biases are never penalised. The norms
and their gradients are those of Part A (``mlp.functions``: A8 and A9).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from mlp.checks import lambdas as check_lambdas
from mlp.functions import l1_grad, l1_norm, l2_squared, l2_squared_grad

__all__ = ["penalty", "penalty_grad"]


def penalty(W1: NDArray, W2: NDArray, l11: float, l12: float, l21: float, l22: float) -> float:
    """Elastic-net penalty l11 ||W1||_1 + l12 ||W1||_2^2 + l21 ||W2||_1 + l22 ||W2||_2^2.

    ``W1`` is ``(d_h, d)``, ``W2`` is ``(m, d_h)``; terms whose lambda is 0 are not computed.
    """
    l11, l12, l21, l22 = check_lambdas(l11, l12, l21, l22)
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
    l11, l12, l21, l22 = check_lambdas(l11, l12, l21, l22)
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
