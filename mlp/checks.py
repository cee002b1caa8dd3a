"""Argument checks shared by the package: each raises ``ValueError`` naming the argument."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["finite_number", "positive_int"]


def positive_int(name: str, value: Any) -> int:
    """``value`` as an int, or raise unless it is an integer >= 1 (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def finite_number(name: str, value: Any, *, positive: bool = False) -> float:
    """``value`` as a float, or raise unless it is a finite real number >= 0 (> 0 if
    ``positive``); ``bool`` is refused."""
    real = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if not real or not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return float(value)
