"""Shared pytest fixtures and the one rule for missing prerequisites."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # the build's own modules: build_book, chapter_runs

STRICT_VARIABLES = ("CI", "MLP_REQUIRE_REAL_DATA")
"""Environment variables that make a missing prerequisite a failure instead of a skip."""


def strict() -> bool:
    """True when a missing prerequisite (built site, Chromium, PDF, real data, a tool) must
    fail the test: in CI (``CI=true``), or when ``MLP_REQUIRE_REAL_DATA=1`` is set."""
    return any(
        os.environ.get(name, "").lower() in {"1", "true", "yes"} for name in STRICT_VARIABLES
    )


def require(condition: bool, reason: str) -> None:
    """Skip the test when ``condition`` is false, except in strict mode where it fails."""
    if condition:
        return
    if strict():
        pytest.fail(f"required here ({' or '.join(STRICT_VARIABLES)} is set): {reason}")
    pytest.skip(reason)


# --- small data and settings shared by the tests of the network's steps ----------------------

LAMBDAS = {"l11": 1e-3, "l12": 2e-3, "l21": 3e-3, "l22": 4e-3}
"""Elastic-net strengths small enough to leave training alone, all four non-zero."""

NO_LAMBDAS = dict.fromkeys(LAMBDAS, 0.0)

TOLERANCE = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-12, "atol": 1e-14}}
"""How close two computations of the same numbers must be, by dtype."""


def make_data(n: int, d: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points ``(n, d)`` around ``m`` random centres, labels ``(n,)`` the centre's."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=2.0, size=(m, d))
    y = rng.integers(0, m, size=n)
    return centers[y] + rng.normal(size=(n, d)), y
