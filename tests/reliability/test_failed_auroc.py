"""AUROC with failed examples survives the round trip through the run folder.

A failed example ranks worst in AUROC. Its score used to be stored as +-inf, written to
JSON as null and read back as NaN, which sorts as the highest score: the re-aggregated
AUROC then differed from the record and ``compare`` refused the pair as files that do not
belong together.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.metrics import roc_auc_score

import bench
from bench.records.io import find_runs, read_rows

CARD = """name = "red-or-blue"
family = "sentiment"
description = "binary colours"
license = "CC0-1.0"
split = "test"

[task]
labels = ["red", "blue"]

[source.local]
kind = "jsonl"
[source.local.files]
annotations = "posts.jsonl"
"""
# (image colour, gold label): black images get an empty answer from the colour oracle (a
# failed example); two of them are positives ("blue"), one is a negative.
EXAMPLES = [
    *[("red", "red")] * 5,
    *[("blue", "blue")] * 4,
    ("red", "blue"),
    ("blue", "red"),
    ("black", "blue"),
    ("black", "blue"),
    ("black", "red"),
]


def test_failed_positives_reaggregate_to_the_recorded_auroc(badcases: Path, tmp_path: Path) -> None:
    from modalbench_badcases import PALETTE

    data = tmp_path / "data"
    data.mkdir()
    lines = []
    for i, (colour, label) in enumerate(EXAMPLES):
        Image.new("RGB", (12, 12), PALETTE[colour]).save(data / f"{i}.png")
        lines.append(json.dumps({"id": f"p{i}", "image": f"{i}.png", "text": "x", "label": label}))
    (data / "posts.jsonl").write_text("\n".join(lines) + "\n")
    (badcases / "red-or-blue.toml").write_text(CARD)
    kwargs = {"data_dir": data, "num_workers": 0, "bootstrap": 30, "progress": False}
    (record,) = bench.run(
        tasks=["red-or-blue"], models=["badcases:colour-oracle"], out=tmp_path / "a", **kwargs
    )
    assert record.n_failed == 3

    # the oracle: scikit-learn with every failed example ranked worst
    gold = np.array([label == "blue" for _, label in EXAMPLES], dtype=float)
    score = np.array([{"red": 0.0, "blue": 1.0}.get(c, np.nan) for c, _ in EXAMPLES])
    score[[11, 12]] = -1.0  # failed positives below everything
    score[13] = 2.0  # the failed negative above everything
    expected = roc_auc_score(gold, score)
    assert record.metrics["auroc"].value == pytest.approx(expected, abs=1e-12)

    (folder,) = find_runs(tmp_path / "a")
    rows = [row for row in read_rows(folder) if row["unit"] == "example"]
    stats = np.array([row["stats"]["auroc"] for row in rows], dtype=float)
    assert np.isfinite(stats).all()  # nothing left to turn into NaN on the way back
    assert roc_auc_score(stats[:, 1], stats[:, 0]) == pytest.approx(expected, abs=1e-12)

    # compare reads the rows back and accepts the pair (it refused it before)
    report = bench.compare(tmp_path / "a", tmp_path / "a")
    assert report is not None
