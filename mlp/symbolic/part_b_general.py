r"""Part B's claims proven for every size: index notation with symbolic d, d_h, m and K.

Each function states one question's identity entry by entry, with free indices in their
ranges (k in [1, m], j in [1, d_h], i in [1, d], t in [1, K], the label y in [1, m]), and
proves it with :func:`~mlp.symbolic.indexed.prove_general`. The chain-rule claims (B9 to
B17) take the gradient arriving from the layer above as known, as the hand derivation does:
dL/do^a_k is the derivative of L written as a function of o^a (B7's result, not re-derived),
dL/dh^a_j the derivative of L written as a function of h^a, and so on (see
:mod:`~mlp.symbolic.index_network`). The matrix forms (B10, B12, B14, B16, B17) are proven
for a minibatch of K examples stored as rows, against the derivatives of the minibatch risk
R_K = (1/K) sum_t L_t. B18 proves the whole regularized gradient of a minibatch equal to the
backward-pass formula, transcribed from the code by hand; :mod:`~mlp.symbolic.code_bridge`
then evaluates that formula on a network of the code and compares it with ``MLP.bprop`` and
the fused step, so that a bug in the code fails ``mlp prove``.
"""

from __future__ import annotations

import time
from typing import Any

import sympy as sp

from mlp.symbolic import index_network as N
from mlp.symbolic.functions import Expr
from mlp.symbolic.indexed import IndexSpace, prove_general
from mlp.symbolic.results import Fact, IdentityError, Proof, ProofGroup

i, j, k, l, t, y = N.i, N.j, N.k, N.l, N.t, N.y
dL, dR = N.dL, N.dR


def _sum(e: Expr, index: sp.Symbol, size: sp.Symbol) -> sp.Sum:
    return sp.Sum(e, (index, 1, size))


def _times(*factors: Any) -> Expr:
    """A product displayed in the order given (SymPy would sort its factors)."""
    return sp.Mul(*factors, evaluate=False)


def _plus(*terms: Any) -> Expr:
    """A sum displayed in the order given."""
    return sp.Add(*terms, evaluate=False)


def _minus(a: Any, b: Any) -> Expr:
    """a - b displayed in this order."""
    return _plus(a, _times(-1, b))


def _functions(e: Any) -> set[type]:
    return {type(u) for u in sp.sympify(e).atoms(sp.Function)}


def network_definitions(
    sides: Any, level: str, batch: bool = False, own: dict[Any, Any] | None = None
) -> dict[Any, Any]:
    """The network's definitions at ``level`` that the expressions ``sides`` use, and those
    that the claim's ``own`` definitions refer to (each gradient costs a derivative, so only
    the ones used are computed), with ``own`` on top."""
    own = own or {}
    needed: set[type] = set()
    for side in sides:
        needed |= _functions(side)
    for f in own.values():  # what the claim's own definitions refer to
        needed |= _functions(f(*sp.symbols("_u0:3", integer=True)[: _arity(f)]))
    return {**N.definitions(level, batch, needed), **own}


def _prove(
    lhs: Expr, rhs: Expr, space: IndexSpace, level: str, batch: bool = False, **extra: Any
) -> Proof:
    """prove_general with the network's definitions at ``level`` (only those used)."""
    own = extra.pop("definitions", {})
    sides = [lhs, rhs]
    for symbol, value in extra.get("where", ()):
        sides += [symbol, value]
    definitions = network_definitions(sides, level, batch, own)
    return prove_general(lhs, rhs, space, definitions=definitions, **extra)


def _arity(f: Any) -> int:
    import inspect

    return len(inspect.signature(f).parameters)


