"""The data of "The MNIST lab" chapters: MNIST if it can be had, else Fashion-MNIST, said aloud.

``load_lab_data`` tries the datasets in order (MNIST first, as the lab does) with
:func:`mlp.data.prepare` and returns the first one that loads, with the reason each earlier
one could not be used (``Splits.unavailable``). ``notice(splits)`` turns that into a MyST
admonition that a chapter displays, so a page never runs on another dataset silently.

``linear_autoencoder`` builds the lab's linear autoencoder from :mod:`mlp.layers`; the
chapters draw their images with :func:`mlp.plots.plot_image_rows`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import DTypeLike

from mlp import checks
from mlp.data import DATASETS, DatasetUnavailable, Splits, prepare
from mlp.layers import Dense, Init, Sequential

__all__ = ["linear_autoencoder", "load_lab_data", "notice"]

Scaling = Literal["standardize", "unit"]


def notice(data: Splits) -> str:
    """A MyST admonition naming the dataset used and, for a fallback, why (ASCII text)."""
    sizes = (
        f"{len(data.y_train):,} training, {len(data.y_valid):,} validation and "
        f"{len(data.y_test):,} test images"
    )
    if not data.unavailable:
        return (
            f":::{{note}}\n**Dataset: {data.title}**, as in the lab: {sizes} "
            f"(source: {data.source}).\n:::\n"
        )
    asked = DATASETS[next(iter(data.unavailable))].title
    reasons = " ".join(
        f"{DATASETS[name].title}: {reason}" for name, reason in data.unavailable.items()
    )
    return (
        f":::{{warning}}\n**Dataset: {data.title}, not {asked}.** The lab works on {asked}, "
        f"which could not be loaded on the machine that built this page, so every figure "
        f"and number below comes from {data.title} instead ({sizes}, same format: 28 x 28 "
        f"grey images in 10 classes; source: {data.source}). Numbers therefore differ "
        f"from the lab's {asked} figures, which are quoted for comparison only.\n\n"
        f"Why: {reasons}\n:::\n"
    )


def load_lab_data(
    *,
    scaling: Scaling = "standardize",
    datasets: Sequence[str] = ("mnist", "fashion-mnist"),
    n_valid: int = 10_000,
    seed: int = 0,
    dtype: DTypeLike = np.float32,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> Splits:
    """Load the first of ``datasets`` that is available, split and scaled for the lab.

    ``scaling="standardize"`` standardises with the global mean and standard deviation of the
    training split (the lab's preprocessing); ``"unit"`` scales pixels to [0, 1]. The training
    images are split into ``n_valid`` validation images and the rest (seeded). The result's
    ``unavailable`` holds the datasets tried first and why they could not be used. Raises
    ``DatasetUnavailable`` listing every reason when none of the datasets can be loaded.
    """
    checks.one_of("scaling", scaling, ("standardize", "unit"))
    datasets = list(datasets)
    if not datasets:
        raise ValueError("datasets must name at least one dataset")
    for name in datasets:
        checks.one_of("datasets", name, tuple(DATASETS))
    unavailable: dict[str, str] = {}
    for name in datasets:
        try:
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
        + " ".join(f"{DATASETS[n].title}: {reason}" for n, reason in unavailable.items())
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
