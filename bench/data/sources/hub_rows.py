"""Turning Hugging Face dataset rows into samples, with a column mapping from the card.

``[source.hub.columns]`` maps sample fields to columns; a dotted path reaches into
structs and lists (``answers.answer`` = the ``answer`` of every entry of ``answers``)::

    id = "question_id"
    image = "image"                 # or a list of candidates: ["jpg", "webp", "png"]
    text = "question"
    references = "answers.answer"   # a list, or one string split into lines
    label = "label"                 # mapped through label_map when given
    meta = { image_id = "image_id", answer_type = "answer_type" }

Images are written once to the modalbench cache (named by ``image_key``, a column whose
value identifies the image, so images shared by many questions are stored once) and
samples carry their paths: a split never has to fit in memory.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.data.cards import SourceSpec
from bench.data.sources.items import failed_sample
from bench.errors import UsageError
from bench.types import Sample

SAMPLE_FIELDS = ("id", "image", "text", "references", "label", "meta")
_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


@dataclass(frozen=True)
class ColumnMap:
    """Which column feeds each sample field (validated from the card)."""

    id: str
    image: tuple[str, ...] = ()
    text: str = ""
    references: str = ""
    label: str = ""
    meta: Mapping[str, str] = field(default_factory=dict)
    image_key: str = ""
    label_map: Mapping[str, str] = field(default_factory=dict)

    def source_columns(self) -> set[str]:
        """Top-level dataset columns the mapping reads."""
        paths = [self.id, self.text, self.references, self.label, self.image_key]
        paths += list(self.meta.values())
        return {p.split(".")[0] for p in paths if p} | set(self.image)


def column_map(spec: SourceSpec) -> ColumnMap:
    """The card's ``columns`` table, checked; errors name the offending field."""
    where = f"source.{spec.role}.columns"
    table = spec.options.get("columns")
    if not isinstance(table, Mapping) or not isinstance(table.get("id"), str):
        raise UsageError(f"field '{where}' must be a table naming at least 'id'")
    unknown = set(table) - set(SAMPLE_FIELDS)
    if unknown:
        raise UsageError(f"field '{where}' has unknown keys {sorted(unknown)}")
    image = table.get("image", [])
    image = [image] if isinstance(image, str) else image
    meta = table.get("meta", {})
    labels = spec.options.get("label_map", {})
    checks = (
        isinstance(image, list) and all(isinstance(c, str) for c in image),
        isinstance(meta, Mapping) and all(isinstance(c, str) for c in meta.values()),
        all(isinstance(table.get(k, ""), str) for k in ("text", "references", "label")),
        isinstance(labels, Mapping) and all(isinstance(v, str) for v in labels.values()),
        isinstance(spec.options.get("image_key", ""), str),
    )
    if not all(checks):
        raise UsageError(f"field '{where}' (or label_map/image_key) has a value of the wrong type")
    return ColumnMap(
        id=table["id"],
        image=tuple(image),
        text=table.get("text", ""),
        references=table.get("references", ""),
        label=table.get("label", ""),
        meta=dict(meta),
        image_key=spec.options.get("image_key", "") or table["id"],
        label_map={str(k): v for k, v in labels.items()},
    )


def get_path(row: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path; lists are mapped over (``answers.answer``)."""
    value: Any = row
    for part in path.split("."):
        value = _field(value, part)
    return value


def _field(value: Any, name: str) -> Any:
    if isinstance(value, Mapping):
        return value.get(name)
    if isinstance(value, list):
        return [_field(item, name) for item in value]
    return None


def _references(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(line.strip() for line in value.splitlines() if line.strip())
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _extension(data: bytes) -> str:
    if data.startswith(b"\xff\xd8"):
        return ".jpg"
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return ".img"


@dataclass
class ImageStore:
    """Writes hub images into a cache folder once and hands out their paths."""

    folder: Path

    def path(self, key: str, data: bytes) -> Path:
        """The cached file for ``key`` (written atomically on first use)."""
        name = key if _SAFE.match(key) else hashlib.sha256(key.encode()).hexdigest()
        target = self.folder / f"{name}{_extension(data)}"
        if not target.is_file():
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{os.getpid()}.part")
            partial.write_bytes(data)
            partial.replace(target)
        return target


def _image_bytes(row: Mapping[str, Any], columns: tuple[str, ...]) -> bytes | None:
    for column in columns:
        value = row.get(column)
        if isinstance(value, Mapping) and isinstance(value.get("bytes"), bytes):
            return bytes(value["bytes"])
        if isinstance(value, bytes):
            return value
    return None


def row_sample(row: Mapping[str, Any], index: int, mapping: ColumnMap, store: ImageStore) -> Sample:
    """One sample from one dataset row (a row it cannot use becomes a failed sample)."""
    raw_id = get_path(row, mapping.id)
    sample_id = f"row{index}" if raw_id is None else str(raw_id)
    meta = {k: str(v) for k, c in mapping.meta.items() if (v := get_path(row, c)) is not None}
    label: str | None = None
    if mapping.label:
        raw = get_path(row, mapping.label)
        label = mapping.label_map.get(str(raw), str(raw)) if mapping.label_map else str(raw)
    image: Path | None = None
    if mapping.image:
        data = _image_bytes(row, mapping.image)
        if data is None:
            return failed_sample(sample_id, "hub row has no image bytes", meta)
        key = get_path(row, mapping.image_key)
        image = store.path(f"row{index}" if key is None else str(key), data)
    text = get_path(row, mapping.text) if mapping.text else ""
    return Sample(
        id=sample_id,
        image=image,
        text="" if text is None else str(text),
        references=_references(get_path(row, mapping.references)) if mapping.references else (),
        label=label,
        meta=meta,
    )
