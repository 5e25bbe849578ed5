"""Tiny random chat VLMs saved with their processors and chat templates.

Qwen2-VL, LLaVA, LLaVA-NeXT, Idefics3 (SmolVLM's architecture) and PaliGemma. Decoders are
untied with distinct BOS/EOS ids so random weights still write words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from tiny_text import CHAT_TEMPLATE, QWEN_TEMPLATE, word_tokenizer
from transformers import (
    CLIPImageProcessor,
    CLIPVisionConfig,
    Idefics3Config,
    Idefics3ForConditionalGeneration,
    Idefics3ImageProcessor,
    Idefics3Processor,
    LlamaConfig,
    LlavaConfig,
    LlavaForConditionalGeneration,
    LlavaNextConfig,
    LlavaNextForConditionalGeneration,
    LlavaNextImageProcessor,
    LlavaNextProcessor,
    LlavaProcessor,
    PaliGemmaConfig,
    PaliGemmaForConditionalGeneration,
    PaliGemmaProcessor,
    PreTrainedTokenizerFast,
    Qwen2VLConfig,
    Qwen2VLForConditionalGeneration,
    Qwen2VLImageProcessor,
    Qwen2VLProcessor,
    SiglipImageProcessor,
)
from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

VISION = {
    "hidden_size": 16,
    "intermediate_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "image_size": 32,
    "patch_size": 8,
}


def _decoder(tokenizer: PreTrainedTokenizerFast, **extra: Any) -> dict[str, Any]:
    return {
        "vocab_size": len(tokenizer),
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
        "max_position_embeddings": 512,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
        "tie_word_embeddings": False,
        **extra,
    }


def _save(folder: Path, model: Any, processor: Any) -> Path:
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def build_qwen2_vl(folder: Path) -> Path:
    """Qwen2-VL: 8 px patches merged 2x2, multimodal rotary sections."""
    torch.manual_seed(30)
    specials = [
        "<|endoftext|>",
        "<|im_start|>",
        "<|im_end|>",
        "<|vision_start|>",
        "<|vision_end|>",
        "<|image_pad|>",
        "<|video_pad|>",
    ]
    tokenizer = word_tokenizer(specials, bos="<|endoftext|>", eos="<|im_end|>", pad="<|endoftext|>")
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in specials}
    rope = {"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 10000.0}
    config = Qwen2VLConfig(
        text_config=_decoder(tokenizer, rope_parameters=rope),
        vision_config={
            "depth": 1,
            "embed_dim": 32,
            "hidden_size": 32,
            "num_heads": 2,
            "mlp_ratio": 2,
            "patch_size": 8,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    pixels = {
        "size": {"shortest_edge": 32 * 32, "longest_edge": 64 * 64},
        "patch_size": 8,
        "merge_size": 2,
        "temporal_patch_size": 2,
    }
    processor = Qwen2VLProcessor(
        image_processor=Qwen2VLImageProcessor(**pixels),
        video_processor=Qwen2VLVideoProcessor(**pixels),
        tokenizer=tokenizer,
        chat_template=QWEN_TEMPLATE,
    )
    return _save(folder, Qwen2VLForConditionalGeneration(config), processor)


def _llava_tokenizer() -> PreTrainedTokenizerFast:
    return word_tokenizer(["<s>", "<eot>", "<pad>", "<image>"], bos="<s>", eos="<eot>", pad="<pad>")


def build_llava(folder: Path, *, chat_template: str | None = CHAT_TEMPLATE) -> Path:
    """LLaVA-1.5 layout: CLIP vision tower (CLS dropped), Llama decoder."""
    torch.manual_seed(31)
    tokenizer = _llava_tokenizer()
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(**VISION),
        text_config=LlamaConfig(**_decoder(tokenizer)),
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
        vision_feature_layer=-1,
    )
    images = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    processor = LlavaProcessor(
        image_processor=images,
        tokenizer=tokenizer,
        patch_size=8,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=chat_template,
    )
    return _save(folder, LlavaForConditionalGeneration(config), processor)


def build_llava_next(folder: Path) -> Path:
    """LLaVA-NeXT: any-resolution tiles over a 32 px CLIP tower."""
    torch.manual_seed(32)
    tokenizer = _llava_tokenizer()
    pinpoints = [[32, 32], [32, 64], [64, 32], [64, 64]]
    config = LlavaNextConfig(
        vision_config=CLIPVisionConfig(**VISION),
        text_config=LlamaConfig(**_decoder(tokenizer)),
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
        vision_feature_layer=-1,
        image_grid_pinpoints=pinpoints,
    )
    images = LlavaNextImageProcessor(
        size={"shortest_edge": 32},
        crop_size={"height": 32, "width": 32},
        image_grid_pinpoints=pinpoints,
    )
    processor = LlavaNextProcessor(
        image_processor=images,
        tokenizer=tokenizer,
        patch_size=8,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=CHAT_TEMPLATE,
    )
    return _save(folder, LlavaNextForConditionalGeneration(config), processor)


def build_idefics3(folder: Path) -> Path:
    """Idefics3 (SmolVLM's architecture): 32 px tiles plus a global view, 4 tokens each."""
    torch.manual_seed(33)
    grid = [f"<row_{i + 1}_col_{j + 1}>" for i in range(6) for j in range(6)]
    specials = [
        "<s>",
        "<end_of_utterance>",
        "<pad>",
        "<image>",
        "<fake_token_around_image>",
        "<global-img>",
        *grid,
    ]
    tokenizer = word_tokenizer(specials, bos="<s>", eos="<end_of_utterance>", pad="<pad>")
    config = Idefics3Config(
        vision_config=dict(VISION),
        text_config={"model_type": "llama", **_decoder(tokenizer)},
        scale_factor=2,
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
    )
    images = Idefics3ImageProcessor(size={"longest_edge": 64}, max_image_size={"longest_edge": 32})
    processor = Idefics3Processor(
        image_processor=images,
        tokenizer=tokenizer,
        image_seq_len=4,
        chat_template=CHAT_TEMPLATE.replace("<eot>", "<end_of_utterance>"),
    )
    return _save(folder, Idefics3ForConditionalGeneration(config), processor)


def build_paligemma(folder: Path) -> Path:
    """PaliGemma: SigLIP tower, Gemma decoder, prefix prompts (no chat template)."""
    torch.manual_seed(34)
    tokenizer = word_tokenizer(["<bos>", "<eos>", "<pad>"], bos="<bos>", eos="<eos>", pad="<pad>")
    images = SiglipImageProcessor(size={"height": 32, "width": 32})
    images.image_seq_length = 16
    processor = PaliGemmaProcessor(image_processor=images, tokenizer=tokenizer)
    config = PaliGemmaConfig(
        vision_config={"model_type": "siglip_vision_model", **VISION, "projection_dim": 32},
        text_config={"model_type": "gemma", **_decoder(tokenizer), "head_dim": 16},
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
        projection_dim=32,
    )
    return _save(folder, PaliGemmaForConditionalGeneration(config), processor)
