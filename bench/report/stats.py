"""Per-sample stats of a finished run, rebuilt as :class:`MetricStats` from its JSONL.

A RunRecord names each metric's aggregator and unit; ``samples.jsonl`` holds each sample's
stats row. Together they re-create the metric exactly, which is what lets ``compare``
bootstrap two runs on the same resamples without re-running either model.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from bench.errors import UsageError
from bench.metrics.base import AGGREGATORS, Aggregator, MetricStats, cluster_index
from bench.records.io import SAMPLES_FILE, read_rows
from bench.records.schema import MetricEntry
from bench.report.runs import Run

#: Metric modules whose aggregators RunRecords of the built-in families refer to.
METRIC_MODULES = (
    "bench.metrics.captioning",
    "bench.metrics.meteor",  # captioning imports it only when METEOR is computed
    "bench.metrics.vqa",
    "bench.metrics.retrieval",
    "bench.metrics.sentiment",
)


@cache
def register_builtin_aggregators() -> None:
    """Import the built-in metric modules so their aggregators are registered (once)."""
    for name in METRIC_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a missing dependency inside the module is a real error
                raise


def aggregator_for(entry: MetricEntry) -> Aggregator | None:
    """The registered aggregator a metric entry names, or None if none is installed."""
    register_builtin_aggregators()
    return AGGREGATORS.get(entry.aggregator)


@dataclass(frozen=True)
class UnitRows:
    """A run's stats rows of one unit: sample ids in file order and, per metric, a matrix.

    ``clusters`` holds each row's ``cluster`` field (None where the row has none: records
    written before cluster ids were stored).
    """

    ids: tuple[str, ...]
    stats: dict[str, np.ndarray]
    clusters: tuple[str | None, ...] = ()


def _matrix(rows: list[list[float]], name: str, path: object) -> np.ndarray:
    if not rows:
        return np.zeros((0, 0), dtype=np.float64)
    try:
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), -1)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{path}: stats of metric {name!r} are not rows of numbers") from exc


def read_unit_rows(run: Run, wanted: dict[str, list[str]]) -> dict[str, UnitRows]:
    """Per unit of ``wanted``, the rows of ``run``'s JSONL with the stats of its metrics.

    Args:
        run: the run whose ``samples.jsonl`` is read (once).
        wanted: unit -> metric names whose stats rows to collect.

    Raises:
        UsageError: a row of a wanted unit lacks one of the metrics, or repeats a sample id.
    """
    path = run.folder / SAMPLES_FILE
    ids: dict[str, list[str]] = {unit: [] for unit in wanted}
    clusters: dict[str, list[str | None]] = {unit: [] for unit in wanted}
    seen: dict[str, set[str]] = {unit: set() for unit in wanted}
    columns: dict[str, dict[str, list[list[float]]]] = {
        unit: {name: [] for name in names} for unit, names in wanted.items()
    }
    for row in read_rows(run.folder):
        unit = row["unit"]
        if unit not in wanted:
            continue
        sample_id = str(row["id"])
        if sample_id in seen[unit]:
            raise UsageError(f"{path}: sample id {sample_id!r} appears twice for unit {unit!r}")
        seen[unit].add(sample_id)
        ids[unit].append(sample_id)
        cluster = row.get("cluster")
        clusters[unit].append(None if cluster is None else str(cluster))
        stats = row["stats"]
        for name, column in columns[unit].items():
            values = stats.get(name) if isinstance(stats, dict) else None
            if not isinstance(values, list):
                raise UsageError(f"{path}: sample {sample_id!r} has no stats for metric {name!r}")
            column.append(values)
    return {
        unit: UnitRows(
            tuple(ids[unit]),
            {name: _matrix(rows, name, path) for name, rows in columns[unit].items()},
            tuple(clusters[unit]),
        )
        for unit in wanted
    }


def align(baseline: UnitRows, candidate: UnitRows, *, unit: str, where: str) -> UnitRows:
    """``candidate``'s rows reordered to ``baseline``'s sample order.

    Raises:
        UsageError: the two runs did not score the same samples.
    """
    if baseline.ids == candidate.ids:
        return candidate
    position = {sample_id: i for i, sample_id in enumerate(candidate.ids)}
    missing = [i for i in baseline.ids if i not in position]
    extra = len(candidate.ids) - (len(baseline.ids) - len(missing))
    if missing or extra:
        example = missing[0] if missing else next(i for i in candidate.ids if i not in baseline.ids)
        raise UsageError(
            f"{where}: the runs scored different {unit} samples ({len(missing)} only in the "
            f"baseline, {extra} only in the candidate, e.g. {example!r})"
        )
    order = np.asarray([position[i] for i in baseline.ids], dtype=np.int64)
    clusters = tuple(candidate.clusters[i] for i in order) if candidate.clusters else ()
    return UnitRows(baseline.ids, {k: v[order] for k, v in candidate.stats.items()}, clusters)


def metric_stats(
    name: str, entry: MetricEntry, aggregator: Aggregator, rows: UnitRows
) -> MetricStats:
    """A :class:`MetricStats` rebuilt from a record entry and its unit's rows."""
    return MetricStats(
        name=name,
        higher_is_better=entry.higher_is_better,
        stats=rows.stats[name],
        aggregator=aggregator,
        unit=entry.unit,
    )


