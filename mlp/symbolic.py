r"""SymPy derivations that the book displays and the tests assert.

Every claim function below answers one question of the homework: it builds both sides of an
identity with SymPy, *proves* them equal with :func:`prove`, and returns the proof, which a
notebook renders as typeset math (``lhs = rhs``). A false identity raises
:class:`IdentityError` (an ``AssertionError``), so a wrong claim breaks the book build.

How :func:`prove` decides
-------------------------
1. A quick numeric screen (3 random points, 50 digits) rejects a false identity at once and
   reports the counterexample.
2. Exact routes, tried in order on ``lhs - rhs`` (entry by entry for matrices), each with a
   time limit (``simplify`` can otherwise run for minutes):
   ``identical`` (zero once the definitions are substituted), ``cancel`` (zero as a rational
   function of its atoms), ``cases`` (split on the sign of every variable at which a
   ``Heaviside``, ``sign``, ``Abs``, ``Max``, ``Rect`` or ``Piecewise`` switches, then
   simplify each case), ``simplify``, ``simplify after rewrite(exp)``,
   ``simplify after expand_log`` and ``simplify after refine`` (under the given
   assumptions). A route that reduces ``lhs - rhs`` to a non-zero number disproves the
   identity.
3. Only if every exact route fails: equality at many random points (default 40) with 50
   significant digits (mpmath), rejecting points within 1e-3 of a kink.
The :class:`Proof` records the route that succeeded.

Which route proves what (default sizes)
---------------------------------------
- A1 ``sigmoid(x) = (tanh(x/2) + 1)/2``: simplify after rewrite(exp) (simplify alone fails).
- A2, A3, A4, A8, B1, B2, B3 (sum to one), B4, B7, B9-B18: cancel or identical.
- A5 (sign with indicators), A6 (abs'), A7 (rect'), A9 (gradient of the L1 norm): case split.
- B3 positivity: SymPy's assumption system (``is_positive``), returned as a :class:`Fact`.
- B5: the free symbols of L (other than x) are counted for every label and compared with
  d_h (d + 1) + m (d_h + 1).

Results display as typeset math in a notebook (``_repr_latex_``). For Part B the displayed
sides use the homework's notation as symbols (dL/do^a_k, h^s_j, rect'(h^a_j), ...);
:meth:`Network.definitions` says what each stands for, and the proof substitutes them down
to the parameters before comparing. :meth:`Network.values` and :meth:`Network.evaluate` turn
any symbolic result into numbers, e.g. to compare with :class:`mlp.network.MLP`.

Conventions
-----------
- Indices in the *displayed* symbols start at 1 as in the homework (``x_1``, ``W^{(1)}_{11}``);
  Python indices, including the label ``y``, start at 0 as in :mod:`mlp.network`. So ``y = 0``
  is the class whose score is ``o^a_1``.
- ``rect(z) = Max(0, z)``. SymPy differentiates it to ``Heaviside(z)``, whose value at 0 is
  SymPy's default 1/2. The derivative does not exist at 0; the code uses 0 there, i.e.
  ``Heaviside(z, 0)`` = 1{z > 0}. Part B writes rect as :class:`Rect`, a SymPy function equal
  to ``Max(0, z)`` whose derivative is ``Heaviside(z, 0)`` (A7's result; ``Max`` itself makes
  SymPy far too slow on the network), and passes ``heaviside_at_zero=0`` to :func:`prove`.
  Part B's identities are identities of formulas; as statements about derivatives they hold
  wherever no hidden pre-activation h^a_j is 0 (at such a kink L has no derivative).
- ``sign(0) = 0`` (SymPy's value and the code's), which makes ``sign`` the subgradient of
  ``|.|`` that the code uses at 0 (A6, A9, B18).
- Part A's derivatives with a kink (A6, A7, A9) are proven for ``x != 0`` and return the
  one-sided derivatives at 0 and the convention the code adopts there.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations, product
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray
from sympy.matrices import MatrixBase
from sympy.matrices.expressions import MatrixExpr

__all__ = [
    "ROUTES",
    "Fact",
    "IdentityError",
    "KinkDerivative",
    "Network",
    "ParameterCount",
    "Proof",
    "ProofGroup",
    "Rect",
    "a1_sigmoid_tanh",
    "a2_log_sigmoid_softplus",
    "a3_sigmoid_derivative",
    "a4_tanh_derivative",
    "a5_sign_indicators",
    "a6_abs_derivative",
    "a7_rect_derivative",
    "a8_grad_l2_squared",
    "a9_grad_l1",
    "absolute",
    "b1_hidden_layer",
    "b2_output_layer",
    "b3_softmax_positive_sums_to_one",
    "b4_loss_logsumexp",
    "b5_parameter_count",
    "b7_grad_oa",
    "b9_grad_W2_b2",
    "b10_grad_W2_b2_matrix",
    "b11_grad_hs",
    "b12_grad_hs_matrix",
    "b13_grad_ha",
    "b14_grad_ha_matrix",
    "b15_grad_W1_b1",
    "b16_grad_W1_b1_matrix",
    "b17_grad_x",
    "b18_regularized_gradient",
    "gradient",
    "indicator",
    "l1_norm",
    "l2_squared",
    "log_softmax",
    "logsumexp",
    "network",
    "onehot",
    "prove",
    "rect",
    "rect_prime",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
]

Expr = sp.Expr
Side = Any  # a SymPy scalar expression, an explicit Matrix or a matrix expression (MatMul, ...)


# --- elementary functions, written like the math ----------------------------------------------


def sigmoid(x: Expr) -> Expr:
    """Logistic sigmoid, sigmoid(x) = 1 / (1 + exp(-x))."""
    return 1 / (1 + sp.exp(-x))


def tanh(x: Expr) -> Expr:
    """Hyperbolic tangent as the homework defines it, (exp(x) - exp(-x)) / (exp(x) + exp(-x))."""
    return (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x))


def softplus(x: Expr) -> Expr:
    """Softplus, softplus(x) = log(1 + exp(x))."""
    return sp.log(1 + sp.exp(x))


def rect(x: Expr) -> Expr:
    """Rectifier (ReLU), rect(x) = max(0, x)."""
    return sp.Max(0, x)


class Rect(sp.Function):
    """rect(z) = max(0, z) as a SymPy function whose derivative is rect'(z) = Heaviside(z, 0).

    Part B uses it instead of ``Max(0, z)``: SymPy rebuilds a ``Max`` slowly (it compares its
    arguments symbolically every time), which made each Part B proof take tens of seconds.
    Its derivative is the one A7 proves for ``Max(0, z)`` (with the code's value 0 at 0); the
    tests check the two agree.
    """

    nargs = 1

    @classmethod
    def eval(cls, z: Expr) -> Expr | None:
        if z.is_number and z.is_extended_real:
            return sp.Max(0, z)
        return None

    def fdiff(self, argindex: int = 1) -> Expr:
        return sp.Heaviside(self.args[0], 0)

    def _eval_is_extended_real(self) -> bool | None:
        return self.args[0].is_extended_real

    def _eval_is_extended_nonnegative(self) -> bool | None:
        return True if self.args[0].is_extended_real else None

    def _eval_rewrite_as_Max(self, z: Expr, **kwargs: Any) -> Expr:
        return sp.Max(0, z)

    def _eval_evalf(self, prec: int) -> Expr | None:
        z = self.args[0]._eval_evalf(prec)
        return sp.Max(0, z) if z is not None and z.is_number else None

    def _latex(self, printer: Any) -> str:
        return rf"\operatorname{{rect}}\left({printer._print(self.args[0])}\right)"


def _mp_rect(z: Any) -> Any:
    return z if z > 0 else 0 * z


_MPMATH_FUNCTIONS = {"Rect": _mp_rect}


def rect_prime(x: Expr) -> Expr:
    """Derivative of rect with the code's convention at 0: 1{x > 0} = Heaviside(x, 0)."""
    return sp.Heaviside(x, 0)


def absolute(x: Expr) -> Expr:
    """Absolute value by cases, |x| = x if x >= 0 else -x (a Piecewise, not SymPy's Abs)."""
    return sp.Piecewise((x, x >= 0), (-x, True))


def indicator(condition: sp.Basic) -> Expr:
    """Indicator function 1_{condition}: 1 where the condition holds, 0 elsewhere."""
    return sp.Piecewise((1, condition), (0, True))


def onehot(y: int, m: int) -> sp.ImmutableMatrix:
    """One-hot column vector, shape (m, 1), with a 1 at Python index ``y`` (0 <= y < m)."""
    _check_label(y, m)
    return sp.ImmutableMatrix(m, 1, lambda k, _: 1 if k == y else 0)


def softmax(v: MatrixBase) -> sp.ImmutableMatrix:
    """Softmax of a column vector, softmax(v)_k = exp(v_k) / sum_j exp(v_j); shape of ``v``."""
    total = sum(sp.exp(v_j) for v_j in v)
    return sp.ImmutableMatrix(v.shape[0], v.shape[1], [sp.exp(v_k) / total for v_k in v])


def logsumexp(v: MatrixBase) -> Expr:
    """Log-sum-exp of a vector, log sum_k exp(v_k)."""
    return sp.log(sum(sp.exp(v_k) for v_k in v))


def log_softmax(v: MatrixBase) -> sp.ImmutableMatrix:
    """Log-softmax of a column vector, v_k - logsumexp(v); shape of ``v``."""
    lse = logsumexp(v)
    return sp.ImmutableMatrix(v.shape[0], v.shape[1], [v_k - lse for v_k in v])


def l2_squared(v: MatrixBase) -> Expr:
    """Squared L2 norm, ||v||_2^2 = sum_i v_i^2 (over all entries)."""
    return sum((v_i**2 for v_i in v), sp.S.Zero)


def l1_norm(v: MatrixBase) -> Expr:
    """L1 norm, ||v||_1 = sum_i |v_i| (over all entries), with SymPy's Abs."""
    return sum((sp.Abs(v_i) for v_i in v), sp.S.Zero)


def gradient(f: Expr, v: MatrixBase) -> sp.ImmutableMatrix:
    """Gradient of a scalar ``f`` with respect to every entry of ``v``; same shape as ``v``."""
    return sp.ImmutableMatrix(v.shape[0], v.shape[1], [sp.diff(f, v_i) for v_i in v])


def _check_label(y: int, m: int) -> None:
    if isinstance(y, bool) or not isinstance(y, int):
        raise TypeError(f"the label y must be a Python int, got {type(y).__name__}")
    if not 0 <= y < m:
        raise ValueError(f"the label y must lie in [0, {m}), got {y}")


def _check_sizes(**sizes: int) -> None:
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be a Python int, got {type(value).__name__}")
        if not 1 <= value <= 12:
            raise ValueError(f"{name} must lie in [1, 12] (symbolic sizes stay small), got {value}")


# --- results ----------------------------------------------------------------------------------


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


# --- the prover -------------------------------------------------------------------------------

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
    """Substitute the definitions (repeatedly) and evaluate derivatives and matrix products."""
    e = _explicit(e) if _is_matrix(e) else sp.sympify(e)
    for _ in range(6):
        new = _substitute(e, definitions).doit() if definitions else e.doit()
        if new == e:
            break
        e = new
    e = _explicit(e) if _is_matrix(e) else e
    if h0 is not None:
        e = _step_at_zero(e, h0)
    return e


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


class _OutOfTime(Exception):
    """A route ran past its time limit."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` with _OutOfTime.

    Uses SIGALRM, so it applies only in the main thread on Unix (a notebook kernel and pytest
    run there); elsewhere the block runs unlimited and only the size guard protects it. The
    alarm repeats every 50 ms until the block ends: an interrupt raised where Python cannot
    propagate it (inside a garbage-collector callback, say) is followed by another.
    """
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    armed = [True]

    def interrupt(signum: int, frame: Any) -> None:
        if armed[0]:
            raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _small(e: Expr) -> bool:
    return sp.count_ops(e) <= _SIMPLIFY_MAX_OPS


def _route_identical(e: Expr, _a: sp.Basic) -> tuple[_Verdict, str]:
    return (True if e == 0 else None), "identical after substituting the definitions"


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
) -> Proof:
    """Prove ``lhs == rhs`` (scalars, or matrices entry by entry) and say how.

    ``definitions`` maps display symbols (or undefined functions, with a callable value) to
    what they stand for; it is substituted, repeatedly, before proving, then ``doit()``
    evaluates derivatives and matrix products. The returned :class:`Proof` keeps the sides as
    given, for display. ``heaviside_at_zero`` sets the value at 0 of every Heaviside step
    (SymPy's default is 1/2). ``symbols`` restricts the variables sampled by the numeric route
    (default: all free symbols); their SymPy assumptions (positive, nonzero, ...) and
    ``assumptions`` (a SymPy ``Q`` expression, also used by the refine route) restrict the
    sampled points. ``routes`` selects routes from :data:`ROUTES` (default: all, in order).
    ``condition`` is displayed after the identity, e.g. ``"x \\ne 0"``. Each exact route
    gets ``time_limit`` seconds per entry (``simplify`` can otherwise run for minutes), and the
    exact routes together get ``8 * time_limit`` seconds per call; entries left over go to
    the numeric route. The default limit is far above what any proof of the book needs (about
    a second), so which route proves a claim does not depend on how loaded the machine is.

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
            try:
                with _time_limit(min(time_limit, left_over)):
                    verdict, detail = _EXACT_ROUTES[name](difference, assumptions)
            except (
                _OutOfTime,
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


# --- Part A -----------------------------------------------------------------------------------

_x = sp.Symbol("x", real=True)
_x_nonzero = sp.Symbol("x", real=True, nonzero=True)
_Sigmoid = sp.Function("sigmoid")
_Softplus = sp.Function("softplus")
_Rect = sp.Function("rect")
_PART_A_DEFINITIONS: dict[Any, Any] = {
    _Sigmoid: sigmoid,
    _Softplus: softplus,
    _Rect: rect,
}


def _display(name: str) -> sp.Symbol:
    """A real symbol whose name is the LaTeX it displays as."""
    return sp.Symbol(name, real=True)


def _one_sided_derivatives_at_zero(f: Callable[[Expr], Expr]) -> tuple[Expr, Expr]:
    """lim (f(h) - f(0)) / h as h -> 0 from the left and from the right; they must differ."""
    h = sp.Symbol("h", real=True)
    quotient = (f(h) - f(sp.S.Zero)) / h
    left, right = sp.limit(quotient, h, 0, "-"), sp.limit(quotient, h, 0, "+")
    if left == right:
        raise IdentityError(f"one-sided derivatives at 0 agree ({left}): no kink")
    return left, right


def a1_sigmoid_tanh() -> Proof:
    """A1: sigmoid(x) = (tanh(x/2) + 1) / 2, with SymPy's tanh (needs rewrite(exp))."""
    x = _x
    rhs = sp.Mul(sp.Rational(1, 2), sp.Add(sp.tanh(x / 2), 1, evaluate=False), evaluate=False)
    return prove(_Sigmoid(x), rhs, definitions=_PART_A_DEFINITIONS)


