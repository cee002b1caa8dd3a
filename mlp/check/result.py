"""What a check returns: the verdict, the counterexample, the diagnosis, printed in plain words.

Verdicts (:data:`VERDICTS`) and the exit status of ``mlp check`` for each (:data:`STATUS`):

- ``proved`` (0): equal to the quantity asked for, for every size (or every real value),
  exactly, by the route named;
- ``agrees`` (0, Python functions only): equal to the package's gradient and to finite
  differences at the random networks tried; a numeric check, not a proof;
- ``wrong`` (1): a counterexample shows it (sizes, the entries that differ and by how much),
  or its indices cannot be right for every size; the diagnosis names the mistake when it is
  one the catalogue anticipates, or what the numbers show (a sign, a factor K, the hidden
  units where it differs);
- ``convention`` (1): equal wherever the derivative exists, different only at a kink (a
  pre-activation or a weight exactly 0) where the book and the code use another value; not
  the book's formula, but not a wrong derivative;
- ``undecided`` (3): no counterexample found and no proof (the normal form did not reach 0,
  or the time limit passed): undecided is not wrong.

A formula that cannot be read is not a result: it raises
:class:`~mlp.check.notation.FormulaError` (``mlp check`` exits with status 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["STATUS", "VERDICTS", "CheckResult", "Counterexample", "Entry"]

VERDICTS = ("proved", "agrees", "wrong", "convention", "undecided")
STATUS = {"proved": 0, "agrees": 0, "wrong": 1, "convention": 1, "undecided": 3}
_HEADLINE = {
    "proved": "PROVED",
    "agrees": "AGREES (a numeric check, not a proof)",
    "wrong": "WRONG",
    "convention": "RIGHT EXCEPT AT A KINK (not the book's convention)",
    "undecided": "UNDECIDED",
}
SHOWN = 6
"""How many differing entries a counterexample prints."""


def _number(value: float) -> str:
    if math.isnan(value):
        return "undefined (NaN)"
    if math.isinf(value):
        return "infinite"
    return f"{value:.6g}"


@dataclass(frozen=True)
class Entry:
    """One entry of the quantity: its indices (``j = 2, i = 1``; empty for a scalar), the
    value of the quantity asked for and the value of the answer."""

    index: str
    expected: float
    yours: float

    def line(self, target: str) -> str:
        where = f"at {self.index}: " if self.index else ""
        difference = self.yours - self.expected
        gap = "" if not math.isfinite(difference) else f" (difference {difference:+.3g})"
        return f"  {where}{target} = {_number(self.expected)}, yours = {_number(self.yours)}{gap}"


@dataclass(frozen=True)
class Counterexample:
    """Where an answer differs: the sizes, labels and values drawn (``where``), the hidden
    units' states when they were set (``hidden``), the differing entries (the first
    :data:`SHOWN`), and how many of the ``total`` entries (or values: ``unit``) differ."""

    where: str
    differing: tuple[Entry, ...]
    differ: int
    total: int
    hidden: str = ""
    unit: str = "entries"

    def lines(self, target: str) -> list[str]:
        head = "counterexample:" + (f" {self.where}" if self.where else "")
        if self.hidden:
            head += f"; {self.hidden}"
        lines = [head, *(e.line(target) for e in self.differing[:SHOWN])]
        if self.total > 1:
            lines.append(f"  ({self.differ} of {self.total} {self.unit} differ)")
        return lines


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`mlp.check.check` (see the module doc).

    ``mistakes`` holds the keys of the diagnoses (a catalogue key such as ``"1/K twice"``, or
    a generic one: ``"sign flipped"``, ``"factor K"``, ``"rectifier"``, ``"index range"``,
    ``"free index"``, ``"kink"``...), ``diagnosis`` the sentences; ``scope`` says what a
    proof covers; ``proof`` keeps the :class:`~mlp.symbolic.Proof` when there is one.
    """

    question: str
    target: str
    answer: str
    verdict: str
    detail: str = ""
    counterexample: Counterexample | None = None
    diagnosis: tuple[str, ...] = ()
    mistakes: tuple[str, ...] = ()
    scope: str = ""
    route: str = ""
    seconds: float = 0.0
    proof: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    def __bool__(self) -> bool:
        raise TypeError("a CheckResult is not a truth value: test .verdict or .status")

    @property
    def status(self) -> int:
        """The exit status of ``mlp check`` for this verdict (0, 1 or 3)."""
        return STATUS[self.verdict]

    @property
    def mistake(self) -> str:
        """The first diagnosis key ("" when none)."""
        return self.mistakes[0] if self.mistakes else ""

    def lines(self) -> list[str]:
        """The report, line by line, as ``mlp check`` prints it."""
        lines = [f"{self.question}: {self.target}", f"your answer: {self.answer}"]
        head = _HEADLINE[self.verdict]
        if self.verdict == "proved":
            head += f" for every {self.scope}" if self.scope else ""
            head += f" ({self.route}, {self.seconds:.1f} s)"
        elif self.detail:
            head += f": {self.detail}"
        lines.append(head)
        if self.counterexample is not None:
            lines.extend(self.counterexample.lines(self.target))
        for n, sentence in enumerate(self.diagnosis):
            lines.append(("diagnosis: " if n == 0 else "           ") + sentence)
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))
