"""Nothing lost, nothing mixed: run folders (``mlp.runs``), resuming, divergence caught.

The library tests drive ``RunFolder`` and ``train`` directly; the command-line tests run
``python -m mlp train`` as a user would, including Ctrl-C, SIGTERM and two runs at once.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from mlp.data import Splits, two_circles
from mlp.network import MLP
from mlp.records import History
from mlp.runs import RunFolder, RunFolderError
from mlp.train import DIVERGENCE_FACTOR, TrainingDiverged, TrainingState, train


def circles(n: int = 300, seed: int = 0) -> Splits:
    X, y = two_circles(n + 200, noise=0.1, seed=seed)
    return Splits(X[:n], y[:n], X[n : n + 100], y[n : n + 100], X[n + 100 :], y[n + 100 :])


def same_numbers(a: History, b: History) -> bool:
    """The six numbers and the learning rate of every epoch (not the seconds) are equal."""
    columns = ("epoch", "train_error", "train_loss", "valid_error", "valid_loss", "lr")
    columns += ("test_error", "test_loss")
    return len(a) == len(b) and all(
        np.array_equal(a.column(c), b.column(c), equal_nan=True) for c in columns
    )


class Interrupt(KeyboardInterrupt):
    pass


# --- resuming in the library -----------------------------------------------------------------


def test_a_run_interrupted_and_resumed_gives_the_numbers_of_an_uninterrupted_run() -> None:
    data = circles()
    options = {"epochs": 8, "batch_size": 16, "lr": 0.3, "seed": 5, "patience": 20}
    reference = MLP(2, 8, 2, seed=1)
    whole = train(reference, data, **options)

    saved: dict[str, object] = {}

    def stop_after_three(state: TrainingState, net: MLP) -> None:
        saved["state"] = TrainingState(
            state.epoch, state.rng_state, History(list(state.history.epochs)),
            state.best_key,
            None if state.best_params is None
            else {k: v.copy() for k, v in state.best_params.items()},
        )  # fmt: skip
        saved["state"].history.best_epoch = state.history.best_epoch
        saved["net"] = net.copy()
        if state.epoch == 3:
            raise Interrupt

    with pytest.raises(Interrupt):
        train(MLP(2, 8, 2, seed=1), data, on_checkpoint=stop_after_three, **options)
    resumed_net = saved["net"]
    resumed = train(resumed_net, data, resume=saved["state"], **options)
    assert same_numbers(resumed, whole) and resumed.best_epoch == whole.best_epoch
    for name, value in reference.params().items():
        np.testing.assert_array_equal(resumed_net.params()[name], value)


# --- the run folder ----------------------------------------------------------------------------


def run(folder: RunFolder, epochs: int = 4, stop_at: int | None = None) -> MLP:
    """A small run through ``folder``, as ``mlp train`` does it (optionally interrupted)."""
    data = circles()
    config = {"d_h": 6, "lr": 0.3, "epochs": epochs}
    net = MLP(2, 6, 2, seed=0)
    state = folder.start(config, net)  # a resumed run's net gets the checkpoint's parameters

    def checkpoint(state: TrainingState, net: MLP) -> None:
        folder.checkpoint(state, net)
        if state.epoch == stop_at:
            raise Interrupt

    try:
        history = train(
            net, data, epochs=epochs, batch_size=25, lr=0.3, seed=2, resume=state,
            csv_path=folder.work / "metrics.csv", on_checkpoint=checkpoint,
        )  # fmt: skip
        import matplotlib

        matplotlib.use("Agg")
        from mlp.plots import plot_learning_curves

        folder.finish(net, {**config, "result": history.best_epoch},
                      plot_learning_curves(history), {"epochs": len(history)})  # fmt: skip
    except BaseException as exc:
        folder.abandon(type(exc).__name__)
        raise
    finally:
        folder.release()
    return net


def test_the_sequence_of_chapter_c7_writes_and_replaces_its_run_folder(tmp_path: Path) -> None:
    """C7's cell, call for call: ``RunFolder(run_dir, overwrite=True)``, ``start(config)``
    (no network: a new run), ``train(csv_path=folder.work / ...,
    on_checkpoint=folder.checkpoint)``, ``finish``, ``release``; twice, as two builds do."""
    import matplotlib

    matplotlib.use("Agg")
    from mlp.plots import plot_learning_curves

    run_dir = tmp_path / "c07_run"
    for seed in (0, 1):
        net = MLP(2, 6, 2, seed=seed, dtype=np.float32)
        folder = RunFolder(run_dir, overwrite=True)
        config = {"command": "chapter C7", "dataset": "circles", "lr": 0.3, "init_seed": seed}
        folder.start(config)
        try:
            history = train(net, circles(), csv_path=folder.work / "metrics.csv",
                            on_checkpoint=folder.checkpoint, epochs=4, batch_size=25, lr=0.3,
                            patience=2, seed=seed, threads=1)  # fmt: skip
            figure = plot_learning_curves(history, title="circles")
            folder.finish(net, {**config, **history.config}, figure,
                          {"dataset": "circles", "best_epoch": history.best_epoch})  # fmt: skip
        finally:
            folder.release()
        assert sorted(p.name for p in run_dir.iterdir()) == [
            "config.json", "curves.png", "metrics.csv", "model.npz",
        ]  # fmt: skip
        assert json.loads((run_dir / "config.json").read_text())["init_seed"] == seed
        assert History.read_csv(run_dir / "metrics.csv").best_epoch == history.best_epoch
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c07_run"]


def test_a_complete_run_appears_at_once_with_its_four_files(tmp_path: Path) -> None:
    target = tmp_path / "run"
    run(RunFolder(target))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    files = sorted(p.name for p in target.iterdir())
    assert files == ["config.json", "curves.png", "metrics.csv", "model.npz"]
    config = json.loads((target / "config.json").read_text())
    assert config["status"] == "complete" and config["lr"] == 0.3


def test_a_folder_that_holds_a_run_is_refused_unless_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "run"
    run(RunFolder(target))
    before = (target / "metrics.csv").read_bytes()
    with pytest.raises(RunFolderError, match=r"already holds files .* --overwrite"):
        run(RunFolder(target))
    assert (target / "metrics.csv").read_bytes() == before  # untouched
    run(RunFolder(target, overwrite=True), epochs=2)
    assert len(History.read_csv(target / "metrics.csv")) == 2  # replaced, not mixed


def test_an_overwrite_that_fails_keeps_the_previous_run_whole(tmp_path: Path) -> None:
    target = tmp_path / "run"
    run(RunFolder(target))
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    with pytest.raises(Interrupt):
        run(RunFolder(target, overwrite=True), epochs=6, stop_at=2)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


def test_an_interrupted_run_keeps_its_finished_epochs_and_resumes_exactly(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with pytest.raises(Interrupt):
        run(RunFolder(target), epochs=6, stop_at=3)
    work = tmp_path / "run.incomplete"
    assert not target.exists() and work.is_dir()
    assert len(History.read_csv(work / "metrics.csv")) == 3
    status = json.loads((work / "config.json").read_text())["status"]
    assert status.startswith("stopped after epoch 3")
    with pytest.raises(RunFolderError, match=r"interrupted run .* --resume .* --overwrite"):
        run(RunFolder(target), epochs=6)
    assert work.is_dir()  # the refusal removed nothing
    resumed = run(RunFolder(target, resume=True), epochs=6)
    uninterrupted = run(RunFolder(tmp_path / "whole"), epochs=6)
    assert same_numbers(
        History.read_csv(target / "metrics.csv"), History.read_csv(tmp_path / "whole/metrics.csv")
    )
    np.testing.assert_array_equal(resumed.W1, uninterrupted.W1)
    assert not work.exists()


def test_resume_refuses_other_settings_and_a_missing_run(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with pytest.raises(RunFolderError, match="nothing to resume"):
        RunFolder(target, resume=True).start({"lr": 0.3})
    with pytest.raises(Interrupt):
        run(RunFolder(target), epochs=6, stop_at=2)
    with pytest.raises(RunFolderError, match=r"other settings \(lr: 0.3 then, 0.5 now\)"):
        RunFolder(target, resume=True).start({"d_h": 6, "lr": 0.5, "epochs": 6})
    assert (tmp_path / "run.incomplete").is_dir() and not (tmp_path / "run.lock").exists()


def test_a_run_that_fails_before_its_first_epoch_leaves_nothing(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "run")
    folder.start({"lr": 0.3})
    folder.release()
    assert not list(tmp_path.iterdir())


def test_an_empty_name_is_refused(tmp_path: Path) -> None:
    for name in ("", "  ", "."):
        with pytest.raises(RunFolderError, match="named"):
            RunFolder(name)


def test_a_second_run_into_the_same_folder_is_refused_while_the_first_runs(
    tmp_path: Path,
) -> None:
    first = RunFolder(tmp_path / "run")
    first.start({"lr": 0.3})
    with pytest.raises(RunFolderError, match=rf"in use by another process \(pid {os.getpid()}\)"):
        RunFolder(tmp_path / "run").start({"lr": 0.3})
    first.release()


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    (tmp_path / "run.lock").write_text(f"pid {child.stdout}")  # that process has ended
    run(RunFolder(tmp_path / "run"))
    assert (tmp_path / "run" / "model.npz").exists() and not (tmp_path / "run.lock").exists()


# --- divergence ------------------------------------------------------------------------------


def test_huge_but_finite_losses_are_caught_as_divergence() -> None:
    """lr = 10 in float64 gives losses near 1e257 that stay finite: still a divergence."""
    data = circles()
    net = MLP(2, 20, 2, seed=0)
    bound = DIVERGENCE_FACTOR * math.log(2)
    with pytest.raises(TrainingDiverged, match=rf"epoch 1: the train loss is .* = {bound:.3g}"):
        train(net, data, epochs=20, batch_size=10, lr=1e4)


def test_predict_refuses_parameters_that_are_not_finite() -> None:
    net = MLP(2, 3, 2, seed=0)
    net.W2[0, 0] = np.nan
    with pytest.raises(ValueError, match="W2 holds NaN or inf"):
        net.predict(np.zeros((1, 2)))


@pytest.mark.parametrize(
    ("net", "X_scale", "expected", "not_expected"),
    [
        (MLP(2, 5, 2, seed=0, l11=1e6), 1.0, "or the penalty: lr x lambda = 1e+05", "standardise"),
        (MLP(2, 5, 2, seed=0), 1e6, "or standardise the inputs", "penalty"),
    ],
)
def test_the_divergence_message_names_the_likely_cause(net, X_scale, expected, not_expected):
    data = circles()
    data = Splits(data.X_train * X_scale, data.y_train, data.X_valid, data.y_valid)
    with pytest.raises(TrainingDiverged) as error:
        train(net, data, epochs=30, batch_size=10, lr=0.1)
    assert expected in str(error.value) and not_expected not in str(error.value)


# --- the command line ------------------------------------------------------------------------


def mlp_command(*args: str, cwd: Path) -> list[str]:
    return [sys.executable, "-m", "mlp", *args]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MLP_DATA", "DISPLAY", "MPLBACKEND")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def train_circles(out: str, *extra: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = mlp_command("train", "--dataset", "circles", "--hidden", "8", "--epochs", "5",
                          "--quiet", "--out", out, *extra, cwd=cwd)  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=environment(),
                          timeout=120)  # fmt: skip


def test_cli_refuses_to_mix_two_runs_in_one_folder(tmp_path: Path) -> None:
    assert train_circles("run", cwd=tmp_path).returncode == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}
    second = train_circles("run", "--lr", "1e300", cwd=tmp_path)
    assert second.returncode == 1
    assert "already holds files" in second.stderr and "--overwrite" in second.stderr
    failed = train_circles("run", "--lr", "1e300", "--overwrite", cwd=tmp_path)
    assert failed.returncode == 1 and "diverged" in failed.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_cli_refuses_an_empty_out_without_touching_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("mine")
    result = train_circles("", cwd=tmp_path)
    assert result.returncode == 2 and "--out: expected a folder name" in result.stderr
    assert (tmp_path / "config.json").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]


def test_cli_divergence_exits_1_and_saves_no_model(tmp_path: Path) -> None:
    result = train_circles("run", "--lr", "1e4", "--dtype", "float64", cwd=tmp_path)
    assert result.returncode == 1
    assert "training diverged" in result.stderr and "epoch 1" in result.stderr
    assert not (tmp_path / "run").exists()
    for path in tmp_path.rglob("*"):
        assert path.name != "model.npz" or ".incomplete" in str(path)


def default_sigint() -> None:
    """In the child before ``exec``: SIGINT to its default, so that Python raises
    KeyboardInterrupt on it. A shell without job control starts background commands with
    SIGINT ignored, and a Python started with SIGINT ignored keeps ignoring it: the test
    would then see a run that Ctrl-C cannot reach, however the test suite was started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_cli_interrupted_keeps_the_finished_epochs_and_resumes(tmp_path, sig, status) -> None:
    command = mlp_command("train", "--dataset", "circles", "--n-points", "20000", "--hidden",
                          "64", "--batch-size", "10", "--epochs", "400", "--threads", "1",
                          "--quiet", "--out", "run", cwd=tmp_path)  # fmt: skip
    process = subprocess.Popen(command, cwd=tmp_path, env=environment(), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=default_sigint)  # fmt: skip
    work = tmp_path / "run.incomplete"
    deadline = time.monotonic() + 60
    while not (work / "checkpoint.npz").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (work / "checkpoint.npz").exists(), "no epoch finished within 60 s"
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == status, stderr
    assert "finished epoch(s) in run.incomplete" in stderr and "--resume" in stderr
    assert not (tmp_path / "run").exists()
    assert not [p for p in work.iterdir() if p.name.endswith(".tmp")]
    config = json.loads((work / "config.json").read_text())
    assert config["status"].startswith("stopped after epoch")
    assert (config["lr"], config["epochs"], config["d_h"], config["batch_size"]) == (
        0.1, 400, 64, 10,
    )  # fmt: skip
    epochs = len(History.read_csv(work / "metrics.csv"))
    assert epochs >= 1
    again = [*command, "--resume", "--epochs", str(epochs + 1)]
    resumed = subprocess.run(
        again, cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=120
    )
    assert resumed.returncode == 0, resumed.stderr
    assert len(History.read_csv(tmp_path / "run" / "metrics.csv")) == epochs + 1


