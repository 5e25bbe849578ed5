"""Retrieval recall@k matches CLIP_benchmark; ranks match a brute-force stable sort."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from clip_benchmark.metrics.zeroshot_retrieval import batchify, recall_at_k

from bench.metrics.base import with_confidence
from bench.metrics.retrieval import (
    ranks_from_scores,
    retrieval_metrics_from_embeddings,
    retrieval_metrics_from_scores,
)


def _data(seed: int, n_images: int, per_image: int, tie_heavy: bool):
    rng = np.random.default_rng(seed)
    targets = np.repeat(np.arange(n_images), per_image)
    rng.shuffle(targets)
    shape = (targets.size, n_images)
    if tie_heavy:
        levels = max(3, shape[1] // 8)  # about 8 candidates share each score
        scores = rng.integers(0, levels, size=shape).astype(np.float32)
        lucky = rng.random(targets.size) < 0.5  # half the positives tie with the row's best
        scores[np.flatnonzero(lucky), targets[lucky]] = levels - 1
    else:
        scores = rng.standard_normal(shape).astype(np.float32)
    return scores, targets


def _clip_benchmark_hits(scores: np.ndarray, targets: np.ndarray, k: int):
    s = torch.from_numpy(scores)
    positive = torch.zeros_like(s, dtype=torch.bool)
    positive[torch.arange(len(s)), torch.from_numpy(targets)] = True
    t2i = (batchify(recall_at_k, s, positive, 64, "cpu", k=k) > 0).numpy()
    i2t = (batchify(recall_at_k, s.T, positive.T, 64, "cpu", k=k) > 0).numpy()
    return t2i, i2t


def _stable_topk_is_torchs(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows where torch.topk returned the same set as a stable descending sort."""
    torch_sets = torch.topk(torch.from_numpy(scores), k, dim=1)[1].numpy()
    stable = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.array([set(a) == set(b) for a, b in zip(torch_sets, stable, strict=True)])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_clip_benchmark_on_random_scores(seed: int) -> None:
    scores, targets = _data(seed, 80, 5, tie_heavy=False)
    suite = retrieval_metrics_from_scores(scores, targets, chunk_size=37)
    for k in (1, 5, 10):
        t2i, i2t = _clip_benchmark_hits(scores, targets, k)
        assert suite.by_name(f"t2i_R@{k}").value() == pytest.approx(t2i.mean(), abs=1e-12)
        assert suite.by_name(f"i2t_R@{k}").value() == pytest.approx(i2t.mean(), abs=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_clip_benchmark_on_tie_heavy_scores_wherever_torch_is_stable(seed: int) -> None:
    scores, targets = _data(seed, 1000, 2, tie_heavy=True)
    ranks = ranks_from_scores(scores, targets)
    pessimistic = ranks_from_scores(scores, targets, ties="pessimistic")
    for k in (1, 5, 10):
        t2i, i2t = _clip_benchmark_hits(scores, targets, k)
        rows = _stable_topk_is_torchs(scores, k)
        cols = _stable_topk_is_torchs(np.ascontiguousarray(scores.T), k)
        # the comparison is meaningful: ties decide many of the compared queries
        decided_by_ties = (ranks.t2i <= k) != (pessimistic.t2i <= k)
        assert (rows & decided_by_ties).sum() > 50
        assert cols.sum() > 0
        np.testing.assert_array_equal((ranks.t2i <= k)[rows], t2i[rows])
        np.testing.assert_array_equal((ranks.i2t <= k)[cols], i2t[cols])


@pytest.mark.parametrize("tie_heavy", [False, True])
def test_ranks_equal_a_brute_force_stable_sort(tie_heavy: bool) -> None:
    scores, targets = _data(5, 40, 3, tie_heavy=tie_heavy)
    ranks = ranks_from_scores(scores, targets, chunk_size=7)
    for t in range(len(targets)):
        order = np.argsort(-scores[t], kind="stable")
        assert ranks.t2i[t] == 1 + int(np.flatnonzero(order == targets[t])[0])
    for i in range(40):
        order = np.argsort(-scores[:, i], kind="stable")
        positions = np.flatnonzero(np.isin(order, np.flatnonzero(targets == i)))
        assert ranks.i2t[i] == 1 + int(positions[0])


def test_pessimistic_ties_rank_every_equal_candidate_first() -> None:
    scores = np.zeros((4, 2))
    targets = [0, 0, 1, 1]
    ranks = ranks_from_scores(scores, targets, ties="pessimistic")
    assert ranks.t2i.tolist() == [2, 2, 2, 2]
    assert ranks.i2t.tolist() == [3, 3]  # the two captions of the other image come first
    index = ranks_from_scores(scores, targets, ties="index")
    assert index.t2i.tolist() == [1, 1, 2, 2]
    assert index.i2t.tolist() == [1, 3]


def test_failed_queries_and_items() -> None:
    scores = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.1, 0.2, 0.7], [0.0, 0.0, 0.9]])
    targets = [0, 1, 2, 2]
    ranks = ranks_from_scores(scores, targets, failed_texts=[0], failed_images=[1])
    assert ranks.t2i.tolist() == [3, 3, 1, 1]  # failed text: worst; text of a failed image: worst
    assert ranks.i2t[1] == 5  # failed image: a miss
    assert ranks.i2t[0] == 5  # its only caption failed: a miss
    assert ranks.i2t[2] == 1
    suite = retrieval_metrics_from_scores(scores, targets, failed_texts=[0], failed_images=[1])
    assert suite.by_name("t2i_R@1").value() == 0.5
    assert suite.details["failed_texts"] == 1


