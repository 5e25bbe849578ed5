"""Readers and fingerprints on the records real downloads contain: each bad record is one
per-sample error with its reason, never a failed run (issue 14)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from benchmark_layouts import make_coco, make_nocaps
from card_helpers import card, load
from sentiment_layouts import MEMES, MVSA_SINGLE, make_hateful_memes, make_mvsa, make_tombert
from vqa_layouts import make_vqav2

from bench.data import fingerprint
from bench.data.fingerprint import fingerprint_samples
from bench.data.sources import read_split
from bench.types import Sample


def _reasons(task: str, root: Path) -> dict[str, str]:
    return {e.sample_id: e.reason for e in load(task, root, limit=100).errors}


def test_lone_surrogates_hash_deterministically_and_distinctly() -> None:
    one = Sample(id="1", image=None, text="caf\udce9")
    other = Sample(id="1", image=None, text="caf\udce8")
    replaced = Sample(id="1", image=None, text="caf\ufffd")
    first = fingerprint_samples([one])
    assert first == fingerprint_samples([Sample(id="1", image=None, text="caf\udce9")])
    assert len({first, fingerprint_samples([other]), fingerprint_samples([replaced])}) == 3


def _surrogate_json(path: Path, old: str, new: str) -> None:
    """Replace a string in a JSON file by one holding ``\\udce9`` (as json.dumps writes it)."""
    text = path.read_text(encoding="utf-8")
    assert json.dumps(old) in text
    path.write_text(text.replace(json.dumps(old), json.dumps(new)), encoding="utf-8")


def test_coco_caption_with_a_lone_surrogate_fails_its_image_only(tmp_path: Path) -> None:
    make_coco(tmp_path)
    _surrogate_json(
        tmp_path / "annotations/captions_val2014.json",
        "A woman cutting a large white sheet cake.",
        "A woman cutting a caf\udce9 cake.",
    )
    reasons = _reasons("coco-captioning", tmp_path)
    assert list(reasons) == ["522418"]
    assert reasons["522418"].startswith("text: caption holds an undecodable character")
    assert len(load("coco-captioning", tmp_path, limit=100).samples) == 3


def test_empty_caption_and_empty_question_are_per_sample_errors(tmp_path: Path) -> None:
    make_nocaps(tmp_path)
    _surrogate_json(
        tmp_path / "nocaps_val_4500_captions.json", "nocaps caption 3 for 0023f6cbbbbf5f6b", " "
    )
    assert _reasons("nocaps-captioning", tmp_path) == {"1": "text: empty caption"}
    make_vqav2(tmp_path)
    questions = tmp_path / "v2_OpenEnded_mscoco_val2014_questions.json"
    _surrogate_json(questions, "How many spoons?", "")
    _surrogate_json(questions, "Is the bowl full?", "Is the bowl \udcff?")
    reasons = _reasons("vqav2", tmp_path)
    assert reasons["393225001"] == "text: empty question"
    assert reasons["393225000"].startswith("text: question holds an undecodable character")
    assert len(reasons) == 2


def test_twitter_row_with_a_non_utf8_byte_fails_alone(tmp_path: Path) -> None:
    make_tombert(tmp_path, "absa_data/twitter", "IJCAI2019_data/twitter2017_images")
    tsv = tmp_path / "absa_data/twitter/test.tsv"
    tsv.write_bytes(tsv.read_bytes().replace(b"Crazy hair", b"Cr\xe9zy hair"))
    data = load("twitter2017", tmp_path, limit=100)
    assert [s.id for s in data.samples] == ["1", "2", "3"]
    assert {e.sample_id: e.reason for e in data.errors} == {
        "2": "text: line 3 is not valid UTF-8 (character 16)"
    }
    assert data.samples[1].label == "positive"  # the gold label is still known


def test_hateful_memes_non_utf8_line_and_missing_label(tmp_path: Path) -> None:
    make_hateful_memes(tmp_path)
    jsonl = tmp_path / "hateful_memes/test_seen.jsonl"
    raw = jsonl.read_bytes().replace(b"handjobs", b"hand\xffjobs")
    raw = raw.replace(b'"label": 0, "text": "introducing', b'"text": "introducing')
    jsonl.write_bytes(raw)
    reasons = _reasons("hateful-memes", tmp_path)
    assert reasons == {
        "16395": "text: line 1 is not valid UTF-8 (character 64)",
        "37405": "no usable label (None)",
    }


def test_mvsa_missing_label_and_bad_bytes_in_the_label_file(tmp_path: Path) -> None:
    make_mvsa(tmp_path, "MVSA_Single", MVSA_SINGLE)
    labels = tmp_path / "MVSA_Single/labelResultAll.txt"
    raw = labels.read_bytes()
    raw = raw.replace(b"\n4\tneutral,neutral\n", b"\n4\t\n")
    raw = raw.replace(b"\n9\tnegative,negative\n", b"\n9\tnegative,neg\xe9tive\n")
    labels.write_bytes(raw)
    samples = [
        s
        for split in ("test", "dev", "train")
        for s in read_split(card("mvsa-single"), split, tmp_path)[0]
    ]
    errors = {s.id: s.meta.get("load_error") for s in samples if "load_error" in s.meta}
    assert errors == {
        "4": "label: line 5 has no usable label ('4')",
        "9": "text: line 10 is not valid UTF-8 (character 15)",
    }
    assert all(s.label is None for s in samples if s.id in errors)


def _write_clmlf(root: Path, folder: str, splits: dict[str, list[str]]) -> None:
    base = root / "dataset/data" / folder / "10-flod-1"
    base.mkdir(parents=True)
    for split, ids in splits.items():
        entries = [{"id": i, "text": f"text {i}", "emotion_label": 0} for i in ids]
        (base / f"{split}.json").write_text(json.dumps(entries), encoding="utf-8")


def test_mvsa_reads_clmlf_split_files_when_present(tmp_path: Path) -> None:
    kept = make_mvsa(tmp_path, "MVSA_Single", MVSA_SINGLE)
    _write_clmlf(tmp_path, "MVSA-single", {"test": ["12", "2", "4"], "dev": ["1"], "train": ["5"]})
    samples, where = read_split(card("mvsa-single"), "test", tmp_path)
    assert [s.id for s in samples] == ["12", "2", "4"]
    assert [s.label for s in samples] == [kept[i][0] for i in ("12", "2", "4")]
    assert where.endswith("(published split dataset/data/MVSA-single/10-flod-1/test.json)")
    # A listed post the annotations leave out of the benchmark is one failed sample.
    _write_clmlf(tmp_path / "other", "MVSA-single", {"test": ["3", "1"]})
    make_mvsa(tmp_path / "other", "MVSA_Single", MVSA_SINGLE)
    samples, _ = read_split(card("mvsa-single"), "test", tmp_path / "other")
    assert samples[0].meta["load_error"].startswith("label: the annotations give this post")
    assert samples[1].label == "positive"


def test_mvsa_without_split_files_names_the_fallback(tmp_path: Path) -> None:
    make_mvsa(tmp_path, "MVSA_Single", MVSA_SINGLE)
    _, where = read_split(card("mvsa-single"), "train", tmp_path)
    assert where.endswith("(seeded draw (fallback: no published split file))")


def test_data_dir_at_either_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.cli.main import main

    make_tombert(tmp_path / "TomBERT", "absa_data/twitter", "absa_data/twitter2017_images")
    inner = load("twitter2017", tmp_path / "TomBERT/absa_data", limit=100)
    assert [s.id for s in inner.samples] == ["1", "2", "3"] and not inner.errors
    make_hateful_memes(tmp_path / "memes")
    outer = load("hateful-memes", tmp_path / "memes", limit=100)
    itself = load("hateful-memes", tmp_path / "memes/hateful_memes", limit=100)
    assert outer.fingerprint == itself.fingerprint
    main(["data", "check", "hateful-memes", "--data-dir", str(tmp_path / "memes/hateful_memes")])
    out = capsys.readouterr().out
    assert "found as 'test_seen.jsonl': --data-dir is the hateful_memes/ folder itself" in out
    assert "note: The pinned hub snapshot's history only adds images" in out
    make_nocaps(tmp_path / "nocaps")
    (tmp_path / "nocaps/validation").rename(tmp_path / "nocaps/val")
    assert not load("nocaps-captioning", tmp_path / "nocaps", limit=100).errors


def test_user_symlinks_are_followed_card_escapes_still_refused(tmp_path: Path) -> None:
    other_disk = tmp_path / "disk"
    make_hateful_memes(other_disk)
    root = tmp_path / "data"
    (root / "hateful_memes").mkdir(parents=True)
    for name in ("train.jsonl", "dev_seen.jsonl", "test_seen.jsonl"):
        (root / "hateful_memes" / name).write_bytes(
            (other_disk / "hateful_memes" / name).read_bytes()
        )
    (root / "hateful_memes/img").symlink_to(other_disk / "hateful_memes/img")
    data = load("hateful-memes", root, limit=100)
    assert not data.errors
    assert [Path(str(s.image)).parent for s in data.samples] == [
        (other_disk / "hateful_memes/img").resolve()
    ] * len(MEMES["test_seen"])
    # An annotation path climbing out is still refused, per sample.
    jsonl = root / "hateful_memes/test_seen.jsonl"
    jsonl.write_text(
        jsonl.read_text().replace('"img/16395.png"', '"../../disk/hateful_memes/img/16395.png"')
    )
    assert "climbs out" in _reasons("hateful-memes", root)["16395"]


def test_shared_images_are_read_once_per_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_vqav2(tmp_path)
    reads: list[str] = []
    real_open = Path.open

    def counting_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.suffix == ".jpg":
            reads.append(self.name)
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fingerprint, "_FILE_DIGESTS", {})
    monkeypatch.setattr(Path, "open", counting_open)
    samples = load("vqav2", tmp_path, limit=100).samples
    first = fingerprint_samples(samples)
    assert fingerprint_samples(samples) == first
    # 4 questions on 2 images: each image is read once, however often it is fingerprinted.
    assert sorted(reads) == sorted({Path(str(s.image)).name for s in samples})
    image = Path(str(samples[0].image))
    expected = hashlib.sha256(image.read_bytes()).hexdigest()
    assert fingerprint.image_digest(image) == expected
    image.write_bytes(image.read_bytes() + b"changed")  # new size: read again
    assert fingerprint.image_digest(image) != expected
