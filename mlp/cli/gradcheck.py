"""``mlp gradcheck``: the finite-difference table of C1, for any small network."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from mlp.cli.arguments import (
    add_command,
    add_lambda_options,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
)

__all__ = ["add", "run"]


def add(subparsers: argparse._SubParsersAction) -> None:
    """Register ``mlp gradcheck``."""
    summary = "compare bprop with finite differences on two-circles examples"
    parser = add_command(
        subparsers,
        "gradcheck",
        summary,
        (
            "Prints one row per scalar parameter (analytic, numeric, ratio) for a float64 "
            "network with d = 2 inputs and 2 classes. A row agrees when analytic/numeric lies "
            "in [0.99, 1.01] or |analytic - numeric| <= ABS_TOL; the command exits with status "
            "1 if a row (not skipped at a kink) disagrees."
        ),
    )
    parser.add_argument("--hidden", type=positive_int, default=2, help="hidden units d_h")
    parser.add_argument(
        "--examples",
        type=positive_int,
        default=1,
        help="batch size: this many two-circles examples, alternating the classes",
    )
    parser.add_argument("--eps", type=positive_float, default=1e-5, help="finite step")
    parser.add_argument("--method", choices=("forward", "central"), default="forward")
    parser.add_argument(
        "--abs-tol",
        type=nonnegative_float,
        default=None,
        metavar="ABS_TOL",
        help="a row whose ratio is outside [0.99, 1.01] still agrees if |analytic - numeric| "
        "is at most ABS_TOL (default: 1e-4 x the largest |numeric| of the table + sqrt(float64 "
        "machine epsilon) = 1.5e-8; it does not grow with --eps)",
    )
    parser.add_argument("--loop", action="store_true", help="check LoopMLP instead of MLP")
    parser.add_argument(
        "--seed", type=nonnegative_int, default=0, help="seed of the data and initialization"
    )
    add_lambda_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``mlp gradcheck``: print the finite-difference table; status 1 if a row fails."""
    from mlp.data import balanced_examples
    from mlp.gradcheck import check_gradients
    from mlp.network import MLP, LoopMLP

    X, y = balanced_examples(args.examples, seed=args.seed)
    cls = LoopMLP if args.loop else MLP
    net = cls(
        2, args.hidden, 2, l11=args.l11, l12=args.l12, l21=args.l21, l22=args.l22, seed=args.seed
    )
    _check_step(net, args.eps)
    report = check_gradients(net, X, y, eps=args.eps, method=args.method, abs_tol=args.abs_tol)
    print(f"{net!r}, batch of {len(y)} examples (labels {y.tolist()})")
    print(report)
    if not report.passed():
        raise RuntimeError(f"gradient check failed for {len(report.failures())} parameters")
    return 0


def _check_step(net: Any, eps: float) -> None:
    """Refuse a step that rounds away: if theta + eps == theta (or theta - eps == theta) in
    the network's dtype for some parameter, the difference quotient would divide by zero."""
    for name, theta in net.params().items():
        step = theta.dtype.type(eps)
        stuck = ((theta + step) == theta) | ((theta - step) == theta)
        if stuck.any():
            index = tuple(int(i) for i in np.argwhere(stuck)[0])
            value = float(theta[index])
            where = f"{name}[{', '.join(map(str, index))}]"
            raise ValueError(
                f"--eps {eps:g} is too small for {theta.dtype}: {where} = {value:.6g} plus or "
                f"minus {eps:g} rounds back to {value:.6g}, and a finite difference would "
                "divide by zero; use a step of 1e-8 or more (the default is 1e-5)"
            )
