"""Crash consistency: a fault at every file operation of ``mlp train`` and ``mlp sweep``.

As storage engines test themselves (SQLite makes every write fail in turn; studies of
applications' crash consistency crash them between every two file operations), each test
runs a short command once to count its file operations (``tests/faults.py``), then once
per operation *n* and per way of failing: the process killed before *n* (SIGKILL), killed in
the middle of a write (half of its bytes on disk), ``ENOSPC`` from *n* on (a full disk),
``EIO`` at *n* alone, SIGINT or SIGTERM just before *n*. After each fault, the user's way
back: the same command with ``--resume`` (``mlp train``) or again (``mlp sweep``), and what
its message says to do if it refuses.

The invariant, checked at every *n* (``train_problems``, ``sweep_problems``):

- a command that exits 0 leaves exactly the result of a run that never stopped (the six
  numbers of every epoch, the final model, the result in ``config.json``; not the seconds);
- after the fault, the folder holds either nothing, or the whole previous run, or the whole
  new run: never a mix, never another run's numbers;
- the recovery ends with exactly the uninterrupted run's files and nothing else beside
  them (no lock, work or temporary folder); if it refuses, its message names the problem
  and the way out, and the way out works;
- no finished epoch is lost: a resumed run continues from the last checkpoint that reached
  the disk (``mlp train``), a resumed sweep keeps every row written whole (``mlp sweep``),
  and "kept the N finished epoch(s)" says the number that is on disk.

The tests run on a RAM file system when there is one (``/dev/shm``): what they test is a
process that stops, for which ``fsync`` changes nothing (a power cut is another matter;
``test_every_commit_is_flushed_before_it_counts`` checks the order of the flushes). Drawing
the figures is replaced by a blank figure (``blank_figures``): it takes a second per run
and no file operation.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from faults import MODES, Fault, Outcome, run_forked

import mlp.checkpoints
import mlp.plots
import mlp.runs
import mlp.sweep.report
from mlp.cli import main

# --- the commands and their results ------------------------------------------------------------

TRAIN = [
    "train", "--dataset", "circles", "--n-points", "200", "--hidden", "4", "--epochs", "3",
    "--batch-size", "25", "--lr", "1", "--momentum", "0.5", "--threads", "1", "--quiet",
]  # fmt: skip
"""Three epochs with momentum (velocities to keep): every kind of state a run has. Its best
epoch is the second, so the last epoch's parameters and the kept ones differ."""

MORE = ["--epochs", "4"]
"""The recovery resumes with one epoch more (as the issue's ``--resume --epochs 40``): the
numbers of that epoch show which parameters, velocities and generator it continued from."""

SWEEP = [
    "sweep", "--dataset", "circles", "--n-points", "120", "--grid", "d_h=2,4",
    "--epochs", "2", "--patience", "2", "--seeds", "2", "--jobs", "1",
]  # fmt: skip
"""Four tasks, run in this process (the results file is written by this process only)."""

RUN_FILES = ["config.json", "curves.png", "metrics.csv", "model.npz"]
SWEEP_FILES = ["report.png", "results.jsonl", "sweep.json"]


def blank_figure(*args: Any, **kwargs: Any) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(1, 1))


@pytest.fixture(scope="module")
def fast_root() -> Iterator[Path]:
    """A scratch folder, on a RAM file system if there is one."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and shutil.disk_usage(shm).free > 100e6 else None
    with tempfile.TemporaryDirectory(prefix="mlp-crash-", dir=base) as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def blank_figures() -> Iterator[None]:
    """Blank figures instead of drawn ones, and the command run once in this process, so
    that the forked children find everything imported."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mlp.plots, "plot_learning_curves", blank_figure)
        patch.setattr(mlp.sweep.report, "plot_summary", blank_figure)
        with tempfile.TemporaryDirectory() as warm, contextlib.redirect_stdout(None):
            assert main([*TRAIN, "--out", f"{warm}/run"]) == 0
            assert main([*SWEEP, "--quiet", "--out", f"{warm}/sweep"]) == 0
        yield


