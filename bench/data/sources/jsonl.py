"""Reader for ``kind = "jsonl"``: a generic local folder of images plus one annotation file.

The annotation file is JSON Lines (``.jsonl``) or a table with a header row (``.csv``,
``.tsv``); paths are relative to ``--data-dir``::

    [source.local]
    kind = "jsonl"
    [source.local.files]
    annotations = "captions_{split}.jsonl"     # {split} is substituted
    [source.local.dirs]
    images = "images"                         # optional: image paths are relative to it
    [source.local.fields]                     # optional: our field = the file's column
    caption = "title"

One record per line, with an ``image`` path and, depending on the task family:
``captions`` (a list) or ``caption`` (one string; records sharing an image are grouped,
as in Flickr-style ``image,caption`` files), ``question`` and ``answers`` (strings or
``{"answer": ...}`` objects), or ``text`` and ``label``. ``id`` is optional (default:
the image path for caption records, else ``row<N>``, N counting records from 0). An
integer ``label`` is a class name (``"1"``); a float is a regression score. Other string
fields go to ``meta`` (``answer_type``, ``question_type``...).

Bad *records* never stop a run: a path escaping the data folder, a line that is not
UTF-8, an empty question, text or caption become that sample's load error. Bad *files*
do: malformed JSON or a field of the wrong type is a UsageError naming ``file:line`` and
the field.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.data.cards import SourceSpec
from bench.data.sources.items import ItemError, sample_file
from bench.data.sources.layout import option, require_layout
from bench.errors import UsageError
from bench.types import LOAD_ERROR_KEY, Sample

#: Our field names; ``[source.local.fields]`` may map each to another column name.
FIELDS = ("id", "image", "caption", "captions", "question", "answers", "text", "label")
_TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}


@dataclass
class _Draft:
    """A sample being assembled (caption records sharing an image are merged)."""

    id: str
    image: str | None
    kind: str = "plain"
    text: str = ""
    references: list[str] = field(default_factory=list)
    label: str | float | None = None
    meta: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for k, v in value.items() for s in [str(k), *_strings_in(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings_in(v)]
    return []


def _clean(text: str) -> str:
    """Undecodable bytes (kept as surrogates while parsing) shown as U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class _Where:
    """Names ``file:line`` and a field in errors."""

    def __init__(self, path: Path, line: int) -> None:
        self.path = path
        self.line = line

    def bad(self, name: str, expected: str) -> UsageError:
        return UsageError(f"{self.path}:{self.line}: field '{name}' must be {expected}")


def _string(value: Any, where: _Where, name: str) -> str:
    if not isinstance(value, str):
        raise where.bad(name, "a string")
    return value


def _string_list(value: Any, where: _Where, name: str) -> list[str]:
    if not isinstance(value, list):
        raise where.bad(name, "a list of strings")
    return [_string(v, where, f"{name}[{i}]") for i, v in enumerate(value)]


def _answers(value: Any, where: _Where, name: str) -> list[str]:
    if not isinstance(value, list):
        raise where.bad(name, "a list of answers")
    out: list[str] = []
    for i, answer in enumerate(value):
        if isinstance(answer, Mapping):
            out.append(_string(answer.get("answer"), where, f"{name}[{i}].answer"))
        else:
            out.append(_string(answer, where, f"{name}[{i}]"))
    return out


