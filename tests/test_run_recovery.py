"""Issue #24's defects of ``mlp train``'s run folders, reproduced as reported: now each one is
either repaired (the resumed run has the uninterrupted run's numbers) or refused by a message
that names the problem and the way out.

The stops are provoked in this process (``monkeypatch``), where the report used signals and a
full disk; ``tests/test_crash_consistency.py`` provokes them at every file operation.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from faults import Fault, run_forked

import mlp.runs
from mlp.checkpoints import CHECKPOINT_NAME, Checkpoint, read_checkpoint, write_checkpoint
from mlp.cli import main
from mlp.network import MLP
from mlp.records import History
from mlp.runs import RunFolder, RunFolderError

ARGS = ["train", "--dataset", "circles", "--n-points", "300", "--hidden", "8",
        "--batch-size", "10", "--lr", "0.3", "--threads", "1", "--quiet"]  # fmt: skip
"""Small runs whose best epoch (7 of 8) is not the last: restoring it changes the model."""


@pytest.fixture(autouse=True)
def _agg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")


def train(out: Path, *extra: str) -> int:
    return main([*ARGS, "--out", str(out), *extra])


def numbers(folder: Path) -> dict[str, Any]:
    """The six numbers of every epoch (not the seconds), the model, the result."""
    history = History.read_csv(folder / "metrics.csv")
    columns = ("epoch", "train_error", "train_loss", "valid_error", "valid_loss", "test_error")
    with np.load(folder / "model.npz") as model:
        arrays = {name: model[name].tobytes() for name in model.files}
    result = json.loads((folder / "config.json").read_text())["result"]
    result.pop("train_seconds")
    return {"metrics": {c: history.column(c).tolist() for c in columns}, "model": arrays,
            "result": result}  # fmt: skip


def stop_at_epoch(monkeypatch: pytest.MonkeyPatch, epoch: int, error: BaseException) -> None:
    """The run stops with ``error`` at epoch ``epoch``'s checkpoint, before writing it (its
    row of metrics.csv is written: the window of D1)."""
    checkpoint = RunFolder.checkpoint

    def stopping(self: RunFolder, state: Any, net: MLP) -> None:
        if state.epoch == epoch:
            raise error
        checkpoint(self, state, net)

    monkeypatch.setattr(RunFolder, "checkpoint", stopping)


def test_d1_a_metrics_row_ahead_of_the_checkpoint_resumes_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train(tmp_path / "whole", "--epochs", "5") == 0
    stop_at_epoch(monkeypatch, 3, OSError(errno.ENOSPC, "No space left on device"))
    assert train(tmp_path / "run", "--epochs", "5") == 1
    work = tmp_path / "run.incomplete"
    assert len(History.read_csv(work / "metrics.csv")) == 3  # one row more than the checkpoint
    assert "kept the 2 finished epoch(s)" in capsys.readouterr().err
    monkeypatch.undo()
    assert train(tmp_path / "run", "--epochs", "5", "--resume") == 0
    assert "after epoch 2\n" in capsys.readouterr().out
    assert numbers(tmp_path / "run") == numbers(tmp_path / "whole")


def stop_at_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run stops in ``finish`` with every final file written, just before the rename."""

    def interrupted(self: RunFolder) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(RunFolder, "_commit", interrupted)


