"""The original download layout a local source expects, checked before anything is read.

A ``[source.local]`` table lists the layout as data::

    [source.local.files]            # files, relative to --data-dir; {split} is substituted
    questions = "v2_OpenEnded_mscoco_val2014_questions.json"
    [source.local.dirs]             # folders
    images = "val2014"
    [source.local.download]         # where to get each entry (same keys)
    images = "http://images.cocodataset.org/zips/val2014.zip"

Downloads often come with a wrapping folder, and users point ``--data-dir`` at either
level. ``wrappers = ["absa_data"]`` lets every path that starts with ``absa_data/`` also
be found without it (``--data-dir`` is then that folder itself), and
``[source.local.alternatives]`` lists other names of one entry
(``images = ["val"]``). The first candidate present wins; ``data check`` says which.

Readers call :func:`require_layout`; ``modalbench data check`` calls :func:`layout_entries`
and :func:`entry_present` to print everything that is missing at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.data.cards import SourceSpec
from bench.data.paths import PathEscapeError, declared_path
from bench.errors import UsageError


@dataclass(frozen=True)
class LayoutEntry:
    """One file or folder of an original distribution layout.

    Attributes:
        key: its name under ``files`` / ``dirs`` in the card (what readers ask for).
        relative: the path under ``--data-dir``, with ``{split}`` substituted.
        is_dir: a folder (``dirs``) rather than a file (``files``).
        download: where to get it, from the card's ``download`` table ('' if unknown).
        field: the card field that names it, for error messages.
        alternatives: other relative paths it may be found at (wrapping folder left
            out, other names), tried in order after ``relative``.
    """

    key: str
    relative: str
    is_dir: bool
    download: str
    field: str
    alternatives: tuple[str, ...] = ()

    @property
    def candidates(self) -> tuple[str, ...]:
        """Every relative path the entry may be at, the card's own first."""
        return (self.relative, *self.alternatives)


def _table(spec: SourceSpec, name: str) -> Mapping[str, Any]:
    value = spec.options.get(name, {})
    if not isinstance(value, Mapping):
        raise UsageError(f"field 'source.{spec.role}.{name}' must be a table")
    return value


def layout_entries(spec: SourceSpec, split: str) -> list[LayoutEntry]:
    """Every expected file then folder of ``spec`` for ``split``, in card order."""
    downloads = _table(spec, "download")
    others = _table(spec, "alternatives")
    wrappers = spec.options.get("wrappers", [])
    if not isinstance(wrappers, list) or not all(isinstance(w, str) for w in wrappers):
        raise UsageError(f"field 'source.{spec.role}.wrappers' must be a list of folder names")
    entries: list[LayoutEntry] = []
    for group, is_dir in (("files", False), ("dirs", True)):
        for key, relative in _table(spec, group).items():
            field = f"source.{spec.role}.{group}.{key}"
            if not isinstance(relative, str):
                raise UsageError(f"field '{field}' must be a relative path string")
            download = downloads.get(key, "")
            names = others.get(key, [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise UsageError(f"field 'source.{spec.role}.alternatives.{key}' must be a list")
            relative = relative.replace("{split}", split)
            unwrapped = [relative[len(w) + 1 :] for w in wrappers if relative.startswith(f"{w}/")]
            alternatives = [*unwrapped, *(n.replace("{split}", split) for n in names)]
            entries.append(
                LayoutEntry(
                    key=key,
                    relative=relative,
                    is_dir=is_dir,
                    download=str(download),
                    field=field,
                    alternatives=tuple(dict.fromkeys(a for a in alternatives if a != relative)),
                )
            )
    return entries


def _declared(root: Path, entry: LayoutEntry, relative: str) -> Path:
    try:
        return declared_path(root, relative)
    except PathEscapeError as exc:
        raise UsageError(f"field '{entry.field}': {exc}") from exc


def _exists(path: Path, entry: LayoutEntry) -> bool:
    return path.is_dir() if entry.is_dir else path.is_file()


def found_relative(root: Path, entry: LayoutEntry) -> str | None:
    """The first of the entry's candidate paths present under ``root`` (None: none is)."""
    for relative in entry.candidates:
        if _exists(_declared(root, entry, relative), entry):
            return relative
    return None


def resolve_entry(root: Path, entry: LayoutEntry) -> Path:
    """The entry's path under ``root`` (the first candidate present, else the card's own).

    The user's symlinks are followed; a card path that is absolute or climbs out with
    ``..`` is a card error.
    """
    relative = found_relative(root, entry) or entry.relative
    return _declared(root, entry, relative)


def entry_present(root: Path, entry: LayoutEntry) -> bool:
    """Whether the file (or folder) exists under ``root`` at one of its candidate paths."""
    return found_relative(root, entry) is not None


def missing_message(root: Path, entry: LayoutEntry) -> str:
    """One line naming a missing entry and where to get it."""
    what = "folder" if entry.is_dir else "file"
    message = f"--data-dir {root}: expected {what} '{entry.relative}' is missing"
    if entry.download:
        message += f" (get it from {entry.download})"
    return message


def require_layout(spec: SourceSpec, split: str, data_dir: Path | None) -> dict[str, Path]:
    """Resolved paths by key, or a UsageError naming the first missing expected entry."""
    if data_dir is None:
        raise UsageError(
            f"source kind '{spec.kind}' reads the original download layout: pass --data-dir"
        )
    paths: dict[str, Path] = {}
    for entry in layout_entries(spec, split):
        if not entry_present(data_dir, entry):
            raise UsageError(missing_message(data_dir, entry))
        paths[entry.key] = resolve_entry(data_dir, entry)
    return paths


def need(paths: Mapping[str, Path], key: str, spec: SourceSpec) -> Path:
    """A layout path the reader cannot work without; the card must name it."""
    if key not in paths:
        raise UsageError(
            f"source kind '{spec.kind}' needs 'source.{spec.role}.files.{key}' or "
            f"'source.{spec.role}.dirs.{key}' in the card"
        )
    return paths[key]


def read_json(path: Path) -> Any:
    """Parse a JSON annotation file; malformed content is bad input naming the file."""
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: malformed JSON ({exc.msg} at line {exc.lineno})") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 JSON ({exc.reason})") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc


def expect(value: Any, kind: type, path: Path, where: str) -> Any:
    """``value`` if it has ``kind``, else a UsageError naming the file and the field."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise UsageError(f"{path}: field '{where}' must be {kind.__name__}")
    return value


def option(spec: SourceSpec, key: str, default: Any, kind: type) -> Any:
    """A reader option from the card, type-checked, naming the field when wrong."""
    value = spec.options.get(key, default)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise UsageError(f"field 'source.{spec.role}.{key}' must be {kind.__name__}")
    return value


def split_names(spec: SourceSpec, split: str) -> list[str]:
    """The names a card split has in the original files (``splits = {test = [..]}``)."""
    table = _table(spec, "splits")
    names = table.get(split, [split])
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise UsageError(f"field 'source.{spec.role}.splits.{split}' must be a list of names")
    return list(names)
