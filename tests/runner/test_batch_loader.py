"""The loader: whole batches decoded once per distinct image, in order, failures isolated."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from bench.runner.loader import collate_items, iterate_batches, take
from bench.tasking import WorkItem


def png(value: int, size: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (value, 255 - value, 7)).save(buffer, format="PNG")
    return buffer.getvalue()


class CountingTensor:
    """Preprocessor that records how many images it was handed (picklable)."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(self, images: list[Image.Image]) -> torch.Tensor:
        self.seen.append(len(images))
        return torch.stack([torch.from_numpy(np.asarray(im, dtype=np.float32)) for im in images])


def test_shared_images_are_decoded_and_preprocessed_once_per_batch() -> None:
    a, b = png(10), png(200)
    # Four questions on image a (two distinct bytes objects with equal content), two on b.
    items = [
        WorkItem("q0", a, "how many?"),
        WorkItem("q1", a, "what colour?"),
        WorkItem("q2", b, "where?"),
        WorkItem("q3", bytes(a), "is it red?"),
        WorkItem("q4", b, "how big?"),
        WorkItem("q5", a, "which shape?"),
    ]
    counter = CountingTensor()
    loaded = collate_items(items, counter)
    assert counter.seen == [2]  # one call, two distinct images
    assert loaded.batch.ids == ["q0", "q1", "q2", "q3", "q4", "q5"]
    assert loaded.batch.texts[3] == "is it red?"
    red = loaded.batch.images[:, 0, 0, 0].tolist()
    assert red == [10.0, 10.0, 200.0, 10.0, 200.0, 10.0]
    assert loaded.failures == {}


def test_a_bad_shared_image_fails_every_item_that_uses_it() -> None:
    items = [
        WorkItem("q0", b"junk"),
        WorkItem("q1", png(5)),
        WorkItem("q2", b"junk"),
        WorkItem("q3", "/no/such/image.png"),
    ]
    loaded = collate_items(items, CountingTensor())
    assert loaded.batch.ids == ["q1"]
    assert loaded.batch.images.shape == (1, 8, 8, 3)
    assert loaded.failures == {
        "q0": "image: not a recognised image format",
        "q2": "image: not a recognised image format",
        "q3": "image: file not found: image.png",
    }


def test_a_preprocessor_failure_names_only_the_bad_image() -> None:
    def strict(images: list[Image.Image]) -> torch.Tensor:
        if any(im.size != (8, 8) for im in images):
            raise ValueError("wrong size")
        return torch.zeros(len(images), 1)

    items = [WorkItem("ok", png(1)), WorkItem("big", png(2, size=9)), WorkItem("ok2", png(1))]
    loaded = collate_items(items, strict)
    assert loaded.batch.ids == ["ok", "ok2"]
    assert loaded.batch.images.shape == (2, 1)
    assert loaded.failures == {"big": "image: preprocess failed: ValueError: wrong size"}


def test_text_only_items_skip_decoding() -> None:
    loaded = collate_items([WorkItem("t0", None, "a red circle"), WorkItem("t1", None, "b")], None)
    assert loaded.batch.images is None
    assert loaded.batch.texts == ["a red circle", "b"]


@pytest.mark.parametrize(
    "images",
    [
        torch.arange(6).reshape(3, 2),
        np.arange(6).reshape(3, 2),
        {"pixel_values": torch.arange(6).reshape(3, 2), "mask": torch.tensor([1, 0, 1])},
        ["a", "b", "c"],
    ],
)
def test_take_expands_rows_of_every_batch_type(images: Any) -> None:
    out = take(images, [2, 0, 2], 3)
    if isinstance(images, dict):
        assert out["pixel_values"].tolist() == [[4, 5], [0, 1], [4, 5]]
        assert out["mask"].tolist() == [1, 1, 1]
    elif isinstance(images, list):
        assert out == ["c", "a", "c"]
    else:
        assert np.asarray(out).tolist() == [[4, 5], [0, 1], [4, 5]]


def test_take_refuses_what_it_cannot_expand() -> None:
    assert take(torch.zeros(2, 3), [0, 1, 1], 3) is None  # rows do not match the images
    assert take(object(), [0], 1) is None
    assert take({"a": torch.zeros(3), "b": 7}, [0], 3) is None


class Preprocess:
    def __call__(self, images: list[Image.Image]) -> torch.Tensor:
        return torch.tensor([float(np.asarray(im)[0, 0, 0]) for im in images])


@pytest.mark.parametrize("workers", [0, 2])
def test_batches_come_in_item_order_with_workers(workers: int) -> None:
    items = [WorkItem(f"i{k}", png(k % 7)) for k in range(23)]
    batches = list(
        iterate_batches(
            items, batch_size=5, preprocess=Preprocess(), num_workers=workers, pin_memory=False
        )
    )
    assert [len(b.batch.ids) for b in batches] == [5, 5, 5, 5, 3]
    ids = [i for b in batches for i in b.batch.ids]
    assert ids == [f"i{k}" for k in range(23)]
    values = [v for b in batches for v in b.batch.images.tolist()]
    assert values == [float(k % 7) for k in range(23)]


@pytest.mark.parametrize(
    ("cores", "local_ranks", "expected"),
    [
        (1, 1, 0),  # decode in the main process
        (2, 1, 1),
        (16, 1, 15),  # the old default stopped at 4 whatever the machine
        (64, 1, 16),
        (16, 4, 3),  # four torchrun processes share the machine's cores
        (4, 8, 0),
    ],
)
def test_default_workers_scale_with_the_cores(cores: int, local_ranks: int, expected: int) -> None:
    from bench.runner.loader import default_workers

    assert default_workers(cores, local_ranks) == expected


def test_default_workers_read_the_local_world_size(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.runner.loader import default_workers

    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    assert default_workers(16) == 7


@pytest.mark.parametrize(
    ("batch_size", "workers", "expected"),
    [(1, 1, 8), (32, 1, 8), (64, 2, 2), (64, 1, 4), (256, 4, 2), (1024, 15, 2)],
)
def test_prefetch_is_sized_to_the_batch(batch_size: int, workers: int, expected: int) -> None:
    from bench.runner.loader import prefetch_batches

    assert prefetch_batches(batch_size, workers) == expected
