r"""The questions of Part B's backward pass through the hidden layer, B13 to B18, with their
anticipated mistakes.

As in :mod:`mlp.check.part_b_output`: one question per quantity (``B15.W1``, ``B15.b1``, ...,
``B18.b2``), each with the book's answer, an equivalent form, a syntax example and at least two
anticipated mistakes; a question at one example takes ``grad_oa``, ``grad_hs``, ``grad_ha`` as
known, a minibatch question ``G_oa``, ``G_hs``, ``G_ha``; B18 adds the elastic-net strengths
``lambda11`` to ``lambda22``.
"""

from __future__ import annotations

from mlp.check.network_questions import (
    ONE_OVER_K_TWICE,
    RECT_MISSING,
    T_SUM_MISSING,
    mistakes,
    network_question,
)
from mlp.symbolic import index_network as N
from mlp.symbolic.part_b_general import regularized_gradient_claims

__all__ = ["QUESTIONS"]

i, j, k, t = N.i, N.j, N.k, N.t
dL, dR = N.dL, N.dR

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


QUESTIONS = (B13, B14, B15_W1, B15_b1, B16_W1, B16_b1, B17, B17_X, B18_W1, B18_b1, B18_W2, B18_b2)
"""The hidden layer's questions, in reading order."""
