"""The elementary functions of the homework written like the math, as SymPy expressions.

Activations (sigmoid, tanh, softplus, rect and the SymPy function :class:`Rect`, rect'),
absolute value and indicators by cases, one-hot vectors, softmax, log-sum-exp, log-softmax, the
L1 and squared L2 norms and the gradient of a scalar; also the small helpers the other modules
share (checks of labels and sizes, real "display" symbols named by their LaTeX) and the type
aliases ``Expr`` and ``Side``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices import MatrixBase

Expr = sp.Expr
Side = Any  # a SymPy scalar expression, an explicit Matrix or a matrix expression (MatMul, ...)


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


# --- display symbols, shared by Part A and the network ----------------------------------------


def _display(name: str) -> sp.Symbol:
    """A real symbol whose name is the LaTeX it displays as."""
    return sp.Symbol(name, real=True)


def _partials(numerator: str, wrt: MatrixBase) -> sp.ImmutableMatrix:
    """Display symbols d(numerator)/d(w) for every entry w of ``wrt``; same shape."""
    return sp.ImmutableMatrix(
        wrt.shape[0],
        wrt.shape[1],
        [_display(rf"\frac{{\partial {numerator}}}{{\partial {sp.latex(w)}}}") for w in wrt],
    )
