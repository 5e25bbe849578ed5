"""Leaderboard aggregates and the Pareto front on hand-worked examples."""

from __future__ import annotations

import pytest

from bench.report.ranking import (
    fractional_ranks,
    mean_rank,
    normalized,
    normalized_mean,
    pareto_front,
)


@pytest.mark.parametrize(
    ("values", "higher", "expected"),
    [
        # two tie for places 1-2 (1.5 each), then 3; the missing model is last (4)
        ([0.9, 0.5, 0.9, None], True, [1.5, 3.0, 1.5, 4.0]),
        ([3.0, 1.0, 2.0], False, [3.0, 1.0, 2.0]),
        # two missing models share places 2-3
        ([1.0, None, None], True, [1.0, 2.5, 2.5]),
        ([None, None], True, [1.5, 1.5]),
    ],
)
def test_fractional_ranks(values: list[float | None], higher: bool, expected: list[float]) -> None:
    assert fractional_ranks(values, higher) == expected


MATRIX = [
    [0.9, 10.0, None],
    [0.5, None, None],
    [0.7, 5.0, None],
]
DIRECTIONS = [True, False, True]


def test_mean_rank_skips_columns_nobody_ran() -> None:
    # column 0 ranks [1, 3, 2]; column 1 (lower is better) ranks [2, 3 (missing), 1];
    # column 2 has no values and takes no part.
    assert mean_rank(MATRIX, DIRECTIONS) == [1.5, 3.0, 1.5]
    assert mean_rank([[None], [None]], [True]) == [None, None]


def test_normalized_scores() -> None:
    assert normalized([0.9, 0.5, 0.7], True) == pytest.approx([1.0, 0.0, 0.5])
    assert normalized([10.0, None, 5.0], False) == pytest.approx([0.0, 0.0, 1.0])
    assert normalized([0.9, 0.5], True, (0.0, 1.0)) == pytest.approx([0.9, 0.5])
    assert normalized([0.4, 0.4], True) == [1.0, 1.0]


def test_normalized_mean() -> None:
    # column 0 -> [1, 0, 0.5]; column 1 -> [0, 0 (missing), 1]
    assert normalized_mean(MATRIX, DIRECTIONS, [None, None, None]) == pytest.approx(
        [0.5, 0.0, 0.75]
    )
    # with a fixed range for column 0: [0.9, 0.5, 0.7] stay as they are
    assert normalized_mean(MATRIX, DIRECTIONS, [(0.0, 1.0), None, None]) == pytest.approx(
        [0.45, 0.25, 0.85]
    )


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([(1, 1), (2, 0.5), (0.5, 0.5), (2, 1)], [False, False, False, True]),
        ([(1, 3), (2, 2), (3, 1), (1, 1)], [True, True, True, False]),
        ([(1, 1), (1, 1)], [True, True]),  # equal points do not dominate each other
        ([], []),
    ],
)
def test_pareto_front(points: list[tuple[float, float]], expected: list[bool]) -> None:
    assert pareto_front(points) == expected
