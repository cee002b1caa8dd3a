"""Running a sweep's tasks: in this process, in parallel processes (joblib), or on Dask.

``run_task(task, data)`` trains one configuration from one seed with ``mlp.train.train`` (the
function the chapters call: early stopping on validation, the best epoch's parameters kept,
one BLAS thread) and returns its results row. It runs wherever the executor puts it: only
the task and the small ``DataOptions`` travel, never the arrays; each process loads the
splits once, on its first task, and keeps them (``cached_splits``) for the next ones:
joblib's worker processes and Dask's workers live for the whole sweep.

``run_sweep(folder, spec)`` runs every task of ``spec`` not yet in ``folder``'s results file
and appends each row as soon as its task returns, from this process only (rows are never
interleaved). Executors: ``jobs=1`` runs in this process (no extra package needed);
``jobs > 1`` uses joblib's process pool (``pip install 'mlp-backprop-book[sweep]'``);
``scheduler="tcp://host:8786"`` (or a ``distributed.Client``) sends the tasks to a Dask
cluster (``[cluster]`` extra), whose workers must be able to import ``mlp`` and read the data.
Identical tasks give identical rows (but ``seconds`` and ``worker``) on every executor.
joblib's workers end within a second when the sweep's process dies, however it dies.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlp import checks
from mlp.data.options import DataOptions, first_test_examples, load_splits
from mlp.data.splits import Splits
from mlp.network import MLP
from mlp.records import METRIC_NAMES
from mlp.sweep.space import SweepSpec, Task
from mlp.sweep.store import append_result, lock, prepare_folder
from mlp.train import TrainingDiverged, train

__all__ = [
    "MissingDependency",
    "SweepOutcome",
    "cache_loads",
    "cached_splits",
    "require",
    "run_sweep",
    "run_task",
]


class MissingDependency(ImportError):
    """An optional package the chosen executor needs is not installed."""


def require(module: str, extra: str, purpose: str) -> Any:
    """Import ``module``, or raise ``MissingDependency`` saying what to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependency(
            f"{purpose} needs {module.partition('.')[0]}: pip install 'mlp-backprop-book[{extra}]'"
        ) from None


_cache_lock = threading.Lock()
_cache: dict[DataOptions, Splits] = {}
_loads = 0


def cached_splits(data: DataOptions) -> Splits:
    """The splits ``data`` names, loaded once per process (the last options asked for).

    Options that differ only in ``n_test`` share one load: a search without the test set
    and the final run with it read the files once.
    """
    whole = dataclasses.replace(data, n_test=None)
    with _cache_lock:
        if whole not in _cache:
            global _loads
            _cache.clear()  # one dataset at a time: Fashion-MNIST takes 0.2 GB
            _cache[whole] = load_splits(whole)[0]
            _loads += 1
        return first_test_examples(_cache[whole], data.n_test)


def cache_loads() -> int:
    """How many times this process has loaded splits in ``cached_splits`` (for tests)."""
    return _loads


def run_task(task: Task, data: DataOptions) -> dict[str, Any]:
    """Train ``task`` on ``data``; its row of the results file (``mlp.sweep.store``).

    The network ``MLP(d, d_h, m, l11..l22, seed=task.seed, dtype=data.dtype)`` is trained by
    ``train(..., seed=task.seed, threads=1)``: the seed draws both the initial weights and
    each epoch's order of the examples. A ``TrainingDiverged`` gives a row of status
    ``"diverged"`` with ``null`` metrics.
    """
    splits = cached_splits(data)
    c = task.config
    start = time.perf_counter()
    net = MLP(
        splits.n_features,
        c["d_h"],
        splits.n_classes,
        l11=c["l11"],
        l12=c["l12"],
        l21=c["l21"],
        l22=c["l22"],
        seed=task.seed,
        dtype=data.dtype,
    )
    row: dict[str, Any] = {"key": task.key, "config": dict(c), "seed": task.seed}
    try:
        history = train(
            net,
            splits,
            epochs=c["epochs"],
            batch_size=c["batch_size"],
            lr=c["lr"],
            lr_decay=c["lr_decay"],
            momentum=c["momentum"],
            shift=c["shift"],
            patience=c["patience"],
            seed=task.seed,
            progress=False,
            threads=1,
        )
    except TrainingDiverged:
        row |= {"status": "diverged", "best_epoch": None, "epochs_run": None}
        row |= {"stopped_early": None, **dict.fromkeys(METRIC_NAMES)}
    else:
        row |= {"status": "ok", "best_epoch": history.best_epoch, "epochs_run": len(history)}
        row["stopped_early"] = history.stopped_early
        row |= {name: getattr(history.best, name) for name in METRIC_NAMES}
    row["seconds"] = time.perf_counter() - start
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return row


_watched_parent: int | None = None


def _die_with_parent(parent: int) -> None:
    """In a worker process: end it (``os._exit``) within half a second of the death of the
    sweep's process ``parent``, by a daemon thread watching ``os.getppid()`` (also if that
    process died before this call). A sweep killed by SIGKILL cannot stop its workers
    itself; without this they train on for minutes."""
    global _watched_parent
    if _watched_parent is not None:
        return
    _watched_parent = parent

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="mlp-sweep-parent-watch", daemon=True).start()


