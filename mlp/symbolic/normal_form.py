r"""The normal form of expressions with sums over symbolic ranges, and the positivity of the
denominators it cancels.

:func:`normal_form` brings an expression to a canonical form: products expanded, factors free
of a summation index pulled out of its sum, nested sums merged, a sum split into independent
sums where its factors share no index, summation indices renamed canonically, exponentials of
one product merged. Two expressions that differ only by such rewritings get the same normal
form, so an identity is proven when the normal form of the difference of its sides is 0.

Cancelling a factor against the same factor in a denominator (SymPy does it whenever it
multiplies, and the renaming makes two spellings of one sum the same object) is valid only
where that factor is not 0. :func:`check_denominators` therefore asserts, before any normal
form, that every denominator of an identity is positive (:func:`positive`: positive numbers and
symbols, exponentials of real expressions, sums of positive terms over a non-empty range, and
products, sums and powers of these); one that is not shown positive stops the proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import permutations
from typing import Any

import sympy as sp

from mlp.symbolic.functions import Expr, Rect
from mlp.symbolic.results import IdentityError


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


# --- the denominators the normal form cancels ---------------------------------------------


def real(e: sp.Basic) -> bool:
    """Whether ``e`` is shown real: SymPy's assumptions, or built from real parts by sums,
    products, exp, Rect and sums over ranges."""
    if e.is_extended_real is True and e.is_finite is not False:
        return True
    if isinstance(e, sp.Sum):
        return real(e.function)
    if isinstance(e, sp.Add | sp.Mul):
        return all(real(a) for a in e.args)
    if isinstance(e, sp.exp | Rect):
        return real(e.args[0])
    if isinstance(e, sp.Pow):
        return real(e.base) and e.exp.is_integer is True and e.exp.is_nonnegative is True
    return False


def positive(e: sp.Basic) -> bool:
    """Whether ``e`` is shown positive (see the module doc); False means "not shown"."""
    if e.is_positive is True:
        return True
    if isinstance(e, sp.exp):
        return real(e.args[0])
    if isinstance(e, sp.Sum):
        non_empty = all((hi - lo + 1).is_positive is True for _, lo, hi in e.limits)
        return non_empty and positive(e.function)
    if isinstance(e, sp.Add | sp.Mul):
        return all(positive(a) for a in e.args)
    if isinstance(e, sp.Pow):
        return positive(e.base) and real(e.exp)
    return False


def denominators(e: sp.Basic) -> list[sp.Basic]:
    """The bases of the negative powers in ``e`` (1/K gives K), without repeats."""
    found: list[sp.Basic] = []
    for p in sp.sympify(e).atoms(sp.Pow):
        if p.exp.is_negative and p.base not in found:
            found.append(p.base)
    return found


def check_denominators(*sides: sp.Basic) -> None:
    """Raise IdentityError unless every denominator of ``sides`` is shown positive."""
    for side in sides:
        for base in denominators(side):
            if not positive(base):
                raise IdentityError(
                    f"the denominator {sp.sstr(base)[:200]} is not shown positive, so "
                    "the normal form may not cancel it"
                )
