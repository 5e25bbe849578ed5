"""``modalbench leaderboard build``: a static leaderboard site from a spec and results."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register ``leaderboard`` and its ``build`` action."""
    p = subparsers.add_parser(
        "leaderboard",
        help="build a static leaderboard site",
        description="Build static leaderboard sites from leaderboard specs (TOML).",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    actions.required = True
    build = actions.add_parser(
        "build",
        help="build the site of a spec",
        description=(
            "Build a static site (index.html: the sortable overall table, then per task its "
            "models ranked within the task and a quality vs throughput plot; per-model pages; "
            "CSV/JSON/Markdown downloads) that works offline from file://. Only comparable "
            "runs fill a cell, and only models that ran every task get an overall rank. SPEC "
            "is a path or the name of a spec in leaderboards/ (e.g. shapes)."
        ),
    )
    build.add_argument("spec", metavar="SPEC", help="leaderboard spec (TOML) or its name")
    build.add_argument(
        "--results", type=Path, default=Path("results"), metavar="DIR", help="results folder"
    )
    build.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    build.add_argument(
        "--include-partial",
        action="store_true",
        help=(
            "fill otherwise missing cells with --limit runs, runs on other data or runs over "
            "--max-failures, marked with a dagger and never ranked"
        ),
    )
    build.set_defaults(handler=handle_build)


def handle_build(args: argparse.Namespace) -> int:
    """Build the site and print where it is."""
    from bench.report.leaderboard_spec import resolve_spec_path
    from bench.report.site import build_site

    summary = build_site(
        resolve_spec_path(args.spec),
        args.results,
        args.out,
        include_partial=args.include_partial,
    )
    print(
        f"leaderboard: {summary.models} models x {summary.columns} columns -> "
        f"{summary.out / 'index.html'}"
    )
    if summary.missing_columns:
        print(f"leaderboard: no run yet for {', '.join(summary.missing_columns)} (marked missing)")
    return 0