def a2_log_sigmoid_softplus() -> Proof:
    """A2: log sigmoid(x) = -softplus(-x)."""
    x = _x
    return prove(sp.log(_Sigmoid(x)), -_Softplus(-x), definitions=_PART_A_DEFINITIONS)


def a3_sigmoid_derivative() -> Proof:
    """A3: sigmoid'(x) = sigmoid(x) (1 - sigmoid(x)), differentiating 1 / (1 + exp(-x))."""
    x = _x
    return prove(
        sp.Derivative(_Sigmoid(x), x),
        sp.Mul(_Sigmoid(x), 1 - _Sigmoid(x), evaluate=False),
        definitions=_PART_A_DEFINITIONS,
    )


def a4_tanh_derivative() -> Proof:
    """A4: tanh'(x) = 1 - tanh(x)^2, with tanh defined by exponentials (not SymPy's rule)."""
    x = _x
    return prove(
        sp.Derivative(sp.tanh(x), x),
        1 - sp.tanh(x) ** 2,
        definitions={sp.tanh: tanh},
    )


def a5_sign_indicators() -> Proof:
    """A5: sign(x) = 1{x > 0} - 1{x < 0} for every real x (0 included: both sides are 0)."""
    x = _x
    positive, negative = _display(r"\mathbf{1}_{\{x > 0\}}"), _display(r"\mathbf{1}_{\{x < 0\}}")
    return prove(
        sp.sign(x),
        positive - negative,
        definitions={positive: indicator(x > 0), negative: indicator(x < 0)},
    )


