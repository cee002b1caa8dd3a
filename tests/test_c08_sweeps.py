"""The sweeps committed for chapter C8 are what the commands of their README define, finished;
the README's ``mlp train`` command trains the configuration the chapter retrains.

``benchmarks/one_hidden_layer/README.md`` lists one ``python -m mlp sweep`` command per
folder. Each command, parsed by the real command line, must give the ``SweepSpec`` stored in
its folder (so the README regenerates exactly these files), and every task of the spec must
have its row, trained without diverging. Its one ``python -m mlp train`` command (which the
chapter includes) must ask for the ``base`` sweep's configuration, data and seed 0.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from conftest import ROOT

from mlp.cli import build_parser
from mlp.cli.sweep import sweep_spec
from mlp.cli.train import data_options
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


def readme_train_command() -> list[str]:
    """The README's one ``python -m mlp train`` command (continued lines joined), as argv."""
    text = (FOLDER / "README.md").read_text().replace("\\\n", " ")
    lines = [line for line in text.splitlines() if line.startswith("python -m mlp train ")]
    assert len(lines) == 1, lines
    return shlex.split(lines[0])[3:]


def test_the_readme_train_command_trains_the_base_configuration_from_seed_0() -> None:
    args = build_parser().parse_args(readme_train_command())
    assert args.func.__module__ == "mlp.cli.train"
    spec, content = read_spec(FOLDER / "base")
    (config,) = content["configurations"]
    asked = {
        "d_h": args.hidden,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "lr_decay": args.lr_decay,
        "momentum": args.momentum,
        "shift": args.shift,
        "epochs": args.epochs,
        "patience": args.patience,
        **{name: getattr(args, name) for name in ("l11", "l12", "l21", "l22")},
    }
    assert asked == config
    # mlp train's --seed draws the split too: the sweep's split needs the sweep's data seed
    assert args.seed == spec.data.seed == 0 and args.seed in spec.seeds
    assert data_options(args, args.seed) == spec.data
    assert args.threads == 2  # the chapter's run in the book's draw


def test_the_readme_states_the_times_the_base_sweep_recorded() -> None:
    rows = read_results(FOLDER / "base")
    seconds = [row["seconds"] for row in rows]
    per_epoch = [row["seconds"] / row["epochs_run"] for row in rows]
    stated = (
        f"`base` took {min(seconds):.0f} to {max(seconds):.0f} s per run, "
        f"{min(per_epoch):.1f} to {max(per_epoch):.1f} s per epoch"
    )
    text = " ".join((FOLDER / "README.md").read_text().split())
    assert stated in text, stated
