"""Tests for the fused SGD step (``MLP.sgd_step``) and the epoch benchmark (``mlp.bench``).

No test looks at a timing: the benchmark prints figures, it does not assert them. What is
tested is that the fast path computes the same numbers as the readable ``fprop``/``bprop``
(and, when PyTorch is installed, as the PyTorch versions the benchmark compares with), and
that the benchmark returns well-formed results on a tiny synthetic problem.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlp import bench, cli
from mlp.bench import BenchData, make_epoch, run_benchmark
from mlp.network import MLP, LoopMLP
from mlp.train import Splits, TrainingDiverged, run_epoch, train

LAMBDAS = {"l11": 1e-3, "l12": 2e-3, "l21": 3e-3, "l22": 4e-3}
NO_LAMBDAS = dict.fromkeys(LAMBDAS, 0.0)
TOLERANCE = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-12, "atol": 1e-14}}


def make_data(n: int, d: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=2.0, size=(m, d))
    y = rng.integers(0, m, size=n)
    return centers[y] + rng.normal(size=(n, d)), y


def readable_step(net: MLP, X: np.ndarray, y: np.ndarray, lr: float) -> tuple[float, int]:
    """fprop, bprop and theta -= lr * grad, written out here as the chapters do."""
    net.fprop(X, y)
    loss_sum, errors = float(net.L.sum()), int(np.count_nonzero(net.os.argmax(axis=1) != y))
    grads = net.bprop()
    for name, theta in net.params().items():
        theta -= lr * grads[name]
    return loss_sum, errors


def assert_same_params(a: dict, b: dict, dtype: type) -> None:
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(a[name], b[name], **TOLERANCE[dtype], err_msg=name)


# --- the fused step equals fprop, bprop and the update ---------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lambdas", [NO_LAMBDAS, LAMBDAS], ids=["no-penalty", "elastic-net"])
def test_fused_step_matches_fprop_bprop_and_update(dtype, lambdas):
    X, y = make_data(230, 12, 4, seed=1)
    X = X.astype(dtype)
    reference = MLP(12, 9, 4, seed=3, dtype=dtype, **lambdas)
    fused = reference.copy()
    for start in range(0, 230, 64):  # the last minibatch has 38 rows, fewer than the buffers
        rows = slice(start, start + 64)
        expected = readable_step(reference, X[rows], y[rows], 0.3)
        loss_sum, errors = fused.sgd_step(X[rows], y[rows], 0.3)
        assert errors == expected[1]
        assert loss_sum == pytest.approx(expected[0], **{"rel": TOLERANCE[dtype]["rtol"]})
        assert_same_params(fused.params(), reference.params(), dtype)


def test_sgd_step_reports_loss_and_errors_of_the_parameters_before_the_step():
    X, y = make_data(50, 6, 3, seed=2)
    net = MLP(6, 5, 3, seed=0, **LAMBDAS)
    before = net.copy()
    risk = before.fprop(X, y)
    loss_sum, errors = net.sgd_step(X, y, 0.5)
    assert loss_sum / 50 == pytest.approx(risk - before._penalty(), rel=1e-12)
    assert errors == np.count_nonzero(before.predict(X) != y)
    assert not np.array_equal(net.W1, before.W1)


def test_sgd_step_with_a_tiny_learning_rate_moves_along_minus_the_gradient():
    X, y = make_data(40, 5, 3, seed=4)
    net = MLP(5, 4, 3, seed=1, **LAMBDAS)
    before = net.copy()
    before.fprop(X, y)
    grads = before.bprop()
    net.sgd_step(X, y, 1e-3)
    for name, value in net.params().items():
        np.testing.assert_allclose(
            (before.params()[name] - value) / 1e-3, grads[name], rtol=1e-9, atol=1e-12
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_step_counts_ties_for_the_maximum_as_argmax_does(dtype):
    X, y = make_data(60, 5, 4, seed=5)
    X = X.astype(dtype)
    net = MLP(5, 3, 4, seed=0, dtype=dtype)
    net.W2[...] = 0  # every class gets the score b2 = 0: a four-way tie in every example
    expected = np.count_nonzero(y != 0)  # argmax picks class 0
    reference = net.copy()
    assert net.sgd_step(X, y, 0.1)[1] == expected == readable_step(reference, X, y, 0.1)[1]
    net.W2[...], net.b2[...] = 0, [0.0, 1.0, 1.0, -1.0]  # a tie between classes 1 and 2
    expected = np.count_nonzero(y != 1)
    assert net.sgd_step(X, y, 0.1)[1] == expected


def test_fused_step_keeps_float32_everywhere():
    X, y = make_data(70, 8, 3)
    net = MLP(8, 6, 3, seed=0, dtype=np.float32, **LAMBDAS)
    net.sgd_step(X.astype(np.float32), y, 0.1)
    assert all(p.dtype == np.float32 for p in net.params().values())
    buffers = net._step_buffers(70)  # the arrays the step wrote into
    floats = [array.dtype for array in buffers if array.dtype.kind == "f"]
    assert len(floats) == 8 and set(floats) == {np.dtype(np.float32)}, floats


def test_readable_path_keeps_float32_in_every_intermediate():
    X, y = make_data(30, 8, 3)
    net = MLP(8, 6, 3, seed=0, dtype=np.float32, **LAMBDAS)
    net.fprop(X.astype(np.float32), y)
    grads = net.bprop(grad_x=True)
    names = ("ha", "hs", "oa", "os", "L", "grad_oa", "grad_W2", "grad_b2", "grad_hs")
    names += ("grad_ha", "grad_W1", "grad_b1", "grad_x")
    for name in names:
        assert getattr(net, name).dtype == np.float32, name
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


def test_bprop_without_penalty_returns_the_data_gradients_themselves():
    X, y = make_data(20, 4, 3)
    net = MLP(4, 3, 3, seed=0)
    net.fprop(X, y)
    grads = net.bprop()
    assert grads["W1"] is net.grad_W1 and grads["W2"] is net.grad_W2
    penalized = MLP(4, 3, 3, seed=0, l12=0.1)
    penalized.fprop(X, y)
    np.testing.assert_allclose(penalized.bprop()["W1"], grads["W1"] + 0.2 * net.W1)


def test_loop_network_steps_with_its_own_fprop_and_bprop(monkeypatch):
    X, y = make_data(12, 4, 3)
    loop, matrix = LoopMLP(4, 3, 3, seed=0, **LAMBDAS), MLP(4, 3, 3, seed=0, **LAMBDAS)
    calls = []
    original = LoopMLP.bprop_example
    monkeypatch.setattr(
        LoopMLP, "bprop_example", lambda self, *a: calls.append(1) or original(self, *a)
    )
    loop_result = loop.sgd_step(X, y, 0.2)
    matrix_result = matrix.sgd_step(X, y, 0.2)
    assert len(calls) == 12  # one per example: the loop version really ran
    assert loop_result[1] == matrix_result[1]
    assert loop_result[0] == pytest.approx(matrix_result[0], rel=1e-12)
    assert_same_params(loop.params(), matrix.params(), np.float64)


def test_step_buffers_follow_new_parameter_shapes_and_are_not_shared_by_copies():
    X, y = make_data(20, 4, 3)
    net = MLP(4, 3, 3, seed=0)
    net.sgd_step(X, y, 0.1)
    clone = net.copy()
    clone.sgd_step(X, y, 0.1)
    assert clone._step_buffers(20)[7] is not net._step_buffers(20)[7]  # grad_W1
    rng = np.random.default_rng(0)
    net.W1, net.b1, net.W2 = rng.normal(size=(7, 4)), np.zeros(7), rng.normal(size=(3, 7))
    reference = net.copy()
    net.sgd_step(X, y, 0.1)
    readable_step(reference, X, y, 0.1)
    assert_same_params(net.params(), reference.params(), np.float64)


@pytest.mark.parametrize(
    ("X", "y", "lr", "error", "message"),
    [
        (np.zeros((5, 3)), np.zeros(5, int), 0.1, ValueError, "columns"),
        (np.full((5, 4), np.nan), np.zeros(5, int), 0.1, ValueError, "NaN"),
        (np.zeros((5, 4)), np.full(5, 3), 0.1, ValueError, "labels"),
        (np.zeros((5, 4)), np.zeros(4, int), 0.1, ValueError, "shape"),
        (np.zeros((5, 4)), np.zeros(5, int), 0.0, ValueError, "lr"),
        (np.zeros((5, 4)), np.zeros(5, int), float("inf"), ValueError, "lr"),
        (np.zeros((5, 4)), np.zeros(5, int), "0.1", TypeError, "lr"),
    ],
)
def test_sgd_step_rejects_bad_input(X, y, lr, error, message):
    net = MLP(4, 3, 3, seed=0)
    W1 = net.W1.copy()
    with pytest.raises(error, match=message):
        net.sgd_step(X, y, lr)
    np.testing.assert_array_equal(net.W1, W1)


# --- every method of the benchmark computes the same training -------------------------------


def tiny_data(n: int = 250, d: int = 10, m: int = 3) -> BenchData:
    X, y = make_data(n + 60, d, m, seed=5)
    return BenchData(X[:n], y[:n], X[n:], y[n:], "synthetic clusters")


NUMPY_METHODS = ["loop", "fprop_bprop", "fused"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_numpy_method_trains_the_same_network(dtype):
    data = tiny_data()
    X, y = data.X_train.astype(dtype), data.y_train
    initial = MLP(10, 6, 3, seed=0)
    order = np.random.default_rng(0).permutation(len(y))
    epochs = {method: make_epoch(method, initial, X, y, 32, 0.2) for method in NUMPY_METHODS}
    for epoch in epochs.values():
        assert epoch.run(order, 0, 3) >= 0  # the epoch in two parts, as the benchmark does;
        assert epoch.run(order, 3, 100) >= 0  # asking for more batches than the 8 is harmless
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
    assert epoch.run(np.arange(250), 0, 8) > 0
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
        assert len(timing.seconds) == 2 and all(s > 0 for s in timing.seconds)
        assert timing.threads == 1 or timing.method in ("fused", "products")
        assert timing.scaled_from == (2 if timing.method == "loop" else None)
    assert set(result.ratios) == {"float32 4", "float32 6", "float64 4", "float64 6"}
    expected = {"fused/products", "fused/products+gather", "fprop_bprop/fused", "loop/fused"}
    expected.add("threads 1 2")
    for ratios in result.ratios.values():
        assert set(ratios) == expected and all(r > 0 for r in ratios.values())
    fused = result.timing("fused", "float32", 4)
    products = result.timing("products", "float32", 4)
    ratio = np.median(np.divide(fused.seconds, products.seconds))
    assert result.ratios["float32 4"]["fused/products"] == pytest.approx(ratio)

    assert set(result.accuracy) == {"float32", "float64", "gap_points"}
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
    monkeypatch.setattr(bench, "torch_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"benchmarks/README\.md"):
        run_benchmark(tiny_data(), use_torch=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"X_train": np.full((4, 2), np.nan)}, "finite"),
        ({"y_train": np.array([0, 1, 2])}, "labels"),
        ({"y_train": np.array([0, -1, 0, 1])}, "negative"),
        ({"X_test": np.zeros((2, 5))}, "columns"),
    ],
)
def test_bench_data_rejects_inconsistent_arrays(change, message):
    arrays = {
        "X_train": np.zeros((4, 2)),
        "y_train": np.array([0, 1, 0, 1]),
        "X_test": np.zeros((2, 2)),
        "y_test": np.array([1, 0]),
    }
    with pytest.raises(ValueError, match=message):
        BenchData(**{**arrays, **change}, description="bad")


def test_bench_command_prints_the_table_and_writes_json(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(bench, "load_bench_data", lambda *args, **kwargs: tiny_data())
    path = tmp_path / "out.json"
    status = bench.main(
        [
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


def test_bench_options_reject_malformed_lists():
    with pytest.raises(SystemExit):
        bench.main(["--hidden", "100,zero"])
    with pytest.raises(SystemExit):
        bench.main(["--loop-batches", "-3"])
    with pytest.raises(SystemExit):
        bench.main(["--thread-batches", "0"])


# --- training uses the fused step --------------------------------------------------------------


@pytest.mark.parametrize("cls", [MLP, LoopMLP])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_run_epoch_matches_the_readable_run_epoch(cls, dtype):
    X, y = make_data(150, 7, 3, seed=8)
    X = X.astype(dtype)
    readable = cls(7, 5, 3, seed=2, dtype=dtype, **LAMBDAS)
    fused = readable.copy()
    for _ in range(2):
        expected = run_epoch(readable, X, y, batch_size=32, lr=0.2, rng=np.random.default_rng(4))
        stats = run_epoch(
            fused, X, y, batch_size=32, lr=0.2, rng=np.random.default_rng(4), fused=True
        )
        assert (stats.errors, stats.n) == (expected.errors, expected.n)
        assert stats.loss_sum == pytest.approx(expected.loss_sum, rel=TOLERANCE[dtype]["rtol"])
    assert_same_params(fused.params(), readable.params(), dtype)


def test_train_runs_the_fused_step(monkeypatch):
    X, y = make_data(120, 4, 3)
    calls = []
    original = MLP._fused_sgd_step
    monkeypatch.setattr(
        MLP, "_fused_sgd_step", lambda self, *a: calls.append(len(a[1])) or original(self, *a)
    )
    splits = Splits(X[:100], y[:100], X[100:], y[100:])
    train(MLP(4, 3, 3, seed=0), splits, epochs=2, batch_size=40, lr=0.1, progress=False)
    assert calls == [40, 40, 20] * 2


def test_fused_epoch_stops_with_training_diverged_on_nan_input():
    X, y = make_data(30, 4, 3)
    X[7, 2] = np.nan
    net = MLP(4, 3, 3, seed=0)
    with pytest.raises(TrainingDiverged, match="lower the learning rate"):
        run_epoch(net, X, y, batch_size=10, lr=0.1, rng=np.random.default_rng(0), fused=True)


@pytest.mark.parametrize(
    ("X", "y", "error", "message"),
    [
        (np.zeros((6, 5)), np.zeros(6, int), ValueError, "shape"),
        (np.zeros((6, 4), int), np.zeros(6, int), ValueError, "float"),
        (np.zeros((6, 4)), np.full(6, 7), ValueError, "labels"),
    ],
)
def test_fused_epoch_checks_the_data_once(X, y, error, message):
    with pytest.raises(error, match=message):
        run_epoch(
            MLP(4, 3, 3), X, y, batch_size=3, lr=0.1, rng=np.random.default_rng(0), fused=True
        )


def test_mlp_bench_is_a_subcommand_of_the_cli(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(bench, "load_bench_data", lambda *args, **kwargs: tiny_data())
    monkeypatch.chdir(tmp_path)
    argv = ["bench", "--repeats", "1", "--hidden", "3", "--threads", "1", "--dtypes", "float32"]
    argv += ["--loop-batches", "0", "--no-torch", "--accuracy-epochs", "0", "--no-json"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "fused / products" in out and "loop" not in out.split("\n\n")[0]
    assert not list(tmp_path.iterdir())
