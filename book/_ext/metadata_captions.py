"""A figure caption written in a code cell's metadata is a message of the page's catalogue.

A chapter may caption the figure that a code cell draws in the cell's metadata::

    ```{code-cell} ipython3
    ---
    mystnb:
      figure:
        caption: The functions of Part A and their derivatives...
        name: fig-part-a-functions
    ---

myst-nb (1.4, ``myst_nb.core.render.create_figure_context``) makes that caption when it renders
the cell's outputs: a ``figure`` node around the output, with the caption parsed as MyST. Two
things kept it out of the French edition:

- ``translation_gate.NotMessages`` marks everything inside a cell's outputs as not a message
  (printed output stays English), the caption included: the French build never looked it up;
- the catalogues are extracted without executing the pages (``tools/editions.py``), so a cell
  has no outputs, myst-nb makes no figure, and the gettext builder never sees the caption. (The
  same is why a ``{glue:figure}`` with a prose caption is not extracted either: unexecuted, the
  page has no glued figure, and myst-nb's directive stops before it reads its caption.)

``MetadataCaptions`` runs in every build, after ``NotMessages`` and before Sphinx's ``Locale``
transform. It marks the caption of each such figure as a message, whose message id is the
caption of the metadata on one line (``caption_message``), set here rather than left to the
parser so that it is the same in every build. In the gettext pass, where the cell has no
outputs, it adds to the cell a caption node with that message id, which the gettext builder
extracts. A caption of several paragraphs is reported: myst-nb makes a *legend* of all but the
first, which would stay out of the catalogue; write one paragraph.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)


def caption_message(caption: str) -> str:
    """The message id of a metadata caption: its lines stripped and joined by spaces (a YAML
    ``|`` block keeps its line breaks, ``>-`` folds them; both give the same message)."""
    return " ".join(line.strip() for line in caption.strip().splitlines() if line.strip())


def metadata_caption(metadata: dict[str, Any], key: str = "mystnb") -> str | None:
    """The figure caption that a code cell's ``metadata`` gives (``mystnb: figure: caption:``,
    or under myst-nb's older key ``render``), or None."""
    for section in (key, "render"):
        options = metadata.get(section)
        if isinstance(options, dict) and isinstance(options.get("figure"), dict):
            caption = options["figure"].get("caption")
            if caption is not None and str(caption).strip():
                return str(caption)
    return None


def is_one_paragraph(caption: str) -> bool:
    """Whether a caption is one paragraph (no blank line inside)."""
    return not re.search(r"\n[ \t]*\n", caption.strip())


def code_cells(document: nodes.document) -> list[nodes.container]:
    """The containers myst-nb makes for code cells (with their metadata)."""
    return [
        node for node in document.findall(nodes.container) if node.get("nb_element") == "cell_code"
    ]


class MetadataCaptions(SphinxTransform):
    """Make each figure caption written in a code cell's metadata a message (see module)."""

    default_priority = 15  # after translation_gate.NotMessages (10), before Locale (20)

    def apply(self, **kwargs: Any) -> None:
        key = getattr(getattr(self.env, "mystnb_config", None), "cell_metadata_key", "mystnb")
        for cell in code_cells(self.document):
            caption = metadata_caption(cell.get("cell_metadata") or {}, key)
            if caption is None:
                continue
            if not is_one_paragraph(caption):
                logger.warning(
                    f"{self.env.docname}: the figure caption in the metadata of a code cell has "
                    "several paragraphs; write one (the others would not be translated) "
                    "[metadata_captions]",
                    location=cell,
                    type="metadata_captions",
                )
            message = caption_message(caption)
            rendered = [c for figure in cell.findall(nodes.figure) for c in figure.children]
            captions = [node for node in rendered if isinstance(node, nodes.caption)]
            for node in captions:
                node.rawsource = message
                node["translatable"] = True
            if not captions and self.app.builder.name == "gettext":
                node = nodes.caption(message, message)
                node.source, node.line = self.document["source"], cell.line
                node["translatable"] = True
                cell += node


def setup(app: Sphinx) -> dict:
    app.add_transform(MetadataCaptions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
