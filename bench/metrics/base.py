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

**One resampler, one seeding rule.** :func:`resample_counts` is the only bootstrap draw in
modalbench: ``run``'s CIs, ``score``'s CIs and ``compare``'s paired test all use it, seeded
by :func:`resampling_seed` from ``(seed, unit)`` only, and drawn in bounded-memory chunks.
Rows that share a cluster (the questions of one image, the captions of one image) are
resampled together: a draw picks clusters with replacement and every row takes its
cluster's multiplicity. Without clusters each row is its own cluster, which gives exactly
the ordinary bootstrap.

Aggregators are registered by id so that a RunRecord's per-sample JSONL (which stores the
stats rows and the aggregator id of each metric) can be re-aggregated later, e.g. by the
paired bootstrap of ``modalbench compare``, without re-running the task.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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
class Clustering:
    """Which rows of a unit are resampled together.

    Attributes:
        by: what a cluster is (``"image"``): the task's unit of resampling.
        ids: per row of the unit, in row order, the id of its cluster.
    """

    by: str
    ids: tuple[str, ...]


@dataclass(frozen=True)
class MetricSuite:
    """Everything a family's metrics produced for one set of predictions.

    Attributes:
        ids: per unit, the sample ids in stats-row order.
        metrics: the metrics, in display order.
        details: JSON-serialisable extras (breakdowns by answer type, skipped metrics and
            why, counts of missing predictions...).
        clusters: per unit, the cluster of each row (a unit absent here has independent
            rows); set by the task with :meth:`with_clusters`.
    """

    ids: Mapping[str, tuple[str, ...]]
    metrics: tuple[MetricStats, ...]
    details: Mapping[str, Any]
    clusters: Mapping[str, Clustering] = field(default_factory=dict)

    def with_ids(self, unit: str, ids: Sequence[str]) -> MetricSuite:
        """A copy whose ``unit`` rows are named by ``ids`` (same length, same order)."""
        if len(ids) != len(self.ids[unit]):
            raise ValueError(f"{len(ids)} ids for {len(self.ids[unit])} '{unit}' rows")
        return replace(self, ids={**self.ids, unit: tuple(ids)})

    def with_clusters(self, unit: str, cluster_ids: Sequence[str], *, by: str) -> MetricSuite:
        """A copy whose ``unit`` rows are resampled in clusters (one id per row, in order)."""
        if len(cluster_ids) != len(self.ids[unit]):
            raise ValueError(
                f"{len(cluster_ids)} cluster ids for {len(self.ids[unit])} '{unit}' rows"
            )
        clustering = Clustering(by, tuple(str(c) for c in cluster_ids))
        return replace(self, clusters={**self.clusters, unit: clustering})

    def by_name(self, name: str) -> MetricStats:
        """The metric called ``name``; KeyError if absent."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(name)


#: A CI is withheld when more than this fraction of its resamples is not finite.
MAX_DROPPED_FRACTION = 0.01

#: Upper bound on the elements of one chunk of resample counts (float64: 32 MiB).
CHUNK_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class MetricValue:
    """A metric value with its bootstrap confidence interval.

    Attributes:
        value: the metric on all rows.
        ci_low, ci_high: percentile bounds; None when there is no CI (fewer than two rows,
            bootstrap disabled, or more than :data:`MAX_DROPPED_FRACTION` of the resamples
            not finite).
        higher_is_better: the metric's direction.
        resamples: bootstrap draws made (0: none).
        dropped: draws whose value was not finite (NaN/inf: e.g. AUROC of a one-class
            resample), left out of the CI.
        clusters: clusters resampled (equal to the rows when they are independent).
        clustered_by: what a cluster is (``"image"``), None for independent rows.
    """

    value: float
    ci_low: float | None
    ci_high: float | None
    higher_is_better: bool
    resamples: int = 0
    dropped: int = 0
    clusters: int = 0
    clustered_by: str | None = None


def resampling_seed(seed: int, unit: str) -> list[int]:
    """The one seeding rule: the resamples of a unit depend only on ``(seed, unit)``.

    ``run``, ``score`` and ``compare`` all seed :func:`resample_counts` with it, so the same
    predictions and seed give the same CIs whichever command computed them.
    """
    return [seed % (1 << 64), zlib.crc32(unit.encode("utf-8"))]


def cluster_index(cluster_ids: Sequence[str] | None, n: int) -> IntArray:
    """Per row, the index of its cluster (clusters numbered by first appearance).

    ``None`` means independent rows: row ``i`` is cluster ``i``.
    """
    if cluster_ids is None:
        return np.arange(n, dtype=np.int64)
    if len(cluster_ids) != n:
        raise ValueError(f"{len(cluster_ids)} cluster ids for {n} rows")
    numbers: dict[str, int] = {}
    return np.fromiter(
        (numbers.setdefault(c, len(numbers)) for c in cluster_ids), dtype=np.int64, count=n
    )


def resample_counts(
    n: int, resamples: int, seed: Sequence[int], clusters: IntArray | None = None
) -> Iterator[FloatArray]:
    """Bootstrap row multiplicities ``[k, n]``, ``resamples`` rows in all, in chunks.

    Each draw picks ``m`` of the ``m`` clusters uniformly with replacement (the same
    distribution as ``multinomial(m, 1/m)``) and gives every row its cluster's count; with
    ``clusters=None`` each row is its own cluster (the ordinary bootstrap). Chunks hold at
    most about :data:`CHUNK_ELEMENTS` counts, so memory does not grow with ``resamples``;
    the whole sequence depends only on ``(n, resamples, seed, clusters)``.

    Args:
        n: rows.
        resamples: draws in all.
        seed: entropy for ``numpy.random.default_rng`` (see :func:`resampling_seed`).
        clusters: per row, its cluster index in ``0..m-1`` (see :func:`cluster_index`).
    """
    index = np.arange(n, dtype=np.int64) if clusters is None else clusters
    m = int(index.max()) + 1 if n else 0
    rng = np.random.default_rng(list(seed))
    chunk = max(1, min(resamples, CHUNK_ELEMENTS // max(n, 1)))
    index_type = np.int32 if m < 2**31 else np.int64
    done = 0
    while done < resamples:
        k = min(chunk, resamples - done)
        if m == 0:
            yield np.zeros((k, 0), dtype=np.float64)
            done += k
            continue
        picks = rng.integers(0, m, size=(k, m), dtype=index_type)
        counts = np.empty((k, m), dtype=np.float64)
        for row in range(k):  # one row at a time: its counts stay in cache
            counts[row] = np.bincount(picks[row], minlength=m)
        yield counts if clusters is None else counts[:, index]
        done += k


def bootstrap_counts(n: int, resamples: int, seed: int, unit: str = "") -> FloatArray:
    """All of :func:`resample_counts` for independent rows as one ``[resamples, n]`` matrix.

    Dense: for tests and small ``n`` only; CIs use the chunked draws directly.
    """
    chunks = list(resample_counts(n, resamples, resampling_seed(seed, unit)))
    return np.concatenate(chunks) if chunks else np.zeros((0, n), dtype=np.float64)


def percentile_ci(
    value: float, draws: FloatArray, level: float
) -> tuple[float | None, float | None, int]:
    """Percentile bounds of the finite ``draws`` and how many draws were not finite.

    No bounds when more than :data:`MAX_DROPPED_FRACTION` of the draws are not finite: a CI
    over the surviving draws would describe a different distribution.
    """
    finite = draws[np.isfinite(draws)]
    dropped = int(draws.size - finite.size)
    if finite.size == 0 or dropped > MAX_DROPPED_FRACTION * draws.size or not np.isfinite(value):
        return None, None, dropped
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    return float(low), float(high), dropped


def _unit_draws(
    metrics: Sequence[MetricStats], resamples: int, seed: Sequence[int], clusters: IntArray
) -> list[FloatArray]:
    """Each metric's value on the same ``resamples`` draws (the metrics share one unit)."""
    n = metrics[0].stats.shape[0]
    parts: list[list[FloatArray]] = [[] for _ in metrics]
    for counts in resample_counts(n, resamples, seed, clusters):
        for i, metric in enumerate(metrics):
            parts[i].append(metric.resampled(counts))
    return [np.concatenate(p) for p in parts]


