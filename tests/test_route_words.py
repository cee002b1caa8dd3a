"""The route of a proof in French (``mlp.symbolic.route_words.french_route``): every phrase the
prover writes has a French form with no English word left, and an unknown phrase is an error."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from mlp.symbolic import french_route, prove
from mlp.symbolic.prover import _EXACT_ROUTES, _GENERIC_ROUTE_NAMES

SYMPY_NAMES = {"cancel", "simplify", "rewrite", "exp", "expand_log", "refine", "lhs", "rhs"}
SYMPY_NAMES |= {"max", "x", "sympy", "kronecker"}
SAME_IN_FRENCH = {"variable", "points", "quotients"}


def english_words_left(english: str, french: str) -> set[str]:
    """Words of ``english`` that ``french`` still has, SymPy's names, symbols and words spelt
    the same in both languages apart."""

    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z_]+", text.lower()))

    return (words(english) & words(french)) - SYMPY_NAMES - SAME_IN_FRENCH


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("cancel", "cancel"),
        ("simplify after rewrite(exp)", "simplify après rewrite(exp)"),
        ("cancel [12 entries]", "cancel [12 coefficients]"),
        (
            "identical (once both sides are evaluated) [1 entry]; cancel [3 entries]",
            "identiques (une fois les deux membres évalués) [1 coefficient] ; "
            "cancel [3 coefficients]",
        ),
        (
            "case split (x > 0, < 0, = 0), each case simplified",
            "disjonction de cas (x > 0, < 0, = 0), chaque cas simplifié",
        ),
        (
            "numeric: 40 random points, 50 digits, max |lhs - rhs| = 3e-51 (relative)",
            "numérique : 40 points aléatoires, 50 chiffres, max |lhs - rhs| = 3e-51 (relatif)",
        ),
    ],
)
def test_a_route_reads_in_french(english: str, french: str) -> None:
    assert french_route(english) == french


def test_every_route_phrase_of_the_prover_has_french_with_no_english_word_left() -> None:
    phrases = set(_GENERIC_ROUTE_NAMES.values())
    for name, route in _EXACT_ROUTES.items():
        if name != "cases":  # its phrase names the variables it splits on: proven below
            phrases.add(route(sp.Integer(0), sp.true)[1])
    phrases.add("sum normal form (Kronecker deltas summed under the index ranges)")
    phrases.add("SymPy assumptions: exp(real) > 0, sums and quotients of positives are positive")
    assert len(phrases) >= 9
    for phrase in phrases:
        assert not english_words_left(phrase, french_route(phrase)), phrase


def test_the_routes_of_real_proofs_read_in_french() -> None:
    x = sp.Symbol("x", real=True)
    matrix = prove(sp.Matrix([x * (x + 1), (x + 1) ** 2]), sp.Matrix([x**2 + x, x**2 + 2 * x + 1]))
    kinked = prove(sp.Abs(x), x * sp.sign(x))
    for proof in (matrix, kinked):
        french = french_route(proof.route)
        assert french != proof.route and not english_words_left(proof.route, french)
    assert matrix.route == "cancel [2 entries]"
    assert french_route(matrix.route) == "cancel [2 coefficients]"


@pytest.mark.parametrize("route", ["cancelled", "cancel [12 entries]; guessed", "", "  "])
def test_an_unknown_route_is_an_error_naming_it(route: str) -> None:
    with pytest.raises(ValueError, match="route"):
        french_route(route)
