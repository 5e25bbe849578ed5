"""Simulation of the regression gate's error rates (the figures in docs/compare.md).

A model is compared with a copy of itself re-run under seeded noise: each of ``n`` questions
has its own chance of being answered right, the baseline draws every answer once, and the
candidate re-draws a fraction ``NOISE`` of them from the same distribution (what a re-run on
another machine or library version does). Four headline metrics per comparison (like a
suite of four tasks) go through the gate exactly as ``compare`` runs it: the paired
bootstrap of :mod:`bench.report.paired`, then :func:`bench.report.compare.decide`
(one-sided tests, Holm-Bonferroni over the family).

Tolerance: 200 repetitions estimate a rate with a standard error of about 0.015 at 0.05, so
a family-wise false-regression rate is accepted up to ``ALPHA + 0.03`` (two standard errors).
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.metrics.base import MEAN, MetricStats, mean_stats, resampling_seed
from bench.report.compare import (
    CompareSettings,
    MetricComparison,
    PairComparison,
    RunRef,
    Verdict,
    decide,
)
from bench.report.paired import paired_bootstrap_many

pytestmark = pytest.mark.slow

REPETITIONS = 200
#: questions per task: 5,000 for the power figure, 1,000 for the false-alarm figures
N_POWER, N_NULL = 5000, 1000
METRICS = 4
NOISE = 0.05
RESAMPLES = 500
ALPHA = 0.05
MAX_DROP = 0.01
TOLERANCE = 0.03


def _metric(outcomes: np.ndarray) -> MetricStats:
    return MetricStats("accuracy", True, mean_stats(outcomes), MEAN, "question")


def _comparison(
    rng: np.random.Generator, drops: list[float], n: int
) -> list[tuple[MetricStats, MetricStats]]:
    """Per metric, baseline and candidate stats; the candidate loses ``drop * n`` answers."""
    pairs = []
    for drop in drops:
        chance = rng.beta(2.0, 1.5, n)
        baseline = (rng.random(n) < chance).astype(float)
        rerun = rng.random(n) < NOISE
        candidate = np.where(rerun, rng.random(n) < chance, baseline).astype(float)
        lost = rng.choice(np.flatnonzero(candidate), size=round(drop * n), replace=False)
        candidate[lost] = 0.0
        pairs.append((_metric(baseline), _metric(candidate)))
    return pairs


def _gate(
    pairs: list[tuple[MetricStats, MetricStats]], max_drop: float, rep: int
) -> list[MetricComparison]:
    """The gate's decisions, computed as ``compare`` computes them."""
    settings = CompareSettings(ALPHA, max_drop, RESAMPLES, rep)
    estimates = paired_bootstrap_many(
        pairs,
        resamples=RESAMPLES,
        seed=resampling_seed(rep, "question"),
        level=settings.level,
        max_drop=max_drop,
    )
    ref = RunRef("", "", "sim", "model", "")
    metrics = tuple(
        MetricComparison(f"m{i}", "question", True, True, 0, e, Verdict.NO_CHANGE)
        for i, e in enumerate(estimates)
    )
    decided = decide([PairComparison("sim", "", ref, ref, metrics)], settings)
    return list(decided[0].metrics)


def _rates(
    drops: list[float], max_drop: float, n: int, seed: int
) -> tuple[float, float, list[float]]:
    """Family-wise rate with Holm, without it (raw p < alpha), and per-metric flag rates."""
    rng = np.random.default_rng(seed)
    any_holm = any_raw = 0
    flagged = np.zeros(len(drops))
    for rep in range(REPETITIONS):
        decided = _gate(_comparison(rng, drops, n), max_drop, rep)
        regressed = np.array([m.verdict is Verdict.REGRESSED for m in decided])
        flagged += regressed
        any_holm += bool(regressed.any())
        raw = [m.estimate.p_value for m in decided if m.estimate is not None]
        any_raw += any(p is not None and p < ALPHA for p in raw)
    return any_holm / REPETITIONS, any_raw / REPETITIONS, list(flagged / REPETITIONS)


def test_a_copy_of_itself_rarely_regresses_even_with_no_tolerance() -> None:
    # max-drop 0 puts an unchanged model exactly on H0's boundary: the hardest null.
    holm, raw, _ = _rates([0.0] * METRICS, 0.0, N_NULL, seed=1)
    print(f"unchanged, max-drop 0: family-wise {holm:.3f} with Holm, {raw:.3f} without")
    assert holm <= ALPHA + TOLERANCE
    assert raw > holm  # without the adjustment four tests alarm more often


def test_a_drop_of_exactly_max_drop_rarely_regresses() -> None:
    # Every metric loses exactly MAX_DROP: the boundary of H0 "worse by at most max-drop".
    holm, raw, _ = _rates([MAX_DROP] * METRICS, MAX_DROP, N_NULL, seed=2)
    print(f"drop = max-drop: family-wise {holm:.3f} with Holm, {raw:.3f} without")
    assert holm <= ALPHA + TOLERANCE


def test_a_drop_of_twice_max_drop_is_flagged() -> None:
    _, _, flagged = _rates([2 * MAX_DROP] + [0.0] * (METRICS - 1), MAX_DROP, N_POWER, seed=3)
    print(f"drop = 2 x max-drop on 1 of {METRICS}: flagged {flagged[0]:.3f}; others {flagged[1:]}")
    assert flagged[0] >= 0.80
    assert max(flagged[1:]) <= ALPHA + TOLERANCE
