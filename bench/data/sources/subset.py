"""Seeded, stratified selection of sample ids: fixed subsets and splits defined as data.

The rule (documented in ``docs/dataset-cards.md``) needs no shipped id list:

1. for each part in turn, each stratum (e.g. an answer type or a label) gets a quota
   proportional to how many of its ids are still unassigned, rounded by the
   largest-remainder method (ties: larger stratum first, then name);
2. inside a stratum, ids are ranked by ``sha256(f"{seed}:{id}")`` (hex, ascending);
3. parts are filled in order from the front of each stratum's ranking; whatever is left
   belongs to ``rest``.

The same ids give the same subset on every machine, from every source that keeps the
original ids.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence

from bench.data.cards import SourceSpec
from bench.errors import UsageError
from bench.types import Sample


def rank_key(sample_id: str, seed: int) -> str:
    """The ranking key of one id: ``sha256("{seed}:{id}")`` as hex."""
    return hashlib.sha256(f"{seed}:{sample_id}".encode()).hexdigest()


def quotas(stratum_sizes: Mapping[str, int], total: int) -> dict[str, int]:
    """Split ``total`` over strata proportionally (largest remainder, deterministic ties)."""
    population = sum(stratum_sizes.values())
    if total > population:
        raise UsageError(f"cannot take {total} samples out of {population}")
    if population == 0:
        return {}
    exact = {name: total * size / population for name, size in stratum_sizes.items()}
    result = {name: int(value) for name, value in exact.items()}
    left = total - sum(result.values())
    order = sorted(
        stratum_sizes,
        key=lambda name: (-(exact[name] - result[name]), -stratum_sizes[name], name),
    )
    for name in order[:left]:
        result[name] += 1
    return result


def stratified_parts(
    items: Sequence[tuple[str, str]],
    parts: Mapping[str, int],
    *,
    seed: int,
    rest: str = "rest",
) -> dict[str, str]:
    """Assign every ``(id, stratum)`` to one of ``parts`` (sizes in order) or to ``rest``.

    Returns:
        ``{id: part name}`` for every input id.

    Raises:
        UsageError: the parts together ask for more ids than there are.
    """
    needed = sum(parts.values())
    if needed > len(items):
        raise UsageError(f"cannot take {needed} samples ({dict(parts)}) from {len(items)}")
    by_stratum: dict[str, list[str]] = defaultdict(list)
    for sample_id, stratum in items:
        by_stratum[stratum].append(sample_id)
    for ids in by_stratum.values():
        ids.sort(key=lambda sample_id: rank_key(sample_id, seed))
    assignment = {sample_id: rest for sample_id, _ in items}
    taken = dict.fromkeys(by_stratum, 0)
    for part, size in parts.items():
        left = {name: len(ids) - taken[name] for name, ids in by_stratum.items()}
        for stratum, quota in quotas(left, size).items():
            start = taken[stratum]
            chosen = by_stratum[stratum][start : start + quota]
            for sample_id in chosen:
                assignment[sample_id] = part
            taken[stratum] = start + len(chosen)
    return assignment


def apply_subset(spec: SourceSpec, samples: list[Sample]) -> list[Sample]:
    """Keep the card's fixed subset (``subset = {size, stratify, seed}``), in input order.

    ``stratify`` names a ``meta`` key (e.g. ``answer_type``); without ``subset`` in the
    card every sample is kept.
    """
    table = spec.options.get("subset")
    if table is None:
        return samples
    where = f"source.{spec.role}.subset"
    if not isinstance(table, Mapping):
        raise UsageError(f"field '{where}' must be a table")
    size, seed, key = table.get("size"), table.get("seed", 0), table.get("stratify", "")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise UsageError(f"field '{where}.size' must be a positive integer")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UsageError(f"field '{where}.seed' must be an integer")
    if not isinstance(key, str):
        raise UsageError(f"field '{where}.stratify' must be a meta key")
    if size >= len(samples):
        return samples
    items = [(s.id, s.meta.get(key, "") if key else "") for s in samples]
    chosen = stratified_parts(items, {"subset": size}, seed=seed)
    return [s for s in samples if chosen[s.id] == "subset"]
