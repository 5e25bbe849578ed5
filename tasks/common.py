"""What every card-backed task family shares: reading, checking and fingerprinting data."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from bench.data.cards import DatasetCard
from bench.data.fingerprint import fingerprint_samples
from bench.data.sources import read_split
from bench.data.subset import FAMILY_DEFAULTS, NO_STRATA, check_stratify, draw_subset
from bench.errors import UsageError
from bench.tasking import DataOptions, SampleRow, TaskData
from bench.types import DATA_STAGE, LOAD_ERROR_KEY, ErrorRecord, Sample


def _dedupe_ids(samples: list[Sample]) -> list[Sample]:
    """Rename repeated ids (``id~dup1``...) and mark them failed, so none leaves a denominator."""
    seen: Counter[str] = Counter()
    out: list[Sample] = []
    for sample in samples:
        seen[sample.id] += 1
        if seen[sample.id] == 1:
            out.append(sample)
            continue
        meta = dict(sample.meta)
        meta[LOAD_ERROR_KEY] = f"duplicate sample id '{sample.id}' (first occurrence kept)"
        out.append(replace(sample, id=f"{sample.id}~dup{seen[sample.id] - 1}", meta=meta))
    return out


def load_task_data(card: DatasetCard, options: DataOptions) -> TaskData:
    """Read the card's evaluated split, check its size, apply ``--limit``, fingerprint it."""
    if options.data_dir is not None and not options.data_dir.is_dir():
        raise UsageError(f"--data-dir {options.data_dir}: no such directory")
    samples, where = read_split(card, card.split, options.data_dir)
    expected = card.expected_counts.get(card.split)
    if expected is not None and len(samples) != expected and options.limit is None:
        raise UsageError(
            f"{card.name}: expected {expected} samples in split '{card.split}', "
            f"found {len(samples)} (source {where}; card {card.path})"
        )
    samples = _dedupe_ids(samples)
    subset = None
    if options.limit is not None:
        samples, rule = draw_subset(samples, options.limit, options.seed, limit_stratify(card))
        subset = None if rule is None else rule.to_json()
    errors = tuple(
        ErrorRecord(s.id, DATA_STAGE, s.meta[LOAD_ERROR_KEY])
        for s in samples
        if LOAD_ERROR_KEY in s.meta
    )
    train = None
    if card.train_split is not None:
        train_split = card.train_split
        data_dir = options.data_dir

        @functools.cache  # every fittable model of a run shares this TaskData's train split
        def train() -> tuple[Sample, ...]:
            train_samples, _ = read_split(card, train_split, data_dir)
            return tuple(_dedupe_ids(train_samples))

    return TaskData(
        samples=tuple(samples),
        fingerprint=fingerprint_samples(samples),
        source=where,
        split=card.split,
        train=train,
        errors=errors,
        subset=subset,
    )


def limit_stratify(card: DatasetCard) -> str:
    """How ``--limit`` stratifies this card's subset: ``task.limit_stratify`` or the
    family default (``meta.answer_type`` for VQA, ``label`` for sentiment, else ``none``)."""
    default = FAMILY_DEFAULTS.get(card.family, NO_STRATA)
    return check_stratify(option(card, "limit_stratify", default, str), str(card.path))


@dataclass
class CardTask:
    """Base of the built-in families: a task bound to one dataset card."""

    card: DatasetCard

    family: ClassVar[str] = ""

    @property
    def name(self) -> str:
        """The registered task name (the card's)."""
        return self.card.name

    def load(self, options: DataOptions) -> TaskData:
        """Read, check and fingerprint the card's evaluated split."""
        return load_task_data(self.card, options)


def usable(sample: Sample) -> bool:
    """Whether a sample reached the task intact (no reader error)."""
    return LOAD_ERROR_KEY not in sample.meta


def option(card: DatasetCard, key: str, default: Any, kind: type) -> Any:
    """A family option from the card's ``[task]`` table, type-checked."""
    options: Mapping[str, Any] = card.task_options
    value = options.get(key, default)
    if not isinstance(value, kind):
        raise UsageError(f"{card.path}: field 'task.{key}' must be {kind.__name__}")
    return value


def collect_errors(
    data: TaskData, stages: Mapping[str, Mapping[str, str]]
) -> tuple[dict[str, str], tuple[ErrorRecord, ...]]:
    """Reader errors then each stage's ``{item id: reason}``: as a lookup and as records."""
    records = list(data.errors)
    for stage, errors in stages.items():
        records.extend(ErrorRecord(item, stage, reason) for item, reason in sorted(errors.items()))
    lookup: dict[str, str] = {}
    for record in records:
        lookup.setdefault(record.sample_id, record.reason)
    return lookup, tuple(records)


#: The unit of rows for samples no metric could score (no references): failed, reported,
#: outside every denominator.
UNSCORED_UNIT = "unscored"


def unscored_rows(
    data: TaskData, scored: set[str], errors: Mapping[str, str], unit: str = UNSCORED_UNIT
) -> tuple[SampleRow, ...]:
    """A row (no stats) for every sample outside ``scored``, with its error."""
    return tuple(
        SampleRow(unit=unit, id=s.id, prediction=None, error=errors.get(s.id), stats={})
        for s in data.samples
        if s.id not in scored
    )
