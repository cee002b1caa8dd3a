r"""SymPy derivations that the book displays and the tests assert.

Every claim function answers one question of the homework (``a1_...`` to ``a9_...``,
``b1_...`` to ``b18_...``) or of the MNIST lab (``m7_...``): it builds both sides of an
identity with SymPy, *proves* them equal, and returns the proof, which a notebook renders as
typeset math (``lhs = rhs``). A false identity raises :class:`IdentityError` (an
``AssertionError``), so a wrong claim breaks the book build.

What a result establishes is part of it (:mod:`~mlp.symbolic.results`): its ``scope`` is
``general`` (proven for symbolic values of every size and variable) or ``instance`` (proven at
the sizes and labels it displays), and its ``kind`` is ``check`` (a wrong formula would fail)
or ``by construction`` (a consistency check that holds whatever the formulas).

Everything below is importable from ``mlp.symbolic`` itself; the submodules hold:

- :mod:`~mlp.symbolic.functions`: the elementary functions written like the math (sigmoid,
  tanh, softplus, rect and :class:`Rect`, softmax, logsumexp, the norms, gradient, ...);
- :mod:`~mlp.symbolic.results`: what the claims return (:class:`Proof`, :class:`Fact`,
  :class:`KinkDerivative`, :class:`ProofGroup`, :class:`ParameterCount`) and
  :class:`IdentityError`;
- :mod:`~mlp.symbolic.prover`: :func:`prove` (explicit symbols) and its routes;
- :mod:`~mlp.symbolic.route_words`: :func:`french_route`, the route of a proof in the French
  edition's words;
- :mod:`~mlp.symbolic.indexed`: :func:`prove_general`, proofs in index notation for symbolic
  sizes (Kronecker deltas summed under stated index ranges, a numeric screen at small sizes,
  a normal form for sums); :mod:`~mlp.symbolic.screen` (the screen's configurations and
  evaluator), :mod:`~mlp.symbolic.normal_form` (the normal form, and the positivity of the
  denominators it cancels), :mod:`~mlp.symbolic.steps` (Heaviside and sign written in one
  canonical form, so that a convention at a kink is seen);
- :mod:`~mlp.symbolic.part_a`: the claims A1 to A9;
- :mod:`~mlp.symbolic.network`: the symbolic network of Part B at fixed sizes
  (:class:`Network`, :func:`network`);
- :mod:`~mlp.symbolic.part_b`: the claims B1 to B18 at one instance;
- :mod:`~mlp.symbolic.index_network` and :mod:`~mlp.symbolic.part_b_general`: the network in
  index notation and the claims of Part B for every size (B3, B4, B7 to B18), with false
  variants that must be rejected (:data:`WRONG_FORMULAS`);
- :mod:`~mlp.symbolic.code_bridge`: B18's proved backward-pass formula evaluated on a
  network of the code and compared with ``MLP.bprop`` and the fused step
  (:class:`CodeAgreement`);
- :mod:`~mlp.symbolic.lab`: the MNIST lab's claim M7;
- :mod:`~mlp.symbolic.claims`: every claim in one registry, :func:`run_claims` and
  :func:`format_record` (the library side of ``python -m mlp prove``).

How :func:`prove` decides
-------------------------
1. A quick numeric screen (3 random points, 50 digits) rejects a false identity at once and
   reports the counterexample.
2. Exact routes, tried in order on ``lhs - rhs`` (entry by entry for matrices), each with a
   time limit (``simplify`` can otherwise run for minutes):
   ``identical`` (zero once both sides are evaluated), ``cancel`` (zero as a rational
   function of its atoms), ``cases`` (split on the sign of every variable at which a
   ``Heaviside``, ``sign``, ``Abs``, ``Max``, ``Rect`` or ``Piecewise`` switches, then
   simplify each case), ``simplify``, ``simplify after rewrite(exp)``,
   ``simplify after expand_log`` and ``simplify after refine`` (under the given
   assumptions). A route that reduces ``lhs - rhs`` to a non-zero number disproves the
   identity.
3. Only if every exact route fails: equality at many random points (default 40) with 50
   significant digits (mpmath), rejecting points within 1e-3 of a kink.
The :class:`Proof` records the route that succeeded.

How :func:`prove_general` decides
---------------------------------
Derivatives of sums over symbolic ranges become sums of Kronecker deltas; each is summed
under the stated index ranges (a ``Piecewise`` that ``refine`` discharges, never dropped);
both sides are evaluated at several small sizes with random entries, distinct indices and
hidden units all active or some inactive (a false identity usually fails there, with its
counterexample; passing proves nothing); then every denominator is shown positive, both sides
are brought to a normal form for sums and their difference must be 0. See
:mod:`~mlp.symbolic.indexed`.

Conventions
-----------
- Indices in the *displayed* symbols start at 1 as in the homework (``x_1``, ``W^{(1)}_{11}``);
  Python indices, including the label ``y`` of the instance claims, start at 0 as in
  :mod:`mlp.network`. So ``y = 0`` is the class whose score is ``o^a_1``.
- ``rect(z) = Max(0, z)``. SymPy differentiates it to ``Heaviside(z)``, whose value at 0 is
  SymPy's default 1/2. The derivative does not exist at 0; the code uses 0 there, i.e.
  ``Heaviside(z, 0)`` = 1{z > 0}. Part B writes rect as :class:`Rect`, a SymPy function equal
  to ``Max(0, z)`` whose derivative is *set* to ``Heaviside(z, 0)`` (A7 proves that this is
  rect' away from 0; ``Max`` itself makes SymPy far too slow on the network). Part B's
  identities are identities of formulas; as statements about derivatives they hold wherever
  no hidden pre-activation is 0 (at such a kink L has no derivative). The value 0 at 0 is
  given to the steps that differentiating produces, never to a step written in a right side:
  a right side with ``Heaviside(z)`` (1/2 at 0) or ``Heaviside(z, 1)`` is not proven equal.
- ``sign(0) = 0`` (SymPy's value and the code's), which makes ``sign`` the subgradient of
  ``|.|`` that the code uses at 0 (A6, A9, B18).
- Part A's derivatives with a kink (A6, A7, A9) are proven for ``x != 0`` and return the
  one-sided derivatives at 0 and the convention the code adopts there.
"""

