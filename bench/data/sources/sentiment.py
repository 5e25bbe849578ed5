"""Readers for multimodal sentiment layouts: MVSA, TomBERT-style TSV, Hateful Memes jsonl.

One sample per post: ``id``, ``image`` (path), ``text``, ``label`` (a card label name).

``kind = "mvsa"``
    ``files.labels``: ``labelResultAll.txt`` (``ID<TAB>text,image`` per annotator);
    ``dirs.data``: the folder of ``{ID}.txt`` + ``{ID}.jpg``. Labels follow the usual
    preprocessing (Xu & Mao, 2017): with several annotators, each modality takes the label
    more than half of them gave (none: the post is dropped); then a post keeps the label
    both modalities agree on, or the non-neutral one when the other is neutral; posts whose
    modalities say positive and negative are not part of the benchmark.
    ``split_fractions`` (e.g. ``{test = 0.1, dev = 0.1}``: each part gets
    ``floor(fraction * posts)``) and ``seed`` define the split by the seeded,
    label-stratified rule of :mod:`bench.data.sources.subset`; the rest is ``train``.
    ``text_encoding`` (default ``utf-8``): a text file that does not decode is a failed
    sample.

``kind = "tombert-tsv"``
    ``files.tsv``: ``{split}.tsv`` with ``index, label, image, sentence, target`` columns
    (the sentence holds ``$T$`` where the target goes); ``dirs.images``: the image folder.
    ``text`` is the sentence with the target filled in; ``meta["target"]`` is the target.

``kind = "hateful-memes"``
    ``files.annotations``: ``{split}.jsonl`` (``id, img, label, text`` per line); images are
    ``img`` relative to the jsonl's folder (``dirs.images`` checks that they are there).

``label_map`` (a table) turns the raw label values into the card's label names.
"""

from __future__ import annotations

import codecs
import json
import math
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.data.cards import SourceSpec
from bench.data.sources.items import ItemError, failed_sample, read_text, sample_file
from bench.data.sources.layout import need, option, require_layout
from bench.data.sources.subset import stratified_parts
from bench.errors import UsageError
from bench.types import Sample

MVSA_LABELS = frozenset({"positive", "neutral", "negative"})
TARGET = "$T$"


def _label_map(spec: SourceSpec, default: Mapping[str, str]) -> dict[str, str]:
    table = option(spec, "label_map", dict(default), dict)
    if not all(isinstance(v, str) for v in table.values()):
        raise UsageError(f"field 'source.{spec.role}.label_map' must map raw values to names")
    return {str(k): v for k, v in table.items()}


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc


# -- MVSA ------------------------------------------------------------------------------


def _majority(labels: list[str]) -> str | None:
    label, count = Counter(labels).most_common(1)[0]
    return label if count * 2 > len(labels) else None


def mvsa_label(annotations: list[tuple[str, str]]) -> str | None:
    """The post label from ``(text, image)`` annotations, or None when not in the benchmark."""
    if len(annotations) == 1:
        text, image = annotations[0]
    else:
        majority_text = _majority([t for t, _ in annotations])
        majority_image = _majority([i for _, i in annotations])
        if majority_text is None or majority_image is None:
            return None
        text, image = majority_text, majority_image
    if text == image:
        return text
    if text == "neutral":
        return image
    if image == "neutral":
        return text
    return None


def _mvsa_rows(path: Path) -> list[tuple[str, str | None, str]]:
    """``(id, label or None, problem)`` per line of a ``labelResultAll.txt``."""
    rows: list[tuple[str, str | None, str]] = []
    for number, line in enumerate(_lines(path), start=1):
        fields = line.strip().split("\t")
        if (number == 1 and fields[0].strip().upper() == "ID") or not line.strip():
            continue
        post_id = fields[0].strip()
        pairs = [tuple(f.strip().lower().split(",")) for f in fields[1:]]
        if not pairs or any(len(p) != 2 or not set(p) <= MVSA_LABELS for p in pairs):
            rows.append((post_id or f"line{number}", None, f"malformed label line {number}"))
            continue
        label = mvsa_label([(p[0], p[1]) for p in pairs])
        if label is not None:
            rows.append((post_id, label, ""))
    return rows


