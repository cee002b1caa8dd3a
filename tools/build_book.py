"""Build the book: ``python tools/build_book.py [--clean] [--builder html|pdflatex]``.

``--toc`` and ``--path-output`` build a partial book elsewhere (e.g. a few
chapters while writing them) without touching ``_build``.

Warnings are errors and every executed cell must succeed. MyST-NB's execution
cache is keyed on a chapter's code cells only, so a change to the ``mlp``
package would leave stale outputs: this script fingerprints the package and
clears the cache whenever it changed. Sphinx, for its part, rewrites only the
pages whose sources changed, so a change to the book's setup (``_config.yml``,
``_toc.yml``, the extensions in ``book/_ext``) would leave pages written with
the old one (e.g. without MathJax): the setup is fingerprinted too, and when it
changed every page is rewritten (``--all``, the execution cache is kept).
"""

from __future__ import annotations

import argparse
import hashlib
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
    SETUP_STAMP = BUILD / f".setup-fingerprint-{args.builder}"

    if args.clean and BUILD.exists():
        shutil.rmtree(BUILD)
    fingerprint = package_fingerprint()
    if CACHE.exists() and (not STAMP.exists() or STAMP.read_text() != fingerprint):
        print("mlp/ changed since the last build: clearing the execution cache.")
        shutil.rmtree(CACHE)
    setup = setup_fingerprint()
    rewrite_all = not SETUP_STAMP.exists() or SETUP_STAMP.read_text() != setup
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
        print("The book's setup changed (or no stamp yet): every page is rewritten.")
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
    SETUP_STAMP.write_text(setup)
    if args.builder == "html":
        where = BUILD / "html" / "index.html"
    else:
        where = next((BUILD / "latex").glob("*.pdf"), BUILD / "latex")
    print(f"\nBook built in {elapsed:.0f} s: {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
