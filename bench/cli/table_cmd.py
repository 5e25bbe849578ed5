"""``modalbench table``: the latest RunRecords as a model x task table."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register ``table``."""
    p = subparsers.add_parser(
        "table",
        help="print the latest results as a model x task table",
        description=(
            "One row per model; per task its headline metrics with bootstrap 95%% CIs, "
            "samples per second and failed samples (newest run of each pair)."
        ),
    )
    p.add_argument("results", nargs="?", type=Path, default=Path("results"), metavar="RESULTS_DIR")
    p.add_argument("--format", choices=["md", "csv", "html", "latex"], default="md")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the table."""
    from bench.report.table import table

    print(table(args.results, args.format))
    return 0
