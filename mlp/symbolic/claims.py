"""Every claim of the book in one registry, run under a time limit: the library of `mlp prove`.

:data:`CLAIMS` lists the 27 questions of Parts A and B (``A1`` to ``A9``, ``B1`` to ``B18``)
and the MNIST lab's ``M7``, each with a short statement and the checks that establish it
(the same functions the chapters call). :func:`run_claims` runs them and returns one
:class:`ClaimRecord` per claim; :func:`format_record` prints a record as one line::

    B13  general   sum normal form + cancel       1.21 s  ok

A command line wires them up as follows (``python -m mlp prove [--only ID ...]
[--time-limit S]``)::

    records = run_claims(only=args.only, time_limit=args.time_limit)
    for record in records:
        print(format_record(record))
    print(summary(records))
    return 0 if all(record.ok for record in records) else 1

B18 also runs :func:`~mlp.symbolic.code_bridge.b18_code_bridge`: the proved backward-pass
formula evaluated on a network of the code and compared with ``MLP.bprop`` and the fused step,
so that a bug in the code fails ``mlp prove``.

A claim's ``scope`` is ``general`` when one of its real checks (not a consistency check true
by construction) is proven for symbolic sizes and variables, ``instance`` otherwise; its
``kind`` is ``by construction`` only when every check is a consistency check.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlp.symbolic import code_bridge, lab, part_a, part_b, part_b_general
from mlp.symbolic.prover import OutOfTime, time_budget
from mlp.symbolic.results import IdentityError, ProofGroup

DEFAULT_TIME_LIMIT = 120.0
"""Seconds allowed per claim by default (the slowest claim takes a few seconds)."""

_SIZES = {"d": 2, "d_h": 3, "m": 4}  # the instance the chapters of Part B display


@dataclass(frozen=True)
class Claim:
    """One claim of the book: its id (``A1``...), a one-line statement, and its checks.

    Each check is a function without arguments that returns a result (or a list of results)
    of :mod:`mlp.symbolic.results`, or raises :class:`IdentityError`.
    """

    id: str
    statement: str
    checks: tuple[Callable[[], Any], ...]


@dataclass(frozen=True)
class ClaimRecord:
    """What running a claim established.

    ``scope`` is ``general`` or ``instance`` (empty when the claim failed before any
    result), ``kind`` is ``check`` or ``by construction``, ``route`` the exact route(s) of
    the results that set the scope, ``seconds`` the wall time of all its checks, ``ok``
    whether every check passed, and ``message`` the error (with its counterexample) or the
    time limit reached when not ``ok``. ``results`` keeps the result objects.
    """

    id: str
    statement: str
    scope: str
    kind: str
    route: str
    seconds: float
    ok: bool
    message: str = ""
    results: tuple[Any, ...] = field(default=(), repr=False, compare=False)


def _every_label(check: Callable[..., Any], m: int, **sizes: int) -> Callable[[], list[Any]]:
    return lambda: [check(**sizes, m=m, y=y) for y in range(m)]


def _b(check: Callable[..., Any]) -> Callable[[], Any]:
    return lambda: check(**_SIZES, y=0)


CLAIMS: tuple[Claim, ...] = (
    Claim("A1", "sigmoid(x) = (tanh(x/2) + 1)/2", (part_a.a1_sigmoid_tanh,)),
    Claim("A2", "log sigmoid(x) = -softplus(-x)", (part_a.a2_log_sigmoid_softplus,)),
    Claim("A3", "sigmoid' = sigmoid (1 - sigmoid)", (part_a.a3_sigmoid_derivative,)),
    Claim("A4", "tanh' = 1 - tanh^2", (part_a.a4_tanh_derivative,)),
    Claim("A5", "sign(x) = 1{x > 0} - 1{x < 0}", (part_a.a5_sign_indicators,)),
    Claim("A6", "abs'(x) = sign(x) for x != 0", (part_a.a6_abs_derivative,)),
    Claim("A7", "rect'(x) = 1{x > 0} for x != 0", (part_a.a7_rect_derivative,)),
    Claim(
        "A8",
        "grad ||x||_2^2 = 2x",
        (part_a.a8_grad_l2_squared_general, part_a.a8_grad_l2_squared),
    ),
    Claim("A9", "grad ||x||_1 = sign(x), x_i != 0", (part_a.a9_grad_l1_general, part_a.a9_grad_l1)),
    Claim("B1", "ha = W1 x + b1, entry by entry", (part_b.b1_hidden_layer,)),
    Claim("B2", "oa = W2 hs + b2, entry by entry", (part_b.b2_output_layer,)),
    Claim(
        "B3",
        "softmax: Jacobian os_k (delta_kl - os_l), positive, sums to 1",
        (part_b_general.b3_softmax_general, part_b.b3_softmax_positive_sums_to_one),
    ),
    Claim(
        "B4",
        "-log os_y = logsumexp(oa) - oa_y",
        (part_b_general.b4_loss_general, _every_label(part_b.b4_loss_logsumexp, m=3)),
    ),
    Claim("B5", "n_theta = d_h (d + 1) + m (d_h + 1)", (part_b.b5_parameter_count,)),
    Claim(
        "B6",
        "grad of a mean = mean of grads; slope along v = v^T grad",
        (part_b.b6_gradient_descent,),
    ),
    Claim(
        "B7",
        "dL/doa = os - onehot(y)",
        (part_b_general.b7_grad_oa_general, _every_label(part_b.b7_grad_oa, m=3)),
    ),
    Claim(
        "B8",
        "minibatch: dR_K/dOa = (Os - Y) / K",
        (part_b_general.b8_grad_oa_batch_general, part_b.b8_grad_oa_batch),
    ),
    Claim(
        "B9",
        "dL/dW2_kj = dL/doa_k hs_j, dL/db2_k = dL/doa_k",
        (part_b_general.b9_grad_W2_b2_general, _b(part_b.b9_grad_W2_b2)),
    ),
    Claim(
        "B10",
        "grad_W2 = G_oa^T Hs, grad_b2 = G_oa^T 1_K",
        (part_b_general.b10_grad_W2_b2_batch_general, _b(part_b.b10_grad_W2_b2_matrix)),
    ),
    Claim(
        "B11",
        "dL/dhs_j = sum_k dL/doa_k W2_kj",
        (part_b_general.b11_grad_hs_general, _b(part_b.b11_grad_hs)),
    ),
    Claim(
        "B12",
        "grad_hs = W2^T grad_oa; minibatch G_hs = G_oa W2",
        (part_b_general.b12_grad_hs_batch_general, _b(part_b.b12_grad_hs_matrix)),
    ),
    Claim(
        "B13",
        "dL/dha_j = dL/dhs_j rect'(ha_j)",
        (part_b_general.b13_grad_ha_general, _b(part_b.b13_grad_ha)),
    ),
    Claim(
        "B14",
        "grad_ha = grad_hs * rect'(ha); minibatch G_ha = G_hs * rect'(Ha)",
        (part_b_general.b14_grad_ha_batch_general, _b(part_b.b14_grad_ha_matrix)),
    ),
    Claim(
        "B15",
        "dL/dW1_ji = dL/dha_j x_i, dL/db1_j = dL/dha_j",
        (part_b_general.b15_grad_W1_b1_general, _b(part_b.b15_grad_W1_b1)),
    ),
    Claim(
        "B16",
        "grad_W1 = G_ha^T X, grad_b1 = G_ha^T 1_K",
        (part_b_general.b16_grad_W1_b1_batch_general, _b(part_b.b16_grad_W1_b1_matrix)),
    ),
    Claim(
        "B17",
        "grad_x = W1^T grad_ha; minibatch G_x = G_ha W1",
        (part_b_general.b17_grad_x_general, _b(part_b.b17_grad_x)),
    ),
    Claim(
        "B18",
        "elastic net: + l1 sign(W) + 2 l2 W on the weights only; the code computes it",
        (
            part_b_general.b18_regularized_gradient_general,
            code_bridge.b18_code_bridge,
            _b(part_b.b18_regularized_gradient),
        ),
    ),
    Claim("M7", "BCE = softplus(z) - y z, dBCE/dz = sigma(z) - y", (lab.m7_binary_cross_entropy,)),
)
"""Every claim of the book, in reading order."""

CLAIM_IDS: tuple[str, ...] = tuple(c.id for c in CLAIMS)


def select_claims(only: Sequence[str] | None) -> list[Claim]:
    """The claims with these ids (case-insensitive; all by default), in reading order of
    ``only``; raises ValueError naming any unknown id and the known ones."""
    if only is None:
        return list(CLAIMS)
    if isinstance(only, str):
        only = [only]
    by_id = {c.id: c for c in CLAIMS}
    wanted = [str(name).strip().upper() for name in only]
    unknown = [name for name in wanted if name not in by_id]
    if unknown:
        raise ValueError(
            f"unknown claim id{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"choose from {', '.join(CLAIM_IDS)}"
        )
    return [by_id[name] for name in dict.fromkeys(wanted)]


def _short_route(route: str) -> str:
    """A route without its details: 'cancel [12 entries]' -> 'cancel'."""
    parts = []
    for part in route.split("; "):
        name = re.sub(r"(\s+[\[(]|:).*$", "", part).strip()
        if name and name not in parts:
            parts.append(name)
    return " + ".join(parts)


def _members(results: Sequence[Any]) -> list[Any]:
    """The results with every ProofGroup replaced by its members."""
    flat: list[Any] = []
    for r in results:
        flat.extend(_members(list(r.proofs.values())) if isinstance(r, ProofGroup) else [r])
    return flat


def _record(claim: Claim, results: list[Any], seconds: float) -> ClaimRecord:
    members = _members(results)
    real = [r for r in members if r.kind == "check"]
    general = [r for r in real if r.scope == "general"]
    scope = "general" if general else "instance"
    kind = "check" if real else "by construction"
    shown = general or real or members
    route = _short_route("; ".join(r.route for r in shown))
    return ClaimRecord(
        claim.id, claim.statement, scope, kind, route, seconds, ok=True, results=tuple(results)
    )


def run_claim(claim: Claim, time_limit: float = DEFAULT_TIME_LIMIT) -> ClaimRecord:
    """Run every check of ``claim`` within ``time_limit`` seconds (all checks together).

    Never raises for a failing claim: a false identity, any error in a check, or the time
    limit gives a record with ``ok=False`` and the reason in ``message``. The limit uses
    SIGALRM, so it applies in the main thread only (elsewhere the claim runs unlimited).
    """
    start = time.perf_counter()
    results: list[Any] = []
    own: float | None = None
    try:
        with time_budget(time_limit) as own:
            for check in claim.checks:
                result = check()
                results.extend(result if isinstance(result, list | tuple) else [result])
    except OutOfTime as expired:
        if expired.deadline != own:
            raise  # an enclosing limit
        message = f"time limit of {time_limit:g} s reached"
    except IdentityError as error:
        message = f"IdentityError: {error}"
    except Exception as error:  # a broken check must not stop the other claims
        message = f"{type(error).__name__}: {error}"
    else:
        return _record(claim, results, time.perf_counter() - start)
    return ClaimRecord(
        claim.id,
        claim.statement,
        scope="",
        kind="",
        route="",
        seconds=time.perf_counter() - start,
        ok=False,
        message=message,
        results=tuple(results),
    )


def run_claims(
    only: Sequence[str] | None = None, time_limit: float = DEFAULT_TIME_LIMIT
) -> list[ClaimRecord]:
    """Run the claims of the book and return one record per claim, in reading order.

    ``only``: claim ids to run (``["B13"]``, case-insensitive), default all. ``time_limit``:
    seconds allowed per claim. Raises ValueError for an unknown id, before running anything.
    """
    if not time_limit > 0:
        raise ValueError(f"time_limit must be positive, got {time_limit}")
    return [run_claim(claim, time_limit) for claim in select_claims(only)]


def format_record(record: ClaimRecord) -> str:
    """One line: ``id  scope  route  time  ok`` (``FAILED: reason`` instead of ``ok``).

    A claim whose checks are all consistency checks has ``(by construction)`` after its
    route.
    """
    status = "ok" if record.ok else f"FAILED: {record.message}"
    route = record.route or "-"
    if record.kind == "by construction":
        route += " (by construction)"
    return f"{record.id:<4} {record.scope or '-':<9} {route:<40} {record.seconds:7.2f} s  {status}"


def summary(records: Sequence[ClaimRecord]) -> str:
    """One closing line: how many claims passed, how many are general, the total time."""
    passed = sum(r.ok for r in records)
    general = sum(r.ok and r.scope == "general" for r in records)
    total = sum(r.seconds for r in records)
    failed = len(records) - passed
    return (
        f"{passed} of {len(records)} claims ok ({general} general), {failed} FAILED, {total:.1f} s"
    )
