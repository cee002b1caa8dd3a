r"""Proofs for every size: identities in index notation with symbolic sizes d, d_h, m, K.

A claim such as dL/dW2_kj = dL/doa_k hs_j is written with SymPy ``IndexedBase`` entries,
``Sum`` over symbolic ranges (``Sum(W2[k, j] * hs[j], (j, 1, d_h))``) and free index symbols
(k, j) whose ranges are *stated* in an :class:`IndexSpace`. :func:`prove_general` proves it
for every size and every index in range, in four steps:

1. **Evaluate**: substitute the definitions and let SymPy differentiate. Differentiating a
   ``Sum`` with respect to an entry ``W2[k, j]`` gives Kronecker deltas. A Heaviside step
   produced by a derivative gets the value 0 at 0 (the code's rect'(0)); a step written in
   a formula keeps the value written (``Heaviside(z)`` is 1/2 at 0, ``Heaviside(z, 0)`` 0),
   so a right side with another convention at the kink is not proven.
2. **Screen** (before any exact step): both sides are evaluated at small sizes, in-range
   indices (distinct where the ranges allow, and equal in some configurations), hidden units
   all active, some inactive, or drawn freely, and random entries
   (:mod:`~mlp.symbolic.screen`). A false identity usually fails here, and the error names
   the sizes, indices, labels and both values. Passing the screen proves nothing.
3. **Discharge the deltas** under the stated ranges: ``doit()`` turns a sum of a delta into
   ``Piecewise((value, 1 <= k <= m), (0, True))``, and ``refine`` with the assumptions
   ``Q.ge(k, 1) & Q.le(k, m)`` keeps the first branch. A Piecewise that the assumptions cannot
   decide stays, and the proof then fails.
4. **Normal form**: every denominator of both sides is shown positive
   (:func:`~mlp.symbolic.normal_form.check_denominators`), then both sides are put in a
   canonical form (:func:`~mlp.symbolic.normal_form.normal_form`) and their difference must
   be 0. Only this step makes the returned :class:`~.Proof` exact, with ``scope="general"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from mlp.symbolic.functions import Expr
from mlp.symbolic.normal_form import _expand, check_denominators, normal_form
from mlp.symbolic.prover import _short, _step_at_zero, _substitute
from mlp.symbolic.results import IdentityError, Proof
from mlp.symbolic.screen import Activity, Discrepancy, find_discrepancy, screen, screen_count
from mlp.symbolic.steps import canonical_steps, reduce_steps

__all__ = [
    "Activity",
    "Discrepancy",
    "IndexSpace",
    "discharge",
    "display_function",
    "evaluate",
    "exact_difference",
    "find_discrepancy",
    "normal_difference",
    "normal_form",
    "prepare",
    "prove_general",
    "screen",
]

# --- the stated assumptions ---------------------------------------------------------------


@dataclass(frozen=True)
class IndexSpace:
    """Sizes, index ranges and integer labels under which an index identity is claimed.

    ``sizes``: positive integer symbols (d, d_h, m, K). ``ranges``: each free index symbol
    with its bounds, e.g. ``{k: (1, m)}``. ``labels``: integer-valued ``IndexedBase`` objects
    with the upper bound of their values, e.g. ``{y: m}`` for minibatch labels y_t in
    [1, m]. ``screen_sizes`` lists the size values the numeric screen uses, one tuple per
    configuration in the order of ``sizes``. ``shapes`` gives the upper bound of each index
    of a base (``{W1: (d_h, d)}``, lower bounds 1): the screen refuses an entry read outside
    it. ``activity`` says which entries decide the hidden units' states (see
    :class:`~mlp.symbolic.screen.Activity`), for the screen's patterns.
    """

    sizes: tuple[sp.Symbol, ...]
    ranges: Mapping[sp.Symbol, tuple[Expr, Expr]]
    labels: Mapping[sp.IndexedBase, Expr] = field(default_factory=dict)
    screen_sizes: tuple[tuple[int, ...], ...] = ()
    shapes: Mapping[sp.IndexedBase, tuple[Expr, ...]] = field(default_factory=dict)
    activity: Activity | None = None

    def assumptions(self) -> sp.Basic:
        """The ranges as a SymPy ``Q`` conjunction (for ``refine``)."""
        facts = [sp.Q.positive(s) & sp.Q.integer(s) for s in self.sizes]
        for s, (lo, hi) in self.ranges.items():
            facts.append(sp.Q.integer(s) & sp.Q.ge(s, lo) & sp.Q.le(s, hi))
        return sp.And(*facts)

    def label_assumptions(self, e: Expr) -> sp.Basic:
        """The value range of every label entry in ``e``: Q facts 1 <= y_t <= m."""
        facts = [sp.true]
        for a in sp.sympify(e).atoms(sp.Indexed):
            if a.base in self.labels:
                facts.append(sp.Q.integer(a) & sp.Q.ge(a, 1) & sp.Q.le(a, self.labels[a.base]))
        return sp.And(*facts)

    def latex(self) -> str:
        """The assumptions as displayed: ``\\text{for all } d, m \\ge 1,\\ 1 \\le k \\le m``."""
        sizes = ", ".join(sp.latex(s) for s in self.sizes)
        parts = [rf"\text{{for all }} {sizes} \ge 1"]
        for s, (lo, hi) in self.ranges.items():
            parts.append(rf"{sp.latex(lo)} \le {sp.latex(s)} \le {sp.latex(hi)}")
        for base, hi in self.labels.items():
            parts.append(rf"{sp.latex(base)}_t \in \{{1, \dots, {sp.latex(hi)}\}}")
        return r",\ ".join(parts)


# --- display functions ----------------------------------------------------------------------


def display_function(name: str, template: str, nargs: int = 1) -> type[sp.Function]:
    """An undefined SymPy function of integer indices that prints as ``template``.

    ``template`` is LaTeX with ``{0}``, ``{1}``... for the indices, e.g.
    ``r"\\frac{{\\partial L}}{{\\partial o^a_{{{0}}}}}"``. Used for the quantities a
    derivation treats as known (dL/doa_k, rect'(ha_j)): a definition gives each its value.
    """

    def _latex(self: sp.Function, printer: Any) -> str:
        return template.format(*[printer._print(a) for a in self.args])

    def _eval_is_real(self: sp.Function) -> bool:
        return True

    return type(
        name, (sp.Function,), {"nargs": nargs, "_latex": _latex, "_eval_is_real": _eval_is_real}
    )


# --- evaluating derivatives and discharging Kronecker deltas under the ranges ---------------


def evaluate(e: Expr, definitions: Mapping[Any, Any]) -> Expr:
    """Substitute the definitions (repeatedly) and evaluate every ``Derivative``.

    Derivatives are evaluated with ``doit(deep=False)``: ``sympy.diff`` turns the derivative
    of a sum with respect to an entry into a sum of Kronecker deltas, and nothing else is
    evaluated (``doit`` on a sum over a symbolic range would try, slowly, to find a closed
    form). A Heaviside step that a derivative produces gets the value 0 at 0, the code's
    rect'(0); a step written in ``e`` or in a definition keeps the value at 0 it was
    written with.
    """
    for _ in range(8):
        new = _substitute(e, definitions) if definitions else e
        new = new.replace(
            lambda u: isinstance(u, sp.Derivative),
            lambda u: _step_at_zero(u.doit(deep=False), sp.S.Zero),
        )
        if new == e:
            break
        e = new
    return e


def _delta_sum(
    f: Expr, v: sp.Symbol, lo: Expr, hi: Expr, space: IndexSpace, assumptions: sp.Basic
) -> Expr:
    """sum_{v=lo}^{hi} f, evaluating every term that has a factor delta(v, q).

    Such a term is Piecewise((term at v = q, lo <= q <= hi), (0, True)), then ``refine``d
    under the assumptions (and the value range of any label in q); the other terms stay
    under the sum, with their deltas free of v taken out of it.
    """
    kept: dict[Expr, list[Expr]] = {}
    done: list[Expr] = []
    for term in sp.Add.make_args(_expand(f)):
        factors = sp.Mul.make_args(term)
        delta = (
            next(
                (
                    u
                    for u in factors
                    if isinstance(u, sp.KroneckerDelta)
                    and v in u.args
                    and not (set(u.args) - {v}).pop().has(v)
                ),
                None,
            )
            if v in term.free_symbols
            else None
        )
        if delta is None:
            outside = [u for u in factors if isinstance(u, sp.KroneckerDelta) and not u.has(v)]
            inside = [u for u in factors if u not in outside]
            kept.setdefault(sp.Mul(*outside), []).append(sp.Mul(*inside))
            continue
        q = (set(delta.args) - {v}).pop()
        rest = sp.Mul(*[u for u in factors if u is not delta])
        piecewise = sp.Piecewise((rest.xreplace({v: q}), sp.And(q >= lo, q <= hi)), (0, True))
        done.append(sp.refine(piecewise, sp.And(assumptions, space.label_assumptions(q))))
    for outside, inside in kept.items():
        done.append(outside * sp.Sum(sp.Add(*inside), (v, lo, hi)))
    return sp.Add(*done)


def discharge(e: Expr, space: IndexSpace) -> Expr:
    """Evaluate every sum of a Kronecker delta (innermost sums first) under the ranges.

    A sum over v of delta(v, q) g(v) becomes Piecewise((g(q), lo <= q <= hi), (0, True)),
    and ``refine`` with the space's assumptions (``Q.ge(q, lo) & Q.le(q, hi)``) keeps the
    first branch. A Piecewise that the assumptions cannot decide stays in the expression.
    """
    assumptions = space.assumptions()

    def visit(u: Expr) -> Expr:
        if not u.args or isinstance(u, sp.Indexed):
            return u
        if isinstance(u, sp.Sum):
            f = visit(u.function)
            for v, lo, hi in u.limits:
                f = _delta_sum(f, v, lo, hi, space, assumptions)
            return f
        return u.func(*[visit(a) for a in u.args])

    return visit(e)


# --- the prover -----------------------------------------------------------------------------


def prepare(
    lhs: Expr, rhs: Expr, definitions: Mapping[Any, Any] | None = None
) -> tuple[Expr, Expr]:
    """Both sides with the definitions substituted and the derivatives evaluated (step 1)."""
    return evaluate(lhs, definitions or {}), evaluate(rhs, definitions or {})


def exact_difference(left: Expr, right: Expr, space: IndexSpace) -> Expr:
    """The normal form of ``left - right`` after the deltas are discharged (steps 3 and 4),
    steps written canonically (:mod:`~mlp.symbolic.steps`); 0 proves the identity. Raises
    IdentityError if a denominator is not shown positive."""
    left, right = discharge(left, space), discharge(right, space)
    check_denominators(left, right)
    return normal_difference(left, right)


def normal_difference(left: Expr, right: Expr) -> Expr:
    """The normal form of ``left - right``, steps written canonically (no delta discharged,
    no denominator checked: :func:`exact_difference` does both)."""
    left, right = canonical_steps(left), canonical_steps(right)
    difference = normal_form(normal_form(left) - normal_form(right))
    reduced = reduce_steps(difference)
    return difference if reduced == difference else normal_form(reduced)


def _steps_at_zero(e: Expr) -> set[Expr]:
    """The values at 0 of the Heaviside steps in ``e``."""
    return {u.args[1] for u in sp.sympify(e).atoms(sp.Heaviside)}


def prove_general(
    lhs: Expr,
    rhs: Expr,
    space: IndexSpace,
    *,
    definitions: Mapping[Any, Any] | None = None,
    where: Sequence[tuple[Any, Any]] = (),
    configurations: int | None = None,
    seed: int = 0,
) -> Proof:
    """Prove ``lhs == rhs`` for every size and every index in range (see the module doc).

    ``definitions`` maps display functions (:func:`display_function`) or symbols to their
    values, as in :func:`~mlp.symbolic.prove`. ``where`` lists (symbol, definition) pairs to
    display under the identity. ``configurations``: how many the screen evaluates (default
    :func:`~mlp.symbolic.screen.screen_count`; 0 skips the screen). Raises IdentityError with a
    counterexample if the sides differ at a screened configuration, or if the normal form of
    their difference is not 0 (saying so when a step's value at 0 differs between the sides).
    """
    import time

    start = time.perf_counter()
    left, right = prepare(lhs, rhs, definitions)
    count = screen_count(space) if configurations is None else configurations
    if count:
        found = find_discrepancy(left, right, space, count, seed)
        if found is not None:
            raise IdentityError(str(found))
    difference = exact_difference(left, right, space)
    if difference != 0:
        screened = (
            f"the sides agree at the {count} screened configurations, but"
            if count
            else "without a numeric screen:"
        )
        conventions = _steps_at_zero(right) - _steps_at_zero(left) - {sp.S.Zero}
        hint = (
            f" (the right side has a step whose value at 0 is {sp.sstr(min(conventions))}; "
            "the derivative's, the code's rect'(0), is 0)"
            if conventions
            else ""
        )
        raise IdentityError(
            f"{screened} their difference has no zero normal form{hint}: {_short(difference, 300)}"
        )
    return Proof(
        lhs=lhs,
        rhs=rhs,
        route="sum normal form (Kronecker deltas summed under the index ranges)",
        exact=True,
        seconds=time.perf_counter() - start,
        condition=space.latex(),
        scope="general",
        where=tuple(where),
    )
