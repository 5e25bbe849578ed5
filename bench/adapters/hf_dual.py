"""Hugging Face dual encoders: CLIP, SigLIP, SigLIP 2 and anything with the feature methods.

Texts are tokenised the way each family was trained: SigLIP and SigLIP 2 pad to a fixed
length (``padding="max_length"``, 64 tokens by default, as their model cards require) and
SigLIP 2 lower-cases its texts; CLIP pads to the longest text and truncates at the model's
limit. Only the inputs the checkpoint's tokenizer itself returns are passed on, so the text
side matches transformers' own processor call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from PIL import Image

from bench.adapters.families import Family
from bench.adapters.hf_common import (
    HFBase,
    HFImagePreprocessor,
    accepts_kwarg,
    load_model,
    load_processor,
    model_dtype,
    pixel_inputs,
    pooled,
    square_size,
    to_numpy,
    tokenizer_and_image_processor,
)
from bench.adapters.hub import ModelLocation
from bench.adapters.settings import DualEncoderSettings
from bench.errors import UsageError

if TYPE_CHECKING:
    from bench.adapters.base import LoadOptions

#: Families trained with fixed-length padding (and pooled on the last position).
FIXED_LENGTH_TYPES = frozenset({"siglip", "siglip2"})
#: SigLIP's training text length, used unless the model is shorter or a setting says otherwise.
SIGLIP_MAX_LENGTH = 64


def _default_lowercase(model_type: str, tokenizer: Any) -> bool:
    """SigLIP 2 (NaFlex type, or fixed-resolution SigLIP with its Gemma tokenizer)."""
    name = type(tokenizer).__name__
    return model_type == "siglip2" or (model_type == "siglip" and "Gemma" in name)


def _model_text_limit(model: Any, tokenizer: Any) -> int | None:
    text_config = getattr(model.config, "text_config", None)
    limits = [
        getattr(text_config, "max_position_embeddings", None),
        getattr(tokenizer, "model_max_length", None),
    ]
    valid = [int(x) for x in limits if isinstance(x, int) and 0 < x < 1_000_000]
    return min(valid) if valid else None


class HFDualEncoder(HFBase):
    """An ImageTextEmbedder (with worker-side image preprocessing) over a transformers model."""

    def __init__(
        self,
        location: ModelLocation,
        family: Family,
        settings: DualEncoderSettings,
        options: LoadOptions,
    ) -> None:
        super().__init__(location, family, settings, options)
        from transformers import AutoModel

        processor = load_processor(location, options)
        self.tokenizer, self.image_processor = tokenizer_and_image_processor(
            processor, location, options
        )
        self.model = load_model(AutoModel, location, options, self.dtype)
        for method in ("get_image_features", "get_text_features"):
            if not callable(getattr(self.model, method, None)):
                raise UsageError(
                    f"{location.source}: {type(self.model).__name__} has no {method}() "
                    "(not a dual encoder)"
                )
        model_type = family.model_type
        limit = _model_text_limit(self.model, self.tokenizer)
        fixed = model_type in FIXED_LENGTH_TYPES
        self.lowercase = (
            settings.lowercase
            if settings.lowercase is not None
            else _default_lowercase(model_type, self.tokenizer)
        )
        self.padding = settings.padding or ("max_length" if fixed else "longest")
        default_length = min(SIGLIP_MAX_LENGTH, limit or SIGLIP_MAX_LENGTH) if fixed else limit
        self.max_length = settings.max_length or default_length
        self.image_kwargs: dict[str, Any] = {}
        if settings.image_size is not None:
            if model_type == "siglip2":
                raise UsageError(
                    "--model-arg image_size does not apply to SigLIP 2 NaFlex models "
                    "(they size images by max_num_patches)"
                )
            square_size(self.image_processor, settings.image_size)
            if accepts_kwarg(self.model.get_image_features, "interpolate_pos_encoding"):
                self.image_kwargs["interpolate_pos_encoding"] = True
        self._text_keys = {
            k
            for k in ("input_ids", "attention_mask", "position_ids", "token_type_ids")
            if accepts_kwarg(self.model.get_text_features, k)
        }

    @classmethod
    def load(
        cls,
        location: ModelLocation,
        family: Family,
        settings: DualEncoderSettings,
        options: LoadOptions,
    ) -> HFDualEncoder:
        """Load processor and weights."""
        return cls(location, family, settings, options)

    def image_preprocessor(self) -> HFImagePreprocessor:
        """The checkpoint's image processor, run in loader workers."""
        return HFImagePreprocessor(self.image_processor)

    def embed_images(self, images: Any) -> np.ndarray:
        """Image embeddings ``[N, D]`` (not normalised; tasks normalise)."""
        if isinstance(images, list) and images and isinstance(images[0], Image.Image):
            images = self.image_preprocessor()(images)
        inputs = pixel_inputs(images, model_dtype(self.model))
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        output = self.model.get_image_features(**inputs, **self.image_kwargs)
        return to_numpy(pooled(output))

    def tokenize(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        """Texts as the model's text inputs (case, padding and length per the family)."""
        prepared = [t.lower() if self.lowercase else t for t in texts]
        encoded = self.tokenizer(
            prepared,
            padding=self.padding,
            max_length=self.max_length,
            truncation=self.max_length is not None,
            return_tensors="pt",
        )
        return {k: v.to(self.device) for k, v in encoded.items() if k in self._text_keys}

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Text embeddings ``[M, D]`` (not normalised; tasks normalise)."""
        output = self.model.get_text_features(**self.tokenize(texts))
        return to_numpy(pooled(output))

    def settings(self) -> dict[str, Any]:
        """Every setting that can change an embedding, resolved."""
        return {
            **self.base_settings(),
            "lowercase": self.lowercase,
            "padding": self.padding,
            "max_length": self.max_length,
        }
