"""The one rule for verdicts (``mlp.verdicts``): a difference counts beyond two standard
errors, in either direction, and its words come in both of the book's languages."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp.verdicts import (
    RULE,
    Comparison,
    Z,
    compare,
    compare_paired_runs,
    compare_pooled,
    compare_samples,
    count_verdicts,
)


@pytest.mark.parametrize(
    ("difference", "se", "verdict"),
    [
        (0.0079, 0.0046, "within noise"),  # C7's strongest decay on one machine: 1.7 SE
        (0.0093, 0.0046, "worse"),  # 2.02 SE
        (-0.0093, 0.0046, "better"),
        (0.0092, 0.0046, "within noise"),  # exactly 2 SE is not beyond
        (0.0, 0.0, "within noise"),
        (1e-9, 0.0, "worse"),  # an exact difference (no noise) counts
    ],
)
def test_the_verdict_is_worse_better_or_within_noise_at_two_standard_errors(
    difference: float, se: float, verdict: str
) -> None:
    assert compare(difference, se).verdict == verdict


def test_for_an_accuracy_higher_is_better() -> None:
    assert compare(0.01, 0.001, lower_is_better=False).verdict == "better"
    assert compare(-0.01, 0.001, lower_is_better=False).verdict == "worse"


def test_words_in_english_and_french_and_an_unknown_language_refused() -> None:
    c = compare(3.0, 1.0)
    assert (c.words("en"), c.words("fr")) == ("worse", "moins bon")
    assert compare(0.1, 1.0).words("fr") == "dans le bruit"
    assert f"{Z:g} standard errors" in RULE["en"] and f"{Z:g} erreurs types" in RULE["fr"]
    with pytest.raises(ValueError, match="language must be one of"):
        c.words("de")


def test_margin_says_how_far_from_the_boundary_a_measurement_lies() -> None:
    assert compare(6.0, 1.0).margin == pytest.approx(3.0)  # 6 SE: three times the rule
    assert compare(0.5, 1.0).margin == pytest.approx(4.0)  # within noise, four times inside
    assert compare(0.0, 1.0).margin == math.inf


def test_welch_standard_error_of_two_samples() -> None:
    a, b = [0.10, 0.12, 0.11], [0.13, 0.15, 0.14]
    c = compare_samples(a, b)
    expected = math.sqrt(np.var(a, ddof=1) / 3 + np.var(b, ddof=1) / 3)
    assert c.difference == pytest.approx(-0.03) and c.standard_error == pytest.approx(expected)
    assert c.verdict == "better"


def test_paired_runs_cancel_the_noise_they_share() -> None:
    """Seeds that move both configurations together: unpaired, within noise; paired, clear."""
    shared = np.array([0.10, 0.14, 0.12, 0.16])
    a, b = shared + 0.005, shared
    assert compare_samples(a, b).verdict == "within noise"
    paired = compare_paired_runs(a + np.array([0, 1e-4, -1e-4, 0]), b)
    assert paired.verdict == "worse" and paired.difference == pytest.approx(0.005)


def test_pooled_standard_error() -> None:
    c = compare_pooled(0.0935, 2, 0.0897, 4, 0.0019)
    assert c.standard_error == pytest.approx(0.0019 * math.sqrt(1 / 2 + 1 / 4))
    assert c.verdict == "worse"
    assert count_verdicts([c, compare(0, 1), compare(-5, 1)]) == {
        "worse": 1,
        "better": 1,
        "within noise": 1,
    }


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: compare(float("nan"), 1.0), ValueError, "difference must be finite"),
        (lambda: compare(1.0, -1.0), ValueError, "standard_error must be >= 0"),
        (lambda: Comparison("1", 1.0), TypeError, "difference must be a real number"),
        (lambda: compare_samples([1.0], [1.0, 2.0]), ValueError, "at least 2 values"),
        (lambda: compare_paired_runs([1, 2], [1, 2, 3]), ValueError, "as many a as b"),
        (lambda: compare_pooled(0.1, 0, 0.1, 2, 0.1), ValueError, "n_a must be"),
    ],
)
def test_bad_input_is_refused_with_its_name(make, error, message) -> None:
    with pytest.raises(error, match=message):
        make()
