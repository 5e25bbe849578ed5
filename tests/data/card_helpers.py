"""Shared helpers for the benchmark card tests: the real cards, loaded the runner's way."""

from __future__ import annotations

from pathlib import Path

from bench.data.cards import DatasetCard
from bench.tasking import DataOptions, TaskData
from modalbench_tasks.catalog import BUILTIN_TASKS
from modalbench_tasks.common import load_task_data


def card(name: str) -> DatasetCard:
    """The shipped dataset card of a built-in task."""
    return BUILTIN_TASKS.cards[name]


def load(name: str, data_dir: Path, limit: int | None = None) -> TaskData:
    """The evaluated split exactly as a run reads it (size check, limit, fingerprint)."""
    return load_task_data(card(name), DataOptions(data_dir=data_dir, limit=limit))
