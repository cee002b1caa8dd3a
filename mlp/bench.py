"""How long one training epoch takes: the loop, the matrix version, its products alone, PyTorch.

One epoch is one pass of minibatch SGD (K = 100 by default) over the 60,000 Fashion-MNIST
training images, d = 784 standardised pixels, m = 10 classes, in one random order of the
examples drawn per repetition and shared by every method. The methods timed:

``loop``
    ``LoopMLP``: ``fprop``/``bprop`` one example at a time, then the SGD update. It is slow,
    so by default only its first ``loop_batches`` minibatches are timed and the time is scaled
    to the whole epoch (the cost per minibatch is the same all along).
``fprop_bprop``
    ``MLP.fprop``, ``MLP.bprop`` and ``theta -= lr * grad``: the code the chapters show.
``fused``
    ``MLP.sgd_step``: the same formulas in one method that writes into buffers reused from one
    minibatch to the next (what ``mlp.train`` runs; tested equal to ``fprop_bprop``).
``products``
    The five matrix products of every minibatch alone (``X W1^T``, ``hs W2^T``,
    ``grad_oa^T hs``, ``grad_oa W2``, ``grad_ha^T X``), called exactly as ``fused`` calls
    them: the floor for these shapes with this BLAS, since any implementation has to compute
    them.
``gather``
    Only the copies ``X[batch]``, ``y[batch]`` of the minibatches' rows, which every step
    starts with: reading 60,000 rows in a random order is limited by the memory's speed.
``torch_autograd``, ``torch_manual``
    Only when PyTorch is installed: the same network in eager PyTorch, once with autograd and
    ``torch.optim.SGD``, once with the gradients of Part B written by hand.

Every method runs in every repetition, and within a repetition the methods take turns: each
epoch is cut into ``chunks`` consecutive parts and every method runs its first part, then
every method its second part, and so on (the order of the methods rotates from one
repetition to the next). A busy phase of the machine thus slows all methods alike: compare
figures of the same run, and prefer the *same-run ratios*, medians over the repetitions of
the ratio of two methods' times within one repetition. The BLAS library (and PyTorch) are
limited to each thread count in turn with ``threadpoolctl``; the counts after the first time
only ``fused`` and ``products``.

Finally the network is trained for ``accuracy_epochs`` epochs in float32 and in float64 from
the same initial weights and in the same orders, and their test accuracies are compared.

``run_benchmark`` returns a ``BenchmarkResult`` (``table()``, ``markdown()``, ``to_dict()``);
``python -m mlp bench`` prints the table and writes the JSON file.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_info, threadpool_limits

from mlp import __version__
from mlp.checks import finite_number, positive_int
from mlp.network import MLP, LoopMLP

__all__ = [
    "METHODS",
    "TARGETS",
    "BenchData",
    "BenchmarkResult",
    "Epoch",
    "GatherEpoch",
    "ProductsEpoch",
    "Timing",
    "TorchEpoch",
    "add_bench_command",
    "epoch_gflop",
    "load_bench_data",
    "make_epoch",
    "run_benchmark",
    "torch_available",
]

METHODS: dict[str, str] = {
    "loop": "loop",
    "fprop_bprop": "fprop/bprop",
    "fused": "fused",
    "products": "products",
    "gather": "gather",
    "torch_autograd": "torch autograd",
    "torch_manual": "torch by hand",
}
"""Method keys, in table order, with their column titles."""

NUMPY_METHODS = ("loop", "fprop_bprop", "fused", "products", "gather")
TORCH_METHODS = ("torch_autograd", "torch_manual")
THREAD_METHODS = ("fused", "products")
"""The methods also timed at the thread counts after the first."""

TARGETS: dict[str, tuple[str, float]] = {
    "fused/torch_autograd": ("fused step / PyTorch autograd + SGD", 0.8),
    "fused/torch_manual": ("fused step / PyTorch by hand", 1.0),
    "fused/products": ("fused step / its matrix products", 1.3),
}
"""Same-run ratios (float32, d_h = 100, first thread count) and the bound each should meet."""

ACCURACY_TARGET = 0.3
"""Largest acceptable gap, in percentage points, between float32 and float64 test accuracy."""


def torch_available() -> bool:
    """Whether PyTorch can be imported (without importing it)."""
    return importlib.util.find_spec("torch") is not None


def epoch_gflop(n: int, d: int, d_h: int, m: int) -> float:
    """Billions of floating-point operations in the five products of an epoch of n examples.

    Each product of an ``(a, b)`` and a ``(b, c)`` matrix costs 2 a b c: two products of size
    n d d_h (forward and grad_W1) and three of size n d_h m.
    """
    return 2 * n * (2 * d * d_h + 3 * d_h * m) / 1e9


# --- data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchData:
    """Training examples ``X_train`` ``(n, d)``, labels ``y_train`` ``(n,)`` in ``[0, m)``,
    and a test set for the accuracy comparison; ``description`` says where they come from.
    """

    X_train: NDArray[np.floating]
    y_train: NDArray[np.integer]
    X_test: NDArray[np.floating]
    y_test: NDArray[np.integer]
    description: str

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
            if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[0] == 0:
                raise ValueError(f"X_{split} must be a non-empty (n, d) array")
            if X.dtype.kind != "f" or not np.isfinite(X).all():
                raise ValueError(f"X_{split} must hold finite floating-point numbers")
            if (
                not isinstance(y, np.ndarray)
                or y.shape != (X.shape[0],)
                or y.dtype.kind not in "iu"
            ):
                raise ValueError(f"y_{split} must be ({X.shape[0]},) integer labels")
            if y.min() < 0:
                raise ValueError(f"y_{split} has negative labels")
        if self.X_test.shape[1] != self.X_train.shape[1]:
            raise ValueError("X_train and X_test must have the same number of columns")

    @property
    def m(self) -> int:
        """Number of classes, 1 + the largest label."""
        return int(max(self.y_train.max(), self.y_test.max())) + 1


def load_bench_data(
    data_dir: str | os.PathLike[str] | None = None, download: bool = True
) -> BenchData:
    """All 60,000 Fashion-MNIST training images and the 10,000 test images, float64.

    Pixels are scaled to [0, 1] and standardised with the mean and standard deviation of the
    training images (``Standardizer("global")``).
    """
    from mlp.data import Standardizer, load_fashion_mnist, scale01

    images, y_train = load_fashion_mnist(
        "train", flatten=True, data_dir=data_dir, download=download
    )
    test_images, y_test = load_fashion_mnist(
        "test", flatten=True, data_dir=data_dir, download=download
    )
    standardizer = Standardizer("global", dtype=np.float64)
    X_train = standardizer.fit_transform(scale01(images, np.float64))
    X_test = standardizer.transform(scale01(test_images, np.float64))
    return BenchData(X_train, y_train, X_test, y_test, "Fashion-MNIST, 60,000 training images")


# --- one epoch, timed, for each method ----------------------------------------------------


@contextmanager
def _no_gc() -> Iterator[None]:
    """Keep the garbage collector from running inside a timed section."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Epoch:
    """One method's training epoch, on its own copy of the initial parameters.

    ``run(order, start, stop)`` performs minibatches ``start`` to ``stop - 1`` (of ``K`` rows)
    of an epoch that visits the examples of ``X`` ``(n, d)``, ``y`` ``(n,)`` in ``order`` and
    returns the seconds they took; ``params()`` gives the current parameters as numpy arrays.
    """

    def __init__(
        self, method: str, initial: MLP, X: NDArray, y: NDArray[np.intp], K: int, lr: float
    ) -> None:
        self.method, self.X, self.y, self.K, self.lr = method, X, y, K, lr
        cls = LoopMLP if method == "loop" else MLP
        self.net = cls(initial.d, initial.d_h, initial.m, dtype=X.dtype)
        for name, value in initial.params().items():
            getattr(self.net, name)[...] = value

    def batches(self, order: Any, start: int, stop: int) -> Iterator[Any]:
        """The index arrays of minibatches ``start`` to ``stop - 1`` of ``order``."""
        for first in range(start * self.K, min(len(order), stop * self.K), self.K):
            yield order[first : first + self.K]

    def params(self) -> dict[str, NDArray]:
        return {name: value.copy() for name, value in self.net.params().items()}

    def run(self, order: NDArray[np.intp], start: int, stop: int) -> float:
        X, y, lr = self.X, self.y, self.lr
        step = self.net._fprop_bprop_step if self.method == "fprop_bprop" else self.net._sgd_step
        loss_sum = 0.0
        with _no_gc():
            tic = time.perf_counter()
            for batch in self.batches(order, start, stop):
                loss_sum += step(X[batch], y[batch], lr)[0]
            seconds = time.perf_counter() - tic
        _check_finite(self.method, loss_sum, lr)
        return seconds


