"""Captioning cards (COCO Karpathy test, NoCaps val, Flickr30k Karpathy test) on tiny
copies of their original layouts, read by the same code a run uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmark_layouts import coco_file, make_coco, make_flickr, make_nocaps
from card_helpers import load

from bench.errors import UsageError
from bench.types import LOAD_ERROR_KEY


def test_coco_captioning_uses_official_captions_for_karpathy_test_images(tmp_path: Path) -> None:
    expected = make_coco(tmp_path)
    data = load("coco-captioning", tmp_path, limit=100)
    assert [s.id for s in data.samples] == list(expected)  # Karpathy file order, test only
    for sample in data.samples:
        # Official captions in annotation order, not Karpathy's lower-cased raw sentences.
        assert list(sample.references) == expected[sample.id]
        assert sample.meta == {"image_id": sample.id}
        assert (
            Path(str(sample.image)) == (tmp_path / "val2014" / coco_file(int(sample.id))).resolve()
        )
        assert Path(str(sample.image)).is_file()
    assert len(data.samples[1].references) == 6  # images keep every caption they have
    assert data.errors == ()
    assert data.source.startswith("local:karpathy:")
    assert data.split == "test"


def test_coco_count_mismatch_names_both_numbers(tmp_path: Path) -> None:
    make_coco(tmp_path)
    with pytest.raises(UsageError) as info:
        load("coco-captioning", tmp_path)
    message = str(info.value)
    assert "expected 5000" in message and "found 3" in message
    assert "coco-captioning" in message


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("dataset_coco.json", "dataset_coco.json"),
        ("annotations/captions_val2014.json", "annotations/captions_val2014.json"),
        ("val2014", "val2014"),
    ],
)
def test_coco_wrong_layout_names_the_first_missing_file(
    tmp_path: Path, missing: str, named: str
) -> None:
    make_coco(tmp_path)
    target = tmp_path / missing
    if target.is_dir():
        for child in target.iterdir():
            child.unlink()
        target.rmdir()
    else:
        target.unlink()
    with pytest.raises(UsageError) as info:
        load("coco-captioning", tmp_path, limit=3)
    assert f"'{named}' is missing" in str(info.value)
    assert "http" in str(info.value)  # where to get it


def test_coco_image_without_captions_is_a_failed_sample(tmp_path: Path) -> None:
    make_coco(tmp_path)
    official = tmp_path / "annotations" / "captions_val2014.json"
    text = official.read_text()
    official.write_text(text.replace('"image_id": 184613', '"image_id": 1'))
    data = load("coco-captioning", tmp_path, limit=3)
    assert [e.sample_id for e in data.errors] == ["184613"]
    assert "no reference captions" in data.errors[0].reason


def test_missing_image_file_is_not_a_reader_error(tmp_path: Path) -> None:
    make_coco(tmp_path)
    (tmp_path / "val2014" / coco_file(522418)).unlink()
    data = load("coco-captioning", tmp_path, limit=3)
    assert data.errors == ()  # the decoder reports it per sample during the run
    assert not Path(str(data.samples[1].image)).exists()


def test_malformed_annotation_json_is_bad_input_naming_the_file(tmp_path: Path) -> None:
    make_coco(tmp_path)
    (tmp_path / "dataset_coco.json").write_text("{not json")
    with pytest.raises(UsageError, match=r"dataset_coco\.json: malformed JSON"):
        load("coco-captioning", tmp_path, limit=3)


def test_image_path_escaping_the_data_dir_is_a_failed_sample(tmp_path: Path) -> None:
    make_coco(tmp_path)
    karpathy = tmp_path / "dataset_coco.json"
    karpathy.write_text(karpathy.read_text().replace(coco_file(391895), "../../etc/passwd"))
    data = load("coco-captioning", tmp_path, limit=3)
    assert data.samples[0].meta[LOAD_ERROR_KEY].startswith("refused file path")
    assert data.samples[0].image is None
    assert [e.sample_id for e in data.errors] == ["391895"]


def test_flickr30k_captioning_reads_karpathy_sentences(tmp_path: Path) -> None:
    expected = make_flickr(tmp_path)
    data = load("flickr30k-captioning", tmp_path, limit=10)
    assert [s.id for s in data.samples] == list(expected)
    for sample in data.samples:
        assert list(sample.references) == expected[sample.id]
        assert Path(str(sample.image)).name == f"{sample.id}.jpg"
    with pytest.raises(UsageError, match="expected 1000 samples in split 'test', found 2"):
        load("flickr30k-captioning", tmp_path)


def test_nocaps_reads_the_coco_format_file(tmp_path: Path) -> None:
    expected = make_nocaps(tmp_path)
    data = load("nocaps-captioning", tmp_path, limit=10)
    assert [s.id for s in data.samples] == ["0", "1", "2"]
    assert [len(s.references) for s in data.samples] == [10, 10, 10]
    assert list(data.samples[2].references) == expected["2"]
    assert data.samples[2].meta == {
        "image_id": "2",
        "domain": "out-domain",
        "open_images_id": "003b0b6a3a0a3d6a",
    }
    assert Path(str(data.samples[0].image)).name == "0013ea2087020901.jpg"
    (tmp_path / "nocaps_val_4500_captions.json").unlink()
    with pytest.raises(UsageError, match=r"'nocaps_val_4500_captions\.json' is missing"):
        load("nocaps-captioning", tmp_path, limit=3)
