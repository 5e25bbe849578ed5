"""Every benchmark card, run end to end with bad records planted in the evaluated split.

For each card the test builds two copies of its original layout: one with records of the
kinds real downloads contain (lone-surrogate escapes in JSON, bytes that are not UTF-8 in
text files, a missing or unknown label, an empty question or caption), and one with those
records removed. Both are run with a deterministic test double. The dirty run must finish,
report each bad record as exactly one per-sample error with its reason, answer every good
record exactly as the clean run does, and the metric over the good records (scored from
the dirty run's own predictions) must equal the clean run's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from benchmark_layouts import make_coco, make_flickr, make_nocaps
from doubles import DoubleModels
from sentiment_layouts import (
    MVSA_MULTIPLE,
    MVSA_SINGLE,
    make_hateful_memes,
    make_mvsa,
    make_tombert,
)
from vqa_layouts import make_okvqa, make_textvqa, make_vqav2

import bench
from bench import registry
from bench.records.io import find_runs, read_rows

SURROGATE = "caf\udce9"  # what json.dumps writes as "caf\\udce9" for an undecodable byte


def _edit_json(path: Path, change: Callable[[Any], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")  # lone surrogates -> \\udXXX escapes


def _edit_bytes(path: Path, old: bytes, new: bytes) -> None:
    raw = path.read_bytes()
    assert old in raw, (path, old)
    path.write_bytes(raw.replace(old, new))


def _drop_lines(path: Path, needles: list[bytes]) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(x for x in lines if not any(n in x for n in needles)))


# -- per layout: build, plant bad records (-> {id: reason prefix}), remove them ------------


def _coco(root: Path, dirty: bool) -> dict[str, str]:
    make_coco(root)
    bad = {"522418": "text: caption holds an undecodable", "184613": "text: empty caption"}
    if dirty:

        def plant(data: Any) -> None:
            mine = [a for a in data["annotations"] if a["image_id"] == 522418]
            mine[1]["caption"] = SURROGATE
            [a for a in data["annotations"] if a["image_id"] == 184613][2]["caption"] = " "

        _edit_json(root / "annotations/captions_val2014.json", plant)
    else:
        _edit_json(root / "dataset_coco.json", lambda d: _resplit(d, {522418, 184613}))
    return bad


def _resplit(data: Any, ids: set[Any]) -> None:
    for image in data["images"]:
        if image.get("cocoid", Path(image["filename"]).stem) in ids:
            image["split"] = "train"


def _flickr(root: Path, dirty: bool) -> dict[str, str]:
    make_flickr(root)
    if dirty:

        def plant(data: Any) -> None:
            data["images"][1]["sentences"][3]["raw"] = SURROGATE

        _edit_json(root / "dataset_flickr30k.json", plant)
    else:
        _edit_json(root / "dataset_flickr30k.json", lambda d: _resplit(d, {"1009434119"}))
    return {"1009434119": "text: caption holds an undecodable"}


def _nocaps(root: Path, dirty: bool) -> dict[str, str]:
    make_nocaps(root)

    def plant(data: Any) -> None:
        if dirty:
            [a for a in data["annotations"] if a["image_id"] == 1][4]["caption"] = SURROGATE
            next(a for a in data["annotations"] if a["image_id"] == 2)["caption"] = ""
        else:
            data["images"] = [i for i in data["images"] if i["id"] == 0]

    _edit_json(root / "nocaps_val_4500_captions.json", plant)
    return {"1": "text: caption holds an undecodable", "2": "text: empty caption"}


def _vqa(make: Callable[[Path], Any], questions: str) -> Callable[[Path, bool], dict[str, str]]:
    def build(root: Path, dirty: bool) -> dict[str, str]:
        make(root)

        def plant(data: Any) -> None:
            if dirty:
                by_id = {q["question_id"]: q for q in data["questions"]}
                by_id[262148001]["question"] = f"What are the {SURROGATE} doing?"
                by_id[393225001]["question"] = "  "
            else:
                data["questions"] = [
                    q for q in data["questions"] if q["question_id"] not in (262148001, 393225001)
                ]

        _edit_json(root / questions, plant)
        return {
            "262148001": "text: question holds an undecodable",
            "393225001": "text: empty question",
        }

    return build


def _textvqa(root: Path, dirty: bool) -> dict[str, str]:
    make_textvqa(root)

    def plant(data: Any) -> None:
        if dirty:
            data["data"][0]["question"] = SURROGATE
        else:
            data["data"] = data["data"][1:]

    _edit_json(root / "TextVQA_0.5.1_val.json", plant)
    return {"34602": "text: question holds an undecodable"}


def _mvsa(folder: str, clmlf: str, lines: list[Any], test: list[str]) -> Any:
    def build(root: Path, dirty: bool) -> dict[str, str]:
        make_mvsa(root, folder, lines)
        # The first test post loses its label; the second's text file is not UTF-8.
        missing, undecodable = test[0], test[1]
        bad = {missing: "label: line", undecodable: "text file"}
        if dirty:
            labels = root / folder / "labelResultAll.txt"
            raw = labels.read_bytes().splitlines()
            raw = [
                f"{missing}".encode() if x.split(b"\t")[0] == missing.encode() else x for x in raw
            ]
            labels.write_bytes(b"\n".join(raw) + b"\n")
            (root / folder / "data" / f"{undecodable}.txt").write_bytes(b"caf\xe9 \xff")
        ids = test if dirty else [i for i in test if i not in bad]
        base = root / "dataset/data" / clmlf / "10-flod-1"
        base.mkdir(parents=True)
        for split, members in (("test", ids), ("dev", []), ("train", [])):
            entries = [{"id": i, "text": "", "emotion_label": 0} for i in members]
            (base / f"{split}.json").write_text(json.dumps(entries))
        return bad

    return build


def _twitter(tsv: str, images: str) -> Callable[[Path, bool], dict[str, str]]:
    def build(root: Path, dirty: bool) -> dict[str, str]:
        make_tombert(root, tsv, images)
        path = root / tsv / "test.tsv"
        if dirty:
            _edit_bytes(path, b"Crazy hair", b"Cr\xe9zy hair")
            _edit_bytes(path, b"3\t0\t2003.jpg", b"3\t7\t2003.jpg")
        else:
            _drop_lines(path, [b"Crazy hair", b"2003.jpg"])
        return {"2": "text: line 3 is not valid UTF-8", "3": "unknown label value '7'"}

    return build


def _memes(root: Path, dirty: bool) -> dict[str, str]:
    make_hateful_memes(root)
    path = root / "hateful_memes/test_seen.jsonl"
    if dirty:
        _edit_bytes(path, b"handjobs", b"hand\xffjobs")
        _edit_bytes(path, b'"label": 0, "text": "introducing', b'"text": "introducing')
    else:
        _drop_lines(path, [b"handjobs", b"introducing"])
    return {"16395": "text: line 1 is not valid UTF-8", "37405": "no usable label"}


LAYOUTS: dict[str, Callable[[Path, bool], dict[str, str]]] = {
    "coco-captioning": _coco,
    "coco-retrieval": _coco,
    "flickr30k-captioning": _flickr,
    "flickr30k-retrieval": _flickr,
    "nocaps-captioning": _nocaps,
    "vqav2": _vqa(make_vqav2, "v2_OpenEnded_mscoco_val2014_questions.json"),
    "vqav2-lite": _vqa(make_vqav2, "v2_OpenEnded_mscoco_val2014_questions.json"),
    "okvqa": _vqa(make_okvqa, "OpenEnded_mscoco_val2014_questions.json"),
    "textvqa": _textvqa,
    "mvsa-single": _mvsa("MVSA_Single", "MVSA-single", MVSA_SINGLE, ["4", "5", "1", "2", "12"]),
    "mvsa-multiple": _mvsa("MVSA", "MVSA-multiple", MVSA_MULTIPLE, ["2", "5", "1", "7", "12"]),
    "twitter2015": _twitter("absa_data/twitter2015", "IJCAI2019_data/twitter2015_images"),
    "twitter2017": _twitter("absa_data/twitter", "IJCAI2019_data/twitter2017_images"),
    "hateful-memes": _memes,
}
HEADLINE = {"captioning": "CIDEr", "vqa": "accuracy", "sentiment": "accuracy"}


@pytest.fixture
def double(monkeypatch: pytest.MonkeyPatch) -> str:
    """Register the ``double`` model scheme for this test."""
    providers = registry._model_providers()
    monkeypatch.setattr(
        registry, "_model_providers", lambda: {**providers, "double": DoubleModels()}
    )
    return "double:all"


def _run(task: str, root: Path, out: Path, model: str) -> tuple[Any, list[dict[str, Any]]]:
    (record,) = bench.run(
        tasks=[task],
        models=[model],
        data_dir=root,
        limit=50,  # the copies are smaller than the real splits: skip the size check
        out=out,
        device="cpu",
        batch_size=2,
        num_workers=0,
        bootstrap=0,
        progress=False,
        use_cache=False,
    )
    return record, list(read_rows(find_runs(out)[0]))


def _score_good(
    family: str, rows: list[dict[str, Any]], clean: list[dict[str, Any]], root: Path, task: str
) -> float:
    """The headline metric over the good records, from the dirty run's predictions."""
    from card_helpers import load

    samples = {s.id: s for s in load(task, root, limit=50).samples}
    predicted = {r["id"]: r["prediction"] for r in rows if r["id"] in samples}
    assert set(predicted) == set(samples) == {r["id"] for r in clean}
    if family == "captioning":
        refs = {i: list(s.references) for i, s in samples.items()}
        preds = [{"image_id": i, "caption": p} for i, p in predicted.items()]
    elif family == "vqa":
        refs = {
            "annotations": [
                {"question_id": i, "answers": [{"answer": a} for a in s.references]}
                for i, s in samples.items()
            ]
        }
        preds = [{"question_id": i, "answer": p} for i, p in predicted.items()]
    else:
        refs = [{"id": i, "label": s.label} for i, s in samples.items()]
        preds = [{"id": i, "label": p} for i, p in predicted.items()]
    return bench.score(family, preds, refs, bootstrap=0).values[HEADLINE[family]]


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(LAYOUTS))
def test_bad_records_cost_one_sample_each(task: str, tmp_path: Path, double: str) -> None:
    bad = LAYOUTS[task](tmp_path / "dirty", True)
    LAYOUTS[task](tmp_path / "clean", False)
    record, rows = _run(task, tmp_path / "dirty", tmp_path / "out-dirty", double)
    clean, clean_rows = _run(task, tmp_path / "clean", tmp_path / "out-clean", double)
    assert clean.n_failed == 0, clean.errors
    # Each bad record is exactly one per-sample error, with its reason.
    reasons = {e.sample_id: e.reason for e in record.errors}
    assert len(record.errors) == len(bad) == record.n_failed
    for sample_id, prefix in bad.items():
        assert reasons[sample_id].startswith(prefix), reasons
    # Every good record is answered exactly as in the run without the bad ones.
    good = {(r["unit"], r["id"]): r["prediction"] for r in clean_rows}
    dirty = {(r["unit"], r["id"]): r["prediction"] for r in rows}
    assert {k: dirty[k] for k in good} == good
    family = record.task.family
    if family == "retrieval":
        # The good texts rank the same images first: the bad image never outranks them.
        assert clean.metrics["t2i_R@1"].value == pytest.approx(_good_text_hits(rows, clean_rows))
        return
    expected = clean.metrics[HEADLINE[family]].value
    assert _score_good(family, rows, clean_rows, tmp_path / "clean", task) == pytest.approx(
        expected
    )


def _good_text_hits(rows: list[dict[str, Any]], clean_rows: list[dict[str, Any]]) -> float:
    clean_texts = {r["id"] for r in clean_rows if r["unit"] == "text"}
    hits = [
        r["stats"]["t2i_R@1"][0] for r in rows if r["unit"] == "text" and r["id"] in clean_texts
    ]
    return sum(hits) / len(hits)