def a6_abs_derivative() -> KinkDerivative:
    """A6: abs'(x) = sign(x) for x != 0, |x| written by cases (x if x >= 0, else -x).

    At 0 the one-sided derivatives are -1 and +1, so abs'(0) does not exist; the code returns
    sign(0) = 0 there, which is also SymPy's sign(0).
    """
    x = _x_nonzero
    proof = prove(
        sp.Derivative(sp.Abs(x), x),
        sp.sign(x),
        definitions={sp.Abs: absolute},
        condition=r"x \ne 0",
    )
    left, right = _one_sided_derivatives_at_zero(sp.Abs)
    return KinkDerivative(proof, left, right, convention=sp.S.Zero, sympy_at_zero=sp.sign(0))


def a7_rect_derivative() -> KinkDerivative:
    """A7: rect'(x) = 1{x > 0} for x != 0, with rect(x) = max(0, x).

    SymPy differentiates max(0, x) to Heaviside(x), whose default value at 0 is 1/2; the
    one-sided derivatives at 0 are 0 and 1, and the code returns 0 there, i.e. Heaviside(x, 0).
    """
    x = _x_nonzero
    positive = _display(r"\mathbf{1}_{\{x > 0\}}")
    proof = prove(
        sp.Derivative(_Rect(x), x),
        positive,
        definitions={**_PART_A_DEFINITIONS, positive: indicator(x > 0)},
        condition=r"x \ne 0",
    )
    left, right = _one_sided_derivatives_at_zero(rect)
    h = sp.Symbol("h", real=True)
    sympy_at_zero = sp.diff(rect(h), h).subs(h, 0)
    return KinkDerivative(proof, left, right, convention=sp.S.Zero, sympy_at_zero=sympy_at_zero)