def b3_softmax_general() -> ProofGroup:
    """B3 for every m: the softmax Jacobian d o^s_k / d o^a_l = o^s_k (delta_kl - o^s_l)
    (``jacobian``), sum_k o^s_k = 1 (``sums_to_one``) and o^s_k > 0 (``positive``, from
    SymPy's assumptions: exp of a real is positive, and so are sums and quotients of
    positives)."""
    space = N.space(k, l, only_m=True)
    space = IndexSpace(
        sizes=space.sizes, ranges={k: (1, N.m), l: (1, N.m)}, screen_sizes=space.screen_sizes
    )
    jacobian_definition = {N.dOs_dOa: lambda a, b: sp.Derivative(N.os_of(a, "oa"), N.oa[b])}
    jacobian = _prove(
        N.dOs_dOa(k, l),
        _times(N.Os(k), _minus(sp.KroneckerDelta(k, l), N.Os(l))),
        space,
        "oa",
        definitions=jacobian_definition,
    )
    only_k = IndexSpace(sizes=space.sizes, ranges={}, screen_sizes=space.screen_sizes)
    sums_to_one = _prove(_sum(N.Os(k), k, N.m), sp.S.One, only_k, "oa")
    start = time.perf_counter()
    value = N.os_of(k, "oa")
    if value.is_positive is not True:
        raise IdentityError(f"SymPy cannot show {value} > 0")
    positive = Fact(
        statement=N.Os(k) > 0,
        route="SymPy assumptions: exp(real) > 0, sums and quotients of positives are positive",
        seconds=time.perf_counter() - start,
        condition=N.space(k, only_m=True).latex().replace(r",\ 1 \le y \le m", ""),
        scope="general",
    )
    return ProofGroup(
        "B3: softmax, every m",
        {"jacobian": jacobian, "sums_to_one": sums_to_one, "positive": positive},
    )


def b4_loss_general() -> Proof:
    """B4 for every m and label y: -log o^s_y = log sum_c exp(o^a_c) - o^a_y."""
    c = sp.Symbol("c", integer=True)
    rhs = _minus(sp.log(_sum(sp.exp(N.oa[c]), c, N.m)), N.oa[y])
    return _prove(-sp.log(N.Os(y)), rhs, N.space(only_m=True), "oa")


def b7_grad_oa_general() -> Proof:
    """B7 for every m and label y: dL/do^a_k = o^s_k - onehot_m(y)_k, L = -log o^s_y."""
    return _prove(dL["oa"](k), _minus(N.Os(k), N.Onehot(k)), N.space(k, only_m=True), "oa")


def b8_grad_oa_batch_general() -> Proof:
    """B8 for every m and K: dR_K/dO^a_tk = (O^s_tk - Y_tk) / K, Y_tk = 1{k = y_t}."""
    return _prove(
        dR["OA"](t, k),
        _times(1 / N.K, _minus(N.OSd(t, k), N.Y(t, k))),
        N.space(t, k, batch=True, only_m=True),
        "oa",
        batch=True,
        where=((N.Y(t, k), sp.KroneckerDelta(k, N.labels[t])),),
    )


def b9_grad_W2_b2_general() -> ProofGroup:
    """B9 for every size: dL/dW2_kj = dL/do^a_k h^s_j and dL/db2_k = dL/do^a_k."""
    return ProofGroup(
        "B9: gradients of W2 and b2, every size",
        {
            "W2": _prove(dL["W2"](k, j), _times(dL["oa"](k), N.Hs(j)), N.space(k, j), "params"),
            "b2": _prove(dL["b2"](k), dL["oa"](k), N.space(k), "params"),
        },
    )


def b10_grad_W2_b2_batch_general() -> ProofGroup:
    """B10 for every size and minibatch size K, entry (k, j) of the matrix forms:
    dR_K/dW2 = G_oa^T H^s, i.e. sum_t G_oa[t, k] H^s[t, j], and dR_K/db2 = G_oa^T 1_K, with
    G_oa[t, k] = dR_K/dO^a_tk."""
    return ProofGroup(
        "B10: gradients of W2 and b2, a minibatch of K, every size",
        {
            "W2": _prove(
                dR["W2"](k, j),
                _sum(_times(dR["OA"](t, k), N.HSd(t, j)), t, N.K),
                N.space(k, j, batch=True),
                "params",
                batch=True,
            ),
            "b2": _prove(
                dR["b2"](k),
                _sum(dR["OA"](t, k), t, N.K),
                N.space(k, batch=True),
                "params",
                batch=True,
            ),
        },
    )


def b11_grad_hs_general() -> Proof:
    """B11 for every size: dL/dh^s_j = sum_k dL/do^a_k W2_kj (L as a function of h^s)."""
    return _prove(dL["hs"](j), _sum(_times(dL["oa"](k), N.W2[k, j]), k, N.m), N.space(j), "hs")


