"""Tests of mlp.data: IDX files, dataset discovery and checksums, two circles, preprocessing."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import requests
from conftest import require

from mlp import data
from mlp.data import (
    ChecksumError,
    DatasetSpec,
    DatasetUnavailable,
    IDXError,
    IDXFile,
    Standardizer,
    datasets,
)

# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user cache, no MLP_DATA, an empty verification memo; returns the cache root."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setattr(datasets, "_VERIFIED", {})
    return tmp_path / "xdg-cache" / data.CACHE_NAME


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclasses.dataclass
class Release:
    """A small synthetic dataset in the official layout, registered in data.DATASETS."""

    spec: DatasetSpec
    folder: Path  # the "official" files, served by the stub downloader
    arrays: dict[str, np.ndarray]

    def copy_to(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for idx_file in self.spec.files.values():
            shutil.copyfile(self.folder / idx_file.filename, folder / idx_file.filename)
        return folder


def make_release(
    root: Path, name: str = "tiny", seed: int = 0, n_train: int = 12, n_test: int = 6
) -> Release:
    """Write a 3-class dataset of 28x28 uint8 images as gzipped IDX files and describe it."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "train-labels": (np.arange(n_train) % 3).astype(np.uint8),
        "test-images": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "test-labels": (np.arange(n_test) % 3).astype(np.uint8),
    }
    folder = root / f"release-{name}-{seed}"
    folder.mkdir(parents=True)
    files = {}
    for role, official in data.FASHION_MNIST.files.items():
        path = data.write_idx(folder / official.filename, arrays[role])
        content = gzip.decompress(path.read_bytes())
        files[role] = IDXFile(
            official.filename,
            _sha256(path),
            "sha256:" + hashlib.sha256(content).hexdigest(),
            arrays[role].shape,
        )
    spec = DatasetSpec(
        name=name,
        title=name.capitalize(),
        base_url=f"https://example.invalid/{name}/",
        files=files,
        classes=("a", "b", "c"),
        system_dir=root / "system" / name,
        apt_package=f"dataset-{name}",
    )
    return Release(spec, folder, arrays)


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path) -> Release:
    release = make_release(tmp_path)
    monkeypatch.setitem(data.DATASETS, release.spec.name, release.spec)
    return release


def serve(release: Release, calls: list[str] | None = None):
    """A pooch downloader that copies the release's file named by the URL."""

    def download(url: str, output_file: str, pooch: object) -> None:
        if calls is not None:
            calls.append(url)
        shutil.copyfile(release.folder / url.rsplit("/", 1)[-1], output_file)

    return download


def offline(url: str, output_file: str, pooch: object) -> None:
    """A pooch downloader behaving like a machine without network."""
    raise requests.ConnectionError(f"Failed to resolve host of {url}")


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# --- IDX files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize(
    "dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64, ">f4", "<i2"]
)
@pytest.mark.parametrize("shape", [(7,), (3, 4, 5), (2, 1, 3, 2)])
def test_idx_round_trip_preserves_values_shape_and_dtype(tmp_path, suffix, dtype, shape):
    rng = np.random.default_rng(1)
    array = (rng.normal(size=shape) * 100).astype(dtype)
    path = data.write_idx(tmp_path / f"a-idx{len(shape)}-ubyte{suffix}", array)
    back = data.read_idx(path)
    assert back.shape == shape
    assert back.dtype == np.dtype(dtype).newbyteorder("=")
    np.testing.assert_array_equal(back, array)
    back[0] = 0  # writable


def test_write_idx_compresses_exactly_when_the_name_ends_in_gz(tmp_path):
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    raw = data.write_idx(tmp_path / "x-idx2-ubyte", array).read_bytes()
    packed = data.write_idx(tmp_path / "x-idx2-ubyte.gz", array).read_bytes()
    assert raw[:4] == bytes([0, 0, 0x08, 2])
    assert raw[4:12] == (3).to_bytes(4, "big") + (4).to_bytes(4, "big")
    assert raw[12:] == array.tobytes()
    assert packed[:2] == b"\x1f\x8b"
    assert gzip.decompress(packed) == raw