def _check_finite(method: str, loss_sum: float, lr: float) -> None:
    if not math.isfinite(loss_sum):
        raise FloatingPointError(f"{method}: the training loss diverged (lr={lr:g})")


class ProductsEpoch(Epoch):
    """Only the five matrix products of each minibatch, into preallocated arrays: the floor.

    They are the calls of ``MLP._fused_sgd_step``, with the same shapes and memory layouts
    (the output layer transposed, ``(m, n)``). The parameters do not change; the gather of
    the minibatch's rows is not timed.
    """

    def __init__(
        self, method: str, initial: MLP, X: NDArray, y: NDArray[np.intp], K: int, lr: float
    ) -> None:
        super().__init__(method, initial, X, y, K, lr)
        d_h, m = initial.d_h, initial.m
        self.outputs = {n: self._outputs(n, d_h, m, X.dtype) for n in {K, len(y) % K or K}}

    def _outputs(self, n: int, d_h: int, m: int, dtype: Any) -> list[NDArray]:
        shapes = ((n, d_h), (m, n), (n, d_h))
        return [np.empty(shape, dtype) for shape in shapes] + [
            np.empty_like(self.net.W2),
            np.empty_like(self.net.W1),
        ]

    def run(self, order: NDArray[np.intp], start: int, stop: int) -> float:
        X, W1, W2 = self.X, self.net.W1, self.net.W2
        seconds = 0.0
        with _no_gc():
            for batch in self.batches(order, start, stop):
                Xb = X[batch]
                ha, oa, grad_hs, grad_W2, grad_W1 = self.outputs[len(batch)]
                tic = time.perf_counter()
                np.matmul(Xb, W1.T, out=ha)  # ha = X W1^T (+ b1)          (n, d_h)
                np.matmul(W2, ha.T, out=oa)  # oa = W2 hs^T (+ b2)         (m, n)
                np.matmul(oa, ha, out=grad_W2)  # grad_W2 = grad_oa^T hs   (m, d_h)
                np.matmul(oa.T, W2, out=grad_hs)  # grad_hs = grad_oa W2   (n, d_h)
                np.matmul(grad_hs.T, Xb, out=grad_W1)  # grad_W1 = grad_ha^T X  (d_h, d)
                seconds += time.perf_counter() - tic
        return seconds


