"""Paired bootstrap of a metric difference between two runs over the same samples.

Both runs are scored on identical samples, so their per-sample errors are correlated; an
unpaired test (two independent CIs) ignores that and misses small but consistent changes.
Here each bootstrap draw picks one multiset of sample indices and re-aggregates **both**
runs' stats rows on it, so the draw's delta ``candidate* - baseline*`` keeps the pairing:

- the delta is ``candidate - baseline`` on all samples;
- the ``level`` CI is the percentile interval of the delta draws;
- the two-sided p-value inverts that percentile interval:
  ``p = min(1, 2 * min(#{d* <= 0} + 1, #{d* >= 0} + 1) / (B + 1))``
  over the ``B`` finite draws ``d*``. The ``+1`` is the usual Monte Carlo correction (the
  observed data counts as one of the draws; Davison & Hinkley 1997, ch. 4), so p is never 0
  with finitely many draws (its floor is ``2 / (B + 1)``), and
  ``p < alpha`` exactly when 0 lies outside the percentile interval of level ``1 - alpha``
  (up to that correction): the verdict and the printed CI never disagree. Draws equal to 0
  count on both sides, so two identical runs get ``p = 1``.

Resample counts are drawn in chunks of rows (``[k, n]`` multiplicities) so memory stays
bounded for large test sets; summable metrics re-aggregate a chunk as one matrix product.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from bench.metrics.base import FloatArray, MetricStats

#: Upper bound on the elements of one chunk of resample counts (float64: 32 MiB).
_CHUNK_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class PairedEstimate:
    """The difference of one metric between two runs, with its paired bootstrap.

    Attributes:
        baseline, candidate: the metric on all samples for each run.
        delta: ``candidate - baseline``.
        ci_low, ci_high: percentile bootstrap interval of the delta (None: not computable).
        p_value: two-sided bootstrap p-value for "no difference" (None: not computable).
        draws: finite bootstrap draws the CI and p-value are based on.
    """

    baseline: float
    candidate: float
    delta: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    draws: int


def resample_counts(n: int, resamples: int, seed: Sequence[int]) -> Iterator[FloatArray]:
    """Bootstrap multiplicities ``[k, n]`` (rows sum to ``n``), ``resamples`` rows in all.

    Each row is ``n`` indices drawn uniformly with replacement, counted per index: the same
    distribution as ``multinomial(n, 1/n)`` (and much faster to draw), generated in
    bounded-memory chunks from one seeded generator, so the whole sequence depends only on
    ``(n, resamples, seed)``.
    """
    rng = np.random.default_rng(list(seed))
    chunk = max(1, min(resamples, _CHUNK_ELEMENTS // max(n, 1)))
    index_type = np.int32 if n < 2**31 else np.int64
    done = 0
    while done < resamples:
        k = min(chunk, resamples - done)
        picks = rng.integers(0, n, size=(k, n), dtype=index_type)
        counts = np.empty((k, n), dtype=np.float64)
        for row in range(k):  # one row at a time: its counts stay in cache
            counts[row] = np.bincount(picks[row], minlength=n)
        yield counts
        done += k


def bootstrap_p_value(deltas: FloatArray) -> float:
    """Two-sided p-value for "delta is 0" from bootstrap draws of the delta (see module)."""
    total = int(deltas.size)
    below = int(np.count_nonzero(deltas <= 0.0))
    above = int(np.count_nonzero(deltas >= 0.0))
    return min(1.0, 2.0 * (min(below, above) + 1) / (total + 1))


def _estimate(
    baseline: MetricStats, candidate: MetricStats, draws: FloatArray | None, level: float
) -> PairedEstimate:
    base_value = baseline.value()
    cand_value = candidate.value()
    delta = cand_value - base_value
    if draws is not None:
        draws = draws[np.isfinite(draws)]
    if draws is None or draws.size == 0:
        return PairedEstimate(base_value, cand_value, delta, None, None, None, 0)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail])
    return PairedEstimate(
        base_value,
        cand_value,
        delta,
        float(low),
        float(high),
        bootstrap_p_value(draws),
        int(draws.size),
    )


def paired_bootstrap_many(
    pairs: Sequence[tuple[MetricStats, MetricStats]],
    *,
    resamples: int,
    seed: Sequence[int],
    level: float = 0.95,
) -> list[PairedEstimate]:
    """Paired bootstraps of several metrics of one unit, all on the same resamples.

    Args:
        pairs: ``(baseline, candidate)`` per metric; every stats matrix has the same rows,
            row ``i`` being the same sample in all of them.
        resamples: bootstrap draws (0 disables the CI and p-value).
        seed: seeds the resample counts; both runs always share them.
        level: the CI's coverage (``1 - alpha`` keeps it consistent with the test).
    """
    sizes = {m.stats.shape[0] for pair in pairs for m in pair}
    if len(sizes) > 1:
        raise ValueError("paired stats must have the same rows")
    n = sizes.pop() if sizes else 0
    if n < 2 or resamples <= 0:
        return [_estimate(b, c, None, level) for b, c in pairs]
    parts: list[list[FloatArray]] = [[] for _ in pairs]
    for counts in resample_counts(n, resamples, seed):
        for i, (b, c) in enumerate(pairs):
            parts[i].append(c.resampled(counts) - b.resampled(counts))
    return [
        _estimate(b, c, np.concatenate(drawn), level)
        for (b, c), drawn in zip(pairs, parts, strict=True)
    ]


def paired_bootstrap(
    baseline: MetricStats,
    candidate: MetricStats,
    *,
    resamples: int,
    seed: Sequence[int],
    level: float = 0.95,
) -> PairedEstimate:
    """Paired bootstrap of ``candidate - baseline``; rows ``i`` of both are the same sample."""
    return paired_bootstrap_many(
        [(baseline, candidate)], resamples=resamples, seed=seed, level=level
    )[0]