def _corrupt(tmp_path: Path, case: str) -> Path:
    """Write an IDX file damaged in the way ``case`` names."""
    good = bytes([0, 0, 0x08, 3]) + np.array([2, 3, 4], ">u4").tobytes() + bytes(range(24))
    gz = gzip.compress(good, mtime=0)
    damaged = {
        "bad magic": b"\x01\x02" + good[2:],
        "unknown data type code": good[:2] + b"\x07" + good[3:],
        "0 dimensions": good[:3] + b"\x00",
        "too short for an IDX header": good[:3],
        "truncated header": good[:3] + b"\x05" + good[4:12],
        "wrong dims": good[:4] + np.array([2, 3, 5], ">u4").tobytes() + good[16:],
        "truncated body": good[:-5],
        "trailing bytes": good + b"\x00",
    }
    gz_damaged = {
        "not a valid gzip file": b"PK\x03\x04" + good,
        "truncated gzip stream": gz[: len(gz) // 2],
        "corrupted gzip data": gz[:12] + bytes(b ^ 0xFF for b in gz[12:20]) + gz[20:],
        "gzip with a bad body": gzip.compress(good[:-1], mtime=0),
    }
    if case in damaged:
        path = tmp_path / "damaged-idx3-ubyte"
        path.write_bytes(damaged[case])
    else:
        path = tmp_path / "damaged-idx3-ubyte.gz"
        path.write_bytes(gz_damaged[case])
    return path


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("bad magic", "bad magic number"),
        ("unknown data type code", "unknown IDX data type code 0x07"),
        ("0 dimensions", "0 dimensions"),
        ("too short for an IDX header", "too short for an IDX header"),
        ("truncated header", "truncated header"),
        ("wrong dims", "truncated body: dimensions (2, 3, 5)"),
        ("truncated body", "truncated body"),
        ("trailing bytes", "trailing bytes"),
        ("not a valid gzip file", "not a valid gzip file"),
        ("truncated gzip stream", "truncated gzip stream"),
        ("corrupted gzip data", "gzip"),
        ("gzip with a bad body", "truncated body"),
    ],
)
def test_corrupted_idx_file_raises_idx_error_naming_file_and_problem(tmp_path, case, message):
    path = _corrupt(tmp_path, case)
    with pytest.raises(IDXError, match="damaged-idx3-ubyte") as info:
        data.read_idx(path)
    assert message in str(info.value)


def test_gzipped_file_without_gz_suffix_is_rejected_with_a_hint(tmp_path):
    path = data.write_idx(tmp_path / "x.gz", np.zeros(3, np.uint8)).rename(tmp_path / "x-idx1")
    with pytest.raises(IDXError, match="looks gzip-compressed"):
        data.read_idx(path)


def test_a_dataset_file_gzipped_under_the_plain_name_is_not_called_corrupted(tiny, tmp_path):
    folder = tmp_path / "d" / "tiny"
    tiny.copy_to(folder)
    gz = next(folder.glob("train-images*.gz"))
    gz.rename(gz.with_suffix(""))  # the .gz bytes under the uncompressed file's name
    with pytest.raises(IDXError, match=r"gzip-compressed but its name does not end in \.gz") as e:
        data.load_dataset("tiny", "train", data_dir=tmp_path / "d", download=False)
    assert "corrupted" not in str(e.value).replace("it is not corrupted", "")


@pytest.mark.parametrize(
    ("array", "error"),
    [
        (np.zeros(3, np.int64), TypeError),
        (np.zeros(3, bool), TypeError),
        (np.zeros(3, np.complex64), TypeError),
        (np.uint8(3), ValueError),
    ],
)
def test_write_idx_rejects_what_idx_cannot_store(tmp_path, array, error):
    with pytest.raises(error):
        data.write_idx(tmp_path / "x", array)


