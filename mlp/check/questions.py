"""What a question is: its ID, the quantity it asks for, the book's answer, the anticipated
mistakes (each with its diagnosis in words) and the setting the checker proves in.

A :class:`Question` is plain data (text) plus a function that builds its :class:`Setting`
(SymPy objects) on first use. The questions themselves are in :mod:`mlp.check.part_a` and
:mod:`mlp.check.part_b_forward`, :mod:`mlp.check.part_b_output` and
:mod:`mlp.check.part_b_hidden`; :mod:`mlp.check.registry`
lists them in reading order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from mlp.check.notation import Notation
from mlp.symbolic.indexed import IndexSpace

__all__ = ["Kink", "Mistake", "Question", "Setting"]


@dataclass(frozen=True)
class Mistake:
    """An anticipated wrong answer: ``formula`` (in the question's notation), a short
    ``key`` naming the mistake, and ``says``, the diagnosis shown when an answer is this
    formula (in any equivalent form)."""

    key: str
    formula: str
    says: str


@dataclass(frozen=True)
class Kink:
    """A kink of the question's function at 0 (A6, A7, A9): the one-sided derivatives
    ``left`` and ``right`` (any value between them is a subgradient) and the book's value
    ``convention`` there."""

    left: Any
    right: Any
    convention: Any


@dataclass(frozen=True)
class Setting:
    """The SymPy side of a question, built on first use.

    ``lhs``: the quantity asked for (a derivative, a forward-pass value...), as the prover
    takes it. Index questions (``space`` set): ``free`` are the target's free indices in
    order, ``definitions(sides)`` gives the definitions the sides need (the network's at the
    question's level, and the question's own); ``unshown`` are free indices the target's name
    does not show (B6 checks dR/dtheta with theta = b2_k); ``hidden_units`` says whether the
    hidden units' states matter (levels params and ha); ``spelled`` renames sizes and indices
    in counterexamples the question's way (``{"K": "n"}``), and ``scope``, when set, says what
    a proof covers in the question's words. Scalar questions (``variable`` set): the
    variable, whether the identity holds for every real value or away from 0, and the kink.
    Count questions: ``variables`` are the sizes.
    """

    notation: Notation
    lhs: sp.Expr
    space: IndexSpace | None = None
    free: tuple[sp.Symbol, ...] = ()
    definitions: Callable[[Sequence[sp.Basic]], Mapping[Any, Any]] = lambda sides: {}
    variable: sp.Symbol | None = None
    variables: tuple[sp.Symbol, ...] = ()
    kink: Kink | None = None
    hidden_units: bool = False
    unshown: tuple[sp.Symbol, ...] = ()
    spelled: Mapping[str, str] = field(default_factory=dict)
    scope: str = ""


@dataclass(frozen=True)
class Question:
    """One quantity of the homework the reader can check (see the module doc).

    ``id``: ``A3``, ``B9.W2``...; ``chapter``: the chapter's label (``b09``); ``asks``: the
    quantity in words; ``target``: how it is written (``dL/dW2[k, j]``); ``answer``: the
    book's answer and ``equivalent`` the same written another way; ``example``: a formula in
    the question's notation that shows the syntax without being the answer; ``mistakes``:
    the anticipated wrong answers; ``route``: ``index`` (proved for every size),
    ``scalar`` (a function of one real variable) or ``count`` (a polynomial in the sizes);
    ``numeric``: the arrays a Python function answering it receives, by name (see
    :mod:`mlp.check.numeric`), empty when the question has no numeric form.
    """

    id: str
    chapter: str
    asks: str
    target: str
    answer: str
    equivalent: str
    example: str
    mistakes: tuple[Mistake, ...]
    build: Callable[[], Setting] = field(repr=False, compare=False)
    route: str = "index"
    numeric: str = ""

    def setting(self) -> Setting:
        """The SymPy setting (built once)."""
        return _setting(self)

    def mistake(self, key: str) -> Mistake:
        """The anticipated mistake named ``key``."""
        for mistake in self.mistakes:
            if mistake.key == key:
                return mistake
        raise KeyError(f"{self.id} has no mistake {key!r}")


_SETTINGS: dict[str, Setting] = {}


def _setting(question: Question) -> Setting:
    if question.id not in _SETTINGS:
        _SETTINGS[question.id] = question.build()
    return _SETTINGS[question.id]
