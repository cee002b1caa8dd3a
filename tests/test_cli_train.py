"""``python -m mlp train`` and ``python -m mlp gradcheck``, run as a user would (subprocess)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, require

from mlp.model_io import load_model
from mlp.records import CSV_COLUMNS

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def run_mlp(*args: str, tmp_path: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mlp ARGS`` with no data folder, no display and an empty user cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("MLP_DATA", "DISPLAY", "MPLBACKEND")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return subprocess.run(
        [sys.executable, "-m", "mlp", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("mlp ") and "error:" in last, result.stderr
    for fragment in fragments:
        assert fragment in last, last


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open() as stream:
        return list(csv.DictReader(stream))


def test_train_on_circles_writes_the_four_files(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = run_mlp(
        "train",
        "--dataset", "circles",
        "--hidden", "16",
        "--epochs", "4",
        "--batch-size", "20",
        "--lr", "0.3",
        "--l22", "0.001",
        "--seed", "3",
        "--out", str(out),
        tmp_path=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "config.json",
        "curves.png",
        "metrics.csv",
        "model.npz",
    ]
    rows = read_rows(out / "metrics.csv")
    assert [int(row["epoch"]) for row in rows] == [1, 2, 3, 4]
    assert tuple(rows[0]) == CSV_COLUMNS
    # the six numbers of each epoch are printed, one line per epoch
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("epoch |"))
    epoch_lines = lines[header + 1 : header + 5]
    for line, row in zip(epoch_lines, rows, strict=True):
        cells = [cell.split() for cell in line.split("|")]
        assert cells[0] == [row["epoch"]]
        assert cells[2] == [
            f"{100 * float(row['valid_error']):.2f}%",
            f"{float(row['valid_loss']):.4f}",
        ]
    config = json.loads((out / "config.json").read_text())
    assert config["dataset"]["name"] == "circles"
    assert (config["d_h"], config["lr"], config["l22"], config["batch_size"]) == (
        16,
        0.3,
        0.001,
        20,
    )
    assert config["init_seed"] == 3 and config["mlp_version"]
    assert config["result"]["best_epoch"] in (1, 2, 3, 4)
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    net = load_model(out / "model.npz", d=2, m=2, dtype="float32")
    assert net.d_h == 16 and net.l22 == 0.001


def test_train_on_real_fashion_mnist_one_short_epoch(tmp_path: Path) -> None:
    require(FASHION_DIR.is_dir(), f"Fashion-MNIST not installed in {FASHION_DIR}")
    out = tmp_path / "fm"
    result = run_mlp(
        "train", "--dataset", "fashion-mnist", "--hidden", "32", "--epochs", "1",
        "--threads", "1", "--quiet", "--no-download", "--out", str(out),
        tmp_path=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (row,) = read_rows(out / "metrics.csv")
    assert float(row["test_error"]) < 0.2
    assert "test error" in result.stdout
    config = json.loads((out / "config.json").read_text())
    assert config["n_train"] == 50_000 and config["n_valid"] == 10_000
    assert "checksums verified" in config["dataset"]["source"]


def test_missing_data_gives_one_clear_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_mlp(
        "train", "--dataset", "mnist", "--data-dir", str(empty), "--no-download",
        "--out", str(tmp_path / "out"),
        tmp_path=tmp_path,
    )  # fmt: skip
    assert_one_line_error(result, "mlp train: error:", "MNIST")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--batch-size", "0"], "--batch-size: expected a positive integer"),
        (["--lr", "-1"], "--lr: expected a finite number > 0"),
        (["--lr", "nan"], "--lr: expected a finite number > 0"),
        (["--l12", "-0.5"], "--l12: expected a finite number >= 0"),
        (["--dataset", "cifar"], "--dataset: invalid choice"),
        (["--dtype", "float16"], "--dtype: invalid choice"),
        (["--epochs", "two"], "--epochs: expected a positive integer"),
    ],
)
def test_bad_arguments_give_a_clear_error_and_no_traceback(tmp_path, args, fragment) -> None:
    result = run_mlp(
        "train", "--dataset", "circles", "--out", str(tmp_path), *args, tmp_path=tmp_path
    )
    assert result.returncode == 2
    assert_one_line_error(result, fragment)


def test_out_must_be_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("")
    result = run_mlp("train", "--dataset", "circles", "--out", str(target), tmp_path=tmp_path)
    assert_one_line_error(result, "is not a folder")
    assert len(result.stderr.strip().splitlines()) == 1


def test_circles_validation_size_must_fit(tmp_path: Path) -> None:
    result = run_mlp(
        "train", "--dataset", "circles", "--n-points", "100", "--n-valid", "100",
        "--out", str(tmp_path / "o"),
        tmp_path=tmp_path,
    )  # fmt: skip
    assert_one_line_error(result, "--n-valid must lie in (0, 100)")


def table_rows(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(("W1[", "b1[", "W2[", "b2["))]


def test_gradcheck_prints_one_row_per_parameter_and_passes(tmp_path: Path) -> None:
    result = run_mlp("gradcheck", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)
    assert len(rows) == 2 * 2 + 2 + 2 * 2 + 2  # d_h (d + 1) + m (d_h + 1) with d = d_h = m = 2
    assert "PASSED" in result.stdout and "forward difference" in result.stdout


def test_gradcheck_on_ten_examples_with_the_loop_version_and_central_differences(
    tmp_path: Path,
) -> None:
    result = run_mlp(
        "gradcheck", "--examples", "10", "--hidden", "3", "--loop", "--method", "central",
        "--l11", "0.01", "--l22", "0.01",
        tmp_path=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "LoopMLP" in result.stdout and "batch of 10 examples" in result.stdout
    assert "[0, 1, 0, 1, 0, 1, 0, 1, 0, 1]" in result.stdout
    assert len(table_rows(result.stdout)) == 3 * 3 + 2 * 4
    assert "central difference" in result.stdout


def test_gradcheck_fails_with_status_1_when_ratios_leave_the_band(tmp_path: Path) -> None:
    # a step of 0.5 is far too large for a forward difference: ratios leave [0.99, 1.01], and
    # the default absolute tolerance does not grow with the step to excuse them
    args = ("--eps", "0.5", "--hidden", "3", "--examples", "4")
    result = run_mlp("gradcheck", *args, tmp_path=tmp_path)
    assert "FAIL" in result.stdout
    assert_one_line_error(result, "gradient check failed")


@pytest.mark.parametrize(("eps", "method"), [("1e-20", "forward"), ("1e-17", "central")])
def test_gradcheck_refuses_a_step_that_rounds_away(tmp_path: Path, eps: str, method: str) -> None:
    """``--eps 1e-20`` said "float division by zero": theta + eps == theta in float64."""
    result = run_mlp("gradcheck", "--eps", eps, "--method", method, tmp_path=tmp_path)
    assert_one_line_error(result, f"--eps {eps} is too small for float64", "1e-8 or more")
