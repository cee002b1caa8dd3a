"""Offer every executed chapter as a ``.ipynb`` download.

sphinx-book-theme adds an ``.ipynb`` entry to a page's download menu only when
a launch service (Binder, Colab, ...) is configured. This book has none, so we
do the same thing directly: MyST-NB writes each executed chapter to
``_build/jupyter_execute/<page>.ipynb`` (the French edition: ``_build/fr/jupyter_execute``,
its ``output_folder``); we copy it next to the page's sources
and set ``ipynb_source``, which the theme's download menu turns into a link.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx


def offer_notebook(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if app.builder.format != "html" or doctree is None:
        return
    executed = Path(app.env.mystnb_config.output_folder, f"{pagename}.ipynb")
    if not executed.is_file():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app: Sphinx) -> dict:
    # Before sphinx-book-theme builds its header buttons (priority 501).
    app.connect("html-page-context", offer_notebook, priority=500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
