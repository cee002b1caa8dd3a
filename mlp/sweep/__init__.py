"""Grid and random searches of hyper-parameters, on one machine or a Dask cluster.

Submodules, one idea each:

- ``mlp.sweep.space``: the hyper-parameters, a ``SearchSpace`` (grid, ranges, random draws),
  the tasks (one configuration, one seed) and their keys, the ``SweepSpec``;
- ``mlp.sweep.store``: the sweep folder: ``sweep.json``, the results file, the lock;
- ``mlp.sweep.run``: ``run_task`` and ``run_sweep`` (in process, joblib or Dask);
- ``mlp.sweep.report``: the summary as data, its table and its plot.

Typical use (what ``mlp sweep`` does)::

    spec = SweepSpec(SearchSpace({"d_h": [64, 128], "lr": [0.05, 0.1]}), seeds=(0, 1, 2),
                     data=DataOptions("fashion-mnist"))
    run_sweep("runs/sweep", spec, jobs=2)
    summary = summarize("runs/sweep")   # summary.best.config, summary.best.mean_valid_error
"""

from __future__ import annotations

from mlp.data.options import DataOptions
from mlp.sweep.report import (
    ConfigResult,
    SweepSummary,
    format_summary,
    plot_summary,
    summarize,
    write_report,
)
from mlp.sweep.run import MissingDependency, SweepOutcome, run_sweep, run_task
from mlp.sweep.space import HYPERPARAMETERS, Range, SearchSpace, SweepSpec, Task
from mlp.sweep.store import SweepBusy, SweepMismatch, read_results

__all__ = [
    "HYPERPARAMETERS",
    "ConfigResult",
    "DataOptions",
    "MissingDependency",
    "Range",
    "SearchSpace",
    "SweepBusy",
    "SweepMismatch",
    "SweepOutcome",
    "SweepSpec",
    "SweepSummary",
    "Task",
    "format_summary",
    "plot_summary",
    "read_results",
    "run_sweep",
    "run_task",
    "summarize",
    "write_report",
]
