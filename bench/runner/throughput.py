"""Timing of model calls only: latency per batch, items per second, peak memory."""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from bench.runner.device import synchronize


@dataclass
class ThroughputMeter:
    """Accumulates per-batch timings of one (model, task) evaluation.

    The first ``warmup`` timed batches (lazy initialisation, kernel compilation, cache
    warm-up) are excluded from latency and rate figures when later batches exist.
    """

    device: str
    batch_size: int
    warmup: int = 1
    latencies: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    cached_items: int = 0
    final_batch_size: int = 0

    def __post_init__(self) -> None:
        self.final_batch_size = self.batch_size
        self._wall_start = time.perf_counter()
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.reset_peak_memory_stats(torch.device(self.device))

    def start(self) -> float:
        """Mark the start of a model call (synchronising the GPU first)."""
        synchronize(self.device)
        return time.perf_counter()

    def stop(self, started: float, items: int) -> None:
        """Record a finished model call on ``items`` items."""
        synchronize(self.device)
        self.latencies.append(time.perf_counter() - started)
        self.sizes.append(items)

    def _measured(self) -> tuple[np.ndarray, np.ndarray, int]:
        latencies = np.asarray(self.latencies, dtype=np.float64)
        sizes = np.asarray(self.sizes, dtype=np.float64)
        skip = self.warmup if len(latencies) > self.warmup else 0
        return latencies[skip:], sizes[skip:], skip

    def summary(self, n_samples: int) -> dict[str, float | int | str | None]:
        """The RunRecord ``throughput`` section."""
        latencies, sizes, skip = self._measured()
        measured_time = float(latencies.sum())
        all_time = float(np.sum(self.latencies)) if self.latencies else 0.0
        computed = int(np.sum(self.sizes)) if self.sizes else 0
        items_per_s = float(sizes.sum() / measured_time) if measured_time > 0 else None
        samples_per_s = None
        if all_time > 0 and computed > 0 and items_per_s is not None:
            # Samples of the task per second of model time, extrapolated from the measured
            # (post-warm-up) rate over all the items a sample needed.
            samples_per_s = float(n_samples * items_per_s / max(computed + self.cached_items, 1))
        peak, kind = self.peak_memory()
        return {
            "samples_per_s": samples_per_s,
            "items_per_s": items_per_s,
            "batch_latency_p50_s": float(np.percentile(latencies, 50)) if len(latencies) else None,
            "batch_latency_p95_s": float(np.percentile(latencies, 95)) if len(latencies) else None,
            "n_batches": len(self.latencies),
            "warmup_batches": skip,
            "model_time_s": all_time,
            "wall_time_s": time.perf_counter() - self._wall_start,
            "batch_size": self.batch_size,
            "final_batch_size": self.final_batch_size,
            "cached_items": self.cached_items,
            "computed_items": computed,
            "peak_memory_bytes": peak,
            "memory_kind": kind,
        }

    def peak_memory(self) -> tuple[int | None, str]:
        """Peak accelerator memory on CUDA, else the process's peak resident set size."""
        if self.device.startswith("cuda"):
            import torch

            return int(
                torch.cuda.max_memory_allocated(torch.device(self.device))
            ), "cuda_max_allocated"
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        factor = 1 if sys.platform == "darwin" else 1024  # Linux reports KiB, macOS bytes
        return int(rss * factor), "process_peak_rss"
