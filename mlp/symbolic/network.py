"""The symbolic one-hidden-layer network of Part B: :class:`Network` and :func:`network`.

Symbol matrices for the input and parameters, the forward pass as expressions in them, the
homework's display symbols (h^a_j, o^s_k, dL/dq, rect'(h^a_j), ...) with what each stands for,
and numeric evaluation of any symbolic result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

from mlp.symbolic.functions import (
    Expr,
    Rect,
    Side,
    _check_label,
    _check_sizes,
    _display,
    _partials,
    rect_prime,
    softmax,
)
from mlp.symbolic.prover import _compile, _explicit, _is_matrix, _step_at_zero, prove
from mlp.symbolic.results import Proof

_LEVELS = ("oa", "hs", "ha", "params")
"""Levels of the forward pass, from the loss down: L as a function of oa, of hs (with W2, b2),
of ha (with W2, b2), and of the parameters and the input (x, W1, b1, W2, b2)."""


def _subscript(*indices: int) -> str:
    return ("," if any(i > 9 for i in indices) else "").join(str(i) for i in indices)


def _symbol_matrix(latex_stem: str, rows: int, cols: int) -> sp.ImmutableMatrix:
    """Real symbols named ``stem_{ij}`` (1-based); a column vector when ``cols == 1``."""

    def entry(i: int, j: int) -> sp.Symbol:
        indices = (i + 1,) if cols == 1 else (i + 1, j + 1)
        return _display(f"{latex_stem}_{{{_subscript(*indices)}}}")

    return sp.ImmutableMatrix(rows, cols, entry)


class Network:
    """The one-hidden-layer ReLU/softmax network with symbolic weights (built by :func:`network`).

    Parameters and input (symbol matrices): ``x`` (d, 1), ``W1`` (d_h, d), ``b1`` (d_h, 1),
    ``W2`` (m, d_h), ``b2`` (m, 1). Forward pass as expressions in those symbols:
    ``ha = W1 x + b1`` (d_h, 1), ``hs = rect(ha)`` (d_h, 1), ``oa = W2 hs + b2`` (m, 1),
    ``os = softmax(oa)`` (m, 1); the loss is ``L(y) = -log os_y`` (``y`` a Python index).

    The intermediate quantities also have their own symbols, ``ha_sym``, ``hs_sym``,
    ``oa_sym``, ``os_sym`` (h^a_j, h^s_j, o^a_k, o^s_k), used to write derivations with the
    homework's notation; :meth:`definitions` says what every such symbol stands for.
    """

    def __init__(self, d: int, d_h: int, m: int) -> None:
        _check_sizes(d=d, d_h=d_h, m=m)
        self.d, self.d_h, self.m = d, d_h, m
        self.x = _symbol_matrix("x", d, 1)
        self.W1 = _symbol_matrix("W^{(1)}", d_h, d)
        self.b1 = _symbol_matrix("b^{(1)}", d_h, 1)
        self.W2 = _symbol_matrix("W^{(2)}", m, d_h)
        self.b2 = _symbol_matrix("b^{(2)}", m, 1)
        self.ha_sym = _symbol_matrix("h^{a}", d_h, 1)
        self.hs_sym = _symbol_matrix("h^{s}", d_h, 1)
        self.oa_sym = _symbol_matrix("o^{a}", m, 1)
        self.os_sym = _symbol_matrix("o^{s}", m, 1)
        self.L_sym = _display("L")
        self.ha = sp.ImmutableMatrix(self.W1 * self.x + self.b1)
        self.hs = self.ha.applyfunc(Rect)
        self.oa = sp.ImmutableMatrix(self.W2 * self.hs + self.b2)
        self.os = softmax(self.oa)
        self._cache: dict[tuple[Any, ...], Any] = {}

    def __repr__(self) -> str:
        return f"network(d={self.d}, d_h={self.d_h}, m={self.m})"

    @property
    def parameters(self) -> dict[str, sp.ImmutableMatrix]:
        """The parameter matrices theta, by name: W1, b1, W2, b2."""
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}

    @property
    def theta(self) -> list[sp.Symbol]:
        """Every scalar parameter, in the order W1, b1, W2, b2 (row-major, like numpy)."""
        return [s for matrix in self.parameters.values() for s in matrix]

    def L(self, y: int) -> Expr:
        """The loss -log os_y as an expression in x, W1, b1, W2, b2."""
        return self.loss("params", y)

    def variables(self, level: str) -> dict[str, sp.ImmutableMatrix]:
        """The variables L depends on at ``level`` (see ``_LEVELS``), by name."""
        self._check_level(level)
        if level == "oa":
            return {"oa": self.oa_sym}
        if level in ("hs", "ha"):
            return {level: getattr(self, f"{level}_sym"), "W2": self.W2, "b2": self.b2}
        return {"x": self.x, **self.parameters}

    def forward(self, level: str) -> dict[sp.Symbol, Expr]:
        """Every intermediate symbol above ``level``, written in the variables of ``level``."""
        self._check_level(level)
        key = ("forward", level)
        if key not in self._cache:
            depth = _LEVELS.index(level)
            below: dict[sp.Symbol, Expr] = {}
            if depth >= 3:
                below.update(zip(self.ha_sym, self.W1 * self.x + self.b1, strict=True))
            if depth >= 2:
                below.update(zip(self.hs_sym, [Rect(h) for h in self.ha_sym], strict=True))
            if depth >= 1:
                below.update(zip(self.oa_sym, self.W2 * self.hs_sym + self.b2, strict=True))
            below.update(zip(self.os_sym, softmax(self.oa_sym), strict=True))
            self._cache[key] = _resolve(below)
        return self._cache[key]

    def loss(self, level: str, y: int) -> Expr:
        """L = -log os_y in the variables of ``level``."""
        _check_label(y, self.m)
        key = ("loss", level, y)
        if key not in self._cache:
            self._cache[key] = (-sp.log(self.os_sym[y])).xreplace(self.forward(level))
        return self._cache[key]

    def partial_symbols(self, name: str, numerator: str = "L") -> sp.ImmutableMatrix:
        """Display symbols dL/dq for every entry of quantity ``name`` (oa, hs, ha, x, W1, ...)."""
        return _partials(numerator, self._quantity(name))

    def rect_prime_symbols(self) -> sp.ImmutableMatrix:
        """Display symbols rect'(h^a_j), shape (d_h, 1)."""
        return sp.ImmutableMatrix(
            [_display(rf"\operatorname{{rect}}'({sp.latex(h)})") for h in self.ha_sym]
        )

    def definitions(self, level: str, y: int, wanted: Iterable[sp.Symbol] = ()) -> dict[Any, Any]:
        """What each display symbol stands for, in the variables of ``level``.

        Always: the intermediate symbols above ``level`` and ``L``. For every symbol in
        ``wanted``: dL/dq is the derivative of L with respect to q *at q's own level* (e.g.
        dL/do^a_k = diff(L(oa), o^a_k)), rewritten in the variables of ``level``; rect'(h^a_j)
        is Heaviside(h^a_j, 0). Heaviside steps are given the value 0 at 0 (code convention).
        """
        forward = self.forward(level)
        result: dict[Any, Any] = {**forward, self.L_sym: self.loss(level, y)}
        for name in ("oa", "hs", "ha", "x", "W1", "b1", "W2", "b2"):
            for g, q in zip(self.partial_symbols(name), self._quantity(name), strict=True):
                if g in wanted:
                    result[g] = self._partial(name, q, level, y)
        for r, h in zip(self.rect_prime_symbols(), self.ha_sym, strict=True):
            if r in wanted:
                result[r] = rect_prime(h).xreplace(forward)
        return result

    def gradient_of_loss(self, name: str, y: int) -> sp.ImmutableMatrix:
        """dL/dq for every entry of ``name``, computed directly with ``sympy.diff``.

        For x, W1, b1, W2, b2: derivatives of the fully substituted loss (same shape as the
        parameter). For oa, hs, ha: derivatives of L written as a function of that quantity.
        """
        quantity = self._quantity(name)
        level = {"oa": "oa", "hs": "hs", "ha": "ha"}.get(name, "params")
        return sp.ImmutableMatrix(
            quantity.shape[0],
            quantity.shape[1],
            [self._partial(name, q, level, y) for q in quantity],
        )

    def values(
        self, x: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike
    ) -> dict[sp.Symbol, float]:
        """Numbers for the symbols of x (d,), W1 (d_h, d), b1 (d_h,), W2 (m, d_h), b2 (m,)."""
        expected = {
            "x": (self.d,),
            "W1": (self.d_h, self.d),
            "b1": (self.d_h,),
            "W2": (self.m, self.d_h),
            "b2": (self.m,),
        }
        given = {"x": x, "W1": W1, "b1": b1, "W2": W2, "b2": b2}
        result: dict[sp.Symbol, float] = {}
        for name, array in given.items():
            a = np.asarray(array, dtype=np.float64)
            if a.shape != expected[name]:
                raise ValueError(f"{name} must have shape {expected[name]}, got {a.shape}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{name} contains NaN or infinite values")
            symbols = self.x if name == "x" else self.parameters[name]
            result.update(zip(symbols, a.ravel().tolist(), strict=True))
        return result

    def evaluate(self, expr: Side, values: Mapping[sp.Symbol, float]) -> NDArray[np.float64]:
        """Value of a scalar or matrix expression at ``values`` (from :meth:`values`).

        Computed with 50-digit mpmath, returned as float64: a scalar gives shape (), a
        column vector (k, 1) gives (k,) like the numpy code, a matrix keeps its shape.
        """
        e = _explicit(expr) if _is_matrix(expr) else sp.sympify(expr)
        entries = list(e) if _is_matrix(e) else [e]
        missing = set().union(*(u.free_symbols for u in entries)) - set(values)
        if missing:
            names = ", ".join(sorted(map(str, missing)))
            raise ValueError(f"no value given for {names}")
        variables = sorted(values, key=sp.default_sort_key)
        with mpmath.workdps(50):
            numbers = _compile(variables, entries)(*[mpmath.mpf(values[v]) for v in variables])
        out = np.array([float(mpmath.re(v)) for v in numbers])
        if not _is_matrix(e):
            return out.reshape(())
        return out.reshape(e.shape[0]) if e.shape[1] == 1 else out.reshape(e.shape)

    def _partial(self, name: str, q: sp.Symbol, level: str, y: int) -> Expr:
        own = {"oa": "oa", "hs": "hs", "ha": "ha"}.get(name, "params")
        if _LEVELS.index(level) < _LEVELS.index(own):
            raise ValueError(f"dL/d{name} is not a function of the variables of level {level!r}")
        key = ("partial", q, level, y)
        if key not in self._cache:
            value = _step_at_zero(sp.diff(self.loss(own, y), q), sp.S.Zero)
            self._cache[key] = value.xreplace(self.forward(level)) if own != level else value
        return self._cache[key]

    def _quantity(self, name: str) -> sp.ImmutableMatrix:
        table = {
            "oa": self.oa_sym,
            "hs": self.hs_sym,
            "ha": self.ha_sym,
            "os": self.os_sym,
            "x": self.x,
            **self.parameters,
        }
        if name not in table:
            raise ValueError(f"unknown quantity {name!r}; choose from {sorted(table)}")
        return table[name]

    @staticmethod
    def _check_level(level: str) -> None:
        if level not in _LEVELS:
            raise ValueError(f"unknown level {level!r}; choose from {_LEVELS}")

    def prove(self, lhs: Side, rhs: Side, level: str, y: int, **extra: Any) -> Proof:
        """Prove lhs = rhs written with this network's display symbols, at ``level``."""
        wanted: set[sp.Basic] = set()
        for side in (lhs, rhs):
            wanted |= _explicit(side).free_symbols if _is_matrix(side) else side.free_symbols
        definitions = {**self.definitions(level, y, wanted), **extra.pop("definitions", {})}
        return prove(lhs, rhs, definitions=definitions, heaviside_at_zero=0, **extra)


def _resolve(definitions: dict[sp.Symbol, Expr]) -> dict[sp.Symbol, Expr]:
    """Substitute the definitions into one another until none refers to another."""
    resolved = dict(definitions)
    for _ in range(len(resolved) + 1):
        changed = False
        for key, value in resolved.items():
            new = value.xreplace(resolved)
            if new != value:
                resolved[key] = new
                changed = True
        if not changed:
            return resolved
    raise ValueError("circular definitions")


_NETWORKS: dict[tuple[int, int, int], Network] = {}


def network(d: int = 3, d_h: int = 4, m: int = 3) -> Network:
    """The symbolic network with input size d, d_h hidden units and m classes (cached)."""
    _check_sizes(d=d, d_h=d_h, m=m)
    key = (d, d_h, m)
    if key not in _NETWORKS:
        _NETWORKS[key] = Network(d, d_h, m)
    return _NETWORKS[key]