def _vector(name: str, n: int, **assumptions: bool) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(
        n, 1, [sp.Symbol(f"{name}_{{{i + 1}}}", real=True, **assumptions) for i in range(n)]
    )


def _partials(numerator: str, wrt: MatrixBase) -> sp.ImmutableMatrix:
    """Display symbols d(numerator)/d(w) for every entry w of ``wrt``; same shape."""
    return sp.ImmutableMatrix(
        wrt.shape[0],
        wrt.shape[1],
        [_display(rf"\frac{{\partial {numerator}}}{{\partial {sp.latex(w)}}}") for w in wrt],
    )


def a8_grad_l2_squared(n: int = 4) -> Proof:
    """A8: the gradient of ||x||_2^2 = sum_i x_i^2 is 2x; x has shape (n, 1)."""
    _check_sizes(n=n)
    x = _vector("x", n)
    partials = _partials(r"\|\mathbf{x}\|_2^2", x)
    norm = l2_squared(x)
    definitions = {g: sp.Derivative(norm, x_i) for g, x_i in zip(partials, x, strict=True)}
    return prove(partials, 2 * x, definitions=definitions)


def a9_grad_l1(n: int = 4) -> KinkDerivative:
    """A9: the gradient of ||x||_1 = sum_i |x_i| is sign(x) (entrywise), for x_i != 0.

    |x_i| is written by cases. At x_i = 0 the partial derivative does not exist (one-sided
    values -1 and +1); any value in [-1, 1] is a subgradient and the code uses sign(0) = 0.
    """
    _check_sizes(n=n)
    x = _vector("x", n, nonzero=True)
    partials = _partials(r"\|\mathbf{x}\|_1", x)
    norm = sum((absolute(x_i) for x_i in x), sp.S.Zero)
    definitions = {g: sp.Derivative(norm, x_i) for g, x_i in zip(partials, x, strict=True)}
    proof = prove(
        partials, x.applyfunc(sp.sign), definitions=definitions, condition=r"\text{all } x_i \ne 0"
    )
    left, right = _one_sided_derivatives_at_zero(sp.Abs)
    return KinkDerivative(proof, left, right, convention=sp.S.Zero, sympy_at_zero=sp.sign(0))


