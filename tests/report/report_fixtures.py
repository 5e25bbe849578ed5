"""Builders of synthetic but valid run folders (record.json + samples.jsonl) for report tests.

Values and CIs in the records are aggregated from the per-sample stats rows exactly as the
runner does, so ``compare`` can re-aggregate them; tests choose the per-sample outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.metrics.base import (
    AGGREGATORS,
    Aggregator,
    MetricStats,
    register_aggregator,
    with_confidence,
)
from bench.records.io import new_run_id, slug, write_run
from bench.records.schema import (
    ErrorEntry,
    MetricEntry,
    ModelSection,
    RunRecord,
    TaskSection,
    Throughput,
)
from bench.tasking import SampleRow


def _median_first_column(rows: np.ndarray) -> np.ndarray:
    return np.asarray(np.median(rows[:, 0]) if rows.shape[0] else 0.0)


def _corpus_ratio(summed: np.ndarray) -> np.ndarray:
    # BLEU-like corpus ratio: sum(matches) / sum(candidate length), not a mean of ratios.
    return np.divide(
        summed[..., 0], summed[..., 1], out=np.zeros_like(summed[..., 0]), where=summed[..., 1] > 0
    )


MEDIAN = AGGREGATORS.get("test-median") or register_aggregator(
    Aggregator("test-median", _median_first_column, summable=False)
)
RATIO = AGGREGATORS.get("test-ratio") or register_aggregator(
    Aggregator("test-ratio", _corpus_ratio)
)


@dataclass
class Metric:
    """A metric of a fake run: its stats rows (one per id of its unit) and definition."""

    stats: np.ndarray
    unit: str = "question"
    aggregator: str = "mean"
    higher_is_better: bool = True


def mean_rows(scores: np.ndarray | list[float]) -> np.ndarray:
    """Stats rows ``[score, 1]`` of a ``mean`` metric."""
    values = np.asarray(scores, dtype=np.float64)
    return np.stack([values, np.ones_like(values)], axis=1)


@dataclass
class FakeRun:
    """Everything a fake run folder needs; ``write`` puts it under a results root."""

    task: str = "shapes-vqa"
    family: str = "vqa"
    model: str = "ref:fake"
    metrics: dict[str, Metric] = field(default_factory=dict)
    ids: dict[str, list[str]] = field(default_factory=dict)
    headline: list[str] = field(default_factory=list)
    fingerprint: str = "a" * 64
    finished_at: str = "2026-11-29T10:00:05+00:00"
    samples_per_s: float | None = 100.0
    n_failed: int = 0
    versions: dict[str, str] = field(default_factory=lambda: {"python": "3.11", "torch": "2.5"})
    model_settings: dict[str, object] = field(default_factory=lambda: {"dtype": "fp32"})
    run_id: str = field(default_factory=new_run_id)

    def unit_ids(self, unit: str, n: int) -> list[str]:
        """Sample ids of ``unit`` (explicit ones, or ``<unit>-<i>``)."""
        return self.ids.get(unit) or [f"{unit}-{i}" for i in range(n)]

    def record(self) -> RunRecord:
        """The RunRecord, with values and CIs aggregated from the stats rows."""
        entries: dict[str, MetricEntry] = {}
        for i, (name, metric) in enumerate(self.metrics.items()):
            stats = MetricStats(
                name, metric.higher_is_better, metric.stats, AGGREGATORS[metric.aggregator]
            )
            value = with_confidence(stats, resamples=200, seed=i)
            entries[name] = MetricEntry(
                value.value,
                value.ci_low,
                value.ci_high,
                metric.higher_is_better,
                metric.aggregator,
                metric.unit,
            )
        n_samples = max((m.stats.shape[0] for m in self.metrics.values()), default=0)
        return RunRecord(
            run_id=self.run_id,
            task=TaskSection(
                self.task,
                self.family,
                f"{self.task}.toml",
                "test",
                "builtin:shapes",
                self.fingerprint,
                n_samples,
                "CC0-1.0",
                {"prompt": "Question: {question} Answer:"},
            ),
            model=ModelSection(
                self.model, "fake.Adapter", "f" * 64, dict(self.model_settings), ["Generator"]
            ),
            metrics=entries,
            headline=list(self.headline or list(self.metrics)[:1]),
            details={},
            n_failed=self.n_failed,
            errors=[
                ErrorEntry(f"s{i}", "answer", "empty generation") for i in range(self.n_failed)
            ],
            throughput=Throughput(
                self.samples_per_s,
                self.samples_per_s,
                0.1,
                0.2,
                3,
                1,
                0.3,
                1.0,
                8,
                8,
                0,
                3,
                1000,
                "process_peak_rss",
            ),
            config={"batch_size": 8, "device": "cpu"},
            hardware={"device": "cpu", "cpu": "test cpu"},
            versions=dict(self.versions),
            seed=0,
            started_at="2026-11-29T10:00:00+00:00",
            finished_at=self.finished_at,
        )

    def rows(self) -> list[SampleRow]:
        """The JSONL rows: per unit, one row per id with every metric of that unit."""
        units: dict[str, list[str]] = {}
        for name, metric in self.metrics.items():
            units.setdefault(metric.unit, []).append(name)
        out: list[SampleRow] = []
        for unit, names in units.items():
            n = self.metrics[names[0]].stats.shape[0]
            for i, sample_id in enumerate(self.unit_ids(unit, n)):
                stats = {name: [float(x) for x in self.metrics[name].stats[i]] for name in names}
                out.append(SampleRow(unit, sample_id, f"pred-{i}", None, stats))
        return out

    def write(self, root: Path) -> Path:
        """Write ``root/<task>/<model>/<run id>/`` and return the run folder."""
        folder = root / slug(self.task) / slug(self.model) / self.run_id
        write_run(folder, self.record(), self.rows())
        return folder


def accuracy_run(correct: np.ndarray | list[float], **kwargs: object) -> FakeRun:
    """A VQA-like run with one ``accuracy`` headline metric from 0/1 outcomes."""
    return FakeRun(
        metrics={"accuracy": Metric(mean_rows(correct))},
        headline=["accuracy"],
        **kwargs,  # type: ignore[arg-type]
    )


EVIL_MODEL = "<img src=x onerror=alert(1)>"

#: model -> (VQA accuracy, text->image R@1 or None for no retrieval run, samples/s); every
#: value is an exact fraction of 20 samples.
BOARD = {
    "ref:a": (0.75, 0.60, 100.0),
    "ref:b": (0.50, 0.80, 400.0),
    "ref:c": (0.90, 0.30, 25.0),
    EVIL_MODEL: (0.65, None, 50.0),
}

BOARD_SPEC = """
title = "Test board"
description = "Synthetic runs <b>not</b> bold"

