"""A leaderboard's table as downloadable CSV, JSON and Markdown.

CSV and JSON carry raw values on the RunRecord's scale (fractions in [0, 1]); Markdown
carries what the site shows (each column's display scale and digits).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from bench.report.comparable import DAGGER
from bench.report.formatting import (
    csv_safe,
    markdown_table,
    markdown_text,
    number,
    signed,
    with_ci,
)
from bench.report.leaderboard import Board, Cell
from bench.report.leaderboard_spec import Column
from bench.report.leaderboard_tasks import BoardTask, board_tasks


def aggregate_text(board: Board, value: float | None) -> str:
    """The aggregate as displayed (mean rank: 2 decimals; normalized score: 3)."""
    return number(value, 2 if board.spec.aggregate == "mean-rank" else 3)


def cell_text(cell: Cell, column: Column) -> str:
    """A cell as displayed: value [CI] (reported R, delta D) or ``missing``."""
    if cell.value is None:
        text = "missing"
    else:
        text = with_ci(cell.value, cell.ci_low, cell.ci_high, column.digits, column.scale)
        if cell.partial:
            text += f" {DAGGER}"
    if cell.reported is not None:
        reported = number(cell.reported.value, column.digits, column.scale)
        text += f" (reported {reported}"
        if cell.reported_delta is not None:
            text += f", delta {signed(cell.reported_delta, column.digits, column.scale)}"
        text += ")"
    return text


def board_json(board: Board) -> dict[str, Any]:
    """The table as JSON: columns, rows with raw values, reported numbers and sources."""

    def cell_json(cell: Cell) -> dict[str, Any]:
        reported = cell.reported
        return {
            "value": cell.value,
            "ci_low": cell.ci_low,
            "ci_high": cell.ci_high,
            "missing": cell.value is None,
            "note": cell.note,
            "rank_in_column": cell.rank,
            "partial": cell.partial or None,
            "reported": None
            if reported is None
            else {"value": reported.value, "source": reported.source},
            "reported_delta": cell.reported_delta,
        }

    return {
        "title": board.spec.title,
        "aggregate": board.spec.aggregate,
        "as_of": board.as_of,
        "columns": [
            {
                "id": c.column.id,
                "task": c.column.task,
                "metric": c.column.metric,
                "label": c.column.label,
                "higher_is_better": c.higher_is_better,
                "has_runs": c.has_runs,
            }
            for c in board.columns
        ],
        "rows": [
            {
                "rank": row.rank,
                "model": row.model,
                "name": row.name,
                "aggregate": row.aggregate,
                "samples_per_s": row.throughput,
                "cells": {
                    c.column.id: cell_json(cell)
                    for c, cell in zip(board.columns, row.cells, strict=True)
                },
            }
            for row in board.rows
        ],
        "reported_without_runs": [
            {
                "model": r.model,
                "task": r.task,
                "metric": r.metric,
                "value": r.value,
                "source": r.source,
            }
            for r in board.unreproduced
        ],
    }


def board_csv(board: Board) -> str:
    """One line per model; per column its value, CI, reported number and delta (raw scale)."""
    records: list[dict[str, Any]] = []
    for row in board.rows:
        line: dict[str, Any] = {
            "rank": row.rank,
            "model": csv_safe(row.model),
            "name": csv_safe(row.name),
            "aggregate": row.aggregate,
            "samples_per_s": row.throughput,
        }
        for c, cell in zip(board.columns, row.cells, strict=True):
            key = c.column.id
            line[key] = cell.value
            line[f"{key} ci_low"] = cell.ci_low
            line[f"{key} ci_high"] = cell.ci_high
            line[f"{key} rank"] = cell.rank
            line[f"{key} partial"] = csv_safe(cell.partial)
            line[f"{key} reported"] = cell.reported.value if cell.reported else None
            line[f"{key} reported_delta"] = cell.reported_delta
        records.append(line)
    return str(pd.DataFrame.from_records(records).to_csv(index=False, float_format="%.6g"))


def _rank_text(rank: int | None) -> str:
    return "-" if rank is None else str(rank)


def _task_markdown(section: BoardTask) -> str:
    """One task's section: models ranked within the task, with their rate and hardware."""
    header = [
        "rank in task",
        "model",
        *(c.column.label for c in section.columns),
        section.rate_label,
        "hardware",
    ]
    rows = [
        [
            _rank_text(entry.rank),
            entry.row.name + (f" {DAGGER}" if entry.partial else ""),
            *(
                cell_text(replace(cell, reported=None), c.column)
                for c, cell in zip(section.columns, entry.cells, strict=True)
            ),
            number(entry.rate, 1),
            entry.hardware,
        ]
        for entry in section.entries
    ]
    return f"## {markdown_text(section.task)}\n\n" + markdown_table(header, rows) + "\n"


def board_markdown(board: Board) -> str:
    """The overall table then one table per task, as displayed (names escaped)."""
    header = [
        "#",
        "model",
        board.spec.aggregate_label,
        *(c.column.label for c in board.columns),
        "samples/s",
    ]
    rows = [
        [
            _rank_text(row.rank),
            row.name,
            aggregate_text(board, row.aggregate),
            *(cell_text(cell, c.column) for c, cell in zip(board.columns, row.cells, strict=True)),
            number(row.throughput, 1),
        ]
        for row in board.rows
    ]
    text = f"# {markdown_text(board.spec.title)}\n\n" + markdown_table(header, rows) + "\n"
    unranked = sum(1 for row in board.rows if row.rank is None)
    if unranked:
        text += (
            f"\nRank `-`: {unranked} model(s) without a comparable run of every task of this "
            "board are listed without an overall rank.\n"
        )
    notes = [
        f"{DAGGER} {row.name}, {c.column.label}: {cell.partial}"
        for row in board.rows
        for c, cell in zip(board.columns, row.cells, strict=True)
        if cell.partial
    ]
    if notes:
        text += "\n" + "\n".join(markdown_text(n) + "  " for n in notes).rstrip() + "\n"
    for section in board_tasks(board):
        text += "\n" + _task_markdown(section)
    return text
