"""Part A's claims, A1 to A9: identities and derivatives of the activations and norms.

A1 to A7 are about functions of one real variable x, proven for a symbolic x: their scope is
``general``. A8 and A9 are proven at one size (n = 4 entries, ``instance``) and, in index
notation, for every size n (``a8_grad_l2_squared_general``, ``a9_grad_l1_general``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from mlp.symbolic.functions import (
    Expr,
    _check_sizes,
    _display,
    _partials,
    absolute,
    indicator,
    l2_squared,
    rect,
    sigmoid,
    softplus,
    tanh,
)
from mlp.symbolic.indexed import IndexSpace, display_function, prove_general
from mlp.symbolic.prover import prove
from mlp.symbolic.results import IdentityError, KinkDerivative, Proof

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
    return prove(_Sigmoid(x), rhs, definitions=_PART_A_DEFINITIONS, scope="general")


def a2_log_sigmoid_softplus() -> Proof:
    """A2: log sigmoid(x) = -softplus(-x)."""
    x = _x
    return prove(
        sp.log(_Sigmoid(x)), -_Softplus(-x), definitions=_PART_A_DEFINITIONS, scope="general"
    )


def a3_sigmoid_derivative() -> Proof:
    """A3: sigmoid'(x) = sigmoid(x) (1 - sigmoid(x)), differentiating 1 / (1 + exp(-x))."""
    x = _x
    return prove(
        sp.Derivative(_Sigmoid(x), x),
        sp.Mul(_Sigmoid(x), 1 - _Sigmoid(x), evaluate=False),
        definitions=_PART_A_DEFINITIONS,
        scope="general",
    )


def a4_tanh_derivative() -> Proof:
    """A4: tanh'(x) = 1 - tanh(x)^2, with tanh defined by exponentials (not SymPy's rule)."""
    x = _x
    return prove(
        sp.Derivative(sp.tanh(x), x),
        1 - sp.tanh(x) ** 2,
        definitions={sp.tanh: tanh},
        scope="general",
    )


def a5_sign_indicators() -> Proof:
    """A5: sign(x) = 1{x > 0} - 1{x < 0} for every real x (0 included: both sides are 0)."""
    x = _x
    positive, negative = _display(r"\mathbf{1}_{\{x > 0\}}"), _display(r"\mathbf{1}_{\{x < 0\}}")
    return prove(
        sp.sign(x),
        positive - negative,
        definitions={positive: indicator(x > 0), negative: indicator(x < 0)},
        scope="general",
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
        scope="general",
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
        scope="general",
    )
    left, right = _one_sided_derivatives_at_zero(rect)
    h = sp.Symbol("h", real=True)
    sympy_at_zero = sp.diff(rect(h), h).subs(h, 0)
    return KinkDerivative(proof, left, right, convention=sp.S.Zero, sympy_at_zero=sympy_at_zero)


def _vector(name: str, n: int, **assumptions: bool) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(
        n, 1, [sp.Symbol(f"{name}_{{{i + 1}}}", real=True, **assumptions) for i in range(n)]
    )


def a8_grad_l2_squared(n: int = 4) -> Proof:
    """A8: the gradient of ||x||_2^2 = sum_i x_i^2 is 2x; x has shape (n, 1)."""
    _check_sizes(n=n)
    x = _vector("x", n)
    partials = _partials(r"\|\mathbf{x}\|_2^2", x)
    norm = l2_squared(x)
    definitions = {g: sp.Derivative(norm, x_i) for g, x_i in zip(partials, x, strict=True)}
    return prove(partials, 2 * x, definitions=definitions, condition=f"n = {n}")


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
        partials,
        x.applyfunc(sp.sign),
        definitions=definitions,
        condition=rf"n = {n},\ \text{{all }} x_i \ne 0",
    )
    left, right = _one_sided_derivatives_at_zero(sp.Abs)
    return KinkDerivative(proof, left, right, convention=sp.S.Zero, sympy_at_zero=sp.sign(0))


_n = sp.Symbol("n", integer=True, positive=True)
_k, _i = sp.Symbol("k", integer=True), sp.Symbol("i", integer=True)
_xs = sp.IndexedBase(r"\mathbf{x}", real=True)
_SPACE = IndexSpace(sizes=(_n,), ranges={_k: (1, _n)}, screen_sizes=((4,), (3,), (5,), (2,)))


def a8_grad_l2_squared_general() -> Proof:
    """A8 for every size n: d ||x||_2^2 / dx_k = 2 x_k, with ||x||_2^2 = sum_i x_i^2."""
    norm = sp.Sum(_xs[_i] ** 2, (_i, 1, _n))
    partial = display_function(
        "dl2", r"\frac{{\partial \|\mathbf{{x}}\|_2^2}}{{\partial \mathbf{{x}}_{{{0}}}}}"
    )
    return prove_general(
        partial(_k),
        2 * _xs[_k],
        _SPACE,
        definitions={partial: lambda a: sp.Derivative(norm, _xs[a])},
        where=((sp.Symbol(r"\|\mathbf{x}\|_2^2"), norm),),
    )


def a9_grad_l1_general() -> Proof:
    """A9 for every size n: d ||x||_1 / dx_k = sign(x_k), with ||x||_1 = sum_i |x_i|.

    SymPy differentiates |x_i| to sign(x_i) (A6's result, which holds for x_i != 0; at 0 the
    code's value is sign(0) = 0); what this proves for every n is that only the k-th term of
    the sum depends on x_k.
    """
    norm = sp.Sum(sp.Abs(_xs[_i]), (_i, 1, _n))
    partial = display_function(
        "dl1", r"\frac{{\partial \|\mathbf{{x}}\|_1}}{{\partial \mathbf{{x}}_{{{0}}}}}"
    )
    return prove_general(
        partial(_k),
        sp.sign(_xs[_k]),
        _SPACE,
        definitions={partial: lambda a: sp.Derivative(norm, _xs[a])},
        where=((sp.Symbol(r"\|\mathbf{x}\|_1"), norm),),
    )
