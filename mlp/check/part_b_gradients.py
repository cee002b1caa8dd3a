r"""The questions of Part B's backward pass, B6 to B18, with their anticipated mistakes.

One question per quantity, named after the homework's question and the array it asks for
(``B9.W2``, ``B9.b2``, ..., ``B18.b2``); B6 asks for the gradient of the empirical risk from
the per-example gradients. Each gives the book's answer, the same answer written differently,
a formula that shows the syntax without being the answer, and at least two anticipated
mistakes with their diagnosis. A question at one example takes the gradients above it as known
(``grad_oa``, ``grad_hs``, ``grad_ha``, as the homework asks: express the gradient with what the
previous questions computed); a minibatch question takes ``G_oa``, ``G_hs``, ``G_ha``, the
gradients of the minibatch risk R_K = (1/K) sum_t L_t, whose 1/K is in ``G_oa``.
"""

from __future__ import annotations

import sympy as sp

from mlp.check.network_questions import mistakes, network_question
from mlp.check.notation import Array
from mlp.symbolic import index_network as N
from mlp.symbolic.indexed import display_function
from mlp.symbolic.part_b_general import regularized_gradient_claims

__all__ = ["QUESTIONS"]

i, j, k, t = N.i, N.j, N.k, N.t
dL, dR = N.dL, N.dR

RECT_MISSING = (
    "the rectifier's derivative is missing: h^s_j = rect(h^a_j), so the gradient reaching "
    "h^a_j is dL/dh^s_j rect'(h^a_j), with rect'(z) = 1{{z > 0}}; your formula differs exactly "
    "where h^a_j < 0, where no gradient passes{extra}"
)
ONE_OVER_K_TWICE = (
    "the 1/K is applied twice: G_oa = (O^s - Y)/K already holds the 1/K of the mean over the "
    "minibatch, and every gradient computed from it inherits it; do not divide by K again"
)
T_SUM_MISSING = (
    "the sum over the examples is missing: each example t contributes to this gradient, "
    "so it is Sum(..., (t, 1, K)) of the per-example products"
)

# --- B6: the gradient of a mean ---------------------------------------------------------------

_dRdtheta = display_function("dR_dtheta", r"\frac{{\partial \hat R}}{{\partial \theta}}")
_dLt = display_function("dL_dtheta", r"\frac{{\partial L^{{({0})}}}}{{\partial \theta}}", 2)


def _b6_own() -> dict:
    one = lambda a, b: sp.Derivative(-sp.log(N.OS_of(a, N.labels[a], "hs")), N.b2[b])
    return {_dRdtheta: lambda a: sp.Derivative(N.risk("hs"), N.b2[a]), _dLt: one}


B6 = network_question(
    "B6",
    "b06",
    "the gradient of the empirical risk of n examples, from the per-example gradients "
    "grad_L[i] = dL(x^(i), y^(i))/dtheta (checked with theta = b2[k])",
    "dR/dtheta",
    "Sum(grad_L[i], (i, 1, n)) / n",
    "Sum(grad_L[i] / n, (i, 1, n))",
    "Sum(grad_L[i]**2, (i, 1, n)) - 3",
    mistakes(
        (
            "1/n missing",
            "Sum(grad_L[i], (i, 1, n))",
            "the 1/n is missing: the risk is the mean of the n losses, so its gradient is the "
            "mean of their gradients, not their sum",
        ),
        (
            "1/n twice",
            "Sum(grad_L[i], (i, 1, n)) / n**2",
            "the 1/n is applied twice: the mean divides the sum by n once",
        ),
    ),
    lhs=lambda: _dRdtheta(k),
    indices=(k,),
    level="hs",
    batch=True,
    drop=("X", "W1", "b1", "HA", "HS", "W2", "b2", "OA", "OS", "Y", "y"),
    extra=lambda: (
        Array(
            "grad_L", (N.K,), lambda a: _dLt(a, k), "dL^(i)/dtheta, example i's gradient", ("i",)
        ),
    ),
    own=_b6_own,
    renamed={"n": N.K, "i": N.t},
    unshown=(k,),
)

# --- B7 and B8: the output layer ------------------------------------------------------------

