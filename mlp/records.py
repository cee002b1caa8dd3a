"""What a training run records: the six numbers of every epoch, the history, their files.

``EpochMetrics`` holds one epoch's train/valid/test error and mean loss (the six numbers),
the learning rate and the duration of the training pass; ``History`` holds a run's epochs and
what early stopping decided, and reads and writes the metrics CSV file (one row per epoch,
full float precision); ``write_config`` writes a run's ``config.json`` with the versions of
the package, numpy and Python.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mlp import __version__
from mlp.files import atomic_write, read_lines

__all__ = [
    "CSV_COLUMNS",
    "METRIC_NAMES",
    "EpochMetrics",
    "History",
    "json_default",
    "write_config",
]

METRIC_NAMES = (
    "train_error",
    "train_loss",
    "valid_error",
    "valid_loss",
    "test_error",
    "test_loss",
)
"""The six numbers recorded per epoch."""

CSV_COLUMNS = ("epoch", *METRIC_NAMES, "lr", "seconds")
"""Columns of the metrics CSV file, in order."""


@dataclass(frozen=True)
class EpochMetrics:
    """The six numbers of one epoch, plus the learning rate used and the pass's duration.

    ``train_error``/``train_loss`` were accumulated during the epoch; the valid/test numbers
    were computed after it (NaN when that set is absent). Errors are fractions in [0, 1].
    ``seconds`` is the time of the training pass alone (no evaluation).
    """

    epoch: int
    train_error: float
    train_loss: float
    valid_error: float
    valid_loss: float
    test_error: float
    test_loss: float
    lr: float
    seconds: float

    @staticmethod
    def header() -> str:
        """The column titles of ``line()``."""
        splits = "|".join(f" {split:>5} err   loss " for split in ("train", "valid", "test"))
        return f"epoch |{splits}|   time"

    def csv_row(self) -> str:
        """The record as one CSV row (``CSV_COLUMNS``, floats at full precision, no newline)."""
        return ",".join(repr(getattr(self, name)) for name in CSV_COLUMNS)

    def line(self) -> str:
        """One printable line: the six numbers (errors in percent) and the pass's duration."""
        splits = "|".join(
            f" {100 * getattr(self, f'{split}_error'):8.2f}% {getattr(self, f'{split}_loss'):6.4f} "
            for split in ("train", "valid", "test")
        )
        return f"{self.epoch:5d} |{splits}| {self.seconds:5.2f}s"


@dataclass
class History:
    """The ``EpochMetrics`` of a run, in order, and what early stopping decided.

    ``best_epoch`` (1-based) has the lowest validation error, ties broken by the lower
    validation loss; ``stopped_early`` tells whether patience ran out before ``epochs``;
    ``restored_best`` whether the best epoch's parameters were put back in the network.
    ``config`` holds the hyper-parameters of the run (see ``train``).
    """

    epochs: list[EpochMetrics] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False
    restored_best: bool = False
    config: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.epochs)

    @property
    def best(self) -> EpochMetrics:
        """The metrics of ``best_epoch``."""
        if not self.best_epoch:
            raise ValueError("the history is empty")
        return self.epochs[self.best_epoch - 1]

    def column(self, name: str) -> NDArray[np.float64]:
        """One column (``"epoch"``, a metric, ``"lr"`` or ``"seconds"``) as a float array."""
        if name not in CSV_COLUMNS:
            raise ValueError(f"unknown column {name!r}; expected one of {CSV_COLUMNS}")
        return np.array([getattr(record, name) for record in self.epochs], dtype=np.float64)

    def summary(self) -> str:
        """One line: best epoch with its validation and test errors and test accuracy."""
        best = self.best
        stop = f", stopped early after {len(self)} epochs" if self.stopped_early else ""
        test = ""
        if math.isfinite(best.test_error):
            accuracy = 100 * (1 - best.test_error)
            test = f", test error {100 * best.test_error:.2f}% (accuracy {accuracy:.2f}%)"
        return f"best epoch {best.epoch}: valid error {100 * best.valid_error:.2f}%{test}{stop}"

    def write_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write every epoch as one CSV row (header ``CSV_COLUMNS``), atomically; return the
        path."""
        rows = [",".join(CSV_COLUMNS)] + [record.csv_row() for record in self.epochs]
        return atomic_write(path, "\n".join(rows) + "\n")

    @classmethod
    def read_csv(cls, path: str | os.PathLike[str]) -> History:
        """Read a file written by ``write_csv`` or ``train(csv_path=...)``.

        The best epoch is recomputed from the validation columns; ``stopped_early``,
        ``restored_best`` and ``config`` are not stored in the CSV file and stay at their
        defaults. A file whose last row lacks its newline (an interrupted write) is refused
        with ``mlp.files.IncompleteFileError``.
        """
        path = Path(path)
        with io.StringIO("\n".join(read_lines(path)) + "\n") as stream:
            reader = csv.DictReader(stream)
            if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
                raise ValueError(
                    f"{path}: expected the columns {', '.join(CSV_COLUMNS)}, "
                    f"got {', '.join(reader.fieldnames or ['nothing'])}"
                )
            records = []
            for line, row in enumerate(reader, start=2):
                try:
                    values = {name: float(row[name]) for name in CSV_COLUMNS}
                except (TypeError, ValueError):
                    raise ValueError(f"{path}, line {line}: not a row of numbers: {row}") from None
                values["epoch"] = int(values["epoch"])
                records.append(EpochMetrics(**values))
        history = cls(epochs=records)
        history.best_epoch = _best_epoch(records)
        return history


def _best_epoch(records: Sequence[EpochMetrics]) -> int:
    """1-based epoch with the lowest (valid_error, valid_loss); 0 for no records."""
    if not records:
        return 0
    best = min(records, key=lambda r: (r.valid_error, r.valid_loss))
    return best.epoch


def write_config(path: str | os.PathLike[str], config: dict[str, Any]) -> Path:
    """Write ``config`` as indented JSON, atomically, adding the package, numpy and Python
    versions; numpy scalars and paths are written as numbers and strings."""
    versions = {
        "mlp_version": __version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
    }
    text = json.dumps({**config, **versions}, indent=2, default=json_default)
    return atomic_write(path, text + "\n")


def json_default(value: Any) -> Any:
    """``json.dumps``'s ``default``: numpy scalars as numbers, paths as strings."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