def run_snapshot(folder: Path) -> dict[str, Any] | None:
    """What a reader of a run folder finds: the numbers, the model, the result (not the
    seconds, not the run's identity); None if there is no folder."""
    if not folder.is_dir():
        return None
    names = sorted(p.name for p in folder.iterdir() if p.name != "checkpoint.npz")
    found: dict[str, Any] = {"files": names}
    if "metrics.csv" in names:
        with (folder / "metrics.csv").open() as stream:
            found["metrics"] = [
                {k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(stream)
            ]
    if "model.npz" in names:
        with np.load(folder / "model.npz") as model:
            found["model"] = {name: model[name].tobytes() for name in model.files}
    if "config.json" in names:
        config = json.loads((folder / "config.json").read_text())
        config.pop("run_id", None)
        if isinstance(config.get("result"), dict):
            config["result"].pop("train_seconds", None)
        found["config"] = config
    return found


def sweep_rows(folder: Path) -> dict[str, dict[str, Any]]:
    """The rows of the whole lines of ``results.jsonl``, without seconds and worker."""
    path = folder / "results.jsonl"
    if not path.exists():
        return {}
    text = path.read_text()
    whole = text[: text.rfind("\n") + 1].splitlines()
    rows = [json.loads(line) for line in whole if line.strip()]
    return {r["key"]: {k: v for k, v in r.items() if k not in ("seconds", "worker")} for r in rows}


@dataclass
class Reference:
    """An uninterrupted command: its operations and what it leaves."""

    outcome: Outcome
    snapshot: Any
    folder: Path
    extended: Any = None  # what the same command with MORE gives, uninterrupted


def trial_root(fast_root: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=fast_root))


def uninterrupted(fast_root: Path, argv: list[str], previous: Reference | None = None) -> Any:
    """Run ``argv`` (``--out`` added; replacing ``previous``) uninterrupted: its trace, what it
    leaves, and where."""
    root = trial_root(fast_root)
    if previous is not None:
        shutil.copytree(previous.folder, root / "run")
    outcome = run_forked(lambda: main([*argv, "--out", str(root / "run")]), root)
    assert outcome.status == 0, outcome.stderr
    return outcome, run_snapshot(root / "run"), root / "run"


@pytest.fixture(scope="module")
def train_reference(fast_root: Path, blank_figures: None) -> Reference:
    _, extended, _ = uninterrupted(fast_root, [*TRAIN, *MORE])
    return Reference(*uninterrupted(fast_root, TRAIN), extended)


@pytest.fixture(scope="module")
def previous_run(fast_root: Path, blank_figures: None) -> Reference:
    """Another complete run (another seed), for ``--overwrite`` to replace."""
    root = trial_root(fast_root)
    outcome = run_forked(lambda: main([*TRAIN, "--seed", "7", "--out", str(root / "run")]), root)
    assert outcome.status == 0, outcome.stderr
    return Reference(outcome, run_snapshot(root / "run"), root / "run")


@pytest.fixture(scope="module")
def overwrite_reference(fast_root: Path, previous_run: Reference) -> Reference:
    _, extended, _ = uninterrupted(fast_root, [*TRAIN, *MORE, "--overwrite"], previous_run)
    return Reference(*uninterrupted(fast_root, [*TRAIN, "--overwrite"], previous_run), extended)


@pytest.fixture(scope="module")
def sweep_reference(fast_root: Path, blank_figures: None) -> Reference:
    root = trial_root(fast_root)
    outcome = run_forked(lambda: main([*SWEEP, "--out", str(root / "sweep")]), root)
    assert outcome.status == 0, outcome.stderr
    return Reference(outcome, sweep_rows(root / "sweep"), root / "sweep")


def faults(reference: Outcome, modes: tuple[str, ...] = MODES) -> list[Fault]:
    """Every way of failing at every operation of ``reference`` (tearing only writes)."""
    return [
        Fault(op.number, mode)
        for op in reference.ops
        for mode in modes
        if mode != "torn" or op.kind == "write"
    ]


# --- mlp train ---------------------------------------------------------------------------------


@dataclass
class Trial:
    """One trial's folders, command, and what its faults left on disk."""

    root: Path
    argv: list[str]
    epochs: int = 0  # checkpoints that reached the disk
    committed: bool = False  # the rename of the work folder into place happened

    @property
    def out(self) -> Path:
        return self.root / "run"

    @property
    def work(self) -> Path:
        return self.root / "run.incomplete"

    def record(self, outcome: Outcome) -> None:
        """Count what ``outcome``, a new run or a resume of this one, put on disk."""
        self.epochs += len(outcome.done("rename", f"{self.work}/checkpoint.npz"))
        self.committed |= bool(outcome.done("rename", f"{self.work} -> {self.out}"))


