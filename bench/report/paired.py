"""Paired, clustered bootstrap of a metric difference between two runs, and Holm's procedure.

Both runs are scored on identical samples, so their per-sample errors are correlated; an
unpaired test (two independent CIs) ignores that and misses small but consistent changes.
Each bootstrap draw takes one multiset of clusters (:func:`bench.metrics.base.resample_counts`,
the resampler ``run`` and ``score`` use too) and re-aggregates **both** runs' stats rows on
it, so the draw's delta ``d* = candidate* - baseline*`` keeps the pairing. With the
metric's direction, the draw's *gain* is ``g* = d*`` (higher is better) or ``-d*``.

The regression test is one-sided with a tolerance ``m`` (``--max-drop``):
``H0: gain >= -m`` against ``H1: gain < -m`` ("worse by more than m"), with the percentile
bootstrap p-value

    ``p = (#{g* >= -m} + 1) / (B + 1)``

over the ``B`` draws. ``p < alpha`` exactly when the upper end of the one-sided ``1 - alpha``
percentile bound of the gain lies below ``-m`` (up to the ``+1``, the usual Monte Carlo
correction that counts the observed data as one draw; Davison & Hinkley 1997, ch. 4). Two
identical runs get ``p = 1`` for every ``m >= 0``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.metrics.base import (
    MAX_DROPPED_FRACTION,
    FloatArray,
    IntArray,
    MetricStats,
    resample_counts,
)


@dataclass(frozen=True)
class PairedEstimate:
    """The difference of one metric between two runs, with its paired bootstrap.

    Attributes:
        baseline, candidate: the metric on all samples for each run.
        delta: ``candidate - baseline``.
        ci_low, ci_high: percentile interval of the delta at the requested level (None: not
            computable).
        p_value: one-sided p-value of "worse by more than max_drop" (None: not computable).
        draws: bootstrap draws made.
        dropped: draws whose delta was not finite; above 1% of the draws there is no CI
            and no p-value.
    """

    baseline: float
    candidate: float
    delta: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    draws: int
    dropped: int = 0


def regression_p_value(gains: FloatArray, max_drop: float) -> float:
    """One-sided p for ``H0: gain >= -max_drop`` from bootstrap draws of the gain."""
    holding = int(np.count_nonzero(gains >= -max_drop))
    return min(1.0, (holding + 1) / (gains.size + 1))


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (same order as given).

    Sorted ascending, ``p_(i)`` becomes ``max_{j <= i} min(1, (m - j + 1) * p_(j))``;
    rejecting every hypothesis whose adjusted p is below ``alpha`` controls the family-wise
    error rate at ``alpha`` under any dependence between the tests (Holm 1979).
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def _estimate(
    baseline: MetricStats,
    candidate: MetricStats,
    draws: FloatArray | None,
    level: float,
    max_drop: float,
) -> PairedEstimate:
    base_value = baseline.value()
    cand_value = candidate.value()
    delta = cand_value - base_value
    if draws is None or draws.size == 0:
        return PairedEstimate(base_value, cand_value, delta, None, None, None, 0)
    finite = draws[np.isfinite(draws)]
    dropped = int(draws.size - finite.size)
    if finite.size == 0 or dropped > MAX_DROPPED_FRACTION * draws.size or not np.isfinite(delta):
        return PairedEstimate(base_value, cand_value, delta, None, None, None, draws.size, dropped)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    gains = finite if baseline.higher_is_better else -finite
    return PairedEstimate(
        base_value,
        cand_value,
        delta,
        float(low),
        float(high),
        regression_p_value(gains, max_drop),
        int(draws.size),
        dropped,
    )


def paired_bootstrap_many(
    pairs: Sequence[tuple[MetricStats, MetricStats]],
    *,
    resamples: int,
    seed: Sequence[int],
    level: float = 0.90,
    max_drop: float = 0.0,
    clusters: IntArray | None = None,
) -> list[PairedEstimate]:
    """Paired bootstraps of several metrics of one unit, all on the same resamples.

    Args:
        pairs: ``(baseline, candidate)`` per metric; every stats matrix has the same rows,
            row ``i`` being the same sample in all of them.
        resamples: bootstrap draws (0 disables the CI and p-value).
        seed: seeds the resample counts (:func:`bench.metrics.base.resampling_seed`).
        level: the two-sided CI's coverage; ``1 - 2 * alpha`` makes each end the one-sided
            ``1 - alpha`` bound the test uses.
        max_drop: the tolerance ``m`` of the one-sided test (metric units, >= 0).
        clusters: per row, its cluster index (None: independent rows).
    """
    sizes = {m.stats.shape[0] for pair in pairs for m in pair}
    if len(sizes) > 1:
        raise ValueError("paired stats must have the same rows")
    n = sizes.pop() if sizes else 0
    groups = int(clusters.max()) + 1 if clusters is not None and n else n
    if groups < 2 or resamples <= 0:
        return [_estimate(b, c, None, level, max_drop) for b, c in pairs]
    parts: list[list[FloatArray]] = [[] for _ in pairs]
    for counts in resample_counts(n, resamples, seed, clusters):
        for i, (b, c) in enumerate(pairs):
            with np.errstate(invalid="ignore", divide="ignore"):
                parts[i].append(c.resampled(counts) - b.resampled(counts))
    return [
        _estimate(b, c, np.concatenate(drawn), level, max_drop)
        for (b, c), drawn in zip(pairs, parts, strict=True)
    ]


def paired_bootstrap(
    baseline: MetricStats,
    candidate: MetricStats,
    *,
    resamples: int,
    seed: Sequence[int],
    level: float = 0.90,
    max_drop: float = 0.0,
    clusters: IntArray | None = None,
) -> PairedEstimate:
    """Paired bootstrap of ``candidate - baseline``; rows ``i`` of both are the same sample."""
    return paired_bootstrap_many(
        [(baseline, candidate)],
        resamples=resamples,
        seed=seed,
        level=level,
        max_drop=max_drop,
        clusters=clusters,
    )[0]