def b12_grad_hs_batch_general() -> Proof:
    """B12 for every size and K, entry (t, j): dR_K/dH^s = G_oa W2."""
    return _prove(
        dR["HS"](t, j),
        _sum(_times(dR["OA"](t, k), N.W2[k, j]), k, N.m),
        N.space(t, j, batch=True),
        "hs",
        batch=True,
    )


def b13_grad_ha_general() -> Proof:
    """B13 for every size: dL/dh^a_j = dL/dh^s_j rect'(h^a_j), rect'(z) = 1{z > 0}."""
    return _prove(dL["ha"](j), _times(dL["hs"](j), N.RectPrime(j)), N.space(j), "ha")


def b14_grad_ha_batch_general() -> Proof:
    """B14 for every size and K, entry (t, j): dR_K/dH^a = G_hs (elementwise) rect'(H^a)."""
    return _prove(
        dR["HA"](t, j),
        _times(dR["HS"](t, j), N.RectPrimeBatch(t, j)),
        N.space(t, j, batch=True),
        "ha",
        batch=True,
    )


def b15_grad_W1_b1_general() -> ProofGroup:
    """B15 for every size: dL/dW1_ji = dL/dh^a_j x_i and dL/db1_j = dL/dh^a_j."""
    return ProofGroup(
        "B15: gradients of W1 and b1, every size",
        {
            "W1": _prove(dL["W1"](j, i), _times(dL["ha"](j), N.x[i]), N.space(j, i), "params"),
            "b1": _prove(dL["b1"](j), dL["ha"](j), N.space(j), "params"),
        },
    )


def b16_grad_W1_b1_batch_general() -> ProofGroup:
    """B16 for every size and K, entry (j, i): dR_K/dW1 = G_ha^T X and dR_K/db1 = G_ha^T 1_K,
    with G_ha[t, j] = dR_K/dH^a_tj."""
    return ProofGroup(
        "B16: gradients of W1 and b1, a minibatch of K, every size",
        {
            "W1": _prove(
                dR["W1"](j, i),
                _sum(_times(dR["HA"](t, j), N.X[t, i]), t, N.K),
                N.space(j, i, batch=True),
                "params",
                batch=True,
            ),
            "b1": _prove(
                dR["b1"](j),
                _sum(dR["HA"](t, j), t, N.K),
                N.space(j, batch=True),
                "params",
                batch=True,
            ),
        },
    )


def b17_grad_x_general() -> ProofGroup:
    """B17 for every size: dL/dx_i = sum_j dL/dh^a_j W1_ji (``example``), and for a minibatch
    of K, entry (t, i): dR_K/dX = G_ha W1 (``minibatch``)."""
    return ProofGroup(
        "B17: gradient of the input, every size",
        {
            "example": _prove(
                dL["x"](i), _sum(_times(dL["ha"](j), N.W1[j, i]), j, N.d_h), N.space(i), "params"
            ),
            "minibatch": _prove(
                dR["X"](t, i),
                _sum(_times(dR["HA"](t, j), N.W1[j, i]), j, N.d_h),
                N.space(t, i, batch=True),
                "params",
                batch=True,
            ),
        },
    )


LAMBDAS = {n: sp.Symbol(rf"\lambda_{{{n}}}", nonnegative=True) for n in ("11", "12", "21", "22")}
"""The elastic-net strengths lambda_11, lambda_12, lambda_21, lambda_22 (symbols >= 0)."""

_Goa = N.display_function("Goa", r"(\mathbf{{G}}_{{oa}})_{{{0}{1}}}", 2)
_Ghs = N.display_function("Ghs", r"(\mathbf{{G}}_{{hs}})_{{{0}{1}}}", 2)
_Gha = N.display_function("Gha", r"(\mathbf{{G}}_{{ha}})_{{{0}{1}}}", 2)
_Rtilde = {
    n: N.display_function(
        f"dRt_d{n}",
        r"\frac{{\partial \tilde{{R}}_K}}{{\partial " + e + "}}",
        2 if n.startswith("W") else 1,
    )
    for n, e in (
        ("W1", "W^{{(1)}}_{{{0}{1}}}"),
        ("b1", "b^{{(1)}}_{{{0}}}"),
        ("W2", "W^{{(2)}}_{{{0}{1}}}"),
        ("b2", "b^{{(2)}}_{{{0}}}"),
    )
}


