r"""Reading a formula safely: a whitelist of syntax and names, then SymPy's ``parse_expr``.

A formula is text such as ``grad_ha[j] * x[i]`` or ``Sum(G_oa[t, k] * HS[t, j], (t, 1, K))``.
:func:`read` never runs anything the text names: it

1. refuses text longer than :data:`MAX_LENGTH` characters;
2. parses it with Python's ``ast`` (``^`` is read as ``**``) and walks the tree: only numbers
   (plain integers and decimals), ``+ - * / **``, parentheses, the names of the question's
   :class:`~mlp.check.notation.Notation` (arrays always with their indices, functions always
   called, without keywords), tuples as a ``Sum``'s limits, and one comparison inside
   ``indicator(...)``; an exponent made of numbers only is at most :data:`MAX_EXPONENT`
   in size, and the tree at most :data:`MAX_NODES` nodes deep and wide (so no number or
   expression can take long to build);
3. hands the checked text to ``sympy.parse_expr`` with a dictionary holding exactly those
   names (and no builtins), without the transformation that would turn unknown names into
   symbols.

Anything else raises :class:`~mlp.check.notation.FormulaError`, whose message names the
problem and whose ``allowed`` lists the names the question allows.
"""

from __future__ import annotations

import ast
from typing import Any

import sympy as sp
from sympy.parsing.sympy_parser import auto_number, parse_expr, rationalize

from mlp.check.notation import COMPARISONS, FormulaError, Notation

__all__ = ["MAX_EXPONENT", "MAX_LENGTH", "MAX_NODES", "read"]

MAX_LENGTH = 400
"""The longest formula read, in characters."""

MAX_NODES = 300
"""The most syntax-tree nodes a formula may have (and the deepest nesting)."""

MAX_EXPONENT = 10
"""The largest |exponent| written with numbers only (``x**2``; ``2**2**2**2**2`` is refused)."""

MAX_DIGITS = 9
"""The most digits of an integer written in a formula."""

_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_COMPARISONS = (ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq, ast.NotEq)
_SYNTAX = (
    "a formula may use numbers, + - * / ** (or ^), parentheses, the allowed names, "
    "indices in brackets and function calls"
)


