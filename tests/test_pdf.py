"""The PDF editions (``make pdf``), English and French, have every chapter of the TOC.

Reads the text of ``_build/latex/backprop-book.pdf`` (and ``_build/latex/fr/backprop-book.pdf``)
with ``pdftotext`` and looks for each chapter's title (the part before any math): in the French
PDF, its translation when the page's catalogue has one. Both PDFs have the same figures. Needs
the PDF builds and poppler's ``pdftotext``; in CI a missing one is a failure, elsewhere a skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, require
from test_chapters import CHAPTERS

sys.path.insert(0, str(ROOT / "tools"))
from translations import CATALOGUES, read_catalogue

PDFS = {
    "en": ROOT / "_build" / "latex" / "backprop-book.pdf",
    "fr": ROOT / "_build" / "latex" / "fr" / "backprop-book.pdf",
}


def normalise(text: str) -> str:
    """Lower case, single spaces (no-break ones too), no hyphenation at line ends, straight
    apostrophes, no space before ``: ; ! ?`` (French typography puts one, babel-french even in
    English text)."""
    text = re.sub(r"-\s*\n\s*", "", text).replace("\u2019", "'")
    text = re.sub(r"[\s\u00a0\u202f]+", " ", text)
    return re.sub(r" ([:;!?])", r"\1", text).strip().lower()


def title_in(language: str, path: object) -> str:
    """The chapter's title as the ``language`` edition prints it."""
    markdown = path.read_text()  # type: ignore[attr-defined]
    heading = next(line[2:] for line in markdown.splitlines() if line.startswith("# "))
    if language == "fr":
        catalogue = CATALOGUES / path.relative_to(ROOT).with_suffix(".po")  # type: ignore[attr-defined]
        if catalogue.is_file():
            heading = read_catalogue(catalogue).get(heading, ("", True))[0] or heading
    return heading.split("$", 1)[0].strip()


def pdf_path(language: str):
    pdf = PDFS[language]
    require(pdf.is_file(), f"no PDF at {pdf}: run `make pdf` first")
    require(shutil.which("pdftotext") is not None, "pdftotext is not installed (poppler-utils)")
    return pdf


def pdf_text(language: str) -> str:
    """The normalised text of the ``language`` edition's PDF."""
    result = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path(language)), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return normalise(result.stdout)


@pytest.fixture(scope="module", params=list(PDFS))
def edition(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(language, normalised text of its PDF)."""
    return request.param, pdf_text(request.param)


@pytest.mark.parametrize("path", CHAPTERS[1:], ids=lambda p: str(p.relative_to(ROOT)))
def test_pdf_has_the_chapter(edition: tuple[str, str], path: object) -> None:
    language, text = edition
    title = normalise(title_in(language, path))
    assert title in text, f"chapter title {title!r} not found in the {language} PDF"


def test_french_pdf_is_in_french() -> None:
    text = pdf_text("fr")
    assert "la rétropropagation, dérivée et vérifiée" in text
    assert "glossaire anglais-français" in text


def images(pdf: object) -> int:
    result = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    )
    return len(result.stdout.splitlines()) - 2  # two header lines, then one line per image


def test_pdf_has_figures_and_math(edition: tuple[str, str]) -> None:
    language, text = edition
    require(shutil.which("pdfimages") is not None, "pdfimages is not installed (poppler-utils)")
    assert images(PDFS[language]) > 0, "the PDF has no images: figures were lost"
    # Typeset math leaves its symbols in the text layer: TeX's partial sign comes out as
    # U+1D715 (mathematical italic partial differential), or U+2202 with other fonts.
    assert "\U0001d715" in text or "\u2202" in text, "no partial sign: math was lost"
    assert re.search(r"\(\d+\.\d+\)", text), "no numbered equation found"


def test_both_pdfs_have_the_same_figures() -> None:
    require(shutil.which("pdfimages") is not None, "pdfimages is not installed (poppler-utils)")
    english, french = pdf_path("en"), pdf_path("fr")
    assert images(french) == images(english), "a figure was lost in the French PDF"


@pytest.mark.parametrize("language", list(PDFS))
def test_latex_resolved_every_cross_reference(language: str) -> None:
    """A reference Sphinx resolves in HTML can still be undefined in LaTeX (shown as ??)."""
    log = PDFS[language].with_suffix(".log")
    require(log.is_file(), f"no LaTeX log at {log}: run `make pdf` first")
    text = log.read_text(encoding="latin-1")
    undefined = re.findall(r"Reference `([^']+)' on page \d+ undefined", text)
    assert not undefined, f"undefined in the PDF: {undefined}"
    assert "There were undefined references" not in text