B7 = network_question(
    "B7",
    "b07",
    "dL/do^a_k, the gradient at the output pre-activations, one example",
    "dL/doa[k]",
    "os[k] - onehot[k]",
    "exp(oa[k]) / Sum(exp(oa[c]), (c, 1, m)) - KroneckerDelta(k, y)",
    "2 * os[k]**2 - indicator(k == y)",
    mistakes(
        (
            "sign flipped",
            "onehot[k] - os[k]",
            "the sign is flipped: L = -log o^s_y decreases when o^a_y grows, so dL/do^a_y = "
            "o^s_y - 1 is negative",
        ),
        (
            "os - 1 for every k",
            "os[k] - 1",
            "softmax and cross-entropy: you used o^s_k - 1 for every k; the -1 comes from "
            "differentiating -o^a_y, so only the entry k = y has it: o^s_k - onehot_m(y)_k",
        ),
        (
            "one-hot missing",
            "os[k]",
            "the one-hot term is missing: L = log sum_c exp(o^a_c) - o^a_y, and the second "
            "term gives -1 at k = y",
        ),
    ),
    lhs=lambda: dL["oa"](k),
    indices=(k,),
    level="oa",
    only_m=True,
    numeric="one",
)

B8 = network_question(
    "B8",
    "b08",
    "G_oa[t, k] = dR_K/dO^a_tk, the output gradient of a minibatch of K examples (rows)",
    "G_oa[t, k]",
    "(OS[t, k] - Y[t, k]) / K",
    "OS[t, k] / K - KroneckerDelta(k, y[t]) / K",
    "Sum(OS[t, c]**2, (c, 1, m)) / K",
    mistakes(
        (
            "1/K missing",
            "OS[t, k] - Y[t, k]",
            "the 1/K is missing: the minibatch risk is the mean of the K losses, "
            "R_K = (1/K) sum_t L_t, so every entry of its gradient carries a 1/K",
        ),
        ("1/K twice", "(OS[t, k] - Y[t, k]) / K**2", ONE_OVER_K_TWICE),
        (
            "sign flipped",
            "(Y[t, k] - OS[t, k]) / K",
            "the sign is flipped: the gradient is O^s - Y (predicted minus true), over K",
        ),
    ),
    lhs=lambda: dR["OA"](t, k),
    indices=(t, k),
    level="oa",
    batch=True,
    only_m=True,
    numeric="batch",
)

# --- B9 and B10: the output layer's parameters -----------------------------------------------

_W2_SWAPPED = (
    "the indices are swapped: W2 is m x d_h and its entry (k, j) connects hidden unit j to "
    "output k, so dL/dW2_kj = dL/do^a_k h^s_j"
)
_HA_FOR_HS = (
    "you used h^a_j where o^a_k = sum_j W2_kj h^s_j + b2_k multiplies W2_kj by the hidden "
    "output h^s_j = rect(h^a_j): the rectifier is missing"
)

B9_W2 = network_question(
    "B9.W2",
    "b09",
    "dL/dW2_kj, one example, from dL/do^a_k (B7)",
    "dL/dW2[k, j]",
    "grad_oa[k] * hs[j]",
    "hs[j] * (os[k] - onehot[k])",
    "grad_oa[k] * W2[k, j]**2",
    mistakes(
        ("indices swapped", "grad_oa[j] * hs[k]", _W2_SWAPPED),
        ("ha for hs", "grad_oa[k] * ha[j]", _HA_FOR_HS),
        (
            "sum over j",
            "Sum(grad_oa[k] * hs[j], (j, 1, d_h))",
            "W2_kj appears in o^a_k in one term only, W2_kj h^s_j: there is no sum over j",
        ),
    ),
    lhs=lambda: dL["W2"](k, j),
    indices=(k, j),
    level="params",
    known=("grad_oa",),
    numeric="one",
)

