"""The sweep folder: its definition (``sweep.json``), its results file and its lock.

``sweep.json`` holds the ``SweepSpec`` (search space, seeds, data options) and the list of
configurations, written atomically (``mlp.files.atomic_write``) when the sweep starts. A
sweep started again in the same folder must have the same spec, and give the same
configurations (the package's defaults may have changed), compared as sets: the values of
``--grid`` options in another order are the same sweep. It then resumes. The one change
allowed is more seeds (``--seeds 4`` after ``--seeds 2``): the stored spec is then replaced
and only the new seeds' tasks run. Any other spec is refused, naming what differs.

``results.jsonl`` holds one JSON object per finished task, one line each, appended whole
(``mlp.files.append_line``) by the process that runs the sweep, in the order tasks finish:
``key`` (``mlp.sweep.space.task_key``), ``config`` (every hyper-parameter), ``seed``,
``status`` (``"ok"``, or ``"diverged"`` when the training loss became NaN or infinite),
``best_epoch``, ``epochs_run``, ``stopped_early``, the six numbers at the best epoch
(``mlp.records.METRIC_NAMES``; ``null`` when diverged; an infinite loss is written
``Infinity``, as Python's ``json`` does), ``seconds`` (wall time of building
and training the network, data loading excluded) and ``worker`` (host:pid). Floats are
written by ``repr``, so they read back bit for bit.

A last line without its newline (the process was killed in the middle of a write) is
ignored with a warning; a sweep that resumes also removes it from the file (atomically)
before appending, so its task simply runs again. Empty lines are skipped. Any other
unreadable line is an error.

``.lock`` is held (``fcntl.flock``, released by the system if the process dies) while a
sweep runs: a second sweep on the same folder is refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mlp import __version__
from mlp.files import (
    IncompleteFileError,
    LockedError,
    append_line,
    atomic_write,
    exclusive_lock,
    read_lines,
    remove_temporaries,
)
from mlp.records import METRIC_NAMES
from mlp.sweep.space import SweepSpec

__all__ = [
    "FORMAT",
    "LOCK_NAME",
    "RESULTS_NAME",
    "ROW_FIELDS",
    "SPEC_NAME",
    "SweepBusy",
    "SweepMismatch",
    "append_result",
    "lock",
    "prepare_folder",
    "read_results",
    "read_spec",
]

SPEC_NAME = "sweep.json"
RESULTS_NAME = "results.jsonl"
LOCK_NAME = ".lock"
FORMAT = "mlp-sweep/1"

ROW_FIELDS = (
    "key",
    "config",
    "seed",
    "status",
    "best_epoch",
    "epochs_run",
    "stopped_early",
    *METRIC_NAMES,
    "seconds",
    "worker",
)
"""The fields of a results row, in the order they are written."""


class SweepBusy(RuntimeError):
    """Another process is running a sweep in the same folder."""


class SweepMismatch(ValueError):
    """The folder holds a sweep with another definition (grid, seeds or data)."""


@contextlib.contextmanager
def lock(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold ``folder/.lock`` for the duration of the block; ``SweepBusy`` if it is taken."""
    try:
        with exclusive_lock(Path(folder) / LOCK_NAME, what=f"{folder} (a sweep)") as path:
            yield path
    except LockedError as exc:
        raise SweepBusy(str(exc)) from None


def _differences(old: Any, new: Any, where: str = "") -> list[str]:
    """Where two JSON values differ, as ``path: old -> new`` texts."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in [*old, *(k for k in new if k not in old)]:
            found += _differences(old.get(key), new.get(key), f"{where}.{key}" if where else key)
        return found
    return [] if old == new else [f"{where}: {json.dumps(old)} there, {json.dumps(new)} now"]


def _grid_as_sets(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (as ``SweepSpec.to_dict`` writes it) with each grid's values sorted: a grid
    is a set of values per hyper-parameter, whatever order the options gave them in."""
    search = spec.get("search")
    if not isinstance(search, dict) or not isinstance(search.get("grid"), dict):
        return spec
    grid = {name: sorted(values) for name, values in search["grid"].items()}
    return {**spec, "search": {**search, "grid": grid}}


def _configuration_keys(configurations: list[dict[str, Any]]) -> set[str]:
    return {json.dumps(c, sort_keys=True) for c in configurations}


