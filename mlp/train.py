"""Minibatch stochastic gradient descent for ``MLP``/``LoopMLP``, with the six numbers per epoch.

One epoch visits the training set once, in an order drawn from a seeded generator (one index
permutation per epoch), in minibatches of K rows. For each minibatch::

    R = net.fprop(X_batch, y_batch)     # regularized risk of the batch
    grads = net.bprop()                 # its gradient, {"W1", "b1", "W2", "b2"}
    theta -= lr * grads[theta]          # for every parameter, in place

``train`` performs these three lines as one call, ``MLP.sgd_step``, which computes the same
numbers with fewer temporary arrays (``run_epoch(..., fused=True)``; a network whose class
redefines ``fprop`` or ``bprop``, such as ``LoopMLP``, still runs them).

While the epoch runs, the misclassified training examples and the losses L are accumulated
*on the fly* from the forward pass each minibatch makes anyway (so they describe parameters
that move during the epoch). After the epoch, error and mean loss are computed on the
validation and test sets with the parameters reached. These six numbers (train/valid/test x
error/mean loss) make one ``EpochMetrics``; ``train`` returns them as a ``History`` and can
write them, one CSV row per epoch, while it runs.

Losses are the mean of L = -log os_y over the examples, without the penalty; errors are
fractions in [0, 1]. The network's dtype (float32 or float64) is used for every array: the
data are converted to it once, before the first epoch.

The ``mlp train`` and ``mlp gradcheck`` commands of ``python -m mlp`` are defined at the end of
this module (``add_train_command``, ``add_gradcheck_command``).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import threadpool_limits

from mlp import __version__
from mlp.checks import finite_number, positive_int
from mlp.functions import check_labels
from mlp.network import MLP, LoopMLP, penalty

__all__ = [
    "CSV_COLUMNS",
    "METRIC_NAMES",
    "EpochMetrics",
    "History",
    "Splits",
    "TrainingDiverged",
    "add_gradcheck_command",
    "add_train_command",
    "balanced_examples",
    "evaluate",
    "learning_rate",
    "run_epoch",
    "train",
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


class TrainingDiverged(FloatingPointError):
    """The training loss became NaN or infinite (learning rate too large)."""


# --- data -------------------------------------------------------------------------------------


class SplitsLike(Protocol):
    """Anything with the attributes of ``Splits`` (``mlp.data.Prepared`` qualifies)."""

    X_train: Any
    y_train: Any
    X_valid: Any
    y_valid: Any


@dataclass(frozen=True)
class Splits:
    """Training, validation and (optionally) test data.

    ``X_*`` have shape ``(n_*, d)``, ``y_*`` hold ``n_*`` integer labels in ``[0, m)``. The
    test set may be omitted (its metrics are then NaN).
    """

    X_train: ArrayLike
    y_train: ArrayLike
    X_valid: ArrayLike
    y_valid: ArrayLike
    X_test: ArrayLike | None = None
    y_test: ArrayLike | None = None


def _checked_split(
    net: MLP, X: ArrayLike, y: ArrayLike, name: str
) -> tuple[NDArray[np.floating], NDArray[np.intp]]:
    """``X`` as an ``(n, d)`` array of the network's dtype and ``y`` as ``(n,)`` labels."""
    X = np.asarray(X)
    if X.dtype == np.bool_ or X.dtype.kind not in "iuf":
        raise TypeError(f"X_{name} must hold real numbers, got dtype {X.dtype}")
    if X.ndim != 2 or X.shape[1] != net.d:
        raise ValueError(f"X_{name} must have shape (n, {net.d}), got {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"X_{name} is empty")
    X = X.astype(net.dtype, copy=False)
    if not np.isfinite(X).all():
        raise ValueError(f"X_{name} contains NaN or inf (as {net.dtype})")
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"y_{name} must have shape ({X.shape[0]},) to match X_{name}, got {y.shape}"
        )
    try:
        y = check_labels(y, net.m)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"y_{name}: {exc}") from None
    return X, y


