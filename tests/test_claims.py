"""The registry of the book's claims (the library side of `python -m mlp prove`): every claim
passes, the scopes are those the chapters state, an unknown id and the time limit fail
clearly, and each record prints as one line."""

from __future__ import annotations

import pytest

from mlp import symbolic as S
from mlp.symbolic.claims import Claim, run_claim

GENERAL = ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "B3", "B4", "B5", "B7", "B8"]
GENERAL += [f"B{n}" for n in range(9, 19)] + ["M7"]
INSTANCE = ["B1", "B2", "B6"]


def test_the_registry_lists_the_27_questions_and_m7_in_reading_order() -> None:
    expected = [f"A{n}" for n in range(1, 10)] + [f"B{n}" for n in range(1, 19)] + ["M7"]
    assert list(S.CLAIM_IDS) == expected
    assert all(c.statement and c.checks for c in S.CLAIMS)


@pytest.fixture(scope="module")
def records() -> list[S.ClaimRecord]:
    """Every claim of the book, run once through the registry, as `mlp prove` does."""
    return S.run_claims()


@pytest.mark.parametrize("claim_id", S.CLAIM_IDS)
def test_claim_is_proven_exactly_and_renders_as_math(
    records: list[S.ClaimRecord], claim_id: str
) -> None:
    # How long each proof takes is reported by `mlp prove`, not asserted: a wall-clock
    # bound would fail on a loaded machine for no fault of the code.
    (record,) = [r for r in records if r.id == claim_id]
    assert record.ok, record.message
    assert record.results
    for result in record.results:
        assert isinstance(
            result, S.Proof | S.ProofGroup | S.KinkDerivative | S.ParameterCount | S.Fact
        ), claim_id
        assert result.exact, f"{claim_id}: proven only numerically ({result.route})"
        latex = result._repr_latex_()
        assert latex.startswith("$$") and latex.endswith("$$") and len(latex) > 10


def test_every_claim_passes_with_the_scope_the_book_states(
    records: list[S.ClaimRecord],
) -> None:
    failed = {r.id: r.message for r in records if not r.ok}
    assert not failed, failed
    scopes = {r.id: r.scope for r in records}
    assert {i for i, s in scopes.items() if s == "general"} == set(GENERAL)
    assert {i for i, s in scopes.items() if s == "instance"} == set(INSTANCE)
    kinds = {r.id: r.kind for r in records}
    assert {i for i, k in kinds.items() if k == "by construction"} == {"B6"}
    for r in records:
        if r.id in GENERAL[14:]:  # B9..B18, M7 aside: proven in index notation
            assert r.id == "M7" or r.route == "sum normal form", (r.id, r.route)
    line = S.format_record(records[0])
    assert line.split()[:2] == ["A1", "general"] and line.endswith("ok")
    assert S.summary(records).startswith(f"{len(records)} of {len(records)} claims ok")


def test_only_selects_claims_case_insensitively_in_the_order_given() -> None:
    records = S.run_claims(only=["b4", "A2", "B4"])
    assert [r.id for r in records] == ["B4", "A2"]
    assert all(r.ok for r in records)


def test_an_unknown_claim_id_is_a_clear_value_error_before_anything_runs() -> None:
    with pytest.raises(ValueError, match=r"unknown claim id B99; choose from A1, A2"):
        S.run_claims(only=["B13", "B99"])
    with pytest.raises(ValueError, match="time_limit must be positive"):
        S.run_claims(only=["A2"], time_limit=0)


def test_a_claim_past_its_time_limit_is_reported_failed_not_passed() -> None:
    records = S.run_claims(only=["B18"], time_limit=0.05)
    (record,) = records
    assert not record.ok and record.scope == ""
    assert record.message == "time limit of 0.05 s reached"
    assert record.seconds < 5  # interrupted, not run to the end
    line = S.format_record(record)
    assert line.startswith("B18") and "FAILED: time limit of 0.05 s reached" in line
    assert S.run_claims(only=["A2"], time_limit=30)[0].ok  # the alarm is disarmed afterwards


def test_a_false_claim_is_reported_failed_with_its_counterexample() -> None:
    wrong = Claim("X1", "B13 without the mask", (S.WRONG_FORMULAS["B13 rect' mask dropped"],))
    record = run_claim(wrong)
    assert not record.ok
    assert record.message.startswith("IdentityError: the sides differ at d = ")
    assert "lhs = " in record.message and "rhs = " in record.message
    assert "FAILED: IdentityError" in S.format_record(record)


def test_a_broken_check_fails_its_claim_without_stopping_the_others() -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    record = run_claim(Claim("X2", "a check that crashes", (broken,)))
    assert not record.ok and record.message == "RuntimeError: boom"