# --- Part B: the symbolic network -------------------------------------------------------------

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


def _column(entries: Iterable[Expr]) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix([[e] for e in entries])


def _matmul(*factors: Any) -> sp.MatMul:
    return sp.MatMul(*factors, evaluate=False)


def _shapes(**arrays: MatrixBase) -> dict[str, tuple[int, int]]:
    return {name: tuple(a.shape) for name, a in arrays.items()}


def b1_hidden_layer(d: int = 3, d_h: int = 4, m: int = 3) -> ProofGroup:
    """B1: ha = W1 x + b1 equals the elementwise form ha_j = sum_i W1_ji x_i + b1_j; hs = rect(ha).

    Shapes: W1 (d_h, d), x (d, 1), b1 (d_h, 1), ha and hs (d_h, 1).
    """
    net = network(d, d_h, m)
    W, b = sp.IndexedBase("W^{(1)}"), sp.IndexedBase("b^{(1)}")
    xi, i = sp.IndexedBase("x"), sp.Idx("i")
    elementwise = _column(sp.Sum(W[j + 1, i] * xi[i], (i, 1, d)) + b[j + 1] for j in range(d_h))
    indexed: dict[Any, Any] = {xi[i + 1]: net.x[i] for i in range(d)}
    indexed.update({b[j + 1]: net.b1[j] for j in range(d_h)})
    indexed.update({W[j + 1, i + 1]: net.W1[j, i] for j in range(d_h) for i in range(d)})
    ha = prove(
        sp.MatAdd(_matmul(net.W1, net.x), net.b1, evaluate=False), elementwise, definitions=indexed
    )
    hs = prove(net.hs_sym, net.ha_sym.applyfunc(Rect), definitions=net.forward("params"))
    return ProofGroup(
        "B1: hidden layer",
        {"ha": ha, "hs": hs},
        notes={"shapes": _shapes(W1=net.W1, x=net.x, b1=net.b1, ha=net.ha_sym, hs=net.hs_sym)},
    )


