"""mlp.bench.lines: the time of each line goes to that line, and the lines add up to the run."""

from __future__ import annotations

import time

import numpy as np
import pytest

from mlp.bench.lines import profile_lines


def slow_and_fast(n: int) -> float:
    total = 0.0
    for _ in range(n):
        time.sleep(0.002)  # the slow line
        total += 1.0  # a fast line
    return total


def caller(n: int) -> float:
    x = slow_and_fast(n)
    y = np.ones(3).sum()
    return x + y


def test_the_slow_line_gets_the_time_and_every_hit_is_counted() -> None:
    profile = profile_lines(lambda: slow_and_fast(10), [slow_and_fast])
    slow = profile.line("slow_and_fast", "time.sleep")
    fast = profile.line("slow_and_fast", "total += 1.0")
    assert slow.hits == fast.hits == 10
    assert slow.seconds >= 10 * 0.002 and fast.seconds < slow.seconds / 20
    assert profile.per_call(slow, 10) >= 0.002 and profile.overhead > 0


def test_a_traced_callee_is_timed_in_its_lines_and_whole_in_the_calling_line() -> None:
    profile = profile_lines(lambda: caller(5), [caller, slow_and_fast], repeats=2)
    calling = profile.line("caller", "slow_and_fast(n)")
    assert calling.calls_traced and not profile.line("caller", "np.ones").calls_traced
    inner = sum(row.seconds for row in profile.of("slow_and_fast"))
    assert calling.seconds >= 0.9 * inner
    exclusive = sum(row.seconds for row in profile.exclusive())
    assert exclusive <= profile.traced_seconds
    assert exclusive > 0.8 * profile.traced_seconds  # the lines account for the run


def test_profile_lines_refuses_what_it_cannot_trace() -> None:
    with pytest.raises(TypeError, match="run must be callable"):
        profile_lines(42, [caller])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cannot trace"):
        profile_lines(lambda: None, [len])
    with pytest.raises(ValueError, match="repeats"):
        profile_lines(lambda: None, [caller], repeats=0)
    profile = profile_lines(lambda: None, [caller])
    with pytest.raises(ValueError, match="expected one line of caller"):
        profile.line("caller", "not in the source")
