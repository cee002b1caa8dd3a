r"""Proofs for every size: identities in index notation with symbolic sizes d, d_h, m, K.

A claim such as dL/dW2_kj = dL/doa_k hs_j is written with SymPy ``IndexedBase`` entries,
``Sum`` over symbolic ranges (``Sum(W2[k, j] * hs[j], (j, 1, d_h))``) and free index symbols
(k, j) whose ranges are *stated* in an :class:`IndexSpace`. :func:`prove_general` proves it
for every size and every index in range, in four steps:

1. **Evaluate**: substitute the definitions and let SymPy differentiate. Differentiating a
   ``Sum`` with respect to an entry ``W2[k, j]`` gives Kronecker deltas.
2. **Discharge the deltas** under the stated ranges: ``doit()`` turns a sum of a delta into
   ``Piecewise((value, 1 <= k <= m), (0, True))``, and ``refine`` with the assumptions
   ``Q.ge(k, 1) & Q.le(k, m)`` keeps the first branch. Repeated until nothing changes; a
   Piecewise that the assumptions cannot decide stays, and the proof then fails.
3. **Screen** (before any exact step): the identity is evaluated at small sizes (for instance
   d = 2, d_h = 3, m = 4, K = 2), in-range indices and random entries, several times. A
   false identity fails here, and the error names the sizes, indices and both values.
4. **Normal form**: both sides are put in a canonical form, :func:`normal_form` (products
   expanded, factors free of a summation index pulled out of its sum, nested sums merged,
   a sum split into independent sums where its factors share no index, summation indices
   renamed canonically), and their difference must be 0.

The screen alone is not a proof: only step 4 makes the returned :class:`~.Proof` exact, with
``scope="general"``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import permutations
from typing import Any

import mpmath
import sympy as sp

from mlp.symbolic.functions import Expr, Rect
from mlp.symbolic.prover import _short, _step_at_zero, _substitute
from mlp.symbolic.results import IdentityError, Proof

# --- the stated assumptions ---------------------------------------------------------------


@dataclass(frozen=True)
class IndexSpace:
    """Sizes, index ranges and integer labels under which an index identity is claimed.

    ``sizes``: positive integer symbols (d, d_h, m, K). ``ranges``: each free index symbol
    with its bounds, e.g. ``{k: (1, m)}``. ``labels``: integer-valued ``IndexedBase`` objects
    with the upper bound of their values, e.g. ``{y: m}`` for minibatch labels y_t in
    [1, m]. ``screen_sizes`` lists the size values the numeric screen uses, one tuple per
    configuration in the order of ``sizes``.
    """

    sizes: tuple[sp.Symbol, ...]
    ranges: Mapping[sp.Symbol, tuple[Expr, Expr]]
    labels: Mapping[sp.IndexedBase, Expr] = field(default_factory=dict)
    screen_sizes: tuple[tuple[int, ...], ...] = ()

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

    def configurations(self, count: int, seed: int) -> Iterator[dict[Any, int]]:
        """``count`` assignments of sizes and in-range indices (random, reproducible)."""
        rng = random.Random(seed)
        size_rows = self.screen_sizes or _default_sizes(len(self.sizes))
        for n in range(count):
            values: dict[Any, int] = dict(
                zip(self.sizes, size_rows[n % len(size_rows)], strict=True)
            )
            for s, (lo, hi) in self.ranges.items():
                low, high = int(sp.sympify(lo).subs(values)), int(sp.sympify(hi).subs(values))
                values[s] = rng.randint(low, high)
            yield values


def _default_sizes(n: int) -> tuple[tuple[int, ...], ...]:
    base = (2, 3, 4, 2, 3)
    return tuple(tuple(base[(i + shift) % len(base)] for i in range(n)) for shift in range(5))


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
    form). Heaviside steps get the value 0 at 0, the code's rect'(0).
    """
    for _ in range(8):
        new = _substitute(e, definitions) if definitions else e
        new = new.replace(lambda u: isinstance(u, sp.Derivative), lambda u: u.doit(deep=False))
        if new == e:
            break
        e = new
    return _step_at_zero(e, sp.S.Zero)


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


# --- the normal form --------------------------------------------------------------------------


def _height(e: sp.Basic) -> int:
    """How deeply sums nest inside ``e`` (0 without sums)."""
    if isinstance(e, sp.Sum):
        return 1 + max([_height(e.function)] + [_height(b) for _, *bs in e.limits for b in bs])
    if not e.args or isinstance(e, sp.Indexed):
        return 0
    return max(_height(a) for a in e.args)