def b2_output_layer(d: int = 3, d_h: int = 4, m: int = 3) -> ProofGroup:
    """B2: oa = W2 hs + b2 equals the elementwise form oa_k = sum_j W2_kj hs_j + b2_k.

    Shapes: W2 (m, d_h), hs (d_h, 1), b2 (m, 1), oa (m, 1).
    """
    net = network(d, d_h, m)
    W, b = sp.IndexedBase("W^{(2)}"), sp.IndexedBase("b^{(2)}")
    h, j = sp.IndexedBase("h^{s}"), sp.Idx("j")
    elementwise = _column(sp.Sum(W[k + 1, j] * h[j], (j, 1, d_h)) + b[k + 1] for k in range(m))
    indexed: dict[Any, Any] = {h[j + 1]: net.hs_sym[j] for j in range(d_h)}
    indexed.update({b[k + 1]: net.b2[k] for k in range(m)})
    indexed.update({W[k + 1, j + 1]: net.W2[k, j] for k in range(m) for j in range(d_h)})
    oa = prove(
        sp.MatAdd(_matmul(net.W2, net.hs_sym), net.b2, evaluate=False),
        elementwise,
        definitions=indexed,
    )
    return ProofGroup(
        "B2: output layer",
        {"oa": oa},
        notes={"shapes": _shapes(W2=net.W2, hs=net.hs_sym, b2=net.b2, oa=net.oa_sym)},
    )


def b3_softmax_positive_sums_to_one(m: int = 3) -> ProofGroup:
    """B3: os_k = exp(oa_k) / sum_j exp(oa_j) (``formula``), sum_k os_k = 1 (``sums_to_one``)
    and every os_k > 0 (``positive``: SymPy's assumptions know exp of a real is positive, and
    so are sums and quotients of positives).
    """
    net = network(1, 1, m)
    definitions = net.forward("oa")
    total = sum(sp.exp(o) for o in net.oa_sym)
    formula = prove(
        net.os_sym, _column(sp.exp(o) / total for o in net.oa_sym), definitions=definitions
    )
    sums_to_one = prove(sp.Add(*net.os_sym, evaluate=False), sp.S.One, definitions=definitions)
    start = time.perf_counter()
    for o_k, value in zip(net.os_sym, softmax(net.oa_sym), strict=True):
        if value.is_positive is not True:
            raise IdentityError(f"SymPy cannot show {o_k} = {value} > 0")
    positive = Fact(
        statement=sp.And(*[o > 0 for o in net.os_sym], evaluate=False),
        route="SymPy assumptions: exp(real) > 0, sums and quotients of positives are positive",
        seconds=time.perf_counter() - start,
    )
    return ProofGroup(
        "B3: softmax", {"formula": formula, "sums_to_one": sums_to_one, "positive": positive}
    )


def b4_loss_logsumexp(m: int = 3, y: int = 0) -> Proof:
    """B4: L = -log os_y = log sum_k exp(oa_k) - oa_y, for oa real (``y`` a Python index)."""
    net = network(1, 1, m)
    _check_label(y, m)
    rhs = sp.Add(logsumexp(net.oa_sym), -net.oa_sym[y], evaluate=False)
    return net.prove(-sp.log(net.os_sym[y]), rhs, "oa", y)


