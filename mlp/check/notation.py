r"""The names a formula may use: arrays with their shapes, scalars, index letters, functions.

A :class:`Notation` is the vocabulary of one question, in the chapters' notation: arrays the
reader indexes (``W1[j, i]``, ``grad_oa[k]``, ``G_oa[t, k]``), each with its shape in the
sizes (``W1`` is d_h x d, every index runs from 1) and the SymPy expression an entry stands
for; scalars (``y``, ``K``, ``lambda11``, the variable ``x`` of Part A); the letters usable as
indices; and the functions (``exp``, ``Sum``, ``Heaviside``, ``relu_prime``, ``indicator``...).
Nothing outside it can appear in a formula (:mod:`mlp.check.formula`).

The functions map the reader's spellings to one SymPy form: ``relu_prime(z)`` and
``indicator(z > 0)`` are ``Heaviside(z, 0)``, ``indicator(z >= 0)`` is ``Heaviside(z, 1)``,
``indicator(a == b)`` is ``KroneckerDelta(a, b)``, ``rect(z)``, ``relu(z)`` and ``max(0, z)``
are :class:`~mlp.symbolic.Rect`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from mlp.symbolic.functions import Rect

__all__ = ["FUNCTIONS", "Array", "FormulaError", "Notation", "index_letters"]

INDEX_LETTERS = ("a", "b", "c", "i", "j", "k", "l", "p", "q", "r", "s", "t", "u", "v")
"""Letters usable as indices (free or summed); a question may rename some."""


def index_letters(**renamed: sp.Symbol) -> dict[str, sp.Symbol]:
    """Integer symbols for :data:`INDEX_LETTERS`, with ``renamed`` letters mapped as given."""
    letters = {name: sp.Symbol(name, integer=True) for name in INDEX_LETTERS}
    letters.update(renamed)
    return letters


class FormulaError(ValueError):
    """A formula that cannot be read: a syntax error, a name not allowed, bad arguments.

    ``allowed`` lists the names the question allows (empty when beside the point).
    """

    def __init__(self, message: str, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.allowed = allowed


@dataclass(frozen=True)
class Array:
    """An array the reader indexes: ``name[index, ...]`` is ``entry(index, ...)``.

    ``shape`` holds the upper bound of each index (lower bound 1), e.g. ``(d_h, d)``;
    ``what`` says in words what an entry is, for ``mlp check --list``; ``letters`` are the
    chapters' index letters for it (``("j", "i")``), for display.
    """

    name: str
    shape: tuple[Any, ...]
    entry: Callable[..., sp.Expr]
    what: str = ""
    letters: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> sp.Expr:
        indices = key if isinstance(key, tuple) else (key,)
        if len(indices) != len(self.shape):
            raise FormulaError(
                f"{self.name} takes {len(self.shape)} "
                f"{'index' if len(self.shape) == 1 else 'indices'}, got {len(indices)}"
            )
        for index in indices:
            value = sp.sympify(index)
            if not (value.is_integer or value.free_symbols):
                raise FormulaError(f"{self.name}[...]: an index must be a whole number or a letter")
        return self.entry(*indices)

    def spelled(self) -> str:
        """``W1[j, i]``: the array with the chapters' index letters."""
        return f"{self.name}[{', '.join(self.letters or ('.',) * len(self.shape))}]"

    def describe(self) -> str:
        """``W1[j, i]  (d_h x d)  what``."""
        shape = " x ".join(sp.sstr(s) for s in self.shape)
        return f"{self.spelled()}  ({shape})  {self.what}".rstrip()