# --- finding, checking and downloading datasets -------------------------------------------------


def test_loader_returns_uint8_images_and_int64_labels_from_data_dir(tiny, tmp_path):
    folder = tiny.copy_to(tmp_path / "mine" / "tiny")
    images, labels = data.load_dataset("tiny", "train", data_dir=folder.parent, download=False)
    assert images.dtype == np.uint8 and images.shape == (12, 28, 28)
    assert labels.dtype == np.int64 and labels.shape == (12,)
    np.testing.assert_array_equal(images, tiny.arrays["train-images"])
    np.testing.assert_array_equal(labels, tiny.arrays["train-labels"])
    flat, _ = data.load_dataset("tiny", "test", flatten=True, data_dir=folder, download=False)
    assert flat.shape == (6, 784)
    np.testing.assert_array_equal(flat, tiny.arrays["test-images"].reshape(6, 784))


def test_search_order_is_data_dir_then_cache_then_system_copy(tiny, tmp_path, isolated):
    explicit = tiny.copy_to(tmp_path / "explicit" / "tiny")
    cached = tiny.copy_to(isolated / "tiny")
    system = tiny.copy_to(tiny.spec.system_dir)
    expected = [(explicit, "data_dir"), (cached, "user cache"), (system, "Debian package")]
    for folder, place in expected:
        files = data.locate_dataset("tiny", data_dir=tmp_path / "explicit", download=False)
        assert {path.parent for path, _ in files.values()} == {folder}
        assert all(label.startswith(place) for _, label in files.values())
        shutil.rmtree(folder)
    with pytest.raises(DatasetUnavailable, match="downloads disabled"):
        data.locate_dataset("tiny", data_dir=tmp_path / "explicit", download=False)


def test_mlp_data_is_searched_unless_data_dir_is_given(tiny, tmp_path, monkeypatch):
    env_folder = tiny.copy_to(tmp_path / "env" / "tiny")
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "env"))
    files = data.locate_dataset("tiny", download=False)
    assert {path.parent for path, _ in files.values()} == {env_folder}
    assert {label for _, label in files.values()} == {data.DATA_ENV}
    argument_folder = tiny.copy_to(tmp_path / "argument")  # flat layout, no tiny/ subfolder
    files = data.locate_dataset("tiny", data_dir=argument_folder, download=False)
    assert {path.parent for path, _ in files.values()} == {argument_folder}


def test_uncompressed_and_recompressed_copies_pass_the_content_checksum(tiny, tmp_path):
    folder = tmp_path / "copies"
    folder.mkdir()
    for role, idx_file in tiny.spec.files.items():
        content = gzip.decompress((tiny.folder / idx_file.filename).read_bytes())
        if role.endswith("images"):
            (folder / idx_file.stem).write_bytes(content)  # gunzipped by the user
        else:  # re-compressed with other settings, as Debian did
            (folder / idx_file.filename).write_bytes(gzip.compress(content, 1, mtime=12345))
    for split in ("train", "test"):
        images, labels = data.load_dataset("tiny", split, data_dir=folder, download=False)
        np.testing.assert_array_equal(images, tiny.arrays[f"{split}-images"])
        np.testing.assert_array_equal(labels, tiny.arrays[f"{split}-labels"])


def test_local_file_with_wrong_checksum_is_refused_and_named(tiny, tmp_path):
    folder = tiny.copy_to(tmp_path / "bad")
    images = tiny.arrays["train-images"].copy()
    images[3, 14, 14] ^= 1  # one pixel differs by one grey level
    data.write_idx(folder / "train-images-idx3-ubyte.gz", images)
    with pytest.raises(ChecksumError, match=r"bad/train-images-idx3-ubyte\.gz: wrong checksum"):
        data.load_dataset("tiny", "train", data_dir=folder)
    test_images, _ = data.load_dataset("tiny", "test", data_dir=folder)  # other files still fine
    assert test_images.shape == (6, 28, 28)


