"""Timing of model calls only: latency per batch, items per second, peak memory.

Under ``torchrun`` each rank times its own shard; :func:`summarise` merges the ranks: batch
latencies pool, and the rate is the items computed by all ranks over the model time of the
slowest rank (ranks run in parallel).
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from bench.runner.device import synchronize


@dataclass
class RankTiming:
    """One rank's raw timings (JSON-serialisable, gathered across ranks)."""

    latencies: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    cached_items: int = 0
    peak_memory_bytes: int | None = None


@dataclass
class ThroughputMeter:
    """Accumulates per-batch timings of one (model, task) evaluation.

    The first ``warmup`` timed batches (lazy initialisation, kernel selection, allocator
    growth) are excluded from latency and rate figures when later batches exist.
    """

    device: str
    batch_size: int
    warmup: int = 1
    timing: RankTiming = field(default_factory=RankTiming)
    final_batch_size: int = 0

    def __post_init__(self) -> None:
        self.final_batch_size = self.batch_size
        self._wall_start = time.perf_counter()
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.reset_peak_memory_stats(torch.device(self.device))

    @property
    def cached_items(self) -> int:
        """Items served from the prediction cache so far."""
        return self.timing.cached_items

    @cached_items.setter
    def cached_items(self, value: int) -> None:
        self.timing.cached_items = value

    def start(self) -> float:
        """Mark the start of a model call (synchronising the GPU first)."""
        synchronize(self.device)
        return time.perf_counter()

    def stop(self, started: float, items: int) -> None:
        """Record a finished model call on ``items`` items (synchronising the GPU first)."""
        synchronize(self.device)
        self.timing.latencies.append(time.perf_counter() - started)
        self.timing.sizes.append(items)

    def rank_timing(self) -> dict[str, Any]:
        """This rank's timings with its peak memory, ready to gather."""
        peak, _ = self.peak_memory()
        return asdict(RankTiming(**{**asdict(self.timing), "peak_memory_bytes": peak}))

    def summary(
        self, n_samples: int, ranks: Sequence[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The RunRecord ``throughput`` section, merged over ``ranks`` when given."""
        timings = [RankTiming(**r) for r in ranks] if ranks else [RankTiming(**self.rank_timing())]
        measured_latencies: list[float] = []
        measured_items = 0.0
        slowest = 0.0
        skipped = 0
        for timing in timings:
            latencies = np.asarray(timing.latencies, dtype=np.float64)
            sizes = np.asarray(timing.sizes, dtype=np.float64)
            skip = self.warmup if len(latencies) > self.warmup else 0
            skipped += skip
            measured_latencies.extend(latencies[skip:].tolist())
            measured_items += float(sizes[skip:].sum())
            slowest = max(slowest, float(latencies[skip:].sum()))
        computed = sum(int(np.sum(t.sizes)) for t in timings)
        cached = sum(t.cached_items for t in timings)
        items_per_s = measured_items / slowest if slowest > 0 else None
        samples_per_s = None
        if items_per_s is not None and computed > 0:
            # Task samples per second of model time: the post-warm-up item rate, spread over
            # every item the samples needed (retrieval embeds 1 image + 5 captions a sample).
            samples_per_s = n_samples * items_per_s / (computed + cached)
        peaks = [t.peak_memory_bytes for t in timings if t.peak_memory_bytes is not None]
        lat = np.asarray(measured_latencies, dtype=np.float64)
        return {
            "samples_per_s": samples_per_s,
            "items_per_s": items_per_s,
            "batch_latency_p50_s": float(np.percentile(lat, 50)) if lat.size else None,
            "batch_latency_p95_s": float(np.percentile(lat, 95)) if lat.size else None,
            "n_batches": sum(len(t.latencies) for t in timings),
            "warmup_batches": skipped,
            "model_time_s": max((float(np.sum(t.latencies)) for t in timings), default=0.0),
            "wall_time_s": time.perf_counter() - self._wall_start,
            "batch_size": self.batch_size,
            "final_batch_size": self.final_batch_size,
            "cached_items": cached,
            "computed_items": computed,
            "peak_memory_bytes": max(peaks) if peaks else None,
            "memory_kind": self.peak_memory()[1],
        }

    def peak_memory(self) -> tuple[int | None, str]:
        """Peak accelerator memory on CUDA, else the process's peak resident set size."""
        if self.device.startswith("cuda"):
            import torch

            peak = int(torch.cuda.max_memory_allocated(torch.device(self.device)))
            return peak, "cuda_max_allocated"
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        factor = 1 if sys.platform == "darwin" else 1024  # Linux reports KiB, macOS bytes
        return int(rss * factor), "process_peak_rss"
