"""Words and numbers that chapters glue into their prose, in the book's two languages.

A chapter computes what its prose says, numbers and verdicts alike, and glues it (MyST-NB's
``glue``). The book has an English and a French edition built from the same executed
notebooks, so a glued text must exist in both languages:

- a glued **number** (``"0.79"``, ``"11.85%"``, ``"50,000"``, ``"2.0e-06"``) needs nothing more:
  the French edition writes it with French conventions (``french_number``: decimal comma,
  a narrow no-break space between thousands, a no-break space before ``%``);
- a glued text with **words** (a verdict, a list, a class name, a sentence) is glued twice,
  under ``key`` in English and ``key + FRENCH`` in French, by ``glue_words`` (or
  ``glue_verdict`` for a ``mlp.verdicts.Comparison``). The French edition uses the French
  variant, and stops with an error on a glued text that has words and no French variant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from mlp.verdicts import Comparison

__all__ = [
    "FRENCH",
    "french_number",
    "glue_listing",
    "glue_verdict",
    "glue_words",
    "listing",
]

FRENCH = "__fr"
"""The suffix of the key that holds a glued text's French variant."""

NBSP, NNBSP = "\u00a0", "\u202f"  # no-break space; narrow no-break space (espace fine)

_NUMBER = re.compile(
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?(?P<exp>e[-+]?\d+)?",
)
_UNITS = {"s", "ms", "µs", "μs", "ns", "min", "h", "kB", "MB", "GB", "B", "x", "pt", "px"}
_SYMBOLS = set(" %±×+-−–/()=<>≤≥~≈·*[]:" + NBSP + NNBSP)


def french_number(text: str) -> str | None:
    """``text`` as the French edition writes it, if it holds only numbers, symbols and units
    (``"1,234.5 µs"`` -> ``"1 234,5 µs"``, ``"11.85%"`` -> ``"11,85 %"``; ``"inf"`` and ``"nan"``
    as they are); None if it has words, or a comma between numbers (a list, whose French form
    needs other separators)."""
    if re.search(r",\s", text):
        return None
    if text.strip().lstrip("+-−") in ("inf", "nan"):  # how Python prints them, in any language
        return text
    pieces: list[str] = []
    position = 0
    for match in _NUMBER.finditer(text):
        between = text[position : match.start()]
        if not _symbols_or_units(between):
            return None
        pieces.append(between)
        integer = match["int"].replace(",", NNBSP)
        number = integer + ("," + match["frac"] if match["frac"] else "") + (match["exp"] or "")
        pieces.append(number)
        position = match.end()
    tail = text[position:]
    if not _symbols_or_units(tail) or position == 0:
        return None
    pieces.append(tail)
    return re.sub(r"(?<=\d) ?%", NBSP + "%", "".join(pieces))


def _symbols_or_units(text: str) -> bool:
    words = re.split(r"[\s" + re.escape("".join(_SYMBOLS - {" "})) + r"]+", text)
    return all(not word or word in _UNITS for word in words)


def listing(values: Sequence[str], language: str = "en") -> str:
    """``"a, b and c"`` in English, ``"a ; b et c"`` in French (numbers as given: pass them
    through ``french_number`` first for the French list)."""
    items = [str(v) for v in values]
    if not items:
        raise ValueError("listing needs at least one value")
    if language not in ("en", "fr"):
        raise ValueError(f"language must be 'en' or 'fr', got {language!r}")
    if len(items) == 1:
        return items[0]
    if language == "en":
        return ", ".join(items[:-1]) + " and " + items[-1]
    return (NBSP + "; ").join(items[:-1]) + " et " + items[-1]


def _glue(key: str, text: str) -> None:
    from myst_nb import glue  # the book's tool: only chapters call this module's glue

    glue(key, text, display=False)


def glue_words(key: str, english: str, french: str) -> None:
    """Glue ``english`` under ``key`` and ``french`` under ``key + FRENCH``."""
    for name, value in (("english", english), ("french", french)):
        if not isinstance(value, str) or not value:
            raise TypeError(f"{name} must be a non-empty string, got {value!r}")
    _glue(key, english)
    _glue(key + FRENCH, french)


def glue_verdict(key: str, comparison: Comparison, *, feminine: bool = False) -> None:
    """Glue a comparison's verdict (``worse`` / ``better`` / ``within noise``) in both
    languages under ``key``; ``feminine``: the French agrees with a feminine subject."""
    glue_words(key, comparison.words("en"), comparison.words("fr", feminine=feminine))


def glue_span(key: str, values: Iterable[float], fmt: str = "{:g}") -> None:
    """Glue the range of ``values`` in both languages, smallest to largest: ``"4 to 5"`` /
    ``"4 à 5"``, or the one value when they are all equal (``"5"``, never ``"5 to 5"``);
    each end written with ``fmt``."""
    numbers = sorted(float(v) for v in values)
    if not numbers:
        raise ValueError("glue_span needs at least one value")
    low, high = fmt.format(numbers[0]), fmt.format(numbers[-1])
    if low == high:
        glue_words(key, low, french_number(low) or low)
    else:
        glue_words(key, f"{low} to {high}",
                   f"{french_number(low) or low} à {french_number(high) or high}")


def glue_listing(key: str, values: Iterable[str]) -> None:
    """Glue a list of numbers in both languages: ``"0.03, 0.1 and 1"`` / ``"0,03 ; 0,1 et 1"``."""
    items = [str(v) for v in values]
    french = [french_number(v) or v for v in items]
    glue_words(key, listing(items, "en"), listing(french, "fr"))
