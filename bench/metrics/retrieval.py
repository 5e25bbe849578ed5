"""Image-text retrieval: recall@1/5/10 both ways, mean and median rank, in chunks.

Definitions (CLIP_benchmark's): text -> image (``t2i``) is a hit at k when the text's image
is among the k best-scoring images; image -> text (``i2t``) is a hit when *any* caption of
the image is among the k best-scoring texts. Ranks are computed by counting, never by
sorting the score matrix, in row chunks, so memory stays ``chunk x n_columns``.

Ties are resolved deterministically. ``ties="index"`` (default): among equal scores the
lower index ranks first, the order of a stable descending sort (and of ``torch.topk`` on
CPU wherever it is stable); ``ties="pessimistic"``: every other candidate with an equal
score ranks ahead. A failed text query (``failed_texts``) is a miss with the worst rank; a
failed image is never retrieved and its i2t query is a miss; failed texts are never
retrieved either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bench.metrics.base import (
    MEAN,
    Aggregator,
    FloatArray,
    MetricStats,
    MetricSuite,
    mean_stats,
    register_aggregator,
)

Ties = Literal["index", "pessimistic"]
RECALL_KS = (1, 5, 10)
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def _median_rows(stats: FloatArray) -> FloatArray:
    if stats.shape[0] == 0:
        return np.asarray(np.nan)
    return np.asarray(np.median(stats[:, 0]))


def _median_resampled(stats: FloatArray, counts: FloatArray) -> FloatArray:
    """Medians of bootstrap resamples without materialising them (np.median semantics)."""
    order = np.argsort(stats[:, 0], kind="stable")
    values = stats[order, 0]
    out = np.empty(counts.shape[0], dtype=np.float64)
    for lo_row in range(0, counts.shape[0], 64):
        cum = np.cumsum(counts[lo_row : lo_row + 64, order], axis=1)
        for b, row in enumerate(cum, start=lo_row):
            total = round(float(row[-1])) if row.size else 0
            if total == 0:
                out[b] = np.nan
                continue
            # 0-based positions of the middle element(s): (total - 1) // 2 and total // 2
            low = int(np.searchsorted(row, (total - 1) // 2 + 1, side="left"))
            high = int(np.searchsorted(row, total // 2 + 1, side="left"))
            out[b] = (values[low] + values[high]) / 2
    return out


#: Median of the first stats column (non-summable, with a vectorised bootstrap).
MEDIAN = register_aggregator(Aggregator("median", _median_rows, False, _median_resampled))


@dataclass(frozen=True)
class Ranks:
    """1-based ranks of the correct item for every query of both directions."""

    t2i: IntArray  # [n_texts]; failed texts get n_images
    i2t: IntArray  # [n_images]; failed or caption-less images get n_texts + 1


def _failed_mask(indices: Sequence[int] | None, size: int, what: str) -> BoolArray:
    mask = np.zeros(size, dtype=bool)
    if indices is not None:
        idx = np.asarray(list(indices), dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= size):
            raise ValueError(f"failed {what} index out of range")
        mask[idx] = True
    return mask


def _check_targets(text_to_image: Sequence[int], n_texts: int, n_images: int) -> IntArray:
    targets = np.asarray(text_to_image, dtype=np.int64).reshape(-1)
    if targets.size != n_texts:
        raise ValueError(f"text_to_image has {targets.size} entries for {n_texts} texts")
    bad = np.flatnonzero((targets < 0) | (targets >= n_images))
    if bad.size:
        raise ValueError(
            f"text {int(bad[0])} points to image {int(targets[bad[0]])}, outside 0..{n_images - 1}"
        )
    return targets


def _row_chunks(n_rows: int, n_cols: int, chunk_size: int | None) -> Iterator[slice]:
    size = chunk_size or max(1, (32 * 1024 * 1024) // max(n_cols, 1))
    for start in range(0, n_rows, size):
        yield slice(start, min(start + size, n_rows))


def ranks_from_scores(
    scores: npt.ArrayLike,
    text_to_image: Sequence[int],
    *,
    chunk_size: int | None = None,
    failed_texts: Sequence[int] | None = None,
    failed_images: Sequence[int] | None = None,
    ties: Ties = "index",
) -> Ranks:
    """Ranks of every query from a ``[n_texts, n_images]`` score matrix (see module doc).

    Raises ValueError naming the first NaN outside failed rows and columns.
    """
    matrix = np.asarray(scores)
    if matrix.ndim != 2:
        raise ValueError(f"scores must be a 2-D [n_texts, n_images] array, got {matrix.ndim}-D")
    n_texts, n_images = matrix.shape
    targets = _check_targets(text_to_image, n_texts, n_images)
    bad_text = _failed_mask(failed_texts, n_texts, "text")
    bad_image = _failed_mask(failed_images, n_images, "image")
    if ties not in ("index", "pessimistic"):
        raise ValueError(f"ties must be 'index' or 'pessimistic', not {ties!r}")
    cols = np.arange(n_images)
    positive = np.full(n_texts, -np.inf)
    t2i = np.empty(n_texts, dtype=np.int64)
    for rows in _row_chunks(n_texts, n_images, chunk_size):
        block = matrix[rows]
        nan = np.isnan(block) & ~bad_text[rows, None] & ~bad_image[None, :]
        if nan.any():
            r, c = np.argwhere(nan)[0]
            raise ValueError(f"NaN score at [{rows.start + int(r)}, {int(c)}]")
        target = targets[rows]
        pos = block[np.arange(block.shape[0]), target]
        ahead = (block > pos[:, None]) | (block == pos[:, None]) & (
            (cols[None, :] < target[:, None])
            if ties == "index"
            else (cols[None, :] != target[:, None])
        )
        ahead &= ~bad_image[None, :]
        t2i[rows] = 1 + ahead.sum(axis=1)
        positive[rows] = pos
    miss = bad_text | bad_image[targets]
    t2i[miss] = n_images
    positive[miss] = -np.inf
    i2t = _i2t_ranks(matrix, targets, positive, bad_text, bad_image, ties, chunk_size, n_images)
    return Ranks(t2i, i2t)


def best_positive(
    targets: IntArray, positive: FloatArray, usable: BoolArray, n_images: int
) -> tuple[FloatArray, IntArray]:
    """Per image: best caption score and the lowest caption index reaching it (-1: none)."""
    best = np.full(n_images, -np.inf)
    np.maximum.at(best, targets[usable], positive[usable])
    reach = usable & (positive == best[targets]) & np.isfinite(positive)
    first = np.full(n_images, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, targets[reach], np.flatnonzero(reach))
    first[first == np.iinfo(np.int64).max] = -1
    return best, first


def _i2t_ranks(
    matrix: npt.NDArray[Any],
    targets: IntArray,
    positive: FloatArray,
    bad_text: BoolArray,
    bad_image: BoolArray,
    ties: Ties,
    chunk_size: int | None,
    n_images: int,
) -> IntArray:
    n_texts = targets.size
    usable = ~bad_text & ~bad_image[targets]
    best, first = best_positive(targets, positive, usable, n_images)
    ahead = np.zeros(n_images, dtype=np.int64)
    for rows in _row_chunks(n_texts, n_images, chunk_size):
        block = matrix[rows]
        index = np.arange(rows.start, rows.stop)
        over = block > best[None, :]
        equal = block == best[None, :]
        if ties == "index":
            equal &= index[:, None] < first[None, :]
        counted = (over | equal) & ~bad_text[rows, None]
        ahead += counted.sum(axis=0)
    # a text never ranks ahead of its own image's best caption, except (pessimistic ties)
    # captions of that image that equal the best one: remove them.
    own = usable & (
        (positive > best[targets])
        | (positive == best[targets])
        & (np.arange(n_texts) < first[targets] if ties == "index" else np.ones(n_texts, bool))
    )
    ahead -= np.bincount(targets[own], minlength=n_images)
    ranks = 1 + ahead
    ranks[(first < 0) | bad_image] = n_texts + 1
    return ranks


def metrics_from_ranks(ranks: Ranks, details: dict[str, object]) -> MetricSuite:
    """The retrieval :class:`MetricSuite` from ranks (units ``text`` and ``image``)."""
    n_texts, n_images = ranks.t2i.size, ranks.i2t.size
    out = [
        MetricStats(f"t2i_R@{k}", True, mean_stats(ranks.t2i <= k), MEAN, "text") for k in RECALL_KS
    ]
    out += [
        MetricStats(f"i2t_R@{k}", True, mean_stats(ranks.i2t <= k), MEAN, "image")
        for k in RECALL_KS
    ]
    rank_stats = ranks.t2i.astype(np.float64)
    out.append(MetricStats("t2i_mean_rank", False, mean_stats(rank_stats), MEAN, "text"))
    out.append(MetricStats("t2i_median_rank", False, rank_stats[:, None], MEDIAN, "text"))
    ids = {
        "text": tuple(str(i) for i in range(n_texts)),
        "image": tuple(str(i) for i in range(n_images)),
    }
    return MetricSuite(ids=ids, metrics=tuple(out), details=details)


def retrieval_metrics_from_scores(
    scores: npt.ArrayLike,
    text_to_image: Sequence[int],
    *,
    chunk_size: int | None = None,
    failed_texts: Sequence[int] | None = None,
    failed_images: Sequence[int] | None = None,
    ties: Ties = "index",
) -> MetricSuite:
    """Recall@k both ways and t2i mean/median rank from a ``[n_texts, n_images]`` matrix.

    Sample ids are the text and image indices as strings.
    """
    ranks = ranks_from_scores(
        scores,
        text_to_image,
        chunk_size=chunk_size,
        failed_texts=failed_texts,
        failed_images=failed_images,
        ties=ties,
    )
    return metrics_from_ranks(ranks, _details(ranks, failed_texts, failed_images, ties))


def _details(
    ranks: Ranks,
    failed_texts: Sequence[int] | None,
    failed_images: Sequence[int] | None,
    ties: Ties,
) -> dict[str, object]:
    return {
        "n_texts": int(ranks.t2i.size),
        "n_images": int(ranks.i2t.size),
        "failed_texts": len(set(failed_texts or ())),
        "failed_images": len(set(failed_images or ())),
        "ties": ties,
    }


def retrieval_metrics_from_embeddings(
    text_emb: object,
    image_emb: object,
    text_to_image: Sequence[int],
    *,
    chunk_size: int | None = None,
    device: str = "cpu",
    failed_texts: Sequence[int] | None = None,
    failed_images: Sequence[int] | None = None,
    ties: Ties = "index",
) -> MetricSuite:
    """As :func:`retrieval_metrics_from_scores` with scores ``text_emb @ image_emb.T``.

    The score matrix is never materialised: chunks are computed on ``device`` with torch
    (imported here only), once for text -> image and once for image -> text.
    """
    from bench.metrics.retrieval_torch import ranks_from_embeddings

    ranks = ranks_from_embeddings(
        text_emb,
        image_emb,
        text_to_image,
        chunk_size=chunk_size,
        device=device,
        failed_texts=failed_texts,
        failed_images=failed_images,
        ties=ties,
    )
    return metrics_from_ranks(ranks, _details(ranks, failed_texts, failed_images, ties))
