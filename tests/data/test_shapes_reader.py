"""The ``shapes`` source reader and the four shapes dataset cards."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from pathlib import Path
from typing import Any

import datasets
import pytest

from bench.data.cards import SourceSpec, load_card
from bench.data.shapes import SPLIT_SIZES, load_split
from bench.data.sources import get_reader, read_split
from bench.data.sources.shapes import read_shapes
from bench.errors import UsageError
from bench.types import Sample

CARDS = Path(__file__).resolve().parents[2] / "tasks" / "cards"
TASKS = ("captioning", "vqa", "retrieval", "sentiment")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODALBENCH_CACHE", str(tmp_path))


def spec(task: str, **options: Any) -> SourceSpec:
    return SourceSpec(role="builtin", kind="shapes", options={"task": task, "seed": 0, **options})


def stored_rows(task: str, split: str, size: int, seed: int = 0) -> list[dict[str, Any]]:
    dataset = load_split(task, split, seed=seed, size=size)
    return dataset.cast_column("image", datasets.Image(decode=False)).to_list()


@pytest.mark.parametrize("task", ["captioning", "retrieval"])
def test_caption_rows_become_samples(task: str) -> None:
    samples = read_shapes(spec(task, size=8), "test", None)
    for sample, row in zip(samples, stored_rows(task, "test", 8), strict=True):
        assert sample == Sample(
            id=row["id"],
            image=row["image"]["bytes"],
            references=tuple(row["captions"]),
            meta={"image_id": row["id"]},
        )
        assert isinstance(sample.image, bytes) and sample.image.startswith(b"\x89PNG")
        assert len(sample.references) == 5
    assert len(samples) == 8


def test_vqa_rows_become_samples() -> None:
    samples = read_shapes(spec("vqa", size=9), "test", None)
    assert len(samples) == 9
    for sample, row in zip(samples, stored_rows("vqa", "test", 9), strict=True):
        assert sample.id == row["id"]
        assert sample.image == row["image"]["bytes"]
        assert sample.text == row["question"]
        assert sample.references == tuple(row["answers"])
        assert sample.label is None
        assert dict(sample.meta) == {
            "image_id": row["image_id"],
            "answer_type": row["answer_type"],
            "question_type": row["question_type"],
            "multiple_choice_answer": row["multiple_choice_answer"],
        }


def test_sentiment_rows_become_samples() -> None:
    samples = read_shapes(spec("sentiment", size=7), "train", None)
    assert len(samples) == 7
    for sample, row in zip(samples, stored_rows("sentiment", "train", 7), strict=True):
        assert sample == Sample(
            id=row["id"],
            image=row["image"]["bytes"],
            text=row["text"],
            label=row["label"],
            meta={
                "image_sentiment": row["image_sentiment"],
                "text_sentiment": row["text_sentiment"],
            },
        )


def test_size_option_per_split_and_seed() -> None:
    per_split = spec("captioning", size={"test": 4, "train": 6})
    assert len(read_shapes(per_split, "test", None)) == 4
    assert len(read_shapes(per_split, "train", None)) == 6
    seeded = read_shapes(spec("captioning", size=4, seed=5), "test", None)
    assert [s.image for s in seeded] == [
        r["image"]["bytes"] for r in stored_rows("captioning", "test", 4, seed=5)
    ]
    assert [s.image for s in seeded] != [s.image for s in read_shapes(per_split, "test", None)]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"task": "ocr"}, "source.builtin.task"),
        ({"task": "vqa", "seed": "zero"}, "source.builtin.seed"),
        ({"task": "vqa", "seed": -3}, "source.builtin.seed"),
        ({"task": "vqa", "size": 2.5}, "source.builtin.size"),
        ({"task": "vqa", "size": {"test": "ten"}}, "source.builtin.size.test"),
    ],
)
def test_bad_options_name_the_field(options: dict[str, Any], field: str) -> None:
    with pytest.raises(UsageError, match=field.replace(".", r"\.")):
        read_shapes(SourceSpec("builtin", "shapes", options), "test", None)


@pytest.mark.parametrize("task", TASKS)
def test_cards_parse_and_match_the_generator(task: str) -> None:
    card = load_card(CARDS / f"shapes-{task}.toml")
    assert (card.name, card.family, card.split, card.train_split) == (
        f"shapes-{task}",
        task,
        "test",
        "train",
    )
    assert card.license == "CC0-1.0" and card.homepage == "" and "modalbench" in card.citation
    assert dict(card.expected_counts) == SPLIT_SIZES[task]
    source = card.sources["builtin"]
    assert (source.kind, source.options["task"], source.options["seed"]) == ("shapes", task, 0)
    assert get_reader(source.kind, card) is read_shapes


def test_card_task_options() -> None:
    options = {t: dict(load_card(CARDS / f"shapes-{t}.toml").task_options) for t in TASKS}
    assert options["captioning"] == {"prompt": "", "max_new_tokens": 32}
    assert options["vqa"] == {"max_new_tokens": 8}
    assert options["sentiment"] == {"labels": ["negative", "neutral", "positive"]}
    assert options["retrieval"] == {}


def test_reading_a_card_split_gives_the_expected_count() -> None:
    card = load_card(CARDS / "shapes-sentiment.toml")
    samples, where = read_split(card, "test", None)
    assert len(samples) == card.expected_counts["test"] == 600
    assert where == "builtin:shapes"
