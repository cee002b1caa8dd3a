"""A sweep's summary: configurations ranked by mean validation error over seeds, and a plot.

``summarize(folder)`` returns the summary as data (``SweepSummary``: one ``ConfigResult`` per
configuration with results, best first), so that a chapter can glue its numbers;
``format_summary`` prints it as a table, ``plot_summary`` draws validation error against
each hyper-parameter that varies, and ``write_report`` does both for ``mlp sweep --report``.

The ranking key is the mean validation error (at each run's best epoch) over the seeds
finished, then the mean validation loss; a configuration with a diverged seed ranks after
every configuration without one. The spread is the sample standard deviation over seeds
(undefined, NaN, for one seed) and the range min-max.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mlp.files import atomic_write
from mlp.sweep.space import SweepSpec, task_key
from mlp.sweep.store import read_results, read_spec

__all__ = [
    "ConfigResult",
    "SweepSummary",
    "describe",
    "format_summary",
    "plot_summary",
    "summarize",
    "write_report",
]


@dataclass(frozen=True)
class ConfigResult:
    """The finished seeds of one configuration and their numbers at each run's best epoch.

    ``valid_errors``, ``valid_losses``, ``test_errors`` and ``best_epochs`` hold one entry
    per seed of ``seeds`` that trained without diverging; ``diverged`` lists the others.
    """

    config: Mapping[str, int | float]
    seeds: tuple[int, ...]
    valid_errors: tuple[float, ...]
    valid_losses: tuple[float, ...]
    test_errors: tuple[float, ...]
    best_epochs: tuple[int, ...]
    diverged: tuple[int, ...]

    @property
    def n_finished(self) -> int:
        """Seeds finished, diverged or not."""
        return len(self.seeds) + len(self.diverged)

    def _mean(self, values: Sequence[float]) -> float:
        return float(np.mean(values)) if values else math.nan

    @property
    def mean_valid_error(self) -> float:
        """Mean over seeds of the validation error at the best epoch (NaN if none)."""
        return self._mean(self.valid_errors)

    @property
    def std_valid_error(self) -> float:
        """Sample standard deviation over seeds (NaN for fewer than two)."""
        if len(self.valid_errors) < 2:
            return math.nan
        return float(np.std(self.valid_errors, ddof=1))

    @property
    def mean_valid_loss(self) -> float:
        """Mean over seeds of the validation loss at the best epoch."""
        return self._mean(self.valid_losses)

    @property
    def mean_test_error(self) -> float:
        """Mean over seeds of the test error at the best validation epoch."""
        return self._mean(self.test_errors)

    def rank_key(self) -> tuple[bool, float, float]:
        """Diverged last, then by mean validation error, then by mean validation loss."""
        nan_last = lambda x: math.inf if math.isnan(x) else x
        return (
            bool(self.diverged),
            nan_last(self.mean_valid_error),
            nan_last(self.mean_valid_loss),
        )


@dataclass(frozen=True)
class SweepSummary:
    """A sweep's configurations with results, best first, and what the sweep planned."""

    results: tuple[ConfigResult, ...]
    varying: tuple[str, ...]
    n_seeds: int
    n_configurations: int
    n_tasks_finished: int

    @property
    def best(self) -> ConfigResult:
        """The best configuration (the first of ``results``)."""
        if not self.results:
            raise ValueError("the sweep has no finished task yet")
        return self.results[0]


def summarize(folder: str | os.PathLike[str]) -> SweepSummary:
    """The summary of the sweep in ``folder`` (finished tasks only; it may be running)."""
    spec, stored = read_spec(folder)
    rows = {row["key"]: row for row in read_results(folder)}
    return _summary(spec, stored["configurations"], rows)


def _summary(
    spec: SweepSpec, configurations: Sequence[Mapping[str, Any]], rows: Mapping[str, Any]
) -> SweepSummary:
    results = []
    for config in configurations:
        found = [rows[task_key(config, s)] for s in spec.seeds if task_key(config, s) in rows]
        ok = [row for row in found if row["status"] == "ok"]
        if not found:
            continue
        results.append(
            ConfigResult(
                config=dict(config),
                seeds=tuple(row["seed"] for row in ok),
                valid_errors=tuple(row["valid_error"] for row in ok),
                valid_losses=tuple(row["valid_loss"] for row in ok),
                test_errors=tuple(row["test_error"] for row in ok),
                best_epochs=tuple(row["best_epoch"] for row in ok),
                diverged=tuple(row["seed"] for row in found if row["status"] != "ok"),
            )
        )
    results.sort(key=ConfigResult.rank_key)
    return SweepSummary(
        results=tuple(results),
        varying=spec.space.varying(),
        n_seeds=len(spec.seeds),
        n_configurations=len(configurations),
        n_tasks_finished=sum(r.n_finished for r in results),
    )


