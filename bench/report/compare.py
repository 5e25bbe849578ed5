"""``bench.compare``: the significance-aware regression gate between two sets of runs.

Runs are matched by task (and, when a side holds several models of one task, by model
spec); a matched pair must share its dataset fingerprint or the comparison is refused.
Every metric of a pair gets the delta ``candidate - baseline``, a paired bootstrap CI and a
p-value (:mod:`bench.report.paired`), and a verdict:

- ``improved``: significant at ``alpha`` in the good direction;
- ``regressed``: significant in the bad direction **and** the drop is larger than
  ``max_drop`` (absolute, in the metric's own units: 0.01 = one point of accuracy);
- ``within tolerance``: significant in the bad direction but the drop is at most ``max_drop``;
- ``no significant change``: ``p >= alpha``;
- ``untested``: the metric cannot be re-aggregated (unknown aggregator, definitions that
  differ between the runs, fewer than two samples).

The gate fails (exit code 1) when any **headline** metric of the baseline regressed. A
headline metric that cannot be tested is bad input (:class:`UsageError`, exit code 2).
See ``docs/compare.md``.
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from bench.errors import UsageError
from bench.records.schema import MetricEntry
from bench.report.paired import PairedEstimate, paired_bootstrap_many
from bench.report.runs import Run, latest_runs, load_runs
from bench.report.stats import (
    UnitRows,
    aggregator_for,
    align,
    check_reproduces,
    metric_stats,
    read_unit_rows,
)

DEFAULT_RESAMPLES = 2000


class Verdict(str, Enum):
    """What a metric did between baseline and candidate."""

    IMPROVED = "improved"
    REGRESSED = "regressed"
    WITHIN_TOLERANCE = "within tolerance"
    NO_CHANGE = "no significant change"
    UNTESTED = "untested"


@dataclass(frozen=True)
class CompareSettings:
    """The test's parameters (recorded in every report)."""

    alpha: float = 0.05
    max_drop: float = 0.0
    resamples: int = DEFAULT_RESAMPLES
    seed: int = 0

    def validate(self) -> None:
        """Refuse parameters under which the test means nothing."""
        if not 0.0 < self.alpha < 1.0:
            raise UsageError(f"--alpha {self.alpha}: expected a number strictly between 0 and 1")
        if not self.max_drop >= 0.0:
            raise UsageError(f"--max-drop {self.max_drop}: expected a number >= 0")
        if 2.0 / (self.resamples + 1) >= self.alpha:
            raise UsageError(
                f"--resamples {self.resamples}: too few for --alpha {self.alpha} (the smallest "
                f"attainable p-value is 2/(resamples+1)); use at least {int(2 / self.alpha)}"
            )


@dataclass(frozen=True)
class RunRef:
    """Which run one side of a pair is."""

    folder: str
    run_id: str
    task: str
    model: str
    model_fingerprint: str

    @classmethod
    def of(cls, run: Run) -> RunRef:
        """The reference of a loaded run."""
        model = run.record.model
        return cls(
            str(run.folder), run.record.run_id, run.record.task.name, model.spec, model.fingerprint
        )


@dataclass(frozen=True)
class MetricComparison:
    """One metric of a matched pair: delta, paired CI, p-value and verdict."""

    name: str
    unit: str
    headline: bool
    higher_is_better: bool
    n: int
    estimate: PairedEstimate | None
    verdict: Verdict
    note: str = ""


@dataclass(frozen=True)
class PairComparison:
    """A baseline run and a candidate run of the same task on the same data."""

    task: str
    fingerprint: str
    baseline: RunRef
    candidate: RunRef
    metrics: tuple[MetricComparison, ...]


@dataclass(frozen=True)
class ComparisonReport:
    """Everything ``compare`` found; ``exit_code`` is the gate's answer."""

    baseline: str
    candidate: str
    settings: CompareSettings
    pairs: tuple[PairComparison, ...]
    only_baseline: tuple[RunRef, ...]
    only_candidate: tuple[RunRef, ...]

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


def judge(estimate: PairedEstimate, higher_is_better: bool, settings: CompareSettings) -> Verdict:
    """The verdict for one estimate (see the module docstring)."""
    if estimate.p_value is None or not math.isfinite(estimate.delta):
        return Verdict.UNTESTED
    if estimate.p_value >= settings.alpha:
        return Verdict.NO_CHANGE
    gain = estimate.delta if higher_is_better else -estimate.delta
    if gain > 0:
        return Verdict.IMPROVED
    if -gain > settings.max_drop:
        return Verdict.REGRESSED
    return Verdict.WITHIN_TOLERANCE


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


def _seed(settings: CompareSettings, task: str, unit: str) -> tuple[int, int, int]:
    # The same (seed, task, unit) always gives the same resamples, whatever else is compared.
    return (settings.seed, zlib.crc32(task.encode()), zlib.crc32(unit.encode()))


def compare_pair(baseline: Run, candidate: Run, settings: CompareSettings) -> PairComparison:
    """Compare every metric the baseline run reports (see the module docstring)."""
    task = baseline.record.task.name
    b_metrics, c_metrics = baseline.record.metrics, candidate.record.metrics
    headline = set(baseline.record.headline)
    problems = {n: _definition_problem(n, e, c_metrics.get(n)) for n, e in b_metrics.items()}
    wanted: dict[str, list[str]] = defaultdict(list)
    for name, entry in b_metrics.items():
        if not problems[name]:
            wanted[entry.unit].append(name)
    rows_b = read_unit_rows(baseline, wanted)
    rows_c = read_unit_rows(candidate, wanted)
    aligned: dict[str, UnitRows] = {
        unit: align(rows_b[unit], rows_c[unit], unit=unit, where=f"{task}: {candidate.folder}")
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
            seed=_seed(settings, task, unit),
            level=1.0 - settings.alpha,
        )
        estimates.update(zip(names, found, strict=True))
    results: list[MetricComparison] = []
    for name, entry in b_metrics.items():
        hib, is_headline = entry.higher_is_better, name in headline
        estimate = estimates.get(name)
        if estimate is None:
            verdict, note, n = Verdict.UNTESTED, problems[name], 0
        else:
            verdict = judge(estimate, hib, settings)
            n = len(rows_b[entry.unit].ids)
            note = ""
            if verdict is Verdict.UNTESTED:
                note = "fewer than two samples" if n < 2 else "no finite value or resample"
        results.append(
            MetricComparison(name, entry.unit, is_headline, hib, n, estimate, verdict, note)
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
        alpha: significance level of the two-sided paired bootstrap test (CIs are 1-alpha).
        max_drop: the largest significant drop (metric units) that still passes the gate.
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
    return ComparisonReport(
        baseline=str(baseline),
        candidate=str(candidate),
        settings=settings,
        pairs=tuple(compare_pair(b, c, settings) for b, c in pairs),
        only_baseline=tuple(RunRef.of(r) for r in only_b),
        only_candidate=tuple(RunRef.of(r) for r in only_c),
    )
