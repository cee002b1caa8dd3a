"""The registry of the book's claims (the library side of `python -m mlp prove`): every claim
passes, the scopes are those the chapters state, an unknown id and the time limit fail
clearly, each record prints as one line, and B18's bridge from the proofs to the code fails
when the code computes something else than the proved formula."""

from __future__ import annotations

import numpy as np
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
        if isinstance(result, S.CodeAgreement):  # the code against a proved formula: numeric
            assert claim_id == "B18" and result.max_error <= result.tolerance
            assert not result.exact and result.kind == "check"
            continue
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


# --- B18's bridge: the proved backward-pass formula against the code -------------------------


def test_the_bridge_compares_bprop_and_the_fused_step_with_the_proved_formula() -> None:
    result = S.b18_code_bridge()
    assert result.max_error < 1e-12 and result.entries > 0
    assert "K = 4" in result.where and "MLP.bprop" in result.statement
    net, X, _ = __import__("mlp.symbolic.code_bridge", fromlist=["x"]).bridge_network(3, 4, 3, 4)
    ha = X @ net.W1.T + net.b1
    assert (ha > 0).any() and (ha < 0).any()  # a dropped mask changes the result
    assert net.W1[0, 0] == 0 and net.W2[0, 0] == 0 and all(v > 0 for v in net.lambdas)


def _dropped_mask(monkeypatch) -> None:
    import mlp.network

    monkeypatch.setattr(mlp.network, "rect_prime", lambda z: np.ones_like(z))


def _dropped_one_over_n(monkeypatch) -> None:
    import mlp.network

    original = mlp.network.MLP.bprop

    def bprop(self, grad_x=False):  # every gradient without the 1/n of the mean
        n = self.X.shape[0]
        grads = original(self, grad_x)
        penalty = dict(
            zip(
                ("W1", "W2"), mlp.network.penalty_grad(self.W1, self.W2, *self.lambdas), strict=True
            )
        )
        return {k: n * (g - penalty.get(k, 0)) + penalty.get(k, 0) for k, g in grads.items()}

    monkeypatch.setattr(mlp.network.MLP, "bprop", bprop)


def _fused_step_without_one_over_n(monkeypatch) -> None:
    import mlp.network

    original = mlp.network.fused_sgd_step

    def step(net, X, y, lr, *args, **kwargs):  # lr / n -> lr: as if lr were n times larger
        return original(net, X, y, lr * X.shape[0], *args, **kwargs)

    monkeypatch.setattr(mlp.network, "fused_sgd_step", step)


@pytest.mark.parametrize(
    "mutation", [_dropped_mask, _dropped_one_over_n, _fused_step_without_one_over_n]
)
def test_the_bridge_fails_when_the_code_computes_another_formula(mutation, monkeypatch) -> None:
    mutation(monkeypatch)
    with pytest.raises(S.IdentityError, match="differs from the proved formula of B18"):
        S.b18_code_bridge()


def test_mlp_prove_fails_on_the_three_mutations_of_the_issue(tmp_path) -> None:
    """The three code mutations that left `mlp prove` at 28/28, applied to a copy of the package:
    `/ n` dropped in bprop, the mask dropped, `lr / n` -> `lr` in the fused step."""
    import shutil
    import subprocess
    import sys

    from conftest import ROOT

    copy = tmp_path / "mlp"
    shutil.copytree(ROOT / "mlp", copy, ignore=shutil.ignore_patterns("__pycache__"))
    edits = {
        "network.py": [
            ("self.grad_oa = (self.os - onehot(self.y, self.m, dtype=self.dtype)) / n",
             "self.grad_oa = self.os - onehot(self.y, self.m, dtype=self.dtype)"),
            ("self.grad_ha = self.grad_hs * rect_prime(self.ha)", "self.grad_ha = self.grad_hs"),
        ],
        "fused.py": [("lr_n = lr / n  #", "lr_n = lr  #")],
    }  # fmt: skip
    for name, pairs in edits.items():
        text = (copy / name).read_text()
        for old, new in pairs:  # the first occurrence: MLP's (LoopMLP's follows)
            assert old in text, old
            text = text.replace(old, new, 1)
        (copy / name).write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "mlp", "prove", "--only", "B18"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED" in done.stdout and "differs from the proved formula of B18" in done.stdout
