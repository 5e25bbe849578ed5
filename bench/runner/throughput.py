"""Timing of model calls only: latency per batch, items and samples per second, peak memory.

Every timed batch is tagged with its stage (``image-embedding``, ``answer``...). The first
``warmup`` batches of each stage (lazy initialisation, kernel selection, allocator growth)
are excluded from rates and latency percentiles when the stage has later batches.

Under ``torchrun`` each rank times its own shard; :meth:`ThroughputMeter.summary` merges
the ranks: batch latencies pool, and a stage's rate is the items computed by all ranks
over the post-warm-up model time of the slowest rank (ranks run in parallel).

Besides the model's own speed the meter keeps the user's view: the evaluation's wall time
from its start (before its data and weights are loaded) and the samples per second of it
(end to end), split into phases (:data:`PHASES`) that the caller times with
:meth:`ThroughputMeter.phase` or :meth:`ThroughputMeter.timed`. A phase nobody timed is
reported as ``None`` (not measured), never as 0.
"""

from __future__ import annotations

import contextlib
import re
import resource
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from bench.runner.device import synchronize

#: Phases of an evaluation besides the model calls, as ``throughput`` field prefixes:
#: ``load`` (reading and fingerprinting data, loading and hashing weights), ``input_wait``
#: (the batch loop waiting for the loader: decoding and preprocessing that did not overlap
#: the model), ``metrics`` (scoring, bootstrap CIs), ``write`` (prediction cache, rows).
PHASES = ("load", "input_wait", "metrics", "write")

#: The ``throughput`` fields of :meth:`ThroughputMeter.end_to_end` (all wall-clock
#: figures of the run that wrote the record).
END_TO_END_FIELDS = (
    "end_to_end_wall_s",
    "end_to_end_samples_per_s",
    *(f"{name}_time_s" for name in PHASES),
    "other_time_s",
)

T = TypeVar("T")

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


@dataclass
class RankTiming:
    """One rank's raw timings (JSON-serialisable, gathered across ranks)."""

    latencies: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    cached: dict[str, int] = field(default_factory=dict)
    peak_memory_bytes: int | None = None


@dataclass(frozen=True)
class StageRate:
    """One stage's figures merged over ranks."""

    items: int
    cached: int
    batches: int
    warmup_batches: int
    model_time_s: float
    measured_items: int
    measured_time_s: float
    latencies: tuple[float, ...]

    @property
    def items_per_s(self) -> float | None:
        """Post-warm-up items per second of model time (None without timed items)."""
        return self.measured_items / self.measured_time_s if self.measured_time_s > 0 else None

    def to_json(self) -> dict[str, Any]:
        """The per-stage entry of ``details['throughput_by_stage']``."""
        lat = np.asarray(self.latencies, dtype=np.float64)
        return {
            "computed_items": self.items,
            "cached_items": self.cached,
            "n_batches": self.batches,
            "warmup_batches": self.warmup_batches,
            "model_time_s": self.model_time_s,
            "items_per_s": self.items_per_s,
            "batch_latency_p50_s": float(np.percentile(lat, 50)) if lat.size else None,
            "batch_latency_p95_s": float(np.percentile(lat, 95)) if lat.size else None,
        }


def merge_stage(stage: str, timings: Sequence[RankTiming], warmup: int) -> StageRate:
    """Merge one stage's batches over ranks, excluding each rank's warm-up batches."""
    items = cached = batches = skipped = measured_items = 0
    slowest_total = slowest_measured = 0.0
    latencies: list[float] = []
    for timing in timings:
        mine = [
            (lat, size)
            for lat, size, name in zip(timing.latencies, timing.sizes, timing.stages, strict=True)
            if name == stage
        ]
        skip = warmup if len(mine) > warmup else 0
        measured = mine[skip:]
        items += sum(size for _, size in mine)
        cached += timing.cached.get(stage, 0)
        batches += len(mine)
        skipped += skip
        measured_items += sum(size for _, size in measured)
        latencies.extend(lat for lat, _ in measured)
        slowest_total = max(slowest_total, sum(lat for lat, _ in mine))
        slowest_measured = max(slowest_measured, sum(lat for lat, _ in measured))
    return StageRate(
        items=items,
        cached=cached,
        batches=batches,
        warmup_batches=skipped,
        model_time_s=slowest_total,
        measured_items=measured_items,
        measured_time_s=slowest_measured,
        latencies=tuple(latencies),
    )


