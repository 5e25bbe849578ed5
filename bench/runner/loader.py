"""The DataLoader side: decode and preprocess images in workers, overlapping the model."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset

from bench.data.images import load_image
from bench.errors import SampleError
from bench.tasking import Batch, WorkItem


@dataclass(frozen=True)
class LoadedItem:
    """One decoded item, or the reason it could not be decoded."""

    item: WorkItem
    image: Any
    error: str | None


class WorkItemDataset(Dataset[LoadedItem]):
    """Decodes each item's image (when it has one) inside a loader worker."""

    def __init__(self, items: Sequence[WorkItem], needs_images: bool) -> None:
        self.items = list(items)
        self.needs_images = needs_images

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> LoadedItem:
        item = self.items[index]
        if not self.needs_images:
            return LoadedItem(item, None, None)
        try:
            return LoadedItem(item, load_image(item.image), None)
        except SampleError as exc:
            return LoadedItem(item, None, exc.reason)


@dataclass(frozen=True)
class LoadedBatch:
    """A collated batch plus the items of it that failed to decode or preprocess."""

    batch: Batch
    failures: dict[str, str]

    def pin_memory(self) -> LoadedBatch:
        """Pin the image tensors (called by the DataLoader's pinning thread on CUDA)."""
        return LoadedBatch(replace(self.batch, images=_pin(self.batch.images)), self.failures)


def _pin(images: Any) -> Any:
    if isinstance(images, torch.Tensor):
        return images.pin_memory()
    if isinstance(images, dict):
        return {k: _pin(v) for k, v in images.items()}
    return images


class Collate:
    """Picklable collate: drops failed items, applies the model's image preprocessor."""

    def __init__(self, preprocess: Callable[[list[Any]], Any] | None) -> None:
        self.preprocess = preprocess

    def __call__(self, loaded: list[LoadedItem]) -> LoadedBatch:
        failures = {x.item.id: x.error for x in loaded if x.error is not None}
        good = [x for x in loaded if x.error is None]
        images: Any = None
        if good and good[0].image is not None:
            pil_images = [x.image for x in good]
            if self.preprocess is None:
                images = pil_images
            else:
                try:
                    images = self.preprocess(pil_images)
                except Exception:
                    # One bad image should not sink its batch: preprocess one by one.
                    images, good = self._one_by_one(good, failures)
        batch = Batch(
            ids=[x.item.id for x in good],
            images=images,
            texts=[x.item.text for x in good],
            labels=[x.item.label for x in good],
        )
        return LoadedBatch(batch, failures)

    def _one_by_one(
        self, good: list[LoadedItem], failures: dict[str, str]
    ) -> tuple[Any, list[LoadedItem]]:
        assert self.preprocess is not None
        kept: list[LoadedItem] = []
        for x in good:
            try:
                self.preprocess([x.image])
            except Exception as exc:
                failures[x.item.id] = f"preprocess: {type(exc).__name__}: {exc}"
            else:
                kept.append(x)
        images = self.preprocess([x.image for x in kept]) if kept else None
        return images, kept


def default_workers() -> int:
    """Loader workers when not set: one per spare core, at most 4 (0 on a 1-core box)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(0, min(4, (cores or 1) - 1))


def iterate_batches(
    items: Sequence[WorkItem],
    *,
    batch_size: int,
    preprocess: Callable[[list[Any]], Any] | None,
    num_workers: int,
    pin_memory: bool,
) -> Iterator[LoadedBatch]:
    """Yield collated batches in item order; workers only when there are images to decode."""
    needs_images = any(item.image is not None for item in items)
    workers = num_workers if needs_images and len(items) > batch_size else 0
    loader: DataLoader[LoadedItem] = DataLoader(
        WorkItemDataset(items, needs_images),
        batch_size=batch_size,
        shuffle=False,
        num_workers=workers,
        collate_fn=Collate(preprocess if needs_images else None),
        pin_memory=pin_memory and torch.cuda.is_available(),
        prefetch_factor=4 if workers else None,
        persistent_workers=False,
    )
    yield from loader
