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
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from bench.data.cards import SourceSpec
from bench.data.paths import PathEscapeError, safe_join
from bench.data.sources import SPLIT_SOURCE_KEY
from bench.data.sources.items import (
    ItemError,
    clean_id,
    failed_sample,
    read_text,
    sample_file,
    text_problem,
    undecodable,
)
from bench.data.sources.layout import (
    expect,
    layout_entries,
    need,
    option,
    read_json,
    require_layout,
)
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
    """The file's lines; bytes that are not UTF-8 survive as lone surrogates, so that
    only the record holding them fails (see :func:`_bad_bytes`)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw.decode("utf-8", "surrogateescape").splitlines()


def _bad_bytes(line: str, number: int) -> str | None:
    """The load error of a line holding bytes that are not UTF-8 (None when it is clean)."""
    position = undecodable(line)
    if position is None:
        return None
    return f"text: line {number} is not valid UTF-8 (character {position + 1})"


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
        problem = _bad_bytes(line, number)
        if problem is not None:
            rows.append((clean_id(post_id) or f"line{number}", None, problem))
            continue
        pairs = [tuple(f.strip().lower().split(",")) for f in fields[1:]]
        if not pairs or any(len(p) != 2 or not set(p) <= MVSA_LABELS for p in pairs):
            reason = f"label: line {number} has no usable label ({line.strip()!r})"
            rows.append((post_id or f"line{number}", None, reason))
            continue
        label = mvsa_label([(p[0], p[1]) for p in pairs])
        if label is not None:
            rows.append((post_id, label, ""))
    return rows


_NO_LABEL = (
    "label: the annotations give this post no benchmark label "
    "(modalities disagree, no majority, or not in labelResultAll.txt)"
)


def _published_split(spec: SourceSpec, split: str, root: Path) -> tuple[str, list[str]] | None:
    """The ids of ``split`` from the first ``published_split`` file present, if any.

    CLMLF's files are JSON lists of ``{"id", "text", "emotion_label"}``; only the ids are
    used (labels come from the same rule as always, so both splits label posts alike).
    """
    candidates = option(spec, "published_split", [], list)
    for template in candidates:
        if not isinstance(template, str):
            raise UsageError(f"field 'source.{spec.role}.published_split' must list paths")
        try:
            path = safe_join(root, template.replace("{split}", split))
        except PathEscapeError as exc:
            raise UsageError(f"field 'source.{spec.role}.published_split': {exc}") from exc
        if not path.is_file():
            continue
        entries = expect(read_json(path), list, path, "(top level)")
        ids = []
        for i, entry in enumerate(entries):
            entry = expect(entry, dict, path, f"[{i}]")
            value = entry.get("id")
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise UsageError(f"{path}: field '[{i}].id' must be a string or an integer")
            ids.append(str(value))
        return template.replace("{split}", split), ids
    return None


def read_mvsa(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """One split of MVSA-Single or MVSA-Multiple: the published split files when present
    under ``--data-dir`` (``published_split``), else the card's seeded draw."""
    paths = require_layout(spec, split, data_dir)
    assert data_dir is not None  # require_layout refuses a missing --data-dir
    labels_path, data = need(paths, "labels", spec), need(paths, "data", spec)
    encoding = _encoding(spec)
    rows = _mvsa_rows(labels_path)
    published = _published_split(spec, split, data_dir)
    if published is not None:
        relative, ids = published
        by_id = {post_id: (label, problem) for post_id, label, problem in rows}
        source = f"published split {relative}"
        samples = []
        for post_id in ids:
            label, problem = by_id.get(post_id, (None, _NO_LABEL))
            samples.append(_mvsa_post(post_id, label, problem, data, encoding))
        return [_with_split_source(sample, source) for sample in samples]
    return [
        _with_split_source(sample, "seeded draw (fallback: no published split file)")
        for sample in _seeded_mvsa(spec, split, rows, data, encoding)
    ]


def _with_split_source(sample: Sample, source: str) -> Sample:
    return replace(sample, meta={**sample.meta, SPLIT_SOURCE_KEY: source})


def _encoding(spec: SourceSpec) -> str:
    encoding = option(spec, "text_encoding", "utf-8", str)
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise UsageError(f"field 'source.{spec.role}.text_encoding': unknown {encoding!r}") from exc
    return str(encoding)


def _mvsa_post(post_id: str, label: str | None, problem: str, data: Path, encoding: str) -> Sample:
    """One post (text file + image), or a failed sample saying why it cannot be used."""
    if label is None:
        return failed_sample(post_id, problem)
    try:
        text = read_text(sample_file(data, f"{post_id}.txt"), data, encoding)
        image = sample_file(data, f"{post_id}.jpg")
    except ItemError as exc:
        return failed_sample(post_id, str(exc), label=label)
    problem = text_problem("text", [text]) or ""
    if problem:
        return failed_sample(post_id, problem, label=label)
    return Sample(id=post_id, image=image, text=text, label=label)


