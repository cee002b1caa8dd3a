"""The vocabulary of Part B: the network's arrays under the package's names, at each level.

A Part B question is asked at one *level* of the forward pass (:mod:`mlp.symbolic.index_network`):
L as a function of the parameters and the input (``params``), of the hidden pre-activations
(``ha``), of the hidden outputs (``hs``) or of the output pre-activations (``oa``). A formula
may use the arrays that exist at that level, the gradients the question takes as known
(``grad_oa``, ``grad_hs``, ``grad_ha`` for one example; ``G_oa``, ``G_hs``, ``G_ha`` for a
minibatch), the sizes, the label(s) and the lambdas. Each name stands for what the proofs use:
``hs[j]`` is rect(h^a_j) below level hs, ``grad_oa[k]`` the derivative of L written as a
function of o^a, and so on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mlp.check.notation import FUNCTIONS, Array, Notation, index_letters
from mlp.symbolic import index_network as N
from mlp.symbolic.part_b_general import LAMBDAS

__all__ = ["LEVELS", "network_notation"]

LEVELS = N.LEVELS

_AT_LEAST = {"params": 3, "ha": 2, "hs": 1, "oa": 0}


def _one_example(level: str) -> list[tuple[int, Array]]:
    """(the level from which on it exists, array), for one example."""
    return [
        (3, Array("x", (N.d,), lambda a: N.x[a], "input, entry i", ("i",))),
        (3, Array("W1", (N.d_h, N.d), lambda a, b: N.W1[a, b], "hidden weights", ("j", "i"))),
        (3, Array("b1", (N.d_h,), lambda a: N.b1[a], "hidden biases", ("j",))),
        (
            2,
            Array(
                "ha",
                (N.d_h,),
                (lambda a: N.ha[a]) if level == "ha" else (lambda a: N.ha_of(a)),
                "hidden pre-activations h^a_j",
                ("j",),
            ),
        ),
        (1, Array("hs", (N.d_h,), N.Hs, "hidden outputs h^s_j = rect(h^a_j)", ("j",))),
        (1, Array("W2", (N.m, N.d_h), lambda a, b: N.W2[a, b], "output weights", ("k", "j"))),
        (1, Array("b2", (N.m,), lambda a: N.b2[a], "output biases", ("k",))),
        (
            0,
            Array(
                "oa",
                (N.m,),
                (lambda a: N.oa_of(a, level)),
                "output pre-activations o^a_k",
                ("k",),
            ),
        ),
        (0, Array("os", (N.m,), N.Os, "softmax outputs o^s_k", ("k",))),
        (0, Array("onehot", (N.m,), N.Onehot, "onehot_m(y)_k = 1{k = y}", ("k",))),
    ]


def _minibatch(level: str) -> list[tuple[int, Array]]:
    t_i, t_j, t_k = ("t", "i"), ("t", "j"), ("t", "k")
    return [
        (3, Array("X", (N.K, N.d), lambda a, b: N.X[a, b], "inputs, one row per example", t_i)),
        (3, Array("W1", (N.d_h, N.d), lambda a, b: N.W1[a, b], "hidden weights", ("j", "i"))),
        (3, Array("b1", (N.d_h,), lambda a: N.b1[a], "hidden biases", ("j",))),
        (
            2,
            Array(
                "HA",
                (N.K, N.d_h),
                (lambda a, b: N.HA[a, b]) if level == "ha" else (lambda a, b: N.HA_of(a, b)),
                "hidden pre-activations H^a_tj",
                t_j,
            ),
        ),
        (1, Array("HS", (N.K, N.d_h), N.HSd, "hidden outputs H^s_tj = rect(H^a_tj)", t_j)),
        (1, Array("W2", (N.m, N.d_h), lambda a, b: N.W2[a, b], "output weights", ("k", "j"))),
        (1, Array("b2", (N.m,), lambda a: N.b2[a], "output biases", ("k",))),
        (
            0,
            Array(
                "OA",
                (N.K, N.m),
                lambda a, b: N.OA_of(a, b, level),
                "output pre-activations O^a_tk",
                t_k,
            ),
        ),
        (0, Array("OS", (N.K, N.m), N.OSd, "softmax outputs O^s_tk", t_k)),
        (0, Array("Y", (N.K, N.m), N.Y, "one-hot labels Y_tk = 1{k = y_t}", t_k)),
        (0, Array("y", (N.K,), lambda a: N.labels[a], "labels y_t in 1..m", ("t",))),
    ]


_KNOWN = {
    "grad_oa": lambda: Array("grad_oa", (N.m,), N.dL["oa"], "dL/do^a_k (B7)", ("k",)),
    "grad_hs": lambda: Array("grad_hs", (N.d_h,), N.dL["hs"], "dL/dh^s_j (B11)", ("j",)),
    "grad_ha": lambda: Array("grad_ha", (N.d_h,), N.dL["ha"], "dL/dh^a_j (B13)", ("j",)),
    "G_oa": lambda: Array("G_oa", (N.K, N.m), N.dR["OA"], "dR_K/dO^a_tk (B8)", ("t", "k")),
    "G_hs": lambda: Array("G_hs", (N.K, N.d_h), N.dR["HS"], "dR_K/dH^s_tj (B12)", ("t", "j")),
    "G_ha": lambda: Array("G_ha", (N.K, N.d_h), N.dR["HA"], "dR_K/dH^a_tj (B14)", ("t", "j")),
}


def network_notation(
    level: str,
    batch: bool = False,
    known: Iterable[str] = (),
    lambdas: bool = False,
    drop: Iterable[str] = (),
    extra: Iterable[Array] = (),
    renamed: Mapping[str, Any] | None = None,
) -> Notation:
    """The names of a Part B question at ``level`` (one example, or a minibatch).

    ``known``: the gradients the question takes as computed (``grad_oa``, ``G_ha``...);
    ``lambdas``: whether lambda11..lambda22 are allowed; ``drop``: names to leave out (the
    quantity asked for, when it is an array of the level); ``extra``: arrays of the question;
    ``renamed``: scalars or index letters the question spells its own way (B6 writes the
    number of examples n and the example index i).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose from {LEVELS}")
    depth = _AT_LEAST[level]
    table = _minibatch(level) if batch else _one_example(level)
    dropped = set(drop)
    arrays = {a.name: a for need, a in table if need <= depth and a.name not in dropped}
    for name in known:
        arrays[name] = _KNOWN[name]()
    for array in extra:
        arrays[array.name] = array
    scalars: dict[str, Any] = {"d": N.d, "d_h": N.d_h, "m": N.m}
    sizes = dict(scalars)
    if batch:
        scalars["K"] = sizes["K"] = N.K
    else:
        scalars["y"] = N.y
    if lambdas:
        scalars.update({f"lambda{n}": LAMBDAS[n] for n in ("11", "12", "21", "22")})
    functions = {n: f for n, f in FUNCTIONS.items()}
    letters = index_letters(i=N.i, j=N.j, k=N.k, l=N.l, t=N.t)
    for name, value in (renamed or {}).items():
        (letters if value.is_integer and not value.is_positive else scalars)[name] = value
        if value.is_positive:
            sizes[name] = value
    return Notation(
        arrays=arrays,
        scalars=scalars,
        indices=letters,
        functions=functions,
        sizes=sizes,
        labels={"y": (1, N.m)},
    )
