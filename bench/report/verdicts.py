"""The parts of a comparison and how its verdicts are decided (see :mod:`bench.report.compare`).

One pair of runs gives one :class:`PairComparison` of :class:`MetricComparison` s; the
headline p-values of all pairs form one Holm-Bonferroni family (:func:`decide`), and each
metric's verdict follows from its adjusted p-value and its ``1 - 2 alpha`` CI (:func:`judge`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum

from bench.errors import UsageError
from bench.report.paired import PairedEstimate, holm_adjust
from bench.report.runs import Run
from bench.report.stats import Resampling

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

    @property
    def level(self) -> float:
        """The two-sided CI level whose ends are the one-sided ``1 - alpha`` bounds."""
        return 1.0 - 2.0 * self.alpha

    def validate(self, tests: int = 1) -> None:
        """Refuse parameters under which the test means nothing.

        Args:
            tests: headline tests in the family; Holm's smallest threshold is
                ``alpha / tests``, which the smallest p-value ``1 / (B + 1)`` must reach.
        """
        if not 0.0 < self.alpha < 0.5:
            raise UsageError(f"--alpha {self.alpha}: expected a number strictly between 0 and 0.5")
        if not self.max_drop >= 0.0:
            raise UsageError(f"--max-drop {self.max_drop}: expected a number >= 0")
        if 1.0 / (self.resamples + 1) >= self.alpha / max(tests, 1):
            need = math.ceil(max(tests, 1) / self.alpha)
            raise UsageError(
                f"--resamples {self.resamples}: too few for --alpha {self.alpha} over {tests} "
                f"headline test(s) (the smallest attainable p-value is 1/(resamples+1), Holm's "
                f"smallest threshold alpha/{tests}); use at least {need}"
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
    """One metric of a matched pair: delta, paired CI, p-values and verdict.

    ``p_adjusted`` is the Holm-adjusted p-value for a headline metric (the family is every
    headline test of the comparison) and the raw one for the others, which gate nothing.
    """

    name: str
    unit: str
    headline: bool
    higher_is_better: bool
    n: int
    estimate: PairedEstimate | None
    verdict: Verdict
    note: str = ""
    p_adjusted: float | None = None


@dataclass(frozen=True)
class PairComparison:
    """A baseline run and a candidate run of the same task on the same data.

    ``resampling`` says, per unit, how its rows were resampled (in clusters or, for records
    without cluster ids, as independent rows).
    """

    task: str
    fingerprint: str
    baseline: RunRef
    candidate: RunRef
    metrics: tuple[MetricComparison, ...]
    resampling: tuple[Resampling, ...] = ()


def judge(
    estimate: PairedEstimate, higher_is_better: bool, p_value: float | None, alpha: float
) -> Verdict:
    """The verdict for one estimate, given the p-value that decides it (see the module)."""
    if p_value is None or estimate.ci_low is None or estimate.ci_high is None:
        return Verdict.UNTESTED
    if p_value < alpha:
        return Verdict.REGRESSED
    low, high = estimate.ci_low, estimate.ci_high
    gain_low, gain_high = (low, high) if higher_is_better else (-high, -low)
    if gain_low > 0:
        return Verdict.IMPROVED
    if gain_high < 0:
        return Verdict.WITHIN_TOLERANCE
    return Verdict.NO_CHANGE


def untested_reason(estimate: PairedEstimate, resampling: Resampling) -> str:
    if resampling.clusters < 2:
        return f"fewer than two {'clusters' if resampling.index is not None else 'samples'}"
    if estimate.dropped:
        return (
            f"{estimate.dropped} of {estimate.draws} resamples not finite (more than 1%): "
            "no CI or p-value"
        )
    return "no finite value"


def decide(pairs: Sequence[PairComparison], settings: CompareSettings) -> list[PairComparison]:
    """Verdicts for every tested metric; headline p-values adjusted as one Holm family."""
    family = [
        (i, j)
        for i, pair in enumerate(pairs)
        for j, m in enumerate(pair.metrics)
        if m.headline and m.estimate is not None and m.estimate.p_value is not None
    ]
    raw = []
    for i, j in family:
        estimate = pairs[i].metrics[j].estimate
        assert estimate is not None and estimate.p_value is not None  # selected above
        raw.append(estimate.p_value)
    adjusted = dict(zip(family, holm_adjust(raw), strict=True))
    out: list[PairComparison] = []
    for i, pair in enumerate(pairs):
        metrics = []
        for j, m in enumerate(pair.metrics):
            if m.estimate is None or m.verdict is Verdict.UNTESTED:
                metrics.append(m)
                continue
            p = adjusted.get((i, j), m.estimate.p_value)
            verdict = judge(m.estimate, m.higher_is_better, p, settings.alpha)
            note = m.note
            raw_p = m.estimate.p_value
            if verdict is not Verdict.REGRESSED and raw_p is not None and raw_p < settings.alpha:
                note = "drop beyond max-drop significant only before Holm's adjustment"
            metrics.append(replace(m, verdict=verdict, note=note, p_adjusted=p))
        out.append(replace(pair, metrics=tuple(metrics)))
    return out
