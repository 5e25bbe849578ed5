"""Property tests: metrics (invariance, bounds, maxima) and readers (no crash on any input)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bench.errors import UsageError
from bench.metrics.base import MetricSuite

WORDS = ["a", "red", "blue", "circle", "square", "two", "on", "left", "small", "the"]
LABELS = ["negative", "neutral", "positive"]
FAST = settings(max_examples=60, deadline=None)
FILES = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def values(suite: MetricSuite) -> dict[str, float]:
    return {m.name: m.value() for m in suite.metrics}


def permutation(draw: st.DrawFn, n: int) -> list[int]:
    return draw(st.permutations(list(range(n))))


# ---------------------------------------------------------------- VQA


answers_strategy = st.lists(
    st.sampled_from(["yes", "no", "2", "red", "blue"]), min_size=10, max_size=10
)


@FAST
@given(st.data())
def test_vqa_accuracy_is_a_fraction_and_order_free(data: st.DataObject) -> None:
    from bench.metrics.vqa import vqa_metrics

    n = data.draw(st.integers(1, 8))
    answers = {f"q{i}": data.draw(answers_strategy) for i in range(n)}
    predictions = {
        q: data.draw(st.sampled_from(["yes", "no", "2", "red", "green"]))
        for q in answers
        if data.draw(st.booleans())
    }
    score = vqa_metrics(answers, predictions).by_name("accuracy").value()
    assert 0.0 <= score <= 1.0
    order = data.draw(st.permutations(list(answers)))
    shuffled = vqa_metrics({q: answers[q] for q in order}, predictions)
    assert shuffled.by_name("accuracy").value() == pytest.approx(score, abs=1e-12)


@FAST
@given(st.lists(st.sampled_from(["yes", "no", "two", "red"]), min_size=1, max_size=8))
def test_vqa_unanimous_answers_predicted_score_one(truth: list[str]) -> None:
    from bench.metrics.vqa import vqa_metrics

    answers = {f"q{i}": [a] * 10 for i, a in enumerate(truth)}
    predictions = {f"q{i}": a for i, a in enumerate(truth)}
    assert vqa_metrics(answers, predictions).by_name("accuracy").value() == 1.0


# ---------------------------------------------------------------- captioning


sentence = st.lists(st.sampled_from(WORDS), min_size=4, max_size=8).map(" ".join)
CAPTION_KEYS = ["BLEU-4", "ROUGE-L", "CIDEr"]


@FAST
@given(st.data())
def test_caption_metrics_bounds_and_order_free(data: st.DataObject) -> None:
    from bench.metrics.captioning import caption_metrics

    n = data.draw(st.integers(2, 5))
    refs = {f"i{i}": data.draw(st.lists(sentence, min_size=1, max_size=3)) for i in range(n)}
    preds = {i: data.draw(sentence) for i in refs}
    scores = values(caption_metrics(refs, preds, metrics=CAPTION_KEYS))
    assert 0.0 <= scores["BLEU-4"] <= 1.0 + 1e-12
    assert 0.0 <= scores["ROUGE-L"] <= 1.0 + 1e-12
    assert scores["CIDEr"] >= 0.0
    order = data.draw(st.permutations(list(refs)))
    again = values(caption_metrics({i: refs[i] for i in order}, preds, metrics=CAPTION_KEYS))
    for key in CAPTION_KEYS:
        assert again[key] == pytest.approx(scores[key], rel=1e-9, abs=1e-12)


@FAST
@given(st.lists(st.lists(sentence, min_size=1, max_size=3), min_size=2, max_size=5))
def test_copying_a_reference_maximises_bleu_and_rouge(references: list[list[str]]) -> None:
    from bench.metrics.captioning import caption_metrics

    refs = {f"i{i}": r for i, r in enumerate(references)}
    preds = {i: r[0] for i, r in refs.items()}
    # every prediction equals a reference whose length is the closest one
    assume(all(len(r[0].split()) <= min(len(x.split()) for x in r) for r in references))
    scores = values(caption_metrics(refs, preds, metrics=["BLEU-4", "ROUGE-L"]))
    assert scores["ROUGE-L"] == pytest.approx(1.0)
    assert scores["BLEU-4"] == pytest.approx(1.0)


# ---------------------------------------------------------------- retrieval


@FAST
@given(st.integers(1, 12), st.integers(1, 4))
def test_identity_scores_give_perfect_recall(n_images: int, per_image: int) -> None:
    from bench.metrics.retrieval import retrieval_metrics_from_scores

    targets = [i for i in range(n_images) for _ in range(per_image)]
    scores = np.eye(n_images)[targets]
    result = values(retrieval_metrics_from_scores(scores, targets))
    for key in ("t2i_R@1", "t2i_R@5", "t2i_R@10", "i2t_R@1", "i2t_R@5", "i2t_R@10"):
        assert result[key] == 1.0
    assert result["t2i_mean_rank"] == 1.0


@FAST
@given(st.data())
def test_recall_bounds_and_invariance_to_reordering(data: st.DataObject) -> None:
    from bench.metrics.retrieval import retrieval_metrics_from_scores

    n_images = data.draw(st.integers(2, 10))
    n_texts = data.draw(st.integers(n_images, 3 * n_images))
    targets = list(range(n_images)) + data.draw(
        st.lists(
            st.integers(0, n_images - 1), min_size=n_texts - n_images, max_size=n_texts - n_images
        )
    )
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    scores = rng.standard_normal((n_texts, n_images))  # continuous: no ties
    base = values(retrieval_metrics_from_scores(scores, targets))
    for key, value in base.items():
        if "R@" in key:
            assert 0.0 <= value <= 1.0
        else:
            assert 1.0 <= value <= n_images
    rows = permutation(data.draw, n_texts)
    cols = permutation(data.draw, n_images)
    new_col = {old: new for new, old in enumerate(cols)}
    moved = scores[rows][:, cols]
    moved_targets = [new_col[targets[r]] for r in rows]
    again = values(retrieval_metrics_from_scores(moved, moved_targets))
    for key, value in base.items():
        assert again[key] == pytest.approx(value, abs=1e-12), key


# ---------------------------------------------------------------- classification


@FAST
@given(st.data())
def test_classification_bounds_perfect_and_order_free(data: st.DataObject) -> None:
    from bench.metrics.sentiment import classification_metrics

    truth = data.draw(st.lists(st.sampled_from(LABELS), min_size=2, max_size=20))
    predicted = [data.draw(st.sampled_from([*LABELS, None])) for _ in truth]
    scores = values(classification_metrics(truth, predicted, LABELS))
    for key in ("accuracy", "macro_f1", "weighted_f1"):
        assert 0.0 <= scores[key] <= 1.0
    correct = sum(p == t for p, t in zip(predicted, truth, strict=True))
    assert scores["accuracy"] == pytest.approx(correct / len(truth))  # None counts as wrong
    order = data.draw(st.permutations(range(len(truth))))
    again = values(
        classification_metrics([truth[i] for i in order], [predicted[i] for i in order], LABELS)
    )
    for key in ("accuracy", "macro_f1", "weighted_f1"):
        assert again[key] == pytest.approx(scores[key], abs=1e-12)
    perfect = values(classification_metrics(truth, truth, LABELS))
    assert perfect["accuracy"] == 1.0
    assert perfect["weighted_f1"] == pytest.approx(1.0)
    if set(truth) == set(LABELS):
        assert perfect["macro_f1"] == pytest.approx(1.0)


# ---------------------------------------------------------------- readers


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "annotations",
                    "image_id",
                    "caption",
                    "question_id",
                    "answers",
                    "answer",
                    "id",
                    "label",
                    "schema_version",
                    "task",
                    "metrics",
                    "0",
                    "1",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=16,
)
payload = st.one_of(st.binary(max_size=300), json_value.map(lambda v: json.dumps(v).encode()))


@FILES
@given(
    family=st.sampled_from(["captioning", "vqa", "retrieval", "sentiment"]),
    predictions=payload,
    references=payload,
)
def test_score_inputs_never_crash(
    tmp_path: Path, family: str, predictions: bytes, references: bytes
) -> None:
    import bench

    pred = tmp_path / ("pred.npy" if family == "retrieval" else "pred.json")
    ref = tmp_path / "ref.json"
    pred.write_bytes(predictions)
    ref.write_bytes(references)
    try:
        bench.score(family, pred, ref, bootstrap=0)
    except UsageError as exc:
        assert str(exc)


@FILES
@given(content=payload)
def test_run_record_files_never_crash(tmp_path: Path, content: bytes) -> None:
    from bench.records.io import read_record

    path = tmp_path / "record.json"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=r"record\.json"):
        read_record(path)


def _record_variants() -> st.SearchStrategy[Any]:
    """A valid record's JSON with one field replaced by a random value."""
    return st.tuples(st.sampled_from(list(_valid_record())), json_value)


