"""What a sweep searches: the hyper-parameters, their grid or random draws, and the tasks.

A *configuration* gives every hyper-parameter of ``HYPERPARAMETERS`` a value (the defaults
for those the search leaves alone). A ``SearchSpace`` lists values for some of them (a grid,
``d_h=64,128``) and, for a random search, ranges (``lr=0.01:0.3:log``): without ``samples``
its configurations are the whole grid (the Cartesian product, in the order given); with
``samples=N`` they are N distinct configurations drawn with ``search_seed`` (from the grid
without replacement when there are no ranges; otherwise each hyper-parameter independently,
a listed value or a draw from its range, rounded to 3 significant digits).

A *task* is one configuration trained from one seed (initialization and order of the
examples). Its ``key``, a canonical JSON text of the configuration and the seed, names it in
the results file, which is how a resumed sweep knows what is finished. A ``SweepSpec`` is
the whole definition: search space, seeds and data; two sweeps with equal specs have the
same tasks.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlp import checks
from mlp.data.options import DataOptions

__all__ = [
    "HYPERPARAMETERS",
    "Hyperparameter",
    "Range",
    "SearchSpace",
    "SweepSpec",
    "Task",
    "parse_range",
    "parse_values",
    "task_key",
]


@dataclass(frozen=True)
class Hyperparameter:
    """One hyper-parameter of a task: its kind (``int`` or ``float``), default and check."""

    name: str
    kind: type
    default: int | float
    check: Callable[[str, Any], int | float]
    help: str


def _positive(name: str, value: Any) -> float:
    return checks.finite_number(name, value, positive=True)


HYPERPARAMETERS: dict[str, Hyperparameter] = {
    h.name: h
    for h in (
        Hyperparameter("d_h", int, 100, checks.positive_int, "hidden units"),
        Hyperparameter("lr", float, 0.1, _positive, "learning rate"),
        Hyperparameter("lr_decay", float, 0.0, checks.finite_number, "lr / (1 + decay (t - 1))"),
        Hyperparameter("momentum", float, 0.0, checks.unit_interval, "heavy-ball momentum"),
        Hyperparameter("batch_size", int, 100, checks.positive_int, "minibatch size K"),
        Hyperparameter("shift", int, 0, checks.nonnegative_int, "random shifts up to N pixels"),
        Hyperparameter("l11", float, 0.0, checks.finite_number, "L1 on W1"),
        Hyperparameter("l12", float, 0.0, checks.finite_number, "squared L2 on W1"),
        Hyperparameter("l21", float, 0.0, checks.finite_number, "L1 on W2"),
        Hyperparameter("l22", float, 0.0, checks.finite_number, "squared L2 on W2"),
        Hyperparameter("epochs", int, 20, checks.positive_int, "maximum epochs"),
        Hyperparameter("patience", int, 5, checks.positive_int, "early-stopping patience"),
    )
}
"""Every hyper-parameter of a task, in the order configurations list them."""


def _hyperparameter(name: Any) -> Hyperparameter:
    if not isinstance(name, str):
        raise TypeError(f"a hyper-parameter name must be a str, got {name!r}")
    if name not in HYPERPARAMETERS:
        expected = ", ".join(HYPERPARAMETERS)
        raise ValueError(f"unknown hyper-parameter {name!r}; expected one of {expected}")
    return HYPERPARAMETERS[name]


def _check_value(name: str, value: Any) -> int | float:
    """``value`` of hyper-parameter ``name``, checked and as its kind (a float given as 1)."""
    spec = _hyperparameter(name)
    if spec.kind is float and isinstance(value, int | np.integer) and not isinstance(value, bool):
        value = float(value)
    return spec.check(name, value)


def _parse_number(name: str, text: str) -> int | float:
    """The text of one value of ``name``, parsed as its kind and checked."""
    spec = _hyperparameter(name)
    try:
        value = spec.kind(text.strip())
    except ValueError:
        kind = "an integer" if spec.kind is int else "a number"
        raise ValueError(f"{name} must be {kind}, got {text.strip()!r}") from None
    return _check_value(name, value)


def _split_assignment(text: str) -> tuple[str, str]:
    if not isinstance(text, str):
        raise TypeError(f"expected NAME=VALUES as a str, got {text!r}")
    name, equals, values = text.partition("=")
    if not equals:
        raise ValueError(f"expected NAME=VALUES, got {text!r}")
    return _hyperparameter(name.strip()).name, values


def parse_values(text: str) -> tuple[str, tuple[int | float, ...]]:
    """``"d_h=64,128"`` -> ``("d_h", (64, 128))``: a name and its distinct, checked values."""
    name, values = _split_assignment(text)
    if not values.strip():
        raise ValueError(f"{name} has no values in {text!r}")
    return name, _distinct(name, [_parse_number(name, v) for v in values.split(",")])


def _distinct(name: str, values: Sequence[int | float]) -> tuple[int | float, ...]:
    if not values:
        raise ValueError(f"{name} has no values")
    for i, value in enumerate(values):
        if value in values[:i]:
            raise ValueError(f"{name} lists {value!r} twice")
    return tuple(values)


@dataclass(frozen=True)
class Range:
    """An interval [low, high] of a random search, drawn uniformly or log-uniformly; the
    bounds are of the hyper-parameter's kind (``int`` for ``d_h``)."""

    low: int | float
    high: int | float
    log: bool = False

    def draw(self, rng: np.random.Generator, kind: type) -> int | float:
        """One value: integers rounded, floats to 3 significant digits."""
        if self.log:
            x = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        else:
            x = rng.uniform(self.low, self.high)
        return round(x) if kind is int else float(f"{x:.3g}")


