"""Glued values in the French edition, glued content kept out of the catalogues, and glued text
checked for raw LaTeX (both editions).

Written against myst-nb 1.4 (``myst_nb/ext/glue``: ``roles.py``, ``directives.py``,
``utils.py``, ``crossref.py``). Check this module again when myst-nb is upgraded.

**French values** (``language == "fr"`` only). A chapter glues its numbers once, in English
(``"0.79"``), and its words twice (``mlp.prose.glue_words``: ``key`` in English, ``key__fr``
in French). In the French build the glue domain's roles and directives are replaced by
subclasses that resolve ``key`` to

- the French variant ``key + mlp.prose.FRENCH`` when the chapter glued one;
- else, for ``{glue:text}`` (and an inline ``{glue}`` of plain text), the English text written
  the French way by ``mlp.prose.french_number`` (``"0.79"`` -> ``"0,79"``);
- else a warning naming the page and the key (warnings are errors): a glued text with words,
  a ``{glue:md}`` table or a glued HTML output has no French form unless the chapter gives one;
- except on a page listed in ``locales/fr/not-yet-translated.txt``: it is shown in English, so
  its glued values without a French variant are pasted in English, silently.

Glued figures and math are the same in both editions (axis labels stay in English).

Why roles, not a post-transform: the glue data is attached to the document only while myst-nb
parses it (``document["nb_renderer"]``, removed at the end of ``Parser.parse``), and Sphinx's
``Locale`` transform re-parses a translated paragraph as plain MyST
(``myst_nb.sphinx_.Parser.parse`` falls back to the Markdown parser for a ``<translated>``
source), where no renderer exists. So a role reads the data from the document when it has it,
and otherwise from the file myst-nb writes for every executed page,
``<nb output folder>/<docname>.glue.json`` (the one its own cross-document glue reads). Only
``{glue:text}`` and inline ``{glue}`` of plain text are resolved inside translated messages;
an inline ``{glue:md}`` there is reported (no chapter uses one: put a table in a block).

**No math in pasted text** (every build, both languages). ``{glue:text}`` pastes text as it is:
a glued ``"$\\eta_0 = 1$"`` shows its dollars and backslashes on the page (only a ``{glue:md}``
block or ``{glue:math}`` is parsed). A pasted text (English or French) that holds ``$`` is
reported with its key (warnings are errors): write its math in Unicode (``η₀ = 1``,
``λ₁₂ = 0.01``) or put the math in the prose around the glued value.

**Kept out of the catalogues** (every build, both languages and the gettext builder). What a
glue directive pastes is computed, not written: its paragraphs and table cells are marked
``translatable = False`` so that Sphinx's gettext builder does not make messages of them (the
French build pastes the French variant instead). Printed outputs and display math are kept
out by ``translation_gate``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from myst_nb.core.variables import format_plain_text
from myst_nb.ext.glue.directives import (
    PasteAnyDirective,
    PasteFigureDirective,
    PasteMarkdownDirective,
    PasteMathDirective,
)
from myst_nb.ext.glue.domain import NbGlueDomain
from myst_nb.ext.glue.roles import PasteMarkdownRole, PasteRoleAny, PasteTextRole
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging
from translation_gate import PENDING, pending_pages

from mlp.prose import FRENCH, french_number

logger = logging.getLogger(__name__)

#: Glued outputs that read the same in both editions.
LANGUAGE_NEUTRAL = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/svg+xml",
    "application/pdf",
    "text/latex",
}


def glue_store(document: nodes.document) -> dict[str, Any]:
    """The glue data of the page being read, ``{key: {"data": {mime: text}, ...}}``: from
    myst-nb's renderer while the page is parsed, else from the ``.glue.json`` file myst-nb
    wrote for it (a translated message is parsed after the page)."""
    if "nb_renderer" in document:
        return document["nb_renderer"].renderer.nb_client.glue_data
    env = document.settings.env
    *folders, name = env.docname.split("/")
    path = Path(env.mystnb_config.output_folder, *folders, f"{name}.glue.json")
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf8"))


def shown_in_english(document: nodes.document) -> bool:
    """Whether the page being read is pending translation (listed in the French catalogues'
    ``not-yet-translated.txt``), hence shown in English with its English glued values."""
    env = document.settings.env
    config = env.config
    pending = Path(env.srcdir, config.locale_dirs[0], config.language, PENDING)
    return env.docname in pending_pages(pending)


def warn(document: nodes.document, line: int | None, message: str) -> None:
    """A warning of the French build, at the page (and line) being read."""
    docname = document.settings.env.docname
    logger.warning(
        f"{docname}: {message} [french_glue]",
        location=(docname, line),
        type="french_glue",
    )


def has_math(text: str) -> bool:
    """Whether a text holds LaTeX math (a ``$``), which a pasted text would show raw."""
    return "$" in text


def check_pasted(document: nodes.document, line: int | None, key: str, text: str) -> bool:
    """Warn when the text ``{glue:text}`key``` pastes holds math; True when it is clean."""
    if not has_math(text):
        return True
    warn(
        document,
        line,
        f"the glued text {key!r} ({text!r}) holds LaTeX math ('$'), which {{glue:text}} pastes "
        "as it is: write its math in Unicode (η₀ = 1, λ₁₂ = 0.01) or put the math in the "
        "prose around the glued value",
    )
    return False


def split_key(text: str) -> tuple[str, str | None]:
    """``"key:.2f"`` -> ``("key", ".2f")``; ``"key"`` -> ``("key", None)`` (as myst-nb)."""
    key, _, spec = text.rpartition(":") if ":" in text else (text, "", "")
    return key, (spec or None)


def is_french(directive: Any) -> bool:
    """Whether a directive runs in the French build."""
    return directive.state.document.settings.env.config.language == "fr"


def french_text(store: dict[str, Any], key: str, spec: str) -> tuple[str | None, str]:
    """The French text of a glued ``key`` and, when there is none, why: the French variant if
    glued, else the English text written the French way if it is a number."""
    variant = store.get(key + FRENCH, {}).get("data", {})
    if "text/plain" in variant:
        return format_plain_text(variant["text/plain"], spec), ""
    data = store.get(key, {}).get("data")
    if data is None:
        return None, f"no glued key {key!r} on this page"
    if "text/plain" not in data:
        return None, f"the glued key {key!r} has no text/plain"
    english = format_plain_text(data["text/plain"], spec)
    text = french_number(english)
    if text is None:
        return None, (
            f"the glued text {key!r} ({english!r}) has words and no French variant "
            f"{key + FRENCH!r}: glue it with mlp.prose.glue_words (or glue_verdict, "
            "glue_listing)"
        )
    return text, ""


class FrenchTextRole(PasteTextRole):
    """``{glue:text}`key``` in the French edition."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        if "::" in self.text:
            warn(self.document, self.line, f"glue from another page ({self.text!r})")
            return [], []
        key, spec = split_key(self.text)
        text, why = french_text(glue_store(self.document), key, spec or "s")
        if text is None and shown_in_english(self.document):
            return super().run()
        if text is None:
            warn(self.document, self.line, why)
            return [], []
        check_pasted(self.document, self.line, key, text)
        node = nodes.inline(text, text, classes=["pasted-text"])
        node["french_glue"] = True
        self.set_source_info(node)
        return [node], []