B9_b2 = network_question(
    "B9.b2",
    "b09",
    "dL/db2_k, one example, from dL/do^a_k (B7)",
    "dL/db2[k]",
    "grad_oa[k]",
    "os[k] - onehot[k]",
    "2 * grad_oa[k] - b2[k]",
    mistakes(
        (
            "times hs",
            "grad_oa[k] * hs[j]",
            "a bias has no input: o^a_k = ... + b2_k, so do^a_k/db2_k = 1 and dL/db2_k = dL/do^a_k",
        ),
        (
            "sum over k",
            "Sum(grad_oa[k], (k, 1, m))",
            "b2_k enters o^a_k only: there is no sum over the outputs",
        ),
    ),
    lhs=lambda: dL["b2"](k),
    indices=(k,),
    level="params",
    known=("grad_oa",),
    numeric="one",
)

B10_W2 = network_question(
    "B10.W2",
    "b10",
    "dR_K/dW2_kj for a minibatch, from G_oa (B8): entry (k, j) of G_oa^T H^s",
    "dR_K/dW2[k, j]",
    "Sum(G_oa[t, k] * HS[t, j], (t, 1, K))",
    "Sum(HS[t, j] * (OS[t, k] - Y[t, k]), (t, 1, K)) / K",
    "Sum(G_oa[t, k]**2, (t, 1, K)) * b2[k]",
    mistakes(
        ("1/K twice", "Sum(G_oa[t, k] * HS[t, j], (t, 1, K)) / K", ONE_OVER_K_TWICE),
        ("sum over t missing", "G_oa[t, k] * HS[t, j]", T_SUM_MISSING),
        ("HA for HS", "Sum(G_oa[t, k] * HA[t, j], (t, 1, K))", _HA_FOR_HS),
    ),
    lhs=lambda: dR["W2"](k, j),
    indices=(k, j),
    level="params",
    batch=True,
    known=("G_oa",),
    numeric="batch",
)

B10_b2 = network_question(
    "B10.b2",
    "b10",
    "dR_K/db2_k for a minibatch, from G_oa (B8): entry k of G_oa^T 1_K",
    "dR_K/db2[k]",
    "Sum(G_oa[t, k], (t, 1, K))",
    "Sum(OS[t, k] - Y[t, k], (t, 1, K)) / K",
    "Sum(G_oa[t, k]**2, (t, 1, K))",
    mistakes(
        ("1/K twice", "Sum(G_oa[t, k], (t, 1, K)) / K", ONE_OVER_K_TWICE),
        ("sum over t missing", "G_oa[t, k]", T_SUM_MISSING),
    ),
    lhs=lambda: dR["b2"](k),
    indices=(k,),
    level="params",
    batch=True,
    known=("G_oa",),
    numeric="batch",
)

# --- B11 and B12: the hidden outputs ---------------------------------------------------------

_W2_NOT_TRANSPOSED = (
    "W2 is not transposed: h^s_j feeds every output k through W2_kj (column j of W2), so the "
    "sum over k reads W2[k, j]; in matrix form it is W2^T dL/do^a (G_oa W2 for a minibatch)"
)

B11 = network_question(
    "B11",
    "b11",
    "dL/dh^s_j, one example, from dL/do^a_k (B7)",
    "dL/dhs[j]",
    "Sum(grad_oa[k] * W2[k, j], (k, 1, m))",
    "Sum(W2[c, j] * (os[c] - onehot[c]), (c, 1, m))",
    "Sum(grad_oa[k] * W2[k, j]**2, (k, 1, m))",
    mistakes(
        ("W2 not transposed", "Sum(grad_oa[k] * W2[j, k], (k, 1, m))", _W2_NOT_TRANSPOSED),
        (
            "sum over k missing",
            "grad_oa[k] * W2[k, j]",
            "h^s_j influences L through every output o^a_k: the chain rule sums over k",
        ),
        (
            "hs for W2",
            "Sum(grad_oa[k] * hs[j], (k, 1, m))",
            "do^a_k/dh^s_j is the weight W2_kj, not h^s_j",
        ),
    ),
    lhs=lambda: dL["hs"](j),
    indices=(j,),
    level="hs",
    known=("grad_oa",),
    numeric="one",
)

