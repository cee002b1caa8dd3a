"""Minibatch stochastic gradient descent for ``MLP``/``LoopMLP``, with the six numbers per epoch.

One epoch visits the training set once, in an order drawn from a seeded generator (one index
permutation per epoch), in minibatches of K rows. For each minibatch::

    R = net.fprop(X_batch, y_batch)     # regularized risk of the batch
    grads = net.bprop()                 # its gradient, {"W1", "b1", "W2", "b2"}
    theta -= lr * grads[theta]          # for every parameter, in place

which is ``mlp.network.fprop_bprop_step``. Each network class says how it performs that step
(``sgd_step_unchecked``): ``MLP`` with the fused kernel of ``mlp.fused`` (the same numbers,
faster), ``LoopMLP`` with its own per-example ``fprop`` and ``bprop``.

While the epoch runs, the misclassified training examples and the losses L are accumulated
*on the fly* from the forward pass each minibatch makes anyway (so they describe parameters
that move during the epoch). After the epoch, error and mean loss are computed on the
validation and test sets with the parameters reached. These six numbers (train/valid/test x
error/mean loss) make one ``EpochMetrics`` (``mlp.records``); ``train`` returns them as a
``History`` and can write them, one CSV row per epoch, while it runs.

Losses are the mean of L = -log os_y over the examples, without the penalty; errors are
fractions in [0, 1]. The network's dtype (float32 or float64) is used for every array: the
data are converted to it once, before the first epoch.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import threadpool_limits

from mlp import checks
from mlp.data.splits import Splits
from mlp.minibatches import minibatches
from mlp.network import MLP
from mlp.records import EpochMetrics, History, MetricsWriter

__all__ = [
    "TrainingDiverged",
    "TrainingPass",
    "evaluate",
    "learning_rate",
    "run_epoch",
    "train",
]


class TrainingDiverged(FloatingPointError):
    """The training loss became NaN or infinite (learning rate too large)."""


# --- one epoch, one evaluation ----------------------------------------------------------------


@dataclass(frozen=True)
class TrainingPass:
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
    X: ArrayLike,
    y: ArrayLike,
    *,
    batch_size: int,
    lr: float,
    rng: np.random.Generator,
    progress: bool = False,
    description: str = "",
) -> TrainingPass:
    """One pass of minibatch SGD over ``X`` ``(n, d)``, ``y`` ``(n,)``; updates ``net`` in place.

    The order is one permutation of the n indices drawn from ``rng``; the last minibatch is
    smaller when K does not divide n. The data are checked (and converted to the network's
    dtype) once, then each minibatch is one ``net.sgd_step_unchecked``. Returns the error and
    loss accumulated during the pass.
    """
    X, y = net.check_batch(X, y, "train")
    batch_size = checks.positive_int("batch_size", batch_size)
    lr = checks.learning_rate(lr)
    return _training_pass(net, X, y, batch_size, lr, rng, progress, description)


def _training_pass(
    net: MLP,
    X: NDArray,
    y: NDArray[np.intp],
    batch_size: int,
    lr: float,
    rng: np.random.Generator,
    progress: bool,
    description: str,
) -> TrainingPass:
    """``run_epoch`` on data already checked: the loop itself."""
    n = len(y)
    errors, loss_sum = 0, 0.0
    bar = _progress_bar(math.ceil(n / batch_size), description) if progress else None
    for batch in minibatches(rng.permutation(n), batch_size):
        batch_loss, batch_errors = net.sgd_step_unchecked(X[batch], y[batch], lr)
        if not math.isfinite(batch_loss):
            raise TrainingDiverged(
                f"the training loss became {batch_loss} (lr={lr:g}): lower the learning rate"
            )
        errors += batch_errors
        loss_sum += batch_loss
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    return TrainingPass(errors, loss_sum, n)


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
    X, y = net.check_batch(X, y)
    return _evaluate(net, X, y, checks.positive_int("batch_size", batch_size))


def _evaluate(net: MLP, X: NDArray, y: NDArray, batch_size: int = 10_000) -> tuple[float, float]:
    """``evaluate`` on data already checked and converted to the network's dtype."""
    errors, loss_sum = 0, 0.0
    for start in range(0, len(y), batch_size):  # slices: views of X, no copy
        batch = slice(start, start + batch_size)
        net.fprop(X[batch], y[batch])
        batch_loss, batch_errors = net.batch_totals()
        errors += batch_errors
        loss_sum += batch_loss
    return errors / len(y), loss_sum / len(y)


# --- training ---------------------------------------------------------------------------------


def learning_rate(lr: float, lr_decay: float, epoch: int) -> float:
    """Learning rate of epoch ``epoch`` (1-based): lr / (1 + lr_decay (epoch - 1))."""
    return lr / (1.0 + lr_decay * (epoch - 1))


def train(
    net: MLP,
    data: Splits,
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
        ``mlp.data.Splits`` with a training and a validation set and optionally a test set:
        ``X_*`` ``(n_*, d)``, ``y_*`` ``(n_*,)``.
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
    epochs = checks.positive_int("epochs", epochs)
    batch_size = checks.positive_int("batch_size", batch_size)
    lr = checks.learning_rate(lr)
    lr_decay = checks.finite_number("lr_decay", lr_decay)
    if patience is not None:
        patience = checks.positive_int("patience", patience)
    if threads is not None:
        threads = checks.positive_int("threads", threads)
    if not isinstance(data, Splits):
        raise TypeError(f"data must be an mlp.data.Splits, got {type(data).__name__}")
    if not data.has("valid"):
        raise ValueError("data must have a validation set (X_valid, y_valid) for early stopping")
    if progress is None:
        progress = sys.stderr.isatty()

    X_train, y_train = net.check_batch(data.X_train, data.y_train, "train")
    X_valid, y_valid = net.check_batch(data.X_valid, data.y_valid, "valid")
    has_test = data.has("test")
    if has_test:
        X_test, y_test = net.check_batch(data.X_test, data.y_test, "test")

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
            writer = MetricsWriter(stack.enter_context(Path(csv_path).open("w", newline="")))
        for epoch in range(1, epochs + 1):
            epoch_lr = learning_rate(lr, lr_decay, epoch)
            start = time.perf_counter()
            description = f"epoch {epoch}/{epochs}"
            stats = _training_pass(
                net, X_train, y_train, batch_size, epoch_lr, rng, progress, description
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
