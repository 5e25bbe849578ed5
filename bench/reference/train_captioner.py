"""``ref:shapes-captioner``: ViT + GPT-2 trained with the ``Trainer`` on shapes captions.

The ViT is ``ref:shapes-clip``'s image tower (frozen); the GPT-2 decoder is trained. Every
train image contributes each of its five captions as a separate example (prefix empty,
target the caption), so the decoder learns the captions' shared content and the styles
they are written in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bench.reference.data import caption_data
from bench.reference.progress import Report, quiet
from bench.reference.seq2seq import Example, Seq2SeqSettings, from_clip, train_seq2seq
from bench.reference.texts import encode_all

if TYPE_CHECKING:
    from transformers import CLIPModel, PreTrainedTokenizerFast, VisionEncoderDecoderModel


@dataclass(frozen=True)
class CaptionerSettings:
    """Data and model settings of the captioner."""

    data_seed: int = 0
    images: int = 5000
    model: Seq2SeqSettings = field(default_factory=Seq2SeqSettings)


def train_captioner(
    tokenizer: PreTrainedTokenizerFast,
    clip: CLIPModel,
    settings: CaptionerSettings,
    *,
    report: Report = quiet,
) -> VisionEncoderDecoderModel:
    """Train the captioner's decoder on ``clip``'s image tower; returns it in eval mode."""
    import torch

    data = caption_data("captioning", seed=settings.data_seed, size=settings.images)
    per = len(data.captions[0])
    ids = encode_all(tokenizer, [c for cs in data.captions for c in cs], special=False)
    examples = [Example(i // per, (), tuple(x)) for i, x in enumerate(ids)]
    report(f"shapes-captioner: {len(data.captions)} images, {len(examples)} captions")
    torch.manual_seed(settings.model.seed)
    model = from_clip(settings.model, len(tokenizer), clip)
    return train_seq2seq(
        "shapes-captioner", model, data.images, examples, settings.model, report=report
    )
