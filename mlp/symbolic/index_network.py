r"""The network of Part B in index notation, for symbolic sizes d, d_h, m and K.

One example: ``x[i]`` (i = 1..d), ``W1[j, i]``, ``b1[j]``, ``W2[k, j]``, ``b2[k]``; the forward
pass h^a_j = sum_i W1_ji x_i + b1_j, h^s_j = rect(h^a_j), o^a_k = sum_j W2_kj h^s_j + b2_k,
o^s_k = exp(o^a_k) / sum_c exp(o^a_c), and the loss L = -log o^s_y with a symbolic label
y in [1, m].

A minibatch of K examples stores them as rows, as the code does: ``X[t, i]``,
H^a_tj = sum_i X_ti W1_ji + b1_j, H^s = rect(H^a), O^a_tk = sum_j H^s_tj W2_kj + b2_k,
labels ``y[t]`` in [1, m], and the minibatch risk R_K = (1/K) sum_t -log O^s_{t, y_t}.

The loss can be written at four *levels*, as a function of: ``"oa"`` (the output
pre-activations as free variables), ``"hs"`` (the hidden outputs, with W2 and b2), ``"ha"``
(the hidden pre-activations, with W2 and b2) or ``"params"`` (the input and every parameter).
A gradient "dL/dq" used by a chain-rule formula is the derivative of L written at q's own
level, then rewritten at the level of the claim: exactly what the hand derivation means by
"the quantity computed in the previous question".

Summation indices inside definitions are primed (i', j', c', t'); the claims sum over plain
letters, so a substitution never captures an index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from mlp.symbolic.functions import Expr, Rect
from mlp.symbolic.indexed import IndexSpace, discharge, display_function
from mlp.symbolic.screen import Activity

LEVELS = ("oa", "hs", "ha", "params")


def _integer(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True)


def _size(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


d, d_h, m, K = _size("d"), _size("d_h"), _size("m"), _size("K")
i, j, k, t, y = (_integer(n) for n in ("i", "j", "k", "t", "y"))
l = _integer("l")  # a second output index (the softmax Jacobian)
_i, _j, _c, _t = (_integer(n) for n in ("i'", "j'", "c'", "t'"))
_a, _b = _integer("a"), _integer("b")  # private indices of the definitions

x = sp.IndexedBase("x", real=True)
W1 = sp.IndexedBase("W^{(1)}", real=True)
b1 = sp.IndexedBase("b^{(1)}", real=True)
W2 = sp.IndexedBase("W^{(2)}", real=True)
b2 = sp.IndexedBase("b^{(2)}", real=True)
ha = sp.IndexedBase("h^{a}", real=True)
hs = sp.IndexedBase("h^{s}", real=True)
oa = sp.IndexedBase("o^{a}", real=True)
X = sp.IndexedBase("X", real=True)
HA = sp.IndexedBase("H^{a}", real=True)
HS = sp.IndexedBase("H^{s}", real=True)
OA = sp.IndexedBase("O^{a}", real=True)
labels = sp.IndexedBase("y", integer=True)

# --- display functions ---------------------------------------------------------------------

_ENTRIES = {
    "oa": "o^a_{{{0}}}",
    "hs": "h^s_{{{0}}}",
    "ha": "h^a_{{{0}}}",
    "x": "x_{{{0}}}",
    "OA": "O^a_{{{0}{1}}}",
    "HS": "H^s_{{{0}{1}}}",
    "HA": "H^a_{{{0}{1}}}",
    "X": "X_{{{0}{1}}}",
    "W1": "W^{{(1)}}_{{{0}{1}}}",
    "b1": "b^{{(1)}}_{{{0}}}",
    "W2": "W^{{(2)}}_{{{0}{1}}}",
    "b2": "b^{{(2)}}_{{{0}}}",
}
RISK = r"\hat{{R}}_K"
"""The minibatch risk, the mean loss over the K examples of a minibatch (LaTeX template)."""


def _grad(prefix: str, numerator: str, name: str) -> type[sp.Function]:
    entry = _ENTRIES[name]
    nargs = sum(1 for n in range(3) if "{" + str(n) + "}" in entry)
    template = r"\frac{{\partial " + numerator + r"}}{{\partial " + entry + "}}"
    return display_function(f"{prefix}_d{name}", template, nargs)


dL = {n: _grad("dL", "L", n) for n in ("oa", "hs", "ha", "x", "W1", "b1", "W2", "b2")}
"""Display functions dL/dq for one example, by quantity."""
dR = {n: _grad("dR", RISK, n) for n in ("OA", "HS", "HA", "X", "W1", "b1", "W2", "b2")}
"""Display functions dR_K/dq for a minibatch, by quantity."""
Hs = display_function("Hs", "h^s_{{{0}}}")
HSd = display_function("HSd", "H^s_{{{0}{1}}}", 2)
Os = display_function("Os", "o^s_{{{0}}}")
OSd = display_function("OSd", "O^s_{{{0}{1}}}", 2)
Onehot = display_function("Onehot", r"\operatorname{{onehot}}_m(y)_{{{0}}}")
Y = display_function("Y", "Y_{{{0}{1}}}", 2)
RectPrime = display_function("RectPrime", r"\operatorname{{rect}}'(h^a_{{{0}}})")
RectPrimeBatch = display_function("RectPrimeBatch", r"\operatorname{{rect}}'(H^a_{{{0}{1}}})", 2)
dOs_dOa = display_function("dOs_dOa", r"\frac{{\partial o^s_{{{0}}}}}{{\partial o^a_{{{1}}}}}", 2)

# --- the forward pass ------------------------------------------------------------------------


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose from {LEVELS}")


def ha_of(jj: Any) -> Expr:
    """h^a_jj = sum_i' W1[jj, i'] x[i'] + b1[jj]."""
    return sp.Sum(W1[jj, _i] * x[_i], (_i, 1, d)) + b1[jj]


def hs_of(jj: Any, level: str) -> Expr:
    """h^s_jj at ``level`` (a free variable at level hs)."""
    _check_level(level)
    if level == "hs":
        return hs[jj]
    return Rect(ha[jj] if level == "ha" else ha_of(jj))


def oa_of(kk: Any, level: str) -> Expr:
    """o^a_kk at ``level`` (a free variable at level oa)."""
    _check_level(level)
    if level == "oa":
        return oa[kk]
    return sp.Sum(W2[kk, _j] * hs_of(_j, level), (_j, 1, d_h)) + b2[kk]


def os_of(kk: Any, level: str) -> Expr:
    """o^s_kk = exp(o^a_kk) / sum_c' exp(o^a_c')."""
    return sp.exp(oa_of(kk, level)) / sp.Sum(sp.exp(oa_of(_c, level)), (_c, 1, m))


def loss(level: str) -> Expr:
    """L = -log o^s_y at ``level``."""
    return -sp.log(os_of(y, level))


def HA_of(tt: Any, jj: Any) -> Expr:
    """H^a_{tt, jj} = sum_i' X[tt, i'] W1[jj, i'] + b1[jj]."""
    return sp.Sum(X[tt, _i] * W1[jj, _i], (_i, 1, d)) + b1[jj]


def HS_of(tt: Any, jj: Any, level: str) -> Expr:
    """H^s_{tt, jj} at ``level``."""
    _check_level(level)
    if level == "hs":
        return HS[tt, jj]
    return Rect(HA[tt, jj] if level == "ha" else HA_of(tt, jj))


def OA_of(tt: Any, kk: Any, level: str) -> Expr:
    """O^a_{tt, kk} at ``level``."""
    _check_level(level)
    if level == "oa":
        return OA[tt, kk]
    return sp.Sum(HS_of(tt, _j, level) * W2[kk, _j], (_j, 1, d_h)) + b2[kk]


def OS_of(tt: Any, kk: Any, level: str) -> Expr:
    """O^s_{tt, kk}, the softmax of row tt."""
    return sp.exp(OA_of(tt, kk, level)) / sp.Sum(sp.exp(OA_of(tt, _c, level)), (_c, 1, m))


def risk(level: str) -> Expr:
    """R_K = (1/K) sum_t' -log O^s_{t', y_t'} at ``level``."""
    return sp.Sum(-sp.log(OS_of(_t, labels[_t], level)), (_t, 1, K)) / K


# --- the spaces of the claims -----------------------------------------------------------------

SHAPES: dict[str, tuple[Expr, ...]] = {
    "x": (d,),
    "W1": (d_h, d),
    "b1": (d_h,),
    "W2": (m, d_h),
    "b2": (m,),
    "ha": (d_h,),
    "hs": (d_h,),
    "oa": (m,),
    "X": (K, d),
    "HA": (K, d_h),
    "HS": (K, d_h),
    "OA": (K, m),
}
"""The shape of every array of the network, by name: the range of each index is 1 to the
bound (W1 is d_h x d). The parameter counts of B5 and the screen's range checks read it."""

BASES: dict[str, sp.IndexedBase] = {
    "x": x,
    "W1": W1,
    "b1": b1,
    "W2": W2,
    "b2": b2,
    "ha": ha,
    "hs": hs,
    "oa": oa,
    "X": X,
    "HA": HA,
    "HS": HS,
    "OA": OA,
}
"""The ``IndexedBase`` of every array of the network, by name."""

_RANGES = {i: (1, d), j: (1, d_h), k: (1, m), l: (1, m), t: (1, K), y: (1, m)}
_SCREEN = {
    (d, d_h, m): (
        (2, 3, 4),
        (3, 2, 2),
        (2, 1, 3),
        (1, 3, 2),
        (3, 4, 2),
        (4, 2, 3),
        (2, 3, 2),
        (1, 2, 4),
    ),
    (m,): ((3,), (2,), (4,), (5,), (2,), (3,), (4,), (6,)),
    (d, d_h, m, K): (
        (2, 3, 4, 2),
        (3, 2, 2, 3),
        (2, 1, 3, 1),
        (1, 3, 2, 2),
        (3, 4, 2, 3),
        (4, 2, 3, 2),
        (2, 3, 2, 4),
        (3, 2, 3, 1),
    ),
    (m, K): ((3, 2), (2, 3), (4, 1), (3, 3), (2, 2), (5, 2), (2, 4), (3, 1)),
}
"""The screen's sizes: d_h = 1, m = 2 and K = 1 included, and d != d_h in most rows (so
that an index of one range used in the other's place reads outside the shape)."""

ACTIVITY = Activity(signs={b1: 0, ha: 0, HA: 1}, small=frozenset({x, X, W1}), terms=d)
"""What sets the hidden units' states in the screen: b1_j's sign when h^a_j = sum_i W1_ji x_i
+ b1_j (x and W1 drawn small), or h^a_j's own sign where it is a variable."""


def space(*indices: sp.Symbol, batch: bool = False, only_m: bool = False) -> IndexSpace:
    """The sizes and the ranges of ``indices`` (from i, j, k, l, t, y) for a claim.

    One example: sizes d, d_h, m and the label y in [1, m]. A minibatch: sizes d, d_h, m, K
    and the labels y_t in [1, m]. ``only_m`` keeps the output layer alone (sizes m, and K for
    a minibatch). Every space states the shapes of the arrays (:data:`SHAPES`) and, with a
    hidden layer, what sets the hidden units' states (:data:`ACTIVITY`).
    """
    if only_m:
        sizes: tuple[sp.Symbol, ...] = (m, K) if batch else (m,)
    else:
        sizes = (d, d_h, m, K) if batch else (d, d_h, m)
    wanted = [*indices] if batch else [*indices, y]
    ranges = {s: _RANGES[s] for s in dict.fromkeys(wanted)}
    shapes = {BASES[name]: shape for name, shape in SHAPES.items()}
    shapes[labels] = (K,)
    return IndexSpace(
        sizes=sizes,
        ranges=ranges,
        labels={labels: m} if batch else {},
        screen_sizes=_SCREEN[sizes],
        shapes=shapes,
        activity=None if only_m else ACTIVITY,
    )


# --- definitions of the display functions ----------------------------------------------------

_VARIABLE = {"oa": oa, "hs": hs, "ha": ha}
_BATCH_VARIABLE = {"oa": OA, "hs": HS, "ha": HA}


def lift(e: Expr, source: str, target: str, batch: bool = False) -> Expr:
    """Rewrite ``e``, written at level ``source``, at the lower level ``target``."""
    _check_level(source)
    _check_level(target)
    if LEVELS.index(target) < LEVELS.index(source):
        raise ValueError(f"cannot rewrite level {source!r} at the higher level {target!r}")
    if source == "params" or source == target:
        return e
    base = (_BATCH_VARIABLE if batch else _VARIABLE)[source]
    if batch:
        forward: dict[str, Callable[..., Expr]] = {
            "oa": lambda a, b: OA_of(a, b, target),
            "hs": lambda a, b: HS_of(a, b, target),
            "ha": lambda a, b: HA_of(a, b),
        }
    else:
        forward = {
            "oa": lambda a: oa_of(a, target),
            "hs": lambda a: hs_of(a, target),
            "ha": lambda a: ha_of(a),
        }
    return e.replace(
        lambda u: isinstance(u, sp.Indexed) and u.base == base,
        lambda u: forward[source](*u.indices),
    )


_OWN_LEVEL = {"oa": "oa", "hs": "hs", "ha": "ha"}
_CACHE: dict[tuple[Any, ...], Expr] = {}


def _derivative(name: str, batch: bool) -> tuple[Expr, tuple[sp.Symbol, ...], str]:
    """The derivative of L (or R_K) with respect to entry (a[, b]) of ``name``, at the
    quantity's own level, with the deltas discharged; its private indices and level."""
    key = ("derivative", name, batch)
    level = _OWN_LEVEL.get(name.lower(), "params")
    base = BASES[name]
    shape = SHAPES[name]
    indices = (_a, _b)[: len(shape)]
    if key not in _CACHE:
        f = risk(level) if batch else loss(level)
        entry = base[indices]
        ranges = {a: (1, bound) for a, bound in zip(indices, shape, strict=True)}
        if not batch:
            ranges[y] = (1, m)
        within = IndexSpace(sizes=(d, d_h, m, K), ranges=ranges)
        _CACHE[key] = discharge(sp.diff(f, entry), within)
    return _CACHE[key], indices, level


def gradient_definition(name: str, level: str, batch: bool = False) -> Callable[..., Expr]:
    """The value of dL/d``name`` (or dR_K/d``name``), a function of its indices, at ``level``.

    The derivative is taken at the quantity's own level and rewritten at ``level``; it is
    valid for in-range indices, which is how the claims use it.
    """
    value, indices, own = _derivative(name, batch)
    key = ("lifted", name, level, batch)
    if key not in _CACHE:
        _CACHE[key] = lift(value, own, level, batch)
    lifted = _CACHE[key]

    def at(*args: Any) -> Expr:
        return lifted.xreplace(dict(zip(indices, args, strict=True)))

    return at


def definitions(level: str, batch: bool = False, needed: set[type] | None = None) -> dict[Any, Any]:
    """What every display function stands for, in the variables of ``level``.

    ``needed``: the display functions wanted (default all); a gradient is computed only when
    it is wanted, since each costs a derivative.
    """

    def wanted(f: type) -> bool:
        return needed is None or f in needed

    def usable(name: str) -> bool:
        own = _OWN_LEVEL.get(name.lower(), "params")
        return LEVELS.index(own) <= LEVELS.index(level)

    if batch:
        result: dict[Any, Any] = {
            dR[n]: gradient_definition(n, level, batch=True)
            for n in dR
            if usable(n) and wanted(dR[n])
        }
        result.update(
            {
                HSd: lambda a, b: HS_of(a, b, level),
                OSd: lambda a, b: OS_of(a, b, level),
                Y: lambda a, b: sp.KroneckerDelta(b, labels[a]),
                RectPrimeBatch: lambda a, b: sp.Heaviside(
                    HA[a, b] if level == "ha" else HA_of(a, b), 0
                ),
            }
        )
        return result
    result = {dL[n]: gradient_definition(n, level) for n in dL if usable(n) and wanted(dL[n])}
    result.update(
        {
            Hs: lambda a: hs_of(a, level),
            Os: lambda a: os_of(a, level),
            Onehot: lambda a: sp.KroneckerDelta(a, y),
            RectPrime: lambda a: sp.Heaviside(ha[a] if level == "ha" else ha_of(a), 0),
        }
    )
    return result
