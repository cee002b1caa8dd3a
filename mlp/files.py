"""Writing files so that a reader never sees half of one, and a crash never loses a commit.

``atomic_write(path, data)`` writes the bytes or text to a temporary file in the same folder,
flushes it to disk (``fsync``), renames it over ``path`` (``os.replace``, atomic on POSIX)
and flushes the folder, so that the rename itself survives a crash: ``path`` holds either its
previous content or the new one, never a part. ``append_line`` adds one whole line to a
log-like file (one ``write`` of the complete line, flushed; cut back on failure), and
``read_lines`` refuses a last line without its newline, the trace of an interrupted append.
A failed write (disk full, I/O error, interrupt) removes its temporary file and names the
path; a killed process cannot, and ``remove_temporaries`` removes what it left.
``exclusive_lock`` keeps two processes from writing the same place at once.

Every operation that changes the disk goes through a function of ``os`` (``open``,
``write``, ``fsync``, ``replace``, ``unlink``, ``mkdir``...), never through ``open()`` or
``Path.write_*``: a test can then count them and make any one of them fail
(``tests/faults.py``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "IncompleteFileError",
    "LockedError",
    "append_line",
    "atomic_write",
    "exclusive_lock",
    "read_lines",
    "remove_temporaries",
    "sync_folder",
]


class IncompleteFileError(ValueError):
    """A file ends with a partial line: a write was interrupted (disk full, killed process)."""


class LockedError(RuntimeError):
    """Another live process holds the lock; the message names what is locked and the holder."""


def _named(exc: OSError, what: str) -> OSError:
    """``exc`` as an ``OSError`` of the same errno whose message says ``what`` failed."""
    return OSError(exc.errno, f"{what}: {exc.strerror or exc}")


def _write_all(descriptor: int, payload: memoryview) -> None:
    while payload:  # os.write may write part of the bytes
        payload = payload[os.write(descriptor, payload) :]


def sync_folder(path: str | os.PathLike[str]) -> None:
    """Flush the folder ``path`` to disk: its entries (a rename, a new file) survive a crash."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike[str], *, what: str) -> Iterator[Path]:
    """Hold an exclusive lock on the file ``path`` for the duration of the block.

    The lock is ``flock``'s, so the system releases it when its process ends, however it
    ends: a crash leaves no stale lock (only the file, which the next holder takes over). The
    file holds the holder's pid and is removed when the block ends. Raises ``LockedError``
    at once (no waiting) when another process holds it, naming ``what`` and the holder's pid,
    and ``OSError`` naming the file when it cannot be created (e.g. a full disk).
    """
    path = Path(path)
    while True:
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _named(exc, f"could not create the lock file {path}") from exc
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            holder = ""
            with contextlib.suppress(OSError):
                holder = path.read_text().strip()
            holder = holder or "unknown"
            raise LockedError(f"{what} is in use by another process ({holder})") from None
        with contextlib.suppress(FileNotFoundError):  # still the file at path? (its previous
            if os.fstat(descriptor).st_ino == path.stat().st_ino:  # holder may remove it)
                break
        os.close(descriptor)
    try:
        try:
            os.ftruncate(descriptor, 0)
            _write_all(descriptor, memoryview(f"pid {os.getpid()}\n".encode()))
        except OSError as exc:
            raise _named(exc, f"could not write the lock file {path}") from exc
        yield path
    finally:
        try:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        finally:
            os.close(descriptor)  # releases the lock


def atomic_write(path: str | os.PathLike[str], data: bytes | str, *, mode: int = 0o644) -> Path:
    """Write ``data`` (text is UTF-8 encoded) to ``path`` atomically and durably; return it.

    The temporary file ``.<name>.<random>.tmp`` lives in the same folder (a rename across
    file systems is not atomic); it is flushed before the rename, and the folder after it.
    Raises ``OSError`` naming ``path`` if a step fails: before the rename, the temporary
    file is removed and ``path`` is unchanged; if only the final flush of the folder fails,
    ``path`` already holds the new content (which a crash of the machine might undo).
    """
    path = Path(path)
    payload = memoryview(data.encode() if isinstance(data, str) else data)
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
    except OSError as exc:
        raise _named(exc, f"could not write {path}") from exc
    try:
        try:
            _write_all(descriptor, payload)
            os.fchmod(descriptor, mode)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _named(exc, f"could not write {path}") from exc
        raise
    try:
        sync_folder(path.parent)
    except OSError as exc:
        raise _named(exc, f"wrote {path} but could not flush its folder to disk") from exc
    return path


def remove_temporaries(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove what interrupted ``atomic_write`` calls left in ``folder`` (their temporary
    files, which never reached their rename); return them. Call it only while no other
    process writes there (under its lock)."""
    found = sorted(Path(folder).glob(".*.tmp"))
    for temporary in found:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return found


def append_line(path: str | os.PathLike[str], line: str) -> None:
    """Append ``line`` plus a newline to ``path`` in one write, flushed to disk.

    A line is appended whole or, if the write or its flush fails (disk full, I/O error),
    the file is cut back to its previous length: it never ends with part of a line. A file
    this call creates has its folder flushed too. Raises ``OSError`` naming ``path``.
    """
    path = Path(path)
    if "\n" in line:
        raise ValueError(f"a line to append to {path} must not contain a newline")
    payload = memoryview((line + "\n").encode())
    created = not path.exists()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _named(exc, f"could not write {path}") from exc
    try:
        size = os.fstat(descriptor).st_size
        try:
            _write_all(descriptor, payload)
            os.fsync(descriptor)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(descriptor, size)
            raise _named(exc, f"could not write {path}") from exc
    finally:
        os.close(descriptor)
    if created:
        try:
            sync_folder(path.parent)
        except OSError as exc:
            raise _named(exc, f"wrote {path} but could not flush its folder to disk") from exc


def read_lines(path: str | os.PathLike[str]) -> list[str]:
    """The lines of a text file written by ``append_line`` (without their newlines).

    Raises ``IncompleteFileError`` when the last line has no newline (an interrupted write).
    """
    path = Path(path)
    text = path.read_text()
    if text and not text.endswith("\n"):
        last = text.rsplit("\n", 1)[-1]
        raise IncompleteFileError(f"{path}: the last line is incomplete ({last[:40]!r}...)")
    return text.splitlines()
