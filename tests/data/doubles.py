"""A deterministic test double that has every capability, registered as ``double:all``.

It reads real pixels and real text (so a sample that loaded differently would be answered
differently) and answers instantly, so whole runs over every card stay cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from bench.adapters.base import LoadOptions, ModelInfo, ModelSpec

LABELS = ("negative", "neutral", "positive", "not-hateful", "hateful")
WORDS = ("red", "green", "blue")


def _mean(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float64).mean(axis=(0, 1))


def _text_vector(text: str, size: int) -> np.ndarray:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return np.frombuffer(digest[:size], dtype=np.uint8).astype(np.float64) + 1.0


class AllCapabilities:
    """Generator, ImageTextEmbedder and Classifier over image means and text hashes."""

    def fingerprint(self) -> str:
        """A fixed identity (the double has no weights)."""
        return hashlib.sha256(b"double-all-v1").hexdigest()

    def settings(self) -> dict[str, Any]:
        """Nothing changes its answers."""
        return {"rule": "image mean + text hash"}

    def generate(
        self, images: Sequence[Image.Image], prompts: Sequence[str], *, max_new_tokens: int
    ) -> list[str]:
        """The dominant colour, then one word chosen by the prompt."""
        out = []
        for image, prompt in zip(images, prompts, strict=True):
            colour = WORDS[int(_mean(image).argmax())]
            extra = ("down", "no", "2", "dakota", "a man")[
                _text_vector(prompt, 1)[0].astype(int) % 5
            ]
            out.append(f"{extra} {colour}" if prompt else f"a {colour} photo of {extra}")
        return out

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """The mean colour, tiled to 6 dimensions."""
        return np.stack([np.tile(_mean(image), 2) for image in images])

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """A hash of the text, 6 dimensions."""
        return np.stack([_text_vector(text, 6) for text in texts])

    def labels(self) -> Sequence[str]:
        """Every sentiment label of the shipped cards."""
        return LABELS

    def classify(self, images: Sequence[Image.Image], texts: Sequence[str]) -> np.ndarray:
        """Scores from the text hash and the image's brightness."""
        rows = []
        for image, text in zip(images, texts, strict=True):
            scores = _text_vector(text, len(LABELS))
            scores[int(_mean(image).sum()) % len(LABELS)] += 300.0
            rows.append(scores)
        return np.stack(rows)


@dataclass
class _Handle:
    spec: ModelSpec

    @property
    def adapter_class(self) -> type:
        return AllCapabilities

    def load(self, options: LoadOptions) -> AllCapabilities:
        return AllCapabilities()


class DoubleModels:
    """Model provider for the ``double`` scheme."""

    def known_models(self) -> list[ModelInfo]:
        """The one double."""
        return [ModelInfo("double:all", "test double", ("Generator", "ImageTextEmbedder"))]

    def resolve(self, spec: ModelSpec) -> _Handle:
        """Any ``double:`` spec is the same double."""
        return _Handle(spec)
