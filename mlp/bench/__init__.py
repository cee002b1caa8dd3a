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

Submodules: ``mlp.bench.methods`` (one timed epoch per method), ``mlp.bench.results`` (the
timings, same-run ratios, tables and targets), ``mlp.bench.run`` (the interleaved run and the
float32/float64 accuracy check), ``mlp.bench.lines`` (the time of each statement of chosen
functions, which C6 uses to show where the loop's time goes), ``mlp.bench.kernels`` (small
statements timed side by side, and whether each is bound by moving data or by computing).
Everything public is importable from ``mlp.bench``.
"""

from __future__ import annotations

from mlp.bench.kernels import BOUND_RULE, SideBySide, bound_by, time_side_by_side
from mlp.bench.lines import LineProfile, LineTime, profile_lines
from mlp.bench.methods import (
    METHODS,
    NUMPY_METHODS,
    THREAD_METHODS,
    TORCH_METHODS,
    Epoch,
    GatherEpoch,
    ProductsEpoch,
    TorchEpoch,
    make_epoch,
    torch_available,
)
from mlp.bench.results import (
    ACCURACY_TARGET,
    SPEED_BAND,
    SPEED_RULE,
    TARGETS,
    BenchmarkResult,
    Timing,
    epoch_gflop,
    epoch_speed_words,
)
from mlp.bench.run import load_bench_data, run_benchmark

__all__ = [
    "ACCURACY_TARGET",
    "BOUND_RULE",
    "METHODS",
    "NUMPY_METHODS",
    "SPEED_BAND",
    "SPEED_RULE",
    "TARGETS",
    "THREAD_METHODS",
    "TORCH_METHODS",
    "BenchmarkResult",
    "Epoch",
    "GatherEpoch",
    "LineProfile",
    "LineTime",
    "ProductsEpoch",
    "SideBySide",
    "Timing",
    "TorchEpoch",
    "bound_by",
    "epoch_gflop",
    "epoch_speed_words",
    "load_bench_data",
    "make_epoch",
    "profile_lines",
    "run_benchmark",
    "time_side_by_side",
    "torch_available",
]
