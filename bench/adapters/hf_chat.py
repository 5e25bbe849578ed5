"""Chat VLMs through ``AutoModelForImageTextToText`` and the processor's chat template.

The task owns the prompt text; this adapter puts it in a user turn after the image, renders
the checkpoint's chat template with the generation prompt, left-pads the batch (these are
decoder-only models), decodes only the new tokens, and for question prompts keeps the
short answer (first line, no trailing punctuation; ``short_answers=false`` keeps the raw
text). An empty prompt (captioning) becomes the ``caption_prompt`` setting. PaliGemma has no
chat template: it takes its task prefixes (``caption en``, ``answer en ...``) directly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from bench.adapters.families import Family
from bench.adapters.hf_common import (
    HFBase,
    accepts_kwarg,
    check_vocabulary,
    load_model,
    load_processor,
    model_dtype,
    require_tokenizer_files,
)
from bench.adapters.hub import ModelLocation
from bench.adapters.settings import ChatSettings
from bench.adapters.text import apply_template, clean_caption, short_answer
from bench.errors import UsageError

if TYPE_CHECKING:
    from PIL import Image

    from bench.adapters.base import LoadOptions

DEFAULT_CAPTION_PROMPT = "Describe this image in one sentence."


@dataclass(frozen=True)
class ChatRecipe:
    """How one chat family is prompted.

    Attributes:
        chat_template: whether prompts go through the processor's chat template.
        template: default wrapping of a task's non-empty prompt.
        caption_prompt: default instruction for an empty (captioning) prompt.
        nested_images: whether the processor wants one list of images per prompt.
    """

    chat_template: bool = True
    template: str = "{prompt}"
    caption_prompt: str = DEFAULT_CAPTION_PROMPT
    nested_images: bool = False


_NESTED = ChatRecipe(nested_images=True)
RECIPES: dict[str, ChatRecipe] = {
    "idefics2": _NESTED,
    "idefics3": _NESTED,
    "smolvlm": _NESTED,
    "mllama": _NESTED,
    # PaliGemma's own task prefixes (its processor adds the image tokens and BOS).
    "paligemma": ChatRecipe(
        chat_template=False, template="answer en {prompt}", caption_prompt="caption en"
    ),
}


class HFChatVLM(HFBase):
    """A Generator over an image-text-to-text chat model (images reach it as PIL images)."""

    def __init__(
        self,
        location: ModelLocation,
        family: Family,
        settings: ChatSettings,
        options: LoadOptions,
    ) -> None:
        super().__init__(location, family, settings, options)
        from transformers import AutoModelForImageTextToText

        self.recipe = RECIPES.get(family.model_type, ChatRecipe())
        self.processor = load_processor(location, options)
        for part in ("tokenizer", "image_processor"):
            if getattr(self.processor, part, None) is None:
                raise UsageError(
                    f"{location.source}: its processor ({type(self.processor).__name__}) has no "
                    f"{part.replace('_', ' ')}; a chat VLM needs a full multimodal processor"
                )
        require_tokenizer_files(location)
        self.tokenizer = self.processor.tokenizer
        self.chat_template = getattr(self.processor, "chat_template", None) or getattr(
            self.tokenizer, "chat_template", None
        )
        if self.recipe.chat_template and not self.chat_template:
            raise UsageError(
                f"{location.source}: no chat template (expected chat_template.jinja or a "
                "chat_template entry in its processor or tokenizer config)"
            )
        self.model = load_model(AutoModelForImageTextToText, location, options, self.dtype)
        check_vocabulary(location, self.tokenizer, self.model)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.settings_ = settings
        self.template = settings.prompt_template or self.recipe.template
        self.caption_prompt = (
            settings.caption_prompt
            if settings.caption_prompt is not None
            else self.recipe.caption_prompt
        )
        self.keeps_token_types = accepts_kwarg(self.model.forward, "token_type_ids")

    @classmethod
    def load(
        cls,
        location: ModelLocation,
        family: Family,
        settings: ChatSettings,
        options: LoadOptions,
    ) -> HFChatVLM:
        """Load processor (with its chat template) and weights."""
        return cls(location, family, settings, options)

    def instruction(self, prompt: str) -> str:
        """The user-turn text for a task prompt (empty = caption prompt)."""
        return apply_template(self.template, prompt) if prompt else self.caption_prompt

    def render(self, prompt: str) -> str:
        """The full model input text for one prompt (chat template applied)."""
        text = self.instruction(prompt)
        if not self.recipe.chat_template:
            return text
        messages: list[dict[str, Any]] = []
        if self.settings_.system_prompt:
            messages.append(
                {
                    "role": "system",
                    "content": [{"type": "text", "text": self.settings_.system_prompt}],
                }
            )
        messages.append(
            {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}
        )
        rendered = self.processor.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=False
        )
        return str(rendered)

    def _inputs(self, images: Sequence[Image.Image], prompts: Sequence[str]) -> dict[str, Any]:
        texts = [self.render(p) for p in prompts]
        image_arg: list[Any] = (
            [[im] for im in images] if self.recipe.nested_images else list(images)
        )
        encoded = self.processor(text=texts, images=image_arg, padding=True, return_tensors="pt")
        dtype = model_dtype(self.model)
        inputs: dict[str, Any] = {}
        for key, value in encoded.items():
            if key == "labels" or (key == "token_type_ids" and not self.keeps_token_types):
                continue
            if isinstance(value, torch.Tensor):
                value = value.to(self.device)
                if torch.is_floating_point(value):
                    value = value.to(dtype)
            inputs[key] = value
        return inputs

    def generate(self, images: Any, prompts: Sequence[str], *, max_new_tokens: int) -> list[str]:
        """One answer per (image, prompt): greedy unless ``num_beams`` > 1."""
        inputs = self._inputs(list(images), prompts)
        output = self.model.generate(
            **inputs,
            max_new_tokens=self.settings_.max_new_tokens or max_new_tokens,
            num_beams=self.settings_.num_beams,
            do_sample=False,
            pad_token_id=self.tokenizer.pad_token_id,
        )
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        decoded = self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        return [
            short_answer(text) if prompt and self.settings_.short_answers else clean_caption(text)
            for text, prompt in zip(decoded, prompts, strict=True)
        ]

    def settings(self) -> dict[str, Any]:
        """Every setting that can change a generation, resolved."""
        return {
            **self.base_settings(),
            "prompt_template": self.template,
            "caption_prompt": self.caption_prompt,
            "chat_template_sha256": (
                hashlib.sha256(str(self.chat_template).encode("utf-8")).hexdigest()
                if self.recipe.chat_template
                else None
            ),
            "padding_side": "left",
            "do_sample": False,
        }
