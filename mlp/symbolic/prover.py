"""The prover: :func:`prove` and its routes (numeric screen, exact routes under a time limit,
numeric fallback); see the package docstring of :mod:`mlp.symbolic` for how it decides.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import combinations, product
from typing import Any

import mpmath
import sympy as sp
from sympy.matrices import MatrixBase
from sympy.matrices.expressions import MatrixExpr

from mlp.symbolic.functions import _MPMATH_FUNCTIONS, Expr, Rect, Side
from mlp.symbolic.results import IdentityError, Proof

ROUTES: tuple[str, ...] = (
    "identical",
    "cancel",
    "cases",
    "simplify",
    "rewrite(exp)",
    "expand_log",
    "refine",
    "numeric",
)
"""Route names accepted by ``prove(routes=...)``, in the order they are tried."""

_SIMPLIFY_MAX_OPS = 600  # simplify is skipped above this many operations (it would take seconds)
_MAX_CASE_SYMBOLS = 4  # the case split enumerates up to 3**4 sign patterns
_SCREEN_POINTS = 3
_KINK_MARGIN = 1e-3
_Verdict = bool | None  # True: proven, False: disproven, None: undecided


def _is_matrix(e: Any) -> bool:
    return isinstance(e, MatrixBase | MatrixExpr)


def _explicit(e: Any) -> Any:
    """Matrix expressions become explicit immutable matrices; scalars are sympified."""
    if isinstance(e, MatrixBase):
        return sp.ImmutableMatrix(e)
    if isinstance(e, MatrixExpr):
        e = e.doit()
        return sp.ImmutableMatrix(e if isinstance(e, MatrixBase) else e.as_explicit())
    return sp.sympify(e)


def _substitute(e: Any, definitions: Mapping[Any, Any]) -> Any:
    symbols = {k: v for k, v in definitions.items() if not isinstance(k, sp.FunctionClass)}
    if symbols:
        e = e.xreplace(symbols)
    for f, value in definitions.items():
        if isinstance(f, sp.FunctionClass):
            e = e.replace(f, value)
    return e


def _step_at_zero(e: Any, h0: Expr) -> Any:
    """Give every Heaviside step the value ``h0`` at 0."""
    return e.replace(
        lambda u: isinstance(u, sp.Heaviside) and (len(u.args) < 2 or u.args[1] != h0),
        lambda u: sp.Heaviside(u.args[0], h0),
    )


def _evaluate(e: Side, definitions: Mapping[Any, Any], h0: Expr | None) -> Any:
    """Substitute the definitions (repeatedly) and evaluate derivatives and matrix products.

    With ``h0``, a Heaviside step that evaluating a derivative produces gets the value ``h0``
    at 0; a step written in ``e`` or in a definition keeps the value it was written with.
    """
    e = _explicit(e) if _is_matrix(e) else sp.sympify(e)
    for _ in range(6):
        new = _substitute(e, definitions) if definitions else e
        if h0 is not None:
            new = new.replace(
                lambda u: isinstance(u, sp.Derivative), lambda u: _step_at_zero(u.doit(), h0)
            )
        new = new.doit()
        if new == e:
            break
        e = new
    return _explicit(e) if _is_matrix(e) else e


def _kink_arguments(e: Expr) -> list[Expr]:
    """Expressions whose sign switches a non-smooth function inside ``e``."""
    found: list[Expr] = []
    for f in e.atoms(sp.Heaviside, sp.sign, sp.Abs, sp.DiracDelta, Rect):
        found.append(f.args[0])
    for f in e.atoms(sp.Max, sp.Min):
        found.extend(a - b for a, b in combinations(f.args, 2))
    for f in e.atoms(sp.Piecewise):
        for _, condition in f.args:
            if isinstance(condition, sp.Basic):
                found.extend(r.lhs - r.rhs for r in condition.atoms(sp.core.relational.Relational))
    unique: list[Expr] = []
    for k in found:
        if not k.is_number and k not in unique:
            unique.append(k)
    return unique


def _decide(r: Expr) -> _Verdict:
    """True if ``r`` is 0, False if it is a non-zero number, None otherwise."""
    if r == 0:
        return True
    if r.is_number and not r.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        value = complex(r.evalf(30))
        if abs(value) > 1e-20:
            return False
    return None


class OutOfTime(Exception):
    """A block run under :func:`time_budget` passed its deadline.

    ``deadline`` (a ``time.monotonic()`` value) says which limit expired, so that nested
    limits can tell their own expiry from an enclosing one's.
    """

    def __init__(self, deadline: float, seconds: float) -> None:
        super().__init__(f"time limit of {seconds:g} s reached")
        self.deadline = deadline
        self.seconds = seconds


_DEADLINES: list[tuple[float, float]] = []  # (deadline, seconds) of the active limits, nested


def _interrupt(signum: int, frame: Any) -> None:
    now = time.monotonic()
    expired = [(d, s) for d, s in _DEADLINES if now >= d]
    if expired:
        raise OutOfTime(*min(expired))


def _arm() -> None:
    # The timer repeats every 0.05 s: an OutOfTime raised where Python cannot pass it on (in a
    # weakref callback or a __del__, which print "Exception ignored in ...") comes again at
    # the next tick, so a limit is never lost.
    wait = max(min(d for d, _ in _DEADLINES) - time.monotonic(), 1e-4)
    signal.setitimer(signal.ITIMER_REAL, wait, 0.05)


@contextmanager
def time_budget(seconds: float) -> Iterator[float | None]:
    """Interrupt the block with :class:`OutOfTime` after ``seconds``; yields the deadline.

    Limits nest: a claim's limit (see :mod:`mlp.symbolic.claims`) encloses the limit of each
    route of :func:`prove`, and whichever expires first interrupts. The exception carries
    the deadline that expired, so a caller that catches its own expiry can let an enclosing
    one through. Uses SIGALRM, so it applies only in the main thread on Unix (a notebook
    kernel, pytest and the command line run there); elsewhere the block runs unlimited and
    ``None`` is yielded. The alarm repeats every 50 ms until the block ends: an interrupt
    raised where Python cannot propagate it (inside a garbage-collector callback, or a
    library's ``except Exception``) is followed by another.
    """
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield None
        return
    entry = (time.monotonic() + seconds, seconds)
    outermost = not _DEADLINES
    previous = signal.signal(signal.SIGALRM, _interrupt) if outermost else None
    _DEADLINES.append(entry)
    _arm()
    try:
        yield entry[0]
    finally:
        _DEADLINES.remove(entry)
        if _DEADLINES:
            _arm()
        else:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _small(e: Expr) -> bool:
    return sp.count_ops(e) <= _SIMPLIFY_MAX_OPS


def _route_identical(e: Expr, _a: sp.Basic) -> tuple[_Verdict, str]:
    return (True if e == 0 else None), "identical (once both sides are evaluated)"


def _route_cancel(e: Expr, _a: sp.Basic) -> tuple[_Verdict, str]:
    return _decide(sp.cancel(sp.together(e))), "cancel"


def _route_simplify(e: Expr, _a: sp.Basic) -> tuple[_Verdict, str]:
    return (_decide(sp.simplify(e)) if _small(e) else None), "simplify"


def _route_rewrite_exp(e: Expr, _a: sp.Basic) -> tuple[_Verdict, str]:
    verdict = _decide(sp.simplify(e.rewrite(sp.exp))) if _small(e) else None
    return verdict, "simplify after rewrite(exp)"


def _route_expand_log(e: Expr, _a: sp.Basic) -> tuple[_Verdict, str]:
    verdict = _decide(sp.simplify(sp.expand_log(e))) if _small(e) else None
    return verdict, "simplify after expand_log"


def _route_refine(e: Expr, assumptions: sp.Basic) -> tuple[_Verdict, str]:
    if assumptions is sp.true or not _small(e):
        return None, "simplify after refine"
    return _decide(sp.simplify(sp.refine(e, assumptions))), "simplify after refine"


def _route_cases(e: Expr, _a: sp.Basic) -> tuple[_Verdict, str]:
    """Split on the sign of every variable at which a kink occurs; simplify each case."""
    name = "case split"
    kinks = _kink_arguments(e)
    variables: list[sp.Symbol] = []
    for k in kinks:
        s = k if k.is_Symbol else -k
        if not s.is_Symbol:
            return None, name  # a kink along a compound expression: not a sign split
        if s not in variables:
            variables.append(s)
    if not variables or len(variables) > _MAX_CASE_SYMBOLS:
        return None, name
    variables.sort(key=sp.default_sort_key)
    options = []
    for s in variables:
        p = sp.Dummy(f"{s.name}_abs", positive=True)
        signs = []
        if not (s.is_nonpositive or s.is_negative):
            signs.append(("> 0", p))
        if not (s.is_nonnegative or s.is_positive):
            signs.append(("< 0", -p))
        if not s.is_nonzero:
            signs.append(("= 0", sp.S.Zero))
        options.append([(s, label, value) for label, value in signs])
    for pattern in product(*options):
        case = e.subs({s: value for s, _, value in pattern})
        verdict = _decide(case)
        if verdict is None:
            verdict = _decide(sp.simplify(case))
        if verdict is not True:
            return verdict, name
    cases = "; ".join(
        f"{sp.sstr(opts[0][0])} " + ", ".join(label for _, label, _ in opts) for opts in options
    )
    return True, f"case split ({cases}), each case simplified"


_EXACT_ROUTES: dict[str, Callable[[Expr, sp.Basic], tuple[_Verdict, str]]] = {
    "identical": _route_identical,
    "cancel": _route_cancel,
    "cases": _route_cases,
    "simplify": _route_simplify,
    "rewrite(exp)": _route_rewrite_exp,
    "expand_log": _route_expand_log,
    "refine": _route_refine,
}


def _interval(s: sp.Symbol) -> tuple[float, float, bool]:
    """Sampling interval (lo, hi) for ``s`` and whether a random sign is applied."""
    if s.is_positive or s.is_nonnegative:
        return 0.1, 3.0, False
    if s.is_negative or s.is_nonpositive:
        return -3.0, -0.1, False
    if s.is_nonzero:
        return 0.1, 3.0, True
    return -3.0, 3.0, False


def _draw(rng: random.Random, s: sp.Symbol) -> mpmath.mpf:
    if s.is_integer:
        raise ValueError(f"cannot sample the integer symbol {s}; substitute a value first")
    lo, hi, signed = _interval(s)
    value = rng.uniform(lo, hi)
    if signed and rng.random() < 0.5:
        value = -value
    return mpmath.mpf(value)


def _compile(variables: Sequence[sp.Symbol], exprs: Sequence[Expr]) -> Callable[..., list[Any]]:
    """mpmath function of ``variables`` returning the values of ``exprs``.

    The variables are renamed to plain identifiers first and common subexpressions shared
    (``cse``): lambdify is then about ten times faster on the Part B expressions. Functions
    mpmath does not know fall back to ``evalf``.
    """
    plain = [sp.Symbol(f"_v{i}", **v.assumptions0) for i, v in enumerate(variables)]
    renamed = [e.xreplace(dict(zip(variables, plain, strict=True))) for e in exprs]
    try:
        f = sp.lambdify(
            plain, renamed, modules=[_MPMATH_FUNCTIONS, "mpmath"], dummify=False, cse=True
        )
    except (NameError, SyntaxError, KeyError):
        f = None

    def evalf(*values: Any) -> list[Any]:
        point = {v: sp.Float(str(x), mpmath.mp.dps) for v, x in zip(plain, values, strict=True)}
        return [mpmath.mpmathify(complex(e.evalf(mpmath.mp.dps, subs=point))) for e in renamed]

    def call(*values: Any) -> list[Any]:
        if f is not None:
            try:
                return list(f(*values))
            except NameError:  # a function mpmath does not know: evalf below
                pass
        return evalf(*values)

    return call


def _finite(v: Any) -> bool:
    return not (mpmath.isnan(v) or mpmath.isinf(v))


class _Sampler:
    """Evaluates every entry's two sides at random points away from the kinks (mpmath)."""

    def __init__(
        self,
        entries: Sequence[tuple[Any, Expr, Expr]],
        variables: Sequence[sp.Symbol],
        assumptions: sp.Basic,
        digits: int,
        tol: float,
        seed: int,
    ) -> None:
        self.entries, self.variables, self.assumptions = entries, variables, assumptions
        self.digits, self.tol, self.rng = digits, tol, random.Random(seed)
        kinks: list[Expr] = []
        for _, l, r in entries:
            for k in _kink_arguments(l) + _kink_arguments(r):
                if k not in kinks:
                    kinks.append(k)
        self.values = _compile(variables, [e for _, l, r in entries for e in (l, r)])
        self.kinks = _compile(variables, kinks) if kinks else None

    def _admissible(self, point: list[Any]) -> bool:
        if self.kinks is not None and any(abs(k) < _KINK_MARGIN for k in self.kinks(*point)):
            return False
        if self.assumptions is not sp.true:
            at = {v: sp.Float(str(x), 20) for v, x in zip(self.variables, point, strict=True)}
            return sp.ask(self.assumptions.xreplace(at)) is True
        return True

    def check(self, which: Sequence[int], points: int) -> float:
        """Compare the entries numbered ``which`` at ``points`` points; the worst relative error.

        Raises IdentityError with the counterexample when an entry differs.
        """
        worst = 0.0
        accepted = attempts = 0
        with mpmath.workdps(self.digits):
            while accepted < points:
                attempts += 1
                if attempts > 50 * points + 100:
                    raise ValueError(
                        f"found only {accepted} of {points} admissible points in {attempts} "
                        "draws (away from kinks, both sides finite, assumptions satisfied)"
                    )
                point = [_draw(self.rng, v) for v in self.variables]
                if not self._admissible(point):
                    continue
                both = self.values(*point)
                if not all(_finite(v) for v in both):
                    continue
                accepted += 1
                for n in which:
                    worst = max(worst, self._compare(n, point, both[2 * n], both[2 * n + 1]))
        return worst

    def _compare(self, n: int, point: list[Any], l_val: Any, r_val: Any) -> float:
        error = abs(l_val - r_val)
        scale = max(1, abs(l_val), abs(r_val))
        if error <= self.tol * scale:
            return float(error / scale)
        index, l_expr, r_expr = self.entries[n]
        where = ", ".join(
            f"{v} = {mpmath.nstr(x, 8)}" for v, x in zip(self.variables, point, strict=True)
        )
        raise IdentityError(
            f"entry {index} differs at {where or 'a constant'}: "
            f"lhs = {mpmath.nstr(l_val, 12)}, rhs = {mpmath.nstr(r_val, 12)}, "
            f"|lhs - rhs| = {mpmath.nstr(error, 3)} (tolerance {self.tol:.0e}); "
            f"lhs entry {_short(l_expr)}, rhs entry {_short(r_expr)}"
        )


def _short(e: Any, limit: int = 160) -> str:
    text = sp.sstr(e)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _index(shape: tuple[int, int] | None, n: int) -> Any:
    if shape is None:
        return "(scalar)"
    return divmod(n, shape[1])


def prove(
    lhs: Side,
    rhs: Side,
    *,
    symbols: Iterable[sp.Symbol] | None = None,
    assumptions: sp.Basic = sp.true,
    definitions: Mapping[Any, Any] | None = None,
    heaviside_at_zero: Expr | int | None = None,
    points: int = 40,
    digits: int = 50,
    tol: float | None = None,
    routes: Sequence[str] | None = None,
    seed: int = 0,
    condition: str = "",
    time_limit: float = 20.0,
    scope: str = "instance",
    kind: str = "check",
) -> Proof:
    """Prove ``lhs == rhs`` (scalars, or matrices entry by entry) and say how.

    ``definitions`` maps display symbols (or undefined functions, with a callable value) to
    what they stand for; it is substituted, repeatedly, before proving, then ``doit()``
    evaluates derivatives and matrix products. The returned :class:`Proof` keeps the sides as
    given, for display. ``heaviside_at_zero`` sets the value at 0 of the Heaviside steps that
    evaluating a derivative produces (SymPy's default is 1/2); a step written in either side
    keeps the value it was written with, so a formula with another convention at a kink is
    not proven equal to one with this convention. ``symbols`` restricts the variables sampled
    by the numeric route (default: all free symbols); their SymPy assumptions (positive,
    nonzero, ...) and ``assumptions`` (a SymPy ``Q`` expression, also used by the refine
    route) restrict the sampled points. ``routes`` selects routes from :data:`ROUTES`
    (default: all, in order). ``condition`` is displayed after the identity, e.g.
    ``"x \\ne 0"``; ``scope`` and ``kind`` label the result (see :mod:`mlp.symbolic.results`):
    ``scope="general"`` when the symbols stand for every value (no size fixed),
    ``kind="by construction"`` for a consistency check that no wrong formula could fail. Each
    exact route gets ``time_limit`` seconds per entry (``simplify`` can otherwise run for
    minutes), and the exact routes together get ``8 * time_limit`` seconds per call; entries
    left over go to the numeric route. The default limit is far above what any proof of the
    book needs (about a second), so which route proves a claim does not depend on how loaded
    the machine is.

    Raises IdentityError if the sides differ (a numeric counterexample or an exact non-zero
    difference), if their shapes differ, or if no allowed route establishes equality.
    """
    start = time.perf_counter()
    chosen = tuple(ROUTES if routes is None else routes)
    unknown = [r for r in chosen if r not in ROUTES]
    if unknown:
        raise ValueError(f"unknown routes {unknown}; choose from {ROUTES}")
    if points < 1 or digits < 20:
        raise ValueError(f"need points >= 1 and digits >= 20, got {points} and {digits}")
    tol = 10.0 ** (15 - digits) if tol is None else tol
    assumptions = sp.sympify(assumptions)
    h0 = None if heaviside_at_zero is None else sp.sympify(heaviside_at_zero)
    left = _evaluate(lhs, definitions or {}, h0)
    right = _evaluate(rhs, definitions or {}, h0)
    if _is_matrix(left) != _is_matrix(right):
        raise IdentityError(
            f"one side is a matrix and the other a scalar: {_short(left)} vs {_short(right)}"
        )
    shape = left.shape if _is_matrix(left) else None
    if shape is not None and left.shape != right.shape:
        raise IdentityError(f"lhs has shape {left.shape} but rhs has shape {right.shape}")
    pairs = list(zip(left, right, strict=True)) if shape is not None else [(left, right)]
    entries = [(_index(shape, n), l, r) for n, (l, r) in enumerate(pairs)]

    free: set[sp.Symbol] = set()
    for _, l, r in entries:
        free |= l.free_symbols | r.free_symbols
    if symbols is None:
        variables = sorted(free, key=sp.default_sort_key)
    else:
        variables = sorted(set(symbols), key=sp.default_sort_key)
        extra = free - set(variables)
        if extra:
            names = ", ".join(sorted(map(str, extra)))
            raise ValueError(f"free symbols not among the given symbols: {names}")
    sampler = (
        _Sampler(entries, variables, assumptions, digits, tol, seed)
        if "numeric" in chosen
        else None
    )
    if sampler is not None:  # a cheap screen: a false identity fails here, before any simplify
        sampler.check(range(len(entries)), _SCREEN_POINTS)

    used: list[tuple[str, str]] = []
    pending: list[int] = []
    deadline = time.perf_counter() + 8 * time_limit
    for n, (index, l, r) in enumerate(entries):
        difference = l - r
        for name in chosen:
            left_over = deadline - time.perf_counter()
            if name == "numeric" or left_over <= 0:
                continue
            own: float | None = None
            try:
                with time_budget(min(time_limit, left_over)) as own:
                    verdict, detail = _EXACT_ROUTES[name](difference, assumptions)
            except OutOfTime as expired:
                if expired.deadline != own:
                    raise  # an enclosing limit (the claim's): stop proving
                continue  # this route took too long
            except (
                sp.PolynomialError,
                NotImplementedError,
                TypeError,
                ValueError,
                AttributeError,
                RecursionError,
            ):
                continue  # this route does not apply to this expression, or took too long
            if verdict is False:
                raise IdentityError(
                    f"entry {index}: lhs - rhs is a non-zero constant ({detail}); "
                    f"lhs = {_short(l)}, rhs = {_short(r)}"
                )
            if verdict:
                used.append((name, detail))
                break
        else:
            pending.append(n)

    if pending:
        if sampler is None:
            index, l, r = entries[pending[0]]
            raise IdentityError(
                f"no route among {list(chosen)} proved entry {index}: "
                f"lhs = {_short(l)}, rhs = {_short(r)}"
            )
        worst = sampler.check(pending, points)
        detail = (
            f"numeric: {points} random points, {digits} digits, "
            f"max |lhs - rhs| = {worst:.0e}" + (" (relative)" if worst else "")
        )
        used.extend([("numeric", detail)] * len(pending))
    return Proof(
        lhs=lhs,
        rhs=rhs,
        route=_summarise(used, shape is not None),
        exact=all(name != "numeric" for name, _ in used),
        seconds=time.perf_counter() - start,
        condition=condition,
        scope=scope,
        kind=kind,
    )


_GENERIC_ROUTE_NAMES = {
    "cases": "case split on the sign of each kink variable, each case simplified",
    "numeric": "numeric: random points, high precision",
}


def _summarise(used: list[tuple[str, str]], is_matrix: bool) -> str:
    """One human string for the routes used, e.g. 'cancel (12 entries)'."""
    by_name: dict[str, list[str]] = {}
    for name, detail in used:
        by_name.setdefault(name, []).append(detail)
    parts = []
    for name, details in by_name.items():
        distinct = list(dict.fromkeys(details))
        text = distinct[0] if len(distinct) == 1 else _GENERIC_ROUTE_NAMES.get(name, name)
        if is_matrix:
            count = len(details)
            text += f" [{count} {'entry' if count == 1 else 'entries'}]"
        parts.append(text)
    return "; ".join(parts)
