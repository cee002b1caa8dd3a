"""Finite-difference checks of the gradients computed by ``bprop``.

For every scalar parameter theta_k the loss is recomputed with theta_k moved by a small step
and the change of the loss is divided by the step:

    forward (the homework's one-sided difference):  (R(theta + eps e_k) - R(theta)) / eps
    central:  (R(theta + eps e_k) - R(theta - eps e_k)) / (2 eps)

The forward difference has an error proportional to eps, the central one to eps^2.

The risk is not differentiable where a hidden pre-activation ``ha`` is 0 (the ReLU kink) or,
with an L1 penalty, where a weight is 0. A difference taken across such a point measures a
one-sided slope that ``bprop`` is not meant to return, so ``check_gradients`` detects, for
every perturbation, whether the ReLU pattern ``ha > 0`` over the batch or the sign of the
perturbed weight (L1 active) differs between the points it evaluated. Those rows are marked
skipped, with the reason, and are not counted as failures.

A row agrees when its ratio analytic/numeric lies in [1 - ratio_tol, 1 + ratio_tol] (the
homework's 0.99 to 1.01 by default) or when |analytic - numeric| <= abs_tol. The second rule
exists for derivatives so small that their ratio is noise; its default is *not* tied to the
step eps (a large eps must not excuse large errors) but to the gradient's own size and the
float precision: ``default_abs_tol`` = 1e-4 x (largest |numeric derivative| of the check) +
sqrt(machine epsilon of the network's dtype), about 1.5e-8 in float64. So a row passes on
its absolute error only if the error is negligible next to the largest entry of the gradient.

Use a float64 network: in float32 the rounding error of the loss, divided by eps, swamps the
derivative.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from mlp.checks import finite_number
from mlp.network import MLP

__all__ = [
    "ABS_TOL_SCALE",
    "GradCheckReport",
    "GradCheckRow",
    "central_difference",
    "check_gradients",
    "default_abs_tol",
    "finite_difference_gradients",
    "numeric_gradient",
]

Method = Literal["forward", "central"]

#: Below this magnitude a derivative counts as zero: the ratio is then undefined.
ZERO_GRADIENT = 1e-10


def _check_options(eps: float, method: str) -> None:
    if method not in ("forward", "central"):
        raise ValueError(f"method must be 'forward' or 'central', got {method!r}")
    finite_number("eps", eps, positive=True)


_METHOD_LABELS = {"forward": "forward difference", "central": "central difference"}


def central_difference(
    f: Callable[[NDArray[np.float64]], ArrayLike], x: ArrayLike, eps: float = 1e-6
) -> NDArray[np.float64]:
    """Derivative of an elementwise function ``f`` at every entry of ``x`` (any shape).

    ``(f(x + eps) - f(x - eps)) / (2 eps)`` entry by entry, valid because entry i of ``f(x)``
    depends on entry i of ``x`` only (sigmoid, tanh, rect, abs...). Its error is of order
    eps^2 f''' plus the rounding error of ``f`` divided by eps.
    """
    eps = finite_number("eps", eps, positive=True)
    x = np.asarray(x, dtype=np.float64)
    return (np.asarray(f(x + eps)) - np.asarray(f(x - eps))) / (2 * eps)


def numeric_gradient(
    f: Callable[[NDArray[np.float64]], float], x: ArrayLike, eps: float = 1e-6
) -> NDArray[np.float64]:
    """Gradient of a scalar function ``f`` at ``x`` (any shape) by central differences.

    Entry k is ``(f(x + eps e_k) - f(x - eps e_k)) / (2 eps)``, one coordinate at a time;
    the result has the shape of ``x``. ``f`` must not keep a reference to its argument.
    """
    eps = finite_number("eps", eps, positive=True)
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for k in np.ndindex(x.shape):
        original = x[k]
        x[k] = original + eps
        plus = float(f(x))
        x[k] = original - eps
        minus = float(f(x))
        x[k] = original
        grad[k] = (plus - minus) / (2 * eps)
    return grad


def _warn_if_float32(net: MLP) -> None:
    if net.dtype == np.float32:
        warnings.warn(
            "finite differences of a float32 network are dominated by rounding; use float64",
            stacklevel=3,
        )


def _entry_name(name: str, index: tuple[int, ...]) -> str:
    """``("W1", (0, 1)) -> "W1[0,1]"``."""
    return f"{name}[{','.join(str(i) for i in index)}]"


def _l1_strength(net: MLP, name: str) -> float:
    """The L1 strength acting on parameter ``name`` (biases are not penalized)."""
    return {"W1": net.l11, "W2": net.l21}.get(name, 0.0)


@dataclass
class _Probe:
    """Numeric partial derivative of one scalar parameter and what changed between its points."""

    numeric: float
    kink: str  # empty when no kink was crossed


def _probe_all(
    net: MLP, X: ArrayLike, y: ArrayLike, eps: float, method: Method
) -> dict[str, dict[tuple[int, ...], _Probe]]:
    """Finite-difference every scalar parameter of ``net`` in place, restoring it exactly.

    The step used in the quotient is the one actually taken, ``(theta + eps) - theta`` as
    rounded, not the nominal ``eps``. On return the network holds the base point's state.
    """
    _check_options(eps, method)
    base_value = net.fprop(X, y)  # also validates X and y
    X_net = np.asarray(X, dtype=net.dtype)

    def relu_pattern() -> NDArray[np.bool_]:
        return (X_net @ net.W1.T + net.b1) > 0

    base_pattern = relu_pattern()
    steps = (eps, -eps) if method == "central" else (eps,)
    probes: dict[str, dict[tuple[int, ...], _Probe]] = {}
    try:
        for name, param in net.params().items():
            l1_active = _l1_strength(net, name) > 0
            probes[name] = {}
            for index in np.ndindex(param.shape):
                original = param[index]
                values, taken = [], []
                pattern_changed = False
                signs = {np.sign(original)}
                for step in steps:
                    param[index] = original + step
                    try:
                        taken.append(float(param[index]) - float(original))
                        values.append(net.fprop(X, y))
                        pattern_changed |= not np.array_equal(relu_pattern(), base_pattern)
                        signs.add(np.sign(param[index]))
                    finally:
                        param[index] = original
                if method == "central":
                    numeric = (values[0] - values[1]) / (taken[0] - taken[1])
                else:
                    numeric = (values[0] - base_value) / taken[0]
                reasons = []
                if pattern_changed:
                    reasons.append("ReLU kink: the pattern ha > 0 changes between the points")
                if l1_active and len(signs) > 1:
                    reasons.append(f"L1 kink: the sign of {_entry_name(name, index)} changes")
                probes[name][index] = _Probe(float(numeric), "; ".join(reasons))
    finally:
        net.fprop(X, y)  # leave the intermediates of the (restored) base point
    return probes


def finite_difference_gradients(
    net: MLP, X: ArrayLike, y: ArrayLike, eps: float = 1e-5, method: Method = "forward"
) -> dict[str, NDArray[np.float64]]:
    """Finite-difference estimate of the gradient of ``net.fprop(X, y)``.

    Returns ``{"W1", "b1", "W2", "b2"}`` arrays (float64) with the parameters' shapes. Each
    scalar parameter is moved in place and restored exactly; ``net.fprop`` is re-called.
    """
    _warn_if_float32(net)
    probes = _probe_all(net, X, y, eps, method)
    grads = {}
    for name, param in net.params().items():
        grads[name] = np.empty(param.shape, dtype=np.float64)
        for index, probe in probes[name].items():
            grads[name][index] = probe.numeric
    return grads


@dataclass(frozen=True)
class GradCheckRow:
    """One scalar parameter: analytic (bprop) and numeric derivatives and their agreement."""

    name: str
    analytic: float
    numeric: float
    skip_reason: str = ""

    @property
    def skipped(self) -> bool:
        """True when a kink lies between the evaluated points (the row is not judged)."""
        return bool(self.skip_reason)

    @property
    def both_zero(self) -> bool:
        """True when both derivatives are below ``ZERO_GRADIENT`` (ratio undefined)."""
        return abs(self.analytic) < ZERO_GRADIENT and abs(self.numeric) < ZERO_GRADIENT

    @property
    def ratio(self) -> float:
        """analytic / numeric; NaN when both are ~0, +-inf when only the numeric one is 0."""
        if self.both_zero:
            return math.nan
        if self.numeric == 0:
            return math.copysign(math.inf, self.analytic)
        return self.analytic / self.numeric

    @property
    def abs_error(self) -> float:
        """|analytic - numeric|."""
        return abs(self.analytic - self.numeric)

    @property
    def relative_error(self) -> float:
        """|analytic - numeric| / max(|analytic|, |numeric|, tiny)."""
        scale = max(abs(self.analytic), abs(self.numeric), np.finfo(np.float64).tiny)
        return self.abs_error / scale

    def ok(self, ratio_tol: float, abs_tol: float) -> bool:
        """Agreement: ratio within [1 - ratio_tol, 1 + ratio_tol] or |a - n| <= abs_tol."""
        return abs(self.ratio - 1) <= ratio_tol or self.abs_error <= abs_tol

    def status(self, ratio_tol: float, abs_tol: float) -> str:
        """``"skipped"``, ``"ok (both ~0)"``, ``"ok"`` or ``"FAIL"``."""
        if self.skipped:
            return "skipped"
        if not self.ok(ratio_tol, abs_tol):
            return "FAIL"
        return "ok (both ~0)" if self.both_zero else "ok"


ABS_TOL_SCALE = 1e-4
"""Default absolute tolerance, as a fraction of the largest |numeric derivative| of a check."""


def default_abs_tol(numeric: Iterable[float], dtype: DTypeLike = np.float64) -> float:
    """Absolute error below which a row agrees whatever its ratio (see the module docstring).

    ``ABS_TOL_SCALE`` times the largest |numeric derivative| of the check, plus the square
    root of the machine epsilon of ``dtype`` (1.5e-8 for float64): errors that small next to
    the gradient's largest entry say nothing about ``bprop``. It never depends on eps, so a
    step too large for the derivatives fails the check instead of widening it.
    """
    largest = max((abs(value) for value in numeric if math.isfinite(value)), default=0.0)
    return ABS_TOL_SCALE * largest + math.sqrt(float(np.finfo(np.dtype(dtype)).eps))


@dataclass
class GradCheckReport:
    """Row-by-row comparison of ``bprop`` with finite differences.

    A row that is not skipped agrees when its ratio analytic/numeric lies in
    ``[1 - ratio_tol, 1 + ratio_tol]`` (default 0.01: the homework's 0.99 to 1.01) or its
    absolute error is at most ``abs_tol`` (``None``: ``default_abs_tol`` of the rows' numeric
    derivatives and ``dtype``); the second rule is the only one available for rows where both
    derivatives are ~0. The verdicts, the table, the HTML and the records all use these two
    tolerances.
    """

    rows: list[GradCheckRow]
    eps: float
    method: str
    abs_tol: float | None = None
    ratio_tol: float = 0.01
    dtype: str = "float64"

    def __post_init__(self) -> None:
        _check_options(self.eps, self.method)
        self.ratio_tol = finite_number("ratio_tol", self.ratio_tol, positive=True)
        if self.abs_tol is None:
            self.abs_tol = default_abs_tol((row.numeric for row in self.rows), self.dtype)
        self.abs_tol = finite_number("abs_tol", self.abs_tol)

    def select(self, *prefixes: str) -> GradCheckReport:
        """The report restricted to rows whose name starts with one of ``prefixes``,
        e.g. ``report.select("W2", "b2")`` for the output layer."""
        rows = [row for row in self.rows if row.name.startswith(prefixes)]
        return GradCheckReport(
            rows, self.eps, self.method, self.abs_tol, self.ratio_tol, self.dtype
        )

    def checked_rows(self) -> list[GradCheckRow]:
        """The rows that are judged (not skipped)."""
        return [row for row in self.rows if not row.skipped]

    def status(self, row: GradCheckRow) -> str:
        """The row's status under the report's tolerances (``GradCheckRow.status``)."""
        return row.status(self.ratio_tol, self.abs_tol)

    def failures(self) -> list[GradCheckRow]:
        """Judged rows that disagree under the report's tolerances."""
        return [row for row in self.checked_rows() if not row.ok(self.ratio_tol, self.abs_tol)]

    def passed(self) -> bool:
        """True when no judged row disagrees (see the class docstring)."""
        return not self.failures()

    @property
    def worst_relative_error(self) -> float:
        """Largest relative error over judged rows whose derivatives are not both ~0."""
        errors = [row.relative_error for row in self.checked_rows() if not row.both_zero]
        return max(errors, default=0.0)

    @property
    def ratio_range(self) -> tuple[float, float]:
        """(min, max) of the defined ratios of judged rows; (nan, nan) if there are none."""
        ratios = [row.ratio for row in self.checked_rows() if not row.both_zero]
        return (min(ratios), max(ratios)) if ratios else (math.nan, math.nan)

    def summary(self) -> str:
        """One line: the verdict, counts per status, ratio range and worst relative error."""
        statuses = [self.status(row) for row in self.rows]
        n_fail = statuses.count("FAIL")
        low, high = self.ratio_range
        counts = (
            f"{statuses.count('ok')} ok, {statuses.count('ok (both ~0)')} both ~0, "
            f"{statuses.count('skipped')} skipped at kinks, {n_fail} failed"
        )
        parts = [
            f"{'PASSED' if n_fail == 0 else 'FAILED'}: {len(self.rows)} parameters, {counts}",
            f"{_METHOD_LABELS[self.method]}, eps={self.eps:g}",
            f"ratios in [{low:.6f}, {high:.6f}] (tolerance 1 +- {self.ratio_tol:g}, "
            f"or |a - n| <= {self.abs_tol:g})",
            f"worst relative error {self.worst_relative_error:.2e}",
        ]
        return "; ".join(parts)

    def to_records(self) -> list[dict[str, Any]]:
        """The rows as dicts (name, analytic, numeric, ratio, relative_error, abs_error,
        status, reason), e.g. for ``pandas.DataFrame`` or a table in the book."""
        return [
            {
                "name": row.name,
                "analytic": row.analytic,
                "numeric": row.numeric,
                "ratio": row.ratio,
                "relative_error": row.relative_error,
                "abs_error": row.abs_error,
                "status": self.status(row),
                "reason": row.skip_reason,
            }
            for row in self.rows
        ]

    _HEADERS = ("parameter", "analytic", "numeric", "ratio", "rel. error", "status")

    def _cells(self, row: GradCheckRow) -> tuple[str, ...]:
        ratio = "undefined" if row.both_zero else f"{row.ratio:.6f}"
        status = self.status(row)
        if row.skipped:
            status += f" ({row.skip_reason})"
        return (
            row.name,
            f"{row.analytic: .6e}",
            f"{row.numeric: .6e}",
            ratio,
            f"{row.relative_error:.2e}",
            status,
        )

    def __str__(self) -> str:
        table = [self._HEADERS, *(self._cells(row) for row in self.rows)]
        widths = [max(len(line[col]) for line in table) for col in range(len(self._HEADERS) - 1)]
        lines = []
        for line in table:
            first = line[0].ljust(widths[0])
            cells = zip(line[1:-1], widths[1:], strict=True)
            middle = "  ".join(cell.rjust(width) for cell, width in cells)
            lines.append(f"{first}  {middle}  {line[-1]}".rstrip())
        lines.insert(1, "-" * max(len(line) for line in lines))
        return "\n".join([*lines, self.summary()])

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self._HEADERS)
        body = []
        for row in self.rows:
            failed = self.status(row) == "FAIL"
            style = ' style="color:#b00020;font-weight:bold"' if failed else ""
            cells = "".join(f"<td>{html.escape(cell)}</td>" for cell in self._cells(row))
            body.append(f"<tr{style}>{cells}</tr>")
        return (
            "<style>table.gradcheck th, table.gradcheck td "
            "{padding: 0.15em 0.8em; text-align: right; font-variant-numeric: tabular-nums}"
            "</style>"
            '<table class="gradcheck">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p>{html.escape(self.summary())}</p>"
        )


def check_gradients(
    net: MLP,
    X: ArrayLike,
    y: ArrayLike,
    eps: float = 1e-5,
    method: Method = "forward",
    abs_tol: float | None = None,
    ratio_tol: float = 0.01,
) -> GradCheckReport:
    """Compare ``net.bprop()`` with finite differences of ``net.fprop(X, y)``, entry by entry.

    ``X`` is ``(n, d)``, ``y`` holds ``n`` labels. Returns a ``GradCheckReport`` with one row
    per scalar parameter, named like ``"W1[0,1]"``; rows whose evaluation points straddle a
    ReLU kink or (L1 active) a zero weight are marked skipped with the reason. ``ratio_tol``
    and ``abs_tol`` (default: ``default_abs_tol`` of the numeric derivatives) decide
    agreement (see the module docstring).
    """
    net.fprop(X, y)
    analytic = net.bprop()
    _warn_if_float32(net)
    numeric = _probe_all(net, X, y, eps, method)
    rows = [
        GradCheckRow(
            name=_entry_name(name, index),
            analytic=float(analytic[name][index]),
            numeric=probe.numeric,
            skip_reason=probe.kink,
        )
        for name, per_entry in numeric.items()
        for index, probe in per_entry.items()
    ]
    return GradCheckReport(rows, float(eps), method, abs_tol, ratio_tol, net.dtype.name)
