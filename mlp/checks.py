"""Argument validation for the whole package: one function per kind of argument, one policy.

Every function returns the argument in the form the caller needs (an ``int``, a ``float``, an
array of a given dtype) or raises:

- ``TypeError`` when the argument is of the wrong *kind* (a string where a number is expected,
  a boolean, an array of strings, an integer dtype where labels must be integers...);
- ``ValueError`` when it is of the right kind but its *value* is wrong (negative, NaN, a shape
  that does not fit, a label out of range...).

The message names the argument, says what was expected and shows what came, e.g.
``lr must be a finite number > 0, got -0.1``. ``bool`` is never accepted as a number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

__all__ = [
    "FLOAT_DTYPES",
    "finite_number",
    "float_dtype",
    "labels",
    "lambdas",
    "learning_rate",
    "nonnegative_int",
    "one_of",
    "positive_int",
    "real_matrix",
    "unit_interval",
]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
"""The floating-point types the package computes in."""

LAMBDA_NAMES = ("l11", "l12", "l21", "l22")
"""The elastic-net strengths: L1 and squared L2 on W1, then on W2."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def positive_int(name: str, value: Any) -> int:
    """``value`` as an ``int`` >= 1."""
    if not _is_int(value):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def nonnegative_int(name: str, value: Any) -> int:
    """``value`` as an ``int`` >= 0."""
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer >= 0, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


def finite_number(name: str, value: Any, *, positive: bool = False) -> float:
    """``value`` as a ``float``: a finite real number >= 0 (> 0 when ``positive``)."""
    bound = "> 0" if positive else ">= 0"
    if not _is_real(value):
        raise TypeError(f"{name} must be a finite number {bound}, got {value!r}")
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return float(value)


def unit_interval(name: str, value: Any) -> float:
    """``value`` as a ``float`` in [0, 1) (a momentum, a decay rate of Adam's moments)."""
    if not _is_real(value):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r}")
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def learning_rate(value: Any, name: str = "lr") -> float:
    """A learning rate: a finite number > 0, as a Python ``float`` (NEP 50 keeps array dtypes)."""
    return finite_number(name, value, positive=True)


def lambdas(l11: Any, l12: Any, l21: Any, l22: Any) -> tuple[float, float, float, float]:
    """The four elastic-net strengths as floats, each a finite number >= 0."""
    values = (l11, l12, l21, l22)
    checked = tuple(finite_number(n, v) for n, v in zip(LAMBDA_NAMES, values, strict=True))
    return checked  # type: ignore[return-value]


def one_of(name: str, value: Any, choices: Sequence[Any]) -> Any:
    """``value`` if it is one of ``choices`` (compared with ``==``)."""
    if not any(value == choice and type(value) is type(choice) for choice in choices):
        expected = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {expected}, got {value!r}")
    return value


def float_dtype(dtype: DTypeLike, name: str = "dtype") -> np.dtype:
    """``dtype`` as ``np.dtype``, float32 or float64."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"{name} must be float32 or float64, got {dtype!r}") from err
    if resolved not in FLOAT_DTYPES:
        raise TypeError(f"{name} must be float32 or float64, got {resolved}")
    return resolved


def real_matrix(
    name: str,
    X: ArrayLike,
    *,
    dtype: DTypeLike | None = None,
    columns: int | None = None,
    finite: bool = True,
) -> NDArray:
    """``X`` as a 2-D array ``(n, columns)`` of real numbers with n >= 1, cast to ``dtype``.

    Integers are accepted and cast; booleans, strings and objects are not (``TypeError``).
    With ``finite`` (the default), NaN and infinities are refused, after the cast (a float64
    value beyond the float32 range becomes infinite and is refused as such).
    """
    X = np.asarray(X)
    if X.dtype == np.bool_ or X.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {X.dtype}")
    if X.ndim != 2:
        expected = f"(n, {columns})" if columns is not None else "(n, d)"
        raise ValueError(f"{name} must be 2-D of shape {expected}, got shape {X.shape}")
    if columns is not None and X.shape[1] != columns:
        raise ValueError(f"{name} must have {columns} columns, got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} must contain at least one row, got shape {X.shape}")
    if dtype is not None:
        with np.errstate(over="ignore"):  # out-of-range values become inf, refused below
            X = X.astype(float_dtype(dtype), copy=False)
    elif X.dtype.kind != "f":
        X = X.astype(np.float64)
    if finite and not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or inf (as {X.dtype})")
    return X


def labels(name: str, y: ArrayLike, m: int, *, n: int | None = None) -> NDArray[np.intp]:
    """Integer class labels ``y`` as an ``intp`` array, each in [0, m); shape ``(n,)`` if given.

    A scalar label is accepted when ``n`` is None (it stays 0-D).
    """
    m = positive_int("the number of classes m", m)
    y = np.asarray(y)
    if y.dtype == np.bool_ or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(
            f"{name} must hold integer labels in [0, {m}), got an array of dtype {y.dtype}"
        )
    if n is not None and y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one label per example, got {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= m):
        bad = y[(y < 0) | (y >= m)]
        raise ValueError(f"{name} must hold labels in [0, {m}), found {bad.ravel()[:5].tolist()}")
    return y.astype(np.intp, copy=False)