def read(text: Any, notation: Notation) -> sp.Expr:
    """The SymPy expression of formula ``text`` in ``notation`` (see the module doc)."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula is text, got {type(text).__name__}")
    source = text.strip().replace("^", "**")
    if not source:
        raise FormulaError("the formula is empty")
    if len(source) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(source)} characters long; at most {MAX_LENGTH}")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        where = f" at character {error.offset}" if error.offset else ""
        raise FormulaError(f"cannot read the formula{where}: {error.msg}") from None
    _Checker(notation).check(tree)
    code = ast.unparse(_Comparisons().visit(tree))
    names = {
        **notation.namespace(),
        **COMPARISONS,
        "Integer": sp.Integer,
        "Rational": sp.Rational,
        "Float": sp.Float,
        "__builtins__": {},
    }
    try:
        value = parse_expr(
            code, local_dict={}, global_dict=names, transformations=(auto_number, rationalize)
        )
    except FormulaError:
        raise
    except (TypeError, ValueError, AttributeError, sp.SympifyError) as error:
        raise FormulaError(f"cannot build the formula: {error}") from None
    if not isinstance(value, sp.Expr):
        raise FormulaError(
            "a formula is an expression with a value; a comparison belongs inside indicator(...)"
        )
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise FormulaError("the formula divides by zero or is infinite")
    return value


class _Comparisons(ast.NodeTransformer):
    """``a == b`` and ``a != b`` become ``_Eq(a, b)``, ``_Ne(a, b)`` (SymPy relations)."""

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        name = {ast.Eq: "_Eq", ast.NotEq: "_Ne"}.get(type(node.ops[0]))
        if name is None:
            return node
        call = ast.Call(ast.Name(name, ast.Load()), [node.left, node.comparators[0]], [])
        return ast.copy_location(call, node)


class _Checker:
    """Walks the syntax tree and refuses anything outside the whitelist."""

    def __init__(self, notation: Notation) -> None:
        self.notation = notation
        self.nodes = 0

    def fail(self, message: str) -> None:
        raise FormulaError(message, self.notation.allowed())

    def check(self, tree: ast.Expression) -> None:
        self.visit(tree.body, depth=0, role="expression")

    def visit(self, node: ast.AST, depth: int, role: str) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_NODES // 10:
            self.fail(f"the formula is too large (at most {MAX_NODES} parts)")
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            self.fail(f"{_SYNTAX}; {_describe(node)} is not allowed")
        method(node, depth + 1, role)

    def _Constant(self, node: ast.Constant, depth: int, role: str) -> None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{_SYNTAX}; the constant {value!r} is not allowed")
        if isinstance(value, int) and len(str(abs(value))) > MAX_DIGITS:
            self.fail(f"integers have at most {MAX_DIGITS} digits")
        if isinstance(value, float) and not abs(value) < 1e9:
            self.fail("decimal numbers must be finite and below 1e9")

    def _Name(self, node: ast.Name, depth: int, role: str) -> None:
        name = node.id
        notation = self.notation
        if name in notation.arrays and role != "array":
            spelled = notation.arrays[name].spelled()
            self.fail(f"{name} is an array: write an entry with its indices, e.g. {spelled}")
        if name in notation.functions and role != "function":
            self.fail(f"{name} is a function: call it, e.g. {name}(...)")
        if name not in notation.namespace():
            self.fail(f"{name!r} is not a name this question allows")

    def _BinOp(self, node: ast.BinOp, depth: int, role: str) -> None:
        if not isinstance(node.op, _OPERATORS):
            self.fail(f"{_SYNTAX}; the operator {_describe(node.op)} is not allowed")
        if isinstance(node.op, ast.Pow) and _constant_only(node.right):
            exponent = _fold(node.right)
            if exponent is None or abs(exponent) > MAX_EXPONENT:
                self.fail(f"an exponent written with numbers is at most {MAX_EXPONENT} in size")
        self.visit(node.left, depth, "expression")
        self.visit(node.right, depth, "expression")

    def _UnaryOp(self, node: ast.UnaryOp, depth: int, role: str) -> None:
        if not isinstance(node.op, ast.USub | ast.UAdd):
            self.fail(f"{_SYNTAX}; {_describe(node.op)} is not allowed")
        self.visit(node.operand, depth, role)

    def _Subscript(self, node: ast.Subscript, depth: int, role: str) -> None:
        if not (isinstance(node.value, ast.Name) and node.value.id in self.notation.arrays):
            name = node.value.id if isinstance(node.value, ast.Name) else ""
            if name and name not in self.notation.namespace():
                self.fail(f"{name!r} is not a name this question allows")
            self.fail("only the arrays of the question take indices in brackets")
        self.visit(node.value, depth, "array")
        indices = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for index in indices:
            self.visit(index, depth, "index")

    def _Call(self, node: ast.Call, depth: int, role: str) -> None:
        if not (isinstance(node.func, ast.Name) and node.func.id in self.notation.functions):
            name = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
            self.fail(f"{name!r} is not a function this question allows")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(f"{node.func.id}(...) takes plain arguments, without names or *")
        self.visit(node.func, depth, "function")
        name = node.func.id
        for n, argument in enumerate(node.args):
            if name == "indicator" and isinstance(argument, ast.Compare):
                self._comparison(argument, depth)
            elif name == "Sum" and n > 0 and isinstance(argument, ast.Tuple):
                first = argument.elts[0] if argument.elts else None
                if not (isinstance(first, ast.Name) and first.id in self.notation.indices):
                    self.fail("a Sum runs over an index letter: Sum(..., (k, 1, m))")
                for part in argument.elts:
                    self.visit(part, depth, "index")
            else:
                self.visit(argument, depth, "expression")

    def _comparison(self, node: ast.Compare, depth: int) -> None:
        if len(node.ops) != 1 or not isinstance(node.ops[0], _COMPARISONS):
            self.fail("indicator(...) takes one comparison: >, >=, <, <=, == or !=")
        self.visit(node.left, depth, "expression")
        self.visit(node.comparators[0], depth, "expression")

    def _Compare(self, node: ast.Compare, depth: int, role: str) -> None:
        self.fail("a comparison (>, ==, ...) may only appear inside indicator(...)")

    def _Tuple(self, node: ast.Tuple, depth: int, role: str) -> None:
        self.fail("parentheses with commas are only allowed for a Sum's limits: (k, 1, m)")


def _constant_only(node: ast.AST) -> bool:
    return all(not isinstance(n, ast.Name | ast.Call | ast.Subscript) for n in ast.walk(node))


def _fold(node: ast.AST) -> float | None:
    """The value of an expression of numbers (+ - * / and unary minus), or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _fold(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        left, right = _fold(node.left), _fold(node.right)
        if left is None or right is None or (isinstance(node.op, ast.Div) and right == 0):
            return None
        operations = {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}
        return operations.get(type(node.op), left / right if right else None)
    return None


def _describe(node: ast.AST) -> str:
    names = {
        "Attribute": "an attribute (a dot)",
        "Lambda": "lambda",
        "BoolOp": "and/or",
        "IfExp": "if/else",
        "List": "a list",
        "Dict": "a dict",
        "Set": "a set",
        "ListComp": "a comprehension",
        "GeneratorExp": "a generator",
        "JoinedStr": "an f-string",
        "BitXor": "^",
        "BitAnd": "&",
        "BitOr": "|",
        "MatMult": "@",
        "FloorDiv": "//",
        "Mod": "%",
        "Not": "not",
        "Invert": "~",
        "NamedExpr": ":=",
        "Starred": "*",
        "Slice": "a slice (:)",
    }
    return names.get(type(node).__name__, type(node).__name__)
