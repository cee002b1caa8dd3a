"""C7's checks catch a broken engine: a frozen hidden layer, dropped bias gradients, a flipped sign.

Chapter C7 asserts ``mlp.experiments.network_checks`` on the networks it trains (and an
absolute bound that only its full configuration allows). Here the same checks run on a fast
configuration of real Fashion-MNIST: 20,000 training and 5,000 validation images, d_h = 64,
4 epochs of SGD with lr 0.3 decayed by 0.1, against the linear softmax classifier trained the
same way (best of lr 0.01, 0.03, 0.1, 0.3). Measured on seeds 0, 1, 2 when this test was
written: the working network reached 14.1-14.8 % validation error and the linear classifier
15.7-16.1 %, a gap of 1.0-1.8 points, hence the margin of 0.5 point (the tests use seed 0);
with the hidden layer frozen the network stays at 24-26 %, behind the linear classifier; with
the bias gradients dropped it reaches 13.9-14.7 %, as good as the working one, so only the
step check catches it. The step check's relative differences are below 2e-7 for the working
engine and 1 (or 2) on the arrays a broken engine mishandles.

The last test executes the chapter's first cell and then a failing one: the temporary folder
the page's search writes to must be gone when the kernel has shut down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbclient
import nbformat
import numpy as np
import pytest
from conftest import ROOT, require
from myst_nb.core.read import read_myst_markdown_notebook

from mlp.data import Splits, prepare
from mlp.data.datasets import DatasetUnavailable
from mlp.experiments import Check, best_linear_softmax, network_checks, step_follows_gradient
from mlp.network import MLP, LoopMLP
from mlp.train import TrainingDiverged, train

FAST = {"epochs": 4, "batch_size": 100, "lr_decay": 0.1, "seed": 0}
LR, D_H, MARGIN = 0.3, 64, 0.005


class FrozenHiddenLayer(MLP):
    """Steps like ``MLP`` but puts W1 and b1 back: the hidden layer never learns."""

    def sgd_step_unchecked(self, X: Any, y: Any, lr: float) -> tuple[float, int]:
        W1, b1 = self.W1.copy(), self.b1.copy()
        totals = super().sgd_step_unchecked(X, y, lr)
        self.W1[...], self.b1[...] = W1, b1
        return totals


class DroppedBiasGradients(MLP):
    """Steps like ``MLP`` but puts b1 and b2 back: the biases keep their initial zeros."""

    def sgd_step_unchecked(self, X: Any, y: Any, lr: float) -> tuple[float, int]:
        b1, b2 = self.b1.copy(), self.b2.copy()
        totals = super().sgd_step_unchecked(X, y, lr)
        self.b1[...], self.b2[...] = b1, b2
        return totals


class FlippedSign(MLP):
    """Steps like ``MLP`` with the opposite learning rate: gradient ascent."""

    def sgd_step_unchecked(self, X: Any, y: Any, lr: float) -> tuple[float, int]:
        before = {name: theta.copy() for name, theta in self.params().items()}
        totals = super().sgd_step_unchecked(X, y, lr)
        for name, theta in self.params().items():
            theta[...] = 2 * before[name] - theta  # theta + lr * gradient
        return totals


@pytest.fixture(scope="module")
def fast_data() -> Splits:
    try:
        data = prepare("fashion-mnist", download=False)
    except DatasetUnavailable as exc:
        require(False, f"real Fashion-MNIST not found: {exc}")
    return Splits(
        data.X_train[:20_000], data.y_train[:20_000], data.X_valid[:5_000], data.y_valid[:5_000]
    )


@pytest.fixture(scope="module")
def linear(fast_data: Splits) -> Any:
    return best_linear_softmax(fast_data, (0.01, 0.03, 0.1, 0.3), **FAST)


def trained(cls: type[MLP], data: Splits) -> MLP:
    net = cls(784, D_H, 10, seed=0, dtype=np.float32)
    train(net, data, lr=LR, threads=1, **FAST)
    return net


def by_name(found: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in found}


@pytest.mark.realdata
def test_a_working_engine_passes_every_check(fast_data: Splits, linear: Any) -> None:
    found = by_name(network_checks(trained(MLP, fast_data), fast_data, linear, margin=MARGIN))
    assert all(check.passed for check in found.values()), found
    assert max(found["the training step follows the gradient"].values.values()) < 1e-5


@pytest.mark.realdata
def test_a_frozen_hidden_layer_fails_both_checks(fast_data: Splits, linear: Any) -> None:
    net = trained(FrozenHiddenLayer, fast_data)
    found = by_name(network_checks(net, fast_data, linear, margin=MARGIN))
    accuracy = found["beats the linear classifier"]
    assert not accuracy.passed, found
    assert accuracy.values["error"] > accuracy.values["reference"]  # behind the linear one
    step = found["the training step follows the gradient"]
    assert not step.passed
    assert step.values["W1"] > 0.5 and step.values["b1"] > 0.5  # the hidden layer's arrays
    assert step.values["W2"] < 1e-5 and step.values["b2"] < 1e-5  # the output layer learns


@pytest.mark.realdata
def test_dropped_bias_gradients_fail_the_step_check_though_accuracy_barely_moves(
    fast_data: Splits, linear: Any
) -> None:
    net = trained(DroppedBiasGradients, fast_data)
    assert not np.any(net.b1) and not np.any(net.b2)  # the biases never left zero
    found = by_name(network_checks(net, fast_data, linear, margin=MARGIN))
    assert found["beats the linear classifier"].passed  # why the step check is needed
    step = found["the training step follows the gradient"]
    assert not step.passed
    assert step.values["b1"] > 0.5 and step.values["b2"] > 0.5
    assert step.values["W1"] < 1e-5 and step.values["W2"] < 1e-5


@pytest.mark.realdata
def test_a_flipped_sign_diverges_or_fails_both_checks(fast_data: Splits, linear: Any) -> None:
    try:
        net = trained(FlippedSign, fast_data)
    except TrainingDiverged:
        return  # the chapter's training stops there, which fails the page too
    found = by_name(network_checks(net, fast_data, linear, margin=MARGIN))
    assert not any(check.passed for check in found.values()), found


# --- the step check on small networks, no data files ----------------------------------------


def small_batch(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(20, 5)), rng.integers(0, 3, size=20)


@pytest.mark.parametrize("cls", [MLP, LoopMLP])
def test_the_step_check_passes_the_package_networks_with_a_penalty(cls: type[MLP]) -> None:
    X, y = small_batch()
    net = cls(5, 4, 3, l12=0.01, l22=0.02, seed=1)
    check = step_follows_gradient(net, X, y)
    assert check.passed, check
    assert set(check.values) == {"W1", "b1", "W2", "b2"}


@pytest.mark.parametrize(
    ("cls", "broken"),
    [
        (FrozenHiddenLayer, {"W1", "b1"}),
        (DroppedBiasGradients, {"b1", "b2"}),
        (FlippedSign, {"W1", "b1", "W2", "b2"}),
    ],
)
def test_the_step_check_names_the_arrays_a_broken_engine_mishandles(
    cls: type[MLP], broken: set[str]
) -> None:
    X, y = small_batch()
    net = cls(5, 4, 3, seed=1, dtype=np.float32)
    net.b1 += 0.1  # biases away from their initial zeros, as after training
    check = step_follows_gradient(net, X, y)
    assert not check.passed
    assert {name for name, error in check.values.items() if error > 0.5} == broken


def test_the_step_check_leaves_the_network_unchanged() -> None:
    X, y = small_batch()
    net = MLP(5, 4, 3, seed=2)
    before = {name: theta.copy() for name, theta in net.params().items()}
    step_follows_gradient(net, X, y)
    for name, theta in net.params().items():
        np.testing.assert_array_equal(theta, before[name])


def test_the_step_check_refuses_what_is_not_a_network() -> None:
    X, y = small_batch()
    with pytest.raises(TypeError, match=r"net must be an mlp\.network\.MLP"):
        step_follows_gradient("net", X, y)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="eps"):
        step_follows_gradient(MLP(5, 4, 3), X, y, eps=-1.0)


# --- the chapter's temporary folder -----------------------------------------------------------


def test_the_chapter_removes_its_temporary_folder_when_a_later_cell_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """C7's first cell makes the folder its search writes to; a cell that fails afterwards
    must not leave it behind (the kernel removes it as it shuts down)."""
    chapter = ROOT / "book" / "practice" / "c07_fashion_mnist.md"
    nb = read_myst_markdown_notebook(chapter.read_text(encoding="utf-8"))
    setup = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert "workspace = tempfile.TemporaryDirectory(" in setup.source
    failing = (
        "search = Path(workspace.name) / 'search'\n"
        "search.mkdir()\n"
        "(search / 'results.jsonl').write_text('{}\\n')\n"
        "print(search)\n"
        "raise RuntimeError('a cell of the page fails')"
    )
    nb.cells = [setup, nbformat.v4.new_code_cell(failing)]
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the kernel's tempfile puts folders
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(chapter.parent)}},
    )
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="a cell of the page fails"):
        client.execute()
    printed = "".join(out.get("text", "") for out in client.nb.cells[-1].outputs).strip()
    made = Path(printed)
    assert made.parent.parent == tmp_path and made.parent.name.startswith("c07-")  # it existed
    assert not made.parent.exists() and not list(tmp_path.glob("c07-*"))
