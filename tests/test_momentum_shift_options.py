"""Momentum and pixel shifts as options of ``mlp sweep`` and ``mlp train``.

The sweep's tasks pass both hyper-parameters to ``train``; ``mlp train --momentum`` keeps its
velocities in its checkpoint, so an interrupted run resumes to the same numbers.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import mlp.runs
import mlp.sweep.run as sweep_run
from mlp.checkpoints import read_checkpoint
from mlp.cli import main
from mlp.data import DataOptions, load_splits
from mlp.network import MLP
from mlp.records import METRIC_NAMES
from mlp.sweep import HYPERPARAMETERS, SearchSpace, Task, run_task
from mlp.sweep.space import parse_values
from mlp.train import TrainingDiverged, train

CIRCLES = DataOptions("circles", n_points=240)


# --- mlp sweep ------------------------------------------------------------------------------


def test_momentum_and_shift_are_sweep_hyperparameters_off_by_default() -> None:
    assert (HYPERPARAMETERS["momentum"].default, HYPERPARAMETERS["shift"].default) == (0.0, 0)
    configurations = SearchSpace.parse(["momentum=0,0.9", "shift=0,1"]).configurations()
    assert [(c["momentum"], c["shift"]) for c in configurations] == [
        (0.0, 0), (0.0, 1), (0.9, 0), (0.9, 1),
    ]  # fmt: skip
    assert isinstance(configurations[0]["momentum"], float)


@pytest.mark.parametrize(
    ("text", "error", "fragment"),
    [
        ("momentum=1", ValueError, "momentum must be a number in [0, 1), got 1.0"),
        ("momentum=-0.5", ValueError, "momentum must be a number in [0, 1), got -0.5"),
        ("shift=-1", ValueError, "shift must be an integer >= 0, got -1"),
        ("shift=0.5", ValueError, "shift must be an integer, got '0.5'"),
    ],
)
def test_bad_momentum_or_shift_values_are_refused_in_one_line(text, error, fragment) -> None:
    with pytest.raises(error) as caught:
        parse_values(text)
    assert fragment in str(caught.value)


def test_a_task_trains_with_its_momentum_and_shift(monkeypatch) -> None:
    config = {**SearchSpace.parse(["momentum=0.9", "shift=2"]).configurations()[0], "epochs": 2}
    seen: dict[str, object] = {}

    def spy(net, splits, **options):
        seen.update(options)
        raise TrainingDiverged("stop here")

    monkeypatch.setattr(sweep_run, "train", spy)
    row = run_task(Task(config, seed=0), CIRCLES)
    assert (seen["momentum"], seen["shift"]) == (0.9, 2) and row["status"] == "diverged"


def test_a_task_with_momentum_gives_the_numbers_of_train_with_momentum() -> None:
    config = SearchSpace.parse(["d_h=16", "lr=0.05", "momentum=0.9", "batch_size=20"])
    config = {**config.configurations()[0], "epochs": 5, "patience": 3}
    row = run_task(Task(config, seed=1), CIRCLES)
    splits, _ = load_splits(CIRCLES)
    net = MLP(2, 16, 2, seed=1, dtype="float32")
    history = train(net, splits, epochs=5, batch_size=20, lr=0.05, momentum=0.9, patience=3, seed=1)
    assert {name: row[name] for name in METRIC_NAMES} == {
        name: getattr(history.best, name) for name in METRIC_NAMES
    }
    plain = run_task(Task({**config, "momentum": 0.0}, seed=1), CIRCLES)
    assert plain["valid_loss"] != row["valid_loss"]


# --- mlp train ------------------------------------------------------------------------------


def train_args(out: Path, *extra: str) -> list[str]:
    return [
        "train", "--dataset", "circles", "--n-points", "400", "--hidden", "8", "--epochs", "5",
        "--batch-size", "20", "--lr", "0.05", "--momentum", "0.9", "--seed", "2", "--quiet",
        "--out", str(out), *extra,
    ]  # fmt: skip


def metrics(path: Path) -> list[dict[str, str]]:
    with path.open() as stream:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(stream)]


def test_mlp_train_with_momentum_resumes_to_the_numbers_of_an_uninterrupted_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(train_args(tmp_path / "whole")) == 0
    config = json.loads((tmp_path / "whole" / "config.json").read_text())
    assert (config["momentum"], config["shift"]) == (0.9, 0)
    assert not (tmp_path / "whole" / "checkpoint.npz").exists()  # needed only to resume

    original = mlp.runs.RunFolder.checkpoint

    def interrupt_after_two(self, state, net):
        original(self, state, net)
        if state.epoch == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(mlp.runs.RunFolder, "checkpoint", interrupt_after_two)
    assert main(train_args(tmp_path / "run")) == 130
    saved = read_checkpoint(tmp_path / "run.incomplete" / "checkpoint.npz").state
    assert saved.epoch == 2 and np.any(saved.velocity["W1"] != 0)
    monkeypatch.setattr(mlp.runs.RunFolder, "checkpoint", original)
    assert main([*train_args(tmp_path / "run"), "--resume"]) == 0
    assert metrics(tmp_path / "run" / "metrics.csv") == metrics(tmp_path / "whole" / "metrics.csv")


def test_mlp_train_refuses_to_resume_momentum_without_its_velocities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = mlp.runs.RunFolder.checkpoint

    def interrupt_after_one(self, state, net):
        original(self, state, net)
        raise KeyboardInterrupt

    monkeypatch.setattr(mlp.runs.RunFolder, "checkpoint", interrupt_after_one)
    assert main(train_args(tmp_path / "run")) == 130
    monkeypatch.setattr(mlp.runs.RunFolder, "checkpoint", original)
    path = tmp_path / "run.incomplete" / "checkpoint.npz"
    with np.load(path) as archive:  # the checkpoint, its velocities taken out
        kept = {name: archive[name] for name in archive.files if "velocity" not in name}
    np.savez(path, **kept)
    capsys.readouterr()
    assert main([*train_args(tmp_path / "run"), "--resume"]) == 1
    assert "checkpoint.npz: a run with momentum 0.9 has no velocities" in capsys.readouterr().err
