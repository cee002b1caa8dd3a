"""The dataset box at the top of every lab page, in English and in French.

``notice(splits)`` says which data a lab chapter runs on (real MNIST digits, the 10,000-digit
subset, or Fashion-MNIST as a stated fallback) and why an earlier choice could not be used;
``notice(splits, "fr")`` is the same box for the French edition (its own module: the French
text is not ASCII, and the modules the chapters include must be); ``glue_notice(key, splits)``
glues both for ``{glue:md}``.
"""

from __future__ import annotations

from pathlib import Path

from mlp import checks
from mlp.data import DATASET_TITLES, Splits
from mlp.prose import FRENCH, french_number

__all__ = ["FRENCH_TITLES", "NOTICE_LANGUAGES", "glue_notice", "is_mnist", "notice"]


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
