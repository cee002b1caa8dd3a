"""Figures (``mlp.plots``): what each panel shows, in which colour, and the headless backend."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex

from mlp.data import two_circles
from mlp.network import MLP
from mlp.plots import (
    CLASS_COLORS,
    SPLIT_COLORS,
    confusion_matrix,
    decision_region_grid,
    plot_confusion_matrix,
    plot_decision_regions,
    plot_image_grid,
    plot_image_rows,
    plot_learning_curves,
    plot_misclassified,
    plot_signed_rows,
)
from mlp.records import EpochMetrics, History

matplotlib.use("Agg")
import matplotlib.pyplot as plt


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def history(n_epochs: int = 5, with_test: bool = True) -> History:
    records = []
    for t in range(1, n_epochs + 1):
        test = (0.3 / t, 0.9 / t) if with_test else (math.nan, math.nan)
        records.append(EpochMetrics(t, 0.2 / t, 0.6 / t, 0.25 / t, 0.8 / t, *test, 0.1, 0.5))
    return History(epochs=records, best_epoch=n_epochs - 1)


# --- learning curves ---------------------------------------------------------------------------


def test_learning_curves_draw_train_valid_test_in_their_colours() -> None:
    h = history()
    fig = plot_learning_curves(h)
    ax_error, ax_loss = fig.axes
    for ax, metric, scale in ((ax_error, "error", 100.0), (ax_loss, "loss", 1.0)):
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert set(lines) == {"train", "validation", "test", "best valid"}
        for split, label in (("train", "train"), ("valid", "validation"), ("test", "test")):
            line = lines[label]
            assert to_hex(line.get_color()) == SPLIT_COLORS[split].lower()
            np.testing.assert_allclose(line.get_xdata(), h.column("epoch"))
            np.testing.assert_allclose(line.get_ydata(), scale * h.column(f"{split}_{metric}"))
        assert list(lines["best valid"].get_xdata()) == [4, 4]
        legend = ax.get_legend()
        assert legend is not None
        assert [t.get_text() for t in legend.get_texts()][:3] == ["train", "validation", "test"]
    assert ax_error.get_xlabel() == "epoch" and "error" in ax_error.get_ylabel()
    assert SPLIT_COLORS["train"] != SPLIT_COLORS["valid"] != SPLIT_COLORS["test"]


def test_learning_curves_leave_out_a_missing_test_set() -> None:
    fig = plot_learning_curves(history(with_test=False), title="no test")
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["train", "validation", "best valid"]
    assert fig._suptitle.get_text() == "no test"


def test_learning_curves_of_an_empty_history_are_refused() -> None:
    with pytest.raises(ValueError, match="no epoch"):
        plot_learning_curves(History())


# --- decision regions --------------------------------------------------------------------------


def small_problem():
    X, y = two_circles(60, seed=0)
    return MLP(2, 4, 2, seed=0), X, y


def test_decision_regions_show_every_point_in_its_class_colour_and_the_boundary() -> None:
    net, X, y = small_problem()
    ax = plot_decision_regions(net, X, y, title="d_h = 4", note="train 10%")
    scatters = [c for c in ax.collections if c.get_offsets().shape[0] > 1 and c.get_label()]
    by_label = {c.get_label(): c for c in scatters}
    assert set(by_label) == {"class 0", "class 1"}
    for k in (0, 1):
        np.testing.assert_allclose(by_label[f"class {k}"].get_offsets(), X[y == k])
        assert to_hex(by_label[f"class {k}"].get_facecolor()[0]) == CLASS_COLORS[k].lower()
    assert ax.get_title() == "d_h = 4" and ax.get_xlabel() == "train 10%"
    # the black line is the level os_1 = 1/2 of the network's probabilities
    boundary = [c for c in ax.collections if getattr(c, "levels", None) is not None]
    assert any(list(c.levels) == [0.5] for c in boundary)


def test_decision_regions_colour_the_predicted_class() -> None:
    """Sample the filled regions at the points: the shade must follow net.predict there."""
    net, X, y = small_problem()
    net.b2 = np.array([0.0, 0.3])
    fig = plt.figure(figsize=(4, 4))
    ax = fig.add_subplot()
    limits = (-1.5, 1.5, -1.5, 1.5)
    plot_decision_regions(net, X, y, ax=ax, limits=limits, resolution=50)
    filled = next(c for c in ax.collections if getattr(c, "filled", False))
    levels = np.asarray(filled.levels)
    grid = np.linspace(-1.5, 1.5, 50)
    u, v = np.meshgrid(grid, grid)
    p1 = net.predict_proba(np.column_stack([u.ravel(), v.ravel()]))[:, 1]
    # each grid probability falls in a band, and bands above 1/2 mean class 1
    band = np.clip(np.searchsorted(levels, p1, side="right") - 1, 0, len(levels) - 2)
    assert ((levels[band] >= 0.5) == (p1 >= 0.5)).all()
    assert (p1 >= 0.5).any() and (p1 < 0.5).any()


def test_more_than_two_classes_get_one_region_colour_each() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = np.arange(30) % 3
    ax = plot_decision_regions(MLP(2, 5, 3, seed=0), X, y)
    labels = {c.get_label() for c in ax.collections if c.get_label().startswith("class")}
    assert labels == {"class 0", "class 1", "class 2"}


def test_decision_regions_need_two_dimensional_inputs() -> None:
    with pytest.raises(ValueError, match=r"X must be \(n, 2\)"):
        plot_decision_regions(MLP(3, 2, 2, seed=0), np.zeros((4, 3)), np.zeros(4, dtype=int))


def test_grid_puts_each_network_in_its_panel_with_shared_limits() -> None:
    _, X, y = small_problem()
    nets = [MLP(2, h, 2, seed=0) for h in (1, 2, 4, 8, 16)]
    notes = [f"note {i}" for i in range(5)]
    fig = decision_region_grid(nets, X, y, titles=[f"h{i}" for i in range(5)], notes=notes, ncols=3)
    visible = [ax for ax in fig.axes if ax.axison]
    assert len(fig.axes) == 6 and len(visible) == 5
    assert [ax.get_title() for ax in visible] == [f"h{i}" for i in range(5)]
    assert [ax.get_xlabel() for ax in visible] == notes
    assert len({ax.get_xlim() for ax in visible}) == 1
    assert len({ax.get_ylim() for ax in visible}) == 1


def test_grid_needs_one_title_per_network() -> None:
    net, X, y = small_problem()
    with pytest.raises(ValueError, match="one title"):
        decision_region_grid([net, net], X, y, titles=["only one"])


# --- image grids -------------------------------------------------------------------------------


def test_image_grid_titles_and_marks_wrong_predictions() -> None:
    images = np.arange(6 * 784).reshape(6, 784) % 255  # flat images are reshaped to 28 x 28
    labels = np.array([0, 1, 2, 0, 1, 2])
    predictions = np.array([0, 2, 2, 0, 1, 1])
    names = ("tee", "trouser", "bag")
    fig = plot_image_grid(
        images, labels=labels, predictions=predictions, class_names=names, ncols=4
    )
    axes = fig.axes
    assert len(axes) == 8
    shown = [ax for ax in axes if ax.get_images()]
    assert len(shown) == 6
    assert shown[0].get_images()[0].get_array().shape == (28, 28)
    titles = [ax.get_title() for ax in shown]
    assert titles == ["tee", "bag\n(trouser)", "bag", "tee", "trouser", "trouser\n(bag)"]
    wrong = [to_hex(ax.title.get_color()) for ax in shown]
    assert wrong[1] == wrong[5] != wrong[0]


@pytest.mark.parametrize(
    ("images", "kwargs", "message"),
    [
        (np.zeros((3, 10)), {}, "square number of pixels"),
        (np.zeros((3,)), {}, "must have shape"),
        (np.zeros((3, 4, 4)), {"labels": [0, 1]}, r"labels must have shape \(3,\)"),
    ],
)
def test_image_grid_refuses_bad_shapes(images, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        plot_image_grid(images, **kwargs)


# --- backend -----------------------------------------------------------------------------------


def test_importing_without_a_display_selects_agg() -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")
    }
    code = "import mlp.plots, matplotlib; print(matplotlib.get_backend())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().lower() == "agg"


def test_image_rows_draw_one_panel_per_image_and_check_their_rows() -> None:
    images = np.random.default_rng(0).uniform(size=(3, 784))
    fig = plot_image_rows({"a": images, "b": images}, titles=["x", "y", "z"], vlim=(0, 1))
    assert len(fig.axes) == 6 and fig.axes[0].get_title() == "x"
    assert fig.axes[0].get_ylabel() == "a" and fig.axes[3].get_ylabel() == "b"
    plt.close(fig)
    with pytest.raises(ValueError, match="same k"):
        plot_image_rows({"a": images, "b": images[:2]})
    with pytest.raises(ValueError, match="3 titles"):
        plot_image_rows({"a": images}, titles=["x"])


# --- signed images, confusion matrix, misclassified images -------------------------------------


def test_signed_rows_put_zero_at_the_centre_of_each_images_own_scale() -> None:
    weights = np.random.default_rng(1).normal(size=(2, 784)) * np.array([[1.0], [50.0]])
    fig = plot_signed_rows({"W": weights, "V": -weights}, titles=["a", "b"])
    assert len(fig.axes) == 4 and fig.axes[0].get_title() == "a"
    assert fig.axes[2].get_ylabel() == "V"
    for ax, image in zip(fig.axes, [*weights, *(-weights)], strict=True):
        low, high = ax.images[0].get_clim()
        assert low == -high == -np.abs(image).max()  # symmetric, per image
        assert ax.images[0].get_cmap().name == "RdBu_r"
    with pytest.raises(ValueError, match="same k"):
        plot_signed_rows({"W": weights, "V": weights[:1]})


def test_confusion_matrix_counts_true_classes_in_rows_and_predictions_in_columns() -> None:
    y_true = np.array([0, 0, 1, 1, 1, 2])
    y_pred = np.array([0, 2, 1, 1, 0, 2])
    counts = confusion_matrix(y_true, y_pred, 3)
    np.testing.assert_array_equal(counts, [[1, 0, 1], [1, 2, 0], [0, 0, 1]])
    assert counts.sum() == 6 and np.trace(counts) == 4  # the diagonal holds the right ones
    with pytest.raises(ValueError, match=r"y_pred must hold labels in \[0, 3\)"):
        confusion_matrix(y_true, y_pred + 1, 3)
    with pytest.raises(TypeError, match="y_true must hold integer labels"):
        confusion_matrix(y_true.astype(float), y_pred, 3)
    with pytest.raises(ValueError, match=r"y_pred must have shape \(6,\)"):
        confusion_matrix(y_true, y_pred[:5], 3)


def test_confusion_matrix_figure_shows_every_nonzero_count_and_the_axes_names() -> None:
    counts = np.array([[5, 0, 1], [2, 7, 0], [0, 0, 3]])
    fig = plot_confusion_matrix(counts, class_names=["a", "b", "c"])
    ax = fig.axes[0]
    texts = sorted(int(t.get_text()) for t in ax.texts)
    assert texts == sorted(int(c) for c in counts.ravel() if c)
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="3 class names"):
        plot_confusion_matrix(counts, class_names=["a"])


def test_misclassified_gallery_shows_only_wrong_predictions_in_red() -> None:
    images = np.random.default_rng(2).uniform(size=(6, 784))
    labels = np.array([0, 1, 2, 3, 4, 5])
    predictions = np.array([0, 7, 2, 8, 4, 9])
    fig = plot_misclassified(images, labels, predictions, n=2, ncols=5)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["7\n(1)", "8\n(3)"]  # the first two errors, in order
    assert all(ax.title.get_color() == "#B00020" for ax in fig.axes if ax.get_title())
    with pytest.raises(ValueError, match="nothing to show"):
        plot_misclassified(images, labels, labels)
    with pytest.raises(ValueError, match="predictions must have shape"):
        plot_misclassified(images, labels, predictions[:3])
