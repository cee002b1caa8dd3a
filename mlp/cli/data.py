"""``mlp data``: where the datasets are, whether their checksums hold, downloads on request."""

from __future__ import annotations

import argparse
import textwrap
from typing import TYPE_CHECKING

from mlp.cli.arguments import add_command

if TYPE_CHECKING:
    from mlp.data import DatasetStatus

__all__ = ["add", "run"]


def add(subparsers: argparse._SubParsersAction) -> None:
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
    parser.set_defaults(func=run)


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


def run(args: argparse.Namespace) -> int:
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
