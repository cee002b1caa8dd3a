"""A training run's output folder: written aside, locked while written, renamed when complete.

A run that writes to ``DIR`` works in the sibling folder ``DIR.incomplete/`` and holds the
lock file ``DIR.lock`` (the owner's pid) while it runs. After every epoch it saves there,
each file atomically (``mlp.files``): the metrics so far (``metrics.csv``), the last finished
epoch's parameters (``model.npz``), the best epoch's parameters (``best.npz``), with
momentum the velocities (``velocity.npz``), and the state needed to continue
(``checkpoint.json``: epoch, random generator state, best epoch; written last).
``config.json`` holds the full configuration from the start and the result at the end.

When the run completes, ``finish`` writes the final files and renames ``DIR.incomplete`` to
``DIR``: ``DIR`` holds one whole run (or, with ``overwrite``, the previous one until the
rename), never a mix of two. An interrupted or failed run leaves ``DIR.incomplete/`` with the
finished epochs, which ``resume`` continues exactly (same numbers as a run that never
stopped). A run that fails before its first epoch leaves nothing.

``RunFolder`` refuses, with a message naming the way out: a ``DIR`` that already holds
something (``overwrite``), an interrupted run in ``DIR.incomplete`` when neither ``resume``
nor ``overwrite`` was asked, a resume with other settings, and a ``DIR`` that another live
process is writing (``mlp.files.exclusive_lock``: released by the system when a process
dies, so a crash leaves no stale lock).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mlp.files import LockedError, atomic_write, exclusive_lock
from mlp.model_io import load_model, save_model
from mlp.network import MLP, PARAM_NAMES
from mlp.records import History, write_config
from mlp.train import TrainingState

__all__ = ["RESUMABLE", "RunFolder", "RunFolderError"]

RESUMABLE = ("epochs", "patience")
"""Settings a resumed run may change (e.g. more epochs); every other one must be the same."""


VELOCITY_NAME = "velocity.npz"
"""The velocities of a run with momentum after its last finished epoch (to resume it)."""


class RunFolderError(RuntimeError):
    """The output folder cannot be used as asked; the message says why and what to do."""


class RunFolder:
    """The folder ``target`` of one training run (see the module docstring).

    Use: ``folder = RunFolder(path, overwrite=..., resume=...)``, then ``folder.start(config)``
    (checks, takes the lock, prepares ``DIR.incomplete``; returns the ``TrainingState`` to
    resume from, or None), ``folder.checkpoint(state, net)`` after each epoch (``train``'s
    ``on_checkpoint``), ``folder.finish(...)`` at the end, and ``folder.release()`` in a
    ``finally`` block (drops the lock; removes a work folder with no finished epoch).
    """

    def __init__(
        self, target: str | os.PathLike[str], *, overwrite: bool = False, resume: bool = False
    ) -> None:
        if str(target).strip() == "":
            raise RunFolderError("the output folder must be named (got an empty path)")
        self.target = Path(target)
        if self.target.name in ("", ".", ".."):
            raise RunFolderError(f"the output folder must be a named folder, got {target!r}")
        if self.target.exists() and not self.target.is_dir():
            raise RunFolderError(f"{self.target} exists and is not a folder")
        self.work = self.target.with_name(self.target.name + ".incomplete")
        self.lock = self.target.with_name(self.target.name + ".lock")
        self.overwrite, self.resume = overwrite, resume
        self._lock = contextlib.ExitStack()
        self._created = False  # this run made the work folder (a new run, not a resume)
        self._epochs_saved = 0

    # --- starting ---------------------------------------------------------------------------

    def start(self, config: dict[str, Any]) -> TrainingState | None:
        """Check the folders, take the lock and write ``config.json`` into the work folder.

        ``config`` is the run's full configuration (hyper-parameters and data options); with
        ``resume`` it must equal the interrupted run's, except for ``RESUMABLE`` settings.
        Returns the state to resume from (``None`` for a new run).
        """
        if self.target.exists() and not self.target.is_dir():
            raise RunFolderError(f"{self.target} exists and is not a folder")
        self._acquire_lock()
        try:
            state = self._prepare(config)
        except BaseException:
            self.release()
            raise
        return state

    def _acquire_lock(self) -> None:
        self.lock.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.enter_context(exclusive_lock(self.lock, what=f"{self.target} (a run)"))
        except LockedError as exc:
            raise RunFolderError(f"{exc}: wait for that run to end, or stop it") from None

    def _prepare(self, config: dict[str, Any]) -> TrainingState | None:
        interrupted = self.work.exists()
        occupied = self.target.exists() and any(self.target.iterdir())
        if self.resume:
            if not interrupted:
                what = f"{self.target} holds a complete run" if occupied else "no run to resume"
                raise RunFolderError(f"nothing to resume: {what} (no {self.work})")
            return self._load_checkpoint(config)
        if interrupted and not self.overwrite:
            raise RunFolderError(
                f"an interrupted run of {self.target} is in {self.work}: pass --resume to "
                "continue it, or --overwrite to start again"
            )
        if occupied and not self.overwrite:
            raise RunFolderError(
                f"{self.target} already holds files ({self._listing(self.target)}): choose "
                "another folder, or pass --overwrite to replace them"
            )
        if interrupted:
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        self._created = True
        write_config(self.work / "config.json", {**config, "status": "running"})
        return None

    @staticmethod
    def _listing(folder: Path) -> str:
        names = sorted(p.name for p in folder.iterdir())
        return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")

    def _load_checkpoint(self, config: dict[str, Any]) -> TrainingState:
        path = self.work / "checkpoint.json"
        try:
            saved = json.loads((self.work / "config.json").read_text())
            checkpoint = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise RunFolderError(f"cannot resume from {self.work}: {exc}") from None
        normalized = json.loads(json.dumps(config, default=str))  # as config.json stores it
        different = sorted(
            key
            for key in set(normalized) | set(saved)
            if key not in RESUMABLE
            and key not in ("status", "mlp_version", "numpy_version", "python_version")
            and normalized.get(key) != saved.get(key)
        )
        if different:
            changes = "; ".join(
                f"{key}: {saved.get(key)!r} then, {normalized.get(key)!r} now" for key in different
            )
            raise RunFolderError(
                f"cannot resume {self.work} with other settings ({changes}); pass the same "
                "options, or --overwrite to start again"
            )
        history = History.read_csv(self.work / "metrics.csv")
        epoch = int(checkpoint["epoch"])
        if len(history) != epoch:
            raise RunFolderError(
                f"cannot resume {self.work}: metrics.csv has {len(history)} epochs, the "
                f"checkpoint {epoch}"
            )
        history.best_epoch = int(checkpoint["best_epoch"])
        best_params = None
        if (self.work / "best.npz").exists():
            best_params = load_model(self.work / "best.npz").params()
        velocity = self._load_velocity(epoch) if config.get("momentum") else None
        write_config(self.work / "config.json", {**config, "status": "running"})
        self._epochs_saved = epoch
        return TrainingState(
            epoch=epoch,
            rng_state=checkpoint["rng_state"],
            history=history,
            best_key=(float(checkpoint["best_key"][0]), float(checkpoint["best_key"][1])),
            best_params=best_params,
            velocity=velocity,
        )

    def _load_velocity(self, epoch: int) -> dict[str, NDArray]:
        """The velocities saved with epoch ``epoch``'s checkpoint (a run with momentum)."""
        path = self.work / VELOCITY_NAME
        if not path.is_file():
            raise RunFolderError(f"cannot resume a run with momentum: {path} is missing")
        with np.load(path) as saved:
            if int(saved["epoch"]) != epoch:
                raise RunFolderError(
                    f"cannot resume: {path} holds the velocities of epoch {int(saved['epoch'])}, "
                    f"the checkpoint is at epoch {epoch} (the run stopped while saving)"
                )
            return {name: saved[name] for name in PARAM_NAMES}

    def last_model(self) -> MLP:
        """The network of the last finished epoch saved in the work folder (to resume)."""
        return load_model(self.work / "model.npz")

    # --- during the run ---------------------------------------------------------------------

    def checkpoint(self, state: TrainingState, net: MLP) -> None:
        """Save what an interrupted run needs, each file atomically (``train``'s hook).

        ``metrics.csv`` is written by ``train`` itself, one whole row per epoch.
        """
        save_model(self.work / "model.npz", net, metadata={"epoch": state.epoch})
        if state.best_params is not None and state.history.best_epoch == state.epoch:
            best = net.copy()
            for name, value in state.best_params.items():
                getattr(best, name)[...] = value
            save_model(self.work / "best.npz", best, metadata={"epoch": state.epoch})
        if state.velocity is not None:
            buffer = io.BytesIO()
            np.savez(buffer, epoch=np.array(state.epoch), **state.velocity)
            atomic_write(self.work / VELOCITY_NAME, buffer.getvalue())
        checkpoint = {
            "epoch": state.epoch,
            "best_epoch": state.history.best_epoch,
            "best_key": list(state.best_key),
            "rng_state": state.rng_state,
        }
        atomic_write(self.work / "checkpoint.json", json.dumps(checkpoint) + "\n")
        self._epochs_saved = state.epoch

    # --- the end ----------------------------------------------------------------------------

    def finish(self, net: MLP, config: dict[str, Any], figure: Any, metadata: dict) -> Path:
        """Write the final files and move the work folder into place; return the target.

        ``net`` holds the parameters to keep (the best epoch's), ``config`` the configuration
        with its ``result``, ``figure`` the learning curves (a matplotlib figure).
        """
        save_model(self.work / "model.npz", net, metadata=metadata)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=120)
        atomic_write(self.work / "curves.png", buffer.getvalue())
        write_config(self.work / "config.json", {**config, "status": "complete"})
        for name in ("checkpoint.json", "best.npz", VELOCITY_NAME):  # needed only to resume
            (self.work / name).unlink(missing_ok=True)
        previous = None
        if self.target.exists():
            previous = self.target.with_name(f"{self.target.name}.replaced-{os.getpid()}")
            os.replace(self.target, previous)
        os.replace(self.work, self.target)
        if previous is not None:
            shutil.rmtree(previous)
        return self.target

    def abandon(self, reason: str) -> None:
        """Mark the work folder with why the run stopped (kept if an epoch finished)."""
        if self.work.exists() and self._epochs_saved:
            config_path = self.work / "config.json"
            with contextlib.suppress(OSError, ValueError):
                config = json.loads(config_path.read_text())
                config["status"] = f"stopped after epoch {self._epochs_saved}: {reason}"
                atomic_write(config_path, json.dumps(config, indent=2) + "\n")

    def release(self) -> None:
        """Drop the lock; remove the work folder this run made if no epoch of it finished
        (nothing to keep). An interrupted run's folder found at the start is never removed."""
        if self._created and self.work.exists() and not self._epochs_saved:
            shutil.rmtree(self.work, ignore_errors=True)
        self._lock.close()

    @property
    def epochs_saved(self) -> int:
        """Number of finished epochs saved in the work folder."""
        return self._epochs_saved
