"""``mlp.sweep``: the search space, the tasks, resuming, joblib and Dask, the summary.

Every sweep here trains tiny networks on the two circles for a few epochs (a task takes a few
milliseconds); the Dask tests start a ``LocalCluster`` on the loopback interface whose two
workers are processes of this test run.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import os
import re
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import require

import mlp.sweep.run as sweep_run
from mlp.data import DataOptions, load_splits
from mlp.files import IncompleteFileError, read_lines
from mlp.network import MLP
from mlp.records import METRIC_NAMES
from mlp.sweep import (
    HYPERPARAMETERS,
    MissingDependency,
    Range,
    SearchSpace,
    SweepBusy,
    SweepMismatch,
    SweepSpec,
    Task,
    format_summary,
    plot_summary,
    read_results,
    run_sweep,
    run_task,
    summarize,
    write_report,
)
from mlp.sweep.space import parse_range, parse_values, task_key
from mlp.sweep.store import RESULTS_NAME, ROW_FIELDS, SPEC_NAME, lock, read_spec
from mlp.train import train

CIRCLES = DataOptions("circles", n_points=240)
GRID = ["d_h=4,16", "lr=0.1,0.3", "epochs=6", "patience=3", "batch_size=20"]
SPEC = SweepSpec(SearchSpace.parse(GRID), (0, 1, 2), CIRCLES)
"""12 tasks: 4 configurations x 3 seeds."""


def numbers(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Rows by key without the fields that depend on where and when a task ran."""
    return {r["key"]: {k: v for k, v in r.items() if k not in ("seconds", "worker")} for r in rows}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The 12 rows of ``SPEC`` run in this process, uninterrupted."""
    outcome = run_sweep(tmp_path_factory.mktemp("reference"), SPEC)
    assert (outcome.ran, outcome.skipped) == (12, 0)
    return outcome.rows


# --- the search space ----------------------------------------------------------------------------


def test_a_grid_expands_to_its_cartesian_product_with_defaults_for_the_rest() -> None:
    configurations = SearchSpace.parse(["d_h=4,16", "lr=0.1,0.3,1"]).configurations()
    assert [(c["d_h"], c["lr"]) for c in configurations] == [
        (4, 0.1), (4, 0.3), (4, 1.0), (16, 0.1), (16, 0.3), (16, 1.0),
    ]  # fmt: skip
    for c in configurations:
        assert list(c) == list(HYPERPARAMETERS)
        assert c["l22"] == HYPERPARAMETERS["l22"].default == 0.0
        assert isinstance(c["d_h"], int) and isinstance(c["lr"], float)  # "1" became 1.0
    assert SearchSpace.parse(["d_h=4,16", "lr=0.1,0.3,1", "epochs=7"]).varying() == ("d_h", "lr")


@pytest.mark.parametrize(
    ("text", "error", "fragment"),
    [
        ("dh=64", ValueError, "unknown hyper-parameter 'dh'; expected one of d_h, lr"),
        ("d_h=", ValueError, "d_h has no values"),
        ("d_h=64,", ValueError, "d_h must be an integer, got ''"),
        ("d_h=6.5", ValueError, "d_h must be an integer, got '6.5'"),
        ("d_h=0", ValueError, "d_h must be a positive integer, got 0"),
        ("lr=fast", ValueError, "lr must be a number, got 'fast'"),
        ("lr=0", ValueError, "lr must be a finite number > 0, got 0.0"),
        ("lr=nan", ValueError, "lr must be a finite number > 0, got nan"),
        ("l22=-1e-4", ValueError, "l22 must be a finite number >= 0, got -0.0001"),
        ("d_h=64,64", ValueError, "d_h lists 64 twice"),
        ("d_h 64", ValueError, "expected NAME=VALUES, got 'd_h 64'"),
    ],
)
def test_a_bad_grid_text_is_refused_in_one_line(text: str, error: type, fragment: str) -> None:
    with pytest.raises(error) as caught:
        parse_values(text)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_a_hyperparameter_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="d_h is given twice: 'd_h=4' and 'd_h=8,16'"):
        SearchSpace.parse(["d_h=4", "lr=0.1", "d_h=8,16"])
    with pytest.raises(ValueError, match="lr is given twice"):
        SearchSpace.parse(["lr=0.1"], ["lr=0.01:1"], samples=3)


def test_values_of_the_wrong_kind_are_refused_by_the_checks_rules() -> None:
    with pytest.raises(TypeError, match=re.escape("d_h must be a positive integer, got 6.5")):
        SearchSpace({"d_h": [6.5]})
    with pytest.raises(TypeError, match=re.escape("lr must be a finite number > 0, got True")):
        SearchSpace({"lr": [True]})
    with pytest.raises(TypeError, match="the values of lr must be a sequence"):
        SearchSpace({"lr": "0.1"})
    with pytest.raises(ValueError, match="d_h has no values"):
        SearchSpace({"d_h": []})


def test_ranges_need_a_random_search_and_a_valid_interval() -> None:
    with pytest.raises(ValueError, match="give the number of samples"):
        SearchSpace.parse(ranges=["lr=0.01:0.3"])
    with pytest.raises(ValueError, match=re.escape("LOW < HIGH, got 0.3:0.01")):
        parse_range("lr=0.3:0.01")
    with pytest.raises(
        ValueError, match=re.escape("a log range of l22 must have LOW > 0, got 0.0")
    ):
        parse_range("l22=0:1e-3:log")
    with pytest.raises(ValueError, match="expected lr=LOW:HIGH or lr=LOW:HIGH:log"):
        parse_range("lr=0.01:0.3:exp")


def test_a_random_search_on_a_grid_draws_distinct_configurations_reproducibly() -> None:
    grid = ["d_h=4,8,16,32", "lr=0.05,0.1,0.2"]
    full = SearchSpace.parse(grid).configurations()
    drawn = SearchSpace.parse(grid, samples=5, search_seed=1).configurations()
    assert len(drawn) == 5 and all(c in full for c in drawn)
    assert len({task_key(c, 0) for c in drawn}) == 5
    assert drawn == SearchSpace.parse(grid, samples=5, search_seed=1).configurations()
    assert drawn != SearchSpace.parse(grid, samples=5, search_seed=2).configurations()
    with pytest.raises(ValueError, match="needs a larger grid: it has 12"):
        SearchSpace.parse(grid, samples=13).configurations()


def test_a_random_search_draws_ranges_within_bounds_log_uniformly() -> None:
    space = SearchSpace.parse(["d_h=8,16"], ["lr=0.001:1:log", "l22=0:0.01"], samples=400)
    configurations = space.configurations()
    lrs = np.array([c["lr"] for c in configurations])
    assert lrs.min() >= 0.001 and lrs.max() <= 1
    # log-uniform: each decade holds about a third of the draws (uniform would put 90% in the last)
    decades = np.histogram(np.log10(lrs), bins=[-3, -2, -1, 0])[0] / len(lrs)
    assert np.all(np.abs(decades - 1 / 3) < 0.08), decades
    l22 = np.array([c["l22"] for c in configurations])
    assert 0 <= l22.min() and l22.max() <= 0.01 and abs(l22.mean() - 0.005) < 0.001
    assert {c["d_h"] for c in configurations} == {8, 16}
    assert all(float(f"{c['lr']:.3g}") == c["lr"] for c in configurations)  # 3 digits
    assert space.varying() == ("d_h", "lr", "l22")
    again = SearchSpace.from_dict(json.loads(json.dumps(space.to_dict())))
    assert again == space and again.configurations() == configurations
    assert space.ranges["lr"] == Range(0.001, 1.0, log=True)


def test_a_range_of_an_integer_hyperparameter_draws_integers() -> None:
    space = SearchSpace.parse(ranges=["d_h=8:64:log"], samples=20)
    sizes = [c["d_h"] for c in space.configurations()]
    assert all(isinstance(s, int) and 8 <= s <= 64 for s in sizes) and len(set(sizes)) == 20
    assert SearchSpace.from_dict(json.loads(json.dumps(space.to_dict()))) == space
    with pytest.raises(ValueError, match=re.escape("d_h must be an integer, got '8.5'")):
        parse_range("d_h=8.5:64")


def test_a_task_key_is_canonical_and_tells_tasks_apart() -> None:
    config = SearchSpace.parse(["l22=1e-5"]).configurations()[0]
    shuffled = dict(reversed(list(config.items())))
    assert Task(shuffled, 2).key == Task(config, 2).key == task_key(config, 2)
    assert json.loads(Task(config, 2).key) == {"config": config, "seed": 2}
    assert Task(config, 3).key != Task(config, 2).key
    other = SearchSpace.parse(["l22=0.00001"]).configurations()[0]  # the same number
    assert Task(other, 2).key == Task(config, 2).key
    assert Task({**config, "l22": 1e-4}, 2).key != Task(config, 2).key


def test_a_sweep_runs_every_configuration_for_every_seed_seed_by_seed() -> None:
    tasks = SPEC.tasks()
    assert len(tasks) == 12 and len({t.key for t in tasks}) == 12
    assert [t.seed for t in tasks] == [0] * 4 + [1] * 4 + [2] * 4
    assert SweepSpec.from_dict(json.loads(json.dumps(SPEC.to_dict()))) == SPEC
    with pytest.raises(ValueError, match="seeds lists 1 twice"):
        SweepSpec(SPEC.space, (0, 1, 1), CIRCLES)


# --- one task ---------------------------------------------------------------------------------


def test_a_task_is_mlp_train_with_its_configuration_and_seed() -> None:
    """The row holds what ``train`` gives for a network built from the configuration: the
    same numbers to the last bit, so the task used every hyper-parameter and the seed."""
    config = SearchSpace.parse(["d_h=16", "lr=0.3", "batch_size=20", "l22=1e-3"]).configurations()
    config = {**config[0], "epochs": 8, "patience": 2}
    row = run_task(Task(config, seed=4), CIRCLES)
    splits, _ = load_splits(CIRCLES)
    net = MLP(2, 16, 2, l22=1e-3, seed=4, dtype="float32")
    history = train(net, splits, epochs=8, batch_size=20, lr=0.3, patience=2, seed=4)
    assert set(row) == set(ROW_FIELDS) and row["status"] == "ok"
    assert row["best_epoch"] == history.best_epoch and row["epochs_run"] == len(history)
    assert row["stopped_early"] == history.stopped_early
    assert {name: row[name] for name in METRIC_NAMES} == {
        name: getattr(history.best, name) for name in METRIC_NAMES
    }
    assert row["valid_error"] < 0.2  # it learned the circles (chance is 0.5)
    other_seed = run_task(Task(config, seed=5), CIRCLES)
    assert other_seed["valid_loss"] != row["valid_loss"]
    assert row["seconds"] > 0 and row["worker"].endswith(f":{os.getpid()}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverging_task_is_recorded_as_diverged() -> None:
    config = {**SPEC.space.configurations()[0], "lr": 1e20}
    row = run_task(Task(config, 0), CIRCLES)
    assert row["status"] == "diverged" and row["valid_error"] is None
    assert row["best_epoch"] is None


# --- running and resuming ---------------------------------------------------------------------


def test_the_results_file_holds_one_whole_json_line_per_task(tmp_path, reference) -> None:
    run_sweep(tmp_path, SPEC)
    lines = read_lines(tmp_path / RESULTS_NAME)
    assert len(lines) == 12
    for line in lines:
        row = json.loads(line)
        assert list(row) == list(ROW_FIELDS)
        assert row["key"] == task_key(row["config"], row["seed"])
    assert numbers([json.loads(line) for line in lines]) == numbers(reference)
    stored = json.loads((tmp_path / SPEC_NAME).read_text())
    assert stored["spec"] == json.loads(json.dumps(SPEC.to_dict()))
    assert stored["configurations"] == SPEC.space.configurations()


def test_the_data_is_loaded_once_per_process(tmp_path, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(sweep_run, "load_splits", lambda o: calls.append(o) or load_splits(o))
    monkeypatch.setattr(sweep_run, "_cache", {})
    run_sweep(tmp_path, SPEC)
    assert calls == [CIRCLES]


def test_an_interrupted_sweep_keeps_its_rows_and_resumes_with_the_missing_tasks(
    tmp_path, monkeypatch, reference
) -> None:
    calls: list[str] = []

    def interrupted_after_five(task: Task, data: DataOptions) -> dict[str, Any]:
        if len(calls) == 5:
            raise KeyboardInterrupt
        calls.append(task.key)
        return run_task(task, data)

    monkeypatch.setattr(sweep_run, "run_task", interrupted_after_five)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(tmp_path, SPEC)
    kept = read_results(tmp_path)
    assert [r["key"] for r in kept] == calls == [t.key for t in SPEC.tasks()[:5]]

    monkeypatch.setattr(sweep_run, "run_task", lambda t, d: calls.append(t.key) or run_task(t, d))
    outcome = run_sweep(tmp_path, SPEC)
    assert (outcome.ran, outcome.skipped) == (7, 5)
    assert calls[5:] == [t.key for t in SPEC.tasks()[5:]]  # only the missing ones ran
    assert numbers(read_results(tmp_path)) == numbers(reference)
    assert [r["key"] for r in outcome.rows] == [t.key for t in SPEC.tasks()]
    again = run_sweep(tmp_path, SPEC)
    assert (again.ran, again.skipped) == (0, 12)


def test_an_interrupted_parallel_sweep_keeps_its_rows_and_resumes(tmp_path, reference) -> None:
    def stop_after_three(row: dict[str, Any], done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=UserWarning)  # joblib's note is silenced
        with pytest.raises(KeyboardInterrupt):
            run_sweep(tmp_path, SPEC, jobs=2, on_result=stop_after_three)
    assert len(read_results(tmp_path)) == 3
    outcome = run_sweep(tmp_path, SPEC, jobs=2)
    assert (outcome.ran, outcome.skipped) == (9, 3)
    assert numbers(outcome.rows) == numbers(reference)


def test_joblib_processes_give_the_rows_of_a_run_in_this_process(tmp_path, reference) -> None:
    outcome = run_sweep(tmp_path, SPEC, jobs=2)
    assert numbers(outcome.rows) == numbers(reference)
    workers = {row["worker"] for row in outcome.rows}
    assert f":{os.getpid()}" not in " ".join(workers)  # the rows came from other processes


def test_an_interrupted_write_leaves_a_partial_line_that_is_ignored_then_removed(
    tmp_path, reference
) -> None:
    run_sweep(tmp_path, SweepSpec(SPEC.space, (0,), CIRCLES))
    results = tmp_path / RESULTS_NAME
    complete = results.read_text()
    with results.open("a") as stream:  # what a process killed in the middle of a write leaves
        stream.write(json.dumps(reference[4])[:50])
    with pytest.raises(IncompleteFileError):
        read_lines(results)
    spec = SweepSpec(SPEC.space, (0,), CIRCLES)
    with pytest.warns(RuntimeWarning, match="incomplete line .* ignored it"):
        assert len(summarize(tmp_path).results) == 4
    assert results.read_text().startswith(complete) and results.read_text() != complete
    with pytest.warns(RuntimeWarning, match="incomplete line .* removed it"):
        outcome = run_sweep(tmp_path, spec)
    assert outcome.ran == 0 and results.read_text() == complete


def test_a_corrupt_line_is_an_error_naming_it(tmp_path) -> None:
    run_sweep(tmp_path, SweepSpec(SPEC.space, (0,), CIRCLES))
    with (tmp_path / RESULTS_NAME).open("a") as stream:
        stream.write('{"key": "x"}\n')
    with pytest.raises(ValueError, match=r"line 5, is not a result row"):
        read_results(tmp_path)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda: SweepSpec(SearchSpace.parse(["d_h=4", *GRID[1:]]), (0, 1, 2), CIRCLES),
            "grid.d_h",
        ),
        (lambda: SweepSpec(SPEC.space, (0, 1), CIRCLES), "seeds: [0, 1, 2] there, [0, 1] now"),
        (lambda: SweepSpec(SPEC.space, (0, 1, 2), DataOptions("circles")), "data.n_points"),
    ],
)
def test_resuming_with_another_definition_is_refused(tmp_path, change, named) -> None:
    with pytest.raises(_Stop):  # the folder is prepared, then the sweep stops before training
        run_sweep(tmp_path, SPEC, on_start=_stop)
    assert (tmp_path / SPEC_NAME).exists() and not (tmp_path / RESULTS_NAME).exists()
    with pytest.raises(SweepMismatch, match="holds another sweep") as caught:
        run_sweep(tmp_path, change())
    assert named in str(caught.value)


def test_a_sweep_grown_by_more_seeds_keeps_its_rows_and_trains_only_the_new_seeds(
    tmp_path, monkeypatch, reference
) -> None:
    run_sweep(tmp_path, SweepSpec(SPEC.space, (0, 1), CIRCLES))
    calls: list[str] = []
    monkeypatch.setattr(sweep_run, "run_task", lambda t, d: calls.append(t.key) or run_task(t, d))
    outcome = run_sweep(tmp_path, SPEC)  # seeds (0, 1, 2)
    assert (outcome.ran, outcome.skipped) == (4, 8)
    assert calls == [t.key for t in SPEC.tasks() if t.seed == 2]
    assert numbers(outcome.rows) == numbers(reference)
    assert read_spec(tmp_path)[1]["spec"] == json.loads(json.dumps(SPEC.to_dict()))


@pytest.mark.parametrize(
    ("seeds", "space", "named"),
    [
        ((1, 2, 3), SPEC.space, "seeds: [0, 1] there, [1, 2, 3] now"),  # not the same first seeds
        ((0,), SPEC.space, "seeds: [0, 1] there, [0] now"),  # fewer
        ((0, 1, 2), SearchSpace.parse(["d_h=4", *GRID[1:]]), "grid.d_h"),  # more, and another grid
    ],
)
def test_only_more_seeds_after_the_same_ones_grow_a_sweep(tmp_path, seeds, space, named) -> None:
    with pytest.raises(_Stop):
        run_sweep(tmp_path, SweepSpec(SPEC.space, (0, 1), CIRCLES), on_start=_stop)
    before = (tmp_path / SPEC_NAME).read_text()
    with pytest.raises(SweepMismatch, match="holds another sweep") as caught:
        run_sweep(tmp_path, SweepSpec(space, seeds, CIRCLES))
    assert named in str(caught.value)
    assert (tmp_path / SPEC_NAME).read_text() == before


class _Stop(Exception):
    """Stops a sweep from a callback."""


def _stop(pending: int, total: int) -> None:
    raise _Stop


def test_resuming_after_the_defaults_changed_is_refused(tmp_path, monkeypatch) -> None:
    with pytest.raises(_Stop):
        run_sweep(tmp_path, SPEC, on_start=_stop)
    lr_decay = HYPERPARAMETERS["lr_decay"]
    monkeypatch.setitem(HYPERPARAMETERS, "lr_decay", dataclasses.replace(lr_decay, default=0.1))
    with pytest.raises(SweepMismatch, match="the same search but other configurations"):
        run_sweep(tmp_path, SPEC)


def test_grid_options_in_another_order_are_the_same_sweep(tmp_path, reference) -> None:
    """D8: the grid is a set of values per hyper-parameter; neither the order of the options
    nor the order of the values makes another sweep."""
    run_sweep(tmp_path, SweepSpec(SPEC.space, (0,), CIRCLES))
    stored = (tmp_path / SPEC_NAME).read_text()
    shuffled = SearchSpace.parse(["lr=0.3,0.1", "batch_size=20", "patience=3", "epochs=6",
                                  "d_h=16,4"])  # fmt: skip
    assert shuffled.configurations() != SPEC.space.configurations()  # another order
    outcome = run_sweep(tmp_path, SweepSpec(shuffled, (0,), CIRCLES))
    assert (outcome.ran, outcome.skipped) == (0, 4)
    outcome = run_sweep(tmp_path, SweepSpec(shuffled, (0, 1, 2), CIRCLES))  # and grown
    assert (outcome.ran, outcome.skipped) == (8, 4)
    assert numbers(outcome.rows) == numbers(reference)
    assert (
        json.loads((tmp_path / SPEC_NAME).read_text())["spec"]["search"]
        == json.loads(stored)["spec"]["search"]
    )  # the folder keeps its own order


def test_a_random_search_drawing_other_configurations_is_refused_saying_why(tmp_path) -> None:
    """With ``--random``, the order of the values decides the draw: the same options in
    another order draw other configurations, and the message says so (not "the defaults
    of mlp 0.2.0 differ from those of mlp 0.2.0")."""
    grid = ["d_h=2,3,4,5,6,7", "lr=0.1,0.2,0.3"]
    spec = SweepSpec(SearchSpace.parse(grid, samples=3), (0,), CIRCLES)
    with pytest.raises(_Stop):
        run_sweep(tmp_path, spec, on_start=_stop)
    other = SearchSpace.parse(grid[::-1], samples=3)
    before = {json.dumps(c, sort_keys=True) for c in spec.space.configurations()}
    assert {json.dumps(c, sort_keys=True) for c in other.configurations()} != before
    with pytest.raises(SweepMismatch) as caught:
        run_sweep(tmp_path, SweepSpec(other, (0,), CIRCLES))
    message = str(caught.value)
    assert "the same search but other configurations" in message
    assert "a random search draws in the order the values are given" in message
    assert "mlp 0.2.0 differ" not in message


def test_empty_lines_in_the_results_file_are_skipped(tmp_path, reference) -> None:
    """A trailing empty line (an editor's) no longer stops a sweep."""
    spec = SweepSpec(SPEC.space, (0,), CIRCLES)
    run_sweep(tmp_path, spec)
    results = tmp_path / RESULTS_NAME
    results.write_text(results.read_text() + "\n")
    assert len(read_results(tmp_path)) == 4
    assert run_sweep(tmp_path, SweepSpec(SPEC.space, (0, 1), CIRCLES)).ran == 4
    assert len(read_results(tmp_path)) == 8


def test_two_sweeps_cannot_write_one_folder_at_once(tmp_path) -> None:
    with lock(tmp_path), pytest.raises(SweepBusy, match=f"pid {os.getpid()}"):
        run_sweep(tmp_path, SPEC)
    assert not (tmp_path / SPEC_NAME).exists()
    run_sweep(tmp_path, SweepSpec(SPEC.space, (0,), CIRCLES))  # free again


def test_without_joblib_a_parallel_sweep_says_what_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "joblib", None)  # import joblib now raises ImportError
    with pytest.raises(MissingDependency, match=r"pip install 'mlp-backprop-book\[sweep\]'"):
        run_sweep(tmp_path / "a", SPEC, jobs=2)
    assert not (tmp_path / "a").exists()
    assert run_sweep(tmp_path / "b", SPEC, jobs=1).ran == 12  # one process needs no joblib
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingDependency, match=r"pip install 'mlp-backprop-book\[cluster\]'"):
        run_sweep(tmp_path / "c", SPEC, scheduler="tcp://127.0.0.1:1")


