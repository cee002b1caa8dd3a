"""Saving and loading a network (``mlp.model_io``): round trip and every refused file."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest

from mlp.model_io import load_model, save_model
from mlp.network import MLP, LoopMLP


def trained_like(cls: type[MLP] = MLP, dtype: type = np.float64) -> MLP:
    """A network with non-zero biases and elastic-net settings, as after training."""
    net = cls(5, 4, 3, l11=1e-4, l12=2e-3, l21=0.0, l22=5e-2, seed=1, dtype=dtype)
    rng = np.random.default_rng(2)
    net.b1 = rng.normal(size=4).astype(dtype)
    net.b2 = rng.normal(size=3).astype(dtype)
    return net


def write_npz(path, **arrays) -> None:
    np.savez(path, **arrays)


def good_arrays(net: MLP | None = None) -> dict[str, np.ndarray]:
    """The arrays of a valid file, to be spoiled one at a time."""
    net = net or trained_like()
    meta = {
        "format_version": 1,
        "class": "MLP",
        "lambdas": {"l11": 0.0, "l12": 0.0, "l21": 0.0, "l22": 0.0},
        "metadata": {},
    }
    return {**{k: v.copy() for k, v in net.params().items()}, "meta": np.array(json.dumps(meta))}


@pytest.mark.parametrize("cls", [MLP, LoopMLP])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_restores_class_settings_and_exact_parameters(tmp_path, cls, dtype) -> None:
    net = trained_like(cls, dtype)
    path = save_model(tmp_path / "model.npz", net, metadata={"dataset": "circles", "epoch": 7})
    loaded, metadata = load_model(path, d=5, m=3, dtype=dtype, with_metadata=True)
    assert type(loaded) is cls
    assert loaded.dtype == np.dtype(dtype)
    assert loaded.lambdas == net.lambdas
    for name, theta in net.params().items():
        assert loaded.params()[name].dtype == theta.dtype
        np.testing.assert_array_equal(loaded.params()[name], theta)
    X = np.random.default_rng(0).normal(size=(6, 5))
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    assert metadata == {"dataset": "circles", "epoch": 7}


def test_npz_suffix_is_added_and_no_temporary_file_is_left(tmp_path) -> None:
    path = save_model(tmp_path / "weights", trained_like())
    assert path.name == "weights.npz"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.npz"]
    assert isinstance(load_model(path), MLP)


def test_saved_file_has_the_permissions_of_any_new_file(tmp_path) -> None:
    mask = os.umask(0o022)
    try:
        path = save_model(tmp_path / "weights.npz", trained_like())
        reference = tmp_path / "reference"
        reference.write_bytes(b"")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode) == 0o644


def test_metadata_that_is_not_json_is_refused_and_nothing_is_written(tmp_path) -> None:
    with pytest.raises(TypeError, match="metadata must be JSON-serialisable"):
        save_model(tmp_path / "m.npz", trained_like(), metadata={"array": np.zeros(2)})
    assert list(tmp_path.iterdir()) == []


def test_saving_something_else_than_a_network_is_refused(tmp_path) -> None:
    with pytest.raises(TypeError, match="expects an MLP"):
        save_model(tmp_path / "m.npz", {"W1": np.zeros((2, 2))})  # type: ignore[arg-type]


def spoil(arrays: dict, change: str) -> dict:
    arrays = dict(arrays)
    if change == "missing b2":
        del arrays["b2"]
    elif change == "extra":
        arrays["W3"] = np.zeros((2, 2))
    elif change == "W1 1-D":
        arrays["W1"] = arrays["W1"].ravel()
    elif change == "b1 length":
        arrays["b1"] = np.zeros(7)
    elif change == "W2 width":
        arrays["W2"] = np.zeros((3, 9))
    elif change == "mixed dtypes":
        arrays["b2"] = arrays["b2"].astype(np.float32)
    elif change == "integers":
        arrays = {k: (v.astype(np.int64) if k != "meta" else v) for k, v in arrays.items()}
    elif change == "nan":
        arrays["W2"][0, 0] = np.nan
    elif change == "meta not json":
        arrays["meta"] = np.array("{not json")
    elif change == "meta version":
        arrays["meta"] = np.array(json.dumps({"format_version": 99}))
    elif change == "meta class":
        meta = json.loads(str(arrays["meta"]))
        arrays["meta"] = np.array(json.dumps({**meta, "class": "CNN"}))
    elif change == "meta lambdas":
        meta = json.loads(str(arrays["meta"]))
        arrays["meta"] = np.array(json.dumps({**meta, "lambdas": {"l11": 0.0}}))
    elif change == "negative lambda":
        meta = json.loads(str(arrays["meta"]))
        lambdas = {**meta["lambdas"], "l22": -1.0}
        arrays["meta"] = np.array(json.dumps({**meta, "lambdas": lambdas}))
    return arrays


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("missing b2", "missing b2"),
        ("extra", "unexpected W3"),
        ("W1 1-D", "W1 must be 2-D"),
        ("b1 length", "inconsistent shapes"),
        ("W2 width", "inconsistent shapes"),
        ("mixed dtypes", "must all be float32 or all float64"),
        ("integers", "must all be float32 or all float64"),
        ("nan", "W2 contains NaN or inf"),
        ("meta not json", "meta is not valid JSON"),
        ("meta version", "unknown model format 99"),
        ("meta class", "unknown network class 'CNN'"),
        ("meta lambdas", "four strengths"),
        ("negative lambda", "l22 must be a finite number >= 0"),
    ],
)
def test_a_spoiled_file_is_refused_with_its_name_and_the_problem(tmp_path, change, message) -> None:
    path = tmp_path / "bad.npz"
    write_npz(path, **spoil(good_arrays(), change))
    with pytest.raises(ValueError, match=message) as info:
        load_model(path)
    assert str(path) in str(info.value)


def test_the_unspoiled_test_file_loads(tmp_path) -> None:
    """Guards the test above: its base file is valid, so each failure comes from the change."""
    path = tmp_path / "good.npz"
    write_npz(path, **spoil(good_arrays(), "none"))
    assert load_model(path).d == 5


def test_an_object_array_is_refused_without_unpickling(tmp_path) -> None:
    path = tmp_path / "pickled.npz"
    arrays = good_arrays()
    arrays["meta"] = np.array([{"class": "MLP"}], dtype=object)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=str(path)):
        load_model(path)


@pytest.mark.parametrize(
    ("content", "message"), [(None, "no such model file"), (b"not a zip", "not a readable .npz")]
)
def test_a_missing_or_non_npz_file_is_refused(tmp_path, content, message) -> None:
    path = tmp_path / "model.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load_model(path)


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        ({"d": 784}, "takes d=5 inputs, expected d=784"),
        ({"m": 10}, "has m=3 classes, expected m=10"),
        ({"dtype": np.float32}, "is float64, expected float32"),
    ],
)
def test_a_model_of_other_shape_or_dtype_than_expected_is_refused(
    tmp_path, expect, message
) -> None:
    path = save_model(tmp_path / "model.npz", trained_like())
    with pytest.raises(ValueError, match=message):
        load_model(path, **expect)


def test_numpy_scalars_in_the_strengths_and_metadata_are_stored_as_numbers(tmp_path) -> None:
    net = MLP(3, 4, 2, seed=0, l11=np.float32(0.25))
    net.l22 = np.float64(0.5)  # assigned after construction, as a caller might
    path = save_model(tmp_path / "m.npz", net, metadata={"epoch": np.int64(3)})
    loaded, metadata = load_model(path, with_metadata=True)
    assert (loaded.l11, loaded.l22, metadata["epoch"]) == (0.25, 0.5, 3)
    with pytest.raises(TypeError, match="JSON-serialisable"):
        save_model(tmp_path / "bad.npz", net, metadata={"when": object()})
    assert not (tmp_path / "bad.npz").exists()