[aggregate]
kind = "mean-rank"

[models]
names = { "ref:c" = "Model C" }

[[columns]]
id = "vqa"
task = "shapes-vqa"
metric = "accuracy"
label = "VQA accuracy"
scale = 100
digits = 1

[[columns]]
id = "t2i"
task = "shapes-retrieval"
metric = "t2i_R@1"
label = "T2I R@1"
scale = 100
digits = 1

[[columns]]
id = "sentiment"
task = "shapes-sentiment"
metric = "accuracy"
label = "Sentiment"

[[reported]]
model = "ref:a"
task = "shapes-vqa"
metric = "accuracy"
value = 0.7
source = "Paper A 2024, Table 1"

[[reported]]
model = "Model C"
task = "shapes-retrieval"
metric = "t2i_R@1"
value = 0.35
source = "Paper C 2025, Table 2"

[[reported]]
model = "ghost"
task = "shapes-vqa"
metric = "accuracy"
value = 0.99
source = "Paper G 2023"
"""


def exact(fraction: float, n: int = 20) -> np.ndarray:
    """0/1 outcomes whose mean is exactly ``fraction`` (of ``n``)."""
    hits = round(fraction * n)
    return np.array([1.0] * hits + [0.0] * (n - hits))


def write_board_results(root: Path) -> Path:
    """Runs of :data:`BOARD` under ``root`` (plus one older, better run of ref:b that the
    board must ignore); returns ``root``."""
    for model, (vqa, t2i, speed) in BOARD.items():
        accuracy_run(exact(vqa), model=model, samples_per_s=speed).write(root)
        if t2i is not None:
            FakeRun(
                task="shapes-retrieval",
                family="retrieval",
                model=model,
                samples_per_s=speed,
                metrics={"t2i_R@1": Metric(mean_rows(exact(t2i)), unit="text")},
                headline=["t2i_R@1"],
            ).write(root)
    accuracy_run(exact(1.0), model="ref:b", finished_at="2020-01-01T00:00:00+00:00").write(root)
    return root


def add_clusters(folder: Path, unit: str, clusters: list[str]) -> Path:
    """Give the ``unit`` rows of a written run's ``samples.jsonl`` a ``cluster`` field, in
    row order (the per-sample cluster id a run of a clustered task stores)."""
    import json

    from bench.records.io import SAMPLES_FILE

    path = folder / SAMPLES_FILE
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    given = iter(clusters)
    for row in rows:
        if row["unit"] == unit:
            row["cluster"] = next(given)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder
