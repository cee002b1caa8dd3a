"""Build the book: ``python tools/build_book.py [--clean] [--builder html|pdflatex] [--jobs N]``.

Chapters are executed before Sphinx runs, ``--jobs`` at a time (default 2, one per core),
and their outputs stored in MyST-NB's execution cache, from which the Sphinx build then
reads them; a chapter whose front matter says ``backprop_book: {execute_alone: true}``
(the timing chapters) is executed afterwards on its own, so that nothing else runs on the
machine while it measures. A failing chapter stops the build with its traceback.

``--toc`` and ``--path-output`` build a partial book elsewhere (e.g. a few
chapters while writing them) without touching ``_build``.

Warnings are errors and every executed cell must succeed. Two caches can go
stale. MyST-NB's execution cache is keyed on a chapter's code cells only, so a
change to the ``mlp`` package would leave outputs computed with the old code:
this script fingerprints the package and clears that cache whenever it changed.
Sphinx re-reads only the pages whose sources changed, so after a change to the
package or to the book's setup (``_config.yml``, ``_toc.yml``, the extensions
in ``book/_ext``) unchanged pages would keep their old outputs or be written
with the old setup (e.g. without MathJax): both are fingerprinted, and when
either changed every page is read and written again (``--all``).
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def package_fingerprint() -> str:
    """SHA-256 over every source file the chapters execute or include."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "mlp").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def setup_fingerprint() -> str:
    """SHA-256 over the files that shape every page: configuration, TOC, extensions."""
    digest = hashlib.sha256()
    files = [
        ROOT / "_config.yml",
        ROOT / "_toc.yml",
        *sorted((ROOT / "book" / "_ext").rglob("*.py")),
    ]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def print_execution_times(build: Path) -> None:
    """Print how long each chapter took to execute (MyST-NB's records in Sphinx's environment;
    the same figures as the book's status page)."""
    environment = build / ".doctrees" / "environment.pickle"
    if not environment.is_file():
        return
    with environment.open("rb") as stream:
        env = pickle.load(stream)
    rows = []
    for docname, data in sorted(getattr(env, "nb_metadata", {}).items()):
        exec_data = data.get("exec_data")
        if exec_data:
            rows.append((docname, exec_data.get("method"), exec_data.get("runtime")))
    if not rows:
        return
    print("\nChapter execution times (s), as recorded when each was executed:")
    for docname, method, runtime in rows:
        seconds = "-" if runtime is None else f"{runtime:7.1f}"
        print(f"  {seconds:>7}  {method:<6}  {docname}")
    print(f"  {sum(r or 0.0 for _, _, r in rows):7.1f}  total")


def toc_chapters(toc: Path) -> list[Path]:
    """The ``.md`` files a Jupyter Book table of contents lists, in reading order."""
    import yaml

    def walk(node: Any) -> list[str]:
        found: list[str] = []
        if isinstance(node, dict):
            found += [node[key] for key in ("root", "file") if key in node]
            for value in node.values():
                found += walk(value) if isinstance(value, dict | list) else []
        elif isinstance(node, list):
            for item in node:
                found += walk(item)
        return found

    entries = walk(yaml.safe_load(toc.read_text()))
    return [ROOT / (e if e.endswith(".md") else e + ".md") for e in entries]


def read_chapter(path: Path) -> Any:
    """The chapter as the notebook MyST-NB executes and caches (None: not a notebook)."""
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook

    text = path.read_text()
    if not is_myst_markdown_notebook(text):
        return None
    return read_myst_markdown_notebook(text, add_source_map=True, path=str(path))


def execute_chapter(path_text: str) -> tuple[str, Any, float, str]:
    """Execute one chapter in its own folder: (path, executed notebook, seconds, error)."""
    import nbclient

    path = Path(path_text)
    nb = read_chapter(path)
    start = time.perf_counter()
    try:
        resources = {"metadata": {"path": str(path.parent)}}
        client = nbclient.NotebookClient(
            nb, timeout=600, kernel_name="python3", resources=resources, record_timing=False
        )
        executed = client.execute()
    except Exception as exc:  # the cell's traceback is in the message
        return path_text, None, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"
    return path_text, executed, time.perf_counter() - start, ""