B12 = network_question(
    "B12",
    "b12",
    "G_hs[t, j] = dR_K/dH^s_tj for a minibatch, from G_oa (B8): entry (t, j) of G_oa W2",
    "G_hs[t, j]",
    "Sum(G_oa[t, k] * W2[k, j], (k, 1, m))",
    "Sum(W2[c, j] * (OS[t, c] - Y[t, c]), (c, 1, m)) / K",
    "Sum(G_oa[t, k] * W2[k, j]**2, (k, 1, m))",
    mistakes(
        ("W2 not transposed", "Sum(G_oa[t, k] * W2[j, k], (k, 1, m))", _W2_NOT_TRANSPOSED),
        ("1/K twice", "Sum(G_oa[t, k] * W2[k, j], (k, 1, m)) / K", ONE_OVER_K_TWICE),
        (
            "sum over k missing",
            "G_oa[t, k] * W2[k, j]",
            "H^s_tj influences the risk through every output O^a_tk: the chain rule sums over k",
        ),
    ),
    lhs=lambda: dR["HS"](t, j),
    indices=(t, j),
    level="hs",
    batch=True,
    known=("G_oa",),
    numeric="batch",
)

# --- B13 and B14: the hidden pre-activations -------------------------------------------------

B13 = network_question(
    "B13",
    "b13",
    "dL/dh^a_j, one example, from dL/dh^s_j (B11)",
    "dL/dha[j]",
    "grad_hs[j] * relu_prime(ha[j])",
    "Heaviside(ha[j], 0) * grad_hs[j]",
    "grad_hs[j] * exp(-ha[j]**2)",
    mistakes(
        ("rect' missing", "grad_hs[j]", RECT_MISSING.format(extra="")),
        (
            "times hs",
            "grad_hs[j] * hs[j]",
            "you multiplied by h^s_j = rect(h^a_j), the activation, instead of its "
            "derivative rect'(h^a_j) = 1{h^a_j > 0}",
        ),
    ),
    lhs=lambda: dL["ha"](j),
    indices=(j,),
    level="ha",
    known=("grad_oa", "grad_hs"),
    numeric="one",
)

B14 = network_question(
    "B14",
    "b14",
    "G_ha[t, j] = dR_K/dH^a_tj for a minibatch, from G_hs (B12): G_hs * rect'(H^a) entrywise",
    "G_ha[t, j]",
    "G_hs[t, j] * relu_prime(HA[t, j])",
    "G_hs[t, j] * indicator(HA[t, j] > 0)",
    "G_hs[t, j] * exp(-HA[t, j]**2)",
    mistakes(
        ("rect' missing", "G_hs[t, j]", RECT_MISSING.format(extra="")),
        (
            "times HS",
            "G_hs[t, j] * HS[t, j]",
            "you multiplied by H^s_tj = rect(H^a_tj), the activation, instead of its "
            "derivative rect'(H^a_tj) = 1{H^a_tj > 0}",
        ),
        ("1/K twice", "G_hs[t, j] * relu_prime(HA[t, j]) / K", ONE_OVER_K_TWICE),
    ),
    lhs=lambda: dR["HA"](t, j),
    indices=(t, j),
    level="ha",
    batch=True,
    known=("G_oa", "G_hs"),
    numeric="batch",
)

# --- B15 and B16: the hidden layer's parameters ----------------------------------------------

_W1_SWAPPED = (
    "the indices are swapped: W1 is d_h x d and its entry (j, i) connects input i to hidden "
    "unit j, so dL/dW1_ji = dL/dh^a_j x_i"
)
_GRAD_HS_FOR_HA = RECT_MISSING.format(extra=" (you used dL/dh^s_j where dL/dh^a_j is needed)")

B15_W1 = network_question(
    "B15.W1",
    "b15",
    "dL/dW1_ji, one example, from dL/dh^a_j (B13)",
    "dL/dW1[j, i]",
    "grad_ha[j] * x[i]",
    "x[i] * grad_hs[j] * relu_prime(ha[j])",
    "grad_ha[j] * W1[j, i]**2",
    mistakes(
        ("rect' missing", "grad_hs[j] * x[i]", _GRAD_HS_FOR_HA),
        ("indices swapped", "grad_ha[i] * x[j]", _W1_SWAPPED),
        (
            "sign flipped",
            "-grad_ha[j] * x[i]",
            "the sign is flipped: dh^a_j/dW1_ji = +x_i",
        ),
    ),
    lhs=lambda: dL["W1"](j, i),
    indices=(j, i),
    level="params",
    known=("grad_oa", "grad_hs", "grad_ha"),
    numeric="one",
)

