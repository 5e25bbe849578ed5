"""A leaderboard's content: rows of models, cells of metrics, aggregate and order.

Built from a :class:`LeaderboardSpec` and the newest run of each (task, model) pair. A
column whose task or metric has no run gives every model a missing cell (never an error);
reported numbers come from the spec and from the dataset cards of the columns' tasks (the
spec wins when both give one for the same model, task and metric).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from bench.records.io import slug
from bench.report.leaderboard_spec import Column, LeaderboardSpec, Reported
from bench.report.ranking import mean_rank, normalized_mean
from bench.report.runs import Run, latest_runs


@dataclass(frozen=True)
class Cell:
    """One model's value in one column (None: missing, ``note`` says why)."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    reported: Reported | None
    note: str = ""

    @property
    def reported_delta(self) -> float | None:
        """Reproduced minus reported, when both exist."""
        if self.value is None or self.reported is None:
            return None
        return self.value - self.reported.value


@dataclass(frozen=True)
class BoardColumn:
    """A spec column and what the runs say about it."""

    column: Column
    higher_is_better: bool
    has_runs: bool


@dataclass(frozen=True)
class BoardRow:
    """One model: its cells, aggregate, throughput and the runs behind them."""

    rank: int
    model: str
    name: str
    page: str
    cells: tuple[Cell, ...]
    aggregate: float | None
    throughput: float | None
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class Board:
    """Everything a leaderboard site shows."""

    spec: LeaderboardSpec
    columns: tuple[BoardColumn, ...]
    rows: tuple[BoardRow, ...]
    unreproduced: tuple[Reported, ...]
    as_of: str | None

    @property
    def aggregate_higher_is_better(self) -> bool:
        """Mean rank: lower is better; mean normalized score: higher is better."""
        return self.spec.aggregate != "mean-rank"


def model_page(spec: str) -> str:
    """The site-relative page of a model: a safe slug plus a hash (slugs can collide)."""
    digest = hashlib.sha256(spec.encode()).hexdigest()[:10]
    return f"models/{slug(spec)[:60]}-{digest}.html"


def card_reported(tasks: Sequence[str]) -> list[Reported]:
    """Published numbers from the built-in dataset cards of ``tasks``."""
    from modalbench_tasks.catalog import CARDS_DIR, CardCatalog

    cards = CardCatalog(CARDS_DIR).cards
    return [
        Reported(r.model, task, r.metric, r.value, r.source)
        for task in tasks
        if task in cards
        for r in cards[task].reported
    ]


def _throughput(runs: Sequence[Run]) -> float | None:
    """Geometric mean of the runs' measured samples per second (None if none measured)."""
    rates = [
        r.record.throughput.samples_per_s
        for r in runs
        if r.record.throughput.samples_per_s is not None and r.record.throughput.samples_per_s > 0
    ]
    if not rates:
        return None
    return math.exp(sum(math.log(x) for x in rates) / len(rates))


def _cell(run: Run | None, column: Column, reported: Reported | None) -> Cell:
    if run is None:
        return Cell(None, None, None, reported, f"no run of {column.task}")
    entry = run.record.metrics.get(column.metric)
    if entry is None:
        return Cell(None, None, None, reported, f"the run has no metric {column.metric}")
    return Cell(entry.value, entry.ci_low, entry.ci_high, reported)


def _direction(column: Column, runs: Sequence[Run]) -> tuple[bool, bool]:
    """(higher_is_better, has_runs) of a column, from the first run reporting its metric."""
    for run in runs:
        entry = run.record.metrics.get(column.metric)
        if run.record.task.name == column.task and entry is not None:
            return entry.higher_is_better, True
    return True, False


def _sort_key(
    board_columns: Sequence[BoardColumn], spec: LeaderboardSpec, aggregate_hib: bool
) -> tuple[int | None, bool]:
    """Which value to sort by (None: aggregate, -1: throughput, else column index), and
    whether larger values come first."""
    if spec.sort_by == "aggregate":
        index, natural_desc = None, aggregate_hib
    elif spec.sort_by == "throughput":
        index, natural_desc = -1, True
    else:
        index = next(i for i, c in enumerate(board_columns) if c.column.id == spec.sort_by)
        natural_desc = board_columns[index].higher_is_better
    descending = natural_desc if spec.sort_order is None else spec.sort_order == "desc"
    return index, descending


def build_board(
    spec: LeaderboardSpec, runs: Sequence[Run], extra_reported: Sequence[Reported] = ()
) -> Board:
    """Assemble the leaderboard from the runs (newest per pair is used)."""
    latest = [r for r in latest_runs(runs) if spec.models.accepts(r.record.model.spec)]
    tasks = {c.task for c in spec.columns}
    by_pair = {r.key: r for r in latest if r.record.task.name in tasks}
    models = sorted({model for _, model in by_pair})
    reported = {(r.model, r.task, r.metric): r for r in (*extra_reported, *spec.reported)}
    board_columns = tuple(
        BoardColumn(c, *_direction(c, list(by_pair.values()))) for c in spec.columns
    )

    def find_reported(model: str, column: Column) -> Reported | None:
        for alias in (model, spec.models.display(model)):
            hit = reported.get((alias, column.task, column.metric))
            if hit is not None:
                return hit
        return None

    grid = [
        tuple(_cell(by_pair.get((c.task, m)), c, find_reported(m, c)) for c in spec.columns)
        for m in models
    ]
    matrix = [[cell.value for cell in row] for row in grid]
    directions = [c.higher_is_better for c in board_columns]
    if spec.aggregate == "mean-rank":
        aggregates = mean_rank(matrix, directions)
    else:
        aggregates = normalized_mean(matrix, directions, [c.bounds for c in spec.columns])
    aggregate_hib = spec.aggregate != "mean-rank"
    model_runs = [tuple(r for (t, m2), r in sorted(by_pair.items()) if m2 == m) for m in models]
    throughputs = [_throughput(rs) for rs in model_runs]
    index, descending = _sort_key(board_columns, spec, aggregate_hib)

    def key(i: int) -> tuple[bool, float, str]:
        value = (
            aggregates[i] if index is None else throughputs[i] if index == -1 else matrix[i][index]
        )
        if value is None:
            return (True, 0.0, spec.models.display(models[i]))
        return (False, -value if descending else value, spec.models.display(models[i]))

    order = sorted(range(len(models)), key=key)
    rows = tuple(
        BoardRow(
            rank=place,
            model=models[i],
            name=spec.models.display(models[i]),
            page=model_page(models[i]),
            cells=grid[i],
            aggregate=aggregates[i],
            throughput=throughputs[i],
            runs=model_runs[i],
        )
        for place, i in enumerate(order, start=1)
    )
    shown = {name for m in models for name in (m, spec.models.display(m))}
    columns = {(c.task, c.metric) for c in spec.columns}
    unreproduced = tuple(
        r
        for _, r in sorted(reported.items())
        if (r.task, r.metric) in columns and r.model not in shown
    )
    finished = [r.record.finished_at for r in by_pair.values()]
    return Board(spec, board_columns, rows, unreproduced, max(finished) if finished else None)
