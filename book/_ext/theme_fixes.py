"""Two fixes for JavaScript errors that a default Jupyter Book 1.0.4 page raises.

1. ``THEBE_JS_URL`` declared twice. sphinx-thebe registers an *inline* script
   (``app.add_js_file(None, body=...)``) at ``env-before-read-docs``, after the
   HTML builder was initialised. Sphinx 7.4 then adds it to the builder once
   with ``filename=None`` and, in ``prepare_writing``, once more from the
   registry with ``filename=''``; its de-duplication compares the two as
   different, so every page declares ``const THEBE_JS_URL`` twice and the
   browser throws ``SyntaxError: Identifier 'THEBE_JS_URL' has already been
   declared``. We drop the second copy of any inline script from each page.
2. ``Got invalid theme mode: .`` The pydata theme reads ``default_mode`` from
   the page context, which sphinx-book-theme leaves empty (and rejects as a
   theme option); we set it to ``auto`` on each page.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def dedupe_inline_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for script in scripts:
        key = (script.filename or "", tuple(sorted(script.attributes.items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    scripts[:] = unique


def set_default_mode(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", set_default_mode)
    app.connect("html-page-context", dedupe_inline_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
