r"""Check your own answer to a question of the homework: proved for every size, or wrong with a
counterexample and the mistake named.

``check(question_id, answer)`` takes an ID (``A3``, ``B7``, ``B9.W2``, ..., ``B18.b2``; see
:data:`QUESTIONS` or ``python -m mlp check --list``) and an answer:

- a formula as text in the chapters' notation, e.g. ``"grad_ha[j] * x[i]"``, read safely
  (never run);
- a SymPy expression written with the question's names;
- a Python function with the package's names for its arguments, checked numerically.

and returns a :class:`CheckResult`: ``proved`` (for every size, exactly, as ``mlp prove``
proves the book's own answers), ``wrong`` (a counterexample: sizes, the entries that differ
and by how much, and a diagnosis), ``convention`` (right wherever the derivative exists, another
value at a kink than the book's) or ``undecided`` (no proof and no counterexample, or out of
time: undecided is not wrong).

Modules, one idea each
----------------------
notation           the names a formula may use: arrays with shapes, scalars, letters, functions
formula            reading a formula safely: a whitelist of syntax and names, then parse_expr
indices            static checks of a formula's indices: ranges, free indices, sums
questions          what a question is: the quantity, the book's answer, the anticipated mistakes
network_names      Part B's vocabulary at each level of the forward pass
network_questions  how a Part B question is built from a few facts
part_a             the questions A1 to A9
part_b_forward     the questions B1 to B5
part_b_output      the questions B6 to B12: the gradient of a mean, the output layer
part_b_hidden      the questions B13 to B18: the hidden layer, the input, the elastic net
registry           every question in reading order, by ID
result             the verdicts, counterexamples and diagnoses, printed in plain words
index_route        checking an index formula for every size
scalar_route       checking a function of x (Part A) or a count in the sizes (B5)
diagnose           naming the mistake: the catalogue first, then what the numbers show
numeric            checking a Python function against finite differences and the package
core               ``check``, under a time limit
"""

from __future__ import annotations

from mlp.check.core import DEFAULT_TIME_LIMIT, check
from mlp.check.notation import FormulaError
from mlp.check.questions import Mistake, Question
from mlp.check.registry import QUESTIONS, question, question_ids
from mlp.check.result import STATUS, VERDICTS, CheckResult, Counterexample, Entry

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "QUESTIONS",
    "STATUS",
    "VERDICTS",
    "CheckResult",
    "Counterexample",
    "Entry",
    "FormulaError",
    "Mistake",
    "Question",
    "check",
    "question",
    "question_ids",
]
