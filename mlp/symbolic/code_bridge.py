"""From the proofs to the code: B18's proved right sides evaluated on a network of the code.

The general proof of B18 (:func:`~mlp.symbolic.part_b_general.b18_regularized_gradient_general`)
shows that the backward-pass formula, *transcribed by hand* from the code, is the derivative of
the regularized minibatch risk for every size. Whether the package computes that formula is
another question, which no symbolic proof answers. :func:`b18_code_bridge` answers it at one
point: it evaluates the same right sides (30 digits, with the screen's evaluator) at the
numbers of a float64 network and a random minibatch of K >= 3 examples, and compares them,
entry by entry, with what ``MLP.bprop`` returns and with what one step of the fused kernel
(``MLP.sgd_step_unchecked``) moves the parameters by, divided by the learning rate.

The point is chosen so that the usual bugs show: every lambda > 0, labels of several classes,
hidden pre-activations of both signs (a dropped mask changes the result), one zero weight in
each layer (the L1 subgradient sign(0) = 0), and K >= 3 (a dropped or doubled 1/K changes it).
"""

from __future__ import annotations

import random
import time
from typing import Any

import numpy as np

from mlp.network import MLP
from mlp.symbolic import index_network as N
from mlp.symbolic.indexed import evaluate
from mlp.symbolic.part_b_general import (
    LAMBDAS,
    network_definitions,
    regularized_gradient_claims,
)
from mlp.symbolic.results import CodeAgreement, IdentityError
from mlp.symbolic.screen import Configuration, Sample

__all__ = ["b18_code_bridge", "bridge_network"]

NAMES = ("W1", "b1", "W2", "b2")


def bridge_network(
    d: int, d_h: int, m: int, K: int, seed: int = 0
) -> tuple[MLP, np.ndarray, np.ndarray]:
    """A float64 network with every lambda > 0, W1[0, 0] = W2[0, 0] = 0, and a minibatch
    ``X`` (K, d), ``y`` (K,) of at least two classes whose hidden pre-activations take both
    signs (the first seed from ``seed`` on that gives them)."""
    if K < 3 or m < 2 or d_h < 2:
        raise ValueError(f"need K >= 3, m >= 2 and d_h >= 2, got K={K}, m={m}, d_h={d_h}")
    for attempt in range(seed, seed + 100):
        rng = np.random.default_rng(attempt)
        lambdas = dict(zip(("l11", "l12", "l21", "l22"), rng.uniform(0.05, 0.2, 4), strict=True))
        net = MLP(d, d_h, m, seed=rng, dtype=np.float64, **lambdas)
        net.b1 = rng.normal(scale=0.5, size=d_h)
        net.b2 = rng.normal(scale=0.5, size=m)
        net.W1[0, 0] = 0.0
        net.W2[0, 0] = 0.0
        X = rng.normal(size=(K, d))
        y = rng.permutation(np.arange(K) % m)
        ha = X @ net.W1.T + net.b1
        if (ha > 0).any() and (ha < 0).any() and np.abs(ha).min() > 1e-6:
            return net, X, y
    raise RuntimeError("no network with hidden units of both signs found")  # pragma: no cover


def _entries(net: MLP, X: np.ndarray, y: np.ndarray) -> dict[Any, float]:
    """The network's numbers as the evaluator's entries: 1-based indices, labels 1..m."""
    fixed: dict[Any, float] = {}
    arrays = {N.X: X, N.W1: net.W1, N.b1: net.b1, N.W2: net.W2, N.b2: net.b2}
    for base, array in arrays.items():
        for position in np.ndindex(array.shape):
            fixed[(base, tuple(p + 1 for p in position))] = float(array[position])
    for t, label in enumerate(y):
        fixed[(N.labels, (t + 1,))] = float(label + 1)
    for name, value in zip(("11", "12", "21", "22"), net.lambdas, strict=True):
        fixed[LAMBDAS[name]] = float(value)
    return fixed


def _code_gradients(net: MLP, X: np.ndarray, y: np.ndarray, lr: float) -> dict[str, dict]:
    """What the code computes: ``MLP.bprop`` after ``fprop``, and the fused step's move / lr."""
    net.fprop(X, y)
    bprop = {name: g.copy() for name, g in net.bprop().items() if name in NAMES}
    clone = net.copy()
    before = {name: value.copy() for name, value in clone.params().items()}
    clone.sgd_step_unchecked(X, y, lr)
    fused = {name: (before[name] - value) / lr for name, value in clone.params().items()}
    return {"MLP.bprop": bprop, "the fused SGD step": fused}


def b18_code_bridge(
    d: int = 3, d_h: int = 4, m: int = 3, K: int = 4, seed: int = 0, tol: float = 1e-9
) -> CodeAgreement:
    """``MLP.bprop`` and the fused step equal B18's proved right sides at one minibatch.

    Raises IdentityError naming the first entry where the code and the formula differ by more
    than ``tol`` relative to the largest entry of the formula (the code is float64).
    """
    start = time.perf_counter()
    net, X, y = bridge_network(d, d_h, m, K, seed)
    code = _code_gradients(net, X, y, lr=0.1)
    claims, own = regularized_gradient_claims()
    fixed = _entries(net, X, y)
    configuration = Configuration({N.d: d, N.d_h: d_h, N.m: m, N.K: K})
    sample = Sample(N.space(batch=True), configuration, random.Random(0), fixed)
    formula: dict[str, np.ndarray] = {}
    for name, (_lhs, rhs, indices) in claims.items():
        right = evaluate(rhs, network_definitions([rhs], "params", True, own))
        values = np.empty(code["MLP.bprop"][name].shape)
        for position in np.ndindex(values.shape):
            at = {s: p + 1 for s, p in zip(indices, position, strict=True)}
            values[position] = float(sample.value(right, at))
        formula[name] = values
    extra = set(sample.drawn) - set(fixed)
    if extra:  # the formula read an entry the network does not have
        raise IdentityError(f"the formula reads values the network does not give: {extra}")
    scale = max(float(np.abs(v).max()) for v in formula.values())
    worst = 0.0
    for source, grads in code.items():
        for name in NAMES:
            errors = np.abs(grads[name] - formula[name]) / scale
            position = np.unravel_index(int(errors.argmax()), errors.shape)
            if errors[position] > tol:
                raise IdentityError(
                    f"{source} differs from the proved formula of B18 at the gradient of "
                    f"{name}{list(position)} (0-based), d = {d}, d_h = {d_h}, m = {m}, "
                    f"K = {K}: code {grads[name][position]:.12g}, formula "
                    f"{formula[name][position]:.12g}"
                )
            worst = max(worst, float(errors.max()))
    return CodeAgreement(
        statement="MLP.bprop and the fused SGD step = the proved right sides of B18",
        where=rf"d = {d},\ d_h = {d_h},\ m = {m},\ K = {K}",
        max_error=worst,
        tolerance=tol,
        entries=2 * sum(v.size for v in formula.values()),
        seconds=time.perf_counter() - start,
    )
