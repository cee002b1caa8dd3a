"""Build the book: ``python tools/build_book.py [--clean] [--builder html|pdflatex] [--jobs N]``.

Chapters are executed before Sphinx runs, ``--jobs`` at a time (default 2, one per core),
and their outputs stored in MyST-NB's execution cache, from which the Sphinx build then
reads them; a chapter whose front matter says ``backprop_book: {execute_alone: true}``
(the timing chapters) is executed afterwards on its own, so that nothing else runs on the
machine while it measures. Each chapter runs in a worker process of its own
(``tools/chapter_runs.py``), and each success is cached as soon as it comes. A failing
chapter stops the build at once: the other workers and their kernels are stopped, the
chapter and its failing cell are named, the exit status is 1, and the executions cached so
far are kept, so that the next ``make book`` executes only what failed or changed.

Then the other editions: for each language with catalogues in ``locales/`` (French:
``locales/fr/``), ``tools/editions.py`` runs one more Sphinx pass over the same executed
notebooks (read from the same execution cache: no chapter is executed twice) and writes the
site to ``_build/html/fr/`` (``--builder pdflatex``: the PDF to ``_build/latex/fr/``), with
warnings as errors too. ``--editions en`` builds the English edition only.

``--toc`` and ``--path-output`` build a partial book elsewhere (e.g. a few
chapters while writing them) without touching ``_build``; ``--root`` builds another book
(its own ``_config.yml`` and ``_toc.yml``). ``--replicate K`` builds nothing: it executes the
chapters whose front matter says ``backprop_book: {replicate: true}`` as replication K of
their experiments (``MLP_REPLICATION=K``: every seed moved, see ``mlp.replication``) with two
BLAS threads, and fails if any of their asserted claims fails (``make replicate``).

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
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from chapter_runs import Outcome, read_chapter, run_chapters

ROOT = Path(__file__).resolve().parents[1]


def package_fingerprint() -> str:
    """SHA-256 over every source file the chapters execute or include."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "mlp").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def setup_fingerprint(language: str = "en") -> str:
    """SHA-256 over the files that shape every page of an edition: configuration, TOC,
    extensions and their templates; for a translation, also its catalogue of the theme's
    words (each page's own catalogue is a dependency Sphinx tracks itself)."""
    digest = hashlib.sha256()
    files = [
        ROOT / "_config.yml",
        ROOT / "_toc.yml",
        *sorted((ROOT / "book" / "_ext").rglob("*.py")),
        *sorted((ROOT / "book" / "_ext").rglob("*.html")),
        *sorted((ROOT / "book" / "_ext").rglob("*.css")),
    ]
    if language != "en":
        files += sorted((ROOT / "locales" / language / "LC_MESSAGES").glob("*.po"))
        files += sorted((ROOT / "locales" / language).glob("*.txt"))  # the pending list
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


def toc_chapters(toc: Path, root: Path = ROOT) -> list[Path]:
    """The ``.md`` files a Jupyter Book table of contents lists, in reading order (its
    entries are relative to the book's ``root``)."""
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
    return [root / (e if e.endswith(".md") else e + ".md") for e in entries]


def chapter_metadata(nb: Any) -> dict[str, Any]:
    """The book's own keys of a chapter's front matter (``backprop_book:``)."""
    return dict(nb.metadata.get("backprop_book", {}) or {})


