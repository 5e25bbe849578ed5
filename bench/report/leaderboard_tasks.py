"""One section per task of a leaderboard: models ranked within the task, and their speed.

A task's rank is the place by the task's first column among models with a comparable run
(1 = best; ties share the better place). Models whose value comes from a partial run
(``--include-partial``) are listed after the ranked ones, marked and unranked. The speed
is the run's end-to-end rate when the record has it, else its model-time rate, and the
section says which (a task never mixes the two: when any run lacks the end-to-end rate,
the model-time rate is shown for all).
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.report.leaderboard import Board, BoardColumn, BoardRow, Cell
from bench.report.runs import Run, end_to_end_rate, hardware_label

END_TO_END = "end-to-end samples/s"
MODEL_TIME = "model-time samples/s"


@dataclass(frozen=True)
class TaskEntry:
    """One model in one task's section."""

    rank: int | None
    row: BoardRow
    cells: tuple[Cell, ...]
    rate: float | None
    hardware: str
    partial: str


@dataclass(frozen=True)
class BoardTask:
    """A task's section: its columns, its models in rank order, and the rate shown."""

    task: str
    anchor: str
    columns: tuple[BoardColumn, ...]
    entries: tuple[TaskEntry, ...]
    rate_label: str


def _run_of(row: BoardRow, task: str) -> Run | None:
    return next((r for r in row.runs if r.record.task.name == task), None)


def board_tasks(board: Board) -> list[BoardTask]:
    """The sections, in the order the spec first names each task."""
    order: list[str] = []
    for column in board.columns:
        if column.column.task not in order:
            order.append(column.column.task)
    sections = []
    for number, task in enumerate(order, start=1):
        indexes = [j for j, c in enumerate(board.columns) if c.column.task == task]
        found: list[tuple[BoardRow, Run, tuple[Cell, ...]]] = []
        for row in board.rows:
            run = _run_of(row, task)
            cells = tuple(row.cells[j] for j in indexes)
            if run is not None and any(c.value is not None for c in cells):
                found.append((row, run, cells))
        use_end_to_end = bool(found) and all(
            end_to_end_rate(run.record) is not None for _, run, _ in found
        )
        entries = []
        for row, run, cells in found:
            first = cells[0]
            rate = (
                end_to_end_rate(run.record)
                if use_end_to_end
                else run.record.throughput.samples_per_s
            )
            entries.append(
                TaskEntry(first.rank, row, cells, rate, hardware_label(run.record), first.partial)
            )
        entries.sort(key=lambda e: (e.rank is None, e.rank or 0, e.row.name))
        sections.append(
            BoardTask(
                task=task,
                anchor=f"task-{number}",
                columns=tuple(board.columns[j] for j in indexes),
                entries=tuple(entries),
                rate_label=END_TO_END if use_end_to_end else MODEL_TIME,
            )
        )
    return sections
