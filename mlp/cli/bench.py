"""``mlp bench``: time one training epoch of every method (see ``mlp.bench``)."""

from __future__ import annotations

import argparse
import sys

from mlp.cli.arguments import (
    add_command,
    int_list,
    nonnegative_int,
    positive_float,
    positive_int,
)

__all__ = ["add", "run"]


def _batches_or_all(text: str) -> int | None:
    """``all`` (None: whole epochs) or an integer >= 0."""
    return None if text == "all" else nonnegative_int(text)


def _thread_batches(text: str) -> int | None:
    """``all`` (None: whole epochs) or an integer >= 1."""
    return None if text == "all" else positive_int(text)


def add(subparsers: argparse._SubParsersAction) -> None:
    """Register ``mlp bench``."""
    summary = "time one training epoch: loop, matrix, its products alone, PyTorch"
    parser = add_command(
        subparsers,
        "bench",
        summary,
        (
            "Every method runs in every repetition, interleaved; prints median "
            "seconds and same-run ratios and writes them, with the raw times, to a JSON file. "
            "PyTorch is timed when it is installed (see benchmarks/README.md)."
        ),
    )
    parser.add_argument("--repeats", type=positive_int, default=3, help="repetitions per timing")
    parser.add_argument(
        "--dtypes", default="float32,float64", help="comma-separated: float32, float64"
    )
    parser.add_argument("--hidden", type=int_list, default="100,256", help="d_h values")
    parser.add_argument(
        "--threads",
        type=int_list,
        default="1,2",
        help="BLAS thread counts; all methods run at the first, fused and products at all",
    )
    parser.add_argument("--batch-size", type=positive_int, default=100, help="minibatch size K")
    parser.add_argument("--lr", type=positive_float, default=0.1, help="learning rate")
    parser.add_argument(
        "--loop-batches",
        type=_batches_or_all,
        default=10,
        metavar="N",
        help="minibatches of the loop version to time, scaled to the epoch ('all': whole "
        "epochs, 0: skip the loop)",
    )
    parser.add_argument(
        "--thread-batches",
        type=_thread_batches,
        default=100,
        metavar="N",
        help="minibatches timed at the thread counts after the first, scaled to the epoch "
        "('all': whole epochs)",
    )
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument(
        "--accuracy-epochs",
        type=nonnegative_int,
        default=10,
        help="epochs of the float32 versus float64 accuracy check (0: skip it)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and orders")
    parser.add_argument(
        "--json", metavar="PATH", default="mlp-bench.json", help="where to write the results"
    )
    parser.add_argument("--no-json", action="store_true", help="do not write the JSON file")
    parser.add_argument("--data-dir", metavar="DIR", default=None, help="where to look first")
    parser.add_argument("--no-download", action="store_true", help="use local files only")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``mlp bench``: run the benchmark, print the tables, write the JSON file."""
    from mlp.bench import load_bench_data, run_benchmark, torch_available

    dtypes = [part.strip() for part in args.dtypes.split(",") if part.strip()]
    data = load_bench_data(args.data_dir, download=not args.no_download)
    with_torch = "no" if args.no_torch or not torch_available() else "yes"
    print(f"{data.source}; PyTorch: {with_torch}")
    result = run_benchmark(
        data,
        dtypes=dtypes,
        hidden=args.hidden,
        threads=args.threads,
        repeats=args.repeats,
        batch_size=args.batch_size,
        lr=args.lr,
        loop_batches=args.loop_batches,
        thread_batches=args.thread_batches,
        use_torch=False if args.no_torch else None,
        accuracy_epochs=args.accuracy_epochs,
        seed=args.seed,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(result.table())
    if not args.no_json:
        print(f"wrote {result.write_json(args.json)}")
    return 0
