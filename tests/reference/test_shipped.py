"""What ships: the bundled checkpoints and the committed reference RunRecords.

``results/reference/`` holds the RunRecords of the embedded default (``modalbench run``),
the baseline CI gates every change against. These tests check that those records meet the
targets the reference models were trained for, and that the weights stay small.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.records.io import read_record
from bench.records.schema import RunRecord
from bench.reference.manifest import CHECKPOINTS_DIR, bundled_models

REFERENCE_RESULTS = Path(__file__).resolve().parents[2] / "results" / "reference"


@pytest.fixture(scope="module")
def records() -> dict[tuple[str, str], RunRecord]:
    found = {}
    for path in sorted(REFERENCE_RESULTS.glob("*/*/*/record.json")):
        record = read_record(path)
        found[(record.task.name, record.model.spec)] = record
    return found


def metric(records: dict[tuple[str, str], RunRecord], task: str, model: str, name: str) -> float:
    return float(records[(task, f"ref:{model}")].metrics[name].value)


def test_every_bundled_model_has_a_reference_record_per_intended_task(
    records: dict[tuple[str, str], RunRecord],
) -> None:
    expected = {(t, m.spec) for m in bundled_models().values() for t in m.intended_tasks}
    assert set(records) == expected
    assert all(r.n_failed == 0 for r in records.values())


def test_reference_models_clear_their_targets(records: dict[tuple[str, str], RunRecord]) -> None:
    assert metric(records, "shapes-retrieval", "shapes-clip", "t2i_R@1") >= 0.50
    assert metric(records, "shapes-captioning", "shapes-captioner", "CIDEr") >= 1.0
    assert metric(records, "shapes-vqa", "shapes-vqa", "accuracy") >= 0.60


def test_best_fusion_beats_each_modality_alone_by_five_points(
    records: dict[tuple[str, str], RunRecord],
) -> None:
    def accuracy(name: str) -> float:
        return metric(records, "shapes-sentiment", f"shapes-sentiment-{name}", "accuracy")

    fusions = ("early-fusion", "late-fusion", "hybrid-fusion", "cross-attention")
    best = max(accuracy(name) for name in fusions)
    assert best >= accuracy("text-only") + 0.05
    assert best >= accuracy("image-only") + 0.05


def test_bundled_weights_total_at_most_20_mb() -> None:
    weights = list(CHECKPOINTS_DIR.glob("*/*.safetensors"))
    assert len(weights) == 3
    assert sum(p.stat().st_size for p in weights) <= 20 * 1024 * 1024
    assert not list(CHECKPOINTS_DIR.glob("*/*.bin")) and not list(CHECKPOINTS_DIR.glob("*/*.pt"))
