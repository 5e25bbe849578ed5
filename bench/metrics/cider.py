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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.metrics.ngrams import FloatArray, ngram_counts, per_order_sums, rows_by_slot


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
    ref_counts = np.fromiter((len(r) for r in references), dtype=np.int64, count=n_img)
    if (ref_counts == 0).any():
        raise ValueError("every image needs at least one reference")
    flat_refs = [r for refs in references for r in refs]
    corpus = ngram_counts(list(hypotheses) + flat_refs, n)
    counts = corpus.counts
    n_cols = counts.shape[1]
    owner = np.repeat(np.arange(n_img, dtype=np.int64), ref_counts)
    ref_rows = counts[n_img:]
    slots = rows_by_slot(ref_rows, owner, n_img)
    present = slots[0].matrix.copy()
    for slot in slots[1:]:
        present = present.maximum(slot.matrix)
    df = np.bincount(present.indices, minlength=n_cols).astype(np.float64)
    idf = np.log(float(n_img)) - np.log(np.maximum(1.0, df))

    weights = counts.copy()
    weights.data = weights.data * idf[weights.indices]
    norms = np.sqrt(per_order_sums(weights.multiply(weights).tocsr(), corpus.order, n))
    bigram_len = np.maximum(corpus.lengths - 1, 0).astype(np.float64)

    hyp_w = weights[:n_img]
    hyp_norm = norms[:n_img]
    ref_w_rows = weights[n_img:]
    total = np.zeros((n_img, n), dtype=np.float64)
    for slot in rows_by_slot(ref_w_rows, owner, n_img):
        ref_w = slot.matrix
        clipped = hyp_w.minimum(ref_w).multiply(ref_w).tocsr()
        val = per_order_sums(clipped, corpus.order, n)[slot.owners]
        ref_norm = norms[n_img + slot.rows]
        h_norm = hyp_norm[slot.owners]
        nonzero = (h_norm != 0) & (ref_norm != 0)
        val = np.where(nonzero, val / np.where(nonzero, h_norm * ref_norm, 1.0), val)
        delta = bigram_len[slot.owners] - bigram_len[n_img + slot.rows]
        val = val * np.power(np.e, -(delta**2) / (2 * sigma**2))[:, None]
        total[slot.owners] += val
    return np.asarray(total.mean(axis=1) / ref_counts * 10.0, dtype=np.float64)