def _bound(e: sp.Sum) -> tuple[sp.Sum, list[tuple[Any, Any, Any]]]:
    """The sum with its summation indices replaced by fresh dummies, and its new limits."""
    fresh = {v: sp.Dummy(v.name, integer=True) for v, *_ in e.limits}
    limits = [(fresh[v], lo, hi) for v, lo, hi in e.limits]
    return e.function.xreplace(fresh), limits


def _assemble(coeff: Expr, factors: Sequence[Expr], limits: Sequence[tuple[Any, Any, Any]]) -> Expr:
    """coeff * prod(factors) summed over ``limits``, in canonical form.

    Factors free of every summation index go outside. The others are grouped into
    independent sums: two indices share a sum when some factor contains both. An index that
    no factor contains contributes its number of values, hi - lo + 1.
    """
    factors = _merge_exponentials(factors)
    variables = [v for v, _, _ in limits]
    for _, lo, hi in limits:  # the rewritings below assume a rectangular range
        if (sp.sympify(lo).free_symbols | sp.sympify(hi).free_symbols) & set(variables):
            raise ValueError(f"a summation range depends on another summation index: {limits}")
    outside: list[Expr] = []
    inside: list[tuple[Expr, set[Any]]] = []
    for f in factors:
        uses = f.free_symbols & set(variables)
        (inside.append((f, uses)) if uses else outside.append(f))
    parent = {v: v for v in variables}

    def root(v: Any) -> Any:
        while parent[v] != v:
            v = parent[v]
        return v

    for _, uses in inside:
        first, *others = list(uses)
        for v in others:
            parent[root(v)] = root(first)
    used = set().union(*(uses for _, uses in inside)) if inside else set()
    counts = [hi - lo + 1 for v, lo, hi in limits if v not in used]
    groups: dict[Any, tuple[list[Expr], list[tuple[Any, Any, Any]]]] = {}
    for f, uses in inside:
        groups.setdefault(root(next(iter(uses))), ([], []))[0].append(f)
    for v, lo, hi in limits:
        if v in used:
            groups[root(v)][1].append((v, lo, hi))
    sums = [_canonical_sum(fs, ls) for fs, ls in groups.values()]
    return coeff * sp.Mul(*outside) * sp.Mul(*counts) * sp.Mul(*sums)


def _canonical_sum(factors: Sequence[Expr], limits: Sequence[tuple[Any, Any, Any]]) -> Expr:
    """One sum with its indices renamed canonically: the smallest printed form over the
    orders of its indices (up to 4 indices; more keep their order)."""
    body = sp.Mul(*factors)
    height = 1 + _height(body)
    orders = permutations(limits) if len(limits) <= 4 else [tuple(limits)]
    best, best_key = None, None
    for order in orders:
        names = [sp.Symbol(f"_s{height}_{n}", integer=True) for n in range(len(order))]
        renaming = {v: name for (v, _, _), name in zip(order, names, strict=True)}
        candidate = sp.Sum(
            body.xreplace(renaming),
            *[(name, lo, hi) for (_, lo, hi), name in zip(order, names, strict=True)],
        )
        key = sp.srepr(candidate)
        if best_key is None or key < best_key:
            best, best_key = candidate, key
    return best


def _merge_exponentials(factors: Sequence[Expr]) -> list[Expr]:
    """The factors with every exp(a) exp(b) ... replaced by exp(a + b + ...) (normalized)."""
    exps = [f for f in factors if isinstance(f, sp.exp)]
    if len(exps) < 2:
        return list(factors)
    rest = [f for f in factors if not isinstance(f, sp.exp)]
    exponent = normal_form(sp.Add(*[f.args[0] for f in exps]))
    return [*rest, sp.exp(exponent)] if exponent != 0 else rest


def _normal_term(term: Expr) -> Expr:
    coeff, factors = term.as_coeff_mul()
    limits: list[tuple[Any, Any, Any]] = []
    flat: list[Expr] = []
    for f in factors:
        if isinstance(f, sp.Sum):
            body, new = _bound(f)
            limits.extend(new)
            flat.extend(sp.Mul.make_args(body))
        else:
            flat.append(f)
    if not limits:
        return coeff * sp.Mul(*_merge_exponentials(flat))
    return _assemble(coeff, flat, limits)


def _expand(e: Expr) -> Expr:
    return sp.expand(e, deep=False, power_exp=False, power_base=False, log=False)


