r"""Checking a Python function numerically: your numpy code against the package and finite
differences, on random networks of several sizes.

A function answers a Part B gradient question when its parameters are named after the
package's arrays (:data:`ONE_EXAMPLE` for a one-example question such as ``B15.W1``,
:data:`MINIBATCH` for a minibatch one such as ``B16.W1``, as ``MLP`` names them after ``fprop``
and ``bprop``: rows for examples, 0-based labels ``y``, ``grad_oa`` with its 1/K) and it returns
the array the question asks for, in the package's shape (``(d_h, d)`` for W1). ``B10``,
``B16`` and ``B18`` also take a whole backward pass: a function returning a dict of gradients
(``{"W2": ..., "b2": ...}``, ``{"W1", "b1"}``, or all four, elastic net included, for ``B18``).

It is called on the networks of :mod:`mlp.check.numeric_points`: the sizes :data:`SIZES`
(d_h = 1, m = 2 and K = 1 among them), random parameters, inputs and labels (lambdas > 0 and a
zero weight in each layer for B18), and two networks at the rectifier's kink (a hidden
pre-activation within 1e-9 of 0, and one exactly 0). Its result is compared, entry by entry,
with the package's (``MLP.fprop`` then ``MLP.bprop``); the package's is itself compared with
central finite differences of the risk at every entry whose perturbation crosses no kink.
The verdict is ``agrees`` (a numeric check at these networks, not a proof for every size),
``convention`` (different only where a pre-activation is exactly 0) or ``wrong``, with the
entries that differ and what they show.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from mlp.check.numeric_points import Point
from mlp.check.registry import question
from mlp.check.result import CheckResult, Counterexample, Entry

__all__ = ["GROUPS", "MINIBATCH", "ONE_EXAMPLE", "SIZES", "check_function"]

ONE_EXAMPLE = (
    "x", "y", "W1", "b1", "W2", "b2", "ha", "hs", "oa", "os", "onehot",
    "grad_oa", "grad_hs", "grad_ha",
)  # fmt: skip
"""What a one-example function may take: arrays of the example (``x`` (d,), ``ha`` (d_h,)...),
its label ``y`` (an int in 0..m-1) and the parameters."""

MINIBATCH = (
    "X", "y", "K", "W1", "b1", "W2", "b2", "ha", "hs", "oa", "os", "Y",
    "grad_oa", "grad_hs", "grad_ha", "l11", "l12", "l21", "l22",
)  # fmt: skip
"""What a minibatch function may take: ``X`` (K, d), labels ``y`` (K,), ``K``, the parameters,
the rows ``ha``, ``hs`` (K, d_h), ``oa``, ``os``, ``Y`` (K, m), the gradients of the minibatch
risk ``grad_oa``, ``grad_hs``, ``grad_ha`` and the lambdas."""

SIZES = ((3, 4, 3, 5), (2, 1, 2, 1), (4, 3, 2, 3), (1, 2, 4, 2), (5, 6, 3, 4))
"""(d, d_h, m, K) of the random networks."""

GROUPS = {"B10": ("W2", "b2"), "B16": ("W1", "b1"), "B18": ("W1", "b1", "W2", "b2")}
"""Questions that also take a whole backward pass, and the gradients its dict must hold."""

TARGETS: dict[str, tuple[str, str]] = {
    "B7": ("grad_oa", "oa"),
    "B8": ("grad_oa", "oa"),
    "B9.W2": ("W2", "W2"),
    "B9.b2": ("b2", "b2"),
    "B10.W2": ("W2", "W2"),
    "B10.b2": ("b2", "b2"),
    "B11": ("grad_hs", "hs"),
    "B12": ("grad_hs", "hs"),
    "B13": ("grad_ha", "ha"),
    "B14": ("grad_ha", "ha"),
    "B15.W1": ("W1", "W1"),
    "B15.b1": ("b1", "b1"),
    "B16.W1": ("W1", "W1"),
    "B16.b1": ("b1", "b1"),
    "B17": ("x", "x"),
    "B17.X": ("x", "x"),
    "B18.W1": ("W1", "W1"),
    "B18.b1": ("b1", "b1"),
    "B18.W2": ("W2", "W2"),
    "B18.b2": ("b2", "b2"),
}
"""Each question's gradient in the package, and what it differentiates the risk with respect
to (for the finite differences)."""

RTOL, ATOL = 1e-7, 1e-9
"""An entry agrees when |yours - package| <= ATOL * max(1, max|package|) + RTOL |package|."""


def _arguments(function: Callable[..., Any], allowed: tuple[str, ...]) -> list[str]:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        raise TypeError("the answer function has no signature to read") from None
    names = []
    for p in parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TypeError(f"the answer function must name its arguments, not *{p.name}")
        if p.name not in allowed:
            raise TypeError(
                f"the answer function takes {p.name!r}, which this question does not give; "
                f"it may take {', '.join(allowed)}"
            )
        names.append(p.name)
    return names


def _members(question_id: str) -> tuple[str, list[str]]:
    """The question's ID as written in results, and the IDs of the gradients it returns."""
    name = question_id.strip().upper()
    for group, parts in GROUPS.items():
        if name == group:
            return group, [f"{group}.{p}" for p in parts]
    q = question(question_id)
    if q.id not in TARGETS:
        raise TypeError(f"{q.id} has no numeric form: answer it with a formula")
    return q.id, [q.id]


