"""Token-id lists and padded batches for training (the saved tokenizer does the splitting)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bench.reference.tokenizer import PAD_ID

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerFast


def encode_all(
    tokenizer: PreTrainedTokenizerFast, texts: Sequence[str], *, special: bool
) -> list[list[int]]:
    """Token ids of every text, with ``[BOS]``/``[EOS]`` when ``special``."""
    if not texts:
        return []
    encoded = tokenizer(list(texts), add_special_tokens=special)["input_ids"]
    return [list(map(int, ids)) for ids in encoded]


def pad_batch(sequences: Sequence[Sequence[int]], *, value: int = PAD_ID) -> torch.Tensor:
    """Right-pad id lists into a ``long`` tensor ``[N, longest]``."""
    import torch

    longest = max(len(s) for s in sequences)
    out = torch.full((len(sequences), longest), value, dtype=torch.long)
    for row, ids in enumerate(sequences):
        out[row, : len(ids)] = torch.tensor(list(ids), dtype=torch.long)
    return out
