"""A run's resumable state after an epoch, as one file written atomically.

``checkpoint.npz`` holds everything ``train(..., resume=...)`` needs to continue a run as if
it had never stopped, and nothing else is needed: the network's parameters after the epoch
(``W1``, ``b1``, ``W2``, ``b2``), the best epoch's parameters (``best_W1``...; absent when
``restore_best`` is off), the velocities of SGD with momentum (``velocity_W1``...; absent
without momentum), the state of the generator that draws the order of the examples and the
pixel shifts (the only generator training uses after the initialization), the six numbers
of every finished epoch (``metrics``, ``(epoch, 9)`` float64, the columns
``mlp.records.CSV_COLUMNS``), the best ``(valid_error, valid_loss)`` (``best_key``) and, as
JSON in ``meta``: the format, the epoch, the best epoch, the network class and penalties,
the run's options, its identity and whether it replaces a previous run. Nothing is pickled.

``write_checkpoint`` writes it with ``mlp.files.atomic_write`` (temporary file, flushed,
renamed, folder flushed): after a crash the file is the previous epoch's or this one's,
whole. ``read_checkpoint`` checks the file on its own (arrays, shapes, dtypes, epochs, the
generator's state) and ``Checkpoint.check_network`` against the network the options build
(class, sizes, dtype, penalties): a mismatch raises ``CheckpointError`` naming the file and
what differs.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mlp import __version__
from mlp.checks import LAMBDA_NAMES
from mlp.files import atomic_write
from mlp.network import MLP, PARAM_NAMES
from mlp.records import CSV_COLUMNS, EpochMetrics, History, json_default
from mlp.train import TrainingState

__all__ = [
    "CHECKPOINT_NAME",
    "FORMAT",
    "Checkpoint",
    "CheckpointError",
    "read_checkpoint",
    "read_checkpoint_meta",
    "write_checkpoint",
]

FORMAT = "mlp-checkpoint/1"
CHECKPOINT_NAME = "checkpoint.npz"


class CheckpointError(ValueError):
    """A checkpoint file cannot be read, or does not fit the run; the message names both."""


@dataclass
class Checkpoint:
    """One run after ``state.epoch`` finished epochs (see the module docstring).

    ``params`` are the network's parameters after that epoch; ``state`` the rest of what
    training needs (``TrainingState``); ``network`` and ``lambdas`` the class name and the
    four strengths; ``options`` the run's configuration as JSON; ``run_id`` names the run;
    ``replaces`` says whether it was started to replace a complete run (``--overwrite``).
    """

    state: TrainingState
    params: dict[str, NDArray]
    network: str
    lambdas: tuple[float, float, float, float]
    options: dict[str, Any]
    run_id: str
    replaces: bool = False

    @classmethod
    def of(
        cls,
        state: TrainingState,
        net: MLP,
        options: dict[str, Any],
        run_id: str,
        replaces: bool = False,
    ) -> Checkpoint:
        """The checkpoint of ``net`` (copies of its parameters) and ``state``."""
        return cls(
            state,
            {name: value.copy() for name, value in net.params().items()},
            type(net).__name__,
            net.lambdas,
            json.loads(json.dumps(options, default=json_default)),
            run_id,
            replaces,
        )

    @property
    def epoch(self) -> int:
        """The number of finished epochs."""
        return self.state.epoch

    def final_params(self) -> dict[str, NDArray]:
        """The parameters a run ending now keeps: the best epoch's, or the last ones."""
        return self.state.best_params if self.state.best_params is not None else self.params

    def check_network(self, net: MLP, path: str | os.PathLike[str]) -> None:
        """Raise ``CheckpointError`` unless ``net`` is the network this checkpoint continues:
        same class, sizes ``(d, d_h, m)``, dtype and penalties."""
        problems = []
        if type(net).__name__ != self.network:
            problems.append(f"the network is {type(net).__name__}, the checkpoint's {self.network}")
        W1, W2 = self.params["W1"], self.params["W2"]
        saved = (W1.shape[1], W1.shape[0], W2.shape[0])
        if (net.d, net.d_h, net.m) != saved:
            problems.append(
                f"the network has (d, d_h, m) = {(net.d, net.d_h, net.m)}, the checkpoint {saved}"
            )
        if W1.dtype != net.dtype:
            problems.append(f"the network is {net.dtype}, the checkpoint {W1.dtype}")
        if tuple(net.lambdas) != tuple(self.lambdas):
            differ = ", ".join(
                f"{name} {now:g} now, {then:g} in the checkpoint"
                for name, now, then in zip(LAMBDA_NAMES, net.lambdas, self.lambdas, strict=True)
                if now != then
            )
            problems.append(f"other penalties ({differ})")
        if problems:
            raise CheckpointError(f"{path} does not continue this run: {'; '.join(problems)}")

    def load_into(self, net: MLP, path: str | os.PathLike[str]) -> TrainingState:
        """Check ``net`` (``check_network``), give it the checkpoint's parameters and return
        the ``TrainingState`` that ``train(net, ..., resume=...)`` continues from."""
        self.check_network(net, path)
        for name in PARAM_NAMES:
            getattr(net, name)[...] = self.params[name]
        return self.state