def new_trial(fast_root: Path, previous: Reference | None) -> Trial:
    root = trial_root(fast_root)
    if previous is not None:
        shutil.copytree(previous.folder, root / "run")
    return Trial(root, [*TRAIN, "--out", str(root / "run")])


def check_after_fault(
    trial: Trial, outcome: Outcome, reference: Reference, previous: Reference | None
) -> list[str]:
    """What a reader finds after the faulted command, and what the command said."""
    problems = []
    found = run_snapshot(trial.out)
    if outcome.status == 0 and found != reference.snapshot:
        problems.append("exit 0 without the uninterrupted run's result")
    allowed = [reference.snapshot, previous.snapshot if previous else None]
    replaced = list(trial.root.glob("run.replaced-*"))
    if found not in allowed and not (found is None and len(replaced) == 1):
        problems.append(f"after the fault, the folder holds a mix or a part: {found}")
    said = f"kept the {trial.epochs} finished epoch(s)"
    if "kept the" in outcome.stderr and said not in outcome.stderr:
        problems.append(f"said {outcome.stderr.strip()!r} with {trial.epochs} epoch(s) on disk")
    return problems


def resume_as_a_user(trial: Trial) -> list[str]:
    """``--resume`` (with ``MORE`` epochs), then what its message advises if it refuses."""
    problems = []
    second = run_forked(lambda: main([*trial.argv, "--resume", *MORE]), trial.root)
    message, advised = second.stderr.strip(), None
    if second.status == 0:
        resumed_at = f"after epoch {trial.epochs}\n"
        if trial.epochs and not trial.committed and resumed_at not in second.stdout:
            problems.append(f"resumed ({second.stdout.strip()!r}), not {resumed_at.strip()}")
    elif second.status != 1 or "Traceback" in message or "mlp train: error: " not in message:
        problems.append(f"resume: status {second.status}, {message!r}")
    elif trial.committed and "holds a complete run" in message:
        pass  # nothing to do: the run is there
    elif trial.epochs == 0 and "pass --overwrite instead of --resume" in message:
        advised = [*trial.argv, *MORE, "--overwrite"]
    elif trial.epochs == 0 and "run the same command without --resume" in message:
        advised = [*trial.argv, *MORE]
    else:
        problems.append(f"resume refused with {trial.epochs} epoch(s) on disk: {message!r}")
    if advised is not None:
        third = run_forked(lambda: main(advised), trial.root)
        if third.status != 0:
            problems.append(f"the advised command failed: {third.stderr.strip()!r}")
    return problems


def check_recovered(trial: Trial, reference: Reference) -> list[str]:
    """The run after recovery: the uninterrupted one (with ``MORE`` epochs unless the
    faulted command had completed), alone."""
    problems = []
    expected = reference.snapshot if trial.committed else reference.extended
    if run_snapshot(trial.out) != expected:
        problems.append("the recovered run differs from the uninterrupted one")
    beside = sorted(p.name for p in trial.root.iterdir())
    inside = sorted(p.name for p in trial.out.iterdir()) if trial.out.is_dir() else []
    if beside != ["run"] or inside != RUN_FILES:
        problems.append(f"left behind: {beside}, {inside}")
    return problems


def train_problems(
    fast_root: Path, fault: Fault, reference: Reference, previous: Reference | None = None
) -> list[str]:
    """Run ``TRAIN`` with ``fault``, then recover as a user would; what broke the invariant
    (empty: it held). With ``previous``, the run replaces that complete run (``--overwrite``)."""
    trial = new_trial(fast_root, previous)
    overwrite = ["--overwrite"] if previous else []
    first = run_forked(lambda: main([*trial.argv, *overwrite]), trial.root, fault)
    trial.record(first)
    problems = check_after_fault(trial, first, reference, previous)
    problems += resume_as_a_user(trial)
    return problems + check_recovered(trial, reference)


def report(failures: dict[Fault, list[str]], trials: int) -> str:
    lines = [f"{len(failures)} of {trials} faults broke the invariant:"]
    lines += [f"  op {f.at} {f.mode}: {'; '.join(p)}" for f, p in list(failures.items())[:20]]
    return "\n".join(lines)