# --- Dask ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Any:
    """Two worker processes and a scheduler on 127.0.0.1, stopped after the module."""
    require(importlib.util.find_spec("distributed") is not None, "dask.distributed missing")
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local


def test_a_dask_cluster_gives_the_rows_of_a_run_in_this_process(
    tmp_path, cluster, reference
) -> None:
    from distributed import Client

    with Client(cluster.scheduler_address) as client:
        before = client.run(sweep_run.cache_loads)  # worker address -> loads in that process
        outcome = run_sweep(tmp_path, SPEC, scheduler=cluster.scheduler_address)
        after = client.run(sweep_run.cache_loads)
        pids = client.run(os.getpid)
    assert numbers(outcome.rows) == numbers(reference)
    tasks_per_pid = Counter(row["worker"].rpartition(":")[2] for row in outcome.rows)
    assert set(tasks_per_pid) <= {str(pid) for pid in pids.values()}
    assert str(os.getpid()) not in tasks_per_pid  # the tasks ran in the workers
    assert max(tasks_per_pid.values()) >= 6  # so a worker without a cache would load 6 times
    assert all(after[worker] - before[worker] <= 1 for worker in pids), (before, after)


# --- the summary --------------------------------------------------------------------------------


def test_the_summary_ranks_configurations_by_mean_validation_error(tmp_path, reference) -> None:
    run_sweep(tmp_path, SPEC)
    summary = summarize(tmp_path)
    assert len(summary.results) == 4 and summary.n_tasks_finished == 12
    assert summary.varying == ("d_h", "lr")
    by_config: dict[str, list[dict[str, Any]]] = {}
    for row in reference:
        by_config.setdefault(json.dumps(row["config"], sort_keys=True), []).append(row)
    expected = sorted(
        (np.mean([r["valid_error"] for r in rows]), np.mean([r["valid_loss"] for r in rows]), c)
        for c, rows in by_config.items()
    )
    assert [json.dumps(r.config, sort_keys=True) for r in summary.results] == [
        c for _, _, c in expected
    ]
    for result, (mean, _, config) in zip(summary.results, expected, strict=True):
        errors = [r["valid_error"] for r in by_config[config]]
        assert result.mean_valid_error == pytest.approx(mean, abs=1e-15)
        assert result.std_valid_error == pytest.approx(np.std(errors, ddof=1))
        assert sorted(result.valid_errors) == sorted(errors) and result.seeds == (0, 1, 2)
    best = summary.best
    assert best.mean_valid_error == min(r.mean_valid_error for r in summary.results)
    assert best.mean_valid_error < 0.3  # the best configuration learned the circles
    text = format_summary(summary)
    assert f"best: d_h={best.config['d_h']} lr={best.config['lr']:g}" in text
    assert f"{100 * best.mean_valid_error:.2f}" in text and "12 of 12 tasks" in text


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_configuration_with_a_diverged_seed_ranks_last(tmp_path) -> None:
    spec = SweepSpec(SearchSpace.parse(["lr=0.3,1e20", *GRID[2:], "d_h=8"]), (0, 1), CIRCLES)
    run_sweep(tmp_path, spec)
    summary = summarize(tmp_path)
    assert [r.config["lr"] for r in summary.results] == [0.3, 1e20]
    assert summary.results[1].diverged == (0, 1) and math.isnan(summary.results[1].mean_valid_error)
    assert "2/2" in format_summary(summary) and "(2 diverged)" in format_summary(summary)


