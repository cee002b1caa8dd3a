"""mlp.bench.kernels: statements timed in turns, and the bound-by rule against a copy."""

from __future__ import annotations

import time

import pytest

from mlp.bench.kernels import (
    BOUND_RULE,
    BOUND_WORDS,
    COMPUTING,
    MOVING,
    bound_by,
    time_side_by_side,
)


def test_each_statement_gets_its_own_time_and_same_run_ratios_compare_them() -> None:
    timed = time_side_by_side(
        {"slow": lambda: time.sleep(0.002), "fast": lambda: None}, repeats=3, number=5
    )
    assert len(timed.seconds["slow"]) == len(timed.seconds["fast"]) == 3
    assert timed.median("slow") >= 0.002 > 20 * timed.median("fast")
    assert timed.ratio("slow", "fast") > 20 and timed.ratio("fast", "slow") < 0.05
    with pytest.raises(KeyError, match="no statement 'other'"):
        timed.median("other")


def test_the_statements_take_turns_in_a_rotating_order() -> None:
    calls: list[str] = []
    kernels = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    time_side_by_side(kernels, repeats=3, number=2)
    assert calls[:3] == ["a", "b", "c"]  # one call each before timing
    assert "".join(calls[3:]) == "aabbcc" + "bbccaa" + "ccaabb"


def test_bound_by_compares_the_time_per_byte_with_the_copy_by_the_stated_bands() -> None:
    assert bound_by(1.0, 1.0) == bound_by(MOVING, 1.0) == "moving data"
    assert bound_by(MOVING * 1.01, 1.0) == bound_by(COMPUTING, 1.0) == "both"
    assert bound_by(COMPUTING * 1.01, 1.0) == "computing"
    assert bound_by(0.3, 1.0) == "moving data"  # faster than a copy: nothing to compute
    assert f"{MOVING:g} times" in BOUND_RULE["en"] and "1,25 fois" in BOUND_RULE["fr"]
    assert set(BOUND_WORDS["fr"]) == set(BOUND_WORDS["en"])


def test_bad_input_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="at least one statement"):
        time_side_by_side({})
    with pytest.raises(TypeError, match="kernel 'x' must be callable"):
        time_side_by_side({"x": 3})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="repeats"):
        time_side_by_side({"x": lambda: None}, repeats=0)
    with pytest.raises(ValueError, match="seconds_per_byte"):
        bound_by(-1.0, 1.0)
