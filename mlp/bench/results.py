"""What the benchmark measured: timings, same-run ratios, targets, and their tables."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlp import checks
from mlp.bench.methods import METHODS, THREAD_METHODS
from mlp.prose import french_number

__all__ = [
    "ACCURACY_TARGET",
    "SPEED_BAND",
    "SPEED_RULE",
    "TARGETS",
    "BenchmarkResult",
    "Timing",
    "epoch_gflop",
    "epoch_speed_words",
]

TARGETS: dict[str, tuple[str, float]] = {
    "fused/torch_autograd": ("fused step / PyTorch autograd + SGD", 0.8),
    "fused/torch_manual": ("fused step / PyTorch by hand", 1.0),
    "fused/products": ("fused step / its matrix products", 1.3),
}
"""Same-run ratios (float32, d_h = 100, first thread count) and the bound each should meet."""

ACCURACY_TARGET = 0.3
"""Largest acceptable gap, in percentage points, between float32 and float64 test accuracy."""


SPEED_BAND = 1.25
"""A same-run ratio of two times counts as faster above this, as slower below its inverse."""

SPEED_RULE = {
    "en": f"a ratio of times counts as faster above {SPEED_BAND:g}, as slower below "
    f"1/{SPEED_BAND:g} = {1 / SPEED_BAND:g}, and as about as fast in between",
    "fr": f"un rapport de temps compte comme plus rapide au-dessus de "
    f"{french_number(f'{SPEED_BAND:g}')}, comme plus lent en dessous de "
    f"1/{french_number(f'{SPEED_BAND:g}')} = {french_number(f'{1 / SPEED_BAND:g}')}, et "
    "comme à peu près aussi rapide entre les deux",
}
"""The rule of ``epoch_speed_words`` in words, by language."""


def epoch_speed_words(ratio: float) -> dict[str, str]:
    """An epoch's speed under a change, from ``ratio`` = its time before / its time after:
    ``{"en": "1.30 times faster", "fr": "1,30 fois plus rapide"}``, ``"... slower"`` below
    1/``SPEED_BAND``, ``"about as fast (ratio 1.05)"`` in between. The French variants agree
    with a feminine subject (une époque)."""
    ratio = checks.finite_number("ratio", ratio, positive=True)
    if ratio > SPEED_BAND:
        en, fr = f"{ratio:.2f} times faster", f"{ratio:.2f} fois plus rapide"
    elif ratio < 1 / SPEED_BAND:
        en, fr = f"{1 / ratio:.2f} times slower", f"{1 / ratio:.2f} fois plus lente"
    else:
        en, fr = (
            f"about as fast (ratio {ratio:.2f})",
            f"à peu près aussi rapide (rapport {ratio:.2f})",
        )
    return {"en": en, "fr": re.sub(r"(\d)\.(\d)", r"\1,\2", fr)}


def epoch_gflop(n: int, d: int, d_h: int, m: int) -> float:
    """Billions of floating-point operations in the five products of an epoch of n examples.

    Each product of an ``(a, b)`` and a ``(b, c)`` matrix costs 2 a b c: two products of size
    n d d_h (forward and grad_W1) and three of size n d_h m.
    """
    return 2 * n * (2 * d * d_h + 3 * d_h * m) / 1e9


# --- results ------------------------------------------------------------------------------


@dataclass
class Timing:
    """The epoch times of one method in one configuration, one per repetition.

    ``scaled_from`` is the number of minibatches actually timed when the epoch's time was
    scaled up from them (``loop``), else ``None``.
    """

    method: str
    dtype: str
    d_h: int
    threads: int
    seconds: list[float] = field(default_factory=list)
    scaled_from: int | None = None

    @property
    def median(self) -> float:
        """Median over the repetitions, in seconds."""
        return float(np.median(self.seconds))

    def key(self) -> tuple[str, str, int, int]:
        return self.method, self.dtype, self.d_h, self.threads


@dataclass
class BenchmarkResult:
    """What ``run_benchmark`` measured.

    ``config`` describes the run (sizes, repetitions, versions, machine); ``timings`` holds
    every ``Timing``; ``ratios`` maps ``"dtype d_h"`` to same-run ratios such as
    ``"fused/products"`` (median over repetitions of the ratio within each repetition);
    ``accuracy`` holds the float32/float64 test accuracies (percent) after
    ``config["accuracy_epochs"]`` epochs, or is empty.
    """

    config: dict[str, Any]
    timings: list[Timing]
    ratios: dict[str, dict[str, float]]
    accuracy: dict[str, float]

    def timing(
        self, method: str, dtype: str, d_h: int, threads: int | None = None
    ) -> Timing | None:
        """The ``Timing`` of ``method`` in that configuration (first thread count by default)."""
        threads = self.config["threads"][0] if threads is None else threads
        for timing in self.timings:
            if timing.key() == (method, dtype, d_h, threads):
                return timing
        return None

    def methods(self) -> list[str]:
        """The methods that were timed, in table order."""
        timed = {timing.method for timing in self.timings}
        return [method for method in METHODS if method in timed]

    def configurations(self) -> list[tuple[str, int]]:
        """``(dtype, d_h)`` pairs in the order they were run."""
        return [(dtype, d_h) for dtype in self.config["dtypes"] for d_h in self.config["hidden"]]

    def target_checks(self) -> list[tuple[str, float, float, bool]]:
        """``(description, measured, bound, met)`` for every target that was measured."""
        checks = []
        ratios = self.ratios.get("float32 100", {})
        for name, (description, bound) in TARGETS.items():
            if name in ratios:
                checks.append((description, ratios[name], bound, ratios[name] <= bound))
        if self.accuracy:
            gap = self.accuracy["gap_points"]
            epochs = self.config["accuracy_epochs"]
            description = f"|float32 - float64| test accuracy after {epochs} epoch(s), points"
            checks.append((description, gap, ACCURACY_TARGET, gap <= ACCURACY_TARGET))
        return checks

    # --- tables -------------------------------------------------------------------------

    def _column_titles(self) -> list[str]:
        return [f"{dtype} d_h={d_h}" for dtype, d_h in self.configurations()]

    def _seconds_rows(self) -> tuple[list[str], list[list[str]]]:
        """One row per method (and per extra thread count), one column per configuration."""
        first, others = self.config["threads"][0], self.config["threads"][1:]
        methods = self.methods()
        keys = [(method, first) for method in methods]
        keys += [(m, t) for t in others for m in THREAD_METHODS if m in methods]
        rows = []
        for method, threads in keys:
            title = METHODS[method] if threads == first else f"{METHODS[method]}, {threads} thr"
            cells = [
                self.timing(method, dtype, d_h, threads) for dtype, d_h in self.configurations()
            ]
            rows.append([title, *(_seconds_text(cell) for cell in cells)])
        return ["seconds per epoch", *self._column_titles()], rows

    def _ratio_rows(self) -> tuple[list[str], list[list[str]]]:
        """One row per same-run ratio, one column per configuration."""
        names = list(dict.fromkeys(name for ratios in self.ratios.values() for name in ratios))
        rows = []
        for name in names:
            cells = [
                self.ratios.get(f"{dtype} {d_h}", {}).get(name)
                for dtype, d_h in self.configurations()
            ]
            rows.append([_ratio_title(name), *("-" if c is None else f"{c:.2f}" for c in cells)])
        return ["same-run ratio", *self._column_titles()], rows

    def table(self) -> str:
        """The seconds and the same-run ratios as plain-text tables, with notes."""
        lines = [_text_table(*self._seconds_rows()), ""]
        if self.ratios:
            lines += [
                "Same-run ratios: medians over the repetitions of the ratio of two times",
                _text_table(*self._ratio_rows()),
                "",
            ]
        lines += self.notes()
        checks = self.target_checks()
        if checks:
            lines += ["", "Targets (float32, d_h = 100):"]
            for description, measured, bound, met in checks:
                verdict = "met" if met else "NOT met"
                lines.append(f"  {description}: {measured:.2f} (target <= {bound:g}) {verdict}")
        return "\n".join(lines)

    def markdown(self) -> str:
        """The seconds table and the ratio table as Markdown (pipe tables)."""
        parts = [_markdown_table(*self._seconds_rows())]
        if self.ratios:
            parts.append(_markdown_table(*self._ratio_rows()))
        return "\n\n".join(parts)

    def markdown_seconds(self, language: str = "en") -> str:
        """The seconds table alone, as Markdown, in English or French (``"fr"``: French
        header and decimal commas)."""
        return _markdown_table(*self._seconds_rows(), language=language)

    def markdown_ratios(self, language: str = "en") -> str:
        """The same-run ratio table alone, as Markdown, in English or French."""
        return _markdown_table(*self._ratio_rows(), language=language)

    def notes(self) -> list[str]:
        """Lines that explain the tables."""
        config = self.config
        notes = [
            f"One epoch: {config['n']} examples, minibatches of K = {config['batch_size']} "
            f"({config['n_batches']} steps), d = {config['d']}, m = {config['m']}, "
            f"lr = {config['lr']:g}.",
            f"Seconds: median of {config['repeats']} interleaved repetitions, "
            f"{config['threads'][0]} BLAS thread(s) unless the row says otherwise.",
        ]
        first = config["threads"][0]
        loop = next((t for t in self.timings if t.method == "loop"), None)
        if loop is not None and loop.scaled_from is not None:
            notes.append(f"loop: first {loop.scaled_from} minibatches timed, scaled to the epoch.")
        other = next((t for t in self.timings if t.threads != first and t.scaled_from), None)
        if other is not None:
            notes.append(
                f"Rows with other thread counts: first {other.scaled_from} minibatches timed, "
                "scaled to the epoch."
            )
        if "products" in self.methods():
            gflop = ", ".join(f"{v:.1f} GFLOP at d_h = {k}" for k, v in config["gflop"].items())
            notes.append(f"products: the five matrix products alone, per epoch {gflop}.")
        if self.accuracy:
            notes.append(
                f"Test accuracy after {config['accuracy_epochs']} epoch(s) (d_h = "
                f"{config['accuracy_d_h']}): float32 {self.accuracy['float32']:.2f}%, float64 "
                f"{self.accuracy['float64']:.2f}%, gap {self.accuracy['gap_points']:.2f} "
                f"+/- {self.accuracy['gap_se_points']:.2f} points."
            )
        return notes

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready: config, raw and median seconds, ratios, accuracy, targets."""
        return {
            "config": self.config,
            "timings": [
                {
                    "method": t.method,
                    "dtype": t.dtype,
                    "d_h": t.d_h,
                    "threads": t.threads,
                    "median_seconds": t.median,
                    "seconds": t.seconds,
                    "scaled_from_batches": t.scaled_from,
                }
                for t in self.timings
            ],
            "ratios": self.ratios,
            "accuracy": self.accuracy,
            "targets": [
                {"what": what, "measured": measured, "bound": bound, "met": met}
                for what, measured, bound, met in self.target_checks()
            ],
        }

    def write_json(self, path: str | os.PathLike[str]) -> Path:
        """Write ``to_dict()`` as indented JSON; return the path."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        return path


def _seconds_text(timing: Timing | None) -> str:
    if timing is None:
        return "-"
    value = timing.median
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if value >= 1 else f"{value:.3f}" if value >= 0.01 else f"{value:.1e}"


def _ratio_title(name: str) -> str:
    if name.startswith("threads "):
        return f"fused {name.split()[1]} thr / {name.split()[2]} thr"
    a, b = name.split("/")
    if "+" in b:
        return f"{METHODS[a]} / ({' + '.join(METHODS[part] for part in b.split('+'))})"
    return f"{METHODS[a]} / {METHODS[b]}"


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell: the first left-aligned, the numbers right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            [
                row[0].ljust(widths[0]),
                *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
            ]
        )
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


_FRENCH_HEADERS = {
    "seconds per epoch": "secondes par époque",
    "same-run ratio": "rapport dans une même répétition",
}


def _markdown_table(header: list[str], rows: list[list[str]], language: str = "en") -> str:
    if language not in ("en", "fr"):
        raise ValueError(f"language must be 'en' or 'fr', got {language!r}")
    if language == "fr":
        header = [_FRENCH_HEADERS.get(header[0], header[0]), *header[1:]]
        rows = [[row[0], *(french_number(cell) or cell for cell in row[1:])] for row in rows]
    lines = ["| " + " | ".join(header) + " |", "|:---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
