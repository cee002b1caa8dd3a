r"""Checking a function of one real variable (Part A) or a count in the sizes (B5).

**Scalar questions** (A1 to A7): the answer and the quantity asked for are compared at a few
points (0 included when the identity holds there), then proved with :func:`mlp.symbolic.prove`'s
exact routes (no numeric route: a proof here is exact or absent). For a derivative with a kink
at 0 (A6, A7) the identity is proved for x != 0, and the answer's value at 0 is then compared
with the one-sided derivatives: the book's value (proved), another value between them (a
different *convention*), undefined or outside them (wrong).

**Count questions** (B5): a polynomial in the sizes d, d_h, m, compared at a few sizes and
proved equal to the count derived from the arrays' shapes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import sympy as sp

from mlp.check.formula import read
from mlp.check.questions import Question, Setting
from mlp.check.result import CheckResult, Counterexample, Entry
from mlp.symbolic.prover import _evaluate, _substitute, prove
from mlp.symbolic.results import IdentityError

__all__ = ["check_count", "check_scalar"]

POINTS = (-2.5, -1.3, -0.4, 0.3, 0.9, 1.7, 3.2)
"""Where a scalar answer is compared first (0 is added when the identity holds at 0)."""

MORE_POINTS = tuple(round(-4 + 0.37 * n, 2) for n in range(23))
SIZES = ((2, 3, 4), (1, 1, 1), (5, 2, 3), (3, 4, 2), (784, 100, 10))
"""Where a count is compared: (d, d_h, m)."""

EXACT = ("identical", "cancel", "cases", "simplify", "rewrite(exp)", "expand_log", "refine")


def _value(e: sp.Basic, at: dict[Any, Any]) -> float:
    try:
        value = complex(sp.N(e.subs(at), 30))
    except (TypeError, ValueError, ZeroDivisionError):
        return math.nan
    if abs(value.imag) > 1e-12 or not math.isfinite(value.real):
        return math.nan
    return value.real


def _differ(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return not (math.isnan(a) and math.isnan(b))
    return abs(a - b) > 1e-12 * max(1.0, abs(a), abs(b))


def _common(question: Question, expr: sp.Expr, text: str) -> dict[str, str]:
    return {"question": question.id, "target": question.target, "answer": text or sp.sstr(expr)}


def _catalogue(
    question: Question, setting: Setting, rights: Sequence[float], points: Sequence[dict]
) -> Any:
    for mistake in question.mistakes:
        other = read(mistake.formula, setting.notation)
        other = _evaluate(other, setting.definitions([other]), None)
        if not any(_differ(_value(other, p), r) for p, r in zip(points, rights, strict=True)):
            return mistake
    return None


def _generic(
    question: Question, lefts: Sequence[float], rights: Sequence[float], xs: Sequence[float]
) -> tuple[str, str]:
    pairs = [(a, b, x) for a, b, x in zip(lefts, rights, xs, strict=True) if abs(a) > 1e-12]
    if pairs and all(not _differ(b, -a) for a, b, _ in pairs):
        return "sign flipped", f"the sign is flipped: your formula is -({question.target})"
    for factor, words in ((2.0, "twice"), (0.5, "half of")):
        if pairs and all(not _differ(b, factor * a) for a, b, _ in pairs):
            return f"factor {factor:g}", f"your formula is {words} {question.target}"
    positive = [not _differ(a, b) for a, b, x in zip(lefts, rights, xs, strict=True) if x > 0]
    negative = [not _differ(a, b) for a, b, x in zip(lefts, rights, xs, strict=True) if x < 0]
    if positive and negative and all(positive) and not any(negative):
        return "right for x > 0 only", "your formula is right for x > 0 and wrong for x < 0"
    if positive and negative and all(negative) and not any(positive):
        return "right for x < 0 only", "your formula is right for x < 0 and wrong for x > 0"
    return "unknown", (
        "no anticipated mistake matches this answer: compare the values above with your derivation"
    )


def _wrong(
    question: Question,
    setting: Setting,
    right: sp.Basic,
    points: Sequence[dict],
    lefts: Sequence[float],
    rights: Sequence[float],
    labels: Sequence[str],
    common: dict[str, str],
    start: float,
    xs: Sequence[float] = (),
    unit: str = "values of x",
) -> CheckResult:
    differing = [
        Entry(label, a, b)
        for label, a, b in zip(labels, lefts, rights, strict=True)
        if _differ(a, b)
    ]
    mistake = _catalogue(question, setting, rights, points)
    if mistake is not None:
        keys, sentences = (mistake.key,), (mistake.says,)
    elif xs:
        key, sentence = _generic(question, lefts, rights, xs)
        keys, sentences = (key,), (sentence,)
    else:
        keys, sentences = ("unknown",), ("no anticipated mistake matches this answer",)
    return CheckResult(
        **common,
        verdict="wrong",
        detail=f"it differs from {question.target} at the values below",
        counterexample=Counterexample("", tuple(differing), len(differing), len(labels), unit=unit),
        diagnosis=sentences,
        mistakes=keys,
        seconds=time.perf_counter() - start,
    )


def check_scalar(
    question: Question, setting: Setting, expr: sp.Expr, text: str, start: float
) -> CheckResult:
    """Check a formula in one real variable ``x`` (see the module doc)."""
    x = setting.variable
    assert x is not None
    common = _common(question, expr, text)
    definitions = setting.definitions([setting.lhs, expr])
    left = _evaluate(setting.lhs, definitions, None)
    right = _evaluate(expr, definitions, None)
    xs = POINTS if setting.kink is not None else (*POINTS, 0.0)
    for n, values in enumerate((xs, MORE_POINTS)):
        values = tuple(v for v in values if setting.kink is None or v != 0)
        points = [{x: sp.Float(v, 30)} for v in values]
        lefts = [_value(left, p) for p in points]
        rights = [_value(right, p) for p in points]
        if any(_differ(a, b) for a, b in zip(lefts, rights, strict=True)):
            labels = [f"x = {v:g}" for v in values]
            return _wrong(
                question, setting, right, points, lefts, rights, labels, common, start, values
            )
        if n == 0:
            try:
                proof = prove(
                    setting.lhs, expr, definitions=definitions, routes=EXACT, scope="general"
                )
            except IdentityError:
                continue  # no exact route: look further for a counterexample
            written = _substitute(expr, definitions)  # no doit: sign(x) stays sign(x) at 0
            return _at_kink(question, setting, written, proof, common, start)
    return CheckResult(
        **common,
        verdict="undecided",
        detail=(
            f"no counterexample at {len(POINTS) + len(MORE_POINTS)} values of x, but no exact "
            "route proved it (undecided is not wrong)"
        ),
        seconds=time.perf_counter() - start,
    )


def _at_kink(
    question: Question,
    setting: Setting,
    right: sp.Basic,
    proof: Any,
    common: dict[str, str],
    start: float,
) -> CheckResult:
    kink = setting.kink
    seconds = time.perf_counter() - start
    if kink is None:
        return CheckResult(
            **common,
            verdict="proved",
            scope="real x",
            route=proof.route,
            seconds=seconds,
            proof=proof,
        )
    at_zero = _value(right, {setting.variable: 0})
    low, high = sorted((float(kink.left), float(kink.right)))
    convention = float(kink.convention)
    if not math.isnan(at_zero) and at_zero == convention:
        return CheckResult(
            **common,
            verdict="proved",
            scope=f"real x != 0, with the book's value {convention:g} at 0",
            route=proof.route,
            seconds=seconds,
            proof=proof,
        )
    away = f"Your formula equals {question.target} for every x != 0"
    if math.isnan(at_zero):
        verdict, key = "wrong", "undefined at a kink"
        detail = "it is undefined at x = 0"
        says = (
            f"{away}, but it is undefined at x = 0 (it divides by zero there), and the code "
            f"needs a value at that point: any value in [{low:g}, {high:g}] is a "
            f"subgradient, and the book and the code use {convention:g}."
        )
    elif low <= at_zero <= high:
        verdict, key = "convention", "kink"
        detail = "it differs from the book only at the kink x = 0"
        says = (
            f"{away}; at x = 0, where the derivative does not exist, it gives {at_zero:g}. Any "
            f"value in [{low:g}, {high:g}] is a subgradient there, so this is a different "
            f"convention, not a wrong derivative; the book and the code use {convention:g}."
        )
    else:
        verdict, key = "wrong", "not a subgradient at the kink"
        detail = "its value at the kink x = 0 is not a subgradient"
        says = (
            f"{away}, but at x = 0 it gives {at_zero:g}, outside [{low:g}, {high:g}], the "
            f"slopes between the one-sided derivatives; the book and the code use {convention:g}."
        )
    return CheckResult(
        **common,
        verdict=verdict,
        detail=detail,
        diagnosis=(says,),
        mistakes=(key,),
        seconds=seconds,
    )


def check_count(
    question: Question, setting: Setting, expr: sp.Expr, text: str, start: float
) -> CheckResult:
    """Check a polynomial in the sizes against the count from the arrays' shapes."""
    common = _common(question, expr, text)
    variables = setting.variables
    left = _evaluate(setting.lhs, {}, None)
    points = [dict(zip(variables, sizes, strict=True)) for sizes in SIZES]
    lefts = [_value(left, p) for p in points]
    rights = [_value(expr, p) for p in points]
    if any(_differ(a, b) for a, b in zip(lefts, rights, strict=True)):
        labels = [", ".join(f"{sp.sstr(k)} = {v}" for k, v in p.items()) for p in points]
        return _wrong(
            question, setting, expr, points, lefts, rights, labels, common, start, unit="sizes"
        )
    try:
        proof = prove(setting.lhs, expr, routes=("identical", "cancel"), scope="general")
    except IdentityError as error:
        return CheckResult(
            **common,
            verdict="undecided",
            detail=f"equal at {len(SIZES)} sizes, not proved: {error}",
            seconds=time.perf_counter() - start,
        )
    return CheckResult(
        **common,
        verdict="proved",
        scope="size d, d_h, m >= 1",
        route=proof.route,
        seconds=time.perf_counter() - start,
        proof=proof,
    )
