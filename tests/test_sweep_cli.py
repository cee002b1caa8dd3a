"""``python -m mlp sweep``: run, resume and report as a user would; bad options in one line."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, require

from mlp.cli import build_parser, main
from mlp.cli.sweep import sweep_spec
from mlp.cli.train import load_data
from mlp.data import load_splits
from mlp.sweep import SearchSpace, SweepSpec, read_results, run_sweep
from mlp.sweep.store import RESULTS_NAME

SWEEP = [
    "sweep", "--dataset", "circles", "--n-points", "240",
    "--grid", "d_h=4,16", "--grid", "lr=0.1,0.3", "--grid", "batch_size=20",
    "--epochs", "6", "--patience", "3", "--seeds", "2",
]  # fmt: skip
"""8 tasks on the two circles; add ``--out DIR``."""


def library_spec() -> SweepSpec:
    """What ``SWEEP`` asks for, said through the library."""
    from mlp.data import DataOptions

    grid = ["d_h=4,16", "lr=0.1,0.3", "batch_size=20", "epochs=6", "patience=3"]
    return SweepSpec(SearchSpace.parse(grid), (0, 1), DataOptions("circles", n_points=240))


def numbers(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["key"]: {k: v for k, v in r.items() if k not in ("seconds", "worker")} for r in rows}


def run_mlp(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MLP_DATA", "DISPLAY", "MPLBACKEND")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return subprocess.run(
        [sys.executable, "-m", "mlp", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_a_sweep_runs_in_processes_resumes_and_reports(tmp_path: Path, capsys) -> None:
    out = tmp_path / "sweep"
    first = run_mlp(*SWEEP, "--jobs", "2", "--out", str(out), tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"8 tasks, 0 finished in {out}, 8 to run on 2 process(es)")
    assert "[8/8] " in first.stdout and "\nbest: " in first.stdout
    rows = read_results(out)
    library = run_sweep(tmp_path / "library", library_spec())
    assert numbers(rows) == numbers(library.rows)  # the options mean what the library says
    assert sorted(p.name for p in out.iterdir()) == [  # the lock is gone with the sweep
        "report.png",
        "results.jsonl",
        "sweep.json",
    ]

    content = (out / RESULTS_NAME).read_text()
    capsys.readouterr()
    assert main([*SWEEP, "--jobs", "2", "--out", str(out)]) == 0  # in this process, to save time
    again = capsys.readouterr().out
    assert again.startswith(f"8 tasks, 8 finished in {out}, 0 to run")
    assert "[1/8]" not in again and (out / RESULTS_NAME).read_text() == content

    assert main(["sweep", "--report", str(out)]) == 0
    report = capsys.readouterr().out
    table = report.splitlines()
    assert table[0].split() == "d_h lr valid err std min max test err epoch seeds".split()
    best = min(
        ({"d_h": d, "lr": lr} for d in (4, 16) for lr in (0.1, 0.3)),
        key=lambda c: np.mean(
            [
                r["valid_error"]
                for r in rows
                if r["config"]["d_h"] == c["d_h"] and r["config"]["lr"] == c["lr"]
            ]
        ),
    )
    assert table[2].split()[:2] == [str(best["d_h"]), f"{best['lr']:g}"]
    assert f"best: d_h={best['d_h']} lr={best['lr']:g}:" in report


def test_resuming_with_another_grid_is_refused_in_one_line(tmp_path, capsys) -> None:
    out = str(tmp_path / "sweep")
    assert main([*SWEEP, "--jobs", "1", "--out", out, "--quiet"]) == 0
    capsys.readouterr()
    assert main([*SWEEP, "--grid", "l22=1e-4", "--jobs", "1", "--out", out]) == 1
    line = one_line_error(capsys)
    assert line.startswith("mlp sweep: error: ") and "holds another sweep" in line
    assert "search.grid.l22: null there, [0.0001] now" in line


@pytest.mark.parametrize(
    ("args", "status", "fragment"),
    [
        (["--grid", "dh=4"], 2, "argument --grid: unknown hyper-parameter 'dh'"),
        (["--grid", "d_h="], 2, "argument --grid: d_h has no values"),
        (["--grid", "lr=0.1,fast"], 2, "argument --grid: lr must be a number, got 'fast'"),
        (["--grid", "lr=-0.1"], 2, "lr must be a finite number > 0, got -0.1"),
        (["--grid", "d_h=8,8"], 2, "d_h lists 8 twice"),
        (["--range", "lr=1:0.1"], 2, "argument --range: the range of lr must have LOW < HIGH"),
        (["--grid", "d_h=4", "--grid", "d_h=8"], 1, "d_h is given twice: 'd_h=4' and 'd_h=8'"),
        (["--epochs", "5", "--grid", "epochs=6"], 1, "epochs is given twice"),
        (["--range", "lr=0.01:0.3"], 1, "ranges are drawn by a random search"),
        (["--random", "9", "--grid", "d_h=4,8"], 1, "needs a larger grid: it has 2"),
        (["--n-points", "100", "--n-valid", "100"], 1, "--n-valid must lie in (0, 100)"),
        (["--jobs", "2", "--scheduler", "tcp://x:1"], 2, "not allowed with argument"),
    ],
)
def test_bad_options_give_one_line_errors(tmp_path, capsys, args, status, fragment) -> None:
    argv = ["sweep", "--dataset", "circles", *args, "--out", str(tmp_path / "s")]
    if status == 2:
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2
    else:
        assert main(argv) == 1
    line = one_line_error(capsys)
    assert line.startswith("mlp sweep: error: ") and fragment in line, line
    assert not (tmp_path / "s" / RESULTS_NAME).exists()


def test_out_or_report_is_required_and_report_takes_no_search(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["sweep", "--grid", "d_h=4"])
    assert exited.value.code == 2
    assert "one of the arguments --out --report is required" in one_line_error(capsys)
    assert main(["sweep", "--report", str(tmp_path), "--grid", "d_h=4"]) == 1
    assert "--report only reads DIR" in one_line_error(capsys)
    assert main(["sweep", "--report", str(tmp_path)]) == 1
    assert "holds no sweep (sweep.json not found)" in one_line_error(capsys)


def test_without_joblib_the_command_says_what_to_install(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "joblib", None)  # import joblib now raises ImportError
    assert main([*SWEEP, "--jobs", "2", "--out", str(tmp_path / "s")]) == 1
    line = one_line_error(capsys)
    assert line == (
        "mlp sweep: error: running tasks in parallel processes (jobs > 1) needs joblib: "
        "pip install 'mlp-backprop-book[sweep]'"
    )
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main([*SWEEP, "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path / "s")]) == 1
    assert one_line_error(capsys).endswith(
        "needs distributed: pip install 'mlp-backprop-book[cluster]'"
    )


def test_a_sweep_runs_on_a_dask_scheduler(tmp_path, capsys) -> None:
    require(importlib.util.find_spec("distributed") is not None, "dask.distributed missing")
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        assert main([*SWEEP, "--scheduler", address, "--out", str(tmp_path / "dask")]) == 0
    out = capsys.readouterr().out
    assert f"8 to run on the Dask cluster at {address}" in out and "[8/8]" in out
    rows = read_results(tmp_path / "dask")
    assert {r["worker"].rpartition(":")[2] for r in rows} != {str(os.getpid())}
    assert numbers(rows) == numbers(run_sweep(tmp_path / "here", library_spec()).rows)


def test_mlp_train_and_mlp_sweep_load_the_same_splits(tmp_path: Path) -> None:
    parser = build_parser()
    data = ["--dataset", "circles", "--n-points", "300", "--noise", "0.2", "--n-valid", "60"]
    train_args = parser.parse_args(["train", *data, "--seed", "3", "--out", str(tmp_path)])
    sweep_args = parser.parse_args(["sweep", *data, "--data-seed", "3", "--out", str(tmp_path)])
    trained, _ = load_data(train_args)
    swept, _ = load_splits(sweep_spec(sweep_args).data)
    for name in ("X_train", "y_train", "X_valid", "y_valid", "X_test", "y_test"):
        assert np.array_equal(getattr(trained, name), getattr(swept, name)), name
    assert trained.sizes() == {"train": 240, "valid": 60, "test": 300}
    assert json.loads(json.dumps(sweep_spec(sweep_args).data.to_dict()))["noise"] == 0.2


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text[text.rfind(")") + 2 :].split()[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rfind(")") + 2] != "Z"


def test_the_workers_of_a_sweep_killed_by_sigkill_end_with_it(tmp_path: Path) -> None:
    """A sweep killed by SIGKILL cannot stop its workers; they stop themselves (they went on
    training for minutes)."""
    require(Path("/proc/self/stat").exists(), "needs /proc to find the worker processes")
    slow = ["--n-points", "20000", "--grid", "batch_size=10", "--grid", "d_h=64,65,66,67",
            "--epochs", "50", "--patience", "50", "--seeds", "1", "--jobs", "2"]  # fmt: skip
    command = [sys.executable, "-m", "mlp", "sweep", "--dataset", "circles", *slow]
    sweep = subprocess.Popen([*command, "--out", str(tmp_path / "s")], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(workers := children(sweep.pid)) < 4:
            time.sleep(0.2)  # two workers and joblib's two resource trackers
        assert len(workers) >= 2, "the sweep started no workers within 60 s"
        time.sleep(1)  # the workers are training
    finally:
        sweep.kill()
        sweep.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(running(pid) for pid in workers):
        time.sleep(0.1)
    alive = [pid for pid in workers if running(pid)]
    for pid in alive:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    for leftover in Path("/dev/shm").glob(f"*{sweep.pid}[_-]*"):  # joblib's, of the killed
        if leftover.name.startswith(("joblib_memmapping_folder_", "sem.loky-")):  # sweep
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    assert not alive, f"{len(alive)} of {len(workers)} processes outlived the sweep by 10 s"
