"""Figures of the practical part: decision regions, learning curves, image grids, confusions.

Every function returns a matplotlib ``Figure`` (or draws on the ``Axes`` it is given), so a
notebook displays it and a script saves it with ``figure.savefig``. Colours are from the
Okabe-Ito palette, which stays distinguishable for colour-blind readers and in greyscale:
train, validation and test are always blue, orange and green.

On Linux without a display (and no ``MPLBACKEND`` chosen), importing this module selects the
non-interactive Agg backend, so scripts and the command line never need a screen.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import matplotlib
import numpy as np
from numpy.typing import ArrayLike, NDArray

if (
    sys.platform.startswith("linux")
    and not os.environ.get("MPLBACKEND")
    and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
):
    matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from mlp import checks

__all__ = [
    "CLASS_COLORS",
    "SPLIT_COLORS",
    "confusion_matrix",
    "decision_region_grid",
    "plot_confusion_matrix",
    "plot_decision_regions",
    "plot_image_grid",
    "plot_image_rows",
    "plot_learning_curves",
    "plot_misclassified",
    "plot_signed_rows",
]

SPLIT_COLORS = {"train": "#0072B2", "valid": "#E69F00", "test": "#009E73"}
"""Line colour of each split in learning curves (blue, orange, green)."""

CLASS_COLORS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#999999",
    "#882255",
)
"""Colour of class k in scatter plots and decision regions."""

_SPLIT_LABELS = {"train": "train", "valid": "validation", "test": "test"}


class _Classifier(Protocol):
    d: int
    m: int

    def predict_proba(self, X: ArrayLike) -> NDArray[np.floating]: ...


class _HasColumns(Protocol):
    def column(self, name: str) -> NDArray[np.float64]: ...


# --- decision regions ---------------------------------------------------------------------------


def _limits(X: NDArray, margin: float) -> tuple[float, float, float, float]:
    """A square-ish box around the points of ``X`` ``(n, 2)``, enlarged by ``margin``."""
    low, high = X.min(axis=0), X.max(axis=0)
    pad = margin * (high - low).max()
    return low[0] - pad, high[0] + pad, low[1] - pad, high[1] + pad


def _check_2d(net: _Classifier, X: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray]:
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or getattr(net, "d", 2) != 2:
        raise ValueError(f"decision regions need 2-D inputs: X must be (n, 2), got {X.shape}")
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},) to match X, got {y.shape}")
    return X, y


def plot_decision_regions(
    net: _Classifier,
    X: ArrayLike,
    y: ArrayLike,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    note: str | None = None,
    limits: tuple[float, float, float, float] | None = None,
    resolution: int = 200,
) -> Axes:
    """Shade the class the network predicts over the plane and scatter the points on top.

    ``X`` is ``(n, 2)`` and ``y`` ``(n,)``. With two classes the shade is the probability of
    class 1 (white at 1/2) and the decision boundary os_1 = 1/2 is drawn in black; with more
    classes each region gets its class colour. ``note`` is written under the panel (e.g. the
    errors), ``limits`` = ``(x_min, x_max, y_min, y_max)`` (default: the points plus a margin).
    """
    X, y = _check_2d(net, X, y)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4), layout="constrained")
    x_min, x_max, y_min, y_max = limits if limits is not None else _limits(X, 0.08)
    u, v = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    grid = np.column_stack([u.ravel(), v.ravel()]).astype(getattr(net, "dtype", np.float64))
    proba = net.predict_proba(grid)
    m = proba.shape[1]
    if m == 2:
        shade = LinearSegmentedColormap.from_list(
            "two_classes",
            [_lighten(CLASS_COLORS[0], 0.55), "#ffffff", _lighten(CLASS_COLORS[1], 0.55)],
        )
        p1 = proba[:, 1].reshape(u.shape)
        ax.contourf(u, v, p1, levels=np.linspace(0, 1, 11), cmap=shade, vmin=0, vmax=1)
        ax.contour(u, v, p1, levels=[0.5], colors="black", linewidths=1.2)
    else:
        regions = ListedColormap([_lighten(c, 0.6) for c in CLASS_COLORS[:m]])
        predicted = proba.argmax(axis=1).reshape(u.shape)
        ax.contourf(u, v, predicted, levels=np.arange(m + 1) - 0.5, cmap=regions)
    for k in np.unique(y):
        points = X[y == k]
        ax.scatter(
            points[:, 0],
            points[:, 1],
            s=12,
            color=CLASS_COLORS[int(k) % len(CLASS_COLORS)],
            edgecolors="white",
            linewidths=0.4,
            label=f"class {int(k)}",
        )
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    if note:
        ax.set_xlabel(note, fontsize=9)
    return ax


def _lighten(color: str, amount: float) -> tuple[float, float, float]:
    """``color`` mixed with white: ``amount`` = 0 keeps it, 1 gives white."""
    rgb = np.array(matplotlib.colors.to_rgb(color))
    return tuple(rgb + (1 - rgb) * amount)  # type: ignore[return-value]


def decision_region_grid(
    nets: Sequence[_Classifier],
    X: ArrayLike,
    y: ArrayLike,
    *,
    titles: Sequence[str],
    notes: Sequence[str] | None = None,
    ncols: int | None = None,
    suptitle: str | None = None,
    panel_size: float = 2.5,
) -> Figure:
    """Decision regions of several networks on the same points and the same axes limits.

    One panel per network, ``ncols`` per row (default: all in one row), with ``titles[i]``
    above and ``notes[i]`` (e.g. train/valid errors) below panel i.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(titles) != len(nets) or (notes is not None and len(notes) != len(nets)):
        raise ValueError(f"give one title (and note) per network: {len(nets)} networks")
    if not nets:
        raise ValueError("no network to draw")
    ncols = ncols or len(nets)
    nrows = -(-len(nets) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel_size * ncols, (panel_size + 0.35) * nrows + (0.3 if suptitle else 0)),
        layout="constrained",
        squeeze=False,
    )
    limits = _limits(X, 0.08)
    for i, ax in enumerate(axes.flat):
        if i >= len(nets):
            ax.set_axis_off()
            continue
        plot_decision_regions(
            nets[i],
            X,
            y,
            ax=ax,
            title=titles[i],
            note=notes[i] if notes is not None else None,
            limits=limits,
            resolution=150,
        )
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig


