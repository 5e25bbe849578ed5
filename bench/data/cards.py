"""Dataset cards: TOML files that describe a benchmark split, its sources and its provenance.

A card is data, not code. Adding a dataset to an existing task family is one card.
See ``docs/dataset-cards.md`` for the format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.errors import UsageError
from bench.toml_compat import load_toml

FAMILIES = ("captioning", "vqa", "retrieval", "sentiment")
SOURCE_ROLES = ("local", "hub", "builtin")


@dataclass(frozen=True)
class SourceSpec:
    """One way to obtain a card's samples.

    Attributes:
        role: ``local`` (original download layout under ``--data-dir``), ``hub`` (a
            Hugging Face dataset, revision pinned) or ``builtin`` (generated here).
        kind: the reader that understands it (``coco-karpathy``, ``hf-datasets``, ``shapes``...).
        options: reader-specific settings, verbatim from the card.
    """

    role: str
    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportedNumber:
    """A published score the card's data can be checked against."""

    model: str
    metric: str
    value: float
    source: str


@dataclass(frozen=True)
class DatasetCard:
    """A parsed dataset card.

    Attributes:
        name: the registered task name (``shapes-captioning``, ``coco-retrieval``...).
        family: the task family that evaluates it.
        split: the evaluated split; ``train_split`` is used by models fitted at eval time.
        expected_counts: expected number of samples per split, checked on load.
        sources: by role; ``local`` is used when ``--data-dir`` is given.
        task_options: family settings (prompt, max_new_tokens, label set...).
        reported: published numbers for reported-vs-reproduced tables.
        path: the card file, for error messages.
        caveats: known problems of the data or its pins, printed by ``data check``.
    """

    name: str
    family: str
    description: str
    license: str
    citation: str
    homepage: str
    split: str
    train_split: str | None
    expected_counts: Mapping[str, int]
    sources: Mapping[str, SourceSpec]
    task_options: Mapping[str, Any]
    reported: tuple[ReportedNumber, ...]
    path: Path
    caveats: tuple[str, ...] = ()

    @property
    def size(self) -> int | None:
        """Expected number of evaluated samples, when the card states it."""
        return self.expected_counts.get(self.split)


def _require(table: Mapping[str, Any], key: str, kind: type, path: Path, where: str) -> Any:
    if key not in table:
        raise UsageError(f"{path}: missing field '{where}{key}'")
    value = table[key]
    if not isinstance(value, kind):
        raise UsageError(
            f"{path}: field '{where}{key}' must be {kind.__name__}, got {type(value).__name__}"
        )
    return value


def _optional_str(table: Mapping[str, Any], key: str, path: Path) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise UsageError(f"{path}: field '{key}' must be a string")
    return value


def parse_card(data: Mapping[str, Any], path: Path) -> DatasetCard:
    """Validate a card's TOML content; errors name the file and the field."""
    name = _require(data, "name", str, path, "")
    family = _require(data, "family", str, path, "")
    if family not in FAMILIES:
        raise UsageError(f"{path}: field 'family' must be one of {', '.join(FAMILIES)}")
    split = data.get("split", "test")
    if not isinstance(split, str):
        raise UsageError(f"{path}: field 'split' must be a string")
    train_split = data.get("train_split")
    if train_split is not None and not isinstance(train_split, str):
        raise UsageError(f"{path}: field 'train_split' must be a string")
    counts_table = data.get("expected_counts", {})
    if not isinstance(counts_table, dict):
        raise UsageError(f"{path}: field 'expected_counts' must be a table")
    counts: dict[str, int] = {}
    for key, value in counts_table.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise UsageError(f"{path}: field 'expected_counts.{key}' must be a non-negative int")
        counts[key] = value
    sources_table = _require(data, "source", dict, path, "")
    sources: dict[str, SourceSpec] = {}
    for role, spec in sources_table.items():
        if role not in SOURCE_ROLES:
            raise UsageError(
                f"{path}: unknown source role 'source.{role}' (expected {', '.join(SOURCE_ROLES)})"
            )
        if not isinstance(spec, dict):
            raise UsageError(f"{path}: field 'source.{role}' must be a table")
        kind = _require(spec, "kind", str, path, f"source.{role}.")
        options = {k: v for k, v in spec.items() if k != "kind"}
        sources[role] = SourceSpec(role=role, kind=kind, options=options)
    if not sources:
        raise UsageError(f"{path}: field 'source' must name at least one source")
    task_options = data.get("task", {})
    if not isinstance(task_options, dict):
        raise UsageError(f"{path}: field 'task' must be a table")
    reported: list[ReportedNumber] = []
    for i, item in enumerate(data.get("reported", [])):
        where = f"reported[{i}]."
        if not isinstance(item, dict):
            raise UsageError(f"{path}: field 'reported[{i}]' must be a table")
        value = _require(item, "value", (int, float), path, where)  # type: ignore[arg-type]
        reported.append(
            ReportedNumber(
                model=_require(item, "model", str, path, where),
                metric=_require(item, "metric", str, path, where),
                value=float(value),
                source=_require(item, "source", str, path, where),
            )
        )
    caveats = data.get("caveats", [])
    if not isinstance(caveats, list) or not all(isinstance(c, str) for c in caveats):
        raise UsageError(f"{path}: field 'caveats' must be a list of strings")
    return DatasetCard(
        name=name,
        family=family,
        description=_optional_str(data, "description", path),
        license=_optional_str(data, "license", path),
        citation=_optional_str(data, "citation", path),
        homepage=_optional_str(data, "homepage", path),
        split=split,
        train_split=train_split,
        expected_counts=counts,
        sources=sources,
        task_options=task_options,
        reported=tuple(reported),
        path=path,
        caveats=tuple(caveats),
    )


def load_card(path: Path) -> DatasetCard:
    """Read and validate one card file."""
    return parse_card(load_toml(path, "dataset card"), path)
