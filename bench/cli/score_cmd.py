"""``modalbench score FAMILY --predictions F --references F [--metrics A,B] [--json]``.

A thin layer over :func:`bench.scoring.score`. Imports nothing heavy before parsing, and
the scoring path for text metrics never imports torch.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

FAMILY_CHOICES = ("captioning", "vqa", "retrieval", "sentiment")


def add_parser(subparsers: Any) -> None:
    """Register the ``score`` subcommand."""
    parser = subparsers.add_parser(
        "score",
        help="score a predictions file against references",
        description="Score predictions against references with the reference "
        "implementations' definitions (pycocoevalcap, official VQA, CLIP_benchmark, MMSA).",
    )
    parser.add_argument("family", choices=FAMILY_CHOICES)
    parser.add_argument("--predictions", required=True, help="predictions file (.json/.npy)")
    parser.add_argument("--references", required=True, help="references file (.json)")
    parser.add_argument("--metrics", default=None, help="comma-separated metric names")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--bootstrap", type=int, default=1000, help="bootstrap resamples for 95%% CIs (0: none)"
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument(
        "--tokenizer",
        choices=("python", "java"),
        default="python",
        help="captioning: PTB tokenizer implementation",
    )
    parser.set_defaults(handler=run)


def _fmt(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.4f}"


def run(args: argparse.Namespace) -> int:
    """Score and print; returns the exit code."""
    from bench.scoring import score

    metrics = args.metrics.split(",") if args.metrics else None
    report = score(
        args.family,
        args.predictions,
        args.references,
        metrics=metrics,
        bootstrap=args.bootstrap,
        seed=args.seed,
        tokenizer=args.tokenizer,
    )
    missing = report.details.get("missing_predictions", 0)
    if missing:
        print(
            f"modalbench: note: {missing} reference item(s) had no prediction and were "
            "scored as wrong",
            file=sys.stderr,
        )
    identical = report.details.get("questions_with_identical_answer_dicts", 0)
    if identical:
        print(
            f"modalbench: note: {identical} question(s) have answer dicts that are equal "
            "(no distinct answer_id); scored as the official evaluation does, which leaves "
            "every equal copy out together",
            file=sys.stderr,
        )
    for name, reason in report.details.get("skipped", {}).items():
        print(f"modalbench: note: {name} skipped: {reason}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, sort_keys=False))
        return 0
    rows = [("metric", "value", "95% CI")]
    for name, value in report.values.items():
        low, high = report.ci[name]
        interval = f"[{_fmt(low)}, {_fmt(high)}]" if low is not None else "n/a"
        rows.append((name, _fmt(value), interval))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for i, row in enumerate(rows):
        print(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}".rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    return 0
