"""The benchmark run: every method's epoch timed in interleaved parts; the accuracy check."""

from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from mlp import __version__, checks
from mlp.bench.methods import (
    NUMPY_METHODS,
    THREAD_METHODS,
    TORCH_METHODS,
    Epoch,
    make_epoch,
    torch_available,
)
from mlp.bench.results import BenchmarkResult, Timing, epoch_gflop
from mlp.data.splits import Splits
from mlp.network import MLP

__all__ = ["load_bench_data", "run_benchmark"]

# --- data ---------------------------------------------------------------------------------


def load_bench_data(
    data_dir: str | os.PathLike[str] | None = None, download: bool = True
) -> Splits:
    """All 60,000 Fashion-MNIST training images and the 10,000 test images, float64 ``Splits``
    (no validation set: the benchmark times epochs over the whole training set).

    Pixels are scaled to [0, 1] and standardised with the mean and standard deviation of the
    training images (``Standardizer("global")``).
    """
    from mlp.data import FASHION_MNIST_CLASSES, Standardizer, load_fashion_mnist, scale01

    images, y_train = load_fashion_mnist(
        "train", flatten=True, data_dir=data_dir, download=download
    )
    test_images, y_test = load_fashion_mnist(
        "test", flatten=True, data_dir=data_dir, download=download
    )
    standardizer = Standardizer("global", dtype=np.float64)
    X_train = standardizer.fit_transform(scale01(images, np.float64))
    X_test = standardizer.transform(scale01(test_images, np.float64))
    return Splits(
        X_train,
        y_train,
        X_test=X_test,
        y_test=y_test,
        name="fashion-mnist",
        classes=FASHION_MNIST_CLASSES,
        source="Fashion-MNIST, 60,000 training images",
    )


@contextmanager
def _threads(count: int, with_torch: bool) -> Iterator[None]:
    """Limit numpy's BLAS (and PyTorch's intra-op pool) to ``count`` threads."""
    torch_threads = None
    if with_torch:
        import torch

        torch_threads = torch.get_num_threads()
        torch.set_num_threads(count)
    try:
        with threadpool_limits(count, user_api="blas"):
            yield
    finally:
        if torch_threads is not None:
            import torch

            torch.set_num_threads(torch_threads)


# --- the run ------------------------------------------------------------------------------


def _ratios(result: BenchmarkResult) -> dict[str, dict[str, float]]:
    """Same-run ratios per ``"dtype d_h"``: ``"a/b"`` is the median of a's over b's seconds."""
    pairs = [
        ("fused", "products"),
        ("fused", "products+gather"),
        ("fused", "torch_autograd"),
        ("fused", "torch_manual"),
        ("fprop_bprop", "fused"),
        ("loop", "fused"),
    ]
    first, others = result.config["threads"][0], result.config["threads"][1:]
    ratios: dict[str, dict[str, float]] = {}
    for dtype, d_h in result.configurations():
        found = {}
        for a, b in pairs:
            numerator = result.timing(a, dtype, d_h)
            parts = [result.timing(part, dtype, d_h) for part in b.split("+")]
            if numerator is None or any(part is None for part in parts):
                continue
            denominator = np.sum([part.seconds for part in parts], axis=0)
            found[f"{a}/{b}"] = float(np.median(np.divide(numerator.seconds, denominator)))
        for threads in others:
            one = result.timing("fused", dtype, d_h, first)
            other = result.timing("fused", dtype, d_h, threads)
            if one is not None and other is not None:
                ratio = np.median(np.divide(one.seconds, other.seconds))
                found[f"threads {first} {threads}"] = float(ratio)
        ratios[f"{dtype} {d_h}"] = found
    return ratios


def _int_tuple(name: str, values: Any) -> tuple[int, ...]:
    if isinstance(values, int | np.integer):
        values = (values,)
    values = tuple(checks.positive_int(name, v) for v in values)
    if not values:
        raise ValueError(f"{name} must hold at least one value")
    return values


