"""VQA cards (VQAv2 val, VQAv2 lite, OK-VQA, TextVQA) on tiny original layouts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from benchmark_layouts import coco_file
from card_helpers import card, load
from vqa_layouts import make_okvqa, make_textvqa, make_vqav2

from bench.data.cards import SourceSpec
from bench.data.sources.vqa import read_vqa_official
from bench.errors import UsageError
from bench.types import LOAD_ERROR_KEY


def test_vqav2_one_sample_per_question_with_official_answers(tmp_path: Path) -> None:
    rows = make_vqav2(tmp_path)
    data = load("vqav2", tmp_path, limit=10)
    assert [s.id for s in data.samples] == [str(r[0]) for r in rows]
    for sample, (_qid, image_id, question, answer_type, question_type, answers) in zip(
        data.samples, rows, strict=True
    ):
        assert sample.text == question
        assert list(sample.references) == answers  # all 10, annotation order
        assert sample.meta == {
            "image_id": str(image_id),
            "answer_type": answer_type,
            "question_type": question_type,
            "multiple_choice_answer": answers[0],
        }
        assert Path(str(sample.image)).name == coco_file(image_id)
    with pytest.raises(UsageError, match="expected 214354 samples in split 'val', found 4"):
        load("vqav2", tmp_path)


def test_question_without_annotation_is_a_failed_sample(tmp_path: Path) -> None:
    make_vqav2(tmp_path)
    annotations = tmp_path / "v2_mscoco_val2014_annotations.json"
    annotations.write_text(
        annotations.read_text().replace('"question_id": 393225001', '"question_id": 7')
    )
    data = load("vqav2", tmp_path, limit=10)
    assert [(e.sample_id, e.reason) for e in data.errors] == [
        ("393225001", "no annotation for this question id")
    ]
    assert len(data.samples) == 4  # still counted, never silently dropped


def test_vqav2_wrong_layout_names_the_questions_file(tmp_path: Path) -> None:
    make_vqav2(tmp_path)
    (tmp_path / "v2_OpenEnded_mscoco_val2014_questions.json").unlink()
    with pytest.raises(UsageError) as info:
        load("vqav2", tmp_path, limit=4)
    assert "'v2_OpenEnded_mscoco_val2014_questions.json' is missing" in str(info.value)
    assert "v2_Questions_Val_mscoco.zip" in str(info.value)


def test_vqav2_lite_card_defines_the_seeded_stratified_subset() -> None:
    spec = card("vqav2-lite").sources["local"]
    assert spec.options["subset"] == {"size": 5000, "stratify": "answer_type", "seed": 0}
    assert card("vqav2-lite").sources["hub"].options["subset"] == spec.options["subset"]
    assert card("vqav2-lite").size == 5000


def test_vqav2_lite_selection_on_a_fixture(tmp_path: Path) -> None:
    make_vqav2(tmp_path)
    # The card's own local source with a subset small enough for the fixture.
    lite = card("vqav2-lite").sources["local"]
    spec = SourceSpec(
        "local", lite.kind, {**lite.options, "subset": {**lite.options["subset"], "size": 3}}
    )
    chosen = read_vqa_official(spec, "val", tmp_path)
    # 3 of 4 (other 2, yes/no 1, number 1): exact 1.5 / 0.75 / 0.75 -> floors 1, 0, 0;
    # the 2 left go to the largest remainders (0.75, 0.75): yes/no and number.
    # The "other" question kept is the one with the smaller sha256("0:{id}").
    other = min(
        ["262148000", "262148001"], key=lambda q: hashlib.sha256(f"0:{q}".encode()).hexdigest()
    )
    assert sorted(s.id for s in chosen) == sorted([other, "393225000", "393225001"])
    # With the full-size rule the 4-question fixture is kept whole (5000 > 4).
    assert len(load("vqav2-lite", tmp_path, limit=10).samples) == 4


def test_okvqa_keeps_the_doubled_answers_of_the_official_file(tmp_path: Path) -> None:
    rows = make_okvqa(tmp_path)
    data = load("okvqa", tmp_path, limit=10)
    assert list(data.samples[0].references) == [
        "down",
        "down",
        "down",
        "down",
        "at table",
        "at table",
        "skateboard",
        "skateboard",
        "down",
        "down",
    ]
    assert [list(s.references) for s in data.samples] == [r[5] for r in rows]
    with pytest.raises(UsageError, match="expected 5046"):
        load("okvqa", tmp_path)


def test_textvqa_reads_train_images_folder(tmp_path: Path) -> None:
    rows = make_textvqa(tmp_path)
    data = load("textvqa", tmp_path, limit=10)
    assert [s.id for s in data.samples] == ["34602", "34603"]
    assert [list(s.references) for s in data.samples] == [r[3] for r in rows]
    assert data.samples[0].text == "what is the brand of this camera?"
    assert data.samples[0].meta == {"image_id": "0054c91397f2fe05"}
    assert (
        Path(str(data.samples[1].image))
        == (tmp_path / "train_images" / "005635e119b9f32f.jpg").resolve()
    )
    with pytest.raises(UsageError, match="found 2"):
        load("textvqa", tmp_path)


def test_textvqa_entry_with_bad_image_id_is_a_failed_sample(tmp_path: Path) -> None:
    make_textvqa(tmp_path)
    data_file = tmp_path / "TextVQA_0.5.1_val.json"
    data_file.write_text(data_file.read_text().replace('"0054c91397f2fe05"', '"../../outside"'))
    data = load("textvqa", tmp_path, limit=10)
    assert data.samples[0].meta[LOAD_ERROR_KEY].startswith("refused file path")
    assert data.samples[1].image is not None
