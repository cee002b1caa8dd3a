r"""The numeric screen of index identities: both sides evaluated at small sizes, 30 digits.

An identity in index notation (:mod:`~mlp.symbolic.indexed`) is evaluated at a few
*configurations*: values for the sizes (d = 2, d_h = 3, ...), for the free indices (j = 2,
i = 1) and, drawn at random, for every entry it reads (``W1[2, 1]``, the labels ``y[t]``, the
lambdas). Sums are evaluated term by term with mpmath. What the configurations cover:

- **sizes**: the rows of ``IndexSpace.screen_sizes``, each used once before any repeats;
- **indices**: in three configurations out of four, free indices are drawn *distinct* where
  their ranges allow (so that ``W1[j, i]`` and ``W1[i, j]`` read different entries, and
  ``k != y``); in the fourth, they are drawn *equal* where they can be (``k = y``);
- **hidden units**: when the space says which entries decide whether a hidden unit is active
  (:class:`Activity`), the configurations cycle through *every unit active*, *some units
  inactive* (alternate units, from a random first one) and *entries drawn freely*;
- **ranges**: an entry read outside the shape stated for its base (``W1[3, 1]`` when
  d_h = 2) is an error, never a silently drawn number.

A false identity usually fails at one of them, and :class:`Discrepancy` says where (sizes,
indices, labels, pattern, both values). The screen is not a proof: passing it says only that
the sides agree at these configurations.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mpmath
import sympy as sp

from mlp.symbolic.functions import Rect
from mlp.symbolic.prover import _short
from mlp.symbolic.results import IdentityError
from mlp.symbolic.steps import AtZero, Step

if TYPE_CHECKING:
    from mlp.symbolic.indexed import IndexSpace

PATTERNS = ("every unit active", "some units inactive", "entries drawn freely")
"""The hidden-unit patterns the configurations cycle through (see :class:`Activity`)."""

SIGNED = (1.5, 2.5)
"""|value| of an entry that decides a hidden unit's state (its sign is the state)."""

SMALL = 0.5
"""Bound of the entries drawn small, so that sum_i W1_ji x_i cannot flip that sign (d <= 4)."""

DIGITS = 30


@dataclass(frozen=True)
class Activity:
    """Which entries decide whether hidden unit j is active, for the screen's patterns.

    ``signs`` maps a base to the slot that holds the unit's index: ``{b1: 0}`` at the level of
    the parameters (with ``small = {x, W1}``: |sum_i W1_ji x_i| <= d SMALL**2 < 1.5, so the
    sign of h^a_j is the sign of b1_j), ``{ha: 0}`` or ``{HA: 1}`` when the pre-activations are
    themselves the variables. ``terms`` is the number of products in such a sum (d), checked
    against the bound.
    """

    signs: Mapping[sp.IndexedBase, int]
    small: frozenset[sp.IndexedBase] = frozenset()
    terms: Any = 0


@dataclass(frozen=True)
class Configuration:
    """One screened point: sizes and free indices (``values``), the hidden-unit ``pattern``
    and whether indices were drawn ``equal`` where possible (else distinct)."""

    values: Mapping[Any, int]
    pattern: str = PATTERNS[2]
    equal: bool = False
    number: int = 0


class OutOfRange(ValueError):
    """An entry read outside the shape stated for its base."""


def configurations(space: IndexSpace, count: int, seed: int) -> Iterator[Configuration]:
    """``count`` configurations of ``space`` (reproducible from ``seed``), as the module says."""
    rng = random.Random(seed)
    rows = space.screen_sizes or _default_sizes(len(space.sizes))
    for n in range(count):
        values: dict[Any, int] = dict(zip(space.sizes, rows[n % len(rows)], strict=True))
        equal = n % 4 == 3
        taken: list[int] = []
        for s, (lo, hi) in space.ranges.items():
            low, high = int(sp.sympify(lo).subs(values)), int(sp.sympify(hi).subs(values))
            candidates = list(range(low, high + 1))
            if equal:
                preferred = [v for v in taken if low <= v <= high]
            else:
                preferred = [v for v in candidates if v not in taken]
            values[s] = rng.choice(preferred or candidates)
            taken.append(values[s])
        pattern = PATTERNS[n % 3] if space.activity is not None else PATTERNS[2]
        yield Configuration(values, pattern, equal, n)


def _default_sizes(n: int) -> tuple[tuple[int, ...], ...]:
    base = (2, 3, 4, 2, 3)
    return tuple(tuple(base[(i + shift) % len(base)] for i in range(n)) for shift in range(5))


