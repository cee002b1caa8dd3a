"""What the claims return: proven identities and facts, displayed as typeset math.

A result exists only once its claim is proven; a false claim raises :class:`IdentityError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from mlp.symbolic.functions import Expr, Side


class IdentityError(AssertionError):
    """Raised when a claimed identity is false, or when no allowed route could establish it."""


def _latex(e: Any) -> str:
    return sp.latex(e, order="none")


class _Result:
    """Base of the results: they are not truth values, so ``assert proof`` cannot test nothing.

    A result exists only once its claim is proven (a false claim raises ``IdentityError``);
    what a test can assert is how it was proven, e.g. ``proof.exact``.
    """

    def __bool__(self) -> bool:
        raise TypeError(
            f"a {type(self).__name__} is not a truth value: it exists only if the claim was "
            "proven (a false claim raises IdentityError); test .exact or .route instead"
        )


@dataclass(frozen=True)
class Proof(_Result):
    """A proven identity ``lhs = rhs``.

    ``lhs`` and ``rhs`` are the sides as displayed (scalars or matrices, possibly written with
    display symbols such as dL/do^a_k); ``route`` says how equality was established and
    ``exact`` is False only when the numeric route was needed; ``seconds`` is the proving time.
    """

    lhs: Side
    rhs: Side
    route: str
    exact: bool
    seconds: float = 0.0
    condition: str = ""

    def latex(self) -> str:
        """The identity as a LaTeX string, ``lhs = rhs`` (plus its condition, if any)."""
        text = f"{_latex(self.lhs)} = {_latex(self.rhs)}"
        if self.condition:
            text += rf"\qquad ({self.condition})"
        return text

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def __str__(self) -> str:
        return f"{sp.sstr(self.lhs)} = {sp.sstr(self.rhs)}    [{self.route}]"


@dataclass(frozen=True)
class Fact(_Result):
    """A proven statement that is not an equality, e.g. positivity (``statement`` is displayed)."""

    statement: sp.Basic
    route: str
    exact: bool = True
    seconds: float = 0.0

    def latex(self) -> str:
        """The statement as a LaTeX string."""
        return _latex(self.statement)

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def __str__(self) -> str:
        return f"{sp.sstr(self.statement)}    [{self.route}]"


@dataclass(frozen=True)
class KinkDerivative(_Result):
    """Derivative of a function with a kink at 0, proven for every ``x != 0``.

    ``left`` and ``right`` are the one-sided derivatives at 0 (they differ, so the derivative
    does not exist there); ``convention`` is the value the code returns at 0 and
    ``sympy_at_zero`` the value of SymPy's own derivative formula at 0.
    """

    proof: Proof
    left: Expr
    right: Expr
    convention: Expr
    sympy_at_zero: Expr

    @property
    def route(self) -> str:
        """The route that proved the identity away from 0."""
        return self.proof.route

    @property
    def exact(self) -> bool:
        """True when the identity away from 0 was proven exactly."""
        return self.proof.exact

    def latex(self) -> str:
        """The identity (for x != 0) and the one-sided derivatives at 0, as LaTeX."""
        return (
            self.proof.latex()
            + r"\\ \text{at } 0:\ \text{left derivative } "
            + _latex(self.left)
            + r",\ \text{right derivative } "
            + _latex(self.right)
            + r",\ \text{the code returns } "
            + _latex(self.convention)
        )

    def _repr_latex_(self) -> str:
        return rf"$$\begin{{gathered}}{self.latex()}\end{{gathered}}$$"


@dataclass(frozen=True)
class ProofGroup(_Result):
    """Several proofs that answer one question, by name (``group.W2``, ``group["b2"]``).

    ``notes`` holds facts for display that need no proof, e.g. the shapes of the arrays.
    """

    title: str
    proofs: dict[str, Proof | Fact]
    notes: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Proof | Fact:
        proofs = self.__dict__.get("proofs", {})
        if name in proofs:
            return proofs[name]
        raise AttributeError(f"{self.__dict__.get('title', 'ProofGroup')!r} has no proof {name!r}")

    def __getitem__(self, name: str) -> Proof | Fact:
        return self.proofs[name]

    def __iter__(self):
        return iter(self.proofs)

    @property
    def exact(self) -> bool:
        """True when every proof in the group is exact."""
        return all(p.exact for p in self.proofs.values())

    @property
    def seconds(self) -> float:
        """Total proving time."""
        return sum(p.seconds for p in self.proofs.values())

    def latex(self) -> str:
        """Every proof of the group, one per line, as LaTeX for a ``gathered`` block."""
        return r" \\[6pt] ".join(p.latex() for p in self.proofs.values())

    def _repr_latex_(self) -> str:
        return rf"$$\begin{{gathered}}{self.latex()}\end{{gathered}}$$"

    def __str__(self) -> str:
        return "\n".join(f"{name}: {p}" for name, p in self.proofs.items())


@dataclass(frozen=True)
class ParameterCount(_Result):
    """The number of scalar parameters of the network, counted and by formula (equal).

    ``sizes`` gives the count per parameter (W1, b1, W2, b2); ``formula`` is
    d_h (d + 1) + m (d_h + 1) in the symbols d, d_h, m.
    """

    d: int
    d_h: int
    m: int
    sizes: dict[str, int]
    n_theta: int
    formula: Expr
    route: str = "counted the parameters L depends on (every label y), compared with the formula"
    exact: bool = True

    def latex(self) -> str:
        """n_theta as formula, with numbers, and its value."""
        with_numbers = rf"{self.d_h}({self.d}+1) + {self.m}({self.d_h}+1)"
        return rf"n_\theta = {sp.latex(self.formula)} = {with_numbers} = {self.n_theta}"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"
