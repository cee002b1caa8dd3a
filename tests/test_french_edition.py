"""The French edition's machinery, piece by piece: typography, glued values, what counts as a
message, the language link, the pending list (``book/_ext``, ``tools/editions.py``)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from docutils import nodes

sys.path.insert(0, str(ROOT / "book" / "_ext"))

from french_glue import french_text, split_key
from french_typography import NBSP, NNBSP, french_spacing, is_french_prose
from language_switch import other_language, switch_url
from translation_gate import has_words, pending_pages

from mlp.prose import FRENCH

# --- typography ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Question: voir B7", f"Question{NBSP}: voir B7"),
        ("Pourquoi ?", f"Pourquoi{NNBSP}?"),
        ("le risque ; la perte", f"le risque{NNBSP}; la perte"),
        ("Attention!", f"Attention{NNBSP}!"),
        ("a ?! b", f"a{NNBSP}?! b"),
        (f"déjà espacé{NBSP};", f"déjà espacé{NNBSP};"),
        ("« citation »", f"«{NBSP}citation{NBSP}»"),
        ("«citation»", f"«{NBSP}citation{NBSP}»"),
        ("20 % et 20%", f"20{NBSP}% et 20{NBSP}%"),
        ("les 10 000 chiffres", f"les 10{NNBSP}000 chiffres"),
        ("l'exemple d'entraînement", "l\u2019exemple d\u2019entraînement"),
        (": après une formule", f"{NBSP}: après une formule"),
        ("(voir B7) : oui", f"(voir B7){NBSP}: oui"),
    ],
)
def test_french_spacing_puts_the_imprimerie_nationale_spaces(typed: str, printed: str) -> None:
    assert french_spacing(typed) == printed


@pytest.mark.parametrize(
    "untouched",
    ["https://www.sympy.org/a?b=1", "12:30", "un rapport 1:2", "entre 1 et 100", "123 4567"],
)
def test_french_spacing_leaves_urls_times_ratios_and_short_numbers(untouched: str) -> None:
    assert french_spacing(untouched) == untouched


def _paragraph(*children: nodes.Node, translated: bool = True) -> nodes.paragraph:
    para = nodes.paragraph("", "", *children)
    para["translated"] = translated
    return para


def test_only_the_text_of_translated_prose_is_french_prose() -> None:
    prose = nodes.Text("le risque : la perte")
    code = nodes.Text("x: int")
    math = nodes.Text("a : b")
    translated = _paragraph(prose, nodes.literal("", "", code), nodes.math("", "", math))
    english = nodes.Text("Question: see B7")
    untranslated = _paragraph(english, translated=False)
    nodes.section("", translated, untranslated)
    assert is_french_prose(prose)
    assert not is_french_prose(code), "inline code is never prose"
    assert not is_french_prose(math), "math is never prose"
    assert not is_french_prose(english), "English left untranslated keeps its spacing"
    glued = nodes.Text("dans le bruit ; voir")
    value = nodes.inline("", "", glued)
    value["french_glue"] = True
    _paragraph(value, translated=False)
    assert is_french_prose(glued), "a French glued value is French prose anywhere"


# --- glued values ----------------------------------------------------------------------------


def _store(**values: str) -> dict:
    return {key: {"data": {"text/plain": repr(text)}} for key, text in values.items()}


def test_a_glued_number_is_written_the_french_way() -> None:
    assert french_text(_store(k="1,234.5"), "k", "s") == ("1\u202f234,5", "")


@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
def test_a_glued_infinity_or_nan_is_a_number_too(value: str) -> None:
    assert french_text(_store(k=value), "k", "s") == (value, "")


def test_the_french_variant_wins_over_the_english_text() -> None:
    store = _store(k="within noise", **{"k" + FRENCH: "dans le bruit"})
    assert french_text(store, "k", "s") == ("dans le bruit", "")


def test_glued_words_without_a_french_variant_are_reported_with_the_key() -> None:
    text, why = french_text(_store(k="within noise"), "k", "s")
    assert text is None
    assert "'k'" in why and "'within noise'" in why and "glue_words" in why


def test_a_missing_key_is_reported() -> None:
    text, why = french_text(_store(k="1"), "other", "s")
    assert text is None and "'other'" in why


def test_split_key_reads_a_format_spec_as_myst_nb_does() -> None:
    assert split_key("c02_fwd_low") == ("c02_fwd_low", None)
    assert split_key("c02_fwd_low:.2f") == ("c02_fwd_low", ".2f")


# --- messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$d_h$", False),
        ("`K`, `batch_size`", False),
        ("{ref}`B1 <b01>`, {ref}`B2 <b02>`", False),
        ("B10", False),
        ("$$x$$ and $y$", True),
        ("scalar", True),
        ("row `t`", True),
        ("étiquette", True),
    ],
)
def test_a_message_is_text_with_words_outside_math_code_roles_and_labels(
    source: str, expected: bool
) -> None:
    assert has_words(source) is expected


def test_pending_pages_reads_names_comments_and_md_suffixes(tmp_path: Path) -> None:
    listing = tmp_path / "pending.txt"
    listing.write_text("# header\nbook/a\n\nbook/b.md  # being rewritten\n")
    assert pending_pages(listing) == ["book/a", "book/b"]
    assert pending_pages(tmp_path / "missing.txt") == []


# --- the language link -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pagename", "language", "url"),
    [
        ("book/intro", "en", "../fr/book/intro.html"),
        ("book/part_b/b15_grad_W1_b1", "en", "../../fr/book/part_b/b15_grad_W1_b1.html"),
        ("book/part_b/b15_grad_W1_b1", "fr", "../../../book/part_b/b15_grad_W1_b1.html"),
        ("genindex", "en", "fr/genindex.html"),
        ("search", "fr", "../search.html"),
    ],
)
def test_the_link_leads_to_the_same_page_in_the_other_site(
    pagename: str, language: str, url: str
) -> None:
    assert switch_url(pagename, language) == url
    # resolved from the page's folder, the link lands on the other site's copy of the page
    site = Path("/site")
    here = site / ("fr" if language == "fr" else "") / pagename
    there = site / ("" if language == "fr" else "fr") / f"{pagename}.html"
    assert (here.parent / url).resolve() == there.resolve()


def test_an_unknown_language_is_refused() -> None:
    assert other_language("en") == "fr" and other_language("fr") == "en"
    with pytest.raises(ValueError, match="no edition in language 'de'"):
        other_language("de")


# --- the edition's Sphinx pass ---------------------------------------------------------------


def test_the_french_pass_reads_the_english_execution_cache_and_writes_apart() -> None:
    from editions import edition_overrides, edition_paths, jupyter_book_config

    build = ROOT / "_build"
    paths = edition_paths(build, "fr", "html")
    assert paths["out"] == build / "html" / "fr"
    assert paths["doctrees"] == build / "fr" / ".doctrees" != build / ".doctrees"
    assert edition_paths(build, "fr", "latex")["out"] == build / "latex" / "fr"
    overrides = edition_overrides(build, "fr", "html")
    assert overrides["language"] == "fr"
    assert overrides["nb_execution_mode"] == "cache"
    assert overrides["nb_execution_cache_path"] == str(build / ".jupyter_cache")
    assert overrides["edition_build_folder"] == str(build / "fr")
    assert edition_overrides(build, "en", "gettext")["nb_execution_mode"] == "off"
    _, source, jb = jupyter_book_config(ROOT, ROOT / "_toc.yml")
    assert source == ROOT and jb["external_toc_path"] == (ROOT / "_toc.yml").as_posix()
    assert jb["nitpicky"] is True, "the same checks as `jupyter-book build -n`"


def test_inline_nodes_are_never_marked_as_not_messages() -> None:
    """Sphinx's RemoveTranslatableInline takes out any inline node with a ``translatable``
    attribute and appends its text to the end of the paragraph: a glued value would move."""
    from french_glue import computed
    from translation_gate import blocks

    value = nodes.inline("0.79", "0.79", classes=["pasted-text"])
    paragraph = nodes.paragraph("", "", nodes.Text("the error is "), value)
    cell = nodes.entry("", paragraph)
    assert blocks(cell) == [paragraph]
    computed([cell])
    assert paragraph["translatable"] is False
    assert "translatable" not in value


def test_a_solution_title_reads_as_french() -> None:
    from french_interface import french_solution_title

    link = nodes.reference("", " Exercice 29", refuri="#c02-ex1")
    title = nodes.title("", "", nodes.Text("Solution de"), link)
    assert french_solution_title(title)
    assert title.astext() == "Solution de l\u2019exercice 29"
    assert title.children[1] is link, "the link to the exercise is kept"
    other = nodes.title("", "", nodes.Text("Exercice"))
    assert not french_solution_title(other) and other.astext() == "Exercice"


# --- glued text holds no math ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "math"),
    [("η₀ = 1, λ₁₂ = 0.01", False), ("0.79", False), ("$\\eta_0 = 1$", True), ("1 $", True)],
)
def test_pasted_text_with_a_dollar_is_math_the_page_would_show_raw(text: str, math: bool) -> None:
    from french_glue import has_math

    assert has_math(text) is math


# --- small books built end to end (both editions, and the catalogues' extraction) ------------

CAPTIONED = """
# A figure

