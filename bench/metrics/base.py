"""The metric contract shared by scoring, bootstrap CIs and the paired regression gate.

Every metric is computed from **per-sample statistics**: a float64 array ``stats[n, k]``
(one row per image / question / query / example) and a pure ``aggregate`` that maps the
column sums ``stats.sum(0)`` to the metric value. Corpus-level metrics fit this shape:
BLEU's per-sentence clipped matches, totals and lengths; F1's one-hot confusion cells;
Pearson r's sums of x, y, x², y², xy. Because aggregation only needs sums, a bootstrap
resample is a matrix product ``counts[B, n] @ stats[n, k]``, and the paired bootstrap of
``compare`` reuses the same resample counts on two runs' stats.

Metrics that are not functions of sums (a median rank, AUROC) set ``summable = False``
and aggregate rows directly.

Aggregators are registered by id so that a RunRecord's per-sample JSONL (which stores the
stats rows and the aggregator id of each metric) can be re-aggregated later, e.g. by the
paired bootstrap of ``modalbench compare``, without re-running the task.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Aggregator:
    """How per-sample stats become a metric value.

    Attributes:
        id: stable registry key stored in RunRecords (``"mean"``, ``"bleu-4"``...).
        fn: summed stats ``[..., k] -> [...]`` when ``summable``, else rows ``[m, k] -> scalar``.
        summable: whether ``fn`` takes column sums (enables the vectorised bootstrap).
        resample: optional vectorised bootstrap for a non-summable aggregator:
            ``(stats[n, k], counts[B, n]) -> values[B]`` (the value of each resample, where
            row ``i`` is taken ``counts[b, i]`` times). Without it the rows are repeated and
            ``fn`` is called once per resample.
    """

    id: str
    fn: Callable[[FloatArray], FloatArray]
    summable: bool = True
    resample: Callable[[FloatArray, FloatArray], FloatArray] | None = None


AGGREGATORS: dict[str, Aggregator] = {}


def register_aggregator(aggregator: Aggregator) -> Aggregator:
    """Add an aggregator to the registry (ids are unique); returns it for module constants."""
    existing = AGGREGATORS.get(aggregator.id)
    if existing is not None and existing is not aggregator:
        raise ValueError(f"aggregator id {aggregator.id!r} is already registered")
    AGGREGATORS[aggregator.id] = aggregator
    return aggregator


def _mean_of_first_column(summed: FloatArray) -> FloatArray:
    # stats = [score, 1]: the mean is sum(score) / count, defined as 0 for no samples.
    total = summed[..., 0]
    count = summed[..., 1]
    return np.divide(total, count, out=np.zeros_like(total), where=count > 0)


#: The mean of a per-sample score; stats rows are ``[score, 1.0]``.
MEAN = register_aggregator(Aggregator("mean", _mean_of_first_column))


def mean_stats(scores: npt.ArrayLike) -> FloatArray:
    """Stats rows ``[score, 1]`` for a metric that is the mean of per-sample scores."""
    values = np.asarray(scores, dtype=np.float64).reshape(-1)
    return np.stack([values, np.ones_like(values)], axis=1)


@dataclass(frozen=True)
class MetricStats:
    """A metric's per-sample statistics and how to turn them into the metric value.

    Attributes:
        name: the output key (``"CIDEr"``, ``"accuracy"``, ``"t2i_R@1"``...).
        higher_is_better: direction used by tables, leaderboards and the regression gate.
        stats: ``[n, k]`` per-sample statistics; row ``i`` belongs to ``ids[unit][i]`` of
            the :class:`MetricSuite` that holds this metric.
        aggregator: turns stats into the value (see :class:`Aggregator`).
        unit: what a row is (``"image"``, ``"question"``, ``"text"``, ``"example"``); the
            bootstrap resamples rows of one unit.
    """

    name: str
    higher_is_better: bool
    stats: FloatArray
    aggregator: Aggregator
    unit: str = "sample"

    def value(self) -> float:
        """The metric over all samples."""
        if self.aggregator.summable:
            return float(self.aggregator.fn(self.stats.sum(axis=0)))
        return float(self.aggregator.fn(self.stats))

    def resampled(self, counts: FloatArray) -> FloatArray:
        """Metric values under bootstrap resamples given as multiplicity ``counts[B, n]``."""
        if self.aggregator.summable:
            return np.asarray(self.aggregator.fn(counts @ self.stats), dtype=np.float64)
        if self.aggregator.resample is not None:
            return np.asarray(self.aggregator.resample(self.stats, counts), dtype=np.float64)
        out = np.empty(counts.shape[0], dtype=np.float64)
        for b, row in enumerate(counts):
            idx = np.repeat(np.arange(row.shape[0]), row.astype(np.int64))
            out[b] = float(self.aggregator.fn(self.stats[idx]))
        return out


@dataclass(frozen=True)
class MetricSuite:
    """Everything a family's metrics produced for one set of predictions.

    Attributes:
        ids: per unit, the sample ids in stats-row order.
        metrics: the metrics, in display order.
        details: JSON-serialisable extras (breakdowns by answer type, skipped metrics and
            why, counts of missing predictions...).
    """

    ids: Mapping[str, tuple[str, ...]]
    metrics: tuple[MetricStats, ...]
    details: Mapping[str, Any]

    def with_ids(self, unit: str, ids: Sequence[str]) -> MetricSuite:
        """A copy whose ``unit`` rows are named by ``ids`` (same length, same order)."""
        if len(ids) != len(self.ids[unit]):
            raise ValueError(f"{len(ids)} ids for {len(self.ids[unit])} '{unit}' rows")
        return replace(self, ids={**self.ids, unit: tuple(ids)})

    def by_name(self, name: str) -> MetricStats:
        """The metric called ``name``; KeyError if absent."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(name)


@dataclass(frozen=True)
class MetricValue:
    """A metric value with its bootstrap 95% confidence interval (bounds may be None)."""

    value: float
    ci_low: float | None
    ci_high: float | None
    higher_is_better: bool


def bootstrap_counts(n: int, resamples: int, seed: int) -> FloatArray:
    """Multinomial resample counts ``[resamples, n]`` (each row sums to ``n``), seeded."""
    rng = np.random.default_rng(seed)
    if n == 0:
        return np.zeros((resamples, 0), dtype=np.float64)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(np.float64)


def with_confidence(
    metric: MetricStats,
    *,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    counts: FloatArray | None = None,
) -> MetricValue:
    """The metric value plus a percentile bootstrap CI over samples (seeded).

    ``counts`` may pass precomputed :func:`bootstrap_counts` (shared by the metrics of one
    unit, which also makes their resamples paired); it overrides ``resamples``/``seed``.
    """
    value = metric.value()
    n = metric.stats.shape[0]
    if n < 2 or (resamples <= 0 and counts is None):
        return MetricValue(value, None, None, metric.higher_is_better)
    if counts is None:
        counts = bootstrap_counts(n, resamples, seed)
    draws = metric.resampled(counts)
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return MetricValue(value, None, None, metric.higher_is_better)
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(draws, [alpha, 1.0 - alpha])
    return MetricValue(value, float(low), float(high), metric.higher_is_better)
