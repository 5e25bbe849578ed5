"""Readers for captioning and retrieval layouts: Karpathy splits and COCO-format captions.

One sample per image: ``id`` = the image id, ``image`` = its path, ``references`` = its
captions in annotation order, ``meta["image_id"]`` = the id.

``kind = "karpathy"``
    ``files.karpathy``: Karpathy's ``dataset_coco.json`` / ``dataset_flickr30k.json``
    (which images are in which split); ``dirs.images``: the image folder (files are looked
    up by their ``filename``). With ``files.captions`` (COCO's ``captions_val2014.json``),
    the references are the official captions of each image; without it, Karpathy's
    ``raw`` sentences. ``splits = {test = ["test"]}`` maps card splits to Karpathy's.
    The image id is ``cocoid`` when present (COCO), else the file name stem (Flickr30k).

``kind = "coco-captions"``
    ``files.annotations``: a COCO-format caption file (``images`` + ``annotations``), e.g.
    ``nocaps_val_4500_captions.json``; ``dirs.images``: the folder holding ``file_name``.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.data.cards import SourceSpec
from bench.data.sources.items import ItemError, failed_sample, sample_file, text_problem
from bench.data.sources.layout import expect, need, read_json, require_layout, split_names
from bench.types import Sample


def _official_captions(data: dict[str, Any], path: Path) -> dict[str, list[str]]:
    """``{image_id: [captions in file order]}`` from a parsed COCO-format caption file."""
    annotations = expect(data.get("annotations"), list, path, "annotations")
    captions: dict[str, list[str]] = defaultdict(list)
    for i, entry in enumerate(annotations):
        entry = expect(entry, dict, path, f"annotations[{i}]")
        caption = expect(entry.get("caption"), str, path, f"annotations[{i}].caption")
        captions[str(entry.get("image_id"))].append(caption.strip())
    return captions


def _karpathy_sentences(image: dict[str, Any]) -> list[str]:
    sentences = image.get("sentences", [])
    if not isinstance(sentences, list):
        return []
    return [str(s.get("raw", "")).strip() for s in sentences if isinstance(s, dict)]


def _karpathy_id(image: dict[str, Any]) -> str:
    if "cocoid" in image:
        return str(image["cocoid"])
    return Path(str(image.get("filename", ""))).stem


def _caption_sample(
    image_id: str, images: Path, filename: Any, captions: list[str], meta: dict[str, str]
) -> Sample:
    """One image with its captions, or a placeholder saying why it is unusable."""
    meta = {"image_id": image_id, **meta}
    if not isinstance(filename, str):
        return failed_sample(
            image_id, "annotation gives no image file name", meta, references=captions
        )
    try:
        path = sample_file(images, filename)
    except ItemError as exc:
        return failed_sample(image_id, str(exc), meta, references=captions)
    if not captions:
        return failed_sample(image_id, "no reference captions for this image", meta)
    problem = text_problem("caption", captions)
    if problem is not None:
        return failed_sample(image_id, problem, meta, references=captions)
    return Sample(id=image_id, image=path, references=tuple(captions), meta=meta)


def read_karpathy(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """Images of one Karpathy split with their captions (official ones when given)."""
    paths = require_layout(spec, split, data_dir)
    karpathy_path = need(paths, "karpathy", spec)
    images = need(paths, "images", spec)
    data = expect(read_json(karpathy_path), dict, karpathy_path, "(top level)")
    entries = expect(data.get("images"), list, karpathy_path, "images")
    official = None
    if "captions" in paths:
        captions_path = paths["captions"]
        top = expect(read_json(captions_path), dict, captions_path, "(top level)")
        official = _official_captions(top, captions_path)
    wanted = set(split_names(spec, split))
    samples: list[Sample] = []
    for i, image in enumerate(entries):
        image = expect(image, dict, karpathy_path, f"images[{i}]")
        if image.get("split") not in wanted:
            continue
        image_id = _karpathy_id(image)
        captions = (
            official.get(image_id, []) if official is not None else _karpathy_sentences(image)
        )
        samples.append(_caption_sample(image_id, images, image.get("filename"), captions, {}))
    return samples


def read_coco_captions(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """Every image of a COCO-format caption file (e.g. NoCaps validation)."""
    paths = require_layout(spec, split, data_dir)
    annotations = need(paths, "annotations", spec)
    images = need(paths, "images", spec)
    data = expect(read_json(annotations), dict, annotations, "(top level)")
    entries = expect(data.get("images"), list, annotations, "images")
    captions = _official_captions(data, annotations)
    samples: list[Sample] = []
    for i, image in enumerate(entries):
        image = expect(image, dict, annotations, f"images[{i}]")
        image_id = str(image.get("id"))
        meta = {
            key: str(image[key])
            for key in ("domain", "open_images_id")
            if image.get(key) is not None
        }
        samples.append(
            _caption_sample(
                image_id, images, image.get("file_name"), captions.get(image_id, []), meta
            )
        )
    return samples
