"""``mlp.checkpoints``: one file holds a run's whole resumable state, read back bit for bit,
and a file that is not such a state is refused naming the file and the problem."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mlp.checkpoints import (
    Checkpoint,
    CheckpointError,
    read_checkpoint,
    read_checkpoint_meta,
    write_checkpoint,
)
from mlp.data import Splits, two_circles
from mlp.network import MLP, LoopMLP
from mlp.train import TrainingState, train


def circles() -> Splits:
    X, y = two_circles(400, noise=0.1, seed=0)
    return Splits(X[:200], y[:200], X[200:300], y[200:300])  # no test set: NaN columns


def saved_state(tmp_path: Path, momentum: float = 0.5) -> tuple[Path, TrainingState, MLP]:
    """A checkpoint after epoch 3 of 5, written as ``RunFolder.checkpoint`` does."""
    kept: dict[str, Any] = {}

    def keep(state: TrainingState, net: MLP) -> None:
        if state.epoch == 3:
            path = tmp_path / "checkpoint.npz"
            write_checkpoint(path, Checkpoint.of(state, net, {"momentum": momentum}, "id3"))
            kept.update(state=copy.deepcopy(state), net=net.copy(), path=path)

    net = MLP(2, 5, 2, seed=1, dtype="float32", l12=1e-3)
    train(net, circles(), epochs=5, batch_size=20, lr=0.2, momentum=momentum, seed=4,
          on_checkpoint=keep)  # fmt: skip
    return kept["path"], kept["state"], kept["net"]


def test_a_checkpoint_reads_back_bit_for_bit(tmp_path: Path) -> None:
    path, state, net = saved_state(tmp_path)
    checkpoint = read_checkpoint(path)
    assert (checkpoint.epoch, checkpoint.network, checkpoint.run_id) == (3, "MLP", "id3")
    assert checkpoint.lambdas == net.lambdas and checkpoint.options == {"momentum": 0.5}
    back = checkpoint.state
    assert back.rng_state == state.rng_state and back.best_key == state.best_key
    assert back.history.best_epoch == state.history.best_epoch
    for name, value in net.params().items():
        assert checkpoint.params[name].tobytes() == value.tobytes()
        assert back.velocity[name].tobytes() == state.velocity[name].tobytes()
        assert back.best_params[name].tobytes() == state.best_params[name].tobytes()
    for ours, theirs in zip(back.history.epochs, state.history.epochs, strict=True):
        assert ours.csv_row() == theirs.csv_row()  # NaN test columns and seconds included
    assert read_checkpoint_meta(path)["epoch"] == 3


def test_training_continued_from_a_checkpoint_file_is_the_uninterrupted_training(
    tmp_path: Path,
) -> None:
    path, _, _ = saved_state(tmp_path)
    whole = MLP(2, 5, 2, seed=1, dtype="float32", l12=1e-3)
    options = {"epochs": 5, "batch_size": 20, "lr": 0.2, "momentum": 0.5, "seed": 4}
    reference = train(whole, circles(), **options)
    net = MLP(2, 5, 2, seed=99, dtype="float32", l12=1e-3)  # other initial parameters
    state = read_checkpoint(path).load_into(net, path)
    resumed = train(net, circles(), resume=state, **options)
    assert [r.csv_row().rsplit(",", 1)[0] for r in resumed.epochs] == [
        r.csv_row().rsplit(",", 1)[0] for r in reference.epochs
    ]  # every column but the seconds
    for name, value in whole.params().items():
        assert net.params()[name].tobytes() == value.tobytes()


def spoil(path: Path, change: Any) -> None:
    """Rewrite the archive ``path`` after ``change(arrays)`` (a dict of its arrays)."""
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    change(arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


def set_meta(**fields: Any) -> Any:
    def change(arrays: dict[str, Any]) -> None:
        arrays["meta"] = np.array(json.dumps({**json.loads(str(arrays["meta"])), **fields}))

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.pop("best_b2"), "incomplete checkpoint (missing best_b2)"),
        (lambda a: a.pop("metrics"), "parameters or metrics missing"),
        (lambda a: a.update(metrics=a["metrics"][:2]), "the metrics are (2, 9), expected (3, 9)"),
        (lambda a: a["metrics"].__setitem__((1, 0), 7), "not epochs 1 to 3"),
        (lambda a: a.update(b1=a["b1"][:3]), "inconsistent parameter shapes"),
        (lambda a: a.update(b1=a["b1"].astype(np.float64)), "the parameters mix dtypes"),
        (lambda a: a["W2"].__setitem__((0, 0), np.nan), "parameter W2 holds NaN or inf"),
        (lambda a: a.update(velocity_W1=a["velocity_W1"][:1]), "velocity W1 is (1, 2) float32"),
        (lambda a: a.update(best_key=a["best_key"] + 1), "is not the validation error and loss"),
        (set_meta(best_epoch=9), "best epoch 9 is not one of its 3 epochs"),
        (set_meta(format="other/1"), "unknown checkpoint format 'other/1'"),
        (set_meta(rng_state={"bit_generator": "PCG64", "state": 3}), "not a generator state"),
        (set_meta(rng_state=[1, 2]), "not a generator state"),
        (set_meta(epoch=0), "follows a finished epoch, got epoch 0"),
        (lambda a: a.update(meta=np.array("{")), "its meta is not valid JSON"),
        (lambda a: [a.pop(k) for k in list(a) if k.startswith("velocity")], "has no velocities"),
    ],
)
def test_a_spoiled_checkpoint_is_refused_naming_the_file(tmp_path, change, message) -> None:
    path, _, _ = saved_state(tmp_path)
    spoil(path, change)
    with pytest.raises(CheckpointError) as error:
        read_checkpoint(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such checkpoint"), (b"not a zip", "not a readable checkpoint")],
)
def test_a_missing_or_unreadable_file_is_refused(tmp_path, content, message) -> None:
    path = tmp_path / "checkpoint.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        read_checkpoint(path)
    assert read_checkpoint_meta(path) is None


def test_the_network_must_be_the_one_the_checkpoint_continues(tmp_path: Path) -> None:
    path, _, _ = saved_state(tmp_path)
    checkpoint = read_checkpoint(path)
    loop = LoopMLP(2, 5, 2, dtype="float32", l12=1e-3)
    for net, message in (
        (loop, "the network is LoopMLP, the checkpoint's MLP"),
        (MLP(2, 5, 2, dtype="float64", l12=1e-3), "the network is float64, the checkpoint float32"),
        (MLP(2, 5, 2, dtype="float32"), "other penalties (l12 0 now, 0.001 in the checkpoint)"),
    ):  # fmt: skip
        with pytest.raises(CheckpointError) as error:
            checkpoint.load_into(net, path)
        assert message in str(error.value)
