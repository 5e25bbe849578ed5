"""Finding the run folders a report is built from, and keeping the newest per pair.

Every report (``table``, ``compare``, ``leaderboard``) reads RunRecords only through this
module: a results folder or a single run folder in, complete runs out. A record of another
schema version is refused by :func:`bench.records.io.read_record` with a message naming the
file, so a report never mixes records it cannot read correctly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.errors import UsageError
from bench.records.io import find_runs, read_record
from bench.records.schema import RunRecord


@dataclass(frozen=True)
class Run:
    """A RunRecord and the folder that holds it (and its ``samples.jsonl``)."""

    record: RunRecord
    folder: Path

    @property
    def key(self) -> tuple[str, str]:
        """``(task name, model spec)``: the pair a run evaluates."""
        return (self.record.task.name, self.record.model.spec)


def _newer(a: RunRecord, b: RunRecord) -> bool:
    """Whether ``a`` finished after ``b`` (run ids break ties; they sort by start time)."""
    return (a.finished_at, a.run_id) > (b.finished_at, b.run_id)


def load_runs(path: Path) -> list[Run]:
    """Every complete run under ``path`` (a results folder or one run folder).

    Raises:
        UsageError: the folder does not exist, holds no complete run, or holds a record
            that cannot be read (the message names the file and field).
    """
    if not path.exists():
        raise UsageError(f"{path}: no such results folder")
    if not path.is_dir():
        raise UsageError(f"{path}: expected a results folder or a run folder")
    folders = find_runs(path)
    if not folders:
        raise UsageError(f"{path}: no run records found (run `modalbench run` first)")
    return [Run(read_record(folder), folder) for folder in folders]


def latest_runs(runs: Iterable[Run]) -> list[Run]:
    """The newest run per (task, model), sorted by task then model."""
    latest: dict[tuple[str, str], Run] = {}
    for run in runs:
        current = latest.get(run.key)
        if current is None or _newer(run.record, current.record):
            latest[run.key] = run
    return [latest[key] for key in sorted(latest)]


def latest_records(records: Sequence[RunRecord]) -> list[RunRecord]:
    """The newest record per (task, model), by finish time then run id."""
    latest: dict[tuple[str, str], RunRecord] = {}
    for record in records:
        key = (record.task.name, record.model.spec)
        current = latest.get(key)
        if current is None or _newer(record, current):
            latest[key] = record
    return [latest[key] for key in sorted(latest)]


def hardware_label(record: RunRecord) -> str:
    """Where and how a run computed: device name (or kind) and dtype, e.g. ``NVIDIA H100 bf16``."""
    hardware = record.hardware
    device = hardware.get("device_name") or hardware.get("device") or "unknown device"
    dtype = record.config.get("dtype") or record.model.settings.get("dtype") or "unknown dtype"
    return f"{device} {dtype}"


def end_to_end_rate(record: RunRecord) -> float | None:
    """Task samples per second end to end (data loading included), when the record has it.

    Records written before the field existed give None; reports then show the model-time
    rate, labelled as such, never in its place.
    """
    return record.throughput.end_to_end_samples_per_s