# --- learning curves ----------------------------------------------------------------------------


def plot_learning_curves(
    history: _HasColumns,
    *,
    title: str | None = None,
    best_epoch: int | None = None,
) -> Figure:
    """Two panels against the epoch: classification error (%) and mean loss L.

    ``history`` is a ``mlp.train.History`` (or anything with ``column(name)`` giving the
    columns ``epoch``, ``{train,valid,test}_{error,loss}``). Train, validation and test are
    blue, orange and green; a missing test set (NaN) is not drawn. A dotted vertical line marks
    ``best_epoch`` (default: ``history.best_epoch`` when it has one).
    """
    epoch = history.column("epoch")
    if len(epoch) == 0:
        raise ValueError("the history has no epoch to plot")
    if best_epoch is None:
        best_epoch = getattr(history, "best_epoch", 0) or None
    fig, (ax_error, ax_loss) = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    marker = "o" if len(epoch) <= 30 else None
    for ax, metric, ylabel in (
        (ax_error, "error", "classification error"),
        (ax_loss, "loss", "mean loss L"),
    ):
        for split, color in SPLIT_COLORS.items():
            values = history.column(f"{split}_{metric}")
            if np.isnan(values).all():
                continue
            scale = 100.0 if metric == "error" else 1.0
            ax.plot(
                epoch,
                scale * values,
                color=color,
                marker=marker,
                markersize=3.5,
                linewidth=1.6,
                label=_SPLIT_LABELS[split],
            )
        if best_epoch is not None:
            ax.axvline(best_epoch, color="0.4", linestyle=":", linewidth=1.2, label="best valid")
        if metric == "error":
            ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, color="0.9", linewidth=0.8)
        ax.legend(frameon=False, fontsize=9)
    ax_error.set_title("classification error", fontsize=10)
    ax_loss.set_title("mean loss (no penalty)", fontsize=10)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


# --- image grids --------------------------------------------------------------------------------