def parse_range(text: str) -> tuple[str, Range]:
    """``"lr=0.01:0.3:log"`` -> ``("lr", Range(0.01, 0.3, log=True))``; ``:log`` is optional."""
    name, body = _split_assignment(text)
    parts = body.split(":")
    log = len(parts) == 3 and parts[2].strip() == "log"
    if len(parts) != 2 and not log:
        raise ValueError(f"expected {name}=LOW:HIGH or {name}=LOW:HIGH:log, got {text!r}")
    return name, _check_range(
        name, _parse_number(name, parts[0]), _parse_number(name, parts[1]), log
    )


def _check_range(name: str, low: Any, high: Any, log: bool) -> Range:
    low, high = _check_value(name, low), _check_value(name, high)
    if not low < high:
        raise ValueError(f"the range of {name} must have LOW < HIGH, got {low!r}:{high!r}")
    if log and low <= 0:
        raise ValueError(f"a log range of {name} must have LOW > 0, got {low!r}")
    return Range(low, high, log)


@dataclass(frozen=True)
class SearchSpace:
    """The values to search: ``grid`` (name -> values), ``ranges`` (name -> ``Range``), and
    for a random search the number of ``samples`` drawn with ``search_seed``.

    Names are those of ``HYPERPARAMETERS``, each in ``grid`` or ``ranges`` at most once;
    values are checked by ``mlp.checks`` rules and must be distinct. Ranges need ``samples``.
    """

    grid: Mapping[str, Sequence[int | float]] = field(default_factory=dict)
    ranges: Mapping[str, Range] = field(default_factory=dict)
    samples: int | None = None
    search_seed: int = 0

    def __post_init__(self) -> None:
        grid = {}
        for name, values in dict(self.grid).items():
            if isinstance(values, str | bytes) or not isinstance(values, Iterable):
                raise TypeError(f"the values of {name} must be a sequence, got {values!r}")
            grid[_hyperparameter(name).name] = _distinct(
                name, [_check_value(name, v) for v in values]
            )
        ranges = {}
        for name, interval in dict(self.ranges).items():
            if not isinstance(interval, Range):
                raise TypeError(f"the range of {name} must be a Range, got {interval!r}")
            if name in grid:
                raise ValueError(f"{name} is given twice: as values and as a range")
            ranges[name] = _check_range(name, interval.low, interval.high, interval.log)
        if self.samples is not None:
            checks.positive_int("samples", self.samples)
        elif ranges:
            raise ValueError("ranges are drawn by a random search: give the number of samples")
        checks.nonnegative_int("search_seed", self.search_seed)
        object.__setattr__(self, "grid", grid)
        object.__setattr__(self, "ranges", ranges)

    @classmethod
    def parse(
        cls,
        grid: Sequence[str] = (),
        ranges: Sequence[str] = (),
        samples: int | None = None,
        search_seed: int = 0,
    ) -> SearchSpace:
        """A search space from ``NAME=V1,V2`` and ``NAME=LOW:HIGH[:log]`` texts."""
        given: dict[str, str] = {}
        values: dict[str, tuple[int | float, ...]] = {}
        intervals: dict[str, Range] = {}
        for text, parse, into in [(t, parse_values, values) for t in grid] + [
            (t, parse_range, intervals) for t in ranges
        ]:
            name, parsed = parse(text)
            if name in given:
                raise ValueError(f"{name} is given twice: {given[name]!r} and {text!r}")
            given[name] = text
            into[name] = parsed  # type: ignore[assignment]
        return cls(values, intervals, samples, search_seed)

    def varying(self) -> tuple[str, ...]:
        """The hyper-parameters that take more than one value, in ``HYPERPARAMETERS`` order."""
        return tuple(
            name
            for name in HYPERPARAMETERS
            if name in self.ranges or len(self.grid.get(name, ())) > 1
        )

    def configurations(self) -> list[dict[str, int | float]]:
        """Every configuration to train (all hyper-parameters, defaults for the others)."""
        base = {name: spec.default for name, spec in HYPERPARAMETERS.items()}
        names = list(self.grid)
        product = list(itertools.product(*(self.grid[n] for n in names)))
        rng = np.random.default_rng(self.search_seed)
        if self.samples is None:
            chosen = product
        elif not self.ranges:
            if self.samples > len(product):
                raise ValueError(
                    f"a random search of {self.samples} configurations needs a larger grid: "
                    f"it has {len(product)} (give fewer samples, or none to run them all)"
                )
            chosen = [product[i] for i in rng.choice(len(product), self.samples, replace=False)]
        else:
            return [{**base, **c} for c in self._draws(rng)]
        return [{**base, **dict(zip(names, values, strict=True))} for values in chosen]

    def _draws(self, rng: np.random.Generator) -> list[dict[str, int | float]]:
        """``samples`` distinct random configurations of the varied hyper-parameters."""
        draws: list[dict[str, int | float]] = []
        for _ in range(100 * (self.samples or 0)):
            draw: dict[str, int | float] = {
                n: values[rng.integers(len(values))] for n, values in self.grid.items()
            }
            for name, interval in self.ranges.items():
                draw[name] = _check_value(name, interval.draw(rng, HYPERPARAMETERS[name].kind))
            if draw not in draws:
                draws.append(draw)
            if len(draws) == self.samples:
                return draws
        raise ValueError(f"could not draw {self.samples} distinct configurations: widen the ranges")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (``SearchSpace.from_dict`` reads it back)."""
        return {
            "grid": {name: list(values) for name, values in self.grid.items()},
            "ranges": {
                n: [r.low, r.high, "log" if r.log else "uniform"] for n, r in self.ranges.items()
            },
            "samples": self.samples,
            "search_seed": self.search_seed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchSpace:
        """The inverse of ``to_dict``."""
        ranges = {n: Range(lo, hi, how == "log") for n, (lo, hi, how) in data["ranges"].items()}
        return cls(data["grid"], ranges, data["samples"], data["search_seed"])


def task_key(config: Mapping[str, int | float], seed: int) -> str:
    """The canonical JSON text naming a task: sorted keys, no spaces, floats by ``repr``."""
    return json.dumps({"config": dict(config), "seed": seed}, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Task:
    """One configuration (every hyper-parameter) trained from one seed."""

    config: Mapping[str, int | float]
    seed: int

    @property
    def key(self) -> str:
        """``task_key(config, seed)``."""
        return task_key(self.config, self.seed)


@dataclass(frozen=True)
class SweepSpec:
    """A whole sweep: its ``space``, the ``seeds`` of each configuration, its ``data``."""

    space: SearchSpace
    seeds: tuple[int, ...]
    data: DataOptions

    def __post_init__(self) -> None:
        if not isinstance(self.space, SearchSpace):
            raise TypeError(f"space must be a SearchSpace, got {type(self.space).__name__}")
        if not isinstance(self.data, DataOptions):
            raise TypeError(f"data must be a DataOptions, got {type(self.data).__name__}")
        seeds = tuple(checks.nonnegative_int("seed", s) for s in self.seeds)
        object.__setattr__(self, "seeds", _distinct("seeds", seeds))

    def tasks(self) -> list[Task]:
        """Every task, seed by seed (all configurations of the first seed come first)."""
        configurations = self.space.configurations()
        return [Task(config, seed) for seed in self.seeds for config in configurations]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (``SweepSpec.from_dict`` reads it back)."""
        return {
            "search": self.space.to_dict(),
            "seeds": list(self.seeds),
            "data": self.data.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepSpec:
        """The inverse of ``to_dict``."""
        space = SearchSpace.from_dict(data["search"])
        return cls(space, tuple(data["seeds"]), DataOptions(**data["data"]))
