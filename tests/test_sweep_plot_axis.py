"""``plot_summary(summary, y_max=...)``: runs far above the others are drawn on the top edge of
a cut axis, counted in the title, so that the differences among the others stay visible."""

from __future__ import annotations

import matplotlib
import pytest

from mlp.sweep.report import ConfigResult, SweepSummary, plot_summary

matplotlib.use("Agg")
import matplotlib.pyplot as plt


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def summary_with_one_bad_learning_rate() -> SweepSummary:
    """Two learning rates x two decays, two seeds each: lr = 1 fails (55-70 %), the others
    lie between 11.8 and 13.5 %."""
    errors = {
        (0.1, 0.0): (0.118, 0.122),
        (0.1, 1e-3): (0.125, 0.135),
        (1.0, 0.0): (0.55, 0.70),
        (1.0, 1e-3): (0.60, 0.65),
    }
    results = tuple(
        ConfigResult({"lr": lr, "l12": l12}, (0, 1), e, (0.4, 0.4), (float("nan"),) * 2, (5, 5), ())
        for (lr, l12), e in sorted(errors.items(), key=lambda item: sum(item[1]))
    )
    return SweepSummary(results, ("lr", "l12"), 2, 4, 8)


def markers(ax, marker: str) -> list[float]:
    return [y for line in ax.lines if line.get_marker() == marker for y in line.get_ydata()]


def test_runs_above_y_max_sit_on_the_top_edge_and_the_title_counts_them() -> None:
    figure = plot_summary(summary_with_one_bad_learning_rate(), y_max=20.0)
    for ax in figure.axes:
        bottom, top = ax.get_ylim()
        assert 20.0 < top < 21.0 and 11.0 < bottom < 11.8  # the 11.8-13.5 % runs fill the axis
        assert max(markers(ax, ".")) == pytest.approx(13.5)  # every run shown below the cut
        assert markers(ax, "^") and set(markers(ax, "^")) == {20.0}  # runs and means cut
    title = figure.get_suptitle()
    assert "4 of 8 runs above 20% (up to 70%)" in title


def test_without_y_max_the_axis_holds_every_run() -> None:
    figure = plot_summary(summary_with_one_bad_learning_rate())
    for ax in figure.axes:
        assert ax.get_ylim()[1] > 70.0 and not markers(ax, "^")
        assert max(markers(ax, ".")) == pytest.approx(70.0)
    assert "above" not in figure.get_suptitle()


def test_a_y_max_with_nothing_above_cuts_nothing_and_says_nothing() -> None:
    figure = plot_summary(summary_with_one_bad_learning_rate(), y_max=80.0)
    assert not markers(figure.axes[0], "^") and "above" not in figure.get_suptitle()


@pytest.mark.parametrize(
    ("y_max", "error"),
    [(0.0, ValueError), (float("inf"), ValueError), ("20", TypeError), (True, TypeError)],
)
def test_a_bad_y_max_is_refused_by_name(y_max, error) -> None:
    with pytest.raises(error, match="y_max"):
        plot_summary(summary_with_one_bad_learning_rate(), y_max=y_max)
