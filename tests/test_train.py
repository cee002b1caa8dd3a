"""Minibatch SGD (``mlp.train``): the updates, the six numbers per epoch, early stopping, files."""

from __future__ import annotations

import copy
import csv
import dataclasses
import json
import math

import numpy as np
import pytest

from mlp.data import Splits, balanced_examples, two_circles
from mlp.network import MLP, LoopMLP
from mlp.records import CSV_COLUMNS, METRIC_NAMES, EpochMetrics, History, write_config
from mlp.train import (
    TrainingDiverged,
    TrainingState,
    evaluate,
    learning_rate,
    run_epoch,
    train,
)


def circles(n_train: int = 120, n_valid: int = 60, n_test: int = 60, seed: int = 0) -> Splits:
    X, y = two_circles(n_train + n_valid + n_test, noise=0.1, seed=seed)
    a, b = n_train, n_train + n_valid
    return Splits(X[:a], y[:a], X[a:b], y[a:b], X[b:], y[b:])


def mean_loss_and_error(net: MLP, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean of -log os_y and error rate, computed directly from predict_proba in float64."""
    proba = net.predict_proba(X).astype(np.float64)
    loss = float(np.mean(-np.log(proba[np.arange(len(y)), y])))
    return loss, float(np.mean(proba.argmax(axis=1) != y))


class RecordingMLP(MLP):
    """An MLP that remembers the rows of every minibatch it steps on."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[np.ndarray] = []

    def sgd_step_unchecked(self, X, y, lr):
        self.batches.append(np.array(X))
        return super().sgd_step_unchecked(X, y, lr)


# --- one epoch -------------------------------------------------------------------------------


def test_one_epoch_visits_every_example_once_in_batches_of_k() -> None:
    data = circles(n_train=103)
    net = RecordingMLP(2, 5, 2, seed=0)
    X = np.asarray(data.X_train)
    run_epoch(net, X, np.asarray(data.y_train), batch_size=10, lr=0.1, rng=np.random.default_rng(1))
    assert [len(b) for b in net.batches] == [10] * 10 + [3]
    seen = np.concatenate(net.batches)
    # the same rows, each exactly once, in a shuffled order
    assert sorted(map(tuple, seen)) == sorted(map(tuple, X))
    assert not np.array_equal(seen, X)


def test_full_batch_epoch_is_one_gradient_step() -> None:
    data = circles()
    X, y = np.asarray(data.X_train), np.asarray(data.y_train)
    net = MLP(2, 6, 2, l12=1e-3, l21=1e-3, seed=3)
    expected = net.copy()
    expected.fprop(X, y)
    grads = expected.bprop()
    run_epoch(net, X, y, batch_size=len(y), lr=0.5, rng=np.random.default_rng(0))
    for name, theta in expected.params().items():
        np.testing.assert_allclose(net.params()[name], theta - 0.5 * grads[name], atol=1e-14)


def test_on_the_fly_train_numbers_are_those_of_each_batch_before_its_update() -> None:
    data = circles()
    X, y = np.asarray(data.X_train), np.asarray(data.y_train)
    net = MLP(2, 8, 2, seed=0)
    replay = net.copy()
    stats = run_epoch(net, X, y, batch_size=16, lr=0.3, rng=np.random.default_rng(5))
    order = np.random.default_rng(5).permutation(len(y))
    errors, losses = 0, 0.0
    for start in range(0, len(y), 16):
        batch = order[start : start + 16]
        loss, error = mean_loss_and_error(replay, X[batch], y[batch])
        errors += round(error * len(batch))
        losses += loss * len(batch)
        replay.fprop(X[batch], y[batch])
        for name, g in replay.bprop().items():
            replay.params()[name] -= 0.3 * g
    assert stats.errors == errors
    assert stats.n == len(y)
    assert stats.mean_loss == pytest.approx(losses / len(y), rel=1e-12)
    for name, theta in replay.params().items():  # the fused step rounds a little differently
        np.testing.assert_allclose(net.params()[name], theta, rtol=1e-12, atol=1e-15)


def test_evaluate_matches_the_loss_and_error_computed_directly() -> None:
    data = circles()
    net = MLP(2, 4, 2, l22=0.5, seed=2)  # the penalty must not enter the mean loss
    error, loss = evaluate(net, data.X_valid, data.y_valid, batch_size=7)
    direct_loss, direct_error = mean_loss_and_error(net, data.X_valid, data.y_valid)
    assert error == pytest.approx(direct_error, abs=1e-15)
    assert loss == pytest.approx(direct_loss, rel=1e-12)


# --- train -------------------------------------------------------------------------------------


def test_training_learns_the_two_circles() -> None:
    data = circles(n_train=400, n_valid=200, n_test=200)
    net = MLP(2, 20, 2, seed=0)
    history = train(net, data, epochs=60, batch_size=10, lr=0.2)
    assert history.epochs[0].valid_error > 0.2
    assert history.best.valid_error < 0.05
    assert history.best.test_error < 0.05


def test_valid_and_test_numbers_are_computed_after_each_epoch() -> None:
    data = circles()
    snapshots = []
    net = MLP(2, 5, 2, seed=0)
    history = train(
        net,
        data,
        epochs=3,
        batch_size=20,
        lr=0.3,
        on_epoch_end=lambda record, net: snapshots.append(net.copy()),
    )
    for record, snapshot in zip(history.epochs, snapshots, strict=True):
        for split in ("valid", "test"):
            X, y = getattr(data, f"X_{split}"), getattr(data, f"y_{split}")
            loss, error = mean_loss_and_error(snapshot, X, y)
            assert getattr(record, f"{split}_error") == pytest.approx(error, abs=1e-15)
            assert getattr(record, f"{split}_loss") == pytest.approx(loss, rel=1e-12)


def test_early_stopping_waits_patience_epochs_and_restores_the_best_parameters() -> None:
    data = circles(n_train=200)
    # validation labels flipped: the better the fit, the worse the validation error
    flipped = dataclasses.replace(data, y_valid=1 - np.asarray(data.y_valid))
    snapshots = []
    net = MLP(2, 10, 2, seed=0)
    history = train(
        net,
        flipped,
        epochs=50,
        batch_size=10,
        lr=0.2,
        patience=3,
        on_epoch_end=lambda record, net: snapshots.append(net.copy()),
    )
    assert history.stopped_early
    assert len(history) == history.best_epoch + 3 < 50
    keys = [(r.valid_error, r.valid_loss) for r in history.epochs]
    assert keys[history.best_epoch - 1] == min(keys)
    assert history.restored_best
    for name, theta in snapshots[history.best_epoch - 1].params().items():
        np.testing.assert_array_equal(net.params()[name], theta)


def test_without_restore_the_last_parameters_are_kept() -> None:
    data = circles()
    flipped = dataclasses.replace(data, y_valid=1 - np.asarray(data.y_valid))
    snapshots = []
    net = MLP(2, 10, 2, seed=0)
    history = train(
        net,
        flipped,
        epochs=6,
        batch_size=10,
        lr=0.2,
        restore_best=False,
        on_epoch_end=lambda record, net: snapshots.append(net.copy()),
    )
    assert not history.restored_best and not history.stopped_early
    for name, theta in snapshots[-1].params().items():
        np.testing.assert_array_equal(net.params()[name], theta)


def test_float32_training_stays_float32() -> None:
    data = circles()  # float64 data
    net = RecordingMLP(2, 5, 2, seed=0, dtype=np.float32)
    history = train(net, data, epochs=2, batch_size=32, lr=0.1)
    assert {b.dtype for b in net.batches} == {np.dtype(np.float32)}
    assert all(theta.dtype == np.float32 for theta in net.params().values())
    assert history.config["dtype"] == "float32"


def test_loop_and_matrix_networks_train_identically() -> None:
    data = circles(n_train=60)
    histories, nets = [], []
    for cls in (MLP, LoopMLP):
        net = cls(2, 4, 2, l11=1e-3, l22=1e-3, seed=7)
        histories.append(train(net, data, epochs=2, batch_size=10, lr=0.2, restore_best=False))
        nets.append(net)
    for a, b in zip(*(h.epochs for h in histories), strict=True):
        for name in METRIC_NAMES:
            assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-10)
    for name, theta in nets[0].params().items():
        np.testing.assert_allclose(nets[1].params()[name], theta, rtol=1e-10, atol=1e-13)


