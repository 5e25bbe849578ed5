"""Which reading a sentiment file gets: integer labels are classes, not MOSI scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from bench.errors import UsageError
from bench.metrics.formats import parse_sentiment
from bench.scoring import score


def _pairs(seed: int = 4, n: int = 300) -> tuple[list[int], list[int]]:
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 3, n)
    pred = np.where(rng.random(n) < 0.8, gold, rng.integers(0, 3, n))
    return gold.tolist(), pred.tolist()


def test_integer_labels_are_classes_scored_like_scikit_learn(tmp_path: Path) -> None:
    gold, pred = _pairs()
    refs = tmp_path / "refs.json"
    preds = tmp_path / "preds.json"
    refs.write_text(json.dumps([{"id": i, "label": g} for i, g in enumerate(gold)]))
    preds.write_text(json.dumps([{"id": i, "label": p} for i, p in enumerate(pred)]))
    report = score("sentiment", preds, refs, bootstrap=0)
    assert report.values["accuracy"] == pytest.approx(accuracy_score(gold, pred), abs=1e-12)
    assert report.values["macro_f1"] == pytest.approx(
        f1_score(gold, pred, average="macro"), abs=1e-12
    )
    assert report.values["weighted_f1"] == pytest.approx(
        f1_score(gold, pred, average="weighted"), abs=1e-12
    )
    assert "MAE" not in report.values
    assert report.details["reading"].startswith("classification")
    parsed = parse_sentiment(preds, refs)
    assert not parsed.regression and parsed.reading.startswith("classification")
    assert parsed.labels == ["0", "1", "2"]


def test_integral_floats_are_class_labels_too() -> None:
    parsed = parse_sentiment(
        [{"id": "a", "label": 1}, {"id": "b", "label": 0}],
        [{"id": "a", "label": 1.0}, {"id": "b", "label": 2.0}],
    )
    assert not parsed.regression
    assert parsed.gold == ["1", "2"]


def test_regression_when_declared_or_a_label_is_not_an_integer() -> None:
    declared = parse_sentiment(
        [{"id": "a", "label": 1}, {"id": "b", "label": -2}],
        {"task": "regression", "examples": [{"id": "a", "label": 2}, {"id": "b", "label": -3}]},
    )
    assert declared.regression and "declare" in declared.reading
    fractional = parse_sentiment(
        [{"id": "a", "label": 1.2}, {"id": "b", "label": -2.0}],
        [{"id": "a", "label": 2}, {"id": "b", "label": -0.6}],
    )
    assert fractional.regression and "-0.6" in fractional.reading
    report = score(
        "sentiment",
        [{"id": "a", "label": 1.2}, {"id": "b", "label": -2.0}],
        [{"id": "a", "label": 2}, {"id": "b", "label": -0.6}],
        bootstrap=0,
    )
    assert report.values["acc2_has0"] == 1.0


def test_a_fractional_prediction_for_class_labels_is_refused() -> None:
    with pytest.raises(UsageError, match=r"\[0\]\.label: expected a class label, got the number"):
        parse_sentiment([{"id": "a", "label": 0.5}], [{"id": "a", "label": 1}])
