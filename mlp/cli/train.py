"""``mlp train``: train the one-hidden-layer MLP on a dataset and write the run's files."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

from mlp.cli.arguments import (
    add_command,
    add_lambda_options,
    nonnegative_float,
    nonnegative_int,
    output_folder,
    positive_float,
    positive_int,
    thread_count,
    unit_fraction,
)
from mlp.data import DATASET_CHOICES, DataOptions, Splits, load_splits

__all__ = ["add", "add_data_options", "data_options", "load_data", "run"]


def add(subparsers: argparse._SubParsersAction) -> None:
    """Register ``mlp train``."""
    summary = "train the one-hidden-layer MLP by minibatch SGD"
    parser = add_command(
        subparsers,
        "train",
        summary,
        (
            "Prints the six numbers of each epoch (train/valid/test error and mean "
            "loss) and writes OUT/metrics.csv, OUT/config.json, OUT/curves.png and "
            "OUT/model.npz (the parameters of the best validation epoch). The run works in "
            "OUT.incomplete/, saving one checkpoint per epoch (OUT.incomplete/checkpoint.npz, "
            "written whole or not at all), and renames it to OUT when it completes; a run "
            "stopped at any point (Ctrl-C, SIGTERM, SIGKILL, a full disk, divergence) keeps "
            "its finished epochs there for --resume, which continues with the numbers of a "
            "run that never stopped."
        ),
    )
    parser.add_argument(
        "--out", metavar="DIR", type=output_folder, required=True, help="output folder (created)"
    )
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument(
        "--overwrite",
        action="store_true",
        help="replace DIR (and any interrupted run of it) when this run completes",
    )
    existing.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run in DIR.incomplete (same options; --epochs may grow)",
    )
    parser.add_argument("--hidden", type=positive_int, default=100, help="hidden units d_h")
    parser.add_argument("--batch-size", type=positive_int, default=100, help="minibatch K")
    parser.add_argument("--lr", type=positive_float, default=0.1, help="learning rate")
    parser.add_argument(
        "--lr-decay",
        type=nonnegative_float,
        default=0.0,
        help="epoch t uses lr / (1 + decay (t - 1))",
    )
    parser.add_argument(
        "--momentum",
        type=unit_fraction,
        default=0.0,
        help="heavy-ball momentum mu in [0, 1): v <- mu v - lr grad, theta += v (0: plain SGD)",
    )
    parser.add_argument(
        "--shift",
        type=nonnegative_int,
        default=0,
        metavar="PIXELS",
        help="augmentation: move each training image by up to PIXELS pixels along each axis",
    )
    parser.add_argument("--epochs", type=positive_int, default=10, help="maximum epochs")
    parser.add_argument(
        "--patience",
        type=positive_int,
        default=None,
        help="stop after this many epochs without a better validation error",
    )
    parser.add_argument(
        "--seed",
        type=nonnegative_int,
        default=0,
        help="seed of the initialization, split and shuffling",
    )
    parser.add_argument(
        "--threads", type=thread_count, default=None, help="BLAS threads (default: all)"
    )
    add_lambda_options(parser)
    add_data_options(parser)
    parser.add_argument("--quiet", action="store_true", help="print only the final summary")
    parser.set_defaults(func=run)


def add_data_options(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The data group: the options of ``mlp.data.DataOptions`` but the seed; returns it."""
    data = parser.add_argument_group("data")
    data.add_argument(
        "--dataset", choices=DATASET_CHOICES, default="fashion-mnist", help="data set to train on"
    )
    data.add_argument(
        "--dtype", choices=("float32", "float64"), default="float32", help="floating-point type"
    )
    data.add_argument(
        "--n-valid",
        type=positive_int,
        default=None,
        help="validation examples (default: 10000 for images, 25%% of --n-points for circles)",
    )
    data.add_argument(
        "--standardize",
        choices=("global", "pixel", "none"),
        default="global",
        help="images: standardisation fitted on the training split",
    )
    data.add_argument("--data-dir", metavar="DIR", default=None, help="images: where to look first")
    data.add_argument(
        "--no-download", action="store_true", help="images: never download, use local files only"
    )
    data.add_argument(
        "--n-points", type=positive_int, default=1000, help="circles: training+validation"
    )
    data.add_argument("--noise", type=nonnegative_float, default=0.1, help="circles: noise")
    return data


