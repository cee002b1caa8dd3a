"""Every chapter listed in ``_toc.yml`` executes without a cell error.

The book build executes every chapter (``make book``: warnings are errors, a failing cell
stops the build) and keeps each successful execution in MyST-NB's cache
(``_build/.jupyter_cache``, keyed on the chapter's code cells). So that ``make book && make
test`` executes each chapter once, a chapter whose execution the build cached is not
executed again when the cache is current: the build's stamp of the ``mlp`` package
(``_build/.mlp-fingerprint``: the package the cached executions were computed with) matches
the package on disk, and the cache holds a notebook with this chapter's present code
cells. Otherwise (no build, a stale build, a changed chapter) the test executes the chapter
itself, so ``make test`` alone still executes everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbclient
import pytest
import yaml
from build_book import package_fingerprint
from conftest import ROOT
from jupyter_cache import get_cache
from myst_nb.core.read import read_myst_markdown_notebook

BUILD = ROOT / "_build"
CACHE = BUILD / ".jupyter_cache"
STAMP = BUILD / ".mlp-fingerprint"


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


def build_execution(nb: Any) -> Any | None:
    """The build's successful execution of ``nb`` if the build's cache is current, else None."""
    if not (CACHE.is_dir() and STAMP.is_file()) or STAMP.read_text() != package_fingerprint():
        return None
    cache = get_cache(str(CACHE))
    try:
        record = cache.match_cache_notebook(nb)
    except KeyError:
        return None
    return cache.get_cache_bundle(record.pk).nb


def error_outputs(nb: Any) -> list[str]:
    """The error outputs of an executed notebook, as ``ename: evalue``."""
    return [
        f"{output.get('ename')}: {output.get('evalue')}"
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]


@pytest.mark.chapters
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_chapter_executes_without_error(path: Path) -> None:
    nb = read_myst_markdown_notebook(path.read_text())
    executed = build_execution(nb)
    if executed is None:
        client = nbclient.NotebookClient(
            nb,
            timeout=900,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        executed = client.execute()
    code_cells = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert all(cell.get("execution_count") for cell in code_cells)
    assert not error_outputs(executed)


def test_a_chapter_edited_after_the_build_is_executed_again() -> None:
    """The reuse is keyed on the code: a changed cell never matches the build's cache."""
    path = next(p for p in NOTEBOOKS if "part_a" in p.parts)
    nb = read_myst_markdown_notebook(path.read_text())
    code = next(cell for cell in nb.cells if cell.cell_type == "code")
    code.source += "\nraise RuntimeError('edited after the build')"
    assert build_execution(nb) is None


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