def check_reproduces(stats: MetricStats, entry: MetricEntry, run: Run) -> None:
    """Refuse a run whose JSONL does not re-aggregate to the value in its record."""
    if entry.value is None:
        return
    value = stats.value()
    if not np.isclose(value, entry.value, rtol=1e-6, atol=1e-9):
        raise UsageError(
            f"{run.folder / SAMPLES_FILE}: the stats of {stats.name!r} aggregate to {value!r} "
            f"but the record says {entry.value!r} (the files do not belong together)"
        )


@dataclass(frozen=True)
class Resampling:
    """How ``compare`` resamples one unit of a pair.

    Attributes:
        unit: the stats unit (``"question"``, ``"text"``...).
        rows: rows of the unit.
        clusters: clusters resampled (``rows`` when the rows are independent).
        index: per row, its cluster index; None for independent rows.
        note: how the unit was resampled, in words, for the report.
    """

    unit: str
    rows: int
    clusters: int
    index: npt.NDArray[np.int64] | None
    note: str


def _complete(rows: UnitRows) -> tuple[str, ...] | None:
    if rows.clusters and all(c is not None for c in rows.clusters):
        return tuple(str(c) for c in rows.clusters)
    return None


def shared_clusters(
    baseline: UnitRows, candidate: UnitRows, *, unit: str, where: str
) -> Resampling:
    """The clusters both runs are resampled by (``candidate`` aligned to ``baseline``).

    The cluster ids of whichever run stores them for every row are used (both runs scored
    the same data, so they agree when both store them). A unit whose rows carry no cluster
    ids in either run (records written before cluster ids were stored) falls back to
    independent rows, and the note says so.

    Raises:
        UsageError: both runs store cluster ids and they group the rows differently.
    """
    ids_b, ids_c = _complete(baseline), _complete(candidate)
    n = len(baseline.ids)
    if ids_b is not None and ids_c is not None:
        index_b, index_c = cluster_index(ids_b, n), cluster_index(ids_c, n)
        if not np.array_equal(index_b, index_c):
            row = int(np.flatnonzero(index_b != index_c)[0])
            raise UsageError(
                f"{where}: the runs put {unit} {baseline.ids[row]!r} in different clusters "
                f"({ids_b[row]!r} vs {ids_c[row]!r}; the files do not belong to the same data)"
            )
    chosen = ids_b if ids_b is not None else ids_c
    if chosen is None:
        return Resampling(
            unit,
            n,
            n,
            None,
            f"{unit}: {n} resampled as independent rows (no cluster ids in samples.jsonl: "
            "records written before cluster ids were stored; CIs may be too narrow)",
        )
    index = cluster_index(chosen, n)
    groups = int(index.max()) + 1 if n else 0
    return Resampling(unit, n, groups, index, f"{unit}: {n} rows resampled in {groups} clusters")
