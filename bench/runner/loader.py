"""The DataLoader side: decode and preprocess whole batches in workers, overlapping the model.

Each loader element is one batch: a worker decodes every distinct image of the batch once
(several VQA questions usually share an image), applies the model's picklable image
preprocessor once per distinct image, and hands back the collated batch with the items
that failed to decode or preprocess. The main process only moves tensors to the device.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from bench.data.images import encoded_image, load_image
from bench.errors import SampleError
from bench.tasking import Batch, WorkItem
from bench.types import ImageSource

Preprocess = Callable[[list[Any]], Any]


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
    if isinstance(images, Mapping):
        return {k: _pin(v) for k, v in images.items()}
    return images


def source_key(source: ImageSource) -> object:
    """A key equal for two items that carry the same image (same bytes, path or object)."""
    if isinstance(source, bytes):
        return source  # hashed once per bytes object; equal bytes decode equally
    if isinstance(source, (str, os.PathLike)):
        return ("path", os.fspath(source))
    return ("object", id(source))


def take(images: Any, index: Sequence[int], n_unique: int) -> Any:
    """Rows ``index`` of a preprocessed batch of ``n_unique`` images; None if unsupported.

    Tensors, numpy arrays, lists and tuples (and mappings of those, e.g. a BatchFeature)
    whose first dimension is ``n_unique`` are expanded; anything else returns None and
    the caller preprocesses every item instead.
    """
    if isinstance(images, torch.Tensor):
        if images.ndim == 0 or images.shape[0] != n_unique:
            return None
        return images.index_select(0, torch.as_tensor(list(index), dtype=torch.long))
    if isinstance(images, np.ndarray):
        return images[list(index)] if images.ndim and images.shape[0] == n_unique else None
    if isinstance(images, (list, tuple)):
        return [images[i] for i in index] if len(images) == n_unique else None
    if isinstance(images, Mapping):
        out: dict[str, Any] = {}
        for key, value in images.items():
            expanded = take(value, index, n_unique)
            if expanded is None:
                return None
            out[key] = expanded
        return out
    return None


def _preprocess_all(preprocess: Preprocess, images: list[Any]) -> tuple[Any, list[str | None]]:
    """Preprocess ``images`` together; on failure, one by one to name the bad ones.

    Returns the batch of the images that succeeded and, per image, None or its reason.
    """
    try:
        return preprocess(images), [None] * len(images)
    except Exception:
        reasons: list[str | None] = []
        for image in images:
            try:
                preprocess([image])
            except Exception as exc:
                reasons.append(f"image: preprocess failed: {type(exc).__name__}: {exc}")
            else:
                reasons.append(None)
        kept = [im for im, reason in zip(images, reasons, strict=True) if reason is None]
        return (preprocess(kept) if kept else None), reasons


def collate_items(
    items: Sequence[WorkItem], preprocess: Preprocess | None, *, encoded: bool = False
) -> LoadedBatch:
    """Decode (once per distinct image), preprocess and collate ``items``.

    Items without an image (text-only stages) are collated as they are. With ``encoded``
    the images are only read, not decoded: the batch holds each item's encoded bytes, for
    the device decode path (:mod:`bench.runner.decode`).
    """
    if encoded and any(item.image is not None for item in items):
        return _collate_encoded(items)
    if not any(item.image is not None for item in items):
        batch = Batch(
            ids=[i.id for i in items],
            images=None,
            texts=[i.text for i in items],
            labels=[i.label for i in items],
        )
        return LoadedBatch(batch, {})
    slots: dict[object, int] = {}
    decoded: list[Any] = []
    errors: list[str | None] = []
    slot_of: list[int] = []
    for item in items:
        key = source_key(item.image) if item.image is not None else ("none", item.id)
        if key not in slots:
            slots[key] = len(decoded)
            try:
                decoded.append(load_image(item.image))
                errors.append(None)
            except SampleError as exc:
                decoded.append(None)
                errors.append(exc.reason)
        slot_of.append(slots[key])
    good_slots = [s for s in range(len(decoded)) if errors[s] is None]
    images: Any = [decoded[s] for s in good_slots]
    if preprocess is not None and good_slots:
        images, reasons = _preprocess_all(preprocess, images)
        for slot, reason in zip(list(good_slots), reasons, strict=True):
            if reason is not None:
                errors[slot] = reason
        good_slots = [s for s in good_slots if errors[s] is None]
    position = {slot: i for i, slot in enumerate(good_slots)}
    failures: dict[str, str] = {}
    kept: list[WorkItem] = []
    index: list[int] = []
    for item, slot in zip(items, slot_of, strict=True):
        reason = errors[slot]
        if reason is not None:
            failures[item.id] = reason
        else:
            kept.append(item)
            index.append(position[slot])
    if kept and index != list(range(len(good_slots))):
        expanded = take(images, index, len(good_slots))
        if expanded is None:  # an unusual batch type: preprocess every item instead
            per_item = [decoded[good_slots[i]] for i in index]
            expanded = preprocess(per_item) if preprocess is not None else per_item
        images = expanded
    batch = Batch(
        ids=[i.id for i in kept],
        images=images if kept else None,
        texts=[i.text for i in kept],
        labels=[i.label for i in kept],
    )
    return LoadedBatch(batch, failures)


def _collate_encoded(items: Sequence[WorkItem]) -> LoadedBatch:
    """``items`` with their images as encoded bytes (read once per distinct image)."""
    read: dict[object, bytes | str] = {}
    failures: dict[str, str] = {}
    kept: list[WorkItem] = []
    datas: list[bytes] = []
    for item in items:
        key = source_key(item.image) if item.image is not None else ("none", item.id)
        if key not in read:
            try:
                read[key] = encoded_image(item.image)
            except SampleError as exc:
                read[key] = exc.reason
        data = read[key]
        if isinstance(data, str):
            failures[item.id] = data
            continue
        kept.append(item)
        datas.append(data)
    batch = Batch(
        ids=[i.id for i in kept],
        images=datas if kept else None,
        texts=[i.text for i in kept],
        labels=[i.label for i in kept],
    )
    return LoadedBatch(batch, failures)


class BatchDataset(Dataset[LoadedBatch]):
    """Batch ``k`` of ``items`` (consecutive, in order), loaded by :func:`collate_items`."""

    def __init__(
        self,
        items: Sequence[WorkItem],
        batch_size: int,
        preprocess: Preprocess | None,
        *,
        encoded: bool = False,
    ) -> None:
        self.items = list(items)
        self.batch_size = batch_size
        self.preprocess = preprocess
        self.encoded = encoded

    def __len__(self) -> int:
        return math.ceil(len(self.items) / self.batch_size)

    def __getitem__(self, index: int) -> LoadedBatch:
        start = index * self.batch_size
        chunk = self.items[start : start + self.batch_size]
        return collate_items(chunk, self.preprocess, encoded=self.encoded)


def _as_is(batch: Any) -> Any:
    """The loader's collate function: elements already are batches."""
    return batch


