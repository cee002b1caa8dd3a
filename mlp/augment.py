"""Data augmentation by pixel shifts: each training image moved by a few whole pixels.

An image of ``h x w`` pixels is stored as a row of ``d = h w`` values, row by row (as the IDX
files store it). Shifting it by ``(dy, dx)`` moves the pixel at row ``i``, column ``j`` to
``(i + dy, j + dx)``: down and to the right for positive values. Pixels pushed past an edge
are lost; the pixels that come in at the opposite edge are *background*, ``fill``. For
images scaled to [0, 1] the background is 0; after standardisation it is what 0 became,
``background(splits)``. With the ``"global"`` standardisation (one mean, one scale) a shifted
image is then exactly the shifted raw image, standardised; with ``"pixel"`` the background is
right but a moved pixel keeps the value standardised at its former position.

``PixelShifts(max_shift, shape, fill)`` draws a shift per image, each of ``dy`` and ``dx``
uniform among the integers ``-max_shift .. max_shift`` (the unshifted image included), so that
every epoch sees other versions of the training images (Simard, Steinkraus and Platt 2003).
``mlp.train.train(..., shift=s)`` applies it to each training minibatch, never to the
validation or test data. A shift changes the input a step sees, not how the step computes
its gradient: ``fprop`` and ``bprop`` run unchanged on the shifted minibatch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mlp import checks
from mlp.data.splits import Splits

__all__ = ["PixelShifts", "background", "shift_images", "square_shape"]


def square_shape(d: int) -> tuple[int, int]:
    """``(h, h)`` with ``h * h == d``: the shape of square images of ``d`` pixels."""
    d = checks.positive_int("d", d)
    side = math.isqrt(d)
    if side * side != d:
        raise ValueError(
            f"d must be the number of pixels of a square image, got {d} "
            "(pixel shifts apply to image data sets only)"
        )
    return side, side


def _fill_image(fill: ArrayLike, shape: tuple[int, int], dtype: np.dtype) -> NDArray:
    """``fill`` as an ``(h, w)`` image: a number, or one value per pixel (``(h w,)``)."""
    values = np.asarray(fill, dtype=dtype)
    if values.ndim == 0:
        return np.full(shape, values, dtype=dtype)
    if values.shape != (shape[0] * shape[1],):
        raise ValueError(
            f"fill must be a number or hold one value per pixel, shape ({shape[0] * shape[1]},), "
            f"got shape {values.shape}"
        )
    return values.reshape(shape)


def shift_images(
    X: ArrayLike,
    dy: ArrayLike,
    dx: ArrayLike,
    *,
    shape: tuple[int, int],
    fill: ArrayLike = 0.0,
) -> NDArray[np.floating]:
    """The images of ``X`` ``(n, h w)`` moved by whole pixels: row ``k`` by ``(dy[k], dx[k])``.

    ``dy`` and ``dx`` are integers (one per image, or one for all); ``fill`` is the value of
    the pixels that come in, a number or one value per pixel position ``(h w,)``. Returns a
    new ``(n, h w)`` array of the dtype of ``X`` (floats); ``X`` is not modified.
    """
    X = checks.real_matrix("X", X)
    h, w = shape
    n = X.shape[0]
    if X.shape[1] != h * w:
        raise ValueError(f"X must have {h * w} columns for images of shape {shape}, got {X.shape}")
    dy, dx = (np.broadcast_to(np.asarray(v), (n,)) for v in (dy, dx))
    for name, v in (("dy", dy), ("dx", dx)):
        if v.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integers (whole pixels), got dtype {v.dtype}")
    images = X.reshape(n, h, w)
    shifted = np.empty_like(images)
    shifted[...] = _fill_image(fill, (h, w), X.dtype)
    # the images moved by the same (a, b) are copied together: sort them by their move
    dy, dx = np.clip(dy, -h, h), np.clip(dx, -w, w)  # beyond, the image is all background
    codes = (dy + h) * (2 * w + 1) + (dx + w)
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.diff(codes[order], prepend=-1))
    for start, stop in zip(starts.tolist(), [*starts[1:].tolist(), n], strict=True):
        rows = order[start:stop]
        a, b = int(dy[rows[0]]), int(dx[rows[0]])
        source = (rows, slice(max(0, -a), h - max(0, a)), slice(max(0, -b), w - max(0, b)))
        target = (rows, slice(max(0, a), h - max(0, -a)), slice(max(0, b), w - max(0, -b)))
        shifted[target] = images[source]
    return shifted.reshape(n, h * w)


def background(splits: Splits) -> NDArray[np.floating] | float:
    """The value of a background pixel (0 in the raw images) as ``splits`` stores it.

    0 when the pixels are only scaled to [0, 1]; with a ``standardizer``, the standardised
    value of a zero pixel, one per pixel position ``(d,)`` (all equal for ``"global"``).
    """
    if splits.standardizer is None:
        return 0.0
    return splits.standardizer.transform(np.zeros((1, splits.n_features)))[0]


@dataclass(frozen=True, eq=False)
class PixelShifts:
    """Random shifts of images by up to ``max_shift`` pixels along each axis.

    ``shifts(X, rng)`` moves each row of ``X`` ``(n, h w)`` by ``(dy, dx)`` drawn from
    ``rng``, each uniform among ``-max_shift .. max_shift``; ``shape`` is ``(h, w)`` and
    ``fill`` the background (see ``shift_images``).
    """

    max_shift: int
    shape: tuple[int, int]
    fill: ArrayLike = 0.0

    def __post_init__(self) -> None:
        checks.positive_int("max_shift", self.max_shift)
        h, w = (checks.positive_int("shape", v) for v in self.shape)
        if self.max_shift >= min(h, w):
            raise ValueError(
                f"max_shift must be smaller than the image ({h} x {w}), got {self.max_shift}"
            )

    @classmethod
    def for_splits(cls, splits: Splits, max_shift: int) -> PixelShifts:
        """Shifts of the square images of ``splits``, whose background is ``background(splits)``."""
        return cls(max_shift, square_shape(splits.n_features), background(splits))

    def __call__(self, X: NDArray, rng: np.random.Generator) -> NDArray[np.floating]:
        """``X`` ``(n, h w)`` with each image moved by its own random shift (a new array)."""
        dy, dx = rng.integers(-self.max_shift, self.max_shift + 1, size=(2, len(X)))
        return shift_images(X, dy, dx, shape=self.shape, fill=self.fill)
