"""The ``--limit`` subset: a seeded sample of N rows, stratified the way the card says.

Taking the first N rows of a split gives a biased quick run (VQA files are often sorted by
image or question type, sentiment files by label). Instead, ``--limit`` uses the same rule
as the cards' fixed subsets (:mod:`bench.data.sources.subset`): each stratum gets a share
of N proportional to its size (largest remainder), and inside a stratum the ids with the
smallest ``sha256("{seed}:{id}")`` are taken, ``seed`` being the run's ``--seed``. The
chosen rows keep their order in the split, so the subset and its fingerprint depend only
on the split's ids, N, the field and the seed.

The field is the card's ``task.limit_stratify`` (``"label"``, ``"meta.<key>"`` or
``"none"``); without it, the family default applies (answer type for VQA, label for
sentiment, plain seeded random rows otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.data.sources.subset import stratified_parts
from bench.errors import UsageError
from bench.types import Sample

#: Stratification used when a card does not name one, by task family.
FAMILY_DEFAULTS = {"vqa": "meta.answer_type", "sentiment": "label"}
NO_STRATA = "none"


@dataclass(frozen=True)
class SubsetRule:
    """How a ``--limit`` subset was drawn: recorded in the RunRecord's ``task.subset``."""

    n: int
    of: int
    seed: int
    stratify: str

    @property
    def rule(self) -> str:
        """``seeded-stratified`` or ``seeded-random``."""
        return "seeded-random" if self.stratify == NO_STRATA else "seeded-stratified"

    def to_json(self) -> dict[str, Any]:
        """The record's ``task.subset`` object."""
        return {
            "rule": self.rule,
            "stratify": self.stratify,
            "seed": self.seed,
            "n": self.n,
            "of": self.of,
        }


def check_stratify(field: str, where: str) -> str:
    """``field`` if it is ``none``, ``label`` or ``meta.<key>``; UsageError naming ``where``."""
    if field in (NO_STRATA, "label") or (field.startswith("meta.") and len(field) > 5):
        return field
    raise UsageError(
        f'{where}: field \'task.limit_stratify\' must be "none", "label" or "meta.<key>"'
    )


def stratum(sample: Sample, field: str) -> str:
    """The group of ``sample`` under ``field`` (empty when the sample lacks it)."""
    if field == NO_STRATA:
        return ""
    if field == "label":
        return "" if sample.label is None else str(sample.label)
    return str(sample.meta.get(field[len("meta.") :], ""))


def subset_indices(samples: Sequence[Sample], n: int, seed: int, stratify: str) -> list[int]:
    """Indices (ascending) of the ``n`` rows a ``--limit n`` run evaluates.

    Every row is chosen when ``n`` is at least the split's size.
    """
    if n < 0:
        raise UsageError(f"--limit {n}: must be a non-negative number of samples")
    if n >= len(samples):
        return list(range(len(samples)))
    items = [(sample.id, stratum(sample, stratify)) for sample in samples]
    chosen = stratified_parts(items, {"limit": n}, seed=seed)
    return [i for i, sample in enumerate(samples) if chosen[sample.id] == "limit"]


def draw_subset(
    samples: Sequence[Sample], n: int, seed: int, stratify: str
) -> tuple[list[Sample], SubsetRule | None]:
    """The ``--limit n`` subset and its rule (None when every sample is kept)."""
    if n >= len(samples):
        return list(samples), None
    picked = [samples[i] for i in subset_indices(samples, n, seed, stratify)]
    return picked, SubsetRule(n=n, of=len(samples), seed=seed, stratify=stratify)