class Sample:
    """Values for one configuration: sizes and indices given, entries drawn once.

    An entry (``W2[2, 1]``), a label (``y[2]``, an integer in its range) or another real
    variable (lambda_11) gets a value the first time it is read and the same value afterwards,
    so every expression evaluated on one sample sees the same point. ``fixed`` pre-assigns
    entries (``{(base, (1, 2)): value}``), e.g. the numbers of a network of the code.
    """

    def __init__(
        self,
        space: IndexSpace,
        configuration: Configuration,
        rng: random.Random,
        fixed: Mapping[Any, Any] | None = None,
    ) -> None:
        self.space, self.configuration, self.rng = space, configuration, rng
        self.values: dict[Any, Any] = {k: mpmath.mpf(v) for k, v in configuration.values.items()}
        self.drawn: dict[Any, Any] = {k: mpmath.mpf(v) for k, v in (fixed or {}).items()}
        self._signs: dict[int, int] = {}
        self.phase = rng.randint(0, 1) if configuration.pattern == PATTERNS[1] else 0
        activity = space.activity
        if activity is not None and activity.small and configuration.pattern != PATTERNS[2]:
            terms = int(self.number(sp.sympify(activity.terms), {}))
            if terms * SMALL**2 >= SIGNED[0]:
                raise ValueError(f"{terms} small terms could flip a hidden unit's sign")

    def unit_sign(self, unit: int) -> int:
        """+1 (active) or -1 (inactive) for hidden unit ``unit`` under the pattern."""
        if unit not in self._signs:
            if self.configuration.pattern == PATTERNS[0]:
                self._signs[unit] = 1
            else:  # alternate units, the first one active or not as drawn
                self._signs[unit] = 1 if (unit + self.phase) % 2 else -1
        return self._signs[unit]

    def _check_range(self, base: sp.IndexedBase, indices: tuple[int, ...]) -> None:
        shape = self.space.shapes.get(base)
        if shape is None:
            return
        bounds = [int(self.number(sp.sympify(b), {})) for b in shape]
        if len(bounds) != len(indices) or any(
            not 1 <= i <= b for i, b in zip(indices, bounds, strict=False)
        ):
            raise OutOfRange(
                f"{sp.sstr(base)}[{', '.join(map(str, indices))}] is read, but "
                f"{sp.sstr(base)} has shape {tuple(shape)} = {tuple(bounds)} here"
            )

    def entry(self, base: sp.IndexedBase, indices: tuple[int, ...]) -> Any:
        key = (base, indices)
        if key not in self.drawn:
            self._check_range(base, indices)
            self.drawn[key] = self._draw(base, indices)
        return self.drawn[key]

    def _draw(self, base: sp.IndexedBase, indices: tuple[int, ...]) -> Any:
        rng, activity = self.rng, self.space.activity
        if base in self.space.labels:
            hi = int(self.number(sp.sympify(self.space.labels[base]), {}))
            candidates = list(range(1, hi + 1))
            free = [int(v) for k, v in self.values.items() if k in self.space.ranges]
            if self.configuration.equal:
                preferred = [v for v in candidates if v in free]
            else:
                preferred = [v for v in candidates if v not in free]
            return mpmath.mpf(rng.choice(preferred or candidates))
        if activity is not None and self.configuration.pattern != PATTERNS[2]:
            if base in activity.signs:
                sign = self.unit_sign(indices[activity.signs[base]])
                return mpmath.mpf(sign * rng.uniform(*SIGNED))
            if base in activity.small:
                return mpmath.mpf(rng.uniform(-SMALL, SMALL))
        return mpmath.mpf(rng.gauss(0.0, 1.0))

    def symbol(self, s: sp.Symbol) -> Any:
        if s in self.values:
            return self.values[s]
        if s.is_integer:
            raise ValueError(f"no value for the index {s}")
        if s not in self.drawn:
            value = self.rng.uniform(0.1, 2.0) if s.is_nonnegative else self.rng.gauss(0.0, 1.0)
            self.drawn[s] = mpmath.mpf(value)
        return self.drawn[s]

    def value(self, e: sp.Basic, indices: Mapping[Any, int] | None = None) -> Any:
        """The value of ``e`` with the free indices of the configuration, or ``indices``."""
        with mpmath.workdps(DIGITS):
            bound = {k: mpmath.mpf(v) for k, v in (indices or {}).items()}
            return self.number(e, bound)

    def number(self, e: sp.Basic, bound: Mapping[Any, Any]) -> Any:
        """The value of ``e`` at this point (``bound``: indices in scope)."""
        function = _NUMERIC.get(type(e))
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
        if e is sp.nan or e is sp.zoo:
            return mpmath.nan
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

    def labels(self) -> dict[str, int]:
        """The labels drawn so far, by name: ``{"y[2]": 3}``."""
        return {
            f"{sp.sstr(base)}[{', '.join(map(str, index))}]": int(v)
            for (base, index), v in ((k, v) for k, v in self.drawn.items() if isinstance(k, tuple))
            if base in self.space.labels
        }

    def hidden_states(self) -> dict[int, bool]:
        """Unit j -> active, for the units whose state the pattern set (empty otherwise)."""
        return {unit: sign > 0 for unit, sign in sorted(self._signs.items())}


def _family(e: sp.Basic) -> type:
    for kind in (sp.core.relational.Relational, sp.logic.boolalg.BooleanFunction):
        if isinstance(e, kind):
            return type(e)
    raise ValueError(f"the screen cannot evaluate {type(e).__name__}: {_short(e)}")


def _pow(b: Any, x: Any) -> Any:
    if b == 0 and x < 0:
        return mpmath.nan  # 1/0: undefined, never an error that hides the point
    return b**x


