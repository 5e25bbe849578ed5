"""The shapes suite's fixed facts: tasks, splits, sizes, version and per-split seeds."""

from __future__ import annotations

import numpy as np

from bench.errors import UsageError

#: Bump whenever generated content changes (images, texts, ids, columns): it names the cache.
GENERATOR_VERSION = 1

#: Side of every generated image, in pixels (RGB).
IMAGE_SIZE = 64

SHAPES_TASKS = ("captioning", "vqa", "retrieval", "sentiment")
SPLITS = ("train", "test")

#: Rows per split: images (captioning, retrieval), questions (vqa), examples (sentiment).
SPLIT_SIZES: dict[str, dict[str, int]] = {
    "captioning": {"train": 5000, "test": 500},
    "vqa": {"train": 10000, "test": 1000},
    "retrieval": {"train": 5000, "test": 1000},
    "sentiment": {"train": 3000, "test": 600},
}


def check_task_split(task: str, split: str) -> None:
    """Fail with a one-line reason unless ``task`` and ``split`` name a shapes split."""
    if task not in SHAPES_TASKS:
        raise UsageError(
            f"shapes: unknown task '{task}' (expected one of {', '.join(SHAPES_TASKS)})"
        )
    if split not in SPLITS:
        raise UsageError(f"shapes: unknown split '{split}' (expected one of {', '.join(SPLITS)})")


def resolve_size(task: str, split: str, size: int | None) -> int:
    """The number of rows to generate: ``size`` when given, else the split's default."""
    check_task_split(task, split)
    if size is None:
        return SPLIT_SIZES[task][split]
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise UsageError(f"shapes: size must be a positive integer, got {size!r}")
    return size


def check_seed(seed: int) -> None:
    """Fail with a one-line reason unless ``seed`` is a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"shapes: seed must be a non-negative integer, got {seed!r}")


def split_rng(task: str, split: str, seed: int) -> np.random.Generator:
    """An independent random stream for one (task, split) under a user seed.

    The stream is keyed by the task and split indices, so changing ``size`` only appends or
    drops rows at the end: row ``i`` is the same for every size larger than ``i``.
    """
    check_task_split(task, split)
    check_seed(seed)
    key = [seed, SHAPES_TASKS.index(task), SPLITS.index(split), GENERATOR_VERSION]
    return np.random.default_rng(np.random.SeedSequence(key))
