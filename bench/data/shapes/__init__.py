"""The built-in synthetic ``shapes`` suite: captioning, VQA, retrieval and sentiment data.

Everything is generated deterministically from a seed, offline, in seconds, and cached on
disk in the ``datasets`` format. See ``docs/shapes.md``.

The constants import nothing heavy; the functions load ``datasets`` on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.data.shapes.spec import (
    GENERATOR_VERSION,
    IMAGE_SIZE,
    SHAPES_TASKS,
    SPLIT_SIZES,
    SPLITS,
)

if TYPE_CHECKING:
    import datasets

__all__ = [
    "GENERATOR_VERSION",
    "IMAGE_SIZE",
    "SHAPES_TASKS",
    "SPLITS",
    "SPLIT_SIZES",
    "build_split",
    "load_split",
    "to_coco_captions",
    "to_vqa_official",
]


def build_split(
    task: str, split: str, *, seed: int = 0, size: int | None = None
) -> datasets.Dataset:
    """Generate one split in memory (see :func:`bench.data.shapes.build.build_split`)."""
    from bench.data.shapes.build import build_split as build

    return build(task, split, seed=seed, size=size)


def load_split(
    task: str,
    split: str,
    *,
    seed: int = 0,
    size: int | None = None,
    cache_root: Path | None = None,
) -> datasets.Dataset:
    """One split from the disk cache, generated first if needed
    (see :func:`bench.data.shapes.cache.load_split`)."""
    from bench.data.shapes.cache import load_split as load

    return load(task, split, seed=seed, size=size, cache_root=cache_root)


def to_vqa_official(dataset: datasets.Dataset) -> tuple[dict[str, Any], dict[str, Any]]:
    """Official VQA ``(questions, annotations)`` objects of a ``vqa`` split."""
    from bench.data.shapes.export import to_vqa_official as export

    return export(dataset)


def to_coco_captions(dataset: datasets.Dataset) -> dict[str, Any]:
    """COCO captions annotation object of a ``captioning`` or ``retrieval`` split."""
    from bench.data.shapes.export import to_coco_captions as export

    return export(dataset)
