"""Throughput figures: per-stage warm-up exclusion, rank merging, projections, memory."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from bench.runner.throughput import (
    RankTiming,
    ThroughputMeter,
    reset_peak_rss,
)


def _meter(timing: RankTiming) -> ThroughputMeter:
    meter = ThroughputMeter("cpu", batch_size=4)
    meter.timing = timing
    return meter


def _timing(**kwargs: Any) -> dict[str, Any]:
    return {"peak_memory_bytes": 1000, **RankTiming(**kwargs).__dict__}


def test_first_batch_of_each_stage_is_warm_up() -> None:
    timing = RankTiming(
        latencies=[1.0, 0.1, 0.1, 0.5, 0.2, 0.2, 0.1],
        sizes=[4, 4, 2, 4, 4, 4, 4],
        stages=["img", "img", "img", "txt", "txt", "txt", "txt"],
    )
    summary = _meter(timing).summary(n_samples=10)
    # img: 6 items in 0.2 s after warm-up (30/s); txt: 12 items in 0.5 s (24/s).
    assert summary["warmup_batches"] == 2
    assert summary["items_per_s"] == pytest.approx(18 / 0.7)
    # every item at its stage's rate: 10/30 + 16/24 seconds for the 10 samples
    assert summary["samples_per_s"] == pytest.approx(10 / (10 / 30 + 16 / 24))
    assert summary["model_time_s"] == pytest.approx(2.2)
    assert summary["batch_latency_p50_s"] == pytest.approx(0.1)
    assert summary["batch_latency_p95_s"] == pytest.approx(np.percentile([0.1] * 3 + [0.2] * 2, 95))
    assert summary["computed_items"] == 26
    assert summary["n_batches"] == 7


def test_a_single_batch_stage_is_measured_not_dropped() -> None:
    timing = RankTiming(latencies=[0.5], sizes=[3], stages=["answer"])
    summary = _meter(timing).summary(n_samples=3)
    assert summary["warmup_batches"] == 0
    assert summary["items_per_s"] == pytest.approx(6.0)
    assert summary["samples_per_s"] == pytest.approx(6.0)


def test_cached_items_are_projected_at_the_measured_rate() -> None:
    timing = RankTiming(
        latencies=[9.0, 1.0, 1.0], sizes=[2, 2, 2], stages=["a", "a", "a"], cached={"a": 6}
    )
    summary = _meter(timing).summary(n_samples=12)
    assert summary["cached_items"] == 6
    assert summary["computed_items"] == 6
    # 2 items/s after warm-up; 12 items would take 6 s
    assert summary["samples_per_s"] == pytest.approx(2.0)


def test_a_fully_cached_stage_leaves_samples_per_s_unknown() -> None:
    timing = RankTiming(latencies=[1.0, 1.0], sizes=[2, 2], stages=["b", "b"], cached={"a": 5})
    summary = _meter(timing).summary(n_samples=5)
    assert summary["samples_per_s"] is None
    assert summary["items_per_s"] == pytest.approx(2.0)


def test_ranks_merge_as_parallel_workers() -> None:
    rank0 = _timing(latencies=[5.0, 1.0, 1.0], sizes=[4, 4, 4], stages=["s"] * 3)
    rank1 = _timing(latencies=[5.0, 2.0, 2.0], sizes=[4, 4, 4], stages=["s"] * 3)
    rank1["peak_memory_bytes"] = 5000
    meter = ThroughputMeter("cpu", batch_size=4)
    summary = meter.summary(n_samples=24, ranks=[rank0, rank1])
    # 16 post-warm-up items; the slowest rank needed 4 s for its share
    assert summary["items_per_s"] == pytest.approx(16 / 4)
    assert summary["model_time_s"] == pytest.approx(9.0)
    assert summary["warmup_batches"] == 2
    assert summary["computed_items"] == 24
    assert summary["peak_memory_bytes"] == 5000
    stages = meter.stage_rates([rank0, rank1])
    assert stages["s"].to_json()["batch_latency_p50_s"] == pytest.approx(1.5)


def test_no_timed_batches_gives_no_rates() -> None:
    summary = ThroughputMeter("cpu", batch_size=2).summary(n_samples=0)
    assert summary["items_per_s"] is None and summary["samples_per_s"] is None
    assert summary["batch_latency_p50_s"] is None
    assert summary["memory_kind"].startswith("process_peak_rss")


def test_peak_rss_restarts_per_evaluation() -> None:
    if not reset_peak_rss():
        pytest.skip("this kernel cannot reset the peak RSS counter")
    # In a fresh process: after other tests, freed memory may stay mapped in this one, and
    # the reset peak would then equal the current (still high) RSS.
    code = (
        "import numpy as np\n"
        "from bench.runner.throughput import current_peak_rss, reset_peak_rss\n"
        "big = np.ones(64 * 1024 * 1024 // 8)  # 64 MiB touched\n"
        "high = current_peak_rss()\n"
        "del big\n"
        "assert reset_peak_rss()\n"
        "assert current_peak_rss() < high - 32 * 1024 * 1024, (current_peak_rss(), high)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_end_to_end_rate_is_samples_over_the_whole_evaluation(monkeypatch) -> None:
    import bench.runner.throughput as module

    now = [100.0]  # the meter is made at 100 s, the evaluation started at 90 s
    monkeypatch.setattr(module.time, "perf_counter", lambda: now[0])
    meter = ThroughputMeter("cpu", batch_size=4, evaluation_start=90.0)
    now[0] = 130.0
    meter.timing = RankTiming(latencies=[1.0, 1.0], sizes=[4, 4], stages=["a", "a"])
    meter.add_phase("load", 5.0)
    meter.add_phase("metrics", 3.0)
    summary = meter.summary(n_samples=8)
    # the user waited 40 s (from 90 to 130) for 8 samples, whatever the model's own speed
    assert summary["end_to_end_wall_s"] == pytest.approx(40.0)
    assert summary["end_to_end_samples_per_s"] == pytest.approx(8 / 40)
    assert summary["samples_per_s"] == pytest.approx(4.0)  # model time: 4 items per second
    assert summary["load_time_s"] == 5.0 and summary["metrics_time_s"] == 3.0
    # phases nobody timed are unknown, not zero
    assert summary["input_wait_time_s"] is None and summary["write_time_s"] is None
    assert summary["other_time_s"] == pytest.approx(40 - 5 - 3 - 2)


def test_timed_iteration_counts_waits_not_the_loop_body() -> None:
    import time as real_time

    def slow_source():
        for k in range(3):
            real_time.sleep(0.05)
            yield k

    meter = ThroughputMeter("cpu", batch_size=1)
    seen = []
    for element in meter.timed(slow_source()):
        real_time.sleep(0.1)  # the "model": not a wait for input
        seen.append(element)
    assert seen == [0, 1, 2]
    assert 0.15 <= meter.phases["input_wait"] < 0.3


def test_phase_context_adds_up_and_rejects_unknown_names() -> None:
    meter = ThroughputMeter("cpu", batch_size=1)
    with meter.phase("write"):
        pass
    with pytest.raises(RuntimeError), meter.phase("write"):
        raise RuntimeError("the time of a failed write still counts")
    assert meter.phases["write"] >= 0.0 and list(meter.phases) == ["write"]
    with pytest.raises(ValueError, match="unknown phase"):
        meter.add_phase("decoding", 1.0)


def test_throughput_record_accepts_the_summary_and_old_records_without_it() -> None:
    from dataclasses import fields

    from bench.records.schema import Throughput

    meter = ThroughputMeter("cpu", batch_size=2)
    meter.timing = RankTiming(latencies=[0.5], sizes=[2], stages=["a"])
    summary = meter.summary(n_samples=2)
    assert set(summary) == {f.name for f in fields(Throughput)}
    new = {"end_to_end_wall_s", "end_to_end_samples_per_s", "other_time_s"}
    new |= {f"{name}_time_s" for name in ("load", "input_wait", "metrics", "write")}
    # a meter that was not told when the evaluation started does not guess
    assert {k: summary[k] for k in new} == dict.fromkeys(new)
    old = {k: v for k, v in summary.items() if k not in new}
    assert Throughput(**old).end_to_end_samples_per_s is None