def test_file_of_another_dataset_is_identified(tiny, tmp_path, monkeypatch):
    other = make_release(tmp_path, name="other", seed=1)
    monkeypatch.setitem(data.DATASETS, "other", other.spec)
    folder = other.copy_to(tmp_path / "mixed")
    with pytest.raises(ChecksumError, match=r"it is the Other train-images-idx3-ubyte\.gz file"):
        data.load_dataset("tiny", "train", data_dir=folder, download=False)


def test_checksum_is_computed_once_per_file_per_process(tiny, tmp_path, monkeypatch):
    folder = tiny.copy_to(tmp_path / "memo")
    calls: list[str] = []
    digest = datasets._digest
    monkeypatch.setattr(
        datasets, "_digest", lambda blob, alg: calls.append(alg) or digest(blob, alg)
    )
    for _ in range(3):
        data.load_dataset("tiny", "train", data_dir=folder, download=False)
    assert len(calls) == 2  # images and labels, hashed once each
    later = time.time() + 10
    os.utime(folder / "train-labels-idx1-ubyte.gz", (later, later))  # the file "changed"
    data.load_dataset("tiny", "train", data_dir=folder, download=False)
    assert len(calls) == 3


def test_missing_files_are_downloaded_with_pooch_into_the_cache(tiny, isolated, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(datasets, "_http_downloader", lambda: serve(tiny, calls))
    images, labels = data.load_dataset("tiny", "test")
    np.testing.assert_array_equal(images, tiny.arrays["test-images"])
    np.testing.assert_array_equal(labels, tiny.arrays["test-labels"])
    assert calls == [tiny.spec.url("test-images"), tiny.spec.url("test-labels")]
    assert sorted(p.name for p in files_under(isolated)) == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
    data.load_dataset("tiny", "test")
    assert len(calls) == 2  # the second load reads the cache


def test_download_goes_to_mlp_data_when_it_is_set(tiny, tmp_path, isolated, monkeypatch):
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "shared"))
    monkeypatch.setattr(datasets, "_http_downloader", lambda: serve(tiny))
    data.load_dataset("tiny", "train")
    assert len(files_under(tmp_path / "shared" / "tiny")) == 2
    assert files_under(isolated) == []


def test_download_with_wrong_checksum_raises_and_leaves_nothing(tiny, isolated, monkeypatch):
    def tampered(url: str, output_file: str, pooch: object) -> None:
        Path(output_file).write_bytes(b"\x1f\x8b not the file we pinned")

    monkeypatch.setattr(datasets, "_http_downloader", lambda: tampered)
    with pytest.raises(ChecksumError, match="does not have the pinned SHA-256"):
        data.load_dataset("tiny", "train")
    assert not isolated.exists() or files_under(isolated) == []
    assert not (isolated / "tiny").exists()


def test_no_network_raises_dataset_unavailable_saying_how_to_get_fashion_mnist(
    tmp_path, isolated, monkeypatch
):
    spec = dataclasses.replace(data.FASHION_MNIST, system_dir=tmp_path / "not-installed")
    monkeypatch.setitem(data.DATASETS, "fashion-mnist", spec)
    monkeypatch.setattr(datasets, "_http_downloader", lambda: offline)
    with pytest.raises(DatasetUnavailable) as info:
        data.load_fashion_mnist("train")
    message = str(info.value)
    assert "Fashion-MNIST is not available" in message
    assert "no network?" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert f"{data.DATA_ENV}=DIR" in message and "DIR/fashion-mnist/" in message
    assert data.FASHION_MNIST_URL in message
    assert "python -m mlp data --download fashion-mnist" in message
    assert files_under(tmp_path / "xdg-cache") == []
    assert not (isolated / "fashion-mnist").exists()


