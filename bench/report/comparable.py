"""Which runs may fill a table or leaderboard cell, and which are partial.

A cell compares models, so it may only hold a run that evaluated the task's full split on
the task's reference data. A run is *partial* when

- it is limited: ``--limit`` evaluated part of the split (``task.limited``; records written
  before that field existed are limited when ``config.limit`` is set),
- more of its samples failed than its ``--max-failures`` allowed, or
- it ran on other data: its data fingerprint is not the task's reference fingerprint.

The reference fingerprint of a task is the one most models have a full run on (ties: the
one with the newest run); the dataset card's split read from its own source gives the same
fingerprint on every machine, so in practice every full run agrees. Partial runs never
replace a full one. Reports leave them out unless asked (``--include-partial``), and then
show them as separate, marked entries whose note names n and the fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bench.records.schema import RunRecord
from bench.report.runs import Run

#: ``--max-failures`` of records that do not say (the runner's default).
DEFAULT_MAX_FAILURES = 0.01
DAGGER = "\u2020"


def is_limited(record: RunRecord) -> bool:
    """Whether a ``--limit`` run left out part of the split."""
    if record.task.limited is not None:
        return record.task.limited
    return record.config.get("limit") is not None


def too_many_failures(record: RunRecord) -> bool:
    """Whether more samples failed than the run's ``--max-failures`` allowed."""
    allowed = record.config.get("max_failures", DEFAULT_MAX_FAILURES)
    if isinstance(allowed, bool) or not isinstance(allowed, (int, float)):
        allowed = DEFAULT_MAX_FAILURES
    n = record.task.n_samples
    return n > 0 and record.n_failed / n > allowed


def short_fingerprint(fingerprint: str) -> str:
    """The first 12 hex digits of a data fingerprint (enough to tell data apart)."""
    return fingerprint[:12]


def partial_reason(record: RunRecord, reference: str | None) -> str:
    """Why ``record`` cannot fill a cell (empty when it can), naming n and the data."""
    task = record.task
    data = f"data {short_fingerprint(task.fingerprint)}"
    if is_limited(record):
        subset = task.subset or {}
        of = subset.get("of")
        rule = subset.get("rule", "first rows or unknown rule")
        size = f"n={task.n_samples}" + (f" of {of}" if of is not None else "")
        return f"--limit run, {size} ({rule}), {data}"
    if too_many_failures(record):
        allowed = record.config.get("max_failures", DEFAULT_MAX_FAILURES)
        return (
            f"{record.n_failed} of n={task.n_samples} samples failed "
            f"(above --max-failures {allowed}), {data}"
        )
    if reference is not None and task.fingerprint != reference:
        return (
            f"other data: n={task.n_samples}, {data} "
            f"(the table's is {short_fingerprint(reference)})"
        )
    return ""


@dataclass(frozen=True)
class Entry:
    """A run a report shows: comparable (``note`` empty) or partial (``note`` says why)."""

    run: Run
    note: str = ""

    @property
    def record(self) -> RunRecord:
        """The run's record."""
        return self.run.record

    @property
    def partial(self) -> bool:
        """Whether this entry is shown only on request, marked."""
        return bool(self.note)


@dataclass(frozen=True)
class Selection:
    """The comparable runs of each task, the partial ones, and each task's reference data."""

    comparable: tuple[Entry, ...]
    partial: tuple[Entry, ...]
    references: dict[str, str]

    def shown(self, include_partial: bool) -> list[Entry]:
        """Entries a report shows: comparable ones, then partial ones when asked."""
        return [*self.comparable, *(self.partial if include_partial else ())]

    def excluded_note(self, include_partial: bool) -> str:
        """A line saying how many partial runs were left out (empty when none were)."""
        if include_partial or not self.partial:
            return ""
        count = len(self.partial)
        runs = "run" if count == 1 else "runs"
        return (
            f"{count} partial {runs} (--limit, other data or too many failures) left out; "
            "--include-partial shows them, marked"
        )


def _newer(a: RunRecord, b: RunRecord) -> bool:
    return (a.finished_at, a.run_id) > (b.finished_at, b.run_id)


def _newest(runs: Iterable[Run], key: str) -> list[Run]:
    """The newest run per (task, model) or per (task, model, fingerprint)."""
    latest: dict[tuple[str, ...], Run] = {}
    for run in runs:
        task = run.record.task
        group: tuple[str, ...] = run.key if key == "pair" else (*run.key, task.fingerprint)
        current = latest.get(group)
        if current is None or _newer(run.record, current.record):
            latest[group] = run
    return [latest[group] for group in sorted(latest)]


def reference_fingerprints(runs: Sequence[Run]) -> dict[str, str]:
    """Per task, the fingerprint most models have a full run on (ties: the newest run's)."""
    models: dict[str, dict[str, set[str]]] = {}
    newest: dict[tuple[str, str], str] = {}
    for run in runs:
        record = run.record
        if is_limited(record) or too_many_failures(record):
            continue
        key = (record.task.name, record.task.fingerprint)
        models.setdefault(key[0], {}).setdefault(key[1], set()).add(record.model.spec)
        newest[key] = max(newest.get(key, ""), record.finished_at)
    return {
        task: max(prints, key=lambda f: (len(prints[f]), newest[(task, f)], f))
        for task, prints in models.items()
    }


def select(runs: Sequence[Run]) -> Selection:
    """Split ``runs`` into the newest comparable run per (task, model) and partial ones.

    Partial runs are kept newest per task, model and data fingerprint; they never replace
    a comparable run (a report shows them beside it, marked, when asked).
    """
    references = reference_fingerprints(runs)
    full: list[Run] = []
    partial: list[Entry] = []
    notes: dict[str, str] = {}
    for run in runs:
        note = partial_reason(run.record, references.get(run.record.task.name))
        if note:
            notes[run.record.run_id] = note
        else:
            full.append(run)
    comparable = tuple(Entry(run) for run in _newest(full, "pair"))
    partial_runs = [run for run in runs if run.record.run_id in notes]
    for run in _newest(partial_runs, "data"):
        partial.append(Entry(run, notes[run.record.run_id]))
    return Selection(comparable, tuple(partial), references)
