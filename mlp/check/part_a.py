r"""The questions of Part A, A1 to A9, with their anticipated mistakes.

A1 to A7 ask for a function of one real variable ``x`` (a rewriting, or a derivative); the
reader answers with the functions the question is about (``tanh`` for A1, ``softplus`` for A2,
``sigmoid`` for A3...) but not with the one being asked for. A6 and A7 are derivatives with a
kink at 0: the answer must equal the derivative for x != 0, and its value at 0 is compared with
the one-sided derivatives and the book's choice there (0). A8 and A9 ask for the gradient of a
norm of a vector ``x`` with n entries, entry k, for every n.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from mlp.check.network_questions import mistakes
from mlp.check.notation import FUNCTIONS, Array, Notation, index_letters
from mlp.check.questions import Kink, Mistake, Question, Setting
from mlp.symbolic.functions import absolute, rect, tanh
from mlp.symbolic.indexed import display_function
from mlp.symbolic.part_a import _PART_A_DEFINITIONS, _SPACE, _Rect, _Sigmoid, _Softplus

__all__ = ["QUESTIONS"]

_x = sp.Symbol("x", real=True)
_x_nonzero = sp.Symbol("x", real=True, nonzero=True)
_BASIC = ("exp", "log", "sqrt")
_HYPERBOLIC = ("sinh", "cosh")
_STEPS = ("sign", "Abs", "abs", "Heaviside", "indicator")


def _notation(x: sp.Symbol, names: tuple[str, ...]) -> Notation:
    own = {
        "sigmoid": _Sigmoid,
        "softplus": _Softplus,
        "tanh": sp.tanh,
        "sinh": sp.sinh,
        "cosh": sp.cosh,
    }
    functions = {n: own[n] if n in own else FUNCTIONS[n] for n in names}
    return Notation(arrays={}, scalars={"x": x}, indices={}, functions=functions)


def _scalar(
    id: str,
    asks: str,
    target: str,
    answer: str,
    equivalent: str,
    example: str,
    wrong: tuple[Mistake, ...],
    *,
    lhs: Callable[[sp.Symbol], sp.Expr],
    names: tuple[str, ...],
    definitions: dict[Any, Any] = _PART_A_DEFINITIONS,
    kink: Kink | None = None,
) -> Question:
    def build() -> Setting:
        x = _x if kink is None else _x_nonzero
        return Setting(
            notation=_notation(x, names),
            lhs=lhs(x),
            definitions=lambda sides: definitions,
            variable=x,
            kink=kink,
        )

    chapter = f"a0{id[1]}"
    return Question(id, chapter, asks, target, answer, equivalent, example, wrong, build, "scalar")


A1 = _scalar(
    "A1",
    "the sigmoid written with tanh",
    "sigmoid(x)",
    "(tanh(x/2) + 1) / 2",
    "1/2 + tanh(x/2)/2",
    "3 * tanh(2*x) - 1",
    mistakes(
        (
            "argument of tanh",
            "(tanh(x) + 1) / 2",
            "the argument of tanh is x/2, not x: tanh(x/2) = (e^{x/2} - e^{-x/2}) / "
            "(e^{x/2} + e^{-x/2}), and multiplying by e^{x/2} gives the sigmoid",
        ),
        (
            "factor 1/2 missing",
            "tanh(x/2) + 1",
            "the factor 1/2 is missing: tanh(x/2) + 1 runs from 0 to 2, the sigmoid from 0 to 1",
        ),
    ),
    lhs=lambda x: _Sigmoid(x),
    names=("tanh", *_BASIC),
)

A2 = _scalar(
    "A2",
    "log sigmoid(x) written with softplus",
    "log(sigmoid(x))",
    "-softplus(-x)",
    "-log(1 + exp(-x))",
    "2 * softplus(3*x)",
    mistakes(
        (
            "argument of softplus",
            "-softplus(x)",
            "the argument of softplus is -x: log sigmoid(x) = -log(1 + e^{-x})",
        ),
        (
            "sign flipped",
            "softplus(-x)",
            "the sign is flipped: log sigmoid(x) < 0 since sigmoid(x) < 1, while softplus > 0",
        ),
    ),
    lhs=lambda x: sp.log(_Sigmoid(x)),
    names=("softplus", *_BASIC),
)

A3 = _scalar(
    "A3",
    "the derivative of the sigmoid, written with the sigmoid",
    "sigmoid'(x)",
    "sigmoid(x) * (1 - sigmoid(x))",
    "exp(-x) / (1 + exp(-x))**2",
    "sigmoid(2*x)**3",
    mistakes(
        (
            "sign in the second factor",
            "sigmoid(x) * (1 + sigmoid(x))",
            "the second factor is 1 - sigmoid(x): e^{-x} / (1 + e^{-x}) = 1 - sigmoid(x)",
        ),
        (
            "sign flipped",
            "-exp(-x) / (1 + exp(-x))**2",
            "the sign is flipped: the derivative of 1/u is -u'/u^2 and u' = -e^{-x}, so the "
            "two minus signs cancel (the sigmoid increases)",
        ),
        (
            "square",
            "sigmoid(x)**2",
            "sigmoid(x)^2 is not the derivative: e^{-x} / (1 + e^{-x})^2 = sigmoid(x) (1 - "
            "sigmoid(x))",
        ),
    ),
    lhs=lambda x: sp.Derivative(_Sigmoid(x), x),
    names=("sigmoid", *_BASIC),
)

A4 = _scalar(
    "A4",
    "the derivative of tanh, written with tanh",
    "tanh'(x)",
    "1 - tanh(x)**2",
    "4 / (exp(x) + exp(-x))**2",
    "2 * tanh(x/2)**3",
    mistakes(
        (
            "sign of tanh^2",
            "1 + tanh(x)**2",
            "the sign of the tanh^2 term: the quotient rule gives ((e^x + e^{-x})^2 - "
            "(e^x - e^{-x})^2) / (e^x + e^{-x})^2 = 1 - tanh^2",
        ),
        ("square missing", "1 - tanh(x)", "tanh is squared: tanh' = 1 - tanh^2"),
    ),
    lhs=lambda x: sp.Derivative(sp.tanh(x), x),
    names=("tanh", *_HYPERBOLIC, *_BASIC),
    definitions={sp.tanh: tanh},
)

A5 = _scalar(
    "A5",
    "sign(x) written with indicator functions",
    "sign(x)",
    "indicator(x > 0) - indicator(x < 0)",
    "Heaviside(x, 0) - Heaviside(-x, 0)",
    "indicator(x >= 1) + 2 * indicator(x < -1)",
    mistakes(
        (
            "non-strict inequality",
            "indicator(x > 0) - indicator(x <= 0)",
            "at x = 0: sign(0) = 0, and your formula gives -1; both indicators must be strict",
        ),
        (
            "negative part missing",
            "indicator(x > 0)",
            "for x < 0, sign(x) = -1: the term -1{x < 0} is missing",
        ),
    ),
    lhs=lambda x: sp.sign(x),
    names=("indicator", "Heaviside"),
)

A6 = _scalar(
    "A6",
    "the derivative of |x|, for x != 0, and the value the code returns at 0",
    "abs'(x)",
    "sign(x)",
    "indicator(x > 0) - indicator(x < 0)",
    "2 * Heaviside(x - 1, 0)",
    mistakes(
        (
            "right for x > 0 only",
            "1",
            "for x < 0, |x| = -x has derivative -1: your formula is right for x > 0 only",
        ),
        ("abs itself", "Abs(x)", "that is |x| itself, not its derivative"),
    ),
    lhs=lambda x: sp.Derivative(sp.Abs(x), x),
    names=_STEPS,
    definitions={sp.Abs: absolute},
    kink=Kink(-1, 1, 0),
)

A7 = _scalar(
    "A7",
    "the derivative of rect(x) = max(0, x), for x != 0, and the value the code returns at 0",
    "rect'(x)",
    "indicator(x > 0)",
    "Heaviside(x, 0)",
    "indicator(x < 2) * 3",
    mistakes(
        (
            "rect itself",
            "x * indicator(x > 0)",
            "that is rect(x) itself, x 1{x > 0}, not its derivative",
        ),
        (
            "constant 1",
            "1",
            "for x < 0, rect(x) = 0 is constant, so its derivative is 0: your formula is "
            "right for x > 0 only",
        ),
    ),
    lhs=lambda x: sp.Derivative(_Rect(x), x),
    names=_STEPS,
    definitions={**_PART_A_DEFINITIONS, _Rect: rect},
    kink=Kink(0, 1, 0),
)

# --- A8 and A9: gradients of norms, every size n --------------------------------------------

_n = _SPACE.sizes[0]
_k = next(iter(_SPACE.ranges))
_xs = sp.IndexedBase(r"\mathbf{x}", real=True)
_l2 = display_function("dl2", r"\frac{{\partial \|\mathbf{{x}}\|_2^2}}{{\partial x_{{{0}}}}}")
_l1 = display_function("dl1", r"\frac{{\partial \|\mathbf{{x}}\|_1}}{{\partial x_{{{0}}}}}")


def _norm(
    id: str,
    asks: str,
    target: str,
    answer: str,
    equivalent: str,
    example: str,
    wrong: tuple[Mistake, ...],
    partial: type[sp.Function],
    term: Callable[[sp.Expr], sp.Expr],
) -> Question:
    def build() -> Setting:
        i = sp.Symbol("i", integer=True)
        norm = sp.Sum(term(_xs[i]), (i, 1, _n))
        notation = Notation(
            arrays={"x": Array("x", (_n,), lambda a: _xs[a], "the vector's entries", ("k",))},
            scalars={"n": _n},
            indices=index_letters(k=_k),
            functions={n: FUNCTIONS[n] for n in ("Sum", "KroneckerDelta", *_BASIC, *_STEPS)},
            sizes={"n": _n},
        )
        own = {partial: lambda a: sp.Derivative(norm, _xs[a])}
        return Setting(
            notation=notation,
            lhs=partial(_k),
            space=_SPACE,
            free=(_k,),
            definitions=lambda sides: own,
        )

    return Question(id, f"a0{id[1]}", asks, target, answer, equivalent, example, wrong, build)


A8 = _norm(
    "A8",
    "entry k of the gradient of ||x||_2^2 = sum_i x_i^2, for every size n",
    "d||x||_2^2/dx[k]",
    "2 * x[k]",
    "x[k] + x[k]",
    "Sum(x[i]**3, (i, 1, n)) - x[k]",
    mistakes(
        ("factor 2 missing", "x[k]", "the power rule: d(x_k^2)/dx_k = 2 x_k"),
        (
            "sum kept",
            "2 * Sum(x[i], (i, 1, n))",
            "only the term i = k of the sum depends on x_k: the others are constants",
        ),
    ),
    _l2,
    lambda v: v**2,
)

A9 = _norm(
    "A9",
    "entry k of the gradient of ||x||_1 = sum_i |x_i|, for every size n, with the code's "
    "value where x_k = 0",
    "d||x||_1/dx[k]",
    "sign(x[k])",
    "indicator(x[k] > 0) - indicator(x[k] < 0)",
    "Sum(Abs(x[i]), (i, 1, n)) * x[k]",
    mistakes(
        (
            "right for x_k > 0 only",
            "1",
            "for x_k < 0, |x_k| = -x_k has derivative -1: the answer is sign(x_k)",
        ),
        (
            "sum kept",
            "Sum(sign(x[i]), (i, 1, n))",
            "only the term i = k of the sum depends on x_k: the others are constants",
        ),
    ),
    _l1,
    sp.Abs,
)

QUESTIONS = (A1, A2, A3, A4, A5, A6, A7, A8, A9)
"""Part A's questions, in reading order."""
