"""The Sphinx passes that Jupyter Book's command line cannot run: the French edition and the
extraction of the catalogues.

``python tools/editions.py --language fr --builder html|latex [--root R] [--toc T] [--build B]
[--all] [--jobs N]`` writes the French site to ``B/html/fr/`` (or its LaTeX to
``B/latex/fr/``, then the PDF); ``--language en --builder gettext`` writes the message
catalogues of the English source to ``B/gettext/`` (``make translations``, see
``tools/translations.py``).

Why not ``jupyter-book build``: Jupyter Book 1's command line cannot set Sphinx's ``language``
(there is no ``-D``: jupyter-book#1791) nor another output or doctree folder per language.
``jupyter-book config sphinx`` would write a ``conf.py``, a second configuration to keep in
step with ``_config.yml``. Instead this module runs what ``jupyter-book build`` runs, with
what it computes: the configuration its command line builds from ``_config.yml`` and the
table of contents (``jupyter_book.cli.main.build`` with ``get_config_only=True``), passed to
the same Sphinx call (``jupyter_book.sphinx.build_sphinx``), plus a few overrides per edition:

- ``language``, and the French edition's title (``edition_titles`` in ``_config.yml``);
- the French site in ``B/html/fr`` (so that both sites share one layout of pages and the
  language link is relative), its Sphinx environment and myst-nb's by-products in ``B/fr/``
  (``edition_build_folder``, read by ``book/_ext``), not inside the English site;
- the **same execution cache** as the English build (``B/.jupyter_cache``): the chapters were
  executed once, before any Sphinx pass, and the French pass reads their outputs from the
  cache; it never executes a chapter.

The gettext pass does not need outputs (code and outputs are not messages), so it runs with
execution off: extracting the catalogues never executes the book. (A figure caption written in
a code cell's metadata, which myst-nb renders only with the cell's outputs, is a message all the
same: ``book/_ext/metadata_captions.py`` adds it to the unexecuted cell.)

The passes read serially. Sphinx's parallel reading (``-j``) fails with this book's extensions:
sphinx-multitoc-numbering (loaded by sphinx-external-toc) does not declare itself safe, and
sphinx-proof 0.4's domain does not implement ``merge_domaindata``, so merging the parallel reads
raises ``NotImplementedError`` (tried on 5 December 2026: ``--jobs 2`` stops with it).
``--jobs`` is kept for when those are fixed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILDERS = {"html": "html", "latex": "latex", "gettext": "gettext"}


def jupyter_book_config(root: Path, toc: Path) -> tuple[Path | None, Path, dict[str, Any]]:
    """What ``jupyter-book build ROOT --toc TOC -W -n --keep-going`` passes to Sphinx: the
    configuration file, the source folder and the configuration overrides."""
    from jupyter_book.cli.main import build

    path_config, source, overrides = build.callback(
        path_source=str(root),
        path_output=None,
        config=None,
        toc=None,
        warningiserror=True,
        nitpick=True,
        keep_going=True,
        freshenv=False,
        builder="html",
        custom_builder=None,
        verbose=0,
        quiet=0,
        individualpages=False,
        get_config_only=True,
    )
    overrides["external_toc_path"] = toc.resolve().as_posix()
    return path_config, Path(source), overrides


def edition_paths(build: Path, language: str, builder: str) -> dict[str, Path]:
    """Where a pass writes: its output, its Sphinx environment, its by-products."""
    if builder == "gettext":
        return {
            "out": build / "gettext",
            "doctrees": build / "gettext" / ".doctrees",
            "private": build / "gettext",
        }
    folder = "html" if builder == "html" else "latex"
    return {
        "out": build / folder / language,
        "doctrees": build / language / ".doctrees",
        "private": build / language,
    }


def edition_overrides(build: Path, language: str, builder: str) -> dict[str, Any]:
    """The Sphinx settings a pass adds to Jupyter Book's: its language and, for a site, the
    English build's execution cache and a build folder of its own."""
    overrides: dict[str, Any] = {"language": language}
    if builder == "gettext":
        overrides["nb_execution_mode"] = "off"
        # Unexecuted, a page has nothing to paste (glue), no label from a glued figure
        # (ref) and no file its code writes (download): none of it is a message, and the
        # English build, which executes, reports all three.
        overrides["suppress_warnings"] = ["mystnb.glue", "myst-nb.glue", "ref", "download"]
        overrides["project"] = "backprop-book"
    else:
        overrides["nb_execution_mode"] = "cache"
        overrides["nb_execution_cache_path"] = str(build / ".jupyter_cache")
        overrides["edition_build_folder"] = str(edition_paths(build, language, builder)["private"])
    return overrides


def run_pass(
    *,
    root: Path,
    toc: Path,
    build: Path,
    language: str,
    builder: str,
    fresh: bool = False,
    jobs: int = 1,
) -> int:
    """One Sphinx pass of the book in ``language`` with ``builder``; the exit status."""
    from jupyter_book.sphinx import build_sphinx

    path_config, source, overrides = jupyter_book_config(root, toc)
    paths = edition_paths(build, language, builder)
    overrides.update(edition_overrides(build, language, builder))
    status = build_sphinx(
        source,
        paths["out"],
        noconfig=True,
        path_config=str(path_config) if path_config else None,
        confoverrides=overrides,
        doctreedir=paths["doctrees"],
        builder=BUILDERS[builder],
        warningiserror=True,
        keep_going=True,
        freshenv=fresh,
        jobs=jobs,
    )
    if isinstance(status, Exception):
        return 1
    if status == 0 and builder == "latex":
        make = os.environ.get("MAKE", "make")
        status = subprocess.run([make, "all-pdf"], cwd=paths["out"], check=False).returncode
    return int(status)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", required=True, choices=["en", "fr"])
    parser.add_argument("--builder", default="html", choices=sorted(BUILDERS))
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--toc", type=Path, help="default: ROOT/_toc.yml")
    parser.add_argument("--build", type=Path, help="the build folder (default: ROOT/_build)")
    parser.add_argument("--all", action="store_true", help="read every page again")
    parser.add_argument("--jobs", type=int, default=1, help="Sphinx processes (-j)")
    args = parser.parse_args(argv)
    if args.language == "en" and args.builder != "gettext":
        parser.error("the English site is built by `jupyter-book build` (tools/build_book.py)")
    root = args.root.resolve()
    start = time.perf_counter()
    status = run_pass(
        root=root,
        toc=(args.toc or root / "_toc.yml").resolve(),
        build=(args.build or root / "_build").resolve(),
        language=args.language,
        builder=args.builder,
        fresh=args.all,
        jobs=args.jobs,
    )
    seconds = time.perf_counter() - start
    verdict = "done" if status == 0 else f"FAILED (exit {status})"
    print(f"\n{args.language} {args.builder} pass {verdict} in {seconds:.0f} s", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
