"""The image datasets the book uses, pinned: release files, digests, classes, where to get them.

``DATASETS`` maps a name (``"fashion-mnist"``, ``"mnist"``) to its ``DatasetSpec``: the four
files of the release (``ROLES``), each with the SHA-256 of the official ``.gz`` file (checked on
download) and a digest of its decompressed content (checked on every local copy), the class
names, the official location and, for Fashion-MNIST, the Debian package that installs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DATASETS",
    "FASHION_MNIST",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_CLASSES_FR",
    "FASHION_MNIST_URL",
    "MNIST",
    "MNIST_CLASSES",
    "MNIST_URL",
    "ROLES",
    "DatasetSpec",
    "IDXFile",
    "dataset_spec",
]

ROLES = ("train-images", "train-labels", "test-images", "test-labels")
"""The four files of a dataset release, by role."""


@dataclass(frozen=True)
class IDXFile:
    """One file of a dataset release.

    ``filename`` is the official ``.gz`` name; ``archive_sha256`` the SHA-256 of that official
    ``.gz`` (checked on download); ``content_hash`` is ``"sha256:..."`` or ``"md5:..."`` of the
    decompressed IDX bytes (checked on every local file); ``shape`` the array it holds.
    """

    filename: str
    archive_sha256: str
    content_hash: str
    shape: tuple[int, ...]

    @property
    def stem(self) -> str:
        """The uncompressed file name, e.g. ``train-images-idx3-ubyte``."""
        return self.filename.removesuffix(".gz")


@dataclass(frozen=True)
class DatasetSpec:
    """Where a dataset lives and how to recognise it.

    ``files`` maps each role of ``ROLES`` to its ``IDXFile``; ``system_dir`` is a folder that a
    system package fills (``apt_package``), or None.
    """

    name: str
    title: str
    base_url: str
    files: dict[str, IDXFile]
    classes: tuple[str, ...]
    system_dir: Path | None = None
    apt_package: str | None = None

    def url(self, role: str) -> str:
        """Official download URL of the file playing ``role``."""
        return self.base_url + self.files[role].filename


FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
"""Fashion-MNIST class names; label k is ``FASHION_MNIST_CLASSES[k]``."""

FASHION_MNIST_CLASSES_FR: tuple[str, ...] = (
    "T-shirt/haut",
    "Pantalon",
    "Pull-over",
    "Robe",
    "Manteau",
    "Sandale",
    "Chemise",
    "Basket",
    "Sac",
    "Bottine",
)
"""The same class names in French, for the French edition's glued text (same order)."""

MNIST_CLASSES: tuple[str, ...] = tuple(str(digit) for digit in range(10))
"""MNIST class names: the digits "0" to "9"."""

FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
"""Official Fashion-MNIST location (Zalando Research's bucket, as linked from its README)."""

MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
"""MNIST mirror used by torchvision (the original yann.lecun.com pages no longer serve files)."""

# Provenance of the pinned digests.
# - archive_sha256: SHA-256 of the official .gz files, as published by torchvision, TensorFlow
#   Datasets and many other loaders. The published MD5s of the same archives are, for
#   Fashion-MNIST, 8d4fb7e6c68d591d4c3dfef9ec88bf0d 25c81989df183df01b3e8a0aad5dffbe
#   bef4ecab320f06d8554ea6380940ec79 bb300cfdad3c16e7a12a480ee83cd310 and, for MNIST,
#   f68b3c2dcbeaaa9fbdd348bbdeb94873 d53e105ee54ea40749a09fcbcd1e9432
#   9fb629c4189551a2d022fa330f9573f3 ec29112dd5afa0611ce80d1b7f02629c (train images,
#   train labels, test images, test labels).
# - content_hash for Fashion-MNIST: SHA-256 of the decompressed files, computed from the Debian
#   package dataset-fashion-mnist, whose decompressed files have the MD5s that torchvision
#   publishes for the raw Fashion-MNIST files (f4a8712d7a061bf5bd6d2ca38dc4d50a
#   9018921c3c673c538a1fc5bad174d6f9 8181f5470baa50b63fa0f6fddb340f0a
#   15d484375f8d13e6eb1aabb0c3f46965). Debian re-compressed the .gz files, so their archive
#   digests differ from the official ones while their content is identical.
# - content_hash for MNIST: the widely published MD5s of the decompressed MNIST files.
FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    title="Fashion-MNIST",
    base_url=FASHION_MNIST_URL,
    files={
        "train-images": IDXFile(
            "train-images-idx3-ubyte.gz",
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "sha256:c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            (60_000, 28, 28),
        ),
        "train-labels": IDXFile(
            "train-labels-idx1-ubyte.gz",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "sha256:bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            (60_000,),
        ),
        "test-images": IDXFile(
            "t10k-images-idx3-ubyte.gz",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "sha256:5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            (10_000, 28, 28),
        ),
        "test-labels": IDXFile(
            "t10k-labels-idx1-ubyte.gz",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            "sha256:0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            (10_000,),
        ),
    },
    classes=FASHION_MNIST_CLASSES,
    system_dir=Path("/usr/share/datasets/fashion-mnist"),
    apt_package="dataset-fashion-mnist",
)

MNIST = DatasetSpec(
    name="mnist",
    title="MNIST",
    base_url=MNIST_URL,
    files={
        "train-images": IDXFile(
            "train-images-idx3-ubyte.gz",
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "md5:6bbc9ace898e44ae57da46a324031adb",
            (60_000, 28, 28),
        ),
        "train-labels": IDXFile(
            "train-labels-idx1-ubyte.gz",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "md5:a25bea736e30d166cdddb491f175f624",
            (60_000,),
        ),
        "test-images": IDXFile(
            "t10k-images-idx3-ubyte.gz",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "md5:2646ac647ad5339dbf082846283269ea",
            (10_000, 28, 28),
        ),
        "test-labels": IDXFile(
            "t10k-labels-idx1-ubyte.gz",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            "md5:27ae3e4e09519cfbb04c329615203637",
            (10_000,),
        ),
    },
    classes=MNIST_CLASSES,
)

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (FASHION_MNIST, MNIST)}
"""The image datasets by name; ``load_dataset`` and ``dataset_status`` read this registry."""


def dataset_spec(name: str) -> DatasetSpec:
    """The registered dataset called ``name`` ("fashion-mnist", "Fashion_MNIST", "mnist"...)."""
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string, got {type(name).__name__}")
    key = name.strip().lower().replace("_", "-")
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}")
    return DATASETS[key]