class EnglishTextRole(PasteTextRole):
    """``{glue:text}`key``` in the English edition: myst-nb's, with the check for math."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        result, messages = super().run()
        for node in result:
            if node.get("classes") == ["pasted-text"]:
                check_pasted(self.document, self.line, split_key(self.text)[0], node.astext())
        return result, messages


class EnglishAnyRole(PasteRoleAny):
    """Inline ``{glue}`key``` in the English edition: myst-nb's, with the check for math when
    the value is plain text."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        result, messages = super().run()
        data = glue_store(self.document).get(self.text, {}).get("data", {})
        if "::" not in self.text and data and set(data) <= {"text/plain"}:
            text = "".join(node.astext() for node in result)
            check_pasted(self.document, self.line, self.text, text)
        return result, messages


def french_key(document: nodes.document, line: int, key: str, what: str) -> str | None:
    """``key + FRENCH`` when glued; ``key`` when its data reads the same in both languages
    (figures, math; ``plain_is_neutral`` for a printed output); None after a warning."""
    store = glue_store(document)
    if key + FRENCH in store:
        return key + FRENCH
    data = store.get(key, {}).get("data")
    if data is None:  # let myst-nb report the missing key as usual
        return key
    if set(data) & LANGUAGE_NEUTRAL or (what == "output" and set(data) <= {"text/plain"}):
        return key
    if shown_in_english(document):
        return key
    warn(
        document,
        line,
        f"the glued {what} {key!r} ({', '.join(sorted(data))}) has no French variant "
        f"{key + FRENCH!r}: glue one (same key + mlp.prose.FRENCH)",
    )
    return None