def _machine() -> dict[str, Any]:
    blas = [
        {k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
        for info in threadpool_info()
        if info["user_api"] == "blas"
    ]
    return {
        "mlp_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
    }


def run_benchmark(
    data: Splits | None = None,
    *,
    dtypes: Sequence[str] = ("float32", "float64"),
    hidden: Sequence[int] | int = (100, 256),
    threads: Sequence[int] | int = (1, 2),
    repeats: int = 3,
    batch_size: int = 100,
    lr: float = 0.1,
    loop_batches: int | None = 10,
    thread_batches: int | None = 100,
    chunks: int = 10,
    use_torch: bool | None = None,
    accuracy_epochs: int = 10,
    accuracy_d_h: int = 100,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> BenchmarkResult:
    """Time one epoch of every method in every configuration, interleaved; see the module doc.

    Parameters
    ----------
    data
        The examples, ``Splits`` with a training and a test set (default:
        ``load_bench_data()``, the real Fashion-MNIST).
    dtypes, hidden, threads
        Configurations: ``"float32"``/``"float64"``, hidden widths d_h, BLAS thread counts
        (every method runs at the first count; only ``fused`` and ``products`` at the others).
    repeats
        Repetitions of every timing; medians and same-run ratios are taken over them.
    chunks
        Each repetition runs every method's epoch in this many consecutive parts, taking turns,
        so that a busy phase of the machine slows all methods alike.
    batch_size, lr
        Minibatch size K and learning rate of the SGD steps.
    loop_batches
        Minibatches of the loop version to time (scaled to the epoch); ``None`` times whole
        epochs, 0 skips the loop version.
    thread_batches
        Minibatches timed (and scaled to the epoch) at the thread counts after the first;
        ``None`` times whole epochs. A second thread can be very slow on a busy machine.
    use_torch
        Time the PyTorch versions; ``None`` does so when PyTorch is installed.
    accuracy_epochs, accuracy_d_h
        Epochs (0 to skip) and hidden width of the float32 versus float64 accuracy check.
    seed
        Seed of the initial weights (the same for every method) and of the orders.
    log
        Called with a line of progress now and then (e.g. ``print``).
    """
    dtypes = tuple(checks.one_of("dtypes", dtype, ("float32", "float64")) for dtype in dtypes)
    if not dtypes:
        raise ValueError("dtypes must hold at least one value")
    hidden, threads = _int_tuple("hidden", hidden), _int_tuple("threads", threads)
    repeats = checks.positive_int("repeats", repeats)
    batch_size = checks.positive_int("batch_size", batch_size)
    chunks = checks.positive_int("chunks", chunks)
    lr = checks.learning_rate(lr)
    if loop_batches is not None:
        loop_batches = checks.nonnegative_int("loop_batches", loop_batches)
    if thread_batches is not None:
        thread_batches = checks.positive_int("thread_batches", thread_batches)
    accuracy_epochs = checks.nonnegative_int("accuracy_epochs", accuracy_epochs)
    if use_torch is None:
        use_torch = torch_available()
    elif use_torch and not torch_available():
        raise RuntimeError("use_torch=True but PyTorch is not installed (see benchmarks/README.md)")
    say = log or (lambda line: None)
    if data is None:
        data = load_bench_data()
    if not data.has("test"):
        raise ValueError("the benchmark data need a test set (for the accuracy check)")
    X_train = checks.real_matrix("X_train", data.X_train)
    n, d = X_train.shape
    m = data.n_classes
    y = checks.labels("y_train", data.y_train, m, n=n)
    n_batches = math.ceil(n / batch_size)
    n_loop = n_batches if loop_batches is None else min(loop_batches, n_batches)
    n_thread = n_batches if thread_batches is None else min(thread_batches, n_batches)
    methods = [mt for mt in NUMPY_METHODS if mt != "loop" or n_loop > 0]
    if use_torch:
        methods += TORCH_METHODS
    config: dict[str, Any] = {
        "data": data.source,
        "n": n,
        "d": d,
        "m": m,
        "batch_size": batch_size,
        "n_batches": n_batches,
        "lr": lr,
        "dtypes": list(dtypes),
        "hidden": list(hidden),
        "threads": list(threads),
        "repeats": repeats,
        "chunks": chunks,
        "loop_batches": n_loop,
        "thread_batches": n_thread,
        "methods": methods,
        "seed": seed,
        "gflop": {str(d_h): epoch_gflop(n, d, d_h, m) for d_h in hidden},
        **_machine(),
    }
    if use_torch:
        import torch

        config["torch"] = torch.__version__

    started = time.perf_counter()
    X_by_dtype = {dtype: np.ascontiguousarray(X_train, dtype=dtype) for dtype in dtypes}
    timings: dict[tuple[str, str, int, int], Timing] = {}
    epochs: dict[tuple[str, str, int], Epoch] = {}
    for dtype in dtypes:
        for d_h in hidden:
            initial = MLP(d, d_h, m, seed=seed)  # float64 weights, cast for each method
            for method in methods:
                epochs[method, dtype, d_h] = make_epoch(
                    method, initial, X_by_dtype[dtype], y, batch_size, lr
                )
                for count in threads:
                    if count == threads[0] or method in THREAD_METHODS:
                        timed = n_loop if method == "loop" else n_batches
                        if count != threads[0]:
                            timed = n_thread
                        scaled = timed if timed < n_batches else None
                        key = (method, dtype, d_h, count)
                        timings[key] = Timing(method, dtype, d_h, count, scaled_from=scaled)

    rng = np.random.default_rng(seed)
    warm_order = rng.permutation(n)
    with _threads(threads[0], use_torch):
        for epoch in epochs.values():  # first calls load kernels, allocate buffers, fill caches
            epoch.run(warm_order, 0, 2)
    for repeat in range(repeats):
        order = rng.permutation(n)
        for dtype in dtypes:
            for d_h in hidden:
                for count in threads:
                    todo = [timings[key] for key in timings if key[1:] == (dtype, d_h, count)]
                    todo = todo[repeat % len(todo) :] + todo[: repeat % len(todo)]
                    timed = {id(t): t.scaled_from or n_batches for t in todo}
                    n_chunks = min(chunks, *timed.values())
                    seconds = dict.fromkeys(timed, 0.0)
                    with _threads(count, use_torch):
                        for chunk in range(n_chunks):  # each method does 1/n_chunks of its share
                            for timing in todo:
                                total = timed[id(timing)]
                                start = chunk * total // n_chunks
                                stop = (chunk + 1) * total // n_chunks
                                seconds[id(timing)] += epochs[timing.method, dtype, d_h].run(
                                    order, start, stop
                                )
                    for timing in todo:
                        scale = n_batches / timed[id(timing)]
                        timing.seconds.append(seconds[id(timing)] * scale)
        say(f"repetition {repeat + 1}/{repeats} done, {time.perf_counter() - started:.0f} s")

    accuracy: dict[str, float] = {}
    if accuracy_epochs:
        accuracy = _accuracy_check(
            data, accuracy_epochs, accuracy_d_h, batch_size, lr, seed, threads[0]
        )
        say(f"accuracy check done, {time.perf_counter() - started:.0f} s")
    config["accuracy_epochs"] = accuracy_epochs
    config["accuracy_d_h"] = accuracy_d_h
    config["total_seconds"] = time.perf_counter() - started
    result = BenchmarkResult(config, list(timings.values()), {}, accuracy)
    result.ratios = _ratios(result)
    return result


def _accuracy_check(
    data: Splits,
    epochs: int,
    d_h: int,
    batch_size: int,
    lr: float,
    seed: int,
    threads: int,
) -> dict[str, float]:
    """Test accuracy (percent) after ``epochs`` epochs in float32 and in float64, their gap
    ``|float32 - float64|`` and its standard error over the test examples
    (``gap_se_points``: the examples one network gets right and the other wrong, see
    ``mlp.paired_errors``), all in percent.

    Both networks start from the same float64 initial weights and see the examples in the
    same orders (``mlp.train.run_epoch``); only the precision of the arithmetic differs.
    """
    from mlp.paired_errors import compare_errors
    from mlp.train import run_epoch

    d, m = data.n_features, data.n_classes
    initial = MLP(d, d_h, m, seed=seed)
    accuracy: dict[str, float] = {}
    predictions = {}
    for dtype in ("float32", "float64"):
        net = MLP(d, d_h, m, seed=seed, dtype=dtype)
        for name, value in initial.params().items():
            getattr(net, name)[...] = value
        X = np.ascontiguousarray(data.X_train, dtype=dtype)
        rng = np.random.default_rng(seed + 1)
        with threadpool_limits(threads, user_api="blas"):
            for _ in range(epochs):
                run_epoch(net, X, data.y_train, batch_size=batch_size, lr=lr, rng=rng)
            predictions[dtype] = net.predict(data.X_test)
        accuracy[dtype] = 100 * float(np.mean(predictions[dtype] == data.y_test))
    accuracy["gap_points"] = abs(accuracy["float32"] - accuracy["float64"])
    gap = compare_errors(predictions["float32"], predictions["float64"], data.y_test)
    accuracy["gap_se_points"] = 100 * gap.standard_error
    return accuracy
