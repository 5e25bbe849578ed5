"""``modalbench table``: the comparable RunRecords as one table per task."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register ``table``."""
    p = subparsers.add_parser(
        "table",
        help="print the latest comparable results, one table per task",
        description=(
            "One table per task: per model its headline metrics with bootstrap 95%% CIs, n, "
            "failed samples, samples per second (model time; end to end when recorded) and "
            "hardware, from the newest full run on the task's reference data. --limit runs, "
            "runs on other data and runs with too many failures are left out unless "
            "--include-partial is given, and then marked with a dagger and a footnote."
        ),
    )
    p.add_argument("results", nargs="?", type=Path, default=Path("results"), metavar="RESULTS_DIR")
    p.add_argument("--format", choices=["md", "csv", "html", "latex"], default="md")
    p.add_argument(
        "--wide",
        action="store_true",
        help="one row per model with every task side by side (CSV: one numeric row per model)",
    )
    p.add_argument(
        "--include-partial",
        action="store_true",
        help="also show --limit runs, runs on other data and runs over --max-failures, marked",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the tables; say on stderr what was left out."""
    from bench.report.table import load_records, table_report

    report = table_report(
        load_records(args.results),
        args.format,
        wide=args.wide,
        include_partial=args.include_partial,
    )
    print(report.text)
    if report.note:
        print(f"modalbench: {report.note}", file=sys.stderr)
    return 0