def _value(value: int | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _percent(x: float) -> str:
    return "-" if math.isnan(x) else f"{100 * x:.2f}"


def describe(config: Mapping[str, int | float], names: Sequence[str]) -> str:
    """``d_h=64 lr=0.1`` for the hyper-parameters ``names`` of ``config``."""
    return " ".join(f"{name}={_value(config[name])}" for name in names)


def format_summary(summary: SweepSummary) -> str:
    """The table of configurations (errors in percent) and a line naming the best one."""
    names = summary.varying
    head = [*names, "valid err", "std", "min", "max", "test err", "epoch", "seeds"]
    table = []
    for r in summary.results:
        errors = r.valid_errors or (math.nan,)
        seeds = f"{len(r.seeds)}/{summary.n_seeds}"
        if r.diverged:
            seeds += f" ({len(r.diverged)} diverged)"
        epoch = f"{np.median(r.best_epochs):g}" if r.best_epochs else "-"
        table.append(
            [_value(r.config[n]) for n in names]
            + [_percent(r.mean_valid_error), _percent(r.std_valid_error)]
            + [_percent(min(errors)), _percent(max(errors)), _percent(r.mean_test_error)]
            + [epoch, seeds]
        )
    widths = [max(len(row[i]) for row in [head, *table]) for i in range(len(head))]
    lines = [
        "  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True))
        for row in [head, *table]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    finished = f"{summary.n_tasks_finished} of {summary.n_configurations * summary.n_seeds} tasks"
    lines.append(
        f"{finished} finished; errors in %, at each run's best validation epoch (median shown)"
    )
    if summary.results and not summary.best.diverged:
        best = summary.best
        spread = "" if math.isnan(best.std_valid_error) else f" +- {_percent(best.std_valid_error)}"
        lines.append(
            f"best: {describe(best.config, names) or 'the only configuration'}: validation error "
            f"{_percent(best.mean_valid_error)}%{spread} over {len(best.seeds)} seed(s)"
        )
        fixed = [name for name in best.config if name not in names]
        lines.append(f"      with {describe(best.config, fixed)}")
    return "\n".join(lines)


def plot_summary(summary: SweepSummary, *, y_max: float | None = None) -> Any:
    """Validation error against each varying hyper-parameter: one panel each, every seed as a
    dot, each configuration's mean as a circle, the best mean per value joined by a line, the
    best configuration as a star. Returns the matplotlib ``Figure``.

    ``y_max`` (in percent) cuts the shared y-axis there, so that a few very bad runs (a
    learning rate that makes SGD fail) do not squash the differences that matter: a run or a
    mean above it is drawn as a triangle on the top edge, and the title says how many runs
    are off the axis and how high the worst one lies.
    """
    import matplotlib.pyplot as plt

    from mlp.plots import SPLIT_COLORS  # also selects a backend that needs no display

    if y_max is not None:
        if isinstance(y_max, bool) or not isinstance(y_max, int | float | np.number):
            raise TypeError(f"y_max must be a number of percent or None, got {y_max!r}")
        if not (math.isfinite(y_max) and y_max > 0):
            raise ValueError(f"y_max must be a finite percentage > 0, got {y_max!r}")
    clip = math.inf if y_max is None else float(y_max)
    names = summary.varying or ("d_h",)
    figure, axes = plt.subplots(
        1, len(names), figsize=(3.2 * len(names) + 0.6, 3.2), squeeze=False, sharey=True
    )
    color = SPLIT_COLORS["valid"]
    results = [r for r in summary.results if r.valid_errors]
    for ax, name in zip(axes[0], names, strict=True):
        ax.set_xlabel(name)
        ax.grid(alpha=0.3)
        if not results:
            ax.text(0.5, 0.5, "no finished task", ha="center", transform=ax.transAxes)
            continue
        values = sorted({r.config[name] for r in results})
        categorical = len(values) <= 8
        where = {v: i for i, v in enumerate(values)} if categorical else {v: v for v in values}
        for i, r in enumerate(results):
            x, errors = where[r.config[name]], 100 * np.array(r.valid_errors)
            shown, above = errors[errors <= clip], errors[errors > clip]
            ax.plot([x] * len(shown), shown, ".", color="0.6", ms=4, label="seeds" * (i == 0))
            if len(above):
                ax.plot([x] * len(above), [clip] * len(above), "^", color="0.6", ms=4)
            label = "configuration mean" * (i == 0)
            marker = "o" if errors.mean() <= clip else "^"
            mean = min(errors.mean(), clip)
            ax.plot(x, mean, marker, mfc="none", color=color, ms=6, label=label)
        profile = [
            min(100 * r.mean_valid_error for r in results if r.config[name] == v) for v in values
        ]
        xs = [where[v] for v in values]
        ax.plot(
            xs, np.minimum(profile, clip), "-", color=color, lw=1.5, label="best mean per value"
        )
        best = results[0]  # the ranking puts configurations with every seed diverged last
        x = where[best.config[name]]
        ax.plot(x, 100 * best.mean_valid_error, "*", color="k", ms=11, label="best")
        if categorical:
            ax.set_xticks(range(len(values)), [_value(v) for v in values])
            ax.set_xlim(-0.5, len(values) - 0.5)
        elif values[0] > 0:
            ax.set_xscale("log")
    if results:
        axes[0][-1].legend(fontsize=7, loc="best")
    axes[0][0].set_ylabel("validation error (%)")
    title = f"{len(results)} configurations, {summary.n_seeds} seed(s) each"
    every = 100 * np.concatenate([r.valid_errors for r in results]) if results else np.zeros(0)
    if y_max is not None and len(every):
        off = every[every > clip]
        low = float(every.min())
        pad = 0.04 * (clip - low) if clip > low else 0.5
        axes[0][0].set_ylim(min(low, clip) - pad, clip + pad)
        if len(off):
            title += (
                f"\n{len(off)} of {len(every)} runs above {clip:.3g}% (up to "
                f"{off.max():.3g}%), drawn as triangles on the top edge"
            )
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


def write_report(folder: str | os.PathLike[str]) -> tuple[SweepSummary, Path]:
    """``summarize(folder)``, and its plot written (atomically) to ``folder/report.png``."""
    summary = summarize(folder)
    figure = plot_summary(summary)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    import matplotlib.pyplot as plt

    plt.close(figure)
    return summary, atomic_write(Path(folder) / "report.png", buffer.getvalue())