class GatherEpoch(Epoch):
    """Only the copies of the minibatches' rows, ``X[batch]`` and ``y[batch]``."""

    def run(self, order: NDArray[np.intp], start: int, stop: int) -> float:
        X, y = self.X, self.y
        with _no_gc():
            tic = time.perf_counter()
            for batch in self.batches(order, start, stop):
                X[batch], y[batch]
            return time.perf_counter() - tic


class TorchEpoch(Epoch):
    """The same epoch in eager PyTorch: ``torch_autograd`` (``nn.Linear`` layers, autograd,
    ``torch.optim.SGD``) or ``torch_manual`` (the gradients of Part B written by hand).
    """

    def __init__(
        self, method: str, initial: MLP, X: NDArray, y: NDArray[np.intp], K: int, lr: float
    ) -> None:
        import torch

        super().__init__(method, initial, X, y, K, lr)
        self.Xt, self.yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
        self.tensors = [torch.from_numpy(p.copy()) for p in self.net.params().values()]
        if method == "torch_autograd":
            dtype = self.tensors[0].dtype
            self.model = torch.nn.Sequential(
                torch.nn.Linear(initial.d, initial.d_h, dtype=dtype),
                torch.nn.ReLU(),
                torch.nn.Linear(initial.d_h, initial.m, dtype=dtype),
            )
            self.tensors = list(self.model.parameters())  # W1, b1, W2, b2 in this order
            with torch.no_grad():
                for tensor, value in zip(self.tensors, self.net.params().values(), strict=True):
                    tensor.copy_(torch.from_numpy(value))
            self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr)

    def params(self) -> dict[str, NDArray]:
        names = self.net.params()
        return {n: t.detach().numpy().copy() for n, t in zip(names, self.tensors, strict=True)}

    def _autograd_step(self, Xb: Any, yb: Any) -> float:
        import torch.nn.functional as F

        loss = F.cross_entropy(self.model(Xb), yb)  # mean of L over the minibatch
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item() * len(yb)

    def _manual_step(self, Xb: Any, yb: Any) -> float:
        import torch
        import torch.nn.functional as F

        W1, b1, W2, b2 = self.tensors
        n = len(yb)
        rows = torch.arange(n)
        ha = F.linear(Xb, W1, b1)  # B1
        hs = torch.relu(ha)
        oa = F.linear(hs, W2, b2)  # B2
        log_os = torch.log_softmax(oa, dim=1)  # B3, B4
        loss_sum = -log_os[rows, yb].sum().item()
        grad_oa = log_os.exp_()  # B8: (os - onehot(y)) / n
        grad_oa[rows, yb] -= 1
        grad_oa /= n
        grad_W2 = grad_oa.T @ hs  # B10
        grad_b2 = grad_oa.sum(dim=0)
        grad_hs = grad_oa @ W2  # B12
        grad_ha = grad_hs * (ha > 0)  # B14
        grad_W1 = grad_ha.T @ Xb  # B16
        grad_b1 = grad_ha.sum(dim=0)
        for theta, grad in ((W1, grad_W1), (b1, grad_b1), (W2, grad_W2), (b2, grad_b2)):
            theta.sub_(grad, alpha=self.lr)
        return loss_sum

    def run(self, order: NDArray[np.intp], start: int, stop: int) -> float:
        import torch

        step = self._autograd_step if self.method == "torch_autograd" else self._manual_step
        Xt, yt = self.Xt, self.yt
        order_t = torch.from_numpy(order.astype(np.int64))
        loss_sum = 0.0
        with _no_gc(), torch.set_grad_enabled(self.method == "torch_autograd"):
            tic = time.perf_counter()
            for batch in self.batches(order_t, start, stop):
                loss_sum += step(Xt.index_select(0, batch), yt.index_select(0, batch))
            seconds = time.perf_counter() - tic
        _check_finite(self.method, loss_sum, self.lr)
        return seconds