```{code-cell} ipython3
---
mystnb:
  figure:
    caption: |
      A straight line, drawn
      by matplotlib.
    name: fig-line
---
import matplotlib.pyplot as plt

plt.plot([0, 1], [0, 1])
plt.show()
```

See {numref}`fig-line`.
"""

CAPTIONED_FRENCH = {
    "A figure": "Une figure",
    "A straight line, drawn by matplotlib.": "Une droite, tracée par matplotlib.",
    "See {numref}`fig-line`.": "Voir la {numref}`fig-line`.",
}


def small_book(folder: Path, page: str, french: dict[str, str]) -> Path:
    """A book of two pages, ``intro`` and ``page`` (MyST notebook text), both translated."""
    from test_french_build import CONFIG, FRONT_MATTER, write_catalogue

    folder.mkdir(parents=True)
    (folder / "_config.yml").write_text(CONFIG)
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    (folder / "intro.md").write_text("# A small book\n\nNothing to execute here.\n")
    (folder / "page.md").write_text(FRONT_MATTER + page)
    write_catalogue(
        folder, "intro", {"A small book": "Un petit livre", "Nothing to execute here.": "Rien."}
    )
    write_catalogue(folder, "page", french)
    (folder / "locales" / "fr" / "not-yet-translated.txt").write_text("# none\n")
    return folder


def figcaption(html: str) -> str:
    """The text of a page's (first) figure caption, on one line."""
    found = re.search(r'<span class="caption-text">(.*?)</span>', html, re.S)
    assert found, "no figure caption"
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


