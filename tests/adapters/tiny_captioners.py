"""Tiny random captioners saved like real checkpoints: BLIP, BLIP-VQA, BLIP-2, GIT, ViT+GPT-2."""

from __future__ import annotations

from pathlib import Path

import torch
from tiny_text import bert_tokenizer, word_tokenizer
from transformers import (
    Blip2Config,
    Blip2ForConditionalGeneration,
    Blip2Processor,
    BlipConfig,
    BlipForConditionalGeneration,
    BlipForQuestionAnswering,
    BlipImageProcessor,
    BlipProcessor,
    CLIPImageProcessor,
    GitConfig,
    GitForCausalLM,
    GitProcessor,
    GPT2Config,
    VisionEncoderDecoderConfig,
    VisionEncoderDecoderModel,
    ViTConfig,
    ViTImageProcessor,
)

LAYER = {
    "hidden_size": 16,
    "intermediate_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
}
VISION = {**LAYER, "image_size": 32, "patch_size": 8}


def _blip_parts() -> tuple[BlipConfig, BlipProcessor]:
    tokenizer = bert_tokenizer()
    tokenizer.add_special_tokens({"bos_token": "[DEC]"})
    config = BlipConfig(
        vision_config=VISION,
        text_config={
            **LAYER,
            "vocab_size": len(tokenizer),
            "max_position_embeddings": 64,
            "bos_token_id": tokenizer.bos_token_id,
            "sep_token_id": tokenizer.sep_token_id,
            "pad_token_id": tokenizer.pad_token_id,
        },
        projection_dim=16,
        image_text_hidden_size=16,
    )
    images = BlipImageProcessor(size={"height": 32, "width": 32})
    return config, BlipProcessor(image_processor=images, tokenizer=tokenizer)


def build_blip(folder: Path) -> Path:
    """BLIP captioning head."""
    torch.manual_seed(10)
    config, processor = _blip_parts()
    BlipForConditionalGeneration(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def build_blip_vqa(folder: Path) -> Path:
    """BLIP VQA head (question encoder + answer decoder)."""
    torch.manual_seed(11)
    config, processor = _blip_parts()
    BlipForQuestionAnswering(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def build_blip2(folder: Path) -> Path:
    """BLIP-2 with an OPT decoder and 4 query tokens."""
    torch.manual_seed(12)
    tokenizer = word_tokenizer(
        ["</s>", "<s>", "<pad>", "<image>"], bos="<s>", eos="</s>", pad="<pad>", add_bos=True
    )
    config = Blip2Config(
        vision_config=VISION,
        qformer_config={
            **LAYER,
            "vocab_size": len(tokenizer),
            "encoder_hidden_size": 16,
            "max_position_embeddings": 64,
        },
        text_config={
            "model_type": "opt",
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "ffn_dim": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "word_embed_proj_dim": 32,
            "max_position_embeddings": 128,
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id,
            "tie_word_embeddings": False,
        },
        num_query_tokens=4,
        image_token_index=tokenizer.convert_tokens_to_ids("<image>"),
    )
    images = BlipImageProcessor(size={"height": 32, "width": 32})
    Blip2ForConditionalGeneration(config).save_pretrained(folder)
    Blip2Processor(image_processor=images, tokenizer=tokenizer, num_query_tokens=4).save_pretrained(
        folder
    )
    return folder


def build_git(folder: Path) -> Path:
    """GIT: CLIP-style vision tower, BERT tokenizer ([CLS] starts, [SEP] ends)."""
    torch.manual_seed(13)
    tokenizer = bert_tokenizer()
    config = GitConfig(
        vision_config={**LAYER, "image_size": 32, "patch_size": 8},
        **LAYER,
        vocab_size=len(tokenizer),
        max_position_embeddings=64,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    images = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    GitForCausalLM(config).save_pretrained(folder)
    GitProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def build_vision_encoder_decoder(folder: Path) -> Path:
    """ViT encoder + GPT-2 decoder; tokenizer and image processor saved beside (no processor)."""
    torch.manual_seed(14)
    tokenizer = word_tokenizer(
        ["<|endoftext|>", "<s>"], bos="<s>", eos="<|endoftext|>", pad="<|endoftext|>"
    )
    encoder = ViTConfig(**LAYER, image_size=32, patch_size=8)
    decoder = GPT2Config(
        vocab_size=len(tokenizer),
        n_embd=16,
        n_layer=1,
        n_head=2,
        n_positions=64,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        add_cross_attention=True,
        is_decoder=True,
        tie_word_embeddings=False,
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id = tokenizer.bos_token_id
    config.pad_token_id = tokenizer.pad_token_id
    config.eos_token_id = tokenizer.eos_token_id
    VisionEncoderDecoderModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder
