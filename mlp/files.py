"""Writing files so that a reader never sees half of one: write aside, then rename.

``atomic_write(path, data)`` writes the bytes or text to a temporary file in the same folder,
flushes it to disk and renames it over ``path`` (``os.replace``, atomic on POSIX): ``path``
holds either its previous content or the new one, never a part. ``append_line`` adds one
whole line to a log-like file (one ``write`` of the complete line, flushed), and
``read_lines`` refuses a last line without its newline, the trace of an interrupted append.
A failed write (disk full, interrupt) removes its temporary file and names the path.
``exclusive_lock`` keeps two processes from writing the same place at once.
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
]


class IncompleteFileError(ValueError):
    """A file ends with a partial line: a write was interrupted (disk full, killed process)."""


class LockedError(RuntimeError):
    """Another live process holds the lock; the message names what is locked and the holder."""


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike[str], *, what: str) -> Iterator[Path]:
    """Hold an exclusive lock on the file ``path`` for the duration of the block.

    The lock is ``flock``'s, so the system releases it when its process ends, however it
    ends: a crash leaves no stale lock. The file holds the holder's pid and is removed when
    the block ends. Raises ``LockedError`` at once (no waiting) when another process holds
    it, naming ``what`` and the holder's pid.
    """
    path = Path(path)
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
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
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"pid {os.getpid()}\n".encode())
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(descriptor)  # releases the lock


def atomic_write(path: str | os.PathLike[str], data: bytes | str, *, mode: int = 0o644) -> Path:
    """Write ``data`` (text is UTF-8 encoded) to ``path`` atomically; return the path.

    The temporary file ``.<name>.<random>.tmp`` lives in the same folder (a rename across
    file systems is not atomic). Raises ``OSError`` naming ``path`` if the write fails; the
    temporary file is then removed and ``path`` is unchanged.
    """
    path = Path(path)
    payload = data.encode() if isinstance(data, str) else data
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, f"could not write {path}: {exc.strerror or exc}") from exc
        raise
    return path


def append_line(path: str | os.PathLike[str], line: str) -> None:
    """Append ``line`` plus a newline to ``path`` in one write, flushed to disk.

    A line is appended whole or, if the disk is full, the file is cut back to its previous
    length: it never ends with part of a line. Raises ``OSError`` naming ``path``.
    """
    path = Path(path)
    if "\n" in line:
        raise ValueError(f"a line to append to {path} must not contain a newline")
    payload = memoryview((line + "\n").encode())
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(descriptor).st_size
        try:
            while payload:  # os.write may write part of the bytes
                payload = payload[os.write(descriptor, payload) :]
            os.fsync(descriptor)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(descriptor, size)
            raise OSError(exc.errno, f"could not write {path}: {exc.strerror or exc}") from exc
    finally:
        os.close(descriptor)


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
