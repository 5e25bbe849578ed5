"""``modalbench data check``: is a benchmark's data present, complete and as expected?

Checks, for the evaluated split and the train split (when the card has one): every file
and folder of the original layout, the sample count against the card, image files named
by the annotations but absent, samples the reader could not use, and the fingerprint a
run would record. Everything missing is reported at once, with where to get it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bench.data.cards import DatasetCard, SourceSpec
from bench.data.fingerprint import fingerprint_samples
from bench.data.sources import choose_source, read_split
from bench.data.sources.hub_cache import cached_snapshot, card_hub_splits, source_files
from bench.data.sources.layout import (
    LayoutEntry,
    found_relative,
    layout_entries,
    missing_message,
)
from bench.errors import UsageError
from bench.types import LOAD_ERROR_KEY, Sample

#: How many missing image names a report lists (the count is always complete).
SHOWN = 5


@dataclass(frozen=True)
class EntryStatus:
    """One expected file or folder and whether it is there."""

    entry: LayoutEntry
    present: bool
    found: str | None = None

    @property
    def level_note(self) -> str:
        """How the entry was found when not at the card's own path ('' when it was)."""
        if self.found is None or self.found == self.entry.relative:
            return ""
        if self.entry.relative.endswith(f"/{self.found}"):
            wrapper = self.entry.relative[: -len(self.found)]
            return f"found as '{self.found}': --data-dir is the {wrapper} folder itself"
        return f"found as '{self.found}' (another name of '{self.entry.relative}')"


@dataclass(frozen=True)
class SplitStatus:
    """What was found for one split."""

    split: str
    expected: int | None
    found: int
    missing_images: tuple[str, ...]
    n_missing_images: int
    load_errors: tuple[str, ...]
    fingerprint: str


@dataclass
class DataReport:
    """The outcome of a data check; ``problems`` is empty when the data is complete."""

    task: str
    family: str
    source: str
    entries: list[EntryStatus] = field(default_factory=list)
    splits: list[SplitStatus] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    alternatives: list[LayoutEntry] = field(default_factory=list)
    caveats: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether nothing is missing or wrong."""
        return not self.problems


def checked_splits(card: DatasetCard) -> list[str]:
    """The evaluated split, then the train split a fitted model would need."""
    splits = [card.split]
    if card.train_split and card.train_split not in splits:
        splits.append(card.train_split)
    return splits


def _missing_images(samples: list[Sample]) -> list[str]:
    missing: list[str] = []
    for sample in samples:
        image = sample.image
        if isinstance(image, (str, os.PathLike)) and not Path(image).is_file():
            missing.append(str(image))
    return missing


def _split_status(card: DatasetCard, split: str, data_dir: Path | None) -> SplitStatus:
    samples, _ = read_split(card, split, data_dir)
    missing = _missing_images(samples)
    errors = [f"{s.id}: {s.meta[LOAD_ERROR_KEY]}" for s in samples if LOAD_ERROR_KEY in s.meta]
    return SplitStatus(
        split=split,
        expected=card.expected_counts.get(split),
        found=len(samples),
        missing_images=tuple(missing[:SHOWN]),
        n_missing_images=len(missing),
        load_errors=tuple(errors[:SHOWN]),
        fingerprint=fingerprint_samples(samples),
    )


def _split_problems(status: SplitStatus) -> list[str]:
    problems: list[str] = []
    if status.expected is not None and status.expected != status.found:
        problems.append(
            f"split '{status.split}': expected {status.expected} samples, found {status.found}"
        )
    if status.n_missing_images:
        problems.append(
            f"split '{status.split}': {status.n_missing_images} image file(s) named by the "
            f"annotations are missing, first {status.missing_images[0]}"
        )
    return problems


def _layout(spec: SourceSpec, splits: list[str]) -> list[LayoutEntry]:
    seen: dict[str, LayoutEntry] = {}
    for split in splits:
        for entry in layout_entries(spec, split):
            seen.setdefault(entry.relative, entry)
    return list(seen.values())


def check_data(card: DatasetCard, data_dir: Path | None) -> DataReport:
    """Check the card's data from the source a run would use (``--data-dir`` or hub)."""
    splits = checked_splits(card)
    if data_dir is None and set(card.sources) == {"local"}:
        report = DataReport(
            task=card.name,
            family=card.family,
            source="local (no --data-dir)",
            caveats=card.caveats,
        )
        report.problems.append(
            f"{card.name} is read from its original download layout: pass --data-dir DIR"
        )
        report.alternatives = _layout(card.sources["local"], splits)
        return report
    spec = choose_source(card, data_dir)
    where = f"{spec.role}:{spec.kind}" + (f":{data_dir}" if spec.role == "local" else "")
    if spec.kind == "hf-datasets":
        ident, revision, patterns = source_files(spec.options, card_hub_splits(card, spec))
        snapshot = cached_snapshot(ident, revision, patterns)
        where += f":{ident}@{revision}"
        where += f" (hub cache snapshot {snapshot})" if snapshot else " (not in the hub cache)"
    report = DataReport(task=card.name, family=card.family, source=where, caveats=card.caveats)
    if spec.role == "local" and data_dir is not None:
        for entry in _layout(spec, splits):
            found = found_relative(data_dir, entry)
            present = found is not None
            report.entries.append(EntryStatus(entry, present, found))
            if not present:
                report.problems.append(missing_message(data_dir, entry))
        if report.problems:
            return report
    for split in splits:
        try:
            status = _split_status(card, split, data_dir)
        except UsageError as exc:
            report.problems.append(str(exc))
            if spec.role == "hub" and "local" in card.sources:
                report.alternatives = _layout(card.sources["local"], splits)
            return report
        report.splits.append(status)
        report.problems.extend(_split_problems(status))
    return report
