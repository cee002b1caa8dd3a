"""A training run's output folder: one atomic checkpoint per epoch, one rename to commit.

A run that writes to ``DIR`` works in the sibling folder ``DIR.incomplete/`` and holds the
lock file ``DIR.lock`` while it runs. After every epoch it writes one file,
``checkpoint.npz`` (``mlp.checkpoints``): the whole resumable state, written aside, flushed
and renamed into place. Everything else is derived from it and written again whenever
needed: ``config.json`` (the options; the status), ``metrics.csv`` (a view that ``train``
appends to while it runs; rewritten from the checkpoint when a run resumes or ends),
``model.npz`` and ``curves.png`` (written by ``finish``).

The states of ``DIR``, and what the next ``RunFolder`` on it does (under the lock):

- ``DIR.incomplete/`` without a checkpoint: no epoch finished; removed by a new run.
- ``DIR.incomplete/`` with a checkpoint: an interrupted run; ``resume`` continues it
  exactly (same numbers as a run that never stopped, whatever its other files hold),
  ``overwrite`` discards it, and neither is refused with the way out named.
- ``finish`` writes the derived files, then renames ``DIR.incomplete`` to ``DIR``: that
  rename is the only commit point, and until it the checkpoint is in place, so a run
  stopped at any point of ``finish`` resumes and ends the same. With ``overwrite`` the
  previous run is first renamed ``DIR.replaced-PID``; a stop between the two renames is
  repaired by the next ``RunFolder`` on ``DIR``, which puts the previous run back (the new
  one is still resumable). After the commit, ``DIR/checkpoint.npz`` and
  ``DIR.replaced-PID`` are removed; what a stop leaves of them is removed next time.
- Folders that are being deleted are first renamed ``DIR.discarded-PID``.

``RunFolder`` refuses, with a message naming the way out: a ``DIR`` that already holds
something (``overwrite``), an interrupted run when neither ``resume`` nor ``overwrite`` was
asked, a resume with other settings or another network (``mlp.checkpoints``), a name
ending like one of the folders above, and a run that another live process is writing. The
lock is taken on the run, not on its spelling: ``DIR``'s path with symbolic links resolved
(``--out`` a link to a folder writes into that folder; the link is never renamed).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from mlp.checkpoints import (
    CHECKPOINT_NAME,
    CheckpointError,
    read_checkpoint,
    read_checkpoint_meta,
    write_checkpoint,
)
from mlp.checkpoints import Checkpoint as _Checkpoint
from mlp.files import (
    LockedError,
    atomic_write,
    exclusive_lock,
    remove_temporaries,
    sync_folder,
)
from mlp.model_io import save_model
from mlp.network import MLP
from mlp.records import History, json_default, write_config
from mlp.train import TrainingState

__all__ = ["RESUMABLE", "RunFolder", "RunFolderError"]

RESUMABLE = ("epochs", "patience")
"""Settings a resumed run may change (e.g. more epochs); every other one must be the same."""

_BOOKKEEPING = ("status", "result", "run_id", "mlp_version", "numpy_version", "python_version")
_BEFORE_CHECKPOINT = {"config.json", "metrics.csv"}
"""What a run's work folder holds before its first checkpoint (removed with it)."""
_RESERVED = re.compile(r"\.(incomplete|lock|replaced-\d+|discarded-\d+)$")


class RunFolderError(RuntimeError):
    """The output folder cannot be used as asked; the message says why and what to do."""


def _canonical(given: Path) -> Path:
    """``given`` as an absolute path with every symbolic link resolved."""
    resolved = Path(os.path.realpath(given))
    if resolved.is_symlink():  # realpath stops at a link it cannot resolve: a loop
        raise RunFolderError(f"{given} is a loop of symbolic links")
    return resolved


