"""``mlp.files``: a file is written whole or not at all, and a partial line is refused."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from mlp import files


def test_atomic_write_replaces_the_content_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("old")
    files.atomic_write(path, "new")
    assert path.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]


def test_a_failed_atomic_write_keeps_the_old_content_and_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(b"previous")

    def full_disk(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match=r"could not write .*model\.npz: No space left"):
        files.atomic_write(path, b"half of a model")
    assert path.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_an_interrupt_during_an_atomic_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.atomic_write(tmp_path / "curves.png", b"png")
    assert not list(tmp_path.iterdir())


def test_append_line_adds_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    files.append_line(path, "a,b")
    files.append_line(path, "1,2")
    assert path.read_text() == "a,b\n1,2\n" and files.read_lines(path) == ["a,b", "1,2"]
    with pytest.raises(ValueError, match="newline"):
        files.append_line(path, "3\n4")


def test_a_disk_full_append_leaves_no_partial_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "metrics.csv"
    files.append_line(path, "epoch,loss")
    real_write = os.write

    def half_then_full(descriptor: int, data: bytes) -> int:
        real_write(descriptor, bytes(data[:3]))  # part of the line reaches the disk...
        raise OSError(errno.ENOSPC, "No space left on device")  # ...then the disk is full

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(OSError, match=r"could not write .*metrics\.csv"):
        files.append_line(path, "1,0.25")
    monkeypatch.undo()
    assert path.read_text() == "epoch,loss\n"


def test_read_lines_refuses_a_last_line_without_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,loss\n1,0.2")
    with pytest.raises(files.IncompleteFileError, match=r"metrics\.csv: the last line"):
        files.read_lines(path)


HOLD_LOCK = """
import sys, time
from mlp.files import exclusive_lock
with exclusive_lock(sys.argv[1], what="the test folder"):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_lock_is_exclusive_across_processes_and_dies_with_its_holder(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "run.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with (
            pytest.raises(
                files.LockedError, match=rf"in use by another process \(pid {holder.pid}\)"
            ),
            files.exclusive_lock(path, what="the test folder"),
        ):
            pass
    finally:
        holder.kill()  # SIGKILL: no cleanup runs in the holder
        holder.wait()
    with files.exclusive_lock(path, what="the test folder"):  # the system released it
        assert path.read_text() == f"pid {os.getpid()}\n"
    assert not path.exists()


def test_atomic_write_flushes_the_file_before_the_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What makes the rename survive a crash of the machine: file fsync, rename, folder fsync."""
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        calls.append("folder" if os.path.isdir(f"/proc/self/fd/{descriptor}") else "file")
        real_fsync(descriptor)

    def replace(source: str, target: str) -> None:
        calls.append("rename")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    files.atomic_write(tmp_path / "checkpoint.npz", b"state")
    assert calls == ["file", "rename", "folder"]


def test_a_failed_flush_of_the_folder_names_the_file_already_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync

    def folder_fails(descriptor: int) -> None:
        if os.path.isdir(f"/proc/self/fd/{descriptor}"):
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", folder_fails)
    with pytest.raises(OSError, match=r"wrote .*state\.json but could not flush its folder"):
        files.atomic_write(tmp_path / "state.json", "{}")
    assert (tmp_path / "state.json").read_text() == "{}"


def test_a_failed_flush_of_an_append_cuts_the_line_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "results.jsonl"
    files.append_line(path, "{}")

    def io_error(descriptor: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", io_error)
    with pytest.raises(OSError, match=r"could not write .*results\.jsonl: Input/output error"):
        files.append_line(path, '{"row": 2}')
    monkeypatch.undo()
    assert path.read_text() == "{}\n"


def test_remove_temporaries_removes_only_what_atomic_writes_left(tmp_path: Path) -> None:
    (tmp_path / ".model.npz.k2j4.tmp").write_bytes(b"half")  # a killed atomic_write's
    (tmp_path / "model.npz").write_bytes(b"whole")
    (tmp_path / "notes.tmp").write_text("a user's file")
    assert [p.name for p in files.remove_temporaries(tmp_path)] == [".model.npz.k2j4.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz", "notes.tmp"]


def test_a_lock_file_that_cannot_be_written_is_named_and_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(descriptor: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    with (
        pytest.raises(OSError, match=r"could not write the lock file .*run\.lock: No space"),
        files.exclusive_lock(tmp_path / "run.lock", what="the run"),
    ):
        pass
    monkeypatch.undo()
    assert not (tmp_path / "run.lock").exists()
    with files.exclusive_lock(tmp_path / "run.lock", what="the run"):  # not held any more
        pass
