"""``python -m mlp prove``: the whole book's algebra in one command, one line per claim."""

from __future__ import annotations

import re

import pytest

from mlp import cli
from mlp.symbolic.claims import CLAIM_IDS

LINE = re.compile(
    r"^(?P<id>[ABM]\d+)\s+(?P<scope>general|instance)\s+.*\s(?P<seconds>[\d.]+) s\s+ok$"
)


def test_prove_runs_every_claim_of_the_book_and_exits_0(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["prove"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    matches = [LINE.match(line) for line in lines[:-1]]
    assert all(matches), [line for line, m in zip(lines, matches, strict=False) if not m]
    assert [m["id"] for m in matches] == list(CLAIM_IDS)  # A1-A9, B1-B18, M7 in reading order
    general = {m["id"] for m in matches if m["scope"] == "general"}
    assert {"B7", *(f"B{k}" for k in range(9, 19))} <= general  # every gradient of Part B
    assert lines[-1].startswith(f"{len(CLAIM_IDS)} of {len(CLAIM_IDS)} claims ok")


def test_prove_only_one_claim_and_a_time_limit_that_fails_honestly(capsys) -> None:
    assert cli.main(["prove", "--only", "b13"]) == 0
    assert capsys.readouterr().out.startswith("B13  general")
    assert cli.main(["prove", "--only", "B18", "--time-limit", "0.05"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "0 of 1 claims ok" in out


def test_prove_refuses_an_unknown_claim_in_one_line(capsys) -> None:
    assert cli.main(["prove", "--only", "B99"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown claim id B99; choose from A1" in err[0]
