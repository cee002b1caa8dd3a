"""Argument types and shared options of the command line, validated by ``mlp.checks``.

Each type parses the text of an option, then hands the value to the package's one validator,
so that ``--lr -1`` on the command line and ``lr=-1`` in Python are refused by the same rule;
argparse turns the error into a one-line message naming the option (exit status 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from mlp import checks

__all__ = [
    "HelpFormat",
    "add_command",
    "add_lambda_options",
    "int_list",
    "nonnegative_float",
    "nonnegative_int",
    "output_folder",
    "positive_float",
    "positive_int",
    "thread_count",
    "unit_fraction",
]


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


def _argument_type(
    parse: Callable[[str], Any], check: Callable[[Any], Any], what: str
) -> Callable[[str], Any]:
    """An argparse type: ``parse`` the text (else "expected <what>"), then ``check`` it."""

    def convert(text: str) -> Any:
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        try:
            return check(value)
        except (TypeError, ValueError) as exc:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from exc

    convert.__name__ = what  # argparse names the type in some messages
    return convert


positive_int = _argument_type(int, lambda v: checks.positive_int("value", v), "a positive integer")
nonnegative_int = _argument_type(
    int, lambda v: checks.nonnegative_int("value", v), "an integer >= 0"
)
positive_float = _argument_type(
    float, lambda v: checks.finite_number("value", v, positive=True), "a finite number > 0"
)
nonnegative_float = _argument_type(
    float, lambda v: checks.finite_number("value", v), "a finite number >= 0"
)
unit_fraction = _argument_type(
    float, lambda v: checks.unit_interval("value", v), "a number in [0, 1)"
)


MAX_THREADS = 1024
"""The largest ``--threads`` accepted (threadpoolctl overflows on huge counts)."""


def _thread_count(value: int) -> int:
    if checks.positive_int("threads", value) > MAX_THREADS:
        raise ValueError(f"threads must be at most {MAX_THREADS}, got {value}")
    return value


thread_count = _argument_type(int, _thread_count, f"a number of threads from 1 to {MAX_THREADS}")


def output_folder(text: str) -> str:
    """A folder name: not empty (an unset ``$RUN_DIR`` must not mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a folder name, got {text!r}")
    return text


def int_list(text: str) -> list[int]:
    """Comma-separated positive integers, e.g. ``100,256``."""
    try:
        values = [int(part) for part in text.split(",")]
        return [checks.positive_int("value", v) for v in values]
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(
            f"expected positive integers separated by commas, got {text!r}"
        ) from None


def add_lambda_options(parser: argparse.ArgumentParser) -> None:
    """``--l11 --l12 --l21 --l22``: the elastic-net strengths (finite numbers >= 0)."""
    group = parser.add_argument_group("elastic-net penalty (never on biases)")
    for name, what in (
        ("l11", "L1 on W1"),
        ("l12", "squared L2 on W1"),
        ("l21", "L1 on W2"),
        ("l22", "squared L2 on W2"),
    ):
        group.add_argument(
            f"--{name}", type=nonnegative_float, default=0.0, metavar="LAMBDA", help=what
        )