def test_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    data = circles()

    def run(seed: int) -> list[float]:
        net = MLP(2, 5, 2, seed=0)
        return [
            r.train_loss for r in train(net, data, epochs=3, batch_size=8, lr=0.2, seed=seed).epochs
        ]

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_learning_rate_decays_as_documented() -> None:
    data = circles()
    history = train(MLP(2, 3, 2, seed=0), data, epochs=4, batch_size=30, lr=0.4, lr_decay=0.5)
    np.testing.assert_allclose(history.column("lr"), [0.4 / (1 + 0.5 * t) for t in range(4)])
    assert learning_rate(0.4, 0.0, 10) == 0.4


def test_a_test_set_is_optional() -> None:
    data = circles()
    history = train(
        MLP(2, 3, 2, seed=0),
        Splits(data.X_train, data.y_train, data.X_valid, data.y_valid),
        epochs=2,
        batch_size=30,
        lr=0.1,
    )
    assert np.isnan(history.column("test_error")).all()
    assert "test error" not in history.summary()


def test_divergence_raises_a_clear_error() -> None:
    data = circles()
    net = MLP(2, 20, 2, seed=0, dtype=np.float32)
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match="lower the learning"):
        train(net, data, epochs=5, batch_size=10, lr=1e30)


@pytest.mark.parametrize(
    ("change", "kwargs", "error", "message"),
    [
        ({}, {"epochs": 0}, ValueError, "epochs must be a positive integer"),
        ({}, {"batch_size": 0}, ValueError, "batch_size must be a positive integer"),
        ({}, {"lr": -0.1}, ValueError, "lr must be a finite number > 0"),
        ({}, {"lr": math.nan}, ValueError, "lr must be a finite number > 0"),
        ({}, {"lr_decay": -1.0}, ValueError, "lr_decay must be a finite number >= 0"),
        ({}, {"patience": 0}, ValueError, "patience must be a positive integer"),
        ({}, {"threads": 0}, ValueError, "threads must be a positive integer"),
        (
            {"X_train": np.zeros((120, 3)), "X_valid": np.zeros((60, 3))}
            | {"X_test": None, "y_test": None},
            {},
            ValueError,
            "X_train must have 2 columns",
        ),
        ({"X_train": np.zeros((120, 3))}, {}, ValueError, "different numbers of columns"),
        ({"X_train": np.zeros((5, 3))}, {}, ValueError, r"X_train must have shape \(n, d\)"),
        ({"y_valid": np.zeros(3, dtype=int)}, {}, ValueError, "y_valid shape"),
        ({"y_train": np.full(120, 2)}, {}, ValueError, r"y_train must hold labels in \[0, 2\)"),
        ({"y_train": np.zeros(120)}, {}, TypeError, "y_train must hold integer labels"),
        ({"X_test": np.full((60, 2), np.nan)}, {}, ValueError, "X_test contains NaN"),
        ({"y_test": None}, {}, ValueError, "give both X_test and y_test"),
        ({"X_valid": None, "y_valid": None}, {}, ValueError, "validation set"),
    ],
)
def test_bad_arguments_are_named_in_the_error(change, kwargs, error, message) -> None:
    options = {"epochs": 1, "batch_size": 10, "lr": 0.1} | kwargs
    with pytest.raises(error, match=message):
        data = dataclasses.replace(circles(), **change)
        train(MLP(2, 3, 2, seed=0), data, **options)


# --- output: printing, CSV, JSON, progress bar -----------------------------------------------


def test_verbose_prints_the_six_numbers_of_each_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    history = train(MLP(2, 3, 2, seed=0), circles(), epochs=2, batch_size=30, lr=0.1, verbose=True)
    header, *lines = capsys.readouterr().out.splitlines()
    assert header == EpochMetrics.header()
    assert (
        header.split() == "epoch | train err loss | valid err loss | test err loss | time".split()
    )
    assert len(lines) == 2
    for line, record in zip(lines, history.epochs, strict=True):
        assert line == record.line()
        cells = [cell.split() for cell in line.split("|")]
        assert cells[0] == [str(record.epoch)]
        for cell, split in zip(cells[1:4], ("train", "valid", "test"), strict=True):
            error, loss = getattr(record, f"{split}_error"), getattr(record, f"{split}_loss")
            assert cell == [f"{100 * error:.2f}%", f"{loss:.4f}"]
        assert len(line) == len(header)  # the columns line up under their titles


def test_metrics_file_gets_one_row_per_epoch_while_training(tmp_path) -> None:
    path = tmp_path / "metrics.csv"
    rows_seen = []

    def count_rows(record: EpochMetrics, net: MLP) -> None:
        with path.open() as stream:
            rows_seen.append(len(list(csv.reader(stream))) - 1)

    history = train(
        MLP(2, 3, 2, seed=0),
        circles(),
        epochs=3,
        batch_size=30,
        lr=0.1,
        csv_path=path,
        on_epoch_end=count_rows,
    )
    assert rows_seen == [1, 2, 3]
    assert path.read_text().splitlines()[0] == ",".join(CSV_COLUMNS)
    read = History.read_csv(path)
    assert read.epochs == history.epochs  # exact: floats are written with repr
    assert read.best_epoch == history.best_epoch


