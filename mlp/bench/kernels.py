"""Small numpy statements timed side by side, and whether each is bound by moving data.

``time_side_by_side(kernels)`` times a few statements (callables without arguments) in
turns: every repetition calls each statement ``number`` times in a row, the order of the
statements rotating from one repetition to the next, so that a busy phase of the machine
slows them alike. It returns a ``SideBySide`` with the seconds per call of every statement in
every repetition; ``median`` gives a statement's median over the repetitions and ``ratio``
the median over the repetitions of the ratio of two statements' times (a *same-run ratio*).

``bound_by(seconds_per_byte, copy_seconds_per_byte)`` compares a statement's time per byte it
reads and writes with a plain copy's: the copy does nothing but move data, so a statement
that takes about as long per byte moved is bound by moving data; one that takes much longer
spends its time computing. ``BOUND_RULE`` states the bands in both languages.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from mlp import checks
from mlp.prose import french_number

__all__ = [
    "BOUND_RULE",
    "BOUND_WORDS",
    "COMPUTING",
    "MOVING",
    "Bound",
    "SideBySide",
    "bound_by",
    "time_side_by_side",
]

MOVING = 1.25
"""At most this many times a copy's time per byte moved: bound by moving data."""
COMPUTING = 2.0
"""More than this many times a copy's time per byte moved: bound by computing."""

Bound = Literal["moving data", "computing", "both"]

BOUND_WORDS: dict[str, dict[Bound, str]] = {
    "en": {"moving data": "moving data", "computing": "computing", "both": "both"},
    "fr": {
        "moving data": "le déplacement des données",
        "computing": "le calcul",
        "both": "les deux",
    },
}
"""The verdicts of ``bound_by`` as the prose says them, by language."""

BOUND_RULE = {
    "en": f"a statement is bound by moving data when its time per byte it reads and writes is "
    f"at most {MOVING:g} times that of a copy, bound by computing when it is more than "
    f"{COMPUTING:g} times, and by both in between",
    "fr": f"une instruction est limitée par le déplacement des données quand son temps par "
    f"octet lu et écrit vaut au plus {french_number(f'{MOVING:g}')} fois celui d'une copie, "
    f"par le calcul quand il en vaut plus de {french_number(f'{COMPUTING:g}')} fois, et par "
    "les deux entre ces bornes",
}
"""The rule of ``bound_by`` in words, for a chapter to glue where it applies it."""


def bound_by(seconds_per_byte: float, copy_seconds_per_byte: float) -> Bound:
    """``"moving data"``, ``"computing"`` or ``"both"``: a statement's time per byte moved
    against a copy's, by the bands ``MOVING`` and ``COMPUTING``."""
    statement = checks.finite_number("seconds_per_byte", seconds_per_byte, positive=True)
    copy = checks.finite_number("copy_seconds_per_byte", copy_seconds_per_byte, positive=True)
    ratio = statement / copy
    if ratio <= MOVING:
        return "moving data"
    if ratio > COMPUTING:
        return "computing"
    return "both"


@dataclass(frozen=True)
class SideBySide:
    """Seconds per call of each statement, one value per repetition, in the same order."""

    seconds: Mapping[str, tuple[float, ...]]

    def median(self, name: str) -> float:
        """Median seconds per call of ``name`` over the repetitions."""
        return float(np.median(self._of(name)))

    def ratio(self, a: str, b: str) -> float:
        """Median over the repetitions of a's time over b's, both taken in the same one."""
        return float(np.median(np.divide(self._of(a), self._of(b))))

    def _of(self, name: str) -> tuple[float, ...]:
        if name not in self.seconds:
            raise KeyError(f"no statement {name!r} was timed; timed: {sorted(self.seconds)}")
        return self.seconds[name]


def time_side_by_side(
    kernels: Mapping[str, Callable[[], Any]], *, repeats: int = 15, number: int = 200
) -> SideBySide:
    """Time each statement ``number`` times in a row, all statements in turns, ``repeats``
    times (the order rotating); the garbage collector is off while a statement is timed.
    Each statement is called once before the timing starts (first calls allocate)."""
    if not kernels:
        raise ValueError("kernels must hold at least one statement to time")
    for name, kernel in kernels.items():
        if not callable(kernel):
            raise TypeError(f"kernel {name!r} must be callable, got {type(kernel).__name__}")
    repeats = checks.positive_int("repeats", repeats)
    number = checks.positive_int("number", number)
    names = list(kernels)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for kernel in kernels.values():
        kernel()
    enabled = gc.isenabled()
    try:
        gc.disable()
        for repeat in range(repeats):
            shift = repeat % len(names)
            for name in names[shift:] + names[:shift]:
                kernel = kernels[name]
                start = time.perf_counter()
                for _ in range(number):
                    kernel()
                seconds[name].append((time.perf_counter() - start) / number)
    finally:
        if enabled:
            gc.enable()
    return SideBySide({name: tuple(values) for name, values in seconds.items()})
