"""Tiny random dual encoders saved like real checkpoints: CLIP, SigLIP, SigLIP 2, open_clip."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file
from tiny_text import clip_char_vocab, word_tokenizer, word_vocab
from transformers import (
    CLIPConfig,
    CLIPImageProcessor,
    CLIPModel,
    CLIPProcessor,
    CLIPTokenizer,
    Siglip2Config,
    Siglip2ImageProcessor,
    Siglip2Model,
    Siglip2Processor,
    Siglip2Tokenizer,
    SiglipConfig,
    SiglipImageProcessor,
    SiglipModel,
    SiglipProcessor,
)

TOWER = {
    "hidden_size": 16,
    "intermediate_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
}


def build_clip(folder: Path) -> Path:
    """CLIP: 32 px images, 8 px patches, character-level BPE text."""
    torch.manual_seed(0)
    vocab = clip_char_vocab()
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[])
    config = CLIPConfig(
        text_config={
            **TOWER,
            "vocab_size": len(vocab),
            "max_position_embeddings": 32,
            "bos_token_id": 0,
            "eos_token_id": 1,
            "pad_token_id": 1,
        },
        vision_config={**TOWER, "image_size": 32, "patch_size": 8},
        projection_dim=8,
    )
    images = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    CLIPModel(config).save_pretrained(folder)
    CLIPProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def build_siglip(folder: Path) -> Path:
    """SigLIP: fixed 16-token text, 32 px images, case-sensitive words."""
    torch.manual_seed(1)
    tokenizer = word_tokenizer(["<pad>", "</s>"], eos="</s>", pad="<pad>", lowercase=False)
    config = SiglipConfig(
        text_config={**TOWER, "vocab_size": len(tokenizer), "max_position_embeddings": 16},
        vision_config={**TOWER, "image_size": 32, "patch_size": 8},
    )
    images = SiglipImageProcessor(size={"height": 32, "width": 32})
    SiglipModel(config).save_pretrained(folder)
    SiglipProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def build_siglip2(folder: Path) -> Path:
    """SigLIP 2 NaFlex: up to 16 patches of 8 px, its own (lower-casing) tokenizer."""
    torch.manual_seed(2)
    vocab = word_vocab(["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"])
    tokenizer = Siglip2Tokenizer(vocab=vocab, merges=[])
    config = Siglip2Config(
        text_config={**TOWER, "vocab_size": len(vocab), "max_position_embeddings": 16},
        vision_config={**TOWER, "num_patches": 16, "patch_size": 8},
    )
    images = Siglip2ImageProcessor(max_num_patches=16, patch_size=8)
    Siglip2Model(config).save_pretrained(folder)
    Siglip2Processor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)
    return folder


OPEN_CLIP_CONFIG = {
    "model_cfg": {
        "embed_dim": 16,
        "vision_cfg": {
            "image_size": 32,
            "layers": 1,
            "width": 32,
            "patch_size": 8,
            "head_width": 16,
        },
        "text_cfg": {
            "context_length": 16,
            "vocab_size": 49408,
            "width": 32,
            "heads": 2,
            "layers": 1,
        },
    },
    "preprocess_cfg": {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]},
}


def build_open_clip(folder: Path) -> Path:
    """An open_clip local-dir model: open_clip_config.json + open_clip_model.safetensors."""
    import open_clip

    torch.manual_seed(3)
    folder.mkdir(parents=True, exist_ok=True)
    model = open_clip.CLIP(**OPEN_CLIP_CONFIG["model_cfg"])  # type: ignore[arg-type]
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / "open_clip_model.safetensors"))
    (folder / "open_clip_config.json").write_text(json.dumps(OPEN_CLIP_CONFIG))
    return folder
