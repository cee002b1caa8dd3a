"""Wall time per source line of chosen functions, measured by a line tracer.

``profile_lines(run, functions)`` calls ``run()`` once under ``sys.settrace``. In the frames
of ``functions`` (and only there) the tracer reads ``time.perf_counter()`` at each new line
and charges the time since the previous reading of the same frame to the previous line, so
that a line's time includes everything it calls that is not traced (numpy, ``np.outer``,
``mlp.functions.softmax``). A traced function called from a traced line is timed line by line
in its own rows *and* as a whole in the caller's line, which is marked ``calls_traced``:
``LineProfile.exclusive()`` leaves such lines out, so that its times add up to the run's.

A tracer costs time itself: about a microsecond per line, charged to the line it follows.
``profile_lines`` measures that cost on a function of trivial lines, traced the same way,
and reports it (``overhead``); ``LineProfile.per_call`` subtracts it from every hit. The
tracer also calls into Python once per untraced Python function called, which is left in
the figures: ``traced_seconds`` against ``plain_seconds`` (the same run untraced, if given)
says how much the tracing inflated the whole.
"""

from __future__ import annotations

import inspect
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

import numpy as np

from mlp import checks

__all__ = ["LineProfile", "LineTime", "profile_lines"]


@dataclass(frozen=True)
class LineTime:
    """One line of a traced function: where it is, its text, how often and how long it ran,
    and whether it calls a traced function (its time then includes that function's lines)."""

    function: str
    lineno: int
    source: str
    hits: int
    seconds: float
    calls_traced: bool = False


@dataclass(frozen=True)
class LineProfile:
    """The lines of the traced functions, in source order, and the tracer's cost per line."""

    lines: tuple[LineTime, ...]
    overhead: float
    traced_seconds: float

    def line(self, function: str, text: str) -> LineTime:
        """The line of ``function`` (its ``__qualname__``) whose source contains ``text``."""
        found = [r for r in self.lines if r.function == function and text in r.source]
        if len(found) != 1:
            raise ValueError(
                f"expected one line of {function} containing {text!r}, found {len(found)}"
            )
        return found[0]

    def per_call(self, row: LineTime, calls: int) -> float:
        """Seconds ``row`` took per call of its function (``calls`` calls), the tracer's
        cost per hit subtracted (never below 0)."""
        return max(row.seconds - row.hits * self.overhead, 0.0) / calls

    def of(self, function: str) -> list[LineTime]:
        """The lines of ``function`` that ran, in source order."""
        return [r for r in self.lines if r.function == function]

    def exclusive(self) -> list[LineTime]:
        """The lines that call no traced function: each moment of the run counts once."""
        return [r for r in self.lines if not r.calls_traced]


class _Tracer:
    """Charges to each line of the target code objects the time until the next line."""

    def __init__(self, codes: dict[CodeType, str]) -> None:
        self.codes = codes
        self.hits: dict[tuple[CodeType, int], int] = {}
        self.seconds: dict[tuple[CodeType, int], float] = {}
        self.last: dict[int, tuple[tuple[CodeType, int], float]] = {}  # frame id -> line, t
        self.nested: set[tuple[CodeType, int]] = set()  # lines that call a traced function

    def _charge(self, frame: FrameType, now: float) -> None:
        previous = self.last.pop(id(frame), None)
        if previous is not None:
            key, start = previous
            self.seconds[key] = self.seconds.get(key, 0.0) + now - start
            self.hits[key] = self.hits.get(key, 0) + 1

    def local(self, frame: FrameType, event: str, arg: Any) -> Any:
        now = time.perf_counter()
        self._charge(frame, now)
        if event == "line":
            self.last[id(frame)] = ((frame.f_code, frame.f_lineno), time.perf_counter())
        return self.local

    def call(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code in self.codes:
            caller = self.last.get(id(frame.f_back)) if frame.f_back is not None else None
            if caller is not None:
                self.nested.add(caller[0])
            return self.local
        return None


def _trivial(n: int) -> int:
    """A function of trivial lines: what tracing one line costs, nearly nothing else."""
    a = b = c = 0
    for _ in range(n):
        a = 1
        b = 2
        c = 3
        a = 4
        b = 5
        c = 6
    return a + b + c


def _traced(run: Callable[[], Any], codes: dict[CodeType, str]) -> tuple[_Tracer, float]:
    tracer = _Tracer(codes)
    previous = sys.gettrace()
    start = time.perf_counter()
    sys.settrace(tracer.call)
    try:
        run()
    finally:
        sys.settrace(previous)
    return tracer, time.perf_counter() - start


def profile_lines(
    run: Callable[[], Any], functions: Sequence[Callable[..., Any]], *, repeats: int = 1
) -> LineProfile:
    """Call ``run()`` ``repeats`` times, timing every line of ``functions`` (functions or
    methods); each line keeps its smallest total over the repetitions, the usual defence of a
    timing against a busy machine (a line is never faster than its cost, often slower).

    Returns a ``LineProfile``: one ``LineTime`` per line that ran (function ``__qualname__``,
    line number, stripped source, hits per repetition, seconds including the tracer's cost)
    and the tracer's cost per line hit, measured on a function of trivial lines.
    ``traced_seconds`` is the fastest traced repetition as a whole.
    """
    if not callable(run):
        raise TypeError(f"run must be callable, got {type(run).__name__}")
    repeats = checks.positive_int("repeats", repeats)
    codes: dict[CodeType, str] = {}
    for function in functions:
        code = getattr(inspect.unwrap(function), "__code__", None)
        if code is None:
            raise TypeError(f"cannot trace {function!r}: not a Python function")
        codes[code] = function.__qualname__
    first = _trivial.__code__.co_firstlineno
    calibration, _ = _traced(lambda: _trivial(2_000), {_trivial.__code__: "_trivial"})
    body = [k for k in calibration.hits if first + 4 <= k[1] <= first + 9]  # a = 1 ... c = 6
    overhead = float(np.median([calibration.seconds[k] / calibration.hits[k] for k in body]))

    runs = [_traced(run, codes) for _ in range(repeats)]
    tracer = runs[0][0]
    lines = []
    for code, name in codes.items():
        source, start = inspect.getsourcelines(code)
        for key, hits in sorted(tracer.hits.items(), key=lambda item: item[0][1]):
            c, lineno = key
            if c is code:
                text = source[lineno - start].strip() if 0 <= lineno - start < len(source) else ""
                seconds = min(t.seconds.get(key, math.inf) for t, _ in runs)
                lines.append(LineTime(name, lineno, text, hits, seconds, key in tracer.nested))
    return LineProfile(tuple(lines), overhead, min(seconds for _, seconds in runs))