def _sample_id(value: Any, where: _Where, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise where.bad(name, "a string or an integer")
    return str(value)


def _label(value: Any, where: _Where, name: str) -> str | float:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise where.bad(name, "a string or a number")
    if isinstance(value, int):
        return str(value)  # an integer label is a class id
    return value if isinstance(value, str) else float(value)


class _Reader:
    """Turns parsed records into samples, grouping caption records by sample id."""

    def __init__(self, image_root: Path, names: Mapping[str, str]) -> None:
        self.image_root = image_root
        self.names = names
        self.drafts: list[_Draft] = []
        self.groups: dict[str, _Draft] = {}

    def column(self, ours: str) -> str:
        """The file's column name for one of our :data:`FIELDS`."""
        return self.names.get(ours, ours)

    def add(self, record: Any, where: _Where, position: int) -> None:
        """Add one parsed record (a new sample, or a caption of a known one)."""
        if not isinstance(record, Mapping):
            raise UsageError(f"{where.path}:{where.line}: expected a JSON object per line")
        get = {ours: record.get(self.column(ours)) for ours in FIELDS}
        col = self.column
        image = None if get["image"] is None else _string(get["image"], where, col("image"))
        if get["id"] is not None:
            sample_id = _sample_id(get["id"], where, col("id"))
        elif (get["caption"] is not None or get["captions"] is not None) and image is not None:
            sample_id = image
        else:
            sample_id = f"row{position}"
        draft = self.groups.get(sample_id) if get["caption"] is not None else None
        if draft is None:
            draft = _Draft(id=_clean(sample_id), image=image)
            self.drafts.append(draft)
            if get["caption"] is not None:
                self.groups[sample_id] = draft
            self._fill(draft, get, record, where)
        if get["caption"] is not None:
            draft.kind = "captions"
            draft.references.append(_string(get["caption"], where, col("caption")))
        if draft.error is None and _has_surrogates(json.dumps(record, ensure_ascii=False)):
            draft.error = f"text: line {where.line} is not valid UTF-8"

    def _fill(self, draft: _Draft, get: dict[str, Any], record: Any, where: _Where) -> None:
        col = self.column
        if get["captions"] is not None:
            draft.kind = "captions"
            draft.references = _string_list(get["captions"], where, col("captions"))
        if get["question"] is not None:
            draft.kind = "question"
            draft.text = _string(get["question"], where, col("question"))
            if get["answers"] is not None:
                draft.references = _answers(get["answers"], where, col("answers"))
        elif get["text"] is not None:
            draft.kind = "text"
            draft.text = _string(get["text"], where, col("text"))
        if get["label"] is not None:
            draft.label = _label(get["label"], where, col("label"))
        used = {col(name) for name in FIELDS}
        draft.meta = {
            str(k): _clean(v) for k, v in record.items() if k not in used and isinstance(v, str)
        }
        if draft.image is None:
            draft.error = "image: no image path in the annotation"
            return
        try:
            draft.image = str(sample_file(self.image_root, draft.image))
        except ItemError as exc:
            draft.error = str(exc)

    def samples(self) -> list[Sample]:
        """Every record's sample, in file order; unusable ones carry their load error."""
        samples: list[Sample] = []
        for draft in self.drafts:
            error = draft.error or _content_error(draft)
            meta = dict(draft.meta)
            if error is not None:
                meta[LOAD_ERROR_KEY] = error
            samples.append(
                Sample(
                    id=draft.id,
                    image=None if error is not None else draft.image,
                    text=_clean(draft.text),
                    references=tuple(_clean(r) for r in draft.references),
                    label=draft.label,
                    meta=meta,
                )
            )
        return samples


def _content_error(draft: _Draft) -> str | None:
    """Why a well-formed record still cannot be evaluated (empty inputs or references)."""
    if draft.kind == "question":
        if not draft.text.strip():
            return "text: empty question"
        if not draft.references:
            return "no reference answers"
    if draft.kind == "text" and not draft.text.strip():
        return "text: empty text"
    if draft.kind == "captions":
        if not draft.references:
            return "no reference captions"
        if any(not r.strip() for r in draft.references):
            return "text: empty caption"
    return None


def _lines(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    # Undecodable bytes survive as surrogates: the record they are in fails alone.
    return raw.decode("utf-8", "surrogateescape").splitlines()


def _parse_jsonl(path: Path, reader: _Reader) -> None:
    position = 0
    for number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except RecursionError as exc:
            raise UsageError(f"{path}:{number}: malformed JSON (nested too deeply)") from exc
        except ValueError as exc:
            raise UsageError(f"{path}:{number}: malformed JSON ({exc})") from exc
        reader.add(record, _Where(path, number), position)
        position += 1


def _parse_table(path: Path, reader: _Reader, delimiter: str) -> None:
    lines = _lines(path)
    try:
        rows = list(csv.reader(lines, delimiter=delimiter))
    except csv.Error as exc:
        raise UsageError(f"{path}: malformed table ({exc})") from exc
    if not rows:
        raise UsageError(f"{path}: empty annotation table (expected a header row)")
    header = rows[0]
    for position, row in enumerate(rows[1:]):
        number = position + 2
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise UsageError(
                f"{path}:{number}: expected {len(header)} columns ({', '.join(header)}), "
                f"found {len(row)}"
            )
        record: dict[str, Any] = dict(zip(header, row, strict=True))
        for name in ("captions", "answers"):
            column = reader.column(name)
            if column in record:
                record[column] = [p for p in record[column].split("|") if p]
        reader.add(record, _Where(path, number), position)


def read_jsonl(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """The samples of ``split`` from the card's annotation file under ``--data-dir``."""
    paths = require_layout(spec, split, data_dir)
    assert data_dir is not None  # require_layout refuses a missing --data-dir
    if "annotations" not in paths:
        raise UsageError(f"source kind 'jsonl' needs 'source.{spec.role}.files.annotations'")
    names = option(spec, "fields", {}, Mapping)
    for ours, theirs in names.items():
        if ours not in FIELDS or not isinstance(theirs, str):
            raise UsageError(
                f"field 'source.{spec.role}.fields.{ours}' must map one of "
                f"{', '.join(FIELDS)} to a column name"
            )
    reader = _Reader(paths.get("images", data_dir), names)
    annotations = paths["annotations"]
    delimiter = _TABLE_SUFFIXES.get(annotations.suffix.lower())
    if delimiter is None:
        _parse_jsonl(annotations, reader)
    else:
        _parse_table(annotations, reader, delimiter)
    return reader.samples()