def current_peak_rss() -> int:
    """This process's peak resident set size in bytes (since the last reset on Linux)."""
    try:
        match = re.search(r"VmHWM:\s+(\d+)\s+kB", _STATUS.read_text())
    except OSError:
        match = None
    if match:
        return int(match.group(1)) * 1024
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss * (1 if sys.platform == "darwin" else 1024))  # macOS bytes, Linux KiB


def reset_peak_rss() -> bool:
    """Restart the peak-RSS counter (Linux ``clear_refs``); False where unsupported."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


@dataclass
class ThroughputMeter:
    """Accumulates per-batch timings of one (model, task) evaluation."""

    device: str
    batch_size: int
    warmup: int = 1
    timing: RankTiming = field(default_factory=RankTiming)
    final_batch_size: int = 0
    #: ``time.perf_counter()`` when the evaluation started, before its data and weights
    #: were loaded. Without it the end-to-end figures are None: the meter is made after
    #: loading, so its own start would understate the user's wait.
    evaluation_start: float | None = None
    #: phase name (:data:`PHASES`) -> seconds timed so far
    phases: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.final_batch_size = self.batch_size
        self._wall_start = time.perf_counter()
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.reset_peak_memory_stats(torch.device(self.device))
            self._memory_kind = "cuda_max_allocated"
        else:
            reset = reset_peak_rss()
            self._memory_kind = "process_peak_rss" if reset else "process_peak_rss_since_start"

    @property
    def cached_items(self) -> int:
        """Items served from the prediction cache so far (all stages)."""
        return sum(self.timing.cached.values())

    def add_cached(self, stage: str, items: int) -> None:
        """Count ``items`` of ``stage`` served from the prediction cache."""
        self.timing.cached[stage] = self.timing.cached.get(stage, 0) + items

    def start(self) -> float:
        """Mark the start of a model call (synchronising the GPU first)."""
        synchronize(self.device)
        return time.perf_counter()

    def stop(self, started: float, items: int, stage: str = "") -> None:
        """Record a finished model call on ``items`` items (synchronising the GPU first)."""
        synchronize(self.device)
        self.timing.latencies.append(time.perf_counter() - started)
        self.timing.sizes.append(items)
        self.timing.stages.append(stage)

    def add_phase(self, name: str, seconds: float) -> None:
        """Add ``seconds`` to phase ``name`` (one of :data:`PHASES`)."""
        if name not in PHASES:
            raise ValueError(f"unknown phase {name!r}; expected one of {', '.join(PHASES)}")
        self.phases[name] = self.phases.get(name, 0.0) + seconds

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the body as part of phase ``name`` (also when it raises)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add_phase(name, time.perf_counter() - started)

    def timed(self, batches: Iterable[T], name: str = "input_wait") -> Iterator[T]:
        """Yield from ``batches``, timing each wait for the next element as phase ``name``
        (the loop body, e.g. the model call, is not counted)."""
        iterator = iter(batches)
        while True:
            started = time.perf_counter()
            try:
                element = next(iterator)
            except StopIteration:
                self.add_phase(name, time.perf_counter() - started)
                return
            self.add_phase(name, time.perf_counter() - started)
            yield element

    def end_to_end(self, n_samples: int, model_time_s: float) -> dict[str, float | None]:
        """The user's view so far: wall time since the evaluation started, samples per
        second of it, and the time of each phase (None: not timed). ``other_time_s`` is
        the wall time no phase and no model call accounts for. All None without
        :attr:`evaluation_start`."""
        if self.evaluation_start is None:
            return dict.fromkeys(END_TO_END_FIELDS)
        wall = time.perf_counter() - self.evaluation_start
        out: dict[str, float | None] = {
            "end_to_end_wall_s": wall,
            "end_to_end_samples_per_s": n_samples / wall if wall > 0 else None,
        }
        accounted = model_time_s
        for name in PHASES:
            seconds = self.phases.get(name)
            out[f"{name}_time_s"] = seconds
            accounted += seconds or 0.0
        out["other_time_s"] = max(wall - accounted, 0.0)
        return out

    def rank_timing(self) -> dict[str, Any]:
        """This rank's timings with its peak memory, ready to gather."""
        peak, _ = self.peak_memory()
        return asdict(RankTiming(**{**asdict(self.timing), "peak_memory_bytes": peak}))

    def stage_rates(self, ranks: Sequence[dict[str, Any]] | None = None) -> dict[str, StageRate]:
        """Per-stage figures, merged over ``ranks`` when given (stages in first-seen order)."""
        timings = [RankTiming(**r) for r in ranks] if ranks else [RankTiming(**self.rank_timing())]
        names: dict[str, None] = {}
        for timing in timings:
            names.update(dict.fromkeys(timing.stages))
            names.update(dict.fromkeys(timing.cached))
        return {name: merge_stage(name, timings, self.warmup) for name in names}

    def summary(
        self, n_samples: int, ranks: Sequence[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The RunRecord ``throughput`` section, merged over ``ranks`` when given.

        ``samples_per_s`` is ``n_samples`` over the model time every item of every stage
        (cached ones included) would take at that stage's post-warm-up rate: the speed of
        the model on the whole task, independent of warm-up and of what was cached.
        """
        timings = [RankTiming(**r) for r in ranks] if ranks else [RankTiming(**self.rank_timing())]
        stages = self.stage_rates(ranks)
        measured_items = sum(s.measured_items for s in stages.values())
        measured_time = sum(s.measured_time_s for s in stages.values())
        projected = 0.0
        for stage in stages.values():
            rate = stage.items_per_s
            if rate is None:
                projected = 0.0
                break
            projected += (stage.items + stage.cached) / rate
        latencies = np.asarray(
            [lat for s in stages.values() for lat in s.latencies], dtype=np.float64
        )
        peaks = [t.peak_memory_bytes for t in timings if t.peak_memory_bytes is not None]
        computed = sum(s.items for s in stages.values())
        return {
            "samples_per_s": n_samples / projected if projected > 0 and computed else None,
            "items_per_s": measured_items / measured_time if measured_time > 0 else None,
            "batch_latency_p50_s": float(np.percentile(latencies, 50)) if latencies.size else None,
            "batch_latency_p95_s": float(np.percentile(latencies, 95)) if latencies.size else None,
            "n_batches": sum(s.batches for s in stages.values()),
            "warmup_batches": sum(s.warmup_batches for s in stages.values()),
            "model_time_s": sum(s.model_time_s for s in stages.values()),
            "wall_time_s": time.perf_counter() - self._wall_start,
            "batch_size": self.batch_size,
            "final_batch_size": self.final_batch_size,
            "cached_items": sum(s.cached for s in stages.values()),
            "computed_items": computed,
            "peak_memory_bytes": max(peaks) if peaks else None,
            "memory_kind": self._memory_kind,
            **self.end_to_end(n_samples, sum(s.model_time_s for s in stages.values())),
        }

    def peak_memory(self) -> tuple[int | None, str]:
        """Peak accelerator memory on CUDA, else this process's peak resident set size."""
        if self.device.startswith("cuda"):
            import torch

            peak = int(torch.cuda.max_memory_allocated(torch.device(self.device)))
            return peak, self._memory_kind
        return current_peak_rss(), self._memory_kind