def plot_image_grid(
    images: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    predictions: ArrayLike | None = None,
    class_names: Sequence[str] | None = None,
    ncols: int = 10,
    size: float = 1.0,
    title: str | None = None,
) -> Figure:
    """Show ``images`` ``(n, h, w)`` or square ``(n, h*w)`` in a grid, greyscale.

    Each panel is titled with its label (``class_names[label]`` when given); with
    ``predictions``, a wrong prediction is shown as "predicted (true)" in red.
    """
    images = np.asarray(images)
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side != images.shape[1]:
            raise ValueError(f"flat images must have a square number of pixels, got {images.shape}")
        images = images.reshape(len(images), side, side)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"images must have shape (n, h, w) or (n, h*w), got {images.shape}")
    n = len(images)
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values is not None and np.shape(values) != (n,):
            raise ValueError(f"{name} must have shape ({n},), got {np.shape(values)}")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(size * ncols, (size + 0.25) * nrows + (0.3 if title else 0)),
        layout="constrained",
        squeeze=False,
    )

    def name_of(k: Any) -> str:
        return class_names[int(k)] if class_names is not None else str(int(k))

    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
        if labels is None:
            continue
        true = name_of(np.asarray(labels)[i])
        if predictions is not None and int(np.asarray(predictions)[i]) != int(
            np.asarray(labels)[i]
        ):
            ax.set_title(
                f"{name_of(np.asarray(predictions)[i])}\n({true})", fontsize=7, color="#B00020"
            )
        else:
            ax.set_title(true, fontsize=7)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def plot_image_rows(
    rows: Mapping[str, ArrayLike],
    *,
    titles: Sequence[str] | None = None,
    shape: tuple[int, int] = (28, 28),
    vlim: tuple[float, float] | None = None,
    cmap: str = "gray",
    size: float = 1.25,
) -> Figure:
    """A figure with one row of images per entry of ``rows`` (label -> array ``(k, 784)``).

    Every row must hold the same number k of flattened images. With ``vlim=(lo, hi)`` all
    images share that grey scale; otherwise each image is scaled to its own range.
    ``titles`` (k strings) go above the first row.
    """
    arrays = {label: np.asarray(images) for label, images in rows.items()}
    counts = {a.shape[0] if a.ndim == 2 else -1 for a in arrays.values()}
    if not arrays or len(counts) != 1 or -1 in counts:
        raise ValueError("rows must map labels to (k, h*w) arrays with the same k")
    k = counts.pop()
    if titles is not None and len(titles) != k:
        raise ValueError(f"expected {k} titles, got {len(titles)}")
    fig, axes = plt.subplots(
        len(arrays), k, figsize=(size * k, size * len(arrays) + 0.3), squeeze=False
    )
    kwargs = {} if vlim is None else {"vmin": vlim[0], "vmax": vlim[1]}
    for r, (label, images) in enumerate(arrays.items()):
        for c in range(k):
            ax = axes[r, c]
            ax.imshow(images[c].reshape(shape), cmap=cmap, **kwargs)
            ax.set_xticks([])
            ax.set_yticks([])
            if titles is not None and r == 0:
                ax.set_title(titles[c], fontsize=8)
        axes[r, 0].set_ylabel(label, fontsize=9)
    fig.tight_layout()
    return fig


