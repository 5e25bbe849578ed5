"""Training data for the reference models: shapes train splits as tensors and texts.

Everything comes from the shapes generator's *train* splits (whose scenes never appear in a
test split), read through :func:`bench.data.shapes.load_split`, so a given seed and size
always give the same rows. Images are decoded once into a ``uint8`` tensor; models see them
normalised exactly as the saved image processors normalise them (see :func:`normalise`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import datasets
    import torch

#: Mean and standard deviation of every channel, as written into the image processors.
IMAGE_MEAN = (0.5, 0.5, 0.5)
IMAGE_STD = (0.5, 0.5, 0.5)

#: How face images are described to the dual encoder, per mouth (see ``bench.data.shapes.faces``).
_FACE_FEELINGS = {
    "smile": ("happy", "smiling", "cheerful"),
    "frown": ("sad", "frowning", "unhappy"),
    "flat": ("expressionless", "flat", "calm"),
}


def train_split(task: str, *, seed: int, size: int | None) -> datasets.Dataset:
    """One shapes train split (cached on disk after the first call)."""
    from bench.data.shapes import load_split

    return load_split(task, "train", seed=seed, size=size)


def decode_images(column: Sequence[Any]) -> torch.Tensor:
    """PNG cells (``{"bytes": ...}``) or PIL images as one ``uint8`` tensor ``[N, 3, H, W]``."""
    import torch
    from PIL import Image

    arrays = []
    for cell in column:
        image = cell if isinstance(cell, Image.Image) else Image.open(io.BytesIO(cell["bytes"]))
        arrays.append(np.asarray(image.convert("RGB"), dtype=np.uint8))
    stacked = np.stack(arrays).transpose(0, 3, 1, 2)
    return torch.from_numpy(np.ascontiguousarray(stacked))


def raw_images(dataset: datasets.Dataset) -> list[Any]:
    """The ``image`` column as undecoded ``{"bytes", "path"}`` cells."""
    import datasets

    return list(dataset.cast_column("image", datasets.Image(decode=False))["image"])


def normalise(images: torch.Tensor) -> torch.Tensor:
    """``uint8 [N, 3, H, W]`` -> float pixels, as the saved image processors produce them."""
    import torch

    mean = torch.tensor(IMAGE_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGE_STD).view(1, 3, 1, 1)
    # Same order of operations as the processors: rescale by 1/255, then normalise.
    return (images.float() * (1.0 / 255.0) - mean) / std


@dataclass(frozen=True)
class CaptionData:
    """Images with several captions each (captioning / retrieval train splits)."""

    images: torch.Tensor
    captions: list[list[str]]
    scenes: list[str]


@dataclass(frozen=True)
class QAData:
    """VQA train questions: one row per question, images stored once per image id."""

    images: torch.Tensor
    image_index: list[int]
    questions: list[str]
    answers: list[str]


@dataclass(frozen=True)
class FaceData:
    """Sentiment train images with their descriptions, posts and per-modality sentiments."""

    images: torch.Tensor
    descriptions: list[list[str]]
    posts: list[str]
    image_sentiment: list[str]
    text_sentiment: list[str]


def caption_data(task: str, *, seed: int, size: int | None) -> CaptionData:
    """Images and their five captions from a captioning or retrieval train split."""
    dataset = train_split(task, seed=seed, size=size)
    captions = [list(c) for c in dataset["captions"]]
    return CaptionData(decode_images(raw_images(dataset)), captions, list(dataset["scene"]))


def qa_data(*, seed: int, size: int | None) -> QAData:
    """VQA train questions with their canonical (most common) answers."""
    dataset = train_split("vqa", seed=seed, size=size)
    image_ids = list(dataset["image_id"])
    first: dict[str, int] = {}
    for row, image_id in enumerate(image_ids):
        first.setdefault(image_id, row)
    cells = raw_images(dataset.select(list(first.values())))
    position = {image_id: k for k, image_id in enumerate(first)}
    return QAData(
        images=decode_images(cells),
        image_index=[position[i] for i in image_ids],
        questions=list(dataset["question"]),
        answers=list(dataset["multiple_choice_answer"]),
    )


def face_descriptions(scene_json: str, caption: str, sentiment: str) -> list[str]:
    """Ways to describe one face image: its plain caption plus wordings of its mood."""
    mouth = str(json.loads(scene_json)["mouth"])
    feelings = _FACE_FEELINGS[mouth]
    return [
        caption,
        f"a {feelings[0]} face",
        f"a {feelings[1]} face",
        f"a photo that feels {sentiment}",
        f"a {feelings[2]} picture",
    ]


def face_data(*, seed: int, size: int | None) -> FaceData:
    """Sentiment train split: images, mood descriptions, posts and both sentiments."""
    dataset = train_split("sentiment", seed=seed, size=size)
    sentiments = list(dataset["image_sentiment"])
    descriptions = [
        face_descriptions(scene, caption, sentiment)
        for scene, caption, sentiment in zip(
            dataset["scene"], dataset["image_caption"], sentiments, strict=True
        )
    ]
    return FaceData(
        images=decode_images(raw_images(dataset)),
        descriptions=descriptions,
        posts=list(dataset["text"]),
        image_sentiment=sentiments,
        text_sentiment=list(dataset["text_sentiment"]),
    )
