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
            "Build a static site (index.html sortable table, per-model pages, Pareto plot, "
            "CSV/JSON/Markdown downloads) that works offline from file://. SPEC is a path or "
            "the name of a spec in leaderboards/ (e.g. shapes)."
        ),
    )
    build.add_argument("spec", metavar="SPEC", help="leaderboard spec (TOML) or its name")
    build.add_argument(
        "--results", type=Path, default=Path("results"), metavar="DIR", help="results folder"
    )
    build.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    build.set_defaults(handler=handle_build)


def handle_build(args: argparse.Namespace) -> int:
    """Build the site and print where it is."""
    from bench.report.leaderboard_spec import resolve_spec_path
    from bench.report.site import build_site

    summary = build_site(resolve_spec_path(args.spec), args.results, args.out)
    print(
        f"leaderboard: {summary.models} models x {summary.columns} columns -> "
        f"{summary.out / 'index.html'}"
    )
    if summary.missing_columns:
        print(f"leaderboard: no run yet for {', '.join(summary.missing_columns)} (marked missing)")
    return 0
