"""The sweeps committed for chapter C8 are what the commands of their README define, finished.

``benchmarks/one_hidden_layer/README.md`` lists one ``python -m mlp sweep`` command per
folder. Each command, parsed by the real command line, must give the ``SweepSpec`` stored in
its folder (so the README regenerates exactly these files), and every task of the spec must
have its row, trained without diverging.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from conftest import ROOT

from mlp.cli import build_parser
from mlp.cli.sweep import sweep_spec
from mlp.sweep.store import read_results, read_spec

FOLDER = ROOT / "benchmarks" / "one_hidden_layer"


def readme_commands() -> dict[str, list[str]]:
    """The README's ``python -m mlp sweep`` commands, by output folder name."""
    commands = {}
    for line in (FOLDER / "README.md").read_text().splitlines():
        if line.startswith("python -m mlp sweep "):
            argv = shlex.split(line)[3:]
            out = Path(argv[argv.index("--out") + 1])
            commands[out.name] = argv
    return commands


COMMANDS = readme_commands()


def test_every_sweep_folder_has_its_command_and_every_command_its_folder() -> None:
    folders = sorted(p.name for p in FOLDER.iterdir() if p.is_dir())
    assert folders == sorted(COMMANDS) and "base" in folders and len(folders) >= 7


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_readme_command_defines_the_committed_sweep_and_it_is_finished(name: str) -> None:
    args = build_parser().parse_args(COMMANDS[name])
    assert Path(args.out) == Path("benchmarks/one_hidden_layer") / name
    spec = sweep_spec(args)
    stored, content = read_spec(FOLDER / name)
    assert json.loads(json.dumps(spec.to_dict())) == content["spec"]
    assert content["configurations"] == spec.space.configurations()
    rows = {row["key"]: row for row in read_results(FOLDER / name)}
    assert sorted(rows) == sorted(task.key for task in stored.tasks())
    assert all(row["status"] == "ok" for row in rows.values())


def test_every_sweep_but_base_changes_the_base_configuration_in_one_lever() -> None:
    base = read_spec(FOLDER / "base")[1]["configurations"]
    assert len(base) == 1
    for name in COMMANDS:
        if name == "base":
            continue
        for config in read_spec(FOLDER / name)[1]["configurations"]:
            changed = {k for k in config if config[k] != base[0][k]}
            assert 1 <= len(changed) <= 2, (name, changed)  # momentum with lr, epochs with patience
