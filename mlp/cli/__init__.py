"""The command line, ``python -m mlp COMMAND`` (or the ``mlp`` script): a layer on top.

One module per subcommand (``mlp.cli.data``, ``train``, ``gradcheck``, ``bench``, ``sweep``,
``prove``, ``check``),
each with an ``add(subparsers)`` function that registers its parser and sets ``func`` to a
``run(args) -> int`` function; ``mlp.cli.arguments`` holds the argument types, which parse
text and then validate with ``mlp.checks``. Library modules never import this package.

Errors are reported as one line on stderr with exit status 1 (``--traceback`` shows the Python
traceback instead); malformed options exit with status 2 before anything runs; an interrupt
exits with status 130 (Ctrl-C) or 143 (SIGTERM), after the command's cleanup.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from mlp import __version__
from mlp.cli import bench, check, data, gradcheck, prove, sweep, train
from mlp.cli.arguments import HelpFormat

__all__ = ["SUBCOMMANDS", "Parser", "build_parser", "main"]

SUBCOMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    data.add,
    train.add,
    gradcheck.add,
    bench.add,
    sweep.add,
    prove.add,
    check.add,
)
"""Functions registering one subcommand each, in the order ``--help`` lists them."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2), no usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``mlp`` parser with every subcommand of ``SUBCOMMANDS``."""
    parser = Parser(
        prog="mlp",
        description="Companion tools of the backpropagation book.",
        formatter_class=HelpFormat,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--traceback", action="store_true", help="show the Python traceback of an error"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that a run stops as cleanly as on Ctrl-C."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mlp`` with ``argv`` (default: sys.argv[1:]); return the exit status.

    SIGTERM is handled like Ctrl-C (SIGINT): the command's cleanup runs, a one-line message
    says so, and the exit status is 143 (130 for Ctrl-C).
    """
    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.func(args)
    except Terminated:
        print(f"mlp {args.command}: terminated (SIGTERM)", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"mlp {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.traceback:
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"mlp {args.command}: error: {message}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
