"""Rendering a :class:`~bench.report.compare.ComparisonReport` as JSON or Markdown."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from bench.report.formatting import markdown_table, markdown_text, number, signed

if TYPE_CHECKING:
    from bench.report.compare import ComparisonReport, MetricComparison, PairComparison
    from bench.report.differences import Difference

METHOD = (
    "paired bootstrap over clusters of samples (both runs re-aggregated on the same "
    "resamples of the task's unit of resampling); percentile CI of candidate - baseline at "
    "level 1 - 2 alpha; one-sided test of H0: gain >= -max_drop against H1: gain < -max_drop "
    "(gain = delta in the metric's better direction), p = (#{g* >= -max_drop} + 1) / (B + 1); "
    "Holm-Bonferroni over all headline tests at family-wise alpha"
)


def _finite(value: float | None) -> float | None:
    """JSON has no NaN or infinity: a value that is not finite is written as null."""
    return value if value is not None and math.isfinite(value) else None


def _metric_json(metric: MetricComparison) -> dict[str, Any]:
    estimate = metric.estimate
    return {
        "name": metric.name,
        "unit": metric.unit,
        "headline": metric.headline,
        "higher_is_better": metric.higher_is_better,
        "n": metric.n,
        "baseline": _finite(estimate.baseline) if estimate else None,
        "candidate": _finite(estimate.candidate) if estimate else None,
        "delta": _finite(estimate.delta) if estimate else None,
        "ci_low": _finite(estimate.ci_low) if estimate else None,
        "ci_high": _finite(estimate.ci_high) if estimate else None,
        "p_value": _finite(estimate.p_value) if estimate else None,
        "p_adjusted": _finite(metric.p_adjusted),
        "resamples": estimate.draws if estimate else 0,
        "dropped_resamples": estimate.dropped if estimate else 0,
        "verdict": metric.verdict.value,
        "note": metric.note,
    }


def _pair_json(pair: PairComparison) -> dict[str, Any]:
    return {
        "task": pair.task,
        "fingerprint": pair.fingerprint,
        "baseline": asdict(pair.baseline),
        "candidate": asdict(pair.candidate),
        "metrics": [_metric_json(m) for m in pair.metrics],
        "resampling": [
            {"unit": r.unit, "rows": r.rows, "clusters": r.clusters, "note": r.note}
            for r in pair.resampling
        ],
    }


def report_json(report: ComparisonReport) -> dict[str, Any]:
    """Plain JSON values: settings, method, every pair and metric, the gate's answer."""
    return {
        "baseline": report.baseline,
        "candidate": report.candidate,
        "settings": asdict(report.settings),
        "method": METHOD,
        "differences": [asdict(d) for d in report.differences],
        "pairs": [_pair_json(p) for p in report.pairs],
        "only_baseline": [asdict(r) for r in report.only_baseline],
        "only_candidate": [asdict(r) for r in report.only_candidate],
        "regressed": [{"task": t, "metric": m} for t, m in report.regressions],
        "exit_code": report.exit_code,
    }


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if value >= 0.0001 else f"{value:.1e}"


def _metric_row(metric: MetricComparison) -> list[str]:
    e = metric.estimate
    ci = "-"
    if e is not None and e.ci_low is not None and e.ci_high is not None:
        ci = f"[{signed(e.ci_low, 4)}, {signed(e.ci_high, 4)}]"
    name = metric.name + (" (headline)" if metric.headline else "")
    direction = "higher" if metric.higher_is_better else "lower"
    verdict = metric.verdict.value + (f": {metric.note}" if metric.note else "")
    return [
        name,
        direction,
        number(e.baseline if e else None, 4),
        number(e.candidate if e else None, 4),
        signed(e.delta if e else None, 4),
        ci,
        _p(e.p_value if e else None),
        _p(metric.p_adjusted) if metric.headline else "-",
        verdict.upper() if metric.verdict.value == "regressed" else verdict,
    ]


def _pair_markdown(pair: PairComparison, level: float) -> list[str]:
    units = "; ".join(r.note for r in pair.resampling) or "no samples"
    return [
        f"## {markdown_text(pair.task)}",
        "",
        f"- baseline: `{markdown_text(pair.baseline.model)}` (run {pair.baseline.run_id})",
        f"- candidate: `{markdown_text(pair.candidate.model)}` (run {pair.candidate.run_id})",
        f"- data: fingerprint {pair.fingerprint[:16]}; {markdown_text(units)}",
        "",
        markdown_table(
            [
                "metric",
                "better",
                "baseline",
                "candidate",
                "delta",
                f"{level:.0%} CI of delta",
                "p",
                "p (Holm)",
                "verdict",
            ],
            [_metric_row(m) for m in pair.metrics],
        ),
        "",
    ]


def _family_size(report: ComparisonReport) -> int:
    return sum(
        1 for pair in report.pairs for m in pair.metrics if m.headline and m.p_adjusted is not None
    )


def _differences_markdown(found: tuple[Difference, ...]) -> list[str]:
    if not found:
        return ["No difference of configuration or environment between the runs.", ""]
    rows = [
        [markdown_text(text) for text in (d.field, d.baseline, d.candidate, ", ".join(d.tasks))]
        for d in found
    ]
    return [
        "## Differences between baseline and candidate",
        "",
        "Deltas below are measured across these differences, not only the model's.",
        "",
        markdown_table(["field", "baseline", "candidate", "tasks"], rows),
        "",
    ]


def report_markdown(report: ComparisonReport) -> str:
    """A Markdown report whose first line is the gate's answer, naming regressed metrics."""
    s = report.settings
    if report.regressed:
        named = ", ".join(f"{t} {m}" for t, m in report.regressions)
        summary = f"**REGRESSED** (exit 1): {markdown_text(named)}"
    else:
        summary = (
            "**OK** (exit 0): no headline metric is significantly worse by more than "
            f"{s.max_drop:g}"
        )
    lines = [
        "# modalbench compare",
        "",
        summary,
        "",
        f"Baseline `{markdown_text(report.baseline)}`, candidate "
        f"`{markdown_text(report.candidate)}`; {s.resamples} paired bootstrap resamples "
        f"(seed {s.seed}); one-sided test of a drop beyond max drop {s.max_drop:g}; "
        f"family-wise alpha {s.alpha:g} over {_family_size(report)} headline test(s) (Holm).",
        "",
    ]
    lines += _differences_markdown(report.differences)
    for pair in report.pairs:
        lines += _pair_markdown(pair, s.level)
    unpaired = [("baseline", r) for r in report.only_baseline] + [
        ("candidate", r) for r in report.only_candidate
    ]
    if unpaired:
        lines += ["## Not compared", ""]
        lines += [
            f"- only in the {side}: {markdown_text(r.task)} `{markdown_text(r.model)}` "
            f"({markdown_text(r.folder)})"
            for side, r in unpaired
        ]
        lines.append("")
    return "\n".join(lines)