@pytest.mark.chapters
def test_a_caption_in_cell_metadata_is_extracted_and_translated(tmp_path: Path) -> None:
    """The gettext pass (nothing executed) extracts the caption that a code cell gives in its
    metadata, and the French edition shows its translation (``metadata_captions``)."""
    from test_french_build import build

    book = small_book(tmp_path / "book", CAPTIONED, CAPTIONED_FRENCH)
    status, output = build(book)
    assert status == 0, output
    site = book / "_build" / "html"
    assert figcaption((site / "page.html").read_text()) == "A straight line, drawn by matplotlib."
    assert figcaption((site / "fr" / "page.html").read_text()) == (
        "Une droite, tracée par matplotlib."
    )
    command = [sys.executable, str(ROOT / "tools" / "editions.py"), "--language", "en"]
    command += ["--builder", "gettext", "--root", str(book), "--build", str(book / "_build")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    template = (book / "_build" / "gettext" / "page.pot").read_text()
    assert 'msgid "A straight line, drawn by matplotlib."' in template


GLUED_MATH = """
# Glued math

```{code-cell} ipython3
from mlp.prose import glue_words
glue_words("setting", ENGLISH, FRENCH)
```

The best setting is {glue:text}`setting`.
"""


@pytest.mark.chapters
@pytest.mark.parametrize(
    ("english", "french", "edition"),
    [("η₀ = 1", "$\\eta_0 = 1$", "FAILED: the fr edition"), ("$\\eta_0 = 1$", "η₀ = 1", "")],
)
def test_glued_text_with_latex_fails_the_edition_that_pastes_it(
    tmp_path: Path, english: str, french: str, edition: str
) -> None:
    from test_french_build import build

    page = GLUED_MATH.replace("ENGLISH", repr(english)).replace("FRENCH", repr(french))
    messages = {
        "Glued math": "Des maths collées",
        "The best setting is {glue:text}`setting`.": "Le réglage est {glue:text}`setting`.",
    }
    status, output = build(small_book(tmp_path / "book", page, messages))
    assert status == 1, output
    assert "the glued text 'setting'" in output and "holds LaTeX math" in output, output
    assert edition in output, output
