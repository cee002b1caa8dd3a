"""The PDF edition (``make pdf``) has every chapter of the TOC.

Reads the text of ``_build/latex/backprop-book.pdf`` with ``pdftotext`` and
looks for each chapter's title (the part before any math). Needs a PDF build
and poppler's ``pdftotext``; in CI a missing one is a failure, elsewhere a skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import ROOT, require
from test_chapters import CHAPTERS

PDF = ROOT / "_build" / "latex" / "backprop-book.pdf"


def normalise(text: str) -> str:
    """Lower case, single spaces, no hyphenation at line ends."""
    text = re.sub(r"-\s*\n\s*", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def chapter_title(markdown: str) -> str:
    """The first ``# `` heading of a chapter, cut before any inline math."""
    heading = next(line[2:] for line in markdown.splitlines() if line.startswith("# "))
    return heading.split("$", 1)[0].strip()


@pytest.fixture(scope="module")
def pdf_text() -> str:
    require(PDF.is_file(), f"no PDF at {PDF}: run `make pdf` first")
    require(shutil.which("pdftotext") is not None, "pdftotext is not installed (poppler-utils)")
    result = subprocess.run(
        ["pdftotext", "-layout", str(PDF), "-"], capture_output=True, text=True, check=True
    )
    return normalise(result.stdout)


@pytest.mark.parametrize("path", CHAPTERS[1:], ids=lambda p: str(p.relative_to(ROOT)))
def test_pdf_has_the_chapter(pdf_text: str, path: object) -> None:
    title = normalise(chapter_title(path.read_text()))  # type: ignore[attr-defined]
    assert title in pdf_text, f"chapter title {title!r} not found in the PDF"


def test_pdf_has_figures_and_math(pdf_text: str) -> None:
    require(shutil.which("pdfimages") is not None, "pdfimages is not installed (poppler-utils)")
    result = subprocess.run(
        ["pdfimages", "-list", str(PDF)], capture_output=True, text=True, check=True
    )
    images = len(result.stdout.splitlines()) - 2  # two header lines, then one line per image
    assert images > 0, "the PDF has no images: figures were lost"
    # Typeset math leaves its symbols in the text layer: TeX's partial sign comes out as
    # U+1D715 (mathematical italic partial differential), or U+2202 with other fonts.
    assert "\U0001d715" in pdf_text or "\u2202" in pdf_text, "no partial sign: math was lost"
    assert re.search(r"\(\d+\.\d+\)", pdf_text), "no numbered equation found"


def test_latex_resolved_every_cross_reference() -> None:
    """A reference Sphinx resolves in HTML can still be undefined in LaTeX (shown as ??)."""
    log = PDF.with_suffix(".log")
    require(log.is_file(), f"no LaTeX log at {log}: run `make pdf` first")
    text = log.read_text(encoding="latin-1")
    undefined = re.findall(r"Reference `([^']+)' on page \d+ undefined", text)
    assert not undefined, f"undefined in the PDF: {undefined}"
    assert "There were undefined references" not in text
