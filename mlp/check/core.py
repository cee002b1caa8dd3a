"""``check(question_id, answer)``: the checker's one entry point, under a time limit.

The answer is a formula as text (read safely by :mod:`mlp.check.formula`), a SymPy expression
written with the question's names (the index checks then do not run), or a Python function
(checked numerically, :mod:`mlp.check.numeric`). The check runs under a time limit
(SIGALRM, as ``mlp prove``'s): past it, the result is *undecided*, "could not decide in N s",
never a hang. Results of text answers are remembered, so checking the same text twice costs
nothing (a chapter asserts the verdicts of the answers its page shows).
"""

from __future__ import annotations

import time
from typing import Any

import sympy as sp

from mlp.check.formula import read
from mlp.check.index_route import check_index
from mlp.check.notation import FormulaError
from mlp.check.registry import question
from mlp.check.result import CheckResult
from mlp.check.scalar_route import check_count, check_scalar
from mlp.symbolic.prover import OutOfTime, time_budget

__all__ = ["DEFAULT_TIME_LIMIT", "check"]

DEFAULT_TIME_LIMIT = 60.0
"""Seconds a check may take before it is reported undecided (the slowest proof takes a few)."""

_REMEMBERED: dict[tuple[str, str], CheckResult] = {}


def check(question_id: str, answer: Any, *, time_limit: float = DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check ``answer`` to question ``question_id`` (``"B15.W1"``, see ``mlp check --list``).

    Returns a :class:`~mlp.check.result.CheckResult`: proved for every size, wrong with a
    counterexample and a diagnosis, a different convention at a kink, or undecided (a Python
    function: agrees, wrong or convention; ``B10``, ``B16`` and ``B18`` also take a function
    returning a dict of gradients, see :mod:`mlp.check.numeric`). Raises
    :class:`~mlp.check.notation.FormulaError` for a formula that cannot be read or uses a name
    the question does not allow, ValueError for an unknown question, TypeError for an answer
    of another kind.
    """
    if not (isinstance(time_limit, int | float) and time_limit > 0):
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    if callable(answer) and not isinstance(answer, sp.Basic):
        from mlp.check.numeric import check_function

        return check_function(question_id, answer)
    q = question(question_id)
    if isinstance(answer, str):
        key = (q.id, " ".join(answer.split()))
        if key in _REMEMBERED:
            return _REMEMBERED[key]
    elif not isinstance(answer, sp.Expr):
        raise TypeError(
            "an answer is a formula as text, a SymPy expression or a Python function, "
            f"got {type(answer).__name__}"
        )
    start = time.perf_counter()
    setting = q.setting()
    text = answer if isinstance(answer, str) else ""
    expr = read(answer, setting.notation) if text else answer
    routes = {"index": check_index, "scalar": check_scalar, "count": check_count}
    own: float | None = None
    try:
        with time_budget(time_limit) as own:
            result = routes[q.route](q, setting, expr, text.strip(), start)
    except (FormulaError, KeyboardInterrupt):
        raise
    except OutOfTime as expired:
        if expired.deadline != own:
            raise  # an enclosing limit
        return CheckResult(
            question=q.id,
            target=q.target,
            answer=text.strip() or sp.sstr(expr),
            verdict="undecided",
            detail=f"could not decide in {time_limit:g} s (undecided is not wrong)",
            seconds=time.perf_counter() - start,
        )
    except Exception as error:  # a formula the checker cannot handle is not judged wrong
        return CheckResult(
            question=q.id,
            target=q.target,
            answer=text.strip() or sp.sstr(expr),
            verdict="undecided",
            detail=(
                f"the checker could not handle this formula ({type(error).__name__}: "
                f"{' '.join(str(error).split())[:200]}); undecided is not wrong"
            ),
            seconds=time.perf_counter() - start,
        )
    if text:
        _REMEMBERED[(q.id, " ".join(text.split()))] = result
    return result