def test_mnist_without_local_copy_or_network_is_unavailable(isolated, monkeypatch):
    monkeypatch.setattr(datasets, "_http_downloader", lambda: offline)
    for load in (lambda: data.load_mnist("test"), lambda: data.load_mnist("train", download=False)):
        with pytest.raises(DatasetUnavailable) as info:
            load()
        message = str(info.value)
        assert "MNIST is not available" in message
        assert data.MNIST_URL in message and f"{data.DATA_ENV}=DIR" in message
        assert "apt-get" not in message  # no package ships MNIST
    assert files_under(isolated) == []


def test_download_false_never_calls_the_downloader(tiny, monkeypatch):
    def forbidden(*args: object) -> None:
        raise AssertionError("download attempted")

    monkeypatch.setattr(datasets, "_http_downloader", lambda: forbidden)
    with pytest.raises(DatasetUnavailable, match="downloads disabled"):
        data.load_dataset("tiny", download=False)


def test_dataset_status_reports_found_missing_and_mismatched_files(tiny, tmp_path):
    folder = tiny.copy_to(tmp_path / "status" / "tiny")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(b"garbage")
    data.write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(12, np.uint8))
    (status,) = data.dataset_status(["tiny"], data_dir=tmp_path / "status")
    by_role = {f.role: f for f in status.files}
    assert by_role["train-images"].checksum == "ok"
    assert by_role["train-images"].path == folder / "train-images-idx3-ubyte.gz"
    assert by_role["train-images"].place == "data_dir"
    assert by_role["train-labels"].checksum == "mismatch"
    assert by_role["test-images"].checksum == "unreadable"
    assert "not a valid gzip file" in by_role["test-images"].detail
    assert by_role["test-labels"].checksum == "missing" and by_role["test-labels"].path is None
    assert not status.available
    assert "apt-get install dataset-tiny" in status.how_to


def test_dataset_status_of_a_complete_dataset_is_available(tiny, isolated):
    tiny.copy_to(isolated / "tiny")
    (status,) = data.dataset_status(["tiny"])
    assert status.available
    assert {f.place for f in status.files} == {"user cache"}
    assert status.searched[0] == f"${data.DATA_ENV} (not set)"


def test_labels_outside_the_class_range_are_rejected(tiny, tmp_path, monkeypatch):
    labels = np.full(12, 7, np.uint8)
    path = data.write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    files = dict(tiny.spec.files)
    content = gzip.decompress(path.read_bytes())
    files["train-labels"] = dataclasses.replace(
        files["train-labels"], content_hash="sha256:" + hashlib.sha256(content).hexdigest()
    )
    monkeypatch.setitem(data.DATASETS, "tiny", dataclasses.replace(tiny.spec, files=files))
    shutil.copyfile(
        tiny.folder / "train-images-idx3-ubyte.gz", tmp_path / "train-images-idx3-ubyte.gz"
    )
    with pytest.raises(IDXError, match=r"labels must lie in \[0, 3\)"):
        data.load_dataset("tiny", data_dir=tmp_path, download=False)


def test_dataset_names_and_splits_are_checked():
    assert data.dataset_spec("Fashion_MNIST") is data.DATASETS["fashion-mnist"]
    with pytest.raises(ValueError, match="unknown dataset 'cifar'; known datasets: fashion-mnist"):
        data.load_dataset("cifar")
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        data.load_fashion_mnist("valid")  # type: ignore[arg-type]


def test_pinned_release_metadata_is_consistent():
    for spec in (data.FASHION_MNIST, data.MNIST):
        assert list(spec.files) == list(data.ROLES)
        assert len(spec.classes) == 10
        for role, idx_file in spec.files.items():
            assert spec.url(role).startswith("http") and spec.url(role).endswith(".gz")
            assert len(idx_file.archive_sha256) == 64
            algorithm, digest = idx_file.content_hash.split(":")
            assert len(digest) == {"sha256": 64, "md5": 32}[algorithm]
            assert idx_file.shape[0] == (60_000 if role.startswith("train") else 10_000)
    assert data.FASHION_MNIST_CLASSES[0] == "T-shirt/top"
    assert data.FASHION_MNIST_CLASSES[9] == "Ankle boot"


