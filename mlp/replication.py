"""A second draw of the book's experiments: one environment variable moves every seed.

A chapter that trains something draws its initial weights, its order of the examples and its
noise from seeds. Its claims must hold for other seeds too (and on another CPU, with another
BLAS thread count), or they were the luck of one draw. So every statistical chapter takes its
seeds from here: ``seed(0)``, ``seeds(3)``... give the book's own seeds when ``MLP_REPLICATION``
is unset or 0, and seeds moved by ``SEED_OFFSET`` times its value otherwise; ``blas_threads``
gives the chapter's thread count in the book's draw and another one in a replication.
``make replicate`` executes the statistical chapters with ``MLP_REPLICATION=1`` and two BLAS
threads, and requires every asserted claim to hold again.
"""

from __future__ import annotations

import os

from mlp import checks

__all__ = ["SEED_OFFSET", "VARIABLE", "blas_threads", "describe", "number", "seed", "seeds"]

VARIABLE = "MLP_REPLICATION"
"""The environment variable: unset or 0 for the book's own draw, k >= 1 for replication k."""

SEED_OFFSET = 1000
"""Replication k adds k * SEED_OFFSET to every seed: far from the seeds a chapter uses."""


def number() -> int:
    """Which draw this is: 0 (the book's own) or the replication number from ``VARIABLE``."""
    text = os.environ.get(VARIABLE, "").strip()
    if not text:
        return 0
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{VARIABLE} must be an integer >= 0, got {text!r}") from None
    return checks.nonnegative_int(VARIABLE, value)


def seed(base: int) -> int:
    """The seed a chapter writes as ``base``, moved in a replication."""
    return checks.nonnegative_int("base", base) + SEED_OFFSET * number()


def seeds(n: int, start: int = 0) -> tuple[int, ...]:
    """``n`` consecutive seeds from ``seed(start)``: (0, 1, 2) for ``seeds(3)`` in the book."""
    n = checks.positive_int("n", n)
    first = seed(start)
    return tuple(range(first, first + n))


def blas_threads(default: int) -> int:
    """The BLAS thread count of a chapter that sets one: ``default`` in the book's draw; in a
    replication, 2 instead of 1 and 1 instead of anything else."""
    default = checks.positive_int("default", default)
    if number() == 0:
        return default
    return 2 if default == 1 else 1


def describe() -> str:
    """One sentence for a page that runs as a replication, else the empty string."""
    k = number()
    if k == 0:
        return ""
    return (
        f"This execution is replication {k} ({VARIABLE}={k}): every seed is moved by "
        f"{k * SEED_OFFSET} and the BLAS thread count is changed."
    )