def _arrays(checkpoint: Checkpoint) -> dict[str, NDArray]:
    state = checkpoint.state
    arrays = dict(checkpoint.params)
    if state.best_params is not None:
        arrays |= {f"best_{name}": value for name, value in state.best_params.items()}
    if state.velocity is not None:
        arrays |= {f"velocity_{name}": value for name, value in state.velocity.items()}
    rows = [[float(getattr(r, c)) for c in CSV_COLUMNS] for r in state.history.epochs]
    arrays["metrics"] = np.array(rows, dtype=np.float64).reshape(len(rows), len(CSV_COLUMNS))
    arrays["best_key"] = np.array(state.best_key, dtype=np.float64)
    return arrays


def write_checkpoint(path: str | os.PathLike[str], checkpoint: Checkpoint) -> Path:
    """Write ``checkpoint`` to ``path`` atomically and durably (``mlp.files.atomic_write``)."""
    state = checkpoint.state
    meta = {
        "format": FORMAT,
        "epoch": state.epoch,
        "best_epoch": state.history.best_epoch,
        "rng_state": state.rng_state,
        "network": checkpoint.network,
        "lambdas": dict(zip(LAMBDA_NAMES, checkpoint.lambdas, strict=True)),
        "options": checkpoint.options,
        "run_id": checkpoint.run_id,
        "replaces": checkpoint.replaces,
        "mlp_version": __version__,
    }
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps(meta, default=json_default)), **_arrays(checkpoint))
    return atomic_write(path, buffer.getvalue())


# --- reading ----------------------------------------------------------------------------------


def _load(path: Path, names: tuple[str, ...] | None = None) -> dict[str, NDArray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {n: archive[n] for n in (archive.files if names is None else names)}
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such checkpoint") from None
    except KeyError as exc:
        raise CheckpointError(f"{path}: not a checkpoint (no {exc} array)") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: not a readable checkpoint ({exc})") from None


def _meta(path: Path, arrays: dict[str, NDArray]) -> dict[str, Any]:
    meta = arrays.get("meta")
    if meta is None or meta.shape != () or meta.dtype.kind != "U":
        raise CheckpointError(f"{path}: not a checkpoint (no meta text)")
    try:
        info = json.loads(str(meta))
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path}: its meta is not valid JSON ({exc})") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        got = info.get("format") if isinstance(info, dict) else None
        raise CheckpointError(f"{path}: unknown checkpoint format {got!r}, expected {FORMAT}")
    return info


