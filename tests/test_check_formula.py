"""Reading a formula safely (``mlp.check.formula``): unsafe or malformed text is refused with a
clear message naming the problem, before anything is evaluated, and the reader's spellings of
one quantity give one SymPy expression."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from mlp.check import FormulaError, question
from mlp.check import formula as F

UNSAFE = [
    "__import__('os')",
    "__import__('os').system('echo pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "x[i].__class__",
    "grad_oa[k].func",
    "exec('import os')",
    "eval('1')",
    "open('/etc/passwd')",
    "lambda: 1",
    "[c for c in (1, 2)]",
    "{1: 2}",
    "'text'",
    "b'bytes'",
    "f'{1}'",
    "grad_oa[k] if True else 0",
    "(z := 1)",
    "os[k] and onehot[k]",
    "Symbol('x')",
    "sympify('x')",
    "S.One",
    "Integer(2)",
    "_Eq(k, y)",
    "exp(x=1)",
    "Sum(*(1, 2))",
]


@pytest.fixture(scope="module")
def notation():
    return question("B7").setting().notation


@pytest.mark.parametrize("text", UNSAFE)
def test_unsafe_text_is_refused_before_anything_is_evaluated(text, notation, monkeypatch) -> None:
    def never(*args, **kwargs):
        raise AssertionError("parse_expr was reached with an unsafe formula")

    monkeypatch.setattr(F, "parse_expr", never)
    with pytest.raises(FormulaError) as refused:
        F.read(text, notation)
    assert str(refused.value)  # a message naming the problem


def test_an_unknown_name_is_refused_with_the_allowed_names(notation) -> None:
    with pytest.raises(FormulaError, match="'grad_W2' is not a name this question allows") as e:
        F.read("grad_W2[k, j]", notation)
    assert "os[k]" in e.value.allowed and "onehot[k]" in e.value.allowed
    assert any(a.startswith("index letters") for a in e.value.allowed)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the formula is empty"),
        ("os[k] +", "cannot read the formula"),
        ("x" * 401, "at most 400"),
        ("os", "os is an array: write an entry with its indices, e.g. os[k]"),
        ("exp", "exp is a function: call it"),
        ("os[k, k]", "os takes 1 index, got 2"),
        ("2**2**2**2**2**2", "exponent written with numbers is at most 10"),
        ("os[k]**(10**10)", "exponent written with numbers is at most 10"),
        ("1234567890 * os[k]", "integers have at most 9 digits"),
        ("1e300 * os[k]", "finite and below 1e9"),
        ("os[k] > 0", "only appear inside indicator"),
        ("indicator(0 < os[k] < 1)", "one comparison"),
        ("os[k] / 0", "divides by zero"),
        ("os[k] // 2", "// is not allowed"),
        ("os[k] % 2", "% is not allowed"),
        ("(k, 1, m)", "only allowed for a Sum's limits"),
        ("Sum(os[c])", "Sum needs its limits"),
        ("Sum(os[c], (c, 1))", "each limit of a Sum is (index, 1, size)"),
        ("Sum(os[k], (y, 1, m))", "a Sum runs over an index letter"),
        ("Sum(os[k], (m, 1, m))", "a Sum runs over an index letter"),
        ("1 + " * 99 + "1", "too large"),
        ("max(os[k], oa[k])", "one of them 0"),
        ("Heaviside(oa[k], y)", "must be a number"),
    ],
)
def test_malformed_text_gets_a_message_naming_the_problem(text, message, notation) -> None:
    with pytest.raises(FormulaError, match=re.escape(message)):
        F.read(text, notation)


def test_a_formula_is_text(notation) -> None:
    with pytest.raises(FormulaError, match="a formula is text, got int"):
        F.read(3, notation)


def test_the_readers_spellings_give_one_expression() -> None:
    notation = question("B13").setting().notation
    mask = sp.Heaviside(question("B13").setting().notation.arrays["ha"]["j"], 0)
    j = notation.indices["j"]
    ha = notation.arrays["ha"][j]
    expected = sp.Heaviside(ha, 0)
    assert mask.args[1] == 0
    for text in ("relu_prime(ha[j])", "rect_prime(ha[j])", "indicator(ha[j] > 0)",
                 "Heaviside(ha[j], 0)", "indicator(0 < ha[j])"):  # fmt: skip
        assert F.read(text, notation) == expected, text
    assert F.read("indicator(ha[j] >= 0)", notation) == sp.Heaviside(ha, 1)
    assert F.read("Heaviside(ha[j])", notation) == sp.Heaviside(ha, sp.S.Half)
    assert F.read("max(0, ha[j])", notation) == F.read("rect(ha[j])", notation)
    assert F.read("ha[j]^2", notation) == ha**2  # ^ is a power, as in the chapters
    assert F.read("0.5 * ha[j]", notation) == ha / 2  # decimals are exact
    b7 = question("B7").setting().notation
    k, y = b7.indices["k"], b7.scalars["y"]
    assert F.read("indicator(k == y)", b7) == sp.KroneckerDelta(k, y)
    assert F.read("onehot[k]", b7) == b7.arrays["onehot"][k]