def penalty() -> Expr:
    """The elastic-net penalty over every entry of W1 (d_h x d) and W2 (m x d_h)."""
    a, b = N._a, N._b
    lam = LAMBDAS
    return (
        lam["11"] * sp.Sum(sp.Abs(N.W1[a, b]), (a, 1, N.d_h), (b, 1, N.d))
        + lam["12"] * sp.Sum(N.W1[a, b] ** 2, (a, 1, N.d_h), (b, 1, N.d))
        + lam["21"] * sp.Sum(sp.Abs(N.W2[a, b]), (a, 1, N.m), (b, 1, N.d_h))
        + lam["22"] * sp.Sum(N.W2[a, b] ** 2, (a, 1, N.m), (b, 1, N.d_h))
    )


def regularized_gradient_claims() -> tuple[dict[str, tuple[Expr, Expr, tuple]], dict[Any, Any]]:
    """B18's four identities, ``{name: (lhs, rhs, free indices)}``, and their definitions.

    The left sides are the derivatives of the regularized minibatch risk R~_K = R_K + penalty
    with respect to entry (j, i) of W1, j of b1, (k, j) of W2 and k of b2. The right sides
    are the backward-pass formula, transcribed: G_oa = (O^s - Y) / K (B8), G_hs = G_oa W2
    (B12), G_ha = G_hs * rect'(H^a) (B14), then G_oa^T H^s, G_oa^T 1_K, G_ha^T X, G_ha^T 1_K
    (B10, B16), plus lambda_11 sign(W1) + 2 lambda_12 W1 and lambda_21 sign(W2) + 2 lambda_22 W2
    on the weights only. :mod:`~mlp.symbolic.code_bridge` evaluates these same right sides
    on the numbers of a network of the code.
    """
    level = "params"
    regularized = N.risk(level) + penalty()
    lam = LAMBDAS
    c = N._c
    goa = lambda a, b: (N.OS_of(a, b, level) - sp.KroneckerDelta(b, N.labels[a])) / N.K
    ghs = lambda a, b: sp.Sum(_Goa(a, c) * N.W2[c, b], (c, 1, N.m))
    gha = lambda a, b: _Ghs(a, b) * sp.Heaviside(N.HA_of(a, b), 0)
    definitions: dict[Any, Any] = {_Goa: goa, _Ghs: ghs, _Gha: gha}
    for name, f in _Rtilde.items():
        base = {"W1": N.W1, "b1": N.b1, "W2": N.W2, "b2": N.b2}[name]
        definitions[f] = lambda *a, base=base: sp.Derivative(regularized, base[a])
    claims = {
        "W1": (
            _Rtilde["W1"](j, i),
            _plus(
                _sum(_times(_Gha(t, j), N.X[t, i]), t, N.K),
                _times(lam["11"], sp.sign(N.W1[j, i])),
                _times(2, lam["12"], N.W1[j, i]),
            ),
            (j, i),
        ),
        "b1": (_Rtilde["b1"](j), _sum(_Gha(t, j), t, N.K), (j,)),
        "W2": (
            _Rtilde["W2"](k, j),
            _plus(
                _sum(_times(_Goa(t, k), N.HSd(t, j)), t, N.K),
                _times(lam["21"], sp.sign(N.W2[k, j])),
                _times(2, lam["22"], N.W2[k, j]),
            ),
            (k, j),
        ),
        "b2": (_Rtilde["b2"](k), _sum(_Goa(t, k), t, N.K), (k,)),
    }
    return claims, definitions


def b18_regularized_gradient_general() -> ProofGroup:
    """B18 for every size and K: the backward-pass formula, transcribed (see
    :func:`regularized_gradient_claims`), equals the derivative of the regularized minibatch
    risk R~_K = R_K + penalty, entry by entry.

    SymPy differentiates |w| to sign(w), and sign(0) = 0 is the value the code uses at a zero
    weight. That the code computes this formula is checked by
    :func:`~mlp.symbolic.code_bridge.b18_code_bridge`, not here.
    """
    claims, definitions = regularized_gradient_claims()
    where = (
        (_Goa(t, k), _times(1 / N.K, _minus(N.OSd(t, k), N.Y(t, k)))),
        (_Ghs(t, j), _sum(_times(_Goa(t, k), N.W2[k, j]), k, N.m)),
        (_Gha(t, j), _times(_Ghs(t, j), N.RectPrimeBatch(t, j))),
    )
    proofs: dict[str, Proof | Fact] = {}
    for name, (lhs, rhs, indices) in claims.items():
        proofs[name] = _prove(
            lhs,
            rhs,
            N.space(*indices, batch=True),
            "params",
            batch=True,
            definitions=definitions,
            where=where if name == "W1" else (),
        )
    return ProofGroup("B18: gradient of the regularized minibatch risk, every size", proofs)