# --- one minibatch, one epoch, one evaluation ------------------------------------------------


def _batch_stats(net: MLP, X: NDArray, y: NDArray) -> tuple[float, int, float]:
    """Forward pass on a batch: ``(regularized risk, number of errors, sum of the losses L)``.

    Reads the class probabilities ``os`` ``(n, m)`` and the losses ``L`` ``(n,)`` the forward
    pass stored; a network that keeps only the last example's (``LoopMLP``) is asked again.
    """
    n = len(y)
    risk = net.fprop(X, y)
    os_, L = net.os, net.L
    if isinstance(os_, np.ndarray) and os_.shape == (n, net.m):
        predictions = os_.argmax(axis=1)
    else:
        predictions = net.predict(X)
    if isinstance(L, np.ndarray) and L.shape == (n,):
        loss_sum = float(L.sum())
    else:
        loss_sum = (risk - penalty(net.W1, net.W2, *net.lambdas)) * n
    return risk, int(np.count_nonzero(predictions != y)), loss_sum


@dataclass(frozen=True)
class EpochStats:
    """What one training pass measured on the fly: misclassified count, sum of L, size n."""

    errors: int
    loss_sum: float
    n: int

    @property
    def error(self) -> float:
        """Fraction of misclassified examples."""
        return self.errors / self.n

    @property
    def mean_loss(self) -> float:
        """Mean of L over the examples."""
        return self.loss_sum / self.n


def run_epoch(
    net: MLP,
    X: NDArray[np.floating],
    y: NDArray[np.integer],
    *,
    batch_size: int,
    lr: float,
    rng: np.random.Generator,
    progress: bool = False,
    description: str = "",
    fused: bool = False,
) -> EpochStats:
    """One pass of minibatch SGD over ``X`` ``(n, d)``, ``y`` ``(n,)``; updates ``net`` in place.

    The order is one permutation of the n indices drawn from ``rng``; the last minibatch is
    smaller when K does not divide n. ``X`` should already have the network's dtype (``train``
    converts it once). Returns the error and loss accumulated during the pass. With
    ``fused=True`` each minibatch is one ``MLP.sgd_step`` (what ``train`` uses): the same
    numbers, faster.
    """
    n = len(y)
    order = rng.permutation(n)
    if fused:
        return _fused_epoch(net, X, y, order, batch_size, lr, progress, description)
    errors, loss_sum = 0, 0.0
    bar = _progress_bar(math.ceil(n / batch_size), description) if progress else None
    params = net.params()
    for start in range(0, n, batch_size):
        batch = order[start : start + batch_size]
        _, batch_errors, batch_loss = _batch_stats(net, X[batch], y[batch])
        if not math.isfinite(batch_loss):
            raise TrainingDiverged(
                f"the training loss became {batch_loss} (minibatch starting at position {start} "
                f"of the epoch, lr={lr:g}): lower the learning rate"
            )
        errors += batch_errors
        loss_sum += batch_loss
        grads = net.bprop()
        for name, theta in params.items():
            theta -= lr * grads[name]
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    return EpochStats(errors, loss_sum, n)