def check_function(question_id: str, function: Callable[..., Any]) -> CheckResult:
    """Check a Python ``function`` answering ``question_id`` (see the module doc)."""
    start = time.perf_counter()
    shown, ids = _members(question_id)
    one = question(ids[0]).numeric == "one"
    names = _arguments(function, ONE_EXAMPLE if one else MINIBATCH)
    penalty = shown.startswith("B18")
    points = [Point(*s, seed=n, penalty=penalty, one=one) for n, s in enumerate(SIZES)]
    points += [Point(3, 4, 3, 3, 90, penalty, kink, one) for kink in ("near", "at")]
    label = getattr(function, "__name__", "your function")
    for point in points:
        given = {n: _copy(point.arrays()[n]) for n in names}
        result = function(**given)
        for qid in ids:
            name, wrt = TARGETS[qid]
            if len(ids) > 1:
                if not isinstance(result, Mapping) or name not in result:
                    keys = list(result) if isinstance(result, Mapping) else type(result).__name__
                    raise TypeError(
                        f"{shown} wants a dict with the keys {GROUPS[shown]}, got {keys}"
                    )
                mine = result[name]
            else:
                mine = result
            verdict = _compare(shown, qid, point, name, wrt, mine, label, start)
            if verdict is not None:
                return verdict
    return CheckResult(
        question=shown,
        target=", ".join(ids),
        answer=label,
        verdict="agrees",
        detail=(
            f"equal to the package's gradient at {len(points)} random networks (d_h = 1, m = 2 "
            "and K = 1 among them, hidden pre-activations near and at the kink), the package's "
            "itself equal to central finite differences"
        ),
        route="numeric",
        seconds=time.perf_counter() - start,
    )


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def _compare(
    shown: str, qid: str, point: Point, name: str, wrt: str, mine: Any, label: str, start: float
) -> CheckResult | None:
    expected = point.reference(name)
    common = {"question": shown, "target": f"{qid}, the package's {name}", "answer": label}
    try:
        mine = np.asarray(mine, dtype=np.float64)
    except (TypeError, ValueError):
        says = f"it returns {type(mine).__name__}, not an array of numbers"
        seconds = time.perf_counter() - start
        return CheckResult(
            **common,
            verdict="wrong",
            detail=says,
            diagnosis=(says,),
            mistakes=("not an array",),
            seconds=seconds,
        )
    if mine.shape != expected.shape:
        transposed = mine.ndim == 2 and mine.shape == expected.T.shape
        says = f"it returns shape {mine.shape}; the package's is {expected.shape}"
        says += ": your result is transposed" if transposed else ""
        return CheckResult(
            **common,
            verdict="wrong",
            detail=f"{says} ({point.describe()})",
            diagnosis=(says,),
            mistakes=("transposed" if transposed else "shape",),
            seconds=time.perf_counter() - start,
        )
    scale = max(1.0, float(np.abs(expected).max()))
    bad = ~np.isclose(mine, expected, rtol=RTOL, atol=ATOL * scale)
    if not bad.any():
        fd, skip = point.finite_differences(wrt)
        gap = np.abs(fd - expected)[~skip]
        if gap.size and gap.max() > 1e-5 * scale:  # the package disagrees with calculus: a bug
            raise AssertionError(f"MLP.bprop differs from finite differences for {qid}")
        return None
    entries = tuple(
        Entry(str([int(i) for i in index]), float(expected[index]), float(mine[index]))
        for index in zip(*np.nonzero(bad), strict=True)
    )
    keys, sentences = _diagnosis(point, name, mine, expected, bad)
    return CheckResult(
        **common,
        verdict="convention" if keys == ("kink",) else "wrong",
        detail="it differs from the package's gradient at the network below (0-based indices)",
        counterexample=Counterexample(point.describe(), entries, int(bad.sum()), bad.size),
        diagnosis=sentences,
        mistakes=keys,
        seconds=time.perf_counter() - start,
    )


