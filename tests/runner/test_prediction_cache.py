"""Opening the prediction cache from many processes at once (a fresh database)."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from bench.runner.cache import PredictionCache

PROCESSES = 6
TRIALS = 10


def _open(path: str, barrier: Barrier, results: Any) -> None:
    barrier.wait()
    try:
        cache = PredictionCache(Path(path))
        cache.put_many("ns", "stage", {"item": "text"})
        cache.close()
        results.put("ok")
    except Exception as exc:  # reported to the parent, which asserts on it
        results.put(repr(exc))


def test_processes_opening_a_new_cache_together_all_succeed(tmp_path: Path) -> None:
    # Every process switches the new database to WAL at the same moment; SQLite answers
    # "database is locked" without waiting, which used to crash concurrent runs.
    context = multiprocessing.get_context("fork")
    outcomes: list[str] = []
    for trial in range(TRIALS):
        barrier = context.Barrier(PROCESSES)
        results = context.Queue()
        path = str(tmp_path / f"cache-{trial}.sqlite")
        workers = [
            context.Process(target=_open, args=(path, barrier, results)) for _ in range(PROCESSES)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        outcomes.extend(results.get(timeout=10) for _ in workers)
        cache = PredictionCache(Path(path))
        assert cache.count() == 1
        cache.close()
    assert outcomes == ["ok"] * (PROCESSES * TRIALS)