def _seeded_mvsa(
    spec: SourceSpec,
    split: str,
    rows: list[tuple[str, str | None, str]],
    data: Path,
    encoding: str,
) -> list[Sample]:
    """The posts of ``split`` under the card's seeded, label-stratified draw."""
    fractions = option(spec, "split_fractions", {}, dict)
    if split != "train" and split not in fractions:
        raise UsageError(f"split '{split}' is not defined by 'source.{spec.role}.split_fractions'")
    if not all(isinstance(f, (int, float)) and 0 <= f <= 1 for f in fractions.values()):
        raise UsageError(f"field 'source.{spec.role}.split_fractions' must hold fractions")
    # The epsilon keeps float products such as 0.29 * 100 from flooring one short.
    sizes = {name: math.floor(f * len(rows) + 1e-9) for name, f in fractions.items()}
    parts = stratified_parts(
        [(post_id, label or "") for post_id, label, _ in rows],
        sizes,
        seed=option(spec, "seed", 0, int),
        rest="train",
    )
    return [
        _mvsa_post(post_id, label, problem, data, encoding)
        for post_id, label, problem in rows
        if parts[post_id] == split
    ]


# -- Twitter-2015/2017 (TomBERT TSV) -----------------------------------------------------


def _tsv_sample(fields: list[str], number: int, images: Path, labels: dict[str, str]) -> Sample:
    if len(fields) != 5:
        return failed_sample(
            f"line{number}", f"malformed row: {len(fields)} tab-separated fields, expected 5"
        )
    index, raw_label, image_name, sentence, target = (f.strip() for f in fields)
    meta = {"target": clean_id(target), "image_id": clean_id(image_name)}
    if raw_label not in labels:
        return failed_sample(index, f"unknown label value {clean_id(raw_label)!r}", meta)
    label = labels[raw_label]
    problem = _bad_bytes("\t".join(fields), number)
    if problem is not None:
        return failed_sample(index, problem, meta, label=label)
    if TARGET not in sentence:
        return failed_sample(index, f"sentence has no {TARGET} placeholder", meta, label=label)
    try:
        image = sample_file(images, image_name)
    except ItemError as exc:
        return failed_sample(index, str(exc), meta, label=label)
    text = sentence.replace(TARGET, target)
    problem = text_problem("sentence", [text])
    if problem is not None:
        return failed_sample(index, problem, meta, label=label)
    return Sample(id=index, image=image, text=text, label=label, meta=meta)


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


def _unreadable_meme(line: str, number: int, problem: str, labels: dict[str, str]) -> Sample:
    """A line with bytes that are not UTF-8: failed, under its id and label when legible."""
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        entry = None
    if not isinstance(entry, dict) or "id" not in entry:
        return failed_sample(f"line{number}", problem)
    return failed_sample(str(entry["id"]), problem, label=labels.get(str(entry.get("label"))))


def _meme_sample(
    entry: Any,
    number: int,
    root: Path,
    labels: dict[str, str],
    images: tuple[str, Path] | None = None,
) -> Sample:
    if not isinstance(entry, dict) or "id" not in entry:
        return failed_sample(f"line{number}", f"line {number} is not a meme record")
    meme_id = str(entry["id"])
    text, image_name = entry.get("text"), entry.get("img")
    if str(entry.get("label")) not in labels:
        return failed_sample(meme_id, f"no usable label ({entry.get('label')!r})")
    label = labels[str(entry["label"])]
    if not isinstance(text, str) or not isinstance(image_name, str):
        return failed_sample(meme_id, "record lacks 'text' or 'img'", label=label)
    problem = text_problem("text", [text])
    if problem is not None:
        return failed_sample(meme_id, problem, label=label)
    folder, _, rest = image_name.replace("\\", "/").partition("/")
    try:
        if images is not None and folder == images[0] and rest:
            image = sample_file(images[1], rest)
        else:
            image = sample_file(root, image_name)
    except ItemError as exc:
        return failed_sample(meme_id, str(exc), label=label)
    return Sample(id=meme_id, image=image, text=text, label=label)


def read_hateful_memes(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """Memes of one split (``train``, ``dev_seen``, ``test_seen``...), in file order."""
    paths = require_layout(spec, split, data_dir)
    annotations = need(paths, "annotations", spec)
    root = annotations.parent  # 'img' paths are relative to the jsonl's folder
    images = _meme_images(spec, split, paths)
    labels = _label_map(spec, {"0": "not-hateful", "1": "hateful"})
    samples: list[Sample] = []
    for number, line in enumerate(_lines(annotations), start=1):
        if not line.strip():
            continue
        problem = _bad_bytes(line, number)
        if problem is not None:
            samples.append(_unreadable_meme(line, number, problem, labels))
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            samples.append(failed_sample(f"line{number}", f"line {number} is not valid JSON"))
            continue
        samples.append(_meme_sample(entry, number, root, labels, images))
    return samples


def _meme_images(
    spec: SourceSpec, split: str, paths: Mapping[str, Path]
) -> tuple[str, Path] | None:
    """The card's image folder as ``(its name in 'img' paths, resolved folder)``.

    'img/x.png' is then read from that folder even when the user linked it elsewhere.
    """
    if "images" not in paths:
        return None
    entry = next(e for e in layout_entries(spec, split) if e.key == "images")
    return PurePosixPath(entry.relative).name, paths["images"]
