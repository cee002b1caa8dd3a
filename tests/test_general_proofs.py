"""Proofs for every size (index notation): wrong formulas are rejected with a counterexample,
the Kronecker deltas are discharged only under stated index ranges, and the normal form
identifies exactly the rewritings it claims to."""

from __future__ import annotations

import pytest
import sympy as sp

from mlp import symbolic as S
from mlp.symbolic import index_network as N
from mlp.symbolic.indexed import IndexSpace, discharge, normal_form, screen

WRONG = sorted(S.WRONG_FORMULAS.items())


@pytest.mark.parametrize(("description", "claim"), WRONG, ids=[w[0] for w in WRONG])
def test_wrong_formula_is_rejected_with_a_counterexample(description: str, claim) -> None:
    message = S.rejection(claim)
    assert message.startswith("the sides differ at "), description
    assert "lhs = " in message and "rhs = " in message and "seed 0" in message


@pytest.mark.parametrize(("description", "claim"), WRONG, ids=[w[0] for w in WRONG])
def test_wrong_formula_is_rejected_by_the_normal_form_alone(description: str, claim) -> None:
    # without the numeric screen, the exact step must not accept the false identity either
    message = S.rejection(lambda: claim(configurations=0))
    assert message.startswith("without a numeric screen: their difference has no zero normal")


def test_the_counterexample_names_the_sizes_indices_and_labels() -> None:
    message = S.rejection(S.WRONG_FORMULAS["B12 W2 in place of W2^T"])
    for name in ("d = ", "d_h = ", "m = ", "K = ", "t = ", "j = ", "y["):
        assert name in message, message


def test_general_results_say_they_are_general_and_state_their_ranges() -> None:
    proof = S.b13_grad_ha_general()
    assert proof.scope == "general" and proof.kind == "check" and proof.exact
    latex = proof.latex()
    assert r"\text{for all } d, d_{h}, m \ge 1" in latex and r"1 \le j \le d_{h}" in latex
    assert r"\operatorname{rect}'(h^a_{j})" in latex
    instance = S.b13_grad_ha(d=2, d_h=3, m=4, y=0)
    assert instance.scope == "instance" and "d = 2" in instance.latex()


k, r, p = sp.symbols("k r p", integer=True)
m, d_h = sp.symbols("m d_h", integer=True, positive=True)
h = sp.IndexedBase("h", real=True)
W = sp.IndexedBase("W", real=True)


def test_a_delta_sum_is_discharged_only_when_the_range_is_stated() -> None:
    e = sp.Sum(sp.KroneckerDelta(k, r) * h[k], (k, 1, d_h))
    stated = IndexSpace(sizes=(d_h,), ranges={r: (1, d_h)})
    assert discharge(e, stated) == h[r]
    unstated = IndexSpace(sizes=(d_h,), ranges={})
    assert isinstance(discharge(e, unstated), sp.Piecewise)  # kept, never dropped
    with pytest.raises(S.IdentityError, match="no zero normal form"):
        S.prove_general(e, h[r], unstated, configurations=0)
    assert S.prove_general(e, h[r], stated).scope == "general"


def test_normal_form_identifies_renamed_reordered_and_factored_sums() -> None:
    a, b = sp.symbols("a b", integer=True)
    S_k = sp.Sum(sp.exp(h[k]), (k, 1, m))
    S_a = sp.Sum(sp.exp(h[a]), (a, 1, m))
    assert normal_form(S_k - S_a) == 0  # bound variables renamed
    double = sp.Sum(W[a, b] * h[b], (a, 1, m), (b, 1, d_h))
    swapped = sp.Sum(sp.Sum(h[k] * W[r, k], (r, 1, m)), (k, 1, d_h))
    assert normal_form(double - swapped) == 0  # summation order exchanged
    assert normal_form(sp.Sum(sp.exp(h[k]) / S_a, (k, 1, m)) - 1) == 0  # factor taken out
    assert normal_form(sp.Sum(2 * h[k], (k, 1, m)) - 2 * sp.Sum(h[a], (a, 1, m))) == 0
    assert normal_form(sp.exp(h[p]) * sp.exp(-h[p]) * S_k - S_a) == 0  # exponentials merged
    # and it does not identify different things
    assert normal_form(sp.Sum(W[a, b] * h[b], (a, 1, m), (b, 1, d_h)) - swapped.subs(W, h)) != 0
    assert normal_form(sp.Sum(W[k, r], (k, 1, m)) - sp.Sum(W[r, k], (k, 1, m))) != 0


def test_screen_evaluates_sums_at_small_sizes_and_reports_them() -> None:
    space = IndexSpace(sizes=(m,), ranges={p: (1, m)}, screen_sizes=((3,), (2,)))
    total = sp.Sum(h[k], (k, 1, m))
    screen(total, sp.Sum(h[r], (r, 1, m)), space)  # equal: no error
    with pytest.raises(S.IdentityError, match=r"the sides differ at m = 3, p = \d"):
        screen(total, sp.Sum(h[k], (k, 1, m - 1)), space)


def test_the_index_network_gradients_are_the_derivatives_at_their_own_level() -> None:
    # dL/do^a_k, computed once at level oa, is B7's o^s_k - delta_ky
    value = N.gradient_definition("oa", "oa")(k)
    expected = sp.exp(N.oa[k]) / sp.Sum(sp.exp(N.oa[N._c]), (N._c, 1, N.m)) - sp.KroneckerDelta(
        k, N.y
    )
    assert normal_form(value - expected) == 0
    with pytest.raises(ValueError, match="cannot rewrite level"):
        N.lift(N.oa[k], "params", "oa")
