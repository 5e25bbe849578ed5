"""Quality-vs-throughput plots, one per leaderboard task, laid out for an inline SVG.

Pooling the samples per second of captioners, classifiers and retrieval models on
different hardware says nothing, so each task gets its own plot: quality is the task's
first column (comparable runs only), speed the section's rate (end-to-end when every run
has it, else model time, labelled), on a log axis. One colour per hardware + dtype, with a
legend. A model is on the Pareto front when no other model of the task is at least as good
on both axes and better on one.

Labels are placed here, not by the browser: each goes to the first of eight spots around
its point where its box (from a per-character width bound for the monospace label font)
overlaps no other label, no point and stays inside the plot. A label with no free spot is
left out; its point keeps a hover title and the table under the plot names every point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.report.leaderboard_tasks import BoardTask
from bench.report.ranking import pareto_front

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48
FONT_PX = 11
#: Upper bound of a monospace glyph's advance at FONT_PX (0.6 em in common fonts).
CHAR_PX = 0.62 * FONT_PX
LINE_PX = FONT_PX + 3
RADIUS = 4.5
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class ParetoPoint:
    """One model on a task's plot."""

    name: str
    throughput: float
    quality: float
    on_front: bool
    hardware: str


@dataclass(frozen=True)
class Marker:
    """A point where it is drawn, its colour and its hover title."""

    x: float
    y: float
    colour: str
    title: str
    on_front: bool


@dataclass(frozen=True)
class Label:
    """A label's text and where it is drawn (``x``, ``y`` = start of the baseline)."""

    text: str
    x: float
    y: float


@dataclass(frozen=True)
class Plot:
    """Everything the template draws for one task."""

    points: tuple[ParetoPoint, ...]
    markers: tuple[Marker, ...]
    labels: tuple[Label, ...]
    front: tuple[tuple[float, float], ...]
    legend: tuple[tuple[str, str], ...]
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_label: str
    y_label: str
    width: int = WIDTH
    height: int = HEIGHT


def task_points(section: BoardTask) -> list[ParetoPoint]:
    """Models with a comparable value in the task's first column and a measured rate."""
    if not section.columns:
        return []
    column = section.columns[0]
    sign = 1.0 if column.higher_is_better else -1.0
    kept = [
        e
        for e in section.entries
        if not e.partial and e.cells[0].value is not None and e.rate is not None and e.rate > 0
    ]
    coords = [(e.rate or 0.0, sign * (e.cells[0].value or 0.0)) for e in kept]
    front = pareto_front(coords)
    return [
        ParetoPoint(e.row.name, e.rate or 0.0, e.cells[0].value or 0.0, f, e.hardware)
        for e, f in zip(kept, front, strict=True)
    ]


def _range(values: list[float], *, log: bool) -> tuple[float, float]:
    low, high = min(values), max(values)
    if log:
        low, high = math.log10(low), math.log10(high)
    if low == high:
        pad = 0.5 if log else max(abs(low) * 0.1, 0.05)
        return low - pad, high + pad
    pad = (high - low) * 0.08
    return low - pad, high + pad


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place(text: str, x: float, y: float, taken: list[Box]) -> Label | None:
    width = len(text) * CHAR_PX
    gap = RADIUS + 3
    spots = [
        (x + gap, y - LINE_PX / 2),
        (x - gap - width, y - LINE_PX / 2),
        (x - width / 2, y - gap - LINE_PX),
        (x - width / 2, y + gap),
        (x + gap, y - gap - LINE_PX),
        (x - gap - width, y - gap - LINE_PX),
        (x + gap, y + gap),
        (x - gap - width, y + gap),
    ]
    for left, top in spots:
        box = (left, top, left + width, top + LINE_PX)
        inside = box[0] >= 0 and box[1] >= 0 and box[2] <= WIDTH and box[3] <= HEIGHT - BOTTOM
        if inside and not any(_overlaps(box, other) for other in taken):
            taken.append(box)
            return Label(text, left, top + FONT_PX)
    return None


def _ticks(low: float, high: float, *, log: bool, scale: float) -> list[tuple[float, str]]:
    if log:
        # 1, 2 and 5 times each power of ten inside the range
        ticks = []
        for exponent in range(math.floor(low), math.ceil(high) + 1):
            for mantissa in (1, 2, 5):
                value = mantissa * 10.0**exponent
                if low <= math.log10(value) <= high:
                    ticks.append((math.log10(value), f"{value:g}"))
        return ticks
    step = (high - low) / 4
    return [(low + i * step, f"{(low + i * step) * scale:.3g}") for i in range(5)]


def layout(section: BoardTask) -> Plot:
    """The task's plot: points, non-overlapping labels, front line, legend and axes."""
    points = task_points(section)
    column = section.columns[0].column if section.columns else None
    y_label = column.label if column else ""
    scale = column.scale if column else 1.0
    if not points:
        return Plot((), (), (), (), (), (), (), section.rate_label, y_label)
    x_low, x_high = _range([p.throughput for p in points], log=True)
    y_low, y_high = _range([p.quality for p in points], log=False)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    flip = section.columns[0].higher_is_better

    def to_x(value: float) -> float:
        return LEFT + (math.log10(value) - x_low) / (x_high - x_low) * plot_w

    def to_y(value: float) -> float:
        share = (value - y_low) / (y_high - y_low)
        return TOP + (1.0 - share if flip else share) * plot_h

    groups = sorted({p.hardware for p in points})
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    markers = tuple(
        Marker(
            to_x(p.throughput),
            to_y(p.quality),
            colours[p.hardware],
            f"{p.name}: {p.quality * scale:.3g} at {p.throughput:.3g} samples/s ({p.hardware})",
            p.on_front,
        )
        for p in points
    )
    taken: list[Box] = [(m.x - RADIUS, m.y - RADIUS, m.x + RADIUS, m.y + RADIUS) for m in markers]
    labels = []
    # Pareto-front models first: their names matter most when space runs out.
    for point, marker in sorted(
        zip(points, markers, strict=True), key=lambda pm: not pm[0].on_front
    ):
        label = _place(point.name, marker.x, marker.y, taken)
        if label is not None:
            labels.append(label)
    front = tuple(sorted((m.x, m.y) for m in markers if m.on_front))
    y_ticks = tuple((to_y(v), text) for v, text in _ticks(y_low, y_high, log=False, scale=scale))
    x_ticks = tuple(
        (LEFT + (e - x_low) / (x_high - x_low) * plot_w, text)
        for e, text in _ticks(x_low, x_high, log=True, scale=1.0)
    )
    return Plot(
        points=tuple(points),
        markers=markers,
        labels=tuple(labels),
        front=front,
        legend=tuple((g, colours[g]) for g in groups),
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        x_label=f"{section.rate_label} (log scale)",
        y_label=y_label,
    )