def b5_parameter_count(d: int = 3, d_h: int = 4, m: int = 3) -> ParameterCount:
    """B5: the loss depends on n_theta = d_h (d + 1) + m (d_h + 1) scalar parameters.

    Counted as the free symbols of L other than the input x, for every label y.
    """
    net = network(d, d_h, m)
    inputs = set(net.x)
    counted = {len(net.L(y).free_symbols - inputs) for y in range(m)}
    D, D_h, M = sp.symbols("d d_h m", positive=True, integer=True)
    formula = D_h * (D + 1) + M * (D_h + 1)
    expected = int(formula.subs({D: d, D_h: d_h, M: m}))
    if counted != {expected}:
        raise IdentityError(f"L depends on {counted} parameters, the formula gives {expected}")
    sizes = {name: len(matrix) for name, matrix in net.parameters.items()}
    if sum(sizes.values()) != expected:
        raise IdentityError(f"parameter sizes {sizes} do not add up to {expected}")
    return ParameterCount(d=d, d_h=d_h, m=m, sizes=sizes, n_theta=expected, formula=formula)


def b7_grad_oa(m: int = 3, y: int = 0) -> ProofGroup:
    """B7: dL/doa = os - onehot(y): ``k_ne_y`` (dL/doa_k = os_k for k != y), ``k_eq_y``
    (dL/doa_y = os_y - 1) and ``vector``, differentiating L = -log os_y as a function of oa.
    """
    net = network(1, 1, m)
    _check_label(y, m)
    grad = net.partial_symbols("oa")
    others = [k for k in range(m) if k != y]
    proofs: dict[str, Proof | Fact] = {}
    if others:
        proofs["k_ne_y"] = net.prove(
            _column(grad[k] for k in others), _column(net.os_sym[k] for k in others), "oa", y
        )
    proofs["k_eq_y"] = net.prove(grad[y], net.os_sym[y] - 1, "oa", y)
    proofs["vector"] = net.prove(
        grad, sp.MatAdd(net.os_sym, _matmul(-1, onehot(y, m)), evaluate=False), "oa", y
    )
    return ProofGroup("B7: gradient with respect to oa", proofs)


