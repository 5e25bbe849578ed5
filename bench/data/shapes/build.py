"""Generating one split of one shapes task as a ``datasets.Dataset``.

Images are stored with the ``datasets.Image()`` feature as PNG bytes (``{"bytes", "path":
None}``): indexing a row decodes it to a PIL image; ``cast_column("image",
Image(decode=False))`` or the Arrow table give the raw bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import datasets
import numpy as np

from bench.data.shapes.answers import annotate, most_common_answer
from bench.data.shapes.captions import make_captions
from bench.data.shapes.faces import FaceScene, sample_face_scene
from bench.data.shapes.posts import make_post, sample_text_sentiment, sentiment_label
from bench.data.shapes.questions import make_questions
from bench.data.shapes.render import encode_png, render_face, render_scene
from bench.data.shapes.scene import Scene, in_test_partition, sample_scene
from bench.data.shapes.spec import resolve_size, split_rng

_STR = datasets.Value("string")
_STRS = datasets.Sequence(_STR)

FEATURES: dict[str, datasets.Features] = {
    "captioning": datasets.Features(
        {"id": _STR, "image": datasets.Image(), "captions": _STRS, "scene": _STR}
    ),
    "vqa": datasets.Features(
        {
            "id": _STR,
            "image_id": _STR,
            "image": datasets.Image(),
            "question": _STR,
            "answers": _STRS,
            "answer_type": _STR,
            "question_type": _STR,
            "multiple_choice_answer": _STR,
            "scene": _STR,
        }
    ),
    "sentiment": datasets.Features(
        {
            "id": _STR,
            "image": datasets.Image(),
            "text": _STR,
            "label": _STR,
            "image_sentiment": _STR,
            "text_sentiment": _STR,
            "image_caption": _STR,
            "scene": _STR,
        }
    ),
}
FEATURES["retrieval"] = FEATURES["captioning"]

Columns = dict[str, list[Any]]


def _image_cell(png: bytes) -> dict[str, Any]:
    return {"bytes": png, "path": None}


def _shape_scenes(rng: np.random.Generator, split: str) -> Iterator[tuple[Scene, str]]:
    """Scenes of the split's side of the partition; a test split also never repeats what a
    fully detailed caption can say (colour, kind, cell and size of every shape)."""
    seen: set[tuple[tuple[str, str, str, str], ...]] = set()
    want_test = split == "test"
    while True:
        scene = sample_scene(rng)
        text = scene.to_json()
        if in_test_partition(text) != want_test:
            continue
        if want_test:
            if scene.signature() in seen:
                continue
            seen.add(scene.signature())
        yield scene, text


def _face_scenes(rng: np.random.Generator, split: str) -> Iterator[tuple[FaceScene, str]]:
    want_test = split == "test"
    while True:
        scene = sample_face_scene(rng)
        text = scene.to_json()
        if in_test_partition(text) == want_test:
            yield scene, text


def _captioning_rows(rng: np.random.Generator, split: str, size: int) -> Columns:
    columns: Columns = {name: [] for name in FEATURES["captioning"]}
    scenes = _shape_scenes(rng, split)
    for index in range(size):
        scene, text = next(scenes)
        columns["id"].append(str(index))
        columns["image"].append(_image_cell(encode_png(render_scene(scene))))
        columns["captions"].append(make_captions(rng, scene))
        columns["scene"].append(text)
    return columns


def _vqa_rows(rng: np.random.Generator, split: str, size: int) -> Columns:
    columns: Columns = {name: [] for name in FEATURES["vqa"]}
    scenes = _shape_scenes(rng, split)
    image_index = 0
    while len(columns["id"]) < size:
        scene, text = next(scenes)
        image = _image_cell(encode_png(render_scene(scene)))
        for k, question in enumerate(make_questions(rng, scene)):
            if len(columns["id"]) == size:
                break
            answers = annotate(rng, question.space)
            columns["id"].append(str(image_index * 10 + k))
            columns["image_id"].append(str(image_index))
            columns["image"].append(image)
            columns["question"].append(question.text)
            columns["answers"].append(answers)
            columns["answer_type"].append(question.answer_type)
            columns["question_type"].append(question.question_type)
            columns["multiple_choice_answer"].append(most_common_answer(answers))
            columns["scene"].append(text)
        image_index += 1
    return columns


def _sentiment_rows(rng: np.random.Generator, split: str, size: int) -> Columns:
    columns: Columns = {name: [] for name in FEATURES["sentiment"]}
    scenes = _face_scenes(rng, split)
    for index in range(size):
        scene, text = next(scenes)
        text_sentiment = sample_text_sentiment(rng)
        columns["id"].append(str(index))
        columns["image"].append(_image_cell(encode_png(render_face(scene))))
        columns["text"].append(make_post(rng, text_sentiment))
        columns["label"].append(sentiment_label(scene.sentiment, text_sentiment))
        columns["image_sentiment"].append(scene.sentiment)
        columns["text_sentiment"].append(text_sentiment)
        columns["image_caption"].append(scene.caption())
        columns["scene"].append(text)
    return columns


_ROWS: dict[str, Callable[[np.random.Generator, str, int], Columns]] = {
    "captioning": _captioning_rows,
    "retrieval": _captioning_rows,
    "vqa": _vqa_rows,
    "sentiment": _sentiment_rows,
}


def build_split(
    task: str, split: str, *, seed: int = 0, size: int | None = None
) -> datasets.Dataset:
    """Generate one split in memory, deterministically from ``seed``.

    Every (task, split) draws from its own random stream, and train and test scenes come
    from disjoint halves of a fixed content partition, so no image is in both.
    """
    n = resolve_size(task, split, size)
    columns = _ROWS[task](split_rng(task, split, seed), split, n)
    info = datasets.DatasetInfo(
        description=f"modalbench shapes-{task} ({split}, seed {seed})",
        license="CC0-1.0",
        features=FEATURES[task],
    )
    return datasets.Dataset.from_dict(columns, features=FEATURES[task], info=info)
