"""The book's build stops cleanly: a failing chapter ends it at once, names the chapter and
the cell, leaves no process behind, and keeps what did execute for the retry.

Each test builds a small book of its own (``tools/build_book.py --root``) whose chapters are
tiny notebooks: some succeed, one fails, one would run for minutes if nothing stopped it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import ROOT

pytestmark = pytest.mark.chapters

FRONT_MATTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""

CONFIG = """title: a small book
only_build_toc_files: true
exclude_patterns: [_build]
execute:
  execute_notebooks: cache
  raise_on_error: true
  timeout: 600
"""


def chapter(title: str, code: str) -> str:
    return f"{FRONT_MATTER}\n# {title}\n\nSome prose.\n\n```{{code-cell}} ipython3\n{code}\n```\n"


def make_book(folder: Path, chapters: dict[str, str]) -> Path:
    """A book in ``folder``: an index page and the given chapters, in that order."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text(CONFIG)
    (folder / "intro.md").write_text("# A small book\n\nNothing to execute here.\n")
    entries = "".join(f"  - file: {name}\n" for name in chapters)
    (folder / "_toc.yml").write_text(f"format: jb-book\nroot: intro\nchapters:\n{entries}")
    for name, text in chapters.items():
        (folder / f"{name}.md").write_text(text)
    return folder


def build(folder: Path, *extra: str, timeout: float = 240) -> tuple[int, str, float]:
    """Run the build on ``folder``: (exit status, output, seconds)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py"), "--root", str(folder), *extra],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr, time.perf_counter() - start


FAILING = chapter("Failing", "x = 41\nassert x == 42, 'the answer is wrong'")


def test_a_failing_chapter_stops_the_build_at_once_and_leaves_no_process(
    tmp_path: Path,
) -> None:
    """The long chapter would sleep ten minutes: the failure of the other one ends it, its
    worker and its kernel within seconds, and the build exits 1 naming the chapter and cell."""
    pids = tmp_path / "pids"
    slow = chapter(
        "Slow",
        f"import os, time\nopen({str(pids)!r}, 'a').write(f'{{os.getpid()}}\\n')\ntime.sleep(600)",
    )
    waiting = chapter("Waiting", "import time\ntime.sleep(3)\nassert False, 'fails after 3 s'")
    book = make_book(tmp_path / "book", {"slow": slow, "waiting": waiting})
    status, output, seconds = build(book, "--jobs", "2")
    assert status == 1, output
    assert seconds < 120, f"the build took {seconds:.0f} s to stop"
    assert "FAILED: waiting.md, code cell 1, line 16: AssertionError: fails after 3 s" in output, (
        output
    )
    kernel_pids = [int(line) for line in pids.read_text().split()]
    assert kernel_pids, "the slow chapter never started"
    time.sleep(1)
    alive = [
        pid
        for pid in kernel_pids
        if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    ]
    assert not alive, f"the slow chapter's kernel survived the build: {alive}"
    leftovers = [
        p.info["pid"]
        for p in psutil.process_iter(["pid", "cmdline"])
        if any(str(book) in part for part in (p.info["cmdline"] or []))
    ]
    assert not leftovers, f"processes of the build survived it: {leftovers}"


def test_a_retry_executes_only_the_chapter_that_failed(tmp_path: Path) -> None:
    """The chapters that executed before the failure stay cached (the stamp of the package is
    written before anything executes), so the second build executes one chapter; once it is
    fixed, the third executes it and writes the pages."""
    book = make_book(
        tmp_path / "book",
        {
            "first": chapter("First", "print('one')"),
            "second": chapter("Second", "print('two')"),
            "failing": FAILING,
        },
    )
    status, output, _ = build(book, "--jobs", "1")
    assert status == 1 and "executing 3 chapter(s)" in output, output
    assert (
        "FAILED: failing.md, code cell 1, line 16" in output and "the answer is wrong" in output
    ), output

    status, output, _ = build(book, "--jobs", "1")
    assert status == 1 and "executing 1 chapter(s)" in output, output
    assert "clearing the execution cache" not in output, output

    (book / "failing.md").write_text(chapter("Fixed", "x = 42\nassert x == 42"))
    status, output, _ = build(book, "--jobs", "1")
    assert status == 0, output
    assert "executing 1 chapter(s)" in output, output
    assert (book / "_build" / "html" / "failing.html").is_file()


def test_failing_cell_names_the_cell_and_its_line_in_the_chapter(tmp_path: Path) -> None:
    from chapter_runs import failing_cell, read_chapter

    path = tmp_path / "c.md"
    path.write_text(
        FRONT_MATTER + "\n# C\n\n```{code-cell} ipython3\nx = 1\n```\n\n"
        "```{code-cell} ipython3\nraise ValueError('no')\n```\n"
    )
    nb = read_chapter(path)
    nb.cells[2].outputs = [
        {"output_type": "error", "ename": "ValueError", "evalue": "no", "traceback": []}
    ]
    assert failing_cell(nb) == "code cell 2, line 18: ValueError: no"
