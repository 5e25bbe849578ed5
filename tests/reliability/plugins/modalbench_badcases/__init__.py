"""A test plugin: cards read from ``$MODALBENCH_BADCASES_CARDS`` and a colour-naming model.

It registers like any third-party package (``modalbench.tasks`` and ``modalbench.models``
entry points, made by the reliability tests' fixture). Importing it registers the
``jsonl`` source kind, so the cards can read local folders.

The model, ``badcases:colour-oracle``, is exact on clean inputs and fails on purpose:

- it names the palette colour nearest to an image's mean colour (a Generator; an empty
  answer for black images);
- it embeds an image or text as the one-hot vector of that colour (an ImageTextEmbedder;
  NaN for magenta images, inf for texts containing "glitch").
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bench.adapters.base import LoadOptions, ModelInfo, ModelSpec
from bench.data.sources import register_reader
from bench.errors import UsageError
from bench.tasking import Task, TaskInfo
from modalbench_tasks.catalog import CardCatalog

register_reader("jsonl", "bench.data.sources.jsonl:read_jsonl")

PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "cyan": (0, 255, 255),
    "magenta": (255, 0, 255),
    "yellow": (255, 255, 0),
    "white": (255, 255, 255),
    "black": (0, 0, 0),
    "grey": (128, 128, 128),
    "orange": (255, 128, 0),
    "purple": (128, 0, 255),
    "navy": (0, 0, 128),
    "olive": (128, 128, 0),
    "teal": (0, 128, 128),
    "maroon": (128, 0, 0),
    "pink": (255, 128, 192),
}
NAMES = list(PALETTE)


def colour_of(image: Image.Image) -> str:
    """The palette colour nearest to the image's mean colour."""
    mean = np.asarray(image, dtype=np.float64).reshape(-1, 3).mean(axis=0)
    distances = [float(np.sum((mean - np.asarray(rgb)) ** 2)) for rgb in PALETTE.values()]
    return NAMES[int(np.argmin(distances))]


def one_hot(name: str | None) -> np.ndarray:
    vector = np.zeros(len(NAMES), dtype=np.float32)
    if name is not None:
        vector[NAMES.index(name)] = 1.0
    return vector


class ColourOracle:
    """Names and embeds colours exactly; fails on purpose as the module docstring says."""

    def fingerprint(self) -> str:
        return hashlib.sha256(f"{type(self).__name__}-v1".encode()).hexdigest()

    def settings(self) -> dict[str, Any]:
        return {"palette": len(PALETTE)}

    def generate(
        self, images: Sequence[Image.Image], prompts: Sequence[str], *, max_new_tokens: int
    ) -> list[str]:
        answers = []
        for image in images:
            name = colour_of(image)
            answers.append("" if name == "black" else name)
        return answers

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        rows = []
        for image in images:
            name = colour_of(image)
            rows.append(
                np.full(len(NAMES), np.nan, np.float32) if name == "magenta" else one_hot(name)
            )
        return np.stack(rows)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            if "glitch" in text:
                rows.append(np.full(len(NAMES), np.inf, np.float32))
                continue
            words = text.lower().split()
            rows.append(one_hot(next((w for w in words if w in PALETTE), None)))
        return np.stack(rows)


class CrashingModel(ColourOracle):
    """Every call raises inside the model, as a bug in its code would."""

    def generate(
        self, images: Sequence[Image.Image], prompts: Sequence[str], *, max_new_tokens: int
    ) -> list[str]:
        return [prompts[len(prompts) + 3]]  # IndexError, whatever the batch

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        raise IndexError("index 7 is out of bounds for axis 0 with size 4")


class UsageErrorModel(ColourOracle):
    """Refuses its settings inside the call."""

    def generate(
        self, images: Sequence[Image.Image], prompts: Sequence[str], *, max_new_tokens: int
    ) -> list[str]:
        raise UsageError("max_new_tokens must be at least 16 for this model")


class MiscountModel(ColourOracle):
    """Returns one answer too few."""

    def generate(
        self, images: Sequence[Image.Image], prompts: Sequence[str], *, max_new_tokens: int
    ) -> list[str]:
        return super().generate(images, prompts, max_new_tokens=max_new_tokens)[:-1]


class DeadCudaModel(ColourOracle):
    """Fails as a model does after a device-side assert (the error then sticks)."""

    def generate(
        self, images: Sequence[Image.Image], prompts: Sequence[str], *, max_new_tokens: int
    ) -> list[str]:
        if any(colour_of(image) == "blue" for image in images):
            raise RuntimeError(
                "CUDA error: device-side assert triggered\nCUDA kernel errors might be "
                "asynchronously reported at some other API call"
            )
        return super().generate(images, prompts, max_new_tokens=max_new_tokens)


class PinkAllergicModel(ColourOracle):
    """Fails on one kind of input only: a batch holding a pink image raises."""

    def generate(
        self, images: Sequence[Image.Image], prompts: Sequence[str], *, max_new_tokens: int
    ) -> list[str]:
        if any(colour_of(image) == "pink" for image in images):
            raise ValueError("cannot name this colour")
        return super().generate(images, prompts, max_new_tokens=max_new_tokens)


VARIANTS: dict[str, type[ColourOracle]] = {
    "colour-oracle": ColourOracle,
    "crashing": CrashingModel,
    "usage-error": UsageErrorModel,
    "miscount": MiscountModel,
    "dead-cuda": DeadCudaModel,
    "pink-allergic": PinkAllergicModel,
}


@dataclass
class _Handle:
    spec: ModelSpec

    @property
    def adapter_class(self) -> type:
        return VARIANTS[self.spec.target]

    def load(self, options: LoadOptions) -> ColourOracle:
        return VARIANTS[self.spec.target]()


class Models:
    """Scheme ``badcases``."""

    def known_models(self) -> list[ModelInfo]:
        return [ModelInfo(f"badcases:{name}", "names colours", ("Generator",)) for name in VARIANTS]

    def resolve(self, spec: ModelSpec) -> _Handle:
        if spec.target not in VARIANTS:
            raise UsageError(f"unknown badcases model '{spec.text}'")
        return _Handle(spec)


class Tasks:
    """Every card of the folder named by ``$MODALBENCH_BADCASES_CARDS`` (none when unset)."""

    def _catalog(self) -> CardCatalog | None:
        folder = os.environ.get("MODALBENCH_BADCASES_CARDS")
        return CardCatalog(Path(folder), provider_name="badcases") if folder else None

    def list_tasks(self) -> list[TaskInfo]:
        catalog = self._catalog()
        return catalog.list_tasks() if catalog else []

    def build(self, name: str) -> Task:
        catalog = self._catalog()
        assert catalog is not None
        return catalog.build(name)


TASKS = Tasks()
MODELS = Models()