B15_b1 = network_question(
    "B15.b1",
    "b15",
    "dL/db1_j, one example, from dL/dh^a_j (B13)",
    "dL/db1[j]",
    "grad_ha[j]",
    "grad_hs[j] * relu_prime(ha[j])",
    "2 * grad_ha[j] - b1[j]",
    mistakes(
        ("rect' missing", "grad_hs[j]", _GRAD_HS_FOR_HA),
        (
            "times x",
            "grad_ha[j] * x[i]",
            "a bias has no input: h^a_j = ... + b1_j, so dh^a_j/db1_j = 1",
        ),
    ),
    lhs=lambda: dL["b1"](j),
    indices=(j,),
    level="params",
    known=("grad_oa", "grad_hs", "grad_ha"),
    numeric="one",
)

B16_W1 = network_question(
    "B16.W1",
    "b16",
    "dR_K/dW1_ji for a minibatch, from G_ha (B14): entry (j, i) of G_ha^T X",
    "dR_K/dW1[j, i]",
    "Sum(G_ha[t, j] * X[t, i], (t, 1, K))",
    "Sum(X[t, i] * G_hs[t, j] * relu_prime(HA[t, j]), (t, 1, K))",
    "Sum(G_ha[t, j]**2, (t, 1, K)) * W1[j, i]",
    mistakes(
        ("rect' missing", "Sum(G_hs[t, j] * X[t, i], (t, 1, K))", _GRAD_HS_FOR_HA),
        ("1/K twice", "Sum(G_ha[t, j] * X[t, i], (t, 1, K)) / K", ONE_OVER_K_TWICE),
        ("indices swapped", "Sum(G_ha[t, i] * X[t, j], (t, 1, K))", _W1_SWAPPED),
    ),
    lhs=lambda: dR["W1"](j, i),
    indices=(j, i),
    level="params",
    batch=True,
    known=("G_oa", "G_hs", "G_ha"),
    numeric="batch",
)

B16_b1 = network_question(
    "B16.b1",
    "b16",
    "dR_K/db1_j for a minibatch, from G_ha (B14): entry j of G_ha^T 1_K",
    "dR_K/db1[j]",
    "Sum(G_ha[t, j], (t, 1, K))",
    "Sum(G_hs[t, j] * relu_prime(HA[t, j]), (t, 1, K))",
    "Sum(G_ha[t, j]**2, (t, 1, K))",
    mistakes(
        ("1/K twice", "Sum(G_ha[t, j], (t, 1, K)) / K", ONE_OVER_K_TWICE),
        ("sum over t missing", "G_ha[t, j]", T_SUM_MISSING),
    ),
    lhs=lambda: dR["b1"](j),
    indices=(j,),
    level="params",
    batch=True,
    known=("G_oa", "G_hs", "G_ha"),
    numeric="batch",
)

# --- B17: the input ---------------------------------------------------------------------------

_W1_NOT_TRANSPOSED = (
    "W1 is not transposed: x_i feeds every hidden unit j through W1_ji (column i of W1), so "
    "the sum over j reads W1[j, i]; in matrix form it is W1^T dL/dh^a (G_ha W1 for a minibatch)"
)

B17 = network_question(
    "B17",
    "b17",
    "dL/dx_i, one example, from dL/dh^a_j (B13)",
    "dL/dx[i]",
    "Sum(grad_ha[j] * W1[j, i], (j, 1, d_h))",
    "Sum(W1[j, i] * grad_hs[j] * relu_prime(ha[j]), (j, 1, d_h))",
    "Sum(grad_ha[j] * W1[j, i]**2, (j, 1, d_h))",
    mistakes(
        ("W1 not transposed", "Sum(grad_ha[j] * W1[i, j], (j, 1, d_h))", _W1_NOT_TRANSPOSED),
        ("rect' missing", "Sum(grad_hs[j] * W1[j, i], (j, 1, d_h))", _GRAD_HS_FOR_HA),
        (
            "sum over j missing",
            "grad_ha[j] * W1[j, i]",
            "x_i influences L through every hidden unit h^a_j: the chain rule sums over j",
        ),
    ),
    lhs=lambda: dL["x"](i),
    indices=(i,),
    level="params",
    known=("grad_oa", "grad_hs", "grad_ha"),
    numeric="one",
)