@dataclass(frozen=True)
class Notation:
    """The vocabulary of one question (see the module doc)."""

    arrays: Mapping[str, Array]
    scalars: Mapping[str, sp.Basic]
    indices: Mapping[str, sp.Symbol]
    functions: Mapping[str, Callable[..., Any]]
    sizes: Mapping[str, sp.Symbol] = field(default_factory=dict)
    labels: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)

    def names(self) -> tuple[str, ...]:
        """Every name a formula may use, arrays first, then scalars and functions."""
        return (*self.arrays, *self.scalars, *sorted(self.functions))

    def namespace(self) -> dict[str, Any]:
        """What the parser may evaluate: every allowed name (and nothing else)."""
        return {**self.indices, **self.scalars, **self.arrays, **self.functions}

    def allowed(self) -> tuple[str, ...]:
        """The allowed names as shown in error messages (arrays with their indices)."""
        arrays = [a.spelled() for a in self.arrays.values()]
        letters = "index letters " + " ".join(self.indices)
        return (*arrays, *self.scalars, *sorted(self.functions), letters)


# --- the functions, with the reader's spellings mapped to one form ----------------------------


def _sum(body: Any, *limits: Any) -> sp.Sum:
    if not limits:
        raise FormulaError("Sum needs its limits: Sum(body, (index, 1, size))")
    for limit in limits:
        if not (isinstance(limit, tuple) and len(limit) == 3):
            raise FormulaError("each limit of a Sum is (index, 1, size), e.g. (k, 1, m)")
        if not (isinstance(limit[0], sp.Symbol) and limit[0].is_integer):
            raise FormulaError(
                f"the first entry of a Sum's limit must be an index letter, got {sp.sstr(limit[0])}"
            )
    return sp.Sum(body, *limits)


def _heaviside(z: Any, h0: Any = sp.S.Half) -> sp.Heaviside:
    h0 = sp.sympify(h0)
    if not h0.is_number:
        raise FormulaError("Heaviside(z, h): the value h at 0 must be a number")
    return sp.Heaviside(z, h0)


def _indicator(condition: Any) -> sp.Expr:
    """1{condition} as a step: z > 0 -> Heaviside(z, 0), z >= 0 -> Heaviside(z, 1), a == b
    between indices -> KroneckerDelta(a, b)."""
    if isinstance(condition, sp.Eq):
        a, b = condition.args
        return sp.KroneckerDelta(a, b)
    if isinstance(condition, sp.Ne):
        a, b = condition.args
        return 1 - sp.KroneckerDelta(a, b)
    if isinstance(condition, sp.StrictGreaterThan):
        return sp.Heaviside(condition.lhs - condition.rhs, 0)
    if isinstance(condition, sp.GreaterThan):
        return sp.Heaviside(condition.lhs - condition.rhs, 1)
    if isinstance(condition, sp.StrictLessThan):
        return sp.Heaviside(condition.rhs - condition.lhs, 0)
    if isinstance(condition, sp.LessThan):
        return sp.Heaviside(condition.rhs - condition.lhs, 1)
    raise FormulaError("indicator(...) takes one comparison, e.g. indicator(ha[j] > 0)")


def _max(*args: Any) -> sp.Expr:
    values = [sp.sympify(a) for a in args]
    if len(values) == 2 and 0 in values:
        return Rect(values[1] if values[0] == 0 else values[0])
    raise FormulaError("max takes two arguments, one of them 0: max(0, z) is rect(z)")


def _abs(z: Any) -> sp.Expr:
    return sp.Abs(z)


def _delta(a: Any, b: Any) -> sp.Expr:
    return sp.KroneckerDelta(a, b)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "Sum": _sum,
    "sign": sp.sign,
    "Abs": _abs,
    "abs": _abs,
    "Heaviside": _heaviside,
    "relu_prime": lambda z: sp.Heaviside(z, 0),
    "rect_prime": lambda z: sp.Heaviside(z, 0),
    "indicator": _indicator,
    "rect": Rect,
    "relu": Rect,
    "max": _max,
    "Max": _max,
    "KroneckerDelta": _delta,
    "delta": _delta,
}
"""Every function a formula may call, by the names the reader may use."""

COMPARISONS: dict[str, Callable[..., Any]] = {"_Eq": sp.Eq, "_Ne": sp.Ne}
"""What ``==`` and ``!=`` become inside ``indicator(...)`` (Python's ``==`` compares objects)."""