_NUMERIC: dict[type, Callable[..., Any]] = {
    sp.Add: lambda *a: mpmath.fsum(a),
    sp.Mul: lambda *a: mpmath.fprod(a),
    sp.Pow: _pow,
    sp.exp: mpmath.exp,
    sp.log: mpmath.log,
    sp.sign: lambda x: mpmath.sign(x),
    sp.Abs: abs,
    Rect: lambda x: x if x > 0 else 0 * x,
    sp.Heaviside: lambda x, h0=0.5: (
        mpmath.mpf(1) if x > 0 else (mpmath.mpf(0) if x < 0 else mpmath.mpf(h0))
    ),
    Step: lambda x: mpmath.mpf(1 if x > 0 else 0),
    AtZero: lambda x: mpmath.mpf(1 if x == 0 else 0),
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


def differ(left: Any, right: Any, tol: float = 1e-20) -> bool:
    """Whether two values differ beyond ``tol`` relative to max(1, |left|, |right|); a NaN
    or an infinity on one side only (or NaN on both) differs."""
    bad_left = mpmath.isnan(left) or mpmath.isinf(left)
    bad_right = mpmath.isnan(right) or mpmath.isinf(right)
    if bad_left or bad_right:
        return not (bad_left and bad_right and left == right)
    return abs(left - right) > tol * max(1, abs(left), abs(right))


@dataclass(frozen=True)
class Discrepancy:
    """Where two sides differ: the configuration, the labels drawn, both values."""

    configuration: Configuration
    labels: Mapping[str, int]
    left: Any
    right: Any
    seed: int
    hidden: Mapping[int, bool] = field(default_factory=dict)

    def where(self) -> str:
        """``d = 2, d_h = 3, m = 4, j = 2, y = 1`` (with the labels)."""
        return _where({**self.configuration.values, **self.labels})

    def __str__(self) -> str:
        return (
            f"the sides differ at {self.where()} "
            f"(entries drawn at random, seed {self.seed}, {self.configuration.pattern}): "
            f"lhs = {mpmath.nstr(self.left, 10)}, rhs = {mpmath.nstr(self.right, 10)}"
        )


def _where(values: Mapping[Any, Any]) -> str:
    return ", ".join(
        f"{sp.sstr(k) if isinstance(k, sp.Basic) else k} = {v}" for k, v in values.items()
    )


def find_discrepancy(
    lhs: sp.Basic,
    rhs: sp.Basic,
    space: IndexSpace,
    count: int | None = None,
    seed: int = 0,
    tol: float = 1e-20,
) -> Discrepancy | None:
    """The first screened configuration where ``lhs`` and ``rhs`` differ, or None.

    ``count`` configurations (default: one per size row of the space, at least 8). A
    configuration where a side reads an entry outside its stated shape is skipped; if no
    other shows a difference, that read is the error (IdentityError).
    """
    rng = random.Random(seed)
    count = screen_count(space) if count is None else count
    outside = ""
    for configuration in configurations(space, count, seed):
        sample = Sample(space, configuration, rng)
        values = []
        for name, side in (("left", lhs), ("right", rhs)):
            try:
                values.append(sample.value(side))
            except OutOfRange as error:
                outside = outside or (
                    f"the {name} side reads outside a stated shape at "
                    f"{_where(configuration.values)}: {error}"
                )
                break
        if len(values) == 2 and differ(*values, tol=tol):
            return Discrepancy(
                configuration,
                sample.labels(),
                values[0],
                values[1],
                seed,
                sample.hidden_states(),
            )
    if outside:  # no configuration where both sides are defined shows a difference
        raise IdentityError(outside)
    return None


def screen_count(space: IndexSpace) -> int:
    """The default number of configurations: every size row once, and at least 8."""
    return max(8, len(space.screen_sizes))


def screen(
    lhs: sp.Basic,
    rhs: sp.Basic,
    space: IndexSpace,
    configurations: int | None = None,
    seed: int = 0,
    tol: float = 1e-20,
) -> None:
    """Raise IdentityError with the counterexample if the sides differ at a configuration."""
    found = find_discrepancy(lhs, rhs, space, configurations, seed, tol)
    if found is not None:
        raise IdentityError(str(found))


def at_configurations(
    space: IndexSpace, count: int, seed: int
) -> Iterator[tuple[Configuration, Sample]]:
    """Each configuration with a fresh :class:`Sample` (one random stream for all)."""
    rng = random.Random(seed)
    for configuration in configurations(space, count, seed):
        yield configuration, Sample(space, configuration, rng)


def all_indices(
    free: Sequence[sp.Symbol], space: IndexSpace, configuration: Configuration
) -> list[dict[sp.Symbol, int]]:
    """Every assignment of the ``free`` indices within their ranges at ``configuration``."""
    assignments: list[dict[sp.Symbol, int]] = [{}]
    sizes = dict(configuration.values)
    for s in free:
        lo, hi = space.ranges[s]
        low, high = int(sp.sympify(lo).subs(sizes)), int(sp.sympify(hi).subs(sizes))
        assignments = [{**a, s: v} for a in assignments for v in range(low, high + 1)]
    return assignments
