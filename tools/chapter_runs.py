"""Executing chapters in worker processes that the build controls, and stopping them cleanly.

``tools/build_book.py`` executes each chapter in a process of its own (``python
tools/chapter_runs.py CHAPTER OUT``): the worker starts a Jupyter kernel, runs every cell with
nbclient and writes the executed notebook (``OUT.ipynb``) and a small report (``OUT.json``:
seconds, and the failing cell if any). The build polls its workers; when one fails it stops
the others at once: every worker and every process it started (its kernel, which Jupyter
starts in a session of its own, and anything the kernel started) is sent SIGTERM, then
SIGKILL after a grace period, and waited for. No ``multiprocessing`` pool is involved: a pool
left while its tasks run calls ``terminate()``, and with kernels started in its workers that
was seen to hang the build for good (a worker waiting on a lock, ignoring SIGTERM).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

GRACE_SECONDS = 5.0
"""How long a stopped worker's processes get to exit after SIGTERM before SIGKILL."""


def read_chapter(path: Path) -> Any:
    """The chapter as the notebook MyST-NB executes and caches (None: not a notebook); each
    cell's first line in the ``.md`` file is in ``nb.metadata["source_map"]``."""
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook

    text = path.read_text()
    if not is_myst_markdown_notebook(text):
        return None
    return read_myst_markdown_notebook(text, add_source_map=True, path=str(path))


def failing_cell(nb: Any) -> str:
    """Where a partly executed notebook failed: ``code cell N, line L`` (N counts the code
    cells, L is the line of its fence in the chapter's file) and the error's name and value,
    from the first code cell with an error output (empty if none has one)."""
    lines = nb.metadata.get("source_map", [])
    code_cells = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code_cells += 1
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                line = f", line {lines[index]}" if index < len(lines) else ""
                value = str(output.get("evalue", ""))
                value = value if len(value) <= 300 else value[:297] + "..."
                return f"code cell {code_cells}{line}: {output.get('ename')}: {value}"
    return ""


def execute(chapter: Path, out: Path, timeout: int) -> int:
    """Worker: execute ``chapter`` in its folder; write ``out``.ipynb and ``out``.json."""
    import nbclient
    import nbformat

    nb = read_chapter(chapter)
    start = time.perf_counter()
    error, where = "", ""
    client = nbclient.NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(chapter.parent)}},
        record_timing=False,
    )
    try:
        client.execute()
    except Exception as exc:  # the cell's source and traceback are in the message
        error = f"{type(exc).__name__}: {exc}"
        where = failing_cell(client.nb) or "before any cell ran"
    seconds = time.perf_counter() - start
    if not error:
        nbformat.write(client.nb, str(out.with_suffix(".ipynb")))
    report = {"seconds": seconds, "error": error, "where": where}
    out.with_suffix(".json").write_text(json.dumps(report))
    return 1 if error else 0


@dataclass
class Outcome:
    """One chapter's execution: the executed notebook (None when it failed), its seconds, and
    for a failure the failing cell and the error with its traceback."""

    chapter: Path
    nb: Any
    seconds: float
    where: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def stop_process_tree(process: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM ``process`` and every process it started (kernels included, whatever their
    session), SIGKILL what is left after ``grace`` seconds, and reap them all."""
    try:
        tree = [psutil.Process(process.pid)]
        tree += tree[0].children(recursive=True)
    except psutil.NoSuchProcess:
        tree = []
    for member in tree:
        try:
            member.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(tree, timeout=grace)
    for member in alive:
        try:
            member.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        pass


def run_chapters(
    chapters: Iterable[Path],
    *,
    jobs: int,
    workdir: Path,
    environment: Mapping[str, str],
    on_success: Callable[[Outcome], None],
    timeout: int = 900,
    poll: float = 0.2,
) -> Outcome | None:
    """Execute ``chapters`` ``jobs`` at a time, in the given order, each in a worker process
    with ``environment``; call ``on_success`` as each one succeeds. At the first failure, stop
    every other worker (and its kernel) and return that failure; None when all succeeded."""
    import nbformat

    queue = list(chapters)
    running: dict[subprocess.Popen, tuple[Path, Path]] = {}
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        while queue or running:
            while queue and len(running) < jobs:
                chapter = queue.pop(0)
                out = workdir / f"{len(queue)}-{os.getpid()}-{chapter.stem}"
                command = [sys.executable, __file__, str(chapter), str(out), str(timeout)]
                worker = subprocess.Popen(command, env=dict(environment), start_new_session=True)
                running[worker] = (chapter, out)
            time.sleep(poll)
            for worker in [w for w in running if w.poll() is not None]:
                chapter, out = running.pop(worker)
                report_path = out.with_suffix(".json")
                if not report_path.is_file():
                    report = {
                        "seconds": 0.0,
                        "error": f"the worker died (exit {worker.returncode})",
                        "where": "no report",
                    }
                else:
                    report = json.loads(report_path.read_text())
                if report["error"] or worker.returncode != 0:
                    return Outcome(
                        chapter,
                        None,
                        report["seconds"],
                        report["where"],
                        report["error"] or f"worker exit {worker.returncode}",
                    )
                nb = nbformat.read(str(out.with_suffix(".ipynb")), as_version=4)
                on_success(Outcome(chapter, nb, report["seconds"]))
        return None
    finally:
        for worker in list(running):
            stop_process_tree(worker)


if __name__ == "__main__":
    sys.exit(execute(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))
