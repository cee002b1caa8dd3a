"""The two built sites (``make book``): the French one has every page of the English one, with
the same equations, code, printed outputs, figures and glued values, so that nothing is lost in
translation; every page links to its counterpart; each site says its language.

Reads the HTML files (no browser: ``tests/test_site.py`` opens both sites in Chromium). Needs a
built book; in CI a missing one is a failure, elsewhere a skip.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from conftest import ROOT, require
from test_chapters import CHAPTERS

ENGLISH = ROOT / "_build" / "html"
FRENCH = ENGLISH / "fr"
PAGES = [str(p.relative_to(ROOT).with_suffix(".html")) for p in CHAPTERS]

pytestmark = pytest.mark.site


def built() -> None:
    require((FRENCH / "index.html").is_file(), f"no French site at {FRENCH}: run `make book`")


def article(path: Path) -> str:
    """The page's article (its content, without the navigation, whose titles differ)."""
    text = path.read_text(encoding="utf-8")
    start, end = text.find("<article"), text.rfind("</article>")
    assert start >= 0 and end > start, f"{path}: no <article>"
    return text[start:end]


MATH = re.compile(r'<(span|div) class="math[^"]*"[^>]*>(.*?)</\1>', re.S)


def text_of(fragment: str) -> str:
    """A fragment's text: tags and the (translated) permalink titles left out."""
    fragment = re.sub(r'<a class="headerlink".*?</a>', "", fragment, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def formula(fragment: str) -> str:
    """A formula's text, its line breaks (those of the source paragraph) made spaces, and a
    decimal comma of French math (``0{,}03``, as a chapter's French table writes it) read as
    the English decimal point: the same number."""
    return " ".join(re.sub(r"(?<=\d)\{,\}(?=\d)", ".", text_of(fragment)).split())


def content(page: str) -> dict[str, dict[str, list[str]]]:
    """What must be the same in both languages: math, code and printed output, figures; and
    how many values were glued."""
    result = {}
    for name, site in (("en", ENGLISH), ("fr", FRENCH)):
        body = article(site / page)
        result[name] = {
            "math": sorted(formula(m) for _, m in MATH.findall(body)),
            "code and outputs": sorted(
                text_of(m) for m in re.findall(r"<pre>(.*?)</pre>", body, re.S)
            ),
            "figures": sorted(
                Path(src).name for src in re.findall(r'<img[^>]* src="([^"]+)"', body)
            ),
            "glued values": [str(body.count('class="pasted-text"'))],
        }
    return result


def test_the_french_site_has_every_page_of_the_english_one() -> None:
    built()
    english = {p.relative_to(ENGLISH) for p in (ENGLISH / "book").rglob("*.html")}
    french = {p.relative_to(FRENCH) for p in (FRENCH / "book").rglob("*.html")}
    assert english and english == french
    assert {Path(p) for p in PAGES} <= english


@pytest.mark.parametrize("page", PAGES)
def test_a_french_page_has_the_equations_code_outputs_figures_and_glue_of_its_english_page(
    page: str,
) -> None:
    built()
    found = content(page)
    for kind in found["en"]:
        assert found["fr"][kind] == found["en"][kind], f"{page}: {kind} differ"


def test_a_french_decimal_comma_in_math_is_the_same_number() -> None:
    assert formula('<span class="math">\\(\\eta_0 = 0{,}03\\)</span>') == "\\(\\eta_0 = 0.03\\)"
    assert formula("\\(x_{1}, y\\)") == "\\(x_{1}, y\\)"
    assert formula("\\(0{,}03\\)") != formula("\\(0{,}3\\)")


def test_the_comparison_sees_a_lost_equation(tmp_path: Path) -> None:
    """A page whose French article lost a formula is told apart (the check can fail)."""
    built()
    page = next(p for p in PAGES if "math" in article(ENGLISH / p))
    body = article(ENGLISH / page)
    lost = re.sub(r'<span class="math[^"]*"[^>]*>.*?</span>', "", body, count=1, flags=re.S)
    assert lost != body
    assert len(MATH.findall(lost)) == len(MATH.findall(body)) - 1


LINK = re.compile(r'<a href="([^"]+)" class="btn btn-sm language-switch"\s+hreflang="(\w+)"')


@pytest.mark.parametrize("page", PAGES)
def test_each_page_links_to_the_same_page_in_the_other_language(page: str) -> None:
    built()
    for site, other, other_language in ((ENGLISH, FRENCH, "fr"), (FRENCH, ENGLISH, "en")):
        text = (site / page).read_text(encoding="utf-8")
        links = LINK.findall(text)
        assert len(links) == 1, f"{site / page}: {len(links)} language links"
        href, language = links[0]
        assert language == other_language
        assert not urlparse(href).scheme, f"{href}: not relative (must work offline)"
        target = ((site / page).parent / unquote(href)).resolve()
        assert target == (other / page).resolve(), f"{site / page} -> {target}"
        assert f'<link rel="alternate" hreflang="{other_language}" href="{href}" />' in text


@pytest.mark.parametrize(("site", "language"), [(ENGLISH, "en"), (FRENCH, "fr")])
def test_each_site_says_its_language(site: Path, language: str) -> None:
    built()
    for page in PAGES:
        head = (site / page).read_text(encoding="utf-8")[:300]
        assert f'<html lang="{language}"' in head, f"{site / page}"


def test_the_french_site_has_no_english_interface_words() -> None:
    """The words of the theme that Sphinx and the theme leave in English are translated
    (``locales/fr/LC_MESSAGES/sphinx.po``)."""
    built()
    english = ["Search this book", "Toggle primary sidebar", "Show code cell", "Contents<"]
    for page in PAGES:
        text = (FRENCH / page).read_text(encoding="utf-8")
        left = [word for word in english if word in text]
        assert not left, f"{page}: {left}"


PASTED = re.compile(r'<span class="pasted-text">(.*?)</span>', re.S)


@pytest.mark.parametrize("page", PAGES)
def test_no_glued_text_shows_raw_latex_in_either_site(page: str) -> None:
    """``{glue:text}`` pastes text as it is: a glued ``$\\eta_0$`` would show its dollars and
    backslashes (the build warns, ``book/_ext/french_glue.py``; this reads what was written)."""
    built()
    for site in (ENGLISH, FRENCH):
        pasted = [text_of(m) for m in PASTED.findall(article(site / page))]
        raw = [text for text in pasted if "$" in text]
        assert not raw, f"{site / page}: {raw[:3]}"


def test_the_raw_latex_check_sees_a_dollar_in_pasted_text() -> None:
    html = '<p>with <span class="pasted-text">$\\eta_0 = 1$</span> and 0.79</p>'
    assert [text_of(m) for m in PASTED.findall(html)] == ["$\\eta_0 = 1$"]
