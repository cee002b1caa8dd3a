"""Build the book: ``python tools/build_book.py [--clean] [--builder html|pdflatex]``.

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
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="remove _build first")
    parser.add_argument("--builder", default="html", choices=["html", "pdflatex"])
    parser.add_argument("--toc", help="another table of contents (default: _toc.yml)")
    parser.add_argument("--path-output", help="build under this folder instead of the root")
    args = parser.parse_args(argv)

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
