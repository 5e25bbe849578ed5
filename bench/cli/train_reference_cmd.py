"""``modalbench train-reference``: retrain the bundled reference models from a seed."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register ``train-reference``."""
    p = subparsers.add_parser(
        "train-reference",
        help="retrain the bundled reference models from a seed",
        description=(
            "Train ref:shapes-clip, ref:shapes-captioner and ref:shapes-vqa on the shapes "
            "train splits (CPU, about 15 minutes on 2 cores). The sentiment probes need no "
            "training: they are fitted at evaluation time."
        ),
    )
    target = p.add_mutually_exclusive_group()
    target.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder to write the checkpoints into (default: a new reference-models-<time>/)",
    )
    target.add_argument(
        "--install",
        action="store_true",
        help="overwrite the bundled checkpoints that ref:NAME loads",
    )
    p.add_argument("--seed", type=int, default=0, help="model and data seed (default 0)")
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="train only this model (repeatable): shapes-clip, shapes-captioner, shapes-vqa",
    )
    p.add_argument(
        "--steps",
        type=int,
        default=None,
        metavar="N",
        help="override every model's optimisation steps (quick checks, not the shipped recipe)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Train, print progress and a timing summary."""
    from bench.errors import UsageError
    from bench.reference.manifest import CHECKPOINTS_DIR
    from bench.reference.training import TrainOptions, train_reference

    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    if args.steps is not None and args.steps < 1:
        raise UsageError(f"--steps must be at least 1, got {args.steps}")
    if args.install:
        out = CHECKPOINTS_DIR
    elif args.out is not None:
        out = args.out
    else:
        out = Path(f"reference-models-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    options = TrainOptions(seed=args.seed, only=tuple(args.only), steps=args.steps)
    timings = train_reference(
        out, options, report=lambda line: print(line, flush=True), replace_existing=args.install
    )
    print("\nseconds: " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    print(f"checkpoints in {out}")
    return 0
