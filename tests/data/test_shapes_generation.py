"""Shapes suite generation: determinism, seeds, split disjointness, sizes and columns."""

from __future__ import annotations

import io
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import datasets
import pytest
from PIL import Image

from bench.data.shapes import SHAPES_TASKS, SPLIT_SIZES, build_split
from bench.errors import UsageError

# What the issue fixes for the evaluated splits.
TEST_SIZES = {"captioning": 500, "vqa": 1000, "retrieval": 1000, "sentiment": 600}
COLUMNS = {
    "captioning": ["id", "image", "captions", "scene"],
    "retrieval": ["id", "image", "captions", "scene"],
    "vqa": [
        "id",
        "image_id",
        "image",
        "question",
        "answers",
        "answer_type",
        "question_type",
        "multiple_choice_answer",
        "scene",
    ],
    "sentiment": [
        "id",
        "image",
        "text",
        "label",
        "image_sentiment",
        "text_sentiment",
        "image_caption",
        "scene",
    ],
}


def raw(dataset: datasets.Dataset) -> dict[str, list[object]]:
    """Every column as Python values, images as their PNG bytes."""
    table = dataset.with_format("arrow")[:]
    out = {name: table.column(name).to_pylist() for name in table.column_names}
    out["image"] = [cell["bytes"] for cell in out["image"]]
    return out


@pytest.mark.parametrize("task", SHAPES_TASKS)
def test_same_seed_gives_byte_identical_data(task: str) -> None:
    first = raw(build_split(task, "test", seed=3, size=40))
    second = raw(build_split(task, "test", seed=3, size=40))
    assert first == second
    assert len(first["image"]) == 40


@pytest.mark.parametrize("task", SHAPES_TASKS)
def test_different_seed_gives_different_data(task: str) -> None:
    a = raw(build_split(task, "test", seed=0, size=40))
    b = raw(build_split(task, "test", seed=1, size=40))
    assert len(set(a["image"]) & set(b["image"])) <= 2
    assert a["scene"] != b["scene"]
    text_column = {"captioning": "captions", "retrieval": "captions", "vqa": "question"}
    column = text_column.get(task, "text")
    assert a[column] != b[column]


@pytest.mark.parametrize("task", SHAPES_TASKS)
def test_smaller_size_is_a_prefix(task: str) -> None:
    small = raw(build_split(task, "test", size=15))
    large = raw(build_split(task, "test", size=30))
    assert {k: v[:15] for k, v in large.items()} == small


def test_tasks_use_independent_streams() -> None:
    captioning = raw(build_split("captioning", "test", size=50))
    retrieval = raw(build_split("retrieval", "test", size=50))
    assert not set(captioning["image"]) & set(retrieval["image"])


@pytest.mark.parametrize("task", SHAPES_TASKS)
def test_train_and_test_never_share_an_image(task: str) -> None:
    test = raw(build_split(task, "test", size=300))
    for seed in (0, 1):
        train = raw(build_split(task, "train", seed=seed, size=600))
        assert not set(test["image"]) & set(train["image"])
        assert not set(test["scene"]) & set(train["scene"])


@pytest.mark.parametrize("task", ["captioning", "retrieval", "sentiment"])
def test_no_image_repeats_within_a_test_split(task: str) -> None:
    data = raw(build_split(task, "test"))
    assert len(set(data["image"])) == len(data["image"])


@pytest.mark.parametrize("task", SHAPES_TASKS)
def test_default_test_sizes_and_columns(task: str) -> None:
    assert SPLIT_SIZES[task]["test"] == TEST_SIZES[task]
    dataset = build_split(task, "test")
    assert dataset.num_rows == TEST_SIZES[task]
    assert dataset.column_names == COLUMNS[task]
    ids = dataset["id"]
    assert len(set(ids)) == len(ids)
    assert all(i == str(int(i)) for i in ids)  # decimal strings: official exports use ints


def test_images_are_64px_rgb_png() -> None:
    for task in SHAPES_TASKS:
        data = raw(build_split(task, "test", size=5))
        for png in data["image"]:
            assert png.startswith(b"\x89PNG\r\n\x1a\n")
            image = Image.open(io.BytesIO(png))
            assert image.format == "PNG"
            assert (image.mode, image.size) == ("RGB", (64, 64))
    decoded = build_split("captioning", "test", size=1)[0]["image"]
    assert isinstance(decoded, Image.Image)


@pytest.mark.slow
def test_train_splits_have_their_sizes() -> None:
    for task in SHAPES_TASKS:
        assert build_split(task, "train").num_rows == SPLIT_SIZES[task]["train"]
    assert SPLIT_SIZES["captioning"]["train"] >= 5000
    assert SPLIT_SIZES["retrieval"]["train"] >= 5000
    assert SPLIT_SIZES["vqa"]["train"] >= 10000
    assert SPLIT_SIZES["sentiment"]["train"] >= 3000


@pytest.mark.parametrize(
    ("task", "split", "kwargs"),
    [
        ("ocr", "test", {}),
        ("vqa", "validation", {}),
        ("vqa", "test", {"seed": -1}),
        ("vqa", "test", {"size": 0}),
        ("vqa", "test", {"size": True}),
    ],
)
def test_bad_arguments_are_usage_errors(task: str, split: str, kwargs: dict[str, int]) -> None:
    with pytest.raises(UsageError, match="shapes"):
        build_split(task, split, **kwargs)
