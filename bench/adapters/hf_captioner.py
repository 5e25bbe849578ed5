"""Hugging Face captioners through ``generate``: BLIP, BLIP-VQA, BLIP-2, GIT, VisionEncoderDecoder.

A task's prompt is a text prefix for the decoder (BLIP, GIT, VisionEncoderDecoder), the
question for BLIP-VQA's text encoder, or the text after BLIP-2's query tokens. Only the newly
generated tokens are decoded. Prompts are batched by token length, never padded: BLIP-VQA
attends to question padding and GIT numbers text positions from the first token, so padding
would make a batched prediction differ from the same sample alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from PIL import Image

from bench.adapters.families import Family
from bench.adapters.hf_common import (
    HFBase,
    HFImagePreprocessor,
    accepts_kwarg,
    check_vocabulary,
    load_model,
    load_processor,
    model_dtype,
    pixel_inputs,
    rows,
    square_size,
    tokenizer_and_image_processor,
)
from bench.adapters.hub import ModelLocation
from bench.adapters.settings import CaptionerSettings
from bench.adapters.text import apply_template, clean_caption, group_by_length, short_answer
from bench.errors import UsageError

if TYPE_CHECKING:
    from bench.adapters.base import LoadOptions


@dataclass(frozen=True)
class Recipe:
    """How one captioner family is loaded and prompted.

    Attributes:
        auto_class: the transformers Auto class choosing the head.
        template: default wrapping of a non-empty prompt.
        caption_prompt: default prompt when the task's prompt is empty.
        ids_key: the ``generate`` argument the prompt ids go to.
        masked: whether ``generate`` takes an attention mask for the prompt ids.
    """

    auto_class: str
    template: str = "{prompt}"
    caption_prompt: str = ""
    ids_key: str = "input_ids"
    masked: bool = False


RECIPES: dict[str, Recipe] = {
    "blip": Recipe("AutoModelForImageTextToText", masked=True),
    "blip-vqa": Recipe(
        "AutoModelForVisualQuestionAnswering",
        caption_prompt="what does this image show?",
        masked=True,
    ),
    # The prompt format of BLIP-2's zero-shot VQA evaluation.
    "blip-2": Recipe(
        "AutoModelForImageTextToText", template="Question: {prompt} Answer:", masked=True
    ),
    "git": Recipe("AutoModelForImageTextToText"),
    "vision-encoder-decoder": Recipe("AutoModelForImageTextToText", ids_key="decoder_input_ids"),
}


class HFCaptioner(HFBase):
    """A Generator (with worker-side image preprocessing) over a captioning model."""

    def __init__(
        self,
        location: ModelLocation,
        family: Family,
        settings: CaptionerSettings,
        options: LoadOptions,
    ) -> None:
        super().__init__(location, family, settings, options)
        import transformers

        self.recipe = RECIPES[family.name]
        processor = load_processor(location, options)
        self.tokenizer, self.image_processor = tokenizer_and_image_processor(
            processor, location, options
        )
        self.model = load_model(
            getattr(transformers, self.recipe.auto_class), location, options, self.dtype
        )
        check_vocabulary(location, self.tokenizer, self.model)
        self.settings_ = settings
        self.template = settings.prompt_template or self.recipe.template
        self.caption_prompt = (
            settings.caption_prompt
            if settings.caption_prompt is not None
            else self.recipe.caption_prompt
        )
        self.num_query_tokens = getattr(processor, "num_query_tokens", None)
        self.image_token_id = self._image_token_id()
        self.generate_kwargs: dict[str, Any] = {}
        if settings.image_size is not None:
            if not accepts_kwarg(self.model.generate, "interpolate_pos_encoding"):
                raise UsageError(
                    f"--model-arg image_size is not supported by {family.name} models "
                    "(their position embeddings cannot be resized)"
                )
            square_size(self.image_processor, settings.image_size)
            self.generate_kwargs["interpolate_pos_encoding"] = True

    @classmethod
    def load(
        cls,
        location: ModelLocation,
        family: Family,
        settings: CaptionerSettings,
        options: LoadOptions,
    ) -> HFCaptioner:
        """Load processor and weights."""
        return cls(location, family, settings, options)

    def _image_token_id(self) -> int | None:
        if self.family.name != "blip-2" or self.num_query_tokens is None:
            return None
        token = getattr(self.tokenizer, "image_token", None) or "<image>"
        token_id = self.tokenizer.convert_tokens_to_ids(str(token))
        if not isinstance(token_id, int) or token_id == self.tokenizer.unk_token_id:
            raise UsageError(f"{self.location.source}: the tokenizer has no '{token}' token")
        return token_id

    def image_preprocessor(self) -> HFImagePreprocessor:
        """The checkpoint's image processor, run in loader workers."""
        return HFImagePreprocessor(self.image_processor)

    def prompt_text(self, prompt: str) -> str:
        """The text the model is given for a task prompt (empty = caption prompt)."""
        return apply_template(self.template, prompt) if prompt else self.caption_prompt

    def encode(self, text: str) -> tuple[list[int], int]:
        """Prompt ids for one text and how many leading output tokens to drop."""
        name = self.family.name
        if name == "blip":
            ids = list(self.tokenizer(text).input_ids)
            return ids, len(ids) - 1  # generate() swaps [CLS] for BOS and drops [SEP]
        if name == "blip-vqa":
            return list(self.tokenizer(text).input_ids), 1  # answers start at BOS
        plain = list(self.tokenizer(text, add_special_tokens=False).input_ids) if text else []
        if name == "blip-2":
            ids = list(self.tokenizer(text).input_ids)
            if self.image_token_id is not None:
                ids = [self.image_token_id] * int(self.num_query_tokens or 0) + ids
            # A decoder-only language model echoes its input; an encoder-decoder one does not.
            decoder_only = getattr(self.model.config, "use_decoder_only_language_model", True)
            return ids, len(ids) if decoder_only else 0
        if name == "git":
            ids = [int(self.tokenizer.cls_token_id), *plain]
            return ids, len(ids)
        start = self.model.config.decoder_start_token_id
        if start is None:
            start = self.model.generation_config.decoder_start_token_id
        ids = [int(start), *plain]
        return ids, len(ids)

    def generate(self, images: Any, prompts: Sequence[str], *, max_new_tokens: int) -> list[str]:
        """One caption or answer per (image, prompt); greedy unless ``num_beams`` > 1."""
        if isinstance(images, list) and images and isinstance(images[0], Image.Image):
            images = self.image_preprocessor()(images)
        pixels = {
            k: v.to(self.device) for k, v in pixel_inputs(images, model_dtype(self.model)).items()
        }
        texts = [self.prompt_text(p) for p in prompts]
        encoded = [self.encode(t) for t in texts]
        answers = [""] * len(prompts)
        for group in group_by_length([len(ids) for ids, _ in encoded]):
            ids = torch.tensor([encoded[i][0] for i in group], dtype=torch.long, device=self.device)
            kwargs: dict[str, Any] = {**rows(pixels, group), **self.generate_kwargs}
            if ids.shape[1]:
                kwargs[self.recipe.ids_key] = ids
                if self.recipe.masked:
                    kwargs["attention_mask"] = torch.ones_like(ids)
            output = self.model.generate(
                **kwargs,
                max_new_tokens=self.settings_.max_new_tokens or max_new_tokens,
                num_beams=self.settings_.num_beams,
                do_sample=False,
            )
            skip = encoded[group[0]][1]
            decoded = self.tokenizer.batch_decode(output[:, skip:], skip_special_tokens=True)
            for i, text in zip(group, decoded, strict=True):
                answers[i] = self._finish(text, bool(prompts[i]))
        return answers

    def _finish(self, text: str, answered: bool) -> str:
        if answered and self.settings_.short_answers:
            return short_answer(text)
        return clean_caption(text)

    def settings(self) -> dict[str, Any]:
        """Every setting that can change a generation, resolved."""
        return {
            **self.base_settings(),
            "prompt_template": self.template,
            "caption_prompt": self.caption_prompt,
            "do_sample": False,
        }
