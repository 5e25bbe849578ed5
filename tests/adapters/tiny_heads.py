"""Tiny random answer heads: ViLT, LXMERT (+ region features and a grid backbone)."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from tiny_text import bert_tokenizer, split_words
from transformers import (
    ConvNextImageProcessor,
    LxmertConfig,
    LxmertForQuestionAnswering,
    ResNetConfig,
    ResNetModel,
    ViltConfig,
    ViltForQuestionAnswering,
    ViltImageProcessor,
    ViltProcessor,
)

#: Answers of the tiny heads: they cover the shapes VQA answers and the sentiment labels.
ANSWERS = split_words(
    "red green blue yellow purple orange gray circle square triangle diamond cross "
    "0 1 2 3 yes no left right top bottom center negative neutral positive"
)
LXMERT_FEATURE_DIM = 8


def build_vilt(folder: Path) -> Path:
    """ViLT VQA with a named answer vocabulary."""
    torch.manual_seed(20)
    tokenizer = bert_tokenizer()
    config = ViltConfig(
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        image_size=32,
        patch_size=8,
        max_position_embeddings=40,
        vocab_size=len(tokenizer),
        num_labels=len(ANSWERS),
        id2label=dict(enumerate(ANSWERS)),
        label2id={a: i for i, a in enumerate(ANSWERS)},
    )
    images = ViltImageProcessor(size={"shortest_edge": 32}, size_divisor=8)
    ViltForQuestionAnswering(config).save_pretrained(folder)
    ViltProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def build_lxmert(folder: Path, *, named: bool = False) -> Path:
    """LXMERT VQA over 8-dimensional region features; unnamed labels unless ``named``."""
    torch.manual_seed(21)
    tokenizer = bert_tokenizer()
    labels = {"id2label": dict(enumerate(ANSWERS))} if named else {}
    config = LxmertConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        num_attention_heads=2,
        intermediate_size=32,
        l_layers=1,
        x_layers=1,
        r_layers=1,
        visual_feat_dim=LXMERT_FEATURE_DIM,
        num_qa_labels=len(ANSWERS),
        max_position_embeddings=64,
        **labels,
    )
    LxmertForQuestionAnswering(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def write_answers(path: Path) -> Path:
    """The answer list as LXMERT's ``trainval_label2ans.json`` stores it."""
    path.write_text(json.dumps(ANSWERS))
    return path


def build_resnet(folder: Path) -> Path:
    """A tiny ResNet whose last feature map has LXMERT's 8 channels (a 4x4 map at 32 px)."""
    torch.manual_seed(22)
    config = ResNetConfig(
        embedding_size=4, hidden_sizes=[4, LXMERT_FEATURE_DIM], depths=[1, 1], layer_type="basic"
    )
    ResNetModel(config).save_pretrained(folder)
    ConvNextImageProcessor(size={"shortest_edge": 32}, crop_pct=1.0).save_pretrained(folder)
    return folder


def tsv_row(key: str, features: np.ndarray, boxes: np.ndarray, width: int, height: int) -> str:
    """One row of a six-column bottom-up-attention TSV (pixel boxes, float32 base64)."""

    def b64(array: np.ndarray) -> str:
        return base64.b64encode(np.ascontiguousarray(array, dtype=np.float32).tobytes()).decode()

    return "\t".join([key, str(width), str(height), str(len(boxes)), b64(boxes), b64(features)])


def write_tsv(path: Path, rows: Sequence[str]) -> Path:
    """Write TSV rows (one per line)."""
    path.write_text("".join(row + "\n" for row in rows))
    return path
