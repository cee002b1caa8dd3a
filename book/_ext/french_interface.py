"""The words of the interface in the French edition, where Sphinx and the themes leave English.

Sphinx, sphinx-book-theme, the pydata theme, sphinx-exercise and sphinx-togglebutton translate
most of their words themselves (``Contenu``, ``Recherche``, ``Exercice``...). The rest goes
through the ``sphinx`` catalogue of the edition, ``locales/<language>/LC_MESSAGES/sphinx.po``,
which Sphinx reads before its own:

- words set in configuration, not in a template: the search box's placeholder
  (``search_bar_text``) and myst-nb's toggles of hidden code (``nb_code_prompt_show`` and
  ``_hide``), translated when the configuration is read;
- the tooltips of sphinx-book-theme's two sidebar toggles, hard-coded in its templates:
  ``templates/toggle-primary-sidebar.html`` and ``toggle-secondary-sidebar.html`` override
  them (sphinx-book-theme 1.3) with the same markup and ``_()`` around the words (the template
  folder comes first in ``templates_path``: ``language_switch``).

sphinx-exercise titles a solution "Solution to" followed by a link to "Exercise N"; its French
words give "Solution de Exercice N". ``FrenchSolutionTitles`` makes it "Solution de
l'exercice N" (sphinx-exercise 1.2, whose post-transform builds that title at priority 22).
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.locale import get_translation
from sphinx.transforms.post_transforms import SphinxPostTransform

SEARCH = "Search this book..."
"""sphinx-book-theme's ``search_bar_text`` as Jupyter Book sets it."""


def translate_interface(app: Sphinx, config: Config) -> None:
    """Translate the interface's words that come from configuration (translated builds)."""
    if config.language == "en":
        return
    translate = get_translation("sphinx")
    options = dict(config.html_theme_options or {})
    options["search_bar_text"] = str(translate(options.get("search_bar_text", SEARCH)))
    config.html_theme_options = options
    config.nb_code_prompt_show = str(translate(config.nb_code_prompt_show))
    config.nb_code_prompt_hide = str(translate(config.nb_code_prompt_hide))


def french_solution_title(title: nodes.title) -> bool:
    """ "Solution de" + link " Exercice N" -> "Solution de l'" + link "exercice N"; whether the
    title had that form."""
    if len(title.children) < 2 or not isinstance(title.children[1], nodes.reference):
        return False
    text, link = title.children[0], title.children[1]
    if not isinstance(text, nodes.Text) or str(text).strip() != "Solution de":
        return False
    words = link.astext().strip()
    if not words.startswith("Exercice"):
        return False
    title.replace(text, nodes.Text("Solution de l\u2019"))
    link.children = [nodes.Text("e" + words[1:])]
    return True


class FrenchSolutionTitles(SphinxPostTransform):
    """Solution titles that read as French (French build only)."""

    default_priority = 23  # after sphinx-exercise's SolutionTitles (22)

    def apply(self, **kwargs: Any) -> None:
        if self.config.language != "fr":
            return
        for title in self.document.findall(nodes.title):
            french_solution_title(title)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", translate_interface)
    app.add_post_transform(FrenchSolutionTitles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