def _fused_epoch(
    net: MLP,
    X: NDArray[np.floating],
    y: NDArray[np.integer],
    order: NDArray[np.intp],
    batch_size: int,
    lr: float,
    progress: bool,
    description: str,
) -> EpochStats:
    """``run_epoch`` with one ``net.sgd_step`` per minibatch, the data checked once, not per batch.

    Checks shapes, dtype and labels here; values are not scanned for NaN: a NaN in ``X``
    makes the loss NaN, which stops training with ``TrainingDiverged`` as a too large
    learning rate does (the step that produced it has then been applied).
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape != (len(y), net.d) or X.dtype.kind != "f":
        raise ValueError(f"X must be a float array of shape ({len(y)}, {net.d}), got {X.shape}")
    X = X.astype(net.dtype, copy=False)
    y = check_labels(y, net.m)
    net._check_params()
    lr = float(lr)
    n = len(y)
    errors, loss_sum = 0, 0.0
    bar = _progress_bar(math.ceil(n / batch_size), description) if progress else None
    for start in range(0, n, batch_size):
        batch = order[start : start + batch_size]
        batch_loss, batch_errors = net._sgd_step(X[batch], y[batch], lr)
        if not math.isfinite(batch_loss):
            raise TrainingDiverged(
                f"the training loss became {batch_loss} (minibatch starting at position {start} "
                f"of the epoch, lr={lr:g}): lower the learning rate"
            )
        errors += batch_errors
        loss_sum += batch_loss
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    return EpochStats(errors, loss_sum, n)


def _progress_bar(total: int, description: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="batch", leave=False, file=sys.stderr)


def evaluate(
    net: MLP, X: ArrayLike, y: ArrayLike, *, batch_size: int = 10_000
) -> tuple[float, float]:
    """``(error, mean loss)`` of ``net`` on ``X`` ``(n, d)``, ``y`` ``(n,)``, parameters unchanged.

    The error is the fraction of rows whose most probable class differs from ``y``; the loss is
    the mean of L = -log os_y (no penalty). Rows are processed ``batch_size`` at a time by
    ``net.fprop``, which overwrites the intermediates it stores.
    """
    X, y = _checked_split(net, X, y, "eval")
    return _evaluate(net, X, y, batch_size)


def _evaluate(net: MLP, X: NDArray, y: NDArray, batch_size: int = 10_000) -> tuple[float, float]:
    """``evaluate`` on data already checked and converted to the network's dtype."""
    errors, loss_sum = 0, 0.0
    for start in range(0, len(y), batch_size):
        _, batch_errors, batch_loss = _batch_stats(
            net, X[start : start + batch_size], y[start : start + batch_size]
        )
        errors += batch_errors
        loss_sum += batch_loss
    return errors / len(y), loss_sum / len(y)


# --- records ----------------------------------------------------------------------------------


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
        """Write every epoch as one CSV row (header ``CSV_COLUMNS``); return the path."""
        path = Path(path)
        with path.open("w", newline="") as stream:
            writer = _MetricsWriter(stream)
            for record in self.epochs:
                writer.write(record)
        return path

    @classmethod
    def read_csv(cls, path: str | os.PathLike[str]) -> History:
        """Read a file written by ``write_csv`` or ``train(csv_path=...)``.

        The best epoch is recomputed from the validation columns; ``stopped_early``,
        ``restored_best`` and ``config`` are not stored in the CSV file and stay at their
        defaults.
        """
        path = Path(path)
        with path.open(newline="") as stream:
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


