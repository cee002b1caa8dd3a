"""Every page links to the same page in the other edition; the French build says it is one.

The English site is ``_build/html/`` and the French one ``_build/html/fr/``, with the same
pages at the same paths. The link is relative (``../../fr/book/part_b/b15_grad_W1_b1.html``
from an English chapter, ``../../../book/part_b/b15_grad_W1_b1.html`` back), so it works from
the file system, offline, and wherever the two sites are served together. It sits at the end
of the page's header (a component template, ``templates/language-switch.html``), and the
page's ``<head>`` names the other edition as an alternate (``<link rel="alternate"
hreflang=...>``).

The French build (``tools/editions.py``) also gets its own title and author (``editions`` in
``_config.yml``; the interface's words are ``french_interface``'s); it keeps its by-products
out of the English site (``edition_build_folder``: myst-nb's executed notebooks and glue data,
MathJax's copy); it gets the Sphinx tag ``french_edition``, so that a page can hold a paragraph
for the French edition only (``:::{only} french_edition``: its English source is a message of
the catalogue like any other, and the English edition does not show it); and its PDF gets a
LaTeX preamble line for the narrow no-break space that French typography puts before ``; ! ?``
(U+202F, which pdfLaTeX's UTF-8 input does not define).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

#: The editions: language -> (the link's text, its tooltip, the site's folder under the
#: English site).
EDITIONS = {
    "en": ("English", "Read this page in English", ""),
    "fr": ("Français", "Lire cette page en français", "fr"),
}
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
COMPONENT = "language-switch.html"
TAG = "french_edition"


def other_language(language: str) -> str:
    """The language of the other edition."""
    if language not in EDITIONS:
        raise ValueError(f"no edition in language {language!r}: {sorted(EDITIONS)}")
    return "fr" if language == "en" else "en"


def switch_url(pagename: str, language: str) -> str:
    """The relative URL, from ``pagename`` of the ``language`` edition, of the same page in
    the other edition (``pagename`` as Sphinx names it: ``book/part_b/b15_grad_W1_b1``)."""
    here, there = EDITIONS[language][2], EDITIONS[other_language(language)][2]
    depth = pagename.count("/") + (here.count("/") + 1 if here else 0)
    return "../" * depth + (f"{there}/" if there else "") + f"{pagename}.html"


def add_switch(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    language = app.config.language
    if app.builder.format != "html" or language not in EDITIONS:
        return
    other = other_language(language)
    text, title, _ = EDITIONS[other]
    url = switch_url(pagename, language)
    context["language_switch"] = {"url": url, "lang": other, "text": text, "title": title}
    alternate = f'<link rel="alternate" hreflang="{other}" href="{url}" />\n'
    context["metatags"] = context.get("metatags", "") + alternate


def place_outputs(app: Sphinx) -> None:
    """myst-nb writes executed notebooks to ``outdir/../jupyter_execute``: for the French site,
    inside the English one. Move that folder to the edition's build folder."""
    folder = getattr(app.config, "edition_build_folder", "")
    if folder and hasattr(app.env, "mystnb_config"):
        output = str((Path(folder) / "jupyter_execute").resolve())
        app.env.mystnb_config = app.env.mystnb_config.copy(output_folder=output)


def title_the_pdf(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """The edition's title on the PDF's title page: Jupyter Book sets ``latex_documents``' title
    from ``_config.yml``'s (English) title once Sphinx has started, so it is replaced when the
    build reads its pages (the LaTeX builder reads ``latex_documents`` when it writes)."""
    edition = (app.config.editions or {}).get(app.config.language, {})
    if app.builder.name != "latex" or not edition.get("title"):
        return
    app.config.latex_documents = [
        (start, target, edition["title"], edition.get("author", author), *rest)
        for start, target, _, author, *rest in app.config.latex_documents
    ]


def configure(app: Sphinx, config: Config) -> None:
    """Add the header component and the template folder; title, tag and preamble of the
    French build."""
    edition = (config.editions or {}).get(config.language, {})
    if edition.get("title"):
        config.project = config.html_title = edition["title"]
    if edition.get("author"):
        config.author = edition["author"]
    # first: the themes append their own component folders, which these templates override
    config.templates_path = [str(TEMPLATES), *config.templates_path]
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    options = dict(config.html_theme_options or {})
    end = options.get("article_header_end", "article-header-buttons.html")
    end = [item.strip() for item in end.split(",")] if isinstance(end, str) else list(end)
    if COMPONENT not in end:
        end.append(COMPONENT)
    options["article_header_end"] = end
    config.html_theme_options = options
    if config.language == "fr":
        app.tags.add(TAG)
        elements = dict(config.latex_elements or {})
        elements["preamble"] = (
            elements.get("preamble", "") + "\n\\DeclareUnicodeCharacter{202F}{\\,}\n"
        )
        config.latex_elements = elements


def setup(app: Sphinx) -> dict:
    app.add_config_value("editions", {}, "env", dict)
    app.add_config_value("edition_build_folder", "", "env", str)
    app.connect("config-inited", configure)
    app.connect("builder-inited", place_outputs, priority=900)  # after myst-nb's (500)
    app.connect("env-before-read-docs", title_the_pdf)
    app.connect("html-page-context", add_switch)
    app.add_css_file("language-switch.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