#: Most loader workers started by default: past this a decoding pipeline is bound by
#: memory bandwidth and the model, not by workers, and each worker costs memory.
MAX_DEFAULT_WORKERS = 16
#: Images queued ahead of the model by default, over all workers (see prefetch_batches).
PREFETCH_IMAGES = 256


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_workers(cores: int | None = None, local_ranks: int | None = None) -> int:
    """Loader workers when not set: every core but one per process, shared between the
    processes of this machine under ``torchrun`` (``LOCAL_WORLD_SIZE``), at most
    :data:`MAX_DEFAULT_WORKERS`; 0 (decode in the main process) on a one-core share."""
    cores = usable_cores() if cores is None else cores
    if local_ranks is None:
        local_ranks = int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1)
    share = cores // max(local_ranks, 1)
    return max(0, min(MAX_DEFAULT_WORKERS, share - 1))


def prefetch_batches(batch_size: int, workers: int) -> int:
    """Batches each worker keeps ready: about :data:`PREFETCH_IMAGES` images in flight in
    all, at least 2 per worker (one being handed over, one being made) and at most 8.

    Small batches need more of them queued to ride out a slow image; large ones fill
    (pinned) memory quickly, so fewer are kept.
    """
    wanted = math.ceil(PREFETCH_IMAGES / max(batch_size * max(workers, 1), 1))
    return max(2, min(8, wanted))


def iterate_batches(
    items: Sequence[WorkItem],
    *,
    batch_size: int,
    preprocess: Preprocess | None,
    num_workers: int,
    pin_memory: bool,
    prefetch_factor: int | None = None,
    encoded: bool = False,
) -> Iterator[LoadedBatch]:
    """Yield loaded batches in item order.

    Workers are started only when there are images to decode and more than one batch
    (a text-only stage collates faster in-process than a worker starts). Each keeps
    ``prefetch_factor`` batches ready (default: :func:`prefetch_batches`).
    """
    dataset = BatchDataset(items, batch_size, preprocess, encoded=encoded)
    needs_images = any(item.image is not None for item in items)
    workers = min(num_workers, len(dataset)) if needs_images and len(dataset) > 1 else 0
    if workers == 0:
        for index in range(len(dataset)):
            yield dataset[index]
        return
    loader: DataLoader[LoadedBatch] = DataLoader(
        dataset,
        batch_size=None,
        shuffle=False,
        num_workers=workers,
        collate_fn=_as_is,
        pin_memory=pin_memory and torch.cuda.is_available(),
        prefetch_factor=prefetch_factor or prefetch_batches(batch_size, workers),
        persistent_workers=False,
    )
    yield from loader
