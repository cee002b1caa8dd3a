"""Execute every chapter listed in ``_toc.yml`` and fail on any cell error.

The book build executes the chapters too; this test does it independently of
Sphinx and its cache, so a stale cache can never hide a broken chapter.
"""

from __future__ import annotations

from pathlib import Path

import nbclient
import pytest
import yaml
from conftest import ROOT
from myst_nb.core.read import read_myst_markdown_notebook


def toc_files(node: object) -> list[str]:
    """All ``file:``/``root:`` entries of a Jupyter Book TOC, in reading order."""
    found: list[str] = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if key in node:
                found.append(node[key])
        for value in node.values():
            if isinstance(value, (dict, list)):
                found.extend(toc_files(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(toc_files(item))
    return found


def chapter_paths() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    paths = []
    for entry in toc_files(toc):
        path = ROOT / (entry if entry.endswith((".md", ".ipynb")) else entry + ".md")
        paths.append(path)
    return paths


def is_notebook(text: str) -> bool:
    """A MyST chapter is executed only if its front matter declares a kernel."""
    return text.startswith("---") and "kernelspec:" in text.split("\n---", 1)[0]


CHAPTERS = chapter_paths()
NOTEBOOKS = [p for p in CHAPTERS if p.is_file() and is_notebook(p.read_text())]


def test_toc_lists_only_existing_chapters() -> None:
    missing = [str(p.relative_to(ROOT)) for p in CHAPTERS if not p.is_file()]
    assert not missing, f"_toc.yml lists chapters that do not exist: {missing}"


def test_every_chapter_file_is_in_the_toc() -> None:
    listed = {p.resolve() for p in CHAPTERS}
    on_disk = {
        p.resolve()
        for p in (ROOT / "book").rglob("*.md")
        if "_build" not in p.parts and not p.name.startswith("_")
    }
    orphans = sorted(str(p.relative_to(ROOT)) for p in on_disk - listed)
    assert not orphans, f"chapters missing from _toc.yml: {orphans}"


@pytest.mark.chapters
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_chapter_executes_without_error(path: Path) -> None:
    nb = read_myst_markdown_notebook(path.read_text())
    client = nbclient.NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()


def test_included_sources_are_ascii_so_the_pdf_can_typeset_them() -> None:
    """pdflatex stops at a character it has no glyph for (e.g. U+2299 in a docstring)."""
    included: set[Path] = set()
    for chapter in chapter_paths():
        for line in chapter.read_text(encoding="utf-8").splitlines():
            if line.startswith(("```{literalinclude}", ":::{literalinclude}")):
                included.add((chapter.parent / line.split("}", 1)[1].strip()).resolve())
    assert len(included) >= 8, included  # the chapters include several modules of mlp
    for path in sorted(included):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            odd = sorted({c for c in line if ord(c) > 127})
            assert not odd, f"{path.relative_to(ROOT)}:{number}: non-ASCII {odd} in {line!r}"
