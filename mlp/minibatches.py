"""Minibatches: an epoch's order of the examples, cut into consecutive index arrays.

Every training loop of the package (``mlp.train``, ``mlp.layers.fit``, the lab's linear
classifier, the benchmark) visits the examples through this one function.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from mlp import checks

__all__ = ["minibatches"]


def minibatches(
    order: NDArray[np.intp], batch_size: int, start: int = 0, stop: int | None = None
) -> Iterator[NDArray[np.intp]]:
    """The minibatches ``start`` to ``stop - 1`` (all by default) of an epoch visiting ``order``.

    Minibatch k holds ``order[k K : (k + 1) K]`` with K = ``batch_size``; the last one is
    smaller when K does not divide ``len(order)``. An epoch of SGD over n examples is
    ``minibatches(rng.permutation(n), K)``.
    """
    batch_size = checks.positive_int("batch_size", batch_size)
    end = len(order) if stop is None else min(len(order), stop * batch_size)
    for first in range(start * batch_size, end, batch_size):
        yield order[first : first + batch_size]
