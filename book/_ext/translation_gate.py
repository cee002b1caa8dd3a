"""The French build counts, page by page, the messages it could not translate, and fails on any.

Sphinx's ``Locale`` transform replaces each message of a page (a paragraph, a title, a table
cell, a caption...) by its translation in the page's catalogue
(``locales/fr/LC_MESSAGES/<docname>.po``, compiled to ``.mo``); a message that is missing,
empty, fuzzy (fuzzy entries are not compiled) or whose English changed since it was
translated stays in English. After each page is read, this extension looks its messages up
again and records those left in English; before the pages are written it reports them:

- a page listed in ``locales/<language>/not-yet-translated.txt`` (pages whose translation is
  still to be done) gets one line in the build's log, ``N of M messages untranslated``;
- any other page gets a **warning** per page naming the first messages left in English, so
  the build fails (warnings are errors): nothing goes stale unnoticed once a page is done;
- a listed page with nothing left to translate gets a warning too: take it off the list. The
  list can only shrink, and when it is empty the gate covers the whole book.

What is not a message: display math (Sphinx extracts ``math_block`` nodes by default; math
passes through translation unchanged), what code cells print (``cell_output`` containers,
e.g. a Markdown output), text with no words outside its math, code and roles (a table cell
``$d_h$``), and the titles sphinx-exercise writes (``Exercise``, translated by its own
catalogue): ``NotMessages`` marks them ``translatable = False`` in every build. A figure caption
written in a code cell's metadata is a message although myst-nb puts it among the cell's
outputs: ``metadata_captions``, which this extension sets up, makes it one.

The parts of the table of contents (``_toc.yml``'s captions) are messages of the root page, but
sphinx-external-toc inserts its toctrees after the ``Locale`` transform has run; they are
translated here, from the root page's catalogue.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from french_typography import french_spacing
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.i18n import docname_to_domain
from sphinx.util.nodes import extract_messages

logger = logging.getLogger(__name__)

PENDING = "not-yet-translated.txt"
"""The list of pages whose translation is not done yet, in ``locales/<language>/``."""

SHOWN = 3
"""How many untranslated messages a warning quotes."""


def pending_pages(path: Path) -> list[str]:
    """The docnames a pending list names (one per line; ``#`` starts a comment)."""
    if not path.is_file():
        return []
    names = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
    return [name.removesuffix(".md") for name in names if name]


def catalogue(app: Sphinx, docname: str) -> dict[str, str]:
    """The compiled translations of a page, ``{msgid: msgstr}``, merged over ``locale_dirs``
    as Sphinx's ``Locale`` transform merges them (the first directory wins)."""
    domain = docname_to_domain(docname, app.config.gettext_compact)
    merged: dict[str, str] = {}
    for directory in reversed(app.config.locale_dirs):
        path = Path(app.srcdir, directory)
        found = gettext.find(domain, str(path), [app.config.language])
        if found:
            with open(found, "rb") as stream:
                merged |= gettext.GNUTranslations(stream)._catalog  # type: ignore[attr-defined]
    return {k: v for k, v in merged.items() if isinstance(k, str) and k and v}


def is_french_build(app: Sphinx) -> bool:
    return app.config.language == "fr"


#: What reads the same in both languages: math, inline code, roles (``{ref}`B1 <b01>```) and
#: the book's labels of chapters and questions (``B1``, ``C2``).
_NEUTRAL = re.compile(
    r"\$\$.*?\$\$|\$[^$]*\$|\{[\w:-]+\}`[^`]*`|``.*?``|`[^`]*`|\b[A-Z]\d+\b", re.DOTALL
)


def has_words(source: str) -> bool:
    """Whether a message has anything to translate once its math, code, roles and labels are
    set aside (a table cell ``$d_h$``, ```W1`, `b1``` or ``B10`` has not)."""
    return bool(re.search(r"[^\W\d_]", _NEUTRAL.sub(" ", source)))


def blocks(node: nodes.Node) -> list[nodes.TextElement]:
    """The text elements that can be messages: paragraphs, titles, table cells... but not the
    inline nodes within them, which are never messages and must not be marked: Sphinx's
    ``RemoveTranslatableInline`` takes out every inline node with a ``translatable`` attribute
    (a glued value would move to the end of its paragraph)."""
    return [e for e in node.findall(nodes.TextElement) if not isinstance(e, nodes.Inline)]


def is_generated(element: nodes.Element) -> bool:
    """A title that sphinx-exercise writes itself (``Exercise``, ``Solution to``), already in
    the build's language from its own catalogue; not one that holds an author's subtitle."""
    return (
        type(element).__module__.startswith("sphinx_exercise")
        and type(element).__name__ in ("exercise_title", "solution_title")
        and not any(isinstance(child, nodes.subtitle) for child in element.children)
    )


class NotMessages(SphinxTransform):
    """Mark as not translatable, in every build: display math, the outputs of code cells, and
    text made only of math, code and roles (e.g. table cells of the notation page)."""

    default_priority = 10  # before Sphinx's Locale transform (20)

    def apply(self, **kwargs: Any) -> None:
        for block in self.document.findall(nodes.math_block):
            block["translatable"] = False
        for element in blocks(self.document):
            if (element.rawsource and not has_words(element.rawsource)) or is_generated(element):
                element["translatable"] = False
        for container in self.document.findall(nodes.container):
            if container.get("nb_element") == "cell_code_output":
                for element in blocks(container):
                    element["translatable"] = False


class TranslateTocCaptions(SphinxTransform):
    """The captions of the toctrees sphinx-external-toc inserts (after ``Locale``)."""

    default_priority = 101  # after sphinx_external_toc's InsertToctrees (100)

    def apply(self, **kwargs: Any) -> None:
        if not is_french_build(self.app):
            return
        translations = None
        for toctree in self.document.findall(addnodes.toctree):
            caption = toctree.get("rawcaption") or toctree.get("caption")
            if not caption:
                continue
            if translations is None:
                translations = catalogue(self.app, self.env.docname)
            if caption in translations:
                toctree["caption"] = french_spacing(translations[caption])


class UntranslatedMessages(EnvironmentCollector):
    """Record, for each page read by the French build, its messages and those left English."""

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        getattr(env, "mlp_messages", {}).pop(docname, None)

    def merge_other(
        self, app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
    ) -> None:
        mine = env.__dict__.setdefault("mlp_messages", {})
        for docname in docnames:
            if docname in getattr(other, "mlp_messages", {}):
                mine[docname] = other.mlp_messages[docname]

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        if not is_french_build(app):
            return
        translations = catalogue(app, app.env.docname)
        total, left = 0, []
        for node, message in extract_messages(doctree):
            if not message.strip():  # e.g. a toctree without a caption
                continue
            total += 1
            done = node.get("translated") and not isinstance(node, addnodes.toctree)
            if not done and message not in translations:
                left.append((node.line or 0, message))
        app.env.__dict__.setdefault("mlp_messages", {})[app.env.docname] = (total, left)


def report(app: Sphinx, exception: Exception | None) -> None:
    """Log the untranslated messages of each page; warn where the gate applies. At the end of
    every build, even one that read no page again: the pending list may have changed."""
    if not is_french_build(app) or exception is not None:
        return
    env = app.env
    pending_file = Path(app.srcdir, app.config.locale_dirs[0], app.config.language, PENDING)
    pending = set(pending_pages(pending_file))
    records = getattr(env, "mlp_messages", {})
    logger.info(f"translation ({app.config.language}): messages left in English, by page")
    for docname in sorted(env.found_docs):
        if docname not in records:
            continue
        total, left = records[docname]
        if docname in pending:
            logger.info(f"  {len(left):4d} of {total:4d} untranslated  {docname} (pending)")
            if not left:
                logger.warning(
                    f"{docname} is fully translated: take it off {pending_file.name}",
                    location=docname,
                    type="translation",
                )
        elif left:
            quoted = "; ".join(f"line {line}: {msg[:70]!r}" for line, msg in left[:SHOWN])
            logger.warning(
                f"{len(left)} of {total} messages untranslated or fuzzy in {docname} "
                f"(run `make translations`, translate, build again): {quoted}",
                location=docname,
                type="translation",
            )


def setup(app: Sphinx) -> dict:
    app.setup_extension("metadata_captions")
    app.add_transform(NotMessages)
    app.add_transform(TranslateTocCaptions)
    app.add_env_collector(UntranslatedMessages)
    app.connect("build-finished", report)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
