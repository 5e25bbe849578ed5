"""Model x task tables from RunRecords (pandas underneath)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from bench.errors import UsageError
from bench.records.io import find_runs, read_record
from bench.records.schema import RunRecord


def latest_records(records: Sequence[RunRecord]) -> list[RunRecord]:
    """The newest record per (task, model), by finish time then run id."""
    latest: dict[tuple[str, str], RunRecord] = {}
    for record in records:
        key = (record.task.name, record.model.spec)
        current = latest.get(key)
        if current is None or (record.finished_at, record.run_id) > (
            current.finished_at,
            current.run_id,
        ):
            latest[key] = record
    return list(latest.values())


def load_records(results_dir: Path) -> list[RunRecord]:
    """Every complete RunRecord under ``results_dir``."""
    if not results_dir.exists():
        raise UsageError(f"{results_dir}: no such results folder")
    runs = find_runs(results_dir)
    if not runs:
        raise UsageError(f"{results_dir}: no run records found (run `modalbench run` first)")
    return [read_record(run) for run in runs]


def _cell(record: RunRecord) -> str:
    name = record.headline[0] if record.headline else next(iter(record.metrics), None)
    if name is None:
        return "-"
    entry = record.metrics[name]
    text = f"{name} {entry.value:.3f}"
    if entry.ci_low is not None and entry.ci_high is not None:
        text += f" [{entry.ci_low:.3f}, {entry.ci_high:.3f}]"
    if record.n_failed:
        text += f" ({record.n_failed} failed)"
    return text


def frame(records: Sequence[RunRecord]) -> pd.DataFrame:
    """One row per model, one column per task: the headline metric with its 95% CI."""
    rows: dict[str, dict[str, str]] = {}
    for record in latest_records(records):
        rows.setdefault(record.model.spec, {})[record.task.name] = _cell(record)
    table = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    table.index.name = "model"
    return table.reindex(sorted(table.columns), axis=1).fillna("-")


def render_table(records: Sequence[RunRecord], fmt: str = "md") -> str:
    """Render the model x task table as Markdown, CSV, HTML or LaTeX."""
    table = frame(records)
    if fmt == "md":
        header = ["model", *table.columns]
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for model, row in table.iterrows():
            lines.append("| " + " | ".join([str(model), *map(str, row.tolist())]) + " |")
        return "\n".join(lines)
    if fmt == "csv":
        return str(table.to_csv())
    if fmt == "html":
        return str(table.to_html(escape=True))
    if fmt == "latex":
        return str(table.to_latex(escape=True))
    raise UsageError(f"--format {fmt}: expected md, csv, html or latex")


def table(results_dir: Path | str = "results", fmt: str = "md") -> str:
    """The table of the latest runs under ``results_dir``."""
    return render_table(load_records(Path(results_dir)), fmt)
