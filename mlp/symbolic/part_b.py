"""Part B's claims at one instance, B1 to B18: explicit symbol matrices at fixed sizes.

Each check writes the matrices of a small network entry by entry (d = 2, d_h = 3, m = 4, say)
and proves an identity between them, so it catches a transposed index or a wrong shape; its
``condition`` names the sizes and the label it ran. The same identities for every size are
in :mod:`mlp.symbolic.part_b_general`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import sympy as sp
from sympy.matrices import MatrixBase

from mlp.symbolic import index_network as N
from mlp.symbolic.functions import (
    Expr,
    _check_label,
    _display,
    _partials,
    l1_norm,
    l2_squared,
    logsumexp,
    onehot,
    softmax,
)
from mlp.symbolic.network import network
from mlp.symbolic.prover import prove
from mlp.symbolic.results import Fact, IdentityError, ParameterCount, Proof, ProofGroup


def _column(entries: Iterable[Expr]) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix([[e] for e in entries])


def _matmul(*factors: Any) -> sp.MatMul:
    return sp.MatMul(*factors, evaluate=False)


def _shapes(**arrays: MatrixBase) -> dict[str, tuple[int, int]]:
    return {name: tuple(a.shape) for name, a in arrays.items()}


def instance(y: int | None = None, **sizes: int) -> str:
    """The instance a check ran, as LaTeX: ``d = 2,\\ d_h = 3,\\ m = 4,\\ y = 1``.

    ``y`` is the Python label; it is displayed 1-based, as in the book.
    """
    names = {"d": "d", "d_h": "d_h", "m": "m", "K": "K"}
    parts = [f"{names[k]} = {v}" for k, v in sizes.items()]
    if y is not None:
        parts.append(f"y = {y + 1}")
    return r",\ ".join(parts)


def b1_hidden_layer(d: int = 3, d_h: int = 4, m: int = 3) -> ProofGroup:
    """B1: ha = W1 x + b1 equals the elementwise form ha_j = sum_i W1_ji x_i + b1_j.

    Shapes: W1 (d_h, d), x (d, 1), b1 (d_h, 1), ha and hs (d_h, 1). (hs = rect(ha) is a
    definition, not a claim: nothing to prove.)
    """
    net = network(d, d_h, m)
    W, b = sp.IndexedBase("W^{(1)}"), sp.IndexedBase("b^{(1)}")
    xi, i = sp.IndexedBase("x"), sp.Idx("i")
    elementwise = _column(sp.Sum(W[j + 1, i] * xi[i], (i, 1, d)) + b[j + 1] for j in range(d_h))
    indexed: dict[Any, Any] = {xi[i + 1]: net.x[i] for i in range(d)}
    indexed.update({b[j + 1]: net.b1[j] for j in range(d_h)})
    indexed.update({W[j + 1, i + 1]: net.W1[j, i] for j in range(d_h) for i in range(d)})
    ha = prove(
        sp.MatAdd(_matmul(net.W1, net.x), net.b1, evaluate=False),
        elementwise,
        definitions=indexed,
        condition=instance(d=d, d_h=d_h),
    )
    return ProofGroup(
        "B1: hidden layer",
        {"ha": ha},
        notes={"shapes": _shapes(W1=net.W1, x=net.x, b1=net.b1, ha=net.ha_sym, hs=net.hs_sym)},
    )


def b2_output_layer(d: int = 3, d_h: int = 4, m: int = 3) -> ProofGroup:
    """B2: oa = W2 hs + b2 equals the elementwise form oa_k = sum_j W2_kj hs_j + b2_k.

    Shapes: W2 (m, d_h), hs (d_h, 1), b2 (m, 1), oa (m, 1).
    """
    net = network(d, d_h, m)
    W, b = sp.IndexedBase("W^{(2)}"), sp.IndexedBase("b^{(2)}")
    h, j = sp.IndexedBase("h^{s}"), sp.Idx("j")
    elementwise = _column(sp.Sum(W[k + 1, j] * h[j], (j, 1, d_h)) + b[k + 1] for k in range(m))
    indexed: dict[Any, Any] = {h[j + 1]: net.hs_sym[j] for j in range(d_h)}
    indexed.update({b[k + 1]: net.b2[k] for k in range(m)})
    indexed.update({W[k + 1, j + 1]: net.W2[k, j] for k in range(m) for j in range(d_h)})
    oa = prove(
        sp.MatAdd(_matmul(net.W2, net.hs_sym), net.b2, evaluate=False),
        elementwise,
        definitions=indexed,
        condition=instance(d_h=d_h, m=m),
    )
    return ProofGroup(
        "B2: output layer",
        {"oa": oa},
        notes={"shapes": _shapes(W2=net.W2, hs=net.hs_sym, b2=net.b2, oa=net.oa_sym)},
    )


def b3_softmax_positive_sums_to_one(m: int = 3) -> ProofGroup:
    """B3 at one size: the softmax Jacobian d os_k / d oa_l = os_k (delta_kl - os_l)
    (``jacobian``, the quotient rule of B7's second route), sum_k os_k = 1 (``sums_to_one``)
    and every os_k > 0 (``positive``: SymPy's assumptions know exp of a real is positive,
    and so are sums and quotients of positives).
    """
    net = network(1, 1, m)
    definitions = net.forward("oa")
    where = instance(m=m)
    jacobian_symbols = sp.ImmutableMatrix(
        m,
        m,
        lambda a, b: _display(rf"\frac{{\partial o^s_{{{a + 1}}}}}{{\partial o^a_{{{b + 1}}}}}"),
    )
    values = softmax(net.oa_sym)
    for a in range(m):
        for b in range(m):
            definitions[jacobian_symbols[a, b]] = sp.diff(values[a], net.oa_sym[b])
    formula = sp.ImmutableMatrix(
        m, m, lambda a, b: net.os_sym[a] * (sp.KroneckerDelta(a, b) - net.os_sym[b])
    )
    jacobian = prove(jacobian_symbols, formula, definitions=definitions, condition=where)
    sums_to_one = prove(
        sp.Add(*net.os_sym, evaluate=False), sp.S.One, definitions=definitions, condition=where
    )
    start = time.perf_counter()
    for o_k, value in zip(net.os_sym, values, strict=True):
        if value.is_positive is not True:
            raise IdentityError(f"SymPy cannot show {o_k} = {value} > 0")
    positive = Fact(
        statement=sp.And(*[o > 0 for o in net.os_sym], evaluate=False),
        route="SymPy assumptions: exp(real) > 0, sums and quotients of positives are positive",
        seconds=time.perf_counter() - start,
        condition=where,
    )
    return ProofGroup(
        "B3: softmax", {"jacobian": jacobian, "sums_to_one": sums_to_one, "positive": positive}
    )


def b4_loss_logsumexp(m: int = 3, y: int = 0) -> Proof:
    """B4: L = -log os_y = log sum_k exp(oa_k) - oa_y, for oa real (``y`` a Python index)."""
    net = network(1, 1, m)
    _check_label(y, m)
    rhs = sp.Add(logsumexp(net.oa_sym), -net.oa_sym[y], evaluate=False)
    return net.prove(-sp.log(net.os_sym[y]), rhs, "oa", y, condition=instance(y, m=m))


def b5_parameter_count(d: int = 3, d_h: int = 4, m: int = 3) -> ProofGroup:
    """B5: n_theta = d_h (d + 1) + m (d_h + 1).

    ``factorised``: the number of entries of each parameter, derived from its index ranges
    (the shapes of :data:`~mlp.symbolic.index_network.SHAPES`, which the general proofs
    use: W1 has sum_{j=1}^{d_h} sum_{i=1}^{d} 1 entries), adds up to the formula for symbolic
    sizes (a real check: a wrong formula, or a shape stated wrong, fails). ``count``: the
    free symbols of L other than x, counted for every label, equal the formula at
    (d, d_h, m); this is a consistency check, true by construction, since the symbolic
    network is built from the four matrices it counts.
    """
    sizes_of = {"d": N.d, "d_h": N.d_h, "m": N.m}
    D, D_h, M = sizes_of["d"], sizes_of["d_h"], sizes_of["m"]
    formula = D_h * (D + 1) + M * (D_h + 1)
    letters = {"W1": (N.j, N.i), "b1": (N.j,), "W2": (N.k, N.j), "b2": (N.k,)}
    counts = [
        sp.Sum(1, *[(v, 1, bound) for v, bound in zip(names, N.SHAPES[p], strict=True)])
        for p, names in letters.items()
    ]
    factorised = prove(
        sp.Add(*counts, evaluate=False),
        formula,
        routes=("identical", "cancel"),  # integer sizes: no numeric route
        scope="general",
        condition=r"\text{all sizes}",
    )
    start = time.perf_counter()
    net = network(d, d_h, m)
    inputs = set(net.x)
    counted = {len(net.L(y).free_symbols - inputs) for y in range(m)}
    expected = int(formula.subs({D: d, D_h: d_h, M: m}))
    if counted != {expected}:
        raise IdentityError(f"L depends on {counted} parameters, the formula gives {expected}")
    sizes = {name: len(matrix) for name, matrix in net.parameters.items()}
    if sum(sizes.values()) != expected:
        raise IdentityError(f"parameter sizes {sizes} do not add up to {expected}")
    count = ParameterCount(
        d=d,
        d_h=d_h,
        m=m,
        sizes=sizes,
        n_theta=expected,
        formula=formula,
        seconds=time.perf_counter() - start,
    )
    return ProofGroup(
        "B5: number of parameters",
        {"factorised": factorised, "count": count},  # type: ignore[dict-item]
    )


def b6_gradient_descent(d: int = 1, d_h: int = 2, m: int = 2) -> ProofGroup:
    """B6, consistency checks (true by construction, for any differentiable function):
    ``average``, the gradient of R = (L_1 + L_2) / 2 is the average of the gradients of L_1
    and L_2 (examples x^(1), x^(2) with labels 1 and 2), and ``slope``, the derivative of
    eta -> R(theta + eta v) at 0 is v^T grad R (the chain rule), on the symbolic network.

    Both hold whatever the network, because SymPy's ``diff`` is linear and follows the chain
    rule: they check the algebra of the algorithm, not a formula of the book.
    """
    net = network(d, d_h, m)
    theta = net.theta

    def example_loss(n: int, y: int) -> Expr:
        x_n = [sp.Symbol(f"x^{{({n})}}_{{{k + 1}}}", real=True) for k in range(net.d)]
        return net.L(y).xreplace(dict(zip(net.x, x_n, strict=True)))

    def partials(numerator: str) -> sp.ImmutableMatrix:
        return sp.ImmutableMatrix(
            [_display(rf"\frac{{\partial {numerator}}}{{\partial {sp.latex(p)}}}") for p in theta]
        )

    L_1, L_2 = example_loss(1, 0), example_loss(2, min(1, m - 1))
    risk = (L_1 + L_2) / 2
    dR, dL_1, dL_2 = partials(r"\hat{R}"), partials("L_1"), partials("L_2")
    definitions: dict[Any, Any] = {}
    for symbols, f in ((dR, risk), (dL_1, L_1), (dL_2, L_2)):
        definitions.update({g: sp.diff(f, p) for g, p in zip(symbols, theta, strict=True)})
    where = instance(d=d, d_h=d_h, m=m) + r",\ n = 2"
    half_sum = _matmul(sp.S.Half, sp.MatAdd(dL_1, dL_2, evaluate=False))
    average = prove(dR, half_sum, definitions=definitions, condition=where, kind="by construction")
    eta = sp.Symbol("eta", real=True)
    v = [sp.Symbol(f"v_{{{n + 1}}}", real=True) for n in range(len(theta))]
    moved = risk.xreplace({p: p + eta * v_p for p, v_p in zip(theta, v, strict=True)})
    slope_symbol = _display(
        r"\left.\frac{d}{d\eta}\hat{R}(\theta + \eta\,\mathbf{v})\right|_{\eta=0}"
    )
    definitions[slope_symbol] = sp.diff(moved, eta).subs(eta, 0)
    slope = prove(  # a 1 x 1 matrix on each side: v^T (column of partials)
        sp.ImmutableMatrix([[slope_symbol]]),
        _matmul(sp.ImmutableMatrix([v]), dR),
        definitions=definitions,
        condition=where,
        kind="by construction",
    )
    return ProofGroup(
        "B6: gradient of an average, slope along a direction",
        {"average": average, "slope": slope},
        notes={"n_theta": len(theta)},
    )


def b7_grad_oa(m: int = 3, y: int = 0) -> ProofGroup:
    """B7: dL/doa = os - onehot(y): ``k_ne_y`` (dL/doa_k = os_k for k != y), ``k_eq_y``
    (dL/doa_y = os_y - 1) and ``vector``, differentiating L = -log os_y as a function of oa.
    """
    net = network(1, 1, m)
    _check_label(y, m)
    where = instance(y, m=m)
    grad = net.partial_symbols("oa")
    others = [k for k in range(m) if k != y]
    proofs: dict[str, Proof | Fact] = {}
    if others:
        proofs["k_ne_y"] = net.prove(
            _column(grad[k] for k in others),
            _column(net.os_sym[k] for k in others),
            "oa",
            y,
            condition=where,
        )
    proofs["k_eq_y"] = net.prove(grad[y], net.os_sym[y] - 1, "oa", y, condition=where)
    proofs["vector"] = net.prove(
        grad,
        sp.MatAdd(net.os_sym, _matmul(-1, onehot(y, m)), evaluate=False),
        "oa",
        y,
        condition=where,
    )
    return ProofGroup("B7: gradient with respect to oa", proofs)


def b8_grad_oa_batch(m: int = 3, labels: tuple[int, ...] = (0, 2)) -> Proof:
    """B8: for a minibatch of K = len(labels) examples with symbolic logits O^a (K, m), the
    gradient of R_K = (1/K) sum_t L_t with respect to O^a is (O^s - Y) / K, Y the one-hot rows.
    """
    K = len(labels)
    for y in labels:
        _check_label(y, m)

    def symbols(template: str) -> sp.ImmutableMatrix:
        return sp.ImmutableMatrix(
            K, m, lambda t, k: _display(template.replace("TK", f"{t + 1}{k + 1}"))
        )

    Oa, Os = symbols("O^{a}_{TK}"), symbols("O^{s}_{TK}")
    grad = symbols(r"\frac{\partial \hat{R}_K}{\partial O^{a}_{TK}}")
    Y = sp.ImmutableMatrix([onehot(y, m).T for y in labels])
    risk = sum(logsumexp(Oa.row(t).T) - Oa[t, labels[t]] for t in range(K)) / K
    definitions: dict[Any, Any] = {g: sp.diff(risk, o) for g, o in zip(grad, Oa, strict=True)}
    for t in range(K):
        definitions.update(zip(Os.row(t), softmax(Oa.row(t).T), strict=True))
    where = instance(m=m, K=K) + r",\ y = (" + ", ".join(str(y + 1) for y in labels) + ")"
    return prove(
        grad,
        _matmul(sp.Rational(1, K), sp.MatAdd(Os, _matmul(-1, Y), evaluate=False)),
        definitions=definitions,
        condition=where,
    )


def b9_grad_W2_b2(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> ProofGroup:
    """B9: chain rule entry by entry, dL/dW2_kj = dL/doa_k h^s_j and dL/db2_k = dL/doa_k,
    against the direct derivatives of the fully substituted loss. Shapes (m, d_h) and (m, 1).
    """
    net = network(d, d_h, m)
    where = instance(y, d=d, d_h=d_h, m=m)
    g = net.partial_symbols("oa")
    W2 = sp.ImmutableMatrix(m, d_h, lambda k, j: g[k] * net.hs_sym[j])
    return ProofGroup(
        "B9: gradients of W2 and b2, entry by entry",
        {
            "W2": net.prove(W2, net.partial_symbols("W2"), "params", y, condition=where),
            "b2": net.prove(_column(g), net.partial_symbols("b2"), "params", y, condition=where),
        },
    )


def b10_grad_W2_b2_matrix(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> ProofGroup:
    """B10: grad_W2 = grad_oa hs^T (m, 1)(1, d_h) -> (m, d_h) and grad_b2 = grad_oa (m, 1),
    against the direct derivatives of the loss.
    """
    net = network(d, d_h, m)
    where = instance(y, d=d, d_h=d_h, m=m)
    g = net.partial_symbols("oa")
    return ProofGroup(
        "B10: gradients of W2 and b2, matrix form",
        {
            "W2": net.prove(
                _matmul(g, net.hs_sym.T), net.partial_symbols("W2"), "params", y, condition=where
            ),
            "b2": net.prove(g, net.partial_symbols("b2"), "params", y, condition=where),
        },
        notes={"shapes": _shapes(grad_oa=g, hs=net.hs_sym, grad_W2=net.W2, grad_b2=net.b2)},
    )


def b11_grad_hs(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> Proof:
    """B11: dL/dh^s_j = sum_k dL/doa_k W2_kj, against diff of L as a function of hs."""
    net = network(d, d_h, m)
    g = net.partial_symbols("oa")
    lhs = _column(sp.Add(*[g[k] * net.W2[k, j] for k in range(m)]) for j in range(d_h))
    return net.prove(
        lhs, net.partial_symbols("hs"), "hs", y, condition=instance(y, d=d, d_h=d_h, m=m)
    )


def b12_grad_hs_matrix(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> Proof:
    """B12: grad_hs = W2^T grad_oa, (d_h, m)(m, 1) -> (d_h, 1), against diff of L(hs)."""
    net = network(d, d_h, m)
    lhs = _matmul(net.W2.T, net.partial_symbols("oa"))
    return net.prove(
        lhs, net.partial_symbols("hs"), "hs", y, condition=instance(y, d=d, d_h=d_h, m=m)
    )


def b13_grad_ha(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> Proof:
    """B13: dL/dh^a_j = dL/dh^s_j rect'(h^a_j) with rect'(z) = 1{z > 0}, against diff of L(ha)."""
    net = network(d, d_h, m)
    g, r = net.partial_symbols("hs"), net.rect_prime_symbols()
    return net.prove(
        _column(g[j] * r[j] for j in range(d_h)),
        net.partial_symbols("ha"),
        "ha",
        y,
        condition=instance(y, d=d, d_h=d_h, m=m),
    )


def b14_grad_ha_matrix(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> Proof:
    """B14: grad_ha = grad_hs * rect'(ha) elementwise, all (d_h, 1), against diff of L(ha)."""
    net = network(d, d_h, m)
    lhs = sp.HadamardProduct(net.partial_symbols("hs"), net.rect_prime_symbols())
    return net.prove(
        lhs, net.partial_symbols("ha"), "ha", y, condition=instance(y, d=d, d_h=d_h, m=m)
    )


def b15_grad_W1_b1(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> ProofGroup:
    """B15: dL/dW1_ji = dL/dh^a_j x_i and dL/db1_j = dL/dh^a_j, against the direct derivatives
    of the fully substituted loss. Shapes (d_h, d) and (d_h, 1).
    """
    net = network(d, d_h, m)
    where = instance(y, d=d, d_h=d_h, m=m)
    g = net.partial_symbols("ha")
    W1 = sp.ImmutableMatrix(d_h, d, lambda j, i: g[j] * net.x[i])
    return ProofGroup(
        "B15: gradients of W1 and b1, entry by entry",
        {
            "W1": net.prove(W1, net.partial_symbols("W1"), "params", y, condition=where),
            "b1": net.prove(_column(g), net.partial_symbols("b1"), "params", y, condition=where),
        },
    )


def b16_grad_W1_b1_matrix(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> ProofGroup:
    """B16: grad_W1 = grad_ha x^T (d_h, 1)(1, d) -> (d_h, d) and grad_b1 = grad_ha (d_h, 1),
    against the direct derivatives of the loss.
    """
    net = network(d, d_h, m)
    where = instance(y, d=d, d_h=d_h, m=m)
    g = net.partial_symbols("ha")
    return ProofGroup(
        "B16: gradients of W1 and b1, matrix form",
        {
            "W1": net.prove(
                _matmul(g, net.x.T), net.partial_symbols("W1"), "params", y, condition=where
            ),
            "b1": net.prove(g, net.partial_symbols("b1"), "params", y, condition=where),
        },
        notes={"shapes": _shapes(grad_ha=g, x=net.x, grad_W1=net.W1, grad_b1=net.b1)},
    )


def b17_grad_x(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> Proof:
    """B17: grad_x = W1^T grad_ha, (d, d_h)(d_h, 1) -> (d, 1), against the direct derivative."""
    net = network(d, d_h, m)
    lhs = _matmul(net.W1.T, net.partial_symbols("ha"))
    return net.prove(
        lhs, net.partial_symbols("x"), "params", y, condition=instance(y, d=d, d_h=d_h, m=m)
    )


def b18_regularized_gradient(d: int = 3, d_h: int = 4, m: int = 3, y: int = 0) -> ProofGroup:
    """B18: with R~ = L + l11 ||W1||_1 + l12 ||W1||_2^2 + l21 ||W2||_1 + l22 ||W2||_2^2,
    dR~/dW1 = dL/dha x^T + l11 sign(W1) + 2 l12 W1, dR~/dW2 = dL/doa hs^T + l21 sign(W2)
    + 2 l22 W2, dR~/db1 = dL/dha and dR~/db2 = dL/doa (biases not penalised), against the
    direct derivatives of R~.

    The data terms are the chain-rule products of B10 and B16 (dL/doa and dL/dha are the
    derivatives of L at their own level), so a wrong penalty term, a penalised bias, or a
    wrong data term all fail. Written for one example; at W_ij = 0, |W_ij| has no
    derivative, and sign(0) = 0 is the subgradient the code uses.
    """
    net = network(d, d_h, m)
    where = instance(y, d=d, d_h=d_h, m=m)
    lam = {n: sp.Symbol(rf"\lambda_{{{n}}}", nonnegative=True) for n in ("11", "12", "21", "22")}
    penalty = (
        lam["11"] * l1_norm(net.W1)
        + lam["12"] * l2_squared(net.W1)
        + lam["21"] * l1_norm(net.W2)
        + lam["22"] * l2_squared(net.W2)
    )
    R = net.L(y) + penalty
    R_tilde = r"\tilde{R}"
    definitions: dict[Any, Any] = {}
    for matrix in net.parameters.values():
        for g, theta in zip(_partials(R_tilde, matrix), matrix, strict=True):
            definitions[g] = sp.diff(R, theta)
    g_oa, g_ha = net.partial_symbols("oa"), net.partial_symbols("ha")
    data = {
        "W1": _matmul(g_ha, net.x.T),
        "b1": g_ha,
        "W2": _matmul(g_oa, net.hs_sym.T),
        "b2": g_oa,
    }
    proofs: dict[str, Proof | Fact] = {}
    for name, l1, l2 in (
        ("W1", "11", "12"),
        ("b1", None, None),
        ("W2", "21", "22"),
        ("b2", None, None),
    ):
        matrix = net.parameters[name]
        if l1 is None:
            rhs: Any = data[name]
        else:
            rhs = sp.MatAdd(
                data[name],
                _matmul(lam[l1], matrix.applyfunc(sp.sign)),
                _matmul(2 * lam[l2], matrix),
                evaluate=False,
            )
        proofs[name] = net.prove(
            _partials(R_tilde, matrix),
            rhs,
            "params",
            y,
            definitions=definitions,
            condition=where,
        )
    return ProofGroup(
        "B18: gradient of the elastic-net regularized risk",
        proofs,
        notes={"penalty": penalty, "lambdas": lam},
    )
