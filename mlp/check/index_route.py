r"""Checking a formula in index notation: proved for every size, or wrong with a counterexample.

The answer and the quantity asked for go through the same steps as a proof of the book
(:mod:`mlp.symbolic.indexed`): the definitions are substituted and the derivative evaluated;
the screen's configurations (:mod:`mlp.symbolic.screen`) look for a counterexample; then the
normal form of the difference decides. What this module adds is what a reader needs around
that:

- the indices are checked first (:mod:`mlp.check.indices`): a formula whose indices cannot be
  right is wrong, whatever its algebra;
- a counterexample shows every entry of the quantity at the configuration where the answer
  fails, not one number, and the diagnosis (:mod:`mlp.check.diagnose`) says what they show;
- a difference made only of terms at a kink (a step's value at 0) is reported as a different
  *convention*, and a formula that divides by zero at a kink (``W / |W|``) as undefined there;
- no counterexample and no proof is *undecided*, after a wider search (more configurations,
  other seeds) has found no counterexample: never called wrong without one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import sympy as sp

from mlp.check.diagnose import Table, diagnose, kink_sentences, tables_at
from mlp.check.indices import Finding, check_indices
from mlp.check.questions import Question, Setting
from mlp.check.result import CheckResult
from mlp.symbolic.indexed import IndexSpace, exact_difference, prepare
from mlp.symbolic.normal_form import normal_form
from mlp.symbolic.results import IdentityError
from mlp.symbolic.screen import OutOfRange, at_configurations, differ, screen_count
from mlp.symbolic.steps import away_from_kinks

__all__ = ["check_index", "scope_text"]

EXTRA_SEEDS = (1, 2, 3)
"""Seeds of the wider search for a counterexample, before an answer is called undecided."""


def scope_text(space: IndexSpace, free: Sequence[sp.Symbol]) -> str:
    """``d, d_h, m >= 1, every j in 1..d_h and i in 1..d, every label y in 1..m``."""
    sizes = ", ".join(sp.sstr(s) for s in space.sizes)
    parts = [f"size {sizes} >= 1"]
    indices = [
        f"{sp.sstr(s)} in {sp.sstr(lo)}..{sp.sstr(hi)}" for s, (lo, hi) in space.ranges.items()
    ]
    if indices:
        parts.append("every " + " and ".join(indices))
    for base, hi in space.labels.items():
        parts.append(f"labels {sp.sstr(base)}[t] in 1..{sp.sstr(hi)}")
    return ", ".join(parts)


def free_ranges(question: Question, setting: Setting) -> dict[str, tuple[Any, Any]]:
    """The letters of the quantity asked for, with their ranges (for the index checks)."""
    assert setting.space is not None
    shown = [s for s in setting.free if s not in setting.unshown]
    return {sp.sstr(s): setting.space.ranges[s] for s in shown}


def _first_difference(
    left: sp.Basic, right: sp.Basic, setting: Setting, seeds: Sequence[int], count: int
) -> Table | None:
    """The first configuration (over ``seeds``) where the sides differ, as a full table."""
    assert setting.space is not None
    for seed in seeds:
        for configuration, sample in at_configurations(setting.space, count, seed):
            try:
                values = sample.value(left), sample.value(right)
            except OutOfRange:
                continue
            if differ(*values):
                return Table.build(configuration, sample, left, right, setting)
    return None


def check_index(
    question: Question, setting: Setting, expr: sp.Expr, text: str, start: float
) -> CheckResult:
    """Check answer ``expr`` (read from ``text``, or given as SymPy when ``text`` is "")."""
    space = setting.space
    assert space is not None
    findings: list[Finding] = []
    if text:
        findings = check_indices(
            text, setting.notation, free_ranges(question, setting), question.target
        )
    definitions = setting.definitions([setting.lhs, expr])
    left, right = prepare(setting.lhs, expr, definitions)
    common = {"question": question.id, "target": question.target, "answer": text or sp.sstr(expr)}
    count = screen_count(space)
    table = None
    if not any(f.key == "free index" for f in findings):
        table = _first_difference(left, right, setting, (0,), count)
    if table is not None or findings:
        return _wrong(question, setting, left, right, table, findings, common, start)
    try:
        difference = exact_difference(left, right, space)
    except IdentityError as error:  # a denominator not shown positive
        return _denominators(question, setting, expr, text, left, common, start, str(error))
    if difference == 0:
        return CheckResult(
            **common,
            verdict="proved",
            scope=setting.scope or scope_text(space, setting.free),
            route="sum normal form",
            seconds=time.perf_counter() - start,
        )
    if normal_form(away_from_kinks(difference)) == 0:
        keys, sentences = kink_sentences(question, setting, expr, text, difference)
        return CheckResult(
            **common,
            verdict="convention",
            detail="it differs from the derivative only where a kink argument is 0",
            diagnosis=sentences,
            mistakes=keys,
            seconds=time.perf_counter() - start,
        )
    table = _first_difference(left, right, setting, EXTRA_SEEDS, 2 * count)
    if table is not None:
        return _wrong(question, setting, left, right, table, [], common, start)
    searched = (1 + len(EXTRA_SEEDS) * 2) * count
    return CheckResult(
        **common,
        verdict="undecided",
        detail=(
            f"no counterexample at {searched} configurations of sizes and entries, but SymPy "
            "could not bring the difference to 0 (undecided is not wrong)"
        ),
        diagnosis=(
            "Write it closer to the chapter's notation (products of entries, sums over "
            "1..size) and check again.",
        ),
        seconds=time.perf_counter() - start,
    )


def _wrong(
    question: Question,
    setting: Setting,
    left: sp.Basic,
    right: sp.Basic,
    table: Table | None,
    findings: list[Finding],
    common: dict[str, str],
    start: float,
) -> CheckResult:
    tables = tables_at(setting, left, right, table)
    keys, sentences = diagnose(question, setting, right, tables, findings)
    if table is None:
        detail = "its indices cannot be right for every size"
    else:
        detail = f"it differs from {question.target} at the sizes and values below"
    return CheckResult(
        **common,
        verdict="wrong",
        detail=detail,
        counterexample=None if table is None else table.counterexample(),
        diagnosis=sentences,
        mistakes=keys,
        seconds=time.perf_counter() - start,
    )


def _repair_abs(e: sp.Expr) -> sp.Expr:
    """``e`` with |z| = z sign(z) and 1/sign(z) = sign(z): equal to ``e`` wherever z != 0."""
    e = e.replace(lambda u: isinstance(u, sp.Abs), lambda u: u.args[0] * sp.sign(u.args[0]))
    return e.replace(
        lambda u: isinstance(u, sp.Pow) and isinstance(u.base, sp.sign) and u.exp.is_negative,
        lambda u: u.base ** (-u.exp),
    )


def _denominators(
    question: Question,
    setting: Setting,
    expr: sp.Expr,
    text: str,
    left: sp.Basic,
    common: dict[str, str],
    start: float,
    reason: str,
) -> CheckResult:
    """A denominator that may be 0: right away from the kinks but undefined there, or
    undecided."""
    assert setting.space is not None
    repaired = _repair_abs(expr)
    if repaired != expr:
        _, right = prepare(setting.lhs, repaired, setting.definitions([setting.lhs, repaired]))
        try:
            difference = exact_difference(left, right, setting.space)
        except IdentityError:
            difference = None
        if difference is not None and normal_form(away_from_kinks(difference)) == 0:
            zeros = [sp.sstr(a.args[0]) for a in expr.atoms(sp.Abs)]
            where = _kink_text(text, ("Abs", "abs")) or ", ".join(zeros)
            sentence = (
                f"Your formula equals {question.target} wherever {where} != 0, but it is "
                f"undefined where {where} = 0 (it divides by zero there), and the code needs a "
                "value at that point. The absolute value has a kink at 0, where any value in "
                "[-1, 1] is a subgradient; the book and the code use sign(0) = 0, which "
                f"sign({where}) gives."
            )
            return CheckResult(
                **common,
                verdict="wrong",
                detail=f"it is undefined where {where} = 0",
                diagnosis=(sentence,),
                mistakes=("undefined at a kink",),
                seconds=time.perf_counter() - start,
            )
    return CheckResult(
        **common,
        verdict="undecided",
        detail=f"no counterexample found, but it cannot be proved: {reason}",
        seconds=time.perf_counter() - start,
    )


def _kink_text(text: str, functions: Sequence[str]) -> str:
    """The argument of the first call of one of ``functions`` in ``text`` ("" if none)."""
    import ast

    if not text:
        return ""
    for node in ast.walk(ast.parse(text.strip().replace("^", "**"), mode="eval")):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in functions and node.args:
                return ast.unparse(node.args[0])
    return ""