def _valid_record() -> dict[str, Any]:
    from bench.records.schema import (
        ErrorEntry,
        MetricEntry,
        ModelSection,
        RunRecord,
        TaskSection,
        Throughput,
    )

    record = RunRecord(
        run_id="20260101T000000Z-abcdef",
        task=TaskSection("t", "vqa", "t.toml", "test", "builtin:shapes", "f" * 64, 3),
        model=ModelSection("ref:x", "a.B", "sha256:0"),
        metrics={"accuracy": MetricEntry(0.5, 0.25, 0.75, True, "mean", "question")},
        headline=["accuracy"],
        details={},
        n_failed=1,
        errors=[ErrorEntry("q1", "answer", "empty generation")],
        throughput=Throughput(
            1.0, 2.0, 0.1, 0.2, 3, 1, 0.3, 0.5, 32, 32, 0, 3, 100, "process_peak_rss"
        ),
        config={},
        hardware={},
        versions={},
        seed=0,
        started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:00:01+00:00",
    )
    data: dict[str, Any] = json.loads(json.dumps(record.to_json()))
    return data


@FILES
@given(change=_record_variants())
def test_damaged_run_records_name_the_field(tmp_path: Path, change: tuple[str, Any]) -> None:
    from bench.records.io import read_record

    field, value = change
    data = _valid_record()
    data[field] = value
    path = tmp_path / "record.json"
    path.write_text(json.dumps(data))
    try:
        read_record(path)
    except UsageError as exc:
        assert "record.json" in str(exc)