def data_options(args: argparse.Namespace, seed: int) -> DataOptions:
    """The ``DataOptions`` of the options of ``add_data_options``, split with ``seed``.

    An option refused by ``DataOptions`` is named as an option (``--n-valid``, not
    ``n_valid``) in the error.
    """
    fields = {
        "dataset": args.dataset,
        "seed": seed,
        "dtype": args.dtype,
        "n_valid": args.n_valid,
        "standardize": args.standardize,
        "data_dir": args.data_dir,
        "download": not args.no_download,
        "n_points": args.n_points,
        "noise": args.noise,
    }
    try:
        return DataOptions(**fields)
    except ValueError as exc:
        name, _, rest = str(exc).partition(" ")
        if name in fields and name != "seed":
            raise ValueError(f"--{name.replace('_', '-')} {rest}") from exc
        raise


def load_data(args: argparse.Namespace) -> tuple[Splits, dict[str, Any]]:
    """The splits ``mlp train`` asks for and a description of them for ``config.json``."""
    return load_splits(data_options(args, args.seed))


def run_config(args: argparse.Namespace, description: dict[str, Any]) -> dict[str, Any]:
    """The run's full configuration, written to ``config.json`` before the first epoch."""
    return {
        "command": "mlp train",
        "dataset": description,
        "d_h": args.hidden,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "lr_decay": args.lr_decay,
        "momentum": args.momentum,
        "shift": args.shift,
        "epochs": args.epochs,
        "patience": args.patience,
        **{name: getattr(args, name) for name in ("l11", "l12", "l21", "l22")},
        "dtype": args.dtype,
        "threads": args.threads,
        "init_seed": args.seed,
        "split_seed": args.seed,
        "shuffle_seed": args.seed,
    }


def run(args: argparse.Namespace) -> int:
    """``mlp train``: load the data, train in OUT.incomplete, write the files, rename to OUT."""
    import matplotlib

    if not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    from mlp.network import MLP
    from mlp.records import METRIC_NAMES
    from mlp.runs import RunFolder
    from mlp.train import train

    folder = RunFolder(args.out, overwrite=args.overwrite, resume=args.resume)
    splits, description = load_data(args)
    net = MLP(
        splits.n_features,
        args.hidden,
        splits.n_classes,
        l11=args.l11,
        l12=args.l12,
        l21=args.l21,
        l22=args.l22,
        seed=args.seed,
        dtype=np.dtype(args.dtype),
    )
    config = run_config(args, description)
    state = folder.start(config, net)  # with --resume, net gets the checkpoint's parameters
    try:
        if state is not None:
            print(f"resuming {folder.work} after epoch {state.epoch}")
        if not args.quiet:
            print(f"{net!r} on {args.dataset}: {len(splits.y_train)} training examples")
        history = train(
            net,
            splits,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            lr_decay=args.lr_decay,
            momentum=args.momentum,
            shift=args.shift,
            patience=args.patience,
            seed=args.seed,
            csv_path=folder.work / "metrics.csv",
            verbose=not args.quiet,
            threads=args.threads,
            resume=state,
            on_checkpoint=folder.checkpoint,
        )
        best = history.best
        config.update(history.config)
        config["result"] = {
            "epochs_run": len(history),
            "best_epoch": history.best_epoch,
            "stopped_early": history.stopped_early,
            "restored_best": history.restored_best,
            **{name: getattr(best, name) for name in METRIC_NAMES},
            "train_seconds": float(history.column("seconds").sum()),
        }
        from mlp.plots import plot_learning_curves  # matplotlib only once there is a result

        figure = plot_learning_curves(history, title=f"{args.dataset}, d_h = {args.hidden}")
        metadata = {"dataset": args.dataset, "best_epoch": best.epoch}
        try:
            out = folder.finish(net, config, figure, metadata)
        finally:
            import matplotlib.pyplot as plt

            plt.close(figure)  # a command run in a process that goes on keeps no figure
    except BaseException as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        if folder.committed:
            print(f"the run is complete in {folder.target}", file=sys.stderr)
        else:
            folder.abandon(reason)
            saved = folder.epochs_saved  # as the checkpoint on disk says
            if saved:
                print(
                    f"kept the {saved} finished epoch(s) in {folder.work} (continue with "
                    "--resume, or start again with --overwrite)",
                    file=sys.stderr,
                )
        raise
    finally:
        folder.release()
    for note in folder.notes:
        print(f"mlp train: note: {note}", file=sys.stderr)
    print(history.summary())
    print(f"wrote {out / 'metrics.csv'}, config.json, curves.png, model.npz")
    return 0