def _more_seeds(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether spec ``new`` is spec ``old`` with more seeds (``old``'s seeds first)."""
    old_seeds, new_seeds = old.get("seeds"), new.get("seeds")
    if not isinstance(old_seeds, list) or not isinstance(new_seeds, list):
        return False
    same_otherwise = not _differences({**old, "seeds": None}, {**new, "seeds": None})
    return (
        same_otherwise
        and len(new_seeds) > len(old_seeds)
        and (new_seeds[: len(old_seeds)] == old_seeds)
    )


def read_spec(folder: str | os.PathLike[str]) -> tuple[SweepSpec, dict[str, Any]]:
    """The ``SweepSpec`` stored in ``folder/sweep.json`` and the whole file's content."""
    path = Path(folder) / SPEC_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{folder} holds no sweep ({SPEC_NAME} not found)")
    stored = json.loads(path.read_text())
    if stored.get("format") != FORMAT:
        raise ValueError(f"{path}: not a sweep definition of format {FORMAT}")
    return SweepSpec.from_dict(stored["spec"]), stored


def prepare_folder(folder: str | os.PathLike[str], spec: SweepSpec) -> dict[str, dict[str, Any]]:
    """Create ``folder`` for ``spec``, or check that it holds the same sweep; return its
    finished rows by key (after removing an interrupted last line of the results file).

    Call it while holding ``lock(folder)``. Raises ``SweepMismatch`` if the folder holds a
    sweep with another spec.
    """
    folder = Path(folder)
    remove_temporaries(folder)  # of writes a killed sweep never finished
    wanted = json.loads(json.dumps(spec.to_dict()))  # as it reads back from JSON
    if (folder / SPEC_NAME).exists():
        _, stored = read_spec(folder)
        old, new = _grid_as_sets(stored["spec"]), _grid_as_sets(wanted)
        grown = _more_seeds(old, new)  # the same sweep with more seeds
        differences = [] if grown else _differences(old, new)
        if differences:
            raise SweepMismatch(
                f"{folder} holds another sweep ({'; '.join(differences)}): "
                "use another folder, or the same options to resume"
            )
        _check_configurations(folder, stored, spec)
        if grown:  # keep its rows (and its order of values); the new seeds' tasks are missing
            stored = {**stored, "spec": {**stored["spec"], "seeds": wanted["seeds"]}}
            atomic_write(folder / SPEC_NAME, json.dumps(stored, indent=1) + "\n")
    else:
        configurations = spec.space.configurations()
        content = {"format": FORMAT, "spec": wanted, "configurations": configurations}
        content["mlp_version"] = __version__
        atomic_write(folder / SPEC_NAME, json.dumps(content, indent=1) + "\n")
    rows = read_results(folder, repair=True)
    return {row["key"]: row for row in rows}


def _check_configurations(folder: Path, stored: dict[str, Any], spec: SweepSpec) -> None:
    """Raise ``SweepMismatch`` unless ``spec`` gives the configurations the folder's sweep
    gave (as a set: the order of the options does not matter), saying why they differ."""
    before = _configuration_keys(stored["configurations"])
    now = _configuration_keys(spec.space.configurations())
    if before == now:
        return
    if stored.get("mlp_version") != __version__:
        why = f"mlp {stored.get('mlp_version')} made it, this is mlp {__version__}"
    elif spec.space.samples is not None:
        why = "a random search draws in the order the values are given: give them as then"
    else:
        why = "the hyper-parameters' defaults are not those it was made with"
    raise SweepMismatch(
        f"{folder} holds the same search but other configurations ({len(now - before)} of "
        f"this search are not in it, {len(before - now)} of it not in this search; {why}): "
        "use another folder"
    )


def _parse_row(line: str, where: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        raise ValueError(f"{where} is not a JSON object: {line[:60]!r}") from None
    if not isinstance(row, dict) or set(row) != set(ROW_FIELDS):
        raise ValueError(f"{where} is not a result row (fields {', '.join(ROW_FIELDS)})")
    return row


def read_results(folder: str | os.PathLike[str], *, repair: bool = False) -> list[dict[str, Any]]:
    """The rows of ``folder/results.jsonl`` in file order (none if there is no file).

    An incomplete last line is ignored with a ``RuntimeWarning``; with ``repair`` it is also
    removed from the file (atomically). A repeated key keeps its first row, with a warning.
    """
    path = Path(folder) / RESULTS_NAME
    if not path.exists():
        return []
    try:
        lines = read_lines(path)
    except IncompleteFileError:
        text = path.read_text()
        complete = text[: text.rfind("\n") + 1]
        action = "removed it" if repair else "ignored it"
        warnings.warn(
            f"{path} ended with an incomplete line (an interrupted write): {action}; "
            "its task is not finished",
            RuntimeWarning,
            stacklevel=2,
        )
        if repair:
            atomic_write(path, complete)
        lines = complete.splitlines()
    rows: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():  # e.g. an empty line an editor added: no task
            continue
        row = _parse_row(line, f"{path}, line {number},")
        if row["key"] in rows:
            warnings.warn(
                f"{path}, line {number}: a task seen before", RuntimeWarning, stacklevel=2
            )
            continue
        rows[row["key"]] = row
    return list(rows.values())


def append_result(folder: str | os.PathLike[str], row: Mapping[str, Any]) -> None:
    """Append ``row`` (the fields ``ROW_FIELDS``) to ``folder/results.jsonl`` as one line."""
    if set(row) != set(ROW_FIELDS):
        raise ValueError(f"a result row has the fields {', '.join(ROW_FIELDS)}, got {sorted(row)}")
    line = json.dumps({name: row[name] for name in ROW_FIELDS})
    append_line(Path(folder) / RESULTS_NAME, line)
