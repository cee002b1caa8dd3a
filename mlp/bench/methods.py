"""The methods the benchmark times: one training epoch each, run in parts on demand.

Every method trains its own copy of the same initial network on the same examples in the same
order (see ``mlp.bench``): ``loop``, ``fprop_bprop``, ``fused``, ``products`` (the five matrix
products alone), ``gather`` (only the copies of the minibatches' rows) and, when PyTorch is
installed, ``torch_autograd`` and ``torch_manual``.
"""

from __future__ import annotations

import gc
import importlib.util
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mlp.minibatches import minibatches
from mlp.network import MLP, LoopMLP, fprop_bprop_step

__all__ = [
    "METHODS",
    "NUMPY_METHODS",
    "THREAD_METHODS",
    "TORCH_METHODS",
    "Epoch",
    "GatherEpoch",
    "ProductsEpoch",
    "TorchEpoch",
    "make_epoch",
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


def torch_available() -> bool:
    """Whether PyTorch can be imported (without importing it)."""
    return importlib.util.find_spec("torch") is not None


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

    ``run(order, start, stop)`` performs minibatches ``start`` to ``stop - 1`` (of
    ``batch_size`` rows) of an epoch that visits the examples of ``X`` ``(n, d)``, ``y``
    ``(n,)`` in ``order`` and returns the seconds they took; ``params()`` gives the current
    parameters as numpy arrays. ``loop`` steps with ``LoopMLP``, ``fused`` with ``MLP``'s own
    step (the fused kernel), ``fprop_bprop`` with ``fprop_bprop_step`` on an ``MLP``.
    """

    def __init__(
        self,
        method: str,
        initial: MLP,
        X: NDArray,
        y: NDArray[np.intp],
        batch_size: int,
        lr: float,
    ) -> None:
        self.method, self.X, self.y, self.batch_size, self.lr = method, X, y, batch_size, lr
        cls = LoopMLP if method == "loop" else MLP
        self.net = cls(initial.d, initial.d_h, initial.m, dtype=X.dtype)
        for name, value in initial.params().items():
            getattr(self.net, name)[...] = value

    def batches(self, order: Any, start: int, stop: int) -> Iterator[Any]:
        """The index arrays of minibatches ``start`` to ``stop - 1`` of ``order``."""
        return minibatches(order, self.batch_size, start, stop)

    def params(self) -> dict[str, NDArray]:
        return {name: value.copy() for name, value in self.net.params().items()}

    def run(self, order: NDArray[np.intp], start: int, stop: int) -> float:
        X, y, lr, net = self.X, self.y, self.lr, self.net
        loss_sum = 0.0
        with _no_gc():
            tic = time.perf_counter()
            if self.method == "fprop_bprop":
                for batch in self.batches(order, start, stop):
                    loss_sum += fprop_bprop_step(net, X[batch], y[batch], lr)[0]
            else:
                for batch in self.batches(order, start, stop):
                    loss_sum += net.sgd_step_unchecked(X[batch], y[batch], lr)[0]
            seconds = time.perf_counter() - tic
        _check_finite(self.method, loss_sum, lr)
        return seconds


def _check_finite(method: str, loss_sum: float, lr: float) -> None:
    if not math.isfinite(loss_sum):
        raise FloatingPointError(f"{method}: the training loss diverged (lr={lr:g})")


class ProductsEpoch(Epoch):
    """Only the five matrix products of each minibatch, into preallocated arrays: the floor.

    They are the calls of ``mlp.fused.fused_sgd_step``, with the same shapes and memory
    layouts (the output layer transposed, ``(m, n)``). The parameters do not change; the
    gather of the minibatch's rows is not timed.
    """

    def __init__(
        self,
        method: str,
        initial: MLP,
        X: NDArray,
        y: NDArray[np.intp],
        batch_size: int,
        lr: float,
    ) -> None:
        super().__init__(method, initial, X, y, batch_size, lr)
        d_h, m, K = initial.d_h, initial.m, batch_size
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
                # one array plays ha and hs, another oa and grad_oa, a third grad_hs and grad_ha:
                # only the products are timed, not the elementwise steps between them
                hs, grad_oa, grad_ha, grad_W2, grad_W1 = self.outputs[len(batch)]
                tic = time.perf_counter()
                np.matmul(Xb, W1.T, out=hs)  # ha = X W1^T (+ b1)           (n, d_h)
                np.matmul(W2, hs.T, out=grad_oa)  # oa = W2 hs^T (+ b2)     (m, n)
                np.matmul(grad_oa, hs, out=grad_W2)  # grad_W2 = grad_oa^T hs  (m, d_h)
                np.matmul(grad_oa.T, W2, out=grad_ha)  # grad_hs = grad_oa W2  (n, d_h)
                np.matmul(grad_ha.T, Xb, out=grad_W1)  # grad_W1 = grad_ha^T X  (d_h, d)
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
        self,
        method: str,
        initial: MLP,
        X: NDArray,
        y: NDArray[np.intp],
        batch_size: int,
        lr: float,
    ) -> None:
        import torch

        super().__init__(method, initial, X, y, batch_size, lr)
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
    method: str, initial: MLP, X: NDArray, y: NDArray[np.intp], batch_size: int, lr: float
) -> Epoch:
    """The ``Epoch`` of ``method`` (a key of ``METHODS``), starting from ``initial``'s
    parameters cast to ``X``'s dtype."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {list(METHODS)}")
    special = {"products": ProductsEpoch, "gather": GatherEpoch}
    cls = {**special, **dict.fromkeys(TORCH_METHODS, TorchEpoch)}.get(method, Epoch)
    return cls(method, initial, X, y, batch_size, lr)
