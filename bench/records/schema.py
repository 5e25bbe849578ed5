"""The RunRecord: one (task, model) evaluation, as a versioned JSON document.

Field-by-field documentation: ``docs/runrecord.md``; JSON Schema: ``runrecord.schema.json``
beside this module. A record is written as ``record.json`` next to ``samples.jsonl`` (one
line per evaluated unit: prediction, error, per-metric stats rows) in
``results/<task>/<model>/<run-id>/``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class TaskSection:
    """Which task and which data: enough to tell whether two runs are comparable.

    ``limited`` is true for a ``--limit`` run that evaluated part of the split; ``subset``
    then says how the part was drawn (``rule``, ``stratify``, ``seed``, ``n``, ``of``).
    ``limited`` is None in records written before it existed (``config.limit`` tells).
    """

    name: str
    family: str
    card: str
    split: str
    source: str
    fingerprint: str
    n_samples: int
    license: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    limited: bool | None = None
    subset: dict[str, Any] | None = None


@dataclass(frozen=True)
class ModelSection:
    """Which model, exactly: spec, adapter, weights fingerprint and every setting."""

    spec: str
    adapter: str
    fingerprint: str
    settings: dict[str, Any] = field(default_factory=dict)
    capabilities: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MetricEntry:
    """One metric: value, bootstrap 95% CI, direction and how to re-aggregate its stats."""

    value: float
    ci_low: float | None
    ci_high: float | None
    higher_is_better: bool
    aggregator: str
    unit: str
    #: bootstrap draws whose value was not finite (no CI when more than 1% of them)
    dropped_resamples: int = 0
    #: what the bootstrap resampled: a cluster field (e.g. "image") or None for the unit
    resampled_by: str | None = None


@dataclass(frozen=True)
class Throughput:
    """Speed of the model calls only (data loading and metrics excluded)."""

    samples_per_s: float | None
    items_per_s: float | None
    batch_latency_p50_s: float | None
    batch_latency_p95_s: float | None
    n_batches: int
    warmup_batches: int
    model_time_s: float
    wall_time_s: float
    batch_size: int
    final_batch_size: int
    cached_items: int
    computed_items: int
    peak_memory_bytes: int | None
    memory_kind: str
    # The user's view (None where not measured, e.g. records written before these fields):
    # wall time from the evaluation's start (before loading data and weights) to its
    # record, samples per second of it, and that time split into phases.
    end_to_end_wall_s: float | None = None
    end_to_end_samples_per_s: float | None = None
    load_time_s: float | None = None
    input_wait_time_s: float | None = None
    metrics_time_s: float | None = None
    write_time_s: float | None = None
    other_time_s: float | None = None


@dataclass(frozen=True)
class ErrorEntry:
    """A failed sample: which, in which stage, and why."""

    sample_id: str
    stage: str
    reason: str


@dataclass(frozen=True)
class RunRecord:
    """Everything needed to trust, reproduce and compare one evaluation."""

    run_id: str
    task: TaskSection
    model: ModelSection
    metrics: dict[str, MetricEntry]
    headline: list[str]
    details: dict[str, Any]
    n_failed: int
    errors: list[ErrorEntry]
    throughput: Throughput
    config: dict[str, Any]
    hardware: dict[str, Any]
    versions: dict[str, str]
    seed: int
    started_at: str
    finished_at: str
    schema_version: int = SCHEMA_VERSION

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict in schema order."""
        return asdict(self)
