"""CIDEr-D exactly as pycocoevalcap's ``Cider`` scorer computes it, vectorised.

For each image the hypothesis and every reference become TF-IDF vectors over 1..4-grams;
the score is the mean over n of the clipped cosine similarities, averaged over the
references and multiplied by 10. Reference quirks kept on purpose (they change numbers):

* Document frequency counts *images* whose references contain the n-gram, over the
  evaluated images only; ``idf = log(N) - log(max(1, df))``. A one-image corpus therefore
  scores 0, and scores change with the set of images evaluated together.
* N-grams absent from every reference still get ``idf = log(N)`` in the hypothesis vector
  (they enlarge its norm but never match).
* "Clipping" is ``min(w_hyp, w_ref) * w_ref`` in the numerator while the norms use the
  unclipped vectors; a cosine is left undivided when either norm is 0.
* The Gaussian length penalty ``exp(-delta**2 / (2 * sigma**2))`` uses as "length" the
  number of *bigrams* of each sentence (pycocoevalcap's counter tests ``n == 1`` on a
  0-based order), i.e. ``max(len - 1, 0)`` rather than the word count.
* Tokens are whitespace-split (``str.split()``).

Under bootstrap resampling the document frequencies stay those of the full evaluated set
and the per-image scores are averaged (``MEAN``), see docs/metrics.md.

Computation: n-gram ids, document frequencies, norms and per-sentence counts come from the
n-grams of each order grouped by a radix sort (:func:`bench.metrics.ngrams.ngram_orders`):
a group's entries are in position order, so the occurrences of an n-gram in one sentence
are contiguous and images never decrease along a group. The clipped products of a
hypothesis with each reference come from bit masks of matching n-grams
(:mod:`bench.metrics.pair_blocks`): for every distinct n-gram ``g`` of the hypothesis the
numerator gains ``idf(g)^2 * min(c_hyp, c_ref) * c_ref``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from bench.metrics.ngrams import FloatArray, NgramOrder, dense_ids, ngram_orders
from bench.metrics.pair_blocks import (
    CaptionTokens,
    PairBlock,
    caption_tokens,
    extend_matches,
    match_masks,
    pair_blocks,
    popcount,
)


@dataclass(frozen=True)
class _Weights:
    """Per-order TF-IDF quantities.

    Attributes:
        norms: ``[n_sentences, n]`` norm of each sentence's TF-IDF vector per order.
        hyp_weight: ``[n, n_hyp_tokens]`` ``idf^2`` at the first occurrence of each n-gram in
            its hypothesis (0 elsewhere), by start position.
        hyp_count: ``[n, n_hyp_tokens]`` occurrences in its hypothesis of the n-gram whose
            first occurrence starts at each position (0 elsewhere).
    """

    norms: FloatArray
    hyp_weight: FloatArray
    hyp_count: npt.NDArray[np.int32]


def _weights(tokens: CaptionTokens, orders: list[NgramOrder]) -> _Weights:
    corpus = tokens.corpus
    n_img = tokens.n_images
    n_sent = corpus.lengths.size
    sentence_of = np.repeat(np.arange(n_sent, dtype=np.int32), corpus.lengths)
    image_of = np.concatenate(
        [
            np.arange(n_img, dtype=np.int32),
            np.repeat(np.arange(n_img, dtype=np.int32), tokens.ref_counts),
        ]
    )
    log_images = np.log(float(n_img))
    hyp_tokens = max(int(corpus.lengths[:n_img].sum()), 1)
    norms = np.zeros((n_sent, len(orders)), dtype=np.float64)
    hyp_weight = np.zeros((len(orders), hyp_tokens), dtype=np.float64)
    hyp_count = np.zeros((len(orders), hyp_tokens), dtype=np.int32)
    for k, order in enumerate(orders):
        # runs: the occurrences of one n-gram in one sentence (contiguous in its group)
        sentence = sentence_of[order.positions]
        run_start = order.first.copy()
        run_start[1:] |= sentence[1:] != sentence[:-1]
        starts = np.flatnonzero(run_start)
        run_len = np.empty(starts.size, dtype=np.float64)
        np.subtract(starts[1:], starts[:-1], out=run_len[:-1])
        run_len[-1:] = run_start.size - starts[-1:]
        run_sentence = sentence[starts]
        run_ngram = order.ngram[starts]
        # document frequency: distinct images among the runs in references
        in_refs = run_sentence >= n_img
        ngram = run_ngram[in_refs]
        image = image_of[run_sentence[in_refs]]
        new = np.ones(ngram.size, dtype=bool)
        new[1:] = (ngram[1:] != ngram[:-1]) | (image[1:] != image[:-1])
        df = np.bincount(ngram[new], minlength=order.n_ngrams).astype(np.float64)
        run_idf = (log_images - np.log(np.maximum(1.0, df)))[run_ngram]
        values = run_len * run_idf
        norms[:, k] = np.sqrt(np.bincount(run_sentence, values * values, n_sent))
        in_hyp = ~in_refs
        first_position = order.positions[starts[in_hyp]]
        hyp_weight[k, first_position] = run_idf[in_hyp] ** 2
        hyp_count[k, first_position] = run_len[in_hyp].astype(np.int32)
    return _Weights(norms, hyp_weight, hyp_count)


def _block_scores(
    block: PairBlock, weights: _Weights, bigram_len: FloatArray, n: int, sigma: float
) -> FloatArray:
    """CIDEr-D of each image of the block."""
    width = block.hyp.shape[1]
    columns = np.arange(width)
    positions = np.minimum(block.hyp_start[:, None] + columns, weights.hyp_count.shape[1] - 1)
    cross_1 = match_masks(block.hyp[:, None, :], block.refs)  # [C, R, Wh, words]
    cross = cross_1
    val = np.zeros((*block.ref_rows.shape, n), dtype=np.float64)
    for k in range(n):
        if k:
            cross = extend_matches(cross, cross_1, k)
        in_ref = popcount(cross)  # [C, R, Wh]
        # padding columns point at the next hypothesis's tokens (weights are 0 wherever an
        # n-gram does not fit in its own hypothesis)
        fits = columns[None, :] < block.hyp_len[:, None]
        weight = np.where(fits, weights.hyp_weight[k][positions], 0.0)
        in_hyp = weights.hyp_count[k][positions][:, None, :]
        clipped = np.minimum(in_hyp, in_ref) * in_ref  # integers: min(c_hyp, c_ref) * c_ref
        val[:, :, k] = np.einsum("cri,ci->cr", clipped, weight)
    hyp_norm = weights.norms[block.images][:, None, :]
    ref_norm = weights.norms[block.ref_rows]
    nonzero = (hyp_norm != 0) & (ref_norm != 0)
    val = np.where(nonzero, val / np.where(nonzero, hyp_norm * ref_norm, 1.0), val)
    delta = bigram_len[block.images][:, None] - bigram_len[block.ref_rows]
    val = val * np.power(np.e, -(delta**2) / (2 * sigma**2))[..., None]
    return np.asarray(val.sum(axis=1).mean(axis=1) / block.ref_rows.shape[1] * 10.0)


def cider_d_scores(
    hypotheses: Sequence[str],
    references: Sequence[Sequence[str]],
    *,
    n: int = 4,
    sigma: float = 6.0,
) -> FloatArray:
    """Per-image CIDEr-D of tokenized captions (pycocoevalcap's ``Cider().compute_score``).

    Args:
        hypotheses: one tokenized caption per image.
        references: the tokenized references of each image (at least one each).
        n: largest n-gram order.
        sigma: standard deviation of the length penalty.
    """
    n_img = len(hypotheses)
    if n_img == 0:
        return np.zeros(0, dtype=np.float64)
    tokens = caption_tokens(hypotheses, references, separator=None)
    orders = ngram_orders(tokens.corpus, n)
    weights = _weights(tokens, orders)
    # dense token ids make the blocks' comparisons narrower (int16 for small vocabularies)
    dense = replace(tokens.corpus, ids=dense_ids(orders[0]), id_bound=orders[0].n_ngrams)
    tokens = replace(tokens, corpus=dense)
    bigram_len = np.maximum(tokens.corpus.lengths - 1, 0).astype(np.float64)
    scores = np.zeros(n_img, dtype=np.float64)
    for block in pair_blocks(tokens):
        scores[block.images] = _block_scores(block, weights, bigram_len, n, sigma)
    return scores
