"""Proofs for every size (index notation): wrong formulas are rejected with a counterexample,
the Kronecker deltas are discharged only under stated index ranges, the normal form identifies
exactly the rewritings it claims to, a right side with another convention at a kink is not
proven, the screen reaches distinct indices and both states of the hidden units, and no
denominator is cancelled unless it is shown positive."""

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


# --- soundness: conventions at a kink, the screen's reach, the denominators -------------------


@pytest.mark.parametrize("h0", [sp.S.Half, sp.S.One])
def test_a_right_side_with_another_step_value_at_zero_is_not_proven(h0) -> None:
    j = N.j
    rhs = N.dL["hs"](j) * sp.Heaviside(N.ha[j], h0)
    with pytest.raises(S.IdentityError, match=f"a step whose value at 0 is {h0}"):
        S.b13_grad_ha_general.__globals__["_prove"](N.dL["ha"](j), rhs, N.space(j), "ha")
    proof = S.b13_grad_ha_general()  # the book's right side, Heaviside(h^a_j, 0), still is
    assert proof.scope == "general"


def test_the_screen_alone_rejects_b15_with_the_indices_of_w1_transposed() -> None:
    prove = S.b15_grad_W1_b1_general.__globals__["_prove"]
    j, i = N.j, N.i
    transposed = N.dL["ha"](i) * N.x[j]
    with pytest.raises(S.IdentityError) as rejected:  # at the screen, before any normal form
        prove(N.dL["W1"](j, i), transposed, N.space(j, i), "params")
    message = str(rejected.value)
    assert message.startswith(("the sides differ at ", "the right side reads outside")), message


def test_the_screen_draws_distinct_indices_patterns_of_units_and_every_size_row() -> None:
    from mlp.symbolic.screen import PATTERNS, configurations, screen_count

    space = N.space(N.j, N.i)
    count = screen_count(space)
    drawn = list(configurations(space, count, seed=0))
    rows = [tuple(c.values[s] for s in space.sizes) for c in drawn]
    assert len(set(rows)) == len(space.screen_sizes) == count  # every size row, once
    assert {(1, 3, 2), (2, 1, 3)} <= set(rows)  # d_h = 1 and m = 2 among them
    for c in drawn:
        j, i, y = (c.values[s] for s in (N.j, N.i, N.y))
        if not c.equal:  # distinct wherever the ranges allow it
            assert j != i or c.values[N.d] == 1, c
            assert y not in (j, i) or c.values[N.m] <= len({j, i}), c
    assert any(c.equal for c in drawn)
    assert {c.pattern for c in drawn} == set(PATTERNS)


def test_the_patterns_set_every_hidden_unit_active_or_some_inactive() -> None:
    import random

    from mlp.symbolic.screen import PATTERNS, Configuration, Sample

    space = N.space(N.j)
    values = {N.d: 4, N.d_h: 3, N.m: 2, N.j: 1, N.y: 1}
    for pattern, active in ((PATTERNS[0], {True}), (PATTERNS[1], {True, False})):
        sample = Sample(space, Configuration(values, pattern), random.Random(0))
        ha = [sample.value(N.ha_of(u)) for u in (1, 2, 3)]
        assert {h > 0 for h in ha} == active
        assert sample.hidden_states() == {u: h > 0 for u, h in zip((1, 2, 3), ha, strict=True)}


def test_an_entry_read_outside_its_shape_is_an_error_not_a_random_number() -> None:
    space = N.space(N.k, N.j)
    with pytest.raises(S.IdentityError, match=r"reads outside a stated shape"):
        screen(N.W2[N.k, N.j], N.W2[N.j, N.k] + N.W2[N.k, N.d_h + 1], space)


def test_a_denominator_is_cancelled_only_when_shown_positive() -> None:
    from mlp.symbolic.normal_form import check_denominators, positive

    a = sp.Symbol("a", integer=True)
    space = IndexSpace(sizes=(m,), ranges={})
    total = sp.Sum(h[k], (k, 1, m))
    with pytest.raises(S.IdentityError, match="is not shown positive"):
        S.prove_general(total / sp.Sum(h[a], (a, 1, m)), sp.S.One, space, configurations=0)
    softmax_sum = sp.Sum(sp.exp(h[k]), (k, 1, m)) / sp.Sum(sp.exp(h[a]), (a, 1, m))
    assert S.prove_general(softmax_sum, sp.S.One, space, configurations=0).exact
    assert positive(sp.Sum(sp.exp(h[k]), (k, 1, m))) and positive(m + 1)
    assert not positive(total) and not positive(sp.exp(sp.Symbol("z")) - 1)
    with pytest.raises(S.IdentityError):
        check_denominators(1 / (h[k] - 1))


def test_steps_are_written_in_one_form_so_spellings_agree_and_conventions_differ() -> None:
    from mlp.symbolic.normal_form import normal_form
    from mlp.symbolic.steps import AtZero, Step, away_from_kinks, canonical_steps, reduce_steps

    z = h[k]

    def same(a, b) -> bool:
        difference = normal_form(canonical_steps(a) - canonical_steps(b))
        return normal_form(reduce_steps(difference)) == 0

    assert same(sp.sign(z), sp.Heaviside(z, 0) - sp.Heaviside(-z, 0))
    assert same(sp.sign(z), sp.Heaviside(z) - sp.Heaviside(-z))
    assert same(sp.Heaviside(z, 0), 1 - sp.Heaviside(-z, 1))
    assert same(sp.Heaviside(z, 0) ** 2, sp.Heaviside(z, 0))
    assert not same(sp.Heaviside(z), sp.Heaviside(z, 0))  # 1/2 at 0 is another function
    difference = canonical_steps(sp.Heaviside(z) - sp.Heaviside(z, 0))
    assert difference == AtZero(z) / 2 and away_from_kinks(difference) == 0
    assert Step(sp.exp(z)) == 1 and AtZero(sp.exp(z)) == 0
