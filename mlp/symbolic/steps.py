r"""Step functions in one canonical form: Heaviside and sign written with 1{z > 0} and 1{z = 0}.

The same indicator has many spellings: ``Heaviside(z, 0)`` (1{z > 0}), ``Heaviside(z)``
(SymPy's, 1/2 at 0), ``Heaviside(z, 1)`` (1{z >= 0}), ``1 - Heaviside(-z, 0)``, and
``sign(z) = 1{z > 0} - 1{z < 0}``. :func:`canonical_steps` rewrites each in the two functions

    Step(z) = 1{z > 0}        AtZero(z) = 1{z = 0}

with z oriented so that it does not start with a minus sign, using identities that hold for
every real z (0 included)::

    Heaviside(z, h) = Step(z) + h AtZero(z)
    Step(-z)        = 1 - Step(z) - AtZero(z)
    AtZero(-z)      = AtZero(z)
    sign(z)         = 2 Step(z) + AtZero(z) - 1

``Step(rect(u)) = Step(u)``, ``AtZero(rect(u)) = 1 - Step(u)``, and the products
``Step(z)**n = Step(z)``, ``AtZero(z)**n = AtZero(z)``,
``Step(z) AtZero(z) = 0`` (:func:`reduce_steps`). Two spellings of one function then have the
same normal form, and two functions that differ only where some z is 0 (a convention at a
kink: rect'(0), sign(0)) differ only by terms with an AtZero factor: :func:`away_from_kinks`
drops those terms, which is valid exactly where no kink argument is 0.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from mlp.symbolic.functions import Rect

__all__ = ["AtZero", "Step", "away_from_kinks", "canonical_steps", "kink_arguments", "reduce_steps"]


class Step(sp.Function):
    """1{z > 0}, the step with value 0 at 0 (``Heaviside(z, 0)``)."""

    nargs = 1

    @classmethod
    def eval(cls, z: sp.Expr) -> sp.Expr | None:
        if z.is_positive:
            return sp.S.One
        if z.is_nonpositive:
            return sp.S.Zero
        if isinstance(z, Rect):  # rect(u) > 0 exactly where u > 0
            return cls(z.args[0])
        if z.could_extract_minus_sign():
            return 1 - cls(-z) - AtZero(-z)
        return None

    def _eval_power(self, e: sp.Expr) -> sp.Expr | None:
        return self if e.is_integer and e.is_positive else None

    def _eval_is_real(self) -> bool:
        return True

    def _eval_is_nonnegative(self) -> bool:
        return True

    def _latex(self, printer: Any) -> str:
        return rf"\mathbf{{1}}_{{\{{{printer._print(self.args[0])} > 0\}}}}"


class AtZero(sp.Function):
    """1{z = 0}: the terms by which two conventions at a kink differ."""

    nargs = 1

    @classmethod
    def eval(cls, z: sp.Expr) -> sp.Expr | None:
        if z.is_zero:
            return sp.S.One
        if z.is_nonzero:
            return sp.S.Zero
        if isinstance(z, Rect):  # rect(u) = 0 exactly where u <= 0
            return 1 - Step(z.args[0])
        if z.could_extract_minus_sign():
            return cls(-z)
        return None

    def _eval_power(self, e: sp.Expr) -> sp.Expr | None:
        return self if e.is_integer and e.is_positive else None

    def _eval_is_real(self) -> bool:
        return True

    def _eval_is_nonnegative(self) -> bool:
        return True

    def _latex(self, printer: Any) -> str:
        return rf"\mathbf{{1}}_{{\{{{printer._print(self.args[0])} = 0\}}}}"


def canonical_steps(e: sp.Basic) -> sp.Basic:
    """``e`` with every Heaviside and sign written with Step and AtZero (see the module doc)."""
    e = sp.sympify(e)
    if not e.has(sp.Heaviside, sp.sign):
        return e
    e = e.replace(
        lambda u: isinstance(u, sp.Heaviside),
        lambda u: (
            Step(u.args[0]) + (u.args[1] if len(u.args) > 1 else sp.S.Half) * AtZero(u.args[0])
        ),
    )
    e = e.replace(
        lambda u: isinstance(u, sp.sign),
        lambda u: 2 * Step(u.args[0]) + AtZero(u.args[0]) - 1,
    )
    return e


def _at_zero(u: sp.Heaviside) -> sp.Expr:
    return u.args[1] if len(u.args) > 1 else sp.S.Half


def _vanishes(u: sp.Mul) -> bool:
    steps = {f.args[0] for f in u.args if isinstance(f, Step)}
    zeros = {f.args[0] for f in u.args if isinstance(f, AtZero)}
    return bool(steps & zeros)


def reduce_steps(e: sp.Basic) -> sp.Basic:
    """``e`` with every product Step(z) AtZero(z) replaced by 0 (powers reduce by themselves)."""
    if not e.has(AtZero):
        return e
    return e.replace(lambda u: isinstance(u, sp.Mul) and _vanishes(u), lambda u: sp.S.Zero)


def away_from_kinks(e: sp.Basic) -> sp.Basic:
    """``e`` with every AtZero(z) set to 0: equal to ``e`` wherever no kink argument z is 0."""
    return e.replace(lambda u: isinstance(u, AtZero), lambda u: sp.S.Zero)


def kink_arguments(e: sp.Basic) -> list[sp.Basic]:
    """The arguments z of the AtZero(z) factors of ``e``: where it differs from its value
    away from the kinks."""
    found: list[sp.Basic] = []
    for u in sp.sympify(e).atoms(AtZero):
        if u.args[0] not in found:
            found.append(u.args[0])
    return found