# --- wrong formulas: each must be rejected ---------------------------------------------------


def wrong_b7_sign_flipped(**options: Any) -> Proof:
    """B7 with the sign flipped: dL/do^a_k = onehot_m(y)_k - o^s_k (false)."""
    return _prove(dL["oa"](k), N.Onehot(k) - N.Os(k), N.space(k, only_m=True), "oa", **options)


def wrong_b8_one_over_K_twice(**options: Any) -> Proof:
    """B8 with 1/K applied twice: dR_K/dO^a_tk = (O^s_tk - Y_tk) / K^2 (false)."""
    return _prove(
        dR["OA"](t, k),
        (N.OSd(t, k) - N.Y(t, k)) / N.K**2,
        N.space(t, k, batch=True, only_m=True),
        "oa",
        batch=True,
        **options,
    )


def wrong_b12_W2_not_transposed(**options: Any) -> Proof:
    """B12 with W2 in place of W2^T: dR_K/dH^s_tj = sum_k G_oa[t, k] W2_jk (false)."""
    return _prove(
        dR["HS"](t, j),
        _sum(dR["OA"](t, k) * N.W2[j, k], k, N.m),
        N.space(t, j, batch=True),
        "hs",
        batch=True,
        **options,
    )


def wrong_b13_mask_dropped(**options: Any) -> Proof:
    """B13 without the rect' mask: dL/dh^a_j = dL/dh^s_j (false)."""
    return _prove(dL["ha"](j), dL["hs"](j), N.space(j), "ha", **options)


def wrong_b18_bias_penalised(**options: Any) -> Proof:
    """The bias gradient of B18 with an L1 penalty on b1: dR~_K/db1_j = G_ha^T 1_K
    + lambda_11 sign(b1_j) (false: the biases are not penalised)."""
    regularized = N.risk("params") + penalty()
    lhs = _Rtilde["b1"]
    return _prove(
        lhs(j),
        _sum(dR["HA"](t, j), t, N.K) + LAMBDAS["11"] * sp.sign(N.b1[j]),
        N.space(j, batch=True),
        "params",
        batch=True,
        definitions={lhs: lambda a: sp.Derivative(regularized, N.b1[a])},
        **options,
    )


def wrong_b18_penalty_per_example(**options: Any) -> Proof:
    """The W1 gradient of B18 with the penalty added once per example of the minibatch,
    K (lambda_11 sign(W1_ji) + 2 lambda_12 W1_ji), instead of once (false for K > 1)."""
    regularized = N.risk("params") + penalty()
    lhs = _Rtilde["W1"]
    lam = LAMBDAS
    return _prove(
        lhs(j, i),
        _plus(
            _sum(_times(dR["HA"](t, j), N.X[t, i]), t, N.K),
            _times(
                N.K, _plus(_times(lam["11"], sp.sign(N.W1[j, i])), _times(2, lam["12"], N.W1[j, i]))
            ),
        ),
        N.space(j, i, batch=True),
        "params",
        batch=True,
        definitions={lhs: lambda a, b: sp.Derivative(regularized, N.W1[a, b])},
        **options,
    )


WRONG_FORMULAS = {
    "B7 sign flipped": wrong_b7_sign_flipped,
    "B8 1/K applied twice": wrong_b8_one_over_K_twice,
    "B12 W2 in place of W2^T": wrong_b12_W2_not_transposed,
    "B13 rect' mask dropped": wrong_b13_mask_dropped,
    "B18 bias penalised": wrong_b18_bias_penalised,
    "B18 penalty added per example": wrong_b18_penalty_per_example,
}
"""False variants of Part B's general claims, by description: each must raise IdentityError.
The checker's catalogue (the ``mistakes`` of each question of :mod:`mlp.check`) holds each of
them, and more, as a reader would write them."""
