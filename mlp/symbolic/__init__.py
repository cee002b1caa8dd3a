r"""SymPy derivations that the book displays and the tests assert.

Every claim function (``a1_...`` to ``a9_...``, ``b1_...`` to ``b18_...``) answers one question
of the homework: it builds both sides of an identity with SymPy, *proves* them equal with
:func:`prove`, and returns the proof, which a notebook renders as typeset math (``lhs = rhs``).
A false identity raises :class:`IdentityError` (an ``AssertionError``), so a wrong claim breaks
the book build.

Everything below is importable from ``mlp.symbolic`` itself; the submodules hold:

- :mod:`~mlp.symbolic.functions`: the elementary functions written like the math (sigmoid,
  tanh, softplus, rect and :class:`Rect`, softmax, logsumexp, the norms, gradient, ...);
- :mod:`~mlp.symbolic.results`: what the claims return (:class:`Proof`, :class:`Fact`,
  :class:`KinkDerivative`, :class:`ProofGroup`, :class:`ParameterCount`) and
  :class:`IdentityError`;
- :mod:`~mlp.symbolic.prover`: :func:`prove`, its routes and :data:`ROUTES`;
- :mod:`~mlp.symbolic.part_a`: the claims A1 to A9;
- :mod:`~mlp.symbolic.network`: the symbolic network of Part B (:class:`Network`,
  :func:`network`);
- :mod:`~mlp.symbolic.part_b`: the claims B1 to B18.

How :func:`prove` decides
-------------------------
1. A quick numeric screen (3 random points, 50 digits) rejects a false identity at once and
   reports the counterexample.
2. Exact routes, tried in order on ``lhs - rhs`` (entry by entry for matrices), each with a
   time limit (``simplify`` can otherwise run for minutes):
   ``identical`` (zero once the definitions are substituted), ``cancel`` (zero as a rational
   function of its atoms), ``cases`` (split on the sign of every variable at which a
   ``Heaviside``, ``sign``, ``Abs``, ``Max``, ``Rect`` or ``Piecewise`` switches, then
   simplify each case), ``simplify``, ``simplify after rewrite(exp)``,
   ``simplify after expand_log`` and ``simplify after refine`` (under the given
   assumptions). A route that reduces ``lhs - rhs`` to a non-zero number disproves the
   identity.
3. Only if every exact route fails: equality at many random points (default 40) with 50
   significant digits (mpmath), rejecting points within 1e-3 of a kink.
The :class:`Proof` records the route that succeeded.

Which route proves what (default sizes)
---------------------------------------
- A1 ``sigmoid(x) = (tanh(x/2) + 1)/2``: simplify after rewrite(exp) (simplify alone fails).
- A2, A3, A4, A8, B1, B2, B3 (sum to one), B4, B7, B9-B18: cancel or identical.
- A5 (sign with indicators), A6 (abs'), A7 (rect'), A9 (gradient of the L1 norm): case split.
- B3 positivity: SymPy's assumption system (``is_positive``), returned as a :class:`Fact`.
- B5: the free symbols of L (other than x) are counted for every label and compared with
  d_h (d + 1) + m (d_h + 1).

Results display as typeset math in a notebook (``_repr_latex_``). For Part B the displayed
sides use the homework's notation as symbols (dL/do^a_k, h^s_j, rect'(h^a_j), ...);
:meth:`Network.definitions` says what each stands for, and the proof substitutes them down
to the parameters before comparing. :meth:`Network.values` and :meth:`Network.evaluate` turn
any symbolic result into numbers, e.g. to compare with :class:`mlp.network.MLP`.

Conventions
-----------
- Indices in the *displayed* symbols start at 1 as in the homework (``x_1``, ``W^{(1)}_{11}``);
  Python indices, including the label ``y``, start at 0 as in :mod:`mlp.network`. So ``y = 0``
  is the class whose score is ``o^a_1``.
- ``rect(z) = Max(0, z)``. SymPy differentiates it to ``Heaviside(z)``, whose value at 0 is
  SymPy's default 1/2. The derivative does not exist at 0; the code uses 0 there, i.e.
  ``Heaviside(z, 0)`` = 1{z > 0}. Part B writes rect as :class:`Rect`, a SymPy function equal
  to ``Max(0, z)`` whose derivative is ``Heaviside(z, 0)`` (A7's result; ``Max`` itself makes
  SymPy far too slow on the network), and passes ``heaviside_at_zero=0`` to :func:`prove`.
  Part B's identities are identities of formulas; as statements about derivatives they hold
  wherever no hidden pre-activation h^a_j is 0 (at such a kink L has no derivative).
- ``sign(0) = 0`` (SymPy's value and the code's), which makes ``sign`` the subgradient of
  ``|.|`` that the code uses at 0 (A6, A9, B18).
- Part A's derivatives with a kink (A6, A7, A9) are proven for ``x != 0`` and return the
  one-sided derivatives at 0 and the convention the code adopts there.
"""

