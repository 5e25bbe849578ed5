"""``bench.run``: evaluate models on tasks and write one RunRecord per pair."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from bench.adapters.base import LoadOptions, ModelAdapter, ModelSpec
from bench.capabilities import ImagePreprocessing
from bench.errors import EvaluationAbortError, RunAbortError, RunIncompleteError, UsageError
from bench.paths import cache_dir
from bench.records.io import new_run_id, slug, write_record, write_run
from bench.records.schema import RunRecord
from bench.runner.cache import PredictionCache, stable_key
from bench.runner.decode import resolve_decode
from bench.runner.device import device_kind, resolve_device, resolve_dtype
from bench.runner.distributed import (
    Ranks,
    all_gather_json,
    all_gather_stage,
    init_ranks,
    rank_device,
    shutdown,
)
from bench.runner.executor import ExecutorConfig, LoaderExecutor
from bench.runner.keys import code_identity
from bench.runner.plan import Job, RunConfig, plan_jobs
from bench.runner.recording import (
    build_record,
    check_some_sample_succeeded,
    config_section,
    loader_workers,
    metric_entries,
    now_iso,
    owner,
)
from bench.runner.reuse import (
    EvaluationKeys,
    FinishedEvaluations,
    StoredEvaluation,
    reused_record,
    storable,
    write_rows,
)
from bench.runner.throughput import ThroughputMeter
from bench.tasking import DataOptions, Task, TaskData

__all__ = ["cache_namespace", "evaluate_job", "owner", "reuse_job", "run"]

log = logging.getLogger("modalbench")


def _specs(models: Sequence[str | ModelSpec] | None, config: RunConfig) -> list[ModelSpec] | None:
    if not models:
        return None
    return [
        m
        if isinstance(m, ModelSpec)
        else ModelSpec.parse(m, config.model_args, trust_remote_code=config.trust_remote_code)
        for m in models
    ]


def cache_namespace(
    adapter: ModelAdapter,
    task: Task,
    data_fingerprint: str,
    seed: int,
    device: str,
    dtype: str,
    decode: str = "cpu",
) -> str | None:
    """The prediction-cache namespace: everything outside the stage that changes an output.

    Model fingerprint and settings, task, dataset fingerprint, seed (fitted heads), the
    device kind (CPU and CUDA kernels differ in the last bits), the autocast dtype, the
    image decode path (PIL and torchvision pixels differ by up to one level), and the
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
        *([] if decode == "cpu" else [{"decode": decode}]),  # the CPU path keeps old keys
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
    load_s: float = 0.0,
) -> tuple[RunRecord, Path | None]:
    """Evaluate one loaded model on one loaded task; rank 0 writes its run folder.

    ``load_s`` is the time spent loading this task's data and this model's weights: part
    of what a user waits for this evaluation, so part of its end-to-end rate.
    """
    started_at = now_iso()
    task = job.task
    meter = ThroughputMeter(
        device=device,
        batch_size=config.batch_size,
        evaluation_start=time.perf_counter() - load_s,
    )
    meter.add_phase("load", load_s)
    preprocessor = adapter.image_preprocessor() if isinstance(adapter, ImagePreprocessing) else None
    decode = resolve_decode(config.decode, device, preprocessor)
    namespace = cache_namespace(
        adapter, task, data.fingerprint, config.seed, device, dtype, decode.mode
    )
    executor = LoaderExecutor(
        adapter,
        ExecutorConfig(
            config.batch_size,
            device,
            dtype,
            loader_workers(config),
            config.progress and ranks.is_main,
            device_decode=decode.pipeline,
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
    if preprocessor is not None:
        extra["image_decode"] = decode.mode
    with meter.phase("metrics"):
        metrics = metric_entries(result.suite, resamples=config.bootstrap, seed=config.seed)
    run_id = new_run_id()
    record = build_record(
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
        metrics=metrics,
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
    started_at = now_iso()
    meter = ThroughputMeter(device=device, batch_size=config.batch_size)
    run_id = new_run_id()
    folder = config.out / slug(job.task.name) / slug(job.model.spec.text) / run_id
    write_rows(stored.rows, folder)
    record = reused_record(
        stored,
        run_id=run_id,
        started_at=started_at,
        finished_at=now_iso(),
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
    data_load_s: dict[str, float] = {}
    for job in jobs:
        if job.task.name not in data:
            started = time.perf_counter()
            data[job.task.name] = job.task.load(data_options)
            data_load_s[job.task.name] = time.perf_counter() - started
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
            started = time.perf_counter()
            adapter = model_jobs[0][1].model.load(
                LoadOptions(device=device, dtype=dtype, trust_remote_code=config.trust_remote_code)
            )
            weights_load_s = time.perf_counter() - started
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
                        load_s=data_load_s[job.task.name] + weights_load_s,
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