def read_checkpoint_meta(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The ``meta`` of the checkpoint ``path`` (epoch, run identity...), reading nothing else;
    None if there is no such file or it cannot be read (``read_checkpoint`` says why)."""
    try:
        return _meta(Path(path), _load(Path(path), ("meta",)))
    except CheckpointError:
        return None


def _group(path: Path, arrays: dict[str, NDArray], prefix: str) -> dict[str, NDArray] | None:
    names = [f"{prefix}{name}" for name in PARAM_NAMES]
    present = [name for name in names if name in arrays]
    if not present:
        return None
    if len(present) != len(names):
        missing = ", ".join(sorted(set(names) - set(present)))
        raise CheckpointError(f"{path}: incomplete checkpoint (missing {missing})")
    return {name: arrays[f"{prefix}{name}"] for name in PARAM_NAMES}


def _check_params(path: Path, params: dict[str, NDArray], what: str, like: dict | None) -> None:
    for name, value in params.items():
        expected = like[name] if like is not None else None
        if value.dtype not in (np.float32, np.float64):
            raise CheckpointError(f"{path}: {what} {name} is {value.dtype}, not a float array")
        if expected is not None and (value.shape, value.dtype) != (expected.shape, expected.dtype):
            raise CheckpointError(
                f"{path}: {what} {name} is {value.shape} {value.dtype}, the parameters "
                f"{expected.shape} {expected.dtype}"
            )
        if not np.isfinite(value).all():
            raise CheckpointError(f"{path}: {what} {name} holds NaN or inf")
    if like is None:
        d_h, d = params["W1"].shape if params["W1"].ndim == 2 else (0, 0)
        m = params["W2"].shape[0] if params["W2"].ndim == 2 else 0
        shapes = {"W1": (d_h, d), "b1": (d_h,), "W2": (m, d_h), "b2": (m,)}
        if 0 in (d, d_h, m) or any(params[n].shape != s for n, s in shapes.items()):
            got = ", ".join(f"{n} {params[n].shape}" for n in PARAM_NAMES)
            raise CheckpointError(f"{path}: inconsistent parameter shapes ({got})")
        if len({value.dtype for value in params.values()}) != 1:
            raise CheckpointError(f"{path}: the parameters mix dtypes")


def _history(path: Path, metrics: NDArray, epoch: int, best_epoch: int) -> History:
    if metrics.ndim != 2 or metrics.shape != (epoch, len(CSV_COLUMNS)):
        raise CheckpointError(
            f"{path}: the metrics are {metrics.shape}, expected ({epoch}, {len(CSV_COLUMNS)}) "
            f"for {epoch} finished epochs"
        )
    if not np.array_equal(metrics[:, 0], np.arange(1, epoch + 1)):
        raise CheckpointError(f"{path}: the metrics rows are not epochs 1 to {epoch}")
    if not 1 <= best_epoch <= epoch:
        raise CheckpointError(f"{path}: best epoch {best_epoch} is not one of its {epoch} epochs")
    records = []
    for row in metrics:
        values = dict(zip(CSV_COLUMNS, map(float, row), strict=True))
        records.append(EpochMetrics(**{**values, "epoch": int(values["epoch"])}))
    return History(epochs=records, best_epoch=best_epoch)


def _rng_state(path: Path, state: Any) -> dict[str, Any]:
    try:
        np.random.default_rng().bit_generator.state = state
    except (TypeError, ValueError, KeyError) as exc:
        raise CheckpointError(f"{path}: not a generator state ({exc})") from None
    return state


def read_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read and check the checkpoint ``path``; ``CheckpointError`` names what is wrong."""
    path = Path(path)
    arrays = _load(path)
    info = _meta(path, arrays)
    try:
        epoch, best_epoch = int(info["epoch"]), int(info["best_epoch"])
        lambdas = tuple(float(info["lambdas"][n]) for n in LAMBDA_NAMES)
        network, options = str(info["network"]), dict(info["options"])
        run_id, replaces = str(info["run_id"]), bool(info["replaces"])
        rng_state = _rng_state(path, info["rng_state"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: incomplete checkpoint meta ({exc!r})") from None
    if epoch < 1:
        raise CheckpointError(f"{path}: a checkpoint follows a finished epoch, got epoch {epoch}")
    params = _group(path, arrays, "")
    if params is None or "metrics" not in arrays or "best_key" not in arrays:
        raise CheckpointError(f"{path}: incomplete checkpoint (parameters or metrics missing)")
    _check_params(path, params, "parameter", None)
    best_params, velocity = _group(path, arrays, "best_"), _group(path, arrays, "velocity_")
    for what, group in (("best", best_params), ("velocity", velocity)):
        if group is not None:
            _check_params(path, group, what, params)
    momentum = options.get("momentum")
    if isinstance(momentum, int | float) and momentum > 0 and velocity is None:
        raise CheckpointError(f"{path}: a run with momentum {momentum:g} has no velocities")
    history = _history(path, arrays["metrics"], epoch, best_epoch)
    best_key = arrays["best_key"]
    best_row = history.epochs[best_epoch - 1]
    if best_key.shape != (2,) or (best_key[0], best_key[1]) != (
        best_row.valid_error,
        best_row.valid_loss,
    ):
        raise CheckpointError(
            f"{path}: best_key {best_key.tolist()} is not the validation error and loss of its "
            f"best epoch {best_epoch}"
        )
    state = TrainingState(
        epoch=epoch,
        rng_state=rng_state,
        history=history,
        best_key=(float(best_key[0]), float(best_key[1])),
        best_params=best_params,
        velocity=velocity,
    )
    return Checkpoint(state, params, network, lambdas, options, run_id, replaces)
