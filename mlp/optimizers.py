"""Optimisers for the layer stack: plain SGD (with optional momentum) and Adam.

Each updates a list of parameter arrays in place from gradients given in the same order.
``heavy_ball_step`` is the momentum update itself, shared with the network of Part B
(``mlp.network.fprop_bprop_step`` and the fused kernel of ``mlp.fused``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mlp import checks

__all__ = ["SGD", "Adam", "Optimizer", "heavy_ball_step"]


def heavy_ball_step(theta: NDArray, velocity: NDArray, step: NDArray, momentum: float) -> None:
    """The heavy ball (Polyak 1964), in place: ``velocity <- momentum velocity - step``, then
    ``theta <- theta + velocity``; ``step`` is lr times the gradient, all three of one shape."""
    velocity *= momentum
    velocity -= step
    theta += velocity


class Optimizer(ABC):
    """Updates a list of parameter arrays in place from gradients given in the same order."""

    def __init__(self, params: Sequence[NDArray[np.floating]], lr: float) -> None:
        self.params = list(params)
        for p in self.params:
            if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
                raise TypeError("parameters must be floating numpy arrays (updated in place)")
        self.lr = checks.learning_rate(lr)
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
        self.momentum = checks.unit_interval("momentum", momentum)
        self.velocity = [np.zeros_like(p) for p in self.params]

    def _update(self, k: int, p: NDArray, g: NDArray) -> None:
        if self.momentum == 0:
            p -= self.lr * g
            return
        heavy_ball_step(p, self.velocity[k], self.lr * g, self.momentum)


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
        self.beta1 = checks.unit_interval("beta1", beta1)
        self.beta2 = checks.unit_interval("beta2", beta2)
        self.eps = checks.finite_number("eps", eps, positive=True)
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self._work = [np.empty_like(p) for p in self.params]  # scratch: no temporaries

    def _update(self, k: int, p: NDArray, g: NDArray) -> None:
        m, v, work = self.m[k], self.v[k], self._work[k]
        m *= self.beta1
        np.multiply(g, 1 - self.beta1, out=work)
        m += work  # m = b1 m + (1 - b1) g
        v *= self.beta2
        np.multiply(g, g, out=work)
        work *= 1 - self.beta2
        v += work  # v = b2 v + (1 - b2) g^2
        m_hat_scale = 1 / (1 - self.beta1**self.t)
        v_hat_scale = 1 / (1 - self.beta2**self.t)
        np.multiply(v, v_hat_scale, out=work)
        np.sqrt(work, out=work)
        work += self.eps  # sqrt(v_hat) + eps
        np.divide(m, work, out=work)
        work *= self.lr * m_hat_scale
        p -= work  # p = p - lr m_hat / (sqrt(v_hat) + eps)