# --- real Fashion-MNIST ------------------------------------------------------------------------


def _real(load):
    """Call ``load``; when the data are missing, skip (fail in strict mode: ``require``)."""
    try:
        return load()
    except DatasetUnavailable as exc:
        reason = f"real Fashion-MNIST not found (apt-get install dataset-fashion-mnist): {exc}"
        require(False, reason)


@pytest.mark.realdata
def test_real_fashion_mnist_shapes_class_balance_and_mean():
    X_train, y_train = _real(lambda: data.load_fashion_mnist("train", download=False))
    X_test, y_test = _real(lambda: data.load_fashion_mnist("test", download=False))
    assert X_train.shape == (60_000, 28, 28) and X_train.dtype == np.uint8
    assert X_test.shape == (10_000, 28, 28) and X_test.dtype == np.uint8
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y_train, minlength=10), np.full(10, 6_000))
    np.testing.assert_array_equal(np.bincount(y_test, minlength=10), np.full(10, 1_000))
    assert abs(X_train.mean() - 72.94) < 0.5


@pytest.mark.realdata
def test_real_fashion_mnist_prepare_gives_50000_10000_10000_standardised_on_train():
    prepared = _real(lambda: data.prepare("fashion-mnist", download=False))
    assert prepared.X_train.shape == (50_000, 784) and prepared.X_train.dtype == np.float32
    assert prepared.X_valid.shape == (10_000, 784) and prepared.X_test.shape == (10_000, 784)
    assert prepared.y_train.shape == (50_000,) and prepared.y_test.shape == (10_000,)
    assert abs(float(prepared.X_train.mean(dtype=np.float64))) < 1e-4
    assert abs(float(prepared.X_train.std(dtype=np.float64)) - 1) < 1e-4
    assert "Fashion-MNIST from" in prepared.source and prepared.classes[8] == "Bag"


# --- two circles -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 7, 200])
def test_two_circles_shapes_dtypes_and_balanced_classes(n):
    X, y = data.two_circles(n, seed=0)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=2)
    assert counts.sum() == n and abs(counts[0] - counts[1]) <= n % 2


def test_two_circles_without_noise_lie_on_radii_one_and_factor():
    X, y = data.two_circles(500, noise=0.0, factor=0.3, seed=4)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)
    angles = np.arctan2(X[:, 1], X[:, 0])
    assert np.ptp(angles) > 6.0  # the whole circle is covered


def test_two_circles_noise_has_the_requested_standard_deviation():
    X, y = data.two_circles(40_000, noise=0.05, factor=0.5, seed=5)
    radial = np.hypot(X[:, 0], X[:, 1]) - np.where(y == 0, 1.0, 0.5)
    assert abs(radial.std() - 0.05) < 0.002


def test_two_circles_are_reproducible_from_the_seed():
    X1, y1 = data.two_circles(50, seed=3)
    X2, y2 = data.two_circles(50, seed=3)
    X3, _ = data.two_circles(50, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert 0 < y1[:25].sum() < 25  # classes are shuffled, not in two blocks


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"n": 1}, ValueError),
        ({"n": 2.5}, TypeError),
        ({"n": 10, "noise": -0.1}, ValueError),
        ({"n": 10, "factor": 1.0}, ValueError),
        ({"n": 10, "factor": 0.0}, ValueError),
        ({"n": 10, "noise": float("nan")}, ValueError),
    ],
)
def test_two_circles_rejects_bad_arguments(kwargs, error):
    n = kwargs.pop("n")
    with pytest.raises(error):
        data.two_circles(n, **kwargs)


# --- splits and preprocessing ------------------------------------------------------------------


