"""Crash safety: kill -9 mid-run then rerun; two runs into one folder and cache at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.records.io import find_runs, read_record

pytestmark = pytest.mark.slow

RUN = [
    sys.executable,
    "-m",
    "bench.cli.main",
    "run",
    "--task",
    "toy-colour",
    "--model",
    "toy:mean-colour",
    "--quiet",
    "--batch-size",
    "2",
    "--num-workers",
    "0",
]


def _cached(cache: Path) -> int:
    db = cache / "predictions.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM outputs").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # table not created yet


def test_sigkill_then_rerun_resumes_from_the_cache(
    toy_plugin: dict[str, str], tmp_path: Path
) -> None:
    cache, out = tmp_path / "cache", tmp_path / "results"
    env = {**toy_plugin, "MODALBENCH_CACHE": str(cache)}
    reference = subprocess.run(
        [*RUN, "--no-cache", "--out", str(tmp_path / "ref")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert reference.returncode == 0, reference.stderr
    expected = read_record(find_runs(tmp_path / "ref")[0])

    slow = [*RUN, "--out", str(out), "--model-arg", "delay=0.25"]
    victim = subprocess.Popen(slow, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _cached(cache) < 8 and time.monotonic() < deadline:
        assert victim.poll() is None, "the run finished before it could be killed"
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    done_before = _cached(cache)
    assert 8 <= done_before < 30
    assert find_runs(out) == []  # the killed run left no record behind

    rerun = subprocess.run(slow, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    (run,) = find_runs(out)
    record = read_record(run)
    assert record.metrics == expected.metrics
    assert record.throughput.cached_items >= done_before
    # at most the batch in flight was lost and recomputed
    assert record.throughput.computed_items == 30 - record.throughput.cached_items
    assert record.throughput.computed_items <= 30 - done_before


def test_two_concurrent_runs_share_folder_and_cache(
    toy_plugin: dict[str, str], tmp_path: Path
) -> None:
    cache, out = tmp_path / "cache", tmp_path / "results"
    env = {**toy_plugin, "MODALBENCH_CACHE": str(cache)}
    cmd = [*RUN, "--out", str(out), "--model-arg", "delay=0.02"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    runs = find_runs(out)
    assert len(runs) == 2
    records = [read_record(r) for r in runs]
    assert records[0].metrics == records[1].metrics
    assert records[0].run_id != records[1].run_id
    with sqlite3.connect(cache / "predictions.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM outputs").fetchone()[0] == 30
