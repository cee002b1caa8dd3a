"""``python -m mlp check``: the verdict and its exit status (0 proved, 1 wrong, 2 unreadable,
3 undecided), and ``--list``."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

from mlp import cli
from mlp.check import question_ids


def test_the_issues_four_commands_exit_as_asked(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["check", "B15.W1", "grad_ha[j] * x[i]"]) == 0
    assert "PROVED for every size" in capsys.readouterr().out
    assert cli.main(["check", "B15.W1", "grad_hs[j] * x[i]"]) == 1
    out = capsys.readouterr().out
    assert "WRONG" in out and "counterexample" in out
    assert "the rectifier's derivative is missing" in out and "h^a_j < 0" in out
    assert cli.main(["check", "B9.W2", "grad_oa[j] * hs[k]"]) == 1
    assert "indices are swapped" in capsys.readouterr().out
    assert cli.main(["check", "B9.W2", "__import__('os')"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "not a function this question allows" in captured.err
    assert "allowed names: " in captured.err and "grad_oa[k]" in captured.err


def test_the_command_never_runs_the_formula(tmp_path) -> None:
    marker = tmp_path / "ran"
    formula = f"__import__('pathlib').Path('{marker}').touch()"
    done = subprocess.run(
        [sys.executable, "-m", "mlp", "check", "B7", formula],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert not marker.exists()


def test_a_convention_at_the_kink_exits_1_and_says_so(capsys) -> None:
    assert cli.main(["check", "B13", "grad_hs[j] * Heaviside(ha[j])"]) == 1
    out = capsys.readouterr().out
    assert "RIGHT EXCEPT AT A KINK" in out and "rect'(0) = 0" in out


def test_an_undecided_check_exits_3_and_says_it_is_not_wrong(capsys) -> None:
    formula = "Sum(G_oa[t, k] * HS[t, j], (t, 1, K)) + 0 * b2[k]"
    assert cli.main(["check", "B10.W2", formula, "--time-limit", "0.05"]) == 3
    out = capsys.readouterr().out
    assert "UNDECIDED: could not decide in 0.05 s (undecided is not wrong)" in out


def test_bad_requests_exit_2_with_one_clear_line(capsys) -> None:
    assert cli.main(["check", "B99", "os[k]"]) == 2
    assert "unknown question 'B99'" in capsys.readouterr().err
    assert cli.main(["check", "B7"]) == 2
    assert "give a question ID and your formula" in capsys.readouterr().err
    assert cli.main(["check", "B7", "os[k] +"]) == 2
    assert "cannot read the formula" in capsys.readouterr().err


def test_list_shows_every_id_with_its_names_and_a_syntax_example(capsys) -> None:
    assert cli.main(["check", "--list"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")]
    assert listed == list(question_ids())
    assert listed[0] == "A1" and listed[-1] == "B18.b2"
    assert out.count("syntax, e.g.:") == len(listed) and out.count("names:") == len(listed)
    assert cli.main(["check", "--list", "B15.W1"]) == 0
    one = capsys.readouterr().out
    assert one.startswith("B15.W1") and "grad_ha[j]" in one and "grad_ha[j] * x[i]" not in one
