"""ROUGE-L as pycocoevalcap's ``Rouge`` computes it, with a bit-parallel LCS.

Per image: the longest common subsequence with each reference gives a precision
(``lcs / len(hyp)``) and a recall (``lcs / len(ref)``); the *maxima over references are
taken separately* and combined as ``(1 + b^2) P R / (R + b^2 P)`` with ``b = 1.2`` (0 when
either is 0). Quirk kept: tokens come from ``str.split(" ")``, so an empty caption is one
empty token (and two adjacent spaces make an empty token).

The LCS of every (hypothesis, reference) pair is computed at once with the bit-vector
algorithm of Allison and Dix as written by Hyyro: each reference is a bit pattern (one bit
per token, several 64-bit words for long references, with carries between words), and one
vectorised step per hypothesis token updates every pair of a block
(:mod:`bench.metrics.pair_blocks`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.metrics.base import FloatArray
from bench.metrics.ngrams import IntArray
from bench.metrics.pair_blocks import (
    PairBlock,
    U64Array,
    caption_tokens,
    low_bits,
    match_masks,
    pair_blocks,
    popcount,
)

BETA = 1.2


def _add(a: U64Array, b: U64Array) -> U64Array:
    """``a + b`` on multi-word unsigned integers (words little-endian on the last axis)."""
    if a.shape[-1] == 1:
        return a + b
    out = np.empty_like(a)
    carry = np.zeros(a.shape[:-1], dtype=np.uint64)
    for w in range(a.shape[-1]):
        partial = a[..., w] + b[..., w]
        total = partial + carry
        carry = ((partial < a[..., w]) | (total < partial)).astype(np.uint64)
        out[..., w] = total
    return out


def _lcs(block: PairBlock) -> IntArray:
    """``[C, R]`` LCS length of each hypothesis with each of its references."""
    masks = match_masks(block.hyp[:, None, :], block.refs)  # [C, R, Wh, words]
    v = np.full((*masks.shape[:2], masks.shape[-1]), np.iinfo(np.uint64).max, dtype=np.uint64)
    for i in range(int(block.hyp_len.max())):
        match = masks[:, :, i, :]
        v = _add(v, v & match) | (v & ~match)
    inside = low_bits(block.refs.shape[-1], masks.shape[-1])[block.ref_len - 1]
    return np.asarray(block.ref_len - popcount(v & inside), dtype=np.int64)


def rouge_l_scores(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], *, beta: float = BETA
) -> FloatArray:
    """Per-image ROUGE-L of tokenized captions (pycocoevalcap's ``Rouge().compute_score``)."""
    n_img = len(hypotheses)
    if n_img == 0:
        return np.zeros(0, dtype=np.float64)
    tokens = caption_tokens(hypotheses, references, separator=" ")
    prec_max = np.zeros(n_img)
    rec_max = np.zeros(n_img)
    for block in pair_blocks(tokens):
        lcs = _lcs(block)
        prec_max[block.images] = (lcs / block.hyp_len[:, None]).max(axis=1)
        rec_max[block.images] = (lcs / block.ref_len).max(axis=1)
    ok = (prec_max != 0) & (rec_max != 0)
    b2 = beta**2
    denom = np.where(ok, rec_max + b2 * prec_max, 1.0)
    return np.where(ok, ((1 + b2) * prec_max * rec_max) / denom, 0.0)