def run_all(trial: Callable[[Fault], list[str]], all_faults: list[Fault]) -> dict[Fault, list]:
    failures = {}
    for fault in all_faults:
        problems = trial(fault)
        if problems:
            failures[fault] = problems
    return failures


def test_the_short_run_has_the_file_operations_the_invariant_is_about(
    train_reference: Reference,
) -> None:
    """Not vacuous: the counted operations include each epoch's checkpoint, the commit and
    the removal of the checkpoint after it."""
    out = train_reference.folder
    work = out.with_name("run.incomplete")
    assert train_reference.snapshot["config"]["result"]["best_epoch"] < 3  # kept != last
    assert train_reference.extended != train_reference.snapshot
    assert len(train_reference.outcome.done("rename", f"{work}/checkpoint.npz")) == 3
    assert train_reference.outcome.done("rename", f"{work} -> {out}")
    assert train_reference.outcome.done("unlink", f"{out}/checkpoint.npz")


def test_every_commit_is_flushed_before_it_counts(train_reference: Reference) -> None:
    """The order a crash of the machine needs (checked on the trace, not provoked): a file
    is flushed before its rename, the folder after it, before the next step relies on it;
    the checkpoint is removed only once the run's commit is flushed."""
    ops = train_reference.outcome.ops
    for i, op in enumerate(ops):
        if op.kind != "rename":
            continue
        source, target = op.path.split(" -> ")
        if source.endswith(".tmp"):
            last_write = max(
                j for j in range(i) if ops[j].path == source and ops[j].kind == "write"
            )
            assert any(o.kind == "fsync" and o.path == source for o in ops[last_write:i]), op
        following = ops[i + 1]
        assert (following.kind, following.path) == ("fsync", str(Path(target).parent)), op
    unlink = next(o for o in ops if o.kind == "unlink" and o.path.endswith("/run/checkpoint.npz"))
    commit = next(o for o in ops if o.kind == "rename" and o.path.endswith("/run"))
    assert ops[commit.number].kind == "fsync" and commit.number < unlink.number


def test_train_holds_the_invariant_at_every_file_operation(
    fast_root: Path, train_reference: Reference
) -> None:
    all_faults = faults(train_reference.outcome)
    failures = run_all(lambda f: train_problems(fast_root, f, train_reference), all_faults)
    assert not failures, report(failures, len(all_faults))
    print(f"mlp train: {len(all_faults)} faults at {len(train_reference.outcome.ops)} operations")


def test_overwrite_holds_the_invariant_at_every_file_operation(
    fast_root: Path, overwrite_reference: Reference, previous_run: Reference
) -> None:
    assert overwrite_reference.snapshot != previous_run.snapshot  # two different runs
    all_faults = faults(overwrite_reference.outcome)
    failures = run_all(
        lambda f: train_problems(fast_root, f, overwrite_reference, previous_run), all_faults
    )
    assert not failures, report(failures, len(all_faults))
    print(f"--overwrite: {len(all_faults)} faults at {len(overwrite_reference.outcome.ops)} ops")


def killed_twice(
    fast_root: Path, reference: Reference, previous: Reference | None, first: Fault
) -> tuple[Outcome, Callable[[Fault], list[str]]]:
    """A trial killed at ``first``, then its ``--resume`` killed too: the recovery that
    follows must still end with ``reference``. Returns the trace of a ``--resume`` that is
    not killed, and the trial as a function of the second fault."""
    overwrite = ["--overwrite"] if previous else []

    def start(trial: Trial) -> None:
        trial.record(run_forked(lambda: main([*trial.argv, *overwrite]), trial.root, first))

    probe = new_trial(fast_root, previous)
    start(probe)
    resume = run_forked(lambda: main([*probe.argv, "--resume"]), probe.root)
    assert resume.status == 0 and "resuming" in resume.stdout, resume.stderr

    def trial(fault: Fault) -> list[str]:
        trial = new_trial(fast_root, previous)
        start(trial)
        second = run_forked(lambda: main([*trial.argv, "--resume"]), trial.root, fault)
        trial.record(second)
        problems = check_after_fault(trial, second, reference, previous)
        return problems + resume_as_a_user(trial) + check_recovered(trial, reference)

    return resume, trial


