"""The route that proved an identity (``Proof.route``), in the French edition's words.

:func:`~mlp.symbolic.prover.prove` records the route that proved an identity as a short English
phrase: ``"cancel"``, ``"simplify after rewrite(exp)"``, ``"case split (x > 0, < 0), each
case simplified"``, with ``" [12 entries]"`` after it for a matrix, several phrases joined by
``"; "``. A chapter that glues a route into its prose glues its French too
(``mlp.prose.glue_words(key, route, french_route(route))``). The names of SymPy's functions
(``cancel``, ``simplify``, ``rewrite(exp)``, ``expand_log``, ``refine``) stay as they are.
"""

from __future__ import annotations

import re

__all__ = ["french_route"]

_PHRASES: tuple[tuple[str, str], ...] = (
    (
        r"identical \(once both sides are evaluated\)",
        "identiques (une fois les deux membres évalués)",
    ),
    (r"cancel", "cancel"),
    (r"simplify", "simplify"),
    (r"simplify after (rewrite\(exp\)|expand_log|refine)", r"simplify après \1"),
    (
        r"case split \((.+)\), each case simplified",
        r"disjonction de cas (\1), chaque cas simplifié",
    ),
    (
        r"case split on the sign of each kink variable, each case simplified",
        "disjonction de cas selon le signe de chaque variable à point anguleux, "
        "chaque cas simplifié",
    ),
    (r"numeric: random points, high precision", "numérique : points aléatoires, haute précision"),
    (
        r"numeric: (\d+) random points, (\d+) digits, max \|lhs - rhs\| = (\S+)",
        r"numérique : \1 points aléatoires, \2 chiffres, max |lhs - rhs| = \3",
    ),
    (
        r"numeric: (\d+) random points, (\d+) digits, max \|lhs - rhs\| = (\S+) \(relative\)",
        r"numérique : \1 points aléatoires, \2 chiffres, max |lhs - rhs| = \3 (relatif)",
    ),
    (
        r"sum normal form \(Kronecker deltas summed under the index ranges\)",
        "forme normale des sommes (symboles de Kronecker sommés sur les intervalles des indices)",
    ),
    (
        r"SymPy assumptions: exp\(real\) > 0, sums and quotients of positives are positive",
        "hypothèses de SymPy : exp(réel) > 0, les sommes et les quotients de nombres strictement "
        "positifs sont strictement positifs",
    ),
)
_ENTRIES = re.compile(r"(?P<phrase>.*) \[(?P<count>\d+) (?:entry|entries)\]")


def _french_phrase(phrase: str) -> str:
    for english, french in _PHRASES:
        match = re.fullmatch(english, phrase)
        if match:
            return match.expand(french)
    raise ValueError(f"no French for the route {phrase!r}: add it to mlp.symbolic.route_words")


def french_route(route: str) -> str:
    """``route`` (a ``Proof.route``) in French: ``"cancel [12 entries]"`` ->
    ``"cancel [12 coefficients]"``; a phrase it does not know raises ``ValueError``."""
    if not isinstance(route, str) or not route.strip():
        raise ValueError(f"a route is a non-empty string, got {route!r}")
    parts = []
    for part in route.split("; "):
        entries = _ENTRIES.fullmatch(part)
        if entries:
            count = int(entries["count"])
            noun = "coefficient" if count == 1 else "coefficients"
            parts.append(f"{_french_phrase(entries['phrase'])} [{count} {noun}]")
        else:
            parts.append(_french_phrase(part))
    return " ; ".join(parts)
