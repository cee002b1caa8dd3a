"""``make translations``: extract the book's messages, update the French catalogues, say what
changed and what is left to translate.

``python tools/translations.py [--check] [--skip-extract]``

1. Sphinx's gettext builder extracts every message of the English source (prose, headings,
   admonitions, captions, exercises and solutions, the parts of ``_toc.yml``) into
   ``_build/gettext/<page>.pot``, one catalogue template per page. Code, printed outputs,
   glued values and display math are not messages (``book/_ext``), so nothing is executed;
   a figure caption written in a code cell's metadata, which myst-nb renders only with the
   cell's outputs, is extracted all the same (``book/_ext/metadata_captions.py``).
2. ``sphinx-intl update`` brings ``locales/fr/LC_MESSAGES/<page>.po`` in line: a new message is
   added untranslated; a message whose English changed keeps its old translation marked
   *fuzzy* (to be checked); a message that disappeared is dropped.
3. A table per page: messages, translated, fuzzy, untranslated, and whether the page is still
   in ``locales/fr/not-yet-translated.txt``; then the messages that became new or fuzzy in
   this run, so that the writer sees what to translate.

``--check`` exits 1 when a page outside the pending list has a fuzzy or untranslated message,
or a catalogue has no page (CI runs the same checks in ``tests/test_translations.py``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "fr"
LOCALES = ROOT / "locales"
CATALOGUES = LOCALES / LANGUAGE / "LC_MESSAGES"
PENDING = LOCALES / LANGUAGE / "not-yet-translated.txt"
UI_CATALOGUE = "sphinx"
"""The catalogue of the theme's and the build's own words (``sphinx.po``), not a page."""

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from translation_gate import pending_pages  # noqa: E402


@dataclass
class Stats:
    """One catalogue: its messages, and those fuzzy or untranslated."""

    total: int = 0
    fuzzy: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)

    @property
    def translated(self) -> int:
        return self.total - len(self.fuzzy) - len(self.untranslated)

    @property
    def done(self) -> bool:
        return not self.fuzzy and not self.untranslated


def read_catalogue(path: Path) -> dict[str, tuple[str, bool]]:
    """``{msgid: (msgstr, fuzzy)}`` of a ``.po`` file (the header left out)."""
    from babel.messages.pofile import read_po

    with path.open("rb") as stream:
        catalogue = read_po(stream, charset="utf-8")
    return {m.id: (m.string or "", m.fuzzy) for m in catalogue if m.id}


def stats(path: Path) -> Stats:
    """The counts of one ``.po`` file."""
    entries = read_catalogue(path)
    result = Stats(total=len(entries))
    for msgid, (msgstr, fuzzy) in entries.items():
        if fuzzy:
            result.fuzzy.append(msgid)
        elif not msgstr:
            result.untranslated.append(msgid)
    return result


def page_catalogues(folder: Path = CATALOGUES) -> dict[str, Path]:
    """``{docname: .po path}`` for the pages' catalogues (not ``sphinx.po``)."""
    return {
        str(path.relative_to(folder).with_suffix("")): path
        for path in sorted(folder.rglob("*.po"))
        if path.relative_to(folder).with_suffix("").as_posix() != UI_CATALOGUE
    }


def toc_pages(toc: Path = ROOT / "_toc.yml") -> list[str]:
    """The docnames of the table of contents, in reading order."""
    sys.path.insert(0, str(ROOT / "tools"))
    from build_book import toc_chapters

    return [str(p.relative_to(ROOT).with_suffix("")) for p in toc_chapters(toc)]


def extract(pot: Path) -> int:
    """Write the ``.pot`` files of the English source afresh in ``pot`` (no chapter is
    executed; the templates of removed pages do not survive)."""
    shutil.rmtree(pot, ignore_errors=True)
    command = [sys.executable, str(ROOT / "tools" / "editions.py"), "--language", "en"]
    command += ["--builder", "gettext", "--build", str(pot.parent)]
    return subprocess.run(command, check=False).returncode


def update(pot: Path) -> int:
    """``sphinx-intl update``: catalogues in line with the templates (no line wrapping, the
    messages of removed text dropped). The gettext builder also writes ``sphinx.pot``, the
    words of the HTML templates in ``templates_path``: the interface's catalogue is kept by
    hand (it also holds words from settings), so that template is not merged."""
    (pot / f"{UI_CATALOGUE}.pot").unlink(missing_ok=True)
    command = [str(Path(sys.executable).with_name("sphinx-intl")), "update", "-p", str(pot)]
    command += ["-l", LANGUAGE, "-d", str(LOCALES), "-w", "0", "--no-obsolete", "-j", "1"]
    return subprocess.run(command, check=False, capture_output=True, text=True).returncode


def report(before: dict[str, Stats], after: dict[str, Stats], pending: set[str]) -> list[str]:
    """Print the table and what changed; return the problems ``--check`` fails on."""
    problems = []
    print(f"\n{'messages':>8} {'done':>5} {'fuzzy':>5} {'new':>5}  page")
    for page, now in after.items():
        mark = "  (pending)" if page in pending else ""
        print(
            f"{now.total:8d} {now.translated:5d} {len(now.fuzzy):5d} {len(now.untranslated):5d}"
            f"  {page}{mark}"
        )
        if page not in pending and not now.done:
            problems.append(f"{page}: {len(now.fuzzy)} fuzzy, {len(now.untranslated)} untranslated")
    total = sum(s.total for s in after.values())
    done = sum(s.translated for s in after.values())
    print(f"{total:8d} {done:5d}  in all; {len(pending)} page(s) pending in {PENDING.name}")
    for page, now in after.items():
        old = before.get(page, Stats())
        new_fuzzy = [m for m in now.fuzzy if m not in set(old.fuzzy)]  # in page order
        new_untranslated = [m for m in now.untranslated if m not in set(old.untranslated)]
        for label, messages in (("became fuzzy", new_fuzzy), ("new", new_untranslated)):
            if messages:
                print(f"\n{page}: {len(messages)} message(s) {label}:")
                for message in messages[:10]:
                    print(f"  - {message[:100]!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if anything is left")
    parser.add_argument("--skip-extract", action="store_true", help="only report")
    args = parser.parse_args(argv)
    before = {page: stats(path) for page, path in page_catalogues().items()}
    if not args.skip_extract:
        pot = ROOT / "_build" / "gettext"
        if extract(pot) != 0:
            print("extracting the messages FAILED (see the Sphinx output above)")
            return 1
        if update(pot) != 0:
            print("sphinx-intl update FAILED")
            return 1
    after = {page: stats(path) for page, path in page_catalogues().items()}
    pages = set(toc_pages())
    pending = set(pending_pages(PENDING))
    problems = report(before, after, pending)
    problems += [f"{page}: a catalogue with no page in _toc.yml" for page in set(after) - pages]
    problems += [f"{page}: a page with no catalogue" for page in pages - set(after)]
    problems += [f"{page}: pending but not in _toc.yml" for page in pending - pages]
    if problems:
        print("\nNot done:\n  " + "\n  ".join(sorted(problems)))
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