def test_default_split_is_50000_training_and_10000_validation_disjoint_and_seeded():
    ids = np.arange(60_000)
    X_train, y_train, X_valid, y_valid = data.train_valid_split(ids[:, None], ids)
    assert X_train.shape == (50_000, 1) and X_valid.shape == (10_000, 1)
    np.testing.assert_array_equal(X_train[:, 0], y_train)
    assert np.intersect1d(y_train, y_valid).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_valid])), ids)
    assert np.all(np.diff(y_train) > 0)  # original order kept
    again = data.train_valid_split(ids[:, None], ids)
    np.testing.assert_array_equal(again[3], y_valid)
    other = data.train_valid_split(ids[:, None], ids, seed=1)
    assert not np.array_equal(other[3], y_valid)


@pytest.mark.parametrize(
    ("X", "y", "n_valid", "error"),
    [
        (np.zeros((10, 2)), np.zeros(9), 2, ValueError),
        (np.zeros((10, 2)), np.zeros(10), 0, ValueError),
        (np.zeros((10, 2)), np.zeros(10), 10, ValueError),
        (np.zeros((10, 2)), np.zeros(10), 2.0, TypeError),
    ],
)
def test_split_rejects_bad_shapes_and_sizes(X, y, n_valid, error):
    with pytest.raises(error):
        data.train_valid_split(X, y, n_valid=n_valid)


def test_scale01_maps_uint8_to_unit_interval_in_the_chosen_dtype():
    pixels = np.array([[0, 51, 255]], np.uint8)
    np.testing.assert_allclose(data.scale01(pixels), [[0.0, 0.2, 1.0]], rtol=1e-7)
    assert data.scale01(pixels).dtype == np.float32
    assert data.scale01(pixels, np.float64).dtype == np.float64
    with pytest.raises(TypeError, match="uint8"):
        data.scale01(pixels.astype(np.float32))
    with pytest.raises(TypeError, match="float32 or float64"):
        data.scale01(pixels, np.float16)


def test_pixel_standardizer_gives_zero_mean_unit_variance_and_guards_constant_pixels():
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(500, 4))
    X[:, 2] = 7.0  # a pixel that never changes
    Z = Standardizer("pixel", dtype=np.float64).fit_transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), [1, 1, 0, 1], atol=1e-12)
    assert np.all(np.isfinite(Z))


def test_global_standardizer_uses_one_mean_and_one_std_for_all_pixels():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(300, 6)).astype(np.uint8)
    standardizer = Standardizer("global", dtype=np.float64).fit(X)
    assert standardizer.mean_.shape == () and standardizer.scale_.shape == ()
    np.testing.assert_allclose(standardizer.mean_, X.mean(), rtol=1e-12)
    np.testing.assert_allclose(standardizer.scale_, X.std(), rtol=1e-12)
    Z = standardizer.transform(X)
    assert abs(Z.mean()) < 1e-12 and abs(Z.std() - 1) < 1e-12
    constant = Standardizer("global").fit(np.full((5, 3), 0.5))
    assert constant.scale_ == 1.0  # zero variance: centred only


def test_standardizer_transform_is_the_affine_map_fitted_on_training_data_only():
    rng = np.random.default_rng(2)
    train, test = rng.normal(0, 1, (200, 5)), rng.normal(10, 5, (50, 5))
    standardizer = Standardizer("pixel", dtype=np.float64).fit(train)
    mean, scale = train.mean(axis=0), train.std(axis=0)
    np.testing.assert_allclose(standardizer.transform(test), (test - mean) / scale, rtol=1e-12)
    assert standardizer.n_fit_ == 200
    assert abs(standardizer.transform(test).mean()) > 1  # test data are not re-centred


