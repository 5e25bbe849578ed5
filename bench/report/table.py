"""Model x task tables from RunRecords (pandas underneath).

One row per model and, for every task, one column per headline metric (value and bootstrap
95% CI), the throughput in task samples per second and the number of failed samples. Only
the newest run of each (task, model) pair is shown. CSV output is numeric (a value column
plus ``ci_low`` / ``ci_high`` columns per metric); Markdown, HTML and LaTeX are for reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from bench.errors import UsageError
from bench.records.schema import RunRecord
from bench.report.formatting import MISSING, csv_safe, markdown_table, number, with_ci
from bench.report.runs import latest_records, load_runs

__all__ = [
    "FORMATS",
    "frame",
    "latest_records",
    "load_records",
    "numeric_frame",
    "render_table",
    "table",
]

FORMATS = ("md", "csv", "html", "latex")
THROUGHPUT = "samples/s"
FAILED = "failed"


def load_records(results_dir: Path) -> list[RunRecord]:
    """Every complete RunRecord under ``results_dir`` (UsageError when there is none)."""
    return [run.record for run in load_runs(Path(results_dir))]


def _headlines(records: Sequence[RunRecord]) -> dict[str, list[str]]:
    """Per task, its headline metrics in first-seen order (records may disagree)."""
    heads: dict[str, list[str]] = {}
    for record in records:
        names = heads.setdefault(record.task.name, [])
        shown = record.headline or list(record.metrics)[:1]
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


def numeric_frame(records: Sequence[RunRecord]) -> pd.DataFrame:
    """Numbers only: index = model, columns = (task, quantity); absent = NaN."""
    latest = latest_records(records)
    heads = _headlines(latest)
    cells: dict[str, dict[tuple[str, str], float | None]] = {}
    for record in latest:
        row = cells.setdefault(record.model.spec, {})
        task = record.task.name
        for name in heads[task]:
            entry = record.metrics.get(name)
            if entry is not None:
                row[(task, name)] = entry.value
                row[(task, f"{name} ci_low")] = entry.ci_low
                row[(task, f"{name} ci_high")] = entry.ci_high
        row[(task, THROUGHPUT)] = record.throughput.samples_per_s
        row[(task, FAILED)] = float(record.n_failed)
    columns = pd.MultiIndex.from_tuples(_columns(heads, numeric=True), names=["task", "quantity"])
    data = pd.DataFrame(
        [[cells[m].get(c) for c in columns] for m in sorted(cells)],
        index=pd.Index(sorted(cells), name="model"),
        columns=columns,
        dtype="float64",
    )
    return data


def frame(records: Sequence[RunRecord]) -> pd.DataFrame:
    """Display strings: one row per model; per task its headline metrics with their 95%
    CI, samples per second and failed samples (``-`` where a model has no run)."""
    latest = latest_records(records)
    heads = _headlines(latest)
    cells: dict[str, dict[tuple[str, str], str]] = {}
    for record in latest:
        row = cells.setdefault(record.model.spec, {})
        task = record.task.name
        for name in heads[task]:
            entry = record.metrics.get(name)
            if entry is not None:
                row[(task, name)] = with_ci(entry.value, entry.ci_low, entry.ci_high)
        row[(task, THROUGHPUT)] = number(record.throughput.samples_per_s, 1)
        row[(task, FAILED)] = str(record.n_failed)
    columns = _columns(heads, numeric=False)
    models = sorted(cells)
    display = pd.DataFrame(
        [[cells[m].get(c, MISSING) for c in columns] for m in models],
        index=pd.Index(models, name="model"),
        columns=[f"{task} {quantity}" for task, quantity in columns],
    )
    return display


def render_table(records: Sequence[RunRecord], fmt: str = "md") -> str:
    """Render the model x task table as Markdown, CSV, HTML or LaTeX (text is escaped)."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: expected md, csv, html or latex")
    if fmt == "csv":
        data = numeric_frame(records)
        data.columns = [f"{task} {quantity}" for task, quantity in data.columns]
        data.index = pd.Index([csv_safe(str(m)) for m in data.index], name="model")
        return str(data.to_csv(float_format="%.6g"))
    display = frame(records)
    if fmt == "md":
        rows = [[str(model), *map(str, row)] for model, row in display.iterrows()]
        return markdown_table(["model", *display.columns], rows)
    if fmt == "html":
        return str(display.to_html(escape=True))
    return str(display.to_latex(escape=True))


def table(results_dir: Path | str = "results", fmt: str = "md") -> str:
    """The table of the latest runs under ``results_dir``."""
    return render_table(load_records(Path(results_dir)), fmt)
