"""Sentiment metrics: classification (accuracy, macro/weighted F1, AUROC) and MMSA's
regression metrics for MOSI / MOSEI-style scores in [-3, 3].

Regression follows MMSA's ``metricsTop`` (``__eval_mosei_regression``): MAE, Pearson r,
``acc2_has0`` / ``f1_has0`` on ``score >= 0`` for all examples, ``acc2_non0`` / ``f1_non0`` on
``score > 0`` for examples whose label is not 0, ``acc5`` / ``acc7`` comparing
``np.round`` (half to even) of predictions and labels clipped to [-2, 2] / [-3, 3]; F1s are
weighted. Values are exact; ``details["mmsa"]`` repeats them under MMSA's names rounded to
4 decimals as MMSA reports them. A failed prediction (``None``) is scored as the worst
value on the scale (-3 for a label >= 0, +3 otherwise), which makes it wrong in every
accuracy and F1 and maximal in MAE.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.metrics.base import MEAN, MetricStats, MetricSuite, mean_stats
from bench.metrics.classification_stats import (
    AUROC,
    MACRO_F1,
    PEARSON,
    WEIGHTED_F1,
    confusion_stats,
    pearson_stats,
)

SCALE = 3.0


def _ids(n: int) -> dict[str, tuple[str, ...]]:
    return {"example": tuple(str(i) for i in range(n))}


def classification_metrics(
    y_true: Sequence[str],
    y_pred: Sequence[str | None],
    labels: Sequence[str],
    *,
    positive_scores: Sequence[float | None] | None = None,
) -> MetricSuite:
    """Accuracy, macro F1 and weighted F1 (scikit-learn's, over ``labels``), plus AUROC.

    Args:
        y_true: gold label of each example (must be in ``labels``).
        y_pred: predicted label, or None for a failed prediction (wrong everywhere).
        labels: the label set; for AUROC ``labels[1]`` is the positive class.
        positive_scores: score of the positive class per example (binary tasks only); a
            failed example's score is ignored and it counts as the worst ranking.
    """
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} labels but {len(y_pred)} predictions")
    index = {str(label): i for i, label in enumerate(labels)}
    true_idx = []
    for i, label in enumerate(y_true):
        if str(label) not in index:
            raise ValueError(f"example {i}: gold label {label!r} is not one of {list(labels)}")
        true_idx.append(index[str(label)])
    pred_idx = [index.get(str(p), -1) if p is not None else -1 for p in y_pred]
    t = np.asarray(true_idx, dtype=np.int64)
    p = np.asarray(pred_idx, dtype=np.int64)
    confusion = confusion_stats(t, p, len(labels))
    metrics = [
        MetricStats("accuracy", True, mean_stats(t == p), MEAN, "example"),
        MetricStats("macro_f1", True, confusion, MACRO_F1, "example"),
        MetricStats("weighted_f1", True, confusion, WEIGHTED_F1, "example"),
    ]
    failed = [i for i, pred in enumerate(y_pred) if pred is None]
    details: dict[str, Any] = {
        "n_examples": len(y_true),
        "failed_predictions": len(failed),
        "labels": [str(label) for label in labels],
    }
    if positive_scores is not None:
        metrics.append(_auroc(t, positive_scores, failed, labels))
        details["positive_label"] = str(labels[1])
    return MetricSuite(ids=_ids(len(y_true)), metrics=tuple(metrics), details=details)


def _auroc(
    true_idx: np.ndarray,
    scores: Sequence[float | None],
    failed: Sequence[int],
    labels: Sequence[str],
) -> MetricStats:
    if len(labels) != 2:
        raise ValueError("AUROC needs a binary task (exactly two labels)")
    if len(scores) != true_idx.size:
        raise ValueError(f"{len(scores)} positive scores for {true_idx.size} examples")
    values = np.array([np.nan if s is None else float(s) for s in scores], dtype=np.float64)
    is_positive = (true_idx == 1).astype(np.float64)
    failed_mask = np.zeros(true_idx.size, dtype=bool)
    failed_mask[list(failed)] = True
    bad = np.flatnonzero(~np.isfinite(values) & ~failed_mask)
    if bad.size:
        raise ValueError(f"example {int(bad[0])}: the positive score is not a finite number")
    # A failed example ranks worst: below every score if positive, above every score if
    # negative. The sentinels are finite (the next floats past the observed range), so the
    # per-sample stats survive JSON and re-aggregate to the same AUROC.
    finite = values[~failed_mask]
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 0.0
    values[failed_mask] = np.where(
        is_positive[failed_mask] == 1, np.nextafter(low, -np.inf), np.nextafter(high, np.inf)
    )
    return MetricStats("auroc", True, np.column_stack([values, is_positive]), AUROC, "example")


def regression_metrics(y_true: Sequence[float], y_pred: Sequence[float | None]) -> MetricSuite:
    """MMSA's regression metrics (see module docstring); unit ``example``.

    Keys: ``MAE``, ``corr``, ``acc2_has0``, ``acc2_non0``, ``f1_has0``, ``f1_non0``,
    ``acc5``, ``acc7``, and the binary (``>= 0``) ``accuracy``, ``macro_f1``, ``weighted_f1``.
    """
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} labels but {len(y_pred)} predictions")
    y = np.asarray(y_true, dtype=np.float64)
    if not np.isfinite(y).all():
        raise ValueError(f"example {int(np.argmax(~np.isfinite(y)))}: label is not finite")
    failed = np.array([p is None for p in y_pred], dtype=bool)
    p = np.array([np.nan if q is None else float(q) for q in y_pred], dtype=np.float64)
    p[failed] = np.where(y[failed] >= 0, -SCALE, SCALE)
    if not np.isfinite(p).all():
        raise ValueError(f"example {int(np.argmax(~np.isfinite(p)))}: prediction is not finite")
    has0_true, has0_pred = (y >= 0).astype(np.int64), (p >= 0).astype(np.int64)
    nonzero = y != 0
    non0_true, non0_pred = (y > 0).astype(np.int64), (p > 0).astype(np.int64)
    has0 = confusion_stats(has0_true, has0_pred, 2)
    non0 = confusion_stats(non0_true, non0_pred, 2) * nonzero[:, None]
    acc_non0 = np.column_stack([(non0_true == non0_pred) & nonzero, nonzero]).astype(np.float64)
    acc5 = np.round(np.clip(p, -2.0, 2.0)) == np.round(np.clip(y, -2.0, 2.0))
    acc7 = np.round(np.clip(p, -3.0, 3.0)) == np.round(np.clip(y, -3.0, 3.0))
    acc2_has0 = mean_stats(has0_true == has0_pred)
    metrics = (
        MetricStats("MAE", False, mean_stats(np.abs(p - y)), MEAN, "example"),
        MetricStats("corr", True, pearson_stats(p, y), PEARSON, "example"),
        MetricStats("acc2_has0", True, acc2_has0, MEAN, "example"),
        MetricStats("acc2_non0", True, acc_non0, MEAN, "example"),
        MetricStats("f1_has0", True, has0, WEIGHTED_F1, "example"),
        MetricStats("f1_non0", True, non0, WEIGHTED_F1, "example"),
        MetricStats("acc5", True, mean_stats(acc5), MEAN, "example"),
        MetricStats("acc7", True, mean_stats(acc7), MEAN, "example"),
        MetricStats("accuracy", True, acc2_has0, MEAN, "example"),
        MetricStats("macro_f1", True, has0, MACRO_F1, "example"),
        MetricStats("weighted_f1", True, has0, WEIGHTED_F1, "example"),
    )
    values = {m.name: m.value() for m in metrics}
    mmsa_names = {
        "Has0_acc_2": "acc2_has0",
        "Has0_F1_score": "f1_has0",
        "Non0_acc_2": "acc2_non0",
        "Non0_F1_score": "f1_non0",
        "Mult_acc_5": "acc5",
        "Mult_acc_7": "acc7",
        "MAE": "MAE",
        "Corr": "corr",
    }
    details: dict[str, Any] = {
        "n_examples": int(y.size),
        "failed_predictions": int(failed.sum()),
        "mmsa": {
            k: (round(values[v], 4) if math.isfinite(values[v]) else None)
            for k, v in mmsa_names.items()
        },
        "binary_split": "accuracy/macro_f1/weighted_f1 are for label >= 0 vs < 0 (has0)",
    }
    return MetricSuite(ids=_ids(y.size), metrics=metrics, details=details)
