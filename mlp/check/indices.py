r"""Static checks of a formula's indices, before any algebra: ranges, free indices, sums.

Every array has a shape (``W2`` is m x d_h: its first index runs over 1..m, its second over
1..d_h) and every index letter of a formula has a range: the question's free indices theirs
(j in 1..d_h for dL/dh^a_j), a summation index the limits of its ``Sum``, the label y the
classes 1..m. :func:`check_indices` reads the formula's syntax tree and reports, in words:

- an index whose range is not the range of the slot it fills (``grad_oa[j]`` with j in
  1..d_h, when grad_oa has m entries: swapped indices, or a matrix not transposed), with a
  special word for indices counted from 0 (``(k, 0, m - 1)``, Python's numbering);
- a free index that the quantity asked for does not have (``t`` left unsummed in a minibatch
  gradient: a forgotten ``Sum(..., (t, 1, K))``).

A formula with such a finding cannot be right for every size: it is wrong however its algebra
turns out (the checker still looks for a numeric counterexample to show).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from mlp.check.notation import Notation

__all__ = ["Finding", "check_indices"]

Range = tuple[Any, Any]


@dataclass(frozen=True)
class Finding:
    """A problem with a formula's indices: a short ``key`` and what it ``says``."""

    key: str
    says: str


def check_indices(
    text: str, notation: Notation, free: Mapping[str, Range], target: str
) -> list[Finding]:
    """The findings for formula ``text`` (already accepted by :func:`mlp.check.formula.read`).

    ``free`` maps the letters of the quantity asked for to their ranges (``{"j": (1, d_h)}``);
    ``target`` names that quantity in messages (``dL/dW1[j, i]``).
    """
    tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    walker = _Walker(notation, free, target)
    walker.visit(tree.body, {})
    return list(dict.fromkeys(walker.findings))


class _Walker:
    def __init__(self, notation: Notation, free: Mapping[str, Range], target: str) -> None:
        self.notation, self.free, self.target = notation, free, target
        self.findings: list[Finding] = []

    def value(self, node: ast.AST) -> Any:
        """The SymPy value of a limit made of numbers and sizes (None if anything else)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return sp.Integer(node.value)
        if isinstance(node, ast.Name) and node.id in self.notation.scalars:
            return self.notation.scalars[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.value(node.operand)
            return None if inner is None else -inner
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
            left, right = self.value(node.left), self.value(node.right)
            if left is None or right is None:
                return None
            return {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}[
                type(node.op)
            ]
        return None

    def visit(self, node: ast.AST, scope: dict[str, Range]) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "Sum" and node.args:
                inner = dict(scope)
                for limit in node.args[1:]:
                    if isinstance(limit, ast.Tuple) and len(limit.elts) == 3:
                        letter, lo, hi = limit.elts
                        if isinstance(letter, ast.Name):
                            inner[letter.id] = (self.value(lo), self.value(hi))
                self.visit(node.args[0], inner)
                return
            for argument in node.args:
                self.visit(argument, scope)
            return
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            self.subscript(node, scope)
            return
        if isinstance(node, ast.Name):
            self.name(node.id, scope)
            return
        for child in ast.iter_child_nodes(node):
            self.visit(child, scope)

    def name(self, name: str, scope: Mapping[str, Range]) -> None:
        letters = self.notation.indices
        if name in letters and name not in scope and name not in self.free:
            letters_asked = ", ".join(self.free) or "no index"
            hint = (
                " Did you forget the sum over the examples, Sum(..., (t, 1, K))?"
                if name == "t"
                else f" Did you forget a Sum over {name}, or use the wrong letter?"
            )
            self.findings.append(
                Finding(
                    "free index",
                    f"{name} is a free index of your formula, but {self.target} has "
                    f"{'only the indices ' if self.free else ''}{letters_asked}.{hint}",
                )
            )

    def index_range(self, node: ast.AST, scope: Mapping[str, Range]) -> Range | None:
        if isinstance(node, ast.Name):
            if node.id in scope:
                return scope[node.id]
            if node.id in self.free:
                return self.free[node.id]
            if node.id in self.notation.labels and node.id in self.notation.scalars:
                return self.notation.labels[node.id]
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in self.notation.labels
        ):
            return self.notation.labels[node.value.id]
        return None

    def subscript(self, node: ast.Subscript, scope: Mapping[str, Range]) -> None:
        array = self.notation.arrays.get(node.value.id)
        indices = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for position, index in enumerate(indices):
            self.visit(index, scope)
            if array is None or position >= len(array.shape):
                continue
            found = self.index_range(index, scope)
            if found is None or None in found:
                continue
            lo, hi = found
            bound = array.shape[position]
            if sp.simplify(lo - 1) == 0 and sp.simplify(hi - bound) == 0:
                continue
            letter = ast.unparse(index)
            usage = f"{array.name}[{', '.join(ast.unparse(i) for i in indices)}]"
            slot = _ordinal(position, len(array.shape))
            if sp.simplify(lo) == 0 and sp.simplify(hi - (bound - 1)) == 0:
                says = (
                    f"{usage}: indices run from 1 to {sp.sstr(bound)} in the book's notation, "
                    f"but {letter} runs from 0 to {sp.sstr(hi)} (Python's numbering)."
                )
                self.findings.append(Finding("zero-based", says))
                continue
            says = (
                f"{usage}: {slot}index of {array.name} runs over 1..{sp.sstr(bound)}, but "
                f"{letter} runs over {sp.sstr(lo)}..{sp.sstr(hi)}."
            )
            self.findings.append(Finding("index range", says))


def _ordinal(position: int, count: int) -> str:
    if count == 1:
        return "the "
    return ("the first ", "the second ", "the third ")[position]