def plot_signed_rows(
    rows: Mapping[str, ArrayLike],
    *,
    titles: Sequence[str] | None = None,
    shape: tuple[int, int] = (28, 28),
    size: float = 1.1,
) -> Figure:
    """Weights (or any signed images) as rows of pictures, one row per entry of ``rows``.

    ``rows`` maps a label to an array ``(k, h*w)``, the same k for every row. Each image gets
    its own scale, symmetric around 0: positive values red, negative blue, 0 white, so the
    sign pattern is visible whatever the magnitude. ``titles`` (k strings) go above the first
    row.
    """
    arrays = {label: np.asarray(images, dtype=np.float64) for label, images in rows.items()}
    counts = {a.shape[0] if a.ndim == 2 else -1 for a in arrays.values()}
    if not arrays or len(counts) != 1 or -1 in counts:
        raise ValueError("rows must map labels to (k, h*w) arrays with the same k")
    k = counts.pop()
    if titles is not None and len(titles) != k:
        raise ValueError(f"expected {k} titles, got {len(titles)}")
    fig, axes = plt.subplots(
        len(arrays), k, figsize=(size * k + 0.6, size * len(arrays) + 0.3), squeeze=False
    )
    for r, (label, images) in enumerate(arrays.items()):
        for c in range(k):
            limit = float(np.abs(images[c]).max()) or 1.0
            ax = axes[r, c]
            ax.imshow(images[c].reshape(shape), cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
            if titles is not None and r == 0:
                ax.set_title(titles[c], fontsize=8)
        axes[r, 0].set_ylabel(label, fontsize=8)
    fig.tight_layout()
    return fig


# --- classification results ---------------------------------------------------------------------


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> NDArray[np.int64]:
    """Counts ``(n_classes, n_classes)``: entry (i, j) is the number of examples of class i
    predicted as class j (rows: true class, columns: prediction; the diagonal is correct)."""
    n_classes = checks.positive_int("n_classes", n_classes)
    y_true = checks.labels("y_true", y_true, n_classes)
    if y_true.ndim != 1:
        raise ValueError(f"y_true must have shape (n,), got {y_true.shape}")
    y_pred = checks.labels("y_pred", y_pred, n_classes, n=len(y_true))
    flat = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).astype(np.int64)


def plot_confusion_matrix(
    counts: ArrayLike,
    *,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """A confusion matrix ``(m, m)`` of counts (rows: true class, columns: prediction).

    Each cell shows its count; off-diagonal cells are shaded by the fraction of the true
    class that went there, so the frequent confusions stand out; the diagonal is grey.
    """
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] == 0:
        raise ValueError(f"counts must be a square (m, m) matrix, got shape {counts.shape}")
    m = counts.shape[0]
    names = list(class_names) if class_names is not None else [str(k) for k in range(m)]
    if len(names) != m:
        raise ValueError(f"expected {m} class names, got {len(names)}")
    rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    shade = np.where(np.eye(m, dtype=bool), np.nan, rates)
    fig, ax = plt.subplots(figsize=(0.45 * m + 1.8, 0.45 * m + 1.2), layout="constrained")
    upper = float(np.nanmax(shade)) if m > 1 and np.nanmax(shade) > 0 else 1.0
    image = ax.imshow(shade, cmap="Reds", vmin=0, vmax=upper)
    ax.imshow(np.where(np.eye(m, dtype=bool), 1.0, np.nan), cmap="Greys", vmin=0, vmax=4)
    for i in range(m):
        for j in range(m):
            if counts[i, j]:
                light = i != j and rates[i, j] > 0.6 * upper
                ax.text(
                    j,
                    i,
                    str(int(counts[i, j])),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if light else "black",
                )
    ax.set_xticks(range(m), names, fontsize=8, rotation=90 if max(map(len, names)) > 2 else 0)
    ax.set_yticks(range(m), names, fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    fig.colorbar(image, ax=ax, shrink=0.8, label="fraction of the true class")
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def plot_misclassified(
    images: ArrayLike,
    labels: ArrayLike,
    predictions: ArrayLike,
    *,
    class_names: Sequence[str] | None = None,
    n: int = 20,
    ncols: int = 10,
    size: float = 0.9,
) -> Figure:
    """The first ``n`` images ``(N, h, w)`` or ``(N, h*w)`` whose prediction is wrong, each
    titled "predicted (true)" in red, in their order in ``images``."""
    n_images = len(np.asarray(images))
    labels = np.asarray(labels)
    predictions = np.asarray(predictions)
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values.shape != (n_images,):
            raise ValueError(
                f"{name} must have shape ({n_images},), one per image, got {values.shape}"
            )
    n = checks.positive_int("n", n)
    wrong = np.flatnonzero(labels != predictions)[:n]
    if len(wrong) == 0:
        raise ValueError("every prediction is right: there is nothing to show")
    return plot_image_grid(
        np.asarray(images)[wrong],
        labels=labels[wrong],
        predictions=predictions[wrong],
        class_names=class_names,
        ncols=ncols,
        size=size,
    )
