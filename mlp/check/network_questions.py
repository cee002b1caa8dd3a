"""How a Part B question is built: its setting at a level of the network, from a few facts.

:func:`network_question` turns the data of a question (its ID, the quantity, the book's answer,
the anticipated mistakes) and where it lives (the level, one example or a minibatch, the
gradients it takes as known) into a :class:`~mlp.check.questions.Question` whose setting
proves in the network of :mod:`mlp.symbolic.index_network`, as the chapters' general proofs do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sympy as sp

from mlp.check.network_names import network_notation
from mlp.check.notation import Array
from mlp.check.questions import Mistake, Question, Setting
from mlp.symbolic import index_network as N
from mlp.symbolic.part_b_general import network_definitions

__all__ = ["ONE_OVER_K_TWICE", "RECT_MISSING", "T_SUM_MISSING", "mistakes", "network_question"]


def mistakes(*rows: tuple[str, str, str]) -> tuple[Mistake, ...]:
    """Mistakes from (key, formula, diagnosis) rows."""
    return tuple(Mistake(key, formula, says) for key, formula, says in rows)


def network_question(
    id: str,
    chapter: str,
    asks: str,
    target: str,
    answer: str,
    equivalent: str,
    example: str,
    wrong: tuple[Mistake, ...],
    *,
    lhs: Callable[[], sp.Expr],
    indices: tuple[sp.Symbol, ...],
    level: str,
    batch: bool = False,
    known: Iterable[str] = (),
    lambdas: bool = False,
    drop: Iterable[str] = (),
    extra: Callable[[], Iterable[Array]] = tuple,
    own: Callable[[], Mapping[Any, Any]] = dict,
    only_m: bool = False,
    label: bool = True,
    renamed: Mapping[str, Any] | None = None,
    unshown: tuple[sp.Symbol, ...] = (),
    spelled: Mapping[str, str] | None = None,
    scope: str = "",
    numeric: str = "",
) -> Question:
    """A Part B question proved at ``level`` (see the module doc).

    ``lhs`` builds the quantity asked for; ``indices`` are its free indices; ``own`` builds the
    question's own definitions (of ``lhs`` when it is not a gradient of the network);
    ``label``: whether the label y is drawn (one example); ``only_m``: the output layer alone;
    ``renamed``: names spelled the question's way; ``unshown``: free indices the target's name
    does not show; ``spelled`` and ``scope``: see :class:`~mlp.check.questions.Setting`.
    """
    known, drop = tuple(known), tuple(drop)

    def build() -> Setting:
        notation = network_notation(level, batch, known, lambdas, drop, extra(), renamed)
        if not batch and not label:  # the label plays no part
            scalars = {n: v for n, v in notation.scalars.items() if n != "y"}
            notation = dataclasses.replace(notation, scalars=scalars, labels={})
        space = N.space(*indices, batch=batch, only_m=only_m)
        if not batch and not label:
            ranges = {s: r for s, r in space.ranges.items() if s != N.y}
            space = dataclasses.replace(space, ranges=ranges)
        definitions = dict(own())
        return Setting(
            notation=notation,
            lhs=lhs(),
            space=space,
            free=indices,
            definitions=lambda sides: network_definitions(sides, level, batch, definitions),
            hidden_units=level in ("params", "ha") and not only_m,
            unshown=unshown,
            spelled=dict(spelled or {}),
            scope=scope,
        )

    return Question(
        id, chapter, asks, target, answer, equivalent, example, wrong, build, "index", numeric
    )


# --- diagnoses shared by several questions ---------------------------------------------------

RECT_MISSING = (
    "the rectifier's derivative is missing: h^s_j = rect(h^a_j), so the gradient reaching "
    "h^a_j is dL/dh^s_j rect'(h^a_j), with rect'(z) = 1{{z > 0}}; your formula differs exactly "
    "where h^a_j < 0, where no gradient passes{extra}"
)
ONE_OVER_K_TWICE = (
    "the 1/K is applied twice: G_oa = (O^s - Y)/K already holds the 1/K of the mean over the "
    "minibatch, and every gradient computed from it inherits it; do not divide by K again"
)
T_SUM_MISSING = (
    "the sum over the examples is missing: each example t contributes to this gradient, "
    "so it is Sum(..., (t, 1, K)) of the per-example products"
)
