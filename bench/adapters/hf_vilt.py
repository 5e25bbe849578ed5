"""ViLT's VQA head as a Classifier over its answer vocabulary (``config.id2label``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from bench.adapters.answers import config_labels
from bench.adapters.families import Family
from bench.adapters.hf_common import (
    HFBase,
    HFImagePreprocessor,
    load_model,
    load_processor,
    model_dtype,
    pixel_inputs,
    to_numpy,
    tokenizer_and_image_processor,
)
from bench.adapters.hub import ModelLocation
from bench.adapters.settings import AnswerHeadSettings
from bench.errors import UsageError

if TYPE_CHECKING:
    from bench.adapters.base import LoadOptions


class HFViltClassifier(HFBase):
    """A Classifier (with worker-side image preprocessing) over ``ViltForQuestionAnswering``."""

    def __init__(
        self,
        location: ModelLocation,
        family: Family,
        settings: AnswerHeadSettings,
        options: LoadOptions,
    ) -> None:
        super().__init__(location, family, settings, options)
        from transformers import AutoModelForVisualQuestionAnswering

        processor = load_processor(location, options)
        self.tokenizer, self.image_processor = tokenizer_and_image_processor(
            processor, location, options
        )
        self.model = load_model(AutoModelForVisualQuestionAnswering, location, options, self.dtype)
        n_labels = int(self.model.config.num_labels)
        labels = config_labels(self.model.config.id2label, n_labels)
        if labels is None:
            raise UsageError(
                f"{location.source}: its config does not name the {n_labels} answers "
                "(id2label holds only LABEL_<i> placeholders)"
            )
        self._labels = labels
        self.max_length = settings.max_length or int(self.model.config.max_position_embeddings)

    @classmethod
    def load(
        cls,
        location: ModelLocation,
        family: Family,
        settings: AnswerHeadSettings,
        options: LoadOptions,
    ) -> HFViltClassifier:
        """Load processor and weights."""
        return cls(location, family, settings, options)

    def image_preprocessor(self) -> HFImagePreprocessor:
        """ViLT's image processor (pixel values plus the padding mask), run in workers."""
        return HFImagePreprocessor(self.image_processor)

    def labels(self) -> Sequence[str]:
        """The answer vocabulary, in score-column order."""
        return self._labels

    def classify(self, images: Any, texts: Sequence[str]) -> np.ndarray:
        """Answer logits ``[N, n_answers]`` for each (image, question)."""
        if isinstance(images, list) and images and isinstance(images[0], Image.Image):
            images = self.image_preprocessor()(images)
        inputs = {
            k: v.to(self.device) for k, v in pixel_inputs(images, model_dtype(self.model)).items()
        }
        encoded = self.tokenizer(
            list(texts),
            padding="longest",
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        inputs.update({k: v.to(self.device) for k, v in encoded.items()})
        return to_numpy(self.model(**inputs).logits)

    def settings(self) -> dict[str, Any]:
        """Every setting that can change a score, resolved."""
        return {
            **self.base_settings(),
            "max_length": self.max_length,
            "n_labels": len(self._labels),
        }