def normal_form(e: Expr) -> Expr:
    """A canonical form of an expression with sums over symbolic ranges.

    Two expressions that differ only by the order of products and sums, by the names of
    summation indices, by where constant factors stand relative to a sum, or by the
    distributivity of products over sums, have the same normal form. Logarithms of products
    are split where SymPy's assumptions allow it (``expand_log`` without ``force``).
    """
    if not isinstance(e, sp.Basic) or not e.args or isinstance(e, sp.Indexed):
        return e
    if isinstance(e, sp.Sum):
        body, limits = _bound(e)
        body = normal_form(body)
        terms = []
        for term in sp.Add.make_args(body):
            coeff, factors = term.as_coeff_mul()
            inner: list[tuple[Any, Any, Any]] = list(limits)
            flat: list[Expr] = []
            for f in factors:
                if isinstance(f, sp.Sum):
                    fb, fl = _bound(f)
                    inner.extend(fl)
                    flat.extend(sp.Mul.make_args(fb))
                else:
                    flat.append(f)
            terms.append(_assemble(coeff, flat, inner))
        return sp.Add(*terms)
    e = e.func(*[normal_form(a) for a in e.args])
    if isinstance(e, sp.log):
        expanded = sp.expand_log(e, deep=False)
        if expanded != e:
            return normal_form(expanded)
        return e
    if isinstance(e, sp.Add | sp.Mul | sp.Pow):
        return sp.Add(*[_normal_term(t) for t in sp.Add.make_args(_expand(e))])
    return e


# --- the numeric screen ---------------------------------------------------------------------


class _Point:
    """Values for one screened configuration: sizes and indices given, entries drawn once.

    An entry (``W2[2, 1]``), a label (``y[2]``, an integer in its range) or another real
    variable (lambda_11) gets a random value the first time it is read, the same value
    afterwards, so both sides see the same point.
    """

    def __init__(self, values: Mapping[Any, int], space: IndexSpace, rng: random.Random) -> None:
        self.values: dict[Any, Any] = {k: mpmath.mpf(v) for k, v in values.items()}
        self.space, self.rng = space, rng
        self.drawn: dict[Any, Any] = {}

    def entry(self, base: sp.IndexedBase, indices: tuple[int, ...]) -> Any:
        key = (base, indices)
        if key not in self.drawn:
            if base in self.space.labels:
                hi = int(self.number(sp.sympify(self.space.labels[base]), {}))
                self.drawn[key] = mpmath.mpf(self.rng.randint(1, hi))
            else:
                self.drawn[key] = mpmath.mpf(self.rng.gauss(0.0, 1.0))
        return self.drawn[key]

    def symbol(self, s: sp.Symbol) -> Any:
        if s in self.values:
            return self.values[s]
        if s.is_integer:
            raise ValueError(f"no value for the index {s}")
        if s not in self.drawn:
            value = self.rng.uniform(0.1, 2.0) if s.is_nonnegative else self.rng.gauss(0.0, 1.0)
            self.drawn[s] = mpmath.mpf(value)
        return self.drawn[s]

    def number(self, e: sp.Basic, bound: Mapping[Any, Any]) -> Any:
        """The value of ``e`` at this point (``bound``: summation indices in scope)."""
        kind = type(e)
        function = _NUMERIC.get(kind)
        if function is not None:
            return function(*[self.number(a, bound) for a in e.args])
        if isinstance(e, sp.Symbol):
            return bound[e] if e in bound else self.symbol(e)
        if isinstance(e, sp.Indexed):
            indices = tuple(int(self.number(i, bound)) for i in e.indices)
            return self.entry(e.base, indices)
        if isinstance(e, sp.Sum):
            return self._sum(e.function, list(e.limits), bound)
        if isinstance(e, sp.Rational):
            return mpmath.mpf(e.p) / e.q
        if isinstance(e, sp.Float | sp.NumberSymbol):
            return mpmath.mpf(str(sp.N(e, 40)))
        if e is sp.true or e is sp.false:
            return e is sp.true
        if isinstance(e, sp.Piecewise):
            for value, condition in e.args:
                if self.number(condition, bound):
                    return self.number(value, bound)
            raise ValueError(f"no branch of {_short(e)} applies")
        return _NUMERIC[_family(e)](*[self.number(a, bound) for a in e.args])

    def _sum(self, f: sp.Basic, limits: list[Any], bound: Mapping[Any, Any]) -> Any:
        if not limits:
            return self.number(f, bound)
        (v, lo, hi), rest = limits[0], limits[1:]
        low, high = int(self.number(lo, bound)), int(self.number(hi, bound))
        return mpmath.fsum(
            self._sum(f, rest, {**bound, v: mpmath.mpf(n)}) for n in range(low, high + 1)
        )


