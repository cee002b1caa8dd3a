r"""The questions of Part B's backward pass at the output layer, B6 to B12, with their
anticipated mistakes.

One question per quantity, named after the homework's question and the array it asks for
(``B7``, ``B9.W2``, ``B9.b2``, ..., ``B12``; :mod:`mlp.check.part_b_hidden` goes on to B18);
B6 asks for the gradient of the empirical risk from the per-example gradients. Each gives the
book's answer, the same answer written differently, a formula that shows the syntax without
being the answer, and at least two anticipated mistakes with their diagnosis. A question at
one example takes the gradients above it as known (``grad_oa``, as the homework asks: express
the gradient with what the previous questions computed); a minibatch question takes ``G_oa``,
the gradient of the minibatch risk R_K = (1/K) sum_t L_t, which holds its 1/K.
"""

from __future__ import annotations

import sympy as sp

from mlp.check.network_questions import (
    ONE_OVER_K_TWICE,
    T_SUM_MISSING,
    mistakes,
    network_question,
)
from mlp.check.notation import Array
from mlp.symbolic import index_network as N
from mlp.symbolic.indexed import display_function

__all__ = ["QUESTIONS"]

i, j, k, t = N.i, N.j, N.k, N.t
dL, dR = N.dL, N.dR

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
    spelled={"K": "n", "k": "theta = b2[k], k"},
    scope="number of examples n >= 1 and classes m >= 1, every label, with theta = b2[k] "
    "for every k",
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


QUESTIONS = (B6, B7, B8, B9_W2, B9_b2, B10_W2, B10_b2, B11, B12)
"""The output layer's questions, in reading order."""
