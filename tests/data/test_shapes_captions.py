"""Shapes captions: true to the scene, five really different ones, distinctive, COCO export."""

from __future__ import annotations

import itertools
import json
import os
import re

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from collections import defaultdict
from typing import Any

import pytest

from bench.data.shapes import build_split, to_coco_captions

# An independent reading of the caption vocabulary: surface word -> canonical value.
COLOURS = {
    "red": "red",
    "crimson": "red",
    "green": "green",
    "blue": "blue",
    "yellow": "yellow",
    "purple": "purple",
    "violet": "purple",
    "orange": "orange",
    "gray": "gray",
    "grey": "gray",
}
KINDS = {
    "circle": "circle",
    "disc": "circle",
    "square": "square",
    "box": "square",
    "triangle": "triangle",
    "diamond": "diamond",
    "rhombus": "diamond",
    "cross": "cross",
    "plus sign": "cross",
}
SIZES = {"small": "small", "little": "small", "tiny": "small", "large": "large", "big": "large"}
POSITIONS = {
    "top left": "top left",
    "upper left": "top left",
    "top-left": "top left",
    "top right": "top right",
    "upper right": "top right",
    "top-right": "top right",
    "bottom left": "bottom left",
    "lower left": "bottom left",
    "bottom-left": "bottom left",
    "bottom right": "bottom right",
    "lower right": "bottom right",
    "bottom-right": "bottom right",
    "top middle": "top",
    "top center": "top",
    "top": "top",
    "bottom middle": "bottom",
    "bottom center": "bottom",
    "bottom": "bottom",
    "middle left": "left",
    "left side": "left",
    "left": "left",
    "middle right": "right",
    "right side": "right",
    "right": "right",
    "center": "center",
    "centre": "center",
    "middle": "center",
}
Mention = tuple[str, str, "str | None", "str | None"]


def find(text: str, table: dict[str, str]) -> list[str]:
    """Canonical values of the table's phrases in ``text``, longest phrase first."""
    spans: list[tuple[int, int, str]] = []
    for phrase in sorted(table, key=len, reverse=True):
        for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text):
            if not any(m.start() < end and start < m.end() for start, end, _ in spans):
                spans.append((m.start(), m.end(), table[phrase]))
    return [value for _, _, value in sorted(spans)]


def parse(caption: str) -> list[Mention]:
    """One (colour, kind, size or None, position or None) per shape mentioned.

    Every grammar style lists shapes in chunks separated by commas, semicolons or "and",
    each chunk naming one shape and at most one position.
    """
    mentions: list[Mention] = []
    for chunk in re.split(r",|;| and ", caption):
        colours, kinds = find(chunk, COLOURS), find(chunk, KINDS)
        sizes, positions = find(chunk, SIZES), find(chunk, POSITIONS)
        if not colours and not kinds:
            continue
        assert len(colours) == 1 and len(kinds) == 1, (caption, chunk)
        assert len(sizes) <= 1 and len(positions) <= 1, (caption, chunk)
        mentions.append(
            (colours[0], kinds[0], sizes[0] if sizes else None, positions[0] if positions else None)
        )
    return mentions


def consistent(mentions: list[Mention], shapes: list[dict[str, Any]]) -> bool:
    if len(mentions) != len(shapes):
        return False
    for order in itertools.permutations(shapes):
        if all(
            m[0] == s["color"]
            and m[1] == s["kind"]
            and m[2] in (None, s["size"])
            and m[3] in (None, s["position"])
            for m, s in zip(mentions, order, strict=True)
        ):
            return True
    return False


@pytest.fixture(scope="module")
def retrieval() -> tuple[list[list[str]], list[list[dict[str, Any]]]]:
    dataset = build_split("retrieval", "test")
    scenes = [json.loads(s)["shapes"] for s in dataset["scene"]]
    return dataset["captions"], scenes


def test_parser_reads_each_style() -> None:
    """Hand-worked readings, one per grammar style."""
    assert parse("a red circle in the top left and a small blue box at the bottom") == [
        ("red", "circle", None, "top left"),
        ("blue", "square", "small", "bottom"),
    ]
    assert parse("top-left: one crimson disc; middle: a big grey plus sign") == [
        ("red", "circle", None, "top left"),
        ("gray", "cross", "large", "center"),
    ]
    assert parse("the violet rhombus is in the middle right") == [
        ("purple", "diamond", None, "right")
    ]