def test_the_report_plots_one_panel_per_varying_hyperparameter(tmp_path) -> None:
    spec = SweepSpec(SearchSpace.parse(GRID), (0, 1), CIRCLES)
    run_sweep(tmp_path, spec)
    summary, png = write_report(tmp_path)
    assert png == tmp_path / "report.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    figure = plot_summary(summary)
    panels = figure.axes
    assert [ax.get_xlabel() for ax in panels] == ["d_h", "lr"]
    # each configuration's seeds are dots: 4 configurations x 2 seeds per panel
    for ax in panels:
        dots = [line for line in ax.lines if line.get_marker() == "."]
        assert sum(len(line.get_ydata()) for line in dots) == 8
        star = next(line for line in ax.lines if line.get_marker() == "*")
        assert star.get_ydata()[0] == pytest.approx(100 * summary.best.mean_valid_error)


def test_a_partial_sweep_summarizes_the_seeds_it_finished(tmp_path) -> None:
    with pytest.raises(_Stop):
        run_sweep(tmp_path, SPEC, on_result=lambda row, done, total: _raise_at(done, 6))
    summary = summarize(tmp_path)
    assert summary.n_tasks_finished == 6
    assert sorted(len(r.seeds) for r in summary.results) == [1, 1, 2, 2]
    assert "6 of 12 tasks" in format_summary(summary) and "1/3" in format_summary(summary)


