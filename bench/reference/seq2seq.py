"""The ViT + GPT-2 ``VisionEncoderDecoderModel`` behind the captioner and the VQA model.

The encoder is the image tower of ``ref:shapes-clip`` (a ViT, saved as a ``CLIPVisionModel``)
with its trained weights, kept frozen: its token features are computed once per image and
only the GPT-2 decoder (with cross-attention to those tokens) is trained, with the
transformers ``Trainer``, on examples of the form ``decoder input = [BOS] prefix target``,
``labels = (ignored prefix) target [EOS]``. The captioner has an empty prefix; the VQA
model's prefix is the question, so at evaluation the adapter's generic path (decoder prompt
``[BOS] + question tokens``) makes it answer.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from bench.reference.data import IMAGE_MEAN, IMAGE_STD, normalise
from bench.reference.progress import Report, quiet
from bench.reference.texts import pad_batch
from bench.reference.tokenizer import BOS_ID, EOS_ID, MAX_LENGTH, PAD_ID

if TYPE_CHECKING:
    from transformers import CLIPModel, PreTrainedTokenizerFast, VisionEncoderDecoderModel

#: Label value the loss ignores.
IGNORE = -100


@dataclass(frozen=True)
class Seq2SeqSettings:
    """Decoder architecture and optimisation settings of one encoder-decoder model."""

    seed: int = 0
    steps: int = 1500
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.05
    warmup_steps: int = 60
    hidden: int = 128
    mlp: int = 256
    heads: int = 4
    decoder_layers: int = 2


def build_seq2seq(
    settings: Seq2SeqSettings, vocab_size: int, encoder_config: Any
) -> VisionEncoderDecoderModel:
    """A ViT (``encoder_config``, a ``CLIPVisionConfig``) + GPT-2 model, randomly initialised."""
    from transformers import GPT2Config, VisionEncoderDecoderConfig, VisionEncoderDecoderModel

    decoder = GPT2Config(
        vocab_size=vocab_size,
        n_positions=MAX_LENGTH,
        n_embd=settings.hidden,
        n_inner=settings.mlp,
        n_layer=settings.decoder_layers,
        n_head=settings.heads,
        add_cross_attention=True,
        bos_token_id=BOS_ID,
        eos_token_id=EOS_ID,
        pad_token_id=PAD_ID,
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder_config, decoder)
    config.decoder_start_token_id = BOS_ID
    config.bos_token_id = BOS_ID
    config.eos_token_id = EOS_ID
    config.pad_token_id = PAD_ID
    model = VisionEncoderDecoderModel(config=config)
    generation = model.generation_config
    generation.decoder_start_token_id = BOS_ID
    generation.bos_token_id = BOS_ID
    generation.eos_token_id = EOS_ID
    generation.pad_token_id = PAD_ID
    return model


def from_clip(
    settings: Seq2SeqSettings, vocab_size: int, clip: CLIPModel
) -> VisionEncoderDecoderModel:
    """A model whose encoder carries the (frozen) image tower of ``clip``."""
    model = build_seq2seq(settings, vocab_size, clip.config.vision_config)
    model.encoder.load_state_dict(clip.vision_model.state_dict())
    model.encoder.requires_grad_(False)
    return model


def image_processor(image_size: int) -> Any:
    """The ``ViTImageProcessor`` saved with the model (resize to a square, normalise)."""
    from transformers import ViTImageProcessor

    return ViTImageProcessor(
        size={"height": image_size, "width": image_size},
        image_mean=list(IMAGE_MEAN),
        image_std=list(IMAGE_STD),
    )


def encode_images(
    model: VisionEncoderDecoderModel, images: torch.Tensor, *, batch_size: int = 250
) -> torch.Tensor:
    """The frozen encoder's token features ``[N, tokens, hidden]`` of ``uint8`` images."""
    parts = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            pixels = normalise(images[start : start + batch_size])
            parts.append(model.encoder(pixel_values=pixels).last_hidden_state)
    return torch.cat(parts)


@dataclass(frozen=True)
class Example:
    """One training example: an image row, the prefix ids and the target ids (no specials)."""

    image: int
    prefix: tuple[int, ...]
    target: tuple[int, ...]


def example_tensors(example: Example) -> tuple[list[int], list[int]]:
    """Decoder input ids and labels of one example (labels ignore the prefix)."""
    inputs = [BOS_ID, *example.prefix, *example.target]
    labels = [IGNORE] * len(example.prefix) + [*example.target, EOS_ID]
    return inputs, labels


class Collator:
    """Turns examples into a model batch: encoder features, padded ids, masks and labels."""

    def __init__(self, features: torch.Tensor) -> None:
        self.features = features

    def __call__(self, examples: Sequence[Example]) -> dict[str, Any]:
        """Collate one batch."""
        import torch

        pairs = [example_tensors(e) for e in examples]
        inputs = pad_batch([p[0] for p in pairs])
        labels = pad_batch([p[1] for p in pairs], value=IGNORE)
        rows = torch.tensor([e.image for e in examples], dtype=torch.long)
        return {
            "encoder_outputs": (self.features[rows],),
            "decoder_input_ids": inputs,
            "decoder_attention_mask": (inputs != PAD_ID).long(),
            "labels": labels,
        }


def _progress_callback(name: str, steps: int, report: Report) -> Any:
    from transformers import TrainerCallback

    class Progress(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **_: Any) -> None:
            if logs and "loss" in logs:
                report(f"{name}: step {state.global_step}/{steps} loss {float(logs['loss']):.4f}")

    return Progress()


def train_seq2seq(
    name: str,
    model: VisionEncoderDecoderModel,
    images: torch.Tensor,
    examples: Sequence[Example],
    settings: Seq2SeqSettings,
    *,
    report: Report = quiet,
) -> VisionEncoderDecoderModel:
    """Train ``model``'s decoder with the transformers ``Trainer`` (CPU, seeded, no checkpoints
    saved) on the frozen encoder's features of ``images``."""
    from transformers import PrinterCallback, Trainer, TrainingArguments

    features = encode_images(model, images)
    report(f"{name}: encoded {len(images)} images")
    with tempfile.TemporaryDirectory(prefix="modalbench-train-") as scratch:
        args = TrainingArguments(
            output_dir=str(Path(scratch)),
            max_steps=settings.steps,
            per_device_train_batch_size=settings.batch_size,
            learning_rate=settings.lr,
            weight_decay=settings.weight_decay,
            warmup_steps=settings.warmup_steps,
            lr_scheduler_type="cosine",
            max_grad_norm=1.0,
            seed=settings.seed,
            data_seed=settings.seed,
            use_cpu=True,
            dataloader_num_workers=0,
            dataloader_pin_memory=False,
            save_strategy="no",
            eval_strategy="no",
            logging_strategy="steps",
            logging_steps=50,
            report_to="none",
            disable_tqdm=True,
            remove_unused_columns=False,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=list(examples),
            data_collator=Collator(features),
            callbacks=[_progress_callback(name, settings.steps, report)],
        )
        trainer.remove_callback(PrinterCallback)  # progress comes from our own callback
        trainer.train()
    model.eval()  # type: ignore[no-untyped-call]
    return model


def save_seq2seq(
    model: VisionEncoderDecoderModel, tokenizer: PreTrainedTokenizerFast, folder: Path
) -> None:
    """Write config, generation config, safetensors weights, tokenizer and image processor."""
    folder.mkdir(parents=True, exist_ok=True)
    model.requires_grad_(True)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    encoder_config: Any = model.config.encoder
    image_processor(int(encoder_config.image_size)).save_pretrained(folder)
