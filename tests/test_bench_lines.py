"""mlp.bench.lines: each statement's time goes to its line, the functions are put back."""

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


class Holder:
    def method(self, n: int) -> float:
        value = caller(n)
        return value


def test_the_slow_statement_gets_the_time_and_every_hit_is_counted() -> None:
    profile = profile_lines(lambda: slow_and_fast(10), [slow_and_fast])
    slow = profile.line("slow_and_fast", "time.sleep")
    fast = profile.line("slow_and_fast", "total += 1.0")
    assert slow.hits == fast.hits == 10
    assert slow.seconds >= 10 * 0.002 and fast.seconds < slow.seconds / 20
    assert profile.per_call(slow, 10) >= 0.002 and 0 < profile.overhead < 1e-5
    assert profile.line("slow_and_fast", "return total").hits == 1


def test_a_profiled_callee_is_timed_in_its_lines_and_whole_in_the_calling_line() -> None:
    profile = profile_lines(lambda: Holder().method(5), [Holder.method, caller, slow_and_fast])
    calling = profile.line("caller", "slow_and_fast(n)")
    assert calling.calls_profiled and not profile.line("caller", "np.ones").calls_profiled
    assert profile.line("Holder.method", "caller(n)").calls_profiled
    inner = sum(row.seconds for row in profile.of("slow_and_fast"))
    assert calling.seconds >= 0.95 * inner
    exclusive = sum(row.seconds for row in profile.exclusive())
    assert 0.8 * profile.run_seconds < exclusive <= profile.run_seconds


def test_compare_times_the_plain_run_after_each_profiled_one() -> None:
    calls: list[bool] = []  # whether slow_and_fast was the rewritten one at each call

    def run() -> None:
        calls.append(globals()["slow_and_fast"] is not original)
        slow_and_fast(5)

    original = globals()["slow_and_fast"]
    profile = profile_lines(run, [slow_and_fast], repeats=3, compare=True)
    assert calls == [True, False] * 3  # interleaved: profiled, plain, profiled, plain, ...
    assert profile.plain_seconds is not None and profile.plain_seconds >= 5 * 0.002
    assert profile_lines(run, [slow_and_fast]).plain_seconds is None


def test_the_original_functions_are_put_back_even_when_the_run_fails() -> None:
    method, function = Holder.__dict__["method"], globals()["caller"]

    def failing() -> None:
        assert Holder.__dict__["method"] is not method  # rewritten while running
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        profile_lines(failing, [Holder.method, caller])
    assert Holder.__dict__["method"] is method and globals()["caller"] is function
    assert Holder().method(1) == caller(1)


def test_profile_lines_refuses_what_it_cannot_rewrite() -> None:
    def closure() -> int:
        return len(test_profile_lines_refuses_what_it_cannot_rewrite.__name__)

    with pytest.raises(TypeError, match="run must be callable"):
        profile_lines(42, [caller])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a Python function"):
        profile_lines(lambda: None, [len])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="defined inside a function"):
        profile_lines(lambda: None, [closure])
    with pytest.raises(ValueError, match="repeats"):
        profile_lines(lambda: None, [caller], repeats=0)
    profile = profile_lines(lambda: None, [caller])
    assert profile.lines == ()
    with pytest.raises(ValueError, match="expected one line of caller"):
        profile.line("caller", "not in the source")
