"""Leaderboard aggregates and the quality-vs-throughput Pareto front, as pure functions.

Inputs are score matrices ``[model][column]`` with None where a model has no value. Only
columns where at least one model has a value take part (a column nobody ran says nothing
about anyone). Within a taking-part column a missing value is the worst possible outcome:

- ``mean-rank``: fractional ranks (1 = best; ties share the mean of the places they
  span); every missing model ties for the places below all models with a value. The
  aggregate is the mean over the columns, lower is better.
- ``normalized-mean``: each column is mapped to [0, 1] with 1 the best, from a fixed
  ``(low, high)`` range when the spec gives one, else from the minimum and maximum over
  the models (all 1.0 when every model ties); missing counts 0. The aggregate is the
  mean, higher is better.
"""

from __future__ import annotations

from collections.abc import Sequence

Matrix = Sequence[Sequence[float | None]]


def fractional_ranks(values: Sequence[float | None], higher_is_better: bool) -> list[float]:
    """Rank 1 = best; tied values (and all missing values, which come last) share a rank."""
    present = sorted(
        {v for v in values if v is not None},
        reverse=higher_is_better,
    )
    ranks: dict[float, float] = {}
    place = 1
    for value in present:
        ties = sum(1 for v in values if v == value)
        ranks[value] = place + (ties - 1) / 2.0
        place += ties
    missing = sum(1 for v in values if v is None)
    missing_rank = place + (missing - 1) / 2.0
    return [missing_rank if v is None else ranks[v] for v in values]


def _active(matrix: Matrix) -> list[int]:
    width = len(matrix[0]) if matrix else 0
    return [j for j in range(width) if any(row[j] is not None for row in matrix)]


def mean_rank(matrix: Matrix, higher_is_better: Sequence[bool]) -> list[float | None]:
    """Per model, the mean of its fractional ranks over the columns that have values."""
    columns = _active(matrix)
    if not columns:
        return [None] * len(matrix)
    totals = [0.0] * len(matrix)
    for j in columns:
        for i, rank in enumerate(fractional_ranks([row[j] for row in matrix], higher_is_better[j])):
            totals[i] += rank
    return [total / len(columns) for total in totals]


def normalized(
    values: Sequence[float | None],
    higher_is_better: bool,
    bounds: tuple[float, float] | None = None,
) -> list[float]:
    """Scores mapped to [0, 1], 1 the best; missing values score 0."""
    present = [v for v in values if v is not None]
    if not present:
        return [0.0] * len(values)
    low, high = bounds if bounds is not None else (min(present), max(present))
    out: list[float] = []
    for v in values:
        if v is None:
            out.append(0.0)
        elif high == low:
            out.append(1.0)
        else:
            share = (v - low) / (high - low)
            out.append(share if higher_is_better else 1.0 - share)
    return out


def normalized_mean(
    matrix: Matrix,
    higher_is_better: Sequence[bool],
    bounds: Sequence[tuple[float, float] | None],
) -> list[float | None]:
    """Per model, the mean normalized score over the columns that have values."""
    columns = _active(matrix)
    if not columns:
        return [None] * len(matrix)
    totals = [0.0] * len(matrix)
    for j in columns:
        column = [row[j] for row in matrix]
        for i, score in enumerate(normalized(column, higher_is_better[j], bounds[j])):
            totals[i] += score
    return [total / len(columns) for total in totals]


def pareto_front(points: Sequence[tuple[float, float]]) -> list[bool]:
    """Which points no other point dominates (both coordinates are to be maximised)."""
    front: list[bool] = []
    for i, (x, y) in enumerate(points):
        dominated = any(
            (ox >= x and oy >= y) and (ox > x or oy > y)
            for j, (ox, oy) in enumerate(points)
            if j != i
        )
        front.append(not dominated)
    return front
