"""What a finished evaluation writes: its RunRecord, built from the task's result.

Kept apart from :mod:`bench.runner.api` (which schedules and runs evaluations) so the
record's contents, the metric CIs and the "no sample succeeded" rule are read in one place.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from bench.adapters.base import ModelAdapter
from bench.capabilities import capabilities_of, capability_name
from bench.errors import EvaluationAbortError
from bench.metrics.base import MetricSuite, confidence_entries
from bench.records.schema import (
    ErrorEntry,
    MetricEntry,
    ModelSection,
    RunRecord,
    TaskSection,
    Throughput,
)
from bench.runner.environment import hardware, library_versions
from bench.runner.executor import TEXT_BATCH_FACTOR
from bench.runner.loader import default_workers
from bench.runner.plan import Job, RunConfig
from bench.tasking import Task, TaskData, TaskResult


def now_iso() -> str:
    """The current UTC time, to the second, as the records write it."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def owner(unit_id: str, sample_ids: set[str]) -> str:
    """The sample a unit id belongs to: itself, or ``S`` for a unit ``S#k`` of sample ``S``.

    Retrieval evaluates each caption of an image as its own unit (``<image id>#<k>``);
    a failed caption makes its sample failed, counted once however many captions failed.
    """
    if unit_id in sample_ids:
        return unit_id
    head, sep, _ = unit_id.rpartition("#")
    return head if sep and head in sample_ids else unit_id


def metric_entries(suite: MetricSuite, *, resamples: int, seed: int) -> dict[str, MetricEntry]:
    """Each metric's value and bootstrap 95% CI, from the one resampler ``score`` and
    ``compare`` use too (:func:`bench.metrics.base.confidence_entries`): the task's
    resampling clusters, one seeding rule, draws shared by the metrics of a unit."""
    metrics = {m.name: m for m in suite.metrics}
    return {
        name: MetricEntry(
            value=v.value,
            ci_low=v.ci_low,
            ci_high=v.ci_high,
            higher_is_better=v.higher_is_better,
            aggregator=metrics[name].aggregator.id,
            unit=metrics[name].unit,
            dropped_resamples=v.dropped,
            resampled_by=v.clustered_by,
        )
        for name, v in confidence_entries(suite, resamples=resamples, seed=seed).items()
    }


def loader_workers(config: RunConfig) -> int:
    """``--num-workers``, or the default for this machine when not given."""
    return default_workers() if config.num_workers is None else config.num_workers


def config_section(
    config: RunConfig, *, device: str, dtype: str, world_size: int
) -> dict[str, Any]:
    """The RunRecord ``config`` section: the run options as resolved."""
    return {
        "batch_size": config.batch_size,
        "text_batch_size": config.batch_size * TEXT_BATCH_FACTOR,
        "device": device,
        "dtype": dtype,
        "decode": config.decode,
        "limit": config.limit,
        "num_workers": loader_workers(config),
        "data_dir": str(config.data_dir) if config.data_dir else None,
        "cache": config.use_cache,
        "bootstrap_resamples": config.bootstrap,
        "max_failures": config.max_failures,
        "trust_remote_code": config.trust_remote_code,
        "world_size": world_size,
    }


def failed_samples(data: TaskData, result: TaskResult) -> set[str]:
    """The ids of the samples with an error (a sample counts once however many of its
    units failed)."""
    sample_ids = {s.id for s in data.samples}
    return {owner(e.sample_id, sample_ids) for e in result.errors}


def check_some_sample_succeeded(job: Job, data: TaskData, result: TaskResult) -> None:
    """Refuse to report metrics for an evaluation in which every sample failed."""
    sample_ids = {s.id for s in data.samples}
    if data.samples and len(failed_samples(data, result) & sample_ids) >= len(sample_ids):
        first = result.errors[0]
        raise EvaluationAbortError(
            first.stage,
            f"no sample succeeded ({len(sample_ids)} of {len(sample_ids)} failed; the first: "
            f"{first.sample_id}: {first.reason})",
            model=job.model.spec.text,
            task=job.task.name,
        )


def build_record(
    *,
    run_id: str,
    task: Task,
    data: TaskData,
    job: Job,
    adapter: ModelAdapter,
    result: TaskResult,
    throughput: dict[str, Any],
    config: RunConfig,
    device: str,
    dtype: str,
    started_at: str,
    extra_details: dict[str, Any],
    world_size: int,
    metrics: dict[str, MetricEntry],
) -> RunRecord:
    """The RunRecord of one finished evaluation (``metrics`` from :func:`metric_entries`)."""
    return RunRecord(
        run_id=run_id,
        task=TaskSection(
            name=task.name,
            family=task.family,
            card=str(task.card.path.name),
            split=data.split,
            source=data.source,
            fingerprint=data.fingerprint,
            n_samples=len(data.samples),
            license=task.card.license,
            settings=dict(result.settings),
            limited=data.limited,
            subset=None if data.subset is None else dict(data.subset),
        ),
        model=ModelSection(
            spec=job.model.spec.text,
            adapter=f"{type(adapter).__module__}.{type(adapter).__qualname__}",
            fingerprint=adapter.fingerprint(),
            settings=adapter.settings(),
            capabilities=sorted(capability_name(c) for c in capabilities_of(type(adapter))),
        ),
        metrics=metrics,
        headline=[h for h in result.headline if h in metrics],
        details={**dict(result.suite.details), **extra_details},
        n_failed=len(failed_samples(data, result)),
        errors=[ErrorEntry(e.sample_id, e.stage, e.reason) for e in result.errors],
        throughput=Throughput(**throughput),
        config=config_section(config, device=device, dtype=dtype, world_size=world_size),
        hardware=hardware(device),
        versions=library_versions(),
        seed=config.seed,
        started_at=started_at,
        finished_at=now_iso(),
    )
