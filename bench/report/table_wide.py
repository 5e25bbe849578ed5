"""The wide table (``modalbench table --wide``): one row per model, every task side by side.

Per task, one column per headline metric (value and bootstrap 95% CI), the model-time rate
in task samples per second and the number of failed samples. Rows come from the entries a
report shows (comparable runs, then partial ones marked with a dagger and footnoted). CSV
is numeric (a value column plus ``ci_low`` / ``ci_high`` columns per metric).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from bench.report.comparable import DAGGER, Entry
from bench.report.formatting import (
    MISSING,
    csv_safe,
    latex_text,
    markdown_table,
    markdown_text,
    number,
    with_ci,
)

THROUGHPUT = "model-time samples/s"
FAILED = "failed"


def _label(entry: Entry) -> str:
    return entry.record.model.spec + (f" {DAGGER}" if entry.partial else "")


def _headlines(entries: Sequence[Entry]) -> dict[str, list[str]]:
    """Per task, its headline metrics in first-seen order (records may disagree)."""
    heads: dict[str, list[str]] = {}
    for entry in entries:
        names = heads.setdefault(entry.record.task.name, [])
        shown = entry.record.headline or list(entry.record.metrics)[:1]
        names.extend(n for n in shown if n not in names)
    return {task: heads[task] for task in sorted(heads)}


def _columns(heads: dict[str, list[str]], *, numeric: bool) -> list[tuple[str, str]]:
    columns: list[tuple[str, str]] = []
    for task, names in heads.items():
        for name in names:
            columns.append((task, name))
            if numeric:
                columns += [(task, f"{name} ci_low"), (task, f"{name} ci_high")]
        columns += [(task, THROUGHPUT), (task, FAILED)]
    return columns


def _rows(entries: Sequence[Entry]) -> list[str]:
    """Row labels: comparable models first, then partial rows (sorted within each)."""
    labels = {_label(e): e.partial for e in entries}
    return sorted(labels, key=lambda label: (labels[label], label))


def numeric_frame(entries: Sequence[Entry]) -> pd.DataFrame:
    """Numbers only: index = row label, columns = (task, quantity); absent = NaN."""
    heads = _headlines(entries)
    cells: dict[str, dict[tuple[str, str], float | None]] = {}
    for entry in entries:
        record = entry.record
        row = cells.setdefault(_label(entry), {})
        task = record.task.name
        for name in heads[task]:
            metric = record.metrics.get(name)
            if metric is not None:
                row[(task, name)] = metric.value
                row[(task, f"{name} ci_low")] = metric.ci_low
                row[(task, f"{name} ci_high")] = metric.ci_high
        row[(task, THROUGHPUT)] = record.throughput.samples_per_s
        row[(task, FAILED)] = float(record.n_failed)
    columns = pd.MultiIndex.from_tuples(_columns(heads, numeric=True), names=["task", "quantity"])
    labels = _rows(entries)
    return pd.DataFrame(
        [[cells[m].get(c) for c in columns] for m in labels],
        index=pd.Index(labels, name="model"),
        columns=columns,
        dtype="float64",
    )


def display_frame(entries: Sequence[Entry]) -> pd.DataFrame:
    """Display strings: one row per label; ``-`` where a model has no run of a task."""
    heads = _headlines(entries)
    cells: dict[str, dict[tuple[str, str], str]] = {}
    for entry in entries:
        record = entry.record
        row = cells.setdefault(_label(entry), {})
        task = record.task.name
        for name in heads[task]:
            metric = record.metrics.get(name)
            if metric is not None:
                row[(task, name)] = with_ci(metric.value, metric.ci_low, metric.ci_high)
        row[(task, THROUGHPUT)] = number(record.throughput.samples_per_s, 1)
        row[(task, FAILED)] = str(record.n_failed)
    columns = _columns(heads, numeric=False)
    labels = _rows(entries)
    return pd.DataFrame(
        [[cells[m].get(c, MISSING) for c in columns] for m in labels],
        index=pd.Index(labels, name="model"),
        columns=[f"{task} {quantity}" for task, quantity in columns],
    )


def footnotes(entries: Sequence[Entry]) -> list[str]:
    """One line per partial entry: which task and model, and why it is marked."""
    return [
        f"{DAGGER} {e.record.task.name} / {e.record.model.spec}: {e.note}"
        for e in entries
        if e.partial
    ]


def render_wide(entries: Sequence[Entry], fmt: str) -> str:
    """The wide table as Markdown, CSV, HTML or LaTeX (text escaped for each)."""
    if fmt == "csv":
        data = numeric_frame(entries)
        data.columns = [f"{task} {quantity}" for task, quantity in data.columns]
        data.index = pd.Index([csv_safe(str(m)) for m in data.index], name="model")
        return str(data.to_csv(float_format="%.6g"))
    display = display_frame(entries)
    notes = footnotes(entries)
    if fmt == "md":
        rows = [[str(model), *map(str, row)] for model, row in display.iterrows()]
        text = markdown_table(["model", *display.columns], rows)
        return text + "".join(f"\n\n{markdown_text(n)}" for n in notes)
    if fmt == "html":
        return str(display.to_html(escape=True)) + "".join(
            f'\n<p class="footnote">{html.escape(n)}</p>' for n in notes
        )
    return str(display.to_latex(escape=True)) + "".join(f"\n{latex_text(n)}\n" for n in notes)
