"""The prover's routes in French (``mlp.symbolic.route_words``): every route the prover can
report reads in French, with the run's own details, and an unknown route is refused."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from mlp import symbolic
from mlp.symbolic import prove
from mlp.symbolic.route_words import french_route

ENGLISH = re.compile(
    r"\b(identical|once|both|sides|after|case|split|each|simplified|entry|entries|numeric|"
    r"random|digits|relative|sum|normal|form|deltas|summed|under|index|ranges|"
    r"assumptions|real|sums|quotients|positives|positive|kink|sign|on|the|of)\b"
)
"""English words of the routes' texts (SymPy's function names aside)."""

x, y = sp.symbols("x y", real=True)
p, q = sp.symbols("p q", positive=True)

#: One identity per route of ``prove``, proven by that route alone.
BY_ROUTE = {
    "identical": (x + 1, 1 + x),
    "cancel": ((x**2 - 1) / (x - 1), x + 1),
    "cases": (sp.Abs(x), x * sp.sign(x)),
    "simplify": (sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.S.One),
    "rewrite(exp)": (symbolic.sigmoid(x), (sp.tanh(x / 2) + 1) / 2),
    "expand_log": (sp.log(p * q), sp.log(p) + sp.log(q)),
    "numeric": (sp.sin(x) ** 2, (1 - sp.cos(2 * x)) / 2),
}


@pytest.mark.parametrize("route", sorted(BY_ROUTE))
def test_the_route_of_each_prover_method_reads_in_french(route: str) -> None:
    lhs, rhs = BY_ROUTE[route]
    reported = prove(lhs, rhs, routes=[route]).route
    french = french_route(reported)
    assert french and not ENGLISH.search(french), (reported, french)


def test_a_matrix_proof_counts_its_entries_in_french() -> None:
    reported = prove(sp.Matrix([x + 1, 2 * y]), sp.Matrix([1 + x, y + y])).route
    assert reported.endswith("[2 entries]")
    assert french_route(reported).endswith("[2 coefficients]")
    assert french_route("cancel [1 entry]") == "cancel [1 coefficient]"


def test_the_routes_of_part_a_read_in_french() -> None:
    """The routes the chapters A1 to A9 glue, as the prover reports them today."""
    proofs = [
        symbolic.a1_sigmoid_tanh(),
        symbolic.a5_sign_indicators(),
        symbolic.a7_rect_derivative(),
        symbolic.a8_grad_l2_squared(3),
        symbolic.a8_grad_l2_squared_general(),
        symbolic.a9_grad_l1(3),
    ]
    for proof in proofs:
        french = french_route(proof.route)
        assert not ENGLISH.search(french), (proof.route, french)
    assert french_route(proofs[0].route) == "simplify après rewrite(exp)"


def test_the_details_of_the_run_are_kept() -> None:
    assert french_route("case split (x > 0, < 0, = 0), each case simplified") == (
        "disjonction des cas (x > 0, < 0, = 0), chaque cas simplifié"
    )
    numeric = "numeric: 40 random points, 50 digits, max |lhs - rhs| = 3e-49 (relative)"
    assert french_route(numeric) == (
        "numérique : 40 points aléatoires, 50 chiffres, max |lhs - rhs| = 3e-49 (relatif)"
    )
    assert french_route("cancel [3 entries]; simplify [1 entry]") == (
        "cancel [3 coefficients]; simplify [1 coefficient]"
    )


@pytest.mark.parametrize(
    "route", ["", "cancelled", "simplify after magic", "cancel;simplify", "cancel [x entries]"]
)
def test_an_unknown_route_is_refused_with_its_text(route: str) -> None:
    with pytest.raises(ValueError, match="route"):
        french_route(route)
