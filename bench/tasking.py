"""The task contract: what a task family implements and what the runner offers it.

A task owns its data (through a dataset card), its prompting and its metrics; it reaches a
model only through the capabilities it accepts and only through the runner's
:class:`Executor`, which batches, caches, times and shards the model calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import numpy as np

from bench.capabilities import ImageBatch
from bench.data.cards import DatasetCard
from bench.errors import SampleError
from bench.metrics.base import MetricSuite
from bench.types import ErrorRecord, ImageSource, Sample

#: What one model call returns per item: generated text or a float vector (embedding/scores).
Output: TypeAlias = str | np.ndarray


@dataclass(frozen=True)
class TaskInfo:
    """One line of ``modalbench list tasks`` (read from the card; nothing heavy imported)."""

    name: str
    family: str
    size: int | None
    description: str
    provider: str = "builtin"


@dataclass(frozen=True)
class DataOptions:
    """How to read a task's data: local copy, sample limit, seed."""

    data_dir: Path | None = None
    limit: int | None = None
    seed: int = 0


@dataclass(frozen=True)
class TaskData:
    """The evaluated split of a task, ready for the runner.

    ``subset`` is the rule of a ``--limit`` subset (``rule``, ``stratify``, ``seed``, ``n``,
    ``of``; see :mod:`bench.data.subset`), None when the whole split is evaluated.
    ``train`` reads the card's train split; tasks call it only to fit a
    :class:`~bench.capabilities.FittableClassifier` (the runner relies on this: a finished
    evaluation of any other model does not depend on the train split).
    """

    samples: tuple[Sample, ...]
    fingerprint: str
    source: str
    split: str
    train: Callable[[], tuple[Sample, ...]] | None = None
    errors: tuple[ErrorRecord, ...] = ()
    subset: Mapping[str, Any] | None = None

    @property
    def limited(self) -> bool:
        """Whether ``--limit`` left out part of the split (``subset`` says how it chose)."""
        return self.subset is not None


@dataclass(frozen=True)
class WorkItem:
    """One unit of model work: an id, an optional image and an optional text."""

    id: str
    image: ImageSource | None = None
    text: str = ""
    label: str = ""


@dataclass(frozen=True)
class Batch:
    """A collated batch handed to a task's model call."""

    ids: list[str]
    images: ImageBatch | None
    texts: list[str]
    labels: list[str]


@dataclass
class StageResult:
    """Outputs of one :meth:`Executor.map` call; every item is in exactly one dict."""

    outputs: dict[str, Output] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class Executor(Protocol):
    """The runner's batching service, handed to :meth:`Task.evaluate`."""

    def map(
        self,
        stage: str,
        items: Sequence[WorkItem],
        call: Callable[[Batch], Sequence[Output | SampleError]],
        *,
        settings: Mapping[str, Any] | None = None,
        output_kind: str = "text",
        prepare: Callable[[], None] | None = None,
    ) -> StageResult:
        """Run ``call`` over ``items`` in batches; cached by stage, settings and item id.

        ``prepare`` (fitting a head, say) runs once before the first uncached batch, and
        not at all when every item comes from the cache; an exception it raises propagates.

        ``output_kind`` is ``"text"`` (a non-empty string per item) or ``"vector"`` (a finite
        float vector per item); anything else, or a :class:`SampleError` in the returned
        list, becomes a per-item error. Items whose image fails to decode never reach
        ``call``.
        """
        ...

    def batches(self, stage: str, items: Sequence[WorkItem]) -> Iterator[Batch]:
        """Decoded, preprocessed batches without calling the model (to fit a head)."""
        ...


@dataclass(frozen=True)
class SampleRow:
    """One line of a run's per-sample JSONL.

    ``stats`` holds, per metric, this sample's row of the metric's per-sample statistics
    (see :mod:`bench.metrics.base`), so records can be re-aggregated and compared later.
    """

    unit: str
    id: str
    prediction: Any
    error: str | None
    stats: Mapping[str, list[float]] = field(default_factory=dict)
    #: the resampling cluster of this unit (e.g. the image of a question), when the task
    #: declares one; compare resamples clusters, not rows
    cluster: str | None = None


@dataclass(frozen=True)
class TaskResult:
    """What :meth:`Task.evaluate` returns to the runner."""

    suite: MetricSuite
    rows: tuple[SampleRow, ...]
    errors: tuple[ErrorRecord, ...]
    headline: tuple[str, ...]
    settings: Mapping[str, Any]


class Task(Protocol):
    """A task family bound to one dataset card."""

    name: str
    family: str
    card: DatasetCard

    def accepts(self) -> tuple[type, ...]:
        """Capabilities any one of which lets a model run this task."""
        ...

    def load(self, options: DataOptions) -> TaskData:
        """Read, check and fingerprint the evaluated split."""
        ...

    def evaluate(
        self, model: object, data: TaskData, executor: Executor, *, seed: int
    ) -> TaskResult:
        """Run the model through the executor and score its predictions."""
        ...


class TaskProvider(Protocol):
    """A ``modalbench.tasks`` entry point: lists tasks cheaply and builds them on demand."""

    def list_tasks(self) -> Sequence[TaskInfo]:
        """Every task this provider registers (must not import torch)."""
        ...

    def build(self, name: str) -> Task:
        """The task called ``name`` (one of :meth:`list_tasks`)."""
        ...


def sample_rows(
    suite: MetricSuite,
    predictions: Mapping[str, Mapping[str, Any]],
    errors: Mapping[str, str],
) -> tuple[SampleRow, ...]:
    """One JSONL row per (unit, id) of ``suite``, carrying each metric's stats row.

    Args:
        suite: the metrics; their stats rows follow ``suite.ids[unit]``.
        predictions: per unit, the prediction to record for each id (absent = None).
        errors: per id, why the sample failed (absent = it did not).
    """
    rows: list[SampleRow] = []
    for unit, ids in suite.ids.items():
        metrics = [m for m in suite.metrics if m.unit == unit]
        unit_predictions = predictions.get(unit, {})
        clustering = suite.clusters.get(unit)
        for i, sample_id in enumerate(ids):
            rows.append(
                SampleRow(
                    unit=unit,
                    id=sample_id,
                    prediction=unit_predictions.get(sample_id),
                    error=errors.get(sample_id),
                    stats={m.name: [float(x) for x in m.stats[i]] for m in metrics},
                    cluster=clustering.ids[i] if clustering else None,
                )
            )
    return tuple(rows)
