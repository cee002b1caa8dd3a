r"""The networks a Python answer is checked on, with the package's gradients and finite
differences.

A :class:`Point` is a float64 ``MLP`` with random parameters and a random minibatch, after
``fprop`` and ``bprop``: what a function answering a Part B question receives (:meth:`Point.arrays`,
under the package's names) and what it must return (:meth:`Point.reference`). The kink
variants put a hidden pre-activation within 1e-9 of 0 (``near``) or exactly at 0 (``at``: an
input row of zeros and a zero bias). :meth:`Point.finite_differences` differentiates the
(regularized) minibatch risk numerically, with respect to a parameter, the inputs or an
intermediate array, leaving out the entries whose perturbation crosses a kink.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlp.functions import logsumexp, onehot, rect
from mlp.network import MLP

__all__ = ["EPS", "Point"]

EPS = 1e-6
"""The step of the central differences."""

_INTERMEDIATE = ("grad_oa", "grad_hs", "grad_ha")


class Point:
    """One network and minibatch (see the module doc); ``one`` keeps example 0 alone."""

    def __init__(
        self,
        d: int,
        d_h: int,
        m: int,
        K: int,
        seed: int,
        penalty: bool = False,
        kink: str = "",
        one: bool = False,
    ) -> None:
        rng = np.random.default_rng(seed)
        lambdas = rng.uniform(0.01, 0.1, 4) if penalty else np.zeros(4)
        l11, l12, l21, l22 = (float(v) for v in lambdas)
        net = MLP(d, d_h, m, seed=rng, dtype=np.float64, l11=l11, l12=l12, l21=l21, l22=l22)
        net.b1 = rng.normal(scale=0.5, size=d_h)
        net.b2 = rng.normal(scale=0.5, size=m)
        X = rng.normal(size=(K, d))
        y = rng.integers(0, m, size=K)
        if penalty:
            net.W1[0, 0] = net.W2[0, 0] = 0.0  # the L1 subgradient sign(0) = 0
        if kink == "near":  # unit 0 of example 0 just above 0, the last unit just below
            net.b1[0] = 1e-9 - X[0] @ net.W1[0]
            if d_h > 1:
                net.b1[-1] = -1e-9 - X[0] @ net.W1[-1]
        elif kink == "at":  # exactly 0: an input row of zeros and a zero bias
            X[0] = 0.0
            net.b1[0] = 0.0
        if one:
            X, y = X[:1], y[:1]
        self.net, self.X, self.y, self.kink, self.one = net, X, y, kink, one
        self.sizes = (d, d_h, m, len(y))
        net.fprop(X, y)
        self.grads = net.bprop(grad_x=True)

    def describe(self) -> str:
        """``d = 3, d_h = 4, m = 3, K = 5`` (and where the kink is)."""
        text = "d = {}, d_h = {}, m = {}, K = {}".format(*self.sizes)
        if self.one:
            text = text.replace(", K = 1", ", one example")
        if self.kink:
            text += f", a hidden pre-activation {'exactly at' if self.kink == 'at' else 'near'} 0"
        return text

    def arrays(self) -> dict[str, Any]:
        """What an answer receives, by the package's names (one example: that example's)."""
        net = self.net
        if self.one:
            return {
                "x": self.X[0], "y": int(self.y[0]), "W1": net.W1, "b1": net.b1,
                "W2": net.W2, "b2": net.b2, "ha": net.ha[0], "hs": net.hs[0], "oa": net.oa[0],
                "os": net.os[0], "onehot": onehot(int(self.y[0]), net.m),
                "grad_oa": net.grad_oa[0], "grad_hs": net.grad_hs[0], "grad_ha": net.grad_ha[0],
            }  # fmt: skip
        return {
            "X": self.X, "y": self.y, "K": len(self.y), "W1": net.W1, "b1": net.b1,
            "W2": net.W2, "b2": net.b2, "ha": net.ha, "hs": net.hs, "oa": net.oa, "os": net.os,
            "Y": onehot(self.y, net.m), "grad_oa": net.grad_oa, "grad_hs": net.grad_hs,
            "grad_ha": net.grad_ha, "l11": net.l11, "l12": net.l12, "l21": net.l21,
            "l22": net.l22,
        }  # fmt: skip

    def reference(self, name: str) -> np.ndarray:
        """The package's gradient ``name`` (``W1`` ... ``b2``, ``x``, ``grad_oa`` ...)."""
        value = getattr(self.net, name) if name in _INTERMEDIATE else self.grads[name]
        return value[0] if self.one and (name in _INTERMEDIATE or name == "x") else value

    def penalty_gradient(self, name: str) -> np.ndarray:
        """The elastic-net term of the gradient of ``name`` (0 for the biases)."""
        net = self.net
        if name == "W1":
            return net.l11 * np.sign(net.W1) + 2 * net.l12 * net.W1
        if name == "W2":
            return net.l21 * np.sign(net.W2) + 2 * net.l22 * net.W2
        return np.zeros_like(self.reference(name))

    def _risk(self, wrt: str, value: np.ndarray) -> float:
        net, X, y = self.net, self.X, self.y
        if wrt in ("W1", "b1", "W2", "b2"):
            clone = net.copy()
            setattr(clone, wrt, value)
            return clone.fprop(X, y)
        if wrt == "x":
            return net.copy().fprop(value, y)
        if wrt == "ha":
            value = rect(value) @ net.W2.T + net.b2
        elif wrt == "hs":
            value = value @ net.W2.T + net.b2
        return float(np.mean(logsumexp(value) - value[np.arange(len(y)), y]))

    def _crosses_kink(self, wrt: str, index: tuple[int, ...]) -> bool:
        net, X = self.net, self.X
        if wrt in ("W1", "W2") and any(net.lambdas) and abs(getattr(net, wrt)[index]) <= EPS:
            return True
        if wrt == "ha":
            return bool(abs(net.ha[index]) <= EPS)
        if wrt in ("W1", "b1", "x"):
            patterns = []
            for sign in (-1, 1):
                W1, b1, Xs = net.W1.copy(), net.b1.copy(), X.copy()
                {"W1": W1, "b1": b1, "x": Xs}[wrt][index] += sign * EPS
                patterns.append((Xs @ W1.T + b1) > 0)
            return not np.array_equal(*patterns)
        return False

    def finite_differences(self, wrt: str) -> tuple[np.ndarray, np.ndarray]:
        """Central differences of the risk for every entry of ``wrt`` (a parameter, ``x``,
        ``ha``, ``hs`` or ``oa``), and the mask of the entries left out (a kink crossed)."""
        net = self.net
        base = {"x": self.X, "ha": net.ha, "hs": net.hs, "oa": net.oa}.get(wrt)
        base = getattr(net, wrt) if base is None else base
        fd, skip = np.zeros(base.shape), np.zeros(base.shape, dtype=bool)
        for index in np.ndindex(base.shape):
            if self._crosses_kink(wrt, index):
                skip[index] = True
                continue
            values = []
            for sign in (1, -1):
                moved = base.copy()
                moved[index] += sign * EPS
                values.append(self._risk(wrt, moved))
            fd[index] = (values[0] - values[1]) / (2 * EPS)
        if self.one and wrt in ("x", "ha", "hs", "oa"):
            return fd[0], skip[0]
        return fd, skip

    def at_kink(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The entries of gradient ``name`` that depend on a pre-activation exactly at 0."""
        at = self.net.ha == 0  # (K, d_h)
        if name == "grad_ha":
            return at[0] if self.one else at
        if name in ("W1", "b1"):
            units = at.any(axis=0)
            return np.broadcast_to(units[:, None] if len(shape) == 2 else units, shape)
        if name == "x":
            rows = at.any(axis=1)
            return np.broadcast_to(rows[0] if self.one else rows[:, None], shape)
        return np.zeros(shape, dtype=bool)
