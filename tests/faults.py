"""Fault injection: make the n-th file operation of a process fail, or the process die there.

``run_forked(function, root, fault)`` runs ``function()`` (e.g. ``mlp.cli.main([...])``) in a
forked child in which every operation that changes files under ``root`` goes through a
counter: creating or opening a file for writing, ``write``, ``fsync``, ``ftruncate``,
``rename``/``replace``, ``unlink``, ``mkdir``, ``rmdir`` (the functions of ``os`` that
``mlp.files`` and ``shutil`` call). Operation number ``fault.at`` then, by ``fault.mode``:

- ``"kill"``: the process dies before the operation (SIGKILL: no cleanup, no flush);
- ``"torn"``: a write puts the first half of its bytes on disk, then the process dies;
- ``"enospc"``: the disk is full from that operation on: it and every later operation that
  needs space (create, write, fsync, rename, mkdir) fail with ``ENOSPC``;
- ``"eio"``: that one operation fails with ``EIO`` (an I/O error), the later ones succeed;
- ``"sigint"`` / ``"sigterm"``: the signal arrives just before the operation (its Python
  handler runs there: ``KeyboardInterrupt``, or what the command line installed).

A write to a file under ``root`` through ``open()`` (which this wrapper cannot count) makes
the child fail loudly: the counted operations are then all the operations. The child's
stdout, stderr, exit status and the trace of its operations (each numbered, with its path
and whether it completed) come back in an ``Outcome``. Forking keeps each trial cheap
(numpy, matplotlib and ``mlp`` are imported once, in the parent).
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODES = ("kill", "torn", "enospc", "eio", "sigint", "sigterm")
_SPACE = {"create", "write", "fsync", "rename", "mkdir"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
ESCAPED = 97  # exit status of a child that wrote under root without going through os


@dataclass(frozen=True)
class Fault:
    """Which operation fails (1-based; None: none) and how (one of ``MODES``)."""

    at: int | None = None
    mode: str = "kill"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}; expected one of {MODES}")


@dataclass
class Op:
    """One counted operation: its number, kind, path(s) and whether it completed."""

    number: int
    kind: str
    path: str
    done: bool = False


@dataclass
class Outcome:
    """What the child did: exit ``status`` (None if a signal killed it), its output, its
    operations in order."""

    status: int | None
    killed_by: int | None
    stdout: str
    stderr: str
    ops: list[Op] = field(default_factory=list)

    def done(self, kind: str, path_end: str) -> list[Op]:
        """The completed operations of ``kind`` whose path ends with ``path_end``."""
        return [op for op in self.ops if op.done and op.kind == kind and op.path.endswith(path_end)]


class _Injector:
    """The child's wrappers around ``os`` (installed once, in the child only)."""

    def __init__(self, root: Path, fault: Fault, trace: int) -> None:
        self.root = str(root.resolve()) + os.sep
        self.fault, self.trace, self.count = fault, trace, 0
        self.fds: dict[int, str] = {}
        self.real = {name: getattr(os, name) for name in _WRAPPED}
        self.real_open = builtins.open

    # --- bookkeeping ---------------------------------------------------------------------------

    def _full(self, path: Any, dir_fd: int | None = None) -> str:
        path = os.fsdecode(os.fspath(path))
        if dir_fd is not None and not os.path.isabs(path):
            path = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
        return os.path.abspath(path)

    def _inside(self, full: str) -> bool:
        return (full + os.sep).startswith(self.root)

    def _log(self, text: str) -> None:
        self.real["write"](self.trace, (text + "\n").encode())

    def step(self, kind: str, path: str, data: Any = None, descriptor: int = -1) -> int:
        """Count one operation; fail it or die as the fault says. Returns its number."""
        self.count += 1
        n, fault = self.count, self.fault
        self._log(f"{n}\t{kind}\t{path}")
        if fault.at is None or n < fault.at:
            return n
        if fault.mode == "enospc" and kind in _SPACE:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
        if n != fault.at:
            return n
        if fault.mode == "eio":
            raise OSError(errno.EIO, os.strerror(errno.EIO), path)
        if fault.mode == "torn" and kind == "write":
            half = bytes(data)[: len(data) // 2]
            self.real["write"](descriptor, half)
        if fault.mode in ("kill", "torn"):
            os.kill(os.getpid(), signal.SIGKILL)
        if fault.mode == "sigint":
            raise KeyboardInterrupt
        if fault.mode == "sigterm":
            handler = signal.getsignal(signal.SIGTERM)
            if callable(handler):
                handler(signal.SIGTERM, None)
            os.kill(os.getpid(), signal.SIGTERM)  # the default action: die
        return n

    def finished(self, n: int) -> None:
        self._log(f"{n}\tok")

    # --- the wrappers --------------------------------------------------------------------------

    def open(self, path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        full = self._full(path, dir_fd)
        inside = self._inside(full)
        n = self.step("create", full) if inside and flags & _WRITE_FLAGS else None
        descriptor = self.real["open"](path, flags, mode, dir_fd=dir_fd)
        if inside:
            self.fds[descriptor] = full
        if n is not None:
            self.finished(n)
        return descriptor

    def close(self, descriptor: int) -> None:
        self.fds.pop(descriptor, None)
        self.real["close"](descriptor)

    def _on_descriptor(self, kind: str, name: str, descriptor: int, *args: Any) -> Any:
        if descriptor not in self.fds:
            return self.real[name](descriptor, *args)
        n = self.step(kind, self.fds[descriptor], args[0] if args else None, descriptor)
        result = self.real[name](descriptor, *args)
        self.finished(n)
        return result

    def write(self, descriptor: int, data: Any) -> int:
        return self._on_descriptor("write", "write", descriptor, data)

    def fsync(self, descriptor: int) -> None:
        return self._on_descriptor("fsync", "fsync", descriptor)

    def ftruncate(self, descriptor: int, length: int) -> None:
        return self._on_descriptor("truncate", "ftruncate", descriptor, length)

    def _on_path(self, kind: str, name: str, path: Any, *args: Any, **kwargs: Any) -> Any:
        full = self._full(path, kwargs.get("dir_fd"))
        if not self._inside(full):
            return self.real[name](path, *args, **kwargs)
        n = self.step(kind, full)
        result = self.real[name](path, *args, **kwargs)
        self.finished(n)
        return result

    def unlink(self, path: Any, *, dir_fd: int | None = None) -> None:
        return self._on_path("unlink", "unlink", path, dir_fd=dir_fd)

    def rmdir(self, path: Any, *, dir_fd: int | None = None) -> None:
        return self._on_path("rmdir", "rmdir", path, dir_fd=dir_fd)

    def mkdir(self, path: Any, mode: int = 0o777, *, dir_fd: int | None = None) -> None:
        return self._on_path("mkdir", "mkdir", path, mode, dir_fd=dir_fd)

    def _rename(self, name: str, source: Any, target: Any, **kwargs: Any) -> None:
        paths = (
            self._full(source, kwargs.get("src_dir_fd")),
            self._full(target, kwargs.get("dst_dir_fd")),
        )
        if not any(self._inside(p) for p in paths):
            return self.real[name](source, target, **kwargs)
        n = self.step("rename", f"{paths[0]} -> {paths[1]}")
        self.real[name](source, target, **kwargs)
        self.finished(n)
        return None

    def replace(self, source: Any, target: Any, **kwargs: Any) -> None:
        return self._rename("replace", source, target, **kwargs)

    def rename(self, source: Any, target: Any, **kwargs: Any) -> None:
        return self._rename("rename", source, target, **kwargs)

    def guarded_open(self, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | bytes | os.PathLike) and any(c in mode for c in "wax+"):
            if self._inside(self._full(file)):
                self._log(f"0\tescaped\t{self._full(file)}")
                os._exit(ESCAPED)
        return self.real_open(file, mode, *args, **kwargs)

    def install(self) -> None:
        for name in _WRAPPED:
            setattr(os, name, getattr(self, name))
        os.remove = self.unlink
        builtins.open = io.open = self.guarded_open


_WRAPPED = (
    "open",
    "close",
    "write",
    "fsync",
    "ftruncate",
    "unlink",
    "rmdir",
    "mkdir",
    "replace",
    "rename",
)


def _read_trace(path: Path) -> list[Op]:
    ops: dict[int, Op] = {}
    for line in path.read_text().splitlines():
        number, kind, *rest = line.split("\t")
        if kind == "ok":
            ops[int(number)].done = True
        else:
            ops[int(number)] = Op(int(number), kind, rest[0] if rest else "")
    return [ops[n] for n in sorted(ops)]


def run_forked(function: Callable[[], int | None], root: Path, fault: Fault = Fault()) -> Outcome:
    """Run ``function()`` in a forked child with ``fault`` injected under ``root``."""
    with tempfile.TemporaryDirectory(prefix="faults-") as scratch:
        scratch_path = Path(scratch)
        out, err, trace = (scratch_path / name for name in ("out", "err", "trace"))
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            status = 70
            try:
                sys.stdout = open(out, "w", buffering=1)
                sys.stderr = open(err, "w", buffering=1)
                descriptor = os.open(trace, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                _Injector(root, fault, descriptor).install()
                result = function()
                status = 0 if result is None else int(result)
            except SystemExit as exc:
                status = exc.code if isinstance(exc.code, int) else 1
            except BaseException as exc:
                print(f"child: uncaught {type(exc).__name__}: {exc}", file=sys.stderr)
                status = 71
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        _, wait_status = os.waitpid(pid, 0)
        killed_by = os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status) else None
        status = os.WEXITSTATUS(wait_status) if os.WIFEXITED(wait_status) else None
        return Outcome(status, killed_by, out.read_text(), err.read_text(), _read_trace(trace))
