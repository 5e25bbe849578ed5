"""``bench.run``: evaluate models on tasks and write one RunRecord per pair."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

from bench.adapters.base import LoadOptions, ModelAdapter, ModelSpec
from bench.capabilities import capabilities_of, capability_name
from bench.errors import EvaluationAbortError, RunAbortError, RunIncompleteError, UsageError
from bench.metrics.base import FloatArray, MetricSuite, bootstrap_counts, with_confidence
from bench.paths import cache_dir
from bench.records.io import new_run_id, slug, write_record, write_run
from bench.records.schema import (
    ErrorEntry,
    MetricEntry,
    ModelSection,
    RunRecord,
    TaskSection,
    Throughput,
)
from bench.runner.cache import PredictionCache, stable_key
from bench.runner.device import device_kind, resolve_device, resolve_dtype
from bench.runner.distributed import (
    Ranks,
    all_gather_json,
    all_gather_stage,
    init_ranks,
    rank_device,
    shutdown,
)
from bench.runner.environment import hardware, library_versions
from bench.runner.executor import TEXT_BATCH_FACTOR, ExecutorConfig, LoaderExecutor
from bench.runner.keys import code_identity
from bench.runner.loader import default_workers
from bench.runner.plan import Job, RunConfig, plan_jobs
from bench.runner.reuse import (
    EvaluationKeys,
    FinishedEvaluations,
    StoredEvaluation,
    reused_record,
    storable,
    write_rows,
)
from bench.runner.throughput import ThroughputMeter
from bench.tasking import DataOptions, Task, TaskData, TaskResult

log = logging.getLogger("modalbench")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _specs(models: Sequence[str | ModelSpec] | None, config: RunConfig) -> list[ModelSpec] | None:
    if not models:
        return None
    return [
        m
        if isinstance(m, ModelSpec)
        else ModelSpec.parse(m, config.model_args, trust_remote_code=config.trust_remote_code)
        for m in models
    ]


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
    """Each metric's value and bootstrap 95% CI.

    The metrics of one unit share their resamples (drawn once per unit, seeded): the CIs
    are paired, and drawing is paid once per unit rather than once per metric.
    """
    counts: dict[str, FloatArray] = {}
    entries: dict[str, MetricEntry] = {}
    for metric in suite.metrics:
        n = metric.stats.shape[0]
        if resamples > 0 and n >= 2 and metric.unit not in counts:
            counts[metric.unit] = bootstrap_counts(n, resamples, seed + len(counts))
        value = with_confidence(metric, resamples=resamples, counts=counts.get(metric.unit))
        entries[metric.name] = MetricEntry(
            value=value.value,
            ci_low=value.ci_low,
            ci_high=value.ci_high,
            higher_is_better=value.higher_is_better,
            aggregator=metric.aggregator.id,
            unit=metric.unit,
        )
    return entries


def cache_namespace(
    adapter: ModelAdapter,
    task: Task,
    data_fingerprint: str,
    seed: int,
    device: str,
    dtype: str,
) -> str | None:
    """The prediction-cache namespace: everything outside the stage that changes an output.

    Model fingerprint and settings, task, dataset fingerprint, seed (fitted heads), the
    device kind (CPU and CUDA kernels differ in the last bits), the autocast dtype, and the
    code identity of :mod:`bench.runner.keys` (sources of modalbench, the adapter and the
    task; library versions), the same rule the store of finished evaluations uses. None
    when the code cannot be fingerprinted: then nothing is cached. The batch size is left
    out on purpose: an OOM back-off or a resumed run with another batch size keeps its
    cache.
    """
    code = code_identity(type(adapter), type(task))
    if code is None:
        return None
    return stable_key(
        adapter.fingerprint(),
        adapter.settings(),
        task.name,
        data_fingerprint,
        seed,
        device_kind(device),
        dtype,
        code,
    )


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
        "limit": config.limit,
        "num_workers": loader_workers(config),
        "data_dir": str(config.data_dir) if config.data_dir else None,
        "cache": config.use_cache,
        "bootstrap_resamples": config.bootstrap,
        "max_failures": config.max_failures,
        "trust_remote_code": config.trust_remote_code,
        "world_size": world_size,
    }


def _record(
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
) -> RunRecord:
    metrics = metric_entries(result.suite, resamples=config.bootstrap, seed=config.seed)
    sample_ids = {s.id for s in data.samples}
    failed_ids = {owner(e.sample_id, sample_ids) for e in result.errors}
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
        n_failed=len(failed_ids),
        errors=[ErrorEntry(e.sample_id, e.stage, e.reason) for e in result.errors],
        throughput=Throughput(**throughput),
        config=config_section(config, device=device, dtype=dtype, world_size=world_size),
        hardware=hardware(device),
        versions=library_versions(),
        seed=config.seed,
        started_at=started_at,
        finished_at=_now(),
    )


def check_some_sample_succeeded(job: Job, data: TaskData, result: TaskResult) -> None:
    """Refuse to report metrics for an evaluation in which every sample failed."""
    sample_ids = {s.id for s in data.samples}
    failed = {owner(e.sample_id, sample_ids) for e in result.errors}
    if data.samples and len(failed & sample_ids) >= len(sample_ids):
        first = result.errors[0]
        raise EvaluationAbortError(
            first.stage,
            f"no sample succeeded ({len(sample_ids)} of {len(sample_ids)} failed; the first: "
            f"{first.sample_id}: {first.reason})",
            model=job.model.spec.text,
            task=job.task.name,
        )


def evaluate_job(
    job: Job,
    adapter: ModelAdapter,
    data: TaskData,
    config: RunConfig,
    *,
    device: str,
    dtype: str,
    cache: PredictionCache | None,
    ranks: Ranks,
) -> tuple[RunRecord, Path | None]:
    """Evaluate one loaded model on one loaded task; rank 0 writes its run folder."""
    started_at = _now()
    task = job.task
    meter = ThroughputMeter(device=device, batch_size=config.batch_size)
    namespace = cache_namespace(adapter, task, data.fingerprint, config.seed, device, dtype)
    executor = LoaderExecutor(
        adapter,
        ExecutorConfig(
            config.batch_size,
            device,
            dtype,
            loader_workers(config),
            config.progress and ranks.is_main,
        ),
        meter,
        cache=cache if namespace is not None else None,
        namespace=namespace or "",
        shard=(ranks.rank, ranks.world),
        gather=(lambda r: all_gather_stage(r, device)) if ranks.world > 1 else None,
    )
    try:
        result = task.evaluate(adapter, data, executor, seed=config.seed)
    except EvaluationAbortError as exc:
        raise exc.located(model=job.model.spec.text, task=task.name) from exc
    check_some_sample_succeeded(job, data, result)
    rank_timings: list[dict[str, Any]] | None = None
    if ranks.world > 1:
        rank_timings = [
            cast(dict[str, Any], t) for t in all_gather_json(meter.rank_timing(), device)
        ]
    extra: dict[str, Any] = {
        "throughput_by_stage": {
            name: rate.to_json() for name, rate in meter.stage_rates(rank_timings).items()
        }
    }
    if executor.oom_events:
        extra["oom_backoff"] = executor.oom_events
    run_id = new_run_id()
    record = _record(
        run_id=run_id,
        task=task,
        data=data,
        job=job,
        adapter=adapter,
        result=result,
        throughput=meter.summary(len(data.samples), rank_timings),
        config=config,
        device=device,
        dtype=dtype,
        started_at=started_at,
        extra_details=extra,
        world_size=ranks.world,
    )
    if not ranks.is_main:
        return record, None
    folder = config.out / slug(task.name) / slug(job.model.spec.text) / run_id
    write_run(folder, record, result.rows)
    return record, folder


def reuse_job(
    job: Job,
    stored: StoredEvaluation,
    config: RunConfig,
    *,
    device: str,
    dtype: str,
) -> tuple[RunRecord, Path]:
    """Write a finished evaluation's stored record and rows as this run's (no model load)."""
    started_at = _now()
    meter = ThroughputMeter(device=device, batch_size=config.batch_size)
    run_id = new_run_id()
    folder = config.out / slug(job.task.name) / slug(job.model.spec.text) / run_id
    write_rows(stored.rows, folder)
    record = reused_record(
        stored,
        run_id=run_id,
        started_at=started_at,
        finished_at=_now(),
        config=config_section(config, device=device, dtype=dtype, world_size=1),
        meter=meter,
    )
    write_record(folder, record)
    return record, folder


def run(
    tasks: Sequence[str] | None = None,
    models: Sequence[str | ModelSpec] | None = None,
    config: RunConfig | None = None,
    **options: Any,
) -> list[RunRecord]:
    """Evaluate ``models`` on ``tasks`` (defaults: the shapes suite, the bundled models).

    Options are the fields of :class:`~bench.runner.plan.RunConfig` (``batch_size``,
    ``device``, ``limit``, ``out``...). Every capability is checked before any data or
    weights load, and all data loads before any weights. Returns the RunRecords, each also
    written under ``out``.
    """
    config = replace(config or RunConfig(), **options)
    # The Python API takes str paths as readily as Path objects.
    config = replace(
        config,
        out=Path(config.out),
        data_dir=None if config.data_dir is None else Path(config.data_dir),
    )
    config.check()
    jobs, notes = plan_jobs(
        tasks,
        _specs(models, config),
        model_args=config.model_args,
        trust_remote_code=config.trust_remote_code,
    )
    for note in notes:
        log.info(note)
    device = resolve_device(config.device)
    ranks = init_ranks(device)
    device = rank_device(device, ranks)
    dtype = resolve_dtype(config.dtype, device)
    # Every task's data loads (and fails on a wrong layout) before any model weights do.
    data_options = DataOptions(config.data_dir, config.limit, config.seed)
    data: dict[str, TaskData] = {}
    for job in jobs:
        if job.task.name not in data:
            data[job.task.name] = job.task.load(data_options)
    cache = PredictionCache(cache_dir() / "predictions.sqlite") if config.use_cache else None
    finished = (
        FinishedEvaluations(cache_dir() / "evaluations")
        if config.use_cache and ranks.world == 1
        else None
    )
    keys = EvaluationKeys(config, device=device, dtype=dtype)
    records: dict[int, RunRecord] = {}
    aborted: list[EvaluationAbortError] = []
    try:
        by_model: dict[str, list[tuple[int, Job]]] = {}
        for index, job in enumerate(jobs):
            by_model.setdefault(job.model.spec.text, []).append((index, job))
        for model_jobs in by_model.values():
            pending: list[tuple[int, Job, str | None]] = []
            for index, job in model_jobs:
                key = keys.key(job, data[job.task.name]) if finished is not None else None
                stored = finished.get(key) if finished is not None and key else None
                if stored is None:
                    pending.append((index, job, key))
                    continue
                records[index], folder = reuse_job(job, stored, config, device=device, dtype=dtype)
                log.info(
                    "wrote %s (nothing changed since run %s: reused it; --no-cache evaluates "
                    "afresh)",
                    folder,
                    records[index].details["reused_from"],
                )
            if not pending:
                continue  # every evaluation of this model was reused: no weights loaded
            adapter = model_jobs[0][1].model.load(
                LoadOptions(device=device, dtype=dtype, trust_remote_code=config.trust_remote_code)
            )
            for index, job, key in pending:
                try:
                    record, written = evaluate_job(
                        job,
                        adapter,
                        data[job.task.name],
                        config,
                        device=device,
                        dtype=dtype,
                        cache=cache,
                        ranks=ranks,
                    )
                except RunAbortError:
                    raise  # the process cannot compute anything more
                except EvaluationAbortError as exc:
                    log.error("%s", exc)
                    aborted.append(exc)
                    continue
                if written is not None:
                    log.info("wrote %s", written)
                    if finished is not None and key is not None and storable(record):
                        finished.put(key, written)
                records[index] = record
            del adapter
    finally:
        if cache is not None:
            cache.close()
        shutdown()
    finished_records = [records[index] for index in sorted(records)]
    if aborted:
        raise RunIncompleteError(aborted, finished_records)
    if not records:
        raise UsageError("nothing was evaluated")
    return finished_records
