"""Wall time per statement of chosen functions, measured by instrumenting their source.

``profile_lines(run, functions)`` rewrites each function from its own source: every simple
statement (an assignment, a call, a ``return``...; the statements inside loops and branches
too) is framed by two readings of ``time.perf_counter``, and the difference is added to that
statement's line. The rewritten functions are installed where the originals are looked up
(the class of a method, the module of a function) while ``run()`` runs, and put back
afterwards. Nothing else is slowed down: numpy and the functions called from a statement run
at full speed, and their time counts in the statement that calls them. A statement that calls
one of the profiled functions (found by name in its source) includes that function's time
and is marked ``calls_profiled``: ``LineProfile.exclusive()`` leaves such lines out, so that
its times add up to the run's, but for the headers of loops and branches, not timed.

Reading the clock costs a little: ``profile_lines`` measures that cost on trivial statements,
instrumented the same way, and ``LineProfile.per_call`` subtracts it from every hit. Only
plain functions and methods can be rewritten (no closures, no ``super()``, no generators).
"""

from __future__ import annotations

import ast
import inspect
import math
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FunctionType
from typing import Any

import numpy as np

from mlp import checks

__all__ = ["LineProfile", "LineTime", "profile_lines"]

_CLOCK, _RECORD, _START, _RESULT = "_mlp_clock", "_mlp_record", "_mlp_start", "_mlp_result"


@dataclass(frozen=True)
class LineTime:
    """One statement of a profiled function: where it is, its first line of text, how often
    it ran, its total time, and whether it calls a profiled function (whose time it then
    includes)."""

    function: str
    lineno: int
    source: str
    hits: int
    seconds: float
    calls_profiled: bool = False


@dataclass(frozen=True)
class LineProfile:
    """The statements of the profiled functions that ran, in source order, the cost of the
    clock readings per hit (``overhead``), the time of the fastest run as a whole and, with
    ``profile_lines(..., compare=True)``, of the fastest run without instrumentation
    (``plain_seconds``, else None)."""

    lines: tuple[LineTime, ...]
    overhead: float
    run_seconds: float
    plain_seconds: float | None = None

    def line(self, function: str, text: str) -> LineTime:
        """The statement of ``function`` (its ``__qualname__``) whose text contains ``text``."""
        found = [r for r in self.lines if r.function == function and text in r.source]
        if len(found) != 1:
            raise ValueError(
                f"expected one line of {function} containing {text!r}, found {len(found)}"
            )
        return found[0]

    def per_call(self, row: LineTime, calls: int) -> float:
        """Seconds ``row`` took per call of its function (``calls`` calls), the clock's cost
        per hit subtracted (never below 0)."""
        return max(row.seconds - row.hits * self.overhead, 0.0) / calls

    def of(self, function: str) -> list[LineTime]:
        """The statements of ``function`` that ran, in source order."""
        return [r for r in self.lines if r.function == function]

    def exclusive(self) -> list[LineTime]:
        """The statements that call no profiled function: each moment counts once."""
        return [r for r in self.lines if not r.calls_profiled]


class _Recorder:
    """Total seconds and hits per statement line; called by the rewritten functions."""

    def __init__(self) -> None:
        self.seconds: dict[int, float] = {}
        self.hits: dict[int, int] = {}

    def __call__(self, line: int, seconds: float) -> None:
        self.seconds[line] = self.seconds.get(line, 0.0) + seconds
        self.hits[line] = self.hits.get(line, 0) + 1


def _calls_one_of(node: ast.AST, names: set[str]) -> bool:
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            f = call.func
            if (isinstance(f, ast.Name) and f.id in names) or (
                isinstance(f, ast.Attribute) and f.attr in names
            ):
                return True
    return False