from __future__ import annotations

from mlp.symbolic.claims import (
    CLAIM_IDS,
    CLAIMS,
    Claim,
    ClaimRecord,
    format_record,
    run_claim,
    run_claims,
    summary,
)
from mlp.symbolic.code_bridge import b18_code_bridge
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
from mlp.symbolic.indexed import IndexSpace, normal_form, prove_general
from mlp.symbolic.lab import m7_binary_cross_entropy
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
    a8_grad_l2_squared_general,
    a9_grad_l1,
    a9_grad_l1_general,
)
from mlp.symbolic.part_b import (
    b1_hidden_layer,
    b2_output_layer,
    b3_softmax_positive_sums_to_one,
    b4_loss_logsumexp,
    b5_parameter_count,
    b6_gradient_descent,
    b7_grad_oa,
    b8_grad_oa_batch,
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
    instance,
)
from mlp.symbolic.part_b_general import (
    WRONG_FORMULAS,
    b3_softmax_general,
    b4_loss_general,
    b7_grad_oa_general,
    b8_grad_oa_batch_general,
    b9_grad_W2_b2_general,
    b10_grad_W2_b2_batch_general,
    b11_grad_hs_general,
    b12_grad_hs_batch_general,
    b13_grad_ha_general,
    b14_grad_ha_batch_general,
    b15_grad_W1_b1_general,
    b16_grad_W1_b1_batch_general,
    b17_grad_x_general,
    b18_regularized_gradient_general,
)
from mlp.symbolic.prover import ROUTES, prove
from mlp.symbolic.results import (
    KINDS,
    SCOPES,
    CodeAgreement,
    Fact,
    IdentityError,
    KinkDerivative,
    ParameterCount,
    Proof,
    ProofGroup,
    rejection,
)
from mlp.symbolic.route_words import french_route

__all__ = [
    "CLAIMS",
    "CLAIM_IDS",
    "KINDS",
    "ROUTES",
    "SCOPES",
    "WRONG_FORMULAS",
    "Claim",
    "ClaimRecord",
    "CodeAgreement",
    "Fact",
    "IdentityError",
    "IndexSpace",
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
    "a8_grad_l2_squared_general",
    "a9_grad_l1",
    "a9_grad_l1_general",
    "absolute",
    "b1_hidden_layer",
    "b2_output_layer",
    "b3_softmax_general",
    "b3_softmax_positive_sums_to_one",
    "b4_loss_general",
    "b4_loss_logsumexp",
    "b5_parameter_count",
    "b6_gradient_descent",
    "b7_grad_oa",
    "b7_grad_oa_general",
    "b8_grad_oa_batch",
    "b8_grad_oa_batch_general",
    "b9_grad_W2_b2",
    "b9_grad_W2_b2_general",
    "b10_grad_W2_b2_batch_general",
    "b10_grad_W2_b2_matrix",
    "b11_grad_hs",
    "b11_grad_hs_general",
    "b12_grad_hs_batch_general",
    "b12_grad_hs_matrix",
    "b13_grad_ha",
    "b13_grad_ha_general",
    "b14_grad_ha_batch_general",
    "b14_grad_ha_matrix",
    "b15_grad_W1_b1",
    "b15_grad_W1_b1_general",
    "b16_grad_W1_b1_batch_general",
    "b16_grad_W1_b1_matrix",
    "b17_grad_x",
    "b17_grad_x_general",
    "b18_code_bridge",
    "b18_regularized_gradient",
    "b18_regularized_gradient_general",
    "format_record",
    "french_route",
    "gradient",
    "indicator",
    "instance",
    "l1_norm",
    "l2_squared",
    "log_softmax",
    "logsumexp",
    "m7_binary_cross_entropy",
    "network",
    "normal_form",
    "onehot",
    "prove",
    "prove_general",
    "rect",
    "rect_prime",
    "rejection",
    "run_claim",
    "run_claims",
    "sigmoid",
    "softmax",
    "softplus",
    "summary",
    "tanh",
]