def test_cli_a_second_run_into_the_same_folder_is_refused_and_the_first_completes(
    tmp_path: Path,
) -> None:
    # 30 epochs (several seconds) so that the first run still holds its lock when the second
    # starts, even on a loaded machine: with 3 epochs (about 1 s) it could finish first, and
    # the second was then refused for the files the first had left, not for the lock
    command = mlp_command("train", "--dataset", "circles", "--n-points", "20000", "--hidden",
                          "64", "--batch-size", "10", "--epochs", "30", "--threads", "1",
                          "--quiet", "--out", "run", cwd=tmp_path)  # fmt: skip
    first = subprocess.Popen(command, cwd=tmp_path, env=environment(), text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 60
    while not (tmp_path / "run.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(command, cwd=tmp_path, env=environment(), text=True,
                            capture_output=True, timeout=120)  # fmt: skip
    _, first_err = first.communicate(timeout=120)
    assert second.returncode == 1
    assert f"in use by another process (pid {first.pid})" in second.stderr
    assert first.returncode == 0, first_err
    assert len(History.read_csv(tmp_path / "run" / "metrics.csv")) == 30


def test_cli_messages_name_the_option(tmp_path: Path) -> None:
    for extra, fragment in (
        (("--seed", "-1"), "--seed: expected an integer >= 0"),
        (("--threads", str(10**30)), "--threads: expected a number of threads from 1 to"),
    ):
        result = train_circles("run", *extra, cwd=tmp_path)
        assert result.returncode == 2 and fragment in result.stderr, result.stderr
    result = train_circles("run", "--n-points", "1", cwd=tmp_path)
    assert result.returncode == 1 and "--n-points must be at least 2" in result.stderr
    assert not list(tmp_path.iterdir())