B17_X = network_question(
    "B17.X",
    "b17",
    "dR_K/dX_ti for a minibatch, from G_ha (B14): entry (t, i) of G_ha W1",
    "dR_K/dX[t, i]",
    "Sum(G_ha[t, j] * W1[j, i], (j, 1, d_h))",
    "Sum(W1[j, i] * G_hs[t, j] * relu_prime(HA[t, j]), (j, 1, d_h))",
    "Sum(G_ha[t, j] * W1[j, i]**2, (j, 1, d_h))",
    mistakes(
        ("W1 not transposed", "Sum(G_ha[t, j] * W1[i, j], (j, 1, d_h))", _W1_NOT_TRANSPOSED),
        ("1/K twice", "Sum(G_ha[t, j] * W1[j, i], (j, 1, d_h)) / K", ONE_OVER_K_TWICE),
    ),
    lhs=lambda: dR["X"](t, i),
    indices=(t, i),
    level="params",
    batch=True,
    known=("G_oa", "G_hs", "G_ha"),
    numeric="batch",
)

# --- B18: the elastic-net regularized risk ---------------------------------------------------


def _b18(name: str) -> tuple:
    claims, own = regularized_gradient_claims()
    return claims[name][0], own


_PER_EXAMPLE = (
    "the penalty is added once per example: inside the sum over t it counts K times, but it "
    "enters the regularized risk once, so its gradient is added once, after the sum"
)
_BIAS = (
    "the biases are not penalised: the penalty involves W1 and W2 only, so the gradient of a "
    "bias is unchanged"
)
_ABS = "you wrote the penalty itself, |W|, where its derivative sign(W) is needed (A6, A9)"
B18_W1 = network_question(
    "B18.W1",
    "b18",
    "dR~_K/dW1_ji, the regularized minibatch risk R~_K = R_K + the elastic-net penalty, from "
    "G_ha (B14)",
    "dR~_K/dW1[j, i]",
    "Sum(G_ha[t, j] * X[t, i], (t, 1, K)) + lambda11 * sign(W1[j, i]) + 2 * lambda12 * W1[j, i]",
    "Sum(X[t, i] * G_ha[t, j], (t, 1, K)) + lambda11 * (indicator(W1[j, i] > 0) - "
    "indicator(W1[j, i] < 0)) + lambda12 * (W1[j, i] + W1[j, i])",
    "Sum(G_ha[t, j], (t, 1, K)) * lambda11 - lambda12 * W1[j, i]**3",
    mistakes(
        (
            "penalty per example",
            "Sum(G_ha[t, j] * X[t, i] + lambda11 * sign(W1[j, i]) + 2 * lambda12 * W1[j, i], "
            "(t, 1, K))",
            _PER_EXAMPLE,
        ),
        (
            "factor 2 missing",
            "Sum(G_ha[t, j] * X[t, i], (t, 1, K)) + lambda11 * sign(W1[j, i]) + lambda12 * "
            "W1[j, i]",
            "the derivative of lambda12 W^2 is 2 lambda12 W: the factor 2 is missing",
        ),
        (
            "lambdas swapped",
            "Sum(G_ha[t, j] * X[t, i], (t, 1, K)) + lambda12 * sign(W1[j, i]) + 2 * lambda11 "
            "* W1[j, i]",
            "lambda11 weighs the L1 penalty |W| (whose derivative is sign(W)) and lambda12 the "
            "squared L2 penalty W^2 (derivative 2W): they are swapped",
        ),
        (
            "abs for sign",
            "Sum(G_ha[t, j] * X[t, i], (t, 1, K)) + lambda11 * Abs(W1[j, i]) + 2 * lambda12 "
            "* W1[j, i]",
            _ABS,
        ),
    ),
    lhs=lambda: _b18("W1")[0],
    own=lambda: _b18("W1")[1],
    indices=(j, i),
    level="params",
    batch=True,
    known=("G_oa", "G_hs", "G_ha"),
    lambdas=True,
    numeric="batch",
)