def execute_stale_chapters(cache_path: Path, toc: Path, root: Path, jobs: int) -> bool:
    """Execute the chapters the cache lacks, ``jobs`` at a time, then the lone ones, and cache
    each success as it comes (a failure later keeps it). At the first failure, stop the other
    workers, print the chapter, the failing cell and the error, and return False."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_path))
    together, alone = [], []
    for path in toc_chapters(toc, root):
        nb = read_chapter(path)
        if nb is None:
            continue
        try:
            cache.match_cache_notebook(nb)
            continue
        except KeyError:
            pass
        (alone if chapter_metadata(nb).get("execute_alone") else together).append(path)
    if not together and not alone:
        return True
    print(f"executing {len(together)} chapter(s), {jobs} at a time, then {len(alone)} alone")

    def store(outcome: Outcome) -> None:
        bundle = CacheBundleIn(
            outcome.nb, str(outcome.chapter), data={"execution_seconds": outcome.seconds}
        )
        cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
        print(f"  {outcome.seconds:7.1f} s  {outcome.chapter.relative_to(root)}", flush=True)

    environment = dict(os.environ)
    shared = dict(environment)
    if jobs > 1:  # one BLAS thread per kernel: the chapters share the cores, not the threads
        shared["OPENBLAS_NUM_THREADS"] = shared["OMP_NUM_THREADS"] = "1"
    with tempfile.TemporaryDirectory(prefix="book-exec-") as workdir:
        for group, group_jobs, env in ((together, jobs, shared), (alone, 1, environment)):
            failure = run_chapters(
                group, jobs=group_jobs, workdir=Path(workdir), environment=env, on_success=store
            )
            if failure is not None:
                report_failure(failure, root)
                return False
    return True


def translated_languages(root: Path) -> list[str]:
    """The languages of the other editions: those with catalogues in ``root/locales/``."""
    locales = root / "locales"
    if not locales.is_dir():
        return []
    return sorted(p.name for p in locales.iterdir() if (p / "LC_MESSAGES").is_dir())


def build_edition(
    language: str, root: Path, toc: Path, build: Path, builder: str
) -> tuple[int, float]:
    """The Sphinx pass of one translated edition (``tools/editions.py``, in a process of its
    own), reading every page again when its setup changed; (exit status, seconds)."""
    stamp = build / language / ".environment-fingerprint"
    fingerprint = hashlib.sha256(
        (package_fingerprint() + setup_fingerprint(language)).encode()
    ).hexdigest()
    command = [
        sys.executable,
        str(Path(__file__).with_name("editions.py")),
        "--language",
        language,
        "--builder",
        "latex" if builder == "pdflatex" else "html",
        "--root",
        str(root),
        "--toc",
        str(toc),
        "--build",
        str(build),
    ]
    if not stamp.is_file() or stamp.read_text() != fingerprint:
        command.append("--all")
    start = time.perf_counter()
    status = subprocess.run(command, cwd=root, check=False).returncode
    seconds = time.perf_counter() - start
    if status == 0:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(fingerprint)
    return status, seconds


def report_failure(failure: Outcome, root: Path) -> None:
    """Name the chapter and the failing cell, then show the error with its traceback."""
    try:
        name = failure.chapter.relative_to(root)
    except ValueError:
        name = failure.chapter
    print(
        f"\nExecuting {name} FAILED after {failure.seconds:.0f} s, {failure.where}"
        f"\n{failure.error}\n\nFAILED: {name}, {failure.where}",
        flush=True,
    )


def replicate(toc: Path, root: Path, number: int, out: Path) -> int:
    """Execute the chapters whose front matter says ``replicate: true`` as replication
    ``number`` (``MLP_REPLICATION``, seeds moved) with two BLAS threads, one at a time; keep
    the executed notebooks in ``out``. Returns 0 when every chapter executed without error."""
    chapters = [
        path
        for path in toc_chapters(toc, root)
        if (nb := read_chapter(path)) is not None and chapter_metadata(nb).get("replicate")
    ]
    if not chapters:
        print("no chapter says `replicate: true` in its front matter")
        return 1
    env = dict(os.environ)
    env["MLP_REPLICATION"] = str(number)
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "2"
    out.mkdir(parents=True, exist_ok=True)
    print(f"replication {number}: {len(chapters)} chapter(s), one at a time, 2 BLAS threads")
    start = time.perf_counter()

    def keep(outcome: Outcome) -> None:
        import nbformat

        target = out / outcome.chapter.relative_to(root).with_suffix(".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(outcome.nb, str(target))
        print(f"  {outcome.seconds:7.1f} s  {outcome.chapter.relative_to(root)}", flush=True)

    with tempfile.TemporaryDirectory(prefix="book-replicate-") as workdir:
        failure = run_chapters(
            chapters, jobs=1, workdir=Path(workdir), environment=env, on_success=keep
        )
    elapsed = time.perf_counter() - start
    if failure is not None:
        report_failure(failure, root)
        print(f"\nReplication {number} FAILED after {elapsed:.0f} s.")
        return 1
    print(
        f"\nReplication {number}: every asserted claim held again ({elapsed:.0f} s); "
        f"executed chapters in {out}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="remove _build first")
    parser.add_argument("--builder", default="html", choices=["html", "pdflatex"])
    parser.add_argument("--toc", help="another table of contents (default: _toc.yml)")
    parser.add_argument("--path-output", help="build under this folder instead of the root")
    parser.add_argument(
        "--root", help="the book's source folder (_config.yml, _toc.yml; default: the repository)"
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="chapters executed at once before Sphinx runs"
    )
    parser.add_argument(
        "--editions",
        default="all",
        help="'all' (English, then every language with catalogues in locales/) or 'en'",
    )
    parser.add_argument(
        "--replicate",
        type=int,
        metavar="K",
        help="execute the statistical chapters as replication K (seeds moved, 2 BLAS threads) "
        "instead of building; their executions go to _build/replication/",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.replicate is not None and args.replicate < 1:
        parser.error(f"--replicate must be at least 1, got {args.replicate}")
    if args.editions not in ("all", "en"):
        parser.error(f"--editions must be 'all' or 'en', got {args.editions!r}")
    # SIGTERM ends the build as Ctrl-C does, so that the workers and kernels are stopped too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    root = Path(args.root).resolve() if args.root else ROOT
    BUILD = Path(args.path_output or root).resolve() / "_build"
    CACHE = BUILD / ".jupyter_cache"
    STAMP = BUILD / ".mlp-fingerprint"  # the package the cached executions were computed with
    ENV_STAMP = BUILD / ".environment-fingerprint"  # Sphinx's environment, shared by builders
    toc = Path(args.toc).resolve() if args.toc else root / "_toc.yml"

    if args.replicate is not None:
        return replicate(toc, root, args.replicate, BUILD / "replication")
    if args.clean and BUILD.exists():
        shutil.rmtree(BUILD)
    fingerprint = package_fingerprint()
    if CACHE.exists() and (not STAMP.exists() or STAMP.read_text() != fingerprint):
        print("mlp/ changed since the last build: clearing the execution cache.")
        shutil.rmtree(CACHE)
    BUILD.mkdir(parents=True, exist_ok=True)
    # Stamped before anything executes: every execution the cache will hold is computed with
    # this package, so the executions a failed build cached are kept for the retry.
    STAMP.write_text(fingerprint)
    environment = hashlib.sha256((fingerprint + setup_fingerprint()).encode()).hexdigest()
    rewrite_all = not ENV_STAMP.exists() or ENV_STAMP.read_text() != environment

    command = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(root),
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
        command += ["--toc", str(toc)]
    if args.path_output:
        command += ["--path-output", str(BUILD.parent)]
    start = time.perf_counter()
    try:
        executed = execute_stale_chapters(CACHE, toc, root, args.jobs)
    except KeyboardInterrupt:
        print(
            f"\nBook build INTERRUPTED after {time.perf_counter() - start:.0f} s; the "
            "chapters executed so far are cached."
        )
        return 130
    if not executed:
        print(f"\nBook build FAILED after {time.perf_counter() - start:.0f} s.")
        return 1
    result = subprocess.run(command, cwd=root, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        print(f"\nBook build FAILED after {elapsed:.0f} s (exit {result.returncode}).")
        return 1
    ENV_STAMP.write_text(environment)
    english = time.perf_counter() - start
    wheres = [where_built(BUILD, args.builder, "en")]
    languages = translated_languages(root) if args.editions == "all" else []
    for language in languages:
        status, seconds = build_edition(language, root, toc, BUILD, args.builder)
        if status != 0:
            print(f"\nBook build FAILED: the {language} edition (exit {status}, {seconds:.0f} s).")
            return 1
        print(f"The {language} edition's Sphinx pass took {seconds:.0f} s.")
        wheres.append(where_built(BUILD, args.builder, language))
    elapsed = time.perf_counter() - start
    print_execution_times(BUILD)
    print(
        f"\nBook built in {elapsed:.0f} s (English edition {english:.0f} s): "
        + ", ".join(str(w) for w in wheres)
    )
    return 0


def where_built(build: Path, builder: str, language: str) -> Path:
    """The home page or PDF an edition's build wrote."""
    folder = build / ("html" if builder == "html" else "latex")
    folder = folder if language == "en" else folder / language
    if builder == "html":
        return folder / "index.html"
    return next(folder.glob("*.pdf"), folder)


if __name__ == "__main__":
    sys.exit(main())