def make_epoch(
    method: str, initial: MLP, X: NDArray, y: NDArray[np.intp], K: int, lr: float
) -> Epoch:
    """The ``Epoch`` of ``method`` (a key of ``METHODS``), starting from ``initial``'s
    parameters cast to ``X``'s dtype."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {list(METHODS)}")
    special = {"products": ProductsEpoch, "gather": GatherEpoch}
    cls = {**special, **dict.fromkeys(TORCH_METHODS, TorchEpoch)}.get(method, Epoch)
    return cls(method, initial, X, y, K, lr)


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


# --- results ------------------------------------------------------------------------------


@dataclass
class Timing:
    """The epoch times of one method in one configuration, one per repetition.

    ``scaled_from`` is the number of minibatches actually timed when the epoch's time was
    scaled up from them (``loop``), else ``None``.
    """

    method: str
    dtype: str
    d_h: int
    threads: int
    seconds: list[float] = field(default_factory=list)
    scaled_from: int | None = None

    @property
    def median(self) -> float:
        """Median over the repetitions, in seconds."""
        return float(np.median(self.seconds))

    def key(self) -> tuple[str, str, int, int]:
        return self.method, self.dtype, self.d_h, self.threads


@dataclass
class BenchmarkResult:
    """What ``run_benchmark`` measured.

    ``config`` describes the run (sizes, repetitions, versions, machine); ``timings`` holds
    every ``Timing``; ``ratios`` maps ``"dtype d_h"`` to same-run ratios such as
    ``"fused/products"`` (median over repetitions of the ratio within each repetition);
    ``accuracy`` holds the float32/float64 test accuracies (percent) after
    ``config["accuracy_epochs"]`` epochs, or is empty.
    """

    config: dict[str, Any]
    timings: list[Timing]
    ratios: dict[str, dict[str, float]]
    accuracy: dict[str, float]

    def timing(
        self, method: str, dtype: str, d_h: int, threads: int | None = None
    ) -> Timing | None:
        """The ``Timing`` of ``method`` in that configuration (first thread count by default)."""
        threads = self.config["threads"][0] if threads is None else threads
        for timing in self.timings:
            if timing.key() == (method, dtype, d_h, threads):
                return timing
        return None

    def methods(self) -> list[str]:
        """The methods that were timed, in table order."""
        timed = {timing.method for timing in self.timings}
        return [method for method in METHODS if method in timed]

    def configurations(self) -> list[tuple[str, int]]:
        """``(dtype, d_h)`` pairs in the order they were run."""
        return [(dtype, d_h) for dtype in self.config["dtypes"] for d_h in self.config["hidden"]]

    def target_checks(self) -> list[tuple[str, float, float, bool]]:
        """``(description, measured, bound, met)`` for every target that was measured."""
        checks = []
        ratios = self.ratios.get("float32 100", {})
        for name, (description, bound) in TARGETS.items():
            if name in ratios:
                checks.append((description, ratios[name], bound, ratios[name] <= bound))
        if self.accuracy:
            gap = self.accuracy["gap_points"]
            epochs = self.config["accuracy_epochs"]
            description = f"|float32 - float64| test accuracy after {epochs} epoch(s), points"
            checks.append((description, gap, ACCURACY_TARGET, gap <= ACCURACY_TARGET))
        return checks

    # --- tables -------------------------------------------------------------------------

    def _column_titles(self) -> list[str]:
        return [f"{dtype} d_h={d_h}" for dtype, d_h in self.configurations()]

    def _seconds_rows(self) -> tuple[list[str], list[list[str]]]:
        """One row per method (and per extra thread count), one column per configuration."""
        first, others = self.config["threads"][0], self.config["threads"][1:]
        methods = self.methods()
        keys = [(method, first) for method in methods]
        keys += [(m, t) for t in others for m in THREAD_METHODS if m in methods]
        rows = []
        for method, threads in keys:
            title = METHODS[method] if threads == first else f"{METHODS[method]}, {threads} thr"
            cells = [
                self.timing(method, dtype, d_h, threads) for dtype, d_h in self.configurations()
            ]
            rows.append([title, *(_seconds_text(cell) for cell in cells)])
        return ["seconds per epoch", *self._column_titles()], rows

    def _ratio_rows(self) -> tuple[list[str], list[list[str]]]:
        """One row per same-run ratio, one column per configuration."""
        names = list(dict.fromkeys(name for ratios in self.ratios.values() for name in ratios))
        rows = []
        for name in names:
            cells = [
                self.ratios.get(f"{dtype} {d_h}", {}).get(name)
                for dtype, d_h in self.configurations()
            ]
            rows.append([_ratio_title(name), *("-" if c is None else f"{c:.2f}" for c in cells)])
        return ["same-run ratio", *self._column_titles()], rows

    def table(self) -> str:
        """The seconds and the same-run ratios as plain-text tables, with notes."""
        lines = [_text_table(*self._seconds_rows()), ""]
        if self.ratios:
            lines += [
                "Same-run ratios: medians over the repetitions of the ratio of two times",
                _text_table(*self._ratio_rows()),
                "",
            ]
        lines += self.notes()
        checks = self.target_checks()
        if checks:
            lines += ["", "Targets (float32, d_h = 100):"]
            for description, measured, bound, met in checks:
                verdict = "met" if met else "NOT met"
                lines.append(f"  {description}: {measured:.2f} (target <= {bound:g}) {verdict}")
        return "\n".join(lines)

    def markdown(self) -> str:
        """The seconds table and the ratio table as Markdown (pipe tables)."""
        parts = [_markdown_table(*self._seconds_rows())]
        if self.ratios:
            parts.append(_markdown_table(*self._ratio_rows()))
        return "\n\n".join(parts)

    def markdown_seconds(self) -> str:
        """The seconds table alone, as Markdown."""
        return _markdown_table(*self._seconds_rows())

    def markdown_ratios(self) -> str:
        """The same-run ratio table alone, as Markdown."""
        return _markdown_table(*self._ratio_rows())

    def notes(self) -> list[str]:
        """Lines that explain the tables."""
        config = self.config
        notes = [
            f"One epoch: {config['n']} examples, minibatches of K = {config['batch_size']} "
            f"({config['n_batches']} steps), d = {config['d']}, m = {config['m']}, "
            f"lr = {config['lr']:g}.",
            f"Seconds: median of {config['repeats']} interleaved repetitions, "
            f"{config['threads'][0]} BLAS thread(s) unless the row says otherwise.",
        ]
        first = config["threads"][0]
        loop = next((t for t in self.timings if t.method == "loop"), None)
        if loop is not None and loop.scaled_from is not None:
            notes.append(f"loop: first {loop.scaled_from} minibatches timed, scaled to the epoch.")
        other = next((t for t in self.timings if t.threads != first and t.scaled_from), None)
        if other is not None:
            notes.append(
                f"Rows with other thread counts: first {other.scaled_from} minibatches timed, "
                "scaled to the epoch."
            )
        if "products" in self.methods():
            gflop = ", ".join(f"{v:.1f} GFLOP at d_h = {k}" for k, v in config["gflop"].items())
            notes.append(f"products: the five matrix products alone, per epoch {gflop}.")
        if self.accuracy:
            notes.append(
                f"Test accuracy after {config['accuracy_epochs']} epoch(s) (d_h = "
                f"{config['accuracy_d_h']}): float32 {self.accuracy['float32']:.2f}%, float64 "
                f"{self.accuracy['float64']:.2f}%, gap {self.accuracy['gap_points']:.2f} points."
            )
        return notes

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready: config, raw and median seconds, ratios, accuracy, targets."""
        return {
            "config": self.config,
            "timings": [
                {
                    "method": t.method,
                    "dtype": t.dtype,
                    "d_h": t.d_h,
                    "threads": t.threads,
                    "median_seconds": t.median,
                    "seconds": t.seconds,
                    "scaled_from_batches": t.scaled_from,
                }
                for t in self.timings
            ],
            "ratios": self.ratios,
            "accuracy": self.accuracy,
            "targets": [
                {"what": what, "measured": measured, "bound": bound, "met": met}
                for what, measured, bound, met in self.target_checks()
            ],
        }

    def write_json(self, path: str | os.PathLike[str]) -> Path:
        """Write ``to_dict()`` as indented JSON; return the path."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        return path


def _seconds_text(timing: Timing | None) -> str:
    if timing is None:
        return "-"
    value = timing.median
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if value >= 1 else f"{value:.3f}" if value >= 0.01 else f"{value:.1e}"


def _ratio_title(name: str) -> str:
    if name.startswith("threads "):
        return f"fused {name.split()[1]} thr / {name.split()[2]} thr"
    a, b = name.split("/")
    if "+" in b:
        return f"{METHODS[a]} / ({' + '.join(METHODS[part] for part in b.split('+'))})"
    return f"{METHODS[a]} / {METHODS[b]}"


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell: the first left-aligned, the numbers right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            [
                row[0].ljust(widths[0]),
                *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
            ]
        )
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|:---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


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
    values = tuple(positive_int(name, v) for v in values)
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
    data: BenchData | None = None,
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
        The examples (default: ``load_bench_data()``, the real Fashion-MNIST).
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
    dtypes = tuple(dtypes)
    for dtype in dtypes:
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtypes must be 'float32' or 'float64', got {dtype!r}")
    if not dtypes:
        raise ValueError("dtypes must hold at least one value")
    hidden, threads = _int_tuple("hidden", hidden), _int_tuple("threads", threads)
    repeats, batch_size = positive_int("repeats", repeats), positive_int("batch_size", batch_size)
    chunks = positive_int("chunks", chunks)
    finite_number("lr", lr, positive=True)
    if loop_batches is not None and (not isinstance(loop_batches, int) or loop_batches < 0):
        raise ValueError(f"loop_batches must be None or an integer >= 0, got {loop_batches!r}")
    if thread_batches is not None:
        thread_batches = positive_int("thread_batches", thread_batches)
    if (
        isinstance(accuracy_epochs, bool)
        or not isinstance(accuracy_epochs, int)
        or accuracy_epochs < 0
    ):
        raise ValueError(f"accuracy_epochs must be an integer >= 0, got {accuracy_epochs!r}")
    if use_torch is None:
        use_torch = torch_available()
    elif use_torch and not torch_available():
        raise RuntimeError("use_torch=True but PyTorch is not installed (see benchmarks/README.md)")
    say = log or (lambda line: None)
    if data is None:
        data = load_bench_data()

    n, d = data.X_train.shape
    m = data.m
    y = data.y_train.astype(np.intp)
    n_batches = math.ceil(n / batch_size)
    n_loop = n_batches if loop_batches is None else min(loop_batches, n_batches)
    n_thread = n_batches if thread_batches is None else min(thread_batches, n_batches)
    methods = [mt for mt in NUMPY_METHODS if mt != "loop" or n_loop > 0]
    if use_torch:
        methods += TORCH_METHODS
    config: dict[str, Any] = {
        "data": data.description,
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
    X_by_dtype = {dtype: np.ascontiguousarray(data.X_train, dtype=dtype) for dtype in dtypes}
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
    data: BenchData,
    epochs: int,
    d_h: int,
    batch_size: int,
    lr: float,
    seed: int,
    threads: int,
) -> dict[str, float]:
    """Test accuracy (percent) after ``epochs`` epochs in float32 and in float64.

    Both networks start from the same float64 initial weights and see the examples in the
    same orders; only the precision of the arithmetic differs.
    """
    n, d = data.X_train.shape
    initial = MLP(d, d_h, data.m, seed=seed)
    y = data.y_train.astype(np.intp)
    accuracy: dict[str, float] = {}
    for dtype in ("float32", "float64"):
        net = MLP(d, d_h, data.m, seed=seed, dtype=dtype)
        for name, value in initial.params().items():
            getattr(net, name)[...] = value
        X = np.ascontiguousarray(data.X_train, dtype=dtype)
        rng = np.random.default_rng(seed + 1)
        with threadpool_limits(threads, user_api="blas"):
            for _ in range(epochs):
                order = rng.permutation(n)
                for start in range(0, n, batch_size):
                    batch = order[start : start + batch_size]
                    net._sgd_step(X[batch], y[batch], lr)
            predictions = net.predict(data.X_test.astype(dtype))
        accuracy[dtype] = 100 * float(np.mean(predictions == data.y_test))
    accuracy["gap_points"] = abs(accuracy["float32"] - accuracy["float64"])
    return accuracy


# --- command line ------------------------------------------------------------------------


def _int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected integers separated by commas, got {text!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def _loop_batches(text: str) -> int | None:
    if text == "all":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer >= 0 or 'all', got {text!r}"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0 or 'all', got {text!r}")
    return value


def _thread_batches(text: str) -> int | None:
    value = _loop_batches(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected an integer >= 1 or 'all', got 0")
    return value


def add_bench_command(subparsers: argparse._SubParsersAction) -> None:
    """Register ``mlp bench``."""
    from mlp.cli import add_command

    summary = "time one training epoch: loop, matrix, its products alone, PyTorch"
    parser = add_command(
        subparsers,
        "bench",
        summary,
        (
            "Every method runs in every repetition, interleaved; prints median "
            "seconds and same-run ratios and writes them, with the raw times, to a JSON file. "
            "PyTorch is timed when it is installed (see benchmarks/README.md)."
        ),
    )
    _add_bench_options(parser)
    parser.set_defaults(func=run_bench)


def _add_bench_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=3, help="repetitions of every timing")
    parser.add_argument(
        "--dtypes", default="float32,float64", help="comma-separated: float32, float64"
    )
    parser.add_argument(
        "--hidden", type=_int_list, default="100,256", help="d_h values, e.g. 100,256"
    )
    parser.add_argument(
        "--threads",
        type=_int_list,
        default="1,2",
        help="BLAS thread counts; all methods run at the first, fused and products at all",
    )
    parser.add_argument("--batch-size", type=int, default=100, help="minibatch size K")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate of the SGD steps")
    parser.add_argument(
        "--loop-batches",
        type=_loop_batches,
        default=10,
        metavar="N",
        help="minibatches of the loop version to time, scaled to the epoch ('all': whole "
        "epochs, 0: skip the loop)",
    )
    parser.add_argument(
        "--thread-batches",
        type=_thread_batches,
        default=100,
        metavar="N",
        help="minibatches timed at the thread counts after the first, scaled to the epoch "
        "('all': whole epochs)",
    )
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument(
        "--accuracy-epochs",
        type=int,
        default=10,
        help="epochs of the float32 versus float64 accuracy check (0: skip it)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and orders")
    parser.add_argument(
        "--json", metavar="PATH", default="mlp-bench.json", help="where to write the results"
    )
    parser.add_argument("--no-json", action="store_true", help="do not write the JSON file")
    parser.add_argument("--data-dir", metavar="DIR", default=None, help="where to look first")
    parser.add_argument("--no-download", action="store_true", help="use local files only")


def run_bench(args: argparse.Namespace) -> int:
    """``mlp bench``: run the benchmark, print the tables, write the JSON file."""
    dtypes = [part.strip() for part in args.dtypes.split(",") if part.strip()]
    data = load_bench_data(args.data_dir, download=not args.no_download)
    print(
        f"{data.description}; PyTorch: {'no' if args.no_torch or not torch_available() else 'yes'}"
    )
    result = run_benchmark(
        data,
        dtypes=dtypes,
        hidden=args.hidden,
        threads=args.threads,
        repeats=args.repeats,
        batch_size=args.batch_size,
        lr=args.lr,
        loop_batches=args.loop_batches,
        thread_batches=args.thread_batches,
        use_torch=False if args.no_torch else None,
        accuracy_epochs=args.accuracy_epochs,
        seed=args.seed,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(result.table())
    if not args.no_json:
        print(f"wrote {result.write_json(args.json)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mlp.bench [options]``: the same as ``python -m mlp bench``."""
    from mlp.cli import HelpFormat

    parser = argparse.ArgumentParser(
        prog="python -m mlp.bench", description=__doc__.splitlines()[0], formatter_class=HelpFormat
    )
    _add_bench_options(parser)
    return run_bench(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