def test_a_crash_while_repairing_an_overwrite_is_repaired_too(
    fast_root: Path, overwrite_reference: Reference, previous_run: Reference
) -> None:
    """Killed between the two renames of an ``--overwrite`` commit, then killed again at
    every operation of the ``--resume`` that repairs it (puts the previous run back,
    finishes the new one): the next ``--resume`` still ends with the new run."""
    out = overwrite_reference.folder
    commit = overwrite_reference.outcome.done("rename", f"{out.parent / 'run.incomplete'} -> {out}")
    resume, trial = killed_twice(
        fast_root, overwrite_reference, previous_run, Fault(commit[0].number, "kill")
    )
    put_back = [
        op for op in resume.done("rename", "/run") if ".replaced-" in op.path.split(" -> ")[0]
    ]
    assert len(put_back) == 1  # the repair is among the operations killed
    all_faults = [Fault(op.number, "kill") for op in resume.ops]
    failures = run_all(trial, all_faults)
    assert not failures, report(failures, len(all_faults))
    print(f"repair of --overwrite: {len(all_faults)} faults")


def test_a_crash_while_resuming_is_resumed_too(fast_root: Path, train_reference: Reference) -> None:
    """Killed after its first epoch, then killed again at every operation of the
    ``--resume`` that trains the two others: the next ``--resume`` still ends the run."""
    out = train_reference.folder
    first = train_reference.outcome.done(
        "rename", f"{out.parent / 'run.incomplete'}/checkpoint.npz"
    )
    resume, trial = killed_twice(
        fast_root, train_reference, None, Fault(first[0].number + 1, "kill")
    )
    assert len(resume.done("rename", "/checkpoint.npz")) == 2  # epochs 2 and 3
    all_faults = [Fault(op.number, "kill") for op in resume.ops]
    failures = run_all(trial, all_faults)
    assert not failures, report(failures, len(all_faults))
    print(f"a resumed run: {len(all_faults)} faults")


# --- mlp sweep ---------------------------------------------------------------------------------


def sweep_problems(fast_root: Path, fault: Fault, reference: Reference) -> list[str]:
    """Run ``SWEEP`` with ``fault``, then the same command again; what broke the invariant."""
    root = trial_root(fast_root)
    out = root / "sweep"
    argv = [*SWEEP, "--out", str(out)]
    first = run_forked(lambda: main(argv), root, fault)
    problems = []
    on_disk = sweep_rows(out)
    if any(reference.snapshot.get(key) != row for key, row in on_disk.items()):
        problems.append("a row on disk is not its task's row")
    if first.status == 0 and (on_disk != reference.snapshot or not (out / "report.png").exists()):
        problems.append("exit 0 without every row and the report")
    second = run_forked(lambda: main(argv), root)
    total = len(reference.snapshot)
    if second.status != 0:
        problems.append(f"the sweep again: status {second.status}, {second.stderr.strip()!r}")
    elif not second.stdout.startswith(f"{total} tasks, {len(on_disk)} finished in {out}"):
        problems.append(f"{len(on_disk)} rows on disk, the sweep said {second.stdout[:40]!r}")
    lines = (out / "results.jsonl").read_text().splitlines() if out.is_dir() else []
    if sweep_rows(out) != reference.snapshot or len(lines) != total:
        problems.append(f"the results differ from the uninterrupted sweep's ({len(lines)} lines)")
    listing = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if listing != SWEEP_FILES or sorted(p.name for p in root.iterdir()) != ["sweep"]:
        problems.append(f"left behind: {listing}")
    return problems


def test_sweep_holds_the_invariant_at_every_file_operation(
    fast_root: Path, sweep_reference: Reference
) -> None:
    ops = sweep_reference.outcome
    assert len(ops.done("write", "/sweep/results.jsonl")) == len(sweep_reference.snapshot) == 4
    all_faults = faults(ops)
    failures = run_all(lambda f: sweep_problems(fast_root, f, sweep_reference), all_faults)
    assert not failures, report(failures, len(all_faults))
    print(f"mlp sweep: {len(all_faults)} faults at {len(ops.ops)} operations")


# --- the invariant can fail: the defects, put back, are caught ---------------------------


