"""Hub sources: the offline error path, the column mapping, snapshots, and a real load
that is skipped only when the hub cannot be reached."""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path
from typing import Any

import datasets
import pytest
from card_helpers import card
from PIL import Image
from sentiment_layouts import MEMES, make_hateful_memes

from bench.data.cards import SourceSpec
from bench.data.images import load_image
from bench.data.sources import choose_source, read_split
from bench.data.sources import hub as hub_module
from bench.errors import UsageError

REVISION = {
    "coco-captioning": "3bf9ad5d280b03126293bcc691585015e29ce691",
    "vqav2": "d138befad7ef091aa8af15243db2f1e2b2932349",
    "okvqa": "c9f858961f4095a9aeef615057b0822cce967096",
    "hateful-memes": "d201c488dc7024623d1ecbcc987b3f132c4c2e12",
}


@pytest.mark.parametrize(
    ("task", "dataset_id"),
    [
        ("okvqa", "lmms-lab/OK-VQA"),
        ("vqav2", "lmms-lab/VQAv2"),
        ("coco-captioning", "clip-benchmark/wds_mscoco_captions"),
        ("hateful-memes", "neuralcatcher/hateful_memes"),
    ],
)
def test_offline_hub_source_is_a_usage_error_with_the_way_out(
    task: str, dataset_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    the_card = card(task)
    assert choose_source(the_card, None).role == "hub"  # no --data-dir: the hub copy
    with pytest.raises(UsageError) as info:
        read_split(the_card, the_card.split, None)
    message = str(info.value)
    assert f"'{dataset_id}'" in message
    assert REVISION[task] in message
    assert "offline mode is on" in message
    assert "--data-dir" in message


def test_local_only_cards_without_data_dir_say_how_to_get_the_data() -> None:
    for task in ("mvsa-single", "mvsa-multiple", "twitter2015", "twitter2017"):
        with pytest.raises(UsageError, match=rf"pass --data-dir .*data check {task}"):
            read_split(card(task), "test", None)


def _png(index: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (index * 40 % 255, 10, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _fake_load(dataset: datasets.Dataset, calls: list[tuple[str, str]]) -> Any:
    def load(spec: SourceSpec, split: str) -> datasets.Dataset:
        calls.append((spec.options["id"], hub_module.hub_split(spec, split)))
        return dataset

    return load


def test_vqav2_hub_columns_map_to_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    features = datasets.Features(
        {
            "question_type": datasets.Value("string"),
            "multiple_choice_answer": datasets.Value("string"),
            "answers": [
                {
                    "answer": datasets.Value("string"),
                    "answer_confidence": datasets.Value("string"),
                    "answer_id": datasets.Value("int64"),
                }
            ],
            "image_id": datasets.Value("int64"),
            "answer_type": datasets.Value("string"),
            "question_id": datasets.Value("int64"),
            "question": datasets.Value("string"),
            "image": datasets.Image(),
        }
    )
    answers = [["2", "2", "two", "3"], ["no", "yes"]]
    rows = {
        "question_type": ["how many", "is the"],
        "multiple_choice_answer": ["2", "no"],
        "answers": [
            [{"answer": a, "answer_confidence": "yes", "answer_id": k} for k, a in enumerate(ans)]
            for ans in answers
        ],
        "image_id": [393225, 393225],
        "answer_type": ["number", "yes/no"],
        "question_id": [393225001, 393225000],
        "question": ["How many spoons?", "Is the bowl full?"],
        "image": [{"bytes": _png(1), "path": None}, {"bytes": _png(1), "path": None}],
    }
    calls: list[tuple[str, str]] = []
    fake = datasets.Dataset.from_dict(rows, features=features)
    monkeypatch.setattr(hub_module, "load_hub_split", _fake_load(fake, calls))
    samples, where = read_split(card("vqav2"), "val", None)
    assert calls == [("lmms-lab/VQAv2", "validation")]
    assert where == f"hub:hf-datasets:lmms-lab/VQAv2@{REVISION['vqav2']}"
    assert [s.id for s in samples] == ["393225001", "393225000"]
    assert [list(s.references) for s in samples] == answers
    assert samples[0].text == "How many spoons?"
    assert samples[0].meta == {
        "image_id": "393225",
        "answer_type": "number",
        "question_type": "how many",
        "multiple_choice_answer": "2",
    }
    # Both questions share one cached image file, named by image_id.
    assert samples[0].image == samples[1].image
    path = Path(str(samples[0].image))
    assert path.name == "393225.png" and path.read_bytes() == _png(1)
    assert load_image(path).size == (8, 6)


def test_webdataset_captions_are_split_into_references(monkeypatch: pytest.MonkeyPatch) -> None:
    features = datasets.Features(
        {
            "__key__": datasets.Value("string"),
            "jpg": datasets.Image(),
            "txt": datasets.Value("string"),
        }
    )
    fake = datasets.Dataset.from_dict(
        {
            "__key__": ["s0000000", "s0000001"],
            "jpg": [{"bytes": _png(2), "path": None}, {"bytes": _png(3), "path": None}],
            "txt": ["a cat on a mat\na cat sitting\n\n", "two dogs\nplaying dogs"],
        },
        features=features,
    )
    monkeypatch.setattr(hub_module, "load_hub_split", _fake_load(fake, []))
    samples, _ = read_split(card("coco-retrieval"), "test", None)
    assert [s.id for s in samples] == ["s0000000", "s0000001"]
    assert [s.references for s in samples] == [
        ("a cat on a mat", "a cat sitting"),
        ("two dogs", "playing dogs"),
    ]
    assert samples[1].meta == {"image_id": "s0000001"}
    assert Path(str(samples[1].image)).read_bytes() == _png(3)


def test_hub_dataset_lacking_a_mapped_column_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = datasets.Dataset.from_dict({"question_id": ["1"], "question": ["?"]})
    monkeypatch.setattr(hub_module, "load_hub_split", _fake_load(fake, []))
    with pytest.raises(
        UsageError, match=r"lacks columns \['answer_type', 'answers', 'question_type'\]"
    ):
        read_split(card("okvqa"), "val", None)


def test_hub_row_without_image_bytes_is_a_failed_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = datasets.Dataset.from_dict(
        {
            "question_id": ["7"],
            "question": ["why?"],
            "answers": [["because"] * 10],
            "question_type": ["why"],
            "answer_type": ["other"],
            "image": [None],
        }
    )
    monkeypatch.setattr(hub_module, "load_hub_split", _fake_load(fake, []))
    samples, _ = read_split(card("okvqa"), "val", None)
    assert samples[0].meta["load_error"] == "hub row has no image bytes"


def test_snapshot_source_reads_the_mirrored_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # neuralcatcher/hateful_memes mirrors the release at the repository root.
    make_hateful_memes(tmp_path, folder="snapshot")
    seen: list[SourceSpec] = []

    def snapshot(spec: SourceSpec) -> Path:
        seen.append(spec)
        return tmp_path / "snapshot"

    monkeypatch.setattr(hub_module, "_snapshot", snapshot)
    samples, where = read_split(card("hateful-memes"), "test_seen", None)
    assert where.startswith("hub:hf-snapshot:neuralcatcher/hateful_memes@")
    assert [s.id for s in samples] == [str(r[0]) for r in MEMES["test_seen"]]
    assert [s.label for s in samples] == ["hateful", "not-hateful", "hateful", "not-hateful"]
    assert seen[0].options["allow_patterns"] == ["*.jsonl", "img/*"]


def test_snapshot_layout_must_name_a_local_reader() -> None:
    spec = SourceSpec("hub", "hf-snapshot", {"id": "a/b", "layout": "hf-datasets"})
    with pytest.raises(UsageError, match=r"source\.hub\.layout"):
        hub_module.read_hf_snapshot(spec, "test", None)


def _hub_reachable() -> bool:
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=3):
            return True
    except OSError:
        return False


@pytest.mark.slow
def test_real_hub_load_of_one_flickr30k_shard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Downloads one ~27 MB shard of the pinned Flickr30k test set (skipped offline)."""
    if not _hub_reachable():
        pytest.skip("offline: huggingface.co:443 cannot be reached from here")
    for variable in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(variable, raising=False)
    hub = card("flickr30k-retrieval").sources["hub"]
    spec = SourceSpec("hub", hub.kind, {**hub.options, "data_files": {"test": "test/0.tar"}})
    samples = hub_module.read_hf_datasets(spec, "test", None)
    assert 100 <= len(samples) <= 1000
    assert all(len(s.references) == 5 for s in samples)
    assert load_image(samples[0].image).mode == "RGB"
    assert os.path.isfile(str(samples[-1].image))


def _card_with(*roles: str) -> Any:
    from bench.data.cards import parse_card

    sources = {role: {"kind": "hf-datasets" if role == "hub" else "vqa-official"} for role in roles}
    return parse_card({"name": "x", "family": "vqa", "source": sources}, Path("x.toml"))


def test_choose_source_rules(tmp_path: Path) -> None:
    assert choose_source(_card_with("local", "hub"), tmp_path).role == "local"
    assert choose_source(_card_with("local", "hub"), None).role == "hub"
    # --data-dir may be meant for the other tasks of a run: a hub-only card keeps its hub copy.
    assert choose_source(_card_with("hub"), tmp_path).role == "hub"
    with pytest.raises(UsageError, match="pass --data-dir"):
        choose_source(_card_with("local"), None)


def test_hub_load_errors_other_than_offline_keep_their_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(variable, raising=False)

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("Unknown split 'val2014'. Should be one of ['test'].")

    monkeypatch.setattr(datasets, "load_dataset", broken)
    with pytest.raises(UsageError) as info:
        read_split(card("okvqa"), "val", None)
    assert "loading failed (ValueError: Unknown split 'val2014'" in str(info.value)
    assert "'lmms-lab/OK-VQA'" in str(info.value)
