"""``bench.compare``: the significance-aware regression gate between two sets of runs.

Runs are matched by task (and, when a side holds several models of one task, by model
spec); a matched pair must share its dataset fingerprint or the comparison is refused (the
only refusal a difference between the runs causes; differences of configuration and
environment are listed at the top of the report). Every metric of a pair gets the delta
``candidate - baseline``, a paired clustered bootstrap (:mod:`bench.report.paired`) and a
one-sided test of "the candidate is worse by more than ``max_drop``". The p-values of the
**headline** metrics of all pairs form one family, adjusted with Holm-Bonferroni so that
the chance of any false regression is at most ``alpha``. Verdicts:

- ``regressed``: the (Holm-adjusted, for a headline metric) p-value is below ``alpha``;
- ``improved``: the ``1 - 2 alpha`` CI of the delta lies on the good side of 0;
- ``within tolerance``: the CI lies on the bad side of 0 but the drop is not shown to
  exceed ``max_drop``;
- ``no significant change``: the CI contains 0;
- ``untested``: the metric cannot be re-aggregated (unknown aggregator, definitions that
  differ between the runs, fewer than two clusters, more than 1% non-finite resamples).

The gate fails (exit code 1) when any headline metric regressed. A headline metric that
cannot be tested is bad input (:class:`UsageError`, exit code 2). See ``docs/compare.md``.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_RESAMPLES",
    "CompareSettings",
    "ComparisonReport",
    "MetricComparison",
    "PairComparison",
    "RunRef",
    "Verdict",
    "compare",
    "compare_pair",
    "decide",
    "judge",
    "match_runs",
]

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import UsageError
from bench.metrics.base import resampling_seed
from bench.records.schema import MetricEntry
from bench.report.differences import Difference, differences
from bench.report.paired import PairedEstimate, paired_bootstrap_many
from bench.report.runs import Run, latest_runs, load_runs
from bench.report.stats import (
    UnitRows,
    aggregator_for,
    align,
    check_reproduces,
    metric_stats,
    read_unit_rows,
    shared_clusters,
)
from bench.report.verdicts import (
    DEFAULT_RESAMPLES,
    CompareSettings,
    MetricComparison,
    PairComparison,
    RunRef,
    Verdict,
    decide,
    judge,
    untested_reason,
)


@dataclass(frozen=True)
class ComparisonReport:
    """Everything ``compare`` found; ``exit_code`` is the gate's answer."""

    baseline: str
    candidate: str
    settings: CompareSettings
    pairs: tuple[PairComparison, ...]
    only_baseline: tuple[RunRef, ...]
    only_candidate: tuple[RunRef, ...]
    differences: tuple[Difference, ...] = ()

    @property
    def regressions(self) -> list[tuple[str, str]]:
        """``(task, metric)`` of every headline metric that regressed."""
        return [
            (pair.task, m.name)
            for pair in self.pairs
            for m in pair.metrics
            if m.headline and m.verdict is Verdict.REGRESSED
        ]

    @property
    def regressed(self) -> bool:
        """Whether the gate fails."""
        return bool(self.regressions)

    @property
    def exit_code(self) -> int:
        """1 when a headline metric regressed, else 0."""
        return 1 if self.regressed else 0

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON values."""
        from bench.report.compare_render import report_json

        return report_json(self)

    def to_markdown(self) -> str:
        """The report as Markdown."""
        from bench.report.compare_render import report_markdown

        return report_markdown(self)


def match_runs(
    baseline: Sequence[Run], candidate: Sequence[Run]
) -> tuple[list[tuple[Run, Run]], list[Run], list[Run]]:
    """Pair the newest runs of each side by task.

    A task with one model on each side pairs those two runs whatever their model specs (the
    usual case: a new checkpoint against the released one). With several models on a side,
    runs pair by model spec. Returns the pairs and the runs left unpaired on each side.

    Raises:
        UsageError: a pair was evaluated on different data (dataset fingerprints differ).
    """
    by_task: dict[str, tuple[list[Run], list[Run]]] = defaultdict(lambda: ([], []))
    for run in latest_runs(baseline):
        by_task[run.record.task.name][0].append(run)
    for run in latest_runs(candidate):
        by_task[run.record.task.name][1].append(run)
    pairs: list[tuple[Run, Run]] = []
    only_b: list[Run] = []
    only_c: list[Run] = []
    for task in sorted(by_task):
        bs, cs = by_task[task]
        if len(bs) == 1 and len(cs) == 1:
            pairs.append((bs[0], cs[0]))
            continue
        specs = {run.record.model.spec: run for run in cs}
        for run in bs:
            partner = specs.pop(run.record.model.spec, None)
            if partner is None:
                only_b.append(run)
            else:
                pairs.append((run, partner))
        only_c.extend(specs.values())
    for b, c in pairs:
        fb, fc = b.record.task.fingerprint, c.record.task.fingerprint
        if fb != fc:
            raise UsageError(
                f"{b.record.task.name}: {b.folder} and {c.folder} were evaluated on different "
                f"data (task.fingerprint {fb[:12]}... vs {fc[:12]}...): compare runs of the "
                "same split, --limit and data only"
            )
    return pairs, only_b, only_c


def _definition_problem(name: str, b: MetricEntry, c: MetricEntry | None) -> str:
    if c is None:
        return "not in the candidate run"
    for field in ("aggregator", "unit", "higher_is_better"):
        if getattr(b, field) != getattr(c, field):
            return f"{field} differs ({getattr(b, field)!r} vs {getattr(c, field)!r})"
    if aggregator_for(b) is None:
        return f"aggregator {b.aggregator!r} is not installed (install the plugin defining it)"
    return ""


def compare_pair(baseline: Run, candidate: Run, settings: CompareSettings) -> PairComparison:
    """Estimate every metric the baseline run reports (verdicts come from :func:`decide`)."""
    task = baseline.record.task.name
    b_metrics, c_metrics = baseline.record.metrics, candidate.record.metrics
    headline = set(baseline.record.headline)
    problems = {n: _definition_problem(n, e, c_metrics.get(n)) for n, e in b_metrics.items()}
    wanted: dict[str, list[str]] = defaultdict(list)
    for name, entry in b_metrics.items():
        if not problems[name]:
            wanted[entry.unit].append(name)
    where = f"{task}: {candidate.folder}"
    rows_b = read_unit_rows(baseline, wanted)
    rows_c = read_unit_rows(candidate, wanted)
    aligned: dict[str, UnitRows] = {
        unit: align(rows_b[unit], rows_c[unit], unit=unit, where=where) for unit in wanted
    }
    resampling = {
        unit: shared_clusters(rows_b[unit], aligned[unit], unit=unit, where=where)
        for unit in wanted
    }
    estimates: dict[str, PairedEstimate] = {}
    for unit, names in wanted.items():
        pairs = []
        for name in names:
            aggregator = aggregator_for(b_metrics[name])
            assert aggregator is not None  # checked by _definition_problem
            stats_b = metric_stats(name, b_metrics[name], aggregator, rows_b[unit])
            stats_c = metric_stats(name, c_metrics[name], aggregator, aligned[unit])
            check_reproduces(stats_b, b_metrics[name], baseline)
            check_reproduces(stats_c, c_metrics[name], candidate)
            pairs.append((stats_b, stats_c))
        found = paired_bootstrap_many(
            pairs,
            resamples=settings.resamples,
            seed=resampling_seed(settings.seed, unit),
            level=settings.level,
            max_drop=settings.max_drop,
            clusters=resampling[unit].index,
        )
        estimates.update(zip(names, found, strict=True))
    results: list[MetricComparison] = []
    for name, entry in b_metrics.items():
        hib, is_headline = entry.higher_is_better, name in headline
        estimate = estimates.get(name)
        if estimate is None:
            verdict, note, n = Verdict.UNTESTED, problems[name], 0
        else:
            n = len(rows_b[entry.unit].ids)
            verdict, note = Verdict.NO_CHANGE, ""
            if estimate.p_value is None:
                verdict, note = Verdict.UNTESTED, untested_reason(estimate, resampling[entry.unit])
        results.append(
            MetricComparison(name, entry.unit, is_headline, hib, n, estimate, verdict, note, None)
        )
    for result in results:
        if result.headline and result.verdict is Verdict.UNTESTED:
            raise UsageError(
                f"{task}: cannot test headline metric {result.name!r} of {baseline.folder}: "
                f"{result.note}"
            )
    return PairComparison(
        task,
        baseline.record.task.fingerprint,
        RunRef.of(baseline),
        RunRef.of(candidate),
        tuple(results),
        tuple(resampling.values()),
    )


def compare(
    baseline: str | Path,
    candidate: str | Path,
    *,
    alpha: float = 0.05,
    max_drop: float = 0.0,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> ComparisonReport:
    """Compare the newest runs under ``candidate`` with those under ``baseline``.

    Args:
        baseline, candidate: run folders or results folders.
        alpha: family-wise error rate of the gate: the chance that any headline metric of
            an unchanged model is called regressed (Holm-Bonferroni over all headline tests).
        max_drop: the tolerated drop (metric units): a metric regresses only when it is
            significantly worse than the baseline by more than this.
        resamples: bootstrap draws per metric.
        seed: seeds the shared resamples.

    Raises:
        UsageError: missing or unreadable runs, no task in common, runs on different data,
            per-sample files that do not reproduce their records, untestable headline metric.
    """
    settings = CompareSettings(alpha, max_drop, resamples, seed)
    settings.validate()
    base_runs = load_runs(Path(baseline))
    cand_runs = load_runs(Path(candidate))
    pairs, only_b, only_c = match_runs(base_runs, cand_runs)
    if not pairs:
        raise UsageError(
            f"{candidate}: no run matches a run of {baseline} (no task evaluated on both sides)"
        )
    tests = sum(len(set(b.record.headline) & set(b.record.metrics)) for b, _ in pairs)
    settings.validate(tests)
    compared = [compare_pair(b, c, settings) for b, c in pairs]
    return ComparisonReport(
        baseline=str(baseline),
        candidate=str(candidate),
        settings=settings,
        pairs=tuple(decide(compared, settings)),
        only_baseline=tuple(RunRef.of(r) for r in only_b),
        only_candidate=tuple(RunRef.of(r) for r in only_c),
        differences=differences((b.record.task.name, b.record, c.record) for b, c in pairs),
    )
