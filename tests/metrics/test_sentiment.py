"""Sentiment metrics: scikit-learn parity (F1, AUROC) and MMSA's regression formulas."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from bench.metrics.sentiment import classification_metrics, regression_metrics


def test_classification_matches_scikit_learn_with_failed_predictions() -> None:
    rng = np.random.default_rng(0)
    labels = ["negative", "neutral", "positive", "never-used"]
    gold = [str(x) for x in rng.choice(labels[:3], 400)]
    pred = [None if rng.random() < 0.1 else str(rng.choice(labels[:3])) for _ in range(400)]
    suite = classification_metrics(gold, pred, labels)
    as_wrong = [p if p is not None else "<failed>" for p in pred]
    assert suite.by_name("accuracy").value() == pytest.approx(accuracy_score(gold, as_wrong))
    for name, average in (("macro_f1", "macro"), ("weighted_f1", "weighted")):
        expected = f1_score(gold, as_wrong, labels=labels, average=average, zero_division=0)
        assert suite.by_name(name).value() == pytest.approx(expected, abs=1e-12)
    assert suite.details["failed_predictions"] == int(sum(p is None for p in pred))


def test_auroc_matches_scikit_learn_and_failures_rank_worst() -> None:
    rng = np.random.default_rng(1)
    gold = [str(x) for x in rng.choice(["benign", "hateful"], 300)]
    scores = rng.random(300).round(2).tolist()  # rounded: many ties
    suite = classification_metrics(gold, gold, ["benign", "hateful"], positive_scores=scores)
    truth = [g == "hateful" for g in gold]
    assert suite.by_name("auroc").value() == pytest.approx(roc_auc_score(truth, scores), abs=1e-12)
    failed = classification_metrics(
        gold, [None, *gold[1:]], ["benign", "hateful"], positive_scores=[None, *scores[1:]]
    )
    worst = min(scores) - 1.0 if truth[0] else max(scores) + 1.0  # strictly worst
    expected = roc_auc_score(truth, [worst, *scores[1:]])
    assert failed.by_name("auroc").value() == pytest.approx(expected, abs=1e-12)


def test_auroc_bootstrap_equals_scikit_learn_on_each_resample() -> None:
    from bench.metrics.base import bootstrap_counts

    rng = np.random.default_rng(2)
    gold = [str(x) for x in rng.choice(["a", "b"], 120)]
    scores = rng.random(120).round(1).tolist()
    metric = classification_metrics(gold, gold, ["a", "b"], positive_scores=scores).by_name("auroc")
    counts = bootstrap_counts(120, 30, seed=4)
    for row, value in zip(counts, metric.resampled(counts), strict=True):
        idx = np.repeat(np.arange(120), row.astype(int))
        truth = [gold[i] == "b" for i in idx]
        assert value == pytest.approx(roc_auc_score(truth, [scores[i] for i in idx]), abs=1e-12)


def mmsa_oracle(y_pred: np.ndarray, y_true: np.ndarray) -> dict[str, float]:
    """MMSA's __eval_mosei_regression restated from its formulas (unrounded)."""
    a7p, a7t = np.clip(y_pred, -3.0, 3.0), np.clip(y_true, -3.0, 3.0)
    a5p, a5t = np.clip(y_pred, -2.0, 2.0), np.clip(y_true, -2.0, 2.0)
    non_zeros = np.array([i for i, e in enumerate(y_true) if e != 0])
    nz_truth, nz_preds = y_true[non_zeros] > 0, y_pred[non_zeros] > 0
    bin_truth, bin_preds = y_true >= 0, y_pred >= 0
    return {
        "MAE": float(np.mean(np.absolute(y_pred - y_true))),
        "corr": float(np.corrcoef(y_pred, y_true)[0][1]),
        "acc7": float(np.sum(np.round(a7p) == np.round(a7t)) / float(len(y_true))),
        "acc5": float(np.sum(np.round(a5p) == np.round(a5t)) / float(len(y_true))),
        "acc2_non0": float(accuracy_score(nz_preds, nz_truth)),
        "f1_non0": float(f1_score(nz_truth, nz_preds, average="weighted")),
        "acc2_has0": float(accuracy_score(bin_preds, bin_truth)),
        "f1_has0": float(f1_score(bin_truth, bin_preds, average="weighted")),
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_regression_matches_mmsa(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y_true = rng.choice(np.arange(-3.0, 3.01, 1 / 3), 700).round(4)  # includes exact zeros
    y_true[:20] = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.0, 0.0, 3.5, -3.5] * 2  # half-way points
    y_pred = y_true + rng.normal(0, 1.2, y_true.size)
    y_pred[:10] = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.0, 0.0, 4.0, -4.0]
    suite = regression_metrics(y_true.tolist(), y_pred.tolist())
    expected = mmsa_oracle(y_pred, y_true)
    for name, value in expected.items():
        assert suite.by_name(name).value() == pytest.approx(value, abs=1e-12), name
    assert suite.details["mmsa"]["Mult_acc_7"] == round(expected["acc7"], 4)


def test_regression_failures_are_wrong_everywhere() -> None:
    y_true = [2.0, -1.0, 0.0, 0.4]
    suite = regression_metrics(y_true, [None, None, None, None])
    for name in ("acc2_has0", "acc2_non0", "acc5", "acc7", "f1_has0", "f1_non0"):
        assert suite.by_name(name).value() == 0.0, name
    assert suite.by_name("MAE").value() == pytest.approx((5 + 4 + 3 + 3.4) / 4)
    assert suite.details["failed_predictions"] == 4
