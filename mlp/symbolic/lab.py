"""The MNIST lab's claim, M7: the binary cross-entropy on logits and its gradient."""

from __future__ import annotations

from typing import Any

import sympy as sp

from mlp.symbolic.functions import sigmoid, softplus
from mlp.symbolic.prover import prove
from mlp.symbolic.results import ProofGroup

_z, _y = sp.symbols("z y", real=True)
_Sigma, _Softplus = sp.Function("sigma"), sp.Function("softplus")
_DEFINITIONS: dict[Any, Any] = {_Sigma: sigmoid, _Softplus: softplus}


def m7_binary_cross_entropy() -> ProofGroup:
    """M7, for every real logit z and target y (symbols): with BCE(z, y) =
    -y log sigma(z) - (1 - y) log(1 - sigma(z)),

    - ``as_softplus``: BCE(z, y) = softplus(z) - y z (the overflow-free form the code uses);
    - ``gradient``: d BCE / dz = sigma(z) - y;
    - ``squared_error``: d (sigma(z) - y)^2 / dz = 2 (sigma(z) - y) sigma(z) (1 - sigma(z)),
      the gradient the chapter compares it with.

    ``notes`` holds the symbols, the loss and the definitions, so that a chapter can submit
    a wrong variant to :func:`~mlp.symbolic.prove` and show it rejected.
    """
    z, y, sig = _z, _y, _Sigma
    bce = -y * sp.log(sig(z)) - (1 - y) * sp.log(1 - sig(z))
    definitions = _DEFINITIONS
    error = sp.Add(sig(z), -y, evaluate=False)  # sigma(z) - y, displayed in this order
    as_softplus = prove(
        bce, sp.Add(_Softplus(z), -y * z, evaluate=False), definitions=definitions, scope="general"
    )
    gradient = prove(sp.Derivative(bce, z), error, definitions=definitions, scope="general")
    squared_error = prove(
        sp.Derivative(error**2, z),
        sp.Mul(2, error, sig(z), sp.Add(1, -sig(z), evaluate=False), evaluate=False),
        definitions=definitions,
        scope="general",
    )
    return ProofGroup(
        "M7: binary cross-entropy",
        {"as_softplus": as_softplus, "gradient": gradient, "squared_error": squared_error},
        notes={"z": z, "y": y, "sigma": sig, "bce": bce, "definitions": dict(definitions)},
    )
