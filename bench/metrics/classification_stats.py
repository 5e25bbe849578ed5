"""Per-example statistics and aggregators for accuracy, F1, Pearson r and AUROC.

F1 stats are one-hot confusion cells per class (``tp``, ``fp``, ``fn`` blocks), so macro and
weighted F1 are functions of column sums and bootstrap by a matrix product; they follow
scikit-learn's ``f1_score(..., labels=labels)`` (a class with no true and no predicted
example scores 0; a prediction outside ``labels`` is a false negative only). Pearson r uses
centred sums. AUROC is rank-based (equal to ``roc_auc_score``), non-summable, with a
vectorised weighted bootstrap.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bench.metrics.base import Aggregator, FloatArray, register_aggregator


def confusion_stats(true_idx: npt.ArrayLike, pred_idx: npt.ArrayLike, n_classes: int) -> FloatArray:
    """``[n, 3 * n_classes]`` rows: tp one-hot, fp one-hot, fn one-hot.

    ``pred_idx`` may be ``-1`` (failed / outside the labels): a false negative only.
    """
    t = np.asarray(true_idx, dtype=np.int64)
    p = np.asarray(pred_idx, dtype=np.int64)
    n = t.size
    out = np.zeros((n, 3 * n_classes), dtype=np.float64)
    rows = np.arange(n)
    right = t == p
    out[rows[right], t[right]] = 1.0
    wrong = ~right
    valid_pred = wrong & (p >= 0)
    out[rows[valid_pred], n_classes + p[valid_pred]] = 1.0
    out[rows[wrong], 2 * n_classes + t[wrong]] = 1.0
    return out


def _per_class_f1(summed: FloatArray) -> tuple[FloatArray, FloatArray]:
    k = summed.shape[-1] // 3
    tp, fp, fn = summed[..., :k], summed[..., k : 2 * k], summed[..., 2 * k :]
    denom = 2 * tp + fp + fn
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return f1, tp + fn


def macro_f1(summed: FloatArray) -> FloatArray:
    """Unweighted mean of per-class F1 over all labels."""
    f1, _ = _per_class_f1(summed)
    return np.asarray(f1.mean(axis=-1), dtype=np.float64)


def weighted_f1(summed: FloatArray) -> FloatArray:
    """Per-class F1 weighted by true support (0 when there is no support)."""
    f1, support = _per_class_f1(summed)
    total = support.sum(axis=-1)
    weighted = (f1 * support).sum(axis=-1)
    return np.asarray(np.divide(weighted, total, out=np.zeros_like(total), where=total > 0))


MACRO_F1 = register_aggregator(Aggregator("f1-macro", macro_f1))
WEIGHTED_F1 = register_aggregator(Aggregator("f1-weighted", weighted_f1))


def pearson_stats(x: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
    """Rows ``[x, y, x^2, y^2, xy, 1]`` of values centred on the full-sample means.

    Centring by any constant leaves r unchanged and keeps the sums well conditioned.
    """
    xv = np.asarray(x, dtype=np.float64)
    yv = np.asarray(y, dtype=np.float64)
    xc = xv - (xv.mean() if xv.size else 0.0)
    yc = yv - (yv.mean() if yv.size else 0.0)
    return np.column_stack([xc, yc, xc * xc, yc * yc, xc * yc, np.ones_like(xc)])


def pearson_from_sums(summed: FloatArray) -> FloatArray:
    """Pearson r from summed :func:`pearson_stats` (NaN when a variance is 0)."""
    sx, sy, sxx, syy, sxy, n = (summed[..., i] for i in range(6))
    cov = n * sxy - sx * sy
    var_x = n * sxx - sx * sx
    var_y = n * syy - sy * sy
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(cov / np.sqrt(var_x * var_y), dtype=np.float64)


PEARSON = register_aggregator(Aggregator("pearson", pearson_from_sums))


def _tie_groups(scores: FloatArray) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    return order, starts


def _weighted_auc(
    positive: FloatArray,
    weights: FloatArray,
    order: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
) -> FloatArray:
    w = weights[..., order]
    pos = positive[order]
    p_group = np.add.reduceat(w * pos, starts, axis=-1)
    n_group = np.add.reduceat(w * (1 - pos), starts, axis=-1)
    before = np.cumsum(n_group, axis=-1) - n_group
    numerator = (p_group * (before + 0.5 * n_group)).sum(axis=-1)
    denominator = p_group.sum(axis=-1) * n_group.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(denominator > 0, numerator / denominator, np.nan))


def auroc_rows(stats: FloatArray) -> FloatArray:
    """AUROC of rows ``[score, is_positive]`` (NaN with a single class)."""
    if stats.shape[0] == 0:
        return np.asarray(np.nan)
    order, starts = _tie_groups(stats[:, 0])
    return _weighted_auc(stats[:, 1], np.ones(stats.shape[0]), order, starts)


def auroc_resampled(stats: FloatArray, counts: FloatArray) -> FloatArray:
    """AUROC of every bootstrap resample, vectorised (rows weighted by their multiplicity)."""
    if stats.shape[0] == 0:
        return np.full(counts.shape[0], np.nan)
    order, starts = _tie_groups(stats[:, 0])
    return _weighted_auc(stats[:, 1], counts, order, starts)


AUROC = register_aggregator(Aggregator("auroc", auroc_rows, False, auroc_resampled))