def b9_grad_W2_b2(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> ProofGroup:
    """B9: chain rule entry by entry, dL/dW2_kj = dL/doa_k h^s_j and dL/db2_k = dL/doa_k,
    against the direct derivatives of the fully substituted loss. Shapes (m, d_h) and (m, 1).
    """
    net = network(d, d_h, m)
    g = net.partial_symbols("oa")
    W2 = sp.ImmutableMatrix(m, d_h, lambda k, j: g[k] * net.hs_sym[j])
    return ProofGroup(
        "B9: gradients of W2 and b2, entry by entry",
        {
            "W2": net.prove(W2, net.partial_symbols("W2"), "params", y),
            "b2": net.prove(_column(g), net.partial_symbols("b2"), "params", y),
        },
    )


def b10_grad_W2_b2_matrix(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> ProofGroup:
    """B10: grad_W2 = grad_oa hs^T (m, 1)(1, d_h) -> (m, d_h) and grad_b2 = grad_oa (m, 1),
    against the direct derivatives of the loss.
    """
    net = network(d, d_h, m)
    g = net.partial_symbols("oa")
    return ProofGroup(
        "B10: gradients of W2 and b2, matrix form",
        {
            "W2": net.prove(_matmul(g, net.hs_sym.T), net.partial_symbols("W2"), "params", y),
            "b2": net.prove(g, net.partial_symbols("b2"), "params", y),
        },
        notes={"shapes": _shapes(grad_oa=g, hs=net.hs_sym, grad_W2=net.W2, grad_b2=net.b2)},
    )


def b11_grad_hs(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> Proof:
    """B11: dL/dh^s_j = sum_k dL/doa_k W2_kj, against diff of L as a function of hs."""
    net = network(d, d_h, m)
    g = net.partial_symbols("oa")
    lhs = _column(sp.Add(*[g[k] * net.W2[k, j] for k in range(m)]) for j in range(d_h))
    return net.prove(lhs, net.partial_symbols("hs"), "hs", y)


def b12_grad_hs_matrix(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> Proof:
    """B12: grad_hs = W2^T grad_oa, (d_h, m)(m, 1) -> (d_h, 1), against diff of L(hs)."""
    net = network(d, d_h, m)
    lhs = _matmul(net.W2.T, net.partial_symbols("oa"))
    return net.prove(lhs, net.partial_symbols("hs"), "hs", y)


def b13_grad_ha(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> Proof:
    """B13: dL/dh^a_j = dL/dh^s_j rect'(h^a_j) with rect'(z) = 1{z > 0}, against diff of L(ha)."""
    net = network(d, d_h, m)
    g, r = net.partial_symbols("hs"), net.rect_prime_symbols()
    return net.prove(_column(g[j] * r[j] for j in range(d_h)), net.partial_symbols("ha"), "ha", y)


def b14_grad_ha_matrix(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> Proof:
    """B14: grad_ha = grad_hs ⊙ rect'(ha), all (d_h, 1), against diff of L(ha)."""
    net = network(d, d_h, m)
    lhs = sp.HadamardProduct(net.partial_symbols("hs"), net.rect_prime_symbols())
    return net.prove(lhs, net.partial_symbols("ha"), "ha", y)


def b15_grad_W1_b1(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> ProofGroup:
    """B15: dL/dW1_ji = dL/dh^a_j x_i and dL/db1_j = dL/dh^a_j, against the direct derivatives
    of the fully substituted loss. Shapes (d_h, d) and (d_h, 1).
    """
    net = network(d, d_h, m)
    g = net.partial_symbols("ha")
    W1 = sp.ImmutableMatrix(d_h, d, lambda j, i: g[j] * net.x[i])
    return ProofGroup(
        "B15: gradients of W1 and b1, entry by entry",
        {
            "W1": net.prove(W1, net.partial_symbols("W1"), "params", y),
            "b1": net.prove(_column(g), net.partial_symbols("b1"), "params", y),
        },
    )


def b16_grad_W1_b1_matrix(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> ProofGroup:
    """B16: grad_W1 = grad_ha x^T (d_h, 1)(1, d) -> (d_h, d) and grad_b1 = grad_ha (d_h, 1),
    against the direct derivatives of the loss.
    """
    net = network(d, d_h, m)
    g = net.partial_symbols("ha")
    return ProofGroup(
        "B16: gradients of W1 and b1, matrix form",
        {
            "W1": net.prove(_matmul(g, net.x.T), net.partial_symbols("W1"), "params", y),
            "b1": net.prove(g, net.partial_symbols("b1"), "params", y),
        },
        notes={"shapes": _shapes(grad_ha=g, x=net.x, grad_W1=net.W1, grad_b1=net.b1)},
    )


def b17_grad_x(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> Proof:
    """B17: grad_x = W1^T grad_ha, (d, d_h)(d_h, 1) -> (d, 1), against the direct derivative."""
    net = network(d, d_h, m)
    lhs = _matmul(net.W1.T, net.partial_symbols("ha"))
    return net.prove(lhs, net.partial_symbols("x"), "params", y)


def b18_regularized_gradient(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> ProofGroup:
    """B18: with R~ = L + l11 ||W1||_1 + l12 ||W1||_2^2 + l21 ||W2||_1 + l22 ||W2||_2^2,
    dR~/dW1 = dL/dW1 + l11 sign(W1) + 2 l12 W1, dR~/dW2 = dL/dW2 + l21 sign(W2) + 2 l22 W2,
    and the bias gradients are unchanged.

    Written for one example; averaging L over a batch leaves the penalty terms as they are.
    At W_ij = 0, |W_ij| has no derivative; sign(0) = 0 is the subgradient the code uses.
    """
    net = network(d, d_h, m)
    lam = {n: sp.Symbol(rf"\lambda_{{{n}}}", nonnegative=True) for n in ("11", "12", "21", "22")}
    penalty = (
        lam["11"] * l1_norm(net.W1)
        + lam["12"] * l2_squared(net.W1)
        + lam["21"] * l1_norm(net.W2)
        + lam["22"] * l2_squared(net.W2)
    )
    R = net.L(y) + penalty
    R_tilde = r"\tilde{R}"
    definitions: dict[Any, Any] = {}
    for matrix in net.parameters.values():
        for g, theta in zip(_partials(R_tilde, matrix), matrix, strict=True):
            definitions[g] = sp.diff(R, theta)
    proofs: dict[str, Proof | Fact] = {}
    for name, l1, l2 in (
        ("W1", "11", "12"),
        ("b1", None, None),
        ("W2", "21", "22"),
        ("b2", None, None),
    ):
        matrix = net.parameters[name]
        grad_L = net.partial_symbols(name)
        if l1 is None:
            rhs: Any = grad_L
        else:
            rhs = sp.MatAdd(
                grad_L,
                _matmul(lam[l1], matrix.applyfunc(sp.sign)),
                _matmul(2 * lam[l2], matrix),
                evaluate=False,
            )
        proofs[name] = net.prove(
            _partials(R_tilde, matrix), rhs, "params", y, definitions=definitions
        )
    return ProofGroup(
        "B18: gradient of the elastic-net regularized risk",
        proofs,
        notes={"penalty": penalty, "lambdas": lam},
    )
