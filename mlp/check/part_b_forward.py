r"""The questions of Part B's forward pass, B1 to B5, with their anticipated mistakes.

B1 and B2 ask for a pre-activation entry by entry (h^a_j from x, W1, b1; o^a_k from h^s, W2,
b2), B3 for the softmax's Jacobian d o^s_k / d o^a_l, B4 for the loss as a function of the
output pre-activations, B5 for the number of parameters as a formula in d, d_h and m.
"""

from __future__ import annotations

import sympy as sp

from mlp.check.network_questions import mistakes, network_question
from mlp.check.notation import Notation
from mlp.check.questions import Question, Setting
from mlp.symbolic import index_network as N

__all__ = ["QUESTIONS"]

j, k, l, y = N.j, N.k, N.l, N.y
_OUTPUTS = ("oa", "os", "onehot")

B1 = network_question(
    "B1",
    "b01",
    "h^a_j, the pre-activation of hidden unit j, from x, W1 and b1",
    "ha[j]",
    "Sum(W1[j, i] * x[i], (i, 1, d)) + b1[j]",
    "b1[j] + Sum(x[c] * W1[j, c], (c, 1, d))",
    "Sum(x[i]**2, (i, 1, d)) - b1[j]",
    mistakes(
        (
            "W1 transposed",
            "Sum(W1[i, j] * x[i], (i, 1, d)) + b1[j]",
            "W1 is d_h x d: its row j holds the weights into hidden unit j, so h^a = W1 x + b1 "
            "and h^a_j = sum_i W1_ji x_i + b1_j",
        ),
        ("bias missing", "Sum(W1[j, i] * x[i], (i, 1, d))", "the bias b1_j is missing"),
        (
            "sum missing",
            "W1[j, i] * x[i] + b1[j]",
            "h^a_j adds up the contributions of every input: sum over i = 1..d",
        ),
    ),
    lhs=lambda: N.ha_of(j),
    indices=(j,),
    level="params",
    drop=("ha", "hs", "W2", "b2", *_OUTPUTS),
    label=False,
)

B2 = network_question(
    "B2",
    "b02",
    "o^a_k, the pre-activation of output k, from h^s, W2 and b2",
    "oa[k]",
    "Sum(W2[k, j] * hs[j], (j, 1, d_h)) + b2[k]",
    "b2[k] + Sum(hs[c] * W2[k, c], (c, 1, d_h))",
    "Sum(hs[j]**2, (j, 1, d_h)) - b2[k]",
    mistakes(
        (
            "ha for hs",
            "Sum(W2[k, j] * ha[j], (j, 1, d_h)) + b2[k]",
            "the output layer reads the hidden outputs h^s = rect(h^a), not the "
            "pre-activations: the rectifier is missing",
        ),
        (
            "W2 transposed",
            "Sum(W2[j, k] * hs[j], (j, 1, d_h)) + b2[k]",
            "W2 is m x d_h: its row k holds the weights into output k, so o^a_k = "
            "sum_j W2_kj h^s_j + b2_k",
        ),
        ("bias missing", "Sum(W2[k, j] * hs[j], (j, 1, d_h))", "the bias b2_k is missing"),
    ),
    lhs=lambda: N.oa_of(k, "ha"),
    indices=(k,),
    level="ha",
    drop=_OUTPUTS,
    label=False,
)

B3 = network_question(
    "B3",
    "b03",
    "the softmax's Jacobian, d o^s_k / d o^a_l",
    "dos[k]/doa[l]",
    "os[k] * (KroneckerDelta(k, l) - os[l])",
    "os[k] * indicator(k == l) - os[k] * os[l]",
    "os[l]**2 * delta(k, l) + 1",
    mistakes(
        (
            "delta missing",
            "os[k] * (1 - os[l])",
            "the Kronecker delta is missing: for k != l, o^a_l appears only in the denominator "
            "of o^s_k, so d o^s_k / d o^a_l = -o^s_k o^s_l",
        ),
        (
            "diagonal only",
            "os[k] * (1 - os[k])",
            "that is the diagonal entry (k = l) only; off the diagonal the derivative is "
            "-o^s_k o^s_l",
        ),
        (
            "cross term only",
            "-os[k] * os[l]",
            "the term of k = l is missing: there o^a_k is also in the numerator, which adds o^s_k",
        ),
    ),
    lhs=lambda: N.dOs_dOa(k, l),
    own=lambda: {N.dOs_dOa: lambda a, b: sp.Derivative(N.os_of(a, "oa"), N.oa[b])},
    indices=(k, l),
    level="oa",
    only_m=True,
    drop=("onehot",),
    label=False,
)

B4 = network_question(
    "B4",
    "b04",
    "the loss L = -log o^s_y as a function of the output pre-activations o^a",
    "L",
    "log(Sum(exp(oa[c]), (c, 1, m))) - oa[y]",
    "-log(exp(oa[y]) / Sum(exp(oa[k]), (k, 1, m)))",
    "log(Sum(oa[c]**2, (c, 1, m))) + 2 * oa[y]",
    mistakes(
        (
            "sign flipped",
            "oa[y] - log(Sum(exp(oa[c]), (c, 1, m)))",
            "the sign is flipped: L = -log o^s_y >= 0, and log o^s_y = o^a_y - log sum_c "
            "exp(o^a_c)",
        ),
        (
            "log-sum-exp missing",
            "-oa[y]",
            "the normalisation is missing: L = -o^a_y + log sum_c exp(o^a_c)",
        ),
        (
            "log through the sum",
            "Sum(oa[c], (c, 1, m)) - oa[y]",
            "log and exp do not cancel through a sum: log sum_c exp(o^a_c) is not sum_c o^a_c",
        ),
    ),
    lhs=lambda: -sp.log(N.Os(y)),
    indices=(),
    level="oa",
    only_m=True,
    drop=("os", "onehot"),
)


def _b5() -> Setting:
    sizes = {"d": N.d, "d_h": N.d_h, "m": N.m}
    notation = Notation(arrays={}, scalars=sizes, indices={}, functions={}, sizes=sizes)
    letters = {"W1": (j, N.i), "b1": (j,), "W2": (k, j), "b2": (k,)}
    counts = [
        sp.Sum(1, *[(v, 1, bound) for v, bound in zip(names, N.SHAPES[p], strict=True)])
        for p, names in letters.items()
    ]
    return Setting(notation=notation, lhs=sp.Add(*counts), variables=(N.d, N.d_h, N.m))


B5 = Question(
    "B5",
    "b05",
    "n_theta, the number of scalar parameters, as a formula in d, d_h and m",
    "n_theta",
    "d_h * (d + 1) + m * (d_h + 1)",
    "d*d_h + d_h + m*d_h + m",
    "d**2 + 3*m",
    mistakes(
        (
            "biases not counted",
            "d*d_h + m*d_h",
            "the biases are parameters too: b1 has d_h entries and b2 has m",
        ),
        (
            "bias sizes",
            "d*d_h + d + m*d_h + d_h",
            "a layer has one bias per unit it computes: b1 has d_h entries (not d) and b2 "
            "has m (not d_h)",
        ),
    ),
    _b5,
    "count",
)

QUESTIONS = (B1, B2, B3, B4, B5)
"""The forward pass's questions, in reading order."""
