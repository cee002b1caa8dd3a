"""Every question the checker knows, in reading order, by ID (``A1`` ... ``B18.b2``)."""

from __future__ import annotations

from mlp.check import part_a, part_b_forward, part_b_hidden, part_b_output
from mlp.check.questions import Question

__all__ = ["QUESTIONS", "question", "question_ids"]

QUESTIONS: tuple[Question, ...] = (
    *part_a.QUESTIONS,
    *part_b_forward.QUESTIONS,
    *part_b_output.QUESTIONS,
    *part_b_hidden.QUESTIONS,
)
"""Every question, in reading order (A1 to A9, then B1 to B18)."""

_BY_ID = {q.id.upper(): q for q in QUESTIONS}


def question_ids() -> tuple[str, ...]:
    """Every question's ID, in reading order."""
    return tuple(q.id for q in QUESTIONS)


def question(question_id: str) -> Question:
    """The question with this ID (case-insensitive); ValueError naming the known IDs."""
    if not isinstance(question_id, str):
        raise TypeError(f"a question ID is text such as 'B15.W1', got {type(question_id).__name__}")
    found = _BY_ID.get(question_id.strip().upper())
    if found is None:
        close = [q.id for q in QUESTIONS if q.id.split(".")[0] == question_id.strip().upper()]
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise ValueError(
            f"unknown question {question_id!r}{hint}; choose from {', '.join(question_ids())}"
        )
    return found
