"""Glued words and numbers in both languages (``mlp.prose``): numbers convert to French
conventions by themselves; anything with words must come with its French variant."""

from __future__ import annotations

import pytest

from mlp import prose
from mlp.verdicts import compare

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("0.79", "0,79"),
        ("11.85%", "11,85" + NBSP + "%"),
        ("90.27 %", "90,27" + NBSP + "%"),
        ("50,000", "50" + NNBSP + "000"),
        ("1,234.5 µs", "1" + NNBSP + "234,5 µs"),
        ("2.0e-06", "2,0e-06"),
        ("-0.16", "-0,16"),
        ("1.29×", "1,29×"),
        ("(0.24)", "(0,24)"),
        ("45 s", "45 s"),
    ],
)
def test_a_glued_number_is_written_the_french_way(english: str, french: str) -> None:
    assert prose.french_number(english) == french


@pytest.mark.parametrize(
    "english", ["0.03, 0.1 and 1", "seed 0", "0.24 to 0.31", "3 of 36", "worse", "", "1, 2"]
)
def test_a_glued_text_with_words_or_a_list_has_no_automatic_french(english: str) -> None:
    assert prose.french_number(english) is None


def test_listing_in_both_languages() -> None:
    assert prose.listing(["0.03", "0.1", "1"]) == "0.03, 0.1 and 1"
    assert prose.listing(["0,03", "0,1", "1"], "fr") == f"0,03{NBSP}; 0,1 et 1"
    assert prose.listing(["7"], "fr") == "7"
    with pytest.raises(ValueError, match="at least one value"):
        prose.listing([])


def test_glue_words_glues_the_french_variant_under_its_own_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    glued: dict[str, str] = {}
    monkeypatch.setattr(prose, "_glue", glued.__setitem__)
    prose.glue_verdict("c07_strong", compare(0.0079, 0.0046))
    prose.glue_listing("c07_lrs", ["0.03", "0.1", "1"])
    assert glued == {
        "c07_strong": "within noise",
        "c07_strong" + prose.FRENCH: "dans le bruit",
        "c07_lrs": "0.03, 0.1 and 1",
        "c07_lrs" + prose.FRENCH: f"0,03{NBSP}; 0,1 et 1",
    }
    with pytest.raises(TypeError, match="french must be a non-empty string"):
        prose.glue_words("k", "words", "")


def test_a_span_of_equal_values_is_one_value_not_a_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    glued: dict[str, str] = {}
    monkeypatch.setattr(prose, "_glue", glued.__setitem__)
    prose.glue_span("stages", [5, 4, 5])
    prose.glue_span("same", [5, 5])
    prose.glue_span("rates", [0.25, 1.5], fmt="{:.2f}")
    assert glued == {
        "stages": "4 to 5",
        "stages" + prose.FRENCH: "4 à 5",
        "same": "5",
        "same" + prose.FRENCH: "5",
        "rates": "0.25 to 1.50",
        "rates" + prose.FRENCH: "0,25 à 1,50",
    }
    with pytest.raises(ValueError, match="at least one value"):
        prose.glue_span("k", [])


def test_a_verdict_agrees_with_a_feminine_french_subject() -> None:
    worse, better, noise = compare(3.0, 1.0), compare(-3.0, 1.0), compare(0.5, 1.0)
    assert [c.words("fr", feminine=True) for c in (worse, better, noise)] == [
        "moins bonne",
        "meilleure",
        "dans le bruit",
    ]
    assert worse.words("fr") == "moins bon" and worse.words("en", feminine=True) == "worse"