def test_every_caption_is_true_and_names_every_shape(
    retrieval: tuple[list[list[str]], list[list[dict[str, Any]]]],
) -> None:
    captions, scenes = retrieval
    for image_captions, shapes in zip(captions, scenes, strict=True):
        assert len(image_captions) == 5
        for caption in image_captions:
            assert consistent(parse(caption), shapes), (caption, shapes)


def test_the_five_captions_really_differ(
    retrieval: tuple[list[list[str]], list[list[dict[str, Any]]]],
) -> None:
    captions, _ = retrieval
    canon = {**COLOURS, **KINDS, **SIZES}
    word_orders = 0
    multi = 0
    for image_captions in captions:
        assert len(set(image_captions)) == 5
        # Still five different sentences once every synonym is mapped to one word.
        normalised = {
            " ".join(canon.get(w, w) for w in re.findall(r"[\w-]+", c)) for c in image_captions
        }
        assert len(normalised) == 5
        # Different opening words: the sentence styles differ, not just the details.
        assert len({c.split()[0] for c in image_captions}) >= 2
        orders = {tuple(m[:2] for m in parse(c)) for c in image_captions}
        if len(parse(image_captions[0])) > 1:
            multi += 1
            word_orders += len(orders) > 1
    assert word_orders / multi > 0.5


def test_detail_and_synonyms_vary_across_the_corpus(
    retrieval: tuple[list[list[str]], list[list[dict[str, Any]]]],
) -> None:
    captions, _ = retrieval
    flat = [c for cs in captions for c in cs]
    parsed = [parse(c) for c in flat]
    with_position = sum(all(m[3] for m in p) for p in parsed) / len(flat)
    with_size = sum(all(m[2] for m in p) for p in parsed) / len(flat)
    without_either = sum(not any(m[2] or m[3] for m in p) for p in parsed) / len(flat)
    assert 0.7 < with_position < 0.95
    assert 0.3 < with_size < 0.7
    assert 0.01 < without_either < 0.15
    synonyms = {"crimson", "violet", "grey", "disc", "box", "rhombus", "plus sign", "little", "big"}
    with_synonym = sum(any(f" {s} " in f" {c} " for s in synonyms) for c in flat) / len(flat)
    assert 0.3 < with_synonym < 0.9
    vocabulary = {w for c in flat for w in re.findall(r"[\w-]+", c)}
    assert len(vocabulary) < 150  # closed and modest


def test_captions_tell_most_test_images_apart(
    retrieval: tuple[list[list[str]], list[list[dict[str, Any]]]],
) -> None:
    """A reader that understands captions perfectly, ranking ties at random, gets this R@1."""
    captions, scenes = retrieval
    by_pairs: dict[frozenset[tuple[str, str]], list[int]] = defaultdict(list)
    for index, shapes in enumerate(scenes):
        by_pairs[frozenset((s["color"], s["kind"]) for s in shapes)].append(index)
    expected_hits = []
    for image_captions in captions:
        for caption in image_captions:
            mentions = parse(caption)
            pool = by_pairs[frozenset(m[:2] for m in mentions)]
            matches = sum(consistent(mentions, scenes[i]) for i in pool)
            expected_hits.append(1 / matches)
    oracle_r1 = sum(expected_hits) / len(expected_hits)
    assert oracle_r1 > 0.9


def test_coco_export_matches_the_dataset() -> None:
    dataset = build_split("captioning", "test", size=30)
    coco = json.loads(json.dumps(to_coco_captions(dataset)))
    assert [image["id"] for image in coco["images"]] == [int(i) for i in dataset["id"]]
    by_image: dict[int, list[str]] = defaultdict(list)
    for annotation in coco["annotations"]:
        by_image[annotation["image_id"]].append(annotation["caption"])
    assert len({a["id"] for a in coco["annotations"]}) == 150
    for image_id, captions in zip(dataset["id"], dataset["captions"], strict=True):
        assert by_image[int(image_id)] == captions
