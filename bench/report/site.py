"""``modalbench leaderboard build``: a static site that works from ``file://``, offline.

The site is ``index.html`` (the overall table, sortable by clicking a header, then one
section per task: its models ranked within the task and an inline SVG plot of quality
against throughput), one page per model (every setting and library version of its runs),
and the table as CSV, JSON and Markdown. Pages are Jinja2 templates with autoescaping on,
so model names and every other string from a RunRecord render as text. Nothing is loaded
from the network: one stylesheet and one script sit beside the pages, and a
Content-Security-Policy allows nothing else.

The site is written to a temporary folder next to ``--out`` and moved into place, so a
failed build leaves the previous site untouched. An existing ``--out`` is replaced only
when it is empty or is a site modalbench built (it holds the marker file).
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

import bench
from bench.errors import UsageError
from bench.records.io import as_plain
from bench.report.formatting import number, signed
from bench.report.leaderboard import Board, build_board, card_reported
from bench.report.leaderboard_export import (
    aggregate_text,
    board_csv,
    board_json,
    board_markdown,
    cell_text,
)
from bench.report.leaderboard_spec import LeaderboardSpec, load_spec
from bench.report.leaderboard_tasks import board_tasks
from bench.report.pareto import layout
from bench.report.runs import load_runs

MARKER = ".modalbench-site"
ASSETS = ("site.css", "site.js")


@dataclass(frozen=True)
class SiteSummary:
    """What was built."""

    out: Path
    models: int
    columns: int
    missing_columns: tuple[str, ...]


def _raw(value: float | None) -> str:
    """A ``data-value`` for sorting: the number, or empty for missing."""
    return "" if value is None or not math.isfinite(value) else repr(float(value))


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested settings as ``(dotted.key, text)`` pairs, in order; leaves as JSON text."""
    if isinstance(value, dict) and value:
        pairs: list[tuple[str, str]] = []
        for key, item in value.items():
            pairs += flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return pairs
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return [(prefix, text)]


def _environment() -> Environment:
    folder = Path(str(resources.files("bench.report")))
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        raw=_raw,
        number=number,
        flatten=flatten,
        plain=as_plain,
        fmt=lambda v, c: number(v, c.digits, c.scale),
        fmt_signed=lambda v, c: signed(v, c.digits, c.scale),
        version=bench.__version__,
    )
    return env


def _references(board: Board) -> dict[str, int]:
    """Citation numbers by source text, in order of first appearance."""
    refs: dict[str, int] = {}
    sources = [c.reported.source for r in board.rows for c in r.cells if c.reported]
    sources += [r.source for r in board.unreproduced]
    for source in sources:
        refs.setdefault(source, len(refs) + 1)
    return refs


def write_site(board: Board, folder: Path, n_runs: int) -> None:
    """Render every file of the site into ``folder`` (which must exist)."""
    env = _environment()
    (folder / "assets").mkdir()
    (folder / "models").mkdir()
    package = resources.files("bench.report")
    for name in ASSETS:
        (folder / "assets" / name).write_bytes(package.joinpath(name).read_bytes())
    sections = board_tasks(board)
    context = {
        "board": board,
        "spec": board.spec,
        "refs": _references(board),
        "sections": [(section, layout(section)) for section in sections],
        "ranked": sum(1 for row in board.rows if row.rank is not None),
        "partial_cells": [
            (row, board.columns[j].column, cell)
            for row in board.rows
            for j, cell in enumerate(row.cells)
            if cell.partial
        ],
        "n_runs": n_runs,
        "aggregate_text": lambda v: aggregate_text(board, v),
        "cell_text": cell_text,
        "missing_columns": [c.column for c in board.columns if not c.has_runs],
    }
    index = env.get_template("site_index.html.jinja")
    (folder / "index.html").write_text(index.render(root="", **context), encoding="utf-8")
    page = env.get_template("site_model.html.jinja")
    for row in board.rows:
        html = page.render(root="../", row=row, **context)
        (folder / row.page).write_text(html, encoding="utf-8")
    (folder / "leaderboard.csv").write_text(board_csv(board), encoding="utf-8")
    data = json.dumps(board_json(board), indent=2, ensure_ascii=False, allow_nan=False)
    (folder / "leaderboard.json").write_text(data + "\n", encoding="utf-8")
    (folder / "leaderboard.md").write_text(board_markdown(board), encoding="utf-8")
    (folder / MARKER).write_text("built by modalbench leaderboard build\n", encoding="utf-8")


def _replace(out: Path, built: Path) -> None:
    """Move ``built`` to ``out``, replacing an empty folder or an earlier modalbench site."""
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"--out {out}: exists and is not a folder")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise UsageError(
                f"--out {out}: folder is not empty and was not built by modalbench "
                "(choose a new folder)"
            )
        shutil.rmtree(out)
    built.replace(out)


def build_leaderboard(
    spec: LeaderboardSpec, results: Path, *, include_partial: bool = False
) -> tuple[Board, int]:
    """The board of ``spec`` over the runs under ``results`` (and the number of runs read)."""
    runs = load_runs(results)
    tasks = sorted({c.task for c in spec.columns})
    board = build_board(spec, runs, card_reported(tasks), include_partial=include_partial)
    return board, len(runs)


def build_site(
    spec_path: Path, results: Path, out: Path, *, include_partial: bool = False
) -> SiteSummary:
    """Build the site of the spec at ``spec_path`` from ``results`` into ``out``
    (partial runs shown, marked and unranked, only with ``include_partial``)."""
    spec = load_spec(spec_path)
    board, n_runs = build_leaderboard(spec, results, include_partial=include_partial)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        write_site(board, staging, n_runs)
        staging.chmod(0o755)  # mkdtemp makes 0700 folders; a site is meant to be read
        _replace(out, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SiteSummary(
        out,
        len(board.rows),
        len(board.columns),
        tuple(c.column.id for c in board.columns if not c.has_runs),
    )
