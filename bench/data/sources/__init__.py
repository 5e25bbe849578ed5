"""Source readers: turn a card's source into the samples of one split.

A reader is a function ``read(spec, split, data_dir) -> list[Sample]``, registered by the
``kind`` a card names. Readers for the original download layouts resolve every file
through :func:`bench.data.paths.safe_join` so card paths cannot escape ``--data-dir``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import cast

from bench.data.cards import DatasetCard, SourceSpec
from bench.errors import UsageError
from bench.types import Sample

#: ``meta`` key a reader sets to say where the split's membership came from.
SPLIT_SOURCE_KEY = "split_source"

SourceReader = Callable[[SourceSpec, str, "Path | None"], list[Sample]]

#: kind -> "module:function". Imported only when a card of that kind is read.
READERS: dict[str, str] = {
    "shapes": "bench.data.sources.shapes:read_shapes",
    "karpathy": "bench.data.sources.captions:read_karpathy",
    "coco-captions": "bench.data.sources.captions:read_coco_captions",
    "vqa-official": "bench.data.sources.vqa:read_vqa_official",
    "textvqa": "bench.data.sources.vqa:read_textvqa",
    "mvsa": "bench.data.sources.sentiment:read_mvsa",
    "tombert-tsv": "bench.data.sources.sentiment:read_tombert_tsv",
    "hateful-memes": "bench.data.sources.sentiment:read_hateful_memes",
    "hf-datasets": "bench.data.sources.hub:read_hf_datasets",
    "hf-snapshot": "bench.data.sources.hub:read_hf_snapshot",
    "jsonl": "bench.data.sources.jsonl:read_jsonl",
}


def register_reader(kind: str, target: str) -> None:
    """Register a reader (``"module:function"``) for a source kind; used by plugins."""
    READERS[kind] = target


def get_reader(kind: str, card: DatasetCard) -> SourceReader:
    """Import the reader for ``kind`` or fail naming the card and the field."""
    target = READERS.get(kind)
    if target is None:
        known = ", ".join(sorted(READERS))
        raise UsageError(f"{card.path}: unknown source kind '{kind}' (known: {known})")
    module_name, _, attr = target.partition(":")
    return cast(SourceReader, getattr(importlib.import_module(module_name), attr))


def choose_source(card: DatasetCard, data_dir: Path | None) -> SourceSpec:
    """The source a run uses: ``local`` with ``--data-dir``, else ``builtin``, else ``hub``.

    A card with no local layout ignores ``--data-dir`` (which may be meant for the other
    tasks of the same run) and uses its generator or hub copy.
    """
    if data_dir is not None:
        if "local" in card.sources:
            return card.sources["local"]
        if "builtin" in card.sources:
            return card.sources["builtin"]
        if "hub" in card.sources:
            return card.sources["hub"]
        raise UsageError(f"{card.name}: this dataset has no local layout; drop --data-dir")
    for role in ("builtin", "hub"):
        if role in card.sources:
            return card.sources[role]
    raise UsageError(
        f"{card.name}: no source usable without --data-dir; "
        f"download it and pass --data-dir (see `modalbench data check {card.name}`)"
    )


def read_split(card: DatasetCard, split: str, data_dir: Path | None) -> tuple[list[Sample], str]:
    """Read one split of a card; returns the samples and a description of the source used."""
    spec = choose_source(card, data_dir)
    reader = get_reader(spec.kind, card)
    samples = reader(spec, split, data_dir)
    where = f"{spec.role}:{spec.kind}"
    if spec.role == "local" and data_dir is not None:
        where += f":{data_dir}"
    elif spec.role == "hub":
        where += f":{spec.options.get('id', '')}@{spec.options.get('revision', '')}"
    split_sources = sorted(
        {s.meta[SPLIT_SOURCE_KEY] for s in samples if SPLIT_SOURCE_KEY in s.meta}
    )
    if split_sources:
        where += f" ({'; '.join(split_sources)})"
    return samples, where
