"""Per-sample helpers shared by the local readers: safe file paths, text files, failures.

A sample the reader cannot use is still yielded, marked with ``meta[LOAD_ERROR_KEY]``, so
that it counts as failed instead of silently shrinking the denominator. Images are never
opened here: a missing or corrupt image is reported by the runner's decoder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from bench.data.paths import PathEscapeError, safe_join
from bench.types import LOAD_ERROR_KEY, Sample

_SURROGATE = re.compile("[\ud800-\udfff]")


class ItemError(Exception):
    """Why one sample cannot be used (becomes its ``LOAD_ERROR_KEY`` reason)."""


def sample_file(root: Path, relative: str) -> Path:
    """A per-sample file under ``root``; an escaping path is an :class:`ItemError`."""
    try:
        return safe_join(root, relative)
    except PathEscapeError as exc:
        raise ItemError(f"refused file path: {exc}") from exc


def read_text(path: Path, root: Path, encoding: str = "utf-8") -> str:
    """A sample's text file, stripped; unreadable or wrongly encoded is an ItemError."""
    name = path.relative_to(root.resolve()) if path.is_relative_to(root.resolve()) else path
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ItemError(f"text file not found: {name}") from exc
    except OSError as exc:
        raise ItemError(f"cannot read text file {name}: {exc.strerror}") from exc
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8") and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode(encoding).strip()
    except UnicodeDecodeError as exc:
        raise ItemError(f"text file {name} is not valid {encoding} (byte {exc.start})") from exc
    except LookupError as exc:
        raise ItemError(f"unknown text encoding {encoding!r}") from exc


def undecodable(text: str) -> int | None:
    """The position of the first lone surrogate in ``text`` (None when there is none).

    JSON writers emit ``"\\udce9"`` for a byte they could not decode, and our own line
    readers keep such bytes as surrogates (``surrogateescape``); either way the text is not
    what the annotator wrote, and no tokenizer accepts it.
    """
    match = _SURROGATE.search(text)
    return None if match is None else match.start()


def text_problem(field: str, values: Iterable[str], *, allow_empty: bool = False) -> str | None:
    """Why a sample's text ``field`` cannot be used: empty, or holding undecodable bytes."""
    values = list(values)
    for value in values:
        position = undecodable(value)
        if position is not None:
            return (
                f"text: {field} holds an undecodable character "
                f"(lone surrogate U+{ord(value[position]):04X} at {position})"
            )
    if not allow_empty and (not values or any(not value.strip() for value in values)):
        return f"text: empty {field}"
    return None


def mark_failed(sample: Sample, reason: str) -> Sample:
    """``sample`` with ``reason`` recorded as its load error."""
    return replace(sample, meta={**sample.meta, LOAD_ERROR_KEY: reason})


def failed_sample(
    sample_id: str,
    reason: str,
    meta: Mapping[str, str] | None = None,
    *,
    label: str | None = None,
    references: Iterable[str] = (),
) -> Sample:
    """A placeholder for an annotation entry that could not be turned into a sample.

    ``label`` / ``references``: the gold label or references when they are known, so the
    sample still counts (as failed) in the metrics; undecodable characters in them are
    shown as U+FFFD.
    """
    return Sample(
        id=clean_id(sample_id),
        image=None,
        label=label,
        references=tuple(clean_id(r) for r in references),
        meta={**(meta or {}), LOAD_ERROR_KEY: reason},
    )


def clean_id(text: str) -> str:
    """``text`` with undecodable characters shown as U+FFFD (ids end up in JSON files)."""
    return _SURROGATE.sub("\ufffd", text)
