"""Sentiment cards (MVSA-Single/Multiple, Twitter-2015/2017, Hateful Memes) on tiny
copies of their original layouts."""

from __future__ import annotations

import dataclasses
import hashlib
import math
from pathlib import Path

import pytest
from card_helpers import card, load
from sentiment_layouts import (
    MEMES,
    MVSA_MULTIPLE,
    MVSA_SINGLE,
    make_hateful_memes,
    make_mvsa,
    make_tombert,
)

from bench.data.cards import DatasetCard
from bench.data.sources import read_split
from bench.data.sources.sentiment import mvsa_label
from bench.errors import UsageError
from bench.tasking import DataOptions
from bench.types import LOAD_ERROR_KEY
from modalbench_tasks.common import load_task_data


@pytest.mark.parametrize(
    ("annotations", "label"),
    [
        ([("positive", "positive")], "positive"),
        ([("neutral", "negative")], "negative"),
        ([("positive", "neutral")], "positive"),
        ([("positive", "negative")], None),
        ([("neutral", "neutral")], "neutral"),
        ([("positive", "positive"), ("positive", "neutral"), ("negative", "positive")], "positive"),
        ([("positive", "positive"), ("neutral", "positive"), ("negative", "neutral")], None),
        ([("positive", "x"), ("negative", "x"), ("neutral", "x")], None),
    ],
)
def test_mvsa_label_rule(annotations: list[tuple[str, str]], label: str | None) -> None:
    assert mvsa_label(annotations) == label


def _sha(post_id: str) -> str:
    return hashlib.sha256(f"0:{post_id}".encode()).hexdigest()


@pytest.mark.parametrize(
    ("task", "folder", "lines"),
    [("mvsa-single", "MVSA_Single", MVSA_SINGLE), ("mvsa-multiple", "MVSA", MVSA_MULTIPLE)],
)
def test_mvsa_split_labels_and_text(tmp_path: Path, task: str, folder: str, lines: list) -> None:
    kept = make_mvsa(tmp_path, folder, lines)
    # The shipped fractions give the published 450/1,700 on the full data; on this tiny
    # copy, 0.1 makes the seeded draw's quotas worth checking by hand.
    the_card = _with_fractions(card(task), 0.1)
    splits = {s: read_split(the_card, s, tmp_path)[0] for s in ("test", "dev", "train")}
    ids = {s: [x.id for x in samples] for s, samples in splits.items()}
    # Every kept post is in exactly one split; dropped posts are in none.
    assert sorted((i for part in ids.values() for i in part), key=int) == sorted(kept, key=int)
    assert len(ids["test"]) == len(ids["dev"]) == math.floor(0.1 * len(kept))
    for samples in splits.values():
        for sample in samples:
            assert (sample.label, sample.text) == kept[sample.id]
            assert Path(str(sample.image)).name == f"{sample.id}.jpg"
    # The test posts are the smallest hashes of their labels (quotas by largest remainder).
    for sample in splits["test"]:
        same_label = [i for i, (label, _) in kept.items() if label == sample.label]
        assert min(same_label, key=_sha) == sample.id
    data = load_task_data(the_card, DataOptions(data_dir=tmp_path, limit=100))
    assert [s.id for s in data.samples] == ids["test"]
    assert data.source.endswith("(seeded draw (fallback: no published split file))")
    with pytest.raises(UsageError, match=rf"expected {the_card.size} samples in split 'test'"):
        load(task, tmp_path)


def _with_fractions(the_card: DatasetCard, fraction: float) -> DatasetCard:
    spec = the_card.sources["local"]
    options = {**spec.options, "split_fractions": {"test": fraction, "dev": fraction}}
    local = dataclasses.replace(spec, options=options)
    return dataclasses.replace(the_card, sources={**the_card.sources, "local": local})


def test_mvsa_shipped_fractions_give_the_published_sizes() -> None:
    for task, posts, size in (("mvsa-single", 4511, 450), ("mvsa-multiple", 17024, 1700)):
        fractions = card(task).sources["local"].options["split_fractions"]
        assert {k: math.floor(f * posts + 1e-9) for k, f in fractions.items()} == {
            "test": size,
            "dev": size,
        }
        assert card(task).expected_counts == {
            "test": size,
            "dev": size,
            "train": posts - 2 * size,
        }


def test_mvsa_text_that_is_not_utf8_is_a_failed_sample(tmp_path: Path) -> None:
    kept = make_mvsa(tmp_path, "MVSA_Single", MVSA_SINGLE)
    for post_id in kept:
        (tmp_path / "MVSA_Single" / "data" / f"{post_id}.txt").write_bytes(b"caf\xe9 \xff")
    samples, _ = read_split(card("mvsa-single"), "train", tmp_path)
    assert samples and all("not valid utf-8" in s.meta[LOAD_ERROR_KEY] for s in samples)
    # The gold label is known, so the failed post still counts (as failed) in the metrics.
    assert all(s.label == kept[s.id][0] for s in samples)


