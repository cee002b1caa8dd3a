"""``mlp prove``: run every claim of the book (A1-A9, B1-B18, M7) and print what each proves."""

from __future__ import annotations

import argparse

from mlp.cli.arguments import add_command, positive_float

__all__ = ["add", "run"]


def add(subparsers: argparse._SubParsersAction) -> None:
    """Register ``mlp prove``."""
    from mlp.symbolic.claims import DEFAULT_TIME_LIMIT

    parser = add_command(
        subparsers,
        "prove",
        "verify the algebra of the whole book with SymPy",
        (
            "Runs the checks of every claim (the functions the chapters call) and prints one "
            "line per claim: id, scope (general: proven for symbolic sizes; instance: for the "
            "sizes and labels it ran), route, time, ok or FAILED. Exits with status 1 if a claim "
            "fails or runs out of time."
        ),
    )
    parser.add_argument(
        "--only",
        metavar="ID",
        action="append",
        default=None,
        help="run only this claim (A1-A9, B1-B18, M7; repeatable)",
    )
    parser.add_argument(
        "--time-limit",
        type=positive_float,
        default=DEFAULT_TIME_LIMIT,
        metavar="S",
        help="seconds allowed per claim; a claim that takes longer is reported FAILED",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``mlp prove``: one line per claim, then a summary; status 1 if any claim failed."""
    from mlp.symbolic.claims import format_record, run_claim, select_claims, summary

    records = []
    for claim in select_claims(args.only):  # an unknown id is refused before anything runs
        records.append(run_claim(claim, args.time_limit))
        print(format_record(records[-1]), flush=True)
    print(summary(records))
    return 0 if all(record.ok for record in records) else 1
