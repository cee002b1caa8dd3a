"""``mlp check``: check your own answer to a question of the homework (``mlp.check``).

``mlp check ID FORMULA`` prints the verdict and exits with status 0 (proved for every size),
1 (wrong, with the counterexample and the diagnosis, or right except at a kink), 2 (a formula
that cannot be read or uses a name that is not allowed: the allowed names are listed; also an
unknown ID) or 3 (undecided: no proof and no counterexample, or out of time). ``mlp check
--list`` prints every ID with its question, the names it allows and an example of the syntax.
"""

from __future__ import annotations

import argparse
import sys
import textwrap

from mlp.cli.arguments import add_command, positive_float

__all__ = ["add", "run"]


def add(subparsers: argparse._SubParsersAction) -> None:
    """Register ``mlp check``."""
    from mlp.check import DEFAULT_TIME_LIMIT

    parser = add_command(
        subparsers,
        "check",
        "check your answer to a question of the homework (A1-A9, B1-B18)",
        (
            "Proves the formula equal to the quantity the question asks for, for every size "
            "(exit status 0), or shows a counterexample and names the mistake (1); a formula "
            "that cannot be read exits with status 2 and the allowed names, an undecided one "
            "with status 3. Quote the formula: mlp check B15.W1 'grad_ha[j] * x[i]'."
        ),
    )
    parser.add_argument("id", nargs="?", metavar="ID", help="the question, e.g. B15.W1")
    parser.add_argument("formula", nargs="?", metavar="FORMULA", help="your answer, quoted")
    parser.add_argument(
        "--list",
        action="store_true",
        help="list every question (or only ID's) with the names it allows and a syntax example",
    )
    parser.add_argument(
        "--time-limit",
        type=positive_float,
        default=DEFAULT_TIME_LIMIT,
        metavar="S",
        help="seconds allowed; past them the answer is reported undecided (status 3)",
    )
    parser.set_defaults(func=run)


def _wrap(label: str, text: str) -> list[str]:
    return textwrap.wrap(
        text, width=96, initial_indent=f"    {label}", subsequent_indent=" " * (4 + len(label))
    )


def listing(only: str | None = None) -> list[str]:
    """The lines of ``--list``: each question, its names and a syntax example."""
    from mlp.check import QUESTIONS, question

    chosen = [question(only)] if only else list(QUESTIONS)
    lines: list[str] = []
    for q in chosen:
        notation = q.setting().notation
        lines.append(f"{q.id:<7} {q.target}: {q.asks}")
        arrays = [a.spelled() for a in notation.arrays.values()]
        lines += _wrap("names: ", ", ".join([*arrays, *notation.scalars]) or "-")
        if notation.functions:
            lines += _wrap("functions: ", ", ".join(sorted(notation.functions)))
        if notation.indices:
            lines += _wrap("index letters: ", " ".join(notation.indices))
        lines += _wrap("syntax, e.g.: ", q.example)
    return lines


def run(args: argparse.Namespace) -> int:
    """``mlp check``: the verdict, or the list; the exit status says which."""
    from mlp.check import FormulaError, check

    if args.list:
        try:
            print("\n".join(listing(args.id)))
        except ValueError as error:
            print(f"mlp check: {error}", file=sys.stderr)
            return 2
        return 0
    if args.id is None or args.formula is None:
        print(
            "mlp check: give a question ID and your formula, e.g. "
            "mlp check B15.W1 'grad_ha[j] * x[i]' (mlp check --list shows the IDs)",
            file=sys.stderr,
        )
        return 2
    try:
        result = check(args.id, args.formula, time_limit=args.time_limit)
    except FormulaError as error:
        print(f"mlp check: {error}", file=sys.stderr)
        if error.allowed:
            print("allowed names: " + ", ".join(error.allowed), file=sys.stderr)
        return 2
    except ValueError as error:  # an unknown question
        print(f"mlp check: {error}", file=sys.stderr)
        return 2
    print(result)
    return result.status