def test_standardizer_dtype_and_bad_input():
    X = np.arange(12.0).reshape(4, 3)
    assert Standardizer().fit_transform(X).dtype == np.float32
    assert Standardizer(dtype=np.float64).fit_transform(X).dtype == np.float64
    with pytest.raises(ValueError, match="before fit"):
        Standardizer().transform(X)
    with pytest.raises(ValueError, match="NaN"):
        Standardizer().fit(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match=r"shape \(n, d\)"):
        Standardizer().fit(np.zeros(3))
    with pytest.raises(ValueError, match="3 features"):
        Standardizer("pixel").fit(X).transform(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="mode"):
        Standardizer("column")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="float32 or float64"):
        Standardizer(dtype=np.int32)


def test_prepare_splits_scales_and_standardises_with_training_statistics_only(
    tiny, tmp_path, monkeypatch
):
    tiny.copy_to(tmp_path / "p" / "tiny")
    prepared = data.prepare("tiny", n_valid=4, seed=1, data_dir=tmp_path / "p", download=False)
    assert prepared.X_train.shape == (8, 784) and prepared.X_valid.shape == (4, 784)
    assert prepared.X_test.shape == (6, 784) and prepared.X_train.dtype == np.float32
    assert prepared.y_train.dtype == np.int64 and prepared.n_classes == 3
    assert prepared.n_features == 784 and prepared.classes == ("a", "b", "c")
    assert "Tiny from" in prepared.source and "data_dir" in prepared.source
    assert set(prepared.files) == set(data.ROLES)

    # By construction the statistics are those of the 8 training images, nothing else.
    X01 = tiny.arrays["train-images"].reshape(12, -1) / 255.0
    X_train01, _, X_valid01, y_valid = data.train_valid_split(
        X01, tiny.arrays["train-labels"], 4, seed=1
    )
    assert prepared.standardizer is not None
    np.testing.assert_allclose(prepared.standardizer.mean_, X_train01.mean(), rtol=1e-6)
    np.testing.assert_allclose(prepared.standardizer.scale_, X_train01.std(), rtol=1e-6)
    assert abs(X_valid01.mean() - X_train01.mean()) > 1e-4  # validation data would differ
    np.testing.assert_array_equal(prepared.y_valid, y_valid)

    # Replacing the test images changes X_test only.
    other = make_release(tmp_path, seed=9)
    files = dict(
        tiny.spec.files, **{r: other.spec.files[r] for r in ("test-images", "test-labels")}
    )
    monkeypatch.setitem(data.DATASETS, "tiny", dataclasses.replace(tiny.spec, files=files))
    for role in ("test-images", "test-labels"):
        name = other.spec.files[role].filename
        shutil.copyfile(other.folder / name, tmp_path / "p" / "tiny" / name)
    changed = data.prepare("tiny", n_valid=4, seed=1, data_dir=tmp_path / "p", download=False)
    np.testing.assert_array_equal(changed.X_train, prepared.X_train)
    np.testing.assert_array_equal(changed.X_valid, prepared.X_valid)
    assert not np.array_equal(changed.X_test, prepared.X_test)


def test_prepare_without_standardisation_returns_pixels_in_unit_interval(tiny, tmp_path):
    tiny.copy_to(tmp_path / "q")
    prepared = data.prepare(
        "tiny", n_valid=2, standardize=None, dtype=np.float64, data_dir=tmp_path / "q"
    )
    assert prepared.standardizer is None and prepared.X_test.dtype == np.float64
    assert prepared.X_train.min() >= 0 and prepared.X_train.max() <= 1
    np.testing.assert_allclose(
        prepared.X_test, tiny.arrays["test-images"].reshape(6, -1) / 255.0, rtol=1e-15
    )
    pixel = data.prepare("tiny", n_valid=2, standardize="pixel", data_dir=tmp_path / "q")
    assert pixel.standardizer is not None and pixel.standardizer.mean_.shape == (784,)
    with pytest.raises(ValueError, match="standardize"):
        data.prepare("tiny", standardize="minmax", data_dir=tmp_path / "q")  # type: ignore[arg-type]
