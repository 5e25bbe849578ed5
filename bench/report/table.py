"""Result tables from RunRecords: one table per task (pandas underneath).

Each task gets its own table: one row per model with its headline metrics (value and
bootstrap 95% CI), n, failed samples, the model-time rate, the end-to-end rate when the
records have it, and the hardware and dtype. Only comparable runs fill a row (see
:mod:`bench.report.comparable`): ``--limit`` runs, runs on other data and runs with too many
failures are left out, or with ``include_partial`` shown as extra rows marked with a dagger
whose footnote names n and the data fingerprint. CSV is the long format: one line per
(task, model, metric). ``wide=True`` gives the older model x task layout
(:mod:`bench.report.table_wide`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from bench.errors import UsageError
from bench.records.schema import RunRecord
from bench.report.comparable import DAGGER, Entry, Selection, select, short_fingerprint
from bench.report.formatting import (
    MISSING,
    csv_safe,
    latex_text,
    markdown_table,
    markdown_text,
    number,
    with_ci,
)
from bench.report.runs import Run, end_to_end_rate, hardware_label, load_runs
from bench.report.table_wide import render_wide

__all__ = ["FORMATS", "TableReport", "load_records", "render_table", "table", "table_report"]

FORMATS = ("md", "csv", "html", "latex")
MODEL_TIME = "model-time samples/s"
END_TO_END = "end-to-end samples/s"


def load_records(results_dir: Path) -> list[RunRecord]:
    """Every complete RunRecord under ``results_dir`` (UsageError when there is none)."""
    return [run.record for run in load_runs(Path(results_dir))]


@dataclass(frozen=True)
class TaskTable:
    """One task's table: display strings, the data it is on, and footnotes."""

    task: str
    about: str
    frame: pd.DataFrame
    footnotes: tuple[str, ...]


@dataclass(frozen=True)
class TableReport:
    """The rendered table and a note on what was left out (for stderr; may be empty)."""

    text: str
    note: str


def _headlines(entries: Sequence[Entry]) -> list[str]:
    """Headline metrics in first-seen order (records may disagree)."""
    names: list[str] = []
    for entry in entries:
        shown = entry.record.headline or list(entry.record.metrics)[:1]
        names.extend(n for n in shown if n not in names)
    return names


def _label(entry: Entry) -> str:
    return entry.record.model.spec + (f" {DAGGER}" if entry.partial else "")


def _about(task: str, entries: Sequence[Entry], selection: Selection) -> str:
    reference = selection.references.get(task)
    full = [e for e in entries if not e.partial]
    if reference is None or not full:
        return "no full run of this task: partial runs only"
    record = full[0].record
    return (
        f"split {record.task.split}, n={record.task.n_samples}, data {short_fingerprint(reference)}"
    )


def _task_table(task: str, entries: Sequence[Entry], selection: Selection) -> TaskTable:
    names = _headlines(entries)
    end_to_end = any(end_to_end_rate(e.record) is not None for e in entries)
    rows: list[list[str]] = []
    for entry in entries:
        record = entry.record
        row = []
        for name in names:
            metric = record.metrics.get(name)
            row.append(
                MISSING if metric is None else with_ci(metric.value, metric.ci_low, metric.ci_high)
            )
        row += [str(record.task.n_samples), str(record.n_failed)]
        row.append(number(record.throughput.samples_per_s, 1))
        if end_to_end:
            row.append(number(end_to_end_rate(record), 1))
        row.append(hardware_label(record))
        rows.append(row)
    columns = [*names, "n", "failed", MODEL_TIME, *([END_TO_END] if end_to_end else []), "hardware"]
    frame = pd.DataFrame(
        rows, index=pd.Index([_label(e) for e in entries], name="model"), columns=columns
    )
    notes = tuple(f"{DAGGER} {e.record.model.spec}: {e.note}" for e in entries if e.partial)
    return TaskTable(task, _about(task, entries, selection), frame, notes)


def task_tables(selection: Selection, include_partial: bool) -> list[TaskTable]:
    """Per task (sorted), its table: comparable rows by model, then partial rows."""
    by_task: dict[str, list[Entry]] = {}
    for entry in selection.shown(include_partial):
        by_task.setdefault(entry.record.task.name, []).append(entry)
    tables = []
    for task in sorted(by_task):
        entries = sorted(by_task[task], key=lambda e: (e.partial, e.record.model.spec, e.note))
        tables.append(_task_table(task, entries, selection))
    return tables


