"""The one resampler: clustered draws, bounded chunks, non-finite draws counted, and the same
CIs from ``score`` and from the function ``run`` calls."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import bench
from bench.metrics import base
from bench.metrics.base import (
    AGGREGATORS,
    MEAN,
    Aggregator,
    MetricStats,
    MetricSuite,
    bootstrap_counts,
    cluster_index,
    confidence_entries,
    mean_stats,
    register_aggregator,
    resample_counts,
    resampling_seed,
)
from bench.metrics.retrieval import retrieval_metrics_from_scores


def test_rows_of_a_cluster_share_their_count_and_clusters_are_multinomial() -> None:
    clusters = cluster_index(["a", "a", "b", "c", "c", "c"], 6)
    assert clusters.tolist() == [0, 0, 1, 2, 2, 2]
    counts = np.concatenate(list(resample_counts(6, 3000, (4,), clusters)))
    assert (counts[:, 0] == counts[:, 1]).all() and (counts[:, 3] == counts[:, 5]).all()
    per_cluster = counts[:, [0, 2, 3]]
    assert (per_cluster.sum(axis=1) == 3).all()  # three clusters drawn per resample
    assert per_cluster.mean() == pytest.approx(1.0, abs=0.03)
    assert per_cluster.var(axis=0).mean() == pytest.approx(1 - 1 / 3, abs=0.05)


def test_singleton_clusters_are_exactly_the_ordinary_bootstrap() -> None:
    ids = [f"q{i}" for i in range(40)]
    plain = np.concatenate(list(resample_counts(40, 50, (1, 2))))
    clustered = np.concatenate(list(resample_counts(40, 50, (1, 2), cluster_index(ids, 40))))
    assert np.array_equal(plain, clustered)


def test_chunks_stay_bounded_for_full_vqav2(monkeypatch: pytest.MonkeyPatch) -> None:
    # 214k questions: a chunk holds at most CHUNK_ELEMENTS counts whatever the resamples.
    n = 214_354
    shapes = [c.shape for c in resample_counts(n, 45, (0,))]
    rows = base.CHUNK_ELEMENTS // n
    assert shapes[0] == (rows, n) and rows * n <= base.CHUNK_ELEMENTS
    assert sum(s[0] for s in shapes) == 45


def _nan_ratio(summed: np.ndarray) -> np.ndarray:
    # precision-like: undefined (NaN) when the resample has no positive prediction
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(summed[..., 0] / summed[..., 1])


NAN_RATIO = AGGREGATORS.get("test-nan-ratio") or register_aggregator(
    Aggregator("test-nan-ratio", _nan_ratio)
)


@pytest.mark.parametrize(("positives", "has_ci"), [(1, False), (12, True)])
def test_non_finite_resamples_are_counted_and_withhold_the_ci(positives: int, has_ci: bool) -> None:
    n = 60
    predicted = np.zeros(n)
    predicted[:positives] = 1.0
    stats = np.stack([predicted * (np.arange(n) % 2), predicted], axis=1)
    metric = MetricStats("precision", True, stats, NAN_RATIO, "example")
    suite = MetricSuite({"example": tuple(map(str, range(n)))}, (metric,), {})
    got = confidence_entries(suite, resamples=2000, seed=5)["precision"]
    # Oracle: the same draws (same seeding rule) with no positive prediction in them.
    counts = bootstrap_counts(n, 2000, seed=5, unit="example")
    expected = int((counts[:, :positives].sum(axis=1) == 0).sum())
    assert got.dropped == expected
    assert (got.ci_low is not None) is has_ci
    assert (expected > 20) is not has_ci  # 1% of 2000 draws
    assert got.resamples == 2000


def _correlated_retrieval(images: int, per_image: int, seed: int) -> tuple[np.ndarray, list[int]]:
    """Scores where every caption of an image is ranked alike (easy or hard images)."""
    rng = np.random.default_rng(seed)
    targets = [i for i in range(images) for _ in range(per_image)]
    scores = rng.random((images * per_image, images))
    easy = rng.random(images) < 0.5
    rows = np.arange(len(targets))
    scores[rows, targets] = np.where(easy[targets], 2.0, -1.0) + 0.01 * rng.random(len(targets))
    return scores, targets


def _width(low: float | None, high: float | None) -> float:
    assert low is not None and high is not None
    return high - low


def test_clustered_recall_ci_is_wider_when_captions_of_an_image_agree() -> None:
    scores, targets = _correlated_retrieval(300, 5, seed=0)
    clustered = bench.score("retrieval", scores, targets, bootstrap=1000)
    suite = retrieval_metrics_from_scores(scores, targets)  # no clusters: per caption
    per_caption = confidence_entries(suite, resamples=1000, seed=0)["t2i_R@1"]
    assert clustered.values["t2i_R@1"] == per_caption.value
    ratio = _width(*clustered.ci["t2i_R@1"]) / _width(per_caption.ci_low, per_caption.ci_high)
    assert ratio > 1.8  # five identical captions per image: about sqrt(5) wider
    assert clustered.details["bootstrap"]["resampled_by"]["text"] == "image"


def test_clustered_recall_ci_equals_the_per_caption_one_with_one_caption_per_image() -> None:
    scores, targets = _correlated_retrieval(400, 1, seed=1)
    order = np.random.default_rng(2).permutation(400)  # captions in any order
    scores, targets = scores[order], [targets[i] for i in order]
    clustered = bench.score("retrieval", scores, targets, bootstrap=500)
    suite = retrieval_metrics_from_scores(scores, targets)
    per_caption = confidence_entries(suite, resamples=500, seed=0)["t2i_R@1"]
    assert clustered.ci["t2i_R@1"] == (per_caption.ci_low, per_caption.ci_high)


def test_score_and_the_runners_function_give_identical_cis() -> None:
    from modalbench_tasks.retrieval import RESAMPLING_UNIT, text_id

    scores, targets = _correlated_retrieval(100, 5, seed=3)
    image_ids = [f"img{i}" for i in range(100)]
    # The suite as the retrieval task builds it for the runner.
    task_suite = (
        retrieval_metrics_from_scores(scores, targets)
        .with_ids("text", [text_id(image_ids[t], k % 5) for k, t in enumerate(targets)])
        .with_ids("image", image_ids)
        .with_clusters("text", [image_ids[t] for t in targets], by=RESAMPLING_UNIT)
        .with_clusters("image", image_ids, by=RESAMPLING_UNIT)
    )
    run_side = confidence_entries(task_suite, resamples=400, seed=11)
    score_side = bench.score("retrieval", scores, targets, bootstrap=400, seed=11)
    for name, entry in run_side.items():
        assert score_side.values[name] == entry.value
        assert score_side.ci[name] == (entry.ci_low, entry.ci_high), name


def test_sentiment_score_and_runner_cis_are_identical() -> None:
    rng = np.random.default_rng(4)
    gold = [str(x) for x in rng.choice(["neg", "neu", "pos"], 150)]
    pred = [g if rng.random() < 0.7 else "neu" for g in gold]
    refs = [{"id": f"e{i}", "label": g} for i, g in enumerate(gold)]
    preds = [{"id": f"e{i}", "label": p} for i, p in enumerate(pred)]
    report = bench.score("sentiment", preds, refs, bootstrap=300, seed=2)
    assert report.suite is not None
    run_side = confidence_entries(report.suite, resamples=300, seed=2)
    assert {k: (v.ci_low, v.ci_high) for k, v in run_side.items()} == report.ci


def test_the_seeding_rule_names_seed_and_unit_only() -> None:
    assert resampling_seed(3, "text") == resampling_seed(3, "text")
    assert resampling_seed(3, "text") != resampling_seed(3, "image")
    assert resampling_seed(-1, "x")[0] == 2**64 - 1  # any int seeds numpy's generator


def test_metrics_of_a_unit_share_their_resamples() -> None:
    values = np.random.default_rng(0).random(80)
    a = MetricStats("a", True, mean_stats(values), MEAN, "question")
    b = MetricStats("b", True, mean_stats(values), MEAN, "question")
    suite = MetricSuite({"question": tuple(map(str, range(80)))}, (a, b), {})
    got = confidence_entries(suite, resamples=300, seed=1)
    assert (got["a"].ci_low, got["a"].ci_high) == (got["b"].ci_low, got["b"].ci_high)
    only_a = confidence_entries(replace(suite, metrics=(a,)), resamples=300, seed=1)
    assert only_a["a"] == got["a"]


def test_vqa_score_clusters_questions_by_image_like_the_task() -> None:
    from bench.metrics.vqa import vqa_metrics
    from bench.types import Sample
    from modalbench_tasks.vqa import RESAMPLING_UNIT, image_key

    rng = np.random.default_rng(6)
    n = 120
    images = [f"{i // 4}" for i in range(n)]
    answers = {f"q{i}": ["yes"] * 10 for i in range(n)}
    said = {q: ("yes" if rng.random() < 0.6 else "no") for q in answers}
    refs = {
        "annotations": [
            {
                "question_id": q,
                "image_id": images[i],
                "answers": [{"answer": a, "answer_id": j + 1} for j, a in enumerate(ans)],
            }
            for i, (q, ans) in enumerate(answers.items())
        ]
    }
    preds = [{"question_id": q, "answer": a} for q, a in said.items()]
    samples = {q: Sample(q, None, meta={"image_id": images[i]}) for i, q in enumerate(answers)}
    suite = vqa_metrics(answers, said)
    suite = suite.with_clusters(
        "question", [image_key(samples[q]) for q in suite.ids["question"]], by=RESAMPLING_UNIT
    )
    run_side = confidence_entries(suite, resamples=300, seed=0)["accuracy"]
    score_side = bench.score("vqa", preds, refs, bootstrap=300, seed=0)
    assert score_side.ci["accuracy"] == (run_side.ci_low, run_side.ci_high)
