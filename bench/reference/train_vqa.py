"""``ref:shapes-vqa``: the captioner's architecture, conditioned on the question.

The decoder reads ``[BOS] question`` and is trained to continue with the canonical answer
and ``[EOS]`` (the loss ignores the question tokens). At evaluation the ``hf:`` adapter's
generic VisionEncoderDecoder path passes exactly that prompt (the decoder start token, then
the question's tokens without special tokens) and decodes only the new tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bench.reference.data import qa_data
from bench.reference.progress import Report, quiet
from bench.reference.seq2seq import Example, Seq2SeqSettings, from_clip, train_seq2seq
from bench.reference.texts import encode_all

if TYPE_CHECKING:
    from transformers import CLIPModel, PreTrainedTokenizerFast, VisionEncoderDecoderModel


@dataclass(frozen=True)
class VQASettings:
    """Data and model settings of the VQA model."""

    data_seed: int = 0
    questions: int = 40000
    model: Seq2SeqSettings = field(default_factory=Seq2SeqSettings)


def train_vqa(
    tokenizer: PreTrainedTokenizerFast,
    clip: CLIPModel,
    settings: VQASettings,
    *,
    report: Report = quiet,
) -> VisionEncoderDecoderModel:
    """Train the VQA decoder on ``clip``'s image tower; returns it in eval mode."""
    import torch

    data = qa_data(seed=settings.data_seed, size=settings.questions)
    questions = encode_all(tokenizer, data.questions, special=False)
    answers = encode_all(tokenizer, data.answers, special=False)
    examples = [
        Example(image, tuple(q), tuple(a))
        for image, q, a in zip(data.image_index, questions, answers, strict=True)
    ]
    report(f"shapes-vqa: {len(data.images)} images, {len(examples)} questions")
    torch.manual_seed(settings.model.seed)
    model = from_clip(settings.model, len(tokenizer), clip)
    return train_seq2seq("shapes-vqa", model, data.images, examples, settings.model, report=report)
