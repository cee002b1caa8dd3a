"""French typography in the French edition's prose, so that translators need not type it.

The convention is the Imprimerie nationale's (*Lexique des règles typographiques en usage à
l'Imprimerie nationale*), which French publishers and most French style guides follow:

- a no-break space (U+00A0, *espace insécable*) before the colon and before ``%``;
- a narrow no-break space (U+202F, *espace fine insécable*) before ``;``, ``!`` and ``?``;
- a no-break space inside « guillemets »;
- a narrow no-break space between the groups of three digits of a number (``10 000``);
- the typographic apostrophe (’) after a letter (``l'exemple``).

A narrow space where the Lexique asks for a thin one: the three marks stay attached to their
word at a line break, and U+202F has the width of a thin space in the fonts of the site. A
space the translator typed (ordinary, no-break or narrow) is replaced by the right one; none is
added where there was no room for one in the first place, such as inside ``http://`` or
``12:30`` (a mark counts only when a space, the end of the text or a closing bracket follows).

The transform runs in the French build only, just before Sphinx's smart quotes (which would
read the apostrophe of ``l'*affirme*``, before an emphasis, as a closing quote, and which turn
``"..."`` into « ... » with their no-break spaces), on the text of
translated messages (``node["translated"]``, set by Sphinx's Locale transform) and of French
glued values: never in code, literals, math, raw HTML or English text left untranslated.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

NBSP, NNBSP = "\u00a0", "\u202f"
SPACES = f"[ {NBSP}{NNBSP}]*"
_AFTER = r"(?=[\s)\]»]|$)"  # the mark ends a clause: a space, a closing bracket or the end

_START = r"(?:(?<=\S)|^)"  # after a word (or at the start of a text that follows one)
_NARROW = re.compile(rf"{_START}{SPACES}([;!?]+){_AFTER}")
_COLON = re.compile(rf"{_START}{SPACES}:{_AFTER}")
_PERCENT = re.compile(rf"(?<=\d){SPACES}%")
_THOUSANDS = re.compile(rf"(?<=\d)[ {NBSP}](?=\d{{3}}(?!\d))")
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'")
_OPEN = re.compile(rf"«{SPACES}")
_CLOSE = re.compile(rf"{SPACES}»")

#: Nodes whose text is never prose.
NOT_PROSE = (
    nodes.FixedTextElement,  # literal blocks, doctest blocks, math blocks
    nodes.literal,
    nodes.math,
    nodes.raw,
    nodes.comment,
    nodes.target,
)


def french_spacing(text: str) -> str:
    """``text`` with the French spaces before ``: ; ! ? %``, inside « guillemets » and between
    the digit groups of a number (``10 000``, typed with any space), and typographic
    apostrophes. A mark
    at the very start of ``text`` gets its space too: the text then follows an inline element
    (math, a literal, a glued value) of the same sentence."""
    text = _APOSTROPHE.sub("\u2019", text)
    text = _NARROW.sub(lambda m: NNBSP + m.group(1), text)
    text = _COLON.sub(NBSP + ":", text)
    text = _PERCENT.sub(NBSP + "%", text)
    text = _THOUSANDS.sub(NNBSP, text)
    text = _OPEN.sub("«" + NBSP, text)
    return _CLOSE.sub(NBSP + "»", text)


def is_french_prose(node: nodes.Node) -> bool:
    """Whether a text node is French prose: inside a translated message or a French glued
    value, and not inside code, math or raw output."""
    french = False
    parent = node.parent
    while parent is not None:
        if isinstance(parent, NOT_PROSE):
            return False
        if parent.get("translated") or parent.get("french_glue"):
            french = True
        parent = parent.parent
    return french


class FrenchTypography(SphinxTransform):
    """Apply ``french_spacing`` to the French prose of a page (French build only)."""

    default_priority = 745  # before SphinxSmartQuotes (750) and doctree-read (880)

    def apply(self, **kwargs: Any) -> None:
        if self.config.language != "fr":
            return
        for text in list(self.document.findall(nodes.Text)):
            if not is_french_prose(text):
                continue
            new = french_spacing(str(text))
            if new != str(text):
                text.parent.replace(text, nodes.Text(new))


def setup(app: Sphinx) -> dict:
    app.add_transform(FrenchTypography)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