B18_b1 = network_question(
    "B18.b1",
    "b18",
    "dR~_K/db1_j, the regularized minibatch risk, from G_ha (B14)",
    "dR~_K/db1[j]",
    "Sum(G_ha[t, j], (t, 1, K))",
    "Sum(G_hs[t, j] * relu_prime(HA[t, j]), (t, 1, K))",
    "Sum(G_ha[t, j]**2, (t, 1, K)) + lambda11",
    mistakes(
        ("bias penalised", "Sum(G_ha[t, j], (t, 1, K)) + lambda11 * sign(b1[j])", _BIAS),
        ("bias penalised (L2)", "Sum(G_ha[t, j], (t, 1, K)) + 2 * lambda12 * b1[j]", _BIAS),
    ),
    lhs=lambda: _b18("b1")[0],
    own=lambda: _b18("b1")[1],
    indices=(j,),
    level="params",
    batch=True,
    known=("G_oa", "G_hs", "G_ha"),
    lambdas=True,
    numeric="batch",
)

B18_W2 = network_question(
    "B18.W2",
    "b18",
    "dR~_K/dW2_kj, the regularized minibatch risk, from G_oa (B8)",
    "dR~_K/dW2[k, j]",
    "Sum(G_oa[t, k] * HS[t, j], (t, 1, K)) + lambda21 * sign(W2[k, j]) + 2 * lambda22 * W2[k, j]",
    "Sum(HS[t, j] * G_oa[t, k], (t, 1, K)) + 2 * W2[k, j] * lambda22 + lambda21 * sign(W2[k, j])",
    "Sum(G_oa[t, k], (t, 1, K)) * lambda21 - lambda22 * W2[k, j]**3",
    mistakes(
        (
            "first layer's lambdas",
            "Sum(G_oa[t, k] * HS[t, j], (t, 1, K)) + lambda11 * sign(W2[k, j]) + 2 * lambda12 "
            "* W2[k, j]",
            "W2 is penalised with the second layer's strengths lambda21 (L1) and lambda22 "
            "(squared L2), not lambda11 and lambda12",
        ),
        (
            "penalty per example",
            "Sum(G_oa[t, k] * HS[t, j] + lambda21 * sign(W2[k, j]) + 2 * lambda22 * W2[k, j], "
            "(t, 1, K))",
            _PER_EXAMPLE,
        ),
    ),
    lhs=lambda: _b18("W2")[0],
    own=lambda: _b18("W2")[1],
    indices=(k, j),
    level="params",
    batch=True,
    known=("G_oa", "G_hs", "G_ha"),
    lambdas=True,
    numeric="batch",
)

B18_b2 = network_question(
    "B18.b2",
    "b18",
    "dR~_K/db2_k, the regularized minibatch risk, from G_oa (B8)",
    "dR~_K/db2[k]",
    "Sum(G_oa[t, k], (t, 1, K))",
    "Sum(OS[t, k] - Y[t, k], (t, 1, K)) / K",
    "Sum(G_oa[t, k]**2, (t, 1, K)) + lambda21",
    mistakes(
        ("bias penalised", "Sum(G_oa[t, k], (t, 1, K)) + lambda21 * sign(b2[k])", _BIAS),
        ("bias penalised (L2)", "Sum(G_oa[t, k], (t, 1, K)) + 2 * lambda22 * b2[k]", _BIAS),
    ),
    lhs=lambda: _b18("b2")[0],
    own=lambda: _b18("b2")[1],
    indices=(k,),
    level="params",
    batch=True,
    known=("G_oa", "G_hs", "G_ha"),
    lambdas=True,
    numeric="batch",
)

QUESTIONS = (
    B6,
    B7,
    B8,
    B9_W2,
    B9_b2,
    B10_W2,
    B10_b2,
    B11,
    B12,
    B13,
    B14,
    B15_W1,
    B15_b1,
    B16_W1,
    B16_b1,
    B17,
    B17_X,
    B18_W1,
    B18_b1,
    B18_W2,
    B18_b2,
)
"""The backward pass's questions, in reading order."""