from __future__ import annotations

from mlp.symbolic.functions import (
    Rect,
    absolute,
    gradient,
    indicator,
    l1_norm,
    l2_squared,
    log_softmax,
    logsumexp,
    onehot,
    rect,
    rect_prime,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from mlp.symbolic.network import Network, network
from mlp.symbolic.part_a import (
    a1_sigmoid_tanh,
    a2_log_sigmoid_softplus,
    a3_sigmoid_derivative,
    a4_tanh_derivative,
    a5_sign_indicators,
    a6_abs_derivative,
    a7_rect_derivative,
    a8_grad_l2_squared,
    a9_grad_l1,
)
from mlp.symbolic.part_b import (
    b1_hidden_layer,
    b2_output_layer,
    b3_softmax_positive_sums_to_one,
    b4_loss_logsumexp,
    b5_parameter_count,
    b7_grad_oa,
    b9_grad_W2_b2,
    b10_grad_W2_b2_matrix,
    b11_grad_hs,
    b12_grad_hs_matrix,
    b13_grad_ha,
    b14_grad_ha_matrix,
    b15_grad_W1_b1,
    b16_grad_W1_b1_matrix,
    b17_grad_x,
    b18_regularized_gradient,
)
from mlp.symbolic.prover import ROUTES, prove
from mlp.symbolic.results import (
    Fact,
    IdentityError,
    KinkDerivative,
    ParameterCount,
    Proof,
    ProofGroup,
)

__all__ = [
    "ROUTES",
    "Fact",
    "IdentityError",
    "KinkDerivative",
    "Network",
    "ParameterCount",
    "Proof",
    "ProofGroup",
    "Rect",
    "a1_sigmoid_tanh",
    "a2_log_sigmoid_softplus",
    "a3_sigmoid_derivative",
    "a4_tanh_derivative",
    "a5_sign_indicators",
    "a6_abs_derivative",
    "a7_rect_derivative",
    "a8_grad_l2_squared",
    "a9_grad_l1",
    "absolute",
    "b1_hidden_layer",
    "b2_output_layer",
    "b3_softmax_positive_sums_to_one",
    "b4_loss_logsumexp",
    "b5_parameter_count",
    "b7_grad_oa",
    "b9_grad_W2_b2",
    "b10_grad_W2_b2_matrix",
    "b11_grad_hs",
    "b12_grad_hs_matrix",
    "b13_grad_ha",
    "b14_grad_ha_matrix",
    "b15_grad_W1_b1",
    "b16_grad_W1_b1_matrix",
    "b17_grad_x",
    "b18_regularized_gradient",
    "gradient",
    "indicator",
    "l1_norm",
    "l2_squared",
    "log_softmax",
    "logsumexp",
    "network",
    "onehot",
    "prove",
    "rect",
    "rect_prime",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
]