def _family(e: sp.Basic) -> type:
    for kind in (sp.core.relational.Relational, sp.logic.boolalg.BooleanFunction):
        if isinstance(e, kind):
            return type(e)
    raise ValueError(f"the screen cannot evaluate {type(e).__name__}: {_short(e)}")


_NUMERIC: dict[type, Callable[..., Any]] = {
    sp.Add: lambda *a: mpmath.fsum(a),
    sp.Mul: lambda *a: mpmath.fprod(a),
    sp.Pow: lambda b, x: b**x,
    sp.exp: mpmath.exp,
    sp.log: mpmath.log,
    sp.sign: lambda x: mpmath.sign(x),
    sp.Abs: abs,
    Rect: lambda x: x if x > 0 else 0 * x,
    sp.Heaviside: lambda x, h0=0.5: (
        mpmath.mpf(1) if x > 0 else (mpmath.mpf(0) if x < 0 else mpmath.mpf(h0))
    ),
    sp.KroneckerDelta: lambda a, b: mpmath.mpf(1 if a == b else 0),
    sp.Max: max,
    sp.Min: min,
    sp.Eq: lambda a, b: a == b,
    sp.Ne: lambda a, b: a != b,
    sp.Ge: lambda a, b: a >= b,
    sp.Gt: lambda a, b: a > b,
    sp.Le: lambda a, b: a <= b,
    sp.Lt: lambda a, b: a < b,
    sp.And: lambda *a: all(a),
    sp.Or: lambda *a: any(a),
    sp.Not: lambda a: not a,
}


def screen(
    lhs: Expr,
    rhs: Expr,
    space: IndexSpace,
    configurations: int = 6,
    seed: int = 0,
    tol: float = 1e-20,
) -> None:
    """Compare both sides at small sizes, in-range indices and random entries (30 digits).

    Sums are evaluated term by term at the chosen sizes; every entry, label and other
    variable gets a random value, the same on both sides. Raises IdentityError with the
    counterexample (sizes, indices, labels, both values) when the sides differ.
    """
    rng = random.Random(seed)
    with mpmath.workdps(30):
        for values in space.configurations(configurations, seed):
            point = _Point(values, space, rng)
            left, right = point.number(lhs, {}), point.number(rhs, {})
            scale = max(1, abs(left), abs(right))
            if abs(left - right) > tol * scale:
                labels = {
                    f"{sp.sstr(base)}[{', '.join(map(str, index))}]": int(v)
                    for (base, index), v in (
                        (k, v) for k, v in point.drawn.items() if isinstance(k, tuple)
                    )
                    if base in space.labels
                }
                raise IdentityError(
                    f"the sides differ at {_where({**values, **labels})} "
                    f"(entries drawn at random, seed {seed}): "
                    f"lhs = {mpmath.nstr(left, 10)}, rhs = {mpmath.nstr(right, 10)}"
                )


def _where(values: Mapping[Any, Any]) -> str:
    return ", ".join(
        f"{sp.sstr(k) if isinstance(k, sp.Basic) else k} = {v}" for k, v in values.items()
    )


# --- the prover -----------------------------------------------------------------------------


def prove_general(
    lhs: Expr,
    rhs: Expr,
    space: IndexSpace,
    *,
    definitions: Mapping[Any, Any] | None = None,
    where: Sequence[tuple[Any, Any]] = (),
    configurations: int = 6,
    seed: int = 0,
) -> Proof:
    """Prove ``lhs == rhs`` for every size and every index in range (see the module doc).

    ``definitions`` maps display functions (:func:`display_function`) or symbols to their
    values, as in :func:`~mlp.symbolic.prove`; Heaviside steps get the value 0 at 0 (the
    code's rect'(0)). ``where`` lists (symbol, definition) pairs to display under the
    identity. Raises IdentityError with a counterexample if the sides differ at some
    screened configuration, or if the normal form of their difference is not 0.
    """
    import time

    start = time.perf_counter()
    left = evaluate(lhs, definitions or {})
    right = evaluate(rhs, definitions or {})
    screen(left, right, space, configurations, seed)
    difference = normal_form(discharge(left, space)) - normal_form(discharge(right, space))
    difference = normal_form(difference)
    if difference != 0:
        screened = (
            f"the sides agree at the {configurations} screened sizes, but"
            if configurations
            else "without a numeric screen:"
        )
        raise IdentityError(
            f"{screened} their difference has no zero normal form: {_short(difference, 300)}"
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