def execute_stale_chapters(cache_path: Path, toc: Path, jobs: int) -> bool:
    """Execute the chapters the cache lacks, ``jobs`` at a time, then the lone ones; cache
    each success. Returns False (after printing the error) if a chapter fails."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_path))
    together, alone = [], []
    for path in toc_chapters(toc):
        nb = read_chapter(path)
        if nb is None:
            continue
        try:
            cache.match_cache_notebook(nb)
            continue
        except KeyError:
            pass
        lone = nb.metadata.get("backprop_book", {}).get("execute_alone", False)
        (alone if lone else together).append(str(path))
    if not together and not alone:
        return True
    print(f"executing {len(together)} chapter(s), {jobs} at a time, then {len(alone)} alone")

    def store(results: Any) -> bool:
        for path_text, executed, seconds, error in results:
            name = Path(path_text).relative_to(ROOT)
            if error:
                print(f"\nExecuting {name} FAILED after {seconds:.0f} s:\n{error}")
                return False
            bundle = CacheBundleIn(executed, path_text, data={"execution_seconds": seconds})
            cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
            print(f"  {seconds:7.1f} s  {name}", flush=True)
        return True

    environment = dict(os.environ)
    if jobs > 1:  # one BLAS thread per kernel: the chapters share the cores, not the threads
        os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = "1"
    try:
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            if not store(pool.imap_unordered(execute_chapter, together)):
                return False
    finally:
        os.environ.clear()
        os.environ.update(environment)
    return store(execute_chapter(path) for path in alone)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="remove _build first")
    parser.add_argument("--builder", default="html", choices=["html", "pdflatex"])
    parser.add_argument("--toc", help="another table of contents (default: _toc.yml)")
    parser.add_argument("--path-output", help="build under this folder instead of the root")
    parser.add_argument(
        "--jobs", type=int, default=2, help="chapters executed at once before Sphinx runs"
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")

    BUILD = Path(args.path_output or ROOT).resolve() / "_build"
    CACHE = BUILD / ".jupyter_cache"
    STAMP = BUILD / ".mlp-fingerprint"
    ENV_STAMP = BUILD / ".environment-fingerprint"  # Sphinx's environment, shared by builders

    if args.clean and BUILD.exists():
        shutil.rmtree(BUILD)
    fingerprint = package_fingerprint()
    if CACHE.exists() and (not STAMP.exists() or STAMP.read_text() != fingerprint):
        print("mlp/ changed since the last build: clearing the execution cache.")
        shutil.rmtree(CACHE)
    environment = hashlib.sha256((fingerprint + setup_fingerprint()).encode()).hexdigest()
    rewrite_all = not ENV_STAMP.exists() or ENV_STAMP.read_text() != environment
    BUILD.mkdir(parents=True, exist_ok=True)

    command = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(ROOT),
        "--builder",
        args.builder,
        "-W",
        "-n",
        "--keep-going",
    ]
    if rewrite_all:
        print("mlp/ or the book's setup changed (or no stamp yet): every page is read again.")
        command += ["--all"]
    if args.toc:
        command += ["--toc", str(Path(args.toc).resolve())]
    if args.path_output:
        command += ["--path-output", str(BUILD.parent)]
    start = time.perf_counter()
    toc = Path(args.toc).resolve() if args.toc else ROOT / "_toc.yml"
    if not execute_stale_chapters(CACHE, toc, args.jobs):
        print(f"\nBook build FAILED after {time.perf_counter() - start:.0f} s.")
        return 1
    result = subprocess.run(command, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        print(f"\nBook build FAILED after {elapsed:.0f} s (exit {result.returncode}).")
        return result.returncode
    STAMP.write_text(fingerprint)
    ENV_STAMP.write_text(environment)
    print_execution_times(BUILD)
    if args.builder == "html":
        where = BUILD / "html" / "index.html"
    else:
        where = next((BUILD / "latex").glob("*.pdf"), BUILD / "latex")
    print(f"\nBook built in {elapsed:.0f} s: {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