def test_d2_d3_a_run_stopped_in_finish_resumes_from_its_last_epoch_not_its_best(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert train(tmp_path / "whole", "--epochs", "12") == 0
    stop_at_commit(monkeypatch)
    assert train(tmp_path / "run", "--epochs", "8") == 130
    work = tmp_path / "run.incomplete"
    assert sorted(p.name for p in work.iterdir()) == [
        CHECKPOINT_NAME, "config.json", "curves.png", "metrics.csv", "model.npz",
    ]  # fmt: skip
    best = json.loads((work / "config.json").read_text())["result"]["best_epoch"]
    assert best < 8  # model.npz holds another epoch's parameters than the last one
    monkeypatch.undo()
    assert train(tmp_path / "run", "--epochs", "12", "--resume") == 0
    assert numbers(tmp_path / "run") == numbers(tmp_path / "whole")


def test_d3_a_run_killed_before_its_first_epoch_is_started_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "run.incomplete"  # what SIGKILL before the first epoch left
    work.mkdir()
    (work / "config.json").write_text('{"status": "running"}\n')
    (work / "metrics.csv").write_text("epoch\n")
    assert train(tmp_path / "run", "--epochs", "2", "--resume") == 1
    assert "holds no finished epoch" in capsys.readouterr().err
    assert train(tmp_path / "run", "--epochs", "2") == 0  # no loop: a plain run starts
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_an_interrupted_run_of_an_earlier_version_is_never_removed_unasked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its work folder has no checkpoint.npz (its state is in checkpoint.json, model.npz...):
    it is not "a run with no finished epoch" to remove, it is refused by name."""
    work = tmp_path / "run.incomplete"
    work.mkdir()
    for name in ("checkpoint.json", "config.json", "metrics.csv", "model.npz"):
        (work / name).write_text("from mlp 0.2.0")
    for extra in ([], ["--resume"]):
        assert train(tmp_path / "run", "--epochs", "2", *extra) == 1
        error = capsys.readouterr().err
        assert "holds files that this version of mlp does not resume (checkpoint.json" in error
        assert "--overwrite" in error and len(list(work.iterdir())) == 4
    assert train(tmp_path / "run", "--epochs", "2", "--overwrite") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_d4_a_previous_run_left_aside_by_an_overwrite_is_put_back(tmp_path: Path) -> None:
    assert train(tmp_path / "run", "--epochs", "2") == 0
    before = numbers(tmp_path / "run")
    os.replace(tmp_path / "run", tmp_path / "run.replaced-4242")  # stopped between renames
    with pytest.raises(RunFolderError, match="already holds files"):
        RunFolder(tmp_path / "run").start({"lr": 0.3})
    assert numbers(tmp_path / "run") == before  # back in place
    shutil.copytree(tmp_path / "run", tmp_path / "run.replaced-4243")  # stopped after both
    assert train(tmp_path / "run", "--epochs", "3", "--overwrite") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_d5_out_a_link_writes_into_the_folder_it_points_to(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert train(tmp_path / "link", "--epochs", "2") == 0
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real" / "model.npz").is_file()
    (tmp_path / "dangling").symlink_to(tmp_path / "later")
    assert train(tmp_path / "dangling", "--epochs", "2") == 0
    assert (tmp_path / "dangling").is_symlink() and (tmp_path / "later" / "model.npz").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling", "later", "link", "real"]


def test_d5_a_loop_of_links_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(RunFolderError, match="loop of symbolic links"):
        RunFolder(tmp_path / "a")


def test_d6_the_work_folder_is_not_a_run_name(tmp_path: Path, capsys) -> None:
    assert train(tmp_path / "cc.incomplete", "--epochs", "2", "--overwrite") == 1
    message = capsys.readouterr().err
    assert "a name ending in .incomplete is the run's bookkeeping" in message
    assert "--out cc" in message and not list(tmp_path.iterdir())
    for name in ("cc.lock", "cc.replaced-12", "cc.discarded-3"):
        with pytest.raises(RunFolderError, match="bookkeeping"):
            RunFolder(tmp_path / name)


def test_d6_the_lock_is_the_run_s_whatever_its_spelling(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "link").symlink_to(tmp_path)
    first = RunFolder(tmp_path / "cc")
    first.start({"lr": 0.3})
    try:
        for spelling in (tmp_path / "link" / "cc", tmp_path / "sub" / ".." / "cc"):
            with pytest.raises(RunFolderError, match="in use by another process"):
                RunFolder(spelling, overwrite=True).start({"lr": 0.3})
    finally:
        first.release()


def interrupted_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> Path:
    """A run stopped after 2 of its 4 epochs; its checkpoint."""
    stop_at_epoch(monkeypatch, 3, KeyboardInterrupt())
    assert train(tmp_path / "run", "--epochs", "4", *extra) == 130
    monkeypatch.undo()
    return tmp_path / "run.incomplete" / CHECKPOINT_NAME


def rewrite(path: Path, change: Any) -> None:
    """Write the checkpoint ``path`` again after ``change(checkpoint)``."""
    checkpoint = read_checkpoint(path)
    change(checkpoint)
    write_checkpoint(path, checkpoint)


def as_float64(checkpoint: Checkpoint) -> None:
    checkpoint.params = {n: v.astype(np.float64) for n, v in checkpoint.params.items()}
    best = checkpoint.state.best_params or {}
    checkpoint.state.best_params = {n: v.astype(np.float64) for n, v in best.items()}


def without_best(checkpoint: Checkpoint) -> None:
    checkpoint.state.best_params = None


@pytest.mark.parametrize(
    ("extra", "change", "message", "way_out"),
    [
        (["--hidden", "16"], None, "other settings (d_h: 8 then, 16 now)", "--overwrite"),
        (["--l12", "0.01"], None, "other settings (l12: 0.0 then, 0.01 now)", "--overwrite"),
        (["--epochs", "1"], None, "2 finished epochs, more than --epochs 1", "--epochs 2 or more"),
        ([], as_float64, "the network is float32, the checkpoint float64", "--overwrite"),
        ([], without_best, "holds no best epoch's parameters", "--overwrite"),
    ],
)  # fmt: skip
def test_d7_resume_refuses_a_checkpoint_that_does_not_fit_by_name(
    tmp_path, monkeypatch, capsys, extra, change, message, way_out
) -> None:
    path = interrupted_run(tmp_path, monkeypatch)
    if change is not None:
        rewrite(path, change)
    before = path.read_bytes()
    capsys.readouterr()
    assert train(tmp_path / "run", "--epochs", "4", "--resume", *extra) == 1
    error = capsys.readouterr().err
    assert message in error and way_out in error and str(path.parent) in error, error
    assert path.read_bytes() == before  # the refusal changed nothing


def test_d7_the_checkpoint_is_checked_against_the_network_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpoint = read_checkpoint(interrupted_run(tmp_path, monkeypatch))
    with pytest.raises(ValueError, match=r"other penalties \(l22 0.5 now, 0 in the checkpoint\)"):
        checkpoint.check_network(MLP(2, 8, 2, l22=0.5, dtype="float32"), "ck")
    with pytest.raises(
        ValueError, match=r"\(d, d_h, m\) = \(2, 16, 2\), the checkpoint \(2, 8, 2\)"
    ):
        checkpoint.check_network(MLP(2, 16, 2, dtype="float32"), "ck")


def test_a_corrupted_checkpoint_is_refused_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = interrupted_run(tmp_path, monkeypatch)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: the zip's checksums see it
    path.write_bytes(bytes(data))
    capsys.readouterr()
    assert train(tmp_path / "run", "--epochs", "4", "--resume") == 1
    error = capsys.readouterr().err
    assert f"{path}: not a readable checkpoint" in error and "--overwrite" in error


def test_kept_epochs_are_counted_on_disk_even_when_the_last_flush_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The small item "kept the 269 finished epoch(s) when 270 were saved": the checkpoint
    of epoch 2 is renamed into place, then flushing its folder fails (EIO)."""
    main([*ARGS, "--epochs", "2", "--out", str(tmp_path / "warm")])  # imports, in the parent
    argv = [*ARGS, "--epochs", "4", "--out", str(tmp_path / "run")]
    trace = run_forked(lambda: main(argv), tmp_path).ops
    renamed = [op for op in trace if op.kind == "rename" and op.path.endswith(CHECKPOINT_NAME)]
    shutil.rmtree(tmp_path / "run")
    outcome = run_forked(lambda: main(argv), tmp_path, Fault(renamed[1].number + 1, "eio"))
    assert outcome.status == 1, outcome.stderr
    assert "kept the 2 finished epoch(s)" in outcome.stderr, outcome.stderr
    assert read_checkpoint(tmp_path / "run.incomplete" / CHECKPOINT_NAME).epoch == 2


def test_overwrite_and_resume_are_exclusive_in_the_library_too(tmp_path: Path) -> None:
    with pytest.raises(RunFolderError, match="exclude each other"):
        mlp.runs.RunFolder(tmp_path / "run", overwrite=True, resume=True)
