"""Shared pytest fixtures and the one rule for missing prerequisites."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

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
