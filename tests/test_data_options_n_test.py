"""DataOptions.n_test: a search without the test set, sharing one load with the final run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlp.data.options import DataOptions, first_test_examples, load_splits
from mlp.sweep import SearchSpace, SweepSpec, run_sweep
from mlp.sweep.run import cache_loads, cached_splits
from mlp.sweep.store import read_results

CIRCLES = DataOptions("circles", n_points=200)


def test_n_test_zero_leaves_the_test_set_out_and_k_keeps_the_first_k() -> None:
    whole, _ = load_splits(CIRCLES)
    none, description = load_splits(DataOptions("circles", n_points=200, n_test=0))
    assert not none.has("test") and description["n_test"] == 0
    np.testing.assert_array_equal(none.X_train, whole.X_train)
    some, _ = load_splits(DataOptions("circles", n_points=200, n_test=7))
    np.testing.assert_array_equal(some.X_test, whole.X_test[:7])
    assert first_test_examples(whole, None) is whole


def test_n_test_is_checked_by_name() -> None:
    with pytest.raises(ValueError, match="n_test"):
        DataOptions("circles", n_test=-1)
    with pytest.raises(TypeError, match="n_test"):
        DataOptions("circles", n_test=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_test must be at most 200"):
        load_splits(DataOptions("circles", n_points=200, n_test=201))


def test_options_that_differ_only_in_n_test_share_one_load() -> None:
    before = cache_loads()
    with_test = cached_splits(DataOptions("circles", n_points=240, seed=5))
    without = cached_splits(DataOptions("circles", n_points=240, seed=5, n_test=0))
    assert cache_loads() == before + 1
    assert with_test.has("test") and not without.has("test")
    assert without.X_train is with_test.X_train  # the same arrays, not a copy


def test_a_sweep_without_the_test_set_records_no_test_error(tmp_path) -> None:
    spec = SweepSpec(
        SearchSpace({"d_h": [4], "epochs": [2], "lr": [0.1]}),
        (0,),
        DataOptions("circles", n_points=240, n_test=0),
    )
    run_sweep(tmp_path, spec)
    (row,) = read_results(tmp_path)
    assert row["status"] == "ok" and np.isnan(row["test_error"]) and row["valid_error"] < 1
    stored = json.loads((tmp_path / "sweep.json").read_text())
    assert stored["spec"]["data"]["n_test"] == 0
