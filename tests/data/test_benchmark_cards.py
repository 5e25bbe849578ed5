"""The shipped benchmark cards: names, families, sizes, sources, provenance."""

from __future__ import annotations

import re

import pytest
from card_helpers import card

from bench.cli.main import main
from bench.data.sources import READERS
from bench.data.sources.layout import layout_entries

#: name -> (family, evaluated split, expected size), as the benchmarks define them.
BENCHMARKS = {
    "coco-captioning": ("captioning", "test", 5000),
    "nocaps-captioning": ("captioning", "val", 4500),
    "flickr30k-captioning": ("captioning", "test", 1000),
    "coco-retrieval": ("retrieval", "test", 5000),
    "flickr30k-retrieval": ("retrieval", "test", 1000),
    "vqav2": ("vqa", "val", 214354),
    "vqav2-lite": ("vqa", "val", 5000),
    "okvqa": ("vqa", "val", 5046),
    "textvqa": ("vqa", "val", 5000),
    "mvsa-single": ("sentiment", "test", 450),
    "mvsa-multiple": ("sentiment", "test", 1700),
    "twitter2015": ("sentiment", "test", 1037),
    "twitter2017": ("sentiment", "test", 1234),
    "hateful-memes": ("sentiment", "test_seen", 1000),
}
#: Metric keys the families report (what a [[reported]] entry may name).
METRICS = {
    "captioning": {"BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "METEOR", "ROUGE-L", "CIDEr"},
    "retrieval": {f"{d}_R@{k}" for d in ("t2i", "i2t") for k in (1, 5, 10)},
    "vqa": {"accuracy"},
    "sentiment": {"accuracy", "macro_f1", "weighted_f1", "auroc"},
}
HUB_WITHOUT_SHA = {"textvqa"}  # no commit of lmms-lab/textvqa could be confirmed: "main"


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_card_identity_and_size(name: str) -> None:
    family, split, size = BENCHMARKS[name]
    the_card = card(name)
    assert (the_card.name, the_card.family, the_card.split, the_card.size) == (
        name,
        family,
        split,
        size,
    )
    assert the_card.license and the_card.citation.startswith("@") and the_card.homepage
    assert the_card.path.name == f"{name}.toml"


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_local_layout_is_complete_data(name: str) -> None:
    spec = card(name).sources["local"]
    assert spec.kind in READERS
    entries = layout_entries(spec, card(name).split)
    assert entries, "a local layout names its files"
    for entry in entries:
        assert not entry.relative.startswith(("/", "..")) and "{" not in entry.relative
        assert entry.download, f"{entry.field} has no download hint"


@pytest.mark.parametrize("name", sorted(n for n in BENCHMARKS if "hub" in card(n).sources))
def test_hub_sources_are_pinned(name: str) -> None:
    spec = card(name).sources["hub"]
    assert spec.kind in READERS and spec.kind.startswith("hf-")
    revision = spec.options["revision"]
    if name in HUB_WITHOUT_SHA:
        assert revision == "main"
    else:
        assert re.fullmatch(r"[0-9a-f]{40}", revision), revision


def test_benchmarks_without_a_hub_copy() -> None:
    local_only = {n for n in BENCHMARKS if "hub" not in card(n).sources}
    assert local_only == {"mvsa-single", "mvsa-multiple", "twitter2015", "twitter2017"}


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_reported_numbers_name_real_metrics(name: str) -> None:
    the_card = card(name)
    for number in the_card.reported:
        assert number.metric in METRICS[the_card.family]
        upper = 10.0 if number.metric == "CIDEr" else 1.0
        assert 0.0 < number.value <= upper
        assert number.model and number.source


def test_reference_numbers_quoted_by_the_issue() -> None:
    values = {(r.model, r.metric): r.value for n in BENCHMARKS for r in card(n).reported}
    assert card("coco-retrieval").reported[0].value == 0.3044
    assert card("flickr30k-retrieval").reported[0].value == 0.5878
    assert ("openclip:ViT-B-32/openai", "t2i_R@1") in values


#: Corrected against the papers (issue 14): (card, model prefix, metric) -> value.
CORRECTED = {
    ("coco-captioning", "BLIP ViT-B", "CIDEr"): 1.333,
    ("twitter2017", "TomBERT", "accuracy"): 0.7050,
    ("twitter2017", "TomBERT", "macro_f1"): 0.6804,
    ("twitter2015", "TomBERT", "accuracy"): 0.7715,
    ("twitter2015", "TomBERT", "macro_f1"): 0.7175,
}


@pytest.mark.parametrize(("name", "model", "metric"), sorted(CORRECTED))
def test_corrected_reported_numbers(name: str, model: str, metric: str) -> None:
    found = [
        r.value for r in card(name).reported if r.model.startswith(model) and r.metric == metric
    ]
    assert found == [CORRECTED[(name, model, metric)]]


#: A source must say where in the paper or repository the number is.
_WHERE = re.compile(r"\b(Table \d+|table|file \S+|page \S+|\S+\.(csv|md|json))", re.IGNORECASE)


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_every_reported_number_names_its_source(name: str) -> None:
    the_card = card(name)
    for number in the_card.reported:
        assert number.source.strip(), f"{name}: {number.model} {number.metric} has no source"
        assert _WHERE.search(number.source), f"{name}: source names no table/file/page"


def test_the_known_caveats_are_on_the_cards() -> None:
    assert "214,354" in " ".join(card("vqav2").caveats)
    assert "mid" in " ".join(card("vqav2-lite").caveats) or "middle" in " ".join(
        card("vqav2-lite").caveats
    )
    assert "missing" in " ".join(card("hateful-memes").caveats)
    assert "nocaps.org" in card("nocaps-captioning").license
    assert "main" in " ".join(card("textvqa").caveats)


def test_binary_card_labels_put_the_positive_class_second() -> None:
    assert card("hateful-memes").task_options["labels"] == ["not-hateful", "hateful"]
    for name in ("mvsa-single", "mvsa-multiple", "twitter2015", "twitter2017"):
        assert card(name).task_options["labels"] == ["negative", "neutral", "positive"]
        assert card(name).train_split == "train"


def test_list_tasks_shows_every_card_with_family_and_size(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["list", "tasks"]) == 0
    out = capsys.readouterr().out
    for name, (family, _, size) in BENCHMARKS.items():
        assert re.search(rf"^{re.escape(name)}\s+{family}\s+{size:,}\s+\S", out, re.MULTILINE), name
