"""What differs between the configuration and environment of a baseline and a candidate run.

``compare`` lists these at the top of its report: a delta measured across devices, dtypes,
batch sizes, library versions or seeds is not only the model's. Only different data (the
dataset fingerprint) makes a comparison meaningless; that is refused elsewhere, the rest is
listed here and left to the reader.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bench.records.schema import RunRecord

#: Record fields that describe the run itself, not how it was configured.
_TASK_FIELDS = ("card", "split", "source", "n_samples", "fingerprint")


@dataclass(frozen=True)
class Difference:
    """One field whose value differs, and the tasks whose pair of runs it differs in."""

    field: str
    baseline: str
    candidate: str
    tasks: tuple[str, ...]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _flatten(prefix: str, section: Mapping[str, Any]) -> dict[str, str]:
    return {f"{prefix}.{key}": _text(value) for key, value in section.items()}


def settings_of(record: RunRecord) -> dict[str, str]:
    """The record's configuration and environment as ``field -> value`` text.

    Covers ``config.*`` (device, dtype, batch size...), ``hardware.*``, ``versions.*``,
    ``seed``, the task's card, split, source, sample count, fingerprint and settings, and
    the model's adapter and settings (dtype, revision...). Not the model's identity (what is
    being compared), timings or results.
    """
    task = record.task
    out = {
        **_flatten("config", record.config),
        **_flatten("hardware", record.hardware),
        **_flatten("versions", record.versions),
        "seed": _text(record.seed),
        **{f"task.{name}": _text(getattr(task, name)) for name in _TASK_FIELDS},
        **_flatten("task.settings", task.settings),
        "model.adapter": record.model.adapter,
        **_flatten("model.settings", record.model.settings),
    }
    return out


def differences(pairs: Iterable[tuple[str, RunRecord, RunRecord]]) -> tuple[Difference, ...]:
    """Every field whose value differs between the runs of a pair, grouped across tasks.

    Args:
        pairs: ``(task, baseline record, candidate record)``.

    A field present on one side only is listed with ``(absent)`` on the other.
    """
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for task, baseline, candidate in pairs:
        b, c = settings_of(baseline), settings_of(candidate)
        for name in sorted(b.keys() | c.keys()):
            old, new = b.get(name, "(absent)"), c.get(name, "(absent)")
            if old != new:
                grouped.setdefault((name, old, new), []).append(task)
    return tuple(
        Difference(name, old, new, tuple(tasks)) for (name, old, new), tasks in grouped.items()
    )
