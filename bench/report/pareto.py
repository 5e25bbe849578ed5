"""The quality-vs-throughput plot of a leaderboard (matplotlib, written as a PNG).

Quality is the leaderboard's aggregate, throughput the geometric mean of a model's samples
per second over its runs on the board's tasks. A model is on the Pareto front when no other
model is at least as good on both axes and better on one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bench.report.leaderboard import Board
from bench.report.ranking import pareto_front


@dataclass(frozen=True)
class ParetoPoint:
    """One model on the plot."""

    name: str
    throughput: float
    quality: float
    on_front: bool


def pareto_points(board: Board) -> list[ParetoPoint]:
    """Models with both an aggregate and a measured throughput, front marked."""
    rows = [r for r in board.rows if r.aggregate is not None and r.throughput is not None]
    sign = 1.0 if board.aggregate_higher_is_better else -1.0
    coords = [(r.throughput or 0.0, sign * (r.aggregate or 0.0)) for r in rows]
    front = pareto_front(coords)
    return [
        ParetoPoint(r.name, r.throughput or 0.0, r.aggregate or 0.0, f)
        for r, f in zip(rows, front, strict=True)
    ]


def _widen_flat_axes(axes: Axes, points: list[ParetoPoint]) -> None:
    """Give an axis on which every point has the same value a visible range."""
    xs = [p.throughput for p in points]
    ys = [p.quality for p in points]
    if min(xs) == max(xs):
        axes.set_xlim(xs[0] / 2.0, xs[0] * 2.0)
    if min(ys) == max(ys):
        pad = max(abs(ys[0]) * 0.1, 0.5)
        axes.set_ylim(ys[0] - pad, ys[0] + pad)


def plot_pareto(board: Board, path: Path) -> list[ParetoPoint]:
    """Draw the plot to ``path`` (PNG); returns the points drawn."""
    points = pareto_points(board)
    figure = Figure(figsize=(7.0, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_xlabel("throughput (task samples / s, geometric mean over tasks)")
    axes.set_ylabel(board.spec.aggregate_label)
    if not points:
        axes.text(
            0.5,
            0.5,
            "no model has both an aggregate score and a measured throughput",
            ha="center",
            va="center",
            transform=axes.transAxes,
            parse_math=False,
        )
    else:
        axes.set_xscale("log")
        _widen_flat_axes(axes, points)
        for point in points:
            axes.scatter(
                [point.throughput],
                [point.quality],
                color="#c0392b" if point.on_front else "#7f8c8d",
                zorder=3,
            )
            # parse_math=False: a model name is text, never mathtext ("$" stays "$").
            axes.annotate(
                point.name,
                (point.throughput, point.quality),
                textcoords="offset points",
                xytext=(5, 4),
                fontsize=8,
                parse_math=False,
            )
        front = sorted((p for p in points if p.on_front), key=lambda p: p.throughput)
        axes.plot(
            [p.throughput for p in front],
            [p.quality for p in front],
            color="#c0392b",
            linewidth=1,
            label="Pareto front",
        )
        axes.legend(loc="best", fontsize=8)
        axes.margins(x=0.25, y=0.15)  # room for the name labels
        if not board.aggregate_higher_is_better:
            axes.invert_yaxis()  # rank 1 at the top
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, format="png", metadata={"Software": None})
    return points