def test_the_invariant_catches_a_checkpoint_removed_before_the_commit(
    fast_root: Path, train_reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D3: a finish that deletes the checkpoint before its rename strands a complete run."""
    commit = mlp.runs.RunFolder._commit

    def early(self: mlp.runs.RunFolder) -> None:
        self.checkpoint_path.unlink()
        commit(self)

    monkeypatch.setattr(mlp.runs.RunFolder, "_commit", early)
    last_checkpoint = train_reference.outcome.done("rename", "run.incomplete/checkpoint.npz")[-1]
    all_faults = [
        Fault(op.number, "kill") for op in train_reference.outcome.ops[last_checkpoint.number :]
    ]
    failures = run_all(lambda f: train_problems(fast_root, f, train_reference), all_faults)
    assert any("resume refused with 3 epoch(s) on disk" in " ".join(p) for p in failures.values())


def test_the_invariant_catches_a_checkpoint_written_in_place(
    fast_root: Path, train_reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D1: a state file rewritten in place is lost to a write cut in the middle."""

    def in_place(path: Path, data: bytes, mode: int = 0o644) -> Path:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            os.write(descriptor, data)
        finally:
            os.close(descriptor)
        return Path(path)

    monkeypatch.setattr(mlp.checkpoints, "atomic_write", in_place)
    root = trial_root(fast_root)
    mutant = run_forked(lambda: main([*TRAIN, "--out", str(root / "run")]), root)
    writes = mutant.done("write", "run.incomplete/checkpoint.npz")
    assert len(writes) == 3
    all_faults = [Fault(op.number, "torn") for op in writes[1:]]
    failures = run_all(lambda f: train_problems(fast_root, f, train_reference), all_faults)
    assert len(failures) == 2, failures


def test_the_invariant_catches_a_resume_from_the_kept_parameters_as_the_last(
    fast_root: Path, train_reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D2: a run stopped in ``finish`` continued from the best epoch's parameters as if they
    were the last epoch's (the numbers of the epoch added by the resume differ)."""

    def from_kept(self: mlp.checkpoints.Checkpoint, net: Any, path: Any) -> Any:
        for name, value in self.final_params().items():
            getattr(net, name)[...] = value
        return self.state

    monkeypatch.setattr(mlp.checkpoints.Checkpoint, "load_into", from_kept)
    last = train_reference.outcome.done("rename", "run.incomplete/checkpoint.npz")[-1]
    failures = run_all(
        lambda f: train_problems(fast_root, f, train_reference), [Fault(last.number + 1, "kill")]
    )
    assert [p for problems in failures.values() for p in problems] == [
        "the recovered run differs from the uninterrupted one"
    ]


def test_the_invariant_catches_a_resume_with_other_numbers(
    fast_root: Path, train_reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D2, D7: a resume that does not continue from exactly the saved state (here: the
    velocities forgotten) gives other numbers, which the comparison sees."""
    read = mlp.runs.read_checkpoint

    def forgetful(path: Path) -> mlp.checkpoints.Checkpoint:
        checkpoint = read(path)
        velocity = checkpoint.state.velocity or {}
        checkpoint.state.velocity = {name: np.zeros_like(v) for name, v in velocity.items()}
        return checkpoint

    monkeypatch.setattr(mlp.runs, "read_checkpoint", forgetful)
    renames = train_reference.outcome.done("rename", "run.incomplete/checkpoint.npz")
    all_faults = [Fault(op.number + 1, "kill") for op in renames[:2]]  # after epochs 1 and 2
    failures = run_all(lambda f: train_problems(fast_root, f, train_reference), all_faults)
    assert [p for problems in failures.values() for p in problems] == [
        "the recovered run differs from the uninterrupted one"
    ] * 2


def test_the_invariant_catches_an_overwrite_never_repaired(
    fast_root: Path,
    overwrite_reference: Reference,
    previous_run: Reference,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """D4: without the repair at start, a stop between the two renames loses ``DIR``."""
    monkeypatch.setattr(mlp.runs.RunFolder, "_recover", lambda self: None)
    out = overwrite_reference.folder
    commit = overwrite_reference.outcome.done(
        "rename", f"{out.with_name('run.incomplete')} -> {out}"
    )
    fault = Fault(commit[0].number, "kill")
    assert train_problems(fast_root, fault, overwrite_reference, previous_run)
