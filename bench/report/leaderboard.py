"""A leaderboard's content: rows of models, cells of metrics, ranks within each task and
an overall rank only where it means something.

Built from a :class:`LeaderboardSpec` and the newest *comparable* run of each (task, model)
pair (:mod:`bench.report.comparable`): ``--limit`` runs, runs on other data and runs over
their ``--max-failures`` never fill a cell; with ``include_partial`` they fill an otherwise
missing cell, marked, and take no part in any rank. Each cell carries its rank within its
column. The overall rank (by the aggregate) is given only to models with a comparable value
in every column that has one; the others are listed below it without a rank. Reported
numbers come from the spec and from the dataset cards of the columns' tasks (the spec wins
when both give one for the same model, task and metric).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bench.records.io import slug
from bench.report.comparable import Entry, select
from bench.report.leaderboard_spec import Column, LeaderboardSpec, Reported
from bench.report.ranking import mean_rank, normalized_mean
from bench.report.runs import Run


@dataclass(frozen=True)
class Cell:
    """One model's value in one column (None: missing, ``note`` says why).

    ``rank`` is the place within the column among comparable values (1 = best; ties share
    the better place); ``partial`` is set when the value comes from a partial run (shown
    only on request, marked, never ranked) and says why.
    """

    value: float | None
    ci_low: float | None
    ci_high: float | None
    reported: Reported | None
    note: str = ""
    rank: int | None = None
    partial: str = ""

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
    """One model: its cells, aggregate, throughput and the runs behind them.

    ``rank`` and ``aggregate`` are None for a model without a comparable value in every
    column that has one: it is listed below the ranked models.
    """

    rank: int | None
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


def _cell(entry: Entry | None, column: Column, reported: Reported | None) -> Cell:
    if entry is None:
        return Cell(None, None, None, reported, f"no comparable run of {column.task}")
    metric = entry.record.metrics.get(column.metric)
    if metric is None:
        return Cell(None, None, None, reported, f"the run has no metric {column.metric}")
    return Cell(metric.value, metric.ci_low, metric.ci_high, reported, partial=entry.note)


def _with_ranks(column: Sequence[Cell], higher_is_better: bool) -> list[Cell]:
    """The cells with their place among the column's comparable values."""
    values = [c.value for c in column if c.value is not None and not c.partial]
    ranked = []
    for cell in column:
        if cell.value is None or cell.partial:
            ranked.append(cell)
            continue
        v = cell.value
        better = sum(1 for o in values if (o > v if higher_is_better else o < v))
        ranked.append(replace(cell, rank=better + 1))
    return ranked


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


def _entries(
    spec: LeaderboardSpec, runs: Sequence[Run], include_partial: bool
) -> dict[tuple[str, str], Entry]:
    """Per (task, model): the comparable entry, else (when asked) the newest partial one."""
    tasks = {c.task for c in spec.columns}
    wanted = [
        r for r in runs if spec.models.accepts(r.record.model.spec) and r.record.task.name in tasks
    ]
    selection = select(wanted)
    chosen = {e.run.key: e for e in selection.comparable}
    if include_partial:
        newest_first = sorted(
            selection.partial, key=lambda e: (e.record.finished_at, e.record.run_id), reverse=True
        )
        for entry in newest_first:
            chosen.setdefault(entry.run.key, entry)
    return chosen


def build_board(
    spec: LeaderboardSpec,
    runs: Sequence[Run],
    extra_reported: Sequence[Reported] = (),
    *,
    include_partial: bool = False,
) -> Board:
    """Assemble the leaderboard from the runs (newest comparable run per pair)."""
    by_pair = _entries(spec, runs, include_partial)
    models = sorted({model for _, model in by_pair})
    reported = {(r.model, r.task, r.metric): r for r in (*extra_reported, *spec.reported)}
    comparable = [e.run for e in by_pair.values() if not e.partial]
    board_columns = tuple(BoardColumn(c, *_direction(c, comparable)) for c in spec.columns)

    def find_reported(model: str, column: Column) -> Reported | None:
        for alias in (model, spec.models.display(model)):
            hit = reported.get((alias, column.task, column.metric))
            if hit is not None:
                return hit
        return None

    raw = [
        [_cell(by_pair.get((c.task, m)), c, find_reported(m, c)) for c in spec.columns]
        for m in models
    ]
    by_column = [
        _with_ranks([row[j] for row in raw], board_columns[j].higher_is_better)
        for j in range(len(spec.columns))
    ]
    grid = [tuple(by_column[j][i] for j in range(len(spec.columns))) for i in range(len(models))]
    matrix = [[None if c.partial else c.value for c in row] for row in grid]
    active = [j for j in range(len(spec.columns)) if any(row[j] is not None for row in matrix)]
    complete = [i for i in range(len(models)) if all(matrix[i][j] is not None for j in active)]
    aggregates: list[float | None] = [None] * len(models)
    if active and complete:
        sub = [[matrix[i][j] for j in active] for i in complete]
        directions = [board_columns[j].higher_is_better for j in active]
        if spec.aggregate == "mean-rank":
            values = mean_rank(sub, directions)
        else:
            values = normalized_mean(sub, directions, [spec.columns[j].bounds for j in active])
        for i, value in zip(complete, values, strict=True):
            aggregates[i] = value
    aggregate_hib = spec.aggregate != "mean-rank"
    model_runs = [
        tuple(e.run for (t, m2), e in sorted(by_pair.items()) if m2 == m and not e.partial)
        for m in models
    ]
    throughputs = [_throughput(rs) for rs in model_runs]
    index, descending = _sort_key(board_columns, spec, aggregate_hib)

    def key(i: int) -> tuple[bool, float, str]:
        value = (
            aggregates[i] if index is None else throughputs[i] if index == -1 else matrix[i][index]
        )
        if value is None:
            return (True, 0.0, spec.models.display(models[i]))
        return (False, -value if descending else value, spec.models.display(models[i]))

    ranked = sorted(complete, key=key)
    unranked = sorted(set(range(len(models))) - set(complete), key=key)
    rows = tuple(
        BoardRow(
            rank=place if place <= len(ranked) else None,
            model=models[i],
            name=spec.models.display(models[i]),
            page=model_page(models[i]),
            cells=grid[i],
            aggregate=aggregates[i],
            throughput=throughputs[i],
            runs=tuple(e.run for (t, m2), e in sorted(by_pair.items()) if m2 == models[i]),
        )
        for place, i in enumerate([*ranked, *unranked], start=1)
    )
    shown = {name for m in models for name in (m, spec.models.display(m))}
    columns = {(c.task, c.metric) for c in spec.columns}
    unreproduced = tuple(
        r
        for _, r in sorted(reported.items())
        if (r.task, r.metric) in columns and r.model not in shown
    )
    finished = [e.record.finished_at for e in by_pair.values()]
    return Board(spec, board_columns, rows, unreproduced, max(finished) if finished else None)
