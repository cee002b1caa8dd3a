"""The prover's routes in French: :func:`french_route` for the book's French edition.

A :class:`~mlp.symbolic.results.Proof` reports the route that proved it as English words
(``"simplify after rewrite(exp)"``, ``"case split (x > 0, < 0), each case simplified"``,
``"cancel [4 entries]"``, several joined by ``"; "``), and chapters glue that text into their
prose. The French edition needs the same text in French (``mlp.prose.glue_words``); this
module writes it from the English, part by part, so that the French always says the route
that the run actually took. SymPy's function names (``cancel``, ``simplify``,
``rewrite(exp)``...) stay as they are: they are code.
"""

from __future__ import annotations

import re

__all__ = ["french_route"]

_PARTS: tuple[tuple[str, str], ...] = (
    (
        r"identical \(once both sides are evaluated\)",
        "identité (une fois les deux membres évalués)",
    ),
    (r"simplify after (?P<step>rewrite\(exp\)|expand_log|refine)", r"simplify après \g<step>"),
    (r"simplify", "simplify"),
    (r"cancel", "cancel"),
    (
        r"case split on the sign of each kink variable, each case simplified",
        "disjonction des cas selon le signe de chaque variable où se trouve un point anguleux, "
        "chaque cas simplifié",
    ),
    (
        r"case split \((?P<cases>[^()]*)\), each case simplified",
        r"disjonction des cas (\g<cases>), chaque cas simplifié",
    ),
    (
        r"numeric: (?P<points>\d+) random points, (?P<digits>\d+) digits, "
        r"max \|lhs - rhs\| = (?P<error>\S+) \(relative\)",
        r"numérique : \g<points> points aléatoires, \g<digits> chiffres, "
        r"max |lhs - rhs| = \g<error> (relatif)",
    ),
    (
        r"numeric: (?P<points>\d+) random points, (?P<digits>\d+) digits, "
        r"max \|lhs - rhs\| = (?P<error>\S+)",
        r"numérique : \g<points> points aléatoires, \g<digits> chiffres, "
        r"max |lhs - rhs| = \g<error>",
    ),
    (r"numeric: random points, high precision", "numérique : points aléatoires, haute précision"),
    (
        r"sum normal form \(Kronecker deltas summed under the index ranges\)",
        "forme normale des sommes (symboles de Kronecker sommés sur les intervalles des indices)",
    ),
    (
        r"SymPy assumptions: exp\(real\) > 0, sums and quotients of positives are positive",
        "hypothèses de SymPy : exp(réel) > 0, les sommes et quotients de positifs sont positifs",
    ),
)
_COMPILED = tuple((re.compile(pattern), french) for pattern, french in _PARTS)
_ENTRIES = re.compile(r" \[(?P<count>\d+) (?:entry|entries)\]")
_SEPARATOR = "; "


def french_route(route: str) -> str:
    """The French of a route that :func:`~mlp.symbolic.prove` (or ``prove_general``, or a
    fact proven from SymPy's assumptions) reports, e.g. ``"cancel [4 entries]"`` ->
    ``"cancel [4 coefficients]"``. Raises ``ValueError`` naming what it cannot read, so that
    a new route cannot reach the French edition in English."""
    if not isinstance(route, str) or not route.strip():
        raise ValueError(f"a route is a non-empty string, got {route!r}")
    pieces: list[str] = []
    position = 0
    while position < len(route):
        if pieces:
            if not route.startswith(_SEPARATOR, position):
                raise ValueError(f"cannot read the route {route!r} after {route[:position]!r}")
            position += len(_SEPARATOR)
        french, position = _french_part(route, position)
        entries = _ENTRIES.match(route, position)
        if entries:
            count = int(entries["count"])
            french += f" [{count} coefficient{'s' if count != 1 else ''}]"
            position = entries.end()
        pieces.append(french)
    return _SEPARATOR.join(pieces)


def _french_part(route: str, position: int) -> tuple[str, int]:
    """The French of the route part that starts at ``position``, and where that part ends.
    A part ends at the route's end, at a separator or at an entry count (so that
    ``simplify`` is not read as the start of ``simplify after ...``)."""
    for regex, template in _COMPILED:
        match = regex.match(route, position)
        if match is None:
            continue
        rest = route[match.end() :]
        if not rest or rest.startswith(_SEPARATOR) or _ENTRIES.match(rest):
            return match.expand(template), match.end()
    raise ValueError(f"unknown route {route[position:]!r} in {route!r}")