def test_mvsa_missing_text_file_is_a_failed_sample(tmp_path: Path) -> None:
    make_mvsa(tmp_path, "MVSA_Single", MVSA_SINGLE)
    (tmp_path / "MVSA_Single" / "data" / "1.txt").unlink()
    samples, _ = read_split(card("mvsa-single"), "train", tmp_path)
    failed = {s.id: s.meta[LOAD_ERROR_KEY] for s in samples if LOAD_ERROR_KEY in s.meta}
    assert failed == {"1": "text file not found: 1.txt"}


def test_mvsa_wrong_layout(tmp_path: Path) -> None:
    make_mvsa(tmp_path, "MVSA_Single", MVSA_SINGLE)
    with pytest.raises(UsageError, match=r"'MVSA/labelResultAll\.txt' is missing"):
        load("mvsa-multiple", tmp_path, limit=5)


@pytest.mark.parametrize(
    ("task", "tsv", "images"),
    [
        ("twitter2015", "absa_data/twitter2015", "IJCAI2019_data/twitter2015_images"),
        ("twitter2017", "absa_data/twitter", "IJCAI2019_data/twitter2017_images"),
    ],
)
def test_twitter_target_fills_the_placeholder(
    tmp_path: Path, task: str, tsv: str, images: str
) -> None:
    make_tombert(tmp_path, tsv, images)
    data = load(task, tmp_path, limit=10)
    assert [s.id for s in data.samples] == ["1", "2", "3"]
    assert data.samples[1].text == "Crazy hair day ! Lydia is a contender . : )"
    assert [s.label for s in data.samples] == ["neutral", "positive", "negative"]
    assert data.samples[2].meta == {"target": "Hamas", "image_id": "2003.jpg"}
    assert Path(str(data.samples[0].image)) == (tmp_path / images / "2001.jpg").resolve()
    train = data.train() if data.train else ()
    assert [s.label for s in train] == ["positive", "negative", "neutral", "positive"]
    assert [s.text for s in train][2] == "Leeds United lost again , BBC reports"
    with pytest.raises(UsageError, match=f"expected {card(task).size} samples"):
        load(task, tmp_path)


def test_twitter_malformed_rows_are_failed_samples(tmp_path: Path) -> None:
    make_tombert(tmp_path, "absa_data/twitter2015", "IJCAI2019_data/twitter2015_images")
    test_tsv = tmp_path / "absa_data/twitter2015/test.tsv"
    lines = test_tsv.read_text().splitlines()
    lines[1] = "1\t7\t2001.jpg\tNo label like this $T$\tX"
    lines[2] = "2\t2\t2002.jpg\tonly four fields"
    lines[3] = lines[3].replace("$T$", "the group")
    test_tsv.write_text("\n".join(lines) + "\n")
    data = load("twitter2015", tmp_path, limit=10)
    reasons = {e.sample_id: e.reason for e in data.errors}
    assert reasons == {
        "1": "unknown label value '7'",
        "line3": "malformed row: 4 tab-separated fields, expected 5",
        "3": "sentence has no $T$ placeholder",
    }


def test_hateful_memes_binary_labels_and_paths(tmp_path: Path) -> None:
    make_hateful_memes(tmp_path)
    data = load("hateful-memes", tmp_path, limit=10)
    rows = MEMES["test_seen"]
    assert [s.id for s in data.samples] == [str(r[0]) for r in rows]
    assert [s.label for s in data.samples] == ["hateful", "not-hateful", "hateful", "not-hateful"]
    assert [s.text for s in data.samples] == [r[3] for r in rows]
    # The id is the number; the file keeps its zero padding.
    assert Path(str(data.samples[3].image)) == (tmp_path / "hateful_memes/img/01765.png").resolve()
    assert card("hateful-memes").task_options["labels"] == ["not-hateful", "hateful"]
    dev, _ = read_split(card("hateful-memes"), "dev_seen", tmp_path)
    assert [(s.id, s.label) for s in dev] == [("8291", "hateful")]
    with pytest.raises(UsageError, match="expected 1000 samples in split 'test_seen', found 4"):
        load("hateful-memes", tmp_path)


def test_hateful_memes_bad_lines_are_failed_samples(tmp_path: Path) -> None:
    make_hateful_memes(tmp_path)
    jsonl = tmp_path / "hateful_memes/test_seen.jsonl"
    lines = jsonl.read_text().splitlines()
    lines[0] = "{broken"
    lines[1] = lines[1].replace('"img/37405.png"', '"/etc/passwd"')
    lines.append('{"id": 5, "img": "img/00005.png", "text": "no label here"}')
    jsonl.write_text("\n".join(lines) + "\n")
    data = load("hateful-memes", tmp_path, limit=10)
    reasons = {e.sample_id: e.reason for e in data.errors}
    assert reasons["line1"] == "line 1 is not valid JSON"
    assert reasons["37405"].startswith("refused file path")
    assert reasons["5"] == "no usable label (None)"
    assert len(data.samples) == 5


def test_hateful_memes_missing_split_file_is_named(tmp_path: Path) -> None:
    make_hateful_memes(tmp_path)
    (tmp_path / "hateful_memes/test_seen.jsonl").unlink()
    with pytest.raises(UsageError, match=r"'hateful_memes/test_seen\.jsonl' is missing"):
        load("hateful-memes", tmp_path, limit=10)
