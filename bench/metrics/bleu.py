"""BLEU-1..4 as pycocoevalcap's ``Bleu(4)`` computes it, from per-image sufficient statistics.

Per image: clipped n-gram matches and n-gram totals for n = 1..4, the hypothesis length and
the "closest" reference length (the reference length nearest the hypothesis length, the
shorter one on ties). Corpus BLEU-n is the geometric mean of the summed precisions up to n
times the brevity penalty of the summed lengths, with pycocoevalcap's smoothing constants
(``1e-15`` added to matches, ``1e-9`` to totals and lengths). Because the value is a function
of column sums, a bootstrap resample's BLEU is the true corpus BLEU of that resample.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.metrics.base import Aggregator, FloatArray, register_aggregator
from bench.metrics.pair_blocks import (
    PairBlock,
    caption_tokens,
    extend_matches,
    low_bits,
    match_masks,
    pair_blocks,
    popcount,
)

MAX_N = 4
_TINY = 1e-15
_SMALL = 1e-9
#: Stats columns: correct_1..4, guess_1..4, hypothesis length, closest reference length.
BLEU_COLUMNS = (
    *(f"correct_{k}" for k in range(1, 5)),
    *(f"guess_{k}" for k in range(1, 5)),
    "testlen",
    "reflen",
)


def bleu_from_sums(summed: FloatArray, order: int) -> FloatArray:
    """BLEU-``order`` from summed stats ``[..., 10]`` (any leading shape)."""
    correct = summed[..., 0:MAX_N]
    guess = summed[..., MAX_N : 2 * MAX_N]
    testlen = summed[..., 2 * MAX_N]
    reflen = summed[..., 2 * MAX_N + 1]
    bleu = np.ones(summed.shape[:-1], dtype=np.float64)
    for k in range(order):
        bleu = bleu * ((correct[..., k] + _TINY) / (guess[..., k] + _SMALL))
    value = bleu ** (1.0 / order)
    ratio = (testlen + _TINY) / (reflen + _SMALL)
    with np.errstate(divide="ignore", over="ignore"):
        penalty = np.where(ratio < 1, np.exp(1 - 1 / np.where(ratio < 1, ratio, 1.0)), 1.0)
    return np.asarray(value * penalty, dtype=np.float64)


def _make(order: int) -> Aggregator:
    return register_aggregator(
        Aggregator(f"bleu-{order}", lambda summed: bleu_from_sums(summed, order))
    )


#: Aggregators ``bleu-1`` .. ``bleu-4`` over :data:`BLEU_COLUMNS` stats.
BLEU_AGGREGATORS = {k: _make(k) for k in range(1, MAX_N + 1)}


def _clipped_matches(block: PairBlock) -> FloatArray:
    """``[C, MAX_N]`` clipped n-gram matches of each hypothesis of the block.

    The ``k``-th occurrence of an n-gram in the hypothesis is a match when some reference
    holds it at least ``k`` times, which sums to ``min(count, max reference count)`` per
    distinct n-gram.
    """
    width = block.hyp.shape[1]
    cross_1 = match_masks(block.hyp[:, None, :], block.refs)  # [C, R, Wh, words]
    own_1 = match_masks(block.hyp, block.hyp)  # [C, Wh, words]
    earlier = low_bits(width, own_1.shape[-1])
    cross, own = cross_1, own_1
    columns = np.arange(width)
    out = np.zeros((block.images.size, MAX_N), dtype=np.float64)
    for k in range(MAX_N):
        if k:
            cross = extend_matches(cross, cross_1, k)
            own = extend_matches(own, own_1, k)
        most = popcount(cross).max(axis=1)  # [C, Wh]
        rank = popcount(own & earlier)  # occurrences so far, this one included
        fits = columns[None, :] + k < block.hyp_len[:, None]
        out[:, k] = (fits & (rank <= most)).sum(axis=1)
    return out


def bleu_stats(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> FloatArray:
    """Per-image sufficient statistics ``[n_images, 10]`` (see :data:`BLEU_COLUMNS`)."""
    n_img = len(hypotheses)
    if n_img == 0:
        return np.zeros((0, 2 * MAX_N + 2), dtype=np.float64)
    tokens = caption_tokens(hypotheses, references, separator=None)
    correct = np.zeros((n_img, MAX_N), dtype=np.float64)
    for block in pair_blocks(tokens):
        correct[block.images] = _clipped_matches(block)

    hyp_len = tokens.corpus.lengths[:n_img]
    testlen = hyp_len.astype(np.float64)
    guess = np.maximum(testlen[:, None] - np.arange(MAX_N)[None, :], 0.0)
    # closest reference length: smallest |len - testlen|, then the shorter reference
    ref_len = tokens.corpus.lengths[n_img:]
    owner = np.repeat(np.arange(n_img, dtype=np.int64), tokens.ref_counts)
    scale = int(ref_len.max(initial=0)) + 1
    key = np.abs(ref_len - hyp_len[owner]) * scale + ref_len
    best = np.minimum.reduceat(key, tokens.ref_first - n_img)
    reflen = (best % scale).astype(np.float64)
    return np.column_stack([correct, guess, testlen, reflen])
