"""Tests for the epoch benchmark (``mlp.bench``).

No test looks at a timing: the benchmark prints figures, it does not assert them. What is
tested is that every method trains the same network as the readable ``fprop``/``bprop``
(and, when PyTorch is installed, as the PyTorch versions the benchmark compares with), and
that the benchmark returns well-formed results on a tiny synthetic problem.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import TOLERANCE, make_data

import mlp.bench.run
from mlp import cli
from mlp.bench import SPEED_RULE, epoch_speed_words, make_epoch, run_benchmark
from mlp.data import Splits
from mlp.network import MLP


def assert_same_params(a: dict, b: dict, dtype: type) -> None:
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(a[name], b[name], **TOLERANCE[dtype], err_msg=name)


# --- every method of the benchmark computes the same training -------------------------------


def tiny_data(n: int = 250, d: int = 10, m: int = 3) -> Splits:
    X, y = make_data(n + 60, d, m, seed=5)
    return Splits(X[:n], y[:n], X_test=X[n:], y_test=y[n:], source="synthetic clusters")


NUMPY_METHODS = ["loop", "fprop_bprop", "fused"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_numpy_method_trains_the_same_network(dtype):
    data = tiny_data()
    X, y = data.X_train.astype(dtype), data.y_train
    initial = MLP(10, 6, 3, seed=0)
    order = np.random.default_rng(0).permutation(len(y))
    epochs = {method: make_epoch(method, initial, X, y, 32, 0.2) for method in NUMPY_METHODS}
    for epoch in epochs.values():
        epoch.run(order, 0, 3)  # the epoch in two parts, as the benchmark does;
        epoch.run(order, 3, 100)  # asking for more batches than the 8 is harmless
    whole = make_epoch("fprop_bprop", initial, X, y, 32, 0.2)
    whole.run(order, 0, 8)
    reference = epochs["fprop_bprop"].params()
    assert_same_params(whole.params(), reference, dtype)
    assert not np.allclose(reference["W1"], initial.W1)
    for method in ("loop", "fused"):
        assert_same_params(epochs[method].params(), reference, dtype)


@pytest.mark.parametrize("method", ["products", "gather"])
def test_floor_epochs_leave_the_parameters_unchanged(method):
    data = tiny_data()
    initial = MLP(10, 6, 3, seed=0)
    epoch = make_epoch(method, initial, data.X_train, data.y_train, 32, 0.2)
    epoch.run(np.arange(250), 0, 8)
    assert_same_params(epoch.params(), initial.params(), np.float64)


@pytest.mark.parametrize("method", ["torch_autograd", "torch_manual"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pytorch_versions_train_the_same_network_as_numpy(method, dtype):
    pytest.importorskip("torch")
    data = tiny_data()
    X, y = data.X_train.astype(dtype), data.y_train
    initial = MLP(10, 6, 3, seed=0)
    order = np.random.default_rng(1).permutation(len(y))
    reference = make_epoch("fprop_bprop", initial, X, y, 32, 0.2)
    other = make_epoch(method, initial, X, y, 32, 0.2)
    reference.run(order, 0, 8)
    other.run(order, 0, 8)
    tolerance = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10}
    for name, value in reference.params().items():
        np.testing.assert_allclose(other.params()[name], value, **tolerance, err_msg=name)


def test_make_epoch_rejects_an_unknown_method():
    data = tiny_data()
    with pytest.raises(ValueError, match="unknown method"):
        make_epoch("jax", MLP(10, 6, 3), data.X_train, data.y_train, 32, 0.1)


# --- run_benchmark on a tiny problem ---------------------------------------------------------


def test_run_benchmark_returns_well_formed_results(tmp_path):
    result = run_benchmark(
        tiny_data(),
        hidden=(4, 6),
        threads=(1, 2),
        repeats=2,
        batch_size=50,
        loop_batches=2,
        use_torch=False,
        accuracy_epochs=2,
    )
    assert result.methods() == ["loop", "fprop_bprop", "fused", "products", "gather"]
    assert result.configurations() == [
        ("float32", 4),
        ("float32", 6),
        ("float64", 4),
        ("float64", 6),
    ]
    # every method at 1 thread, fused and products also at 2: 4 configurations x (5 + 2)
    assert len(result.timings) == 28
    for timing in result.timings:
        assert len(timing.seconds) == 2
        assert timing.threads == 1 or timing.method in ("fused", "products")
        assert timing.scaled_from == (2 if timing.method == "loop" else None)
    assert set(result.ratios) == {"float32 4", "float32 6", "float64 4", "float64 6"}
    expected = {"fused/products", "fused/products+gather", "fprop_bprop/fused", "loop/fused"}
    expected.add("threads 1 2")
    for ratios in result.ratios.values():
        assert set(ratios) == expected
    fused = result.timing("fused", "float32", 4)
    products = result.timing("products", "float32", 4)
    ratio = np.median(np.divide(fused.seconds, products.seconds))
    assert result.ratios["float32 4"]["fused/products"] == pytest.approx(ratio)

    assert set(result.accuracy) == {"float32", "float64", "gap_points", "gap_se_points"}
    assert result.accuracy["gap_se_points"] >= 0
    assert 0 <= result.accuracy["float32"] <= 100
    assert result.accuracy["gap_points"] == pytest.approx(
        abs(result.accuracy["float32"] - result.accuracy["float64"])
    )
    config = result.config
    assert (config["n"], config["d"], config["m"], config["n_batches"]) == (250, 10, 3, 5)
    assert config["gflop"]["4"] == pytest.approx(2 * 250 * (2 * 10 * 4 + 3 * 4 * 3) / 1e9)

    table = result.table()
    assert "fprop/bprop" in table and "fused, 2 thr" in table and "torch" not in table
    assert table.isascii()
    seconds_rows = [line for line in table.splitlines() if line.startswith("fused, 2 thr")]
    assert len(seconds_rows) == 1 and len(seconds_rows[0].split()) == 3 + 4  # 4 configurations
    markdown = result.markdown()
    assert markdown.count("| fused |") == 1 and markdown.count("| fused / products |") == 1
    assert markdown.count("| seconds per epoch | float32 d_h=4 | float32 d_h=6 |") == 1
    assert markdown.isascii()
    saved = json.loads(result.write_json(tmp_path / "bench.json").read_text())
    assert saved["ratios"] == result.ratios
    assert len(saved["timings"]) == 28 and saved["config"]["repeats"] == 2


def test_other_thread_counts_time_part_of_the_epoch_and_scale_it():
    result = run_benchmark(
        tiny_data(),
        dtypes=("float64",),
        hidden=4,
        threads=(1, 2),
        repeats=2,
        batch_size=25,
        loop_batches=3,
        thread_batches=4,
        use_torch=False,
        accuracy_epochs=0,
    )
    scaled = {(t.method, t.threads): t.scaled_from for t in result.timings}
    assert scaled[("fused", 2)] == scaled[("products", 2)] == 4
    assert scaled[("loop", 1)] == 3 and scaled[("fused", 1)] is None
    assert "first 4 minibatches timed" in result.table()
    with pytest.raises(ValueError, match="thread_batches"):
        run_benchmark(tiny_data(), use_torch=False, thread_batches=0)


def test_target_checks_compare_the_float32_ratios_with_the_issue_bounds():
    result = run_benchmark(
        tiny_data(),
        dtypes=("float32",),
        hidden=100,
        threads=1,
        repeats=1,
        loop_batches=0,
        use_torch=False,
        accuracy_epochs=1,
    )
    assert "loop" not in result.methods()
    checks = {
        description: (measured, bound) for description, measured, bound, _ in result.target_checks()
    }
    products = result.ratios["float32 100"]["fused/products"]
    assert checks["fused step / its matrix products"] == (products, 1.3)
    accuracy = [c for c in checks if c.startswith("|float32 - float64|")]
    assert len(accuracy) == 1 and checks[accuracy[0]][1] == 0.3


def test_run_benchmark_with_pytorch_adds_its_columns():
    pytest.importorskip("torch")
    result = run_benchmark(
        tiny_data(),
        dtypes=("float32",),
        hidden=5,
        threads=1,
        repeats=1,
        loop_batches=0,
        use_torch=True,
        accuracy_epochs=0,
    )
    assert result.methods() == [
        "fprop_bprop",
        "fused",
        "products",
        "gather",
        "torch_autograd",
        "torch_manual",
    ]
    assert {"fused/torch_autograd", "fused/torch_manual"} <= set(result.ratios["float32 5"])
    assert "torch autograd" in result.table() and result.accuracy == {}
    assert "torch" in result.config


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dtypes": ("float16",)}, "dtypes"),
        ({"dtypes": ()}, "dtypes"),
        ({"hidden": (100, 0)}, "hidden"),
        ({"threads": ()}, "threads"),
        ({"repeats": 0}, "repeats"),
        ({"batch_size": 0}, "batch_size"),
        ({"lr": -1.0}, "lr"),
        ({"loop_batches": -1}, "loop_batches"),
        ({"accuracy_epochs": -2}, "accuracy_epochs"),
    ],
)
def test_run_benchmark_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_benchmark(tiny_data(), use_torch=False, **kwargs)


def test_asking_for_pytorch_when_it_is_missing_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(mlp.bench.run, "torch_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"benchmarks/README\.md"):
        run_benchmark(tiny_data(), use_torch=True)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"X_train": np.full((4, 2), np.nan)}, ValueError, "NaN"),
        ({"y_train": np.array([0.0, 1.0, 0.0, 1.0])}, TypeError, "integer labels"),
        ({"y_train": np.array([0, -1, 0, 1])}, ValueError, "must hold labels in"),
        ({"X_test": None, "y_test": None}, ValueError, "test set"),
    ],
)
def test_benchmark_refuses_inconsistent_data(change, error, message):
    arrays = {
        "X_train": np.zeros((4, 2)),
        "y_train": np.array([0, 1, 0, 1]),
        "X_test": np.zeros((2, 2)),
        "y_test": np.array([1, 0]),
    }
    with pytest.raises(error, match=message):
        run_benchmark(Splits(**{**arrays, **change}), use_torch=False, repeats=1)


def test_bench_command_prints_the_table_and_writes_json(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(mlp.bench, "load_bench_data", lambda *args, **kwargs: tiny_data())
    path = tmp_path / "out.json"
    status = cli.main(
        [
            "bench",
            "--repeats",
            "1",
            "--hidden",
            "4",
            "--threads",
            "1",
            "--dtypes",
            "float64",
            "--loop-batches",
            "1",
            "--no-torch",
            "--accuracy-epochs",
            "0",
            "--json",
            str(path),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "fused / products" in out and f"wrote {path}" in out
    assert json.loads(path.read_text())["config"]["dtypes"] == ["float64"]


@pytest.mark.parametrize(
    "option", [["--hidden", "100,zero"], ["--loop-batches", "-3"], ["--thread-batches", "0"]]
)
def test_bench_options_reject_malformed_lists(option, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["bench", *option])
    assert stop.value.code == 2 and option[0] in capsys.readouterr().err


def test_mlp_bench_is_a_subcommand_of_the_cli(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(mlp.bench, "load_bench_data", lambda *args, **kwargs: tiny_data())
    monkeypatch.chdir(tmp_path)
    argv = ["bench", "--repeats", "1", "--hidden", "3", "--threads", "1", "--dtypes", "float32"]
    argv += ["--loop-batches", "0", "--no-torch", "--accuracy-epochs", "0", "--no-json"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "fused / products" in out and "loop" not in out.split("\n\n")[0]
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("ratio", "english", "french"),
    [
        (1.3, "1.30 times faster", "1,30 fois plus rapide"),
        (0.5, "2.00 times slower", "2,00 fois plus lente"),
        (1.25, "about as fast (ratio 1.25)", "à peu près aussi rapide (rapport 1,25)"),
        (0.8, "about as fast (ratio 0.80)", "à peu près aussi rapide (rapport 0,80)"),
    ],
)
def test_epoch_speed_words_follow_the_stated_ratio_band(ratio, english, french):
    assert epoch_speed_words(ratio) == {"en": english, "fr": french}
    assert "1.25" in SPEED_RULE["en"] and "1,25" in SPEED_RULE["fr"]


def test_epoch_speed_words_refuse_a_ratio_that_is_not_a_positive_number():
    with pytest.raises(ValueError, match="ratio"):
        epoch_speed_words(0.0)


def test_the_markdown_tables_exist_in_french_with_decimal_commas():
    result = run_benchmark(
        tiny_data(),
        dtypes=("float64",),
        hidden=4,
        threads=1,
        repeats=1,
        loop_batches=0,
        use_torch=False,
        accuracy_epochs=0,
    )
    english, french = result.markdown_seconds(), result.markdown_seconds("fr")
    assert english.startswith("| seconds per epoch |") and "." in english.splitlines()[2]
    assert french.startswith("| secondes par époque |")
    assert french.splitlines()[2].split("|")[2].strip() == english.splitlines()[2].split("|")[
        2
    ].strip().replace(".", ",")
    assert result.markdown_ratios("fr").startswith("| rapport dans une même répétition |")
    with pytest.raises(ValueError, match="language"):
        result.markdown_seconds("de")