class FrenchMarkdownRole(PasteMarkdownRole):
    """Inline ``{glue:md}`key``` in the French edition: the French variant only."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        key, spec = split_key(self.text)
        if "nb_renderer" not in self.document:
            warn(self.document, self.line, f"inline glue:md {key!r} in a translated message")
            return [], []
        chosen = french_key(self.document, self.line, key, "markdown")
        if chosen is None:
            return [], []
        self.text = chosen + (f":{spec}" if spec else "")
        return super().run()


class FrenchAnyRole(PasteRoleAny):
    """Inline ``{glue}`key``` in the French edition."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        if "::" in self.text:
            warn(self.document, self.line, f"glue from another page ({self.text!r})")
            return [], []
        store = glue_store(self.document)
        data = store.get(self.text, {}).get("data", {})
        if self.text + FRENCH not in store and set(data) <= {"text/plain"} and data:
            text, why = french_text(store, self.text, "s")
            if text is None and shown_in_english(self.document):
                return super().run()
            if text is None:
                warn(self.document, self.line, why)
                return [], []
            check_pasted(self.document, self.line, self.text, text)
            node = nodes.inline(text, text, classes=["pasted-text"])
            node["french_glue"] = True
            self.set_source_info(node)
            return [node], []
        if "nb_renderer" not in self.document:
            warn(self.document, self.line, f"inline glue {self.text!r} in a translated message")
            return [], []
        chosen = french_key(self.document, self.line, self.text, "value")
        if chosen is None:
            return [], []
        self.text = chosen
        return super().run()


def computed(result: list[nodes.Node]) -> list[nodes.Node]:
    """Mark the text of pasted nodes as computed: not a message of the catalogues. Only block
    elements (paragraphs, table cells): Sphinx removes inline nodes marked ``translatable``."""
    for node in result:
        for element in node.findall(nodes.TextElement):
            if not isinstance(element, nodes.Inline):
                element["translatable"] = False
    return result


class PastedMarkdownDirective(PasteMarkdownDirective):
    """``{glue:md}`` block (both editions): pasted text is not a message; in the French
    edition, the French variant (a warning when the chapter glued none)."""

    def run(self) -> list[nodes.Node]:
        if is_french(self):
            chosen = french_key(self.document, self.line, self.arguments[0], "markdown")
            if chosen is None:
                return []
            self.arguments[0] = chosen
        return computed(super().run())


class PastedAnyDirective(PasteAnyDirective):
    """``{glue}`` block (both editions): as ``PastedMarkdownDirective``; figures, math and
    printed output need no French variant."""

    def run(self) -> list[nodes.Node]:
        if is_french(self) and "doc" not in self.options:
            chosen = french_key(self.document, self.line, self.arguments[0], "output")
            if chosen is None:
                return []
            self.arguments[0] = chosen
        return computed(super().run())


class PastedFigureDirective(PasteFigureDirective):
    """``{glue:figure}``: the French variant when glued (the caption is a message)."""

    def run(self) -> list[nodes.Node]:
        if is_french(self):
            chosen = french_key(self.document, self.line, self.arguments[0], "figure")
            if chosen is None:
                return []
            self.arguments[0] = chosen
        return super().run()


class PastedMathDirective(PasteMathDirective):
    """``{glue:math}``: the French variant when glued (math reads the same otherwise)."""

    def run(self) -> list[nodes.Node]:
        if is_french(self):
            chosen = french_key(self.document, self.line, self.arguments[0], "math")
            if chosen is None:
                return []
            self.arguments[0] = chosen
        return super().run()


class EnglishGlueDomain(NbGlueDomain):
    """myst-nb's glue domain, with pasted blocks kept out of the catalogues and pasted text
    checked for math."""

    roles: ClassVar[dict[str, Any]] = {
        "": EnglishAnyRole(),
        "any": EnglishAnyRole(),
        "text": EnglishTextRole(),
        "md": PasteMarkdownRole(),
    }

    directives: ClassVar[dict[str, Any]] = {
        "": PastedAnyDirective,
        "any": PastedAnyDirective,
        "figure": PastedFigureDirective,
        "math": PastedMathDirective,
        "md": PastedMarkdownDirective,
    }


class FrenchGlueDomain(EnglishGlueDomain):
    """The glue domain of the French edition: every role and directive resolves French."""

    roles: ClassVar[dict[str, Any]] = {
        "": FrenchAnyRole(),
        "any": FrenchAnyRole(),
        "text": FrenchTextRole(),
        "md": FrenchMarkdownRole(),
    }


def install(app: Sphinx, config: Config) -> None:
    """Register the glue domain of this build's language (after myst-nb registered its own)."""
    french = config.language == "fr"
    app.add_domain(FrenchGlueDomain if french else EnglishGlueDomain, override=True)
    app.add_directive("glue", PastedAnyDirective, override=True)
    app.add_role("glue", FrenchAnyRole() if french else EnglishAnyRole(), override=True)


def setup(app: Sphinx) -> dict:
    app.setup_extension("myst_nb")
    app.connect("config-inited", install)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