def _markdown(tables: Sequence[TaskTable]) -> str:
    parts = []
    for t in tables:
        rows = [[str(label), *map(str, row)] for label, row in t.frame.iterrows()]
        text = f"## {markdown_text(t.task)}\n\n{markdown_text(t.about)}\n\n"
        text += markdown_table(["model", *t.frame.columns], rows)
        if t.footnotes:
            text += "\n\n" + "\n".join(markdown_text(n) + "  " for n in t.footnotes).rstrip()
        parts.append(text)
    return "\n\n".join(parts)


def _html(tables: Sequence[TaskTable]) -> str:
    parts = []
    for t in tables:
        notes = "".join(f'<p class="footnote">{html.escape(n)}</p>\n' for n in t.footnotes)
        parts.append(
            f'<section class="task">\n<h2>{html.escape(t.task)}</h2>\n'
            f"<p>{html.escape(t.about)}</p>\n{t.frame.to_html(escape=True)}\n{notes}</section>"
        )
    return "\n".join(parts)


def _latex(tables: Sequence[TaskTable]) -> str:
    parts = []
    for t in tables:
        notes = "".join(f"\n\n{latex_text(n)}" for n in t.footnotes)
        parts.append(
            f"\\subsection*{{{latex_text(t.task)}}}\n{latex_text(t.about)}\n\n"
            f"{t.frame.to_latex(escape=True)}{notes}"
        )
    return "\n\n".join(parts)


def _long_csv(selection: Selection, include_partial: bool) -> str:
    """Long format: one line per (task, model, headline metric), raw numbers."""
    lines: list[dict[str, Any]] = []
    for entry in selection.shown(include_partial):
        record = entry.record
        for name in record.headline or list(record.metrics)[:1]:
            metric = record.metrics.get(name)
            if metric is None:
                continue
            lines.append(
                {
                    "task": csv_safe(record.task.name),
                    "model": csv_safe(record.model.spec),
                    "metric": csv_safe(name),
                    "value": metric.value,
                    "ci_low": metric.ci_low,
                    "ci_high": metric.ci_high,
                    "n": record.task.n_samples,
                    "failed": record.n_failed,
                    "model_time_samples_per_s": record.throughput.samples_per_s,
                    "end_to_end_samples_per_s": end_to_end_rate(record),
                    "hardware": csv_safe(hardware_label(record)),
                    "fingerprint": record.task.fingerprint,
                    "partial": csv_safe(entry.note),
                }
            )
    lines.sort(key=lambda line: (line["task"], line["partial"] != "", line["model"]))
    columns = [
        "task",
        "model",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "n",
        "failed",
        "model_time_samples_per_s",
        "end_to_end_samples_per_s",
        "hardware",
        "fingerprint",
        "partial",
    ]
    data = pd.DataFrame.from_records(lines, columns=columns)
    return str(data.to_csv(index=False, float_format="%.6g"))


def _as_runs(records: Sequence[RunRecord]) -> list[Run]:
    """Records without their folders (a table reads nothing from the folder)."""
    return [Run(record, Path()) for record in records]


def table_report(
    records: Sequence[RunRecord],
    fmt: str = "md",
    *,
    wide: bool = False,
    include_partial: bool = False,
) -> TableReport:
    """Render the tables (Markdown, CSV, HTML or LaTeX; all text escaped) and say what
    was left out."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: expected md, csv, html or latex")
    selection = select(_as_runs(records))
    note = selection.excluded_note(include_partial)
    entries = selection.shown(include_partial)
    if not entries:
        shown = "no comparable run to show"
        if selection.partial:
            shown += f" ({len(selection.partial)} partial; --include-partial shows them, marked)"
        return TableReport(shown, note)
    if wide:
        return TableReport(render_wide(entries, fmt), note)
    if fmt == "csv":
        return TableReport(_long_csv(selection, include_partial), note)
    tables = task_tables(selection, include_partial)
    render = {"md": _markdown, "html": _html, "latex": _latex}[fmt]
    return TableReport(render(tables), note)


def render_table(
    records: Sequence[RunRecord],
    fmt: str = "md",
    *,
    wide: bool = False,
    include_partial: bool = False,
) -> str:
    """The tables of ``records`` as text (see :func:`table_report`)."""
    return table_report(records, fmt, wide=wide, include_partial=include_partial).text


def table(
    results_dir: Path | str = "results",
    fmt: str = "md",
    *,
    wide: bool = False,
    include_partial: bool = False,
) -> str:
    """The tables of the comparable runs under ``results_dir``."""
    records = load_records(Path(results_dir))
    return render_table(records, fmt, wide=wide, include_partial=include_partial)
