"""A fittable classifier is fitted only when some prediction is not cached.

The sentiment task puts the train split's fingerprint, the head's settings and the seed in
the prediction-cache key, so a rerun of a finished evaluation reads every score from the
cache and skips the fit; a cold cache fits exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.capabilities import FittableClassifier, ImageBatch, LabeledBatch
from bench.registry import build_task
from bench.runner.cache import PredictionCache
from bench.runner.executor import ExecutorConfig, LoaderExecutor
from bench.runner.throughput import ThroughputMeter
from bench.tasking import DataOptions

LABELS = ["negative", "neutral", "positive"]


class CountingTextProbe:
    """Predicts the label seen most often with each first word of the post in training."""

    def __init__(self) -> None:
        self.fits = 0
        self.table: dict[str, str] = {}
        self.fallback = "neutral"

    def labels(self) -> Sequence[str]:
        if not self.table:
            raise RuntimeError("labels() before fit()")
        return list(LABELS)

    def fit(self, batches: Iterable[LabeledBatch], *, seed: int) -> None:
        self.fits += 1
        counts: dict[str, dict[str, int]] = {}
        for batch in batches:
            for text, label in zip(batch.texts, batch.labels, strict=True):
                word = text.split()[0] if text.split() else ""
                per = counts.setdefault(word, {})
                per[str(label)] = per.get(str(label), 0) + 1
        self.table = {w: max(c, key=lambda k: c[k]) for w, c in counts.items()}

    def fit_settings(self) -> dict[str, Any]:
        return {"head": "first-word table"}

    def classify(self, images: ImageBatch, texts: Sequence[str]) -> np.ndarray:
        picked = [self.table.get(t.split()[0] if t.split() else "", self.fallback) for t in texts]
        return np.log(np.array([[0.9 if x == p else 0.05 for x in LABELS] for p in picked]))


def evaluate(model: CountingTextProbe, cache_path: Path) -> dict[str, float]:
    task = build_task("shapes-sentiment")
    data = task.load(DataOptions(limit=40))
    executor = LoaderExecutor(
        model,
        ExecutorConfig(16, "cpu", "fp32", 0, progress=False),
        ThroughputMeter("cpu", 16),
        cache=PredictionCache(cache_path),
        namespace="counting-probe",
    )
    result = task.evaluate(model, data, executor, seed=3)
    assert result.settings["seed"] == 3
    assert result.settings["fit"] == {"head": "first-word table"}
    return {m.name: m.value() for m in result.suite.metrics}


def test_fit_happens_once_and_is_skipped_on_a_cached_rerun(tmp_path: Path) -> None:
    assert isinstance(CountingTextProbe(), FittableClassifier)
    first_model = CountingTextProbe()
    first = evaluate(first_model, tmp_path / "cache.sqlite")
    assert first_model.fits == 1

    rerun_model = CountingTextProbe()
    rerun = evaluate(rerun_model, tmp_path / "cache.sqlite")
    assert rerun_model.fits == 0
    assert rerun == first

    cold_model = CountingTextProbe()
    cold = evaluate(cold_model, tmp_path / "other.sqlite")
    assert cold_model.fits == 1
    assert cold == first
