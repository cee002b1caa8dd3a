"""What the claims return: proven identities and facts, displayed as typeset math.

A result exists only once its claim is proven; a false claim raises :class:`IdentityError`.
Every result says what it establishes: its ``scope`` is ``"general"`` (proven for symbolic
values of every size, index and variable, under the conditions it displays) or
``"instance"`` (proven at the sizes and labels it displays), and its ``kind`` is ``"check"``
(a wrong formula would make it fail) or ``"by construction"`` (a consistency check that holds
whatever the formulas, shown as such and never as a proof).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from mlp.symbolic.functions import Expr, Side


class IdentityError(AssertionError):
    """Raised when a claimed identity is false, or when no allowed route could establish it."""


SCOPES = ("general", "instance")
"""What a result covers: symbolic sizes and variables, or the instance it ran."""

KINDS = ("check", "by construction")
"""Whether a result could fail for a wrong formula (``check``) or holds whatever the formulas."""

_BY_CONSTRUCTION = r"\qquad\text{(consistency, true by construction)}"


def _check_labels(scope: str, kind: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


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
    ``condition`` (LaTeX) states where the identity holds: the instance it ran, or the
    ranges of a general proof. ``scope`` and ``kind`` are described in the module doc;
    ``where`` lists (symbol, definition) pairs displayed under the identity.
    """

    lhs: Side
    rhs: Side
    route: str
    exact: bool
    seconds: float = 0.0
    condition: str = ""
    scope: str = "instance"
    kind: str = "check"
    where: tuple[tuple[Any, Any], ...] = ()

    def __post_init__(self) -> None:
        _check_labels(self.scope, self.kind)

    def latex(self) -> str:
        """The identity as LaTeX, ``lhs = rhs`` (plus its condition, and its definitions on
        further lines, for a ``gathered`` block)."""
        text = f"{_latex(self.lhs)} = {_latex(self.rhs)}"
        if self.condition:
            text += rf"\qquad ({self.condition})"
        if self.kind == "by construction":
            text += _BY_CONSTRUCTION
        for n, (symbol, value) in enumerate(self.where):
            prefix = r"\text{where }" if n == 0 else ""
            text += rf" \\ {prefix}{_latex(symbol)} = {_latex(value)}"
        return text

    def _repr_latex_(self) -> str:
        return rf"$$\begin{{gathered}}{self.latex()}\end{{gathered}}$$"

    def __str__(self) -> str:
        return f"{sp.sstr(self.lhs)} = {sp.sstr(self.rhs)}    [{self.route}]"


@dataclass(frozen=True)
class Fact(_Result):
    """A proven statement that is not an equality, e.g. positivity (``statement`` is displayed)."""

    statement: sp.Basic
    route: str
    exact: bool = True
    seconds: float = 0.0
    condition: str = ""
    scope: str = "instance"
    kind: str = "check"

    def __post_init__(self) -> None:
        _check_labels(self.scope, self.kind)

    def latex(self) -> str:
        """The statement as a LaTeX string (plus its condition, if any)."""
        text = _latex(self.statement)
        if self.condition:
            text += rf"\qquad ({self.condition})"
        return text + (_BY_CONSTRUCTION if self.kind == "by construction" else "")

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

    @property
    def scope(self) -> str:
        """The scope of the identity away from 0."""
        return self.proof.scope

    @property
    def kind(self) -> str:
        """The kind of the identity away from 0."""
        return self.proof.kind

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

    @property
    def scope(self) -> str:
        """``general`` when every real check of the group is general, else ``instance``."""
        checks = [p for p in self.proofs.values() if p.kind == "check"] or list(
            self.proofs.values()
        )
        return "general" if all(p.scope == "general" for p in checks) else "instance"

    @property
    def kind(self) -> str:
        """``by construction`` when every member is, else ``check``."""
        kinds = {p.kind for p in self.proofs.values()}
        return "by construction" if kinds == {"by construction"} else "check"

    @property
    def route(self) -> str:
        """The routes of the members, distinct ones joined with ``; ``."""
        return "; ".join(dict.fromkeys(p.route for p in self.proofs.values()))

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
    seconds: float = 0.0
    scope: str = "instance"
    kind: str = "by construction"

    def latex(self) -> str:
        """n_theta as formula, with numbers, and its value."""
        with_numbers = rf"{self.d_h}({self.d}+1) + {self.m}({self.d_h}+1)"
        text = rf"n_\theta = {sp.latex(self.formula)} = {with_numbers} = {self.n_theta}"
        return text + _BY_CONSTRUCTION

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"


@dataclass(frozen=True)
class CodeAgreement(_Result):
    """The code evaluated against a proved formula at one point: a numeric comparison.

    ``statement`` says what was compared (e.g. ``MLP.bprop`` and the fused step against the
    right sides of B18), ``where`` the sizes and values it ran, ``max_error`` the largest
    |code - formula| relative to the largest |formula| entry, under ``tolerance``. It is a
    real check (a code that computes something else fails), at one instance, and numeric:
    ``exact`` is False.
    """

    statement: str
    where: str
    max_error: float
    tolerance: float
    entries: int
    seconds: float = 0.0
    route: str = "numeric: the code against the proved right sides (30 digits), one minibatch"
    exact: bool = False
    scope: str = "instance"
    kind: str = "check"

    def __post_init__(self) -> None:
        _check_labels(self.scope, self.kind)

    def latex(self) -> str:
        """The comparison, its instance and its largest relative error, as LaTeX."""
        error = sp.latex(sp.Float(self.max_error, 2))
        return (
            rf"\text{{{self.statement}}}\qquad ({self.where})"
            rf"\\ \text{{{self.entries} entries, largest relative difference }} {error}"
        )

    def _repr_latex_(self) -> str:
        return rf"$$\begin{{gathered}}{self.latex()}\end{{gathered}}$$"

    def __str__(self) -> str:
        return (
            f"{self.statement} ({self.where}): {self.entries} entries, "
            f"largest relative difference {self.max_error:.1e} [{self.route}]"
        )


def rejection(claim: Callable[[], Any]) -> str:
    """Run ``claim``, a false identity, and return the IdentityError message it raises.

    The message carries the counterexample the prover found. Raises AssertionError if the
    claim is accepted: a check that a wrong formula passes would establish nothing.
    """
    try:
        claim()
    except IdentityError as error:
        return str(error)
    raise AssertionError("the prover accepted a claim it should have rejected")
