"""``mlp sweep``: a grid or random search of hyper-parameters (see ``mlp.sweep``)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from mlp.cli.arguments import add_command, nonnegative_int, positive_int
from mlp.cli.train import add_data_options, data_options
from mlp.sweep.space import HYPERPARAMETERS, SearchSpace, SweepSpec, parse_range, parse_values

__all__ = ["add", "run", "sweep_spec"]


def _argument_type(parse: Any, what: str) -> Any:
    """An argparse type calling ``parse``; its error is the option's one-line message."""

    def convert(text: str) -> Any:
        try:
            parse(text)
        except (TypeError, ValueError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text

    convert.__name__ = what
    return convert


def _default_jobs() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def add(subparsers: argparse._SubParsersAction) -> None:
    """Register ``mlp sweep``."""
    names = ", ".join(f"{h.name} ({h.help}, default {h.default})" for h in HYPERPARAMETERS.values())
    summary = "grid or random search of hyper-parameters, resumable, on one machine or Dask"
    parser = add_command(
        subparsers,
        "sweep",
        summary,
        (
            "Trains every configuration from each seed (mlp.train.train with early stopping "
            "on validation), appends one JSON line per task to OUT/results.jsonl as it "
            "finishes, then prints the configurations ranked by mean validation error and "
            "writes OUT/report.png. The same command again resumes: finished tasks are kept. "
            f"Hyper-parameters: {names}."
        ),
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", metavar="DIR", help="sweep folder (created; resumed if it exists)")
    what.add_argument(
        "--report", metavar="DIR", help="only print the summary of DIR and write DIR/report.png"
    )
    search = parser.add_argument_group("search")
    search.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        type=_argument_type(parse_values, "NAME=V1,V2,..."),
        help="values of one hyper-parameter (repeat the option for others)",
    )
    search.add_argument(
        "--range",
        action="append",
        default=[],
        metavar="NAME=LOW:HIGH[:log]",
        type=_argument_type(parse_range, "NAME=LOW:HIGH[:log]"),
        help="random search: draw NAME uniformly (or log-uniformly) in [LOW, HIGH]",
    )
    search.add_argument(
        "--random",
        type=positive_int,
        default=None,
        metavar="N",
        help="random search: N configurations drawn from the grid and ranges",
    )
    search.add_argument("--search-seed", type=nonnegative_int, default=0, help="seed of --random")
    search.add_argument("--epochs", type=positive_int, default=None, help="same as --grid epochs=N")
    search.add_argument(
        "--patience", type=positive_int, default=None, help="same as --grid patience=N"
    )
    search.add_argument(
        "--seeds", type=positive_int, default=3, help="seeds 0..N-1 per configuration"
    )
    where = parser.add_argument_group("where the tasks run").add_mutually_exclusive_group()
    where.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        help=f"parallel processes on this machine (default: the CPUs, here {_default_jobs()})",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run on the Dask cluster whose scheduler is at ADDRESS (e.g. tcp://host:8786)",
    )
    add_data_options(parser).add_argument(
        "--data-seed",
        type=nonnegative_int,
        default=0,
        help="seed of the validation split (circles: of the points too)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.set_defaults(func=run)


def sweep_spec(args: argparse.Namespace) -> SweepSpec:
    """The ``SweepSpec`` of the options: ``--epochs N`` and ``--patience N`` join the grid."""

    grid = list(args.grid)
    for name in ("epochs", "patience"):
        if getattr(args, name) is not None:
            grid.append(f"{name}={getattr(args, name)}")
    space = SearchSpace.parse(grid, args.range, args.random, args.search_seed)
    return SweepSpec(space, tuple(range(args.seeds)), data_options(args, args.data_seed))


def run(args: argparse.Namespace) -> int:
    """``mlp sweep``: run (or resume) the sweep, then report; or only report."""
    from mlp.sweep.report import describe, format_summary, write_report
    from mlp.sweep.run import run_sweep

    folder = args.report
    if folder is not None and (args.grid or args.range or args.random):
        raise ValueError("--report only reads DIR: give --grid, --range and --random with --out")
    if args.out is not None:
        folder = args.out
        spec = sweep_spec(args)
        varying = spec.space.varying()
        jobs = args.jobs if args.jobs is not None else _default_jobs()
        where = (
            f"the Dask cluster at {args.scheduler}" if args.scheduler else (f"{jobs} process(es)")
        )

        def on_start(pending: int, total: int) -> None:
            finished = f"{total - pending} finished in {folder}"
            print(f"{total} tasks, {finished}, {pending} to run on {where}")

        def on_result(row: dict[str, Any], done: int, total: int) -> None:
            if args.quiet:
                return
            what = f"{describe(row['config'], varying)} seed={row['seed']}".strip()
            if row["status"] == "ok":
                result = (
                    f"valid error {100 * row['valid_error']:.2f}% at epoch {row['best_epoch']} "
                    f"of {row['epochs_run']}"
                )
            else:
                result = "diverged"
            print(f"[{done}/{total}] {what}: {result}, {row['seconds']:.1f} s", flush=True)

        try:
            run_sweep(
                folder,
                spec,
                jobs=jobs,
                scheduler=args.scheduler,
                on_start=None if args.quiet else on_start,
                on_result=on_result,
            )
        except KeyboardInterrupt:
            print(
                f"interrupted: the finished tasks are kept in {folder}; "
                "run the same command again to resume",
                file=sys.stderr,
            )
            raise
    summary, png = write_report(folder)
    print(format_summary(summary))
    print(f"wrote {png}")
    return 0