class RunFolder:
    """The folder ``target`` of one training run (see the module docstring).

    Use: ``folder = RunFolder(path, overwrite=..., resume=...)``; ``state =
    folder.start(config, net)`` (checks, takes the lock, repairs what a stopped run left,
    prepares ``folder.work``; with ``resume``, gives ``net`` the checkpoint's parameters
    and returns the ``TrainingState`` to pass to ``train(..., resume=state)``; otherwise
    returns None); ``folder.checkpoint`` as ``train``'s ``on_checkpoint``;
    ``folder.finish(net, config, figure, metadata)`` at the end; ``folder.release()`` in a
    ``finally`` block (drops the lock; removes a work folder with no finished epoch).
    """

    def __init__(
        self, target: str | os.PathLike[str], *, overwrite: bool = False, resume: bool = False
    ) -> None:
        if str(target).strip() == "":
            raise RunFolderError("the output folder must be named (got an empty path)")
        if overwrite and resume:
            raise RunFolderError("resume and overwrite exclude each other: choose one")
        given = Path(target)
        if given.name in ("", ".", ".."):
            raise RunFolderError(f"the output folder must be a named folder, got {target!r}")
        canonical = _canonical(given)
        if os.path.abspath(given) != str(canonical):  # links resolved once, here
            given = canonical
        name = canonical.name
        reserved = _RESERVED.search(name)
        if reserved:
            base = name[: reserved.start()]
            raise RunFolderError(
                f"{target}: a name ending in {reserved.group()} is the run's bookkeeping "
                f"(the run {base} uses it); name the run itself, e.g. --out {base}"
            )
        self.target = given
        self.work = given.with_name(name + ".incomplete")
        self.lock = canonical.with_name(name + ".lock")
        self.overwrite, self.resume = overwrite, resume
        self._lock = contextlib.ExitStack()
        self._config: dict[str, Any] | None = None
        self._run_id = uuid.uuid4().hex
        self._replaces = False
        self._created = False  # this run made the work folder (a new run, not a resume)
        self.committed = False  # finish renamed the work folder into place
        self.notes: list[str] = []  # what finish could not tidy up after the commit
        self._check_kind()

    @property
    def checkpoint_path(self) -> Path:
        """The checkpoint of the run in the work folder."""
        return self.work / CHECKPOINT_NAME

    def _check_kind(self) -> None:
        if self.target.exists() and not self.target.is_dir():
            raise RunFolderError(f"{self.target} exists and is not a folder")
        if self.work.is_symlink() or (self.work.exists() and not self.work.is_dir()):
            raise RunFolderError(f"{self.work} is not a folder of this run: move it away")

    # --- starting ---------------------------------------------------------------------------

    def start(self, config: dict[str, Any], net: MLP | None = None) -> TrainingState | None:
        """Check the folders, take the lock, repair what a stopped run left, and prepare the
        work folder; return the state to resume from (``None`` for a new run).

        ``config`` is the run's full configuration (hyper-parameters and data options); with
        ``resume`` it must equal the interrupted run's, except for ``RESUMABLE`` settings,
        and ``net`` (built from the options) receives the checkpoint's parameters.
        """
        self._check_kind()
        self._config = json.loads(json.dumps(config, default=json_default))
        if not self.target.parent.is_dir():
            self.target.parent.mkdir(parents=True, exist_ok=True)
        self._acquire_lock()
        try:
            self._recover()
            state = self._prepare(net)
        except BaseException:
            self.release()
            raise
        return state

    def _acquire_lock(self) -> None:
        try:
            self._lock.enter_context(exclusive_lock(self.lock, what=f"{self.target} (a run)"))
        except LockedError as exc:
            raise RunFolderError(f"{exc}: wait for that run to end, or stop it") from None

    def _siblings(self, kind: str) -> list[Path]:
        pattern = re.compile(re.escape(self.target.name) + rf"\.{kind}-\d+")
        return sorted(p for p in self.target.parent.iterdir() if pattern.fullmatch(p.name))

    def _recover(self) -> None:
        """Repair what a run stopped during a commit or a deletion left (see the docstring)."""
        replaced = self._siblings("replaced")
        if replaced and not self.target.exists():  # stopped between the two renames
            if len(replaced) > 1:
                names = ", ".join(p.name for p in replaced)
                raise RunFolderError(
                    f"{self.target} is missing and several previous runs are kept ({names}): "
                    f"rename the one to keep to {self.target.name}"
                )
            os.replace(replaced.pop(), self.target)  # the previous run, back in place
            sync_folder(self.target.parent)
        for leftover in replaced + self._siblings("discarded"):
            shutil.rmtree(leftover)
        leftover_checkpoint = self.target / CHECKPOINT_NAME
        if leftover_checkpoint.is_file() and self._run_id_of(self.target) == _checkpoint_run_id(
            leftover_checkpoint
        ):  # the commit happened; only its cleanup did not
            leftover_checkpoint.unlink()
            sync_folder(self.target)
        if self.work.is_dir():
            remove_temporaries(self.work)

    @staticmethod
    def _run_id_of(folder: Path) -> str | None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            return json.loads((folder / "config.json").read_text()).get("run_id")
        return None

    def _prepare(self, net: MLP | None) -> TrainingState | None:
        interrupted = self.checkpoint_path.is_file()
        occupied = self.target.exists() and any(self.target.iterdir())
        if not interrupted and not self.overwrite:
            self._refuse_unknown_files()
        if self.resume:
            if interrupted:
                return self._resume(net, occupied)
            start_again = (
                "to replace it, pass --overwrite instead of --resume"
                if occupied
                else "run the same command without --resume to start it"
            )
            if self.work.exists():
                raise RunFolderError(
                    f"nothing to resume: {self.work} holds no finished epoch (the run stopped "
                    f"before its first epoch ended); {start_again}"
                )
            if occupied:
                raise RunFolderError(
                    f"nothing to resume: {self.target} holds a complete run (no {self.work}); "
                    f"{start_again}"
                )
            raise RunFolderError(
                f"nothing to resume: no interrupted run of {self.target} (no {self.work}); "
                f"{start_again}"
            )
        if interrupted and not self.overwrite:
            epochs = self.epochs_saved
            raise RunFolderError(
                f"an interrupted run of {self.target} ({epochs} finished epoch(s)) is in "
                f"{self.work}: pass --resume to continue it, or --overwrite to start again"
            )
        if occupied and not self.overwrite:
            raise RunFolderError(
                f"{self.target} already holds files ({self._listing(self.target)}): choose "
                "another folder, or pass --overwrite to replace them"
            )
        if self.work.exists():  # an interrupted run to start again, or no finished epoch
            self._discard(self.work)
        self._replaces = occupied
        os.mkdir(self.work)
        self._created = True
        sync_folder(self.work.parent)
        self._write_config("running")
        return None

    def _refuse_unknown_files(self) -> None:
        """A work folder without a checkpoint holds no finished epoch, and is removed, only
        if it holds nothing but what a run writes before its first checkpoint."""
        if not self.work.is_dir():
            return
        unknown = sorted(p.name for p in self.work.iterdir() if p.name not in _BEFORE_CHECKPOINT)
        if unknown:
            raise RunFolderError(
                f"{self.work} holds files that this version of mlp does not resume "
                f"({', '.join(unknown[:5])}; an earlier version's interrupted run?): move the "
                "folder away to keep them, or pass --overwrite to start again"
            )

    @staticmethod
    def _listing(folder: Path) -> str:
        names = sorted(p.name for p in folder.iterdir())
        return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")

    def _discard(self, folder: Path) -> None:
        """Delete ``folder`` so that a stop leaves it whole or under a name marked for
        deletion (renamed first, then removed)."""
        trash = self.target.with_name(f"{self.target.name}.discarded-{os.getpid()}")
        if trash.exists():
            shutil.rmtree(trash)
        os.replace(folder, trash)
        sync_folder(trash.parent)
        shutil.rmtree(trash)

    def _resume(self, net: MLP | None, occupied: bool) -> TrainingState:
        path = self.checkpoint_path
        try:
            checkpoint = read_checkpoint(path)
            different = self._other_settings(checkpoint.options)
            if different:
                raise RunFolderError(
                    f"cannot resume {self.work} with other settings ({different}); pass the "
                    "same options, or --overwrite to start again"
                )
            epochs = self._config.get("epochs") if self._config else None
            if isinstance(epochs, int) and epochs < checkpoint.epoch:
                raise RunFolderError(
                    f"cannot resume {self.work}: it has {checkpoint.epoch} finished epochs, "
                    f"more than --epochs {epochs}; pass --epochs {checkpoint.epoch} or more"
                )
            restore_best = (self._config or {}).get("restore_best", True)
            if restore_best and checkpoint.state.best_params is None:
                raise CheckpointError(
                    f"{path} holds no best epoch's parameters, which the run keeps at the end"
                )
            if net is None:
                raise TypeError("RunFolder.start(config, net) needs the network to resume into")
            state = checkpoint.load_into(net, path)
        except CheckpointError as exc:
            raise RunFolderError(
                f"cannot resume: {exc}; pass the options of the interrupted run, or "
                "--overwrite to start again"
            ) from None
        if occupied and not checkpoint.replaces:
            raise RunFolderError(
                f"cannot resume {self.work}: {self.target} now holds files that this run was "
                f"not started to replace ({self._listing(self.target)}): move them away"
            )
        self._run_id, self._replaces = checkpoint.run_id, checkpoint.replaces
        self._write_config("running")
        return state

    def _other_settings(self, saved: dict[str, Any]) -> str:
        now = self._config or {}
        keys = sorted(
            key
            for key in set(now) | set(saved)
            if key not in RESUMABLE and key not in _BOOKKEEPING and now.get(key) != saved.get(key)
        )
        return "; ".join(f"{key}: {saved.get(key)!r} then, {now.get(key)!r} now" for key in keys)

    def _write_config(self, status: str, config: dict[str, Any] | None = None) -> None:
        content = {**(config if config is not None else self._config or {}), "status": status}
        write_config(self.work / "config.json", {**content, "run_id": self._run_id})

    # --- during the run ---------------------------------------------------------------------

    def checkpoint(self, state: TrainingState, net: MLP) -> None:
        """Save the run after an epoch, as one file written atomically (``train``'s
        ``on_checkpoint``). ``metrics.csv``, a view, is appended to by ``train`` itself."""
        if self._config is None:
            raise RuntimeError("RunFolder.checkpoint needs RunFolder.start first")
        checkpoint = _Checkpoint.of(state, net, self._config, self._run_id, self._replaces)
        write_checkpoint(self.checkpoint_path, checkpoint)

    # --- the end ----------------------------------------------------------------------------

    def finish(self, net: MLP, config: dict[str, Any], figure: Any, metadata: dict) -> Path:
        """Write the final files from the checkpoint, then rename the work folder into place
        (the commit); return the target.

        ``net`` holds the parameters to keep (the best epoch's, as ``train`` leaves them;
        they must be the checkpoint's), ``config`` the configuration with its ``result``,
        ``figure`` the learning curves (a matplotlib figure). A failure after the commit
        (tidying up) is not an error: it is said in ``notes``.
        """
        try:
            checkpoint = read_checkpoint(self.checkpoint_path)
        except CheckpointError as exc:
            raise RunFolderError(f"cannot finish the run: {exc}") from None
        final = checkpoint.final_params()
        if any(not np.array_equal(value, final[name]) for name, value in net.params().items()):
            raise RunFolderError(
                f"cannot finish the run: the network does not hold the parameters that "
                f"{self.checkpoint_path} keeps (those of epoch "
                f"{checkpoint.state.history.best_epoch or checkpoint.epoch})"
            )
        History(list(checkpoint.state.history.epochs)).write_csv(self.work / "metrics.csv")
        save_model(self.work / "model.npz", net, metadata=metadata)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=120)
        atomic_write(self.work / "curves.png", buffer.getvalue())
        self._write_config("complete", config)
        self._commit()
        return self.target

    def _commit(self) -> None:
        previous = None
        if self.target.exists():
            previous = self.target.with_name(f"{self.target.name}.replaced-{os.getpid()}")
            os.replace(self.target, previous)
        try:
            os.replace(self.work, self.target)  # the commit
        except BaseException:
            if previous is not None:  # put the previous run back now (else: the next start)
                with contextlib.suppress(OSError):
                    os.replace(previous, self.target)
            raise
        self.committed = True
        try:
            sync_folder(self.target.parent)
            (self.target / CHECKPOINT_NAME).unlink()  # needed only to resume
            sync_folder(self.target)
            if previous is not None:
                shutil.rmtree(previous)
        except OSError as exc:
            self.notes.append(
                f"the run is complete in {self.target}, but tidying up failed ({exc}): the "
                f"next run on {self.target.name} removes what is left"
            )

    def abandon(self, reason: str) -> None:
        """Mark the work folder with why the run stopped (if an epoch finished)."""
        epochs = self.epochs_saved
        if epochs and not self.committed:
            with contextlib.suppress(OSError, ValueError):
                config = json.loads((self.work / "config.json").read_text())
                config["status"] = f"stopped after epoch {epochs}: {reason}"
                atomic_write(self.work / "config.json", json.dumps(config, indent=2) + "\n")

    def release(self) -> None:
        """Drop the lock; remove the work folder this run made if no epoch of it finished
        (nothing to keep). An interrupted run's folder found at the start is never removed."""
        try:
            if self._created and self.work.is_dir() and not self.checkpoint_path.exists():
                shutil.rmtree(self.work, ignore_errors=True)
        finally:
            self._lock.close()

    @property
    def epochs_saved(self) -> int:
        """Number of finished epochs in the work folder's checkpoint, as read from disk."""
        meta = read_checkpoint_meta(self.checkpoint_path)
        epoch = meta.get("epoch") if meta else None
        return epoch if isinstance(epoch, int) else 0


def _checkpoint_run_id(path: Path) -> str | None:
    meta = read_checkpoint_meta(path)
    return meta.get("run_id") if meta else None