def read_mvsa(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """One split of MVSA-Single or MVSA-Multiple, as the card's seeded split defines it."""
    paths = require_layout(spec, split, data_dir)
    labels_path, data = need(paths, "labels", spec), need(paths, "data", spec)
    fractions = option(spec, "split_fractions", {}, dict)
    if split != "train" and split not in fractions:
        raise UsageError(f"split '{split}' is not defined by 'source.{spec.role}.split_fractions'")
    if not all(isinstance(f, (int, float)) and 0 <= f <= 1 for f in fractions.values()):
        raise UsageError(f"field 'source.{spec.role}.split_fractions' must hold fractions")
    encoding = option(spec, "text_encoding", "utf-8", str)
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise UsageError(f"field 'source.{spec.role}.text_encoding': unknown {encoding!r}") from exc
    rows = _mvsa_rows(labels_path)
    # The epsilon keeps float products such as 0.29 * 100 from flooring one short.
    sizes = {name: math.floor(f * len(rows) + 1e-9) for name, f in fractions.items()}
    parts = stratified_parts(
        [(post_id, label or "") for post_id, label, _ in rows],
        sizes,
        seed=option(spec, "seed", 0, int),
        rest="train",
    )
    samples: list[Sample] = []
    for post_id, label, problem in rows:
        if parts[post_id] != split:
            continue
        if label is None:
            samples.append(failed_sample(post_id, problem))
            continue
        try:
            text = read_text(sample_file(data, f"{post_id}.txt"), data, encoding)
            image = sample_file(data, f"{post_id}.jpg")
        except ItemError as exc:
            samples.append(failed_sample(post_id, str(exc), {"label": label}))
            continue
        samples.append(Sample(id=post_id, image=image, text=text, label=label))
    return samples


# -- Twitter-2015/2017 (TomBERT TSV) -----------------------------------------------------


def _tsv_sample(fields: list[str], number: int, images: Path, labels: dict[str, str]) -> Sample:
    if len(fields) != 5:
        return failed_sample(
            f"line{number}", f"malformed row: {len(fields)} tab-separated fields, expected 5"
        )
    index, raw_label, image_name, sentence, target = (f.strip() for f in fields)
    meta = {"target": target, "image_id": image_name}
    if raw_label not in labels:
        return failed_sample(index, f"unknown label value {raw_label!r}", meta)
    if TARGET not in sentence:
        return failed_sample(index, f"sentence has no {TARGET} placeholder", meta)
    try:
        image = sample_file(images, image_name)
    except ItemError as exc:
        return failed_sample(index, str(exc), meta)
    text = sentence.replace(TARGET, target)
    return Sample(id=index, image=image, text=text, label=labels[raw_label], meta=meta)


def read_tombert_tsv(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """Target-oriented posts of one split: the sentence with its target filled in."""
    paths = require_layout(spec, split, data_dir)
    tsv, images = need(paths, "tsv", spec), need(paths, "images", spec)
    labels = _label_map(spec, {"0": "negative", "1": "neutral", "2": "positive"})
    samples: list[Sample] = []
    for number, line in enumerate(_lines(tsv), start=1):
        if not line.strip() or (number == 1 and line.lower().startswith("index")):
            continue
        samples.append(_tsv_sample(line.split("\t"), number, images, labels))
    return samples


# -- Hateful Memes (jsonl + img/) --------------------------------------------------------


def _meme_sample(entry: Any, number: int, root: Path, labels: dict[str, str]) -> Sample:
    if not isinstance(entry, dict) or "id" not in entry:
        return failed_sample(f"line{number}", f"line {number} is not a meme record")
    meme_id = str(entry["id"])
    text, image_name = entry.get("text"), entry.get("img")
    if not isinstance(text, str) or not isinstance(image_name, str):
        return failed_sample(meme_id, "record lacks 'text' or 'img'")
    if str(entry.get("label")) not in labels:
        return failed_sample(meme_id, f"no usable label ({entry.get('label')!r})")
    try:
        image = sample_file(root, image_name)
    except ItemError as exc:
        return failed_sample(meme_id, str(exc))
    return Sample(id=meme_id, image=image, text=text, label=labels[str(entry["label"])])


def read_hateful_memes(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """Memes of one split (``train``, ``dev_seen``, ``test_seen``...), in file order."""
    paths = require_layout(spec, split, data_dir)
    annotations = need(paths, "annotations", spec)
    root = annotations.parent  # 'img' paths are relative to the jsonl's folder
    labels = _label_map(spec, {"0": "not-hateful", "1": "hateful"})
    samples: list[Sample] = []
    for number, line in enumerate(_lines(annotations), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            samples.append(failed_sample(f"line{number}", f"line {number} is not valid JSON"))
            continue
        samples.append(_meme_sample(entry, number, root, labels))
    return samples
