"""``run`` and ``score`` give identical values and CIs for identical predictions and seed."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

import bench
from bench.records.io import find_runs, read_rows

CARD = """name = "colour-vqa"
family = "vqa"
description = "colours, several questions per image"
license = "CC0-1.0"
split = "test"

[source.local]
kind = "jsonl"
[source.local.files]
annotations = "vqa.jsonl"
"""
COLOURS = ["red", "green", "blue", "yellow", "pink", "black", "orange"]


def test_run_and_score_agree_on_value_and_clustered_ci(badcases: Path, tmp_path: Path) -> None:
    from modalbench_badcases import PALETTE

    data = tmp_path / "data"
    data.mkdir()
    records, annotations = [], []
    for i in range(21):
        colour = COLOURS[i % len(COLOURS)]
        Image.new("RGB", (12, 12), PALETTE[colour]).save(data / f"{i}.png")
        for q in range(3):  # three questions share each image: one cluster
            qid = f"q{i}-{q}"
            answers = [colour] * 7 + ["grey"] * 3 if q else [colour] * 10
            records.append({"id": qid, "image": f"{i}.png", "question": "c?", "answers": answers})
            annotations.append(
                {"question_id": qid, "image_id": f"{i}.png",
                 "answers": [{"answer": a, "answer_id": j} for j, a in enumerate(answers)]}
            )  # fmt: skip
    (data / "vqa.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    (badcases / "colour-vqa.toml").write_text(CARD)
    (record,) = bench.run(
        tasks=["colour-vqa"], models=["badcases:colour-oracle"], data_dir=data,
        out=tmp_path / "r", bootstrap=500, seed=7, num_workers=0, progress=False,
    )  # fmt: skip
    entry = record.metrics["accuracy"]
    assert entry.resampled_by == "image"
    assert entry.ci_low is not None and entry.ci_low < entry.value < 1.0  # black fails

    (folder,) = find_runs(tmp_path / "r")
    predictions = [
        {"question_id": row["id"], "answer": row["prediction"] or ""}
        for row in read_rows(folder)
        if row["unit"] == "question"
    ]
    report = bench.score("vqa", predictions, {"annotations": annotations}, bootstrap=500, seed=7)
    assert report.values["accuracy"] == entry.value
    assert report.ci["accuracy"] == (entry.ci_low, entry.ci_high)