def test_history_write_csv_round_trips_nan(tmp_path) -> None:
    record = EpochMetrics(1, 0.5, 0.7, 0.4, 0.6, math.nan, math.nan, 0.1, 0.01)
    path = History(epochs=[record], best_epoch=1).write_csv(tmp_path / "m.csv")
    (read,) = History.read_csv(path).epochs
    assert math.isnan(read.test_error) and read.valid_loss == 0.6


def test_read_csv_rejects_other_files(tmp_path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("epoch,accuracy\n1,0.5\n")
    with pytest.raises(ValueError, match="expected the columns epoch, train_error"):
        History.read_csv(path)
    path.write_text(",".join(CSV_COLUMNS) + "\n1,x,0,0,0,0,0,0.1,1\n")
    with pytest.raises(ValueError, match="line 2: not a row of numbers"):
        History.read_csv(path)


def test_read_csv_refuses_a_last_row_cut_short(tmp_path) -> None:
    """A disk that filled up mid-row can cut the last column: such a row is never read."""
    path = tmp_path / "metrics.csv"
    path.write_text(",".join(CSV_COLUMNS) + "\n1,0.1,0.5,0.2,0.6,0.2,0.6,0.1,1.25\n")
    assert len(History.read_csv(path)) == 1
    path.write_text(path.read_text() + "2,0.1,0.5,0.2,0.6,0.2,0.6,0.1,1.2")  # seconds cut
    with pytest.raises(ValueError, match="the last line is incomplete"):
        History.read_csv(path)


def test_csv_columns_follow_the_record_fields() -> None:
    assert tuple(f.name for f in dataclasses.fields(EpochMetrics)) == CSV_COLUMNS
    assert CSV_COLUMNS[1:7] == METRIC_NAMES


def test_config_holds_hyper_parameters_and_versions(tmp_path) -> None:
    net = MLP(2, 3, 2, l21=0.01, seed=0)
    history = train(net, circles(), epochs=1, batch_size=30, lr=0.1, patience=4, seed=9)
    path = write_config(tmp_path / "config.json", {"dataset": "circles", **history.config})
    config = json.loads(path.read_text())
    expected = {"d": 2, "d_h": 3, "m": 2, "l21": 0.01, "lr": 0.1, "batch_size": 30}
    assert expected.items() <= config.items()
    assert config["patience"] == 4 and config["shuffle_seed"] == 9
    assert config["dataset"] == "circles" and config["mlp_version"]
    assert config["numpy_version"] == np.__version__


def test_progress_bar_only_when_asked_or_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    train(MLP(2, 3, 2, seed=0), circles(), epochs=1, batch_size=30, lr=0.1, progress=True)
    assert "batch" in capsys.readouterr().err
    train(MLP(2, 3, 2, seed=0), circles(), epochs=1, batch_size=30, lr=0.1)  # stderr not a TTY
    assert capsys.readouterr().err == ""


def test_balanced_examples_alternate_the_two_classes() -> None:
    X, y = balanced_examples(10, seed=3)
    assert X.shape == (10, 2)
    assert y.tolist() == [0, 1] * 5


def test_a_resume_state_that_train_cannot_continue_exactly_is_refused() -> None:
    data = circles()
    states: list[TrainingState] = []
    net = MLP(2, 4, 2, seed=0)
    train(net, data, epochs=3, batch_size=20, lr=0.3,
          on_checkpoint=lambda state, net: states.append(copy.deepcopy(state)))  # fmt: skip
    state = states[1]  # after epoch 2
    options = {"batch_size": 20, "lr": 0.3}
    with pytest.raises(ValueError, match="more than epochs = 1: pass epochs >= 2"):
        train(net.copy(), data, epochs=1, resume=state, **options)
    short = copy.deepcopy(state)
    short.history.epochs.pop()
    with pytest.raises(ValueError, match=r"must hold epochs 1 to resume\.epoch = 2, got 1"):
        train(net.copy(), data, epochs=3, resume=short, **options)
    no_best = copy.deepcopy(state)
    no_best.best_params = None
    with pytest.raises(ValueError, match=r"no best parameters .* restore_best"):
        train(net.copy(), data, epochs=3, resume=no_best, **options)
    train(net.copy(), data, epochs=3, resume=no_best, restore_best=False, **options)  # fine
