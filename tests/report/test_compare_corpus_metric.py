"""``compare`` on a corpus-level metric (BLEU-4): re-aggregation matches pycocoevalcap."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from report_fixtures import FakeRun, Metric

import bench

bleu = pytest.importorskip("bench.metrics.bleu")
Bleu = pytest.importorskip("pycocoevalcap.bleu.bleu").Bleu

COLOURS = ["red", "green", "blue", "yellow", "purple"]
SHAPES = ["circle", "square", "triangle", "diamond"]
PLACES = ["on the left", "on the right", "at the top", "at the bottom", "in the middle"]


def captions(n: int, seed: int = 0) -> tuple[list[str], list[list[str]]]:
    """Per image: a hypothesis and five references (lower-case, space-tokenized)."""
    rng = random.Random(seed)
    hypotheses, references = [], []
    for _ in range(n):
        colour, shape, place = rng.choice(COLOURS), rng.choice(SHAPES), rng.choice(PLACES)
        refs = [
            f"a {colour} {shape} {place}",
            f"there is a {colour} {shape} {place}",
            f"a single {colour} {shape} {place} of the image",
            f"the {shape} is {colour} and sits {place}",
            f"one {colour} {shape} {place}",
        ]
        hypotheses.append(f"a {colour} {shape} is {place}")
        references.append(refs)
    return hypotheses, references


def coco_bleu4(hypotheses: list[str], references: list[list[str]]) -> float:
    """The reference implementation's corpus BLEU-4."""
    res = {i: [h] for i, h in enumerate(hypotheses)}
    gts = dict(enumerate(references))
    score, _ = Bleu(4).compute_score(gts, res, verbose=0)
    return float(score[3])


def caption_run(hypotheses: list[str], references: list[list[str]]) -> FakeRun:
    stats = bleu.bleu_stats(hypotheses, references)
    return FakeRun(
        task="shapes-captioning",
        family="captioning",
        metrics={"BLEU-4": Metric(stats, unit="image", aggregator="bleu-4")},
        headline=["BLEU-4"],
    )


def test_bleu4_regression_is_found_and_values_match_pycocoevalcap(tmp_path: Path) -> None:
    hypotheses, references = captions(300)
    # every third caption names the wrong colour and shape
    worse = [
        f"a pink hexagon is {' '.join(h.split()[4:])}" if i % 3 == 0 else h
        for i, h in enumerate(hypotheses)
    ]
    base = caption_run(hypotheses, references).write(tmp_path / "b")
    cand = caption_run(worse, references).write(tmp_path / "c")
    report = bench.compare(base, cand)
    metric = report.pairs[0].metrics[0]
    assert metric.estimate is not None
    assert metric.estimate.baseline == pytest.approx(coco_bleu4(hypotheses, references), abs=1e-9)
    assert metric.estimate.candidate == pytest.approx(coco_bleu4(worse, references), abs=1e-9)
    assert metric.verdict.value == "regressed"
    assert report.regressions == [("shapes-captioning", "BLEU-4")]
    # the paired CI of a corpus ratio is not the difference of per-run CIs: it is narrower
    low, high = metric.estimate.ci_low, metric.estimate.ci_high
    assert low is not None and high is not None and low < metric.estimate.delta < high < 0


def test_identical_captions_do_not_change(tmp_path: Path) -> None:
    hypotheses, references = captions(120, seed=1)
    base = caption_run(hypotheses, references).write(tmp_path / "b")
    cand = caption_run(list(hypotheses), references).write(tmp_path / "c")
    metric = bench.compare(base, cand).pairs[0].metrics[0]
    assert metric.estimate is not None
    assert (metric.estimate.delta, metric.estimate.p_value) == (0.0, 1.0)
    assert np.isfinite(metric.estimate.baseline)


def test_every_builtin_aggregator_is_found_in_a_fresh_process() -> None:
    # compare runs in its own process: METEOR's aggregator must not depend on METEOR having
    # been computed earlier in it (it was "untested: aggregator 'meteor' is not installed").
    import subprocess
    import sys

    code = (
        "from bench.records.schema import MetricEntry\n"
        "from bench.report.stats import aggregator_for\n"
        "names = ['mean', 'meteor', 'bleu-4', 'f1-macro', 'f1-weighted', 'pearson', 'auroc',"
        " 'median']\n"
        "missing = [n for n in names if aggregator_for("
        "MetricEntry(0.0, None, None, True, n, 'x')) is None]\n"
        "print(missing)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
