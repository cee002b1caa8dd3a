r"""Saying why an answer is wrong: the anticipated mistakes first, then what the numbers show.

A wrong answer is evaluated, entry by entry, next to the quantity asked for, at the
configuration of its counterexample and at the screen's first configurations (:class:`Table`,
:func:`tables_at`). Then :func:`diagnose` says, in this order:

1. what the index checks found (:mod:`mlp.check.indices`);
2. the question's anticipated mistake that the answer *is*: a catalogued formula
   (:class:`~mlp.check.questions.Mistake`) with the same value (30 digits) at every entry of
   those configurations, or the same normal form where the answer cannot be evaluated there;
3. otherwise what the tables show: the sign flipped, a constant factor (K, 1/K, 2...: a 1/K
   missing or applied twice), or a difference exactly where hidden units are inactive
   (the rectifier's derivative missing);
4. otherwise that no anticipated mistake matches.

:func:`kink_sentences` words the *convention* verdict: right wherever the derivative exists,
another value where a kink argument is 0.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from mlp.check.formula import read
from mlp.check.indices import Finding
from mlp.check.questions import Question, Setting
from mlp.check.result import Counterexample, Entry
from mlp.symbolic.indexed import exact_difference, prepare
from mlp.symbolic.results import IdentityError
from mlp.symbolic.screen import (
    PATTERNS,
    Configuration,
    OutOfRange,
    Sample,
    all_indices,
    at_configurations,
    differ,
)
from mlp.symbolic.steps import kink_arguments

__all__ = ["Table", "diagnose", "kink_sentences", "tables_at"]

TABLES = 4
"""How many of the screen's configurations the diagnosis evaluates, besides the counterexample."""

_FACTORS: tuple[tuple[str, Any, str], ...] = (
    ("factor K", lambda s: s["K"], "{target} times K: the 1/K of the minibatch mean is missing"),
    (
        "factor 1/K",
        lambda s: 1 / s["K"],
        "{target} divided by K: the 1/K is applied twice (it is already in G_oa)",
    ),
    ("factor 2", lambda s: 2, "twice {target}"),
    ("factor 1/2", lambda s: sp.Rational(1, 2), "half of {target}"),
    ("factor K^2", lambda s: s["K"] ** 2, "{target} times K^2"),
)


@dataclass
class Row:
    """One entry: its free indices, the quantity's value, the answer's (NaN if undefined)."""

    indices: dict[sp.Symbol, int]
    expected: Any
    yours: Any


@dataclass
class Table:
    """Every entry of the quantity and of the answer at one configuration (one sample)."""

    configuration: Configuration
    sample: Sample
    rows: list[Row] = field(default_factory=list)
    spelled: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        configuration: Configuration,
        sample: Sample,
        left: sp.Basic,
        right: sp.Basic,
        setting: Setting,
    ) -> Table:
        assert setting.space is not None
        table = cls(configuration, sample, spelled=dict(setting.spelled))
        for indices in all_indices(setting.free, setting.space, configuration):
            expected = sample.value(left, indices)
            try:
                yours = sample.value(right, indices)
            except OutOfRange:
                yours = mpmath.nan
            table.rows.append(Row(indices, expected, yours))
        return table

    def differing(self) -> list[Row]:
        return [r for r in self.rows if differ(r.expected, r.yours)]

    def where(self) -> str:
        """The sizes and labels of the configuration (free indices are in the entries)."""
        values = {
            sp.sstr(k): v
            for k, v in self.configuration.values.items()
            if k not in self.sample.space.ranges or sp.sstr(k) == "y"
        }
        values.update(self.sample.labels())
        return ", ".join(f"{self.spell(k)} = {v}" for k, v in values.items())

    def spell(self, name: str) -> str:
        """A size or index as the question writes it (B6: K is n)."""
        return self.spelled.get(name, name)

    def hidden(self) -> str:
        states = self.sample.hidden_states()
        if not states:
            return ""
        on = [str(u) for u, active in states.items() if active]
        off = [str(u) for u, active in states.items() if not active]
        parts = []
        if on:
            parts.append(f"hidden unit{'s' if len(on) > 1 else ''} {', '.join(on)} active")
        if off:
            parts.append(f"{', '.join(off)} inactive (h^a < 0)")
        return "; ".join(parts)

    def counterexample(self) -> Counterexample:
        differing = self.differing()
        entries = tuple(
            Entry(
                ", ".join(f"{self.spell(sp.sstr(s))} = {v}" for s, v in r.indices.items()),
                float(r.expected),
                float(r.yours),
            )
            for r in differing
        )
        return Counterexample(self.where(), entries, len(differing), len(self.rows), self.hidden())


def tables_at(
    setting: Setting, left: sp.Basic, right: sp.Basic, first: Table | None
) -> list[Table]:
    """The counterexample's table and those of the screen's first :data:`TABLES`
    configurations (a configuration where the answer cannot be evaluated is left out)."""
    assert setting.space is not None
    tables = [first] if first is not None else []
    for configuration, sample in at_configurations(setting.space, TABLES, 0):
        try:
            tables.append(Table.build(configuration, sample, left, right, setting))
        except (OutOfRange, ValueError):
            continue
    return tables


def _same_values(tables: Sequence[Table], other: sp.Basic) -> bool | None:
    """Whether ``other`` has the answer's value at every entry of ``tables`` (None when it
    cannot be evaluated there)."""
    try:
        for table in tables:
            for row in table.rows:
                if differ(table.sample.value(other, row.indices), row.yours):
                    return False
    except (OutOfRange, ValueError):
        return None
    return True


def _catalogue(
    question: Question, setting: Setting, right: sp.Basic, tables: Sequence[Table]
) -> Any:
    """The anticipated mistake the answer is: the same value at every entry of the tables (at
    least two configurations), or, where the answer cannot be evaluated there (its indices
    out of range), the same normal form. None if no mistake matches."""
    assert setting.space is not None
    for mistake in question.mistakes:
        expr = read(mistake.formula, setting.notation)
        _, other = prepare(setting.lhs, expr, setting.definitions([setting.lhs, expr]))
        numeric = _same_values(tables, other) if len(tables) >= 2 else None
        if numeric is False:
            continue
        if numeric:
            return mistake
        try:
            if exact_difference(right, other, setting.space) == 0:
                return mistake
        except IdentityError:
            continue
    return None


def _ratio(table: Table) -> Any:
    """The constant ratio answer / quantity over the table's entries; "zero" when both are 0
    at every entry (the table says nothing); None when there is no constant ratio."""
    ratio = None
    for row in table.rows:
        if abs(row.expected) < 1e-12:
            if abs(row.yours) > 1e-12:
                return None
            continue
        r = row.yours / row.expected
        if ratio is None:
            ratio = r
        elif differ(r, ratio, tol=1e-15):
            return None
    return "zero" if ratio is None else ratio


def _sizes(table: Table) -> dict[str, Any]:
    return {sp.sstr(k): v for k, v in table.configuration.values.items()}


def _numbers(question: Question, setting: Setting, tables: Sequence[Table]) -> tuple[str, str]:
    """(key, sentence) from the tables' numbers, or ("", "")."""
    target = question.target
    if not tables:
        return "", ""
    informative = [(t, r) for t in tables if (r := _ratio(t)) != "zero"]
    tables = [t for t, _ in informative]
    ratios = [r for _, r in informative]
    if ratios and all(r is not None for r in ratios):
        if all(not differ(r, -1, tol=1e-15) for r in ratios):
            return "sign flipped", f"the sign is flipped: your formula is -({target})"
        for key, factor, words in _FACTORS:
            try:
                expected = [factor(_sizes(t)) for t in tables]
            except KeyError:
                continue
            if all(
                not differ(r, mpmath.mpf(sp.N(e, 30)), tol=1e-15)
                for r, e in zip(ratios, expected, strict=True)
            ):
                return key, f"your formula is {words.format(target=target)}"
        if all(not differ(r, ratios[0], tol=1e-15) for r in ratios):
            return "constant factor", f"your formula is {float(ratios[0]):.4g} times {target}"
    if setting.hidden_units:
        sentence = _rectifier(question, setting, tables)
        if sentence:
            return "rectifier", sentence
    return "", ""


def _rectifier(question: Question, setting: Setting, tables: Sequence[Table]) -> str:
    active = [t for t in tables if t.configuration.pattern == PATTERNS[0]]
    mixed = [t for t in tables if t.configuration.pattern == PATTERNS[1]]
    if not active or not mixed or any(t.differing() for t in active):
        return ""
    if not any(t.differing() for t in mixed):
        return ""
    unit = next((s for s in setting.free if sp.sstr(s) == "j"), None)
    exactly = unit is not None and all(
        all(
            differ(r.expected, r.yours) == (not t.sample.hidden_states().get(r.indices[unit], True))
            for r in t.rows
            if abs(r.expected) > 1e-12 or abs(r.yours) > 1e-12
        )
        for t in mixed
    )
    where = (
        "exactly at the entries of the hidden units j that are inactive (h^a_j < 0)"
        if exactly
        else "when some hidden units are inactive (h^a_j < 0)"
    )
    return (
        f"your formula agrees with {question.target} when every hidden unit is active, "
        f"and differs {where}: the rectifier's derivative rect'(h^a_j) = 1{{h^a_j > 0}} is "
        "missing or misplaced"
    )


def diagnose(
    question: Question,
    setting: Setting,
    right: sp.Basic,
    tables: Sequence[Table],
    findings: Sequence[Finding],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(keys, sentences) saying why the answer (``right``, prepared) is wrong."""
    keys = [f.key for f in findings]
    sentences = [f.says for f in findings]
    mistake = _catalogue(question, setting, right, tables)
    if mistake is not None:
        return (mistake.key, *keys), (mistake.says, *sentences)
    key, sentence = _numbers(question, setting, tables)
    if key:
        return (*keys, key), (*sentences, sentence)
    if not keys:
        keys.append("unknown")
        sentences.append(
            "no anticipated mistake matches this answer: compare the entries above with your "
            "derivation, term by term"
        )
    return tuple(keys), tuple(sentences)


# --- the convention at a kink ---------------------------------------------------------------

_STEP_CALLS = ("Heaviside", "relu_prime", "rect_prime", "indicator", "sign", "Abs", "abs")


def _steps_written(text: str) -> list[tuple[str, str, str]]:
    """(spelling, argument, value at 0) for each step the answer writes, e.g.
    ("Heaviside(ha[j])", "ha[j]", "1/2")."""
    found: list[tuple[str, str, str]] = []
    tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args):
            continue
        name, first = node.func.id, node.args[0]
        argument, value = ast.unparse(first), None
        if name == "Heaviside":
            value = ast.unparse(node.args[1]) if len(node.args) > 1 else "1/2"
        elif name == "indicator" and isinstance(first, ast.Compare):
            argument = ast.unparse(first.left)
            value = "1" if isinstance(first.ops[0], ast.GtE | ast.LtE | ast.Eq) else "0"
        elif name in ("relu_prime", "rect_prime", "sign"):
            value = "0"
        if value is not None:
            found.append((ast.unparse(node), argument, value))
    return found


def kink_sentences(
    question: Question, setting: Setting, expr: sp.Expr, text: str, difference: sp.Basic
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words of the *convention* verdict (see the module doc)."""
    written = [w for w in (_steps_written(text) if text else []) if w[2] not in ("0", "0.0")]
    kinks = ", ".join(dict.fromkeys(argument for _, argument, _ in written)) or ", ".join(
        sp.sstr(a) for a in kink_arguments(difference)
    )
    where = ", ".join(f"{spelling} = {value}" for spelling, _, value in written)
    sentences = [
        f"Your formula equals {question.target} wherever the derivative exists; it differs "
        f"only where {kinks} = 0, at a kink, where the function has no derivative and any "
        "value between its one-sided derivatives would do.",
        (f"There your formula takes {where}; " if where else "There ")
        + "the book and the code use rect'(0) = 0 (write Heaviside(z, 0), relu_prime(z) or "
        "indicator(z > 0)) and sign(0) = 0: a different convention, not a wrong derivative.",
    ]
    return ("kink",), tuple(sentences)