def confidence_entries(
    suite: MetricSuite, *, resamples: int, seed: int, level: float = 0.95
) -> dict[str, MetricValue]:
    """Every metric of ``suite`` with its (clustered) percentile bootstrap CI.

    The metrics of one unit share their resamples (so their CIs are paired), drawn by
    :func:`resample_counts` seeded with :func:`resampling_seed` ``(seed, unit)`` and
    clustered as the suite's :attr:`MetricSuite.clusters` say. This is the function
    ``run`` and ``score`` both call.
    """
    by_unit: dict[str, list[MetricStats]] = {}
    for metric in suite.metrics:
        by_unit.setdefault(metric.unit, []).append(metric)
    out: dict[str, MetricValue] = {}
    for unit, metrics in by_unit.items():
        clustering = suite.clusters.get(unit)
        n = metrics[0].stats.shape[0]
        index = cluster_index(clustering.ids if clustering else None, n)
        m = int(index.max()) + 1 if n else 0
        by = clustering.by if clustering else None
        if resamples <= 0 or m < 2:
            for metric in metrics:
                out[metric.name] = MetricValue(
                    metric.value(), None, None, metric.higher_is_better, 0, 0, m, by
                )
            continue
        draws = _unit_draws(metrics, resamples, resampling_seed(seed, unit), index)
        for metric, drawn in zip(metrics, draws, strict=True):
            value = metric.value()
            low, high, dropped = percentile_ci(value, drawn, level)
            out[metric.name] = MetricValue(
                value, low, high, metric.higher_is_better, resamples, dropped, m, by
            )
    return out


def with_confidence(
    metric: MetricStats,
    *,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    counts: FloatArray | None = None,
    clustering: Clustering | None = None,
) -> MetricValue:
    """One metric's value and percentile bootstrap CI (see :func:`confidence_entries`).

    ``counts`` may pass precomputed resample multiplicities ``[B, n]``; they override
    ``resamples``, ``seed`` and ``clustering``.
    """
    if counts is None:
        suite = MetricSuite(
            ids={metric.unit: tuple(str(i) for i in range(metric.stats.shape[0]))},
            metrics=(metric,),
            details={},
            clusters={metric.unit: clustering} if clustering else {},
        )
        return confidence_entries(suite, resamples=resamples, seed=seed, level=level)[metric.name]
    value = metric.value()
    n = metric.stats.shape[0]
    if n < 2 or counts.shape[0] == 0:
        return MetricValue(value, None, None, metric.higher_is_better, 0, 0, n)
    low, high, dropped = percentile_ci(value, metric.resampled(counts), level)
    return MetricValue(value, low, high, metric.higher_is_better, counts.shape[0], dropped, n)
