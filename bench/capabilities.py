"""Capabilities: the only things a task may ask of a model.

An adapter implements exactly the capabilities it really has; tasks declare which
capabilities they accept and the runner checks them before any data is loaded.
All protocols are method-only so ``issubclass`` works on adapter classes, which lets
the runner check a model before its weights are loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

#: What an adapter receives as images: the output of its ``image_preprocessor()`` applied
#: to a list of RGB PIL images in a loader worker, or the list of PIL images itself when the
#: adapter has no preprocessor.
ImageBatch = Any


@dataclass(frozen=True)
class LabeledBatch:
    """One batch of a train split handed to :meth:`FittableClassifier.fit`."""

    images: ImageBatch
    texts: Sequence[str]
    labels: Sequence[str]


@runtime_checkable
class ImageTextEmbedder(Protocol):
    """A dual encoder: images and texts into one embedding space (rows L2-normalisable)."""

    def embed_images(self, images: ImageBatch) -> np.ndarray:
        """Return float32 embeddings ``[N, D]`` for a batch of images."""
        ...

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Return float32 embeddings ``[M, D]`` for a batch of texts."""
        ...


@runtime_checkable
class Generator(Protocol):
    """A model that writes text about an image, conditioned on a prompt."""

    def generate(
        self, images: ImageBatch, prompts: Sequence[str], *, max_new_tokens: int
    ) -> list[str]:
        """Return one generated string per (image, prompt) pair."""
        ...


@runtime_checkable
class Classifier(Protocol):
    """A model with a fixed label head (ViLT's answer vocabulary, a sentiment head)."""

    def labels(self) -> Sequence[str]:
        """The label vocabulary, in score-column order."""
        ...

    def classify(self, images: ImageBatch, texts: Sequence[str]) -> np.ndarray:
        """Return scores ``[N, len(labels())]`` (higher = more likely) per (image, text)."""
        ...


@runtime_checkable
class FittableClassifier(Classifier, Protocol):
    """A classifier whose head is fitted on a task's train split at evaluation time."""

    def fit(self, batches: Iterable[LabeledBatch], *, seed: int) -> None:
        """Fit the head on the train split, streamed as batches (deterministic for a seed)."""
        ...

    def fit_settings(self) -> dict[str, Any]:
        """The head's settings, known before fitting: recorded in the RunRecord and part of
        the prediction-cache key (the task adds the train split's fingerprint and the seed),
        so they must name everything that changes the fitted head."""
        ...


@runtime_checkable
class ImagePreprocessing(Protocol):
    """Optional: lets the runner preprocess images inside DataLoader workers."""

    def image_preprocessor(self) -> Callable[[list[Image.Image]], Any]:
        """Return a picklable callable mapping RGB PIL images to the model's image batch."""
        ...


#: Every capability a task can require, in display order.
ALL_CAPABILITIES: tuple[type, ...] = (
    ImageTextEmbedder,
    Generator,
    Classifier,
    FittableClassifier,
)


def capability_name(cap: type) -> str:
    """The name users see for a capability (the protocol's class name)."""
    return cap.__name__


def capabilities_of(adapter_class: type) -> frozenset[type]:
    """The capabilities an adapter class implements (checked structurally, no instance)."""
    return frozenset(cap for cap in ALL_CAPABILITIES if issubclass(adapter_class, cap))
