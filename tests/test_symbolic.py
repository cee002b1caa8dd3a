"""The SymPy derivations of ``mlp.symbolic``: every claim holds, false claims fail, and the
numeric code in ``mlp.functions`` / ``mlp.network`` agrees with the symbolic results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy as sp

from mlp import functions as F
from mlp import symbolic as S
from mlp.network import MLP

# --- every claim is proven (all of them, through the registry: tests/test_claims.py) -------

CLAIM_FUNCTIONS: list[tuple[str, Callable[..., Any]]] = [
    ("B9", S.b9_grad_W2_b2),
    ("B10", S.b10_grad_W2_b2_matrix),
    ("B11", S.b11_grad_hs),
    ("B12", S.b12_grad_hs_matrix),
    ("B13", S.b13_grad_ha),
    ("B14", S.b14_grad_ha_matrix),
    ("B15", S.b15_grad_W1_b1),
    ("B16", S.b16_grad_W1_b1_matrix),
    ("B17", S.b17_grad_x),
    ("B18", S.b18_regularized_gradient),
]


@pytest.mark.parametrize(
    ("equation", "claim"), CLAIM_FUNCTIONS, ids=[c[0] for c in CLAIM_FUNCTIONS]
)
@pytest.mark.parametrize("y", [0, 1])
def test_gradient_claims_hold_on_display_sizes_for_every_label(
    equation: str, claim: Callable[..., Any], y: int
) -> None:
    result = claim(d=2, d_h=2, m=2, y=y)
    assert result.exact, equation


@pytest.mark.parametrize("y", [0, 1, 2])
def test_b7_gradient_wrt_oa_is_os_minus_onehot_for_each_label(y: int) -> None:
    group = S.b7_grad_oa(m=3, y=y)
    assert set(group) == {"k_ne_y", "k_eq_y", "vector"}
    assert group.k_eq_y.rhs == group["k_eq_y"].rhs
    assert S.b4_loss_logsumexp(m=3, y=y).exact


def test_a1_needs_rewrite_exp_because_simplify_alone_fails() -> None:
    assert "rewrite(exp)" in S.a1_sigmoid_tanh().route
    x = sp.Symbol("x", real=True)
    with pytest.raises(S.IdentityError, match="no route"):
        S.prove(S.sigmoid(x), (sp.tanh(x / 2) + 1) / 2, routes=["cancel", "simplify"])


def test_kink_derivatives_state_one_sided_limits_and_conventions_at_zero() -> None:
    abs_prime, rect_prime, l1 = S.a6_abs_derivative(), S.a7_rect_derivative(), S.a9_grad_l1()
    assert (abs_prime.left, abs_prime.right, abs_prime.convention) == (-1, 1, 0)
    assert abs_prime.sympy_at_zero == 0  # sympy's sign(0) = 0, like the code
    assert (rect_prime.left, rect_prime.right, rect_prime.convention) == (0, 1, 0)
    assert rect_prime.sympy_at_zero == sp.Rational(1, 2)  # Heaviside(0) by default
    assert (l1.left, l1.right, l1.convention) == (-1, 1, 0)
    for result in (abs_prime, rect_prime, l1):
        assert "case split" in result.route
        assert r"\ne 0" in result.proof.latex()


def test_rect_function_derivative_matches_max_derivative_away_from_zero() -> None:
    x = sp.Symbol("x", real=True, nonzero=True)
    proof = S.prove(sp.Derivative(S.Rect(x), x), sp.Derivative(sp.Max(0, x), x))
    assert proof.exact and "case split" in proof.route
    assert S.Rect(sp.Integer(-2)) == 0 and S.Rect(sp.Rational(3, 2)) == sp.Rational(3, 2)


@pytest.mark.parametrize(("d", "d_h", "m"), [(3, 4, 3), (2, 2, 2), (1, 5, 4), (4, 1, 2)])
def test_b5_parameter_count_matches_formula_and_mlp(d: int, d_h: int, m: int) -> None:
    group = S.b5_parameter_count(d, d_h, m)
    assert group.factorised.scope == "general" and group.factorised.kind == "check"
    count = group.count
    assert count.kind == "by construction"  # the network is built from what it counts
    assert count.n_theta == d_h * (d + 1) + m * (d_h + 1) == MLP(d, d_h, m, seed=0).n_params()
    assert count.sizes == {"W1": d_h * d, "b1": d_h, "W2": m * d_h, "b2": m}


def test_b3_positivity_is_a_fact_and_the_sum_is_one() -> None:
    group = S.b3_softmax_positive_sums_to_one(m=4)
    assert isinstance(group.positive, S.Fact) and group.positive.exact
    assert group.sums_to_one.rhs == 1
    assert set(group) == {"jacobian", "sums_to_one", "positive"}  # no tautological "formula"


def test_b18_penalty_changes_weights_only() -> None:
    group = S.b18_regularized_gradient(d=2, d_h=2, m=2)
    assert isinstance(group.W1.rhs, sp.MatAdd) and isinstance(group.W2.rhs, sp.MatAdd)
    assert not isinstance(group.b1.rhs, sp.MatAdd) and not isinstance(group.b2.rhs, sp.MatAdd)


# --- false identities fail --------------------------------------------------------------------

x_real = sp.Symbol("x", real=True)


def test_false_derivative_fails_numerically_with_a_counterexample() -> None:
    wrong = S.sigmoid(x_real) * (1 + S.sigmoid(x_real))
    with pytest.raises(S.IdentityError, match="differs at x ="):
        S.prove(sp.Derivative(S.sigmoid(x_real), x_real), wrong)
    with pytest.raises(S.IdentityError, match="differs at x ="):
        S.prove(sp.Derivative(S.sigmoid(x_real), x_real), wrong, routes=["numeric"])


def test_false_identity_is_not_proven_by_the_exact_routes_alone() -> None:
    wrong = S.sigmoid(x_real) * (1 + S.sigmoid(x_real))
    exact = [r for r in S.ROUTES if r != "numeric"]
    with pytest.raises(S.IdentityError, match="no route"):
        S.prove(sp.Derivative(S.sigmoid(x_real), x_real), wrong, routes=exact)


def test_exact_route_disproves_an_identity_off_by_a_constant() -> None:
    # sigmoid(x) + sigmoid(-x) = 1, so claiming 2 is off by the constant 1
    with pytest.raises(S.IdentityError, match="non-zero constant"):
        S.prove(S.sigmoid(x_real) + S.sigmoid(-x_real), 2, routes=["simplify"])
    assert S.prove(S.sigmoid(x_real) + S.sigmoid(-x_real), 1).exact


def test_false_sign_with_indicators_fails_at_zero_by_case_split() -> None:
    # 1{x >= 0} - 1{x < 0} is wrong only at x = 0: random points miss it, the case split does not
    wrong = S.indicator(x_real >= 0) - S.indicator(x_real < 0)
    with pytest.raises(S.IdentityError, match="non-zero constant"):
        S.prove(sp.sign(x_real), wrong, routes=["cases"])
    with pytest.raises(S.IdentityError):
        S.prove(sp.sign(x_real), wrong)


def test_transposed_grad_W2_fails_by_shape_and_on_a_square_case() -> None:
    net = S.network(3, 4, 3)
    grad_oa, W2_partials = net.partial_symbols("oa"), net.partial_symbols("W2")
    transposed = sp.MatMul(net.hs_sym, grad_oa.T, evaluate=False)  # (4, 3), not (3, 4)
    with pytest.raises(S.IdentityError, match="shape"):
        net.prove(transposed, W2_partials, "params", 0)
    square = S.network(2, 3, 3)
    transposed = sp.MatMul(square.hs_sym, square.partial_symbols("oa").T, evaluate=False)
    for routes in (None, ["numeric"]):
        with pytest.raises(S.IdentityError, match="differs"):
            square.prove(transposed, square.partial_symbols("W2"), "params", 0, routes=routes)
    with pytest.raises(S.IdentityError, match="no route"):
        square.prove(
            transposed,
            square.partial_symbols("W2"),
            "params",
            0,
            routes=["identical", "cancel", "cases"],
        )


def test_grad_ha_without_rect_prime_fails() -> None:
    net = S.network(2, 3, 2)
    with pytest.raises(S.IdentityError, match="differs"):
        net.prove(net.partial_symbols("hs"), net.partial_symbols("ha"), "ha", 0)


def test_wrong_loss_and_wrong_bias_penalty_fail() -> None:
    net = S.network(1, 1, 3)
    wrong_loss = S.logsumexp(net.oa_sym) + net.oa_sym[0]
    with pytest.raises(S.IdentityError):
        net.prove(-sp.log(net.os_sym[0]), wrong_loss, "oa", 0)
    wrong_grad = net.os_sym + S.onehot(0, 3)  # os + onehot instead of os - onehot
    with pytest.raises(S.IdentityError):
        net.prove(net.partial_symbols("oa"), wrong_grad, "oa", 0)


# The limit may fire inside a garbage-collection callback, where Python reports the exception
# as "ignored" (a pytest warning); the prover's timer repeats and interrupts again (see _arm).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_true_identity_beyond_the_exact_routes_is_proven_numerically() -> None:
    # 40 terms sin^2 + cos^2: cancel cannot see it and simplify needs minutes (time limit 0.2 s)
    lhs = sp.Add(*[sp.sin(k * x_real) ** 2 + sp.cos(k * x_real) ** 2 for k in range(1, 41)])
    proof = S.prove(lhs, 40, points=10, time_limit=0.2)
    assert not proof.exact and proof.route.startswith("numeric: 10 random points, 50 digits")
    with pytest.raises(S.IdentityError, match="differs"):
        S.prove(lhs, 41, points=10, time_limit=0.2)


def test_numeric_route_avoids_kinks_and_respects_assumptions() -> None:
    proof = S.prove(sp.Derivative(sp.Abs(x_real), x_real), sp.sign(x_real), routes=["numeric"])
    assert not proof.exact and "40 random points" in proof.route
    t = sp.Symbol("t")
    assert "refine" in S.prove(sp.sqrt(t**2), t, assumptions=sp.Q.positive(t)).route
    with pytest.raises(S.IdentityError, match="differs"):
        S.prove(sp.sqrt(t**2), t)


def test_prove_rejects_bad_input_with_clear_errors() -> None:
    with pytest.raises(ValueError, match="unknown routes"):
        S.prove(x_real, x_real, routes=["magic"])
    with pytest.raises(ValueError, match="not among the given symbols"):
        S.prove(x_real + sp.Symbol("z"), x_real, symbols=[x_real], routes=["numeric"])
    with pytest.raises(S.IdentityError, match="matrix and the other a scalar"):
        S.prove(sp.Matrix([x_real]), x_real)
    with pytest.raises(ValueError, match="label y must lie in"):
        S.b7_grad_oa(m=3, y=3)
    with pytest.raises(TypeError, match="label y must be a Python int"):
        S.b4_loss_logsumexp(m=3, y=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="d_h must be a Python int"):
        S.network(2, 2.0, 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown level"):
        S.network(2, 2, 2).definitions("hidden", 0)


def test_identity_error_is_an_assertion_error() -> None:
    assert issubclass(S.IdentityError, AssertionError)


# --- the numeric code agrees with SymPy -------------------------------------------------------

RNG = np.random.default_rng(20240601)


def _points_away_from_kinks(n: int = 400, scale: float = 12.0) -> np.ndarray:
    z = RNG.uniform(-scale, scale, size=n)
    z = z[np.abs(z) > 1e-3]
    return np.concatenate([z, [-30.0, -1e-2, 1e-2, 30.0]])


SCALAR_DERIVATIVES = [
    ("sigmoid' = d/dx 1/(1+exp(-x))", F.sigmoid_prime, S.sigmoid),
    ("tanh' = d/dx (e^x-e^-x)/(e^x+e^-x)", F.tanh_prime, S.tanh),
    ("softplus' = d/dx log(1+exp(x))", F.softplus_prime, S.softplus),
    ("rect' = d/dx max(0, x)", F.rect_prime, S.rect),
    ("abs' = d/dx |x|", F.abs_prime, sp.Abs),
]


@pytest.mark.parametrize(
    ("equation", "numeric", "symbolic"), SCALAR_DERIVATIVES, ids=[s[0] for s in SCALAR_DERIVATIVES]
)
def test_numeric_derivative_equals_lambdified_sympy_derivative(
    equation: str, numeric: Callable[[Any], np.ndarray], symbolic: Callable[[Any], Any]
) -> None:
    derivative = sp.lambdify(x_real, sp.diff(symbolic(x_real), x_real), modules="numpy")
    z = _points_away_from_kinks()
    np.testing.assert_allclose(numeric(z), derivative(z), rtol=1e-9, atol=1e-14, err_msg=equation)


SCALAR_FUNCTIONS = [
    ("sigmoid", F.sigmoid, S.sigmoid),
    ("tanh", F.tanh, S.tanh),
    ("softplus", F.softplus, S.softplus),
    ("rect", F.rect, S.rect),
    ("sign", F.sign, sp.sign),
]


@pytest.mark.parametrize(
    ("name", "numeric", "symbolic"), SCALAR_FUNCTIONS, ids=[s[0] for s in SCALAR_FUNCTIONS]
)
def test_numeric_function_equals_lambdified_sympy_expression(
    name: str, numeric: Callable[[Any], np.ndarray], symbolic: Callable[[Any], Any]
) -> None:
    expression = sp.lambdify(x_real, symbolic(x_real), modules="numpy")
    z = _points_away_from_kinks()
    np.testing.assert_allclose(numeric(z), expression(z), rtol=1e-12, atol=1e-15, err_msg=name)


M = 4
V = sp.ImmutableMatrix(sp.symbols(f"v1:{M + 1}", real=True))
VECTOR_FUNCTIONS = [
    ("l2_squared_grad = grad sum v_i^2", F.l2_squared_grad, S.gradient(S.l2_squared(V), V)),
    ("l1_grad = grad sum |v_i|", F.l1_grad, S.gradient(S.l1_norm(V), V)),
    ("softmax_k = exp(v_k)/sum exp(v_j)", F.softmax, S.softmax(V)),
    ("log_softmax_k = v_k - logsumexp(v)", F.log_softmax, S.log_softmax(V)),
    ("logsumexp = log sum exp(v_k)", F.logsumexp, S.logsumexp(V)),
]


@pytest.mark.parametrize(
    ("equation", "numeric", "symbolic"), VECTOR_FUNCTIONS, ids=[s[0] for s in VECTOR_FUNCTIONS]
)
def test_numeric_vector_function_equals_lambdified_sympy_expression(
    equation: str, numeric: Callable[[Any], np.ndarray], symbolic: Any
) -> None:
    reference = sp.lambdify(list(V), symbolic, modules="numpy")
    batch = RNG.uniform(-10, 10, size=(50, M))
    batch = batch[np.all(np.abs(batch) > 1e-3, axis=1)]
    expected = np.array([np.ravel(reference(*row)) for row in batch])
    for row, want in zip(batch, expected, strict=True):  # one vector at a time
        np.testing.assert_allclose(
            np.ravel(numeric(row)), want, rtol=1e-12, atol=1e-15, err_msg=equation
        )
    if equation.startswith(("softmax", "log_softmax", "logsumexp")):  # a minibatch, row-wise
        got = numeric(batch).reshape(len(batch), -1)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15, err_msg=equation)


@pytest.mark.parametrize("seed", [0, 1])
def test_symbolic_gradients_of_the_minibatch_risk_equal_mlp_bprop(seed: int) -> None:
    """SymPy's derivatives of the regularized minibatch risk (1/K) sum_t L_t + penalty, K = 3,
    against ``MLP.bprop`` on the same minibatch: a missing or doubled 1/K fails, as would a
    dropped mask or penalty term (the network is checked to have inactive hidden units)."""
    d, d_h, m, K = 3, 4, 3, 3
    rng = np.random.default_rng(seed)
    lambdas = dict(zip(("l11", "l12", "l21", "l22"), rng.uniform(0.01, 0.1, 4), strict=True))
    net = MLP(d, d_h, m, seed=seed, **lambdas)
    net.b1, net.b2 = rng.normal(size=d_h), rng.normal(size=m)
    X, y = rng.normal(size=(K, d)), rng.permutation(np.arange(K) % m)
    ha = X @ net.W1.T + net.b1
    assert (ha < 0).any() and (ha > 0).any() and np.abs(ha).min() > 1e-3
    sym = S.network(d, d_h, m)
    rows = [[sp.Symbol(f"x^{{({t})}}_{{{i + 1}}}", real=True) for i in range(d)] for t in range(K)]
    losses = [sym.L(int(y[t])).xreplace(dict(zip(sym.x, rows[t], strict=True))) for t in range(K)]
    group = S.b18_regularized_gradient(d, d_h, m, 0)
    numbers = {group.notes["lambdas"][k[1:]]: v for k, v in lambdas.items()}
    R = sp.Add(*losses) / K + group.notes["penalty"].xreplace(numbers)
    values = sym.values(X[0], net.W1, net.b1, net.W2, net.b2)
    values.update(
        {s: float(v) for row, x in zip(rows, X, strict=True) for s, v in zip(row, x, strict=True)}
    )
    net.fprop(X, y)
    grads = net.bprop(grad_x=True)
    for name in ("W1", "b1", "W2", "b2"):
        expected = sym.evaluate(S.gradient(R, sym.parameters[name]), values)
        assert expected.shape == grads[name].shape
        np.testing.assert_allclose(grads[name], expected, rtol=1e-10, atol=1e-14)
    for t in range(K):
        expected = sym.evaluate(S.gradient(R, sp.ImmutableMatrix(rows[t])), values)
        np.testing.assert_allclose(grads["x"][t], expected, rtol=1e-10, atol=1e-14)


def test_network_values_reject_wrong_shapes_and_nan() -> None:
    sym = S.network(2, 2, 2)
    good = dict(
        x=np.zeros(2), W1=np.zeros((2, 2)), b1=np.zeros(2), W2=np.zeros((2, 2)), b2=np.zeros(2)
    )
    with pytest.raises(ValueError, match=r"W1 must have shape \(2, 2\)"):
        sym.values(**{**good, "W1": np.zeros((2, 3))})
    with pytest.raises(ValueError, match="x contains NaN"):
        sym.values(**{**good, "x": np.array([0.0, np.nan])})
    with pytest.raises(ValueError, match="no value given"):
        sym.evaluate(sym.L(0) + sp.Symbol("z"), sym.values(**good))


@pytest.mark.parametrize(
    "claim",
    [S.a3_sigmoid_derivative, S.a6_abs_derivative, S.b3_softmax_positive_sums_to_one],
    ids=["Proof", "KinkDerivative", "ProofGroup"],
)
def test_results_are_not_truth_values_so_assert_proof_cannot_pass_vacuously(claim) -> None:
    result = claim()
    with pytest.raises(TypeError, match="not a truth value"):
        bool(result)
    proofs = result.proofs.values() if isinstance(result, S.ProofGroup) else [result]
    assert all(proof.exact for proof in proofs)