class _MetricsWriter:
    """Writes ``EpochMetrics`` as CSV rows (full float precision), flushing after each row."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.writer = csv.writer(stream, lineterminator="\n")
        self.writer.writerow(CSV_COLUMNS)

    def write(self, record: EpochMetrics) -> None:
        self.writer.writerow([repr(getattr(record, name)) for name in CSV_COLUMNS])
        self.stream.flush()


def write_config(path: str | os.PathLike[str], config: dict[str, Any]) -> Path:
    """Write ``config`` as indented JSON, adding the package, numpy and Python versions."""
    path = Path(path)
    versions = {
        "mlp_version": __version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
    }
    path.write_text(json.dumps({**config, **versions}, indent=2, default=_json_default) + "\n")
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


# --- training ---------------------------------------------------------------------------------


def learning_rate(lr: float, lr_decay: float, epoch: int) -> float:
    """Learning rate of epoch ``epoch`` (1-based): lr / (1 + lr_decay (epoch - 1))."""
    return lr / (1.0 + lr_decay * (epoch - 1))


def train(
    net: MLP,
    data: SplitsLike,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    lr_decay: float = 0.0,
    patience: int | None = None,
    restore_best: bool = True,
    seed: int | None = 0,
    csv_path: str | os.PathLike[str] | None = None,
    verbose: bool = False,
    progress: bool | None = None,
    on_epoch_end: Callable[[EpochMetrics, MLP], None] | None = None,
    threads: int | None = None,
) -> History:
    """Train ``net`` in place by minibatch SGD and return the six numbers of every epoch.

    Parameters
    ----------
    net
        An ``MLP`` or ``LoopMLP``; its dtype is used for the data and every computation.
    data
        ``Splits`` or any object with ``X_train, y_train, X_valid, y_valid`` and optionally
        ``X_test, y_test`` (``mlp.data.Prepared`` works): ``X_*`` ``(n_*, d)``, ``y_*`` ``(n_*,)``.
    epochs, batch_size, lr
        Maximum number of epochs, minibatch size K, learning rate.
    lr_decay
        Epoch ``t`` (1-based) uses ``lr / (1 + lr_decay (t - 1))``; 0 keeps ``lr`` constant.
    patience
        Early stopping: stop once ``patience`` epochs have passed without a better validation
        error (ties broken by the validation loss). ``None`` runs all ``epochs``.
    restore_best
        At the end, put back the parameters of the best validation epoch (if it is not the
        last one); otherwise keep the last epoch's parameters.
    seed
        Seed of the generator that draws each epoch's order of the examples.
    csv_path
        If given, the metrics are written there (``CSV_COLUMNS``), one row after each epoch.
    verbose
        Print each epoch's ``EpochMetrics.line()`` on stdout.
    progress
        Show a tqdm progress bar per epoch; ``None`` shows it only when stderr is a terminal.
    on_epoch_end
        Called after each epoch with its ``EpochMetrics`` and the network (e.g. to take
        snapshots); it must not modify the network.
    threads
        If given, the number of BLAS threads while training (``threadpoolctl``); one thread is
        as fast as two for small layers and much steadier on a busy machine.

    Raises ``TrainingDiverged`` when the training loss becomes NaN or infinite.
    """
    epochs = positive_int("epochs", epochs)
    batch_size = positive_int("batch_size", batch_size)
    lr = finite_number("lr", lr, positive=True)
    lr_decay = finite_number("lr_decay", lr_decay)
    if patience is not None:
        patience = positive_int("patience", patience)
    if threads is not None:
        threads = positive_int("threads", threads)
    if progress is None:
        progress = sys.stderr.isatty()

    X_train, y_train = _checked_split(net, data.X_train, data.y_train, "train")
    X_valid, y_valid = _checked_split(net, data.X_valid, data.y_valid, "valid")
    X_test = getattr(data, "X_test", None)
    y_test = getattr(data, "y_test", None)
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test, or neither")
    has_test = X_test is not None
    if has_test:
        X_test, y_test = _checked_split(net, X_test, y_test, "test")

    history = History()
    history.config = {
        "network": type(net).__name__,
        "d": net.d,
        "d_h": net.d_h,
        "m": net.m,
        **dict(zip(("l11", "l12", "l21", "l22"), net.lambdas, strict=True)),
        "dtype": net.dtype.name,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "lr_decay": lr_decay,
        "patience": patience,
        "restore_best": restore_best,
        "shuffle_seed": seed,
        "n_train": len(y_train),
        "n_valid": len(y_valid),
        "n_test": len(y_test) if has_test else 0,
    }
    rng = np.random.default_rng(seed)
    best_key = (math.inf, math.inf)
    best_params: dict[str, NDArray] | None = None

    with ExitStack() as stack:
        if threads is not None:
            stack.enter_context(threadpool_limits(threads, user_api="blas"))
        writer = None
        if csv_path is not None:
            writer = _MetricsWriter(stack.enter_context(Path(csv_path).open("w", newline="")))
        for epoch in range(1, epochs + 1):
            epoch_lr = learning_rate(lr, lr_decay, epoch)
            start = time.perf_counter()
            stats = run_epoch(
                net,
                X_train,
                y_train,
                batch_size=batch_size,
                lr=epoch_lr,
                rng=rng,
                progress=progress,
                description=f"epoch {epoch}/{epochs}",
                fused=True,
            )
            seconds = time.perf_counter() - start
            valid_error, valid_loss = _evaluate(net, X_valid, y_valid)
            test_error, test_loss = _evaluate(net, X_test, y_test) if has_test else (math.nan,) * 2
            record = EpochMetrics(
                epoch=epoch,
                train_error=stats.error,
                train_loss=stats.mean_loss,
                valid_error=valid_error,
                valid_loss=valid_loss,
                test_error=test_error,
                test_loss=test_loss,
                lr=epoch_lr,
                seconds=seconds,
            )
            history.epochs.append(record)
            if writer is not None:
                writer.write(record)
            if verbose:
                if epoch == 1:
                    print(EpochMetrics.header())
                print(record.line(), flush=True)
            if on_epoch_end is not None:
                on_epoch_end(record, net)

            if (valid_error, valid_loss) < best_key:
                best_key = (valid_error, valid_loss)
                history.best_epoch = epoch
                if restore_best:
                    best_params = {name: p.copy() for name, p in net.params().items()}
            elif patience is not None and epoch - history.best_epoch >= patience:
                history.stopped_early = epoch < epochs
                break

    if restore_best and best_params is not None and history.best_epoch != len(history):
        for name, theta in net.params().items():
            theta[...] = best_params[name]
        history.restored_best = True
    return history


# --- command line: mlp train, mlp gradcheck ---------------------------------------------------


def _positive_int_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _number_arg(text: str, *, positive: bool) -> float:
    bound = "> 0" if positive else ">= 0"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number {bound}, got {text!r}") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise argparse.ArgumentTypeError(f"expected a finite number {bound}, got {text!r}")
    return value


def _positive_float_arg(text: str) -> float:
    return _number_arg(text, positive=True)


def _nonnegative_float_arg(text: str) -> float:
    return _number_arg(text, positive=False)


def _add_lambda_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("elastic-net penalty (never on biases)")
    for name, what in (
        ("l11", "L1 on W1"),
        ("l12", "squared L2 on W1"),
        ("l21", "L1 on W2"),
        ("l22", "squared L2 on W2"),
    ):
        group.add_argument(
            f"--{name}", type=_nonnegative_float_arg, default=0.0, metavar="LAMBDA", help=what
        )


def add_train_command(subparsers: argparse._SubParsersAction) -> None:
    """Register ``mlp train``."""
    from mlp.cli import add_command

    summary = "train the one-hidden-layer MLP by minibatch SGD"
    parser = add_command(
        subparsers,
        "train",
        summary,
        (
            "Prints the six numbers of each epoch (train/valid/test error and mean "
            "loss) and writes OUT/metrics.csv, OUT/config.json, OUT/curves.png and "
            "OUT/model.npz (the parameters of the best validation epoch)."
        ),
    )
    parser.add_argument(
        "--dataset",
        choices=("circles", "fashion-mnist", "mnist"),
        default="fashion-mnist",
        help="data set to train on",
    )
    parser.add_argument("--out", metavar="DIR", required=True, help="output folder (created)")
    parser.add_argument("--hidden", type=_positive_int_arg, default=100, help="hidden units d_h")
    parser.add_argument("--batch-size", type=_positive_int_arg, default=100, help="minibatch K")
    parser.add_argument("--lr", type=_positive_float_arg, default=0.1, help="learning rate")
    parser.add_argument(
        "--lr-decay",
        type=_nonnegative_float_arg,
        default=0.0,
        help="epoch t uses lr / (1 + decay (t - 1))",
    )
    parser.add_argument("--epochs", type=_positive_int_arg, default=10, help="maximum epochs")
    parser.add_argument(
        "--patience",
        type=_positive_int_arg,
        default=None,
        help="stop after this many epochs without a better validation error",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the initialization, split and shuffling"
    )
    parser.add_argument(
        "--dtype", choices=("float32", "float64"), default="float32", help="floating-point type"
    )
    parser.add_argument(
        "--threads", type=_positive_int_arg, default=None, help="BLAS threads (default: all)"
    )
    _add_lambda_options(parser)
    data = parser.add_argument_group("data")
    data.add_argument(
        "--n-valid",
        type=_positive_int_arg,
        default=None,
        help="validation examples (default: 10000 for images, 25%% of --n-points for circles)",
    )
    data.add_argument(
        "--standardize",
        choices=("global", "pixel", "none"),
        default="global",
        help="images: standardisation fitted on the training split",
    )
    data.add_argument("--data-dir", metavar="DIR", default=None, help="images: where to look first")
    data.add_argument(
        "--no-download", action="store_true", help="images: never download, use local files only"
    )
    data.add_argument(
        "--n-points", type=_positive_int_arg, default=1000, help="circles: training+validation"
    )
    data.add_argument(
        "--noise", type=_nonnegative_float_arg, default=0.1, help="circles: Gaussian noise"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the final summary")
    parser.set_defaults(func=run_train)


def _load_cli_data(args: argparse.Namespace) -> tuple[SplitsLike, int, dict[str, Any]]:
    """The splits ``mlp train`` asks for, the number of classes, and a description of them."""
    from mlp import data as datasets

    dtype = np.dtype(args.dtype)
    if args.dataset == "circles":
        n_valid = args.n_valid if args.n_valid is not None else max(1, args.n_points // 4)
        if not 0 < n_valid < args.n_points:
            raise ValueError(f"--n-valid must lie in (0, {args.n_points}), got {n_valid}")
        n_test = args.n_points
        X, y = datasets.two_circles(args.n_points + n_test, noise=args.noise, seed=args.seed)
        X = X.astype(dtype)
        X_train, y_train, X_valid, y_valid = datasets.train_valid_split(
            X[: args.n_points], y[: args.n_points], n_valid=n_valid, seed=args.seed
        )
        X_test, y_test = X[args.n_points :], y[args.n_points :]
        splits = Splits(X_train, y_train, X_valid, y_valid, X_test, y_test)
        description = {
            "name": "circles",
            "noise": args.noise,
            "n_points": args.n_points,
            "n_test": n_test,
            "source": "mlp.data.two_circles",
        }
        return splits, 2, description
    prepared = datasets.prepare(
        args.dataset,
        n_valid=args.n_valid if args.n_valid is not None else 10_000,
        seed=args.seed,
        dtype=dtype,
        standardize=None if args.standardize == "none" else args.standardize,
        data_dir=args.data_dir,
        download=not args.no_download,
    )
    description = {
        "name": prepared.name,
        "standardize": args.standardize,
        "source": prepared.source,
        "files": {role: str(path) for role, path in prepared.files.items()},
    }
    return prepared, prepared.n_classes, description


def run_train(args: argparse.Namespace) -> int:
    """``mlp train``: load the data, train, write the four files, print the summary."""
    import matplotlib

    if not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    from mlp.model_io import save_model
    from mlp.plots import plot_learning_curves

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    splits, n_classes, description = _load_cli_data(args)
    out.mkdir(parents=True, exist_ok=True)
    net = MLP(
        np.asarray(splits.X_train).shape[1],
        args.hidden,
        n_classes,
        l11=args.l11,
        l12=args.l12,
        l21=args.l21,
        l22=args.l22,
        seed=args.seed,
        dtype=np.dtype(args.dtype),
    )
    config: dict[str, Any] = {
        "command": "mlp train",
        "dataset": description,
        "init_seed": args.seed,
        "split_seed": args.seed,
    }
    write_config(out / "config.json", config)
    if not args.quiet:
        print(f"{net!r} on {args.dataset}: {len(splits.y_train)} training examples")
    history = train(
        net,
        splits,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        lr_decay=args.lr_decay,
        patience=args.patience,
        seed=args.seed,
        csv_path=out / "metrics.csv",
        verbose=not args.quiet,
        threads=args.threads,
    )
    best = history.best
    config.update(history.config)
    config["result"] = {
        "epochs_run": len(history),
        "best_epoch": history.best_epoch,
        "stopped_early": history.stopped_early,
        "restored_best": history.restored_best,
        **{name: getattr(best, name) for name in METRIC_NAMES},
        "train_seconds": float(history.column("seconds").sum()),
    }
    write_config(out / "config.json", config)
    figure = plot_learning_curves(history, title=f"{args.dataset}, d_h = {args.hidden}")
    figure.savefig(out / "curves.png", dpi=120)
    save_model(out / "model.npz", net, metadata={"dataset": args.dataset, "best_epoch": best.epoch})
    print(history.summary())
    print(f"wrote {out / 'metrics.csv'}, config.json, curves.png, model.npz")
    return 0


def add_gradcheck_command(subparsers: argparse._SubParsersAction) -> None:
    """Register ``mlp gradcheck``."""
    from mlp.cli import add_command

    summary = "compare bprop with finite differences on two-circles examples"
    parser = add_command(
        subparsers,
        "gradcheck",
        summary,
        (
            "Prints one row per scalar parameter (analytic, numeric, ratio) for a "
            "float64 network with d = 2 inputs and 2 classes; exits with status 1 if a ratio "
            "leaves [0.99, 1.01]."
        ),
    )
    parser.add_argument("--hidden", type=_positive_int_arg, default=2, help="hidden units d_h")
    parser.add_argument(
        "--examples",
        type=_positive_int_arg,
        default=1,
        help="batch size: this many two-circles examples, alternating the classes",
    )
    parser.add_argument("--eps", type=_positive_float_arg, default=1e-5, help="finite step")
    parser.add_argument("--method", choices=("forward", "central"), default="forward")
    parser.add_argument(
        "--abs-tol",
        type=_nonnegative_float_arg,
        default=None,
        help="a row whose ratio is outside [0.99, 1.01] still agrees if |analytic - numeric| "
        "is at most this (default: eps for forward, max(eps^2, 1e-9) for central differences)",
    )
    parser.add_argument("--loop", action="store_true", help="check LoopMLP instead of MLP")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and initialization")
    _add_lambda_options(parser)
    parser.set_defaults(func=run_gradcheck)


def balanced_examples(n: int, seed: int = 0) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """``n`` two-circles examples ``(n, 2)`` with labels alternating 0, 1, 0, ... (both classes)."""
    from mlp.data import two_circles

    X, y = two_circles(max(4 * n, 8), seed=seed)
    by_class = [np.flatnonzero(y == label) for label in (0, 1)]
    order = np.array([by_class[i % 2][i // 2] for i in range(n)])
    return X[order], y[order]


def run_gradcheck(args: argparse.Namespace) -> int:
    """``mlp gradcheck``: print the finite-difference table; status 1 if a row fails."""
    from mlp.gradcheck import check_gradients

    X, y = balanced_examples(args.examples, seed=args.seed)
    cls = LoopMLP if args.loop else MLP
    net = cls(
        2, args.hidden, 2, l11=args.l11, l12=args.l12, l21=args.l21, l22=args.l22, seed=args.seed
    )
    report = check_gradients(net, X, y, eps=args.eps, method=args.method, abs_tol=args.abs_tol)
    print(f"{net!r}, batch of {len(y)} examples (labels {y.tolist()})")
    print(report)
    if not report.passed():
        raise RuntimeError(f"gradient check failed for {len(report.failures())} parameters")
    return 0
