"""Retrieval cards (COCO 5k, Flickr30k 1k) on tiny copies of their original layouts."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmark_layouts import make_coco, make_flickr
from card_helpers import card, load

from bench.errors import UsageError


def test_coco_retrieval_keeps_every_official_caption(tmp_path: Path) -> None:
    expected = make_coco(tmp_path)
    data = load("coco-retrieval", tmp_path, limit=10)
    assert {s.id: list(s.references) for s in data.samples} == expected
    # 5 + 6 + 5 captions: the text side of the retrieval matrix.
    assert sum(len(s.references) for s in data.samples) == 16


def test_coco_retrieval_and_captioning_read_the_same_samples(tmp_path: Path) -> None:
    make_coco(tmp_path)
    retrieval = load("coco-retrieval", tmp_path, limit=10)
    captioning = load("coco-captioning", tmp_path, limit=10)
    assert retrieval.samples == captioning.samples
    assert retrieval.fingerprint == captioning.fingerprint


def test_flickr30k_retrieval(tmp_path: Path) -> None:
    expected = make_flickr(tmp_path)
    data = load("flickr30k-retrieval", tmp_path, limit=10)
    assert {s.id: list(s.references) for s in data.samples} == expected
    with pytest.raises(UsageError) as info:
        load("flickr30k-retrieval", tmp_path)
    assert "expected 1000" in str(info.value) and "found 2" in str(info.value)


def test_flickr30k_missing_image_folder_is_named(tmp_path: Path) -> None:
    make_flickr(tmp_path)
    for child in (tmp_path / "flickr30k-images").iterdir():
        child.unlink()
    (tmp_path / "flickr30k-images").rmdir()
    with pytest.raises(UsageError, match="expected folder 'flickr30k-images' is missing"):
        load("flickr30k-retrieval", tmp_path, limit=2)


def test_retrieval_cards_state_expected_sizes() -> None:
    assert card("coco-retrieval").size == 5000
    assert card("flickr30k-retrieval").size == 1000
