"""``modalbench compare``: the regression gate between a baseline and a candidate."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from exc


def add_parser(subparsers: Any) -> None:
    """Register ``compare``."""
    from bench.report.compare import DEFAULT_RESAMPLES

    p = subparsers.add_parser(
        "compare",
        help="regression gate: compare two runs or results folders",
        description=(
            "Match the runs of CANDIDATE to those of BASELINE by task (and dataset "
            "fingerprint), list every difference of configuration and environment, test "
            "every metric with a paired clustered bootstrap, and exit 1 when a headline "
            "metric is significantly worse than the baseline by more than --max-drop "
            "(one-sided tests, Holm-Bonferroni over the headline metrics at family-wise "
            "--alpha). Exit 2 for bad input, including runs on different data."
        ),
    )
    p.add_argument("baseline", type=Path, metavar="BASELINE", help="run folder or results folder")
    p.add_argument("candidate", type=Path, metavar="CANDIDATE", help="run folder or results folder")
    p.add_argument(
        "--alpha",
        type=_number,
        default=0.05,
        metavar="A",
        help="family-wise error rate over all headline tests (0.05)",
    )
    p.add_argument(
        "--max-drop",
        type=_number,
        default=0.0,
        metavar="X",
        help="tolerated drop, in metric units (0.01 = 1 point of accuracy): a metric "
        "regresses when it is significantly worse by more than this",
    )
    p.add_argument(
        "--resamples",
        type=int,
        default=DEFAULT_RESAMPLES,
        metavar="B",
        help=f"paired bootstrap resamples ({DEFAULT_RESAMPLES})",
    )
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seeds the resamples (0)")
    p.add_argument("--format", choices=["md", "json"], default="md", help="report format (md)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the report; the exit code is the gate's answer (0 pass, 1 regression)."""
    from bench.report.compare import compare

    report = compare(
        args.baseline,
        args.candidate,
        alpha=args.alpha,
        max_drop=args.max_drop,
        resamples=args.resamples,
        seed=args.seed,
    )
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2, allow_nan=False))
    else:
        print(report.to_markdown())
    return report.exit_code
