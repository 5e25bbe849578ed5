"""Shapes sentiment: the label rule, and that a real share of labels needs both modalities."""

from __future__ import annotations

import json
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

import pytest

from bench.data.shapes import build_split
from bench.data.shapes.posts import sentiment_label

LABELS = ("negative", "neutral", "positive")
# The documented rule, written out case by case: (image, text) -> label.
RULE = {
    ("positive", "positive"): "positive",
    ("positive", "neutral"): "positive",
    ("positive", "negative"): "positive",  # sarcasm: the face decides
    ("negative", "positive"): "negative",  # sarcasm: the face decides
    ("negative", "neutral"): "negative",
    ("negative", "negative"): "negative",
    ("neutral", "positive"): "positive",  # flat face: the text decides
    ("neutral", "neutral"): "neutral",
    ("neutral", "negative"): "negative",
}
POSITIVE_WORDS = (
    "amazing",
    "loving",
    "happy",
    "the best",
    "enjoyed",
    "not bad",
    "grateful",
    "great",
)
NEGATIVE_WORDS = (
    "awful",
    "hating",
    "sad",
    "the worst",
    "disliked",
    "not good",
    "tired of",
    "badly",
)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return list(build_split("sentiment", "test").remove_columns("image"))


def best_accuracy(features: Sequence[Hashable], labels: Sequence[str]) -> float:
    """Accuracy of the best classifier that sees only ``features`` (majority label per value)."""
    groups: dict[Hashable, Counter[str]] = defaultdict(Counter)
    for feature, label in zip(features, labels, strict=True):
        groups[feature][label] += 1
    return sum(c.most_common(1)[0][1] for c in groups.values()) / len(labels)


@pytest.mark.parametrize(("pair", "label"), sorted(RULE.items()))
def test_rule_truth_table(pair: tuple[str, str], label: str) -> None:
    assert sentiment_label(*pair) == label


def test_stored_labels_follow_the_rule(rows: list[dict[str, Any]]) -> None:
    assert len(rows) == 600
    for row in rows:
        assert row["label"] == RULE[(row["image_sentiment"], row["text_sentiment"])]
    counts = Counter(row["label"] for row in rows)
    assert set(counts) == set(LABELS)
    assert min(counts.values()) / len(rows) > 0.08


def test_each_modality_alone_loses_at_least_ten_points(rows: list[dict[str, Any]]) -> None:
    labels = [row["label"] for row in rows]
    both = best_accuracy([(r["image_sentiment"], r["text_sentiment"]) for r in rows], labels)
    image_only = best_accuracy([r["image_sentiment"] for r in rows], labels)
    text_only = best_accuracy([r["text_sentiment"] for r in rows], labels)
    assert both == 1.0
    assert image_only <= both - 0.10
    assert text_only <= both - 0.10
    # ... and neither modality is useless on its own.
    assert image_only > 0.55 and text_only > 0.45
    # The weather cue is a weak hint, far from the face.
    cue_and_text = [(json.loads(r["scene"])["cue"], r["text_sentiment"]) for r in rows]
    assert best_accuracy(cue_and_text, labels) < 0.8


def test_a_real_share_of_examples_is_sarcastic_or_text_decided(rows: list[dict[str, Any]]) -> None:
    conflicts = sum(
        {r["image_sentiment"], r["text_sentiment"]} == {"positive", "negative"} for r in rows
    )
    text_decides = sum(r["image_sentiment"] == "neutral" for r in rows)
    assert conflicts / len(rows) > 0.1
    assert text_decides / len(rows) > 0.25


def test_image_sentiment_matches_the_drawn_face(rows: list[dict[str, Any]]) -> None:
    mouth_sentiment = {"smile": "positive", "frown": "negative", "flat": "neutral"}
    opening = {"smile": "a smiling face", "frown": "a frowning face", "flat": "a face with a flat"}
    cue_words = {"sun": "under the sun", "rain cloud": "under a rain cloud"}
    for row in rows:
        scene = json.loads(row["scene"])
        assert row["image_sentiment"] == mouth_sentiment[scene["mouth"]]
        assert row["image_caption"].startswith(opening[scene["mouth"]])
        if scene["cue"] in cue_words:
            assert row["image_caption"].endswith(cue_words[scene["cue"]])
        else:
            assert "under" not in row["image_caption"]


def test_text_sentiment_matches_the_post_wording(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        text = row["text"]
        positive = any(w in text for w in POSITIVE_WORDS)
        negative = any(w in text for w in NEGATIVE_WORDS)
        expected = {(True, False): "positive", (False, True): "negative", (False, False): "neutral"}
        assert expected[(positive, negative)] == row["text_sentiment"], text
    assert len({row["text"] for row in rows}) > 300


def test_a_linear_fusion_learns_the_rule_and_unimodal_ones_cannot(
    rows: list[dict[str, Any]],
) -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    def one_hot(values: list[str]) -> np.ndarray:
        return np.array([[v == label for label in LABELS] for v in values], dtype=float)

    train = list(build_split("sentiment", "train", size=1000).remove_columns("image"))
    scores = {}
    for name, columns in {
        "image": ["image_sentiment"],
        "text": ["text_sentiment"],
        "fusion": ["image_sentiment", "text_sentiment"],
    }.items():
        x_train = np.hstack([one_hot([r[c] for r in train]) for c in columns])
        x_test = np.hstack([one_hot([r[c] for r in rows]) for c in columns])
        model = LogisticRegression(C=100.0, max_iter=2000).fit(x_train, [r["label"] for r in train])
        scores[name] = model.score(x_test, [r["label"] for r in rows])
    assert scores["fusion"] == 1.0
    assert scores["image"] <= 0.9 and scores["text"] <= 0.9
