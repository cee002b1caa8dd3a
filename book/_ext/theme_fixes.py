"""A workaround for a JavaScript error that every Jupyter Book 1.0.4 page raises.

``THEBE_JS_URL`` is declared twice. sphinx-thebe registers an *inline* script
(``app.add_js_file(None, body=...)``) at ``env-before-read-docs``, after the HTML builder
was initialised. Sphinx 7.4 then adds it to the builder once with ``filename=None`` and, in
``prepare_writing``, once more from the registry with ``filename=''``; its de-duplication
compares the two as different, so every page declares ``const THEBE_JS_URL`` twice and the
browser throws ``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared``. This is
Sphinx's bug, fixed upstream in sphinx-doc/sphinx#13402 (Sphinx 8.2); Jupyter Book 1.x pins
Sphinx 7, so we drop the second copy of any inline script from each page. Remove this
extension once the pinned Sphinx contains that fix (the site test then still checks that no
page logs a console error).

The other theme problem of Jupyter Book 1.0.4 ("Got invalid theme mode") is fixed by one
setting, ``html_context.default_mode`` in ``_config.yml``.
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


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", dedupe_inline_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
