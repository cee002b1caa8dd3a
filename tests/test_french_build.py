"""The French build, end to end, on a small book of its own (``tools/build_book.py --root``):
one execution, two sites; glued numbers written the French way and glued words in French; the
typography; and the two ways the French build fails: a message left in English on a page that
is not pending, and a glued text with words but no French variant.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.chapters

NBSP, NNBSP = "\u00a0", "\u202f"

FRONT_MATTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""

CONFIG = f"""title: a small book
only_build_toc_files: true
exclude_patterns: [_build, locales]
execute:
  execute_notebooks: cache
  raise_on_error: true
sphinx:
  local_extensions:
    french_glue: {ROOT / "book" / "_ext"}
    french_typography: {ROOT / "book" / "_ext"}
    language_switch: {ROOT / "book" / "_ext"}
    translation_gate: {ROOT / "book" / "_ext"}
  config:
    locale_dirs: [locales]
    gettext_compact: false
    editions:
      fr:
        title: "un petit livre"
"""

GLUED = (
    FRONT_MATTER
    + """
# Glued values

```{code-cell} ipython3
from myst_nb import glue
from mlp.prose import glue_words
glue("err", "0.79", display=False)
glue_words("verdict", "within noise", "dans le bruit")
```

The error is {glue:text}`err`: it is {glue:text}`verdict`.

Is that all?
"""
)

FRENCH = {
    "intro": {"A small book": "Un petit livre", "Nothing to execute here.": "Rien à exécuter."},
    "glued": {
        "Glued values": "Valeurs collées",
        "The error is {glue:text}`err`: it is {glue:text}`verdict`.": (
            "L'erreur vaut {glue:text}`err` : elle est {glue:text}`verdict`."
        ),
        "Is that all?": "Est-ce tout ?",
    },
}


def write_catalogue(book: Path, page: str, messages: dict[str, str]) -> None:
    entries = "".join(
        f'\nmsgid "{msgid}"\nmsgstr "{msgstr}"\n' for msgid, msgstr in messages.items()
    )
    path = book / "locales" / "fr" / "LC_MESSAGES" / f"{page}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n' + entries)


def make_book(folder: Path, glued: str = GLUED) -> Path:
    folder.mkdir(parents=True)
    (folder / "_config.yml").write_text(CONFIG)
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: glued\n")
    (folder / "intro.md").write_text("# A small book\n\nNothing to execute here.\n")
    (folder / "glued.md").write_text(glued)
    for page, messages in FRENCH.items():
        write_catalogue(folder, page, messages)
    (folder / "locales" / "fr" / "not-yet-translated.txt").write_text("# none\n")
    return folder


def build(book: Path) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py"), "--root", str(book)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return result.returncode, re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)


def paragraph(html: str, start: str) -> str:
    found = re.search(rf"<p>{re.escape(start)}.*?</p>", html, re.S)
    assert found, f"no paragraph starting {start!r}"
    return re.sub(r"<[^>]+>", "", found.group(0))


def test_one_execution_two_sites_and_the_gate_on_a_message_left_in_english(
    tmp_path: Path,
) -> None:
    book = make_book(tmp_path / "book")
    status, output = build(book)
    assert status == 0, output
    assert output.count("executing 1 chapter(s)") == 1, "executed once for both editions"
    english = (book / "_build" / "html" / "glued.html").read_text()
    french = (book / "_build" / "html" / "fr" / "glued.html").read_text()
    assert paragraph(english, "The error") == "The error is 0.79: it is within noise."
    assert paragraph(french, "L") == (f"L\u2019erreur vaut 0,79{NBSP}: elle est dans le bruit."), (
        "French number, French words, no-break space before the colon, apostrophe"
    )
    assert paragraph(french, "Est-ce") == f"Est-ce tout{NNBSP}?"
    assert '<html lang="fr"' in french and 'href="../glued.html"' in french
    assert 'href="fr/glued.html"' in english

    # The English changes and nobody translates it: the French build fails, naming the page.
    source = (book / "glued.md").read_text()
    (book / "glued.md").write_text(source.replace("Is that all?", "Is that everything?"))
    status, output = build(book)
    assert status == 1, output
    assert "1 of 3 messages untranslated or fuzzy in glued" in output, output
    assert "Is that everything?" in output

    # Listed as pending, the page may stay partly English: the build passes and says so.
    (book / "locales" / "fr" / "not-yet-translated.txt").write_text("glued\n")
    status, output = build(book)
    assert status == 0, output
    assert re.search(r"1 of\s+3 untranslated\s+glued \(pending\)", output), output


def test_glued_words_without_a_french_variant_fail_the_french_build(tmp_path: Path) -> None:
    words_only = GLUED.replace(
        'glue_words("verdict", "within noise", "dans le bruit")',
        'glue("verdict", "within noise", display=False)',
    )
    book = make_book(tmp_path / "book", words_only)
    status, output = build(book)
    assert status == 1, output
    assert "the glued text 'verdict' ('within noise') has words and no French variant" in output
    assert "FAILED: the fr edition" in output
    assert (book / "_build" / "html" / "glued.html").is_file(), "the English site was built"