def _run_in_worker(task: Task, data: DataOptions, parent: int) -> dict[str, Any]:
    """``run_task`` in a worker process of the joblib executor, which dies with the sweep."""
    _die_with_parent(parent)
    return run_task(task, data)


# --- executors: each yields the rows of ``tasks`` as they finish -------------------------------


def _in_process(tasks: Sequence[Task], data: DataOptions) -> Iterator[dict[str, Any]]:
    for task in tasks:
        yield run_task(task, data)


def _joblib(tasks: Sequence[Task], data: DataOptions, jobs: int) -> Iterator[dict[str, Any]]:
    joblib = require("joblib", "sweep", "running tasks in parallel processes (jobs > 1)")
    options = {"n_jobs": jobs, "backend": "loky", "return_as": "generator_unordered"}
    sweep = os.getpid()
    try:  # each worker watches for the sweep's death from its start
        parallel = joblib.Parallel(
            **options, batch_size=1, initializer=_die_with_parent, initargs=(sweep,)
        )
    except TypeError:  # a joblib without initializers: from its first task on
        parallel = joblib.Parallel(**options, batch_size=1)
    rows = parallel(joblib.delayed(_run_in_worker)(task, data, sweep) for task in tasks)
    try:
        for row in rows:  # noqa: UP028 (not yield from: this generator closes rows, quietly)
            yield row
    finally:
        with warnings.catch_warnings():  # "N tasks ... cancelled": expected after an interrupt
            warnings.filterwarnings("ignore", category=UserWarning, module="joblib")
            rows.close()


def _dask(tasks: Sequence[Task], data: DataOptions, scheduler: Any) -> Iterator[dict[str, Any]]:
    distributed = require("distributed", "cluster", "running tasks on a Dask cluster")
    own = isinstance(scheduler, str)
    client = distributed.Client(scheduler, timeout="30s") if own else scheduler
    futures = []
    try:
        futures = client.map(run_task, tasks, data=data, pure=False)
        for future in distributed.as_completed(futures):
            yield future.result()
    finally:
        if futures:
            client.cancel(futures)
        if own:
            client.close()


@dataclass(frozen=True)
class SweepOutcome:
    """What ``run_sweep`` did: every finished row (in task order), how many tasks ran now and
    how many the folder had finished before."""

    rows: list[dict[str, Any]]
    ran: int
    skipped: int

    @property
    def total(self) -> int:
        """The number of tasks of the sweep."""
        return self.ran + self.skipped


def run_sweep(
    folder: str | os.PathLike[str],
    spec: SweepSpec,
    *,
    jobs: int = 1,
    scheduler: Any = None,
    on_start: Callable[[int, int], None] | None = None,
    on_result: Callable[[dict[str, Any], int, int], None] | None = None,
) -> SweepOutcome:
    """Run the tasks of ``spec`` that ``folder`` has not finished; append each row as it comes.

    ``folder`` is created if needed; if it holds a sweep, it must be this one
    (``SweepMismatch`` otherwise), and its finished tasks are not run again. ``jobs``
    processes run the tasks (1: this process); ``scheduler`` (an address or a
    ``distributed.Client``) runs them on a Dask cluster instead. ``on_start(pending, total)``
    is called before the first task, ``on_result(row, done, total)`` after each row is
    written. An interrupt (or any error) stops the sweep; the rows written stay.
    """
    jobs = checks.positive_int("jobs", jobs)
    if not isinstance(spec, SweepSpec):
        raise TypeError(f"spec must be a SweepSpec, got {type(spec).__name__}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder} exists and is not a folder")
    if scheduler is not None:
        require("distributed", "cluster", "running tasks on a Dask cluster")
    elif jobs > 1:
        require("joblib", "sweep", "running tasks in parallel processes (jobs > 1)")
    folder.mkdir(parents=True, exist_ok=True)
    with lock(folder):
        finished = prepare_folder(folder, spec)
        tasks = spec.tasks()
        pending = [task for task in tasks if task.key not in finished]
        done, total = len(tasks) - len(pending), len(tasks)
        if on_start is not None:
            on_start(len(pending), total)
        if not pending:
            rows: Iterator[dict[str, Any]] = iter(())
        elif scheduler is not None:
            rows = _dask(pending, spec.data, scheduler)
        elif jobs > 1:
            rows = _joblib(pending, spec.data, min(jobs, len(pending)))
        else:
            rows = _in_process(pending, spec.data)
        try:
            for row in rows:
                append_result(folder, row)
                finished[row["key"]] = row
                done += 1
                if on_result is not None:
                    on_result(row, done, total)
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()  # stops the pool or cancels the cluster's futures
    ordered = [finished[task.key] for task in tasks if task.key in finished]
    return SweepOutcome(ordered, ran=len(pending), skipped=len(tasks) - len(pending))
