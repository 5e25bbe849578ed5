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
from bench.metrics.ngrams import ngram_counts, per_order_sums, rows_by_slot

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


def bleu_stats(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> FloatArray:
    """Per-image sufficient statistics ``[n_images, 10]`` (see :data:`BLEU_COLUMNS`)."""
    n_img = len(hypotheses)
    if n_img == 0:
        return np.zeros((0, 2 * MAX_N + 2), dtype=np.float64)
    ref_counts = np.fromiter((len(r) for r in references), dtype=np.int64, count=n_img)
    if (ref_counts == 0).any():
        raise ValueError("every image needs at least one reference")
    corpus = ngram_counts(list(hypotheses) + [r for refs in references for r in refs], MAX_N)
    owner = np.repeat(np.arange(n_img, dtype=np.int64), ref_counts)
    slots = rows_by_slot(corpus.counts[n_img:], owner, n_img)
    max_ref = slots[0].matrix.copy()
    for slot in slots[1:]:
        max_ref = max_ref.maximum(slot.matrix)
    hyp = corpus.counts[:n_img]
    correct = per_order_sums(hyp.minimum(max_ref).tocsr(), corpus.order, MAX_N)

    testlen = corpus.lengths[:n_img].astype(np.float64)
    guess = np.maximum(testlen[:, None] - np.arange(MAX_N)[None, :], 0.0)
    # closest reference length: smallest |len - testlen|, then the shorter reference
    ref_len = corpus.lengths[n_img:].astype(np.int64)
    hyp_len = corpus.lengths[:n_img].astype(np.int64)
    key = np.abs(ref_len - hyp_len[owner]) * (int(ref_len.max(initial=0)) + 1) + ref_len
    best = np.full(n_img, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, owner, key)
    reflen = (best % (int(ref_len.max(initial=0)) + 1)).astype(np.float64)
    return np.column_stack([correct, guess, testlen, reflen])
