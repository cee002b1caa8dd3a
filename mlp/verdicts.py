"""Whether a measured difference stands out of its noise: the one rule every chapter uses.

A chapter that compares two configurations measures a difference ``a - b`` of a quantity
where lower is better (an error, a loss; pass ``lower_is_better=False`` for an accuracy) and
the standard error of that difference (from seeds, from the examples of a paired comparison,
from a pooled spread). The verdict is then

- ``"worse"`` when ``a`` is worse than ``b`` by more than ``Z`` standard errors,
- ``"better"`` when it is better by more than ``Z`` standard errors,
- ``"within noise"`` otherwise,

with ``Z = 2`` (about the 95 % two-sided level of a normal difference). The verdict is data:
a chapter glues its words (``Comparison.words``, in English or French) into the prose instead
of typing them, and asserts a verdict only for the claims it exists to teach, after making the
experiment strong enough that the verdict survives another draw (other seeds, another BLAS).
``Comparison.margin`` says how far from the rule's boundary a measurement lies: a claim that
is asserted should have a margin well above 1 on the machine that built the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "RULE",
    "VERDICTS",
    "Comparison",
    "Verdict",
    "Z",
    "compare",
    "compare_paired_runs",
    "compare_pooled",
    "compare_samples",
    "count_verdicts",
]

Z = 2.0
"""A difference counts when it exceeds this many standard errors."""

Verdict = Literal["worse", "better", "within noise"]
VERDICTS: tuple[Verdict, ...] = ("worse", "better", "within noise")

WORDS: dict[str, dict[Verdict, str]] = {
    "en": {"worse": "worse", "better": "better", "within noise": "within noise"},
    "fr": {"worse": "moins bon", "better": "meilleur", "within noise": "dans le bruit"},
}
"""The verdicts as the prose says them, by language."""

FRENCH_FEMININE: dict[Verdict, str] = {
    "worse": "moins bonne",
    "better": "meilleure",
    "within noise": "dans le bruit",
}
"""The French verdicts agreeing with a feminine subject (*l'erreur est moins bonne*)."""

RULE = {
    "en": f"a difference counts when it exceeds {Z:g} standard errors; below that it is "
    "within noise",
    "fr": f"une différence compte quand elle dépasse {Z:g} erreurs types\u00a0; en deçà, elle "
    "est dans le bruit",
}
"""The rule in words, by language, for a chapter to glue where it first applies it."""


@dataclass(frozen=True)
class Comparison:
    """``a`` against ``b``: the ``difference`` a - b, its ``standard_error`` (>= 0), and
    whether a lower value is better (an error) or a higher one (an accuracy)."""

    difference: float
    standard_error: float
    lower_is_better: bool = True

    def __post_init__(self) -> None:
        for name in ("difference", "standard_error"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise TypeError(f"{name} must be a real number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value!r}")
        if self.standard_error < 0:
            raise ValueError(f"standard_error must be >= 0, got {self.standard_error!r}")

    @property
    def z(self) -> float:
        """The difference in standard errors (signed; infinite for an exact difference)."""
        if self.standard_error == 0:
            return 0.0 if self.difference == 0 else math.copysign(math.inf, self.difference)
        return self.difference / self.standard_error

    @property
    def verdict(self) -> Verdict:
        """``"worse"``, ``"better"`` or ``"within noise"``: ``a`` compared with ``b``."""
        z = self.z if self.lower_is_better else -self.z
        if z > Z:
            return "worse"
        if z < -Z:
            return "better"
        return "within noise"

    @property
    def margin(self) -> float:
        """How far the measurement is from the rule's boundary, as a ratio: |z| / Z for a
        difference that counts (above 1), Z / |z| for one within noise (above 1 too, infinite
        for a zero difference). The larger, the less likely another draw gives another
        verdict."""
        z = abs(self.z)
        if z > Z:
            return z / Z
        return math.inf if z == 0 else Z / z

    def words(self, language: str = "en", *, feminine: bool = False) -> str:
        """The verdict as the prose of ``language`` (``"en"`` or ``"fr"``) says it; in French,
        ``feminine`` makes it agree with a feminine subject (English has one form)."""
        if language not in WORDS:
            raise ValueError(f"language must be one of {sorted(WORDS)}, got {language!r}")
        if feminine and language == "fr":
            return FRENCH_FEMININE[self.verdict]
        return WORDS[language][self.verdict]

    def __str__(self) -> str:
        return (
            f"{self.difference:+.4g} ± {self.standard_error:.2g} ({self.z:+.1f} SE): {self.verdict}"
        )


def compare(
    difference: float, standard_error: float, *, lower_is_better: bool = True
) -> Comparison:
    """The ``Comparison`` of a difference a - b and its standard error."""
    return Comparison(float(difference), float(standard_error), lower_is_better)


def _sample(name: str, values: ArrayLike) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or len(array) < 2:
        raise ValueError(f"{name} must be a 1-d sequence of at least 2 values, got {values!r}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite values, got {values!r}")
    return array


def compare_samples(a: ArrayLike, b: ArrayLike, *, lower_is_better: bool = True) -> Comparison:
    """Mean of ``a`` minus mean of ``b`` for independent runs (e.g. seeds), with Welch's
    standard error sqrt(s_a^2 / n_a + s_b^2 / n_b), s the sample standard deviation."""
    a, b = _sample("a", a), _sample("b", b)
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return compare(a.mean() - b.mean(), se, lower_is_better=lower_is_better)


def compare_paired_runs(a: ArrayLike, b: ArrayLike, *, lower_is_better: bool = True) -> Comparison:
    """Mean of ``a - b`` for runs paired one to one (the same seed, the same data), with the
    standard error of that mean, s_(a-b) / sqrt(n): the noise the pair shares cancels."""
    a, b = _sample("a", a), _sample("b", b)
    if len(a) != len(b):
        raise ValueError(f"paired runs need as many a as b, got {len(a)} and {len(b)}")
    d = a - b
    return compare(d.mean(), d.std(ddof=1) / math.sqrt(len(d)), lower_is_better=lower_is_better)


def compare_pooled(
    mean_a: float,
    n_a: int,
    mean_b: float,
    n_b: int,
    sigma: float,
    *,
    lower_is_better: bool = True,
) -> Comparison:
    """``mean_a - mean_b`` (over ``n_a`` and ``n_b`` runs) with the standard error
    sigma * sqrt(1/n_a + 1/n_b), sigma a run-to-run standard deviation pooled elsewhere."""
    for name, n in (("n_a", n_a), ("n_b", n_b)):
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"{name} must be a positive integer, got {n!r}")
    if not (math.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma must be a finite number >= 0, got {sigma!r}")
    se = sigma * math.sqrt(1 / n_a + 1 / n_b)
    return compare(mean_a - mean_b, se, lower_is_better=lower_is_better)


def count_verdicts(comparisons: Sequence[Comparison]) -> dict[Verdict, int]:
    """How many comparisons reached each verdict."""
    counts = dict.fromkeys(VERDICTS, 0)
    for comparison in comparisons:
        counts[comparison.verdict] += 1
    return counts
