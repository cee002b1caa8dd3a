"""Minibatch stochastic gradient descent for ``MLP``/``LoopMLP``, with the six numbers per epoch.

One epoch visits the training set once, in an order drawn from a seeded generator (one index
permutation per epoch), in minibatches of K rows. For each minibatch::

    R = net.fprop(X_batch, y_batch)     # regularized risk of the batch
    grads = net.bprop()                 # its gradient, {"W1", "b1", "W2", "b2"}
    theta -= lr * grads[theta]          # for every parameter, in place

which is ``mlp.network.fprop_bprop_step``. Each network class says how it performs that step
(``sgd_step_unchecked``): ``MLP`` with the fused kernel of ``mlp.fused`` (the same numbers,
faster), ``LoopMLP`` with its own per-example ``fprop`` and ``bprop``.

Two options go beyond plain SGD, both off by default: ``momentum`` mu > 0 makes each step the
heavy ball's, v <- mu v - lr grads[theta], theta += v, with one velocity array per parameter
kept from step to step (and from epoch to epoch, in ``TrainingState`` for a resumed run);
``shift`` s > 0 moves each training image of a minibatch by up to s whole pixels along each
axis before its step (``mlp.augment.PixelShifts``), drawn from the generator that draws the
order, so that a seed still fixes everything. Validation and test data are never shifted.

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
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import threadpool_limits

from mlp import checks
from mlp.augment import PixelShifts
from mlp.data.splits import Splits
from mlp.files import append_line, atomic_write
from mlp.minibatches import minibatches
from mlp.network import MLP
from mlp.records import CSV_COLUMNS, EpochMetrics, History

__all__ = [
    "DIVERGENCE_FACTOR",
    "TrainingDiverged",
    "TrainingPass",
    "TrainingState",
    "evaluate",
    "learning_rate",
    "run_epoch",
    "train",
]


class TrainingDiverged(FloatingPointError):
    """Training diverged: a loss or a parameter became NaN, infinite or absurdly large."""


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
    momentum: float = 0.0,
    velocity: dict[str, NDArray] | None = None,
    shifts: PixelShifts | None = None,
) -> TrainingPass:
    """One pass of minibatch SGD over ``X`` ``(n, d)``, ``y`` ``(n,)``; updates ``net`` in place.

    The order is one permutation of the n indices drawn from ``rng``; the last minibatch is
    smaller when K does not divide n. The data are checked (and converted to the network's
    dtype) once, then each minibatch is one ``net.sgd_step_unchecked``. With ``momentum`` > 0
    the steps are the heavy ball's and update ``velocity`` (``net.new_velocity()``) in place;
    with ``shifts``, each minibatch's images are shifted (draws from ``rng``) before its step.
    Returns the error and loss accumulated during the pass (on the shifted images).
    """
    X, y = net.check_batch(X, y, "train")
    batch_size = checks.positive_int("batch_size", batch_size)
    lr = checks.learning_rate(lr)
    momentum, velocity = net.check_momentum(momentum, velocity)
    if shifts is not None and not isinstance(shifts, PixelShifts):
        raise TypeError(f"shifts must be an mlp.augment.PixelShifts, got {shifts!r:.60}")
    return _training_pass(
        net, X, y, batch_size, lr, rng, progress, description, "", momentum, velocity, shifts
    )


def _training_pass(
    net: MLP,
    X: NDArray,
    y: NDArray[np.intp],
    batch_size: int,
    lr: float,
    rng: np.random.Generator,
    progress: bool,
    description: str,
    advice: str = "",
    momentum: float = 0.0,
    velocity: dict[str, NDArray] | None = None,
    shifts: PixelShifts | None = None,
) -> TrainingPass:
    """``run_epoch`` on data already checked: the loop itself."""
    n = len(y)
    errors, loss_sum = 0, 0.0
    bar = _progress_bar(math.ceil(n / batch_size), description) if progress else None
    # with momentum, the heavy ball's step, which updates the velocity in place
    heavy_ball = {"momentum": momentum, "velocity": velocity} if momentum else {}
    for batch in minibatches(rng.permutation(n), batch_size):
        X_batch = X[batch] if shifts is None else shifts(X[batch], rng)  # augmentation
        batch_loss, batch_errors = net.sgd_step_unchecked(X_batch, y[batch], lr, **heavy_ball)
        if not math.isfinite(batch_loss):
            hint = advice or f"lower the learning rate (lr={lr:g})"
            raise TrainingDiverged(
                f"{description or 'epoch'}: the training loss of a minibatch became "
                f"{batch_loss}: training diverged; {hint}"
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


DIVERGENCE_FACTOR = 100.0
"""Training has diverged when a mean loss exceeds ``DIVERGENCE_FACTOR * log(m)``: 100 times
the loss of the uniform guess (log(m) nats), a loss no working network comes near."""


@dataclass
class TrainingState:
    """Where a run stands after its last finished epoch: enough to continue it exactly.

    ``epoch`` epochs are finished; ``rng_state`` is the state of the generator that draws the
    next epoch's order (``bit_generator.state``); ``history`` holds their metrics;
    ``best_key`` is the best (validation error, validation loss) so far and ``best_params``
    the parameters of that epoch (None when ``restore_best`` is off); ``velocity`` holds the
    velocities of SGD with momentum after epoch ``epoch`` (a copy; None without momentum).
    With the network's parameters of epoch ``epoch``, ``train(..., resume=state)`` continues
    as if the run had never stopped.
    """

    epoch: int
    rng_state: dict[str, Any]
    history: History
    best_key: tuple[float, float] = (math.inf, math.inf)
    best_params: dict[str, NDArray] | None = None
    velocity: dict[str, NDArray] | None = None


def _check_resume(resume: Any, epochs: int) -> None:
    """Raise unless ``resume`` is a ``TrainingState`` whose history holds epochs 1 to
    ``resume.epoch``, at most ``epochs`` (what ``train`` then checks: velocities, best
    parameters)."""
    if not isinstance(resume, TrainingState):
        raise TypeError(f"resume must be a TrainingState, got {type(resume).__name__}")
    numbers = [record.epoch for record in resume.history.epochs]
    if numbers != list(range(1, resume.epoch + 1)):
        raise ValueError(
            f"resume.history must hold epochs 1 to resume.epoch = {resume.epoch}, "
            f"got {len(numbers)} epochs"
        )
    if resume.epoch > epochs:
        raise ValueError(
            f"resume is after epoch {resume.epoch}, more than epochs = {epochs}: "
            f"pass epochs >= {resume.epoch}"
        )


def _divergence_advice(net: MLP, lr: float, x_max: float, momentum: float = 0.0) -> str:
    """What most likely made training diverge, from the settings and the data."""
    advice = [f"lower the learning rate (lr={lr:g})"]
    if momentum:
        advice.append(
            f"or the momentum ({momentum:g}: steps grow to lr / (1 - momentum) = "
            f"{lr / (1 - momentum):.3g} times the gradient)"
        )
    strongest = max(net.lambdas)
    if lr * strongest > 0.5:
        advice.append(
            f"or the penalty: lr x lambda = {lr * strongest:.3g}, so each step moves a weight "
            "by more than half of itself (L2) or by more than lr x lambda (L1)"
        )
    if x_max > 100:
        advice.append(f"or standardise the inputs: they reach |x| = {x_max:.3g}")
    return "; ".join(advice)


def _check_divergence(record: EpochMetrics, net: MLP, has_test: bool, advice: str) -> None:
    """Raise ``TrainingDiverged`` if a loss of the epoch or a parameter is out of bounds."""
    bound = DIVERGENCE_FACTOR * math.log(net.m)
    splits = ("train", "valid", "test") if has_test else ("train", "valid")
    for split in splits:
        loss = getattr(record, f"{split}_loss")
        if not math.isfinite(loss) or loss > bound:
            raise TrainingDiverged(
                f"epoch {record.epoch}: the {split} loss is {loss:.3g}, above "
                f"{DIVERGENCE_FACTOR:g} log(m) = {bound:.3g}: training diverged; {advice}"
            )
    for name, theta in net.params().items():
        if not np.isfinite(theta).all():
            raise TrainingDiverged(
                f"epoch {record.epoch}: {name} holds NaN or inf: training diverged; {advice}"
            )


def train(
    net: MLP,
    data: Splits,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    lr_decay: float = 0.0,
    momentum: float = 0.0,
    shift: int = 0,
    patience: int | None = None,
    restore_best: bool = True,
    seed: int | None = 0,
    csv_path: str | os.PathLike[str] | None = None,
    verbose: bool = False,
    progress: bool | None = None,
    on_epoch_end: Callable[[EpochMetrics, MLP], None] | None = None,
    threads: int | None = None,
    resume: TrainingState | None = None,
    on_checkpoint: Callable[[TrainingState, MLP], None] | None = None,
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
    momentum
        In [0, 1): with mu > 0 every step is the heavy ball's, ``v <- mu v - lr_t grad``,
        ``theta <- theta + v``, with velocities starting at zero; 0 is plain SGD.
    shift
        Data augmentation: each training image of each minibatch is moved by ``(dy, dx)``
        whole pixels, each drawn uniformly in ``-shift .. shift``, background coming in
        (``mlp.augment``; square images only). 0 trains on the images as they are.
    patience
        Early stopping: stop once ``patience`` epochs have passed without a better validation
        error (ties broken by the validation loss). ``None`` runs all ``epochs``.
    restore_best
        At the end, put back the parameters of the best validation epoch (if it is not the
        last one); otherwise keep the last epoch's parameters.
    seed
        Seed of the generator that draws each epoch's order of the examples.
    csv_path
        If given, the metrics are written there (``CSV_COLUMNS``), one whole row appended after
        each epoch (``mlp.files.append_line``): the file never ends with part of a row.
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
    resume
        Continue a run from its ``TrainingState`` (``net`` holding that epoch's parameters):
        the same seed and settings give the same numbers as a run that never stopped.
    on_checkpoint
        Called after each epoch (after the divergence check) with the ``TrainingState`` and
        the network, e.g. to save them (``mlp.runs``); it must not modify them.

    Raises ``TrainingDiverged``, naming the epoch and the quantity, when a minibatch's loss
    is not finite, or after an epoch when a mean loss is not finite or exceeds
    ``DIVERGENCE_FACTOR * log(m)``, or a parameter is not finite; the network then holds
    the parameters that diverged (none of it is a model worth keeping).
    """
    epochs = checks.positive_int("epochs", epochs)
    batch_size = checks.positive_int("batch_size", batch_size)
    lr = checks.learning_rate(lr)
    lr_decay = checks.finite_number("lr_decay", lr_decay)
    momentum = checks.unit_interval("momentum", momentum)
    shift = checks.nonnegative_int("shift", shift)
    if patience is not None:
        patience = checks.positive_int("patience", patience)
    if threads is not None:
        threads = checks.positive_int("threads", threads)
    if not isinstance(data, Splits):
        raise TypeError(f"data must be an mlp.data.Splits, got {type(data).__name__}")
    if not data.has("valid"):
        raise ValueError("data must have a validation set (X_valid, y_valid) for early stopping")
    if resume is not None:
        _check_resume(resume, epochs)
    if progress is None:
        progress = sys.stderr.isatty()
    shifts = PixelShifts.for_splits(data, shift) if shift else None

    X_train, y_train = net.check_batch(data.X_train, data.y_train, "train")
    X_valid, y_valid = net.check_batch(data.X_valid, data.y_valid, "valid")
    has_test = data.has("test")
    if has_test:
        X_test, y_test = net.check_batch(data.X_test, data.y_test, "test")
    advice = _divergence_advice(net, lr, float(np.abs(X_train).max()), momentum)

    history = History()
    history.config = {
        "network": type(net).__name__,
        "d": net.d,
        "d_h": net.d_h,
        "m": net.m,
        **dict(zip(checks.LAMBDA_NAMES, net.lambdas, strict=True)),
        "dtype": net.dtype.name,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "lr_decay": lr_decay,
        "momentum": momentum,
        "shift": shift,
        "patience": patience,
        "restore_best": restore_best,
        "shuffle_seed": seed,
        "n_train": len(y_train),
        "n_valid": len(y_valid),
        "n_test": len(y_test) if has_test else 0,
    }
    rng = np.random.default_rng(seed)
    velocity = net.new_velocity() if momentum else None
    state = TrainingState(0, rng.bit_generator.state, history)
    if resume is not None:
        if momentum and resume.velocity is None:
            raise ValueError(
                "resume must hold the velocity of a run with momentum > 0 "
                "(TrainingState.velocity), got None"
            )
        if momentum:
            velocity = {n: v.copy() for n, v in net.check_velocity(resume.velocity).items()}
        if restore_best and resume.epoch and resume.best_params is None:
            raise ValueError(
                "resume holds no best parameters (TrainingState.best_params) but restore_best "
                "needs them: resume with restore_best=False, as the run was started"
            )
        rng.bit_generator.state = resume.rng_state
        history.epochs = list(resume.history.epochs)
        history.best_epoch = resume.history.best_epoch
        state = TrainingState(
            resume.epoch, resume.rng_state, history, resume.best_key, resume.best_params
        )
    if csv_path is not None:  # the header and the rows of any epochs already run
        rows = [",".join(CSV_COLUMNS)] + [record.csv_row() for record in history.epochs]
        atomic_write(csv_path, "\n".join(rows) + "\n")

    with ExitStack() as stack:
        if threads is not None:
            stack.enter_context(threadpool_limits(threads, user_api="blas"))
        # overflow on the way to a divergence is reported by TrainingDiverged, not by warnings
        stack.enter_context(np.errstate(over="ignore", invalid="ignore", divide="ignore"))
        for epoch in range(state.epoch + 1, epochs + 1):
            if patience is not None and epoch - 1 - history.best_epoch >= patience:
                history.stopped_early = True
                break
            epoch_lr = learning_rate(lr, lr_decay, epoch)
            start = time.perf_counter()
            description = f"epoch {epoch}/{epochs}"
            stats = _training_pass(
                net,
                X_train,
                y_train,
                batch_size,
                epoch_lr,
                rng,
                progress,
                description,
                advice,
                momentum,
                velocity,
                shifts,
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
            _check_divergence(record, net, has_test, advice)  # a diverged epoch is not kept
            history.epochs.append(record)
            if csv_path is not None:
                append_line(csv_path, record.csv_row())
            if verbose:
                if epoch == 1:
                    print(EpochMetrics.header())
                print(record.line(), flush=True)
            if on_epoch_end is not None:
                on_epoch_end(record, net)

            if (valid_error, valid_loss) < state.best_key:
                state.best_key = (valid_error, valid_loss)
                history.best_epoch = epoch
                if restore_best:
                    state.best_params = {name: p.copy() for name, p in net.params().items()}
            state.epoch, state.rng_state = epoch, rng.bit_generator.state
            if velocity is not None:
                state.velocity = {name: v.copy() for name, v in velocity.items()}
            if on_checkpoint is not None:
                on_checkpoint(state, net)

    best_params = state.best_params
    if restore_best and best_params is not None and history.best_epoch != len(history):
        for name, theta in net.params().items():
            theta[...] = best_params[name]
        history.restored_best = True
    return history