def _raise_at(done: int, stop: int) -> None:
    if done == stop:
        raise _Stop


# --- the data -----------------------------------------------------------------------------------


def test_data_options_are_checked_and_hashable() -> None:
    assert hash(DataOptions("circles")) == hash(DataOptions("circles", seed=0))
    assert DataOptions("circles", dtype=np.float64).dtype == "float64"
    with pytest.raises(ValueError, match=r"n_valid must lie in \(0, 100\) for n_points=100"):
        DataOptions("circles", n_points=100, n_valid=100)
    with pytest.raises(ValueError, match="dataset must be one of"):
        DataOptions("cifar")
    with pytest.raises(TypeError, match=re.escape("noise must be a finite number >= 0, got '0.1'")):
        DataOptions("circles", noise="0.1")
    splits, description = load_splits(DataOptions("circles", n_points=200, seed=3))
    assert splits.sizes() == {"train": 150, "valid": 50, "test": 200}
    assert splits.X_train.dtype == np.float32 and description["n_points"] == 200
    again, _ = load_splits(DataOptions("circles", n_points=200, seed=3))
    other, _ = load_splits(DataOptions("circles", n_points=200, seed=4))
    assert np.array_equal(again.X_valid, splits.X_valid)
    assert not np.array_equal(other.X_valid, splits.X_valid)


def test_a_missing_folder_has_no_sweep(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="holds no sweep"):
        summarize(tmp_path)