def _alternatives(point: Point, name: str) -> list[tuple[str, str, np.ndarray]]:
    """Anticipated wrong results for ``name``: (key, words, the array such a code returns)."""
    net, X = point.net, point.X
    K = point.sizes[3]
    expected = point.reference(name)
    grad_hs = net.grad_hs[0] if point.one else net.grad_hs
    x = X[0] if point.one else X
    masked = {
        "grad_ha": grad_hs,
        "W1": np.outer(grad_hs, x) if point.one else grad_hs.T @ X,
        "b1": grad_hs if point.one else grad_hs.sum(axis=0),
        "x": net.W1.T @ grad_hs if point.one else grad_hs @ net.W1,
    }
    found = [("sign flipped", "the sign is flipped", -expected)]
    if K > 1:
        found += [
            ("factor K", "K times the package's: the 1/K of the minibatch mean is missing",
             K * expected),
            ("factor 1/K", "the package's divided by K: the 1/K is applied twice",
             expected / K),
        ]  # fmt: skip
    if name in masked:
        unmasked = masked[name] + point.penalty_gradient(name)
        found.append(("rect' missing", "the mask rect'(h^a) = 1{h^a > 0} is missing", unmasked))
    if any(net.lambdas) and name in ("W1", "W2") and K > 1:
        words = "the penalty is added once per example (K times) instead of once"
        found.append(
            ("penalty per example", words, expected + (K - 1) * point.penalty_gradient(name))
        )
    if any(net.lambdas) and name in ("b1", "b2"):
        lam = (net.l11, net.l12) if name == "b1" else (net.l21, net.l22)
        bias = getattr(net, name)
        found.append(("bias penalised", "the biases are penalised; they are not",
                      expected + lam[0] * np.sign(bias) + 2 * lam[1] * bias))  # fmt: skip
    return found


def _diagnosis(
    point: Point, name: str, mine: np.ndarray, expected: np.ndarray, bad: np.ndarray
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if np.isnan(mine).any():
        return ("undefined at a kink",), (
            "your result holds NaN: at a weight exactly 0, w / |w| is 0/0; np.sign(w) gives the "
            "subgradient 0 that the book and the code use (the L1 subgradient at 0)",
        )
    scale = max(1.0, float(np.abs(expected).max()))
    for key, words, other in _alternatives(point, name):
        if other.shape == mine.shape and np.allclose(mine, other, rtol=RTOL, atol=ATOL * scale):
            code = key in ("rect' missing", "penalty per example", "bias penalised")
            return (key,), (f"your result is {'what a code gives when ' if code else ''}{words}",)
    if mine.ndim == 2 and mine.shape[0] == mine.shape[1] and np.allclose(mine, expected.T):
        return ("transposed",), ("your result is the transpose of the package's",)
    if point.kink == "at" and not (bad & ~point.at_kink(name, bad.shape)).any():
        return ("kink",), (
            "your result differs only at entries that depend on a hidden pre-activation exactly "
            "0, a kink where the derivative does not exist; the book and the code use "
            "rect'(0) = 0 (ha > 0, not ha >= 0): a different convention, not a wrong derivative",
        )
    return ("unknown",), (
        "no anticipated mistake matches: compare the entries above with your code",
    )