class _Instrument(ast.NodeTransformer):
    """Frames every simple statement of a function body with two clock readings."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.timed: dict[int, bool] = {}  # line -> calls a profiled function

    def _frame(self, statement: ast.stmt) -> list[ast.stmt]:
        line = statement.lineno
        self.timed[line] = _calls_one_of(statement, self.names)
        start = ast.parse(f"{_START} = {_CLOCK}()").body
        record = ast.parse(f"{_RECORD}({line}, {_CLOCK}() - {_START})").body
        if isinstance(statement, ast.Return):
            value = statement.value or ast.Constant(None)
            keep = ast.Assign([ast.Name(_RESULT, ast.Store())], value, lineno=line)
            done = ast.Return(ast.Name(_RESULT, ast.Load()))
            framed = [*start, keep, *record, done]
        else:
            framed = [*start, statement, *record]
        return [ast.copy_location(node, statement) for node in framed]

    def _body(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for statement in statements:
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                out.append(statement)  # a docstring
            elif isinstance(statement, ast.For | ast.While | ast.If | ast.With | ast.Try):
                for field in ("body", "orelse", "finalbody"):
                    if hasattr(statement, field):
                        setattr(statement, field, self._body(getattr(statement, field)))
                for handler in getattr(statement, "handlers", []):
                    handler.body = self._body(handler.body)
                out.append(statement)
            elif isinstance(statement, ast.Pass | ast.Break | ast.Continue | ast.Raise):
                out.append(statement)
            else:
                out.extend(self._frame(statement))
        return out or [ast.Pass()]


def _rewrite(
    function: FunctionType, names: set[str], recorder: _Recorder
) -> tuple[FunctionType, dict[int, bool]]:
    """``function`` with its statements timed into ``recorder``; the timed lines."""
    if function.__code__.co_freevars or inspect.isgeneratorfunction(function):
        raise TypeError(f"cannot profile {function.__qualname__}: a closure or a generator")
    source, first = inspect.getsourcelines(function)
    tree = ast.parse(textwrap.dedent("".join(source)))
    definition = tree.body[0]
    if not isinstance(definition, ast.FunctionDef):
        raise TypeError(f"cannot profile {function.__qualname__}: not a plain def")
    ast.increment_lineno(tree, first - 1)
    definition.decorator_list = []
    definition.returns = None
    for argument in ast.walk(definition.args):
        if isinstance(argument, ast.arg):
            argument.annotation = None
    instrument = _Instrument(names)
    definition.body = instrument._body(definition.body)
    # the clock and the recorder reach the function as closure cells, so that its globals
    # stay its module's own (it then calls the rewritten versions of other profiled functions)
    factory = ast.FunctionDef(
        name="_mlp_factory",
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(_CLOCK), ast.arg(_RECORD)],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        body=[definition, ast.Return(ast.Name(definition.name, ast.Load()))],
        decorator_list=[],
    )
    module = ast.Module(body=[factory], type_ignores=[])
    ast.copy_location(factory, definition)
    ast.fix_missing_locations(module)
    namespace: dict[str, Any] = {}
    exec(compile(module, inspect.getsourcefile(function) or "<profiled>", "exec"), namespace)
    inner = namespace["_mlp_factory"](time.perf_counter, recorder)
    rewritten = FunctionType(
        inner.__code__,
        function.__globals__,
        function.__name__,
        function.__defaults__,
        inner.__closure__,
    )
    rewritten.__kwdefaults__ = function.__kwdefaults__
    rewritten.__qualname__ = function.__qualname__
    return rewritten, instrument.timed


def _owner(function: FunctionType) -> tuple[Any, str]:
    """Where ``function`` is looked up: its class (a method) or its module's namespace."""
    *path, name = function.__qualname__.split(".")
    if "<locals>" in path:
        raise TypeError(f"cannot profile {function.__qualname__}: defined inside a function")
    owner: Any = function.__globals__
    for part in path:
        owner = owner[part] if isinstance(owner, dict) else getattr(owner, part)
    found = owner.get(name) if isinstance(owner, dict) else vars(owner).get(name)
    if found is not function:
        raise TypeError(f"cannot profile {function.__qualname__}: not found where it is defined")
    return owner, name


def _install(owner: Any, name: str, value: Any) -> None:
    if isinstance(owner, dict):
        owner[name] = value
    else:
        setattr(owner, name, value)


def _trivial(n: int) -> int:
    """Trivial statements: what framing one statement with two clock readings costs."""
    a = b = c = 0
    for _ in range(n):
        a = 1
        b = 2
        c = 3
    return a + b + c


def _one_run(
    run: Callable[[], Any], functions: Sequence[FunctionType]
) -> tuple[list[tuple[FunctionType, dict[int, bool], _Recorder]], float]:
    names = {f.__name__ for f in functions}
    installed = []
    try:
        for function in functions:
            recorder = _Recorder()
            rewritten, timed = _rewrite(function, names, recorder)
            owner, name = _owner(function)
            _install(owner, name, rewritten)
            installed.append((function, timed, recorder, owner, name))
        start = time.perf_counter()
        run()
        seconds = time.perf_counter() - start
    finally:
        for function, _, _, owner, name in installed:
            _install(owner, name, function)
    return [(f, timed, recorder) for f, timed, recorder, _, _ in installed], seconds


def _clock_cost() -> float:
    """Seconds a framed trivial statement records: the cost of the clock readings."""
    recorder = _Recorder()
    trivial, _ = _rewrite(_trivial, set(), recorder)  # type: ignore[arg-type]
    trivial(5_000)
    first = _trivial.__code__.co_firstlineno
    body = [first + k for k in (4, 5, 6)]  # a = 1, b = 2, c = 3
    return float(np.median([recorder.seconds[k] / recorder.hits[k] for k in body]))


def profile_lines(
    run: Callable[[], Any],
    functions: Sequence[Callable[..., Any]],
    *,
    repeats: int = 1,
    compare: bool = False,
) -> LineProfile:
    """Call ``run()`` ``repeats`` times with ``functions`` rewritten to time each of their
    statements (see the module docstring); each statement keeps its smallest time over the
    repetitions, the usual defence of a timing against a busy machine. With ``compare``,
    each instrumented run is followed by one of ``run()`` as it is, timed as a whole, so that
    the two are measured side by side (``LineProfile.plain_seconds``: the fastest).

    Returns a ``LineProfile``: one ``LineTime`` per statement that ran (function
    ``__qualname__``, first line number and text, hits per repetition, seconds) and the
    clock's cost per hit. The functions are restored even if ``run`` raises.
    """
    if not callable(run):
        raise TypeError(f"run must be callable, got {type(run).__name__}")
    repeats = checks.positive_int("repeats", repeats)
    targets = []
    for function in functions:
        if not isinstance(function, FunctionType):
            raise TypeError(f"cannot profile {function!r}: not a Python function")
        targets.append(function)
    runs, plain = [], []
    for _ in range(repeats):
        runs.append(_one_run(run, targets))
        if compare:  # right after, so that both see the machine in the same state
            start = time.perf_counter()
            run()
            plain.append(time.perf_counter() - start)
    lines = []
    for index, function in enumerate(targets):
        source, first = inspect.getsourcelines(function)
        recorders = [records[index][2] for records, _ in runs]
        timed = runs[0][0][index][1]
        for lineno in sorted(recorders[0].hits):
            text = source[lineno - first].strip()
            seconds = min(r.seconds.get(lineno, math.inf) for r in recorders)
            row = LineTime(
                function.__qualname__,
                lineno,
                text,
                recorders[0].hits[lineno],
                seconds,
                timed[lineno],
            )
            lines.append(row)
    fastest = min(seconds for _, seconds in runs)
    return LineProfile(tuple(lines), _clock_cost(), fastest, min(plain) if plain else None)
