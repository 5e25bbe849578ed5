"""Every bad-data case through ``modalbench run``: reasons, counts, denominators, exit codes.

The data folder mixes clean images, images that must decode despite an unusual format
(CMYK JPEG, 16-bit / palette / RGBA PNG) and every broken case: a missing file, truncated
JPEG and PNG, corrupt bytes, a decompression bomb, an empty caption or question, a line
that is not UTF-8, a duplicate id and a path escaping the data folder. The model
(``badcases:colour-oracle``) is exact on clean inputs and emits NaN / inf embeddings and
empty answers for some on purpose, so every metric value is known by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bad_images as bad
import numpy as np
import pytest
from PIL import Image

from bench.cli.main import main
from bench.records.io import find_runs, read_record, read_rows
from bench.records.schema import RunRecord

CARD = """name = "{name}"
family = "{family}"
description = "broken on purpose"
license = "CC0-1.0"
split = "test"

[source.local]
kind = "jsonl"
[source.local.files]
annotations = "{file}"
"""


def solid(name: str) -> bytes:
    from modalbench_badcases import PALETTE

    return bad.encode(Image.new("RGB", (12, 12), PALETTE[name]), "PNG")


def transparent_png() -> bytes:
    return bad.encode(Image.new("RGBA", (12, 12), (0, 0, 0, 0)), "PNG")


def grey16_png() -> bytes:
    return bad.png16(32896)  # 128 after 16 -> 8 bit scaling


def yellow_palette_png() -> bytes:
    image = Image.new("P", (12, 12), 1)
    image.putpalette([0, 0, 0, 255, 255, 0] + [0] * (256 * 3 - 6))
    return bad.encode(image, "PNG")


#: file name -> bytes. "missing.png" is referenced but never written.
IMAGES = {
    "red.png": lambda: solid("red"),
    "green.jpg": lambda: bad.encode(Image.new("RGB", (12, 12), (0, 255, 0)), "JPEG"),
    "cmyk.jpg": bad.cmyk_jpeg,  # cyan
    "grey16.png": grey16_png,
    "palette.png": yellow_palette_png,
    "rgba.png": transparent_png,  # white once composited
    "trunc.jpg": bad.truncated_jpeg,
    "trunc.png": bad.truncated_png,
    "corrupt.png": bad.corrupt_bytes,
    "bomb.png": bad.bomb_png,
    "magenta.png": lambda: solid("magenta"),
    "blue.png": lambda: solid("blue"),
    "black.png": lambda: solid("black"),
    "orange.png": lambda: solid("orange"),
    "purple.png": lambda: solid("purple"),
    "teal.png": lambda: solid("teal"),
    "olive.png": lambda: solid("olive"),
    "navy.png": lambda: solid("navy"),
}


def write_images(root: Path) -> None:
    (root / "secret.png").write_bytes(solid("pink"))  # outside the data folder
    data = root / "data"
    data.mkdir()
    for name, make in IMAGES.items():
        (data / name).write_bytes(make())


def write_jsonl(path: Path, records: list[Any]) -> None:
    lines = [r if isinstance(r, bytes) else json.dumps(r).encode() for r in records]
    path.write_bytes(b"\n".join(lines) + b"\n")


def run_cli(cards: Path, data: Path, out: Path, task: str, *extra: str) -> int:
    return main(
        [
            "run",
            "--task",
            task,
            "--model",
            "badcases:colour-oracle",
            "--data-dir",
            str(data),
            "--out",
            str(out),
            "--batch-size",
            "4",
            "--num-workers",
            "0",
            "--bootstrap",
            "50",
            "--quiet",
            *extra,
        ]
    )


def only_record(out: Path) -> tuple[RunRecord, list[dict[str, Any]]]:
    (folder,) = find_runs(out)
    return read_record(folder), list(read_rows(folder))


def reasons(record: RunRecord) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in record.errors:
        found.setdefault(error.sample_id, error.reason)
    return found


VQA_RECORDS: list[Any] = [
    # clean and unusual-but-valid images, two questions on most
    *(
        {
            "id": f"{stem}-{q}",
            "image": f"{stem}.{ext}",
            "question": f"colour {q}?",
            "answers": [c] * 10,
        }
        for stem, ext, c in [
            ("red", "png", "red"),
            ("green", "jpg", "green"),
            ("cmyk", "jpg", "cyan"),
            ("grey16", "png", "grey"),
            ("palette", "png", "yellow"),
            ("rgba", "png", "white"),
        ]
        for q in (1, 2)
    ),
    {"id": "missing", "image": "missing.png", "question": "colour?", "answers": ["red"]},
    {"id": "trunc-jpg", "image": "trunc.jpg", "question": "colour?", "answers": ["red"]},
    {"id": "trunc-png", "image": "trunc.png", "question": "colour?", "answers": ["red"]},
    {"id": "corrupt", "image": "corrupt.png", "question": "colour?", "answers": ["red"]},
    {"id": "bomb", "image": "bomb.png", "question": "colour?", "answers": ["red"]},
    {"id": "silent", "image": "black.png", "question": "colour?", "answers": ["black"]},
    {"id": "empty-q", "image": "blue.png", "question": " ", "answers": ["blue"]},
    b'{"id": "latin1", "image": "blue.png", "question": "couleur \xe9?", "answers": ["blue"]}',
    {"id": "dup", "image": "teal.png", "question": "colour?", "answers": ["teal"] * 10},
    {"id": "dup", "image": "olive.png", "question": "colour?", "answers": ["olive"]},
    {"id": "escape", "image": "../secret.png", "question": "colour?", "answers": ["pink"]},
]
VQA_FAILED = {
    "missing": "image: file not found: missing.png",
    "trunc-jpg": "image: truncated or corrupt",
    "trunc-png": "image: truncated or corrupt",
    "corrupt": "image: not a recognised image format",
    "bomb": "decompression bomb",
    "silent": "empty generation",
    "empty-q": "text: empty question",
    "latin1": "text: line 20 is not valid UTF-8",
    "dup~dup1": "duplicate sample id 'dup' (first occurrence kept)",
    "escape": "refused file path: path '../secret.png' climbs out of the dataset folder",
}


@pytest.mark.slow
def test_vqa_bad_data_is_reported_per_sample(badcases: Path, tmp_path: Path) -> None:
    write_images(tmp_path)
    write_jsonl(tmp_path / "data" / "vqa.jsonl", VQA_RECORDS)
    (badcases / "bad-vqa.toml").write_text(
        CARD.format(name="bad-vqa", family="vqa", file="vqa.jsonl")
    )
    out = tmp_path / "results"
    status = run_cli(badcases, tmp_path / "data", out, "bad-vqa", "--max-failures", "0.5")
    assert status == 0
    record, rows = only_record(out)
    n = len(VQA_RECORDS)
    assert record.task.n_samples == n == 23
    found = reasons(record)
    assert set(found) == set(VQA_FAILED)
    for sample_id, expected in VQA_FAILED.items():
        assert expected in found[sample_id], (sample_id, found[sample_id])
    assert record.n_failed == len(VQA_FAILED) == 10
    # the 13 clean questions are answered exactly; failed ones count as wrong, not dropped
    assert record.metrics["accuracy"].value == pytest.approx(13 / 23)
    assert len(rows) == n
    by_id = {row["id"]: row for row in rows}
    assert by_id["cmyk-1"]["prediction"] == "cyan" and by_id["cmyk-1"]["error"] is None
    assert by_id["rgba-2"]["prediction"] == "white"
    assert by_id["silent"]["prediction"] is None and by_id["silent"]["stats"]["accuracy"][0] == 0.0
    # 10 of 23 failed: above a 0.4 allowance the run exits 1, at 0.5 it did not
    assert (
        run_cli(
            badcases, tmp_path / "data", tmp_path / "strict", "bad-vqa", "--max-failures", "0.4"
        )
        == 1
    )
    assert len(find_runs(tmp_path / "strict")) == 1  # the record is still written


RETRIEVAL_RECORDS: list[Any] = [
    {"id": "red", "image": "red.png", "captions": ["a red picture", "red again"]},
    {"id": "green", "image": "green.jpg", "captions": ["a green picture", "green"]},
    {"id": "cmyk", "image": "cmyk.jpg", "captions": ["a cyan picture", "cyan"]},
    {"id": "grey16", "image": "grey16.png", "captions": ["a grey picture", "grey"]},
    {"id": "palette", "image": "palette.png", "captions": ["a yellow picture", "yellow"]},
    {"id": "rgba", "image": "rgba.png", "captions": ["a white picture", "white"]},
    {"id": "missing", "image": "missing.png", "captions": ["a maroon picture", "maroon"]},
    {"id": "trunc-jpg", "image": "trunc.jpg", "captions": ["a maroon picture", "maroon"]},
    {"id": "trunc-png", "image": "trunc.png", "captions": ["a maroon picture", "maroon"]},
    {"id": "corrupt", "image": "corrupt.png", "captions": ["a maroon picture", "maroon"]},
    {"id": "bomb", "image": "bomb.png", "captions": ["a maroon picture", "maroon"]},
    {"id": "nan", "image": "magenta.png", "captions": ["a magenta picture", "magenta"]},
    {"id": "inf", "image": "blue.png", "captions": ["a blue picture", "glitch blue"]},
    {"id": "empty-cap", "image": "orange.png", "captions": ["an orange picture", ""]},
    b'{"id": "latin1", "image": "purple.png", "captions": ["pourpre \xe9", "purple"]}',
    {"id": "dup", "image": "teal.png", "captions": ["a teal picture", "teal"]},
    {"id": "dup", "image": "olive.png", "captions": ["an olive picture", "olive"]},
    {"id": "escape", "image": "../secret.png", "captions": ["a pink picture", "pink"]},
    {"id": "navy", "image": "navy.png", "captions": ["a navy picture", "navy"]},
]
RETRIEVAL_FAILED = {
    "missing": "image: file not found: missing.png",
    "trunc-jpg": "image: truncated or corrupt",
    "trunc-png": "image: truncated or corrupt",
    "corrupt": "image: not a recognised image format",
    "bomb": "decompression bomb",
    "nan": "non-finite values (NaN or inf) in model output",
    "inf#1": "non-finite values (NaN or inf) in model output",
    "empty-cap": "text: empty caption",
    "latin1": "text: line 15 is not valid UTF-8",
    "dup~dup1": "duplicate sample id 'dup' (first occurrence kept)",
    "escape": "refused file path: path '../secret.png' climbs out of the dataset folder",
}


@pytest.mark.slow
def test_retrieval_bad_data_is_reported_per_sample(badcases: Path, tmp_path: Path) -> None:
    write_images(tmp_path)
    write_jsonl(tmp_path / "data" / "retrieval.jsonl", RETRIEVAL_RECORDS)
    (badcases / "bad-retrieval.toml").write_text(
        CARD.format(name="bad-retrieval", family="retrieval", file="retrieval.jsonl")
    )
    out = tmp_path / "results"
    assert run_cli(badcases, tmp_path / "data", out, "bad-retrieval", "--max-failures", "1") == 0
    record, rows = only_record(out)
    assert record.task.n_samples == len(RETRIEVAL_RECORDS) == 19
    found = reasons(record)
    assert set(found) == set(RETRIEVAL_FAILED)
    for unit_id, expected in RETRIEVAL_FAILED.items():
        assert expected in found[unit_id], (unit_id, found[unit_id])
    # "inf" failed through one caption: one failed sample however many units failed
    assert record.n_failed == 11
    # Clean pairs rank first: the 8 clean images (red ... rgba, dup, navy) with both
    # captions, and inf's good caption. Every caption stays in the t2i denominator and
    # every image in the i2t one.
    texts = 2 * len(RETRIEVAL_RECORDS)
    good_captions = 2 * 8 + 1
    assert record.metrics["t2i_R@1"].value == pytest.approx(good_captions / texts)
    assert record.metrics["i2t_R@1"].value == pytest.approx(9 / len(RETRIEVAL_RECORDS))
    assert {row["unit"] for row in rows} >= {"image"}
    assert np.isfinite([m.value for m in record.metrics.values()]).all()