def test_nan_is_rejected_with_its_position_unless_failed() -> None:
    scores = np.ones((3, 2))
    scores[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"\[2, 1\]"):
        ranks_from_scores(scores, [0, 1, 1])
    ranks_from_scores(scores, [0, 1, 1], failed_texts=[2])


def test_embeddings_path_equals_scores_path() -> None:
    rng = np.random.default_rng(1)
    texts = rng.standard_normal((90, 8))
    images = rng.standard_normal((30, 8))
    targets = rng.integers(0, 30, 90)
    a = retrieval_metrics_from_scores(texts @ images.T, targets)
    b = retrieval_metrics_from_embeddings(
        torch.from_numpy(texts), torch.from_numpy(images), targets, chunk_size=11, failed_texts=None
    )
    assert [m.value() for m in a.metrics] == [m.value() for m in b.metrics]
    c = retrieval_metrics_from_scores(
        texts @ images.T, targets, failed_texts=[3], failed_images=[4], ties="pessimistic"
    )
    d = retrieval_metrics_from_embeddings(
        texts, images, targets, failed_texts=[3], failed_images=[4], ties="pessimistic"
    )
    assert [m.value() for m in c.metrics] == [m.value() for m in d.metrics]


def test_median_rank_bootstrap_equals_the_median_of_each_resample() -> None:
    scores, targets = _data(3, 50, 2, tie_heavy=False)
    suite = retrieval_metrics_from_scores(scores, targets)
    median = suite.by_name("t2i_median_rank")
    assert median.value() == float(np.median(ranks_from_scores(scores, targets).t2i))
    from bench.metrics.base import bootstrap_counts

    counts = bootstrap_counts(median.stats.shape[0], 40, seed=3)
    fast = median.resampled(counts)
    for row, value in zip(counts, fast, strict=True):
        repeated = np.repeat(median.stats[:, 0], row.astype(int))
        assert value == float(np.median(repeated))
    assert with_confidence(median, resamples=200).ci_low is not None


MEMORY_SCRIPT = textwrap.dedent(
    """
    import resource, sys, numpy as np, torch
    from bench.metrics.retrieval import retrieval_metrics_from_embeddings
    n_images, n_texts = int(sys.argv[1]), int(sys.argv[2])
    torch.manual_seed(0)
    images = torch.randn(n_images, 16)
    texts = images.repeat_interleave(n_texts // n_images, dim=0)
    texts = texts + 0.5 * torch.randn(texts.shape)
    targets = np.repeat(np.arange(n_images), n_texts // n_images)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    suite = retrieval_metrics_from_embeddings(texts, images, targets)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(peak // 1024, (peak - base) // 1024, suite.by_name("t2i_R@1").value())
    """
)


def peak_memory_mb(n_images: int, n_texts: int) -> tuple[int, int, float]:
    """(peak RSS, growth during scoring) in MB and t2i R@1, measured in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(n_images), str(n_texts)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    peak, growth, recall = done.stdout.split()
    return int(peak), int(growth), float(recall)


@pytest.mark.slow
def test_chunked_scoring_never_holds_the_score_matrix() -> None:
    """5k images x 40k texts: the float32 score matrix alone would take 800 MB."""
    _, growth, recall = peak_memory_mb(5_000, 40_000)
    assert growth < 400
    assert 0.0 < recall <= 1.0
