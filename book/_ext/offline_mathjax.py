"""Serve MathJax 3 from the build itself so that the book's math renders offline.

MathJax comes from the PyPI package ``django-static-mathjax`` (installed by
``requirements.txt``; nothing of Django is used). At ``builder-inited`` the few
files MathJax needs (``tex-chtml.js``, its CHTML fonts and the TeX extensions it
autoloads) are copied into ``_build/mathjax-extra/mathjax/`` and served through
``html_extra_path``, and ``mathjax_path`` points at them. If the package is
missing, the build says so and keeps Sphinx's CDN default. MathJax is loaded on
every page, because titles with math appear in every page's navigation.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Paths inside MathJax's ``es5`` folder that the CHTML TeX build loads.
NEEDED = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions")


def mathjax_es5_dir() -> Path | None:
    """Return the ``es5`` folder of the installed MathJax 3 copy, or None."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        es5 = Path(location) / "static" / "mathjax" / "es5"
        if (es5 / "tex-chtml.js").is_file():
            return es5
    return None


def copy_mathjax(es5: Path, target: Path) -> None:
    """Copy the needed parts of ``es5`` into ``target`` (replacing it)."""
    if target.exists():
        shutil.rmtree(target)
    for rel in NEEDED:
        source = es5 / rel
        if source.is_dir():
            shutil.copytree(source, target / rel)
        else:
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / rel)


def setup_offline_mathjax(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    es5 = mathjax_es5_dir()
    if es5 is None:
        logger.info(
            "offline_mathjax: django-static-mathjax is not installed; "
            "math will load MathJax from the CDN (needs a network)."
        )
        return
    # the build's own folder (_build/, or _build/fr/ for the French site inside the English one)
    private = getattr(app.config, "edition_build_folder", "")
    extra_root = (Path(private) if private else Path(app.outdir).parent) / "mathjax-extra"
    copy_mathjax(es5, extra_root / "mathjax")
    app.config.html_extra_path = [*app.config.html_extra_path, str(extra_root)]
    # mathjax_path is resolved relative to _static/.
    app.config.mathjax_path = "../mathjax/tex-chtml.js"
    logger.info("offline_mathjax: serving MathJax 3 from %s", es5)


def setup(app: Sphinx) -> dict:
    # Chapter titles with math appear in the navigation of every page, so MathJax must be
    # loaded on every page, not only on pages whose own content has math.
    app.set_html_assets_policy("always")
    app.connect("builder-inited", setup_offline_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
