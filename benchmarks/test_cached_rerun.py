"""A cached rerun of the embedded default suite against the first run.

The default suite is ``modalbench run`` with no arguments: every shapes task on the bundled
reference models. The first run fills a fresh cache (predictions and finished
evaluations); the rerun finds every evaluation finished and reuses it without loading a
model. The figures printed: the first run's model time (sum of
``throughput.model_time_s``), the rerun's wall time (all of ``bench.run``, in this process)
and model time, each as a share of the first run's model time (target: the rerun costs at
most 5% of it), and per record the cached/computed items and whether it was reused.

    python -m pytest benchmarks/test_cached_rerun.py
    MODALBENCH_BENCH_SUITE=tiny python -m pytest benchmarks/test_cached_rerun.py

``MODALBENCH_BENCH_SUITE=tiny`` runs, instead of the bundled models, the shapes tasks a
small open_clip model can run (retrieval, and sentiment zero-shot) on one (random weights):
the same runner paths without the reference checkpoints.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from runner_support import private_cache, report, timed, tiny_openclip

import bench

SUITE = os.environ.get("MODALBENCH_BENCH_SUITE", "default")


def command_line_rerun(suite: dict[str, Any], out: Path) -> float:
    """Wall time of ``modalbench run`` on the suite in a new process (same cache)."""
    args = [sys.executable, "-m", "bench.cli.main", "run", "--out", str(out)]
    for task in suite.get("tasks", ()):
        args += ["--task", task]
    for model in suite.get("models", ()):
        args += ["--model", model]
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - started


def test_cached_rerun_of_the_default_suite(
    benchmark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite: dict[str, Any] = {"progress": False}
    if SUITE == "tiny":
        model = tiny_openclip(tmp_path / "models")
        suite.update(tasks=["shapes-retrieval", "shapes-sentiment"], models=[model.spec])
    with private_cache(tmp_path / "cache"):
        first_wall, first = timed(lambda: bench.run(out=tmp_path / "first", **suite))
        reruns: list[tuple[float, list[Any]]] = []

        def rerun() -> None:
            out = tmp_path / f"rerun{len(reruns)}"
            reruns.append(timed(lambda: bench.run(out=out, **suite)))

        benchmark.pedantic(rerun, rounds=2, iterations=1)
        command_wall = command_line_rerun(suite, tmp_path / "command")
    first_model = sum(r.throughput.model_time_s for r in first)
    rerun_wall, again = min(reruns, key=lambda pair: pair[0])
    rerun_model = sum(r.throughput.model_time_s for r in again)
    lines = [
        f"suite: {SUITE}",
        f"first run: wall {first_wall:.1f} s, model time {first_model:.1f} s, {len(first)} records",
        f"cached rerun: wall {rerun_wall:.2f} s = {rerun_wall / first_model:.1%} of the first "
        f"run's model time; model time {rerun_model:.3f} s = {rerun_model / first_model:.2%}",
        f"the same rerun as a command (interpreter start and imports included): wall "
        f"{command_wall:.2f} s = {command_wall / first_model:.1%} of the first run's model time",
    ]
    for before, after in zip(first, again, strict=True):
        t = after.throughput
        lines.append(
            f"  {after.task.name} / {after.model.spec}: first {before.throughput.model_time_s:.2f}"
            f" s model; rerun cached {t.cached_items}, computed {t.computed_items}, "
            f"wall {t.wall_time_s:.3f} s, reused from {after.details.get('reused_from')}"
        )
        assert after.metrics == before.metrics
        assert after.details["reused_from"] == before.run_id
    benchmark.extra_info.update(
        {
            "command_rerun_wall_s": command_wall,
            "first_model_s": first_model,
            "first_wall_s": first_wall,
            "rerun_wall_s": rerun_wall,
            "rerun_model_s": rerun_model,
            "rerun_wall_share": rerun_wall / first_model,
        }
    )
    report(capsys, f"cached rerun of the {SUITE} suite", lines)
    assert rerun_model <= 0.05 * first_model
