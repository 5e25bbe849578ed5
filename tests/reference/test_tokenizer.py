"""The shared word-level tokenizer: vocabulary order, special tokens, save/load, decoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.reference.tokenizer import (
    BOS_ID,
    EOS_ID,
    PAD_ID,
    SPECIAL_TOKENS,
    UNK_ID,
    build_vocab,
    make_tokenizer,
    words,
)


def test_words_split_like_the_whitespace_pre_tokenizer() -> None:
    assert words("Top-left: a RED circle, #photo...") == [
        "top",
        "-",
        "left",
        ":",
        "a",
        "red",
        "circle",
        ",",
        "#",
        "photo",
        "...",
    ]


def test_vocab_is_specials_then_count_then_alphabetical() -> None:
    vocab = build_vocab(["b a", "a c", "a b d"])
    # a x3, b x2, then c and d (x1) alphabetically
    assert vocab == [*SPECIAL_TOKENS, "a", "b", "c", "d"]
    assert build_vocab(["a c", "b a", "a b d"]) == vocab  # corpus order does not matter
    assert build_vocab(["b a", "a c", "a b d"], min_count=2) == [*SPECIAL_TOKENS, "a", "b"]


def test_eos_is_not_the_legacy_clip_id() -> None:
    # CLIP pools on argmax(input_ids) when eos_token_id == 2
    assert EOS_ID != 2
    assert (PAD_ID, UNK_ID) == (0, 1)
    assert len({PAD_ID, UNK_ID, BOS_ID, EOS_ID}) == 4


def test_encode_wraps_with_bos_eos_and_maps_unknown_words(tmp_path: Path) -> None:
    tokenizer = make_tokenizer(build_vocab(["a red circle", "the blue square?"]))
    ids = tokenizer("A red triangle?")["input_ids"]
    vocab = tokenizer.get_vocab()
    assert ids == [BOS_ID, vocab["a"], vocab["red"], UNK_ID, vocab["?"], EOS_ID]
    assert tokenizer("a red", add_special_tokens=False)["input_ids"] == [vocab["a"], vocab["red"]]
    batch = tokenizer(["a", "a red circle"], padding=True)["input_ids"]
    assert batch[0] == [BOS_ID, vocab["a"], EOS_ID, PAD_ID, PAD_ID]


def test_saved_tokenizer_reloads_through_auto_tokenizer(tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = make_tokenizer(build_vocab(["a red circle, on the left", "is it?"]))
    tokenizer.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    text = "a red circle, on the left"
    assert loaded(text)["input_ids"] == tokenizer(text)["input_ids"]
    assert loaded.eos_token_id == EOS_ID and loaded.pad_token_id == PAD_ID
    ids = loaded(text)["input_ids"]
    assert loaded.decode(ids, skip_special_tokens=True) == "a red circle, on the left"


def test_vocab_must_start_with_the_special_tokens() -> None:
    with pytest.raises(ValueError, match="must start with"):
        make_tokenizer(["a", "b"])
