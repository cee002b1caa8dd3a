"""Command line: ``python -m mlp COMMAND`` (or the ``mlp`` script).

Each subcommand is one ``add_*`` function that registers its parser and sets ``func`` to a
``run_*(args) -> int`` function; adding a command means writing those two functions and
listing the first in ``SUBCOMMANDS``. Errors are reported as one line on stderr with exit
status 1 (``--traceback`` shows the Python traceback instead).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from mlp import __version__
from mlp.bench import add_bench_command
from mlp.train import add_gradcheck_command, add_train_command

if TYPE_CHECKING:
    from mlp.data import DatasetStatus


class HelpFormat(argparse.ArgumentDefaultsHelpFormatter):
    """Show "(default: ...)" after each option's help, except for empty defaults."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        default = action.default
        # identity tests: 0 == False in Python, and a default of 0 is worth showing
        empty = default is None or default is False or default is argparse.SUPPRESS
        if empty or (isinstance(default, list) and not default):
            return action.help
        return super()._get_help_string(action)


def add_command(
    subparsers: argparse._SubParsersAction, name: str, summary: str, details: str
) -> argparse.ArgumentParser:
    """A subcommand parser with the common help format (defaults shown)."""
    return subparsers.add_parser(
        name, help=summary, description=f"{summary}. {details}", formatter_class=HelpFormat
    )


# --- mlp data ----------------------------------------------------------------------------------


def add_data(subparsers: argparse._SubParsersAction) -> None:
    """Register ``mlp data``."""
    from mlp.data import DATA_ENV, DATASETS

    parser = add_command(
        subparsers,
        "data",
        "show where the datasets are and whether their checksums hold",
        f"Looks in --data-dir (else ${DATA_ENV}), the user cache and system folders; "
        "downloads only with --download.",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help=f"folder with a <name>/ subfolder (or the files) per dataset; default: ${DATA_ENV}",
    )
    parser.add_argument(
        "--download",
        metavar="NAME",
        action="append",
        choices=list(DATASETS),
        default=[],
        help="fetch the missing files of dataset NAME first (repeatable)",
    )
    parser.add_argument(
        "--require",
        metavar="NAME",
        action="append",
        choices=list(DATASETS),
        default=[],
        help="exit with status 1 unless dataset NAME is available (repeatable)",
    )
    parser.set_defaults(func=run_data)


def _wrap(text: str) -> list[str]:
    """``text`` wrapped at 100 columns, indented, never splitting file names or URLs."""
    return textwrap.wrap(
        text,
        width=100,
        initial_indent="  ",
        subsequent_indent="    ",
        break_on_hyphens=False,
        break_long_words=False,
    )


def _format_status(status: DatasetStatus) -> list[str]:
    """The lines printed by ``mlp data`` for one ``DatasetStatus``."""
    state = "available, checksums verified" if status.available else "NOT AVAILABLE"
    lines = [f"{status.title} ({status.name}): {state}"]
    width = max(len(f.filename) for f in status.files)
    for f in status.files:
        if f.path is None:
            lines.append(f"  {f.filename:<{width}}  missing")
        elif f.checksum == "ok":
            lines.append(f"  {f.filename:<{width}}  {f.detail:<20}  {f.path}  [{f.place}]")
        else:
            lines.append(f"  {f.filename:<{width}}  {f.checksum.upper()}: {f.detail}")
    if not status.available:
        for text in ("searched: " + ", ".join(status.searched), status.how_to):
            lines += _wrap(text)
    return lines


def run_data(args: argparse.Namespace) -> int:
    """Download what ``--download`` asks for, print the status report, honour ``--require``."""
    from mlp.data import dataset_status, locate_dataset

    for name in args.download:
        locate_dataset(name, data_dir=args.data_dir, download=True)
    report = dataset_status(data_dir=args.data_dir)
    for i, status in enumerate(report):
        if i:
            print()
        print("\n".join(_format_status(status)))
    missing = [s.title for s in report if s.name in args.require and not s.available]
    if missing:
        raise RuntimeError(f"required dataset not available: {', '.join(missing)}")
    return 0


# --- entry point -------------------------------------------------------------------------------

SUBCOMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    add_data,
    add_train_command,
    add_gradcheck_command,
    add_bench_command,
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mlp`` with ``argv`` (default: sys.argv[1:]); return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"mlp {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.traceback:
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"mlp {args.command}: error: {message}", file=sys.stderr)
        return 1