@FILES
@given(content=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_dataset_cards_never_crash(tmp_path: Path, content: bytes) -> None:
    from bench.data.cards import load_card

    path = tmp_path / "card.toml"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=r"card\.toml"):
        load_card(path)


@FILES
@given(content=payload)
def test_per_sample_jsonl_files_never_crash(tmp_path: Path, content: bytes) -> None:
    from bench.records.io import read_rows

    (tmp_path / "samples.jsonl").write_bytes(content)
    try:
        rows = list(read_rows(tmp_path))
    except UsageError as exc:
        assert "samples.jsonl" in str(exc)
    else:
        assert all({"unit", "id", "stats"} <= row.keys() for row in rows)


DEEP_JSON = b"[" * 100_000
NOT_UTF8 = b'{"a": "\xff\xfe"}'


@pytest.mark.parametrize("content", [DEEP_JSON, NOT_UTF8], ids=["deep", "not-utf8"])
def test_hostile_json_is_bad_input_everywhere(tmp_path: Path, content: bytes) -> None:
    import bench
    from bench.records.io import read_record, read_rows

    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=r"x\.json"):
        read_record(path)
    (tmp_path / "samples.jsonl").write_bytes(content)
    with pytest.raises(UsageError, match=r"samples\.jsonl"):
        list(read_rows(tmp_path))
    with pytest.raises(UsageError, match=r"x\.json"):
        bench.score("vqa", path, path, bootstrap=0)


def test_hostile_toml_cards_are_bad_input(tmp_path: Path) -> None:
    from bench.data.cards import load_card

    path = tmp_path / "card.toml"
    path.write_bytes(b"a = " + b"[" * 100_000)
    with pytest.raises(UsageError, match=r"card\.toml"):
        load_card(path)
